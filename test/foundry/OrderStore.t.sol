// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {OrderStore} from "../../contracts/libraries/OrderStore.sol";
import {PositionLib} from "../../contracts/libraries/PositionLib.sol";
import {Order, StoredOrder} from "../../contracts/types/Types.sol";

/// @dev External entry so that a revert of `write` can be expected.
contract OrderStoreHarness {
    StoredOrder internal order;

    function write(Order memory v, bool callback) external returns (uint256) {
        return OrderStore.write(order, v, callback);
    }

    function load() external view returns (Order memory v, bool callback) {
        return OrderStore.load(order);
    }

    function setCallback(bool callback) external {
        OrderStore.setCallback(order, callback);
    }

    function requirementUsd(uint256 quoteScale) external view returns (uint256) {
        return OrderStore.requirementUsd(order, quoteScale);
    }

    /// @dev The stored struct as the compiler decodes it (not through OrderStore).
    function raw() external view returns (StoredOrder memory) {
        return order;
    }

    function clear() external {
        delete order;
    }
}

/// @notice INV-65: an order is two slots. The acceptable price is stored on the float grid on
///         its stricter side (a buy's maximum down, a sell's minimum up) and the reserve rounded
///         up, each within a relative 2^-56 and exact below 2^57 wei; every other field is kept
///         exactly. The hand-packed words are what the compiler's layout of `StoredOrder` decodes.
contract OrderStoreTest is Test {
    OrderStoreHarness internal h;

    function setUp() public {
        h = new OrderStoreHarness();
    }

    /// @dev An order's fields as the fuzzer draws them (times as offsets, as stored).
    struct Fields {
        int128 sizeDelta;
        uint128 acceptable;
        uint96 reserve;
        uint40 commitTime;
        uint16 delay;
        uint32 lifetime;
        uint80 keeperFee;
        uint80 round;
        bool reduceOnly;
        bool callback;
    }

    function _order(Fields memory f) internal pure returns (Order memory v) {
        v.sizeDelta = f.sizeDelta;
        v.acceptablePrice = f.acceptable;
        v.commitTime = f.commitTime;
        v.settlementDeadline = uint40(uint256(f.commitTime) + f.lifetime);
        v.keeperFee = f.keeperFee;
        v.reserveUsd = f.reserve;
        v.commitRound = f.round;
        v.earliestSettlement = uint40(uint256(f.commitTime) + f.delay);
        v.reduceOnly = f.reduceOnly;
    }

    function testFuzz_roundTripInTwoSlots(Fields memory f) public {
        vm.assume(f.sizeDelta != 0);
        f.commitTime = uint40(bound(f.commitTime, 1, type(uint40).max - type(uint32).max));
        f.acceptable = uint128(bound(f.acceptable, 0, type(uint128).max >> 1));
        f.reserve = uint96(bound(f.reserve, 0, type(uint96).max >> 1));
        Order memory v = _order(f);
        (int128 sizeDelta, uint128 acceptable, uint96 reserve) = (
            f.sizeDelta,
            f.acceptable,
            f.reserve
        );
        uint256 stored = h.write(v, f.callback);
        (Order memory got, bool callback) = h.load();
        assertEq(callback, f.callback, "callback flag");
        // exact fields
        assertEq(got.sizeDelta, v.sizeDelta, "size");
        assertEq(got.commitTime, v.commitTime, "commit time");
        assertEq(got.settlementDeadline, v.settlementDeadline, "deadline");
        assertEq(got.earliestSettlement, v.earliestSettlement, "earliest");
        assertEq(got.keeperFee, v.keeperFee, "keeper fee");
        assertEq(got.commitRound, v.commitRound, "round");
        assertEq(got.reduceOnly, v.reduceOnly, "reduce only");
        // the bound: what write reported, on the stricter side, within 2^-56, exact below 2^57
        assertEq(got.acceptablePrice, stored, "reported bound");
        if (sizeDelta > 0) assertLe(stored, acceptable, "a buy's maximum rose");
        else assertGe(stored, acceptable, "a sell's minimum fell");
        uint256 d = stored > acceptable ? stored - acceptable : acceptable - stored;
        assertLe(d, uint256(acceptable) >> 56, "bound moved more than 2^-56");
        if (acceptable < 1 << 57) assertEq(stored, acceptable, "bound not exact");
        // the reserve: up, within 2^-56, exact below 2^57
        assertGe(got.reserveUsd, reserve, "reserve fell");
        assertLe(got.reserveUsd - reserve, uint256(reserve) >> 56, "reserve rose more than 2^-56");
        if (reserve < 1 << 57) assertEq(got.reserveUsd, reserve, "reserve not exact");
        assertEq(h.requirementUsd(1e12), uint256(got.reserveUsd) + uint256(f.keeperFee) * 1e12);
        // the hand-packed words decode through the compiler's layout
        StoredOrder memory r = h.raw();
        assertEq(r.sizeDelta, sizeDelta);
        assertEq(r.commitTime, f.commitTime);
        assertEq(r.delay, f.delay);
        assertEq(r.lifetime, f.lifetime);
        assertEq(r.keeperFee, f.keeperFee);
        assertEq(r.commitRound, f.round);
        assertEq(r.flags, (f.reduceOnly ? 1 : 0) | (f.callback ? 2 : 0), "flags");
        assertEq(PositionLib.decodeEntry(r.acceptableFloat), stored);
        assertEq(PositionLib.decodeEntry(r.reserveFloat), got.reserveUsd);
        // INV-76: the callback flag flips alone; every other field is kept
        h.setCallback(!f.callback);
        (Order memory flipped, bool flag) = h.load();
        assertEq(flag, !f.callback, "flag not set");
        assertEq(keccak256(abi.encode(flipped)), keccak256(abi.encode(got)), "other fields moved");
        StoredOrder memory r2 = h.raw();
        assertEq(r2.flags, (f.reduceOnly ? 1 : 0) | (f.callback ? 0 : 2), "flags after the flip");
        // deleting empties both slots
        h.clear();
        (Order memory none, ) = h.load();
        assertEq(none.commitTime, 0);
        assertEq(none.sizeDelta, 0);
        assertEq(none.reserveUsd, 0);
        assertEq(h.requirementUsd(1e12), 0);
    }

    /// @dev A sell's minimum or a reserve that would round past the view's width is refused,
    ///      never wrapped.
    function test_valuesThatRoundPastTheViewRevert() public {
        Order memory v = _order(Fields(-1, type(uint128).max, 0, 1, 1, 2, 0, 0, false, false));
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 128, 1 << 128)
        );
        h.write(v, false);
        v = _order(Fields(1, 0, type(uint96).max, 1, 1, 2, 0, 0, false, false));
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 96, 1 << 96)
        );
        h.write(v, false);
        // a buy's maximum rounds down and fits
        v = _order(Fields(1, type(uint128).max, 0, 1, 1, 2, 0, 0, false, false));
        assertLt(h.write(v, false), type(uint128).max);
    }
}

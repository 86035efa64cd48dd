// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {PositionLib} from "../../contracts/libraries/PositionLib.sol";
import {Position} from "../../contracts/types/Types.sol";

/// @notice INV-60: a position is one slot; its stored entry and funding index are exact below
///         2^57 wei, within a relative 2^-56 above, and always on the side that costs the
///         position (a long's entry up and index down, a short's entry down and index up);
///         storing then loading returns exactly what `store` reported.
contract PositionLibTest is Test {
    Position internal pos;

    function _abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }

    function testFuzz_entryRoundsAgainstThePosition(uint256 fill, bool long) public pure {
        fill = bound(fill, 0, type(uint160).max);
        uint256 entry = PositionLib.decodeEntry(PositionLib.encodeEntry(fill, long));
        if (fill < 1 << 57) assertEq(entry, fill, "not exact below 2^57");
        uint256 diff = entry > fill ? entry - fill : fill - entry;
        assertLe(diff, fill >> 56, "more than a relative 2^-56 away");
        if (long) assertGe(entry, fill, "long entry below the fill");
        else assertLe(entry, fill, "short entry above the fill");
    }

    function testFuzz_indexRoundsAgainstThePosition(int256 index, bool long) public pure {
        index = bound(index, type(int128).min, type(int128).max);
        int256 stored = PositionLib.decodeIndex(PositionLib.encodeIndex(index, !long));
        if (_abs(index) < 1 << 56) assertEq(stored, index, "not exact below 2^56");
        assertLe(_abs(stored - index), _abs(index) >> 55, "more than a relative 2^-55 away");
        if (long) assertLe(stored, index, "long index above the exact one");
        else assertGe(stored, index, "short index below the exact one");
    }

    /// @dev The float grid keeps order: a larger value never stores below a smaller one.
    function testFuzz_monotonic(uint256 a, uint256 b, bool up) public pure {
        a = bound(a, 0, type(uint128).max);
        b = bound(b, a, type(uint128).max);
        assertLe(
            PositionLib.decodeEntry(PositionLib.encodeEntry(a, up)),
            PositionLib.decodeEntry(PositionLib.encodeEntry(b, up))
        );
    }

    function testFuzz_roundTripInOneSlot(int256 size, uint256 fill, int256 index) public {
        size = bound(size, -type(int128).max, type(int128).max);
        vm.assume(size != 0);
        fill = bound(fill, 0, type(uint128).max);
        index = bound(index, type(int128).min, type(int128).max);
        (uint256 e, int256 i) = PositionLib.store(pos, size, fill, index);
        (int256 s2, uint256 e2, int256 i2) = PositionLib.load(pos);
        assertEq(s2, size);
        assertEq(e2, e);
        assertEq(i2, i);
        bytes32 slot;
        assembly {
            slot := pos.slot
        }
        assertEq(vm.load(address(this), bytes32(uint256(slot) + 1)), bytes32(0), "second slot");
    }

    function encodeExternal(uint256 v) external pure returns (uint64) {
        return PositionLib.encodeEntry(v, true);
    }

    /// @dev A fill of 2^183 or more reverts PriceOverflow; just below it stores.
    function test_priceOverflow() public {
        uint256 max = (uint256(1) << 183) - 1;
        assertGe(PositionLib.decodeEntry(this.encodeExternal(max)), max);
        vm.expectRevert(abi.encodeWithSignature("PriceOverflow(uint256)", max + 1));
        this.encodeExternal(max + 1);
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {TradeLogic} from "../../contracts/libraries/TradeLogic.sol";
import {PoolLogic} from "../../contracts/libraries/PoolLogic.sol";
import {MarketState} from "../../contracts/types/Types.sol";

/// @notice `TradeLogic.updateAggregates`, whose plain path writes the market's open interest and
///         the pool's sum `netBasis` as words, against the field-by-field checked Solidity it replaced
///         and declines to: the same two slots (every bit, the block-start skew and the listing's
///         flags included) after
///         every move, and a revert with the same data exactly where the reference reverts.
contract AggregatesTest is Test {
    MarketState internal st;

    /// @dev The implementation `updateAggregates` replaced, field by field in checked Solidity:
    ///      the path it declines to (`PoolLogic.updateAggregatesChecked`, unchanged). `m`: old
    ///      size, new size, old entry, new entry, old index, new index.
    function refUpdate(int256[6] calldata m) external returns (uint256, uint256) {
        PoolLogic.updateAggregatesChecked(st, m[0], m[1], m[2], m[3], m[4], m[5]);
        return _words();
    }

    function update(int256[6] calldata m) external returns (uint256, uint256) {
        TradeLogic.updateAggregates(st, m[0], m[1], m[2], m[3], m[4], m[5]);
        return _words();
    }

    /// @dev State slots 0 and 2, every bit.
    function _words() internal view returns (uint256 w0, uint256 w2) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            w0 := sload(st.slot)
            w2 := sload(add(st.slot, 2))
        }
    }

    /// @dev Both from the same state; the reference's effects are undone by a snapshot.
    function _same(
        int256 oldSize,
        int256 newSize,
        int256 oldEntry,
        int256 newEntry,
        int256 oldIndex,
        int256 newIndex
    ) internal {
        int256[6] memory m = [oldSize, newSize, oldEntry, newEntry, oldIndex, newIndex];
        uint256 snap = vm.snapshotState();
        (bool okRef, bytes memory outRef) = address(this).call(abi.encodeCall(this.refUpdate, (m)));
        vm.revertToState(snap);
        (bool ok, bytes memory out) = address(this).call(abi.encodeCall(this.update, (m)));
        assertEq(ok, okRef, "one reverted, the other did not");
        assertEq(keccak256(out), keccak256(outRef), "different slots or revert data");
    }

    function _set(
        uint112 longOI,
        uint112 shortOI,
        int128 basis,
        int112 blockSkew,
        uint8 flags
    ) internal {
        (st.longOI, st.shortOI, st.warmOI) = (longOI, shortOI, flags & 1 == 1);
        (st.netBasis, st.blockSkew) = (basis, blockSkew);
        st.warmAggregates = flags & 2 == 2;
    }

    /// @dev Mostly moves a trade can make (a size within the side's open interest, realistic
    ///      prices and indexes), and at every eighth draw a value at an edge: 2^127 and beyond,
    ///      int256's ends, a size larger than the side holds.
    function _pick(int256 x, uint256 r, int256 realistic) internal pure returns (int256) {
        uint256 k = r % 16;
        if (k == 0) return type(int256).min;
        if (k == 1) return type(int256).max;
        if (k == 2) return int256(1 << 127);
        if (k == 3) return -int256(1 << 127);
        if (k == 4) return int256(1 << 127) - 1;
        if (k == 5) return x;
        return x % realistic;
    }

    function testFuzz_sameSlotsOrSameRevert(
        uint112 longOI,
        uint112 shortOI,
        int128 basis,
        int112 blockSkew,
        uint8 flags,
        int256[6] memory raw,
        uint256 seed
    ) public {
        _set(longOI, shortOI, basis, blockSkew, flags);
        int256[6] memory v;
        // sizes: within the side's open interest most of the time
        int256 side = int256(uint256(raw[0] > 0 ? longOI : shortOI)) + 1;
        v[0] = _pick(raw[0], seed, side);
        v[1] = _pick(raw[1], seed >> 8, 1e30);
        v[2] = _pick(raw[2], seed >> 16, 1e30); // entries: non-negative prices in a trade
        v[3] = _pick(raw[3], seed >> 24, 1e30);
        v[4] = _pick(raw[4], seed >> 32, 1e28); // indexes
        v[5] = _pick(raw[5], seed >> 40, 1e28);
        _same(v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    /// @dev A trade's own moves: the old position is in the open interest, the new one is the
    ///      old plus a delta, the entries are prices; the plain path's results every time.
    function testFuzz_tradeMovesMatch(
        uint112 longOI,
        uint112 shortOI,
        int128 basis,
        int112 blockSkew,
        int128 oldSize,
        int128 delta,
        uint64 oldEntry,
        uint64 newEntry,
        int64 oldIndex,
        int64 newIndex
    ) public {
        int256 cap = int256(uint256(type(uint112).max));
        oldSize = int128(bound(int256(oldSize), -cap, cap));
        if (oldSize > 0) longOI = uint112(bound(longOI, uint128(oldSize), type(uint112).max));
        if (oldSize < 0) {
            shortOI = uint112(bound(shortOI, uint256(-int256(oldSize)), type(uint112).max));
        }
        _set(longOI, shortOI, basis, blockSkew, 3);
        int256 newSize = int256(oldSize) + (delta % 1e30);
        _same(
            oldSize,
            newSize,
            int256(uint256(oldEntry)) * 1e9,
            int256(uint256(newEntry)) * 1e9,
            int256(oldIndex) * 1e6,
            int256(newIndex) * 1e6
        );
    }

    /// @dev Each bound of the plain path, taken alone: the checked path then stores the same
    ///      (a factor at 2^127 whose products still fit) or reverts as it did.
    function test_eachBoundDeclinesToTheCheckedPath() public {
        _set(1e24, 2e24, 2e30, -1e24, 3);
        // an entry at 2^127 with a size of 1: no overflow, stored by the checked path
        _same(1, 2, int256(1 << 127), int256(1 << 127), 0, 0);
        // an old size above the side's open interest: Panic(0x11) in both
        _same(2e24, 1, 1e18, 1e18, 0, 0);
        _same(-3e24, -1, 1e18, 1e18, 0, 0);
        // ... even where the new size, on the same side, would bring the side back above zero
        _same(2e24, 1e24, 1e18, 1e18, 0, 0);
        _same(-3e24, -2e24, 1e18, 1e18, 0, 0);
        // a side above 112 bits: SafeCast's error in both
        _same(0, int256(uint256(type(uint112).max)), 1e18, 1e18, 0, 0);
        // a sum beyond 128 bits: SafeCast's error in both
        _same(0, 1e30, 0, int256(1 << 126), 0, 0);
        _same(0, -1e30, 0, 0, 0, int256(1 << 126));
        // ... or where each term fits and only the difference of the two does not
        _same(0, 1e18, 0, int256(1 << 126), 0, -int256(1 << 126));
        // a product beyond 256 bits: Panic(0x11) in both
        _same(0, int256(1 << 127) - 1, 0, type(int256).max, 0, 0);
    }

    /// @dev The plain path keeps the listing's flags (INV-66): the slots never become zero.
    function test_flagsKeptWhenTheLastPositionCloses() public {
        _set(5e18, 0, 5e18 - 7e17, 0, 3);
        TradeLogic.updateAggregates(st, 5e18, 0, 1e18, 0, 14e16, 0);
        (uint256 w0, uint256 w2) = _words();
        assertEq(w0, 1 << 224, "open interest zero, the flag kept");
        assertEq(w2, 1 << 240, "sum zero, the flag kept");
    }
}

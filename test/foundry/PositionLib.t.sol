// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {PositionLib} from "../../contracts/libraries/PositionLib.sol";
import {Position} from "../../contracts/types/Types.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ICrossmarginErrors} from "../../contracts/interfaces/ICrossmarginErrors.sol";

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

    // ---- the encodings against the checked Solidity they replaced ----

    function refExponent(uint256 mag) internal pure returns (uint256) {
        if (mag >> 57 == 0) return 0;
        return Math.log2(mag) + 1 - 57;
    }

    function refEncodeEntry(uint256 v, bool up) external pure returns (uint64) {
        uint256 exp = refExponent(v);
        if (exp > 126) revert ICrossmarginErrors.PriceOverflow(v);
        uint256 m = v >> exp;
        if (up && (m << exp) != v) {
            if (++m > (1 << 57) - 1) (m, exp) = (m >> 1, exp + 1);
        }
        return uint64((exp << 57) | m);
    }

    function refEncodeIndex(int256 v, bool up) external pure returns (uint64) {
        uint256 exp = refExponent(v < 0 ? uint256(-v) << 1 : uint256(v) << 1);
        int256 m = v >> exp;
        if (up && (m << exp) != v) {
            if (++m > int256(((1 << 57) - 1) >> 1)) (m, exp) = (m >> 1, exp + 1);
        }
        return uint64((exp << 57) | (uint256(m) & ((1 << 57) - 1)));
    }

    function encodeEntry(uint256 v, bool up) external pure returns (uint64) {
        return PositionLib.encodeEntry(v, up);
    }

    function encodeIndex(int256 v, bool up) external pure returns (uint64) {
        return PositionLib.encodeIndex(v, up);
    }

    function _sameCall(bytes memory refCall, bytes memory call) internal view {
        (bool okRef, bytes memory outRef) = address(this).staticcall(refCall);
        (bool ok, bytes memory out) = address(this).staticcall(call);
        assertEq(ok, okRef, "one reverted, the other did not");
        assertEq(keccak256(out), keccak256(outRef), "different float or revert data");
    }

    /// @dev Every width: a value of `bits` bits, so that each exponent and each carry occurs.
    function testFuzz_entryEncodingMatchesTheReference(uint256 v, uint8 bits, bool up) public view {
        if (bits != 0) v = (v >> (256 - uint256(bits))) | (1 << (uint256(bits) - 1));
        _sameCall(
            abi.encodeCall(this.refEncodeEntry, (v, up)),
            abi.encodeCall(this.encodeEntry, (v, up))
        );
    }

    function testFuzz_indexEncodingMatchesTheReference(int256 v, uint8 bits, bool up) public view {
        if (bits != 0 && bits < 255) v = v >> (255 - uint256(bits));
        _sameCall(
            abi.encodeCall(this.refEncodeIndex, (v, up)),
            abi.encodeCall(this.encodeIndex, (v, up))
        );
    }

    /// @dev The carries and the ends: all-ones mantissas that round up to the next power of two,
    ///      the exponent's limit, and int256's ends.
    function test_encodingEdgesMatchTheReference() public view {
        for (uint256 k = 56; k < 200; ++k) {
            uint256 ones = (1 << k) - 1;
            for (uint256 u; u < 2; ++u) {
                bool up = u == 1;
                _sameCall(
                    abi.encodeCall(this.refEncodeEntry, (ones, up)),
                    abi.encodeCall(this.encodeEntry, (ones, up))
                );
                _sameCall(
                    abi.encodeCall(this.refEncodeIndex, (int256(ones), up)),
                    abi.encodeCall(this.encodeIndex, (int256(ones), up))
                );
                _sameCall(
                    abi.encodeCall(this.refEncodeIndex, (-int256(ones), up)),
                    abi.encodeCall(this.encodeIndex, (-int256(ones), up))
                );
            }
        }
        int256[4] memory ends = [type(int256).min, type(int256).max, type(int256).min + 1, -1];
        for (uint256 i; i < 4; ++i) {
            _sameCall(
                abi.encodeCall(this.refEncodeIndex, (ends[i], true)),
                abi.encodeCall(this.encodeIndex, (ends[i], true))
            );
        }
        _sameCall(
            abi.encodeCall(this.refEncodeEntry, (type(uint256).max, true)),
            abi.encodeCall(this.encodeEntry, (type(uint256).max, true))
        );
    }
}

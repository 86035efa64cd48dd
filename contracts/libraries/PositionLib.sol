// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {WadMath} from "./WadMath.sol";
import {ICrossmarginErrors} from "../interfaces/ICrossmarginErrors.sol";
import {Position, PositionView} from "../types/Types.sol";

/// @title One-slot position storage (docs/math.md, "Position storage")
/// @notice A position is one storage slot: the size (int128, WAD) and two 64-bit floats, the
///         entry price and the funding index at the last touch. A float holds a 57-bit mantissa
///         and a 7-bit binary exponent, `value = mantissa * 2^exponent`: exact below 2^57 wei
///         (0.14 USD), within a relative 2^-56 above, for any price. Both are rounded against
///         the position when it is written, so the account, never the pool, carries the rounding.
/// @dev The only code that writes `Store.positions`, and that reads it besides the `size` field
///      and the health loop's `MarketMath.figures`, which decodes the same slot in assembly
///      (test/foundry/HotMath.t.sol checks it against `load`).
library PositionLib {
    /// @notice Mantissa bits of the entry float (unsigned) and of the index float (signed).
    uint256 internal constant MANTISSA_BITS = 57;
    uint256 private constant MANTISSA_MASK = 0x1ffffffffffffff; // (1 << MANTISSA_BITS) - 1, a literal for the assembly
    /// @dev The largest exponent a float holds, less one for a rounding carry (values < 2^183).
    uint256 private constant MAX_EXPONENT = 126;

    /// @notice The position's size (WAD), entry price (WAD) and funding index at its last touch.
    function load(
        Position storage p
    ) internal view returns (int256 size, uint256 entryPrice, int256 fundingIndex) {
        size = p.size;
        entryPrice = decodeEntry(p.entryFloat);
        fundingIndex = decodeIndex(p.indexFloat);
    }

    /// @notice The position in WAD units, as the engine's view returns it.
    function toView(Position storage p) internal view returns (PositionView memory v) {
        (v.size, v.entryPrice, v.fundingIndex) = load(p);
    }

    /// @notice Writes a non-zero position: the fill rounded up for a long and down for a short,
    ///         the index rounded down for a long and up for a short (its PnL can only be lower
    ///         and its funding only higher than at the exact values).
    /// @return entry The entry price stored (WAD).
    /// @return index The funding index stored (WAD).
    function store(
        Position storage p,
        int256 size,
        uint256 fill,
        int256 indexNow
    ) internal returns (uint256 entry, int256 index) {
        uint64 e = encodeEntry(fill, size > 0);
        uint64 i = encodeIndex(indexNow, size < 0);
        p.size = int128(size); // |size| <= int128 max: checked by the caller (SizeOverflow)
        p.entryFloat = e;
        p.indexFloat = i;
        return (decodeEntry(e), decodeIndex(i));
    }

    /// @notice `v` as an unsigned float, rounded up when `up`, else down.
    /// @dev Reverts `PriceOverflow(v)` from 2^183 on (the exponent above `MAX_EXPONENT`). The
    ///      mantissa and its rounding in assembly: `m < 2^57` after the shift, and one more
    ///      exponent holds a carry to 2^57 exactly (test/foundry/PositionLib.t.sol checks both
    ///      encodings against the checked Solidity they replaced).
    function encodeEntry(uint256 v, bool up) internal pure returns (uint64 f) {
        uint256 sh = _exponent(v);
        if (sh > MAX_EXPONENT) revert ICrossmarginErrors.PriceOverflow(v);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := shr(sh, v)
            if and(up, iszero(eq(shl(sh, m), v))) {
                m := add(m, 1)
                if gt(m, MANTISSA_MASK) {
                    m := shr(1, m)
                    sh := add(sh, 1)
                }
            }
            f := or(shl(MANTISSA_BITS, sh), m)
        }
    }

    /// @notice `v` as a signed float (two's-complement mantissa), rounded towards plus infinity
    ///         when `up`, else towards minus infinity.
    /// @dev For the funding indexes the engine stores (int128) the exponent is at most 72 of the
    ///      7 bits' 127. `v = type(int256).min` reverts Panic 0x11 (its magnitude), as the checked
    ///      Solidity this replaced did; the float is the low 64 bits, as `uint64()` took them.
    function encodeIndex(int256 v, bool up) internal pure returns (uint64 f) {
        uint256 sh = _exponent(WadMath.abs(v) << 1);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := sar(sh, v) // towards minus infinity
            if and(up, iszero(eq(shl(sh, m), v))) {
                m := add(m, 1)
                if sgt(m, shr(1, MANTISSA_MASK)) {
                    m := sar(1, m)
                    sh := add(sh, 1)
                }
            }
            f := and(or(shl(MANTISSA_BITS, sh), and(m, MANTISSA_MASK)), 0xffffffffffffffff)
        }
    }

    /// @notice The value of an unsigned float.
    function decodeEntry(uint64 f) internal pure returns (uint256) {
        return (uint256(f) & MANTISSA_MASK) << (f >> MANTISSA_BITS);
    }

    /// @notice The value of a signed float.
    function decodeIndex(uint64 f) internal pure returns (int256 v) {
        int256 m = int256(uint256(f) & MANTISSA_MASK);
        if (m > int256(MANTISSA_MASK >> 1)) m -= int256(1 << MANTISSA_BITS);
        v = m << (f >> MANTISSA_BITS);
    }

    /// @dev The shift that fits `mag` into the mantissa: 0 below 2^57, else bits beyond 57. A
    ///      uint128 value (every funding index) needs at most 72 of the 7-bit exponent's 127.
    ///      `floor(log2(mag))` by a binary search of eight steps, as OpenZeppelin's `Math.log2`.
    function _exponent(uint256 mag) private pure returns (uint256 sh) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            if shr(MANTISSA_BITS, mag) {
                let r := shl(7, lt(0xffffffffffffffffffffffffffffffff, mag))
                r := or(r, shl(6, lt(0xffffffffffffffff, shr(r, mag))))
                r := or(r, shl(5, lt(0xffffffff, shr(r, mag))))
                r := or(r, shl(4, lt(0xffff, shr(r, mag))))
                r := or(r, shl(3, lt(0xff, shr(r, mag))))
                r := or(r, shl(2, lt(0xf, shr(r, mag))))
                r := or(r, shl(1, lt(0x3, shr(r, mag))))
                r := or(r, lt(0x1, shr(r, mag)))
                sh := sub(add(r, 1), MANTISSA_BITS)
            }
        }
    }
}

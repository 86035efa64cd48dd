// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title Bitmask
/// @notice The account bitmaps (open markets, held collaterals, pending orders): the one home of
///         their bit arithmetic. Loops take the lowest set bit, then clear it: `m &= m - 1`.
library Bitmask {
    uint256 private constant M1 = 0x5555555555555555;
    uint256 private constant M2 = 0x3333333333333333;
    uint256 private constant M4 = 0x0f0f0f0f0f0f0f0f;
    uint256 private constant H01 = 0x0101010101010101;

    /// @notice Number of set bits of a mask of the low 64 bits: the branch-free SWAR count
    ///         (bit pairs, nibbles, bytes, then the byte sum by one multiplication).
    function count(uint256 x) internal pure returns (uint256) {
        unchecked {
            x &= type(uint64).max;
            x -= (x >> 1) & M1;
            x = (x & M2) + ((x >> 2) & M2);
            x = (x + (x >> 4)) & M4;
            return ((x * H01) >> 56) & 0xff;
        }
    }

    /// @dev `DE_BRUIJN` (a de Bruijn sequence of order 6) times a power of two 2^i, in 64 bits,
    ///      has a distinct top 6 bits for each i < 64; `LOW_HALF` and `HIGH_HALF` map those to i,
    ///      one byte each (entries 0 to 31, 32 to 63).
    uint256 private constant DE_BRUIJN = 0x022fdd63cc95386d;
    uint256 private constant LOW_HALF =
        0x000102350307361b042629082237301c3e05272e2c2a160918233b3831121d0b;
    uint256 private constant HIGH_HALF =
        0x3f34061a2528212f3d2d2b15173a110a331924203c143910321f130f1e0e0d0c;

    /// @notice Index of the lowest set bit of `x` (`x` has a set bit in its low 64 bits, as every
    ///         account mask): the bit isolated (`x & -x`) times `DE_BRUIJN`, its top 6 bits of 64
    ///         looked up in the table, without a branch.
    function lowest(uint256 x) internal pure returns (uint256 i) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let k := shr(58, and(mul(and(x, sub(0, x)), DE_BRUIJN), 0xffffffffffffffff))
            let table := xor(LOW_HALF, mul(shr(5, k), xor(LOW_HALF, HIGH_HALF)))
            i := byte(and(k, 31), table)
        }
    }
}

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

    /// @notice Index of the lowest set bit of `x` (`x != 0`; the masks use the low 64 bits): the
    ///         number of set bits below it, `count(b - 1)` with `b` the bit isolated.
    function lowest(uint256 x) internal pure returns (uint256) {
        unchecked {
            return count((x & (~x + 1)) - 1);
        }
    }
}

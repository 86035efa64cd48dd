// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title Bitmask
/// @notice The account bitmaps (open markets, held collaterals, pending orders): the one home of
///         their bit arithmetic. Loops take the lowest set bit, then clear it: `m &= m - 1`.
library Bitmask {
    /// @notice Number of set bits.
    function count(uint256 x) internal pure returns (uint256 c) {
        while (x != 0) {
            unchecked {
                x &= x - 1;
                ++c;
            }
        }
    }

    /// @notice Index of the lowest set bit of `x` (`x != 0`; the masks use the low 64 bits): the
    ///         bit isolated, then its position by a binary search over 32, 16, 8, 4, 2 and 1.
    function lowest(uint256 x) internal pure returns (uint256 i) {
        unchecked {
            uint256 b = x & (~x + 1);
            if (b >= 1 << 32) {
                b >>= 32;
                i += 32;
            }
            if (b >= 1 << 16) {
                b >>= 16;
                i += 16;
            }
            if (b >= 1 << 8) {
                b >>= 8;
                i += 8;
            }
            if (b >= 1 << 4) {
                b >>= 4;
                i += 4;
            }
            if (b >= 1 << 2) {
                b >>= 2;
                i += 2;
            }
            if (b >= 1 << 1) i += 1;
        }
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title WadMath
/// @notice 18-decimal fixed-point helpers. The rounding direction is part of every name:
///         `Down`/`Floor` round towards minus infinity, `Up`/`Ceil` towards plus infinity,
///         `Trunc` towards zero. See docs/math.md.
library WadMath {
    uint256 internal constant WAD = 1e18;
    int256 internal constant IWAD = 1e18;

    /// @dev Each of the four below takes the plain 256-bit path when the product fits (checked
    ///      by one division) and OpenZeppelin's 512-bit `mulDiv` otherwise: the same result,
    ///      for a fraction of the gas on the hot path. A zero divisor still reverts (Panic 0x12).
    function mulDown(uint256 a, uint256 b) internal pure returns (uint256) {
        unchecked {
            uint256 p = a * b;
            if (a == 0 || p / a == b) return p / WAD;
        }
        return Math.mulDiv(a, b, WAD);
    }

    function mulUp(uint256 a, uint256 b) internal pure returns (uint256) {
        unchecked {
            uint256 p = a * b;
            if (a == 0 || p / a == b) return p == 0 ? 0 : (p - 1) / WAD + 1;
        }
        return Math.mulDiv(a, b, WAD, Math.Rounding.Ceil);
    }

    function divDown(uint256 a, uint256 b) internal pure returns (uint256) {
        unchecked {
            uint256 p = a * WAD;
            if (p / WAD == a) return p / b;
        }
        return Math.mulDiv(a, WAD, b);
    }

    function divUp(uint256 a, uint256 b) internal pure returns (uint256) {
        unchecked {
            uint256 p = a * WAD;
            if (p / WAD == a) {
                uint256 q = p / b;
                return q * b == p ? q : q + 1;
            }
        }
        return Math.mulDiv(a, WAD, b, Math.Rounding.Ceil);
    }

    /// @notice floor(a * b / WAD) on signed values.
    function sMulFloor(int256 a, int256 b) internal pure returns (int256) {
        return divFloor(a * b, IWAD);
    }

    /// @notice ceil(a * b / WAD) on signed values.
    function sMulCeil(int256 a, int256 b) internal pure returns (int256) {
        return -divFloor(-(a * b), IWAD);
    }

    /// @notice floor(a / b) for b > 0.
    function divFloor(int256 a, int256 b) internal pure returns (int256 q) {
        q = a / b;
        if (a % b != 0 && a < 0) q -= 1;
    }

    /// @notice ceil(a / b) for b > 0.
    function divCeil(int256 a, int256 b) internal pure returns (int256) {
        return -divFloor(-a, b);
    }

    /// @notice Smallest r with r * r >= x.
    function sqrtUp(uint256 x) internal pure returns (uint256) {
        return Math.sqrt(x, Math.Rounding.Ceil);
    }

    function abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    function toInt(uint256 x) internal pure returns (int256) {
        return SafeCast.toInt256(x);
    }

    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }
}

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
    ///      `mulDown` and `mulUp` run on every position of the health loop, so their plain path
    ///      is written out (test/foundry/HotMath.t.sol compares them with `mulDiv`).
    function mulDown(uint256 a, uint256 b) internal pure returns (uint256 r) {
        bool fits;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := mul(a, b)
            fits := or(iszero(a), eq(div(p, a), b))
            r := div(p, WAD)
        }
        if (!fits) r = Math.mulDiv(a, b, WAD);
    }

    function mulUp(uint256 a, uint256 b) internal pure returns (uint256 r) {
        bool fits;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := mul(a, b)
            fits := or(iszero(a), eq(div(p, a), b))
            // ceil(p / WAD) = (p - 1) / WAD + 1 for p > 0, and 0 for p = 0
            r := mul(iszero(iszero(p)), add(div(sub(p, 1), WAD), 1))
        }
        if (!fits) r = Math.mulDiv(a, b, WAD, Math.Rounding.Ceil);
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

    /// @notice floor(a * b / WAD) on signed values. Reverts as checked arithmetic would
    ///      (Panic 0x11) when `a * b` overflows int256.
    function sMulFloor(int256 a, int256 b) internal pure returns (int256 q) {
        int256 p = _sMul(a, b);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // truncate, then one less when negative and inexact
            q := sub(sdiv(p, IWAD), and(slt(p, 0), iszero(iszero(smod(p, IWAD)))))
        }
    }

    /// @notice ceil(a * b / WAD) on signed values; reverts (Panic 0x11) when `a * b` or its
    ///      negation overflows int256, as `-floor(-(a * b) / WAD)` in checked arithmetic does.
    function sMulCeil(int256 a, int256 b) internal pure returns (int256 q) {
        int256 p = _sMul(a, b);
        if (p == type(int256).min) panic(0x11);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // truncate, then one more when positive and inexact
            q := add(sdiv(p, IWAD), and(sgt(p, 0), iszero(iszero(smod(p, IWAD)))))
        }
    }

    /// @notice floor(a / b) for b > 0 (a zero `b` reverts, Panic 0x12).
    function divFloor(int256 a, int256 b) internal pure returns (int256 q) {
        if (b == 0) panic(0x12);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            q := sub(sdiv(a, b), and(slt(a, 0), iszero(iszero(smod(a, b)))))
        }
    }

    /// @dev `a * b`, reverting (Panic 0x11) where checked arithmetic would.
    function _sMul(int256 a, int256 b) private pure returns (int256 p) {
        bool overflow;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            p := mul(a, b)
            // wrong quotient, or the one case the quotient misses: -1 * type(int256).min
            overflow := and(
                iszero(iszero(a)),
                or(iszero(eq(sdiv(p, a), b)), and(eq(a, not(0)), eq(b, shl(255, 1))))
            )
        }
        if (overflow) panic(0x11);
    }

    /// @dev Reverts with the `Panic(uint256)` the compiler's checks use.
    function panic(uint256 code) internal pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0, shl(224, 0x4e487b71))
            mstore(4, code)
            revert(0, 0x24)
        }
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

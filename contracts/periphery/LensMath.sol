// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {WadMath} from "../libraries/WadMath.sol";
import {RiskMath} from "../libraries/RiskMath.sol";
import {CollateralConfig, MarketConfig} from "../types/Types.sol";

/// @title LensMath
/// @notice `MarketMath` requirements on memory structs (as returned by the engine's getters) and
///         the closed forms the lens derives from them (docs/math.md).
/// @dev Internal library of the periphery only: the engine keeps its storage versions, so its
///      bytecode does not change. Each formula mirrors `MarketMath` / `MarginLogic` exactly.
library LensMath {
    using WadMath for uint256;
    using WadMath for int256;

    /// @notice Requirements of a position with `notional` (USD WAD), as `MarketMath.requirements`.
    /// @return im `mulUp(notional, imr) + minPositionMargin`.
    /// @return mm `mulUp(notional, mmr) + minPositionMargin`.
    /// @return mmr `mulUp(imr, maintenanceScalar)` with
    ///         `imr = max(imrBase, mulUp(imrSizeFactor, sqrtUp(notional * WAD)))`.
    function requirements(
        MarketConfig memory cfg,
        uint256 notional
    ) internal pure returns (uint256 im, uint256 mm, uint256 mmr) {
        uint256 imr = WadMath.max(
            cfg.imrBase,
            uint256(cfg.imrSizeFactor).mulUp(WadMath.sqrtUp(notional * WadMath.WAD))
        );
        mmr = imr.mulUp(cfg.maintenanceScalar);
        uint256 minMargin = cfg.minPositionMargin;
        im = notional.mulUp(imr) + minMargin;
        mm = notional.mulUp(mmr) + minMargin;
    }

    /// @notice `mulUp(|size|, price)`.
    function notionalOf(int256 size, uint256 price) internal pure returns (uint256) {
        return size.abs().mulUp(price);
    }

    /// @notice `p* = (R - E0 + s * p0) / (s - |s| * mmr)`, rounded up for a long and down for a
    ///         short, or 0 when `s == 0`, the denominator is 0 or `p* <= 0`.
    /// @dev Evaluated as the exact rational `((R - E0) * WAD + s * p0) * WAD / (s * WAD - |s| * mmr)`
    ///      with a single final rounding (as the model's `liquidationPrice`).
    /// @param equity E0, the account's current equity.
    /// @param others R, every maintenance requirement except `mulUp(notional, mmr)` of this market.
    /// @param size s, the position's signed size.
    /// @param price p0, the market's current price.
    /// @param mmr The market's current maintenance ratio.
    function liquidationPrice(
        int256 equity,
        uint256 others,
        int256 size,
        uint256 price,
        uint256 mmr
    ) internal pure returns (uint256) {
        if (size == 0) return 0;
        int256 num = (int256(others) - equity) * WadMath.IWAD + size * int256(price);
        int256 den = size * WadMath.IWAD - int256(size.abs() * mmr);
        // A non-positive quotient means there is no liquidation price.
        if (num == 0 || den == 0 || (num > 0) != (den > 0)) return 0;
        Math.Rounding r = size > 0 ? Math.Rounding.Ceil : Math.Rounding.Floor;
        return Math.mulDiv(num.abs(), WadMath.WAD, den.abs(), r);
    }

    /// @notice Value, maintenance- and initial-weighted value of a balance (docs/math.md,
    ///         "Collateral weights"), as the engine's `CollateralLogic.weighted`.
    function weightedUsd(
        uint256 amount,
        uint256 price,
        CollateralConfig memory c
    ) internal pure returns (uint256 valueUsd, uint256 maintenanceUsd, uint256 initialUsd) {
        valueUsd = Math.mulDiv(amount, price, 10 ** c.tokenDecimals);
        uint256 g = WadMath.WAD;
        if (c.sizeFactor != 0 && valueUsd > c.sizeThreshold) {
            g = RiskMath.sizeScale(valueUsd, c.sizeThreshold, c.sizeFactor, c.weightFloor);
        }
        (maintenanceUsd, initialUsd) = RiskMath.weightedValues(
            valueUsd,
            c.maintenanceWeight,
            c.initialWeight,
            g
        );
    }

    /// @notice The smallest balance `r <= balance` with `initialUsd(r) >= target`, by bisection
    ///         (`initialUsd` does not decrease with the balance; docs/math.md).
    function minBalanceFor(
        uint256 target,
        uint256 balance,
        uint256 price,
        CollateralConfig memory c
    ) internal pure returns (uint256) {
        if (target == 0) return 0;
        uint256 lo;
        uint256 hi = balance;
        while (lo < hi) {
            uint256 mid = lo + (hi - lo) / 2;
            (, , uint256 init) = weightedUsd(mid, price, c);
            if (init >= target) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }
}

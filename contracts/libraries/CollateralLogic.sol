// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Bitmask} from "./Bitmask.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ICrossmarginErrors} from "../interfaces/ICrossmarginErrors.sol";
import {WadMath} from "./WadMath.sol";
import {OracleLib} from "./OracleLib.sol";
import {RiskMath} from "./RiskMath.sol";
import {Store} from "../types/Store.sol";
import {BPS, CollateralListing, StoredCollateral} from "../types/Types.sol";

/// @title CollateralLogic
/// @notice Reads of the collateral tokens (INV-78): a token's listing by address, its
///         configuration and every balance of it by index, and their weighted value
///         (docs/math.md, "Collateral weights"). Internal: compiled into each caller.
///         `MarginLogic.setCollateral` is the one writer of the balances.
library CollateralLogic {
    using WadMath for uint256;

    uint256 private constant WAD = 1e18;

    /// @notice A listed collateral token's listing, or `UnknownToken`.
    function listing(
        Store storage s,
        address token
    ) internal view returns (CollateralListing storage entry) {
        entry = s.collaterals[token];
        if (!entry.listed) revert ICrossmarginErrors.UnknownToken(token);
    }

    /// @notice The account's balance of the listed collateral `token` (0 for any other token).
    function collateralBalance(
        Store storage s,
        uint256 account,
        address token
    ) internal view returns (uint256) {
        CollateralListing storage entry = s.collaterals[token];
        return entry.listed ? s.collateralBalances[account][entry.index] : 0;
    }

    /// @notice Oracle price of a collateral token (WAD, USD per whole token).
    function collateralPrice(StoredCollateral storage c) internal view returns (uint256) {
        return OracleLib.read(c.feed, c.heartbeat, c.feedDecimals);
    }

    /// @notice floor(amount * price / 10^decimals): USD value of a token amount.
    function tokenValueUsd(
        uint256 amount,
        uint256 price,
        uint8 decimals
    ) internal pure returns (uint256) {
        return Math.mulDiv(amount, price, 10 ** decimals);
    }

    /// @notice Maintenance- and initial-weighted value of a balance worth `value` (USD WAD), with
    ///         the size scale above the threshold (docs/math.md, "Collateral weights").
    /// @param fresh False halves both weights (a stale feed in the liquidation decision, INV-34).
    function weighted(
        StoredCollateral storage c,
        uint256 value,
        bool fresh
    ) internal view returns (uint256 maintenanceUsd, uint256 initialUsd) {
        // slot 0 (INV-78): both weights in basis points, whether the size scale is on and from
        // which power of two its threshold may be reached
        uint256 wM = uint256(c.maintenanceWeightBps) * BPS;
        uint256 wI = uint256(c.initialWeightBps) * BPS;
        if (!fresh) {
            wM /= 2;
            wI /= 2;
        }
        uint256 g = WAD;
        // Below 2^sizeFromLog2 <= threshold the scale is 1 without reading slot 1 (INV-78).
        if (c.sizeScaled) {
            if ((value >> c.sizeFromLog2) != 0) {
                uint256 threshold = c.sizeThreshold;
                if (value > threshold)
                    g = RiskMath.sizeScale(value, threshold, c.sizeFactor, c.weightFloor);
            }
        }
        return RiskMath.weightedValues(value, wM, wI, g);
    }

    /// @notice Weighted collateral value of every non-quote token the account holds (USD WAD),
    ///         and what its initial weights add to IM (`collateralIm`).
    /// @param liquidation For the liquidation decision only (INV-34): a collateral feed past its
    ///        heartbeat counts at its last answer with half its weights instead of reverting, so
    ///        that a stale collateral (down to one wei of it) cannot make an account unliquidatable.
    /// @param shock WAD: every collateral price falls by this fraction (risk views only).
    function weightedCollateralUsd(
        Store storage s,
        uint256 account,
        uint256 mask,
        bool liquidation,
        uint256 shock
    ) internal view returns (uint256 sum, uint256 collateralIm) {
        while (mask != 0) {
            uint256 i = Bitmask.lowest(mask);
            mask &= mask - 1;
            StoredCollateral storage c = s.collateralConfigs[i];
            uint256 price;
            bool fresh = true;
            if (liquidation) {
                (price, fresh) = OracleLib.readLatest(c.feed, c.heartbeat, c.feedDecimals);
            } else {
                price = collateralPrice(c);
            }
            if (shock != 0) price = price.mulDown(WAD - shock);
            uint256 value = tokenValueUsd(s.collateralBalances[account][i], price, c.tokenDecimals);
            (uint256 m, uint256 init) = weighted(c, value, fresh);
            sum += m;
            collateralIm += m - init;
        }
    }
}

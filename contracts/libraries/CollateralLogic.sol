// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Bitmask} from "./Bitmask.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ICrossmarginErrors} from "../interfaces/ICrossmarginErrors.sol";
import {WadMath} from "./WadMath.sol";
import {ConfigPage} from "./ConfigPage.sol";
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

    /// @dev The price from slot 0's feed fields (`w0`): in a liquidation a stale answer counts
    ///      (`fresh` false, INV-34), anywhere else it reverts.
    function _price(uint256 w0, bool liquidation) private view returns (uint256, bool) {
        (address feed, uint32 heartbeat, uint8 decimals) = (
            address(uint160(w0)),
            uint32(w0 >> 160),
            uint8(w0 >> 192)
        );
        if (liquidation) return OracleLib.readLatest(feed, heartbeat, decimals);
        return (OracleLib.read(feed, heartbeat, decimals), true);
    }

    /// @dev A collateral's config slot 0 as a word.
    function _slot0(StoredCollateral storage c) private view returns (uint256 w) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            w := sload(c.slot)
        }
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
        return weightedFrom(c, _slot0(c), value, fresh);
    }

    /// @notice `weighted` from slot 0 already read as the word `w0` (the slot or the config
    ///         page's copy, INV-79): `sizeScaled` at bits 208..215, `initialWeightBps`
    ///         216..231, `maintenanceWeightBps` 232..247, `sizeFromLog2` 248..255. Slot 1 is read
    ///         only where the size scale can bind.
    function weightedFrom(
        StoredCollateral storage c,
        uint256 w0,
        uint256 value,
        bool fresh
    ) internal view returns (uint256 maintenanceUsd, uint256 initialUsd) {
        // slot 0 (INV-78): both weights in basis points, whether the size scale is on and from
        // which power of two its threshold may be reached
        uint256 wM = uint256(uint16(w0 >> 232)) * BPS;
        uint256 wI = uint256(uint16(w0 >> 216)) * BPS;
        if (!fresh) {
            wM /= 2;
            wI /= 2;
        }
        uint256 g = WAD;
        // Below 2^sizeFromLog2 <= threshold the scale is 1 without reading slot 1 (INV-78).
        if (uint8(w0 >> 208) != 0) {
            if ((value >> uint8(w0 >> 248)) != 0) {
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
    /// @param page The config page to read each collateral's slot 0 from (INV-79), or 0 for the
    ///        slots: a check that read the page for its markets reads it for its collateral too.
    function weightedCollateralUsd(
        Store storage s,
        uint256 account,
        uint256 mask,
        bool liquidation,
        uint256 shock,
        address page
    ) internal view returns (uint256 sum, uint256 collateralIm) {
        while (mask != 0) {
            uint256 i = Bitmask.lowest(mask);
            mask &= mask - 1;
            StoredCollateral storage c = s.collateralConfigs[i];
            // Slot 0: the feed (bits 0..159), heartbeat (160..191), feed decimals (192..199),
            // token decimals (200..207) and the weights' fields (`weightedFrom`)
            uint256 w0 = page == address(0) ? _slot0(c) : ConfigPage.collateralWord(page, i);
            (uint256 price, bool fresh) = _price(w0, liquidation);
            if (shock != 0) price = price.mulDown(WAD - shock);
            uint256 value = tokenValueUsd(
                s.collateralBalances[account][i],
                price,
                uint8(w0 >> 200)
            );
            (uint256 m, uint256 init) = weightedFrom(c, w0, value, fresh);
            sum += m;
            collateralIm += m - init;
        }
    }
}

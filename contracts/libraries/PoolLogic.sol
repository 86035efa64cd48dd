// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICrossmarginErrors} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents} from "../interfaces/ICrossmarginEvents.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {WadMath} from "./WadMath.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {ConfigPage} from "./ConfigPage.sol";
import {Store} from "../types/Store.sol";
import {StoredMarket, MarketState} from "../types/Types.sol";

/// @title PoolLogic
/// @notice The liquidity pool's value and withdrawable amount, from O(1) aggregates per market.
/// @dev Linked library (runs in the engine's context).
library PoolLogic {
    using SafeERC20 for IERC20;
    using WadMath for uint256;
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice Pool value in quote units: its balance plus the traders' net open losses and
    ///         unpaid funding, minus their net open gains, minus the refundable impact premium
    ///         of every market's skew (INV-44; docs/math.md, Liquidity pool value).
    ///         Like every price read of the engine, refused while the L2 sequencer is down or in
    ///         its grace period (INV-22), so LPs cannot deposit or withdraw at stale prices.
    function value(Store storage s) external view returns (int256) {
        MarginLogic.checkSequencer(s);
        int256 openUsd;
        uint256 n = s.marketCount;
        // Each market's config slots 0 and 1 from the config page (INV-79): one cold code
        // access for all the markets instead of two cold slots each
        uint256 version = s.configPage;
        address page = version == 0 ? address(0) : ConfigPage.at(version);
        for (uint256 id; id < n; ++id) {
            StoredMarket storage cfg = s.markets[id].config;
            MarketState storage st = MarketMath.stateOf(cfg);
            int256 skew = int256(uint256(st.longOI)) - int256(uint256(st.shortOI));
            int256 netBasis = st.netBasis;
            // The market's term below is then 0 (no skew: no premium)
            if (skew == 0 && netBasis == 0) continue;
            (uint256 c0, uint256 c1) = page == address(0)
                ? (MarginLogic.configWord(cfg, 0), MarginLogic.configWord(cfg, 1))
                : ConfigPage.words(page, id);
            uint256 price = MarginLogic.marketPriceFrom(cfg, c0);
            (, int256 indexNow) = MarketMath.fundingFrom(cfg, st, price, c0, c1);
            // netFundingOwed - netUpnl: trunc(skew * indexNow / WAD) - trunc(skew * price / WAD)
            // + netBasis (docs/math.md, "Liquidity pool value")
            int256 owed = (skew * indexNow) / WadMath.IWAD - (skew * int256(price)) / WadMath.IWAD;
            openUsd += owed + netBasis - int256(impactPremium(c0, c1, skew, price));
        }
        return s.poolBalance + MarginLogic.usdToQuoteFloor(s, openUsd);
    }

    /// @notice INV-44: what traders would get back by closing the skew to zero at `price`,
    ///         `ceil(mulUp(|skew|, price) * |skew| / (2 * skewScale))` (USD WAD), left out of the
    ///         pool's value. Rounded up, so the value rounds down; 0 without price impact or
    ///         once settled (closes fill at the settlement price).
    ///         `c0` and `c1` are the market's config slots 0 and 1 (the status at bits 200..207,
    ///         the skew scale in nanos at bits 176..255).
    function impactPremium(
        uint256 c0,
        uint256 c1,
        int256 skew,
        uint256 price
    ) internal pure returns (uint256) {
        uint256 skewScale = (c1 >> 176) * MarketMath.NANO;
        if (skew == 0 || skewScale == 0 || MarketMath.settledWord(c0)) return 0;
        uint256 abs = WadMath.abs(skew);
        return Math.mulDiv(abs.mulUp(price), abs, 2 * skewScale, Math.Rounding.Ceil);
    }

    /// @notice The pool's withdrawal (`LiquidityPool` only), at most `withdrawable` (INV-46).
    function withdraw(Store storage s, address receiver, uint256 assets) external {
        if (msg.sender != s.pool) revert ICrossmarginErrors.OnlyPool(msg.sender);
        uint256 available = withdrawable(s);
        if (assets > available)
            revert ICrossmarginErrors.InsufficientPoolLiquidity(available, assets);
        int256 balance = MarginLogic.addPool(s, -SafeCast.toInt256(assets));
        IERC20(s.quoteToken).safeTransfer(receiver, assets);
        emit ICrossmarginEvents.PoolWithdrawn(receiver, assets, balance);
    }

    /// @notice Quote units the pool may withdraw: what the vault holds, less the balance that
    ///         every market's open interest cap (`sideOI * price <= balance * maxOiPoolRatio`) needs,
    ///         and never more than `poolBalance - traderDebt` (INV-46).
    function withdrawable(Store storage s) public view returns (uint256) {
        int256 balance = s.poolBalance;
        if (balance <= 0) return 0;
        uint256 reserveUsd;
        uint256 n = s.marketCount;
        for (uint256 id; id < n; ++id) {
            MarketState storage st = s.markets[id].state;
            uint256 side = WadMath.max(st.longOI, st.shortOI);
            if (side == 0) continue;
            StoredMarket storage cfg = s.markets[id].config;
            uint256 ratio = cfg.maxOiPoolRatio;
            uint256 needed =
                ratio == 0
                    ? type(uint128).max
                    : side.mulUp(MarginLogic.marketPrice(cfg)).divUp(ratio);
            reserveUsd = WadMath.max(reserveUsd, needed);
        }
        uint256 reserve = MarginLogic.usdToQuoteUp(s, reserveUsd);
        uint256 free = uint256(balance) > reserve ? uint256(balance) - reserve : 0;
        // Traders first (INV-46): USDC lent to traders with debt is not the pool's to take, so a
        // withdrawal never leaves the vault below what it owes traders with positive balances.
        uint256 debt = s.traderDebt;
        uint256 lent = uint256(balance) > debt ? uint256(balance) - debt : 0;
        free = WadMath.min(free, lent);
        return WadMath.min(free, IERC20(s.quoteToken).balanceOf(address(this)));
    }

    /// @notice `TradeLogic.updateAggregates` in checked Solidity, field by field, where its plain
    ///         path declines (values no real market reaches): a linked call, so that the engine
    ///         and the libraries that trade carry this rare path's code once, outside their own.
    ///         The market's open interest and the pool's sum `netBasis`: what `value` reads.
    function updateAggregatesChecked(
        MarketState storage st,
        int256 oldSize,
        int256 newSize,
        int256 oldEntry,
        int256 newEntry,
        int256 oldIndex,
        int256 newIndex
    ) external {
        uint256 longOI = st.longOI;
        uint256 shortOI = st.shortOI;
        if (oldSize > 0) longOI -= uint256(oldSize);
        else shortOI -= uint256(-oldSize);
        if (newSize > 0) longOI += uint256(newSize);
        else shortOI += uint256(-newSize);
        st.longOI = longOI.toUint112();
        st.shortOI = shortOI.toUint112();
        int256 iwad = WadMath.IWAD;
        int256 oldBasis = (oldSize * oldEntry) / iwad - (oldSize * oldIndex) / iwad;
        int256 newBasis = (newSize * newEntry) / iwad - (newSize * newIndex) / iwad;
        st.netBasis = (st.netBasis - oldBasis + newBasis).toInt128();
    }
}

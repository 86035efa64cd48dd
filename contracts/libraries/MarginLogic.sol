// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICrossmarginErrors} from "../interfaces/ICrossmarginErrors.sol";
import {WadMath} from "./WadMath.sol";
import {OracleLib, Feed} from "./OracleLib.sol";
import {MarketMath} from "./MarketMath.sol";
import {Store} from "./Store.sol";
import {
    AccountData,
    CollateralConfig,
    Health,
    MarketConfig,
    MarketStatus,
    Order,
    Position
} from "./Types.sol";

/// @title MarginLogic
/// @notice Prices and the one account-health function every rule goes through.
/// @dev `health` and `checkAccount` are linked (delegatecall) so the engine stays under the
///      contract size limit; the small helpers are internal.
library MarginLogic {
    using WadMath for uint256;
    using WadMath for int256;

    /// @dev Valuation modes of `_health`: every feed fresh; stale markets at their last answer
    ///      (INV-25); and the liquidation rule, which also takes stale collateral (INV-34).
    uint256 private constant STRICT = 0;
    uint256 private constant STALE_MARKETS = 1;
    uint256 private constant LIQUIDATION = 2;

    /// @notice Price of a market: the oracle, or the settlement price once settled.
    function marketPrice(MarketConfig storage cfg) internal view returns (uint256) {
        if (cfg.status == MarketStatus.Settled) return cfg.settlementPrice;
        return OracleLib.read(Feed(cfg.feed, cfg.heartbeat, cfg.feedDecimals));
    }

    /// @notice Like `marketPrice`, but a stale answer is returned (`fresh = false`) rather than
    ///         reverting; see `health` for where that is allowed.
    function marketPriceLatest(
        MarketConfig storage cfg
    ) internal view returns (uint256 price, bool fresh) {
        if (cfg.status == MarketStatus.Settled) return (cfg.settlementPrice, true);
        return OracleLib.readLatest(Feed(cfg.feed, cfg.heartbeat, cfg.feedDecimals));
    }

    /// @notice Oracle price of a collateral token (WAD, USD per whole token).
    function collateralPrice(CollateralConfig storage c) internal view returns (uint256) {
        return OracleLib.read(Feed(c.feed, c.heartbeat, c.feedDecimals));
    }

    /// @notice floor(amount * price / 10^decimals): USD value of a token amount.
    function tokenValueUsd(
        uint256 amount,
        uint256 price,
        uint8 decimals
    ) internal pure returns (uint256) {
        return Math.mulDiv(amount, price, 10 ** decimals);
    }

    /// @notice Adds `delta` to an account's quote balance and keeps `s.traderDebt`, the sum of
    ///         negative quote balances, in step (INV-46). Only a balance that is or becomes
    ///         negative touches the aggregate, so accounts without debt pay nothing for it.
    function addQuote(Store storage s, AccountData storage a, int256 delta) internal {
        int256 old = a.quoteBalance;
        int256 newBalance = old + delta;
        a.quoteBalance = SafeCast.toInt96(newBalance);
        if (old >= 0 && newBalance >= 0) return;
        uint256 oldDebt = old < 0 ? uint256(-old) : 0;
        uint256 newDebt = newBalance < 0 ? uint256(-newBalance) : 0;
        s.traderDebt = s.traderDebt + newDebt - oldDebt;
    }

    /// @notice `addQuote` for a deposit of `amount` quote units (linked: keeps the engine small).
    function creditQuote(Store storage s, uint256 account, uint256 amount) public {
        addQuote(s, s.accounts[account], SafeCast.toInt256(amount));
    }

    /// @notice Quote token units to USD WAD (exact).
    function quoteToUsd(Store storage s, int256 amount) internal view returns (int256) {
        return amount * int256(uint256(s.quoteScale));
    }

    /// @notice USD WAD to quote token units, rounded towards minus infinity.
    function usdToQuoteFloor(Store storage s, int256 usd) internal view returns (int256) {
        return WadMath.divFloor(usd, int256(uint256(s.quoteScale)));
    }

    /// @notice USD WAD to quote token units, rounded up.
    function usdToQuoteUp(Store storage s, uint256 usd) internal view returns (uint256) {
        uint256 scale = s.quoteScale;
        return (usd + scale - 1) / scale;
    }

    /// @notice What depositing `amount` of `token` adds to equity (USD WAD): quote at par, a
    ///         collateral at its weighted value (rounded down, like `weightedCollateralUsd`).
    function depositValueUsd(
        Store storage s,
        address token,
        uint256 amount
    ) external view returns (int256) {
        if (token == s.quoteToken) return quoteToUsd(s, int256(amount));
        CollateralConfig storage c = s.collaterals[token];
        uint256 value = tokenValueUsd(amount, collateralPrice(c), c.tokenDecimals);
        return value.mulDown(c.weight).toInt();
    }

    /// @notice Weighted collateral value of every non-quote token the account holds (USD WAD).
    /// @param liquidation For the liquidation decision only (INV-34): a collateral feed past its
    ///        heartbeat counts at its last answer with half its weight instead of reverting, so
    ///        that a stale collateral (down to one wei of it) cannot make an account unliquidatable.
    function weightedCollateralUsd(
        Store storage s,
        uint256 account,
        uint256 mask,
        bool liquidation
    ) internal view returns (uint256 sum) {
        while (mask != 0) {
            uint256 i = _lowestBit(mask);
            mask &= mask - 1;
            address token = s.collateralTokens[i];
            CollateralConfig storage c = s.collaterals[token];
            uint256 price;
            uint256 weight = c.weight;
            if (liquidation) {
                bool fresh;
                (price, fresh) = OracleLib.readLatest(Feed(c.feed, c.heartbeat, c.feedDecimals));
                if (!fresh) weight /= 2;
            } else {
                price = collateralPrice(c);
            }
            uint256 value = tokenValueUsd(
                s.collateralBalances[account][token],
                price,
                c.tokenDecimals
            );
            sum += value.mulDown(weight);
        }
    }

    /// @notice Equity, initial and maintenance margin of `account` (docs/math.md, Margin).
    /// @dev The one account-health function: trades, withdrawals, orders and liquidation all
    ///      use it. `hintMarket`/`hintPrice` pass a price already read in this call (or
    ///      type(uint256).max for none) so a trade does not read its own oracle twice.
    ///      `allowStale` values a market whose feed is past its heartbeat at its last answer
    ///      instead of reverting (docs/specs.md, INV-25): used where the account only loses risk
    ///      (reducing trades, liquidation). Collateral prices, and every other oracle failure,
    ///      always revert.
    function health(
        Store storage s,
        uint256 account,
        uint256 hintMarket,
        uint256 hintPrice,
        bool allowStale
    ) public view returns (Health memory h) {
        return _health(s, account, hintMarket, hintPrice, allowStale ? STALE_MARKETS : STRICT);
    }

    /// @notice `health` as the liquidation rule sees it: stale markets at their last answer
    ///         (INV-25), stale collateral at its last answer with half its weight (INV-34).
    function liquidationHealth(
        Store storage s,
        uint256 account
    ) public view returns (Health memory) {
        return _health(s, account, type(uint256).max, 0, LIQUIDATION);
    }

    function _health(
        Store storage s,
        uint256 account,
        uint256 hintMarket,
        uint256 hintPrice,
        uint256 mode
    ) private view returns (Health memory h) {
        OracleLib.checkSequencer(s.sequencer);
        AccountData memory a = s.accounts[account];
        // Checked cast: a value above int256 (absurd prices) must revert, not wrap negative.
        h.equity =
            quoteToUsd(s, a.quoteBalance) +
            weightedCollateralUsd(s, account, a.collateralMask, mode == LIQUIDATION).toInt();
        uint256 mask = a.marketMask;
        while (mask != 0) {
            uint256 id = _lowestBit(mask);
            mask &= mask - 1;
            MarketConfig storage cfg = s.markets[id];
            uint256 price = hintPrice;
            if (id != hintMarket) {
                if (mode != STRICT) (price, ) = marketPriceLatest(cfg);
                else price = marketPrice(cfg);
            }
            Position storage p = s.positions[account][id];
            int256 size = p.size;
            (, int256 indexNow) = MarketMath.currentFunding(cfg, s.marketStates[id], price);
            h.equity += size.sMulFloor(int256(price) - int256(uint256(p.entryPrice)));
            h.equity -= size.sMulCeil(indexNow - p.fundingIndex);
            (uint256 im, uint256 mm) = MarketMath.requirements(cfg, size.abs().mulUp(price));
            h.im += im;
            h.mm += mm;
        }
        // Pending orders reserve the margin and fees they will need (set at commit).
        uint256 orders = a.orderMask;
        while (orders != 0) {
            uint256 id = _lowestBit(orders);
            orders &= orders - 1;
            Order storage o = s.orders[account][id];
            h.im += o.reserveUsd + uint256(o.keeperFee) * s.quoteScale;
        }
    }

    /// @notice Reverts unless the account meets the rule for what it just did.
    /// @param riskIncreased A trade grew a position or a withdrawal took collateral: needs equity >= IM.
    /// @param equityBeforeAdj, mmBeforeAdj Reconstruct the pre-action equity and MM from the
    ///        post-action ones for risk-reducing actions (see TradeLogic).
    function checkAccount(
        Store storage s,
        uint256 account,
        bool riskIncreased,
        int256 equityBeforeAdj,
        int256 mmBeforeAdj,
        uint256 hintMarket,
        uint256 hintPrice
    ) external view {
        Health memory h = _health(
            s,
            account,
            hintMarket,
            hintPrice,
            riskIncreased ? STRICT : STALE_MARKETS
        );
        if (riskIncreased) {
            if (h.equity < int256(h.im))
                revert ICrossmarginErrors.InsufficientMargin(account, h.equity, h.im);
        } else if (h.equity < int256(h.mm)) {
            // Reducing risk is allowed unless it makes a healthy account liquidatable.
            if (h.equity + equityBeforeAdj >= int256(h.mm) + mmBeforeAdj) {
                revert ICrossmarginErrors.WouldBecomeLiquidatable(account, h.equity, h.mm);
            }
        }
    }

    function _lowestBit(uint256 x) internal pure returns (uint256 i) {
        // x != 0; isolate the lowest set bit and take its log2
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

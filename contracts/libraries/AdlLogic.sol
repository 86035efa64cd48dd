// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {AccountIds} from "./AccountIds.sol";

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../interfaces/ICrossmarginEvents.sol";
import {WadMath} from "./WadMath.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {PoolLogic} from "./PoolLogic.sol";
import {TradeLogic} from "./TradeLogic.sol";
import {AdlParams, Store} from "../types/Store.sol";
import {Health, StoredMarket, MarketState, MarketStatus} from "../types/Types.sol";
import {PositionLib} from "./PositionLib.sol";

/// @title AdlLogic
/// @notice Auto-deleveraging, the last resort of the liquidity pool (docs/math.md,
///         "Auto-deleveraging"; INV-49 to INV-52). While the pool's value (with open PnL) is below
///         `floorRatio` of its balance, anyone may close part of a profitable position that is on
///         the side of its market's skew, at the oracle price, by no more than the pool needs.
/// @dev Linked library: runs in the engine's context (delegatecall). One position per call, so
///      the gas is bounded by one pool valuation and two account health reads.
library AdlLogic {
    using SafeERC20 for IERC20;
    using WadMath for uint256;
    using WadMath for int256;

    /// @dev What one call reads before it closes (kept in memory to bound the stack).
    struct Candidate {
        uint256 account;
        uint256 marketId;
        int256 size;
        uint256 price;
        int256 pnl; // USD WAD: price PnL less funding owed, at the oracle price
        uint256 score; // WAD: (pnl / entry notional) * (notional / account equity)
        int256 poolValue;
        int256 poolBalance;
    }

    /// @notice The pool's value, its balance and the quote units of profit the pool needs
    ///         traders to realise for `poolValue >= floorRatio * poolBalance` (0: ADL not allowed).
    function need(
        Store storage s
    ) public view returns (int256 poolValue, int256 poolBalance, uint256 needed) {
        uint256 floorRatio = s.adl.floorRatio;
        poolValue = PoolLogic.value(s);
        poolBalance = s.poolBalance;
        if (floorRatio == 0) return (poolValue, poolBalance, 0);
        // Closing at the oracle price leaves the value unchanged and lowers the balance by the
        // profit realised, so the pool is back at the floor once balance - value / floorRatio
        // is realised. Rounded up (value / floorRatio rounds down).
        int256 n = poolBalance - (poolValue * int256(WadMath.WAD)).divFloor(int256(floorRatio));
        needed = n > 0 ? uint256(n) : 0;
    }

    /// @notice Closes part of `account`'s position in `marketId` at the oracle price (INV-49 to
    ///         INV-52). Reverts unless ADL is on, the pool is below its floor, the account is not
    ///         liquidatable, and the position is in profit and on the side of the skew. Closes
    ///         `min(|size|, |skew|, ceil(needed * |size| / pnl))`, charges the account
    ///         `max(makerFee * notional, reward)` capped by the profit closed, pays the caller the
    ///         reward `min(rewardRate * notional, maxReward)` out of it and the rest to the pool.
    /// @return closed The size closed (unsigned).
    /// @return reward Quote units paid to `keeper`.
    function deleverage(
        Store storage s,
        uint256 account,
        uint256 marketId,
        address keeper
    ) external returns (uint256 closed, uint256 reward) {
        if (s.adl.floorRatio == 0) revert E.AdlDisabled();
        StoredMarket storage cfg = s.markets[marketId].config;
        MarketStatus status = cfg.status;
        if (status == MarketStatus.None) revert E.UnknownMarket(marketId);
        if (status == MarketStatus.Settled) revert E.MarketSettled(marketId);
        Candidate memory c;
        c.account = account;
        c.marketId = marketId;
        uint256 needed;
        (c.poolValue, c.poolBalance, needed) = need(s);
        if (needed == 0) revert E.AdlNotNeeded(c.poolValue, c.poolBalance);
        Health memory h = MarginLogic.liquidationHealth(s, account);
        if (h.equity < int256(h.mm)) revert E.AdlAccountLiquidatable(account, h.equity, h.mm);
        closed = Math.min(
            _qualify(s, cfg, c, h),
            Math.mulDiv(needed * s.quoteScale, c.size.abs(), uint256(c.pnl), Math.Rounding.Ceil)
        );
        reward = _close(s, c, closed, keeper);
        h = MarginLogic.liquidationHealth(s, account);
        if (h.equity < int256(h.mm)) revert E.WouldBecomeLiquidatable(account, h.equity, h.mm);
    }

    /// @dev Checks the candidate and returns the most that may be closed: `min(|size|, |skew|)`.
    function _qualify(
        Store storage s,
        StoredMarket storage cfg,
        Candidate memory c,
        Health memory h
    ) private view returns (uint256) {
        (int256 size, uint256 entryPrice, int256 index0) = PositionLib.load(
            s.positions[AccountIds.positionKey(c.account, c.marketId)]
        );
        c.size = size;
        MarketState storage st = s.markets[c.marketId].state;
        int256 skew = int256(uint256(st.longOI)) - int256(uint256(st.shortOI));
        // Only positions the pool is net counterparty to: closing them shrinks |skew| (a market
        // without skew has no such side, so nothing to close there).
        if (c.size == 0 || skew == 0 || (c.size > 0) != (skew > 0))
            revert E.AdlNotOnSkewSide(c.account, c.marketId, c.size, skew);
        c.price = MarginLogic.marketPrice(cfg);
        (, int256 indexNow) = MarketMath.currentFunding(cfg, st, c.price);
        int256 entry = int256(entryPrice);
        c.pnl = c.size.sMulFloor(int256(c.price) - entry) - c.size.sMulCeil(indexNow - index0);
        if (c.pnl <= 0) revert E.AdlNotInProfit(c.account, c.marketId, c.pnl);
        uint256 abs = c.size.abs();
        // Equity >= MM > 0 here (the account holds a position and is not liquidatable).
        c.score = Math.mulDiv(
            uint256(c.pnl).divDown(abs.mulUp(uint256(entry))),
            abs.mulDown(c.price),
            uint256(h.equity)
        );
        return Math.min(abs, skew.abs());
    }

    /// @dev Closes `size` at the oracle price without fee or impact, then charges the account and
    ///      pays the keeper and the pool (money conserved to the unit).
    function _close(
        Store storage s,
        Candidate memory c,
        uint256 size,
        address keeper
    ) private returns (uint256 rewardQuote) {
        AdlParams memory p = s.adl;
        int256 delta = c.size > 0 ? -int256(size) : int256(size);
        TradeLogic.execute(
            s,
            c.account,
            c.marketId,
            s.positions[AccountIds.positionKey(c.account, c.marketId)],
            delta,
            c.price,
            true,
            [uint256(0), 0, 0]
        );
        uint256 notional = size.mulUp(c.price);
        uint256 profitClosed = Math.mulDiv(uint256(c.pnl), size, c.size.abs());
        uint256 rewardUsd = Math.min(notional.mulDown(p.rewardRate), p.maxReward);
        rewardUsd = Math.min(rewardUsd, profitClosed);
        (uint256 maker, ) = MarketMath.fees(s.markets[c.marketId].config);
        uint256 chargeUsd = Math.min(Math.max(notional.mulUp(maker), rewardUsd), profitClosed);
        uint256 charge = uint256(MarginLogic.usdToQuoteFloor(s, int256(chargeUsd)));
        rewardQuote = uint256(MarginLogic.usdToQuoteFloor(s, int256(rewardUsd)));
        MarginLogic.addQuote(s, s.accounts[c.account], -int256(charge));
        MarginLogic.addPool(s, int256(charge - rewardQuote));
        _emit(c, keeper, delta, charge, rewardQuote);
        if (rewardQuote != 0) IERC20(s.quoteToken).safeTransfer(keeper, rewardQuote);
    }

    function _emit(
        Candidate memory c,
        address keeper,
        int256 delta,
        uint256 charge,
        uint256 reward
    ) private {
        emit Ev.AutoDeleveraged(
            c.account,
            c.marketId,
            keeper,
            delta,
            c.price,
            c.score,
            charge,
            reward,
            c.poolValue,
            c.poolBalance
        );
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Bitmask} from "./Bitmask.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../interfaces/ICrossmarginEvents.sol";
import {FundLogic} from "./FundLogic.sol";
import {WadMath} from "./WadMath.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {ConfigPage} from "./ConfigPage.sol";
import {LiquidationCredits, Slot} from "./LiquidationCredits.sol";
import {ICrossmarginRisk} from "../interfaces/ICrossmarginRisk.sol";
import {TradeLogic} from "./TradeLogic.sol";
import {LiquidationConfig} from "./LiquidationConfig.sol";
import {LiquidationParams, Store, StoredLiquidationParams} from "../types/Store.sol";
import {OracleLib} from "./OracleLib.sol";
import {CollateralLogic} from "./CollateralLogic.sol";
import {
    AccountData,
    AccountLiquidation,
    CollateralListing,
    StoredCollateral,
    Health,
    MARKET_LIQUIDATION_CAP,
    StoredMarket,
    MarketState,
    Position
} from "../types/Types.sol";

/// @title LiquidationLogic
/// @notice Permissionless liquidation of positions and collateral, keeper rewards and the
///         bad-debt waterfall (insurance fund first, then the liquidity pool).
/// @dev Linked library: runs in the engine's context (delegatecall). Never reverts for a
///      liquidatable account because of market status, dust or the caller's balance.
library LiquidationLogic {
    using SafeERC20 for IERC20;
    using WadMath for uint256;
    using WadMath for int256;

    /// @dev Running totals of one liquidation call. `equity` is an estimate net of the charges
    ///      so far, used to size the closes: the keeper's rate fee above the minimum reward
    ///      (`max(rateFee, minKeeperReward)` is deducted) and the fund's penalty.
    struct Ctx {
        LiquidationParams lp;
        int256 equity;
        uint256 mm;
        uint256 budget;
        uint256 notionalClosed;
        uint256 rateFee;
        uint256 penalty;
        uint256 closes;
        address page; // the config page the scan read (INV-79), or 0: the slots
        uint256 c0; // the closing market's config slots 0 and 1, from the page or the slots
        uint256 c1;
    }

    /// @notice Closes positions at the oracle price, largest maintenance requirement first,
    ///         until equity >= MM * (1 + buffer), everything is closed or a bound is hit; then
    ///         charges the keeper's reward and the fund's penalty (capped by the account's
    ///         equity, docs/math.md) and, once no position is left and equity is negative, sets
    ///         the collateral against the debt before anything is called bad debt.
    ///         A market whose feed is stale counts at its last answer but is not closed (there
    ///         is no price to close it at); a call that can close nothing else reverts with the
    ///         feed's `OracleStale`. An account without positions is settled only if its
    ///         weighted equity is negative (INV-29, INV-30).
    /// @return notionalClosed USD WAD closed in this call.
    /// @param quote The quote token, from the engine's immutable copy (no storage read).
    /// @dev The keeper is `msg.sender`: the library runs by delegatecall from the engine's entry
    ///      point, so it is the engine's caller.
    /// @return keeperReward Quote units paid to the keeper.
    function liquidate(
        Store storage s,
        uint256 account,
        uint256 maxNotionalUsd,
        address quote
    ) external returns (uint256 notionalClosed, uint256 keeperReward) {
        (Health memory h, Slot[] memory slots, address page) = MarginLogic.liquidationScan(
            s,
            account
        );
        if (h.equity >= int256(h.mm)) revert E.NotLiquidatable(account, h.equity, h.mm);
        // A reserve that can restore the account comes first (INV-55); a failure of any kind
        // (empty, unhealthy or stale reserve, capped) leaves liquidation as it was.
        if (s.liquidations[account].protection && _protected(account, msg.sender)) return (0, 0);
        _cancelOrders(s, account);
        if (s.accounts[account].marketMask == 0) {
            // Liquidatable without positions means negative weighted equity (MM == 0).
            _settleDebt(s, account);
            return (0, 0);
        }
        Ctx memory ctx = _newCtx(s, h, maxNotionalUsd, page);
        if (LiquidationCredits.paired(slots)) LiquidationCredits.load(s, slots);
        for (uint256 round; round < slots.length; ++round) {
            if (ctx.equity >= int256(ctx.mm.mulUp(WadMath.WAD + ctx.lp.buffer)) || ctx.budget == 0)
                break;
            uint256 k = LiquidationCredits.largestOpen(slots);
            if (k == type(uint256).max) break;
            slots[k].done = true;
            _closeOne(s, account, slots[k], ctx, msg.sender);
            if (slots[k].pair != 0) ctx.mm = LiquidationCredits.update(s, slots, k, ctx.mm);
        }
        notionalClosed = ctx.notionalClosed;
        if (notionalClosed == 0) _requireFresh(s, slots);
        bool closedOut = s.accounts[account].marketMask == 0;
        // The call completes the liquidation if it closes the account out or restores it
        // (by the estimate that already counts the minimum reward).
        bool complete = closedOut || ctx.equity >= int256(ctx.mm);
        // Closing at the oracle price moves equity only by the rounding of each realised PnL
        // (at most one quote unit each): what the account can pay is bounded below by this.
        int256 canPay = h.equity - int256(ctx.closes * s.quoteScale);
        keeperReward = _chargeFee(s, account, ctx, complete, canPay, IERC20(quote));
        if (closedOut && _weightedEquity(s, account) < 0) _settleDebt(s, account);
    }

    /// @dev The liquidation's running figures, with the parameters from the config page the
    ///      scan read, else from their slot (INV-79).
    function _newCtx(
        Store storage s,
        Health memory h,
        uint256 maxNotionalUsd,
        address page
    ) private view returns (Ctx memory) {
        LiquidationParams memory lp =
            page == address(0)
                ? LiquidationConfig.params(s.liq)
                : LiquidationConfig.paramsFrom(ConfigPage.liquidationWord(page));
        return
            Ctx({
                lp: lp,
                equity: h.equity - int256(uint256(lp.minKeeperReward)),
                mm: h.mm,
                budget: maxNotionalUsd == 0 ? type(uint256).max : maxNotionalUsd,
                notionalClosed: 0,
                rateFee: 0,
                penalty: 0,
                closes: 0,
                page: page,
                c0: 0,
                c1: 0
            });
    }

    /// @notice Repays up to `maxRepay` quote units of the account's debt and gives the caller
    ///         collateral `token` at its oracle price less the token's liquidation discount.
    ///         Close factor per account and window (INV-33): 50 % of the debt at the window's
    ///         first collateral liquidation, or 100 % below the health threshold or for small
    ///         debts. An account left with no positions, no collateral and debt is settled.
    function liquidateCollateral(
        Store storage s,
        uint256 account,
        address token,
        uint256 maxRepay,
        address liquidator
    ) external returns (uint256 repaid, uint256 seized) {
        CollateralListing storage c = CollateralLogic.listing(s, token);
        if (maxRepay == 0) revert E.ZeroAmount();
        uint256 allowed = _maxRepay(s, account);
        uint256 balance = s.collateralBalances[account][c.index];
        uint256 price = CollateralLogic.collateralPrice(s.collateralConfigs[c.index]);
        (repaid, seized) = _seize(s, c, price, Math.min(maxRepay, allowed), balance);
        if (seized == 0 || repaid == 0) revert E.NothingToSeize(account, token);

        AccountData storage a = s.accounts[account];
        MarginLogic.addQuote(s, a, int256(repaid));
        MarginLogic.setCollateral(s, account, c, balance, balance - seized);
        s.liquidations[account].repaid += uint104(repaid);
        emit Ev.CollateralLiquidated(account, token, liquidator, repaid, seized);
        IERC20(s.quoteToken).safeTransferFrom(liquidator, address(this), repaid);
        IERC20(token).safeTransfer(liquidator, seized);
        // Collateral first, bad debt last: once nothing backs the rest of the debt, settle it.
        if (a.marketMask == 0 && a.collateralMask == 0 && a.quoteBalance < 0)
            _settleDebt(s, account);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Closes as much of one position as the target, the window cap and the budget allow.
    function _closeOne(
        Store storage s,
        uint256 account,
        Slot memory sl,
        Ctx memory ctx,
        address keeper
    ) private {
        StoredMarket storage cfg = s.markets[sl.marketId].config;
        _loadWords(cfg, sl.marketId, ctx);
        // Slot 3 (the cap and its window) is read only in a capped market (INV-77).
        bool capped = (ctx.c0 >> 208) & MARKET_LIQUIDATION_CAP != 0;
        uint256 closeSize = Math.min(
            _closeSize(s, sl, ctx),
            _allowance(s, sl.marketId, capped, ctx.budget, sl.price)
        );
        if (closeSize == 0) return;
        int256 delta = sl.size > 0 ? -int256(closeSize) : int256(closeSize);
        uint256 notional = closeSize.mulUp(sl.price);
        {
            // Priced before the close moves the skew, as a market close would be.
            uint256 penalty = _penalty(cfg, sl, delta, notional, ctx);
            ctx.penalty += penalty;
            ctx.equity -= int256(penalty);
        }
        TradeLogic.TradeResult memory r = _execute(s, account, sl, delta, ctx);
        ctx.notionalClosed += notional;
        ctx.closes++;
        ctx.budget = ctx.budget > notional ? ctx.budget - notional : 0;
        // The window's counter, where a cap reads it.
        if (capped) MarketMath.stateOf(cfg).liquidatedInWindow += uint128(notional);
        (, uint256 mmNew) = MarketMath.sizeRequirementsFrom(ctx.c1, r.newSize, sl.price);
        ctx.mm = ctx.mm - sl.mm + mmNew;
        (sl.size, sl.mm) = (r.newSize, mmNew);
        uint256 feeBefore = Math.max(ctx.rateFee, ctx.lp.minKeeperReward);
        ctx.rateFee += notional.mulUp(ctx.lp.feeRate);
        ctx.equity -= int256(Math.max(ctx.rateFee, ctx.lp.minKeeperReward) - feeBefore);
        emit Ev.PositionLiquidated(account, sl.marketId, keeper, delta, sl.price, notional);
    }

    /// @dev The reserve's top-up through the risk module (the engine calling itself), which
    ///      succeeds only if it restores `equity >= MM`; any failure is swallowed (INV-55).
    function _protected(uint256 account, address keeper) private returns (bool) {
        try ICrossmarginRisk(address(this)).protect(account, keeper) {
            return true;
        } catch {
            return false;
        }
    }

    /// @dev Reverts with the feed's own error if a stale market held positions back.
    function _requireFresh(Store storage s, Slot[] memory slots) private view {
        for (uint256 i; i < slots.length; ++i) {
            if (!slots[i].fresh) MarginLogic.marketPrice(s.markets[slots[i].marketId].config);
        }
    }

    /// @dev The account's position in `marketId` (a call of its own: `_closeOne`'s stack is
    ///      full in the build without the IR pipeline). `positionKey` without its bounds, as in
    ///      the health loop: the market is one the scan found in the account's mask, and only a
    ///      trade on a valid account id (below 2^168) sets a bit of it.
    function _positionOf(
        Store storage s,
        uint256 account,
        uint256 marketId
    ) private view returns (Position storage) {
        return s.positions[(marketId << 168) | account];
    }

    /// @dev Size to close so that equity reaches MM * (1 + buffer), assuming the position's
    ///      maintenance ratio stays constant; rounds up and closes fully when little would remain.
    ///      Closing `c` USD frees `c * freed` of the target and costs `c * pen` (the fund's
    ///      penalty rate, price impact left out) plus `max(c * feeRate - floor, 0)` of equity,
    ///      where `floor` is what the minimum keeper reward charges beyond the rate fee so far
    ///      (`ctx.equity` already counts it): `c >= deficit / (freed - pen)` and
    ///      `c >= (deficit - floor) / (freed - pen - feeRate)`. The deficit includes three quote units for
    ///      the rounding of the realised PnL (down), the reward and the penalty (up), so that the target holds
    ///      after rounding even with a zero buffer.
    function _closeSize(
        Store storage s,
        Slot memory sl,
        Ctx memory ctx
    ) private view returns (uint256) {
        LiquidationParams memory lp = ctx.lp;
        uint256 absSize = sl.size.abs();
        uint256 notional = absSize.mulUp(sl.price);
        if (notional == 0 || ctx.equity < 0) return absSize;
        // Target (MM * (1 + buffer)) freed per USD of notional closed.
        // the minimum margin: config slot 1's bits 128..175, in nanos
        uint256 minMargin = ((ctx.c1 >> 128) & type(uint48).max) * MarketMath.NANO;
        uint256 freed = (sl.mm - minMargin).divDown(notional).mulDown(WadMath.WAD + lp.buffer);
        uint256 pen = _penaltyRate(ctx.c0, lp);
        if (freed <= lp.feeRate + pen) return absSize;
        uint256 deficit =
            uint256(int256(ctx.mm.mulUp(WadMath.WAD + lp.buffer)) - ctx.equity) + 3 * s.quoteScale;
        uint256 floor = Math.max(ctx.rateFee, lp.minKeeperReward) - ctx.rateFee;
        uint256 closeNotional = Math.max(
            deficit.divUp(freed - pen),
            (deficit - Math.min(deficit, floor)).divUp(freed - pen - lp.feeRate)
        );
        uint256 closeSize = Math.mulDiv(closeNotional, WadMath.WAD, sl.price, Math.Rounding.Ceil);
        // Leave no position smaller than a tenth of the original behind.
        if (closeSize >= absSize || absSize - closeSize < absSize / 10) return absSize;
        return closeSize;
    }

    /// @dev Size the per-window cap and the caller's notional budget still allow in a market;
    ///      `capped`: the market's flags say it has a cap (INV-77).
    function _allowance(
        Store storage s,
        uint256 marketId,
        bool capped,
        uint256 budget,
        uint256 price
    ) private returns (uint256) {
        uint256 left = budget;
        if (capped) {
            StoredMarket storage cfg = s.markets[marketId].config;
            MarketState storage st = s.markets[marketId].state;
            uint256 cap = cfg.maxLiquidationPerWindow;
            if (block.timestamp >= uint256(st.windowStart) + cfg.liquidationWindow) {
                st.windowStart = uint64(block.timestamp);
                st.liquidatedInWindow = 0;
            }
            uint256 used = st.liquidatedInWindow;
            left = Math.min(left, cap > used ? cap - used : 0);
        }
        if (left == type(uint256).max) return type(uint256).max;
        return left.divDown(price);
    }

    /// @dev The closing market's config slots 0 and 1 into `ctx.c0` and `ctx.c1`: from the page
    ///      the scan read (no cold slot), else from the slots (the scan read them).
    function _loadWords(StoredMarket storage cfg, uint256 marketId, Ctx memory ctx) private view {
        (ctx.c0, ctx.c1) =
            ctx.page == address(0)
                ? (MarginLogic.configWord(cfg, 0), MarginLogic.configWord(cfg, 1))
                : ConfigPage.words(ctx.page, marketId);
    }

    /// @dev The close at the oracle price, its funding recorded from the words: it reads no
    ///      config slot.
    function _execute(
        Store storage s,
        uint256 account,
        Slot memory sl,
        int256 delta,
        Ctx memory ctx
    ) private returns (TradeLogic.TradeResult memory) {
        Position storage pos = _positionOf(s, account, sl.marketId);
        return
            TradeLogic.execute(
                s,
                account,
                sl.marketId,
                pos,
                delta,
                sl.price,
                true,
                [ctx.c0, ctx.c1, 0]
            );
    }

    /// @dev The fund's penalty rate in a market: the protocol rate, but never below the highest
    ///      taker fee of any market (a close by trade would pay at most that); a settled market,
    ///      where closing by trade is free, the protocol rate.
    ///      `c0`: the market's config slot 0 (its status at bits 200..207).
    function _penaltyRate(uint256 c0, LiquidationParams memory lp) private pure returns (uint256) {
        if (MarketMath.settledWord(c0)) return lp.penaltyRate;
        return Math.max(lp.penaltyRate, lp.maxTakerFee);
    }

    /// @dev The fund's penalty for closing `delta` (USD WAD, rounded up): the rate on the
    ///      notional plus the price impact a market close of `delta` would pay now (when it would
    ///      pay, not receive, it), so that no owner gains by being liquidated rather than closing
    ///      (INV-28).
    function _penalty(
        StoredMarket storage cfg,
        Slot memory sl,
        int256 delta,
        uint256 notional,
        Ctx memory ctx
    ) private view returns (uint256 penalty) {
        penalty = notional.mulUp(_penaltyRate(ctx.c0, ctx.lp));
        uint256 skewScale = (ctx.c1 >> 176) * MarketMath.NANO; // slot 1's bits 176..255
        if (MarketMath.settledWord(ctx.c0) || skewScale == 0) return penalty;
        MarketState storage st = MarketMath.stateOf(cfg);
        int256 skew = int256(uint256(st.longOI)) - int256(uint256(st.shortOI));
        uint256 fill = MarketMath.fillPrice(sl.price, skew, delta, skewScale);
        int256 impact = delta.sMulCeil(int256(fill) - int256(sl.price));
        if (impact > 0) penalty += uint256(impact);
    }

    /// @dev Charges the call's keeper reward and fund penalty to the account (INV-26, INV-27,
    ///      INV-31). The reward is what the window's total notional earns,
    ///      `min(max(feeRate * total, complete ? minKeeperReward : 0), maxKeeperReward)`, less what
    ///      keepers were already paid in the window. The penalty comes first, then the reward,
    ///      together at most what the account can pay (`canPay`, never below zero) and what the
    ///      vault holds beyond the penalties it already owes the fund, so that a fee never
    ///      creates debt, liquidation never reverts for lack of funds, and every accrued
    ///      penalty stays backed. The penalty accrues (INV-70); the reward is paid now.
    function _chargeFee(
        Store storage s,
        uint256 account,
        Ctx memory ctx,
        bool complete,
        int256 canPay,
        IERC20 quote
    ) private returns (uint256 reward) {
        if (ctx.notionalClosed == 0) return 0;
        uint256 accrued = s.insuranceAccrued;
        uint256 held = quote.balanceOf(address(this));
        uint256 cap = canPay > 0 ? uint256(canPay) / s.quoteScale : 0;
        cap = Math.min(cap, held > accrued ? held - accrued : 0);
        // The penalty first: it is what keeps self-liquidation from paying (INV-28).
        uint256 toFund = Math.min(MarginLogic.usdToQuoteUp(s, ctx.penalty), cap);
        reward = _reward(s, account, ctx, complete, cap - toFund);
        uint256 fee = reward + toFund;
        AccountData storage a = s.accounts[account];
        MarginLogic.addQuote(s, a, -int256(fee));
        emit Ev.LiquidationFeePaid(account, msg.sender, ctx.notionalClosed, fee, reward, toFund);
        if (toFund != 0) FundLogic.accrue(s, quote, accrued, toFund);
        if (reward != 0) quote.safeTransfer(msg.sender, reward);
    }

    /// @dev The keeper's reward for this call (quote units, at most `cap`), recorded in the
    ///      account's window, which restarts once `accountWindow` has elapsed.
    function _reward(
        Store storage s,
        uint256 account,
        Ctx memory ctx,
        bool complete,
        uint256 cap
    ) private returns (uint256 reward) {
        LiquidationParams memory lp = ctx.lp;
        AccountLiquidation storage w = s.liquidations[account];
        uint256 start = w.start;
        uint256 closedBefore = w.notionalClosed;
        uint256 paidBefore = w.rewardPaid;
        if (block.timestamp >= start + lp.accountWindow) {
            closedBefore = 0;
            paidBefore = 0;
            start = block.timestamp;
        }
        uint256 total = closedBefore + ctx.notionalClosed;
        uint256 earnedUsd = total.mulUp(lp.feeRate);
        if (complete && earnedUsd < lp.minKeeperReward) earnedUsd = lp.minKeeperReward;
        if (earnedUsd > lp.maxKeeperReward) earnedUsd = lp.maxKeeperReward;
        uint256 earned = MarginLogic.usdToQuoteUp(s, earnedUsd);
        reward = Math.min(earned > paidBefore ? earned - paidBefore : 0, cap);
        // A call that closes the account out ends the episode: nothing is left to farm, and
        // new positions are new work; the window is kept only while positions remain.
        if (s.accounts[account].marketMask == 0) return reward;
        w.start = uint40(start);
        w.notionalClosed = SafeCast.toUint104(total);
        w.rewardPaid = SafeCast.toUint104(paidBefore + reward);
    }

    /// @dev Quote balance plus weighted collateral (USD WAD) as the liquidation rule values it.
    function _weightedEquity(Store storage s, uint256 account) private view returns (int256) {
        AccountData storage a = s.accounts[account];
        (uint256 collateral, ) = CollateralLogic.weightedCollateralUsd(
            s,
            account,
            a.collateralMask,
            true,
            0,
            address(0)
        );
        return MarginLogic.quoteToUsd(s, a.quoteBalance) + int256(collateral);
    }

    /// @dev An account with no positions and negative weighted equity (so a health factor of 0
    ///      and a close factor of 100 %): collateral first, bad debt last (INV-29, INV-30).
    ///      The insurance fund buys collateral at the oracle price less the token's discount by
    ///      repaying the debt, token by token, only as much as the debt needs (the owner keeps
    ///      the rest). Debt that no collateral backs any more is bad debt: the fund covers it,
    ///      the pool the rest. Collateral the fund could not buy (its quote balance ran out, the
    ///      feed is stale, the token refuses the fund) stays with the account, with its debt,
    ///      for `liquidateCollateral`; the debt is settled once nothing backs it.
    function _settleDebt(Store storage s, uint256 account) private {
        AccountData storage a = s.accounts[account];
        int256 quoteBalance = a.quoteBalance;
        if (quoteBalance >= 0) return;
        // The fund's accrued penalties are the fund's before it buys collateral or covers debt.
        uint256 accrued = s.insuranceAccrued;
        if (accrued != 0) FundLogic.sweep(s, IERC20(s.quoteToken), accrued);
        uint256 debt = uint256(-quoteBalance);
        address fund = s.insuranceFund;
        for (uint32 m = a.collateralMask; m != 0 && debt != 0; m &= m - 1) {
            address token = s.collateralTokens[Bitmask.lowest(m)];
            debt -= _sellToFund(s, account, token, fund, debt);
        }
        if (debt != 0 && a.collateralMask == 0) {
            uint256 covered = FundLogic.accrualCover(s, fund, debt);
            if (covered < debt) covered += FundLogic.cover(fund, debt - covered);
            uint256 socialised = debt - covered;
            MarginLogic.addPool(s, -int256(socialised));
            emit Ev.BadDebtSettled(account, debt, covered, socialised);
            debt = 0;
        }
        // The sales changed no quote balance: the balance moves from -debtBefore to -debt.
        MarginLogic.addQuote(s, a, -int256(debt) - quoteBalance);
    }

    /// @dev The fund buys up to `debt` quote units of `token` from the account at the
    ///      discounted oracle price; returns the debt repaid (0 if it bought nothing).
    function _sellToFund(
        Store storage s,
        uint256 account,
        address token,
        address fund,
        uint256 debt
    ) private returns (uint256 paid) {
        CollateralListing storage c = s.collaterals[token];
        (uint256 price, bool fresh) = _latestPrice(s.collateralConfigs[c.index]);
        if (!fresh) return 0;
        uint256 budget = Math.min(debt, IERC20(s.quoteToken).balanceOf(fund));
        if (budget == 0) return 0;
        uint256 balance = s.collateralBalances[account][c.index];
        (uint256 repay, uint256 seized) = _seize(s, c, price, budget, balance);
        if (seized == 0) return 0;
        paid = FundLogic.cover(fund, repay);
        // A fund that paid less than asked gets collateral for what it paid.
        if (paid < repay) (, seized) = _seize(s, c, price, paid, balance);
        MarginLogic.setCollateral(s, account, c, balance, balance - seized);
        if (!IERC20(token).trySafeTransfer(fund, seized)) {
            // The token refuses the fund: undo, and give the fund its payment back; if even
            // that fails, the payment stays as a repayment of the debt.
            MarginLogic.setCollateral(s, account, c, balance - seized, balance);
            if (paid != 0 && IERC20(s.quoteToken).trySafeTransfer(fund, paid)) return 0;
            return paid;
        }
        emit Ev.CollateralSoldToFund(account, token, seized, paid);
    }

    /// @dev A collateral's latest answer and whether it is within its heartbeat.
    function _latestPrice(StoredCollateral storage f) private view returns (uint256, bool) {
        return OracleLib.readLatest(f.feed, f.heartbeat, f.feedDecimals);
    }

    /// @dev Collateral for `repay` quote units at the discounted price, capped by the balance
    ///      (then the repayment is recomputed, rounding up).
    function _seize(
        Store storage s,
        CollateralListing storage c,
        uint256 price,
        uint256 repay,
        uint256 balance
    ) private view returns (uint256 repaid, uint256 seized) {
        uint256 discounted = price.mulDown(WadMath.WAD - c.liquidationDiscount);
        uint256 unit = 10 ** c.tokenDecimals;
        uint256 scale = s.quoteScale;
        repaid = repay;
        seized = Math.mulDiv(repaid * scale, unit, discounted);
        if (seized > balance) {
            seized = balance;
            uint256 value = Math.mulDiv(seized, discounted, unit * scale, Math.Rounding.Ceil);
            if (value < repaid) repaid = value;
        }
    }

    /// @dev Reverts unless the account has debt and is liquidatable; returns the most quote
    ///      units a liquidator may repay now (close factor per account and window); starts a
    ///      new window when the last one has elapsed.
    function _maxRepay(Store storage s, uint256 account) private returns (uint256) {
        int256 quoteBalance = s.accounts[account].quoteBalance;
        if (quoteBalance >= 0) revert E.NoDebt(account);
        (bool liquidatable, Health memory h) = _isLiquidatable(s, account);
        if (!liquidatable) revert E.NotLiquidatable(account, h.equity, h.mm);
        uint256 debt = uint256(-quoteBalance);
        StoredLiquidationParams storage lp = s.liq;
        uint256 hf = h.mm == 0 || h.equity <= 0 ? 0 : uint256(h.equity).divDown(h.mm);
        uint256 debtUsd = debt * s.quoteScale;
        AccountLiquidation storage w = s.liquidations[account];
        // The close factor applies to the debt at the window's first collateral liquidation,
        // less what the window has repaid already (INV-33), not to each call.
        if (block.timestamp >= uint256(w.collateralStart) + lp.accountWindow) {
            w.collateralStart = uint40(block.timestamp);
            w.debtAtStart = SafeCast.toUint112(debt);
            w.repaid = 0;
        }
        if (hf < lp.closeFactorHfThreshold || debtUsd <= lp.smallDebtUsd) return debt;
        uint256 half = (uint256(w.debtAtStart) + 1) / 2;
        uint256 left = half > w.repaid ? half - w.repaid : 0;
        // No dust behind: if what would remain is small, allow repaying all of it.
        if (debt > left && (debt - left) * s.quoteScale <= lp.smallDebtUsd) return debt;
        return Math.min(left, debt);
    }

    /// @dev The liquidation rule, equity < MM, valued by `MarginLogic.liquidationHealth`.
    function _isLiquidatable(
        Store storage s,
        uint256 account
    ) private view returns (bool, Health memory h) {
        h = MarginLogic.liquidationHealth(s, account);
        return (h.equity < int256(h.mm), h);
    }

    function _cancelOrders(Store storage s, uint256 account) private {
        AccountData storage a = s.accounts[account];
        for (uint64 m = a.orderMask; m != 0; m &= m - 1) {
            uint256 id = Bitmask.lowest(m);
            delete s.orders[account][id];
            emit Ev.OrderCancelled(account, id, msg.sender, "liquidation", 0);
        }
        a.orderMask = 0;
    }
}

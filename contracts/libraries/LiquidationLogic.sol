// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../interfaces/ICrossmarginEvents.sol";
import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";
import {WadMath} from "./WadMath.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {TradeLogic} from "./TradeLogic.sol";
import {Store, LiquidationParams} from "./Store.sol";
import {AccountData, CollateralConfig, Health, MarketConfig, MarketState} from "./Types.sol";

/// @title LiquidationLogic
/// @notice Permissionless liquidation of positions and collateral, keeper rewards and the
///         bad-debt waterfall (insurance fund first, then the liquidity pool).
/// @dev Linked library: runs in the engine's context (delegatecall). Never reverts for a
///      liquidatable account because of market status, dust or the caller's balance.
library LiquidationLogic {
    using SafeERC20 for IERC20;
    using WadMath for uint256;
    using WadMath for int256;

    /// @dev One open position, loaded once; the loop updates it in memory.
    struct Slot {
        uint256 marketId;
        int256 size;
        uint256 price;
        uint256 mm;
        bool done;
        bool fresh;
    }

    /// @dev Running totals of one liquidation call. `equity` is net of the fee owed so far,
    ///      `max(rateFee, minKeeperReward)`, where `rateFee` sums `notional * feeRate` per close.
    struct Ctx {
        LiquidationParams lp;
        int256 equity;
        uint256 mm;
        uint256 budget;
        uint256 notionalClosed;
        uint256 rateFee;
    }

    /// @notice Closes positions at the oracle price, largest maintenance requirement first,
    ///         until equity >= MM * (1 + buffer), everything is closed or a bound is hit.
    ///         A market whose feed is stale counts at its last answer but is not closed (there
    ///         is no price to close it at); a call that can close nothing else reverts with the
    ///         feed's `OracleStale`.
    /// @return notionalClosed USD WAD closed in this call.
    /// @return keeperReward Quote units paid to `keeper`.
    function liquidate(
        Store storage s,
        uint256 account,
        uint256 maxNotionalUsd,
        address keeper
    ) external returns (uint256 notionalClosed, uint256 keeperReward) {
        (bool liquidatable, Health memory h) = MarginLogic.isLiquidatable(s, account);
        if (!liquidatable) revert E.NotLiquidatable(account, h.equity, h.mm);
        _cancelOrders(s, account);

        Ctx memory ctx = Ctx({
            lp: s.liq,
            equity: h.equity - int256(uint256(s.liq.minKeeperReward)),
            mm: h.mm,
            budget: maxNotionalUsd == 0 ? type(uint256).max : maxNotionalUsd,
            notionalClosed: 0,
            rateFee: 0
        });
        Slot[] memory slots = _load(s, account);
        for (uint256 round; round < slots.length; ++round) {
            if (ctx.equity >= int256(ctx.mm.mulUp(WadMath.WAD + ctx.lp.buffer)) || ctx.budget == 0)
                break;
            uint256 k = _largest(slots);
            if (k == type(uint256).max) break;
            slots[k].done = true;
            _closeOne(s, account, slots[k], ctx, keeper);
        }
        notionalClosed = ctx.notionalClosed;
        if (notionalClosed != 0)
            keeperReward = _chargeFee(s, account, notionalClosed, keeper, ctx.lp);
        else _requireFresh(s, slots);
        if (s.accounts[account].marketMask == 0) _settleBadDebt(s, account);
    }

    /// @notice Repays up to `maxRepay` quote units of the account's debt and gives the caller
    ///         collateral `token` at its oracle price less the token's liquidation discount.
    ///         Close factor 50 %, or 100 % below the health threshold or for small debts.
    function liquidateCollateral(
        Store storage s,
        uint256 account,
        address token,
        uint256 maxRepay,
        address liquidator
    ) external returns (uint256 repaid, uint256 seized) {
        CollateralConfig storage c = s.collaterals[token];
        if (!c.listed) revert E.UnknownToken(token);
        if (maxRepay == 0) revert E.ZeroAmount();
        uint256 allowed = _maxRepay(s, account);
        uint256 balance = s.collateralBalances[account][token];
        (repaid, seized) = _seize(s, c, Math.min(maxRepay, allowed), balance);
        if (seized == 0 || repaid == 0) revert E.NothingToSeize(account, token);

        AccountData storage a = s.accounts[account];
        a.quoteBalance = int96(int256(a.quoteBalance) + int256(repaid));
        s.collateralBalances[account][token] = balance - seized;
        c.totalDeposited -= uint128(seized);
        if (balance == seized) a.collateralMask &= ~uint32(1 << c.index);
        emit Ev.CollateralLiquidated(account, token, liquidator, repaid, seized);
        IERC20(s.quoteToken).safeTransferFrom(liquidator, address(this), repaid);
        IERC20(token).safeTransfer(liquidator, seized);
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
        uint256 closeSize = _closeSize(s, sl, ctx);
        uint256 allowed = _allowance(s, sl.marketId, ctx.budget, sl.price);
        if (closeSize > allowed) closeSize = allowed;
        if (closeSize == 0) return;
        int256 delta = sl.size > 0 ? -int256(closeSize) : int256(closeSize);
        TradeLogic.TradeResult memory r = TradeLogic.execute(
            s,
            account,
            sl.marketId,
            delta,
            sl.price,
            true
        );
        uint256 notional = closeSize.mulUp(sl.price);
        ctx.notionalClosed += notional;
        ctx.budget = ctx.budget > notional ? ctx.budget - notional : 0;
        s.marketStates[sl.marketId].liquidatedInWindow += uint128(notional);
        (, uint256 mmNew) = MarketMath.sizeRequirements(
            s.markets[sl.marketId],
            r.newSize,
            sl.price
        );
        ctx.mm = ctx.mm - sl.mm + mmNew;
        uint256 feeBefore = Math.max(ctx.rateFee, ctx.lp.minKeeperReward);
        ctx.rateFee += notional.mulUp(ctx.lp.feeRate);
        ctx.equity -= int256(Math.max(ctx.rateFee, ctx.lp.minKeeperReward) - feeBefore);
        emit Ev.PositionLiquidated(
            account,
            sl.marketId,
            keeper,
            delta,
            sl.price,
            notional,
            r.quoteDelta
        );
    }

    function _load(Store storage s, uint256 account) private view returns (Slot[] memory slots) {
        uint64 mask = s.accounts[account].marketMask;
        uint256 n;
        for (uint64 m = mask; m != 0; m &= m - 1) n++;
        slots = new Slot[](n);
        uint256 i;
        for (uint64 m = mask; m != 0; m &= m - 1) {
            uint256 id = MarginLogic._lowestBit(m);
            MarketConfig storage cfg = s.markets[id];
            (uint256 price, bool fresh) = MarginLogic.marketPriceLatest(cfg);
            int256 size = s.positions[account][id].size;
            (, uint256 mmPos) = MarketMath.sizeRequirements(cfg, size, price);
            slots[i++] = Slot(id, size, price, mmPos, !fresh, fresh);
        }
    }

    /// @dev Reverts with the feed's own error if a stale market held positions back.
    function _requireFresh(Store storage s, Slot[] memory slots) private view {
        for (uint256 i; i < slots.length; ++i) {
            if (!slots[i].fresh) MarginLogic.marketPrice(s.markets[slots[i].marketId]);
        }
    }

    function _largest(Slot[] memory slots) private pure returns (uint256 k) {
        k = type(uint256).max;
        uint256 best;
        for (uint256 i; i < slots.length; ++i) {
            if (!slots[i].done && (k == type(uint256).max || slots[i].mm > best)) {
                best = slots[i].mm;
                k = i;
            }
        }
    }

    /// @dev Size to close so that equity reaches MM * (1 + buffer), assuming the position's
    ///      maintenance ratio stays constant; rounds up and closes fully when little would remain.
    ///      Closing `c` USD frees `c * freed` of the target and costs `max(c * feeRate - floor, 0)`
    ///      of equity, where `floor` is what the minimum keeper reward charges beyond the rate fee
    ///      so far (`ctx.equity` already counts it): `c >= deficit / freed` and
    ///      `c >= (deficit - floor) / (freed - feeRate)`. The deficit includes two quote units for
    ///      the rounding of the realised PnL (down) and of the fee (up), so that the target holds
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
        uint256 freed = (sl.mm - s.markets[sl.marketId].minPositionMargin)
            .divDown(notional)
            .mulDown(WadMath.WAD + lp.buffer);
        if (freed <= lp.feeRate) return absSize;
        uint256 deficit =
            uint256(int256(ctx.mm.mulUp(WadMath.WAD + lp.buffer)) - ctx.equity) + 2 * s.quoteScale;
        uint256 floor = Math.max(ctx.rateFee, lp.minKeeperReward) - ctx.rateFee;
        uint256 closeNotional = Math.max(
            deficit.divUp(freed),
            (deficit - Math.min(deficit, floor)).divUp(freed - lp.feeRate)
        );
        uint256 closeSize = Math.mulDiv(closeNotional, WadMath.WAD, sl.price, Math.Rounding.Ceil);
        // Leave no position smaller than a tenth of the original behind.
        if (closeSize >= absSize || absSize - closeSize < absSize / 10) return absSize;
        return closeSize;
    }

    /// @dev Size the per-window cap and the caller's notional budget still allow in a market.
    function _allowance(
        Store storage s,
        uint256 marketId,
        uint256 budget,
        uint256 price
    ) private returns (uint256) {
        MarketConfig storage cfg = s.markets[marketId];
        MarketState storage st = s.marketStates[marketId];
        uint256 cap = cfg.maxLiquidationPerWindow;
        uint256 left = budget;
        if (cap != 0) {
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

    /// @dev Charges the liquidation fee to the account; pays the keeper and the insurance fund.
    ///      The vault may hold fewer quote tokens than the fee (quote debt is backed by other
    ///      collateral): then the keeper is paid first, the fund from the rest, and only what is
    ///      paid is charged, so that liquidation never reverts for lack of funds.
    function _chargeFee(
        Store storage s,
        uint256 account,
        uint256 notional,
        address keeper,
        LiquidationParams memory lp
    ) private returns (uint256 reward) {
        uint256 feeUsd = Math.max(notional.mulUp(lp.feeRate), lp.minKeeperReward);
        uint256 fee = MarginLogic.usdToQuoteUp(s, feeUsd);
        reward = Math.min(fee, MarginLogic.usdToQuoteUp(s, lp.maxKeeperReward));
        uint256 toFund = fee - reward;
        IERC20 quote = IERC20(s.quoteToken);
        uint256 available = quote.balanceOf(address(this));
        if (fee > available) {
            reward = Math.min(reward, available);
            toFund = Math.min(toFund, available - reward);
            fee = reward + toFund;
        }
        AccountData storage a = s.accounts[account];
        a.quoteBalance = SafeCast.toInt96(int256(a.quoteBalance) - int256(fee));
        emit Ev.LiquidationFeePaid(account, keeper, notional, fee, reward, toFund);
        if (reward != 0) quote.safeTransfer(keeper, reward);
        // A quote token that refuses the fund (e.g. a blocklist) must not block liquidations:
        // the fund's share then stays in the vault and goes to the pool.
        if (toFund != 0 && !quote.trySafeTransfer(s.insuranceFund, toFund))
            s.poolBalance += int256(toFund);
    }

    /// @dev With no positions left and negative equity: the fund takes the collateral and covers
    ///      the debt as far as it can; the pool absorbs the rest.
    function _settleBadDebt(Store storage s, uint256 account) private {
        Health memory h = MarginLogic.health(s, account, TradeLogic.NO_HINT, 0, false);
        if (h.equity >= 0) return;
        AccountData storage a = s.accounts[account];
        address fund = s.insuranceFund;
        for (uint32 m = a.collateralMask; m != 0; m &= m - 1) {
            uint256 index = MarginLogic._lowestBit(m);
            address token = s.collateralTokens[index];
            uint256 amount = s.collateralBalances[account][token];
            s.collateralBalances[account][token] = 0;
            emit Ev.CollateralSeized(account, token, amount);
            if (IERC20(token).trySafeTransfer(fund, amount)) {
                s.collaterals[token].totalDeposited -= uint128(amount);
            } else {
                // A token that refuses the fund must not block the liquidation: the collateral
                // moves, inside the vault, to the fund's own engine account (sub-account 0).
                uint256 fundAccount = uint256(uint160(fund)) << 8;
                s.collateralBalances[fundAccount][token] += amount;
                s.accounts[fundAccount].collateralMask |= uint32(1 << index);
            }
        }
        a.collateralMask = 0;
        int256 quoteBalance = a.quoteBalance;
        if (quoteBalance >= 0) return;
        uint256 deficit = uint256(-quoteBalance);
        a.quoteBalance = 0;
        // A fund that cannot pay (its quote transfer reverts) leaves the whole deficit to the pool.
        uint256 covered;
        try IInsuranceFund(fund).cover(deficit) returns (uint256 paid) {
            covered = paid > deficit ? deficit : paid;
        } catch {
            covered = 0;
        }
        uint256 socialised = deficit - covered;
        s.poolBalance -= int256(socialised);
        emit Ev.BadDebtSettled(account, deficit, covered, socialised);
    }

    /// @dev Collateral for `repay` quote units at the discounted price, capped by the balance
    ///      (then the repayment is recomputed, rounding up).
    function _seize(
        Store storage s,
        CollateralConfig storage c,
        uint256 repay,
        uint256 balance
    ) private view returns (uint256 repaid, uint256 seized) {
        uint256 discounted = MarginLogic.collateralPrice(c).mulDown(
            WadMath.WAD - c.liquidationDiscount
        );
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
    ///      units a liquidator may repay now (close factor).
    function _maxRepay(Store storage s, uint256 account) private view returns (uint256) {
        int256 quoteBalance = s.accounts[account].quoteBalance;
        if (quoteBalance >= 0) revert E.NoDebt(account);
        (bool liquidatable, Health memory h) = MarginLogic.isLiquidatable(s, account);
        if (!liquidatable) revert E.NotLiquidatable(account, h.equity, h.mm);
        uint256 debt = uint256(-quoteBalance);
        LiquidationParams storage lp = s.liq;
        uint256 hf = h.mm == 0 || h.equity <= 0 ? 0 : uint256(h.equity).divDown(h.mm);
        uint256 debtUsd = debt * s.quoteScale;
        if (hf < lp.closeFactorHfThreshold || debtUsd <= lp.smallDebtUsd) return debt;
        uint256 half = (debt + 1) / 2;
        // No dust behind: if what would remain is small, allow repaying all of it.
        if ((debt - half) * s.quoteScale <= lp.smallDebtUsd) return debt;
        return half;
    }

    function _cancelOrders(Store storage s, uint256 account) private {
        AccountData storage a = s.accounts[account];
        for (uint64 m = a.orderMask; m != 0; m &= m - 1) {
            uint256 id = MarginLogic._lowestBit(m);
            delete s.orders[account][id];
            emit Ev.OrderCancelled(account, id, msg.sender, "liquidation", 0);
        }
        a.orderMask = 0;
    }
}

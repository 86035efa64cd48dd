// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../interfaces/ICrossmarginEvents.sol";
import {ICrossmarginLiquidation} from "../interfaces/ICrossmarginLiquidation.sol";
import {WadMath} from "./WadMath.sol";
import {OracleLib, Feed} from "./OracleLib.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {TradeLogic} from "./TradeLogic.sol";
import {Store} from "./Store.sol";
import {AccountData, MarketConfig, MarketState, MarketStatus, Order} from "./Types.sol";

/// @title OrderLogic
/// @notice Delayed orders: commit now, fill at the first oracle round published at least
///         `minOrderDelay` later, so nobody trades against a price that is about to move.
/// @dev Linked library (runs in the engine's context).
library OrderLogic {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using WadMath for uint256;
    using WadMath for int256;

    function commit(
        Store storage s,
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 settlementDeadline
    ) external {
        bool reducing = _validateCommit(s, account, marketId, sizeDelta, settlementDeadline);
        MarketConfig storage cfg = s.markets[marketId];
        uint256 price = MarginLogic.marketPrice(cfg);
        uint256 reserve = _reserve(s, account, marketId, sizeDelta, price);
        uint256 keeperFee = MarginLogic.usdToQuoteUp(s, s.liq.orderKeeperFee);
        s.orders[account][marketId] = Order({
            sizeDelta: SafeCast.toInt128(sizeDelta),
            acceptablePrice: acceptablePrice.toUint128(),
            commitTime: uint40(block.timestamp),
            settlementDeadline: uint40(settlementDeadline),
            keeperFee: keeperFee.toUint80(),
            reserveUsd: reserve.toUint96()
        });
        s.accounts[account].orderMask |= uint64(1 << marketId);
        MarginLogic.checkAccount(s, account, !reducing, 0, 0, marketId, price);
        emit Ev.OrderCommitted(
            account,
            marketId,
            sizeDelta,
            acceptablePrice,
            settlementDeadline,
            keeperFee
        );
    }

    function settle(
        Store storage s,
        uint256 account,
        uint256 marketId,
        uint80 roundId,
        address keeper
    ) external returns (bool filled) {
        Order memory o = s.orders[account][marketId];
        if (o.commitTime == 0) revert E.NoOrder(account, marketId);
        if (block.timestamp > o.settlementDeadline)
            revert E.OrderExpired(o.settlementDeadline, block.timestamp);
        MarketConfig storage cfg = s.markets[marketId];
        uint256 price = _settlementPrice(cfg, roundId, _earliest(o.commitTime, cfg));
        _clear(s, account, marketId, o.keeperFee);
        try
            ICrossmarginLiquidation(address(this)).executeOrderFill(
                account,
                marketId,
                o.sizeDelta,
                o.acceptablePrice,
                price
            )
        {
            filled = true;
            emit Ev.OrderSettled(account, marketId, keeper, roundId);
        } catch (bytes memory reason) {
            // Not the order's fault: running out of gas (a keeper could otherwise starve the
            // fill to collect the fee) or an oracle that cannot be read now. Revert instead.
            if (_isTransient(reason)) _bubble(reason);
            emit Ev.OrderCancelled(account, marketId, keeper, _why(reason), o.keeperFee);
        }
        _payKeeper(s, keeper, o.keeperFee);
    }

    /// @notice The fill of a settling order (inside the engine's self-call, so it can roll back).
    function fill(
        Store storage s,
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 price
    ) external {
        TradeLogic.Pending memory p;
        TradeLogic.TradeResult memory r = TradeLogic.userTrade(
            s,
            account,
            marketId,
            sizeDelta,
            acceptablePrice,
            price,
            false,
            p
        );
        // The health check reads every market at its latest price, this one included; so must
        // the "before" a reducing fill is compared with.
        if (!p.riskIncreased) _beforeAtLatestPrice(s.markets[marketId], sizeDelta, r, p);
        MarginLogic.checkAccount(
            s,
            account,
            p.riskIncreased,
            p.equityBeforeAdj,
            p.mmBeforeAdj,
            TradeLogic.NO_HINT,
            0
        );
    }

    function cancel(
        Store storage s,
        uint256 account,
        uint256 marketId,
        address caller,
        bool authorised
    ) external {
        Order memory o = s.orders[account][marketId];
        if (o.commitTime == 0) revert E.NoOrder(account, marketId);
        if (block.timestamp > o.settlementDeadline) {
            _clear(s, account, marketId, o.keeperFee);
            emit Ev.OrderCancelled(account, marketId, caller, "expired", o.keeperFee);
            _payKeeper(s, caller, o.keeperFee);
            return;
        }
        if (!authorised) revert E.OrderNotExpired(o.settlementDeadline, block.timestamp);
        MarketConfig storage cfg = s.markets[marketId];
        (, , , uint256 updatedAt, ) = AggregatorV3Interface(cfg.feed).latestRoundData();
        if (updatedAt >= _earliest(o.commitTime, cfg))
            revert E.SettlementPriceExists(account, marketId);
        _clear(s, account, marketId, 0);
        emit Ev.OrderCancelled(account, marketId, caller, "owner", 0);
    }

    function status(
        Store storage s,
        uint256 account,
        uint256 marketId
    ) external view returns (Order memory o, bool settleable, bool cancellable, uint80 round) {
        o = s.orders[account][marketId];
        if (o.commitTime == 0) return (o, false, false, 0);
        cancellable = block.timestamp > o.settlementDeadline;
        MarketConfig storage cfg = s.markets[marketId];
        uint256 earliest = _earliest(o.commitTime, cfg);
        AggregatorV3Interface feed = AggregatorV3Interface(cfg.feed);
        (uint80 id, , , uint256 updatedAt, ) = feed.latestRoundData();
        if (updatedAt < earliest) return (o, false, cancellable, 0);
        return (o, !cancellable, cancellable, _firstRound(feed, id, earliest));
    }

    // ------------------------------------------------------------------ internals

    /// @dev Market status, pause, one order per market, deadline window. Returns whether the
    ///      order only reduces the position.
    function _validateCommit(
        Store storage s,
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 settlementDeadline
    ) private view returns (bool reducing) {
        if (sizeDelta == 0) revert E.ZeroSizeDelta();
        MarketConfig storage cfg = s.markets[marketId];
        MarketStatus st = cfg.status;
        if (st == MarketStatus.None) revert E.UnknownMarket(marketId);
        if (st == MarketStatus.Paused) revert E.MarketPaused(marketId);
        if (st == MarketStatus.Settled) revert E.MarketSettled(marketId);
        reducing = TradeLogic.isReducing(s.positions[account][marketId].size, sizeDelta);
        if (!reducing) {
            if (st == MarketStatus.ReduceOnly) revert E.MarketReduceOnly(marketId);
            if (s.paused) revert E.ProtocolPaused();
        }
        if (s.accounts[account].orderMask & uint64(1 << marketId) != 0)
            revert E.OrderExists(account, marketId);
        uint256 earliest = block.timestamp + cfg.minOrderDelay;
        uint256 latest = block.timestamp + cfg.maxOrderAge;
        if (settlementDeadline <= earliest || settlementDeadline > latest) {
            revert E.InvalidOrderDeadline(settlementDeadline, earliest + 1, latest);
        }
    }

    /// @dev Margin the order needs on top of the current position (at the current price), plus
    ///      its trading fee and price impact.
    function _reserve(
        Store storage s,
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 price
    ) private view returns (uint256) {
        MarketConfig storage cfg = s.markets[marketId];
        MarketState storage st = s.marketStates[marketId];
        int256 size = s.positions[account][marketId].size;
        int256 skew = int256(uint256(st.longOI)) - int256(uint256(st.shortOI));
        uint256 fillPrice = MarketMath.fillPrice(price, skew, sizeDelta, cfg.skewScale);
        uint256 fee = MarketMath.orderFee(skew, sizeDelta, fillPrice, cfg.makerFee, cfg.takerFee);
        (uint256 imBefore, ) = MarketMath.sizeRequirements(cfg, size, price);
        (uint256 imAfter, ) = MarketMath.sizeRequirements(cfg, size + sizeDelta, price);
        uint256 impact = sizeDelta.abs().mulUp(
            fillPrice > price ? fillPrice - price : price - fillPrice
        );
        return (imAfter > imBefore ? imAfter - imBefore : 0) + fee + impact;
    }

    /// @dev `userTrade` reconstructs the pre-fill equity and MM of a reducing fill at the price it
    ///      filled against (the settlement round's), while the check values the account at the
    ///      latest price. Rebuild them at the latest price: before = after + fee + impact +
    ///      sizeDelta * (roundPrice - latest). Otherwise a fill at a stale price could realise a
    ///      loss against the latest price and leave a healthy account liquidatable (even
    ///      insolvent) while the check took it for already liquidatable.
    function _beforeAtLatestPrice(
        MarketConfig storage cfg,
        int256 sizeDelta,
        TradeLogic.TradeResult memory r,
        TradeLogic.Pending memory p
    ) private view {
        uint256 used = p.hintPrice;
        uint256 latest = MarginLogic.marketPrice(cfg);
        if (latest == used) return;
        p.equityBeforeAdj += sizeDelta.sMulCeil(int256(used) - int256(latest));
        p.mmBeforeAdj += _mmFreed(cfg, r, latest) - _mmFreed(cfg, r, used);
    }

    /// @dev Maintenance margin the position change frees at `price` (negative if it adds).
    function _mmFreed(
        MarketConfig storage cfg,
        TradeLogic.TradeResult memory r,
        uint256 price
    ) private view returns (int256) {
        (, uint256 mmOld) = MarketMath.sizeRequirements(cfg, r.oldSize, price);
        (, uint256 mmNew) = MarketMath.sizeRequirements(cfg, r.newSize, price);
        return int256(mmOld) - int256(mmNew);
    }

    /// @dev Earliest `updatedAt` of a settlement round: commit time + minOrderDelay, and never the
    ///      commit's own second (a round of the commit's block may have been known at commit).
    function _earliest(uint40 commitTime, MarketConfig storage cfg) private view returns (uint256) {
        uint256 delay = cfg.minOrderDelay;
        return uint256(commitTime) + (delay == 0 ? 1 : delay);
    }

    /// @dev The answer of `roundId` if it is the first round published at or after `earliest`.
    function _settlementPrice(
        MarketConfig storage cfg,
        uint80 roundId,
        uint256 earliest
    ) private view returns (uint256) {
        AggregatorV3Interface feed = AggregatorV3Interface(cfg.feed);
        (uint80 id, int256 answer, , uint256 updatedAt, uint80 answeredInRound) = feed.getRoundData(
            roundId
        );
        Feed memory f = Feed(cfg.feed, type(uint32).max, cfg.feedDecimals);
        if (updatedAt < earliest) revert E.RoundTooEarly(roundId, updatedAt, earliest);
        if (roundId > 1) {
            (bool ok, uint256 prevUpdated) = _roundUpdatedAt(feed, roundId - 1);
            if (ok && prevUpdated >= earliest)
                revert E.RoundNotFirst(roundId, prevUpdated, earliest);
        }
        return OracleLib.validate(f, id, answer, updatedAt, answeredInRound);
    }

    /// @dev The round `settle` accepts: eligible (published at or after `earliest`) with the
    ///      round before it missing or too early. `latest` is eligible. Gallops back from it,
    ///      then bisects (O(log n) reads however many rounds were published since).
    function _firstRound(
        AggregatorV3Interface feed,
        uint80 latest,
        uint256 earliest
    ) private view returns (uint80) {
        uint256 hi = latest; // eligible
        uint256 lo; // not eligible (0: no round)
        for (uint256 step = 1; step < hi; step *= 2) {
            (bool ok, uint256 t) = _roundUpdatedAt(feed, uint80(hi - step));
            if (!ok || t < earliest) {
                lo = hi - step;
                break;
            }
            hi -= step;
        }
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            (bool ok, uint256 t) = _roundUpdatedAt(feed, uint80(mid));
            if (ok && t >= earliest) hi = mid;
            else lo = mid;
        }
        return uint80(hi);
    }

    function _roundUpdatedAt(
        AggregatorV3Interface feed,
        uint80 id
    ) private view returns (bool, uint256) {
        try feed.getRoundData(id) returns (uint80, int256, uint256, uint256 updatedAt, uint80) {
            return (updatedAt != 0, updatedAt);
        } catch {
            return (false, 0);
        }
    }

    /// @dev Deletes the order and charges its keeper fee (0 for a free cancellation).
    function _clear(Store storage s, uint256 account, uint256 marketId, uint256 keeperFee) private {
        delete s.orders[account][marketId];
        AccountData storage a = s.accounts[account];
        a.orderMask &= ~uint64(1 << marketId);
        if (keeperFee != 0)
            a.quoteBalance = SafeCast.toInt96(int256(a.quoteBalance) - int256(keeperFee));
    }

    function _payKeeper(Store storage s, address keeper, uint256 fee) private {
        if (fee != 0) IERC20(s.quoteToken).safeTransfer(keeper, fee);
    }

    /// @dev Out of gas (no revert data) or an oracle/sequencer failure.
    function _isTransient(bytes memory reason) private pure returns (bool) {
        if (reason.length < 4) return true;
        bytes4 sel = bytes4(reason);
        return
            sel == OracleLib.OracleStale.selector ||
            sel == OracleLib.OracleNonPositive.selector ||
            sel == OracleLib.OracleIncompleteRound.selector ||
            sel == OracleLib.OracleFutureTimestamp.selector ||
            sel == OracleLib.SequencerDown.selector ||
            sel == OracleLib.SequencerGracePeriod.selector;
    }

    function _bubble(bytes memory reason) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }

    function _why(bytes memory reason) private pure returns (bytes32) {
        bytes4 sel = bytes4(reason);
        if (sel == E.SlippageExceeded.selector) return "slippage";
        if (sel == E.InsufficientMargin.selector || sel == E.WouldBecomeLiquidatable.selector)
            return "margin";
        return bytes32(sel);
    }
}

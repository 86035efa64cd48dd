// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../interfaces/ICrossmarginEvents.sol";
import {ICrossmarginSettlementCallback} from "../interfaces/ICrossmarginSettlementCallback.sol";
import {WadMath} from "./WadMath.sol";
import {AccountIds} from "./AccountIds.sol";
import {ConfigPage} from "./ConfigPage.sol";
import {OracleLib} from "./OracleLib.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {TradeLogic} from "./TradeLogic.sol";
import {OrderRounds} from "./OrderRounds.sol";
import {OrderStore} from "./OrderStore.sol";
import {Store} from "../types/Store.sol";
import {
    AccountData,
    Health,
    MarginCheck,
    StoredMarket,
    MarketState,
    MarketStatus,
    Order
} from "../types/Types.sol";

/// @title OrderLogic
/// @notice Delayed orders: commit now, fill at the first oracle round published at least
///         `minOrderDelay` later, so nobody trades against a price that is about to move.
///         Safety rules INV-35..INV-38 (docs/specs.md): fees capped by equity, reduce-only
///         orders clamped, the first round proven (OrderRounds), no free option, governance
///         never charges the trader, the delay fixed at commit.
/// @dev Linked library (runs in the engine's context).
library OrderLogic {
    /// @notice Gas a settlement callback is given (ICrossmarginSettlementCallback).
    uint256 internal constant SETTLEMENT_CALLBACK_GAS = 200_000;

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
        // The market's config slots 0 to 2 from the config page (INV-79), as a trade reads them:
        // the check's valuation of the market then finds the page warm
        (bool reducing, uint256[3] memory w) = _validateCommit(
            s,
            account,
            marketId,
            sizeDelta,
            settlementDeadline
        );
        StoredMarket storage cfg = s.markets[marketId].config;
        Order memory o;
        uint256 price;
        (o.commitRound, price) = OracleLib.readRound(
            address(uint160(w[0])),
            uint32(w[0] >> 160),
            uint8(w[0] >> 192)
        );
        o.sizeDelta = SafeCast.toInt128(sizeDelta);
        o.acceptablePrice = acceptablePrice.toUint128();
        o.commitTime = uint40(block.timestamp);
        o.settlementDeadline = uint40(settlementDeadline);
        o.keeperFee = MarginLogic.usdToQuoteUp(s, s.liq.orderKeeperFee).toUint80();
        o.reserveUsd = _reserve(s, account, marketId, sizeDelta, price, w).toUint96();
        // never the commit's own second: a round of the commit's block may have been known
        o.earliestSettlement = uint40(block.timestamp + Math.max(cfg.minOrderDelay, 1));
        o.reduceOnly = reducing;
        // INV-76: the settlement reads the callback's slot only when this flag says there is one.
        bool callback = s.settlementCallbacks[account] != address(0);
        uint256 acceptable = OrderStore.write(s.orders[account][marketId], o, callback);
        s.accounts[account].orderMask |= uint64(1 << marketId);
        _checkCommitMargin(s, account, marketId, price, reducing, o.keeperFee);
        emit Ev.OrderCommitted(
            account,
            marketId,
            sizeDelta,
            acceptable,
            settlementDeadline,
            o.keeperFee
        );
    }

    /// @param proof 0, or for a round that opens a Chainlink phase the last round of the
    ///        previous phase (INV-37).
    /// @param self This library's address (`address(OrderLogic)`, linked into the engine): the
    ///        fill runs in a delegatecall to it, a frame of its own that a failure rolls back.
    ///        It is the same link as the one the engine reached `settle` through, so it holds
    ///        this code (a delegatecall to an address without code would succeed doing nothing).
    /// @dev The keeper is `msg.sender`: the library runs by delegatecall from the engine's entry
    ///      point, so it is the engine's caller.
    function settle(
        Store storage s,
        uint256 account,
        uint256 marketId,
        uint80 roundId,
        uint80 proof,
        address self
    ) external returns (bool filled) {
        (Order memory o, bool callback) = OrderStore.load(s.orders[account][marketId]);
        if (o.commitTime == 0) revert E.NoOrder(account, marketId);
        if (block.timestamp > o.settlementDeadline)
            revert E.OrderExpired(o.settlementDeadline, block.timestamp);
        // Config slot 0 from the config page (INV-79; an order's market is listed), which the
        // fill reads again warm: the status, the feed's fields
        (uint256 c0, ) = ConfigPage.words(ConfigPage.at(s.configPage), marketId);
        MarketStatus marketStatus = MarketStatus(uint8(c0 >> 200));
        if (_governanceBlocked(s, marketStatus, o)) {
            // INV-38: a pause or status change is not the trader's doing: free, keeper unpaid.
            _clear(s, account, marketId);
            emit Ev.OrderCancelled(account, marketId, msg.sender, "governance", 0);
            if (callback) _notify(s, account, marketId, false, 0, 0);
            return false;
        }
        (uint256 price, uint256 latestPrice) = OrderRounds.settlementPrice(
            c0,
            marketStatus != MarketStatus.Settled,
            roundId,
            proof,
            o
        );
        _clear(s, account, marketId);
        int256 delta;
        (filled, delta) = _execute(s, self, account, marketId, roundId, o, price, latestPrice);
        if (callback) _notify(s, account, marketId, filled, filled ? delta : int256(0), price);
    }

    /// @dev The account's position size in `marketId`.
    function _sizeOf(
        Store storage s,
        uint256 account,
        uint256 marketId
    ) private view returns (int256) {
        return s.positions[AccountIds.positionKey(account, marketId)].size;
    }

    /// @dev The settlement after the order is cleared: the fee, the fill (or the cancellation it
    ///      becomes), the events and the keeper's credit. Returns whether it filled and the size
    ///      it filled (`price` the round's, `latestPrice` the latest's, as `fill` takes them).
    function _execute(
        Store storage s,
        address self,
        uint256 account,
        uint256 marketId,
        uint80 roundId,
        Order memory o,
        uint256 price,
        uint256 latestPrice
    ) private returns (bool filled, int256 delta) {
        // A fill that grows or flips the position is checked against IM with the fee charged
        // first, so it charges the fee inside the fill: if the fill passes, equity covered the
        // fee and the cap could not bind (docs/math.md, "Delayed orders"); if it fails, the
        // capped fee is charged after the rollback. This saves a valuation of the account.
        delta = o.sizeDelta;
        bool feeInFill =
            !o.reduceOnly && !TradeLogic.isReducing(_sizeOf(s, account, marketId), delta);
        uint256 fee;
        if (!feeInFill) {
            fee = _chargeFee(s, account, marketId, o.keeperFee);
            delta = _reduceOnlyDelta(s, account, marketId, o);
        }
        if (delta == 0) {
            // INV-36: nothing left to reduce. The trader made the order obsolete (or was
            // liquidated): the keeper did the work and is paid the (capped) fee.
            emit Ev.OrderCancelled(account, marketId, msg.sender, "reduce-only", fee);
        } else {
            uint256 feeIn = feeInFill ? o.keeperFee : 0;
            bytes32 why;
            (filled, why) = _tryFill(
                s,
                self,
                account,
                marketId,
                delta,
                o.acceptablePrice,
                price,
                latestPrice,
                feeIn
            );
            if (filled) {
                fee += feeIn; // a growing fill that held charged the fee inside it
                emit Ev.OrderSettled(account, marketId, msg.sender, roundId, fee);
            } else {
                // One that failed was rolled back with its fee: the capped fee is charged now.
                if (feeInFill) fee = _chargeFee(s, account, marketId, o.keeperFee);
                emit Ev.OrderCancelled(account, marketId, msg.sender, why, fee);
            }
        }
        _payKeeper(s, msg.sender, fee);
    }

    /// @dev The fill in a delegatecall to this library's own `fill` (`self`): a frame of its own
    ///      in the engine's context, so that a failure rolls back (with `feeIn`, the fee charged
    ///      inside a growing fill) and becomes a cancellation, named by `why`.
    function _tryFill(
        Store storage s,
        address self,
        uint256 account,
        uint256 marketId,
        int256 delta,
        uint256 acceptable,
        uint256 price,
        uint256 latestPrice,
        uint256 feeIn
    ) private returns (bool filled, bytes32 why) {
        uint256 slot;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            slot := s.slot
        }
        // A library function's storage argument is its slot in the ABI.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = self.delegatecall(
            abi.encodeWithSelector(
                OrderLogic.fill.selector,
                slot,
                account,
                marketId,
                delta,
                acceptable,
                price,
                latestPrice,
                feeIn
            )
        );
        if (ok) return (true, 0);
        // Not the order's fault: running out of gas (a keeper could otherwise starve the fill to
        // collect the fee) or an oracle that cannot be read now. Revert instead.
        if (_isTransient(reason)) _bubble(reason);
        return (false, _why(reason));
    }

    /// @dev Calls the account's settlement callback (the order's flag says it has one, INV-76)
    ///      last, after every write and transfer, with exactly `SETTLEMENT_CALLBACK_GAS`. The
    ///      caller must leave enough gas for that whole budget (a keeper could otherwise starve
    ///      the callback on purpose): the call keeps 1/64 of the gas back (EIP-150). A failure
    ///      is an event, never a revert; only the first 4 bytes of its revert data are read (no
    ///      return-data bomb).
    function _notify(
        Store storage s,
        uint256 account,
        uint256 marketId,
        bool filled,
        int256 sizeDelta,
        uint256 price
    ) private {
        address callback = s.settlementCallbacks[account];
        if (callback == address(0)) return;
        bytes memory data = abi.encodeCall(
            ICrossmarginSettlementCallback.onOrderSettled,
            (account, marketId, filled, sizeDelta, price)
        );
        uint256 needed = SETTLEMENT_CALLBACK_GAS + SETTLEMENT_CALLBACK_GAS / 63 + 2_000;
        if (gasleft() < needed) revert E.InsufficientCallbackGas(needed, gasleft());
        bool ok;
        bytes4 reason;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            ok := call(SETTLEMENT_CALLBACK_GAS, callback, 0, add(data, 0x20), mload(data), 0, 0)
            if and(iszero(ok), gt(returndatasize(), 3)) {
                returndatacopy(0, 0, 4)
                reason := and(mload(0), shl(224, 0xffffffff))
            }
        }
        if (!ok) emit Ev.SettlementCallbackFailed(account, marketId, callback, reason);
    }

    /// @notice The fill of a settling order, in a delegatecall of its own from `settle` (so that
    ///         it can roll back). Call protection: a direct call to the library reverts.
    /// @param price The settlement round's price the fill is priced from (WAD).
    /// @param latestPrice The market's latest price, validated (WAD), that the margin check
    ///        values it at; 0: read it (a settled market's is its settlement price).
    /// @param keeperFee Quote units charged before the trade (0: charged by the caller). A
    ///        non-zero fee holds the fill to IM, so it can never leave the account in debt.
    function fill(
        Store storage s,
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 price,
        uint256 latestPrice,
        uint256 keeperFee
    ) external {
        MarginCheck memory p;
        (p.hintMarket, p.hintPrice) =
            latestPrice != 0 ? (marketId, latestPrice) : (TradeLogic.NO_HINT, 0);
        if (keeperFee != 0) {
            MarginLogic.addQuote(s, s.accounts[account], -int256(keeperFee));
            p.riskIncreased = true;
        }
        TradeLogic.TradeResult memory r = TradeLogic.userTrade(
            s,
            account,
            marketId,
            sizeDelta,
            price,
            false,
            p
        );
        TradeLogic.checkSlippage(sizeDelta, r.fill, acceptablePrice);
        MarginLogic.check(s, account, p);
    }

    function cancel(
        Store storage s,
        uint256 account,
        uint256 marketId,
        address caller,
        bool authorised
    ) external {
        (Order memory o, ) = OrderStore.load(s.orders[account][marketId]);
        if (o.commitTime == 0) revert E.NoOrder(account, marketId);
        StoredMarket storage cfg = s.markets[marketId].config;
        bool blocked = _governanceBlocked(s, cfg.status, o);
        if (block.timestamp > o.settlementDeadline) {
            _clear(s, account, marketId);
            uint256 fee = blocked ? 0 : _chargeFee(s, account, marketId, o.keeperFee);
            emit Ev.OrderCancelled(account, marketId, caller, "expired", fee);
            _payKeeper(s, caller, fee);
            return;
        }
        if (!authorised) revert E.OrderNotExpired(o.settlementDeadline, block.timestamp);
        if (blocked) {
            // INV-38: while governance blocks the order, its owner leaves it for free.
            _clear(s, account, marketId);
            emit Ev.OrderCancelled(account, marketId, caller, "governance", 0);
            return;
        }
        (, , uint256 updatedAt, ) = OracleLib.latest(cfg.feed);
        if (updatedAt >= o.earliestSettlement) revert E.SettlementPriceExists(account, marketId);
        // INV-38: the option on the next price is not free. The fee goes to the insurance fund,
        // never back to the owner (an operator or the owner could be the keeper).
        _clear(s, account, marketId);
        uint256 charged = _chargeFee(s, account, marketId, o.keeperFee);
        emit Ev.OrderCancelled(account, marketId, caller, "owner", charged);
        _payFund(s, account, marketId, charged);
    }

    /// @notice The pending order of `account` in `marketId`, in the view's units.
    function get(
        Store storage s,
        uint256 account,
        uint256 marketId
    ) external view returns (Order memory o) {
        (o, ) = OrderStore.load(s.orders[account][marketId]);
    }

    function status(
        Store storage s,
        uint256 account,
        uint256 marketId
    )
        external
        view
        returns (Order memory o, bool settleable, bool cancellable, uint80 round, uint80 proof)
    {
        (o, ) = OrderStore.load(s.orders[account][marketId]);
        if (o.commitTime == 0) return (o, false, false, 0, 0);
        cancellable = block.timestamp > o.settlementDeadline;
        AggregatorV3Interface feed = AggregatorV3Interface(s.markets[marketId].config.feed);
        (uint80 id, , uint256 updatedAt, ) = OracleLib.latest(address(feed));
        if (updatedAt < o.earliestSettlement) return (o, false, cancellable, 0, 0);
        (round, proof) = OrderRounds.find(feed, id, o.commitRound, o.earliestSettlement);
        settleable = round != 0 && !cancellable;
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
    ) private view returns (bool reducing, uint256[3] memory w) {
        if (sizeDelta == 0) revert E.ZeroSizeDelta();
        StoredMarket storage cfg = s.markets[marketId].config;
        w = TradeLogic.configWords(s, marketId, cfg);
        MarketStatus st = MarketStatus(uint8(w[0] >> 200));
        if (st == MarketStatus.None) revert E.UnknownMarket(marketId);
        if (st == MarketStatus.Paused) revert E.MarketPaused(marketId);
        if (st == MarketStatus.Settled) revert E.MarketSettled(marketId);
        reducing = TradeLogic.isReducing(_sizeOf(s, account, marketId), sizeDelta);
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

    /// @dev INV-7 for a risk-increasing order; INV-35 for a reducing one: it skips the IM
    ///      check, but its equity must cover the keeper fee it reserves.
    function _checkCommitMargin(
        Store storage s,
        uint256 account,
        uint256 marketId,
        uint256 price,
        bool reducing,
        uint256 keeperFee
    ) private view {
        if (!reducing) {
            return MarginLogic.check(s, account, MarginLogic.increasing(marketId, price));
        }
        int256 equity = MarginLogic.health(s, account, marketId, price, true).equity;
        uint256 feeUsd = keeperFee * s.quoteScale;
        if (equity < int256(feeUsd)) revert E.InsufficientMargin(account, equity, feeUsd);
    }

    /// @dev Margin the order needs on top of the current position (at the current price), plus
    ///      its trading fee and price impact.
    function _reserve(
        Store storage s,
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 price,
        uint256[3] memory w
    ) private view returns (uint256) {
        MarketState storage st = s.markets[marketId].state;
        int256 size = _sizeOf(s, account, marketId);
        int256 skew = int256(uint256(st.longOI)) - int256(uint256(st.shortOI));
        uint256 fillPrice = MarketMath.fillPrice(
            price,
            skew,
            sizeDelta,
            MarketMath.skewScaleFrom(w[1])
        );
        uint256 fee = MarketMath.tradeFeeFrom(w[0], skew, sizeDelta, fillPrice);
        (uint256 imBefore, ) = MarketMath.sizeRequirementsFrom(w[1], size, price);
        (uint256 imAfter, ) = MarketMath.sizeRequirementsFrom(w[1], size + sizeDelta, price);
        uint256 impact = sizeDelta.abs().mulUp(
            fillPrice > price ? fillPrice - price : price - fillPrice
        );
        return (imAfter > imBefore ? imAfter - imBefore : 0) + fee + impact;
    }

    /// @dev INV-38: the market is paused, or the order may add risk while the market is
    ///      reduce-only or settled or the protocol paused. Governance did this, not the trader.
    function _governanceBlocked(
        Store storage s,
        MarketStatus st,
        Order memory o
    ) private view returns (bool) {
        if (st == MarketStatus.Paused) return true;
        // A reduce-only order still closes at a settled market's price (fee-free).
        return
            !o.reduceOnly &&
            (st == MarketStatus.ReduceOnly || st == MarketStatus.Settled || s.paused);
    }

    /// @dev INV-36: the size a reduce-only order fills, clamped to the position left (0: none
    ///      left, or the position now has the order's own sign).
    function _reduceOnlyDelta(
        Store storage s,
        uint256 account,
        uint256 marketId,
        Order memory o
    ) private returns (int256 delta) {
        delta = o.sizeDelta;
        if (!o.reduceOnly) return delta;
        int256 size = _sizeOf(s, account, marketId);
        if (size == 0 || (size > 0) == (delta > 0)) return 0;
        if (delta.abs() > size.abs()) {
            delta = -size;
            emit Ev.OrderClamped(account, marketId, o.sizeDelta, delta);
        }
    }

    /// @dev INV-35: charges the keeper fee, capped by max(0, equity) (quote units, floor) so
    ///      that the fee never creates debt. Call after the order is deleted.
    function _chargeFee(
        Store storage s,
        uint256 account,
        uint256 marketId,
        uint256 fee
    ) private returns (uint256 charged) {
        if (fee == 0) return 0;
        Health memory h = MarginLogic.health(s, account, type(uint256).max, 0, true);
        uint256 cap = h.equity <= 0 ? 0 : uint256(h.equity) / s.quoteScale;
        charged = fee < cap ? fee : cap;
        if (charged < fee) emit Ev.OrderFeeCapped(account, marketId, fee, charged);
        if (charged == 0) return 0;
        AccountData storage a = s.accounts[account];
        MarginLogic.addQuote(s, a, -int256(charged));
    }

    /// @dev Deletes the order (and with it its reserve).
    function _clear(Store storage s, uint256 account, uint256 marketId) private {
        delete s.orders[account][marketId];
        s.accounts[account].orderMask &= ~uint64(1 << marketId);
    }

    /// @dev Credits an order's keeper fee to the quote balance of the keeper's account
    ///      `accountId(keeper, 0)` instead of transferring it (INV-71): the quote stays in the
    ///      vault, and the keeper withdraws it like any balance.
    function _payKeeper(Store storage s, address keeper, uint256 fee) private {
        if (fee == 0) return;
        uint256 keeperAccount = AccountIds.id(keeper, 0);
        MarginLogic.addQuote(s, s.accounts[keeperAccount], int256(fee));
        emit Ev.KeeperFeeCredited(keeperAccount, fee);
    }

    /// @dev An owner's cancellation fee to the insurance fund; a fund or token that refuses it
    ///      must not block the cancellation: the fee then stays in the vault for the pool.
    function _payFund(Store storage s, uint256 account, uint256 marketId, uint256 fee) private {
        if (fee == 0) return;
        bool ok = IERC20(s.quoteToken).trySafeTransfer(s.insuranceFund, fee);
        if (!ok) MarginLogic.addPool(s, int256(fee));
        emit Ev.OrderCancelFeeCollected(account, marketId, fee, ok);
    }

    /// @dev Out of gas (no revert data) or an oracle/sequencer failure.
    function _isTransient(bytes memory reason) private pure returns (bool) {
        if (reason.length < 4) return true;
        bytes4 sel = bytes4(reason);
        return
            sel == E.OracleStale.selector ||
            sel == E.OracleNonPositive.selector ||
            sel == E.OracleIncompleteRound.selector ||
            sel == E.OracleFutureTimestamp.selector ||
            sel == E.SequencerDown.selector ||
            sel == E.SequencerGracePeriod.selector;
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

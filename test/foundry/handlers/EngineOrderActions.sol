// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {ICrossmarginEvents as Ev} from "../../../contracts/interfaces/ICrossmarginEvents.sol";
import {Health, Order} from "../../../contracts/types/Types.sol";
import {MockSettlementCallback} from "../../../contracts/mocks/MockSettlementCallback.sol";
import {EngineHandlerBase} from "./EngineHandlerBase.sol";

/// @notice Delayed-order settlement and cancellation actions of the engine handler (INV-35 to
///         INV-38, INV-71): a settleable order never makes `settleOrder` revert; the keeper, or
///         the owner as its own keeper, is credited exactly what the order's account was
///         charged, in its account 0, within the account's equity; a filled order obeys the
///         margin rule; an expired order's canceller is credited the fee it charged, and no
///         other cancel credits the caller; no round but the first settles an order (INV-37);
///         a settlement tells exactly the callback registered when it settles, once, however
///         the registration changed while the order was pending (INV-76).
abstract contract EngineOrderActions is EngineHandlerBase {
    uint256 private constant USD_PER_QUOTE_UNIT = 1e12; // USDC units -> USD WAD

    /// @dev The settlement callback the handler registers and removes (INV-76).
    MockSettlementCallback private _callback;

    /// @notice Registers the handler's callback for an account, or removes it, whatever orders
    ///         the account has pending (INV-76).
    function setSettlementCallback(uint256 seed, bool on) external action("setSettlementCallback") {
        if (address(_callback) == address(0)) _callback = new MockSettlementCallback(engine);
        uint256 acct = accounts[seed % N_ACCOUNTS];
        vm.prank(engine.ownerOf(acct));
        engine.setSettlementCallback(acct, on ? address(_callback) : address(0));
        _ok("setSettlementCallback");
    }

    /// @notice Settles the first pending, unexpired order (from a random start) at its first
    ///         eligible round; a settleable order must never make settleOrder revert. Half the
    ///         time the account's owner settles it as its own keeper: it must be paid no more
    ///         than any keeper (the fee it was charged, within its equity).
    function settleOrder(uint256 seed) external action("settleOrder") {
        for (uint256 k; k < N_ACCOUNTS * N_MARKETS; ++k) {
            uint256 idx = ((seed % (N_ACCOUNTS * N_MARKETS)) + k) % (N_ACCOUNTS * N_MARKETS);
            uint256 acct = accounts[idx / N_MARKETS];
            uint256 m = idx % N_MARKETS;
            Order memory o = engine.getOrder(acct, m);
            if (o.commitTime == 0 || block.timestamp > o.settlementDeadline) continue;
            uint80 round = _firstRound(m, o.earliestSettlement, o.commitRound);
            if (round == 0) continue;
            _tryOtherRound(acct, m, o.commitRound, round, seed >> 100);
            _settle(acct, m, o, round, (seed >> 200) & 1 == 1);
            return;
        }
    }

    /// @notice Cancels a pending order, as its owner or as a third party. INV-71: after the
    ///         deadline the caller's account 0 is credited exactly the fee the cancel charged;
    ///         before it, the caller is credited nothing (an owner's fee goes to the fund).
    function cancelOrder(uint256 seed, bool byOwner) external action("cancelOrder") {
        for (uint256 k; k < N_ACCOUNTS * N_MARKETS; ++k) {
            uint256 idx = ((seed % (N_ACCOUNTS * N_MARKETS)) + k) % (N_ACCOUNTS * N_MARKETS);
            uint256 acct = accounts[idx / N_MARKETS];
            uint256 m = idx % N_MARKETS;
            Order memory o = engine.getOrder(acct, m);
            if (o.commitTime == 0) continue;
            uint256 fund0 = usdc.balanceOf(address(fund));
            address caller = byOwner ? engine.ownerOf(acct) : keeper;
            bool expired = block.timestamp > o.settlementDeadline;
            vm.recordLogs();
            vm.prank(caller);
            try engine.cancelOrder(acct, m) {
                _ok("cancelOrder");
                // INV-38: an owner's cancel before expiry pays its fee to the insurance fund.
                ghostFundTopUps += usdc.balanceOf(address(fund)) - fund0;
                Vm.Log[] memory logs = vm.getRecordedLogs();
                uint256 credited = _credited(engine.accountId(caller, 0), logs);
                uint256 charged = expired ? _cancelFee(logs) : 0;
                if (credited != charged)
                    _fail("cancelOrder (INV-71): caller credited other than the fee charged");
                if (charged > o.keeperFee)
                    _fail("cancelOrder (INV-35): charged more than the keeper fee");
            } catch (bytes memory err) {
                vm.getRecordedLogs();
                _reverted("cancelOrder", err);
            }
            return;
        }
    }

    /// @dev INV-37 against a keeper that picks its price. A later round is published first (at
    ///      or after the earliest settlement, as the first round is), so there is always another
    ///      round to pick: any round after the commit's but the first must be refused, unless a
    ///      governance block cancels the order free whatever the round (INV-38). The extra round
    ///      and the attempt are rolled back, so the real settlement follows on the same state.
    function _tryOtherRound(
        uint256 acct,
        uint256 m,
        uint80 commitRound,
        uint80 first,
        uint256 r
    ) private {
        uint256 snap = vm.snapshotState();
        feeds[m].updateAnswer(feeds[m].latestAnswer());
        uint256 latest = feeds[m].latestRound();
        uint80 other = uint80(uint256(commitRound) + 1 + (r % (latest - commitRound)));
        if (other == first) other = uint80(latest);
        vm.recordLogs();
        vm.prank(keeper);
        bool settled;
        try engine.settleOrder(acct, m, other) returns (bool filled) {
            settled = filled || !_governanceCancel(vm.getRecordedLogs());
        } catch {
            vm.getRecordedLogs();
        }
        vm.revertToState(snap); // also the handler's own storage: record the failure after it
        if (settled) _fail("settleOrder (INV-37): settled at a round that is not the first");
    }

    /// @dev Whether `logs` hold the engine's `OrderCancelled` for a governance block (INV-38).
    function _governanceCancel(Vm.Log[] memory logs) private view returns (bool) {
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory lg = logs[i];
            if (lg.emitter != address(engine) || lg.topics[0] != Ev.OrderCancelled.selector)
                continue;
            (bytes32 reason, ) = abi.decode(lg.data, (bytes32, uint256));
            return reason == "governance";
        }
        return false;
    }

    function _settle(
        uint256 acct,
        uint256 m,
        Order memory o,
        uint80 round,
        bool ownerSettles
    ) private {
        // INV-36: a reduce-only order is clamped, so it never increases risk.
        bool increased =
            !o.reduceOnly && !_isReducing(engine.getPosition(acct, m).size, o.sizeDelta);
        Health memory before = _health(acct);
        address settler = ownerSettles ? engine.ownerOf(acct) : keeper;
        uint256 settlerAccount = engine.accountId(settler, 0);
        int256 credit0 = engine.getAccount(settlerAccount).quoteBalance;
        // INV-76: the callback registered now is told once; an unregistered one is not.
        uint256 told = address(_callback) == address(0) ? 0 : _callback.calls();
        if (engine.settlementCallback(acct) != address(0)) told++;
        vm.recordLogs();
        vm.prank(settler);
        try engine.settleOrder(acct, m, round) returns (bool filled) {
            _ok("settleOrder");
            if (address(_callback) != address(0) && _callback.calls() != told)
                _fail("settleOrder (INV-76): not exactly the registered callback was told");
            // INV-35/38: the keeper gets what was charged: at most the fee, never more than the
            // equity held; judge the fill on the state after the charge. INV-71: it is credited
            // to the keeper's account 0, which is `acct` itself when the owner settles its own.
            uint256 paid = _credited(settlerAccount, vm.getRecordedLogs());
            if (
                settlerAccount != acct &&
                engine.getAccount(settlerAccount).quoteBalance != credit0 + int256(paid)
            ) _fail("settleOrder: keeper's account not credited exactly the fee");
            if (paid > o.keeperFee) _fail("settleOrder: keeper paid more than the keeper fee");
            // A growing fill charges the fee inside the fill, held to IM (checked below): the
            // equity after the fill covers it, which can be more than the equity before when
            // the settlement round's price beats the latest one (INV-35). Otherwise the fee is
            // capped by the equity before.
            bool feeInFill = filled && increased;
            if (paid != 0 && !feeInFill && before.equity < int256(paid * USD_PER_QUOTE_UNIT))
                _fail("settleOrder: keeper fee charged beyond the account's equity");
            if (paid != 0 && feeInFill && _health(acct).equity < 0)
                _fail("settleOrder: keeper fee charged inside a fill that left negative equity");
            if (settlerAccount != acct) before.equity -= int256(paid * USD_PER_QUOTE_UNIT);
            if (filled) {
                ghostOrdersFilled++;
                _checkMarginRule("settleOrder", acct, before, increased);
            }
        } catch (bytes memory err) {
            _reverted("settleOrder", err);
            _fail(
                string.concat(
                    "settleOrder reverted at the first eligible round: ",
                    vm.toString(err)
                )
            );
        }
    }

    /// @dev The first round of market `m`'s feed after `commitRound` published at or after
    ///      `earliest` (0 if none; INV-37).
    function _firstRound(
        uint256 m,
        uint256 earliest,
        uint80 commitRound
    ) private view returns (uint80) {
        uint256 r = feeds[m].latestRound();
        if (r <= commitRound || feeds[m].getTimestamp(r) < earliest) return 0;
        while (r > uint256(commitRound) + 1 && feeds[m].getTimestamp(r - 1) >= earliest) r--;
        return uint80(r);
    }

    /// @dev The order keeper fees `KeeperFeeCredited` credited to `keeperAccount` (INV-71).
    function _credited(uint256 keeperAccount, Vm.Log[] memory logs) private returns (uint256 paid) {
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory lg = logs[i];
            if (lg.emitter != address(engine) || lg.topics[0] != Ev.KeeperFeeCredited.selector)
                continue;
            if (uint256(lg.topics[1]) != keeperAccount) _fail("fee credited to another account");
            paid += abi.decode(lg.data, (uint256));
        }
    }

    /// @dev The fee an `OrderCancelled` event says the cancel charged.
    function _cancelFee(Vm.Log[] memory logs) private view returns (uint256 fee) {
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory lg = logs[i];
            if (lg.emitter != address(engine) || lg.topics[0] != Ev.OrderCancelled.selector)
                continue;
            (, fee) = abi.decode(lg.data, (bytes32, uint256));
        }
    }
}

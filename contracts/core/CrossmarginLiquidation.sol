// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ICrossmarginLiquidation} from "../interfaces/ICrossmarginLiquidation.sol";
import {CrossmarginStorage} from "./CrossmarginStorage.sol";
import {AdlLogic} from "../libraries/AdlLogic.sol";
import {LiquidationLogic} from "../libraries/LiquidationLogic.sol";
import {OrderLogic} from "../libraries/OrderLogic.sol";

/// @title CrossmarginLiquidation
/// @notice Keeper-facing entry points: liquidations and delayed orders. The work happens in
///         linked libraries that run in the engine's context.
abstract contract CrossmarginLiquidation is CrossmarginStorage, ICrossmarginLiquidation {
    /// @dev The quote token, also in `s.quoteToken` (read by the linked libraries and the risk
    ///      module): the hot paths pass this copy so that they read no storage slot for it.
    address internal immutable _quoteToken;

    constructor(address quote) {
        _quoteToken = quote;
    }

    /// @dev Whether `token` is the quote token, without a storage read.
    function _isQuote(address token) internal view returns (bool) {
        return token == _quoteToken;
    }

    /// @dev Settles with the quote token from the immutable copy; the keeper is `msg.sender`.
    function _settle(
        uint256 account,
        uint256 marketId,
        uint80 roundId,
        uint80 proof
    ) private returns (bool) {
        return OrderLogic.settle(s, account, marketId, roundId, proof, address(OrderLogic));
    }

    /// @inheritdoc ICrossmarginLiquidation
    function liquidate(
        uint256 account,
        uint256 maxNotionalUsd
    ) external nonReentrant returns (uint256 notionalClosed, uint256 keeperReward) {
        return LiquidationLogic.liquidate(s, account, maxNotionalUsd, _quoteToken);
    }

    /// @inheritdoc ICrossmarginLiquidation
    function liquidateCollateral(
        uint256 account,
        address token,
        uint256 maxRepay
    ) external nonReentrant returns (uint256 repaid, uint256 seized) {
        return LiquidationLogic.liquidateCollateral(s, account, token, maxRepay, msg.sender);
    }

    /// @inheritdoc ICrossmarginLiquidation
    function autoDeleverage(
        uint256 account,
        uint256 marketId
    ) external nonReentrant returns (uint256 closed, uint256 reward) {
        return AdlLogic.deleverage(s, account, marketId, msg.sender);
    }

    /// @inheritdoc ICrossmarginLiquidation
    function commitOrder(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 settlementDeadline
    ) external nonReentrant {
        _authorize(account);
        _commit(account, marketId, sizeDelta, acceptablePrice, settlementDeadline);
    }

    /// @dev `commitOrder` after authorisation, for it and for `multicall`.
    function _commit(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 settlementDeadline
    ) internal {
        if (acceptablePrice == 0) revert SlippageBoundRequired(); // INV-40
        OrderLogic.commit(s, account, marketId, sizeDelta, acceptablePrice, settlementDeadline);
    }

    /// @inheritdoc ICrossmarginLiquidation
    function settleOrder(
        uint256 account,
        uint256 marketId,
        uint80 roundId
    ) external nonReentrant returns (bool) {
        return _settle(account, marketId, roundId, 0);
    }

    /// @inheritdoc ICrossmarginLiquidation
    function settleOrderAcrossPhase(
        uint256 account,
        uint256 marketId,
        uint80 roundId,
        uint80 lastRoundOfPreviousPhase
    ) external nonReentrant returns (bool) {
        return _settle(account, marketId, roundId, lastRoundOfPreviousPhase);
    }

    /// @inheritdoc ICrossmarginLiquidation
    function cancelOrder(uint256 account, uint256 marketId) external nonReentrant {
        bool authorised = _isAuthorized(account, msg.sender);
        OrderLogic.cancel(s, account, marketId, msg.sender, authorised);
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title ICrossmarginSettlementCallback
/// @notice What a contract registered with `ICrossmargin.setSettlementCallback` receives when a
///         delayed order of the account is settled (docs/integration.md, "Settlement callback").
/// @dev Called by the engine after the settlement is final (position, balances and the keeper's
///      fee are all written), with exactly 200,000 gas (`OrderLogic.SETTLEMENT_CALLBACK_GAS`), inside the engine's
///      reentrancy lock: engine views may be read, but any call that changes engine state
///      reverts. A revert or running out of gas is caught (`SettlementCallbackFailed`) and never
///      undoes or blocks the settlement.
interface ICrossmarginSettlementCallback {
    /// @notice A delayed order of `account` in `marketId` left the book at settlement.
    /// @param account The account id.
    /// @param marketId The market.
    /// @param filled True if it filled; false if it was cancelled at settlement (slippage,
    ///        margin, reduce-only with nothing to reduce, or governance).
    /// @param sizeDelta The size it filled (size WAD, signed; 0 when not filled).
    /// @param settlementPrice The oracle price of its settlement round (price WAD; 0 when
    ///        cancelled by governance before a price was read).
    function onOrderSettled(
        uint256 account,
        uint256 marketId,
        bool filled,
        int256 sizeDelta,
        uint256 settlementPrice
    ) external;
}

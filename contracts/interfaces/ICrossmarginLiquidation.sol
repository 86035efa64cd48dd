// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Order} from "../libraries/Types.sol";

/// @title ICrossmarginLiquidation
/// @notice What keepers call: liquidations and the settlement of delayed orders.
interface ICrossmarginLiquidation {
    /// @notice Liquidates an account with equity < MM. Closes positions at the oracle price,
    ///         largest maintenance requirement first, until equity >= MM * (1 + buffer) or all
    ///         are closed; settles bad debt when nothing is left. Never reverts for a
    ///         liquidatable account; reverts `NotLiquidatable` for a healthy one.
    /// @param maxNotionalUsd Bound on the notional closed in this call (0 = none).
    /// @return notionalClosed USD WAD closed.
    /// @return keeperReward Quote units paid to the caller.
    function liquidate(
        uint256 account,
        uint256 maxNotionalUsd
    ) external returns (uint256 notionalClosed, uint256 keeperReward);

    /// @notice Repays quote debt of a liquidatable account and takes collateral `token` at its
    ///         oracle price less its liquidation discount (close factor rules as Aave's).
    function liquidateCollateral(
        uint256 account,
        address token,
        uint256 maxRepay
    ) external returns (uint256 repaid, uint256 seized);

    /// @notice Auto-deleveraging, the pool's last resort (INV-49 to INV-52). While
    ///         `poolValue < floorRatio * poolBalance`, closes part of `account`'s profitable
    ///         position in `marketId` on the side of the market's skew, at the oracle price, by at
    ///         most what brings the pool back to its floor. Pays the caller a bounded reward out of
    ///         the profit closed. Keepers pick candidates by descending `score` (docs/math.md).
    /// @return closed Size closed (unsigned, size WAD).
    /// @return reward Quote units paid to the caller.
    function autoDeleverage(
        uint256 account,
        uint256 marketId
    ) external returns (uint256 closed, uint256 reward);

    /// @notice The pool's value and balance (quote units) and the profit (quote units) traders
    ///         must realise to bring the pool back to its ADL floor; 0 when ADL is not allowed.
    function adlNeed() external view returns (int256 poolValue, int256 poolBalance, uint256 needed);

    /// @notice Records a delayed order that fills at the first oracle round published at least
    ///         the market's `minOrderDelay` after now (fixed at commit, INV-38). Reserves its
    ///         margin and the keeper fee; a reducing order is stored reduce-only (INV-36) and
    ///         needs equity covering its keeper fee (INV-35). `acceptablePrice` is required: 0
    ///         reverts `SlippageBoundRequired` (INV-40).
    function commitOrder(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 settlementDeadline
    ) external;

    /// @notice Fills a pending order at round `roundId`, which must be the first round after the
    ///         commit's round published at or after the order's earliest settlement time, with
    ///         its predecessor present (INV-37). If the price is beyond the acceptable price or
    ///         the margin no longer holds, the order is cancelled instead. The caller is paid the
    ///         keeper fee charged, capped by the account's equity (INV-35); a reduce-only order
    ///         is clamped to the position left (INV-36); an order blocked by a pause or status
    ///         change is cancelled for free and the caller is not paid (INV-38).
    /// @return filled True when the order filled, false when it was cancelled.
    function settleOrder(
        uint256 account,
        uint256 marketId,
        uint80 roundId
    ) external returns (bool filled);

    /// @notice `settleOrder` for a round that opens a Chainlink phase (aggregator round id 1):
    ///         `lastRoundOfPreviousPhase` must be the last round of the previous phase, at or
    ///         after the commit's round, older than the earliest settlement time (INV-37).
    function settleOrderAcrossPhase(
        uint256 account,
        uint256 marketId,
        uint80 roundId,
        uint80 lastRoundOfPreviousPhase
    ) external returns (bool filled);

    /// @notice After its deadline anyone may cancel an order and is paid its keeper fee (capped
    ///         by equity); before that the owner or an operator may cancel while no settlement
    ///         price exists, paying the keeper fee to the insurance fund (INV-38). Free while a
    ///         pause or status change blocks the order.
    function cancelOrder(uint256 account, uint256 marketId) external;

    /// @notice Internal step of `settleOrder`, callable only by the engine itself (so that a
    ///         failed fill can be rolled back and turned into a cancellation).
    function executeOrderFill(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 price
    ) external;

    /// @notice A pending order and what a keeper can do with it now.
    /// @return order The order (zero if none).
    /// @return settleable True when a settlement round exists and the order has not expired.
    /// @return cancellable True when anyone may cancel it (expired).
    /// @return settlementRound The round to pass to `settleOrder` (0 if none yet).
    /// @return phaseProof 0, or the last round of the previous phase: then settle with
    ///         `settleOrderAcrossPhase(account, marketId, settlementRound, phaseProof)`.
    function orderStatus(
        uint256 account,
        uint256 marketId
    )
        external
        view
        returns (
            Order memory order,
            bool settleable,
            bool cancellable,
            uint80 settlementRound,
            uint80 phaseProof
        );
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title ICrossmarginLiquidation
/// @notice What keepers call: liquidations and the settlement of delayed orders.
interface ICrossmarginLiquidation {
    /// @notice Liquidates an account with equity < MM. Closes positions at the oracle price,
    ///         largest maintenance requirement first, until equity >= MM * (1 + buffer) or all
    ///         are closed; settles bad debt when nothing is left. Never reverts for a
    ///         liquidatable account; reverts `NotLiquidatable` for a healthy one. Permissionless.
    ///         Cancels the account's pending orders first; if the account has a reserve that can
    ///         restore it, tops it up instead (the caller earns the top-up fee) and returns
    ///         (0, 0). A market with a stale feed is not closed; a call that can close nothing
    ///         else reverts with the feed's `OracleStale`. The reward and the fund's penalty are
    ///         capped by what the account can pay (`LiquidationFeePaid`).
    /// @param account The account id.
    /// @param maxNotionalUsd Bound on the notional closed in this call (USD WAD; 0 = none).
    /// @return notionalClosed USD WAD closed.
    /// @return keeperReward Quote units paid to the caller.
    function liquidate(
        uint256 account,
        uint256 maxNotionalUsd
    ) external returns (uint256 notionalClosed, uint256 keeperReward);

    /// @notice Repays quote debt of a liquidatable account and takes collateral `token` at its
    ///         oracle price less its liquidation discount (close factor rules as Aave's).
    ///         The caller pays `repaid` quote tokens (approve the engine first) and receives
    ///         `seized`. Per account and window at most half the debt at the window's first
    ///         collateral liquidation, all of it below `closeFactorHfThreshold` or for a small
    ///         debt (INV-33). Reverts `UnknownToken`, `ZeroAmount`, `NoDebt`, `NotLiquidatable`,
    ///         `NothingToSeize`, and on an unusable feed of the token. An account left with debt
    ///         but no positions and no collateral has the debt settled (`BadDebtSettled`).
    /// @param account The account id.
    /// @param token The collateral to take.
    /// @param maxRepay Most quote units the caller will repay (non-zero).
    /// @return repaid Quote units repaid (paid by the caller).
    /// @return seized Token units of `token` sent to the caller.
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
    ///         Permissionless. Reverts `AdlDisabled`, `UnknownMarket`, `MarketSettled`,
    ///         `AdlNotNeeded`, `AdlAccountLiquidatable`, `AdlNotOnSkewSide`, `AdlNotInProfit`,
    ///         and `WouldBecomeLiquidatable` if the close would leave the account liquidatable.
    /// @param account The account id.
    /// @param marketId The market of the position to reduce.
    /// @return closed Size closed (unsigned, size WAD).
    /// @return reward Quote units paid to the caller.
    function autoDeleverage(
        uint256 account,
        uint256 marketId
    ) external returns (uint256 closed, uint256 reward);

    /// @notice Records a delayed order that fills at the first oracle round published at least
    ///         the market's `minOrderDelay` after now (fixed at commit, INV-38). Reserves its
    ///         margin and the keeper fee; a reducing order is stored reduce-only (INV-36) and
    ///         needs equity covering its keeper fee (INV-35). `acceptablePrice` is required: 0
    ///         reverts `SlippageBoundRequired` (INV-40). The keeper fee is `orderKeeperFee` in
    ///         quote units, rounded up. Owner or operator (`Unauthorized`). Reverts
    ///         `ZeroSizeDelta`, `UnknownMarket`, `MarketPaused`, `MarketSettled`, `OrderExists`,
    ///         `InvalidOrderDeadline`, `InsufficientMargin`, on an unusable feed, and for an
    ///         order that adds risk `MarketReduceOnly` and `ProtocolPaused`.
    /// @param account The account id.
    /// @param marketId The market.
    /// @param sizeDelta The order's size (size WAD, signed; positive buys).
    /// @param acceptablePrice Worst fill price accepted (price WAD, non-zero).
    /// @param settlementDeadline Last timestamp at which the order may settle (unix seconds),
    ///        within `(now + minOrderDelay, now + maxOrderAge]`.
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
    ///         change is cancelled for free and the caller is not paid (INV-38). Permissionless.
    ///         Reverts `NoOrder`, `OrderExpired`, the round errors (`RoundTooEarly`,
    ///         `RoundBeforeCommit`, `InvalidPhaseProof`, `RoundPredecessorMissing`,
    ///         `RoundNotFirst`); a fill that fails for a reason that is not the order's (out of
    ///         gas, an oracle or sequencer failure) reverts rather than cancel. `orderStatus`
    ///         gives the round to use.
    /// @param account The account id.
    /// @param marketId The market.
    /// @param roundId The settlement round (the feed's full round id, phase included).
    /// @return filled True when the order filled, false when it was cancelled.
    function settleOrder(
        uint256 account,
        uint256 marketId,
        uint80 roundId
    ) external returns (bool filled);

    /// @notice `settleOrder` for a round that opens a Chainlink phase (aggregator round id 1):
    ///         `lastRoundOfPreviousPhase` must be the last round of the previous phase, at or
    ///         after the commit's round, older than the earliest settlement time (INV-37).
    ///         Reverts as `settleOrder`.
    /// @param account The account id.
    /// @param marketId The market.
    /// @param roundId The settlement round, the first of its phase.
    /// @param lastRoundOfPreviousPhase The last round of the previous phase (the phase proof).
    /// @return filled True when the order filled, false when it was cancelled.
    function settleOrderAcrossPhase(
        uint256 account,
        uint256 marketId,
        uint80 roundId,
        uint80 lastRoundOfPreviousPhase
    ) external returns (bool filled);

    /// @notice After its deadline anyone may cancel an order and is paid its keeper fee (capped
    ///         by equity); before that the owner or an operator may cancel while no settlement
    ///         price exists, paying the keeper fee to the insurance fund (INV-38). Free while a
    ///         pause or status change blocks the order. Reverts `NoOrder`; `OrderNotExpired` for
    ///         anyone else before the deadline; `SettlementPriceExists` for the owner once a
    ///         settlement round exists (settle it instead).
    /// @param account The account id.
    /// @param marketId The market.
    function cancelOrder(uint256 account, uint256 marketId) external;
}

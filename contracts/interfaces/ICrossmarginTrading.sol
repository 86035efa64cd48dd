// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title ICrossmarginTrading
/// @notice The engine's vault and trading entry points: deposits, withdrawals, trades, the
///         multicall and the liquidity pool's hooks. The engine (`Crossmargin`) implements them
///         in its own code; `ICrossmargin` is the whole interface at the engine's address.
/// @dev Accounts are `uint256(owner) << 8 | subAccount` (sub-accounts 0..255). USD values,
///      prices and sizes are 18-decimal; token amounts are in the token's own decimals.
interface ICrossmarginTrading {
    enum ActionKind {
        Deposit,
        Withdraw,
        ModifyPosition,
        CommitOrder,
        CancelOrder
    }

    /// @notice One step of a `multicall`; each kind reads only its own fields, the rest must be
    ///         left zero by convention (they are ignored):
    ///         - Deposit: `token`, `amount` (token units, paid by the caller);
    ///         - Withdraw: `token`, `amount` (token units), `recipient` (paid after the check);
    ///         - ModifyPosition: `marketId`, `sizeDelta`, `acceptablePrice`;
    ///         - CommitOrder: `marketId`, `sizeDelta`, `acceptablePrice`, `settlementDeadline`;
    ///         - CancelOrder: `marketId`.
    struct Action {
        ActionKind kind;
        address token;
        address recipient;
        uint256 marketId;
        uint256 amount; // token units (Deposit, Withdraw)
        int256 sizeDelta; // size WAD, signed (ModifyPosition, CommitOrder)
        uint256 acceptablePrice; // price WAD (ModifyPosition, CommitOrder)
        uint256 settlementDeadline; // unix seconds (CommitOrder)
    }

    // --- vault ---

    /// @notice Deposits into the caller's own sub-account; the caller pays (approve the engine
    ///         first). Credits exactly what arrived (a fee-on-transfer token credits less).
    ///         Reverts `ZeroAmount` (0, or nothing arrived), `AmountTooLarge` (above uint128),
    ///         `UnknownToken`, `DepositCapExceeded` and `TooManyCollaterals` (a ninth collateral
    ///         type). Not blocked by the pause.
    /// @param subAccount The caller's sub-account (0 .. 255).
    /// @param token The quote token or a listed collateral.
    /// @param amount Token units to transfer from the caller.
    /// @return received Token units credited.
    function deposit(
        uint8 subAccount,
        address token,
        uint256 amount
    ) external returns (uint256 received);

    /// @notice Deposits into any account; the caller pays. Credits exactly what arrived.
    ///         Anyone may deposit the quote token or more of a collateral the account already
    ///         holds; adding a collateral type needs the owner or an operator (`Unauthorized`).
    ///         Reverts like `deposit`, and `InvalidAccount` for an invalid account id.
    /// @param account The account id credited.
    /// @param token The quote token or a listed collateral.
    /// @param amount Token units to transfer from the caller.
    /// @return received Token units credited.
    function depositFor(
        uint256 account,
        address token,
        uint256 amount
    ) external returns (uint256 received);

    /// @notice Withdraws to `to`; the account must meet its initial margin afterwards
    ///         (`InsufficientMargin`; pending orders count towards IM). Owner or operator
    ///         (`Unauthorized`). Reverts `InvalidRecipient` (zero or the engine), `ZeroAmount`,
    ///         `UnknownToken`, `InsufficientBalance` (the quote token: at most the positive quote
    ///         balance), `DebtOutstanding` (a collateral while the quote balance is negative),
    ///         and on an unusable feed of a market the account holds.
    /// @param account The account id.
    /// @param token The quote token or a listed collateral.
    /// @param amount Token units to withdraw.
    /// @param to The recipient.
    function withdraw(uint256 account, address token, uint256 amount, address to) external;

    // --- trading ---

    /// @notice Trades `sizeDelta` in `marketId`. `acceptablePrice` is the worst fill (a buy's
    ///         highest, a sell's lowest) and is required: 0 reverts `SlippageBoundRequired`
    ///         (INV-40). The fill uses the block-start skew when that is worse (docs/math.md).
    ///         Owner or operator (`Unauthorized`). Reverts `DeadlineExpired`, `ZeroSizeDelta`,
    ///         `UnknownMarket`, `MarketPaused`, `SlippageExceeded`, `TooManyPositions`; a trade
    ///         that grows or flips the position also `MarketReduceOnly`, `MarketSettled`,
    ///         `ProtocolPaused`, `InstantTradingDisabled`, `OpenInterestCapExceeded`,
    ///         `NetExposureExceeded` and `InsufficientMargin` (equity < IM after); a reducing
    ///         one `WouldBecomeLiquidatable`. On a settled market a reducing trade fills at the
    ///         settlement price without fee.
    /// @param account The account id.
    /// @param marketId The market.
    /// @param sizeDelta Size change (size WAD, signed; positive buys, negative sells).
    /// @param acceptablePrice Worst fill price accepted (price WAD, non-zero).
    /// @param deadline Last timestamp at which the trade may execute (unix seconds).
    function modifyPosition(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 deadline
    ) external;

    /// @notice Several actions on one account with a single margin check at the end: IM if any
    ///         action added risk (a withdrawal, a trade that grows or flips a position) or touched
    ///         an order (commit, cancel), else the reducing rule. Deposits are paid by the caller;
    ///         withdrawals are paid to their `recipient` after the check. A commit also runs its
    ///         own check (as `commitOrder`), against the state the earlier actions left. Owner or
    ///         operator (`Unauthorized`); each action reverts as its single-call form (`deposit`,
    ///         `withdraw`, `modifyPosition`, `commitOrder`, `cancelOrder`).
    /// @param account The account id.
    /// @param actions The steps, in order (see `Action`).
    /// @param deadline Last timestamp at which the call may execute (unix seconds).
    function multicall(uint256 account, Action[] calldata actions, uint256 deadline) external;

    // --- liquidity pool hooks ---

    /// @notice Credits `assets` quote tokens (already transferred to the engine) to the pool.
    ///         Liquidity pool only (`OnlyPool`).
    /// @param assets Quote units credited to the pool's balance.
    function poolDeposit(uint256 assets) external;

    /// @notice Pays `assets` of the pool's quote tokens to `receiver`. Liquidity pool only
    ///         (`OnlyPool`); at most `poolWithdrawable()` (`InsufficientPoolLiquidity`).
    /// @param receiver The recipient.
    /// @param assets Quote units to pay.
    function poolWithdraw(address receiver, uint256 assets) external;
}

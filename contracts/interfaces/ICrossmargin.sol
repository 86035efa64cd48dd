// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ICrossmarginAdmin} from "./ICrossmarginAdmin.sol";
import {ICrossmarginLiquidation} from "./ICrossmarginLiquidation.sol";
import {
    AccountData,
    AccountLiquidation,
    CollateralConfig,
    Health,
    MarketConfig,
    MarketState,
    Order,
    Position
} from "../libraries/Types.sol";

/// @title ICrossmargin
/// @notice The cross-margin engine: a shared multi-collateral vault, perpetual markets as data,
///         one margin check over everything an account holds, and permissionless liquidation.
/// @dev Accounts are `uint256(owner) << 8 | subAccount` (sub-accounts 0..255). Margin is
///      shared inside an account and isolated across accounts. USD values, prices and sizes are
///      18-decimal; token amounts are in the token's own decimals.
interface ICrossmargin is ICrossmarginLiquidation, ICrossmarginAdmin {
    enum ActionKind {
        Deposit,
        Withdraw,
        ModifyPosition
    }

    /// @notice One step of a `multicall`. Deposit/Withdraw use `token` and `amount` (> 0);
    ///         ModifyPosition uses `marketId`, `amount` as the signed size delta and `acceptablePrice`.
    struct Action {
        ActionKind kind;
        address token;
        uint256 marketId;
        int256 amount;
        uint256 acceptablePrice;
    }

    // --- accounts ---

    /// @notice The account id of `owner`'s sub-account `subAccount`.
    function accountId(address owner, uint8 subAccount) external pure returns (uint256);

    /// @notice The owner encoded in an account id.
    function ownerOf(uint256 account) external pure returns (address);

    /// @notice Lets `operator` trade and withdraw for `account` (owner only).
    function setOperator(uint256 account, address operator, bool approved) external;

    /// @notice `setOperator` authorised by the owner's EIP-712 signature (EOA or ERC-1271).
    function setOperatorWithSig(
        uint256 account,
        address operator,
        bool approved,
        uint256 deadline,
        bytes calldata signature
    ) external;

    function isOperator(uint256 account, address operator) external view returns (bool);

    // --- vault ---

    /// @notice Deposits into the caller's own sub-account.
    function deposit(
        uint8 subAccount,
        address token,
        uint256 amount
    ) external returns (uint256 received);

    /// @notice Deposits into any account; the caller pays. Credits exactly what arrived.
    ///         Anyone may deposit the quote token or more of a collateral the account already
    ///         holds; adding a collateral type needs the owner or an operator (`Unauthorized`).
    function depositFor(
        uint256 account,
        address token,
        uint256 amount
    ) external returns (uint256 received);

    /// @notice Withdraws to `to`; the account must meet its initial margin afterwards.
    function withdraw(uint256 account, address token, uint256 amount, address to) external;

    // --- trading ---

    /// @notice Trades `sizeDelta` in `marketId`. `acceptablePrice` is the worst fill (a buy's
    ///         highest, a sell's lowest) and is required: 0 reverts `SlippageBoundRequired`
    ///         (INV-40). The fill uses the block-start skew when that is worse (docs/math.md).
    function modifyPosition(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 deadline
    ) external;

    /// @notice Several actions on one account with a single margin check at the end.
    function multicall(uint256 account, Action[] calldata actions, uint256 deadline) external;

    // --- liquidity pool hooks ---

    /// @notice Credits `assets` quote tokens (already transferred to the engine) to the pool.
    function poolDeposit(uint256 assets) external;

    /// @notice Pays `assets` of the pool's quote tokens to `receiver`.
    function poolWithdraw(address receiver, uint256 assets) external;

    // --- views ---

    function quoteToken() external view returns (address);

    /// @notice Equity, IM and MM of `account` at the latest prices; reverts on any unusable
    ///         feed, a stale one included.
    function accountHealth(uint256 account) external view returns (Health memory);

    /// @notice Whether `liquidate` accepts `account`: equity < MM with a stale market valued
    ///         at its feed's last answer (docs/specs.md, INV-25).
    function isLiquidatable(uint256 account) external view returns (bool);

    function getAccount(uint256 account) external view returns (AccountData memory);

    function getPosition(uint256 account, uint256 marketId) external view returns (Position memory);

    function getOrder(uint256 account, uint256 marketId) external view returns (Order memory);

    /// @notice Sum of the negative quote balances (quote units): what traders owe the vault. The
    ///         vault owes traders `quote.balanceOf(engine) - poolBalance + traderDebt` (INV-46).
    function traderDebt() external view returns (uint256);

    /// @notice The account's liquidation window: notional closed and keeper rewards paid (for
    ///         the reward cap), and the debt at the window's start and repaid (close factor).
    function getAccountLiquidation(
        uint256 account
    ) external view returns (AccountLiquidation memory);

    function collateralBalance(uint256 account, address token) external view returns (uint256);

    function getCollateral(address token) external view returns (CollateralConfig memory);

    function collateralTokens() external view returns (address[] memory);

    function getMarket(uint256 marketId) external view returns (MarketConfig memory);

    function getMarketState(uint256 marketId) external view returns (MarketState memory);

    function marketCount() external view returns (uint256);

    function marketPrice(uint256 marketId) external view returns (uint256);

    function collateralPrice(address token) external view returns (uint256);

    /// @notice Funding rate and index as of now (not yet recorded).
    function currentFunding(uint256 marketId) external view returns (int256 rate, int256 index);

    /// @notice Fill price and fee of a hypothetical trade at the current oracle price, at the
    ///         effective skew of the current block (INV-40).
    function quoteTrade(
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fill, uint256 fee);

    function poolBalance() external view returns (int256);

    /// @notice Pool value in quote units: balance plus the traders' open losses minus open gains.
    function poolValue() external view returns (int256);

    /// @notice Quote units the pool may pay out now, keeping the reserve its open interest needs.
    function poolWithdrawable() external view returns (uint256);

    function pool() external view returns (address);

    function insuranceFund() external view returns (address);

    function paused() external view returns (bool);
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title IInsuranceFund
/// @notice Holds quote tokens that absorb bad debt before the liquidity pool does. Liquidation
///         fees flow in; governance may seed it; only the engine can draw quote tokens from it.
interface IInsuranceFund {
    /// @notice `cover` called by someone other than the engine.
    /// @param caller The refused `msg.sender`.
    error OnlyEngine(address caller);
    /// @notice A zero amount to seed, buy or release.
    error ZeroAmount();
    /// @notice A zero address (constructor arguments, or the recipient of a release).
    error ZeroAddress();
    /// @notice The quote token never leaves the fund except to the engine: it cannot be bought,
    ///         released or withdrawn from the engine by these paths.
    error QuoteTokenLocked();

    /// @notice Quote tokens added to the fund.
    /// @param from Who paid.
    /// @param amount Quote units added.
    event Seeded(address indexed from, uint256 amount);
    /// @notice The engine drew quote tokens to cover bad debt or buy collateral.
    /// @param requested Quote units asked for.
    /// @param paid Quote units sent to the engine (at most the fund's balance).
    event Covered(uint256 requested, uint256 paid);
    /// @notice Collateral left the fund: released by the admin, or withdrawn from the fund's
    ///         engine account.
    /// @param token The collateral token.
    /// @param to The recipient.
    /// @param amount Token units sent.
    event SeizedCollateralReleased(address indexed token, address indexed to, uint256 amount);
    /// @notice Anyone bought `amount` of the fund's `token` for `paid` quote units.
    /// @param buyer The caller, who paid and received the collateral.
    /// @param token The collateral token.
    /// @param amount Token units bought.
    /// @param paid Quote units paid.
    event CollateralBought(
        address indexed buyer,
        address indexed token,
        uint256 amount,
        uint256 paid
    );

    /// @notice `buyCollateral` would cost more than the buyer's bound.
    /// @param paid The cost now (quote units).
    /// @param maxPaid The buyer's bound (quote units).
    error SlippageExceeded(uint256 paid, uint256 maxPaid);

    /// @notice The engine this fund backs.
    /// @return The engine's address.
    function engine() external view returns (address);

    /// @notice The quote token.
    /// @return The quote token's address (the engine's quote token).
    function quoteToken() external view returns (address);

    /// @notice Quote tokens the fund holds (what `cover` can pay now).
    /// @return The fund's quote token balance (quote units).
    function balance() external view returns (uint256);

    /// @notice What the fund has: its balance plus the liquidation penalties the engine accrued
    ///         for it and has not swept yet (`insuranceAccrued`, INV-70). Anyone may sweep them
    ///         (`sweepInsuranceFund` on the engine); a bad-debt settlement sweeps first.
    /// @return Quote units.
    function holdings() external view returns (uint256);

    /// @notice Adds `amount` quote tokens from the caller (governance seeding; anyone may donate).
    ///         Approve the fund first. Reverts `ZeroAmount`.
    /// @param amount Quote units to transfer from the caller.
    function seed(uint256 amount) external;

    /// @notice Pays up to `amount` quote tokens to the engine; returns what it paid. Engine only
    ///         (`OnlyEngine`).
    /// @param amount Quote units asked for.
    /// @return paid Quote units sent: `min(amount, balance())`.
    function cover(uint256 amount) external returns (uint256 paid);

    /// @notice Buys `amount` of a collateral the fund holds (bought from bankrupt accounts) at
    ///         the engine's oracle price less half the token's liquidation discount, paying at
    ///         most `maxPaid` quote units (rounded up). Permissionless, so that the fund turns
    ///         seized collateral back into the quote token without an admin (INV-29). Reverts
    ///         `ZeroAmount`, `QuoteTokenLocked`, `SlippageExceeded`, and like the engine's
    ///         `collateralPrice` for an unlisted token or an unusable feed.
    /// @param token The collateral to buy.
    /// @param amount Token units to buy.
    /// @param maxPaid Most quote units the caller will pay.
    /// @return paid Quote units paid (`collateralCost(token, amount)`).
    function buyCollateral(
        address token,
        uint256 amount,
        uint256 maxPaid
    ) external returns (uint256 paid);

    /// @notice Quote units `buyCollateral(token, amount, ...)` costs now.
    /// @param token The collateral.
    /// @param amount Token units.
    /// @return The cost (quote units, rounded up).
    function collateralCost(address token, uint256 amount) external view returns (uint256);

    /// @notice Sends collateral seized from bankrupt accounts (never the quote token) to `to`,
    ///         so governance can sell it and seed the fund again. Admin only. Reverts
    ///         `QuoteTokenLocked`, `ZeroAddress` and `ZeroAmount`.
    /// @param token The collateral token.
    /// @param to The recipient.
    /// @param amount Token units to send.
    function releaseSeizedCollateral(address token, address to, uint256 amount) external;

    /// @notice Withdraws a collateral token held by the fund's own engine account (sub-account
    ///         0), e.g. one deposited to it with `depositFor`. (A collateral sale to the fund whose
    ///         token refuses the transfer is undone instead, so liquidation never credits it
    ///         there.) Admin only; never the quote token. Reverts `QuoteTokenLocked`,
    ///         `ZeroAddress`, `ZeroAmount` and as the engine's `withdraw`.
    /// @param token The collateral token.
    /// @param to The recipient.
    /// @param amount Token units to withdraw.
    function withdrawFromEngine(address token, address to, uint256 amount) external;
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title IInsuranceFund
/// @notice Holds quote tokens that absorb bad debt before the liquidity pool does. Liquidation
///         fees flow in; governance may seed it; only the engine can draw quote tokens from it.
interface IInsuranceFund {
    error OnlyEngine(address caller);
    error ZeroAmount();
    error ZeroAddress();
    error QuoteTokenLocked();

    event Seeded(address indexed from, uint256 amount);
    event Covered(uint256 requested, uint256 paid);
    event SeizedCollateralReleased(address indexed token, address indexed to, uint256 amount);
    /// @notice Anyone bought `amount` of the fund's `token` for `paid` quote units.
    event CollateralBought(
        address indexed buyer,
        address indexed token,
        uint256 amount,
        uint256 paid
    );

    error SlippageExceeded(uint256 paid, uint256 maxPaid);

    /// @notice The engine this fund backs.
    function engine() external view returns (address);

    /// @notice The quote token.
    function quoteToken() external view returns (address);

    /// @notice Quote tokens available to cover bad debt.
    function balance() external view returns (uint256);

    /// @notice Adds `amount` quote tokens from the caller (governance seeding; anyone may donate).
    function seed(uint256 amount) external;

    /// @notice Pays up to `amount` quote tokens to the engine; returns what it paid.
    function cover(uint256 amount) external returns (uint256 paid);

    /// @notice Buys `amount` of a collateral the fund holds (bought from bankrupt accounts) at
    ///         the engine's oracle price less half the token's liquidation discount, paying at
    ///         most `maxPaid` quote units (rounded up). Permissionless, so that the fund turns
    ///         seized collateral back into the quote token without an admin (INV-29).
    function buyCollateral(
        address token,
        uint256 amount,
        uint256 maxPaid
    ) external returns (uint256 paid);

    /// @notice Quote units `buyCollateral(token, amount, ...)` costs now.
    function collateralCost(address token, uint256 amount) external view returns (uint256);

    /// @notice Sends collateral seized from bankrupt accounts (never the quote token) to `to`,
    ///         so governance can sell it and seed the fund again. Admin only.
    function releaseSeizedCollateral(address token, address to, uint256 amount) external;

    /// @notice Withdraws collateral that a liquidation credited to the fund's own engine account
    ///         (sub-account 0) because the token refused a transfer to the fund. Admin only; never
    ///         the quote token.
    function withdrawFromEngine(address token, address to, uint256 amount) external;
}

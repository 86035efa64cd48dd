// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title IERC7540Operator
/// @notice ERC-7540 operators (ERC-165 id 0xe3bc4e65).
interface IERC7540Operator {
    /// @notice `controller` approved or revoked `operator`.
    /// @param controller The account granting the approval.
    /// @param operator The operator.
    /// @param approved True when approved, false when revoked.
    event OperatorSet(address indexed controller, address indexed operator, bool approved);

    /// @notice Lets `operator` manage the caller's requests (request, cancel and claim redeems
    ///         for it, and move its shares into a request without an allowance). In
    ///         `LiquidityPool`, reverts `SelfOperator` for the caller itself.
    /// @param operator The operator.
    /// @param approved True to approve, false to revoke.
    /// @return Always true.
    function setOperator(address operator, bool approved) external returns (bool);

    /// @notice Whether `operator` may act for `controller`.
    /// @param controller The account.
    /// @param operator The address to check.
    /// @return True when approved.
    function isOperator(address controller, address operator) external view returns (bool);
}

/// @title IERC7540Redeem
/// @notice ERC-7540 asynchronous redeem requests (ERC-165 id 0x620ee8e4).
interface IERC7540Redeem {
    /// @notice Shares moved into escrow as a redeem request.
    /// @dev The standard names the last field `assets`; for a redeem request it is shares.
    /// @param controller Who controls (claims or cancels) the request.
    /// @param owner Whose shares were escrowed.
    /// @param requestId The request id (always 0 in `LiquidityPool`: one aggregated request
    ///        per controller).
    /// @param sender The caller.
    /// @param assets The shares added to the request (share units).
    event RedeemRequest(
        address indexed controller,
        address indexed owner,
        uint256 indexed requestId,
        address sender,
        uint256 assets
    );

    /// @notice Moves `shares` from `owner` into escrow as a redeem request of `controller`,
    ///         claimable later through ERC-4626 `redeem` / `withdraw`. The caller is `owner`, an
    ///         operator of `owner`, or spends `owner`'s share allowance. In `LiquidityPool` the
    ///         shares become claimable after `redeemDelay` and stay so for `claimWindow`; adding
    ///         to an existing request restarts the delay for all its shares and needs the
    ///         controller or one of its operators.
    /// @param shares Shares to escrow (share units, non-zero).
    /// @param controller Who will claim the request (non-zero).
    /// @param owner Whose shares are escrowed.
    /// @return requestId The request id (0 in `LiquidityPool`).
    function requestRedeem(
        uint256 shares,
        address controller,
        address owner
    ) external returns (uint256 requestId);

    /// @notice Shares of a request still waiting for its delay.
    /// @param requestId The request id (only 0 is used in `LiquidityPool`).
    /// @param controller The request's controller.
    /// @return pendingShares Shares not yet claimable (share units; 0 once claimable or
    ///         expired).
    function pendingRedeemRequest(
        uint256 requestId,
        address controller
    ) external view returns (uint256 pendingShares);

    /// @notice Shares of a request that can be claimed now.
    /// @param requestId The request id (only 0 is used in `LiquidityPool`).
    /// @param controller The request's controller.
    /// @return claimableShares Shares claimable now (share units; 0 before the delay and after
    ///         the claim window).
    function claimableRedeemRequest(
        uint256 requestId,
        address controller
    ) external view returns (uint256 claimableShares);
}

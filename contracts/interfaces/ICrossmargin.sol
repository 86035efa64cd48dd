// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ICrossmarginErrors} from "./ICrossmarginErrors.sol";
import {ICrossmarginEvents} from "./ICrossmarginEvents.sol";
import {ICrossmarginExtension} from "./ICrossmarginExtension.sol";
import {ICrossmarginLiquidation} from "./ICrossmarginLiquidation.sol";
import {ICrossmarginTrading} from "./ICrossmarginTrading.sol";

/// @title ICrossmargin
/// @notice The cross-margin engine: a shared multi-collateral vault, perpetual markets as data,
///         one margin check over everything an account holds, and permissionless liquidation.
///         This is the whole interface at the engine's address, and what integrators use.
/// @dev Accounts are `uint256(owner) << 8 | subAccount` (sub-accounts 0..255). Margin is
///      shared inside an account and isolated across accounts. USD values, prices and sizes are
///      18-decimal; token amounts are in the token's own decimals. The interface carries the
///      engine's events and errors (the oracle's included), so its ABI alone decodes logs and
///      reverts. Two contracts answer at the engine's address (docs/engine.md):
///      the engine's own code (`ICrossmarginTrading`, `ICrossmarginLiquidation` and
///      `IAccessControl`: every path that moves value) and, through its fallback, the extension
///      (`ICrossmarginExtension`: operators, governance, views). The risk module's functions
///      (`ICrossmarginRisk`) answer there too.
interface ICrossmargin is
    IERC165,
    IAccessControl,
    ICrossmarginErrors,
    ICrossmarginEvents,
    ICrossmarginTrading,
    ICrossmarginLiquidation,
    ICrossmarginExtension
{
    // --- OpenZeppelin's errors the engine's paths can revert with (declared where the engine
    // inherits them, repeated here so that this interface decodes every revert) ---

    /// @notice A call re-entered the engine (`ReentrancyGuardTransient`).
    error ReentrancyGuardReentrantCall();
    /// @notice A token transfer failed or returned false (`SafeERC20`).
    /// @param token The token.
    error SafeERC20FailedOperation(address token);
    /// @notice A value did not fit the signed type it was cast to (`SafeCast`).
    /// @param value The value.
    error SafeCastOverflowedUintToInt(uint256 value);
    /// @notice A value did not fit the narrower unsigned type it was cast to (`SafeCast`).
    /// @param bits The target width.
    /// @param value The value.
    error SafeCastOverflowedUintDowncast(uint8 bits, uint256 value);
    /// @notice A value did not fit the narrower signed type it was cast to (`SafeCast`).
    /// @param bits The target width.
    /// @param value The value.
    error SafeCastOverflowedIntDowncast(uint8 bits, int256 value);

    /* solhint-disable func-name-mixedcase */
    /// @notice The role that administers every role and the protocol's addresses.
    /// @return bytes32(0).
    function DEFAULT_ADMIN_ROLE() external view returns (bytes32);
    /* solhint-enable func-name-mixedcase */

    /// @notice The extension (`CrossmarginExtension`) that the engine's fallback delegates to.
    /// @return The extension's address.
    function extension() external view returns (address);
}

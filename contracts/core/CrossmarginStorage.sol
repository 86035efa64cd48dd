// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICrossmarginErrors} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents} from "../interfaces/ICrossmarginEvents.sol";
import {Store} from "../types/Store.sol";
import {AccountIds} from "../libraries/AccountIds.sol";

/// @title CrossmarginStorage
/// @notice The engine's storage layout and roles, shared by the engine and its risk module
///         (`CrossmarginRisk`, which runs by delegatecall): AccessControl's role mapping in slot
///         0, then `Store`. Both inherit it first, so the layout is the same by construction.
abstract contract CrossmarginStorage is
    AccessControl,
    ReentrancyGuardTransient,
    ICrossmarginErrors,
    ICrossmarginEvents
{
    /// @dev The roles' ids; the extension answers `RISK_MANAGER_ROLE()` and `GUARDIAN_ROLE()`, so
    ///      that the engine's own selector table holds only the paths that move value.
    bytes32 internal constant RISK_MANAGER = keccak256("RISK_MANAGER_ROLE");
    bytes32 internal constant GUARDIAN = keccak256("GUARDIAN_ROLE");

    Store internal s;

    // ------------------------------------------------------------------ accounts
    // The account rule itself lives in `AccountIds`, shared with the libraries.

    /// @dev The owner an account id encodes (`AccountIds.ownerOf`): reverts `InvalidAccount`
    ///      for an id above 168 bits or with a zero owner.
    function _ownerOf(uint256 account) internal pure returns (address) {
        return AccountIds.ownerOf(account);
    }

    /// @dev Whether `caller` is the account's owner or one of its operators.
    function _isAuthorized(uint256 account, address caller) internal view returns (bool) {
        return _ownerOf(account) == caller || s.operators[account][caller];
    }

    /// @dev Reverts `Unauthorized` unless the sender is the account's owner or an operator.
    function _authorize(uint256 account) internal view {
        if (!_isAuthorized(account, msg.sender)) revert Unauthorized(msg.sender, account);
    }
}

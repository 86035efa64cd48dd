// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {CrossmarginStorage} from "./CrossmarginStorage.sol";

/// @title CrossmarginModule
/// @notice What the engine's modules (`CrossmarginExtension`, `CrossmarginRisk`) share: they run
///         only by delegatecall, on the engine's storage (INV-72).
/// @dev At a module's own address its storage is its own and empty: every function that writes
///      refuses to run there (`NotDelegated`), through `delegated`, `_checkDelegated` or, for a
///      role-gated one, `_checkRole`.
abstract contract CrossmarginModule is CrossmarginStorage {
    address private immutable _self = address(this);

    modifier delegated() {
        _checkDelegated();
        _;
    }

    /// @dev A role check is a delegation check first: `onlyRole` setters refuse to run at the
    ///      module's own address.
    function _checkRole(bytes32 role) internal view override {
        _checkDelegated();
        super._checkRole(role);
    }

    /// @dev Reverts `NotDelegated` unless the call runs on the engine's storage.
    function _checkDelegated() internal view {
        if (address(this) == _self) revert NotDelegated();
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title Delegation
/// @notice How the engine reaches its modules: the engine's fallback runs the extension, the
///         extension's the risk module, each on the engine's storage.
library Delegation {
    /// @notice Runs this call's calldata in `module` by delegatecall and ends the call with the
    ///         module's return data, or reverts with its revert data.
    /// @dev Uses memory past the free-memory pointer and never keeps it (memory-safe).
    function forward(address module) internal {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            let ok := delegatecall(gas(), module, ptr, calldatasize(), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) {
                revert(ptr, returndatasize())
            }
            return(ptr, returndatasize())
        }
    }
}

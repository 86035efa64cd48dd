// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @notice A feed that answers every call with bytes the test chooses, or reverts with them.
contract RawFeed {
    bytes private _reply;
    bool private _reverts;

    function set(bytes calldata reply, bool reverts) external {
        _reply = reply;
        _reverts = reverts;
    }

    // solhint-disable-next-line no-complex-fallback
    fallback(bytes calldata) external returns (bytes memory) {
        bytes memory r = _reply;
        if (_reverts) {
            // solhint-disable-next-line no-inline-assembly
            assembly {
                revert(add(r, 32), mload(r))
            }
        }
        return r;
    }
}

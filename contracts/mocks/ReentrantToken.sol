// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice ERC-20 whose next transfer (not a mint) calls `hookTarget` with `hookData` from the token's
///         own address, like an ERC-777 / ERC-1363 hook run by a malicious token. The hook fires
///         once per `arm`. With `bubble` the hook's revert aborts the transfer; without it the
///         revert data is kept in `lastRevert` and the transfer goes through. A successful
///         call's return data (e.g. a view read mid-operation) is kept in `lastReturn`.
contract ReentrantToken is ERC20 {
    address public hookTarget;
    bytes public hookData;
    bool public bubble;
    bool public armed;
    bool public hookCalled;
    bool public hookSucceeded;
    bytes public lastRevert;
    bytes public lastReturn;

    constructor() ERC20("Reentrant Token", "REE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata data_, bool bubble_) external {
        hookTarget = target_;
        hookData = data_;
        bubble = bubble_;
        armed = true;
        hookCalled = false;
        hookSucceeded = false;
        delete lastRevert;
        delete lastReturn;
    }

    /// @notice Lets the token's own address (the hook's msg.sender) spend its balance.
    function approveFromToken(address spender, uint256 amount) external {
        _approve(address(this), spender, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (!armed || from == address(0)) return;
        armed = false;
        hookCalled = true;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = hookTarget.call(hookData);
        hookSucceeded = ok;
        if (ok) {
            lastReturn = ret;
            return;
        }
        lastRevert = ret;
        if (bubble) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}

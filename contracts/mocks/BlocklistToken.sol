// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice ERC-20 with a USDC-style blocklist: any transfer from or to a blocked address reverts
///         (mints included), to test that the engine fails cleanly for the blocked party only.
contract BlocklistToken is ERC20 {
    error Blocked(address account);

    uint8 private immutable _decimals;
    mapping(address => bool) public blocked;

    constructor(uint8 decimals_) ERC20("Blocklist Token", "BLK") {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert Blocked(from);
        if (blocked[to]) revert Blocked(to);
        super._update(from, to, value);
    }
}

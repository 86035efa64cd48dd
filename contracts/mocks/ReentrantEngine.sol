// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @notice A stand-in for the engine with just what LiquidityPool and InsuranceFund call:
///         `quoteToken`, `poolValue`, `poolWithdrawable`, `poolDeposit`, `poolWithdraw` (a plain
///         ledger of the pool's quote tokens) and `withdraw`. Once armed, the next of the
///         state-changing calls first calls `hookTarget` with `hookData` and bubbles its revert,
///         like a malicious engine re-entering its caller.
contract ReentrantEngine {
    using SafeERC20 for IERC20;

    address public immutable quoteToken;
    uint256 public poolBalance;
    address public hookTarget;
    bytes public hookData;
    bool public armed;

    constructor(address quote) {
        quoteToken = quote;
    }

    function arm(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
        armed = true;
    }

    function disarm() external {
        armed = false;
    }

    function poolValue() external view returns (int256) {
        return int256(poolBalance);
    }

    function poolWithdrawable() external view returns (uint256) {
        return poolBalance;
    }

    function poolDeposit(uint256 assets) external {
        _hook();
        poolBalance += assets;
    }

    function poolWithdraw(address receiver, uint256 assets) external {
        _hook();
        poolBalance -= assets;
        IERC20(quoteToken).safeTransfer(receiver, assets);
    }

    function withdraw(uint256, address, uint256, address) external {
        _hook();
    }

    function _hook() private {
        if (!armed) return;
        armed = false;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = hookTarget.call(hookData);
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}

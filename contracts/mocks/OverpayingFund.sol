// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @notice An insurance fund that sends the engine what it asks for but reports paying more
///         (`cover` returns `amount + extra`), to test that the engine caps what it books.
contract OverpayingFund {
    using SafeERC20 for IERC20;

    address public immutable engine;
    address public immutable quoteToken;
    uint256 public immutable extra;

    constructor(address engine_, address quote, uint256 extra_) {
        engine = engine_;
        quoteToken = quote;
        extra = extra_;
    }

    function cover(uint256 amount) external returns (uint256) {
        IERC20(quoteToken).safeTransfer(engine, amount);
        return amount + extra;
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ICrossmargin} from "../interfaces/ICrossmargin.sol";
import {MockERC20} from "./MockERC20.sol";

/// @notice Creates many accounts in one transaction, for keeper benchmarks on local networks.
///         `depositMany` funds accounts of synthetic owners (deposit-only, healthy);
///         `openMany` funds the farm's own sub-accounts and opens a position in each, so that
///         the keeper's health scan has real positions to price. Mints the mock tokens itself.
contract MockAccountFarm {
    ICrossmargin public immutable engine;

    constructor(ICrossmargin engine_) {
        engine = engine_;
    }

    /// @notice Deposits `amount` of `token` into sub-account 0 of owners
    ///         `firstOwner .. firstOwner + count - 1` (owner addresses taken as integers).
    function depositMany(
        MockERC20 token,
        uint160 firstOwner,
        uint256 count,
        uint256 amount
    ) external {
        token.mint(address(this), amount * count);
        token.approve(address(engine), amount * count);
        for (uint256 i; i < count; ++i) {
            uint256 account = uint256(firstOwner + uint160(i)) << 8;
            engine.depositFor(account, address(token), amount);
        }
    }

    /// @notice For sub-accounts `firstSub .. firstSub + count - 1` of this farm: deposits
    ///         `amount` of `token` and trades `size` in `marketId`, alternating long and short so
    ///         that the market's skew stays flat.
    function openMany(
        MockERC20 token,
        uint256 amount,
        uint8 firstSub,
        uint256 count,
        uint256 marketId,
        int256 size
    ) external {
        token.mint(address(this), amount * count);
        token.approve(address(engine), amount * count);
        for (uint256 i; i < count; ++i) {
            uint256 account = engine.accountId(address(this), uint8(firstSub + i));
            engine.depositFor(account, address(token), amount);
            int256 delta = i % 2 == 0 ? size : -size;
            uint256 acceptable = delta > 0 ? type(uint128).max : 1; // 0 is refused (INV-40)
            engine.modifyPosition(account, marketId, delta, acceptable, block.timestamp);
        }
    }
}

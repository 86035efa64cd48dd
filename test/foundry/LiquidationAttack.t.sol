// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {EngineSetup} from "./utils/EngineSetup.sol";
import {ICrossmarginRisk} from "../../contracts/interfaces/ICrossmarginRisk.sol";
import {LiquidationAttacker} from "./handlers/LiquidationAttacker.sol";

/// @title LiquidationAttackTest
/// @notice An owner that is also its own keeper tries to farm liquidation rewards (dust budgets,
///         chunks, collateral liquidations, around price moves). The handler asserts INV-26,
///         INV-27, INV-28 and INV-33 after every call; this checks the engine's books too.
contract LiquidationAttackTest is EngineSetup {
    LiquidationAttacker internal attacker;

    function setUp() public {
        _deploySystem();
        attacker = new LiquidationAttacker(d);
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = LiquidationAttacker.open.selector;
        selectors[1] = LiquidationAttacker.move.selector;
        selectors[2] = LiquidationAttacker.move.selector;
        selectors[3] = LiquidationAttacker.passTime.selector;
        selectors[4] = LiquidationAttacker.liquidate.selector;
        selectors[5] = LiquidationAttacker.liquidate.selector;
        selectors[6] = LiquidationAttacker.liquidate.selector;
        selectors[7] = LiquidationAttacker.liquidateCollateral.selector;
        targetSelector(StdInvariant.FuzzSelector({addr: address(attacker), selectors: selectors}));
        targetContract(address(attacker));
    }

    /// @notice Conservation to the wei while the attacker plays (INV-1): the attacker's account
    ///         is the only one, so the vault's USDC is its quote balance plus the pool's ledger
    ///         plus the penalties accrued for the fund (INV-70).
    function invariant_attackerCannotFarm() public view {
        uint256 account = uint256(uint160(address(0xA77AC))) << 8;
        assertEq(
            int256(d.usdc.balanceOf(address(d.engine))),
            int256(d.engine.getAccount(account).quoteBalance) +
                d.engine.poolBalance() +
                int256(ICrossmarginRisk(address(d.engine)).insuranceAccrued()),
            "INV-1: USDC"
        );
        assertEq(
            d.weth.balanceOf(address(d.engine)),
            d.engine.collateralBalance(account, address(d.weth)),
            "INV-1: WETH"
        );
    }

    /// @notice One scripted round: open at 20x, a 16 % drop, self-liquidation in dust then in full.
    function test_attackerScripted() public {
        attacker.open(5_000 | (20 << 8), true);
        attacker.move(-800);
        attacker.move(-800);
        attacker.liquidate(1 + (1e15 << 2));
        attacker.liquidate(0);
        assertEq(attacker.liquidations(), 2, "both liquidations ran");
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VaultSetup} from "./utils/VaultSetup.sol";
import {VaultHandler} from "./handlers/VaultHandler.sol";

/// @notice INV-1 (docs/specs.md, conservation) for the vault alone: after any sequence of
///         deposits, depositFor and withdrawals by several accounts, for every token the
///         engine's token balance equals the sum of the account balances (signed for the quote
///         token, plus the pool's ledger, which stays 0 here), and each collateral's
///         totalDeposited equals the sum of its account balances.
contract VaultInvariantTest is VaultSetup {
    VaultHandler internal handler;

    function setUp() public {
        _deployVault();
        handler = new VaultHandler(engine, _tokens(), feeds);
        bytes4[] memory selectors = new bytes4[](4);
        selectors[0] = VaultHandler.deposit.selector;
        selectors[1] = VaultHandler.depositFor.selector;
        selectors[2] = VaultHandler.withdraw.selector;
        selectors[3] = VaultHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// INV-1: token.balanceOf(engine) == sum of account balances (+ pool ledger for the quote).
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_vaultBalanceEqualsSumOfAccounts() public view {
        uint256[] memory accounts = handler.accounts();
        address[4] memory tokens = _tokens();
        int256 quoteSum = engine.poolBalance();
        assertEq(quoteSum, 0, "no pool in this suite");
        for (uint256 i; i < accounts.length; ++i) {
            quoteSum += engine.getAccount(accounts[i]).quoteBalance;
        }
        assertEq(
            int256(IERC20(tokens[0]).balanceOf(address(engine))),
            quoteSum,
            "quote: vault != sum of balances"
        );
        for (uint256 t = 1; t < 4; ++t) {
            assertEq(
                IERC20(tokens[t]).balanceOf(address(engine)),
                _sumOf(accounts, tokens[t]),
                "collateral: vault != sum of balances"
            );
        }
    }

    /// INV-1b: totalDeposited (the cap's counter) == sum of account balances, per collateral.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_totalDepositedEqualsSum() public view {
        uint256[] memory accounts = handler.accounts();
        address[4] memory tokens = _tokens();
        for (uint256 t = 1; t < 4; ++t) {
            assertEq(
                engine.getCollateral(tokens[t]).totalDeposited,
                _sumOf(accounts, tokens[t]),
                "totalDeposited != sum of balances"
            );
        }
    }

    /// The vault holds exactly what arrived minus what left, per token (ghost flows).
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_ghostFlows() public view {
        address[4] memory tokens = _tokens();
        for (uint256 t; t < 4; ++t) {
            assertEq(
                IERC20(tokens[t]).balanceOf(address(engine)),
                handler.ghostIn(tokens[t]) - handler.ghostOut(tokens[t]),
                "vault != in - out"
            );
        }
    }

    /// A collateral's bit in the account mask is set exactly when its balance is positive, and
    /// without trading nobody owes quote tokens.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_masksAndNoDebt() public view {
        uint256[] memory accounts = handler.accounts();
        address[4] memory tokens = _tokens();
        for (uint256 i; i < accounts.length; ++i) {
            uint32 mask = engine.getAccount(accounts[i]).collateralMask;
            assertGe(engine.getAccount(accounts[i]).quoteBalance, 0, "debt without trading");
            for (uint256 t = 1; t < 4; ++t) {
                uint256 bit = 1 << engine.getCollateral(tokens[t]).index;
                bool held = engine.collateralBalance(accounts[i], tokens[t]) > 0;
                assertEq(mask & bit != 0, held, "mask bit != (balance > 0)");
            }
        }
    }

    /// Every call ended as predicted: success, or exactly ZeroAmount / InsufficientBalance.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noSurprises() public view {
        assertEq(handler.surprises(), 0, "unexpected outcome");
    }

    /// @dev Call summary of the last run (shown with -vv): how many calls took each path.
    function afterInvariant() external view {
        console.log("deposit", handler.calls("deposit"), "depositFor", handler.calls("depositFor"));
        console.log("withdraw", handler.calls("withdraw"), "over", handler.calls("withdraw:over"));
        console.log("zero", handler.calls("withdraw:zero"), handler.calls("deposit:zero"));
    }

    function _sumOf(uint256[] memory accounts, address token) private view returns (uint256 sum) {
        for (uint256 i; i < accounts.length; ++i)
            sum += engine.collateralBalance(accounts[i], token);
    }
}

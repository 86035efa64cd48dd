// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ICrossmarginErrors} from "../../contracts/interfaces/ICrossmarginErrors.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {VaultSetup} from "./utils/VaultSetup.sol";

/// @notice Stateless fuzz tests of deposit / withdraw round trips on every token.
contract VaultFuzzTest is VaultSetup {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        _deployVault();
    }

    function _fund(address token, address who, uint256 amount) internal {
        MockERC20(token).mint(who, amount);
        vm.prank(who);
        IERC20(token).approve(address(engine), type(uint256).max);
    }

    /// Deposit then withdraw everything: the user gets every token back, the vault is empty,
    /// the account and the collateral's total are zero, the mask bit is cleared.
    function testFuzz_depositWithdrawRoundTrip(uint256 amount, uint8 sub, uint8 tokenSeed) public {
        address token = [address(usdc), address(weth), address(wbtc)][tokenSeed % 3];
        amount = bound(amount, 1, token == address(usdc) ? 1e24 : type(uint128).max);
        _fund(token, alice, amount);
        uint256 account = engine.accountId(alice, sub);
        vm.prank(alice);
        assertEq(engine.deposit(sub, token, amount), amount);
        assertEq(IERC20(token).balanceOf(address(engine)), amount);
        vm.prank(alice);
        engine.withdraw(account, token, amount, alice);
        assertEq(IERC20(token).balanceOf(alice), amount);
        assertEq(IERC20(token).balanceOf(address(engine)), 0);
        assertEq(engine.getAccount(account).quoteBalance, 0);
        assertEq(engine.getAccount(account).collateralMask, 0);
        assertEq(engine.collateralBalance(account, token), 0);
        if (token != address(usdc)) assertEq(engine.getCollateral(token).totalDeposited, 0);
    }

    /// A partial withdrawal leaves exactly the rest; more than the rest reverts with the numbers.
    function testFuzz_partialWithdrawThenOverdraw(
        uint256 amount,
        uint256 part,
        uint256 extra
    ) public {
        amount = bound(amount, 1, 1e30);
        part = bound(part, 1, amount);
        extra = bound(extra, 1, 1e30);
        _fund(address(weth), alice, amount);
        uint256 account = engine.accountId(alice, 0);
        vm.startPrank(alice);
        engine.deposit(0, address(weth), amount);
        engine.withdraw(account, address(weth), part, bob);
        uint256 rest = amount - part;
        assertEq(weth.balanceOf(bob), part);
        assertEq(engine.collateralBalance(account, address(weth)), rest);
        assertEq(engine.getCollateral(address(weth)).totalDeposited, rest);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICrossmarginErrors.InsufficientBalance.selector,
                account,
                address(weth),
                rest,
                rest + extra
            )
        );
        engine.withdraw(account, address(weth), rest + extra, alice);
        vm.stopPrank();
        assertEq(weth.balanceOf(address(engine)), rest);
    }

    /// Fee-on-transfer: the account is credited what arrived (99 %), and withdrawing that
    /// credit empties the vault to the wei.
    function testFuzz_feeOnTransferCreditsWhatArrived(uint256 amount) public {
        amount = bound(amount, 1, 1e30);
        fot.mint(alice, amount);
        vm.prank(alice);
        fot.approve(address(engine), amount);
        uint256 arrives = amount - (amount * 100) / 10_000;
        uint256 account = engine.accountId(alice, 0);
        vm.prank(alice);
        assertEq(engine.deposit(0, address(fot), amount), arrives);
        assertEq(engine.collateralBalance(account, address(fot)), arrives);
        assertEq(fot.balanceOf(address(engine)), arrives);
        assertEq(engine.getCollateral(address(fot)).totalDeposited, arrives);
        vm.prank(alice);
        engine.withdraw(account, address(fot), arrives, alice);
        assertEq(fot.balanceOf(address(engine)), 0);
        assertEq(engine.getCollateral(address(fot)).totalDeposited, 0);
    }

    /// depositFor credits the target account, never the payer, in quote and collateral.
    function testFuzz_depositForCreditsTarget(uint256 q, uint256 w, uint8 sub) public {
        q = bound(q, 1, 1e24);
        w = bound(w, 1, 1e30);
        _fund(address(usdc), bob, q);
        _fund(address(wbtc), bob, w);
        uint256 target = engine.accountId(alice, sub);
        vm.startPrank(bob);
        engine.depositFor(target, address(usdc), q);
        // A collateral type the account does not hold is the owner's (or an operator's) to add.
        vm.expectRevert(
            abi.encodeWithSelector(ICrossmarginErrors.Unauthorized.selector, bob, target)
        );
        engine.depositFor(target, address(wbtc), w);
        vm.stopPrank();
        _fund(address(wbtc), alice, 1);
        vm.prank(alice);
        engine.deposit(sub, address(wbtc), 1);
        vm.prank(bob);
        engine.depositFor(target, address(wbtc), w);
        assertEq(engine.getAccount(target).quoteBalance, int256(q));
        assertEq(engine.collateralBalance(target, address(wbtc)), w + 1);
        assertEq(engine.getAccount(engine.accountId(bob, sub)).quoteBalance, 0);
        // only the owner may take it out
        vm.expectRevert(
            abi.encodeWithSelector(ICrossmarginErrors.Unauthorized.selector, bob, target)
        );
        vm.prank(bob);
        engine.withdraw(target, address(usdc), q, bob);
        vm.prank(alice);
        engine.withdraw(target, address(usdc), q, alice);
        assertEq(usdc.balanceOf(alice), q);
    }
}

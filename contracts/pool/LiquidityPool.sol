// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICrossmargin} from "../interfaces/ICrossmargin.sol";

/// @title LiquidityPool
/// @notice ERC-4626 vault of the quote token that takes the other side of the traders' net
///         position. Its assets live in the engine's vault as a ledger entry; its value counts
///         the traders' open PnL and unpaid funding, so a depositor can neither dodge an open
///         loss nor capture an open gain. Virtual shares (decimals offset) defeat inflation attacks.
contract LiquidityPool is ERC4626, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    error ZeroAddress();

    /// @notice The engine that holds the pool's assets.
    ICrossmargin public immutable engine;

    uint8 private constant DECIMALS_OFFSET = 6;

    constructor(
        ICrossmargin engine_,
        string memory name_,
        string memory symbol_
    ) ERC20(name_, symbol_) ERC4626(IERC20(engine_.quoteToken())) {
        if (address(engine_) == address(0)) revert ZeroAddress();
        engine = engine_;
    }

    /// @notice Pool value in quote units; an (unlikely) negative value counts as zero.
    function totalAssets() public view override returns (uint256) {
        int256 value = engine.poolValue();
        return value > 0 ? uint256(value) : 0;
    }

    /// @notice The owner's assets, limited by what the engine can pay out while keeping the
    ///         open-interest reserve.
    /// @dev Not `super.maxWithdraw`: OpenZeppelin derives it from the overridden `maxRedeem`,
    ///      which would round the liquidity limit twice.
    function maxWithdraw(address owner) public view override returns (uint256) {
        uint256 own = previewRedeem(balanceOf(owner));
        uint256 liquid = engine.poolWithdrawable();
        return own < liquid ? own : liquid;
    }

    /// @notice All the owner's shares if the engine can pay what they are worth, else the
    ///         shares of what it can pay.
    function maxRedeem(address owner) public view override returns (uint256) {
        uint256 own = balanceOf(owner);
        uint256 liquid = engine.poolWithdrawable();
        return previewRedeem(own) <= liquid ? own : convertToShares(liquid);
    }

    function deposit(
        uint256 assets,
        address receiver
    ) public override nonReentrant returns (uint256) {
        return super.deposit(assets, receiver);
    }

    function mint(uint256 shares, address receiver) public override nonReentrant returns (uint256) {
        return super.mint(shares, receiver);
    }

    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override nonReentrant returns (uint256) {
        return super.withdraw(assets, receiver, owner);
    }

    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override nonReentrant returns (uint256) {
        return super.redeem(shares, receiver, owner);
    }

    /// @dev Assets go straight into the engine's vault and are credited to the pool's ledger.
    function _deposit(
        address caller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) internal override {
        IERC20(asset()).safeTransferFrom(caller, address(engine), assets);
        engine.poolDeposit(assets);
        _mint(receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
    }

    /// @dev The engine pays the receiver out of the pool's ledger.
    function _withdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal override {
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        engine.poolWithdraw(receiver, assets);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICrossmargin} from "../interfaces/ICrossmargin.sol";

/// @title LiquidityPool
/// @notice ERC-4626 vault of the quote token that takes the other side of the traders' net
///         position. Its assets live in the engine's vault as a ledger entry; its value counts
///         the traders' open PnL and unpaid funding, so a depositor can neither dodge an open
///         loss nor capture an open gain. Virtual shares (decimals offset) defeat inflation attacks.
/// @dev    INV-41: no deposit while the pool is underwater or its share price is below the floor.
///         INV-42: deposits credit (and mint shares for) what reached the engine.
///         INV-43: views never revert; while the engine cannot price the pool, `max*` are 0 and
///         the conversions use `lastTotalAssets`.
contract LiquidityPool is ERC4626, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Math for uint256;

    error ZeroAddress();
    /// @notice Deposits refused: the pool's value is negative, or zero while shares exist.
    error PoolUnderwater(int256 value);
    /// @notice Deposits refused: assets per share below 1/PRICE_FLOOR_DIVISOR of the initial price.
    error SharePriceBelowFloor(uint256 totalAssets, uint256 totalSupply);

    /// @notice `lastTotalAssets` changed (after every deposit, mint, withdraw and redeem).
    event TotalAssetsRecorded(uint256 totalAssets);

    /// @notice The engine that holds the pool's assets.
    ICrossmargin public immutable engine;

    /// @notice totalAssets right after the last successful deposit, mint, withdraw or redeem
    ///         (exact at that moment); the conversions use it while the engine cannot price the pool.
    uint256 public lastTotalAssets;

    uint8 private constant DECIMALS_OFFSET = 6;
    uint256 private constant VIRTUAL = 10 ** DECIMALS_OFFSET;
    /// @notice Share price floor: (totalAssets + 1) / (totalSupply + VIRTUAL) >= 1 / (VIRTUAL * 100),
    ///         1 % of the initial price 1 / VIRTUAL.
    uint256 public constant PRICE_FLOOR_DIVISOR = 100;

    constructor(
        ICrossmargin engine_,
        string memory name_,
        string memory symbol_
    ) ERC20(name_, symbol_) ERC4626(IERC20(engine_.quoteToken())) {
        if (address(engine_) == address(0)) revert ZeroAddress();
        engine = engine_;
    }

    /// @notice Pool value in quote units (a negative value counts as zero); `lastTotalAssets`
    ///         while the engine cannot price the pool (sequencer down, stale feed with open interest).
    function totalAssets() public view override returns (uint256) {
        (bool ok, int256 value) = _tryValue();
        return ok ? _clamp(value) : lastTotalAssets;
    }

    /// @notice Unlimited, or 0 while deposits revert (unpriced, underwater, below the price floor).
    function maxDeposit(address) public view override returns (uint256) {
        (bool ok, int256 value) = _tryValue();
        return ok && _priceOk(value) ? type(uint256).max : 0;
    }

    /// @notice As maxDeposit.
    function maxMint(address receiver) public view override returns (uint256) {
        return maxDeposit(receiver);
    }

    /// @notice The owner's assets, limited by what the engine can pay out while keeping the
    ///         open-interest reserve; 0 while the engine cannot price the pool.
    function maxWithdraw(address owner) public view override returns (uint256) {
        (bool ok, int256 value) = _tryValue();
        return ok ? _maxWithdraw(owner, _clamp(value)) : 0;
    }

    /// @notice All the owner's shares if the engine can pay what they are worth, else the
    ///         shares of what it can pay; 0 while the engine cannot price the pool.
    function maxRedeem(address owner) public view override returns (uint256) {
        (bool ok, int256 value) = _tryValue();
        return ok ? _maxRedeem(owner, _clamp(value)) : 0;
    }

    function deposit(
        uint256 assets,
        address receiver
    ) public override nonReentrant returns (uint256) {
        uint256 ta = _depositable();
        return _enter(receiver, assets, _toShares(assets, ta, Math.Rounding.Floor), ta);
    }

    function mint(uint256 shares, address receiver) public override nonReentrant returns (uint256) {
        uint256 ta = _depositable();
        uint256 assets = _toAssets(shares, ta, Math.Rounding.Ceil);
        _enter(receiver, assets, shares, ta);
        return assets;
    }

    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override nonReentrant returns (uint256 shares) {
        uint256 ta = _clamp(engine.poolValue());
        uint256 max = _maxWithdraw(owner, ta);
        if (assets > max) revert ERC4626ExceededMaxWithdraw(owner, assets, max);
        shares = _toShares(assets, ta, Math.Rounding.Ceil);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
        _record(ta - assets);
    }

    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override nonReentrant returns (uint256 assets) {
        uint256 ta = _clamp(engine.poolValue());
        uint256 max = _maxRedeem(owner, ta);
        if (shares > max) revert ERC4626ExceededMaxRedeem(owner, shares, max);
        assets = _toAssets(shares, ta, Math.Rounding.Floor);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
        _record(ta - assets);
    }

    /// @dev Pulls `assets` into the engine's vault and credits what arrived, at most `assets`
    ///      (INV-42); if less arrived, mints the shares of what arrived (rounded down).
    function _enter(
        address receiver,
        uint256 assets,
        uint256 shares,
        uint256 ta
    ) private returns (uint256) {
        IERC20 token = IERC20(asset());
        address vault = address(engine);
        uint256 before = token.balanceOf(vault);
        token.safeTransferFrom(_msgSender(), vault, assets);
        // At most `assets`: a token hook may deposit into the engine during the transfer.
        uint256 received = Math.min(token.balanceOf(vault) - before, assets);
        if (received < assets) shares = _toShares(received, ta, Math.Rounding.Floor);
        engine.poolDeposit(received);
        _mint(receiver, shares);
        _record(ta + received);
        emit Deposit(_msgSender(), receiver, received, shares);
        return shares;
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

    function _record(uint256 ta) private {
        lastTotalAssets = ta;
        emit TotalAssetsRecorded(ta);
    }

    /// @dev totalAssets for a deposit; reverts with the oracle's error, PoolUnderwater or
    ///      SharePriceBelowFloor (INV-41).
    function _depositable() private view returns (uint256) {
        int256 value = engine.poolValue();
        if (!_priceOk(value)) {
            if (value <= 0) revert PoolUnderwater(value);
            revert SharePriceBelowFloor(uint256(value), totalSupply());
        }
        return uint256(value);
    }

    /// @dev Value above zero (or zero with no shares) and (ta + 1) / (supply + VIRTUAL) at or
    ///      above 1 / (VIRTUAL * PRICE_FLOOR_DIVISOR).
    function _priceOk(int256 value) private view returns (bool) {
        uint256 supply = totalSupply();
        if (value < 0 || (value == 0 && supply != 0)) return false;
        return (uint256(value) + 1) * VIRTUAL * PRICE_FLOOR_DIVISOR >= supply + VIRTUAL;
    }

    function _maxWithdraw(address owner, uint256 ta) private view returns (uint256) {
        return Math.min(_toAssets(balanceOf(owner), ta, Math.Rounding.Floor), _tryWithdrawable());
    }

    function _maxRedeem(address owner, uint256 ta) private view returns (uint256) {
        uint256 own = balanceOf(owner);
        uint256 liquid = _tryWithdrawable();
        return
            _toAssets(own, ta, Math.Rounding.Floor) <= liquid
                ? own
                : _toShares(liquid, ta, Math.Rounding.Floor);
    }

    function _tryValue() private view returns (bool, int256) {
        try engine.poolValue() returns (int256 value) {
            return (true, value);
        } catch {
            return (false, 0);
        }
    }

    function _tryWithdrawable() private view returns (uint256) {
        try engine.poolWithdrawable() returns (uint256 liquid) {
            return liquid;
        } catch {
            return 0;
        }
    }

    function _toShares(uint256 a, uint256 ta, Math.Rounding r) private view returns (uint256) {
        return a.mulDiv(totalSupply() + VIRTUAL, ta + 1, r);
    }

    function _toAssets(uint256 sh, uint256 ta, Math.Rounding r) private view returns (uint256) {
        return sh.mulDiv(ta + 1, totalSupply() + VIRTUAL, r);
    }

    function _clamp(int256 value) private pure returns (uint256) {
        return value > 0 ? uint256(value) : 0;
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICrossmargin} from "../interfaces/ICrossmargin.sol";
import {IERC7540Operator, IERC7540Redeem} from "../interfaces/IERC7540Redeem.sol";

/// @title LiquidityPool
/// @notice ERC-4626 vault of the quote token that takes the other side of the traders' net
///         position. Its assets live in the engine's vault as a ledger entry; its value counts
///         the traders' open PnL and unpaid funding, so a depositor can neither dodge an open
///         loss nor capture an open gain. Virtual shares (decimals offset) defeat inflation attacks.
///         Deposits are instant; exits are ERC-7540 asynchronous redeem requests: the shares
///         wait in escrow for `redeemDelay`, sharing gains and losses, and are claimed through
///         `redeem` / `withdraw` within `claimWindow`, priced at claim time, less `exitFeeRate`.
/// @dev    INV-41: no deposit while the pool is underwater or its share price is below the floor.
///         INV-42: deposits credit (and mint shares for) what reached the engine.
///         INV-43: views never revert (except `previewRedeem` / `previewWithdraw`, which ERC-7540
///         requires to revert); while the engine cannot price the pool, `max*` are 0 and the
///         conversions use `lastTotalAssets`.
///         INV-47: redeem requests (escrow, delay, window, priced at claim). INV-48: exit fee.
contract LiquidityPool is ERC4626, ReentrancyGuardTransient, IERC7540Operator, IERC7540Redeem {
    using SafeERC20 for IERC20;
    using Math for uint256;
    using SafeCast for uint256;

    /// @notice One aggregated redeem request per controller (ERC-7540 requestId 0).
    struct Request {
        uint192 shares; // escrowed in the pool, still part of totalSupply
        uint32 claimableAt; // request time + redeemDelay
        uint32 expiresAt; // claimableAt + claimWindow (both fixed when the request is made)
    }

    error ZeroAddress();
    error ZeroAmount();
    /// @notice Deposits refused: the pool's value is negative, or zero while shares exist.
    error PoolUnderwater(int256 value);
    /// @notice Deposits refused: assets per share below 1/PRICE_FLOOR_DIVISOR of the initial price.
    error SharePriceBelowFloor(uint256 totalAssets, uint256 totalSupply);
    /// @notice Exits are asynchronous (ERC-7540): `previewRedeem` and `previewWithdraw` revert.
    error AsyncRedeem();
    /// @notice The caller is neither the controller nor one of its operators.
    error NotControllerOrOperator(address caller, address controller);
    /// @notice The controller has no redeem request to cancel.
    error NoRedeemRequest(address controller);
    /// @notice An account cannot be its own operator.
    error SelfOperator();
    /// @notice A redeem parameter outside its bounds.
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    /// @notice `lastTotalAssets` changed (after every deposit, mint and claim).
    event TotalAssetsRecorded(uint256 totalAssets);
    /// @notice A request's shares went back to its controller.
    event RedeemRequestCanceled(address indexed controller, address indexed sender, uint256 shares);
    /// @notice The exit fee a claim left in the pool (quote units).
    event ExitFeeCharged(address indexed controller, uint256 fee);
    event RedeemParamsSet(uint32 redeemDelay, uint32 claimWindow, uint64 exitFeeRate);

    /// @notice The engine that holds the pool's assets.
    ICrossmargin public immutable engine;

    /// @notice totalAssets right after the last successful deposit, mint or claim (exact at
    ///         that moment); the conversions use it while the engine cannot price the pool.
    uint256 public lastTotalAssets;

    /// @notice Seconds from a request until its shares can be claimed.
    uint32 public redeemDelay;
    /// @notice Seconds a request stays claimable; then it expires (cancel or request again).
    uint32 public claimWindow;
    /// @notice Share of a claim's assets left in the pool for the remaining LPs (WAD).
    uint64 public exitFeeRate;

    /// @inheritdoc IERC7540Operator
    mapping(address controller => mapping(address operator => bool)) public isOperator;
    mapping(address controller => Request) private _requests;

    uint8 private constant DECIMALS_OFFSET = 6;
    uint256 private constant VIRTUAL = 10 ** DECIMALS_OFFSET;
    uint256 private constant WAD = 1e18;
    /// @notice Share price floor: (totalAssets + 1) / (totalSupply + VIRTUAL) >= 1 / (VIRTUAL * 100),
    ///         1 % of the initial price 1 / VIRTUAL.
    uint256 public constant PRICE_FLOOR_DIVISOR = 100;
    /// @notice The engine's role that may set the redeem parameters.
    bytes32 public constant RISK_MANAGER_ROLE = keccak256("RISK_MANAGER_ROLE");
    uint32 public constant MIN_REDEEM_DELAY = 1 hours;
    uint32 public constant MAX_REDEEM_DELAY = 14 days;
    uint32 public constant MIN_CLAIM_WINDOW = 1 days;
    uint32 public constant MAX_CLAIM_WINDOW = 30 days;
    uint64 public constant MAX_EXIT_FEE_RATE = 1e16; // 1 %

    constructor(
        ICrossmargin engine_,
        string memory name_,
        string memory symbol_
    ) ERC20(name_, symbol_) ERC4626(IERC20(engine_.quoteToken())) {
        if (address(engine_) == address(0)) revert ZeroAddress();
        engine = engine_;
        _setRedeemParams(1 days, 3 days, 0);
    }

    // ----------------------------------------------------------------- parameters, operators

    /// @notice Sets the exit parameters (engine's RISK_MANAGER_ROLE). They apply to requests
    ///         made afterwards (delay, window) and to every claim afterwards (fee).
    function setRedeemParams(uint32 delay, uint32 window, uint64 feeRate) external nonReentrant {
        if (!IAccessControl(address(engine)).hasRole(RISK_MANAGER_ROLE, _msgSender())) {
            revert IAccessControl.AccessControlUnauthorizedAccount(_msgSender(), RISK_MANAGER_ROLE);
        }
        if (delay < MIN_REDEEM_DELAY || delay > MAX_REDEEM_DELAY) {
            revert ParameterOutOfBounds("redeemDelay", delay, MIN_REDEEM_DELAY, MAX_REDEEM_DELAY);
        }
        if (window < MIN_CLAIM_WINDOW || window > MAX_CLAIM_WINDOW) {
            revert ParameterOutOfBounds("claimWindow", window, MIN_CLAIM_WINDOW, MAX_CLAIM_WINDOW);
        }
        if (feeRate > MAX_EXIT_FEE_RATE) {
            revert ParameterOutOfBounds("exitFeeRate", feeRate, 0, MAX_EXIT_FEE_RATE);
        }
        _setRedeemParams(delay, window, feeRate);
    }

    /// @inheritdoc IERC7540Operator
    function setOperator(address operator, bool approved) external nonReentrant returns (bool) {
        if (operator == _msgSender()) revert SelfOperator();
        isOperator[_msgSender()][operator] = approved;
        emit OperatorSet(_msgSender(), operator, approved);
        return true;
    }

    /// @notice ERC-165: ERC-7540 operators and async redeem, ERC-7575, ERC-165.
    function supportsInterface(bytes4 id) external pure returns (bool) {
        return
            id == type(IERC165).interfaceId ||
            id == 0xe3bc4e65 || // ERC-7540 operator
            id == 0x620ee8e4 || // ERC-7540 asynchronous redeem
            id == 0x2f0a18c5; // ERC-7575
    }

    /// @notice ERC-7575: the share token is the vault itself.
    function share() external view returns (address) {
        return address(this);
    }

    // ------------------------------------------------------------------------- requests

    /// @notice Moves `shares` from `owner` into escrow as `controller`'s redeem request (id 0).
    ///         The caller is `owner`, an operator of `owner`, or spends `owner`'s share
    ///         allowance. Requests aggregate per controller: the new shares join the existing
    ///         (pending, claimable or expired) ones and the delay restarts for all of them;
    ///         adding to an existing request needs the controller or one of its operators, so
    ///         nobody else can push a controller's claim back.
    function requestRedeem(
        uint256 shares,
        address controller,
        address owner
    ) external nonReentrant returns (uint256) {
        if (shares == 0) revert ZeroAmount();
        if (controller == address(0)) revert ZeroAddress();
        address sender = _msgSender();
        if (sender != owner && !isOperator[owner][sender]) _spendAllowance(owner, sender, shares);
        Request storage r = _requests[controller];
        uint256 held = r.shares;
        if (held != 0) _checkController(controller);
        uint32 claimableAt = uint32(block.timestamp) + redeemDelay;
        r.shares = (held + shares).toUint192();
        r.claimableAt = claimableAt;
        r.expiresAt = claimableAt + claimWindow;
        _transfer(owner, address(this), shares);
        emit RedeemRequest(controller, owner, 0, sender, shares);
        return 0;
    }

    /// @notice Returns all of `controller`'s requested shares (pending, claimable or expired)
    ///         to `controller`; the controller or one of its operators.
    function cancelRedeemRequest(
        address controller
    ) external nonReentrant returns (uint256 shares) {
        _checkController(controller);
        shares = _requests[controller].shares;
        if (shares == 0) revert NoRedeemRequest(controller);
        delete _requests[controller];
        _transfer(address(this), controller, shares);
        emit RedeemRequestCanceled(controller, _msgSender(), shares);
    }

    /// @notice Shares waiting for the delay (0 once claimable or expired, or for a non-zero id).
    function pendingRedeemRequest(
        uint256 requestId,
        address controller
    ) external view returns (uint256) {
        Request memory r = _requests[controller];
        return requestId == 0 && block.timestamp < r.claimableAt ? r.shares : 0;
    }

    /// @notice Shares claimable now, before liquidity (0 before the delay, after the window).
    function claimableRedeemRequest(
        uint256 requestId,
        address controller
    ) external view returns (uint256) {
        return requestId == 0 ? _claimable(controller) : 0;
    }

    /// @notice The controller's aggregated request, for UIs and keepers.
    function redeemRequest(
        address controller
    ) external view returns (uint256 shares, uint256 claimableAt, uint256 expiresAt) {
        Request memory r = _requests[controller];
        return (r.shares, r.claimableAt, r.expiresAt);
    }

    // ------------------------------------------------------------------------- ERC-4626

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

    /// @notice Net assets (after the exit fee) of the controller's claimable shares, limited by
    ///         what the engine can pay out; 0 while it cannot price the pool.
    function maxWithdraw(address controller) public view override returns (uint256) {
        (bool ok, int256 value) = _tryValue();
        return ok ? _maxWithdraw(controller, _clamp(value)) : 0;
    }

    /// @notice The controller's claimable shares, or the shares whose net assets the engine can
    ///         pay out (traders first, open-interest reserve); 0 while it cannot price the pool.
    function maxRedeem(address controller) public view override returns (uint256) {
        (bool ok, int256 value) = _tryValue();
        return ok ? _maxRedeem(controller, _clamp(value)) : 0;
    }

    /// @notice Reverts `AsyncRedeem`: exits are requests (ERC-7540).
    function previewRedeem(uint256) public view override returns (uint256) {
        return _async();
    }

    /// @notice Reverts `AsyncRedeem`: exits are requests (ERC-7540).
    function previewWithdraw(uint256) public view override returns (uint256) {
        return _async();
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

    /// @notice Claims `assets` (net of the exit fee) of `controller`'s claimable request; the
    ///         shares burned round up, the fee (gross - assets) stays in the pool.
    function withdraw(
        uint256 assets,
        address receiver,
        address controller
    ) public override nonReentrant returns (uint256 shares) {
        uint256 ta = _claimValue(assets, controller);
        uint256 max = _maxWithdraw(controller, ta);
        if (assets > max) revert ERC4626ExceededMaxWithdraw(controller, assets, max);
        uint256 gross = assets.mulDiv(WAD, WAD - exitFeeRate, Math.Rounding.Ceil);
        shares = _toShares(gross, ta, Math.Rounding.Ceil);
        _claim(receiver, controller, assets, shares, gross - assets, ta);
    }

    /// @notice Claims `shares` of `controller`'s claimable request at the pool's value now:
    ///         assets = floor(value of shares) - ceil(fee).
    function redeem(
        uint256 shares,
        address receiver,
        address controller
    ) public override nonReentrant returns (uint256 assets) {
        uint256 ta = _claimValue(shares, controller);
        uint256 max = _maxRedeem(controller, ta);
        if (shares > max) revert ERC4626ExceededMaxRedeem(controller, shares, max);
        uint256 gross = _toAssets(shares, ta, Math.Rounding.Floor);
        uint256 fee = _fee(gross);
        assets = gross - fee;
        _claim(receiver, controller, assets, shares, fee, ta);
    }

    // ------------------------------------------------------------------------- internals

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

    /// @dev Burns claimed escrow and records the value (effects), then the engine pays the
    ///      receiver out of the pool's ledger (interaction). `shares` <= the claimable shares.
    function _claim(
        address receiver,
        address controller,
        uint256 assets,
        uint256 shares,
        uint256 fee,
        uint256 ta
    ) private {
        Request storage r = _requests[controller];
        uint256 left = r.shares - shares;
        if (left == 0) delete _requests[controller];
        else r.shares = uint192(left);
        _burn(address(this), shares);
        _record(ta - assets);
        engine.poolWithdraw(receiver, assets);
        emit Withdraw(_msgSender(), receiver, controller, assets, shares);
        if (fee != 0) emit ExitFeeCharged(controller, fee);
    }

    function _setRedeemParams(uint32 delay, uint32 window, uint64 feeRate) private {
        redeemDelay = delay;
        claimWindow = window;
        exitFeeRate = feeRate;
        emit RedeemParamsSet(delay, window, feeRate);
    }

    function _record(uint256 ta) private {
        lastTotalAssets = ta;
        emit TotalAssetsRecorded(ta);
    }

    /// @dev The checks every claim starts with; returns the pool's value now (reverts with the
    ///      oracle's error while the engine cannot price the pool).
    function _claimValue(uint256 amount, address controller) private view returns (uint256) {
        if (amount == 0) revert ZeroAmount();
        _checkController(controller);
        return _clamp(engine.poolValue());
    }

    function _checkController(address controller) private view {
        address sender = _msgSender();
        if (sender != controller && !isOperator[controller][sender]) {
            revert NotControllerOrOperator(sender, controller);
        }
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

    /// @dev The request's shares while claimableAt <= now < expiresAt, else 0.
    function _claimable(address controller) private view returns (uint256) {
        Request memory r = _requests[controller];
        return r.claimableAt <= block.timestamp && block.timestamp < r.expiresAt ? r.shares : 0;
    }

    /// @dev min(net assets of the claimable shares, what the engine can pay out).
    function _maxWithdraw(address controller, uint256 ta) private view returns (uint256) {
        uint256 gross = _toAssets(_claimable(controller), ta, Math.Rounding.Floor);
        return Math.min(gross - _fee(gross), _tryWithdrawable());
    }

    /// @dev Claimable shares if the engine can pay their net assets, else the shares of the
    ///      largest gross amount whose net fits: floor(liquid / (1 - feeRate)).
    function _maxRedeem(address controller, uint256 ta) private view returns (uint256) {
        uint256 claim = _claimable(controller);
        if (claim == 0) return 0;
        uint256 liquid = _tryWithdrawable().mulDiv(WAD, WAD - exitFeeRate);
        return
            _toAssets(claim, ta, Math.Rounding.Floor) <= liquid
                ? claim
                : _toShares(liquid, ta, Math.Rounding.Floor);
    }

    /// @dev ceil(gross * exitFeeRate / WAD): the fee rounds for the pool.
    function _fee(uint256 gross) private view returns (uint256) {
        return gross.mulDiv(exitFeeRate, WAD, Math.Rounding.Ceil);
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

    /// @dev Always reverts (the engine is never address 0). Written as a condition the compiler
    ///      cannot decide: an unconditional revert makes it flag the base ERC-4626 exits
    ///      (overridden here, never called) as unreachable code.
    function _async() private view returns (uint256) {
        if (address(engine) != address(0)) revert AsyncRedeem();
        return 0;
    }

    function _clamp(int256 value) private pure returns (uint256) {
        return value > 0 ? uint256(value) : 0;
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ICrossmargin} from "../interfaces/ICrossmargin.sol";
import {ICrossmarginRisk} from "../interfaces/ICrossmarginRisk.sol";
import {Health, PositionView} from "../types/Types.sol";

/// @title ProtectedAccountManager
/// @notice Keeps users' Crossmargin accounts above a health target (`equity / MM`) they choose.
///         A user approves the manager as an operator of the protected account and of a reserve
///         sub-account funded with the quote token (`setOperator(account, manager, true)` on
///         both), then calls `configure`. Anyone may then call `maintain(account)` while the
///         account is below its target: the manager moves quote from the reserve (as much as the
///         reserve can give while meeting its own IM, at most `maxPerCall`) and, if that is not
///         enough, reduces the account's largest position by `reduceBps` or, failing that,
///         closes it. Every step is checked with the risk module's previews first; an action
///         that would leave the account below its target is refused (`TargetUnreachable`), so
///         a call either restores the target or changes nothing. The caller earns `fee` quote
///         units from the reserve (bounded by `MAX_FEE_USD`) when the reserve can pay it.
/// @dev `configure` also attaches the engine's own protection (`setProtection`), so a
///      liquidator's `liquidate` tops the account up from the same reserve before closing
///      anything: the manager is the proactive layer above the engine's last line. Trust: the
///      manager can move quote from the reserve into the protected account and reduce its
///      positions, nothing else; it never takes custody except for the fee in transit. Users
///      revoke with `revoke` and by removing the manager as operator in the engine.
contract ProtectedAccountManager is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;
    /// @notice Bounds of a user's configuration.
    uint256 public constant MIN_TARGET = 1.05e18;
    uint256 public constant MAX_TARGET = 5e18;
    uint256 public constant MIN_REDUCE_BPS = 500;
    uint256 public constant MAX_SLIPPAGE_BPS = 500;
    /// @notice Largest fee per call a user may offer (USD WAD).
    uint256 public constant MAX_FEE_USD = 5e18;

    /// @notice A protected account's settings.
    struct Config {
        bool active;
        uint8 reserveSub; // the reserve is accountId(owner, reserveSub)
        uint16 reduceBps; // share of the largest position reduced first (bps)
        uint16 slippageBps; // slippage from the preview's fill a reduction accepts (bps)
        uint64 targetHealth; // WAD: equity / MM the manager restores
        uint96 maxPerCall; // quote units moved from the reserve per call at most
        uint96 fee; // quote units paid to the caller of an effective `maintain`
    }

    /// @notice The engine (its risk entry points are called at the same address).
    ICrossmargin public immutable engine;
    /// @notice The engine's quote token.
    IERC20 public immutable quote;
    uint256 private immutable _quoteScale;

    mapping(uint256 account => Config) private _configs;

    event Configured(uint256 indexed account, Config config);
    event Revoked(uint256 indexed account);
    event Maintained(
        uint256 indexed account,
        address indexed caller,
        uint256 toppedUp,
        uint256 marketId,
        int256 reduced,
        uint256 fee
    );

    error ZeroAddress();
    error NotOwner(address caller, uint256 account);
    error NotOperator(uint256 account);
    error NotConfigured(uint256 account);
    error ParameterOutOfBounds();
    error HealthAboveTarget(uint256 health, uint256 target);
    error TargetUnreachable(uint256 account, uint256 health, uint256 target);

    /// @param engine_ The Crossmargin engine.
    constructor(ICrossmargin engine_) {
        if (address(engine_) == address(0)) revert ZeroAddress();
        engine = engine_;
        quote = IERC20(engine_.quoteToken());
        _quoteScale = 10 ** (18 - IERC20Metadata(address(quote)).decimals());
        quote.forceApprove(address(engine_), type(uint256).max);
    }

    // ------------------------------------------------------------------------ users

    /// @notice Protects `account` (caller must own it). The manager must already be an operator
    ///         of the account and of the reserve. Also attaches the engine's protection with
    ///         `engineBuffer`, `engineMaxPerWindow` and `engineWindow` (see `setProtection`).
    /// @param account The account id to protect.
    /// @param cfg Reserve sub-account, target (1.05 .. 5 WAD), reduction share (5 .. 100 %),
    ///        slippage (<= 5 %), cap per call and fee (<= 5 USD); `active` is ignored.
    function configure(
        uint256 account,
        Config calldata cfg,
        uint64 engineBuffer,
        uint96 engineMaxPerWindow,
        uint32 engineWindow
    ) external nonReentrant {
        address owner = engine.ownerOf(account);
        if (msg.sender != owner) revert NotOwner(msg.sender, account);
        uint256 reserve = engine.accountId(owner, cfg.reserveSub);
        if (!engine.isOperator(account, address(this))) revert NotOperator(account);
        if (!engine.isOperator(reserve, address(this))) revert NotOperator(reserve);
        if (
            reserve == account ||
            cfg.targetHealth < MIN_TARGET ||
            cfg.targetHealth > MAX_TARGET ||
            cfg.reduceBps < MIN_REDUCE_BPS ||
            cfg.reduceBps > BPS ||
            cfg.slippageBps > MAX_SLIPPAGE_BPS ||
            cfg.maxPerCall == 0 ||
            uint256(cfg.fee) * _quoteScale > MAX_FEE_USD
        ) revert ParameterOutOfBounds();
        Config memory stored = cfg;
        stored.active = true;
        _configs[account] = stored;
        _risk().setProtection(
            account,
            cfg.reserveSub,
            engineBuffer,
            engineMaxPerWindow,
            engineWindow
        );
        emit Configured(account, stored);
    }

    /// @notice Stops protecting `account` (owner only) and detaches the engine's protection
    ///         when the manager is still an operator of the account and its reserve.
    function revoke(uint256 account) external nonReentrant {
        if (msg.sender != engine.ownerOf(account)) revert NotOwner(msg.sender, account);
        if (!_configs[account].active) revert NotConfigured(account);
        delete _configs[account];
        // Best effort: if the user already removed the manager from either account, the engine
        // refuses, and the owner detaches the engine protection directly.
        try _risk().setProtection(account, 0, 0, 0, 60) {} catch {} // solhint-disable-line no-empty-blocks
        emit Revoked(account);
    }

    /// @notice The settings of `account`.
    function configOf(uint256 account) external view returns (Config memory) {
        return _configs[account];
    }

    /// @notice `equity / MM` (WAD): 0 with no equity, `type(uint256).max` without requirement.
    function health(uint256 account) public view returns (uint256) {
        return _ratio(engine.accountHealth(account));
    }

    // ------------------------------------------------------------------------ keepers

    /// @notice Restores `account` to its target health: quote from the reserve first, then a
    ///         reduction of the largest position (checked by `previewTrade`). Permissionless.
    ///         Reverts `NotConfigured`, `HealthAboveTarget`, and `TargetUnreachable` when the
    ///         planned actions would leave the account below the target.
    /// @return toppedUp Quote units moved from the reserve.
    /// @return reduced The size change of the reduction (0 when none).
    function maintain(
        uint256 account
    ) external nonReentrant returns (uint256 toppedUp, int256 reduced) {
        Config memory cfg = _configs[account];
        if (!cfg.active) revert NotConfigured(account);
        Health memory h = engine.accountHealth(account);
        uint256 hf = _ratio(h);
        if (hf >= cfg.targetHealth) revert HealthAboveTarget(hf, cfg.targetHealth);
        uint256 reserve = engine.accountId(engine.ownerOf(account), cfg.reserveSub);
        uint256 fee = _reserveFree(reserve) >= cfg.fee ? cfg.fee : 0;

        uint256 targetEquity = Math.mulDiv(h.mm, cfg.targetHealth, WAD, Math.Rounding.Ceil);
        uint256 need = Math.ceilDiv(uint256(int256(targetEquity) - h.equity), _quoteScale);
        uint256 free = _reserveFree(reserve);
        free = free > fee ? free - fee : 0;
        toppedUp = Math.min(need, Math.min(free, cfg.maxPerCall));
        if (toppedUp + fee != 0) {
            ICrossmarginRisk.Preview memory pw = _risk().previewWithdraw(
                reserve,
                address(quote),
                toppedUp + fee
            );
            if (!pw.ok) revert TargetUnreachable(account, hf, cfg.targetHealth);
            engine.withdraw(reserve, address(quote), toppedUp + fee, address(this));
            if (toppedUp != 0) engine.depositFor(account, address(quote), toppedUp);
            if (fee != 0) quote.safeTransfer(msg.sender, fee);
        }

        uint256 marketId;
        if (toppedUp < need) (marketId, reduced) = _reduce(account, cfg);
        emit Maintained(account, msg.sender, toppedUp, marketId, reduced, fee);
    }

    // ------------------------------------------------------------------------ internals

    /// @dev Reduces the largest position by `reduceBps`, or closes it, whichever first previews
    ///      at or above the target; reverts `TargetUnreachable` when neither does.
    function _reduce(
        uint256 account,
        Config memory cfg
    ) private returns (uint256 marketId, int256 delta) {
        int256 size;
        (marketId, size) = _largestPosition(account);
        if (size == 0) revert TargetUnreachable(account, health(account), cfg.targetHealth);
        ICrossmarginRisk risk = _risk();
        for (uint256 pass = 0; pass < 2; ++pass) {
            delta = pass == 0 ? -(size * int256(uint256(cfg.reduceBps))) / int256(BPS) : -size;
            if (delta == 0) continue;
            ICrossmarginRisk.Preview memory p = risk.previewTrade(account, marketId, delta);
            if (!p.ok || p.liquidatable) continue;
            Health memory after_ = Health(p.equity, p.im, p.mm);
            if (_ratio(after_) < cfg.targetHealth) continue;
            uint256 acceptable =
                delta > 0
                    ? Math.mulDiv(p.fillPrice, BPS + cfg.slippageBps, BPS, Math.Rounding.Ceil)
                    : Math.mulDiv(p.fillPrice, BPS - cfg.slippageBps, BPS);
            if (acceptable == 0) acceptable = 1;
            engine.modifyPosition(account, marketId, delta, acceptable, block.timestamp);
            return (marketId, delta);
        }
        revert TargetUnreachable(account, health(account), cfg.targetHealth);
    }

    /// @dev The open position with the largest notional at the oracle price.
    function _largestPosition(
        uint256 account
    ) private view returns (uint256 best, int256 bestSize) {
        uint64 mask = engine.getAccount(account).marketMask;
        uint256 bestNotional;
        for (uint256 id = 0; mask != 0; ++id) {
            if (mask & 1 == 1) {
                PositionView memory p = engine.getPosition(account, id);
                uint256 notional = Math.mulDiv(_abs(p.size), engine.marketPrice(id), WAD);
                if (notional > bestNotional || bestSize == 0) {
                    (best, bestSize, bestNotional) = (id, p.size, notional);
                }
            }
            mask >>= 1;
        }
    }

    /// @dev Quote the reserve can give while meeting its own IM: min(quote balance, equity - IM).
    function _reserveFree(uint256 reserve) private view returns (uint256) {
        int256 balance = engine.getAccount(reserve).quoteBalance;
        if (balance <= 0) return 0;
        Health memory h = engine.accountHealth(reserve);
        if (h.equity <= int256(h.im)) return 0;
        return Math.min(uint256(balance), uint256(h.equity - int256(h.im)) / _quoteScale);
    }

    function _ratio(Health memory h) private pure returns (uint256) {
        if (h.mm == 0) return type(uint256).max;
        if (h.equity <= 0) return 0;
        return Math.mulDiv(uint256(h.equity), WAD, h.mm);
    }

    function _risk() private view returns (ICrossmarginRisk) {
        return ICrossmarginRisk(address(engine));
    }

    function _abs(int256 x) private pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }
}

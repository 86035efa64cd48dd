// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICrossmargin} from "../interfaces/ICrossmargin.sol";
import {IERC7540Redeem} from "../interfaces/IERC7540Redeem.sol";
import {MarketConfig, Order, PositionView} from "../types/Types.sol";

/// @title CrossmarginBasisVault
/// @notice An ERC-4626 vault over WETH that keeps its WETH as collateral in its own Crossmargin
///         account (sub-account 0) and holds a short perpetual of the same size, so its USD value
///         does not move with the ETH price: depositors earn (or pay) funding and carry the
///         hedge's fees. Shares are priced in WETH, so a share's WETH value falls when ETH rises.
/// @dev Design choices, each one an answer to the engine's delayed orders:
///      - The hedge is adjusted only by delayed orders (`commitOrder`); any keeper settles them
///        with the engine's permissionless `settleOrder` and earns the market's keeper fee,
///        which the vault pays. `rebalance` is permissionless: the hedge must follow deposits
///        and redemptions even when a keeper is down, and a caller cannot make the vault trade
///        unless the hedge is outside the band (so each paid order fixes a real drift), one
///        order at a time, with slippage bounded from the oracle price.
///      - Redemptions are asynchronous (ERC-7540 style): `requestRedeem` escrows shares and
///        takes them out of the hedge target; the next `rebalance` commits the order that
///        unwinds their part of the short (reduce-only) or, when the hedge stays within the
///        band without it, marks them processed at once. Once that order has left the book
///        (settled, or cancelled), `redeem` / `withdraw` pay the shares' WETH at the value then,
///        out of the engine account. No claim is priced while an order is pending, so a
///        redeemer cannot time a claim against a fill.
///      - `totalAssets` is the account's exit value in WETH: collateral at face value, plus the
///        quote balance, the position's PnL at the price a full close would fill at (impact
///        included) less its fee and accrued funding, less the keeper fee a pending order has
///        reserved; non-WETH value converts at the WETH oracle price, rounded down (a debt
///        rounded up). A pending order is not counted: it has not changed the position yet.
///      - Quote gains and debts stay in the account. The engine refuses WETH withdrawals while
///        the quote balance is negative, so anyone may repay the debt with the quote token and
///        buy WETH at the oracle price plus `conversionPremiumBps` (`repayDebt`); positive quote
///        can be bought with WETH at the same discount (`buyQuote`). Both keep WETH claimable.
///      - Inflation: `_decimalsOffset() == 6` (10^6 virtual shares and one virtual wei), and the
///        assets are the engine account's, which nobody can credit with WETH but the vault (a
///        WETH transfer to the vault itself is ignored). Quote can be donated to the account:
///        it only raises everyone's share price, and the virtual shares make that unprofitable.
///      Trust: the engine and its oracles; the admin only tunes the bounded parameters below.
contract CrossmarginBasisVault is ERC4626, AccessControl, ReentrancyGuardTransient, IERC7540Redeem {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;
    using Math for uint256;

    /// @notice Tunes the bounded parameters.
    bytes32 public constant RISK_ROLE = keccak256("RISK_ROLE");

    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;
    /// @notice Bounds of the parameters (basis points, seconds, size WAD).
    uint256 public constant MIN_BAND_BPS = 100;
    uint256 public constant MAX_BAND_BPS = 2_000;
    uint256 public constant MIN_SLIPPAGE_BPS = 10;
    uint256 public constant MAX_SLIPPAGE_BPS = 500;
    uint256 public constant MAX_PREMIUM_BPS = 100;
    uint256 public constant MIN_ORDER_TTL = 60;
    uint256 public constant MIN_ORDER_SIZE_FLOOR = 1e15;

    /// @notice The engine whose account holds the vault's assets.
    ICrossmargin public immutable engine;
    /// @notice The short perpetual's market (an ETH market priced like WETH).
    uint256 public immutable marketId;
    /// @notice The vault's engine account, `accountId(address(this), 0)`.
    uint256 public immutable account;
    /// @notice The engine's quote token.
    IERC20 public immutable quote;
    uint256 private immutable _quoteScale;

    /// @notice Relative drift of the short from its target that `rebalance` corrects (bps).
    uint256 public bandBps;
    /// @notice Slippage from the oracle price an order accepts (bps).
    uint256 public slippageBps;
    /// @notice Seconds an order may wait for its settlement (capped by the market's max age).
    uint256 public orderTtl;
    /// @notice Smallest order `rebalance` sends (size WAD): dust is left as drift.
    uint256 public minOrderSize;
    /// @notice Discount at which `repayDebt` and `buyQuote` trade with the caller (bps).
    uint256 public conversionPremiumBps;

    /// @notice Shares escrowed by redeem requests, not yet claimed.
    uint256 public escrowedShares;
    /// @notice The last epoch the hedge accounts for (requests of epochs <= it are processed).
    uint64 public coveredEpoch;
    /// @notice `coveredEpoch` before the last order was committed (in force while it pends).
    uint64 public coveredBeforeOrder;
    /// @notice The epoch of the newest request (requests join epoch `coveredEpoch + 1`).
    uint64 public lastRequestEpoch;

    struct Request {
        uint192 shares;
        uint64 epoch;
    }

    mapping(address controller => Request) private _requests;

    event HedgeOrderCommitted(
        int256 sizeDelta,
        int256 targetSize,
        uint256 acceptablePrice,
        uint64 epoch
    );
    event RequestsProcessed(uint64 epoch);
    event RedeemRequestCanceled(address indexed controller, uint256 shares);
    event DebtRepaid(address indexed payer, uint256 quoteAmount, uint256 wethOut);
    event QuoteBought(address indexed buyer, uint256 quoteAmount, uint256 wethIn);
    event ParametersSet(
        uint256 bandBps,
        uint256 slippageBps,
        uint256 orderTtl,
        uint256 minOrderSize,
        uint256 conversionPremiumBps
    );

    error ZeroAddress();
    error ZeroAmount();
    error ParameterOutOfBounds();
    error OrderPending();
    error HedgeWithinBand(int256 size, int256 target);
    error AsyncRedeem();
    error NotController(address caller, address controller);
    error RequestNotClaimable(address controller, uint256 claimable, uint256 wanted);
    error NoRedeemRequest(address controller);
    error RequestProcessed(address controller);
    error NoQuoteDebt();
    error QuoteDebtOutstanding(uint256 debt);
    error InsufficientQuote(uint256 available, uint256 wanted);
    error ConversionSlippage(uint256 amount, uint256 bound);
    error MarketMismatch(uint256 marketId);

    /// @param engine_ The Crossmargin engine.
    /// @param weth_ The vault's asset, a listed collateral of the engine.
    /// @param marketId_ The ETH market to short.
    /// @param admin The admin (grants `RISK_ROLE`).
    /// @param name_ Share name.
    /// @param symbol_ Share symbol.
    constructor(
        ICrossmargin engine_,
        IERC20 weth_,
        uint256 marketId_,
        address admin,
        string memory name_,
        string memory symbol_
    ) ERC20(name_, symbol_) ERC4626(weth_) {
        if (address(engine_) == address(0) || admin == address(0)) revert ZeroAddress();
        if (!engine_.getCollateral(address(weth_)).listed) revert ZeroAddress();
        if (marketId_ >= engine_.marketCount()) revert MarketMismatch(marketId_);
        engine = engine_;
        marketId = marketId_;
        account = engine_.accountId(address(this), 0);
        quote = IERC20(engine_.quoteToken());
        _quoteScale = 10 ** (18 - IERC20Metadata(address(quote)).decimals());
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(RISK_ROLE, admin);
        _setParameters(500, 100, 600, 1e16, 30);
        weth_.forceApprove(address(engine_), type(uint256).max);
        quote.forceApprove(address(engine_), type(uint256).max);
    }

    // ------------------------------------------------------------------------ parameters

    /// @notice Sets the bounded parameters (risk role): band 1 .. 20 %, slippage 0.1 .. 5 %,
    ///         order TTL >= 60 s, min order size >= 0.001, premium <= 1 %.
    function setParameters(
        uint256 bandBps_,
        uint256 slippageBps_,
        uint256 orderTtl_,
        uint256 minOrderSize_,
        uint256 premiumBps_
    ) external onlyRole(RISK_ROLE) {
        _setParameters(bandBps_, slippageBps_, orderTtl_, minOrderSize_, premiumBps_);
    }

    function _setParameters(
        uint256 band,
        uint256 slip,
        uint256 ttl,
        uint256 minSize,
        uint256 premium
    ) private {
        if (
            band < MIN_BAND_BPS ||
            band > MAX_BAND_BPS ||
            slip < MIN_SLIPPAGE_BPS ||
            slip > MAX_SLIPPAGE_BPS ||
            ttl < MIN_ORDER_TTL ||
            minSize < MIN_ORDER_SIZE_FLOOR ||
            premium > MAX_PREMIUM_BPS
        ) revert ParameterOutOfBounds();
        bandBps = band;
        slippageBps = slip;
        orderTtl = ttl;
        minOrderSize = minSize;
        conversionPremiumBps = premium;
        emit ParametersSet(band, slip, ttl, minSize, premium);
    }

    // ------------------------------------------------------------------------ ERC-4626

    /// @notice The engine account's exit value in WETH (see the contract's notes); reverts on a
    ///         stale feed like the engine's views.
    function totalAssets() public view override returns (uint256) {
        int256 usd = int256(engine.getAccount(account).quoteBalance) * int256(_quoteScale);
        PositionView memory p = engine.getPosition(account, marketId);
        if (p.size != 0) {
            (uint256 fill, uint256 fee) = engine.quoteTrade(marketId, -p.size);
            (, int256 indexNow) = engine.currentFunding(marketId);
            usd += _mulFloor(p.size, int256(fill) - int256(p.entryPrice));
            usd -= _mulCeil(p.size, indexNow - p.fundingIndex);
            usd -= int256(fee);
        }
        Order memory o = engine.getOrder(account, marketId);
        if (o.commitTime != 0) usd -= int256(uint256(o.keeperFee) * _quoteScale);
        uint256 weth = engine.collateralBalance(account, asset());
        uint256 price = engine.collateralPrice(asset());
        if (usd >= 0) return weth + uint256(usd).mulDiv(WAD, price);
        uint256 debt = uint256(-usd).mulDiv(WAD, price, Math.Rounding.Ceil);
        return debt >= weth ? 0 : weth - debt;
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

    /// @notice Reverts `AsyncRedeem`: exits are requests.
    function previewRedeem(uint256) public view override returns (uint256) {
        return _async();
    }

    /// @notice Reverts `AsyncRedeem`: exits are requests.
    function previewWithdraw(uint256) public view override returns (uint256) {
        return _async();
    }

    /// @notice The controller's claimable shares (0 while an order is pending).
    function maxRedeem(address controller) public view override returns (uint256) {
        return _claimable(controller);
    }

    /// @notice WETH of the controller's claimable shares at the value now.
    function maxWithdraw(address controller) public view override returns (uint256) {
        return _convertToAssets(_claimable(controller), Math.Rounding.Floor);
    }

    /// @notice Claims `shares` of `controller`'s processed request for their WETH value now
    ///         (rounded down), paid from the engine account to `receiver`. Controller only.
    function redeem(
        uint256 shares,
        address receiver,
        address controller
    ) public override nonReentrant returns (uint256 assets) {
        _checkClaim(controller, shares);
        assets = _convertToAssets(shares, Math.Rounding.Floor);
        _claim(receiver, controller, assets, shares);
    }

    /// @notice Claims `assets` WETH of `controller`'s processed request; the shares burned
    ///         round up. Controller only.
    function withdraw(
        uint256 assets,
        address receiver,
        address controller
    ) public override nonReentrant returns (uint256 shares) {
        shares = _convertToShares(assets, Math.Rounding.Ceil);
        _checkClaim(controller, shares);
        _claim(receiver, controller, assets, shares);
    }

    // ------------------------------------------------------------------------ requests

    /// @notice Escrows `shares` of `owner` as `controller`'s redeem request. The caller is
    ///         `owner` or spends its allowance; adding to a request needs the controller and
    ///         moves the whole request to the next epoch.
    function requestRedeem(
        uint256 shares,
        address controller,
        address owner
    ) external nonReentrant returns (uint256) {
        if (shares == 0) revert ZeroAmount();
        if (controller == address(0)) revert ZeroAddress();
        address sender = _msgSender();
        if (sender != owner) _spendAllowance(owner, sender, shares);
        Request storage r = _requests[controller];
        if (r.shares != 0 && sender != controller) revert NotController(sender, controller);
        uint64 epoch = coveredEpoch + 1;
        r.shares = (uint256(r.shares) + shares).toUint192();
        r.epoch = epoch;
        lastRequestEpoch = epoch;
        escrowedShares += shares;
        _transfer(owner, address(this), shares);
        emit RedeemRequest(controller, owner, 0, sender, shares);
        return 0;
    }

    /// @notice Returns a request's shares to its controller (controller only) while no
    ///         `rebalance` has acted on it yet: once the hedge was unwound for it, the request
    ///         can only be claimed (`RequestProcessed`), so request-and-cancel cycles cannot
    ///         make the vault pay for orders it then has to reverse.
    function cancelRedeemRequest(
        address controller
    ) external nonReentrant returns (uint256 shares) {
        if (_msgSender() != controller) revert NotController(_msgSender(), controller);
        Request memory r = _requests[controller];
        shares = r.shares;
        if (shares == 0) revert NoRedeemRequest(controller);
        if (r.epoch <= coveredEpoch) revert RequestProcessed(controller);
        delete _requests[controller];
        escrowedShares -= shares;
        _transfer(address(this), controller, shares);
        emit RedeemRequestCanceled(controller, shares);
    }

    /// @inheritdoc IERC7540Redeem
    function pendingRedeemRequest(
        uint256 requestId,
        address controller
    ) external view returns (uint256) {
        if (requestId != 0) return 0;
        Request memory r = _requests[controller];
        return r.epoch > _settledEpoch() ? r.shares : 0;
    }

    /// @inheritdoc IERC7540Redeem
    function claimableRedeemRequest(
        uint256 requestId,
        address controller
    ) external view returns (uint256) {
        return requestId == 0 ? _claimable(controller) : 0;
    }

    /// @notice A controller's aggregated request.
    function redeemRequest(
        address controller
    ) external view returns (uint256 shares, uint256 epoch) {
        Request memory r = _requests[controller];
        return (r.shares, r.epoch);
    }

    // ------------------------------------------------------------------------ hedge

    /// @notice The short the vault should hold: its WETH collateral times the share of the
    ///         supply not escrowed by requests (size WAD, <= 0).
    function targetSize() public view returns (int256) {
        uint256 supply = totalSupply();
        if (supply == 0) return 0;
        uint256 weth = engine.collateralBalance(account, asset());
        return -weth.mulDiv(supply - escrowedShares, supply).toInt256();
    }

    /// @notice Whether a hedge order is waiting for its settlement.
    function orderPending() public view returns (bool) {
        return engine.getOrder(account, marketId).commitTime != 0;
    }

    /// @notice Commits the order that brings the short to `targetSize` when it drifted beyond
    ///         the band (and by at least `minOrderSize`); otherwise, if requests wait, marks
    ///         them processed. Permissionless. Reverts `OrderPending` while an order waits and
    ///         `HedgeWithinBand` when there is nothing to do.
    /// @return sizeDelta The order's size (0 when only requests were processed).
    function rebalance() external nonReentrant returns (int256 sizeDelta) {
        if (orderPending()) revert OrderPending();
        int256 size = engine.getPosition(account, marketId).size;
        int256 target = targetSize();
        sizeDelta = target - size;
        uint256 drift = _abs(sizeDelta);
        bool outside = drift >= minOrderSize && drift * BPS > bandBps * _abs(target);
        uint64 epoch = coveredEpoch;
        if (outside) {
            uint256 price = engine.marketPrice(marketId);
            uint256 acceptable =
                sizeDelta > 0
                    ? price.mulDiv(BPS + slippageBps, BPS, Math.Rounding.Ceil)
                    : price.mulDiv(BPS - slippageBps, BPS);
            MarketConfig memory m = engine.getMarket(marketId);
            // Inside the engine's window (minOrderDelay, maxOrderAge], leaving keepers at least
            // MIN_ORDER_TTL seconds after the earliest settlement whenever the market allows it.
            uint256 ttl = Math.min(
                Math.max(orderTtl, uint256(m.minOrderDelay) + MIN_ORDER_TTL),
                m.maxOrderAge
            );
            coveredBeforeOrder = epoch;
            coveredEpoch = epoch + 1;
            engine.commitOrder(account, marketId, sizeDelta, acceptable, block.timestamp + ttl);
            emit HedgeOrderCommitted(sizeDelta, target, acceptable, epoch + 1);
        } else if (lastRequestEpoch > epoch) {
            coveredEpoch = epoch + 1;
            coveredBeforeOrder = epoch + 1;
            sizeDelta = 0;
            emit RequestsProcessed(epoch + 1);
        } else {
            revert HedgeWithinBand(size, target);
        }
    }

    // ------------------------------------------------------------------------ conversions

    /// @notice Repays the account's whole quote debt with the caller's quote tokens and pays the
    ///         caller its USD value in WETH at the oracle price plus `conversionPremiumBps`.
    /// @param minWethOut The least WETH the caller accepts.
    function repayDebt(
        uint256 minWethOut
    ) external nonReentrant returns (uint256 debt, uint256 wethOut) {
        int256 balance = engine.getAccount(account).quoteBalance;
        if (balance >= 0) revert NoQuoteDebt();
        debt = uint256(-balance);
        uint256 usd = debt * _quoteScale;
        wethOut = usd.mulDiv(
            WAD * (BPS + conversionPremiumBps),
            engine.collateralPrice(asset()) * BPS
        );
        if (wethOut < minWethOut) revert ConversionSlippage(wethOut, minWethOut);
        quote.safeTransferFrom(_msgSender(), address(this), debt);
        engine.deposit(0, address(quote), debt);
        engine.withdraw(account, asset(), wethOut, _msgSender());
        emit DebtRepaid(_msgSender(), debt, wethOut);
    }

    /// @notice Sells `quoteAmount` of the account's positive quote balance for WETH worth its USD
    ///         value less `conversionPremiumBps` at the oracle price (rounded up for the vault).
    /// @param quoteAmount Quote units bought.
    /// @param maxWethIn The most WETH the caller pays.
    function buyQuote(
        uint256 quoteAmount,
        uint256 maxWethIn
    ) external nonReentrant returns (uint256 wethIn) {
        if (quoteAmount == 0) revert ZeroAmount();
        int256 balance = engine.getAccount(account).quoteBalance;
        uint256 available = balance > 0 ? uint256(balance) : 0;
        if (quoteAmount > available) revert InsufficientQuote(available, quoteAmount);
        uint256 usd = quoteAmount * _quoteScale;
        wethIn = usd.mulDiv(
            WAD * (BPS - conversionPremiumBps),
            engine.collateralPrice(asset()) * BPS,
            Math.Rounding.Ceil
        );
        if (wethIn > maxWethIn) revert ConversionSlippage(wethIn, maxWethIn);
        IERC20(asset()).safeTransferFrom(_msgSender(), address(this), wethIn);
        engine.deposit(0, asset(), wethIn);
        engine.withdraw(account, address(quote), quoteAmount, _msgSender());
        emit QuoteBought(_msgSender(), quoteAmount, wethIn);
    }

    // ------------------------------------------------------------------------ internals

    /// @dev 10^6 virtual shares against the first-depositor inflation attack.
    function _decimalsOffset() internal pure override returns (uint8) {
        return 6;
    }

    /// @dev Pulls the WETH, mints, then deposits it into the vault's engine account.
    function _deposit(
        address caller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) internal override {
        super._deposit(caller, receiver, assets, shares);
        engine.deposit(0, asset(), assets);
    }

    function _checkClaim(address controller, uint256 shares) private view {
        if (_msgSender() != controller) revert NotController(_msgSender(), controller);
        if (shares == 0) revert ZeroAmount();
        if (orderPending()) revert OrderPending();
        uint256 claimable = _claimable(controller);
        if (shares > claimable) revert RequestNotClaimable(controller, claimable, shares);
    }

    function _claim(address receiver, address controller, uint256 assets, uint256 shares) private {
        if (assets == 0) revert ZeroAmount();
        int256 balance = engine.getAccount(account).quoteBalance;
        if (balance < 0) revert QuoteDebtOutstanding(uint256(-balance));
        Request storage r = _requests[controller];
        r.shares -= uint192(shares);
        escrowedShares -= shares;
        _burn(address(this), shares);
        engine.withdraw(account, asset(), assets, receiver);
        emit Withdraw(_msgSender(), receiver, controller, assets, shares);
    }

    function _claimable(address controller) private view returns (uint256) {
        Request memory r = _requests[controller];
        if (r.shares == 0 || r.epoch > _settledEpoch() || orderPending()) return 0;
        return r.shares;
    }

    function _settledEpoch() private view returns (uint64) {
        return orderPending() ? coveredBeforeOrder : coveredEpoch;
    }

    /// @dev Reads state so the compiler does not treat OZ's synchronous exits as unreachable.
    function _async() private view returns (uint256) {
        if (address(engine) != address(0)) revert AsyncRedeem();
        return 0;
    }

    function _abs(int256 x) private pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    /// @dev floor(a * b / WAD), signed.
    function _mulFloor(int256 a, int256 b) private pure returns (int256) {
        int256 p = a * b;
        int256 q = p / int256(WAD);
        return (p % int256(WAD) != 0 && p < 0) ? q - 1 : q;
    }

    /// @dev ceil(a * b / WAD), signed.
    function _mulCeil(int256 a, int256 b) private pure returns (int256) {
        int256 p = a * b;
        int256 q = p / int256(WAD);
        return (p % int256(WAD) != 0 && p > 0) ? q + 1 : q;
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 id) public view override returns (bool) {
        return id == 0x620ee8e4 || super.supportsInterface(id);
    }
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ICrossmarginExtension} from "../interfaces/ICrossmarginExtension.sol";
import {CrossmarginAdmin} from "./CrossmarginAdmin.sol";
import {AdlLogic} from "../libraries/AdlLogic.sol";
import {MarginLogic} from "../libraries/MarginLogic.sol";
import {ConfigPage} from "../libraries/ConfigPage.sol";
import {CollateralLogic} from "../libraries/CollateralLogic.sol";
import {OperatorLogic} from "../libraries/OperatorLogic.sol";
import {OrderLogic} from "../libraries/OrderLogic.sol";
import {OrderStore} from "../libraries/OrderStore.sol";
import {Bitmask} from "../libraries/Bitmask.sol";
import {TradeLogic} from "../libraries/TradeLogic.sol";
import {PoolLogic} from "../libraries/PoolLogic.sol";
import {MarketMath} from "../libraries/MarketMath.sol";
import {PositionLib} from "../libraries/PositionLib.sol";
import {AccountIds} from "../libraries/AccountIds.sol";
import {Delegation} from "../libraries/Delegation.sol";
import {
    AccountData,
    AccountLiquidation,
    BPS,
    CollateralConfig,
    CollateralListing,
    Health,
    MARKET_INSTANT_TRADING,
    MarketConfig,
    StoredMarket,
    MarketInfo,
    MarketState,
    MarketStatus,
    Order,
    PositionView,
    StoredCollateral
} from "../types/Types.sol";
import {LiquidationSettings} from "../types/Params.sol";
import {LiquidationParams, StoredLiquidationParams} from "../types/Store.sol";
import {LiquidationConfig} from "../libraries/LiquidationConfig.sol";

/// @title CrossmarginExtension
/// @notice The engine's extension: account ids, operators (EIP-712 approval included) and
///         settlement callbacks, governance (`CrossmarginAdmin`) and every view. Nothing a trade,
///         a withdrawal, an order or a liquidation runs lives here.
/// @dev Runs only by delegatecall from the engine's fallback, on the engine's storage: it
///      inherits the same layout (`CrossmarginStorage`), and every function that writes reverts
///      `NotDelegated` at the extension's own address (the governance setters through
///      `_checkRole`). Its own fallback runs the risk module (`CrossmarginRisk`) the same way.
///      The EIP-712 domain is the engine's: OpenZeppelin's `EIP712` rebuilds the separator for
///      `address(this)`, which under delegatecall is the engine.
contract CrossmarginExtension is CrossmarginAdmin, EIP712, ICrossmarginExtension {
    /// @inheritdoc ICrossmarginExtension
    uint256 public constant MAX_COLLATERALS_PER_ACCOUNT = MarginLogic.MAX_COLLATERALS_PER_ACCOUNT;
    /// @inheritdoc ICrossmarginExtension
    bytes32 public constant SET_OPERATOR_TYPEHASH = OperatorLogic.SET_OPERATOR_TYPEHASH;

    /// @inheritdoc ICrossmarginExtension
    address public immutable riskModule;

    /// @inheritdoc ICrossmarginExtension
    // solhint-disable-next-line func-name-mixedcase
    function RISK_MANAGER_ROLE() external pure returns (bytes32) {
        return RISK_MANAGER;
    }

    /// @inheritdoc ICrossmarginExtension
    // solhint-disable-next-line func-name-mixedcase
    function GUARDIAN_ROLE() external pure returns (bytes32) {
        return GUARDIAN;
    }

    /// @param riskModule_ The deployed `CrossmarginRisk` (offset pairs, protection, previews).
    constructor(address riskModule_) EIP712("Crossmargin", "1") {
        if (riskModule_.code.length == 0) revert ZeroAddress();
        riskModule = riskModule_;
    }

    /// @notice Runs every selector neither the engine nor the extension has in the risk module,
    ///         on the engine's storage (delegatecall): offset pairs, protection and top-ups,
    ///         previews and risk views (`ICrossmarginRisk`).
    fallback() external {
        Delegation.forward(riskModule);
    }

    // ------------------------------------------------------------------ accounts

    /// @inheritdoc ICrossmarginExtension
    function accountId(address owner, uint8 subAccount) external pure returns (uint256) {
        return AccountIds.id(owner, subAccount);
    }

    /// @inheritdoc ICrossmarginExtension
    function ownerOf(uint256 account) external pure returns (address owner) {
        return _ownerOf(account);
    }

    /// @inheritdoc ICrossmarginExtension
    function setOperator(
        uint256 account,
        address operator,
        bool approved
    ) external delegated nonReentrant {
        _onlyOwner(account);
        OperatorLogic.set(s, account, operator, approved);
    }

    /// @inheritdoc ICrossmarginExtension
    function setOperatorWithSig(
        uint256 account,
        address operator,
        bool approved,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external delegated nonReentrant {
        OperatorLogic.setWithSig(
            s,
            _domainSeparatorV4(),
            account,
            operator,
            approved,
            nonce,
            deadline,
            signature
        );
    }

    /// @dev Reverts unless the caller owns `account` (an operator may not).
    function _onlyOwner(uint256 account) private view {
        if (_ownerOf(account) != msg.sender) revert Unauthorized(msg.sender, account);
    }

    /// @inheritdoc ICrossmarginExtension
    function nonces(uint256 account) external view returns (uint256) {
        return s.operatorNonces[account];
    }

    /// @inheritdoc ICrossmarginExtension
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc ICrossmarginExtension
    function setSettlementCallback(
        uint256 account,
        address callback
    ) external delegated nonReentrant {
        _onlyOwner(account);
        if (callback != address(0) && callback.code.length == 0) revert InvalidCallback(callback);
        s.settlementCallbacks[account] = callback;
        // INV-76: each pending order's flag follows, so that its settlement notifies the
        // callback set now (and reads the callback's slot only when there is one).
        bool on = callback != address(0);
        for (uint256 m = s.accounts[account].orderMask; m != 0; m &= m - 1) {
            OrderStore.setCallback(s.orders[account][Bitmask.lowest(m)], on);
        }
        emit SettlementCallbackSet(account, callback);
    }

    /// @inheritdoc ICrossmarginExtension
    function settlementCallback(uint256 account) external view returns (address) {
        return s.settlementCallbacks[account];
    }

    /// @inheritdoc ICrossmarginExtension
    function isOperator(uint256 account, address operator) external view returns (bool) {
        return s.operators[account][operator];
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICrossmarginExtension
    function quoteToken() external view returns (address) {
        return s.quoteToken;
    }

    /// @inheritdoc ICrossmarginExtension
    function quoteScale() external view returns (uint256) {
        return s.quoteScale;
    }

    /// @inheritdoc ICrossmarginExtension
    function configPage() external view returns (uint256 version, address page) {
        version = s.configPage;
        if (version != 0) page = ConfigPage.at(version);
    }

    /// @inheritdoc ICrossmarginExtension
    function configPageCode() external view {
        bytes memory c = ConfigPage.code(s);
        // Raw, not ABI-encoded: the page's init code returns it as the page's code (INV-79).
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            return(add(c, 32), mload(c))
        }
    }

    /// @inheritdoc ICrossmarginExtension
    function accountValue(uint256 account) external view returns (int256) {
        return MarginLogic.accountValue(s, account);
    }

    /// @inheritdoc ICrossmarginExtension
    function marketInfo(uint256 marketId) external view returns (MarketInfo memory) {
        StoredMarket storage m = s.markets[marketId].config;
        return MarketInfo(s.marketNames[marketId], m.feed, m.status);
    }

    /// @inheritdoc ICrossmarginExtension
    function marketIdByName(bytes32 name) external view returns (uint256) {
        uint256 idPlusOne = s.marketIdPlusOne[name];
        if (idPlusOne == 0) revert UnknownMarketName(name);
        return idPlusOne - 1;
    }

    /// @inheritdoc ICrossmarginExtension
    function accountHealth(uint256 account) external view returns (Health memory) {
        return MarginLogic.health(s, account, TradeLogic.NO_HINT, 0, false);
    }

    /// @inheritdoc ICrossmarginExtension
    function isLiquidatable(uint256 account) external view returns (bool) {
        Health memory h = MarginLogic.liquidationHealth(s, account);
        return h.equity < int256(h.mm);
    }

    /// @inheritdoc ICrossmarginExtension
    function getAccount(uint256 account) external view returns (AccountData memory) {
        return s.accounts[account];
    }

    /// @inheritdoc ICrossmarginExtension
    function getPosition(
        uint256 account,
        uint256 marketId
    ) external view returns (PositionView memory) {
        return PositionLib.toView(s.positions[AccountIds.positionKey(account, marketId)]);
    }

    /// @inheritdoc ICrossmarginExtension
    function traderDebt() external view returns (uint256) {
        return s.traderDebt;
    }

    /// @inheritdoc ICrossmarginExtension
    function getAccountLiquidation(
        uint256 account
    ) external view returns (AccountLiquidation memory) {
        return s.liquidations[account];
    }

    /// @inheritdoc ICrossmarginExtension
    function getOrder(uint256 account, uint256 marketId) external view returns (Order memory) {
        return OrderLogic.get(s, account, marketId);
    }

    /// @inheritdoc ICrossmarginExtension
    function collateralBalance(uint256 account, address token) external view returns (uint256) {
        return CollateralLogic.collateralBalance(s, account, token);
    }

    /// @inheritdoc ICrossmarginExtension
    function getCollateral(address token) external view returns (CollateralConfig memory v) {
        CollateralListing storage entry = s.collaterals[token];
        if (!entry.listed) return v; // all zero, as for any token never listed
        StoredCollateral storage c = s.collateralConfigs[entry.index];
        v.feed = c.feed;
        v.heartbeat = c.heartbeat;
        v.feedDecimals = c.feedDecimals;
        v.tokenDecimals = c.tokenDecimals;
        v.index = entry.index;
        v.listed = true;
        v.initialWeight = uint64(c.initialWeightBps * BPS);
        v.maintenanceWeight = uint64(c.maintenanceWeightBps * BPS);
        v.liquidationDiscount = entry.liquidationDiscount;
        v.sizeFactor = c.sizeFactor;
        v.depositCap = entry.depositCap;
        v.totalDeposited = entry.totalDeposited;
        v.sizeThreshold = c.sizeThreshold;
        v.weightFloor = c.weightFloor;
    }

    /// @inheritdoc ICrossmarginExtension
    function collateralTokens() external view returns (address[] memory) {
        return s.collateralTokens;
    }

    /// @inheritdoc ICrossmarginExtension
    function getLiquidationParams()
        external
        view
        returns (LiquidationSettings memory p, uint256 maxTakerFee)
    {
        StoredLiquidationParams storage stored = s.liq;
        LiquidationParams memory w = LiquidationConfig.params(stored);
        p = LiquidationSettings({
            feeRate: w.feeRate,
            buffer: w.buffer,
            minKeeperRewardUsd: w.minKeeperReward,
            maxKeeperRewardUsd: w.maxKeeperReward,
            closeFactorHfThreshold: stored.closeFactorHfThreshold,
            smallDebtUsd: stored.smallDebtUsd,
            orderKeeperFeeUsd: stored.orderKeeperFee,
            penaltyRate: w.penaltyRate,
            accountWindow: w.accountWindow
        });
        maxTakerFee = w.maxTakerFee;
    }

    /// @inheritdoc ICrossmarginExtension
    function getMarket(uint256 marketId) external view returns (MarketConfig memory c) {
        StoredMarket storage m = s.markets[marketId].config;
        (uint256 maker, uint256 taker) = MarketMath.fees(m);
        c = MarketConfig({
            feed: m.feed,
            heartbeat: m.heartbeat,
            feedDecimals: m.feedDecimals,
            status: m.status,
            instantTrading: m.flags & MARKET_INSTANT_TRADING != 0,
            offsetPair: m.offsetPair,
            imrBase: uint64(m.imrBaseNano * MarketMath.NANO),
            imrSizeFactor: uint64(m.imrSizeFactorNano * MarketMath.NANO),
            maintenanceScalar: uint64(m.maintenanceScalarNano * MarketMath.NANO),
            maxFundingVelocity: uint64(m.maxFundingVelocityNano * MarketMath.NANO),
            minPositionMargin: uint128(m.minPositionMarginNano * MarketMath.NANO),
            skewScale: uint128(m.skewScaleNano * MarketMath.NANO),
            makerFee: uint64(maker),
            takerFee: uint64(taker),
            maxOpenInterest: m.maxOpenInterest,
            settlementPrice: m.settlementPrice,
            maxOiPoolRatio: m.maxOiPoolRatio,
            maxNetExposureRatio: m.maxNetExposureRatio,
            maxLiquidationPerWindow: m.maxLiquidationPerWindow,
            liquidationWindow: m.liquidationWindow,
            minOrderDelay: m.minOrderDelay,
            maxOrderAge: m.maxOrderAge
        });
    }

    /// @inheritdoc ICrossmarginExtension
    function getMarketState(uint256 marketId) external view returns (MarketState memory) {
        return s.markets[marketId].state;
    }

    /// @inheritdoc ICrossmarginExtension
    function marketCount() external view returns (uint256) {
        return s.marketCount;
    }

    /// @inheritdoc ICrossmarginExtension
    function marketPrice(uint256 marketId) external view returns (uint256) {
        return _marketPrice(marketId);
    }

    /// @inheritdoc ICrossmarginExtension
    function collateralPrice(address token) external view returns (uint256) {
        return
            CollateralLogic.collateralPrice(
                s.collateralConfigs[CollateralLogic.listing(s, token).index]
            );
    }

    /// @inheritdoc ICrossmarginExtension
    function currentFunding(uint256 marketId) external view returns (int256, int256) {
        return TradeLogic.funding(s, marketId, _marketPrice(marketId));
    }

    /// @inheritdoc ICrossmarginExtension
    function quoteTrade(
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fill, uint256 fee) {
        return TradeLogic.quote(s, marketId, sizeDelta, _marketPrice(marketId));
    }

    /// @inheritdoc ICrossmarginExtension
    function poolBalance() external view returns (int256) {
        return s.poolBalance;
    }

    /// @inheritdoc ICrossmarginExtension
    function poolValue() external view returns (int256) {
        return PoolLogic.value(s);
    }

    /// @inheritdoc ICrossmarginExtension
    function poolWithdrawable() external view returns (uint256) {
        return PoolLogic.withdrawable(s);
    }

    /// @inheritdoc ICrossmarginExtension
    function pool() external view returns (address) {
        return s.pool;
    }

    /// @inheritdoc ICrossmarginExtension
    function insuranceFund() external view returns (address) {
        return s.insuranceFund;
    }

    /// @inheritdoc ICrossmarginExtension
    function paused() external view returns (bool) {
        return s.paused;
    }

    /// @inheritdoc ICrossmarginExtension
    function adlNeed() external view returns (int256, int256, uint256) {
        return AdlLogic.need(s);
    }

    /// @inheritdoc ICrossmarginExtension
    function orderStatus(
        uint256 account,
        uint256 marketId
    )
        external
        view
        returns (
            Order memory order,
            bool settleable,
            bool cancellable,
            uint80 settlementRound,
            uint80 phaseProof
        )
    {
        return OrderLogic.status(s, account, marketId);
    }

    // ------------------------------------------------------------------ internals

    function _marketPrice(uint256 marketId) private view returns (uint256) {
        StoredMarket storage cfg = s.markets[marketId].config;
        if (cfg.status == MarketStatus.None) revert UnknownMarket(marketId);
        return MarginLogic.marketPrice(cfg);
    }
}

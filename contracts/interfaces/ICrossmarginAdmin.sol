// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {MarketStatus} from "../libraries/Types.sol";

/// @title ICrossmarginAdmin
/// @notice Governance of the engine. Admin (a timelock in production) lists tokens and markets
///         and wires contracts; the risk manager tunes parameters inside hard on-chain bounds;
///         the guardian pauses. Every change emits an event.
interface ICrossmarginAdmin {
    /// @notice Parameters of a collateral token at listing.
    struct CollateralParams {
        address feed;
        uint32 heartbeat;
        CollateralRisk risk;
    }

    /// @notice A collateral's risk parameters (docs/math.md, "Collateral weights"; INV-53).
    struct CollateralRisk {
        uint64 initialWeight; // WAD, <= maintenanceWeight
        uint64 maintenanceWeight; // WAD, <= 0.95
        uint64 liquidationDiscount; // WAD, <= min(0.5, 1 - maintenanceWeight)
        uint64 sizeFactor; // WAD per sqrt(USD), <= 0.01
        uint128 sizeThreshold; // USD WAD, <= 1e12 USD
        uint64 weightFloor; // WAD, <= 1
        uint128 depositCap; // token units
    }

    /// @notice Parameters of a market at creation.
    struct MarketParams {
        address feed;
        uint32 heartbeat;
        uint128 skewScale;
        uint64 makerFee;
        uint64 takerFee;
        uint64 maxFundingVelocity;
        uint64 imrBase;
        uint64 imrSizeFactor;
        uint64 maintenanceScalar;
        uint128 minPositionMargin;
        uint128 maxOpenInterest;
        uint64 maxOiPoolRatio;
        uint64 maxNetExposureRatio;
        uint128 maxLiquidationPerWindow;
        uint32 liquidationWindow;
        bool instantTrading;
        uint32 minOrderDelay;
        uint32 maxOrderAge;
    }

    function listCollateral(
        address token,
        CollateralParams calldata p,
        string calldata feedDescription
    ) external;

    function setCollateralParams(address token, CollateralRisk calldata risk) external;

    function setCollateralFeed(
        address token,
        address feed,
        uint32 heartbeat,
        string calldata feedDescription
    ) external;

    function addMarket(
        MarketParams calldata p,
        string calldata feedDescription
    ) external returns (uint256 marketId);

    function setMarketFeed(
        uint256 marketId,
        address feed,
        uint32 heartbeat,
        string calldata feedDescription
    ) external;

    function setMarketTradingParams(
        uint256 marketId,
        uint128 skewScale,
        uint64 makerFee,
        uint64 takerFee,
        uint64 maxFundingVelocity
    ) external;

    function setMarketMarginParams(
        uint256 marketId,
        uint64 imrBase,
        uint64 imrSizeFactor,
        uint64 maintenanceScalar,
        uint128 minPositionMargin
    ) external;

    /// @param maxNetExposureRatio INV-45: cap of the net skew notional, `|skew| * price`, as a
    ///        multiple of the pool's balance (WAD, 0.1 .. 10).
    function setMarketLimits(
        uint256 marketId,
        uint128 maxOpenInterest,
        uint64 maxOiPoolRatio,
        uint64 maxNetExposureRatio,
        uint128 maxLiquidationPerWindow,
        uint32 liquidationWindow
    ) external;

    function setMarketOrderParams(
        uint256 marketId,
        bool instantTrading,
        uint32 minOrderDelay,
        uint32 maxOrderAge
    ) external;

    /// @notice Active (admin), ReduceOnly or Paused (guardian or admin). Settled is `settleMarket`.
    function setMarketStatus(uint256 marketId, MarketStatus status) external;

    /// @notice Freezes a market at `price` (0 = the current oracle price). Terminal.
    function settleMarket(uint256 marketId, uint256 price) external;

    /// @notice Liquidation economics (docs/math.md, "Liquidation"; bounds in docs/specs.md INV-32).
    /// @param feeRate Keeper reward per USD of notional closed.
    /// @param minKeeperReward, maxKeeperReward Floor (paid at most once per account and window,
    ///        by the call that restores the account or closes it fully) and cap of the keeper's
    ///        reward on the window's total notional.
    /// @param penaltyRate Insurance-fund penalty per USD of notional closed (the highest taker
    ///        fee of any market is its floor, and the price impact of a close is added).
    /// @param accountWindow Length of the per-account window for rewards and the close factor.
    function setLiquidationParams(
        uint64 feeRate,
        uint64 buffer,
        uint128 minKeeperReward,
        uint128 maxKeeperReward,
        uint64 closeFactorHfThreshold,
        uint128 smallDebtUsd,
        uint128 orderKeeperFee,
        uint64 penaltyRate,
        uint32 accountWindow
    ) external;

    /// @notice Auto-deleveraging: the pool floor as a fraction of its balance (0 = off, else
    ///         0.05 .. 0.95), the caller's reward rate (<= 0.1 % of notional) and cap (<= 1,000 USD).
    function setAdlParams(uint64 floorRatio, uint64 rewardRate, uint128 maxReward) external;

    function setSequencer(address feed, uint32 gracePeriod) external;

    function setPool(address pool) external;

    function setInsuranceFund(address fund) external;

    function pause() external;

    function unpause() external;
}

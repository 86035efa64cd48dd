// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {MarketStatus} from "../libraries/Types.sol";

/// @title ICrossmarginEvents
/// @notice One event per state change, carrying computed outcomes so indexers need not recompute.
interface ICrossmarginEvents {
    // --- accounts ---
    event OperatorSet(uint256 indexed account, address indexed operator, bool approved);
    event Deposited(
        uint256 indexed account,
        address indexed token,
        address indexed from,
        uint256 amount
    );
    event Withdrawn(
        uint256 indexed account,
        address indexed token,
        address indexed to,
        uint256 amount
    );

    // --- governance ---
    event CollateralListed(address indexed token, address feed, uint32 heartbeat, uint8 index);
    /// @notice A collateral's risk parameters (emitted at listing too; INV-53).
    event CollateralParamsSet(
        address indexed token,
        uint64 initialWeight,
        uint64 maintenanceWeight,
        uint64 liquidationDiscount,
        uint64 sizeFactor,
        uint128 sizeThreshold,
        uint64 weightFloor,
        uint128 depositCap
    );
    event CollateralFeedSet(
        address indexed token,
        address feed,
        uint32 heartbeat,
        uint8 feedDecimals
    );
    event MarketAdded(uint256 indexed marketId, address feed, uint32 heartbeat);
    event MarketFeedSet(
        uint256 indexed marketId,
        address feed,
        uint32 heartbeat,
        uint8 feedDecimals
    );
    event MarketTradingParamsSet(
        uint256 indexed marketId,
        uint128 skewScale,
        uint64 makerFee,
        uint64 takerFee,
        uint64 maxFundingVelocity
    );
    event MarketMarginParamsSet(
        uint256 indexed marketId,
        uint64 imrBase,
        uint64 imrSizeFactor,
        uint64 maintenanceScalar,
        uint128 minPositionMargin
    );
    event MarketLimitsSet(
        uint256 indexed marketId,
        uint128 maxOpenInterest,
        uint64 maxOiPoolRatio,
        uint64 maxNetExposureRatio,
        uint128 maxLiquidationPerWindow,
        uint32 liquidationWindow
    );
    event MarketOrderParamsSet(
        uint256 indexed marketId,
        bool instantTrading,
        uint32 minOrderDelay,
        uint32 maxOrderAge
    );
    event MarketStatusSet(uint256 indexed marketId, MarketStatus status, uint256 settlementPrice);
    event LiquidationParamsSet(
        uint64 feeRate,
        uint64 buffer,
        uint128 minKeeperReward,
        uint128 maxKeeperReward,
        uint64 closeFactorHfThreshold,
        uint128 smallDebtUsd,
        uint128 orderKeeperFee,
        uint64 penaltyRate,
        uint32 accountWindow
    );
    event SequencerSet(address feed, uint32 gracePeriod);
    event PoolSet(address pool);
    event InsuranceFundSet(address fund);
    event PausedSet(bool paused);
    event AdlParamsSet(uint64 floorRatio, uint64 rewardRate, uint128 maxReward);

    // --- trading ---
    event FundingRecorded(
        uint256 indexed marketId,
        int256 fundingRate,
        int256 fundingIndex,
        uint256 price
    );
    event PositionModified(
        uint256 indexed account,
        uint256 indexed marketId,
        int256 sizeDelta,
        int256 newSize,
        uint256 fillPrice,
        uint256 fee,
        int256 realisedPnl,
        int256 fundingPaid,
        int256 quoteDelta
    );

    // --- pool ---
    event PoolDeposited(uint256 assets, int256 poolBalance);
    event PoolWithdrawn(address indexed receiver, uint256 assets, int256 poolBalance);

    // --- liquidation ---
    event PositionLiquidated(
        uint256 indexed account,
        uint256 indexed marketId,
        address indexed keeper,
        int256 sizeClosed,
        uint256 price,
        uint256 notional,
        int256 quoteDelta
    );
    /// @notice `fee = keeperReward + toInsuranceFund` (quote units) charged to the account for
    ///         `notionalClosed` (USD WAD); `penalty` is what the fund was owed before the charge
    ///         was capped by the account's equity.
    event LiquidationFeePaid(
        uint256 indexed account,
        address indexed keeper,
        uint256 notionalClosed,
        uint256 fee,
        uint256 keeperReward,
        uint256 toInsuranceFund
    );
    /// @notice The insurance fund bought `amount` of `token` from a bankrupt account for
    ///         `debtRepaid` quote units, at the oracle price less the token's discount.
    event CollateralSoldToFund(
        uint256 indexed account,
        address indexed token,
        uint256 amount,
        uint256 debtRepaid
    );
    event CollateralLiquidated(
        uint256 indexed account,
        address indexed token,
        address indexed liquidator,
        uint256 debtRepaid,
        uint256 collateralSeized
    );
    event BadDebtSettled(
        uint256 indexed account,
        uint256 deficit,
        uint256 coveredByFund,
        uint256 socialised
    );
    event CollateralSeized(uint256 indexed account, address indexed token, uint256 amount);

    // --- delayed orders ---
    event OrderCommitted(
        uint256 indexed account,
        uint256 indexed marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 settlementDeadline,
        uint256 keeperFee
    );
    event OrderSettled(
        uint256 indexed account,
        uint256 indexed marketId,
        address indexed keeper,
        uint80 roundId
    );
    event OrderCancelled(
        uint256 indexed account,
        uint256 indexed marketId,
        address indexed caller,
        bytes32 reason,
        uint256 keeperFee
    );

    // --- order safety (INV-35, INV-36, INV-38) ---
    /// @notice A reduce-only order was clamped to the position left (`filledDelta`).
    event OrderClamped(
        uint256 indexed account,
        uint256 indexed marketId,
        int256 sizeDelta,
        int256 filledDelta
    );
    /// @notice The keeper fee charged was capped by the account's equity (`charged < reserved`).
    event OrderFeeCapped(
        uint256 indexed account,
        uint256 indexed marketId,
        uint256 reserved,
        uint256 charged
    );
    /// @notice An owner's cancellation fee went to the insurance fund, or (`toInsuranceFund`
    ///         false: the fund or token refused it) to the pool's balance.
    event OrderCancelFeeCollected(
        uint256 indexed account,
        uint256 indexed marketId,
        uint256 amount,
        bool toInsuranceFund
    );

    // --- auto-deleveraging (INV-49 to INV-52) ---
    /// @notice `keeper` closed `sizeDelta` of the account's position at the oracle `price`
    ///         because the pool was below its floor (`poolValue` and `poolBalance` before the
    ///         close). `score` ranks candidates (docs/math.md); the account paid `charge` quote
    ///         units, of which `reward` went to the keeper and the rest to the pool.
    event AutoDeleveraged(
        uint256 indexed account,
        uint256 indexed marketId,
        address indexed keeper,
        int256 sizeDelta,
        uint256 price,
        uint256 score,
        uint256 charge,
        uint256 reward,
        int256 poolValue,
        int256 poolBalance
    );

    // risk model (docs/math.md, "Risk model")
    /// @notice An offset pair declared, changed or removed (`rate == 0`; INV-54).
    event OffsetPairSet(
        uint256 indexed pairId,
        uint256 marketA,
        uint256 marketB,
        uint64 rate,
        uint64 stressMove
    );
    /// @notice The fee (USD WAD) a top-up pays its caller (INV-56).
    event TopUpFeeSet(uint256 feeUsd);
    /// @notice A reserve attached to an account (`maxPerWindow == 0`: detached; INV-55).
    event ProtectionSet(
        uint256 indexed account,
        uint256 indexed reserve,
        uint64 buffer,
        uint96 maxPerWindow,
        uint32 window
    );
    /// @notice Quote moved from the reserve before liquidation (quote units; INV-55, INV-56).
    event ToppedUp(
        uint256 indexed account,
        uint256 indexed reserve,
        address indexed caller,
        uint256 amount,
        uint256 fee
    );
}

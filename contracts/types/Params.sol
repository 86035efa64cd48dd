// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

// Parameter structs of the admin API (ICrossmarginAdmin): what a setter takes and its event
// emits. Units are in the field names: `...Usd` is USD WAD; ratios, rates and fees without a
// suffix are WAD; sizes are size WAD; windows, delays and ages are seconds. Bounds are those of
// the setters (contracts/interfaces/ICrossmarginAdmin.sol, docs/specs.md INV-32, INV-52, INV-53).
//
// The storage forms differ: a market's parameters live in `MarketConfig` (Types.sol), the
// protocol-wide ones in `LiquidationParams` and `AdlParams` (Store.sol; packed, and holding the
// derived `maxTakerFee`), hence the `Settings` names of the last two structs here.

/// @notice A market's price impact, fees and funding velocity (`setMarketTradingParams`). Fees are
///         whole pips (multiples of 1e12), the others whole nanos (multiples of 1e9; INV-73).
struct MarketTradingParams {
    uint128 skewScale; // size WAD, <= 1e15 units: skew at which the price impact is 100 %; 0 = none
    uint64 makerFee; // WAD of notional, <= 5 %: on the part of a trade that shrinks |skew|
    uint64 takerFee; // WAD of notional, <= 5 %: on the part of a trade that grows |skew|
    uint64 maxFundingVelocity; // WAD per day per day, <= 10: funding rate change at full skew
}

/// @notice A market's margin requirements (`setMarketMarginParams`; INV-53), each a whole number
///         of nanos (a multiple of 1e9; INV-73).
struct MarketMarginParams {
    uint64 imrBase; // WAD, 0.02 .. 1: initial margin ratio of a small position
    uint64 imrSizeFactor; // WAD per sqrt(USD), <= 0.01: imr = max(imrBase, f * sqrt(notional))
    uint64 maintenanceScalar; // WAD, 0.5 .. 0.9: maintenance ratio / initial ratio
    uint128 minPositionMarginUsd; // USD WAD, <= 10,000 USD: added to both requirements
}

/// @notice A market's open-interest, exposure and liquidation caps (`setMarketLimits`).
struct MarketLimits {
    uint128 maxOpenInterest; // size WAD per side, <= 1e15 units
    uint64 maxOiPoolRatio; // WAD, 0.1 .. 10: a side's notional / the pool's balance
    uint64 maxNetExposureRatio; // WAD, 0.1 .. 10: |skew| * price / the pool's balance (INV-45)
    uint128 maxLiquidationPerWindowUsd; // USD WAD of notional; 0 = unlimited, else >= 100,000
    uint32 liquidationWindow; // seconds, <= 1 day
}

/// @notice A market's order parameters (`setMarketOrderParams`; INV-38).
struct MarketOrderParams {
    bool instantTrading; // whether modifyPosition may add risk without a delayed order
    uint32 minOrderDelay; // seconds, <= 1 hour: commit to the earliest settlement round
    uint32 maxOrderAge; // seconds, minOrderDelay + 1 .. 1 day: latest deadline after the commit
}

/// @notice Protocol-wide liquidation economics (`setLiquidationParams`; docs/math.md,
///         "Liquidation"; INV-32).
struct LiquidationSettings {
    uint64 feeRate; // WAD of notional closed, <= 5 %, whole nanos: the keeper's reward rate
    uint64 buffer; // WAD, <= 1, whole nanos: close until equity >= MM * (1 + buffer)
    uint128 minKeeperRewardUsd; // USD WAD, whole micro-USD, <= max: floor per window
    uint128 maxKeeperRewardUsd; // USD WAD, whole micro-USD, <= 10,000 USD: cap per window
    uint64 closeFactorHfThreshold; // WAD, <= 1: below this health factor all debt may be repaid
    uint128 smallDebtUsd; // USD WAD, <= 100,000 USD: debts at or below may be repaid in full
    uint128 orderKeeperFeeUsd; // USD WAD, <= 1,000 USD: a delayed order's keeper fee
    uint64 penaltyRate; // WAD of notional closed, <= 5 %, whole nanos: to the insurance fund
    uint32 accountWindow; // seconds, 1 minute .. 1 day: the per-account liquidation window
}

/// @notice Auto-deleveraging parameters (`setAdlParams`; INV-52).
struct AdlSettings {
    uint64 floorRatio; // WAD, 0 (off) or 0.05 .. 0.95: ADL runs while poolValue < this * balance
    uint64 rewardRate; // WAD of notional closed, <= 0.1 %: the caller's reward rate
    uint128 maxRewardUsd; // USD WAD, <= 1,000 USD: the caller's reward per call at most
}

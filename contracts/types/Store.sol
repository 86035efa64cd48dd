// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {
    AccountData,
    AccountLiquidation,
    CollateralListing,
    StoredCollateral,
    StoredMarket,
    MarketState,
    OffsetPair,
    Position,
    Protection,
    StoredOrder
} from "./Types.sol";

/// @notice Protocol-wide liquidation parameters as a liquidation uses them (USD WAD unless
///         stated); in storage: `StoredLiquidationParams`.
struct LiquidationParams {
    uint64 feeRate; // WAD of notional closed: the keeper's reward rate
    uint64 buffer; // WAD: positions are closed until equity >= MM * (1 + buffer)
    uint64 penaltyRate; // WAD of notional closed, to the insurance fund
    uint64 maxTakerFee; // WAD: the highest taker fee of any market, the penalty rate's floor
    uint80 minKeeperReward; // paid at most once per account and window (docs/math.md), <= 1e22
    uint80 maxKeeperReward; // per account and window, <= 1e22 < 2^80
    uint64 closeFactorHfThreshold; // WAD: below this health factor, 100 % of debt may be repaid
    uint32 accountWindow; // seconds: the per-account liquidation window (rewards, close factor)
}

// 1e-6 USD in USD WAD: the unit the keeper rewards are stored in (INV-75)
uint256 constant MICRO_USD = 1e12;

/// @notice Protocol-wide liquidation parameters as stored (docs/math.md, "Liquidation"):
///         slot 0 holds all that a liquidation of positions reads, the rates in nanos (1e-9, as
///         a market's margin parameters) and the keeper rewards in micro-USD (1e-6 USD, 1e12 USD
///         WAD); `setLiquidationParams` accepts only whole nanos and micro-USD (INV-75), so
///         nothing is rounded.
struct StoredLiquidationParams {
    // slot 0
    uint32 feeRateNano; // <= 5e7 (5 %)
    uint32 bufferNano; // <= 1e9 (1)
    uint32 penaltyRateNano; // <= 5e7 (5 %)
    uint32 maxTakerFeeNano; // the highest taker fee of any market (pips * 1,000), <= 5e7
    uint48 minKeeperRewardMicro; // <= maxKeeperRewardMicro
    uint48 maxKeeperRewardMicro; // <= 1e10 (10,000 USD)
    uint32 accountWindow; // seconds: the per-account liquidation window (rewards, close factor)
    // slot 1: `liquidateCollateral`'s and the orders'
    uint64 closeFactorHfThreshold; // WAD: below this health factor, 100 % of debt may be repaid
    uint96 smallDebtUsd; // USD WAD: debts at or below this may be repaid in full
    uint96 orderKeeperFee; // USD WAD paid to the keeper that settles or cancels a delayed order
}

/// @notice Auto-deleveraging parameters (docs/math.md, "Auto-deleveraging"), one slot.
struct AdlParams {
    uint64 floorRatio; // WAD: ADL runs while poolValue < floorRatio * poolBalance; 0 = off
    uint64 rewardRate; // WAD of the notional closed: the caller's reward rate
    uint128 maxReward; // USD WAD: the caller's reward per call at most
}

/// @notice A market: its parameters (5 slots) and its state (4 slots), under one mapping key.
struct Market {
    StoredMarket config;
    MarketState state;
}

/// @notice All engine state, in one struct so that linked libraries can share it.
struct Store {
    address quoteToken; // read by token transfers only
    // One slot for what every trade and margin check reads first and every trade writes
    // (docs/gas.md): the pool's balance beside the pause flag, the quote scale and the sequencer
    // check's settings
    int128 poolBalance; // quote units owned by the pool in the vault; `MarginLogic.addPool` writes it
    uint64 quoteScale; // 10 ** (18 - quote decimals)
    uint24 sequencerGracePeriod; // seconds, <= MAX_GRACE_PERIOD (1 day)
    bool paused;
    bool hasSequencer; // sequencerFeed != 0: the checks read the feed's slot only then
    uint24 configPage; // version of the config page (`ConfigPage`, INV-79), 0 = none yet
    address sequencerFeed; // optional L2 sequencer-uptime feed (answer 0 = up), 0 = none
    address pool;
    address insuranceFund;
    // Liquidation penalties owed to the fund, held in the vault until swept (INV-70): beside the
    // fund's address, which a liquidation reads anyway, so a penalty costs one warm write
    uint96 insuranceAccrued; // quote units
    // The number of markets beside the traders' debt (INV-46, INV-74): non-zero from the first
    // listing, so the first debt of the vault rewrites the slot (2,900 gas) instead of filling an
    // empty one (20,000), as listing keeps a market's state slots non-zero (INV-66)
    uint64 marketCount; // <= MAX_MARKETS (64)
    uint192 traderDebt; // sum of the negative quote balances, quote units (INV-46)
    StoredLiquidationParams liq;
    address[] collateralTokens; // by index
    mapping(address token => CollateralListing) collaterals;
    // A market's configuration and state under one key: one slot hash finds both (the state
    // at the configuration's slot + 5)
    mapping(uint256 marketId => Market) markets;
    mapping(uint256 account => AccountData) accounts;
    mapping(uint256 account => mapping(uint256 index => uint256)) collateralBalances; // by token index
    // by `AccountIds.positionKey(account, marketId)` (one slot hash, not two)
    mapping(uint256 key => Position) positions;
    mapping(uint256 account => mapping(uint256 marketId => StoredOrder)) orders;
    mapping(uint256 account => mapping(address operator => bool)) operators;
    mapping(uint256 account => AccountLiquidation) liquidations;
    AdlParams adl;
    // Risk model (docs/math.md, "Risk model")
    mapping(uint256 pairId => OffsetPair) offsetPairs; // ids 1 .. MAX_OFFSET_PAIRS
    mapping(uint256 account => Protection) protections;
    uint256 topUpFee; // USD WAD paid to the caller of a top-up, from the reserve
    // Integrator surface (docs/integration.md)
    mapping(uint256 account => uint256) operatorNonces; // EIP-712 `SetOperator` nonce, per account
    mapping(uint256 marketId => bytes32) marketNames; // set at listing, unique, never changed
    mapping(bytes32 name => uint256) marketIdPlusOne; // 0: no market has that name
    mapping(uint256 account => address) settlementCallbacks; // notified when an order settles
    // A collateral's feed, weights and size scale by its index (INV-78)
    mapping(uint256 index => StoredCollateral) collateralConfigs;
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @notice Lifecycle of a market.
/// @dev Active: everything allowed. ReduceOnly: trades may only reduce positions.
///      Paused: no user trades (liquidations continue at the oracle price).
///      Settled: frozen at `settlementPrice`; positions may only be closed, without fees.
enum MarketStatus {
    None,
    Active,
    ReduceOnly,
    Paused,
    Settled
}

/// @dev `StoredMarket.flags` bit: `modifyPosition` may increase risk without a delayed order.
uint8 constant MARKET_INSTANT_TRADING = 1;
/// @dev `StoredMarket.flags` bit: the market caps liquidations per window
///      (`maxLiquidationPerWindow != 0`), so a liquidation reads slot 3 only in such a market
///      (INV-77). Written only beside the cap, by `AdminLogic`.
uint8 constant MARKET_LIQUIDATION_CAP = 2;

/// @notice A listed collateral token (not the quote token), as `getCollateral` returns it and
///         admin events report it (WAD weights). In storage: its `CollateralListing` by
///         address and its `StoredCollateral` by index (INV-78).
struct CollateralConfig {
    address feed;
    uint32 heartbeat;
    uint8 feedDecimals;
    uint8 tokenDecimals;
    uint8 index; // bit position in AccountData.collateralMask
    bool listed;
    // docs/math.md, "Collateral weights"
    uint64 initialWeight; // WAD, <= maintenanceWeight: withdrawals and risk-increasing trades
    uint64 maintenanceWeight; // WAD, <= 0.95: equity and liquidation
    uint64 liquidationDiscount; // WAD, <= 1 - maintenanceWeight
    uint64 sizeFactor; // WAD per sqrt(USD): how fast the weights fall above the threshold
    uint128 depositCap; // token units
    uint128 totalDeposited; // token units
    uint128 sizeThreshold; // USD WAD: balances worth more are haircut more
    uint64 weightFloor; // WAD fraction of the weights the size scale never goes below
}

/// @dev One basis point in WAD: the unit the collateral weights are stored in (INV-78).
uint256 constant BPS = 1e14;

/// @notice A listed collateral token as a valuation reads it (INV-78), by its index (the bit of
///         `AccountData.collateralMask`, so the loop over an account's mask never reads the token's
///         address): slot 0 holds everything a valuation reads (feed, decimals and both weights,
///         in basis points), slot 1 the size scale, read only when it is on (`sizeFactor != 0`)
///         and the value reaches the threshold's power of two.
///         With the balance, also by index, a valuation reads two slots per token it holds.
struct StoredCollateral {
    // slot 0
    address feed;
    uint32 heartbeat;
    uint8 feedDecimals;
    uint8 tokenDecimals;
    bool sizeScaled; // sizeFactor != 0: the weights fall above the size threshold
    uint16 initialWeightBps; // <= maintenanceWeightBps
    uint16 maintenanceWeightBps; // <= 9,500 (0.95)
    // floor(log2(sizeThreshold)) (0 for 0): a value below 2^sizeFromLog2 is at or below the
    // threshold, so its valuation does not read slot 1 to compare (INV-78)
    uint8 sizeFromLog2;
    // slot 1: the size scale (docs/math.md, "Collateral weights")
    uint64 sizeFactor; // WAD per sqrt(USD)
    uint64 weightFloor; // WAD fraction of the weights the size scale never goes below
    uint128 sizeThreshold; // USD WAD: balances worth more are haircut more
}

/// @notice A listed collateral token by its address: what deposits, withdrawals and collateral
///         liquidations read beside its `StoredCollateral` (INV-78).
struct CollateralListing {
    // slot 0
    bool listed;
    uint8 index; // bit position in AccountData.collateralMask, key of its StoredCollateral
    uint8 tokenDecimals; // as in its StoredCollateral: both set at listing, never changed
    uint64 liquidationDiscount; // WAD, <= 1 - maintenanceWeight
    uint128 depositCap; // token units
    // slot 1
    uint128 totalDeposited; // token units
}

/// @notice A pair of correlated markets whose opposite positions earn a margin credit
///         (docs/math.md, "Offset pairs"). One slot.
struct OffsetPair {
    uint8 marketA;
    uint8 marketB;
    uint64 rate; // WAD, <= 0.5: share of the matched margin credited
    uint64 stressMove; // WAD: the move of one leg against the other the pair must cover
}

/// @notice A reserve sub-account that tops an account up before liquidation (docs/math.md,
///         "Protection by a reserve sub-account"). Two slots.
struct Protection {
    // slot 0
    bool enabled;
    uint8 reserveSub; // the reserve is accountId(owner, reserveSub)
    uint64 buffer; // WAD: top-ups aim at MM * (1 + buffer)
    uint96 maxPerWindow; // quote units
    uint32 window; // seconds
    // slot 1
    uint40 windowStart;
    uint96 usedInWindow; // quote units
}

/// @notice What identifies a market to an integrator (`ICrossmargin.marketInfo`).
struct MarketInfo {
    bytes32 name; // set at listing, unique (bytes32 string, e.g. "ETH-PERP")
    address feed; // its Chainlink price feed
    MarketStatus status; // None for an id that does not exist
}

/// @notice A market's parameters as `getMarket` returns them: fees in WAD, every field at its
///         full width (in storage: `StoredMarket`).
struct MarketConfig {
    address feed;
    uint32 heartbeat;
    uint8 feedDecimals;
    MarketStatus status;
    bool instantTrading; // whether modifyPosition may increase risk without a delayed order
    uint8 offsetPair; // id of the market's offset pair, 0 = none
    uint64 imrBase; // WAD, a whole number of nanos (1e-9), as the five below
    uint64 imrSizeFactor; // WAD per sqrt(USD)
    uint64 maintenanceScalar; // WAD, mmr = imr * scalar
    uint64 maxFundingVelocity; // WAD per day per day
    uint128 minPositionMargin; // USD WAD
    uint128 skewScale; // size WAD, 0 = no price impact and no funding
    uint64 makerFee; // WAD, a whole number of pips (1e-6)
    uint64 takerFee; // WAD, a whole number of pips (1e-6)
    uint128 maxOpenInterest; // size WAD per side
    uint128 settlementPrice; // WAD, set when settled
    uint64 maxOiPoolRatio; // WAD: per-side OI notional <= pool balance * ratio
    uint64 maxNetExposureRatio; // WAD: |skew| * price <= pool balance * ratio (INV-45)
    uint128 maxLiquidationPerWindow; // USD WAD of notional, 0 = unlimited
    uint32 liquidationWindow; // seconds
    uint32 minOrderDelay; // seconds between commit and the settlement round
    uint32 maxOrderAge; // seconds after which an unsettled order expires
}

/// @notice A market's parameters as stored (docs/gas.md, "Market storage"). Slots 0 and 1 hold
///         all that the margin check and a reducing trade read: the fees in pips (1e-6 of
///         notional), the margin and funding parameters in nanos (1e-9 of their WAD unit); the
///         setters accept only whole pips and nanos (INV-73), so nothing is rounded. Slot 2 holds
///         the caps a risk-increasing trade reads; the settlement price, read only once the
///         market is settled, has a slot alone.
struct StoredMarket {
    // slot 0
    address feed;
    uint32 heartbeat;
    uint8 feedDecimals;
    MarketStatus status;
    uint8 flags; // MARKET_INSTANT_TRADING, MARKET_LIQUIDATION_CAP (INV-77)
    uint8 offsetPair; // id of the market's offset pair, 0 = none
    uint16 makerFeePips; // 1e-6 of notional, <= 50,000 (5 %)
    uint16 takerFeePips; // 1e-6 of notional, <= 50,000 (5 %)
    // slot 1: each field in nanos of its unit (MarketMath.NANO = 1e9 WAD)
    uint32 imrBaseNano; // <= 1e9 (100 %)
    uint24 imrSizeFactorNano; // per sqrt(USD), <= 1e7 (0.01)
    uint32 maintenanceScalarNano; // <= 0.9e9, mmr = imr * scalar
    uint40 maxFundingVelocityNano; // per day per day, <= 1e10 (10)
    uint48 minPositionMarginNano; // USD, <= 1e13 (10,000 USD)
    uint80 skewScaleNano; // units of size, <= 1e24 (1e15 units); 0 = no impact, no funding
    // slot 2: what a risk-increasing trade's caps read
    uint128 maxOpenInterest; // size WAD per side
    uint64 maxOiPoolRatio; // WAD: per-side OI notional <= pool balance * ratio
    uint64 maxNetExposureRatio; // WAD: |skew| * price <= pool balance * ratio (INV-45)
    // slot 3: liquidation window and order timing
    uint128 maxLiquidationPerWindow; // USD WAD of notional, 0 = unlimited
    uint32 liquidationWindow; // seconds
    uint32 minOrderDelay; // seconds between commit and the settlement round
    uint32 maxOrderAge; // seconds after which an unsettled order expires
    // slot 4
    uint128 settlementPrice; // WAD, set when settled
}

/// @notice Aggregates per market, maintained incrementally so the pool's open PnL is O(1).
/// @dev Listing sets the `warm*` flags and nothing clears them, so no slot of a listed market's
///      state is ever zero: its first trade and first liquidation rewrite non-zero slots (2,900
///      gas each) instead of filling empty ones (20,000), and the listing pays those first writes
///      once (OpenZeppelin's `ReentrancyGuard` keeps its slot non-zero the same way).
struct MarketState {
    // slot 0
    uint112 longOI; // size WAD, <= maxOpenInterest (<= 1e33 < 2^112) on every increase
    uint112 shortOI;
    bool warmOI;
    // slot 1 (non-zero from the listing: lastFundingTime)
    int128 fundingIndex; // USD per unit, WAD
    int80 fundingRate; // WAD per day
    uint48 lastFundingTime;
    // slot 2
    // sum over positions of trunc(size * entry / WAD) - trunc(size * fundingIndexAtTouch / WAD)
    // (USD WAD): the pool's value needs only this difference (docs/math.md)
    int128 netBasis;
    // INV-40: the skew when funding was first recorded at `lastFundingTime` (size WAD,
    // |skew| <= maxOpenInterest <= 1e33 < 2^110)
    int112 blockSkew;
    bool warmAggregates;
    // slot 3
    uint128 liquidatedInWindow; // USD WAD
    uint64 windowStart;
    bool warmWindow;
}

/// @notice One netted position of an account in a market, in one slot (docs/math.md,
///         "Position storage"). Read and written only through `PositionLib`.
struct Position {
    int128 size; // size WAD
    uint64 entryFloat; // entry price (WAD) as a float: 57-bit mantissa << 7-bit exponent
    uint64 indexFloat; // funding index at the last touch (WAD), signed mantissa
}

/// @notice A position in WAD units, as `getPosition` returns it.
struct PositionView {
    int256 size; // size WAD, signed
    uint256 entryPrice; // WAD, the last fill rounded against the position to 57 bits
    int256 fundingIndex; // WAD, the funding index at the last touch, rounded the same way
}

/// @notice Per-account data in one slot: quote balance (token units, signed) and bitmaps of
///         open positions (by market id), held collaterals (by token index) and pending orders.
struct AccountData {
    int96 quoteBalance;
    uint64 marketMask;
    uint32 collateralMask;
    uint64 orderMask;
}

/// @notice A pending delayed order, as `getOrder` returns it (in storage: `StoredOrder`).
struct Order {
    int128 sizeDelta;
    uint128 acceptablePrice;
    uint40 commitTime;
    uint40 settlementDeadline;
    uint80 keeperFee; // quote units the keeper will be paid (1,000 USD fits an 18-decimal quote)
    uint96 reserveUsd; // initial margin and fee the order reserves until it settles (USD WAD)
    // slot 2 (INV-36, INV-37, INV-38)
    uint80 commitRound; // the feed's latest round at commit: only later rounds may settle it
    uint40 earliestSettlement; // earliest updatedAt of the settlement round, fixed at commit
    bool reduceOnly; // committed to reduce: clamped to the position left, never opens one
}

/// @notice A pending delayed order as stored: two slots (docs/math.md, "Order storage"). Read
///         and written only through `OrderStore`; `commitTime == 0`: no order.
struct StoredOrder {
    // slot 0: what settlement checks first
    int128 sizeDelta;
    uint64 acceptableFloat; // acceptable price (WAD) as a float, rounded to the stricter side
    uint40 commitTime;
    uint16 delay; // earliestSettlement - commitTime: >= 1, <= MAX_ORDER_DELAY (1 hour)
    // bit 0: reduce-only; bit 1: the account has a settlement callback (INV-76: set at commit,
    // kept equal to `settlementCallbacks[account] != 0` by `setSettlementCallback`)
    uint8 flags;
    // slot 1: what the margin check reads (reserve and fee), and the round window
    uint80 commitRound;
    uint80 keeperFee; // quote units
    uint64 reserveFloat; // reserve (USD WAD) as a float, rounded up
    uint32 lifetime; // settlementDeadline - commitTime: <= MAX_ORDER_AGE (1 day)
}

/// @notice What the one margin check of a call needs to know about its actions (docs/math.md,
///         "Margin check"). A reducing action adds what it cost and what it freed, so the check
///         can rebuild the account's equity and MM before the call from the ones after it.
struct MarginCheck {
    bool riskIncreased; // a position grew or collateral left: equity >= IM after the call
    int256 equityBeforeAdj; // equity before = equity after + this (USD WAD)
    int256 mmBeforeAdj; // MM before = MM after + this (USD WAD)
    uint256 slack; // USD WAD: what the rounding of the reducing trades may take, at most
    uint256 hintMarket; // a market whose price this call already read, or type(uint256).max
    uint256 hintPrice; // that price (WAD)
}

/// @notice Margin figures of an account (USD WAD).
struct Health {
    int256 equity;
    uint256 im;
    uint256 mm;
}

/// @notice What one account has been liquidated for in the current window (docs/math.md,
///         "Liquidation"): keeper rewards are capped on the window's totals, and the collateral
///         close factor applies to the debt at the window's start, not per call.
struct AccountLiquidation {
    // slot 0: positions, read by every `liquidate` of the account
    uint40 start; // window start (0: none yet)
    uint104 notionalClosed; // USD WAD closed by `liquidate` in the window
    uint104 rewardPaid; // quote units paid to keepers in the window (<= maxKeeperReward < 2^80)
    // `Protection.enabled`, mirrored here by its one writer (`setProtection`) so that the
    // liquidation of an unprotected account does not read the protection's slot (INV-55)
    bool protection;
    // slot 1: collateral
    uint40 collateralStart; // window start of the collateral close factor
    uint112 debtAtStart; // quote debt when the first collateral liquidation of the window ran
    uint104 repaid; // quote units repaid by collateral liquidations in the window
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {MarketStatus} from "../types/Types.sol";
import {
    AdlSettings,
    LiquidationSettings,
    MarketLimits,
    MarketMarginParams,
    MarketOrderParams,
    MarketTradingParams
} from "../types/Params.sol";

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
        uint64 initialWeight; // WAD, <= maintenanceWeight, whole basis points (INV-78)
        uint64 maintenanceWeight; // WAD, <= 0.95, whole basis points (INV-78)
        uint64 liquidationDiscount; // WAD, <= min(0.5, 1 - maintenanceWeight)
        uint64 sizeFactor; // WAD per sqrt(USD), <= 0.01
        uint128 sizeThreshold; // USD WAD, <= 1e12 USD
        uint64 weightFloor; // WAD, <= 1
        uint128 depositCap; // token units
    }

    /// @notice Parameters of a market at creation: its feed and the four parameter groups of
    ///         the market setters (contracts/types/Params.sol).
    struct MarketParams {
        bytes32 name; // e.g. "ETH-PERP": non-empty, unique, never changed (`marketInfo`)
        address feed;
        uint32 heartbeat; // seconds
        MarketTradingParams trading;
        MarketMarginParams margin;
        MarketLimits limits;
        MarketOrderParams orders;
    }

    /// @notice Lists a collateral token with its feed and risk parameters (admin only).
    ///         The feed must answer safely now, and its `description()` must equal
    ///         `feedDescription` (`FeedDescriptionMismatch`); heartbeat 60 s .. 2 days
    ///         (`ParameterOutOfBounds`). Reverts `ZeroAddress`, `TokenAlreadyListed` (also for
    ///         the quote token), `TooManyCollateralTypes` (32), `UnsupportedDecimals` (above 36)
    ///         and `ParameterOutOfBounds` for a risk parameter (see `setCollateralParams`).
    ///         Emits `CollateralListed` and `CollateralParamsSet`.
    /// @param token The token.
    /// @param p Its feed (USD price, any decimals), heartbeat (seconds) and risk parameters.
    /// @param feedDescription The feed's expected `description()`, e.g. "ETH / USD".
    function listCollateral(
        address token,
        CollateralParams calldata p,
        string calldata feedDescription
    ) external;

    /// @notice Sets a listed collateral's risk parameters (risk manager only; INV-53). Bounds:
    ///         `initialWeight <= maintenanceWeight <= 0.95`, `liquidationDiscount <=
    ///         min(0.5, 1 - maintenanceWeight)`, `sizeFactor <= 0.01`, `sizeThreshold <= 1e12`
    ///         USD, `weightFloor <= 1` (`ParameterOutOfBounds`); both weights whole basis
    ///         points, a multiple of 1e14 (`ParameterOffGrid`, INV-78). Applies at once to every
    ///         account holding the token; a cap below the total deposited only stops new
    ///         deposits. Reverts `UnknownToken`. Emits `CollateralParamsSet`.
    /// @param token The collateral token.
    /// @param risk The new parameters (WAD ratios, USD WAD threshold, token-unit deposit cap).
    function setCollateralParams(address token, CollateralRisk calldata risk) external;

    /// @notice Replaces a listed collateral's price feed (admin only).
    ///         The feed must answer safely now, and its `description()` must equal
    ///         `feedDescription` (`FeedDescriptionMismatch`); heartbeat 60 s .. 2 days
    ///         (`ParameterOutOfBounds`). Reverts `UnknownToken` and `ZeroAddress`.
    ///         Emits `CollateralFeedSet`.
    /// @param token The collateral token.
    /// @param feed The new feed (USD price of one whole token, any decimals).
    /// @param heartbeat Maximum age of its answer (seconds).
    /// @param feedDescription The feed's expected `description()`.
    function setCollateralFeed(
        address token,
        address feed,
        uint32 heartbeat,
        string calldata feedDescription
    ) external;

    /// @notice Creates a market, Active, with the next id (admin only).
    ///         The feed must answer safely now, and its `description()` must equal
    ///         `feedDescription` (`FeedDescriptionMismatch`); heartbeat 60 s .. 2 days
    ///         (`ParameterOutOfBounds`). Every parameter is checked as by its setter.
    ///         Reverts `TooManyMarkets` (64), `ZeroAddress` and `InvalidMarketName` (empty, or
    ///         another market's). Emits `MarketAdded`, the four
    ///         parameter events and `MarketStatusSet`.
    /// @param p The name, feed, heartbeat (seconds) and every market parameter (see the setters).
    /// @param feedDescription The feed's expected `description()`.
    /// @return marketId The new market's id (the previous `marketCount()`).
    function addMarket(
        MarketParams calldata p,
        string calldata feedDescription
    ) external returns (uint256 marketId);

    /// @notice Replaces a market's price feed (admin only).
    ///         The feed must answer safely now, and its `description()` must equal
    ///         `feedDescription` (`FeedDescriptionMismatch`); heartbeat 60 s .. 2 days
    ///         (`ParameterOutOfBounds`). Reverts `UnknownMarket` and `ZeroAddress`.
    ///         Emits `MarketFeedSet`.
    /// @param marketId The market.
    /// @param feed The new feed (price of one unit of size, any decimals).
    /// @param heartbeat Maximum age of its answer (seconds).
    /// @param feedDescription The feed's expected `description()`.
    function setMarketFeed(
        uint256 marketId,
        address feed,
        uint32 heartbeat,
        string calldata feedDescription
    ) external;

    /// @notice Sets a market's price impact, fees and funding velocity (risk manager only).
    ///         Funding accrued so far is recorded under the old parameters first (reading the
    ///         oracle, unless the market is settled). Bounds: `skewScale <= 1e15` units (0 = no
    ///         price impact and no funding), `makerFee` and `takerFee <= 5 %`,
    ///         `maxFundingVelocity <= 10` per day per day. The fees must be whole pips (multiples
    ///         of 1e12 WAD), the skew scale and the velocity whole nanos (1e9 WAD; INV-73).
    ///         Reverts `UnknownMarket`, `ParameterOutOfBounds` and `ParameterOffGrid`. Emits
    ///         `MarketTradingParamsSet`.
    /// @param marketId The market.
    /// @param p The parameters (size WAD skew scale, WAD fees, WAD per day per day velocity).
    function setMarketTradingParams(uint256 marketId, MarketTradingParams calldata p) external;

    /// @notice Sets a market's margin requirements (risk manager only; INV-53). They apply at
    ///         once to every open position, so raising them can make accounts liquidatable.
    ///         Bounds: `imrBase` 0.02 .. 1, `imrSizeFactor <= 0.01` (`imr = max(imrBase,
    ///         imrSizeFactor * sqrt(notional))`), `maintenanceScalar` 0.5 .. 0.9,
    ///         `minPositionMarginUsd <= 10,000` USD (added to both requirements of every
    ///         position), each a whole number of nanos (1e9 WAD; INV-73). Reverts
    ///         `UnknownMarket`, `ParameterOutOfBounds` and `ParameterOffGrid`. Emits
    ///         `MarketMarginParamsSet`.
    /// @param marketId The market.
    /// @param p The parameters (WAD ratios, WAD per sqrt(USD) size factor, USD WAD margin).
    function setMarketMarginParams(uint256 marketId, MarketMarginParams calldata p) external;

    /// @notice Sets a market's open-interest, exposure and liquidation caps (risk manager only).
    ///         Caps bind new risk only: positions above them stay open. Bounds:
    ///         `maxOpenInterest <= 1e15` units per side, `maxOiPoolRatio` and
    ///         `maxNetExposureRatio` (INV-45) 0.1 .. 10 times the pool's balance,
    ///         `maxLiquidationPerWindowUsd` 0 (unlimited) or at least 100,000 USD (INV-32),
    ///         `liquidationWindow <= 1 day`. Reverts `UnknownMarket` and `ParameterOutOfBounds`.
    ///         Emits `MarketLimitsSet`.
    /// @param marketId The market.
    /// @param p The caps (size WAD open interest, WAD ratios, USD WAD notional per window,
    ///        seconds).
    function setMarketLimits(uint256 marketId, MarketLimits calldata p) external;

    /// @notice Sets a market's order parameters (risk manager only). Pending orders keep the
    ///         timing fixed at their commit (INV-38). Bounds: `minOrderDelay <= 1 hour`,
    ///         `maxOrderAge` `minOrderDelay + 1` .. 1 day. Reverts `UnknownMarket` and
    ///         `ParameterOutOfBounds`. Emits `MarketOrderParamsSet`.
    /// @param marketId The market.
    /// @param p Whether `modifyPosition` may add risk without a delayed order, and the order
    ///        timing (seconds).
    function setMarketOrderParams(uint256 marketId, MarketOrderParams calldata p) external;

    /// @notice Active (admin), ReduceOnly or Paused (guardian or admin). Settled is `settleMarket`.
    ///         Reverts `AccessControlUnauthorizedAccount` for other callers (and for a guardian
    ///         asking for Active), `UnknownMarket`, and `InvalidStatus` for None, Settled or a
    ///         settled market. Emits `MarketStatusSet`.
    /// @param marketId The market.
    /// @param status The new status.
    function setMarketStatus(uint256 marketId, MarketStatus status) external;

    /// @notice Freezes a market at `price` (0 = the current oracle price). Terminal.
    ///         Admin only. Works on a stale feed, from its last answer (INV-39); funding is
    ///         recorded up to now and then stops; positions can then only be closed, at `price`
    ///         and without fee. Reverts `SettlementPriceOutOfBand` outside +-20 % of the last
    ///         answer, `InvalidStatus` if already settled, `UnknownMarket`. Emits
    ///         `MarketStatusSet`.
    /// @param marketId The market.
    /// @param price The settlement price (price WAD; 0 = the feed's last answer).
    function settleMarket(uint256 marketId, uint256 price) external;

    /// @notice Liquidation economics (docs/math.md, "Liquidation"; bounds in docs/specs.md INV-32).
    ///         Risk manager only. Bounds: `feeRate` and `penaltyRate <= 5 %` (the highest taker
    ///         fee of any market is the penalty's floor, and the price impact of a close is
    ///         added), `buffer <= 1`, `minKeeperRewardUsd <= maxKeeperRewardUsd <= 10,000` USD
    ///         (the floor is paid at most once per account and window, by the call that restores
    ///         the account or closes it fully), `closeFactorHfThreshold <= 1`, `smallDebtUsd <=
    ///         100,000` USD, `orderKeeperFeeUsd <= 1,000` USD (converted to quote units at each
    ///         order's commit), `accountWindow` 1 minute .. 1 day. Reverts
    ///         `ParameterOutOfBounds`, then `ParameterOffGrid` for a rate that is not a whole
    ///         nano (1e9 in WAD) or a keeper reward that is not a whole micro-USD (1e12 in USD
    ///         WAD; INV-75). Emits `LiquidationParamsSet`.
    /// @param p The parameters (WAD rates, USD WAD amounts, seconds).
    function setLiquidationParams(LiquidationSettings calldata p) external;

    /// @notice Auto-deleveraging (INV-52): the pool floor as a fraction of its balance (0 = off,
    ///         else 0.05 .. 0.95), the caller's reward rate (<= 0.1 % of notional) and cap
    ///         (`maxRewardUsd <= 1,000` USD). Risk manager only; reverts `ParameterOutOfBounds`.
    ///         Emits `AdlParamsSet`.
    /// @param p The parameters (WAD floor and rate, USD WAD cap).
    function setAdlParams(AdlSettings calldata p) external;

    /// @notice Sets the L2 sequencer-uptime feed (admin only): while it reports the sequencer
    ///         down, or within `gracePeriod` after it came back up, margin checks and the pool's
    ///         valuation revert (`SequencerDown`, `SequencerGracePeriod`). Emits `SequencerSet`.
    /// @param feed The uptime feed (answer 0 = up); zero disables the check.
    /// @param gracePeriod Seconds after the sequencer comes back up during which prices are
    ///        still refused (<= 1 day, `ParameterOutOfBounds`).
    function setSequencer(address feed, uint32 gracePeriod) external;

    /// @notice Sets the liquidity pool, once (admin only). Reverts `ZeroAddress` and
    ///         `AlreadySet("pool")`. Emits `PoolSet`.
    /// @param pool The pool, the only caller of `poolDeposit` and `poolWithdraw`.
    function setPool(address pool) external;

    /// @notice Sets the insurance fund, once (admin only). Reverts `ZeroAddress` and
    ///         `AlreadySet("insuranceFund")`. Emits `InsuranceFundSet`.
    /// @param fund The fund that receives liquidation penalties and covers bad debt first.
    function setInsuranceFund(address fund) external;

    /// @notice Pauses the protocol (guardian only): trades and order commits that add risk
    ///         revert `ProtocolPaused`, and pending orders that add risk are cancelled for free
    ///         at settlement. Reducing trades, deposits, withdrawals, liquidations and ADL
    ///         continue. Emits `PausedSet(true)`.
    function pause() external;

    /// @notice Lifts the pause (admin only). Emits `PausedSet(false)`.
    function unpause() external;
}

// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ICrossmarginAdmin} from "../interfaces/ICrossmarginAdmin.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../interfaces/ICrossmarginEvents.sol";
import {OracleLib, Feed} from "./OracleLib.sol";
import {MarketMath} from "./MarketMath.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ConfigPage} from "./ConfigPage.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {CollateralLogic} from "./CollateralLogic.sol";
import {TradeLogic} from "./TradeLogic.sol";
import {AdlParams, MICRO_USD, Store, StoredLiquidationParams} from "../types/Store.sol";
import {
    BPS,
    CollateralListing,
    StoredCollateral,
    MARKET_INSTANT_TRADING,
    MARKET_LIQUIDATION_CAP,
    StoredMarket,
    MarketState,
    MarketStatus
} from "../types/Types.sol";
import {
    AdlSettings,
    LiquidationSettings,
    MarketLimits,
    MarketMarginParams,
    MarketOrderParams,
    MarketTradingParams
} from "../types/Params.sol";

/// @title AdminLogic
/// @notice Validation against hard bounds and the writes of every governance action.
/// @dev Linked library (delegatecall) so that the engine stays under the contract size limit.
library AdminLogic {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant PIP = MarketMath.PIP;
    uint256 internal constant NANO = MarketMath.NANO;
    /// @dev One bit per listed token in the 32-bit AccountData.collateralMask.
    uint256 internal constant MAX_COLLATERAL_TYPES = 32;
    uint256 internal constant MAX_MARKETS = 64;
    uint256 internal constant MAX_TOKEN_DECIMALS = 36;
    uint256 internal constant MIN_HEARTBEAT = 60;
    uint256 internal constant MAX_HEARTBEAT = 2 days;
    uint256 internal constant MAX_LIQUIDATION_DISCOUNT = 0.5e18;
    /// @dev INV-53: no listed collateral (all volatile: the quote token is the only one at par)
    ///      counts for more than 95 % of its value.
    uint256 internal constant MAX_COLLATERAL_WEIGHT = 0.95e18;
    uint256 internal constant MAX_COLLATERAL_SIZE_FACTOR = 0.01e18;
    uint256 internal constant MAX_SIZE_THRESHOLD = 1e30;
    uint256 internal constant MAX_FEE = 0.05e18;
    uint256 internal constant MAX_SKEW_SCALE = 1e33;
    uint256 internal constant MAX_FUNDING_VELOCITY = 10e18;
    /// @dev INV-53: at most 50x initial leverage (imr >= 2 %) and 100x at liquidation
    ///      (mmr = imr * scalar >= 1 %).
    uint256 internal constant MIN_IMR = 0.02e18;
    uint256 internal constant MAX_IMR_SIZE_FACTOR = 0.01e18;
    uint256 internal constant MIN_MAINTENANCE_SCALAR = 0.5e18;
    uint256 internal constant MAX_MAINTENANCE_SCALAR = 0.9e18;
    uint256 internal constant MAX_MIN_POSITION_MARGIN = 10_000e18;
    uint256 internal constant MAX_OPEN_INTEREST = 1e33;
    uint256 internal constant MAX_OI_POOL_RATIO = 10e18;
    uint256 internal constant MAX_LIQUIDATION_WINDOW = 1 days;
    /// @dev A per-market liquidation cap below this could keep a bankrupt position open for
    ///      ever; with it, an account of notional N is restored within ceil(N / cap) windows.
    uint256 internal constant MIN_LIQUIDATION_PER_WINDOW = 100_000e18;
    /// @dev A ratio of 0 would reserve the whole pool; with >= 0.1 the reserve is at most ten
    ///      times the largest side's notional and at most the pool balance at any OI increase.
    uint256 internal constant MIN_OI_POOL_RATIO = 0.1e18;
    /// @dev INV-45: the net skew notional may reach 0.1 .. 10 times the pool's balance. Below 0.1
    ///      a market could barely trade; above 10 a 10 % move against the pool's net exposure
    ///      would wipe out the whole pool.
    uint256 internal constant MIN_NET_EXPOSURE_RATIO = 0.1e18;
    uint256 internal constant MAX_NET_EXPOSURE_RATIO = 10e18;
    uint256 internal constant MIN_ACCOUNT_WINDOW = 1 minutes;
    uint256 internal constant MAX_ORDER_DELAY = 1 hours;
    uint256 internal constant MAX_ORDER_AGE = 1 days;
    uint256 internal constant MAX_LIQUIDATION_FEE = 0.05e18;
    uint256 internal constant MAX_BUFFER = 1e18;
    uint256 internal constant MAX_KEEPER_REWARD = 10_000e18;
    uint256 internal constant MAX_SMALL_DEBT = 100_000e18;
    uint256 internal constant MAX_ORDER_KEEPER_FEE = 1_000e18;
    uint256 internal constant MIN_ADL_FLOOR = 0.05e18;
    uint256 internal constant MAX_ADL_FLOOR = 0.95e18;
    uint256 internal constant MAX_ADL_REWARD_RATE = 0.001e18;
    uint256 internal constant MAX_ADL_REWARD = 1_000e18;
    uint256 internal constant MAX_GRACE_PERIOD = 1 days;
    /// @dev INV-39: an explicit settlement price lies within +-20 % of the last valid answer.
    uint256 internal constant SETTLEMENT_BAND = 0.2e18;

    function listCollateral(
        Store storage s,
        address token,
        ICrossmarginAdmin.CollateralParams calldata p,
        string calldata feedDescription
    ) external {
        if (token == address(0)) revert E.ZeroAddress();
        CollateralListing storage entry = s.collaterals[token];
        if (token == s.quoteToken || entry.listed) revert E.TokenAlreadyListed(token);
        uint256 index = s.collateralTokens.length;
        if (index >= MAX_COLLATERAL_TYPES) revert E.TooManyCollateralTypes(MAX_COLLATERAL_TYPES);
        uint8 decimals = IERC20Metadata(token).decimals();
        if (decimals > MAX_TOKEN_DECIMALS) revert E.UnsupportedDecimals(token, decimals);
        StoredCollateral storage c = s.collateralConfigs[index];
        _setFeed(_feedSlot(c), p.feed, p.heartbeat, feedDescription);
        c.tokenDecimals = decimals;
        entry.listed = true;
        entry.index = uint8(index);
        entry.tokenDecimals = decimals;
        s.collateralTokens.push(token);
        emit Ev.CollateralListed(token, p.feed, p.heartbeat, uint8(index));
        _setCollateralRisk(entry, c, token, p.risk);
        ConfigPage.publish(s);
    }

    function setCollateralParams(
        Store storage s,
        address token,
        ICrossmarginAdmin.CollateralRisk calldata risk
    ) external {
        CollateralListing storage entry = CollateralLogic.listing(s, token);
        _setCollateralRisk(entry, s.collateralConfigs[entry.index], token, risk);
        ConfigPage.publish(s);
    }

    function setCollateralFeed(
        Store storage s,
        address token,
        address feed,
        uint32 heartbeat,
        string calldata feedDescription
    ) external {
        uint8 decimals = _setFeed(
            _feedSlot(s.collateralConfigs[CollateralLogic.listing(s, token).index]),
            feed,
            heartbeat,
            feedDescription
        );
        emit Ev.CollateralFeedSet(token, feed, heartbeat, decimals);
        ConfigPage.publish(s);
    }

    function addMarket(
        Store storage s,
        ICrossmarginAdmin.MarketParams calldata p,
        string calldata feedDescription
    ) external returns (uint256 id) {
        id = s.marketCount;
        if (id >= MAX_MARKETS) revert E.TooManyMarkets(MAX_MARKETS);
        bytes32 name = p.name;
        if (name == bytes32(0) || s.marketIdPlusOne[name] != 0) revert E.InvalidMarketName(name);
        s.marketNames[id] = name;
        s.marketIdPlusOne[name] = id + 1;
        s.marketCount = uint64(id + 1); // id < MAX_MARKETS
        StoredMarket storage m = s.markets[id].config;
        _setFeed(_feedSlot(m), p.feed, p.heartbeat, feedDescription);
        m.status = MarketStatus.Active;
        MarketState storage st = s.markets[id].state;
        // Funding first recorded now, at skew 0: the block-start skew stays 0 (INV-40).
        st.lastFundingTime = uint48(block.timestamp);
        // Slots that would otherwise start empty (Types.sol, MarketState): listing fills them.
        st.warmOI = true;
        st.warmAggregates = true;
        st.warmWindow = true;
        emit Ev.MarketAdded(id, name, p.feed, p.heartbeat);
        _setTrading(m, id, p.trading);
        _refreshMaxTakerFee(s);
        _setMargin(m, id, p.margin);
        _setLimits(m, id, p.limits);
        _setOrder(m, id, p.orders);
        emit Ev.MarketStatusSet(id, MarketStatus.Active, 0);
        ConfigPage.publish(s);
    }

    function setMarketFeed(
        Store storage s,
        uint256 id,
        address feed,
        uint32 heartbeat,
        string calldata feedDescription
    ) external {
        uint8 decimals = _setFeed(_feedSlot(_market(s, id)), feed, heartbeat, feedDescription);
        emit Ev.MarketFeedSet(id, feed, heartbeat, decimals);
        ConfigPage.publish(s);
    }

    function setMarketTradingParams(
        Store storage s,
        uint256 id,
        MarketTradingParams calldata p
    ) external {
        StoredMarket storage m = _market(s, id);
        // Funding accrued so far follows the old parameters.
        if (m.status != MarketStatus.Settled) {
            TradeLogic.recordFundingLogged(id, m, s.markets[id].state, MarginLogic.marketPrice(m));
        }
        _setTrading(m, id, p);
        _refreshMaxTakerFee(s);
        ConfigPage.publish(s);
    }

    function setMarketMarginParams(
        Store storage s,
        uint256 id,
        MarketMarginParams calldata p
    ) external {
        _setMargin(_market(s, id), id, p);
        ConfigPage.publish(s);
    }

    function setMarketLimits(Store storage s, uint256 id, MarketLimits calldata p) external {
        _setLimits(_market(s, id), id, p);
        ConfigPage.publish(s);
    }

    function setMarketOrderParams(
        Store storage s,
        uint256 id,
        MarketOrderParams calldata p
    ) external {
        _setOrder(_market(s, id), id, p);
        ConfigPage.publish(s);
    }

    function setMarketStatus(Store storage s, uint256 id, MarketStatus status) external {
        StoredMarket storage m = _market(s, id);
        if (
            m.status == MarketStatus.Settled ||
            status == MarketStatus.None ||
            status == MarketStatus.Settled
        ) {
            revert E.InvalidStatus(id, uint8(status));
        }
        m.status = status;
        emit Ev.MarketStatusSet(id, status, 0);
        ConfigPage.publish(s);
    }

    function settleMarket(Store storage s, uint256 id, uint256 price) external {
        StoredMarket storage m = _market(s, id);
        if (m.status == MarketStatus.Settled)
            revert E.InvalidStatus(id, uint8(MarketStatus.Settled));
        // INV-39: works on a stale feed (that is when markets need settling), from its last
        // answer; an explicit price must lie in the band around it (docs/math.md).
        (uint256 oraclePrice, ) = MarginLogic.marketPriceLatest(m);
        if (price == 0) price = oraclePrice;
        uint256 lo = oraclePrice - (oraclePrice * SETTLEMENT_BAND) / WAD;
        uint256 hi = oraclePrice + (oraclePrice * SETTLEMENT_BAND) / WAD;
        if (price > type(uint128).max)
            revert E.ParameterOutOfBounds("settlementPrice", price, 1, type(uint128).max);
        if (price < lo || price > hi) revert E.SettlementPriceOutOfBand(price, lo, hi);
        TradeLogic.recordFundingLogged(id, m, s.markets[id].state, oraclePrice);
        m.settlementPrice = uint128(price);
        m.status = MarketStatus.Settled;
        emit Ev.MarketStatusSet(id, MarketStatus.Settled, price);
        ConfigPage.publish(s);
    }

    function setLiquidationParams(Store storage s, LiquidationSettings calldata p) external {
        _bound("feeRate", p.feeRate, 0, MAX_LIQUIDATION_FEE);
        _bound("buffer", p.buffer, 0, MAX_BUFFER);
        _bound("maxKeeperRewardUsd", p.maxKeeperRewardUsd, 0, MAX_KEEPER_REWARD);
        _bound("minKeeperRewardUsd", p.minKeeperRewardUsd, 0, p.maxKeeperRewardUsd);
        _bound("closeFactorHfThreshold", p.closeFactorHfThreshold, 0, WAD);
        _bound("smallDebtUsd", p.smallDebtUsd, 0, MAX_SMALL_DEBT);
        _bound("orderKeeperFeeUsd", p.orderKeeperFeeUsd, 0, MAX_ORDER_KEEPER_FEE);
        _bound("penaltyRate", p.penaltyRate, 0, MAX_LIQUIDATION_FEE);
        _bound("accountWindow", p.accountWindow, MIN_ACCOUNT_WINDOW, MAX_LIQUIDATION_WINDOW);
        // Every bound above fits the stored widths: 5e7 and 1e9 nanos in 32 bits, 1e10
        // micro-USD in 48 bits; uint96 holds 7.9e28 (INV-75).
        s.liq = StoredLiquidationParams(
            uint32(_units("feeRate", p.feeRate, NANO)),
            uint32(_units("buffer", p.buffer, NANO)),
            uint32(_units("penaltyRate", p.penaltyRate, NANO)),
            s.liq.maxTakerFeeNano,
            uint48(_units("minKeeperRewardUsd", p.minKeeperRewardUsd, MICRO_USD)),
            uint48(_units("maxKeeperRewardUsd", p.maxKeeperRewardUsd, MICRO_USD)),
            p.accountWindow,
            p.closeFactorHfThreshold,
            uint96(p.smallDebtUsd),
            uint96(p.orderKeeperFeeUsd)
        );
        emit Ev.LiquidationParamsSet(p);
        ConfigPage.publish(s);
    }

    /// @notice Auto-deleveraging parameters (INV-52): the floor 0 (off) or 0.05 .. 0.95, the
    ///         reward rate at most 0.1 % and the reward at most 1,000 USD per call.
    function setAdlParams(Store storage s, AdlSettings calldata p) external {
        if (p.floorRatio != 0) _bound("adlFloorRatio", p.floorRatio, MIN_ADL_FLOOR, MAX_ADL_FLOOR);
        _bound("adlRewardRate", p.rewardRate, 0, MAX_ADL_REWARD_RATE);
        _bound("adlMaxRewardUsd", p.maxRewardUsd, 0, MAX_ADL_REWARD);
        s.adl = AdlParams(p.floorRatio, p.rewardRate, p.maxRewardUsd);
        emit Ev.AdlParamsSet(p);
    }

    /// @notice Sets the liquidity pool, once.
    function setPool(Store storage s, address pool) external {
        if (pool == address(0)) revert E.ZeroAddress();
        if (s.pool != address(0)) revert E.AlreadySet("pool");
        s.pool = pool;
        emit Ev.PoolSet(pool);
    }

    /// @notice Sets the insurance fund, once.
    function setInsuranceFund(Store storage s, address fund) external {
        if (fund == address(0)) revert E.ZeroAddress();
        if (s.insuranceFund != address(0)) revert E.AlreadySet("insuranceFund");
        s.insuranceFund = fund;
        emit Ev.InsuranceFundSet(fund);
    }

    function setSequencer(Store storage s, address feed, uint32 gracePeriod) external {
        _bound("gracePeriod", gracePeriod, 0, MAX_GRACE_PERIOD);
        s.sequencerFeed = feed;
        s.hasSequencer = feed != address(0);
        s.sequencerGracePeriod = uint24(gracePeriod); // <= MAX_GRACE_PERIOD < 2^24
        emit Ev.SequencerSet(feed, gracePeriod);
    }

    // --- internals ---

    /// @dev The liquidation penalty's floor is the highest taker fee of any market (INV-28), kept
    ///      here so that a liquidation does not read the market's fee slot.
    function _refreshMaxTakerFee(Store storage s) private {
        uint256 highest;
        uint256 n = s.marketCount;
        for (uint256 id; id < n; ++id) {
            uint256 fee = s.markets[id].config.takerFeePips;
            if (fee > highest) highest = fee;
        }
        s.liq.maxTakerFeeNano = uint32(highest * (PIP / NANO)); // <= 5e7 nanos
    }

    function _setTrading(
        StoredMarket storage m,
        uint256 id,
        MarketTradingParams calldata p
    ) private {
        _bound("skewScale", p.skewScale, 0, MAX_SKEW_SCALE);
        _bound("makerFee", p.makerFee, 0, MAX_FEE);
        _bound("takerFee", p.takerFee, 0, MAX_FEE);
        _bound("maxFundingVelocity", p.maxFundingVelocity, 0, MAX_FUNDING_VELOCITY);
        // INV-73: stored in pips and nanos (StoredMarket); the bounds above fit each width.
        m.skewScaleNano = uint80(_units("skewScale", p.skewScale, NANO));
        m.makerFeePips = uint16(_units("makerFee", p.makerFee, PIP));
        m.takerFeePips = uint16(_units("takerFee", p.takerFee, PIP));
        m.maxFundingVelocityNano = uint40(_units("maxFundingVelocity", p.maxFundingVelocity, NANO));
        emit Ev.MarketTradingParamsSet(id, p);
    }

    function _setMargin(StoredMarket storage m, uint256 id, MarketMarginParams calldata p) private {
        _bound("imrBase", p.imrBase, MIN_IMR, WAD);
        _bound("imrSizeFactor", p.imrSizeFactor, 0, MAX_IMR_SIZE_FACTOR);
        _bound(
            "maintenanceScalar",
            p.maintenanceScalar,
            MIN_MAINTENANCE_SCALAR,
            MAX_MAINTENANCE_SCALAR
        );
        _bound("minPositionMarginUsd", p.minPositionMarginUsd, 0, MAX_MIN_POSITION_MARGIN);
        m.imrBaseNano = uint32(_units("imrBase", p.imrBase, NANO));
        m.imrSizeFactorNano = uint24(_units("imrSizeFactor", p.imrSizeFactor, NANO));
        m.maintenanceScalarNano = uint32(_units("maintenanceScalar", p.maintenanceScalar, NANO));
        m.minPositionMarginNano = uint48(
            _units("minPositionMarginUsd", p.minPositionMarginUsd, NANO)
        );
        emit Ev.MarketMarginParamsSet(id, p);
    }

    function _setLimits(StoredMarket storage m, uint256 id, MarketLimits calldata p) private {
        _bound("maxOpenInterest", p.maxOpenInterest, 0, MAX_OPEN_INTEREST);
        _bound("maxOiPoolRatio", p.maxOiPoolRatio, MIN_OI_POOL_RATIO, MAX_OI_POOL_RATIO);
        _bound(
            "maxNetExposureRatio",
            p.maxNetExposureRatio,
            MIN_NET_EXPOSURE_RATIO,
            MAX_NET_EXPOSURE_RATIO
        );
        _bound("liquidationWindow", p.liquidationWindow, 0, MAX_LIQUIDATION_WINDOW);
        // 0 = unlimited; otherwise at least the floor, so a cap cannot freeze liquidations.
        if (p.maxLiquidationPerWindowUsd != 0)
            _bound(
                "maxLiquidationPerWindowUsd",
                p.maxLiquidationPerWindowUsd,
                MIN_LIQUIDATION_PER_WINDOW,
                type(uint128).max
            );
        m.maxOpenInterest = p.maxOpenInterest;
        m.maxOiPoolRatio = p.maxOiPoolRatio;
        m.maxNetExposureRatio = p.maxNetExposureRatio;
        m.maxLiquidationPerWindow = p.maxLiquidationPerWindowUsd;
        m.flags = _flag(m.flags, MARKET_LIQUIDATION_CAP, p.maxLiquidationPerWindowUsd != 0);
        m.liquidationWindow = p.liquidationWindow;
        emit Ev.MarketLimitsSet(id, p);
    }

    /// @dev `flags` with `bit` set when `on`, cleared otherwise.
    function _flag(uint8 flags, uint8 bit, bool on) private pure returns (uint8) {
        return on ? flags | bit : flags & ~bit;
    }

    function _setOrder(StoredMarket storage m, uint256 id, MarketOrderParams calldata p) private {
        _bound("minOrderDelay", p.minOrderDelay, 0, MAX_ORDER_DELAY);
        _bound("maxOrderAge", p.maxOrderAge, uint256(p.minOrderDelay) + 1, MAX_ORDER_AGE);
        m.flags = _flag(m.flags, MARKET_INSTANT_TRADING, p.instantTrading);
        m.minOrderDelay = p.minOrderDelay;
        m.maxOrderAge = p.maxOrderAge;
        emit Ev.MarketOrderParamsSet(id, p);
    }

    /// @dev weight + discount <= 1: otherwise a collateral liquidation would lower the equity of
    ///      the account it is meant to rescue.
    /// @dev INV-53: initial <= maintenance <= 0.95 (no volatile collateral at full value), the
    ///      discount within the maintenance weight, bounded size factor and threshold.
    function _setCollateralRisk(
        CollateralListing storage entry,
        StoredCollateral storage c,
        address token,
        ICrossmarginAdmin.CollateralRisk calldata r
    ) private {
        _bound("maintenanceWeight", r.maintenanceWeight, 0, MAX_COLLATERAL_WEIGHT);
        _bound("initialWeight", r.initialWeight, 0, r.maintenanceWeight);
        uint256 maxDiscount = WAD - r.maintenanceWeight;
        if (maxDiscount > MAX_LIQUIDATION_DISCOUNT) maxDiscount = MAX_LIQUIDATION_DISCOUNT;
        _bound("liquidationDiscount", r.liquidationDiscount, 0, maxDiscount);
        _bound("sizeFactor", r.sizeFactor, 0, MAX_COLLATERAL_SIZE_FACTOR);
        _bound("sizeThreshold", r.sizeThreshold, 0, MAX_SIZE_THRESHOLD);
        _bound("weightFloor", r.weightFloor, 0, WAD);
        // INV-78: both weights whole basis points (<= 9,500), stored beside the feed
        c.initialWeightBps = uint16(_units("initialWeight", r.initialWeight, BPS));
        c.maintenanceWeightBps = uint16(_units("maintenanceWeight", r.maintenanceWeight, BPS));
        c.sizeScaled = r.sizeFactor != 0;
        c.sizeFactor = r.sizeFactor;
        c.sizeThreshold = r.sizeThreshold;
        c.sizeFromLog2 = uint8(Math.log2(r.sizeThreshold)); // <= 99: the threshold is <= 1e30
        c.weightFloor = r.weightFloor;
        entry.liquidationDiscount = r.liquidationDiscount;
        entry.depositCap = r.depositCap;
        emit Ev.CollateralParamsSet(
            token,
            r.initialWeight,
            r.maintenanceWeight,
            r.liquidationDiscount,
            r.sizeFactor,
            r.sizeThreshold,
            r.weightFloor,
            r.depositCap
        );
    }

    /// @dev The one writer of a market's or a collateral's feed (creation, listing and
    ///      replacement): checks address, description and heartbeat, and that the feed answers
    ///      safely now, then writes feed, heartbeat and decimals; returns the decimals.
    function _setFeed(
        Feed storage stored,
        address feed,
        uint32 heartbeat,
        string calldata expectedDescription
    ) private returns (uint8 decimals) {
        if (feed == address(0)) revert E.ZeroAddress();
        _bound("heartbeat", heartbeat, MIN_HEARTBEAT, MAX_HEARTBEAT);
        string memory actual = AggregatorV3Interface(feed).description();
        if (keccak256(bytes(actual)) != keccak256(bytes(expectedDescription))) {
            revert E.FeedDescriptionMismatch(feed, expectedDescription, actual);
        }
        decimals = AggregatorV3Interface(feed).decimals();
        OracleLib.read(feed, heartbeat, decimals);
        stored.feed = feed;
        stored.heartbeat = heartbeat;
        stored.decimals = decimals;
    }

    /// @dev A market's feed fields as a `Feed`: `StoredMarket` and `StoredCollateral` both begin
    ///      with `address feed; uint32 heartbeat; uint8 feedDecimals` in slot 0, the layout of
    ///      `Feed` (one slot, offset 0); the other fields of slot 0 are left as they are.
    function _feedSlot(StoredMarket storage m) private pure returns (Feed storage f) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            f.slot := m.slot
        }
    }

    /// @dev A collateral's feed fields as a `Feed` (see the market's overload above).
    function _feedSlot(StoredCollateral storage c) private pure returns (Feed storage f) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            f.slot := c.slot
        }
    }

    function _market(Store storage s, uint256 id) private view returns (StoredMarket storage m) {
        m = s.markets[id].config;
        if (m.status == MarketStatus.None) revert E.UnknownMarket(id);
    }

    function _bound(bytes32 name, uint256 value, uint256 lo, uint256 hi) private pure {
        if (value < lo || value > hi) revert E.ParameterOutOfBounds(name, value, lo, hi);
    }

    /// @dev `value` in the coarser unit `step` it is stored in (pips, nanos; INV-73): it must be a
    ///      whole number of them, so the setter refuses what storing would round.
    function _units(bytes32 name, uint256 value, uint256 step) private pure returns (uint256) {
        if (value % step != 0) revert E.ParameterOffGrid(name, value, step);
        return value / step;
    }
}

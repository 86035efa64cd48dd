// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ICrossmarginAdmin} from "../interfaces/ICrossmarginAdmin.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../interfaces/ICrossmarginEvents.sol";
import {OracleLib, Feed, Sequencer} from "./OracleLib.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {TradeLogic} from "./TradeLogic.sol";
import {AdlParams, Store, LiquidationParams} from "../types/Store.sol";
import {CollateralConfig, MarketConfig, MarketStatus} from "../types/Types.sol";

/// @title AdminLogic
/// @notice Validation against hard bounds and the writes of every governance action.
/// @dev Linked library (delegatecall) so that the engine stays under the contract size limit.
library AdminLogic {
    uint256 internal constant WAD = 1e18;
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
        if (token == s.quoteToken || s.collaterals[token].listed)
            revert E.TokenAlreadyListed(token);
        uint256 index = s.collateralTokens.length;
        if (index >= MAX_COLLATERAL_TYPES) revert E.TooManyCollateralTypes(MAX_COLLATERAL_TYPES);
        uint8 decimals = IERC20Metadata(token).decimals();
        if (decimals > MAX_TOKEN_DECIMALS) revert E.UnsupportedDecimals(token, decimals);
        Feed memory f = _checkFeed(p.feed, p.heartbeat, feedDescription);
        CollateralConfig storage c = s.collaterals[token];
        c.feed = f.feed;
        c.heartbeat = f.heartbeat;
        c.feedDecimals = f.decimals;
        c.tokenDecimals = decimals;
        c.index = uint8(index);
        c.listed = true;
        s.collateralTokens.push(token);
        emit Ev.CollateralListed(token, p.feed, p.heartbeat, uint8(index));
        _setCollateralRisk(c, token, p.risk);
    }

    function setCollateralParams(
        Store storage s,
        address token,
        ICrossmarginAdmin.CollateralRisk calldata risk
    ) external {
        _setCollateralRisk(_collateral(s, token), token, risk);
    }

    function setCollateralFeed(
        Store storage s,
        address token,
        address feed,
        uint32 heartbeat,
        string calldata feedDescription
    ) external {
        CollateralConfig storage c = _collateral(s, token);
        Feed memory f = _checkFeed(feed, heartbeat, feedDescription);
        c.feed = f.feed;
        c.heartbeat = f.heartbeat;
        c.feedDecimals = f.decimals;
        emit Ev.CollateralFeedSet(token, feed, heartbeat, f.decimals);
    }

    function addMarket(
        Store storage s,
        ICrossmarginAdmin.MarketParams calldata p,
        string calldata feedDescription
    ) external returns (uint256 id) {
        id = s.marketCount;
        if (id >= MAX_MARKETS) revert E.TooManyMarkets(MAX_MARKETS);
        s.marketCount = id + 1;
        Feed memory f = _checkFeed(p.feed, p.heartbeat, feedDescription);
        MarketConfig storage m = s.markets[id];
        m.feed = f.feed;
        m.heartbeat = f.heartbeat;
        m.feedDecimals = f.decimals;
        m.status = MarketStatus.Active;
        s.marketStates[id].lastFundingTime = uint48(block.timestamp);
        emit Ev.MarketAdded(id, p.feed, p.heartbeat);
        _setTrading(m, id, p.skewScale, p.makerFee, p.takerFee, p.maxFundingVelocity);
        _refreshMaxTakerFee(s);
        _setMargin(m, id, p.imrBase, p.imrSizeFactor, p.maintenanceScalar, p.minPositionMargin);
        _setLimits(
            m,
            id,
            p.maxOpenInterest,
            p.maxOiPoolRatio,
            p.maxNetExposureRatio,
            p.maxLiquidationPerWindow,
            p.liquidationWindow
        );
        _setOrder(m, id, p.instantTrading, p.minOrderDelay, p.maxOrderAge);
        emit Ev.MarketStatusSet(id, MarketStatus.Active, 0);
    }

    function setMarketFeed(
        Store storage s,
        uint256 id,
        address feed,
        uint32 heartbeat,
        string calldata feedDescription
    ) external {
        MarketConfig storage m = _market(s, id);
        Feed memory f = _checkFeed(feed, heartbeat, feedDescription);
        m.feed = f.feed;
        m.heartbeat = f.heartbeat;
        m.feedDecimals = f.decimals;
        emit Ev.MarketFeedSet(id, feed, heartbeat, f.decimals);
    }

    function setMarketTradingParams(
        Store storage s,
        uint256 id,
        uint128 skewScale,
        uint64 makerFee,
        uint64 takerFee,
        uint64 maxFundingVelocity
    ) external {
        MarketConfig storage m = _market(s, id);
        // Funding accrued so far follows the old parameters.
        if (m.status != MarketStatus.Settled) {
            TradeLogic.recordFunding(id, m, s.marketStates[id], MarginLogic.marketPrice(m));
        }
        _setTrading(m, id, skewScale, makerFee, takerFee, maxFundingVelocity);
        _refreshMaxTakerFee(s);
    }

    function setMarketMarginParams(
        Store storage s,
        uint256 id,
        uint64 imrBase,
        uint64 imrSizeFactor,
        uint64 maintenanceScalar,
        uint128 minPositionMargin
    ) external {
        _setMargin(
            _market(s, id),
            id,
            imrBase,
            imrSizeFactor,
            maintenanceScalar,
            minPositionMargin
        );
    }

    function setMarketLimits(
        Store storage s,
        uint256 id,
        uint128 maxOpenInterest,
        uint64 maxOiPoolRatio,
        uint64 maxNetExposureRatio,
        uint128 maxLiquidationPerWindow,
        uint32 liquidationWindow
    ) external {
        _setLimits(
            _market(s, id),
            id,
            maxOpenInterest,
            maxOiPoolRatio,
            maxNetExposureRatio,
            maxLiquidationPerWindow,
            liquidationWindow
        );
    }

    function setMarketOrderParams(
        Store storage s,
        uint256 id,
        bool instantTrading,
        uint32 minOrderDelay,
        uint32 maxOrderAge
    ) external {
        _setOrder(_market(s, id), id, instantTrading, minOrderDelay, maxOrderAge);
    }

    function setMarketStatus(Store storage s, uint256 id, MarketStatus status) external {
        MarketConfig storage m = _market(s, id);
        if (
            m.status == MarketStatus.Settled ||
            status == MarketStatus.None ||
            status == MarketStatus.Settled
        ) {
            revert E.InvalidStatus(id, uint8(status));
        }
        m.status = status;
        emit Ev.MarketStatusSet(id, status, 0);
    }

    function settleMarket(Store storage s, uint256 id, uint256 price) external {
        MarketConfig storage m = _market(s, id);
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
        TradeLogic.recordFunding(id, m, s.marketStates[id], oraclePrice);
        m.settlementPrice = uint128(price);
        m.status = MarketStatus.Settled;
        emit Ev.MarketStatusSet(id, MarketStatus.Settled, price);
    }

    function setLiquidationParams(
        Store storage s,
        uint64 feeRate,
        uint64 buffer,
        uint128 minKeeperReward,
        uint128 maxKeeperReward,
        uint64 closeFactorHfThreshold,
        uint128 smallDebtUsd,
        uint128 orderKeeperFee,
        uint64 penaltyRate,
        uint32 accountWindow
    ) external {
        _bound("feeRate", feeRate, 0, MAX_LIQUIDATION_FEE);
        _bound("buffer", buffer, 0, MAX_BUFFER);
        _bound("maxKeeperReward", maxKeeperReward, 0, MAX_KEEPER_REWARD);
        _bound("minKeeperReward", minKeeperReward, 0, maxKeeperReward);
        _bound("closeFactorHfThreshold", closeFactorHfThreshold, 0, WAD);
        _bound("smallDebtUsd", smallDebtUsd, 0, MAX_SMALL_DEBT);
        _bound("orderKeeperFee", orderKeeperFee, 0, MAX_ORDER_KEEPER_FEE);
        _bound("penaltyRate", penaltyRate, 0, MAX_LIQUIDATION_FEE);
        _bound("accountWindow", accountWindow, MIN_ACCOUNT_WINDOW, MAX_LIQUIDATION_WINDOW);
        // Every bound above fits the narrower storage types (uint96 holds 7.9e28).
        s.liq = LiquidationParams(
            feeRate,
            buffer,
            penaltyRate,
            s.liq.maxTakerFee,
            uint96(minKeeperReward),
            uint96(maxKeeperReward),
            closeFactorHfThreshold,
            uint96(smallDebtUsd),
            uint96(orderKeeperFee),
            accountWindow
        );
        emit Ev.LiquidationParamsSet(
            feeRate,
            buffer,
            minKeeperReward,
            maxKeeperReward,
            closeFactorHfThreshold,
            smallDebtUsd,
            orderKeeperFee,
            penaltyRate,
            accountWindow
        );
    }

    /// @notice Auto-deleveraging parameters (INV-52): the floor 0 (off) or 0.05 .. 0.95, the
    ///         reward rate at most 0.1 % and the reward at most 1,000 USD per call.
    function setAdlParams(
        Store storage s,
        uint64 floorRatio,
        uint64 rewardRate,
        uint128 maxReward
    ) external {
        if (floorRatio != 0) _bound("adlFloorRatio", floorRatio, MIN_ADL_FLOOR, MAX_ADL_FLOOR);
        _bound("adlRewardRate", rewardRate, 0, MAX_ADL_REWARD_RATE);
        _bound("adlMaxReward", maxReward, 0, MAX_ADL_REWARD);
        s.adl = AdlParams(floorRatio, rewardRate, maxReward);
        emit Ev.AdlParamsSet(floorRatio, rewardRate, maxReward);
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
        s.sequencer = Sequencer(feed, gracePeriod);
        emit Ev.SequencerSet(feed, gracePeriod);
    }

    // --- internals ---

    /// @dev The liquidation penalty's floor is the highest taker fee of any market (INV-28), kept
    ///      here so that a liquidation does not read the market's fee slot.
    function _refreshMaxTakerFee(Store storage s) private {
        uint256 highest;
        uint256 n = s.marketCount;
        for (uint256 id; id < n; ++id) {
            uint256 fee = s.markets[id].takerFee;
            if (fee > highest) highest = fee;
        }
        s.liq.maxTakerFee = uint64(highest);
    }

    function _setTrading(
        MarketConfig storage m,
        uint256 id,
        uint128 skewScale,
        uint64 makerFee,
        uint64 takerFee,
        uint64 maxFundingVelocity
    ) private {
        _bound("skewScale", skewScale, 0, MAX_SKEW_SCALE);
        _bound("makerFee", makerFee, 0, MAX_FEE);
        _bound("takerFee", takerFee, 0, MAX_FEE);
        _bound("maxFundingVelocity", maxFundingVelocity, 0, MAX_FUNDING_VELOCITY);
        m.skewScale = skewScale;
        m.makerFee = makerFee;
        m.takerFee = takerFee;
        m.maxFundingVelocity = maxFundingVelocity;
        emit Ev.MarketTradingParamsSet(id, skewScale, makerFee, takerFee, maxFundingVelocity);
    }

    function _setMargin(
        MarketConfig storage m,
        uint256 id,
        uint64 imrBase,
        uint64 imrSizeFactor,
        uint64 maintenanceScalar,
        uint128 minPositionMargin
    ) private {
        _bound("imrBase", imrBase, MIN_IMR, WAD);
        _bound("imrSizeFactor", imrSizeFactor, 0, MAX_IMR_SIZE_FACTOR);
        _bound(
            "maintenanceScalar",
            maintenanceScalar,
            MIN_MAINTENANCE_SCALAR,
            MAX_MAINTENANCE_SCALAR
        );
        _bound("minPositionMargin", minPositionMargin, 0, MAX_MIN_POSITION_MARGIN);
        m.imrBase = imrBase;
        m.imrSizeFactor = imrSizeFactor;
        m.maintenanceScalar = maintenanceScalar;
        m.minPositionMargin = minPositionMargin;
        emit Ev.MarketMarginParamsSet(
            id,
            imrBase,
            imrSizeFactor,
            maintenanceScalar,
            minPositionMargin
        );
    }

    function _setLimits(
        MarketConfig storage m,
        uint256 id,
        uint128 maxOpenInterest,
        uint64 maxOiPoolRatio,
        uint64 maxNetExposureRatio,
        uint128 maxLiquidationPerWindow,
        uint32 liquidationWindow
    ) private {
        _bound("maxOpenInterest", maxOpenInterest, 0, MAX_OPEN_INTEREST);
        _bound("maxOiPoolRatio", maxOiPoolRatio, MIN_OI_POOL_RATIO, MAX_OI_POOL_RATIO);
        _bound(
            "maxNetExposureRatio",
            maxNetExposureRatio,
            MIN_NET_EXPOSURE_RATIO,
            MAX_NET_EXPOSURE_RATIO
        );
        _bound("liquidationWindow", liquidationWindow, 0, MAX_LIQUIDATION_WINDOW);
        // 0 = unlimited; otherwise at least the floor, so a cap cannot freeze liquidations.
        if (maxLiquidationPerWindow != 0)
            _bound(
                "maxLiquidationPerWindow",
                maxLiquidationPerWindow,
                MIN_LIQUIDATION_PER_WINDOW,
                type(uint128).max
            );
        m.maxOpenInterest = maxOpenInterest;
        m.maxOiPoolRatio = maxOiPoolRatio;
        m.maxNetExposureRatio = maxNetExposureRatio;
        m.maxLiquidationPerWindow = maxLiquidationPerWindow;
        m.liquidationWindow = liquidationWindow;
        emit Ev.MarketLimitsSet(
            id,
            maxOpenInterest,
            maxOiPoolRatio,
            maxNetExposureRatio,
            maxLiquidationPerWindow,
            liquidationWindow
        );
    }

    function _setOrder(
        MarketConfig storage m,
        uint256 id,
        bool instantTrading,
        uint32 minOrderDelay,
        uint32 maxOrderAge
    ) private {
        _bound("minOrderDelay", minOrderDelay, 0, MAX_ORDER_DELAY);
        _bound("maxOrderAge", maxOrderAge, uint256(minOrderDelay) + 1, MAX_ORDER_AGE);
        m.instantTrading = instantTrading;
        m.minOrderDelay = minOrderDelay;
        m.maxOrderAge = maxOrderAge;
        emit Ev.MarketOrderParamsSet(id, instantTrading, minOrderDelay, maxOrderAge);
    }

    /// @dev weight + discount <= 1: otherwise a collateral liquidation would lower the equity of
    ///      the account it is meant to rescue.
    /// @dev INV-53: initial <= maintenance <= 0.95 (no volatile collateral at full value), the
    ///      discount within the maintenance weight, bounded size factor and threshold.
    function _setCollateralRisk(
        CollateralConfig storage c,
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
        c.initialWeight = r.initialWeight;
        c.maintenanceWeight = r.maintenanceWeight;
        c.liquidationDiscount = r.liquidationDiscount;
        c.sizeFactor = r.sizeFactor;
        c.sizeThreshold = r.sizeThreshold;
        c.weightFloor = r.weightFloor;
        c.depositCap = r.depositCap;
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

    /// @dev Checks address, description and heartbeat, and that the feed answers safely now.
    function _checkFeed(
        address feed,
        uint32 heartbeat,
        string calldata expectedDescription
    ) private view returns (Feed memory f) {
        if (feed == address(0)) revert E.ZeroAddress();
        _bound("heartbeat", heartbeat, MIN_HEARTBEAT, MAX_HEARTBEAT);
        string memory actual = AggregatorV3Interface(feed).description();
        if (keccak256(bytes(actual)) != keccak256(bytes(expectedDescription))) {
            revert E.FeedDescriptionMismatch(feed, expectedDescription, actual);
        }
        f = Feed(feed, heartbeat, AggregatorV3Interface(feed).decimals());
        OracleLib.read(f);
    }

    function _collateral(
        Store storage s,
        address token
    ) private view returns (CollateralConfig storage c) {
        c = s.collaterals[token];
        if (!c.listed) revert E.UnknownToken(token);
    }

    function _market(Store storage s, uint256 id) private view returns (MarketConfig storage m) {
        m = s.markets[id];
        if (m.status == MarketStatus.None) revert E.UnknownMarket(id);
    }

    function _bound(bytes32 name, uint256 value, uint256 lo, uint256 hi) private pure {
        if (value < lo || value > hi) revert E.ParameterOutOfBounds(name, value, lo, hi);
    }
}

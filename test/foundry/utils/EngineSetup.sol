// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
import {Crossmargin} from "../../../contracts/core/Crossmargin.sol";
import {CrossmarginRisk} from "../../../contracts/core/CrossmarginRisk.sol";
import {CrossmarginExtension} from "../../../contracts/core/CrossmarginExtension.sol";
import {ICrossmargin} from "../../../contracts/interfaces/ICrossmargin.sol";
import {ICrossmarginRisk} from "../../../contracts/interfaces/ICrossmarginRisk.sol";
import {ICrossmarginAdmin} from "../../../contracts/interfaces/ICrossmarginAdmin.sol";
import {
    AdlSettings,
    LiquidationSettings,
    MarketLimits,
    MarketMarginParams,
    MarketOrderParams,
    MarketTradingParams
} from "../../../contracts/types/Params.sol";
import {LiquidityPool} from "../../../contracts/pool/LiquidityPool.sol";
import {InsuranceFund} from "../../../contracts/pool/InsuranceFund.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";

/// @notice Everything a handler or test needs to reach the deployed system.
struct Deployment {
    ICrossmargin engine;
    LiquidityPool pool;
    InsuranceFund fund;
    MockERC20 usdc;
    MockERC20 weth;
    MockERC20 wbtc;
    MockV3Aggregator wethFeed;
    MockV3Aggregator wbtcFeed;
    MockV3Aggregator[3] marketFeeds; // ETH-PERP, BTC-PERP, SOL-PERP
    address admin;
    address seedLp;
}

/// @notice Deploys and configures the whole system like deploy/config/local.ts: USDC (6) quote,
///         WETH (18) and WBTC (8) collateral, 8-decimal mock feeds, three markets, liquidation
///         parameters, a seeded liquidity pool and insurance fund.
abstract contract EngineSetup is Test {
    string internal constant FEED_DESCRIPTION = "v0.8/tests/MockV3Aggregator.sol";
    uint32 internal constant HEARTBEAT = 1 days;
    uint256 internal constant START_TIME = 1_700_000_000;

    // Feed answers (8 decimals) at deployment.
    int256 internal constant ETH_ANSWER = 3_000e8;
    int256 internal constant BTC_ANSWER = 60_000e8;
    int256 internal constant SOL_ANSWER = 150e8;

    uint256 internal constant POOL_SEED = 2_000_000e6; // LP liquidity, USDC units
    uint256 internal constant FUND_SEED = 10_000e6; // insurance fund, USDC units

    Deployment internal d;

    function _deploySystem() internal {
        vm.warp(START_TIME);
        vm.roll(1_000);
        d.admin = address(this);
        d.seedLp = makeAddr("seedLp");
        d.usdc = new MockERC20("USD Coin", "USDC", 6);
        d.weth = new MockERC20("Wrapped Ether", "WETH", 18);
        d.wbtc = new MockERC20("Wrapped Bitcoin", "WBTC", 8);
        d.wethFeed = new MockV3Aggregator(8, ETH_ANSWER);
        d.wbtcFeed = new MockV3Aggregator(8, BTC_ANSWER);
        d.marketFeeds[0] = new MockV3Aggregator(8, ETH_ANSWER);
        d.marketFeeds[1] = new MockV3Aggregator(8, BTC_ANSWER);
        d.marketFeeds[2] = new MockV3Aggregator(8, SOL_ANSWER);

        d.engine = ICrossmargin(
            address(
                new Crossmargin(
                    address(d.usdc),
                    d.admin,
                    address(new CrossmarginExtension(address(new CrossmarginRisk())))
                )
            )
        );
        d.pool = new LiquidityPool(ICrossmargin(address(d.engine)), "Crossmargin LP USDC", "cmLP");
        d.fund = new InsuranceFund(address(d.engine), address(d.usdc), d.admin);
        d.engine.setPool(address(d.pool));
        d.engine.setInsuranceFund(address(d.fund));
        d.engine.grantRole(d.engine.RISK_MANAGER_ROLE(), d.admin);
        d.engine.grantRole(d.engine.GUARDIAN_ROLE(), d.admin);

        _listCollateral(address(d.weth), address(d.wethFeed), 100_000e18);
        _listCollateral(address(d.wbtc), address(d.wbtcFeed), 5_000e8);
        _addMarket("ETH-PERP", address(d.marketFeeds[0]), 1_000_000e18, 100_000e18);
        _addMarket("BTC-PERP", address(d.marketFeeds[1]), 50_000e18, 5_000e18);
        _addMarket("SOL-PERP", address(d.marketFeeds[2]), 20_000_000e18, 2_000_000e18);
        d.engine.setLiquidationParams(
            LiquidationSettings({
                feeRate: 0.005e18,
                buffer: 0.1e18,
                minKeeperRewardUsd: 5e18,
                maxKeeperRewardUsd: 1_000e18,
                closeFactorHfThreshold: 0.95e18,
                smallDebtUsd: 100e18,
                orderKeeperFeeUsd: 1e18,
                penaltyRate: 0.005e18,
                accountWindow: 3600
            })
        );
        // The highest ADL floor (0.95) so that the invariant runs reach auto-deleveraging often.
        d.engine.setAdlParams(
            AdlSettings({floorRatio: 0.95e18, rewardRate: 0.0001e18, maxRewardUsd: 100e18})
        );
        // ETH/BTC offset pair (INV-54) and a 1 USD top-up fee (INV-56), as deploy/config/local.ts.
        ICrossmarginRisk(address(d.engine)).setOffsetPair(1, 0, 1, 0.5e18, 0.02e18);
        ICrossmarginRisk(address(d.engine)).setTopUpFee(1e18);

        d.usdc.mint(d.seedLp, POOL_SEED);
        vm.startPrank(d.seedLp);
        d.usdc.approve(address(d.pool), POOL_SEED);
        d.pool.deposit(POOL_SEED, d.seedLp);
        vm.stopPrank();
        d.usdc.mint(d.admin, FUND_SEED);
        d.usdc.approve(address(d.fund), FUND_SEED);
        d.fund.seed(FUND_SEED);
    }

    function _listCollateral(address token, address feed, uint128 cap) private {
        d.engine.listCollateral(
            token,
            ICrossmarginAdmin.CollateralParams({
                feed: feed,
                heartbeat: HEARTBEAT,
                // Initial below maintenance, and a size haircut from 10k USD (a seeded 5 WETH
                // is above it) so that every run exercises both (INV-53).
                risk: ICrossmarginAdmin.CollateralRisk({
                    initialWeight: 0.85e18,
                    maintenanceWeight: 0.9e18,
                    liquidationDiscount: 0.05e18,
                    sizeFactor: 0.001e18,
                    sizeThreshold: 10_000e18,
                    weightFloor: 0.5e18,
                    depositCap: cap
                })
            }),
            FEED_DESCRIPTION
        );
    }

    /// @dev deploy/config/local.ts `market()`: fees 2/6 bp, velocity 9/day, IMR 2 % + 0.0001 *
    ///      sqrt(notional), maintenance 0.5, min margin 20 USD, OI <= 5x pool, 5M USD per 30 s.
    function _addMarket(bytes32 name, address feed, uint128 skewScale, uint128 maxOi) private {
        d.engine.addMarket(
            ICrossmarginAdmin.MarketParams({
                name: name,
                feed: feed,
                heartbeat: HEARTBEAT,
                trading: MarketTradingParams({
                    skewScale: skewScale,
                    makerFee: 0.0002e18,
                    takerFee: 0.0006e18,
                    maxFundingVelocity: 9e18
                }),
                margin: MarketMarginParams({
                    imrBase: 0.02e18,
                    imrSizeFactor: 0.0001e18,
                    maintenanceScalar: 0.5e18,
                    minPositionMarginUsd: 20e18
                }),
                limits: MarketLimits({
                    maxOpenInterest: maxOi,
                    maxOiPoolRatio: 5e18,
                    maxNetExposureRatio: 2e18,
                    maxLiquidationPerWindowUsd: 5_000_000e18,
                    liquidationWindow: 30
                }),
                orders: MarketOrderParams({
                    instantTrading: true,
                    minOrderDelay: 2,
                    maxOrderAge: 2 hours
                })
            }),
            FEED_DESCRIPTION
        );
    }
}

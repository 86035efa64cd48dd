// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ICrossmarginAdmin} from "../../contracts/interfaces/ICrossmarginAdmin.sol";
import {ICrossmarginErrors} from "../../contracts/interfaces/ICrossmarginErrors.sol";
import {CollateralConfig, Health, MarketConfig} from "../../contracts/types/Types.sol";
import {
    LiquidationSettings,
    MarketLimits,
    MarketMarginParams,
    MarketOrderParams,
    MarketTradingParams
} from "../../contracts/types/Params.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {RiskMath} from "../../contracts/libraries/RiskMath.sol";
import {EngineSetup} from "./utils/EngineSetup.sol";
import {
    MAX_FEE,
    MAX_IMR_SIZE_FACTOR,
    MAX_MIN_POSITION_MARGIN,
    MAX_SCALAR,
    MAX_SKEW_SCALE,
    MAX_VELOCITY,
    MIN_IMR,
    MIN_SCALAR,
    WAD
} from "./utils/MarketBounds.sol";

/// @notice INV-73, INV-75 and INV-78 (`testFuzz_collateralWeightsStoreExactlyOrRevert`) by fuzzing: a market's fees are stored in pips and its margin and
///         funding parameters in nanos, the liquidation rates in nanos and the keeper rewards in
///         micro-USD, so for any value a setter is given, either the view (`getMarket`,
///         `getLiquidationParams`) returns exactly that value afterwards, or the call reverts
///         (`ParameterOutOfBounds` outside the bounds, else `ParameterOffGrid`) and the view reads
///         as before. Nothing is ever stored rounded or truncated to a narrower field.
contract MarketParamsTest is EngineSetup {
    uint256 internal constant PIP = 1e12;
    uint256 internal constant NANO = 1e9;
    uint256 internal constant MICRO_USD = 1e12;
    uint256 internal constant MAX_LIQUIDATION_RATE = 0.05e18; // feeRate and penaltyRate
    uint256 internal constant MAX_KEEPER_REWARD = 10_000e18;
    uint256 internal constant BPS = 1e14;
    uint256 internal constant MAX_COLLATERAL_WEIGHT = 0.95e18;

    function setUp() public {
        _deploySystem();
    }

    /// @dev A fuzzed value: a quarter of the time left as fuzzed (mostly out of bounds), a
    ///      quarter anywhere within the bounds (off the grid but by chance), half the time on
    ///      `step`'s grid within the bounds (the bounds' edges included).
    function _pick(
        uint256 raw,
        uint256 lo,
        uint256 hi,
        uint256 step
    ) internal pure returns (uint256) {
        uint256 mode = raw % 4;
        raw >>= 2;
        if (mode == 0) return raw;
        uint256 v = lo + (raw % (hi - lo + 1));
        if (mode == 1) return v;
        return v - (v % step) < lo ? lo : v - (v % step);
    }

    function _ok(uint256 v, uint256 lo, uint256 hi, uint256 step) internal pure returns (bool) {
        return v >= lo && v <= hi && v % step == 0;
    }

    function _marketDigest(uint256 id) internal view returns (bytes32) {
        return keccak256(abi.encode(d.engine.getMarket(id)));
    }

    function _liquidationDigest(uint256) internal view returns (bytes32) {
        (LiquidationSettings memory p, uint256 maxTakerFee) = d.engine.getLiquidationParams();
        return keccak256(abi.encode(p, maxTakerFee));
    }

    function testFuzz_tradingParamsStoreExactlyOrRevert(
        uint256 marketSeed,
        uint256 skewScale,
        uint256 makerFee,
        uint256 takerFee,
        uint256 velocity
    ) public {
        uint256 id = marketSeed % 3;
        MarketTradingParams memory p = MarketTradingParams({
            skewScale: uint128(_pick(skewScale, 0, MAX_SKEW_SCALE, NANO)),
            makerFee: uint64(_pick(makerFee, 0, MAX_FEE, PIP)),
            takerFee: uint64(_pick(takerFee, 0, MAX_FEE, PIP)),
            maxFundingVelocity: uint64(_pick(velocity, 0, MAX_VELOCITY, NANO))
        });
        bool valid =
            _ok(p.skewScale, 0, MAX_SKEW_SCALE, NANO) &&
                _ok(p.makerFee, 0, MAX_FEE, PIP) &&
                _ok(p.takerFee, 0, MAX_FEE, PIP) &&
                _ok(p.maxFundingVelocity, 0, MAX_VELOCITY, NANO);
        if (_set(id, abi.encodeCall(ICrossmarginAdmin.setMarketTradingParams, (id, p)), valid)) {
            MarketConfig memory m = d.engine.getMarket(id);
            assertEq(m.skewScale, p.skewScale, "skewScale");
            assertEq(m.makerFee, p.makerFee, "makerFee");
            assertEq(m.takerFee, p.takerFee, "takerFee");
            assertEq(m.maxFundingVelocity, p.maxFundingVelocity, "maxFundingVelocity");
        }
    }

    function testFuzz_marginParamsStoreExactlyOrRevert(
        uint256 marketSeed,
        uint256 imrBase,
        uint256 sizeFactor,
        uint256 scalar,
        uint256 minMargin
    ) public {
        uint256 id = marketSeed % 3;
        MarketMarginParams memory p = MarketMarginParams({
            imrBase: uint64(_pick(imrBase, MIN_IMR, WAD, NANO)),
            imrSizeFactor: uint64(_pick(sizeFactor, 0, MAX_IMR_SIZE_FACTOR, NANO)),
            maintenanceScalar: uint64(_pick(scalar, MIN_SCALAR, MAX_SCALAR, NANO)),
            minPositionMarginUsd: uint128(_pick(minMargin, 0, MAX_MIN_POSITION_MARGIN, NANO))
        });
        bool valid =
            _ok(p.imrBase, MIN_IMR, WAD, NANO) &&
                _ok(p.imrSizeFactor, 0, MAX_IMR_SIZE_FACTOR, NANO) &&
                _ok(p.maintenanceScalar, MIN_SCALAR, MAX_SCALAR, NANO) &&
                _ok(p.minPositionMarginUsd, 0, MAX_MIN_POSITION_MARGIN, NANO);
        if (_set(id, abi.encodeCall(ICrossmarginAdmin.setMarketMarginParams, (id, p)), valid)) {
            MarketConfig memory m = d.engine.getMarket(id);
            assertEq(m.imrBase, p.imrBase, "imrBase");
            assertEq(m.imrSizeFactor, p.imrSizeFactor, "imrSizeFactor");
            assertEq(m.maintenanceScalar, p.maintenanceScalar, "maintenanceScalar");
            assertEq(m.minPositionMargin, p.minPositionMarginUsd, "minPositionMargin");
        }
    }

    function testFuzz_liquidationParamsStoreExactlyOrRevert(
        uint256 feeRate,
        uint256 buffer,
        uint256 minReward,
        uint256 maxReward,
        uint256 penaltyRate
    ) public {
        (, uint256 maxTakerFee) = d.engine.getLiquidationParams();
        uint128 max = uint128(_pick(maxReward, 0, MAX_KEEPER_REWARD, MICRO_USD));
        LiquidationSettings memory p = LiquidationSettings({
            feeRate: uint64(_pick(feeRate, 0, MAX_LIQUIDATION_RATE, NANO)),
            buffer: uint64(_pick(buffer, 0, WAD, NANO)),
            minKeeperRewardUsd: uint128(_pick(minReward, 0, max, MICRO_USD)),
            maxKeeperRewardUsd: max,
            closeFactorHfThreshold: 0.95e18,
            smallDebtUsd: 100e18,
            orderKeeperFeeUsd: 1e18,
            penaltyRate: uint64(_pick(penaltyRate, 0, MAX_LIQUIDATION_RATE, NANO)),
            accountWindow: 3600
        });
        bool valid =
            _ok(p.feeRate, 0, MAX_LIQUIDATION_RATE, NANO) &&
                _ok(p.buffer, 0, WAD, NANO) &&
                _ok(p.maxKeeperRewardUsd, 0, MAX_KEEPER_REWARD, MICRO_USD) &&
                _ok(p.minKeeperRewardUsd, 0, p.maxKeeperRewardUsd, MICRO_USD) &&
                _ok(p.penaltyRate, 0, MAX_LIQUIDATION_RATE, NANO);
        bytes memory call = abi.encodeCall(ICrossmarginAdmin.setLiquidationParams, (p));
        if (_send(call, valid, _liquidationDigest, 0)) {
            (LiquidationSettings memory got, uint256 floor) = d.engine.getLiquidationParams();
            assertEq(keccak256(abi.encode(got)), keccak256(abi.encode(p)), "read back");
            assertEq(floor, maxTakerFee, "the taker-fee floor changed");
        }
    }

    /// @dev Sends a market setter's `call`; see `_send`.
    function _set(uint256 id, bytes memory call, bool valid) internal returns (bool) {
        return _send(call, valid, _marketDigest, id);
    }

    /// @dev Sends a setter's `call` to the engine: true if it stored (it must be `valid`); if it
    ///      reverted (it must not be), the revert is a parameter error and `digest(id)` (what the
    ///      setter's view reads) is as before.
    function _send(
        bytes memory call,
        bool valid,
        function(uint256) internal view returns (bytes32) digest,
        uint256 id
    ) internal returns (bool) {
        bytes32 before = digest(id);
        (bool ok, bytes memory err) = address(d.engine).call(call);
        if (ok) {
            assertTrue(valid, "an invalid value was accepted");
            return true;
        }
        assertFalse(valid, "a valid value was refused");
        _expectParameterError(err);
        assertEq(digest(id), before, "a refused call changed the parameters");
        return false;
    }

    /// @notice INV-77 by fuzzing: after any sequence of limit and order-parameter changes, a
    ///         market's flags byte (bits 208..215 of its config slot 0) holds exactly its
    ///         instant-trading bit (1) and its has-a-cap bit (2), as `getMarket` reports them.
    function testFuzz_flagsFollowTheirSetters(uint256 seed) public {
        uint256 id = seed % 3;
        // `markets` is the mapping at slot 11 (`Store` from slot 1, after AccessControl's).
        bytes32 slot = keccak256(abi.encode(id, uint256(11)));
        for (uint256 i; i < 8; ++i) {
            seed = uint256(keccak256(abi.encode(seed, i)));
            MarketConfig memory m = d.engine.getMarket(id);
            if (seed & 1 == 0) {
                uint256 cap = (seed >> 1) & 1 == 0 ? 0 : 100_000e18 + ((seed >> 2) % 1e30);
                d.engine.setMarketLimits(
                    id,
                    MarketLimits({
                        maxOpenInterest: m.maxOpenInterest,
                        maxOiPoolRatio: m.maxOiPoolRatio,
                        maxNetExposureRatio: m.maxNetExposureRatio,
                        maxLiquidationPerWindowUsd: uint128(cap),
                        liquidationWindow: m.liquidationWindow
                    })
                );
            } else {
                d.engine.setMarketOrderParams(
                    id,
                    MarketOrderParams({
                        instantTrading: (seed >> 1) & 1 == 1,
                        minOrderDelay: m.minOrderDelay,
                        maxOrderAge: m.maxOrderAge
                    })
                );
            }
            m = d.engine.getMarket(id);
            uint256 word = uint256(vm.load(address(d.engine), slot));
            assertEq(address(uint160(word)), m.feed, "not the market's config slot 0");
            uint256 want = (m.instantTrading ? 1 : 0) | (m.maxLiquidationPerWindow != 0 ? 2 : 0);
            assertEq((word >> 208) & 0xff, want, "flags");
        }
    }

    /// @dev A refusal is one of the two parameter errors, never a panic or another error.
    function _expectParameterError(bytes memory err) internal pure {
        bytes4 sel = bytes4(err);
        assertTrue(
            sel == ICrossmarginErrors.ParameterOutOfBounds.selector ||
                sel == ICrossmarginErrors.ParameterOffGrid.selector,
            "unexpected revert"
        );
    }

    /// @notice INV-78 by fuzzing: a collateral's weights are stored in basis points, so for any
    ///         weights `setCollateralParams` is given, either `getCollateral` returns exactly
    ///         them afterwards and an account holding the token is valued at exactly those WAD
    ///         weights, or the call reverts (`ParameterOutOfBounds` outside the bounds, else
    ///         `ParameterOffGrid`) and the view reads as before. The size scale's flag follows
    ///         `sizeFactor`; the valuation's reference is the formula of docs/math.md written out
    ///         here for a balance at or below the size threshold (the scale then is 1).
    function testFuzz_collateralWeightsStoreExactlyOrRevert(
        uint256 tokenSeed,
        uint256 initialWeight,
        uint256 maintenanceWeight,
        uint256 amountSeed
    ) public {
        bool isWeth = tokenSeed % 2 == 0;
        address token = isWeth ? address(d.weth) : address(d.wbtc);
        uint64 mw = uint64(_pick(maintenanceWeight, 0, MAX_COLLATERAL_WEIGHT, BPS));
        uint64 iw = uint64(_pick(initialWeight, 0, mw > MAX_COLLATERAL_WEIGHT ? 0 : mw, BPS));
        ICrossmarginAdmin.CollateralRisk memory r = ICrossmarginAdmin.CollateralRisk({
            initialWeight: iw,
            maintenanceWeight: mw,
            liquidationDiscount: 0.05e18,
            sizeFactor: (tokenSeed >> 1) % 2 == 0 ? 0 : 0.001e18,
            sizeThreshold: 10_000e18,
            weightFloor: 0.5e18,
            depositCap: type(uint128).max
        });
        bool valid = _ok(mw, 0, MAX_COLLATERAL_WEIGHT, BPS) && _ok(iw, 0, mw, BPS);
        _token = token;
        bytes memory call = abi.encodeCall(ICrossmarginAdmin.setCollateralParams, (token, r));
        if (!_send(call, valid, _collateralDigest, 0)) return;
        CollateralConfig memory c = d.engine.getCollateral(token);
        assertEq(c.initialWeight, iw, "initialWeight");
        assertEq(c.maintenanceWeight, mw, "maintenanceWeight");
        assertEq(c.sizeFactor, r.sizeFactor, "sizeFactor");
        assertTrue(c.listed, "listed");
        // A fresh account holds up to 10,000 USD of the token (at or below the threshold).
        uint256 price = uint256(isWeth ? ETH_ANSWER : BTC_ANSWER) * 1e10;
        uint256 unit = 10 ** c.tokenDecimals;
        uint256 amount = 1 + (amountSeed % ((10_000e18 * unit) / price));
        address holder = makeAddr("holder");
        MockERC20(token).mint(holder, amount);
        vm.startPrank(holder);
        MockERC20(token).approve(address(d.engine), amount);
        d.engine.deposit(0, token, amount);
        vm.stopPrank();
        Health memory h = d.engine.accountHealth(d.engine.accountId(holder, 0));
        uint256 value = (amount * price) / unit;
        uint256 weighted = (value * mw) / WAD;
        assertEq(h.equity, int256(weighted), "equity at the maintenance weight");
        assertEq(h.im, weighted - (value * iw) / WAD, "IM add-on at the initial weight");
        assertEq(h.mm, 0, "no positions, no MM");
    }

    address private _token;

    function _collateralDigest(uint256) internal view returns (bytes32) {
        return keccak256(abi.encode(d.engine.getCollateral(_token)));
    }

    /// @notice INV-78's guard by fuzzing: a valuation reads the size scale's slot only from the
    ///         threshold's power of two, `2^floor(log2(T))`, which is at most `T`. For thresholds
    ///         from 0 to 1e30 USD and balances just below and at that power of two, at and just
    ///         above `T`, and anywhere, a holder of WETH (3,000 USD, so its value is `3,000 *
    ///         amount` exactly) is valued as the rule says: scaled exactly when the value is above
    ///         `T` (`RiskMath` gives the scale itself, which `risk/weights.test.ts` checks against
    ///         the TypeScript model).
    function testFuzz_sizeScaleReadFromItsPowerOfTwo(
        uint256 thresholdSeed,
        uint256 pick,
        uint256 amountSeed
    ) public {
        uint128 threshold = uint128(bound(thresholdSeed, 0, 1e30));
        if (pick % 5 == 0) threshold = uint128(1 << bound(thresholdSeed, 0, 99)); // a power of two
        ICrossmarginAdmin.CollateralRisk memory r = ICrossmarginAdmin.CollateralRisk({
            initialWeight: 0.85e18,
            maintenanceWeight: 0.9e18,
            liquidationDiscount: 0.05e18,
            sizeFactor: 0.001e18,
            sizeThreshold: threshold,
            weightFloor: 0.5e18,
            depositCap: type(uint128).max
        });
        d.engine.setCollateralParams(address(d.weth), r);
        uint256 from = 1 << Math.log2(threshold);
        uint256 amount = [
            (from - 1) / 3_000, // the last value below the power of two
            Math.ceilDiv(from, 3_000), // the first at or above it
            threshold / 3_000, // the last at or below the threshold
            threshold / 3_000 + 1, // the first above it
            amountSeed % (threshold / 1_000 + 2)
        ][(pick >> 8) % 5];
        if (amount == 0) amount = 1;
        address holder = makeAddr("sized holder");
        d.weth.mint(holder, amount);
        vm.startPrank(holder);
        d.weth.approve(address(d.engine), amount);
        d.engine.deposit(0, address(d.weth), amount);
        vm.stopPrank();
        Health memory h = d.engine.accountHealth(d.engine.accountId(holder, 0));
        uint256 value = amount * 3_000;
        uint256 g =
            value > threshold
                ? RiskMath.sizeScale(value, threshold, r.sizeFactor, r.weightFloor)
                : WAD;
        (uint256 m, uint256 init) = RiskMath.weightedValues(value, 0.9e18, 0.85e18, g);
        assertEq(h.equity, int256(m), "equity");
        assertEq(h.im, m - init, "IM add-on");
    }
}

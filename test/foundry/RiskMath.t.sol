// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {RiskMath} from "../../contracts/libraries/RiskMath.sol";
import {MarketMath} from "../../contracts/libraries/MarketMath.sol";
import {StoredMarket} from "../../contracts/types/Types.sol";
import {
    MAX_IMR_SIZE_FACTOR,
    MAX_MIN_POSITION_MARGIN,
    MAX_SCALAR,
    MIN_IMR,
    MIN_SCALAR,
    WAD
} from "./utils/MarketBounds.sol";

/// @notice Fuzz tests of the risk model's pure formulas (docs/math.md, "Risk model") over random
///         books within the on-chain parameter bounds: the offset-pair credit never takes a
///         pair's requirement below its stress loss, computed here independently from the legs'
///         sizes and prices (INV-54); IM stays at least MM; a leg that shrinks never raises MM;
///         and a balance's size-scaled value never falls as it grows beyond the rounding of the
///         size scale (INV-53).
contract RiskMathTest is Test {
    // On-chain bounds (AdminLogic, CrossmarginRisk; the market's in utils/MarketBounds.sol).
    uint256 internal constant MAX_OFFSET_RATE = 0.5e18;
    uint256 internal constant MIN_STRESS_MOVE = 0.005e18;
    uint256 internal constant MAX_COLLATERAL_SIZE_FACTOR = 0.01e18;
    uint256 internal constant MAX_SIZE_THRESHOLD = 1e30;
    uint256 internal constant MAX_WEIGHT = 0.95e18;
    // Books: up to 1e12 units at up to 1e12 USD (a notional up to 1e24 USD).
    uint256 internal constant MAX_SIZE = 1e30;
    uint256 internal constant MAX_PRICE = 1e30;
    uint256 internal constant MAX_VALUE = 1e36;

    /// @dev One random leg: its market's margin parameters, size and price.
    struct LegInput {
        uint256 size;
        uint256 price;
        uint256 imrBase;
        uint256 sizeFactor;
        uint256 scalar;
        uint256 minMargin;
    }

    StoredMarket internal cfgA;
    StoredMarket internal cfgB;

    // ---------------------------------------------------------------- offset pairs (INV-54)

    /// The credit never takes the pair's IM or MM below `min(requirement, L)`, with `L` the
    /// loss when the long leg falls by `u` or the short leg rises by `u` (rounded up, from the
    /// exact sizes and prices); IM stays at least MM; each credit is at most the smaller leg's
    /// requirement, so removing a leg never raises the requirement.
    function testFuzz_creditKeepsStressLoss(
        LegInput memory a,
        LegInput memory b,
        bool aLong,
        uint256 rate,
        uint256 stress
    ) public {
        rate = bound(rate, 0, MAX_OFFSET_RATE);
        // Half the runs take a stress move up to 10 %, where the stress bound often binds.
        stress = bound(stress, MIN_STRESS_MOVE, stress % 2 == 0 ? 0.1e18 : WAD);
        RiskMath.Leg memory la = _leg(cfgA, a, aLong);
        RiskMath.Leg memory lb = _leg(cfgB, b, !aLong);
        (uint256 cIm, uint256 cMm) = RiskMath.credit(la, lb, rate, stress);
        uint256 loss = _stressLoss(a, b, stress);

        uint256 mmAfter = la.mm + lb.mm - cMm;
        uint256 imAfter = la.im + lb.im - cIm;
        assertGe(mmAfter, Math.min(la.mm + lb.mm, loss), "MM below the stress loss");
        assertGe(imAfter, Math.min(la.im + lb.im, loss), "IM below the stress loss");
        assertGe(imAfter, mmAfter, "IM below MM");
        assertLe(cMm, Math.min(la.mm, lb.mm), "MM credit above the smaller leg's mm");
        assertLe(cIm, Math.min(la.im, lb.im), "IM credit above the smaller leg's im");
        assertLe(cMm, (rate * 2 * Math.min(la.mm, lb.mm)) / WAD, "MM credit above 2 r min(mm)");
    }

    /// Legs of the same sign (or a flat leg) earn nothing.
    function testFuzz_noCreditWithoutOppositeLegs(
        LegInput memory a,
        LegInput memory b,
        bool long,
        bool flat,
        uint256 rate,
        uint256 stress
    ) public {
        rate = bound(rate, 0, MAX_OFFSET_RATE);
        stress = bound(stress, MIN_STRESS_MOVE, WAD);
        RiskMath.Leg memory la = _leg(cfgA, a, long);
        RiskMath.Leg memory lb = _leg(cfgB, b, flat ? !long : long);
        if (flat) lb.size = 0;
        (uint256 cIm, uint256 cMm) = RiskMath.credit(la, lb, rate, stress);
        assertEq(cIm, 0);
        assertEq(cMm, 0);
    }

    /// Shrinking a leg (same price, same parameters) never raises the pair's MM or IM.
    function testFuzz_shrinkingALegNeverRaisesRequirement(
        LegInput memory a,
        LegInput memory b,
        bool aLong,
        uint256 smaller,
        uint256 rate,
        uint256 stress
    ) public {
        rate = bound(rate, 0, MAX_OFFSET_RATE);
        stress = bound(stress, MIN_STRESS_MOVE, WAD);
        RiskMath.Leg memory la = _leg(cfgA, a, aLong);
        RiskMath.Leg memory lb = _leg(cfgB, b, !aLong);
        (uint256 cIm, uint256 cMm) = RiskMath.credit(la, lb, rate, stress);
        b.size = bound(smaller, 0, b.size - 1); // same market and price, a smaller size
        RiskMath.Leg memory lb2 = _legAt(cfgB, b, !aLong);
        (uint256 cIm2, uint256 cMm2) = RiskMath.credit(la, lb2, rate, stress);
        assertLe(la.mm + lb2.mm - cMm2, la.mm + lb.mm - cMm, "MM rose");
        assertLe(la.im + lb2.im - cIm2, la.im + lb.im - cIm, "IM rose");
    }

    // ---------------------------------------------------------------- size scale (INV-53)

    /// `V * g(V)` does not fall as `V` grows, up to `2 V / 1e18 + 1` wei: `g` rounds down and
    /// its denominator `WAD + mulUp(k, sqrtUp(V * WAD))` may step by 2 against the numerator's
    /// `mulDown(k, sqrt(T * WAD))`, so `g` may be 2 wei below its exact value (see
    /// `test_thresholdRoundingReachesTwoWeiPerWad`).
    function testFuzz_sizeScaledValueNonDecreasing(
        uint256 v1,
        uint256 delta,
        uint256 threshold,
        uint256 factor,
        uint256 floor
    ) public pure {
        (threshold, factor, floor) = _scaleParams(threshold, factor, floor);
        v1 = bound(v1, 0, MAX_VALUE);
        // Half the runs take a small step (where the rounding of `g` matters), half any step.
        uint256 maxStep = delta % 2 == 0 ? Math.min(MAX_VALUE - v1, 1e24) : MAX_VALUE - v1;
        uint256 v2 = v1 + bound(delta, 0, maxStep);
        uint256 before = Math.mulDiv(v1, _scale(v1, threshold, factor, floor), WAD);
        uint256 after_ = Math.mulDiv(v2, _scale(v2, threshold, factor, floor), WAD);
        assertGe(after_ + (2 * v2) / WAD + 1, before, "V * g(V) fell");
    }

    /// The same across the threshold, where `g` first drops below 1.
    function testFuzz_sizeScaledValueAtThreshold(
        uint256 below,
        uint256 above,
        uint256 threshold,
        uint256 factor,
        uint256 floor
    ) public pure {
        (threshold, factor, floor) = _scaleParams(threshold, factor, floor);
        uint256 v1 = threshold - bound(below, 0, Math.min(threshold, 1e24));
        uint256 v2 = threshold + bound(above, 1, 1e24);
        uint256 before = Math.mulDiv(v1, _scale(v1, threshold, factor, floor), WAD);
        uint256 after_ = Math.mulDiv(v2, _scale(v2, threshold, factor, floor), WAD);
        assertGe(after_ + (2 * v2) / WAD + 1, before, "V * g(V) fell at the threshold");
    }

    /// Pinned: just across a threshold whose `sqrt(T * WAD)` is just below an integer, `g` is
    /// `WAD - 2` and `V * g(V)` falls by almost `2 V / 1e18` (more than `V / 1e18`).
    function test_thresholdRoundingReachesTwoWeiPerWad() public pure {
        uint256 threshold = 1e30 - 1000;
        uint256 value = threshold + 2000;
        uint256 g = RiskMath.sizeScale(value, threshold, 3600, 0);
        assertEq(g, WAD - 2);
        uint256 drop = threshold - Math.mulDiv(value, g, WAD);
        assertEq(drop, 1_999_999_998_001);
        assertGt(drop, value / WAD + 1);
        assertLe(drop, (2 * value) / WAD + 1);
    }

    /// What equity counts, `mulDown(V, mulDown(wM, g))`, with the same tolerance.
    function testFuzz_weightedValueNonDecreasing(
        uint256 v1,
        uint256 delta,
        uint256 weight,
        uint256 threshold,
        uint256 factor,
        uint256 floor
    ) public pure {
        (threshold, factor, floor) = _scaleParams(threshold, factor, floor);
        weight = bound(weight, 0, MAX_WEIGHT);
        v1 = bound(v1, 0, MAX_VALUE);
        uint256 v2 = v1 + bound(delta, 0, MAX_VALUE - v1);
        (uint256 before, ) = RiskMath.weightedValues(
            v1,
            weight,
            weight,
            _scale(v1, threshold, factor, floor)
        );
        (uint256 after_, ) = RiskMath.weightedValues(
            v2,
            weight,
            weight,
            _scale(v2, threshold, factor, floor)
        );
        assertGe(after_ + (2 * v2) / WAD + 1, before, "weighted value fell");
    }

    // ---------------------------------------------------------------- internals

    /// @dev A leg with random parameters within the on-chain bounds.
    function _leg(
        StoredMarket storage cfg,
        LegInput memory x,
        bool long
    ) internal returns (RiskMath.Leg memory) {
        x.size = bound(x.size, 1, MAX_SIZE);
        x.price = bound(x.price, 1, MAX_PRICE);
        // On the setters' grid (whole nanos, INV-73); every bound is a whole number of nanos.
        x.imrBase = _nanos(bound(x.imrBase, MIN_IMR, WAD));
        x.sizeFactor = _nanos(bound(x.sizeFactor, 0, MAX_IMR_SIZE_FACTOR));
        x.scalar = _nanos(bound(x.scalar, MIN_SCALAR, MAX_SCALAR));
        x.minMargin = _nanos(bound(x.minMargin, 0, MAX_MIN_POSITION_MARGIN));
        return _legAt(cfg, x, long);
    }

    /// @dev `x` rounded down to a whole number of nanos (1e9 WAD).
    function _nanos(uint256 x) internal pure returns (uint256) {
        return x - (x % 1e9);
    }

    /// @dev The leg of an already bounded input, on the grid (requirements as the engine
    ///      computes them).
    function _legAt(
        StoredMarket storage cfg,
        LegInput memory x,
        bool long
    ) internal returns (RiskMath.Leg memory l) {
        cfg.imrBaseNano = uint32(x.imrBase / 1e9);
        cfg.imrSizeFactorNano = uint24(x.sizeFactor / 1e9);
        cfg.maintenanceScalarNano = uint32(x.scalar / 1e9);
        cfg.minPositionMarginNano = uint48(x.minMargin / 1e9);
        l.pair = 1;
        l.size = long ? int256(x.size) : -int256(x.size);
        if (x.size == 0) return l;
        l.notional = Math.mulDiv(x.size, x.price, WAD, Math.Rounding.Ceil);
        (l.im, l.mm) = MarketMath.requirements(cfg, l.notional);
    }

    /// @dev The pair's loss in its two stress scenarios, from the exact sizes and prices:
    ///      each leg moving `u` against the account, `ceil(|s| * p * u / 1e36)`, the larger.
    function _stressLoss(
        LegInput memory a,
        LegInput memory b,
        uint256 u
    ) internal pure returns (uint256) {
        uint256 lossA = Math.mulDiv(a.size * a.price, u, WAD * WAD, Math.Rounding.Ceil);
        uint256 lossB = Math.mulDiv(b.size * b.price, u, WAD * WAD, Math.Rounding.Ceil);
        return Math.max(lossA, lossB);
    }

    function _scaleParams(
        uint256 threshold,
        uint256 factor,
        uint256 floor
    ) internal pure returns (uint256, uint256, uint256) {
        return (
            bound(threshold, 0, MAX_SIZE_THRESHOLD),
            bound(factor, 0, MAX_COLLATERAL_SIZE_FACTOR),
            bound(floor, 0, WAD)
        );
    }

    /// @dev `g` as the engine applies it (CollateralLogic.weighted): 1 unless `k != 0` and `V > T`.
    function _scale(
        uint256 value,
        uint256 threshold,
        uint256 factor,
        uint256 floor
    ) internal pure returns (uint256) {
        if (factor == 0 || value <= threshold) return WAD;
        return RiskMath.sizeScale(value, threshold, factor, floor);
    }
}

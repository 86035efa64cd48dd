// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {WadMath} from "./WadMath.sol";

/// @title RiskMath
/// @notice The risk model's pure formulas (docs/math.md, "Risk model"): the size scale of a
///         collateral's weights and the margin credit of an offset pair.
library RiskMath {
    using WadMath for uint256;

    uint256 internal constant WAD = 1e18;

    /// @notice One leg of an offset pair in an account: its signed size and requirements.
    struct Leg {
        uint256 pair;
        int256 size;
        uint256 notional;
        uint256 im;
        uint256 mm;
    }

    /// @notice The size scale `g` of a balance worth `value` above `threshold` (WAD):
    ///         `max(floor, divDown(WAD + mulDown(k, sqrt(T * WAD)), WAD + mulUp(k, sqrtUp(V * WAD))))`.
    /// @dev The caller skips it when `k == 0` or `value <= threshold` (then `g = WAD`).
    function sizeScale(
        uint256 value,
        uint256 threshold,
        uint256 factor,
        uint256 floor
    ) internal pure returns (uint256) {
        uint256 num = WAD + factor.mulDown(Math.sqrt(threshold * WAD));
        uint256 den = WAD + factor.mulUp(WadMath.sqrtUp(value * WAD));
        return WadMath.max(floor, num.divDown(den));
    }

    /// @notice Maintenance- and initial-weighted value of a balance worth `value` with weights
    ///         `wM`, `wI` and size scale `g` (WAD; `WAD` below the threshold):
    ///         `mulDown(value, mulDown(w, g))` each.
    function weightedValues(
        uint256 value,
        uint256 wM,
        uint256 wI,
        uint256 g
    ) internal pure returns (uint256 maintenanceUsd, uint256 initialUsd) {
        if (g != WAD) {
            wM = wM.mulDown(g);
            wI = wI.mulDown(g);
        }
        maintenanceUsd = value.mulDown(wM);
        initialUsd = value.mulDown(wI);
    }

    /// @notice The pair's loss in its stress scenario: `mulUp(u, max(N_a, N_b))`.
    function stressLoss(
        uint256 notionalA,
        uint256 notionalB,
        uint256 stressMove
    ) internal pure returns (uint256) {
        return stressMove.mulUp(WadMath.max(notionalA, notionalB));
    }

    /// @notice Initial and maintenance credits of two legs of one pair: zero unless they have
    ///         opposite signs; each `min(mulDown(r, 2 * min(x_a, x_b)), max(0, x_a + x_b - L))`.
    function credit(
        Leg memory a,
        Leg memory b,
        uint256 rate,
        uint256 stressMove
    ) internal pure returns (uint256 creditIm, uint256 creditMm) {
        if (a.size == 0 || b.size == 0 || (a.size > 0) == (b.size > 0)) return (0, 0);
        uint256 loss = stressLoss(a.notional, b.notional, stressMove);
        creditIm = _credit(a.im, b.im, rate, loss);
        creditMm = _credit(a.mm, b.mm, rate, loss);
    }

    function _credit(
        uint256 x,
        uint256 y,
        uint256 rate,
        uint256 loss
    ) private pure returns (uint256) {
        uint256 byRate = rate.mulDown(2 * WadMath.min(x, y));
        uint256 sum = x + y;
        uint256 byStress = sum > loss ? sum - loss : 0;
        return WadMath.min(byRate, byStress);
    }
}

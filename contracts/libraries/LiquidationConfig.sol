// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {MarketMath} from "./MarketMath.sol";
import {LiquidationParams, MICRO_USD, StoredLiquidationParams} from "../types/Store.sol";

/// @title LiquidationConfig
/// @notice The liquidation parameters' stored units (INV-75) converted to the WAD units the
///         liquidation and `getLiquidationParams` use: one conversion for both.
library LiquidationConfig {
    /// @notice The parameters a liquidation of positions reads, all in slot 0 of `s.liq`
    ///         (INV-75), in WAD: the rates from nanos, the keeper rewards from micro-USD. The one
    ///         conversion of their stored units (`getLiquidationParams` uses it too). Slot 1 (the
    ///         close factor's threshold, the small-debt threshold and the order fee) is read only
    ///         by `liquidateCollateral` and the orders.
    function params(
        StoredLiquidationParams storage p
    ) internal view returns (LiquidationParams memory lp) {
        uint256 w;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            w := sload(p.slot)
        }
        return paramsFrom(w);
    }

    /// @notice `params` from slot 0 already read as the word `w` (the slot or the config page's
    ///         copy, INV-79): `feeRateNano` at bits 0..31, `bufferNano` 32..63,
    ///         `penaltyRateNano` 64..95, `maxTakerFeeNano` 96..127, `minKeeperRewardMicro`
    ///         128..175, `maxKeeperRewardMicro` 176..223, `accountWindow` 224..255.
    function paramsFrom(uint256 w) internal pure returns (LiquidationParams memory lp) {
        // 32-bit nanos times 1e9 fit 64 bits, 48-bit micro-USD times 1e12 fit 80 bits
        unchecked {
            (lp.feeRate, lp.buffer, lp.penaltyRate, lp.maxTakerFee) = (
                uint64(uint32(w) * MarketMath.NANO),
                uint64(uint32(w >> 32) * MarketMath.NANO),
                uint64(uint32(w >> 64) * MarketMath.NANO),
                uint64(uint32(w >> 96) * MarketMath.NANO)
            );
            (lp.minKeeperReward, lp.maxKeeperReward, lp.accountWindow) = (
                uint80(uint48(w >> 128) * MICRO_USD),
                uint80(uint48(w >> 176) * MICRO_USD),
                uint32(w >> 224)
            );
        }
    }
}

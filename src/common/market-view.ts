/**
 * The engine's market structs, as the model sees them: `getMarket` (MarketConfig) carries the
 * model's market parameters among other fields, `getMarketState` its aggregates. These copy
 * exactly those fields, so a deep comparison with model values sees nothing else.
 */
import type { MarketParams, MarketState } from "../model";

/** The model's parameters out of an engine MarketConfig (typechain struct or decoded Result). */
export function toModelParams(c: MarketParams): MarketParams {
  return {
    skewScale: c.skewScale,
    makerFee: c.makerFee,
    takerFee: c.takerFee,
    imrBase: c.imrBase,
    imrSizeFactor: c.imrSizeFactor,
    maintenanceScalar: c.maintenanceScalar,
    minPositionMargin: c.minPositionMargin,
    maxFundingVelocity: c.maxFundingVelocity,
  };
}

/** The model's market aggregates out of an engine MarketState. */
export function toModelState(st: MarketState): MarketState {
  return {
    longOI: st.longOI,
    shortOI: st.shortOI,
    fundingRate: st.fundingRate,
    fundingIndex: st.fundingIndex,
    lastFundingTime: st.lastFundingTime,
    netEntryNotional: st.netEntryNotional,
    netFundingSnapshot: st.netFundingSnapshot,
  };
}

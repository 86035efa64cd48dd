/**
 * The engine's market structs, as the model sees them: `getMarket` (MarketConfig) carries the
 * model's market parameters among other fields, `getMarketState` its aggregates. These copy
 * exactly those fields, so a deep comparison with model values sees nothing else.
 */
import type { MarketParams, MarketState } from "../model";
import { fillPriceInBlock, orderFee, skewOf } from "../model";

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

/** The block-start fields of an engine MarketState (INV-40). */
export interface BlockSkewFields {
  blockSkew: bigint;
  blockNumber: bigint;
}

/**
 * INV-40: the block-start skew in effect for a trade in block `blockNumber`: the stored one if
 * it was recorded in that block, else undefined (the trade would record the current skew).
 */
export function blockSkewAt(st: BlockSkewFields, blockNumber: bigint): bigint | undefined {
  return st.blockNumber === blockNumber ? st.blockSkew : undefined;
}

/**
 * Fill price and fee of a trade of `sizeDelta` at oracle price `price` in block `blockNumber`,
 * as the engine's `quoteTrade` computes them in that block (INV-40): the fill at the effective
 * skew, the fee split at the real skew.
 */
export function quoteFill(
  params: MarketParams,
  st: MarketState & BlockSkewFields,
  price: bigint,
  sizeDelta: bigint,
  blockNumber: bigint,
): { fill: bigint; fee: bigint } {
  const skew = skewOf(st);
  const fill = fillPriceInBlock(
    price,
    skew,
    blockSkewAt(st, blockNumber),
    sizeDelta,
    params.skewScale,
  );
  return { fill, fee: orderFee(skew, sizeDelta, fill, params.makerFee, params.takerFee).fee };
}

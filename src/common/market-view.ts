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
    netBasis: st.netBasis,
  };
}

/** The block-start fields of an engine MarketState (INV-40). */
export interface BlockSkewFields {
  /** The skew when funding was first recorded at `lastFundingTime`. */
  blockSkew: bigint;
  lastFundingTime: bigint;
}

/**
 * INV-40: the block-start skew in effect for a trade in a block of timestamp `timestamp`: the
 * stored one if the market's funding was recorded at that timestamp, else undefined (the trade
 * records funding, and the current skew with it).
 */
export function blockSkewAt(st: BlockSkewFields, timestamp: bigint): bigint | undefined {
  return st.lastFundingTime === timestamp ? st.blockSkew : undefined;
}

/**
 * Fill price and fee of a trade of `sizeDelta` at oracle price `price` in a block of timestamp
 * `timestamp`, as the engine's `quoteTrade` computes them in that block (INV-40): the fill at
 * the effective skew, the fee split at the real skew.
 */
export function quoteFill(
  params: MarketParams,
  st: MarketState & BlockSkewFields,
  price: bigint,
  sizeDelta: bigint,
  timestamp: bigint,
): { fill: bigint; fee: bigint } {
  const skew = skewOf(st);
  const fill = fillPriceInBlock(
    price,
    skew,
    blockSkewAt(st, timestamp),
    sizeDelta,
    params.skewScale,
  );
  return { fill, fee: orderFee(skew, sizeDelta, fill, params.makerFee, params.takerFee).fee };
}

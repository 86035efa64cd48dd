/**
 * @title Liquidity pool value (docs/math.md "Liquidity pool value").
 */
import { WAD, divTrunc, toQuoteFloor } from "./fixed";
import { MarketState, skewOf } from "./market";

/** One market as the pool sees it. */
export interface PoolMarket {
  state: MarketState;
  /** Oracle (or settlement) price, WAD. */
  price: bigint;
  /** The market's funding index as of now (`accrueFunding(...).indexNow`). */
  indexNow: bigint;
}

/**
 * Traders' aggregate unrealised PnL in one market (USD, WAD):
 * `trunc(skew * price / WAD) - netEntryNotional`.
 */
export function netUnrealisedPnl(state: MarketState, price: bigint): bigint {
  return divTrunc(skewOf(state) * price, WAD) - state.netEntryNotional;
}

/**
 * Traders' aggregate funding owed in one market (USD, WAD, positive = traders owe the pool):
 * `trunc(skew * indexNow / WAD) - netFundingSnapshot`.
 */
export function netFundingOwed(state: MarketState, indexNow: bigint): bigint {
  return divTrunc(skewOf(state) * indexNow, WAD) - state.netFundingSnapshot;
}

/**
 * Pool value in quote units (signed; ERC-4626 treats a negative value as zero):
 * `poolBalance + toQuoteFloor(sum_m(netFundingOwed_m - netUpnl_m))`.
 * @dev Per-market terms truncate towards zero; the sum is converted once, towards minus infinity.
 */
export function poolValue(
  poolBalance: bigint,
  markets: PoolMarket[],
  quoteDecimals: number,
): bigint {
  let usd = 0n;
  for (const m of markets) {
    usd += netFundingOwed(m.state, m.indexNow) - netUnrealisedPnl(m.state, m.price);
  }
  return poolBalance + toQuoteFloor(usd, quoteDecimals);
}

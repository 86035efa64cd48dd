/** The worst values a run reaches at any oracle tick or keeper pass (summary.json). */
import type { ProtocolView } from "../chain/reader";

export interface RunExtremes {
  /** Insurance fund balance (USD) before the first step. */
  insuranceFundStart: number;
  /** Max over ticks of |net skew notional summed over markets| / pool value. */
  maxPoolNetExposureRatio: number;
  /** Most accounts still liquidatable right after a keeper pass that the keeper could see
   *  (with latency: that were liquidatable in the block its reads were pinned to). */
  accountsLiquidatableAfterPass: number;
}

export function emptyExtremes(): RunExtremes {
  return { insuranceFundStart: 0, maxPoolNetExposureRatio: 0, accountsLiquidatableAfterPass: 0 };
}

/** Sum over markets of (long - short open interest) x oracle price, in USD: what the pool, the
 *  traders' counterparty, is short of the book. */
export function netSkewUsd(view: ProtocolView): number {
  let s = 0;
  for (const m of view.markets) {
    s += ((Number(m.state.longOI) - Number(m.state.shortOI)) / 1e18) * (Number(m.price) / 1e18);
  }
  return s;
}

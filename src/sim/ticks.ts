/** Oracle ticks without chain reads. Between report steps nothing but the feeds changes on
 *  chain unless the keeper acts, so after a feed-only block the protocol view follows from the
 *  prices just written: WAD prices from the feed answers, funding indices accrued by the model
 *  (the same `accrueFunding` the chain reader uses). The simulator reads the chain again (a
 *  "full" tick) only when the model finds work for the keeper, when the pool's value may have
 *  moved enough to need ADL, or at a heartbeat; that keeps the in-process network's per-call
 *  memory (see README, "Memory") and time down. */
import { feedAnswer } from "../common/units";
import { STATUS_SETTLED, type ProtocolView } from "../chain/reader";
import { accrueFunding } from "../model";

/** Feed answers are written with 8 decimals (./setup queueFeedUpdates). */
const FEED_DECIMALS = 8;
/** A full tick at least this often (in ticks) even when the model sees nothing to do. */
export const FULL_TICK_EVERY = 15;
/** A full tick when the estimated pool value moved by more than this fraction since the last
 *  chain read (ADL need and the exposure ratio are then read on chain). */
export const POOL_MOVE_FULL = 0.01;

/** The engine's WAD price for a feed answer of `price`. */
export function wadPrice(price: number): bigint {
  return feedAnswer(price, FEED_DECIMALS) * 10n ** BigInt(18 - FEED_DECIMALS);
}

/** The view after a feed-only block at `timestamp` with market prices `prices` (market order);
 *  collateral tokens take the price of their asset's market (`collateralMarket`: symbol ->
 *  market index). Settled markets keep their settlement price. */
export function feedOnlyView(
  view: ProtocolView,
  block: number,
  timestamp: number,
  prices: readonly number[],
  collateralMarket: Record<string, number>,
): ProtocolView {
  const ts = BigInt(timestamp);
  const markets = view.markets.map((m, i) => {
    if (m.status === STATUS_SETTLED) return m;
    const price = wadPrice(prices[i] as number);
    return { ...m, price, indexNow: accrueFunding(m.state, m.params, price, ts).indexNow };
  });
  const collaterals = view.collaterals.map((c) => {
    const k = collateralMarket[c.symbol];
    return k === undefined ? c : { ...c, price: wadPrice(prices[k] as number) };
  });
  return { ...view, block, timestamp: ts, markets, collaterals };
}

/** The pool's value between chain reads: the last value read, less the traders' net PnL on the
 *  open skew since then (the pool is their counterparty; funding is left out). */
export class PoolEstimate {
  private value = 0;
  private skew: number[] = [];
  private prices: number[] = [];

  /** After a chain read of the pool value with the book's skew (units) and prices. */
  read(value: number, skewUnits: readonly number[], prices: readonly number[]): void {
    this.value = value;
    this.skew = [...skewUnits];
    this.prices = [...prices];
  }

  estimate(prices: readonly number[]): number {
    let v = this.value;
    this.skew.forEach((s, m) => (v -= s * ((prices[m] as number) - (this.prices[m] as number))));
    return v;
  }

  /** Relative move of the estimate since the last read. */
  moved(prices: readonly number[]): number {
    return this.value > 0 ? Math.abs(this.estimate(prices) / this.value - 1) : 1;
  }
}

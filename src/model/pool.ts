/**
 * @title Liquidity pool value (docs/math.md "Liquidity pool value").
 */
import { WAD, abs, divCeil, divTrunc, mulUp, toQuoteFloor } from "./fixed";
import { MarketState, skewOf } from "./market";

/** One market as the pool sees it. */
export interface PoolMarket {
  state: MarketState;
  /** Oracle (or settlement) price, WAD. */
  price: bigint;
  /** The market's funding index as of now (`accrueFunding(...).indexNow`). */
  indexNow: bigint;
  /** The market's skew scale (WAD); 0 for no price impact and for a settled market (INV-44). */
  skewScale: bigint;
}

/**
 * INV-44: the refundable impact premium of a market's skew (USD, WAD, >= 0), what traders
 * would get back by closing the skew to zero at `price`:
 * `ceil(mulUp(|skew|, price) * |skew| / (2 * skewScale))`, 0 when `skewScale == 0`.
 * @dev Rounded up: the pool's value subtracts it, so the value rounds down (favours the LPs in).
 */
export function impactPremium(state: MarketState, price: bigint, skewScale: bigint): bigint {
  if (skewScale === 0n) return 0n;
  const s = abs(skewOf(state));
  return divCeil(mulUp(s, price) * s, 2n * skewScale);
}

/**
 * Traders' aggregate funding owed minus their aggregate unrealised PnL in one market (USD, WAD,
 * positive = traders owe the pool):
 * `trunc(skew * indexNow / WAD) - trunc(skew * price / WAD) + netBasis`, where
 * `netBasis = sum(trunc(s * e / WAD) - trunc(s * i0 / WAD))` over the market's positions. Per
 * position `s * (i - i0) - s * (p - e)`: the sum, up to the truncations.
 */
export function netOwed(state: MarketState, price: bigint, indexNow: bigint): bigint {
  const skew = skewOf(state);
  return divTrunc(skew * indexNow, WAD) - divTrunc(skew * price, WAD) + state.netBasis;
}

/**
 * Pool value in quote units (signed; ERC-4626 treats a negative value as zero):
 * `poolBalance + toQuoteFloor(sum_m(netOwed_m - premium_m))` (INV-44: the impact premium of each
 * market's skew is left out, see {@link impactPremium}).
 * @dev Per-market terms truncate towards zero; the sum is converted once, towards minus infinity.
 */
export function poolValue(
  poolBalance: bigint,
  markets: PoolMarket[],
  quoteDecimals: number,
): bigint {
  let usd = 0n;
  for (const m of markets) {
    usd += netOwed(m.state, m.price, m.indexNow) - impactPremium(m.state, m.price, m.skewScale);
  }
  return poolBalance + toQuoteFloor(usd, quoteDecimals);
}

/** Result of {@link netExposure}. */
export interface NetExposure {
  /** Whether the check applies: a risk-increasing trade that grows |skew|. */
  applies: boolean;
  /** `mulUp(|skew after|, price)` (USD WAD). */
  netNotional: bigint;
  /** `mulDown(quoteToUsd(poolBalance), ratio)`, 0 when the balance is not positive (USD WAD). */
  cap: bigint;
  /** False when the engine reverts `NetExposureExceeded(marketId, netNotional, cap)`. */
  ok: boolean;
}

/**
 * INV-45 (docs/math.md, "Net exposure limit"): a trade of `sizeDelta` on a position of
 * `oldSize` that increases risk (not reduce-only) and takes the skew from
 * `skewAfter - sizeDelta` to `skewAfter` with `|skewAfter|` larger must keep
 * `mulUp(|skewAfter|, price) <= mulDown(poolBalanceAfter * 10^(18-q), ratio)`.
 * @param poolBalanceAfter The pool's ledger (quote units) after the trade (its fee and PnL).
 */
export function netExposure(
  oldSize: bigint,
  sizeDelta: bigint,
  skewAfter: bigint,
  price: bigint,
  poolBalanceAfter: bigint,
  ratio: bigint,
  quoteDecimals: number,
): NetExposure {
  const reducing =
    oldSize !== 0n && oldSize > 0n !== sizeDelta > 0n && abs(sizeDelta) <= abs(oldSize);
  const after = abs(skewAfter);
  const applies = !reducing && after > abs(skewAfter - sizeDelta);
  const netNotional = mulUp(after, price);
  const valueUsd = poolBalanceAfter * 10n ** BigInt(18 - quoteDecimals);
  const cap = valueUsd > 0n ? (valueUsd * ratio) / WAD : 0n;
  return { applies, netNotional, cap, ok: !applies || netNotional <= cap };
}

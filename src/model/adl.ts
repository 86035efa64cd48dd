/**
 * @title Auto-deleveraging (docs/math.md "Auto-deleveraging", INV-49 to INV-52).
 * Independent of the contracts: tests compare the engine against these functions.
 */
import {
  WAD,
  abs,
  divCeil,
  divDown,
  divFloor,
  max,
  min,
  mulDown,
  mulUp,
  sMulCeil,
  sMulFloor,
  toQuoteFloor,
} from "./fixed";

/** ADL parameters as set by `setAdlParams` (WAD, WAD, USD WAD). */
export interface AdlParams {
  floorRatio: bigint;
  rewardRate: bigint;
  maxReward: bigint;
}

/**
 * Quote units of profit traders must realise (at the oracle price) for
 * `poolValue >= floorRatio * poolBalance`: `poolBalance - floor(poolValue * WAD / floorRatio)`,
 * or 0 when that is not positive or ADL is off (`floorRatio == 0`). Closing at the oracle price
 * leaves the pool's value unchanged and lowers its balance by the profit realised.
 */
export function adlNeeded(poolValue: bigint, poolBalance: bigint, floorRatio: bigint): bigint {
  if (floorRatio === 0n) return 0n;
  const n = poolBalance - divFloor(poolValue * WAD, floorRatio);
  return n > 0n ? n : 0n;
}

/** A position as ADL reads it. */
export interface AdlCandidate {
  size: bigint;
  entryPrice: bigint;
  fundingIndex: bigint;
  /** The market's funding index now (at the oracle price). */
  indexNow: bigint;
  /** Oracle price (WAD). */
  price: bigint;
  /** The market's skew (longOI - shortOI). */
  skew: bigint;
  makerFee: bigint;
  /** The account's equity by the liquidation rule (USD WAD, > 0). */
  equity: bigint;
}

/** PnL at the oracle price less funding owed (USD WAD), as the engine realises it. */
export function adlPnl(c: AdlCandidate): bigint {
  return sMulFloor(c.size, c.price - c.entryPrice) - sMulCeil(c.size, c.indexNow - c.fundingIndex);
}

/**
 * The ranking score (WAD): profit per unit of entry notional times the position's leverage on the
 * account's equity, `divDown(pnl, mulUp(|size|, entry)) * mulDown(|size|, price) / equity`.
 * Keepers take candidates in descending score.
 */
export function adlScore(c: AdlCandidate): bigint {
  const a = abs(c.size);
  const pnl = adlPnl(c);
  if (pnl <= 0n || c.equity <= 0n) return 0n;
  return (divDown(pnl, mulUp(a, c.entryPrice)) * mulDown(a, c.price)) / c.equity;
}

/** Whether ADL may take the candidate: in profit and on the side of the skew. */
export function adlQualifies(c: AdlCandidate): boolean {
  return c.size !== 0n && c.size > 0n === c.skew > 0n && adlPnl(c) > 0n;
}

/** What one `autoDeleverage` call does. */
export interface AdlOutcome {
  closed: bigint;
  notional: bigint;
  profitClosed: bigint;
  /** Quote units the account pays. */
  charge: bigint;
  /** Quote units the caller gets (part of `charge`). */
  reward: bigint;
  score: bigint;
}

/**
 * One call: closes `min(|size|, |skew|, ceil(needed * |size| / pnl))` (needed in quote units,
 * converted to USD), charges `min(max(mulUp(notional, makerFee), reward), profitClosed)` and pays
 * the caller `reward = min(mulDown(notional, rewardRate), maxReward, profitClosed)`, both floored
 * to quote units.
 */
export function adlOutcome(
  c: AdlCandidate,
  needed: bigint,
  p: AdlParams,
  quoteDecimals: number,
): AdlOutcome {
  const a = abs(c.size);
  const pnl = adlPnl(c);
  const scale = 10n ** BigInt(18 - quoteDecimals);
  const closed = min(min(a, abs(c.skew)), divCeil(needed * scale * a, pnl));
  const notional = mulUp(closed, c.price);
  const profitClosed = (pnl * closed) / a;
  const rewardUsd = min(min(mulDown(notional, p.rewardRate), p.maxReward), profitClosed);
  const chargeUsd = min(max(mulUp(notional, c.makerFee), rewardUsd), profitClosed);
  return {
    closed,
    notional,
    profitClosed,
    charge: toQuoteFloor(chargeUsd, quoteDecimals),
    reward: toQuoteFloor(rewardUsd, quoteDecimals),
    score: adlScore(c),
  };
}

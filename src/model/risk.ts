/**
 * @title Risk model: size-scaled collateral weights, offset-pair credits and account health
 * with them (docs/math.md "Risk model").
 * @notice Builds on the margin model: requirements per position are {@link positionMargin},
 * PnL and funding are {@link unrealisedPnl} and {@link positionFunding}, funding at a moved
 * price is {@link accrueFunding}. Views, the uniform shock and the reserve top-up are in
 * risk-views.ts.
 */
import {
  WAD,
  collateralValueUsd,
  divDown,
  max,
  min,
  mulDown,
  mulUp,
  quoteToUsd,
  sqrtDown,
  sqrtUp,
} from "./fixed";
import { Account, CollateralHolding, PositionHolding, positionMargin } from "./margin";
import { MarketState, accrueFunding } from "./market";
import { positionFunding, unrealisedPnl } from "./position";

// ---------------------------------------------------------------------------------------
// Collateral weights (INV-53).
// ---------------------------------------------------------------------------------------

/** Risk parameters of one collateral token (WAD unless stated). */
export interface CollateralRisk {
  /** `wI`: weight of the balance in the initial-margin rule (`wI <= wM`). */
  initialWeight: bigint;
  /** `wM`: weight of the balance in equity (`<= 0.95`). */
  maintenanceWeight: bigint;
  /** `T`: USD value (WAD) up to which the weights are not scaled. */
  sizeThreshold: bigint;
  /** `k`: WAD per `sqrt(USD)`; 0 turns the size scale off. */
  sizeFactor: bigint;
  /** `f`: lowest size scale, a WAD fraction of the weights (`<= WAD`). */
  weightFloor: bigint;
}

/** The token, amount and price of a collateral balance (its weights come from the risk). */
export type CollateralBalance = Pick<CollateralHolding, "amount" | "decimals" | "price">;

/** Weighted values of one collateral balance (USD WAD, rounded down). */
export interface CollateralWeights {
  /** `V = floor(amount * price / 10^d)`. */
  valueUsd: bigint;
  /** `mulDown(V, wM')`: what equity counts. */
  weightedUsd: bigint;
  /** `mulDown(V, wI')`: equity at the initial weight (`weightedUsd - initialUsd` adds to IM). */
  initialUsd: bigint;
}

/**
 * Size scale `g` (WAD) of a balance worth `valueUsd`: `WAD` if `k == 0` or `V <= T`, else
 * `max(f, divDown(WAD + mulDown(k, sqrtDown(T * WAD)), WAD + mulUp(k, sqrtUp(V * WAD))))`.
 * @dev The numerator rounds down and the denominator up, so `g` rounds down (a value).
 */
export function sizeScale(valueUsd: bigint, risk: CollateralRisk): bigint {
  const k = risk.sizeFactor;
  const threshold = risk.sizeThreshold;
  if (k === 0n || valueUsd <= threshold) return WAD;
  const num = WAD + mulDown(k, sqrtDown(threshold * WAD));
  const den = WAD + mulUp(k, sqrtUp(valueUsd * WAD));
  return max(risk.weightFloor, divDown(num, den));
}

/**
 * Maintenance- and initial-weighted value of a collateral balance:
 * `wM' = mulDown(wM, g)`, `wI' = mulDown(wI, g)`, `weightedUsd = mulDown(V, wM')`,
 * `initialUsd = mulDown(V, wI')`, every step rounded down.
 * @param stale A stale feed in the liquidation decision (INV-34): both weights are halved by
 * integer division before the size scale is applied.
 */
export function collateralWeights(
  holding: CollateralBalance,
  risk: CollateralRisk,
  stale = false,
): CollateralWeights {
  const valueUsd = collateralValueUsd(holding.amount, holding.decimals, holding.price);
  let wM = risk.maintenanceWeight;
  let wI = risk.initialWeight;
  if (stale) {
    wM /= 2n;
    wI /= 2n;
  }
  const g = sizeScale(valueUsd, risk);
  return {
    valueUsd,
    weightedUsd: mulDown(valueUsd, mulDown(wM, g)),
    initialUsd: mulDown(valueUsd, mulDown(wI, g)),
  };
}

// ---------------------------------------------------------------------------------------
// Offset pairs (INV-54).
// ---------------------------------------------------------------------------------------

/** A governance-declared offset pair of two markets. */
export interface OffsetPair {
  marketA: number;
  marketB: number;
  /** `r`, WAD, `<= 0.5`. */
  rate: bigint;
  /** `u`, WAD, in `[0.005, 1]`. */
  stressMove: bigint;
}

/** One leg of a pair: the signed size and the requirements of {@link positionMargin}. */
export interface PairLeg {
  size: bigint;
  notional: bigint;
  im: bigint;
  mm: bigint;
}

/** Credits of one pair (USD WAD). */
export interface PairCredit {
  /** Subtracted from IM, rounded down. */
  creditIM: bigint;
  /** Subtracted from MM, rounded down. */
  creditMM: bigint;
  /** `L`, rounded up; 0 when the pair is not active (no credit). */
  stressLoss: bigint;
}

/**
 * The pair's loss in its stress scenario, rounded up: `L = mulUp(u, max(N_a, N_b))` (the long
 * leg falling by `u` or the short leg rising by `u`).
 */
export function pairStressLoss(
  legA: Pick<PairLeg, "notional">,
  legB: Pick<PairLeg, "notional">,
  pair: Pick<OffsetPair, "stressMove">,
): bigint {
  return mulUp(pair.stressMove, max(legA.notional, legB.notional));
}

/** `min(mulDown(r, 2 * min(x_a, x_b)), max(0, x_a + x_b - L))`, rounded down. */
function credit(xA: bigint, xB: bigint, rate: bigint, loss: bigint): bigint {
  return min(mulDown(rate, 2n * min(xA, xB)), max(0n, xA + xB - loss));
}

/**
 * Initial and maintenance credit of two legs of one pair: zero (and `stressLoss` 0) unless
 * both sizes are non-zero and of opposite sign; else with `L` = {@link pairStressLoss},
 * `creditMM = min(mulDown(r, 2 * min(mm_a, mm_b)), max(0, mm_a + mm_b - L))` and the same for
 * IM with `im`.
 */
export function pairCredit(legA: PairLeg, legB: PairLeg, pair: OffsetPair): PairCredit {
  if (legA.size === 0n || legB.size === 0n || legA.size > 0n === legB.size > 0n) {
    return { creditIM: 0n, creditMM: 0n, stressLoss: 0n };
  }
  const stressLoss = pairStressLoss(legA, legB, pair);
  return {
    creditIM: credit(legA.im, legB.im, pair.rate, stressLoss),
    creditMM: credit(legA.mm, legB.mm, pair.rate, stressLoss),
    stressLoss,
  };
}

// ---------------------------------------------------------------------------------------
// Account health with the risk model.
// ---------------------------------------------------------------------------------------

/** Where a market's funding index is recomputed from when prices are shocked. */
export interface FundingSource {
  /** The market's state (funding rate, index, last funding time, open interest). */
  state: MarketState;
  /** Time (unix seconds) the account is valued at. */
  now: bigint;
}

/** A position in a known market. */
export interface RiskPosition extends PositionHolding {
  /** The market's id (what {@link OffsetPair} refers to). */
  marketId: number;
  /**
   * With a shock, `indexNow` is recomputed as `accrueFunding(state, params, shockedPrice,
   * now).indexNow`; without one (or without a shock) `indexNow` is used as given.
   */
  funding?: FundingSource;
}

/** A non-quote collateral balance with its risk parameters (instead of a single weight). */
export interface RiskCollateral extends CollateralBalance {
  risk: CollateralRisk;
}

/** Everything an account's health under the risk model depends on. */
export interface RiskAccount extends Omit<Account, "collaterals" | "positions"> {
  collaterals: RiskCollateral[];
  /** At most one position per market. */
  positions: RiskPosition[];
  /** Declared offset pairs; each market in at most one. */
  pairs: OffsetPair[];
  /** Initial margin (USD WAD) reserved by pending orders, keeper fees included. */
  ordersIm: bigint;
}

/** Valuation options of {@link riskHealth}. */
export interface RiskHealthOptions {
  /** Uniform shock `x` (WAD, `0..WAD`): longs and collateral down by `x`, shorts up. */
  shock?: bigint;
  /**
   * Stale collateral feeds in the liquidation decision (weights halved): one flag for every
   * collateral or one per collateral (by index). Default: all fresh.
   */
  stale?: boolean | readonly boolean[];
}

/** Account health under the risk model (USD WAD). */
export interface RiskHealth {
  /** `quoteToUsd(quoteBalance) + sum(weightedUsd) + sum(upnl) - sum(funding)` (signed). */
  equity: bigint;
  /** `sum(im) - sum(creditIM) + collateralIm + ordersIm`. */
  im: bigint;
  /** `sum(mm) - sum(creditMM)`. */
  mm: bigint;
  /** `sum(weightedUsd - initialUsd)`. */
  collateralIm: bigint;
  /** One entry per declared pair, in `pairs` order (zero when the pair is not active). */
  credits: PairCredit[];
}

/** A long's (or flat position's) price under shock `x`, rounded down: `mulDown(p, WAD - x)`. */
export function shockDown(price: bigint, shock: bigint): bigint {
  return mulDown(price, WAD - shock);
}

/** A short's price under shock `x`, rounded up: `mulUp(p, WAD + x)`. */
export function shockUp(price: bigint, shock: bigint): bigint {
  return mulUp(price, WAD + shock);
}

function checkShock(shock: bigint): void {
  if (shock < 0n || shock > WAD) throw new RangeError(`shock ${shock} outside [0, WAD]`);
}

function isStale(stale: RiskHealthOptions["stale"], index: number): boolean {
  if (stale === undefined || typeof stale === "boolean") return stale === true;
  return stale[index] === true;
}

/**
 * Equity, IM and MM of an account with size-scaled collateral weights, offset-pair credits,
 * the initial weights' `collateralIm` and the orders' reserved IM (docs/math.md "Risk model").
 * @dev With `opts.shock` every long's price is `mulDown(p, WAD - x)`, every short's
 * `mulUp(p, WAD + x)` and every collateral's `mulDown(p, WAD - x)`; requirements, PnL and (for
 * positions with a {@link FundingSource}) the funding index are taken at the shocked price.
 * Throws if a market holds two positions, a market is in two pairs or the shock is outside
 * `[0, WAD]`.
 */
export function riskHealth(account: RiskAccount, opts: RiskHealthOptions = {}): RiskHealth {
  const { shock } = opts;
  if (shock !== undefined) checkShock(shock);
  let equity = quoteToUsd(account.quoteBalance, account.quoteDecimals);
  let collateralIm = 0n;
  account.collaterals.forEach((c, i) => {
    const price = shock === undefined ? c.price : shockDown(c.price, shock);
    const w = collateralWeights({ ...c, price }, c.risk, isStale(opts.stale, i));
    equity += w.weightedUsd;
    collateralIm += w.weightedUsd - w.initialUsd;
  });
  let im = 0n;
  let mm = 0n;
  const legs = new Map<number, PairLeg>();
  for (const h of account.positions) {
    if (legs.has(h.marketId)) throw new RangeError(`riskHealth: two positions in ${h.marketId}`);
    const size = h.position.size;
    let price = h.price;
    let indexNow = h.indexNow;
    if (shock !== undefined) {
      price = size < 0n ? shockUp(h.price, shock) : shockDown(h.price, shock);
      if (h.funding !== undefined) {
        indexNow = accrueFunding(h.funding.state, h.params, price, h.funding.now).indexNow;
      }
    }
    const pm = positionMargin(h.params, size, price);
    equity += unrealisedPnl(h.position, price) - positionFunding(h.position, indexNow);
    im += pm.im;
    mm += pm.mm;
    legs.set(h.marketId, { size, notional: pm.notional, im: pm.im, mm: pm.mm });
  }
  const paired = new Set<number>();
  const flat: PairLeg = { size: 0n, notional: 0n, im: 0n, mm: 0n };
  const credits = account.pairs.map((pair) => {
    for (const m of [pair.marketA, pair.marketB]) {
      if (paired.has(m)) throw new RangeError(`riskHealth: market ${m} in two pairs`);
      paired.add(m);
    }
    const c = pairCredit(legs.get(pair.marketA) ?? flat, legs.get(pair.marketB) ?? flat, pair);
    im -= c.creditIM;
    mm -= c.creditMM;
    return c;
  });
  return { equity, im: im + collateralIm + account.ordersIm, mm, collateralIm, credits };
}

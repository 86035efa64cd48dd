/** Risk parameters from daily log returns.
 *
 *  Window. By default each series contributes its last three years: the rows dated at most
 *  1,095 days before the series' last date (the early history of a now large-cap asset, such
 *  as ETH in 2015-17, is not representative of a listed market). `--from` / `--to` replace
 *  that window with fixed dates for every series.
 *
 *  Tail move. `sigma` = sample standard deviation of the daily log returns,
 *  `c = max(1, Q(|r|, 0.99) / (z * sigma))` with `z = 2.5758` and `Q` the type-7 empirical
 *  quantile, `q = z * sigma * c`. Over a horizon `H` the down-move is
 *  `m(H) = 1 - exp(-q * sqrt(H / 1 day))`. The pooled `|r|` 99 % point is the one-sided 99.5 %
 *  point of a symmetric distribution (for normal returns it is 2.5758 sigma), so `c` is 1
 *  on normal data and only fat tails raise it.
 *
 *  Markets (H = 1 hour): MMR = m rounded up to 0.0025; IMR = MMR / 0.6 rounded up to 0.0025,
 *  at least 0.02 (50x, the on-chain minimum); MMR at least IMR / 2; maintenanceScalar =
 *  MMR / IMR rounded up to 4 decimals, within the on-chain bounds [0.5, 0.9]. Size factor
 *  `k = IMR / sqrt(N*)` (3 significant digits), N* = 0.05 % of the median daily dollar volume
 *  of the last 365 rows of the window: the size term `k sqrt(notional)` reaches the base IMR
 *  at N*.
 *
 *  Collaterals (H = 1 day): wM = 1 - m rounded down to 0.01, at most 0.95 (the on-chain cap);
 *  wI = wM - 0.05 rounded down to 0.01; discount = min(0.05, 1 - wM); size threshold T =
 *  0.01 % of the median daily dollar volume (2 significant digits); size factor
 *  `1 / sqrt(100 T)` (3 significant digits; the weight's size scale is about 0.55 at 100 T);
 *  floor 0.5.
 *
 *  Offset pairs: the spread `rA - rB` on common dates through the same tail rule gives the
 *  stress move u = m_spread(1 hour) rounded up to 0.0025, at least 0.005; the rate is
 *  `(mmrA + mmrB - u) / (2 min(mmrA, mmrB))` clamped to [0, 0.5], rounded down to 0.05. */
import { ceilToStep, clamp, empiricalQuantile, floorToStep, roundSig, sampleStdDev } from "./stats";

/** The constants of the method (see the header). */
export const RULES = {
  /** Level of the pooled |r| quantile: the one-sided 99.5 % point of a symmetric law. */
  tailLevel: 0.99,
  z: 2.5758,
  /** Default window: the rows dated at most this many days before a series' last date. */
  windowDays: 1095,
  marketHorizonDays: 1 / 24,
  collateralHorizonDays: 1,
  mmrStep: 0.0025,
  targetMaintenanceScalar: 0.6,
  /** On-chain minimum imrBase (50x). */
  imrFloor: 0.02,
  /** On-chain bounds of maintenanceScalar. */
  minMaintenanceScalar: 0.5,
  maxMaintenanceScalar: 0.9,
  mmrFloorOfImr: 0.5,
  scalarStep: 0.0001,
  volumeWindow: 365,
  sizeNotionalShare: 0.0005,
  weightStep: 0.01,
  /** On-chain cap of a collateral weight. */
  maxWeight: 0.95,
  initialWeightGap: 0.05,
  maxDiscount: 0.05,
  thresholdShare: 0.0001,
  sizeScaleMultiple: 100,
  weightFloor: 0.5,
  minStressMove: 0.005,
  maxOffsetRate: 0.5,
  offsetRateStep: 0.05,
} as const;

/** The dates a derivation reads: fixed `from` / `to` (inclusive, YYYY-MM-DD) for every series;
 *  a missing `to` is each series' last date, a missing `from` is `to` minus 1,095 days. */
export interface DateWindow {
  from?: string;
  to?: string;
}

/** The window in words, as the method string and the printed header state it. */
export function windowText(w: DateWindow = {}): string {
  const { from, to } = w;
  if (from !== undefined && to !== undefined) return `rows dated ${from} .. ${to}`;
  if (from !== undefined) return `rows dated ${from} .. each series' last date`;
  if (to !== undefined) return `rows dated ${RULES.windowDays} days before ${to} .. ${to}`;
  return `last 3 years of each series (rows dated <= ${RULES.windowDays} days before its last date)`;
}

/** The one-line method summary written into the JSON. */
export function methodSummary(w: DateWindow = {}): string {
  return (
    `window: ${windowText(w)}; ` +
    "q = 2.5758 * sd(daily log r) * max(1, Q(|r|,0.99)/(2.5758*sd)); move(H) = 1-exp(-q*sqrt(H/1d)); " +
    "markets H=1h: MMR = move ceil 0.0025, IMR = MMR/0.6 ceil 0.0025 (>= 0.02), k = IMR/sqrt(0.05% " +
    "median 365d USD volume); collateral H=1d: wM = 1-move floor 0.01 (<= 0.95), wI = wM-0.05, " +
    "T = 0.01% median volume, k = 1/sqrt(100T); offsets: spread move ceil 0.0025 (>= 0.005), " +
    "rate = (mmrA+mmrB-u)/(2 min mmr) in [0,0.5] floor 0.05"
  );
}

/** The method summary of the default window. */
export const METHOD_SUMMARY = methodSummary();

/** The tail statistics of one return series. */
export interface TailStats {
  n: number;
  sigma: number;
  /** Q(|r|, 0.99). */
  absQuantile: number;
  /** Fat-tail factor, >= 1 (1 on normal returns). */
  c: number;
  /** Daily one-sided 99.5 % log move. */
  q: number;
}

/** sigma, the empirical |r| 99 % quantile, the fat-tail factor and the daily tail move. */
export function tailStats(returns: readonly number[]): TailStats {
  const sigma = sampleStdDev(returns);
  if (!(sigma > 0)) throw new Error("returns have zero dispersion");
  const absQuantile = empiricalQuantile(
    returns.map((r) => Math.abs(r)),
    RULES.tailLevel,
  );
  const c = Math.max(1, absQuantile / (RULES.z * sigma));
  return { n: returns.length, sigma, absQuantile, c, q: RULES.z * sigma * c };
}

/** The down-move (a fraction) over `horizonDays` for a daily tail log move `q`. */
export function horizonMove(q: number, horizonDays: number): number {
  return 1 - Math.exp(-q * Math.sqrt(horizonDays));
}

/** Margin rates on the 0.0025 grid from a 1-hour move. */
export interface MarginRates {
  mmr: number;
  imr: number;
  /** mmr / imr rounded up to 4 decimals (the on-chain maintenanceScalar). */
  maintenanceScalar: number;
}

/** MMR, IMR and the maintenance scalar from a 1-hour tail move, with the floors applied. */
export function marginRates(move: number): MarginRates {
  const step = RULES.mmrStep;
  const raw = ceilToStep(move, step);
  const imr = Math.max(RULES.imrFloor, ceilToStep(raw / RULES.targetMaintenanceScalar, step));
  const mmr = Math.max(raw, ceilToStep(imr * RULES.mmrFloorOfImr, step));
  const ratio = Math.round(mmr / step) / Math.round(imr / step);
  const maintenanceScalar = ceilToStep(ratio, RULES.scalarStep);
  const [lo, hi] = [RULES.minMaintenanceScalar, RULES.maxMaintenanceScalar];
  if (maintenanceScalar < lo || maintenanceScalar > hi)
    throw new Error(`maintenance scalar ${maintenanceScalar} outside the on-chain [${lo}, ${hi}]`);
  return { mmr, imr, maintenanceScalar };
}

/** A market's derived parameters and the figures behind them. */
export interface MarketParams extends MarginRates {
  name: string;
  tail: TailStats;
  /** 1-hour 99.5 % down-move. */
  move: number;
  maxLeverage: number;
  /** Notional (USD) where the size term reaches the base IMR. */
  sizeNotional: number;
  imrSizeFactor: number;
  proxy?: string;
}

/** Derives a market from its daily log returns and median daily dollar volume. */
export function deriveMarket(
  name: string,
  returns: readonly number[],
  medianVolume: number,
  proxy?: string,
): MarketParams {
  const tail = tailStats(returns);
  const move = horizonMove(tail.q, RULES.marketHorizonDays);
  const rates = marginRates(move);
  const sizeNotional = RULES.sizeNotionalShare * medianVolume;
  if (!(sizeNotional > 0)) throw new Error(`${name}: no volume for the size factor`);
  return {
    name,
    tail,
    move,
    ...rates,
    maxLeverage: floorToStep(1 / rates.imr, 0.01),
    sizeNotional,
    imrSizeFactor: roundSig(rates.imr / Math.sqrt(sizeNotional), 3),
    ...(proxy === undefined ? {} : { proxy }),
  };
}

/** A collateral's derived parameters and the figures behind them. */
export interface CollateralParams {
  symbol: string;
  tail: TailStats;
  /** 1-day 99.5 % down-move. */
  move: number;
  maintenanceWeight: number;
  initialWeight: number;
  liquidationDiscount: number;
  sizeThreshold: number;
  sizeFactor: number;
  weightFloor: number;
  proxy?: string;
}

/** Derives a collateral from its daily log returns and median daily dollar volume. */
export function deriveCollateral(
  symbol: string,
  returns: readonly number[],
  medianVolume: number,
  proxy?: string,
): CollateralParams {
  const tail = tailStats(returns);
  const move = horizonMove(tail.q, RULES.collateralHorizonDays);
  const wM = Math.min(RULES.maxWeight, floorToStep(1 - move, RULES.weightStep));
  const wI = Math.max(0, floorToStep(wM - RULES.initialWeightGap, RULES.weightStep));
  const sizeThreshold = roundSig(RULES.thresholdShare * medianVolume, 2);
  if (!(sizeThreshold > 0)) throw new Error(`${symbol}: no volume for the size threshold`);
  return {
    symbol,
    tail,
    move,
    maintenanceWeight: wM,
    initialWeight: wI,
    liquidationDiscount: Math.min(RULES.maxDiscount, 1 - wM),
    sizeThreshold,
    sizeFactor: roundSig(1 / Math.sqrt(RULES.sizeScaleMultiple * sizeThreshold), 3),
    weightFloor: RULES.weightFloor,
    ...(proxy === undefined ? {} : { proxy }),
  };
}

/** An offset pair's derived parameters and the figures behind them. */
export interface OffsetParams {
  marketA: string;
  marketB: string;
  tail: TailStats;
  /** Stress move u (0.0025 grid, >= 0.005). */
  stressMove: number;
  rate: number;
}

/** The offset rate for two maintenance rates and a stress move (before rounding down). */
export function offsetRate(mmrA: number, mmrB: number, u: number): number {
  const raw = (mmrA + mmrB - u) / (2 * Math.min(mmrA, mmrB));
  return floorToStep(clamp(raw, 0, RULES.maxOffsetRate), RULES.offsetRateStep);
}

/** Derives an offset pair from the spread returns `rA - rB` and the two markets. */
export function deriveOffset(
  a: MarketParams,
  b: MarketParams,
  spread: readonly number[],
): OffsetParams {
  const tail = tailStats(spread);
  const move = horizonMove(tail.q, RULES.marketHorizonDays);
  const stressMove = Math.max(RULES.minStressMove, ceilToStep(move, RULES.mmrStep));
  return {
    marketA: a.name,
    marketB: b.name,
    tail,
    stressMove,
    rate: offsetRate(a.mmr, b.mmr, stressMove),
  };
}

/** Maintenance margin per unit notional of an equal-notional hedge (long one leg, short the
 *  other), without and with the pair's credit, and the saving as a fraction. */
export function hedgeSaving(
  mmrA: number,
  mmrB: number,
  u: number,
  rate: number,
): { unhedged: number; hedged: number; saving: number } {
  const unhedged = mmrA + mmrB;
  const hedged = Math.max(u, unhedged - rate * 2 * Math.min(mmrA, mmrB));
  return { unhedged, hedged, saving: 1 - hedged / unhedged };
}

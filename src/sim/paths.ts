/**
 * Price-path generators for simulations: correlated GBM with fat-tailed jumps, the
 * calm / trend / crash scenarios, and (re-exported from ./historical) replay of daily OHLC.
 *
 * Every generator returns `PricePaths`: `timestamps[i]` (seconds) and, per asset,
 * `prices[i]` (USD, plain numbers) for i = 0..steps, where index 0 is the start price.
 */
import { Rng, applyCholesky, cholesky, identity, uniformCorrelation } from "./random";

export { historicalPaths, loadOhlcCsv, parseOhlcCsv } from "./historical";
export type {
  AnchorOrder,
  HistoricalDay,
  HistoricalOptions,
  HistoricalPaths,
  OhlcRow,
} from "./historical";

export const SECONDS_PER_YEAR = 365 * 86400;
export const HOUR = 3600;

export interface AssetPath {
  name: string;
  prices: number[];
}

export interface PathEvent {
  kind: "crash" | "jump";
  /** Index of the price before the event. */
  fromStep: number;
  /** Index of the price after the event (inclusive). */
  toStep: number;
  asset?: string;
}

export interface PricePaths {
  dtSeconds: number;
  /** Seconds; `timestamps[0] = startTime`, length steps + 1. */
  timestamps: number[];
  assets: AssetPath[];
  events: PathEvent[];
}

export interface AssetSpec {
  name: string;
  start: number;
  volAnnual: number;
  driftAnnual: number;
}

export interface JumpSpec {
  /** Expected number of jump events per year. */
  intensityPerYear: number;
  /** Mean of the log jump size (e.g. -0.05 for ~-5 % jumps). */
  meanLog: number;
  /** Standard deviation of the log jump size. */
  stdLog: number;
  /** Student-t degrees of freedom of the jump size (> 2; smaller = fatter tails). */
  tDof: number;
  /**
   * true (default): jumps are market-wide events hitting every asset at once, with sizes
   * drawn from a multivariate Student-t using the path correlation. false: independent
   * arrivals and sizes per asset.
   */
  common?: boolean;
}

export interface GbmOptions {
  seed: number | string;
  steps: number;
  /** Step length in seconds (default 3600). */
  dtSeconds?: number;
  /** Timestamp of index 0 in seconds (default 0). */
  startTime?: number;
  assets: AssetSpec[];
  /** K x K correlation of the diffusion shocks (default identity). */
  correlation?: number[][];
  jumps?: JumpSpec;
}

function checkSteps(steps: number, dtSeconds: number): void {
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`steps must be an integer >= 0, got ${steps}`);
  if (!(dtSeconds > 0)) throw new RangeError(`dtSeconds must be > 0, got ${dtSeconds}`);
}

function checkAssets(assets: readonly AssetSpec[]): void {
  if (assets.length === 0) throw new Error("at least one asset is required");
  const names = new Set<string>();
  for (const a of assets) {
    if (names.has(a.name)) throw new Error(`duplicate asset name ${a.name}`);
    names.add(a.name);
    if (!(a.start > 0)) throw new RangeError(`${a.name}: start price must be > 0`);
    if (!(a.volAnnual >= 0)) throw new RangeError(`${a.name}: volAnnual must be >= 0`);
    if (!Number.isFinite(a.driftAnnual))
      throw new RangeError(`${a.name}: driftAnnual must be finite`);
  }
}

function makeTimestamps(steps: number, dtSeconds: number, startTime: number): number[] {
  const ts = new Array<number>(steps + 1);
  for (let i = 0; i <= steps; i++) ts[i] = startTime + i * dtSeconds;
  return ts;
}

function correlationFactor(k: number, correlation: number[][] | undefined): number[][] {
  const c = correlation ?? identity(k);
  if (c.length !== k) throw new Error(`correlation must be ${k}x${k}, got ${c.length} rows`);
  for (let i = 0; i < k; i++) {
    if (Math.abs(((c[i] as number[])[i] as number) - 1) > 1e-9)
      throw new Error("correlation diagonal must be 1");
  }
  return cholesky(c);
}

/**
 * Correlated geometric Brownian motion with optional fat-tailed jumps.
 * Log return of asset i over one step of length dt (years):
 *   (drift_i - vol_i^2 / 2) dt + vol_i sqrt(dt) Z_i + sum of jumps,
 * with Z ~ N(0, correlation); the number of jumps per step is Poisson(intensity dt) and each
 * log jump size is meanLog + stdLog * T where T is unit-variance Student-t(tDof).
 * Jumps are not drift-compensated: `driftAnnual` is the drift of the diffusion part only.
 */
export function gbmPaths(opts: GbmOptions): PricePaths {
  const dtSeconds = opts.dtSeconds ?? HOUR;
  checkSteps(opts.steps, dtSeconds);
  checkAssets(opts.assets);
  const k = opts.assets.length;
  const L = correlationFactor(k, opts.correlation);
  const rng = new Rng(opts.seed);
  const dt = dtSeconds / SECONDS_PER_YEAR;
  const sqrtDt = Math.sqrt(dt);
  const jumps = opts.jumps;
  if (jumps !== undefined) {
    if (!(jumps.intensityPerYear >= 0)) throw new RangeError("jumps.intensityPerYear must be >= 0");
    if (!(jumps.tDof > 2)) throw new RangeError("jumps.tDof must be > 2");
    if (!(jumps.stdLog >= 0)) throw new RangeError("jumps.stdLog must be >= 0");
  }
  const events: PathEvent[] = [];
  const logP = opts.assets.map((a) => Math.log(a.start));
  const prices = opts.assets.map((a) => {
    const arr = new Array<number>(opts.steps + 1);
    arr[0] = a.start;
    return arr;
  });
  const driftTerm = opts.assets.map((a) => (a.driftAnnual - 0.5 * a.volAnnual * a.volAnnual) * dt);
  for (let s = 1; s <= opts.steps; s++) {
    const z = rng.correlatedNormals(L);
    const jumpLog = jumps === undefined ? undefined : drawJumps(rng, jumps, L, dt);
    for (let i = 0; i < k; i++) {
      const a = opts.assets[i] as AssetSpec;
      let r = (driftTerm[i] as number) + a.volAnnual * sqrtDt * (z[i] as number);
      const j = jumpLog?.[i] ?? 0;
      if (j !== 0) {
        r += j;
        events.push({ kind: "jump", fromStep: s - 1, toStep: s, asset: a.name });
      }
      logP[i] = (logP[i] as number) + r;
      (prices[i] as number[])[s] = Math.exp(logP[i] as number);
    }
  }
  return {
    dtSeconds,
    timestamps: makeTimestamps(opts.steps, dtSeconds, opts.startTime ?? 0),
    assets: opts.assets.map((a, i) => ({ name: a.name, prices: prices[i] as number[] })),
    events,
  };
}

/** Total log jump per asset for one step (0 where no jump happened). */
function drawJumps(rng: Rng, jumps: JumpSpec, L: number[][], dt: number): number[] {
  const k = L.length;
  const out = new Array<number>(k).fill(0);
  const lambda = jumps.intensityPerYear * dt;
  const tScale = Math.sqrt((jumps.tDof - 2) / jumps.tDof);
  if (jumps.common ?? true) {
    const n = rng.poisson(lambda);
    for (let e = 0; e < n; e++) {
      // Multivariate Student-t: correlated normals over one shared chi-squared draw.
      const z = applyCholesky(L, rng.normals(k));
      const w = Math.sqrt(rng.chiSquared(jumps.tDof) / jumps.tDof);
      for (let i = 0; i < k; i++) {
        out[i] =
          (out[i] as number) + jumps.meanLog + jumps.stdLog * tScale * ((z[i] as number) / w);
      }
    }
  } else {
    for (let i = 0; i < k; i++) {
      const n = rng.poisson(lambda);
      for (let e = 0; e < n; e++) {
        out[i] =
          (out[i] as number) + jumps.meanLog + jumps.stdLog * rng.studentTUnitVariance(jumps.tDof);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------

export interface ScenarioAsset {
  name: string;
  start: number;
}

export const DEFAULT_SCENARIO_ASSETS: readonly ScenarioAsset[] = [
  { name: "ETH", start: 2000 },
  { name: "BTC", start: 30000 },
];

export interface ScenarioOptions {
  seed: number | string;
  steps: number;
  dtSeconds?: number;
  startTime?: number;
  /** Default: ETH at 2000 and BTC at 30000. */
  assets?: readonly ScenarioAsset[];
  /** Pairwise correlation of every pair of assets (default 0.8). */
  rho?: number;
  /** Full K x K correlation (overrides `rho`; crash paths). */
  correlation?: number[][];
  /** Annual volatility (scenario-specific default). */
  volAnnual?: number;
}

export interface TrendOptions extends ScenarioOptions {
  direction?: "up" | "down";
  /** Absolute annual drift (default 3, i.e. 300 % per year; sign from `direction`). */
  driftAnnual?: number;
}

export interface CrashOptions extends ScenarioOptions {
  /** Index of the last pre-crash price (default floor(steps / 2)). */
  crashAtStep?: number;
  /** Fractional drop of every market over the crash hour (default 0.4). */
  drop?: number;
  /** Length of the crash in seconds (default 3600); spread over its substeps. */
  crashSeconds?: number;
  /** Fraction of the log loss recovered in expectation afterwards (default 0.3). */
  recoveryFraction?: number;
  /** Half-life in hours of the pull towards the recovery level (default 12). */
  recoveryHalfLifeHours?: number;
  /** Annual volatility after the crash (default 1.2). */
  postCrashVolAnnual?: number;
}

export type ScenarioName = "calm" | "trend" | "crash";

function scenarioSpecs(opts: ScenarioOptions, volAnnual: number, driftAnnual: number): AssetSpec[] {
  return (opts.assets ?? DEFAULT_SCENARIO_ASSETS).map((a) => ({
    name: a.name,
    start: a.start,
    volAnnual: opts.volAnnual ?? volAnnual,
    driftAnnual,
  }));
}

/** Low volatility (default 20 % annual), zero drift, no jumps. */
export function calmPaths(opts: ScenarioOptions): PricePaths {
  const assets = scenarioSpecs(opts, 0.2, 0);
  return gbmPaths({
    ...opts,
    assets,
    correlation: uniformCorrelation(assets.length, opts.rho ?? 0.8),
  });
}

/** Strong drift (default +/-300 % annual), 60 % annual volatility, no jumps. */
export function trendPaths(opts: TrendOptions): PricePaths {
  const sign = (opts.direction ?? "up") === "up" ? 1 : -1;
  const assets = scenarioSpecs(opts, 0.6, sign * Math.abs(opts.driftAnnual ?? 3));
  return gbmPaths({
    ...opts,
    assets,
    correlation: uniformCorrelation(assets.length, opts.rho ?? 0.8),
  });
}

/**
 * Calm market, then from `crashAtStep` every market falls by exactly `drop` (default 40 %)
 * over `crashSeconds` (default one hour): a path of one small update per step, each the
 * average log fall plus zero-sum correlated noise at the post-crash volatility (so every
 * market lands exactly on the drop at the end of the crash, and no single update carries
 * much of it); then a noisy partial recovery: the log price is pulled towards
 * `recoveryFraction` of the lost log distance with elevated volatility. A step as long as
 * the crash puts the whole drop into one step.
 */
export function crashPaths(opts: CrashOptions): PricePaths {
  const dtSeconds = opts.dtSeconds ?? HOUR;
  checkSteps(opts.steps, dtSeconds);
  const crashSeconds = opts.crashSeconds ?? HOUR;
  const crashSteps = Math.max(1, Math.round(crashSeconds / dtSeconds));
  const crashAt = opts.crashAtStep ?? Math.floor(opts.steps / 2);
  if (!Number.isInteger(crashAt) || crashAt < 0 || crashAt + crashSteps > opts.steps) {
    throw new RangeError(
      `crash at step ${crashAt} lasting ${crashSteps} steps does not fit in ${opts.steps} steps`,
    );
  }
  const drop = opts.drop ?? 0.4;
  if (!(drop > 0 && drop < 1)) throw new RangeError(`drop must be in (0, 1), got ${drop}`);
  const specs = scenarioSpecs(opts, 0.2, 0);
  const k = specs.length;
  checkAssets(specs);
  const L = correlationFactor(k, opts.correlation ?? uniformCorrelation(k, opts.rho ?? 0.8));
  const rng = new Rng(opts.seed);
  const dt = dtSeconds / SECONDS_PER_YEAR;
  const sqrtDt = Math.sqrt(dt);
  const postVol = opts.postCrashVolAnnual ?? 1.2;
  const recovery = opts.recoveryFraction ?? 0.3;
  const halfLifeSteps = ((opts.recoveryHalfLifeHours ?? 12) * HOUR) / dtSeconds;
  const pull = 1 - Math.pow(0.5, 1 / Math.max(halfLifeSteps, 1e-9));
  const crashLog = Math.log(1 - drop);

  // The crash's per-step noise, drawn up front and centred per asset so that it sums to 0.
  const noise = crashNoise(rng, L, crashSteps, postVol * sqrtDt);

  const logP = specs.map((a) => Math.log(a.start));
  const target = new Array<number>(k).fill(0);
  const prices = specs.map((a) => {
    const arr = new Array<number>(opts.steps + 1);
    arr[0] = a.start;
    return arr;
  });
  for (let s = 1; s <= opts.steps; s++) {
    const z = rng.correlatedNormals(L);
    const inCrash = s > crashAt && s <= crashAt + crashSteps;
    for (let i = 0; i < k; i++) {
      const a = specs[i] as AssetSpec;
      let lp = logP[i] as number;
      if (s === crashAt + 1) target[i] = lp + crashLog * (1 - recovery);
      if (inCrash) {
        lp += crashLog / crashSteps + ((noise[s - crashAt - 1] as number[])[i] as number);
      } else if (s <= crashAt) {
        lp += -0.5 * a.volAnnual * a.volAnnual * dt + a.volAnnual * sqrtDt * (z[i] as number);
      } else {
        lp += pull * ((target[i] as number) - lp) + postVol * sqrtDt * (z[i] as number);
      }
      logP[i] = lp;
      (prices[i] as number[])[s] = Math.exp(lp);
    }
  }
  return {
    dtSeconds,
    timestamps: makeTimestamps(opts.steps, dtSeconds, opts.startTime ?? 0),
    assets: specs.map((a, i) => ({ name: a.name, prices: prices[i] as number[] })),
    events: [{ kind: "crash", fromStep: crashAt, toStep: crashAt + crashSteps }],
  };
}

/** `n` rows of correlated normal noise (sd `sd`), each asset's column centred to sum 0. */
function crashNoise(rng: Rng, L: number[][], n: number, sd: number): number[][] {
  const rows = Array.from({ length: n }, () => rng.correlatedNormals(L).map((z) => z * sd));
  if (n < 2) return rows.map((r) => r.map(() => 0));
  for (let i = 0; i < L.length; i++) {
    const mean = rows.reduce((a, r) => a + (r[i] as number), 0) / n;
    for (const r of rows) r[i] = (r[i] as number) - mean;
  }
  return rows;
}

/** Dispatches to `calmPaths`, `trendPaths` or `crashPaths`. */
export function scenarioPaths(name: ScenarioName, opts: CrashOptions & TrendOptions): PricePaths {
  switch (name) {
    case "calm":
      return calmPaths(opts);
    case "trend":
      return trendPaths(opts);
    case "crash":
      return crashPaths(opts);
    default:
      throw new Error(`unknown scenario ${String(name)}`);
  }
}

/** Per-step log returns of one asset path. */
export function logReturns(prices: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < prices.length; i++)
    out.push(Math.log((prices[i] as number) / (prices[i - 1] as number)));
  return out;
}

/** Prices of the named asset; throws if absent. */
export function pricesOf(paths: PricePaths, name: string): number[] {
  const a = paths.assets.find((x) => x.name === name);
  if (a === undefined)
    throw new Error(`no asset named ${name}; have ${paths.assets.map((x) => x.name).join(", ")}`);
  return a.prices;
}

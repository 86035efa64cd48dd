/** Price scenarios for the market simulation: one correlated path per market (ETH-PERP,
 *  BTC-PERP, SOL-PERP) built from the generators in ./paths and ./historical.
 *  - calm: correlated GBM, moderate volatility, rare fat-tailed (Student-t) common jumps;
 *  - trend: the same with a drift that moves every market by `trendMove` over the run;
 *  - crash: calm, then every market falls 40 % over `crashSeconds` (one hour by default) in
 *    one small correlated update per oracle tick, then a noisy partial recovery;
 *  - historical: daily ETH and BTC candles from data/ replayed with correlated intraday paths
 *    through each day's open, high, low and close (./intraday, ./replay; SOL follows ETH with a
 *    beta); `--prices` replays any CSV files with the same columns, one per market.
 *  Prices exist per oracle tick (`tickSeconds`); the report step (`dtSeconds`) is a whole number
 *  of ticks and its price is the tick price at its end. */
import path from "node:path";
import { IntradayMode } from "./intraday";
import { HOUR, PathEvent, PricePaths, crashPaths, gbmPaths } from "./paths";
import { uniformCorrelation } from "./random";
import { HistoricalReplay } from "./replay";

export type ScenarioName = "calm" | "trend" | "crash" | "historical";
export const SCENARIOS: readonly ScenarioName[] = ["calm", "trend", "crash", "historical"];

/** Market names (deploy/config/local.ts order) and the asset each follows. */
export const MARKET_ASSETS = ["ETH", "BTC", "SOL"] as const;
/** Synthetic start prices: the local deployment's initial feed answers. */
export const START_PRICES: Record<string, number> = { ETH: 3000, BTC: 60000, SOL: 150 };
/** Collateral tokens priced by a market's asset. */
export const COLLATERAL_ASSET: Record<string, string> = { WETH: "ETH", WBTC: "BTC" };

export const DATA_DIR = path.join(__dirname, "..", "..", "data");
export const DEFAULT_HISTORY = { from: "2020-03-09", to: "2020-03-15" };

export interface ScenarioOptions {
  scenario: ScenarioName;
  seed: number | string;
  /** Number of steps (synthetic); for historical replays a cap on the replayed steps. */
  steps?: number;
  dtSeconds: number;
  from?: string;
  to?: string;
  /** CSV files to replay, `NAME=file` or bare files in market order (implies historical). */
  prices?: string[];
  /** Total move of every market over a trend run (default +0.4). */
  trendMove?: number;
  /** Step after which the crash starts (default: a third of the run). */
  crashAtStep?: number;
  /** Crash depth (default 0.4). */
  drop?: number;
  /** Oracle update interval in seconds (default: the step); divides the step. */
  tickSeconds?: number;
  /** Length of the crash in seconds (default one hour). */
  crashSeconds?: number;
  /** Pairwise correlation of every pair of markets (synthetic runs; default per scenario). */
  rho?: number;
  /** Order of each replayed day's extremes (default adverse). */
  intraday?: IntradayMode;
}

export interface Scenario {
  name: ScenarioName;
  description: string;
  /** Report step (seconds), a whole number of oracle ticks. */
  dtSeconds: number;
  /** Oracle update interval (seconds). */
  tickSeconds: number;
  ticksPerStep: number;
  /** Prices per market per oracle tick (`ticks[m][0]` the start; index step * ticksPerStep is
   *  the price of report step `step`). Adverse replays fill each day when it starts. */
  ticks: number[][];
  /** Makes sure the prices of tick `t` (and of its day) exist; `bookNetLong` is asked only when
   *  a day of an adverse replay starts. */
  prepare(t: number, bookNetLong: () => boolean): void;
  /** The crash window in ticks, if any. */
  crashTicks?: { from: number; to: number };
  /** Path time of each point (seconds; real UTC dates for historical replays). */
  timestamps: number[];
  /** "datetime" when timestamps are real dates, "hours" for synthetic runs. */
  timeAxis: "datetime" | "hours";
  /** One price series per market per report step, `prices[0]` being the start. */
  assets: { name: string; prices: number[] }[];
  events: PathEvent[];
  /** Number of simulated steps (= points - 1). */
  steps: number;
}

const VOL: Record<string, number> = { ETH: 0.6, BTC: 0.5, SOL: 0.9 };
const CORR = [
  [1, 0.8, 0.85],
  [0.8, 1, 0.7],
  [0.85, 0.7, 1],
];
const JUMPS = { intensityPerYear: 12, meanLog: -0.004, stdLog: 0.025, tDof: 3 };

function correlation(opts: ScenarioOptions, fallback: number[][]): number[][] {
  if (opts.rho === undefined) return fallback;
  const k = MARKET_ASSETS.length;
  if (!(opts.rho > -1 / (k - 1) && opts.rho < 1)) {
    throw new RangeError(
      `correlation must be in (${(-1 / (k - 1)).toFixed(2)}, 1), got ${opts.rho}`,
    );
  }
  return uniformCorrelation(k, opts.rho);
}

/** Tick-resolution paths of a synthetic scenario of `ticks` oracle updates. */
function synthetic(
  opts: ScenarioOptions,
  ticks: number,
  tick: number,
  perStep: number,
): PricePaths {
  const years = (ticks * tick) / (365 * 86400);
  if (opts.scenario === "crash") {
    const crashSeconds = opts.crashSeconds ?? HOUR;
    const crashTicks = Math.max(1, Math.round(crashSeconds / tick));
    const at = (opts.crashAtStep ?? Math.floor(ticks / perStep / 3)) * perStep;
    return crashPaths({
      seed: opts.seed,
      steps: ticks,
      dtSeconds: tick,
      assets: MARKET_ASSETS.map((name) => ({ name, start: START_PRICES[name] as number })),
      correlation: correlation(opts, uniformCorrelation(MARKET_ASSETS.length, 0.8)),
      drop: opts.drop ?? 0.4,
      crashSeconds,
      crashAtStep: Math.max(0, Math.min(at, ticks - crashTicks)),
    });
  }
  const move = opts.scenario === "trend" ? (opts.trendMove ?? 0.4) : 0;
  if (!(move > -1)) throw new RangeError(`trend move must be > -100 %, got ${move}`);
  return gbmPaths({
    seed: opts.seed,
    steps: ticks,
    dtSeconds: tick,
    assets: MARKET_ASSETS.map((name) => {
      const vol = (VOL[name] as number) * (opts.scenario === "calm" ? 1 : 1.1);
      // E[log move] = (drift - vol^2/2) T: pick the drift that gives log(1 + move).
      const drift = move === 0 ? 0 : Math.log(1 + move) / years + (vol * vol) / 2;
      return { name, start: START_PRICES[name] as number, volAnnual: vol, driftAnnual: drift };
    }),
    correlation: correlation(opts, CORR),
    jumps: { ...JUMPS, common: true },
  });
}

/** `NAME=file` or bare files (assigned to markets in order). */
export function parsePriceFiles(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const free = [...MARKET_ASSETS];
  for (const spec of specs.flatMap((s) => s.split(",")).filter(Boolean)) {
    const eq = spec.indexOf("=");
    let name: string;
    let file: string;
    if (eq > 0) {
      name = spec
        .slice(0, eq)
        .replace(/-PERP$/i, "")
        .toUpperCase();
      file = spec.slice(eq + 1);
    } else {
      name = free.find((n) => !(n in out)) ?? "";
      file = spec;
    }
    if (!(MARKET_ASSETS as readonly string[]).includes(name)) {
      throw new Error(`--prices: unknown market "${name}" (have ${MARKET_ASSETS.join(", ")})`);
    }
    out[name] = path.resolve(file);
  }
  if (Object.keys(out).length === 0) throw new Error("--prices: no file given");
  return out;
}

function historicalFiles(opts: ScenarioOptions): Record<string, string> {
  return opts.prices && opts.prices.length > 0
    ? parsePriceFiles(opts.prices)
    : {
        ETH: path.join(DATA_DIR, "ETH-USD-daily.csv"),
        BTC: path.join(DATA_DIR, "BTC-USD-daily.csv"),
      };
}

function describe(opts: ScenarioOptions, s: Omit<Scenario, "name" | "description">): string {
  const days = ((s.steps * s.dtSeconds) / 86400).toFixed(1);
  const step = `${s.steps} steps of ${s.dtSeconds / 60} min (${days} days), oracle every ${s.tickSeconds} s`;
  switch (opts.scenario) {
    case "calm":
      return `Calm market: correlated GBM with rare fat-tailed jumps, ${step}.`;
    case "trend":
      return `Trend: every market drifts ${((opts.trendMove ?? 0.4) * 100).toFixed(0)} % over the run (in expectation), ${step}.`;
    case "crash": {
      const ev = s.events.find((e) => e.kind === "crash");
      return `Crash: -${((opts.drop ?? 0.4) * 100).toFixed(0)} % in every market within ${((opts.crashSeconds ?? HOUR) / 60).toFixed(0)} min, one update per oracle tick (steps ${ev?.fromStep}..${ev?.toStep}), then a noisy partial recovery; ${step}.`;
    }
    case "historical": {
      const d0 = new Date((s.timestamps[0] as number) * 1000).toISOString().slice(0, 10);
      const d1 = new Date((s.timestamps.at(-1) as number) * 1000).toISOString().slice(0, 10);
      const src = opts.prices?.length ? `files ${opts.prices.join(", ")}` : "data/ ETH and BTC";
      return `Historical replay of ${src} from ${d0} to ${d1} (${opts.intraday ?? "adverse"} correlated intraday paths through the daily OHLC; missing markets follow ETH with a beta), ${step}.`;
    }
  }
}

type Body = Omit<Scenario, "name" | "description">;

/** Oracle ticks per report step; throws unless the tick divides the step. */
function ticksPerStep(dtSeconds: number, tickSeconds: number): number {
  const k = Math.round(dtSeconds / tickSeconds);
  if (!(tickSeconds > 0) || k < 1 || Math.abs(k * tickSeconds - dtSeconds) > 1e-6) {
    throw new RangeError(
      `the oracle interval (${tickSeconds} s) must divide the report step (${dtSeconds} s)`,
    );
  }
  return k;
}

function syntheticBody(opts: ScenarioOptions, tick: number, k: number): Body {
  const steps = opts.steps ?? 96;
  if (!Number.isInteger(steps) || steps < 2) throw new RangeError("steps must be an integer >= 2");
  const p = synthetic(opts, steps * k, tick, k);
  const crash = p.events.find((e) => e.kind === "crash");
  return {
    dtSeconds: opts.dtSeconds,
    tickSeconds: tick,
    ticksPerStep: k,
    ticks: p.assets.map((a) => a.prices),
    prepare: () => undefined,
    crashTicks: crash ? { from: crash.fromStep, to: crash.toStep } : undefined,
    timestamps: Array.from({ length: steps + 1 }, (_x, i) => i * opts.dtSeconds),
    timeAxis: "hours",
    assets: p.assets.map((a) => ({
      name: a.name,
      prices: Array.from({ length: steps + 1 }, (_x, i) => a.prices[i * k] as number),
    })),
    events: p.events.map((e) => ({
      ...e,
      fromStep: Math.floor(e.fromStep / k),
      toStep: Math.ceil(e.toStep / k),
    })),
    steps,
  };
}

function historicalBody(opts: ScenarioOptions, tick: number, k: number): Body {
  const explicit = opts.prices !== undefined && opts.prices.length > 0;
  const replay = new HistoricalReplay({
    files: historicalFiles(opts),
    from: opts.from ?? (explicit ? undefined : DEFAULT_HISTORY.from),
    to: opts.to ?? (explicit ? undefined : DEFAULT_HISTORY.to),
    tickSeconds: tick,
    seed: opts.seed,
    mode: opts.intraday ?? "adverse",
    markets: MARKET_ASSETS,
    startPrices: START_PRICES,
  });
  let steps = Math.floor((replay.ticks - 1) / k);
  if (opts.steps !== undefined) steps = Math.min(steps, opts.steps);
  if (steps < 1) throw new Error("historical replay: the date range is shorter than one step");
  const assets = MARKET_ASSETS.map((name) => ({
    name,
    prices: new Array<number>(steps + 1).fill(Number.NaN),
  }));
  const prepare = (t: number, bookNetLong: () => boolean): void => {
    const filled = replay.prepare(t, bookNetLong);
    if (filled === undefined) return;
    for (let i = Math.ceil(filled.from / k); i * k <= filled.to && i <= steps; i++) {
      assets.forEach((a, m) => (a.prices[i] = (replay.prices[m] as number[])[i * k] as number));
    }
  };
  prepare(0, () => true);
  return {
    dtSeconds: opts.dtSeconds,
    tickSeconds: tick,
    ticksPerStep: k,
    ticks: replay.prices,
    prepare,
    timestamps: Array.from({ length: steps + 1 }, (_x, i) => replay.t0 + i * opts.dtSeconds),
    timeAxis: "datetime",
    assets,
    events: [],
    steps,
  };
}

/** Builds the scenario's price paths. */
export function buildScenario(opts: ScenarioOptions): Scenario {
  if (!(opts.dtSeconds > 0)) throw new RangeError("dtSeconds must be > 0");
  const tick = opts.tickSeconds ?? opts.dtSeconds;
  const k = ticksPerStep(opts.dtSeconds, tick);
  const body =
    opts.scenario === "historical" ? historicalBody(opts, tick, k) : syntheticBody(opts, tick, k);
  return { name: opts.scenario, description: describe(opts, body), ...body };
}

/** Price scenarios for the market simulation: one correlated path per market (ETH-PERP,
 *  BTC-PERP, SOL-PERP) built from the generators in ./paths and ./historical.
 *  - calm: correlated GBM, moderate volatility, rare fat-tailed (Student-t) common jumps;
 *  - trend: the same with a drift that moves every market by `trendMove` over the run;
 *  - crash: calm, then every market falls 40 % within one hour (correlated), then a noisy
 *    partial recovery;
 *  - historical: daily ETH and BTC candles from data/ replayed with intraday paths through each
 *    day's open, high, low and close (SOL follows ETH with a beta); `--prices` replays any CSV
 *    files with the same columns, one per market. */
import path from "node:path";
import { HOUR, PathEvent, PricePaths, crashPaths, gbmPaths, historicalPaths } from "./paths";
import { Rng } from "./random";

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
}

export interface Scenario {
  name: ScenarioName;
  description: string;
  dtSeconds: number;
  /** Path time of each point (seconds; real UTC dates for historical replays). */
  timestamps: number[];
  /** "datetime" when timestamps are real dates, "hours" for synthetic runs. */
  timeAxis: "datetime" | "hours";
  /** One price series per market, in market order, `prices[0]` being the start. */
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

function synthetic(opts: ScenarioOptions, steps: number): PricePaths {
  const years = (steps * opts.dtSeconds) / (365 * 86400);
  if (opts.scenario === "crash") {
    const crashSteps = Math.max(1, Math.round(HOUR / opts.dtSeconds));
    const at = opts.crashAtStep ?? Math.floor(steps / 3);
    return crashPaths({
      seed: opts.seed,
      steps,
      dtSeconds: opts.dtSeconds,
      assets: MARKET_ASSETS.map((name) => ({ name, start: START_PRICES[name] as number })),
      rho: 0.8,
      drop: opts.drop ?? 0.4,
      crashSeconds: HOUR,
      crashAtStep: Math.min(at, steps - crashSteps),
    });
  }
  const move = opts.scenario === "trend" ? (opts.trendMove ?? 0.4) : 0;
  if (!(move > -1)) throw new RangeError(`trend move must be > -100 %, got ${move}`);
  return gbmPaths({
    seed: opts.seed,
    steps,
    dtSeconds: opts.dtSeconds,
    assets: MARKET_ASSETS.map((name) => {
      const vol = (VOL[name] as number) * (opts.scenario === "calm" ? 1 : 1.1);
      // E[log move] = (drift - vol^2/2) T: pick the drift that gives log(1 + move).
      const drift = move === 0 ? 0 : Math.log(1 + move) / years + (vol * vol) / 2;
      return { name, start: START_PRICES[name] as number, volAnnual: vol, driftAnnual: drift };
    }),
    correlation: CORR,
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

/** A missing market's path: `base` scaled with a beta and a small mean-reverting idiosyncratic
 *  term, starting at `start`. */
function derived(base: number[], beta: number, start: number, rng: Rng): number[] {
  let e = 0;
  const b0 = base[0] as number;
  return base.map((p, i) => {
    if (i > 0) e = 0.9 * e + rng.normal(0, 0.003);
    return start * Math.pow(p / b0, beta) * Math.exp(e);
  });
}

function historical(opts: ScenarioOptions): Omit<Scenario, "name" | "description"> {
  const perDay = Math.round(86400 / opts.dtSeconds);
  if (perDay < 4 || 86400 % opts.dtSeconds !== 0) {
    throw new RangeError(`historical replay needs a step dividing the day into >= 4 parts`);
  }
  const files =
    opts.prices && opts.prices.length > 0
      ? parsePriceFiles(opts.prices)
      : {
          ETH: path.join(DATA_DIR, "ETH-USD-daily.csv"),
          BTC: path.join(DATA_DIR, "BTC-USD-daily.csv"),
        };
  const explicit = opts.prices && opts.prices.length > 0;
  const from = opts.from ?? (explicit ? undefined : DEFAULT_HISTORY.from);
  const to = opts.to ?? (explicit ? undefined : DEFAULT_HISTORY.to);
  const hp = historicalPaths({ csvByAsset: files, from, to, stepsPerDay: perDay, seed: opts.seed });
  const rng = new Rng(`${opts.seed}:derived`);
  const got = new Map(hp.assets.map((a) => [a.name, a.prices]));
  const first = hp.assets[0]?.prices as number[];
  const eth = got.get("ETH") ?? first;
  const assets = MARKET_ASSETS.map((name) => {
    const p = got.get(name);
    if (p) return { name, prices: p };
    const beta = name === "SOL" ? 1.25 : 0.8;
    const base = name === "SOL" ? eth : first;
    const start = ((base[0] as number) * (START_PRICES[name] as number)) / START_PRICES.ETH;
    return { name, prices: derived(base, beta, start, rng) };
  });
  let points = hp.timestamps.length;
  if (opts.steps !== undefined) points = Math.min(points, opts.steps + 1);
  if (points < 2) throw new Error("historical replay: fewer than two price points in range");
  return {
    dtSeconds: hp.dtSeconds,
    timestamps: hp.timestamps.slice(0, points),
    timeAxis: "datetime",
    assets: assets.map((a) => ({ name: a.name, prices: a.prices.slice(0, points) })),
    events: [],
    steps: points - 1,
  };
}

function describe(opts: ScenarioOptions, s: Omit<Scenario, "name" | "description">): string {
  const days = ((s.steps * s.dtSeconds) / 86400).toFixed(1);
  const step = `${s.steps} steps of ${s.dtSeconds / 60} min (${days} days)`;
  switch (opts.scenario) {
    case "calm":
      return `Calm market: correlated GBM with rare fat-tailed jumps, ${step}.`;
    case "trend":
      return `Trend: every market drifts ${((opts.trendMove ?? 0.4) * 100).toFixed(0)} % over the run (in expectation), ${step}.`;
    case "crash": {
      const ev = s.events.find((e) => e.kind === "crash");
      return `Crash: -${((opts.drop ?? 0.4) * 100).toFixed(0)} % in every market within one hour (steps ${ev?.fromStep}..${ev?.toStep}), then a noisy partial recovery; ${step}.`;
    }
    case "historical": {
      const d0 = new Date((s.timestamps[0] as number) * 1000).toISOString().slice(0, 10);
      const d1 = new Date((s.timestamps.at(-1) as number) * 1000).toISOString().slice(0, 10);
      const src = opts.prices?.length ? `files ${opts.prices.join(", ")}` : "data/ ETH and BTC";
      return `Historical replay of ${src} from ${d0} to ${d1} (intraday paths through the daily OHLC; missing markets follow ETH with a beta), ${step}.`;
    }
  }
}

/** Builds the scenario's price paths. */
export function buildScenario(opts: ScenarioOptions): Scenario {
  if (!(opts.dtSeconds > 0)) throw new RangeError("dtSeconds must be > 0");
  let body: Omit<Scenario, "name" | "description">;
  if (opts.scenario === "historical") {
    body = historical(opts);
  } else {
    const steps = opts.steps ?? 96;
    if (!Number.isInteger(steps) || steps < 2)
      throw new RangeError("steps must be an integer >= 2");
    const p = synthetic(opts, steps);
    body = {
      dtSeconds: p.dtSeconds,
      timestamps: p.timestamps,
      timeAxis: "hours",
      assets: p.assets,
      events: p.events,
      steps,
    };
  }
  return { name: opts.scenario, description: describe(opts, body), ...body };
}

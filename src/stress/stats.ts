/**
 * Statistics of a stress run: per-scenario distributions of each outcome over seeds, the
 * probability that the insurance fund runs out, and the recommended fund size (docs in the
 * README, "Stress report"). Pure functions over the simulator's `summary.json` figures.
 */
import type { SimSummary } from "../sim/report";

/** The summary.json fields a stress run reads, by name (the simulator writes them first). */
export const SUMMARY_FIELDS = [
  "badDebtUsd",
  "socialisedUsd",
  "insuranceFundStartUsd",
  "insuranceFundEndUsd",
  "collateralSetAgainstDebtUsd",
  "unpaidWithdrawalsUsd",
  "adlEvents",
  "maxPoolNetExposureRatio",
  "accountsLiquidatableAfterPass",
  "minLpSharePrice",
  "peakRssBytes",
] as const satisfies readonly (keyof SimSummary)[];

/** The outcomes of one simulation, read from its summary.json (USD figures are plain numbers). */
export type RunOutcome = Pick<SimSummary, (typeof SUMMARY_FIELDS)[number]> & {
  scenario: string;
  seed: string;
  /** 1 - min LP share price / start share price (0 when it never fell). */
  lpDrawdown: number;
  wallSeconds: number;
};

/** The outcomes a report shows a distribution of, with their labels and units. */
export const METRICS: readonly {
  key: keyof RunOutcome;
  label: string;
  unit: "usd" | "pct" | "n" | "x";
}[] = [
  { key: "badDebtUsd", label: "bad debt", unit: "usd" },
  { key: "socialisedUsd", label: "socialised loss", unit: "usd" },
  { key: "lpDrawdown", label: "LP drawdown", unit: "pct" },
  { key: "unpaidWithdrawalsUsd", label: "unpaid withdrawals", unit: "usd" },
  { key: "adlEvents", label: "ADL events", unit: "n" },
  { key: "collateralSetAgainstDebtUsd", label: "collateral set against debt", unit: "usd" },
  { key: "maxPoolNetExposureRatio", label: "max pool net exposure", unit: "x" },
  { key: "accountsLiquidatableAfterPass", label: "liquidatable after a keeper pass", unit: "n" },
];

/** Parses one summary.json object into a run's outcomes; throws naming a missing field. */
export function outcomeOf(
  scenario: string,
  seed: string,
  summary: Record<string, unknown>,
): RunOutcome {
  const num = (k: string): number => {
    const v = summary[k];
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new Error(`summary.json of ${scenario} seed ${seed}: "${k}" is not a finite number`);
    return v;
  };
  const values = Object.fromEntries(SUMMARY_FIELDS.map((k) => [k, num(k)])) as Record<
    (typeof SUMMARY_FIELDS)[number],
    number
  >;
  const pool = summary["pool"] as { sharePriceStart?: number } | undefined;
  const start = pool?.sharePriceStart ?? 1;
  const wall = summary["wallSeconds"] as { setup?: number; steps?: number } | undefined;
  return {
    scenario,
    seed,
    ...values,
    lpDrawdown: start > 0 ? Math.max(0, 1 - values.minLpSharePrice / start) : 0,
    wallSeconds: (wall?.setup ?? 0) + (wall?.steps ?? 0),
  };
}

/**
 * Quantile `q` in [0, 1] of `xs` by linear interpolation between order statistics (the
 * "type 7" definition: position `(n - 1) * q` in the sorted sample). NaN for an empty sample.
 */
export function quantile(xs: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo] as number;
  const b = s[hi] as number;
  return a + (b - a) * (pos - lo);
}

export interface Distribution {
  median: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(xs: readonly number[]): Distribution {
  const mean = xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    median: quantile(xs, 0.5),
    p95: quantile(xs, 0.95),
    p99: quantile(xs, 0.99),
    max: xs.length === 0 ? NaN : Math.max(...xs),
    mean,
  };
}

export interface ScenarioStats {
  scenario: string;
  runs: number;
  metrics: Record<string, Distribution>;
  /** Share of runs where the fund could not cover the bad debt (something was socialised). */
  fundRunsOutProbability: number;
  /** Share of runs where some trader withdrawal could not be paid. */
  unpaidWithdrawalProbability: number;
  /** p99 of the bad debt: the fund this scenario needs to cover 99 % of its runs. */
  recommendedFundUsd: number;
  insuranceFundStartUsd: number;
  peakRssBytes: number;
  meanWallSeconds: number;
}

export function scenarioStats(scenario: string, runs: readonly RunOutcome[]): ScenarioStats {
  const of = (k: keyof RunOutcome) => runs.map((r) => r[k] as number);
  const metrics: Record<string, Distribution> = {};
  for (const m of METRICS) metrics[m.key] = distribution(of(m.key));
  const share = (f: (r: RunOutcome) => boolean) =>
    runs.length === 0 ? NaN : runs.filter(f).length / runs.length;
  return {
    scenario,
    runs: runs.length,
    metrics,
    fundRunsOutProbability: share((r) => r.socialisedUsd > 0),
    unpaidWithdrawalProbability: share((r) => r.unpaidWithdrawalsUsd > 0),
    recommendedFundUsd: quantile(of("badDebtUsd"), 0.99),
    insuranceFundStartUsd: Math.max(0, ...of("insuranceFundStartUsd")),
    peakRssBytes: Math.max(0, ...of("peakRssBytes")),
    meanWallSeconds: distribution(of("wallSeconds")).mean,
  };
}

/** The bar of issue-level stress runs: p95 bad debt within the fund, no unpaid withdrawals. */
export interface BarVerdict {
  scenario: string;
  p95BadDebtUsd: number;
  insuranceFundStartUsd: number;
  p95UnpaidWithdrawalsUsd: number;
  met: boolean;
  /** How far the p95 bad debt exceeds the fund (0 when met). */
  shortByUsd: number;
}

export function barVerdict(s: ScenarioStats): BarVerdict {
  const bad = s.metrics["badDebtUsd"]?.p95 ?? NaN;
  const unpaid = s.metrics["unpaidWithdrawalsUsd"]?.p95 ?? NaN;
  const met = bad <= s.insuranceFundStartUsd && unpaid === 0;
  return {
    scenario: s.scenario,
    p95BadDebtUsd: bad,
    insuranceFundStartUsd: s.insuranceFundStartUsd,
    p95UnpaidWithdrawalsUsd: unpaid,
    met,
    shortByUsd: Math.max(0, bad - s.insuranceFundStartUsd),
  };
}

/** The stress report: report.md (tables and charts), stress.json (every figure) and a terminal
 *  summary, all in human units. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { saveSvg } from "../report/svg";
import { boxPlot, histogram } from "./charts";
import { StressOptions } from "./plan";
import { RunFailure } from "./runner";
import { BarVerdict, METRICS, RunOutcome, ScenarioStats, barVerdict, scenarioStats } from "./stats";

export interface StressReport {
  command: string;
  options: StressOptions;
  wallSeconds: number;
  /** Runs read from an earlier invocation (--resume). */
  reused: number;
  scenarios: ScenarioStats[];
  bar: BarVerdict[];
  /** The largest p99 bad debt of any scenario: the fund that covers 99 % of every scenario. */
  recommendedFundUsd: number;
  outcomes: RunOutcome[];
  failures: RunFailure[];
}

const usdFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** "12,345 USD"; "n/a" when not finite. */
export function usd(v: number): string {
  return Number.isFinite(v) ? `${usdFmt.format(v)} USD` : "n/a";
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : "n/a";
}

function fmt(v: number, unit: "usd" | "pct" | "n" | "x"): string {
  if (unit === "usd") return usd(v);
  if (unit === "pct") return pct(v);
  if (!Number.isFinite(v)) return "n/a";
  return unit === "x" ? `${v.toFixed(2)}x` : v.toFixed(v % 1 === 0 ? 0 : 1);
}

export function buildReport(
  command: string,
  options: StressOptions,
  outcomes: RunOutcome[],
  failures: RunFailure[],
  wallSeconds: number,
  reused = 0,
): StressReport {
  const scenarios = options.scenarios.map((s) =>
    scenarioStats(
      s,
      outcomes.filter((o) => o.scenario === s),
    ),
  );
  const bar = scenarios.filter((s) => s.runs > 0).map(barVerdict);
  const recommended = Math.max(
    0,
    ...scenarios.map((s) => s.recommendedFundUsd).filter(Number.isFinite),
  );
  return {
    command,
    options,
    wallSeconds,
    reused,
    scenarios,
    bar,
    recommendedFundUsd: recommended,
    outcomes,
    failures,
  };
}

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

function markdown(r: StressReport): string {
  const o = r.options;
  const lines: string[] = [
    "# Stress report",
    "",
    `\`${r.command}\``,
    "",
    `${r.outcomes.length} simulations (${o.scenarios.length} scenarios x ${o.seeds} seeds, ${o.traders} traders each), ` +
      `${r.failures.length} failed; ${o.workers} at once; ${(r.wallSeconds / 60).toFixed(1)} min` +
      (r.reused > 0
        ? ` for the ${r.outcomes.length + r.failures.length - r.reused} runs made now (${r.reused} reused from earlier).`
        : "."),
    "",
    "## The bar: p95 bad debt within the insurance fund, no unpaid withdrawals",
    "",
    ...table(
      ["scenario", "p95 bad debt", "fund at start", "p95 unpaid withdrawals", "met", "short by"],
      r.bar.map((b) => [
        b.scenario,
        usd(b.p95BadDebtUsd),
        usd(b.insuranceFundStartUsd),
        usd(b.p95UnpaidWithdrawalsUsd),
        b.met ? "yes" : "**no**",
        b.met ? "-" : usd(b.shortByUsd),
      ]),
    ),
    "",
    `**Recommended insurance fund: ${usd(r.recommendedFundUsd)}**, the largest p99 bad debt of any scenario ` +
      "(the fund that would have covered 99 % of every scenario's runs).",
    "",
    "## Outcomes per scenario (median / p95 / max over seeds)",
    "",
    ...table(
      ["outcome", ...r.scenarios.map((s) => `${s.scenario} (${s.runs})`)],
      [
        ...METRICS.map((m) => [
          m.label,
          ...r.scenarios.map((s) => {
            const d = s.metrics[m.key];
            return d
              ? `${fmt(d.median, m.unit)} / ${fmt(d.p95, m.unit)} / ${fmt(d.max, m.unit)}`
              : "n/a";
          }),
        ]),
        ["P(fund runs out)", ...r.scenarios.map((s) => pct(s.fundRunsOutProbability))],
        ["P(unpaid withdrawal)", ...r.scenarios.map((s) => pct(s.unpaidWithdrawalProbability))],
        ["p99 bad debt (fund needed)", ...r.scenarios.map((s) => usd(s.recommendedFundUsd))],
        ["peak memory", ...r.scenarios.map((s) => `${(s.peakRssBytes / 2 ** 20).toFixed(0)} MiB`)],
        ["mean run time", ...r.scenarios.map((s) => `${s.meanWallSeconds.toFixed(0)} s`)],
      ],
    ),
    "",
    "## Charts",
    "",
    "![bad debt per scenario](bad-debt-box.svg)",
    "",
    "![LP drawdown per scenario](lp-drawdown-box.svg)",
    "",
    "![bad debt histogram](bad-debt-histogram.svg)",
    "",
  ];
  if (r.failures.length > 0) {
    lines.push("## Failed runs", "");
    for (const f of r.failures)
      lines.push(`- ${f.scenario} seed ${f.seed}: ${f.reason}`, "", "```", f.log, "```", "");
  }
  lines.push("Each run's own report is in `runs/<scenario>-seed<n>/`.", "");
  return lines.join("\n");
}

/** Writes report.md, stress.json and the charts into `dir`. */
export function writeStressReport(r: StressReport, dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "report.md"), markdown(r));
  writeFileSync(path.join(dir, "stress.json"), JSON.stringify(r, null, 2) + "\n");
  const groups = (k: keyof RunOutcome, scale = 1) =>
    r.scenarios.map((s) => ({
      label: s.scenario.replace(/^historical:/, "hist "),
      values: r.outcomes
        .filter((o) => o.scenario === s.scenario)
        .map((o) => (o[k] as number) * scale),
    }));
  saveSvg(
    path.join(dir, "bad-debt-box.svg"),
    boxPlot("Bad debt per scenario", "USD", groups("badDebtUsd")),
  );
  saveSvg(
    path.join(dir, "lp-drawdown-box.svg"),
    boxPlot("LP drawdown per scenario", "%", groups("lpDrawdown", 100)),
  );
  saveSvg(
    path.join(dir, "bad-debt-histogram.svg"),
    histogram("Bad debt over seeds", "bad debt (USD)", groups("badDebtUsd")),
  );
}

/** A few lines for the terminal. */
export function terminalStress(r: StressReport, dir: string): string {
  const lines = [
    `stress: ${r.outcomes.length} runs, ${r.failures.length} failed -> ${dir}/report.md`,
  ];
  for (const b of r.bar) {
    lines.push(
      `  ${b.scenario.padEnd(34)} p95 bad debt ${usd(b.p95BadDebtUsd).padStart(14)} / fund ${usd(b.insuranceFundStartUsd).padStart(12)}` +
        `  ${b.met ? "met" : `NOT met (short by ${usd(b.shortByUsd)})`}`,
    );
  }
  lines.push(`  recommended insurance fund (largest p99 bad debt): ${usd(r.recommendedFundUsd)}`);
  return lines.join("\n");
}

/** The simulation's outputs: summary.json (key numbers), report.md (readable, with the charts),
 *  steps.csv (every step's record) and a terminal summary. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { formatNumber } from "../report/svg";
import { STYLES } from "./agents";
import { writeCharts } from "./charts";
import { stepsCsv } from "./steps-csv";
import type { SimResult } from "./market-sim";
import type { StepRecord } from "./metrics";
import type { NodeKind } from "./options";

/** Which node ran the chain, and its own peak resident memory (bytes; 0 when in-process). */
export interface NodeStats {
  kind: NodeKind;
  peakRssBytes: number;
}

const IN_PROCESS: NodeStats = { kind: "hardhat", peakRssBytes: 0 };

export interface SimSummary {
  /** Headline figures in USD (plain numbers), read by the stress runner under these names. */
  badDebtUsd: number;
  socialisedUsd: number;
  insuranceFundStartUsd: number;
  insuranceFundEndUsd: number;
  collateralSetAgainstDebtUsd: number;
  /** Most of the traders' positive balances the vault could not have paid at once. */
  unpaidWithdrawalsUsd: number;
  adlEvents: number;
  /** Max over oracle ticks of |net skew notional summed over markets| / pool value. */
  maxPoolNetExposureRatio: number;
  /** Worst count of accounts still liquidatable once the keeper is done after an oracle
   *  update (must be 0). */
  accountsLiquidatableAfterPass: number;
  minLpSharePrice: number;
  /** Peak resident memory of the run: this process plus, with `--node anvil`, the node's. */
  peakRssBytes: number;
  /** The chain the run used, and the peak resident memory of its process (0 in-process). */
  node: NodeKind;
  nodePeakRssBytes: number;
  oracleIntervalSeconds: number;
  keeperLatencySeconds: number;
  scenario: string;
  description: string;
  seed: string;
  command: string;
  traders: number;
  lps: number;
  steps: number;
  stepsRun: number;
  stepMinutes: number;
  wallSeconds: { setup: number; steps: number };
  invariantsHeld: boolean;
  violation: { check: string; step: number; details: string[] } | null;
  invariants: { name: string; description: string; runs: number; comparisons: number }[];
  windowLimited: { step: number; accounts: string[] }[];
  markets: {
    name: string;
    start: number;
    end: number;
    min: number;
    max: number;
    changePct: number;
  }[];
  trading: {
    trades: number;
    failedTxs: number;
    volumeUsd: number;
    feesUsd: number;
    ordersCommitted: number;
    ordersSettled: number;
    ordersCancelled: number;
  };
  liquidations: {
    positions: number;
    accountsPerStepSum: number;
    tradersLiquidated: number;
    notionalUsd: number;
    keeperRewardsUsdc: number;
    toInsuranceUsdc: number;
    maxBelowMaintenance: number;
  };
  /** Debt the insurance fund repaid by buying bankrupt accounts' collateral (USDC). */
  collateralSetUsdc: number;
  badDebt: { events: number; deficitUsdc: number; coveredUsdc: number; socialisedUsdc: number };
  /** Auto-deleveraging (INV-49 to INV-52) and what traders could not have withdrawn. */
  adl: {
    events: number;
    notionalUsd: number;
    keeperRewardsUsdc: number;
    /** Most of the traders' positive balances the vault could not pay at once (must be 0). */
    maxUnpayableUsdc: number;
    /** The same had every position closed at the oracle price. */
    maxUnpayableIfClosedUsdc: number;
  };
  insuranceFund: { start: number; end: number; min: number };
  pool: {
    valueStart: number;
    valueEnd: number;
    sharePriceStart: number;
    sharePriceEnd: number;
    sharePriceMin: number;
    returnPct: number;
  };
  openInterest: { peakUsd: number; endUsd: number };
  traderStyles: {
    style: string;
    count: number;
    liquidated: number;
    pnlUsd: number;
    winners: number;
  }[];
  keeper: Record<string, string | number>;
  /** The keeper bot's warnings and errors (first 20, JSON). */
  keeperWarnings: string[];
  gas: { action: string; count: number; failed: number; mean: number; min: string; max: string }[];
  failures: { action: string; count: number }[];
  phaseSeconds: Record<string, number>;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

function oi(r: StepRecord): number {
  return r.oiLongUsd.reduce((a, b) => a + b, 0) + r.oiShortUsd.reduce((a, b) => a + b, 0);
}

export function summarise(r: SimResult, command: string, node: NodeStats = IN_PROCESS): SimSummary {
  const recs = r.records;
  const last = recs.at(-1);
  const firstRec = recs[0];
  const t = r.totals;
  const prices = r.scenario.assets;
  const upto = r.stepsRun + 1;
  const styles = STYLES.map((style) => {
    const ts = r.traders.filter((x) => x.style === style);
    const pnl = ts.map((x) => (r.finalValueUsd[x.index] ?? 0) + x.withdrawnUsd - x.depositedUsd);
    return {
      style,
      count: ts.length,
      liquidated: ts.filter((x) => x.liquidations > 0).length,
      pnlUsd: round(pnl.reduce((a, b) => a + b, 0)),
      winners: pnl.filter((p) => p > 0).length,
    };
  });
  const sp = recs.map((x) => x.sharePrice);
  const x = r.extremes;
  return {
    badDebtUsd: round(t.badDebt),
    socialisedUsd: round(t.socialised),
    insuranceFundStartUsd: round(x.insuranceFundStart),
    insuranceFundEndUsd: round(last?.insuranceFund ?? x.insuranceFundStart),
    collateralSetAgainstDebtUsd: round(t.collateralSet),
    unpaidWithdrawalsUsd: round(t.maxUnpayable),
    adlEvents: t.deleveraged,
    maxPoolNetExposureRatio: round(x.maxPoolNetExposureRatio, 6),
    accountsLiquidatableAfterPass: x.accountsLiquidatableAfterPass,
    minLpSharePrice: round(sp.length > 0 ? Math.min(...sp) : 0, 6),
    // The sum of the two peaks: an upper bound of the run's peak (they need not coincide).
    peakRssBytes: process.resourceUsage().maxRSS * 1024 + node.peakRssBytes,
    node: node.kind,
    nodePeakRssBytes: node.peakRssBytes,
    oracleIntervalSeconds: r.scenario.tickSeconds,
    keeperLatencySeconds: r.options.keeperLatencySec,
    scenario: r.scenario.name,
    description: r.scenario.description,
    seed: r.options.seed,
    command,
    traders: r.options.traders,
    lps: r.options.lps,
    steps: r.scenario.steps,
    stepsRun: r.stepsRun,
    stepMinutes: r.scenario.dtSeconds / 60,
    wallSeconds: { setup: round(r.wallMs.setup / 1000, 1), steps: round(r.wallMs.steps / 1000, 1) },
    invariantsHeld: r.violation === undefined,
    violation: r.violation
      ? {
          check: r.violation.check,
          step: r.violation.step,
          details: r.violation.details.slice(0, 20),
        }
      : null,
    invariants: r.invariants.map((c) => ({
      name: c.name,
      description: c.description,
      runs: c.runs,
      comparisons: c.items,
    })),
    windowLimited: r.windowLimited.map((w) => ({ step: w.step, accounts: w.accounts.map(String) })),
    markets: r.marketNames.map((name, m) => {
      const p = (prices[m]?.prices ?? []).slice(0, upto);
      const start = p[0] as number;
      const end = p.at(-1) as number;
      return {
        name,
        start: round(start, 4),
        end: round(end, 4),
        min: round(Math.min(...p), 4),
        max: round(Math.max(...p), 4),
        changePct: round((100 * (end - start)) / start),
      };
    }),
    trading: {
      trades: t.trades,
      failedTxs: t.failedTxs,
      volumeUsd: round(t.volumeUsd),
      feesUsd: round(t.feesUsd),
      ordersCommitted: t.ordersCommitted,
      ordersSettled: t.ordersSettled,
      ordersCancelled: t.ordersCancelled,
    },
    liquidations: {
      positions: t.positionsLiquidated,
      accountsPerStepSum: t.accountsLiquidated,
      tradersLiquidated: r.traders.filter((x) => x.liquidations > 0).length,
      notionalUsd: round(t.liquidatedNotionalUsd),
      keeperRewardsUsdc: round(t.keeperRewards),
      toInsuranceUsdc: round(t.toInsurance),
      maxBelowMaintenance: t.maxLiquidatableBefore,
    },
    collateralSetUsdc: round(t.collateralSet),
    badDebt: {
      events: t.badDebtEvents,
      deficitUsdc: round(t.badDebt),
      coveredUsdc: round(t.covered),
      socialisedUsdc: round(t.socialised),
    },
    adl: {
      events: t.deleveraged,
      notionalUsd: round(t.adlNotionalUsd),
      keeperRewardsUsdc: round(t.adlRewards),
      maxUnpayableUsdc: round(t.maxUnpayable),
      maxUnpayableIfClosedUsdc: round(t.maxUnpayableIfClosed),
    },
    insuranceFund: {
      start: round(firstRec?.insuranceFund ?? 0),
      end: round(last?.insuranceFund ?? 0),
      min: round(Math.min(...recs.map((x) => x.insuranceFund))),
    },
    pool: {
      valueStart: round(firstRec?.poolValue ?? 0),
      valueEnd: round(last?.poolValue ?? 0),
      sharePriceStart: round(sp[0] ?? 0, 6),
      sharePriceEnd: round(sp.at(-1) ?? 0, 6),
      sharePriceMin: round(Math.min(...sp), 6),
      returnPct: round(100 * ((sp.at(-1) ?? 1) / (sp[0] ?? 1) - 1), 4),
    },
    openInterest: { peakUsd: round(Math.max(...recs.map(oi))), endUsd: round(last ? oi(last) : 0) },
    traderStyles: styles,
    keeper: {
      ...Object.fromEntries(
        Object.entries(r.keeper).map(([k, v]) =>
          // rewardsQuote is in the quote token's units (1e-6 USDC): report USDC.
          k === "rewardsQuote"
            ? ["rewardsUsdc", round(Number(v) / 1e6)]
            : [k, v as string | number],
        ),
      ),
      oracleIntervalSeconds: r.scenario.tickSeconds,
      latencySeconds: r.options.keeperLatencySec,
      oracleTicksModelOnly: r.tickCounts.light,
      oracleTicksReadFromChain: r.tickCounts.full,
      healthScanAccounts: r.scans.accounts,
      healthScanAccountsSentToLens: r.scans.toLens,
    },
    keeperWarnings: r.keeperLog
      .slice(0, 20)
      .map((e) => JSON.stringify(e, (_k, v) => (typeof v === "bigint" ? v.toString() : v))),
    gas: r.gas.rows().map((g) => ({
      action: g.tag,
      count: g.count,
      failed: g.failed,
      mean: g.mean,
      min: g.count > 0 ? g.min.toString() : "",
      max: g.count > 0 ? g.max.toString() : "",
    })),
    failures: r.failures.rows().map((f) => ({ action: f.key, count: f.count })),
    phaseSeconds: Object.fromEntries(
      Object.entries(r.phaseMs).map(([k, v]) => [k, round(v / 1000, 1)]),
    ),
  };
}

const usd = (x: number): string => formatNumber(x, 4);

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.map(String).join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

function markdown(s: SimSummary, charts: { file: string; title: string }[]): string {
  const verdict = s.invariantsHeld
    ? `**All invariants held** at every one of the ${s.stepsRun} steps (checks below).`
    : `**INVARIANT VIOLATED**: "${s.violation?.check}" at step ${s.violation?.step}; the run stopped there.\n\n` +
      "```\n" +
      (s.violation?.details ?? []).join("\n") +
      "\n```";
  const parts = [
    `# Crossmargin simulation: ${s.scenario} (seed ${s.seed})`,
    s.description,
    `${s.traders} traders, ${s.lps} liquidity providers, 3 markets; ${s.stepsRun} of ${s.steps} steps of ${s.stepMinutes} minutes. Reproduce with \`${s.command}\`.`,
    `## Result`,
    verdict,
    table(
      ["", "value"],
      [
        ["trades (incl. order fills)", s.trading.trades],
        ["traded volume (USD)", usd(s.trading.volumeUsd)],
        ["trading fees (USD)", usd(s.trading.feesUsd)],
        [
          "delayed orders committed / settled / cancelled",
          `${s.trading.ordersCommitted} / ${s.trading.ordersSettled} / ${s.trading.ordersCancelled}`,
        ],
        ["failed agent transactions", s.trading.failedTxs],
        ["positions liquidated", s.liquidations.positions],
        ["traders liquidated at least once", s.liquidations.tradersLiquidated],
        ["liquidated notional (USD)", usd(s.liquidations.notionalUsd)],
        ["most accounts below maintenance at once", s.liquidations.maxBelowMaintenance],
        ["keeper rewards (USDC)", usd(s.liquidations.keeperRewardsUsdc)],
        ["liquidation penalties to the insurance fund (USDC)", usd(s.liquidations.toInsuranceUsdc)],
        ["debt set against collateral bought by the fund (USDC)", usd(s.collateralSetUsdc)],
        ["bad debt (USDC, events)", `${usd(s.badDebt.deficitUsdc)} (${s.badDebt.events})`],
        [
          "covered by the insurance fund / socialised (USDC)",
          `${usd(s.badDebt.coveredUsdc)} / ${usd(s.badDebt.socialisedUsdc)}`,
        ],
        [
          "auto-deleveraging calls / notional (USD) / keeper rewards (USDC)",
          `${s.adl.events} / ${usd(s.adl.notionalUsd)} / ${usd(s.adl.keeperRewardsUsdc)}`,
        ],
        [
          "trader balances unpayable, most at once: now / had all closed (USDC)",
          `${usd(s.adl.maxUnpayableUsdc)} / ${usd(s.adl.maxUnpayableIfClosedUsdc)}`,
        ],
        [
          "insurance fund start / end / min (USDC)",
          `${usd(s.insuranceFund.start)} / ${usd(s.insuranceFund.end)} / ${usd(s.insuranceFund.min)}`,
        ],
        ["pool value start / end (USDC)", `${usd(s.pool.valueStart)} / ${usd(s.pool.valueEnd)}`],
        [
          "LP share price start / end / min",
          `${s.pool.sharePriceStart} / ${s.pool.sharePriceEnd} / ${s.pool.sharePriceMin}`,
        ],
        ["LP return", `${s.pool.returnPct} %`],
        [
          "open interest peak / end (USD)",
          `${usd(s.openInterest.peakUsd)} / ${usd(s.openInterest.endUsd)}`,
        ],
        ["wall time setup / steps (s)", `${s.wallSeconds.setup} / ${s.wallSeconds.steps}`],
        ["node, peak memory in MiB (simulator + node)", memoryCell(s)],
      ],
    ),
    `## Markets`,
    table(
      ["market", "start", "end", "min", "max", "change"],
      s.markets.map((m) => [m.name, m.start, m.end, m.min, m.max, `${m.changePct} %`]),
    ),
    `## Charts`,
    ...charts.map((c) => `### ${c.title}\n\n![${c.title}](${c.file})`),
    `## Invariants`,
    "Checked after every step (model cross-check every few steps and for every account at the end), each against the chain to the wei.",
    table(
      ["check", "what", "runs", "comparisons"],
      s.invariants.map((c) => [c.name, c.description, c.runs, c.comparisons]),
    ),
    s.windowLimited.length === 0
      ? "No account was left below maintenance after the keeper step."
      : `Accounts left below maintenance after the keeper although liquidated in the step (liquidation window cap): ${s.windowLimited
          .map((w) => `step ${w.step}: ${w.accounts.length}`)
          .join(", ")}.`,
    `## Traders by style`,
    table(
      ["style", "traders", "liquidated", "profitable", "total PnL (USD)"],
      s.traderStyles.map((x) => [x.style, x.count, x.liquidated, x.winners, usd(x.pnlUsd)]),
    ),
    `## Gas per action (successful transactions)`,
    table(
      ["action", "count", "failed", "mean", "min", "max"],
      s.gas.map((g) => [g.action, g.count, g.failed, g.mean, g.min, g.max]),
    ),
    `## Failed transactions`,
    s.failures.length === 0
      ? "None."
      : table(
          ["action: reason", "count"],
          s.failures.map((f) => [f.action, f.count]),
        ),
    `## Keeper`,
    table(
      ["", "value"],
      Object.entries(s.keeper).map(([k, v]) => [k, v]),
    ),
    s.keeperWarnings.length === 0
      ? "The keeper logged no warnings or errors."
      : "Keeper warnings and errors (first 20):\n\n```\n" + s.keeperWarnings.join("\n") + "\n```",
    `## Time per phase (s)`,
    table(
      ["phase", "seconds"],
      Object.entries(s.phaseSeconds).map(([k, v]) => [k, v]),
    ),
  ];
  return parts.join("\n\n") + "\n";
}

/** Writes report.md, summary.json, steps.csv and the charts into `dir`. */
export function writeReport(
  r: SimResult,
  dir: string,
  command: string,
  node: NodeStats = IN_PROCESS,
): SimSummary {
  mkdirSync(dir, { recursive: true });
  const charts = writeCharts(r, dir);
  const s = summarise(r, command, node);
  writeFileSync(path.join(dir, "summary.json"), JSON.stringify(s, null, 2) + "\n");
  writeFileSync(path.join(dir, "report.md"), markdown(s, charts));
  writeFileSync(path.join(dir, "steps.csv"), stepsCsv(r));
  return s;
}

/** A short summary for the terminal. */
export function terminalSummary(s: SimSummary, dir: string): string {
  const lines = [
    ``,
    `Crossmargin simulation: ${s.scenario}, seed ${s.seed}, ${s.traders} traders, ${s.stepsRun}/${s.steps} steps of ${s.stepMinutes} min`,
    `  ${s.description}`,
    `  prices:        ${s.markets.map((m) => `${m.name} ${m.changePct > 0 ? "+" : ""}${m.changePct} % (min ${m.min})`).join(", ")}`,
    `  trading:       ${s.trading.trades} trades, volume ${usd(s.trading.volumeUsd)} USD, fees ${usd(s.trading.feesUsd)} USD, ${s.trading.failedTxs} failed txs`,
    `  liquidations:  ${s.liquidations.positions} positions of ${s.liquidations.tradersLiquidated} traders, ${usd(s.liquidations.notionalUsd)} USD notional, keeper earned ${usd(s.liquidations.keeperRewardsUsdc)} USDC`,
    `  bad debt:      ${usd(s.badDebt.deficitUsdc)} USDC (${s.badDebt.events} accounts) after ${usd(s.collateralSetUsdc)} set against collateral: fund covered ${usd(s.badDebt.coveredUsdc)}, socialised ${usd(s.badDebt.socialisedUsdc)}`,
    `  ADL:           ${s.adl.events} calls, ${usd(s.adl.notionalUsd)} USD notional; unpayable trader balances at most ${usd(s.adl.maxUnpayableUsdc)} USDC (${usd(s.adl.maxUnpayableIfClosedUsdc)} had all closed)`,
    `  fund inflow:   ${usd(s.liquidations.toInsuranceUsdc)} USDC of liquidation penalties`,
    `  insurance:     ${usd(s.insuranceFund.start)} -> ${usd(s.insuranceFund.end)} USDC (min ${usd(s.insuranceFund.min)})`,
    `  pool:          value ${usd(s.pool.valueStart)} -> ${usd(s.pool.valueEnd)} USDC, share price ${s.pool.sharePriceStart} -> ${s.pool.sharePriceEnd} (${s.pool.returnPct} %)`,
    `  invariants:    ${s.invariantsHeld ? `all ${s.invariants.length} checks held at every step` : `VIOLATED: ${s.violation?.check} at step ${s.violation?.step}`}`,
    `  stress:        bad debt ${usd(s.badDebtUsd)} USD vs insurance fund ${usd(s.insuranceFundStartUsd)} USD at the start; liquidatable after a pass at most ${s.accountsLiquidatableAfterPass}; pool net exposure at most ${s.maxPoolNetExposureRatio}x its value; peak RSS ${(s.peakRssBytes / 2 ** 30).toFixed(2)} GiB`,
    `  node:          ${memoryCell(s)} MiB peak resident memory (simulator + node)`,
    `  time:          setup ${s.wallSeconds.setup} s, steps ${s.wallSeconds.steps} s`,
    `  report:        ${path.join(dir, "report.md")}`,
  ];
  if (!s.invariantsHeld) lines.push("", ...(s.violation?.details ?? []).map((d) => `  ! ${d}`));
  return lines.join("\n");
}

function memoryCell(s: SimSummary): string {
  const mib = (b: number): string => (b / 2 ** 20).toFixed(0);
  const own = s.peakRssBytes - s.nodePeakRssBytes;
  return s.node === "hardhat"
    ? `${s.node}, ${mib(s.peakRssBytes)}`
    : `${s.node}, ${mib(s.peakRssBytes)} (${mib(own)} + ${mib(s.nodePeakRssBytes)})`;
}

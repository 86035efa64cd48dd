/** The risk report's volatility-scaled sections: VaR / ES per asset, the liquidation cascade of
 *  each scenario, every figure against the insurance fund and the pool, and the recommended
 *  insurance-fund size. Human units: USD with thousands separators, percentages. */
import { CascadeResult } from "./cascade";
import { ShockGrid, ShockResult, usdOf } from "./shocks";
import { VarResult, priceMove } from "./var";

/** "$1,234,567" (whole dollars; cents below 100). */
export function fmtUsd(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  const s = a.toLocaleString("en-US", {
    minimumFractionDigits: 0,
    maximumFractionDigits: a < 100 && a !== 0 ? 2 : 0,
  });
  return `${x < 0 ? "-" : ""}$${s}`;
}

/** "12.3 %" (signed with `signed`); "n/a" for a zero base. */
export function fmtPct(x: number, signed = false, digits = 1): string {
  if (!Number.isFinite(x)) return "n/a";
  return `${signed && x > 0 ? "+" : ""}${(x * 100).toFixed(digits)} %`;
}

export interface CascadeGrid {
  grid: ShockGrid;
  results: CascadeResult[][];
}

/** Recommended insurance fund: the largest shortfall (bad debt after the liquidation cascade)
 *  among the ES scenarios of the volatility-scaled grid, rounded up to two significant digits. */
export interface FundRecommendation {
  /** USD. */
  recommendedUsd: number;
  worstShortfallUsd: number;
  /** In the worst scenario: what the fund lays out buying seized collateral (it gets the
   *  collateral back, so not a loss), and the penalties it receives. */
  collateralPurchasesUsd: number;
  penaltiesUsd: number;
  scenario: string;
  currentUsd: number;
  method: string;
}

function roundUp2(x: number): number {
  if (x <= 0) return 0;
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.ceil(x / p - 1e-9) * p;
}

export function recommendFund(
  cascades: readonly CascadeGrid[],
  qd: number,
  currentFund: bigint,
): FundRecommendation | undefined {
  const vs = cascades.find((c) => c.grid.cols.some((x) => x.startsWith("ES")));
  if (!vs) return undefined;
  let worst: CascadeResult | undefined;
  vs.results.forEach((row) =>
    row.forEach((r, k) => {
      if (!(vs.grid.cols[k] ?? "").startsWith("ES")) return;
      if (!worst || r.cascade.shortfall > worst.cascade.shortfall) worst = r;
    }),
  );
  if (!worst) return undefined;
  const w = usdOf(worst.cascade.shortfall, qd);
  return {
    recommendedUsd: roundUp2(w),
    worstShortfallUsd: w,
    collateralPurchasesUsd: usdOf(worst.cascade.collateralSet, qd),
    penaltiesUsd: usdOf(worst.cascade.fundInflow, qd),
    scenario: worst.shock.label,
    currentUsd: usdOf(currentFund, qd),
    method:
      "the largest shortfall (debt no collateral backs, after the liquidation cascade with price " +
      "impact and window caps) over the ES99 1-day scenarios, down and up (each asset alone, all " +
      "at their own ES, and the correlated joint ES move), rounded up to two significant digits: " +
      "a fund of that size absorbs the loss of every such day without socialising it; the fund " +
      "also needs cash for the seized collateral it buys (returned to it as collateral, so not " +
      "a loss), less the liquidation penalties it receives",
  };
}

/** One scenario's figures against the fund and the pool (the pool's value before the shock). */
export interface FundRow {
  scenario: string;
  rounds: number;
  liquidated: number;
  notionalClosedUsd: number;
  notionalWaitingUsd: number;
  extraMove: Record<string, number>;
  badDebtInstantUsd: number;
  badDebtCascadeUsd: number;
  pctOfFundInstant: number;
  pctOfFundCascade: number;
  pctOfPoolCascade: number;
  coveredUsd: number;
  socialisedUsd: number;
  socialisedPctOfPool: number;
}

export function fundRow(c: CascadeResult, qd: number, fund: bigint): FundRow {
  const f = usdOf(fund, qd);
  const pool = usdOf(c.instant.poolValueNow, qd);
  const s = (r: ShockResult): number => usdOf(r.shortfall, qd);
  const div = (a: number, b: number): number => (b > 0 ? a / b : a > 0 ? Infinity : 0);
  return {
    scenario: c.shock.label,
    rounds: c.rounds.length,
    liquidated: c.liquidated,
    notionalClosedUsd: Number(c.notionalClosed) / 1e18,
    notionalWaitingUsd: Number(c.notionalWaiting) / 1e18,
    extraMove: Object.fromEntries(
      c.markets.filter((m) => m.extraMove !== 0).map((m) => [m.name, m.extraMove]),
    ),
    badDebtInstantUsd: s(c.instant),
    badDebtCascadeUsd: s(c.cascade),
    pctOfFundInstant: div(s(c.instant), f),
    pctOfFundCascade: div(s(c.cascade), f),
    pctOfPoolCascade: div(s(c.cascade), pool),
    coveredUsd: usdOf(c.cascade.covered, qd),
    socialisedUsd: usdOf(c.cascade.socialised, qd),
    socialisedPctOfPool: div(usdOf(c.cascade.socialised, qd), pool),
  };
}

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.map(String).join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

const moves = (m: Record<string, number>): string =>
  Object.keys(m).length === 0
    ? "none"
    : Object.entries(m)
        .map(
          ([k, v]) =>
            `${k} ${Math.abs(v) < 0.001 ? `${v > 0 ? "+" : ""}${(v * 1e4).toFixed(2)} bp` : fmtPct(v, true, 2)}`,
        )
        .join(", ");

/** Markdown sections: VaR / ES, cascade per scenario, recommended fund. */
export function fundSections(
  v: VarResult | undefined,
  cascades: readonly CascadeGrid[],
  qd: number,
  fund: bigint,
): string[] {
  const out: string[] = [];
  if (v) {
    const lv = Math.round(v.level * 100);
    out.push(
      `## Volatility: 1-day ${lv} % VaR and expected shortfall`,
      `Historical method over the last ${v.windowDays} days of each series (\`--var-window\`): the empirical ${100 - lv} % / ${lv} % quantile (linear interpolation, type 7) of daily log returns is the VaR; the mean of the returns at or beyond it is the ES. Moves are price moves, exp(log return) - 1.`,
      table(
        [
          "asset",
          "series",
          "returns",
          "daily sigma",
          `VaR${lv} down`,
          `ES${lv} down`,
          `VaR${lv} up`,
          `ES${lv} up`,
        ],
        v.assets.map((a) => [
          a.asset,
          `${a.file} ${a.from} .. ${a.to}${a.proxy ? ` (proxy: ${a.proxy})` : ""}`,
          a.returns,
          fmtPct(a.sigma, false, 2),
          fmtPct(priceMove(-a.varDown), true),
          fmtPct(priceMove(-a.esDown), true),
          fmtPct(priceMove(a.varUp), true),
          fmtPct(priceMove(a.esUp), true),
        ]),
      ),
    );
    const j = v.joint;
    if (j) {
      const names = v.assets.map((a) => a.asset);
      out.push(
        `### Joint (correlated) scenario`,
        `Method: the equal-weight basket of the assets' daily log returns on the ${j.days} dates they all have; the basket's own historical VaR / ES is its move x_b, and each asset moves by its expectation given the basket's move under the sample covariance, x_i = mu_i + beta_i (x_b - mu_b) with beta_i = cov(r_i, b) / var(b) (exact for jointly normal returns). Perfectly correlated assets each move by their own VaR, uncorrelated ones by less. "All, each at its own" instead moves every asset by its own VaR / ES at once (the co-monotone bound).`,
        table(
          ["", ...names],
          j.correlation.map((row, i) => [`corr ${names[i]}`, ...row.map((x) => x.toFixed(2))]),
        ),
        table(
          ["joint move", ...names],
          (
            [
              ["VaR down", j.varDown],
              ["ES down", j.esDown],
              ["VaR up", j.varUp],
              ["ES up", j.esUp],
            ] as const
          ).map(([k, m]) => [k, ...names.map((a) => fmtPct(priceMove(m[a] ?? 0), true))]),
        ),
      );
    }
  }
  if (cascades.length > 0) {
    out.push(
      `## Liquidation cascade, against the insurance fund and the pool`,
      "After the gap, accounts under maintenance are liquidated in rounds. Each round's closes in a market are one flow on top of the cascade's earlier flow; they fill at the model's `fillPrice` with the market's skewScale (docs/math.md \"Fill price\") and move the price to the marginal fill after them, p_gap (1 + cumulative flow / skewScale), which can push more accounts under. Each market closes at most `maxLiquidationPerWindow` of notional in the window in progress; what the cap holds back stays open, waits and is marked (and finally closed) at the final price. Repeated to a fixed point. An account's first close charges a full close's liquidation fee at that round's fills, within what it can pay (as in the instant gap). Bad debt = shortfall, the debt no collateral backs. Fund % = bad debt / the insurance fund now; pool % = of the pool's value now. Covered = what the fund (plus the liquidation penalties it receives) pays; socialised = the rest, a loss to the LPs.",
    );
    const f = usdOf(fund, qd);
    for (const { grid, results } of cascades) {
      const rows = results.flat().map((c) => fundRow(c, qd, fund));
      out.push(
        `### ${grid.title}`,
        table(
          [
            "scenario",
            "rounds",
            "accounts liquidated",
            "notional closed",
            "waiting on the cap",
            "extra move from the cascade",
            "bad debt, gap only",
            "bad debt with cascade",
            "% of fund",
            "% of pool",
            "covered",
            "socialised",
            "socialised % of pool",
          ],
          rows.map((r) => [
            r.scenario,
            r.rounds,
            r.liquidated,
            fmtUsd(r.notionalClosedUsd),
            fmtUsd(r.notionalWaitingUsd),
            moves(r.extraMove),
            `${fmtUsd(r.badDebtInstantUsd)} (${fmtPct(r.pctOfFundInstant)} of fund)`,
            fmtUsd(r.badDebtCascadeUsd),
            fmtPct(r.pctOfFundCascade),
            fmtPct(r.pctOfPoolCascade, false, 2),
            fmtUsd(r.coveredUsd),
            fmtUsd(r.socialisedUsd),
            fmtPct(r.socialisedPctOfPool, false, 2),
          ]),
        ),
      );
    }
    const rec = recommendFund(cascades, qd, fund);
    if (rec) {
      out.push(
        `## Recommended insurance fund`,
        `**${fmtUsd(rec.recommendedUsd)}** against ${fmtUsd(f)} now (${rec.currentUsd > 0 ? `${(rec.recommendedUsd / rec.currentUsd).toFixed(2)}x` : "no fund"}). Worst ES scenario: ${rec.scenario}, bad debt ${fmtUsd(rec.worstShortfallUsd)}; in it the fund also buys ${fmtUsd(rec.collateralPurchasesUsd)} of seized collateral and receives ${fmtUsd(rec.penaltiesUsd)} of penalties.`,
        `Method: ${rec.method}.`,
      );
    }
  }
  return out;
}

/** The largest extra move of any market in the scenario, in basis points. */
function maxMove(r: FundRow): string {
  const m = Object.values(r.extraMove).reduce((a, x) => (Math.abs(x) > Math.abs(a) ? x : a), 0);
  return `${m > 0 ? "+" : ""}${(m * 1e4).toFixed(2)} bp`;
}

/** Terminal lines: VaR / ES per asset, the cascade of the volatility-scaled grid, the fund. */
export function terminalFund(
  v: VarResult | undefined,
  cascades: readonly CascadeGrid[],
  qd: number,
  fund: bigint,
): string {
  const lines: string[] = [];
  if (v) {
    lines.push(`1-day ${Math.round(v.level * 100)} % VaR / ES (historical, ${v.windowDays} days):`);
    for (const a of v.assets)
      lines.push(
        `  ${a.asset.padEnd(5)} down VaR ${fmtPct(priceMove(-a.varDown), true).padStart(8)} ES ${fmtPct(priceMove(-a.esDown), true).padStart(8)}   up VaR ${fmtPct(priceMove(a.varUp), true).padStart(8)} ES ${fmtPct(priceMove(a.esUp), true).padStart(8)}${a.proxy ? `  (${a.proxy})` : ""}`,
      );
  }
  const vs = cascades[0];
  if (vs) {
    lines.push(
      "",
      `cascade (${vs.grid.title}): rounds, closed, waiting on cap, largest extra move, bad debt gap -> cascade, % fund, % pool`,
    );
    const name = (i: number, k: number): string =>
      `${vs.grid.rows[i] ?? ""}: ${vs.grid.cols[k] ?? ""}`;
    const w = Math.max(...vs.results.flatMap((row, i) => row.map((_, k) => name(i, k).length)));
    for (const [i, row] of vs.results.entries()) {
      for (const [k, c] of row.entries()) {
        const r = fundRow(c, qd, fund);
        lines.push(
          `  ${name(i, k).padEnd(w)} ${String(r.rounds).padStart(3)} ${fmtUsd(r.notionalClosedUsd).padStart(13)} ${fmtUsd(r.notionalWaitingUsd).padStart(12)} ${maxMove(r).padStart(10)}  ${fmtUsd(r.badDebtInstantUsd).padStart(11)} -> ${fmtUsd(r.badDebtCascadeUsd).padStart(11)} ${fmtPct(r.pctOfFundCascade).padStart(9)} ${fmtPct(r.pctOfPoolCascade, false, 2).padStart(8)}`,
        );
      }
    }
    const rec = recommendFund(cascades, qd, fund);
    if (rec)
      lines.push(
        "",
        `recommended insurance fund: ${fmtUsd(rec.recommendedUsd)} (worst ES99 1d bad debt after the cascade, ${rec.scenario.replace(/ \([^()]*\)$/, "")}); fund now ${fmtUsd(rec.currentUsd)}`,
      );
  }
  return lines.join("\n");
}

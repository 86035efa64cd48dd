/** The risk tool's outputs: risk.md (tables), risk.json, scenarios.csv and heat maps. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { heatmap, saveSvg } from "../report/svg";
import { ShockGrid, ShockResult, usdOf } from "./shocks";
import { CrossCheck } from "./source";
import {
  CascadeGrid,
  fmtPct,
  fmtUsd,
  fundRow,
  fundSections,
  recommendFund,
  terminalFund,
} from "./report-fund";
import { VarResult } from "./var";

export interface RiskReportInput {
  source: string;
  block: number;
  accounts: number;
  activeAccounts: number;
  quoteDecimals: number;
  insuranceFund: bigint;
  prices: { name: string; price: number }[];
  crossCheck: CrossCheck;
  grids: { grid: ShockGrid; results: ShockResult[][] }[];
  /** 1-day VaR / ES per asset and the joint scenario. */
  var?: VarResult;
  /** Scenarios run with the liquidation cascade (the first: the volatility-scaled grid). */
  cascades?: CascadeGrid[];
}

const usd = (x: number): string => fmtUsd(x);

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.map(String).join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

interface Row {
  scenario: string;
  underMaintenance: number;
  bankrupt: number;
  shortfallUsd: number;
  collateralSetUsd: number;
  coveredUsd: number;
  socialisedUsd: number;
  liquidationFeesUsd: number;
  fundInflowUsd: number;
  seizedCollateralUsd: number;
  poolValueChangeUsd: number;
  shortfallPctOfFund: number;
  shortfallPctOfPool: number;
}

function rowOf(r: ShockResult, qd: number, fund: bigint): Row {
  const f = usdOf(fund, qd);
  const pool = usdOf(r.poolValueNow, qd);
  const short = usdOf(r.shortfall, qd);
  return {
    scenario: r.shock.label,
    underMaintenance: r.underMaintenance,
    bankrupt: r.bankrupt,
    shortfallUsd: usdOf(r.shortfall, qd),
    collateralSetUsd: usdOf(r.collateralSet, qd),
    coveredUsd: usdOf(r.covered, qd),
    socialisedUsd: usdOf(r.socialised, qd),
    liquidationFeesUsd: usdOf(r.liquidationFees, qd),
    fundInflowUsd: usdOf(r.fundInflow, qd),
    seizedCollateralUsd: Number(r.seizedUsd) / 1e18,
    poolValueChangeUsd: usdOf(r.poolValueShocked - r.poolValueNow, qd),
    shortfallPctOfFund: f > 0 ? short / f : short > 0 ? Infinity : 0,
    shortfallPctOfPool: pool > 0 ? short / pool : 0,
  };
}

function matrix(
  g: ShockGrid,
  results: ShockResult[][],
  f: (r: ShockResult) => number,
): (number | null)[][] {
  return results.map((row) => row.map(f));
}

/** Writes the report files; returns the rows of every scenario. */
export function writeRiskReport(input: RiskReportInput, dir: string): Row[] {
  mkdirSync(dir, { recursive: true });
  const qd = input.quoteDecimals;
  const rows: Row[] = input.grids.flatMap(({ results }) =>
    results.flat().map((r) => rowOf(r, qd, input.insuranceFund)),
  );
  const charts: { file: string; title: string }[] = [];
  for (const [k, { grid, results }] of input.grids.entries()) {
    const tag = k === 0 ? "families" : grid.title.startsWith("Volatility") ? "var" : `pair-${k}`;
    const maps: [string, string, (r: ShockResult) => number, "magma" | "blues" | "greenRed"][] = [
      ["shortfall", "Shortfall (USD)", (r) => usdOf(r.shortfall, qd), "magma"],
      ["under-maintenance", "Accounts under maintenance", (r) => r.underMaintenance, "blues"],
      ["socialised", "Socialised to LPs (USD)", (r) => usdOf(r.socialised, qd), "magma"],
    ];
    for (const [name, title, f, scale] of maps) {
      if (k > 0 && name !== "shortfall") continue;
      const file = `risk-${tag}-${name}.svg`;
      saveSvg(
        path.join(dir, file),
        heatmap({
          title: `${title}: ${grid.title}`,
          xLabels: grid.cols,
          yLabels: grid.rows,
          values: matrix(grid, results, f),
          colourScale: scale,
          unit: name === "under-maintenance" ? "accounts" : "USD",
          xLabel: grid.xLabel,
          yLabel: grid.yLabel,
        }),
      );
      charts.push({ file, title: `${title}: ${grid.title}` });
    }
  }
  const head = Object.keys(rows[0] ?? {});
  writeFileSync(
    path.join(dir, "scenarios.csv"),
    [head.join(","), ...rows.map((r) => Object.values(r).map(String).join(","))].join("\n") + "\n",
  );
  writeFileSync(
    path.join(dir, "risk.json"),
    JSON.stringify(
      {
        source: input.source,
        block: input.block,
        accounts: input.accounts,
        activeAccounts: input.activeAccounts,
        insuranceFundUsd: usdOf(input.insuranceFund, qd),
        prices: input.prices,
        crossCheck: {
          accounts: input.crossCheck.accounts,
          agree: input.crossCheck.agree,
          mismatches: input.crossCheck.mismatches,
          poolValue: {
            model: input.crossCheck.poolValue.model.toString(),
            chain: input.crossCheck.poolValue.chain.toString(),
          },
        },
        scenarios: rows,
        ...(input.var ? { var: input.var } : {}),
        ...(input.cascades
          ? {
              cascade: input.cascades.map((c) => ({
                grid: c.grid.title,
                scenarios: c.results.flat().map((x) => ({
                  ...fundRow(x, qd, input.insuranceFund),
                  truncated: x.truncated,
                  markets: x.markets.map((m) => ({
                    name: m.name,
                    gapPrice: Number(m.gapPrice) / 1e18,
                    finalPrice: Number(m.finalPrice) / 1e18,
                    extraMove: m.extraMove,
                    closedUsd: Number(m.closed) / 1e18,
                    waitingUsd: Number(m.waiting) / 1e18,
                  })),
                })),
              })),
              recommendedInsuranceFund: recommendFund(input.cascades, qd, input.insuranceFund),
            }
          : {}),
      },
      null,
      2,
    ) + "\n",
  );
  const cc = input.crossCheck;
  const [fam] = input.grids;
  const md = [
    `# Crossmargin risk scenarios`,
    `Source: ${input.source}, block ${input.block}. ${input.accounts} accounts (${input.activeAccounts} with positions or debt); insurance fund ${usd(usdOf(input.insuranceFund, qd))}.`,
    `Prices: ${input.prices.map((p) => `${p.name} ${fmtUsd(p.price)}`).join(", ")}. Pool value ${usd(usdOf(input.grids[0]?.results[0]?.[0]?.poolValueNow ?? 0n, qd))}.`,
    `## Cross-check at zero shock`,
    cc.mismatches.length === 0
      ? `The TypeScript model's equity, IM and MM agree with \`engine.accountHealth\` to the wei for all ${cc.accounts} accounts, and its pool value with \`engine.poolValue\` (${cc.poolValue.chain}).`
      : `**${cc.mismatches.length} MISMATCHES** between the model and the engine:\n\n\`\`\`\n${cc.mismatches.slice(0, 30).join("\n")}\n\`\`\``,
    `## How to read`,
    "Every price moves at once by the scenario's amount (collateral tokens with their market's asset); funding indices are held at their current values. " +
      "An account under maintenance is liquidated; if its weighted equity is negative once every position is closed and the liquidation fee paid, its negative quote balance is shortfall. " +
      "The insurance fund covers the shortfall as far as its balance plus its share of the liquidation fees go; the rest is socialised (the pool's share price falls). " +
      "Pool value change = the traders' open PnL change at the shocked prices (the pool is their counterparty) minus the socialised loss. These grids are instant gaps; the cascade section below adds the liquidations' price impact and the window caps.",
    ...fundSections(input.var, input.cascades ?? [], qd, input.insuranceFund),
    ...(fam
      ? [
          `## Shortfall by scenario (USD)`,
          table(
            ["scenario", ...fam.grid.cols],
            fam.results.map((row, i) => [
              fam.grid.rows[i] as string,
              ...row.map((r) => `${usd(usdOf(r.shortfall, qd))} (${r.underMaintenance})`),
            ]),
          ),
          "Cells: shortfall (accounts under maintenance).",
        ]
      : []),
    `## Charts`,
    ...charts.map((c) => `### ${c.title}\n\n![${c.title}](${c.file})`),
    `## Every scenario`,
    table(
      [
        "scenario",
        "under MM",
        "bankrupt",
        "shortfall",
        "set against collateral",
        "covered by fund",
        "socialised",
        "liq. fees",
        "fund inflow",
        "collateral backing debt",
        "pool value change",
        "shortfall % of fund",
        "shortfall % of pool",
      ],
      rows.map((r) => [
        r.scenario,
        r.underMaintenance,
        r.bankrupt,
        usd(r.shortfallUsd),
        usd(r.collateralSetUsd),
        usd(r.coveredUsd),
        usd(r.socialisedUsd),
        usd(r.liquidationFeesUsd),
        usd(r.fundInflowUsd),
        usd(r.seizedCollateralUsd),
        usd(r.poolValueChangeUsd),
        fmtPct(r.shortfallPctOfFund),
        fmtPct(r.shortfallPctOfPool, false, 2),
      ]),
    ),
  ];
  writeFileSync(path.join(dir, "risk.md"), md.join("\n\n") + "\n");
  return rows;
}

/** Compact terminal table of the first grid: shortfall (accounts under maintenance). */
export function terminalRiskTable(input: RiskReportInput): string {
  const [fam] = input.grids;
  if (!fam) return "";
  const qd = input.quoteDecimals;
  const cells = fam.results.map((row) =>
    row.map((r) => `${usd(usdOf(r.shortfall, qd))}/${r.underMaintenance}`),
  );
  const w0 = Math.max(...fam.grid.rows.map((r) => r.length), 8);
  const w =
    Math.max(...cells.flat().map((c) => c.length), ...fam.grid.cols.map((c) => c.length)) + 1;
  const lines = [
    `shortfall USD / accounts under maintenance`,
    `${"".padEnd(w0)} ${fam.grid.cols.map((c) => c.padStart(w)).join("")}`,
    ...cells.map(
      (row, i) =>
        `${(fam.grid.rows[i] as string).padEnd(w0)} ${row.map((c) => c.padStart(w)).join("")}`,
    ),
  ];
  const tail = terminalFund(input.var, input.cascades ?? [], qd, input.insuranceFund);
  return [...lines, ...(tail ? ["", tail] : [])].join("\n");
}

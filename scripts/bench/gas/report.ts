/** The benchmark's table: gas per scenario against the committed snapshot and the targets. */
import fs from "fs";
import path from "path";
import { Results } from "./bench";

export const SNAPSHOT = path.join(__dirname, "..", "..", "..", "gas-snapshot.json");
/** A scenario that grew by more than this share of its snapshot fails the run. */
export const TOLERANCE = 0.02;

/** Gas targets of the realistic cases: reported, never enforced. */
export const TARGETS: Record<string, number> = {
  "deposit (repeat)": 60_000,
  "withdraw (one open position)": 100_000,
  "open position (market in use)": 125_000,
  "open position (first in market)": 135_000,
  "increase position": 90_000,
  "close position": 90_000,
  "close one of 10 positions (3 collaterals)": 140_000,
  "trade, 10 positions + 3 collaterals": 300_000,
  "marginal gas per extra position (slope)": 22_000,
  "liquidate (one position)": 150_000,
  "liquidate (10 positions + 3 collaterals, 2 closed)": 420_000,
  "commitOrder (one position)": 85_000,
  "settleOrder (one position)": 120_000,
};

interface Row {
  scenario: string;
  gas: number;
  snapshot: number | string;
  change: string;
  target: number | string;
  "vs target": string;
}

export function readSnapshot(): Results {
  return fs.existsSync(SNAPSHOT) ? JSON.parse(fs.readFileSync(SNAPSHOT, "utf8")) : {};
}

export function writeSnapshot(results: Results): void {
  fs.writeFileSync(SNAPSHOT, JSON.stringify(results, null, 2) + "\n");
  console.log(`snapshot written to ${path.relative(process.cwd(), SNAPSHOT)}`);
}

export function rows(results: Results, previous: Results): Row[] {
  return Object.entries(results).map(([scenario, gas]) => {
    const before = previous[scenario];
    const target = TARGETS[scenario];
    return {
      scenario,
      gas,
      snapshot: before ?? "-",
      change: before ? `${(((gas - before) / before) * 100).toFixed(2)} %` : "new",
      target: target ?? "-",
      "vs target": target === undefined ? "-" : gas <= target ? "ok" : `over by ${gas - target}`,
    };
  });
}

/** Scenarios that grew more than the tolerance over their snapshot (new ones never do). */
export function regressions(table: Row[]): string[] {
  return table
    .filter((row) => typeof row.snapshot === "number" && row.gas > row.snapshot * (1 + TOLERANCE))
    .map((row) => row.scenario);
}

export function printTable(results: Results, table: Row[]): void {
  console.table(table);
  const multicall = results["5-market rebalance in one multicall"];
  const separate = results["5 separate trades (total)"];
  if (multicall && separate) {
    const saving = (100 * (1 - multicall / separate)).toFixed(1);
    console.log(`multicall saves ${saving} % over 5 separate trades`);
  }
  const targets = table.filter((row) => row.target !== "-");
  const met = targets.filter((row) => row["vs target"] === "ok").length;
  console.log(`targets met: ${met} of ${targets.length} (reported, not enforced)`);
}

/**
 * `npm run bench:gas`: deterministic gas benchmark of the hot paths on the in-process network
 * (MockV3Aggregator feeds). Prints a table, compares with the committed gas-snapshot.json and
 * fails if any scenario grew more than 2 %; the targets of the realistic cases are reported,
 * not enforced. `npm run bench:gas:update` rewrites the snapshot.
 *
 * Each suite (scripts/bench/gas/) runs on its own copy of the same base state (an EVM snapshot
 * taken after deployment), with its own accounts, so suites never disturb each other.
 */
import hre from "hardhat";
import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithHardhat } from "../../deploy/hardhat";
import { Results, Suite, baseFixture, splits } from "./gas/bench";
import { deposits, firstInMarket, positionLifecycle } from "./gas/positions";
import { positionSlope, rebalance, tenPositionAccounts } from "./gas/portfolio";
import { delayedOrder } from "./gas/orders";
import { liquidateOne, liquidateTwoOfTen } from "./gas/liquidation";
import { hedgedPair, protectedAccount } from "./gas/risk";
import { autoDeleverage, poolExit } from "./gas/pool";
import {
  TARGETS,
  TOLERANCE,
  printTable,
  readSnapshot,
  regressions,
  rows,
  writeSnapshot,
} from "./gas/report";

const SUITES: Suite[] = [
  deposits,
  firstInMarket,
  positionLifecycle,
  tenPositionAccounts,
  positionSlope,
  rebalance,
  delayedOrder,
  liquidateOne,
  liquidateTwoOfTen,
  hedgedPair,
  protectedAccount,
  poolExit,
  autoDeleverage,
];

async function run(): Promise<Results> {
  const bench = await baseFixture(() => deployWithHardhat(hre, { persist: false }));
  const base = await takeSnapshot();
  const results: Results = {};
  // GAS_SUITES=positionSlope,liquidateTwoOfTen runs only those (a quick look while iterating;
  // never with an update)
  const only = process.env.GAS_SUITES?.split(",");
  for (const suite of SUITES.filter((x) => !only || only.includes(x.name))) {
    await base.restore();
    for (const [key, gas] of Object.entries(await suite(bench))) {
      if (key in results) throw new Error(`gas bench: scenario "${key}" measured twice`);
      results[key] = gas;
    }
  }
  return results;
}

async function main(): Promise<void> {
  const results = await run();
  const update = process.env.UPDATE_GAS_SNAPSHOT === "1"; // hardhat run passes no script flags
  if (update && process.env.GAS_SUITES) throw new Error("gas bench: GAS_SUITES with an update");
  const previous = readSnapshot();
  const table = rows(results, previous);
  printTable(results, table);
  if (process.env.GAS_SPLIT) printSplits(results);
  if (update || Object.keys(previous).length === 0) {
    writeSnapshot(results);
    return;
  }
  const grown = regressions(table);
  if (grown.length > 0) {
    console.error(`gas grew more than ${TOLERANCE * 100} % in: ${grown.join(", ")}`);
    process.exitCode = 1;
  }
}

/** Each target's gas split into the work before any arithmetic (intrinsic gas, calldata, cold
 *  reads, writes, logs, calls) and the arithmetic (every other opcode, with warm reads and
 *  hashing), and what the target leaves for the arithmetic (docs/gas.md). */
function printSplits(results: Results): void {
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  console.log("key | gas | before arithmetic | arithmetic | target | left for arithmetic");
  for (const [key, target] of Object.entries(TARGETS)) {
    const gas = results[key];
    const p = splits.get(gas);
    if (!p) continue; // a derived figure (the slope), not one transaction
    const arith = (p["other"] ?? 0) + (p["SLOAD warm"] ?? 0) + (p["KECCAK"] ?? 0);
    const left = target - (gas - arith);
    console.log(
      `${key} | ${k(gas)} | ${k(gas - arith)} | ${k(arith)} | ${k(target)} | ${left > 0 ? k(left) : `none (${k(left)})`}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

/** A tiny simulation on anvil (`--node anvil`, the default of `npm run simulate`): the node starts
 *  on a free port, the system deploys over HTTP, a short crash runs with every invariant holding,
 *  the run is the same as on Hardhat's in-process network for the same seed, summary.json counts
 *  the node's memory, and no anvil process is left behind once the node is closed. */
import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MarketSimulation, SimResult } from "../../../src/sim/market-sim";
import { withDefaults } from "../../../src/sim/options";
import { writeReport } from "../../../src/sim/report";
import { SimNode, openSimNode } from "../../../src/sim/sim-node";
import { anvilArgs, anvilBinary, procPeakRss } from "../../../src/devnet/anvil";

const OPTIONS = withDefaults({
  scenario: "crash",
  seed: "anvil-test",
  traders: 6,
  lps: 2,
  steps: 6,
  dtMinutes: 5,
  crashAtStep: 2,
  crashMinutes: 10,
  progress: false,
  quiet: true,
});

/** What a run produced on chain, without timings: the same seed must give the same numbers. */
function outcome(r: SimResult): unknown {
  return {
    records: r.records,
    totals: r.totals,
    finalValueUsd: r.finalValueUsd,
    invariants: r.invariants.map((c) => [c.name, c.runs]),
  };
}

const json = (x: unknown): string =>
  JSON.stringify(x, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

describe("simulator on anvil", function () {
  this.timeout(120_000);
  let node: SimNode | undefined;
  let pid = 0;
  let result: SimResult;

  before(async () => {
    node = await openSimNode("anvil", hre);
    pid = node.pid ?? 0;
    const sim = new MarketSimulation({ provider: node.provider, system: node.system }, OPTIONS);
    result = await sim.run();
  });

  after(async () => {
    await node?.close();
  });

  it("resolves the native binary and mirrors the in-process network's settings", () => {
    expect(anvilBinary()).to.match(/@foundry-rs[/\\]anvil-[a-z0-9]+-[a-z0-9]+[/\\]bin[/\\]anvil/);
    const args = anvilArgs(8545).join(" ");
    for (const a of ["--chain-id 31337", "--hardfork cancun", "--gas-limit 30000000"]) {
      expect(args).to.contain(a);
    }
  });

  it("runs a short crash with every invariant holding", () => {
    expect(result.violation, result.violation?.message).to.equal(undefined);
    expect(result.stepsRun).to.equal(6);
    expect(result.invariants.find((c) => c.name === "quote conservation")?.runs).to.equal(7);
    expect(result.totals.trades).to.be.greaterThan(0);
  });

  it("counts the node's peak memory in summary.json", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sim-anvil-"));
    writeReport(result, dir, "test", node!.stats());
    const s = JSON.parse(readFileSync(path.join(dir, "summary.json"), "utf8"));
    expect(s.node).to.equal("anvil");
    expect(s.nodePeakRssBytes).to.be.greaterThan(1e6);
    expect(s.peakRssBytes).to.be.greaterThan(s.nodePeakRssBytes);
  });

  it("gives the same run as the in-process network for the same seed", async () => {
    const hh = await openSimNode("hardhat", hre);
    const sim = new MarketSimulation({ provider: hh.provider, system: hh.system }, OPTIONS);
    try {
      expect(json(outcome(await sim.run()))).to.equal(json(outcome(result)));
    } finally {
      await hh.provider.request({ method: "evm_setAutomine", params: [true] });
    }
  });

  it("leaves no anvil process behind", async () => {
    const n = node as SimNode;
    expect(pid).to.be.greaterThan(0);
    expect(procPeakRss(pid)).to.be.greaterThan(0);
    await n.close();
    node = undefined;
    expect(() => process.kill(pid, 0)).to.throw();
  });
});

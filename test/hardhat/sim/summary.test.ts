/** A tiny end-to-end run at the oracle cadence (a few traders through a short crash, 1-minute
 *  updates, a keeper latency): summary.json carries the stress runner's fields, all finite, and
 *  no account the keeper could see is left liquidatable after its passes. */
import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSystem } from "../../helpers/fixture";
import { MarketSimulation } from "../../../src/sim/market-sim";
import { withDefaults } from "../../../src/sim/options";
import { writeReport } from "../../../src/sim/report";
import { SUMMARY_FIELDS } from "../../../src/stress/stats";

// Exactly the names the stress runner reads.
const FIELDS = SUMMARY_FIELDS;

describe("simulator: summary.json at the oracle cadence", function () {
  this.timeout(300_000);

  after(async () => {
    await hre.network.provider.request({ method: "evm_setAutomine", params: [true] });
  });

  it("writes every headline field, finite, with nothing left liquidatable after a pass", async () => {
    const sys = await loadSystem();
    const opts = withDefaults({
      scenario: "crash",
      seed: "summary-test",
      traders: 6,
      lps: 2,
      steps: 6,
      dtMinutes: 5,
      oracleIntervalSec: 60,
      keeperLatencySec: 30,
      crashAtStep: 2,
      crashMinutes: 10,
      progress: false,
      quiet: true,
    });
    const sim = new MarketSimulation({ provider: hre.network.provider, system: sys }, opts);
    const result = await sim.run();
    expect(result.violation, result.violation?.message).to.equal(undefined);
    expect(sim.scenario.ticksPerStep).to.equal(5);
    const dir = mkdtempSync(path.join(tmpdir(), "sim-summary-"));
    writeReport(result, dir, "test");
    const json = JSON.parse(readFileSync(path.join(dir, "summary.json"), "utf8")) as Record<
      string,
      unknown
    >;
    for (const f of FIELDS) {
      expect(json[f], f).to.be.a("number");
      expect(Number.isFinite(json[f] as number), f).to.equal(true);
    }
    expect(json.accountsLiquidatableAfterPass).to.equal(0);
    expect(json.insuranceFundStartUsd as number).to.be.greaterThan(0);
    expect(json.peakRssBytes as number).to.be.greaterThan(1e6);
    expect(json.minLpSharePrice as number).to.be.greaterThan(0);
  });
});

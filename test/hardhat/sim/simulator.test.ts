/** A short agent-based simulation (16 traders, 14 steps through a -40 % crash) on the real
 *  deployment: every invariant holds at every step, tokens are conserved to the wei when read
 *  back independently at the end, every account left liquidatable was liquidated, the report is
 *  written, and the invariant checker does catch a broken conservation. */
import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSystem } from "../../helpers/fixture";
import type { System } from "../../helpers/fixture";
import { insuranceAccrued } from "../../helpers/fund";
import { creditedKeepers } from "../../helpers/orders";
import { MarketSimulation, SimResult } from "../../../src/sim/market-sim";
import { withDefaults } from "../../../src/sim/options";
import { buildScenario } from "../../../src/sim/scenarios";
import { InvariantViolation } from "../../../src/sim/invariants";
import { emptyEvents } from "../../../src/sim/events";
import { writeReport } from "../../../src/sim/report";
import { loadProtocolView } from "../../../src/chain/reader";

const OPTIONS = withDefaults({
  scenario: "crash",
  seed: "sim-test",
  traders: 16,
  lps: 3,
  steps: 14,
  crashAtStep: 4,
  checkEvery: 3,
  fullCheckEvery: 7,
  progress: false,
  quiet: true,
});

describe("simulator: a short crash run", function () {
  this.timeout(600_000);
  let sys: System;
  let sim: MarketSimulation;
  let result: SimResult;

  before(async () => {
    sys = await loadSystem();
    sim = new MarketSimulation({ provider: hre.network.provider, system: sys }, OPTIONS);
    result = await sim.run();
  });

  after(async () => {
    await hre.network.provider.request({ method: "evm_setAutomine", params: [true] });
  });

  it("runs every step with every invariant holding", () => {
    expect(result.violation, result.violation?.message).to.equal(undefined);
    expect(result.stepsRun).to.equal(14);
    expect(result.records).to.have.length(14);
    const names = result.invariants.map((c) => c.name);
    expect(names).to.include.members([
      "quote conservation",
      "collateral conservation",
      "open interest",
      "pool ledger",
      "insurance ledger",
      "no liquidatable account after the keeper",
      "model cross-check",
      "ledger sync",
    ]);
    const conservation = result.invariants.find((c) => c.name === "quote conservation");
    expect(conservation?.runs).to.equal(15); // after setup and after each of the 14 steps
  });

  it("went through a crash that liquidated accounts", () => {
    expect(result.totals.trades).to.be.greaterThan(0);
    expect(result.totals.positionsLiquidated).to.be.greaterThan(0);
    expect(result.keeper.liquidationsWon).to.be.greaterThan(0);
    const ev = result.scenario.events.find((e) => e.kind === "crash");
    expect(ev?.fromStep).to.equal(4);
  });

  it("conserves every token to the wei (read back independently)", async () => {
    const engine = await sys.engine.getAddress();
    // the traders' accounts and the keepers' accounts credited order fees (INV-71)
    const traders = result.traders.map((t) => t.account);
    const ids = [...new Set([...traders, ...(await creditedKeepers(sys.engine))])];
    let quote = 0n;
    const coll: Record<string, bigint> = {};
    for (const id of ids) {
      quote += (await sys.engine.getAccount(id)).quoteBalance;
      for (const [sym, token] of Object.entries(sys.collaterals)) {
        const b = await sys.engine.collateralBalance(id, await token.getAddress());
        coll[sym] = (coll[sym] ?? 0n) + b;
      }
    }
    expect(await sys.quote.balanceOf(engine)).to.equal(
      quote + (await sys.engine.poolBalance()) + (await insuranceAccrued(sys.engine)),
    );
    for (const [sym, token] of Object.entries(sys.collaterals)) {
      expect(await token.balanceOf(engine), sym).to.equal(coll[sym]);
    }
    for (let m = 0; m < 3; m++) {
      let long = 0n;
      let short = 0n;
      for (const id of ids) {
        const s = (await sys.engine.getPosition(id, m)).size;
        if (s > 0n) long += s;
        else short -= s;
      }
      const st = await sys.engine.getMarketState(m);
      expect(st.longOI, `market ${m} long`).to.equal(long);
      expect(st.shortOI, `market ${m} short`).to.equal(short);
    }
  });

  it("left no liquidatable account that was not liquidated", async () => {
    const window = new Set(result.windowLimited.at(-1)?.accounts.map(String) ?? []);
    for (const t of result.traders) {
      if (await sys.engine.isLiquidatable(t.account)) {
        expect(window.has(String(t.account)), `account ${t.account}`).to.equal(true);
        expect(t.liquidations).to.be.greaterThan(0);
      }
    }
  });

  it("writes report.md, summary.json and the charts", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sim-report-"));
    const s = writeReport(result, dir, "test");
    expect(s.invariantsHeld).to.equal(true);
    const json = JSON.parse(readFileSync(path.join(dir, "summary.json"), "utf8"));
    expect(json.liquidations.positions).to.equal(result.totals.positionsLiquidated);
    expect(readFileSync(path.join(dir, "report.md"), "utf8")).to.contain("All invariants held");
    for (const f of [
      "prices",
      "open-interest",
      "insurance-fund",
      "pool-share-price",
      "liquidations",
      "bad-debt",
    ]) {
      const file = path.join(dir, `${f}.svg`);
      expect(existsSync(file), f).to.equal(true);
      expect(readFileSync(file, "utf8").startsWith("<svg")).to.equal(true);
    }
  });

  it("stops on a broken conservation (a donation to the vault)", async () => {
    const [deployer] = await hre.ethers.getSigners();
    await (await sys.quote.mint(deployer.address, 1n)).wait();
    await (await sys.quote.transfer(await sys.engine.getAddress(), 1n)).wait();
    sim.reader.pin();
    const view = await loadProtocolView(sim.reader, await sys.engine.getAddress(), sim.marketNames);
    let caught: unknown;
    try {
      await sim.invariants.conservation(99, sim.ledger, view, emptyEvents());
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(InvariantViolation);
    expect((caught as InvariantViolation).check).to.equal("quote conservation");
    expect((caught as InvariantViolation).details.join(" ")).to.contain("difference 1");
  });

  it("builds the same price paths and agents from the same seed", () => {
    const a = buildScenario({ scenario: "crash", seed: "x", steps: 20, dtSeconds: 900 });
    const b = buildScenario({ scenario: "crash", seed: "x", steps: 20, dtSeconds: 900 });
    const c = buildScenario({ scenario: "crash", seed: "y", steps: 20, dtSeconds: 900 });
    expect(a.assets).to.deep.equal(b.assets);
    expect(a.assets).to.not.deep.equal(c.assets);
    const h = buildScenario({
      scenario: "historical",
      seed: 1,
      dtSeconds: 3600,
      from: "2020-03-12",
      to: "2020-03-12",
    });
    expect(h.steps).to.equal(23);
    const eth = h.assets[0]?.prices ?? [];
    expect(Math.min(...eth)).to.be.closeTo(111.21, 0.01); // Black Thursday's low
  });
});

// The stress runner (npm run stress): statistics against hand computations, the plan, the
// worker pool with a stand-in simulation (parallelism, failures reported, not fatal), and one
// tiny real run of the simulator end to end.
import { expect } from "chai";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseStressArgs, plan, scenarioArgs, StressOptions } from "../../../src/stress/plan";
import { runPlan } from "../../../src/stress/runner";
import {
  RunOutcome,
  barVerdict,
  outcomeOf,
  quantile,
  scenarioStats,
} from "../../../src/stress/stats";
import { buildReport, writeStressReport } from "../../../src/stress/report";

const ROOT = path.resolve(__dirname, "../../..");

function outcome(over: Partial<RunOutcome>): RunOutcome {
  return {
    scenario: "crash",
    seed: "1",
    badDebtUsd: 0,
    socialisedUsd: 0,
    insuranceFundStartUsd: 10_000,
    insuranceFundEndUsd: 10_000,
    collateralSetAgainstDebtUsd: 0,
    unpaidWithdrawalsUsd: 0,
    adlEvents: 0,
    maxPoolNetExposureRatio: 0,
    accountsLiquidatableAfterPass: 0,
    minLpSharePrice: 1,
    lpDrawdown: 0,
    peakRssBytes: 0,
    wallSeconds: 0,
    ...over,
  };
}

function summaryJson(badDebt: number): Record<string, unknown> {
  return {
    badDebtUsd: badDebt,
    socialisedUsd: Math.max(0, badDebt - 100),
    insuranceFundStartUsd: 100,
    insuranceFundEndUsd: Math.max(0, 100 - badDebt),
    collateralSetAgainstDebtUsd: 0,
    unpaidWithdrawalsUsd: 0,
    adlEvents: 0,
    maxPoolNetExposureRatio: 0.1,
    accountsLiquidatableAfterPass: 0,
    minLpSharePrice: 0.9,
    peakRssBytes: 1e8,
    pool: { sharePriceStart: 1 },
    wallSeconds: { setup: 1, steps: 2 },
  };
}

describe("stress runner", () => {
  it("quantiles interpolate between order statistics (type 7), as computed by hand", () => {
    const xs = [4, 1, 3, 2];
    expect(quantile(xs, 0)).to.equal(1);
    expect(quantile(xs, 1)).to.equal(4);
    expect(quantile(xs, 0.5)).to.equal(2.5); // position 1.5
    expect(quantile(xs, 0.95)).to.be.closeTo(3.85, 1e-12); // position 2.85
    expect(quantile([7], 0.99)).to.equal(7);
    expect(Number.isNaN(quantile([], 0.5))).to.equal(true);
    expect(() => quantile(xs, 1.5)).to.throw(RangeError);
  });

  it("per-scenario figures: fund-out probability, p99 fund need, the bar verdict", () => {
    // 20 runs: bad debt 0, 1,000, ..., 19,000; the last 9 exceed the 10,000 fund.
    const runs = Array.from({ length: 20 }, (_, i) =>
      outcome({
        seed: String(i + 1),
        badDebtUsd: i * 1000,
        socialisedUsd: Math.max(0, i * 1000 - 10_000),
      }),
    );
    const s = scenarioStats("crash", runs);
    expect(s.runs).to.equal(20);
    expect(s.fundRunsOutProbability).to.equal(9 / 20);
    expect(s.metrics["badDebtUsd"]?.median).to.equal(9500);
    expect(s.metrics["badDebtUsd"]?.p95).to.be.closeTo(18_050, 1e-9); // 19 * 0.95 = 18.05
    expect(s.recommendedFundUsd).to.be.closeTo(18_810, 1e-9); // 19 * 0.99 = 18.81
    const v = barVerdict(s);
    expect(v.met).to.equal(false);
    expect(v.shortByUsd).to.be.closeTo(8_050, 1e-9);
    const calm = barVerdict(scenarioStats("calm", [outcome({ badDebtUsd: 50 })]));
    expect([calm.met, calm.shortByUsd]).to.deep.equal([true, 0]);
    const unpaid = barVerdict(scenarioStats("x", [outcome({ unpaidWithdrawalsUsd: 1 })]));
    expect(unpaid.met, "unpaid withdrawals fail the bar").to.equal(false);
  });

  it("a summary missing a field is named; the LP drawdown is from the start share price", () => {
    const o = outcomeOf("crash", "3", summaryJson(250));
    expect(o.lpDrawdown).to.be.closeTo(0.1, 1e-12);
    expect(o.wallSeconds).to.equal(3);
    const bad = summaryJson(1);
    delete bad["unpaidWithdrawalsUsd"];
    expect(() => outcomeOf("crash", "3", bad)).to.throw(/unpaidWithdrawalsUsd/);
  });

  it("options and plan: scenarios x seeds, historical windows, clear errors", () => {
    const o = parseStressArgs(
      [
        "--scenarios",
        "crash,historical:2020-03-09:2020-03-15",
        "--seeds",
        "3",
        "--first-seed",
        "5",
        "--traders",
        "7",
        "--",
        "--oracle-interval",
        "60",
      ],
      "/tmp",
    ) as StressOptions;
    const jobs = plan(o);
    expect(jobs.map((j) => `${j.scenario}#${j.seed}`)).to.deep.equal([
      "crash#5",
      "crash#6",
      "crash#7",
      "historical:2020-03-09:2020-03-15#5",
      "historical:2020-03-09:2020-03-15#6",
      "historical:2020-03-09:2020-03-15#7",
    ]);
    expect(jobs[3]?.args.slice(0, 6)).to.deep.equal([
      "--scenario",
      "historical",
      "--from",
      "2020-03-09",
      "--to",
      "2020-03-15",
    ]);
    expect(jobs[0]?.args).to.include.members([
      "--seed",
      "5",
      "--traders",
      "7",
      "--oracle-interval",
      "60",
    ]);
    expect(() => scenarioArgs("historical:2020-03-09")).to.throw(/YYYY-MM-DD/);
    expect(() => scenarioArgs("historical:2020-03-15:2020-03-09")).to.throw(/ends before/);
    expect(() => scenarioArgs("moon")).to.throw(/unknown scenario/);
    expect(() => parseStressArgs(["--seeds", "0"])).to.throw(/--seeds/);
    expect(() => parseStressArgs(["--", "--seed", "4"])).to.throw(/set by the stress runner/);
  });

  it("the pool runs jobs in parallel, keeps plan order, and reports a failed run", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "stress-"));
    const o = parseStressArgs([
      "--scenarios",
      "calm,trend",
      "--seeds",
      "3",
      "--out",
      dir,
      "--workers",
      "3",
    ]) as StressOptions;
    const jobs = plan(o);
    let running = 0;
    let peak = 0;
    // Stand-in simulation: writes a summary with bad debt = seed * 100 after 150 ms; trend seed 2 fails.
    const script = (out: string, seed: string, fail: boolean) =>
      fail
        ? "process.exit(3)"
        : `setTimeout(()=>{require('fs').mkdirSync(${JSON.stringify(out)},{recursive:true});require('fs').writeFileSync(${JSON.stringify(
            path.join(out, "summary.json"),
          )},JSON.stringify(${JSON.stringify(summaryJson(0)).replace('"badDebtUsd":0', `"badDebtUsd":${Number(seed) * 100}`)}))},150)`;
    const result = await runPlan(jobs, {
      workers: o.workers,
      root: ROOT,
      command: (job) => {
        running++;
        peak = Math.max(peak, running);
        return {
          file: process.execPath,
          args: ["-e", script(job.out, job.seed, job.scenario === "trend" && job.seed === "2")],
        };
      },
      onDone: () => running--,
    });
    expect(peak, "three at once").to.equal(3);
    expect(result.outcomes.map((r) => `${r.scenario}#${r.seed}:${r.badDebtUsd}`)).to.deep.equal([
      "calm#1:100",
      "calm#2:200",
      "calm#3:300",
      "trend#1:100",
      "trend#3:300",
    ]);
    expect(result.failures.map((f) => [f.scenario, f.seed, f.reason])).to.deep.equal([
      ["trend", "2", "exit code 3"],
    ]);
    const report = buildReport("test", o, result.outcomes, result.failures, 1);
    writeStressReport(report, dir);
    const md = readFileSync(path.join(dir, "report.md"), "utf8");
    expect(md).to.include("Failed runs").and.include("trend seed 2");
    expect(report.recommendedFundUsd).to.be.closeTo(300 - 0.01 * 200, 1e-9); // p99 of 100, 200, 300
    for (const f of [
      "bad-debt-box.svg",
      "lp-drawdown-box.svg",
      "bad-debt-histogram.svg",
      "stress.json",
    ])
      expect(existsSync(path.join(dir, f)), f).to.equal(true);

    // --resume reads the runs already there and runs only the missing one (trend seed 2).
    const ran: string[] = [];
    const again = await runPlan(jobs, {
      workers: 2,
      root: ROOT,
      resume: true,
      command: (job) => {
        ran.push(`${job.scenario}#${job.seed}`);
        return { file: process.execPath, args: ["-e", script(job.out, job.seed, false)] };
      },
    });
    expect(ran).to.deep.equal(["trend#2"]);
    expect(again.outcomes).to.have.length(6);
    expect(again.reused).to.equal(5);
    expect(again.failures).to.deep.equal([]);
  });

  it("a tiny real run: two calm seeds of the simulator in parallel, every outcome read", async function () {
    this.timeout(300_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), "stress-real-"));
    const o = parseStressArgs([
      "--scenarios",
      "calm",
      "--seeds",
      "2",
      "--traders",
      "4",
      "--workers",
      "2",
      "--out",
      dir,
      "--",
      "--steps",
      "3",
    ]) as StressOptions;
    const result = await runPlan(plan(o), { workers: o.workers, root: ROOT });
    expect(result.failures, JSON.stringify(result.failures)).to.deep.equal([]);
    expect(result.outcomes.map((r) => r.seed)).to.deep.equal(["1", "2"]);
    for (const r of result.outcomes) {
      expect(r.accountsLiquidatableAfterPass).to.equal(0);
      expect(r.insuranceFundStartUsd).to.be.gt(0);
      expect(r.peakRssBytes).to.be.gt(0);
      expect(r.lpDrawdown).to.be.gte(0).and.lt(1);
    }
    const report = buildReport("test", o, result.outcomes, result.failures, 1);
    expect(report.scenarios[0]?.runs).to.equal(2);
    expect(report.bar[0]?.insuranceFundStartUsd).to.equal(
      result.outcomes[0]?.insuranceFundStartUsd,
    );
  });
});

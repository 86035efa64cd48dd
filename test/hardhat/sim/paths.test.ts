import { expect } from "chai";
import {
  HOUR,
  calmPaths,
  crashPaths,
  gbmPaths,
  logReturns,
  pricesOf,
  scenarioPaths,
  trendPaths,
} from "../../../src/sim/paths";
import { pearson } from "../../../src/sim/random";

const ASSETS = [
  { name: "ETH", start: 2000, volAnnual: 0.8, driftAnnual: 0 },
  { name: "BTC", start: 30000, volAnnual: 0.6, driftAnnual: 0 },
  { name: "SOL", start: 100, volAnnual: 1.2, driftAnnual: 0 },
];
const CORR = [
  [1, 0.8, 0.3],
  [0.8, 1, 0.5],
  [0.3, 0.5, 1],
];

function std(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

describe("sim/paths", () => {
  it("gbmPaths is deterministic, with hourly timestamps by default", () => {
    const a = gbmPaths({ seed: 5, steps: 100, assets: ASSETS, correlation: CORR });
    const b = gbmPaths({ seed: 5, steps: 100, assets: ASSETS, correlation: CORR });
    expect(a).to.deep.equal(b);
    expect(a.timestamps).to.have.length(101);
    expect(a.timestamps[1] - a.timestamps[0]).to.equal(HOUR);
    expect(pricesOf(a, "BTC")[0]).to.equal(30000);
    expect(a.assets.every((x) => x.prices.length === 101 && x.prices.every((p) => p > 0))).to.be
      .true;
    const c = gbmPaths({ seed: 6, steps: 100, assets: ASSETS, correlation: CORR });
    expect(pricesOf(c, "ETH")).to.not.deep.equal(pricesOf(a, "ETH"));
  });

  it("matches the target return correlation and volatility", () => {
    const p = gbmPaths({ seed: 12, steps: 8000, assets: ASSETS, correlation: CORR });
    const r = p.assets.map((x) => logReturns(x.prices));
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) expect(pearson(r[i], r[j])).to.be.closeTo(CORR[i][j], 0.04);
      const annualised = std(r[i]) * Math.sqrt((365 * 86400) / HOUR);
      expect(annualised).to.be.closeTo(ASSETS[i].volAnnual, ASSETS[i].volAnnual * 0.05);
    }
  });

  it("adds fat-tailed jumps", () => {
    const jumps = { intensityPerYear: 200, meanLog: -0.02, stdLog: 0.05, tDof: 3 };
    const p = gbmPaths({ seed: 3, steps: 4000, assets: ASSETS.slice(0, 2), jumps });
    expect(p.events.filter((e) => e.kind === "jump").length).to.be.greaterThan(20);
    const r = logReturns(pricesOf(p, "ETH"));
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    const s = std(r);
    const kurt = r.reduce((a, b) => a + ((b - m) / s) ** 4, 0) / r.length;
    expect(kurt).to.be.above(6);
    expect(() =>
      gbmPaths({ seed: 1, steps: 1, assets: ASSETS, jumps: { ...jumps, tDof: 2 } }),
    ).to.throw(RangeError, /tDof/);
  });

  it("crash drops every market 40 % within one hour, spread over the substeps", () => {
    const dt = 300;
    const p = crashPaths({ seed: 1, steps: 200, dtSeconds: dt, crashAtStep: 100 });
    const ev = p.events.find((e) => e.kind === "crash");
    expect(ev).to.deep.include({ fromStep: 100, toStep: 112 });
    expect(p.timestamps[112] - p.timestamps[100]).to.equal(HOUR);
    for (const a of p.assets) {
      expect(a.prices[112] / a.prices[100]).to.be.closeTo(0.6, 1e-9);
      for (let s = 101; s <= 112; s++) expect(a.prices[s]).to.be.below(a.prices[s - 1]);
      // The move is spread out: no single 5-minute step carries it all.
      expect(a.prices[101] / a.prices[100]).to.be.above(0.75);
      // Calm before: within a few % of the start.
      expect(a.prices[100] / a.prices[0]).to.be.within(0.95, 1.05);
      // Partial recovery noise afterwards: stays well below the pre-crash level.
      const after = a.prices.slice(113);
      expect(Math.max(...after) / a.prices[100]).to.be.below(0.9);
      expect(Math.min(...after) / a.prices[100]).to.be.above(0.45);
    }
  });

  it("crash with hourly steps puts the drop into one step", () => {
    const p = crashPaths({ seed: 2, steps: 48, drop: 0.4 });
    for (const a of p.assets) expect(a.prices[25] / a.prices[24]).to.be.closeTo(0.6, 1e-9);
    expect(() => crashPaths({ seed: 2, steps: 10, crashAtStep: 10 })).to.throw(RangeError);
  });

  it("calm and trend scenarios behave as labelled", () => {
    const calm = calmPaths({ seed: 4, steps: 24 * 30 });
    for (const a of calm.assets) expect(a.prices.at(-1)! / a.prices[0]).to.be.within(0.8, 1.25);
    const up = trendPaths({ seed: 4, steps: 24 * 180, direction: "up" });
    const down = scenarioPaths("trend", { seed: 4, steps: 24 * 180, direction: "down" });
    for (const a of up.assets) expect(a.prices.at(-1)! / a.prices[0]).to.be.above(1.3);
    for (const a of down.assets) expect(a.prices.at(-1)! / a.prices[0]).to.be.below(0.8);
    expect(calm.assets.map((a) => a.name)).to.deep.equal(["ETH", "BTC"]);
  });
});

/** 1-day VaR / ES (src/risk/var.ts): on a normal series of known sigma the estimates are the
 *  analytic 2.326 sigma (VaR99) and 2.665 sigma (ES99); on a small hand-made series they equal a
 *  direct computation; the joint scenario of perfectly correlated assets moves each by its own
 *  VaR; the data loader reads the window asked for; the grid carries the labelled shocks. */
import { expect } from "chai";
import { assetVar, historicalTail, jointTail, priceMove, varGrid } from "../../../src/risk/var";

/** Deterministic N(0, sigma) draws (mulberry32 + Box-Muller). */
function normals(n: number, sigma: number, seed = 7): number[] {
  let a = seed >>> 0;
  const u = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out: number[] = [];
  while (out.length < n) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const th = 2 * Math.PI * u();
    out.push(sigma * r * Math.cos(th), sigma * r * Math.sin(th));
  }
  return out.slice(0, n);
}

describe("risk tool: VaR and expected shortfall", () => {
  it("matches 2.326 sigma and 2.665 sigma on a normal series", () => {
    const sigma = 0.04;
    const t = historicalTail(normals(400_000, sigma), 0.99);
    // z(0.99) = 2.3263; ES = phi(z) / 0.01 = 2.6652.
    for (const v of [t.varDown, t.varUp]) expect(v / sigma).to.be.closeTo(2.3263, 0.02);
    for (const v of [t.esDown, t.esUp]) expect(v / sigma).to.be.closeTo(2.6652, 0.02);
  });

  it("equals the empirical quantile and tail mean on a small series", () => {
    const r = [0.05, -0.12, 0.01, -0.03, 0.2, -0.07, 0.0, 0.04, -0.2, 0.09, -0.01];
    const sorted = [...r].sort((a, b) => a - b);
    // level 0.8, n = 11: h = (n - 1) * 0.2 = 2 and (n - 1) * 0.8 = 8, exact order statistics.
    const t = historicalTail(r, 0.8);
    expect(t.varDown).to.be.closeTo(-(sorted[2] as number), 1e-15);
    expect(t.esDown).to.be.closeTo(-((-0.2 - 0.12 - 0.07) / 3), 1e-15);
    expect(t.varUp).to.be.closeTo(sorted[8] as number, 1e-15);
    expect(t.esUp).to.be.closeTo((0.05 + 0.09 + 0.2) / 3, 1e-15);
    // level 0.9: h = 1, 9 again exact; level 0.85: h = 1.5, interpolated halfway.
    const t85 = historicalTail(r, 0.85);
    const q = (sorted[1] as number) + 0.5 * ((sorted[2] as number) - (sorted[1] as number));
    expect(t85.varDown).to.be.closeTo(-q, 1e-15);
    expect(t85.esDown).to.be.closeTo(-((-0.2 - 0.12) / 2), 1e-15);
  });

  it("moves perfectly correlated assets each by its own VaR in the joint scenario", () => {
    const a = normals(3000, 0.03, 11);
    const dated = (xs: number[]) =>
      xs.map((r, i) => ({
        date: new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10),
        r,
      }));
    const j = jointTail({ A: dated(a), B: dated(a.map((x) => 2 * x)) }, 0.99)!;
    const ta = historicalTail(a, 0.99);
    expect(j.correlation[0]?.[1]).to.be.closeTo(1, 1e-12);
    expect(j.varDown.A).to.be.closeTo(-ta.varDown, 1e-12);
    expect(j.varDown.B).to.be.closeTo(-2 * ta.varDown, 1e-12);
    expect(j.esUp.A).to.be.closeTo(ta.esUp, 1e-12);
    // Independent assets: each moves by less than its own VaR.
    const b = normals(3000, 0.03, 12);
    const k = jointTail({ A: dated(a), B: dated(b) }, 0.99)!;
    expect(Math.abs(k.correlation[0]?.[1] as number)).to.be.lessThan(0.1);
    expect(-(k.varDown.A as number)).to.be.lessThan(ta.varDown);
  });

  it("reads the data window asked for and builds the labelled grid", () => {
    const short = assetVar(["ETH", "BTC"], { windowDays: 365 });
    const long = assetVar(["ETH", "BTC"], { windowDays: 1095 });
    for (const [v, days] of [
      [short, 365],
      [long, 1095],
    ] as const)
      for (const a of v.assets) expect(a.returns).to.be.within(days - 10, days);
    const eth = long.assets[0]!;
    expect(eth.file).to.equal("data/ETH-USD-daily.csv");
    expect(eth.varDown).to.be.greaterThan(0);
    expect(eth.esDown).to.be.greaterThan(eth.varDown);
    const g = varGrid(long);
    expect(g.cols).to.deep.equal(["VaR99 1d down", "ES99 1d down", "VaR99 1d up", "ES99 1d up"]);
    expect(g.rows).to.deep.equal([
      "ETH only",
      "BTC only",
      "all, each at its own",
      "joint (correlated)",
    ]);
    expect(g.shocks[0]?.[1]?.moves).to.deep.equal({ ETH: priceMove(-eth.esDown) });
    expect(g.shocks[0]?.[1]?.label).to.match(/^ETH only: ES99 1d down \(ETH -\d+\.\d%\)$/);
    // An asset without a series in the inputs is left out.
    expect(assetVar(["ETH", "XYZ"]).assets.map((a) => a.asset)).to.deep.equal(["ETH"]);
  });
});

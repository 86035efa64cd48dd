import { expect } from "chai";
import {
  Rng,
  applyCholesky,
  cholesky,
  pearson,
  seedFrom,
  uniformCorrelation,
} from "../../../src/sim/random";

function moments(xs: number[]): { mean: number; variance: number; kurtosis: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  let m2 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m4 /= n;
  return { mean, variance: m2, kurtosis: m4 / (m2 * m2) };
}

describe("sim/random", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 20 }, () => a.next());
    const sb = Array.from({ length: 20 }, () => b.next());
    const sc = Array.from({ length: 20 }, () => c.next());
    expect(sa).to.deep.equal(sb);
    expect(sa).to.not.deep.equal(sc);
    expect(new Rng("eth-crash").normal()).to.equal(new Rng("eth-crash").normal());
    expect(seedFrom("abc")).to.equal(seedFrom("abc"));
  });

  it("produces uniforms in [0, 1) with mean ~0.5 and integers in range", () => {
    const r = new Rng(1);
    const xs = Array.from({ length: 20000 }, () => r.next());
    expect(Math.min(...xs)).to.be.at.least(0);
    expect(Math.max(...xs)).to.be.below(1);
    expect(moments(xs).mean).to.be.closeTo(0.5, 0.01);
    const ints = Array.from({ length: 1000 }, () => r.int(6));
    expect(new Set(ints)).to.deep.equal(new Set([0, 1, 2, 3, 4, 5]));
  });

  it("draws standard normals and fat-tailed Student-t", () => {
    const r = new Rng(7);
    const z = moments(Array.from({ length: 40000 }, () => r.normal()));
    expect(z.mean).to.be.closeTo(0, 0.02);
    expect(z.variance).to.be.closeTo(1, 0.03);
    expect(z.kurtosis).to.be.closeTo(3, 0.15);
    const t = moments(Array.from({ length: 40000 }, () => r.studentTUnitVariance(5)));
    expect(t.variance).to.be.closeTo(1, 0.1);
    expect(t.kurtosis).to.be.above(4.5); // theoretical 9 for dof 5
  });

  it("draws Poisson counts with the right mean in both regimes", () => {
    const r = new Rng(9);
    for (const lambda of [0.05, 3, 80]) {
      const m = moments(Array.from({ length: 20000 }, () => r.poisson(lambda)));
      expect(m.mean).to.be.closeTo(lambda, Math.max(0.01, lambda * 0.02));
      expect(m.variance).to.be.closeTo(lambda, Math.max(0.01, lambda * 0.06));
    }
    expect(r.poisson(0)).to.equal(0);
    expect(() => r.poisson(-1)).to.throw(RangeError);
  });

  it("computes a Cholesky factor and rejects invalid matrices", () => {
    const c = [
      [1, 0.6, 0.2],
      [0.6, 1, 0.4],
      [0.2, 0.4, 1],
    ];
    const L = cholesky(c);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += L[i][k] * L[j][k];
        expect(s).to.be.closeTo(c[i][j], 1e-12);
      }
    }
    expect(applyCholesky(L, [1, 0, 0])).to.deep.equal([1, 0.6, 0.2]);
    expect(() =>
      cholesky([
        [1, 1.2],
        [1.2, 1],
      ]),
    ).to.throw(/positive definite/);
    expect(() =>
      cholesky([
        [1, 0.5],
        [0.2, 1],
      ]),
    ).to.throw(/symmetric/);
  });

  it("draws correlated normals matching the target correlation", () => {
    const r = new Rng(11);
    const L = cholesky(uniformCorrelation(3, -0.4));
    const cols: number[][] = [[], [], []];
    for (let i = 0; i < 20000; i++) r.correlatedNormals(L).forEach((v, k) => cols[k].push(v));
    expect(pearson(cols[0], cols[1])).to.be.closeTo(-0.4, 0.03);
    expect(pearson(cols[1], cols[2])).to.be.closeTo(-0.4, 0.03);
  });
});

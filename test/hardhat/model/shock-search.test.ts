/** The shock-to-liquidation search (docs/math.md, "Risk views"): on any gap function that
 *  falls with the shock it returns what an integer bisection returns (the smallest liquidatable
 *  shock), in a handful of evaluations instead of about 60. */
import { expect } from "chai";
import { WAD, shockSearch } from "../../../src/model";

/** Deterministic 32-bit PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Smallest x in (0, WAD] with gap(x) < 0, by bisection (gap(0) >= 0 > gap(WAD)). */
function bisect(gap: (x: bigint) => bigint): { x: bigint; evals: number } {
  let lo = 0n;
  let hi = WAD;
  let evals = 0;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    evals++;
    if (gap(mid) < 0n) hi = mid;
    else lo = mid;
  }
  return { x: hi, evals };
}

/** A falling piecewise-linear gap with up to 4 kinks and floor rounding, as equity - MM is
 *  under a uniform shock (each leg's value and requirement linear in the price, with the
 *  size factor's and the pair credit's kinks). */
function randomGap(r: () => number): (x: bigint) => bigint {
  const start = BigInt(Math.floor(r() * 1e6) + 1) * 10n ** BigInt(12 + Math.floor(r() * 12));
  const kinks = Array.from(
    { length: Math.floor(r() * 5) },
    () => BigInt(Math.floor(r() * 1e9)) * 10n ** 9n,
  ).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const slopes = [0, ...kinks].map(
    () => BigInt(Math.floor(r() * 1e6) + 1) * 10n ** BigInt(Math.floor(r() * 8)),
  );
  // Scale so that the gap is negative at WAD.
  const fall = (x: bigint): bigint => {
    let total = 0n;
    let prev = 0n;
    const bounds = [...kinks, WAD];
    for (let i = 0; i < bounds.length && prev < x; i++) {
      const end = bounds[i] < x ? bounds[i] : x;
      if (end > prev) total += ((end - prev) * slopes[i]) / 10n ** 6n;
      prev = bounds[i];
    }
    return total;
  };
  const atTop = fall(WAD);
  const scale = atTop > start ? 1n : start / (atTop === 0n ? 1n : atTop) + 2n;
  return (x: bigint) => start - fall(x) * scale;
}

describe("model: shock-to-liquidation search", () => {
  it("INV-57: equals an integer bisection on 3,000 seeded falling gaps, in at most 12 evaluations on average (bisection: 60)", () => {
    const r = rng(57);
    let evals = 0;
    let worst = 0;
    for (let i = 0; i < 3000; i++) {
      const gap = randomGap(r);
      const g0 = gap(0n);
      const gTop = gap(WAD);
      expect(g0 >= 0n && gTop < 0n).to.equal(true);
      let n = 0;
      const counted = (x: bigint) => {
        n++;
        return gap(x);
      };
      const x = shockSearch(counted, g0, gTop);
      expect(x, `case ${i}`).to.equal(bisect(gap).x);
      expect(gap(x) < 0n && gap(x - 1n) >= 0n).to.equal(true);
      evals += n;
      worst = Math.max(worst, n);
    }
    const mean = evals / 3000;
    console.log(`      search: ${mean.toFixed(1)} evaluations on average, ${worst} at most`);
    expect(mean <= 12).to.equal(true);
    expect(worst <= 130).to.equal(true);
  });
});

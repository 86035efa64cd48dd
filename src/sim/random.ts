/**
 * Seeded pseudo-random numbers for simulations.
 *
 * The generator is xoshiro128** (Blackman & Vigna) seeded through splitmix32, so a given
 * seed always yields the same stream on every platform (only 32-bit integer arithmetic).
 */

/** splitmix32 step: used to expand a single seed into the xoshiro state. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Hashes any string or number into a 32-bit seed (FNV-1a over the decimal/string form). */
export function seedFrom(value: string | number): number {
  const s = String(value);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Deterministic random source. All methods draw from one xoshiro128** stream. */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | undefined = undefined;

  constructor(seed: number | string = 1) {
    let st = typeof seed === "number" && Number.isInteger(seed) ? seed | 0 : seedFrom(seed);
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, z] = splitmix32(st);
      st = next;
      out.push(z);
    }
    [this.s0, this.s1, this.s2, this.s3] = out as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [a, b). */
  uniform(a = 0, b = 1): number {
    return a + (b - a) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`int(n): n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Normal via Box-Muller (the second variate of each pair is cached). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Gamma(shape, 1) via Marsaglia-Tsang (with the boost for shape < 1). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`gamma(shape): shape must be > 0, got ${shape}`);
    if (shape < 1) {
      let u = 0;
      while (u === 0) u = this.next();
      return this.gamma(shape + 1) * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Chi-squared with `dof` degrees of freedom. */
  chiSquared(dof: number): number {
    return 2 * this.gamma(dof / 2);
  }

  /**
   * Student-t with `dof` degrees of freedom (fat tails; dof -> infinity is the normal).
   * Unscaled: variance is dof / (dof - 2) for dof > 2. See `studentTUnitVariance`.
   */
  studentT(dof: number): number {
    if (!(dof > 0)) throw new RangeError(`studentT(dof): dof must be > 0, got ${dof}`);
    return this.normal() / Math.sqrt(this.chiSquared(dof) / dof);
  }

  /** Student-t rescaled to unit variance (requires dof > 2). */
  studentTUnitVariance(dof: number): number {
    if (!(dof > 2)) throw new RangeError(`studentTUnitVariance(dof): dof must be > 2, got ${dof}`);
    return this.studentT(dof) * Math.sqrt((dof - 2) / dof);
  }

  /** Poisson(lambda): Knuth's product method for small lambda, PTRS (Hörmann 1993) otherwise. */
  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) {
      throw new RangeError(`poisson(lambda): lambda must be finite and >= 0, got ${lambda}`);
    }
    if (lambda === 0) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const logLam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.next();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      const lhs = Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b);
      if (lhs <= -lambda + k * logLam - logFactorial(k)) return k;
    }
  }

  /** Vector of independent standard normals. */
  normals(n: number): number[] {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }

  /** Correlated standard normals `L z` for a lower-triangular Cholesky factor `L`. */
  correlatedNormals(chol: number[][]): number[] {
    return applyCholesky(chol, this.normals(chol.length));
  }

  /** Fisher-Yates shuffle (returns a new array). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }
}

/** ln(k!) (exact summation below 256, Stirling series above). */
export function logFactorial(k: number): number {
  if (k < 2) return 0;
  if (k < 256) {
    let s = 0;
    for (let i = 2; i <= k; i++) s += Math.log(i);
    return s;
  }
  const x = k + 1;
  return (
    (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x)
  );
}

/**
 * Cholesky factor `L` (lower triangular, `L L^T = matrix`) of a symmetric positive-definite
 * matrix. Throws if the matrix is not square, not symmetric or not positive definite.
 */
export function cholesky(matrix: readonly (readonly number[])[]): number[][] {
  const n = matrix.length;
  const at = (i: number, j: number): number => {
    const row = matrix[i];
    if (row === undefined || row.length !== n)
      throw new Error(`cholesky: matrix must be ${n}x${n}`);
    const v = row[j] as number;
    if (!Number.isFinite(v)) throw new Error(`cholesky: non-finite entry at (${i}, ${j})`);
    return v;
  };
  const L: number[][] = [];
  for (let i = 0; i < n; i++) L.push(new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const Li = L[i] as number[];
    for (let j = 0; j <= i; j++) {
      if (Math.abs(at(i, j) - at(j, i)) > 1e-9)
        throw new Error(`cholesky: matrix is not symmetric at (${i}, ${j})`);
      const Lj = L[j] as number[];
      let sum = at(i, j);
      for (let k = 0; k < j; k++) sum -= (Li[k] as number) * (Lj[k] as number);
      if (i === j) {
        if (sum <= 1e-12) throw new Error("cholesky: matrix is not positive definite");
        Li[j] = Math.sqrt(sum);
      } else {
        Li[j] = sum / (Lj[j] as number);
      }
    }
  }
  return L;
}

/** Computes `L z` for lower-triangular `L`. */
export function applyCholesky(
  chol: readonly (readonly number[])[],
  z: readonly number[],
): number[] {
  const n = chol.length;
  if (z.length !== n) throw new Error(`applyCholesky: expected ${n} variates, got ${z.length}`);
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const row = chol[i] as readonly number[];
    let s = 0;
    for (let k = 0; k <= i; k++) s += (row[k] as number) * (z[k] as number);
    out[i] = s;
  }
  return out;
}

/** Identity matrix of size n. */
export function identity(n: number): number[][] {
  const m: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n).fill(0);
    row[i] = 1;
    m.push(row);
  }
  return m;
}

/** Correlation matrix with every off-diagonal entry equal to `rho`. */
export function uniformCorrelation(n: number, rho: number): number[][] {
  const m = identity(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j) (m[i] as number[])[j] = rho;
  }
  return m;
}

/** Sample Pearson correlation of two equal-length series. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] as number;
    my += ys[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

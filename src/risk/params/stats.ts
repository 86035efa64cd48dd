/** Plain-number statistics and the rounding rules of the risk-parameter derivation. Statistics
 *  run in floating point; every published figure is snapped to a grid (or to significant
 *  digits) and written as a decimal string, so the output is reproducible. */

/** Tolerance, in grid steps, within which a value counts as already on the grid point. It
 *  absorbs binary floating-point noise such as 0.05 / 0.0025 = 20.000000000000004. */
const GRID_EPS = 1e-9;

/** Arithmetic mean. Throws on an empty list. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("mean of an empty list");
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (denominator n - 1). Needs at least two values. */
export function sampleStdDev(xs: readonly number[]): number {
  if (xs.length < 2) throw new Error("standard deviation needs at least two values");
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/** Empirical quantile with linear interpolation between order statistics (Hyndman-Fan type 7,
 *  the default of R and numpy): sorted `x`, `h = (n - 1) p`, result
 *  `x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])`. */
export function empiricalQuantile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error("quantile of an empty list");
  if (!(p >= 0 && p <= 1)) throw new Error(`quantile level ${p} outside [0, 1]`);
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const a = s[lo] as number;
  const b = s[Math.min(lo + 1, s.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

/** Median (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  return empiricalQuantile(xs, 0.5);
}

/** Rounds `x` up to a multiple of `step`. */
export function ceilToStep(x: number, step: number): number {
  return Math.ceil(x / step - GRID_EPS) * step;
}

/** Rounds `x` down to a multiple of `step`. */
export function floorToStep(x: number, step: number): number {
  return Math.floor(x / step + GRID_EPS) * step;
}

/** `x` clamped to `[lo, hi]`. */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Strips trailing fractional zeros (and a bare trailing point) from a decimal string. */
function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** `x` as a plain decimal string with at most `maxDecimals` decimals (rounded half away from
 *  zero by `toFixed`), trailing zeros removed: 0.052500000000000005 -> "0.0525". */
export function decimalString(x: number, maxDecimals: number): string {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  const s = trimZeros(x.toFixed(maxDecimals));
  return s === "-0" ? "0" : s;
}

/** `x` rounded to `digits` significant digits, as a plain decimal string (never exponent
 *  notation): 0.0000123456 -> "0.0000123", 2_137_000 (2 digits) -> "2100000". */
export function sigString(x: number, digits: number): string {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  if (x === 0) return "0";
  const [mant, expPart] = x.toExponential(digits - 1).split("e") as [string, string];
  const sign = mant.startsWith("-") ? "-" : "";
  const ds = mant.replace("-", "").replace(".", "");
  const exp = Number(expPart);
  let out: string;
  if (exp < 0) out = `0.${"0".repeat(-exp - 1)}${ds}`;
  else if (ds.length <= exp + 1) out = ds + "0".repeat(exp + 1 - ds.length);
  else out = `${ds.slice(0, exp + 1)}.${ds.slice(exp + 1)}`;
  return sign + trimZeros(out);
}

/** `x` rounded to `digits` significant digits (the number `sigString` writes). */
export function roundSig(x: number, digits: number): number {
  return Number(sigString(x, digits));
}

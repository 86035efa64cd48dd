/**
 * Intraday paths for historical replays, correlated across assets: every day of every asset
 * passes exactly through its open (first point), both extremes and its close (last point), and
 * never leaves [low, high]. The assets share the day's anchor times and draw their bridge noise
 * from one correlated normal vector per point, the correlation being estimated from the daily
 * log returns of the data (`estimateCorrelation`).
 *
 * Order of the extremes:
 * - "adverse": the extreme against the book first (the low when the book is net long, else the
 *   high), for every asset at once; a stress replay cannot get luckier than the data allow;
 * - "random": a fair coin per day (the same for every asset).
 */
import { type OhlcRow, bridge } from "./historical";
import { Rng, cholesky, pearson } from "./random";

export type IntradayMode = "adverse" | "random";
export const INTRADAY_MODES: readonly IntradayMode[] = ["adverse", "random"];

/** Daily log returns (close to close) of the dates common to every asset, in date order. */
export function commonLogReturns(rowsByAsset: readonly (readonly OhlcRow[])[]): number[][] {
  const maps = rowsByAsset.map((rows) => new Map(rows.map((r) => [r.date, r.close])));
  const first = maps[0];
  if (first === undefined) return [];
  const dates = [...first.keys()].filter((d) => maps.every((m) => m.has(d))).sort();
  return maps.map((m) => {
    const out: number[] = [];
    for (let j = 1; j < dates.length; j++) {
      const a = m.get(dates[j - 1] as string) as number;
      const b = m.get(dates[j] as string) as number;
      out.push(Math.log(b / a));
    }
    return out;
  });
}

/** Pearson correlation matrix of the assets' daily log returns (rows already cut to the window
 *  wanted). Needs at least 3 common days; a matrix that is not positive definite (e.g. two
 *  identical series) gets its off-diagonal terms shrunk until it is. */
export function estimateCorrelation(rowsByAsset: readonly (readonly OhlcRow[])[]): number[][] {
  const rets = commonLogReturns(rowsByAsset);
  const k = rets.length;
  if (k > 0 && (rets[0] as number[]).length < 2) {
    throw new Error("estimateCorrelation: need at least 3 common days of data");
  }
  const c = rets.map((x, i) =>
    rets.map((y, j) => (i === j ? 1 : pearson(x, y))).map((v) => (Number.isFinite(v) ? v : 0)),
  );
  for (let shrink = 1; shrink > 0; shrink -= 0.01) {
    const m = c.map((row, i) => row.map((v, j) => (i === j ? 1 : v * shrink)));
    try {
      cholesky(m);
      return m;
    } catch {
      // not positive definite yet
    }
  }
  return c.map((row, i) => row.map((_v, j) => (i === j ? 1 : 0)));
}

/**
 * `n` prices per asset for one day whose candles are `rows` (one per asset). Open at 0, close
 * at n - 1; the first extreme at a shared random index in [1, n - 3], the second at one in
 * (first, n - 2]; log-space Brownian bridges between the anchors with correlated noise
 * (Cholesky factor `L`), shrunk into [low, high].
 */
export function correlatedDay(
  rows: readonly Pick<OhlcRow, "open" | "high" | "low" | "close">[],
  n: number,
  rng: Rng,
  L: number[][],
  lowFirst: boolean,
): number[][] {
  if (n < 4) throw new RangeError("an intraday path needs at least 4 points");
  if (L.length !== rows.length) throw new Error("correlation factor does not match the assets");
  const i1 = 1 + rng.int(n - 3);
  const i2 = i1 + 1 + rng.int(n - 2 - i1);
  const z = Array.from({ length: n }, () => rng.correlatedNormals(L));
  return rows.map((row, a) => {
    const { open, high, low, close } = row;
    if (!(low > 0 && low <= Math.min(open, close) && high >= Math.max(open, close))) {
      throw new RangeError(`inconsistent candle o=${open} h=${high} l=${low} c=${close}`);
    }
    const lnHi = Math.log(high);
    const lnLo = Math.log(low);
    const first = lowFirst ? lnLo : lnHi;
    const second = lowFirst ? lnHi : lnLo;
    const anchors: [number, number][] = [
      [0, Math.log(open)],
      [i1, first],
      [i2, second],
      [n - 1, Math.log(close)],
    ];
    // Parkinson: daily vol ~ 0.6 ln(H/L), spread over n points.
    const sigma = (0.6 * (lnHi - lnLo)) / Math.sqrt(n);
    const logs = new Array<number>(n).fill(0);
    const noise = z.map((v) => v[a] as number);
    for (let s = 0; s < anchors.length - 1; s++) {
      const [j0, v0] = anchors[s] as [number, number];
      const [j1, v1] = anchors[s + 1] as [number, number];
      logs[j0] = v0;
      logs[j1] = v1;
      bridge(logs, j0, j1, v0, v1, sigma, lnLo, lnHi, (j) => noise[j] as number);
    }
    const out = logs.map((v) => Math.min(high, Math.max(low, Math.exp(v))));
    out[0] = open;
    out[n - 1] = close;
    out[i1] = lowFirst ? low : high;
    out[i2] = lowFirst ? high : low;
    return out;
  });
}

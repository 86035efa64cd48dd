/** Volatility-scaled shocks from the daily price data: 1-day value at risk and expected shortfall
 *  per asset (historical: empirical quantiles of daily log returns over a window), and the
 *  correlation-consistent joint move of all assets together.
 *
 *  Per asset, over the daily log returns r of the window (src/risk/params: the same CSV loader,
 *  window rule and proxies as `npm run risk:params`):
 *  - down: q = empiricalQuantile(r, 1 - level) (type 7), VaR = -q, ES = -mean(r_i <= q);
 *  - up: q = empiricalQuantile(r, level), VaR = q, ES = mean(r_i >= q);
 *  - price moves: exp(-VaR) - 1 and exp(-ES) - 1 down, exp(VaR) - 1 and exp(ES) - 1 up.
 *  Joint move: the equal-weight basket b_t = mean_i r_i,t over the dates every asset has a
 *  return; its own VaR / ES (as above) is the basket's move x_b, and each asset moves by its
 *  expectation given the basket's move under the sample covariance (a linear regression, exact
 *  for jointly normal returns): x_i = mu_i + beta_i (x_b - mu_b), beta_i = cov(r_i, b) / var(b).
 *  Perfectly correlated assets each move by their own VaR; uncorrelated ones by less. */
import { DatedReturn, empiricalQuantile, loadDailySeries, mean } from "./params";
import { ShockGrid, Moves } from "./shocks";

/** Tail figures of one return series, in log-return units (positive = size of the move). */
export interface TailRisk {
  varDown: number;
  esDown: number;
  varUp: number;
  esUp: number;
}

/** Historical VaR and ES at `level` (e.g. 0.99) of daily log returns: see the file comment. */
export function historicalTail(returns: readonly number[], level = 0.99): TailRisk {
  if (returns.length < 2) throw new Error("VaR needs at least two returns");
  if (!(level > 0.5 && level < 1)) throw new Error(`VaR level ${level} outside (0.5, 1)`);
  // 1 - 0.8 is 0.19999999999999996 in binary: snap the tail probability to 12 decimals so an
  // exact order statistic stays exact (and in its own tail).
  const qDown = empiricalQuantile(returns, Math.round((1 - level) * 1e12) / 1e12);
  const qUp = empiricalQuantile(returns, level);
  const down = returns.filter((r) => r <= qDown);
  const up = returns.filter((r) => r >= qUp);
  return { varDown: -qDown, esDown: -mean(down), varUp: qUp, esUp: mean(up) };
}

/** Log return to relative price move. */
export const priceMove = (logReturn: number): number => Math.expm1(logReturn);

export interface AssetVar extends TailRisk {
  asset: string;
  /** The series read: file, first and last date, number of returns, proxy if any. */
  file: string;
  from: string;
  to: string;
  returns: number;
  proxy?: string;
  /** Sample standard deviation of the daily log returns. */
  sigma: number;
}

export interface JointVar {
  /** Dates on which every asset has a return. */
  days: number;
  /** Correlation matrix of the daily log returns on those dates, in `assets` order. */
  correlation: number[][];
  basket: TailRisk;
  /** Per asset: beta to the equal-weight basket. */
  beta: Record<string, number>;
  /** Log-return moves of each asset in the joint scenarios. */
  varDown: Moves;
  esDown: Moves;
  varUp: Moves;
  esUp: Moves;
}

export interface VarResult {
  level: number;
  windowDays: number;
  assets: AssetVar[];
  joint?: JointVar;
}

function std(xs: readonly number[]): number {
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

function cov(a: readonly number[], b: readonly number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - ma) * ((b[i] as number) - mb);
  return s / (a.length - 1);
}

/** The joint scenario of several dated return series (see the file comment). */
export function jointTail(
  series: Record<string, readonly DatedReturn[]>,
  level = 0.99,
): JointVar | undefined {
  const assets = Object.keys(series);
  if (assets.length < 2) return undefined;
  const maps = assets.map((a) => new Map((series[a] ?? []).map((x) => [x.date, x.r])));
  const dates = [...(maps[0] as Map<string, number>).keys()].filter((d) =>
    maps.every((m) => m.has(d)),
  );
  if (dates.length < 30) return undefined;
  const cols = maps.map((m) => dates.map((d) => m.get(d) as number));
  const basket = dates.map((_, t) => mean(cols.map((c) => c[t] as number)));
  const tail = historicalTail(basket, level);
  const mb = mean(basket);
  const vb = cov(basket, basket);
  const beta: Record<string, number> = {};
  const move = (xb: number): Moves =>
    Object.fromEntries(
      assets.map((a, i) => [a, mean(cols[i] as number[]) + (beta[a] as number) * (xb - mb)]),
    );
  assets.forEach((a, i) => (beta[a] = cov(cols[i] as number[], basket) / vb));
  const sd = cols.map(std);
  return {
    days: dates.length,
    correlation: cols.map((x, i) =>
      cols.map((y, j) => cov(x, y) / ((sd[i] as number) * (sd[j] as number))),
    ),
    basket: tail,
    beta,
    varDown: move(-tail.varDown),
    esDown: move(-tail.esDown),
    varUp: move(tail.varUp),
    esUp: move(tail.esUp),
  };
}

/** VaR / ES of each asset from its daily series (the risk-parameter inputs: data/*.csv, with
 *  proxies), over the last `windowDays` days, and the joint scenario. Assets without a series
 *  in the inputs are left out (they do not move in these shocks). */
export function assetVar(
  assets: readonly string[],
  o: { windowDays?: number; level?: number; root?: string } = {},
): VarResult {
  const level = o.level ?? 0.99;
  const windowDays = o.windowDays ?? 1095;
  const out: AssetVar[] = [];
  const dated: Record<string, DatedReturn[]> = {};
  for (const asset of assets) {
    let s;
    try {
      s = loadDailySeries(asset, { windowDays, root: o.root });
    } catch (err) {
      if (/no series/.test((err as Error).message)) continue;
      throw err;
    }
    const r = s.returns.map((x) => x.r);
    dated[asset] = s.returns;
    out.push({
      asset,
      file: s.source.file,
      from: s.source.from,
      to: s.source.to,
      returns: r.length,
      ...(s.proxy ? { proxy: s.proxy } : {}),
      sigma: std(r),
      ...historicalTail(r, level),
    });
  }
  // A proxy (SOL = ETH x1.5) is perfectly correlated with its base: it follows it in the joint
  // scenario through its beta, so it adds nothing to the basket's own tail; keep it in anyway.
  return { level, windowDays, assets: out, joint: jointTail(dated, level) };
}

const pctLabel = (x: number): string => `${x > 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

/** The volatility-scaled grid. Rows: each asset alone at its own VaR / ES, all assets at once
 *  each at its own, and the joint (correlation-consistent) scenario; columns: VaR99 1d and ES99
 *  1d, down and up. Moves are relative price moves (exp of the log return, minus one). */
export function varGrid(v: VarResult): ShockGrid {
  const lv = `${Math.round(v.level * 100)}`;
  const cols = [`VaR${lv} 1d down`, `ES${lv} 1d down`, `VaR${lv} 1d up`, `ES${lv} 1d up`];
  const own = (a: AssetVar): number[] => [-a.varDown, -a.esDown, a.varUp, a.esUp].map(priceMove);
  const rows: { name: string; moves: Moves[] }[] = v.assets.map((a) => ({
    name: `${a.asset} only`,
    moves: own(a).map((m) => ({ [a.asset]: m })),
  }));
  if (v.assets.length >= 2) {
    rows.push({
      name: "all, each at its own",
      moves: [0, 1, 2, 3].map((k) =>
        Object.fromEntries(v.assets.map((a) => [a.asset, own(a)[k] as number])),
      ),
    });
  }
  const j = v.joint;
  if (j) {
    const asMoves = (m: Moves): Moves =>
      Object.fromEntries(Object.entries(m).map(([a, x]) => [a, priceMove(x)]));
    rows.push({
      name: "joint (correlated)",
      moves: [j.varDown, j.esDown, j.varUp, j.esUp].map(asMoves),
    });
  }
  return {
    title: `Volatility-scaled (1 day, ${lv} %, ${v.windowDays}-day window)`,
    xLabel: "scenario",
    rows: rows.map((r) => r.name),
    cols,
    shocks: rows.map((r) =>
      r.moves.map((m, k) => ({
        label: `${r.name}: ${cols[k]} (${Object.entries(m)
          .map(([a, x]) => `${a} ${pctLabel(x)}`)
          .join(", ")})`,
        moves: m,
      })),
    ),
  };
}

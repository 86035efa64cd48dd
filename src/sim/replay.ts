/**
 * Historical replay at the oracle cadence: daily candles of the data's assets (ETH, BTC) over
 * any window, turned into one correlated intraday path per day (./intraday) when the day starts,
 * so that an adverse replay can put the extreme against the simulated book first. Markets
 * without data (SOL) follow ETH (or the first asset) with a beta and a small mean-reverting
 * idiosyncratic term.
 */
import { OhlcRow, dateToSeconds, loadOhlcCsv } from "./historical";
import { IntradayMode, correlatedDay, estimateCorrelation } from "./intraday";
import { Rng, cholesky } from "./random";

export interface ReplayOptions {
  /** Asset name -> CSV file (or parsed rows). */
  files: Record<string, string | readonly OhlcRow[]>;
  from?: string;
  to?: string;
  tickSeconds: number;
  seed: number | string;
  mode: IntradayMode;
  /** Every market, in order; those without data are derived. */
  markets: readonly string[];
  startPrices: Record<string, number>;
}

/** Days of data used to estimate the intraday correlation: the year ending with the window. */
export const CORRELATION_DAYS = 365;
const BETA: Record<string, number> = { SOL: 1.25 };

export class HistoricalReplay {
  readonly perDay: number;
  readonly dates: string[];
  readonly t0: number;
  readonly ticks: number;
  /** Per market (in `markets` order), per tick; NaN until the day is prepared. */
  readonly prices: number[][];
  /** Correlation of the data assets' daily log returns (in `assets` order). */
  readonly correlation: number[][];
  readonly assets: string[];
  /** Which extreme came first, per prepared day (true: the low). */
  readonly lowFirst = new Map<number, boolean>();
  private readonly rows: Map<string, OhlcRow>[];
  private readonly L: number[][];
  private readonly idio = new Map<string, number>();

  constructor(private readonly o: ReplayOptions) {
    const perDay = 86400 / o.tickSeconds;
    if (!Number.isInteger(perDay) || perDay < 4) {
      throw new RangeError(
        `historical replay needs an oracle interval dividing the day into >= 4 parts, got ${o.tickSeconds} s`,
      );
    }
    this.perDay = perDay;
    this.assets = Object.keys(o.files);
    if (this.assets.length === 0) throw new Error("historical replay: no price file");
    const fromT = o.from === undefined ? -Infinity : dateToSeconds(o.from);
    const toT = o.to === undefined ? Infinity : dateToSeconds(o.to);
    if (fromT > toT) throw new RangeError(`--from (${o.from}) is after --to (${o.to})`);
    const all = this.assets.map((a) => {
      const src = o.files[a] as string | readonly OhlcRow[];
      return typeof src === "string" ? loadOhlcCsv(src) : [...src];
    });
    this.rows = all.map(
      (rows) =>
        new Map(rows.filter((r) => r.time >= fromT && r.time <= toT).map((r) => [r.date, r])),
    );
    const first = this.rows[0] as Map<string, OhlcRow>;
    this.dates = [...first.keys()].filter((d) => this.rows.every((m) => m.has(d))).sort();
    if (this.dates.length === 0) {
      const span = all.map((r, i) => `${this.assets[i]} ${r[0]?.date}..${r.at(-1)?.date}`);
      throw new Error(
        `historical replay: no common dates in [${o.from ?? "-"}, ${o.to ?? "-"}] (data: ${span.join(", ")})`,
      );
    }
    this.t0 = dateToSeconds(this.dates[0] as string);
    this.ticks = this.dates.length * perDay;
    const lastT = dateToSeconds(this.dates.at(-1) as string);
    const window = all.map((rows) =>
      rows.filter((r) => r.time <= lastT && r.time > lastT - CORRELATION_DAYS * 86400),
    );
    this.correlation = this.assets.length > 1 ? estimateCorrelation(window) : [[1]];
    this.L = cholesky(this.correlation);
    this.prices = o.markets.map(() => new Array<number>(this.ticks).fill(Number.NaN));
  }

  /** Fills the day holding tick `t` unless done; returns the ticks it filled. */
  prepare(t: number, bookNetLong: () => boolean): { from: number; to: number } | undefined {
    const day = Math.floor(t / this.perDay);
    if (day < 0 || day >= this.dates.length || this.lowFirst.has(day)) return undefined;
    for (let d = 0; d < day; d++)
      if (!this.lowFirst.has(d)) this.prepare(d * this.perDay, bookNetLong);
    const date = this.dates[day] as string;
    const rng = new Rng(`${this.o.seed}:day:${date}`);
    const lowFirst = this.o.mode === "adverse" ? bookNetLong() : rng.next() < 0.5;
    this.lowFirst.set(day, lowFirst);
    const rows = this.rows.map((m) => m.get(date) as OhlcRow);
    const paths = correlatedDay(rows, this.perDay, rng, this.L, lowFirst);
    const from = day * this.perDay;
    const byName = new Map(this.assets.map((a, i) => [a, paths[i] as number[]]));
    const baseName = byName.has("ETH") ? "ETH" : (this.assets[0] as string);
    const base = byName.get(baseName) as number[];
    const b0 = (this.rows[this.assets.indexOf(baseName)] as Map<string, OhlcRow>).get(
      this.dates[0] as string,
    )?.open as number;
    this.o.markets.forEach((name, m) => {
      const out = this.prices[m] as number[];
      const own = byName.get(name);
      if (own) {
        own.forEach((p, j) => (out[from + j] = p));
        return;
      }
      const beta = BETA[name] ?? 0.8;
      const start =
        (b0 * (this.o.startPrices[name] as number)) / (this.o.startPrices[baseName] as number);
      let e = this.idio.get(name) ?? 0;
      base.forEach((p, j) => {
        if (from + j > 0) e = 0.9 * e + rng.normal(0, 0.003);
        out[from + j] = start * Math.pow(p / b0, beta) * Math.exp(e);
      });
      this.idio.set(name, e);
    });
    return { from, to: from + this.perDay - 1 };
  }
}

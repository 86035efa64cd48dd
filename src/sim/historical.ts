/**
 * Historical replay: daily OHLC candles (Yahoo Finance CSV layout) turned into intraday
 * price paths that pass exactly through each day's open, high, low and close.
 */
import { readFileSync } from "node:fs";
import type { PricePaths } from "./paths";
import { Rng } from "./random";

export interface OhlcRow {
  /** YYYY-MM-DD (UTC). */
  date: string;
  /** Midnight UTC of `date`, in seconds. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  adjClose: number;
  volume: number;
  /** true when the source row held `null` and the previous close was carried. */
  missing: boolean;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC of a YYYY-MM-DD date, in seconds. Throws on malformed dates. */
export function dateToSeconds(date: string): number {
  const m = DATE_RE.exec(date);
  if (m === null) throw new Error(`expected a YYYY-MM-DD date, got "${date}"`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== date) throw new Error(`invalid date "${date}"`);
  return ms / 1000;
}

function isNum(v: number | null | undefined): v is number {
  return typeof v === "number";
}

function parseField(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const t = raw.trim();
  if (t === "" || t.toLowerCase() === "null" || t.toLowerCase() === "nan") return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

/**
 * Parses CSV text with columns Date,Open,High,Low,Close,Adj Close,Volume (header required,
 * column order taken from it). Rows whose prices are `null` carry the previous close
 * (open = high = low = close = previous close, volume 0, `missing: true`); leading null rows
 * are dropped. High/low are widened if needed so that low <= open, close <= high.
 * Rows are returned sorted by date; duplicate dates throw.
 */
export function parseOhlcCsv(text: string, source = "csv"): OhlcRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines[0] ?? "").split(",").map((h) => h.trim().toLowerCase());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${source}: missing column "${name}" in header`);
    return i;
  };
  const iDate = col("date");
  const priceCols = [col("open"), col("high"), col("low"), col("close")];
  const iAdj = header.indexOf("adj close");
  const iVol = header.indexOf("volume");
  const parsed: { date: string; f: (number | null)[] }[] = [];
  for (let n = 1; n < lines.length; n++) {
    const cells = (lines[n] as string).split(",");
    const date = (cells[iDate] ?? "").trim();
    dateToSeconds(date);
    const f = [...priceCols, iAdj, iVol].map((i) => (i < 0 ? null : parseField(cells[i])));
    parsed.push({ date, f });
  }
  parsed.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const rows: OhlcRow[] = [];
  let prevClose: number | null = null;
  let prevDate = "";
  for (const { date, f } of parsed) {
    if (date === prevDate) throw new Error(`${source}: duplicate date ${date}`);
    prevDate = date;
    const [open, high, low, close, adj, vol] = f;
    const time = dateToSeconds(date);
    if (!isNum(open) || !isNum(high) || !isNum(low) || !isNum(close) || open <= 0 || close <= 0) {
      if (prevClose === null) continue;
      rows.push({
        date,
        time,
        open: prevClose,
        high: prevClose,
        low: prevClose,
        close: prevClose,
        adjClose: prevClose,
        volume: 0,
        missing: true,
      });
      continue;
    }
    rows.push({
      date,
      time,
      open,
      high: Math.max(high, open, close),
      low: Math.min(low > 0 ? low : Infinity, open, close),
      close,
      adjClose: isNum(adj) ? adj : close,
      volume: isNum(vol) ? vol : 0,
      missing: false,
    });
    prevClose = close;
  }
  return rows;
}

/** Reads and parses a daily OHLC CSV file (see `parseOhlcCsv`). */
export function loadOhlcCsv(path: string): OhlcRow[] {
  return parseOhlcCsv(readFileSync(path, "utf8"), path);
}

export interface HistoricalOptions {
  /** Asset name -> CSV file path (or already-parsed rows). */
  csvByAsset: Record<string, string | readonly OhlcRow[]>;
  /** First day, YYYY-MM-DD inclusive (default: first common day). */
  from?: string;
  /** Last day, YYYY-MM-DD inclusive (default: last common day). */
  to?: string;
  /** Intraday points per day (default 24, minimum 4). */
  stepsPerDay?: number;
  seed: number | string;
  /**
   * Order of the day's high and low: "random" (default, 50/50) or "ohlc" (bar convention:
   * high first on a down day, low first on an up day).
   */
  anchorOrder?: AnchorOrder;
}

export type AnchorOrder = "random" | "ohlc";

export interface HistoricalDay {
  date: string;
  /** Index of the day's open in the path; its close is at firstStep + stepsPerDay - 1. */
  firstStep: number;
  lastStep: number;
}

export interface HistoricalPaths extends PricePaths {
  days: HistoricalDay[];
  /** The candles replayed, per asset (same days for every asset). */
  ohlc: Record<string, OhlcRow[]>;
}

/**
 * Replays daily candles for the days common to every asset within [from, to]. Each day gets
 * `stepsPerDay` points spaced 86400 / stepsPerDay seconds apart from midnight UTC: the first is
 * the open, the last the close, and the high and low sit at two random interior points in a
 * random order. Between these anchors the log price follows a Brownian bridge whose excursions
 * are shrunk so that the path never leaves [low, high]; the day's extremes are hit exactly.
 */
export function historicalPaths(opts: HistoricalOptions): HistoricalPaths {
  const perDay = opts.stepsPerDay ?? 24;
  if (!Number.isInteger(perDay) || perDay < 4)
    throw new RangeError(`stepsPerDay must be an integer >= 4`);
  const names = Object.keys(opts.csvByAsset);
  if (names.length === 0) throw new Error("historicalPaths: csvByAsset is empty");
  const fromT = opts.from === undefined ? -Infinity : dateToSeconds(opts.from);
  const toT = opts.to === undefined ? Infinity : dateToSeconds(opts.to);
  if (fromT > toT) throw new RangeError(`from (${opts.from}) is after to (${opts.to})`);

  const byAsset = new Map<string, Map<string, OhlcRow>>();
  for (const name of names) {
    const src = opts.csvByAsset[name] as string | readonly OhlcRow[];
    const rows = typeof src === "string" ? loadOhlcCsv(src) : src;
    const m = new Map<string, OhlcRow>();
    for (const r of rows) if (r.time >= fromT && r.time <= toT) m.set(r.date, r);
    byAsset.set(name, m);
  }
  const first = byAsset.get(names[0] as string) as Map<string, OhlcRow>;
  const dates = [...first.keys()].filter((d) => names.every((n) => byAsset.get(n)?.has(d))).sort();
  if (dates.length === 0) {
    throw new Error(
      `historicalPaths: no common dates for ${names.join(", ")} in [${opts.from ?? "-"}, ${opts.to ?? "-"}]`,
    );
  }

  const rng = new Rng(opts.seed);
  const dtSeconds = 86400 / perDay;
  const timestamps: number[] = [];
  const days: HistoricalDay[] = [];
  const prices: number[][] = names.map(() => []);
  const ohlc: Record<string, OhlcRow[]> = {};
  for (const n of names) ohlc[n] = [];
  for (const date of dates) {
    const t0 = dateToSeconds(date);
    const firstStep = timestamps.length;
    for (let j = 0; j < perDay; j++) timestamps.push(t0 + j * dtSeconds);
    days.push({ date, firstStep, lastStep: firstStep + perDay - 1 });
    names.forEach((n, i) => {
      const row = byAsset.get(n)?.get(date) as OhlcRow;
      (ohlc[n] as OhlcRow[]).push(row);
      for (const p of intradayPath(row, perDay, rng, opts.anchorOrder))
        (prices[i] as number[]).push(p);
    });
  }
  return {
    dtSeconds,
    timestamps,
    assets: names.map((name, i) => ({ name, prices: prices[i] as number[] })),
    events: [],
    days,
    ohlc,
  };
}

/**
 * `n` prices for one candle: open at 0, close at n - 1, high and low at two distinct random
 * interior indices (order per `order`), log-space Brownian bridges in between, kept in
 * [low, high].
 */
export function intradayPath(
  row: Pick<OhlcRow, "open" | "high" | "low" | "close">,
  n: number,
  rng: Rng,
  order: AnchorOrder = "random",
): number[] {
  if (n < 4) throw new RangeError("intradayPath needs at least 4 points");
  const { open, high, low, close } = row;
  if (!(low > 0 && low <= Math.min(open, close) && high >= Math.max(open, close))) {
    throw new RangeError(`inconsistent candle o=${open} h=${high} l=${low} c=${close}`);
  }
  const a = 1 + rng.int(n - 2);
  let b = 1 + rng.int(n - 3);
  if (b >= a) b++;
  const coin = rng.next() < 0.5;
  const highFirst = order === "ohlc" ? (close === open ? coin : close < open) : coin;
  const [i1, i2] = a < b ? [a, b] : [b, a];
  const lnHi = Math.log(high);
  const lnLo = Math.log(low);
  const anchors: [number, number][] = [
    [0, Math.log(open)],
    [i1, highFirst ? lnHi : lnLo],
    [i2, highFirst ? lnLo : lnHi],
    [n - 1, Math.log(close)],
  ];
  // Parkinson: daily vol ~ ln(H/L) / (2 sqrt(ln 2)) ~ 0.6 ln(H/L); spread over n steps.
  const sigma = (0.6 * (lnHi - lnLo)) / Math.sqrt(n);
  const logs = new Array<number>(n).fill(0);
  for (let s = 0; s < anchors.length - 1; s++) {
    const [j0, v0] = anchors[s] as [number, number];
    const [j1, v1] = anchors[s + 1] as [number, number];
    logs[j0] = v0;
    logs[j1] = v1;
    bridge(logs, j0, j1, v0, v1, sigma, lnLo, lnHi, () => rng.normal());
  }
  const out = logs.map((v) => Math.exp(v));
  // Exact anchors (exp/log round trip can be off by an ulp).
  out[0] = open;
  out[n - 1] = close;
  out[i1] = highFirst ? high : low;
  out[i2] = highFirst ? low : high;
  return out.map((p) => Math.min(high, Math.max(low, p)));
}

/** Fills logs[j0+1 .. j1-1] with a Brownian bridge from v0 to v1 driven by the standard
 *  normal draws `draw(j)` (called once per j, in order), with upward and downward excursions
 *  shrunk separately so that it stays inside [lo, hi]. */
export function bridge(
  logs: number[],
  j0: number,
  j1: number,
  v0: number,
  v1: number,
  sigma: number,
  lo: number,
  hi: number,
  draw: (j: number) => number,
): void {
  const len = j1 - j0;
  if (len < 2) return;
  const lin = (j: number): number => v0 + ((v1 - v0) * (j - j0)) / len;
  const dev: number[] = [];
  let x = v0;
  for (let j = j0 + 1; j < j1; j++) {
    const left = j1 - j + 1;
    x = x + (v1 - x) / left + sigma * Math.sqrt((left - 1) / left) * draw(j);
    dev.push(x - lin(j));
  }
  let up = 1;
  let down = 1;
  dev.forEach((d, k) => {
    const l = lin(j0 + 1 + k);
    if (d > 0) up = Math.min(up, (0.999 * (hi - l)) / d);
    if (d < 0) down = Math.min(down, (0.999 * (l - lo)) / -d);
  });
  up = Math.max(0, up);
  down = Math.max(0, down);
  dev.forEach((d, k) => {
    logs[j0 + 1 + k] = lin(j0 + 1 + k) + d * (d > 0 ? up : down);
  });
}

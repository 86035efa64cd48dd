/** Daily price series: CSV parsing (`Date,Open,High,Low,Close,Adj Close,Volume`), the date
 *  window a derivation reads, daily log returns over consecutive calendar days, spread returns
 *  on common dates and the median recent dollar volume. */
import { median } from "./stats";

/** One usable day of a series: the close and the day's volume (USD for the bundled series). */
export interface DailyRow {
  date: string; // YYYY-MM-DD
  close: number;
  volume: number;
}

/** A daily log return, dated by the later of its two closes. */
export interface DatedReturn {
  date: string;
  r: number;
}

const DAY_MS = 86_400_000;

function dayIndex(date: string, where: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`${where}: bad date "${date}"`);
  const t = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(t)) throw new Error(`${where}: bad date "${date}"`);
  return Math.round(t / DAY_MS);
}

/** `date` as a validated YYYY-MM-DD string (throws otherwise; `where` names the source). */
export function checkDate(date: string, where: string): string {
  const day = dayIndex(date, where);
  if (new Date(day * DAY_MS).toISOString().slice(0, 10) !== date)
    throw new Error(`${where}: bad date "${date}"`);
  return date;
}

/** `date` shifted by `days` calendar days. */
export function addDays(date: string, days: number): string {
  return new Date((dayIndex(date, "date") + days) * DAY_MS).toISOString().slice(0, 10);
}

/** The rows dated within `[from, to]` (inclusive). A missing `to` is the last row's date; a
 *  missing `from` is `to` minus `defaultDays` days. Throws when fewer than two rows remain. */
export function windowRows(
  rows: readonly DailyRow[],
  window: { from?: string; to?: string },
  defaultDays: number,
  label = "series",
): DailyRow[] {
  const last = rows[rows.length - 1];
  if (last === undefined) throw new Error(`${label}: no rows`);
  const to = window.to ?? last.date;
  const from = window.from ?? addDays(to, -defaultDays);
  if (from > to) throw new Error(`${label}: window ${from} .. ${to} is empty`);
  const out = rows.filter((r) => r.date >= from && r.date <= to);
  if (out.length < 2) throw new Error(`${label}: fewer than two rows dated ${from} .. ${to}`);
  return out;
}

/** Parses a daily OHLC CSV. Rows whose Close or Volume is not a number (`null` in the bundled
 *  files) are skipped; a Close must be positive. Dates must strictly increase. */
export function parseDailyCsv(text: string, label = "csv"): DailyRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${label}: no "${name}" column`);
    return i;
  };
  const [iDate, iClose, iVolume] = [col("Date"), col("Close"), col("Volume")];
  const rows: DailyRow[] = [];
  let last = -Infinity;
  for (let n = 1; n < lines.length; n++) {
    const cells = (lines[n] as string).split(",");
    const date = (cells[iDate] ?? "").trim();
    const day = dayIndex(date, `${label} line ${n + 1}`);
    if (day <= last) throw new Error(`${label} line ${n + 1}: dates must strictly increase`);
    last = day;
    const close = Number(cells[iClose]);
    const volume = Number(cells[iVolume]);
    const blank = (cells[iClose] ?? "").trim() === "" || (cells[iVolume] ?? "").trim() === "";
    if (blank || !Number.isFinite(close) || !Number.isFinite(volume)) continue;
    if (close <= 0 || volume < 0) throw new Error(`${label} line ${n + 1}: bad close or volume`);
    rows.push({ date, close, volume });
  }
  if (rows.length < 2) throw new Error(`${label}: fewer than two usable rows`);
  return rows;
}

/** Daily log returns `ln(close_t / close_{t-1})`, only where both closes exist on consecutive
 *  calendar days (a skipped `null` day breaks the chain on both of its sides). */
export function logReturns(rows: readonly DailyRow[]): DatedReturn[] {
  const out: DatedReturn[] = [];
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1] as DailyRow;
    const cur = rows[i] as DailyRow;
    if (dayIndex(cur.date, "series") - dayIndex(prev.date, "series") !== 1) continue;
    out.push({ date: cur.date, r: Math.log(cur.close / prev.close) });
  }
  return out;
}

/** Spread returns `rA - rB` on the dates both series have a return. */
export function spreadReturns(a: readonly DatedReturn[], b: readonly DatedReturn[]): DatedReturn[] {
  const byDate = new Map(b.map((x) => [x.date, x.r]));
  const out: DatedReturn[] = [];
  for (const x of a) {
    const rb = byDate.get(x.date);
    if (rb !== undefined) out.push({ date: x.date, r: x.r - rb });
  }
  return out;
}

/** Median daily volume over the last `window` usable rows. */
export function medianRecentVolume(rows: readonly DailyRow[], window = 365): number {
  return median(rows.slice(-window).map((r) => r.volume));
}

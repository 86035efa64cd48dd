/** Structured log lines: one JSON object per line, `{ t, level, event, ...fields }`. Bigints are
 *  written as decimal strings so that amounts in wei or quote units keep every digit. The text
 *  format (`--log-format text`) writes `time LEVEL event key=value ...` with accounts as
 *  `owner/sub` and amounts with their unit (formatting in ./format.ts). */
import { Units, accountText, textLine } from "./format";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogEvent {
  event: string;
  level?: LogLevel;
  [field: string]: unknown;
}

export type Logger = (e: LogEvent) => void;

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** JSON.stringify with bigints as strings (and Errors as their message). */
export function toJsonLine(e: LogEvent, now = new Date()): string {
  return JSON.stringify({ t: now.toISOString(), level: e.level ?? "info", ...e }, (_k, v) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Error) return v.message;
    return v;
  });
}

/** A logger that writes JSON lines to `write` (stdout by default), dropping lines below `min`.
 *  With `readableAccounts`, `account` fields are written as `owner/sub`. */
export function jsonLogger(
  opts: { min?: LogLevel; write?: (line: string) => void; readableAccounts?: boolean } = {},
): Logger {
  const min = ORDER[opts.min ?? "info"];
  const write = opts.write ?? ((line: string) => process.stdout.write(line + "\n"));
  return (e) => {
    if (ORDER[e.level ?? "info"] < min) return;
    if (opts.readableAccounts && typeof e.account === "bigint")
      e = { ...e, account: accountText(e.account) };
    write(toJsonLine(e));
  };
}

/** A logger that writes readable text lines. The quote token's symbol and decimals are learnt
 *  from the keeper's `keeper_ready` event (until then amounts in quote units are raw). */
export function textLogger(opts: { min?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const min = ORDER[opts.min ?? "info"];
  const write = opts.write ?? ((line: string) => process.stdout.write(line + "\n"));
  const units: Units = {};
  return (e) => {
    if (e.event === "keeper_ready" && typeof e.quoteSymbol === "string") {
      units.quoteSymbol = e.quoteSymbol;
      units.quoteDecimals = Number(e.quoteDecimals);
    }
    if (ORDER[e.level ?? "info"] >= min) write(textLine(e, units));
  };
}

/** Feeds every event to each logger. */
export function teeLogger(...loggers: Logger[]): Logger {
  return (e) => {
    for (const l of loggers) l(e);
  };
}

/** Discards everything (the default when a caller, e.g. the simulator, passes no logger). */
export const silentLogger: Logger = () => undefined;

/** A logger that keeps events in memory (tests). */
export function memoryLogger(): Logger & { events: LogEvent[] } {
  const events: LogEvent[] = [];
  const log = ((e: LogEvent) => {
    events.push(e);
  }) as Logger & { events: LogEvent[] };
  log.events = events;
  return log;
}

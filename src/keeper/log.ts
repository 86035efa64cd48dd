/** Structured log lines: one JSON object per line, `{ t, level, event, ...fields }`. Bigints are
 *  written as decimal strings so that amounts in wei or quote units keep every digit. */

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

/** A logger that writes JSON lines to `write` (stdout by default), dropping lines below `min`. */
export function jsonLogger(opts: { min?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const min = ORDER[opts.min ?? "info"];
  const write = opts.write ?? ((line: string) => process.stdout.write(line + "\n"));
  return (e) => {
    if (ORDER[e.level ?? "info"] >= min) write(toJsonLine(e));
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

/**
 * Terminal progress bar with ETA. Writes to stderr (or an injected stream). On a TTY it
 * redraws one line in place with `\r` (at most every `minIntervalMs`); otherwise it prints a
 * plain line each time another 10 % is completed, so logs stay readable.
 */

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  label?: string;
  /** Bar width in characters (default 30). */
  width?: number;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Override TTY detection (default stream.isTTY). */
  tty?: boolean;
  /** Clock in milliseconds (default Date.now); injectable for tests. */
  now?: () => number;
  /** Minimum time between TTY redraws (default 100 ms). */
  minIntervalMs?: number;
}

/** "1h02m", "3m05s", "42s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "--";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, "0")}m`;
}

export class ProgressBar {
  readonly total: number;
  private done = 0;
  private readonly label: string;
  private readonly width: number;
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastDecile = -1;
  private finished = false;
  private lastLineLength = 0;

  constructor(total: number, opts: ProgressOptions = {}) {
    if (!(total >= 0) || !Number.isFinite(total))
      throw new RangeError(`total must be finite and >= 0, got ${total}`);
    this.total = total;
    this.label = opts.label ?? "";
    this.width = Math.max(5, opts.width ?? 30);
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? this.stream.isTTY === true;
    this.now = opts.now ?? Date.now;
    this.minIntervalMs = opts.minIntervalMs ?? 100;
    this.start = this.now();
  }

  /** Items completed so far. */
  get current(): number {
    return this.done;
  }

  /** Advances by `n` items (default 1). */
  tick(n = 1): void {
    this.update(this.done + n);
  }

  /** Sets the number of completed items. */
  update(done: number): void {
    if (this.finished) return;
    this.done = Math.max(0, Math.min(this.total, done));
    const fraction = this.fraction();
    if (this.tty) {
      const t = this.now();
      if (t - this.lastDraw >= this.minIntervalMs || this.done >= this.total) {
        this.lastDraw = t;
        this.draw();
      }
    } else {
      const decile = Math.floor(fraction * 10 + 1e-9);
      if (decile > this.lastDecile) {
        // One line per newly reached 10 % step (nothing at 0 %).
        if (decile > 0) this.stream.write(this.line() + "\n");
        this.lastDecile = decile;
      }
    }
    if (this.done >= this.total) this.finish();
  }

  /** Completes the bar (prints the final state and a newline on a TTY). Idempotent. */
  finish(message?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tty) {
      this.draw();
      this.stream.write("\n");
    } else if (this.lastDecile < 10 && this.done >= this.total) {
      this.stream.write(this.line() + "\n");
    }
    if (message !== undefined) this.stream.write(message + "\n");
  }

  private fraction(): number {
    return this.total === 0 ? 1 : this.done / this.total;
  }

  /** Estimated time remaining in ms (NaN until something is done). */
  etaMs(): number {
    const elapsed = this.now() - this.start;
    if (this.done <= 0) return NaN;
    if (this.done >= this.total) return 0;
    return (elapsed / this.done) * (this.total - this.done);
  }

  /** The status line, e.g. `label [#####-----]  50.0% 5/10 elapsed 3s ETA 3s`. */
  line(): string {
    const f = this.fraction();
    const filled = Math.round(f * this.width);
    const bar = "#".repeat(filled) + "-".repeat(this.width - filled);
    const pct = (f * 100).toFixed(1).padStart(5);
    const elapsed = formatDuration(this.now() - this.start);
    const eta = this.done >= this.total ? "done" : `ETA ${formatDuration(this.etaMs())}`;
    const prefix = this.label ? `${this.label} ` : "";
    return `${prefix}[${bar}] ${pct}% ${this.done}/${this.total} elapsed ${elapsed} ${eta}`;
  }

  private draw(): void {
    let text = this.line();
    const cols = this.stream.columns;
    if (cols !== undefined && cols > 10 && text.length >= cols) text = text.slice(0, cols - 1);
    const pad = Math.max(0, this.lastLineLength - text.length);
    this.lastLineLength = text.length;
    this.stream.write("\r" + text + " ".repeat(pad));
  }
}

/** The keeper's scan of a large book (docs/keeper.md, "Scanning a large book").
 *
 *  Each account is read through `lens.scanFlags`: one byte per account (health readable,
 *  liquidatable, exposed), and accounts with neither a position nor quote debt are not priced at
 *  all. The first pass reads every known account. Later passes read only the accounts that can
 *  have changed: every account last seen exposed or unreadable (prices and funding move them
 *  every block) and every account an event has named since the previous pass (a deposit, a
 *  trade, a fee...). An account outside both sets has equity >= 0 and no maintenance margin and
 *  nothing has touched it, so it cannot be liquidatable. The few liquidatable accounts are then
 *  read again through `lens.batchHealth` for their equity and maintenance margin (the keeper
 *  acts on the largest shortfall first). */
import { Provider } from "ethers";
import { describeError } from "../common/errors";
import {
  SCAN_EXPOSED,
  SCAN_LIQUIDATABLE,
  SCAN_OK,
  decodeBatchHealth,
  decodeScanFlags,
  encodeBatchHealth,
  encodeScanFlags,
} from "./abi";
import { Logger, silentLogger } from "./log";
import { Candidate, PassReport, mapLimit, readSplitting } from "./report";
import { DEFAULT_RETRY, RetryOptions, withRetry } from "./retry";

/** What the scanner needs from the account index (src/keeper/indexer.ts). */
export interface ScanSource {
  /** Every known account. */
  readonly accounts: ReadonlySet<bigint>;
  /** Bumped when the index starts over: the next pass reads every account. */
  readonly resets: number;
  /** Accounts named by an event since the previous call. */
  takeTouched(): Set<bigint>;
}

export interface ScannerOptions {
  provider: Provider;
  /** The lens's address. */
  lens: string;
  /** Accounts per `scanFlags` call. Default 500. */
  batchSize?: number;
  /** Calls in flight at once. Default 4. */
  concurrency?: number;
  /** Read every known account again every this many passes, as a safety net against an RPC
   *  that lost logs (the targeted passes cannot miss an account otherwise). Default 100;
   *  1 reads every account on every pass. */
  fullEvery?: number;
  retry?: RetryOptions;
  log?: Logger;
}

/** What the last pass did (also logged as `scanned`). */
export interface ScanStats {
  /** Whether the pass read every known account. */
  full: boolean;
  /** Accounts read through `scanFlags`. */
  read: number;
  /** Of these, the ones read because an event named them (and they were not watched). */
  touched: number;
  /** Accounts the next pass will read whatever happens (exposed or unreadable). */
  watched: number;
  liquidatable: number;
  flagsMs: number;
  healthMs: number;
}

interface Flagged {
  account: bigint;
  flags: number;
}

export class BookScanner {
  /** Accounts last seen exposed or unreadable, or whose read failed. */
  private readonly watch = new Set<bigint>();
  private passes = 0;
  private resets = -1;
  /** Set when a full pass did not read every account (aborted): the next one is full too. */
  private incomplete = true;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly fullEvery: number;
  private readonly retry: RetryOptions;
  private readonly log: Logger;
  last?: ScanStats;

  constructor(private readonly opts: ScannerOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.concurrency = opts.concurrency ?? 4;
    this.fullEvery = opts.fullEvery ?? 100;
    for (const [k, v] of Object.entries({
      batchSize: this.batchSize,
      concurrency: this.concurrency,
      fullEvery: this.fullEvery,
    })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`scanner: ${k} must be an integer >= 1`);
    }
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.log = opts.log ?? silentLogger;
  }

  /** One pass over what can have changed since the previous one; returns the liquidatable
   *  accounts, largest shortfall (MM - equity) first. Counts into `report`. */
  async pass(src: ScanSource, report: PassReport, signal?: AbortSignal): Promise<Candidate[]> {
    const touched = src.takeTouched();
    const full =
      this.incomplete || src.resets !== this.resets || this.passes % this.fullEvery === 0;
    this.resets = src.resets;
    this.passes++;
    let targets: bigint[];
    let fromEvents = 0;
    if (full) {
      targets = [...src.accounts];
      for (const a of touched) if (!src.accounts.has(a)) targets.push(a);
    } else {
      const set = new Set(this.watch);
      for (const a of touched) {
        if (!set.has(a)) {
          set.add(a);
          fromEvents++;
        }
      }
      targets = [...set];
    }
    const t0 = Date.now();
    const rows = await this.flags(targets, report, signal);
    const flagsMs = Date.now() - t0;
    if (full) this.incomplete = signal?.aborted ?? false;
    const liquidatable: bigint[] = [];
    for (const { account, flags } of rows) {
      report.scanned++;
      const ok = (flags & SCAN_OK) !== 0;
      if (!ok) report.unreadable++;
      if (!ok || (flags & SCAN_EXPOSED) !== 0) this.watch.add(account);
      else this.watch.delete(account);
      if ((flags & SCAN_LIQUIDATABLE) !== 0) liquidatable.push(account);
    }
    const t1 = Date.now();
    const found = signal?.aborted ? [] : await this.figures(liquidatable, report);
    report.liquidatable = found.length;
    this.last = {
      full,
      read: rows.length,
      touched: fromEvents,
      watched: this.watch.size,
      liquidatable: found.length,
      flagsMs,
      healthMs: Date.now() - t1,
    };
    return found.sort((a, b) =>
      b.shortfall > a.shortfall ? 1 : b.shortfall < a.shortfall ? -1 : 0,
    );
  }

  /** `scanFlags` over `accounts` in batches, `concurrency` at a time. An account whose batch
   *  failed is watched (read again next pass) and counted as an error. */
  private async flags(
    accounts: bigint[],
    report: PassReport,
    signal?: AbortSignal,
  ): Promise<Flagged[]> {
    const batches: bigint[][] = [];
    for (let i = 0; i < accounts.length; i += this.batchSize) {
      batches.push(accounts.slice(i, i + this.batchSize));
    }
    const out = await mapLimit(batches, this.concurrency, async (batch) => {
      if (signal?.aborted) {
        for (const a of batch) this.watch.add(a);
        return [];
      }
      return this.read(batch, report);
    });
    return out.flat();
  }

  /** One `scanFlags` batch; a batch the node refuses (gas cap...) is split in halves, and the
   *  accounts of a batch that still fails are watched in the next pass. */
  private read(batch: bigint[], report: PassReport): Promise<Flagged[]> {
    return readSplitting(
      batch,
      async (b) => {
        const res = await withRetry(
          "scanFlags",
          () => this.opts.provider.call({ to: this.opts.lens, data: encodeScanFlags(b) }),
          this.retry,
        );
        const flags = decodeScanFlags(res);
        if (flags.length !== b.length) throw new Error(`scanFlags: ${flags.length} rows`);
        return b.map((account, i) => ({ account, flags: flags[i] }));
      },
      { log: this.log, report, onFail: (b) => b.forEach((a) => this.watch.add(a)) },
    );
  }

  /** Equity and MM of the liquidatable accounts (`batchHealth`). An account that is no longer
   *  liquidatable by then is dropped; one whose health cannot be read (stale market, which
   *  `liquidate` still acts on) or whose batch failed keeps zero figures and goes last. */
  private async figures(accounts: bigint[], report: PassReport): Promise<Candidate[]> {
    const batches: bigint[][] = [];
    for (let i = 0; i < accounts.length; i += this.batchSize) {
      batches.push(accounts.slice(i, i + this.batchSize));
    }
    const out = await mapLimit(batches, this.concurrency, async (batch) => {
      try {
        const data = encodeBatchHealth(batch);
        const res = await withRetry(
          "batchHealth",
          () => this.opts.provider.call({ to: this.opts.lens, data }),
          this.retry,
        );
        const h = decodeBatchHealth(res);
        if (h.ok.length !== batch.length) throw new Error(`batchHealth: ${h.ok.length} rows`);
        const rows: Candidate[] = [];
        batch.forEach((account, i) => {
          if (!h.liquidatable[i]) return;
          rows.push({
            account,
            equity: h.equity[i],
            mm: h.mm[i],
            shortfall: h.mm[i] - h.equity[i],
          });
        });
        return rows;
      } catch (err) {
        report.errors++;
        this.log({
          event: "batch_failed",
          level: "error",
          size: batch.length,
          error: describeError(err),
        });
        return batch.map((account) => ({ account, equity: 0n, mm: 0n, shortfall: 0n }));
      }
    });
    return out.flat();
  }
}

/** The liquidation keeper: follows the engine's events to know every account, reads their health
 *  in batches through the lens, liquidates the liquidatable ones (largest shortfall first),
 *  settles delayed orders once their price exists and cancels expired ones, each only when the
 *  reward covers the gas. Races, reverts and RPC failures are counted and logged, never fatal. */
import { Provider } from "ethers";
import {
  ICrossmargin,
  CrossmarginLens,
  ICrossmarginRisk__factory,
  MockERC20__factory,
} from "../../typechain-types";
import { describeError } from "../common/errors";
import { wad } from "../common/units";
import { decodeBatchHealth, encodeBatchHealth } from "./abi";
import { ActCtx, ActionKind, Executor, Sent } from "./actions";
export type { ActionKind } from "./actions";
import { adlCandidates } from "./adl";
import { CollateralLiquidator } from "./collateral";
import { AccountIndexer } from "./indexer";
import { BookScanner } from "./scan";
import { Logger, silentLogger } from "./log";
import { ethUsdReader } from "./profit";
import { Candidate, PassReport, addReport, emptyReport, mapLimit, readSplitting } from "./report";
import { DEFAULT_RETRY, RetryOptions, sleep, withRetry } from "./retry";
import { DEFAULT_REPLACE, TxSender } from "./tx";
import { DEFAULT_MAX_FEE_WEI, DEFAULT_PRIORITY_FEE_WEI, KeeperOptions } from "./options";
import { processOrders } from "./orders";
import { housekeeping, usdToQuoteUnits } from "./housekeeping";

export * from "./log";
export * from "./report";
export { AccountIndexer } from "./indexer";
export { BookScanner } from "./scan";
export type { ScanStats } from "./scan";
export { adlCandidates } from "./adl";
export type { AdlTarget } from "./adl";
export type { LiquidationParams, OrderKey } from "./indexer";
export * from "./profit";
export { withRetry, isRetryableRpcError } from "./retry";
export type { KeeperOptions } from "./options";

interface HealthRow {
  account: bigint;
  ok: boolean;
  equity: bigint;
  mm: bigint;
  liquidatable: boolean;
}

export class Keeper {
  readonly engine: ICrossmargin;
  readonly lens: CrossmarginLens;
  readonly provider: Provider;
  readonly log: Logger;
  readonly retry: RetryOptions;
  private readonly minProfit: bigint;
  private readonly minProfitByAction: Partial<Record<ActionKind, bigint>>;
  private readonly tx: TxSender;
  private collateral?: CollateralLiquidator;
  /** Set once the first pass has created it. */
  private index?: AccountIndexer;
  private setup?: Promise<{
    indexer: AccountIndexer;
    book: BookScanner;
    executor: Executor;
    ethUsd: () => Promise<bigint>;
    quoteDecimals: number;
    me: string;
    quote: string;
    to: { lens: string };
  }>;

  constructor(readonly opts: KeeperOptions) {
    if (!opts.signer.provider) throw new Error("the keeper's signer needs a provider");
    this.provider = opts.signer.provider;
    this.engine = opts.engine.connect(opts.signer);
    this.lens = opts.lens.connect(opts.signer);
    this.log = opts.log ?? silentLogger;
    this.minProfit = wad(String(opts.minProfitUsd ?? 0.5));
    this.minProfitByAction = Object.fromEntries(
      Object.entries(opts.minProfitByAction ?? {})
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, wad(String(v))]),
    );
    this.retry = {
      ...DEFAULT_RETRY,
      maxRetries: opts.maxRetries ?? DEFAULT_RETRY.maxRetries,
      baseDelayMs: opts.retryBaseMs ?? DEFAULT_RETRY.baseDelayMs,
      onRetry: (i) => this.log({ event: "rpc_retry", level: "warn", ...i }),
    };
    this.tx = new TxSender(
      opts.signer,
      this.provider,
      this.retry,
      this.log,
      opts.receiptPollMs ?? 1_000,
      opts.receiptTimeoutMs ?? 180_000,
      opts.drainTimeoutMs ?? 30_000,
      {
        maxFeeWei: opts.maxFeeWei ?? DEFAULT_MAX_FEE_WEI,
        priorityFeeWei: opts.priorityFeeWei ?? DEFAULT_PRIORITY_FEE_WEI,
      },
      {
        replaceAfterMs: opts.replaceAfterMs ?? DEFAULT_REPLACE.replaceAfterMs,
        maxReplacements: opts.maxReplacements ?? DEFAULT_REPLACE.maxReplacements,
      },
    );
  }

  /** Writes the index state file now (the run does it when it stops). No-op before the first
   *  pass has set the keeper up. */
  saveState(): void {
    this.index?.save();
  }

  /** The account index (created on the first pass). */
  async indexer(): Promise<AccountIndexer> {
    return (await this.init()).indexer;
  }

  private init() {
    this.setup ??= (async () => {
      const r = this.retry;
      const [network, me, engineAddress, quote] = await Promise.all([
        withRetry("getNetwork", () => this.provider.getNetwork(), r),
        this.opts.signer.getAddress(),
        this.engine.getAddress(),
        withRetry("quoteToken", () => this.engine.quoteToken(), r),
      ]);
      const quoteToken = MockERC20__factory.connect(quote, this.provider);
      const [quoteDecimals, quoteSymbol] = await Promise.all([
        withRetry("decimals", () => quoteToken.decimals(), r).then(Number),
        quoteToken.symbol().catch(() => "quote"),
      ]);
      // The gas cost is always priced and logged; only a keeper that ignores the profit may
      // run without an ETH/USD price (then its gas cost shows as 0).
      const ethUsd = await withRetry(
        "ethUsd",
        () => ethUsdReader(this.engine, this.opts.ethUsd ?? { kind: "auto" }),
        r,
      ).catch((err: unknown) => {
        if (!this.opts.ignoreProfit) throw err;
        this.log({ event: "no_eth_usd", level: "warn", error: describeError(err) });
        return async () => 0n;
      });
      const indexer = new AccountIndexer({
        provider: this.provider,
        engine: engineAddress,
        chainId: Number(network.chainId),
        fromBlock: this.opts.fromBlock,
        stateFile: this.opts.stateFile,
        pageSize: this.opts.pageSize,
        confirmations: this.opts.confirmations,
        retry: this.retry,
        log: this.log,
      });
      this.index = indexer;
      if (indexer.resumedFrom !== undefined) {
        this.log({
          event: "state_loaded",
          file: this.opts.stateFile,
          resumeFrom: indexer.resumedFrom,
          accounts: indexer.accounts.size,
        });
      }
      this.log({
        event: "keeper_ready",
        keeper: me,
        engine: engineAddress,
        chainId: network.chainId,
        quoteSymbol,
        quoteDecimals,
      });
      const executor = new Executor({
        engine: this.engine,
        provider: this.provider,
        tx: this.tx,
        log: this.log,
        retry: this.retry,
        me,
        engineAddress,
        quoteDecimals,
        indexer,
        minProfit: this.minProfit,
        minProfitByAction: this.minProfitByAction,
        ignoreProfit: this.opts.ignoreProfit ?? false,
        gasMultiplier: this.opts.gasMultiplier ?? 1.3,
      });
      const lens = await this.lens.getAddress();
      const book = new BookScanner({
        provider: this.provider,
        lens,
        batchSize: this.opts.batchSize,
        concurrency: this.opts.concurrency,
        retry: this.retry,
        log: this.log,
      });
      return { indexer, book, executor, ethUsd, quoteDecimals, me, quote, to: { lens } };
    })();
    this.setup.catch(() => {
      this.setup = undefined;
    });
    return this.setup;
  }

  /** One pass: index new logs, scan every account, liquidate, then settle or cancel orders. */
  async runOnce(opts: { signal?: AbortSignal } = {}): Promise<PassReport> {
    const t0 = Date.now();
    const report = emptyReport();
    const { indexer, book } = await this.init();
    const signal = opts.signal;

    const sync = await indexer.sync({ signal });
    report.fromBlock = sync.fromBlock;
    report.toBlock = sync.toBlock;
    report.newAccounts = sync.newAccounts;
    report.knownAccounts = indexer.accounts.size;
    report.indexMs = Date.now() - t0;
    const newBlocks = Math.max(0, sync.toBlock - sync.fromBlock + 1);
    // Detail at debug level: the `pass` line says it all for an idle pass.
    this.log({
      event: "indexed",
      level: "debug",
      ...(newBlocks > 0 ? { fromBlock: sync.fromBlock } : {}),
      toBlock: sync.toBlock,
      newBlocks,
      pages: sync.pages,
      logs: sync.logs,
      newAccounts: sync.newAccounts,
      aborted: sync.aborted,
      known: indexer.accounts.size,
      ms: report.indexMs,
    });

    if (!signal?.aborted) {
      const t1 = Date.now();
      // Only what can have changed since the last pass (src/keeper/scan.ts).
      const candidates = await book.pass(indexer, report, signal);
      report.scanMs = Date.now() - t1;
      this.log({
        event: "scanned",
        level: "debug",
        ...book.last,
        scanned: report.scanned,
        liquidatable: candidates.length,
        unreadable: report.unreadable,
        ms: report.scanMs,
      });
      const ctx: ActCtx = { report, signal, ethUsd: 0n };
      if (candidates.length > 0 || indexer.orders.size > 0) await this.prepare(ctx);
      if (candidates.length > 0) await this.liquidateAll(candidates, ctx);
      const bare = candidates.filter((c) => c.mm === 0n);
      if (this.opts.liquidateCollateral && bare.length > 0 && !signal?.aborted)
        await this.liquidateCollateralAll(bare, ctx);
      if (indexer.orders.size > 0 && !signal?.aborted) await this.processOrders(ctx);
      if (!signal?.aborted) await this.deleverageAll(ctx);
      if (!signal?.aborted) await this.housekeeping(ctx);
      indexer.save();
    }
    report.aborted = signal?.aborted ?? false;
    report.durationMs = Date.now() - t0;
    const { fromBlock, toBlock, ...rest } = report;
    this.log({
      event: "pass",
      block: toBlock,
      newBlocks: Math.max(0, toBlock - fromBlock + 1),
      ...rest,
      liquidated: report.liquidated.length,
    });
    return report;
  }

  /** Passes until `signal` aborts (or `maxPasses`), `intervalMs` apart; returns the totals. */
  async run(
    opts: { intervalMs?: number; signal?: AbortSignal; maxPasses?: number } = {},
  ): Promise<PassReport & { passes: number }> {
    const totals = { ...emptyReport(), passes: 0 };
    while (!opts.signal?.aborted) {
      try {
        const r = await this.runOnce({ signal: opts.signal });
        addReport(totals, r);
      } catch (err) {
        totals.errors++;
        this.log({ event: "pass_failed", level: "error", error: describeError(err) });
      }
      totals.passes++;
      if (opts.maxPasses !== undefined && totals.passes >= opts.maxPasses) break;
      await sleep(opts.intervalMs ?? 5_000, opts.signal);
    }
    this.saveState();
    this.log({ event: "summary", ...totals, liquidated: totals.liquidated.length });
    return totals;
  }

  /** Health of every given account through `lens.batchHealth` (a full read; passes use the
   *  incremental scan of src/keeper/scan.ts); returns the liquidatable ones, largest shortfall
   *  (MM - equity) first. */
  async scan(accounts: bigint[], report: PassReport, signal?: AbortSignal): Promise<Candidate[]> {
    const size = this.opts.batchSize ?? 500;
    const batches: bigint[][] = [];
    for (let i = 0; i < accounts.length; i += size) batches.push(accounts.slice(i, i + size));
    const found: Candidate[] = [];
    await mapLimit(batches, this.opts.concurrency ?? 4, async (batch) => {
      if (signal?.aborted) return;
      const rows = await this.health(batch, report);
      for (const row of rows) {
        report.scanned++;
        if (!row.ok) report.unreadable++;
        // A row that is not ok but liquidatable has a stale market: liquidate still acts on
        // the others; with no figures its shortfall is unknown, so it goes last.
        if (row.liquidatable) found.push({ ...row, shortfall: row.mm - row.equity });
      }
    });
    report.liquidatable = found.length;
    return found.sort((a, b) =>
      b.shortfall > a.shortfall ? 1 : b.shortfall < a.shortfall ? -1 : 0,
    );
  }

  /** One batch; a batch the node refuses (gas cap...) is split in halves. */
  private health(batch: bigint[], report: PassReport): Promise<HealthRow[]> {
    return readSplitting(
      batch,
      async (b) => {
        const { to } = await this.init();
        const data = encodeBatchHealth(b);
        const res = await withRetry(
          "batchHealth",
          () => this.provider.call({ to: to.lens, data }),
          this.retry,
        );
        const h = decodeBatchHealth(res);
        if (h.ok.length !== b.length) throw new Error(`batchHealth: ${h.ok.length} rows`);
        return b.map((account, i) => ({
          account,
          ok: h.ok[i],
          equity: h.equity[i],
          mm: h.mm[i],
          liquidatable: h.liquidatable[i],
        }));
      },
      { log: this.log, report },
    );
  }

  private async prepare(ctx: ActCtx): Promise<void> {
    const { ethUsd } = await this.init();
    ctx.ethUsd = await withRetry("ethUsd", ethUsd, this.retry);
  }

  private async liquidateAll(candidates: Candidate[], ctx: ActCtx): Promise<void> {
    const { executor } = await this.init();
    const sent: Sent[] = [];
    for (const c of candidates) {
      if (ctx.signal?.aborted) break;
      // A reserve that can restore the account acts first (INV-55): the keeper earns the fee.
      const topUp = await this.topUpFirst(c.account, ctx);
      if (topUp) {
        sent.push(topUp);
        continue;
      }
      const data = this.engine.interface.encodeFunctionData("liquidate", [c.account, 0n]);
      // A bankrupt account (equity < 0) pays no reward: its liquidation writes the debt off,
      // under its own threshold (--min-profit-baddebt).
      const kind = c.equity < 0n ? "baddebt" : "liquidate";
      const s = await executor.trySend(kind, c.account, undefined, data, ctx, (result) => {
        const [, reward] = this.engine.interface.decodeFunctionResult("liquidate", result);
        return reward as bigint;
      });
      if (s) {
        ctx.report.liquidationsSent++;
        sent.push(s);
      }
    }
    await executor.collect(sent, ctx);
  }

  /** `topUp` for an account with a reserve that can restore it (checked by a static call);
   *  undefined when it has none or the reserve cannot (then `liquidate` goes ahead). */
  private async topUpFirst(account: bigint, ctx: ActCtx): Promise<Sent | undefined> {
    const { executor } = await this.init();
    const risk = ICrossmarginRisk__factory.connect(
      await this.engine.getAddress(),
      this.opts.signer,
    );
    const protection = await withRetry(
      "getProtection",
      () => risk.getProtection(account),
      this.retry,
    );
    if (!protection.enabled) return undefined;
    const ok = await risk.topUp.staticCall(account).then(
      () => true,
      () => false,
    );
    if (!ok) return undefined;
    const data = risk.interface.encodeFunctionData("topUp", [account]);
    return executor.trySend("topup", account, undefined, data, ctx, (result) => {
      const [, fee] = risk.interface.decodeFunctionResult("topUp", result);
      return fee as bigint;
    });
  }

  /** Accounts without positions whose debt the insurance fund could not buy out: repay it for
   *  their collateral (INV-29), each call checked for profit like a liquidation. */
  private async liquidateCollateralAll(candidates: Candidate[], ctx: ActCtx): Promise<void> {
    const { executor, quoteDecimals } = await this.init();
    this.collateral ??= new CollateralLiquidator(
      this.engine,
      this.opts.signer,
      this.retry,
      async (to, data) => {
        await this.tx.waitMined(await this.tx.send(to, data, 100_000n), ctx.signal);
      },
    );
    let budget = await this.collateral.budget();
    const sent: Sent[] = [];
    for (const c of candidates) {
      for (const a of await this.collateral.actions(c.account, budget, quoteDecimals)) {
        if (ctx.signal?.aborted) break;
        const s = await executor.trySend(
          "collateral",
          a.account,
          undefined,
          a.data,
          ctx,
          a.rewardOf,
        );
        if (s) sent.push(s);
      }
      budget = await this.collateral.budget();
    }
    await executor.collect(sent, ctx);
  }

  /** Auto-deleveraging while the pool is below its floor: candidates by descending score, one
   *  transaction at a time (each changes what the pool still needs), until none is needed. */
  private async deleverageAll(ctx: ActCtx): Promise<void> {
    const { indexer, executor } = await this.init();
    const { needed, targets } = await adlCandidates(this.engine, indexer.accounts, this.retry);
    if (needed === 0n) return;
    this.log({ event: "adl_needed", needed, candidates: targets.length });
    if (ctx.ethUsd === 0n) await this.prepare(ctx);
    for (const t of targets) {
      if (ctx.signal?.aborted) break;
      const [, , still] = await withRetry("adlNeed", () => this.engine.adlNeed(), this.retry);
      if (still === 0n) break;
      const data = this.engine.interface.encodeFunctionData("autoDeleverage", [
        t.account,
        t.marketId,
      ]);
      const s = await executor.trySend("adl", t.account, undefined, data, ctx, (result) => {
        const [, reward] = this.engine.interface.decodeFunctionResult("autoDeleverage", result);
        return reward as bigint;
      });
      if (s) await executor.collect([s], ctx);
    }
  }

  /** Opt-in: the keeper's credited order fees to its wallet, the fund's accrual to the fund. */
  private async housekeeping(ctx: ActCtx): Promise<void> {
    const { collectFeesUsd: collect, sweepFundUsd: sweep } = this.opts;
    if (collect === undefined && sweep === undefined) return;
    const { executor, quoteDecimals, me, quote } = await this.init();
    await housekeeping(
      {
        engine: this.engine,
        executor,
        retry: this.retry,
        me,
        quote,
        collectAtQuote: collect === undefined ? undefined : usdToQuoteUnits(collect, quoteDecimals),
        sweepAtQuote: sweep === undefined ? undefined : usdToQuoteUnits(sweep, quoteDecimals),
      },
      ctx,
    );
  }

  private async processOrders(ctx: ActCtx): Promise<void> {
    const { indexer, executor } = await this.init();
    await processOrders(
      {
        engine: this.engine,
        indexer,
        executor,
        retry: this.retry,
        log: this.log,
        concurrency: this.opts.concurrency ?? 4,
      },
      ctx,
    );
  }
}

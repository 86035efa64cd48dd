/** Acting on what the scan found: simulate (call + estimateGas), check the profit, send, then
 *  book each receipt as won, lost to a faster keeper, or failed. */
import { ICrossmargin, ICrossmarginRisk__factory } from "../../typechain-types";
import { Provider, TransactionReceipt } from "ethers";
import { describeError, parseError, revertData } from "../common/errors";
import { AccountIndexer } from "./indexer";
import { Logger } from "./log";
import { checkProfit, quoteToUsd } from "./profit";
import { PassReport } from "./report";
import { RetryOptions, rpcMessage, withRetry } from "./retry";
import { NonceTakenError, PendingTx, TxSender } from "./tx";

export type ActionKind =
  | "liquidate"
  | "baddebt"
  | "collateral"
  | "settle"
  | "cancel"
  | "adl"
  | "topup"
  | "collect"
  | "sweep";

/** Housekeeping kinds (src/keeper/housekeeping.ts): the keeper's own order fees taken out of
 *  its account, and the fund's accrued penalties swept to it. They earn nothing: the operator's
 *  threshold decided them, so the profit check does not apply, and no reward is booked. */
const isHousekeeping = (k: ActionKind) => k === "collect" || k === "sweep";

/** Liquidation-like kinds: `baddebt` is a `liquidate` of a bankrupt account (equity < 0), which
 *  closes what is left and writes the debt off (BadDebtSettled), under its own threshold. */
const isLiquidation = (k: ActionKind) => k === "liquidate" || k === "baddebt";

export interface Sent {
  kind: ActionKind;
  account: bigint;
  marketId?: number;
  hash: string;
  /** Every version of the transaction (replacements at the same nonce). */
  tx: PendingTx;
  /** The simulated call (replayed to decode the error of a reverted transaction). */
  data: string;
  /** Known reward for orders (quote units); liquidations read theirs from the receipt. */
  reward: bigint;
}

export interface ActCtx {
  report: PassReport;
  signal?: AbortSignal;
  ethUsd: bigint;
}

export interface ExecutorEnv {
  engine: ICrossmargin;
  provider: Provider;
  tx: TxSender;
  log: Logger;
  retry: RetryOptions;
  me: string;
  engineAddress: string;
  quoteDecimals: number;
  indexer: AccountIndexer;
  /** USD WAD: the threshold of actions without their own. */
  minProfit: bigint;
  /** USD WAD, per action (overrides `minProfit`). */
  minProfitByAction?: Partial<Record<ActionKind, bigint>>;
  ignoreProfit: boolean;
  gasMultiplier: number;
}

export class Executor {
  private readonly skipped = new Set<string>();

  constructor(private readonly env: ExecutorEnv) {}

  /** Simulates, checks the profit and sends. Returns undefined when nothing was sent. */
  async trySend(
    kind: ActionKind,
    account: bigint,
    marketId: number | undefined,
    data: string,
    ctx: ActCtx,
    rewardOf: (result: string) => bigint,
  ): Promise<Sent | undefined> {
    const { me, engineAddress, quoteDecimals } = this.env;
    const call = { from: me, to: engineAddress, data };
    let result: string;
    let gas: bigint;
    try {
      [result, gas] = await Promise.all([
        withRetry("call", () => this.env.provider.call(call), this.env.retry),
        withRetry("estimateGas", () => this.env.provider.estimateGas(call), this.env.retry),
      ]);
    } catch (err) {
      const reason = parseError(revertData(err))?.name;
      if (this.raced(kind, reason)) {
        this.countLost(kind, ctx.report);
        this.env.log({ event: "lost", kind, stage: "simulate", account, marketId, reason });
      } else {
        ctx.report.errors++;
        this.env.log({
          event: "simulate_failed",
          level: "warn",
          kind,
          account,
          marketId,
          error: describeError(err),
          rpc: rpcMessage(err),
        });
      }
      return undefined;
    }
    const reward = rewardOf(result);
    let quote;
    try {
      quote = await this.env.tx.quoteFees();
    } catch (err) {
      ctx.report.errors++;
      this.env.log({ event: "fee_quote_failed", level: "warn", kind, error: describeError(err) });
      return undefined;
    }
    if (!quote.ok) {
      ctx.report.skippedFeeCap++;
      const key = `cap:${kind}:${account}:${marketId ?? ""}`;
      const level = this.skipped.has(key) ? "debug" : "info";
      this.skipped.add(key);
      this.env.log({
        event: "skip_fee_cap",
        level,
        kind,
        account,
        marketId,
        neededWei: quote.neededWei,
        capWei: quote.capWei,
        baseFeeWei: quote.baseFeeWei,
      });
      return undefined;
    }
    const fees = quote.fees;
    const p = checkProfit({
      rewardUsd: quoteToUsd(reward, quoteDecimals),
      gas,
      gasPriceWei: fees.gasPriceWei,
      ethUsdWad: ctx.ethUsd,
      minProfitUsd: this.env.minProfitByAction?.[kind] ?? this.env.minProfit,
      ignoreProfit: this.env.ignoreProfit || isHousekeeping(kind),
    });
    const fields = {
      kind,
      account,
      marketId,
      reward,
      gas,
      maxFeePerGas: fees.gasPriceWei,
      ...p,
      minProfitUsd: this.env.minProfitByAction?.[kind] ?? this.env.minProfit,
    };
    if (!p.ok) {
      ctx.report.skippedUnprofitable++;
      // Said once at info level; the same skip on later passes goes to debug.
      const key = `${kind}:${account}:${marketId ?? ""}`;
      const level = this.skipped.has(key) ? "debug" : "info";
      this.skipped.add(key);
      this.env.log({ event: "skip_unprofitable", level, ...fields });
      return undefined;
    }
    const gasLimit = (gas * BigInt(Math.round(this.env.gasMultiplier * 100))) / 100n;
    try {
      const tx = await this.env.tx.send(engineAddress, data, gasLimit, fees);
      const hash = tx.hashes[0];
      this.env.log({ event: "sent", ...fields, hash, nonce: tx.nonce });
      return { kind, account, marketId, hash, tx, data, reward };
    } catch (err) {
      // A node-signed send that reverted at once (the in-process network) may still be a race.
      const reason = parseError(revertData(err))?.name;
      if (this.raced(kind, reason)) {
        this.countLost(kind, ctx.report);
        this.env.log({ event: "lost", kind, stage: "send", account, marketId, reason });
      } else {
        ctx.report.errors++;
        this.env.log({
          event: "send_failed",
          level: "error",
          ...fields,
          error: describeError(err),
          rpc: rpcMessage(err),
        });
      }
      return undefined;
    }
  }

  /** Waits for the receipts (in nonce order) and books the outcome of each transaction. */
  async collect(sent: Sent[], ctx: ActCtx): Promise<void> {
    const { indexer } = this.env;
    for (const s of sent) {
      let receipt: TransactionReceipt;
      try {
        const mined = await this.env.tx.waitMined(s.tx, ctx.signal);
        receipt = mined.receipt;
        s.hash = mined.hash;
      } catch (err) {
        if (err instanceof NonceTakenError) {
          // Another transaction of this key used the nonce: ours was never mined. The sender
          // re-reads the nonce before its next transaction.
          this.countLost(s.kind, ctx.report);
          this.env.log({
            event: "lost",
            kind: s.kind,
            stage: "nonce",
            account: s.account,
            marketId: s.marketId,
            nonce: s.tx.nonce,
            hashes: s.tx.hashes.join(","),
          });
          continue;
        }
        ctx.report.errors++;
        this.env.log({
          event: "receipt_failed",
          level: "error",
          hash: s.hash,
          error: describeError(err),
        });
        continue;
      }
      ctx.report.gasSpentWei += receipt.gasUsed * receipt.gasPrice;
      if (s.marketId !== undefined && receipt.status === 1)
        indexer.dropOrder(s.account, s.marketId);
      if (receipt.status === 1) {
        const reward = isLiquidation(s.kind) ? this.rewardIn(receipt) : s.reward;
        ctx.report.rewardsQuote += reward;
        if (isLiquidation(s.kind)) {
          ctx.report.liquidationsWon++;
          ctx.report.liquidated.push(s.account);
          if (s.kind === "baddebt") ctx.report.badDebtSettled += this.badDebtIn(receipt);
        } else if (s.kind === "collateral") ctx.report.collateralLiquidations++;
        else if (s.kind === "adl") ctx.report.deleveraged++;
        else if (s.kind === "topup") ctx.report.toppedUp++;
        else if (s.kind === "settle") ctx.report.ordersSettled++;
        else if (s.kind === "collect") ctx.report.feesCollected++;
        else if (s.kind === "sweep") ctx.report.fundSweeps++;
        else ctx.report.ordersCancelled++;
        this.env.log({
          event: "won",
          kind: s.kind,
          account: s.account,
          marketId: s.marketId,
          reward,
          hash: s.hash,
          ...(s.tx.replacements > 0 ? { replacements: s.tx.replacements } : {}),
        });
        continue;
      }
      // Reverted: did someone else act first? The call replayed on the block's state says why
      // (NotLiquidatable, NoOrder...); the state itself is the fallback.
      const reason = await this.revertReason(s, receipt.blockNumber);
      const gone = this.raced(s.kind, reason) || (await this.goneAlready(s).catch(() => false));
      if (gone) {
        this.countLost(s.kind, ctx.report);
        if (s.marketId !== undefined) indexer.dropOrder(s.account, s.marketId);
        this.env.log({
          event: "lost",
          kind: s.kind,
          stage: "receipt",
          account: s.account,
          hash: s.hash,
          reason,
        });
      } else {
        ctx.report.errors++;
        this.env.log({
          event: "reverted",
          level: "warn",
          kind: s.kind,
          account: s.account,
          hash: s.hash,
          reason,
        });
      }
    }
  }

  /** The custom error a reverted transaction's call raises on the state of its block. */
  private async revertReason(s: Sent, blockTag: number): Promise<string | undefined> {
    const call = { from: this.env.me, to: s.tx.to, data: s.data, blockTag };
    try {
      await this.env.provider.call(call);
      return undefined;
    } catch (err) {
      return parseError(revertData(err))?.name;
    }
  }

  private async goneAlready(s: Sent): Promise<boolean> {
    if (s.kind === "collect") return false;
    if (s.kind === "sweep") {
      const risk = ICrossmarginRisk__factory.connect(this.env.engineAddress, this.env.provider);
      const accrued = await withRetry(
        "insuranceAccrued",
        () => risk.insuranceAccrued(),
        this.env.retry,
      );
      return accrued === 0n;
    }
    if (s.kind === "adl") {
      const [, , needed] = await withRetry(
        "adlNeed",
        () => this.env.engine.adlNeed(),
        this.env.retry,
      );
      return needed === 0n;
    }
    if (s.kind === "collateral") {
      const a = await withRetry(
        "getAccount",
        () => this.env.engine.getAccount(s.account),
        this.env.retry,
      );
      return a.quoteBalance >= 0n;
    }
    if (isLiquidation(s.kind)) {
      return !(await withRetry(
        "isLiquidatable",
        () => this.env.engine.isLiquidatable(s.account),
        this.env.retry,
      ));
    }
    const order = await withRetry(
      "getOrder",
      () => this.env.engine.getOrder(s.account, s.marketId!),
      this.env.retry,
    );
    return order.commitTime === 0n;
  }

  /** Accounts whose debt a transaction wrote off (BadDebtSettled). */
  private badDebtIn(receipt: TransactionReceipt): number {
    let n = 0;
    for (const l of receipt.logs) {
      try {
        if (this.env.engine.interface.parseLog(l)?.name === "BadDebtSettled") n++;
      } catch {
        // another contract's log
      }
    }
    return n;
  }

  private rewardIn(receipt: TransactionReceipt): bigint {
    let total = 0n;
    const me = receipt.from.toLowerCase();
    for (const l of receipt.logs) {
      const parsed = (() => {
        try {
          return this.env.engine.interface.parseLog(l);
        } catch {
          return null;
        }
      })();
      if (
        parsed?.name === "LiquidationFeePaid" &&
        String(parsed.args.keeper).toLowerCase() === me
      ) {
        total += parsed.args.keeperRewardQuote as bigint;
      }
    }
    return total;
  }

  private raced(kind: ActionKind, reason: string | undefined): boolean {
    if (isLiquidation(kind) || kind === "topup") return reason === "NotLiquidatable";
    if (kind === "adl") return reason === "AdlNotNeeded";
    if (kind === "sweep") return reason === "ZeroAmount";
    if (kind === "collect") return false;
    if (kind === "collateral")
      return reason === "NotLiquidatable" || reason === "NoDebt" || reason === "NothingToSeize";
    return reason === "NoOrder";
  }

  private countLost(kind: ActionKind, report: PassReport): void {
    if (kind === "settle" || kind === "cancel") report.ordersLost++;
    else report.lost++;
  }
}

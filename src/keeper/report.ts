/** What one keeper pass saw and did, and running totals over passes. */
import { describeError } from "../common/errors";
import type { Logger } from "./log";
import { isRetryableRpcError } from "./retry";

export interface PassReport {
  /** Accounts whose health was read. */
  scanned: number;
  liquidatable: number;
  liquidationsSent: number;
  liquidationsWon: number;
  /** Liquidations another keeper got first (the simulation or our transaction reverted
   *  NotLiquidatable). */
  lost: number;
  /** `liquidateCollateral` calls that went through (`--liquidate-collateral`). */
  collateralLiquidations: number;
  /** `autoDeleverage` calls that went through (INV-49 to INV-52). */
  deleveraged: number;
  /** Bankrupt accounts whose debt a liquidation wrote off (BadDebtSettled; also counted in
   *  liquidationsWon). */
  badDebtSettled: number;
  /** `topUp` calls that went through: reserves that saved an account (INV-55). */
  toppedUp: number;
  ordersSettled: number;
  ordersCancelled: number;
  /** Withdrawals of the order fees credited to the keeper's account 0 (INV-71, opt-in). */
  feesCollected: number;
  /** `sweepInsuranceFund` calls that went through (INV-70, opt-in). */
  fundSweeps: number;
  /** Orders another keeper settled or cancelled first. */
  ordersLost: number;
  /** Keeper rewards received, quote-token units. */
  rewardsQuote: bigint;
  /** Gas paid for our transactions, wei. */
  gasSpentWei: bigint;
  skippedUnprofitable: number;
  /** Actions skipped because the fee needed to be mined now exceeds --max-fee-gwei. */
  skippedFeeCap: number;
  /** Accounts the lens could not price (stale feed...). */
  unreadable: number;
  errors: number;
  newAccounts: number;
  knownAccounts: number;
  fromBlock: number;
  toBlock: number;
  liquidated: bigint[];
  indexMs: number;
  scanMs: number;
  durationMs: number;
  aborted: boolean;
}

export function emptyReport(): PassReport {
  return {
    scanned: 0,
    liquidatable: 0,
    liquidationsSent: 0,
    liquidationsWon: 0,
    lost: 0,
    collateralLiquidations: 0,
    deleveraged: 0,
    toppedUp: 0,
    badDebtSettled: 0,
    ordersSettled: 0,
    ordersCancelled: 0,
    feesCollected: 0,
    fundSweeps: 0,
    ordersLost: 0,
    rewardsQuote: 0n,
    gasSpentWei: 0n,
    skippedUnprofitable: 0,
    skippedFeeCap: 0,
    unreadable: 0,
    errors: 0,
    newAccounts: 0,
    knownAccounts: 0,
    fromBlock: 0,
    toBlock: 0,
    liquidated: [],
    indexMs: 0,
    scanMs: 0,
    durationMs: 0,
    aborted: false,
  };
}

/** A liquidatable account found by the scan. */
export interface Candidate {
  account: bigint;
  equity: bigint;
  mm: bigint;
  shortfall: bigint;
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping the order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Adds one pass to running totals. */
export function addReport(totals: PassReport, r: PassReport): void {
  for (const k of Object.keys(r) as (keyof PassReport)[]) {
    const v = r[k];
    if (typeof v === "number" && !["fromBlock", "toBlock", "knownAccounts"].includes(k)) {
      (totals[k] as number) += v;
    } else if (typeof v === "bigint") (totals[k] as bigint) += v;
  }
  const first = totals.fromBlock === 0 && totals.toBlock === 0;
  totals.liquidated.push(...r.liquidated);
  totals.knownAccounts = r.knownAccounts;
  totals.toBlock = r.toBlock;
  if (first) totals.fromBlock = r.fromBlock;
}

/** Reads `batch` with `read`. A batch the node refuses for a reason other than a transient RPC
 *  failure (a gas cap, one account that reverts) is split in halves, each read on its own, so a
 *  bad account fails alone; a batch that still fails is counted in `report.errors`, logged,
 *  handed to `onFail` and gives no rows. */
export async function readSplitting<T>(
  batch: bigint[],
  read: (b: bigint[]) => Promise<T[]>,
  ctx: { log: Logger; report: PassReport; onFail?: (b: bigint[]) => void },
): Promise<T[]> {
  try {
    return await read(batch);
  } catch (err) {
    if (batch.length > 1 && !isRetryableRpcError(err)) {
      ctx.log({
        event: "batch_split",
        level: "warn",
        size: batch.length,
        error: describeError(err),
      });
      const half = batch.length >> 1;
      return [
        ...(await readSplitting(batch.slice(0, half), read, ctx)),
        ...(await readSplitting(batch.slice(half), read, ctx)),
      ];
    }
    ctx.report.errors++;
    ctx.onFail?.(batch);
    ctx.log({
      event: "batch_failed",
      level: "error",
      size: batch.length,
      error: describeError(err),
    });
    return [];
  }
}

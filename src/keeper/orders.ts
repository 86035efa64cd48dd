/** Delayed orders: `engine.orderStatus` for each pending order; settle it as soon as a settlement
 *  round exists, cancel it once expired (the order's keeper fee is the reward). */
import { ICrossmargin } from "../../typechain-types";
import { describeError } from "../common/errors";
import { ActCtx, ActionKind, Executor, Sent } from "./actions";
import { AccountIndexer } from "./indexer";
import { Logger } from "./log";
import { mapLimit } from "./report";
import { RetryOptions, withRetry } from "./retry";

export async function processOrders(
  env: {
    engine: ICrossmargin;
    indexer: AccountIndexer;
    executor: Executor;
    retry: RetryOptions;
    log: Logger;
    concurrency: number;
  },
  ctx: ActCtx,
): Promise<void> {
  const { engine, indexer, executor } = env;
  const keys = [...indexer.orders.values()];
  const statuses = await mapLimit(keys, env.concurrency, async (k) => {
    try {
      return await withRetry(
        "orderStatus",
        () => engine.orderStatus(k.account, k.marketId),
        env.retry,
      );
    } catch (err) {
      ctx.report.errors++;
      env.log({ event: "order_status_failed", level: "error", ...k, error: describeError(err) });
      return undefined;
    }
  });
  const sent: Sent[] = [];
  for (const [i, k] of keys.entries()) {
    const st = statuses[i];
    if (!st || ctx.signal?.aborted) continue;
    const [order, settleable, cancellable, round, phaseProof] = st;
    if (order.commitTime === 0n) {
      indexer.dropOrder(k.account, k.marketId);
      continue;
    }
    if (!settleable && !cancellable) continue;
    const kind: ActionKind = settleable ? "settle" : "cancel";
    // INV-37: the first round of a Chainlink phase settles only with the previous phase's
    // last round as proof.
    const data = !settleable
      ? engine.interface.encodeFunctionData("cancelOrder", [k.account, k.marketId])
      : phaseProof !== 0n
        ? engine.interface.encodeFunctionData("settleOrderAcrossPhase", [
            k.account,
            k.marketId,
            round,
            phaseProof,
          ])
        : engine.interface.encodeFunctionData("settleOrder", [k.account, k.marketId, round]);
    const s = await executor.trySend(kind, k.account, k.marketId, data, ctx, () => order.keeperFee);
    if (s) sent.push(s);
  }
  await executor.collect(sent, ctx);
}

/** Opt-in housekeeping after each pass, each action once its amount reaches the operator's
 *  threshold (USD):
 *  - `collect`: the order fees the engine credits to the keeper's account 0 instead of sending
 *    them (docs/specs.md INV-71) are withdrawn to its wallet, while that account holds no
 *    position and no order (then the whole balance can leave without a margin check failing);
 *  - `sweep`: the liquidation penalties accrued for the insurance fund (INV-70) are swept to it
 *    (`sweepInsuranceFund`, which anyone may call; the keeper pays the gas).
 *  Neither earns the keeper anything: the profit check does not apply (src/keeper/actions.ts). */
import { ICrossmargin, ICrossmarginRisk__factory } from "../../typechain-types";
import { accountId } from "../common/accounts";
import { wad } from "../common/units";
import { ActCtx, Executor, Sent } from "./actions";
import { RetryOptions, withRetry } from "./retry";

export interface HousekeepingEnv {
  engine: ICrossmargin;
  executor: Executor;
  retry: RetryOptions;
  /** The keeper's address. */
  me: string;
  quote: string;
  /** Thresholds in quote units; undefined: off. */
  collectAtQuote?: bigint;
  sweepAtQuote?: bigint;
}

/** USD (decimal string or number) to quote units, rounded up: a threshold is never undercut. */
export function usdToQuoteUnits(usd: number | string, quoteDecimals: number): bigint {
  const scale = 10n ** BigInt(18 - quoteDecimals);
  return (wad(usd) + scale - 1n) / scale;
}

export async function housekeeping(env: HousekeepingEnv, ctx: ActCtx): Promise<void> {
  const { engine, executor, retry } = env;
  const sent: Sent[] = [];
  if (env.collectAtQuote !== undefined && !ctx.signal?.aborted) {
    const account = accountId(env.me, 0);
    const a = await withRetry("getAccount", () => engine.getAccount(account), retry);
    const balance = a.quoteBalance;
    if (
      balance > 0n &&
      balance >= env.collectAtQuote &&
      a.marketMask === 0n &&
      a.orderMask === 0n
    ) {
      const data = engine.interface.encodeFunctionData("withdraw", [
        account,
        env.quote,
        balance,
        env.me,
      ]);
      const s = await executor.trySend("collect", account, undefined, data, ctx, () => 0n);
      if (s) sent.push(s);
    }
  }
  if (env.sweepAtQuote !== undefined && !ctx.signal?.aborted) {
    const risk = ICrossmarginRisk__factory.connect(await engine.getAddress(), engine.runner);
    const accrued = await withRetry("insuranceAccrued", () => risk.insuranceAccrued(), retry);
    if (accrued > 0n && accrued >= env.sweepAtQuote) {
      const data = risk.interface.encodeFunctionData("sweepInsuranceFund");
      const s = await executor.trySend("sweep", 0n, undefined, data, ctx, () => 0n);
      if (s) sent.push(s);
    }
  }
  await executor.collect(sent, ctx);
}

/** What a {@link Keeper} is built with (src/keeper/index.ts). */
import { Signer } from "ethers";
import { ICrossmargin, CrossmarginLens } from "../../typechain-types";
import type { ActionKind } from "./actions";
import { Logger } from "./log";
import { EthUsdSource } from "./profit";
import { DEFAULT_FEE_POLICY } from "./fees";

/** The cap on maxFeePerGas (or the gas price) unless configured: 100 gwei. */
export const DEFAULT_MAX_FEE_WEI = DEFAULT_FEE_POLICY.maxFeeWei;
/** The cap on the tip of a first send unless configured: 2 gwei. */
export const DEFAULT_PRIORITY_FEE_WEI = DEFAULT_FEE_POLICY.priorityFeeWei;

export interface KeeperOptions {
  /** Engine and lens (typechain instances); the keeper reconnects them to `signer`. */
  engine: ICrossmargin;
  lens: CrossmarginLens;
  /** Sends the transactions; its provider is the RPC used for everything. */
  signer: Signer;
  /** First block to index (the deployment block). */
  fromBlock: number;
  /** Smallest profit (USD) worth a transaction, after gas. Default 0.5. */
  minProfitUsd?: number | string;
  /** Per-action minimum profit (USD), overriding `minProfitUsd` for those actions (the command
   *  line's defaults settle and cancel orders at 0). */
  minProfitByAction?: Partial<Record<ActionKind, number | string>>;
  /** Act whatever the profit (test networks). */
  ignoreProfit?: boolean;
  /** Accounts per `batchHealth` call. Default 500. */
  batchSize?: number;
  /** `batchHealth` calls in flight at once. Default 4. */
  concurrency?: number;
  /** JSON file with the last indexed block and the known accounts (resume after a restart). */
  stateFile?: string;
  log?: Logger;
  /** Retries of a failed RPC request before giving up on it. Default 5. */
  maxRetries?: number;
  /** First backoff delay (ms), doubled per retry. Default 200. */
  retryBaseMs?: number;
  /** Blocks per log query at start. Default 10,000. */
  pageSize?: number;
  /** Blocks behind the head to index up to. Default 0. */
  confirmations?: number;
  /** Price of ETH for gas costs. Default: the WETH collateral's oracle. */
  ethUsd?: EthUsdSource;
  /** Gas limit = estimate * this. Default 1.3. */
  gasMultiplier?: number;
  /** Cap on maxFeePerGas (or the legacy gas price), wei: an action whose fee needed now is
   *  higher is skipped (`skip_fee_cap`). Default {@link DEFAULT_MAX_FEE_WEI}. */
  maxFeeWei?: bigint;
  /** Cap on the tip of a first send, wei. Default {@link DEFAULT_PRIORITY_FEE_WEI}. */
  priorityFeeWei?: bigint;
  /** ms without a receipt before a transaction is replaced with higher fees. Default 30,000. */
  replaceAfterMs?: number;
  /** Replacements per transaction at most. Default 5. */
  maxReplacements?: number;
  receiptPollMs?: number;
  receiptTimeoutMs?: number;
  /** After the run's signal aborts, how long receipts of transactions already sent are still
   *  awaited (ms, shared by all of them). Default 30,000. */
  drainTimeoutMs?: number;
  /** Also repay the debt of position-less accounts for their collateral (needs quote tokens;
   *  docs/keeper.md). Default off. */
  liquidateCollateral?: boolean;
  /** Withdraw the order fees credited to the keeper's account 0 (INV-71) to its wallet once
   *  they reach this many USD, while that account holds no position or order. Default off. */
  collectFeesUsd?: number | string;
  /** Sweep the liquidation penalties accrued for the insurance fund (INV-70) once they reach
   *  this many USD. Default off. */
  sweepFundUsd?: number | string;
}

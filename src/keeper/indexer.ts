/** Finds accounts from the engine's events, incrementally: paged `eth_getLogs` from the deployment
 *  block (or from where the state file says it stopped) to the head. Tracks pending delayed
 *  orders and the liquidation parameters from the same logs. The page size halves when the RPC
 *  says the range is too large and grows back after a run of good pages. */
import fs from "fs";
import path from "path";
import { Provider, toQuantity } from "ethers";
import { ICrossmargin__factory } from "../../typechain-types";
import { Logger, silentLogger } from "./log";
import { DEFAULT_RETRY, RetryOptions, errorText, isRetryableRpcError, withRetry } from "./retry";

/** On-chain liquidation parameters (USD and ratios as WAD), from `LiquidationParamsSet`. */
export interface LiquidationParams {
  feeRate: bigint;
  buffer: bigint;
  minKeeperReward: bigint;
  maxKeeperReward: bigint;
  closeFactorHfThreshold: bigint;
  smallDebtUsd: bigint;
  orderKeeperFee: bigint;
  penaltyRate: bigint;
  /** Seconds. */
  accountWindow: bigint;
}

/** The fields of a log the index reads. */
export interface RawLog {
  topics: readonly string[];
  data: string;
}

export interface OrderKey {
  account: bigint;
  marketId: number;
}

/** What the state file holds (JSON). */
export interface IndexerState {
  version: 1;
  chainId: number;
  engine: string;
  /** Last block whose logs are fully indexed. */
  lastBlock: number;
  accounts: string[];
  orders: string[];
  liquidationParams?: Record<keyof LiquidationParams, string>;
}

export interface IndexerOptions {
  provider: Provider;
  engine: string;
  chainId: number;
  /** First block to index (the deployment block). */
  fromBlock: number;
  stateFile?: string;
  /** Blocks per `eth_getLogs` page at start (and the most it grows back to). */
  pageSize?: number;
  /** Blocks behind the head to stay (reorg safety on real networks). */
  confirmations?: number;
  /** Minimum time between state-file writes during a long sync (the end of a sync always writes). */
  saveEveryMs?: number;
  retry?: RetryOptions;
  log?: Logger;
}

export interface SyncResult {
  fromBlock: number;
  toBlock: number;
  pages: number;
  logs: number;
  newAccounts: number;
  aborted: boolean;
}

const iface = ICrossmargin__factory.createInterface();
const topic = (name: Parameters<typeof iface.getEvent>[0]) => iface.getEvent(name).topicHash;
const T = {
  Deposited: topic("Deposited"),
  PositionModified: topic("PositionModified"),
  OrderCommitted: topic("OrderCommitted"),
  OrderSettled: topic("OrderSettled"),
  OrderCancelled: topic("OrderCancelled"),
  LiquidationParamsSet: topic("LiquidationParamsSet"),
};
const ACCOUNT_TOPICS = new Set([T.Deposited, T.PositionModified, T.OrderCommitted]);
/** Every event whose first indexed argument is an account: any change to an account's record
 *  (balances, positions, orders, protection) emits one of these naming it, so the scanner knows
 *  which accounts a block touched (docs/keeper.md, "Scanning a large book"). */
const TOUCH_EVENTS = [
  "OperatorSet",
  "Deposited",
  "Withdrawn",
  "PositionModified",
  "PositionLiquidated",
  "LiquidationFeePaid",
  "CollateralSoldToFund",
  "CollateralLiquidated",
  "BadDebtSettled",
  "OrderCommitted",
  "OrderSettled",
  "OrderCancelled",
  "OrderClamped",
  "OrderFeeCapped",
  "OrderCancelFeeCollected",
  "AutoDeleveraged",
  "ProtectionSet",
  "ToppedUp",
] as const;
const TOUCH_TOPICS = new Set<string>(TOUCH_EVENTS.map(topic));
/** `ToppedUp` also names the reserve account it drew on (second indexed argument). */
const TOPPED_UP = topic("ToppedUp");
const TOPICS = [...new Set([...Object.values(T), ...TOUCH_TOPICS])];

const RANGE_ERROR =
  /range|too many (results|logs|blocks)|more than \d+|limit exceeded|too large|response size|-32005|query returned|max(imum)? (block|results)/i;

/** True when the RPC refused a log query for its size rather than failing. */
export function isRangeError(err: unknown): boolean {
  return RANGE_ERROR.test(errorText(err));
}

export const orderKey = (account: bigint, marketId: number) => `${account}:${marketId}`;

export class AccountIndexer {
  /** Every account seen in an account-bearing event, in order of first appearance. */
  readonly accounts = new Set<bigint>();
  /** Orders committed and not yet settled or cancelled, as seen in the logs. */
  readonly orders = new Map<string, OrderKey>();
  liquidationParams?: LiquidationParams;
  /** Accounts named by an event since the last `takeTouched()` (the first sync touches all). */
  private touched = new Set<bigint>();
  /** Incremented when the index starts over (the chain went behind the state file): every
   *  account must then be read again. */
  resets = 0;
  /** Last block fully indexed (fromBlock - 1 before the first sync). */
  lastBlock: number;
  pageSize: number;
  /** Where the state file told us to resume, if it did. */
  readonly resumedFrom?: number;

  private readonly maxPageSize: number;
  private readonly log: Logger;
  private readonly retry: RetryOptions;
  private goodPages = 0;
  private lastSave = 0;

  constructor(private readonly opts: IndexerOptions) {
    this.maxPageSize = opts.pageSize ?? 10_000;
    this.pageSize = this.maxPageSize;
    this.log = opts.log ?? silentLogger;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.lastBlock = opts.fromBlock - 1;
    const state = this.readState();
    if (state) {
      this.lastBlock = state.lastBlock;
      for (const a of state.accounts) this.accounts.add(BigInt(a));
      for (const k of state.orders) {
        const [account, marketId] = k.split(":");
        this.orders.set(k, { account: BigInt(account), marketId: Number(marketId) });
      }
      if (state.liquidationParams) {
        const p = state.liquidationParams;
        this.liquidationParams = Object.fromEntries(
          Object.entries(p).map(([k, v]) => [k, BigInt(v)]),
        ) as unknown as LiquidationParams;
      }
      this.resumedFrom = state.lastBlock + 1;
    }
  }

  /** Indexes logs from `lastBlock + 1` to the head (minus confirmations) or `toBlock`. */
  async sync(opts: { toBlock?: number; signal?: AbortSignal } = {}): Promise<SyncResult> {
    const { provider } = this.opts;
    const retry = { ...this.retry, signal: opts.signal };
    const head =
      opts.toBlock ??
      (await withRetry("getBlockNumber", () => provider.getBlockNumber(), retry)) -
        (this.opts.confirmations ?? 0);
    if (head < this.lastBlock) {
      // The chain is behind the state file (a restarted dev node): index it from the start.
      this.log({ event: "index_reset", level: "warn", head, stateBlock: this.lastBlock });
      this.accounts.clear();
      this.orders.clear();
      this.liquidationParams = undefined;
      this.touched.clear();
      this.resets++;
      this.lastBlock = this.opts.fromBlock - 1;
    }
    const result: SyncResult = {
      fromBlock: this.lastBlock + 1,
      toBlock: head,
      pages: 0,
      logs: 0,
      newAccounts: 0,
      aborted: false,
    };
    while (this.lastBlock < head) {
      if (opts.signal?.aborted) {
        result.aborted = true;
        break;
      }
      const from = this.lastBlock + 1;
      const to = Math.min(head, from + this.pageSize - 1);
      let logs: RawLog[];
      try {
        logs = await withRetry(
          "getLogs",
          () => this.fetchLogs(from, to),
          retry,
          (e) => isRetryableRpcError(e) && !isRangeError(e),
        );
      } catch (err) {
        if (!isRangeError(err) || this.pageSize <= 1) throw err;
        this.pageSize = Math.max(1, Math.floor(this.pageSize / 2));
        this.goodPages = 0;
        this.log({ event: "index_page_shrunk", level: "warn", from, to, pageSize: this.pageSize });
        continue;
      }
      const before = this.accounts.size;
      this.apply(logs);
      this.lastBlock = to;
      result.pages++;
      result.logs += logs.length;
      result.newAccounts += this.accounts.size - before;
      this.log({
        event: "index_page",
        level: "debug",
        from,
        to,
        logs: logs.length,
        accounts: this.accounts.size,
      });
      if (++this.goodPages >= 4 && this.pageSize < this.maxPageSize) {
        this.pageSize = Math.min(this.maxPageSize, this.pageSize * 2);
        this.goodPages = 0;
      }
      if (Date.now() - this.lastSave >= (this.opts.saveEveryMs ?? 2_000)) this.save();
    }
    this.save();
    return result;
  }

  /** `eth_getLogs` for our topics; raw JSON when the provider speaks JSON-RPC (ethers' Log
   *  objects cost more than the query for tens of thousands of logs). */
  private async fetchLogs(from: number, to: number): Promise<RawLog[]> {
    const p = this.opts.provider as Provider & {
      send?: (m: string, a: unknown[]) => Promise<unknown>;
    };
    const filter = { address: this.opts.engine, topics: [TOPICS] };
    if (typeof p.send === "function") {
      const range = { fromBlock: toQuantity(from), toBlock: toQuantity(to) };
      return (await p.send("eth_getLogs", [{ ...filter, ...range }])) as RawLog[];
    }
    return p.getLogs({ ...filter, fromBlock: from, toBlock: to });
  }

  /** Applies logs in chain order. */
  apply(logs: readonly RawLog[]): void {
    for (const l of logs) {
      const t0 = l.topics[0];
      if (t0 === T.LiquidationParamsSet) {
        const a = iface.parseLog({ topics: [...l.topics], data: l.data })!.args.params;
        this.liquidationParams = {
          feeRate: a.feeRate,
          buffer: a.buffer,
          minKeeperReward: a.minKeeperRewardUsd,
          maxKeeperReward: a.maxKeeperRewardUsd,
          closeFactorHfThreshold: a.closeFactorHfThreshold,
          smallDebtUsd: a.smallDebtUsd,
          orderKeeperFee: a.orderKeeperFeeUsd,
          penaltyRate: a.penaltyRate,
          accountWindow: a.accountWindow,
        };
        continue;
      }
      if (!TOUCH_TOPICS.has(t0)) continue;
      const account = BigInt(l.topics[1]);
      this.touched.add(account);
      if (t0 === TOPPED_UP) this.touched.add(BigInt(l.topics[2]));
      if (ACCOUNT_TOPICS.has(t0)) this.accounts.add(account);
      if (t0 === T.OrderCommitted || t0 === T.OrderSettled || t0 === T.OrderCancelled) {
        const marketId = Number(BigInt(l.topics[2]));
        const key = orderKey(account, marketId);
        if (t0 === T.OrderCommitted) this.orders.set(key, { account, marketId });
        else this.orders.delete(key);
      }
    }
  }

  /** The accounts named by an event since the previous call; starts a new set. */
  takeTouched(): Set<bigint> {
    const t = this.touched;
    this.touched = new Set();
    return t;
  }

  /** Forgets an order (settled or cancelled by us, or found gone on chain). */
  dropOrder(account: bigint, marketId: number): void {
    this.orders.delete(orderKey(account, marketId));
  }

  /** Writes the state file atomically (temp file + rename). No-op without a state file. */
  save(): void {
    const file = this.opts.stateFile;
    this.lastSave = Date.now();
    if (!file) return;
    const state: IndexerState = {
      version: 1,
      chainId: this.opts.chainId,
      engine: this.opts.engine.toLowerCase(),
      lastBlock: this.lastBlock,
      accounts: [...this.accounts].map((a) => "0x" + a.toString(16)),
      orders: [...this.orders.keys()],
      liquidationParams: this.liquidationParams
        ? (Object.fromEntries(
            Object.entries(this.liquidationParams).map(([k, v]) => [k, v.toString()]),
          ) as IndexerState["liquidationParams"])
        : undefined,
    };
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, file);
  }

  private readState(): IndexerState | undefined {
    const file = this.opts.stateFile;
    if (!file || !fs.existsSync(file)) return undefined;
    try {
      const s = JSON.parse(fs.readFileSync(file, "utf8")) as IndexerState;
      const sameChain =
        s.version === 1 &&
        s.chainId === this.opts.chainId &&
        s.engine === this.opts.engine.toLowerCase();
      if (!sameChain) {
        this.opts.log?.({ event: "state_ignored", level: "warn", file, reason: "other chain" });
        return undefined;
      }
      if (s.lastBlock < this.opts.fromBlock - 1) return undefined;
      return s;
    } catch (err) {
      this.opts.log?.({ event: "state_ignored", level: "warn", file, reason: errorText(err) });
      return undefined;
    }
  }
}

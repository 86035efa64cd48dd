/** Drives the simulator's chain (anvil or Hardhat's in-process network, same RPC methods):
 *  impersonated agents, transactions sent with explicit nonces and fees (so that nothing waits
 *  for a block), one block mined per batch at a chosen timestamp, receipts, logs and revert
 *  reasons. Sending with explicit nonce, gas and fees matters: without them Hardhat recomputes
 *  the pending block on every send. */
import { Interface, toBeHex } from "ethers";
import { Eip1193 } from "../chain/reader";

export interface SentTx {
  hash: string;
  from: string;
  to: string;
  data: string;
  /** Action type for gas statistics, e.g. "trade:open". */
  tag: string;
  /** Whatever the caller wants back with the receipt. */
  meta?: unknown;
}

export interface MinedTx extends SentTx {
  ok: boolean;
  gasUsed: bigint;
  block: number;
  logs: RawLog[];
}

export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  logIndex: string;
  transactionHash: string;
}

interface RawReceipt {
  status: string;
  gasUsed: string;
  blockNumber: string;
  logs: RawLog[];
}

const MAX_FEE = 100n * 10n ** 9n;
const TIP = 10n ** 9n;

export class ChainDriver {
  private readonly nonces = new Map<string, number>();
  private pending: SentTx[] = [];
  /** Timestamp of the last block this driver mined or was told about. */
  lastTimestamp = 0;

  constructor(readonly provider: Eip1193) {}

  rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.provider.request({ method, params }) as Promise<T>;
  }

  /** Unlocks `address` on the node and gives it gas money. */
  async addAccount(address: string): Promise<void> {
    await this.rpc("hardhat_impersonateAccount", [address]);
    await this.rpc("hardhat_setBalance", [address, toBeHex(10n ** 24n)]);
    const n = await this.rpc<string>("eth_getTransactionCount", [address, "pending"]);
    this.nonces.set(address.toLowerCase(), Number(n));
  }

  /** Reads the nonce of an account used outside this driver (e.g. by the keeper) again. */
  async resyncNonce(address: string): Promise<void> {
    const n = await this.rpc<string>("eth_getTransactionCount", [address, "pending"]);
    this.nonces.set(address.toLowerCase(), Number(n));
  }

  async setAutomine(on: boolean): Promise<void> {
    await this.rpc("evm_setAutomine", [on]);
  }

  async setBlockGasLimit(limit: bigint): Promise<void> {
    await this.rpc("evm_setBlockGasLimit", [toBeHex(limit)]);
  }

  async blockGasLimit(): Promise<bigint> {
    const b = await this.rpc<{ gasLimit: string }>("eth_getBlockByNumber", ["latest", false]);
    return BigInt(b.gasLimit);
  }

  async latest(): Promise<{ number: number; timestamp: number }> {
    const b = await this.rpc<{ number: string; timestamp: string }>("eth_getBlockByNumber", [
      "latest",
      false,
    ]);
    this.lastTimestamp = Math.max(this.lastTimestamp, Number(b.timestamp));
    return { number: Number(b.number), timestamp: Number(b.timestamp) };
  }

  /** Queues a transaction for the next `mine` (no receipt wait). */
  async send(
    from: string,
    to: string,
    data: string,
    tag: string,
    gas = 3_000_000,
    meta?: unknown,
  ): Promise<SentTx> {
    const key = from.toLowerCase();
    const nonce = this.nonces.get(key);
    if (nonce === undefined) throw new Error(`account ${from} was not added to the driver`);
    const hash = await this.rpc<string>("eth_sendTransaction", [
      {
        from,
        to,
        data,
        gas: toBeHex(gas),
        nonce: toBeHex(nonce),
        maxFeePerGas: toBeHex(MAX_FEE),
        maxPriorityFeePerGas: toBeHex(TIP),
      },
    ]);
    this.nonces.set(key, nonce + 1);
    const tx: SentTx = { hash, from, to, data, tag, meta };
    this.pending.push(tx);
    return tx;
  }

  /** Encodes and queues a contract call. */
  sendCall(
    from: string,
    to: string,
    iface: Interface,
    fn: string,
    args: unknown[],
    tag: string,
    gas?: number,
    meta?: unknown,
  ): Promise<SentTx> {
    return this.send(from, to, iface.encodeFunctionData(fn, args), tag, gas, meta);
  }

  /** Mines everything queued into one block at `timestamp` (blocks repeat if gas runs out) and
   *  returns the outcome of each queued transaction in send order. */
  async mine(timestamp: number): Promise<MinedTx[]> {
    const batch = this.pending;
    this.pending = [];
    let ts = Math.max(timestamp, this.lastTimestamp + 1);
    await this.rpc("evm_mine", [ts]);
    this.lastTimestamp = ts;
    const out: MinedTx[] = [];
    for (let attempt = 0; ; attempt++) {
      const receipts = await Promise.all(
        batch.map((t) => this.rpc<RawReceipt | null>("eth_getTransactionReceipt", [t.hash])),
      );
      if (receipts.every((r) => r !== null)) {
        batch.forEach((t, i) => {
          const r = receipts[i] as RawReceipt;
          out.push({
            ...t,
            ok: r.status === "0x1",
            gasUsed: BigInt(r.gasUsed),
            block: Number(r.blockNumber),
            logs: r.logs,
          });
        });
        return out;
      }
      if (attempt > 20) throw new Error("transactions stuck in the mempool after 20 blocks");
      ts += 1;
      await this.rpc("evm_mine", [ts]);
      this.lastTimestamp = ts;
    }
  }

  /** Sets the timestamp of the next block (used before the keeper's automined transactions). */
  async setNextTimestamp(ts: number): Promise<void> {
    const t = Math.max(ts, this.lastTimestamp + 1);
    await this.rpc("evm_setNextBlockTimestamp", [t]);
    this.lastTimestamp = t;
  }

  /** The revert data of a mined, failed transaction (from a light trace), or undefined. */
  async revertData(hash: string): Promise<string | undefined> {
    try {
      const tr = await this.rpc<{ failed: boolean; returnValue?: string }>(
        "debug_traceTransaction",
        [hash, { disableStorage: true, disableMemory: true, disableStack: true }],
      );
      if (!tr.failed || !tr.returnValue) return undefined;
      return tr.returnValue.startsWith("0x") ? tr.returnValue : "0x" + tr.returnValue;
    } catch {
      return undefined;
    }
  }

  async getLogs(address: string, fromBlock: number, toBlock: number): Promise<RawLog[]> {
    if (toBlock < fromBlock) return [];
    return this.rpc<RawLog[]>("eth_getLogs", [
      { address, fromBlock: toBeHex(fromBlock), toBlock: toBeHex(toBlock) },
    ]);
  }

  /** Transactions of the blocks in [fromBlock, toBlock] with their receipts (keeper blocks). */
  async blockTransactions(fromBlock: number, toBlock: number): Promise<MinedTx[]> {
    const out: MinedTx[] = [];
    for (let b = fromBlock; b <= toBlock; b++) {
      const blk = await this.rpc<{
        transactions: { hash: string; from: string; to: string; input: string }[];
      }>("eth_getBlockByNumber", [toBeHex(b), true]);
      for (const t of blk.transactions) {
        const r = await this.rpc<RawReceipt>("eth_getTransactionReceipt", [t.hash]);
        out.push({
          hash: t.hash,
          from: t.from,
          to: t.to,
          data: t.input,
          tag: "",
          ok: r.status === "0x1",
          gasUsed: BigInt(r.gasUsed),
          block: b,
          logs: r.logs,
        });
      }
    }
    return out;
  }
}

/** An EIP-1193 provider that sets a strictly increasing, deterministic timestamp before every
 *  transaction it forwards: the keeper's automined blocks then do not depend on the wall clock. */
export function timestampingProvider(driver: ChainDriver, inner: Eip1193): Eip1193 {
  return {
    async request(args: { method: string; params?: unknown[] }): Promise<unknown> {
      if (args.method === "eth_sendTransaction" || args.method === "eth_sendRawTransaction") {
        await driver.setNextTimestamp(driver.lastTimestamp + 1);
      }
      return inner.request(args);
    },
  };
}

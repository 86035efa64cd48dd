/** Sends the keeper's transactions: our own nonce counter, fees read once per pass, the signed
 *  bytes broadcast with retries (a retry after a lost answer must not count as a failure when the
 *  node already has the transaction), and receipts polled at a fixed interval. */
import { Provider, Signer, TransactionReceipt, TransactionRequest, keccak256 } from "ethers";
import { Logger } from "./log";
import { revertData } from "../common/errors";
import { RetryOptions, errorText, sleep, withRetry } from "./retry";

export interface Fees {
  /** What one unit of gas is expected to cost (for profit checks). */
  gasPriceWei: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
}

const ALREADY_SENT =
  /already known|known transaction|nonce too low|nonce has already been used|NONCE_EXPIRED/i;

export class TxSender {
  private nonce?: number;
  private chainId?: bigint;
  /** The signer cannot sign locally (JsonRpcSigner, Hardhat's signer): the node signs. */
  private nodeSigns = false;
  fees?: Fees;

  constructor(
    private readonly signer: Signer,
    private readonly provider: Provider,
    private readonly retry: RetryOptions,
    private readonly log: Logger,
    private readonly receiptPollMs: number,
    private readonly receiptTimeoutMs: number,
    private readonly drainTimeoutMs = 30_000,
  ) {}

  /** When draining ends (set by the first receipt wait after the stop signal). */
  private drainUntil?: number;

  /** Reads the fee market once (per pass). */
  async refreshFees(): Promise<Fees> {
    const fd = await withRetry("getFeeData", () => this.provider.getFeeData(), this.retry);
    const gasPriceWei = fd.gasPrice ?? fd.maxFeePerGas ?? 0n;
    this.fees =
      fd.maxFeePerGas !== null && fd.maxPriorityFeePerGas !== null
        ? {
            gasPriceWei,
            maxFeePerGas: fd.maxFeePerGas,
            maxPriorityFeePerGas: fd.maxPriorityFeePerGas,
          }
        : { gasPriceWei };
    return this.fees;
  }

  /** Forgets the nonce so that the next send reads it from the node. */
  resetNonce(): void {
    this.nonce = undefined;
  }

  /** Signs and broadcasts; returns the transaction hash. Throws if the node refused it. */
  async send(to: string, data: string, gasLimit: bigint): Promise<string> {
    const from = await this.signer.getAddress();
    if (this.chainId === undefined) {
      this.chainId = (
        await withRetry("getNetwork", () => this.provider.getNetwork(), this.retry)
      ).chainId;
    }
    if (this.nonce === undefined) {
      this.nonce = await withRetry(
        "getTransactionCount",
        () => this.provider.getTransactionCount(from, "pending"),
        this.retry,
      );
    }
    const fees = this.fees ?? (await this.refreshFees());
    const tx: TransactionRequest = {
      to,
      data,
      from,
      gasLimit,
      nonce: this.nonce,
      chainId: this.chainId,
      ...(fees.maxFeePerGas !== undefined
        ? {
            type: 2,
            maxFeePerGas: fees.maxFeePerGas,
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          }
        : { type: 0, gasPrice: fees.gasPriceWei }),
    };
    try {
      const hash = await this.broadcast(tx);
      this.nonce += 1;
      return hash;
    } catch (err) {
      this.resetNonce();
      throw err;
    }
  }

  private async broadcast(tx: TransactionRequest): Promise<string> {
    let signed: string | undefined;
    try {
      if (!this.nodeSigns) signed = await this.signer.signTransaction(tx);
    } catch (err) {
      if (
        !/UNSUPPORTED_OPERATION|not supported|not implemented|eth_signTransaction/i.test(
          errorText(err),
        )
      )
        throw err;
    }
    if (signed === undefined) {
      this.nodeSigns = true;
      // A node-managed account (JsonRpcSigner, the in-process network): let the node sign.
      const response = await this.signer.sendTransaction(tx);
      return response.hash;
    }
    const raw = signed;
    const hash = keccak256(raw);
    let attempts = 0;
    await withRetry(
      "broadcast",
      async () => {
        attempts++;
        try {
          await this.provider.broadcastTransaction(raw);
        } catch (err) {
          // Hardhat's automine mines a reverting transaction and answers with the revert: it is
          // on chain (nonce used), and its receipt tells the outcome.
          if (revertData(err)) {
            const mined = await this.provider.getTransaction(hash).catch(() => null);
            if (mined) return;
          }
          // An earlier attempt reached the node although its answer was lost.
          if (attempts > 1 && ALREADY_SENT.test(errorText(err))) {
            const known = await this.provider.getTransaction(hash).catch(() => null);
            if (known) return;
          }
          throw err;
        }
      },
      this.retry,
    );
    return hash;
  }

  /** Polls for the receipt of `hash` until it exists or the timeout passes. Once `signal` has
   *  aborted (the keeper is stopping), in-flight transactions are drained: the polling goes on
   *  until the drain deadline, `drainTimeoutMs` after the first wait that saw the abort, shared
   *  by every receipt still awaited. */
  async waitReceipt(hash: string, signal?: AbortSignal): Promise<TransactionReceipt> {
    const started = Date.now();
    const deadline = started + this.receiptTimeoutMs;
    for (;;) {
      const receipt = await withRetry(
        "getTransactionReceipt",
        () => this.provider.getTransactionReceipt(hash),
        this.retry,
      );
      if (receipt) return receipt;
      const draining = signal?.aborted ?? false;
      if (draining) this.drainUntil ??= Date.now() + this.drainTimeoutMs;
      if (Date.now() > deadline || (draining && Date.now() >= this.drainUntil!)) {
        this.resetNonce();
        const waitedMs = Date.now() - started;
        this.log({ event: "receipt_timeout", level: "warn", hash, waitedMs, draining });
        throw new Error(`no receipt for ${hash} after ${waitedMs} ms`);
      }
      // While draining, the abort must not cut the poll interval short.
      await sleep(this.receiptPollMs, draining ? undefined : signal);
    }
  }
}

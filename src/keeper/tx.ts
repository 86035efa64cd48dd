/** Sends the keeper's transactions: our own nonce counter, EIP-1559 fees quoted per transaction
 *  under a configured cap (src/keeper/fees.ts), the signed bytes broadcast with retries (a retry
 *  after a lost answer must not count as a failure when the node already has the transaction),
 *  receipts polled at a fixed interval, and a transaction that sits in the mempool replaced at the
 *  same nonce with higher fees. Whichever of the original and its replacements is mined is the
 *  outcome; a nonce consumed by none of them is a {@link NonceTakenError}. */
import { Provider, Signer, TransactionReceipt, TransactionRequest, keccak256 } from "ethers";
import { Logger } from "./log";
import { revertData } from "../common/errors";
import { DEFAULT_FEE_POLICY, FeePolicy, FeeQuote, Fees, bumpFees, quoteFees } from "./fees";
import { RetryOptions, errorText, sleep, withRetry } from "./retry";

export type { Fees } from "./fees";

const ALREADY_SENT =
  /already known|known transaction|nonce too low|nonce has already been used|NONCE_EXPIRED/i;
const NONCE_USED = /nonce too low|nonce has already been used|NONCE_EXPIRED/i;

/** One transaction (one nonce) and every version of it broadcast so far. */
export interface PendingTx {
  nonce: number;
  to: string;
  data: string;
  gasLimit: bigint;
  /** Fees of the latest version. */
  fees: Fees;
  /** Hashes of the original and its replacements, in the order sent. */
  hashes: string[];
  lastSentAt: number;
  replacements: number;
  /** The cap stopped further replacements (logged once). */
  capped?: boolean;
}

/** The nonce of a transaction was used by a transaction that is none of its versions (another
 *  process with the same key): the action did not happen through us. */
export class NonceTakenError extends Error {
  constructor(readonly pending: PendingTx) {
    super(`nonce ${pending.nonce} was used by another transaction`);
  }
}

export interface ReplacePolicy {
  /** ms without a receipt before the transaction is re-sent with higher fees. */
  replaceAfterMs: number;
  /** Replacements per transaction at most. */
  maxReplacements: number;
}

export const DEFAULT_REPLACE: ReplacePolicy = { replaceAfterMs: 30_000, maxReplacements: 5 };

export class TxSender {
  private nonce?: number;
  private chainId?: bigint;
  private from?: string;
  /** The signer cannot sign locally (JsonRpcSigner, Hardhat's signer): the node signs. */
  private nodeSigns = false;

  constructor(
    private readonly signer: Signer,
    private readonly provider: Provider,
    private readonly retry: RetryOptions,
    private readonly log: Logger,
    private readonly receiptPollMs: number,
    private readonly receiptTimeoutMs: number,
    private readonly drainTimeoutMs = 30_000,
    readonly feePolicy: FeePolicy = DEFAULT_FEE_POLICY,
    readonly replace: ReplacePolicy = DEFAULT_REPLACE,
  ) {}

  /** When draining ends (set by the first receipt wait after the stop signal). */
  private drainUntil?: number;

  /** The fees a transaction sent now would offer, or why none fits under the cap. */
  quoteFees(): Promise<FeeQuote> {
    return withRetry("feeQuote", () => quoteFees(this.provider, this.feePolicy), this.retry);
  }

  /** Forgets the nonce so that the next send reads it from the node. */
  resetNonce(): void {
    this.nonce = undefined;
  }

  private async address(): Promise<string> {
    this.from ??= await this.signer.getAddress();
    return this.from;
  }

  /** Signs and broadcasts at the next nonce with `fees` (default: quoted now; an error if over
   *  the cap). Throws if the node refused it. */
  async send(to: string, data: string, gasLimit: bigint, fees?: Fees): Promise<PendingTx> {
    const from = await this.address();
    if (this.chainId === undefined) {
      this.chainId = (
        await withRetry("getNetwork", () => this.provider.getNetwork(), this.retry)
      ).chainId;
    }
    if (fees === undefined) {
      const q = await this.quoteFees();
      if (!q.ok) throw new Error(`fee cap: ${q.reason}`);
      fees = q.fees;
    }
    if (this.nonce === undefined) {
      this.nonce = await withRetry(
        "getTransactionCount",
        () => this.provider.getTransactionCount(from, "pending"),
        this.retry,
      );
    }
    const nonce = this.nonce;
    try {
      const hash = await this.broadcast(this.request(to, data, gasLimit, nonce, fees), false);
      this.nonce = nonce + 1;
      return {
        nonce,
        to,
        data,
        gasLimit,
        fees,
        hashes: [hash],
        lastSentAt: Date.now(),
        replacements: 0,
      };
    } catch (err) {
      this.resetNonce();
      throw err;
    }
  }

  private request(
    to: string,
    data: string,
    gasLimit: bigint,
    nonce: number,
    fees: Fees,
  ): TransactionRequest {
    return {
      to,
      data,
      from: this.from,
      gasLimit,
      nonce,
      chainId: this.chainId,
      ...(fees.maxFeePerGas !== undefined
        ? {
            type: 2,
            maxFeePerGas: fees.maxFeePerGas,
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          }
        : { type: 0, gasPrice: fees.gasPriceWei }),
    };
  }

  /** `replacement`: a new version of a nonce already sent ("nonce too low" then means one of
   *  the versions was mined, which the caller finds out). */
  private async broadcast(tx: TransactionRequest, replacement: boolean): Promise<string> {
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
          if ((attempts > 1 || replacement) && ALREADY_SENT.test(errorText(err))) {
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

  /** Polls for a receipt of any version of `p` until one exists or the timeout passes,
   *  replacing the transaction when it waited `replaceAfterMs` without one. Throws
   *  {@link NonceTakenError} when the nonce was used by none of them. Once `signal` has aborted
   *  (the keeper is stopping), in-flight transactions are drained: the polling goes on (without
   *  replacements) until the drain deadline, `drainTimeoutMs` after the first wait that saw the
   *  abort, shared by every receipt still awaited. */
  async waitMined(
    p: PendingTx,
    signal?: AbortSignal,
  ): Promise<{ receipt: TransactionReceipt; hash: string }> {
    const started = Date.now();
    const deadline = started + this.receiptTimeoutMs;
    const from = await this.address();
    for (;;) {
      const found = await this.findReceipt(p);
      if (found) return found;
      const used = await withRetry(
        "getTransactionCount",
        () => this.provider.getTransactionCount(from, "latest"),
        this.retry,
      );
      if (used > p.nonce) {
        // Mined between the two reads, or taken by a transaction that is none of ours.
        const again = await this.findReceipt(p);
        if (again) return again;
        this.resetNonce();
        throw new NonceTakenError(p);
      }
      const draining = signal?.aborted ?? false;
      if (draining) this.drainUntil ??= Date.now() + this.drainTimeoutMs;
      if (Date.now() > deadline || (draining && Date.now() >= this.drainUntil!)) {
        this.resetNonce();
        const waitedMs = Date.now() - started;
        const hash = p.hashes[p.hashes.length - 1];
        this.log({ event: "receipt_timeout", level: "warn", hash, waitedMs, draining });
        throw new Error(`no receipt for ${hash} after ${waitedMs} ms`);
      }
      if (
        !draining &&
        !p.capped &&
        p.replacements < this.replace.maxReplacements &&
        Date.now() - p.lastSentAt >= this.replace.replaceAfterMs
      )
        await this.replaceTx(p);
      // While draining, the abort must not cut the poll interval short.
      await sleep(this.receiptPollMs, draining ? undefined : signal);
    }
  }

  private async findReceipt(
    p: PendingTx,
  ): Promise<{ receipt: TransactionReceipt; hash: string } | undefined> {
    // Newest first: the replacement is the likelier one to be mined.
    for (const hash of [...p.hashes].reverse()) {
      const receipt = await withRetry(
        "getTransactionReceipt",
        () => this.provider.getTransactionReceipt(hash),
        this.retry,
      );
      if (receipt) return { receipt, hash };
    }
    return undefined;
  }

  /** Re-sends `p` at its nonce with both fees raised by at least 12.5 % (and by the base fee's
   *  rise), within the cap. */
  private async replaceTx(p: PendingTx): Promise<void> {
    const q = await this.quoteFees().catch(() => undefined);
    const next = bumpFees(p.fees, this.feePolicy, q?.baseFeeWei);
    const previous = p.hashes[p.hashes.length - 1];
    if (!next) {
      p.capped = true;
      this.log({
        event: "replace_capped",
        level: "warn",
        hash: previous,
        nonce: p.nonce,
        maxFeePerGas: p.fees.maxFeePerGas ?? p.fees.gasPriceWei,
        capWei: this.feePolicy.maxFeeWei,
      });
      return;
    }
    const tx = this.request(p.to, p.data, p.gasLimit, p.nonce, next);
    p.lastSentAt = Date.now();
    let hash: string;
    try {
      hash = await this.broadcast(tx, true);
    } catch (err) {
      // "nonce too low": a version was mined meanwhile (the next poll finds it). Anything else
      // ("replacement underpriced"...): wait another period with the old version.
      const text = errorText(err);
      if (!NONCE_USED.test(text))
        this.log({
          event: "replace_failed",
          level: "warn",
          hash: previous,
          nonce: p.nonce,
          error: text.slice(0, 300),
        });
      return;
    }
    p.hashes.push(hash);
    p.fees = next;
    p.replacements++;
    this.log({
      event: "replaced",
      level: "warn",
      nonce: p.nonce,
      previous,
      hash,
      replacement: p.replacements,
      ...(next.maxFeePerGas !== undefined
        ? { maxFeePerGas: next.maxFeePerGas, maxPriorityFeePerGas: next.maxPriorityFeePerGas }
        : { gasPrice: next.gasPriceWei }),
    });
  }
}

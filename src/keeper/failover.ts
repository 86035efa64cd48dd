/** RPC failover for the keeper: one ethers provider over several endpoints of the same chain.
 *  Every request (reads and sends alike) goes to one endpoint, the active one, so that nonces,
 *  pending transactions and receipts are read where the transactions were sent; ethers'
 *  FallbackProvider instead asks several at once and takes a quorum, which fits reads but not a
 *  nonce counter. After `failoverAfter` retryable failures in a row (src/keeper/retry.ts: no
 *  answer, HTTP 5xx/429, reset, timeout) the next endpoint becomes active (`rpc_failover`); the
 *  caller's retry then reaches it. While a backup is active, the primary is tried again every
 *  `primaryRetryMs` and taken back as soon as it answers. */
import { JsonRpcPayload, JsonRpcResult } from "ethers";
import { FastJsonRpcProvider, jsonRpcResults } from "../common/rpc";
import { Logger } from "./log";
import { isRetryableRpcError } from "./retry";

export interface FailoverOptions {
  /** Retryable failures in a row before switching. Default 3. */
  failoverAfter?: number;
  /** ms between attempts to return to the primary. Default 60,000. */
  primaryRetryMs?: number;
  /** Index of the endpoint to start on (the first one that answered at start). Default 0. */
  startIndex?: number;
  /** ms before a request without an answer fails (retryable). Default 30,000. */
  requestTimeoutMs?: number;
  log?: Logger;
  now?: () => number;
}

/** An endpoint for logs: scheme, host and port (a path or query may hold an API key). */
export function endpointLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 || u.search ? "/..." : ""}`;
  } catch {
    return "invalid-url";
  }
}

export class FailoverProvider extends FastJsonRpcProvider {
  private active = 0;
  private failures = 0;
  private nextPrimaryTry = 0;
  /** Switches so far (tests, metrics also count the log lines). */
  failovers = 0;
  private readonly failoverAfter: number;
  private readonly primaryRetryMs: number;
  private readonly requestTimeoutMs: number;
  private readonly now: () => number;
  /** Where `rpc_failover` goes (settable: the keeper's logger may be made after the provider). */
  log?: Logger;

  constructor(
    readonly urls: readonly string[],
    chainId: number,
    opts: FailoverOptions = {},
  ) {
    if (urls.length === 0) throw new Error("FailoverProvider: no RPC endpoint");
    super(urls[0], chainId);
    this.failoverAfter = Math.max(1, opts.failoverAfter ?? 3);
    this.primaryRetryMs = opts.primaryRetryMs ?? 60_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    const start = opts.startIndex ?? 0;
    if (!Number.isInteger(start) || start < 0 || start >= urls.length)
      throw new Error(`FailoverProvider: startIndex ${start} out of range`);
    if (start !== 0) this.switchTo(start, "unreachable_at_start");
  }

  /** The endpoint requests go to now. */
  get activeUrl(): string {
    return this.urls[this.active];
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    if (this.active !== 0 && this.now() >= this.nextPrimaryTry) {
      this.nextPrimaryTry = this.now() + this.primaryRetryMs;
      try {
        const res = await this.post(this.urls[0], payload);
        this.switchTo(0, "primary_recovered");
        return res;
      } catch (err) {
        if (!isRetryableRpcError(err)) throw err;
        // Still down: carry on with the backup.
      }
    }
    const index = this.active;
    try {
      const res = await this.post(this.urls[index], payload);
      if (index === this.active) this.failures = 0;
      return res;
    } catch (err) {
      if (isRetryableRpcError(err) && index === this.active && this.urls.length > 1) {
        this.failures++;
        if (this.failures >= this.failoverAfter)
          this.switchTo((index + 1) % this.urls.length, "failures", err);
      }
      throw err;
    }
  }

  private switchTo(index: number, reason: string, err?: unknown): void {
    const from = this.active;
    this.active = index;
    this.failures = 0;
    if (index !== 0) this.nextPrimaryTry = this.now() + this.primaryRetryMs;
    if (from === index) return;
    this.failovers++;
    this.log?.({
      event: "rpc_failover",
      level: "warn",
      from: endpointLabel(this.urls[from]),
      to: endpointLabel(this.urls[index]),
      fromIndex: from,
      toIndex: index,
      reason,
      ...(err ? { error: err instanceof Error ? err.message.slice(0, 200) : String(err) } : {}),
    });
  }

  private async post(
    url: string,
    payload: JsonRpcPayload | JsonRpcPayload[],
  ): Promise<JsonRpcResult[]> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (err) {
      if ((err as Error)?.name === "TimeoutError")
        throw Object.assign(new Error(`request timeout after ${this.requestTimeoutMs} ms`), {
          code: "TIMEOUT",
        });
      throw err;
    }
    return jsonRpcResults(res);
  }
}

/** Retries with exponential backoff for transient RPC failures (HTTP 5xx/429, dropped
 *  connections, timeouts, "header not found"). Reverts and other deterministic errors are
 *  thrown at once: retrying them would only repeat the same answer. */
import { revertData } from "../common/errors";

export interface RetryOptions {
  /** Retries after the first attempt (0 = try once). */
  maxRetries: number;
  /** First delay; doubled on every retry, with +-25 % jitter, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Called before each wait (logging). */
  onRetry?: (info: { label: string; attempt: number; delayMs: number; error: string }) => void;
  /** Stops waiting early (the error is thrown). */
  signal?: AbortSignal;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Error codes that mean the request itself was fine and the answer is final. */
const FINAL_CODES = new Set([
  "CALL_EXCEPTION",
  "INSUFFICIENT_FUNDS",
  "NONCE_EXPIRED",
  "REPLACEMENT_UNDERPRICED",
  "TRANSACTION_REPLACED",
  "INVALID_ARGUMENT",
  "MISSING_ARGUMENT",
  "UNEXPECTED_ARGUMENT",
  "UNSUPPORTED_OPERATION",
  "ACTION_REJECTED",
  "NUMERIC_FAULT",
  "BUFFER_OVERRUN",
  "CANCELLED",
]);

const TRANSIENT_CODES = new Set([
  "NETWORK_ERROR",
  "SERVER_ERROR",
  "TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

const TRANSIENT_TEXT =
  /timeout|timed out|rate limit|too many requests|\b(429|500|502|503|504)\b|socket hang up|ECONNRESET|ECONNREFUSED|EPIPE|network error|temporarily|try again|header not found|missing response|bad response|fetch failed|failed to detect network/i;

/** Every message and code found on an error and the errors nested inside it. */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown, depth: number): void => {
    if (depth > 6 || e === null || e === undefined || seen.has(e)) return;
    if (typeof e === "string") {
      parts.push(e);
      return;
    }
    if (typeof e !== "object") return;
    seen.add(e);
    const o = e as Record<string, unknown>;
    for (const k of ["code", "shortMessage", "message", "body"]) {
      if (typeof o[k] === "string" || typeof o[k] === "number") parts.push(String(o[k]));
    }
    for (const k of ["error", "info", "cause", "errors"]) walk(o[k], depth + 1);
    if (Array.isArray(e)) e.forEach((x) => walk(x, depth + 1));
  };
  walk(err, 0);
  return parts.join(" | ");
}

/** The node's own error message (JSON-RPC `error.message`) inside an ethers error, if any:
 *  ethers reports a failed estimate as "missing revert data", the node says why. */
export function rpcMessage(err: unknown): string | undefined {
  const o = err as { info?: { error?: { message?: unknown } }; error?: { message?: unknown } };
  const m = o?.info?.error?.message ?? o?.error?.message;
  return typeof m === "string" ? m : undefined;
}

function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 6 && e && typeof e === "object"; i++) {
    const o = e as Record<string, unknown>;
    if (typeof o.code === "string") codes.push(o.code);
    e = o.cause ?? o.error;
  }
  return codes;
}

/** True for failures worth retrying: the node did not answer, or answered "not now". */
export function isRetryableRpcError(err: unknown): boolean {
  if (revertData(err)) return false;
  const codes = codesOf(err);
  if (codes.some((c) => FINAL_CODES.has(c))) return false;
  if (codes.some((c) => TRANSIENT_CODES.has(c))) return true;
  return TRANSIENT_TEXT.test(errorText(err));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The delay before retry `attempt` (1-based). */
export function backoffDelay(attempt: number, opts: RetryOptions, random = Math.random): number {
  const raw = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(raw * (0.75 + 0.5 * random()));
}

/** Runs `fn`, retrying transient failures (`retryable`) up to `opts.maxRetries` times. */
export async function withRetry<T>(
  label: string,
  fn: () => Promise<T>,
  opts: RetryOptions = DEFAULT_RETRY,
  retryable: (err: unknown) => boolean = isRetryableRpcError,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt > opts.maxRetries || !retryable(err) || opts.signal?.aborted) throw err;
      const delayMs = backoffDelay(attempt, opts);
      opts.onRetry?.({ label, attempt, delayMs, error: errorText(err).slice(0, 300) });
      await sleep(delayMs, opts.signal);
    }
  }
}

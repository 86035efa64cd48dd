/** `/metrics` (Prometheus text exposition format 0.0.4, by `prom-client`) and `/healthz` for the
 *  keeper, on a local port. The figures come from the keeper's own log events: {@link
 *  KeeperMetrics.observe} is a {@link Logger} that the keeper's logger also feeds, so no code path
 *  needs to know about metrics. Each {@link KeeperMetrics} owns its own prom-client `Registry`
 *  (never the library's global one), so several keepers in one process do not collide. */
import http from "http";
import { AddressInfo } from "net";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { LogEvent, Logger } from "./log";

type Labels = Record<string, string>;
type Kind = "counter" | "gauge";

/** Series key of a label set (label order does not matter). */
const seriesKey = (name: string, l: Labels) =>
  `${name}${JSON.stringify(
    Object.keys(l)
      .sort()
      .map((k) => [k, l[k]]),
  )}`;

/** The families, in exposition order: name, type, help, label names. */
const FAMILIES: readonly (readonly [string, Kind, string, readonly string[]])[] = [
  ["keeper_accounts_indexed", "gauge", "Accounts the keeper knows from the engine's events.", []],
  ["keeper_last_block_scanned", "gauge", "Last block indexed before the latest health scan.", []],
  ["keeper_block_lag", "gauge", "Chain head minus keeper_last_block_scanned.", []],
  ["keeper_liquidatable_accounts", "gauge", "Liquidatable accounts seen by the last pass.", []],
  [
    "keeper_liquidatable_seen_total",
    "counter",
    "Liquidatable accounts seen, summed over passes.",
    [],
  ],
  ["keeper_transactions_sent_total", "counter", "Transactions broadcast, by action.", ["action"]],
  [
    "keeper_transactions_won_total",
    "counter",
    "Transactions that succeeded, by action.",
    ["action"],
  ],
  [
    "keeper_transactions_lost_total",
    "counter",
    "Actions another keeper did first, by action.",
    ["action"],
  ],
  [
    "keeper_skipped_unprofitable_total",
    "counter",
    "Actions skipped by the profit check.",
    ["action"],
  ],
  [
    "keeper_transactions_replaced_total",
    "counter",
    "Transactions re-sent at the same nonce with higher fees.",
    [],
  ],
  [
    "keeper_skipped_fee_cap_total",
    "counter",
    "Actions skipped: fee needed above the cap.",
    ["action"],
  ],
  ["keeper_rpc_failovers_total", "counter", "Switches of the active RPC endpoint.", []],
  ["keeper_rewards_total", "counter", "Keeper rewards received, in quote tokens.", ["token"]],
  ["keeper_gas_spent_eth_total", "counter", "Gas paid for the keeper's transactions, in ETH.", []],
  ["keeper_rpc_errors_total", "counter", "Failed RPC requests (each retried attempt counts).", []],
  ["keeper_errors_total", "counter", "Errors counted by passes (failed sends, reverts...).", []],
  ["keeper_passes_total", "counter", "Passes completed.", []],
  ["keeper_pass_failures_total", "counter", "Passes that failed as a whole.", []],
  ["keeper_last_pass_duration_seconds", "gauge", "Duration of the last completed pass.", []],
  ["keeper_last_pass_timestamp_seconds", "gauge", "Unix time of the last completed pass.", []],
];

/** Units as decimal: `amount / 10^decimals` (a float: Prometheus values are doubles). */
export function toUnits(amount: bigint | string | number, decimals: number): number {
  const a = BigInt(amount);
  const scale = 10n ** BigInt(decimals);
  const neg = a < 0n;
  const abs = neg ? -a : a;
  const v = Number(abs / scale) + Number(abs % scale) / Number(scale);
  return neg ? -v : v;
}

/** {@link toUnits} of an event field, NaN when the field is missing or not an integer. */
function unitsOf(v: unknown, decimals: number): number {
  if (typeof v !== "bigint" && typeof v !== "string" && typeof v !== "number") return NaN;
  try {
    return toUnits(v, decimals);
  } catch {
    return NaN;
  }
}

export class KeeperMetrics {
  /** This keeper's registry (not prom-client's global default one). */
  readonly registry = new Registry();
  private readonly series = new Map<string, Counter<string> | Gauge<string>>();
  /** Current value of every exported series, for synchronous reads ({@link get}, tests). */
  private readonly values = new Map<string, number>();
  private processMetrics = false;
  /** Quote token symbol and decimals (learnt from `keeper_ready`). */
  quote = { symbol: "quote", decimals: 18 };
  lastPassOkAt?: number;
  readonly startedAt: number;
  /** Last head seen (indexed block + confirmations). */
  head?: number;
  lastBlock?: number;

  constructor(
    readonly opts: {
      healthMaxAgeMs: number;
      now?: () => number;
      /** Current chain head, read at scrape time for the lag (falls back to the last pass's). */
      headBlock?: () => Promise<number>;
      confirmations?: number;
    },
  ) {
    this.startedAt = this.now();
    for (const [name, kind, help, labelNames] of FAMILIES) {
      const cfg = { name, help, labelNames: [...labelNames], registers: [this.registry] };
      if (kind === "counter") {
        this.series.set(name, new Counter(cfg));
        // prom-client exports a label-free counter at 0 from the start; so does get().
        if (labelNames.length === 0) this.values.set(seriesKey(name, {}), 0);
      } else {
        const g = new Gauge(cfg);
        g.remove(); // no sample until the first pass sets one: a 0 would be a false reading
        this.series.set(name, g);
      }
    }
  }

  /** Adds prom-client's default process metrics (CPU, memory, event loop, GC...) to this registry,
   *  prefixed `keeper_`. Once per instance; {@link serveMetrics} calls it. */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry, prefix: "keeper_" });
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Counters only go up: a malformed event (missing, negative or non-finite figure) is ignored,
   *  never thrown into the keeper's logging path. */
  private add(name: string, labels: Labels, by: number): void {
    if (!Number.isFinite(by) || by < 0) return;
    (this.series.get(name) as Counter<string>).inc(labels, by);
    const key = seriesKey(name, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  private set(name: string, labels: Labels, value: number): void {
    if (!Number.isFinite(value)) return;
    (this.series.get(name) as Gauge<string>).set(labels, value);
    this.values.set(seriesKey(name, labels), value);
  }

  /** Value of one series (tests, `/healthz`); undefined while the series has no sample. */
  get(name: string, labels: Labels = {}): number | undefined {
    return this.values.get(seriesKey(name, labels));
  }

  /** Feeds one log event into the figures. */
  readonly observe: Logger = (e: LogEvent) => {
    const action = { action: String(e.kind ?? "unknown") };
    switch (e.event) {
      case "keeper_ready":
        if (typeof e.quoteSymbol === "string")
          this.quote = { symbol: e.quoteSymbol, decimals: Number(e.quoteDecimals ?? 18) };
        break;
      case "sent":
        this.add("keeper_transactions_sent_total", action, 1);
        break;
      case "won":
        this.add("keeper_transactions_won_total", action, 1);
        this.add(
          "keeper_rewards_total",
          { token: this.quote.symbol },
          unitsOf(e.reward, this.quote.decimals),
        );
        break;
      case "lost":
        this.add("keeper_transactions_lost_total", action, 1);
        break;
      case "skip_unprofitable":
        this.add("keeper_skipped_unprofitable_total", action, 1);
        break;
      case "skip_fee_cap":
        this.add("keeper_skipped_fee_cap_total", action, 1);
        break;
      case "replaced":
        this.add("keeper_transactions_replaced_total", {}, 1);
        break;
      case "rpc_failover":
        this.add("keeper_rpc_failovers_total", {}, 1);
        break;
      case "rpc_retry":
        this.add("keeper_rpc_errors_total", {}, 1);
        break;
      case "pass_failed":
        this.add("keeper_pass_failures_total", {}, 1);
        this.add("keeper_rpc_errors_total", {}, 1);
        break;
      case "pass": {
        this.add("keeper_passes_total", {}, 1);
        this.set("keeper_accounts_indexed", {}, Number(e.knownAccounts));
        this.lastBlock = Number(e.block);
        this.head = this.lastBlock + (this.opts.confirmations ?? 0);
        this.set("keeper_last_block_scanned", {}, this.lastBlock);
        this.set("keeper_block_lag", {}, this.head - this.lastBlock);
        this.set("keeper_liquidatable_accounts", {}, Number(e.liquidatable));
        this.add("keeper_liquidatable_seen_total", {}, Number(e.liquidatable));
        this.add("keeper_gas_spent_eth_total", {}, unitsOf(e.gasSpentWei, 18));
        this.add("keeper_errors_total", {}, Number(e.errors));
        this.set("keeper_last_pass_duration_seconds", {}, Number(e.durationMs) / 1000);
        this.set("keeper_last_pass_timestamp_seconds", {}, Math.floor(this.now() / 1000));
        if (!e.aborted) this.lastPassOkAt = this.now();
        break;
      }
    }
  };

  /** Healthy while the last good pass (or the start, before the first one) is recent enough. */
  health(): { ok: boolean; ageMs: number; lastPassOkAt?: number } {
    const ageMs = this.now() - (this.lastPassOkAt ?? this.startedAt);
    return { ok: ageMs <= this.opts.healthMaxAgeMs, ageMs, lastPassOkAt: this.lastPassOkAt };
  }

  /** The exposition text (the block lag refreshed from the chain head, waiting at most 1 s). */
  async render(): Promise<string> {
    if (this.opts.headBlock && this.lastBlock !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const head = await Promise.race([
        this.opts.headBlock().catch(() => undefined),
        new Promise<undefined>((r) => {
          timer = setTimeout(() => r(undefined), 1_000);
        }),
      ]);
      clearTimeout(timer);
      if (head !== undefined) this.set("keeper_block_lag", {}, Math.max(0, head - this.lastBlock));
    }
    return this.registry.metrics();
  }
}

/** Serves `/metrics` and `/healthz` until `close()`. */
export async function serveMetrics(
  metrics: KeeperMetrics,
  port: number,
  host = "127.0.0.1",
): Promise<{ port: number; close: () => Promise<void> }> {
  metrics.collectProcessMetrics();
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
    } else if (url === "/metrics") {
      metrics.render().then(
        (body) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(body);
        },
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else if (url === "/healthz") {
      const h = metrics.health();
      res.writeHead(h.ok ? 200 : 503, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          status: h.ok ? "ok" : "stale",
          lastPassAgeMs: h.ageMs,
          maxAgeMs: metrics.opts.healthMaxAgeMs,
        }) + "\n",
      );
    } else {
      res.writeHead(404).end("not found: try /metrics or /healthz\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

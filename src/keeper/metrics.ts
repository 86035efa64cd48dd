/** `/metrics` (Prometheus text exposition format 0.0.4, written by hand) and `/healthz` for the
 *  keeper, on a local port. The figures come from the keeper's own log events: {@link
 *  KeeperMetrics.observe} is a {@link Logger} that the keeper's logger also feeds, so no code path
 *  needs to know about metrics. */
import http from "http";
import { AddressInfo } from "net";
import { LogEvent, Logger } from "./log";

type Labels = Record<string, string>;

interface Family {
  help: string;
  type: "counter" | "gauge";
  /** Serialised label set -> value. */
  values: Map<string, number>;
}

const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (l: Labels) => {
  const keys = Object.keys(l).sort();
  return keys.length === 0 ? "" : `{${keys.map((k) => `${k}="${esc(l[k])}"`).join(",")}}`;
};
const fmt = (v: number) =>
  Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v);

/** Units as decimal: `amount / 10^decimals` (a float: Prometheus values are doubles). */
export function toUnits(amount: bigint | string | number, decimals: number): number {
  const a = BigInt(amount);
  const scale = 10n ** BigInt(decimals);
  const neg = a < 0n;
  const abs = neg ? -a : a;
  const v = Number(abs / scale) + Number(abs % scale) / Number(scale);
  return neg ? -v : v;
}

export class KeeperMetrics {
  private readonly families = new Map<string, Family>();
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
    const f = (name: string, type: Family["type"], help: string) =>
      this.families.set(name, { help, type, values: new Map() });
    f("keeper_accounts_indexed", "gauge", "Accounts the keeper knows from the engine's events.");
    f("keeper_last_block_scanned", "gauge", "Last block indexed before the latest health scan.");
    f("keeper_block_lag", "gauge", "Chain head minus keeper_last_block_scanned.");
    f("keeper_liquidatable_accounts", "gauge", "Liquidatable accounts seen by the last pass.");
    f(
      "keeper_liquidatable_seen_total",
      "counter",
      "Liquidatable accounts seen, summed over passes.",
    );
    f("keeper_transactions_sent_total", "counter", "Transactions broadcast, by action.");
    f("keeper_transactions_won_total", "counter", "Transactions that succeeded, by action.");
    f("keeper_transactions_lost_total", "counter", "Actions another keeper did first, by action.");
    f("keeper_skipped_unprofitable_total", "counter", "Actions skipped by the profit check.");
    f(
      "keeper_transactions_replaced_total",
      "counter",
      "Transactions re-sent at the same nonce with higher fees.",
    );
    f("keeper_skipped_fee_cap_total", "counter", "Actions skipped: fee needed above the cap.");
    f("keeper_rpc_failovers_total", "counter", "Switches of the active RPC endpoint.");
    f("keeper_rewards_total", "counter", "Keeper rewards received, in quote tokens.");
    f("keeper_gas_spent_eth_total", "counter", "Gas paid for the keeper's transactions, in ETH.");
    f("keeper_rpc_errors_total", "counter", "Failed RPC requests (each retried attempt counts).");
    f("keeper_errors_total", "counter", "Errors counted by passes (failed sends, reverts...).");
    f("keeper_passes_total", "counter", "Passes completed.");
    f("keeper_pass_failures_total", "counter", "Passes that failed as a whole.");
    f("keeper_last_pass_duration_seconds", "gauge", "Duration of the last completed pass.");
    f("keeper_last_pass_timestamp_seconds", "gauge", "Unix time of the last completed pass.");
    for (const n of [
      "keeper_rpc_errors_total",
      "keeper_rpc_failovers_total",
      "keeper_transactions_replaced_total",
      "keeper_passes_total",
      "keeper_pass_failures_total",
    ])
      this.add(n, {}, 0);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private add(name: string, labels: Labels, by: number): void {
    const fam = this.families.get(name)!;
    const key = labelText(labels);
    fam.values.set(key, (fam.values.get(key) ?? 0) + by);
  }

  private set(name: string, labels: Labels, value: number): void {
    this.families.get(name)!.values.set(labelText(labels), value);
  }

  /** Value of one series (tests, `/healthz`). */
  get(name: string, labels: Labels = {}): number | undefined {
    return this.families.get(name)?.values.get(labelText(labels));
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
          toUnits(e.reward as bigint, this.quote.decimals),
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
        this.add("keeper_gas_spent_eth_total", {}, toUnits(e.gasSpentWei as bigint, 18));
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

  /** The exposition text. */
  async render(): Promise<string> {
    if (this.opts.headBlock && this.lastBlock !== undefined) {
      const head = await Promise.race([
        this.opts.headBlock().catch(() => undefined),
        new Promise<undefined>((r) => void setTimeout(r, 1_000)),
      ]);
      if (head !== undefined) this.set("keeper_block_lag", {}, Math.max(0, head - this.lastBlock));
    }
    const lines: string[] = [];
    for (const [name, fam] of this.families) {
      lines.push(`# HELP ${name} ${fam.help}`, `# TYPE ${name} ${fam.type}`);
      for (const [labels, value] of fam.values) lines.push(`${name}${labels} ${fmt(value)}`);
    }
    return lines.join("\n") + "\n";
  }
}

/** Serves `/metrics` and `/healthz` until `close()`. */
export async function serveMetrics(
  metrics: KeeperMetrics,
  port: number,
  host = "127.0.0.1",
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
    } else if (url === "/metrics") {
      metrics.render().then(
        (body) => {
          res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
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

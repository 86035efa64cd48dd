/** A tiny HTTP proxy in front of a JSON-RPC node that fails some requests on purpose: the first
 *  `failFirst`, then every `failEvery`-th. Failure modes rotate: HTTP 503, a reset connection, and
 *  a request forwarded to the node whose answer is then lost (so a retried transaction is already
 *  known to the node). */
import http from "http";
import { AddressInfo } from "net";

export type FailMode = "503" | "reset" | "lost-response";

export interface FlakyProxy {
  url: string;
  stats: {
    requests: number;
    failed: number;
    refusedRanges: number;
    byMode: Record<FailMode, number>;
  };
  close(): Promise<void>;
}

export async function startFlakyProxy(
  target: string,
  opts: {
    failFirst?: number;
    failEvery?: number;
    modes?: FailMode[];
    /** Refuse `eth_getLogs` over more blocks than this, as public RPCs do (single requests). */
    maxLogRange?: number;
    /** Answer the first `times` requests of `method` with a JSON-RPC error (single requests). */
    refuse?: { method: string; times: number; message: string };
  } = {},
): Promise<FlakyProxy> {
  const modes = opts.modes ?? ["503", "reset", "lost-response"];
  const stats = {
    requests: 0,
    failed: 0,
    refusedRanges: 0,
    byMode: { "503": 0, reset: 0, "lost-response": 0 },
  };
  let refused = 0;
  const refuse = (body: string): { id: unknown } | undefined => {
    const r = opts.refuse;
    if (!r || refused >= r.times) return undefined;
    const req = JSON.parse(body) as { id: unknown; method?: string };
    if (req.method !== r.method) return undefined;
    refused++;
    return req;
  };
  const tooWide = (body: string): { id: unknown } | undefined => {
    if (opts.maxLogRange === undefined) return undefined;
    const req = JSON.parse(body) as { id: unknown; method?: string; params?: unknown[] };
    if (req.method !== "eth_getLogs") return undefined;
    const f = req.params?.[0] as { fromBlock: string; toBlock: string };
    return Number(f.toBlock) - Number(f.fromBlock) + 1 > opts.maxLogRange ? req : undefined;
  };
  const forward = async (body: string) => {
    const res = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    return { status: res.status, text: await res.text() };
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const n = ++stats.requests;
      const body = Buffer.concat(chunks).toString();
      const fail =
        n <= (opts.failFirst ?? 0) || (opts.failEvery !== undefined && n % opts.failEvery === 0);
      const mode = fail ? modes[stats.failed % modes.length] : undefined;
      if (mode) {
        stats.failed++;
        stats.byMode[mode]++;
      }
      void (async () => {
        const refusal = refuse(body);
        if (refusal) {
          const error = { code: -32000, message: opts.refuse!.message };
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ jsonrpc: "2.0", id: refusal.id, error }));
          return;
        }
        const wide = tooWide(body);
        if (wide) {
          stats.refusedRanges++;
          const error = { code: -32005, message: "query returned more than 10000 results" };
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ jsonrpc: "2.0", id: wide.id, error }));
          return;
        }
        if (mode === "503") {
          res.writeHead(503, { "content-type": "text/plain" }).end("injected failure");
          return;
        }
        if (mode === "reset") {
          req.socket.destroy();
          return;
        }
        try {
          const out = await forward(body);
          if (mode === "lost-response") {
            req.socket.destroy();
            return;
          }
          res.writeHead(out.status, { "content-type": "application/json" }).end(out.text);
        } catch {
          res.writeHead(502).end("upstream error");
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

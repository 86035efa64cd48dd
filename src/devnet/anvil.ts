/** An anvil (Foundry's local node, npm `@foundry-rs/anvil`) child process for the simulator: the
 *  native binary resolved per platform and architecture like tools/forge resolves forge's (not
 *  node_modules/.bin, whose launcher is a node process in between), configured like Hardhat's
 *  in-process network (chain id 31337, cancun, 30M block gas, the 20 accounts of Hardhat's
 *  mnemonic with 10,000 ETH), on a free local port. The child is killed when the process exits,
 *  on SIGINT/SIGTERM and on errors; its peak resident memory is read from /proc (VmHWM). Also an
 *  EIP-1193 provider over plain keep-alive HTTP, which is what the simulator talks to. */
import { ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { freePort } from "./node";
import { HARDHAT_MNEMONIC } from "./node";
import type { Eip1193 } from "../chain/reader";

/** Path of the native binary of a Foundry tool (`anvil`, `cast`) from its installed
 *  `@foundry-rs/<tool>-<os>-<arch>` npm package. */
export function foundryBinary(tool: "anvil" | "cast" | "forge"): string {
  const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[process.arch];
  const exe = process.platform === "win32" ? `${tool}.exe` : tool;
  const pkg = `@foundry-rs/${tool}-${process.platform}-${arch ?? process.arch}`;
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    throw new Error(`${tool} binary not found: ${pkg} is not installed (run npm ci)`);
  }
}

/** Path of the native anvil binary of the installed `@foundry-rs/anvil-<os>-<arch>` package. */
export function anvilBinary(): string {
  return foundryBinary("anvil");
}

export interface AnvilNode {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Peak resident memory of the node so far (bytes; VmHWM, 0 where /proc is missing). */
  peakRssBytes(): number;
  /** Stops the node (SIGTERM, then SIGKILL after 5 s); resolves once it has exited. */
  stop(): Promise<void>;
}

export interface AnvilOptions {
  /** Port to listen on; default a free one (anvil has no `--port 0`). */
  port?: number;
  chainId?: number;
  /** Block gas limit (Hardhat's default 30M). */
  gasLimit?: bigint;
  hardfork?: string;
  accounts?: number;
  /** Balance of each dev account in ETH. */
  balanceEth?: number;
  /** Keep only this many past states, in memory (`--prune-history`); 0 or unset: anvil's
   *  default, every state, older ones cached on disk (slower: mining grows with the history). */
  pruneHistory?: number;
  /** Extra command-line arguments. */
  args?: string[];
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();
let hooked = false;

/** Kills every live child when this process goes away, however it goes. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = (): void => {
    for (const c of running) c.kill("SIGKILL");
  };
  process.on("exit", killAll);
  for (const [sig, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(code);
    });
  }
}

/** VmHWM (peak resident set) of a live process from /proc, in bytes; 0 when unavailable. */
export function procPeakRss(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The arguments that make anvil look like Hardhat's in-process network to the deploy and the
 *  simulator. Automining stays on (the deployment waits for receipts); the simulator switches it
 *  off with `evm_setAutomine` and mines its batches with `evm_mine`, like on Hardhat. `fifo`
 *  orders a block's transactions by arrival, as Hardhat does for equal fees (anvil's default
 *  orders by fee), so every batch executes in the order the simulator sent it. */
export function anvilArgs(port: number, o: AnvilOptions = {}): string[] {
  return [
    ["--host", "127.0.0.1"],
    ["--port", String(port)],
    ["--chain-id", String(o.chainId ?? 31337)],
    ["--hardfork", o.hardfork ?? "cancun"],
    ["--gas-limit", String(o.gasLimit ?? 30_000_000n)],
    ["--accounts", String(o.accounts ?? 20)],
    ["--balance", String(o.balanceEth ?? 10_000)],
    ["--mnemonic", HARDHAT_MNEMONIC],
    ["--order", "fifo"],
    ["--quiet"],
    o.pruneHistory ? ["--prune-history", String(o.pruneHistory)] : [],
    o.args ?? [],
  ].flat();
}

/** Starts anvil and waits until it answers. Retries on another port when the chosen one was
 *  taken in between (parallel runs pick ports at the same time). */
export async function startAnvil(o: AnvilOptions = {}): Promise<AnvilNode> {
  let last: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = o.port ?? (await freePort(20_000 + Math.floor(Math.random() * 40_000)));
    try {
      return await spawnAnvil(port, o);
    } catch (err) {
      last = err as Error;
      if (o.port !== undefined || !/address already in use|os error 98/i.test(last.message))
        throw last;
    }
  }
  throw last as Error;
}

async function spawnAnvil(port: number, o: AnvilOptions): Promise<AnvilNode> {
  hookExit();
  const child = spawn(anvilBinary(), anvilArgs(port, o), { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let peak = 0;
  const sample = (): number => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
      peak = Math.max(peak, procPeakRss(child.pid));
    return peak;
  };
  // VmHWM is already a peak; polling only keeps the last value if the node dies first.
  const poll = setInterval(sample, 1000).unref();
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running.delete(child);
      clearInterval(poll);
      resolve();
    }),
  );
  let output = ""; // the tail, to explain a failed start
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-2000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    sample();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const timeoutMs = o.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const provider = httpProvider(url);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`anvil exited (${child.exitCode ?? child.signalCode}) on port ${port}`);
      }
      try {
        await provider.request({ method: "eth_chainId" });
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`no anvil at ${url} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}${output ? `\n${output.trim()}` : ""}`);
  }
  return { url, port, pid: child.pid as number, child, peakRssBytes: sample, stop };
}

/** An error answer of the node, shaped like the errors of EIP-1193 providers (code, data). */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** EIP-1193 over HTTP with one keep-alive connection pool and no batching, retries or caching:
 *  each request goes out at once (ethers' JsonRpcProvider waits up to 10 ms to batch, which the
 *  simulator's tens of thousands of sequential calls would pay each time). */
export function httpProvider(url: string): Eip1193 {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const target = new URL(url);
  let id = 0;
  return {
    request({ method, params }: { method: string; params?: unknown[] }): Promise<unknown> {
      const body = JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] });
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: "POST",
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("error", reject);
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              let msg: {
                result?: unknown;
                error?: { code: number; message: string; data?: unknown };
              };
              try {
                msg = JSON.parse(text);
              } catch {
                reject(new Error(`${method}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
                return;
              }
              if (msg.error)
                reject(new RpcError(msg.error.message, msg.error.code, msg.error.data));
              else resolve(msg.result);
            });
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
  };
}

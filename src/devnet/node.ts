/** A real `hardhat node` child process for scripts, benchmarks and tests that must talk to a node
 *  over HTTP (not the in-process network). Started from node_modules/.bin (not npx) so that the
 *  PID we hold is the node itself. */
import { ChildProcess, spawn } from "child_process";
import fs from "fs";
import net from "net";
import path from "path";
import { HDNodeWallet, Provider, TransactionRequest } from "ethers";
import { FastJsonRpcProvider } from "../common/rpc";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The mnemonic `hardhat node` derives its 20 funded accounts from. */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
/** Private key of the node's first account (well known; only ever use it on local chains). */
export const HARDHAT_KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export interface DevNode {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Collects garbage in the node every 2 s (see the file: bounds its native memory). */
const GC_PRELOAD = path.join(__dirname, "gc-preload.cjs");

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of running) c.kill("SIGKILL");
});

/** The first port at or above `start` that nothing listens on (127.0.0.1). */
export async function freePort(start: number): Promise<number> {
  for (let port = start; port < start + 200; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${start}..${start + 199}`);
}

/** JSON-RPC request over plain HTTP (no provider, no retries). */
export async function rpc<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Resolves once `url` answers `eth_chainId`, or throws after `timeoutMs`. */
export async function waitForRpc(
  url: string,
  timeoutMs = 60_000,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) {
      throw new Error(`hardhat node exited with code ${child.exitCode} before answering`);
    }
    try {
      await rpc(url, "eth_chainId");
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`no RPC at ${url} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Starts `hardhat node` and waits for its RPC. Without `port` the OS picks a free one (the node
 *  prints it), so parallel runs never race for a port. Output goes to `logFile` when given (the
 *  node then logs every request), else nowhere, with request logging switched off. */
export async function startHardhatNode(
  opts: { port?: number; logFile?: string; timeoutMs?: number } = {},
): Promise<DevNode> {
  if (opts.port !== undefined && (await freePort(opts.port)) !== opts.port) {
    throw new Error(`port ${opts.port} is already in use`);
  }
  const bin = path.join(REPO_ROOT, "node_modules", ".bin", "hardhat");
  const args = ["node", "--hostname", "127.0.0.1", "--port", String(opts.port ?? 0)];
  const child = spawn(bin, args, {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      HARDHAT_NETWORK: undefined,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc --require=${GC_PRELOAD}`.trim(),
    },
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => running.delete(child));
  const log = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: "a" }) : undefined;
  let stderr = ""; // the tail, to explain a failed start
  child.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
    log?.write(d);
  });
  let head: string | undefined = ""; // stdout until the start line, then undefined
  const started = new Promise<number>((resolve) => {
    child.stdout!.on("data", (d: Buffer) => {
      log?.write(d);
      if (head === undefined) return;
      head += d.toString();
      const m = /JSON-RPC server at http:\/\/[^:]+:(\d+)/.exec(head);
      if (m) {
        head = undefined;
        resolve(Number(m[1]));
      }
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    log?.end();
  };
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await Promise.race([
      started,
      exited.then(() => Promise.reject(new Error(`hardhat node exited (${child.exitCode})`))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no hardhat node after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    clearTimeout(timer);
    const url = `http://127.0.0.1:${port}`;
    await waitForRpc(url, timeoutMs, child);
    // Nobody reads the per-request log: do not make the node produce it.
    if (!log) await rpc(url, "hardhat_setLoggingEnabled", [false]);
    return { url, port, child, stop };
  } catch (err) {
    clearTimeout(timer);
    await stop();
    throw new Error(`${(err as Error).message}${stderr ? `\n${stderr}` : ""}`);
  }
}

/** Account `index` of the node's mnemonic as a Wallet (signs locally) on `provider`. */
export function devWallet(index: number, provider: Provider): HDNodeWallet {
  return HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).connect(
    provider,
  );
}

/** A provider for a local node: static network, no response cache, fast polling. */
export function localProvider(url: string, chainId = 31337): FastJsonRpcProvider {
  const p = new FastJsonRpcProvider(url, chainId);
  p.pollingInterval = 250;
  return p;
}

/** A local provider whose gas estimates carry `headroomPct` percent more gas. A node estimates
 *  at the latest block's timestamp, but the transaction runs in the next block, where time has
 *  moved: funding accrual and other per-second work can then cost more than estimated, and an
 *  exact estimate runs out of gas (seen on anvil, which mines each transaction at wall-clock
 *  time). */
export class PaddedGasProvider extends FastJsonRpcProvider {
  constructor(
    url: string,
    chainId: number,
    readonly headroomPct = 25,
  ) {
    super(url, chainId);
    this.pollingInterval = 250;
  }

  override async estimateGas(tx: TransactionRequest): Promise<bigint> {
    const gas = await super.estimateGas(tx);
    return (gas * BigInt(100 + this.headroomPct)) / 100n;
  }
}

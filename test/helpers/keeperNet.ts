/** A real `hardhat node` child process with the system deployed, for keeper tests: snapshots
 *  between tests, liquidatable accounts on demand, keepers with their own funded wallets. */
import os from "os";
import path from "path";
import fs from "fs";
import { spawn } from "child_process";
import { expect } from "chai";
import { HDNodeWallet } from "ethers";
import { FastJsonRpcProvider } from "../../src/common/rpc";
import type { System } from "../../deploy/deploy";
import { deployOverRpc } from "../../src/devnet/deploy";
import {
  DevNode,
  REPO_ROOT,
  devWallet,
  localProvider,
  rpc,
  startHardhatNode,
} from "../../src/devnet/node";
import { fundPool, openAccount, setMarketPrice } from "../../src/devnet/seed";
import { Keeper, KeeperOptions, memoryLogger } from "../../src/keeper";
import type { LogEvent } from "../../src/keeper/log";

export interface KeeperNet {
  node: DevNode;
  provider: FastJsonRpcProvider;
  system: System;
  tmp: string;
  /** Reverts the chain to the state right after deployment + pool funding. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a node on the first free port from 8645, deploys, funds the pool and snapshots. */
export async function startKeeperNet(): Promise<KeeperNet> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keeper-test-"));
  // KEEPER_TEST_NODE_LOG=1 keeps the node's request log (slower) in the temp dir.
  const logFile = process.env.KEEPER_TEST_NODE_LOG ? path.join(tmp, "node.log") : undefined;
  const node = await startHardhatNode({ logFile });
  const provider = localProvider(node.url);
  try {
    const system = await deployOverRpc({ signer: devWallet(0, provider), network: "keeper-test" });
    await fundPool(system, devWallet(1, provider), "1000000");
    let snap = await rpc<string>(node.url, "evm_snapshot");
    return {
      node,
      provider,
      system,
      tmp,
      async reset() {
        await rpc(node.url, "evm_setAutomine", [true]);
        await rpc(node.url, "evm_setIntervalMining", [0]);
        await rpc(node.url, "evm_revert", [snap]);
        snap = await rpc<string>(node.url, "evm_snapshot");
      },
      async stop() {
        provider.destroy();
        await node.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (err) {
    provider.destroy();
    await node.stop();
    throw err;
  }
}

/** A separate node process adds nothing to coverage (and the instrumented artifacts exceed the
 *  contract size limit of a plain `hardhat node`): keeper tests skip under coverage. */
import { underCoverage } from "./coverage";

export { underCoverage };

let shared: Promise<KeeperNet> | undefined;

/** One node for every keeper test file of the run (started on first use, stopped by the root
 *  `after` hook below). Tests call `reset()` to start from the same state. */
export function sharedKeeperNet(): Promise<KeeperNet> {
  shared ??= startKeeperNet();
  return shared;
}

/** The hooks of a keeper suite on the shared node: skipped under coverage, the node handed to
 *  `set` once, and reset before each test. */
export function useSharedKeeperNet(set: (net: KeeperNet) => void): void {
  let net: KeeperNet;
  before(async function () {
    if (underCoverage()) this.skip();
    net = await sharedKeeperNet();
    set(net);
  });
  beforeEach(async function () {
    await net.reset();
  });
}

// Root-level hook (this module is loaded while mocha reads the test files).
after(async function () {
  const net = await shared?.catch(() => undefined);
  shared = undefined;
  await net?.stop();
});

/** Runs `scripts/keeper.ts` with `args` (ts-node, no key in the environment) until it exits;
 *  expects exit 0 and returns its log lines (pass `--log-format json`). */
export async function runKeeperCli(args: string[]): Promise<Record<string, unknown>[]> {
  const bin = path.join(REPO_ROOT, "node_modules", ".bin", "ts-node");
  const child = spawn(bin, ["--transpile-only", "scripts/keeper.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, KEEPER_PRIVATE_KEY: "" },
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect(code, out).to.equal(0);
  return out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Trader wallet used to own test accounts (node account 5). */
export function trader(net: KeeperNet): HDNodeWallet {
  return devWallet(5, net.provider);
}

/** USDC each {@link openLongs} account deposits by default: the initial margin of 11.5 ETH at
 *  3,000 (6 % + 20 USD = 2,090) plus the trading fee, with some room. */
export const LONG_DEPOSIT = "2200";

/** Opens `sizes.length` accounts of one owner (sub-accounts from `firstSub`), each `deposit` USDC
 *  and long `sizes[i]` ETH at the current price (3,000 unless moved). Returns the account ids. */
export async function openLongs(
  net: KeeperNet,
  sizes: string[],
  firstSub = 0,
  deposit = LONG_DEPOSIT,
): Promise<bigint[]> {
  const owner = trader(net);
  const accounts: bigint[] = [];
  for (const [i, size] of sizes.entries()) {
    accounts.push(
      await openAccount(net.system, owner, firstSub + i, {
        deposits: { USDC: deposit },
        trades: { 0: size },
      }),
    );
  }
  return accounts;
}

/** Moves ETH-PERP to 2,850 (a 5 % fall): a 2,200 USDC account long 9.8 to 11.5 ETH from 3,000 is
 *  then under maintenance with positive equity (10 ETH: MM ~1,018, equity ~682). */
export async function crashEth(net: KeeperNet, price = "2850"): Promise<void> {
  await setMarketPrice(net.system, 0, price);
}

/** A keeper on node account `walletIndex` with fast retries and receipt polling. */
export function makeKeeper(
  net: KeeperNet,
  walletIndex: number,
  opts: Partial<KeeperOptions> = {},
  provider: FastJsonRpcProvider = net.provider,
): Keeper & { events: ReturnType<typeof memoryLogger>["events"] } {
  const log = memoryLogger();
  const signer = devWallet(walletIndex, provider);
  const keeper = new Keeper({
    engine: net.system.engine,
    lens: net.system.lens,
    signer,
    fromBlock: net.system.record.startBlock,
    retryBaseMs: 20,
    receiptPollMs: 50,
    log,
    ...opts,
  }) as Keeper & { events: typeof log.events };
  keeper.events = log.events;
  return keeper;
}

/** How many times each account was liquidated (LiquidationFeePaid events) since `fromBlock`. */
/** A keeper's warnings and errors, as an assertion's message: a failing run says why. */
export function problems(...events: LogEvent[][]): string {
  const bad = events.flat().filter((e) => e.level === "warn" || e.level === "error");
  const json = JSON.stringify(bad, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
  return `keeper warnings and errors: ${json}`;
}

export async function liquidationCounts(net: KeeperNet, fromBlock: number) {
  const events = await net.system.engine.queryFilter(
    net.system.engine.filters.LiquidationFeePaid(),
    fromBlock,
  );
  const counts = new Map<bigint, number>();
  const byKeeper = new Map<string, number>();
  for (const e of events) {
    counts.set(e.args.account, (counts.get(e.args.account) ?? 0) + 1);
    byKeeper.set(e.args.keeper, (byKeeper.get(e.args.keeper) ?? 0) + 1);
  }
  return { counts, byKeeper };
}

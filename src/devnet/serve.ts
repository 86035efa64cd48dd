/** The local development chain of `npm run node`, as a function for scripts and tests: starts a
 *  node (anvil by default, or `hardhat node`), deploys the system to it with Hardhat's artifacts,
 *  optionally seeds demo state (src/devnet/seed.ts), and writes the deployment record. Anvil
 *  serves every client: ethers, viem, Foundry's cast and browser wallets; `hardhat node` rejects
 *  some requests that cast sends (transactions carrying both `input` and `data`). */
import fs from "fs";
import path from "path";
import type { System } from "../../deploy/deploy";
import { recordPath } from "../../deploy/record";
import { startAnvil } from "./anvil";
import { deployOverRpc } from "./deploy";
import { PaddedGasProvider, devWallet, rpc, startHardhatNode } from "./node";
import { seedDemo } from "./seed";

export type NodeKind = "anvil" | "hardhat";
export const NODE_KINDS: readonly NodeKind[] = ["anvil", "hardhat"];

export interface DevnetOptions {
  /** Which node to run (default anvil). */
  node?: NodeKind;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Seed the demo state: pool liquidity, three traders with positions, a pending order. */
  seed?: boolean;
  /** Network name of the deployment record (deployments/<network>.json). */
  network?: string;
  /** Directory of the record; default the repository's deployments/. */
  recordDir?: string;
  /** Write the record (default true). */
  persist?: boolean;
  /** Append the node's own output here (hardhat node only logs requests when given one). */
  nodeLog?: string;
  log?: (m: string) => void;
}

export interface Devnet {
  kind: NodeKind;
  url: string;
  port: number;
  chainId: number;
  /** Pads gas estimates (see `PaddedGasProvider`). */
  provider: PaddedGasProvider;
  system: System;
  /** Where the deployment record was written (undefined when not persisted). */
  recordFile?: string;
  demo?: Awaited<ReturnType<typeof seedDemo>>;
  stop(): Promise<void>;
}

/** Parses a `--node` value; throws a clear error for anything else. */
export function parseNodeKind(value: string | undefined): NodeKind {
  const kind = (value ?? "anvil") as NodeKind;
  if (!NODE_KINDS.includes(kind)) {
    throw new Error(`--node must be one of ${NODE_KINDS.join(", ")}, got "${value}"`);
  }
  return kind;
}

async function startNode(kind: NodeKind, o: DevnetOptions) {
  if (kind === "hardhat") return startHardhatNode({ port: o.port, logFile: o.nodeLog });
  const node = await startAnvil({ port: o.port });
  if (o.nodeLog) fs.appendFileSync(o.nodeLog, `anvil pid ${node.pid} at ${node.url}\n`);
  return node;
}

/** Starts a node, deploys and (optionally) seeds it. `stop()` ends the node. */
export async function startDevnet(o: DevnetOptions = {}): Promise<Devnet> {
  const kind = parseNodeKind(o.node);
  const log = o.log ?? (() => undefined);
  const node = await startNode(kind, o);
  try {
    const chainId = Number(BigInt(await rpc<string>(node.url, "eth_chainId")));
    const provider = new PaddedGasProvider(node.url, chainId);
    const network = o.network ?? "localhost";
    const persist = o.persist ?? true;
    const recordFile = persist ? recordPath(network, o.recordDir) : undefined;
    // A fresh node has none of the contracts of an older record: start a new one.
    if (recordFile) fs.rmSync(recordFile, { force: true });
    if (recordFile) fs.mkdirSync(path.dirname(recordFile), { recursive: true });
    const system = await deployOverRpc({
      signer: devWallet(0, provider),
      network,
      persist,
      recordDir: o.recordDir,
      log: (m) => log(`[deploy] ${m}`),
    });
    const demo = o.seed
      ? await seedDemo(system, {
          lp: devWallet(1, provider),
          traders: [devWallet(2, provider), devWallet(3, provider), devWallet(4, provider)],
        })
      : undefined;
    const stop = async (): Promise<void> => {
      provider.destroy();
      await node.stop();
    };
    return {
      kind,
      url: node.url,
      port: node.port,
      chainId,
      provider,
      system,
      recordFile,
      demo,
      stop,
    };
  } catch (err) {
    await node.stop();
    throw err;
  }
}

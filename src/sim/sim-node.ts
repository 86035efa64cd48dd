/** The chain a simulation runs on, deployed and ready: Hardhat's in-process network, or an anvil
 *  child process (src/devnet/anvil.ts) reached over HTTP. Either way the simulator gets an
 *  EIP-1193 provider and the deployed system; `close` stops the anvil child (the caller must call
 *  it, also on errors; the child is killed anyway when the process exits or is interrupted). */
import { BrowserProvider, HDNodeWallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { System } from "../../deploy/deploy";
import { deployWithHardhat } from "../../deploy/hardhat";
import type { Eip1193 } from "../chain/reader";
import { AnvilNode, httpProvider, startAnvil } from "../devnet/anvil";
import { deployOverRpc } from "../devnet/deploy";
import { HARDHAT_MNEMONIC } from "../devnet/node";
import type { NodeKind } from "./options";
import type { NodeStats } from "./report";

export interface SimNode {
  kind: NodeKind;
  provider: Eip1193;
  system: System;
  /** The node's process id (undefined in-process). */
  pid?: number;
  /** Peak resident memory of the node's own process (0 in-process). */
  stats(): NodeStats;
  close(): Promise<void>;
}

/** Deploys the system on the chosen node. Hardhat's in-process network must be the current
 *  Hardhat network (`hre.network.name === "hardhat"`). */
export async function openSimNode(
  kind: NodeKind,
  hre: HardhatRuntimeEnvironment,
  opts: { history?: number; log?: (m: string) => void } = {},
): Promise<SimNode> {
  const { log } = opts;
  if (kind === "hardhat") {
    if (hre.network.name !== "hardhat") {
      throw new Error(`--node hardhat runs on the in-process network, not "${hre.network.name}"`);
    }
    const system = await deployWithHardhat(hre, { persist: false, log });
    return {
      kind,
      provider: hre.network.provider,
      system,
      stats: () => ({ kind, peakRssBytes: 0 }),
      close: async () => undefined,
    };
  }
  const node = await startAnvil({ pruneHistory: opts.history ?? 256 });
  try {
    return await onAnvil(node, log);
  } catch (err) {
    await node.stop();
    throw err;
  }
}

async function onAnvil(node: AnvilNode, log?: (m: string) => void): Promise<SimNode> {
  const provider = httpProvider(node.url);
  // ethers over the same transport for the deployment and the engine's typed contracts, without
  // its 250 ms response cache (it would hand out a stale nonce). Polling
  // only serves `wait()` when anvil has not mined an automined transaction yet: poll fast.
  const browser = new BrowserProvider(provider, 31337, { staticNetwork: true, cacheTimeout: -1 });
  browser.pollingInterval = 10;
  const signer = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC).connect(browser);
  const system = await deployOverRpc({ signer, network: "anvil", persist: false, log });
  return {
    kind: "anvil",
    provider,
    system,
    pid: node.pid,
    stats: () => ({ kind: "anvil", peakRssBytes: node.peakRssBytes() }),
    close: () => node.stop(),
  };
}

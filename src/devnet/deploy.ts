/** Deploys the local configuration to any JSON-RPC node (a `hardhat node` started by a script or
 *  a test) with an ordinary ethers signer, reusing the deploy module and Hardhat's artifacts. */
import { Signer } from "ethers";
import { System, deploySystem } from "../../deploy/deploy";
import { NetworkConfig } from "../../deploy/config";
import { localConfig } from "../../deploy/config/local";

export async function deployOverRpc(opts: {
  signer: Signer;
  /** Name of the record (deployments/<network>.json). Default "localhost". */
  network?: string;
  /** Write the record. Default false. */
  persist?: boolean;
  recordDir?: string;
  config?: NetworkConfig;
  log?: (m: string) => void;
}): Promise<System> {
  const hre = (await import("hardhat")).default;
  const { signer } = opts;
  return deploySystem({
    network: opts.network ?? "localhost",
    signer,
    config: opts.config ?? localConfig,
    persist: opts.persist ?? false,
    recordDir: opts.recordDir,
    log: opts.log,
    factory: (name, libraries) => hre.ethers.getContractFactory(name, { libraries, signer }),
  });
}

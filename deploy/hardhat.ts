/** Runs `deploySystem` inside a Hardhat runtime (any network Hardhat knows). */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { configFor } from "./config";
import { System, deploySystem } from "./deploy";

export async function deployWithHardhat(
  hre: HardhatRuntimeEnvironment,
  opts: { persist?: boolean; log?: (m: string) => void } = {},
): Promise<System> {
  const [signer] = await hre.ethers.getSigners();
  return deploySystem({
    network: hre.network.name,
    signer,
    config: configFor(hre.network.name),
    persist: opts.persist ?? hre.network.name !== "hardhat",
    log: opts.log,
    factory: (name, libraries) => hre.ethers.getContractFactory(name, { libraries, signer }),
  });
}

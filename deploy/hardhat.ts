/** Runs `deploySystem` inside a Hardhat runtime (any network Hardhat knows). */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { configFor } from "./config";
import { System, deploySystem } from "./deploy";

export async function deployWithHardhat(
  hre: HardhatRuntimeEnvironment,
  opts: { persist?: boolean; log?: (m: string) => void } = {},
): Promise<System> {
  const [signer] = await hre.ethers.getSigners();
  const system = await deploySystem({
    network: hre.network.name,
    signer,
    config: configFor(hre.network.name),
    persist: opts.persist ?? hre.network.name !== "hardhat",
    log: opts.log,
    factory: (name, libraries) => hre.ethers.getContractFactory(name, { libraries, signer }),
  });
  const local = hre.network.name === "hardhat" || hre.network.name === "localhost";
  if (process.env.ETHERSCAN_API_KEY && !local)
    await verifyAll(hre, system, opts.log ?? console.log);
  return system;
}

/** Verifies every contract of the record on the network's block explorer (hardhat-verify).
 *  Already-verified contracts are skipped by the plugin; failures are logged, not fatal. */
export async function verifyAll(
  hre: HardhatRuntimeEnvironment,
  system: System,
  log: (m: string) => void,
): Promise<void> {
  for (const [key, c] of Object.entries(system.record.contracts)) {
    try {
      await hre.run("verify:verify", {
        address: c.address,
        constructorArguments: c.args ?? [],
        libraries: c.libraries ?? {},
      });
      log(`verified ${key} at ${c.address}`);
    } catch (err) {
      log(`verification of ${key} failed: ${(err as Error).message.split("\n")[0]}`);
    }
  }
}

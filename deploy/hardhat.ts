/** Runs `deploySystem` / `planDeployment` inside a Hardhat runtime (any network Hardhat knows),
 *  and verifies the recorded contracts through hardhat-verify. */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { NetworkConfig, configFor } from "./config";
import { DeployOptions, DeployReport, System, deploySystem, planDeployment } from "./deploy";
import type { DeploymentRecord } from "./record";
import { verifyTasks } from "./verify";

async function options(
  hre: HardhatRuntimeEnvironment,
  opts: {
    persist?: boolean;
    log?: (m: string) => void;
    config?: NetworkConfig;
    recordDir?: string;
  },
): Promise<DeployOptions> {
  const [signer] = await hre.ethers.getSigners();
  if (!signer) throw new Error(`network ${hre.network.name} has no account (set DEPLOYER_KEY)`);
  return {
    network: hre.network.name,
    signer,
    config: opts.config ?? configFor(hre.network.name),
    persist: opts.persist ?? hre.network.name !== "hardhat",
    recordDir: opts.recordDir,
    log: opts.log,
    factory: (name, libraries) => hre.ethers.getContractFactory(name, { libraries, signer }),
  };
}

export async function deployWithHardhat(
  hre: HardhatRuntimeEnvironment,
  opts: {
    persist?: boolean;
    log?: (m: string) => void;
    config?: NetworkConfig;
    recordDir?: string;
  } = {},
): Promise<System> {
  return deploySystem(await options(hre, opts));
}

/** The dry run on a Hardhat network: nothing is sent, nothing written. */
export async function planWithHardhat(
  hre: HardhatRuntimeEnvironment,
  opts: { log?: (m: string) => void; config?: NetworkConfig; recordDir?: string } = {},
): Promise<DeployReport> {
  return planDeployment(await options(hre, { ...opts, persist: true }));
}

/** Verifies every contract of the record with its recorded constructor arguments and
 *  libraries. Already-verified contracts are reported as such by the plugin; returns the keys
 *  that failed (the caller decides the exit code). */
export async function verifyRecord(
  hre: HardhatRuntimeEnvironment,
  record: DeploymentRecord,
  log: (m: string) => void,
): Promise<string[]> {
  const tasks = await verifyTasks(
    record,
    async (name) => (await hre.artifacts.readArtifact(name)).sourceName,
  );
  const failed: string[] = [];
  for (const t of tasks) {
    try {
      await hre.run("verify:verify", {
        address: t.address,
        contract: t.contract,
        constructorArguments: t.constructorArguments,
        libraries: t.libraries,
      });
      log(`verified ${t.key} at ${t.address}`);
    } catch (err) {
      const message = (err as Error).message.split("\n")[0];
      if (/already verified/i.test(message)) {
        log(`${t.key} at ${t.address} is already verified`);
        continue;
      }
      failed.push(t.key);
      log(`verification of ${t.key} failed: ${message}`);
    }
  }
  return failed;
}

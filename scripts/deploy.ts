/** `npx hardhat run scripts/deploy.ts --network <name>`: deploys or reuses, then prints addresses. */
import hre from "hardhat";
import { deployWithHardhat } from "../deploy/hardhat";

async function main(): Promise<void> {
  const system = await deployWithHardhat(hre, { log: (m) => console.log(`[deploy] ${m}`) });
  console.table(
    Object.fromEntries(
      Object.entries(system.record.contracts).map(([k, v]) => [k, `${v.address} @${v.block}`]),
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

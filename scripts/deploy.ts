/** `npm run deploy -- --network <name> [--dry-run] [--verify]` (or `npx hardhat run
 *  scripts/deploy.ts --network <name>`): deploys or resumes from deployments/<name>.json,
 *  reports drift, prints timelock proposals for what the deployer can no longer do, then the
 *  addresses. `--dry-run` prints the plan and sends nothing. */
import { hardhatFor, parseCli } from "../deploy/cli";
import { configSource } from "../deploy/config";
import { formatPlan } from "../deploy/plan";
import { formatProposals } from "../deploy/timelock";

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const hre = await hardhatFor(cli);
  const { deployWithHardhat, planWithHardhat, verifyRecord } = await import("../deploy/hardhat");
  const log = (m: string) => console.log(`[deploy] ${m}`);
  log(`network ${hre.network.name}, config ${configSource(hre.network.name)}`);
  if (cli.dryRun) {
    const report = await planWithHardhat(hre, { log, recordDir: cli.recordDir });
    console.log(formatPlan(report));
    return;
  }
  const system = await deployWithHardhat(hre, { log, recordDir: cli.recordDir });
  console.log(formatProposals(system.report.proposals));
  console.table(
    Object.fromEntries(
      Object.entries(system.record.contracts).map(([k, v]) => [k, `${v.address} @${v.block}`]),
    ),
  );
  if (cli.verify) {
    const failed = await verifyRecord(hre, system.record, log);
    if (failed.length) throw new Error(`verification failed for ${failed.join(", ")}`);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});

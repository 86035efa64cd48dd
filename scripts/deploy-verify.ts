/** `npm run deploy:verify -- --network <name>`: verifies every contract of deployments/<name>.json
 *  on the network's explorer (hardhat-verify: Etherscan v2, a custom chain, Sourcify; see
 *  deploy/verify.ts), with the recorded constructor arguments and libraries. `--dry-run` prints
 *  the verification tasks and the explorer settings without contacting anything. */
import { hardhatFor, parseCli } from "../deploy/cli";

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const hre = await hardhatFor(cli);
  const { readRecord, recordPath } = await import("../deploy/record");
  const { verifyTasks } = await import("../deploy/verify");
  const { verifyRecord } = await import("../deploy/hardhat");
  const network = hre.network.name;
  const record = readRecord(network, cli.recordDir);
  if (!record) throw new Error(`no deployment record ${recordPath(network, cli.recordDir)}`);
  const log = (m: string) => console.log(`[verify] ${m}`);
  if (cli.dryRun) {
    const tasks = await verifyTasks(
      record,
      async (n) => (await hre.artifacts.readArtifact(n)).sourceName,
    );
    console.log(
      JSON.stringify(
        { etherscan: hre.config.etherscan, sourcify: hre.config.sourcify, tasks },
        null,
        2,
      ),
    );
    return;
  }
  const failed = await verifyRecord(hre, record, log);
  if (failed.length) throw new Error(`verification failed for ${failed.join(", ")}`);
  log(`${Object.keys(record.contracts).length} contract(s) verified or already verified`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});

/** `npm run deploy:check -- --network <name>`: compares deployments/<name>.json, the network's
 *  config and the chain (code at every address, wiring, roles, the timelock, every market's and
 *  collateral's parameters, feeds, global settings). Prints each difference; exits 1 when there
 *  is any, 2 when the check cannot run (no record, bad config). */
import { hardhatFor, parseCli } from "../deploy/cli";

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2));
  const hre = await hardhatFor(cli);
  const { configFor, configSource } = await import("../deploy/config");
  const { readRecord, recordPath } = await import("../deploy/record");
  const { checkDeployment } = await import("../deploy/check");
  const { formatDifference } = await import("../deploy/state");
  const network = hre.network.name;
  const record = readRecord(network, cli.recordDir);
  if (!record) {
    console.error(`no deployment record ${recordPath(network, cli.recordDir)}`);
    return 2;
  }
  const config = configFor(network);
  console.log(
    `[check] network ${network}, config ${configSource(network)}, record ${recordPath(network, cli.recordDir)}`,
  );
  const diffs = await checkDeployment(hre.ethers.provider, record, config);
  for (const d of diffs) console.log(`[check] DIFF ${formatDifference(d)}`);
  if (diffs.length) {
    console.log(
      `[check] ${diffs.length} difference(s) between the record, the config and the chain`,
    );
    return 1;
  }
  console.log(
    `[check] record, config and chain agree (${Object.keys(record.contracts).length} contracts, ${record.markets.length} markets, ${record.collaterals.length} collaterals)`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  },
);

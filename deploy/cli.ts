/** Command-line options shared by scripts/deploy.ts, deploy-check.ts and deploy-verify.ts. They
 *  run under ts-node (npm scripts) or `hardhat run` (then the network comes from Hardhat and
 *  the flags from the environment: DEPLOY_DRY_RUN=1, DEPLOY_VERIFY=1). */
export interface CliOptions {
  network?: string;
  dryRun: boolean;
  verify: boolean;
  /** Directory of deployments/<network>.json (DEPLOY_RECORD_DIR; default deployments/). */
  recordDir?: string;
}

export const USAGE = `options: --network <name> (a network of hardhat.config.ts; RPC_URL + NETWORK_NAME add one)
         --dry-run   print the plan: what would be deployed, configured or handed over; send nothing
         --verify    after deploying, verify every recorded contract (hardhat-verify)
         --records <dir>  where deployments/<network>.json lives (default deployments/)`;

export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const o: CliOptions = {
    network: env.HARDHAT_NETWORK,
    dryRun: env.DEPLOY_DRY_RUN === "1",
    verify: env.DEPLOY_VERIFY === "1",
    recordDir: env.DEPLOY_RECORD_DIR,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--network") o.network = value();
    else if (a === "--dry-run") o.dryRun = true;
    else if (a === "--verify") o.verify = true;
    else if (a === "--records") o.recordDir = value();
    else if (a === "--help" || a === "-h") throw new Error(USAGE);
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return o;
}

/** Selects the Hardhat network before `hardhat` is imported; returns the runtime. */
export async function hardhatFor(o: CliOptions) {
  if (o.network) process.env.HARDHAT_NETWORK = o.network;
  return (await import("hardhat")).default;
}

/** The deployment record: `deployments/<network>.json` with addresses and block numbers, read
 *  back on the next run so that deploying is idempotent. It is written after every contract
 *  deployed, so a run that fails halfway resumes where it stopped. */
import fs from "fs";
import path from "path";

export interface DeployedContract {
  address: string;
  block: number;
  /** Artifact name, constructor arguments (bigints as strings) and linked libraries, for
   *  block-explorer verification. */
  artifact?: string;
  args?: unknown[];
  libraries?: Record<string, string>;
}

export interface DeploymentRecord {
  network: string;
  chainId: number;
  startBlock: number;
  /** The account that deployed and, until the handover, administered the system. */
  deployer?: string;
  contracts: Record<string, DeployedContract>;
  /** Deployments sent but not yet confirmed (transaction hash), adopted by the next run. */
  pending?: Record<string, Omit<DeployedContract, "address" | "block"> & { hash: string }>;
  /** Markets as the engine holds them (id = engine market id), never ahead of the chain. */
  markets: { id: number; name: string; feed: string }[];
  collaterals: { symbol: string; token: string; feed: string }[];
  quote: { symbol: string; token: string; decimals: number };
}

export const DEPLOYMENTS_DIR = path.join(__dirname, "..", "deployments");

export function recordPath(network: string, dir = DEPLOYMENTS_DIR): string {
  return path.join(dir, `${network}.json`);
}

export function readRecord(network: string, dir = DEPLOYMENTS_DIR): DeploymentRecord | undefined {
  const p = recordPath(network, dir);
  if (!fs.existsSync(p)) return undefined;
  let parsed: DeploymentRecord;
  try {
    parsed = JSON.parse(fs.readFileSync(p, "utf8")) as DeploymentRecord;
  } catch (err) {
    throw new Error(`deployment record ${p} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed.chainId !== "number" || typeof parsed.contracts !== "object") {
    throw new Error(`deployment record ${p} lacks chainId or contracts`);
  }
  return parsed;
}

/** Writes the record atomically (temporary file, then rename): a crash never leaves half a file. */
export function writeRecord(record: DeploymentRecord, dir = DEPLOYMENTS_DIR): string {
  fs.mkdirSync(dir, { recursive: true });
  const p = recordPath(record.network, dir);
  const tmp = `${p}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n");
  fs.renameSync(tmp, p);
  return p;
}

/** The deployment record: `deployments/<network>.json` with addresses and block numbers, read
 *  back on the next run so that deploying is idempotent. */
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
  contracts: Record<string, DeployedContract>;
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
  return JSON.parse(fs.readFileSync(p, "utf8")) as DeploymentRecord;
}

export function writeRecord(record: DeploymentRecord, dir = DEPLOYMENTS_DIR): string {
  fs.mkdirSync(dir, { recursive: true });
  const p = recordPath(record.network, dir);
  fs.writeFileSync(p, JSON.stringify(record, null, 2) + "\n");
  return p;
}

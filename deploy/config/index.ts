/** Picks the deployment config for a network name: the file DEPLOY_CONFIG names, else
 *  deploy/config/networks/<network>.json, else the local mocks (hardhat, localhost), else the
 *  environment (README, "Deploying to a real network"). */
import fs from "fs";
import path from "path";
import { localConfig } from "./local";
import { envConfig } from "./env";
import { NETWORKS_DIR, loadConfigFile } from "./file";
import { NetworkConfig } from "./types";

export * from "./types";

/** Where a network's config comes from (for logs): a file path, "local" or "environment". */
export function configSource(network: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.DEPLOY_CONFIG) return path.resolve(env.DEPLOY_CONFIG);
  const file = path.join(NETWORKS_DIR, `${network}.json`);
  if (fs.existsSync(file)) return file;
  if (network === "hardhat" || network === "localhost") return "local";
  return "environment";
}

export function configFor(network: string, env: NodeJS.ProcessEnv = process.env): NetworkConfig {
  const source = configSource(network, env);
  if (source === "local") return localConfig;
  if (source === "environment") return envConfig(env);
  return loadConfigFile(source);
}

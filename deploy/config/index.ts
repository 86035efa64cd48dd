/** Picks the deployment config for a network name. Real networks read addresses from the
 *  environment (see README, "Deploying to a real network"). */
import { localConfig } from "./local";
import { envConfig } from "./env";
import { NetworkConfig } from "./types";

export * from "./types";

export function configFor(network: string): NetworkConfig {
  if (network === "hardhat" || network === "localhost") return localConfig;
  return envConfig();
}

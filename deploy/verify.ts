/** Block-explorer verification through hardhat-verify: the `etherscan` / `sourcify` sections of
 *  hardhat.config.ts built from the environment (or a JSON file), and one verification task
 *  per contract of the deployment record, with its recorded constructor arguments and linked
 *  libraries.
 *
 *  ETHERSCAN_API_KEY                   an etherscan.io key: the Etherscan v2 API, any chain it
 *                                      lists (a single key for all of them)
 *  VERIFY_CHAIN_ID, VERIFY_API_URL,    an explorer with an Etherscan-compatible API on a chain
 *  VERIFY_BROWSER_URL, VERIFY_API_KEY  Hardhat does not know (a `customChains` entry for the
 *                                      network NETWORK_NAME, default "custom"); all three of the
 *                                      first must be given together
 *  VERIFY_SOURCIFY=1                   also verify on Sourcify (SOURCIFY_API_URL and
 *                                      SOURCIFY_BROWSER_URL for a self-hosted instance)
 *  VERIFY_CONFIG=file.json             the same settings as a file: {"network", "chainId",
 *                                      "apiUrl", "browserUrl", "apiKey", "sourcify",
 *                                      "sourcifyApiUrl", "sourcifyBrowserUrl"}
 */
import fs from "fs";
import type { DeploymentRecord } from "./record";

export interface VerifySettings {
  network?: string;
  chainId?: number;
  apiUrl?: string;
  browserUrl?: string;
  apiKey?: string;
  sourcify?: boolean;
  sourcifyApiUrl?: string;
  sourcifyBrowserUrl?: string;
}

export interface VerifyConfig {
  etherscan: {
    enabled: boolean;
    apiKey: string | Record<string, string>;
    customChains: {
      network: string;
      chainId: number;
      urls: { apiURL: string; browserURL: string };
    }[];
  };
  sourcify: { enabled: boolean; apiUrl?: string; browserUrl?: string };
}

function url(name: string, v: string | undefined): string | undefined {
  if (v === undefined || v === "") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new Error(`verify settings: ${name} "${v}" is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new Error(`verify settings: ${name} "${v}" must be http(s)`);
  }
  return v;
}

/** The settings from the environment, or from the file VERIFY_CONFIG names (which wins). */
export function verifySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): VerifySettings {
  if (env.VERIFY_CONFIG) {
    try {
      return JSON.parse(fs.readFileSync(env.VERIFY_CONFIG, "utf8")) as VerifySettings;
    } catch (err) {
      throw new Error(`VERIFY_CONFIG ${env.VERIFY_CONFIG}: ${(err as Error).message}`);
    }
  }
  return {
    network: env.NETWORK_NAME || "custom",
    chainId: env.VERIFY_CHAIN_ID ? Number(env.VERIFY_CHAIN_ID) : undefined,
    apiUrl: env.VERIFY_API_URL,
    browserUrl: env.VERIFY_BROWSER_URL,
    apiKey: env.VERIFY_API_KEY || env.ETHERSCAN_API_KEY,
    sourcify: env.VERIFY_SOURCIFY === "1" || env.VERIFY_SOURCIFY === "true",
    sourcifyApiUrl: env.SOURCIFY_API_URL,
    sourcifyBrowserUrl: env.SOURCIFY_BROWSER_URL,
  };
}

/** hardhat-verify's `etherscan` and `sourcify` config from the settings. A custom chain's key is
 *  given per network, which makes the plugin call that chain's own API URL (a single string key
 *  means the etherscan.io v2 API). Bad or partial settings throw. */
export function verifyConfig(s: VerifySettings): VerifyConfig {
  const apiUrl = url("apiUrl", s.apiUrl);
  const browserUrl = url("browserUrl", s.browserUrl);
  const custom = [s.chainId, apiUrl, browserUrl].filter((v) => v !== undefined).length;
  if (custom !== 0 && custom !== 3) {
    throw new Error(
      "verify settings: a custom chain needs its chain id, API URL and browser URL " +
        "(VERIFY_CHAIN_ID, VERIFY_API_URL, VERIFY_BROWSER_URL) together",
    );
  }
  if (s.chainId !== undefined && (!Number.isInteger(s.chainId) || s.chainId <= 0)) {
    throw new Error(`verify settings: chain id "${s.chainId}" is not a positive integer`);
  }
  const network = s.network || "custom";
  const customChains =
    custom === 3
      ? [{ network, chainId: s.chainId!, urls: { apiURL: apiUrl!, browserURL: browserUrl! } }]
      : [];
  const key = s.apiKey ?? "";
  return {
    etherscan: {
      enabled: key !== "" || customChains.length > 0,
      apiKey: customChains.length > 0 ? { [network]: key } : key,
      customChains,
    },
    sourcify: {
      enabled: s.sourcify === true,
      ...(s.sourcifyApiUrl ? { apiUrl: url("sourcifyApiUrl", s.sourcifyApiUrl) } : {}),
      ...(s.sourcifyBrowserUrl
        ? { browserUrl: url("sourcifyBrowserUrl", s.sourcifyBrowserUrl) }
        : {}),
    },
  };
}

/** One `verify:verify` call. */
export interface VerifyTask {
  key: string;
  address: string;
  /** Fully qualified name (`contracts/core/Crossmargin.sol:Crossmargin`), so the plugin need not
   *  guess among artifacts with equal bytecode (the mock tokens, for example). */
  contract: string;
  constructorArguments: unknown[];
  libraries: Record<string, string>;
}

/** The verification tasks of every recorded contract. `sourceOf` maps an artifact name to its
 *  source file (Hardhat's artifacts know it). A contract recorded without its artifact cannot
 *  be verified and throws. */
export async function verifyTasks(
  record: DeploymentRecord,
  sourceOf: (artifact: string) => Promise<string>,
): Promise<VerifyTask[]> {
  const tasks: VerifyTask[] = [];
  for (const [key, c] of Object.entries(record.contracts)) {
    if (!c.artifact) throw new Error(`record entry ${key} has no artifact name: cannot verify it`);
    tasks.push({
      key,
      address: c.address,
      contract: `${await sourceOf(c.artifact)}:${c.artifact}`,
      constructorArguments: c.args ?? [],
      libraries: c.libraries ?? {},
    });
  }
  return tasks;
}

/** Config for any EVM network from environment variables, for simple cases (a per-network file,
 *  deploy/config/file.ts, is the general way). Token and feed addresses are real Chainlink /
 *  ERC-20 deployments; nothing is mocked. Instant trading is off: orders settle at a later
 *  oracle round.
 *
 *  QUOTE_TOKEN=0x..                    settlement token (e.g. USDC); QUOTE_SYMBOL (default USDC)
 *  COLLATERALS=WETH:0xtoken:0xfeed:3600:ETH / USD:10000[:key=value,...];...
 *                                      symbol:token:feed:heartbeat:description:depositCap;
 *                                      weights from risk-params.json by symbol, or key=value
 *  MARKETS=ETH-PERP:0xfeed:3600:ETH / USD:skewScale=1000000,maxOpenInterest=100000;...
 *                                      name:feed:heartbeat:description:key=value,...; margins
 *                                      from risk-params.json by name unless given; skewScale and
 *                                      maxOpenInterest are per market and required; offset pairs
 *                                      of two listed markets apply
 *  TIMELOCK, RISK_MANAGER, GUARDIAN    optional role holders (TIMELOCK: a TimelockController)
 *  SEQUENCER_FEED, SEQUENCER_GRACE     optional L2 sequencer uptime feed
 *  REDEEM_DELAY, CLAIM_WINDOW          optional pool exit timing, seconds (default 1 day, 3 days)
 *  EXIT_FEE_RATE                       optional pool exit fee, decimal fraction (default 0)
 */
import { NetworkConfigFile, resolveConfig } from "./file";
import { localConfig } from "./local";
import { NetworkConfig } from "./types";

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) {
    throw new Error(
      `missing environment variable ${name} (see README: deploying to a real network), ` +
        `or give a config file (DEPLOY_CONFIG or deploy/config/networks/<network>.json)`,
    );
  }
  return v;
}

const INTEGER_KEYS = new Set(["liquidationWindow", "minOrderDelay", "maxOrderAge"]);

/** `key=value,key=value` as typed config fields. */
export function parseOverrides(text: string | undefined, where: string): Record<string, unknown> {
  if (!text) return {};
  return Object.fromEntries(
    text.split(",").map((pair) => {
      const [key, value] = pair.split("=").map((s) => s.trim());
      if (!key || value === undefined) throw new Error(`${where}: "${pair}" is not key=value`);
      if (key === "instantTrading") return [key, value === "true"];
      if (INTEGER_KEYS.has(key)) return [key, Number(value)];
      return [key, value];
    }),
  );
}

export function envConfig(env: NodeJS.ProcessEnv = process.env): NetworkConfig {
  const collaterals = required(env, "COLLATERALS")
    .split(";")
    .filter(Boolean)
    .map((entry) => {
      const [symbol, token, feed, heartbeat, description, cap, extra] = entry.split(":");
      return {
        symbol,
        token: { kind: "existing" as const, address: token },
        feed: {
          kind: "chainlink" as const,
          address: feed,
          heartbeat: Number(heartbeat),
          description,
        },
        depositCap: cap,
        ...parseOverrides(extra, `COLLATERALS ${symbol}`),
      };
    });
  const markets = required(env, "MARKETS")
    .split(";")
    .filter(Boolean)
    .map((entry) => {
      const [name, feed, heartbeat, description, extra] = entry.split(":");
      return {
        name,
        feed: {
          kind: "chainlink" as const,
          address: feed,
          heartbeat: Number(heartbeat),
          description,
        },
        ...parseOverrides(extra, `MARKETS ${name}`),
      };
    });
  const file: NetworkConfigFile = {
    quote: {
      kind: "existing",
      address: required(env, "QUOTE_TOKEN"),
      symbol: env.QUOTE_SYMBOL ?? "USDC",
    },
    collaterals,
    markets,
    sequencer: env.SEQUENCER_FEED
      ? { address: env.SEQUENCER_FEED, gracePeriod: Number(env.SEQUENCER_GRACE ?? 3600) }
      : undefined,
    pool: {
      redeemDelay: Number(env.REDEEM_DELAY ?? localConfig.pool.redeemDelay),
      claimWindow: Number(env.CLAIM_WINDOW ?? localConfig.pool.claimWindow),
      exitFeeRate: env.EXIT_FEE_RATE ?? localConfig.pool.exitFeeRate,
    },
    timelock: env.TIMELOCK,
    riskManager: env.RISK_MANAGER,
    guardian: env.GUARDIAN,
    mocks: false,
  };
  return resolveConfig(file, "environment");
}

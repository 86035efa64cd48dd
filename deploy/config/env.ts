/** Config for any EVM network, from environment variables. Token and feed addresses are real
 *  Chainlink / ERC-20 deployments; nothing is mocked. Instant trading is off: orders settle
 *  at a later oracle round.
 *
 *  QUOTE_TOKEN=0x..                    settlement token (e.g. USDC)
 *  COLLATERALS=WETH:0xtoken:0xfeed:3600:ETH / USD:10000;...   (symbol:token:feed:heartbeat:
 *                                      description:depositCap; weights from risk-params.json)
 *  MARKETS=ETH-PERP:0xfeed:3600:ETH / USD;...   (margins from risk-params.json by name when
 *                                      listed there, else ETH-PERP's; offset pairs of two listed
 *                                      markets apply)
 *  TIMELOCK, RISK_MANAGER, GUARDIAN    optional role holders
 *  SEQUENCER_FEED, SEQUENCER_GRACE     optional L2 sequencer uptime feed
 *  REDEEM_DELAY, CLAIM_WINDOW          optional pool exit timing, seconds (default 1 day, 3 days)
 *  EXIT_FEE_RATE                       optional pool exit fee, decimal fraction (default 0)
 */
import { collateralRisk, localConfig, marketMargins } from "./local";
import { NetworkConfig } from "./types";

function required(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(
      `missing environment variable ${name} (see README: deploying to a real network)`,
    );
  return v;
}

export function envConfig(): NetworkConfig {
  const collaterals = required("COLLATERALS")
    .split(";")
    .filter(Boolean)
    .map((entry) => {
      const [symbol, token, feed, heartbeat, description, cap] = entry.split(":");
      return {
        symbol,
        token: { kind: "existing" as const, address: token },
        feed: {
          kind: "chainlink" as const,
          address: feed,
          heartbeat: Number(heartbeat),
          description,
        },
        // Weights and size haircut from deploy/config/risk-params.json, by symbol.
        ...collateralRisk(symbol),
        depositCap: cap,
      };
    });
  const template = localConfig.markets[0];
  const markets = required("MARKETS")
    .split(";")
    .filter(Boolean)
    .map((entry) => {
      const [name, feed, heartbeat, description] = entry.split(":");
      return {
        ...template,
        ...marketMargins(name),
        name,
        feed: {
          kind: "chainlink" as const,
          address: feed,
          heartbeat: Number(heartbeat),
          description,
        },
        instantTrading: false,
        minOrderDelay: 5,
        maxOrderAge: 600,
      };
    });
  return {
    ...localConfig,
    quote: {
      kind: "existing",
      address: required("QUOTE_TOKEN"),
      symbol: process.env.QUOTE_SYMBOL ?? "USDC",
    },
    collaterals,
    markets,
    risk: {
      ...localConfig.risk,
      offsets: localConfig.risk.offsets.filter((o) =>
        [o.marketA, o.marketB].every((n) => markets.some((m) => m.name === n)),
      ),
    },
    sequencer: process.env.SEQUENCER_FEED
      ? {
          address: process.env.SEQUENCER_FEED,
          gracePeriod: Number(process.env.SEQUENCER_GRACE ?? 3600),
        }
      : undefined,
    pool: {
      ...localConfig.pool,
      redeemDelay: Number(process.env.REDEEM_DELAY ?? localConfig.pool.redeemDelay),
      claimWindow: Number(process.env.CLAIM_WINDOW ?? localConfig.pool.claimWindow),
      exitFeeRate: process.env.EXIT_FEE_RATE ?? localConfig.pool.exitFeeRate,
    },
    timelock: process.env.TIMELOCK,
    riskManager: process.env.RISK_MANAGER,
    guardian: process.env.GUARDIAN,
    insuranceSeed: undefined,
    mocks: false,
  };
}

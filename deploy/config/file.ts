/** Per-network config files (deploy/config/networks/<network>.json, or the file DEPLOY_CONFIG
 *  names): every market and collateral gets its own parameters. What a market or collateral
 *  entry leaves out comes, in this order, from risk-params.json for its name (margins,
 *  collateral weights; `npm run risk:params`), the file's `defaults`, then the built-in
 *  defaults below. A market parameter found nowhere (e.g. `skewScale`) is an error, never
 *  another market's value. */
import fs from "fs";
import path from "path";
import { isAddress } from "ethers";
import { loadRiskParams } from "../../src/risk/params/loader";
import { wad } from "../../src/common/units";
import { localConfig } from "./local";
import type {
  CollateralConfig,
  FeedConfig,
  LiquidationConfig,
  MarketConfig,
  NetworkConfig,
  TokenConfig,
} from "./types";

type MarketParams = Omit<MarketConfig, "name" | "feed">;
type CollateralParams = Omit<CollateralConfig, "symbol" | "token" | "feed">;

/** The file's shape: like NetworkConfig, but markets and collaterals may leave parameters out. */
export interface NetworkConfigFile {
  quote: TokenConfig & { symbol: string };
  defaults?: { market?: Partial<MarketParams>; collateral?: Partial<CollateralParams> };
  collaterals: (Partial<CollateralParams> & {
    symbol: string;
    token: TokenConfig;
    feed: FeedConfig;
  })[];
  markets: (Partial<MarketParams> & { name: string; feed: FeedConfig })[];
  liquidation?: Partial<NetworkConfig["liquidation"]>;
  adl?: Partial<NetworkConfig["adl"]>;
  risk?: Partial<NetworkConfig["risk"]>;
  pool?: Partial<NetworkConfig["pool"]>;
  sequencer?: NetworkConfig["sequencer"];
  timelock?: string;
  riskManager?: string;
  guardian?: string;
  insuranceSeed?: string;
  mocks?: boolean;
}

/** Market parameters no market-specific source gives: fees, ratios, windows and order timing. */
export const MARKET_DEFAULTS: Partial<MarketParams> = {
  makerFee: "0.0002",
  takerFee: "0.0006",
  maxFundingVelocity: "9",
  minPositionMargin: "20",
  maxOiPoolRatio: "5",
  maxNetExposureRatio: "2",
  maxLiquidationPerWindow: "5000000",
  liquidationWindow: 30,
  instantTrading: false,
  minOrderDelay: 5,
  maxOrderAge: 600,
};

/** Every parameter of a market entry (the config file's keys besides `name` and `feed`). */
export const MARKET_KEYS: (keyof MarketParams)[] = [
  "skewScale",
  "makerFee",
  "takerFee",
  "maxFundingVelocity",
  "imrBase",
  "imrSizeFactor",
  "maintenanceScalar",
  "minPositionMargin",
  "maxOpenInterest",
  "maxOiPoolRatio",
  "maxNetExposureRatio",
  "maxLiquidationPerWindow",
  "liquidationWindow",
  "instantTrading",
  "minOrderDelay",
  "maxOrderAge",
];
const MARKET_INTEGERS = new Set(["liquidationWindow", "minOrderDelay", "maxOrderAge"]);
const COLLATERAL_KEYS: (keyof CollateralParams)[] = [
  "initialWeight",
  "maintenanceWeight",
  "liquidationDiscount",
  "sizeThreshold",
  "sizeFactor",
  "weightFloor",
  "depositCap",
];

/** The units parameters are stored in on chain, in WAD; the engine refuses anything finer
 *  (ParameterOffGrid). */
type Grids<T> = [keyof T, bigint, string][];
const PIP: [bigint, string] = [10n ** 12n, "pip (1e-6)"];
const NANO: [bigint, string] = [10n ** 9n, "nano (1e-9)"];
const MICRO_USD: [bigint, string] = [10n ** 12n, "micro-USD (1e-6)"];
const BPS: [bigint, string] = [10n ** 14n, "basis point (1e-4)"];
/** INV-73: a market's fees in pips, its margin and funding parameters in nanos. */
const MARKET_GRIDS: Grids<MarketParams> = [
  ["makerFee", ...PIP],
  ["takerFee", ...PIP],
  ["skewScale", ...NANO],
  ["maxFundingVelocity", ...NANO],
  ["imrBase", ...NANO],
  ["imrSizeFactor", ...NANO],
  ["maintenanceScalar", ...NANO],
  ["minPositionMargin", ...NANO],
];
/** INV-75: the liquidation rates in nanos, the keeper rewards in micro-USD. */
const LIQUIDATION_GRIDS: Grids<LiquidationConfig> = [
  ["feeRate", ...NANO],
  ["buffer", ...NANO],
  ["penaltyRate", ...NANO],
  ["minKeeperReward", ...MICRO_USD],
  ["maxKeeperReward", ...MICRO_USD],
];

/** INV-78: a collateral's weights in basis points. */
const COLLATERAL_GRIDS: Grids<CollateralParams> = [
  ["initialWeight", ...BPS],
  ["maintenanceWeight", ...BPS],
];

/** Fails unless each decimal value in `grids` is a whole number of its stored unit. */
function checkGrids<T extends object>(where: string, values: T, grids: Grids<T>): void {
  for (const [k, step, unit] of grids) {
    const v = values[k] as unknown as string;
    if (wad(v) % step !== 0n) fail(where, `${String(k)} "${v}" is not a whole ${unit}`);
  }
}

function checkLiquidation(where: string, liq: LiquidationConfig): LiquidationConfig {
  for (const [k] of LIQUIDATION_GRIDS) checkDecimal(where, k, liq[k]);
  checkGrids(where, liq, LIQUIDATION_GRIDS);
  return liq;
}

function fail(where: string, message: string): never {
  throw new Error(`deploy config ${where}: ${message}`);
}

function checkKeys(where: string, o: object, allowed: string[]): void {
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length) fail(where, `unknown field(s) ${unknown.join(", ")}`);
}

function checkDecimal(where: string, key: string, v: unknown): void {
  if (typeof v !== "string")
    fail(where, `${key} must be a decimal string, got ${JSON.stringify(v)}`);
  try {
    if (wad(v) < 0n) throw new Error("negative");
  } catch {
    fail(where, `${key} "${v}" is not a non-negative decimal`);
  }
}

function checkAddress(where: string, key: string, v: unknown): void {
  if (typeof v !== "string" || !isAddress(v))
    fail(where, `${key} "${String(v)}" is not an address`);
}

function checkFeed(where: string, f: FeedConfig): void {
  if (!f || (f.kind !== "chainlink" && f.kind !== "mock"))
    fail(where, `feed.kind must be "chainlink" or "mock"`);
  if (!Number.isInteger(f.heartbeat) || f.heartbeat <= 0)
    fail(where, "feed.heartbeat must be whole seconds");
  if (f.kind === "chainlink") {
    checkAddress(where, "feed.address", f.address);
    if (!f.description) fail(where, "feed.description is required (the feed's description())");
  } else checkDecimal(where, "feed.initialPrice", f.initialPrice);
}

function checkToken(where: string, t: TokenConfig): void {
  if (t?.kind === "existing") checkAddress(where, "token.address", t.address);
  else if (t?.kind !== "mock") fail(where, `token.kind must be "existing" or "mock"`);
}

/** Resolves a file's content to a full NetworkConfig, validating every field. */
export function resolveConfig(file: NetworkConfigFile, source = "(inline)"): NetworkConfig {
  const risk = loadRiskParams();
  if (!file.quote?.symbol) fail(source, "quote.symbol is required");
  checkToken(`${source} quote`, file.quote);
  if (!Array.isArray(file.markets) || file.markets.length === 0)
    fail(source, "markets: at least one");
  if (!Array.isArray(file.collaterals)) fail(source, "collaterals must be a list");
  const markets: MarketConfig[] = file.markets.map((entry) => {
    const where = `${source} market ${entry.name}`;
    if (!entry.name) fail(source, "every market needs a name");
    checkKeys(where, entry, ["name", "feed", ...MARKET_KEYS]);
    checkFeed(where, entry.feed);
    const fromRisk = risk.markets[entry.name];
    const margins = fromRisk
      ? {
          imrBase: fromRisk.imrBase,
          imrSizeFactor: fromRisk.imrSizeFactor,
          maintenanceScalar: fromRisk.maintenanceScalar,
        }
      : {};
    const m = {
      ...MARKET_DEFAULTS,
      ...file.defaults?.market,
      ...margins,
      ...entry,
    } as MarketConfig;
    const missing = MARKET_KEYS.filter((k) => m[k] === undefined);
    if (missing.length) {
      fail(
        where,
        `no value for ${missing.join(", ")} (give them in the entry or in defaults.market${fromRisk ? "" : "; risk-params.json has no such market"})`,
      );
    }
    for (const k of MARKET_KEYS) {
      if (k === "instantTrading") {
        if (typeof m[k] !== "boolean") fail(where, "instantTrading must be true or false");
      } else if (MARKET_INTEGERS.has(k)) {
        if (!Number.isInteger(m[k]) || (m[k] as number) < 0)
          fail(where, `${k} must be whole seconds`);
      } else checkDecimal(where, k, m[k]);
    }
    checkGrids(where, m, MARKET_GRIDS);
    return m;
  });
  const names = markets.map((m) => m.name);
  if (new Set(names).size !== names.length) fail(source, "market names must be unique");
  const collaterals: CollateralConfig[] = file.collaterals.map((entry) => {
    const where = `${source} collateral ${entry.symbol}`;
    if (!entry.symbol) fail(source, "every collateral needs a symbol");
    checkKeys(where, entry, ["symbol", "token", "feed", ...COLLATERAL_KEYS]);
    checkToken(where, entry.token);
    checkFeed(where, entry.feed);
    const c = {
      ...file.defaults?.collateral,
      ...risk.collaterals[entry.symbol],
      ...entry,
    } as CollateralConfig;
    for (const k of COLLATERAL_KEYS) {
      if (c[k] === undefined)
        fail(where, `no value for ${k} (risk-params.json has none for ${entry.symbol})`);
      checkDecimal(where, k, c[k]);
    }
    checkGrids(where, c, COLLATERAL_GRIDS);
    return c;
  });
  const offsets =
    file.risk?.offsets ??
    risk.offsets.filter((o) => [o.marketA, o.marketB].every((n) => names.includes(n)));
  for (const o of offsets) {
    if (![o.marketA, o.marketB].every((n) => names.includes(n)))
      fail(source, `offset pair ${o.marketA}/${o.marketB}: unknown market`);
  }
  for (const key of ["timelock", "riskManager", "guardian"] as const) {
    if (file[key] !== undefined) checkAddress(source, key, file[key]);
  }
  const mocks = file.mocks ?? false;
  const usesMocks = [file.quote, ...file.collaterals.map((c) => c.token)].some(
    (t) => t.kind === "mock",
  );
  if (usesMocks && !mocks) fail(source, `mock tokens need "mocks": true (local networks only)`);
  return {
    quote: file.quote,
    collaterals,
    markets,
    liquidation: checkLiquidation(`${source} liquidation`, {
      ...localConfig.liquidation,
      ...file.liquidation,
    }),
    adl: { ...localConfig.adl, ...file.adl },
    risk: { offsets, topUpFee: file.risk?.topUpFee ?? localConfig.risk.topUpFee },
    sequencer: file.sequencer,
    timelock: file.timelock,
    riskManager: file.riskManager,
    guardian: file.guardian,
    pool: { ...localConfig.pool, ...file.pool },
    insuranceSeed: file.insuranceSeed,
    mocks,
  };
}

export const NETWORKS_DIR = path.join(__dirname, "networks");

/** Reads and resolves a config file. */
export function loadConfigFile(file: string): NetworkConfig {
  let parsed: NetworkConfigFile;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8")) as NetworkConfigFile;
  } catch (err) {
    throw new Error(`deploy config ${file}: ${(err as Error).message}`);
  }
  return resolveConfig(parsed, file);
}

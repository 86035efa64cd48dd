/** The risk-parameter file (deploy/config/risk-params.json): its types and a validating loader.
 *  Every number is a decimal string; deploy steps convert them to on-chain units. */
import { readFileSync } from "node:fs";
import path from "node:path";

/** A non-negative decimal string such as "0.0525" or "2100000". */
export type DecimalString = string;

/** Where a series came from: its file and the first date, last date and number of rows of
 *  the window read. A proxied series names the series it stands in for. */
export interface SourceInfo {
  file: string;
  from: string;
  to: string;
  days: DecimalString;
  proxy?: string;
  volatilityMultiplier?: DecimalString;
  volumeMultiplier?: DecimalString;
}

/** A market's margin parameters (docs/math.md, Margin). */
export interface MarketRiskParams {
  /** In [0.02, 1]: the on-chain bounds (at most 50x). */
  imrBase: DecimalString;
  /** In [0.5, 0.9]: the on-chain bounds (mmr = imr * scalar). */
  maintenanceScalar: DecimalString;
  /** Per sqrt(USD): imr = max(imrBase, imrSizeFactor * sqrt(notional USD)). */
  imrSizeFactor: DecimalString;
  mmr: DecimalString;
  maxLeverage: DecimalString;
  /** Set when the market's series is a proxy, e.g. "ETH x1.5". */
  proxy?: string;
}

/** A collateral's weights (docs/math.md, Collateral weights). */
export interface CollateralRiskParams {
  initialWeight: DecimalString;
  /** At most 0.95: the on-chain cap. */
  maintenanceWeight: DecimalString;
  liquidationDiscount: DecimalString;
  /** USD. */
  sizeThreshold: DecimalString;
  /** Per sqrt(USD). */
  sizeFactor: DecimalString;
  weightFloor: DecimalString;
}

/** An offset pair (docs/math.md, Offset pairs). */
export interface OffsetRiskParams {
  marketA: string;
  marketB: string;
  rate: DecimalString;
  stressMove: DecimalString;
}

/** The whole file. */
export interface RiskParamsFile {
  method: string;
  source: Record<string, SourceInfo>;
  markets: Record<string, MarketRiskParams>;
  collaterals: Record<string, CollateralRiskParams>;
  offsets: OffsetRiskParams[];
}

/** The committed file, relative to the project root. */
export const RISK_PARAMS_FILE = "deploy/config/risk-params.json";

/** The project root (this file lives in src/risk/params). */
export const PROJECT_ROOT = path.resolve(__dirname, "../../..");

/** The on-chain bounds the loader enforces: imrBase in [0.02, 1] (at most 50x),
 *  maintenanceScalar in [0.5, 0.9], collateral weights at most 0.95. */
export const ONCHAIN_BOUNDS = {
  minImrBase: 0.02,
  maxImrBase: 1,
  minMaintenanceScalar: 0.5,
  maxMaintenanceScalar: 0.9,
  maxCollateralWeight: 0.95,
} as const;

type Obj = Record<string, unknown>;

function obj(v: unknown, where: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new Error(`${where}: expected an object`);
  return v as Obj;
}

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") throw new Error(`${where}.${key}: expected a string`);
  return v;
}

/** Reads `o[key]` as a decimal string within `[lo, hi]`; returns the string. */
function dec(o: Obj, key: string, where: string, lo: number, hi = Infinity): DecimalString {
  const s = str(o, key, where);
  if (!/^(0|[1-9]\d*)(\.\d+)?$/.test(s))
    throw new Error(`${where}.${key}: "${s}" is not a decimal string`);
  const x = Number(s);
  if (x < lo || x > hi) throw new Error(`${where}.${key}: ${s} outside [${lo}, ${hi}]`);
  return s;
}

function optional<T>(o: Obj, key: string, read: () => T): { [k: string]: T } {
  return o[key] === undefined ? {} : { [key]: read() };
}

function parseSource(v: unknown, where: string): SourceInfo {
  const o = obj(v, where);
  const date = (k: string): string => {
    const s = str(o, k, where);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) throw new Error(`${where}.${k}: bad date "${s}"`);
    return s;
  };
  return {
    file: str(o, "file", where),
    from: date("from"),
    to: date("to"),
    days: dec(o, "days", where, 2),
    ...optional(o, "proxy", () => str(o, "proxy", where)),
    ...optional(o, "volatilityMultiplier", () => dec(o, "volatilityMultiplier", where, 0)),
    ...optional(o, "volumeMultiplier", () => dec(o, "volumeMultiplier", where, 0)),
  };
}

function parseMarket(v: unknown, where: string): MarketRiskParams {
  const o = obj(v, where);
  const b = ONCHAIN_BOUNDS;
  const imrBase = dec(o, "imrBase", where, b.minImrBase, b.maxImrBase);
  const mmr = dec(o, "mmr", where, 0, Number(imrBase));
  return {
    imrBase,
    maintenanceScalar: dec(
      o,
      "maintenanceScalar",
      where,
      b.minMaintenanceScalar,
      b.maxMaintenanceScalar,
    ),
    imrSizeFactor: dec(o, "imrSizeFactor", where, 0, 0.01),
    mmr,
    maxLeverage: dec(o, "maxLeverage", where, 1, 1 / Number(imrBase) + 0.01),
    ...optional(o, "proxy", () => str(o, "proxy", where)),
  };
}

function parseCollateral(v: unknown, where: string): CollateralRiskParams {
  const o = obj(v, where);
  const maintenanceWeight = dec(
    o,
    "maintenanceWeight",
    where,
    0,
    ONCHAIN_BOUNDS.maxCollateralWeight,
  );
  const wM = Number(maintenanceWeight);
  return {
    initialWeight: dec(o, "initialWeight", where, 0, wM),
    maintenanceWeight,
    liquidationDiscount: dec(o, "liquidationDiscount", where, 0, Math.min(0.5, 1 - wM)),
    sizeThreshold: dec(o, "sizeThreshold", where, 0),
    sizeFactor: dec(o, "sizeFactor", where, 0),
    weightFloor: dec(o, "weightFloor", where, 0, 1),
  };
}

function parseOffset(v: unknown, where: string, markets: Obj): OffsetRiskParams {
  const o = obj(v, where);
  const marketA = str(o, "marketA", where);
  const marketB = str(o, "marketB", where);
  for (const m of [marketA, marketB])
    if (markets[m] === undefined) throw new Error(`${where}: unknown market ${m}`);
  if (marketA === marketB) throw new Error(`${where}: a pair needs two markets`);
  return {
    marketA,
    marketB,
    rate: dec(o, "rate", where, 0, 0.5),
    stressMove: dec(o, "stressMove", where, 0.005, 1),
  };
}

function mapValues<T>(
  v: unknown,
  where: string,
  f: (x: unknown, w: string) => T,
): Record<string, T> {
  const o = obj(v, where);
  return Object.fromEntries(Object.keys(o).map((k) => [k, f(o[k], `${where}.${k}`)]));
}

/** Validates parsed JSON as a risk-parameter file: decimal strings; the on-chain bounds (IMR
 *  in [0.02, 1], maintenance scalar in [0.5, 0.9], weights in [0, 0.95]); MMR at most IMR,
 *  wI <= wM, discount <= min(0.5, 1 - wM), weight floor <= 1, offset rate <= 0.5, stress move
 *  in [0.005, 1], pairs of two known markets with each market in at most one pair. Throws on
 *  the first violation. */
export function parseRiskParams(json: unknown): RiskParamsFile {
  const root = obj(json, "risk params");
  const marketsRaw = obj(root["markets"], "markets");
  if (!Array.isArray(root["offsets"])) throw new Error("offsets: expected an array");
  const offsets = (root["offsets"] as unknown[]).map((v, i) =>
    parseOffset(v, `offsets[${i}]`, marketsRaw),
  );
  const paired = offsets.flatMap((p) => [p.marketA, p.marketB]);
  const twice = paired.find((m, i) => paired.indexOf(m) !== i);
  if (twice !== undefined) throw new Error(`offsets: ${twice} is in more than one pair`);
  return {
    method: str(root, "method", "risk params"),
    source: mapValues(root["source"], "source", parseSource),
    markets: mapValues(marketsRaw, "markets", parseMarket),
    collaterals: mapValues(root["collaterals"], "collaterals", parseCollateral),
    offsets,
  };
}

/** Reads and validates the risk-parameter file (default: the committed one). */
export function loadRiskParams(file = path.join(PROJECT_ROOT, RISK_PARAMS_FILE)): RiskParamsFile {
  return parseRiskParams(JSON.parse(readFileSync(file, "utf8")) as unknown);
}

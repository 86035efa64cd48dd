/** Test helpers for the risk model's parameters (docs/math.md, "Risk model"). */
import { ICrossmarginAdmin } from "../../typechain-types";
import { wad } from "../../src/common/units";
import { CollateralRisk, OffsetPair } from "../../src/model";
import { System } from "./fixture";

export const MAX_UINT128 = (1n << 128n) - 1n;

/** Options of a collateral's risk parameters; strings are decimal WAD values. */
export interface RiskOpts {
  /** Maintenance weight; also the initial weight unless `initialWeight` is given. */
  weight?: string | bigint;
  initialWeight?: string | bigint;
  discount?: string | bigint;
  cap?: bigint;
  sizeFactor?: string | bigint;
  /** USD. */
  sizeThreshold?: string | bigint;
  weightFloor?: string | bigint;
}

const asWad = (v: string | bigint): bigint => (typeof v === "bigint" ? v : wad(v));

/** A collateral's risk struct: one weight for both rules and no size haircut unless given. */
export function collateralRisk(o: RiskOpts = {}): ICrossmarginAdmin.CollateralRiskStruct {
  const maintenance = asWad(o.weight ?? "0.8");
  return {
    initialWeight: asWad(o.initialWeight ?? maintenance),
    maintenanceWeight: maintenance,
    liquidationDiscount: asWad(o.discount ?? "0.05"),
    sizeFactor: asWad(o.sizeFactor ?? 0n),
    sizeThreshold: asWad(o.sizeThreshold ?? 0n),
    weightFloor: asWad(o.weightFloor ?? 0n),
    depositCap: o.cap ?? MAX_UINT128,
  };
}

/** The risk fields of a `getCollateral` result, in `CollateralRisk`'s order (what
 *  `setCollateralParams` took and `CollateralParamsSet` carries after the token). */
export function riskFields(c: {
  initialWeight: bigint;
  maintenanceWeight: bigint;
  liquidationDiscount: bigint;
  sizeFactor: bigint;
  sizeThreshold: bigint;
  weightFloor: bigint;
  depositCap: bigint;
}): bigint[] {
  return [
    c.initialWeight,
    c.maintenanceWeight,
    c.liquidationDiscount,
    c.sizeFactor,
    c.sizeThreshold,
    c.weightFloor,
    c.depositCap,
  ];
}

/** `listCollateral`'s params for a feed with `heartbeat` seconds. */
export function collateralParams(
  feed: string,
  heartbeat: number,
  o: RiskOpts = {},
): ICrossmarginAdmin.CollateralParamsStruct {
  return { feed, heartbeat, risk: collateralRisk(o) };
}

/** Model risk parameters of collateral `symbol`, from the deployment config. */
export function collateralRiskOf(sys: System, symbol: string): CollateralRisk {
  const c = sys.config.collaterals.find((x) => x.symbol === symbol);
  if (!c) throw new Error(`no collateral ${symbol} in the config`);
  return {
    initialWeight: wad(c.initialWeight),
    maintenanceWeight: wad(c.maintenanceWeight),
    sizeThreshold: wad(c.sizeThreshold),
    sizeFactor: wad(c.sizeFactor),
    weightFloor: wad(c.weightFloor),
  };
}

/** The config's offset pairs (docs/math.md, "Offset pairs") with market ids for names. */
export function offsetPairs(sys: System): OffsetPair[] {
  const ids = sys.config.markets.map((m) => m.name);
  return sys.config.risk.offsets.map((o) => ({
    marketA: ids.indexOf(o.marketA),
    marketB: ids.indexOf(o.marketB),
    rate: wad(o.rate),
    stressMove: wad(o.stressMove),
  }));
}

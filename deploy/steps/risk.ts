/** Step 3b: the risk model's settings (docs/math.md, "Risk model"): collateral weights in the
 *  engine's units, offset pairs by market name and the top-up fee. Idempotent like the rest. */
import { Interface } from "ethers";
import { ICrossmarginAdmin, ICrossmarginRisk__factory } from "../../typechain-types";
import { units, wad } from "../../src/common/units";
import type { CollateralConfig, NetworkConfig } from "../config/types";
import { StepContext, act } from "../context";

const RISK = new Interface(ICrossmarginRisk__factory.abi);

/** A collateral's risk parameters as `listCollateral` / `setCollateralParams` take them. */
export function collateralRisk(
  c: CollateralConfig,
  decimals: number,
): ICrossmarginAdmin.CollateralRiskStruct {
  return {
    initialWeight: wad(c.initialWeight),
    maintenanceWeight: wad(c.maintenanceWeight),
    liquidationDiscount: wad(c.liquidationDiscount),
    sizeFactor: wad(c.sizeFactor),
    sizeThreshold: wad(c.sizeThreshold),
    weightFloor: wad(c.weightFloor),
    depositCap: units(c.depositCap, decimals),
  };
}

/** Offset pairs (ids 1.. in config order) and the top-up fee; needs the risk-manager role.
 *  `fresh`: the engine is not deployed yet (dry run), so everything is to do. */
export async function configureRisk(
  engineAddress: string,
  cfg: NetworkConfig,
  ctx: StepContext,
  fresh = false,
): Promise<void> {
  const risk = ICrossmarginRisk__factory.connect(engineAddress, ctx.provider);
  const call = (label: string, fn: string, args: unknown[]) =>
    act(ctx, {
      label,
      role: "riskManager",
      target: engineAddress,
      data: RISK.encodeFunctionData(fn, args),
    });
  const ids = new Map(cfg.markets.map((m, i) => [m.name, i]));
  for (const [i, o] of cfg.risk.offsets.entries()) {
    const a = ids.get(o.marketA);
    const b = ids.get(o.marketB);
    if (a === undefined || b === undefined) {
      throw new Error(`offset pair ${o.marketA}/${o.marketB}: unknown market`);
    }
    const pairId = i + 1;
    const want = [BigInt(a), BigInt(b), wad(o.rate), wad(o.stressMove)];
    if (!fresh) {
      const have = await risk.getOffsetPair(pairId);
      const now = [have.marketA, have.marketB, have.rate, have.stressMove].map(BigInt);
      if (want.every((v, k) => v === now[k])) continue;
    }
    await call(`offset pair ${pairId}: ${o.marketA}/${o.marketB} rate ${o.rate}`, "setOffsetPair", [
      pairId,
      a,
      b,
      want[2],
      want[3],
    ]);
  }
  const fee = wad(cfg.risk.topUpFee);
  if (fresh || (await risk.topUpFee()) !== fee) {
    await call(`top-up fee ${cfg.risk.topUpFee} USD`, "setTopUpFee", [fee]);
  }
}

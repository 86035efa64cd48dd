/** Step 2: linked libraries, the risk module, the engine, the liquidity pool, the insurance
 *  fund and the lens. */
import { NetworkConfig } from "../config";
import { StepContext, deployOnce } from "../context";

export interface CoreAddresses {
  engine: string;
  pool: string;
  insuranceFund: string;
  lens: string;
  riskModule: string;
  libraries: Record<string, string>;
}

/** The linked libraries the engine needs (deployed as `lib:<name>`). */
export const ENGINE_LIBRARIES = [
  "MarginLogic",
  "TradeLogic",
  "PoolLogic",
  "AdminLogic",
  "LiquidationLogic",
  "OrderLogic",
  "AdlLogic",
  "OperatorLogic",
] as const;

export async function deployCore(
  ctx: StepContext,
  cfg: NetworkConfig,
  quote: string,
): Promise<CoreAddresses> {
  const deployer = await ctx.signer.getAddress();
  const margin = await deployOnce(ctx, "lib:MarginLogic", "MarginLogic");
  const trade = await deployOnce(ctx, "lib:TradeLogic", "TradeLogic");
  const poolLogic = await deployOnce(ctx, "lib:PoolLogic", "PoolLogic");
  const admin = await deployOnce(ctx, "lib:AdminLogic", "AdminLogic");
  const liquidation = await deployOnce(ctx, "lib:LiquidationLogic", "LiquidationLogic", [], {
    MarginLogic: margin,
  });
  const order = await deployOnce(ctx, "lib:OrderLogic", "OrderLogic", [], { MarginLogic: margin });
  const adl = await deployOnce(ctx, "lib:AdlLogic", "AdlLogic", [], {
    MarginLogic: margin,
    PoolLogic: poolLogic,
  });
  const libraries = {
    MarginLogic: margin,
    TradeLogic: trade,
    PoolLogic: poolLogic,
    AdminLogic: admin,
    LiquidationLogic: liquidation,
    OrderLogic: order,
    AdlLogic: adl,
    OperatorLogic: await deployOnce(ctx, "lib:OperatorLogic", "OperatorLogic"),
  };
  // The risk module runs by delegatecall from the engine's fallback, on the engine's storage.
  const riskModule = await deployOnce(ctx, "CrossmarginRisk", "CrossmarginRisk", [], {
    MarginLogic: margin,
  });
  // The deployer administers during setup; admin moves to the timelock at the end.
  const engine = await deployOnce(
    ctx,
    "Crossmargin",
    "Crossmargin",
    [quote, deployer, riskModule],
    libraries,
  );
  const pool = await deployOnce(ctx, "LiquidityPool", "LiquidityPool", [
    engine,
    cfg.pool.name,
    cfg.pool.symbol,
  ]);
  const insuranceFund = await deployOnce(ctx, "InsuranceFund", "InsuranceFund", [
    engine,
    quote,
    cfg.timelock ?? deployer,
  ]);
  const lens = await deployOnce(ctx, "CrossmarginLens", "CrossmarginLens", [engine]);
  return { engine, pool, insuranceFund, lens, riskModule, libraries };
}

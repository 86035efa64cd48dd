/** Step 2: linked libraries, the risk module, the extension, the engine, the liquidity pool,
 *  the insurance fund and the lens. */
import { NetworkConfig } from "../config";
import { StepContext, deployOnce } from "../context";

export interface CoreAddresses {
  engine: string;
  pool: string;
  insuranceFund: string;
  lens: string;
  riskModule: string;
  extension: string;
  libraries: Record<string, string>;
}

/** The linked libraries the engine's own code calls (deployed as `lib:<name>`); the trade and
 *  withdrawal paths are its own code (internal library functions), so `TradeLogic` is not. */
export const ENGINE_LIBRARIES = [
  "MarginLogic",
  "PoolLogic",
  "LiquidationLogic",
  "OrderLogic",
  "AdlLogic",
] as const;

/** The linked libraries the extension (`CrossmarginExtension`) calls. */
export const EXTENSION_LIBRARIES = [
  "MarginLogic",
  "TradeLogic",
  "PoolLogic",
  "AdminLogic",
  "OrderLogic",
  "AdlLogic",
  "OperatorLogic",
] as const;

/** `names` picked out of the deployed `libraries`. */
export function pick(
  libraries: Record<string, string>,
  names: readonly string[],
): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, libraries[n]]));
}

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
  // The trade paths' checked aggregates update (`PoolLogic.updateAggregatesChecked`) is linked
  // into every library that closes or opens positions.
  const liquidation = await deployOnce(ctx, "lib:LiquidationLogic", "LiquidationLogic", [], {
    MarginLogic: margin,
    PoolLogic: poolLogic,
  });
  const order = await deployOnce(ctx, "lib:OrderLogic", "OrderLogic", [], {
    MarginLogic: margin,
    PoolLogic: poolLogic,
  });
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
  // The extension runs by delegatecall from the engine's fallback, on the engine's storage,
  // and the risk module the same way from the extension's fallback.
  const riskModule = await deployOnce(ctx, "CrossmarginRisk", "CrossmarginRisk", [], {
    MarginLogic: margin,
    PoolLogic: poolLogic,
  });
  const extension = await deployOnce(
    ctx,
    "CrossmarginExtension",
    "CrossmarginExtension",
    [riskModule],
    pick(libraries, EXTENSION_LIBRARIES),
  );
  // The deployer administers during setup; admin moves to the timelock at the end.
  const engine = await deployOnce(
    ctx,
    "Crossmargin",
    "Crossmargin",
    [quote, deployer, extension],
    pick(libraries, ENGINE_LIBRARIES),
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
  return { engine, pool, insuranceFund, lens, riskModule, extension, libraries };
}

/** Step 3: wiring, collaterals, markets, parameters and roles. Each action checks on-chain state
 *  first, so a second run changes nothing. */
import {
  Crossmargin,
  Crossmargin__factory,
  LiquidityPool__factory,
  MockERC20__factory,
} from "../../typechain-types";
import { wad } from "../../src/common/units";
import { AdlSettings, LiquidationSettings, groupMarketParams } from "../../src/common/admin-params";
import { NetworkConfig } from "../config";
import type { MarketConfig } from "../config/types";
import { StepContext, send } from "../context";
import { TokensAndFeeds } from "./tokens";
import { CoreAddresses } from "./core";
import { collateralRisk, configureRisk } from "./risk";

export async function configure(
  ctx: StepContext,
  cfg: NetworkConfig,
  tf: TokensAndFeeds,
  core: CoreAddresses,
): Promise<void> {
  const engine = Crossmargin__factory.connect(core.engine, ctx.signer);
  const deployer = await ctx.signer.getAddress();
  const admin = await engine.DEFAULT_ADMIN_ROLE();
  const isAdmin = await engine.hasRole(admin, deployer);
  if (!isAdmin) {
    ctx.log("deployer is no longer admin: configuration is governed by the timelock; skipping");
    return;
  }
  if ((await engine.pool()) === "0x0000000000000000000000000000000000000000") {
    await send(engine.setPool(core.pool));
    ctx.log("engine.setPool");
  }
  if ((await engine.insuranceFund()) === "0x0000000000000000000000000000000000000000") {
    await send(engine.setInsuranceFund(core.insuranceFund));
    ctx.log("engine.setInsuranceFund");
  }
  // The deployer holds the risk-manager role during setup.
  const risk = await engine.RISK_MANAGER_ROLE();
  if (!(await engine.hasRole(risk, deployer))) await send(engine.grantRole(risk, deployer));

  for (const [i, c] of cfg.collaterals.entries()) {
    const { token, feed, description } = tf.collaterals[i];
    if ((await engine.getCollateral(token)).listed) continue;
    const decimals = await MockERC20__factory.connect(token, ctx.signer).decimals();
    await send(
      engine.listCollateral(
        token,
        { feed, heartbeat: c.feed.heartbeat, risk: collateralRisk(c, Number(decimals)) },
        description,
      ),
    );
    ctx.log(`listed collateral ${c.symbol}`);
  }

  const existing = Number(await engine.marketCount());
  for (const [i, m] of cfg.markets.entries()) {
    if (i < existing) continue;
    const { feed, description } = tf.marketFeeds[i];
    await send(engine.addMarket(marketStruct(m, feed), description));
    ctx.log(`added market ${i} ${m.name}`);
  }

  await setLiquidationParams(engine, cfg, ctx);
  await setAdlParams(engine, cfg, ctx);
  await configureRisk(core.engine, cfg, ctx);
  await setRedeemParams(core.pool, cfg, ctx);
  if (cfg.sequencer) {
    await send(engine.setSequencer(cfg.sequencer.address, cfg.sequencer.gracePeriod));
  }
  await grantRoles(engine, cfg, ctx, deployer);
}

async function setLiquidationParams(
  engine: Crossmargin,
  cfg: NetworkConfig,
  ctx: StepContext,
): Promise<void> {
  const l = cfg.liquidation;
  const want: LiquidationSettings = {
    feeRate: wad(l.feeRate),
    buffer: wad(l.buffer),
    minKeeperRewardUsd: wad(l.minKeeperReward),
    maxKeeperRewardUsd: wad(l.maxKeeperReward),
    closeFactorHfThreshold: wad(l.closeFactorHfThreshold),
    smallDebtUsd: wad(l.smallDebtUsd),
    orderKeeperFeeUsd: wad(l.orderKeeperFee),
    penaltyRate: wad(l.penaltyRate),
    accountWindow: BigInt(l.accountWindow),
  };
  const events = await engine.queryFilter(engine.filters.LiquidationParamsSet());
  const last = events.at(-1)?.args.params;
  if (last && sameFields(last, want)) return;
  await send(engine.setLiquidationParams(want));
  ctx.log("liquidation parameters set");
}

async function setAdlParams(
  engine: Crossmargin,
  cfg: NetworkConfig,
  ctx: StepContext,
): Promise<void> {
  const want: AdlSettings = {
    floorRatio: wad(cfg.adl.floorRatio),
    rewardRate: wad(cfg.adl.rewardRate),
    maxRewardUsd: wad(cfg.adl.maxReward),
  };
  const last = (await engine.queryFilter(engine.filters.AdlParamsSet())).at(-1)?.args.params;
  if (last && sameFields(last, want)) return;
  await send(engine.setAdlParams(want));
  ctx.log("auto-deleveraging parameters set");
}

/** Whether an event's struct (an ethers Result) holds `want`'s values, field by field. */
function sameFields(have: object, want: object): boolean {
  const h = have as Record<string, bigint>;
  return Object.entries(want).every(([k, v]) => BigInt(h[k]) === BigInt(v));
}

/** Defaults of the LiquidityPool constructor: 1 day delay, 3 days window, no exit fee. */
export const REDEEM_DEFAULTS = { redeemDelay: 86_400, claimWindow: 3 * 86_400, exitFeeRate: "0" };

/** The pool's exit parameters (INV-47, INV-48); needs the deployer's risk-manager role. */
async function setRedeemParams(
  poolAddress: string,
  cfg: NetworkConfig,
  ctx: StepContext,
): Promise<void> {
  const pool = LiquidityPool__factory.connect(poolAddress, ctx.signer);
  const p = { ...REDEEM_DEFAULTS, ...cfg.pool };
  const want = [BigInt(p.redeemDelay), BigInt(p.claimWindow), wad(p.exitFeeRate)] as const;
  const have = [await pool.redeemDelay(), await pool.claimWindow(), await pool.exitFeeRate()];
  if (want.every((v, i) => have[i] === v)) return;
  await send(pool.setRedeemParams(...want));
  ctx.log("pool redeem parameters set");
}

async function grantRoles(
  engine: Crossmargin,
  cfg: NetworkConfig,
  ctx: StepContext,
  deployer: string,
) {
  const risk = await engine.RISK_MANAGER_ROLE();
  const guardian = await engine.GUARDIAN_ROLE();
  const admin = await engine.DEFAULT_ADMIN_ROLE();
  const riskManager = cfg.riskManager ?? deployer;
  const guardianAddr = cfg.guardian ?? deployer;
  if (!(await engine.hasRole(risk, riskManager))) await send(engine.grantRole(risk, riskManager));
  if (!(await engine.hasRole(guardian, guardianAddr)))
    await send(engine.grantRole(guardian, guardianAddr));
  if (cfg.timelock) {
    if (riskManager !== deployer) await send(engine.revokeRole(risk, deployer));
    if (!(await engine.hasRole(admin, cfg.timelock)))
      await send(engine.grantRole(admin, cfg.timelock));
    await send(engine.renounceRole(admin, deployer));
    ctx.log(`admin handed to timelock ${cfg.timelock}`);
  }
}

/** The struct `addMarket` takes, from a deploy-config market and its feed's address. */
export function marketStruct(m: MarketConfig, feed: string) {
  return groupMarketParams({
    name: m.name,
    feed,
    heartbeat: m.feed.heartbeat,
    skewScale: wad(m.skewScale),
    makerFee: wad(m.makerFee),
    takerFee: wad(m.takerFee),
    maxFundingVelocity: wad(m.maxFundingVelocity),
    imrBase: wad(m.imrBase),
    imrSizeFactor: wad(m.imrSizeFactor),
    maintenanceScalar: wad(m.maintenanceScalar),
    minPositionMarginUsd: wad(m.minPositionMargin),
    maxOpenInterest: wad(m.maxOpenInterest),
    maxOiPoolRatio: wad(m.maxOiPoolRatio),
    maxNetExposureRatio: wad(m.maxNetExposureRatio),
    maxLiquidationPerWindowUsd: wad(m.maxLiquidationPerWindow),
    liquidationWindow: m.liquidationWindow,
    instantTrading: m.instantTrading,
    minOrderDelay: m.minOrderDelay,
    maxOrderAge: m.maxOrderAge,
  });
}

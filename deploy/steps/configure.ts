/** Step 3: wiring, collaterals, markets, parameters and roles. Each action reads on-chain state
 *  first, so a second run changes nothing; a parameter group that differs from the config is
 *  set again. Every call goes through `act`: sent while the deployer holds the role, planned in
 *  a dry run, a timelock proposal after the handover. */
import { Interface, ZeroAddress } from "ethers";
import {
  ICrossmargin,
  ICrossmargin__factory,
  LiquidityPool__factory,
  MockERC20__factory,
} from "../../typechain-types";
import { wad } from "../../src/common/units";
import { AdlSettings, LiquidationSettings, groupMarketParams } from "../../src/common/admin-params";
import { NetworkConfig } from "../config";
import type { MarketConfig } from "../config/types";
import { Action, ROLE_IDS, StepContext, act, hasCode } from "../context";
import { collateralDifferences, marketDifferences, settingsDifferences } from "../state";
import { TokensAndFeeds } from "./tokens";
import { CoreAddresses } from "./core";
import { collateralRisk, configureRisk } from "./risk";

const ENGINE = new Interface(ICrossmargin__factory.abi);
const POOL = new Interface(LiquidityPool__factory.abi);

export async function configure(
  ctx: StepContext,
  cfg: NetworkConfig,
  tf: TokensAndFeeds,
  core: CoreAddresses,
): Promise<void> {
  const engine = ICrossmargin__factory.connect(core.engine, ctx.provider);
  const target = core.engine;
  // A dry run on a fresh chain plans an engine that does not exist yet: everything is to do.
  const fresh = !(await hasCode(ctx.provider, core.engine));
  const call = (label: string, role: "admin" | "riskManager", fn: string, args: unknown[]) =>
    act(ctx, {
      label,
      role,
      target,
      data: ENGINE.encodeFunctionData(fn, args),
      roleChange: roleChangeOf(fn, args),
    });

  if (fresh || (await engine.pool()) === ZeroAddress) {
    await call("engine.setPool", "admin", "setPool", [core.pool]);
  }
  if (fresh || (await engine.insuranceFund()) === ZeroAddress) {
    await call("engine.setInsuranceFund", "admin", "setInsuranceFund", [core.insuranceFund]);
  }
  // The deployer holds the risk-manager role during setup (while it is admin).
  const deployerAdmin = fresh || (await engine.hasRole(ROLE_IDS.admin, ctx.deployer));
  if (deployerAdmin && (fresh || !(await engine.hasRole(ROLE_IDS.riskManager, ctx.deployer)))) {
    await call("grant risk manager to the deployer for setup", "admin", "grantRole", [
      ROLE_IDS.riskManager,
      ctx.deployer,
    ]);
  }

  for (const [i, c] of cfg.collaterals.entries()) {
    const { token, feed, description } = tf.collaterals[i];
    const decimals =
      c.token.kind === "mock"
        ? c.token.decimals
        : Number(await MockERC20__factory.connect(token, ctx.provider).decimals());
    const have = fresh ? undefined : await engine.getCollateral(token);
    if (!have?.listed) {
      const p = { feed, heartbeat: c.feed.heartbeat, risk: collateralRisk(c, decimals) };
      await call(`list collateral ${c.symbol}`, "admin", "listCollateral", [token, p, description]);
      continue;
    }
    const { groups } = collateralDifferences(c, feed, decimals, have);
    if (groups.has("feed")) {
      await call(`collateral ${c.symbol}: feed`, "admin", "setCollateralFeed", [
        token,
        feed,
        c.feed.heartbeat,
        description,
      ]);
    }
    if (groups.has("risk")) {
      await call(`collateral ${c.symbol}: risk parameters`, "riskManager", "setCollateralParams", [
        token,
        collateralRisk(c, decimals),
      ]);
    }
  }

  const existing = fresh ? 0 : Number(await engine.marketCount());
  for (const [i, m] of cfg.markets.entries()) {
    const { feed, description } = tf.marketFeeds[i];
    if (i >= existing) {
      await call(`add market ${i} ${m.name}`, "admin", "addMarket", [
        marketStruct(m, feed),
        description,
      ]);
      continue;
    }
    const s = marketStruct(m, feed);
    const { groups } = marketDifferences(i, m, feed, await engine.getMarket(i));
    const label = `market ${i} ${m.name}:`;
    if (groups.has("feed")) {
      await call(`${label} feed`, "admin", "setMarketFeed", [i, feed, s.heartbeat, description]);
    }
    const setters = [
      ["trading", "setMarketTradingParams", s.trading],
      ["margin", "setMarketMarginParams", s.margin],
      ["limits", "setMarketLimits", s.limits],
      ["orders", "setMarketOrderParams", s.orders],
    ] as const;
    for (const [group, fn, params] of setters) {
      if (groups.has(group))
        await call(`${label} ${group} parameters`, "riskManager", fn, [i, params]);
    }
  }

  await setLiquidationParams(engine, cfg, fresh, call);
  await setAdlParams(engine, cfg, fresh, call);
  await configureRisk(core.engine, cfg, ctx, fresh);
  await setRedeemParams(core.pool, cfg, ctx, fresh);
  if (cfg.sequencer) {
    const last = fresh
      ? undefined
      : (await engine.queryFilter(engine.filters.SequencerSet())).at(-1);
    const s = cfg.sequencer;
    if (!last || last.args.feed !== s.address || Number(last.args.gracePeriod) !== s.gracePeriod) {
      await call("engine.setSequencer", "admin", "setSequencer", [s.address, s.gracePeriod]);
    }
  }
  await grantRoles(engine, cfg, fresh, call, ctx.deployer);
}

/** The role change a grantRole / revokeRole / renounceRole call makes (for a dry run's plan). */
function roleChangeOf(fn: string, args: unknown[]): Action["roleChange"] {
  if (!["grantRole", "revokeRole", "renounceRole"].includes(fn)) return undefined;
  const role = (Object.keys(ROLE_IDS) as (keyof typeof ROLE_IDS)[]).find(
    (r) => ROLE_IDS[r] === args[0],
  );
  if (role !== "admin" && role !== "riskManager") return undefined;
  return { role, account: args[1] as string, granted: fn === "grantRole" };
}

type Call = (
  label: string,
  role: "admin" | "riskManager",
  fn: string,
  args: unknown[],
) => Promise<void>;

/** The liquidation settings a config asks for. */
export function liquidationSettings(cfg: NetworkConfig): LiquidationSettings {
  const l = cfg.liquidation;
  return {
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
}

/** The auto-deleveraging settings a config asks for. */
export function adlSettings(cfg: NetworkConfig): AdlSettings {
  return {
    floorRatio: wad(cfg.adl.floorRatio),
    rewardRate: wad(cfg.adl.rewardRate),
    maxRewardUsd: wad(cfg.adl.maxReward),
  };
}

/** The last `LiquidationParamsSet` / `AdlParamsSet` values (the engine has no getter). */
export async function lastSettings(engine: ICrossmargin, which: "liquidation" | "adl") {
  const filter =
    which === "liquidation" ? engine.filters.LiquidationParamsSet() : engine.filters.AdlParamsSet();
  const last = (await engine.queryFilter(filter)).at(-1);
  if (!last) return undefined;
  const params = (last.args as unknown as { params: Record<string, bigint> }).params;
  return params;
}

async function setLiquidationParams(
  engine: ICrossmargin,
  cfg: NetworkConfig,
  fresh: boolean,
  call: Call,
) {
  const want = liquidationSettings(cfg);
  const have = fresh ? undefined : await lastSettings(engine, "liquidation");
  if (have && settingsOf(want, have)) return;
  await call("liquidation parameters", "riskManager", "setLiquidationParams", [want]);
}

async function setAdlParams(engine: ICrossmargin, cfg: NetworkConfig, fresh: boolean, call: Call) {
  const want = adlSettings(cfg);
  const have = fresh ? undefined : await lastSettings(engine, "adl");
  if (have && settingsOf(want, have)) return;
  await call("auto-deleveraging parameters", "riskManager", "setAdlParams", [want]);
}

function settingsOf(want: object, have: Record<string, bigint>): boolean {
  const w = want as Record<string, bigint>;
  const h = Object.fromEntries(Object.keys(w).map((k) => [k, have[k]]));
  return settingsDifferences("", w, h).length === 0;
}

/** Defaults of the LiquidityPool constructor: 1 day delay, 3 days window, no exit fee. */
export const REDEEM_DEFAULTS = { redeemDelay: 86_400, claimWindow: 3 * 86_400, exitFeeRate: "0" };

/** The pool's exit parameters a config asks for (INV-47, INV-48). */
export function redeemParams(cfg: NetworkConfig): [bigint, bigint, bigint] {
  const p = { ...REDEEM_DEFAULTS, ...cfg.pool };
  return [BigInt(p.redeemDelay), BigInt(p.claimWindow), wad(p.exitFeeRate)];
}

/** The pool's exit parameters; needs the engine's risk-manager role. */
async function setRedeemParams(
  poolAddress: string,
  cfg: NetworkConfig,
  ctx: StepContext,
  fresh: boolean,
) {
  const pool = LiquidityPool__factory.connect(poolAddress, ctx.provider);
  const want = redeemParams(cfg);
  if (!fresh && (await hasCode(ctx.provider, poolAddress))) {
    const have = [await pool.redeemDelay(), await pool.claimWindow(), await pool.exitFeeRate()];
    if (want.every((v, i) => have[i] === v)) return;
  }
  await act(ctx, {
    label: "pool redeem parameters",
    role: "riskManager",
    target: poolAddress,
    data: POOL.encodeFunctionData("setRedeemParams", want),
  });
}

async function grantRoles(
  engine: ICrossmargin,
  cfg: NetworkConfig,
  fresh: boolean,
  call: Call,
  deployer: string,
) {
  const has = async (role: string, who: string) => !fresh && (await engine.hasRole(role, who));
  const risk = ROLE_IDS.riskManager;
  const admin = ROLE_IDS.admin;
  const riskManager = cfg.riskManager ?? deployer;
  const guardianAddr = cfg.guardian ?? deployer;
  if (!(await has(risk, riskManager))) {
    await call(`grant risk manager to ${riskManager}`, "admin", "grantRole", [risk, riskManager]);
  }
  const guardianRole = ROLE_IDS.guardian;
  if (!(await has(guardianRole, guardianAddr))) {
    await call(`grant guardian to ${guardianAddr}`, "admin", "grantRole", [
      guardianRole,
      guardianAddr,
    ]);
  }
  if (!cfg.timelock) return;
  if (riskManager !== deployer && (fresh || (await has(risk, deployer)))) {
    await call("revoke the deployer's risk manager role", "admin", "revokeRole", [risk, deployer]);
  }
  if (!(await has(admin, cfg.timelock))) {
    await call(`grant admin to timelock ${cfg.timelock}`, "admin", "grantRole", [
      admin,
      cfg.timelock,
    ]);
  }
  if (fresh || (await has(admin, deployer))) {
    await call("deployer renounces admin (handover complete)", "admin", "renounceRole", [
      admin,
      deployer,
    ]);
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

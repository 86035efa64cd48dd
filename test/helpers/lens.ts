/** Shared setup for the CrossmarginLens tests: funding accounts, trading, and the TS-model view
 *  of an on-chain account (inputs read from engine state and feeds, figures from src/model). */
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MockV3Aggregator } from "../../typechain-types";
import { accountId } from "../../src/common/accounts";
import { feedAnswer, units, wad } from "../../src/common/units";
import { BTC, ETH, FAR } from "../../src/common";
import {
  Account,
  CollateralHolding,
  MarketParams,
  MarketState,
  PositionHolding,
  RiskAccount,
  RiskCollateral,
  RiskHealth,
  RiskPosition,
  accrueFunding,
  healthFactor,
  liquidationPriceOf,
  marginUtilisation,
  positionFunding,
  positionMargin,
  quoteToUsd,
  riskHealth,
  unrealisedPnl,
} from "../../src/model";
import { System, loadSystem } from "./fixture";
import { collateralRiskOf, offsetPairs } from "./risk";
import { toModelState } from "../../src/common/market-view";

export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_UINT128 = (1n << 128n) - 1n;
export const QUOTE_DECIMALS = 6;

/** Model parameters of market `id`, from the deployment config (not from the engine). */
export function marketParams(sys: System, id: number): MarketParams {
  const m = sys.config.markets[id];
  return {
    skewScale: wad(m.skewScale),
    makerFee: wad(m.makerFee),
    takerFee: wad(m.takerFee),
    imrBase: wad(m.imrBase),
    imrSizeFactor: wad(m.imrSizeFactor),
    maintenanceScalar: wad(m.maintenanceScalar),
    minPositionMargin: wad(m.minPositionMargin),
    maxFundingVelocity: wad(m.maxFundingVelocity),
  };
}

/** A feed's latest answer as a WAD price. */
export async function feedPrice(feed: MockV3Aggregator): Promise<bigint> {
  const [, answer] = await feed.latestRoundData();
  return answer * 10n ** (18n - (await feed.decimals()));
}

/** Publishes a new round with `price` (a decimal string, or a raw 8-decimal answer). */
export async function setPrice(feed: MockV3Aggregator, price: string | bigint): Promise<void> {
  await (await feed.updateAnswer(typeof price === "bigint" ? price : feedAnswer(price))).wait();
}

export async function latestTime(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** Mints `amount` USDC to the deployer and deposits it into the liquidity pool. */
export async function fundPool(sys: System, amount: string): Promise<void> {
  const [deployer] = await hre.ethers.getSigners();
  const assets = units(amount, QUOTE_DECIMALS);
  await (await sys.quote.mint(deployer.address, assets)).wait();
  await (await sys.quote.approve(await sys.pool.getAddress(), assets)).wait();
  await (await sys.pool.deposit(assets, deployer.address)).wait();
}

/** Mints and deposits into `signer`'s sub-account `sub` (amounts as decimal strings). */
export async function fund(
  sys: System,
  signer: HardhatEthersSigner,
  sub: number,
  deposits: { USDC?: string; WETH?: string; WBTC?: string },
): Promise<bigint> {
  const engine = sys.engine.connect(signer);
  for (const [symbol, amount] of Object.entries(deposits)) {
    const token = symbol === "USDC" ? sys.quote : sys.collaterals[symbol];
    const value = units(amount, Number(await token.decimals()));
    await (await token.mint(signer.address, value)).wait();
    await (await token.connect(signer).approve(await engine.getAddress(), value)).wait();
    await (await engine.deposit(sub, await token.getAddress(), value)).wait();
  }
  return accountId(signer.address, sub);
}

/** A market order of `size` (signed WAD) with no slippage limit. */
export async function trade(
  sys: System,
  signer: HardhatEthersSigner,
  account: bigint,
  marketId: number,
  size: bigint,
): Promise<void> {
  const acceptable = size > 0n ? MAX_UINT256 : 1n;
  await (
    await sys.engine.connect(signer).modifyPosition(account, marketId, size, acceptable, FAR)
  ).wait();
}

/** The model's view of a market's state, read from the engine. */
export async function marketState(sys: System, id: number): Promise<MarketState> {
  const st = await sys.engine.getMarketState(id);
  return toModelState(st);
}

export interface ModelAccount {
  /** The margin model's account: each collateral at its maintenance weight (what equity counts). */
  model: Account;
  /**
   * The same account for the risk model (`riskHealth`): collaterals with both weights and the
   * size scale, the config's offset pairs and the IM the pending orders reserve. Its `im`
   * and `mm` are what the engine requires.
   */
  risk: RiskAccount;
  /** Market id of each `model.positions[i]`. */
  marketIds: number[];
  /** Token address of each `model.collaterals[i]`. */
  tokens: string[];
}

/**
 * The model account for `account` at time `now` (default: the latest block, where view calls
 * run): balances, positions and pending orders from engine state, prices from the feeds,
 * parameters from the config, funding index from the model's `accrueFunding`. `weights`
 * overrides a collateral's weights (initial and maintenance alike).
 */
export async function modelAccount(
  sys: System,
  account: bigint,
  opts: { now?: bigint; weights?: Record<string, bigint> } = {},
): Promise<ModelAccount> {
  const now = opts.now ?? (await latestTime());
  const a = await sys.engine.getAccount(account);
  const collaterals: CollateralHolding[] = [];
  const riskCollaterals: RiskCollateral[] = [];
  const tokens: string[] = [];
  for (const c of sys.config.collaterals) {
    const token = sys.collaterals[c.symbol];
    const address = await token.getAddress();
    const amount = await sys.engine.collateralBalance(account, address);
    if (amount === 0n) continue;
    tokens.push(address);
    const w = opts.weights?.[c.symbol];
    const configured = collateralRiskOf(sys, c.symbol);
    const risk =
      w === undefined ? configured : { ...configured, initialWeight: w, maintenanceWeight: w };
    const holding = {
      amount,
      decimals: Number(await token.decimals()),
      price: await feedPrice(sys.collateralFeeds[c.symbol]),
    };
    collaterals.push({ ...holding, weight: risk.maintenanceWeight });
    riskCollaterals.push({ ...holding, risk });
  }
  let ordersIm = 0n;
  for (let id = 0; id < sys.config.markets.length; id++) {
    if (((a.orderMask >> BigInt(id)) & 1n) === 0n) continue;
    const o = await sys.engine.getOrder(account, id);
    ordersIm += o.reserveUsd + quoteToUsd(o.keeperFee, QUOTE_DECIMALS);
  }
  const positions: PositionHolding[] = [];
  const marketIds: number[] = [];
  for (let id = 0; id < sys.config.markets.length; id++) {
    const p = await sys.engine.getPosition(account, id);
    if (p.size === 0n) continue;
    const params = marketParams(sys, id);
    const price = await feedPrice(sys.marketFeeds[id]);
    const { indexNow } = accrueFunding(await marketState(sys, id), params, price, now);
    marketIds.push(id);
    positions.push({
      params,
      position: { size: p.size, entryPrice: p.entryPrice, fundingIndex: p.fundingIndex },
      price,
      indexNow,
    });
  }
  const riskPositions: RiskPosition[] = positions.map((p, i) => ({ ...p, marketId: marketIds[i] }));
  return {
    model: {
      quoteBalance: a.quoteBalance,
      quoteDecimals: QUOTE_DECIMALS,
      collaterals,
      positions,
    },
    risk: {
      quoteBalance: a.quoteBalance,
      quoteDecimals: QUOTE_DECIMALS,
      collaterals: riskCollaterals,
      positions: riskPositions,
      pairs: offsetPairs(sys),
      ordersIm,
    },
    marketIds,
    tokens,
  };
}

export interface TwoMarketAccount {
  sys: System;
  trader: HardhatEthersSigner;
  account: bigint;
}

/**
 * The multi-collateral, two-market account: 1000 USDC + 0.22 WETH + 0.011 WBTC (660 USD each,
 * about 550 and 580 USD at their maintenance weights), long 10 ETH-PERP and short 0.5 BTC-PERP
 * (30000 USD notional each, so `imrBase` sets the ratios; the two legs of the config's offset
 * pair, whose credit takes the BTC leg's IM off). Equity is about 2100 against IM about 1890,
 * so `equity - IM` is smaller than each collateral's (initial-)weighted value: every maximum
 * withdrawal is bound by margin, not by balance. The pool holds 1 000 000 USDC.
 */
export async function twoMarketAccount(): Promise<TwoMarketAccount> {
  const sys = await loadSystem();
  const [, trader] = await hre.ethers.getSigners();
  await fundPool(sys, "1000000");
  const account = await fund(sys, trader, 0, { USDC: "1000", WETH: "0.22", WBTC: "0.011" });
  await trade(sys, trader, account, ETH, wad("10"));
  await trade(sys, trader, account, BTC, wad("-0.5"));
  return { sys, trader, account };
}

/** `twoMarketAccount`, snapshotted. */
export function loadTwoMarketAccount(): Promise<TwoMarketAccount> {
  return loadFixture(twoMarketAccount);
}

/** The lens's account summary as the risk model computes it (docs/math.md, "Risk model"). */
export interface RiskSummary {
  health: RiskHealth;
  equity: bigint;
  /** With the offset credits, the collaterals' initial-weight IM and the orders' IM. */
  IM: bigint;
  /** With the offset credits. */
  MM: bigint;
  healthFactor: bigint;
  marginUtilisation: bigint;
  availableMargin: bigint;
  isLiquidatable: boolean;
  /** Sum of the positions' `sMulFloor(s, p - e)`. */
  upnl: bigint;
  /** Sum of the positions' funding owed (positive = owed by the account). */
  funding: bigint;
}

/** `accountSummary`'s figures from `riskHealth(account)` (the engine's `accountHealth`). */
export function riskSummary(account: RiskAccount): RiskSummary {
  const h = riskHealth(account);
  let upnl = 0n;
  let funding = 0n;
  for (const p of account.positions) {
    upnl += unrealisedPnl(p.position, p.price);
    funding += positionFunding(p.position, p.indexNow);
  }
  return {
    health: h,
    equity: h.equity,
    IM: h.im,
    MM: h.mm,
    healthFactor: healthFactor(h.equity, h.mm),
    marginUtilisation: marginUtilisation(h.equity, h.im),
    availableMargin: h.equity - h.im,
    isLiquidatable: h.equity < h.mm,
    upnl,
    funding,
  };
}

/**
 * The lens's per-market liquidation price (docs/math.md, "Risk views"): the margin model's
 * closed form `p* = (R - E0 + s * p0) / (s - |s| * mmr)` with `E0` and `MM` from `riskHealth`
 * and `R = MM - mulUp(notional, mmr)`, so every other price, the collateral, the funding index
 * and the offset-pair credits stay fixed at their current values. One rounding at the end, up
 * for a long and down for a short; 0 when `s == 0`, the denominator is 0 or `p* <= 0`.
 * @dev Exact (re-evaluating `riskHealth` at `p*` gives `equity - MM` within `|s| / WAD` and a few
 * wei of 0) when `mmr` and the pair credit do not move with the price; a credit that moves with
 * this leg (the leg with the smaller requirement of a hedged pair) makes `p*` conservative.
 */
export function riskLiquidationPrice(account: RiskAccount, index: number): bigint {
  const h = account.positions[index];
  if (h === undefined) throw new RangeError(`riskLiquidationPrice: no position ${index}`);
  const s = h.position.size;
  if (s === 0n) return 0n;
  const { equity, mm } = riskHealth(account);
  return liquidationPriceOf(h, positionMargin(h.params, s, h.price), equity, mm);
}

/** Copy of `account` with position `index` valued at `price` (indexNow kept). */
export function withRiskPrice(account: RiskAccount, index: number, price: bigint): RiskAccount {
  return {
    ...account,
    positions: account.positions.map((h, i) => (i === index ? { ...h, price } : h)),
  };
}

/** Shared setup for the CrossmarginLens tests: funding accounts, trading, and the TS-model view
 *  of an on-chain account (inputs read from engine state and feeds, figures from src/model). */
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MockV3Aggregator } from "../../typechain-types";
import { accountId } from "../../src/common/accounts";
import { feedAnswer, units, wad } from "../../src/common/units";
import {
  Account,
  CollateralHolding,
  MarketParams,
  MarketState,
  PositionHolding,
  accrueFunding,
} from "../../src/model";
import { System, loadSystem } from "./fixture";
import { toModelState } from "../../src/common/market-view";

export const ETH = 0;
export const BTC = 1;
export const SOL = 2;
export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_UINT128 = (1n << 128n) - 1n;
/** A deadline far in the future. */
export const FAR = 1n << 40n;
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
  model: Account;
  /** Market id of each `model.positions[i]`. */
  marketIds: number[];
  /** Token address of each `model.collaterals[i]`. */
  tokens: string[];
}

/**
 * The model account for `account` at time `now` (default: the latest block, where view calls
 * run): balances and positions from engine state, prices from the feeds, parameters from the
 * config (collateral weights overridable), funding index from the model's `accrueFunding`.
 */
export async function modelAccount(
  sys: System,
  account: bigint,
  opts: { now?: bigint; weights?: Record<string, bigint> } = {},
): Promise<ModelAccount> {
  const now = opts.now ?? (await latestTime());
  const a = await sys.engine.getAccount(account);
  const collaterals: CollateralHolding[] = [];
  const tokens: string[] = [];
  for (const c of sys.config.collaterals) {
    const token = sys.collaterals[c.symbol];
    const address = await token.getAddress();
    const amount = await sys.engine.collateralBalance(account, address);
    if (amount === 0n) continue;
    tokens.push(address);
    collaterals.push({
      amount,
      decimals: Number(await token.decimals()),
      price: await feedPrice(sys.collateralFeeds[c.symbol]),
      weight: opts.weights?.[c.symbol] ?? wad(c.weight),
    });
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
  return {
    model: {
      quoteBalance: a.quoteBalance,
      quoteDecimals: QUOTE_DECIMALS,
      collaterals,
      positions,
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
 * The multi-collateral, two-market account: 600 USDC + 0.22 WETH + 0.011 WBTC (each about 600 USD
 * weighted), long 10 ETH-PERP and short 0.5 BTC-PERP (30000 USD notional each, so `imrBase`
 * sets the ratios). Equity is about 1750 against IM 1240, so `equity - IM` is smaller than each
 * collateral's weighted value: every maximum withdrawal is bound by margin, not by balance.
 * The pool holds 1 000 000 USDC.
 */
export async function twoMarketAccount(): Promise<TwoMarketAccount> {
  const sys = await loadSystem();
  const [, trader] = await hre.ethers.getSigners();
  await fundPool(sys, "1000000");
  const account = await fund(sys, trader, 0, { USDC: "600", WETH: "0.22", WBTC: "0.011" });
  await trade(sys, trader, account, ETH, wad("10"));
  await trade(sys, trader, account, BTC, wad("-0.5"));
  return { sys, trader, account };
}

/** `twoMarketAccount`, snapshotted. */
export function loadTwoMarketAccount(): Promise<TwoMarketAccount> {
  return loadFixture(twoMarketAccount);
}

/**
 * Setup and action helpers for market, margin and pool tests: a deployment with LP liquidity,
 * funding accounts, moving and refreshing feeds, time travel, extra markets, and a `trade`
 * that checks the engine against the model (see model-world.ts).
 */
import hre, { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ContractTransactionResponse, encodeBytes32String } from "ethers";
import { MockV3Aggregator, MockV3Aggregator__factory } from "../../typechain-types";
import { feedAnswer, units, wad } from "../../src/common/units";
import { accountId } from "../../src/common/accounts";
import { FAR, FlatMarketParams, MarketLimits, groupMarketParams } from "../../src/common";
import * as M from "../../src/model";
import { deployWithHardhat } from "../../deploy/hardhat";
import { System } from "./fixture";
import { World, expectTradeEvent, expectWorld } from "./model-world";

/** Quote (USDC, 6 decimals) amount from a decimal string. */
export const usdc = (v: string | number): bigint => units(v, 6);
export const MAX_UINT = ethers.MaxUint256;
/** Liquidity the fixture's LP deposits into the pool. */
export const LP_LIQUIDITY = usdc("1000000");
/** 8-decimal feed prices are WAD multiples of this. */
export const FEED_UNIT = 10n ** 10n;

export interface Env extends System {
  admin: HardhatEthersSigner;
  lp: HardhatEthersSigner;
  /** Signers 2.. for traders. */
  users: HardhatEthersSigner[];
}

async function tradingFixture(): Promise<Env> {
  const sys = await deployWithHardhat(hre, { persist: false });
  const [admin, lp, ...users] = await ethers.getSigners();
  const env = { ...sys, admin, lp, users };
  await provideLiquidity(env, lp, LP_LIQUIDITY);
  return env;
}

/** The local deployment with 1,000,000 USDC of pool liquidity from `lp` (snapshotted). */
export function loadTrading(): Promise<Env> {
  return loadFixture(tradingFixture);
}

/** Mints `amount` USDC to `lp` and deposits it into the pool; returns the shares minted. */
export async function provideLiquidity(
  env: System,
  lp: HardhatEthersSigner,
  amount: bigint,
): Promise<bigint> {
  await env.quote.mint(lp.address, amount);
  await env.quote.connect(lp).approve(await env.pool.getAddress(), amount);
  const before = await env.pool.balanceOf(lp.address);
  await env.pool.connect(lp).deposit(amount, lp.address);
  return (await env.pool.balanceOf(lp.address)) - before;
}

/** Mints `amount` USDC to `user` and deposits it into sub-account `sub`; returns the account id. */
export async function fundQuote(
  env: System,
  user: HardhatEthersSigner,
  amount: bigint,
  sub = 0,
): Promise<bigint> {
  await env.quote.mint(user.address, amount);
  await env.quote.connect(user).approve(await env.engine.getAddress(), amount);
  await env.engine.connect(user).deposit(sub, await env.quote.getAddress(), amount);
  return accountId(user.address, sub);
}

/** Mints and deposits a collateral token (e.g. "WETH") in its own units. */
export async function fundCollateral(
  env: System,
  user: HardhatEthersSigner,
  symbol: string,
  amount: bigint,
  sub = 0,
): Promise<bigint> {
  const token = env.collaterals[symbol];
  await token.mint(user.address, amount);
  await token.connect(user).approve(await env.engine.getAddress(), amount);
  await env.engine.connect(user).deposit(sub, await token.getAddress(), amount);
  return accountId(user.address, sub);
}

/** The feed of market `id` (works for markets added by a test too). */
export async function marketFeed(env: System, id: number): Promise<MockV3Aggregator> {
  const c = await env.engine.getMarket(id);
  return MockV3Aggregator__factory.connect(c.feed, env.engine.runner);
}

/** Sets an 8-decimal mock feed to `price` (decimal string, USD). */
export async function setFeedPrice(feed: MockV3Aggregator, price: string): Promise<void> {
  await feed.updateAnswer(feedAnswer(price, 8));
}

/** Publishes `price` (WAD, a multiple of {@link FEED_UNIT}) in the next block; returns its
 *  timestamp. */
export async function publishPrice(feed: MockV3Aggregator, price: bigint): Promise<bigint> {
  const now = await nextTimestamp();
  await (await feed.updateAnswer(price / FEED_UNIT)).wait();
  return now;
}

/** Sets market `id`'s oracle price (decimal string, USD). */
export async function setMarketPrice(env: System, id: number, price: string): Promise<void> {
  await setFeedPrice(await marketFeed(env, id), price);
}

/** Re-publishes every market and collateral feed's answer (updatedAt = now), except `skip`. */
export async function refreshFeeds(env: System, skip: string[] = []): Promise<void> {
  const feeds = new Set<string>();
  const n = Number(await env.engine.marketCount());
  for (let id = 0; id < n; id++) feeds.add((await env.engine.getMarket(id)).feed);
  for (const token of await env.engine.collateralTokens())
    feeds.add((await env.engine.getCollateral(token)).feed);
  const signer = (await ethers.getSigners())[0];
  for (const addr of feeds) {
    if (skip.includes(addr)) continue;
    const feed = MockV3Aggregator__factory.connect(addr, signer);
    await feed.updateAnswer(await feed.latestAnswer());
  }
}

/** Moves time forward by `seconds` and refreshes every feed (except `stale`, left to age). */
export async function advance(env: System, seconds: number, stale: string[] = []): Promise<void> {
  await time.increase(seconds);
  await refreshFeeds(env, stale);
}

/** Fixes the next block's timestamp to latest + 1 and returns it. */
export async function nextTimestamp(): Promise<bigint> {
  const t = (await time.latest()) + 1;
  await time.setNextBlockTimestamp(t);
  return BigInt(t);
}

export interface TradeOptions {
  acceptablePrice?: bigint;
  /** Who sends the trade (an operator); the account's owner by default. */
  sender?: HardhatEthersSigner;
  /** Accounts besides the trader to keep in the world and check. */
  others?: bigint[];
}

/**
 * Sends `modifyPosition` for `account` and asserts, against the model applied to the chain's
 * prior state: the PositionModified event (fill, fee, pnl, funding, quoteDelta), the new
 * position, the market's aggregates and funding record, the quote balance and the pool ledger.
 * Returns the model's trade result and the world after it.
 */
export async function trade(
  env: System,
  user: HardhatEthersSigner,
  account: bigint,
  marketId: number,
  sizeDelta: bigint,
  opts: TradeOptions = {},
): Promise<{ r: M.TradeResult; w: World; tx: ContractTransactionResponse }> {
  const w = await World.read(env, [account, ...(opts.others ?? [])]);
  const now = await nextTimestamp();
  const oldSize = w.position(account, marketId).size;
  const r = w.trade(account, marketId, sizeDelta, now);
  // INV-45: the model's net exposure check must pass for a trade expected to go through.
  const net = w.netExposure(marketId, oldSize, sizeDelta);
  if (!net.ok)
    throw new Error(`model: NetExposureExceeded(${marketId}, ${net.netNotional}, ${net.cap})`);
  const acceptable = opts.acceptablePrice ?? (sizeDelta > 0n ? MAX_UINT : 1n);
  const tx = await env.engine
    .connect(opts.sender ?? user)
    .modifyPosition(account, marketId, sizeDelta, acceptable, FAR);
  await expectTradeEvent(env.engine, tx, account, marketId, sizeDelta, r);
  await expectWorld(env, w);
  return { r, w, tx };
}

/** Market parameters like the local config's (ETH-like), for `engine.addMarket`; named after
 *  its feed unless `overrides.name` says otherwise (names are unique). */
export function marketParams(feed: string, overrides: Partial<FlatMarketParams> = {}) {
  return groupMarketParams({
    name: `TEST-${feed.slice(2, 12)}`,
    feed,
    heartbeat: 86_400,
    skewScale: wad("1000000"),
    makerFee: wad("0.0002"),
    takerFee: wad("0.0006"),
    maxFundingVelocity: wad("9"),
    imrBase: wad("0.02"),
    imrSizeFactor: wad("0.0001"),
    maintenanceScalar: wad("0.5"),
    minPositionMarginUsd: wad("20"),
    maxOpenInterest: wad("1000000"),
    maxOiPoolRatio: wad("5"),
    maxNetExposureRatio: wad("2"),
    maxLiquidationPerWindowUsd: wad("5000000"),
    liquidationWindow: 30,
    instantTrading: true,
    minOrderDelay: 2,
    maxOrderAge: 7200,
    ...overrides,
  });
}

/** Adds `n` markets, each with a new 8-decimal MockV3Aggregator at `price`; returns their ids. */
export async function addMarkets(env: Env, n: number, price = "100"): Promise<number[]> {
  const factory = await ethers.getContractFactory("MockV3Aggregator", env.admin);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const feed = await factory.deploy(8, feedAnswer(price, 8));
    const address = await feed.getAddress();
    const id = Number(await env.engine.marketCount());
    await expect(env.engine.addMarket(marketParams(address), await feed.description()))
      .to.emit(env.engine, "MarketAdded")
      .withArgs(id, encodeBytes32String(`TEST-${address.slice(2, 12)}`), address, 86_400);
    ids.push(id);
  }
  return ids;
}

/** Whole USD price (WAD) rounded to a feed-representable value (8 decimals), upwards. */
export function feedRoundUp(price: bigint): bigint {
  return M.divCeil(price, FEED_UNIT) * FEED_UNIT;
}

/** A WAD price as the decimal string `setFeedPrice` takes. */
export function priceString(price: bigint): string {
  return ethers.formatUnits(price, 18);
}

/**
 * Expects `modifyPosition` to fail its margin check with the model's post-trade numbers:
 * `InsufficientMargin(account, equity, IM)` or `WouldBecomeLiquidatable(account, equity, MM)`.
 * The transaction is mined at a fixed timestamp (explicit gas limit, no estimate) so funding
 * in the model and on chain agree. Returns the model's post-trade summary.
 */
export async function expectMarginRevert(
  env: System,
  user: HardhatEthersSigner,
  account: bigint,
  marketId: number,
  sizeDelta: bigint,
  error: "InsufficientMargin" | "WouldBecomeLiquidatable",
): Promise<M.MarginSummary> {
  const w = await World.read(env, [account]);
  const now = await nextTimestamp();
  w.trade(account, marketId, sizeDelta, now);
  const h = w.health(account, now);
  const required = error === "InsufficientMargin" ? h.IM : h.MM;
  expect(h.equity, "the model agrees the check fails").to.be.lt(required);
  const acceptable = sizeDelta > 0n ? MAX_UINT : 1n;
  const tx = env.engine
    .connect(user)
    .modifyPosition(account, marketId, sizeDelta, acceptable, FAR, { gasLimit: 5_000_000 });
  await expect(tx)
    .to.be.revertedWithCustomError(env.engine, error)
    .withArgs(account, h.equity, required);
  return h;
}

/** `setMarketLimits` with only the given fields changed (the rest as the market has them). */
export async function setLimits(
  env: System,
  id: number,
  change: Partial<MarketLimits>,
): Promise<void> {
  const m = await env.engine.getMarket(id);
  const limits: MarketLimits = {
    maxOpenInterest: m.maxOpenInterest,
    maxOiPoolRatio: m.maxOiPoolRatio,
    maxNetExposureRatio: m.maxNetExposureRatio,
    maxLiquidationPerWindowUsd: m.maxLiquidationPerWindow,
    liquidationWindow: m.liquidationWindow,
    ...change,
  };
  await (await env.engine.setMarketLimits(id, limits)).wait();
}

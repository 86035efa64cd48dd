/** Shared setup and model helpers for the delayed-order tests (test/hardhat/orders). */
import { ethers, network } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ContractTransactionResponse, EventLog, Log } from "ethers";
import { ICrossmargin, MockERC20, MockV3Aggregator } from "../../typechain-types";
import { loadSystem, System } from "./fixture";
import { accountId } from "../../src/common/accounts";
import { feedAnswer, units, wad } from "../../src/common/units";
import { FAR } from "../../src/common";
import {
  MarketParams,
  MarketState,
  Position,
  TradeResult,
  applyTrade,
  fillPrice,
  orderFee,
  positionMargin,
  skewOf,
  mulUp,
  abs,
  accrueFunding,
  marginSummary,
  orderReserveFor,
  PositionHolding,
} from "../../src/model";
import { toModelParams, toModelState } from "../../src/common/market-view";
import { insuranceAccrued } from "./fund";

export const QUOTE_DECIMALS = 6;
/** orderKeeperFee of deploy/config/local.ts (1 USD) in quote units. */
export const KEEPER_FEE = units("1", QUOTE_DECIMALS);
export const MIN_DELAY = 2n;
export const MAX_AGE = 7200n;

export interface OrdersEnv {
  sys: System;
  engine: ICrossmargin;
  quote: MockERC20;
  feeds: MockV3Aggregator[];
  deployer: HardhatEthersSigner;
  trader: HardhatEthersSigner;
  operator: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  other: HardhatEthersSigner;
  account: bigint;
  otherAccount: bigint;
}

/** Funds an account with `amount` quote units deposited by its owner. */
export async function fund(env: OrdersEnv, who: HardhatEthersSigner, amount: bigint) {
  const { engine, quote } = env;
  await quote.mint(who.address, amount);
  await quote.connect(who).approve(await engine.getAddress(), amount);
  await engine.connect(who).deposit(0, await quote.getAddress(), amount);
}

/** The local deployment with 10M USDC in the pool, a trader (50k USDC) with an operator. */
export async function ordersFixture(): Promise<OrdersEnv> {
  const sys = await loadSystem();
  const [deployer, trader, operator, keeper, stranger, other] = await ethers.getSigners();
  const lp = units("10000000", QUOTE_DECIMALS);
  await sys.quote.mint(deployer.address, lp);
  await sys.quote.approve(await sys.pool.getAddress(), lp);
  await sys.pool.deposit(lp, deployer.address);
  const env: OrdersEnv = {
    sys,
    engine: sys.engine,
    quote: sys.quote,
    feeds: sys.marketFeeds,
    deployer,
    trader,
    operator,
    keeper,
    stranger,
    other,
    account: accountId(trader.address, 0),
    otherAccount: accountId(other.address, 0),
  };
  await fund(env, trader, units("50000", QUOTE_DECIMALS));
  await fund(env, other, units("50000", QUOTE_DECIMALS));
  await sys.engine.connect(trader).setOperator(env.account, operator.address, true);
  return env;
}

export function loadOrders(): Promise<OrdersEnv> {
  return loadFixture(ordersFixture);
}

/** Publishes a new round with `price` (decimal string), optionally at an exact timestamp. */
export async function setPrice(feed: MockV3Aggregator, price: string, at?: bigint) {
  if (at !== undefined) await time.setNextBlockTimestamp(at);
  await feed.updateAnswer(feedAnswer(price));
}

/** Latest round id of a feed. */
export async function latestRound(feed: MockV3Aggregator): Promise<bigint> {
  return (await feed.latestRoundData())[0];
}

export async function blockTime(tx: ContractTransactionResponse): Promise<bigint> {
  const r = await tx.wait();
  const b = await ethers.provider.getBlock(r!.blockNumber);
  return BigInt(b!.timestamp);
}

export async function gasOf(tx: ContractTransactionResponse): Promise<bigint> {
  return (await tx.wait())!.gasUsed;
}

/** Commits an order of the trader (signer `by`, default the trader) at the next timestamp `at`. */
export async function commit(
  env: OrdersEnv,
  marketId: number,
  sizeDelta: bigint,
  opts: { acceptable?: bigint; deadline?: bigint; at?: bigint; by?: HardhatEthersSigner } = {},
): Promise<{ tx: ContractTransactionResponse; time: bigint }> {
  const at = opts.at ?? BigInt(await time.latest()) + 1n;
  await time.setNextBlockTimestamp(at);
  const acceptable = opts.acceptable ?? (sizeDelta > 0n ? FAR : 1n);
  const deadline = opts.deadline ?? at + 600n;
  const tx = await env.engine
    .connect(opts.by ?? env.trader)
    .commitOrder(env.account, marketId, sizeDelta, acceptable, deadline);
  return { tx, time: await blockTime(tx) };
}

/** Opens a position with an instant trade (instant trading is on in the local config). */
export async function openInstant(
  env: OrdersEnv,
  marketId: number,
  size: bigint,
  who: HardhatEthersSigner = env.trader,
) {
  const acct = accountId(who.address, 0);
  await env.engine.connect(who).modifyPosition(acct, marketId, size, size > 0n ? FAR : 1n, FAR);
}

/** Model market parameters of an engine market. */
export async function modelParams(engine: ICrossmargin, marketId: number): Promise<MarketParams> {
  const c = await engine.getMarket(marketId);
  return toModelParams(c);
}

export async function modelState(engine: ICrossmargin, marketId: number): Promise<MarketState> {
  const st = await engine.getMarketState(marketId);
  return toModelState(st);
}

export async function modelPosition(
  engine: ICrossmargin,
  account: bigint,
  marketId: number,
): Promise<Position> {
  const p = await engine.getPosition(account, marketId);
  return { size: p.size, entryPrice: p.entryPrice, fundingIndex: p.fundingIndex };
}

/** The model's outcome of a trade of `account` at oracle `price` (WAD) at time `now`. */
export async function expectedTrade(
  engine: ICrossmargin,
  account: bigint,
  marketId: number,
  sizeDelta: bigint,
  price: bigint,
  now: bigint,
): Promise<TradeResult> {
  return applyTrade(
    await modelState(engine, marketId),
    await modelParams(engine, marketId),
    await modelPosition(engine, account, marketId),
    sizeDelta,
    price,
    now,
    QUOTE_DECIMALS,
  );
}

/**
 * The reserve an order takes at commit, by hand from the model: the growth of the position's
 * initial margin, the fee and the price impact at the current price (docs: OrderLogic._reserve).
 */
export async function expectedReserve(
  engine: ICrossmargin,
  account: bigint,
  marketId: number,
  sizeDelta: bigint,
  price: bigint,
): Promise<bigint> {
  const params = await modelParams(engine, marketId);
  const st = await modelState(engine, marketId);
  const size = (await modelPosition(engine, account, marketId)).size;
  const skew = skewOf(st);
  const fill = fillPrice(price, skew, sizeDelta, params.skewScale);
  const { fee } = orderFee(skew, sizeDelta, fill, params.makerFee, params.takerFee);
  const before = positionMargin(params, size, price).im;
  const after = positionMargin(params, size + sizeDelta, price).im;
  const impact = mulUp(abs(sizeDelta), abs(fill - price));
  // stored as a float rounded up (docs/math.md, "Order storage")
  return orderReserveFor((after > before ? after - before : 0n) + fee + impact);
}

/** The parsed engine events of a transaction with the given name. */
export async function eventsOf(
  env: OrdersEnv,
  tx: ContractTransactionResponse,
  name: string,
): Promise<EventLog["args"][]> {
  const r = await tx.wait();
  const out: EventLog["args"][] = [];
  for (const log of r!.logs as Log[]) {
    try {
      const parsed = env.engine.interface.parseLog(log);
      if (parsed && parsed.name === name) out.push(parsed.args);
    } catch {
      // not an engine event
    }
  }
  return out;
}

/** bytes32 of a short ASCII reason, as OrderCancelled carries it. */
export function reason(text: string): string {
  return ethers.encodeBytes32String(text);
}

/** The quote balance of a keeper's account `accountId(keeper, 0)`, where its order keeper fees
 *  are credited (INV-71). */
export async function keeperCredit(env: { engine: ICrossmargin }, keeper: string): Promise<bigint> {
  return (await env.engine.getAccount(accountId(keeper, 0))).quoteBalance;
}

/** Every account credited an order keeper fee so far (`KeeperFeeCredited`, INV-71). */
export async function creditedKeepers(engine: ICrossmargin): Promise<bigint[]> {
  const events = await engine.queryFilter(engine.filters.KeeperFeeCredited());
  return [...new Set(events.map((e) => e.args.account))];
}

/** Conservation of the quote token: vault balance == sum of account balances (the given ones
 *  and every keeper's account credited a fee, INV-71) + pool balance + the penalties accrued for
 *  the insurance fund (INV-70). */
export async function expectConserved(env: OrdersEnv, accounts: bigint[]) {
  const { engine, quote } = env;
  let sum = (await engine.poolBalance()) + (await insuranceAccrued(engine));
  for (const a of new Set([...accounts, ...(await creditedKeepers(engine))]))
    sum += (await engine.getAccount(a)).quoteBalance;
  expect(await quote.balanceOf(await engine.getAddress())).to.equal(sum);
}

/** Runs `fn` with automine off and mines everything it sent in one block at `at`. */
export async function inOneBlock(at: bigint, fn: () => Promise<void>) {
  await network.provider.send("evm_setAutomine", [false]);
  try {
    await fn();
    await network.provider.send("evm_mine", [Number(at)]);
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}

// ------------------------------------------------- order safety model (INV-35..INV-39)

/**
 * Equity (USD WAD) of `account` by the model: quote balance plus, for each market of `prices`,
 * the position's open PnL minus its funding at that price and time `now` (docs/math.md).
 */
export async function modelEquity(
  engine: ICrossmargin,
  account: bigint,
  prices: Record<number, bigint>,
  now: bigint,
): Promise<bigint> {
  const positions: PositionHolding[] = [];
  for (const [key, price] of Object.entries(prices)) {
    const id = Number(key);
    const params = await modelParams(engine, id);
    const st = await modelState(engine, id);
    const position = await modelPosition(engine, account, id);
    positions.push({
      params,
      position,
      price,
      indexNow: accrueFunding(st, params, price, now).indexNow,
    });
  }
  const quoteBalance = (await engine.getAccount(account)).quoteBalance;
  return marginSummary({ quoteBalance, quoteDecimals: QUOTE_DECIMALS, collaterals: [], positions })
    .equity;
}

/** INV-35: the keeper fee charged, `min(fee, floor(max(0, equity) / 10^(18 - q)))`. */
export function cappedFee(fee: bigint, equityUsd: bigint, quoteDecimals = QUOTE_DECIMALS): bigint {
  if (equityUsd <= 0n) return 0n;
  const cap = equityUsd / 10n ** BigInt(18 - quoteDecimals);
  return fee < cap ? fee : cap;
}

/** INV-36: what a reduce-only order fills with `size` left: 0 (cancel) or the clamped delta. */
export function reduceOnlyFill(size: bigint, delta: bigint): bigint {
  if (size === 0n || size > 0n === delta > 0n) return 0n;
  return abs(delta) > abs(size) ? -size : delta;
}

/** INV-39: the band of settleMarket, last +- floor(last * 20 %). */
export const SETTLEMENT_BAND = wad("0.2");
export function settlementBand(last: bigint): [bigint, bigint] {
  const d = (last * SETTLEMENT_BAND) / 10n ** 18n;
  return [last - d, last + d];
}

/** INV-37: a Chainlink proxy round id, `phase << 64 | aggregatorRound`. */
export function phaseRound(phase: bigint, round: bigint): bigint {
  return (phase << 64n) | round;
}

/** Price string -> WAD. */
export function px(price: string): bigint {
  return wad(price);
}

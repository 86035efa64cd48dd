/**
 * Shared fixture and helpers of the gas benchmark (scripts/bench/gas.ts). Every suite starts from
 * the same base state (the system, 16 markets, 50M USDC of LP liquidity) restored from an EVM
 * snapshot, so suites never see each other's accounts, positions or prices. Accounts are
 * impersonated addresses derived from a label, so addresses (and calldata gas) are stable run
 * to run.
 */
import hre from "hardhat";
import { ContractTransactionReceipt, ContractTransactionResponse, Signer } from "ethers";
import { dataSlice, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { System } from "../../../deploy/deploy";
import { profile } from "../trace";
import {
  ICrossmarginEvents__factory,
  MockV3Aggregator,
  MockV3Aggregator__factory,
} from "../../../typechain-types";
import {
  FAR,
  WAD,
  accountId,
  feedAnswer,
  groupMarketParams,
  units,
  wad,
} from "../../../src/common";

/** Every deadline of the bench is src/common's `FAR`; re-exported for the suites. */
export { FAR };
/** A buy's acceptable price that accepts any fill (a sell's is 1). */
export const MAX_PRICE = 2n ** 127n;
export const EVENTS = ICrossmarginEvents__factory.createInterface();

/** Gas per scenario key (full-transaction gasUsed). */
export type Results = Record<string, number>;

export interface Bench {
  sys: System;
  deployer: Signer;
  engineAddr: string;
  usdc: string;
}

/** One isolated group of measurements; it runs on a fresh copy of the base state. */
export type Suite = (b: Bench) => Promise<Results>;

export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  return measure(await receiptOf(tx));
}

/** With `GAS_SPLIT=1`, the trace profile (scripts/bench/trace.ts) of each measured transaction,
 *  by its gasUsed: gas.ts prints each target's split into the work before any arithmetic and
 *  the arithmetic. */
export const splits = new Map<number, Record<string, number>>();

/** A measured transaction's gasUsed (profiled when `GAS_SPLIT` is set). */
export async function measure(receipt: ContractTransactionReceipt): Promise<number> {
  const gas = Number(receipt.gasUsed);
  if (process.env.GAS_SPLIT) splits.set(gas, await profile(hre, receipt.hash));
  return gas;
}

export async function receiptOf(
  tx: Promise<ContractTransactionResponse>,
): Promise<ContractTransactionReceipt> {
  return (await (await tx).wait())!;
}

/** The engine events of a receipt named `name`, decoded. */
export function eventsOf(receipt: ContractTransactionReceipt, name: string) {
  return receipt.logs
    .map((log) => {
      try {
        return EVENTS.parseLog(log);
      } catch {
        return null;
      }
    })
    .filter((e) => e !== null && e.name === name);
}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`gas bench setup: ${message}`);
}

/** A deterministic account for `label` (impersonated, so no local signing), with 1000 ETH. */
export async function actor(label: string): Promise<HardhatEthersSigner> {
  const hash = keccak256(toUtf8Bytes(`crossmargin gas bench: ${label}`));
  const address = getAddress(dataSlice(hash, 12));
  await setBalance(address, 10n ** 21n);
  return hre.ethers.getImpersonatedSigner(address);
}

/** A keeper whose wallet already holds USDC, so a reward paid to it is not its first balance. */
export async function fundedKeeper(b: Bench, label: string): Promise<HardhatEthersSigner> {
  const keeper = await actor(label);
  await (await b.sys.quote.mint(keeper.address, units(1000, 6))).wait();
  return keeper;
}

/** Adds markets until there are `n`, each with its own feed at $100 (params of market 0). */
export async function ensureMarkets(sys: System, n: number): Promise<void> {
  const m0 = await sys.engine.getMarket(0);
  const signer = sys.engine.runner as Signer;
  for (let id = Number(await sys.engine.marketCount()); id < n; id++) {
    const feed = await new MockV3Aggregator__factory(signer).deploy(8, feedAnswer(100));
    await feed.waitForDeployment();
    await (
      await sys.engine.addMarket(
        groupMarketParams({
          name: `BENCH-${id}`,
          feed: await feed.getAddress(),
          heartbeat: m0.heartbeat,
          skewScale: wad(10_000_000),
          makerFee: m0.makerFee,
          takerFee: m0.takerFee,
          maxFundingVelocity: m0.maxFundingVelocity,
          imrBase: m0.imrBase,
          imrSizeFactor: m0.imrSizeFactor,
          maintenanceScalar: m0.maintenanceScalar,
          minPositionMarginUsd: m0.minPositionMargin,
          maxOpenInterest: wad(100_000_000),
          maxOiPoolRatio: m0.maxOiPoolRatio,
          maxNetExposureRatio: m0.maxNetExposureRatio,
          maxLiquidationPerWindowUsd: 0,
          liquidationWindow: 0,
          instantTrading: true,
          minOrderDelay: m0.minOrderDelay,
          maxOrderAge: m0.maxOrderAge,
        }),
        await feed.description(),
      )
    ).wait();
  }
}

/** The system with 16 markets and 50M USDC in the pool: the state every suite starts from. */
export async function baseFixture(deploy: () => Promise<System>): Promise<Bench> {
  const sys = await deploy();
  const [deployer] = await hre.ethers.getSigners();
  await ensureMarkets(sys, 16);
  // LP liquidity so that open-interest caps allow the trades.
  const lp = units(50_000_000, 6);
  await (await sys.quote.mint(deployer.address, lp)).wait();
  await (await sys.quote.approve(await sys.pool.getAddress(), lp)).wait();
  await (await sys.pool.deposit(lp, deployer.address)).wait();
  return {
    sys,
    deployer,
    engineAddr: await sys.engine.getAddress(),
    usdc: await sys.quote.getAddress(),
  };
}

/** Mints, approves and deposits USDC (and optionally WETH, WBTC) into `trader`'s sub-account. */
export async function fund(
  b: Bench,
  trader: Signer,
  sub: number,
  usdc: string,
  weth = "0",
  wbtc = "0",
): Promise<void> {
  const { sys } = b;
  const addr = await trader.getAddress();
  const pairs: [typeof sys.quote, bigint][] = [[sys.quote, units(usdc, 6)]];
  if (weth !== "0") pairs.push([sys.collaterals.WETH, units(weth, 18)]);
  if (wbtc !== "0") pairs.push([sys.collaterals.WBTC, units(wbtc, 8)]);
  for (const [token, amount] of pairs) {
    await (await token.mint(addr, amount)).wait();
    await (await token.connect(trader).approve(b.engineAddr, amount)).wait();
    await (await sys.engine.connect(trader).deposit(sub, await token.getAddress(), amount)).wait();
  }
}

/** A market trade with the loosest bound allowed (INV-40: a bound is required). */
export function buy(b: Bench, trader: Signer, account: bigint, market: number, size: bigint) {
  const price = size > 0n ? MAX_PRICE : 1n;
  return b.sys.engine.connect(trader).modifyPosition(account, market, size, price, FAR);
}

export async function trade(
  b: Bench,
  trader: Signer,
  account: bigint,
  market: number,
  size: bigint,
): Promise<void> {
  await receiptOf(buy(b, trader, account, market, size));
}

/** The size worth `usd` at the market's current price (WAD). */
export async function sizeFor(b: Bench, market: number, usd: number): Promise<bigint> {
  return (wad(usd) * WAD) / (await b.sys.engine.marketPrice(market));
}

export async function feedOf(b: Bench, market: number): Promise<MockV3Aggregator> {
  const addr = (await b.sys.engine.getMarket(market)).feed;
  return MockV3Aggregator__factory.connect(addr, b.deployer);
}

/** Every market feed and collateral feed. */
export async function allFeeds(b: Bench): Promise<MockV3Aggregator[]> {
  const feeds = [...Object.values(b.sys.collateralFeeds)];
  const count = Number(await b.sys.engine.marketCount());
  for (let id = 0; id < count; id++) feeds.push(await feedOf(b, id));
  return feeds;
}

/** A new round at the same answer on every feed, so that none is stale. */
export async function refreshFeeds(b: Bench): Promise<void> {
  for (const f of await allFeeds(b)) await (await f.updateAnswer(await f.latestAnswer())).wait();
}

export async function setPrice(b: Bench, market: number, answer: bigint): Promise<void> {
  await (await (await feedOf(b, market)).updateAnswer(answer)).wait();
}

export function popcount(x: bigint): number {
  let n = 0;
  for (; x > 0n; x >>= 1n) n += Number(x & 1n);
  return n;
}

export async function positionCount(b: Bench, account: bigint): Promise<number> {
  return popcount((await b.sys.engine.getAccount(account)).marketMask);
}

/**
 * Puts `markets` in use, as on a live venue: two market makers hold a long (200k USD) and a
 * short (100k USD) in each, opened in earlier blocks, and a later trade recorded a non-zero
 * funding index. Every market state slot a trade touches is then already non-zero.
 */
export async function marketsInUse(b: Bench, markets: number[]): Promise<void> {
  const long = await actor("book: long maker");
  const short = await actor("book: short maker");
  const [acctL, acctS] = [accountId(long.address, 0), accountId(short.address, 0)];
  await fund(b, long, 0, "5000000");
  await fund(b, short, 0, "5000000");
  for (const m of markets) await trade(b, long, acctL, m, await sizeFor(b, m, 200_000));
  for (const m of markets) await trade(b, short, acctS, m, -(await sizeFor(b, m, 100_000)));
  await time.increase(60);
  for (const m of markets) await trade(b, long, acctL, m, await sizeFor(b, m, 1_000));
  await time.increase(60);
  for (const m of markets) {
    const st = await b.sys.engine.getMarketState(m);
    check(st.fundingIndex !== 0n, `market ${m} has no funding index after the book's trades`);
  }
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

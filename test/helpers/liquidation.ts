/**
 * Chain-side helpers for the liquidation tests (test/hardhat/liquidation): the deployment with
 * a funded pool, account set-up, raw-state snapshots for the model (test/helpers/liquidationRead.ts,
 * re-exported here), a liquidation runner that checks every event and balance against
 * test/helpers/liquidationModel.ts, and the conservation invariants.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ContractTransactionReceipt, LogDescription, MaxUint256 } from "ethers";
import { MockERC20, MockV3Aggregator__factory } from "../../typechain-types";
import { loadSystem, System } from "./fixture";
import { accountId } from "../../src/common/accounts";
import { feedAnswer, units, wad } from "../../src/common/units";
import {
  ExpectedLiquidation,
  ExpectedSeizure,
  LiqParams,
  expectLiquidation,
  expectSeizure,
} from "./liquidationModel";
import { fundHoldings, insuranceAccrued } from "./fund";

import { BTC, ETH, SOL } from "../../src/common/constants";
import { QD, accountWindow, offsetPairs, snapshot } from "./liquidationRead";

export { BTC, ETH, SOL };
export { QD, accountWindow, offsetPairs, snapshot };
/** USDC amount in quote units: `usdc("12.5")`. */
export const usdc = (v: string | number): bigint => units(v, QD);

export interface Env {
  sys: System;
  deployer: HardhatEthersSigner;
  lp: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  traders: HardhatEthersSigner[];
  /** Every account that may hold a quote balance (for the conservation check). */
  accounts: Set<bigint>;
  liq: LiqParams;
}

interface Base {
  sys: System;
  signers: HardhatEthersSigner[];
}

/** The deployment plus 2,000,000 USDC in the liquidity pool. */
async function liquidationFixture(): Promise<Base> {
  const sys = await loadSystem();
  const signers = await ethers.getSigners();
  const lp = signers[1];
  const amount = usdc(2_000_000);
  await sys.quote.mint(lp.address, amount);
  await sys.quote.connect(lp).approve(await sys.pool.getAddress(), amount);
  await sys.pool.connect(lp).deposit(amount, lp.address);
  return { sys, signers };
}

export async function setup(): Promise<Env> {
  const { sys, signers } = await loadFixture(liquidationFixture);
  const l = sys.config.liquidation;
  return {
    sys,
    deployer: signers[0],
    lp: signers[1],
    keeper: signers[2],
    traders: signers.slice(3),
    accounts: new Set(),
    liq: {
      feeRate: wad(l.feeRate),
      buffer: wad(l.buffer),
      minKeeperReward: wad(l.minKeeperReward),
      maxKeeperReward: wad(l.maxKeeperReward),
      closeFactorHfThreshold: wad(l.closeFactorHfThreshold),
      smallDebtUsd: wad(l.smallDebtUsd),
      orderKeeperFee: wad(l.orderKeeperFee),
      penaltyRate: wad(l.penaltyRate),
      accountWindow: BigInt(l.accountWindow),
    },
  };
}

export async function setLiquidationParams(env: Env, p: Partial<LiqParams>): Promise<void> {
  env.liq = { ...env.liq, ...p };
  await env.sys.engine.setLiquidationParams(liquidationSettings(env.liq));
}

/** `setLiquidationParams`' struct from the helpers' liquidation parameters. */
export function liquidationSettings(l: LiqParams) {
  return {
    feeRate: l.feeRate,
    buffer: l.buffer,
    minKeeperRewardUsd: l.minKeeperReward,
    maxKeeperRewardUsd: l.maxKeeperReward,
    closeFactorHfThreshold: l.closeFactorHfThreshold,
    smallDebtUsd: l.smallDebtUsd,
    orderKeeperFeeUsd: l.orderKeeperFee,
    penaltyRate: l.penaltyRate,
    accountWindow: l.accountWindow,
  };
}

export async function mintAndApprove(
  env: Env,
  token: MockERC20,
  who: HardhatEthersSigner,
  amount: bigint,
  spender?: string,
): Promise<void> {
  await token.mint(who.address, amount);
  await token.connect(who).approve(spender ?? (await env.sys.engine.getAddress()), amount);
}

/** Deposits quote units (or a listed collateral by symbol) into `who`'s sub-account. */
export async function deposit(
  env: Env,
  who: HardhatEthersSigner,
  amount: bigint,
  symbol?: string,
  sub = 0,
): Promise<bigint> {
  const token = symbol === undefined ? env.sys.quote : env.sys.collaterals[symbol];
  await mintAndApprove(env, token, who, amount);
  await env.sys.engine.connect(who).deposit(sub, await token.getAddress(), amount);
  const id = accountId(who.address, sub);
  env.accounts.add(id);
  return id;
}

/** A market order at any fill price. */
export async function trade(
  env: Env,
  who: HardhatEthersSigner,
  marketId: number,
  sizeDelta: bigint,
  sub = 0,
): Promise<void> {
  const id = accountId(who.address, sub);
  env.accounts.add(id);
  const acceptable = sizeDelta > 0n ? MaxUint256 : 1n;
  await env.sys.engine.connect(who).modifyPosition(id, marketId, sizeDelta, acceptable, MaxUint256);
}

/** Sets a market's liquidation cap (USD of notional per window, 0 = none) and its window
 *  (seconds), leaving its other limits as they are. */
export async function setCap(
  env: Env,
  marketId: number,
  cap: bigint,
  window: number,
): Promise<void> {
  const m = await env.sys.engine.getMarket(marketId);
  await env.sys.engine.setMarketLimits(marketId, {
    maxOpenInterest: m.maxOpenInterest,
    maxOiPoolRatio: m.maxOiPoolRatio,
    maxNetExposureRatio: m.maxNetExposureRatio,
    maxLiquidationPerWindowUsd: cap,
    liquidationWindow: window,
  });
}

export async function setMarketPrice(env: Env, marketId: number, price: string): Promise<void> {
  const feed = MockV3Aggregator__factory.connect(
    (await env.sys.engine.getMarket(marketId)).feed,
    env.deployer,
  );
  await feed.updateAnswer(feedAnswer(price, Number(await feed.decimals())));
}

export async function setCollateralPrice(env: Env, symbol: string, price: string): Promise<void> {
  const feed = env.sys.collateralFeeds[symbol];
  await feed.updateAnswer(feedAnswer(price, Number(await feed.decimals())));
}

/** Fixes the next block's timestamp (so the model can use it) and returns it. */
export async function nextTimestamp(dt = 1n): Promise<bigint> {
  const t = BigInt(await time.latest()) + dt;
  await time.setNextBlockTimestamp(t);
  return t;
}

export function parsedLogs(env: Env, receipt: ContractTransactionReceipt): LogDescription[] {
  const engine = env.sys.engine.target.toString().toLowerCase();
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === engine)
    .map((l) => env.sys.engine.interface.parseLog(l))
    .filter((l): l is LogDescription => l !== null);
}

export function eventsNamed(logs: LogDescription[], name: string): LogDescription[] {
  return logs.filter((l) => l.name === name);
}

export interface LiquidationRun {
  expected: ExpectedLiquidation;
  receipt: ContractTransactionReceipt;
  logs: LogDescription[];
  now: bigint;
}

/**
 * Liquidates `account` and checks, against the model: every PositionLiquidated,
 * LiquidationFeePaid, OrderCancelled, CollateralSoldToFund and BadDebtSettled event, the keeper's
 * and the fund's quote tokens, the account's positions and quote balance, the pool ledger and
 * the conservation invariants.
 */
export async function liquidateChecked(
  env: Env,
  account: bigint,
  opts: {
    keeper?: HardhatEthersSigner;
    maxNotionalUsd?: bigint;
    dt?: bigint;
    stale?: number[];
    staleTokens?: string[];
  } = {},
): Promise<LiquidationRun> {
  const { engine, quote } = env.sys;
  const keeper = opts.keeper ?? env.keeper;
  const max = opts.maxNotionalUsd ?? 0n;
  const snap = await snapshot(env, account);
  const keeperBefore = await quote.balanceOf(keeper.address);
  const poolBefore = await engine.poolBalance();
  const now = await nextTimestamp(opts.dt);
  const expected = expectLiquidation(snap, env.liq, now, max, opts.stale, opts.staleTokens);
  const tx = await engine.connect(keeper).liquidate(account, max);
  const receipt = (await tx.wait())!;
  const logs = parsedLogs(env, receipt);

  const closed = eventsNamed(logs, "PositionLiquidated").map((l) => ({
    account: l.args.account,
    marketId: Number(l.args.marketId),
    keeper: l.args.keeper,
    sizeClosed: l.args.sizeClosed,
    price: l.args.price,
    notional: l.args.notionalUsd,
  }));
  expect(closed).to.deep.equal(
    expected.closes.map((c) => ({
      account,
      marketId: c.marketId,
      keeper: keeper.address,
      sizeClosed: c.sizeClosed,
      price: c.price,
      notional: c.notional,
    })),
  );
  const fees = eventsNamed(logs, "LiquidationFeePaid").map((l) => [...l.args]);
  const f = expected.fee;
  expect(fees).to.deep.equal(
    f ? [[account, keeper.address, f.notional, f.fee, f.reward, f.toFund]] : [],
  );
  const cancelled = eventsNamed(logs, "OrderCancelled").map((l) => Number(l.args.marketId));
  expect(cancelled).to.deep.equal(expected.cancelledOrders);
  const sold = eventsNamed(logs, "CollateralSoldToFund").map((l) => [...l.args]);
  const bad = eventsNamed(logs, "BadDebtSettled").map((l) => [...l.args]);
  const b = expected.badDebt;
  expect(sold).to.deep.equal(b ? b.sales.map((x) => [account, x.token, x.amount, x.paid]) : []);
  expect(bad).to.deep.equal(
    b && b.deficit !== 0n ? [[account, b.deficit, b.covered, b.socialised]] : [],
  );

  expect((await engine.getAccount(account)).quoteBalance).to.equal(expected.quoteBalance);
  for (const [id, p] of expected.positions) {
    const got = await engine.getPosition(account, id);
    expect([got.size, got.entryPrice, got.fundingIndex]).to.deep.equal([
      p.size,
      p.entryPrice,
      p.fundingIndex,
    ]);
  }
  for (const [id, st] of expected.marketStates) {
    const got = await engine.getMarketState(id);
    expect([
      got.longOI,
      got.shortOI,
      got.fundingRate,
      got.fundingIndex,
      got.lastFundingTime,
      got.netBasis,
    ]).to.deep.equal([
      st.longOI,
      st.shortOI,
      st.fundingRate,
      st.fundingIndex,
      st.lastFundingTime,
      st.netBasis,
    ]);
  }
  for (const [id, w] of expected.windows) {
    const got = await engine.getMarketState(id);
    expect([got.windowStart, got.liquidatedInWindow]).to.deep.equal([
      w.windowStart,
      w.liquidatedInWindow,
    ]);
  }
  const keeperGot = (await quote.balanceOf(keeper.address)) - keeperBefore;
  expect(keeperGot).to.equal(f?.reward ?? 0n);
  const fundDelta = (await fundHoldings(env.sys)) - snap.fundQuote;
  expect(fundDelta).to.equal((f?.toFund ?? 0n) - (b?.fundPaid ?? 0n));
  expect((await engine.poolBalance()) - poolBefore).to.equal(expected.poolDelta);
  await expectConservation(env);
  return { expected, receipt, logs, now };
}

/**
 * Invariant 1 for the quote token (engine tokens == signed account balances + pool ledger +
 * the penalties accrued for the fund, INV-70) and
 * for every collateral token (engine tokens == sum of account balances == totalDeposited).
 */
export async function expectConservation(env: Env): Promise<void> {
  const { engine, quote } = env.sys;
  const engineAddr = await engine.getAddress();
  let sum = 0n;
  let debt = 0n;
  for (const a of env.accounts) {
    const qb = (await engine.getAccount(a)).quoteBalance;
    sum += qb;
    if (qb < 0n) debt -= qb;
  }
  expect(await quote.balanceOf(engineAddr)).to.equal(
    sum + (await engine.poolBalance()) + (await insuranceAccrued(env.sys.engine)),
  );
  expect(await engine.traderDebt(), "INV-46: traderDebt == sum of negative balances").to.equal(
    debt,
  );
  for (const token of Object.values(env.sys.collaterals)) {
    const addr = await token.getAddress();
    let total = 0n;
    for (const a of env.accounts) total += await engine.collateralBalance(a, addr);
    expect(await token.balanceOf(engineAddr)).to.equal(total);
    expect((await engine.getCollateral(addr)).totalDeposited).to.equal(total);
  }
}

/**
 * `liquidateCollateral` checked against the window-aware model, including the settlement that
 * follows when it leaves no position, no collateral and debt (INV-29): BadDebtSettled with the
 * fund's cover (then the pool's share), the account at zero, the pool ledger, conservation.
 * Reverts (the transaction's error) when the model says nothing can be seized.
 */
export async function liquidateCollateralChecked(
  env: Env,
  liquidator: HardhatEthersSigner,
  account: bigint,
  symbol: string,
  maxRepay: bigint,
): Promise<ExpectedSeizure & { deficit: bigint; covered: bigint; socialised: bigint }> {
  const { engine, quote, insuranceFund } = env.sys;
  const token = env.sys.collaterals[symbol];
  const tokenAddr = await token.getAddress();
  const snap = await snapshot(env, account);
  await mintAndApprove(env, quote, liquidator, maxRepay);
  const now = await nextTimestamp();
  const e = expectSeizure(snap, env.liq, now, tokenAddr, maxRepay);
  const q0 = await quote.balanceOf(liquidator.address);
  const c0 = await token.balanceOf(liquidator.address);
  const pool0 = await engine.poolBalance();
  const before = await engine.collateralBalance(account, tokenAddr);
  const tx = engine.connect(liquidator).liquidateCollateral(account, tokenAddr, maxRepay);
  await expect(tx)
    .to.emit(engine, "CollateralLiquidated")
    .withArgs(account, tokenAddr, liquidator.address, e.repaid, e.seized);
  expect(q0 - (await quote.balanceOf(liquidator.address))).to.equal(e.repaid);
  expect((await token.balanceOf(liquidator.address)) - c0).to.equal(e.seized);
  expect(await engine.collateralBalance(account, tokenAddr)).to.equal(before - e.seized);
  const left = snap.quoteBalance + e.repaid;
  const noCollateral = snap.collaterals.every((c) =>
    c.token === tokenAddr ? c.amount === e.seized : c.amount === 0n,
  );
  let deficit = 0n;
  let covered = 0n;
  if (snap.positions.length === 0 && noCollateral && left < 0n) {
    deficit = -left;
    covered = deficit < snap.fundQuote ? deficit : snap.fundQuote;
    await expect(tx)
      .to.emit(engine, "BadDebtSettled")
      .withArgs(account, deficit, covered, deficit - covered);
    // The settlement swept the accrued penalties to the fund first.
    expect(await insuranceAccrued(env.sys.engine)).to.equal(0n);
    expect(await quote.balanceOf(await insuranceFund.getAddress())).to.equal(
      snap.fundQuote - covered,
    );
  } else {
    await expect(tx).not.to.emit(engine, "BadDebtSettled");
  }
  expect((await engine.getAccount(account)).quoteBalance).to.equal(deficit === 0n ? left : 0n);
  expect((await engine.poolBalance()) - pool0).to.equal(covered - deficit);
  await expectConservation(env);
  return { ...e, deficit, covered, socialised: deficit - covered };
}

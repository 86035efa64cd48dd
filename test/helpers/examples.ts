/**
 * Setup and independent models for the example integrations (contracts/examples): a deployment
 * with pool liquidity, the basis vault on ETH-PERP with instant trading off, feed moves that
 * keep the ETH market and the WETH collateral feeds together, keeper settlement of delayed
 * orders, and the vault's exit value computed from the engine's raw state with src/model.
 */
import { ethers } from "hardhat";
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { CrossmarginBasisVault } from "../../typechain-types";
import { loadSystem, System } from "./fixture";
import { accountId } from "../../src/common/accounts";
import { feedAnswer, units, wad } from "../../src/common/units";
import * as M from "../../src/model";
import { toModelParams, toModelState } from "../../src/common/market-view";

import { ETH } from "../../src/common/constants";
import { keeperCredit } from "./orders";

export { ETH };
export const QUOTE_DECIMALS = 6;
export const QUOTE_SCALE = 10n ** 12n;
export const KEEPER_FEE = units("1", QUOTE_DECIMALS);
export const VIRTUAL_SHARES = 10n ** 6n;
export const WAD = 10n ** 18n;
export const weth = (v: string): bigint => units(v, 18);

export interface VaultEnv {
  sys: System;
  vault: CrossmarginBasisVault;
  vaultAccount: bigint;
  admin: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  attacker: HardhatEthersSigner;
}

/** Mints 10M USDC to the deployer and deposits it into the pool. */
export async function fundPool(sys: System): Promise<void> {
  const [deployer] = await ethers.getSigners();
  const lp = units("10000000", QUOTE_DECIMALS);
  await sys.quote.mint(deployer.address, lp);
  await sys.quote.connect(deployer).approve(await sys.pool.getAddress(), lp);
  await sys.pool.connect(deployer).deposit(lp, deployer.address);
}

/** The deployment with pool liquidity, ETH-PERP without instant trading and the basis vault. */
export async function vaultFixture(): Promise<VaultEnv> {
  const sys = await loadSystem();
  const [admin, keeper, alice, bob, attacker] = await ethers.getSigners();
  await fundPool(sys);
  await sys.engine.setMarketOrderParams(ETH, {
    instantTrading: false,
    minOrderDelay: 2,
    maxOrderAge: 7200,
  });
  const wethToken = sys.collaterals.WETH;
  const vault = await (
    await ethers.getContractFactory("CrossmarginBasisVault", admin)
  ).deploy(
    await sys.engine.getAddress(),
    await wethToken.getAddress(),
    ETH,
    admin.address,
    "Crossmargin ETH basis",
    "cmBASIS",
  );
  for (const who of [alice, bob, attacker]) {
    await wethToken.mint(who.address, weth("1000"));
    await wethToken.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
  }
  const vaultAccount = accountId(await vault.getAddress(), 0);
  return { sys, vault, vaultAccount, admin, keeper, alice, bob, attacker };
}

/** Publishes `price` on both the ETH-PERP and the WETH feeds, at `at` when given. */
export async function setEthPrice(sys: System, price: string, at?: bigint): Promise<void> {
  if (at !== undefined) await time.setNextBlockTimestamp(at);
  await sys.marketFeeds[ETH].updateAnswer(feedAnswer(price));
  await sys.collateralFeeds.WETH.updateAnswer(feedAnswer(price));
}

/**
 * Publishes `price` on both ETH feeds once the pending order of `account` may settle (at its
 * earliest settlement time, or the next block if that has passed), as a keeper waits for it.
 */
export async function publishForOrder(sys: System, account: bigint, price: string): Promise<void> {
  const order = await sys.engine.getOrder(account, ETH);
  if (order.commitTime === 0n) throw new Error("publishForOrder: no pending order");
  const next = BigInt(await time.latest()) + 1n;
  await setEthPrice(sys, price, next > order.earliestSettlement ? next : order.earliestSettlement);
}

/** A keeper settles the pending order of `account` at time `at` with the round the engine names. */
export async function keeperSettle(
  sys: System,
  keeper: HardhatEthersSigner,
  account: bigint,
  at: bigint,
): Promise<void> {
  const [, settleable, , round] = await sys.engine.orderStatus(account, ETH);
  if (!settleable) throw new Error("keeperSettle: order not settleable");
  await time.setNextBlockTimestamp(at);
  await sys.engine.connect(keeper).settleOrder(account, ETH, round);
}

/**
 * The model's outcome of the pending order's fill at `price` at time `now` (the state it starts
 * from is read from the chain; the arithmetic is src/model's).
 */
export async function modelFill(
  sys: System,
  account: bigint,
  sizeDelta: bigint,
  price: bigint,
  now: bigint,
): Promise<M.TradeResult> {
  const params = toModelParams(await sys.engine.getMarket(ETH));
  const st = toModelState(await sys.engine.getMarketState(ETH));
  const p = await sys.engine.getPosition(account, ETH);
  return M.applyTrade(
    st,
    params,
    { size: p.size, entryPrice: p.entryPrice, fundingIndex: p.fundingIndex },
    sizeDelta,
    price,
    now,
    QUOTE_DECIMALS,
  );
}

/** The vault's ledger as the test tracks it along a price path. */
export interface Ledger {
  weth: bigint; // collateral, token units
  quote: bigint; // quote balance, quote units
  position: M.Position;
}

/**
 * The vault's exit value in WETH at time `now` with ETH at `price` (both feeds), from a ledger
 * the test built itself: collateral + (quote + PnL at the closing fill - close fee - funding -
 * pending keeper fee) / price, non-WETH value rounded down and a debt rounded up.
 */
export async function modelExitValue(
  sys: System,
  ledger: Ledger,
  price: bigint,
  now: bigint,
  pendingKeeperFee = 0n,
): Promise<bigint> {
  const params = toModelParams(await sys.engine.getMarket(ETH));
  const st = toModelState(await sys.engine.getMarketState(ETH));
  let usd = (ledger.quote - pendingKeeperFee) * QUOTE_SCALE;
  const pos = ledger.position;
  if (pos.size !== 0n) {
    const skew = M.skewOf(st);
    const fill = M.fillPrice(price, skew, -pos.size, params.skewScale);
    const { fee } = M.orderFee(skew, -pos.size, fill, params.makerFee, params.takerFee);
    const { indexNow } = M.accrueFunding(st, params, price, now);
    usd += M.sMulFloor(pos.size, fill - pos.entryPrice);
    usd -= M.sMulCeil(pos.size, indexNow - pos.fundingIndex);
    usd -= fee;
  }
  if (usd >= 0n) return ledger.weth + (usd * WAD) / price;
  const debt = M.divCeil(-usd * WAD, price);
  return debt >= ledger.weth ? 0n : ledger.weth - debt;
}

/** ERC-4626 with 10^6 virtual shares: floor(assets * (supply + V) / (ta + 1)). */
export const toShares = (assets: bigint, ta: bigint, supply: bigint): bigint =>
  (assets * (supply + VIRTUAL_SHARES)) / (ta + 1n);

/** floor(shares * (ta + 1) / (supply + V)). */
export const toAssets = (shares: bigint, ta: bigint, supply: bigint): bigint =>
  (shares * (ta + 1n)) / (supply + VIRTUAL_SHARES);

/** Fills the vault's pending order at `price` through a keeper; returns the updated ledger. */
export async function settleAndBook(env: VaultEnv, ledger: Ledger, price: string): Promise<Ledger> {
  const { sys, vaultAccount, keeper } = env;
  const order = await sys.engine.getOrder(vaultAccount, ETH);
  await publishForOrder(sys, vaultAccount, price);
  const at = BigInt(await time.latest()) + 1n;
  const r = await modelFill(sys, vaultAccount, order.sizeDelta, wad(price), at);
  const keeperBefore = await keeperCredit(sys, keeper.address);
  await keeperSettle(sys, keeper, vaultAccount, at);
  expect((await keeperCredit(sys, keeper.address)) - keeperBefore).to.equal(KEEPER_FEE);
  const next: Ledger = {
    weth: ledger.weth,
    quote: ledger.quote + r.quoteDelta - KEEPER_FEE,
    position: r.newPosition,
  };
  const p = await sys.engine.getPosition(vaultAccount, ETH);
  expect(p.size).to.equal(next.position.size);
  expect(p.entryPrice).to.equal(next.position.entryPrice);
  expect((await sys.engine.getAccount(vaultAccount)).quoteBalance).to.equal(next.quote);
  return next;
}

/** Alice deposits 10 WETH; a keeper rebalances and settles the -10 ETH hedge at 3000. */
export async function hedged(env: VaultEnv): Promise<Ledger> {
  await env.vault.connect(env.alice).deposit(weth("10"), env.alice.address);
  await env.vault.connect(env.keeper).rebalance();
  const empty: Ledger = {
    weth: weth("10"),
    quote: 0n,
    position: { size: 0n, entryPrice: 0n, fundingIndex: 0n },
  };
  return settleAndBook(env, empty, "3000");
}

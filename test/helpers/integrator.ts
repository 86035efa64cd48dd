/**
 * The fixture an integrator starts from: the real local deployment (deploy scripts), a pool
 * funded by an LP so that trades fit the open-interest and net-exposure caps (both scale with
 * the pool's balance: a pool without liquidity rejects every trade that adds risk with
 * `OpenInterestCapExceeded`), a trader with quote collateral in sub-account 0, and helpers to
 * mint tokens, fund accounts, move prices and price a trade with a slippage bound.
 */
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployWithHardhat } from "../../deploy/hardhat";
import { accountId } from "../../src/common/accounts";
import { FAR } from "../../src/common/constants";
import { units } from "../../src/common/units";
import type { System } from "./fixture";
import { fundCollateral, fundQuote, provideLiquidity, setMarketPrice } from "./trading";

/** Pool liquidity the fixture's LP deposits (quote units): 5,000,000 USDC. */
export const INTEGRATOR_POOL_LIQUIDITY = units("5000000", 6);
/** Quote collateral the fixture's trader holds in sub-account 0: 100,000 USDC. */
export const INTEGRATOR_TRADER_COLLATERAL = units("100000", 6);

export interface IntegratorEnv extends System {
  admin: HardhatEthersSigner;
  lp: HardhatEthersSigner;
  /** Funded trader (signer 2) ... */
  trader: HardhatEthersSigner;
  /** ... and its sub-account 0, holding `INTEGRATOR_TRADER_COLLATERAL`. */
  traderAccount: bigint;
  /** Signers 3.. with ETH only: fund them with `mintQuote` / `depositQuote`. */
  others: HardhatEthersSigner[];
  /** The pool shares the LP received. */
  lpShares: bigint;
}

async function integratorSetup(): Promise<IntegratorEnv> {
  const sys = await deployWithHardhat(hre, { persist: false });
  const [admin, lp, trader, ...others] = await ethers.getSigners();
  const lpShares = await provideLiquidity(sys, lp, INTEGRATOR_POOL_LIQUIDITY);
  const traderAccount = await fundQuote(sys, trader, INTEGRATOR_TRADER_COLLATERAL, 0);
  return { ...sys, admin, lp, trader, traderAccount, others, lpShares };
}

/** The integrator fixture (snapshotted: each call after the first restores the same state). */
export function integratorFixture(): Promise<IntegratorEnv> {
  return loadFixture(integratorSetup);
}

/** Mints `amount` quote units (USDC, 6 decimals) to `to`; the mock token mints freely. */
export async function mintQuote(env: System, to: string, amount: bigint): Promise<void> {
  if (amount <= 0n) throw new Error(`mint amount must be > 0, got ${amount}`);
  await (await env.quote.mint(to, amount)).wait();
}

/** Mints `amount` of collateral `symbol` (e.g. "WETH", in its own units) to `to`. */
export async function mintCollateral(
  env: System,
  symbol: string,
  to: string,
  amount: bigint,
): Promise<void> {
  const token = env.collaterals[symbol];
  if (!token) {
    throw new Error(`unknown collateral ${symbol} (have ${Object.keys(env.collaterals)})`);
  }
  if (amount <= 0n) throw new Error(`mint amount must be > 0, got ${amount}`);
  await (await token.mint(to, amount)).wait();
}

/** Mints and deposits `amount` quote units into `user`'s sub-account `sub`; returns its id. */
export function depositQuote(
  env: System,
  user: HardhatEthersSigner,
  amount: bigint,
  sub = 0,
): Promise<bigint> {
  return fundQuote(env, user, amount, sub);
}

/** Mints and deposits collateral `symbol` into `user`'s sub-account `sub`; returns its id. */
export async function depositCollateral(
  env: System,
  user: HardhatEthersSigner,
  symbol: string,
  amount: bigint,
  sub = 0,
): Promise<bigint> {
  await fundCollateral(env, user, symbol, amount, sub);
  return accountId(user.address, sub);
}

/** Publishes `price` (a decimal string, USD) on market `marketId`'s feed. */
export function setPrice(env: System, marketId: number, price: string): Promise<void> {
  return setMarketPrice(env, marketId, price);
}

/** Moves time forward by `seconds` (the feeds' heartbeat is a day on the local deployment). */
export async function wait(seconds: number): Promise<void> {
  await time.increase(seconds);
}

/** The acceptable price for a trade of `sizeDelta` with `slippageBps` of tolerance over the
 *  engine's quote now (price WAD): above the fill for a buy, below it for a sell. */
export async function boundedPrice(
  env: System,
  marketId: number,
  sizeDelta: bigint,
  slippageBps = 50,
): Promise<bigint> {
  const [fill] = await env.engine.quoteTrade(marketId, sizeDelta);
  const bps = BigInt(slippageBps);
  return sizeDelta > 0n ? (fill * (10_000n + bps)) / 10_000n : (fill * (10_000n - bps)) / 10_000n;
}

/** Trades `sizeDelta` in `marketId` on `account` with a slippage bound from `boundedPrice`. */
export async function hedge(
  env: IntegratorEnv,
  marketId: number,
  sizeDelta: bigint,
  opts: { signer?: HardhatEthersSigner; account?: bigint; slippageBps?: number } = {},
) {
  const signer = opts.signer ?? env.trader;
  const account = opts.account ?? env.traderAccount;
  const bound = await boundedPrice(env, marketId, sizeDelta, opts.slippageBps);
  const tx = await env.engine
    .connect(signer)
    .modifyPosition(account, marketId, sizeDelta, bound, FAR);
  return tx.wait();
}

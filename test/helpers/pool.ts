/**
 * LP exits are ERC-7540 redeem requests (docs/specs.md INV-47): request, wait `redeemDelay`,
 * claim through `redeem` / `withdraw` within `claimWindow`. Helpers for tests that just need an
 * LP out, and a TypeScript model of the claim math (docs/math.md, "LP exits").
 */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { System } from "./fixture";
import { refreshFeeds } from "./trading";
import { WAD, divCeil } from "../../src/model";

/** 10^decimalsOffset virtual shares (LiquidityPool uses an offset of 6). */
export const VIRTUAL = 10n ** 6n;
export { WAD };

/** Model: floor(assets * (supply + V) / (ta + 1)). */
export const assetsToShares = (assets: bigint, ta: bigint, supply: bigint) =>
  (assets * (supply + VIRTUAL)) / (ta + 1n);

/** Model: floor(shares * (ta + 1) / (supply + V)). */
export const sharesToAssets = (shares: bigint, ta: bigint, supply: bigint) =>
  (shares * (ta + 1n)) / (supply + VIRTUAL);

/** Model of `redeem(shares)` at pool value `ta` and `supply`: gross floors, the fee ceils. */
export function claimRedeem(shares: bigint, ta: bigint, supply: bigint, feeRate = 0n) {
  const gross = sharesToAssets(shares, ta, supply);
  const fee = divCeil(gross * feeRate, WAD);
  return { gross, fee, assets: gross - fee };
}

/** Model of `withdraw(assets)`: gross = ceil(assets / (1 - rate)), shares = ceil(gross in shares). */
export function claimWithdraw(assets: bigint, ta: bigint, supply: bigint, feeRate = 0n) {
  const gross = divCeil(assets * WAD, WAD - feeRate);
  const shares = divCeil(gross * (supply + VIRTUAL), ta + 1n);
  return { gross, fee: gross - assets, shares };
}

/** Moves time past the controller's claimableAt (or the pool's delay) and refreshes the feeds. */
export async function waitForClaim(env: System, controller?: string): Promise<void> {
  let until: bigint;
  if (controller) until = (await env.pool.redeemRequest(controller)).claimableAt;
  else until = BigInt(await time.latest()) + (await env.pool.redeemDelay());
  if (BigInt(await time.latest()) < until) await time.increaseTo(until);
  await refreshFeeds(env);
}

/** Moves to `ts - 30` and refreshes the feeds (a few blocks), so `ts` itself is still ahead. */
export async function approach(env: System, ts: bigint): Promise<void> {
  await time.increaseTo(ts - 30n);
  await refreshFeeds(env);
}

/** `lp` requests `shares` for itself and waits until they are claimable. */
export async function requestAndWait(
  env: System,
  lp: HardhatEthersSigner,
  shares: bigint,
): Promise<void> {
  await env.pool.connect(lp).requestRedeem(shares, lp.address, lp.address);
  await waitForClaim(env, lp.address);
}

/** Request, wait the delay, claim: returns the quote units `lp` received. */
export async function exitPool(
  env: System,
  lp: HardhatEthersSigner,
  shares: bigint,
): Promise<bigint> {
  await requestAndWait(env, lp, shares);
  const before = await env.quote.balanceOf(lp.address);
  await env.pool.connect(lp).redeem(shares, lp.address, lp.address);
  return (await env.quote.balanceOf(lp.address)) - before;
}

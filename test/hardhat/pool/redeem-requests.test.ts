// LP exits as ERC-7540 asynchronous redeem requests (docs/specs.md INV-47, INV-48): shares move
// into escrow and stay in totalSupply, become claimable after `redeemDelay` for `claimWindow`,
// and are claimed through redeem / withdraw at the pool's value at claim time, less the exit
// fee, which stays with the remaining LPs. Expected amounts come from the TypeScript model
// (src/model via model-world, test/helpers/pool.ts), not from the contract.
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import {
  Env,
  LP_LIQUIDITY,
  advance,
  fundQuote,
  loadTrading,
  provideLiquidity,
  refreshFeeds,
  setLimits,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, expectConservation } from "../../helpers/model-world";
import { VIRTUAL, approach, claimRedeem, claimWithdraw, sharesToAssets } from "../../helpers/pool";
import { ETH } from "../../../src/common";

const DAY = 86_400;
const HOUR = 3600;

describe("pool: ERC-7540 redeem requests (INV-47, INV-48)", () => {
  let env: Env;
  let carol: HardhatEthersSigner;
  let pool: Env["pool"];
  let poolAddr: string;

  beforeEach(async () => {
    env = await loadTrading();
    carol = env.users[5];
    pool = env.pool;
    poolAddr = await pool.getAddress();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  /** The model's totalAssets (value floored at 0) at `ts`, which becomes the next block's time. */
  async function modelTotalAssetsAt(ts: bigint): Promise<bigint> {
    await time.setNextBlockTimestamp(ts);
    const v = (await World.read(env)).poolValue(ts);
    return v > 0n ? v : 0n;
  }

  async function modelTotalAssetsNext(): Promise<bigint> {
    return modelTotalAssetsAt(BigInt(await time.latest()) + 1n);
  }

  async function state(who: string[] = []) {
    return [
      await pool.totalSupply(),
      await pool.balanceOf(poolAddr),
      await env.engine.poolBalance(),
      ...(await Promise.all(who.map((w) => pool.balanceOf(w)))),
      ...(await Promise.all(who.map(async (w) => (await pool.redeemRequest(w)).shares))),
    ];
  }

  it("INV-47: request escrows the shares (supply unchanged), pending for the delay, claimable for the window, claimed at the model's value then", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("100000"));
    const shares = await provideLiquidity(env, carol, usdc("250000"));
    await trade(env, alice, a, ETH, wad("40"));
    const supply = await pool.totalSupply();
    const half = shares / 2n;

    const t0 = BigInt(await time.latest()) + 1n;
    await time.setNextBlockTimestamp(t0);
    await expect(pool.connect(carol).requestRedeem(half, carol.address, carol.address))
      .to.emit(pool, "RedeemRequest")
      .withArgs(carol.address, carol.address, 0n, carol.address, half)
      .and.to.emit(pool, "Transfer")
      .withArgs(carol.address, poolAddr, half);
    expect(await pool.totalSupply()).to.equal(supply);
    expect(await pool.balanceOf(poolAddr)).to.equal(half);
    expect(await pool.balanceOf(carol.address)).to.equal(shares - half);
    const r = await pool.redeemRequest(carol.address);
    expect([r.shares, r.claimableAt, r.expiresAt]).to.deep.equal([
      half,
      t0 + BigInt(DAY),
      t0 + BigInt(4 * DAY),
    ]);
    expect(await pool.pendingRedeemRequest(0, carol.address)).to.equal(half);
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(0n);
    expect(await pool.pendingRedeemRequest(1, carol.address)).to.equal(0n); // only id 0
    expect(await pool.maxRedeem(carol.address)).to.equal(0n);
    expect(await pool.maxWithdraw(carol.address)).to.equal(0n);

    // One second before claimableAt nothing is claimable.
    await approach(env, r.claimableAt);
    await time.setNextBlockTimestamp(r.claimableAt - 1n);
    await expect(pool.connect(carol).redeem(1n, carol.address, carol.address))
      .to.be.revertedWithCustomError(pool, "ERC4626ExceededMaxRedeem")
      .withArgs(carol.address, 1n, 0n);

    // At claimableAt: a third by redeem, at the model's value (assets floor).
    const third = half / 3n;
    let ta = await modelTotalAssetsAt(r.claimableAt);
    const c1 = claimRedeem(third, ta, supply);
    const before = await env.quote.balanceOf(carol.address);
    await expect(pool.connect(carol).redeem(third, carol.address, carol.address))
      .to.emit(pool, "Withdraw")
      .withArgs(carol.address, carol.address, carol.address, c1.assets, third)
      .and.to.emit(pool, "TotalAssetsRecorded")
      .withArgs(ta - c1.assets)
      .and.not.to.emit(pool, "ExitFeeCharged");
    expect((await env.quote.balanceOf(carol.address)) - before).to.equal(c1.assets);
    expect(await pool.totalSupply()).to.equal(supply - third);
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(half - third);
    expect(await pool.pendingRedeemRequest(0, carol.address)).to.equal(0n);

    // An hour later: 1,000 USDC by withdraw (shares ceil), at the model's value then.
    await advance(env, HOUR);
    ta = await modelTotalAssetsNext();
    const c2 = claimWithdraw(usdc("1000"), ta, supply - third);
    await expect(pool.connect(carol).withdraw(usdc("1000"), carol.address, carol.address))
      .to.emit(pool, "Withdraw")
      .withArgs(carol.address, carol.address, carol.address, usdc("1000"), c2.shares);
    const left = half - third - c2.shares;
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(left);
    expect(await pool.balanceOf(poolAddr)).to.equal(left);

    // The rest: maxRedeem is all of it; the request is gone afterwards.
    expect(await pool.maxRedeem(carol.address)).to.equal(left);
    await pool.connect(carol).redeem(left, carol.address, carol.address);
    const gone = await pool.redeemRequest(carol.address);
    expect([gone.shares, gone.claimableAt, gone.expiresAt]).to.deep.equal([0n, 0n, 0n]);
    expect(await pool.balanceOf(poolAddr)).to.equal(0n);
  });

  it("INV-47: after the window the request counts as neither pending nor claimable; cancel returns the shares; a new request re-arms them", async () => {
    const shares = await provideLiquidity(env, carol, usdc("10000"));
    await pool.connect(carol).requestRedeem(shares - 1n, carol.address, carol.address);
    const r = await pool.redeemRequest(carol.address);
    await time.increaseTo(r.expiresAt);
    await refreshFeeds(env);
    expect(await pool.pendingRedeemRequest(0, carol.address)).to.equal(0n);
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(0n);
    expect(await pool.maxRedeem(carol.address)).to.equal(0n);
    expect(await pool.maxWithdraw(carol.address)).to.equal(0n);
    expect((await pool.redeemRequest(carol.address)).shares).to.equal(shares - 1n);
    await expect(pool.connect(carol).redeem(1n, carol.address, carol.address))
      .to.be.revertedWithCustomError(pool, "ERC4626ExceededMaxRedeem")
      .withArgs(carol.address, 1n, 0n);
    await expect(pool.connect(carol).withdraw(1n, carol.address, carol.address))
      .to.be.revertedWithCustomError(pool, "ERC4626ExceededMaxWithdraw")
      .withArgs(carol.address, 1n, 0n);

    // Re-arm: a new request folds the expired shares in and restarts the delay for all.
    const t = BigInt(await time.latest()) + 1n;
    await time.setNextBlockTimestamp(t);
    await pool.connect(carol).requestRedeem(1n, carol.address, carol.address);
    expect(await pool.pendingRedeemRequest(0, carol.address)).to.equal(shares); // shares - 1 + 1
    expect((await pool.redeemRequest(carol.address)).claimableAt).to.equal(t + BigInt(DAY));

    // Cancel (pending now) returns everything to the controller.
    await expect(pool.connect(carol).cancelRedeemRequest(carol.address))
      .to.emit(pool, "RedeemRequestCanceled")
      .withArgs(carol.address, carol.address, shares)
      .and.to.emit(pool, "Transfer")
      .withArgs(poolAddr, carol.address, shares);
    expect(await pool.balanceOf(carol.address)).to.equal(shares);
    expect(await pool.balanceOf(poolAddr)).to.equal(0n);
    await expect(pool.connect(carol).cancelRedeemRequest(carol.address))
      .to.be.revertedWithCustomError(pool, "NoRedeemRequest")
      .withArgs(carol.address);
  });

  it("INV-47: expired request cancelled; a claimable request can be cancelled too", async () => {
    const shares = await provideLiquidity(env, carol, usdc("10000"));
    await pool.connect(carol).requestRedeem(shares, carol.address, carol.address);
    await time.increaseTo((await pool.redeemRequest(carol.address)).expiresAt + 1n);
    await pool.connect(carol).cancelRedeemRequest(carol.address);
    expect(await pool.balanceOf(carol.address)).to.equal(shares);
    await pool.connect(carol).requestRedeem(shares, carol.address, carol.address);
    await time.increaseTo((await pool.redeemRequest(carol.address)).claimableAt);
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(shares);
    await pool.connect(carol).cancelRedeemRequest(carol.address);
    expect(await pool.balanceOf(carol.address)).to.equal(shares);
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(0n);
  });

  it("INV-47: a second request adds its shares and restarts the delay for the whole amount", async () => {
    const shares = await provideLiquidity(env, carol, usdc("10000"));
    const t0 = BigInt(await time.latest()) + 1n;
    await time.setNextBlockTimestamp(t0);
    await pool.connect(carol).requestRedeem(shares / 4n, carol.address, carol.address);
    // Claimable already, then more shares: all of them wait a full delay again.
    const t1 = t0 + BigInt(DAY) + 10n;
    await time.increaseTo(t1 - 1n);
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(shares / 4n);
    await time.setNextBlockTimestamp(t1);
    await pool.connect(carol).requestRedeem(shares / 4n, carol.address, carol.address);
    const r = await pool.redeemRequest(carol.address);
    expect([r.shares, r.claimableAt, r.expiresAt]).to.deep.equal([
      (shares / 4n) * 2n,
      t1 + BigInt(DAY),
      t1 + BigInt(4 * DAY),
    ]);
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(0n);
    expect(await pool.pendingRedeemRequest(0, carol.address)).to.equal((shares / 4n) * 2n);
    await time.increaseTo(r.claimableAt);
    await refreshFeeds(env);
    expect(await pool.maxRedeem(carol.address)).to.equal((shares / 4n) * 2n);
  });

  it("INV-47: operators request, claim and cancel for their controller; allowance spenders request; strangers revert and change nothing", async () => {
    const [op, stranger, receiver] = env.users;
    const shares = await provideLiquidity(env, carol, usdc("10000"));
    await expect(pool.connect(carol).setOperator(op.address, true))
      .to.emit(pool, "OperatorSet")
      .withArgs(carol.address, op.address, true);
    expect(await pool.isOperator(carol.address, op.address)).to.equal(true);
    await expect(
      pool.connect(carol).setOperator(carol.address, true),
    ).to.be.revertedWithCustomError(pool, "SelfOperator");
    // Operator of the owner: no allowance needed.
    expect(await pool.allowance(carol.address, op.address)).to.equal(0n);
    await expect(pool.connect(op).requestRedeem(shares / 2n, carol.address, carol.address))
      .to.emit(pool, "RedeemRequest")
      .withArgs(carol.address, carol.address, 0n, op.address, shares / 2n);

    // A stranger: no allowance; may not add to, claim or cancel carol's request.
    const watch = [carol.address, stranger.address];
    const before = await state(watch);
    await expect(pool.connect(stranger).requestRedeem(1n, carol.address, carol.address))
      .to.be.revertedWithCustomError(pool, "ERC20InsufficientAllowance")
      .withArgs(stranger.address, 0n, 1n);
    // Its own shares into carol's existing request would restart her delay: refused.
    await provideLiquidity(env, stranger, usdc("1"));
    const before2 = await state(watch);
    await expect(pool.connect(stranger).requestRedeem(1n, carol.address, stranger.address))
      .to.be.revertedWithCustomError(pool, "NotControllerOrOperator")
      .withArgs(stranger.address, carol.address);
    await time.increaseTo((await pool.redeemRequest(carol.address)).claimableAt);
    await refreshFeeds(env);
    for (const tx of [
      () => pool.connect(stranger).redeem(1n, stranger.address, carol.address),
      () => pool.connect(stranger).withdraw(1n, stranger.address, carol.address),
      () => pool.connect(stranger).cancelRedeemRequest(carol.address),
    ]) {
      await expect(tx())
        .to.be.revertedWithCustomError(pool, "NotControllerOrOperator")
        .withArgs(stranger.address, carol.address);
    }
    expect(await state(watch)).to.deep.equal(before2);
    expect(before2[1]).to.equal(before[1]); // the escrow

    // The operator claims to a receiver of its choice, and cancels the rest to carol.
    const supply = await pool.totalSupply();
    const ta = await modelTotalAssetsNext();
    const c = claimRedeem(shares / 8n, ta, supply);
    await expect(pool.connect(op).redeem(shares / 8n, receiver.address, carol.address))
      .to.emit(pool, "Withdraw")
      .withArgs(op.address, receiver.address, carol.address, c.assets, shares / 8n);
    expect(await env.quote.balanceOf(receiver.address)).to.equal(c.assets);
    await expect(pool.connect(op).cancelRedeemRequest(carol.address))
      .to.emit(pool, "RedeemRequestCanceled")
      .withArgs(carol.address, op.address, shares / 2n - shares / 8n);
    expect(await pool.balanceOf(carol.address)).to.equal(shares - shares / 8n);

    // Revoked: the operator is a stranger again. An allowance spender may request.
    await pool.connect(carol).setOperator(op.address, false);
    await expect(
      pool.connect(op).requestRedeem(1n, carol.address, carol.address),
    ).to.be.revertedWithCustomError(pool, "ERC20InsufficientAllowance");
    await pool.connect(carol).approve(op.address, 5n);
    await pool.connect(op).requestRedeem(5n, op.address, carol.address);
    expect(await pool.allowance(carol.address, op.address)).to.equal(0n);
    expect(await pool.pendingRedeemRequest(0, op.address)).to.equal(5n);
  });

  it("INV-47: zero amounts and a zero controller revert with custom errors; nothing changes", async () => {
    const shares = await provideLiquidity(env, carol, usdc("100"));
    const before = await state([carol.address]);
    const c = pool.connect(carol);
    for (const tx of [
      () => c.requestRedeem(0n, carol.address, carol.address),
      () => c.redeem(0n, carol.address, carol.address),
      () => c.withdraw(0n, carol.address, carol.address),
    ]) {
      await expect(tx()).to.be.revertedWithCustomError(pool, "ZeroAmount");
    }
    await expect(
      c.requestRedeem(shares, ethers.ZeroAddress, carol.address),
    ).to.be.revertedWithCustomError(pool, "ZeroAddress");
    await expect(c.requestRedeem(shares + 1n, carol.address, carol.address))
      .to.be.revertedWithCustomError(pool, "ERC20InsufficientBalance")
      .withArgs(carol.address, shares, shares + 1n);
    expect(await state([carol.address])).to.deep.equal(before);
  });

  it("INV-48: the exit fee stays in the pool: the remaining LP's assets grow by the fee (model), rounding for the pool", async () => {
    const rate = wad("0.0075");
    await expect(env.pool.setRedeemParams(DAY, 3 * DAY, rate))
      .to.emit(pool, "RedeemParamsSet")
      .withArgs(DAY, 3 * DAY, rate);
    const shares = await provideLiquidity(env, carol, usdc("123456.789"));
    await pool.connect(carol).requestRedeem(shares, carol.address, carol.address);
    await time.increaseTo((await pool.redeemRequest(carol.address)).claimableAt);
    const lpShares = await pool.balanceOf(env.lp.address);
    // No open interest: the value is the pool balance, constant in time.
    const ta = LP_LIQUIDITY + usdc("123456.789");
    expect(await pool.totalAssets()).to.equal(ta);
    const supply = await pool.totalSupply();
    const lpBefore = await pool.convertToAssets(lpShares);
    expect(lpBefore).to.equal(sharesToAssets(lpShares, ta, supply));

    // All by redeem: assets floor, fee ceil.
    const c1 = claimRedeem(shares, ta, supply, rate);
    expect(c1.fee).to.be.gt(0n);
    expect(await pool.maxWithdraw(carol.address)).to.equal(c1.assets);
    expect(await pool.maxRedeem(carol.address)).to.equal(shares);
    await expect(pool.connect(carol).redeem(shares, carol.address, carol.address))
      .to.emit(pool, "Withdraw")
      .withArgs(carol.address, carol.address, carol.address, c1.assets, shares)
      .and.to.emit(pool, "ExitFeeCharged")
      .withArgs(carol.address, c1.fee)
      .and.to.emit(pool, "TotalAssetsRecorded")
      .withArgs(ta - c1.assets);
    expect(await env.engine.poolBalance()).to.equal(ta - c1.assets); // the fee stayed
    // The remaining LP gained the fee, less what the virtual shares keep (under a unit).
    const lpAfter = await pool.convertToAssets(lpShares);
    expect(lpAfter).to.equal(sharesToAssets(lpShares, ta - c1.assets, supply - shares));
    expect(lpAfter - lpBefore).to.be.within(c1.fee - 1n, c1.fee);
    expect(c1.fee).to.equal((c1.gross * 75n + 9_999n) / 10_000n); // 0.75 %, rounded up

    // By withdraw of its max: gross = ceil(assets / (1 - rate)), shares ceil; the fee is
    // gross - assets, at least ceil(gross * rate).
    const [dave] = env.users;
    const s2 = await provideLiquidity(env, dave, usdc("77777.777777"));
    await pool.connect(dave).requestRedeem(s2, dave.address, dave.address);
    await time.increaseTo((await pool.redeemRequest(dave.address)).claimableAt);
    const ta2 = await pool.totalAssets();
    const supply2 = await pool.totalSupply();
    const max = claimRedeem(s2, ta2, supply2, rate).assets;
    expect(await pool.maxWithdraw(dave.address)).to.equal(max);
    const c2 = claimWithdraw(max, ta2, supply2, rate);
    expect(c2.shares).to.be.lte(s2);
    expect(c2.fee * 10n ** 18n).to.be.gte(c2.gross * rate);
    await expect(pool.connect(dave).withdraw(max + 1n, dave.address, dave.address))
      .to.be.revertedWithCustomError(pool, "ERC4626ExceededMaxWithdraw")
      .withArgs(dave.address, max + 1n, max);
    await expect(pool.connect(dave).withdraw(max, dave.address, dave.address))
      .to.emit(pool, "Withdraw")
      .withArgs(dave.address, dave.address, dave.address, max, c2.shares)
      .and.to.emit(pool, "ExitFeeCharged")
      .withArgs(dave.address, c2.fee);
    expect(await pool.totalAssets()).to.equal(ta2 - max);
    expect(await pool.claimableRedeemRequest(0, dave.address)).to.equal(s2 - c2.shares);
  });

  it("INV-47: a loss booked between request and claim is shared by the requester (trader profit while it waits)", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("200000"));
    const shares = await provideLiquidity(env, carol, usdc("500000"));
    await trade(env, alice, a, ETH, wad("100"));
    const atRequest = await pool.convertToAssets(shares);
    await pool.connect(carol).requestRedeem(shares, carol.address, carol.address);
    // ETH +10 % during the delay: the traders' open profit is the pool's loss.
    await time.increase(HOUR);
    await setMarketPrice(env, ETH, "3300");
    await time.increaseTo((await pool.redeemRequest(carol.address)).claimableAt);
    await refreshFeeds(env);
    const supply = await pool.totalSupply();
    const ta = await modelTotalAssetsNext();
    const c = claimRedeem(shares, ta, supply);
    const before = await env.quote.balanceOf(carol.address);
    await pool.connect(carol).redeem(shares, carol.address, carol.address);
    expect((await env.quote.balanceOf(carol.address)) - before).to.equal(c.assets);
    // Carol holds a third of the supply: she bears about a third of the ~30,000 USD open loss.
    const loss = atRequest - c.assets;
    expect(loss).to.be.closeTo((usdc("30000") * shares) / supply, usdc("500"));
  });

  it("INV-47 attack: an LP deposits, requests at once and claims at the earliest moment; a loss known to land before that is still borne", async () => {
    const [alice, mallory] = env.users;
    const a = await fundQuote(env, alice, usdc("300000"));
    await trade(env, alice, a, ETH, wad("200"));
    // Mallory knows ETH will print +5 % within the hour (the pool, short 200 ETH, loses ~30,000).
    const deposit = usdc("1000000");
    const shares = await provideLiquidity(env, mallory, deposit);
    await pool.connect(mallory).requestRedeem(shares, mallory.address, mallory.address);
    const claimableAt = (await pool.redeemRequest(mallory.address)).claimableAt;
    // No way out before the loss lands.
    await expect(pool.connect(mallory).redeem(shares, mallory.address, mallory.address))
      .to.be.revertedWithCustomError(pool, "ERC4626ExceededMaxRedeem")
      .withArgs(mallory.address, shares, 0n);
    await time.increase(HOUR);
    await setMarketPrice(env, ETH, "3150");
    await approach(env, claimableAt);
    const supply = await pool.totalSupply();
    const ta = await modelTotalAssetsAt(claimableAt);
    const c = claimRedeem(shares, ta, supply);
    const before = await env.quote.balanceOf(mallory.address);
    await pool.connect(mallory).redeem(shares, mallory.address, mallory.address);
    const got = (await env.quote.balanceOf(mallory.address)) - before;
    expect(got).to.equal(c.assets);
    // Mallory holds half the supply: she pays about half of the 30,000 USD loss.
    expect(deposit - got).to.be.closeTo(usdc("15000"), usdc("1000"));
  });

  it("INV-47/INV-46: claims are limited by what the engine can pay out; partial claims leave the rest claimable until the window ends", async () => {
    await setLimits(env, ETH, { maxOiPoolRatio: wad("0.5") });
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("200000"));
    const shares = await provideLiquidity(env, carol, usdc("1000000"));
    await trade(env, alice, a, ETH, wad("300")); // reserve 300 * 3000 / 0.5 = 1,800,000 USDC
    await pool.connect(carol).requestRedeem(shares, carol.address, carol.address);
    await time.increaseTo((await pool.redeemRequest(carol.address)).claimableAt);
    await refreshFeeds(env);
    const liquid = await env.engine.poolWithdrawable();
    const worth = await pool.convertToAssets(shares);
    expect(liquid).to.be.lt(worth);
    // The liquidity (pool balance less the reserve) does not move with time; the value does.
    expect(await pool.maxWithdraw(carol.address)).to.equal(liquid);
    const max = await pool.maxRedeem(carol.address);
    expect(max).to.be.lt(shares);
    await expect(
      pool.connect(carol).redeem(max + VIRTUAL * 10n ** 6n, carol.address, carol.address),
    ).to.be.revertedWithCustomError(pool, "ERC4626ExceededMaxRedeem");
    await expect(pool.connect(carol).withdraw(liquid + 1n, carol.address, carol.address))
      .to.be.revertedWithCustomError(pool, "ERC4626ExceededMaxWithdraw")
      .withArgs(carol.address, liquid + 1n, liquid);
    const ta = await modelTotalAssetsNext();
    const c = claimWithdraw(liquid, ta, await pool.totalSupply());
    await pool.connect(carol).withdraw(liquid, carol.address, carol.address);
    expect(await env.engine.poolWithdrawable()).to.equal(0n);
    expect(await pool.maxRedeem(carol.address)).to.equal(0n);
    const rest = shares - c.shares;
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(rest);
    // The trader closes: the rest can be claimed, within the window.
    await trade(env, alice, a, ETH, -wad("300"));
    expect(await pool.maxRedeem(carol.address)).to.equal(rest);
    await pool.connect(carol).redeem(rest, carol.address, carol.address);
    expect(await pool.balanceOf(poolAddr)).to.equal(0n);
  });
});

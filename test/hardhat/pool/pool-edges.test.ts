// Liquidity pool edges: ERC-4626 mint, redeem requests by an approved spender, maxWithdraw bound
// by the controller's claimable shares, the OI reserve with a zero pool ratio, an empty pool (no withdrawals,
// no open interest), the engine's own liquidity check, and re-entrancy from the engine.
import { expect } from "chai";
import { ethers } from "hardhat";
import { MaxUint256, ZeroAddress } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import {
  LiquidityPool,
  LiquidityPool__factory,
  MockERC20,
  MockERC20__factory,
  ReentrantEngine,
  ReentrantEngine__factory,
} from "../../../typechain-types";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import { loadSystem } from "../../helpers/fixture";
import { freshEngine } from "../../helpers/adversarial";
import {
  Env,
  LP_LIQUIDITY,
  MAX_UINT,
  fundQuote,
  loadTrading,
  nextTimestamp,
  provideLiquidity,
  refreshFeeds,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, expectConservation } from "../../helpers/model-world";
import { exitPool, requestAndWait, VIRTUAL, sharesToAssets as toAssets } from "../../helpers/pool";
import { ETH, FAR } from "../../../src/common";

describe("pool: liquidity pool edges", () => {
  describe("on the local deployment", () => {
    let env: Env;

    beforeEach(async () => {
      env = await loadTrading();
      await refreshFeeds(env);
    });

    afterEach(async () => {
      await expectConservation(env);
    });

    async function waitForClaim(controller: string): Promise<void> {
      await time.increaseTo((await env.pool.redeemRequest(controller)).claimableAt);
      await refreshFeeds(env);
    }

    /** The model's pool value in the next block (floored at zero), and that block's time. */
    async function nextTotalAssets(): Promise<bigint> {
      const w = await World.read(env);
      const value = w.poolValue(await nextTimestamp());
      return value > 0n ? value : 0n;
    }

    it("INV-4: mint takes previewMint assets, rounded up, and never lowers the share price", async () => {
      const [alice, carol] = env.users;
      const a = await fundQuote(env, alice, usdc("100000"));
      await trade(env, alice, a, ETH, wad("37")); // fees and open PnL make the price uneven
      const shares = 1_234_567_891n;
      await env.quote.mint(carol.address, usdc("10"));
      await env.quote.connect(carol).approve(await env.pool.getAddress(), MaxUint256);
      const supply = await env.pool.totalSupply();
      const ta = await nextTotalAssets();
      const assets = M.divCeil(shares * (ta + 1n), supply + VIRTUAL);
      expect(assets * (supply + VIRTUAL), "a rounding case").to.not.equal(shares * (ta + 1n));
      const spent = await env.quote.balanceOf(carol.address);
      await expect(env.pool.connect(carol).mint(shares, carol.address))
        .to.emit(env.pool, "Deposit")
        .withArgs(carol.address, carol.address, assets, shares);
      expect(spent - (await env.quote.balanceOf(carol.address))).to.equal(assets);
      expect(await env.pool.balanceOf(carol.address)).to.equal(shares);
      // Rounding up favours the pool: assets per share did not fall.
      const ta2 = await env.pool.totalAssets();
      expect((ta2 + 1n) * (supply + VIRTUAL)).to.be.gte((ta + 1n) * (supply + shares + VIRTUAL));
    });

    it("maxWithdraw is the controller's claimable assets when the engine could pay more; maxRedeem all its claimable shares", async () => {
      const [carol] = env.users;
      const shares = await provideLiquidity(env, carol, usdc("5000"));
      await requestAndWait(env, carol, shares);
      const liquid = await env.engine.poolWithdrawable();
      expect(liquid).to.equal(LP_LIQUIDITY + usdc("5000")); // no open interest: no reserve
      const own = toAssets(shares, LP_LIQUIDITY + usdc("5000"), await env.pool.totalSupply());
      expect(own).to.be.lt(liquid);
      expect(await env.pool.maxWithdraw(carol.address)).to.equal(own);
      expect(await env.pool.maxRedeem(carol.address)).to.equal(shares);
      await expect(env.pool.connect(carol).withdraw(own + 1n, carol.address, carol.address))
        .to.be.revertedWithCustomError(env.pool, "ERC4626ExceededMaxWithdraw")
        .withArgs(carol.address, own + 1n, own);
    });

    it("INV-47: requestRedeem by an approved spender uses the allowance, without one it reverts; the claim needs the controller or its operator", async () => {
      const [bob, spender, to] = env.users;
      const shares = await provideLiquidity(env, bob, usdc("10000"));
      const half = shares / 2n;
      const pool = env.pool;
      await expect(pool.connect(spender).requestRedeem(half, spender.address, bob.address))
        .to.be.revertedWithCustomError(pool, "ERC20InsufficientAllowance")
        .withArgs(spender.address, 0n, half);
      await pool.connect(bob).approve(spender.address, half + 10n);
      // The spender makes itself the controller of bob's shares.
      await expect(pool.connect(spender).requestRedeem(half, spender.address, bob.address))
        .to.emit(pool, "RedeemRequest")
        .withArgs(spender.address, bob.address, 0n, spender.address, half);
      expect(await pool.allowance(bob.address, spender.address)).to.equal(10n);
      expect(await pool.balanceOf(bob.address)).to.equal(shares - half);
      expect(await pool.pendingRedeemRequest(0, spender.address)).to.equal(half);
      await waitForClaim(spender.address);
      // Bob owned the shares but is not the controller: he may not claim them.
      await expect(pool.connect(bob).redeem(half, to.address, spender.address))
        .to.be.revertedWithCustomError(pool, "NotControllerOrOperator")
        .withArgs(bob.address, spender.address);
      const supply = await pool.totalSupply();
      const ta = await nextTotalAssets();
      const assets = toAssets(half, ta, supply);
      await expect(pool.connect(spender).redeem(half, to.address, spender.address))
        .to.emit(pool, "Withdraw")
        .withArgs(spender.address, to.address, spender.address, assets, half);
      expect(await env.quote.balanceOf(to.address)).to.equal(assets);
    });

    it("INV-32: maxOiPoolRatio 0 cannot be set; at the 0.1 floor the reserve is 10x the side's notional and the rest may leave", async () => {
      const [alice] = env.users;
      const a = await fundQuote(env, alice, usdc("100000"));
      await trade(env, alice, a, ETH, wad("10"));
      const c = await env.engine.getMarket(ETH);
      const limits = {
        maxOpenInterest: c.maxOpenInterest,
        maxOiPoolRatio: c.maxOiPoolRatio,
        maxNetExposureRatio: c.maxNetExposureRatio,
        maxLiquidationPerWindowUsd: c.maxLiquidationPerWindow,
        liquidationWindow: c.liquidationWindow,
      };
      await expect(env.engine.setMarketLimits(ETH, { ...limits, maxOiPoolRatio: 0 }))
        .to.be.revertedWithCustomError(env.engine, "ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("maxOiPoolRatio"), 0n, wad("0.1"), wad("10"));
      expect((await env.engine.getMarket(ETH)).maxOiPoolRatio).to.equal(c.maxOiPoolRatio);
      await env.engine.setMarketLimits(ETH, { ...limits, maxOiPoolRatio: wad("0.1") });
      // Reserve = ceil(longOI * price / 0.1) in quote units; everything else may leave.
      const st = await env.engine.getMarketState(ETH);
      const side = st.longOI > st.shortOI ? st.longOI : st.shortOI;
      const reserveUsd = M.divUp(M.mulUp(side, wad("3000")), wad("0.1"));
      const reserve = M.toQuoteCeil(reserveUsd, 6);
      const balance = await env.engine.poolBalance();
      expect(reserve).to.be.lessThan(balance);
      expect(await env.engine.poolWithdrawable()).to.equal(balance - reserve);
      await trade(env, alice, a, ETH, -wad("10"));
      expect(await env.engine.poolWithdrawable()).to.equal(await env.engine.poolBalance());
    });

    it("INV-19: an emptied pool lets nothing out", async () => {
      const lp = env.lp;
      await exitPool(env, lp, await env.pool.balanceOf(lp.address));
      expect(await env.engine.poolBalance()).to.equal(0n);
      expect(await env.engine.poolWithdrawable()).to.equal(0n);
      expect(await env.pool.maxWithdraw(lp.address)).to.equal(0n);
    });
  });

  it("INV-19: with an empty pool no position can be opened (cap 0)", async () => {
    const sys = await loadSystem();
    await refreshFeeds(sys);
    const [, , trader] = await ethers.getSigners();
    expect(await sys.engine.poolBalance()).to.equal(0n);
    // Without fees nothing reaches the pool ledger during the trade.
    const c = await sys.engine.getMarket(ETH);
    await sys.engine.setMarketTradingParams(ETH, {
      skewScale: c.skewScale,
      makerFee: 0,
      takerFee: 0,
      maxFundingVelocity: c.maxFundingVelocity,
    });
    const a = await fundQuote(sys, trader, usdc("10000"));
    await expect(
      sys.engine.connect(trader).modifyPosition(a, ETH, wad("1"), MAX_UINT, FAR, { gasLimit: 5e6 }),
    )
      .to.be.revertedWithCustomError(sys.engine, "OpenInterestCapExceeded")
      .withArgs(ETH, wad("3000"), 0n);
  });

  it("INV-19: the engine refuses a pool withdrawal beyond what it may pay (InsufficientPoolLiquidity)", async () => {
    const sys = await loadSystem();
    const [admin, pool, receiver] = await ethers.getSigners();
    const quote = await sys.quote.getAddress();
    // A bare engine whose pool is an account we control, so poolWithdraw can be called directly
    // (the LiquidityPool itself never asks for more than maxWithdraw / maxRedeem).
    const engine = await freshEngine(sys, quote);
    await engine.connect(admin).setPool(pool.address);
    expect(await engine.poolWithdrawable()).to.equal(0n); // pool balance 0
    await expect(engine.connect(pool).poolWithdraw(receiver.address, 1n))
      .to.be.revertedWithCustomError(engine, "InsufficientPoolLiquidity")
      .withArgs(0n, 1n);
    await sys.quote.mint(await engine.getAddress(), usdc("100"));
    await engine.connect(pool).poolDeposit(usdc("100"));
    expect(await engine.poolWithdrawable()).to.equal(usdc("100"));
    await expect(engine.connect(pool).poolWithdraw(receiver.address, usdc("100") + 1n))
      .to.be.revertedWithCustomError(engine, "InsufficientPoolLiquidity")
      .withArgs(usdc("100"), usdc("100") + 1n);
    expect(await engine.poolBalance()).to.equal(usdc("100"));
    await expect(engine.connect(pool).poolWithdraw(receiver.address, usdc("100")))
      .to.emit(engine, "PoolWithdrawn")
      .withArgs(receiver.address, usdc("100"), 0n);
    expect(await sys.quote.balanceOf(receiver.address)).to.equal(usdc("100"));
  });

  it("constructor with a zero engine reverts without reason (quoteToken() on address 0)", async () => {
    const [admin] = await ethers.getSigners();
    const factory = new LiquidityPool__factory(admin);
    // The ERC4626 base reads engine_.quoteToken() before the body's ZeroAddress check runs: the
    // call to an address without code returns no data, whose decoding reverts without reason.
    await expect(factory.deploy(ZeroAddress, "LP", "LP")).to.be.revertedWithoutReason();
  });

  describe("re-entered from the engine", () => {
    let quote: MockERC20;
    let engine: ReentrantEngine;
    let pool: LiquidityPool;

    beforeEach(async () => {
      const [admin] = await ethers.getSigners();
      quote = await new MockERC20__factory(admin).deploy("Q", "Q", 6);
      engine = await new ReentrantEngine__factory(admin).deploy(quote);
      pool = await new LiquidityPool__factory(admin).deploy(engine, "LP", "LP");
      await quote.mint(admin.address, usdc("1000"));
      await quote.approve(await pool.getAddress(), MaxUint256);
      await pool.deposit(usdc("500"), admin.address);
      // A claimable request of 100 USDC worth of shares, for the claims below.
      await pool.requestRedeem(usdc("100") * VIRTUAL, admin.address, admin.address);
      await time.increase(await pool.redeemDelay());
    });

    it("deposit, mint, withdraw and redeem each revert ReentrancyGuardReentrantCall whatever they re-enter; nothing changes", async () => {
      const [admin, other] = await ethers.getSigners();
      const me = admin.address;
      const i = pool.interface;
      const calls: [string, () => Promise<unknown>][] = [
        ["deposit", () => pool.deposit(usdc("1"), me)],
        ["mint", () => pool.mint(10n ** 6n, me)],
        ["withdraw", () => pool.withdraw(usdc("1"), me, me)],
        ["redeem", () => pool.redeem(10n ** 6n, me, me)],
      ];
      const nested = [
        i.encodeFunctionData("deposit", [1n, me]),
        i.encodeFunctionData("mint", [1n, me]),
        i.encodeFunctionData("withdraw", [1n, me, me]),
        i.encodeFunctionData("redeem", [1n, me, me]),
        i.encodeFunctionData("requestRedeem", [1n, me, me]),
        i.encodeFunctionData("cancelRedeemRequest", [me]),
        i.encodeFunctionData("setOperator", [other.address, true]),
        i.encodeFunctionData("setRedeemParams", [3600, 86_400, 0]),
      ];
      const before = [await pool.totalSupply(), await engine.poolBalance()];
      for (const [name, outer] of calls) {
        for (const data of nested) {
          await engine.arm(await pool.getAddress(), data);
          await expect(outer(), name).to.be.revertedWithCustomError(
            pool,
            "ReentrancyGuardReentrantCall",
          );
        }
      }
      expect([await pool.totalSupply(), await engine.poolBalance()]).to.deep.equal(before);
      expect(await pool.isOperator(me, other.address)).to.equal(false);
      // Disarmed, the same calls work, at the ERC-4626 share math (rounding for the pool).
      await engine.disarm();
      for (const [, outer] of calls) await outer();
      let [ta, supply] = [usdc("500"), usdc("500") * VIRTUAL];
      const dep = (usdc("1") * (supply + VIRTUAL)) / (ta + 1n);
      [ta, supply] = [ta + usdc("1"), supply + dep];
      const minted = M.divCeil(VIRTUAL * (ta + 1n), supply + VIRTUAL);
      [ta, supply] = [ta + minted, supply + VIRTUAL];
      const burned = M.divCeil(usdc("1") * (supply + VIRTUAL), ta + 1n);
      [ta, supply] = [ta - usdc("1"), supply - burned];
      const redeemed = toAssets(VIRTUAL, ta, supply);
      expect(await engine.poolBalance()).to.equal(ta - redeemed);
      expect(await pool.totalSupply()).to.equal(supply - VIRTUAL);
      const left = usdc("100") * VIRTUAL - burned - VIRTUAL;
      expect(await pool.claimableRedeemRequest(0, me)).to.equal(left);
      expect(await pool.balanceOf(await pool.getAddress())).to.equal(left);
    });
  });
});

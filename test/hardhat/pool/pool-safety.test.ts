// Liquidity pool safety: no deposits into an underwater pool or below the share-price floor
// (INV-41), deposits credit what arrived with a fee-on-transfer quote token (INV-42), and the
// ERC-4626 views never revert while the engine cannot price the pool, but for the previews of
// the asynchronous exits, which always revert (INV-43).
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import {
  FeeOnTransferToken__factory,
  LiquidityPool__factory,
  MockFeed,
  ReentrantToken__factory,
  ICrossmargin__factory,
} from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import { loadSystem } from "../../helpers/fixture";
import { freshEngine, mockFeed } from "../../helpers/adversarial";
import {
  Env,
  FEED_UNIT,
  advance,
  fundQuote,
  loadTrading,
  nextTimestamp,
  priceString,
  setLimits,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, expectConservation } from "../../helpers/model-world";
import {
  exitPool,
  VIRTUAL,
  assetsToShares as toShares,
  sharesToAssets as toAssets,
} from "../../helpers/pool";
import { ETH } from "../../../src/common";

/** Share price floor: 1 % of the initial price 1 / VIRTUAL (docs/math.md). */
const FLOOR_DIVISOR = 100n;

/** The model's signed pool value at `now`, with market `id` at `price` (WAD) if given. */
function valueAt(w: World, now: bigint, id?: number, price?: bigint): bigint {
  if (id === undefined || price === undefined) return w.poolValue(now);
  const saved = w.markets[id].price;
  w.markets[id].price = price;
  const v = w.poolValue(now);
  w.markets[id].price = saved;
  return v;
}

describe("pool: liquidity pool safety", () => {
  describe("INV-41: underwater pool", () => {
    let env: Env;
    let a: bigint;

    beforeEach(async () => {
      env = await loadTrading();
      const [alice, carol] = env.users;
      a = await fundQuote(env, alice, usdc("600000"));
      // The largest net-exposure cap (10x the pool, INV-45) lets one account take the pool under.
      await setLimits(env, ETH, { maxNetExposureRatio: wad("10") });
      // 1,000 ETH long at ~3,000: the pool (1,000,000 USDC) is short 3,000,000 USD of notional.
      await trade(env, alice, a, ETH, wad("1000"));
      await env.quote.mint(carol.address, usdc("1000000"));
      await env.quote.connect(carol).approve(await env.pool.getAddress(), MaxUint256);
    });

    afterEach(async () => {
      await expectConservation(env);
    });

    it("INV-41: traders' open profit above the pool balance: deposit and mint revert PoolUnderwater(value), max* are 0, nothing changes", async () => {
      const [, carol] = env.users;
      await setMarketPrice(env, ETH, "4500"); // +1,500 USD per ETH: open profit ~1.5M USDC
      const w = await World.read(env);
      const supply = await env.pool.totalSupply();
      const viewValue = w.poolValue(BigInt(await time.latest()));
      expect(viewValue, "underwater in the model").to.be.lt(0n);
      expect(await env.engine.poolValue()).to.equal(viewValue); // signed, as the model
      expect(await env.pool.totalAssets()).to.equal(0n);
      expect(await env.pool.maxDeposit(carol.address)).to.equal(0n);
      expect(await env.pool.maxMint(carol.address)).to.equal(0n);
      // Before the fix 0.001 USDC minted 1,000 x the supply: (1000 * (supply + VIRTUAL)) / 1.
      expect(toShares(usdc("0.001"), 0n, supply)).to.be.gt(supply * 999n);
      const before = [await env.pool.totalSupply(), await env.engine.poolBalance()];
      let v = valueAt(w, await nextTimestamp());
      await expect(env.pool.connect(carol).deposit(usdc("0.001"), carol.address))
        .to.be.revertedWithCustomError(env.pool, "PoolUnderwater")
        .withArgs(v);
      v = valueAt(w, await nextTimestamp());
      await expect(env.pool.connect(carol).mint(10n ** 12n, carol.address))
        .to.be.revertedWithCustomError(env.pool, "PoolUnderwater")
        .withArgs(v);
      expect([await env.pool.totalSupply(), await env.engine.poolBalance()]).to.deep.equal(before);
      expect(await env.pool.balanceOf(carol.address)).to.equal(0n);
    });

    it("INV-41: value above zero but assets per share below 1 % of the initial price: SharePriceBelowFloor; at the floor deposits work again", async () => {
      const [, carol] = env.users;
      const supply = await env.pool.totalSupply();
      const w = await World.read(env);
      const now = BigInt(await time.latest()) + 2n; // the feed update, then the deposit
      // The pool value is linear in ETH's price; aim at half the value the floor needs.
      const floorValue = M.divCeil(supply + VIRTUAL, VIRTUAL * FLOOR_DIVISOR) - 1n;
      const [p0, p1] = [wad("4000"), wad("4100")];
      const [v0, v1] = [valueAt(w, now, ETH, p0), valueAt(w, now, ETH, p1)];
      const target = floorValue / 2n;
      const raw = p0 + ((v0 - target) * (p1 - p0)) / (v0 - v1);
      const price = (raw / FEED_UNIT) * FEED_UNIT; // the feed has 8 decimals
      await setMarketPrice(env, ETH, priceString(price));
      await time.setNextBlockTimestamp(now);
      const value = valueAt(w, now, ETH, price);
      expect(value).to.be.gt(0n);
      expect(value).to.be.lt(floorValue); // (value + 1) * VIRTUAL * 100 < supply + VIRTUAL
      await expect(env.pool.connect(carol).deposit(usdc("1"), carol.address))
        .to.be.revertedWithCustomError(env.pool, "SharePriceBelowFloor")
        .withArgs(value, supply);
      expect(await env.pool.maxDeposit(carol.address)).to.equal(0n);
      // Back to a price where the value is exactly the floor value: deposits go through.
      const now2 = BigInt(await time.latest()) + 2n;
      let p = price;
      while (valueAt(w, now2, ETH, p) < floorValue) p -= wad("1"); // ~ +1,000 USDC a step
      await setMarketPrice(env, ETH, priceString(p));
      await time.setNextBlockTimestamp(now2);
      const ta = valueAt(w, now2, ETH, p);
      expect((ta + 1n) * VIRTUAL * FLOOR_DIVISOR).to.be.gte(supply + VIRTUAL);
      const shares = toShares(usdc("1"), ta, supply);
      await expect(env.pool.connect(carol).deposit(usdc("1"), carol.address))
        .to.emit(env.pool, "Deposit")
        .withArgs(carol.address, carol.address, usdc("1"), shares)
        .and.to.emit(env.pool, "TotalAssetsRecorded")
        .withArgs(ta + usdc("1"));
      expect(await env.pool.lastTotalAssets()).to.equal(ta + usdc("1"));
    });

    it("INV-41: an empty pool (no shares, value 0) takes its first deposit at the initial price", async () => {
      const [alice, carol] = env.users;
      await trade(env, alice, a, ETH, -wad("1000"));
      const lp = env.lp;
      await exitPool(env, lp, await env.pool.balanceOf(lp.address));
      // Fees paid to the pool after the LP left stay in the value; a truly empty pool has 0.
      const w = await World.read(env);
      const ta = valueAt(w, await nextTimestamp());
      const supply = await env.pool.totalSupply();
      expect(supply).to.equal(0n);
      await expect(env.pool.connect(carol).deposit(usdc("10"), carol.address))
        .to.emit(env.pool, "Deposit")
        .withArgs(carol.address, carol.address, usdc("10"), toShares(usdc("10"), ta, 0n));
    });
  });

  describe("INV-42: fee-on-transfer quote token", () => {
    it("INV-42/INV-1: deposit and mint credit what reached the engine and mint shares for it", async () => {
      const sys = await loadSystem();
      const [deployer, lp] = await ethers.getSigners();
      const fot = await new FeeOnTransferToken__factory(deployer).deploy(100); // 1 %
      const engine = await freshEngine(sys, await fot.getAddress());
      const pool = await new LiquidityPool__factory(deployer).deploy(engine, "LP", "LP");
      await engine.setPool(await pool.getAddress());
      await fot.mint(lp.address, wad("5000"));
      await fot.connect(lp).approve(await pool.getAddress(), MaxUint256);
      // deposit(1,000): 990 arrive; shares = 990 * (0 + VIRTUAL) / (0 + 1).
      const shares1 = toShares(wad("990"), 0n, 0n);
      await expect(pool.connect(lp).deposit(wad("1000"), lp.address))
        .to.emit(pool, "Deposit")
        .withArgs(lp.address, lp.address, wad("990"), shares1);
      expect(await engine.poolBalance()).to.equal(wad("990"));
      expect(await fot.balanceOf(await engine.getAddress())).to.equal(wad("990"));
      expect(await pool.balanceOf(lp.address)).to.equal(shares1);
      // mint(s): pays ceil(s * (ta + 1) / (supply + VIRTUAL)), 99 % arrives, shares for that.
      const ask = toShares(wad("500"), wad("990"), shares1);
      const paid = M.divCeil(ask * (wad("990") + 1n), shares1 + VIRTUAL);
      const arrived = paid - (paid * 100n) / 10_000n;
      const shares2 = toShares(arrived, wad("990"), shares1);
      expect(shares2).to.be.lt(ask);
      const spent = await fot.balanceOf(lp.address);
      await expect(pool.connect(lp).mint(ask, lp.address))
        .to.emit(pool, "Deposit")
        .withArgs(lp.address, lp.address, arrived, shares2);
      expect(spent - (await fot.balanceOf(lp.address))).to.equal(paid);
      expect(await engine.poolBalance()).to.equal(wad("990") + arrived);
      expect(await fot.balanceOf(await engine.getAddress())).to.equal(wad("990") + arrived);
      expect(await pool.totalSupply()).to.equal(shares1 + shares2);
      expect(await pool.lastTotalAssets()).to.equal(wad("990") + arrived);
    });

    it("INV-42/INV-1: a quote token's hook that deposits into the engine during the pool's transfer is not credited to the pool", async () => {
      const sys = await loadSystem();
      const [deployer, lp] = await ethers.getSigners();
      const ree = await new ReentrantToken__factory(deployer).deploy();
      const q = await ree.getAddress();
      const engine = await freshEngine(sys, q);
      const pool = await new LiquidityPool__factory(deployer).deploy(engine, "LP", "LP");
      await engine.setPool(await pool.getAddress());
      await ree.mint(lp.address, wad("1000"));
      await ree.connect(lp).approve(await pool.getAddress(), MaxUint256);
      // The hook (from the token's address) deposits 50 of its own tokens for its own account.
      await ree.mint(q, wad("50"));
      await ree.approveFromToken(await engine.getAddress(), MaxUint256);
      const hook = engine.interface.encodeFunctionData("deposit", [0, q, wad("50")]);
      await ree.arm(await engine.getAddress(), hook, true);
      await expect(pool.connect(lp).deposit(wad("1000"), lp.address))
        .to.emit(pool, "Deposit")
        .withArgs(lp.address, lp.address, wad("1000"), toShares(wad("1000"), 0n, 0n));
      expect(await ree.hookSucceeded()).to.equal(true);
      const own = (await engine.getAccount(accountId(q, 0))).quoteBalance;
      expect(own).to.equal(wad("50"));
      expect(await engine.poolBalance()).to.equal(wad("1000"));
      expect(await ree.balanceOf(await engine.getAddress())).to.equal(wad("1000") + own);
    });
  });

  describe("INV-43: views while the engine cannot price the pool", () => {
    let env: Env;
    let a: bigint;
    let recorded: bigint;

    beforeEach(async () => {
      env = await loadTrading();
      const [alice, carol] = env.users;
      a = await fundQuote(env, alice, usdc("10000"));
      await trade(env, alice, a, ETH, wad("1"));
      await env.quote.mint(carol.address, usdc("2000"));
      await env.quote.connect(carol).approve(await env.pool.getAddress(), MaxUint256);
      // Carol holds a claimable request (a day old), so her max* would be positive if priced.
      await env.pool.connect(env.lp).transfer(carol.address, 10n ** 12n);
      await env.pool.connect(carol).requestRedeem(10n ** 12n, carol.address, carol.address);
      await advance(env, 86_400);
      // The last valid total assets: the model's value right after this deposit.
      const w = await World.read(env);
      const ta = valueAt(w, await nextTimestamp());
      recorded = ta + usdc("1000");
      await expect(env.pool.connect(carol).deposit(usdc("1000"), carol.address))
        .to.emit(env.pool, "TotalAssetsRecorded")
        .withArgs(recorded);
      await setMarketPrice(env, ETH, "3100"); // the live value moves away from the record
    });

    afterEach(async () => {
      await expectConservation(env);
    });

    /** Every ERC-4626 view returns; conversions at `recorded`; max* are 0. */
    async function expectViewsAtRecord() {
      const [, carol] = env.users;
      const p = env.pool;
      const supply = await p.totalSupply();
      const own = await p.balanceOf(carol.address);
      expect(await p.lastTotalAssets()).to.equal(recorded);
      expect(await p.totalAssets()).to.equal(recorded);
      expect(await p.convertToShares(usdc("100"))).to.equal(
        toShares(usdc("100"), recorded, supply),
      );
      expect(await p.convertToAssets(own)).to.equal(toAssets(own, recorded, supply));
      expect(await p.previewDeposit(usdc("100"))).to.equal(toShares(usdc("100"), recorded, supply));
      expect(await p.previewMint(own)).to.equal(M.divCeil(own * (recorded + 1n), supply + VIRTUAL));
      // ERC-7540: the previews of the asynchronous exits always revert, priced or not.
      await expect(p.previewRedeem(own)).to.be.revertedWithCustomError(p, "AsyncRedeem");
      await expect(p.previewWithdraw(1n)).to.be.revertedWithCustomError(p, "AsyncRedeem");
      expect(await p.claimableRedeemRequest(0, carol.address)).to.equal(10n ** 12n);
      expect(await p.pendingRedeemRequest(0, carol.address)).to.equal(0n);
      for (const who of [carol.address, env.lp.address]) {
        expect(await p.maxDeposit(who)).to.equal(0n);
        expect(await p.maxMint(who)).to.equal(0n);
        expect(await p.maxWithdraw(who)).to.equal(0n);
        expect(await p.maxRedeem(who)).to.equal(0n);
      }
    }

    it("INV-43/INV-22: sequencer down: every view returns, max* are 0, deposit and withdraw revert SequencerDown", async () => {
      const [, carol] = env.users;
      const now = BigInt(await time.latest());
      const seq: MockFeed = await mockFeed(env.admin, 0, 0n, "SEQ");
      await seq.setRound(1, 0, now - 3600n, now, 1);
      await env.engine.setSequencer(await seq.getAddress(), 600);
      await seq.setRound(2, 1, now, now, 2); // down
      await expectViewsAtRecord();
      const oracle = ICrossmargin__factory.connect(await env.engine.getAddress(), carol);
      const c = env.pool.connect(carol);
      for (const tx of [
        () => c.deposit(usdc("1"), carol.address),
        () => c.mint(1n, carol.address),
        () => c.withdraw(usdc("1"), carol.address, carol.address),
        () => c.redeem(1n, carol.address, carol.address),
      ]) {
        await expect(tx()).to.be.revertedWithCustomError(oracle, "SequencerDown");
      }
    });

    it("INV-43/INV-25: a market feed past its heartbeat with open interest: every view returns, max* are 0; a fresh round ends it", async () => {
      const [, carol] = env.users;
      const ethFeed = (await env.engine.getMarket(ETH)).feed;
      await advance(env, 86_401, [ethFeed]);
      await expectViewsAtRecord();
      await expect(
        env.pool.connect(carol).deposit(usdc("1"), carol.address),
      ).to.be.revertedWithCustomError(env.engine, "OracleStale");
      await setMarketPrice(env, ETH, "3100");
      const w = await World.read(env);
      expect(await env.pool.totalAssets()).to.equal(valueAt(w, BigInt(await time.latest())));
      expect(await env.pool.maxDeposit(carol.address)).to.equal(MaxUint256);
      expect(await env.pool.maxRedeem(carol.address)).to.equal(10n ** 12n);
      expect(await env.pool.maxWithdraw(carol.address)).to.equal(
        await env.pool.convertToAssets(10n ** 12n),
      );
    });
  });
});

/** Adversarial oracles: non-positive answers, odd decimals, extreme prices, a 99 % crash in one
 *  round, a down L2 sequencer, and a stale feed inside a cross-margin account. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256 } from "ethers";
import {
  MockERC20__factory,
  MockFeed,
  MockV3Aggregator__factory,
  ICrossmargin__factory,
} from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { wad } from "../../../src/common/units";
import {
  Env as TradingEnv,
  advance,
  fundQuote,
  loadTrading,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, expectHealth, expectPoolValue, latest } from "../../helpers/model-world";
import * as L from "../../helpers/liquidation";
import { expectedPoolValue, skewPremium } from "../../helpers/liquidationModel";
import {
  addMarketOn,
  expectConserved,
  listToken,
  mockFeed,
  stateDigest,
  v3Feed,
} from "../../helpers/adversarial";
import * as M from "../../../src/model";
import { requestAndWait } from "../../helpers/pool";
import { ETH, FAR, FlatMarketParams, SOL } from "../../../src/common";

/** A market on a new MockFeed (`decimals`, raw `answer`) plus a collateral on the same feed. */
async function marketAndCollateral(
  env: TradingEnv,
  decimals: number,
  answer: bigint,
  name: string,
  overrides: Partial<FlatMarketParams> = {},
) {
  const feed = await mockFeed(env.admin, decimals, answer, `${name} / USD`);
  const f = await feed.getAddress();
  const id = await addMarketOn(env, f, `${name} / USD`, overrides);
  const token = await new MockERC20__factory(env.admin).deploy(name, name, 18);
  const t = await token.getAddress();
  await listToken(env, t, { feed: f, description: `${name} / USD`, weight: "0.8" });
  return { feed, f, id, token, t };
}

/** Mints and deposits `amount` of an 18-decimal mock token into `who`'s sub-account 0. */
async function depositMock(
  env: TradingEnv,
  token: Awaited<ReturnType<MockERC20__factory["deploy"]>>,
  who: HardhatEthersSigner,
  amount: bigint,
): Promise<bigint> {
  await token.mint(who.address, amount);
  await token.connect(who).approve(await env.engine.getAddress(), amount);
  await env.engine.connect(who).deposit(0, await token.getAddress(), amount);
  return accountId(who.address, 0);
}

describe("adversarial: oracles", () => {
  it("INV-22: a zero or negative market answer reverts trades, withdrawals, liquidation and pool valuation (OracleNonPositive)", async () => {
    const env = await loadTrading();
    const { engine, pool, quote } = env;
    const [alice, lp2] = env.users;
    const { feed, f, id } = await marketAndCollateral(env, 8, 100n * 10n ** 8n, "BAD");
    const a = await fundQuote(env, alice, usdc("10000"));
    await trade(env, alice, a, id, wad("10"));
    await quote.mint(lp2.address, usdc("1000"));
    await quote.connect(lp2).approve(await pool.getAddress(), MaxUint256);
    for (const answer of [0n, -1n]) {
      await feed.setAnswer(answer);
      const before = await stateDigest(env);
      const e = engine.connect(alice);
      for (const tx of [
        () => e.modifyPosition(a, ETH, wad("1"), MaxUint256, FAR),
        () => e.withdraw(a, quote.target, usdc("1"), alice.address),
        () => engine.liquidate(a, 0),
        () => pool.connect(lp2).deposit(usdc("1000"), lp2.address),
      ]) {
        await expect(tx())
          .to.be.revertedWithCustomError(engine, "OracleNonPositive")
          .withArgs(f, answer);
      }
      await expect(engine.accountHealth(a)).to.be.revertedWithCustomError(
        engine,
        "OracleNonPositive",
      );
      await expect(engine.poolValue()).to.be.revertedWithCustomError(engine, "OracleNonPositive");
      expect(await stateDigest(env)).to.deep.equal(before);
      await fundQuote(env, alice, usdc("1")); // deposits need no price
    }
    await feed.setAnswer(100n * 10n ** 8n);
    await trade(env, alice, a, id, -wad("10"));
    await expectConserved(env);
  });

  describe("feed decimals 6, 8, 18, 20: normalised to WAD (rounding down), trades and equity as the model", () => {
    // 1234.56789012345678901234 USD, truncated to the feed's decimals
    const DIGITS = 123456789012345678901234n; // 20 decimals
    const EXPECTED: Record<number, bigint> = {
      6: 1234_567890_000000000000n,
      8: 1234_567890_120000000000n,
      18: 1234_567890_123456789012n,
      20: 1234_567890_123456789012n, // the last two digits (34) are dropped
    };
    for (const d of [6, 8, 18, 20]) {
      it(`INV-18/INV-22: a ${d}-decimal feed`, async () => {
        const env = await loadTrading();
        const [alice] = env.users;
        const answer = DIGITS / 10n ** BigInt(20 - d);
        const { id, token, t } = await marketAndCollateral(env, d, answer, `D${d}`);
        const price = EXPECTED[d];
        expect(await env.engine.marketPrice(id)).to.equal(price);
        expect(await env.engine.collateralPrice(t)).to.equal(price);
        const a = await depositMock(env, token, alice, wad("3.3"));
        await fundQuote(env, alice, usdc("100"));
        await trade(env, alice, a, id, wad("7.77"));
        await time.increase(3600); // funding accrues; the MockFeed stays within its heartbeat
        const w = (await trade(env, alice, a, id, -wad("2.5"))).w;
        await expectHealth(env, w, a);
        await expectPoolValue(env, w);
      });
    }
  });

  it("INV-18: extreme prices: a market and a collateral at 1e-8 USD and at 1e12 USD trade and value as the model; above 2^128 wei the entry float still holds the price", async () => {
    const env = await loadTrading();
    const [alice, bob] = env.users;
    // 1e-8 USD: a 1,000 USD position is 1e11 units; skew scale and OI cap at their bounds.
    const low = await marketAndCollateral(env, 8, 1n, "LOW", {
      skewScale: wad("1000000000000000"),
      maxOpenInterest: wad("1000000000000000"),
    });
    // 1e12 USD: a 1,000 USD position is 1e-9 units.
    const high = await marketAndCollateral(env, 8, 10n ** 20n, "HIGH", {
      skewScale: wad("0.001"),
      maxOpenInterest: wad("1"),
    });
    expect(await env.engine.marketPrice(low.id)).to.equal(10n ** 10n);
    expect(await env.engine.marketPrice(high.id)).to.equal(10n ** 30n);

    const a = await depositMock(env, low.token, alice, wad("100000000000")); // 1,000 USD
    const b = await depositMock(env, high.token, bob, 10n ** 9n); // 1e-9 token = 1,000 USD
    for (const [acct, value] of [
      [a, wad("800")],
      [b, wad("800")],
    ] as const) {
      expect((await env.engine.accountHealth(acct)).equity).to.equal(value);
    }
    await trade(env, alice, a, low.id, wad("100000000000"));
    await trade(env, bob, b, high.id, -(10n ** 9n));
    await low.feed.setAnswer(2n); // +100 %: alice's long gains ~1,000 USD, her collateral doubles
    await high.feed.setAnswer(11n * 10n ** 19n); // +10 %: bob's short loses ~100 USD
    let w = await World.read(env, [a, b]);
    for (const acct of [a, b]) await expectHealth(env, w, acct);
    await expectPoolValue(env, w);
    w = (await trade(env, alice, a, low.id, -wad("100000000000"), { others: [b] })).w;
    w = (await trade(env, bob, b, high.id, 10n ** 9n, { others: [a] })).w;
    for (const acct of [a, b]) await expectHealth(env, w, acct);
    await expectPoolValue(env, w);
    await expectConserved(env);

    // Above 2^128 wei the entry still fits its float: a 1-wei short trades as the model says.
    await high.feed.setAnswer(10n ** 29n); // 1e21 USD
    w = (await trade(env, bob, b, high.id, -1n, { others: [a] })).w;
    expect((await env.engine.getPosition(b, high.id)).entryPrice).to.be.gt(2n ** 128n);
    await expectConserved(env);
  });

  it("INV-13: no silent overflow: collateral worth more than int256 reverts (SafeCastOverflowedUintToInt) instead of wrapping negative", async () => {
    const env = await loadTrading();
    const [alice, keeper] = env.users;
    const token = await new MockERC20__factory(env.admin).deploy("BIG", "BIG", 0);
    const t = await token.getAddress();
    const feed = await v3Feed(env.admin, "1" + "0".repeat(40)); // 1e40 USD per unit
    await listToken(env, t, { feed, weight: "0.8" });
    const a = await depositMock(env, token, alice, 10n ** 18n); // 8e75 USD weighted: fits
    const h = M.marginSummary({
      quoteBalance: 0n,
      quoteDecimals: 6,
      collaterals: [{ amount: 10n ** 18n, decimals: 0, price: 10n ** 58n, weight: wad("0.8") }],
      positions: [],
    });
    expect((await env.engine.accountHealth(a)).equity).to.equal(h.equity);
    await depositMock(env, token, alice, 9n * 10n ** 18n); // 8e76 USD: above int256.max
    const before = await stateDigest(env);
    // Before the fix the cast wrapped to a huge negative equity: the account was liquidatable
    // and `liquidate` handed all of its collateral to the insurance fund.
    for (const call of [
      () => env.engine.accountHealth(a),
      () => env.engine.connect(keeper).liquidate(a, 0),
    ]) {
      await expect(call())
        .to.be.revertedWithCustomError(env.engine, "SafeCastOverflowedUintToInt")
        .withArgs(8n * 10n ** 76n);
    }
    expect(await stateDigest(env)).to.deep.equal(before);
  });

  it("INV-5/INV-12/INV-1: a 99 % crash of the market and the collateral in one round: liquidation, fund, then pool", async () => {
    const env = await L.setup();
    const { engine, pool, insuranceFund } = env.sys;
    const t = env.traders[0];
    const a = await L.deposit(env, t, L.usdc(20_000));
    await L.deposit(env, t, wad("2"), "WETH");
    await L.trade(env, t, L.ETH, wad("100"));
    await L.setMarketPrice(env, L.ETH, "30");
    await L.setCollateralPrice(env, "WETH", "30");
    const supply = await pool.totalSupply();
    const assetsBefore = await pool.totalAssets();
    const fundBefore = await insuranceFund.balance();
    const snapBefore = await L.snapshot(env, a);
    const run = await L.liquidateChecked(env, a);
    const b = run.expected.badDebt!;
    expect(run.expected.fee!.toFund).to.equal(0n);
    // INV-29: the fund first buys the 2 WETH at 30 less 5 % (57 USDC), then covers what it can.
    expect(b.sales.map((x) => x.paid)).to.deep.equal([L.usdc(57)]);
    expect(b.covered).to.equal(fundBefore - L.usdc(57));
    expect(b.fundPaid).to.equal(fundBefore);
    expect(await env.sys.collaterals.WETH.balanceOf(await insuranceFund.getAddress())).to.equal(
      wad("2"),
    );
    expect(b.socialised).to.be.greaterThan(0n);
    expect(await insuranceFund.balance()).to.equal(0n); // the fund paid all it had
    const snap = await L.snapshot(env, a);
    expect(await pool.totalAssets()).to.equal(
      expectedPoolValue(snap, await engine.poolBalance(), await latest()),
    );
    // The loss the pool books is what the fund could not cover (the trade's open PnL was in
    // totalAssets before): the share price falls by socialised / supply.
    // INV-44: less the impact premium of the skew the liquidation closed, which the pool keeps.
    const released = skewPremium(snapBefore) - skewPremium(snap);
    expect(assetsBefore - (await pool.totalAssets())).to.be.closeTo(
      b.socialised - released / 10n ** 12n,
      1n,
    );
    expect(supply).to.equal(await pool.totalSupply());
    await expectConserved(env.sys);
  });

  describe("L2 sequencer (INV-22)", () => {
    const GRACE = 600;
    let env: TradingEnv;
    let seq: MockFeed;
    let alice: HardhatEthersSigner;
    let a: bigint;

    beforeEach(async () => {
      env = await loadTrading();
      alice = env.users[0];
      // The LP holds a claimable redeem request (INV-47) for the claim below.
      await requestAndWait(env, env.lp, usdc("5000") * 10n ** 6n);
      const now = BigInt(await time.latest());
      seq = await mockFeed(env.admin, 0, 0n, "SEQ");
      await seq.setRound(1, 0, now - 3600n, now, 1); // up for an hour
      await env.engine.setSequencer(await seq.getAddress(), GRACE);
      a = await fundQuote(env, alice, usdc("10000"));
      await trade(env, alice, a, ETH, wad("1"));
      await env.quote.mint(env.lp.address, usdc("1000"));
      await env.quote.connect(env.lp).approve(await env.pool.getAddress(), MaxUint256);
    });

    /** Everything that reads a price, by trader, keeper and LP. */
    async function priced() {
      const e = env.engine.connect(alice);
      const deadline = BigInt(await time.latest()) + 600n;
      return [
        () => e.modifyPosition(a, ETH, wad("1"), MaxUint256, FAR),
        () => e.withdraw(a, env.quote.target, usdc("1"), alice.address),
        () => e.commitOrder(a, SOL, wad("1"), wad("1000"), deadline),
        () => env.engine.liquidate(a, 0),
        () => env.pool.connect(env.lp).deposit(usdc("1000"), env.lp.address),
        () => env.pool.connect(env.lp).withdraw(usdc("1000"), env.lp.address, env.lp.address),
      ];
    }

    it("INV-22: down: every priced action of traders, keepers and LPs reverts SequencerDown; deposits work; nothing changes", async () => {
      const oracle = ICrossmargin__factory.connect(await env.engine.getAddress(), alice);
      const now = BigInt(await time.latest());
      await seq.setRound(2, 1, now, now, 2);
      const before = await stateDigest(env);
      for (const tx of await priced()) {
        await expect(tx())
          .to.be.revertedWithCustomError(oracle, "SequencerDown")
          .withArgs(seq.target);
      }
      for (const view of [() => env.engine.accountHealth(a), () => env.engine.poolValue()]) {
        await expect(view()).to.be.revertedWithCustomError(oracle, "SequencerDown");
      }
      expect(await stateDigest(env)).to.deep.equal(before);
      await fundQuote(env, alice, usdc("1"));
    });

    it("INV-22: back up: SequencerGracePeriod until the grace period is over, then everything works", async () => {
      const oracle = ICrossmargin__factory.connect(await env.engine.getAddress(), alice);
      const up = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(up);
      await seq.setRound(3, 0, up, up, 3);
      for (const tx of await priced()) {
        await expect(tx())
          .to.be.revertedWithCustomError(oracle, "SequencerGracePeriod")
          .withArgs(seq.target, up, GRACE);
      }
      await time.increaseTo(up + BigInt(GRACE) + 1n);
      await trade(env, alice, a, ETH, wad("1"));
      await env.pool.connect(env.lp).deposit(usdc("1000"), env.lp.address);
      await env.pool.connect(env.lp).withdraw(usdc("1000"), env.lp.address, env.lp.address);
    });
  });

  describe("a stale feed in one market of a cross account (INV-25)", () => {
    it("INV-25/INV-2: reducing other markets works (as the model, stale market at its last answer); the stale market, risk increases, withdrawals and the pool revert OracleStale; other accounts are unaffected", async () => {
      const env = await loadTrading();
      const { engine, pool, quote } = env;
      const [alice, bob] = env.users;
      const a = await fundQuote(env, alice, usdc("20000"));
      const b = await fundQuote(env, bob, usdc("20000"));
      await trade(env, alice, a, ETH, wad("2"));
      await trade(env, alice, a, SOL, wad("10"));
      await trade(env, bob, b, ETH, -wad("1"));
      const solFeed = (await engine.getMarket(SOL)).feed;
      const updatedAt = (await env.marketFeeds[SOL].latestRoundData())[3];
      await advance(env, 86_401, [solFeed]); // every feed refreshed but SOL's
      const q = await quote.getAddress();
      const before = await stateDigest(env);
      const e = engine.connect(alice);
      for (const tx of [
        () => e.withdraw(a, q, usdc("1"), alice.address),
        () => e.modifyPosition(a, ETH, wad("1"), MaxUint256, FAR), // more risk elsewhere
        () => e.modifyPosition(a, SOL, -wad("10"), 1n, FAR), // closing the stale market itself
        () => engine.accountHealth(a), // the exact figures need every price
        () => pool.connect(env.lp).redeem(1n, env.lp.address, env.lp.address), // SOL has OI
      ]) {
        await expect(tx())
          .to.be.revertedWithCustomError(engine, "OracleStale")
          .withArgs(solFeed, updatedAt, 86_400);
      }
      // Healthy at SOL's last answer: no keeper may liquidate it.
      expect(await engine.isLiquidatable(a)).to.equal(false);
      await expect(engine.liquidate(a, 0)).to.be.revertedWithCustomError(engine, "NotLiquidatable");
      expect(await stateDigest(env)).to.deep.equal(before);
      // Reducing risk in a fresh market goes through, priced and checked as the model says.
      await trade(env, alice, a, ETH, -wad("1"), { others: [b] });
      expect((await engine.getPosition(a, SOL)).size).to.equal(wad("10"));
      // Accounts without a position in the stale market are unaffected; deposits need no price.
      await fundQuote(env, alice, usdc("1"));
      await trade(env, bob, b, ETH, -wad("1"));
      await engine.connect(bob).withdraw(b, q, usdc("1"), bob.address);
      // A fresh round ends it.
      await env.marketFeeds[SOL].updateAnswer(await env.marketFeeds[SOL].latestAnswer());
      await trade(env, alice, a, SOL, -wad("10"), { others: [b] });
    });

    it("INV-25/INV-3/INV-5: liquidation closes the fresh markets as the model says, leaves the stale one open, then reverts OracleStale until the feed is back; bad debt only once it is closed", async () => {
      const env = await L.setup();
      const { engine, lens } = env.sys;
      const t = env.traders[0];
      const a = await L.deposit(env, t, L.usdc(20_000));
      await L.trade(env, t, L.ETH, wad("40"));
      await L.trade(env, t, L.SOL, wad("100"));
      const solFeed = (await engine.getMarket(L.SOL)).feed;
      await advance(env.sys, 86_401, [solFeed]);
      await L.setMarketPrice(env, L.ETH, "2400"); // -24,000 on ETH: equity below zero
      const updatedAt = (
        await MockV3Aggregator__factory.connect(solFeed, env.deployer).latestRoundData()
      )[3];
      await expect(engine.accountHealth(a))
        .to.be.revertedWithCustomError(engine, "OracleStale")
        .withArgs(solFeed, updatedAt, 86_400);
      expect(await engine.isLiquidatable(a)).to.equal(true);
      const [ok, equity, mm, liquidatable] = await lens.batchHealth([a]);
      expect([ok, equity, mm, liquidatable]).to.deep.equal([[false], [0n], [0n], [true]]);

      const first = await L.liquidateChecked(env, a, { stale: [L.SOL] });
      expect(first.expected.closes.map((c) => c.marketId)).to.deep.equal([L.ETH]);
      expect(first.expected.badDebt).to.equal(undefined);
      expect((await engine.getPosition(a, L.SOL)).size).to.equal(wad("100"));
      // Only the stale market is left: nothing can be closed, the feed's error says why.
      expect(await engine.isLiquidatable(a)).to.equal(true);
      await expect(engine.connect(env.keeper).liquidate(a, 0))
        .to.be.revertedWithCustomError(engine, "OracleStale")
        .withArgs(solFeed, updatedAt, 86_400);
      // The feed is back: SOL is closed and the bad debt settled, fund first.
      await L.setMarketPrice(env, L.SOL, "150");
      const second = await L.liquidateChecked(env, a);
      expect(second.expected.closes.map((c) => c.marketId)).to.deep.equal([L.SOL]);
      expect(second.expected.badDebt!.deficit).to.be.greaterThan(0n);
      await expectConserved(env.sys);
    });
  });
});

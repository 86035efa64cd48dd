/** Oracle adapter: decimals normalisation, stale / non-positive / incomplete / future answers,
 *  the L2 sequencer feed and its grace period, and the valuation views against the TS model. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";
import {
  MockERC20,
  MockERC20__factory,
  MockFeed,
  MockFeed__factory,
} from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { feedAnswer, units, wad } from "../../../src/common/units";
import {
  PositionHolding,
  RiskAccount,
  collateralValueUsd,
  collateralWeightedUsd,
  marginSummary,
  riskHealth,
} from "../../../src/model";
import {
  QUOTE_DECIMALS,
  Ctx,
  ModelMarket,
  addLiquidity,
  b32,
  fund,
  marketParams,
  modelAccount,
  oracleErrors,
  setup,
  tradeAt,
  vaultSnapshot,
} from "./helpers";
import { collateralParams, collateralRiskOf, offsetPairs } from "../../helpers/risk";

const HEARTBEAT = 3600;

describe("vault: oracle adapter", () => {
  let ctx: Ctx;
  let alice: HardhatEthersSigner;
  let acct: bigint;
  let quote: string;

  beforeEach(async () => {
    ctx = await setup();
    alice = ctx.users[0];
    acct = accountId(alice.address, 0);
    quote = await ctx.quote.getAddress();
    await fund(ctx.quote, ctx.engineAddress, alice, units("100000", 6));
  });

  /** Lists a fresh token (decimals `tokenDecimals`) priced by a MockFeed with `feedDecimals`. */
  async function listWithMockFeed(
    feedDecimals: number,
    answer: bigint,
    tokenDecimals = 18,
  ): Promise<{ token: MockERC20; t: string; feed: MockFeed; f: string }> {
    const feed = await new MockFeed__factory(ctx.admin).deploy(feedDecimals, "ORC / USD", answer);
    const token = await new MockERC20__factory(ctx.admin).deploy("Oracle", "ORC", tokenDecimals);
    const t = await token.getAddress();
    await ctx.engine.listCollateral(
      t,
      collateralParams(await feed.getAddress(), HEARTBEAT, {
        weight: "0.8",
        discount: "0.05",
        cap: units("1000000000", tokenDecimals),
      }),
      "ORC / USD",
    );
    await fund(token, ctx.engineAddress, alice, units("1000", tokenDecimals));
    return { token, t, feed, f: await feed.getAddress() };
  }

  describe("decimals normalised to 18", () => {
    const cases: [number, bigint, bigint][] = [
      // feed decimals, answer, expected WAD price (hand arithmetic)
      [8, 123456789012n, 1234_567890120000000000n], // * 1e10
      [18, 1234_567890123456789012n, 1234_567890123456789012n], // as is
      [20, 1234_56789012345678901299n, 1234_567890123456789012n], // / 1e2, rounded down
      [0, 1234n, 1234_000000000000000000n], // * 1e18
    ];
    for (const [d, answer, price] of cases) {
      it(`a ${d}-decimal feed: collateralPrice and the account's equity (model)`, async () => {
        const { t, feed } = await listWithMockFeed(d, answer, 8);
        expect((await ctx.engine.getCollateral(t)).feedDecimals).to.equal(BigInt(d));
        expect(await ctx.engine.collateralPrice(t)).to.equal(price);
        await ctx.engine.connect(alice).deposit(0, t, 12_345678_91n); // 12.34567891 tokens
        await ctx.engine.connect(alice).deposit(0, quote, units("10.5", 6));
        const model = marginSummary(
          modelAccount(units("10.5", 6), [
            { amount: 12_345678_91n, decimals: 8, price, weight: wad("0.8") },
          ]),
        );
        expect(model.equity).to.equal(
          wad("10.5") +
            collateralWeightedUsd(collateralValueUsd(12_345678_91n, 8, price), wad("0.8")),
        );
        expect((await ctx.engine.accountHealth(acct)).equity).to.equal(model.equity);
        expect(await feed.decimals()).to.equal(BigInt(d));
      });
    }
  });

  describe("unsafe answers: views revert, nothing changes; a withdrawal the quote covers needs no price (INV-59)", () => {
    let t: string;
    let feed: MockFeed;
    let f: string;
    beforeEach(async () => {
      ({ t, feed, f } = await listWithMockFeed(8, feedAnswer("25")));
      await ctx.engine.connect(alice).deposit(0, t, units("10", 18));
      await ctx.engine.connect(alice).deposit(0, quote, units("100", 6));
    });

    const snap = () => vaultSnapshot(ctx, [quote, t], [acct], [alice.address]);

    /** A withdrawal of 1 quote unit mined at `at` even if it reverts. */
    async function withdrawAt(at: number) {
      await time.setNextBlockTimestamp(at);
      return ctx.engine.connect(alice).withdraw(acct, quote, 1n, alice.address, { gasLimit: 1e6 });
    }

    /** The account's health, read at `at` (the chain moved there first). */
    async function healthAt(at: number) {
      await time.increaseTo(at);
      return ctx.engine.accountHealth(acct);
    }

    it("stale: older than the heartbeat reverts OracleStale; exactly the heartbeat is fine", async () => {
      const now = await time.latest();
      const updatedAt = BigInt(now - 10);
      await feed.setRound(7, feedAnswer("25"), updatedAt, updatedAt, 7);
      const before = await snap();
      const staleAt = Number(updatedAt) + HEARTBEAT + 1;
      await expect(healthAt(staleAt))
        .to.be.revertedWithCustomError(ctx.engine, "OracleStale")
        .withArgs(f, updatedAt, HEARTBEAT);
      await expect(ctx.engine.collateralPrice(t))
        .to.be.revertedWithCustomError(ctx.engine, "OracleStale")
        .withArgs(f, updatedAt, HEARTBEAT);
      await expect(ctx.engine.accountHealth(acct)).to.be.revertedWithCustomError(
        ctx.engine,
        "OracleStale",
      );
      expect(await snap()).to.deep.equal(before);
      // deposits need no price: they keep working; nor does a withdrawal the quote balance
      // covers on its own (no positions: IM is 0), so the stale collateral is not read (INV-59)
      await expect(ctx.engine.connect(alice).deposit(0, t, 1n)).to.emit(ctx.engine, "Deposited");
      await expect(withdrawAt((await time.latest()) + 1)).to.emit(ctx.engine, "Withdrawn");
      // a fresh round at exactly heartbeat age is accepted
      const t2 = staleAt + 5;
      const u2 = BigInt(t2 - HEARTBEAT);
      await feed.setRound(8, feedAnswer("25"), u2, u2, 8);
      await expect(withdrawAt(t2)).to.emit(ctx.engine, "Withdrawn");
    });

    it("zero and negative answers revert OracleNonPositive", async () => {
      const before = await snap();
      for (const answer of [0n, -1n, -feedAnswer("25")]) {
        await feed.setAnswer(answer);
        await expect(ctx.engine.collateralPrice(t))
          .to.be.revertedWithCustomError(ctx.engine, "OracleNonPositive")
          .withArgs(f, answer);
        await expect(healthAt((await time.latest()) + 1))
          .to.be.revertedWithCustomError(ctx.engine, "OracleNonPositive")
          .withArgs(f, answer);
      }
      const s = await snap();
      expect(s).to.deep.equal(before);
    });

    it("incomplete rounds (answeredInRound < roundId, updatedAt = 0) revert OracleIncompleteRound", async () => {
      const now = BigInt(await time.latest());
      const before = await snap();
      const rounds: [number, bigint, bigint, number][] = [
        [10, now, now, 9], // answered in an earlier round
        [11, now, 0n, 11], // never updated
      ];
      for (const [roundId, startedAt, updatedAt, answeredIn] of rounds) {
        await feed.setRound(roundId, feedAnswer("25"), startedAt, updatedAt, answeredIn);
        await expect(ctx.engine.collateralPrice(t))
          .to.be.revertedWithCustomError(ctx.engine, "OracleIncompleteRound")
          .withArgs(f, roundId, answeredIn);
        await expect(healthAt((await time.latest()) + 1))
          .to.be.revertedWithCustomError(ctx.engine, "OracleIncompleteRound")
          .withArgs(f, roundId, answeredIn);
      }
      expect(await snap()).to.deep.equal(before);
    });

    it("an answer from the future reverts OracleFutureTimestamp", async () => {
      const future = BigInt((await time.latest()) + 1000);
      await feed.setRound(12, feedAnswer("25"), future, future, 12);
      const before = await snap();
      await expect(healthAt((await time.latest()) + 1))
        .to.be.revertedWithCustomError(ctx.engine, "OracleFutureTimestamp")
        .withArgs(f, future);
      expect(await snap()).to.deep.equal(before);
    });

    it("accounts not holding the token are unaffected", async () => {
      await feed.setAnswer(0);
      const bob = ctx.users[1];
      await fund(ctx.quote, ctx.engineAddress, bob, units("10", 6));
      await ctx.engine.connect(bob).deposit(0, quote, units("10", 6));
      await expect(
        ctx.engine
          .connect(bob)
          .withdraw(accountId(bob.address), quote, units("10", 6), bob.address),
      ).to.emit(ctx.engine, "Withdrawn");
    });

    it("a stale market feed blocks withdrawals of accounts with a position there", async () => {
      await addLiquidity(ctx, ctx.users[9], units("1000000", 6));
      await ctx.engine.connect(alice).deposit(0, quote, units("5000", 6));
      await tradeAt(ctx, alice, acct, 0, wad("1"), (await time.latest()) + 1);
      const mf = ctx.marketFeeds[0];
      const old = BigInt((await time.latest()) - 86_401);
      await mf.updateRoundData(5, feedAnswer("3000"), old, old);
      const before = await snap();
      await expect(withdrawAt((await time.latest()) + 1))
        .to.be.revertedWithCustomError(ctx.engine, "OracleStale")
        .withArgs(await mf.getAddress(), old, 86_400);
      await expect(ctx.engine.marketPrice(0)).to.be.revertedWithCustomError(
        ctx.engine,
        "OracleStale",
      );
      expect(await snap()).to.deep.equal(before);
    });
  });

  describe("L2 sequencer uptime feed", () => {
    const GRACE = 3600;
    let seq: MockFeed;
    let s: string;
    beforeEach(async () => {
      seq = await new MockFeed__factory(ctx.admin).deploy(0, "L2 Sequencer Uptime Status Feed", 0);
      s = await seq.getAddress();
      const since = BigInt((await time.latest()) - 10 * GRACE);
      await seq.setRound(1, 0, since, since, 1);
      await expect(ctx.engine.setSequencer(s, GRACE))
        .to.emit(ctx.engine, "SequencerSet")
        .withArgs(s, GRACE);
      await ctx.engine.connect(alice).deposit(0, quote, units("100", 6));
    });

    const snap = () => vaultSnapshot(ctx, [quote], [acct], [alice.address]);
    async function withdrawAt(at: number) {
      await time.setNextBlockTimestamp(at);
      return ctx.engine.connect(alice).withdraw(acct, quote, 1n, alice.address, { gasLimit: 1e6 });
    }

    it("up for longer than the grace period: withdrawals work", async () => {
      await expect(withdrawAt((await time.latest()) + 1)).to.emit(ctx.engine, "Withdrawn");
    });

    it("down: withdrawals and the health view revert SequencerDown; deposits keep working", async () => {
      const now = BigInt(await time.latest());
      await seq.setRound(2, 1, now, now, 2);
      const before = await snap();
      const lib = oracleErrors(ctx.engine);
      await expect(withdrawAt(Number(now) + 5))
        .to.be.revertedWithCustomError(lib, "SequencerDown")
        .withArgs(s);
      await expect(ctx.engine.accountHealth(acct))
        .to.be.revertedWithCustomError(lib, "SequencerDown")
        .withArgs(s);
      expect(await snap()).to.deep.equal(before);
      await expect(ctx.engine.connect(alice).deposit(0, quote, 1n)).to.emit(
        ctx.engine,
        "Deposited",
      );
    });

    it("back up: SequencerGracePeriod until the grace period has passed (inclusive)", async () => {
      const upAt = BigInt((await time.latest()) + 1);
      await time.setNextBlockTimestamp(upAt);
      await seq.setRound(3, 0, upAt, upAt, 3);
      const lib = oracleErrors(ctx.engine);
      const before = await snap();
      for (const dt of [1, GRACE - 1, GRACE]) {
        await expect(withdrawAt(Number(upAt) + dt))
          .to.be.revertedWithCustomError(lib, "SequencerGracePeriod")
          .withArgs(s, upAt, GRACE);
      }
      expect(await snap()).to.deep.equal(before);
      await expect(withdrawAt(Number(upAt) + GRACE + 1)).to.emit(ctx.engine, "Withdrawn");
    });

    it("an uninitialised feed (startedAt = 0) counts as within the grace period", async () => {
      await seq.setRound(4, 0, 0, 0, 4);
      const before = await snap();
      await expect(withdrawAt((await time.latest()) + 1))
        .to.be.revertedWithCustomError(oracleErrors(ctx.engine), "SequencerGracePeriod")
        .withArgs(s, 0, GRACE);
      expect(await snap()).to.deep.equal(before);
    });

    it("setSequencer: grace period bound (ParameterOutOfBounds); the zero address disables the check", async () => {
      await expect(ctx.engine.setSequencer(s, 86_401))
        .to.be.revertedWithCustomError(ctx.engine, "ParameterOutOfBounds")
        .withArgs(b32("gracePeriod"), 86_401, 0, 86_400);
      await seq.setAnswer(1); // down
      await ctx.engine.setSequencer(ZeroAddress, 0);
      await expect(withdrawAt((await time.latest()) + 1)).to.emit(ctx.engine, "Withdrawn");
    });
  });

  describe("views", () => {
    it("collateralPrice rejects unlisted tokens and the quote token (UnknownToken)", async () => {
      await expect(ctx.engine.collateralPrice(ZeroAddress))
        .to.be.revertedWithCustomError(ctx.engine, "UnknownToken")
        .withArgs(ZeroAddress);
      await expect(ctx.engine.collateralPrice(quote))
        .to.be.revertedWithCustomError(ctx.engine, "UnknownToken")
        .withArgs(quote);
      expect(await ctx.engine.collateralPrice(ctx.collaterals.WETH.target)).to.equal(wad("3000"));
      expect(await ctx.engine.collateralPrice(ctx.collaterals.WBTC.target)).to.equal(wad("60000"));
    });

    /** The risk model's account: 3.3 WETH and 0.25 WBTC at the given prices (USD), positions in
     *  markets 0, 1, ... and the config's offset pairs. */
    function riskAccount(
      quoteBalance: bigint,
      [wethPrice, wbtcPrice]: [string, string],
      positions: PositionHolding[],
    ): RiskAccount {
      const weth = { amount: units("3.3", 18), decimals: 18, price: wad(wethPrice) };
      const wbtc = { amount: units("0.25", 8), decimals: 8, price: wad(wbtcPrice) };
      return {
        quoteBalance,
        quoteDecimals: QUOTE_DECIMALS,
        collaterals: [
          { ...weth, risk: collateralRiskOf(ctx, "WETH") },
          { ...wbtc, risk: collateralRiskOf(ctx, "WBTC") },
        ],
        positions: positions.map((p, marketId) => ({ ...p, marketId })),
        pairs: offsetPairs(ctx),
        ordersIm: 0n,
      };
    }

    it("accountHealth: equity, IM, MM of a multi-collateral account with two positions (model)", async () => {
      const { WETH, WBTC } = ctx.collaterals;
      await addLiquidity(ctx, ctx.users[9], units("5000000", 6));
      await fund(WETH, ctx.engineAddress, alice, units("10", 18));
      await fund(WBTC, ctx.engineAddress, alice, units("1", 8));
      const e = ctx.engine.connect(alice);
      await e.deposit(0, quote, units("2000", 6));
      await e.deposit(0, WETH.target, units("3.3", 18));
      await e.deposit(0, WBTC.target, units("0.25", 8));
      const eth = new ModelMarket(marketParams(ctx.config.markets[0]));
      const btc = new ModelMarket(marketParams(ctx.config.markets[1]));
      const t1 = (await time.latest()) + 5;
      const r1 = eth.trade(wad("12"), wad("3000"), BigInt(t1));
      await tradeAt(ctx, alice, acct, 0, wad("12"), t1);
      const r2 = btc.trade(-wad("0.4"), wad("60000"), BigInt(t1 + 1));
      await tradeAt(ctx, alice, acct, 1, -wad("0.4"), t1 + 1);
      const q = units("2000", 6) + r1.quoteDelta + r2.quoteDelta;
      expect((await ctx.engine.getAccount(acct)).quoteBalance).to.equal(q);

      // prices move: ETH market and WETH collateral to 2700, BTC market and WBTC to 63000
      await ctx.marketFeeds[0].updateAnswer(feedAnswer("2700"));
      await ctx.marketFeeds[1].updateAnswer(feedAnswer("63000"));
      await ctx.collateralFeeds.WETH.updateAnswer(feedAnswer("2700"));
      await ctx.collateralFeeds.WBTC.updateAnswer(feedAnswer("63000"));
      const t2 = t1 + 7200;
      await time.increaseTo(t2);
      // The risk model (docs/math.md "Risk model"): the collaterals at their maintenance weights
      // in equity and the initial weights' difference in IM; long ETH and short BTC are the
      // legs of the config's offset pair, whose credit comes off IM and MM.
      const model = riskHealth(
        riskAccount(
          q,
          ["2700", "63000"],
          [eth.holding(wad("2700"), BigInt(t2)), btc.holding(wad("63000"), BigInt(t2))],
        ),
      );
      expect(model.collateralIm > 0n).to.equal(true);
      expect(model.credits.some((c) => c.creditMM > 0n)).to.equal(true);
      const h = await ctx.engine.accountHealth(acct);
      expect([h.equity, h.im, h.mm]).to.deep.equal([model.equity, model.im, model.mm]);
      expect(await ctx.engine.isLiquidatable(acct)).to.equal(model.equity < model.mm);
      expect(model.equity < model.mm).to.equal(false);
      // a crash makes it liquidatable, as the model predicts
      await ctx.marketFeeds[0].updateAnswer(feedAnswer("1000"));
      await ctx.collateralFeeds.WETH.updateAnswer(feedAnswer("1000"));
      const t3 = (await time.latest()) + 1;
      await time.increaseTo(t3);
      const crash = riskHealth(
        riskAccount(
          q,
          ["1000", "63000"],
          [eth.holding(wad("1000"), BigInt(t3)), btc.holding(wad("63000"), BigInt(t3))],
        ),
      );
      const h3 = await ctx.engine.accountHealth(acct);
      expect([h3.equity, h3.im, h3.mm]).to.deep.equal([crash.equity, crash.im, crash.mm]);
      expect(crash.equity < crash.mm).to.equal(true);
      expect(await ctx.engine.isLiquidatable(acct)).to.equal(true);
    });
  });
});

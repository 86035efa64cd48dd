/** Vault withdrawals: balances, the initial-margin rule with open positions, debt blocking
 *  other collateral, pause, fee-on-transfer; expected values from the TS model. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";
import {
  FeeOnTransferToken__factory,
  MockERC20,
  MockERC20__factory,
  MockV3Aggregator__factory,
} from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { feedAnswer, units, wad } from "../../../src/common/units";
import { MarginSummary, divFloor, marginSummary, riskHealth } from "../../../src/model";
import {
  QUOTE_DECIMALS,
  Ctx,
  DAY,
  MOCK_DESCRIPTION,
  ModelMarket,
  addLiquidity,
  fund,
  holding,
  marketParams,
  modelAccount,
  setup,
  tradeAt,
  vaultSnapshot,
} from "./helpers";
import { collateralParams, collateralRiskOf } from "../../helpers/risk";
import { ETH } from "../../../src/common";

const USD = 10n ** 12n; // quote unit -> USD WAD

describe("vault: withdraw", () => {
  let ctx: Ctx;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let WETH: MockERC20;
  let quote: string;
  let weth: string;
  let acct: bigint;

  beforeEach(async () => {
    ctx = await setup();
    [alice, bob] = ctx.users;
    WETH = ctx.collaterals.WETH;
    quote = await ctx.quote.getAddress();
    weth = await WETH.getAddress();
    acct = accountId(alice.address, 0);
    await fund(ctx.quote, ctx.engineAddress, alice, units("1000000", 6));
    await fund(WETH, ctx.engineAddress, alice, units("1000", 18));
    await addLiquidity(ctx, ctx.users[9], units("1000000", 6));
  });

  const snap = (tokens = [quote, weth]) =>
    vaultSnapshot(ctx, tokens, [acct], [alice.address, bob.address]);

  /** WETH's config in the deployment (the model's input, not read from the engine). */
  const wethConfig = () => ctx.config.collaterals.find((c) => c.symbol === "WETH")!;
  /** WETH's maintenance weight: what equity counts. */
  const wethWeight = (): string => wethConfig().maintenanceWeight;

  /** A withdrawal mined at `at` even if it reverts (fixed gas: no estimate at another time). */
  async function withdrawAt(at: number, token: string, amount: bigint) {
    await time.setNextBlockTimestamp(at);
    return ctx.engine
      .connect(alice)
      .withdraw(acct, token, amount, alice.address, { gasLimit: 1_000_000 });
  }

  describe("happy path", () => {
    it("pays the recipient, debits the account, emits Withdrawn; equity follows the model", async () => {
      const e = ctx.engine.connect(alice);
      await e.deposit(0, quote, units("500", 6));
      await e.deposit(0, weth, units("2", 18));
      const tx = e.withdraw(acct, quote, units("120.5", 6), bob.address);
      await expect(tx)
        .to.emit(ctx.engine, "Withdrawn")
        .withArgs(acct, quote, bob.address, 120_500000n);
      await expect(tx).to.changeTokenBalances(
        ctx.quote,
        [bob, alice, ctx.engine],
        [120_500000n, 0n, -120_500000n],
      );
      await expect(e.withdraw(acct, weth, units("0.5", 18), alice.address)).to.changeTokenBalances(
        WETH,
        [alice, ctx.engine],
        [units("0.5", 18), -units("0.5", 18)],
      );
      expect((await ctx.engine.getAccount(acct)).quoteBalance).to.equal(379_500000n);
      expect((await ctx.engine.getCollateral(weth)).totalDeposited).to.equal(units("1.5", 18));
      const model = marginSummary(
        modelAccount(379_500000n, [holding(units("1.5", 18), 18, "3000", wethWeight())]),
      );
      expect(wethWeight()).to.equal("0.84");
      expect(model.equity).to.equal(wad("4159.5")); // 379.5 + 1.5 * 3000 * 0.84
      expect((await ctx.engine.accountHealth(acct)).equity).to.equal(model.equity);
      // a full withdrawal clears the collateral's bit
      await e.withdraw(acct, weth, units("1.5", 18), alice.address);
      expect((await ctx.engine.getAccount(acct)).collateralMask).to.equal(0n);
      expect(await ctx.engine.collateralBalance(acct, weth)).to.equal(0n);
    });

    it("fee-on-transfer collateral: the account is debited what leaves the vault", async () => {
      const fot = await new FeeOnTransferToken__factory(ctx.admin).deploy(100);
      const t = await fot.getAddress();
      const feed = await new MockV3Aggregator__factory(ctx.admin).deploy(8, feedAnswer("1", 8));
      await ctx.engine.listCollateral(
        t,
        collateralParams(await feed.getAddress(), DAY, {
          weight: "0.5",
          discount: 0n,
          cap: units("1000000", 18),
        }),
        MOCK_DESCRIPTION,
      );
      await fund(fot, ctx.engineAddress, alice, units("1000", 18));
      await ctx.engine.connect(alice).deposit(0, t, units("1000", 18)); // 990 arrive
      const out = units("500", 18);
      await expect(
        ctx.engine.connect(alice).withdraw(acct, t, out, bob.address),
      ).to.changeTokenBalances(fot, [bob, ctx.engine], [units("495", 18), -out]);
      expect(await ctx.engine.collateralBalance(acct, t)).to.equal(units("490", 18));
      expect(await fot.balanceOf(ctx.engineAddress)).to.equal(units("490", 18));
      expect((await ctx.engine.getCollateral(t)).totalDeposited).to.equal(units("490", 18));
    });
  });

  describe("bad input: custom error, nothing changed", () => {
    beforeEach(async () => {
      await ctx.engine.connect(alice).deposit(0, quote, units("100", 6));
      await ctx.engine.connect(alice).deposit(0, weth, units("1", 18));
    });

    it("zero amount (ZeroAmount), zero or engine recipient (InvalidRecipient)", async () => {
      const before = await snap();
      const e = ctx.engine.connect(alice);
      for (const t of [quote, weth]) {
        await expect(e.withdraw(acct, t, 0, alice.address)).to.be.revertedWithCustomError(
          ctx.engine,
          "ZeroAmount",
        );
        await expect(e.withdraw(acct, t, 1n, ZeroAddress))
          .to.be.revertedWithCustomError(ctx.engine, "InvalidRecipient")
          .withArgs(ZeroAddress);
        const engineAddress = await ctx.engine.getAddress();
        await expect(e.withdraw(acct, t, 1n, engineAddress))
          .to.be.revertedWithCustomError(ctx.engine, "InvalidRecipient")
          .withArgs(engineAddress);
      }
      expect(await snap()).to.deep.equal(before);
    });

    it("more than the balance (InsufficientBalance), quote and collateral, never below zero", async () => {
      const before = await snap();
      const e = ctx.engine.connect(alice);
      await expect(e.withdraw(acct, quote, units("100", 6) + 1n, alice.address))
        .to.be.revertedWithCustomError(ctx.engine, "InsufficientBalance")
        .withArgs(acct, quote, units("100", 6), units("100", 6) + 1n);
      await expect(e.withdraw(acct, weth, units("1", 18) + 1n, alice.address))
        .to.be.revertedWithCustomError(ctx.engine, "InsufficientBalance")
        .withArgs(acct, weth, units("1", 18), units("1", 18) + 1n);
      const huge = 1n << 200n; // beyond int96: still a clean error
      await expect(e.withdraw(acct, quote, huge, alice.address))
        .to.be.revertedWithCustomError(ctx.engine, "InsufficientBalance")
        .withArgs(acct, quote, units("100", 6), huge);
      const empty = accountId(alice.address, 1);
      await expect(e.withdraw(empty, quote, 1n, alice.address))
        .to.be.revertedWithCustomError(ctx.engine, "InsufficientBalance")
        .withArgs(empty, quote, 0n, 1n);
      expect(await snap()).to.deep.equal(before);
    });

    it("unlisted token (UnknownToken)", async () => {
      const stray = await new MockERC20__factory(ctx.admin).deploy("Stray", "S", 18);
      await stray.mint(ctx.engineAddress, 1000n); // even with tokens lying in the vault
      const t = await stray.getAddress();
      const before = await snap([quote, weth, t]);
      await expect(ctx.engine.connect(alice).withdraw(acct, t, 1000n, alice.address))
        .to.be.revertedWithCustomError(ctx.engine, "UnknownToken")
        .withArgs(t);
      expect(await snap([quote, weth, t])).to.deep.equal(before);
    });

    it("caller neither owner nor operator (Unauthorized)", async () => {
      const before = await snap();
      for (const t of [quote, weth]) {
        await expect(ctx.engine.connect(bob).withdraw(acct, t, 1n, bob.address))
          .to.be.revertedWithCustomError(ctx.engine, "Unauthorized")
          .withArgs(bob.address, acct);
      }
      const bad = acct | (1n << 180n);
      await expect(ctx.engine.connect(alice).withdraw(bad, quote, 1n, alice.address))
        .to.be.revertedWithCustomError(ctx.engine, "InvalidAccount")
        .withArgs(bad);
      expect(await snap()).to.deep.equal(before);
    });
  });

  describe("health rule: equity >= IM after the withdrawal", () => {
    const params = () => marketParams(ctx.config.markets[ETH]);
    const P = wad("3000");

    /** The largest amount in [0, hi] for which `ok` holds (`ok` monotone decreasing). */
    function maxWhere(hi: bigint, ok: (x: bigint) => boolean): bigint {
      let lo = 0n;
      while (lo < hi) {
        const mid = (lo + hi + 1n) / 2n;
        if (ok(mid)) lo = mid;
        else hi = mid - 1n;
      }
      return lo;
    }

    it("INV-7: quote: the model's maximum passes, one unit more reverts InsufficientMargin", async () => {
      const deposit = units("10000", 6);
      await ctx.engine.connect(alice).deposit(0, quote, deposit);
      const m = new ModelMarket(params());
      const t1 = (await time.latest()) + 10;
      const r = m.trade(wad("10"), P, BigInt(t1));
      await tradeAt(ctx, alice, acct, ETH, wad("10"), t1);
      const q = deposit + r.quoteDelta;
      expect((await ctx.engine.getAccount(acct)).quoteBalance).to.equal(q);
      const pos = await ctx.engine.getPosition(acct, ETH);
      expect([pos.size, pos.entryPrice, pos.fundingIndex]).to.deep.equal([
        m.position.size,
        m.position.entryPrice,
        m.position.fundingIndex,
      ]);

      const at = (t: number, w: bigint): MarginSummary =>
        marginSummary(modelAccount(q - w, [], [m.holding(P, BigInt(t))]));
      const t2 = t1 + 3600;
      expect(m.holding(P, BigInt(t2)).indexNow > 0n).to.equal(true); // longs pay funding
      const s0 = at(t2, 0n);
      const wMax = divFloor(s0.equity - s0.IM, USD);
      expect(at(t2, wMax).equity >= at(t2, wMax).IM).to.equal(true);
      const over = at(t2, wMax + 1n);
      expect(over.equity < over.IM).to.equal(true);
      const before = await snap();
      await expect(withdrawAt(t2, quote, wMax + 1n))
        .to.be.revertedWithCustomError(ctx.engine, "InsufficientMargin")
        .withArgs(acct, over.equity, over.IM);
      expect(await snap()).to.deep.equal(before);

      const t3 = t2 + 60;
      const s3 = at(t3, 0n);
      const w3 = divFloor(s3.equity - s3.IM, USD);
      await expect(withdrawAt(t3, quote, w3)).to.emit(ctx.engine, "Withdrawn");
      const h = await ctx.engine.accountHealth(acct);
      const after = at(t3, w3);
      const now = await time.latest();
      expect(now).to.equal(t3);
      expect([h.equity, h.im, h.mm]).to.deep.equal([after.equity, after.IM, after.MM]);
    });

    it("INV-7: collateral: WETH beyond the model's maximum reverts InsufficientMargin", async () => {
      const e = ctx.engine.connect(alice);
      await e.deposit(0, quote, units("1000", 6));
      await e.deposit(0, weth, units("5", 18));
      const m = new ModelMarket(params());
      const t1 = (await time.latest()) + 10;
      const r = m.trade(wad("20"), P, BigInt(t1));
      await tradeAt(ctx, alice, acct, ETH, wad("20"), t1);
      const q = units("1000", 6) + r.quoteDelta;
      expect(q > 0n).to.equal(true); // no debt, so only the margin rule applies
      const t2 = t1 + 600;
      // Equity counts WETH at its maintenance weight; IM adds the part above its initial weight
      // (the risk model, docs/math.md "Collateral weights").
      const summary = (w: bigint) =>
        riskHealth({
          quoteBalance: q,
          quoteDecimals: QUOTE_DECIMALS,
          collaterals: [
            {
              amount: units("5", 18) - w,
              decimals: 18,
              price: P,
              risk: collateralRiskOf(ctx, "WETH"),
            },
          ],
          positions: [{ ...m.holding(P, BigInt(t2)), marketId: ETH }],
          pairs: [],
          ordersIm: 0n,
        });
      const wMax = maxWhere(units("5", 18), (w) => summary(w).equity >= summary(w).im);
      expect(wMax > 0n && wMax < units("5", 18)).to.equal(true);
      const over = summary(wMax + 1n);
      expect(over.collateralIm > 0n).to.equal(true);
      const before = await snap();
      await expect(withdrawAt(t2, weth, wMax + 1n))
        .to.be.revertedWithCustomError(ctx.engine, "InsufficientMargin")
        .withArgs(acct, over.equity, over.im);
      expect(await snap()).to.deep.equal(before);
      await expect(withdrawAt(t2 + 1, weth, wMax - units("0.001", 18))).to.emit(
        ctx.engine,
        "Withdrawn",
      );
    });

    it("paused: healthy withdrawals still work, unhealthy ones still revert, new risk does not open", async () => {
      await ctx.engine.connect(alice).deposit(0, quote, units("10000", 6));
      const m = new ModelMarket(params());
      const t1 = (await time.latest()) + 10;
      const r = m.trade(wad("10"), P, BigInt(t1));
      await tradeAt(ctx, alice, acct, ETH, wad("10"), t1);
      await ctx.engine.connect(ctx.admin).pause();
      const q = units("10000", 6) + r.quoteDelta;
      const t2 = t1 + 100;
      const s = marginSummary(modelAccount(q, [], [m.holding(P, BigInt(t2))]));
      const wMax = divFloor(s.equity - s.IM, USD);
      const over = marginSummary(modelAccount(q - wMax - 1n, [], [m.holding(P, BigInt(t2))]));
      const before = await snap();
      await expect(withdrawAt(t2, quote, wMax + 1n))
        .to.be.revertedWithCustomError(ctx.engine, "InsufficientMargin")
        .withArgs(acct, over.equity, over.IM);
      expect(await snap()).to.deep.equal(before);
      await expect(withdrawAt(t2 + 1, quote, units("1000", 6))).to.emit(ctx.engine, "Withdrawn");
      await expect(tradeAt(ctx, alice, acct, ETH, wad("1"), t2 + 2)).to.be.revertedWithCustomError(
        ctx.engine,
        "ProtocolPaused",
      );
      expect(await ctx.engine.paused()).to.equal(true);
    });
  });

  describe("debt blocks other collateral (DebtOutstanding)", () => {
    it("INV-9: a losing trade leaves quote debt; WETH stays locked until a quote deposit repays it", async () => {
      const e = ctx.engine.connect(alice);
      await e.deposit(0, weth, units("2", 18));
      const m = new ModelMarket(marketParams(ctx.config.markets[ETH]));
      const t1 = (await time.latest()) + 10;
      const open = m.trade(wad("1"), wad("3000"), BigInt(t1));
      await tradeAt(ctx, alice, acct, ETH, wad("1"), t1);
      await ctx.marketFeeds[ETH].updateAnswer(feedAnswer("2900"));
      const t2 = (await time.latest()) + 30;
      const close = m.trade(-wad("1"), wad("2900"), BigInt(t2));
      await tradeAt(ctx, alice, acct, ETH, -wad("1"), t2);
      const debt = open.quoteDelta + close.quoteDelta;
      expect(debt < -units("100", 6)).to.equal(true); // ~ -100 USD loss and two fees
      const a = await ctx.engine.getAccount(acct);
      expect(a.quoteBalance).to.equal(debt);
      expect(a.marketMask).to.equal(0n);

      const before = await snap();
      await expect(e.withdraw(acct, weth, 1n, alice.address))
        .to.be.revertedWithCustomError(ctx.engine, "DebtOutstanding")
        .withArgs(acct, debt);
      await expect(e.withdraw(acct, quote, 1n, alice.address))
        .to.be.revertedWithCustomError(ctx.engine, "InsufficientBalance")
        .withArgs(acct, quote, 0n, 1n);
      expect(await snap()).to.deep.equal(before);
      // equity (model): 2 * 3000 * wM + debt
      const model = marginSummary(
        modelAccount(debt, [holding(units("2", 18), 18, "3000", wethWeight())]),
      );
      expect((await ctx.engine.accountHealth(acct)).equity).to.equal(model.equity);

      await e.deposit(0, quote, units("50", 6)); // partial repayment: still locked
      await expect(e.withdraw(acct, weth, 1n, alice.address))
        .to.be.revertedWithCustomError(ctx.engine, "DebtOutstanding")
        .withArgs(acct, debt + units("50", 6));
      await e.deposit(0, quote, -debt - units("50", 6)); // exactly repaid
      expect((await ctx.engine.getAccount(acct)).quoteBalance).to.equal(0n);
      await expect(e.withdraw(acct, weth, units("2", 18), alice.address)).to.changeTokenBalance(
        WETH,
        alice,
        units("2", 18),
      );
      expect((await ctx.engine.getAccount(acct)).collateralMask).to.equal(0n);
    });
  });
});

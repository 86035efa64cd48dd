/** Vault deposits: quote and collateral, depositFor, caps, fee-on-transfer, the per-account
 *  collateral limit, pause; expected values from the TS model (src/model). */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  FeeOnTransferToken,
  FeeOnTransferToken__factory,
  MockERC20,
  MockERC20__factory,
  MockV3Aggregator__factory,
} from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { feedAnswer, units, wad } from "../../../src/common/units";
import {
  collateralValueUsd,
  collateralWeightedUsd,
  marginSummary,
  quoteToUsd,
} from "../../../src/model";
import {
  Ctx,
  DAY,
  MOCK_DESCRIPTION,
  fund,
  holding,
  listMock,
  modelAccount,
  setup,
  vaultSnapshot,
} from "./helpers";
import { collateralParams } from "../../helpers/risk";

describe("vault: deposit", () => {
  let ctx: Ctx;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let WETH: MockERC20;
  let WBTC: MockERC20;
  let quote: string;
  let acct: bigint;

  beforeEach(async () => {
    ctx = await setup();
    [alice, bob] = ctx.users;
    ({ WETH, WBTC } = ctx.collaterals);
    quote = await ctx.quote.getAddress();
    acct = accountId(alice.address, 0);
    await fund(ctx.quote, ctx.engineAddress, alice, units("1000000", 6));
    await fund(WETH, ctx.engineAddress, alice, units("1000", 18));
    await fund(WBTC, ctx.engineAddress, alice, units("10000", 8));
  });

  const snap = (tokens: string[], accounts: bigint[], holders: string[] = []) =>
    vaultSnapshot(ctx, tokens, accounts, holders);

  /** A fixture collateral's maintenance weight (what equity counts), from the deploy config. */
  const weightOf = (symbol: string): string =>
    ctx.config.collaterals.find((c) => c.symbol === symbol)!.maintenanceWeight;

  describe("quote token", () => {
    it("credits the signed quote balance, moves the tokens, emits Deposited, returns the amount", async () => {
      const amount = units("2500.5", 6);
      const e = ctx.engine.connect(alice);
      expect(await e.deposit.staticCall(0, quote, amount)).to.equal(amount);
      const tx = e.deposit(0, quote, amount);
      await expect(tx)
        .to.emit(ctx.engine, "Deposited")
        .withArgs(acct, quote, alice.address, amount);
      await expect(tx).to.changeTokenBalances(ctx.quote, [alice, ctx.engine], [-amount, amount]);
      const a = await ctx.engine.getAccount(acct);
      expect(a.quoteBalance).to.equal(amount);
      expect(a.collateralMask).to.equal(0n); // the quote token is not in the collateral mask
      const h = await ctx.engine.accountHealth(acct);
      expect(h.equity).to.equal(quoteToUsd(amount, 6));
      expect([h.im, h.mm]).to.deep.equal([0n, 0n]);
    });

    it("accumulates several deposits and keeps sub-accounts apart", async () => {
      const e = ctx.engine.connect(alice);
      await e.deposit(0, quote, units("100", 6));
      await e.deposit(0, quote, units("0.000001", 6));
      await e.deposit(5, quote, units("7", 6));
      expect((await ctx.engine.getAccount(acct)).quoteBalance).to.equal(100_000001n);
      expect((await ctx.engine.getAccount(accountId(alice.address, 5))).quoteBalance).to.equal(
        7_000000n,
      );
      expect(await ctx.quote.balanceOf(ctx.engineAddress)).to.equal(107_000001n);
    });
  });

  describe("collateral tokens", () => {
    it("credits WETH and WBTC, sets the mask bits, counts totalDeposited; equity as the model", async () => {
      const sub = 3;
      const a3 = accountId(alice.address, sub);
      const e = ctx.engine.connect(alice);
      const weth = units("1.5", 18);
      const wbtc = units("0.12345678", 8);
      await expect(e.deposit(sub, WETH.target, weth))
        .to.emit(ctx.engine, "Deposited")
        .withArgs(a3, WETH.target, alice.address, weth);
      await expect(e.deposit(sub, WBTC.target, wbtc)).to.changeTokenBalances(
        WBTC,
        [alice, ctx.engine],
        [-wbtc, wbtc],
      );
      await e.deposit(sub, WETH.target, weth); // a repeat deposit adds up
      expect(await ctx.engine.collateralBalance(a3, WETH.target)).to.equal(2n * weth);
      expect(await ctx.engine.collateralBalance(a3, WBTC.target)).to.equal(wbtc);
      expect((await ctx.engine.getCollateral(WETH.target)).totalDeposited).to.equal(2n * weth);
      expect((await ctx.engine.getCollateral(WBTC.target)).totalDeposited).to.equal(wbtc);
      // WETH was listed first (index 0), WBTC second (index 1)
      expect((await ctx.engine.getAccount(a3)).collateralMask).to.equal(0b11n);
      expect((await ctx.engine.getAccount(acct)).collateralMask).to.equal(0n);
      // Both balances lie below their size thresholds: each counts at its maintenance weight.
      const model = marginSummary(
        modelAccount(0n, [
          holding(2n * weth, 18, "3000", weightOf("WETH")),
          holding(wbtc, 8, "60000", weightOf("WBTC")),
        ]),
      );
      // 3 * 3000 * 0.84 + 0.12345678 * 60000 * 0.88 = 7560 + 6518.517984
      expect([weightOf("WETH"), weightOf("WBTC")]).to.deep.equal(["0.84", "0.88"]);
      expect(model.weightedCollateral).to.equal(wad("14078.517984"));
      expect((await ctx.engine.accountHealth(a3)).equity).to.equal(model.equity);
    });

    it("depositFor: the payer pays, the named account is credited, the event names the payer; a new collateral type needs the owner or an operator (INV-24)", async () => {
      const target = accountId(bob.address, 9);
      const amount = units("2", 18);
      const e = ctx.engine.connect(alice);
      // Bob's account holds no WETH: a stranger may not add the type (dust griefing).
      await expect(e.depositFor(target, WETH.target, amount))
        .to.be.revertedWithCustomError(ctx.engine, "Unauthorized")
        .withArgs(alice.address, target);
      await ctx.engine.connect(bob).setOperator(target, alice.address, true);
      expect(await e.depositFor.staticCall(target, WETH.target, amount)).to.equal(amount);
      const tx = e.depositFor(target, WETH.target, amount);
      await expect(tx)
        .to.emit(ctx.engine, "Deposited")
        .withArgs(target, WETH.target, alice.address, amount);
      await expect(tx).to.changeTokenBalances(WETH, [alice, bob, ctx.engine], [-amount, 0, amount]);
      expect(await ctx.engine.collateralBalance(target, WETH.target)).to.equal(amount);
      expect(await ctx.engine.collateralBalance(acct, WETH.target)).to.equal(0n);
      await e.depositFor(target, quote, units("10", 6));
      expect((await ctx.engine.getAccount(target)).quoteBalance).to.equal(units("10", 6));
      const expected = collateralWeightedUsd(
        collateralValueUsd(amount, 18, wad("3000")),
        wad(weightOf("WETH")),
      );
      expect((await ctx.engine.accountHealth(target)).equity).to.equal(
        expected + quoteToUsd(units("10", 6), 6),
      );
    });

    it("deposits keep working while the protocol is paused", async () => {
      await ctx.engine.pause();
      expect(await ctx.engine.paused()).to.equal(true);
      await expect(ctx.engine.connect(alice).deposit(0, WETH.target, 5n)).to.emit(
        ctx.engine,
        "Deposited",
      );
      await expect(ctx.engine.connect(alice).depositFor(acct, quote, 5n)).to.emit(
        ctx.engine,
        "Deposited",
      );
      const a = await ctx.engine.getAccount(acct);
      expect([a.quoteBalance, await ctx.engine.collateralBalance(acct, WETH.target)]).to.deep.equal(
        [5n, 5n],
      );
    });
  });

  describe("bad input: custom error, nothing changed", () => {
    it("zero amount (ZeroAmount) for quote and collateral, deposit and depositFor", async () => {
      const tokens = [quote, await WETH.getAddress()];
      const before = await snap(tokens, [acct], [alice.address]);
      for (const t of tokens) {
        await expect(ctx.engine.connect(alice).deposit(0, t, 0)).to.be.revertedWithCustomError(
          ctx.engine,
          "ZeroAmount",
        );
        await expect(
          ctx.engine.connect(alice).depositFor(acct, t, 0),
        ).to.be.revertedWithCustomError(ctx.engine, "ZeroAmount");
      }
      expect(await snap(tokens, [acct], [alice.address])).to.deep.equal(before);
    });

    it("unlisted token (UnknownToken)", async () => {
      const stray = await new MockERC20__factory(ctx.admin).deploy("Stray", "STR", 18);
      await fund(stray, ctx.engineAddress, alice, 100n);
      const t = await stray.getAddress();
      const before = await snap([t], [acct], [alice.address]);
      await expect(ctx.engine.connect(alice).deposit(0, t, 100n))
        .to.be.revertedWithCustomError(ctx.engine, "UnknownToken")
        .withArgs(t);
      await expect(ctx.engine.connect(alice).depositFor(acct, t, 1n))
        .to.be.revertedWithCustomError(ctx.engine, "UnknownToken")
        .withArgs(t);
      expect(await snap([t], [acct], [alice.address])).to.deep.equal(before);
    });

    it("over the deposit cap, summed over all accounts (DepositCapExceeded); the cap itself is fine", async () => {
      const cap = units("5000", 8); // deploy config: WBTC cap 5000
      expect((await ctx.engine.getCollateral(WBTC.target)).depositCap).to.equal(cap);
      await fund(WBTC, ctx.engineAddress, bob, units("5000", 8));
      await ctx.engine.connect(alice).deposit(0, WBTC.target, units("3000", 8));
      const bobAcct = accountId(bob.address, 0);
      const t = await WBTC.getAddress();
      const before = await snap([t], [acct, bobAcct], [alice.address, bob.address]);
      await expect(ctx.engine.connect(bob).deposit(0, t, units("2000", 8) + 1n))
        .to.be.revertedWithCustomError(ctx.engine, "DepositCapExceeded")
        .withArgs(t, cap, cap + 1n);
      await ctx.engine.connect(bob).setOperator(bobAcct, alice.address, true);
      await expect(ctx.engine.connect(alice).depositFor(bobAcct, t, units("2001", 8)))
        .to.be.revertedWithCustomError(ctx.engine, "DepositCapExceeded")
        .withArgs(t, cap, cap + units("1", 8));
      expect(await snap([t], [acct, bobAcct], [alice.address, bob.address])).to.deep.equal(before);
      await ctx.engine.connect(bob).deposit(0, t, units("2000", 8)); // exactly at the cap
      expect((await ctx.engine.getCollateral(t)).totalDeposited).to.equal(cap);
      await expect(ctx.engine.connect(bob).deposit(0, t, 1n)).to.be.revertedWithCustomError(
        ctx.engine,
        "DepositCapExceeded",
      );
    });

    it("amounts above uint128 (AmountTooLarge), missing allowance or balance (token's error)", async () => {
      const tooBig = 1n << 128n;
      const bobAcct = accountId(bob.address, 0);
      const before = await snap([quote], [acct, bobAcct], [alice.address]);
      await expect(ctx.engine.connect(alice).deposit(0, quote, tooBig))
        .to.be.revertedWithCustomError(ctx.engine, "AmountTooLarge")
        .withArgs(tooBig, tooBig - 1n);
      await ctx.quote.mint(bob.address, 10n);
      await expect(ctx.engine.connect(bob).deposit(0, quote, 10n)).to.be.revertedWithCustomError(
        ctx.quote,
        "ERC20InsufficientAllowance",
      );
      await ctx.quote.connect(bob).approve(ctx.engineAddress, 11n);
      await expect(ctx.engine.connect(bob).deposit(0, quote, 11n)).to.be.revertedWithCustomError(
        ctx.quote,
        "ERC20InsufficientBalance",
      );
      expect(await snap([quote], [acct, bobAcct], [alice.address])).to.deep.equal(before);
    });

    it("an invalid account id for depositFor (InvalidAccount)", async () => {
      const bad = 1n << 168n;
      const before = await snap([quote], [acct], [alice.address]);
      await expect(ctx.engine.connect(alice).depositFor(bad, quote, 1n))
        .to.be.revertedWithCustomError(ctx.engine, "InvalidAccount")
        .withArgs(bad);
      expect(await snap([quote], [acct], [alice.address])).to.deep.equal(before);
    });
  });

  describe("fee-on-transfer token", () => {
    let fot: FeeOnTransferToken;
    let t: string;

    beforeEach(async () => {
      fot = await new FeeOnTransferToken__factory(ctx.admin).deploy(100); // 1 % burnt per transfer
      t = await fot.getAddress();
      const feed = await new MockV3Aggregator__factory(ctx.admin).deploy(8, feedAnswer("2", 8));
      await ctx.engine.listCollateral(
        t,
        collateralParams(await feed.getAddress(), DAY, {
          weight: "0.5",
          discount: "0.1",
          cap: units("1000000", 18),
        }),
        MOCK_DESCRIPTION,
      );
      await fund(fot, ctx.engineAddress, alice, units("10000", 18));
    });

    it("credits what arrived (99 %), in the balance, the event, the return value and the total", async () => {
      const sent = units("1000", 18);
      const arrived = units("990", 18);
      const e = ctx.engine.connect(alice);
      expect(await e.deposit.staticCall(0, t, sent)).to.equal(arrived);
      const tx = e.deposit(0, t, sent);
      await expect(tx).to.emit(ctx.engine, "Deposited").withArgs(acct, t, alice.address, arrived);
      await expect(tx).to.changeTokenBalances(fot, [alice, ctx.engine], [-sent, arrived]);
      expect(await ctx.engine.collateralBalance(acct, t)).to.equal(arrived);
      expect((await ctx.engine.getCollateral(t)).totalDeposited).to.equal(arrived);
      await ctx.engine.connect(bob).setOperator(accountId(bob.address, 0), alice.address, true);
      await e.depositFor(accountId(bob.address, 0), t, units("100", 18));
      expect(await ctx.engine.collateralBalance(accountId(bob.address, 0), t)).to.equal(
        units("99", 18),
      );
      expect(await fot.balanceOf(ctx.engineAddress)).to.equal(units("1089", 18));
      expect((await ctx.engine.getCollateral(t)).totalDeposited).to.equal(units("1089", 18));
      // 990 * $2 * 0.5
      const weighted = collateralWeightedUsd(collateralValueUsd(arrived, 18, wad("2")), wad("0.5"));
      expect(weighted).to.equal(wad("990"));
      expect((await ctx.engine.accountHealth(acct)).equity).to.equal(weighted);
    });

    it("a token that delivers nothing is refused (ZeroAmount), nothing changed", async () => {
      const burnAll = await new FeeOnTransferToken__factory(ctx.admin).deploy(10_000);
      const b = await burnAll.getAddress();
      await ctx.engine.listCollateral(
        b,
        collateralParams((await ctx.engine.getCollateral(t)).feed, DAY, {
          weight: "0.5",
          discount: 0n,
          cap: units("1000", 18),
        }),
        MOCK_DESCRIPTION,
      );
      await fund(burnAll, ctx.engineAddress, alice, units("10", 18));
      const before = await snap([b], [acct], [alice.address]);
      await expect(
        ctx.engine.connect(alice).deposit(0, b, units("10", 18)),
      ).to.be.revertedWithCustomError(ctx.engine, "ZeroAmount");
      expect(await snap([b], [acct], [alice.address])).to.deep.equal(before);
    });
  });

  describe("collateral types per account (max 8)", () => {
    it("a 9th distinct token reverts TooManyCollaterals; the quote token and repeats do not count", async () => {
      const shared = (await ctx.engine.getCollateral(WETH.target)).feed;
      const extra: MockERC20[] = [];
      for (let i = 0; i < 7; i++) {
        const l = await listMock(ctx, { symbol: `X${i}`, feed: shared, price: "3000" });
        await fund(l.token, ctx.engineAddress, alice, units("10", 18));
        extra.push(l.token);
      }
      const e = ctx.engine.connect(alice);
      await e.deposit(0, quote, 1n);
      await e.deposit(0, WETH.target, 1n);
      await e.deposit(0, WBTC.target, 1n);
      for (const tok of extra.slice(0, 6)) await e.deposit(0, tok.target, 1n);
      // indices 0..7 held: eight bits
      expect((await ctx.engine.getAccount(acct)).collateralMask).to.equal(0xffn);
      await e.deposit(0, extra[0].target, 1n); // a token already held is fine
      const ninth = await extra[6].getAddress();
      const tokens = [quote, ninth, await extra[0].getAddress()];
      const before = await snap(tokens, [acct], [alice.address]);
      await expect(e.deposit(0, ninth, 1n))
        .to.be.revertedWithCustomError(ctx.engine, "TooManyCollaterals")
        .withArgs(acct, 8n);
      await expect(e.depositFor(acct, ninth, 1n))
        .to.be.revertedWithCustomError(ctx.engine, "TooManyCollaterals")
        .withArgs(acct, 8n);
      expect(await snap(tokens, [acct], [alice.address])).to.deep.equal(before);
      // another account of the same owner is independent
      await e.deposit(1, ninth, 1n);
      // withdrawing a whole balance frees its slot
      await e.withdraw(acct, extra[0].target, 2n, alice.address);
      expect((await ctx.engine.getAccount(acct)).collateralMask).to.equal(0xffn - (1n << 2n));
      await e.deposit(0, ninth, 1n);
      expect((await ctx.engine.getAccount(acct)).collateralMask).to.equal(
        0xffn - (1n << 2n) + (1n << 8n),
      );
    });
  });

  describe("gas: first deposit of a token, repeat, withdraw", () => {
    it("a repeat deposit costs less than the first (warm account slot and balance)", async () => {
      const e = ctx.engine.connect(alice);
      const gas = async (p: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) =>
        (await (await p).wait())!.gasUsed;
      const firstQuote = await gas(e.deposit(0, quote, units("100", 6)));
      const repeatQuote = await gas(e.deposit(0, quote, units("100", 6)));
      const firstWeth = await gas(e.deposit(0, WETH.target, units("1", 18)));
      const repeatWeth = await gas(e.deposit(0, WETH.target, units("1", 18)));
      const partial = await gas(e.withdraw(acct, WETH.target, units("1", 18), alice.address));
      const full = await gas(e.withdraw(acct, WETH.target, units("1", 18), alice.address));
      const quoteOut = await gas(e.withdraw(acct, quote, units("50", 6), alice.address));
      if (process.env.VAULT_GAS_LOG)
        console.log({ firstQuote, repeatQuote, firstWeth, repeatWeth, partial, full, quoteOut });
      expect(repeatQuote).to.be.lessThan(firstQuote);
      expect(repeatWeth).to.be.lessThan(firstWeth);
      for (const g of [firstQuote, firstWeth, partial, full, quoteOut]) {
        expect(g).to.be.lessThan(200_000n);
      }
    });
  });
});

/** Adversarial tokens as collateral: fee-on-transfer, blocklists, odd decimals, re-entrant hooks,
 *  false-returning and no-return tokens; and what a fee-taking quote token would do. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import {
  BlocklistToken__factory,
  FeeOnTransferToken__factory,
  InsuranceFund__factory,
  LiquidityPool__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
  NoReturnToken__factory,
  ReturnsFalseToken__factory,
} from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { units, wad } from "../../../src/common/units";
import { marginSummary, seizeCollateral } from "../../../src/model";
import {
  Env,
  deposit,
  liquidateChecked,
  setMarketPrice,
  setup,
  trade,
  usdc,
  liquidationSettings,
} from "../../helpers/liquidation";
import { marketParams, trade as modelTrade } from "../../helpers/trading";
import { World } from "../../helpers/model-world";
import {
  engineFactory,
  expectConserved,
  freshEngine,
  depositToken,
  listToken,
  stateDigest,
  V3_DESCRIPTION,
  v3Feed,
} from "../../helpers/adversarial";
import { ETH, depositAction } from "../../../src/common";

describe("adversarial: tokens", () => {
  it("INV-6/INV-1: a 1 % fee-on-transfer collateral is credited what arrived, on deposit and in multicall", async () => {
    const env = await setup();
    const { engine } = env.sys;
    const [alice] = env.traders;
    const fot = await new FeeOnTransferToken__factory(env.deployer).deploy(100);
    const t = await fot.getAddress();
    await listToken(env.sys, t, { price: "10", weight: "0.8" });
    await fot.mint(alice.address, wad("1000"));
    await fot.connect(alice).approve(await engine.getAddress(), MaxUint256);
    const acct = accountId(alice.address, 0);
    expect(await engine.connect(alice).deposit.staticCall(0, t, wad("100"))).to.equal(wad("99"));
    await expect(engine.connect(alice).deposit(0, t, wad("100")))
      .to.emit(engine, "Deposited")
      .withArgs(acct, t, alice.address, wad("99"));
    const action = depositAction(t, wad("10"));
    await engine.connect(alice).multicall(acct, [action], MaxUint256);
    expect(await engine.collateralBalance(acct, t)).to.equal(wad("108.9"));
    // 108.9 tokens * 10 USD * 0.8
    const h = marginSummary({
      quoteBalance: 0n,
      quoteDecimals: 6,
      collaterals: [{ amount: wad("108.9"), decimals: 18, price: wad("10"), weight: wad("0.8") }],
      positions: [],
    });
    expect((await engine.accountHealth(acct)).equity)
      .to.equal(h.equity)
      .and.equal(wad("871.2"));
    // A withdrawal debits what leaves the engine; the receiver bears the fee.
    await expect(
      engine.connect(alice).withdraw(acct, t, wad("50"), alice.address),
    ).to.changeTokenBalances(fot, [engine, alice], [-wad("50"), wad("49.5")]);
    expect(await engine.collateralBalance(acct, t)).to.equal(wad("58.9"));
    await expectConserved(env.sys);
  });

  describe("a blocklisting collateral (USDC-style)", () => {
    let env: Env;
    let blk: Awaited<ReturnType<BlocklistToken__factory["deploy"]>>;
    let t: string;

    beforeEach(async () => {
      env = await setup();
      blk = await new BlocklistToken__factory(env.deployer).deploy(18);
      t = await blk.getAddress();
      await listToken(env.sys, t, { price: "100", weight: "0.9", discount: "0.05" });
    });

    it("INV-6: a blocked depositor's deposit reverts with the token's error and changes nothing; others deposit", async () => {
      const [alice, bob] = env.traders;
      await depositToken(env, blk, bob, wad("1"));
      await blk.mint(alice.address, wad("10"));
      await blk.connect(alice).approve(await env.sys.engine.getAddress(), MaxUint256);
      await blk.setBlocked(alice.address, true);
      const before = await stateDigest(env.sys, [alice.address, bob.address]);
      await expect(env.sys.engine.connect(alice).deposit(0, t, wad("10")))
        .to.be.revertedWithCustomError(blk, "Blocked")
        .withArgs(alice.address);
      expect(await stateDigest(env.sys, [alice.address, bob.address])).to.deep.equal(before);
      await blk.mint(bob.address, wad("0.5"));
      await env.sys.engine.connect(bob).deposit(0, t, wad("0.5")); // unaffected
      await expectConserved(env.sys);
    });

    it("INV-6: a withdrawal to a blocked receiver reverts and changes nothing; to another address it works", async () => {
      const [alice, carol] = env.traders;
      const acct = await depositToken(env, blk, alice, wad("10"));
      await blk.setBlocked(carol.address, true);
      const before = await stateDigest(env.sys, [alice.address, carol.address]);
      await expect(env.sys.engine.connect(alice).withdraw(acct, t, wad("4"), carol.address))
        .to.be.revertedWithCustomError(blk, "Blocked")
        .withArgs(carol.address);
      expect(await stateDigest(env.sys, [alice.address, carol.address])).to.deep.equal(before);
      // The engine does not enforce the token's list itself: a blocked owner may still withdraw
      // to another address (the engine is the sender), as with USDC.
      await blk.setBlocked(alice.address, true);
      await blk.setBlocked(carol.address, false);
      await expect(
        env.sys.engine.connect(alice).withdraw(acct, t, wad("4"), carol.address),
      ).to.changeTokenBalance(blk, carol, wad("4"));
      await expectConserved(env.sys);
    });

    it("INV-12/INV-29: an account holding it (owner blocked) is liquidated into bad debt; the fund buys the token at the discounted price first", async () => {
      const alice = env.traders[0];
      const acct = await depositToken(env, blk, alice, wad("100"));
      await deposit(env, alice, usdc(1_000));
      await trade(env, alice, ETH, wad("30"));
      await blk.setBlocked(alice.address, true);
      await setMarketPrice(env, ETH, "2600");
      const run = await liquidateChecked(env, acct);
      const fund = await env.sys.insuranceFund.getAddress();
      // 100 BLK at 100 USD less the 5 % discount: 9,500 USDC of the debt; the rest is bad debt.
      const b = run.expected.badDebt!;
      expect(b.sales).to.deep.equal([{ token: t, amount: wad("100"), paid: usdc(9_500) }]);
      expect(b.deficit).to.be.greaterThan(0n);
      expect(await blk.balanceOf(fund)).to.equal(wad("100"));
      await expectConserved(env.sys);
    });

    it("INV-12/INV-29: with the insurance fund blocked, bad-debt liquidations still work: the account keeps the token and its debt for liquidateCollateral, which then settles the rest", async () => {
      const [alice, bob, carol] = env.traders;
      const fund = await env.sys.insuranceFund.getAddress();
      // alice: solvent when liquidated at 2700; bob: bankrupt at 2700; carol: bankrupt, no BLK.
      // Each opens 30 ETH (90,000 USD: IM 5,420 at ETH-PERP's 6 % imrBase) and loses 9,000 at
      // 2700, so bob (900 + 5,000) and carol (6,000) have enough to open and not to survive.
      const a = await depositToken(env, blk, alice, wad("100"));
      await deposit(env, alice, usdc(1_000));
      const b = await depositToken(env, blk, bob, wad("10"));
      await deposit(env, bob, usdc(5_000));
      const c = await deposit(env, carol, usdc(6_000));
      for (const who of [alice, bob, carol]) await trade(env, who, ETH, wad("30"));
      await blk.setBlocked(fund, true);
      await setMarketPrice(env, ETH, "2700");
      for (const x of [a, b, c]) expect(await env.sys.engine.isLiquidatable(x)).to.equal(true);

      const runA = await liquidateChecked(env, a);
      expect(runA.expected.badDebt?.sales ?? []).to.deep.equal([]);
      await liquidateChecked(env, c); // bankrupt without BLK: unaffected
      // The fund refuses BLK: bob's liquidation still goes through; the sale is undone (the fund
      // gets its payment back), so bob keeps his BLK and his debt: no bad debt yet. The model
      // leaves a token out of the sale this way when it is passed as `staleTokens` (bob is
      // bankrupt whether BLK counts at full or half weight).
      const runB = await liquidateChecked(env, b, { staleTokens: [t] });
      expect(runB.expected.equity).to.be.lessThan(0n);
      expect(runB.expected.badDebt!.sales).to.deep.equal([]);
      expect(runB.expected.badDebt!.deficit).to.equal(0n);
      expect((await env.sys.engine.getPosition(b, ETH)).size).to.equal(0n);
      expect(await env.sys.engine.collateralBalance(b, t)).to.equal(wad("10"));
      const debt = -(await env.sys.engine.getAccount(b)).quoteBalance;
      expect(debt).to.be.greaterThan(0n);
      expect(await env.sys.engine.isLiquidatable(b)).to.equal(true);
      await expectConserved(env.sys);
      // A liquidator buys the BLK (10 at 100 less 5 % = 950 USDC, health 0: no close factor);
      // nothing backs the rest any more, so the same call settles it (fund, then pool).
      const k = env.keeper;
      await env.sys.quote.mint(k.address, debt);
      await env.sys.quote.connect(k).approve(await env.sys.engine.getAddress(), MaxUint256);
      const fundQuote = await env.sys.quote.balanceOf(fund);
      const deficit = debt - usdc(950);
      const covered = deficit < fundQuote ? deficit : fundQuote;
      const tx = env.sys.engine.connect(k).liquidateCollateral(b, t, debt);
      await expect(tx)
        .to.emit(env.sys.engine, "CollateralLiquidated")
        .withArgs(b, t, k.address, usdc(950), wad("10"));
      await expect(tx)
        .to.emit(env.sys.engine, "BadDebtSettled")
        .withArgs(b, deficit, covered, deficit - covered);
      const acc = await env.sys.engine.getAccount(b);
      expect([acc.quoteBalance, acc.collateralMask]).to.deep.equal([0n, 0n]);
      expect(await blk.balanceOf(k.address)).to.equal(wad("10"));
      await expectConserved(env.sys);
    });
  });

  describe("decimals", () => {
    const CASES: [number, string][] = [
      [0, "17"],
      [2, "16.21"],
      [6, "16.209876"],
      [8, "16.20987654"],
      [24, "16.209876543210987654321098"],
    ];
    const PRICE = wad("1234.5678");
    for (const [d, amt] of CASES) {
      it(`INV-2/INV-16: a ${d}-decimal collateral: equity, trade margin and seizure match the model`, async () => {
        const env = await setup();
        const { engine, quote } = env.sys;
        const [alice] = env.traders;
        const keeper = env.keeper;
        const token = await new MockERC20__factory(env.deployer).deploy("D", "D", d);
        const t = await token.getAddress();
        await listToken(env.sys, t, { price: "1234.5678", weight: "0.85", discount: "0.05" });
        const balance = units(amt, d);
        const acct = await depositToken(env, token, alice, balance);
        const holding = { amount: balance, decimals: d, price: PRICE, weight: wad("0.85") };
        const h = marginSummary({
          quoteBalance: 0n,
          quoteDecimals: 6,
          collaterals: [holding],
          positions: [],
        });
        // floor(amount * price / 10^d), then * weight rounded down
        expect(h.equity).to.equal((((balance * PRICE) / 10n ** BigInt(d)) * 85n) / 100n);
        expect((await engine.accountHealth(acct)).equity).to.equal(h.equity);

        await modelTrade(env.sys, alice, acct, ETH, wad("20")); // margin check on this collateral
        const w = await World.read(env.sys, [acct]);
        const now = BigInt(await time.latest()) + 1n;
        let p = 3000n;
        for (; !w.health(acct, now).isLiquidatable; p -= 10n)
          w.markets[ETH].price = wad(p.toString());
        await setMarketPrice(env, ETH, (p + 10n).toString());
        expect(await engine.isLiquidatable(acct)).to.equal(true);

        const debt = -(await engine.getAccount(acct)).quoteBalance;
        expect(debt * 10n ** 12n).to.be.lte(wad("100")); // small debt: repayable in full
        const e = seizeCollateral(debt, 6, d, PRICE, wad("0.05"), balance);
        await quote.mint(keeper.address, debt);
        await quote.connect(keeper).approve(await engine.getAddress(), debt);
        const tx = engine.connect(keeper).liquidateCollateral(acct, t, debt);
        if (e.seized === 0n) {
          // less than one whole token's worth of debt: nothing to give (d = 0)
          await expect(tx).to.be.revertedWithCustomError(engine, "NothingToSeize");
        } else {
          await expect(tx)
            .to.emit(engine, "CollateralLiquidated")
            .withArgs(acct, t, keeper.address, e.repay, e.seized);
          expect(await token.balanceOf(keeper.address)).to.equal(e.seized);
        }
        await expectConserved(env.sys);
      });
    }

    it("INV-23: listing accepts 36 decimals and rejects 37 (UnsupportedDecimals)", async () => {
      const env = await setup();
      const t36 = await new MockERC20__factory(env.deployer).deploy("A", "A", 36);
      await listToken(env.sys, await t36.getAddress());
      const t37 = await new MockERC20__factory(env.deployer).deploy("B", "B", 37);
      await expect(listToken(env.sys, await t37.getAddress()))
        .to.be.revertedWithCustomError(env.sys.engine, "UnsupportedDecimals")
        .withArgs(await t37.getAddress(), 37);
    });

    it("INV-23: engine constructor: a 0- or 18-decimal quote is valued at par, 19 decimals is rejected", async () => {
      const env = await setup();
      const [alice] = env.traders;
      for (const d of [0, 18]) {
        const q = await new MockERC20__factory(env.deployer).deploy("Q", "Q", d);
        const e = await freshEngine(env.sys, await q.getAddress());
        await q.mint(alice.address, 5n);
        await q.connect(alice).approve(await e.getAddress(), 5n);
        await e.connect(alice).deposit(0, await q.getAddress(), 5n);
        const equity = (await e.accountHealth(accountId(alice.address, 0))).equity;
        expect(equity).to.equal(5n * 10n ** BigInt(18 - d));
      }
      const q19 = await new MockERC20__factory(env.deployer).deploy("Q", "Q", 19);
      const factory = await engineFactory(env.sys);
      const extension = env.sys.record.contracts["CrossmarginExtension"].address;
      await expect(factory.deploy(await q19.getAddress(), env.deployer.address, extension))
        .to.be.revertedWithCustomError(factory, "UnsupportedDecimals")
        .withArgs(await q19.getAddress(), 19);
    });
  });

  it("INV-6: SafeERC20FailedOperation for a token that returns false: deposit, withdraw, seizure; nothing changes", async () => {
    const env = await setup();
    const { engine, quote } = env.sys;
    const [alice] = env.traders;
    const rft = await new ReturnsFalseToken__factory(env.deployer).deploy();
    const t = await rft.getAddress();
    await listToken(env.sys, t, { price: "100", weight: "0.9" });
    const acct = await depositToken(env, rft, alice, wad("100"));
    await rft.mint(alice.address, wad("5"));
    await rft.setFailing(true);
    const before = await stateDigest(env.sys, [alice.address]);
    const e = engine.connect(alice);
    for (const tx of [
      () => e.deposit(0, t, wad("5")),
      () => e.withdraw(acct, t, wad("5"), alice.address),
    ]) {
      await expect(tx())
        .to.be.revertedWithCustomError(engine, "SafeERC20FailedOperation")
        .withArgs(t);
    }
    expect(await stateDigest(env.sys, [alice.address])).to.deep.equal(before);
    await rft.setFailing(false);
    await trade(env, alice, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2600"); // bankrupt
    await rft.setFailing(true);
    const k = env.keeper;
    await quote.mint(k.address, usdc(100));
    await quote.connect(k).approve(await engine.getAddress(), MaxUint256);
    // The liquidator who asks for this token gets a clean revert ...
    await expect(engine.connect(k).liquidateCollateral(acct, t, usdc(10)))
      .to.be.revertedWithCustomError(engine, "SafeERC20FailedOperation")
      .withArgs(t);
    // ... and the liquidation goes through (INV-12): the fund cannot receive the token, so the
    // sale is undone and the account keeps it with its debt (no bad debt while it backs some).
    // The model leaves the token out of the sale when passed as `staleTokens` (the account is
    // bankrupt at full or half weight).
    const held = await engine.collateralBalance(acct, t);
    const run = await liquidateChecked(env, acct, { keeper: k, staleTokens: [t] });
    expect(run.expected.equity).to.be.lessThan(0n);
    expect(run.expected.badDebt!.sales).to.deep.equal([]);
    expect(run.expected.badDebt!.deficit).to.equal(0n);
    expect(await engine.collateralBalance(acct, t)).to.equal(held);
    await expectConserved(env.sys);
    // Once the token works again, a collateral liquidation takes it (100 at 100 less 5 % =
    // 9,500 USDC) and settles what it does not back.
    await rft.setFailing(false);
    const debt = -(await engine.getAccount(acct)).quoteBalance;
    await quote.mint(k.address, debt);
    const fundQuote = await quote.balanceOf(await env.sys.insuranceFund.getAddress());
    const deficit = debt - usdc(9_500);
    const covered = deficit < fundQuote ? deficit : fundQuote;
    const tx = engine.connect(k).liquidateCollateral(acct, t, debt);
    await expect(tx)
      .to.emit(engine, "CollateralLiquidated")
      .withArgs(acct, t, k.address, usdc(9_500), held);
    await expect(tx)
      .to.emit(engine, "BadDebtSettled")
      .withArgs(acct, deficit, covered, deficit - covered);
    expect((await engine.getAccount(acct)).quoteBalance).to.equal(0n);
    await expectConserved(env.sys);
  });

  it("INV-6: a USDT-style token without return values deposits, withdraws and is valued normally", async () => {
    const env = await setup();
    const { engine } = env.sys;
    const [alice] = env.traders;
    const nrt = await new NoReturnToken__factory(env.deployer).deploy();
    const t = await nrt.getAddress();
    await listToken(env.sys, t, { price: "1", weight: "0.95" });
    const acct = await depositToken(env, nrt, alice, units("100", 6));
    expect((await engine.accountHealth(acct)).equity).to.equal(wad("95"));
    await expect(engine.connect(alice).withdraw(acct, t, units("40", 6), alice.address))
      .to.emit(engine, "Withdrawn")
      .withArgs(acct, t, alice.address, units("40", 6));
    expect(await nrt.balanceOf(alice.address)).to.equal(units("40", 6));
    await expectConserved(env.sys);
  });

  it("INV-12: a quote token that blocks the insurance fund does not stop bad-debt liquidations", async () => {
    const env = await setup();
    const { deployer } = env;
    const [lp, trader] = env.traders;
    const q = await new BlocklistToken__factory(deployer).deploy(6);
    const engine = await freshEngine(env.sys, await q.getAddress());
    const pool = await new LiquidityPool__factory(deployer).deploy(engine, "LP", "LP");
    const fund = await new InsuranceFund__factory(deployer).deploy(engine, q, deployer.address);
    await engine.setPool(pool);
    await engine.setInsuranceFund(fund);
    await engine.grantRole(await engine.RISK_MANAGER_ROLE(), deployer.address);
    const feed = await v3Feed(deployer, "3000");
    await engine.addMarket(marketParams(feed), V3_DESCRIPTION);
    const l = env.liq;
    await engine.setLiquidationParams(liquidationSettings(l));
    for (const [who, to, amount] of [
      [lp, pool, usdc(1_000_000)],
      [deployer, fund, usdc(10_000)],
      [trader, engine, usdc(20_000)],
    ] as const) {
      await q.mint(who.address, amount);
      await q.connect(who).approve(to, amount);
    }
    await pool.connect(lp).deposit(usdc(1_000_000), lp.address);
    await fund.seed(usdc(10_000));
    const a = accountId(trader.address, 0);
    await engine.connect(trader).deposit(0, q, usdc(20_000));
    await engine.connect(trader).modifyPosition(a, 0, wad("100"), MaxUint256, MaxUint256);
    await MockV3Aggregator__factory.connect(feed, deployer).updateAnswer(2000n * 10n ** 8n);
    await q.setBlocked(await fund.getAddress(), true); // e.g. USDC blacklists the fund
    // The fund cannot pay (nor receive its fee share): the liquidation still goes through, the
    // deficit is socialised to the pool and the fee share stays with the pool (INV-5, INV-12).
    const fundBefore = await q.balanceOf(await fund.getAddress());
    const tx = engine.connect(env.keeper).liquidate(a, 0);
    await expect(tx).to.emit(engine, "BadDebtSettled");
    const receipt = await (await tx).wait();
    const ev = receipt!.logs
      .map((l) => {
        try {
          return engine.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((x) => x?.name === "BadDebtSettled");
    expect(ev!.args.coveredByFund).to.equal(0n);
    expect(ev!.args.socialised).to.equal(ev!.args.deficit);
    expect((await engine.getPosition(a, 0)).size).to.equal(0n);
    expect(await q.balanceOf(await fund.getAddress())).to.equal(fundBefore);
    const sum = (await engine.getAccount(a)).quoteBalance + (await engine.poolBalance());
    expect(await q.balanceOf(await engine.getAddress())).to.equal(sum);
  });

  it("INV-1/INV-6/INV-42: a fee-on-transfer quote token: pool deposits and trader deposits both credit what arrived", async () => {
    const env = await setup();
    const [lp, alice] = env.traders;
    const fot = await new FeeOnTransferToken__factory(env.deployer).deploy(100);
    const q = await fot.getAddress();
    const engine = await freshEngine(env.sys, q);
    const pool = await new LiquidityPool__factory(env.deployer).deploy(engine, "LP", "LP");
    await engine.setPool(await pool.getAddress());
    await fot.mint(lp.address, wad("1000"));
    await fot.connect(lp).approve(await pool.getAddress(), MaxUint256);
    await pool.connect(lp).deposit(wad("1000"), lp.address);
    await fot.mint(alice.address, wad("100"));
    await fot.connect(alice).approve(await engine.getAddress(), MaxUint256);
    await engine.connect(alice).deposit(0, q, wad("100"));
    expect((await engine.getAccount(accountId(alice.address, 0))).quoteBalance).to.equal(wad("99"));
    const held = await fot.balanceOf(await engine.getAddress());
    expect(await engine.poolBalance()).to.equal(wad("990"));
    expect(held).to.equal(wad("990") + wad("99"));
    // Shares for the 990 that arrived: 990 * (0 + 10^6 virtual shares) / (0 + 1).
    expect(await pool.balanceOf(lp.address)).to.equal(wad("990") * 10n ** 6n);
  });
});

import { expect } from "chai";
import { MaxUint256 } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  BlocklistToken__factory,
  ICrossmarginRisk__factory,
  InsuranceFund__factory,
  LiquidityPool__factory,
  MockV3Aggregator__factory,
  OverpayingFund__factory,
} from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import {
  ETH,
  Env,
  deposit,
  liquidateChecked,
  liquidateCollateralChecked,
  setCollateralPrice,
  setLiquidationParams,
  setMarketPrice,
  setup,
  trade,
  usdc,
  liquidationSettings,
} from "../../helpers/liquidation";
import { V3_DESCRIPTION, freshEngine, v3Feed } from "../../helpers/adversarial";
import { marketParams, refreshFeeds } from "../../helpers/trading";

/** Liquidation edges: a budget used up exactly, a maintenance ratio below the fee rate, a fund
 *  that refuses its fee share, a fund that reports paying more than asked, and a capped
 *  collateral seizure whose recomputed repayment equals the requested one. */
describe("liquidation/edges", () => {
  let env: Env;

  beforeEach(async () => {
    env = await setup();
    await refreshFeeds(env.sys);
  });

  it("INV-15: a keeper budget of exactly k * price closes k units and is used up to the wei", async () => {
    const [t] = env.traders;
    const a = await deposit(env, t, usdc(4_000)); // IM 60,000 * 6 % + 20 = 3,620
    await trade(env, t, ETH, wad("20"));
    await setMarketPrice(env, ETH, "2900");
    const budget = wad("2900") * 2n;
    const run = await liquidateChecked(env, a, { maxNotionalUsd: budget });
    expect(run.expected.closes).to.have.length(1);
    expect(run.expected.closes[0].sizeClosed).to.equal(-wad("2"));
    expect(run.expected.closes[0].notional).to.equal(budget);
    expect((await env.sys.engine.getPosition(a, ETH)).size).to.equal(wad("18"));
  });

  it("INV-14: a maintenance ratio (with buffer) at or below the fee rate closes the whole position", async () => {
    const [t] = env.traders;
    await setLiquidationParams(env, { feeRate: wad("0.05") });
    const a = await deposit(env, t, usdc(4_000));
    await trade(env, t, ETH, wad("20"));
    await setMarketPrice(env, ETH, "2900");
    // mmr = 0.06 * 0.5834 = 3.5 %, * (1 + 10 %) = 3.85 % < 5 %: a partial close would only lower
    // equity relative to the target, so everything goes.
    const c = await env.sys.engine.getMarket(ETH);
    const freed = M.mulDown(M.mulUp(c.imrBase, c.maintenanceScalar), M.WAD + env.liq.buffer);
    expect(freed).to.be.lte(env.liq.feeRate);
    const run = await liquidateChecked(env, a);
    expect(run.expected.equity, "solvent: the size rule decides, not bankruptcy").to.be.gt(0n);
    expect(run.expected.closes.map((x) => x.sizeClosed)).to.deep.equal([-wad("20")]);
    expect((await env.sys.engine.getPosition(a, ETH)).size).to.equal(0n);
  });

  it("INV-16: a seizure capped at a tiny balance keeps the requested repayment when it is worth it", async () => {
    const [t, liquidator] = env.traders;
    const a = await deposit(env, t, 10n ** 6n, "WBTC"); // 0.01 WBTC
    await deposit(env, t, 1000n, "WETH"); // 1000 wei of WETH
    await trade(env, t, ETH, wad("1")); // the fee is quote debt
    await setCollateralPrice(env, "WBTC", "100");
    expect(await env.sys.engine.isLiquidatable(a)).to.equal(true);
    // 1 quote unit buys about 3.5e8 wei at 2850: more than the 1000 held, which are worth
    // ceil(1000 * 2850e18 / 1e30) = 1 quote unit, the repayment asked for.
    const e = await liquidateCollateralChecked(env, liquidator, a, "WETH", 1n);
    expect([e.repaid, e.seized]).to.deep.equal([1n, 1000n]);
  });

  describe("on a bare engine", () => {
    /**
     * A fresh engine (quote: a 6-decimal blocklist token) with one ETH-like market at 3000, a
     * 1,000,000 pool, the fund `fundFor` deploys, a 5 % liquidation fee rate, and a trader long
     * 100 ETH on 20,000 of quote.
     */
    async function bareSystem(fundFor: (engine: string, q: string) => Promise<string>) {
      const { deployer } = env;
      const [lp, trader] = env.traders;
      const q = await new BlocklistToken__factory(deployer).deploy(6);
      const engine = await freshEngine(env.sys, await q.getAddress());
      const pool = await new LiquidityPool__factory(deployer).deploy(engine, "LP", "LP");
      const fund = await fundFor(await engine.getAddress(), await q.getAddress());
      await engine.setPool(pool);
      await engine.setInsuranceFund(fund);
      await engine.grantRole(await engine.RISK_MANAGER_ROLE(), deployer.address);
      const feed = await v3Feed(deployer, "3000");
      await engine.addMarket(marketParams(feed), V3_DESCRIPTION);
      const l = { ...env.liq, feeRate: wad("0.05") };
      await engine.setLiquidationParams(liquidationSettings(l));
      await q.mint(lp.address, usdc(1_000_000));
      await q.connect(lp).approve(pool, MaxUint256);
      await pool.connect(lp).deposit(usdc(1_000_000), lp.address);
      await q.mint(trader.address, usdc(20_000));
      await q.connect(trader).approve(engine, MaxUint256);
      const a = accountId(trader.address, 0);
      await engine.connect(trader).deposit(0, q, usdc(20_000));
      await engine.connect(trader).modifyPosition(a, 0, wad("100"), MaxUint256, MaxUint256);
      const oracle = MockV3Aggregator__factory.connect(feed, deployer);
      return { q, engine, fund, a, oracle, keeper: env.keeper as HardhatEthersSigner };
    }

    function eventArgs(
      engine: Awaited<ReturnType<typeof freshEngine>>,
      logs: readonly { topics: readonly string[]; data: string }[],
      name: string,
    ) {
      for (const l of logs) {
        const parsed = engine.interface.parseLog(l);
        if (parsed?.name === name) return parsed.args;
      }
      throw new Error(`no ${name}`);
    }

    it("INV-12/INV-1/INV-31/INV-70: a quote token that refuses the fund: the penalty accrues, the sweep reverts InsuranceFundRefused, and the accrual covers the next bad debt in the fund's place", async () => {
      const s = await bareSystem(async (engine, q) => {
        const f = await new InsuranceFund__factory(env.deployer).deploy(
          engine,
          q,
          env.deployer.address,
        );
        return f.getAddress();
      });
      await s.q.setBlocked(s.fund, true);
      await s.oracle.updateAnswer(2850n * 10n ** 8n);
      const keeper0 = await s.q.balanceOf(s.keeper.address);
      const receipt = await (await s.engine.connect(s.keeper).liquidate(s.a, 0)).wait();
      // Full close (mmr * 1.1 < 5 %) at 2850: 5 % of 285,000 = 14,250 is capped at the 1,000
      // maximum reward; the fund's penalty, 0.25 % of 285,000 = 712.5, accrues for it.
      const fee = eventArgs(s.engine, receipt!.logs, "LiquidationFeePaid");
      expect([
        fee.notionalClosedUsd,
        fee.feeQuote,
        fee.keeperRewardQuote,
        fee.toInsuranceFundQuote,
      ]).to.deep.equal([wad("285000"), usdc("1712.5"), usdc(1_000), usdc("712.5")]);
      expect((await s.q.balanceOf(s.keeper.address)) - keeper0).to.equal(usdc(1_000));
      expect(await s.q.balanceOf(s.fund)).to.equal(0n);
      // INV-1: every token the engine holds is in the account or pool ledgers or accrued for
      // the fund (INV-70).
      const risk = ICrossmarginRisk__factory.connect(await s.engine.getAddress(), s.keeper);
      const engineAddr = await s.engine.getAddress();
      const held = async (accounts: bigint[]) => {
        let sum = (await s.engine.poolBalance()) + (await risk.insuranceAccrued());
        for (const a of accounts) sum += (await s.engine.getAccount(a)).quoteBalance;
        return sum;
      };
      expect(await risk.insuranceAccrued()).to.equal(usdc("712.5"));
      expect(await s.q.balanceOf(engineAddr)).to.equal(await held([s.a]));
      // The sweep cannot pay the blocked fund: it reverts and changes nothing; the pool gets
      // no lump of penalties that an LP could enter just before.
      const pool0 = await s.engine.poolBalance();
      await expect(risk.sweepInsuranceFund())
        .to.be.revertedWithCustomError(s.engine, "InsuranceFundRefused")
        .withArgs(s.fund);
      expect(await risk.insuranceAccrued()).to.equal(usdc("712.5"));
      expect(await s.engine.poolBalance()).to.equal(pool0);

      // A second trader goes bankrupt: the accrual covers its bad debt first, in the fund's
      // place; the fund (blocked, empty) covers nothing; the pool takes the rest.
      const t = env.traders[2];
      await s.q.mint(t.address, usdc(20_000));
      await s.q.connect(t).approve(engineAddr, MaxUint256);
      const b = accountId(t.address, 0);
      await s.engine.connect(t).deposit(0, s.q, usdc(20_000));
      await s.engine.connect(t).modifyPosition(b, 0, wad("100"), MaxUint256, MaxUint256);
      await s.oracle.updateAnswer(2500n * 10n ** 8n); // a 35,000 loss on 20,000
      const second = await (await s.engine.connect(s.keeper).liquidate(b, 0)).wait();
      const bad = eventArgs(s.engine, second!.logs, "BadDebtSettled");
      const swept = eventArgs(s.engine, second!.logs, "InsuranceFundSwept");
      expect(bad.deficit).to.be.greaterThan(usdc("712.5"));
      expect([...swept]).to.deep.equal([s.fund, usdc("712.5"), false]);
      expect([bad.coveredByFund, bad.socialised]).to.deep.equal([
        usdc("712.5"),
        bad.deficit - usdc("712.5"),
      ]);
      expect(await risk.insuranceAccrued()).to.equal(0n);
      expect(await s.q.balanceOf(engineAddr)).to.equal(await held([s.a, b]));
    });

    it("INV-5/INV-27: a fund reporting more than the deficit is booked as covering exactly the deficit; the bankrupt account pays no fee", async () => {
      const s = await bareSystem(async (engine, q) => {
        const f = await new OverpayingFund__factory(env.deployer).deploy(engine, q, usdc(7));
        return f.getAddress();
      });
      await s.q.mint(s.fund, usdc(500_000));
      await s.oracle.updateAnswer(2000n * 10n ** 8n); // a 100,000 loss on 20,000
      const pool0 = await s.engine.poolBalance();
      const keeper0 = await s.q.balanceOf(s.keeper.address);
      const receipt = await (await s.engine.connect(s.keeper).liquidate(s.a, 0)).wait();
      const bad = eventArgs(s.engine, receipt!.logs, "BadDebtSettled");
      expect(bad.deficit).to.be.gt(0n);
      expect([bad.coveredByFund, bad.socialised]).to.deep.equal([bad.deficit, 0n]);
      // INV-27: a bankrupt account pays no fee (no reward, no penalty): a fee never adds to the
      // bad debt. Only the deficit left the fund.
      const fee = eventArgs(s.engine, receipt!.logs, "LiquidationFeePaid");
      expect([fee.feeQuote, fee.keeperRewardQuote, fee.toInsuranceFundQuote]).to.deep.equal([
        0n,
        0n,
        0n,
      ]);
      expect(await s.q.balanceOf(s.keeper.address)).to.equal(keeper0);
      expect(await s.q.balanceOf(s.fund)).to.equal(usdc(500_000) - bad.deficit);
      expect((await s.engine.getAccount(s.a)).quoteBalance).to.equal(0n);
      // Nothing socialised: the pool ledger moved only by the trader's realised loss.
      const closed = eventArgs(s.engine, receipt!.logs, "PositionModified");
      expect(await s.engine.poolBalance()).to.equal(pool0 - closed.quoteDelta);
      const held = await s.q.balanceOf(await s.engine.getAddress());
      expect(held).to.equal(await s.engine.poolBalance());
    });
  });
});

import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import { WAD, healthFactor, mulDown, quoteToUsd } from "../../../src/model";
import {
  ETH,
  Env,
  QD,
  deposit,
  liquidateChecked,
  liquidateCollateralChecked,
  mintAndApprove,
  setCollateralPrice,
  setMarketPrice,
  setup,
  snapshot,
  trade,
  usdc,
} from "../../helpers/liquidation";
import { healthAt } from "../../helpers/liquidationModel";

async function health(env: Env, account: bigint) {
  const s = healthAt(await snapshot(env, account), BigInt(await time.latest()));
  return { ...s, hf: healthFactor(s.equity, s.MM) };
}

/**
 * 1 WETH of collateral, 10 ETH long opened at 3000 and half of it closed at 2800: the whole
 * position's loss is realised, about 2,020 USDC of quote debt, and 5 ETH long are left (MM
 * about 510). The WETH price then sets the health factor: equity is about 0.84 * price - 2,020
 * (liquidatable below about 3,010, health factor 0.95 at about 2,980).
 */
async function indebted(env: Env, who: HardhatEthersSigner, wethPrice: string): Promise<bigint> {
  const a = await deposit(env, who, wad("1"), "WETH");
  await trade(env, who, ETH, wad("10"));
  await setMarketPrice(env, ETH, "2800");
  await trade(env, who, ETH, -wad("5"));
  await setCollateralPrice(env, "WETH", wethPrice);
  return a;
}

describe("liquidation/collateral", () => {
  it("repays 50 % of the debt at a health factor at or above the threshold", async () => {
    const env = await setup();
    const [t, liquidator] = env.traders;
    const a = await indebted(env, t, "2995");
    const h = await health(env, a);
    expect(h.isLiquidatable).to.equal(true);
    expect(h.hf).to.be.greaterThanOrEqual(env.liq.closeFactorHfThreshold);
    const debt = -(await env.sys.engine.getAccount(a)).quoteBalance;
    expect(quoteToUsd(debt / 2n, QD)).to.be.greaterThan(env.liq.smallDebtUsd);

    const e = await liquidateCollateralChecked(env, liquidator, a, "WETH", debt);
    expect(e.maxRepay).to.equal((debt + 1n) / 2n);
    expect(e.repaid).to.equal(e.maxRepay);
    // Collateral at oracle less the 5 % discount: seized * 2995 * 0.95 ~= repaid.
    const value = mulDown((e.seized * wad("2995")) / WAD, wad("0.95"));
    expect(quoteToUsd(e.repaid, QD) - value).to.be.within(0n, wad("0.000001"));
    // The account is healthier: the 5 % discount is less than the 16 % haircut on WETH.
    expect((await health(env, a)).equity).to.be.greaterThan(h.equity);
  });

  it("repays 100 % below closeFactorHfThreshold", async () => {
    const env = await setup();
    const [t, liquidator] = env.traders;
    const a = await indebted(env, t, "2300");
    const h = await health(env, a);
    expect(h.isLiquidatable).to.equal(true);
    expect(h.hf).to.be.lessThan(env.liq.closeFactorHfThreshold);
    const debt = -(await env.sys.engine.getAccount(a)).quoteBalance;

    const e = await liquidateCollateralChecked(env, liquidator, a, "WETH", debt * 2n);
    expect([e.maxRepay, e.repaid]).to.deep.equal([debt, debt]);
    expect((await env.sys.engine.getAccount(a)).quoteBalance).to.equal(0n);
    // No debt left: a further call reverts NoDebt.
    await expect(
      env.sys.engine
        .connect(liquidator)
        .liquidateCollateral(a, await env.sys.collaterals.WETH.getAddress(), 1),
    ).to.be.revertedWithCustomError(env.sys.engine, "NoDebt");
  });

  it("repays 100 % of a small debt, and of a debt whose other half would be small", async () => {
    const env = await setup();
    const [t1, t2, liquidator] = env.traders;
    // Debt = the trading fee only (about 1.8 USDC), position under maintenance.
    const small = await deposit(env, t1, wad("0.1"), "WETH"); // 252 USD weighted, IM 200 + 15
    await trade(env, t1, ETH, wad("1"));
    await setMarketPrice(env, ETH, "2867");
    let h = await health(env, small);
    expect(h.isLiquidatable).to.equal(true);
    expect(h.hf).to.be.greaterThanOrEqual(env.liq.closeFactorHfThreshold);
    const d1 = -(await env.sys.engine.getAccount(small)).quoteBalance;
    expect(quoteToUsd(d1, QD)).to.be.lessThanOrEqual(env.liq.smallDebtUsd);
    let e = await liquidateCollateralChecked(env, liquidator, small, "WETH", d1);
    expect([e.maxRepay, e.repaid]).to.deep.equal([d1, d1]);

    // Debt of about 155: half would leave 78 <= smallDebtUsd, so all of it may be repaid.
    await setMarketPrice(env, ETH, "3000");
    const mid = await deposit(env, t2, wad("0.2"), "WETH");
    await trade(env, t2, ETH, wad("2"));
    await setMarketPrice(env, ETH, "2925");
    await trade(env, t2, ETH, -wad("1"));
    await setMarketPrice(env, ETH, "2687");
    h = await health(env, mid);
    expect(h.isLiquidatable).to.equal(true);
    expect(h.hf).to.be.greaterThanOrEqual(env.liq.closeFactorHfThreshold);
    const d2 = -(await env.sys.engine.getAccount(mid)).quoteBalance;
    expect(quoteToUsd(d2, QD)).to.be.greaterThan(env.liq.smallDebtUsd);
    expect(quoteToUsd(d2 / 2n, QD)).to.be.lessThanOrEqual(env.liq.smallDebtUsd);
    e = await liquidateCollateralChecked(env, liquidator, mid, "WETH", d2);
    expect([e.maxRepay, e.repaid]).to.deep.equal([d2, d2]);
  });

  it("caps the seizure at the balance and recomputes the repayment rounding up", async () => {
    const env = await setup();
    const [t, liquidator] = env.traders;
    const a = await deposit(env, t, wad("0.1"), "WETH");
    await deposit(env, t, 10n ** 8n, "WBTC"); // 1 WBTC
    await trade(env, t, ETH, wad("40"));
    await setMarketPrice(env, ETH, "2900");
    await trade(env, t, ETH, -wad("30")); // about 4,130 USDC of debt
    await setCollateralPrice(env, "WBTC", "4400");
    const h = await health(env, a);
    expect(h.isLiquidatable).to.equal(true);
    expect(h.hf).to.be.lessThan(env.liq.closeFactorHfThreshold);
    // 1 quote unit buys less than a satoshi.
    const wbtc = await env.sys.collaterals.WBTC.getAddress();
    await mintAndApprove(env, env.sys.quote, liquidator, 1n);
    await expect(env.sys.engine.connect(liquidator).liquidateCollateral(a, wbtc, 1))
      .to.be.revertedWithCustomError(env.sys.engine, "NothingToSeize")
      .withArgs(a, wbtc);
    const debt = -(await env.sys.engine.getAccount(a)).quoteBalance;

    const weth = await env.sys.collaterals.WETH.getAddress();
    const e = await liquidateCollateralChecked(env, liquidator, a, "WETH", debt);
    expect(e.seized).to.equal(wad("0.1"));
    // 0.1 WETH at 3000 less 5 % = 285 USDC exactly.
    expect(e.repaid).to.equal(usdc(285));
    expect(await env.sys.engine.collateralBalance(a, weth)).to.equal(0n);
    const mask = (await env.sys.engine.getAccount(a)).collateralMask;
    const idx = (await env.sys.engine.getCollateral(weth)).index;
    expect((mask >> idx) & 1n).to.equal(0n);

    // WBTC (8 decimals) for the rest, at 4,400 less 5 %: all the remaining debt.
    expect((await health(env, a)).isLiquidatable).to.equal(true);
    const rest = await liquidateCollateralChecked(env, liquidator, a, "WBTC", debt);
    expect(rest.repaid).to.equal(debt - usdc(285));
    expect(rest.seized).to.be.lessThan(10n ** 8n);
    expect((await env.sys.engine.getAccount(a)).quoteBalance).to.equal(0n);
  });

  it("rejects what is not a collateral liquidation", async () => {
    const env = await setup();
    const [t, healthy, liquidator, rich] = env.traders;
    const { engine, collaterals, quote } = env.sys;
    const weth = await collaterals.WETH.getAddress();
    const wbtc = await collaterals.WBTC.getAddress();
    const a = await indebted(env, t, "2300");
    await mintAndApprove(env, quote, liquidator, usdc(10_000));
    const lq = engine.connect(liquidator);

    await expect(lq.liquidateCollateral(a, weth, 0)).to.be.revertedWithCustomError(
      engine,
      "ZeroAmount",
    );
    await expect(lq.liquidateCollateral(a, await quote.getAddress(), 1))
      .to.be.revertedWithCustomError(engine, "UnknownToken")
      .withArgs(await quote.getAddress());
    // No WBTC on the account.
    await expect(lq.liquidateCollateral(a, wbtc, usdc(100)))
      .to.be.revertedWithCustomError(engine, "NothingToSeize")
      .withArgs(a, wbtc);

    // Debt but healthy.
    await setCollateralPrice(env, "WETH", "3000");
    const b = await indebted(env, healthy, "3000");
    expect(await engine.isLiquidatable(b)).to.equal(false);
    await expect(lq.liquidateCollateral(b, weth, 1)).to.be.revertedWithCustomError(
      engine,
      "NotLiquidatable",
    );
    // Liquidatable but no debt.
    const c = await deposit(env, rich, usdc(10_000));
    await trade(env, rich, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2500");
    expect(await engine.isLiquidatable(c)).to.equal(true);
    expect((await engine.getAccount(c)).quoteBalance).to.be.greaterThan(0n);
    await expect(lq.liquidateCollateral(c, weth, 1))
      .to.be.revertedWithCustomError(engine, "NoDebt")
      .withArgs(c);
  });

  it("INV-29: a position-less bankrupt account: collateral liquidation first; the call that takes the last collateral settles the rest as bad debt", async () => {
    const env = await setup();
    const [t, liquidator] = env.traders;
    const { engine } = env.sys;
    const a = await deposit(env, t, wad("1"), "WETH");
    await trade(env, t, ETH, wad("10"));
    await setMarketPrice(env, ETH, "2800");
    await trade(env, t, ETH, -wad("10"));
    await setCollateralPrice(env, "WETH", "1500");
    const h = await health(env, a);
    expect(h.equity).to.be.lessThan(0n);
    expect(h.MM).to.equal(0n);
    const debt = -(await engine.getAccount(a)).quoteBalance;

    // Health 0: the whole debt may be repaid, but the WETH covers only 1,425 of it. Nothing backs
    // the rest any more: the same call settles it (the fund covers it).
    const e = await liquidateCollateralChecked(env, liquidator, a, "WETH", debt);
    expect(e.maxRepay).to.equal(debt);
    expect([e.seized, e.repaid]).to.deep.equal([wad("1"), usdc(1425)]);
    expect([e.deficit, e.covered, e.socialised]).to.deep.equal([
      debt - usdc(1425),
      debt - usdc(1425),
      0n,
    ]);
    const acc = await engine.getAccount(a);
    expect([acc.quoteBalance, acc.marketMask, acc.collateralMask]).to.deep.equal([0n, 0n, 0n]);
    expect(await engine.isLiquidatable(a)).to.equal(false);
  });

  it("collateral then position liquidation keep conservation to the wei", async () => {
    const env = await setup();
    const [t, liquidator] = env.traders;
    const a = await indebted(env, t, "2300");
    const debt = -(await env.sys.engine.getAccount(a)).quoteBalance;
    await liquidateCollateralChecked(env, liquidator, a, "WETH", debt / 3n);
    await setMarketPrice(env, ETH, "2650");
    expect((await health(env, a)).equity).to.be.lessThan(0n);
    const run = await liquidateChecked(env, a);
    // The WETH left is sold to the fund at the discounted price before any bad debt.
    expect(run.expected.badDebt!.sales).to.have.length(1);
    expect((await env.sys.engine.getAccount(a)).collateralMask).to.equal(0n);
  });
});

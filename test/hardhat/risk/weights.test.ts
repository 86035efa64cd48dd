/** INV-53: collateral weights (docs/math.md, "Collateral weights"). WETH gets an initial weight
 *  below its maintenance weight and a size haircut that binds above 10,000 USD; every figure
 *  is the TypeScript model's (`riskHealth`, `collateralWeights`, `sizeScale`) applied to the
 *  chain's inputs (balances, prices, parameters), compared with the engine to the wei. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { accountId } from "../../../src/common/accounts";
import { units, wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import { collateralRisk } from "../../helpers/risk";
import {
  Env,
  FEED_UNIT,
  advance,
  fundCollateral,
  fundQuote,
  loadTrading,
  marketFeed,
  nextTimestamp,
  publishPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, latest } from "../../helpers/model-world";
import {
  expectAccountRisk as expectRisk,
  healthIf,
  largest,
  priceAtGap,
  readRiskAccount,
} from "../../helpers/risk-world";
import { FAR, SOL, depositAction } from "../../../src/common";

/** WETH for these tests: wI 0.7 < wM 0.8, the largest discount (1 - wM), haircut above 10k USD. */
const WETH_RISK = {
  weight: "0.8",
  initialWeight: "0.7",
  discount: "0.2",
  sizeFactor: "0.001",
  sizeThreshold: "10000",
  weightFloor: "0.3",
};
const T = wad(WETH_RISK.sizeThreshold);
const WM = wad(WETH_RISK.weight);

describe("risk: collateral weights (INV-53)", () => {
  let env: Env;
  let weth: string;

  beforeEach(async () => {
    env = await loadTrading();
    weth = await env.collaterals.WETH.getAddress();
    const manager = await env.engine.RISK_MANAGER_ROLE();
    expect(await env.engine.hasRole(manager, env.admin.address), "deployer is risk manager").to.be
      .true;
    const r = collateralRisk(WETH_RISK);
    await expect(env.engine.connect(env.admin).setCollateralParams(weth, r))
      .to.emit(env.engine, "CollateralParamsSet")
      .withArgs(weth, wad("0.7"), WM, wad("0.2"), wad("0.001"), T, wad("0.3"), r.depositCap);
  });

  it("INV-53: equity counts each collateral at its size-scaled maintenance weight and IM adds sum(weightedUsd - initialUsd), to the wei", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("1000"));
    await fundCollateral(env, alice, "WETH", wad("20"));
    await fundCollateral(env, alice, "WBTC", units("0.1", 8));
    await trade(env, alice, a, SOL, wad("100"));
    for (const [wethPrice, solPrice] of [
      [0n, 0n],
      [wad("2500.5"), wad("141.23")],
    ]) {
      if (wethPrice !== 0n) {
        await publishPrice(env.collateralFeeds.WETH, wethPrice);
        await publishPrice(await marketFeed(env, SOL), solPrice);
      }
      const { m, acc } = await expectRisk(env, a);
      let collateralIm = 0n;
      for (const c of acc.collaterals) {
        const w = M.collateralWeights(c, c.risk);
        collateralIm += w.weightedUsd - w.initialUsd;
        expect(w.initialUsd).to.be.lt(w.weightedUsd);
      }
      expect(m.collateralIm).to.equal(collateralIm);
      const sol = acc.positions[0];
      const pm = M.positionMargin(sol.params, sol.position.size, sol.price);
      expect(m.im - collateralIm, "positions' IM").to.equal(pm.im);
      // WETH is above its threshold: it counts less than wM * value.
      const c = acc.collaterals[0];
      const w = M.collateralWeights(c, c.risk);
      expect(M.sizeScale(w.valueUsd, c.risk)).to.be.lt(M.WAD);
      expect(w.weightedUsd).to.be.lt(M.mulDown(w.valueUsd, WM));
    }
  });

  it("INV-53: a withdrawal that passes at the maintenance weight but fails at the initial weight reverts InsufficientMargin and changes nothing", async () => {
    const [bob] = env.users;
    // A little quote pays the fees (collateral cannot leave an account with quote debt).
    const a = await fundCollateral(env, bob, "WETH", wad("10"));
    await fundQuote(env, bob, usdc("100"));
    await trade(env, bob, a, SOL, wad("300"));
    const balance = await env.engine.collateralBalance(a, weth);
    const state = async () => [
      await env.engine.collateralBalance(a, weth),
      (await env.engine.getCollateral(weth)).totalDeposited,
      (await env.engine.getAccount(a)).quoteBalance,
      (await env.engine.getPosition(a, SOL)).size,
      await env.collaterals.WETH.balanceOf(bob.address),
    ];
    const before = await state();
    const withdraw = (x: bigint) =>
      env.engine.connect(bob).withdraw(a, weth, x, bob.address, { gasLimit: 3_000_000 });
    // At a fixed timestamp: the model's largest withdrawal at the initial and the maintenance
    // weights, then one in between.
    for (const pick of ["between", "one more"] as const) {
      const now = await nextTimestamp();
      const w = await World.read(env, [a]);
      const at = (x: bigint) => healthIf(w, a, now, { withdrawn: [weth, x] });
      const atInitial = largest((x) => at(x).equity >= at(x).im, balance);
      const atMaintenance = largest((x) => at(x).equity >= at(x).im - at(x).collateralIm, balance);
      expect(atMaintenance - atInitial, "a window between the two rules").to.be.gt(wad("0.1"));
      const x = pick === "between" ? (atInitial + atMaintenance) / 2n : atInitial + 1n;
      const h = at(x);
      expect(h.equity, "passes at the maintenance weight").to.be.gte(h.im - h.collateralIm);
      await expect(withdraw(x))
        .to.be.revertedWithCustomError(env.engine, "InsufficientMargin")
        .withArgs(a, h.equity, h.im);
      expect(await state(), "nothing changed").to.deep.equal(before);
    }
    const now = await nextTimestamp();
    const w = await World.read(env, [a]);
    const at = (x: bigint) => healthIf(w, a, now, { withdrawn: [weth, x] });
    const max = largest((x) => at(x).equity >= at(x).im, balance);
    await expect(withdraw(max))
      .to.emit(env.engine, "Withdrawn")
      .withArgs(a, weth, bob.address, max);
    const { m } = await expectRisk(env, a);
    expect(m.equity - m.im)
      .to.be.gte(0n)
      .and.to.be.lt(wad("0.01"));
  });

  it("INV-53: above the threshold a balance counts less than wM x value, as collateralWeights says to the wei; depositing more never lowers equity", async () => {
    const [carol] = env.users;
    const a = accountId(carol.address, 0);
    let previous = -1n;
    for (const amount of ["1", "2", "0.333", "5", "10", "25", "50", "100"]) {
      await fundCollateral(env, carol, "WETH", wad(amount));
      const { m, acc } = await expectRisk(env, a);
      const c = acc.collaterals[0];
      const w = M.collateralWeights(c, c.risk);
      expect(m.equity).to.equal(w.weightedUsd);
      expect(m.im).to.equal(w.weightedUsd - w.initialUsd);
      if (w.valueUsd > T) expect(w.weightedUsd).to.be.lt(M.mulDown(w.valueUsd, WM));
      else expect(w.weightedUsd).to.equal(M.mulDown(w.valueUsd, WM));
      expect(m.equity, `after depositing ${amount} WETH`).to.be.gt(previous);
      previous = m.equity;
    }
  });

  it("INV-53: one wei across the threshold lowers equity by the rounding of g only (here under V / 1e18 wei), as the model says", async () => {
    const [dan] = env.users;
    const price = await env.engine.collateralPrice(weth);
    const below = (T * M.WAD) / price; // the largest balance worth at most T
    const a = await fundCollateral(env, dan, "WETH", below);
    const before = (await expectRisk(env, a)).m;
    await fundCollateral(env, dan, "WETH", 1n);
    const { m, acc } = await expectRisk(env, a);
    const c = acc.collaterals[0];
    expect(M.collateralValueUsd(c.amount, c.decimals, c.price)).to.be.gt(T);
    const drop = before.equity - m.equity;
    console.log(`      one wei more WETH at the threshold: equity ${-drop} wei`);
    expect(drop).to.be.lte(M.collateralValueUsd(c.amount, c.decimals, c.price) / M.WAD);
  });

  it("INV-53: a deposit of one wei across the threshold is accepted in a multicall too", async () => {
    const [dan] = env.users;
    const price = await env.engine.collateralPrice(weth);
    const a = await fundCollateral(env, dan, "WETH", (T * M.WAD) / price);
    await env.collaterals.WETH.mint(dan.address, 1n);
    await env.collaterals.WETH.connect(dan).approve(await env.engine.getAddress(), 1n);
    const deposit = depositAction(weth, 1n);
    await expect(env.engine.connect(dan).multicall(a, [deposit], FAR)).to.emit(
      env.engine,
      "Deposited",
    );
    await expectRisk(env, a);
  });

  it("INV-53: liquidation uses maintenance weights: liquidatable exactly when maintenance-weighted equity < MM, even far below IM at the initial weights", async () => {
    const [erin, keeper] = env.users;
    const a = await fundCollateral(env, erin, "WETH", wad("10"));
    await trade(env, erin, a, SOL, wad("400"));
    const feed = await marketFeed(env, SOL);
    const now = (await latest()) + 1n;
    // The lowest 8-decimal SOL price at which the account is still not liquidatable, `hi`.
    const lo = priceAtGap(await World.read(env, [a]), a, now, { market: SOL }, 0n);
    const hi = lo + FEED_UNIT;
    expect(await publishPrice(feed, hi)).to.equal(now);
    const { m } = await expectRisk(env, a);
    expect(m.equity).to.be.gte(m.mm);
    expect(m.equity - m.collateralIm, "below MM at the initial weights").to.be.lt(m.mm);
    expect(await env.engine.isLiquidatable(a)).to.equal(false);
    const t = await nextTimestamp();
    const h = M.riskHealth(await readRiskAccount(env, a, t));
    await expect(env.engine.connect(keeper).liquidate(a, 0n, { gasLimit: 5_000_000 }))
      .to.be.revertedWithCustomError(env.engine, "NotLiquidatable")
      .withArgs(a, h.equity, h.mm);
    // One feed unit lower (and a second of funding): liquidatable.
    await publishPrice(feed, lo);
    const { m: after } = await expectRisk(env, a);
    expect(after.equity).to.be.lt(after.mm);
    await expect(env.engine.connect(keeper).liquidate(a, 0n)).to.emit(
      env.engine,
      "PositionLiquidated",
    );
  });

  it("INV-53: liquidateCollateral at the largest discount (1 - wM) never lowers the equity of a size-scaled balance", async () => {
    const [fay, liquidator] = env.users;
    const a = await fundCollateral(env, fay, "WETH", wad("20"));
    await trade(env, fay, a, SOL, wad("400"));
    await publishPrice(await marketFeed(env, SOL), wad("100"));
    await trade(env, fay, a, SOL, -wad("200")); // realises the whole loss: quote debt
    expect((await env.engine.getAccount(a)).quoteBalance).to.be.lt(0n);
    // WETH falls until the account is liquidatable (the model picks the price).
    const now = (await latest()) + 1n;
    const w = await World.read(env, [a]);
    const p = priceAtGap(w, a, now, { collateral: weth }, -wad("300"));
    await publishPrice(env.collateralFeeds.WETH, p);
    const first = await expectRisk(env, a);
    let h = first.m;
    expect(h.equity).to.be.lt(h.mm);
    const c0 = first.acc.collaterals[0];
    expect(M.sizeScale(M.collateralWeights(c0, c0.risk).valueUsd, c0.risk)).to.be.lt(M.WAD);
    await env.quote.mint(liquidator.address, usdc("100000"));
    await env.quote.connect(liquidator).approve(await env.engine.getAddress(), usdc("100000"));
    for (const repay of [1n, usdc("1"), usdc("500"), usdc("3000")]) {
      if (!(await env.engine.isLiquidatable(a))) break;
      const c = (await World.read(env, [a])).account(a).collaterals[0];
      const want = M.seizeCollateral(repay, 6, c.decimals, c.price, wad("0.2"), c.amount);
      await expect(env.engine.connect(liquidator).liquidateCollateral(a, weth, repay))
        .to.emit(env.engine, "CollateralLiquidated")
        .withArgs(a, weth, liquidator.address, want.repay, want.seized);
      const next = (await expectRisk(env, a)).m;
      expect(next.equity, `equity after repaying ${repay}`).to.be.gte(h.equity);
      h = next;
    }
  });

  it("INV-53, INV-34: a stale collateral feed halves both weights in the liquidation decision (model `stale`)", async () => {
    const [gus, keeper] = env.users;
    const a = await fundCollateral(env, gus, "WETH", wad("5"));
    await trade(env, gus, a, SOL, wad("400"));
    const stale = [await env.collateralFeeds.WETH.getAddress()];
    await advance(env, 86_400 + 60, stale);
    await expect(env.engine.accountHealth(a)).to.be.revertedWithCustomError(
      env.engine,
      "OracleStale",
    );
    let t = await nextTimestamp();
    let acc = await readRiskAccount(env, a, t);
    let halved = M.riskHealth(acc, { stale: true });
    const fresh = M.riskHealth(acc);
    expect(halved.equity).to.be.gte(halved.mm);
    expect(fresh.collateralIm - halved.collateralIm, "initial weights halved too").to.be.gt(0n);
    await expect(env.engine.connect(keeper).liquidate(a, 0n, { gasLimit: 5_000_000 }))
      .to.be.revertedWithCustomError(env.engine, "NotLiquidatable")
      .withArgs(a, halved.equity, halved.mm);
    // SOL falls 10 USD: healthy at the fresh weights, liquidatable at the halved ones.
    t = await publishPrice(await marketFeed(env, SOL), wad("140"));
    acc = await readRiskAccount(env, a, t);
    halved = M.riskHealth(acc, { stale: true });
    expect(M.riskHealth(acc).equity).to.be.gte(M.riskHealth(acc).mm);
    expect(halved.equity).to.be.lt(halved.mm);
    expect(await env.engine.isLiquidatable(a)).to.equal(true);
  });

  it("INV-53 (known property): splitting one collateral balance across two sub-accounts of one owner gives each its own, smaller haircut; not a theft, sub-accounts are separate margin accounts", async () => {
    const [hal] = env.users;
    const whole = await fundCollateral(env, hal, "WETH", wad("40"), 0);
    const s1 = await fundCollateral(env, hal, "WETH", wad("20"), 1);
    const s2 = await fundCollateral(env, hal, "WETH", wad("20"), 2);
    const unsplit = (await expectRisk(env, whole)).m.equity;
    const split = (await expectRisk(env, s1)).m.equity + (await expectRisk(env, s2)).m.equity;
    const value = M.collateralValueUsd(wad("40"), 18, await env.engine.collateralPrice(weth));
    expect(split).to.be.gt(unsplit);
    expect(split, "still below wM x value").to.be.lt(M.mulDown(value, WM));
    const gain = split - unsplit;
    console.log(
      `      split 40 WETH (${ethers.formatUnits(value, 18)} USD) into 2 x 20: equity ` +
        `${ethers.formatUnits(unsplit, 18)} -> ${ethers.formatUnits(split, 18)} USD ` +
        `(+${ethers.formatUnits(gain, 18)}, ${(Number((gain * 10_000n) / unsplit) / 100).toFixed(2)} %)`,
    );
    // The halves cannot back each other: sub-account 1 withdrawing sub-account 2's WETH fails.
    await expect(
      env.engine.connect(hal).withdraw(s1, weth, wad("20") + 1n, hal.address),
    ).to.be.revertedWithCustomError(env.engine, "InsufficientBalance");
  });
});

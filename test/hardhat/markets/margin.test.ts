// Margin against the model: equity / IM / MM with several collaterals and markets, size-scaled
// IMR at large notional, the risk-increasing (equity >= IM) and risk-reducing
// (WouldBecomeLiquidatable) rules, and operator permissions.
import { expect } from "chai";
import { units, wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import {
  Env,
  advance,
  expectMarginRevert,
  feedRoundUp,
  fundCollateral,
  fundQuote,
  loadTrading,
  priceString,
  provideLiquidity,
  setFeedPrice,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, expectConservation, expectHealth, latest } from "../../helpers/model-world";
import { BTC, ETH, FAR, SOL } from "../../../src/common";

describe("markets: margin", () => {
  let env: Env;

  beforeEach(async () => {
    env = await loadTrading();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  it("equity, IM and MM equal the model across collaterals, markets, prices and time", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("20000"));
    await fundCollateral(env, alice, "WETH", wad("5"));
    await fundCollateral(env, alice, "WBTC", units("0.2", 8));
    await trade(env, alice, a, ETH, wad("10"));
    await trade(env, alice, a, BTC, -wad("0.5"));
    await trade(env, alice, a, SOL, wad("2000"));
    const w = await World.read(env, [a]);
    expect(w.account(a).collaterals).to.have.length(2);
    await expectHealth(env, w, a);

    await setFeedPrice(env.collateralFeeds.WETH, "2800.12345678");
    await setFeedPrice(env.collateralFeeds.WBTC, "58000");
    await setMarketPrice(env, ETH, "2950");
    await setMarketPrice(env, BTC, "61000.5");
    await setMarketPrice(env, SOL, "140.01");
    await expectHealth(env, await World.read(env, [a]), a);

    await advance(env, 86_400 + 3601);
    const h = await expectHealth(env, await World.read(env, [a]), a);
    expect(h.funding).to.not.equal(0n);
  });

  it("size-scaled IMR at large notional: the exact deposit opens, one unit less fails", async () => {
    const [alice] = env.users;
    // 5,000 ETH (15M USD): sqrt(15e6) * imrSizeFactor (0.0000175) ~ 0.068 > imrBase (0.06).
    // More pool liquidity first, so that the net exposure and OI caps allow the notional.
    await provideLiquidity(env, env.lp, usdc("10000000"));
    const size = wad("5000");
    const cfg = env.config.markets[ETH];
    // Model of the trade on an empty account: equity(D) = equity0 + D * 1e12.
    const a = await fundQuote(env, alice, 1n);
    const w = await World.read(env, [a]);
    const now = (await latest()) + 1n;
    w.trade(a, ETH, size, now);
    const h0 = w.health(a, now);
    const pm = h0.positions[0];
    expect(pm.imr, "the size factor binds").to.be.gt(wad(cfg.imrBase));
    expect(pm.imr).to.equal(M.mulUp(wad(cfg.imrSizeFactor), M.sqrtUp(pm.notional * M.WAD)));
    const scale = 10n ** 12n;
    const equity0 = h0.equity - M.quoteToUsd(1n, 6);
    const needed = M.divCeil(h0.IM - equity0, scale);

    await fundQuote(env, alice, needed - 2n);
    const h = await expectMarginRevert(env, alice, a, ETH, size, "InsufficientMargin");
    expect(h.IM - h.equity)
      .to.be.gt(0n)
      .and.to.be.lte(scale);

    await fundQuote(env, alice, 1n);
    const { w: after } = await trade(env, alice, a, ETH, size);
    const m = await expectHealth(env, after, a);
    expect(m.equity - m.IM)
      .to.be.gte(0n)
      .and.to.be.lt(scale);
  });

  it("INV-7: a risk-increasing trade needs equity >= IM after it; reducing is allowed below IM", async () => {
    const [alice] = env.users;
    // 20 ETH (60,000 USD, IM 6 % + 20): about 15x on 4,000 USDC.
    const a = await fundQuote(env, alice, usdc("4000"));
    await trade(env, alice, a, ETH, wad("20"));
    await setMarketPrice(env, ETH, "2960");
    const h = await expectHealth(env, await World.read(env, [a]), a);
    expect(h.equity).to.be.lt(h.IM).and.to.be.gte(h.MM);

    await expectMarginRevert(env, alice, a, ETH, wad("1"), "InsufficientMargin");
    await expectMarginRevert(env, alice, a, BTC, -wad("0.01"), "InsufficientMargin");
    // A flip through zero grows the risk on the other side.
    await expectMarginRevert(env, alice, a, ETH, -wad("60"), "InsufficientMargin");

    const { w } = await trade(env, alice, a, ETH, -wad("2"));
    const after = await expectHealth(env, w, a);
    expect(after.equity).to.be.lt(after.IM);
  });

  it("a risk-reducing trade may not make a healthy account liquidatable", async () => {
    const [alice] = env.users;
    const p = await env.engine.getMarket(ETH);
    // A 5 % maker fee makes reducing a majority-side position expensive.
    await env.engine.setMarketTradingParams(ETH, {
      skewScale: p.skewScale,
      makerFee: wad("0.05"),
      takerFee: p.takerFee,
      maxFundingVelocity: p.maxFundingVelocity,
    });
    const a = await fundQuote(env, alice, usdc("4000"));
    await trade(env, alice, a, ETH, wad("20"));

    // Put the price just above the model's liquidation price.
    let w = await World.read(env, [a]);
    const liq = M.liquidationPrice(w.modelAccount(a, await latest()), 0);
    await setMarketPrice(env, ETH, priceString(feedRoundUp(liq) + wad("20")));
    const before = await expectHealth(env, await World.read(env, [a]), a);
    expect(before.isLiquidatable).to.equal(false);

    const bad = await expectMarginRevert(env, alice, a, ETH, -wad("10"), "WouldBecomeLiquidatable");
    expect(bad.isLiquidatable).to.equal(true);

    // A smaller reduction keeps it healthy and goes through.
    ({ w } = await trade(env, alice, a, ETH, -wad("1")));
    expect((await expectHealth(env, w, a)).isLiquidatable).to.equal(false);

    // Once liquidatable anyway, reducing is allowed even if it stays liquidatable.
    await setMarketPrice(env, ETH, priceString(feedRoundUp(liq) - wad("30")));
    expect((await expectHealth(env, await World.read(env, [a]), a)).isLiquidatable).to.equal(true);
    ({ w } = await trade(env, alice, a, ETH, -wad("5")));
    expect((await expectHealth(env, w, a)).isLiquidatable).to.equal(true);
  });

  it("liquidatable exactly when equity < MM, on either side of the liquidation price", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("3000"));
    await trade(env, alice, a, BTC, -wad("1"));
    const w = await World.read(env, [a]);
    const liq = M.liquidationPrice(w.modelAccount(a, await latest()), 0);
    for (const [bps, liquidatable] of [
      [9990n, false],
      [10010n, true],
    ] as const) {
      await setMarketPrice(env, BTC, priceString(feedRoundUp((liq * bps) / 10_000n)));
      const h = await expectHealth(env, await World.read(env, [a]), a);
      expect(h.isLiquidatable).to.equal(liquidatable);
    }
  });

  it("only the owner or an approved operator may trade for an account", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("10000"));
    const a1 = await fundQuote(env, alice, usdc("10000"), 1);
    const trade1 = (account: bigint) =>
      env.engine.connect(bob).modifyPosition(account, ETH, wad("1"), 2n ** 255n, FAR);
    await expect(trade1(a))
      .to.be.revertedWithCustomError(env.engine, "Unauthorized")
      .withArgs(bob.address, a);

    await env.engine.connect(alice).setOperator(a, bob.address, true);
    await trade(env, alice, a, ETH, wad("1"), { sender: bob });
    // The approval is per account: sub-account 1 is still off limits.
    await expect(trade1(a1))
      .to.be.revertedWithCustomError(env.engine, "Unauthorized")
      .withArgs(bob.address, a1);

    await env.engine.connect(alice).setOperator(a, bob.address, false);
    await expect(trade1(a))
      .to.be.revertedWithCustomError(env.engine, "Unauthorized")
      .withArgs(bob.address, a);
    await expect(env.engine.connect(bob).multicall(a, [], FAR))
      .to.be.revertedWithCustomError(env.engine, "Unauthorized")
      .withArgs(bob.address, a);
  });
});

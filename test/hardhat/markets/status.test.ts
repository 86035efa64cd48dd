// Bad input and market / protocol status: unknown market, zero size, slippage, deadline,
// paused / reduce-only / settled markets, OI and position caps, stale feeds, global pause.
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import {
  Env,
  MAX_UINT,
  addMarkets,
  advance,
  fundCollateral,
  fundQuote,
  loadTrading,
  marketFeed,
  nextTimestamp,
  refreshFeeds,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import {
  World,
  expectConservation,
  expectHealth,
  expectPoolValue,
  expectWorld,
} from "../../helpers/model-world";
import { BTC, ETH, FAR, MarketStatus, SOL } from "../../../src/common";

describe("markets: bad input and status", () => {
  let env: Env;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let a: bigint;
  let b: bigint;

  beforeEach(async () => {
    env = await loadTrading();
    [alice, bob] = env.users;
    a = await fundQuote(env, alice, usdc("100000"));
    b = await fundQuote(env, bob, usdc("100000"));
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  const send = (
    user: HardhatEthersSigner,
    account: bigint,
    id: number,
    d: bigint,
    price?: bigint,
  ) =>
    env.engine.connect(user).modifyPosition(account, id, d, price ?? (d > 0n ? MAX_UINT : 1n), FAR);

  it("rejects an unknown market, a zero size delta and an expired deadline", async () => {
    await expect(send(alice, a, 3, wad("1")))
      .to.be.revertedWithCustomError(env.engine, "UnknownMarket")
      .withArgs(3);
    await expect(send(alice, a, 63, -wad("1")))
      .to.be.revertedWithCustomError(env.engine, "UnknownMarket")
      .withArgs(63);
    await expect(send(alice, a, ETH, 0n)).to.be.revertedWithCustomError(
      env.engine,
      "ZeroSizeDelta",
    );
    const now = await nextTimestamp();
    await expect(env.engine.connect(alice).modifyPosition(a, ETH, wad("1"), MAX_UINT, now - 1n))
      .to.be.revertedWithCustomError(env.engine, "DeadlineExpired")
      .withArgs(now - 1n, now);
    // The deadline is inclusive.
    await nextTimestamp();
    await env.engine.connect(alice).modifyPosition(a, ETH, wad("1"), MAX_UINT, now + 1n);
  });

  it("enforces the acceptable price on buys and sells, inclusively", async () => {
    await trade(env, bob, b, ETH, wad("7"));
    for (const d of [wad("3"), -wad("5")]) {
      const w = await World.read(env, [a]);
      const now = await nextTimestamp();
      const fill = w.trade(a, ETH, d, now).fill;
      const worse = d > 0n ? fill - 1n : fill + 1n;
      await expect(send(alice, a, ETH, d, worse))
        .to.be.revertedWithCustomError(env.engine, "SlippageExceeded")
        .withArgs(fill, worse);
      await trade(env, alice, a, ETH, d, { acceptablePrice: fill, others: [b] });
    }
  });

  it("a paused market takes no user trades, in either direction", async () => {
    await trade(env, alice, a, SOL, wad("100"));
    await env.engine.setMarketStatus(SOL, MarketStatus.Paused);
    await expect(send(alice, a, SOL, wad("1")))
      .to.be.revertedWithCustomError(env.engine, "MarketPaused")
      .withArgs(SOL);
    await expect(send(alice, a, SOL, -wad("100")))
      .to.be.revertedWithCustomError(env.engine, "MarketPaused")
      .withArgs(SOL);
    await env.engine.setMarketStatus(SOL, MarketStatus.Active);
    await trade(env, alice, a, SOL, -wad("100"));
  });

  it("a reduce-only market allows only reductions", async () => {
    await trade(env, alice, a, BTC, wad("1"));
    await env.engine.setMarketStatus(BTC, MarketStatus.ReduceOnly);
    for (const [who, acct, d] of [
      [alice, a, wad("0.1")],
      [alice, a, -wad("1.5")], // a flip grows risk on the other side
      [bob, b, -wad("0.1")], // a new position
    ] as const) {
      await expect(send(who, acct, BTC, d))
        .to.be.revertedWithCustomError(env.engine, "MarketReduceOnly")
        .withArgs(BTC);
    }
    await trade(env, alice, a, BTC, -wad("0.4"));
    await trade(env, alice, a, BTC, -wad("0.6"));
  });

  it("a settled market closes at the settlement price without fees and stops funding", async () => {
    await trade(env, alice, a, ETH, wad("10"));
    await trade(env, bob, b, ETH, -wad("4"), { others: [a] });
    await advance(env, 5 * 3600);

    // Settlement records funding at the oracle price, then freezes the market at 3100.
    const w = await World.read(env, [a, b]);
    const now = await nextTimestamp();
    const st = w.recordFunding(ETH, now);
    await expect(env.engine.settleMarket(ETH, wad("3100")))
      .to.emit(env.engine, "FundingRecorded")
      .withArgs(ETH, st.fundingRate, st.fundingIndex, w.markets[ETH].price)
      .and.to.emit(env.engine, "MarketStatusSet")
      .withArgs(ETH, MarketStatus.Settled, wad("3100"));
    await expectWorld(env, w);

    await expect(send(bob, b, ETH, -wad("1")))
      .to.be.revertedWithCustomError(env.engine, "MarketSettled")
      .withArgs(ETH);
    await expect(send(alice, a, ETH, wad("1")))
      .to.be.revertedWithCustomError(env.engine, "MarketSettled")
      .withArgs(ETH);

    // Days later, with the ETH feed stale and far away: no funding, valued at 3100.
    await advance(env, 3 * 86_400, [await (await marketFeed(env, ETH)).getAddress()]);
    await setMarketPrice(env, BTC, "60000");
    const later = await World.read(env, [a, b]);
    expect(later.markets[ETH].price).to.equal(wad("3100"));
    const [rate, index] = await env.engine.currentFunding(ETH);
    expect([rate, index]).to.deep.equal([st.fundingRate, st.fundingIndex]);
    await expectHealth(env, later, a);
    await expectHealth(env, later, b);
    await expectPoolValue(env, later);

    const { r } = await trade(env, alice, a, ETH, -wad("6"), { others: [b] });
    expect([r.fill, r.fee]).to.deep.equal([wad("3100"), 0n]);
    const { r: r2 } = await trade(env, bob, b, ETH, wad("4"), { others: [a] });
    expect([r2.fill, r2.fee, r2.newPosition.size]).to.deep.equal([wad("3100"), 0n, 0n]);
    await trade(env, alice, a, ETH, -wad("4"), { others: [b] });
    const st2 = await env.engine.getMarketState(ETH);
    expect([st2.longOI, st2.shortOI, st2.netBasis]).to.deep.equal([0n, 0n, 0n]);
  });

  it("caps open interest per side at maxOpenInterest; reductions stay allowed", async () => {
    const c = await env.engine.getMarket(SOL);
    await env.engine.setMarketLimits(SOL, {
      maxOpenInterest: wad("1000"),
      maxOiPoolRatio: c.maxOiPoolRatio,
      maxNetExposureRatio: c.maxNetExposureRatio,
      maxLiquidationPerWindowUsd: c.maxLiquidationPerWindow,
      liquidationWindow: c.liquidationWindow,
    });
    await trade(env, alice, a, SOL, wad("600"));
    await expect(send(bob, b, SOL, wad("401")))
      .to.be.revertedWithCustomError(env.engine, "OpenInterestCapExceeded")
      .withArgs(SOL, wad("1001"), wad("1000"));
    await trade(env, bob, b, SOL, wad("400"), { others: [a] });
    await expect(send(bob, b, SOL, -wad("1401")))
      .to.be.revertedWithCustomError(env.engine, "OpenInterestCapExceeded")
      .withArgs(SOL, wad("1001"), wad("1000"));
    // Lowering the cap under the open interest still lets positions shrink.
    await env.engine.setMarketLimits(SOL, {
      maxOpenInterest: wad("500"),
      maxOiPoolRatio: c.maxOiPoolRatio,
      maxNetExposureRatio: c.maxNetExposureRatio,
      maxLiquidationPerWindowUsd: c.maxLiquidationPerWindow,
      liquidationWindow: c.liquidationWindow,
    });
    await trade(env, alice, a, SOL, -wad("100"), { others: [b] });
    await expect(send(alice, a, SOL, wad("1")))
      .to.be.revertedWithCustomError(env.engine, "OpenInterestCapExceeded")
      .withArgs(SOL, wad("901"), wad("500"));
  });

  it("holds at most 16 positions per account", async () => {
    const added = await addMarkets(env, 14, "100");
    expect(Number(await env.engine.marketCount())).to.equal(17);
    const ids = [ETH, BTC, SOL, ...added];
    const small = [wad("0.01"), wad("0.001"), wad("1"), ...added.map(() => wad("1"))];
    for (let i = 0; i < 16; i++) await trade(env, alice, a, ids[i], small[i]);
    expect((await env.engine.getAccount(a)).marketMask).to.equal((1n << 16n) - 1n);
    await expect(send(alice, a, ids[16], wad("1")))
      .to.be.revertedWithCustomError(env.engine, "TooManyPositions")
      .withArgs(a, 16);
    // Adding to an open one is fine; closing one frees a slot.
    await trade(env, alice, a, ids[15], wad("1"));
    await trade(env, alice, a, ids[3], -wad("1"));
    await trade(env, alice, a, ids[16], -wad("1"));
    await expectHealth(env, await World.read(env, [a]), a);
  });

  it("INV-25: a stale market feed blocks the account's risk-increasing trades (a reduction elsewhere goes through); a stale collateral feed blocks a risk increase the quote does not cover, not a close (INV-58, INV-59)", async () => {
    await trade(env, alice, a, ETH, wad("1"));
    await trade(env, alice, a, BTC, -wad("0.1"));
    await fundCollateral(env, alice, "WETH", wad("1"));
    await trade(env, bob, b, SOL, wad("10"));
    const btcFeed = await marketFeed(env, BTC);
    const [, , , updatedAt] = await btcFeed.latestRoundData();
    await advance(env, 86_401, [await btcFeed.getAddress()]);

    for (const [id, d] of [
      [ETH, wad("1")],
      [SOL, wad("1")],
      [BTC, wad("0.05")], // even reducing the stale market itself: no price to fill at
    ] as const) {
      await expect(send(alice, a, id, d))
        .to.be.revertedWithCustomError(env.engine, "OracleStale")
        .withArgs(await btcFeed.getAddress(), updatedAt, 86_400);
    }
    await expect(env.engine.accountHealth(a)).to.be.revertedWithCustomError(
      env.engine,
      "OracleStale",
    );
    // Reducing ETH only lowers risk: checked with BTC at its last answer, as the model does.
    await trade(env, alice, a, ETH, -wad("0.5"), { others: [b] });
    // Bob holds no BTC: unaffected.
    await trade(env, bob, b, SOL, wad("10"));

    // A stale collateral feed blocks a risk increase the quote balance does not cover; a
    // reduction that frees more MM than it costs skips the valuation (INV-58).
    await refreshFeeds(env);
    // Leave 100 USDC: the quote alone no longer covers IM, so the check reads WETH (INV-59).
    const usdcAddress = await env.quote.getAddress();
    await env.engine.connect(alice).withdraw(a, usdcAddress, usdc("99900"), alice.address);
    const wethFeed = env.collateralFeeds.WETH;
    const [, , , wethUpdated] = await wethFeed.latestRoundData();
    await advance(env, 86_401, [await wethFeed.getAddress()]);
    await expect(send(alice, a, ETH, wad("1")))
      .to.be.revertedWithCustomError(env.engine, "OracleStale")
      .withArgs(await wethFeed.getAddress(), wethUpdated, 86_400);
    // Buying back BTC, the pair's larger leg, frees its MM (the credit is ETH's); selling ETH,
    // the smaller, would lose as much credit as it frees and so still need the valuation.
    await expect(send(alice, a, ETH, -wad("0.1"))).to.be.revertedWithCustomError(
      env.engine,
      "OracleStale",
    );
    await trade(env, alice, a, BTC, wad("0.05"), { others: [b] });
    await refreshFeeds(env);
    await trade(env, alice, a, ETH, wad("1"));
  });

  it("the global pause blocks opening risk but not closing it", async () => {
    await trade(env, alice, a, ETH, wad("5"));
    await trade(env, bob, b, ETH, -wad("2"), { others: [a] });
    await expect(env.engine.connect(alice).pause()).to.be.revertedWithCustomError(
      env.engine,
      "AccessControlUnauthorizedAccount",
    );
    await env.engine.pause();
    for (const [who, acct, d] of [
      [alice, a, wad("1")], // grow
      [bob, b, wad("3")], // flip
      [bob, b, -wad("1")], // grow the short
    ] as const) {
      await expect(send(who, acct, ETH, d)).to.be.revertedWithCustomError(
        env.engine,
        "ProtocolPaused",
      );
    }
    await expect(send(alice, a, SOL, wad("1"))).to.be.revertedWithCustomError(
      env.engine,
      "ProtocolPaused",
    );
    // Deposits and closing keep working.
    await fundQuote(env, alice, usdc("1"));
    await setMarketPrice(env, ETH, "3050");
    await trade(env, alice, a, ETH, -wad("2"), { others: [b] });
    await trade(env, bob, b, ETH, wad("2"), { others: [a] });
    await env.engine.unpause();
    await trade(env, alice, a, ETH, wad("1"), { others: [b] });
    const w = await World.read(env, [a, b]);
    await expectWorld(env, w);
    expect(M.skewOf(w.markets[ETH].state)).to.equal(wad("4"));
  });
});

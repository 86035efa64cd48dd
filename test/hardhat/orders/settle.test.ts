/** Delayed orders: which round settles an order, when, and at what numbers (model). */
import { entryFor } from "../../../src/model";
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ICrossmargin__factory } from "../../../typechain-types";
import { feedAnswer, wad } from "../../../src/common/units";
import {
  KEEPER_FEE,
  OrdersEnv,
  commit,
  eventsOf,
  expectConserved,
  expectedTrade,
  inOneBlock,
  latestRound,
  loadOrders,
  modelState,
  openInstant,
  px,
  setPrice,
  keeperCredit,
} from "../../helpers/orders";
import { BTC, ETH } from "../../../src/common";

async function settleAt(env: OrdersEnv, marketId: number, round: bigint, at: bigint) {
  await time.setNextBlockTimestamp(at);
  return env.engine.connect(env.keeper).settleOrder(env.account, marketId, round);
}

describe("orders: settlement round", () => {
  it("needs the first round at or after commit + minOrderDelay", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    const feed = env.feeds[ETH];
    const T = BigInt(await time.latest()) + 10n;
    await commit(env, ETH, wad("1"), { at: T, deadline: T + 100n });
    await setPrice(feed, "3010", T + 1n);
    const r1 = await latestRound(feed);
    let st = await engine.orderStatus(account, ETH);
    expect([st.settleable, st.cancellable, st.settlementRound]).to.deep.equal([false, false, 0n]);
    await setPrice(feed, "3020", T + 2n);
    const r2 = r1 + 1n;
    await setPrice(feed, "3030", T + 3n);
    const r3 = r2 + 1n;
    st = await engine.orderStatus(account, ETH);
    expect([st.settleable, st.cancellable, st.settlementRound]).to.deep.equal([true, false, r2]);

    const c = engine.connect(keeper);
    await expect(c.settleOrder(account, ETH, r1))
      .to.be.revertedWithCustomError(engine, "RoundTooEarly")
      .withArgs(r1, T + 1n, T + 2n);
    await expect(c.settleOrder(account, ETH, r3))
      .to.be.revertedWithCustomError(engine, "RoundNotFirst")
      .withArgs(r3, T + 2n, T + 2n);
    await expect(c.settleOrder(account, ETH, r3 + 1n))
      .to.be.revertedWithCustomError(engine, "RoundTooEarly")
      .withArgs(r3 + 1n, 0n, T + 2n);
    await expect(c.settleOrder(account, ETH, 0n)).to.be.revertedWithCustomError(
      engine,
      "RoundTooEarly",
    );
    await expect(c.settleOrder(account, BTC, r2))
      .to.be.revertedWithCustomError(engine, "NoOrder")
      .withArgs(account, BTC);

    const now = BigInt(await time.latest()) + 1n;
    const want = await expectedTrade(engine, account, ETH, wad("1"), px("3020"), now);
    const tx = await settleAt(env, ETH, r2, now);
    await expect(tx)
      .to.emit(engine, "OrderSettled")
      .withArgs(account, ETH, keeper.address, r2, KEEPER_FEE);
    const [pm] = await eventsOf(env, tx, "PositionModified");
    expect(pm.fillPrice).to.equal(want.fill);
    await expect(c.settleOrder(account, ETH, r2))
      .to.be.revertedWithCustomError(engine, "NoOrder")
      .withArgs(account, ETH);
  });

  for (const later of [1, 5, 31, 32, 33, 70]) {
    it(`orderStatus names the first eligible round with ${later} rounds after it`, async () => {
      const env = await loadOrders();
      const { engine, account, keeper } = env;
      const feed = env.feeds[ETH];
      const T = BigInt(await time.latest()) + 10n;
      await commit(env, ETH, wad("1"), { at: T, deadline: T + 1000n });
      await setPrice(feed, "3001", T + 1n); // too early
      await setPrice(feed, "3002", T + 2n); // the settlement round
      const first = await latestRound(feed);
      for (let i = 0; i < later; i++) await setPrice(feed, "3003", T + 3n + BigInt(i));
      const st = await engine.orderStatus(account, ETH);
      expect([st.settleable, st.settlementRound]).to.deep.equal([true, first]);
      await expect(engine.connect(keeper).settleOrder(account, ETH, st.settlementRound))
        .to.emit(engine, "OrderSettled")
        .withArgs(account, ETH, keeper.address, first, KEEPER_FEE);
    });
  }

  it("settles up to the deadline inclusive; deadline + 1 is OrderExpired", async () => {
    const env = await loadOrders();
    const { engine, account } = env;
    const T = BigInt(await time.latest()) + 10n;
    await commit(env, ETH, wad("1"), { at: T, deadline: T + 50n });
    await commit(env, BTC, wad("0.01"), { at: T + 1n, deadline: T + 52n });
    await setPrice(env.feeds[ETH], "3000", T + 2n);
    await setPrice(env.feeds[BTC], "60000", T + 3n);
    const rEth = await latestRound(env.feeds[ETH]);
    const rBtc = await latestRound(env.feeds[BTC]);
    await expect(settleAt(env, ETH, rEth, T + 51n))
      .to.be.revertedWithCustomError(engine, "OrderExpired")
      .withArgs(T + 50n, T + 51n);
    const st = await engine.orderStatus(account, ETH);
    expect([st.settleable, st.cancellable]).to.deep.equal([false, true]);
    await expect(settleAt(env, BTC, rBtc, T + 52n)).to.emit(engine, "OrderSettled");
    expect((await engine.getPosition(account, BTC)).size).to.equal(wad("0.01"));
  });

  it("a round in the same block as the commit is too early (minOrderDelay 2)", async () => {
    const env = await loadOrders();
    const { engine, account, trader } = env;
    const feed = env.feeds[ETH];
    const T = BigInt(await time.latest()) + 10n;
    await inOneBlock(T, async () => {
      await engine.connect(trader).commitOrder(account, ETH, wad("1"), px("4000"), T + 100n);
      await feed.updateAnswer(feedAnswer("3300"));
    });
    expect((await engine.getOrder(account, ETH)).commitTime).to.equal(T);
    const r = await latestRound(feed);
    expect((await feed.getRoundData(r))[3]).to.equal(T);
    await expect(settleAt(env, ETH, r, T + 5n))
      .to.be.revertedWithCustomError(engine, "RoundTooEarly")
      .withArgs(r, T, T + 2n);
  });

  for (const order of ["price then commit", "commit then price"]) {
    it(`minOrderDelay 0: a price in the commit's block never settles it (${order})`, async () => {
      const env = await loadOrders();
      const { engine, account, trader, keeper } = env;
      const feed = env.feeds[ETH];
      await engine.setMarketOrderParams(ETH, {
        instantTrading: true,
        minOrderDelay: 0,
        maxOrderAge: 7200,
      });
      const T = BigInt(await time.latest()) + 10n;
      await inOneBlock(T, async () => {
        const c = () =>
          engine.connect(trader).commitOrder(account, ETH, wad("1"), px("4000"), T + 100n);
        if (order === "commit then price") await c();
        await feed.updateAnswer(feedAnswer("3300"));
        if (order === "price then commit") await c();
      });
      const r = await latestRound(feed);
      // Its price may have been known when the order was committed: not a settlement price.
      expect((await engine.orderStatus(account, ETH)).settleable).to.equal(false);
      await expect(settleAt(env, ETH, r, T + 1n))
        .to.be.revertedWithCustomError(engine, "RoundTooEarly")
        .withArgs(r, T, T + 1n);
      await setPrice(feed, "3310", T + 2n);
      const st = await engine.orderStatus(account, ETH);
      expect([st.settleable, st.settlementRound]).to.deep.equal([true, r + 1n]);
      const want = await expectedTrade(engine, account, ETH, wad("1"), px("3310"), T + 3n);
      const tx = await settleAt(env, ETH, r + 1n, T + 3n);
      await expect(tx)
        .to.emit(engine, "OrderSettled")
        .withArgs(account, ETH, keeper.address, r + 1n, KEEPER_FEE);
      expect((await engine.getPosition(account, ETH)).entryPrice).to.equal(entryFor(1n, want.fill));
    });
  }

  it("a stale feed at settlement reverts (no cancellation, no fee); settles once fresh", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    const feed = env.feeds[ETH];
    const T = BigInt(await time.latest()) + 10n;
    await setPrice(feed, "3000", T - 2n);
    await engine.setMarketFeed(ETH, await feed.getAddress(), 60, await feed.description());
    await commit(env, ETH, wad("1"), { at: T, deadline: T + 1000n });
    await setPrice(feed, "3050", T + 2n);
    const r = await latestRound(feed);
    const oracle = ICrossmargin__factory.connect(await engine.getAddress(), keeper);
    const before = await keeperCredit(env, keeper.address);
    await expect(settleAt(env, ETH, r, T + 63n))
      .to.be.revertedWithCustomError(oracle, "OracleStale")
      .withArgs(await feed.getAddress(), T + 2n, 60);
    expect((await engine.getOrder(account, ETH)).commitTime).to.equal(T);
    expect(await keeperCredit(env, keeper.address)).to.equal(before);
    // A fresh round: the order still fills at its settlement round.
    await setPrice(feed, "3100", T + 70n);
    const want = await expectedTrade(engine, account, ETH, wad("1"), px("3050"), T + 71n);
    await expect(settleAt(env, ETH, r, T + 71n)).to.emit(engine, "OrderSettled");
    expect((await engine.getPosition(account, ETH)).entryPrice).to.equal(entryFor(1n, want.fill));
    expect(await keeperCredit(env, keeper.address)).to.equal(before + KEEPER_FEE);
  });

  it("a stale feed of another market of the account also reverts the settlement", async () => {
    const env = await loadOrders();
    const { engine, keeper } = env;
    await openInstant(env, BTC, wad("0.1"));
    const T0 = BigInt(await time.latest()) + 1n;
    await setPrice(env.feeds[BTC], "60000", T0);
    const T = T0 + 86_400n - 20n;
    await setPrice(env.feeds[ETH], "3000", T - 1n); // BTC's last round is now ~1 day old
    await commit(env, ETH, wad("1"), { at: T, deadline: T + 1000n });
    await setPrice(env.feeds[ETH], "3010", T + 2n);
    const r = await latestRound(env.feeds[ETH]);
    const oracle = ICrossmargin__factory.connect(await engine.getAddress(), keeper);
    await expect(settleAt(env, ETH, r, T + 40n)).to.be.revertedWithCustomError(
      oracle,
      "OracleStale",
    );
    await setPrice(env.feeds[BTC], "60000", T + 41n);
    await expect(settleAt(env, ETH, r, T + 42n)).to.emit(engine, "OrderSettled");
  });
});

describe("orders: fill numbers", () => {
  const cases: { name: string; open: string; delta: string; price: string }[] = [
    { name: "grow a long", open: "5", delta: "10", price: "3150" },
    { name: "reduce a long", open: "5", delta: "-3", price: "2875.5" },
    { name: "flip a long to short", open: "5", delta: "-12", price: "3333.33" },
    { name: "open a short", open: "0", delta: "-7", price: "2950" },
    { name: "close a long", open: "5", delta: "-5", price: "3001" },
  ];
  for (const k of cases) {
    it(`fill, fee, pnl, funding and balances equal the model at the round price: ${k.name}`, async () => {
      const env = await loadOrders();
      const { engine, account, otherAccount, keeper, other } = env;
      await openInstant(env, ETH, -wad("8"), other); // some skew and funding
      if (k.open !== "0") await openInstant(env, ETH, wad(k.open));
      await time.increase(3600);
      await setPrice(env.feeds[ETH], "3000");
      const T = BigInt(await time.latest()) + 5n;
      await commit(env, ETH, wad(k.delta), { at: T });
      await setPrice(env.feeds[ETH], "3002", T + 1n); // too early
      await setPrice(env.feeds[ETH], k.price, T + 2n);
      const r = await latestRound(env.feeds[ETH]);
      await setPrice(env.feeds[ETH], "2999", T + 4n); // later, irrelevant
      const now = T + 30n;
      const want = await expectedTrade(engine, account, ETH, wad(k.delta), px(k.price), now);
      const bal0 = (await engine.getAccount(account)).quoteBalance;
      const pool0 = await engine.poolBalance();
      const keeper0 = await keeperCredit(env, keeper.address);
      expect(await engine.settleOrder.staticCall(account, ETH, r)).to.equal(true);
      const tx = await settleAt(env, ETH, r, now);
      const [pm] = await eventsOf(env, tx, "PositionModified");
      expect(pm.newSize).to.equal(want.newPosition.size);
      expect(pm.fillPrice).to.equal(want.fill);
      expect(pm.fee).to.equal(want.fee);
      expect(pm.realisedPnl).to.equal(want.pnl);
      expect(pm.fundingPaid).to.equal(want.funding);
      expect(pm.quoteDelta).to.equal(want.quoteDelta);
      const pos = await engine.getPosition(account, ETH);
      expect([pos.size, pos.entryPrice, pos.fundingIndex]).to.deep.equal([
        want.newPosition.size,
        want.newPosition.entryPrice,
        want.newPosition.fundingIndex,
      ]);
      expect(await modelState(engine, ETH)).to.deep.equal(want.newMarketState);
      expect((await engine.getAccount(account)).quoteBalance).to.equal(
        bal0 + want.quoteDelta - KEEPER_FEE,
      );
      expect(await engine.poolBalance()).to.equal(pool0 - want.quoteDelta);
      expect(await keeperCredit(env, keeper.address)).to.equal(keeper0 + KEEPER_FEE);
      const o = await engine.getOrder(account, ETH);
      expect([o.commitTime, o.sizeDelta, o.reserveUsd]).to.deep.equal([0n, 0n, 0n]);
      expect((await engine.getAccount(account)).orderMask).to.equal(0n);
      await expectConserved(env, [account, otherAccount]);
    });
  }
});

/** Delayed orders: what commitOrder accepts, what it reserves, and what it blocks. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { units, wad } from "../../../src/common/units";
import {
  KEEPER_FEE,
  MAX_AGE,
  MIN_DELAY,
  commit,
  expectedReserve,
  expectConserved,
  loadOrders,
  openInstant,
  px,
} from "../../helpers/orders";
import { BTC, ETH, FAR, tradeAction } from "../../../src/common";

const SCALE = 10n ** 12n; // USD WAD per quote unit (6-decimal quote)

describe("orders: commitOrder", () => {
  it("INV-10: records one pending order, its keeper fee and its reserve (model), and emits", async () => {
    const env = await loadOrders();
    const { engine, account } = env;
    await openInstant(env, ETH, wad("5"));
    const before = await engine.accountHealth(account);
    const reserve = await expectedReserve(engine, account, ETH, wad("10"), px("3000"));
    const at = BigInt(await time.latest()) + 5n;
    const { tx } = await commit(env, ETH, wad("10"), { at, acceptable: px("3100") });
    await expect(tx)
      .to.emit(engine, "OrderCommitted")
      .withArgs(account, ETH, wad("10"), px("3100"), at + 600n, KEEPER_FEE);
    const o = await engine.getOrder(account, ETH);
    expect(o.sizeDelta).to.equal(wad("10"));
    expect(o.acceptablePrice).to.equal(px("3100"));
    expect(o.commitTime).to.equal(at);
    expect(o.settlementDeadline).to.equal(at + 600n);
    expect(o.keeperFee).to.equal(KEEPER_FEE);
    expect(o.reserveUsd).to.equal(reserve);
    expect((await engine.getAccount(account)).orderMask).to.equal(1n << BigInt(ETH));
    const after = await engine.accountHealth(account);
    // Pending orders count as initial margin only: equity and MM unchanged.
    expect(after.im - before.im).to.equal(reserve + KEEPER_FEE * SCALE);
    expect(after.mm).to.equal(before.mm);
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("a reducing order reserves only its fee and impact", async () => {
    const env = await loadOrders();
    const { engine, account } = env;
    await openInstant(env, ETH, wad("10"));
    const reserve = await expectedReserve(engine, account, ETH, -wad("4"), px("3000"));
    await commit(env, ETH, -wad("4"));
    expect((await engine.getOrder(account, ETH)).reserveUsd).to.equal(reserve);
    // The hand figure: no IM growth, only fee + impact, both positive.
    expect(reserve).to.be.greaterThan(0n);
    expect(reserve).to.be.lessThan(wad("20"));
  });

  it("owner and operator may commit; anyone else is Unauthorized", async () => {
    const env = await loadOrders();
    const { engine, account, stranger, operator } = env;
    await expect(
      engine.connect(stranger).commitOrder(account, ETH, wad("1"), FAR, FAR),
    ).to.be.revertedWithCustomError(engine, "Unauthorized");
    await commit(env, ETH, wad("1"), { by: operator });
    expect((await engine.getOrder(account, ETH)).sizeDelta).to.equal(wad("1"));
    await commit(env, BTC, wad("0.1"));
    expect((await engine.getAccount(account)).orderMask).to.equal(3n);
    // A revoked operator can neither commit nor cancel for free.
    await engine.connect(env.trader).setOperator(account, operator.address, false);
    await expect(
      engine.connect(operator).commitOrder(account, 2, wad("1"), FAR, FAR),
    ).to.be.revertedWithCustomError(engine, "Unauthorized");
    await expect(engine.connect(operator).cancelOrder(account, BTC)).to.be.revertedWithCustomError(
      engine,
      "OrderNotExpired",
    );
  });

  it("one order per account and market: OrderExists", async () => {
    const env = await loadOrders();
    const { engine, account } = env;
    await commit(env, ETH, wad("1"));
    const now = BigInt(await time.latest());
    await expect(engine.connect(env.trader).commitOrder(account, ETH, -wad("1"), 1n, now + 100n))
      .to.be.revertedWithCustomError(engine, "OrderExists")
      .withArgs(account, ETH);
  });

  it("deadline window: (now + minOrderDelay, now + maxOrderAge]", async () => {
    const env = await loadOrders();
    const { engine, account, trader } = env;
    let at = BigInt(await time.latest()) + 10n;
    for (const offset of [0n, MIN_DELAY, MAX_AGE + 1n]) {
      // A reverted transaction is still mined (and uses up its timestamp).
      at += 10n;
      await time.setNextBlockTimestamp(at);
      await expect(engine.connect(trader).commitOrder(account, ETH, wad("1"), FAR, at + offset))
        .to.be.revertedWithCustomError(engine, "InvalidOrderDeadline")
        .withArgs(at + offset, at + MIN_DELAY + 1n, at + MAX_AGE);
    }
    at += 10n;
    await commit(env, ETH, wad("1"), { at, deadline: at + MIN_DELAY + 1n });
    await commit(env, BTC, wad("0.01"), { at: at + 1n, deadline: at + 1n + MAX_AGE });
  });

  it("rejects a zero size, unknown, paused and settled markets", async () => {
    const env = await loadOrders();
    const { engine, account, trader } = env;
    const c = engine.connect(trader);
    await expect(c.commitOrder(account, ETH, 0n, FAR, FAR)).to.be.revertedWithCustomError(
      engine,
      "ZeroSizeDelta",
    );
    await expect(c.commitOrder(account, 9, wad("1"), FAR, FAR))
      .to.be.revertedWithCustomError(engine, "UnknownMarket")
      .withArgs(9);
    await openInstant(env, ETH, wad("2"));
    await engine.setMarketStatus(ETH, 3); // Paused
    const deadline = BigInt(await time.latest()) + 100n;
    for (const size of [wad("1"), -wad("1")]) {
      await expect(c.commitOrder(account, ETH, size, size > 0n ? FAR : 1n, deadline))
        .to.be.revertedWithCustomError(engine, "MarketPaused")
        .withArgs(ETH);
    }
    await engine.setMarketStatus(ETH, 1);
    await engine.settleMarket(ETH, 0);
    for (const size of [wad("1"), -wad("1")]) {
      await expect(c.commitOrder(account, ETH, size, size > 0n ? FAR : 1n, deadline))
        .to.be.revertedWithCustomError(engine, "MarketSettled")
        .withArgs(ETH);
    }
  });

  it("reduce-only markets and a paused protocol accept only reducing orders", async () => {
    const env = await loadOrders();
    const { engine, account, trader } = env;
    await openInstant(env, ETH, wad("2"));
    const c = engine.connect(trader);
    const deadline = BigInt(await time.latest()) + 100n;
    await engine.setMarketStatus(ETH, 2); // ReduceOnly
    await expect(c.commitOrder(account, ETH, wad("1"), FAR, deadline))
      .to.be.revertedWithCustomError(engine, "MarketReduceOnly")
      .withArgs(ETH);
    // A flip is not a reduction.
    await expect(
      c.commitOrder(account, ETH, -wad("3"), 1n, deadline),
    ).to.be.revertedWithCustomError(engine, "MarketReduceOnly");
    await engine.setMarketStatus(ETH, 1);
    await engine.pause();
    await expect(
      c.commitOrder(account, ETH, wad("1"), FAR, deadline),
    ).to.be.revertedWithCustomError(engine, "ProtocolPaused");
    await commit(env, ETH, -wad("2"));
    expect((await engine.getOrder(account, ETH)).sizeDelta).to.equal(-wad("2"));
  });

  it("INV-7, INV-10: is checked at commit as if filled now: InsufficientMargin beyond the free margin", async () => {
    const env = await loadOrders();
    const { engine, account, trader } = env;
    // 50k USDC, IMR >= 2 %: 1000 ETH (3M notional) needs far more than 50k.
    const deadline = BigInt(await time.latest()) + 100n;
    await expect(
      engine.connect(trader).commitOrder(account, ETH, wad("1000"), FAR, deadline),
    ).to.be.revertedWithCustomError(engine, "InsufficientMargin");
    // A second order cannot reuse the margin the first one reserved: BTC orders just above
    // and just below the free margin left (reserves from the model).
    await commit(env, ETH, wad("100"));
    const h = await engine.accountHealth(account);
    const free = h.equity - BigInt(h.im) - KEEPER_FEE * SCALE;
    const reserveOf = (size: bigint) => expectedReserve(engine, account, BTC, size, px("60000"));
    let lo = 0n;
    let hi = wad("100");
    while (hi - lo > 10n ** 12n) {
      const mid = (lo + hi) / 2n;
      if ((await reserveOf(mid)) <= free) lo = mid;
      else hi = mid;
    }
    // (a fresh deadline: the search above may take long on a loaded machine)
    const later = BigInt(await time.latest()) + 100n;
    await expect(engine.connect(trader).commitOrder(account, BTC, hi, FAR, later))
      .to.be.revertedWithCustomError(engine, "InsufficientMargin")
      .withArgs(account, h.equity, BigInt(h.im) + (await reserveOf(hi)) + KEEPER_FEE * SCALE);
    await commit(env, BTC, lo);
    const after = await engine.accountHealth(account);
    expect(after.equity).to.be.at.least(BigInt(after.im));
  });

  it("INV-10: blocks withdrawals that would leave a pending order unfunded", async () => {
    const env = await loadOrders();
    const { engine, account, trader, quote } = env;
    await openInstant(env, ETH, wad("5"));
    await commit(env, ETH, wad("50"));
    const h = await engine.accountHealth(account);
    const o = await engine.getOrder(account, ETH);
    const freeWith = (h.equity - BigInt(h.im)) / SCALE;
    const freeWithout = (h.equity - BigInt(h.im) + BigInt(o.reserveUsd)) / SCALE + KEEPER_FEE;
    expect(freeWithout - freeWith).to.be.greaterThan(units("1000", 6));
    const amount = freeWith + units("100", 6);
    const q = await quote.getAddress();
    await expect(
      engine.connect(trader).withdraw(account, q, amount, trader.address),
    ).to.be.revertedWithCustomError(engine, "InsufficientMargin");
    await engine.connect(trader).withdraw(account, q, freeWith - 1n, trader.address);
    // Cancelled (owner, before a newer price): the reserve is released.
    await engine.connect(trader).cancelOrder(account, ETH);
    await engine.connect(trader).withdraw(account, q, units("100", 6) + 1n, trader.address);
    await expectConserved(env, [account, env.otherAccount]);
  });
});

describe("orders: instant trading switch", () => {
  it("instantTrading=false blocks risk-increasing modifyPosition and multicall trades only", async () => {
    const env = await loadOrders();
    const { engine, account, trader } = env;
    await openInstant(env, ETH, wad("4"));
    await engine.setMarketOrderParams(ETH, {
      instantTrading: false,
      minOrderDelay: 2,
      maxOrderAge: 7200,
    });
    const c = engine.connect(trader);
    await expect(c.modifyPosition(account, ETH, wad("1"), FAR, FAR))
      .to.be.revertedWithCustomError(engine, "InstantTradingDisabled")
      .withArgs(ETH);
    // A flip increases risk too.
    await expect(c.modifyPosition(account, ETH, -wad("5"), 1n, FAR)).to.be.revertedWithCustomError(
      engine,
      "InstantTradingDisabled",
    );
    await expect(
      c.multicall(account, [tradeAction(ETH, wad("1"), FAR)], FAR),
    ).to.be.revertedWithCustomError(engine, "InstantTradingDisabled");
    // Reducing is always allowed, and other markets are unaffected.
    await c.modifyPosition(account, ETH, -wad("1"), 1n, FAR);
    expect((await engine.getPosition(account, ETH)).size).to.equal(wad("3"));
    await c.modifyPosition(account, BTC, wad("0.1"), FAR, FAR);
    // The delayed path still opens risk.
    await commit(env, ETH, wad("1"));
    expect((await engine.getOrder(account, ETH)).sizeDelta).to.equal(wad("1"));
  });
});

/** Delayed orders: cancellation paths, who may cancel when, and who is paid. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { feedAnswer, wad } from "../../../src/common/units";
import {
  KEEPER_FEE,
  MIN_DELAY,
  commit,
  expectConserved,
  inOneBlock,
  latestRound,
  loadOrders,
  openInstant,
  px,
  reason,
  setPrice,
  keeperCredit,
} from "../../helpers/orders";
import { BTC, ETH, SOL } from "../../../src/common";

describe("orders: cancelOrder", () => {
  it("after the deadline anyone cancels and is paid the keeper fee", async () => {
    const env = await loadOrders();
    const { engine, account, stranger } = env;
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T, deadline: T + 30n });
    await setPrice(env.feeds[ETH], "3000", T + 2n); // a settlement price exists, unused
    const bal0 = (await engine.getAccount(account)).quoteBalance;
    const s0 = await keeperCredit(env, stranger.address);
    await time.setNextBlockTimestamp(T + 30n);
    await expect(engine.connect(stranger).cancelOrder(account, ETH))
      .to.be.revertedWithCustomError(engine, "OrderNotExpired")
      .withArgs(T + 30n, T + 30n);
    await time.setNextBlockTimestamp(T + 31n);
    await expect(engine.connect(stranger).cancelOrder(account, ETH))
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, stranger.address, reason("expired"), KEEPER_FEE);
    expect(await keeperCredit(env, stranger.address)).to.equal(s0 + KEEPER_FEE);
    expect((await engine.getAccount(account)).quoteBalance).to.equal(bal0 - KEEPER_FEE);
    expect((await engine.getAccount(account)).orderMask).to.equal(0n);
    await expect(engine.connect(stranger).cancelOrder(account, ETH))
      .to.be.revertedWithCustomError(engine, "NoOrder")
      .withArgs(account, ETH);
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("INV-38: the owner (or an operator) cancels before a newer price exists, the fee to the insurance fund", async () => {
    const env = await loadOrders();
    const { engine, account, trader, operator, quote } = env;
    const fund = await env.sys.insuranceFund.getAddress();
    const fund0 = await quote.balanceOf(fund);
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, BTC, wad("0.1"), { at: T - 2n });
    await commit(env, ETH, wad("1"), { at: T });
    // A round before commit + minOrderDelay is not a settlement price.
    await setPrice(env.feeds[ETH], "3100", T + MIN_DELAY - 1n);
    const bal0 = (await engine.getAccount(account)).quoteBalance;
    const t0 = await quote.balanceOf(trader.address);
    await expect(engine.connect(trader).cancelOrder(account, ETH))
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, trader.address, reason("owner"), KEEPER_FEE)
      .and.to.emit(engine, "OrderCancelFeeCollected")
      .withArgs(account, ETH, KEEPER_FEE, true);
    await expect(engine.connect(operator).cancelOrder(account, BTC))
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, BTC, operator.address, reason("owner"), KEEPER_FEE);
    expect((await engine.getAccount(account)).quoteBalance).to.equal(bal0 - 2n * KEEPER_FEE);
    expect(await quote.balanceOf(trader.address)).to.equal(t0);
    expect(await quote.balanceOf(fund)).to.equal(fund0 + 2n * KEEPER_FEE);
    expect((await engine.getAccount(account)).orderMask).to.equal(0n);
    const h = await engine.accountHealth(account);
    expect(h.im).to.equal(0n);
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("the owner cannot cancel once a settlement price exists: SettlementPriceExists", async () => {
    const env = await loadOrders();
    const { engine, account, trader, keeper } = env;
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T, acceptable: px("3050") });
    await setPrice(env.feeds[ETH], "3200", T + MIN_DELAY);
    await expect(engine.connect(trader).cancelOrder(account, ETH))
      .to.be.revertedWithCustomError(engine, "SettlementPriceExists")
      .withArgs(account, ETH);
    // The keeper settles it instead (here: slippage).
    await expect(
      engine.connect(keeper).settleOrder(account, ETH, await latestRound(env.feeds[ETH])),
    )
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, keeper.address, reason("slippage"), KEEPER_FEE);
  });

  it("a stranger cannot cancel before the deadline: OrderNotExpired", async () => {
    const env = await loadOrders();
    const { engine, account, stranger } = env;
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T, deadline: T + 100n });
    await time.setNextBlockTimestamp(T + 1n);
    await expect(engine.connect(stranger).cancelOrder(account, ETH))
      .to.be.revertedWithCustomError(engine, "OrderNotExpired")
      .withArgs(T + 100n, T + 1n);
    await expect(engine.connect(stranger).cancelOrder(account, SOL))
      .to.be.revertedWithCustomError(engine, "NoOrder")
      .withArgs(account, SOL);
  });

  it("minOrderDelay 0: the owner may still cancel while only the commit-time price exists", async () => {
    const env = await loadOrders();
    const { engine, account, trader } = env;
    await engine.setMarketOrderParams(ETH, {
      instantTrading: true,
      minOrderDelay: 0,
      maxOrderAge: 7200,
    });
    const T = BigInt(await time.latest()) + 5n;
    // The feed answers in the commit's block: that price may have been known at commit.
    await inOneBlock(T, async () => {
      await env.feeds[ETH].updateAnswer(feedAnswer("3000"));
      await engine.connect(trader).commitOrder(account, ETH, wad("1"), px("4000"), T + 100n);
    });
    expect((await engine.getOrder(account, ETH)).commitTime).to.equal(T);
    await expect(engine.connect(trader).cancelOrder(account, ETH))
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, trader.address, reason("owner"), KEEPER_FEE);
    await commit(env, ETH, wad("1"), { at: T + 5n });
    await setPrice(env.feeds[ETH], "3000", T + 6n);
    await expect(engine.connect(trader).cancelOrder(account, ETH)).to.be.revertedWithCustomError(
      engine,
      "SettlementPriceExists",
    );
  });
});

describe("orders: liquidation", () => {
  it("a pending order never prevents a liquidation, and liquidate() cancels it", async () => {
    const env = await loadOrders();
    const { engine, account, keeper, quote } = env;
    await openInstant(env, ETH, wad("100"));
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("10"), { at: T, acceptable: px("4000") });
    await commit(env, BTC, -wad("0.1"), { at: T + 1n });
    await setPrice(env.feeds[ETH], "2540", T + 2n);
    const h = await engine.accountHealth(account);
    expect(h.equity).to.be.lessThan(BigInt(h.mm));
    expect(await engine.isLiquidatable(account)).to.equal(true);
    const bal0 = await quote.balanceOf(keeper.address);
    const tx = await engine.connect(keeper).liquidate(account, 0n);
    await expect(tx)
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, keeper.address, reason("liquidation"), 0n);
    await expect(tx)
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, BTC, keeper.address, reason("liquidation"), 0n);
    await expect(tx).to.emit(engine, "PositionLiquidated");
    expect((await engine.getAccount(account)).orderMask).to.equal(0n);
    expect((await engine.getOrder(account, ETH)).commitTime).to.equal(0n);
    expect((await engine.getOrder(account, BTC)).commitTime).to.equal(0n);
    // the liquidation's reward is a token transfer; only order keeper fees are credited
    expect(await quote.balanceOf(keeper.address)).to.be.greaterThan(bal0);
    await expect(
      engine.connect(keeper).settleOrder(account, ETH, await latestRound(env.feeds[ETH])),
    ).to.be.revertedWithCustomError(engine, "NoOrder");
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("a healthy account with a pending order is not liquidatable", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    await openInstant(env, ETH, wad("100"));
    await commit(env, ETH, wad("50"), { acceptable: px("4000") });
    const h = await engine.accountHealth(account);
    expect(h.equity).to.be.lessThan(BigInt(h.im) * 2n);
    await expect(engine.connect(keeper).liquidate(account, 0n)).to.be.revertedWithCustomError(
      engine,
      "NotLiquidatable",
    );
  });
});

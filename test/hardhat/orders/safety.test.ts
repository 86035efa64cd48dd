/** Issue 11, order items: regression tests of the attacks on delayed orders, step by step.
 *  Expected numbers come from the model (src/model) and test/helpers/orders.ts. */
import { entryFor } from "../../../src/model";
import { expect } from "chai";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import { BlocklistToken__factory, InsuranceFund__factory } from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { units, wad } from "../../../src/common/units";
import { V3_DESCRIPTION, freshEngine, v3Feed } from "../../helpers/adversarial";
import { marketParams } from "../../helpers/trading";
import {
  KEEPER_FEE,
  MIN_DELAY,
  OrdersEnv,
  cappedFee,
  commit,
  eventsOf,
  expectConserved,
  expectedTrade,
  latestRound,
  loadOrders,
  modelEquity,
  openInstant,
  px,
  reason,
  reduceOnlyFill,
  setPrice,
  keeperCredit,
} from "../../helpers/orders";
import { ETH } from "../../../src/common";

const FEE_USD = wad("1"); // orderKeeperFee of the local config

/** The trader long 100 ETH near 3000 on 50,000 USDC: equity turns negative below ~2500. */
async function bigLong(env: OrdersEnv) {
  await openInstant(env, ETH, wad("100"));
}

describe("orders: INV-35 order fees never create unbacked debt", () => {
  it("INV-35: a reducing order whose equity cannot cover the keeper fee is rejected at commit", async () => {
    const env = await loadOrders();
    const { engine, account, trader } = env;
    await bigLong(env);
    const T = BigInt(await time.latest()) + 5n;
    await setPrice(env.feeds[ETH], "2400", T - 1n);
    const equity = await modelEquity(engine, account, { [ETH]: px("2400") }, T);
    expect(equity < 0n).to.equal(true);
    await time.setNextBlockTimestamp(T);
    await expect(engine.connect(trader).commitOrder(account, ETH, -wad("10"), 1n, T + 100n))
      .to.be.revertedWithCustomError(engine, "InsufficientMargin")
      .withArgs(account, equity, FEE_USD);
    expect((await engine.getAccount(account)).orderMask).to.equal(0n);
  });

  it("INV-35: a reducing fill on negative equity charges no fee and pays the keeper nothing", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    await bigLong(env);
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, -wad("10"), { at: T }); // equity ~50k at commit
    // The attack on the old code: the price falls, the fee is charged anyway and becomes debt.
    await setPrice(env.feeds[ETH], "2400", T + MIN_DELAY);
    const round = await latestRound(env.feeds[ETH]);
    const now = T + 10n;
    const equity = await modelEquity(engine, account, { [ETH]: px("2400") }, now);
    const fee = cappedFee(KEEPER_FEE, equity);
    expect(fee).to.equal(0n);
    const want = await expectedTrade(engine, account, ETH, -wad("10"), px("2400"), now);
    const bal0 = (await engine.getAccount(account)).quoteBalance;
    const keeper0 = await keeperCredit(env, keeper.address);
    await time.setNextBlockTimestamp(now);
    const tx = await engine.connect(keeper).settleOrder(account, ETH, round);
    await expect(tx).to.emit(engine, "OrderSettled");
    await expect(tx).to.emit(engine, "OrderFeeCapped").withArgs(account, ETH, KEEPER_FEE, fee);
    expect((await engine.getAccount(account)).quoteBalance).to.equal(bal0 + want.quoteDelta - fee);
    expect(await keeperCredit(env, keeper.address)).to.equal(keeper0 + fee);
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("INV-35: an expired order on an equity below the fee is charged exactly the equity", async () => {
    const env = await loadOrders();
    const { engine, account, stranger } = env;
    await bigLong(env);
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, -wad("10"), { at: T, deadline: T + 30n });
    // A price that leaves about 0.4 USD of equity (solved without funding, then checked).
    const pos = await engine.getPosition(account, ETH);
    const bal = (await engine.getAccount(account)).quoteBalance * 10n ** 12n;
    const target = pos.entryPrice + ((wad("0.4") - bal) * wad("1")) / pos.size;
    const answer = target / 10n ** 10n + 1n;
    await time.setNextBlockTimestamp(T + 29n);
    await env.feeds[ETH].updateAnswer(answer);
    const now = T + 31n;
    const equity = await modelEquity(engine, account, { [ETH]: answer * 10n ** 10n }, now);
    expect(equity > 0n && equity < FEE_USD).to.equal(true);
    const fee = cappedFee(KEEPER_FEE, equity);
    expect(fee > 0n && fee < KEEPER_FEE).to.equal(true);
    const bal0 = (await engine.getAccount(account)).quoteBalance;
    const s0 = await keeperCredit(env, stranger.address);
    await time.setNextBlockTimestamp(now);
    await expect(engine.connect(stranger).cancelOrder(account, ETH))
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, stranger.address, reason("expired"), fee);
    expect((await engine.getAccount(account)).quoteBalance).to.equal(bal0 - fee);
    expect(await keeperCredit(env, stranger.address)).to.equal(s0 + fee);
    await expectConserved(env, [account, env.otherAccount]);
  });
});

describe("orders: INV-36 reduce-only means reduce-only", () => {
  it("INV-36: commit -10 on a 10 ETH long, close instantly, settle: cancelled, never short", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    await openInstant(env, ETH, wad("10"));
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, -wad("10"), { at: T });
    expect((await engine.getOrder(account, ETH)).reduceOnly).to.equal(true);
    await time.setNextBlockTimestamp(T + 1n);
    await openInstant(env, ETH, -wad("10")); // the position is closed
    await setPrice(env.feeds[ETH], "3000", T + MIN_DELAY);
    const round = await latestRound(env.feeds[ETH]);
    expect(reduceOnlyFill(0n, -wad("10"))).to.equal(0n);
    const now = T + 5n;
    const fee = cappedFee(
      KEEPER_FEE,
      await modelEquity(engine, account, { [ETH]: px("3000") }, now),
    );
    const keeper0 = await keeperCredit(env, keeper.address);
    await time.setNextBlockTimestamp(now);
    const tx = await engine.connect(keeper).settleOrder(account, ETH, round);
    await expect(tx)
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, keeper.address, reason("reduce-only"), fee);
    await expect(tx).not.to.emit(engine, "PositionModified");
    expect((await engine.getPosition(account, ETH)).size).to.equal(0n);
    expect(await keeperCredit(env, keeper.address)).to.equal(keeper0 + fee);
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("INV-36: a closing order after the position flipped never grows the new side", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    await openInstant(env, ETH, wad("10"));
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, -wad("5"), { at: T });
    await time.setNextBlockTimestamp(T + 1n);
    await openInstant(env, ETH, -wad("15")); // now short 5
    await setPrice(env.feeds[ETH], "3000", T + MIN_DELAY);
    expect(reduceOnlyFill(-wad("5"), -wad("5"))).to.equal(0n);
    await expect(
      engine.connect(keeper).settleOrder(account, ETH, await latestRound(env.feeds[ETH])),
    )
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, keeper.address, reason("reduce-only"), KEEPER_FEE);
    expect((await engine.getPosition(account, ETH)).size).to.equal(-wad("5"));
  });

  it("INV-36: a reduce-only order is clamped to the position left and fills it to zero", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    await openInstant(env, ETH, wad("10"));
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, -wad("10"), { at: T });
    await time.setNextBlockTimestamp(T + 1n);
    await openInstant(env, ETH, -wad("4")); // 6 left
    await setPrice(env.feeds[ETH], "3010", T + MIN_DELAY);
    const round = await latestRound(env.feeds[ETH]);
    const delta = reduceOnlyFill(wad("6"), -wad("10"));
    expect(delta).to.equal(-wad("6"));
    const now = T + 5n;
    const want = await expectedTrade(engine, account, ETH, delta, px("3010"), now);
    const bal0 = (await engine.getAccount(account)).quoteBalance;
    await time.setNextBlockTimestamp(now);
    const tx = await engine.connect(keeper).settleOrder(account, ETH, round);
    await expect(tx).to.emit(engine, "OrderClamped").withArgs(account, ETH, -wad("10"), delta);
    await expect(tx).to.emit(engine, "OrderSettled");
    const [pm] = await eventsOf(env, tx, "PositionModified");
    expect([pm.newSize, pm.fillPrice, pm.quoteDelta]).to.deep.equal([
      0n,
      want.fill,
      want.quoteDelta,
    ]);
    expect((await engine.getAccount(account)).quoteBalance).to.equal(
      bal0 + want.quoteDelta - KEEPER_FEE,
    );
    await expectConserved(env, [account, env.otherAccount]);
  });
});

describe("orders: INV-38 options are not free, governance never charges", () => {
  it("INV-38: the owner's cancel before a price exists costs the keeper fee, paid to the fund", async () => {
    const env = await loadOrders();
    const { engine, account, trader, quote } = env;
    const fund = await env.sys.insuranceFund.getAddress();
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    const bal0 = (await engine.getAccount(account)).quoteBalance;
    const fund0 = await quote.balanceOf(fund);
    const trader0 = await quote.balanceOf(trader.address);
    await time.setNextBlockTimestamp(T + 1n);
    await expect(engine.connect(trader).cancelOrder(account, ETH))
      .to.emit(engine, "OrderCancelFeeCollected")
      .withArgs(account, ETH, KEEPER_FEE, true);
    expect((await engine.getAccount(account)).quoteBalance).to.equal(bal0 - KEEPER_FEE);
    expect(await quote.balanceOf(fund)).to.equal(fund0 + KEEPER_FEE);
    expect(await quote.balanceOf(trader.address)).to.equal(trader0);
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("INV-38: pausing a market cancels pending orders without charging the trader", async () => {
    const env = await loadOrders();
    const { engine, account, keeper, trader } = env;
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    await engine.setMarketStatus(ETH, 3); // Paused
    await setPrice(env.feeds[ETH], "3000", T + MIN_DELAY);
    const bal0 = (await engine.getAccount(account)).quoteBalance;
    const keeper0 = await keeperCredit(env, keeper.address);
    await expect(
      engine.connect(keeper).settleOrder(account, ETH, await latestRound(env.feeds[ETH])),
    )
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, keeper.address, reason("governance"), 0n);
    expect((await engine.getAccount(account)).quoteBalance).to.equal(bal0);
    expect(await keeperCredit(env, keeper.address)).to.equal(keeper0);
    // The owner's own cancel of a paused market's order is free too, even with a price.
    await engine.setMarketStatus(ETH, 1);
    const T2 = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T2 });
    await engine.setMarketStatus(ETH, 3);
    await setPrice(env.feeds[ETH], "3000", T2 + MIN_DELAY);
    await expect(engine.connect(trader).cancelOrder(account, ETH))
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, trader.address, reason("governance"), 0n);
    expect((await engine.getAccount(account)).quoteBalance).to.equal(bal0);
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("INV-38: a global pause cancels a risk-increasing order for free", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    await engine.pause();
    await setPrice(env.feeds[ETH], "3000", T + MIN_DELAY);
    const bal0 = (await engine.getAccount(account)).quoteBalance;
    await expect(
      engine.connect(keeper).settleOrder(account, ETH, await latestRound(env.feeds[ETH])),
    )
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, keeper.address, reason("governance"), 0n);
    expect((await engine.getAccount(account)).quoteBalance).to.equal(bal0);
  });

  it("INV-38: a minOrderDelay change does not apply to an order in flight", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T, deadline: T + 600n });
    expect((await engine.getOrder(account, ETH)).earliestSettlement).to.equal(T + MIN_DELAY);
    await engine.setMarketOrderParams(ETH, {
      instantTrading: true,
      minOrderDelay: 300,
      maxOrderAge: 7200,
    }); // a 5 minute delay from now on
    await setPrice(env.feeds[ETH], "3020", T + MIN_DELAY);
    const round = await latestRound(env.feeds[ETH]);
    const st = await engine.orderStatus(account, ETH);
    expect([st.settleable, st.settlementRound]).to.deep.equal([true, round]);
    const now = T + 4n;
    const want = await expectedTrade(engine, account, ETH, wad("1"), px("3020"), now);
    await time.setNextBlockTimestamp(now);
    await expect(engine.connect(keeper).settleOrder(account, ETH, round)).to.emit(
      engine,
      "OrderSettled",
    );
    expect((await engine.getPosition(account, ETH)).entryPrice).to.equal(entryFor(1n, want.fill));
    // And a longer delay cannot be shortened under an order either: a new order keeps 300 s.
    await commit(env, ETH, wad("1"), { at: now + 1n, deadline: now + 1000n });
    await engine.setMarketOrderParams(ETH, {
      instantTrading: true,
      minOrderDelay: 2,
      maxOrderAge: 7200,
    });
    await setPrice(env.feeds[ETH], "3020", now + 3n);
    await expect(
      engine.connect(keeper).settleOrder(account, ETH, await latestRound(env.feeds[ETH])),
    )
      .to.be.revertedWithCustomError(engine, "RoundTooEarly")
      .withArgs(round + 1n, now + 3n, now + 301n);
  });

  it("INV-38: a fund the quote token refuses does not block the owner's cancel: the fee goes to the pool", async () => {
    const env = await loadOrders();
    const { deployer, trader } = env;
    const q = await new BlocklistToken__factory(deployer).deploy(6);
    const engine = await freshEngine(env.sys, await q.getAddress());
    const fund = await new InsuranceFund__factory(deployer).deploy(engine, q, deployer.address);
    await engine.setInsuranceFund(fund);
    await engine.grantRole(await engine.RISK_MANAGER_ROLE(), deployer.address);
    await engine.addMarket(marketParams(await v3Feed(deployer, "3000")), V3_DESCRIPTION);
    await engine.setLiquidationParams({
      feeRate: 0,
      buffer: 0,
      minKeeperRewardUsd: 0,
      maxKeeperRewardUsd: 0,
      closeFactorHfThreshold: 0,
      smallDebtUsd: 0,
      orderKeeperFeeUsd: FEE_USD,
      penaltyRate: 0,
      accountWindow: 3600,
    });
    await q.setBlocked(await fund.getAddress(), true);
    const fee = units("1", 6);
    await q.mint(trader.address, units("10000", 6));
    await q.connect(trader).approve(engine, MaxUint256);
    await engine.connect(trader).deposit(0, q, units("10000", 6));
    const a = accountId(trader.address, 0);
    const T = BigInt(await time.latest()) + 5n;
    await time.setNextBlockTimestamp(T);
    await engine.connect(trader).commitOrder(a, 0, wad("1"), 10n ** 30n, T + 100n);
    const pool0 = await engine.poolBalance();
    await expect(engine.connect(trader).cancelOrder(a, 0))
      .to.emit(engine, "OrderCancelFeeCollected")
      .withArgs(a, 0, fee, false);
    expect(await engine.poolBalance()).to.equal(pool0 + fee);
    expect((await engine.getAccount(a)).quoteBalance).to.equal(units("10000", 6) - fee);
    expect(await q.balanceOf(await fund.getAddress())).to.equal(0n);
    // INV-1: every token the engine holds is in the account or pool ledgers.
    expect(await q.balanceOf(await engine.getAddress())).to.equal(
      (await engine.getAccount(a)).quoteBalance + (await engine.poolBalance()),
    );
  });
});

describe("orders: attacker as its own keeper (INV-35, fee inside a growing fill)", () => {
  /** Commits `size` ETH `rounds` times and settles each, by `settler`; what each party ends with.
   *  `paid`: the fees credited to the settler's account (INV-71), read from the receipts. */
  async function run(env: OrdersEnv, sizes: bigint[], t0: bigint, bySelf: boolean) {
    const settler = bySelf ? env.trader : env.keeper;
    const settlerAccount = accountId(settler.address, 0);
    let paid = 0n;
    let t = t0;
    for (const size of sizes) {
      await commit(env, ETH, size, { at: t });
      await setPrice(env.feeds[ETH], "3000", t + 2n);
      await time.setNextBlockTimestamp(t + 3n);
      const tx = await env.engine
        .connect(settler)
        .settleOrder(env.account, ETH, await latestRound(env.feeds[ETH]));
      for (const e of await eventsOf(env, tx, "KeeperFeeCredited")) {
        expect(e.account).to.equal(settlerAccount);
        paid += e.feeQuote as bigint;
      }
      t += 10n;
    }
    return {
      paid,
      quoteBalance: (await env.engine.getAccount(env.account)).quoteBalance,
      size: (await env.engine.getPosition(env.account, ETH)).size,
      pool: await env.engine.poolBalance(),
    };
  }

  it("dust, large and repeated growing orders settled by their owner pay it exactly what an outside keeper would get; the account and the pool end the same", async () => {
    const env = await loadOrders();
    const sizes = [1n, wad("0.001"), wad("40"), wad("0.001"), wad("2")];
    const t0 = BigInt(await time.latest()) + 10n;
    const start = await takeSnapshot();
    const outside = await run(env, sizes, t0, false);
    await start.restore();
    const self = await run(env, sizes, t0, true);
    expect(outside.paid).to.equal(KEEPER_FEE * BigInt(sizes.length));
    // every order filled (the fee-in-fill path), none was cancelled
    expect(outside.size).to.equal(sizes.reduce((a, b) => a + b, 0n));
    // The owner's account is its own keeper's account: charged the fees and credited them
    // back, so it ends with exactly what the outside keeper's trader kept plus that keeper's pay.
    expect(self.paid).to.equal(outside.paid);
    expect(self).to.deep.equal({ ...outside, quoteBalance: outside.quoteBalance + outside.paid });
    await expectConserved(env, [env.account, env.otherAccount]);
  });
});

/** Delayed-order edges: status without an order, settling on a feed's first round, rounds
 *  missing from a feed's history, oracle failures at fill time (reverted, never cancelled), and
 *  a reducing fill that would make a healthy account liquidatable. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { ICrossmargin__factory } from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { feedAnswer, units, wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import { addMarketOn, mockFeed } from "../../helpers/adversarial";
import { World } from "../../helpers/model-world";
import { feedRoundUp, priceString, refreshFeeds } from "../../helpers/trading";
import {
  KEEPER_FEE,
  OrdersEnv,
  commit,
  expectConserved,
  fund,
  latestRound,
  loadOrders,
  openInstant,
  reason,
  setPrice,
  keeperCredit,
} from "../../helpers/orders";
import { ETH } from "../../../src/common";

describe("orders: edges", () => {
  let env: OrdersEnv;

  beforeEach(async () => {
    env = await loadOrders();
    await refreshFeeds(env.sys);
  });

  it("orderStatus of an account and market without an order is empty", async () => {
    const { engine, account } = env;
    const [o, settleable, cancellable, round] = await engine.orderStatus(account, ETH);
    expect([o.sizeDelta, o.commitTime, o.keeperFee, o.reserveUsd]).to.deep.equal([0n, 0n, 0n, 0n]);
    expect([settleable, cancellable, round]).to.deep.equal([false, false, 0n]);
    expect(await env.sys.lens.pendingOrders(account)).to.deep.equal([]);
  });

  it("INV-37: a round id that existed at commit never settles it, even republished later", async () => {
    const { engine, account, keeper, deployer } = env;
    const feed = await mockFeed(deployer, 8, feedAnswer("100", 8));
    const id = await addMarketOn(env.sys, await feed.getAddress(), await feed.description());
    expect(await feed.roundId()).to.equal(1n);
    const { time: T } = await commit(env, id, wad("10"));
    expect((await engine.getOrder(account, id)).commitRound).to.equal(1n);
    // The feed's round 1 is republished at T + 2, the earliest settlement time: still round 1.
    await time.setNextBlockTimestamp(T + 2n);
    await feed.setRound(1, feedAnswer("101", 8), T + 2n, T + 2n, 1);
    const [, settleable, , round] = await engine.orderStatus(account, id);
    expect([settleable, round]).to.deep.equal([false, 0n]);
    await expect(engine.connect(keeper).settleOrder(account, id, 1))
      .to.be.revertedWithCustomError(engine, "RoundBeforeCommit")
      .withArgs(1n, 1n);
    expect((await engine.getPosition(account, id)).size).to.equal(0n);
  });

  it("INV-37: rounds missing from the feed's history: a round after a gap never settles", async () => {
    const { engine, account, keeper, feeds } = env;
    const r = await latestRound(feeds[ETH]);
    const { time: T } = await commit(env, ETH, wad("1"));
    // The feed jumps from round r to r + 5: rounds r + 1 .. r + 4 do not exist (updatedAt 0).
    await time.setNextBlockTimestamp(T + 3n);
    await feeds[ETH].updateRoundData(r + 5n, feedAnswer("3010", 8), T + 3n, T + 3n);
    expect((await feeds[ETH].getRoundData(r + 4n))[3]).to.equal(0n);
    const [, settleable, cancellable, round] = await engine.orderStatus(account, ETH);
    expect([settleable, cancellable, round]).to.deep.equal([false, false, 0n]);
    await expect(engine.connect(keeper).settleOrder(account, ETH, r + 4n))
      .to.be.revertedWithCustomError(engine, "RoundTooEarly")
      .withArgs(r + 4n, 0n, T + 2n);
    await expect(engine.connect(keeper).settleOrder(account, ETH, r + 5n))
      .to.be.revertedWithCustomError(engine, "RoundPredecessorMissing")
      .withArgs(r + 5n, r + 4n);
    expect((await engine.getPosition(account, ETH)).size).to.equal(0n);
  });

  it("INV-22: an unusable latest answer at fill time reverts the settlement with the oracle's error; the order stays", async () => {
    const { engine, account, keeper, feeds } = env;
    const oracle = ICrossmargin__factory.connect(await engine.getAddress(), keeper);
    const feedAddr = await feeds[ETH].getAddress();
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    await setPrice(feeds[ETH], "3005", T + 2n);
    const R = await latestRound(feeds[ETH]);
    const cases: [string, () => Promise<unknown>, unknown[]][] = [
      ["OracleNonPositive", () => feeds[ETH].updateAnswer(0), [feedAddr, 0n]],
      [
        "OracleIncompleteRound",
        () => feeds[ETH].updateRoundData(R + 1n, feedAnswer("3005", 8), 0n, 0n),
        [feedAddr, R + 1n, R + 1n],
      ],
      [
        "OracleFutureTimestamp",
        () => feeds[ETH].updateRoundData(R + 1n, feedAnswer("3005", 8), T + 1000n, T + 1000n),
        [feedAddr, T + 1000n],
      ],
    ];
    const keeper0 = await keeperCredit(env, keeper.address);
    for (const [error, publish, args] of cases) {
      const snap = await takeSnapshot();
      await time.setNextBlockTimestamp(T + 3n);
      await publish();
      await time.setNextBlockTimestamp(T + 4n);
      await expect(engine.connect(keeper).settleOrder(account, ETH, R))
        .to.be.revertedWithCustomError(oracle, error)
        .withArgs(...args);
      expect((await engine.getOrder(account, ETH)).sizeDelta, error).to.equal(wad("1"));
      expect(await keeperCredit(env, keeper.address)).to.equal(keeper0);
      await snap.restore();
    }
    // With a usable latest answer the same round settles.
    await expect(engine.connect(keeper).settleOrder(account, ETH, R)).to.emit(
      engine,
      "OrderSettled",
    );
  });

  it("INV-8: a reducing order that would make a healthy account liquidatable is cancelled ('margin')", async () => {
    const { engine, keeper, sys } = env;
    const alice = (await ethers.getSigners())[7];
    const a = accountId(alice.address, 0);
    await fund(env, alice, units("4000", 6));
    // A 5 % maker fee makes reducing a majority-side position expensive.
    const c = await engine.getMarket(ETH);
    await engine.setMarketTradingParams(ETH, {
      skewScale: c.skewScale,
      makerFee: wad("0.05"),
      takerFee: c.takerFee,
      maxFundingVelocity: c.maxFundingVelocity,
    });
    await openInstant(env, ETH, wad("20"), alice);
    const T = BigInt(await time.latest()) + 5n;
    await time.setNextBlockTimestamp(T);
    await engine.connect(alice).commitOrder(a, ETH, -wad("10"), 1n, T + 600n);
    // The settlement round: just above the model's liquidation price.
    let w = await World.read(sys, [a]);
    const liq = M.liquidationPrice(w.modelAccount(a, T), 0);
    await setPrice(env.feeds[ETH], priceString(feedRoundUp(liq) + wad("20")), T + 2n);
    const round = await latestRound(env.feeds[ETH]);
    expect(await engine.isLiquidatable(a)).to.equal(false);

    // The model: filling the order (after its 1 USD keeper fee) leaves equity < MM.
    const now = T + 3n;
    w = await World.read(sys, [a]);
    w.account(a).quoteBalance -= KEEPER_FEE;
    expect(w.health(a, now).isLiquidatable).to.equal(false);
    w.trade(a, ETH, -wad("10"), now);
    expect(w.health(a, now).isLiquidatable).to.equal(true);

    const bal0 = (await engine.getAccount(a)).quoteBalance;
    const keeper0 = await keeperCredit(env, keeper.address);
    await time.setNextBlockTimestamp(now);
    const tx = await engine.connect(keeper).settleOrder(a, ETH, round);
    await expect(tx)
      .to.emit(engine, "OrderCancelled")
      .withArgs(a, ETH, keeper.address, reason("margin"), KEEPER_FEE);
    await expect(tx).not.to.emit(engine, "PositionModified");
    expect((await engine.getPosition(a, ETH)).size).to.equal(wad("20"));
    expect((await engine.getAccount(a)).quoteBalance).to.equal(bal0 - KEEPER_FEE);
    expect(await keeperCredit(env, keeper.address)).to.equal(keeper0 + KEEPER_FEE);
    // The same reduction sent directly reverts with the underlying error.
    await expect(
      engine.connect(alice).modifyPosition(a, ETH, -wad("10"), 1n, T + 600n, { gasLimit: 5e6 }),
    ).to.be.revertedWithCustomError(engine, "WouldBecomeLiquidatable");
    await expectConserved(env, [env.account, env.otherAccount, a]);
  });
});

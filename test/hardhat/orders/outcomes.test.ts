/** Delayed orders: settlements that cancel instead of filling, and who pays whom. */
import { entryFor, floatRound, orderBoundFor } from "../../../src/model";
import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { MockV3Aggregator__factory, ICrossmargin__factory } from "../../../typechain-types";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { formatUnits } from "ethers";
import { wad } from "../../../src/common/units";
import {
  KEEPER_FEE,
  OrdersEnv,
  commit,
  expectConserved,
  expectedTrade,
  latestRound,
  loadOrders,
  openInstant,
  cappedFee,
  modelEquity,
  px,
  reason,
  setPrice,
  keeperCredit,
} from "../../helpers/orders";
import { ETH } from "../../../src/common";

/** Commits at T, publishes `price` at T + 2 and returns that round. */
async function commitAndPrice(
  env: OrdersEnv,
  size: bigint,
  acceptable: bigint,
  price: string,
): Promise<{ T: bigint; round: bigint }> {
  const T = BigInt(await time.latest()) + 5n;
  await commit(env, ETH, size, { at: T, acceptable });
  await setPrice(env.feeds[ETH], price, T + 2n);
  return { T, round: await latestRound(env.feeds[ETH]) };
}

/** Settles and checks a cancellation with `why`: keeper paid, account charged, nothing traded. */
async function expectCancelled(env: OrdersEnv, round: bigint, why: string, fee = KEEPER_FEE) {
  const { engine, account, keeper } = env;
  const pos0 = await engine.getPosition(account, ETH);
  const bal0 = (await engine.getAccount(account)).quoteBalance;
  const keeper0 = await keeperCredit(env, keeper.address);
  const pool0 = await engine.poolBalance();
  expect(await engine.connect(keeper).settleOrder.staticCall(account, ETH, round)).to.equal(false);
  const tx = await engine.connect(keeper).settleOrder(account, ETH, round);
  await expect(tx)
    .to.emit(engine, "OrderCancelled")
    .withArgs(account, ETH, keeper.address, why, fee);
  await expect(tx).not.to.emit(engine, "OrderSettled");
  await expect(tx).not.to.emit(engine, "PositionModified");
  const pos = await engine.getPosition(account, ETH);
  expect([pos.size, pos.entryPrice]).to.deep.equal([pos0.size, pos0.entryPrice]);
  expect((await engine.getAccount(account)).quoteBalance).to.equal(bal0 - fee);
  expect((await engine.getAccount(account)).orderMask).to.equal(0n);
  expect((await engine.getOrder(account, ETH)).commitTime).to.equal(0n);
  expect(await keeperCredit(env, keeper.address)).to.equal(keeper0 + fee);
  expect(await engine.poolBalance()).to.equal(pool0);
  await expectConserved(env, [account, env.otherAccount]);
}

describe("orders: cancelled at settlement", () => {
  it("slippage (long): fill above acceptablePrice -> 'slippage', keeper paid", async () => {
    const env = await loadOrders();
    const { round } = await commitAndPrice(env, wad("2"), px("3050"), "3100");
    await expectCancelled(env, round, reason("slippage"));
  });

  it("slippage (short): fill below acceptablePrice -> 'slippage'", async () => {
    const env = await loadOrders();
    await openInstant(env, ETH, wad("3"));
    const { round } = await commitAndPrice(env, -wad("3"), px("2990"), "2980");
    await expectCancelled(env, round, reason("slippage"));
  });

  it("acceptablePrice is inclusive of the stored bound, which is the stricter side of the user's", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    // No skew: a 2 ETH buy at 3100 fills at 3100 * (1 + 1 / 1e6) (model, rounded up).
    const now = BigInt(await time.latest());
    const want = await expectedTrade(engine, account, ETH, wad("2"), px("3100"), now + 10n);
    expect(want.fill).to.equal(px("3100.0031"));
    // The fill is off the float grid: a bound equal to it is stored just below it (a buy's
    // maximum rounds down), so it cancels, as does one wei less.
    const below = orderBoundFor(wad("2"), want.fill);
    expect(below < want.fill).to.equal(true);
    for (const bound of [want.fill - 1n, want.fill]) {
      const c = await commitAndPrice(env, wad("2"), bound, "3100");
      expect((await engine.getOrder(account, ETH)).acceptablePrice).to.equal(below);
      await expectCancelled(env, c.round, reason("slippage"));
    }
    // The fill rounded up to the grid is stored exactly and admits the fill.
    const bound = floatRound(want.fill, true);
    expect(orderBoundFor(wad("2"), bound)).to.equal(bound);
    const second = await commitAndPrice(env, wad("2"), bound, "3100");
    await expect(engine.connect(keeper).settleOrder(account, ETH, second.round)).to.emit(
      engine,
      "OrderSettled",
    );
    expect((await engine.getPosition(account, ETH)).entryPrice).to.equal(entryFor(1n, want.fill));
  });

  it("margin: the account became liquidatable before settlement -> 'margin', fee capped (INV-35)", async () => {
    const env = await loadOrders();
    const { engine, account } = env;
    await openInstant(env, ETH, wad("100"));
    const { T, round } = await commitAndPrice(env, wad("5"), px("4000"), "2500");
    expect(await engine.isLiquidatable(account)).to.equal(true);
    // 100 ETH bought near 3000 on 50k: equity at 2500 is below zero, so no fee is charged.
    const now = T + 3n;
    const equity = await modelEquity(engine, account, { [ETH]: px("2500") }, now);
    expect(equity < 0n).to.equal(true);
    await time.setNextBlockTimestamp(now);
    await expectCancelled(env, round, reason("margin"), cappedFee(KEEPER_FEE, equity));
  });

  it("margin: 0 < equity < the fee: a growing order fails with the fee inside its fill, then pays only the capped fee (INV-35)", async () => {
    const env = await loadOrders();
    const { engine, account } = env;
    await openInstant(env, ETH, wad("100"));
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("5"), { at: T, acceptable: px("4000") });
    const now = T + 3n;
    // The ETH answer (8 decimals) at which equity (model) is above 0 and below the 1 USD fee.
    const equityAt = (answer: bigint) =>
      modelEquity(engine, account, { [ETH]: answer * 10n ** 10n }, now);
    let lo = 1n;
    let hi = 3000n * 10n ** 8n;
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if ((await equityAt(mid)) > 0n) hi = mid;
      else lo = mid;
    }
    const equity = await equityAt(hi);
    expect(equity > 0n && equity < KEEPER_FEE * 10n ** 12n, `equity ${equity}`).to.equal(true);
    await setPrice(env.feeds[ETH], formatUnits(hi, 8), T + 2n);
    const round = await latestRound(env.feeds[ETH]);
    await time.setNextBlockTimestamp(now);
    const debt0 = await engine.traderDebt();
    await expectCancelled(env, round, reason("margin"), cappedFee(KEEPER_FEE, equity));
    expect((await engine.getAccount(account)).quoteBalance >= 0n).to.equal(true);
    expect(await engine.traderDebt()).to.equal(debt0);
  });

  it("margin: the account is healthy but cannot fund the order's initial margin -> 'margin'", async () => {
    const env = await loadOrders();
    const { engine, account } = env;
    await openInstant(env, ETH, wad("100"));
    // At 2700: equity ~19.8k, MM ~7k, but IM with 140 ETH ~23.2k.
    const { round } = await commitAndPrice(env, wad("40"), px("4000"), "2700");
    expect(await engine.isLiquidatable(account)).to.equal(false);
    await expectCancelled(env, round, reason("margin"));
  });

  it("a reducing order still fills on a liquidatable account", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    await openInstant(env, ETH, wad("100"));
    const { round } = await commitAndPrice(env, -wad("60"), 1n, "2500");
    expect(await engine.isLiquidatable(account)).to.equal(true);
    await expect(engine.connect(keeper).settleOrder(account, ETH, round)).to.emit(
      engine,
      "OrderSettled",
    );
    expect((await engine.getPosition(account, ETH)).size).to.equal(wad("40"));
  });

  it("INV-38: market paused or reduce-only after commit: cancelled for free ('governance')", async () => {
    const env = await loadOrders();
    const { engine } = env;
    const { round } = await commitAndPrice(env, wad("1"), px("4000"), "3000");
    await engine.setMarketStatus(ETH, 3);
    await expectCancelled(env, round, reason("governance"), 0n);
    await engine.setMarketStatus(ETH, 1);
    const again = await commitAndPrice(env, wad("1"), px("4000"), "3000");
    await engine.setMarketStatus(ETH, 2);
    await expectCancelled(env, again.round, reason("governance"), 0n);
  });

  it("market settled after commit: a reducing order fills at the settlement price, fee-free", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    await openInstant(env, ETH, wad("5"));
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, -wad("2"), { at: T });
    await engine.settleMarket(ETH, px("3100"));
    await setPrice(env.feeds[ETH], "3050", T + 2n);
    const tx = await engine
      .connect(keeper)
      .settleOrder(account, ETH, await latestRound(env.feeds[ETH]));
    await expect(tx).to.emit(engine, "OrderSettled");
    await expect(tx)
      .to.emit(engine, "PositionModified")
      .withArgs(
        account,
        ETH,
        -wad("2"),
        wad("3"),
        px("3100"),
        0n,
        anyValue,
        anyValue,
        anyValue,
        (await engine.getMarketState(ETH)).fundingIndex, // frozen since the settlement
      );
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("INV-38: market settled after commit: a risk-increasing order is cancelled for free", async () => {
    const env = await loadOrders();
    const { engine } = env;
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("2"), { at: T, acceptable: px("4000") });
    await engine.settleMarket(ETH, 0n);
    await setPrice(env.feeds[ETH], "3050", T + 2n);
    await expectCancelled(env, await latestRound(env.feeds[ETH]), reason("governance"), 0n);
  });

  it("sequencer down or in its grace period at settlement: reverts, then settles", async () => {
    const env = await loadOrders();
    const { engine, account, keeper, deployer } = env;
    const { T, round } = await commitAndPrice(env, wad("1"), px("4000"), "3010");
    const seq = await new MockV3Aggregator__factory(deployer).deploy(0, 1n); // 1 = down
    await engine.setSequencer(await seq.getAddress(), 60);
    const oracle = ICrossmargin__factory.connect(await engine.getAddress(), keeper);
    await time.setNextBlockTimestamp(T + 10n);
    await expect(
      engine.connect(keeper).settleOrder(account, ETH, round),
    ).to.be.revertedWithCustomError(oracle, "SequencerDown");
    await time.setNextBlockTimestamp(T + 11n);
    await seq.updateAnswer(0n); // up since T + 11
    await time.setNextBlockTimestamp(T + 20n);
    await expect(
      engine.connect(keeper).settleOrder(account, ETH, round),
    ).to.be.revertedWithCustomError(oracle, "SequencerGracePeriod");
    expect((await engine.getOrder(account, ETH)).sizeDelta).to.equal(wad("1"));
    await time.setNextBlockTimestamp(T + 72n);
    await expect(engine.connect(keeper).settleOrder(account, ETH, round)).to.emit(
      engine,
      "OrderSettled",
    );
  });
});

/** Delayed orders against front-running: committing just before a known price update pays. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { feedAnswer, wad } from "../../../src/common/units";
import { EMPTY_POSITION, applyTrade } from "../../../src/model";
import {
  KEEPER_FEE,
  MIN_DELAY,
  OrdersEnv,
  QUOTE_DECIMALS,
  blockTime,
  inOneBlock,
  latestRound,
  loadOrders,
  modelParams,
  modelState,
  px,
  setPrice,
} from "../../helpers/orders";
import { ETH, FAR } from "../../../src/common";

interface Attack {
  /** The update the trader saw coming. */
  newPrice: string;
  size: string;
  /** "delay": the update lands minOrderDelay after the commit. "sameBlock": minOrderDelay 0,
   *  the current price is published in the commit's block and the update one second later. */
  timing: "delay" | "sameBlock";
}

/** Runs the attack; returns the trader's realised profit (quote units) and the model's bound. */
async function attack(env: OrdersEnv, a: Attack): Promise<{ profit: bigint; model: bigint }> {
  const { engine, account, trader, keeper } = env;
  const feed = env.feeds[ETH];
  // minOrderDelay 0 for the same-block case, set before the clock below is read (a slow run,
  // e.g. under coverage, must not leave T behind the latest block).
  if (a.timing === "sameBlock")
    await engine.setMarketOrderParams(ETH, {
      instantTrading: true,
      minOrderDelay: 0,
      maxOrderAge: 7200,
    });
  const size = wad(a.size);
  const bal0 = (await engine.getAccount(account)).quoteBalance;
  const state0 = await modelState(engine, ETH);
  const params = await modelParams(engine, ETH);
  const T = BigInt(await time.latest()) + 5n;
  const commitOrder = () =>
    engine.connect(trader).commitOrder(account, ETH, size, size > 0n ? FAR : 1n, T + 600n);
  if (a.timing === "delay") {
    await time.setNextBlockTimestamp(T);
    await commitOrder();
    await setPrice(feed, a.newPrice, T + MIN_DELAY);
  } else {
    // The current price (3000) is published in the commit's block just before the commit; the
    // trader already sees the next update coming.
    await inOneBlock(T, async () => {
      await feed.updateAnswer(feedAnswer("3000"));
      await commitOrder();
    });
    const known = await latestRound(feed);
    await setPrice(feed, a.newPrice, T + 1n);
    // The same-block round is not a settlement price: the keeper must use the next one.
    await time.setNextBlockTimestamp(T + 2n);
    await expect(
      engine.connect(keeper).settleOrder(account, ETH, known),
    ).to.be.revertedWithCustomError(engine, "RoundTooEarly");
  }
  const round = await latestRound(feed);
  const roundPrice = px(a.newPrice);
  await time.setNextBlockTimestamp(T + 3n);
  const settleTx = await engine.connect(keeper).settleOrder(account, ETH, round);
  const tSettle = await blockTime(settleTx);
  // Close at once, at the same (new) price.
  await time.setNextBlockTimestamp(T + 4n);
  const closeTx = await engine
    .connect(trader)
    .modifyPosition(account, ETH, -size, size > 0n ? 1n : FAR, FAR);
  const tClose = await blockTime(closeTx);
  expect((await engine.getPosition(account, ETH)).size).to.equal(0n);

  const open = applyTrade(
    state0,
    params,
    EMPTY_POSITION,
    size,
    roundPrice,
    tSettle,
    QUOTE_DECIMALS,
  );
  const close = applyTrade(
    open.newMarketState,
    params,
    open.newPosition,
    -size,
    px(a.newPrice),
    tClose,
    QUOTE_DECIMALS,
  );
  const profit = (await engine.getAccount(account)).quoteBalance - bal0;
  return { profit, model: open.quoteDelta + close.quoteDelta - KEEPER_FEE };
}

describe("orders: front-running", () => {
  const attacks: Attack[] = [
    { newPrice: "3150", size: "20", timing: "delay" },
    { newPrice: "2850", size: "-20", timing: "delay" },
    { newPrice: "3030", size: "150", timing: "delay" },
    { newPrice: "2700", size: "-5", timing: "delay" },
    { newPrice: "3150", size: "20", timing: "sameBlock" },
    { newPrice: "2850", size: "-20", timing: "sameBlock" },
  ];
  for (const a of attacks) {
    it(`commit before a known update to ${a.newPrice} (${a.size} ETH, ${a.timing}) earns nothing`, async () => {
      const env = await loadOrders();
      const { profit, model } = await attack(env, a);
      // Exactly a trade at the new price and back, fees and keeper fee paid...
      expect(profit).to.equal(model);
      // ...which never makes money, while an instant trade at the old price would have made
      // |size| * |new - old|.
      expect(profit).to.be.lessThan(0n);
      const oldPriceGain = (wad(a.size) * (px(a.newPrice) - px("3000"))) / 10n ** 30n;
      expect(oldPriceGain).to.be.greaterThan(0n);
    });
  }
});

/** Delayed orders: commit, then settlement by a keeper at the next oracle round. */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { accountId, wad } from "../../../src/common";
import {
  Bench,
  MAX_PRICE,
  Results,
  actor,
  check,
  eventsOf,
  feedOf,
  fund,
  fundedKeeper,
  gasOf,
  marketsInUse,
  measure,
  positionCount,
  receiptOf,
  trade,
} from "./bench";

export async function delayedOrder(b: Bench): Promise<Results> {
  const r: Results = {};
  await marketsInUse(b, [0]);
  const trader = await actor("order: trader");
  const acct = accountId(trader.address, 0);
  // Realistic: a keeper that has settled before, so its account already holds quote (INV-71
  // credits the fee there); its wallet holds USDC too.
  const keeper = await fundedKeeper(b, "order: keeper");
  await fund(b, keeper, 0, "1");
  await fund(b, trader, 0, "100000");
  await trade(b, trader, acct, 0, wad(1));
  await time.increase(60);
  check((await positionCount(b, acct)) === 1, "the trader must hold one position");
  const now = await time.latest();
  // Realistic: a trader with one ETH-PERP position (market in use) commits an increase.
  r["commitOrder (one position)"] = await gasOf(
    b.sys.engine.connect(trader).commitOrder(acct, 0, wad(1), MAX_PRICE, now + 3600),
  );

  // The settlement round: published after the order's minimum delay.
  await time.increase(5);
  const feed = await feedOf(b, 0);
  await (await feed.updateAnswer(await feed.latestAnswer())).wait();
  const round = (await feed.latestRoundData())[0];
  // A keeper whose account already holds quote settles it at that round.
  const receipt = await receiptOf(b.sys.engine.connect(keeper).settleOrder(acct, 0, round));
  r["settleOrder (one position)"] = await measure(receipt);
  check(eventsOf(receipt, "OrderSettled").length === 1, "the order was not filled");
  return r;
}

/** The risk module: offset credit on a hedged pair, and a reserve sub-account's top-ups. */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ICrossmarginRisk__factory } from "../../../typechain-types";
import { accountId, feedAnswer, units, wad } from "../../../src/common";
import {
  Bench,
  Results,
  actor,
  buy,
  check,
  eventsOf,
  fund,
  fundedKeeper,
  gasOf,
  marketsInUse,
  range,
  receiptOf,
  refreshFeeds,
  setPrice,
  trade,
} from "./bench";

/** Long BTC against short ETH (an offset pair), in markets others trade. */
export async function hedgedPair(b: Bench): Promise<Results> {
  const r: Results = {};
  await marketsInUse(b, range(0, 3));
  const trader = await actor("hedged: trader");
  const risk = ICrossmarginRisk__factory.connect(b.engineAddr, trader);
  const acct = accountId(trader.address, 0);
  await fund(b, trader, 0, "20000");
  await trade(b, trader, acct, 1, wad("1"));
  await trade(b, trader, acct, 0, -wad("20"));
  await time.increase(60);
  // Realistic: a hedged ETH/BTC book adds to its short leg (offset credit, one extra pass).
  r["trade, hedged pair (offset credit)"] = await gasOf(buy(b, trader, acct, 0, -wad("0.1")));
  // Realistic: a wallet previews the same trade (eth_estimateGas of a view).
  r["previewTrade (hedged pair, eth_call)"] = Number(
    await risk.previewTrade.estimateGas(acct, 0, -wad("0.1")),
  );
  // Realistic: a dashboard reads the account's risk figures, the shock to liquidation included
  // (a search over health evaluations at shocked prices).
  r["accountRisk (hedged pair, eth_call)"] = Number(await risk.accountRisk.estimateGas(acct));
  return r;
}

/** A SOL long protected by a reserve sub-account: a top-up, then liquidation by top-up. */
export async function protectedAccount(b: Bench): Promise<Results> {
  const r: Results = {};
  await marketsInUse(b, range(0, 3));
  const owner = await actor("protected: owner");
  const keeper = await fundedKeeper(b, "protected: keeper");
  const risk = ICrossmarginRisk__factory.connect(b.engineAddr, owner);
  const acct = accountId(owner.address, 0);
  await fund(b, owner, 0, "2000");
  await fund(b, owner, 1, "20000");
  await trade(b, owner, acct, 2, wad("150"));
  await (await risk.setProtection(acct, 1, wad("0.1"), units(5000, 6), 3600)).wait();
  await refreshFeeds(b);
  await setPrice(b, 2, feedAnswer(138));
  // Realistic: SOL falls 8 % and a funded keeper has the reserve restore the account.
  const topUp = await receiptOf(risk.connect(keeper).topUp(acct));
  r["topUp (reserve restores the account)"] = Number(topUp.gasUsed);
  check(eventsOf(topUp, "ToppedUp").length === 1, "topUp did not top up");
  await setPrice(b, 2, feedAnswer(126));
  // Realistic: SOL falls further; the keeper calls liquidate and the reserve tops up instead.
  r["liquidate (protected: top-up instead)"] = await gasOf(
    b.sys.engine.connect(keeper).liquidate(acct, 0),
  );
  return r;
}

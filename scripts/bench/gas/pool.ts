/** The liquidity pool: an LP's exit, and auto-deleveraging, with all 16 markets in use. */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { accountId, feedAnswer, units, wad } from "../../../src/common";
import {
  Bench,
  Results,
  actor,
  fund,
  fundedKeeper,
  gasOf,
  marketsInUse,
  range,
  refreshFeeds,
  setPrice,
  trade,
} from "./bench";

/** ERC-7540 exit of a second LP: request, then claim after the redeem delay. */
export async function poolExit(b: Bench): Promise<Results> {
  const r: Results = {};
  await marketsInUse(b, range(0, 16));
  const lp = await actor("pool: second LP");
  const pool = b.sys.pool.connect(lp);
  const amount = units(100_000, 6);
  await (await b.sys.quote.mint(lp.address, amount)).wait();
  await (await b.sys.quote.connect(lp).approve(await b.sys.pool.getAddress(), amount)).wait();
  await (await pool.deposit(amount, lp.address)).wait();
  const shares = (await b.sys.pool.balanceOf(lp.address)) / 2n;
  // Realistic: an LP of a pool in use asks to redeem half of its shares.
  r["pool requestRedeem"] = await gasOf(pool.requestRedeem(shares, lp.address, lp.address));
  await time.increase(await b.sys.pool.redeemDelay());
  await refreshFeeds(b);
  // Realistic: after the delay it claims; the claim prices the open positions of 16 markets.
  r["pool claim redeem"] = await gasOf(pool.redeem(shares / 2n, lp.address, lp.address));
  return r;
}

/** Auto-deleveraging of one position, the pool valued across all 16 markets in use. */
export async function autoDeleverage(b: Bench): Promise<Results> {
  const r: Results = {};
  await marketsInUse(b, range(0, 16));
  const trader = await actor("adl: trader");
  const keeper = await fundedKeeper(b, "adl: keeper");
  const acct = accountId(trader.address, 0);
  await fund(b, trader, 0, "15000000");
  await trade(b, trader, acct, 3, wad(200_000));
  await (
    await b.sys.engine.setAdlParams({
      floorRatio: wad("0.95"),
      rewardRate: wad("0.0001"),
      maxRewardUsd: wad(100),
    })
  ).wait();
  await refreshFeeds(b);
  await setPrice(b, 3, feedAnswer(125));
  // Realistic: a 20M USD long gains 25 % (ADL floor 0.95); a funded keeper deleverages it.
  r["autoDeleverage (one position, 16 markets)"] = await gasOf(
    b.sys.engine.connect(keeper).autoDeleverage(acct, 3),
  );
  return r;
}

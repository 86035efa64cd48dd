/** Single-position paths: deposits, opening, increasing, withdrawing and closing. */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { accountId, units, wad } from "../../../src/common";
import {
  Bench,
  Results,
  actor,
  buy,
  check,
  fund,
  gasOf,
  marketsInUse,
  positionCount,
  trade,
} from "./bench";

/** Deposits of USDC into a fresh account: the first, then a second one. */
export async function deposits(b: Bench): Promise<Results> {
  const r: Results = {};
  const trader = await actor("deposit: trader");
  const amount = units(1000, 6);
  await (await b.sys.quote.mint(trader.address, amount * 3n)).wait();
  await (await b.sys.quote.connect(trader).approve(b.engineAddr, amount * 3n)).wait();
  const deposit = () => b.sys.engine.connect(trader).deposit(0, b.usdc, amount);
  // Realistic: a new user's first deposit (the account slot and balance start at zero).
  r["deposit (first)"] = await gasOf(deposit());
  // Realistic: the same user tops up an account that already holds USDC.
  r["deposit (repeat)"] = await gasOf(deposit());
  return r;
}

/** Opening a position in a market that nobody has traded yet. */
export async function firstInMarket(b: Bench): Promise<Results> {
  const r: Results = {};
  const legacy = await actor("first in market: market 0 trader");
  const fresh = await actor("first in market: bench market trader");
  await fund(b, legacy, 0, "100000");
  await fund(b, fresh, 0, "100000");
  for (const m of [0, 15]) {
    const st = await b.sys.engine.getMarketState(m);
    check(st.longOI === 0n && st.shortOI === 0n, `market ${m} was traded before`);
  }
  await time.increase(60);
  // Realistic: a USDC-only account opens the first position ever in ETH-PERP (legacy key).
  r["open position (collateral only)"] = await gasOf(
    buy(b, legacy, accountId(legacy.address, 0), 0, wad(1)),
  );
  // Realistic: a USDC-funded account opens the first position ever in a new market (15).
  r["open position (first in market)"] = await gasOf(
    buy(b, fresh, accountId(fresh.address, 0), 15, wad(10)),
  );
  return r;
}

/**
 * ETH-PERP in use by market makers (both sides open, funding recorded). Each measurement has
 * its own account, set up in earlier blocks.
 */
export async function positionLifecycle(b: Bench): Promise<Results> {
  const r: Results = {};
  await marketsInUse(b, [0]);
  const [opener, increaser, withdrawer, closer, backed] = await Promise.all(
    ["open", "increase", "withdraw", "close", "collateral-backed"].map((l) =>
      actor(`lifecycle: ${l}`),
    ),
  );
  const id = (w: { address: string }) => accountId(w.address, 0);
  for (const w of [opener, increaser, withdrawer, closer]) await fund(b, w, 0, "100000");
  // Margin in WETH and WBTC, with 10 USDC for fees: its checks value both tokens.
  await fund(b, backed, 0, "10", "2", "0.05");
  // Positions opened after the market's funding index became non-zero, so each position's
  // own funding snapshot is non-zero too.
  for (const w of [increaser, withdrawer, closer, backed]) await trade(b, w, id(w), 0, wad(1));
  await time.increase(60);

  const st = await b.sys.engine.getMarketState(0);
  check(st.longOI !== 0n && st.shortOI !== 0n, "ETH-PERP has no open interest on both sides");
  check(st.fundingIndex !== 0n, "ETH-PERP funding index is zero");
  // Realistic: a USDC-funded account opens in ETH-PERP, traded by others in earlier blocks.
  r["open position (market in use)"] = await gasOf(buy(b, opener, id(opener), 0, wad(1)));

  await time.increase(60);
  const index = (await b.sys.engine.getMarketState(0)).fundingIndex;
  const own = (await b.sys.engine.getPosition(id(increaser), 0)).fundingIndex;
  check(index !== 0n && own !== 0n, "funding index is zero before the increase");
  // Realistic: a minute later, long skew, funding index non-zero: the trader adds 1 ETH.
  r["increase position"] = await gasOf(buy(b, increaser, id(increaser), 0, wad(1)));
  // Realistic: the same increase by an account whose margin is WETH and WBTC (10 USDC for the
  // fee): the check values both collaterals (their feeds and storage) after the position.
  r["increase position (WETH and WBTC margin)"] = await gasOf(
    buy(b, backed, id(backed), 0, wad(1)),
  );

  await time.increase(60);
  // Realistic: a trader with one open ETH position takes 100 USDC out to its wallet.
  r["withdraw (one open position)"] = await gasOf(
    b.sys.engine
      .connect(withdrawer)
      .withdraw(id(withdrawer), b.usdc, units(100, 6), withdrawer.address),
  );
  await time.increase(60);
  // The same withdrawal again: the wallet now holds USDC, so the token writes no fresh slot
  // (the first one pays 17,100 more for the recipient's zero-to-non-zero balance).
  check((await b.sys.quote.balanceOf(withdrawer.address)) > 0n, "withdrawer's wallet is empty");
  r["withdraw (one open position, wallet holds USDC)"] = await gasOf(
    b.sys.engine
      .connect(withdrawer)
      .withdraw(id(withdrawer), b.usdc, units(100, 6), withdrawer.address),
  );

  await time.increase(60);
  check((await positionCount(b, id(closer))) === 1, "closer must hold exactly one position");
  // Realistic: a trader closes its only position; others keep their ETH-PERP positions.
  r["close position"] = await gasOf(buy(b, closer, id(closer), 0, -wad(1)));
  check((await positionCount(b, id(closer))) === 0, "close left a position");
  return r;
}

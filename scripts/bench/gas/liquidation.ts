/** Liquidations by a keeper whose wallet already holds USDC, in markets others trade. */
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { accountId, feedAnswer, wad } from "../../../src/common";
import { ICrossmarginRisk__factory } from "../../../typechain-types";
import {
  Bench,
  Results,
  actor,
  check,
  eventsOf,
  fund,
  fundedKeeper,
  marketsInUse,
  measure,
  popcount,
  positionCount,
  range,
  receiptOf,
  refreshFeeds,
  setPrice,
  trade,
} from "./bench";

/** A 20x BTC long that a 4 % drop makes liquidatable. */
export async function liquidateOne(b: Bench): Promise<Results> {
  const r: Results = {};
  await marketsInUse(b, [1]);
  const victim = await actor("liquidate one: victim");
  const acct = accountId(victim.address, 1);
  const keeper = await fundedKeeper(b, "liquidate one: keeper");
  await fund(b, victim, 1, "300");
  await trade(b, victim, acct, 1, wad("0.1"));
  await refreshFeeds(b);
  await setPrice(b, 1, feedAnswer(57_500));
  // Realistic: a funded keeper liquidates a one-position BTC long; others keep trading BTC.
  const receipt = await receiptOf(b.sys.engine.connect(keeper).liquidate(acct, 0));
  r["liquidate (one position)"] = await measure(receipt);
  check(eventsOf(receipt, "PositionLiquidated").length === 1, "the position was not liquidated");

  // The same in a market liquidated before: its window slot (INV-32 cap) is no longer written
  // from zero. The market's 30 s window has passed; the account is another one.
  const price = (await b.sys.engine.marketPrice(1)).toString();
  const next = await actor("liquidate one: second victim");
  const acct2 = accountId(next.address, 1);
  await setPrice(b, 1, feedAnswer(60_000));
  await time.increase(60);
  await fund(b, next, 1, "300");
  await trade(b, next, acct2, 1, wad("0.1"));
  await refreshFeeds(b);
  await setPrice(b, 1, feedAnswer(57_500));
  check(price === (await b.sys.engine.marketPrice(1)).toString(), "BTC is not back at 57,500");
  const again = await receiptOf(b.sys.engine.connect(keeper).liquidate(acct2, 0));
  r["liquidate (one position, market liquidated before)"] = await measure(again);
  check(
    eventsOf(again, "PositionLiquidated").length === 1,
    "the second position was not liquidated",
  );

  // The two penalties, accrued for the fund (INV-70), swept to it by the keeper.
  const risk = ICrossmarginRisk__factory.connect(await b.sys.engine.getAddress(), keeper);
  check((await risk.insuranceAccrued()) > 0n, "no penalty accrued");
  const swept = await receiptOf(risk.sweepInsuranceFund());
  r["sweepInsuranceFund (two penalties accrued)"] = await measure(swept);
  check((await risk.insuranceAccrued()) === 0n, "the sweep left an accrual");
  return r;
}

// The liquidated portfolio: two large longs (A, B), eight small ones, three collaterals.
const A = 3;
const B = 4;
const SMALL = range(5, 13);

type Outcome = { liquidatable: boolean; closed: number; left: number };

/** Answer of a $100 bench market after a drop of `bps` basis points (8 decimals). */
const dropped = (bps: number) => (feedAnswer(100) * BigInt(10_000 - bps)) / 10_000n;

/** What a liquidation would do after A and B drop by `bps`; the chain is left as it was. */
async function probe(
  b: Bench,
  keeper: HardhatEthersSigner,
  acct: bigint,
  bps: number,
): Promise<Outcome> {
  const snapshot = await takeSnapshot();
  try {
    await setPrice(b, A, dropped(bps));
    await setPrice(b, B, dropped(bps));
    if (!(await b.sys.engine.isLiquidatable(acct)))
      return { liquidatable: false, closed: 0, left: 10 };
    const receipt = await receiptOf(b.sys.engine.connect(keeper).liquidate(acct, 0));
    const closed = eventsOf(receipt, "PositionLiquidated").length;
    return { liquidatable: true, closed, left: await positionCount(b, acct) };
  } finally {
    await snapshot.restore();
  }
}

const exactlyTwo = (o: Outcome) => o.closed === 2 && o.left === 8;
const beyond = (o: Outcome) => o.left < 8 || o.closed > 2;

/**
 * The drop of A and B (basis points) at which liquidation closes A and B entirely and stops:
 * bisection down to the window of such drops, then the middle of that window, so that the
 * measured call is not at an edge where rounding could close a third position.
 */
async function twoClosingDrop(
  b: Bench,
  keeper: HardhatEthersSigner,
  acct: bigint,
): Promise<number> {
  let lo = 0;
  let hi = 5_000;
  check(beyond(await probe(b, keeper, acct, hi)), "a 50 % drop does not close everything");
  let found = -1;
  while (hi - lo > 1 && found < 0) {
    const mid = Math.floor((lo + hi) / 2);
    const o = await probe(b, keeper, acct, mid);
    if (exactlyTwo(o)) found = mid;
    else if (beyond(o)) hi = mid;
    else lo = mid;
  }
  check(found >= 0, "no price drop makes liquidation close exactly two positions");
  let low = found;
  let high = found;
  while (low > 0 && exactlyTwo(await probe(b, keeper, acct, low - 1))) low--;
  while (high < 5_000 && exactlyTwo(await probe(b, keeper, acct, high + 1))) high++;
  return Math.floor((low + high) / 2);
}

/**
 * A portfolio of 10 positions and 3 collaterals after the drop of A and B at which a liquidation
 * closes A and B entirely and leaves the other 8: the victim's account and a funded keeper.
 */
export async function twoOfTenReady(
  b: Bench,
): Promise<{ keeper: HardhatEthersSigner; acct: bigint; bps: number }> {
  await marketsInUse(b, [A, B, ...SMALL]);
  const victim = await actor("liquidate 2 of 10: victim");
  const acct = accountId(victim.address, 0);
  const keeper = await fundedKeeper(b, "liquidate 2 of 10: keeper");
  await fund(b, victim, 0, "4000", "1", "0.05");
  await trade(b, victim, acct, A, wad(510));
  await trade(b, victim, acct, B, wad(500));
  for (const m of SMALL) await trade(b, victim, acct, m, wad(20));
  const data = await b.sys.engine.getAccount(acct);
  check(popcount(data.marketMask) === 10, "the victim must hold 10 positions");
  check(popcount(data.collateralMask) === 2 && data.quoteBalance > 0n, "the victim needs 3 tokens");
  await time.increase(60);
  await refreshFeeds(b);

  const bps = await twoClosingDrop(b, keeper, acct);
  await setPrice(b, A, dropped(bps));
  await setPrice(b, B, dropped(bps));
  return { keeper, acct, bps };
}

/** A portfolio of 10 positions and 3 collaterals of which liquidation closes the 2 largest. */
export async function liquidateTwoOfTen(b: Bench): Promise<Results> {
  const r: Results = {};
  const { keeper, acct, bps } = await twoOfTenReady(b);
  // Realistic: A and B fall, a funded keeper liquidates: A and B closed in full, 8 stay open.
  const receipt = await receiptOf(b.sys.engine.connect(keeper).liquidate(acct, 0));
  r["liquidate (10 positions + 3 collaterals, 2 closed)"] = await measure(receipt);
  const closed = eventsOf(receipt, "PositionLiquidated").map((e) => Number(e!.args.marketId));
  check(
    closed.length === 2 && closed.includes(A) && closed.includes(B),
    `liquidation closed markets [${closed.join(", ")}], not [${A}, ${B}]`,
  );
  check((await positionCount(b, acct)) === 8, "liquidation left a part of A or B open");
  console.log(`liquidate 2 of 10: A and B dropped by ${(bps / 100).toFixed(2)} %`);
  return r;
}

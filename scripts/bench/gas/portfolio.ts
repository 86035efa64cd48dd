/** Accounts with many positions: the cost of a trade as the portfolio grows, and multicall. */
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { accountId, tradeAction, wad } from "../../../src/common";
import {
  Bench,
  FAR,
  MAX_PRICE,
  Results,
  actor,
  buy,
  check,
  fund,
  gasOf,
  marketsInUse,
  popcount,
  positionCount,
  range,
  trade,
} from "./bench";

/** The legacy mix: 0.1 ETH, 0.1 BTC, 0.1 SOL, then 10 units in the $100 bench markets. */
const sizeOf = (m: number) => wad(m < 3 ? "0.1" : "10");

/** A trader with USDC + WETH + WBTC and a long in each of markets 0..9. */
async function tenPositions(b: Bench, label: string): Promise<[HardhatEthersSigner, bigint]> {
  const trader = await actor(label);
  const acct = accountId(trader.address, 0);
  await fund(b, trader, 0, "1000000", "10", "1");
  for (const m of range(0, 10)) await trade(b, trader, acct, m, sizeOf(m));
  return [trader, acct];
}

/** Ten positions and three collaterals, in markets that others trade. */
export async function tenPositionAccounts(b: Bench): Promise<Results> {
  const r: Results = {};
  await marketsInUse(b, range(0, 10));
  const [trader, acct] = await tenPositions(b, "10 positions: trader");
  const [closer, closerAcct] = await tenPositions(b, "10 positions: closer");
  await time.increase(60);
  // Realistic: a 10-position, 3-collateral portfolio adds to ETH-PERP (markets in use).
  r["trade, 10 positions + 3 collaterals"] = await gasOf(buy(b, trader, acct, 0, wad("0.1")));

  const data = await b.sys.engine.getAccount(closerAcct);
  check(popcount(data.marketMask) === 10, "closer must hold 10 positions");
  check(popcount(data.collateralMask) === 2 && data.quoteBalance > 0n, "closer needs 3 tokens");
  // Realistic: a second such portfolio closes its whole position in market 5 (in use).
  r["close one of 10 positions (3 collaterals)"] = await gasOf(
    buy(b, closer, closerAcct, 5, -sizeOf(5)),
  );
  check((await positionCount(b, closerAcct)) === 9, "the close did not remove one position");
  return r;
}

/** Marginal cost per extra position: a trade in market 0 with 1, 2, 4, 8 and 16 positions. */
export async function positionSlope(b: Bench): Promise<Results> {
  const r: Results = {};
  await marketsInUse(b, range(0, 16));
  const trader = await actor("slope: trader");
  const acct = accountId(trader.address, 0);
  await fund(b, trader, 0, "1000000");
  let open = 0;
  const points: [number, number][] = [];
  for (const n of [1, 2, 4, 8, 16]) {
    for (; open < n; open++) await trade(b, trader, acct, open, sizeOf(open));
    await time.increase(60);
    // Realistic: a small ETH-PERP trade by a USDC account holding n positions.
    const g = await gasOf(buy(b, trader, acct, 0, wad("0.01")));
    r[`trade with ${n} position(s)`] = g;
    points.push([n, g]);
  }
  // Least-squares slope of the trades above: what each extra position adds to a trade.
  r["marginal gas per extra position (slope)"] = Math.round(leastSquaresSlope(points));
  return r;
}

/** A 5-market rebalance (markets 3..7, in use): separate trades vs one multicall. */
export async function rebalance(b: Bench): Promise<Results> {
  const r: Results = {};
  await marketsInUse(b, range(3, 8));
  const trader = await actor("rebalance: trader");
  const acct = accountId(trader.address, 0);
  await fund(b, trader, 0, "1000000");
  for (const m of range(3, 8)) await trade(b, trader, acct, m, wad(10));
  await time.increase(60);
  let separate = 0;
  for (const m of range(3, 8)) separate += await gasOf(buy(b, trader, acct, m, wad(1)));
  // Realistic: a trader with 5 positions adds to each of them with 5 transactions.
  r["5 separate trades (total)"] = separate;
  await time.increase(60);
  const actions = range(3, 8).map((m) => tradeAction(m, wad(1), MAX_PRICE));
  // Realistic: the same 5 increases in one multicall with a single margin check.
  r["5-market rebalance in one multicall"] = await gasOf(
    b.sys.engine.connect(trader).multicall(acct, actions, FAR),
  );
  return r;
}

export function leastSquaresSlope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

/** steps.csv: every step's record of a simulation, one row per step. */
import type { SimResult } from "./market-sim";

/** The CSV text of `r`'s step records, with a header row. */
export function stepsCsv(r: SimResult): string {
  const names = r.marketNames;
  const head = [
    "step",
    "time",
    ...names.map((n) => `price ${n}`),
    ...names.map((n) => `oi long usd ${n}`),
    ...names.map((n) => `oi short usd ${n}`),
    ...names.map((n) => `funding rate ${n}`),
    "insurance fund",
    "pool value",
    "pool balance",
    "share price",
    "trades",
    "failed txs",
    "volume usd",
    "fees usd",
    "below maintenance",
    "positions liquidated",
    "liquidated notional usd",
    "bad debt",
    "covered",
    "socialised",
    "keeper passes",
    "open accounts",
  ];
  const rows = r.records.map((x) =>
    [
      x.step,
      x.time,
      ...x.prices,
      ...x.oiLongUsd,
      ...x.oiShortUsd,
      ...x.fundingRate,
      x.insuranceFund,
      x.poolValue,
      x.poolBalance,
      x.sharePrice,
      x.trades,
      x.failedTxs,
      x.volumeUsd,
      x.feesUsd,
      x.liquidatableBefore,
      x.positionsLiquidated,
      x.liquidatedNotionalUsd,
      x.badDebt,
      x.covered,
      x.socialised,
      x.keeperPasses,
      x.openAccounts,
    ].join(","),
  );
  return [head.join(","), ...rows].join("\n") + "\n";
}

/**
 * What one liquidation call charges and how a bankrupt account's debt is settled, by the
 * independent model (src/model) on raw snapshots: the fund's penalty rate (taker-fee floor), the
 * keeper's window reward and the fund's penalty within what the account can pay, and collateral
 * first, bad debt last (docs/math.md "Liquidation"). Nothing here reads the contract.
 */
import {
  CollateralRisk,
  collateralWeights,
  liquidationCallCharges,
  liquidationPenaltyRate,
  maxTakerFee as maxTakerFeeOf,
  quoteToUsd,
  settleDebt as settleDebtModel,
} from "../../src/model";
import type {
  CollateralSnap,
  ExpectedBadDebt,
  ExpectedFee,
  LiqParams,
  MarketSnap,
  Snap,
} from "./liquidationModel";

export const SETTLED = 4;

/** The highest taker fee of any market: the floor of the penalty rate (engine `maxTakerFee`). */
export function maxTakerFee(snap: Pick<Snap, "markets">): bigint {
  return maxTakerFeeOf(snap.markets.map((m) => m.params));
}

/** The fund's penalty rate in a market: the protocol rate, `maxTakerFee` as its floor. */
export function penaltyRate(m: MarketSnap, liq: LiqParams, floor: bigint): bigint {
  return liquidationPenaltyRate(liq.penaltyRate, floor, m.status === SETTLED);
}

/**
 * Keeper reward and fund penalty (quote units) of one call (INV-26, INV-27, INV-31): the reward
 * is what the window's total notional earns, `min(max(feeRate * total, complete ? min : 0),
 * max)`, less what keepers were paid in the window; penalty first, then reward, together at
 * most `cap` (what the account can pay, and what the vault holds).
 */
export function chargeFee(
  snap: Snap,
  liq: LiqParams,
  now: bigint,
  notional: bigint,
  penaltyUsd: bigint,
  complete: boolean,
  cap: bigint,
): ExpectedFee {
  const { toFund, reward } = liquidationCallCharges({
    window: snap.window,
    accountWindow: liq.accountWindow,
    now,
    notional,
    penaltyUsd,
    complete,
    cap,
    params: liq,
    quoteDecimals: snap.quoteDecimals,
  });
  return { notional, fee: reward + toFund, reward, toFund };
}

/**
 * Collateral first, bad debt last (INV-29), on snapshot collaterals (src/model `settleDebt`);
 * `staleTokens` are not sold. Mutates the amounts of `collaterals`.
 */
export function settleDebt(
  collaterals: CollateralSnap[],
  quoteBalance: bigint,
  fundQuote: bigint,
  qd: number,
  staleTokens: string[] = [],
): { badDebt?: ExpectedBadDebt; quoteBalance: bigint } {
  if (quoteBalance >= 0n) return { quoteBalance };
  const r = settleDebtModel(
    collaterals.map((c) => ({ ...c, unsellable: staleTokens.includes(c.token) })),
    quoteBalance,
    fundQuote,
    qd,
  );
  const sales: ExpectedBadDebt["sales"] = [];
  collaterals.forEach((c, i) => {
    if (r.sales[i].amount === 0n) return;
    c.amount -= r.sales[i].amount;
    sales.push({ token: c.token, amount: r.sales[i].amount, paid: r.sales[i].paid });
  });
  const badDebt = {
    deficit: r.deficit,
    covered: r.covered,
    socialised: r.socialised,
    sales,
    fundPaid: r.fundPaid,
  };
  return { badDebt, quoteBalance: r.quoteBalance };
}

/** A collateral's risk parameters: its own, or `weight` for both weights without haircut. */
export function collateralRiskOf(c: CollateralSnap): CollateralRisk {
  return (
    c.risk ?? {
      initialWeight: c.weight,
      maintenanceWeight: c.weight,
      sizeThreshold: 0n,
      sizeFactor: 0n,
      weightFloor: 0n,
    }
  );
}

/**
 * Quote balance plus weighted collateral as the liquidation rule values it (USD): each balance at
 * its size-scaled maintenance weight (`collateralWeights`), a stale one at half weight (INV-34).
 */
export function weightedEquity(
  collaterals: CollateralSnap[],
  quoteBalance: bigint,
  qd: number,
  staleTokens: string[] = [],
): bigint {
  let sum = quoteToUsd(quoteBalance, qd);
  for (const c of collaterals) {
    sum += collateralWeights(c, collateralRiskOf(c), staleTokens.includes(c.token)).weightedUsd;
  }
  return sum;
}

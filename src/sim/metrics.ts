/** What the simulator records: one row per step, gas per action type, failed transactions by
 *  reason, and the run's totals. */
import { StepEvents } from "./events";

export interface StepRecord {
  step: number;
  /** Path time (seconds; real dates in historical replays). */
  time: number;
  prices: number[];
  oiLongUsd: number[];
  oiShortUsd: number[];
  /** Funding rate per market, per day (fraction). */
  fundingRate: number[];
  insuranceFund: number;
  poolValue: number;
  poolBalance: number;
  /** USDC per LP share (1 share = 10^12 units, the pool's decimals). */
  sharePrice: number;
  trades: number;
  failedTxs: number;
  volumeUsd: number;
  feesUsd: number;
  ordersCommitted: number;
  ordersSettled: number;
  ordersCancelled: number;
  /** Accounts below maintenance after the price move, before the keeper. */
  liquidatableBefore: number;
  positionsLiquidated: number;
  accountsLiquidated: number;
  liquidatedNotionalUsd: number;
  keeperRewards: number;
  toInsurance: number;
  /** Debt the insurance fund repaid by buying collateral (USDC, INV-29). */
  collateralSet: number;
  badDebt: number;
  covered: number;
  socialised: number;
  windowLimited: number;
  /** Auto-deleveraging calls and the notional they closed (USD). */
  deleveraged: number;
  adlNotionalUsd: number;
  /** Traders' positive balances the vault could not pay now: max(0, traderDebt - poolBalance). */
  unpayable: number;
  /** The same if every position closed at the oracle price: max(0, traderDebt - poolValue). */
  unpayableIfClosed: number;
  keeperPasses: number;
  openAccounts: number;
}

export interface GasStat {
  tag: string;
  count: number;
  failed: number;
  total: bigint;
  min: bigint;
  max: bigint;
}

export class GasBook {
  readonly byTag = new Map<string, GasStat>();

  add(tag: string, gasUsed: bigint, ok: boolean): void {
    const s = this.byTag.get(tag) ?? {
      tag,
      count: 0,
      failed: 0,
      total: 0n,
      min: gasUsed,
      max: gasUsed,
    };
    if (ok) {
      if (s.count === 0 || gasUsed < s.min) s.min = gasUsed;
      if (s.count === 0 || gasUsed > s.max) s.max = gasUsed;
      s.count++;
      s.total += gasUsed;
    } else s.failed++;
    this.byTag.set(tag, s);
  }

  rows(): (GasStat & { mean: number })[] {
    return [...this.byTag.values()]
      .sort((a, b) => a.tag.localeCompare(b.tag))
      .map((s) => ({ ...s, mean: s.count > 0 ? Number(s.total / BigInt(s.count)) : 0 }));
  }
}

/** Failed transactions by action and decoded reason. */
export class FailureBook {
  readonly counts = new Map<string, number>();
  traced = 0;

  add(tag: string, reason: string): void {
    const k = `${tag}: ${reason}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  rows(): { key: string; count: number }[] {
    return [...this.counts]
      .map(([key, count]) => ({ key, count }))
      .sort((a, b) => b.count - a.count);
  }
}

export interface Totals {
  trades: number;
  failedTxs: number;
  volumeUsd: number;
  feesUsd: number;
  ordersCommitted: number;
  ordersSettled: number;
  ordersCancelled: number;
  positionsLiquidated: number;
  accountsLiquidated: number;
  liquidatedNotionalUsd: number;
  keeperRewards: number;
  toInsurance: number;
  collateralSet: number;
  badDebtEvents: number;
  badDebt: number;
  covered: number;
  socialised: number;
  collateralLiquidations: number;
  windowLimitedSteps: number;
  maxLiquidatableBefore: number;
  deleveraged: number;
  adlNotionalUsd: number;
  adlRewards: number;
  maxUnpayable: number;
  maxUnpayableIfClosed: number;
}

export function emptyTotals(): Totals {
  return {
    trades: 0,
    failedTxs: 0,
    volumeUsd: 0,
    feesUsd: 0,
    ordersCommitted: 0,
    ordersSettled: 0,
    ordersCancelled: 0,
    positionsLiquidated: 0,
    accountsLiquidated: 0,
    liquidatedNotionalUsd: 0,
    keeperRewards: 0,
    toInsurance: 0,
    collateralSet: 0,
    badDebtEvents: 0,
    badDebt: 0,
    covered: 0,
    socialised: 0,
    collateralLiquidations: 0,
    windowLimitedSteps: 0,
    maxLiquidatableBefore: 0,
    deleveraged: 0,
    adlNotionalUsd: 0,
    adlRewards: 0,
    maxUnpayable: 0,
    maxUnpayableIfClosed: 0,
  };
}

const usd = (x: bigint): number => Number(x) / 1e18;

/** The fields of a step's record that come from its events (filled by `addEvents`). */
type EventField =
  | "trades"
  | "volumeUsd"
  | "feesUsd"
  | "ordersCommitted"
  | "ordersSettled"
  | "ordersCancelled"
  | "positionsLiquidated"
  | "accountsLiquidated"
  | "liquidatedNotionalUsd"
  | "keeperRewards"
  | "toInsurance"
  | "collateralSet"
  | "badDebt"
  | "covered"
  | "socialised"
  | "deleveraged"
  | "adlNotionalUsd";

/** What a step's record holds besides its events: the state read from the chain. */
export type StepState = Omit<StepRecord, EventField>;

/** The step's record (its state plus its events), added to the totals. */
export function addEvents(
  totals: Totals,
  state: StepState,
  ev: StepEvents,
  quoteDecimals: number,
): StepRecord {
  const q = (x: bigint): number => Number(x) / 10 ** quoteDecimals;
  const rec: StepRecord = {
    ...state,
    trades: ev.trades,
    volumeUsd: usd(ev.volumeUsd),
    feesUsd: usd(ev.feesUsd),
    ordersCommitted: ev.ordersCommitted,
    ordersSettled: ev.ordersSettled,
    ordersCancelled: ev.ordersCancelled,
    positionsLiquidated: ev.positionsLiquidated,
    accountsLiquidated: ev.liquidatedAccounts.size,
    liquidatedNotionalUsd: usd(ev.liquidatedNotionalUsd),
    keeperRewards: q(ev.keeperRewards),
    toInsurance: q(ev.toInsurance),
    collateralSet: q(ev.fundPurchases),
    badDebt: q(ev.deficit),
    covered: q(ev.covered),
    socialised: q(ev.socialised),
    deleveraged: ev.deleveraged,
    adlNotionalUsd: usd(ev.adlNotionalUsd),
  };
  totals.deleveraged += ev.deleveraged;
  totals.adlNotionalUsd += rec.adlNotionalUsd;
  totals.adlRewards += q(ev.adlReward);
  totals.maxUnpayable = Math.max(totals.maxUnpayable, rec.unpayable);
  totals.maxUnpayableIfClosed = Math.max(totals.maxUnpayableIfClosed, rec.unpayableIfClosed);
  totals.trades += rec.trades;
  totals.failedTxs += rec.failedTxs;
  totals.volumeUsd += rec.volumeUsd;
  totals.feesUsd += rec.feesUsd;
  totals.ordersCommitted += rec.ordersCommitted;
  totals.ordersSettled += rec.ordersSettled;
  totals.ordersCancelled += rec.ordersCancelled;
  totals.positionsLiquidated += rec.positionsLiquidated;
  totals.accountsLiquidated += rec.accountsLiquidated;
  totals.liquidatedNotionalUsd += rec.liquidatedNotionalUsd;
  totals.keeperRewards += rec.keeperRewards;
  totals.toInsurance += rec.toInsurance;
  totals.collateralSet += rec.collateralSet;
  totals.badDebtEvents += ev.badDebtEvents;
  totals.badDebt += rec.badDebt;
  totals.covered += rec.covered;
  totals.socialised += rec.socialised;
  totals.collateralLiquidations += ev.collateralLiquidations;
  if (rec.windowLimited > 0) totals.windowLimitedSteps++;
  totals.maxLiquidatableBefore = Math.max(totals.maxLiquidatableBefore, rec.liquidatableBefore);
  return rec;
}

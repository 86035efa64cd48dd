/**
 * Expected outcomes of `liquidate` / `liquidateCollateral`: an adapter from the raw state the
 * tests capture before a call (test/helpers/liquidationSnap.ts: positions, market aggregates,
 * balances, risk parameters, offset pairs, oracle answers) to the independent model in src/model,
 * which is written from docs/math.md ("Liquidation", "Risk model"). The rules themselves are the
 * model's: health `riskHealth` (liquidationSnap.ts `healthAt`), which positions close and how
 * much `planLiquidation`, the call's charges `liquidationCallCharges`, collateral first and bad
 * debt last `settleDebt`, the close factor `collateralRepayLimit`. Nothing here reads the
 * contract under test.
 */
import {
  MarketState,
  MarketWindow,
  PlanMarket,
  Position,
  collateralRepayLimit,
  impactPremium,
  liquidationCloseSize,
  liquidationPayCap,
  planLiquidation,
  poolValue,
  seizeCollateral,
} from "../../src/model";
import {
  SETTLED,
  chargeFee,
  maxTakerFee,
  penaltyRate,
  settleDebt,
  weightedEquity,
} from "./liquidationCharges";
export { maxTakerFee, penaltyRate };

export * from "./liquidationSnap";
import { LiqParams, MarketSnap, Snap, healthAt, indexAt } from "./liquidationSnap";

/**
 * The model's close size by the buffer rule (`liquidationCloseSize`, docs/math.md "Liquidation")
 * with positional arguments: `equity` and `MM` the running figures, `floor` what the minimum
 * keeper reward charged beyond the rate fee, `pen` the fund's rate in the market.
 */
export function bufferCloseSize(
  size: bigint,
  price: bigint,
  positionMm: bigint,
  minPositionMargin: bigint,
  equity: bigint,
  MM: bigint,
  floor: bigint,
  liq: Pick<LiqParams, "buffer" | "feeRate">,
  quoteDecimals = 6,
  pen = 0n,
): bigint {
  return liquidationCloseSize({
    size,
    price,
    mm: positionMm,
    minPositionMargin,
    equity,
    accountMm: MM,
    floor,
    penaltyRate: pen,
    buffer: liq.buffer,
    feeRate: liq.feeRate,
    quoteDecimals,
  });
}

/** A snapshot market as the planner reads it. */
export function planMarket(m: MarketSnap, stale = false): PlanMarket {
  return { ...m, settled: m.status === SETTLED, stale };
}

export interface ExpectedClose {
  marketId: number;
  sizeClosed: bigint;
  price: bigint;
  notional: bigint;
  quoteDelta: bigint;
  newSize: bigint;
}

export interface ExpectedFee {
  notional: bigint;
  /** Quote units (USD rounded up): charged, to the keeper, to the insurance fund. */
  fee: bigint;
  reward: bigint;
  toFund: bigint;
}

export interface ExpectedBadDebt {
  /** Debt left once the fund bought what collateral it could (0: no BadDebtSettled). */
  deficit: bigint;
  covered: bigint;
  socialised: bigint;
  /** CollateralSoldToFund: what the fund bought, and the debt it repaid for it. */
  sales: { token: string; amount: bigint; paid: bigint }[];
  /** Quote units the fund paid in all (sales and cover). */
  fundPaid: bigint;
}

export interface ExpectedLiquidation {
  equity: bigint;
  MM: bigint;
  cancelledOrders: number[];
  closes: ExpectedClose[];
  fee?: ExpectedFee;
  badDebt?: ExpectedBadDebt;
  /** Account after the call. */
  quoteBalance: bigint;
  positions: Map<number, Position>;
  /** Market aggregates after the call, for the markets it touched. */
  marketStates: Map<number, MarketState>;
  /** Liquidation windows after the call, for the markets it considered. */
  windows: Map<number, MarketWindow>;
  /** Pool ledger change (quote units). */
  poolDelta: bigint;
}

/**
 * What `liquidate(account, maxNotionalUsd)` does at time `now`, by the model: the closes
 * (`planLiquidation`), the keeper's reward and the fund's penalty charged once on the call
 * (capped by what the account can pay), and, once no position is left and weighted equity is
 * negative, the collateral set against the debt before any bad debt (insurance fund, then
 * pool). Markets in `stale` (feed past its heartbeat) count at their last answer but are not
 * closed; collaterals in `staleTokens` count at half their weight.
 */
export function expectLiquidation(
  snap: Snap,
  liq: LiqParams,
  now: bigint,
  maxNotionalUsd = 0n,
  stale: number[] = [],
  staleTokens: string[] = [],
): ExpectedLiquidation {
  const qd = snap.quoteDecimals;
  const summary = healthAt(snap, now, staleTokens);
  if (!summary.isLiquidatable) throw new Error("model: account is not liquidatable");
  const collaterals = snap.collaterals.map((c) => ({ ...c }));
  const base = {
    equity: summary.equity,
    MM: summary.MM,
    cancelledOrders: bitsOf(snap.orderMask),
  };
  if (snap.positions.length === 0) {
    const r = settleDebt(collaterals, snap.quoteBalance, snap.fundQuote, qd, staleTokens);
    const socialised = r.badDebt?.socialised ?? 0n;
    return {
      ...base,
      closes: [],
      positions: new Map(),
      marketStates: new Map(),
      windows: new Map(),
      badDebt: r.badDebt,
      quoteBalance: r.quoteBalance,
      poolDelta: -socialised,
    };
  }
  const plan = planLiquidation({
    positions: snap.positions.map(({ marketId, position }) => ({
      marketId,
      position,
      market: planMarket(snap.markets[marketId], stale.includes(marketId)),
    })),
    pairs: snap.pairs ?? [],
    equity: summary.equity,
    mm: summary.MM,
    maxTakerFee: maxTakerFee(snap),
    maxNotionalUsd,
    now,
    quoteDecimals: qd,
    params: liq,
  });
  const closes: ExpectedClose[] = plan.closes.map((c) => ({
    marketId: c.marketId,
    sizeClosed: c.sizeClosed,
    price: c.price,
    notional: c.notional,
    quoteDelta: c.quoteDelta,
    newSize: c.newSize,
  }));
  let quoteBalance = snap.quoteBalance;
  let poolDelta = 0n;
  for (const c of closes) {
    quoteBalance += c.quoteDelta;
    poolDelta -= c.quoteDelta;
  }
  let fee: ExpectedFee | undefined;
  if (plan.notionalClosed !== 0n) {
    const cap = liquidationPayCap(summary.equity, closes.length, snap.engineQuote, qd);
    fee = chargeFee(snap, liq, now, plan.notionalClosed, plan.penaltyUsd, plan.complete, cap);
    quoteBalance -= fee.fee;
  }
  let badDebt: ExpectedBadDebt | undefined;
  if (plan.closedOut && weightedEquity(collaterals, quoteBalance, qd, staleTokens) < 0n) {
    const fundQuote = snap.fundQuote + (fee?.toFund ?? 0n);
    const r = settleDebt(collaterals, quoteBalance, fundQuote, qd, staleTokens);
    badDebt = r.badDebt;
    quoteBalance = r.quoteBalance;
    poolDelta -= badDebt?.socialised ?? 0n;
  }
  const { positions, marketStates, windows } = plan;
  return {
    ...base,
    closes,
    positions,
    marketStates,
    windows,
    fee,
    badDebt,
    quoteBalance,
    poolDelta,
  };
}

/** Pool value (quote units) from the model, with `states` replacing the snapshot's aggregates. */
export function expectedPoolValue(
  snap: Snap,
  poolBalance: bigint,
  now: bigint,
  states = new Map<number, MarketState>(),
): bigint {
  const markets = snap.markets.map((m) => {
    const state = states.get(m.id) ?? m.state;
    const skewScale = m.status === SETTLED ? 0n : m.params.skewScale; // INV-44
    return { state, price: m.price, indexNow: indexAt({ ...m, state }, now), skewScale };
  });
  return poolValue(poolBalance, markets, snap.quoteDecimals);
}

export interface ExpectedSeizure {
  maxRepay: bigint;
  repaid: bigint;
  seized: bigint;
}

/**
 * `liquidateCollateral` by the model: the close factor per account and window
 * (`collateralRepayLimit`, INV-33), then the collateral for the repayment (`seizeCollateral`).
 */
export function expectSeizure(
  snap: Snap,
  liq: LiqParams,
  now: bigint,
  token: string,
  requested: bigint,
): ExpectedSeizure {
  const qd = snap.quoteDecimals;
  const summary = healthAt(snap, now);
  if (!summary.isLiquidatable) throw new Error("model: account is not liquidatable");
  if (snap.quoteBalance >= 0n) throw new Error("model: no debt");
  const maxRepay = collateralRepayLimit({
    debt: -snap.quoteBalance,
    equity: summary.equity,
    mm: summary.MM,
    window: snap.window,
    accountWindow: liq.accountWindow,
    now,
    closeFactorHfThreshold: liq.closeFactorHfThreshold,
    smallDebtUsd: liq.smallDebtUsd,
    quoteDecimals: qd,
  });
  const c = snap.collaterals.find((x) => x.token === token);
  if (c === undefined) return { maxRepay, repaid: 0n, seized: 0n };
  const ask = requested < maxRepay ? requested : maxRepay;
  const s = seizeCollateral(ask, qd, c.decimals, c.price, c.discount, c.amount);
  return { maxRepay, repaid: s.repay, seized: s.seized };
}

export function bitsOf(mask: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; mask >> BigInt(i) !== 0n; i++) if ((mask >> BigInt(i)) & 1n) out.push(i);
  return out;
}

/**
 * INV-44: the impact premium (USD WAD) of every market's skew in `snap`, with `states` replacing
 * the snapshot's aggregates; what the pool's value leaves out. A liquidation closes at the
 * oracle without refunding it, so the pool keeps the premium of the skew it closes.
 */
export function skewPremium(snap: Snap, states = new Map<number, MarketState>()): bigint {
  let usd = 0n;
  for (const m of snap.markets) {
    if (m.status === SETTLED) continue;
    usd += impactPremium(states.get(m.id) ?? m.state, m.price, m.params.skewScale);
  }
  return usd;
}

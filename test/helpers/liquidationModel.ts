/**
 * Expected outcomes of `liquidate` / `liquidateCollateral`, computed from the independent model
 * (src/model) and the rules the contract documents (LiquidationLogic NatSpec and comments,
 * docs/math.md "Liquidation" and "Risk model"). Nothing here reads the contract under test: the
 * inputs are raw state (positions, market aggregates, balances, risk parameters, offset pairs)
 * and oracle answers captured beforehand. Health is the risk model's (`riskHealth`): size-scaled
 * collateral weights and offset-pair credits, kept at the legs' current sizes after every close
 * as LiquidationCredits does.
 */
import {
  MarketState,
  OffsetPair,
  Position,
  WAD,
  abs,
  divCeil,
  divDown,
  divUp,
  healthFactor,
  max,
  min,
  mulDown,
  mulUp,
  pairCredit,
  poolValue,
  impactPremium,
  positionMargin,
  quoteToUsd,
  seizeCollateral,
  settle,
} from "../../src/model";

export { SETTLED } from "./liquidationCharges";
import {
  SETTLED,
  chargeFee,
  closePenalty,
  collateralRiskOf,
  maxTakerFee,
  penaltyRate,
  settleDebt,
  weightedEquity,
} from "./liquidationCharges";
export {
  chargeFee,
  closePenalty,
  collateralRiskOf,
  maxTakerFee,
  penaltyRate,
  settleDebt,
  weightedEquity,
};
const INF = (1n << 256n) - 1n;

export * from "./liquidationSnap";
import { LiqParams, MarketSnap, Snap, fundedState, healthAt, indexAt } from "./liquidationSnap";

/**
 * Close size from the buffer rule of `_closeSize` (NatSpec: "size to close so that equity reaches
 * MM * (1 + buffer), assuming the position's maintenance ratio stays constant; rounds up and
 * closes fully when little would remain"). Per USD of notional closed the account frees
 * `freed = mmr * (1 + buffer)` of the target, `mmr = (mm - minPositionMargin) / notional`, and
 * pays `feeRate` of equity once the rate fee is above the minimum keeper reward (`floor` is the
 * part of that minimum not yet covered by the rate fee; `equity` is already net of it). So with
 * `deficit = MM * (1 + buffer) - equity`:
 * `closeNotional = max(deficit / freed, (deficit - floor) / (freed - feeRate))`, the deficit
 * including three quote units for the rounding of realised PnL, reward and penalty.
 * Everything is closed when equity is negative, when closing frees nothing net of the fee, or
 * when less than a tenth of the position would remain.
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
  const absSize = abs(size);
  const notional = mulUp(absSize, price);
  if (notional === 0n || equity < 0n) return absSize;
  const onePlusBuffer = WAD + liq.buffer;
  // mmr rounded down, target freed rounded down: the rule errs on closing more.
  const freed = mulDown(divDown(positionMm - minPositionMargin, notional), onePlusBuffer);
  if (freed <= liq.feeRate + pen) return absSize;
  const deficit = mulUp(MM, onePlusBuffer) - equity + 3n * quoteToUsd(1n, quoteDecimals);
  const closeNotional = max(
    divUp(deficit, freed - pen),
    divUp(deficit - min(deficit, floor), freed - pen - liq.feeRate),
  );
  const closeSize = divCeil(closeNotional * WAD, price);
  if (closeSize >= absSize || absSize - closeSize < absSize / 10n) return absSize;
  return closeSize;
}

/** Size the window cap and the caller's remaining budget still allow in a market. */
export function windowAllowance(m: MarketSnap, w: Window, budget: bigint): bigint {
  let left = budget;
  if (m.maxLiquidationPerWindow !== 0n) {
    const used = w.liquidatedInWindow;
    left = min(left, m.maxLiquidationPerWindow > used ? m.maxLiquidationPerWindow - used : 0n);
  }
  return left === INF ? INF : divDown(left, m.price);
}

/** A market's liquidation window; a capped market starts a new one once the last has elapsed. */
export interface Window {
  windowStart: bigint;
  liquidatedInWindow: bigint;
}

export function windowAt(m: MarketSnap, now: bigint): Window {
  const elapsed = now >= m.windowStart + m.liquidationWindow;
  if (m.maxLiquidationPerWindow !== 0n && elapsed)
    return { windowStart: now, liquidatedInWindow: 0n };
  return { windowStart: m.windowStart, liquidatedInWindow: m.liquidatedInWindow };
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
  windows: Map<number, Window>;
  /** Pool ledger change (quote units). */
  poolDelta: bigint;
}

/** One open position during a liquidation (LiquidationCredits' `Slot`). */
interface Slot {
  marketId: number;
  /** Current size (after this call's close, if any). */
  size: bigint;
  price: bigint;
  /** The position's own maintenance requirement at its current size. */
  mm: bigint;
  done: boolean;
  pair?: OffsetPair;
  /** The pair's MM credit at the legs' current sizes (0 without an active pair). */
  credit: bigint;
}

/** The MM credit of two slots of one pair at their current sizes (`RiskMath.credit`). */
function slotCredit(a: Slot, b: Slot, pair: OffsetPair): bigint {
  const leg = (x: Slot) => ({
    size: x.size,
    notional: mulUp(abs(x.size), x.price),
    im: 0n,
    mm: x.mm,
  });
  return pairCredit(leg(a), leg(b), pair).creditMM;
}

/**
 * What `liquidate(account, maxNotionalUsd)` does at time `now`: positions closed at the oracle,
 * largest maintenance requirement first (ties: lowest market id; a position's own MM, before
 * any pair credit), each by the buffer rule, bounded by the market's window cap and the caller's
 * budget, the running MM including each offset pair's credit, recomputed at the legs' current
 * sizes after a close of a credited leg (LiquidationCredits); the keeper's reward and the fund's
 * penalty charged once on the call (capped by what the account can pay); and, once no position
 * is left and weighted equity is negative, the collateral set against the debt before any bad
 * debt (insurance fund, then pool). Markets in `stale` (feed past its heartbeat) count at their
 * last answer but are not closed; collaterals in `staleTokens` count at half their weight.
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
    marketStates: new Map<number, MarketState>(),
    windows: new Map<number, Window>(),
    positions: new Map<number, Position>(),
    closes: [] as ExpectedClose[],
  };
  if (snap.positions.length === 0) {
    const r = settleDebt(collaterals, snap.quoteBalance, snap.fundQuote, qd, staleTokens);
    const socialised = r.badDebt?.socialised ?? 0n;
    return { ...base, badDebt: r.badDebt, quoteBalance: r.quoteBalance, poolDelta: -socialised };
  }
  // Equity net of the charges so far: max(sum of per-close rate fees, minKeeperReward) and the
  // fund's penalties.
  let equity = summary.equity - liq.minKeeperReward;
  let rateFee = 0n;
  let penaltyUsd = 0n;
  let MM = summary.MM;
  let budget = maxNotionalUsd === 0n ? INF : maxNotionalUsd;
  let quoteBalance = snap.quoteBalance;
  let poolDelta = 0n;
  const { positions, marketStates, windows, closes } = base;
  const floor = maxTakerFee(snap);
  for (const p of snap.positions) positions.set(p.marketId, p.position);
  const pairs = snap.pairs ?? [];
  const slots: Slot[] = snap.positions.map(({ marketId, position }, i) => ({
    marketId,
    size: position.size,
    price: snap.markets[marketId].price,
    mm: summary.positions[i].mm,
    done: stale.includes(marketId),
    pair: pairs.find((p) => p.marketA === marketId || p.marketB === marketId),
    credit: 0n,
  }));
  // LiquidationCredits.load: each pair's MM credit on both of its legs.
  for (let i = 0; i < slots.length; i++) {
    for (let j = i + 1; j < slots.length; j++) {
      const pair = slots[i].pair;
      if (pair === undefined || pair !== slots[j].pair) continue;
      slots[i].credit = slots[j].credit = slotCredit(slots[i], slots[j], pair);
    }
  }
  let notionalClosed = 0n;
  for (let round = 0; round < slots.length; round++) {
    if (equity >= mulUp(MM, WAD + liq.buffer) || budget === 0n) break;
    let k = -1;
    for (let i = 0; i < slots.length; i++) {
      if (!slots[i].done && (k < 0 || slots[i].mm > slots[k].mm)) k = i;
    }
    if (k < 0) break;
    const sl = slots[k];
    sl.done = true;
    const m = snap.markets[sl.marketId];
    let size = bufferCloseSize(
      sl.size,
      m.price,
      sl.mm,
      m.params.minPositionMargin,
      equity,
      MM,
      max(rateFee, liq.minKeeperReward) - rateFee,
      liq,
      qd,
      penaltyRate(m, liq, floor),
    );
    const w = windowAt(m, now);
    windows.set(sl.marketId, w);
    size = min(size, windowAllowance(m, w, budget));
    if (size === 0n) continue;
    const delta = sl.size > 0n ? -size : size;
    const notional = mulUp(size, m.price);
    const pen = closePenalty(m, liq, floor, delta, notional);
    penaltyUsd += pen;
    equity -= pen;
    const funded = fundedState(m, now);
    const position = positions.get(sl.marketId)!;
    const r = settle(funded, position, delta, m.price, 0n, 0n, 0n, funded.fundingIndex, qd);
    quoteBalance += r.quoteDelta;
    poolDelta -= r.quoteDelta;
    positions.set(sl.marketId, r.newPosition);
    marketStates.set(sl.marketId, r.newMarketState);
    w.liquidatedInWindow += notional;
    notionalClosed += notional;
    budget = budget > notional ? budget - notional : 0n;
    const mmNew = positionMargin(m.params, r.newPosition.size, m.price).mm;
    MM = MM - sl.mm + mmNew;
    sl.size = r.newPosition.size;
    sl.mm = mmNew;
    const feeBefore = max(rateFee, liq.minKeeperReward);
    rateFee += mulUp(notional, liq.feeRate);
    equity -= max(rateFee, liq.minKeeperReward) - feeBefore;
    closes.push({
      marketId: sl.marketId,
      sizeClosed: delta,
      price: m.price,
      notional,
      quoteDelta: r.quoteDelta,
      newSize: r.newPosition.size,
    });
    // LiquidationCredits.update: a leg of a pair was closed (in part); the pair's credit at the
    // legs' new sizes (a close may also create one), and MM moved by what the credit changed, so
    // the running MM stays the real one.
    if (sl.pair !== undefined) {
      for (const o of slots) {
        if (o === sl || o.pair !== sl.pair) continue;
        const c = slotCredit(sl, o, sl.pair!);
        MM = MM + sl.credit - c;
        sl.credit = o.credit = c;
      }
    }
  }
  const closedOut = [...positions.values()].every((p) => p.size === 0n);
  let fee: ExpectedFee | undefined;
  if (notionalClosed !== 0n) {
    const complete = closedOut || equity >= MM;
    const canPay = summary.equity - BigInt(closes.length) * quoteToUsd(1n, qd);
    const cap = min(canPay > 0n ? canPay / quoteToUsd(1n, qd) : 0n, snap.engineQuote);
    fee = chargeFee(snap, liq, now, notionalClosed, penaltyUsd, complete, cap);
    quoteBalance -= fee.fee;
  }
  let badDebt: ExpectedBadDebt | undefined;
  if (closedOut && weightedEquity(collaterals, quoteBalance, qd, staleTokens) < 0n) {
    const fundQuote = snap.fundQuote + (fee?.toFund ?? 0n);
    const r = settleDebt(collaterals, quoteBalance, fundQuote, qd, staleTokens);
    badDebt = r.badDebt;
    quoteBalance = r.quoteBalance;
    poolDelta -= badDebt?.socialised ?? 0n;
  }
  return { ...base, fee, badDebt, quoteBalance, poolDelta };
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
 * `liquidateCollateral`'s close factor per account and window (INV-33), from the rule the
 * contract documents: 50 % of the debt at the window's first collateral liquidation (rounded
 * up) less what the window already repaid, or all of the debt below the health threshold, for a
 * small debt, or when what would remain is small; a window restarts after `accountWindow`.
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
  const debt = -snap.quoteBalance;
  const hf = summary.MM === 0n ? 0n : healthFactor(summary.equity, summary.MM);
  const w = snap.window;
  const fresh = now >= w.collateralStart + liq.accountWindow;
  const debtAtStart = fresh ? debt : w.debtAtStart;
  const repaidBefore = fresh ? 0n : w.repaid;
  let maxRepay = debt;
  if (hf >= liq.closeFactorHfThreshold && quoteToUsd(debt, qd) > liq.smallDebtUsd) {
    const half = (debtAtStart + 1n) / 2n;
    const left = half > repaidBefore ? half - repaidBefore : 0n;
    if (!(debt > left && quoteToUsd(debt - left, qd) <= liq.smallDebtUsd))
      maxRepay = left < debt ? left : debt;
  }
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

/**
 * @title Liquidation planner (docs/math.md "Liquidation"): which positions `liquidate` closes,
 * in what order and how much.
 * @notice Rounds of the largest own maintenance requirement first, each closed by the buffer
 * rule (target `equity >= MM * (1 + buffer)`, everything when more than 90 % would go), bounded
 * by the market's window cap and the caller's budget; the running MM keeps each offset pair's
 * credit at the legs' current sizes. The charges of the call (reward and penalty against what
 * the account can pay) and the settlement of its debt are in liquidation.ts.
 */
import {
  UINT256_MAX,
  WAD,
  abs,
  divCeil,
  divDown,
  divUp,
  max,
  min,
  mulDown,
  mulUp,
  quoteToUsd,
} from "./fixed";
import { MarketParams, MarketState, recordFunding } from "./market";
import { positionMargin } from "./margin";
import { Position, settle } from "./position";
import { OffsetPair, pairCredit } from "./risk";
import { liquidationPenalty, liquidationPenaltyRate } from "./liquidation";

/** Protocol-wide liquidation parameters the plan depends on (USD and rates WAD). */
export interface PlanParams {
  feeRate: bigint;
  buffer: bigint;
  minKeeperReward: bigint;
  penaltyRate: bigint;
}

/** A market's liquidation window: when it started and the notional (USD WAD) closed in it. */
export interface MarketWindow {
  windowStart: bigint;
  liquidatedInWindow: bigint;
}

/** A market as the planner needs it, read before the call. */
export interface PlanMarket extends MarketWindow {
  params: MarketParams;
  /** Aggregates before the call (the penalty's skew, the funding to record). */
  state: MarketState;
  /** Oracle answer (WAD), or the settlement price of a settled market. */
  price: bigint;
  settled: boolean;
  /** Feed past its heartbeat: valued at its last answer, never closed (INV-25). */
  stale?: boolean;
  /** USD WAD per window; 0 = uncapped. */
  maxLiquidationPerWindow: bigint;
  /** Seconds. */
  liquidationWindow: bigint;
}

/** One open position of the account, with its market. */
export interface PlanPosition {
  marketId: number;
  position: Position;
  market: PlanMarket;
}

export interface LiquidationPlanInput {
  positions: readonly PlanPosition[];
  /** Active offset pairs (docs/math.md "Offset pairs"). */
  pairs: readonly OffsetPair[];
  /** Liquidation health before the call (stale collateral at half weight, pair credits in MM). */
  equity: bigint;
  mm: bigint;
  /** The highest taker fee of any market: the floor of the penalty rate. */
  maxTakerFee: bigint;
  /** The caller's bound on the notional closed (USD WAD); 0 = none. */
  maxNotionalUsd: bigint;
  /** Block timestamp of the call. */
  now: bigint;
  quoteDecimals: number;
  params: PlanParams;
}

export interface PlannedClose {
  marketId: number;
  /** Signed size traded (`-sign(size) * c`). */
  sizeClosed: bigint;
  price: bigint;
  /** `mulUp(c, price)`, USD WAD. */
  notional: bigint;
  /** The fund's penalty for this close (USD WAD). */
  penalty: bigint;
  /** Realised PnL and funding credited to the quote balance (quote units). */
  quoteDelta: bigint;
  newSize: bigint;
}

export interface LiquidationPlan {
  /** In the order they happen. */
  closes: PlannedClose[];
  /** Every position of the account after the call (closed ones at size 0). */
  positions: Map<number, Position>;
  /** Market aggregates after the call, for the markets closed in. */
  marketStates: Map<number, MarketState>;
  /** Liquidation windows after the call, for the markets taken in a round. */
  windows: Map<number, MarketWindow>;
  notionalClosed: bigint;
  /** Sum of the closes' penalties (USD WAD). */
  penaltyUsd: bigint;
  /** Running equity after the call: net of `max(rateFee, minKeeperReward)` and the penalties. */
  equity: bigint;
  /** Running MM after the call (the real MM, pair credits at the new sizes). */
  mm: bigint;
  /** No position left. */
  closedOut: boolean;
  /** The call completes the liquidation: closed out, or restored (`equity >= mm`). */
  complete: boolean;
  /** Nothing closed while a stale market held a position back: the call reverts `OracleStale`. */
  revertsStale: boolean;
}

/** Inputs of {@link liquidationCloseSize} (USD and rates WAD). */
export interface CloseSizeInput {
  /** Signed size of the position. */
  size: bigint;
  price: bigint;
  /** The position's own maintenance requirement (before any pair credit). */
  mm: bigint;
  minPositionMargin: bigint;
  /** Running equity and MM of the account. */
  equity: bigint;
  accountMm: bigint;
  /** What the minimum keeper reward already charged beyond the rate fee so far. */
  floor: bigint;
  /** The fund's penalty rate in the market ({@link liquidationPenaltyRate}). */
  penaltyRate: bigint;
  buffer: bigint;
  feeRate: bigint;
  quoteDecimals: number;
}

/**
 * Close size by the buffer rule (docs/math.md "Liquidation", close size): per USD of notional
 * closed the account frees `freed = mulDown(divDown(mm - minPositionMargin, N), 1 + buffer)` of
 * the target and pays `penaltyRate`, and `feeRate` once the rate fee is above the minimum reward;
 * `closeNotional = max(deficit / (freed - pen), (deficit - floor) / (freed - pen - feeRate))`
 * rounded up, the deficit including three quote units. Everything when the notional is 0, equity
 * is negative, closing frees nothing net of the costs, or less than a tenth would remain.
 */
export function liquidationCloseSize(a: CloseSizeInput): bigint {
  const absSize = abs(a.size);
  const notional = mulUp(absSize, a.price);
  if (notional === 0n || a.equity < 0n) return absSize;
  const onePlusBuffer = WAD + a.buffer;
  const freed = mulDown(divDown(a.mm - a.minPositionMargin, notional), onePlusBuffer);
  const pen = a.penaltyRate;
  if (freed <= a.feeRate + pen) return absSize;
  const deficit =
    mulUp(a.accountMm, onePlusBuffer) - a.equity + 3n * quoteToUsd(1n, a.quoteDecimals);
  const closeNotional = max(
    divUp(deficit, freed - pen),
    divUp(deficit - min(deficit, a.floor), freed - pen - a.feeRate),
  );
  const closeSize = divCeil(closeNotional * WAD, a.price);
  if (closeSize >= absSize || absSize - closeSize < absSize / 10n) return absSize;
  return closeSize;
}

/** A market's window at `now`: a capped market starts a new one once the last has elapsed. */
export function liquidationWindowAt(m: PlanMarket, now: bigint): MarketWindow {
  const elapsed = now >= m.windowStart + m.liquidationWindow;
  if (m.maxLiquidationPerWindow !== 0n && elapsed) {
    return { windowStart: now, liquidatedInWindow: 0n };
  }
  return { windowStart: m.windowStart, liquidatedInWindow: m.liquidatedInWindow };
}

/**
 * Size the window cap and the remaining `budget` (USD WAD, `UINT256_MAX` = unbounded) allow in
 * a market: `floor(left * WAD / price)`, `left = min(budget, max(0, cap - used))` in a capped
 * market; `UINT256_MAX` when nothing bounds it.
 */
export function liquidationAllowance(m: PlanMarket, w: MarketWindow, budget: bigint): bigint {
  let left = budget;
  if (m.maxLiquidationPerWindow !== 0n) {
    const used = w.liquidatedInWindow;
    left = min(left, m.maxLiquidationPerWindow > used ? m.maxLiquidationPerWindow - used : 0n);
  }
  return left === UINT256_MAX ? UINT256_MAX : divDown(left, m.price);
}

/** One open position during the plan. */
interface Slot {
  marketId: number;
  market: PlanMarket;
  /** Current size (after this call's close, if any). */
  size: bigint;
  /** Own maintenance requirement at the current size. */
  mm: bigint;
  done: boolean;
  pair?: OffsetPair;
  /** The pair's MM credit at the legs' current sizes (0 unless both legs are held). */
  credit: bigint;
}

/** The MM credit of two legs of one pair at their current sizes. */
function slotCredit(a: Slot, b: Slot, pair: OffsetPair): bigint {
  const leg = (x: Slot) => ({
    size: x.size,
    notional: mulUp(abs(x.size), x.market.price),
    im: 0n,
    mm: x.mm,
  });
  return pairCredit(leg(a), leg(b), pair).creditMM;
}

/** The not-yet-taken slot with the largest own MM (ties: the first, i.e. lowest market id). */
function largest(slots: readonly Slot[]): Slot | undefined {
  let best: Slot | undefined;
  for (const s of slots) if (!s.done && (best === undefined || s.mm > best.mm)) best = s;
  return best;
}

/** The market's state once a touch at `now` has recorded funding (a settled market's is frozen). */
function fundedState(m: PlanMarket, now: bigint): MarketState {
  if (m.settled) return { ...m.state, lastFundingTime: now };
  return recordFunding(m.state, m.params, m.price, now);
}

/**
 * What `liquidate(account, maxNotionalUsd)` closes at `now` (docs/math.md "Liquidation"), for an
 * account that is liquidatable and holds positions: rounds while `equity < MM * (1 + buffer)`
 * and budget remains, each taking the largest own MM not yet taken (stale markets never), and
 * closing `min(closeSize, allowance)` of it at the oracle; running equity net of the penalties
 * and `max(rateFee, minKeeperReward)`; running MM with the offset pairs' credits recomputed after
 * each close of a leg.
 */
export function planLiquidation(input: LiquidationPlanInput): LiquidationPlan {
  const { params: p, now, quoteDecimals: qd } = input;
  const ordered = [...input.positions].sort((x, y) => x.marketId - y.marketId);
  const positions = new Map<number, Position>();
  const marketStates = new Map<number, MarketState>();
  const windows = new Map<number, MarketWindow>();
  const closes: PlannedClose[] = [];
  const slots: Slot[] = ordered.map(({ marketId, position, market }) => {
    positions.set(marketId, position);
    return {
      marketId,
      market,
      size: position.size,
      mm: positionMargin(market.params, position.size, market.price).mm,
      done: market.stale === true,
      pair: input.pairs.find((x) => x.marketA === marketId || x.marketB === marketId),
      credit: 0n,
    };
  });
  for (let i = 0; i < slots.length; i++) {
    for (let j = i + 1; j < slots.length; j++) {
      const pair = slots[i].pair;
      if (pair === undefined || pair !== slots[j].pair) continue;
      slots[i].credit = slots[j].credit = slotCredit(slots[i], slots[j], pair);
    }
  }
  let equity = input.equity - p.minKeeperReward;
  let mm = input.mm;
  let budget = input.maxNotionalUsd === 0n ? UINT256_MAX : input.maxNotionalUsd;
  let rateFee = 0n;
  let penaltyUsd = 0n;
  let notionalClosed = 0n;
  for (let round = 0; round < slots.length; round++) {
    if (equity >= mulUp(mm, WAD + p.buffer) || budget === 0n) break;
    const sl = largest(slots);
    if (sl === undefined) break;
    sl.done = true;
    const m = sl.market;
    const pen = liquidationPenaltyRate(p.penaltyRate, input.maxTakerFee, m.settled);
    const w = liquidationWindowAt(m, now);
    windows.set(sl.marketId, w);
    const c = min(
      liquidationCloseSize({
        size: sl.size,
        price: m.price,
        mm: sl.mm,
        minPositionMargin: m.params.minPositionMargin,
        equity,
        accountMm: mm,
        floor: max(rateFee, p.minKeeperReward) - rateFee,
        penaltyRate: pen,
        buffer: p.buffer,
        feeRate: p.feeRate,
        quoteDecimals: qd,
      }),
      liquidationAllowance(m, w, budget),
    );
    if (c === 0n) continue;
    const delta = sl.size > 0n ? -c : c;
    const notional = mulUp(c, m.price);
    const penalty = liquidationPenalty({
      notional,
      delta,
      price: m.price,
      skew: m.state.longOI - m.state.shortOI,
      params: m.params,
      penaltyRate: p.penaltyRate,
      maxTakerFee: input.maxTakerFee,
      settled: m.settled,
    });
    penaltyUsd += penalty;
    equity -= penalty;
    const funded = fundedState(m, now);
    const position = positions.get(sl.marketId)!;
    const r = settle(funded, position, delta, m.price, 0n, 0n, 0n, funded.fundingIndex, qd);
    positions.set(sl.marketId, r.newPosition);
    marketStates.set(sl.marketId, r.newMarketState);
    // Only a capped market keeps the count (an uncapped one never reads it).
    if (m.maxLiquidationPerWindow !== 0n) w.liquidatedInWindow += notional;
    notionalClosed += notional;
    budget = budget > notional ? budget - notional : 0n;
    const mmNew = positionMargin(m.params, r.newPosition.size, m.price).mm;
    mm = mm - sl.mm + mmNew;
    sl.size = r.newPosition.size;
    sl.mm = mmNew;
    const feeBefore = max(rateFee, p.minKeeperReward);
    rateFee += mulUp(notional, p.feeRate);
    equity -= max(rateFee, p.minKeeperReward) - feeBefore;
    closes.push({
      marketId: sl.marketId,
      sizeClosed: delta,
      price: m.price,
      notional,
      penalty,
      quoteDelta: r.quoteDelta,
      newSize: r.newPosition.size,
    });
    // The pair's credit at the legs' new sizes; MM moves by what the credit changed.
    if (sl.pair !== undefined) {
      for (const o of slots) {
        if (o === sl || o.pair !== sl.pair) continue;
        const credit = slotCredit(sl, o, sl.pair);
        mm = mm + sl.credit - credit;
        sl.credit = o.credit = credit;
      }
    }
  }
  const closedOut = [...positions.values()].every((x) => x.size === 0n);
  return {
    closes,
    positions,
    marketStates,
    windows,
    notionalClosed,
    penaltyUsd,
    equity,
    mm,
    closedOut,
    complete: closedOut || equity >= mm,
    revertsStale: notionalClosed === 0n && slots.some((s) => s.market.stale === true),
  };
}

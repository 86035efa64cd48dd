/**
 * Expected outcomes of `liquidate` / `liquidateCollateral`, computed from the independent model
 * (src/model) and the rules the contract documents (LiquidationLogic NatSpec and comments,
 * docs/math.md "Liquidation"). Nothing here reads the contract under test: the inputs are raw
 * state (positions, market aggregates, balances) and oracle answers captured beforehand.
 */
import {
  Account,
  MarketParams,
  MarketState,
  Position,
  WAD,
  abs,
  accrueFunding,
  divCeil,
  divDown,
  divUp,
  healthFactor,
  liquidationFee,
  marginSummary,
  max,
  min,
  mulDown,
  mulUp,
  poolValue,
  positionMargin,
  quoteToUsd,
  recordFunding,
  seizeCollateral,
  settle,
  toQuoteCeil,
} from "../../src/model";

export const SETTLED = 4;
const INF = (1n << 256n) - 1n;

/** Protocol-wide liquidation parameters (USD / ratios in WAD). */
export interface LiqParams {
  feeRate: bigint;
  buffer: bigint;
  minKeeperReward: bigint;
  maxKeeperReward: bigint;
  closeFactorHfThreshold: bigint;
  smallDebtUsd: bigint;
  orderKeeperFee: bigint;
  penaltyRate: bigint;
  accountWindow: bigint;
}

/** One market as read before the call. */
export interface MarketSnap {
  id: number;
  params: MarketParams;
  status: number;
  /** Oracle answer normalised to WAD, or the settlement price of a settled market. */
  price: bigint;
  state: MarketState;
  maxLiquidationPerWindow: bigint;
  liquidationWindow: bigint;
  windowStart: bigint;
  liquidatedInWindow: bigint;
}

export interface CollateralSnap {
  token: string;
  amount: bigint;
  decimals: number;
  price: bigint;
  weight: bigint;
  discount: bigint;
}

/** Raw state of one account and of every market, before the call. */
export interface Snap {
  account: bigint;
  quoteDecimals: number;
  quoteBalance: bigint;
  collaterals: CollateralSnap[];
  positions: { marketId: number; position: Position }[];
  orderMask: bigint;
  markets: MarketSnap[];
  /** quote.balanceOf(engine) and quote.balanceOf(insuranceFund). */
  engineQuote: bigint;
  fundQuote: bigint;
}

/** Funding index of a market at `now` (a settled market's index is frozen). */
export function indexAt(m: MarketSnap, now: bigint): bigint {
  if (m.status === SETTLED) return m.state.fundingIndex;
  return accrueFunding(m.state, m.params, m.price, now).indexNow;
}

/** The market state once a touch at `now` has recorded funding. */
export function fundedState(m: MarketSnap, now: bigint): MarketState {
  if (m.status === SETTLED) return { ...m.state, lastFundingTime: now };
  return recordFunding(m.state, m.params, m.price, now);
}

/** The model's view of the account at `now`. */
export function accountAt(snap: Snap, now: bigint): Account {
  return {
    quoteBalance: snap.quoteBalance,
    quoteDecimals: snap.quoteDecimals,
    collaterals: snap.collaterals.map((c) => ({ ...c })),
    positions: snap.positions.map(({ marketId, position }) => {
      const m = snap.markets[marketId];
      return { params: m.params, position, price: m.price, indexNow: indexAt(m, now) };
    }),
  };
}

/**
 * Close size from the buffer rule of `_closeSize` (NatSpec: "size to close so that equity reaches
 * MM * (1 + buffer), assuming the position's maintenance ratio stays constant; rounds up and
 * closes fully when little would remain"). Per USD of notional closed the account frees
 * `freed = mmr * (1 + buffer)` of the target, `mmr = (mm - minPositionMargin) / notional`, and
 * pays `feeRate` of equity once the rate fee is above the minimum keeper reward (`floor` is the
 * part of that minimum not yet covered by the rate fee; `equity` is already net of it). So with
 * `deficit = MM * (1 + buffer) - equity`:
 * `closeNotional = max(deficit / freed, (deficit - floor) / (freed - feeRate))`, the deficit
 * including two quote units for the rounding of realised PnL and of the fee.
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
): bigint {
  const absSize = abs(size);
  const notional = mulUp(absSize, price);
  if (notional === 0n || equity < 0n) return absSize;
  const onePlusBuffer = WAD + liq.buffer;
  // mmr rounded down, target freed rounded down: the rule errs on closing more.
  const freed = mulDown(divDown(positionMm - minPositionMargin, notional), onePlusBuffer);
  if (freed <= liq.feeRate) return absSize;
  const deficit = mulUp(MM, onePlusBuffer) - equity + 2n * quoteToUsd(1n, quoteDecimals);
  const closeNotional = max(
    divUp(deficit, freed),
    divUp(deficit - min(deficit, floor), freed - liq.feeRate),
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
  deficit: bigint;
  covered: bigint;
  socialised: bigint;
  seized: { token: string; amount: bigint }[];
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

/** Keeper / insurance split in quote units: USD fee from the model, each part rounded up. */
export function feeInQuote(notional: bigint, liq: LiqParams, quoteDecimals: number): ExpectedFee {
  const f = liquidationFee(notional, liq.feeRate, liq.minKeeperReward, liq.maxKeeperReward);
  const fee = toQuoteCeil(f.liquidationFee, quoteDecimals);
  const reward = toQuoteCeil(f.keeperReward, quoteDecimals);
  return { notional, fee, reward, toFund: fee - reward };
}

/**
 * What `liquidate(account, maxNotionalUsd)` does at time `now`: positions closed at the oracle,
 * largest maintenance requirement first (ties: lowest market id), each by the buffer rule,
 * bounded by the market's window cap and the caller's budget; one fee on the total notional;
 * bad debt settled once no position is left and equity is negative (insurance fund, then pool).
 * Markets in `stale` (feed past its heartbeat) count at their last answer but are not closed.
 */
export function expectLiquidation(
  snap: Snap,
  liq: LiqParams,
  now: bigint,
  maxNotionalUsd = 0n,
  stale: number[] = [],
): ExpectedLiquidation {
  const qd = snap.quoteDecimals;
  const summary = marginSummary(accountAt(snap, now));
  if (!summary.isLiquidatable) throw new Error("model: account is not liquidatable");
  // Equity net of the fee owed so far: max(sum of per-close rate fees, minKeeperReward).
  let equity = summary.equity - liq.minKeeperReward;
  let rateFee = 0n;
  let MM = summary.MM;
  let budget = maxNotionalUsd === 0n ? INF : maxNotionalUsd;
  let quoteBalance = snap.quoteBalance;
  let poolDelta = 0n;
  const positions = new Map(snap.positions.map((p) => [p.marketId, p.position]));
  const marketStates = new Map<number, MarketState>();
  const windows = new Map<number, Window>();
  const slots = snap.positions.map(({ marketId, position }, i) => ({
    marketId,
    position,
    mm: summary.positions[i].mm,
    done: stale.includes(marketId),
  }));
  const closes: ExpectedClose[] = [];
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
      sl.position.size,
      m.price,
      sl.mm,
      m.params.minPositionMargin,
      equity,
      MM,
      max(rateFee, liq.minKeeperReward) - rateFee,
      liq,
      qd,
    );
    const w = windowAt(m, now);
    windows.set(sl.marketId, w);
    size = min(size, windowAllowance(m, w, budget));
    if (size === 0n) continue;
    const delta = sl.position.size > 0n ? -size : size;
    const funded = fundedState(m, now);
    const r = settle(funded, sl.position, delta, m.price, 0n, 0n, 0n, funded.fundingIndex, qd);
    quoteBalance += r.quoteDelta;
    poolDelta -= r.quoteDelta;
    positions.set(sl.marketId, r.newPosition);
    marketStates.set(sl.marketId, r.newMarketState);
    const notional = mulUp(size, m.price);
    w.liquidatedInWindow += notional;
    notionalClosed += notional;
    budget = budget > notional ? budget - notional : 0n;
    MM = MM - sl.mm + positionMargin(m.params, r.newPosition.size, m.price).mm;
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
  }
  let fundQuote = snap.fundQuote;
  let fee: ExpectedFee | undefined;
  if (notionalClosed !== 0n) {
    fee = payableFee(feeInQuote(notionalClosed, liq, qd), snap.engineQuote);
    quoteBalance -= fee.fee;
    fundQuote += fee.toFund;
  }
  let badDebt: ExpectedBadDebt | undefined;
  const open = [...positions.values()].filter((p) => p.size !== 0n);
  if (open.length === 0) {
    const after = marginSummary({ ...accountAt(snap, now), quoteBalance, positions: [] });
    if (after.equity < 0n) {
      const seized = snap.collaterals.map((c) => ({ token: c.token, amount: c.amount }));
      const deficit = quoteBalance < 0n ? -quoteBalance : 0n;
      const covered = min(deficit, fundQuote);
      if (deficit !== 0n) quoteBalance = 0n;
      badDebt = { deficit, covered, socialised: deficit - covered, seized };
      poolDelta -= deficit - covered;
    }
  }
  return {
    equity: summary.equity,
    MM: summary.MM,
    cancelledOrders: bitsOf(snap.orderMask),
    closes,
    fee,
    badDebt,
    quoteBalance,
    positions,
    marketStates,
    windows,
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
    return { state, price: m.price, indexNow: indexAt({ ...m, state }, now) };
  });
  return poolValue(poolBalance, markets, snap.quoteDecimals);
}

/**
 * The fee actually moved when the engine holds fewer quote tokens than it owes: the keeper is
 * paid first, then the insurance fund; only what is paid is charged to the account.
 */
export function payableFee(f: ExpectedFee, engineQuote: bigint): ExpectedFee {
  const reward = min(f.reward, engineQuote);
  const toFund = min(f.toFund, engineQuote - reward);
  return { notional: f.notional, fee: reward + toFund, reward, toFund };
}

export interface ExpectedSeizure {
  maxRepay: bigint;
  repaid: bigint;
  seized: bigint;
}

/**
 * `liquidateCollateral`: the close factor lets a liquidator repay 50 % of the debt (rounded up),
 * or all of it when the health factor is below `closeFactorHfThreshold`, the debt is at most
 * `smallDebtUsd`, or the half that would remain is; collateral at oracle less the discount.
 */
export function expectSeizure(
  snap: Snap,
  liq: LiqParams,
  now: bigint,
  token: string,
  requested: bigint,
): ExpectedSeizure {
  const qd = snap.quoteDecimals;
  const summary = marginSummary(accountAt(snap, now));
  if (!summary.isLiquidatable) throw new Error("model: account is not liquidatable");
  if (snap.quoteBalance >= 0n) throw new Error("model: no debt");
  const debt = -snap.quoteBalance;
  // The account is liquidatable, so MM == 0 means negative equity: health 0, not "max".
  const hf = summary.MM === 0n ? 0n : healthFactor(summary.equity, summary.MM);
  let maxRepay = debt;
  if (hf >= liq.closeFactorHfThreshold && quoteToUsd(debt, qd) > liq.smallDebtUsd) {
    const half = (debt + 1n) / 2n;
    if (quoteToUsd(debt - half, qd) > liq.smallDebtUsd) maxRepay = half;
  }
  const c = snap.collaterals.find((x) => x.token === token);
  const balance = c?.amount ?? 0n;
  if (c === undefined) return { maxRepay, repaid: 0n, seized: 0n };
  const s = seizeCollateral(min(requested, maxRepay), qd, c.decimals, c.price, c.discount, balance);
  return { maxRepay, repaid: s.repay, seized: s.seized };
}

export function bitsOf(mask: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; mask >> BigInt(i) !== 0n; i++) if ((mask >> BigInt(i)) & 1n) out.push(i);
  return out;
}

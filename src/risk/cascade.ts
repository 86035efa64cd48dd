/** The liquidation cascade on top of an instant price gap (shocks.ts).
 *
 *  After the gap, in rounds until a fixed point:
 *  1. every account under maintenance at the round's prices (worst equity / MM first) has its
 *     positions closed, each by as much as the market's liquidation window still allows
 *     (`maxLiquidationPerWindow` notional per window, the window in progress at the state's
 *     block; the model's `liquidationWindowAt` / `liquidationAllowance`); what the cap does not
 *     allow stays open, waiting;
 *  2. the round's closes in a market are one flow of size F on top of the cascade's earlier flow
 *     D: they fill at `fillPrice(p0, D, F, skewScale)` (docs/math.md "Fill price", the model's
 *     function; p0 = the gapped price), and move the market's price to the marginal fill after
 *     them, `fillPrice(p0, D + F, 0, skewScale)` = p0 (1 + (D + F) / skewScale). Collateral of
 *     the market's asset moves with it. This is the liquidation flow's impact on the reference
 *     market (the protocol itself closes at the oracle: the oracle is what moves);
 *  3. the first close of an account charges the liquidation fee of a full close at the round's
 *     fill prices, within what the account can pay (as the instant gap does).
 *  When no account can be closed any more (none under maintenance, or only ones the caps hold),
 *  every account the cascade touched or that is under maintenance at the final prices is settled
 *  at the final prices: what still waits on the cap is closed at the final price (it stayed open
 *  and kept losing), a bankrupt account's debt is set against its collateral, then the fund and
 *  the pool (shocks.ts settleOutcomes). With skewScale 0 and no cap this is the instant gap. */
import {
  PlanMarket,
  UINT256_MAX,
  WAD,
  abs,
  fillPrice,
  liquidationAllowance,
  liquidationWindowAt,
  min,
  mulUp,
  positionFunding,
  toQuoteFloor,
  unrealisedPnl,
} from "../model";
import { AccountSnapshot, ProtocolView, STATUS_SETTLED } from "../chain/reader";
import { modelHealth } from "../chain/to-model";
import {
  AccountOutcome,
  Shock,
  ShockResult,
  accountOutcome,
  collateralAsset,
  evaluateShock,
  marketAsset,
  settleOutcomes,
  shockView,
} from "./shocks";
import { RiskState } from "./state";

export interface CascadeOptions {
  /** Price impact of the closes (default true); false = closes at the gapped price. */
  impact?: boolean;
  /** Round limit (default 100). */
  maxRounds?: number;
}

export interface CascadeRound {
  round: number;
  /** Accounts with a close in the round. */
  accounts: number;
  /** USD WAD closed in the round (at the round's prices before its flow). */
  notionalClosed: bigint;
  /** Prices (WAD) after the round's flow, by market id. */
  prices: bigint[];
}

export interface CascadeMarket {
  name: string;
  /** Price after the gap and after the cascade (WAD). */
  gapPrice: bigint;
  finalPrice: bigint;
  /** finalPrice / gapPrice - 1: the extra move the cascade caused. */
  extraMove: number;
  /** Size the cascade traded (signed WAD: negative = sold). */
  flow: bigint;
  /** USD WAD closed, and left open because the window cap was used up (at the final price). */
  closed: bigint;
  waiting: bigint;
}

export interface CascadeResult {
  shock: Shock;
  /** Rounds with at least one close. */
  rounds: CascadeRound[];
  /** The round limit was hit before a fixed point. */
  truncated: boolean;
  markets: CascadeMarket[];
  notionalClosed: bigint;
  notionalWaiting: bigint;
  /** Accounts the cascade closed something of; accounts still under maintenance with positions
   *  the caps keep open. */
  liquidated: number;
  waitingAccounts: number;
  /** The instant gap alone, and with the cascade (bad debt = shortfall). */
  instant: ShockResult;
  cascade: ShockResult;
}

function cloneSnap(s: AccountSnapshot): AccountSnapshot {
  return { ...s, positions: new Map([...s.positions].map(([m, p]) => [m, { ...p }])) };
}

/** The view with market prices replaced (collateral of the same asset scaled alike). */
function withPrices(base: ProtocolView, prices: readonly bigint[]): ProtocolView {
  const assets = base.markets.map((m) => marketAsset(m.name));
  const ratio = new Map<string, [bigint, bigint]>();
  base.markets.forEach((m, i) => ratio.set(assets[i] as string, [prices[i] as bigint, m.price]));
  return {
    ...base,
    markets: base.markets.map((m, i) => ({ ...m, price: prices[i] as bigint })),
    collaterals: base.collaterals.map((c) => {
      const r = ratio.get(collateralAsset(c.symbol, assets));
      return r && r[1] !== 0n ? { ...c, price: (c.price * r[0]) / r[1] } : c;
    }),
  };
}

const ratioOf = (equity: bigint, mm: bigint): bigint => (mm === 0n ? 0n : (equity * WAD) / mm);

/** The instant gap of `shock`, then the cascade (see the file comment). */
export function runCascade(
  state: RiskState,
  shock: Shock,
  opts: CascadeOptions = {},
): CascadeResult {
  const impact = opts.impact ?? true;
  const maxRounds = opts.maxRounds ?? 100;
  const gap = shockView(state.view, shock.moves);
  const qd = gap.quoteDecimals;
  const lp = state.liquidation;
  const now = state.view.timestamp;
  const n = gap.markets.length;
  const plan: PlanMarket[] = gap.markets.map((m, i) => {
    const cap = state.caps?.[i];
    return {
      params: m.params,
      state: m.state,
      price: m.price,
      settled: m.status === STATUS_SETTLED,
      maxLiquidationPerWindow: cap?.maxLiquidationPerWindow ?? 0n,
      liquidationWindow: cap?.liquidationWindow ?? 0n,
      windowStart: cap?.windowStart ?? 0n,
      liquidatedInWindow: cap?.liquidatedInWindow ?? 0n,
    };
  });
  const windows = plan.map((m) => liquidationWindowAt(m, now));
  const scale = gap.markets.map((m) =>
    !impact || m.status === STATUS_SETTLED ? 0n : m.params.skewScale,
  );
  const flow: bigint[] = new Array<bigint>(n).fill(0n);
  const closedUsd: bigint[] = new Array<bigint>(n).fill(0n);
  const prices = gap.markets.map((m) => m.price);
  const snaps = state.accounts.map(cloneSnap);
  const charged = new Map<bigint, { fee: bigint; toFund: bigint }>();
  const rounds: CascadeRound[] = [];
  let view = gap;
  let truncated = false;
  for (let round = 1; ; round++) {
    const under = snaps
      .map((s) => ({ s, h: modelHealth(s, view) }))
      .filter(({ s, h }) => h.liquidatable && s.positions.size > 0)
      .sort((a, b) => (ratioOf(a.h.equity, a.h.mm) < ratioOf(b.h.equity, b.h.mm) ? -1 : 1));
    const closes: { s: AccountSnapshot; m: number; delta: bigint }[] = [];
    const roundFlow: bigint[] = new Array<bigint>(n).fill(0n);
    let notional = 0n;
    for (const { s } of under) {
      for (const [m, pos] of s.positions) {
        const mk = { ...(plan[m] as PlanMarket), price: prices[m] as bigint };
        const allowed = min(abs(pos.size), liquidationAllowance(mk, windows[m]!, UINT256_MAX));
        if (allowed === 0n) continue;
        const delta = pos.size > 0n ? -allowed : allowed;
        const usd = mulUp(allowed, prices[m] as bigint);
        windows[m]!.liquidatedInWindow += usd;
        closedUsd[m]! += usd;
        notional += usd;
        roundFlow[m]! += delta;
        closes.push({ s, m, delta });
      }
    }
    if (closes.length === 0) break;
    if (round > maxRounds) {
      truncated = true;
      break;
    }
    const fills = gap.markets.map((mk, m) =>
      fillPrice(mk.price, flow[m] as bigint, roundFlow[m] as bigint, scale[m] as bigint),
    );
    const fillView = withPrices(gap, fills);
    // Fees: a full close's, once per account, at the round's fills, before anything moves.
    for (const s of new Set(closes.map((c) => c.s))) {
      if (charged.has(s.id)) continue;
      const o = accountOutcome(s, fillView, lp);
      charged.set(s.id, { fee: o.fee, toFund: o.toFund });
      s.quoteBalance -= o.fee;
    }
    for (const { s, m, delta } of closes) {
      const pos = s.positions.get(m)!;
      const part = { ...pos, size: -delta };
      const mv = gap.markets[m]!;
      s.quoteBalance += toQuoteFloor(
        unrealisedPnl(part, fills[m] as bigint) - positionFunding(part, mv.indexNow),
        qd,
      );
      const left = pos.size + delta;
      if (left === 0n) s.positions.delete(m);
      else s.positions.set(m, { ...pos, size: left });
    }
    for (let m = 0; m < n; m++) {
      flow[m]! += roundFlow[m] as bigint;
      const p = fillPrice(gap.markets[m]!.price, flow[m] as bigint, 0n, scale[m] as bigint);
      prices[m] = p > 0n ? p : 1n;
    }
    view = withPrices(gap, prices);
    rounds.push({
      round,
      accounts: new Set(closes.map((c) => c.s.id)).size,
      notionalClosed: notional,
      prices: [...prices],
    });
  }
  // Settlement at the final prices.
  const waitingUsd: bigint[] = new Array<bigint>(n).fill(0n);
  let waitingAccounts = 0;
  const outcomes: AccountOutcome[] = snaps.map((s, k) => {
    const h = modelHealth(s, view);
    const c = charged.get(s.id);
    if (h.liquidatable && s.positions.size > 0) {
      waitingAccounts++;
      for (const [m, pos] of s.positions) waitingUsd[m]! += mulUp(abs(pos.size), prices[m]!);
    }
    if (!c && !h.liquidatable) return accountOutcome(s, view, lp); // not under maintenance
    const o = accountOutcome(s, view, lp, { chargeFee: c === undefined });
    const gapHealth = modelHealth(state.accounts[k] as AccountSnapshot, gap);
    return {
      ...o,
      equity: gapHealth.equity,
      mm: gapHealth.mm,
      underMaintenance: true,
      fee: o.fee + (c?.fee ?? 0n),
      toFund: o.toFund + (c?.toFund ?? 0n),
    };
  });
  const cascade = settleOutcomes(state, view, shock, outcomes);
  return {
    shock,
    rounds,
    truncated,
    markets: gap.markets.map((m, i) => ({
      name: m.name,
      gapPrice: m.price,
      finalPrice: prices[i] as bigint,
      extraMove: Number(((prices[i] as bigint) * 10n ** 12n) / m.price) / 1e12 - 1,
      flow: flow[i] as bigint,
      closed: closedUsd[i] as bigint,
      waiting: waitingUsd[i] as bigint,
    })),
    notionalClosed: closedUsd.reduce((a, b) => a + b, 0n),
    notionalWaiting: waitingUsd.reduce((a, b) => a + b, 0n),
    liquidated: charged.size,
    waitingAccounts,
    instant: evaluateShock(state, shock),
    cascade,
  };
}

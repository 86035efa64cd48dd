/** Price-shock scenarios evaluated with the independent TypeScript margin model (src/model):
 *  every price moves at once (per asset or correlated), and for each scenario we report which
 *  accounts fall under maintenance, which would end bankrupt once liquidated, the total
 *  shortfall, how much the insurance fund covers and what would be socialised to the pool.
 *
 *  Per account at the shocked prices (funding index as of now):
 *  - under maintenance iff model equity < MM;
 *  - a liquidation closes positions at the oracle price and charges the fund's penalty, then
 *    the keeper's reward, within what the account can pay (docs/math.md, Liquidation);
 *  - if the account's weighted equity is negative once everything is closed, the fund buys
 *    its collateral at the discounted price for the debt; only debt no collateral backs is a
 *    shortfall (LiquidationLogic._settleDebt);
 *  - covered = what the fund (seed plus penalties, less purchases) pays of the shortfall;
 *    socialised = the rest (the LPs' share price falls).
 *  Accounts that can be brought back above maintenance by a partial liquidation leave no
 *  shortfall. This is the instant gap: liquidation-window caps and the price impact of the
 *  liquidations are modelled by the cascade (cascade.ts) on top of it. */
import {
  SaleCollateral,
  WAD,
  chargeSplit,
  liquidationPenalty,
  maxTakerFee,
  positionFunding,
  positionMargin,
  poolValue,
  quoteToUsd,
  settleDebt,
  toQuoteCeil,
  toQuoteFloor,
  unrealisedPnl,
  windowRewardUsd,
} from "../model";
import { AccountSnapshot, ProtocolView, STATUS_SETTLED } from "../chain/reader";
import { modelHealth, toModelAccount, weightedEquity } from "../chain/to-model";
import { LiquidationParams, RiskState } from "./state";

/** Relative move per asset (e.g. { ETH: -0.3 }); unlisted assets do not move. */
export type Moves = Record<string, number>;

export interface Shock {
  label: string;
  moves: Moves;
}

/** "ETH-PERP" -> "ETH". */
export function marketAsset(name: string): string {
  return name.replace(/-PERP$/i, "").toUpperCase();
}

/** "WETH" -> "ETH" when ETH is a market asset; otherwise the symbol itself. */
export function collateralAsset(symbol: string, assets: readonly string[]): string {
  const s = symbol.toUpperCase();
  if (assets.includes(s)) return s;
  if (s.startsWith("W") && assets.includes(s.slice(1))) return s.slice(1);
  return s;
}

function scale(price: bigint, move: number | undefined): bigint {
  if (move === undefined || move === 0) return price;
  if (!(move > -1)) throw new RangeError(`a price cannot move by ${move * 100} %`);
  return (price * BigInt(Math.round((1 + move) * 1e9))) / 10n ** 9n;
}

/** The view with every price moved (funding indices as of now are kept). */
export function shockView(view: ProtocolView, moves: Moves): ProtocolView {
  const assets = view.markets.map((m) => marketAsset(m.name));
  return {
    ...view,
    markets: view.markets.map((m) => ({ ...m, price: scale(m.price, moves[marketAsset(m.name)]) })),
    collaterals: view.collaterals.map((c) => ({
      ...c,
      price: scale(c.price, moves[collateralAsset(c.symbol, assets)]),
    })),
  };
}

export interface AccountOutcome {
  id: bigint;
  equity: bigint;
  mm: bigint;
  underMaintenance: boolean;
  /** Negative weighted equity after a full close and the fee. */
  bankrupt: boolean;
  /** Quote debt once everything is closed and charged (0 unless bankrupt). */
  debt: bigint;
  /** Quote units no collateral backs: the loss the fund, then the pool, must cover. */
  deficit: bigint;
  /** Quote units of debt the insurance fund repays by buying the collateral (INV-29). */
  collateralSet: bigint;
  /** What a full close charges (quote units): in all, and the fund's penalty within it. */
  fee: bigint;
  toFund: bigint;
  /** USD value (unweighted) of the collateral that backs the debt. */
  seizedUsd: bigint;
  /** The collateral as the fund would buy it, in index order. */
  sale: SaleCollateral[];
}

/**
 * One account liquidated in full at the view's prices (docs/math.md, Liquidation): positions
 * closed at the oracle price, the fund's penalty then the keeper's reward charged within what the
 * account can pay, and a bankrupt account's debt set against its collateral at the discounted
 * price before anything is bad debt (`evaluateShock` runs that part with the fund's balance).
 */
export function accountOutcome(
  snap: AccountSnapshot,
  view: ProtocolView,
  lp: LiquidationParams,
  opts: { chargeFee?: boolean } = {},
): AccountOutcome {
  const h = modelHealth(snap, view);
  const out: AccountOutcome = {
    id: snap.id,
    equity: h.equity,
    mm: h.mm,
    underMaintenance: h.liquidatable,
    bankrupt: false,
    debt: 0n,
    deficit: 0n,
    collateralSet: 0n,
    fee: 0n,
    toFund: 0n,
    seizedUsd: 0n,
    sale: [],
  };
  if (!h.liquidatable) return out;
  const qd = view.quoteDecimals;
  const acct = toModelAccount(snap, view);
  let notional = 0n;
  let realised = 0n;
  let penaltyUsd = 0n;
  const takerFloor = maxTakerFee(view.markets.map((x) => x.params));
  for (const [m, position] of snap.positions) {
    const mv = view.markets[m];
    const n = positionMargin(mv.params, position.size, mv.price).notional;
    notional += n;
    penaltyUsd += liquidationPenalty({
      notional: n,
      delta: -position.size,
      price: mv.price,
      skew: mv.state.longOI - mv.state.shortOI,
      params: mv.params,
      penaltyRate: lp.penaltyRate,
      maxTakerFee: takerFloor,
      settled: mv.status === STATUS_SETTLED,
    });
    realised += toQuoteFloor(
      unrealisedPnl(position, mv.price) - positionFunding(position, mv.indexNow),
      qd,
    );
  }
  if (notional !== 0n && opts.chargeFee !== false) {
    const unit = quoteToUsd(1n, qd);
    const canPay = h.equity - BigInt(snap.positions.size) * unit;
    const cap = canPay > 0n ? canPay / unit : 0n;
    const reward = toQuoteCeil(windowRewardUsd(notional, true, lp), qd);
    const split = chargeSplit(toQuoteCeil(penaltyUsd, qd), reward, cap);
    out.toFund = split.toFund;
    out.fee = split.toFund + split.reward;
  }
  const quoteAfter = snap.quoteBalance + realised - out.fee;
  const weightedAfter = weightedEquity(acct, quoteAfter);
  if (weightedAfter < 0n && quoteAfter < 0n) {
    out.bankrupt = true;
    out.debt = -quoteAfter;
    const byToken = new Map(view.collaterals.map((c) => [c.token, c]));
    const held = [...snap.collaterals]
      .map(([token, amount]) => ({ c: byToken.get(token)!, amount }))
      .sort((x, y) => x.c.index - y.c.index);
    out.sale = held.map(({ c, amount }) => ({
      amount,
      decimals: c.decimals,
      price: c.price,
      discount: c.liquidationDiscount,
    }));
    for (const { c, amount } of held)
      out.seizedUsd += (amount * c.price) / 10n ** BigInt(c.decimals);
    // With an unlimited fund: how much of the debt the collateral repays, what is left.
    const full = settleDebt(out.sale, quoteAfter, out.debt, qd);
    out.collateralSet = full.fundPaid - full.covered;
    out.deficit = full.deficit;
  }
  return out;
}

export interface ShockResult {
  shock: Shock;
  accounts: number;
  underMaintenance: number;
  bankrupt: number;
  /** Quote units: debt no collateral backs. */
  shortfall: bigint;
  /** Quote units of debt repaid by the fund buying collateral (not a loss). */
  collateralSet: bigint;
  covered: bigint;
  socialised: bigint;
  liquidationFees: bigint;
  /** Quote units of penalties paid into the insurance fund. */
  fundInflow: bigint;
  /** USD WAD. */
  seizedUsd: bigint;
  /** Pool value (quote units) at the shocked prices, before and after the socialised loss. */
  poolValueNow: bigint;
  poolValueShocked: bigint;
  /** Accounts under maintenance, largest deficit first, then smallest equity / MM. */
  worst: AccountOutcome[];
}

/**
 * Every account under maintenance liquidated in full, one after the other, with the fund's
 * balance carried through: penalties fill it, collateral purchases and covered deficits draw it.
 * Debt left on an account whose collateral the fund could not afford is not a loss yet (keepers
 * take that collateral through `liquidateCollateral`); it is counted as set against collateral.
 */
export function evaluateShock(state: RiskState, shock: Shock): ShockResult {
  const view = shockView(state.view, shock.moves);
  const outcomes = state.accounts.map((a) => accountOutcome(a, view, state.liquidation));
  return settleOutcomes(state, view, shock, outcomes);
}

/** The fund carried through the outcomes of the accounts under maintenance, in order (see
 *  {@link evaluateShock}); `view` holds the prices the pool is valued at. */
export function settleOutcomes(
  state: RiskState,
  view: ProtocolView,
  shock: Shock,
  outcomes: AccountOutcome[],
): ShockResult {
  const under = outcomes.filter((o) => o.underMaintenance);
  const qd = view.quoteDecimals;
  let fund = state.insuranceFund;
  let shortfall = 0n;
  let covered = 0n;
  let fees = 0n;
  let toFund = 0n;
  let seized = 0n;
  let collateralSet = 0n;
  for (const o of under) {
    fees += o.fee;
    toFund += o.toFund;
    fund += o.toFund;
    seized += o.seizedUsd;
    if (!o.bankrupt) continue;
    const r = settleDebt(o.sale, -o.debt, fund, qd);
    fund -= r.fundPaid;
    shortfall += r.deficit;
    covered += r.covered;
    collateralSet += o.debt - r.deficit;
  }
  const pv = (v: ProtocolView): bigint =>
    poolValue(
      state.poolBalance,
      v.markets.map((m) => ({
        state: m.state,
        price: m.price,
        indexNow: m.indexNow,
        skewScale: m.status === 4 ? 0n : m.params.skewScale, // INV-44; 4 = Settled
      })),
      v.quoteDecimals,
    );
  const ratio = (o: AccountOutcome): bigint => (o.mm === 0n ? 0n : (o.equity * WAD) / o.mm);
  return {
    shock,
    accounts: outcomes.length,
    underMaintenance: under.length,
    bankrupt: under.filter((o) => o.bankrupt).length,
    shortfall,
    collateralSet,
    covered,
    socialised: shortfall - covered,
    liquidationFees: fees,
    fundInflow: toFund,
    seizedUsd: seized,
    poolValueNow: pv(state.view),
    // A lower bound (INV-44): liquidations close at the oracle and leave the impact premium of
    // the skew they close with the pool, at most the premium `pv(view)` already leaves out.
    poolValueShocked: pv(view) - (shortfall - covered),
    worst: under
      .sort((a, b) =>
        a.deficit !== b.deficit ? (b.deficit > a.deficit ? 1 : -1) : ratio(a) < ratio(b) ? -1 : 1,
      )
      .slice(0, 10),
  };
}

export const DEFAULT_MOVES = [-0.5, -0.4, -0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.4, 0.5];

export interface ShockGrid {
  title: string;
  xLabel?: string;
  yLabel?: string;
  rows: string[];
  cols: string[];
  shocks: Shock[][];
}

const pct = (m: number): string => `${m > 0 ? "+" : ""}${Math.round(m * 100)}%`;

/** Rows: each asset alone, all together (correlated), and the first two assets in opposite
 *  directions (a hedge breaking); columns: the moves. */
export function familyGrid(assets: readonly string[], moves = DEFAULT_MOVES): ShockGrid {
  const rows: { name: string; f: (m: number) => Moves }[] = assets.map((a) => ({
    name: `${a} only`,
    f: (m) => ({ [a]: m }),
  }));
  rows.push({
    name: "all together",
    f: (m) => Object.fromEntries(assets.map((a) => [a, m])),
  });
  if (assets.length >= 2) {
    const [a, b] = assets as [string, string];
    rows.push({
      name: `${a} vs ${b}`,
      f: (m) => Object.fromEntries(assets.map((x) => [x, x === b ? -m : m])),
    });
  }
  return {
    title: "Shock families",
    xLabel: "price move",
    rows: rows.map((r) => r.name),
    cols: moves.map(pct),
    shocks: rows.map((r) => moves.map((m) => ({ label: `${r.name} ${pct(m)}`, moves: r.f(m) }))),
  };
}

/** Two-asset grid: `a` moves by the row, `b` by the column; `follow` assets move with `a`. */
export function pairGrid(
  a: string,
  b: string,
  follow: readonly string[] = [],
  moves = DEFAULT_MOVES,
): ShockGrid {
  return {
    title: `${a} x ${b}${follow.length ? ` (${follow.join(", ")} with ${a})` : ""}`,
    xLabel: `${b} move`,
    yLabel: `${a} move`,
    rows: [...moves].reverse().map(pct),
    cols: moves.map(pct),
    shocks: [...moves].reverse().map((ma) =>
      moves.map((mb) => ({
        label: `${a} ${pct(ma)}, ${b} ${pct(mb)}`,
        moves: { [a]: ma, [b]: mb, ...Object.fromEntries(follow.map((f) => [f, ma])) },
      })),
    ),
  };
}

export function evaluateGrid(state: RiskState, grid: ShockGrid): ShockResult[][] {
  return grid.shocks.map((row) => row.map((s) => evaluateShock(state, s)));
}

/** Model USD figures as numbers (for tables). */
export function usdOf(quoteUnits: bigint, quoteDecimals: number): number {
  return Number(quoteToUsd(quoteUnits, quoteDecimals)) / 1e18;
}

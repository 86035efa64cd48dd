/** Price-shock scenarios evaluated with the independent TypeScript margin model (src/model):
 *  every price moves at once (per asset or correlated), and for each scenario we report which
 *  accounts fall under maintenance, which would end bankrupt once liquidated, the total
 *  shortfall, how much the insurance fund covers and what would be socialised to the pool.
 *
 *  Per account at the shocked prices (funding index as of now):
 *  - under maintenance iff model equity < MM;
 *  - a liquidation closes positions at the oracle price and charges
 *    `fee = max(notional * feeRate, minKeeperReward)` (capped keeper share, rest to the fund);
 *    if the account's weighted equity is negative once everything is closed and the fee paid,
 *    the engine seizes its collateral for the fund and its negative quote balance is the
 *    shortfall (docs/math.md, Liquidation; LiquidationLogic._settleBadDebt);
 *  - shortfall = sum of those deficits; covered = min(shortfall, insurance fund + the fund's
 *    share of the liquidation fees); socialised = the rest (the LPs' share price falls).
 *  Accounts that can be brought back above maintenance by a partial liquidation leave no
 *  shortfall. Liquidation-window caps and price impact of the liquidations are not modelled. */
import {
  WAD,
  max,
  min,
  mulUp,
  positionFunding,
  positionMargin,
  poolValue,
  quoteToUsd,
  toQuoteCeil,
  toQuoteFloor,
  unrealisedPnl,
  weightedCollateral,
} from "../model";
import { AccountSnapshot, ProtocolView, modelHealth, toModelAccount } from "./state";

export interface LiquidationParams {
  feeRate: bigint;
  buffer: bigint;
  minKeeperReward: bigint;
  maxKeeperReward: bigint;
}

/** What the risk tool evaluates: one consistent state. */
export interface RiskState {
  view: ProtocolView;
  accounts: AccountSnapshot[];
  /** Quote units. */
  insuranceFund: bigint;
  poolBalance: bigint;
  liquidation: LiquidationParams;
}

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
  /** Quote units the insurance fund / pool must cover (0 unless bankrupt). */
  deficit: bigint;
  /** Liquidation fee of a full close (quote units), its insurance share. */
  fee: bigint;
  toFund: bigint;
  /** USD value (unweighted) of the collateral the fund would take. */
  seizedUsd: bigint;
}

export function accountOutcome(
  snap: AccountSnapshot,
  view: ProtocolView,
  lp: LiquidationParams,
): AccountOutcome {
  const h = modelHealth(snap, view);
  const out: AccountOutcome = {
    id: snap.id,
    equity: h.equity,
    mm: h.mm,
    underMaintenance: h.liquidatable,
    bankrupt: false,
    deficit: 0n,
    fee: 0n,
    toFund: 0n,
    seizedUsd: 0n,
  };
  if (!h.liquidatable) return out;
  const qd = view.quoteDecimals;
  const acct = toModelAccount(snap, view);
  let notional = 0n;
  let realised = 0n;
  for (const p of acct.positions) {
    notional += positionMargin(p.params, p.position.size, p.price).notional;
    realised += toQuoteFloor(
      unrealisedPnl(p.position, p.price) - positionFunding(p.position, p.indexNow),
      qd,
    );
  }
  const feeUsd = notional === 0n ? 0n : max(mulUp(notional, lp.feeRate), lp.minKeeperReward);
  out.fee = toQuoteCeil(feeUsd, qd);
  out.toFund = out.fee - min(out.fee, toQuoteCeil(lp.maxKeeperReward, qd));
  const quoteAfter = snap.quoteBalance + realised - out.fee;
  const weightedAfter = weightedCollateral({ ...acct, quoteBalance: quoteAfter, positions: [] });
  if (weightedAfter < 0n) {
    out.bankrupt = true;
    out.deficit = quoteAfter < 0n ? -quoteAfter : 0n;
    for (const c of acct.collaterals)
      out.seizedUsd += (c.amount * c.price) / 10n ** BigInt(c.decimals);
  }
  return out;
}

export interface ShockResult {
  shock: Shock;
  accounts: number;
  underMaintenance: number;
  bankrupt: number;
  /** Quote units. */
  shortfall: bigint;
  covered: bigint;
  socialised: bigint;
  liquidationFees: bigint;
  /** USD WAD. */
  seizedUsd: bigint;
  /** Pool value (quote units) at the shocked prices, before and after the socialised loss. */
  poolValueNow: bigint;
  poolValueShocked: bigint;
  /** Accounts under maintenance, largest deficit first, then smallest equity / MM. */
  worst: AccountOutcome[];
}

export function evaluateShock(state: RiskState, shock: Shock): ShockResult {
  const view = shockView(state.view, shock.moves);
  const outcomes = state.accounts.map((a) => accountOutcome(a, view, state.liquidation));
  const under = outcomes.filter((o) => o.underMaintenance);
  let shortfall = 0n;
  let fees = 0n;
  let toFund = 0n;
  let seized = 0n;
  for (const o of under) {
    shortfall += o.deficit;
    fees += o.fee;
    toFund += o.toFund;
    seized += o.seizedUsd;
  }
  const covered = min(shortfall, state.insuranceFund + toFund);
  const pv = (v: ProtocolView): bigint =>
    poolValue(
      state.poolBalance,
      v.markets.map((m) => ({ state: m.state, price: m.price, indexNow: m.indexNow })),
      v.quoteDecimals,
    );
  const ratio = (o: AccountOutcome): bigint => (o.mm === 0n ? 0n : (o.equity * WAD) / o.mm);
  return {
    shock,
    accounts: outcomes.length,
    underMaintenance: under.length,
    bankrupt: under.filter((o) => o.bankrupt).length,
    shortfall,
    covered,
    socialised: shortfall - covered,
    liquidationFees: fees,
    seizedUsd: seized,
    poolValueNow: pv(state.view),
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

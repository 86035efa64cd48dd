/**
 * The raw state a liquidation is modelled from (positions, market aggregates, balances, risk
 * parameters, offset pairs, oracle answers) and the account's health by the risk model at a
 * given time: what test/helpers/liquidationModel.ts turns into the model's inputs.
 */
import {
  Account,
  CollateralRisk,
  MarketParams,
  MarketState,
  OffsetPair,
  Position,
  PositionMargin,
  RiskAccount,
  RiskHealth,
  accrueFunding,
  positionMargin,
  riskHealth,
  unrealisedPnl,
} from "../../src/model";
import { SETTLED, collateralRiskOf } from "./liquidationCharges";
import { LiquidationParams } from "../../src/keeper/indexer";

/** Protocol-wide liquidation parameters (USD / ratios in WAD): the keeper's own type. */
export type LiqParams = LiquidationParams;

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
  /** The maintenance weight (what equity counts below the size threshold). */
  weight: bigint;
  discount: bigint;
  /** Both weights and the size haircut; without it, `weight` for both and no haircut. */
  risk?: CollateralRisk;
}

/** Raw state of one account and of every market, before the call. */
export interface Snap {
  account: bigint;
  quoteDecimals: number;
  quoteBalance: bigint;
  collaterals: CollateralSnap[];
  positions: { marketId: number; position: Position }[];
  /** The account's liquidation window (engine.getAccountLiquidation). */
  window: AccountWindow;
  orderMask: bigint;
  /** Initial margin the pending orders reserve (USD WAD, keeper fees included). */
  ordersIm?: bigint;
  /** Declared offset pairs (`getOffsetPair`, active ones); none if absent. */
  pairs?: OffsetPair[];
  markets: MarketSnap[];
  /** The vault's quote less the penalties it holds for the fund, and the fund's quote plus
   *  those penalties (INV-70). */
  engineQuote: bigint;
  fundQuote: bigint;
}

/** Per-account liquidation window (docs/math.md, "Liquidation"). */
export interface AccountWindow {
  start: bigint;
  notionalClosed: bigint;
  rewardPaid: bigint;
  collateralStart: bigint;
  debtAtStart: bigint;
  repaid: bigint;
}

/** Funding index of a market at `now` (a settled market's index is frozen). */
export function indexAt(m: MarketSnap, now: bigint): bigint {
  if (m.status === SETTLED) return m.state.fundingIndex;
  return accrueFunding(m.state, m.params, m.price, now).indexNow;
}

/**
 * The base margin model's view of the account at `now` (`marginSummary`: one weight per
 * collateral, no size haircut, no offset credits, no collateral IM); see {@link healthAt} for
 * the risk model the engine values accounts with.
 */
export function accountAt(snap: Snap, now: bigint, staleTokens: string[] = []): Account {
  return {
    quoteBalance: snap.quoteBalance,
    quoteDecimals: snap.quoteDecimals,
    // INV-34: for the liquidation decision a stale collateral counts at half its weight.
    collaterals: snap.collaterals.map((c) => ({
      ...c,
      weight: staleTokens.includes(c.token) ? c.weight / 2n : c.weight,
    })),
    positions: snap.positions.map(({ marketId, position }) => {
      const m = snap.markets[marketId];
      return { params: m.params, position, price: m.price, indexNow: indexAt(m, now) };
    }),
  };
}

/** The risk model's view of the account at `now` (docs/math.md, "Risk model"). */
export function riskAccountAt(snap: Snap, now: bigint): RiskAccount {
  return {
    quoteBalance: snap.quoteBalance,
    quoteDecimals: snap.quoteDecimals,
    collaterals: snap.collaterals.map((c) => ({
      amount: c.amount,
      decimals: c.decimals,
      price: c.price,
      risk: collateralRiskOf(c),
    })),
    positions: snap.positions.map(({ marketId, position }) => {
      const m = snap.markets[marketId];
      return { marketId, params: m.params, position, price: m.price, indexNow: indexAt(m, now) };
    }),
    pairs: snap.pairs ?? [],
    ordersIm: snap.ordersIm ?? 0n,
  };
}

/** {@link riskHealth} with the figures the liquidation tests read, in `marginSummary` terms. */
export interface LiquidationHealth extends RiskHealth {
  /** Same as `im` and `mm`. */
  IM: bigint;
  MM: bigint;
  /** Requirements of each position (in `snap.positions` order), before any pair credit. */
  positions: PositionMargin[];
  /** Sum of the positions' unrealised PnL at the oracle. */
  upnl: bigint;
  /** `equity < MM`. */
  isLiquidatable: boolean;
}

/**
 * The account's health at `now` as the liquidation rule values it (`liquidationHealth`: stale
 * collaterals in `staleTokens` at half weight, INV-34) with the risk model.
 */
export function healthAt(snap: Snap, now: bigint, staleTokens: string[] = []): LiquidationHealth {
  const account = riskAccountAt(snap, now);
  const stale = snap.collaterals.map((c) => staleTokens.includes(c.token));
  const h = riskHealth(account, { stale });
  let upnl = 0n;
  const positions = account.positions.map((p) => {
    upnl += unrealisedPnl(p.position, p.price);
    return positionMargin(p.params, p.position.size, p.price);
  });
  return { ...h, IM: h.im, MM: h.mm, positions, upnl, isLiquidatable: h.equity < h.mm };
}

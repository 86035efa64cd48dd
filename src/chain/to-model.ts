/** An account read from the chain (reader.ts) in the model's terms: its `RiskAccount` at the
 *  prices of a `ProtocolView` (positions with their markets, collaterals with their risk
 *  parameters, offset pairs, the IM its pending orders reserve), and its equity, IM and MM by the
 *  TypeScript risk model (docs/math.md, "Risk model"). */
import {
  CollateralRisk,
  RiskAccount,
  collateralWeights,
  positionFunding,
  quoteToUsd,
  riskHealth,
  unrealisedPnl,
} from "../model";
import { AccountSnapshot, ProtocolView } from "./reader";

/** The fields of a collateral's configuration the risk model reads (USD and ratios in WAD). */
export interface CollateralRiskFields {
  initialWeight: bigint;
  maintenanceWeight: bigint;
  sizeThreshold: bigint;
  sizeFactor: bigint;
  weightFloor: bigint;
}

/** A collateral's risk parameters as the model takes them (docs/math.md, "Collateral
 *  weights"), copied out of a configuration read from chain (or any object with those fields). */
export function toCollateralRisk(c: CollateralRiskFields): CollateralRisk {
  return {
    initialWeight: c.initialWeight,
    maintenanceWeight: c.maintenanceWeight,
    sizeThreshold: c.sizeThreshold,
    sizeFactor: c.sizeFactor,
    weightFloor: c.weightFloor,
  };
}

/** The model's view of an account at the prices in `view` (positions in every market it holds,
 *  its collaterals with their risk parameters, the offset pairs and its orders' IM). */
export function toModelAccount(snap: AccountSnapshot, view: ProtocolView): RiskAccount {
  const byToken = new Map(view.collaterals.map((c) => [c.token, c]));
  return {
    quoteBalance: snap.quoteBalance,
    quoteDecimals: view.quoteDecimals,
    collaterals: [...snap.collaterals].map(([token, amount]) => {
      const c = byToken.get(token);
      if (!c) throw new Error(`account ${snap.id} holds unlisted token ${token}`);
      return { amount, decimals: c.decimals, price: c.price, risk: c.risk };
    }),
    positions: [...snap.positions].map(([m, position]) => {
      const mv = view.markets[m];
      if (!mv) throw new Error(`account ${snap.id} has a position in unknown market ${m}`);
      return {
        marketId: m,
        params: mv.params,
        position,
        price: mv.price,
        indexNow: mv.indexNow,
        funding: { state: mv.state, now: view.timestamp },
      };
    }),
    pairs: view.pairs,
    ordersIm: orderReserveUsd(snap, view.quoteDecimals),
  };
}

/** Initial margin that pending orders reserve (USD WAD), as the engine adds it to IM. */
export function orderReserveUsd(snap: AccountSnapshot, quoteDecimals: number): bigint {
  const scale = 10n ** BigInt(18 - quoteDecimals);
  let total = 0n;
  for (const o of snap.orders.values()) total += o.reserveUsd + o.keeperFee * scale;
  return total;
}

/** Quote balance plus maintenance-weighted collateral (USD WAD), positions left out. */
export function weightedEquity(acct: RiskAccount, quoteBalance = acct.quoteBalance): bigint {
  let v = quoteToUsd(quoteBalance, acct.quoteDecimals);
  for (const c of acct.collaterals) v += collateralWeights(c, c.risk).weightedUsd;
  return v;
}

export interface ModelHealth {
  equity: bigint;
  im: bigint;
  mm: bigint;
  liquidatable: boolean;
  /** Open PnL less funding owed, over the account's positions (USD WAD). */
  openPnl: bigint;
}

/** Equity / IM / MM of an account by the TypeScript risk model (IM includes order reserves,
 *  the collateral's initial-weight term and the offset credits; docs/math.md, "Risk model"). */
export function modelHealth(snap: AccountSnapshot, view: ProtocolView): ModelHealth {
  const acct = toModelAccount(snap, view);
  const h = riskHealth(acct);
  let openPnl = 0n;
  for (const p of acct.positions)
    openPnl += unrealisedPnl(p.position, p.price) - positionFunding(p.position, p.indexNow);
  return { equity: h.equity, im: h.im, mm: h.mm, liquidatable: h.equity < h.mm, openPnl };
}

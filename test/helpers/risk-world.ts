/**
 * Chain -> risk model bridge (docs/math.md, "Risk model"): reads the *inputs* of an account's
 * health from the chain (quote balance, collaterals with their feed prices and risk parameters,
 * positions with their markets' parameters and funding state, pending orders' reserved IM,
 * the offset pairs the markets belong to) into the model's `RiskAccount`, so that every
 * expected figure (health, shocked health, views, top-ups) comes from src/model.
 * Markets are read with model-world.ts (`readMarket`, `fundingAt`). On a `World`: what-ifs
 * (`riskAccountIf`, `healthIf`), the price where the margin gap crosses a target (`priceAtGap`),
 * and the engine's health views checked against the model (`expectAccountRisk`).
 */
import { expect } from "chai";
import { toCollateralRisk } from "../../src/chain/to-model";
import { ContractRunner } from "ethers";
import {
  ICrossmarginRisk,
  ICrossmarginRisk__factory,
  MockV3Aggregator__factory,
} from "../../typechain-types";
import * as M from "../../src/model";
import { System } from "./fixture";
import {
  MarketView,
  World,
  feedPrice,
  fundingAt,
  latest,
  readMarket,
  readOffsetPairs,
} from "./model-world";
import { FEED_UNIT } from "./trading";
import { MarketStatus } from "../../src/common";

export { readOffsetPairs };

/** The risk module's entry points, called at the engine's address. */
export async function riskAt(sys: System, runner?: ContractRunner): Promise<ICrossmarginRisk> {
  return ICrossmarginRisk__factory.connect(
    await sys.engine.getAddress(),
    runner ?? sys.engine.runner,
  );
}

/** An account's state read from the chain, as the risk model values it at `now`. */
export interface RiskSnapshot {
  account: bigint;
  /** Unix seconds the funding accrues to (the block the figures are for). */
  now: bigint;
  model: M.RiskAccount;
  /** Token address of each `model.collaterals[i]` (index order, as the engine sums them). */
  tokens: string[];
  /** Per `model.collaterals[i]`: its feed is past its heartbeat at `now` (INV-34). */
  staleCollaterals: boolean[];
  /** Every market read (by id), for callers that need more than the positions. */
  markets: MarketView[];
}

/**
 * Reads `account` at time `now` (default: the latest block, where `eth_call` views run).
 * Positions carry their market's funding state so that a shock recomputes the funding index
 * at the shocked price; a settled market is valued at its settlement price with its frozen
 * index and no recomputation.
 */
export async function readRisk(
  sys: System,
  account: bigint,
  now?: bigint,
  pairs?: M.OffsetPair[],
): Promise<RiskSnapshot> {
  const { engine } = sys;
  const at = now ?? (await latest());
  const quoteDecimals = sys.record.quote.decimals;
  const a = await engine.getAccount(account);
  const n = Number(await engine.marketCount());
  const markets: MarketView[] = [];
  for (let id = 0; id < n; id++) markets.push(await readMarket(sys, id));

  const collaterals: M.RiskCollateral[] = [];
  const tokens: string[] = [];
  const staleCollaterals: boolean[] = [];
  const listed = await engine.collateralTokens();
  for (let i = 0; i < listed.length; i++) {
    if (((a.collateralMask >> BigInt(i)) & 1n) === 0n) continue;
    const token = listed[i];
    const c = await engine.getCollateral(token);
    const [, , , updatedAt] = await MockV3Aggregator__factory.connect(
      c.feed,
      engine.runner,
    ).latestRoundData();
    collaterals.push({
      amount: await engine.collateralBalance(account, token),
      decimals: Number(c.tokenDecimals),
      price: await feedPrice(sys, c.feed, c.feedDecimals),
      risk: toCollateralRisk(c),
    });
    tokens.push(token);
    staleCollaterals.push(at - updatedAt > c.heartbeat);
  }

  const positions: M.RiskPosition[] = [];
  for (const m of markets) {
    if (((a.marketMask >> BigInt(m.id)) & 1n) === 0n) continue;
    const p = await engine.getPosition(account, m.id);
    const settled = m.status === MarketStatus.Settled;
    positions.push({
      marketId: m.id,
      params: m.params,
      position: { size: p.size, entryPrice: p.entryPrice, fundingIndex: p.fundingIndex },
      price: m.price,
      indexNow: fundingAt(m, at).indexNow,
      funding: settled ? undefined : { state: m.state, now: at },
    });
  }

  let ordersIm = 0n;
  for (let id = 0; id < n; id++) {
    if (((a.orderMask >> BigInt(id)) & 1n) === 0n) continue;
    const o = await engine.getOrder(account, id);
    ordersIm += o.reserveUsd + M.quoteToUsd(o.keeperFee, quoteDecimals);
  }

  return {
    account,
    now: at,
    tokens,
    staleCollaterals,
    markets,
    model: {
      quoteBalance: a.quoteBalance,
      quoteDecimals,
      collaterals,
      positions,
      pairs: pairs ?? (await readOffsetPairs(sys)),
      ordersIm,
    },
  };
}

/** The model account of `account` at `now` (see {@link readRisk}). */
export async function readRiskAccount(
  sys: System,
  account: bigint,
  now?: bigint,
): Promise<M.RiskAccount> {
  return (await readRisk(sys, account, now)).model;
}

/** Changes to an account read into a {@link World}: other prices, amounts withdrawn. */
export interface WhatIf {
  /** A market's price (WAD); its funding index accrues at that price. */
  marketPrice?: [marketId: number, price: bigint];
  /** A collateral's price (WAD). */
  collateralPrice?: [token: string, price: bigint];
  /** Quote units taken from the quote balance. */
  quoteWithdrawn?: bigint;
  /** An amount of a collateral taken from the balance (a balance taken in full is dropped). */
  withdrawn?: [token: string, amount: bigint];
}

/** `w.riskAccount(account, now)` with the changes of `x` applied. */
export function riskAccountIf(
  w: World,
  account: bigint,
  now: bigint,
  x: WhatIf = {},
): M.RiskAccount {
  const acc = w.riskAccount(account, now);
  const tokens = w.account(account).collaterals.map((c) => c.token);
  const collaterals = acc.collaterals.map((c, i) => ({
    ...c,
    amount: c.amount - (x.withdrawn?.[0] === tokens[i] ? x.withdrawn[1] : 0n),
    price: x.collateralPrice?.[0] === tokens[i] ? x.collateralPrice[1] : c.price,
  }));
  const positions = acc.positions.map((p) => {
    if (x.marketPrice?.[0] !== p.marketId) return p;
    const price = x.marketPrice[1];
    return { ...p, price, indexNow: fundingAt({ ...w.markets[p.marketId], price }, now).indexNow };
  });
  return {
    ...acc,
    quoteBalance: acc.quoteBalance - (x.quoteWithdrawn ?? 0n),
    collaterals: collaterals.filter((c) => c.amount > 0n),
    positions,
  };
}

/** The risk model's health of {@link riskAccountIf}. */
export function healthIf(w: World, account: bigint, now: bigint, x: WhatIf = {}): M.RiskHealth {
  return M.riskHealth(riskAccountIf(w, account, now, x));
}

/**
 * Asserts `accountHealth`, `accountRisk` and `isLiquidatable` equal the model at the latest
 * block; returns the model's health, the account it values and the world read.
 */
export async function expectAccountRisk(sys: System, account: bigint) {
  const w = await World.read(sys, [account]);
  const acc = w.riskAccount(account, await latest());
  const m = M.riskHealth(acc);
  const h = await sys.engine.accountHealth(account);
  expect([h.equity, h.im, h.mm], "equity, IM, MM").to.deep.equal([m.equity, m.im, m.mm]);
  const r = await (await riskAt(sys)).accountRisk(account);
  expect([r.equity, r.im, r.mm], "accountRisk").to.deep.equal([m.equity, m.im, m.mm]);
  expect(await sys.engine.isLiquidatable(account), "isLiquidatable").to.equal(m.equity < m.mm);
  return { m, acc, w };
}

/** The largest `x` in [0, hi] with `ok(x)`, given `ok(0)` (bisection). */
export function largest(ok: (x: bigint) => boolean, hi: bigint): bigint {
  if (ok(hi)) return hi;
  let lo = 0n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** A price that moves against an account: a market's (against its position) or a collateral's. */
export type PriceMove = { market: number } | { collateral: string };

/**
 * The first 8-decimal price (as WAD) of `move`, going from the world's price against the
 * account, at which `equity - MM` of the model at `now` falls below `target`; one feed unit
 * back towards the world's price it is still at or above `target`. Expects the crossing above
 * one feed unit (a long or a collateral falls) or below twice the world's price (a short).
 */
export function priceAtGap(
  w: World,
  account: bigint,
  now: bigint,
  move: PriceMove,
  target: bigint,
): bigint {
  const a = w.account(account);
  const at = (p: bigint): WhatIf =>
    "market" in move
      ? { marketPrice: [move.market, p * FEED_UNIT] }
      : { collateralPrice: [move.collateral, p * FEED_UNIT] };
  const gap = (p: bigint) => {
    const h = healthIf(w, account, now, at(p));
    return h.equity - h.mm;
  };
  const from =
    "market" in move
      ? w.markets[move.market].price / FEED_UNIT
      : a.collaterals.find((c) => c.token === move.collateral)!.price / FEED_UNIT;
  const falls = !("market" in move) || w.position(account, move.market).size > 0n;
  let ok = from; // gap(ok) >= target
  let bad = falls ? 1n : from * 2n;
  expect(gap(bad), "the crossing is within reach").to.be.lt(target);
  while ((ok > bad ? ok - bad : bad - ok) > 1n) {
    const mid = (ok + bad) / 2n;
    if (gap(mid) >= target) ok = mid;
    else bad = mid;
  }
  return bad * FEED_UNIT;
}

/** Health as the engine's `accountHealth` computes it (fresh feeds). */
export function strictHealth(s: RiskSnapshot, shock?: bigint): M.RiskHealth {
  return M.riskHealth(s.model, { shock });
}

/** Health as the liquidation rule computes it (stale collateral at half weight, INV-34). */
export function liquidationHealth(s: RiskSnapshot): M.RiskHealth {
  return M.riskHealth(s.model, { stale: s.staleCollaterals });
}

/** The engine's AccountRisk view as the model computes it (INV-57). */
export function modelAccountRisk(s: RiskSnapshot) {
  const h = strictHealth(s);
  const b = M.equityBuffer(h);
  return {
    equity: h.equity,
    im: h.im,
    mm: h.mm,
    buffer: b.buffer,
    bufferRatio: b.bufferRatio,
    marginUtilisation: M.riskMarginUtilisation(h),
    shockToLiquidation: M.shockToLiquidation(s.model),
  };
}

/** An account's protection as stored (`getProtection`), with the reserve's account id. */
export interface ProtectionView {
  enabled: boolean;
  reserveSub: number;
  reserve: bigint;
  buffer: bigint;
  maxPerWindow: bigint;
  window: bigint;
  windowStart: bigint;
  usedInWindow: bigint;
}

export async function readProtection(sys: System, account: bigint): Promise<ProtectionView> {
  const p = await (await riskAt(sys)).getProtection(account);
  const reserveSub = Number(p.reserveSub);
  return {
    enabled: p.enabled,
    reserveSub,
    reserve: (account & ~0xffn) | BigInt(reserveSub),
    buffer: p.buffer,
    maxPerWindow: p.maxPerWindow,
    window: p.window,
    windowStart: p.windowStart,
    usedInWindow: p.usedInWindow,
  };
}

/** The model's top-up of `account` at `now`, with the intermediate figures the errors carry. */
export interface ModelTopUp extends M.TopUpResult {
  reserve: bigint;
  /** `usdToQuoteUp(mulUp(MM, WAD + b) - equity)` (quote units). */
  need: bigint;
  /** What the reserve can give and stay at or above its IM (quote units). */
  free: bigint;
  /** Quote units already moved in the window at `now` (0 once it has ended). */
  used: bigint;
  accountHealth: M.RiskHealth;
  reserveHealth: M.RiskHealth;
}

/**
 * What `topUp(account)` moves at time `now` by docs/math.md ("Protection by a reserve
 * sub-account"), computed with {@link M.topUpAmount} from the account's liquidation health,
 * the reserve's strict health and the stored protection and fee.
 */
export async function modelTopUp(sys: System, account: bigint, now: bigint): Promise<ModelTopUp> {
  const q = sys.record.quote.decimals;
  const p = await readProtection(sys, account);
  const pairs = await readOffsetPairs(sys);
  const accountHealth = liquidationHealth(await readRisk(sys, account, now, pairs));
  const r = await readRisk(sys, p.reserve, now, pairs);
  const reserveHealth = strictHealth(r);
  const used = now >= p.windowStart + p.window ? 0n : p.usedInWindow;
  const fee = M.toQuoteCeil(await (await riskAt(sys)).topUpFee(), q);
  const result = M.topUpAmount({
    accountHealth,
    reserveHealth,
    reserveQuoteBalance: r.model.quoteBalance,
    buffer: p.buffer,
    cap: p.maxPerWindow,
    used,
    fee,
    quoteDecimals: q,
  });
  const need = M.toQuoteCeil(M.mulUp(accountHealth.mm, M.WAD + p.buffer) - accountHealth.equity, q);
  const free = M.min(
    M.max(0n, r.model.quoteBalance),
    M.toQuoteFloor(M.max(0n, reserveHealth.equity - reserveHealth.im), q),
  );
  return { ...result, reserve: p.reserve, need, free, used, accountHealth, reserveHealth };
}

/** Simulated market participants and their decisions. Traders come in four styles:
 *  - directional: one market at a time, 2-5x, follows (or fades) recent momentum, stops and
 *    take-profits;
 *  - leveraged: the same at 8-25x (capped by the initial margin), wide or no stops;
 *  - hedged: long one market and short another with matched notionals, 3-8x per leg;
 *  - multiCollateral: margin in WETH or WBTC instead of USDC (losses become quote debt), 2-6x.
 *  Some traders use delayed orders (settled by the keeper) instead of instant trades; some top
 *  up margin when their health gets low; winners take profits out. LPs deposit into and (by request, then claim) redeem
 *  from the liquidity pool. Decisions read the account through the TypeScript margin model, so
 *  trades are sized to pass the engine's initial-margin check. */
import { MarketParams, positionMargin } from "../model";
import { AccountSnapshot } from "../chain/reader";
import { ModelHealth } from "../chain/to-model";
import { Rng } from "./random";

export type Style = "directional" | "leveraged" | "hedged" | "multiCollateral";
export const STYLES: readonly Style[] = ["directional", "leveraged", "hedged", "multiCollateral"];
const STYLE_WEIGHTS: [Style, number][] = [
  ["directional", 0.35],
  ["leveraged", 0.25],
  ["hedged", 0.2],
  ["multiCollateral", 0.2],
];
const WAD = 10n ** 18n;

export interface Trader {
  index: number;
  address: string;
  account: bigint;
  style: Style;
  /** Token its margin is in: USDC, WETH or WBTC. */
  collateral: string;
  capitalUsd: number;
  leverage: number;
  /** Probability of looking at the market in a step. */
  activity: number;
  usesOrders: boolean;
  topUp: boolean;
  /** +1 follows momentum, -1 fades it. */
  momentum: number;
  stopLoss: number;
  takeProfit: number;
  maxHoldSteps: number;
  /** Wallet balances by symbol (token units), updated as transactions succeed. */
  wallet: Record<string, bigint>;
  /** Quote + collateral value put in so far (USD), for PnL. */
  depositedUsd: number;
  withdrawnUsd: number;
  openedStep: number;
  entryEquity: number;
  liquidations: number;
}

export interface Lp {
  index: number;
  address: string;
  capitalUsd: number;
  activity: number;
  wallet: bigint;
}

/** What an agent wants to do this step. Amounts in token units, sizes in WAD. */
export type Intent =
  | { kind: "deposit"; token: string; amount: bigint }
  | { kind: "withdraw"; token: string; amount: bigint }
  | { kind: "trade"; market: number; sizeDelta: bigint; acceptablePrice: bigint; label: string }
  | { kind: "order"; market: number; sizeDelta: bigint; acceptablePrice: bigint; label: string };

export interface MarketCtx {
  id: number;
  /** Oracle price this step, WAD and as a number. */
  price: bigint;
  priceNum: number;
  params: MarketParams;
  /** Past prices up to and including this step. */
  history: readonly number[];
}

export interface TraderCtx {
  step: number;
  markets: readonly MarketCtx[];
  snapshot: AccountSnapshot;
  health: ModelHealth;
  /** USD per whole token, by symbol (USDC = 1). */
  tokenPrice: Record<string, number>;
  decimals: Record<string, number>;
  rng: Rng;
}

function pick<T>(rng: Rng, weighted: readonly [T, number][]): T {
  let u = rng.next() * weighted.reduce((a, [, w]) => a + w, 0);
  for (const [v, w] of weighted) {
    u -= w;
    if (u <= 0) return v;
  }
  return (weighted.at(-1) as [T, number])[0];
}

/** Token units of `usd` worth of a token at `price` (rounded down to 6 significant decimals). */
export function tokenAmount(usd: number, price: number, decimals: number): bigint {
  const micro = BigInt(Math.max(0, Math.floor((usd / price) * 1e6)));
  return decimals >= 6 ? micro * 10n ** BigInt(decimals - 6) : micro / 10n ** BigInt(6 - decimals);
}

const num = (x: bigint): number => Number(x) / 1e18;

export function createTraders(n: number, rng: Rng, addresses: readonly string[]): Trader[] {
  return Array.from({ length: n }, (_, index) => {
    const style = pick(rng, STYLE_WEIGHTS);
    const capitalUsd = Math.round(
      Math.min(250_000, Math.max(500, 8000 * Math.exp(rng.normal(0, 0.9)))),
    );
    const leverage =
      style === "leveraged"
        ? rng.uniform(8, 25)
        : style === "hedged"
          ? rng.uniform(3, 8)
          : style === "multiCollateral"
            ? rng.uniform(2, 6)
            : rng.uniform(2, 5);
    const collateral = style === "multiCollateral" ? (rng.next() < 0.6 ? "WETH" : "WBTC") : "USDC";
    return {
      index,
      address: addresses[index] as string,
      account: 0n,
      style,
      collateral,
      capitalUsd,
      leverage,
      activity: rng.uniform(0.04, 0.2),
      usesOrders: style === "directional" && rng.next() < 0.2,
      topUp: style !== "leveraged" && rng.next() < 0.5,
      momentum: rng.next() < 0.65 ? 1 : -1,
      stopLoss: style === "leveraged" ? rng.uniform(0.6, 1.5) : rng.uniform(0.2, 0.5),
      takeProfit: rng.uniform(0.3, 1.2),
      maxHoldSteps: Math.round(rng.uniform(12, 200)),
      wallet: {},
      depositedUsd: 0,
      withdrawnUsd: 0,
      openedStep: -1,
      entryEquity: 0,
      liquidations: 0,
    };
  });
}

export function createLps(n: number, rng: Rng, addresses: readonly string[]): Lp[] {
  return Array.from({ length: n }, (_, index) => ({
    index,
    address: addresses[index] as string,
    capitalUsd: Math.round(250_000 * Math.exp(rng.normal(0, 0.5))),
    activity: rng.uniform(0.01, 0.04),
    wallet: 0n,
  }));
}

/** Largest extra size (>= 0, WAD) in direction `dir` that keeps equity >= IM * 1.05 after the
 *  trade's fee, by the model; capped at `cap`. */
export function maxAddSize(
  health: ModelHealth,
  m: MarketCtx,
  current: bigint,
  dir: 1n | -1n,
  cap: bigint,
): bigint {
  const before = positionMargin(m.params, current, m.price).im;
  const ok = (d: bigint): boolean => {
    const after = positionMargin(m.params, current + dir * d, m.price).im;
    const fee = (d * m.price * (m.params.takerFee + 10n ** 15n)) / WAD / WAD; // fee + 0.1 % impact
    const im = health.im - before + after;
    return (health.equity - fee) * 100n >= im * 105n;
  };
  if (!ok(0n)) return 0n;
  if (ok(cap)) return cap;
  let lo = 0n;
  let hi = cap;
  for (let i = 0; i < 40 && hi - lo > 10n ** 12n; i++) {
    const mid = (lo + hi) / 2n;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

function slippage(price: bigint, buy: boolean, bps: bigint): bigint {
  return buy ? (price * (10_000n + bps)) / 10_000n : (price * (10_000n - bps)) / 10_000n;
}

function tradeIntent(
  t: Trader,
  m: MarketCtx,
  sizeDelta: bigint,
  label: string,
  delayed: boolean,
): Intent {
  const buy = sizeDelta > 0n;
  if (delayed) {
    return {
      kind: "order",
      market: m.id,
      sizeDelta,
      acceptablePrice: slippage(m.price, buy, 300n),
      label,
    };
  }
  return {
    kind: "trade",
    market: m.id,
    sizeDelta,
    acceptablePrice: slippage(m.price, buy, 100n),
    label,
  };
}

/** Rounds a size to 6 significant decimals of the base asset. */
function roundSize(size: bigint): bigint {
  const unit = 10n ** 12n;
  return (size / unit) * unit;
}

function open(t: Trader, c: TraderCtx, m: MarketCtx, dir: 1n | -1n, usd: number): Intent[] {
  const current = c.snapshot.positions.get(m.id)?.size ?? 0n;
  if (c.snapshot.orders.has(m.id)) return [];
  const want = BigInt(Math.floor((usd / m.priceNum) * 1e6)) * 10n ** 12n;
  const d = roundSize(maxAddSize(c.health, m, current, dir, want));
  if (d === 0n || num(d) * m.priceNum < 50) return [];
  const label = current === 0n ? "open" : current > 0n === dir > 0n ? "increase" : "flip";
  return [tradeIntent(t, m, dir * d, label, t.usesOrders)];
}

function closeAll(t: Trader, c: TraderCtx): Intent[] {
  const out: Intent[] = [];
  for (const [id, p] of c.snapshot.positions) {
    const m = c.markets[id] as MarketCtx;
    if (c.snapshot.orders.has(id)) continue;
    out.push(tradeIntent(t, m, -p.size, "close", false));
  }
  return out;
}

function momentumDir(t: Trader, m: MarketCtx, rng: Rng): 1n | -1n {
  const h = m.history;
  const back = h[Math.max(0, h.length - 13)] as number;
  const r = Math.log(m.priceNum / back);
  const bias = Math.max(-0.3, Math.min(0.3, r * 10)) * t.momentum;
  return rng.next() < 0.5 + bias ? 1n : -1n;
}

function chooseMarket(c: TraderCtx, exclude = -1): MarketCtx {
  const ms = c.markets.filter((m) => m.id !== exclude);
  return pick(
    c.rng,
    ms.map((m) => [m, m.id === 0 ? 0.45 : m.id === 1 ? 0.35 : 0.2] as [MarketCtx, number]),
  );
}

function equityUsd(c: TraderCtx): number {
  return num(c.health.equity);
}

function fundsIntents(t: Trader, c: TraderCtx, flat: boolean): Intent[] {
  const out: Intent[] = [];
  const hf = c.health.mm > 0n ? num(c.health.equity) / num(c.health.mm) : Infinity;
  const usdc = t.wallet.USDC ?? 0n;
  if (c.snapshot.quoteBalance < 0n && usdc > 0n && (flat || hf < 1.5) && c.rng.next() < 0.5) {
    const debt = -c.snapshot.quoteBalance;
    out.push({ kind: "deposit", token: "USDC", amount: debt < usdc ? debt : usdc });
  } else if (t.topUp && hf < 1.3) {
    const token = t.collateral;
    const have = t.wallet[token] ?? 0n;
    const add = tokenAmount(
      t.capitalUsd * 0.3,
      c.tokenPrice[token] as number,
      c.decimals[token] as number,
    );
    const amount = add < have ? add : have;
    if (amount > 0n) out.push({ kind: "deposit", token, amount });
  } else if (flat && t.collateral === "USDC" && c.snapshot.quoteBalance > 0n) {
    const bal = Number(c.snapshot.quoteBalance) / 1e6;
    if (bal > t.capitalUsd * 1.3 && c.rng.next() < 0.3) {
      const amount = tokenAmount(bal - t.capitalUsd, 1, 6);
      if (amount > 0n) out.push({ kind: "withdraw", token: "USDC", amount });
    }
  }
  return out;
}

/** One trader's intents for this step (possibly none). */
export function decideTrader(t: Trader, c: TraderCtx): Intent[] {
  const { rng } = c;
  // Below maintenance at the new price: the keeper gets there first (it watches continuously).
  if (c.health.liquidatable) return [];
  const flat = c.snapshot.positions.size === 0;
  const eq = equityUsd(c);
  const watching = rng.next() < t.activity;
  if (!flat) {
    const ret = t.entryEquity > 0 ? (eq - t.entryEquity) / t.entryEquity : 0;
    const stop = ret <= -t.stopLoss || ret >= t.takeProfit;
    const stale = c.step - t.openedStep > t.maxHoldSteps;
    if ((stop && rng.next() < 0.6) || (stale && watching)) return closeAll(t, c);
  }
  const funds = fundsIntents(t, c, flat);
  if (funds.length > 0 && (watching || funds[0]?.kind === "deposit")) return funds;
  if (!watching || eq <= 0) return [];
  if (flat) {
    if (c.snapshot.orders.size > 0) return [];
    const usd = eq * t.leverage;
    if (t.style === "hedged") {
      const a = chooseMarket(c);
      const b = chooseMarket(c, a.id);
      const dir = momentumDir(t, a, rng);
      const half = usd / 2;
      const legA = open(t, c, a, dir, half);
      if (legA.length === 0) return [];
      const legB = open(
        t,
        { ...c, health: { ...c.health, im: c.health.im * 2n } },
        b,
        -dir as 1n | -1n,
        half,
      );
      return [...legA, ...legB];
    }
    const m = chooseMarket(c);
    return open(t, c, m, momentumDir(t, m, rng), usd);
  }
  // Positioned: sometimes add to the position, or rebalance a hedge.
  if (rng.next() < 0.25) {
    const [id, p] = [...c.snapshot.positions][rng.int(c.snapshot.positions.size)] as [
      number,
      { size: bigint },
    ];
    const m = c.markets[id] as MarketCtx;
    const dir: 1n | -1n = p.size > 0n ? 1n : -1n;
    if (t.style === "hedged" || rng.next() < 0.4) {
      const cut = roundSize((p.size * BigInt(Math.round(rng.uniform(0.2, 0.6) * 1000))) / 1000n);
      if (cut !== 0n) return [tradeIntent(t, m, -cut, "reduce", false)];
      return [];
    }
    return open(t, c, m, dir, eq * t.leverage * 0.3);
  }
  return [];
}

export interface LpCtx {
  /** Pool shares in the LP's wallet. */
  shares: bigint;
  /** Shares in its redeem request: pending, claimable or expired (docs/specs.md INV-47). */
  requested: bigint;
  /** Of those, still waiting for the delay. */
  pending: bigint;
  /** Of those, claimable now (before liquidity). */
  claimable: bigint;
  /** maxRedeem: the claimable shares the pool can pay out now. */
  maxRedeem: bigint;
  rng: Rng;
}

export type LpAction =
  | { kind: "lpDeposit"; assets: bigint }
  | { kind: "lpRequest"; shares: bigint }
  | { kind: "lpClaim"; shares: bigint }
  | { kind: "lpCancel" };

/** An LP's action this step. Exits are requests: an LP that wants out requests a fraction of
 *  its shares, waits the pool's delay, and claims on the first step its request is claimable
 *  (as much as the pool can pay; the rest on later steps). An expired request (nothing could be
 *  paid during its window) is cancelled; the LP may ask again later. */
export function decideLp(lp: Lp, c: LpCtx): LpAction | undefined {
  if (c.maxRedeem > 0n) {
    // All of it when liquidity allows; else a little under the limit, which moves with the
    // pool's value until the transaction is mined.
    const shares = c.maxRedeem === c.claimable ? c.maxRedeem : (c.maxRedeem * 95n) / 100n;
    if (shares > 0n) return { kind: "lpClaim", shares };
  }
  if (c.requested > 0n && c.pending === 0n && c.claimable === 0n) return { kind: "lpCancel" };
  if (c.rng.next() >= lp.activity) return undefined;
  if (c.rng.next() < 0.55) {
    const want = tokenAmount(lp.capitalUsd * c.rng.uniform(0.1, 0.4), 1, 6);
    const assets = want < lp.wallet ? want : lp.wallet;
    return assets > 0n ? { kind: "lpDeposit", assets } : undefined;
  }
  // One request at a time: asking for more would restart the delay of the whole request.
  if (c.requested > 0n) return undefined;
  const frac = BigInt(Math.round(c.rng.uniform(0.1, 0.5) * 1000));
  const shares = (c.shares * frac) / 1000n;
  return shares > 0n ? { kind: "lpRequest", shares } : undefined;
}

/**
 * @title Risk views and protection by a reserve sub-account (docs/math.md "Risk views",
 * "Protection by a reserve sub-account").
 */
import {
  UINT256_MAX,
  WAD,
  divCeil,
  divDown,
  max,
  min,
  mulUp,
  quoteToUsd,
  toQuoteCeil,
  toQuoteFloor,
} from "./fixed";
import { marginUtilisation } from "./margin";
import { RiskAccount, RiskHealth, RiskHealthOptions, riskHealth } from "./risk";

/** Equity buffer over maintenance (USD WAD / WAD ratio). */
export interface EquityBuffer {
  /** `equity - MM` (signed). */
  buffer: bigint;
  /** `equity <= 0 ? 0 : divDown(max(0, equity - MM), equity)`, rounded down. */
  bufferRatio: bigint;
}

/** `buffer = equity - MM`, `bufferRatio = equity <= 0 ? 0 : divDown(max(0, equity - MM), equity)`. */
export function equityBuffer(h: Pick<RiskHealth, "equity" | "mm">): EquityBuffer {
  const buffer = h.equity - h.mm;
  return { buffer, bufferRatio: h.equity <= 0n ? 0n : divDown(max(0n, buffer), h.equity) };
}

/**
 * Margin utilisation of a risk health: `equity <= 0 ? uint256.max : divUp(IM, equity)`
 * (the margin model's {@link marginUtilisation} with the risk model's IM).
 */
export function riskMarginUtilisation(h: Pick<RiskHealth, "equity" | "im">): bigint {
  return marginUtilisation(h.equity, h.im);
}

/** Whether the account is liquidatable (`equity < MM`) under a uniform shock `x` (WAD). */
export function liquidatableAtShock(
  account: RiskAccount,
  shock: bigint,
  stale?: RiskHealthOptions["stale"],
): boolean {
  const h = riskHealth(account, { shock, stale });
  return h.equity < h.mm;
}

/**
 * Smallest uniform shock `x` (WAD) with `equity(x) < MM(x)` (docs/math.md, "Risk views"): `0`
 * if the account is liquidatable at `x = 0`, `uint256.max` if not even at `x = WAD`; else the
 * safeguarded interpolation search over integers from `lo = 0`, `hi = WAD`, which keeps
 * `gap(lo) >= 0 > gap(hi)` (`gap = equity - MM`) and returns `hi` once `hi - lo == 1`.
 */
export function shockToLiquidation(
  account: RiskAccount,
  opts: Pick<RiskHealthOptions, "stale"> = {},
): bigint {
  const gap = (x: bigint): bigint => {
    const h = riskHealth(account, { shock: x, stale: opts.stale });
    return h.equity - h.mm;
  };
  const g0 = gap(0n);
  if (g0 < 0n) return 0n;
  const gTop = gap(WAD);
  if (gTop >= 0n) return UINT256_MAX;
  return shockSearch(gap, g0, gTop);
}

/**
 * The search of {@link shockToLiquidation} (the contract's `_shockSearch`). Each round
 * evaluates `x = lo + ceil((hi - lo) * gap(lo) / (gap(lo) - gap(hi)))` (clamped into
 * `(lo, hi)`), then its neighbour on the other side of the bracket (`x - 1` if `x` was
 * liquidatable, `x + 1` if not) when that is still inside; a round that does not halve the
 * bracket makes the next one a bisection (`x = lo + (hi - lo) / 2`, no neighbour).
 */
export function shockSearch(gap: (x: bigint) => bigint, gLo0: bigint, gHi0: bigint): bigint {
  let lo = 0n;
  let hi = WAD;
  let gLo = gLo0;
  let gHi = gHi0;
  let bisect = false;
  const visit = (x: bigint): void => {
    const g = gap(x);
    if (g < 0n) [hi, gHi] = [x, g];
    else [lo, gLo] = [x, g];
  };
  while (hi - lo > 1n) {
    const width = hi - lo;
    if (bisect) {
      visit(lo + width / 2n);
    } else {
      let x = lo + divCeil(width * gLo, gLo - gHi);
      if (x <= lo) x = lo + 1n;
      if (x >= hi) x = hi - 1n;
      visit(x);
      if (hi === x && x - 1n > lo) visit(x - 1n);
      else if (lo === x && x + 1n < hi) visit(x + 1n);
    }
    bisect = (hi - lo) * 2n > width;
  }
  return hi;
}

/** Inputs of {@link topUpAmount}. Quote amounts in quote units, USD in WAD. */
export interface TopUpInput {
  /** The protected account `A`, liquidation health (stale feeds allowed). */
  accountHealth: Pick<RiskHealth, "equity" | "mm">;
  /** The reserve `R`, strict health (fresh feeds, initial weights in its IM). */
  reserveHealth: Pick<RiskHealth, "equity" | "im">;
  /** `R`'s quote balance (signed quote units). */
  reserveQuoteBalance: bigint;
  /** `b` (WAD, `<= 1`): the target is `MM * (1 + b)`. */
  buffer: bigint;
  /** Quote units that may move per window. */
  cap: bigint;
  /** Quote units moved in the current window (0 once it has ended). */
  used: bigint;
  /** The caller's fee in quote units, `usdToQuoteUp(topUpFee)`. */
  fee: bigint;
  quoteDecimals: number;
}

/** Why a top-up fails: `TopUpUnavailable` or `TopUpInsufficient`. */
export type TopUpFailure = "unavailable" | "insufficient";

/** Outcome of {@link topUpAmount}; nothing moves when `ok` is false. */
export interface TopUpResult {
  /** Quote units `A` receives (0 when unavailable). */
  amount: bigint;
  /** Quote units the caller receives from `R`. */
  fee: bigint;
  ok: boolean;
  reason: TopUpFailure | null;
}

/**
 * What a top-up moves from the reserve `R` to the account `A`:
 * `need = usdToQuoteUp(mulUp(MM, WAD + b) - equity)`, `left = cap - used`,
 * `free = min(max(0, quoteBalance_R), floor(max(0, equity_R - IM_R) / 10^(18-q)))`,
 * `amount = min(need, left, free - fee)`. Unavailable if `free <= fee` or `amount <= 0` (a
 * healthy `A` or a spent window give `amount <= 0`); insufficient if
 * `equity + quoteToUsd(amount) < MM`.
 */
export function topUpAmount(input: TopUpInput): TopUpResult {
  const { accountHealth: a, reserveHealth: r, fee, quoteDecimals } = input;
  const need = toQuoteCeil(mulUp(a.mm, WAD + input.buffer) - a.equity, quoteDecimals);
  const left = input.cap - input.used;
  const free = min(
    max(0n, input.reserveQuoteBalance),
    toQuoteFloor(max(0n, r.equity - r.im), quoteDecimals),
  );
  const amount = min(min(need, left), free - fee);
  if (free <= fee || amount <= 0n) {
    return { amount: 0n, fee, ok: false, reason: "unavailable" };
  }
  if (a.equity + quoteToUsd(amount, quoteDecimals) < a.mm) {
    return { amount, fee, ok: false, reason: "insufficient" };
  }
  return { amount, fee, ok: true, reason: null };
}

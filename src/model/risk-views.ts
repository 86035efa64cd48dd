/**
 * @title Risk views and protection by a reserve sub-account (docs/math.md "Risk views",
 * "Protection by a reserve sub-account").
 */
import {
  UINT256_MAX,
  WAD,
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
 * Smallest uniform shock `x` (WAD) with `equity(x) < MM(x)`, by integer bisection: `0` if the
 * account is liquidatable at `x = 0`, `uint256.max` if not even at `x = WAD`; else from
 * `lo = 0`, `hi = WAD`, while `hi - lo > 1`: `mid = (lo + hi) / 2`, `hi = mid` if liquidatable
 * at `mid` else `lo = mid`; returns `hi`.
 * @dev The result satisfies `liquidatable(hi) && !liquidatable(hi - 1)` whether or not health
 * is monotone in the shock.
 */
export function shockToLiquidation(
  account: RiskAccount,
  opts: Pick<RiskHealthOptions, "stale"> = {},
): bigint {
  const liquidatable = (x: bigint): boolean => liquidatableAtShock(account, x, opts.stale);
  if (liquidatable(0n)) return 0n;
  if (!liquidatable(WAD)) return UINT256_MAX;
  let lo = 0n;
  let hi = WAD;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (liquidatable(mid)) hi = mid;
    else lo = mid;
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

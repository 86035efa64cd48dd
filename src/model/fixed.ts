/**
 * @title Fixed-point helpers (WAD = 1e18), bigint only.
 * @notice Independent implementation of the arithmetic in docs/math.md. Every function
 * says in its name or doc comment which way it rounds. Nothing here uses floats.
 */

/** 1e18: the fixed-point base for prices, USD values, sizes and rates. */
export const WAD = 10n ** 18n;
/** Seconds per day: funding rates are per day. */
export const SECONDS_PER_DAY = 86_400n;
/** `type(uint256).max`, used for "infinite" health factor / utilisation. */
export const UINT256_MAX = (1n << 256n) - 1n;
/** `type(int256).max`. */
export const INT256_MAX = (1n << 255n) - 1n;
/** `type(int256).min`. */
export const INT256_MIN = -(1n << 255n);

function requireNonNegative(name: string, ...values: bigint[]): void {
  for (const v of values) {
    if (v < 0n) throw new RangeError(`${name}: negative operand ${v}`);
  }
}

function requireNonZero(name: string, b: bigint): void {
  if (b === 0n) throw new RangeError(`${name}: division by zero`);
}

// ---------------------------------------------------------------------------------------
// Integer division with an explicit rounding direction (signed).
// ---------------------------------------------------------------------------------------

/**
 * Truncating signed division, Solidity semantics (`a / b` for int256): rounds towards zero.
 * @dev JS bigint `/` already truncates towards zero; this exists to make intent explicit.
 */
export function divTrunc(a: bigint, b: bigint): bigint {
  requireNonZero("divTrunc", b);
  return a / b;
}

/** Signed division rounded towards minus infinity: `floor(a / b)`. */
export function divFloor(a: bigint, b: bigint): bigint {
  requireNonZero("divFloor", b);
  const q = a / b;
  // Truncation rounded up iff there is a remainder and the exact quotient is negative.
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Signed division rounded towards plus infinity: `ceil(a / b)`. */
export function divCeil(a: bigint, b: bigint): bigint {
  requireNonZero("divCeil", b);
  const q = a / b;
  // Truncation rounded down iff there is a remainder and the exact quotient is positive.
  return a % b !== 0n && a < 0n === b < 0n ? q + 1n : q;
}

// ---------------------------------------------------------------------------------------
// WAD multiplication / division.
// ---------------------------------------------------------------------------------------

/** `floor(a * b / WAD)` for `a, b >= 0` (throws on negatives). */
export function mulDown(a: bigint, b: bigint): bigint {
  requireNonNegative("mulDown", a, b);
  return (a * b) / WAD;
}

/** `ceil(a * b / WAD)` for `a, b >= 0` (throws on negatives). */
export function mulUp(a: bigint, b: bigint): bigint {
  requireNonNegative("mulUp", a, b);
  return divCeil(a * b, WAD);
}

/** `floor(a * WAD / b)` for `a >= 0, b > 0`. */
export function divDown(a: bigint, b: bigint): bigint {
  requireNonNegative("divDown", a, b);
  requireNonZero("divDown", b);
  return (a * WAD) / b;
}

/** `ceil(a * WAD / b)` for `a >= 0, b > 0`. */
export function divUp(a: bigint, b: bigint): bigint {
  requireNonNegative("divUp", a, b);
  requireNonZero("divUp", b);
  return divCeil(a * WAD, b);
}

/** Signed `floor(a * b / WAD)` (towards minus infinity). */
export function sMulFloor(a: bigint, b: bigint): bigint {
  return divFloor(a * b, WAD);
}

/** Signed `ceil(a * b / WAD)` (towards plus infinity). */
export function sMulCeil(a: bigint, b: bigint): bigint {
  return divCeil(a * b, WAD);
}

/** Signed `a * b / WAD` truncated towards zero (Solidity `a * b / 1e18`). */
export function sMulTrunc(a: bigint, b: bigint): bigint {
  return (a * b) / WAD;
}

/** Signed `a * WAD / b` truncated towards zero (Solidity `a * 1e18 / b`). */
export function sDivTrunc(a: bigint, b: bigint): bigint {
  return divTrunc(a * WAD, b);
}

/** Signed `floor(a * WAD / b)`. */
export function sDivFloor(a: bigint, b: bigint): bigint {
  return divFloor(a * WAD, b);
}

/** Signed `ceil(a * WAD / b)`. */
export function sDivCeil(a: bigint, b: bigint): bigint {
  return divCeil(a * WAD, b);
}

// ---------------------------------------------------------------------------------------
// Square root, min/max/abs/clamp.
// ---------------------------------------------------------------------------------------

/** Integer square root rounded down: largest `r` with `r * r <= x`. */
export function sqrtDown(x: bigint): bigint {
  requireNonNegative("sqrtDown", x);
  if (x < 2n) return x;
  // Newton iteration from an upper bound (2^ceil(bits/2)), strictly decreasing until done.
  let r = 1n << BigInt(Math.ceil(x.toString(2).length / 2));
  for (;;) {
    const next = (r + x / r) >> 1n;
    if (next >= r) return r;
    r = next;
  }
}

/** Integer square root rounded up: smallest `r` with `r * r >= x`. */
export function sqrtUp(x: bigint): bigint {
  const r = sqrtDown(x);
  return r * r === x ? r : r + 1n;
}

/** Smaller of two values. */
export function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** Larger of two values. */
export function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Absolute value. */
export function abs(a: bigint): bigint {
  return a < 0n ? -a : a;
}

/** Sign: -1n, 0n or 1n. */
export function sign(a: bigint): bigint {
  return a > 0n ? 1n : a < 0n ? -1n : 0n;
}

/** `x` clamped into `[lo, hi]` (requires `lo <= hi`). */
export function clamp(x: bigint, lo: bigint, hi: bigint): bigint {
  if (lo > hi) throw new RangeError(`clamp: lo ${lo} > hi ${hi}`);
  return x < lo ? lo : x > hi ? hi : x;
}

// ---------------------------------------------------------------------------------------
// Token amounts <-> USD.
// ---------------------------------------------------------------------------------------

function quoteScale(quoteDecimals: number): bigint {
  if (!Number.isInteger(quoteDecimals) || quoteDecimals < 0 || quoteDecimals > 18) {
    throw new RangeError(`quote decimals must be an integer in [0, 18], got ${quoteDecimals}`);
  }
  return 10n ** BigInt(18 - quoteDecimals);
}

/**
 * USD (WAD) to quote-token units, rounded towards minus infinity (signed):
 * `floor(usd / 10^(18 - q))`. A credit rounds down, a debit rounds up in magnitude.
 */
export function toQuoteFloor(usd: bigint, quoteDecimals: number): bigint {
  return divFloor(usd, quoteScale(quoteDecimals));
}

/** USD (WAD) to quote-token units rounded towards plus infinity: `ceil(usd / 10^(18 - q))`. */
export function toQuoteCeil(usd: bigint, quoteDecimals: number): bigint {
  return divCeil(usd, quoteScale(quoteDecimals));
}

/** Quote-token units to USD (WAD), exact: `amount * 10^(18 - q)`. */
export function quoteToUsd(amount: bigint, quoteDecimals: number): bigint {
  return amount * quoteScale(quoteDecimals);
}

/**
 * USD value of a collateral amount, rounded down: `floor(amount * price / 10^d)`.
 * @param amount token units (>= 0), @param decimals token decimals (<= 36),
 * @param price WAD USD per whole token (>= 0).
 */
export function collateralValueUsd(amount: bigint, decimals: number, price: bigint): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
    throw new RangeError(`collateral decimals must be an integer in [0, 36], got ${decimals}`);
  }
  requireNonNegative("collateralValueUsd", amount, price);
  return (amount * price) / 10n ** BigInt(decimals);
}

/** Haircut collateral value, rounded down: `mulDown(valueUsd, weight)`. */
export function collateralWeightedUsd(valueUsd: bigint, weight: bigint): bigint {
  return mulDown(valueUsd, weight);
}

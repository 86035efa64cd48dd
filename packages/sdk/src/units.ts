/** Units of the protocol (docs/math.md): the quote token (USDC, 6 decimals) in its own units,
 *  USD values, prices and sizes as 18-decimal fixed point (WAD), Chainlink-style feed answers
 *  with 8 decimals. */
import { formatUnits, parseUnits } from "ethers";

/** 10^18: one in 18-decimal fixed point. */
export const WAD = 10n ** 18n;
/** Decimals of the quote token of the reference deployments (USDC). */
export const QUOTE_DECIMALS = 6;
/** Decimals of the price feeds (Chainlink USD feeds). */
export const FEED_DECIMALS = 8;
/** A deadline far in the future (10^30 s); also a buy's acceptable price that accepts any fill
 *  (fits the uint128 an order stores its acceptable price in). */
export const FAR = 10n ** 30n;

function decimalString(value: string | number, decimals: number): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return value.toFixed(decimals);
  }
  if (!/^-?\d+(\.\d+)?$/.test(value.trim())) throw new Error(`not a decimal number: "${value}"`);
  return value.trim();
}

/** A decimal as an 18-decimal fixed-point bigint: `wad("0.05")` = 5e16. */
export function wad(value: string | number): bigint {
  return parseUnits(decimalString(value, 18), 18);
}

/** A token amount in the token's own decimals: `units("100", 6)` = 100_000_000n. */
export function units(value: string | number, decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 77) {
    throw new Error(`decimals must be an integer in 0..77, got ${decimals}`);
  }
  return parseUnits(decimalString(value, decimals), decimals);
}

/** A quote-token amount (6 decimals): `quote("100.5")` = 100_500_000n. */
export function quote(value: string | number, decimals = QUOTE_DECIMALS): bigint {
  return units(value, decimals);
}

/** A feed answer (8 decimals by default): `feedAnswer(3000)` = 300_000_000_000n. */
export function feedAnswer(price: string | number, decimals = FEED_DECIMALS): bigint {
  return units(price, decimals);
}

/** A feed answer as a WAD price. */
export function feedToWad(answer: bigint, decimals = FEED_DECIMALS): bigint {
  return decimals <= 18
    ? answer * 10n ** BigInt(18 - decimals)
    : answer / 10n ** BigInt(decimals - 18);
}

/** Quote-token units as a USD WAD (the engine's internal scale). */
export function quoteToWad(amount: bigint, decimals = QUOTE_DECIMALS): bigint {
  return amount * 10n ** BigInt(18 - decimals);
}

/** A USD WAD as quote-token units, rounded down. */
export function wadToQuote(value: bigint, decimals = QUOTE_DECIMALS): bigint {
  return value / 10n ** BigInt(18 - decimals);
}

/** a * b / WAD, rounded towards zero. */
export function mulWad(a: bigint, b: bigint): bigint {
  return (a * b) / WAD;
}

/** a * WAD / b, rounded towards zero. */
export function divWad(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new Error("division by zero");
  return (a * WAD) / b;
}

/** A WAD as a decimal string (exact). */
export function formatWad(value: bigint): string {
  return formatUnits(value, 18);
}

/** A WAD as a JavaScript number (for display only, never for money math). */
export function fromWad(value: bigint): number {
  return Number(formatUnits(value, 18));
}

/** A token amount as a JavaScript number (for display only). */
export function fromUnits(value: bigint, decimals: number): number {
  return Number(formatUnits(value, decimals));
}

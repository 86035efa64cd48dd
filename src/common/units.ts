/** Units shared by deploy, keeper, simulator, risk tool and tests (docs/math.md). */
import { formatUnits, parseUnits } from "ethers";

export const WAD = 10n ** 18n;
export const SECONDS_PER_DAY = 86_400n;
export const MAX_UINT256 = (1n << 256n) - 1n;

/** A decimal string or number as an 18-decimal fixed-point bigint: `wad("0.05")` = 5e16. */
export function wad(value: string | number): bigint {
  return parseUnits(typeof value === "number" ? value.toString() : value, 18);
}

/** A token amount in the token's own decimals: `units("100", 6)` = 100_000_000n. */
export function units(value: string | number, decimals: number): bigint {
  return parseUnits(typeof value === "number" ? value.toString() : value, decimals);
}

/** A Chainlink-style answer with `decimals` decimals (8 for most USD feeds). */
export function feedAnswer(price: string | number, decimals = 8): bigint {
  return parseUnits(typeof price === "number" ? price.toFixed(decimals) : price, decimals);
}

/** A WAD bigint as a JavaScript number (for reports and charts only, never for money math). */
export function fromWad(value: bigint): number {
  return Number(formatUnits(value, 18));
}

/** A token amount as a JavaScript number (for reports only). */
export function fromUnits(value: bigint, decimals: number): number {
  return Number(formatUnits(value, decimals));
}

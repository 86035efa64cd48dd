/** Readable log text: accounts as `owner/sub` (an account id is `uint256(owner) << 8 | sub`,
 *  src/common/accounts.ts), amounts with their unit. Which field holds which unit is fixed by
 *  name: the keeper's events always use these names. */
import { getAddress } from "ethers";
import type { LogEvent } from "./log";

export interface Units {
  quoteSymbol?: string;
  quoteDecimals?: number;
}

/** Fields in quote-token units. */
const QUOTE_FIELDS = new Set(["reward", "rewardsQuote", "repay", "budget"]);
/** Fields in USD with 18 decimals. */
const USD_FIELDS = new Set(["rewardUsd", "gasCostUsd", "profitUsd", "minProfitUsd"]);
/** Fields in wei. */
const WEI_FIELDS = new Set(["gasSpentWei"]);
/** Per-gas prices in wei (shown in gwei). */
const GWEI_FIELDS = new Set([
  "maxFeePerGas",
  "maxPriorityFeePerGas",
  "gasPrice",
  "neededWei",
  "capWei",
  "baseFeeWei",
]);
/** Counters that say nothing when zero (dropped from text lines). */
const KEEP_ZERO = new Set([
  "block",
  "toBlock",
  "fromBlock",
  "newBlocks",
  "marketId",
  "reward",
  ...USD_FIELDS,
]);

/** `owner/sub`, e.g. `0xf39F...2266/3` (full checksummed owner). */
export function accountText(account: bigint): string {
  if (account < 0n || account >> 168n !== 0n) return account.toString();
  const owner = "0x" + (account >> 8n).toString(16).padStart(40, "0");
  return `${getAddress(owner)}/${Number(account & 0xffn)}`;
}

/** `amount / 10^decimals` as a decimal string with at most `maxDecimals` digits after the point
 *  (truncated toward zero), trailing zeros removed. */
export function formatAmount(amount: bigint, decimals: number, maxDecimals = 6): string {
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  let frac = (abs % scale).toString().padStart(decimals, "0").slice(0, maxDecimals);
  frac = frac.replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

function big(v: unknown): bigint | undefined {
  if (typeof v === "bigint") return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  return undefined;
}

/** One field as text. */
export function fieldText(key: string, v: unknown, units: Units = {}): string {
  const b = big(v);
  if (key === "account" && b !== undefined) return accountText(b);
  if (b !== undefined && USD_FIELDS.has(key)) return `${formatAmount(b, 18, 4)} USD`;
  if (b !== undefined && WEI_FIELDS.has(key)) return `${formatAmount(b, 18, 8)} ETH`;
  if (b !== undefined && GWEI_FIELDS.has(key)) return `${formatAmount(b, 9, 4)} gwei`;
  if (b !== undefined && QUOTE_FIELDS.has(key) && units.quoteDecimals !== undefined)
    return `${formatAmount(b, units.quoteDecimals)} ${units.quoteSymbol ?? ""}`.trim();
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (Array.isArray(v) || (typeof v === "object" && v !== null))
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
  return String(v);
}

/** `2026-12-03T21:00:00.000Z INFO  won kind=liquidate account=0x.../3 reward=12.5 USDC`. Zero
 *  counters, false flags and empty values are left out, so that an idle pass stays short. */
export function textLine(e: LogEvent, units: Units = {}, now = new Date()): string {
  const { event, level, ...rest } = e;
  const parts = [now.toISOString(), (level ?? "info").toUpperCase().padEnd(5), event];
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined || v === false || v === null) continue;
    if ((v === 0 || v === 0n) && !KEEP_ZERO.has(k)) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    const t = fieldText(k, v, units);
    parts.push(`${k}=${t.includes(" ") && !t.startsWith('"') ? JSON.stringify(t) : t}`);
  }
  return parts.join(" ");
}

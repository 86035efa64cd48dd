/** Hand-rolled calldata and result codecs for `lens.batchHealth(uint256[])` and
 *  `lens.scanFlags(uint256[])`: ethers' generic ABI
 *  decoder copies its buffer on every word it reads, which costs more than the whole rest of a
 *  pass over thousands of accounts. The layout is fixed (four dynamic arrays of one-word items),
 *  and the unit tests check this codec against ethers' on the same data. */
import { CrossmarginLens__factory } from "../../typechain-types";

const LENS = CrossmarginLens__factory.createInterface();
const SELECTOR = LENS.getFunction("batchHealth").selector;
const SCAN_SELECTOR = LENS.getFunction("scanFlags").selector;
const TWO_255 = 1n << 255n;
const TWO_256 = 1n << 256n;

const word = (v: bigint | number) => BigInt(v).toString(16).padStart(64, "0");

/** Calldata of `batchHealth(accounts)`. */
export function encodeBatchHealth(accounts: readonly bigint[]): string {
  return encodeAccounts(SELECTOR, accounts);
}

/** Calldata of `scanFlags(accounts)`. */
export function encodeScanFlags(accounts: readonly bigint[]): string {
  return encodeAccounts(SCAN_SELECTOR, accounts);
}

function encodeAccounts(selector: string, accounts: readonly bigint[]): string {
  const parts = [selector, word(32), word(accounts.length)];
  for (const a of accounts) {
    if (a < 0n || a >= TWO_256) throw new Error(`account id out of range: ${a}`);
    parts.push(word(a));
  }
  return parts.join("");
}

/** `scanFlags` bits (ICrossmarginLens). */
export const SCAN_OK = 1;
export const SCAN_LIQUIDATABLE = 2;
export const SCAN_EXPOSED = 4;

/** Decodes the `bytes` result of `scanFlags`: one flag byte per account. */
export function decodeScanFlags(hex: string): Uint8Array {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (body.length < 128) throw new Error("scanFlags: short result");
  const start = Number(BigInt("0x" + body.slice(0, 64))) * 2; // hex offset of the length word
  const n = Number(BigInt("0x" + body.slice(start, start + 64)));
  const data = start + 64;
  if (!Number.isSafeInteger(n) || body.length < data + n * 2) {
    throw new Error("scanFlags: short result");
  }
  return Uint8Array.from(Buffer.from(body.slice(data, data + n * 2), "hex"));
}

export interface BatchHealth {
  ok: boolean[];
  equity: bigint[];
  mm: bigint[];
  liquidatable: boolean[];
}

/** Decodes the `(bool[], int256[], uint256[], bool[])` result. */
export function decodeBatchHealth(hex: string): BatchHealth {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  const at = (i: number) => BigInt("0x" + body.slice(i * 64, i * 64 + 64));
  const array = (head: number): bigint[] => {
    const start = Number(at(head)) / 32; // word index of the array's length
    const n = Number(at(start));
    if (body.length < (start + 1 + n) * 64) throw new Error("batchHealth: short result");
    return Array.from({ length: n }, (_, i) => at(start + 1 + i));
  };
  const [ok, equity, mm, liq] = [0, 1, 2, 3].map(array);
  return {
    ok: ok.map((v) => v !== 0n),
    equity: equity.map((v) => (v >= TWO_255 ? v - TWO_256 : v)),
    mm,
    liquidatable: liq.map((v) => v !== 0n),
  };
}

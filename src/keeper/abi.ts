/** Hand-rolled calldata and result codec for `lens.batchHealth(uint256[])`: ethers' generic ABI
 *  decoder copies its buffer on every word it reads, which costs more than the whole rest of a
 *  pass over thousands of accounts. The layout is fixed (four dynamic arrays of one-word items),
 *  and the unit tests check this codec against ethers' on the same data. */
import { CrossmarginLens__factory } from "../../typechain-types";

const SELECTOR = CrossmarginLens__factory.createInterface().getFunction("batchHealth").selector;
const TWO_255 = 1n << 255n;
const TWO_256 = 1n << 256n;

const word = (v: bigint | number) => BigInt(v).toString(16).padStart(64, "0");

/** Calldata of `batchHealth(accounts)`. */
export function encodeBatchHealth(accounts: readonly bigint[]): string {
  const parts = [SELECTOR, word(32), word(accounts.length)];
  for (const a of accounts) parts.push(word(a));
  return parts.join("");
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

/** Account ids: `uint256(owner) << 8 | subAccount`, as the engine encodes them
 *  (`ICrossmargin.accountId`). One owner has 256 sub-accounts, each margined separately. */
import { getAddress } from "ethers";

/** Highest sub-account index. */
export const MAX_SUB_ACCOUNT = 255;

/** The account id of `owner`'s sub-account `subAccount` (0 .. 255). */
export function accountId(owner: string, subAccount = 0): bigint {
  if (!Number.isInteger(subAccount) || subAccount < 0 || subAccount > MAX_SUB_ACCOUNT) {
    throw new Error(`sub-account must be an integer in 0..${MAX_SUB_ACCOUNT}, got ${subAccount}`);
  }
  return (BigInt(getAddress(owner)) << 8n) | BigInt(subAccount);
}

/** The owner encoded in an account id; throws for ids the engine rejects (`InvalidAccount`). */
export function ownerOf(account: bigint): string {
  if (account < 0n || account >> 168n !== 0n || account >> 8n === 0n) {
    throw new Error(`invalid account id ${account}`);
  }
  return getAddress("0x" + (account >> 8n).toString(16).padStart(40, "0"));
}

/** The sub-account index encoded in an account id. */
export function subAccountOf(account: bigint): number {
  if (account < 0n) throw new Error(`invalid account id ${account}`);
  return Number(account & 0xffn);
}

/** `accountId` as the 0x-prefixed hex an explorer or `cast` shows. */
export function accountHex(account: bigint): string {
  return "0x" + account.toString(16);
}

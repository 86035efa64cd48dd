/** Account ids: `uint256(owner) << 8 | subAccount`, as the engine encodes them. */
import { getAddress } from "ethers";

export function accountId(owner: string, subAccount = 0): bigint {
  if (subAccount < 0 || subAccount > 255 || !Number.isInteger(subAccount)) {
    throw new Error(`sub-account must be an integer in 0..255, got ${subAccount}`);
  }
  return (BigInt(getAddress(owner)) << 8n) | BigInt(subAccount);
}

export function ownerOf(account: bigint): string {
  // As the engine's `ownerOf`: no bits above the owner, and not the zero owner.
  if (account >> 168n !== 0n || account >> 8n === 0n) {
    throw new Error(`invalid account id ${account}`);
  }
  return getAddress("0x" + (account >> 8n).toString(16).padStart(40, "0"));
}

export function subAccountOf(account: bigint): number {
  return Number(account & 0xffn);
}

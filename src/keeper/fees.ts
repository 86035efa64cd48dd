/** The keeper's fee policy. Per transaction, from the latest block: EIP-1559 fees
 *  `maxPriorityFeePerGas = min(node's suggestion, --priority-fee-gwei)` and
 *  `maxFeePerGas = min(2 x baseFee + tip, --max-fee-gwei)` (2 x baseFee as ethers does: room for
 *  six full blocks of base-fee rises); on a chain without a base fee, the legacy gas price. When
 *  the fee needed to be included now (`baseFee + tip`, or the gas price) exceeds the cap, there
 *  is no quote: the action is skipped. A stuck transaction is replaced with both fees raised by
 *  12.5 % (nodes ask for 10 %), rounded up and by at least 1 wei, never above the cap. */
import { Provider } from "ethers";

export interface Fees {
  /** The most one unit of gas may cost (maxFeePerGas, or the gas price): the profit check. */
  gasPriceWei: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
}

export interface FeePolicy {
  /** Cap on maxFeePerGas (or the legacy gas price), wei. */
  maxFeeWei: bigint;
  /** Cap on the tip of a first send, wei (replacements raise it, within `maxFeeWei`). */
  priorityFeeWei: bigint;
}

/** 100 gwei and 2 gwei: the caps unless configured (--max-fee-gwei, --priority-fee-gwei). */
export const DEFAULT_FEE_POLICY: FeePolicy = {
  maxFeeWei: 100_000_000_000n,
  priorityFeeWei: 2_000_000_000n,
};

export type FeeQuote =
  | { ok: true; fees: Fees; baseFeeWei?: bigint }
  | { ok: false; reason: "fee_cap"; neededWei: bigint; capWei: bigint; baseFeeWei?: bigint };

/** ethers' tip when the node has no `eth_maxPriorityFeePerGas`. */
export const DEFAULT_TIP_WEI = 1_000_000_000n;

/** `x * 1.125`, rounded up, and at least `x + 1`. */
export function bump(x: bigint): bigint {
  const b = (x * 1125n + 999n) / 1000n;
  return b > x ? b : x + 1n;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** Fees from a base fee (null: a legacy chain), the node's tip suggestion and gas price. */
export function feesFor(
  baseFeeWei: bigint | null,
  suggestedTipWei: bigint,
  gasPriceWei: bigint,
  policy: FeePolicy,
): FeeQuote {
  if (baseFeeWei === null) {
    if (gasPriceWei > policy.maxFeeWei)
      return { ok: false, reason: "fee_cap", neededWei: gasPriceWei, capWei: policy.maxFeeWei };
    return { ok: true, fees: { gasPriceWei } };
  }
  const tip = min(suggestedTipWei, policy.priorityFeeWei);
  const needed = baseFeeWei + tip;
  if (needed > policy.maxFeeWei)
    return {
      ok: false,
      reason: "fee_cap",
      neededWei: needed,
      capWei: policy.maxFeeWei,
      baseFeeWei,
    };
  const maxFee = min(2n * baseFeeWei + tip, policy.maxFeeWei);
  return {
    ok: true,
    fees: { gasPriceWei: maxFee, maxFeePerGas: maxFee, maxPriorityFeePerGas: tip },
    baseFeeWei,
  };
}

/** Reads the latest block's base fee (and the node's tip, or the gas price) and quotes. */
export async function quoteFees(provider: Provider, policy: FeePolicy): Promise<FeeQuote> {
  const block = await provider.getBlock("latest");
  if (!block) throw new Error("no latest block");
  const base = block.baseFeePerGas;
  if (base === null) {
    const fd = await provider.getFeeData();
    return feesFor(null, 0n, fd.gasPrice ?? 0n, policy);
  }
  return feesFor(base, await suggestedTip(provider), 0n, policy);
}

async function suggestedTip(provider: Provider): Promise<bigint> {
  const send = (provider as { send?: (m: string, p: unknown[]) => Promise<unknown> }).send;
  if (typeof send !== "function") return DEFAULT_TIP_WEI;
  try {
    return BigInt((await send.call(provider, "eth_maxPriorityFeePerGas", [])) as string);
  } catch {
    return DEFAULT_TIP_WEI; // a node without the method
  }
}

/** The fees of a replacement: both raised by {@link bump}, maxFeePerGas also to
 *  `2 x baseFee + tip` when the base fee rose; undefined when that exceeds the cap. */
export function bumpFees(
  prev: Fees,
  policy: FeePolicy,
  baseFeeWei: bigint | undefined,
): Fees | undefined {
  if (prev.maxFeePerGas === undefined) {
    const gasPrice = bump(prev.gasPriceWei);
    return gasPrice > policy.maxFeeWei ? undefined : { gasPriceWei: gasPrice };
  }
  const tip = bump(prev.maxPriorityFeePerGas ?? 0n);
  let maxFee = bump(prev.maxFeePerGas);
  if (maxFee > policy.maxFeeWei) return undefined;
  if (baseFeeWei !== undefined) maxFee = min(max(maxFee, 2n * baseFeeWei + tip), policy.maxFeeWei);
  if (tip > maxFee) return undefined;
  return { gasPriceWei: maxFee, maxFeePerGas: maxFee, maxPriorityFeePerGas: tip };
}

/** Calldata for the engine's batched and delayed trading: `multicall` actions (deposit, withdraw,
 *  trade on one account with a single margin check), `modifyPosition`, and delayed orders
 *  (`commitOrder` / `cancelOrder`). Encodes with the engine's ABI, so the result can be sent by
 *  any wallet or library (`{ to: engine, data }`). */
import { Interface, getAddress, type InterfaceAbi } from "ethers";
import { crossmarginAbi } from "./generated/abis.js";
import { WAD } from "./units.js";

/** `ICrossmargin.ActionKind`. */
export const ActionKind = { Deposit: 0, Withdraw: 1, ModifyPosition: 2 } as const;
export type ActionKind = (typeof ActionKind)[keyof typeof ActionKind];

/** `ICrossmargin.Action`, as the ABI encodes it. */
export interface Action {
  kind: ActionKind;
  token: string;
  marketId: bigint;
  amount: bigint;
  acceptablePrice: bigint;
}

const ZERO = "0x0000000000000000000000000000000000000000";
const MAX_INT256 = (1n << 255n) - 1n;

/** The engine's interface (ethers), for encoding and decoding calls and logs. */
export const engineInterface = new Interface(crossmarginAbi as unknown as InterfaceAbi);

function positive(name: string, v: bigint): bigint {
  if (v <= 0n || v > MAX_INT256) throw new Error(`${name} must be in 1..2^255-1, got ${v}`);
  return v;
}

/** Deposit `amount` units of `token` (paid by the caller of `multicall`). */
export function depositAction(token: string, amount: bigint): Action {
  return {
    kind: ActionKind.Deposit,
    token: getAddress(token),
    marketId: 0n,
    amount: positive("deposit amount", amount),
    acceptablePrice: 0n,
  };
}

/** Withdraw `amount` units of `token` (paid to the caller after the margin check). */
export function withdrawAction(token: string, amount: bigint): Action {
  return {
    kind: ActionKind.Withdraw,
    token: getAddress(token),
    marketId: 0n,
    amount: positive("withdraw amount", amount),
    acceptablePrice: 0n,
  };
}

/** Trade `sizeDelta` (size WAD, positive buys) in `marketId`, filling no worse than
 *  `acceptablePrice` (price WAD, non-zero; see `acceptablePrice`). */
export function tradeAction(
  marketId: bigint | number,
  sizeDelta: bigint,
  acceptablePrice: bigint,
): Action {
  if (sizeDelta === 0n) throw new Error("sizeDelta must not be 0");
  if (acceptablePrice <= 0n) throw new Error("acceptablePrice must be > 0 (slippage bound)");
  return {
    kind: ActionKind.ModifyPosition,
    token: ZERO,
    marketId: BigInt(marketId),
    amount: sizeDelta,
    acceptablePrice,
  };
}

/** The worst acceptable fill for a trade of `sizeDelta` at `price` with `slippageBps` basis
 *  points of tolerance: above the price for a buy, below for a sell (price WAD). */
export function acceptablePrice(price: bigint, sizeDelta: bigint, slippageBps: number): bigint {
  if (!Number.isInteger(slippageBps) || slippageBps < 0 || slippageBps >= 10_000) {
    throw new Error(`slippageBps must be an integer in 0..9999, got ${slippageBps}`);
  }
  if (price <= 0n) throw new Error("price must be > 0");
  const bps = BigInt(slippageBps);
  return sizeDelta > 0n
    ? (price * (10_000n + bps) + 9_999n) / 10_000n
    : (price * (10_000n - bps)) / 10_000n;
}

/** A unix deadline `seconds` after `now` (default: the local clock). */
export function deadlineIn(seconds: number, now = Math.floor(Date.now() / 1000)): bigint {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error("seconds must be > 0");
  return BigInt(now + seconds);
}

/** Calldata of `multicall(account, actions, deadline)`. */
export function encodeMulticall(account: bigint, actions: Action[], deadline: bigint): string {
  if (actions.length === 0) throw new Error("a multicall needs at least one action");
  return engineInterface.encodeFunctionData("multicall", [account, actions, deadline]);
}

/** Calldata of `modifyPosition(account, marketId, sizeDelta, acceptablePrice, deadline)`. */
export function encodeModifyPosition(
  account: bigint,
  marketId: bigint | number,
  sizeDelta: bigint,
  acceptable: bigint,
  deadline: bigint,
): string {
  const a = tradeAction(marketId, sizeDelta, acceptable);
  return engineInterface.encodeFunctionData("modifyPosition", [
    account,
    a.marketId,
    a.amount,
    a.acceptablePrice,
    deadline,
  ]);
}

/** A delayed order: fills at the first oracle round at least the market's `minOrderDelay` after
 *  the commit, if no later than `settlementDeadline`. */
export interface OrderRequest {
  account: bigint;
  marketId: bigint | number;
  sizeDelta: bigint;
  acceptablePrice: bigint;
  /** Unix seconds in `(now + minOrderDelay, now + maxOrderAge]` of the market. */
  settlementDeadline: bigint;
}

/** Calldata of `commitOrder(...)`. */
export function encodeCommitOrder(o: OrderRequest): string {
  const a = tradeAction(o.marketId, o.sizeDelta, o.acceptablePrice);
  if (o.acceptablePrice >= 1n << 128n) throw new Error("acceptablePrice must fit uint128");
  return engineInterface.encodeFunctionData("commitOrder", [
    o.account,
    a.marketId,
    a.amount,
    a.acceptablePrice,
    o.settlementDeadline,
  ]);
}

/** Calldata of `cancelOrder(account, marketId)`. */
export function encodeCancelOrder(account: bigint, marketId: bigint | number): string {
  return engineInterface.encodeFunctionData("cancelOrder", [account, BigInt(marketId)]);
}

/** Notional of `size` at `price` (USD WAD, unsigned). */
export function notional(size: bigint, price: bigint): bigint {
  return ((size < 0n ? -size : size) * price) / WAD;
}

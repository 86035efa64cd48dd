/** Calldata for the engine's batched and delayed trading: `multicall` actions (deposit, withdraw,
 *  trade on one account with a single margin check), `modifyPosition`, and delayed orders
 *  (`commitOrder` / `cancelOrder`). Encodes with the engine's ABI, so the result can be sent by
 *  any wallet or library (`{ to: engine, data }`). */
import { Interface, getAddress, type InterfaceAbi } from "ethers";
import { crossmarginAbi } from "./generated/abis.js";
import { WAD } from "./units.js";

/** `ICrossmargin.ActionKind`. */
export const ActionKind = {
  Deposit: 0,
  Withdraw: 1,
  ModifyPosition: 2,
  CommitOrder: 3,
  CancelOrder: 4,
} as const;
export type ActionKind = (typeof ActionKind)[keyof typeof ActionKind];

/** `ICrossmargin.Action`, as the ABI encodes it: each kind reads only its own fields, the rest
 *  are zero. */
export interface Action {
  kind: ActionKind;
  token: string;
  recipient: string;
  marketId: bigint;
  /** Token units (Deposit, Withdraw). */
  amount: bigint;
  /** Size WAD, signed (ModifyPosition, CommitOrder). */
  sizeDelta: bigint;
  /** Price WAD (ModifyPosition, CommitOrder). */
  acceptablePrice: bigint;
  /** Unix seconds (CommitOrder). */
  settlementDeadline: bigint;
}

const ZERO = "0x0000000000000000000000000000000000000000";
const MAX_UINT128 = (1n << 128n) - 1n;
const EMPTY: Omit<Action, "kind"> = {
  token: ZERO,
  recipient: ZERO,
  marketId: 0n,
  amount: 0n,
  sizeDelta: 0n,
  acceptablePrice: 0n,
  settlementDeadline: 0n,
};

/** The engine's interface (ethers), for encoding and decoding calls and logs. */
export const engineInterface = new Interface(crossmarginAbi as unknown as InterfaceAbi);

function positive(name: string, v: bigint): bigint {
  if (v <= 0n || v > MAX_UINT128) throw new Error(`${name} must be in 1..2^128-1, got ${v}`);
  return v;
}

/** Deposit `amount` units of `token` (paid by the caller of `multicall`). */
export function depositAction(token: string, amount: bigint): Action {
  return {
    ...EMPTY,
    kind: ActionKind.Deposit,
    token: getAddress(token),
    amount: positive("deposit amount", amount),
  };
}

/** Withdraw `amount` units of `token` to `recipient`, paid after the batch's margin check. */
export function withdrawAction(token: string, amount: bigint, recipient: string): Action {
  const to = getAddress(recipient);
  if (to === ZERO) throw new Error("withdraw recipient must not be the zero address");
  return {
    ...EMPTY,
    kind: ActionKind.Withdraw,
    token: getAddress(token),
    amount: positive("withdraw amount", amount),
    recipient: to,
  };
}

function checkTrade(sizeDelta: bigint, acceptable: bigint): void {
  if (sizeDelta === 0n) throw new Error("sizeDelta must not be 0");
  if (acceptable <= 0n) throw new Error("acceptablePrice must be > 0 (slippage bound)");
}

/** Trade `sizeDelta` (size WAD, positive buys) in `marketId`, filling no worse than
 *  `acceptablePrice` (price WAD, non-zero; see `acceptablePrice`). */
export function tradeAction(
  marketId: bigint | number,
  sizeDelta: bigint,
  acceptablePrice: bigint,
): Action {
  checkTrade(sizeDelta, acceptablePrice);
  return {
    ...EMPTY,
    kind: ActionKind.ModifyPosition,
    marketId: BigInt(marketId),
    sizeDelta,
    acceptablePrice,
  };
}

/** Commit a delayed order in a batch (as `commitOrder`); a batch with a commit is held to IM. */
export function commitAction(o: Omit<OrderRequest, "account">): Action {
  checkTrade(o.sizeDelta, o.acceptablePrice);
  if (o.acceptablePrice > MAX_UINT128) throw new Error("acceptablePrice must fit uint128");
  return {
    ...EMPTY,
    kind: ActionKind.CommitOrder,
    marketId: BigInt(o.marketId),
    sizeDelta: o.sizeDelta,
    acceptablePrice: o.acceptablePrice,
    settlementDeadline: o.settlementDeadline,
  };
}

/** Cancel the account's pending order in `marketId` in a batch (as `cancelOrder` by the owner). */
export function cancelAction(marketId: bigint | number): Action {
  return { ...EMPTY, kind: ActionKind.CancelOrder, marketId: BigInt(marketId) };
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
    a.sizeDelta,
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
  const a = commitAction(o);
  return engineInterface.encodeFunctionData("commitOrder", [
    o.account,
    a.marketId,
    a.sizeDelta,
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

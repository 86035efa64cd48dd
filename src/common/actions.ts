/** Builders for `multicall` actions (`ICrossmargin.Action`): each kind sets only its own fields,
 *  the rest are zero. Amounts are token units; sizes and prices WAD (docs/integration.md). */
import { ZeroAddress } from "ethers";

/** `ICrossmargin.ActionKind`, in the contract's order. */
export enum ActionKind {
  Deposit = 0,
  Withdraw = 1,
  ModifyPosition = 2,
  CommitOrder = 3,
  CancelOrder = 4,
}

export interface Action {
  kind: ActionKind;
  token: string;
  recipient: string;
  marketId: bigint;
  amount: bigint;
  sizeDelta: bigint;
  acceptablePrice: bigint;
  settlementDeadline: bigint;
}

const EMPTY: Omit<Action, "kind"> = {
  token: ZeroAddress,
  recipient: ZeroAddress,
  marketId: 0n,
  amount: 0n,
  sizeDelta: 0n,
  acceptablePrice: 0n,
  settlementDeadline: 0n,
};

type Id = bigint | number;

/** Deposit `amount` token units of `token`, paid by the caller of `multicall`. */
export function depositAction(token: string, amount: bigint): Action {
  return { ...EMPTY, kind: ActionKind.Deposit, token, amount };
}

/** Withdraw `amount` token units of `token` to `recipient`, paid after the batch's check. */
export function withdrawAction(token: string, amount: bigint, recipient: string): Action {
  return { ...EMPTY, kind: ActionKind.Withdraw, token, amount, recipient };
}

/** Trade `sizeDelta` (WAD, signed) in `marketId`; `acceptablePrice` is a buy's highest fill, a
 *  sell's lowest (WAD, non-zero). */
export function tradeAction(marketId: Id, sizeDelta: bigint, acceptablePrice: bigint): Action {
  return {
    ...EMPTY,
    kind: ActionKind.ModifyPosition,
    marketId: BigInt(marketId),
    sizeDelta,
    acceptablePrice,
  };
}

/** Commit a delayed order (as `commitOrder`). */
export function commitAction(
  marketId: Id,
  sizeDelta: bigint,
  acceptablePrice: bigint,
  settlementDeadline: bigint,
): Action {
  return {
    ...EMPTY,
    kind: ActionKind.CommitOrder,
    marketId: BigInt(marketId),
    sizeDelta,
    acceptablePrice,
    settlementDeadline,
  };
}

/** Cancel the account's pending order in `marketId` (as `cancelOrder` by the owner). */
export function cancelAction(marketId: Id): Action {
  return { ...EMPTY, kind: ActionKind.CancelOrder, marketId: BigInt(marketId) };
}

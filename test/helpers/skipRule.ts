/**
 * INV-58 (docs/math.md, "Margin check"): the skip rule of the margin check as the model computes
 * it. A call of reducing trades and quote deposits is applied to a {@link World}; per reducing
 * trade of `d` at oracle price `p`, fill `f` and fee `fee` the model adds
 * `cost += ceil(d * (f - p) / WAD) + fee`, `freed += mm(old) - mm(new) - creditLoss` (the
 * offset-pair credit the trade loses, other leg at its price) and
 * `slack += quoteScale + 2 + storeLoss` (what storing the new position rounded away);
 * a deposit of `v` quote units takes `v * quoteScale` off `cost`. The call skips the health loop
 * iff nothing grew and `freed >= cost + slack`; otherwise INV-8 decides, and values the
 * collateral only if the rest falls short (INV-59).
 */
import { expect } from "chai";
import { ContractTransactionResponse } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MockV3Aggregator } from "../../typechain-types";
import { FAR, depositAction, tradeAction } from "../../src/common";
import * as M from "../../src/model";
import { System } from "./fixture";
import { World, WorldHealth, expectTradeEvent, expectWorld } from "./model-world";
import { MAX_UINT, nextTimestamp } from "./trading";

/** One action of the call: a trade, or a deposit of quote units. */
export type Step = { market: number; delta: bigint } | { deposit: bigint };

/** The model's view of one call (USD WAD). */
export interface CallModel {
  /** Health at the call's timestamp before it and after it. */
  before: WorldHealth;
  after: WorldHealth;
  trades: { market: number; delta: bigint; r: M.TradeResult }[];
  /** `mmBeforeAdj`: MM freed at the oracle prices, net of the credit lost. */
  freed: bigint;
  /** `equityBeforeAdj`: what the trades cost, less the deposits. */
  cost: bigint;
  slack: bigint;
  /** A trade grew or flipped a position (the IM rule applies instead). */
  increased: boolean;
  /** INV-58: the check returns without valuing the account. */
  skip: boolean;
  /** What the check does with fresh feeds: skip, pass, or revert `WouldBecomeLiquidatable`. */
  outcome: "skip" | "pass" | "WouldBecomeLiquidatable";
  /** Equity after the call without the non-quote collateral (what INV-59 checks first). */
  bareEquity: bigint;
  /**
   * INV-59: the check reads the collateral feeds (a stale one reverts `OracleStale`): it does
   * not skip, the account holds collateral, and its quote balance and positions alone fall
   * short of the requirement (IM after a risk increase, MM otherwise).
   */
  readsCollateral: boolean;
}

/** `equity - MM`. */
export const gap = (h: Pick<WorldHealth, "equity" | "MM">): bigint => h.equity - h.MM;

const isReducing = (size: bigint, delta: bigint): boolean =>
  size !== 0n && size > 0n !== delta > 0n && M.abs(delta) <= M.abs(size);

/** The pair leg of `account`'s position in `market` at size `size`, at the market's price. */
function leg(w: World, market: number, size: bigint): M.PairLeg {
  const m = w.markets[market];
  const pm = M.positionMargin(m.params, size, m.price);
  return { size, notional: pm.notional, im: pm.im, mm: pm.mm };
}

/** MM credit of `market`'s offset pair with `market` at `size` (0 if unpaired or one-legged). */
function creditAt(w: World, account: bigint, market: number, size: bigint): bigint {
  const pair = w.pairs.find((p) => p.marketA === market || p.marketB === market);
  if (!pair) return 0n;
  const other = pair.marketA === market ? pair.marketB : pair.marketA;
  const mine = leg(w, market, size);
  const theirs = leg(w, other, w.position(account, other).size);
  const [a, b] = pair.marketA === market ? [mine, theirs] : [theirs, mine];
  return M.pairCredit(a, b, pair).creditMM;
}

/** Applies `steps` to `w` at `now` (mutates it) and returns the model of the call's check. */
export function modelCall(w: World, account: bigint, steps: Step[], now: bigint): CallModel {
  const before = w.health(account, now);
  const scale = M.quoteToUsd(1n, w.quoteDecimals);
  const trades: CallModel["trades"] = [];
  let freed = 0n;
  let cost = 0n;
  let slack = 0n;
  let increased = false;
  for (const s of steps) {
    if ("deposit" in s) {
      w.deposit(account, s.deposit);
      cost -= s.deposit * scale;
      continue;
    }
    const old = w.position(account, s.market).size;
    const price = w.markets[s.market].price;
    const creditOld = creditAt(w, account, s.market, old);
    const r = w.trade(account, s.market, s.delta, now);
    trades.push({ market: s.market, delta: s.delta, r });
    if (!isReducing(old, s.delta)) {
      increased = true;
      continue;
    }
    const creditLoss = creditOld - creditAt(w, account, s.market, r.newPosition.size);
    const mm = (size: bigint) => leg(w, s.market, size).mm;
    freed += mm(old) - mm(r.newPosition.size) - creditLoss;
    cost += M.sMulCeil(s.delta, r.fill - price) + r.fee;
    slack += scale + 2n + M.storeLoss(r.newPosition, r.fill, r.indexNow);
  }
  const after = w.health(account, now);
  const skip = !increased && freed >= cost + slack;
  let outcome: CallModel["outcome"] = "pass";
  if (skip) outcome = "skip";
  else if (!increased && after.equity < after.MM && after.equity + cost >= after.MM + freed)
    outcome = "WouldBecomeLiquidatable";
  const acc = w.riskAccount(account, now);
  const bareEquity = M.riskHealth({ ...acc, collaterals: [] }).equity;
  const required = increased ? after.IM - after.collateralIm : after.MM;
  const readsCollateral = !skip && acc.collaterals.length > 0 && bareEquity < required;
  const out = { before, after, trades, freed, cost, slack, increased, skip, outcome };
  return { ...out, bareEquity, readsCollateral };
}

/** The multicall actions of `steps` (deposits in the quote token, trades without a bound). */
export function actionsOf(steps: Step[], quote: string) {
  return steps.map((s) =>
    "deposit" in s
      ? depositAction(quote, s.deposit)
      : tradeAction(s.market, s.delta, s.delta > 0n ? MAX_UINT : 1n),
  );
}

/**
 * Reads the world, models `steps` for `account` at the next block and sends them as
 * `modifyPosition` (one trade) or `multicall`, with a fixed gas limit (no estimate: the call is
 * mined at the modelled timestamp). The transaction is not awaited.
 */
export async function sendCall(
  sys: System,
  user: HardhatEthersSigner,
  account: bigint,
  steps: Step[],
) {
  const w = await World.read(sys, [account]);
  const now = await nextTimestamp();
  const m = modelCall(w, account, steps, now);
  const e = sys.engine.connect(user);
  const gasLimit = 5_000_000;
  const s = steps[0];
  const tx =
    steps.length === 1 && "market" in s
      ? e.modifyPosition(account, s.market, s.delta, s.delta > 0n ? MAX_UINT : 1n, FAR, {
          gasLimit,
        })
      : e.multicall(account, actionsOf(steps, await sys.quote.getAddress()), FAR, { gasLimit });
  tx.catch(() => undefined); // a failed assertion before `tx` is awaited must not crash mocha
  return { w, m, tx };
}

/**
 * Awaits a call expected to pass and asserts the model's trade events and state; when the model
 * skips, that `equity - MM` did not fall (INV-58).
 */
export async function expectPassed(
  sys: System,
  account: bigint,
  w: World,
  m: CallModel,
  tx: Promise<ContractTransactionResponse>,
): Promise<void> {
  const sent = await tx;
  await sent.wait();
  for (const t of m.trades)
    await expectTradeEvent(sys.engine, sent, account, t.market, t.delta, t.r);
  await expectWorld(sys, w);
  if (m.skip) expect(gap(m.after), "INV-58: equity - MM did not fall").to.be.gte(gap(m.before));
}

/**
 * Makes `feed` stale at once: a new round with its answer, `heartbeat + 100` seconds old.
 * Returns its `updatedAt` (what `OracleStale` reports).
 */
export async function makeStale(feed: MockV3Aggregator, heartbeat = 86_400): Promise<bigint> {
  const [round, answer] = await feed.latestRoundData();
  const t = BigInt(await time.latest()) - BigInt(heartbeat) - 100n;
  await (await feed.updateRoundData(round + 1n, answer, t, t)).wait();
  return t;
}

/** Publishes `feed`'s answer again, now. */
export async function makeFresh(feed: MockV3Aggregator): Promise<void> {
  await (await feed.updateAnswer(await feed.latestAnswer())).wait();
}

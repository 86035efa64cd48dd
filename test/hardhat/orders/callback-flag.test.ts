// INV-76: each pending order carries a flag that says whether its account has a settlement
// callback, so that a settlement reads the callback's slot only when there is one. The flag is
// set at commit and follows every `setSettlementCallback`, so the callback told of a settlement
// is always the one registered when it settles.
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../../src/common/units";
import { BTC, ETH } from "../../../src/common";
import { MockSettlementCallback, MockSettlementCallback__factory } from "../../../typechain-types";
import { at, mapping } from "../../../scripts/bench/layout";
import {
  OrdersEnv,
  commit,
  expectConserved,
  latestRound,
  loadOrders,
  openInstant,
  px,
  setPrice,
} from "../../helpers/orders";
import { storageOps } from "../../helpers/trace";

/** The storage keys a transaction read with `SLOAD`, in the engine's context or any other. */
const sloadKeys = async (hash: string) => (await storageOps(hash, "SLOAD")).map((r) => r.key);

const REDUCE_ONLY = 1n << 248n;
const CALLBACK = 1n << 249n;

/** Slot 0 of the stored order of `account` in `marketId` (`StoredOrder`, two slots). */
async function orderWord(env: OrdersEnv, marketId: number): Promise<bigint> {
  const slot = at(BigInt(marketId), at(env.account, mapping("orders")));
  return BigInt(await ethers.provider.getStorage(await env.engine.getAddress(), slot));
}

describe("orders: the settlement-callback flag (INV-76)", () => {
  let env: OrdersEnv;
  let cb: MockSettlementCallback;

  beforeEach(async () => {
    env = await loadOrders();
    cb = await new MockSettlementCallback__factory(env.deployer).deploy(env.engine);
  });

  const setCallback = (target: string) =>
    env.engine.connect(env.trader).setSettlementCallback(env.account, target);

  /** Commits a 1 ETH buy and publishes its settlement round at 3,020; returns the round. */
  async function pending(): Promise<bigint> {
    const T = BigInt(await time.latest()) + 10n;
    await commit(env, ETH, wad("1"), { at: T, acceptable: px("4000"), deadline: T + 100n });
    await setPrice(env.feeds[ETH], "3020", T + 2n);
    return latestRound(env.feeds[ETH]);
  }

  it("is set at commit as the callback is, and setSettlementCallback sets and clears it on every pending order, nothing else in the word", async () => {
    await commit(env, ETH, wad("1"));
    await commit(env, BTC, -wad("0.01"));
    const words = [await orderWord(env, ETH), await orderWord(env, BTC)];
    for (const w of words) expect(w & CALLBACK).to.equal(0n);
    await setCallback(await cb.getAddress());
    for (const [i, m] of [ETH, BTC].entries()) {
      expect(await orderWord(env, m)).to.equal(words[i] | CALLBACK);
    }
    await setCallback(ethers.ZeroAddress);
    for (const [i, m] of [ETH, BTC].entries()) expect(await orderWord(env, m)).to.equal(words[i]);
    // With a callback registered, a new commit carries the flag, beside the reduce-only bit.
    env = await loadOrders(); // back to the fixture: the callback contract is gone too
    cb = await new MockSettlementCallback__factory(env.deployer).deploy(env.engine);
    await openInstant(env, ETH, wad("2"));
    await setCallback(await cb.getAddress());
    await commit(env, ETH, -wad("1")); // reduces the long: reduce-only
    await commit(env, BTC, wad("0.01"));
    expect((await orderWord(env, ETH)) & (CALLBACK | REDUCE_ONLY)).to.equal(CALLBACK | REDUCE_ONLY);
    expect((await orderWord(env, BTC)) & (CALLBACK | REDUCE_ONLY)).to.equal(CALLBACK);
  });

  it("a callback registered after the commit is told of the settlement; one removed after it is not", async () => {
    let round = await pending();
    await setCallback(await cb.getAddress());
    await env.engine.connect(env.keeper).settleOrder(env.account, ETH, round);
    expect(await cb.calls()).to.equal(1n);
    expect([await cb.lastFilled(), await cb.lastSizeDelta()]).to.deep.equal([true, wad("1")]);
    round = await pending(); // committed with the callback registered: flagged
    await setCallback(ethers.ZeroAddress);
    await expect(env.engine.connect(env.keeper).settleOrder(env.account, ETH, round)).to.emit(
      env.engine,
      "OrderSettled",
    );
    expect(await cb.calls()).to.equal(1n);
    await expectConserved(env, [env.account, env.otherAccount]);
  });

  it("a settlement reads the callback's slot only when the order's flag says there is one", async () => {
    const slot = at(env.account, mapping("settlementCallbacks"));
    let round = await pending();
    let tx = await env.engine.connect(env.keeper).settleOrder(env.account, ETH, round);
    expect(await sloadKeys(tx.hash)).to.not.include(slot);
    await setCallback(await cb.getAddress());
    round = await pending();
    tx = await env.engine.connect(env.keeper).settleOrder(env.account, ETH, round);
    expect((await sloadKeys(tx.hash)).filter((k) => k === slot)).to.have.length(1);
    expect(await cb.calls()).to.equal(1n);
  });
});

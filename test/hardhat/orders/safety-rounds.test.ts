/** Issue 11, order items: the settlement round (INV-37) and settling markets (INV-39),
 *  regression tests of the attacks step by step; numbers from the model and helpers. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { feedAnswer, wad } from "../../../src/common/units";
import {
  KEEPER_FEE,
  OrdersEnv,
  commit,
  eventsOf,
  expectConserved,
  expectedTrade,
  latestRound,
  loadOrders,
  openInstant,
  phaseRound,
  px,
  settlementBand,
} from "../../helpers/orders";
import { ETH } from "../../../src/common";
import { stackAt, traceSteps } from "../../helpers/trace";

/** Publishes round `id` at exactly `at` (MockV3Aggregator can skip ids and change phase). */
async function publish(env: OrdersEnv, id: bigint, price: string, at: bigint) {
  await time.setNextBlockTimestamp(at);
  await env.feeds[ETH].updateRoundData(id, feedAnswer(price), at, at);
}

/** orderStatus and the lens's pendingOrders, which must agree. */
async function statusBoth(env: OrdersEnv) {
  const st = await env.engine.orderStatus(env.account, ETH);
  const [p] = await env.sys.lens.pendingOrders(env.account);
  expect([p.settleable, p.settlementRound, p.phaseProof]).to.deep.equal([
    st.settleable,
    st.settlementRound,
    st.phaseProof,
  ]);
  return st;
}

/** Every read a transaction made of `feed`, in order (from its trace): "latest" for
 *  `latestRoundData`, the round id for `getRoundData`. */
const ADDRESS_MASK = (1n << 160n) - 1n;

async function roundReads(hash: string, feed: string): Promise<(bigint | string)[]> {
  const out: (bigint | string)[] = [];
  for (const step of await traceSteps(hash, true)) {
    // The call takes the address's low 160 bits; a build without the optimizer may leave the
    // config word's higher bits above them on the stack.
    if (step.op !== "STATICCALL" || (stackAt(step, 1) & ADDRESS_MASK) !== BigInt(feed)) continue;
    const args = Number(stackAt(step, 2)) * 2;
    const memory = step.memory!.join("");
    const selector = memory.slice(args, args + 8);
    if (selector === "9a6fc8f5") out.push(BigInt("0x" + memory.slice(args + 8, args + 72)));
    else out.push(selector === "feaf968c" ? "latest" : selector);
  }
  return out;
}

describe("orders: INV-37 the first round is the first", () => {
  it("INV-37: a gap in round ids never makes a second 'first' round the settler could pick", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    const r = await latestRound(env.feeds[ETH]);
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    expect((await engine.getOrder(account, ETH)).commitRound).to.equal(r);
    await publish(env, r + 1n, "3010", T + 3n); // the settlement round
    await publish(env, r + 5n, "2900", T + 10n); // r + 2 .. r + 4 are missing
    // The attack on the old code: r + 5 was accepted too (its predecessor r + 4 is missing),
    // and orderStatus named it.
    await expect(engine.connect(keeper).settleOrder(account, ETH, r + 5n))
      .to.be.revertedWithCustomError(engine, "RoundPredecessorMissing")
      .withArgs(r + 5n, r + 4n);
    const st = await statusBoth(env);
    expect([st.settleable, st.settlementRound, st.phaseProof]).to.deep.equal([true, r + 1n, 0n]);
    const now = T + 20n; // after the reverted attempts' blocks
    const want = await expectedTrade(engine, account, ETH, wad("1"), px("3010"), now);
    await time.setNextBlockTimestamp(now);
    const tx = await engine.connect(keeper).settleOrder(account, ETH, r + 1n);
    await expect(tx)
      .to.emit(engine, "OrderSettled")
      .withArgs(account, ETH, keeper.address, r + 1n, KEEPER_FEE);
    const [pm] = await eventsOf(env, tx, "PositionModified");
    expect(pm.fillPrice).to.equal(want.fill);
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("INV-37: the round right after the commit's settles without a read of its predecessor (the commit's own round); a later first round reads it; the latest round is read once", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    const feed = await env.feeds[ETH].getAddress();
    // The round right after the commit's, and the latest: one read serves the settlement
    // round and the margin check's price.
    let c = await latestRound(env.feeds[ETH]);
    let T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    await publish(env, c + 1n, "3010", T + 3n);
    let tx = await engine.connect(keeper).settleOrder(account, ETH, c + 1n);
    await expect(tx)
      .to.emit(engine, "OrderSettled")
      .withArgs(account, ETH, keeper.address, c + 1n, KEEPER_FEE);
    expect(await roundReads(tx.hash, feed)).to.deep.equal(["latest"]);
    // A round published too early between: the settlement round's predecessor is read.
    c = await latestRound(env.feeds[ETH]);
    T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    await publish(env, c + 1n, "3020", T + 1n); // before the earliest settlement (T + 2)
    await publish(env, c + 2n, "3030", T + 3n);
    await publish(env, c + 3n, "3040", T + 4n); // the latest, which the check values at
    await expect(engine.connect(keeper).settleOrder(account, ETH, c + 1n))
      .to.be.revertedWithCustomError(engine, "RoundTooEarly")
      .withArgs(c + 1n, T + 1n, T + 2n);
    tx = await engine.connect(keeper).settleOrder(account, ETH, c + 2n);
    await expect(tx)
      .to.emit(engine, "OrderSettled")
      .withArgs(account, ETH, keeper.address, c + 2n, KEEPER_FEE);
    expect(await roundReads(tx.hash, feed)).to.deep.equal(["latest", c + 2n, c + 1n]);
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("INV-37: across a phase change the first round needs the last round of the previous phase", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    const r = await latestRound(env.feeds[ETH]);
    expect(r >> 64n).to.equal(0n);
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    await publish(env, r + 1n, "3001", T + 1n); // too early, the last round of phase 0
    const first = phaseRound(1n, 1n);
    await publish(env, first, "3010", T + 3n);
    await publish(env, phaseRound(1n, 2n), "2950", T + 4n);
    const st = await statusBoth(env);
    expect([st.settleable, st.settlementRound, st.phaseProof]).to.deep.equal([true, first, r + 1n]);
    const c = engine.connect(keeper);
    // Old code: accepted without proof, because round (1 << 64) did not exist.
    await expect(c.settleOrder(account, ETH, first))
      .to.be.revertedWithCustomError(engine, "InvalidPhaseProof")
      .withArgs(first, 0n);
    for (const bad of [r, phaseRound(1n, 0n), r + 2n]) {
      // r has a successor; phase 1 is not the previous phase; r + 2 does not exist.
      await expect(c.settleOrderAcrossPhase(account, ETH, first, bad)).to.be.reverted;
    }
    await expect(c.settleOrderAcrossPhase(account, ETH, first, r))
      .to.be.revertedWithCustomError(engine, "InvalidPhaseProof")
      .withArgs(first, r);
    await expect(c.settleOrderAcrossPhase(account, ETH, phaseRound(1n, 2n), r + 1n))
      .to.be.revertedWithCustomError(engine, "InvalidPhaseProof")
      .withArgs(phaseRound(1n, 2n), r + 1n);
    await expect(c.settleOrder(account, ETH, phaseRound(1n, 2n)))
      .to.be.revertedWithCustomError(engine, "RoundNotFirst")
      .withArgs(phaseRound(1n, 2n), T + 3n, T + 2n);
    const now = T + 30n; // after the reverted attempts' blocks
    const want = await expectedTrade(engine, account, ETH, wad("1"), px("3010"), now);
    await time.setNextBlockTimestamp(now);
    const tx = await c.settleOrderAcrossPhase(account, ETH, first, r + 1n);
    await expect(tx)
      .to.emit(engine, "OrderSettled")
      .withArgs(account, ETH, keeper.address, first, KEEPER_FEE);
    const [pm] = await eventsOf(env, tx, "PositionModified");
    expect(pm.fillPrice).to.equal(want.fill);
  });

  it("INV-37: an eligible round before the phase change is the first; the new phase's is not", async () => {
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    const r = await latestRound(env.feeds[ETH]);
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    await publish(env, r + 1n, "3005", T + 2n); // eligible: the settlement round
    const first = phaseRound(1n, 1n);
    await publish(env, first, "3100", T + 4n);
    const st = await statusBoth(env);
    expect([st.settleable, st.settlementRound, st.phaseProof]).to.deep.equal([true, r + 1n, 0n]);
    await expect(engine.connect(keeper).settleOrderAcrossPhase(account, ETH, first, r + 1n))
      .to.be.revertedWithCustomError(engine, "RoundNotFirst")
      .withArgs(first, T + 2n, T + 2n);
    await expect(engine.connect(keeper).settleOrder(account, ETH, r + 1n)).to.emit(
      engine,
      "OrderSettled",
    );
  });
});

describe("settleMarket: INV-39 markets can always be settled", () => {
  it("INV-39: settles on a stale feed at its last answer; positions then close at that price", async () => {
    const env = await loadOrders();
    const { engine, account, trader } = env;
    await openInstant(env, ETH, wad("2"));
    const last = (await env.feeds[ETH].latestRoundData())[1] * 10n ** 10n;
    const hb = (await engine.getMarket(ETH)).heartbeat;
    await time.increase(hb + 10n); // stale: the old code reverted OracleStale here
    await expect(engine.settleMarket(ETH, 0n))
      .to.emit(engine, "MarketStatusSet")
      .withArgs(ETH, 4, last);
    expect((await engine.getMarket(ETH)).settlementPrice).to.equal(last);
    await expect(engine.connect(trader).modifyPosition(account, ETH, -wad("2"), 1n, 10n ** 30n))
      .to.emit(engine, "PositionModified")
      .withArgs(
        account,
        ETH,
        -wad("2"),
        0n,
        last,
        0n,
        anyValue,
        anyValue,
        anyValue,
        (await engine.getMarketState(ETH)).fundingIndex, // frozen since the settlement
      );
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("INV-39: an explicit price must lie within +-20 % of the last answer (stale or not)", async () => {
    const env = await loadOrders();
    const { engine } = env;
    const last = (await env.feeds[ETH].latestRoundData())[1] * 10n ** 10n;
    const [lo, hi] = settlementBand(last);
    await time.increase((await engine.getMarket(ETH)).heartbeat + 10n);
    for (const bad of [lo - 1n, hi + 1n, 1n]) {
      await expect(engine.settleMarket(ETH, bad))
        .to.be.revertedWithCustomError(engine, "SettlementPriceOutOfBand")
        .withArgs(bad, lo, hi);
    }
    expect((await engine.getMarket(ETH)).status).to.equal(1n);
    await expect(engine.settleMarket(ETH, hi))
      .to.emit(engine, "MarketStatusSet")
      .withArgs(ETH, 4, hi);
    await expect(engine.settleMarket(1, lo - 1n)).to.be.revertedWithCustomError(
      engine,
      "SettlementPriceOutOfBand",
    );
  });
});

/** INV-40: sandwiches through the skew-based fill price, instantly and with delayed orders
 *  settled in any order in one block; the required slippage bound. (Issue 11 item 10.) */
import { expect } from "chai";
import { network } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { feedAnswer, fromUnits, fromWad, wad } from "../../../src/common/units";
import { quoteFill, toModelParams, toModelState } from "../../../src/common/market-view";
import * as M from "../../../src/model";
import { Rng } from "../../../src/sim/random";
import {
  Env,
  MAX_UINT,
  fundQuote,
  loadTrading,
  provideLiquidity,
  usdc,
} from "../../helpers/trading";
import { World, expectTradeEvent, expectWorld } from "../../helpers/model-world";
import { MAX_UINT128, expectConserved, report } from "../../helpers/adversarial";
import { ETH, FAR, tradeAction } from "../../../src/common";
import { inOneBlock } from "../../helpers/blocks";

const P = wad("3000");
const SCALE = wad("1000000");
const MAKER = wad("0.0002");
const TAKER = wad("0.0006");
const KEEPER_FEE = usdc("1");
const USD = (quote: bigint) => quote * 10n ** 12n; // quote units -> USD WAD

/** A bound that accepts any fill: the highest for a buy, the lowest (1 wei) for a sell. */
const anyPrice = (size: bigint) => (size > 0n ? MAX_UINT : 1n);

/** The local deployment with 20M USDC more in the pool (OI caps above the sizes used here). */
async function setup(): Promise<Env> {
  const env = await loadTrading();
  await provideLiquidity(env, env.lp, usdc("20000000"));
  return env;
}

/** The lower bound of a round trip's loss: `p * d^2 / skewScale` (rounded down) plus fees. */
function lossBound(price: bigint, d: bigint, fees: bigint): bigint {
  return M.mulDown(price, (d * d) / SCALE) + fees;
}

/** Value (USD WAD) of an account's positions at `price`: its unrealised PnL. */
async function upnl(env: Env, account: bigint, price: bigint): Promise<bigint> {
  const p = await env.engine.getPosition(account, ETH);
  return M.unrealisedPnl({ size: p.size, entryPrice: p.entryPrice, fundingIndex: 0n }, price);
}

/** Opens `size` from a third account in its own block so the market starts with that skew. */
async function preSkew(env: Env, who: HardhatEthersSigner, size: bigint): Promise<void> {
  if (size === 0n) return;
  const a = await fundQuote(env, who, usdc("10000000"), 7);
  await env.engine.connect(who).modifyPosition(a, ETH, size, anyPrice(size), FAR);
}

interface InstantCase {
  skew0: bigint;
  d1: bigint; // attacker's first leg (signed)
  d2: bigint; // victim's trade (signed)
}

/** The instant sandwich in one block, checked to the wei against the model; returns the
 *  attacker's net (quote units) and the model's results. */
async function instantSandwich(env: Env, c: InstantCase) {
  const [mev, victim, other] = env.users;
  await preSkew(env, other, c.skew0);
  const A = await fundQuote(env, mev, usdc("10000000"));
  const V = await fundQuote(env, victim, usdc("10000000"));
  const w = await World.read(env, [A, V]);
  const q0 = w.account(A).quoteBalance;
  const T = BigInt(await time.latest()) + 10n;
  const r1 = w.trade(A, ETH, c.d1, T);
  const rv = w.trade(V, ETH, c.d2, T);
  const r2 = w.trade(A, ETH, -c.d1, T);
  const e = env.engine;
  const [t1, tv, t2] = await inOneBlock(T, [
    (o) => e.connect(mev).modifyPosition(A, ETH, c.d1, anyPrice(c.d1), FAR, o),
    (o) => e.connect(victim).modifyPosition(V, ETH, c.d2, anyPrice(c.d2), FAR, o),
    (o) => e.connect(mev).modifyPosition(A, ETH, -c.d1, anyPrice(-c.d1), FAR, o),
  ]);
  await expectTradeEvent(e, t1, A, ETH, c.d1, r1);
  await expectTradeEvent(e, tv, V, ETH, c.d2, rv);
  await expectTradeEvent(e, t2, A, ETH, -c.d1, r2);
  await expectWorld(env, w);
  await expectConserved(env);
  const net = (await e.getAccount(A)).quoteBalance - q0;
  expect(net).to.equal(r1.quoteDelta + r2.quoteDelta);
  return { net, r1, rv, r2 };
}

describe("adversarial: sandwiches through the fill price (INV-40)", () => {
  it("INV-40: the issue's sandwich (5,000 ETH around a 1,000 ETH buy, one block) now loses more than p*d1^2/skewScale plus fees", async () => {
    const env = await setup();
    const d1 = wad("5000");
    const d2 = wad("1000");
    // Before INV-40 (fill at the current skew), the model's attacker made ~ +2,967 USDC.
    const open = M.applyTrade(M.emptyMarketState(0n), params(), M.EMPTY_POSITION, d1, P, 0n, 6);
    const vOld = M.applyTrade(open.newMarketState, params(), M.EMPTY_POSITION, d2, P, 0n, 6);
    const shutOld = M.applyTrade(vOld.newMarketState, params(), open.newPosition, -d1, P, 0n, 6);
    const oldNet = open.quoteDelta + shutOld.quoteDelta;
    expect(oldNet).to.be.greaterThan(usdc("2900"));
    expect(vOld.fill).to.equal(wad("3016.5"));

    const { net, r1, rv, r2 } = await instantSandwich(env, { skew0: 0n, d1, d2 });
    // Bought at the block-start skew + d1/2, sold back at the block-start skew - d1/2.
    expect(r1.fill).to.equal(wad("3007.5"));
    expect(r2.fill).to.equal(wad("2992.5"));
    // The victim's buy is priced at the worse skew for it (after the attacker's buy): the
    // attacker cannot take that back; it went to the pool, with the attacker's loss.
    expect(rv.fill).to.equal(wad("3016.5"));
    expect(net).to.be.lessThan(0n);
    expect(-USD(net)).to.be.gte(lossBound(P, d1, r1.fee + r2.fee));
    report(
      `sandwich 5,000 / 1,000 ETH: attacker ${fromUnits(oldNet, 6)} USDC before INV-40, ` +
        `${fromUnits(net, 6)} USDC now; victim's fill ${fromWad(rv.fill)}`,
    );
  });

  it("INV-40: the same sandwich with delayed orders (attacker buy, victim buy, attacker's second account sell) loses in each of the 6 settle orders", async () => {
    const d1 = wad("5000");
    const d2 = wad("1000");
    const perms = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    for (const order of perms) {
      const env = await setup();
      const r = await delayedSandwich(env, { skew0: 0n, d1, d2 }, order);
      expect(r.value, `settle order ${order}`).to.be.lessThan(0n);
      expect(-r.value, `settle order ${order}`).to.be.gte(lossBound(P, d1, r.fees));
      report(
        `delayed sandwich, settles in order ${order}: attacker ${fromWad(r.value).toFixed(2)} USD`,
      );
    }
  });

  it("INV-40: property: no round trip within a block around another trade profits (model, 3,000 seeded cases, any settle order)", () => {
    const rng = new Rng("INV-40 sandwich model");
    let oldProfitable = 0;
    for (let i = 0; i < 3000; i++) {
      const c = randomCase(rng, 40_000, 20_000);
      const order = permutation(rng);
      const { value, fees, oldValue } = modelSandwich(c, order);
      expect(value, `case ${i}`).to.be.lessThan(0n);
      expect(-value, `case ${i}`).to.be.gte(lossBound(P, M.abs(c.d1), fees));
      if (oldValue > 0n) oldProfitable++;
    }
    // The generator does find the attack the old pricing allowed.
    expect(oldProfitable).to.be.greaterThan(100);
    report(`model property: 3000 cases, ${oldProfitable} would have profited before INV-40`);
  });

  it("INV-40: property: seeded random sandwiches on chain, instant and delayed in random settle order, match the model and never profit", async () => {
    const rng = new Rng("INV-40 sandwich chain");
    for (let i = 0; i < 10; i++) {
      const env = await setup();
      const c = randomCase(rng, 3_000, 5_000);
      if (i % 2 === 0) {
        const { net, r1, r2 } = await instantSandwich(env, c);
        expect(net, `instant case ${i}`).to.be.lessThan(0n);
        expect(-USD(net)).to.be.gte(lossBound(P, M.abs(c.d1), r1.fee + r2.fee));
      } else {
        const order = permutation(rng);
        const r = await delayedSandwich(env, c, order);
        const model = modelSandwich(c, order);
        expect(r.value, `delayed case ${i}`).to.equal(model.value - 2n * USD(KEEPER_FEE));
        expect(r.value).to.be.lessThan(0n);
      }
    }
  });

  it("INV-40: quoteTrade, the lens and the common quoteFill price at the block-start skew within the block, at the current skew in the next", async () => {
    const env = await setup();
    const [mev] = env.users;
    const A = await fundQuote(env, mev, usdc("10000000"));
    const e = env.engine;
    const pending = { blockTag: "pending" };
    const T = BigInt(await time.latest()) + 10n;
    await network.provider.send("evm_setAutomine", [false]);
    try {
      // The buy waits in the pending block (timestamp T); views on that block see it.
      await time.setNextBlockTimestamp(T);
      await e.connect(mev).modifyPosition(A, ETH, wad("5000"), MAX_UINT, FAR, { gasLimit: 3e6 });
      const st = await e.getMarketState(ETH, pending);
      // The buy recorded funding at T, and with it the skew before it (INV-40).
      expect([st.blockSkew, st.lastFundingTime]).to.deep.equal([0n, T]);
      const prm = toModelParams(await e.getMarket(ETH));
      for (const d of [-wad("1000"), wad("1000")]) {
        // A sell is priced at the block-start skew 0, a buy at the current 5,000.
        const want = quoteFill(prm, { ...toModelState(st), blockSkew: st.blockSkew }, P, d, T);
        expect(want.fill).to.equal(M.fillPrice(P, d > 0n ? wad("5000") : 0n, d, SCALE));
        expect(await e.quoteTrade(ETH, d, pending)).to.deep.equal([want.fill, want.fee]);
        expect(await env.lens.fillPrice(ETH, d, pending)).to.deep.equal([want.fill, want.fee]);
      }
      await network.provider.send("evm_mine", []);
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
    // Next block (a later timestamp): the stored skew is a past timestamp's; quotes use the
    // current skew.
    const st = await e.getMarketState(ETH);
    expect(st.lastFundingTime).to.equal(T);
    const want = quoteFill(
      toModelParams(await e.getMarket(ETH)),
      { ...toModelState(st), blockSkew: st.blockSkew },
      P,
      -wad("1000"),
      BigInt(await time.latest()) + 1n,
    );
    expect(want.fill).to.equal(M.fillPrice(P, wad("5000"), -wad("1000"), SCALE));
    expect(await e.quoteTrade(ETH, -wad("1000"), pending)).to.deep.equal([want.fill, want.fee]);
  });

  it("INV-40: a trade without a slippage bound reverts SlippageBoundRequired and changes nothing (modifyPosition, multicall, commitOrder)", async () => {
    const env = await setup();
    const [u] = env.users;
    const a = await fundQuote(env, u, usdc("100000"));
    const e = env.engine.connect(u);
    const before = await e.getAccount(a);
    await expect(e.modifyPosition(a, ETH, -wad("1"), 0n, FAR)).to.be.revertedWithCustomError(
      e,
      "SlippageBoundRequired",
    );
    const action = tradeAction(ETH, wad("1"), 0n);
    await expect(e.multicall(a, [action], FAR)).to.be.revertedWithCustomError(
      e,
      "SlippageBoundRequired",
    );
    const now = BigInt(await time.latest());
    await expect(e.commitOrder(a, ETH, wad("1"), 0n, now + 600n)).to.be.revertedWithCustomError(
      e,
      "SlippageBoundRequired",
    );
    expect(await e.getAccount(a)).to.deep.equal(before);
    expect((await e.getPosition(a, ETH)).size).to.equal(0n);
    // A bound of 1 wei on a sell (any price) is a bound: accepted.
    await e.modifyPosition(a, ETH, -wad("1"), 1n, FAR);
  });
});

// ---------------------------------------------------------------------------- helpers

function params(): M.MarketParams {
  return {
    skewScale: SCALE,
    makerFee: MAKER,
    takerFee: TAKER,
    imrBase: wad("0.02"),
    imrSizeFactor: wad("0.0001"),
    maintenanceScalar: wad("0.5"),
    minPositionMargin: wad("20"),
    maxFundingVelocity: wad("9"),
  };
}

/** Whole-ETH sizes: a start skew in [-maxSkew, maxSkew], |d1|, |d2| in [1, maxSize]. */
function randomCase(rng: Rng, maxSize: number, maxSkew: number): InstantCase {
  const signed = (n: number) => (rng.next() < 0.5 ? -1n : 1n) * wad(String(n));
  const skew0 = rng.int(2 * maxSkew + 1) - maxSkew;
  return {
    skew0: wad(String(skew0)),
    d1: signed(1 + rng.int(maxSize)),
    d2: signed(1 + rng.int(maxSize)),
  };
}

/** A random order of [attacker open, victim, attacker unwind]. */
function permutation(rng: Rng): number[] {
  const p = [0, 1, 2];
  for (let i = 2; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * The model of one block: the attacker opens d1 on account A and -d1 on account A2, the
 * victim trades d2, in `order` (0 = A, 1 = victim, 2 = A2), from a market with skew `skew0`.
 * Returns the attacker's value (USD WAD: quote deltas + open PnL at p), its fees, and the
 * value with the pre-INV-40 pricing.
 */
function modelSandwich(c: InstantCase, order: number[]) {
  const run = (inBlock: boolean) => {
    let st: M.MarketState = {
      ...M.emptyMarketState(0n),
      longOI: c.skew0 > 0n ? c.skew0 : 0n,
      shortOI: c.skew0 < 0n ? -c.skew0 : 0n,
    };
    const blockSkew = M.skewOf(st);
    const legs = [c.d1, c.d2, -c.d1];
    let value = 0n;
    let fees = 0n;
    order.forEach((who, k) => {
      const r = M.applyTrade(
        st,
        params(),
        M.EMPTY_POSITION,
        legs[who],
        P,
        0n,
        6,
        inBlock && k > 0 ? blockSkew : undefined,
      );
      st = r.newMarketState;
      if (who !== 1) {
        value += USD(r.quoteDelta) + M.unrealisedPnl(r.newPosition, P);
        fees += r.fee;
      }
    });
    return { value, fees };
  };
  const now = run(true);
  return { value: now.value, fees: now.fees, oldValue: run(false).value };
}

/**
 * The delayed-order sandwich: A commits d1, A2 (the attacker's second account) -d1, the
 * victim d2; one round later a keeper settles the three in one block in `order`. Checks each
 * fill against the model; returns the attacker's value (USD WAD, quote change including the
 * keeper fees + open PnL at the oracle price) and its trading fees.
 */
async function delayedSandwich(env: Env, c: InstantCase, order: number[]) {
  const [mev, victim, other, keeper] = env.users;
  await preSkew(env, other, c.skew0);
  const A = await fundQuote(env, mev, usdc("10000000"));
  const A2 = await fundQuote(env, mev, usdc("10000000"), 1);
  const V = await fundQuote(env, victim, usdc("10000000"));
  const e = env.engine;
  const q0 = (await e.getAccount(A)).quoteBalance + (await e.getAccount(A2)).quoteBalance;
  const legs: [HardhatEthersSigner, bigint, bigint][] = [
    [mev, A, c.d1],
    [victim, V, c.d2],
    [mev, A2, -c.d1],
  ];
  const T = BigInt(await time.latest()) + 10n;
  await time.setNextBlockTimestamp(T);
  for (const [who, acct, d] of legs)
    await e.connect(who).commitOrder(acct, ETH, d, d > 0n ? MAX_UINT128 : 1n, T + 600n);
  await time.setNextBlockTimestamp(T + 5n);
  await env.marketFeeds[ETH].updateAnswer(feedAnswer("3000"));
  const round = (await env.marketFeeds[ETH].latestRoundData())[0];
  const w = await World.read(env, [A, A2, V]);
  const tS = T + 6n;
  const results = order.map((k) => w.trade(legs[k][1], ETH, legs[k][2], tS));
  const txs = await inOneBlock(
    tS,
    order.map((k) => (o: object) => e.connect(keeper).settleOrder(legs[k][1], ETH, round, o)),
  );
  for (let i = 0; i < order.length; i++) {
    const [, acct, d] = legs[order[i]];
    await expect(txs[i]).to.emit(e, "OrderSettled");
    await expectTradeEvent(e, txs[i], acct, ETH, d, results[i]);
  }
  await expectConserved(env);
  const q1 = (await e.getAccount(A)).quoteBalance + (await e.getAccount(A2)).quoteBalance;
  const value = USD(q1 - q0) + (await upnl(env, A, P)) + (await upnl(env, A2, P));
  let fees = 0n;
  order.forEach((k, i) => {
    if (k !== 1) fees += results[i].fee;
  });
  return { value, fees };
}

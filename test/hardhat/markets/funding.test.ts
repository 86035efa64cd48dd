// Velocity funding against the model: accrual over hours and days while the skew changes,
// the recorded rate / index on every touch, what accounts and the pool owe in between, and
// parameter changes that must record funding under the old parameters first.
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import {
  Env,
  advance,
  fundQuote,
  loadTrading,
  nextTimestamp,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import {
  World,
  expectConservation,
  expectHealth,
  expectPoolValue,
  expectWorld,
  fundingAt,
  latest,
} from "../../helpers/model-world";
import { BTC, ETH } from "../../../src/common";

const HOUR = 3600;
const DAY = 86_400;

describe("markets: funding", () => {
  let env: Env;

  beforeEach(async () => {
    env = await loadTrading();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  /** A trade whose PositionModified reports the model's recorded funding index (the rate is in
   *  the market state `trade` checks), without a separate FundingRecorded. */
  async function touch(
    user: HardhatEthersSigner,
    account: bigint,
    marketId: number,
    sizeDelta: bigint,
    others: bigint[],
  ): Promise<M.TradeResult> {
    const { r, w, tx } = await trade(env, user, account, marketId, sizeDelta, { others });
    expect(r.indexNow).to.equal(w.markets[marketId].state.fundingIndex);
    await expect(tx).to.not.emit(env.engine, "FundingRecorded");
    return r;
  }

  /** currentFunding, accountHealth and the pool value equal the model at the latest block. */
  async function expectFundingViews(marketId: number, accounts: bigint[]): Promise<World> {
    const w = await World.read(env, accounts);
    const f = fundingAt(w.markets[marketId], await latest());
    const [rate, index] = await env.engine.currentFunding(marketId);
    expect([rate, index], "currentFunding").to.deep.equal([f.rateNow, f.indexNow]);
    for (const a of accounts) await expectHealth(env, w, a);
    await expectPoolValue(env, w);
    return w;
  }

  it("accrues over hours and days while the skew changes sign", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("1000000"));
    const b = await fundQuote(env, bob, usdc("1000000"));
    await touch(alice, a, ETH, wad("500"), [b]);

    // Longs dominate for 3 hours: the rate drifts up, longs owe.
    await advance(env, 3 * HOUR);
    let w = await expectFundingViews(ETH, [a, b]);
    expect(w.health(a, await latest()).funding, "longs pay").to.be.gt(0n);

    // Bob's short turns the skew to -300 and realises nothing (he was flat).
    const open = await touch(bob, b, ETH, -wad("800"), [a]);
    expect(open.funding).to.equal(0n);
    expect(open.newMarketState.fundingRate).to.be.gt(0n);

    // Two days at a negative skew and a moving price: the rate turns negative.
    await advance(env, DAY);
    await setMarketPrice(env, ETH, "3120");
    w = await expectFundingViews(ETH, [a, b]);
    await advance(env, DAY);
    await setMarketPrice(env, ETH, "2980.5");
    w = await expectFundingViews(ETH, [a, b]);
    const now = await latest();
    expect(fundingAt(w.markets[ETH], now).rateNow, "shorts dominate").to.be.lt(0n);
    expect(w.health(b, now).funding, "shorts pay").to.be.gt(0n);

    // Alice's touch realises funding accrued across both regimes (she now receives).
    const r = await touch(alice, a, ETH, wad("1"), [b]);
    expect(r.funding).to.be.lt(0n);
    // Bob's partial close realises his share.
    await advance(env, 7 * HOUR);
    const rb = await touch(bob, b, ETH, wad("300"), [a]);
    expect(rb.funding).to.be.gt(0n);
    await expectFundingViews(ETH, [a, b]);
  });

  it("records funding on every market an account touches, independently", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("1000000"));
    const b = await fundQuote(env, bob, usdc("1000000"));
    await touch(alice, a, ETH, wad("200"), [b]);
    await touch(bob, b, BTC, -wad("8"), [a]);
    for (let i = 0; i < 4; i++) {
      await advance(env, 9 * HOUR + 17 * i);
      await touch(alice, a, BTC, wad("1"), [b]);
      await advance(env, 5 * HOUR);
      await touch(bob, b, ETH, -wad("50"), [a]);
    }
    await expectFundingViews(ETH, [a, b]);
    await expectFundingViews(BTC, [a, b]);
  });

  it("setMarketTradingParams records funding under the old parameters first", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("100000"));
    const b = await fundQuote(env, bob, usdc("100000"));
    await touch(alice, a, ETH, wad("10"), [b]);
    await touch(bob, b, ETH, -wad("4"), [a]);
    await advance(env, 6 * HOUR);

    // New parameters: a skew scale below the skew (velocity clamps) and a faster velocity.
    const w = await World.read(env, [a, b]);
    const now = await nextTimestamp();
    const old = { ...w.markets[ETH].state };
    const st = w.recordFunding(ETH, now);
    const p = w.markets[ETH].params;
    const tx = env.engine.setMarketTradingParams(ETH, {
      skewScale: wad("4"),
      makerFee: p.makerFee,
      takerFee: p.takerFee,
      maxFundingVelocity: wad("10"),
    });
    await expect(tx)
      .to.emit(env.engine, "FundingRecorded")
      .withArgs(ETH, st.fundingRate, st.fundingIndex, w.markets[ETH].price);
    await expectWorld(env, w);

    // From here on the new parameters drive the rate, clamped at |skew| >= skewScale.
    expect(M.fundingVelocity(wad("6"), wad("4"), wad("10"))).to.equal(wad("10"));
    await advance(env, HOUR);
    const w2 = await expectFundingViews(ETH, [a, b]);
    const later = await latest();
    const f = fundingAt(w2.markets[ETH], later);
    const unrecorded = M.accrueFunding(old, w2.markets[ETH].params, w2.markets[ETH].price, later);
    expect(f.indexNow, "recording first changes the result").to.not.equal(unrecorded.indexNow);
  });

  it("margin parameters do not enter funding; health uses the new requirements at once", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("100000"));
    await touch(alice, a, ETH, wad("10"), []);
    await advance(env, HOUR);
    const before = await env.engine.getMarketState(ETH);
    await expect(
      env.engine.setMarketMarginParams(ETH, {
        imrBase: wad("0.03"),
        imrSizeFactor: wad("0.0002"),
        maintenanceScalar: wad("0.6"),
        minPositionMarginUsd: wad("25"),
      }),
    ).to.not.emit(env.engine, "FundingRecorded");
    const after = await env.engine.getMarketState(ETH);
    expect(after.lastFundingTime).to.equal(before.lastFundingTime);
    // The health view uses the new requirements.
    await expectFundingViews(ETH, [a]);
  });
});

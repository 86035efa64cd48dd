// Trading against the model: fills, fees, realised PnL and funding on every touch, flips,
// partial and full closes, and a two-market cross-margin account.
import { expect } from "chai";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import {
  Env,
  advance,
  expectMarginRevert,
  fundQuote,
  loadTrading,
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
  latest,
} from "../../helpers/model-world";
import { BTC, ETH, SOL } from "../../../src/common";

describe("markets: trading", () => {
  let env: Env;

  beforeEach(async () => {
    env = await loadTrading();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  it("opens a long and a short at the model's fill and fee and values both at the oracle", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("100000"));
    const b = await fundQuote(env, bob, usdc("100000"));

    const { r: long } = await trade(env, alice, a, ETH, wad("10"));
    expect(long.fill, "a buy on zero skew pays impact").to.be.gt(wad("3000"));
    expect([long.makerPart, long.takerPart]).to.deep.equal([0n, wad("10")]);
    expect(long.quoteDelta).to.be.lt(0n);

    const { r: short } = await trade(env, bob, b, ETH, -wad("4"), { others: [a] });
    expect([short.makerPart, short.takerPart], "shrinks the long skew").to.deep.equal([
      wad("4"),
      0n,
    ]);
    expect(short.fill, "selling into a long skew fills above the oracle").to.be.gt(wad("3000"));

    await setMarketPrice(env, ETH, "2875.5");
    const w = await World.read(env, [a, b]);
    const ha = await expectHealth(env, w, a);
    const hb = await expectHealth(env, w, b);
    expect(ha.upnl, "long loses when the price falls").to.be.lt(0n);
    expect(hb.upnl, "short gains when the price falls").to.be.gt(0n);
    await expectPoolValue(env, w);
  });

  it("realises PnL and funding when adding to a position and on a partial close", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("200000"));
    await trade(env, alice, a, ETH, wad("40"));

    await setMarketPrice(env, ETH, "3150");
    const { r: add } = await trade(env, alice, a, ETH, wad("5"));
    expect(add.pnl, "old position realised at the fill").to.be.gt(0n);
    expect(add.newPosition).to.deep.include({
      size: wad("45"),
      entryPrice: M.entryFor(1n, add.fill),
    });

    await advance(env, 5 * 3600);
    await setMarketPrice(env, ETH, "3100.25");
    const { r: part, w } = await trade(env, alice, a, ETH, -wad("18"));
    expect(part.pnl).to.be.lt(0n);
    expect(part.funding, "longs pay while longs dominate").to.be.gt(0n);
    expect(part.newPosition.size).to.equal(wad("27"));
    expect([part.makerPart, part.takerPart]).to.deep.equal([wad("18"), 0n]);
    await expectHealth(env, w, a);
    await expectPoolValue(env, w);
  });

  it("flips through zero with the fee split at the skew flip", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("100000"));
    const b = await fundQuote(env, bob, usdc("100000"));
    await trade(env, alice, a, SOL, wad("1000"));
    await trade(env, bob, b, SOL, -wad("200"), { others: [a] });

    // skew +800: selling 2500 is maker for 800 and taker for 1700; the long realises its PnL.
    await setMarketPrice(env, SOL, "151.37");
    const { r: flip } = await trade(env, alice, a, SOL, -wad("2500"), { others: [b] });
    expect([flip.makerPart, flip.takerPart]).to.deep.equal([wad("800"), wad("1700")]);
    expect(flip.newPosition.size).to.equal(-wad("1500"));
    expect(flip.pnl).to.be.gt(0n);
    expect(flip.fee).to.equal(
      M.mulUp(M.mulUp(wad("800"), flip.fill), wad("0.0002")) +
        M.mulUp(M.mulUp(wad("1700"), flip.fill), wad("0.0006")),
    );

    // skew -1700: buying 3000 flips back, maker for 1700 and taker for 1300.
    await advance(env, 2 * 3600);
    await setMarketPrice(env, SOL, "149.01");
    const { r: back, w } = await trade(env, alice, a, SOL, wad("3000"), { others: [b] });
    expect([back.makerPart, back.takerPart]).to.deep.equal([wad("1700"), wad("1300")]);
    expect(back.newPosition.size).to.equal(wad("1500"));
    expect(back.funding, "shorts pay while shorts dominate").to.be.gt(0n);
    await expectHealth(env, w, a);
    await expectHealth(env, w, b);
    await expectPoolValue(env, w);
  });

  it("closes fully: position, market bit and open interest are cleared", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("500000"));
    const b = await fundQuote(env, bob, usdc("500000"));
    await trade(env, alice, a, BTC, wad("3"));
    await trade(env, bob, b, BTC, -wad("2"), { others: [a] });
    await setMarketPrice(env, BTC, "61000");
    await trade(env, alice, a, BTC, -wad("3"), { others: [b] });
    await setMarketPrice(env, BTC, "59000");
    const { r, w } = await trade(env, bob, b, BTC, wad("2"), { others: [a] });
    expect(r.newPosition).to.deep.equal(M.EMPTY_POSITION);
    expect((await env.engine.getAccount(a)).marketMask).to.equal(0n);
    expect((await env.engine.getAccount(b)).marketMask).to.equal(0n);
    const st = await env.engine.getMarketState(BTC);
    expect([st.longOI, st.shortOI]).to.deep.equal([0n, 0n]);
    // Nothing is open: the pool's value is its balance.
    expect(await expectPoolValue(env, w)).to.equal(await env.engine.poolBalance());
  });

  it("INV-17: open interest and the net aggregates equal the sums over the positions", async () => {
    const [alice, bob, carol] = env.users;
    const accounts = [
      await fundQuote(env, alice, usdc("200000")),
      await fundQuote(env, bob, usdc("200000")),
      await fundQuote(env, carol, usdc("200000")),
    ];
    const [a, b, c] = accounts;
    const others = (x: bigint) => accounts.filter((y) => y !== x);
    // Opens, partial closes, a flip, a full close and a reopen, at moving prices, with funding.
    const steps: [bigint, number, bigint, string][] = [
      [a, ETH, wad("10"), "3000"],
      [b, ETH, -wad("4"), "3012.5"],
      [c, ETH, wad("3.3"), "2990.75"],
      [a, SOL, -wad("400"), "151.3"],
      [c, SOL, wad("150"), "149.9"],
      [a, ETH, -wad("6.5"), "3040.25"],
      [b, ETH, wad("9"), "2975.5"],
      [c, ETH, -wad("3.3"), "3001"],
      [c, ETH, -wad("7"), "2995.5"],
      [b, SOL, wad("120"), "150.45"],
    ];
    const users = new Map([
      [a, alice],
      [b, bob],
      [c, carol],
    ]);
    for (const [who, id, d, price] of steps) {
      await advance(env, 3 * 3600);
      await setMarketPrice(env, id, price);
      await trade(env, users.get(who)!, who, id, d, { others: others(who) });
    }
    for (const id of [ETH, SOL]) {
      let longs = 0n;
      let shorts = 0n;
      let entry = 0n;
      let funding = 0n;
      for (const x of accounts) {
        const p = await env.engine.getPosition(x, id);
        if (p.size > 0n) longs += p.size;
        else shorts -= p.size;
        // The engine's per-position terms truncate towards zero, as bigint division does.
        entry += (p.size * p.entryPrice) / M.WAD;
        funding += (p.size * p.fundingIndex) / M.WAD;
      }
      const st = await env.engine.getMarketState(id);
      expect([st.longOI, st.shortOI], `market ${id} OI`).to.deep.equal([longs, shorts]);
      expect(st.netBasis, `market ${id} netBasis`).to.equal(entry - funding);
      expect(longs > 0n && shorts > 0n, `market ${id} has both sides`).to.equal(true);
    }
  });

  it("two-market cross account: a gain in one market carries a loss in the other", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("10000"));
    const deltas: bigint[] = [];
    deltas.push((await trade(env, alice, a, ETH, wad("30"))).r.quoteDelta);
    deltas.push((await trade(env, alice, a, BTC, -wad("1.5"))).r.quoteDelta);

    await setMarketPrice(env, ETH, "3360");
    await setMarketPrice(env, BTC, "67200");
    let w = await World.read(env, [a]);
    const h = await expectHealth(env, w, a);
    const now = await latest();
    const btcOnly = { ...w.modelAccount(a, now) };
    btcOnly.positions = btcOnly.positions.filter((p) => p.position.size < 0n);
    const alone = M.marginSummary(btcOnly);
    expect(alone.equity, "the BTC loss alone exceeds the collateral").to.be.lt(0n);
    expect(h.isLiquidatable, "the ETH gain carries it").to.equal(false);

    // Closing the losing leg realises the loss into quote debt, still carried by the ETH gain.
    const { r, w: after } = await trade(env, alice, a, BTC, wad("1.5"));
    expect(r.quoteDelta).to.be.lt(0n);
    deltas.push(r.quoteDelta);
    expect(after.account(a).quoteBalance, "debt").to.be.lt(0n);
    const h2 = await expectHealth(env, after, a);
    expect(h2.isLiquidatable).to.equal(false);
    const quote = await env.quote.getAddress();
    await expect(env.engine.connect(alice).withdraw(a, quote, 1n, alice.address))
      .to.be.revertedWithCustomError(env.engine, "InsufficientBalance")
      .withArgs(a, quote, 0n, 1n);

    // Closing the winner pays the debt back out of the gain.
    const { r: win, w: end } = await trade(env, alice, a, ETH, -wad("30"));
    deltas.push(win.quoteDelta);
    expect(end.account(a).quoteBalance).to.be.gt(0n);
    expect(end.account(a).quoteBalance).to.equal(deltas.reduce((x, y) => x + y, usdc("10000")));
    w = await World.read(env, [a]);
    await expectWorld(env, w);
    await expectHealth(env, w, a);
    await expectPoolValue(env, w);
  });

  it("keeps sub-accounts of one owner isolated", async () => {
    const [alice] = env.users;
    const a0 = await fundQuote(env, alice, usdc("5000"), 0);
    const a1 = await fundQuote(env, alice, usdc("50"), 1);
    await trade(env, alice, a0, ETH, wad("10"));
    // Sub-account 1 cannot use sub-account 0's margin.
    await expectMarginRevert(env, alice, a1, ETH, wad("10"), "InsufficientMargin");
    await trade(env, alice, a1, ETH, wad("0.1"));
  });
});

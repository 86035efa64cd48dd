import { expect } from "chai";
import {
  EMPTY_POSITION,
  Position,
  WAD,
  applyTrade,
  basisOf,
  replacePositionInMarket,
  unrealisedPnl,
} from "../../../src/model";
import { marketParams, marketState, wad } from "./helpers";

const Q = 6; // quote decimals (USDC)

describe("model/position", () => {
  const params = marketParams({
    skewScale: wad("1000000"),
    makerFee: wad("0.0002"),
    takerFee: wad("0.0005"),
    maxFundingVelocity: wad("9"),
  });

  it("opens from flat, then flips through zero with funding, maker/taker split and PnL", () => {
    // Open long 10 at oracle 2000, skew 0, t=0:
    //   fill = 2000 + 2000 * 10 / 2e6 = 2000.01 ; fee = taker 10 * 2000.01 * 0.0005 = 10.00005
    //   quoteDelta = floor(-10.00005 USD in 6 dp) = -10000050
    const open = applyTrade(marketState(), params, EMPTY_POSITION, wad("10"), wad("2000"), 0n, Q);
    expect(open.fill).to.equal(wad("2000.01"));
    expect(open.fee).to.equal(wad("10.00005"));
    expect(open.pnl).to.equal(0n);
    expect(open.funding).to.equal(0n);
    expect(open.quoteDelta).to.equal(-10000050n);
    expect(open.newPosition).to.deep.equal({
      size: wad("10"),
      entryPrice: wad("2000.01"),
      fundingIndex: 0n,
    });
    expect(open.newMarketState.longOI).to.equal(wad("10"));
    expect(open.newMarketState.netBasis).to.equal(wad("20000.1")); // 10 * 2000.01 - 10 * 0

    // Sell 15 one hour later at oracle 2100 (long 10 -> short 5). Skew before = +10.
    //   velocity = (10 / 1e6) * 9 = 0.00009/day ; rateNow = 0.00009 / 24 = 0.00000375
    //   avg = 0.000001875 ; indexNow = 0.000001875 * 2100 / 24 = 0.0001640625
    //   fill = 2100 + 2100 * (20 - 15) / 2e6 = 2100.00525
    //   maker 10: 10 * 2100.00525 * 0.0002 = 4.2000105 ; taker 5: 5 * 2100.00525 * 0.0005 =
    //   5.250013125 ; fee = 9.450023625
    //   pnl = 10 * (2100.00525 - 2000.01) = 999.9525 ; funding = 10 * 0.0001640625 = 0.001640625
    //   delta = 999.9525 - 0.001640625 - 9.450023625 = 990.50083575 -> floor 6 dp: 990500835
    const flip = applyTrade(
      open.newMarketState,
      params,
      open.newPosition,
      wad("-15"),
      wad("2100"),
      3600n,
      Q,
    );
    expect(flip.indexNow).to.equal(wad("0.0001640625"));
    expect(flip.fill).to.equal(wad("2100.00525"));
    expect(flip.makerPart).to.equal(wad("10"));
    expect(flip.takerPart).to.equal(wad("5"));
    expect(flip.fee).to.equal(wad("9.450023625"));
    expect(flip.pnl).to.equal(wad("999.9525"));
    expect(flip.funding).to.equal(wad("0.001640625"));
    expect(flip.quoteDelta).to.equal(990500835n);
    // A short stores the fill rounded down to the float grid: 2.1e21 has 71 bits, so steps of
    // 2^(71 - 57) = 16,384 wei.
    const step = 2n ** 14n;
    expect(flip.newPosition).to.deep.equal({
      size: wad("-5"),
      entryPrice: (wad("2100.00525") / step) * step,
      fundingIndex: wad("0.0001640625"),
    });
    const m = flip.newMarketState;
    expect([m.longOI, m.shortOI]).to.deep.equal([0n, wad("5")]);
    expect(m.fundingRate).to.equal(wad("0.00000375"));
    expect(m.fundingIndex).to.equal(wad("0.0001640625"));
    expect(m.lastFundingTime).to.equal(3600n);
    // -5 * stored entry (exactly, 5 * step is whole wei) - (-5 * 0.0001640625 = -0.0008203125)
    expect(m.netBasis).to.equal(-5n * ((wad("2100.00525") / step) * step) + wad("0.0008203125"));
  });

  it("partial close realises the whole PnL and resets the entry to the fill", () => {
    const p = marketParams({ makerFee: wad("0.001"), takerFee: wad("0.001") }); // no impact, no funding
    const pos: Position = { size: wad("10"), entryPrice: wad("2000"), fundingIndex: 0n };
    const state = marketState({ longOI: wad("10"), netBasis: wad("20000") });
    // sell 4 at 2050: maker 4 * 2050 * 0.001 = 8.2 ; pnl = 10 * 50 = 500 ; delta = 491.8
    const r = applyTrade(state, p, pos, wad("-4"), wad("2050"), 100n, Q);
    expect(r.fill).to.equal(wad("2050"));
    expect(r.fee).to.equal(wad("8.2"));
    expect(r.pnl).to.equal(wad("500"));
    expect(r.quoteDelta).to.equal(491_800000n);
    expect(r.newPosition).to.deep.equal({
      size: wad("6"),
      entryPrice: wad("2050"),
      fundingIndex: 0n,
    });
    expect(r.newMarketState.longOI).to.equal(wad("6"));
    expect(r.newMarketState.netBasis).to.equal(wad("12300")); // 6 * 2050

    // closing the rest clears the position and the aggregates
    const c = applyTrade(r.newMarketState, p, r.newPosition, wad("-6"), wad("2040"), 200n, Q);
    // pnl = 6 * (2040 - 2050) = -60 ; fee = 6 * 2040 * 0.001 = 12.24 ; delta = -72.24
    expect(c.quoteDelta).to.equal(-72_240000n);
    expect(c.newPosition).to.deep.equal(EMPTY_POSITION);
    expect(c.newMarketState.longOI).to.equal(0n);
    expect(c.newMarketState.netBasis).to.equal(0n);
  });

  it("a realised loss rounds towards -inf in quote units", () => {
    const pos: Position = { size: WAD, entryPrice: wad("100"), fundingIndex: 0n };
    const state = marketState({ longOI: WAD, netBasis: wad("100") });
    // pnl = 1 * (99.9999999999999 - 100) = -0.0000000000001 USD = -1e5 wei -> -1 quote unit
    const r = applyTrade(state, marketParams(), pos, -WAD, wad("99.9999999999999"), 0n, Q);
    expect(r.pnl).to.equal(-100000n);
    expect(r.quoteDelta).to.equal(-1n);
  });

  it("netBasis subtracts/adds truncated s*e/WAD - s*i0/WAD contributions", () => {
    // short -3 wei at entry 0.5: -3 * 0.5 = -1.5 -> trunc -1 ; i0 0.7: -2.1 -> -2 ; -1 - -2 = 1
    // (untruncated: -1.5 + 2.1 = 0.6 -> 0: the terms truncate one by one)
    const pos: Position = { size: -3n, entryPrice: wad("0.5"), fundingIndex: wad("0.7") };
    const opened = replacePositionInMarket(marketState(), EMPTY_POSITION, pos);
    expect(opened.shortOI).to.equal(3n);
    expect(opened.netBasis).to.equal(1n);
    expect(basisOf(pos)).to.equal(1n);
    const closed = replacePositionInMarket(opened, pos, EMPTY_POSITION);
    expect([closed.shortOI, closed.netBasis]).to.deep.equal([0n, 0n]);
  });

  it("INV-17 (model): aggregates stay equal to the sum over positions through many trades by many accounts", () => {
    let state = marketState();
    const positions: Position[] = [EMPTY_POSITION, EMPTY_POSITION, EMPTY_POSITION];
    let seed = 12345n;
    const rand = (mod: bigint): bigint => {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % (1n << 64n);
      return seed % mod;
    };
    let now = 0n;
    let price = wad("2000");
    let traderQuote = 0n;
    for (let i = 0; i < 60; i++) {
      const who = Number(rand(3n));
      const cur = positions[who].size;
      // every 7th trade closes exactly to zero
      const d = i % 7 === 6 && cur !== 0n ? -cur : rand(2_000n * WAD) - 1_000n * WAD + 1n;
      now += rand(20_000n);
      price = price + rand(wad("40")) - wad("20");
      const r = applyTrade(state, params, positions[who], d, price, now, Q);
      positions[who] = r.newPosition;
      state = r.newMarketState;
      traderQuote += r.quoteDelta;
      const sumTrunc = (f: (p: Position) => bigint): bigint =>
        positions.reduce((acc, p) => acc + (p.size * f(p)) / WAD, 0n);
      expect(state.longOI).to.equal(
        positions.reduce((a, p) => a + (p.size > 0n ? p.size : 0n), 0n),
      );
      expect(state.shortOI).to.equal(
        positions.reduce((a, p) => a + (p.size < 0n ? -p.size : 0n), 0n),
      );
      expect(state.netBasis).to.equal(
        sumTrunc((p) => p.entryPrice) - sumTrunc((p) => p.fundingIndex),
      );
    }
    expect(traderQuote).to.not.equal(0n);
  });

  it("unrealised PnL rounds down on both signs", () => {
    const long: Position = { size: 1n, entryPrice: WAD, fundingIndex: 0n };
    const short: Position = { size: -1n, entryPrice: WAD, fundingIndex: 0n };
    expect(unrealisedPnl(long, WAD + 1n)).to.equal(0n); // +1e-18 -> 0
    expect(unrealisedPnl(short, WAD + 1n)).to.equal(-1n); // -1e-18 -> -1
    expect(unrealisedPnl(short, WAD - 1n)).to.equal(0n);
    // -2 * (2050 - 2100) = +100
    expect(
      unrealisedPnl({ size: wad("-2"), entryPrice: wad("2100"), fundingIndex: 0n }, wad("2050")),
    ).to.equal(wad("100"));
    expect(unrealisedPnl(EMPTY_POSITION, wad("5"))).to.equal(0n);
  });
});

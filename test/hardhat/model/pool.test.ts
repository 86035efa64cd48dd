import { expect } from "chai";
import {
  EMPTY_POSITION,
  Position,
  accrueFunding,
  applyTrade,
  netFundingOwed,
  netUnrealisedPnl,
  positionFunding,
  poolValue,
  unrealisedPnl,
} from "../../../src/model";
import { marketParams, marketState, wad } from "./helpers";

describe("model/pool", () => {
  // ETH: trader A long 10 @ 2000 (i0 = 1), trader B short 4 @ 2100 (i0 = 2)
  //   netEntryNotional = 10 * 2000 - 4 * 2100 = 11600 ; netFundingSnapshot = 10 * 1 - 4 * 2 = 2
  const eth = marketState({
    longOI: wad("10"),
    shortOI: wad("4"),
    netEntryNotional: wad("11600"),
    netFundingSnapshot: wad("2"),
  });

  it("per-market net PnL and funding equal the sums over positions", () => {
    // skew 6 at 2050: netUpnl = 6 * 2050 - 11600 = 700 (A: +500, B: -4 * -50 = +200)
    expect(netUnrealisedPnl(eth, wad("2050"))).to.equal(wad("700"));
    // indexNow 3: netFunding = 6 * 3 - 2 = 16 (A owes 10 * 2 = 20, B owes -4 * 1 = -4)
    expect(netFundingOwed(eth, wad("3"))).to.equal(wad("16"));
  });

  it("pool value = balance + floor(sum(funding owed - trader upnl)) in quote units", () => {
    const balance = 100_000_000000n; // 100k USDC
    // 100000 + (16 - 700) = 99316
    expect(
      poolValue(balance, [{ state: eth, price: wad("2050"), indexNow: wad("3") }], 6),
    ).to.equal(99_316_000000n);
    // add BTC: one short 1 @ 1000 (netEntryNotional -1000) now at 999.9999995:
    //   netUpnl = -1 * 999.9999995 + 1000 = +0.0000005 (trader gains) ; funding 0
    //   sum = 16 - 700 - 0.0000005 = -684.0000005 -> floor at 6 dp: -684.000001
    const btc = marketState({ shortOI: wad("1"), netEntryNotional: wad("-1000") });
    const markets = [
      { state: eth, price: wad("2050"), indexNow: wad("3") },
      { state: btc, price: wad("999.9999995"), indexNow: 0n },
    ];
    expect(poolValue(balance, markets, 6)).to.equal(99_315_999999n);
    // 18-decimal quote: no conversion rounding
    expect(poolValue(0n, markets, 18)).to.equal(wad("-684.0000005"));
  });

  it("net terms truncate towards zero per market", () => {
    // skew -3 wei at price 0.5: -1.5 -> -1 ; netEntryNotional 0 -> netUpnl -1
    const s = marketState({ shortOI: 3n });
    expect(netUnrealisedPnl(s, wad("0.5"))).to.equal(-1n);
    expect(netFundingOwed(s, wad("0.5"))).to.equal(-1n);
  });

  it("tracks the traders built by applyTrade: pool + traders' equity is conserved", () => {
    const params = marketParams({
      skewScale: wad("100000"),
      makerFee: wad("0.0002"),
      takerFee: wad("0.0006"),
      maxFundingVelocity: wad("3"),
    });
    let state = marketState();
    const pos: Position[] = [EMPTY_POSITION, EMPTY_POSITION];
    let pool = 1_000_000_000000n;
    let traders = 0n;
    const trades: [number, string, string, bigint][] = [
      [0, "25", "2000", 0n],
      [1, "-40", "2010", 7200n],
      [0, "-5", "1985", 50_000n],
      [1, "12", "2033", 200_000n],
    ];
    for (const [who, d, price, now] of trades) {
      const r = applyTrade(state, params, pos[who], wad(d), wad(price), now, 6);
      pos[who] = r.newPosition;
      state = r.newMarketState;
      traders += r.quoteDelta;
      pool -= r.quoteDelta;
    }
    const price = wad("2100");
    const now = 300_000n;
    const { indexNow } = accrueFunding(state, params, price, now);
    const open = pos.reduce(
      (a, p) => a + unrealisedPnl(p, price) - positionFunding(p, indexNow),
      0n,
    );
    // The aggregate form agrees with the per-position sum up to truncation (a few wei).
    const agg = netUnrealisedPnl(state, price) - netFundingOwed(state, indexNow);
    expect(agg - open >= -4n && agg - open <= 4n).to.equal(true);
    // Pool value + traders' realised and open PnL (quote units) = starting pool, +-1 unit.
    const value = poolValue(pool, [{ state, price, indexNow }], 6);
    const total = value + traders + open / 10n ** 12n;
    expect(total - 1_000_000_000000n >= -2n && total - 1_000_000_000000n <= 2n).to.equal(true);
  });
});

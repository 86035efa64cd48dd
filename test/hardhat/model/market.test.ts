import { expect } from "chai";
import {
  WAD,
  accrueFunding,
  accruedFunding,
  fillPrice,
  fundingVelocity,
  orderFee,
  recordFunding,
} from "../../../src/model";
import { marketParams, marketState, wad } from "./helpers";

const HOUR = 3600n;
const DAY = 86_400n;

describe("model/market: fill price", () => {
  it("skewScale 0 means no price impact", () => {
    expect(fillPrice(wad("2000"), wad("500"), wad("10"), 0n)).to.equal(wad("2000"));
    expect(fillPrice(wad("2000"), wad("500"), wad("-10"), 0n)).to.equal(wad("2000"));
  });

  it("buy and sell with skewScale, exact cases", () => {
    const scale = wad("1000000");
    // buy 10 at skew 0: 2000 * (0 + 10) / (2 * 1e6) = 0.01 -> 2000.01
    expect(fillPrice(wad("2000"), 0n, wad("10"), scale)).to.equal(wad("2000.01"));
    // sell 10 at skew 0: 2000 * (-10) / 2e6 = -0.01 -> 1999.99
    expect(fillPrice(wad("2000"), 0n, wad("-10"), scale)).to.equal(wad("1999.99"));
    // sell 30 at skew +100: 2000 * (200 - 30) / 2e6 = 0.17 -> 2000.17 (still above oracle)
    expect(fillPrice(wad("2000"), wad("100"), wad("-30"), scale)).to.equal(wad("2000.17"));
    // buy 30 at skew -100: 2000 * (-200 + 30) / 2e6 = -0.17 -> 1999.83
    expect(fillPrice(wad("2000"), wad("-100"), wad("30"), scale)).to.equal(wad("1999.83"));
  });

  it("rounds the impact up for a buy and down (towards -inf) for a sell", () => {
    const p = 1999999999999999999999n; // 1999.999999999999999999
    const scale = wad("3");
    // buy 1: p * 1e18 / 6e18 = 333.333333333333333333166.. (in wei: ...333.1666) -> ceil ...334
    expect(fillPrice(p, 0n, WAD, scale)).to.equal(p + 333333333333333333334n);
    // sell 1: -333.33..3.1666 -> floor -...334
    expect(fillPrice(p, 0n, -WAD, scale)).to.equal(p - 333333333333333333334n);
    // tiny: p=3, d=+1 wei, scale=1 wei: 3*1/2 = 1.5 -> 2 (buy) ; d=-1: -1.5 -> -2 (sell)
    expect(fillPrice(3n, 0n, 1n, 1n)).to.equal(5n);
    expect(fillPrice(3n, 0n, -1n, 1n)).to.equal(1n);
  });
});

describe("model/market: fees", () => {
  const maker = wad("0.0002");
  const taker = wad("0.0006");
  const fill = wad("2000");

  it("all taker when the trade grows |skew| or skew is 0", () => {
    // 3 * 2000 * 0.0006 = 3.6
    expect(orderFee(wad("5"), wad("3"), fill, maker, taker)).to.deep.equal({
      fee: wad("3.6"),
      makerPart: 0n,
      takerPart: wad("3"),
    });
    expect(orderFee(0n, wad("-3"), fill, maker, taker).takerPart).to.equal(wad("3"));
  });

  it("all maker when the trade only shrinks |skew|", () => {
    // 3 * 2000 * 0.0002 = 1.2
    expect(orderFee(wad("-5"), wad("3"), fill, maker, taker)).to.deep.equal({
      fee: wad("1.2"),
      makerPart: wad("3"),
      takerPart: 0n,
    });
  });

  it("splits at a skew flip: maker up to |skew|, taker for the rest", () => {
    // skew +5, sell 8: maker 5 -> 5*2000*0.0002 = 2 ; taker 3 -> 3*2000*0.0006 = 3.6 ; fee 5.6
    expect(orderFee(wad("5"), wad("-8"), fill, maker, taker)).to.deep.equal({
      fee: wad("5.6"),
      makerPart: wad("5"),
      takerPart: wad("3"),
    });
    // exactly to zero skew: all maker
    expect(orderFee(wad("5"), wad("-5"), fill, maker, taker).takerPart).to.equal(0n);
  });

  it("rounds each product up", () => {
    // maker 1 wei at fill 1e18+1: mulUp(1, 1e18+1) = ceil(1.000..001) = 2; mulUp(2, 2e14) = ceil(4e-4) = 1
    expect(orderFee(wad("-1"), 1n, WAD + 1n, maker, taker).fee).to.equal(1n);
  });
});

describe("model/market: funding", () => {
  const params = marketParams({ skewScale: wad("1000000"), maxFundingVelocity: wad("9") });

  it("velocity: proportional, clamped, truncated towards zero", () => {
    // 100k / 1M = 0.1 -> 0.1 * 9 = 0.9 per day
    expect(fundingVelocity(wad("100000"), wad("1000000"), wad("9"))).to.equal(wad("0.9"));
    // 5M / 1M = 5 -> clamped to 1 -> 9 ; negative side -> -9
    expect(fundingVelocity(wad("5000000"), wad("1000000"), wad("9"))).to.equal(wad("9"));
    expect(fundingVelocity(wad("-5000000"), wad("1000000"), wad("9"))).to.equal(wad("-9"));
    // -1e18 * 1e18 / 3e18 = -333333333333333333.3 -> -333333333333333333 ;
    // * 0.1e18 / 1e18 = -33333333333333333.3 -> -33333333333333333
    expect(fundingVelocity(-WAD, 3n * WAD, wad("0.1"))).to.equal(-33333333333333333n);
    // -1 wei / 3e18 -> 0 (truncated), not -1
    expect(fundingVelocity(-1n, 3n * WAD, wad("0.1"))).to.equal(0n);
    expect(fundingVelocity(wad("10"), 0n, wad("9"))).to.equal(0n);
  });

  it("accrues over hours and days with a changing skew (multi-step)", () => {
    // Step 1: skew +100k (velocity +0.9/day), price 2000, 1 hour from t=0.
    //   rateNow = 0.9 * 3600 / 86400 = 0.0375 ; avg = 0.01875
    //   index = 0.01875 * 3600 * 2000 / 86400 = 1.5625
    let s = marketState({ longOI: wad("100000") });
    expect(accrueFunding(s, params, wad("2000"), HOUR)).to.deep.equal({
      rateNow: wad("0.0375"),
      indexNow: wad("1.5625"),
    });
    s = recordFunding(s, params, wad("2000"), HOUR);
    expect(s.fundingRate).to.equal(wad("0.0375"));
    expect(s.fundingIndex).to.equal(wad("1.5625"));
    expect(s.lastFundingTime).to.equal(HOUR);

    // Step 2: shorts take over, skew -50k (velocity -0.45/day), price 2100, one day later.
    //   rateNow = 0.0375 - 0.45 = -0.4125 ; avg = (0.0375 - 0.4125) / 2 = -0.1875
    //   index = 1.5625 + (-0.1875 * 86400 * 2100 / 86400) = 1.5625 - 393.75 = -392.1875
    s = { ...s, longOI: wad("50000"), shortOI: wad("100000") };
    s = recordFunding(s, params, wad("2100"), HOUR + DAY);
    expect(s.fundingRate).to.equal(wad("-0.4125"));
    expect(s.fundingIndex).to.equal(wad("-392.1875"));

    // Step 3: balanced book (velocity 0), price 1900, two days: the rate stays -0.4125.
    //   index = -392.1875 + (-0.4125 * 2 * 1900) = -392.1875 - 1567.5 = -1959.6875
    s = { ...s, longOI: wad("70000"), shortOI: wad("70000") };
    s = recordFunding(s, params, wad("1900"), HOUR + 3n * DAY);
    expect(s.fundingRate).to.equal(wad("-0.4125"));
    expect(s.fundingIndex).to.equal(wad("-1959.6875"));

    // A long of 2 held from index 1.5625 to here: 2 * (-1959.6875 - 1.5625) = -3922.5 (receives)
    expect(accruedFunding(wad("2"), s.fundingIndex, wad("1.5625"))).to.equal(wad("-3922.5"));
  });

  it("truncates each step towards zero on both signs", () => {
    // 7 s at velocity +0.9: rate = 0.9e18 * 7 / 86400 = 72916666666666.67 -> 72916666666666
    //   avg = 36458333333333 ; index = 36458333333333 * 7 * 2000e18 / 86400e18
    //   = 510416666666662000 / 86400 = 5907600308641.46 -> 5907600308641
    const long = marketState({ longOI: wad("100000") });
    expect(accrueFunding(long, params, wad("2000"), 7n)).to.deep.equal({
      rateNow: 72916666666666n,
      indexNow: 5907600308641n,
    });
    const short = marketState({ shortOI: wad("100000") });
    expect(accrueFunding(short, params, wad("2000"), 7n)).to.deep.equal({
      rateNow: -72916666666666n,
      indexNow: -5907600308641n,
    });
    // Odd sum: velocity = trunc(-1 * 1e18 / 1e18) * 86400e18 / 1e18 = -86400 per day ;
    //   rateNow = 0 + (-86400 * 1 s) / 86400 = -1 ; avg = (0 - 1) / 2 = -0.5 -> 0 (trunc, not -1)
    const odd = marketState({ shortOI: 1n });
    const p = marketParams({ skewScale: WAD, maxFundingVelocity: 86_400n * WAD });
    expect(accrueFunding(odd, p, WAD, 1n)).to.deep.equal({ rateNow: -1n, indexNow: 0n });
    expect(() => accrueFunding(marketState({ lastFundingTime: 10n }), params, WAD, 9n)).to.throw(
      RangeError,
    );
  });

  it("zero elapsed leaves the rate and index unchanged", () => {
    const s = marketState({ longOI: wad("5"), fundingRate: wad("0.1"), fundingIndex: wad("3") });
    expect(accrueFunding(s, params, wad("2000"), 0n)).to.deep.equal({
      rateNow: wad("0.1"),
      indexNow: wad("3"),
    });
  });

  it("accrued funding rounds up (a charge) on both signs; longs pay when the index rises", () => {
    expect(accruedFunding(wad("10"), wad("1.5625"), 0n)).to.equal(wad("15.625"));
    expect(accruedFunding(wad("-10"), wad("1.5625"), 0n)).to.equal(wad("-15.625"));
    expect(accruedFunding(1n, 1n, 0n)).to.equal(1n); // +1e-18 -> 1
    expect(accruedFunding(-1n, 1n, 0n)).to.equal(0n); // -1e-18 -> 0
    expect(accruedFunding(-3n, wad("0.5"), 0n)).to.equal(-1n); // -1.5 -> -1
  });
});

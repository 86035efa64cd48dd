import { expect } from "chai";
import { WAD, closeAtOracle, liquidationFee, seizeCollateral } from "../../../src/model";
import { marketParams, marketState, wad } from "./helpers";

describe("model/liquidation", () => {
  const rate = wad("0.005");
  const minR = wad("5");
  const maxR = wad("50");

  it("fee = max(notional * rate, min); keeper gets at most max, insurance the rest", () => {
    // 20000 * 0.005 = 100 -> keeper 50, insurance 50
    expect(liquidationFee(wad("20000"), rate, minR, maxR)).to.deep.equal({
      liquidationFee: wad("100"),
      keeperReward: wad("50"),
      insuranceFee: wad("50"),
    });
    // 100 * 0.005 = 0.5 < 5 -> fee 5, all to the keeper (dust position still pays)
    expect(liquidationFee(wad("100"), rate, minR, maxR)).to.deep.equal({
      liquidationFee: wad("5"),
      keeperReward: wad("5"),
      insuranceFee: 0n,
    });
    // 1 wei * 0.005 -> rounds up to 1 wei
    expect(liquidationFee(1n, rate, 0n, maxR).liquidationFee).to.equal(1n);
  });

  it("seize = floor(repay USD * 10^d / (price * (1 - discount)))", () => {
    // 1000 USDC for WETH at 2000 less 5 % = 1900: 1000 / 1900 = 0.526315789473684210526.. -> down
    expect(seizeCollateral(1000_000000n, 6, 18, wad("2000"), wad("0.05"), wad("10"))).to.deep.equal(
      {
        seized: 526315789473684210n,
        repay: 1000_000000n,
        discountedPrice: wad("1900"),
      },
    );
    // WBTC (8 dp) at 60000 less 10 % = 54000: 1000 / 54000 = 0.0185185185.. -> 1851851 sats
    expect(
      seizeCollateral(1000_000000n, 6, 8, wad("60000"), wad("0.1"), 100_000_000n).seized,
    ).to.equal(1851851n);
  });

  it("caps at the balance and recomputes the repay rounding up", () => {
    // balance 0.5 WETH * 1900 = 950 USDC exactly
    expect(
      seizeCollateral(1000_000000n, 6, 18, wad("2000"), wad("0.05"), wad("0.5")),
    ).to.deep.equal({
      seized: wad("0.5"),
      repay: 950_000000n,
      discountedPrice: wad("1900"),
    });
    // balance 0.333333333333333333 * 1900 = 633.3333333333333327 -> up to 633.333334
    const r = seizeCollateral(1000_000000n, 6, 18, wad("2000"), wad("0.05"), 333333333333333333n);
    expect(r.seized).to.equal(333333333333333333n);
    expect(r.repay).to.equal(633_333334n);
  });

  it("closeAtOracle: no impact, no fee, funding recorded first", () => {
    const params = marketParams({
      skewScale: wad("1000"),
      takerFee: wad("0.01"),
      maxFundingVelocity: wad("1"),
    });
    const state = marketState({ longOI: wad("100"), netEntryNotional: wad("200000") });
    const pos = { size: wad("100"), entryPrice: wad("2000"), fundingIndex: 0n };
    // 1 day, skew 100 / 1000 = 0.1 -> velocity 0.1 ; rateNow 0.1 ; avg 0.05 ; index 0.05 * 1800 = 90
    // pnl = 100 * (1800 - 2000) = -20000 ; funding = 100 * 90 = 9000 ; delta = -29000
    const r = closeAtOracle(state, params, pos, wad("1800"), 86_400n, 6);
    expect(r.fill).to.equal(wad("1800"));
    expect(r.fee).to.equal(0n);
    expect(r.indexNow).to.equal(wad("90"));
    expect(r.pnl).to.equal(wad("-20000"));
    expect(r.funding).to.equal(wad("9000"));
    expect(r.quoteDelta).to.equal(-29_000_000000n);
    expect(r.newPosition.size).to.equal(0n);
    expect(r.newMarketState.longOI).to.equal(0n);
    expect(r.newMarketState.netEntryNotional).to.equal(0n);
    expect(r.newMarketState.fundingRate).to.equal(WAD / 10n);
  });
});

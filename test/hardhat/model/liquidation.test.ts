import { expect } from "chai";
import {
  WAD,
  chargeSplit,
  closeAtOracle,
  liquidationPenalty,
  seizeCollateral,
  settleDebt,
  windowRewardUsd,
} from "../../../src/model";
import { marketParams, marketState, wad } from "./helpers";

describe("model/liquidation", () => {
  const rate = wad("0.005");
  const minR = wad("5");
  const maxR = wad("50");

  it("INV-26: the window reward is the rate on the window's notional, the minimum only for a completing call, capped", () => {
    const p = { feeRate: rate, minKeeperReward: minR, maxKeeperReward: maxR };
    expect(windowRewardUsd(wad("2000"), false, p)).to.equal(wad("10")); // 2000 * 0.005
    expect(windowRewardUsd(wad("100"), false, p)).to.equal(wad("0.5")); // no minimum: partial
    expect(windowRewardUsd(wad("100"), true, p)).to.equal(wad("5")); // completing: minimum
    expect(windowRewardUsd(wad("20000"), true, p)).to.equal(wad("50")); // 100 -> capped
    expect(windowRewardUsd(1n, false, p)).to.equal(1n); // rounds up
  });

  it("INV-27/INV-28: the penalty comes first, the reward gets what is left of the cap", () => {
    expect(chargeSplit(30n, 50n, 1000n)).to.deep.equal({ toFund: 30n, reward: 50n });
    expect(chargeSplit(30n, 50n, 60n)).to.deep.equal({ toFund: 30n, reward: 30n });
    expect(chargeSplit(30n, 50n, 10n)).to.deep.equal({ toFund: 10n, reward: 0n });
    expect(chargeSplit(30n, 50n, 0n)).to.deep.equal({ toFund: 0n, reward: 0n });
  });

  it("INV-31: penalty = notional * max(penaltyRate, maxTakerFee) + the impact a market close would pay", () => {
    const params = { ...marketParams(), skewScale: wad("1000000") };
    const base = {
      notional: wad("30000"),
      price: wad("3000"),
      params,
      maxTakerFee: wad("0.001"),
      settled: false,
    };
    // Closing a 10 ETH long (sell) against a long skew: impact favours the seller, rate only.
    const sell = { ...base, delta: -wad("10"), skew: wad("5000"), penaltyRate: wad("0.0025") };
    expect(liquidationPenalty(sell)).to.equal(wad("75"));
    // The taker fee is the floor of the rate.
    expect(liquidationPenalty({ ...sell, penaltyRate: wad("0.0005") })).to.equal(wad("30"));
    // Closing a 10 ETH short (buy) against a long skew pays impact: 10 * 3000 * 5005 / 1e6.
    const buy = { ...sell, delta: wad("10") };
    expect(liquidationPenalty(buy)).to.equal(wad("75") + wad("150.15"));
    // A settled market: the rate only.
    expect(liquidationPenalty({ ...buy, settled: true })).to.equal(wad("75"));
  });

  it("INV-29: the fund buys collateral for the debt at the discounted price, then covers the rest", () => {
    const weth = { amount: wad("2"), decimals: 18, price: wad("2000"), discount: wad("0.05") };
    // Debt 1,000 USDC: 1000 / 1900 WETH sold, nothing is bad debt, the rest stays.
    const a = settleDebt([weth], -1_000_000000n, 10_000_000000n, 6);
    expect(a.sales[0]).to.deep.equal({ amount: 526315789473684210n, paid: 1_000_000000n });
    expect([a.deficit, a.quoteBalance, a.fundPaid]).to.deep.equal([0n, 0n, 1_000_000000n]);
    // Debt 5,000: all 2 WETH for 3,800, then 1,200 of bad debt: the fund covers it.
    const b = settleDebt([weth], -5_000_000000n, 10_000_000000n, 6);
    expect(b.sales[0]).to.deep.equal({ amount: wad("2"), paid: 3_800_000000n });
    expect([b.deficit, b.covered, b.socialised]).to.deep.equal([1_200_000000n, 1_200_000000n, 0n]);
    // A fund with 1,000: it buys what it can; the rest of the WETH backs the rest of the debt.
    const c = settleDebt([weth], -5_000_000000n, 1_000_000000n, 6);
    expect([c.deficit, c.quoteBalance, c.fundPaid]).to.deep.equal([
      0n,
      -4_000_000000n,
      1_000_000000n,
    ]);
    // Unsellable collateral stays, and so does the debt it backs.
    const d = settleDebt([{ ...weth, unsellable: true }], -5_000_000000n, 10_000_000000n, 6);
    expect([d.deficit, d.quoteBalance, d.fundPaid]).to.deep.equal([0n, -5_000_000000n, 0n]);
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
    const state = marketState({ longOI: wad("100"), netBasis: wad("200000") });
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
    expect(r.newMarketState.netBasis).to.equal(0n);
    expect(r.newMarketState.fundingRate).to.equal(WAD / 10n);
  });
});

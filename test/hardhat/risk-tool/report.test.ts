/** The risk report's human units and the recommended insurance fund (src/risk/report-fund.ts). */
import { expect } from "chai";
import { runCascade } from "../../../src/risk/cascade";
import { CascadeGrid, fmtPct, fmtUsd, fundRow, recommendFund } from "../../../src/risk/report-fund";
import { ShockGrid } from "../../../src/risk/shocks";
import { book, usdc } from "./book";

describe("risk tool: report units and recommended fund", () => {
  it("prints USD with thousands separators and percentages", () => {
    expect(fmtUsd(1_234_567.4)).to.equal("$1,234,567");
    expect(fmtUsd(-2_500_000)).to.equal("-$2,500,000");
    expect(fmtUsd(12.5)).to.equal("$12.5");
    expect(fmtUsd(0)).to.equal("$0");
    expect(fmtPct(0.1234)).to.equal("12.3 %");
    expect(fmtPct(0.05, true)).to.equal("+5.0 %");
  });

  it("recommends the worst ES-scenario bad debt, rounded up to two significant digits", () => {
    // No impact: A (long 10 at 2,000 with 2,050 USDC) owes 10 x (2,000 - p) - 2,050 at price p.
    const state = book(
      [
        { quote: 2050, eth: 10 },
        { quote: 500_000, eth: -10 },
      ],
      { skewScale: 0n, insuranceFund: usdc(1000) },
    );
    const grid: ShockGrid = {
      title: "Volatility-scaled",
      rows: ["ETH only"],
      cols: ["VaR99 1d down", "ES99 1d down", "VaR99 1d up", "ES99 1d up"],
      shocks: [
        [
          { label: "ETH only: VaR99 1d down", moves: { ETH: -0.5 } }, // worse, but not an ES cell
          { label: "ETH only: ES99 1d down", moves: { ETH: -0.3 } },
          { label: "ETH only: VaR99 1d up", moves: { ETH: 0.1 } },
          { label: "ETH only: ES99 1d up", moves: { ETH: 0.2 } },
        ],
      ],
    };
    const cascades: CascadeGrid[] = [
      { grid, results: grid.shocks.map((row) => row.map((s) => runCascade(state, s))) },
    ];
    const debt = 10 * (2000 - 1400) - 2050; // ETH -30 %: 3,950 USD
    const rec = recommendFund(cascades, 6, state.insuranceFund)!;
    expect(rec.worstShortfallUsd).to.equal(debt);
    expect(rec.recommendedUsd).to.equal(4000);
    expect(rec.scenario).to.equal("ETH only: ES99 1d down");
    expect(rec.currentUsd).to.equal(1000);
    const row = fundRow(cascades[0]!.results[0]![1]!, 6, state.insuranceFund);
    expect(row.pctOfFundCascade).to.be.closeTo(debt / 1000, 1e-12);
    expect(row.pctOfPoolCascade).to.be.closeTo(debt / 1_000_000, 1e-9);
    expect(row.coveredUsd + row.socialisedUsd).to.be.closeTo(debt, 1e-9);
    expect(row.socialisedUsd).to.be.closeTo(debt - 1000, 1e-9);
  });
});

/** The liquidation cascade (src/risk/cascade.ts) on hand-built books: one liquidation's price
 *  impact pushes a second account under; a window cap leaves notional waiting; without impact
 *  (skewScale 0) and without a cap the cascade is the instant gap. Expected figures are computed
 *  here from the model's functions (fillPrice, positionMargin, unrealisedPnl), not read back
 *  from the code under test. */
import { expect } from "chai";
import * as M from "../../../src/model";
import { runCascade } from "../../../src/risk/cascade";
import { evaluateShock } from "../../../src/risk/shocks";
import { E18, ENTRY, NOW, book, marketParams, usdc, wadOf } from "./book";

const S = 1000n * E18; // skewScale: 1,000 ETH
const GAP = 1800n * E18; // ETH -10 %
const shock = { label: "ETH -10%", moves: { ETH: -0.1 } };
const TEN = 10n * E18;

/** Quote units a closed part realises at `price` (entry 2,000, no funding). */
const realised = (size: bigint, price: bigint): bigint =>
  M.toQuoteFloor(M.unrealisedPnl({ size, entryPrice: ENTRY, fundingIndex: 0n }, price), 6);

describe("risk tool: liquidation cascade", () => {
  it("one liquidation's impact pushes a second account under", () => {
    // A: long 10 at 2,000 with 2,050 USDC; B: long 10 with 2,950; C: the short side.
    const state = book(
      [
        { quote: 2050, eth: 10 },
        { quote: 2950, eth: 10 },
        { quote: 50_000, eth: -20 },
      ],
      { skewScale: S },
    );
    const params = marketParams(S);
    const mm = (size: bigint, p: bigint): bigint => M.positionMargin(params, size, p).mm;
    const equity = (quote: number, p: bigint): bigint =>
      M.quoteToUsd(usdc(quote), 6) +
      M.unrealisedPnl({ size: TEN, entryPrice: ENTRY, fundingIndex: 0n }, p);
    // At the gap only A is under; B is not.
    expect(equity(2050, GAP) < mm(TEN, GAP)).to.equal(true);
    expect(equity(2950, GAP) >= mm(TEN, GAP)).to.equal(true);
    // A's close (sell 10) fills at the impacted price and moves ETH to p1: B falls under.
    const fillA = M.fillPrice(GAP, 0n, -TEN, S);
    const p1 = M.fillPrice(GAP, -TEN, 0n, S);
    expect(equity(2950, p1) < mm(TEN, p1)).to.equal(true);
    const fillB = M.fillPrice(GAP, -TEN, -TEN, S);
    const p2 = M.fillPrice(GAP, -2n * TEN, 0n, S);
    // C (short 20, 50,000 USDC) stays healthy at p2, so the cascade stops after round 2.
    expect(
      M.quoteToUsd(usdc(50_000), 6) +
        M.unrealisedPnl({ size: -2n * TEN, entryPrice: ENTRY, fundingIndex: 0n }, p2) >=
        mm(-2n * TEN, p2),
    ).to.equal(true);

    const r = runCascade(state, shock);
    expect(r.rounds.map((x) => x.accounts)).to.deep.equal([1, 1]);
    expect(r.rounds.map((x) => x.prices[0])).to.deep.equal([p1, p2]);
    expect(r.rounds.map((x) => x.notionalClosed)).to.deep.equal([
      M.mulUp(TEN, GAP),
      M.mulUp(TEN, p1),
    ]);
    expect(r.liquidated).to.equal(2);
    expect(r.notionalWaiting).to.equal(0n);
    expect(r.markets[0]?.finalPrice).to.equal(p2);
    expect(r.markets[0]?.flow).to.equal(-2n * TEN);
    expect(r.markets[0]?.extraMove).to.be.closeTo(Number(p2) / Number(GAP) - 1, 1e-9);

    // Without the cascade A keeps 50 USD of equity: no bad debt. With it, A's 10 ETH fill at
    // fillA and leave a debt no collateral backs; B ends solvent (fills at fillB).
    expect(r.instant.underMaintenance).to.equal(1);
    expect(r.instant.shortfall).to.equal(0n);
    const debtA = -(usdc(2050) + realised(TEN, fillA));
    expect(debtA > 0n).to.equal(true);
    expect(usdc(2950) + realised(TEN, fillB) > 0n).to.equal(true);
    expect(r.cascade.underMaintenance).to.equal(2);
    expect(r.cascade.bankrupt).to.equal(1);
    expect(r.cascade.shortfall).to.equal(debtA);
    expect(r.cascade.covered).to.equal(debtA); // the fund (1,000 USDC) is large enough
    expect(r.cascade.socialised).to.equal(0n);
  });

  it("a window cap leaves notional waiting, still open and losing", () => {
    const cap = {
      maxLiquidationPerWindow: 10_000n * E18,
      liquidationWindow: 30n,
      windowStart: NOW - 10n, // the window in progress
      liquidatedInWindow: 1_000n * E18, // 9,000 USD left in it
    };
    const state = book(
      [
        { quote: 2050, eth: 10 },
        { quote: 50_000, eth: -10 },
      ],
      { skewScale: S, cap },
    );
    const allowed = M.divDown(9_000n * E18, GAP); // size the 9,000 USD left allow at 1,800
    expect(allowed < TEN).to.equal(true);
    const fill = M.fillPrice(GAP, 0n, -allowed, S);
    const p1 = M.fillPrice(GAP, -allowed, 0n, S);
    const r = runCascade(state, shock);
    expect(r.rounds).to.have.length(1);
    expect(r.rounds[0]?.notionalClosed).to.equal(M.mulUp(allowed, GAP));
    expect(r.markets[0]?.finalPrice).to.equal(p1);
    expect(r.notionalWaiting).to.equal(M.mulUp(TEN - allowed, p1));
    expect(r.markets[0]?.waiting).to.equal(r.notionalWaiting);
    expect(r.waitingAccounts).to.equal(1);
    // A's first close charges a full close's fee at the round's fill price, within what A can
    // pay there (equity less one quote unit per position): the penalty is the impact premium.
    const equityAtFill =
      M.quoteToUsd(usdc(2050), 6) +
      M.unrealisedPnl({ size: TEN, entryPrice: ENTRY, fundingIndex: 0n }, fill);
    const penalty = M.liquidationPenalty({
      notional: M.mulUp(TEN, fill),
      delta: -TEN,
      price: fill,
      skew: 0n,
      params: marketParams(S),
      penaltyRate: 0n,
      maxTakerFee: 0n,
      settled: false,
    });
    const canPay = (equityAtFill - M.quoteToUsd(1n, 6)) / M.quoteToUsd(1n, 6);
    const fee = M.chargeSplit(M.toQuoteCeil(penalty, 6), 0n, canPay).toFund;
    expect(fee > 0n && fee === canPay).to.equal(true);
    // The part left waiting is closed at the final price in the settlement.
    const debt = -(usdc(2050) - fee + realised(allowed, fill) + realised(TEN - allowed, p1));
    expect(r.cascade.shortfall).to.equal(debt);

    // A window already used up closes nothing: everything waits at the gap price.
    const full = book(
      [
        { quote: 2050, eth: 10 },
        { quote: 50_000, eth: -10 },
      ],
      { skewScale: S, cap: { ...cap, liquidatedInWindow: 10_000n * E18 } },
    );
    const none = runCascade(full, shock);
    expect(none.rounds).to.have.length(0);
    expect(none.notionalWaiting).to.equal(M.mulUp(TEN, GAP));
    // An elapsed window starts afresh: 10,000 USD allowed.
    const fresh = runCascade(
      book(
        [
          { quote: 2050, eth: 10 },
          { quote: 50_000, eth: -10 },
        ],
        {
          skewScale: S,
          cap: { ...cap, windowStart: NOW - 30n, liquidatedInWindow: 10_000n * E18 },
        },
      ),
      shock,
    );
    expect(fresh.rounds[0]?.notionalClosed).to.equal(M.mulUp(M.divDown(10_000n * E18, GAP), GAP));
  });

  it("without impact or cap the cascade is the instant gap", () => {
    const state = book(
      [
        { quote: 2050, eth: 10 },
        { quote: 2500, eth: 10 },
        { quote: 900, eth: 8, weth: 1 },
        { quote: 3000, eth: -12 },
        { quote: 50_000, eth: -16 },
      ],
      {
        skewScale: 0n,
        takerFee: wadOf(0.0005),
        liquidation: {
          feeRate: wadOf(0.005),
          penaltyRate: wadOf(0.01),
          minKeeperReward: 5n * E18,
          maxKeeperReward: 1000n * E18,
        },
        insuranceFund: usdc(300),
      },
    );
    for (const m of [-0.3, -0.2, -0.1, 0, 0.15, 0.3]) {
      const s = { label: `ETH ${m}`, moves: { ETH: m } };
      const r = runCascade(state, s);
      const gap = evaluateShock(state, s);
      const pick = (x: typeof gap) => [
        x.underMaintenance,
        x.bankrupt,
        x.shortfall,
        x.collateralSet,
        x.covered,
        x.socialised,
        x.liquidationFees,
        x.fundInflow,
        x.seizedUsd,
      ];
      expect(pick(r.cascade), `ETH ${m}`).to.deep.equal(pick(gap));
      expect(r.rounds.length).to.be.at.most(1);
      expect(r.markets[0]?.extraMove).to.equal(0);
      expect(r.notionalWaiting).to.equal(0n);
      if (m === -0.3) expect(gap.shortfall > 0n && gap.underMaintenance >= 2).to.equal(true);
    }
  });
});

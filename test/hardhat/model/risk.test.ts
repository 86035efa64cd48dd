import { expect } from "chai";
import {
  CollateralRisk,
  MarketParams,
  OffsetPair,
  PairLeg,
  RiskAccount,
  RiskPosition,
  UINT256_MAX,
  WAD,
  abs,
  collateralWeights,
  divCeil,
  equityBuffer,
  liquidatableAtShock,
  marginSummary,
  max,
  min,
  mulDown,
  mulUp,
  pairCredit,
  pairStressLoss,
  positionMargin,
  riskHealth,
  riskMarginUtilisation,
  shockToLiquidation,
  sizeScale,
  topUpAmount,
} from "../../../src/model";
import { marketParams, marketState, wad } from "./helpers";

/** Seeded xorshift64* generator: `int(lo, hi)` is uniform-ish on `[lo, hi]`. */
function prng(seed: bigint) {
  const M = (1n << 64n) - 1n;
  let s = seed & M || 1n;
  const next = (): bigint => {
    s ^= s >> 12n;
    s ^= (s << 25n) & M;
    s ^= s >> 27n;
    return (s * 0x2545f4914f6cdd1dn) & M;
  };
  const int = (lo: bigint, hi: bigint): bigint =>
    lo + (((next() << 64n) | next()) % (hi - lo + 1n));
  /** `10^e` times a mantissa in [1, 10), e uniform in [lo, hi]: spans orders of magnitude. */
  const log = (lo: number, hi: number): bigint =>
    (int(WAD, 10n * WAD - 1n) * 10n ** BigInt(int(BigInt(lo + 18), BigInt(hi + 18)))) / 10n ** 18n;
  return { int, log, bool: (): boolean => (next() & 1n) === 1n };
}

const RISK: CollateralRisk = {
  initialWeight: wad("0.8"),
  maintenanceWeight: wad("0.9"),
  sizeThreshold: wad("10000"),
  sizeFactor: wad("0.01"),
  weightFloor: wad("0.1"),
};
/** A balance worth `usd` (18 decimals at price 1). */
const usd = (v: bigint) => ({ amount: v, decimals: 18, price: WAD });
/** Property loops collect failures and assert once (a chai call per sample is slow). */
function failures() {
  const failed: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok && failed.length < 5) failed.push(what);
  };
  return { failed, check };
}

describe("model/risk: collateral weights", () => {
  it("size scale is WAD at or below the threshold and when the factor is 0", () => {
    expect(sizeScale(0n, RISK)).to.equal(WAD);
    expect(sizeScale(wad("10000"), RISK)).to.equal(WAD);
    expect(sizeScale(wad("1000000000000"), { ...RISK, sizeFactor: 0n })).to.equal(WAD);
  });

  it("falls as 1 / sqrt(V) above the threshold; the floor binds", () => {
    // V = 1e6: num = 1 + 0.01 * sqrt(10000) = 2, den = 1 + 0.01 * sqrt(1e6) = 11
    expect(sizeScale(wad("1000000"), RISK)).to.equal(181818181818181818n);
    expect(sizeScale(wad("1000000"), { ...RISK, weightFloor: wad("0.5") })).to.equal(wad("0.5"));
    // k = 1, T = 1: g = 2 / (1 + sqrt(V)): 2/1001 at 1e6, 2/2001 at 4e6 (half as V quadruples)
    const steep = { ...RISK, sizeThreshold: WAD, sizeFactor: WAD, weightFloor: 0n };
    expect(sizeScale(wad("1000000"), steep)).to.equal(1998001998001998n);
    expect(sizeScale(wad("4000000"), steep)).to.equal(999500249875062n);
    const g = (v: string) => sizeScale(wad(v), steep);
    for (const v of ["1000000", "100000000", "10000000000"]) {
      const ratio = (g(v) * 1000n) / sizeScale(wad(v) * 4n, steep);
      expect(ratio >= 1998n && ratio <= 2000n, `ratio ${ratio}`).to.equal(true);
    }
  });

  it("weights: maintenance in equity, initial below it; a stale feed halves both first", () => {
    // V = 1e6, g = 0.181818181818181818: wM' = 0.163636363636363636, wI' = 0.145454545454545454
    expect(
      collateralWeights({ amount: wad("500"), decimals: 18, price: wad("2000") }, RISK),
    ).to.deep.equal({
      valueUsd: wad("1000000"),
      weightedUsd: wad("163636.363636363636"),
      initialUsd: wad("145454.545454545454"),
    });
    // wM = 0.8 + 1 wei: halved to exactly 0.4; below the threshold no scaling
    const odd = { ...RISK, maintenanceWeight: wad("0.8") + 1n, initialWeight: wad("0.5") + 1n };
    expect(collateralWeights(usd(wad("1000")), odd, true)).to.deep.equal({
      valueUsd: wad("1000"),
      weightedUsd: wad("400"),
      initialUsd: wad("250"),
    });
    // above it: mulDown(wM / 2, g) = mulDown(0.4, 2/11) = 0.072727272727272727
    expect(collateralWeights(usd(wad("1000000")), odd, true).weightedUsd).to.equal(
      wad("72727.272727272727"),
    );
  });

  it("property: V * g and the weighted value never fall as V grows (0.01 USD steps and up)", () => {
    const r = prng(53n);
    const { failed, check } = failures();
    for (let t = 0; t < 40; t++) {
      const risk: CollateralRisk = {
        initialWeight: 0n,
        maintenanceWeight: r.int(wad("0.05"), wad("0.95")),
        sizeThreshold: r.bool() ? 0n : r.log(0, 7),
        sizeFactor: r.int(0n, wad("0.1")),
        weightFloor: r.int(0n, WAD),
      };
      let v = 0n;
      let prev = { vg: -1n, w: -1n };
      while (v < wad("1000000000000")) {
        const vg = mulDown(v, sizeScale(v, risk));
        const w = collateralWeights(usd(v), risk).weightedUsd;
        check(vg >= prev.vg && w >= prev.w, `risk ${t}, V ${v}`);
        prev = { vg, w };
        const step = max(wad("0.01"), (v * r.int(1n, 50n)) / 1000n);
        v = v < risk.sizeThreshold && v + step > risk.sizeThreshold ? risk.sizeThreshold : v + step;
      }
    }
    expect(failed).to.deep.equal([]);
  });

  it("property: marginal weight <= wM' (seizing at discount <= 1 - wM never raises equity)", () => {
    const r = prng(7n);
    const { failed, check } = failures();
    for (let t = 0; t < 2000; t++) {
      const wM = r.int(wad("0.05"), wad("0.95"));
      const risk: CollateralRisk = {
        initialWeight: r.int(0n, wM),
        maintenanceWeight: wM,
        sizeThreshold: r.log(0, 6),
        sizeFactor: r.int(0n, wad("0.05")),
        weightFloor: r.int(0n, WAD),
      };
      const v1 = r.log(-2, 10);
      const v2 = v1 + r.log(-6, 10);
      const stale = r.bool();
      const w1 = collateralWeights(usd(v1), risk, stale);
      const w2 = collateralWeights(usd(v2), risk, stale);
      const wEff = mulDown(stale ? wM / 2n : wM, sizeScale(v1, risk));
      check(w2.weightedUsd - w1.weightedUsd <= mulUp(v2 - v1, wEff), `marginal ${t}`);
      // initial never above maintenance
      check(w1.initialUsd <= w1.weightedUsd && w2.initialUsd <= w2.weightedUsd, `initial ${t}`);
    }
    expect(failed).to.deep.equal([]);
  });
});

const ETH = marketParams({ imrBase: wad("0.05"), maintenanceScalar: wad("0.5") });
const ETH10 = { ...ETH, minPositionMargin: wad("10") };

/** A position of `size` in market `marketId` entered at `entry`, valued at `price`. */
function pos(
  marketId: number,
  params: MarketParams,
  size: bigint,
  entry: bigint,
  price = entry,
  indexNow = 0n,
): RiskPosition {
  return {
    marketId,
    params,
    position: { size, entryPrice: entry, fundingIndex: 0n },
    price,
    indexNow,
  };
}

/** The pair legs of `size` at `price` with `params`. */
function leg(params: MarketParams, size: bigint, price: bigint): PairLeg {
  const pm = positionMargin(params, size, price);
  return { size, notional: pm.notional, im: pm.im, mm: pm.mm };
}

describe("model/risk: offset pairs", () => {
  const pair: OffsetPair = { marketA: 0, marketB: 1, rate: wad("0.3"), stressMove: wad("0.03") };
  // long 10 @ 2000: N 20000, im 1010, mm 510 ; short 15 @ 2000: N 30000, im 1510, mm 760
  const a = leg(ETH10, wad("10"), wad("2000"));
  const b = leg(ETH10, wad("-15"), wad("2000"));

  it("no credit for same-sign legs or a single leg", () => {
    const zero = { creditIM: 0n, creditMM: 0n, stressLoss: 0n };
    expect(pairCredit(a, leg(ETH10, wad("15"), wad("2000")), pair)).to.deep.equal(zero);
    expect(pairCredit(a, leg(ETH10, 0n, wad("2000")), pair)).to.deep.equal(zero);
    expect(pairCredit(leg(ETH10, 0n, wad("2000")), b, pair)).to.deep.equal(zero);
  });

  it("hand example: rate-bound and stress-bound credits", () => {
    // L = 0.03 * 30000 = 900 ; MM: min(0.3 * 1020 = 306, 1270 - 900 = 370) = 306
    // IM: min(0.3 * 2020 = 606, 2520 - 900 = 1620) = 606
    expect(pairCredit(a, b, pair)).to.deep.equal({
      creditIM: wad("606"),
      creditMM: wad("306"),
      stressLoss: wad("900"),
    });
    // u = 0.04: L = 1200 ; MM: min(306, 70) = 70 (pair MM = L) ; IM: min(606, 1320) = 606
    const u4 = { ...pair, stressMove: wad("0.04") };
    expect(pairCredit(b, a, u4)).to.deep.equal({
      creditIM: wad("606"),
      creditMM: wad("70"),
      stressLoss: wad("1200"),
    });
    // L rounds up: u = 0.005 on a notional of 1 wei
    expect(pairStressLoss({ notional: 1n }, { notional: 0n }, pair)).to.equal(1n);
    // the account: IM = 2520 - 606 + orders 5, MM = 1270 - 306, one credit per pair
    const h = riskHealth({
      quoteBalance: 0n,
      quoteDecimals: 6,
      collaterals: [],
      positions: [pos(0, ETH10, wad("10"), wad("2000")), pos(1, ETH10, wad("-15"), wad("2000"))],
      pairs: [pair, { ...pair, marketA: 2, marketB: 3 }],
      ordersIm: wad("5"),
    });
    expect([h.im, h.mm, h.credits[1].creditMM]).to.deep.equal([wad("1919"), wad("964"), 0n]);
  });

  it("property: random hedged books keep each pair's requirement above its stress loss", () => {
    const r = prng(2024n);
    const { failed, check } = failures();
    let credited = 0;
    for (let t = 0; t < 2500; t++) {
      const params = (): MarketParams =>
        marketParams({
          imrBase: r.int(wad("0.005"), WAD),
          imrSizeFactor: r.bool() ? 0n : r.int(0n, wad("0.01")),
          maintenanceScalar: r.int(wad("0.1"), wad("0.9")),
          minPositionMargin: r.bool() ? 0n : r.int(0n, wad("10000")),
        });
      const pa = params();
      const pb = params();
      const pr: OffsetPair = {
        marketA: 0,
        marketB: 1,
        rate: r.int(0n, wad("0.5")),
        stressMove: r.bool() ? r.int(wad("0.005"), wad("0.05")) : r.int(wad("0.005"), WAD),
      };
      const sa = r.log(-6, 6) * (r.bool() ? 1n : -1n);
      const sb = (sa > 0n ? -1n : 1n) * r.log(-6, 6);
      const prices = [r.log(-2, 5), r.log(-2, 5)];
      const legA = leg(pa, sa, prices[0]);
      const legB = leg(pb, sb, prices[1]);
      const c = pairCredit(legA, legB, pr);
      const mmBefore = legA.mm + legB.mm;
      const imBefore = legA.im + legB.im;
      const mmAfter = mmBefore - c.creditMM;
      const imAfter = imBefore - c.creditIM;
      // the two stress scenarios, computed here: |s| * p * u of the leg that moves, rounded up
      const lossOf = (s: bigint, p: bigint) => divCeil(abs(s) * p * pr.stressMove, WAD * WAD);
      const [longLoss, shortLoss] =
        sa > 0n
          ? [lossOf(sa, prices[0]), lossOf(sb, prices[1])]
          : [lossOf(sb, prices[1]), lossOf(sa, prices[0])];
      for (const loss of [longLoss, shortLoss]) {
        // the credit never takes a pair below its loss (it can only be below it uncredited)
        check(mmAfter >= min(mmBefore, loss), `MM ${t}`);
        check(imAfter >= min(imBefore, loss), `IM ${t}`);
        check(c.creditMM === 0n || mmAfter >= loss, `credited MM ${t}`);
        check(c.creditIM === 0n || imAfter >= loss, `credited IM ${t}`);
      }
      if (c.creditMM > 0n) credited++;
      check(c.creditIM >= 0n && c.creditMM >= 0n && imAfter >= mmAfter, `IM >= MM ${t}`);
      // shrinking either leg (down to zero) never raises the pair's MM
      const shrunkA = (sa * r.int(0n, WAD)) / WAD;
      const shrunkB = (sb * r.int(0n, WAD)) / WAD;
      for (const [x, y] of [
        [leg(pa, shrunkA, prices[0]), legB],
        [legA, leg(pb, shrunkB, prices[1])],
      ]) {
        const after = x.mm + y.mm - pairCredit(x, y, pr).creditMM;
        check(after <= mmAfter, `shrink ${t}`);
      }
    }
    expect(failed).to.deep.equal([]);
    expect(credited > 500, `credited ${credited}`).to.equal(true);
  });
});

/** An account with `quote` (USDC units) and one unit of a collateral worth 2000 USD. */
function book(quote: bigint): RiskAccount {
  return {
    quoteBalance: quote,
    quoteDecimals: 6,
    collaterals: [{ amount: wad("1"), decimals: 18, price: wad("2000"), risk: RISK }],
    positions: [],
    pairs: [],
    ordersIm: 0n,
  };
}

describe("model/risk: account health", () => {
  it("reduces to the margin model without size scale, pairs and orders", () => {
    const positions = [pos(3, ETH10, wad("10"), wad("1900"), wad("2000"), wad("3"))];
    const flat = { ...RISK, initialWeight: wad("0.9"), sizeFactor: 0n };
    const a: RiskAccount = { ...book(-500_000000n), positions };
    a.collaterals[0].risk = flat;
    const base = marginSummary({
      ...a,
      collaterals: [{ amount: wad("1"), decimals: 18, price: wad("2000"), weight: wad("0.9") }],
    });
    const h = riskHealth(a);
    // equity = -500 + 1800 + 1000 - 30 = 2270
    expect([h.equity, h.im, h.mm, h.collateralIm]).to.deep.equal([
      base.equity,
      base.IM,
      base.MM,
      0n,
    ]);
    expect(h.equity).to.equal(wad("2270"));
    // initial weight 0.8 adds 200 to IM; orders add theirs
    a.collaterals[0].risk = { ...flat, initialWeight: wad("0.8") };
    const h2 = riskHealth({ ...a, ordersIm: wad("7") });
    expect([h2.equity, h2.im, h2.collateralIm]).to.deep.equal([
      h.equity,
      h.im + wad("207"),
      wad("200"),
    ]);
  });

  it("shock: longs and collateral down (rounded down), shorts up (rounded up), funding repriced", () => {
    const a = book(1000_000000n);
    a.collaterals[0].risk = { ...RISK, sizeFactor: 0n };
    const fund = { state: marketState({ fundingRate: wad("0.1") }), now: 86_400n };
    const long = { ...pos(0, ETH, wad("10"), wad("2000"), wad("2000"), wad("200")), funding: fund };
    a.positions = [long, pos(1, ETH, wad("-1"), 3n)];
    // unshocked: 1000 + 1800 + 0 - 10 * 200 (indexNow as given) + short 0
    expect(riskHealth(a).equity).to.equal(wad("800"));
    // x = 0.1: long at 1800: upnl -2000, index 0.1 * 1800 = 180 -> owes 1800 ; collateral 1620
    //   short price mulUp(3, 1.1) = 4 (3.3 wei up): upnl -1 wei
    const h = riskHealth(a, { shock: wad("0.1") });
    expect(h.equity).to.equal(wad("1000") + wad("1620") - wad("2000") - wad("1800") - 1n);
    // MM = 18000 * 0.025 + mulUp(4 wei, 0.025) = 450 + 1 wei
    expect(h.mm).to.equal(wad("450") + 1n);
    expect(() => riskHealth(a, { shock: WAD + 1n })).to.throw(RangeError);
    expect(() => riskHealth({ ...a, positions: [a.positions[0], a.positions[0]] })).to.throw(
      RangeError,
    );
    const p: OffsetPair = { marketA: 0, marketB: 1, rate: 0n, stressMove: WAD };
    expect(() => riskHealth({ ...a, pairs: [p, { ...p, marketA: 2 }] })).to.throw(RangeError);
  });
});

/** Random healthy books with moderate parameters, some paired, some with funding. */
function randomBook(r: ReturnType<typeof prng>): RiskAccount {
  const a = book(r.int(-2000_000000n, 20000_000000n));
  a.collaterals[0].amount = r.int(0n, wad("5"));
  const n = Number(r.int(1n, 4n));
  for (let m = 0; m < n; m++) {
    const params = marketParams({
      imrBase: r.int(wad("0.01"), wad("0.2")),
      imrSizeFactor: r.int(0n, wad("0.0005")),
      maintenanceScalar: r.int(wad("0.3"), wad("0.7")),
      minPositionMargin: r.int(0n, wad("20")),
    });
    const price = r.log(0, 4);
    const size = ((r.log(2, 4) * WAD) / price) * (r.bool() ? 1n : -1n);
    const state = marketState({ fundingRate: r.int(-wad("0.01"), wad("0.01")) });
    const p = pos(m, params, size, (price * r.int(90n, 110n)) / 100n, price);
    a.positions.push(r.bool() ? { ...p, funding: { state, now: r.int(0n, 86_400n) } } : p);
  }
  if (n >= 2)
    a.pairs.push({ marketA: 0, marketB: 1, rate: r.int(0n, wad("0.5")), stressMove: wad("0.05") });
  return a;
}

describe("model/risk: views", () => {
  it("equity buffer and margin utilisation", () => {
    expect(equityBuffer({ equity: wad("1200"), mm: wad("900") })).to.deep.equal({
      buffer: wad("300"),
      bufferRatio: wad("0.25"),
    });
    expect(equityBuffer({ equity: wad("800"), mm: wad("900") })).to.deep.equal({
      buffer: -wad("100"),
      bufferRatio: 0n,
    });
    expect(equityBuffer({ equity: -1n, mm: 0n }).bufferRatio).to.equal(0n);
    // divUp(1000, 3000) = 0.333..34
    expect(riskMarginUtilisation({ equity: wad("3000"), im: wad("1000") })).to.equal(
      333333333333333334n,
    );
    expect(riskMarginUtilisation({ equity: 0n, im: 0n })).to.equal(UINT256_MAX);
  });

  it("shock to liquidation: hand example, edge values", () => {
    const a = book(1000_000000n);
    a.collaterals = [];
    a.positions = [pos(0, ETH10, wad("10"), wad("2000"))];
    // equity 1000 - 20000 x < MM 500 (1 - x) + 10  <=>  x > 490 / 19500 = 0.025128205128205128.2
    expect(shockToLiquidation(a)).to.equal(25128205128205129n);
    expect(shockToLiquidation({ ...a, quoteBalance: 100_000000n })).to.equal(0n);
    // a short never falls below its MM for x <= 1 with enough quote
    const short = {
      ...a,
      quoteBalance: 3000_000000n,
      positions: [pos(0, ETH10, -WAD, wad("2000"))],
    };
    expect(shockToLiquidation(short)).to.equal(UINT256_MAX);
    // no positions, no debt (collateral alone falls to 0 but is never below MM = 0)
    expect(shockToLiquidation({ ...book(0n), quoteBalance: 0n })).to.equal(UINT256_MAX);
    // only debt backed by collateral: liquidatable once collateral * (1 - x) * 0.9 < 900
    expect(shockToLiquidation(book(-900_000000n))).to.equal(wad("0.5") + 1n);
  });

  it("property: sample books never turn healthy under a larger shock; bisection is exact", () => {
    const r = prng(99n);
    const { failed, check } = failures();
    let inRange = 0;
    for (let t = 0; t < 60; t++) {
      const a = randomBook(r);
      let liq = false;
      for (let x = 0n; x <= WAD; x += wad("0.02")) {
        const now = liquidatableAtShock(a, x);
        check(!liq || now, `book ${t} at ${x}`);
        liq = now;
      }
      const hi = shockToLiquidation(a);
      if (hi === 0n) check(liquidatableAtShock(a, 0n), `zero ${t}`);
      else if (hi === UINT256_MAX) check(!liquidatableAtShock(a, WAD), `max ${t}`);
      else {
        inRange++;
        check(liquidatableAtShock(a, hi) && !liquidatableAtShock(a, hi - 1n), `hi ${t}`);
      }
    }
    expect(failed).to.deep.equal([]);
    expect(inRange > 20, `in range ${inRange}`).to.equal(true);
  });
});

describe("model/risk: top-up from a reserve", () => {
  // A: equity 990, MM 1000, buffer 0.1 -> need 1100 - 990 = 110 USDC
  const base = {
    accountHealth: { equity: wad("990"), mm: wad("1000") },
    reserveHealth: { equity: wad("5000"), im: wad("1000") },
    reserveQuoteBalance: 5000_000000n,
    buffer: wad("0.1"),
    cap: 1000_000000n,
    used: 0n,
    fee: 5_000000n,
    quoteDecimals: 6,
  };
  const ok = (amount: bigint) => ({ amount, fee: 5_000000n, ok: true, reason: null });
  const insufficient = (amount: bigint) => ({ ...ok(amount), ok: false, reason: "insufficient" });

  it("each cap binds: need, window left, free (quote, equity over IM), fee", () => {
    expect(topUpAmount(base)).to.deep.equal(ok(110_000000n));
    // need rounds up: 1100 - 990.0000005 = 109.9999995 -> 110.000000
    const frac = { ...base, accountHealth: { equity: wad("990.0000005"), mm: wad("1000") } };
    expect(topUpAmount(frac).amount).to.equal(110_000000n);
    expect(topUpAmount({ ...base, cap: 300_000000n, used: 250_000000n })).to.deep.equal(
      ok(50_000000n),
    );
    // free = quote balance 80, less the fee
    expect(topUpAmount({ ...base, reserveQuoteBalance: 80_000000n })).to.deep.equal(ok(75_000000n));
    // free = floor(1100.0000009 - 1030) = 70.000000, less the fee; without a fee all 70
    const thin = { ...base, reserveHealth: { equity: wad("1100.0000009"), im: wad("1030") } };
    expect(topUpAmount(thin)).to.deep.equal(ok(65_000000n));
    expect(topUpAmount({ ...thin, fee: 0n })).to.deep.equal({ ...ok(70_000000n), fee: 0n });
    // exactly back to MM is enough
    expect(topUpAmount({ ...base, reserveQuoteBalance: 15_000000n })).to.deep.equal(ok(10_000000n));
  });

  it("unavailable: free <= fee, window spent, reserve in debt or under IM, nothing needed", () => {
    const none = { amount: 0n, fee: 5_000000n, ok: false, reason: "unavailable" };
    expect(topUpAmount({ ...base, reserveQuoteBalance: 5_000000n })).to.deep.equal(none);
    expect(topUpAmount({ ...base, used: base.cap })).to.deep.equal(none);
    expect(topUpAmount({ ...base, reserveQuoteBalance: -1n })).to.deep.equal(none);
    const under = { equity: wad("900"), im: wad("1000") };
    expect(topUpAmount({ ...base, reserveHealth: under })).to.deep.equal(none);
    const healthy = { equity: wad("1200"), mm: wad("1000") };
    expect(topUpAmount({ ...base, accountHealth: healthy })).to.deep.equal(none);
  });

  it("insufficient: the most the reserve may give leaves the account below MM", () => {
    const short = topUpAmount({ ...base, reserveQuoteBalance: 14_999999n });
    expect(short).to.deep.equal(insufficient(9_999999n));
    const deep = { ...base, accountHealth: { equity: wad("500"), mm: wad("1000") }, cap: 1n };
    expect(topUpAmount(deep)).to.deep.equal(insufficient(1n));
  });
});

import { expect } from "chai";
import {
  UINT256_MAX,
  WAD,
  abs,
  clamp,
  collateralValueUsd,
  collateralWeightedUsd,
  divCeil,
  divDown,
  divFloor,
  divTrunc,
  divUp,
  max,
  min,
  mulDown,
  mulUp,
  quoteToUsd,
  sDivTrunc,
  sMulCeil,
  sMulFloor,
  sMulTrunc,
  sqrtDown,
  sqrtUp,
  toQuoteCeil,
  toQuoteFloor,
} from "../../../src/model";
import { wad } from "./helpers";

describe("model/fixed", () => {
  it("signed integer division rounds floor / ceil / trunc as named, on every sign", () => {
    // -7 / 2 = -3.5: floor -4, ceil -3, trunc -3
    expect(divFloor(-7n, 2n)).to.equal(-4n);
    expect(divCeil(-7n, 2n)).to.equal(-3n);
    expect(divTrunc(-7n, 2n)).to.equal(-3n);
    // 7 / -2 = -3.5 (negative divisor): same
    expect(divFloor(7n, -2n)).to.equal(-4n);
    expect(divCeil(7n, -2n)).to.equal(-3n);
    // -7 / -2 = 3.5: floor 3, ceil 4, trunc 3
    expect(divFloor(-7n, -2n)).to.equal(3n);
    expect(divCeil(-7n, -2n)).to.equal(4n);
    expect(divTrunc(-7n, -2n)).to.equal(3n);
    // 7 / 2 = 3.5
    expect(divFloor(7n, 2n)).to.equal(3n);
    expect(divCeil(7n, 2n)).to.equal(4n);
    // exact quotients never move
    expect(divFloor(-6n, 2n)).to.equal(-3n);
    expect(divCeil(-6n, 2n)).to.equal(-3n);
    expect(divFloor(0n, -5n)).to.equal(0n);
    expect(() => divFloor(1n, 0n)).to.throw(RangeError);
  });

  it("unsigned WAD mul/div round down / up and refuse negatives", () => {
    // 1 wei * 1 wei / 1e18 = 1e-18: down 0, up 1
    expect(mulDown(1n, 1n)).to.equal(0n);
    expect(mulUp(1n, 1n)).to.equal(1n);
    // 2000 * 0.0005 = 1 exactly
    expect(mulUp(wad("2000"), wad("0.0005"))).to.equal(WAD);
    // 1 / 3 = 0.333...: down ...333, up ...334
    expect(divDown(WAD, 3n * WAD)).to.equal(333333333333333333n);
    expect(divUp(WAD, 3n * WAD)).to.equal(333333333333333334n);
    expect(() => mulDown(-1n, 1n)).to.throw(RangeError);
    expect(() => mulUp(1n, -1n)).to.throw(RangeError);
    expect(() => divUp(1n, 0n)).to.throw(RangeError);
  });

  it("signed WAD multiplication: floor towards -inf, ceil towards +inf, trunc towards 0", () => {
    // -1 wei * 1 wei / 1e18 = -1e-18: floor -1, ceil 0
    expect(sMulFloor(-1n, 1n)).to.equal(-1n);
    expect(sMulCeil(-1n, 1n)).to.equal(0n);
    expect(sMulCeil(1n, 1n)).to.equal(1n);
    expect(sMulFloor(1n, 1n)).to.equal(0n);
    // -1.5e18 * (1.5e18 + 1) / 1e18 = -2.25e18 - 1.5: floor -2.25e18 - 2, ceil/trunc -2.25e18 - 1
    const a = wad("-1.5");
    const b = wad("1.5") + 1n;
    expect(sMulFloor(a, b)).to.equal(wad("-2.25") - 2n);
    expect(sMulCeil(a, b)).to.equal(wad("-2.25") - 1n);
    expect(sMulTrunc(a, b)).to.equal(wad("-2.25") - 1n);
    // -1e18 * 1e18 / 3e18 = -0.333..e18: trunc -333333333333333333
    expect(sDivTrunc(-WAD, 3n * WAD)).to.equal(-333333333333333333n);
  });

  it("sqrtUp is the smallest r with r*r >= x; sqrtDown the largest r with r*r <= x", () => {
    const cases: [bigint, bigint][] = [
      [0n, 0n],
      [1n, 1n],
      [2n, 2n],
      [3n, 2n],
      [4n, 2n],
      [5n, 3n],
      [10n ** 36n, 10n ** 18n],
      [10n ** 36n + 1n, 10n ** 18n + 1n],
      [10n ** 36n - 1n, 10n ** 18n],
      // sqrt(2000 * 1e36) = 44.72135954999579392818...e18 -> up to ...929
      [2000n * WAD * WAD, 44721359549995793929n],
    ];
    for (const [x, r] of cases) expect(sqrtUp(x), `sqrtUp(${x})`).to.equal(r);
    const big = (1n << 128n) - 1n;
    expect(sqrtUp(big * big)).to.equal(big);
    expect(sqrtUp(big * big + 1n)).to.equal(big + 1n);
    expect(sqrtDown(big * big - 1n)).to.equal(big - 1n);
    // property over a spread of magnitudes
    let x = 7n;
    for (let i = 0; i < 200; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) % (1n << 200n);
      const r = sqrtUp(x);
      expect(r * r >= x && (r - 1n) * (r - 1n) < x, `sqrtUp(${x})`).to.equal(true);
    }
    expect(() => sqrtUp(-1n)).to.throw(RangeError);
  });

  it("min / max / abs / clamp", () => {
    expect(min(-3n, 2n)).to.equal(-3n);
    expect(max(-3n, 2n)).to.equal(2n);
    expect(abs(-5n)).to.equal(5n);
    expect(abs(5n)).to.equal(5n);
    expect(clamp(-2n * WAD, -WAD, WAD)).to.equal(-WAD);
    expect(clamp(2n * WAD, -WAD, WAD)).to.equal(WAD);
    expect(clamp(5n, -WAD, WAD)).to.equal(5n);
    expect(UINT256_MAX).to.equal(2n ** 256n - 1n);
  });

  it("toQuoteFloor rounds towards -inf; quoteToUsd is exact", () => {
    // 6 decimals: 1 quote unit = 1e12 USD-wei
    expect(toQuoteFloor(-1n, 6)).to.equal(-1n); // -1e-12 units -> -1
    expect(toQuoteFloor(10n ** 12n - 1n, 6)).to.equal(0n); // 0.999.. -> 0
    expect(toQuoteFloor(-(10n ** 12n), 6)).to.equal(-1n); // exact
    expect(toQuoteFloor(-(10n ** 12n) - 1n, 6)).to.equal(-2n); // -1.000..001 -> -2
    expect(toQuoteFloor(wad("990.50083575"), 6)).to.equal(990500835n);
    expect(toQuoteCeil(wad("990.50083575"), 6)).to.equal(990500836n);
    expect(toQuoteFloor(-123n, 18)).to.equal(-123n); // 18 decimals: identity
    expect(quoteToUsd(5n, 6)).to.equal(5n * 10n ** 12n);
    expect(quoteToUsd(-1500_000000n, 6)).to.equal(wad("-1500"));
    expect(() => toQuoteFloor(1n, 19)).to.throw(RangeError);
  });

  it("collateral value and weighted value round down", () => {
    // 0.5 WBTC (8 dp) at 60000: 50_000_000 * 60000e18 / 1e8 = 30000e18
    expect(collateralValueUsd(50_000_000n, 8, wad("60000"))).to.equal(wad("30000"));
    // 1 wei of an 18-dp token at 0.5 USD: 0.5e-18 USD -> 0
    expect(collateralValueUsd(1n, 18, wad("0.5"))).to.equal(0n);
    // 3 wei at 0.7e18 / 1e18 = 2.1 -> 2
    expect(collateralValueUsd(3n, 18, wad("0.7"))).to.equal(2n);
    // 36-decimal token: 1e36 units = 1 token at 2 USD
    expect(collateralValueUsd(10n ** 36n, 36, wad("2"))).to.equal(wad("2"));
    // weighted: 1000 * 0.9 = 900; 3 wei * 0.5 = 1.5 -> 1
    expect(collateralWeightedUsd(wad("1000"), wad("0.9"))).to.equal(wad("900"));
    expect(collateralWeightedUsd(3n, wad("0.5"))).to.equal(1n);
  });
});

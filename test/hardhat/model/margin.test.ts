import { expect } from "chai";
import {
  Account,
  UINT256_MAX,
  WAD,
  abs,
  liquidationPrice,
  marginSummary,
  positionMargin,
  withPrice,
} from "../../../src/model";
import { marketParams, wad } from "./helpers";

const ETH = marketParams({
  imrBase: wad("0.05"),
  maintenanceScalar: wad("0.5"),
  minPositionMargin: wad("10"),
});
const BTC = marketParams({
  imrBase: wad("0.1"),
  imrSizeFactor: wad("0.0005"),
  maintenanceScalar: wad("0.6"),
  minPositionMargin: wad("20"),
});

/** -1500 USDC debt, 2 WETH, 0.5 WBTC; long 10 ETH, short 2 BTC. */
function twoMarketAccount(): Account {
  return {
    quoteBalance: -1500_000000n,
    quoteDecimals: 6,
    collaterals: [
      { amount: wad("2"), decimals: 18, price: wad("2000"), weight: wad("0.9") },
      { amount: 50_000_000n, decimals: 8, price: wad("60000"), weight: wad("0.8") },
    ],
    positions: [
      {
        params: ETH,
        position: { size: wad("10"), entryPrice: wad("1900"), fundingIndex: wad("1") },
        price: wad("2000"),
        indexNow: wad("3"),
      },
      {
        params: BTC,
        position: { size: wad("-2"), entryPrice: wad("58000"), fundingIndex: 0n },
        price: wad("60000"),
        indexNow: wad("-5"),
      },
    ],
  };
}

describe("model/margin: requirements", () => {
  const p = marketParams({
    imrBase: wad("0.02"),
    imrSizeFactor: wad("0.00005"),
    maintenanceScalar: wad("0.5"),
    minPositionMargin: wad("50"),
  });

  it("small notional: the base ratio applies", () => {
    // notional 2000 ; sqrtUp(2000e36) = 44721359549995793929 ; * 0.00005 -> 0.00223.. < 0.02
    // im = 2000 * 0.02 + 50 = 90 ; mm = 2000 * 0.01 + 50 = 70
    expect(positionMargin(p, wad("-1"), wad("2000"))).to.deep.equal({
      notional: wad("2000"),
      imr: wad("0.02"),
      mmr: wad("0.01"),
      im: wad("90"),
      mm: wad("70"),
    });
  });

  it("large notional: imr grows with sqrt(notional), rounded up", () => {
    // 500 @ 2000 = 1,000,000 ; sqrt = 1000 ; imr = 0.00005 * 1000 = 0.05 ; mmr 0.025
    // im = 50,000 + 50 ; mm = 25,000 + 50
    expect(positionMargin(p, wad("500"), wad("2000"))).to.deep.equal({
      notional: wad("1000000"),
      imr: wad("0.05"),
      mmr: wad("0.025"),
      im: wad("50050"),
      mm: wad("25050"),
    });
    // 1000 @ 3000 = 3,000,000 ; sqrtUp(3e42) = 1732050807568877293528 (1732.05..)
    //   imr = ceil(5e13 * 1732050807568877293528 / 1e18) = ceil(86602540378443864.68) = 86602540378443865
    //   mmr = ceil(86602540378443865 / 2) = 43301270189221933
    //   im = 3e6 * 0.086602540378443865 + 50 = 259807.621135331595 + 50
    //   mm = 3e6 * 0.043301270189221933 + 50 = 129903.810567665799 + 50
    expect(positionMargin(p, wad("1000"), wad("3000"))).to.deep.equal({
      notional: wad("3000000"),
      imr: 86602540378443865n,
      mmr: 43301270189221933n,
      im: wad("259857.621135331595"),
      mm: wad("129953.810567665799"),
    });
  });

  it("notional rounds up and a flat position requires nothing", () => {
    // |s| = 1 wei at 0.5: 0.5e-18 -> 1 wei
    expect(positionMargin(p, -1n, wad("0.5")).notional).to.equal(1n);
    expect(positionMargin(p, 0n, wad("2000"))).to.deep.equal({
      notional: 0n,
      imr: 0n,
      mmr: 0n,
      im: 0n,
      mm: 0n,
    });
  });
});

describe("model/margin: two markets, two collaterals", () => {
  it("equity, IM, MM, health, utilisation, available margin", () => {
    const s = marginSummary(twoMarketAccount());
    // collateral: -1500 + 2 * 2000 * 0.9 + 0.5 * 60000 * 0.8 = -1500 + 3600 + 24000 = 26100
    expect(s.weightedCollateral).to.equal(wad("26100"));
    // upnl: ETH 10 * (2000 - 1900) = 1000 ; BTC -2 * (60000 - 58000) = -4000
    expect(s.upnl).to.equal(wad("-3000"));
    // funding: ETH 10 * (3 - 1) = 20 ; BTC -2 * (-5 - 0) = 10 (the short pays)
    expect(s.funding).to.equal(wad("30"));
    // equity = 26100 - 3000 - 30 = 23070
    expect(s.equity).to.equal(wad("23070"));
    // ETH: notional 20000, imr 0.05 (no size factor), mmr 0.025: im 1000 + 10, mm 500 + 10
    expect(s.positions[0]).to.deep.equal({
      notional: wad("20000"),
      imr: wad("0.05"),
      mmr: wad("0.025"),
      im: wad("1010"),
      mm: wad("510"),
    });
    // BTC: notional 120000 ; sqrtUp(120000e36) = 346410161513775458706 ;
    //   imr = ceil(5e14 * 346410161513775458706 / 1e18) = 173205080756887730 (> 0.1 base)
    //   mmr = 173205080756887730 * 0.6 = 103923048454132638 (exact)
    //   im = 120000 * 0.17320508075688773 + 20 = 20784.6096908265276 + 20
    //   mm = 120000 * 0.103923048454132638 + 20 = 12470.76581449591656 + 20
    expect(s.positions[1]).to.deep.equal({
      notional: wad("120000"),
      imr: 173205080756887730n,
      mmr: 103923048454132638n,
      im: wad("20804.6096908265276"),
      mm: wad("12490.76581449591656"),
    });
    expect(s.IM).to.equal(wad("21814.6096908265276"));
    expect(s.MM).to.equal(wad("13000.76581449591656"));
    // health = floor(23070 / 13000.76581449591656 * 1e18) = 1774510850297513918
    expect(s.healthFactor).to.equal(1774510850297513918n);
    // utilisation = ceil(21814.6096908265276 / 23070 * 1e18) = 945583428297638821
    expect(s.marginUtilisation).to.equal(945583428297638821n);
    // available = 23070 - 21814.6096908265276 = 1255.3903091734724
    expect(s.availableMargin).to.equal(wad("1255.3903091734724"));
    expect(s.isLiquidatable).to.equal(false);
  });

  it("edge values: no positions, non-positive equity", () => {
    const empty: Account = {
      quoteBalance: 5_000000n,
      quoteDecimals: 6,
      collaterals: [],
      positions: [],
    };
    const s = marginSummary(empty);
    expect(s.equity).to.equal(wad("5"));
    expect(s.healthFactor).to.equal(UINT256_MAX);
    expect(s.marginUtilisation).to.equal(0n);
    expect(s.isLiquidatable).to.equal(false);
    const broke = marginSummary({ ...twoMarketAccount(), quoteBalance: -30000_000000n });
    // equity = 23070 - 28500 = -5430
    expect(broke.equity).to.equal(wad("-5430"));
    expect(broke.healthFactor).to.equal(0n);
    expect(broke.marginUtilisation).to.equal(UINT256_MAX);
    expect(broke.isLiquidatable).to.equal(true);
  });
});

describe("model/margin: liquidation price", () => {
  function single(size: bigint): Account {
    return {
      quoteBalance: 1000_000000n,
      quoteDecimals: 6,
      collaterals: [],
      positions: [
        {
          params: ETH,
          position: { size, entryPrice: wad("2000"), fundingIndex: 0n },
          price: wad("2000"),
          indexNow: 0n,
        },
      ],
    };
  }

  /** equity - MM with position `i` valued at `price`. */
  function gap(a: Account, i: number, price: bigint): bigint {
    const s = marginSummary(withPrice(a, i, price));
    return s.equity - s.MM;
  }

  it("long: closed form, rounded up, equity == MM there", () => {
    // E0 = 1000, R = 10 (minPositionMargin), mmr 0.025, s = 10, p0 = 2000
    // p* = (10 - 1000 + 20000) / (10 - 0.25) = 19010 / 9.75 = 1949.74358974358974358974.. -> up
    const a = single(wad("10"));
    const p = liquidationPrice(a, 0);
    expect(p).to.equal(1949743589743589743590n);
    expect(abs(gap(a, 0, p)) <= 20n).to.equal(true);
    expect(gap(a, 0, p - wad("0.01")) < 0n).to.equal(true);
    expect(gap(a, 0, p + wad("0.01")) > 0n).to.equal(true);
  });

  it("short: closed form, rounded down", () => {
    // p* = (10 - 1000 - 20000) / (-10 - 0.25) = 20990 / 10.25 = 2047.80487804878048780487.. -> down
    const a = single(wad("-10"));
    const p = liquidationPrice(a, 0);
    expect(p).to.equal(2047804878048780487804n);
    expect(abs(gap(a, 0, p)) <= 20n).to.equal(true);
    expect(gap(a, 0, p + wad("0.01")) < 0n).to.equal(true);
  });

  it("cross margin: the other market's PnL, funding and requirements move it", () => {
    const a = twoMarketAccount();
    // ETH long: R = MM - 500 = 12500.76581449591656 ; E0 = 23070
    //   p* = (12500.76581449591656 - 23070 + 20000) / 9.75 = 967.2580322559914420517.. -> up
    const pEth = liquidationPrice(a, 0);
    expect(pEth).to.equal(967258032255991442052n);
    expect(abs(gap(a, 0, pEth)) <= 20n).to.equal(true);
    // BTC short (sqrt-scaled mmr held at 0.103923048454132638): R = 530
    //   p* = (530 - 23070 - 120000) / (-2 - 0.207846096908265276) = 64560.65945882932358972.. -> down
    const pBtc = liquidationPrice(a, 1);
    expect(pBtc).to.equal(wad("64560.65945882932358972"));
    // mmr rises with notional, so at p* the real MM is higher than the linear one: notional
    // 129121.32, imr 0.179667275065368156, mmr 0.107800365039220894 (vs 0.1039..), so
    // MM - equity = 129121.32 * (0.10780 - 0.10392) ~ 500.64: just liquidatable at p*,
    // healthy 1 % below.
    const g = gap(a, 1, pBtc);
    expect(g < -wad("500") && g > -wad("501")).to.equal(true);
    expect(gap(a, 1, (pBtc * 99n) / 100n) > 0n).to.equal(true);
  });

  it("returns 0 for a flat position or when no positive price liquidates", () => {
    expect(liquidationPrice(single(0n), 0)).to.equal(0n);
    // a 1-unit long backed by 1000 USD: p* = (10 - 1000 + 2000) / 0.975 > 0 ... but with
    // 1,000,000 USD: (10 - 1e6 + 2000) / 0.975 < 0 -> 0
    const rich = { ...single(WAD), quoteBalance: 1_000_000_000000n };
    expect(liquidationPrice(rich, 0)).to.equal(0n);
    expect(() => liquidationPrice(single(WAD), 3)).to.throw(RangeError);
  });
});

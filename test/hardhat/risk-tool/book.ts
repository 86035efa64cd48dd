/** A hand-built risk state for the risk tool's tests: one ETH market (IMR 10 %, MMR 5 %, no
 *  minimum margin, no funding), a WETH collateral, accounts holding USDC (quote, 6 decimals)
 *  and positions entered at 2,000. No chain involved. */
import { AccountSnapshot, ProtocolView } from "../../../src/chain/reader";
import { MarketState } from "../../../src/model";
import { LiquidationParams, MarketCap, RiskState } from "../../../src/risk/state";

export const E18 = 10n ** 18n;
export const usdc = (x: number): bigint => BigInt(Math.round(x * 1e6));
export const wadOf = (x: number): bigint => BigInt(Math.round(x * 1e6)) * 10n ** 12n;
export const NOW = 1_700_000_000n;
export const ENTRY = 2000n * E18;
export const WETH = "0x00000000000000000000000000000000000000E7";

export interface BookAccount {
  quote: number;
  /** ETH size (signed), entered at 2,000. */
  eth: number;
  weth?: number;
}

export interface BookOptions {
  skewScale: bigint;
  takerFee?: bigint;
  liquidation?: Partial<LiquidationParams>;
  cap?: MarketCap;
  insuranceFund?: bigint;
}

export function marketParams(skewScale: bigint, takerFee = 0n) {
  return {
    skewScale,
    makerFee: 0n,
    takerFee,
    imrBase: wadOf(0.1),
    imrSizeFactor: 0n,
    maintenanceScalar: wadOf(0.5),
    minPositionMargin: 0n,
    maxFundingVelocity: 0n,
  };
}

export function book(accounts: BookAccount[], o: BookOptions): RiskState {
  const sizes = accounts.map((a) => wadOf(a.eth));
  const long = sizes.filter((s) => s > 0n).reduce((x, y) => x + y, 0n);
  const short = -sizes.filter((s) => s < 0n).reduce((x, y) => x + y, 0n);
  const state: MarketState = {
    longOI: long,
    shortOI: short,
    fundingRate: 0n,
    fundingIndex: 0n,
    lastFundingTime: NOW,
    netBasis: sizes.reduce((x, s) => x + (s * ENTRY) / E18, 0n), // funding index 0
  };
  const view: ProtocolView = {
    block: 1,
    timestamp: NOW,
    engine: "0x0000000000000000000000000000000000000001",
    quoteToken: "0x0000000000000000000000000000000000000002",
    quoteDecimals: 6,
    markets: [
      {
        id: 0,
        name: "ETH-PERP",
        params: marketParams(o.skewScale, o.takerFee ?? 0n),
        state,
        price: ENTRY,
        indexNow: 0n,
        status: 1,
        offsetPair: 0,
        maxOpenInterest: 0n,
        maxOiPoolRatio: 0n,
      },
    ],
    collaterals: [
      {
        token: WETH,
        symbol: "WETH",
        index: 0,
        decimals: 18,
        risk: {
          initialWeight: wadOf(0.8),
          maintenanceWeight: wadOf(0.85),
          sizeThreshold: wadOf(1e9),
          sizeFactor: 0n,
          weightFloor: 0n,
        },
        liquidationDiscount: wadOf(0.05),
        price: ENTRY,
        totalDeposited: 0n,
      },
    ],
    pairs: [],
  };
  const snaps: AccountSnapshot[] = accounts.map((a, i) => ({
    id: BigInt(i + 1),
    quoteBalance: usdc(a.quote),
    collaterals: new Map(a.weth ? [[WETH, wadOf(a.weth)]] : []),
    positions: new Map(
      a.eth === 0 ? [] : [[0, { size: wadOf(a.eth), entryPrice: ENTRY, fundingIndex: 0n }]],
    ),
    orders: new Map(),
  }));
  return {
    view,
    accounts: snaps,
    insuranceFund: o.insuranceFund ?? usdc(1000),
    poolBalance: usdc(1_000_000),
    liquidation: {
      feeRate: 0n,
      buffer: 0n,
      minKeeperReward: 0n,
      maxKeeperReward: 0n,
      penaltyRate: 0n,
      ...o.liquidation,
    },
    ...(o.cap ? { caps: [o.cap] } : {}),
  };
}

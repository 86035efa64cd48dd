/** The in-process Hardhat network and `localhost` (a `hardhat node`): mock tokens and feeds
 *  with realistic prices and parameters close to production perps venues. */
import { loadRiskParams } from "../../src/risk/params/loader";
import { CollateralConfig, MarketConfig, NetworkConfig } from "./types";

/** Margins, weights and offset pairs derived by `npm run risk:params` (README, "Risk model"). */
const RISK = loadRiskParams();

const HOUR = 3600;
const DAY = 86_400;

function market(name: string, price: string, skewScale: string, maxOi: string): MarketConfig {
  return {
    name,
    feed: { kind: "mock", decimals: 8, initialPrice: price, heartbeat: DAY },
    skewScale,
    makerFee: "0.0002",
    takerFee: "0.0006",
    maxFundingVelocity: "9",
    imrBase: riskOf(name).imrBase,
    imrSizeFactor: riskOf(name).imrSizeFactor,
    maintenanceScalar: riskOf(name).maintenanceScalar,
    minPositionMargin: "20",
    maxOpenInterest: maxOi,
    maxOiPoolRatio: "5",
    // INV-45: net skew notional <= 2x the pool's balance, so a 50 % move against the net skew
    // costs at most the whole pool (each side alone may still reach 5x, hedged by the other).
    maxNetExposureRatio: "2",
    maxLiquidationPerWindow: "5000000",
    liquidationWindow: 30,
    instantTrading: true,
    minOrderDelay: 2,
    maxOrderAge: 2 * HOUR,
  };
}

function riskOf(market: string) {
  const r = RISK.markets[market];
  if (!r) throw new Error(`deploy/config/risk-params.json has no market ${market}`);
  return r;
}

/** A market's margin parameters from risk-params.json (none when it is not listed there). */
export function marketMargins(
  market: string,
): Partial<Pick<MarketConfig, "imrBase" | "imrSizeFactor" | "maintenanceScalar">> {
  const r = RISK.markets[market];
  if (!r) return {};
  return {
    imrBase: r.imrBase,
    imrSizeFactor: r.imrSizeFactor,
    maintenanceScalar: r.maintenanceScalar,
  };
}

/** A collateral's weights and size haircut from risk-params.json. */
export function collateralRisk(
  symbol: string,
): Pick<
  CollateralConfig,
  | "initialWeight"
  | "maintenanceWeight"
  | "liquidationDiscount"
  | "sizeThreshold"
  | "sizeFactor"
  | "weightFloor"
> {
  const r = RISK.collaterals[symbol];
  if (!r) throw new Error(`deploy/config/risk-params.json has no collateral ${symbol}`);
  return { ...r };
}

export const localConfig: NetworkConfig = {
  quote: { kind: "mock", name: "USD Coin", symbol: "USDC", decimals: 6 },
  collaterals: [
    {
      symbol: "WETH",
      token: { kind: "mock", name: "Wrapped Ether", symbol: "WETH", decimals: 18 },
      feed: { kind: "mock", decimals: 8, initialPrice: "3000", heartbeat: DAY },
      ...collateralRisk("WETH"),
      depositCap: "100000",
    },
    {
      symbol: "WBTC",
      token: { kind: "mock", name: "Wrapped Bitcoin", symbol: "WBTC", decimals: 8 },
      feed: { kind: "mock", decimals: 8, initialPrice: "60000", heartbeat: DAY },
      ...collateralRisk("WBTC"),
      depositCap: "5000",
    },
  ],
  markets: [
    market("ETH-PERP", "3000", "1000000", "100000"),
    market("BTC-PERP", "60000", "50000", "5000"),
    market("SOL-PERP", "150", "20000000", "2000000"),
  ],
  liquidation: {
    feeRate: "0.005",
    buffer: "0.1",
    minKeeperReward: "5",
    maxKeeperReward: "1000",
    closeFactorHfThreshold: "0.95",
    smallDebtUsd: "100",
    orderKeeperFee: "1",
    penaltyRate: "0.0025",
    accountWindow: HOUR,
  },
  // ADL once traders' open profit exceeds half the pool's balance; the keeper earns 1 bp of the
  // notional closed (at most 100 USD) out of the 2 bp the account pays (the maker fee).
  adl: { floorRatio: "0.5", rewardRate: "0.0001", maxReward: "100" },
  // Offset pairs from risk-params.json; a top-up pays its caller 1 USD from the reserve.
  risk: { offsets: RISK.offsets, topUpFee: "1" },
  pool: {
    name: "Crossmargin LP USDC",
    symbol: "cmLP",
    redeemDelay: DAY,
    claimWindow: 3 * DAY,
    exitFeeRate: "0",
  },
  insuranceSeed: "10000",
  mocks: true,
};

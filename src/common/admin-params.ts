/**
 * The admin API's parameter structs (contracts/types/Params.sol) as the ABI takes them: one struct
 * per setter, units in the field names (`...Usd` is USD WAD; ratios, rates and fees are WAD;
 * sizes are size WAD; windows, delays and ages are seconds). `addMarket` takes the four market
 * groups nested; `groupMarketParams` builds that from one flat object.
 */
import { type BigNumberish, encodeBytes32String } from "ethers";

/** `setMarketTradingParams`, `MarketTradingParamsSet`. */
export interface MarketTradingParams {
  skewScale: BigNumberish; // size WAD; 0 = no price impact and no funding
  makerFee: BigNumberish; // WAD of notional
  takerFee: BigNumberish; // WAD of notional
  maxFundingVelocity: BigNumberish; // WAD per day per day
}

/** `setMarketMarginParams`, `MarketMarginParamsSet`. */
export interface MarketMarginParams {
  imrBase: BigNumberish; // WAD
  imrSizeFactor: BigNumberish; // WAD per sqrt(USD)
  maintenanceScalar: BigNumberish; // WAD
  minPositionMarginUsd: BigNumberish; // USD WAD
}

/** `setMarketLimits`, `MarketLimitsSet`. */
export interface MarketLimits {
  maxOpenInterest: BigNumberish; // size WAD per side
  maxOiPoolRatio: BigNumberish; // WAD
  maxNetExposureRatio: BigNumberish; // WAD
  maxLiquidationPerWindowUsd: BigNumberish; // USD WAD; 0 = unlimited
  liquidationWindow: BigNumberish; // seconds
}

/** `setMarketOrderParams`, `MarketOrderParamsSet`. */
export interface MarketOrderParams {
  instantTrading: boolean;
  minOrderDelay: BigNumberish; // seconds
  maxOrderAge: BigNumberish; // seconds
}

/** `setLiquidationParams`, `LiquidationParamsSet`. */
export interface LiquidationSettings {
  feeRate: BigNumberish; // WAD of notional closed
  buffer: BigNumberish; // WAD
  minKeeperRewardUsd: BigNumberish; // USD WAD
  maxKeeperRewardUsd: BigNumberish; // USD WAD
  closeFactorHfThreshold: BigNumberish; // WAD
  smallDebtUsd: BigNumberish; // USD WAD
  orderKeeperFeeUsd: BigNumberish; // USD WAD (converted to quote units at an order's commit)
  penaltyRate: BigNumberish; // WAD of notional closed
  accountWindow: BigNumberish; // seconds
}

/** `setAdlParams`, `AdlParamsSet`. */
export interface AdlSettings {
  floorRatio: BigNumberish; // WAD; 0 = off
  rewardRate: BigNumberish; // WAD of notional closed
  maxRewardUsd: BigNumberish; // USD WAD
}

/** Every field of `addMarket`'s `MarketParams`, flat. */
/** `name` is the market's on-chain name ("ETH-PERP", at most 31 bytes, unique). */
export type FlatMarketParams = {
  name: string;
  feed: string;
  heartbeat: BigNumberish;
} & MarketTradingParams &
  MarketMarginParams &
  MarketLimits &
  MarketOrderParams;

/** `addMarket`'s `MarketParams` (name, feed, heartbeat and the four setter structs) from a flat
 *  object. */
export function groupMarketParams(p: FlatMarketParams) {
  return {
    name: encodeBytes32String(p.name),
    feed: p.feed,
    heartbeat: p.heartbeat,
    trading: {
      skewScale: p.skewScale,
      makerFee: p.makerFee,
      takerFee: p.takerFee,
      maxFundingVelocity: p.maxFundingVelocity,
    },
    margin: {
      imrBase: p.imrBase,
      imrSizeFactor: p.imrSizeFactor,
      maintenanceScalar: p.maintenanceScalar,
      minPositionMarginUsd: p.minPositionMarginUsd,
    },
    limits: {
      maxOpenInterest: p.maxOpenInterest,
      maxOiPoolRatio: p.maxOiPoolRatio,
      maxNetExposureRatio: p.maxNetExposureRatio,
      maxLiquidationPerWindowUsd: p.maxLiquidationPerWindowUsd,
      liquidationWindow: p.liquidationWindow,
    },
    orders: {
      instantTrading: p.instantTrading,
      minOrderDelay: p.minOrderDelay,
      maxOrderAge: p.maxOrderAge,
    },
  };
}

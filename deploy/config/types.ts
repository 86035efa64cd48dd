/** Typed deployment configuration, one object per network. Values are human-readable strings
 *  (USD, ratios, token amounts) converted to on-chain units by the deploy steps. */

/** A Chainlink feed: an existing address on real networks, or a mock created locally. */
export type FeedConfig =
  | { kind: "chainlink"; address: string; heartbeat: number; description: string }
  | { kind: "mock"; decimals: number; initialPrice: string; heartbeat: number };

/** A token: an existing address on real networks, or a mintable mock created locally. */
export type TokenConfig =
  | { kind: "existing"; address: string }
  | { kind: "mock"; name: string; symbol: string; decimals: number };

export interface CollateralConfig {
  symbol: string;
  token: TokenConfig;
  feed: FeedConfig;
  /** Withdrawals and risk-increasing trades count the token at this weight (<= maintenance). */
  initialWeight: string; // e.g. "0.8"
  /** Equity and liquidation count the token at this weight (<= 0.95). */
  maintenanceWeight: string; // e.g. "0.85"
  liquidationDiscount: string; // e.g. "0.05", <= 1 - maintenanceWeight
  /** USD: balances worth more are haircut more (docs/math.md, "Collateral weights"). */
  sizeThreshold: string;
  /** Per sqrt(USD): how fast the weights fall above the threshold ("0" = never). */
  sizeFactor: string;
  /** Fraction of the weights the size scale never goes below. */
  weightFloor: string;
  depositCap: string; // whole tokens
}

export interface MarketConfig {
  name: string; // e.g. "ETH-PERP"
  feed: FeedConfig;
  skewScale: string; // base units
  makerFee: string;
  takerFee: string;
  maxFundingVelocity: string; // per day per day
  imrBase: string;
  imrSizeFactor: string; // per sqrt(USD)
  maintenanceScalar: string;
  minPositionMargin: string; // USD
  maxOpenInterest: string; // base units per side
  maxOiPoolRatio: string;
  /** INV-45: max net skew notional as a multiple of the pool's value (0.1 .. 10). */
  maxNetExposureRatio: string;
  maxLiquidationPerWindow: string; // USD, "0" = unlimited
  liquidationWindow: number; // seconds
  instantTrading: boolean;
  minOrderDelay: number; // seconds
  maxOrderAge: number; // seconds
}

export interface LiquidationConfig {
  feeRate: string;
  buffer: string;
  minKeeperReward: string; // USD
  maxKeeperReward: string; // USD
  closeFactorHfThreshold: string;
  smallDebtUsd: string;
  orderKeeperFee: string; // USD
  /** Insurance-fund penalty per USD closed (the market's taker fee is its floor). */
  penaltyRate: string;
  /** Seconds: the per-account window of keeper rewards and the collateral close factor. */
  accountWindow: number;
}

/** Auto-deleveraging (docs/math.md "Auto-deleveraging"). */
export interface AdlConfig {
  /** ADL runs while the pool's value < floorRatio x its balance; "0" turns it off. */
  floorRatio: string;
  /** The caller's reward per USD closed (<= 0.001). */
  rewardRate: string;
  /** The caller's reward per call at most (USD, <= 1,000). */
  maxReward: string;
}

/** The liquidity pool's share token and its exits (INV-47, INV-48). */
export interface PoolConfig {
  name: string;
  symbol: string;
  /** Seconds from a redeem request until it can be claimed (1 hour .. 14 days; default 1 day). */
  redeemDelay?: number;
  /** Seconds a request stays claimable before it expires (1 .. 30 days; default 3 days). */
  claimWindow?: number;
  /** Exit fee left to the remaining LPs, decimal fraction (0 .. 0.01; default 0). */
  exitFeeRate?: string;
}

/** The risk model's pairs and protection fee (docs/math.md, "Risk model"). */
export interface RiskConfig {
  /** Offset pairs by market name; rate <= 0.5, 0.005 <= stressMove <= 1. */
  offsets: { marketA: string; marketB: string; rate: string; stressMove: string }[];
  /** USD a top-up pays its caller (<= 10). */
  topUpFee: string;
}

export interface NetworkConfig {
  /** Settlement token (decimals <= 18), valued at par. */
  quote: TokenConfig & { symbol: string };
  collaterals: CollateralConfig[];
  markets: MarketConfig[];
  liquidation: LiquidationConfig;
  adl: AdlConfig;
  risk: RiskConfig;
  /** Optional L2 sequencer-uptime feed. */
  sequencer?: { address: string; gracePeriod: number };
  /** Admin role holder after deployment (a TimelockController); the deployer when absent. */
  timelock?: string;
  riskManager?: string;
  guardian?: string;
  pool: PoolConfig;
  /** Quote tokens the deployer seeds into the insurance fund (mock quote only). */
  insuranceSeed?: string;
  /** Whether the network may mint mock tokens and move mock prices (local networks). */
  mocks: boolean;
}

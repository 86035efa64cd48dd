/**
 * @title Liquidation math (docs/math.md "Liquidation").
 */
import { WAD, divCeil, max, min, mulDown, mulUp, quoteToUsd } from "./fixed";
import { MarketParams, MarketState, recordFunding } from "./market";
import { Position, TradeResult, settle } from "./position";

/** Split of a liquidation fee, USD (WAD). */
export interface LiquidationFee {
  /** `max(mulUp(notionalClosed, liquidationFeeRate), minKeeperReward)`. */
  liquidationFee: bigint;
  /** `min(liquidationFee, maxKeeperReward)`: paid to the caller. */
  keeperReward: bigint;
  /** `liquidationFee - keeperReward`: to the insurance fund. */
  insuranceFee: bigint;
}

/**
 * Liquidation fee on `notionalClosed` (USD, WAD) and its keeper / insurance split.
 * @dev The fee is rounded up (a charge); the keeper reward is capped, the rest is insurance.
 */
export function liquidationFee(
  notionalClosed: bigint,
  liquidationFeeRate: bigint,
  minKeeperReward: bigint,
  maxKeeperReward: bigint,
): LiquidationFee {
  const fee = max(mulUp(notionalClosed, liquidationFeeRate), minKeeperReward);
  const keeperReward = min(fee, maxKeeperReward);
  return { liquidationFee: fee, keeperReward, insuranceFee: fee - keeperReward };
}

/**
 * Closes `position` entirely at the oracle price (no price impact, no trading fee), recording
 * funding first exactly as a trade does. The liquidation fee is not included in `quoteDelta`.
 */
export function closeAtOracle(
  marketState: MarketState,
  params: MarketParams,
  position: Position,
  oraclePrice: bigint,
  now: bigint,
  quoteDecimals: number,
): TradeResult {
  const funded = recordFunding(marketState, params, oraclePrice, now);
  return settle(
    funded,
    position,
    -position.size,
    oraclePrice,
    0n,
    0n,
    0n,
    funded.fundingIndex,
    quoteDecimals,
  );
}

/** Outcome of {@link seizeCollateral}. */
export interface CollateralSeizure {
  /** Collateral units handed to the liquidator (rounded down, <= balance). */
  seized: bigint;
  /** Quote units of debt actually repaid (= request, or recomputed up when capped). */
  repay: bigint;
  /** `mulDown(price, WAD - discount)`, USD per whole token. */
  discountedPrice: bigint;
}

/**
 * Collateral a liquidator receives for repaying `repay` quote units of debt:
 * `seized = floor(quoteToUsd(repay) * 10^d / mulDown(price, WAD - discount))`.
 * If that exceeds `balance`, `seized = balance` and the repay is recomputed rounding up:
 * `repay = ceil(balance * discountedPrice / 10^d / 10^(18 - q))` (a single ceiling, which is
 * the same as ceiling the USD value and then the quote conversion).
 */
export function seizeCollateral(
  repay: bigint,
  quoteDecimals: number,
  collateralDecimals: number,
  price: bigint,
  discount: bigint,
  balance: bigint,
): CollateralSeizure {
  if (repay < 0n || balance < 0n) throw new RangeError("seizeCollateral: negative amount");
  if (discount < 0n || discount >= WAD)
    throw new RangeError("seizeCollateral: discount out of range");
  const discountedPrice = mulDown(price, WAD - discount);
  if (discountedPrice === 0n) throw new RangeError("seizeCollateral: zero price");
  const unit = 10n ** BigInt(collateralDecimals);
  const seized = (quoteToUsd(repay, quoteDecimals) * unit) / discountedPrice;
  if (seized <= balance) return { seized, repay, discountedPrice };
  // balance * discountedPrice / 10^d is the USD value (exactly collateralValueUsd rounded up).
  const scale = quoteToUsd(1n, quoteDecimals);
  const repayCapped = divCeil(balance * discountedPrice, unit * scale);
  return { seized: balance, repay: repayCapped, discountedPrice };
}

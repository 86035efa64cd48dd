/**
 * @title Market math: fill price, order fees, velocity funding (docs/math.md).
 */
import {
  SECONDS_PER_DAY,
  WAD,
  abs,
  clamp,
  divCeil,
  divFloor,
  min,
  mulUp,
  sMulCeil,
  sDivTrunc,
  sign,
} from "./fixed";

/** Per-market risk and fee parameters, all WAD. */
export interface MarketParams {
  /** Skew (base units, WAD) at which price impact is 100 %; 0 = no impact, no funding drift. */
  skewScale: bigint;
  /** Fee rate on the part of a trade that shrinks |skew|. */
  makerFee: bigint;
  /** Fee rate on the part of a trade that grows |skew|. */
  takerFee: bigint;
  /** Floor of the initial margin ratio. */
  imrBase: bigint;
  /** IMR grows as `imrSizeFactor * sqrt(notional in USD)`. */
  imrSizeFactor: bigint;
  /** `mmr = imr * maintenanceScalar`. */
  maintenanceScalar: bigint;
  /** USD added to both IM and MM for every open position. */
  minPositionMargin: bigint;
  /** Max drift of the funding rate, per day, at |skew| >= skewScale. */
  maxFundingVelocity: bigint;
}

/** Per-market mutable state. */
export interface MarketState {
  /** Sum of long sizes (>= 0, WAD). */
  longOI: bigint;
  /** Sum of |short sizes| (>= 0, WAD). */
  shortOI: bigint;
  /** Funding rate, signed WAD per day. */
  fundingRate: bigint;
  /** Cumulative funding per unit of size, signed WAD USD. */
  fundingIndex: bigint;
  /** Unix seconds of the last funding record. */
  lastFundingTime: bigint;
  /**
   * `sum(trunc(s * e / WAD) - trunc(s * i0 / WAD))` over the market's positions, maintained
   * incrementally (each term truncated towards zero): all the pool's value needs of the entries
   * and funding snapshots.
   */
  netBasis: bigint;
}

/** A fresh market state starting at time `now`. */
export function emptyMarketState(now: bigint): MarketState {
  return {
    longOI: 0n,
    shortOI: 0n,
    fundingRate: 0n,
    fundingIndex: 0n,
    lastFundingTime: now,
    netBasis: 0n,
  };
}

/** `longOI - shortOI`. */
export function skewOf(state: MarketState): bigint {
  return state.longOI - state.shortOI;
}

/**
 * Fill price with skew-based price impact:
 * `fill = p + p * (2 * skew + sizeDelta) / (2 * skewScale)`.
 * @dev The division is rounded towards plus infinity for a buy (`sizeDelta > 0`) and towards
 * minus infinity otherwise (sell, or zero delta). `skewScale == 0` returns `price`.
 * May return a non-positive value for absurd sizes; callers decide whether that is valid.
 */
export function fillPrice(
  price: bigint,
  skew: bigint,
  sizeDelta: bigint,
  skewScale: bigint,
): bigint {
  if (skewScale === 0n) return price;
  const num = price * (2n * skew + sizeDelta);
  const den = 2n * skewScale;
  return price + (sizeDelta > 0n ? divCeil(num, den) : divFloor(num, den));
}

/**
 * INV-40: the skew a trade of `sizeDelta` is priced at, the worse for the trader of the skew
 * now and the skew at the start of the block: `max` for a buy, `min` for a sell (or zero
 * delta). `blockSkew` undefined (funding not yet recorded at this block's timestamp: the trade
 * records it and the skew now becomes the block-start skew) means `skew`.
 */
export function effectiveSkew(
  skew: bigint,
  blockSkew: bigint | undefined,
  sizeDelta: bigint,
): bigint {
  if (blockSkew === undefined) return skew;
  if (sizeDelta > 0n) return skew > blockSkew ? skew : blockSkew;
  return skew < blockSkew ? skew : blockSkew;
}

/**
 * Fill price of a trade within a block (docs/math.md, "Block-start skew"):
 * `fillPrice(price, effectiveSkew(skew, blockSkew, sizeDelta), sizeDelta, skewScale)`.
 */
export function fillPriceInBlock(
  price: bigint,
  skew: bigint,
  blockSkew: bigint | undefined,
  sizeDelta: bigint,
  skewScale: bigint,
): bigint {
  return fillPrice(price, effectiveSkew(skew, blockSkew, sizeDelta), sizeDelta, skewScale);
}

/** Result of {@link orderFee}. */
export interface OrderFee {
  /** Total fee in USD (WAD), rounded up. */
  fee: bigint;
  /** Size (>= 0) charged the maker fee: the part that shrinks |skew|. */
  makerPart: bigint;
  /** Size (>= 0) charged the taker fee: the part that grows |skew|. */
  takerPart: bigint;
}

/**
 * Order fee split between maker and taker part, with `skew` taken before the trade.
 * @dev `fee = mulUp(mulUp(makerPart, fill), makerFee) + mulUp(mulUp(takerPart, fill), takerFee)`:
 * both products round up (a charge). `fill` must be >= 0.
 */
export function orderFee(
  skew: bigint,
  sizeDelta: bigint,
  fill: bigint,
  makerFee: bigint,
  takerFee: bigint,
): OrderFee {
  const d = abs(sizeDelta);
  let makerPart = 0n;
  let takerPart = d;
  if (skew !== 0n && sign(skew) !== sign(sizeDelta)) {
    makerPart = min(d, abs(skew));
    takerPart = d - makerPart;
  }
  const fee = mulUp(mulUp(makerPart, fill), makerFee) + mulUp(mulUp(takerPart, fill), takerFee);
  return { fee, makerPart, takerPart };
}

/**
 * Funding velocity (signed WAD per day, per day):
 * `clamp(skew * WAD / skewScale, -WAD, WAD) * maxFundingVelocity / WAD`.
 * @dev Both the division and the multiplication truncate towards zero (Solidity int256).
 * `skewScale == 0` means velocity 0.
 */
export function fundingVelocity(
  skew: bigint,
  skewScale: bigint,
  maxFundingVelocity: bigint,
): bigint {
  if (skewScale === 0n) return 0n;
  const proportional = clamp(sDivTrunc(skew, skewScale), -WAD, WAD);
  return (proportional * maxFundingVelocity) / WAD;
}

/** Funding rate and index as of a given time, before they are recorded. */
export interface FundingNow {
  /** `fundingRate + velocity * elapsed / 86400` (truncated towards zero). */
  rateNow: bigint;
  /** `fundingIndex + avgRate * elapsed * p / (86400 * WAD)` (truncated towards zero). */
  indexNow: bigint;
}

/**
 * Funding rate and index at time `now` and oracle price `price`, using the current skew.
 * @dev Every division truncates towards zero:
 * `rateNow = rate + velocity * elapsed / 86400`, `avg = (rate + rateNow) / 2`,
 * `indexNow = index + avg * elapsed * price / (86400 * WAD)`. Throws if `now` is before
 * `lastFundingTime`.
 */
export function accrueFunding(
  state: MarketState,
  params: MarketParams,
  price: bigint,
  now: bigint,
): FundingNow {
  const elapsed = now - state.lastFundingTime;
  if (elapsed < 0n)
    throw new RangeError(`accrueFunding: now ${now} < last ${state.lastFundingTime}`);
  const velocity = fundingVelocity(skewOf(state), params.skewScale, params.maxFundingVelocity);
  const rateNow = state.fundingRate + (velocity * elapsed) / SECONDS_PER_DAY;
  const avgRate = (state.fundingRate + rateNow) / 2n;
  const indexNow = state.fundingIndex + (avgRate * elapsed * price) / (SECONDS_PER_DAY * WAD);
  return { rateNow, indexNow };
}

/**
 * Records funding: returns a new state with `fundingRate = rateNow`, `fundingIndex = indexNow`,
 * `lastFundingTime = now` (rounding as {@link accrueFunding}). The input is not mutated.
 */
export function recordFunding(
  state: MarketState,
  params: MarketParams,
  price: bigint,
  now: bigint,
): MarketState {
  const { rateNow, indexNow } = accrueFunding(state, params, price, now);
  return { ...state, fundingRate: rateNow, fundingIndex: indexNow, lastFundingTime: now };
}

/**
 * Funding owed by a position of size `size` last touched at index `index0`
 * (positive = the position pays): `sMulCeil(size, indexNow - index0)`, rounded up (a charge).
 */
export function accruedFunding(size: bigint, indexNow: bigint, index0: bigint): bigint {
  return sMulCeil(size, indexNow - index0);
}

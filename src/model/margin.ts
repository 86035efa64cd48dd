/**
 * @title Cross-margin account math: requirements, equity, health (docs/math.md "Margin").
 */
import {
  UINT256_MAX,
  WAD,
  abs,
  collateralValueUsd,
  collateralWeightedUsd,
  divCeil,
  divDown,
  divFloor,
  divUp,
  max,
  mulUp,
  quoteToUsd,
  sqrtUp,
} from "./fixed";
import { MarketParams } from "./market";
import { Position, positionFunding, unrealisedPnl } from "./position";

/** A non-quote collateral balance with its oracle price and haircut. */
export interface CollateralHolding {
  /** Token units (>= 0). */
  amount: bigint;
  /** Token decimals (<= 36). */
  decimals: number;
  /** WAD USD per whole token. */
  price: bigint;
  /** WAD haircut weight (<= WAD). */
  weight: bigint;
}

/** An open (or flat) position with what is needed to value it. */
export interface PositionHolding {
  params: MarketParams;
  position: Position;
  /** Oracle price (or settlement price for a settled market), WAD. */
  price: bigint;
  /** The market's funding index as of now (`accrueFunding(...).indexNow`). */
  indexNow: bigint;
}

/** Everything a cross-margin account's health depends on. */
export interface Account {
  /** Signed quote balance in quote-token units (negative = debt). */
  quoteBalance: bigint;
  /** Quote token decimals (<= 18). */
  quoteDecimals: number;
  collaterals: CollateralHolding[];
  positions: PositionHolding[];
}

/** Requirements of one position (all WAD USD or WAD ratios); all zero for a flat position. */
export interface PositionMargin {
  /** `mulUp(|s|, p)`. */
  notional: bigint;
  /** `max(imrBase, mulUp(imrSizeFactor, sqrtUp(notional * WAD)))`. */
  imr: bigint;
  /** `mulUp(imr, maintenanceScalar)`. */
  mmr: bigint;
  /** `mulUp(notional, imr) + minPositionMargin`. */
  im: bigint;
  /** `mulUp(notional, mmr) + minPositionMargin`. */
  mm: bigint;
}

/** Account-level view, all USD values WAD. */
export interface MarginSummary {
  positions: PositionMargin[];
  /** `quoteToUsd(quoteBalance) + sum(weightedUsd)`, values rounded down. */
  weightedCollateral: bigint;
  /** Sum of `sMulFloor(s, p - e)`. */
  upnl: bigint;
  /** Sum of `sMulCeil(s, indexNow - i0)` (positive = owed by the account). */
  funding: bigint;
  /** `weightedCollateral + upnl - funding` (signed). */
  equity: bigint;
  /** Initial margin, sum of `im`. */
  IM: bigint;
  /** Maintenance margin, sum of `mm`. */
  MM: bigint;
  /** `MM == 0 ? uint256.max : equity <= 0 ? 0 : divDown(equity, MM)`. */
  healthFactor: bigint;
  /** `equity <= 0 ? uint256.max : divUp(IM, equity)`. */
  marginUtilisation: bigint;
  /** `equity - IM` (signed). */
  availableMargin: bigint;
  /** `equity < MM`. */
  isLiquidatable: boolean;
}

/**
 * Initial margin ratio for a notional (WAD USD), rounded up:
 * `max(imrBase, mulUp(imrSizeFactor, sqrtUp(notional * WAD)))`.
 * @dev `sqrtUp(notional * WAD)` is sqrt(notional in whole USD) expressed in WAD.
 */
export function initialMarginRatio(params: MarketParams, notional: bigint): bigint {
  return max(params.imrBase, mulUp(params.imrSizeFactor, sqrtUp(notional * WAD)));
}

/** Maintenance margin ratio, rounded up: `mulUp(imr, maintenanceScalar)`. */
export function maintenanceMarginRatio(params: MarketParams, imr: bigint): bigint {
  return mulUp(imr, params.maintenanceScalar);
}

/**
 * Requirements of a position of `size` at `price`, every step rounded up (requirements).
 * A flat position (size 0) requires nothing, not even `minPositionMargin`.
 */
export function positionMargin(params: MarketParams, size: bigint, price: bigint): PositionMargin {
  if (size === 0n) return { notional: 0n, imr: 0n, mmr: 0n, im: 0n, mm: 0n };
  const notional = mulUp(abs(size), price);
  const imr = initialMarginRatio(params, notional);
  const mmr = maintenanceMarginRatio(params, imr);
  return {
    notional,
    imr,
    mmr,
    im: mulUp(notional, imr) + params.minPositionMargin,
    mm: mulUp(notional, mmr) + params.minPositionMargin,
  };
}

/**
 * `quoteToUsd(quoteBalance) + sum(mulDown(floor(amount * price / 10^d), weight))`
 * (each collateral value rounded down; the quote part is exact and may be negative).
 */
export function weightedCollateral(account: Account): bigint {
  let total = quoteToUsd(account.quoteBalance, account.quoteDecimals);
  for (const c of account.collaterals) {
    total += collateralWeightedUsd(collateralValueUsd(c.amount, c.decimals, c.price), c.weight);
  }
  return total;
}

/** The account's value with no haircut (`ICrossmargin.accountValue`, USD WAD): quote at par,
 *  each collateral at its price (rounded down), each position's PnL less its funding. */
export function accountValue(account: Account): bigint {
  let total = quoteToUsd(account.quoteBalance, account.quoteDecimals);
  for (const c of account.collaterals) total += collateralValueUsd(c.amount, c.decimals, c.price);
  for (const h of account.positions) {
    total += unrealisedPnl(h.position, h.price) - positionFunding(h.position, h.indexNow);
  }
  return total;
}

/** Full margin view of an account (see {@link MarginSummary} for each field's rounding). */
export function marginSummary(account: Account): MarginSummary {
  const wc = weightedCollateral(account);
  let upnl = 0n;
  let funding = 0n;
  let IM = 0n;
  let MM = 0n;
  const positions: PositionMargin[] = [];
  for (const h of account.positions) {
    const pm = positionMargin(h.params, h.position.size, h.price);
    positions.push(pm);
    upnl += unrealisedPnl(h.position, h.price);
    funding += positionFunding(h.position, h.indexNow);
    IM += pm.im;
    MM += pm.mm;
  }
  const equity = wc + upnl - funding;
  return {
    positions,
    weightedCollateral: wc,
    upnl,
    funding,
    equity,
    IM,
    MM,
    healthFactor: healthFactor(equity, MM),
    marginUtilisation: marginUtilisation(equity, IM),
    availableMargin: equity - IM,
    isLiquidatable: equity < MM,
  };
}

/** `MM == 0 ? uint256.max : (equity <= 0 ? 0 : divDown(equity, MM))`, rounded down. */
export function healthFactor(equity: bigint, MM: bigint): bigint {
  if (MM === 0n) return UINT256_MAX;
  return equity <= 0n ? 0n : divDown(equity, MM);
}

/** `equity <= 0 ? uint256.max : divUp(IM, equity)`, rounded up. */
export function marginUtilisation(equity: bigint, IM: bigint): bigint {
  return equity <= 0n ? UINT256_MAX : divUp(IM, equity);
}

/** `equity < MM`. */
export function isLiquidatable(account: Account): boolean {
  return marginSummary(account).isLiquidatable;
}

/**
 * Oracle price of market `index` at which `equity == MM`, everything else held fixed
 * (other prices, collateral, funding index, and this market's `mmr` at its current value).
 *
 * With `E0` the current equity, `p0` the current price, `s` the size, `mmr` the market's
 * current maintenance ratio and `R = MM - mulUp(notional, mmr)` (all other requirements,
 * including this market's `minPositionMargin`), solving `E0 + s(p - p0) = R + |s| mmr p`:
 *
 *   `p* = (R - E0 + s * p0) / (s - |s| * mmr)`
 *
 * @dev Computed as one exact rational (`((R - E0) * WAD + s * p0) * WAD / (s * WAD - |s| * mmr)`)
 * with a single final rounding towards the safe side: up for a long (liquidated below p*),
 * down for a short (liquidated above p*), so the reported price warns no later than the exact
 * one. Re-evaluating the model at `p*` gives `equity - MM` within a few wei plus `|s| / WAD`
 * when `mmr` does not depend on the notional (`imrBase` binding). When the size factor binds,
 * the real `mmr` falls with a long's notional (true price lower than `p*`, conservative) and
 * rises with a short's (true price lower than `p*`, so `p*` is then optimistic for shorts).
 * Returns 0n if `s == 0`, the denominator is 0, or `p* <= 0` (no liquidation price).
 */
export function liquidationPrice(account: Account, index: number): bigint {
  const h = account.positions[index];
  if (h === undefined) throw new RangeError(`liquidationPrice: no position ${index}`);
  const s = h.position.size;
  if (s === 0n) return 0n;
  const summary = marginSummary(account);
  return liquidationPriceOf(h, summary.positions[index], summary.equity, summary.MM);
}

/** The liquidation price of holding `h` (requirements `pm`) in an account with `equity` and
 *  `mm`: every other requirement and price held fixed (docs/math.md, "Risk views"). */
export function liquidationPriceOf(
  h: PositionHolding,
  pm: PositionMargin,
  equity: bigint,
  mm: bigint,
): bigint {
  const s = h.position.size;
  if (s === 0n) return 0n;
  const R = mm - mulUp(pm.notional, pm.mmr);
  const num = (R - equity) * WAD + s * h.price;
  const den = s * WAD - abs(s) * pm.mmr;
  if (den === 0n) return 0n;
  const p = s > 0n ? divCeil(num * WAD, den) : divFloor(num * WAD, den);
  return p > 0n ? p : 0n;
}

/** Copy of `account` with position `index` valued at `price` (for what-if evaluation). */
export function withPrice(account: Account, index: number, price: bigint): Account {
  return {
    ...account,
    positions: account.positions.map((h, i) => (i === index ? { ...h, price } : h)),
  };
}

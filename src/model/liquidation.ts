/**
 * @title Liquidation math (docs/math.md "Liquidation").
 */
import { WAD, divCeil, max, min, mulDown, mulUp, quoteToUsd, sMulCeil } from "./fixed";
import { MarketParams, MarketState, fillPrice, recordFunding } from "./market";
import { Position, TradeResult, settle } from "./position";

/** Liquidation parameters the reward and penalty depend on (USD and rates WAD). */
export interface RewardParams {
  feeRate: bigint;
  minKeeperReward: bigint;
  maxKeeperReward: bigint;
}

/**
 * The keeper's reward (USD, WAD) that a window's `totalNotional` earns: the fee rate on it, the
 * minimum only when the call `complete`s the liquidation (closes the account out or restores
 * it), capped at the maximum (INV-26). The reward of one call is this less what keepers were
 * already paid in the window.
 */
export function windowRewardUsd(totalNotional: bigint, complete: boolean, p: RewardParams): bigint {
  let earned = mulUp(totalNotional, p.feeRate);
  if (complete && earned < p.minKeeperReward) earned = p.minKeeperReward;
  return min(earned, p.maxKeeperReward);
}

/** The highest taker fee of the given markets: the floor of the penalty rate (engine
 *  `maxTakerFee`, kept by governance on every fee change). */
export function maxTakerFee(markets: readonly { takerFee: bigint }[]): bigint {
  return markets.reduce((acc, m) => max(acc, m.takerFee), 0n);
}

/**
 * Insurance-fund penalty (USD, WAD) for closing `delta` of a market (INV-31):
 * `mulUp(notional, max(penaltyRate, maxTakerFee)) + max(0, sMulCeil(delta, fill - price))` with
 * the fill price at the skew before the close and `maxTakerFee` the highest taker fee of any
 * market; a settled market charges the rate only.
 */
export function liquidationPenalty(args: {
  notional: bigint;
  delta: bigint;
  price: bigint;
  skew: bigint;
  params: MarketParams;
  penaltyRate: bigint;
  maxTakerFee: bigint;
  settled: boolean;
}): bigint {
  const { notional, params, settled } = args;
  if (settled) return mulUp(notional, args.penaltyRate);
  let pen = mulUp(notional, max(args.penaltyRate, args.maxTakerFee));
  if (params.skewScale === 0n) return pen;
  const fill = fillPrice(args.price, args.skew, args.delta, params.skewScale);
  const impact = sMulCeil(args.delta, fill - args.price);
  if (impact > 0n) pen += impact;
  return pen;
}

/**
 * Splits what a liquidation call charges (quote units): the penalty first, then the reward,
 * together at most `cap` (what the account can pay, INV-27).
 */
export function chargeSplit(
  penalty: bigint,
  reward: bigint,
  cap: bigint,
): { toFund: bigint; reward: bigint } {
  const toFund = min(penalty, cap);
  return { toFund, reward: min(reward, cap - toFund) };
}

/** A collateral the insurance fund may buy from a bankrupt account. */
export interface SaleCollateral {
  amount: bigint;
  decimals: number;
  price: bigint;
  discount: bigint;
  /** A stale feed, or a token that refuses the fund: not sold. */
  unsellable?: boolean;
}

/** Outcome of {@link settleDebt} (quote units). */
export interface DebtSettlement {
  /** Per collateral (same order): units sold to the fund and debt repaid for them. */
  sales: { amount: bigint; paid: bigint }[];
  /** Debt no collateral backs any more (0 while collateral remains). */
  deficit: bigint;
  covered: bigint;
  socialised: bigint;
  /** Quote balance after (negative while unsold collateral backs debt). */
  quoteBalance: bigint;
  /** Quote units the fund paid in all. */
  fundPaid: bigint;
}

/**
 * Collateral first, bad debt last (INV-29): the fund buys each collateral in turn at the
 * oracle price less its discount for the debt, as far as its `fundQuote` goes; the debt left once
 * no collateral remains is bad debt, covered by the fund, then socialised.
 */
export function settleDebt(
  collaterals: SaleCollateral[],
  quoteBalance: bigint,
  fundQuote: bigint,
  quoteDecimals: number,
): DebtSettlement {
  const sales = collaterals.map(() => ({ amount: 0n, paid: 0n }));
  if (quoteBalance >= 0n) {
    return { sales, deficit: 0n, covered: 0n, socialised: 0n, quoteBalance, fundPaid: 0n };
  }
  let debt = -quoteBalance;
  let fund = fundQuote;
  const left = collaterals.map((c) => c.amount);
  collaterals.forEach((c, i) => {
    const budget = min(debt, fund);
    if (budget === 0n || left[i] === 0n || c.unsellable) return;
    const r = seizeCollateral(budget, quoteDecimals, c.decimals, c.price, c.discount, left[i]);
    if (r.seized === 0n) return;
    fund -= r.repay;
    debt -= r.repay;
    left[i] -= r.seized;
    sales[i] = { amount: r.seized, paid: r.repay };
  });
  let deficit = 0n;
  let covered = 0n;
  if (debt !== 0n && left.every((x) => x === 0n)) {
    deficit = debt;
    covered = min(debt, fund);
    fund -= covered;
    debt = 0n;
  }
  return {
    sales,
    deficit,
    covered,
    socialised: deficit - covered,
    quoteBalance: -debt,
    fundPaid: fundQuote - fund,
  };
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

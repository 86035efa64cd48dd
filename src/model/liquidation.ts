/**
 * @title Liquidation math (docs/math.md "Liquidation").
 */
import { WAD, divCeil, max, min, mulDown, mulUp, quoteToUsd, sMulCeil, toQuoteCeil } from "./fixed";
import { healthFactor } from "./margin";
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

/** The fund's penalty rate in a market: `max(penaltyRate, maxTakerFee)`, the protocol rate alone
 *  in a settled market (where closing by trade is free). */
export function liquidationPenaltyRate(
  penaltyRate: bigint,
  maxTakerFee: bigint,
  settled: boolean,
): bigint {
  return settled ? penaltyRate : max(penaltyRate, maxTakerFee);
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

/**
 * What the account can pay for one call (quote units, INV-27):
 * `min(floor(max(0, equity - closes * 10^(18-q)) / 10^(18-q)), vaultQuote)`, with `equity` the
 * liquidation health before the call (closing at the oracle moves equity only by the rounding of
 * each realised PnL, at most one quote unit per close) and `vaultQuote` the vault's quote less
 * the penalties it holds for the insurance fund (`insuranceAccrued`, INV-70).
 */
export function liquidationPayCap(
  equity: bigint,
  closes: number,
  vaultQuote: bigint,
  quoteDecimals: number,
): bigint {
  const unit = quoteToUsd(1n, quoteDecimals);
  const canPay = equity - BigInt(closes) * unit;
  return min(canPay > 0n ? canPay / unit : 0n, vaultQuote);
}

/** An account's keeper-reward window as the engine stores it. */
export interface RewardWindow {
  start: bigint;
  /** USD WAD closed in the window. */
  notionalClosed: bigint;
  /** Quote units paid to keepers in the window. */
  rewardPaid: bigint;
}

/**
 * The charges of one liquidation call (quote units; INV-26, INV-27, INV-31): the reward is what
 * the window's total notional earns ({@link windowRewardUsd}, rounded up to quote units) less
 * what keepers were paid in the window (a new window once `accountWindow` seconds have elapsed
 * since its start); the penalty (`penaltyUsd` rounded up) first, then the reward, together at
 * most `cap` ({@link liquidationPayCap}).
 */
export function liquidationCallCharges(a: {
  window: RewardWindow;
  accountWindow: bigint;
  now: bigint;
  notional: bigint;
  penaltyUsd: bigint;
  complete: boolean;
  cap: bigint;
  params: RewardParams;
  quoteDecimals: number;
}): { toFund: bigint; reward: bigint } {
  const fresh = a.now >= a.window.start + a.accountWindow;
  const closedBefore = fresh ? 0n : a.window.notionalClosed;
  const paidBefore = fresh ? 0n : a.window.rewardPaid;
  const earnedUsd = windowRewardUsd(closedBefore + a.notional, a.complete, a.params);
  const earned = toQuoteCeil(earnedUsd, a.quoteDecimals);
  const owed = earned > paidBefore ? earned - paidBefore : 0n;
  return chargeSplit(toQuoteCeil(a.penaltyUsd, a.quoteDecimals), owed, a.cap);
}

/** An account's collateral-liquidation window as the engine stores it. */
export interface CollateralWindow {
  collateralStart: bigint;
  /** Quote units of debt at the window's first collateral liquidation. */
  debtAtStart: bigint;
  /** Quote units repaid in the window. */
  repaid: bigint;
}

/**
 * The close factor of `liquidateCollateral` (quote units a liquidator may repay now; INV-33):
 * `ceil(debtAtStart / 2) - repaid` of the window (a new window, at the current debt, once
 * `accountWindow` seconds have elapsed), at most the debt; all of the debt when the health factor
 * `divDown(equity, MM)` (0 when `MM == 0` or `equity <= 0`) is below `closeFactorHfThreshold`,
 * when the debt is at most `smallDebtUsd`, or when what would remain is.
 */
export function collateralRepayLimit(a: {
  /** Quote units owed (`-quoteBalance`, > 0). */
  debt: bigint;
  /** Liquidation health. */
  equity: bigint;
  mm: bigint;
  window: CollateralWindow;
  accountWindow: bigint;
  now: bigint;
  closeFactorHfThreshold: bigint;
  smallDebtUsd: bigint;
  quoteDecimals: number;
}): bigint {
  const { debt, quoteDecimals: qd } = a;
  const hf = a.mm === 0n ? 0n : healthFactor(a.equity, a.mm);
  if (hf < a.closeFactorHfThreshold || quoteToUsd(debt, qd) <= a.smallDebtUsd) return debt;
  const fresh = a.now >= a.window.collateralStart + a.accountWindow;
  const debtAtStart = fresh ? debt : a.window.debtAtStart;
  const repaidBefore = fresh ? 0n : a.window.repaid;
  const half = (debtAtStart + 1n) / 2n;
  const left = half > repaidBefore ? half - repaidBefore : 0n;
  if (debt > left && quoteToUsd(debt - left, qd) <= a.smallDebtUsd) return debt;
  return min(left, debt);
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

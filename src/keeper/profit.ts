/** Is an action worth its gas? The reward (quote units, valued at par) against
 *  `gasLimit * gasPrice` converted to USD with an ETH/USD price read from the engine's own feeds. */
import { ICrossmargin, MockERC20__factory } from "../../typechain-types";
import { WAD } from "../common/units";
import { LiquidationParams } from "./indexer";
import { isRetryableRpcError } from "./retry";

/** Where the ETH/USD price for gas costs comes from. `auto`: the collateral whose symbol is
 *  WETH or ETH. */
export type EthUsdSource =
  | { kind: "auto" }
  | { kind: "collateral"; token: string }
  | { kind: "market"; marketId: number }
  | { kind: "fixed"; priceWad: bigint };

export interface ProfitCheck {
  rewardUsd: bigint;
  gasCostUsd: bigint;
  profitUsd: bigint;
  /** True when the profit reaches the minimum (or the check is off). */
  ok: boolean;
}

/** Quote-token units as USD WAD (the engine values the quote token at par). */
export function quoteToUsd(amount: bigint, quoteDecimals: number): bigint {
  return amount * 10n ** BigInt(18 - quoteDecimals);
}

/** Gas cost in USD WAD: `gas * gasPrice` wei at `ethUsdWad` USD per ETH. */
export function gasCostUsd(gas: bigint, gasPriceWei: bigint, ethUsdWad: bigint): bigint {
  return (gas * gasPriceWei * ethUsdWad) / WAD;
}

/** The most one liquidation call can pay its keeper (USD WAD): the reward of a call that
 *  completes the liquidation in a fresh window, `clamp(feeRate * notional, minReward, maxReward)`.
 *  The engine pays less when the window already paid keepers, when the call only closes part,
 *  or when the account cannot pay (docs/math.md); the keeper reads the real figure by simulating
 *  the call. */
export function liquidationRewardUsd(p: LiquidationParams, notionalUsd: bigint): bigint {
  const fee = (notionalUsd * p.feeRate + WAD - 1n) / WAD;
  const charged = fee > p.minKeeperReward ? fee : p.minKeeperReward;
  return charged < p.maxKeeperReward ? charged : p.maxKeeperReward;
}

/** Reward against gas. `minProfitUsd` is USD WAD; `ignoreProfit` accepts any action. */
export function checkProfit(args: {
  rewardUsd: bigint;
  gas: bigint;
  gasPriceWei: bigint;
  ethUsdWad: bigint;
  minProfitUsd: bigint;
  ignoreProfit: boolean;
}): ProfitCheck {
  const cost = gasCostUsd(args.gas, args.gasPriceWei, args.ethUsdWad);
  const profitUsd = args.rewardUsd - cost;
  return {
    rewardUsd: args.rewardUsd,
    gasCostUsd: cost,
    profitUsd,
    ok: args.ignoreProfit || profitUsd >= args.minProfitUsd,
  };
}

/** Resolves an ETH/USD source to a price reader (USD WAD per ETH). */
export async function ethUsdReader(
  engine: ICrossmargin,
  source: EthUsdSource,
): Promise<() => Promise<bigint>> {
  switch (source.kind) {
    case "fixed":
      return async () => source.priceWad;
    case "market":
      return () => engine.marketPrice(source.marketId);
    case "collateral":
      return () => engine.collateralPrice(source.token);
    case "auto": {
      const runner = engine.runner;
      for (const token of await engine.collateralTokens()) {
        const symbol = await MockERC20__factory.connect(token, runner)
          .symbol()
          .catch((err: unknown) => {
            if (isRetryableRpcError(err)) throw err; // the caller retries the whole lookup
            return ""; // a token without symbol()
          });
        if (/^W?ETH$/i.test(symbol)) return () => engine.collateralPrice(token);
      }
      throw new Error(
        "no WETH/ETH collateral to price gas with: pass ethUsd (a market, a collateral or a fixed price)",
      );
    }
  }
}

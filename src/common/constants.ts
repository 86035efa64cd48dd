/**
 * Constants shared by the deploy scripts, the keeper, the simulator, the tools and the tests:
 * each is defined here once. Import them from `src/common`.
 */

/**
 * A deadline far in the future, for every call that takes one (`modifyPosition`, `multicall`,
 * ...): 10^30 seconds. The same number is also a buy's acceptable price that accepts any fill:
 * as a WAD price it is 10^12 USD, above any fill, and it fits the uint128 an order stores its
 * acceptable price in (`MaxUint256` would make `commitOrder` revert on the cast).
 */
export const FAR = 10n ** 30n;

/**
 * Market ids of the local deployment: the position of each market in `markets` of
 * deploy/config/local.ts (ETH-PERP, BTC-PERP, SOL-PERP), which `addMarket` numbers from 0.
 */
export const MarketId = { ETH: 0, BTC: 1, SOL: 2 } as const;
export type MarketId = (typeof MarketId)[keyof typeof MarketId];

/** ETH-PERP's market id. */
export const ETH = MarketId.ETH;
/** BTC-PERP's market id. */
export const BTC = MarketId.BTC;
/** SOL-PERP's market id. */
export const SOL = MarketId.SOL;

/** The engine's `MarketStatus` enum (contracts/types/Types.sol), as the ABI encodes it. */
export const MarketStatus = {
  None: 0,
  Active: 1,
  ReduceOnly: 2,
  Paused: 3,
  Settled: 4,
} as const;
export type MarketStatus = (typeof MarketStatus)[keyof typeof MarketStatus];

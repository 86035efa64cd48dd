// Test helpers for the model tests: exact decimal-string -> fixed-point conversion.
import { MarketParams, MarketState, emptyMarketState } from "../../../src/model";

/** Exact decimal string (e.g. "-2000.01") scaled by 10^decimals; throws if it does not fit. */
export function units(value: string, decimals: number): bigint {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(value);
  if (m === null) throw new Error(`bad decimal ${value}`);
  const frac = m[3] ?? "";
  if (frac.length > decimals) throw new Error(`${value} has more than ${decimals} decimals`);
  const v = BigInt(m[2] + frac.padEnd(decimals, "0"));
  return m[1] === "-" ? -v : v;
}

/** Exact decimal string scaled by 1e18. */
export function wad(value: string): bigint {
  return units(value, 18);
}

/** Market parameters with everything zero unless overridden. */
export function marketParams(overrides: Partial<MarketParams> = {}): MarketParams {
  return {
    skewScale: 0n,
    makerFee: 0n,
    takerFee: 0n,
    imrBase: 0n,
    imrSizeFactor: 0n,
    maintenanceScalar: 0n,
    minPositionMargin: 0n,
    maxFundingVelocity: 0n,
    ...overrides,
  };
}

/** Empty market state at time 0 with overrides. */
export function marketState(overrides: Partial<MarketState> = {}): MarketState {
  return { ...emptyMarketState(0n), ...overrides };
}

/** The state the risk tool evaluates: one consistent view of the protocol, read at one block
 *  (src/chain/reader.ts, loaded by source.ts), and the liquidation parameters its shock scenarios
 *  (shocks.ts) charge with. */
import { AccountSnapshot, ProtocolView } from "../chain/reader";

export interface LiquidationParams {
  feeRate: bigint;
  buffer: bigint;
  minKeeperReward: bigint;
  maxKeeperReward: bigint;
  penaltyRate: bigint;
}

/** A market's liquidation window cap (docs/math.md, Liquidation): its parameters and the
 *  window in progress at the state's block (MarketConfig / MarketState fields). */
export interface MarketCap {
  /** USD WAD of notional `liquidate` may close per window; 0 = unlimited. */
  maxLiquidationPerWindow: bigint;
  /** Seconds. */
  liquidationWindow: bigint;
  windowStart: bigint;
  /** USD WAD closed in the window that started at `windowStart`. */
  liquidatedInWindow: bigint;
}

/** What the risk tool evaluates: one consistent state. */
export interface RiskState {
  view: ProtocolView;
  accounts: AccountSnapshot[];
  /** Quote units. */
  insuranceFund: bigint;
  poolBalance: bigint;
  liquidation: LiquidationParams;
  /** Per market id; missing = no cap known (uncapped). */
  caps?: MarketCap[];
}

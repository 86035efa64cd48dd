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

/** What the risk tool evaluates: one consistent state. */
export interface RiskState {
  view: ProtocolView;
  accounts: AccountSnapshot[];
  /** Quote units. */
  insuranceFund: bigint;
  poolBalance: bigint;
  liquidation: LiquidationParams;
}

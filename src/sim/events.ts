/** Decodes the engine's events of one simulated step: which accounts changed (for the ledger),
 *  and the flows the metrics and the pool / insurance-fund ledger checks need. */
import { getAddress } from "ethers";
import { ENGINE_IFACE } from "../chain/reader";
import { RawLog } from "./chain";

const WAD = 10n ** 18n;
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

export interface StepEvents {
  /** Accounts named by any event: their storage may have changed. */
  dirty: Set<bigint>;
  trades: number;
  /** Traded notional (USD WAD) of trades and order fills, liquidations excluded. */
  volumeUsd: bigint;
  /** Trading fees (USD WAD). */
  feesUsd: bigint;
  /** Sum of PositionModified.quoteDelta (trades and liquidation closes), quote units. */
  quoteDeltaSum: bigint;
  poolDeposited: bigint;
  poolWithdrawn: bigint;
  positionsLiquidated: number;
  liquidatedNotionalUsd: bigint;
  liquidatedAccounts: Set<bigint>;
  /** Liquidation fees charged, keeper share and insurance share (quote units). */
  liquidationFees: bigint;
  keeperRewards: bigint;
  toInsurance: bigint;
  badDebtEvents: number;
  deficit: bigint;
  covered: bigint;
  socialised: bigint;
  /** Token -> amount the insurance fund bought from bankrupt accounts (INV-29). */
  seized: Map<string, bigint>;
  /** Quote units the fund paid for that collateral: debt set against collateral. */
  fundPurchases: bigint;
  /** Owners' cancellation fees paid to the fund (INV-38), quote units. */
  cancelFeesToFund: bigint;
  collateralLiquidations: number;
  ordersCommitted: number;
  ordersSettled: number;
  ordersCancelled: number;
  /** Order keeper fees paid (settled or cancelled with a fee), quote units. */
  orderKeeperFees: bigint;
  /** Auto-deleveraging calls (INV-49 to INV-52) and the notional they closed (USD WAD). */
  deleveraged: number;
  adlNotionalUsd: bigint;
  /** What deleveraged accounts paid, and the keepers' part of it (quote units). */
  adlCharge: bigint;
  adlReward: bigint;
}

export function emptyEvents(): StepEvents {
  return {
    dirty: new Set(),
    trades: 0,
    volumeUsd: 0n,
    feesUsd: 0n,
    quoteDeltaSum: 0n,
    poolDeposited: 0n,
    poolWithdrawn: 0n,
    positionsLiquidated: 0,
    liquidatedNotionalUsd: 0n,
    liquidatedAccounts: new Set(),
    liquidationFees: 0n,
    keeperRewards: 0n,
    toInsurance: 0n,
    badDebtEvents: 0,
    deficit: 0n,
    covered: 0n,
    socialised: 0n,
    seized: new Map(),
    fundPurchases: 0n,
    cancelFeesToFund: 0n,
    collateralLiquidations: 0,
    ordersCommitted: 0,
    ordersSettled: 0,
    ordersCancelled: 0,
    orderKeeperFees: 0n,
    deleveraged: 0,
    adlNotionalUsd: 0n,
    adlCharge: 0n,
    adlReward: 0n,
  };
}

/** Decodes the engine's logs (other addresses are ignored). */
export function decodeEvents(logs: readonly RawLog[], engine: string): StepEvents {
  const ev = emptyEvents();
  const me = engine.toLowerCase();
  const liquidationTxs = new Set<string>();
  const parsed = logs
    .filter((l) => l.address.toLowerCase() === me)
    .map((l) => ({ log: l, p: ENGINE_IFACE.parseLog({ topics: l.topics, data: l.data }) }));
  for (const { log, p } of parsed) {
    if (p?.name === "PositionLiquidated") liquidationTxs.add(log.transactionHash);
  }
  for (const { log, p } of parsed) {
    if (!p) continue;
    const a = p.args;
    if (p.fragment.inputs[0]?.name === "account") ev.dirty.add(a.account as bigint);
    switch (p.name) {
      case "PositionModified": {
        ev.quoteDeltaSum += a.quoteDelta as bigint;
        if (!liquidationTxs.has(log.transactionHash)) {
          ev.trades++;
          ev.volumeUsd += (abs(a.sizeDelta as bigint) * (a.fillPrice as bigint)) / WAD;
          ev.feesUsd += a.fee as bigint;
        }
        break;
      }
      case "PoolDeposited":
        ev.poolDeposited += a.assets as bigint;
        break;
      case "PoolWithdrawn":
        ev.poolWithdrawn += a.assets as bigint;
        break;
      case "PositionLiquidated":
        ev.positionsLiquidated++;
        ev.liquidatedNotionalUsd += a.notionalUsd as bigint;
        ev.liquidatedAccounts.add(a.account as bigint);
        break;
      case "LiquidationFeePaid":
        ev.liquidationFees += a.feeQuote as bigint;
        ev.keeperRewards += a.keeperRewardQuote as bigint;
        ev.toInsurance += a.toInsuranceFundQuote as bigint;
        break;
      case "BadDebtSettled":
        ev.liquidatedAccounts.add(a.account as bigint);
        ev.badDebtEvents++;
        ev.deficit += a.deficit as bigint;
        ev.covered += a.coveredByFund as bigint;
        ev.socialised += a.socialised as bigint;
        break;
      case "CollateralSoldToFund": {
        const t = getAddress(a.token as string);
        ev.seized.set(t, (ev.seized.get(t) ?? 0n) + (a.amount as bigint));
        ev.fundPurchases += a.debtRepaid as bigint;
        break;
      }
      case "OrderCancelFeeCollected":
        if (a.toInsuranceFund as boolean) ev.cancelFeesToFund += a.amount as bigint;
        break;
      case "CollateralLiquidated":
        ev.collateralLiquidations++;
        break;
      case "AutoDeleveraged":
        ev.deleveraged++;
        ev.adlNotionalUsd += (abs(a.sizeDelta as bigint) * (a.price as bigint)) / WAD;
        ev.adlCharge += a.charge as bigint;
        ev.adlReward += a.reward as bigint;
        break;
      case "OrderCommitted":
        ev.ordersCommitted++;
        break;
      case "OrderSettled":
        ev.ordersSettled++;
        break;
      case "OrderCancelled":
        ev.ordersCancelled++;
        ev.orderKeeperFees += a.keeperFee as bigint;
        break;
      default:
        break;
    }
  }
  return ev;
}

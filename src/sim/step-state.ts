/** What the simulator reads back from the chain after a step: the state part of the step's
 *  record, the keeper's transactions (gas, real liquidation reverts) and the traders' final
 *  account values. */
import { parseError } from "../common/errors";
import { ChainReader, ENGINE_IFACE, ProtocolView } from "../chain/reader";
import { modelHealth } from "../chain/to-model";
import { Trader } from "./agents";
import { ChainDriver } from "./chain";
import { Ledger } from "./ledger";
import { GasBook, StepState } from "./metrics";
import { Addresses, POOL } from "./setup";

const num = (x: bigint, d = 18): number => Number(x) / 10 ** d;

/** The step's fields read from the chain (at the reader's pinned block) and the view. */
export async function readStepState(
  src: { reader: ChainReader; addr: Addresses; view: ProtocolView; ledger: Ledger },
  quoteDecimals: number,
  base: Pick<
    StepState,
    "step" | "time" | "prices" | "failedTxs" | "liquidatableBefore" | "windowLimited"
  > & { keeperPasses: number },
): Promise<StepState> {
  const { reader, addr, view } = src;
  const q = quoteDecimals;
  const [fund, poolValue, poolBalance, share, traderDebt] = await Promise.all([
    reader.fundHoldings(addr.quote, addr.fund, addr.engine),
    reader.one<bigint>(ENGINE_IFACE, addr.engine, "poolValue"),
    reader.one<bigint>(ENGINE_IFACE, addr.engine, "poolBalance"),
    reader.one<bigint>(POOL, addr.pool, "convertToAssets", [10n ** 12n]),
    reader.one<bigint>(ENGINE_IFACE, addr.engine, "traderDebt"),
  ]);
  const short = (x: bigint): number => (x > 0n ? num(x, q) : 0);
  return {
    ...base,
    oiLongUsd: view.markets.map((m) => num(m.state.longOI) * num(m.price)),
    oiShortUsd: view.markets.map((m) => num(m.state.shortOI) * num(m.price)),
    fundingRate: view.markets.map((m) => num(m.state.fundingRate)),
    insuranceFund: num(fund, q),
    poolValue: num(poolValue, q),
    poolBalance: num(poolBalance, q),
    sharePrice: num(share, q),
    unpayable: short(traderDebt - poolBalance),
    unpayableIfClosed: short(traderDebt - poolValue),
    openAccounts: src.ledger.active().length,
  };
}

/** Gas of the keeper's transactions in blocks [from, to] and every liquidation of it that
 *  reverted for a real reason (not a lost race). */
export async function bookKeeperTxs(
  driver: ChainDriver,
  gas: GasBook,
  keeperAddress: string,
  from: number,
  to: number,
): Promise<string[]> {
  const bad: string[] = [];
  const keeper = keeperAddress.toLowerCase();
  for (const tx of await driver.blockTransactions(from, to)) {
    if (tx.from.toLowerCase() !== keeper) continue;
    let fn = "unknown";
    try {
      fn = ENGINE_IFACE.parseTransaction({ data: tx.data })?.name ?? fn;
    } catch {
      // not an engine call
    }
    gas.add(`keeper:${fn}`, tx.gasUsed, tx.ok);
    if (!tx.ok && fn === "liquidate") {
      const reason = parseError(await driver.revertData(tx.hash))?.name ?? "unknown";
      if (reason !== "NotLiquidatable") bad.push(`liquidate tx ${tx.hash} reverted: ${reason}`);
    }
  }
  return bad;
}

/** Final unweighted account value of each trader (USD). */
export function finalAccountValues(
  traders: readonly Trader[],
  ledger: Ledger,
  view: ProtocolView,
  quoteDecimals: number,
): number[] {
  return traders.map((t) => {
    const snap = ledger.get(t.account);
    const h = modelHealth(snap, view);
    let v = num(snap.quoteBalance, quoteDecimals) + num(h.openPnl);
    for (const c of view.collaterals) {
      v += num(snap.collaterals.get(c.token) ?? 0n, c.decimals) * num(c.price);
    }
    return v;
  });
}

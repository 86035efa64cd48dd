/** The keeper step of a simulated block: one call, `runOnce()`, returning the keeper's
 *  PassReport. By default it is the project's keeper bot (src/keeper), run with its own logic
 *  (event indexing, lens.batchHealth scan, profit check, liquidation, order settlement) against
 *  the in-process chain with automining on and deterministic timestamps. A small built-in keeper
 *  with the same interface exists for comparisons (`--keeper builtin`). */
import { BrowserProvider, JsonRpcSigner, Result } from "ethers";
import { Keeper, Logger, PassReport, emptyReport } from "../keeper";
import { System } from "../../deploy/deploy";
import { ChainReader, ENGINE_IFACE, Eip1193, batchHealth } from "../chain/reader";
import { ChainDriver, timestampingProvider } from "./chain";

export type KeeperKind = "bot" | "builtin";

export interface KeeperStep {
  readonly kind: KeeperKind;
  readonly address: string;
  runOnce(): Promise<PassReport>;
}

export interface KeeperTotals {
  passes: number;
  /** Steps without a pass because there was nothing to do. */
  skippedIdle: number;
  liquidationsWon: number;
  lost: number;
  ordersSettled: number;
  ordersCancelled: number;
  skippedUnprofitable: number;
  errors: number;
  rewardsQuote: bigint;
}

export function emptyKeeperTotals(): KeeperTotals {
  return {
    passes: 0,
    skippedIdle: 0,
    liquidationsWon: 0,
    lost: 0,
    ordersSettled: 0,
    ordersCancelled: 0,
    skippedUnprofitable: 0,
    errors: 0,
    rewardsQuote: 0n,
  };
}

/** Adds one keeper pass to the run's totals. */
export function addKeeperPass(k: KeeperTotals, r: PassReport): void {
  k.passes++;
  k.liquidationsWon += r.liquidationsWon;
  k.lost += r.lost;
  k.ordersSettled += r.ordersSettled;
  k.ordersCancelled += r.ordersCancelled;
  k.skippedUnprofitable += r.skippedUnprofitable;
  k.errors += r.errors;
  k.rewardsQuote += r.rewardsQuote;
}

export interface KeeperStepOptions {
  kind: KeeperKind;
  driver: ChainDriver;
  provider: Eip1193;
  system: System;
  address: string;
  fromBlock: number;
  /** Accounts the built-in keeper scans (the bot finds them from events). */
  accounts: () => readonly bigint[];
  /** Pending orders the built-in keeper looks at, as [account, marketId]. */
  orders: () => readonly [bigint, number][];
  /** Let the bot skip actions whose reward does not cover the gas. */
  profitCheck: boolean;
  log?: Logger;
}

/** Runs the keeper with automining on (its transactions wait for receipts), then turns
 *  automining off again for the simulator's batched blocks. */
async function automined<T>(driver: ChainDriver, fn: () => Promise<T>): Promise<T> {
  await driver.setAutomine(true);
  try {
    return await fn();
  } finally {
    await driver.setAutomine(false);
  }
}

export async function createKeeperStep(o: KeeperStepOptions): Promise<KeeperStep> {
  await o.driver.addAccount(o.address);
  if (o.kind === "builtin") return builtinKeeper(o);
  const browser = new BrowserProvider(timestampingProvider(o.driver, o.provider), undefined, {
    staticNetwork: true,
    polling: false,
  });
  const signer = new JsonRpcSigner(browser, o.address);
  const keeper = new Keeper({
    engine: o.system.engine,
    lens: o.system.lens,
    signer,
    fromBlock: o.fromBlock,
    ignoreProfit: !o.profitCheck,
    log: o.log,
    receiptPollMs: 2,
    receiptTimeoutMs: 30_000,
    maxRetries: 1,
    retryBaseMs: 10,
    liquidateCollateral: true,
  });
  return {
    kind: "bot",
    address: o.address,
    runOnce: () => automined(o.driver, () => keeper.runOnce()),
  };
}

/** A position-less account with debt the fund could not buy out: repay it for each collateral
 *  it holds (the keeper was funded at setup; INV-29). */
async function queueCollateral(
  o: KeeperStepOptions,
  reader: ChainReader,
  engine: string,
  id: bigint,
  sent: { kind: string; account: bigint }[],
): Promise<void> {
  const a = (await reader.call(ENGINE_IFACE, engine, "getAccount", [id])) as unknown as Result;
  const account = a[0] as Result;
  const quoteBalance = account.quoteBalance as bigint;
  if (quoteBalance >= 0n) return;
  for (const [sym, token] of Object.entries(o.system.collaterals)) {
    const address = await token.getAddress();
    const held = (await reader.call(ENGINE_IFACE, engine, "collateralBalance", [
      id,
      address,
    ])) as unknown as Result;
    if ((held[0] as bigint) === 0n) continue;
    await o.driver.sendCall(
      o.address,
      engine,
      ENGINE_IFACE,
      "liquidateCollateral",
      [id, address, -quoteBalance],
      `keeper:liquidateCollateral:${sym}`,
    );
    sent.push({ kind: "collateral", account: id });
  }
}

/** Minimal keeper: liquidates every account `lens.batchHealth` calls liquidatable and settles
 *  (or cancels when expired) every pending order, in one mined block. */
function builtinKeeper(o: KeeperStepOptions): KeeperStep {
  const reader = new ChainReader(o.provider);
  const engine = o.system.engine.target as string;
  const lens = o.system.lens.target as string;
  return {
    kind: "builtin",
    address: o.address,
    async runOnce(): Promise<PassReport> {
      const t0 = Date.now();
      const report = emptyReport();
      const ids = [...o.accounts()];
      const rows = await batchHealth(reader, lens, ids);
      report.scanned = ids.length;
      const sent: { kind: string; account: bigint }[] = [];
      for (const [i, row] of rows.entries()) {
        if (!row.ok) report.unreadable++;
        if (!row.liquidatable) continue;
        report.liquidatable++;
        const id = ids[i] as bigint;
        await o.driver.sendCall(
          o.address,
          engine,
          ENGINE_IFACE,
          "liquidate",
          [id, 0n],
          "keeper:liquidate",
        );
        sent.push({ kind: "liquidate", account: id });
        if (row.mm === 0n) await queueCollateral(o, reader, engine, id, sent);
      }
      for (const [account, marketId] of o.orders()) {
        const st = await reader.call(ENGINE_IFACE, engine, "orderStatus", [account, marketId]);
        const [order, settleable, cancellable, round, proof] = st as unknown as [
          Result,
          boolean,
          boolean,
          bigint,
          bigint,
        ];
        if (order.commitTime === 0n || (!settleable && !cancellable)) continue;
        const across = settleable && proof !== 0n; // INV-37: a round opening a phase
        const fn = !settleable ? "cancelOrder" : across ? "settleOrderAcrossPhase" : "settleOrder";
        const args = !settleable
          ? [account, marketId]
          : across
            ? [account, marketId, round, proof]
            : [account, marketId, round];
        await o.driver.sendCall(o.address, engine, ENGINE_IFACE, fn, args, `keeper:${fn}`);
        sent.push({ kind: settleable ? "settle" : "cancel", account });
      }
      report.liquidationsSent = sent.filter((s) => s.kind === "liquidate").length;
      if (sent.length > 0) {
        const mined = await o.driver.mine(o.driver.lastTimestamp + 1);
        mined.forEach((m, i) => {
          const s = sent[i] as { kind: string; account: bigint };
          if (!m.ok) {
            report.errors++;
            return;
          }
          if (s.kind === "liquidate") {
            report.liquidationsWon++;
            report.liquidated.push(s.account);
          } else if (s.kind === "collateral") report.collateralLiquidations++;
          else if (s.kind === "settle") report.ordersSettled++;
          else report.ordersCancelled++;
        });
      }
      report.durationMs = Date.now() - t0;
      return report;
    },
  };
}

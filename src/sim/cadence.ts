/** The oracle cadence of a simulation: the ticks between report steps (feed answers in blocks
 *  of their own, read from the model unless there is work, ./ticks) and the keeper passes after
 *  a tick, with the run's worst values (summary.json) kept on the way. */
import { ChainReader, ENGINE_IFACE, ProtocolView } from "../chain/reader";
import { PassReport } from "../keeper";
import { ChainDriver, MinedTx } from "./chain";
import { RunExtremes, netSkewUsd } from "./extremes";
import { KeeperStep, KeeperTotals, addKeeperPass } from "./keeper-step";
import { KeeperView } from "./keeper-view";
import { Ledger } from "./ledger";
import { GasBook } from "./metrics";
import { SimOptions } from "./options";
import { COLLATERAL_ASSET, MARKET_ASSETS, Scenario } from "./scenarios";
import { Addresses, queueFeedUpdates } from "./setup";
import { FULL_TICK_EVERY, POOL_MOVE_FULL, PoolEstimate, feedOnlyView } from "./ticks";
import type { System } from "../../deploy/deploy";

const num = (x: bigint, d = 18): number => Number(x) / 10 ** d;

/** What the cadence needs of the simulation. */
export interface CadenceHost {
  readonly opts: SimOptions;
  readonly scenario: Scenario;
  readonly driver: ChainDriver;
  readonly reader: ChainReader;
  readonly ledger: Ledger;
  view: ProtocolView;
  readonly addr: Addresses;
  readonly gas: GasBook;
  readonly keeper: KeeperStep;
  readonly keeperView: KeeperView;
  readonly keeperTotals: KeeperTotals;
  readonly extremes: RunExtremes;
  readonly system: System;
  readonly decimals: Record<string, number>;
  /** Chain time of tick 0. */
  readonly t0: number;
  timed<T>(phase: string, fn: () => Promise<T>): Promise<T>;
  /** Reads the accounts named by the engine's events in [from, to] again, at block `to`. */
  sync(from: number, to: number): Promise<void>;
  /** Accounts the model finds below maintenance now. */
  modelLiquidatable(): bigint[];
  bookNetLong(): boolean;
}

export class OracleCadence {
  private readonly pool = new PoolEstimate();
  /** Oracle ticks inside report steps read from the model only (light) or the chain (full). */
  readonly tickCounts = { light: 0, full: 0 };
  private readonly collateralMarket: Record<string, number> = {};

  constructor(private readonly h: CadenceHost) {
    for (const [sym, asset] of Object.entries(COLLATERAL_ASSET)) {
      this.collateralMarket[sym] = MARKET_ASSETS.findIndex((a) => a === asset);
    }
  }

  /** After block `block` (a tick's, synced): the keeper view's history and the pool's value
   *  and net exposure read from the chain. */
  async observeTick(block: number): Promise<void> {
    const h = this.h;
    const b = await h.driver.latest();
    h.keeperView.observe(block, b.timestamp, h.modelLiquidatable());
    const q = h.decimals.USDC as number;
    const poolValue = num(await h.reader.one<bigint>(ENGINE_IFACE, h.addr.engine, "poolValue"), q);
    this.pool.read(
      poolValue,
      h.view.markets.map((m) => num(m.state.longOI) - num(m.state.shortOI)),
      h.view.markets.map((m) => num(m.price)),
    );
    this.exposure(poolValue);
  }

  private exposure(poolValue: number): void {
    if (poolValue <= 0) return;
    const x = this.h.extremes;
    x.maxPoolNetExposureRatio = Math.max(
      x.maxPoolNetExposureRatio,
      Math.abs(netSkewUsd(this.h.view)) / poolValue,
    );
  }

  /** Work for the keeper by the model: an account below maintenance or an order committed
   *  before the view's block (this round can settle it, or it has expired). */
  private keeperWork(): boolean {
    const now = this.h.view.timestamp;
    const ripe = this.h.ledger
      .active()
      .some((a) => [...a.orders.values()].some((o) => o.commitTime < now));
    return ripe || this.h.modelLiquidatable().length > 0;
  }

  /** An oracle tick inside a report step: the feed answers in a block of their own, then a
   *  keeper pass when there is work. Returns the number of keeper passes. */
  async tick(t: number): Promise<number> {
    const h = this.h;
    h.scenario.prepare(t, () => h.bookNetLong());
    const prices = h.scenario.ticks.map((a) => a[t] as number);
    const ts = Math.max(h.t0 + Math.round(t * h.scenario.tickSeconds), h.driver.lastTimestamp + 1);
    await h.timed("oracle", () => queueFeedUpdates(h.driver, h.addr, prices));
    const mined = await h.timed("mine", () => h.driver.mine(ts));
    const block = (mined[0] as MinedTx).block;
    for (const m of mined) h.gas.add(m.tag, m.gasUsed, m.ok);
    h.view = feedOnlyView(h.view, block, ts, prices, this.collateralMarket);
    const full =
      h.opts.keeperEveryStep ||
      t % FULL_TICK_EVERY === 0 ||
      this.pool.moved(prices) > POOL_MOVE_FULL ||
      this.keeperWork();
    if (!full) {
      this.tickCounts.light++;
      h.keeperTotals.skippedIdle++;
      this.exposure(this.pool.estimate(prices));
      h.keeperView.observe(block, ts, []);
      return 0;
    }
    this.tickCounts.full++;
    await h.timed("ledger", () => h.sync(block, block));
    await this.observeTick(block);
    const { passes } = await h.timed("keeper", () => this.runKeeper(false, block));
    return passes;
  }

  /** Keeper passes after a tick when there is work: an account below maintenance (by the model
   *  on the synced ledger), a ripe order or an ADL need, or `idlePass`. A second pass follows at
   *  once while the model still finds accounts the keeper could see; when the oracle interval is
   *  at least the liquidation window, time moves past the window between passes (the per-window
   *  liquidation cap resets), else the next tick's pass continues. */
  async runKeeper(idlePass: boolean, fromBlock: number): Promise<{ passes: number; last: number }> {
    const h = this.h;
    const [, , adlNeeded] = await h.system.engine.adlNeed();
    const idle = adlNeeded === 0n && !this.keeperWork();
    if (idle && !h.opts.keeperEveryStep && !idlePass) {
      h.keeperTotals.skippedIdle++;
      return { passes: 0, last: fromBlock };
    }
    const windowSec = Math.max(...h.system.config.markets.map((m) => m.liquidationWindow)) + 1;
    let passes = 0;
    let last = Math.max(fromBlock, (await h.driver.latest()).number);
    for (;;) {
      h.keeperView.pinFor(h.driver.lastTimestamp + 1);
      const seen = h.keeperView.seen(h.driver.lastTimestamp + 1)?.liquidatable;
      const r: PassReport = await h.keeper.runOnce();
      passes++;
      addKeeperPass(h.keeperTotals, r);
      const head = await h.driver.latest();
      if (head.number > last) {
        await h.sync(last + 1, head.number);
        last = head.number;
      }
      const left = h.modelLiquidatable();
      const missed = left.filter((id) => h.opts.keeperLatencySec === 0 || seen?.has(id));
      h.keeperView.observe(head.number, head.timestamp, left);
      // What the keeper left liquidatable once it is done with this update (it may need a
      // second pass for accounts its first one made liquidatable, e.g. by closing a pair leg).
      const done =
        missed.length === 0 ||
        passes >= h.opts.maxKeeperPasses ||
        (h.scenario.tickSeconds < windowSec && r.liquidationsWon === 0);
      if (done) {
        h.extremes.accountsLiquidatableAfterPass = Math.max(
          h.extremes.accountsLiquidatableAfterPass,
          missed.length,
        );
        return { passes, last };
      }
      if (h.scenario.tickSeconds >= windowSec) h.driver.lastTimestamp += windowSec;
    }
  }
}

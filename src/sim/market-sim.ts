/** The agent-based market simulation on a deployed system (anvil or Hardhat's in-process network).
 *  Prices move at the oracle cadence: every oracle tick mines the feed answers in a block of
 *  its own, followed by a keeper pass when there is work (./keeper-view for its latency). The
 *  last tick of a report step also carries every agent's transactions; after it the step's
 *  events update the ledger and every invariant is checked. */
import { System } from "../../deploy/deploy";
import { parseError } from "../common/errors";
import { wad } from "../common/units";
import { LogEvent } from "../keeper";
import { ProgressBar } from "../report/progress";
import {
  ChainReader,
  Eip1193,
  ProtocolView,
  HealthRow,
  batchHealth,
  chainHealth,
  loadProtocolView,
} from "../chain/reader";
import { modelHealth } from "../chain/to-model";
import { Trader } from "./agents";
import { AgentEnv, bookAgents, queueAgents } from "./agent-step";
import { ChainDriver, MinedTx } from "./chain";
import { decodeEvents, emptyEvents } from "./events";
import { CheckStat, InvariantViolation, Invariants } from "./invariants";
import { KeeperStep, KeeperTotals, createKeeperStep, emptyKeeperTotals } from "./keeper-step";
import { RunExtremes, emptyExtremes, netSkewUsd } from "./extremes";
import { OracleCadence } from "./cadence";
import { KeeperView } from "./keeper-view";
import { ModelRow, ScanStats, fixedGasEstimates, narrowScans } from "./scan-filter";
import { Ledger } from "./ledger";
import { bookKeeperTxs, finalAccountValues, readStepState } from "./step-state";
import { FailureBook, GasBook, StepRecord, Totals, addEvents, emptyTotals } from "./metrics";
import { SimOptions } from "./options";
import { Rng } from "./random";
import { COLLATERAL_ASSET, MARKET_ASSETS, Scenario, buildScenario } from "./scenarios";
import {
  Addresses,
  Agents,
  POOL,
  addresses,
  applyWallets,
  queueFeedUpdates,
  queueSetup,
} from "./setup";

export interface SimRuntime {
  /** The chain's EIP-1193 provider: Hardhat's in-process one (`hre.network.provider`) or HTTP
   *  to an anvil child process (./sim-node). */
  provider: Eip1193;
  system: System;
}

export interface SimResult {
  options: SimOptions;
  scenario: Scenario;
  marketNames: string[];
  records: StepRecord[];
  totals: Totals;
  gas: GasBook;
  failures: FailureBook;
  invariants: CheckStat[];
  windowLimited: { step: number; accounts: bigint[] }[];
  keeper: KeeperTotals & { kind: string };
  traders: Trader[];
  /** Final value (USD) of each trader's account, unweighted, by trader index. */
  finalValueUsd: number[];
  stepsRun: number;
  wallMs: { setup: number; steps: number };
  phaseMs: Record<string, number>;
  keeperLog: LogEvent[];
  /** Worst values over every oracle tick and keeper pass. */
  extremes: RunExtremes;
  /** Oracle ticks inside report steps read from the model only (light) or the chain (full). */
  tickCounts: { light: number; full: number };
  /** The keeper's health scans: accounts asked, and sent to the lens (./scan-filter). */
  scans: ScanStats;
  violation?: InvariantViolation;
}

const num = (x: bigint, d = 18): number => Number(x) / 10 ** d;
/** With nothing to do (no account below maintenance by the model, no pending order) the keeper
 *  still runs every this many steps; its passes cost a full health scan. */
export const KEEPER_IDLE_EVERY = 8;

export class MarketSimulation implements AgentEnv {
  readonly scenario: Scenario;
  readonly driver: ChainDriver;
  readonly reader: ChainReader;
  readonly live: ChainReader;
  readonly ledger: Ledger;
  readonly gas = new GasBook();
  readonly failures = new FailureBook();
  readonly totals = emptyTotals();
  readonly records: StepRecord[] = [];
  readonly windowLimited: { step: number; accounts: bigint[] }[] = [];
  readonly keeperTotals = emptyKeeperTotals();
  readonly extremes = emptyExtremes();
  readonly keeperView: KeeperView;
  readonly cadence: OracleCadence = new OracleCadence(this);
  readonly scans: ScanStats = { calls: 0, accounts: 0, toLens: 0 };
  invariants!: Invariants;
  agents!: Agents;
  addr!: Addresses;
  keeper!: KeeperStep;
  view!: ProtocolView;
  marketNames: string[] = [];
  decimals: Record<string, number> = {};
  /** Chain time of tick 0. */
  t0 = 0;
  /** Wall time per phase of a step (ms), for the report. */
  readonly phaseMs: Record<string, number> = {};
  /** The keeper's warnings and errors (first 100). */
  readonly keeperLog: LogEvent[] = [];
  async timed<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const t = Date.now();
    try {
      return await fn();
    } finally {
      this.phaseMs[phase] = (this.phaseMs[phase] ?? 0) + Date.now() - t;
    }
  }
  private stepFailed = 0;
  private gasLimit = 30_000_000n;
  private byAccount = new Map<bigint, Trader>();

  constructor(
    readonly rt: SimRuntime,
    readonly opts: SimOptions,
  ) {
    this.scenario = buildScenario({
      scenario: opts.scenario,
      seed: opts.seed,
      steps: opts.steps,
      dtSeconds: Math.round(opts.dtMinutes * 60),
      from: opts.from,
      to: opts.to,
      prices: opts.prices,
      trendMove: opts.trendMove,
      crashAtStep: opts.crashAtStep,
      drop: opts.drop,
      tickSeconds: opts.oracleIntervalSec,
      crashSeconds: opts.crashMinutes * 60,
      rho: opts.correlation,
      intraday: opts.intraday,
    });
    this.keeperView = new KeeperView(opts.keeperLatencySec);
    this.driver = new ChainDriver(rt.provider);
    this.reader = new ChainReader(rt.provider);
    this.live = new ChainReader(rt.provider);
    this.ledger = new Ledger(this.reader, "");
  }

  get system(): System {
    return this.rt.system;
  }

  get seed(): string {
    return this.opts.seed;
  }

  get maxOrderAge(): number[] {
    return this.rt.system.config.markets.map((m) => m.maxOrderAge);
  }

  private get engine(): string {
    return this.addr.engine;
  }

  /** Agents, wallets, deposits and the first prices, in one block. */
  async setup(): Promise<void> {
    const { system } = this.rt;
    this.addr = await addresses(system);
    (this.ledger as { engine: string }).engine = this.addr.engine;
    this.invariants = new Invariants(this.reader, this.addr);
    this.marketNames = system.config.markets.map((m) => m.name);
    for (const [sym, token] of Object.entries(this.addr.tokens)) {
      this.decimals[sym] = Number(await this.live.one<bigint>(POOL, token, "decimals"));
    }
    // Before the clock is read: this transaction mines a block of its own.
    if (this.opts.adlFloor !== undefined) {
      const a = system.config.adl;
      const tx = await system.engine.setAdlParams({
        floorRatio: wad(this.opts.adlFloor),
        rewardRate: wad(a.rewardRate),
        maxRewardUsd: wad(a.maxReward),
      });
      await tx.wait();
    }
    const latest = await this.driver.latest();
    this.t0 = latest.timestamp + 60;
    this.gasLimit = await this.driver.blockGasLimit();
    await this.driver.setAutomine(false);
    await this.driver.setBlockGasLimit(10n ** 10n);
    const p0 = this.scenario.assets.map((a) => a.prices[0] as number);
    await this.driver.addAccount(this.addr.oracle);
    await queueFeedUpdates(this.driver, this.addr, p0);
    const symPrice: Record<string, number> = { USDC: 1 };
    for (const sym of Object.keys(COLLATERAL_ASSET)) {
      symPrice[sym] = p0[MARKET_ASSETS.findIndex((a) => a === COLLATERAL_ASSET[sym])] as number;
    }
    this.agents = await queueSetup(
      this.driver,
      this.addr,
      this.opts.seed,
      this.opts.traders,
      this.opts.lps,
      symPrice,
      this.decimals,
    );
    const mined = await this.driver.mine(this.t0);
    const failed = mined.filter((m) => !m.ok);
    if (failed.length > 0) {
      const why = await this.driver.revertData((failed[0] as MinedTx).hash);
      throw new Error(
        `${failed.length} setup transactions failed, first ${failed[0]?.tag}: ${parseError(why)?.name ?? why}`,
      );
    }
    for (const m of mined) this.gas.add(m.tag, m.gasUsed, m.ok);
    applyWallets(mined, this.agents);
    for (const t of this.agents.traders) this.byAccount.set(t.account, t);
    this.keeper = await createKeeperStep({
      kind: this.opts.keeper,
      driver: this.driver,
      provider: this.keeperView.wrap(
        narrowScans(
          fixedGasEstimates(this.rt.provider),
          this.addr.lens,
          (id) => this.modelRow(id),
          this.scans,
        ),
      ),
      system,
      address: this.addr.keeper,
      fromBlock: system.record.startBlock,
      profitCheck: this.opts.keeperProfitCheck,
      log: (e) => {
        if ((e.level === "warn" || e.level === "error") && this.keeperLog.length < 100) {
          this.keeperLog.push(e);
        }
      },
      accounts: () => this.ledger.ids(),
      orders: () =>
        this.ledger
          .active()
          .flatMap((a) => [...a.orders.keys()].map((m) => [a.id, m] as [bigint, number])),
    });
    const blk = await this.driver.latest();
    this.reader.pin(blk.number);
    this.view = await loadProtocolView(this.reader, this.engine, this.marketNames);
    await this.ledger.refresh(
      this.agents.traders.map((t) => t.account),
      this.view,
    );
    await this.invariants.init(this.view);
    this.extremes.insuranceFundStart = await this.fundUsd();
    this.keeperView.observe(blk.number, blk.timestamp, []);
    await this.invariants.conservation(0, this.ledger, this.view, emptyEvents());
  }

  /** Reads the accounts named by the engine's events in [from, to] again, at block `to`. */
  async sync(from: number, to: number): Promise<void> {
    const ev = decodeEvents(await this.driver.getLogs(this.engine, from, to), this.engine);
    this.reader.pin(to);
    this.view = await loadProtocolView(this.reader, this.engine, this.marketNames, this.view);
    await this.ledger.refresh(ev.dirty, this.view);
  }

  /** Accounts the model finds below maintenance now (model checked against the chain). Only
   *  accounts with positions, orders or quote debt can be: the others have MM = 0 <= equity. */
  /** The model's health of one account for the keeper's narrowed scans (./scan-filter). */
  private modelRow(id: bigint): ModelRow | undefined {
    const a = this.ledger.accounts.get(id);
    if (a === undefined) return undefined;
    if (a.orders.size > 0 || a.quoteBalance < 0n) return { equity: 0n, mm: 0n, uncertain: true };
    const h = modelHealth(a, this.view);
    return { equity: h.equity, mm: h.mm, uncertain: false };
  }

  modelLiquidatable(): bigint[] {
    return [...this.ledger.accounts.values()]
      .filter((a) => a.positions.size > 0 || a.orders.size > 0 || a.quoteBalance < 0n)
      .filter((a) => modelHealth(a, this.view).liquidatable)
      .map((a) => a.id);
  }

  /** Net direction of the traders' book: the sum over markets of long minus short notional. */
  bookNetLong(): boolean {
    return netSkewUsd(this.view) > 0;
  }

  private async fundUsd(): Promise<number> {
    const q = this.decimals.USDC as number;
    const { quote, fund, engine } = this.addr;
    return num(await this.reader.fundHoldings(quote, fund, engine), q);
  }

  /** One simulated step. Throws InvariantViolation when a check fails. */
  async step(i: number): Promise<StepRecord> {
    const k = this.scenario.ticksPerStep;
    const stepFirstBlock = (await this.driver.latest()).number + 1;
    let passes = 0;
    for (let t = (i - 1) * k + 1; t < i * k; t++) passes += await this.cadence.tick(t);
    const tick = i * k;
    this.scenario.prepare(tick, () => this.bookNetLong());
    const prices = this.scenario.assets.map((a) => a.prices[i] as number);
    const tChain = this.t0 + Math.round(tick * this.scenario.tickSeconds);
    const blockTs = Math.max(tChain, this.driver.lastTimestamp + 1);
    await this.timed("agents", async () => {
      await queueFeedUpdates(this.driver, this.addr, prices);
      await queueAgents(this, i, prices, blockTs);
    });
    const mined = await this.timed("mine", () => this.driver.mine(blockTs));
    const agentBlock = (mined[0] as MinedTx).block;
    const booked = await this.timed("receipts", () => bookAgents(this, mined, prices));
    const increased = booked.increased;
    this.stepFailed = booked.failed;
    await this.timed("ledger", () => this.sync(agentBlock, agentBlock));
    const before = this.modelLiquidatable().length;
    await this.cadence.observeTick(agentBlock);

    const run = await this.timed("keeper", () =>
      this.cadence.runKeeper(i % KEEPER_IDLE_EVERY === 0, agentBlock),
    );
    passes += run.passes;
    const last = run.last;
    const { ev, keeperReverts } = await this.timed("events", async () => {
      const keeperReverts = await bookKeeperTxs(
        this.driver,
        this.gas,
        this.addr.keeper,
        stepFirstBlock,
        last,
      );
      const ev = decodeEvents(
        await this.driver.getLogs(this.engine, stepFirstBlock, last),
        this.engine,
      );
      return { ev, keeperReverts };
    });
    for (const id of ev.liquidatedAccounts) {
      const t = this.byAccount.get(id);
      if (t) t.liquidations++;
    }

    const inv = this.invariants;
    const lastStep = i === this.scenario.steps;
    const left = await this.timed("invariants", async () => {
      await inv.conservation(i, this.ledger, this.view, ev);
      await inv.marginAfterActions(i, agentBlock, increased);
      inv.liquidationReverts(i, keeperReverts);
      // Every account by the model, the flagged ones (and all at the end) on chain.
      // Under keeper latency only what the keeper could see must have been liquidated.
      const seen = this.keeperView.seen(this.driver.lastTimestamp)?.liquidatable;
      const due = (id: bigint): boolean =>
        this.opts.keeperLatencySec === 0 || seen === undefined || seen.has(id);
      const ids = (lastStep ? this.ledger.ids() : this.modelLiquidatable()).filter(due);
      const rows = lastStep
        ? await batchHealth(this.reader, this.addr.lens, ids)
        : await Promise.all(ids.map((id) => this.chainRow(id)));
      const left = inv.noneLiquidatable(i, ids, rows, ev, this.ledger.accounts.size);
      if (i % this.opts.checkEvery === 0 || lastStep) {
        const active = this.ledger.active().map((a) => a.id);
        const rng = new Rng(`${this.opts.seed}:sample:${i}`);
        const sample = lastStep
          ? this.ledger.ids()
          : rng.shuffle(active).slice(0, this.opts.sample);
        await inv.crossCheck(i, this.ledger, this.view, sample);
      }
      if (i % this.opts.fullCheckEvery === 0 || lastStep) {
        await inv.ledgerSync(i, this.ledger, this.view);
      }
      return left;
    });
    if (left.windowLimited.length > 0)
      this.windowLimited.push({ step: i, accounts: left.windowLimited });
    return this.timed("record", () =>
      this.record(i, prices, ev, before, passes, left.windowLimited.length),
    );
  }

  private async chainRow(id: bigint): Promise<HealthRow> {
    const h = await chainHealth(this.reader, this.engine, id);
    return { ok: true, equity: h.equity, mm: h.mm, liquidatable: h.equity < h.mm };
  }

  private async record(
    i: number,
    prices: number[],
    ev: ReturnType<typeof decodeEvents>,
    liquidatableBefore: number,
    keeperPasses: number,
    windowLimited: number,
  ): Promise<StepRecord> {
    const q = this.decimals.USDC as number;
    const state = await readStepState(this, q, {
      step: i,
      time: this.scenario.timestamps[i] as number,
      prices,
      failedTxs: this.stepFailed,
      liquidatableBefore,
      windowLimited,
      keeperPasses,
    });
    const rec = addEvents(this.totals, state, ev, q);
    this.records.push(rec);
    return rec;
  }

  /** Final unweighted account value of each trader (USD). */
  finalValues(): number[] {
    return finalAccountValues(
      this.agents.traders,
      this.ledger,
      this.view,
      this.decimals.USDC as number,
    );
  }

  /** Runs setup and every step; an invariant violation stops the run and is returned. */
  async run(onStep?: (rec: StepRecord) => void): Promise<SimResult> {
    const t0 = Date.now();
    await this.setup();
    const t1 = Date.now();
    let violation: InvariantViolation | undefined;
    let stepsRun = 0;
    const bar = this.opts.progress
      ? new ProgressBar(this.scenario.steps, { label: `${this.scenario.name}` })
      : undefined;
    try {
      for (let i = 1; i <= this.scenario.steps; i++) {
        const rec = await this.step(i);
        stepsRun = i;
        bar?.tick();
        onStep?.(rec);
      }
    } catch (err) {
      if (!(err instanceof InvariantViolation)) throw err;
      violation = err;
      bar?.finish("stopped: invariant violated");
    } finally {
      await this.driver.setAutomine(true);
      await this.driver.setBlockGasLimit(this.gasLimit);
    }
    return {
      options: this.opts,
      scenario: this.scenario,
      marketNames: this.marketNames,
      records: this.records,
      totals: this.totals,
      gas: this.gas,
      failures: this.failures,
      invariants: [...this.invariants.stats.values()],
      windowLimited: this.windowLimited,
      keeper: { ...this.keeperTotals, kind: this.keeper.kind },
      traders: this.agents.traders,
      finalValueUsd: this.finalValues(),
      stepsRun,
      wallMs: { setup: t1 - t0, steps: Date.now() - t1 },
      phaseMs: this.phaseMs,
      keeperLog: this.keeperLog,
      extremes: this.extremes,
      tickCounts: this.cadence.tickCounts,
      scans: this.scans,
      violation,
    };
  }
}

/** The checks run after every simulated step (docs/specs.md, the INV rows it names). Each reads the
 *  chain at the step's last block and compares with the ledger, the step's events or the
 *  TypeScript model, to the wei; a failure throws an InvariantViolation that stops the run. */
import { ENGINE_IFACE, ChainReader, HealthRow, ProtocolView, chainHealth } from "../chain/reader";
import { modelHealth } from "../chain/to-model";
import { poolValue } from "../model";
import { StepEvents } from "./events";
import { Ledger } from "./ledger";

export class InvariantViolation extends Error {
  constructor(
    readonly check: string,
    readonly step: number,
    readonly details: string[],
  ) {
    super(`invariant "${check}" failed at step ${step}:\n  ${details.slice(0, 20).join("\n  ")}`);
    this.name = "InvariantViolation";
  }
}

export interface CheckStat {
  name: string;
  description: string;
  /** Steps (or checkpoints) at which the check ran. */
  runs: number;
  /** Individual comparisons made (accounts, markets, tokens...). */
  items: number;
}

const DESCRIPTIONS: Record<string, string> = {
  "quote conservation":
    "quote.balanceOf(engine) == sum of account quote balances + engine.poolBalance(), to the wei; engine.traderDebt() == sum of negative balances (INV-46)",
  "collateral conservation":
    "for WETH and WBTC: token.balanceOf(engine) == sum of account balances == totalDeposited",
  "open interest":
    "per market: longOI / shortOI == sums of positions; netBasis == sum over positions of trunc(s * e / WAD) - trunc(s * i0 / WAD)",
  "pool ledger":
    "poolBalance change == -sum(quoteDelta) + pool deposits - pool withdrawals - socialised bad debt + ADL charges - ADL rewards",
  "insurance ledger":
    "insurance fund change == penalties and cancel fees in - bad debt covered - collateral bought; the collateral it bought arrives in full",
  "initial margin after risk-increasing actions":
    "every account that grew a position, committed an order or withdrew has equity >= IM after its block",
  "no liquidatable account after the keeper":
    "after the keeper step no account is liquidatable: every account screened by the model, flagged ones confirmed by engine.accountHealth, all by lens.batchHealth at the end (window-limited ones are reported)",
  "model cross-check":
    "TypeScript model equity / IM / MM == engine.accountHealth for sampled accounts, and poolValue == engine.poolValue, to the wei",
  "ledger sync": "a full re-read of every account matches the event-driven ledger",
  "liquidations never revert": "no liquidation transaction of the keeper reverted",
};

export interface Addresses {
  engine: string;
  quote: string;
  fund: string;
  lens: string;
}

export interface Leftovers {
  /** Still liquidatable although liquidated in this step (window cap or buffer rounding). */
  windowLimited: bigint[];
}

export class Invariants {
  readonly stats = new Map<string, CheckStat>();
  private prevPool = 0n;
  private prevFund = 0n;
  private prevFundCollateral = new Map<string, bigint>();

  constructor(
    readonly reader: ChainReader,
    readonly addr: Addresses,
  ) {}

  private pass(name: string, items = 1): void {
    const s = this.stats.get(name) ?? {
      name,
      description: DESCRIPTIONS[name] ?? name,
      runs: 0,
      items: 0,
    };
    s.runs++;
    s.items += items;
    this.stats.set(name, s);
  }

  private fail(name: string, step: number, details: string[]): never {
    throw new InvariantViolation(name, step, details);
  }

  /** Reads the flows' starting points (after setup). */
  async init(view: ProtocolView): Promise<void> {
    this.prevPool = await this.reader.one<bigint>(ENGINE_IFACE, this.addr.engine, "poolBalance");
    const { quote, fund, engine } = this.addr;
    this.prevFund = await this.reader.fundHoldings(quote, fund, engine);
    for (const c of view.collaterals) {
      this.prevFundCollateral.set(c.token, await this.reader.balanceOf(c.token, this.addr.fund));
    }
  }

  /** Conservation of every token, market aggregates, pool and insurance-fund flows. */
  async conservation(
    step: number,
    ledger: Ledger,
    view: ProtocolView,
    ev: StepEvents,
  ): Promise<void> {
    const { engine, quote, fund } = this.addr;
    const [vaultQuote, poolBalance, fundTokens, accrued, traderDebt] = await Promise.all([
      this.reader.balanceOf(quote, engine),
      this.reader.one<bigint>(ENGINE_IFACE, engine, "poolBalance"),
      this.reader.balanceOf(quote, fund),
      this.reader.one<bigint>(ENGINE_IFACE, engine, "insuranceAccrued"),
      this.reader.one<bigint>(ENGINE_IFACE, engine, "traderDebt"),
    ]);
    // The fund has its tokens and the penalties the vault holds for it (INV-70).
    const fundQuote = fundTokens + accrued;
    const sumQuote = ledger.sumQuote();
    const owed = sumQuote + poolBalance + accrued;
    if (vaultQuote !== owed) {
      this.fail("quote conservation", step, [
        `vault holds ${vaultQuote}, accounts ${sumQuote} + pool ${poolBalance} + accrued for the fund ${accrued} = ${owed}`,
        `difference ${vaultQuote - owed}`,
      ]);
    }
    if (traderDebt !== ledger.sumDebt()) {
      this.fail("quote conservation", step, [
        `traderDebt ${traderDebt}, sum of negative balances ${ledger.sumDebt()} (INV-46)`,
      ]);
    }
    this.pass("quote conservation", ledger.accounts.size + 1);

    const bad: string[] = [];
    for (const c of view.collaterals) {
      const held = await this.reader.balanceOf(c.token, engine);
      const sum = ledger.sumCollateral(c.token);
      if (held !== sum || sum !== c.totalDeposited) {
        bad.push(`${c.symbol}: vault ${held}, accounts ${sum}, totalDeposited ${c.totalDeposited}`);
      }
    }
    if (bad.length > 0) this.fail("collateral conservation", step, bad);
    this.pass("collateral conservation", view.collaterals.length);

    for (const m of view.markets) {
      const s = ledger.market(m.id);
      const st = m.state;
      if (s.longOI !== st.longOI || s.shortOI !== st.shortOI || s.netBasis !== st.netBasis) {
        bad.push(
          `${m.name}: long ${st.longOI} vs ${s.longOI}, short ${st.shortOI} vs ${s.shortOI}, ` +
            `basis ${st.netBasis} vs ${s.netBasis}`,
        );
      }
    }
    if (bad.length > 0) this.fail("open interest", step, bad);
    this.pass("open interest", view.markets.length);

    const expectPool =
      this.prevPool -
      ev.quoteDeltaSum +
      ev.poolDeposited -
      ev.poolWithdrawn -
      ev.socialised +
      ev.adlCharge -
      ev.adlReward;
    if (poolBalance !== expectPool) {
      this.fail("pool ledger", step, [
        `poolBalance ${poolBalance}, expected ${expectPool} (previous ${this.prevPool}, trader quoteDelta ${ev.quoteDeltaSum}, ` +
          `deposits ${ev.poolDeposited}, withdrawals ${ev.poolWithdrawn}, socialised ${ev.socialised}, ` +
          `ADL charges ${ev.adlCharge} rewards ${ev.adlReward})`,
      ]);
    }
    this.prevPool = poolBalance;
    this.pass("pool ledger");

    const expectFund =
      this.prevFund + ev.toInsurance + ev.cancelFeesToFund - ev.covered - ev.fundPurchases;
    if (fundQuote !== expectFund) {
      this.fail("insurance ledger", step, [
        `fund holds ${fundQuote}, expected ${expectFund} (previous ${this.prevFund}, penalties ${ev.toInsurance}, ` +
          `cancel fees ${ev.cancelFeesToFund}, covered ${ev.covered}, collateral bought ${ev.fundPurchases})`,
      ]);
    }
    this.prevFund = fundQuote;
    for (const c of view.collaterals) {
      const held = await this.reader.balanceOf(c.token, fund);
      const want = (this.prevFundCollateral.get(c.token) ?? 0n) + (ev.seized.get(c.token) ?? 0n);
      if (held !== want) {
        this.fail("insurance ledger", step, [`fund ${c.symbol} ${held}, expected ${want}`]);
      }
      this.prevFundCollateral.set(c.token, held);
    }
    this.pass("insurance ledger", 1 + view.collaterals.length);
  }

  /** Accounts whose risk-increasing action succeeded in block `block` meet IM at that block. */
  async marginAfterActions(step: number, block: number, ids: readonly bigint[]): Promise<void> {
    if (ids.length === 0) return;
    const r = new ChainReader(this.reader.provider);
    r.pin(block);
    const bad: string[] = [];
    for (const id of new Set(ids)) {
      const h = await chainHealth(r, this.addr.engine, id);
      if (h.equity < h.im) bad.push(`account ${id}: equity ${h.equity} < IM ${h.im}`);
    }
    if (bad.length > 0) this.fail("initial margin after risk-increasing actions", step, bad);
    this.pass("initial margin after risk-increasing actions", ids.length);
  }

  /** After the keeper: nothing liquidatable, except accounts it liquidated in this step and
   *  that are still below maintenance (the per-window liquidation cap), which are returned. */
  noneLiquidatable(
    step: number,
    ids: readonly bigint[],
    rows: readonly HealthRow[],
    ev: StepEvents,
    /** Accounts the check covers (the model screens them all; `ids` are the flagged ones). */
    covered = ids.length,
  ): Leftovers {
    const left: Leftovers = { windowLimited: [] };
    const bad: string[] = [];
    rows.forEach((row, i) => {
      const id = ids[i] as bigint;
      if (!row.ok) bad.push(`account ${id}: health unreadable`);
      else if (row.liquidatable) {
        if (ev.liquidatedAccounts.has(id)) left.windowLimited.push(id);
        else bad.push(`account ${id}: equity ${row.equity} < MM ${row.mm} and not liquidated`);
      }
    });
    if (bad.length > 0) this.fail("no liquidatable account after the keeper", step, bad);
    this.pass("no liquidatable account after the keeper", covered);
    return left;
  }

  /** Keeper liquidation transactions that reverted (other than NotLiquidatable races). */
  liquidationReverts(step: number, failures: readonly string[]): void {
    if (failures.length > 0) this.fail("liquidations never revert", step, [...failures]);
    this.pass("liquidations never revert");
  }

  /** TypeScript model vs the engine's views, to the wei. */
  async crossCheck(
    step: number,
    ledger: Ledger,
    view: ProtocolView,
    sample: readonly bigint[],
  ): Promise<void> {
    const bad: string[] = [];
    for (const id of sample) {
      const m = modelHealth(ledger.get(id), view);
      const c = await chainHealth(this.reader, this.addr.engine, id);
      if (m.equity !== c.equity || m.im !== c.im || m.mm !== c.mm) {
        bad.push(
          `account ${id}: model equity/IM/MM ${m.equity}/${m.im}/${m.mm}, chain ${c.equity}/${c.im}/${c.mm}`,
        );
      }
    }
    const [chainPool, poolBalance] = await Promise.all([
      this.reader.one<bigint>(ENGINE_IFACE, this.addr.engine, "poolValue"),
      this.reader.one<bigint>(ENGINE_IFACE, this.addr.engine, "poolBalance"),
    ]);
    const modelPool = poolValue(
      poolBalance,
      view.markets.map((m) => ({
        state: m.state,
        price: m.price,
        indexNow: m.indexNow,
        skewScale: m.status === 4 ? 0n : m.params.skewScale, // INV-44; 4 = Settled
      })),
      view.quoteDecimals,
    );
    if (modelPool !== chainPool) bad.push(`poolValue: model ${modelPool}, chain ${chainPool}`);
    if (bad.length > 0) this.fail("model cross-check", step, bad);
    this.pass("model cross-check", sample.length + 1);
  }

  /** Full re-read of every account against the ledger. */
  async ledgerSync(step: number, ledger: Ledger, view: ProtocolView): Promise<void> {
    const bad = await ledger.verifyAll(view);
    if (bad.length > 0) {
      this.fail(
        "ledger sync",
        step,
        bad.map((b) => `account ${b.id}: ${b.diff.join("; ")}`),
      );
    }
    this.pass("ledger sync", ledger.accounts.size);
  }
}

/** The simulator's copy of every account's on-chain storage (quote balance, collateral,
 *  positions, orders). After each step only the accounts named by the step's engine events are
 *  read again (every state change of an account emits an event carrying its id); a periodic full
 *  re-read proves that nothing changed without such an event. Sums over the ledger are what the
 *  conservation checks compare with token balances and market aggregates. */
import { Position } from "../model";
import {
  AccountSnapshot,
  ChainReader,
  ProtocolView,
  readAccount,
  readAccounts,
} from "../chain/reader";

const WAD = 10n ** 18n;

export interface MarketSums {
  longOI: bigint;
  shortOI: bigint;
  /** sum(trunc(s * e / WAD) - trunc(s * i0 / WAD)) over open positions. */
  netBasis: bigint;
  positions: number;
}

export function emptySnapshot(id: bigint): AccountSnapshot {
  return {
    id,
    quoteBalance: 0n,
    collaterals: new Map(),
    positions: new Map(),
    orders: new Map(),
  };
}

function samePosition(a: Position | undefined, b: Position | undefined): boolean {
  if (!a || !b) return a === b;
  return a.size === b.size && a.entryPrice === b.entryPrice && a.fundingIndex === b.fundingIndex;
}

/** Differences between two snapshots of the same account, as readable strings. */
export function diffSnapshots(a: AccountSnapshot, b: AccountSnapshot): string[] {
  const out: string[] = [];
  if (a.quoteBalance !== b.quoteBalance) out.push(`quote ${a.quoteBalance} != ${b.quoteBalance}`);
  for (const t of new Set([...a.collaterals.keys(), ...b.collaterals.keys()])) {
    const x = a.collaterals.get(t) ?? 0n;
    const y = b.collaterals.get(t) ?? 0n;
    if (x !== y) out.push(`${t} ${x} != ${y}`);
  }
  for (const m of new Set([...a.positions.keys(), ...b.positions.keys()])) {
    if (!samePosition(a.positions.get(m), b.positions.get(m))) out.push(`position ${m} differs`);
  }
  for (const m of new Set([...a.orders.keys(), ...b.orders.keys()])) {
    const x = a.orders.get(m);
    const y = b.orders.get(m);
    if (x?.sizeDelta !== y?.sizeDelta || x?.commitTime !== y?.commitTime) {
      out.push(`order ${m} differs`);
    }
  }
  return out;
}

export class Ledger {
  readonly accounts = new Map<bigint, AccountSnapshot>();

  constructor(
    readonly reader: ChainReader,
    readonly engine: string,
  ) {}

  get(id: bigint): AccountSnapshot {
    return this.accounts.get(id) ?? emptySnapshot(id);
  }

  ids(): bigint[] {
    return [...this.accounts.keys()];
  }

  /** Reads `ids` again from the chain (at the reader's pinned block). */
  async refresh(ids: Iterable<bigint>, view: ProtocolView): Promise<void> {
    const list = [...new Set(ids)];
    const tokens = view.collaterals.map((c) => c.token);
    const snaps = await readAccounts(this.reader, this.engine, tokens, list);
    for (const s of snaps) this.accounts.set(s.id, s);
  }

  /** Re-reads every account and returns the ones whose stored copy was out of date. */
  async verifyAll(view: ProtocolView): Promise<{ id: bigint; diff: string[] }[]> {
    const tokens = view.collaterals.map((c) => c.token);
    const bad: { id: bigint; diff: string[] }[] = [];
    for (const id of this.accounts.keys()) {
      const fresh = await readAccount(this.reader, this.engine, tokens, id);
      const diff = diffSnapshots(this.get(id), fresh);
      if (diff.length > 0) bad.push({ id, diff });
    }
    return bad;
  }

  sumQuote(): bigint {
    let s = 0n;
    for (const a of this.accounts.values()) s += a.quoteBalance;
    return s;
  }

  /** Sum of the negative quote balances (the engine's `traderDebt`, INV-46). */
  sumDebt(): bigint {
    let s = 0n;
    for (const a of this.accounts.values()) if (a.quoteBalance < 0n) s -= a.quoteBalance;
    return s;
  }

  sumCollateral(token: string): bigint {
    let s = 0n;
    for (const a of this.accounts.values()) s += a.collaterals.get(token) ?? 0n;
    return s;
  }

  market(id: number): MarketSums {
    const r: MarketSums = {
      longOI: 0n,
      shortOI: 0n,
      netBasis: 0n,
      positions: 0,
    };
    for (const a of this.accounts.values()) {
      const p = a.positions.get(id);
      if (!p || p.size === 0n) continue;
      r.positions++;
      if (p.size > 0n) r.longOI += p.size;
      else r.shortOI -= p.size;
      r.netBasis += (p.size * p.entryPrice) / WAD - (p.size * p.fundingIndex) / WAD;
    }
    return r;
  }

  /** Accounts with at least one open position or pending order. */
  active(): AccountSnapshot[] {
    return [...this.accounts.values()].filter((a) => a.positions.size > 0 || a.orders.size > 0);
  }
}

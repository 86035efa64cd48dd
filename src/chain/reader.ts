/** Reads the protocol's state from a chain: the engine's markets (parameters, aggregates, oracle
 *  price, funding index now), collaterals (price, weights) and offset pairs, and accounts (quote
 *  balance, collateral, positions, orders), in the shapes the independent TypeScript model uses
 *  (src/model); plus the engine's and the lens's own health views to compare the model with.
 *  Shared by the simulator (src/sim: shadow ledger, cross-checks) and the risk tool (src/risk).
 *  Reads go through raw `eth_call`s pinned to one block, so that every figure describes the same
 *  state. The model's view of what is read here is in to-model.ts. */
import { CollateralRiskFields, toCollateralRisk } from "./to-model";
import { Interface, Result, getAddress } from "ethers";
import { toModelParams, toModelState } from "../common/market-view";
import {
  ICrossmargin__factory,
  CrossmarginLens__factory,
  ICrossmarginRisk__factory,
  MockERC20__factory,
} from "../../typechain-types";
import {
  CollateralRisk,
  MarketParams,
  MarketState,
  OffsetPair,
  Position,
  accrueFunding,
} from "../model";

/** The engine's ABI and its risk module's (reached at the engine's address). */
export const ENGINE_IFACE: Interface = new Interface([
  ...ICrossmargin__factory.createInterface().fragments,
  ...ICrossmarginRisk__factory.createInterface().fragments.filter((f) => f.type === "function"),
]);
export const LENS_IFACE: Interface = CrossmarginLens__factory.createInterface();
export const ERC20_IFACE: Interface = MockERC20__factory.createInterface();

/** The one method of an EIP-1193 provider we need (Hardhat's `network.provider`, or an adapter
 *  around an ethers JsonRpcProvider: `{ request: ({ method, params }) => p.send(method, params) }`). */
export interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** Raw contract reads pinned to a block tag (default "latest"). */
export class ChainReader {
  blockTag: string = "latest";

  constructor(readonly provider: Eip1193) {}

  /** Pins every following read to block `n` (hex tag), or back to "latest" with undefined. */
  pin(block?: number): void {
    this.blockTag = block === undefined ? "latest" : "0x" + block.toString(16);
  }

  async call(iface: Interface, to: string, fn: string, args: unknown[] = []): Promise<Result> {
    const data = iface.encodeFunctionData(fn, args);
    const ret = (await this.provider.request({
      method: "eth_call",
      params: [{ to, data }, this.blockTag],
    })) as string;
    return iface.decodeFunctionResult(fn, ret);
  }

  /** First return value of a call. */
  async one<T>(iface: Interface, to: string, fn: string, args: unknown[] = []): Promise<T> {
    return (await this.call(iface, to, fn, args))[0] as T;
  }

  async balanceOf(token: string, who: string): Promise<bigint> {
    return this.one<bigint>(ERC20_IFACE, token, "balanceOf", [who]);
  }

  /** What the insurance fund has in quote: its own balance plus the liquidation penalties the
   *  engine accrued for it and has not swept yet (INV-70). */
  async fundHoldings(quote: string, fund: string, engine: string): Promise<bigint> {
    const [held, accrued] = await Promise.all([
      this.balanceOf(quote, fund),
      this.one<bigint>(ENGINE_IFACE, engine, "insuranceAccrued"),
    ]);
    return held + accrued;
  }

  async block(tag = "latest"): Promise<{ number: number; timestamp: bigint }> {
    const b = (await this.provider.request({
      method: "eth_getBlockByNumber",
      params: [tag, false],
    })) as { number: string; timestamp: string };
    return { number: Number(b.number), timestamp: BigInt(b.timestamp) };
  }
}

export interface MarketView {
  id: number;
  name: string;
  params: MarketParams;
  state: MarketState;
  /** Oracle (or settlement) price, WAD. */
  price: bigint;
  /** Funding index as of the view's timestamp. */
  indexNow: bigint;
  status: number;
  /** Offset pair id (0 = none). */
  offsetPair: number;
  maxOpenInterest: bigint;
  maxOiPoolRatio: bigint;
}

export interface CollateralView {
  token: string;
  symbol: string;
  index: number;
  decimals: number;
  /** Weights and size haircut (docs/math.md, "Collateral weights"). */
  risk: CollateralRisk;
  liquidationDiscount: bigint;
  price: bigint;
  totalDeposited: bigint;
}

/** Everything account-independent that health depends on, at one block. */
export interface ProtocolView {
  block: number;
  timestamp: bigint;
  engine: string;
  quoteToken: string;
  quoteDecimals: number;
  markets: MarketView[];
  collaterals: CollateralView[];
  /** Offset pairs the markets belong to (docs/math.md, "Offset pairs"). */
  pairs: OffsetPair[];
}

export interface PendingOrderView {
  sizeDelta: bigint;
  commitTime: bigint;
  reserveUsd: bigint;
  /** Quote units. */
  keeperFee: bigint;
}

/** One account's raw storage as the engine keeps it. */
export interface AccountSnapshot {
  id: bigint;
  quoteBalance: bigint;
  /** Token address (checksummed) -> token units, only non-zero balances. */
  collaterals: Map<string, bigint>;
  /** Market id -> position, only open ones. */
  positions: Map<number, Position>;
  orders: Map<number, PendingOrderView>;
}

export const STATUS_SETTLED = 4;

/** Reads markets and collaterals at the reader's block. `names` labels markets by id. With
 *  `base` (an earlier view of the same deployment) only what moves is read again: market
 *  aggregates, prices and collateral totals (parameters are taken as unchanged). */
export async function loadProtocolView(
  reader: ChainReader,
  engine: string,
  names: readonly string[] = [],
  base?: ProtocolView,
): Promise<ProtocolView> {
  const blk = await reader.block(reader.blockTag);
  if (base) {
    const [markets, collaterals] = await Promise.all([
      Promise.all(
        base.markets.map(async (m): Promise<MarketView> => {
          const [st, price] = await Promise.all([
            reader.one<Result & MarketState>(ENGINE_IFACE, engine, "getMarketState", [m.id]),
            m.status === STATUS_SETTLED
              ? Promise.resolve(m.price)
              : reader.one<bigint>(ENGINE_IFACE, engine, "marketPrice", [m.id]),
          ]);
          const state = toModelState(st);
          const indexNow = accrueFunding(state, m.params, price, blk.timestamp).indexNow;
          return { ...m, state, price, indexNow };
        }),
      ),
      Promise.all(
        base.collaterals.map(async (c): Promise<CollateralView> => {
          const [cfg, price] = await Promise.all([
            reader.one<Result>(ENGINE_IFACE, engine, "getCollateral", [c.token]),
            reader.one<bigint>(ENGINE_IFACE, engine, "collateralPrice", [c.token]),
          ]);
          return { ...c, price, totalDeposited: cfg.totalDeposited };
        }),
      ),
    ]);
    return { ...base, block: blk.number, timestamp: blk.timestamp, markets, collaterals };
    // Parameters (weights, pairs) are taken as unchanged from `base`.
  }
  const [quoteToken, count, tokens] = await Promise.all([
    reader.one<string>(ENGINE_IFACE, engine, "quoteToken"),
    reader.one<bigint>(ENGINE_IFACE, engine, "marketCount"),
    reader.one<string[]>(ENGINE_IFACE, engine, "collateralTokens"),
  ]);
  const quoteDecimals = Number(await reader.one<bigint>(ERC20_IFACE, quoteToken, "decimals"));
  const markets = await Promise.all(
    Array.from({ length: Number(count) }, async (_, id): Promise<MarketView> => {
      const [cfg, st] = await Promise.all([
        reader.one<Result & MarketParams>(ENGINE_IFACE, engine, "getMarket", [id]),
        reader.one<Result & MarketState>(ENGINE_IFACE, engine, "getMarketState", [id]),
      ]);
      const price =
        Number(cfg.status) === STATUS_SETTLED
          ? (cfg.settlementPrice as bigint)
          : await reader.one<bigint>(ENGINE_IFACE, engine, "marketPrice", [id]);
      const params = toModelParams(cfg);
      const state = toModelState(st);
      return {
        id,
        name: names[id] ?? `market-${id}`,
        params,
        state,
        price,
        indexNow: accrueFunding(state, params, price, blk.timestamp).indexNow,
        status: Number(cfg.status),
        offsetPair: Number(cfg.offsetPair),
        maxOpenInterest: cfg.maxOpenInterest,
        maxOiPoolRatio: cfg.maxOiPoolRatio,
      };
    }),
  );
  const collaterals = await Promise.all(
    tokens.map(async (t, index): Promise<CollateralView> => {
      const token = getAddress(t);
      const [c, price, symbol] = await Promise.all([
        reader.one<Result>(ENGINE_IFACE, engine, "getCollateral", [token]),
        reader.one<bigint>(ENGINE_IFACE, engine, "collateralPrice", [token]),
        reader.one<string>(ERC20_IFACE, token, "symbol"),
      ]);
      return {
        token,
        symbol,
        index,
        decimals: Number(c.tokenDecimals),
        risk: toCollateralRisk(c as unknown as CollateralRiskFields), // the getter's named fields
        liquidationDiscount: c.liquidationDiscount,
        price,
        totalDeposited: c.totalDeposited,
      };
    }),
  );
  const pairIds = [...new Set(markets.map((m) => m.offsetPair).filter((id) => id !== 0))];
  const pairs = await Promise.all(
    pairIds.map(async (id): Promise<OffsetPair> => {
      const p = await reader.one<Result>(ENGINE_IFACE, engine, "getOffsetPair", [id]);
      return {
        marketA: Number(p.marketA),
        marketB: Number(p.marketB),
        rate: p.rate,
        stressMove: p.stressMove,
      };
    }),
  );
  return {
    block: blk.number,
    timestamp: blk.timestamp,
    engine,
    quoteToken: getAddress(quoteToken),
    quoteDecimals,
    markets,
    collaterals,
    pairs,
  };
}

function bits(mask: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; mask > 0n; i++, mask >>= 1n) if (mask & 1n) out.push(i);
  return out;
}

/** Reads one account: its data word, then only the positions, balances and orders it has. */
export async function readAccount(
  reader: ChainReader,
  engine: string,
  collateralTokens: readonly string[],
  id: bigint,
): Promise<AccountSnapshot> {
  const a = await reader.one<Result>(ENGINE_IFACE, engine, "getAccount", [id]);
  const markets = bits(a.marketMask);
  const held = bits(BigInt(a.collateralMask));
  const orders = bits(a.orderMask);
  const [positions, balances, pending] = await Promise.all([
    Promise.all(
      markets.map((m) => reader.one<Result>(ENGINE_IFACE, engine, "getPosition", [id, m])),
    ),
    Promise.all(
      held.map((i) =>
        reader.one<bigint>(ENGINE_IFACE, engine, "collateralBalance", [id, collateralTokens[i]]),
      ),
    ),
    Promise.all(orders.map((m) => reader.one<Result>(ENGINE_IFACE, engine, "getOrder", [id, m]))),
  ]);
  const snap: AccountSnapshot = {
    id,
    quoteBalance: a.quoteBalance,
    collaterals: new Map(),
    positions: new Map(),
    orders: new Map(),
  };
  markets.forEach((m, k) => {
    const p = positions[k] as Result;
    snap.positions.set(m, { size: p.size, entryPrice: p.entryPrice, fundingIndex: p.fundingIndex });
  });
  held.forEach((i, k) => {
    const amount = balances[k] as bigint;
    if (amount > 0n) snap.collaterals.set(getAddress(collateralTokens[i] as string), amount);
  });
  orders.forEach((m, k) => {
    const o = pending[k] as Result;
    snap.orders.set(m, {
      sizeDelta: o.sizeDelta,
      commitTime: o.commitTime,
      reserveUsd: o.reserveUsd,
      keeperFee: o.keeperFee,
    });
  });
  return snap;
}

/** Reads many accounts with at most `concurrency` reads in flight. */
export async function readAccounts(
  reader: ChainReader,
  engine: string,
  collateralTokens: readonly string[],
  ids: readonly bigint[],
  concurrency = 16,
): Promise<AccountSnapshot[]> {
  const out = new Array<AccountSnapshot>(ids.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++;
      out[i] = await readAccount(reader, engine, collateralTokens, ids[i] as bigint);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return out;
}

export interface HealthRow {
  ok: boolean;
  equity: bigint;
  mm: bigint;
  liquidatable: boolean;
}

/** `lens.batchHealth` in chunks. */
export async function batchHealth(
  reader: ChainReader,
  lens: string,
  ids: readonly bigint[],
  chunk = 250,
): Promise<HealthRow[]> {
  const out: HealthRow[] = [];
  for (let i = 0; i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    const r = await reader.call(LENS_IFACE, lens, "batchHealth", [part]);
    part.forEach((_, k) =>
      out.push({ ok: r[0][k], equity: r[1][k], mm: r[2][k], liquidatable: r[3][k] }),
    );
  }
  return out;
}

/** Chain health (`engine.accountHealth`) of one account. */
export async function chainHealth(
  reader: ChainReader,
  engine: string,
  id: bigint,
): Promise<{ equity: bigint; im: bigint; mm: bigint }> {
  const h = await reader.one<Result>(ENGINE_IFACE, engine, "accountHealth", [id]);
  return { equity: h.equity, im: h.im, mm: h.mm };
}

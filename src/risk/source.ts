/** Where the risk tool's state comes from: any chain with a deployment (the in-process
 *  simulation or an RPC with a deployment file). Accounts are found from the engine's events,
 *  the liquidation parameters from the last LiquidationParamsSet, everything read at one block;
 *  then the model is cross-checked against the engine's views at zero shock. */
import { JsonRpcProvider, toBeHex } from "ethers";
import {
  ENGINE_IFACE,
  ChainReader,
  Eip1193,
  chainHealth,
  loadProtocolView,
  readAccounts,
} from "../chain/reader";
import { modelHealth } from "../chain/to-model";
import { LiquidationParams, MarketCap, RiskState } from "./state";
import { poolValue } from "../model";

/** An EIP-1193 view of an ethers JsonRpcProvider. */
export function rpcProvider(url: string): Eip1193 {
  const p = new JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: 1 });
  return { request: ({ method, params }) => p.send(method, params ?? []) };
}

interface RawLog {
  topics: string[];
  data: string;
}

async function logs(
  provider: Eip1193,
  address: string,
  topics: (string | string[] | null)[],
  fromBlock: number,
  toBlock: number,
  page = 10_000,
): Promise<RawLog[]> {
  const out: RawLog[] = [];
  for (let b = fromBlock; b <= toBlock;) {
    const end = Math.min(toBlock, b + page - 1);
    try {
      const got = (await provider.request({
        method: "eth_getLogs",
        params: [{ address, topics, fromBlock: toBeHex(b), toBlock: toBeHex(end) }],
      })) as RawLog[];
      out.push(...got);
      b = end + 1;
    } catch (err) {
      if (page <= 1) throw err;
      page = Math.max(1, Math.floor(page / 4)); // the RPC refused the range: smaller pages
    }
  }
  return out;
}

const topic = (name: string): string => ENGINE_IFACE.getEvent(name)?.topicHash as string;

/** Every account that ever received a deposit or traded, in first-seen order. */
export async function discoverAccounts(
  provider: Eip1193,
  engine: string,
  fromBlock: number,
  toBlock: number,
): Promise<bigint[]> {
  const found = await logs(
    provider,
    engine,
    [[topic("Deposited"), topic("PositionModified")]],
    fromBlock,
    toBlock,
  );
  return [...new Set(found.map((l) => BigInt(l.topics[1] as string)))];
}

/** The engine's liquidation parameters (it has no getter): the last LiquidationParamsSet. */
export async function liquidationParams(
  provider: Eip1193,
  engine: string,
  fromBlock: number,
  toBlock: number,
): Promise<LiquidationParams> {
  const found = await logs(provider, engine, [topic("LiquidationParamsSet")], fromBlock, toBlock);
  const last = found.at(-1);
  if (!last) throw new Error("no LiquidationParamsSet event: is this the engine's address?");
  const ev = ENGINE_IFACE.parseLog(last);
  if (!ev) throw new Error("cannot decode LiquidationParamsSet");
  const p = ev.args.params;
  return {
    feeRate: p.feeRate,
    buffer: p.buffer,
    minKeeperReward: p.minKeeperRewardUsd,
    maxKeeperReward: p.maxKeeperRewardUsd,
    penaltyRate: p.penaltyRate,
  };
}

export interface SourceOptions {
  provider: Eip1193;
  engine: string;
  insuranceFund: string;
  /** First block to search for accounts and parameters (the deployment block). */
  fromBlock: number;
  marketNames?: string[];
  /** Read at this block (default: the latest). */
  block?: number;
  /** Known accounts (skips the event search). */
  accounts?: bigint[];
}

export async function loadRiskState(o: SourceOptions): Promise<RiskState> {
  const reader = new ChainReader(o.provider);
  const head = o.block ?? (await reader.block()).number;
  reader.pin(head);
  const [view, ids, liquidation] = await Promise.all([
    loadProtocolView(reader, o.engine, o.marketNames ?? []),
    o.accounts
      ? Promise.resolve(o.accounts)
      : discoverAccounts(o.provider, o.engine, o.fromBlock, head),
    liquidationParams(o.provider, o.engine, o.fromBlock, head),
  ]);
  const accounts = await readAccounts(
    reader,
    o.engine,
    view.collaterals.map((c) => c.token),
    ids,
  );
  const [insuranceFund, poolBalance, caps] = await Promise.all([
    reader.fundHoldings(view.quoteToken, o.insuranceFund, o.engine),
    reader.one<bigint>(ENGINE_IFACE, o.engine, "poolBalance"),
    readCaps(reader, o.engine, view.markets.length),
  ]);
  return { view, accounts, insuranceFund, poolBalance, liquidation, caps };
}

/** Every market's liquidation window cap and the window in progress (getMarket and
 *  getMarketState: maxLiquidationPerWindow, liquidationWindow, windowStart, liquidatedInWindow). */
export async function readCaps(
  reader: ChainReader,
  engine: string,
  markets: number,
): Promise<MarketCap[]> {
  return Promise.all(
    Array.from({ length: markets }, async (_, id): Promise<MarketCap> => {
      const [cfg, st] = await Promise.all([
        reader.one<Record<string, bigint>>(ENGINE_IFACE, engine, "getMarket", [id]),
        reader.one<Record<string, bigint>>(ENGINE_IFACE, engine, "getMarketState", [id]),
      ]);
      return {
        maxLiquidationPerWindow: BigInt(cfg["maxLiquidationPerWindow"] as bigint),
        liquidationWindow: BigInt(cfg["liquidationWindow"] as bigint),
        windowStart: BigInt(st["windowStart"] as bigint),
        liquidatedInWindow: BigInt(st["liquidatedInWindow"] as bigint),
      };
    }),
  );
}

export interface CrossCheck {
  block: number;
  accounts: number;
  agree: number;
  mismatches: string[];
  poolValue: { model: bigint; chain: bigint };
}

/** The model's equity / IM / MM of every account and the pool value against the engine's views,
 *  at the state's block (zero shock). */
export async function crossCheck(
  provider: Eip1193,
  engine: string,
  state: RiskState,
): Promise<CrossCheck> {
  const reader = new ChainReader(provider);
  reader.pin(state.view.block);
  const mismatches: string[] = [];
  let agree = 0;
  for (const a of state.accounts) {
    const m = modelHealth(a, state.view);
    const c = await chainHealth(reader, engine, a.id);
    if (m.equity === c.equity && m.im === c.im && m.mm === c.mm) agree++;
    else {
      mismatches.push(
        `account ${a.id}: model ${m.equity}/${m.im}/${m.mm}, chain ${c.equity}/${c.im}/${c.mm} (equity/IM/MM)`,
      );
    }
  }
  const chain = await reader.one<bigint>(ENGINE_IFACE, engine, "poolValue");
  const model = poolValue(
    state.poolBalance,
    state.view.markets.map((m) => ({
      state: m.state,
      price: m.price,
      indexNow: m.indexNow,
      skewScale: m.status === 4 ? 0n : m.params.skewScale, // INV-44; 4 = Settled
    })),
    state.view.quoteDecimals,
  );
  if (model !== chain) mismatches.push(`poolValue: model ${model}, chain ${chain}`);
  return {
    block: state.view.block,
    accounts: state.accounts.length,
    agree,
    mismatches,
    poolValue: { model, chain },
  };
}

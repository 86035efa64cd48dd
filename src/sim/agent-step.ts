/** The agents' part of a step: decisions at the step's prices (through the TypeScript model),
 *  their transactions queued for the step's block, and the bookkeeping of what was mined. */
import { parseError } from "../common/errors";
import { accrueFunding } from "../model";
import { ChainReader, ENGINE_IFACE, ProtocolView } from "../chain/reader";
import { modelHealth } from "../chain/to-model";
import { Intent, MarketCtx, Trader, decideLp, decideTrader } from "./agents";
import { ChainDriver, MinedTx } from "./chain";
import { Ledger } from "./ledger";
import { FailureBook, GasBook } from "./metrics";
import { Rng } from "./random";
import { COLLATERAL_ASSET, MARKET_ASSETS, Scenario } from "./scenarios";
import { Addresses, Agents, POOL, applyWallets } from "./setup";

/** What the agents' step reads and writes. */
export interface AgentEnv {
  driver: ChainDriver;
  /** Unpinned reader (latest state). */
  live: ChainReader;
  addr: Addresses;
  agents: Agents;
  ledger: Ledger;
  /** The protocol as of the previous step's end. */
  view: ProtocolView;
  scenario: Scenario;
  decimals: Record<string, number>;
  seed: string;
  /** Per market: seconds after which a delayed order expires. */
  maxOrderAge: number[];
  gas: GasBook;
  failures: FailureBook;
}

const num = (x: bigint, d = 18): number => Number(x) / 10 ** d;
const INCREASING = new Set(["open", "increase", "flip"]);
const toWad = (p: number): bigint => BigInt(Math.round(p * 1e8)) * 10n ** 10n;

/** A copy of `v` at new prices and time (funding index accrued), for the agents' decisions. */
export function decisionView(v: ProtocolView, prices: readonly bigint[], t: bigint): ProtocolView {
  const markets = v.markets.map((m) => {
    const price = prices[m.id] as bigint;
    return { ...m, price, indexNow: accrueFunding(m.state, m.params, price, t).indexNow };
  });
  const collaterals = v.collaterals.map((c) => {
    const k = MARKET_ASSETS.findIndex((a) => a === COLLATERAL_ASSET[c.symbol]);
    return k < 0 ? c : { ...c, price: prices[k] as bigint };
  });
  return { ...v, markets, collaterals, timestamp: t };
}

async function sendIntent(env: AgentEnv, t: Trader, it: Intent, blockTs: number): Promise<void> {
  const d = env.driver;
  const e = env.addr.engine;
  const meta = { trader: t.index, increase: false } as Record<string, unknown>;
  switch (it.kind) {
    case "deposit":
    case "withdraw": {
      const token = env.addr.tokens[it.token] as string;
      Object.assign(meta, {
        token: it.token,
        amount: it.amount,
        increase: it.kind === "withdraw",
      });
      const args =
        it.kind === "deposit" ? [0, token, it.amount] : [t.account, token, it.amount, t.address];
      await d.sendCall(
        t.address,
        e,
        ENGINE_IFACE,
        it.kind,
        args,
        `${it.kind}:${it.token}`,
        600_000,
        meta,
      );
      return;
    }
    case "trade":
      meta.increase = INCREASING.has(it.label);
      await d.sendCall(
        t.address,
        e,
        ENGINE_IFACE,
        "modifyPosition",
        [t.account, it.market, it.sizeDelta, it.acceptablePrice, blockTs + 3600],
        `trade:${it.label}`,
        3_000_000,
        meta,
      );
      return;
    case "order": {
      meta.increase = INCREASING.has(it.label);
      const age = env.maxOrderAge[it.market] ?? 3600;
      await d.sendCall(
        t.address,
        e,
        ENGINE_IFACE,
        "commitOrder",
        [t.account, it.market, it.sizeDelta, it.acceptablePrice, blockTs + age],
        `order:commit`,
        3_000_000,
        meta,
      );
      return;
    }
  }
}

/** Agents decide at the step's prices and their transactions are queued. */
export async function queueAgents(
  env: AgentEnv,
  i: number,
  prices: readonly number[],
  blockTs: number,
): Promise<void> {
  const wad = prices.map(toWad);
  const view = decisionView(env.view, wad, BigInt(blockTs));
  const rng = new Rng(`${env.seed}:step:${i}`);
  const markets: MarketCtx[] = view.markets.map((m) => ({
    id: m.id,
    price: m.price,
    priceNum: prices[m.id] as number,
    params: m.params,
    history: (env.scenario.assets[m.id]?.prices ?? []).slice(Math.max(0, i - 24), i + 1),
  }));
  const tokenPrice: Record<string, number> = { USDC: 1 };
  for (const c of view.collaterals) tokenPrice[c.symbol] = num(c.price);
  for (const t of env.agents.traders) {
    const snapshot = env.ledger.get(t.account);
    const health = modelHealth(snapshot, view);
    const intents = decideTrader(t, {
      step: i,
      markets,
      snapshot,
      health,
      tokenPrice,
      decimals: env.decimals,
      rng,
    });
    for (const it of intents) {
      if (it.kind === "trade" || it.kind === "order") {
        if (it.label === "open" && snapshot.positions.size === 0) {
          t.openedStep = i;
          t.entryEquity = num(health.equity);
        }
      }
      await sendIntent(env, t, it, blockTs);
    }
  }
  for (const lp of env.agents.lps) {
    const pool = env.addr.pool;
    const who = [lp.address];
    const [shares, requested, pending, claimable, maxRedeem] = await Promise.all([
      env.live.one<bigint>(POOL, pool, "balanceOf", who),
      env.live.one<bigint>(POOL, pool, "redeemRequest", who),
      env.live.one<bigint>(POOL, pool, "pendingRedeemRequest", [0, lp.address]),
      env.live.one<bigint>(POOL, pool, "claimableRedeemRequest", [0, lp.address]),
      env.live.one<bigint>(POOL, pool, "maxRedeem", who),
    ]);
    const a = decideLp(lp, { shares, requested, pending, claimable, maxRedeem, rng });
    if (!a) continue;
    const meta = { lp: lp.index };
    if (a.kind === "lpDeposit") {
      await env.driver.sendCall(
        lp.address,
        pool,
        POOL,
        "deposit",
        [a.assets, lp.address],
        "lp:deposit",
        600_000,
        { ...meta, assets: a.assets },
      );
    } else if (a.kind === "lpRequest") {
      const args = [a.shares, lp.address, lp.address];
      await env.driver.sendCall(
        lp.address,
        pool,
        POOL,
        "requestRedeem",
        args,
        "lp:request",
        300_000,
        meta,
      );
    } else if (a.kind === "lpClaim") {
      const args = [a.shares, lp.address, lp.address];
      await env.driver.sendCall(lp.address, pool, POOL, "redeem", args, "lp:redeem", 600_000, meta);
    } else {
      const args = [lp.address];
      await env.driver.sendCall(
        lp.address,
        pool,
        POOL,
        "cancelRedeemRequest",
        args,
        "lp:cancel",
        300_000,
        meta,
      );
    }
  }
}

/** Gas, failure reasons, wallets and PnL bookkeeping of mined agent transactions; returns the
 *  accounts whose risk-increasing action succeeded and the number of failed transactions. */
export async function bookAgents(
  env: AgentEnv,
  mined: readonly MinedTx[],
  prices: readonly number[],
): Promise<{ increased: bigint[]; failed: number }> {
  const increased: bigint[] = [];
  let failed = 0;
  for (const m of mined) {
    env.gas.add(m.tag, m.gasUsed, m.ok);
    const meta = m.meta as {
      trader?: number;
      increase?: boolean;
      token?: string;
      amount?: bigint;
    };
    if (!m.ok) {
      failed++;
      let reason = "untraced";
      if (env.failures.traced < 400) {
        env.failures.traced++;
        reason = parseError(await env.driver.revertData(m.hash))?.name ?? "unknown";
      }
      env.failures.add(m.tag, reason);
      continue;
    }
    if (meta?.trader === undefined) continue;
    const t = env.agents.traders[meta.trader] as Trader;
    if (meta.increase) increased.push(t.account);
    if (meta.token && meta.amount !== undefined) {
      const k = MARKET_ASSETS.findIndex((a) => a === COLLATERAL_ASSET[meta.token as string]);
      const px = k < 0 ? 1 : (prices[k] as number);
      const usd = num(meta.amount, env.decimals[meta.token] as number) * px;
      if (m.tag.startsWith("deposit")) t.depositedUsd += usd;
      else t.withdrawnUsd += usd;
    }
  }
  applyWallets(mined, env.agents);
  return { increased, failed };
}

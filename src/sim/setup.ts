/** Setting up a simulation on a deployed system: agent addresses (impersonated), tokens minted to
 *  their wallets, approvals, initial margin deposits and LP deposits, and the first feed answers,
 *  all in one block at the start time. */
import { MaxUint256, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { System } from "../../deploy/deploy";
import {
  LiquidityPool__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
} from "../../typechain-types";
import { accountId } from "../common/accounts";
import { feedAnswer } from "../common/units";
import { ENGINE_IFACE } from "../chain/reader";
import { Lp, Trader, createLps, createTraders, tokenAmount } from "./agents";
import { ChainDriver, MinedTx } from "./chain";
import { Rng } from "./random";
import { COLLATERAL_ASSET, MARKET_ASSETS } from "./scenarios";

export const ERC20 = MockERC20__factory.createInterface();
export const FEED = MockV3Aggregator__factory.createInterface();
export const POOL = LiquidityPool__factory.createInterface();

/** A deterministic address for a simulated role (never one of Hardhat's default accounts). */
export function agentAddress(role: string, i: number): string {
  return getAddress(keccak256(toUtf8Bytes(`crossmargin-sim/${role}/${i}`)).slice(0, 42));
}

export interface Addresses {
  engine: string;
  quote: string;
  pool: string;
  fund: string;
  lens: string;
  oracle: string;
  keeper: string;
  /** Symbol -> token address (USDC, WETH, WBTC). */
  tokens: Record<string, string>;
  marketFeeds: string[];
  /** Collateral symbol -> feed. */
  collateralFeeds: Record<string, string>;
}

export async function addresses(system: System): Promise<Addresses> {
  const tokens: Record<string, string> = {
    [system.config.quote.symbol]: await system.quote.getAddress(),
  };
  for (const [sym, t] of Object.entries(system.collaterals)) tokens[sym] = await t.getAddress();
  const collateralFeeds: Record<string, string> = {};
  for (const [sym, f] of Object.entries(system.collateralFeeds))
    collateralFeeds[sym] = await f.getAddress();
  return {
    engine: await system.engine.getAddress(),
    quote: tokens[system.config.quote.symbol] as string,
    pool: await system.pool.getAddress(),
    fund: await system.insuranceFund.getAddress(),
    lens: await system.lens.getAddress(),
    oracle: agentAddress("oracle", 0),
    keeper: agentAddress("keeper", 0),
    tokens,
    marketFeeds: await Promise.all(system.marketFeeds.map((f) => f.getAddress())),
    collateralFeeds,
  };
}

/** Queues one answer per feed: market feeds from `prices` (market order), collateral feeds
 *  from the market of their asset. */
export async function queueFeedUpdates(
  driver: ChainDriver,
  addr: Addresses,
  prices: readonly number[],
): Promise<void> {
  for (const [i, feed] of addr.marketFeeds.entries()) {
    const answer = feedAnswer(prices[i] as number, 8);
    await driver.sendCall(
      addr.oracle,
      feed,
      FEED,
      "updateAnswer",
      [answer],
      "feed:update",
      200_000,
    );
  }
  for (const [sym, feed] of Object.entries(addr.collateralFeeds)) {
    const asset = COLLATERAL_ASSET[sym];
    const k = MARKET_ASSETS.findIndex((a) => a === asset);
    if (k < 0) throw new Error(`no market prices collateral ${sym}`);
    const answer = feedAnswer(prices[k] as number, 8);
    await driver.sendCall(
      addr.oracle,
      feed,
      FEED,
      "updateAnswer",
      [answer],
      "feed:update",
      200_000,
    );
  }
}

/** Quote tokens the simulated keeper starts with for collateral liquidations. */
export const KEEPER_CAPITAL_USDC = 10_000_000n;

export interface Agents {
  traders: Trader[];
  lps: Lp[];
}

/** Creates the agents and queues their setup transactions (no mining). */
export async function queueSetup(
  driver: ChainDriver,
  addr: Addresses,
  seed: string,
  nTraders: number,
  nLps: number,
  prices: Record<string, number>,
  decimals: Record<string, number>,
): Promise<Agents> {
  const rng = new Rng(`${seed}:agents`);
  const traders = createTraders(
    nTraders,
    rng,
    Array.from({ length: nTraders }, (_, i) => agentAddress("trader", i)),
  );
  const lps = createLps(
    nLps,
    rng,
    Array.from({ length: nLps }, (_, i) => agentAddress("lp", i)),
  );
  for (const a of [...traders.map((t) => t.address), ...lps.map((l) => l.address)]) {
    await driver.addAccount(a);
  }
  const usdc = addr.quote;
  for (const t of traders) {
    t.account = accountId(t.address, 0);
    const sym = t.collateral;
    const token = addr.tokens[sym] as string;
    const price = prices[sym] as number;
    const deposit = tokenAmount(t.capitalUsd, price, decimals[sym] as number);
    const reserveUsdc = tokenAmount(
      t.capitalUsd * (sym === "USDC" ? 1 : 0.5),
      1,
      decimals.USDC as number,
    );
    t.wallet =
      sym === "USDC" ? { USDC: deposit + reserveUsdc } : { USDC: reserveUsdc, [sym]: deposit };
    const mint = async (tok: string, amount: bigint): Promise<void> => {
      await driver.sendCall(
        t.address,
        tok,
        ERC20,
        "mint",
        [t.address, amount],
        "setup:mint",
        100_000,
      );
      await driver.sendCall(
        t.address,
        tok,
        ERC20,
        "approve",
        [addr.engine, MaxUint256],
        "setup:approve",
        100_000,
      );
    };
    if (sym === "USDC") await mint(usdc, deposit + reserveUsdc);
    else {
      await mint(token, deposit);
      await mint(usdc, reserveUsdc);
    }
    await driver.sendCall(
      t.address,
      addr.engine,
      ENGINE_IFACE,
      "deposit",
      [0, token, deposit],
      `deposit:${sym}`,
      500_000,
      { trader: t.index, token: sym, amount: deposit },
    );
    t.depositedUsd += t.capitalUsd;
  }
  for (const lp of lps) {
    const initial = tokenAmount(lp.capitalUsd, 1, decimals.USDC as number);
    lp.wallet = initial * 2n;
    await driver.sendCall(
      lp.address,
      usdc,
      ERC20,
      "mint",
      [lp.address, lp.wallet],
      "setup:mint",
      100_000,
    );
    await driver.sendCall(
      lp.address,
      usdc,
      ERC20,
      "approve",
      [addr.pool, MaxUint256],
      "setup:approve",
      100_000,
    );
    await driver.sendCall(
      lp.address,
      addr.pool,
      POOL,
      "deposit",
      [initial, lp.address],
      "lp:deposit",
      500_000,
      {
        lp: lp.index,
        assets: initial,
      },
    );
  }
  // The keeper's capital for collateral liquidations (INV-29): it repays the debt of accounts
  // whose collateral the insurance fund could not afford, and takes that collateral.
  await driver.addAccount(addr.keeper);
  for (const [fn, args] of [
    ["mint", [addr.keeper, KEEPER_CAPITAL_USDC * 10n ** BigInt(decimals.USDC as number)]],
    ["approve", [addr.engine, MaxUint256]],
  ] as const) {
    await driver.sendCall(addr.keeper, usdc, ERC20, fn, [...args], `setup:keeper-${fn}`, 100_000);
  }
  return { traders, lps };
}

/** Applies wallet effects of successful deposits (setup and later steps). */
export function applyWallets(mined: readonly MinedTx[], agents: Agents): void {
  for (const m of mined) {
    if (!m.ok || !m.meta) continue;
    const meta = m.meta as {
      trader?: number;
      lp?: number;
      token?: string;
      amount?: bigint;
      assets?: bigint;
    };
    if (meta.trader !== undefined && meta.token && meta.amount !== undefined) {
      const t = agents.traders[meta.trader] as Trader;
      const sign = m.tag.startsWith("withdraw") ? 1n : -1n;
      t.wallet[meta.token] = (t.wallet[meta.token] ?? 0n) + sign * meta.amount;
    }
    if (meta.lp !== undefined) {
      const lp = agents.lps[meta.lp] as Lp;
      if (m.tag === "lp:deposit" && meta.assets !== undefined) lp.wallet -= meta.assets;
      if (m.tag === "lp:redeem") {
        for (const l of m.logs) {
          if (l.address.toLowerCase() !== (m.to ?? "").toLowerCase()) continue;
          const p = POOL.parseLog({ topics: l.topics, data: l.data });
          if (p?.name === "Withdraw") lp.wallet += p.args.assets as bigint;
        }
      }
    }
  }
}

/**
 * Helpers for the adversarial tests (test/hardhat/adversarial): listing odd tokens and feeds,
 * adding markets on any feed, conservation over every token and account the chain has seen, a
 * digest of everything an action could change ("changes nothing"), and gas reports.
 */
import { ethers } from "hardhat";
import { MaxUint256 } from "ethers";
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  ICrossmargin,
  ICrossmargin__factory,
  MockERC20__factory,
  MockFeed,
  MockFeed__factory,
  MockV3Aggregator__factory,
} from "../../typechain-types";
import { accountId } from "../../src/common/accounts";
import type { FlatMarketParams } from "../../src/common/admin-params";
import { feedAnswer } from "../../src/common/units";
import { System } from "./fixture";
import { creditedKeepers } from "./orders";
import { ENGINE_LIBRARIES } from "../../deploy/steps/core";
import { collateralParams } from "./risk";
import { marketParams } from "./trading";
import type { Env as LiquidationEnv } from "./liquidation";

export const DAY = 86_400;
/** MockV3Aggregator's description (listing checks it). */
export const V3_DESCRIPTION = "v0.8/tests/MockV3Aggregator.sol";
export const MAX_UINT128 = (1n << 128n) - 1n;

/** Prints one line of numbers a test documents (gas, break-even moves, losses). */
export function report(line: string): void {
  console.log(`        [report] ${line}`);
}

/** A MockV3Aggregator with `decimals` at `price` (decimal string); returns its address. */
export async function v3Feed(signer: HardhatEthersSigner, price: string, decimals = 8) {
  const f = await new MockV3Aggregator__factory(signer).deploy(
    decimals,
    feedAnswer(price, decimals),
  );
  return f.getAddress();
}

/** A MockFeed (every field settable, any decimals) answering `answer` (raw). */
export async function mockFeed(
  signer: HardhatEthersSigner,
  decimals: number,
  answer: bigint,
  description = "MOCK / USD",
): Promise<MockFeed> {
  return new MockFeed__factory(signer).deploy(decimals, description, answer);
}

export interface ListOptions {
  /** Feed price as a decimal string (8-decimal MockV3Aggregator); ignored with `feed`. */
  price?: string;
  feed?: string;
  description?: string;
  weight?: string;
  discount?: string;
  cap?: bigint;
}

/** Lists `token` as collateral (admin = signer 0 of `sys`); returns the feed address. */
export async function listToken(
  sys: System,
  token: string,
  opts: ListOptions = {},
): Promise<string> {
  const [admin] = await ethers.getSigners();
  const feed = opts.feed ?? (await v3Feed(admin, opts.price ?? "10"));
  await sys.engine.listCollateral(
    token,
    collateralParams(feed, DAY, {
      weight: opts.weight ?? "0.8",
      discount: opts.discount ?? "0.05",
      cap: opts.cap ?? MAX_UINT128,
    }),
    opts.description ?? V3_DESCRIPTION,
  );
  return feed;
}

/** Adds a market on `feed` (local-config parameters unless overridden); returns its id. */
export async function addMarketOn(
  sys: System,
  feed: string,
  description: string,
  overrides: Partial<FlatMarketParams> = {},
): Promise<number> {
  const id = Number(await sys.engine.marketCount());
  await sys.engine.addMarket(marketParams(feed, overrides), description);
  return id;
}

/** Every account id the engine has seen (deposits, trades). */
export async function knownAccounts(engine: ICrossmargin): Promise<bigint[]> {
  const ids = new Set<bigint>();
  for (const e of await engine.queryFilter(engine.filters.Deposited())) ids.add(e.args.account);
  for (const e of await engine.queryFilter(engine.filters.PositionModified()))
    ids.add(e.args.account);
  for (const a of await creditedKeepers(engine)) ids.add(a);
  return [...ids];
}

/** ERC-20 balance of any token (MockERC20's ABI suffices for balanceOf). */
export async function balanceOf(token: string, holder: string): Promise<bigint> {
  return MockERC20__factory.connect(token, ethers.provider).balanceOf(holder);
}

/**
 * INV-1 to the wei, over every account the engine has seen: the engine's quote tokens equal
 * the signed account balances plus the pool ledger (plus `quoteSurplus`, tokens donated to the
 * engine that no ledger owns); for every listed collateral, the engine's tokens equal the sum
 * of account balances and `totalDeposited`.
 */
export async function expectConserved(sys: System, quoteSurplus = 0n): Promise<void> {
  const { engine } = sys;
  const addr = await engine.getAddress();
  const accounts = await knownAccounts(engine);
  // Collateral a token refused to send to the fund is kept for it in the fund's engine account.
  const fundAccount = BigInt(await engine.insuranceFund()) << 8n;
  if (fundAccount !== 0n && !accounts.includes(fundAccount)) accounts.push(fundAccount);
  let sum = await engine.poolBalance();
  for (const a of accounts) sum += (await engine.getAccount(a)).quoteBalance;
  expect(await balanceOf(await engine.quoteToken(), addr), "INV-1 quote").to.equal(
    sum + quoteSurplus,
  );
  for (const token of await engine.collateralTokens()) {
    let total = 0n;
    for (const a of accounts) total += await engine.collateralBalance(a, token);
    expect(await balanceOf(token, addr), `INV-1 ${token} held`).to.equal(total);
    expect((await engine.getCollateral(token)).totalDeposited, `INV-1 ${token} total`).to.equal(
      total,
    );
  }
}

/**
 * Everything an action could change: the engine's first storage slots (wiring, pause, pool
 * ledger, liquidation parameters, sequencer), every market's config and state, every listed
 * token's config, every known account (data, collateral balances, positions, orders), and the
 * token balances of the engine and of `holders`.
 */
export async function stateDigest(sys: System, holders: string[] = []): Promise<unknown[]> {
  const { engine } = sys;
  const addr = await engine.getAddress();
  const out: unknown[] = [];
  for (let slot = 0; slot < 16; slot++) out.push(await ethers.provider.getStorage(addr, slot));
  const n = await engine.marketCount();
  for (let id = 0n; id < n; id++) {
    out.push([...(await engine.getMarket(id))], [...(await engine.getMarketState(id))]);
  }
  const tokens = [await engine.quoteToken(), ...(await engine.collateralTokens())];
  for (const t of tokens.slice(1)) out.push([...(await engine.getCollateral(t))]);
  for (const a of await knownAccounts(engine)) {
    out.push([...(await engine.getAccount(a))]);
    for (const t of tokens.slice(1)) out.push(await engine.collateralBalance(a, t));
    for (let id = 0n; id < n; id++) {
      out.push([...(await engine.getPosition(a, id))], [...(await engine.getOrder(a, id))]);
    }
  }
  for (const t of tokens) {
    for (const h of [addr, await sys.insuranceFund.getAddress(), ...holders]) {
      out.push(await balanceOf(t, h));
    }
  }
  return out;
}

/** The engine's contract factory, linked to the fixture's libraries. */
export async function engineFactory(sys: System) {
  const [admin] = await ethers.getSigners();
  const libraries = Object.fromEntries(
    ENGINE_LIBRARIES.map((n) => [n, sys.record.contracts[`lib:${n}`].address]),
  );
  return ethers.getContractFactory("Crossmargin", { libraries, signer: admin });
}

/** A fresh, unwired engine on `quote` (admin = signer 0). */
export async function freshEngine(sys: System, quote: string): Promise<ICrossmargin> {
  const [admin] = await ethers.getSigners();
  const extension = sys.record.contracts["CrossmarginExtension"].address;
  const c = await (await engineFactory(sys)).deploy(quote, admin.address, extension);
  return ICrossmargin__factory.connect(await c.getAddress(), admin);
}

export interface Mintable {
  getAddress(): Promise<string>;
  mint(to: string, amount: bigint): Promise<unknown>;
  connect(s: HardhatEthersSigner): { approve(spender: string, amount: bigint): Promise<unknown> };
}

/** Mints `amount` of `token` to `who`, approves the engine and deposits into sub-account 0. */
export async function depositToken(
  env: LiquidationEnv,
  token: Mintable,
  who: HardhatEthersSigner,
  amount: bigint,
) {
  const engine = env.sys.engine;
  await token.mint(who.address, amount);
  await token.connect(who).approve(await engine.getAddress(), MaxUint256);
  await engine.connect(who).deposit(0, await token.getAddress(), amount);
  const id = accountId(who.address, 0);
  env.accounts.add(id);
  return id;
}

/** A governance call on the engine, for the role tables of the access tests. */
export type AdminCall = (e: ICrossmargin) => Promise<unknown>;

/**
 * The market-0 parameter setters, `settleMarket` and `setLiquidationParams`, each with valid
 * arguments and the role it needs (`admin`, `risk`: the engine's role ids).
 */
export function marketGovernanceCalls(admin: string, risk: string): [string, string, AdminCall][] {
  return [
    [
      "setMarketTradingParams",
      risk,
      (e) =>
        e.setMarketTradingParams(0, {
          skewScale: 0,
          makerFee: 0,
          takerFee: 0,
          maxFundingVelocity: 0,
        }),
    ],
    [
      "setMarketMarginParams",
      risk,
      (e) =>
        e.setMarketMarginParams(0, {
          imrBase: 10n ** 18n,
          imrSizeFactor: 0,
          maintenanceScalar: 9n * 10n ** 17n,
          minPositionMarginUsd: 0,
        }),
    ],
    [
      "setMarketLimits",
      risk,
      (e) =>
        e.setMarketLimits(0, {
          maxOpenInterest: 0,
          maxOiPoolRatio: 10n ** 18n,
          maxNetExposureRatio: 2n * 10n ** 18n,
          maxLiquidationPerWindowUsd: 0,
          liquidationWindow: 0,
        }),
    ],
    [
      "setMarketOrderParams",
      risk,
      (e) => e.setMarketOrderParams(0, { instantTrading: false, minOrderDelay: 0, maxOrderAge: 1 }),
    ],
    ["settleMarket", admin, (e) => e.settleMarket(0, 0)],
    [
      "setLiquidationParams",
      risk,
      (e) =>
        e.setLiquidationParams({
          feeRate: 0,
          buffer: 0,
          minKeeperRewardUsd: 0,
          maxKeeperRewardUsd: 0,
          closeFactorHfThreshold: 0,
          smallDebtUsd: 0,
          orderKeeperFeeUsd: 0,
          penaltyRate: 0,
          accountWindow: 3600,
        }),
    ],
  ];
}

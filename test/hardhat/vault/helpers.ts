/** Helpers for the vault / accounts / oracle / roles tests (test/hardhat/vault/*.test.ts). */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, encodeBytes32String } from "ethers";
import {
  ICrossmargin,
  ICrossmargin__factory,
  FeeOnTransferToken,
  MockERC20,
  MockERC20__factory,
  MockV3Aggregator__factory,
} from "../../../typechain-types";
import { loadSystem, System } from "../../helpers/fixture";
import { feedAnswer, units, wad } from "../../../src/common/units";
import type { MarketConfig } from "../../../deploy/config/types";
import { ENGINE_LIBRARIES } from "../../../deploy/steps/core";
import { collateralParams } from "../../helpers/risk";
import {
  Account,
  CollateralHolding,
  MarketParams,
  MarketState,
  Position,
  PositionHolding,
  TradeResult,
  accrueFunding,
  applyTrade,
  emptyMarketState,
} from "../../../src/model";

export const QUOTE_DECIMALS = 6;
export const MOCK_DESCRIPTION = "v0.8/tests/MockV3Aggregator.sol";
export const DAY = 86_400;

/** Valid `LiquidationSettings`, in the struct's field order (every rate and reward on its grid). */
export const LIQUIDATION = {
  feeRate: wad("0.005"),
  buffer: wad("0.1"),
  minKeeperRewardUsd: wad("5"),
  maxKeeperRewardUsd: wad("1000"),
  closeFactorHfThreshold: wad("0.95"),
  smallDebtUsd: wad("100"),
  orderKeeperFeeUsd: wad("1"),
  penaltyRate: wad("0.005"),
  accountWindow: 3600n,
};

export interface Ctx extends System {
  admin: HardhatEthersSigner;
  users: HardhatEthersSigner[];
  engineAddress: string;
}

/** The real local deployment (snapshotted) plus signers: 0 is admin/risk/guardian. */
export async function setup(): Promise<Ctx> {
  const sys = await loadSystem();
  const [admin, ...users] = await ethers.getSigners();
  return { ...sys, admin, users, engineAddress: await sys.engine.getAddress() };
}

/** Mints `amount` of `token` to `who` and approves the engine for everything. */
export async function fund(
  token: MockERC20 | FeeOnTransferToken,
  engine: string,
  who: HardhatEthersSigner,
  amount: bigint,
): Promise<void> {
  await token.mint(who.address, amount);
  await (token.connect(who) as MockERC20).approve(engine, MaxUint256);
}

/** Name of a ParameterOutOfBounds / AlreadySet argument as the contract encodes it. */
export const b32 = encodeBytes32String;

/** OracleLib's errors (SequencerDown, SequencerGracePeriod) decoded at the engine's address. */
export function oracleErrors(engine: ICrossmargin) {
  return ICrossmargin__factory.connect(engine.target as string, ethers.provider);
}

export interface Listed {
  token: MockERC20;
  address: string;
  feed: string;
  decimals: number;
  price: string;
  weight: bigint;
}

/** Deploys a MockERC20 with a MockV3Aggregator feed and lists it as collateral. */
export async function listMock(
  ctx: Ctx,
  opts: {
    symbol?: string;
    decimals?: number;
    price?: string;
    feedDecimals?: number;
    weight?: string;
    discount?: string;
    cap?: string;
    feed?: string;
  } = {},
): Promise<Listed> {
  const decimals = opts.decimals ?? 18;
  const price = opts.price ?? "10";
  const symbol = opts.symbol ?? "MCK";
  const token = await new MockERC20__factory(ctx.admin).deploy(symbol, symbol, decimals);
  let feed = opts.feed;
  if (!feed) {
    const agg = await new MockV3Aggregator__factory(ctx.admin).deploy(
      opts.feedDecimals ?? 8,
      feedAnswer(price, opts.feedDecimals ?? 8),
    );
    feed = await agg.getAddress();
  }
  const weight = wad(opts.weight ?? "0.8");
  await ctx.engine.listCollateral(
    await token.getAddress(),
    collateralParams(feed, DAY, {
      weight,
      discount: opts.discount ?? "0.05",
      cap: units(opts.cap ?? "1000000000", decimals),
    }),
    MOCK_DESCRIPTION,
  );
  return { token, address: await token.getAddress(), feed, decimals, price, weight };
}

/** Library addresses of the fixture's deployment, for deploying a fresh engine. */
export function libraries(ctx: System): Record<string, string> {
  return Object.fromEntries(
    ENGINE_LIBRARIES.map((n) => [n, ctx.record.contracts[`lib:${n}`].address]),
  );
}

/** A fresh, unconfigured engine linked to the fixture's libraries. */
export async function freshEngine(
  ctx: Ctx,
  quote: string,
  admin: string = ctx.admin.address,
): Promise<ICrossmargin> {
  const factory = await ethers.getContractFactory("Crossmargin", {
    libraries: libraries(ctx),
    signer: ctx.admin,
  });
  const extension = ctx.record.contracts["CrossmarginExtension"].address;
  const c = await factory.deploy(quote, admin, extension);
  return ICrossmargin__factory.connect(await c.getAddress(), ctx.admin);
}

/** Everything a vault action may touch: token balances of the engine and of `holders`, each
 *  collateral's totalDeposited, and every account's data and per-token balances. */
export async function vaultSnapshot(
  ctx: Ctx,
  tokens: string[],
  accounts: bigint[],
  holders: string[] = [],
): Promise<Record<string, unknown>> {
  const { engine } = ctx;
  const quote = await engine.quoteToken();
  const out: Record<string, unknown> = {
    pool: await engine.poolBalance(),
    paused: await engine.paused(),
  };
  for (const t of tokens) {
    const erc = MockERC20__factory.connect(t, ethers.provider);
    out[`bal:${t}:engine`] = await erc.balanceOf(ctx.engineAddress);
    for (const h of holders) out[`bal:${t}:${h}`] = await erc.balanceOf(h);
    if (t !== quote) out[`total:${t}`] = (await engine.getCollateral(t)).totalDeposited;
  }
  for (const a of accounts) {
    const d = await engine.getAccount(a);
    out[`acct:${a}`] = [d.quoteBalance, d.marketMask, d.collateralMask, d.orderMask];
    for (const t of tokens) out[`cb:${a}:${t}`] = await engine.collateralBalance(a, t);
  }
  return out;
}

/** Model market parameters from the deploy config (independent of the contract). */
export function marketParams(m: MarketConfig): MarketParams {
  return {
    skewScale: wad(m.skewScale),
    makerFee: wad(m.makerFee),
    takerFee: wad(m.takerFee),
    imrBase: wad(m.imrBase),
    imrSizeFactor: wad(m.imrSizeFactor),
    maintenanceScalar: wad(m.maintenanceScalar),
    minPositionMargin: wad(m.minPositionMargin),
    maxFundingVelocity: wad(m.maxFundingVelocity),
  };
}

/** Puts `amount` quote tokens into the liquidity pool so open-interest caps allow trading. */
export async function addLiquidity(ctx: Ctx, lp: HardhatEthersSigner, amount: bigint) {
  const poolAddr = await ctx.pool.getAddress();
  await ctx.quote.mint(lp.address, amount);
  await ctx.quote.connect(lp).approve(poolAddr, amount);
  await ctx.pool.connect(lp).deposit(amount, lp.address);
}

/** The model's view of one market of the fixture: its parameters, state and one trader's
 *  position, advanced trade by trade at timestamps the test pins. Starts from a fresh market
 *  (no skew, rate and index 0), as the fixture deploys it. */
export class ModelMarket {
  state: MarketState = emptyMarketState(0n);
  position: Position = { size: 0n, entryPrice: 0n, fundingIndex: 0n };
  constructor(readonly params: MarketParams) {}

  /** Applies a trade at oracle `price` at time `now`; returns the model's trade result. */
  trade(size: bigint, price: bigint, now: bigint): TradeResult {
    const r = applyTrade(this.state, this.params, this.position, size, price, now, QUOTE_DECIMALS);
    this.state = r.newMarketState;
    this.position = r.newPosition;
    return r;
  }

  /** The position valued at `price` and time `now` (funding accrued, not recorded). */
  holding(price: bigint, now: bigint): PositionHolding {
    const { indexNow } = accrueFunding(this.state, this.params, price, now);
    return { params: this.params, position: this.position, price, indexNow };
  }
}

/** Sends `modifyPosition` in a block with timestamp `at` (no slippage limit). */
export async function tradeAt(
  ctx: Ctx,
  signer: HardhatEthersSigner,
  account: bigint,
  marketId: number,
  size: bigint,
  at: number,
) {
  await time.setNextBlockTimestamp(at);
  const acceptable = size > 0n ? MaxUint256 : 1n;
  await ctx.engine.connect(signer).modifyPosition(account, marketId, size, acceptable, MaxUint256);
}

/** A model account (quote decimals 6). */
export function modelAccount(
  quoteBalance: bigint,
  collaterals: CollateralHolding[] = [],
  positions: PositionHolding[] = [],
): Account {
  return { quoteBalance, quoteDecimals: QUOTE_DECIMALS, collaterals, positions };
}

/** WETH / WBTC holdings as the model values them (feed prices from the deploy config). */
export function holding(amount: bigint, decimals: number, price: string, weight: string) {
  return { amount, decimals, price: wad(price), weight: wad(weight) };
}

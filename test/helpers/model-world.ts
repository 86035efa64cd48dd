/**
 * Chain -> model bridge for market, margin and pool tests. `World.read` reads the *inputs*
 * (parameters, prices, prior market / account state, collateral risk parameters, offset pairs,
 * pending orders' reserved IM) from the chain; every expected output (fills, fees, PnL, funding,
 * balances, health, pool value) is then computed by the independent model in src/model and
 * compared with what the engine did. Health is the risk model's (`riskHealth`, docs/math.md
 * "Risk model"), as the engine computes it.
 */
import { expect } from "chai";
import { ContractTransactionResponse } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import {
  ICrossmargin,
  ICrossmarginRisk__factory,
  MockV3Aggregator__factory,
} from "../../typechain-types";
import * as M from "../../src/model";
import { System } from "./fixture";
import { insuranceAccrued } from "./fund";
import { toModelParams, toModelState } from "../../src/common/market-view";
import { MarketStatus } from "../../src/common";

/** One market as the model needs it. */
export interface MarketView {
  id: number;
  params: M.MarketParams;
  state: M.MarketState;
  status: number;
  /** Oracle price from the feed's answer (settlement price once settled), WAD. */
  price: bigint;
  feed: string;
  maxOiPoolRatio: bigint;
  /** INV-45: net skew notional cap as a multiple of the pool's value (WAD). */
  maxNetExposureRatio: bigint;
  maxOpenInterest: bigint;
}

/** One account as the model needs it. */
export interface AccountView {
  quoteBalance: bigint;
  /** `weight` is the maintenance weight (the margin model's); `risk` has both and the size scale. */
  collaterals: (M.CollateralHolding & { token: string; risk: M.CollateralRisk })[];
  positions: Map<number, M.Position>;
  /**
   * IM (USD WAD) the pending orders reserve, keeper fees included, as read: actions applied to
   * the world do not change it (set it to 0 when a test models the order's fill or cancel).
   */
  ordersIm: bigint;
}

/** Health as the engine computes it: the margin summary's shape with the risk model's figures. */
export interface WorldHealth extends M.MarginSummary {
  /** `sum(weightedUsd - initialUsd)` of the collaterals (part of `IM`). */
  collateralIm: bigint;
  /** IM reserved by pending orders (part of `IM`). */
  ordersIm: bigint;
  /** Offset-pair credits, one per `World.pairs` entry. */
  credits: M.PairCredit[];
}

/** Every declared offset pair of the listed markets (`getOffsetPair` of each market's pair id). */
export async function readOffsetPairs(sys: System): Promise<M.OffsetPair[]> {
  const risk = ICrossmarginRisk__factory.connect(await sys.engine.getAddress(), sys.engine.runner);
  const n = Number(await sys.engine.marketCount());
  const ids = new Set<bigint>();
  for (let id = 0; id < n; id++) {
    const pairId = (await sys.engine.getMarket(id)).offsetPair;
    if (pairId !== 0n) ids.add(pairId);
  }
  const pairs: M.OffsetPair[] = [];
  for (const pairId of ids) {
    const p = await risk.getOffsetPair(pairId);
    if (p.rate === 0n) continue;
    pairs.push({
      marketA: Number(p.marketA),
      marketB: Number(p.marketB),
      rate: p.rate,
      stressMove: p.stressMove,
    });
  }
  return pairs;
}

/** Answer of a Chainlink-style feed scaled to WAD (the input the engine reads). */
export async function feedPrice(sys: System, feed: string, decimals: bigint): Promise<bigint> {
  const [, answer] = await MockV3Aggregator__factory.connect(
    feed,
    sys.engine.runner,
  ).latestRoundData();
  return decimals <= 18n ? answer * 10n ** (18n - decimals) : answer / 10n ** (decimals - 18n);
}

/** Market parameters, prior state and price of market `id` read from the chain. */
export async function readMarket(sys: System, id: number): Promise<MarketView> {
  const c = await sys.engine.getMarket(id);
  const st = await sys.engine.getMarketState(id);
  const status = Number(c.status);
  const price =
    status === MarketStatus.Settled
      ? c.settlementPrice
      : await feedPrice(sys, c.feed, c.feedDecimals);
  return {
    id,
    status,
    price,
    feed: c.feed,
    maxOiPoolRatio: c.maxOiPoolRatio,
    maxNetExposureRatio: c.maxNetExposureRatio,
    maxOpenInterest: c.maxOpenInterest,
    params: toModelParams(c),
    state: toModelState(st),
  };
}

/** Funding rate and index of a market at `now`; frozen once the market is settled. */
export function fundingAt(m: MarketView, now: bigint): M.FundingNow {
  if (m.status === MarketStatus.Settled)
    return { rateNow: m.state.fundingRate, indexNow: m.state.fundingIndex };
  return M.accrueFunding(m.state, m.params, m.price, now);
}

/** The model of every market and of some accounts, advanced by the actions a test applies. */
export class World {
  constructor(
    readonly quoteDecimals: number,
    readonly markets: MarketView[],
    readonly accounts: Map<bigint, AccountView>,
    public poolBalance: bigint,
    /** Declared offset pairs (docs/math.md, "Offset pairs"). */
    public pairs: M.OffsetPair[] = [],
  ) {}

  /**
   * INV-40: per market, the block-start skew: the skew when the market's funding was first
   * recorded at `now` (a trade, a liquidation close or a parameter change records it).
   */
  readonly blockSkews = new Map<number, { now: bigint; skew: bigint }>();

  /**
   * The block-start skew in effect for a change of market `marketId` at `now`, or undefined if
   * funding was not recorded at `now` yet: then this change records it, and the skew now with
   * it (INV-40).
   */
  blockSkewAt(marketId: number, now: bigint): bigint | undefined {
    const bs = this.blockSkews.get(marketId);
    if (bs !== undefined && bs.now === now) return bs.skew;
    this.blockSkews.set(marketId, { now, skew: M.skewOf(this.markets[marketId].state) });
    return undefined;
  }

  /** Reads all markets, the offset pairs, the pool balance and the given accounts. */
  static async read(sys: System, accounts: bigint[] = []): Promise<World> {
    const { engine } = sys;
    const n = Number(await engine.marketCount());
    const markets: MarketView[] = [];
    for (let id = 0; id < n; id++) markets.push(await readMarket(sys, id));
    const tokens = await engine.collateralTokens();
    const views = new Map<bigint, AccountView>();
    for (const account of accounts) {
      const a = await engine.getAccount(account);
      const collaterals: AccountView["collaterals"] = [];
      for (const token of tokens) {
        const amount = await engine.collateralBalance(account, token);
        if (amount === 0n) continue;
        const c = await engine.getCollateral(token);
        const price = await feedPrice(sys, c.feed, c.feedDecimals);
        const decimals = Number(c.tokenDecimals);
        const risk: M.CollateralRisk = {
          initialWeight: c.initialWeight,
          maintenanceWeight: c.maintenanceWeight,
          sizeThreshold: c.sizeThreshold,
          sizeFactor: c.sizeFactor,
          weightFloor: c.weightFloor,
        };
        collaterals.push({ token, amount, decimals, price, weight: c.maintenanceWeight, risk });
      }
      const positions = new Map<number, M.Position>();
      for (let id = 0; id < n; id++) {
        if ((a.marketMask & (1n << BigInt(id))) === 0n) continue;
        const p = await engine.getPosition(account, id);
        positions.set(id, { size: p.size, entryPrice: p.entryPrice, fundingIndex: p.fundingIndex });
      }
      let ordersIm = 0n;
      for (let id = 0; id < n; id++) {
        if ((a.orderMask & (1n << BigInt(id))) === 0n) continue;
        const o = await engine.getOrder(account, id);
        ordersIm += o.reserveUsd + M.quoteToUsd(o.keeperFee, sys.record.quote.decimals);
      }
      views.set(account, { quoteBalance: a.quoteBalance, collaterals, positions, ordersIm });
    }
    return new World(
      sys.record.quote.decimals,
      markets,
      views,
      await engine.poolBalance(),
      await readOffsetPairs(sys),
    );
  }

  account(account: bigint): AccountView {
    const a = this.accounts.get(account);
    if (!a) throw new Error(`account ${account} not read into the world`);
    return a;
  }

  position(account: bigint, marketId: number): M.Position {
    return this.account(account).positions.get(marketId) ?? { ...M.EMPTY_POSITION };
  }

  /** A user trade (or a settled-market close) at `now`, applied to the model. */
  trade(account: bigint, marketId: number, sizeDelta: bigint, now: bigint): M.TradeResult {
    const m = this.markets[marketId];
    const a = this.account(account);
    const pos = this.position(account, marketId);
    let r: M.TradeResult;
    const blockSkew = this.blockSkewAt(marketId, now);
    if (m.status === MarketStatus.Settled) {
      // Settled: frozen funding, fill at the settlement price, no fee.
      const st = { ...m.state, lastFundingTime: now };
      r = M.settle(st, pos, sizeDelta, m.price, 0n, 0n, 0n, st.fundingIndex, this.quoteDecimals);
    } else {
      // INV-40: trades at the same `now` share a block (block timestamps strictly increase);
      // they fill against the skew when funding was first recorded at `now`.
      r = M.applyTrade(
        m.state,
        m.params,
        pos,
        sizeDelta,
        m.price,
        now,
        this.quoteDecimals,
        blockSkew,
      );
    }
    m.state = r.newMarketState;
    a.quoteBalance += r.quoteDelta;
    this.poolBalance -= r.quoteDelta;
    if (r.newPosition.size === 0n) a.positions.delete(marketId);
    else a.positions.set(marketId, r.newPosition);
    return r;
  }

  /**
   * INV-45: the net exposure check of a trade of `sizeDelta` by a position of `oldSize`, after
   * it was applied to the model ({@link trade}).
   */
  netExposure(marketId: number, oldSize: bigint, sizeDelta: bigint): M.NetExposure {
    const m = this.markets[marketId];
    return M.netExposure(
      oldSize,
      sizeDelta,
      M.skewOf(m.state),
      m.price,
      this.poolBalance,
      m.maxNetExposureRatio,
      this.quoteDecimals,
    );
  }

  /** Records funding of a market at `now` (what parameter setters and settlement do). */
  recordFunding(marketId: number, now: bigint): M.MarketState {
    const m = this.markets[marketId];
    this.blockSkewAt(marketId, now);
    m.state = M.recordFunding(m.state, m.params, m.price, now);
    return m.state;
  }

  deposit(account: bigint, amount: bigint): void {
    this.account(account).quoteBalance += amount;
  }

  withdraw(account: bigint, amount: bigint): void {
    this.account(account).quoteBalance -= amount;
  }

  /** The model account (positions valued at their market's price and funding at `now`). */
  modelAccount(account: bigint, now: bigint): M.Account {
    const a = this.account(account);
    const positions: M.PositionHolding[] = [];
    for (const [id, position] of a.positions) {
      const m = this.markets[id];
      positions.push({ params: m.params, position, price: m.price, ...fundingAt(m, now) });
    }
    return {
      quoteBalance: a.quoteBalance,
      quoteDecimals: this.quoteDecimals,
      collaterals: a.collaterals,
      positions,
    };
  }

  /**
   * The risk model's account (docs/math.md, "Risk model"): collaterals with both weights and
   * the size scale, positions with their market's funding state (for shocks; none once
   * settled), the world's offset pairs and the orders' reserved IM.
   */
  riskAccount(account: bigint, now: bigint): M.RiskAccount {
    const a = this.account(account);
    const positions: M.RiskPosition[] = [];
    for (const [id, position] of a.positions) {
      const m = this.markets[id];
      positions.push({
        marketId: id,
        params: m.params,
        position,
        price: m.price,
        indexNow: fundingAt(m, now).indexNow,
        funding: m.status === MarketStatus.Settled ? undefined : { state: m.state, now },
      });
    }
    return {
      quoteBalance: a.quoteBalance,
      quoteDecimals: this.quoteDecimals,
      collaterals: a.collaterals.map((c) => ({
        amount: c.amount,
        decimals: c.decimals,
        price: c.price,
        risk: c.risk,
      })),
      positions,
      pairs: this.pairs,
      ordersIm: a.ordersIm,
    };
  }

  /**
   * Health as the engine's `accountHealth` / `isLiquidatable` compute it (fresh feeds): equity,
   * IM and MM from `riskHealth` (offset credits, the collaterals' initial-weight IM and the
   * orders' IM included); per-position requirements, PnL and funding as `marginSummary`.
   */
  health(account: bigint, now: bigint): WorldHealth {
    const base = M.marginSummary(this.modelAccount(account, now));
    const r = M.riskHealth(this.riskAccount(account, now));
    return {
      ...base,
      weightedCollateral: r.equity - base.upnl + base.funding,
      equity: r.equity,
      IM: r.im,
      MM: r.mm,
      healthFactor: M.healthFactor(r.equity, r.mm),
      marginUtilisation: M.marginUtilisation(r.equity, r.im),
      availableMargin: r.equity - r.im,
      isLiquidatable: r.equity < r.mm,
      collateralIm: r.collateralIm,
      ordersIm: this.account(account).ordersIm,
      credits: r.credits,
    };
  }

  /** `accountValue` (no haircut) at `now`. */
  value(account: bigint, now: bigint): bigint {
    return M.accountValue(this.modelAccount(account, now));
  }

  /** Pool value in quote units at `now` (docs/math.md, Liquidity pool value). */
  poolValue(now: bigint): bigint {
    const markets = this.markets.map((m) => ({
      state: m.state,
      price: m.price,
      indexNow: fundingAt(m, now).indexNow,
      // INV-44: a settled market closes at its settlement price, without impact.
      skewScale: m.status === MarketStatus.Settled ? 0n : m.params.skewScale,
    }));
    return M.poolValue(this.poolBalance, markets, this.quoteDecimals);
  }
}

/** Latest block timestamp (what `eth_call` views see), as bigint. */
export async function latest(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** Asserts the PositionModified event of `tx` carries the model's numbers. */
export async function expectTradeEvent(
  engine: ICrossmargin,
  tx: Promise<ContractTransactionResponse> | ContractTransactionResponse,
  account: bigint,
  marketId: number,
  sizeDelta: bigint,
  r: M.TradeResult,
): Promise<void> {
  await expect(tx)
    .to.emit(engine, "PositionModified")
    .withArgs(
      account,
      marketId,
      sizeDelta,
      r.newPosition.size,
      r.fill,
      r.fee,
      r.pnl,
      r.funding,
      r.quoteDelta,
      r.indexNow,
    );
}

/** Asserts the chain's market states, pool balance and the world's accounts equal the model. */
export async function expectWorld(sys: System, w: World): Promise<void> {
  const { engine } = sys;
  for (const m of w.markets) {
    const st = await engine.getMarketState(m.id);
    const got = toModelState(st);
    expect(got, `market ${m.id} state`).to.deep.equal(m.state);
  }
  expect(await engine.poolBalance(), "poolBalance").to.equal(w.poolBalance);
  for (const [account, a] of w.accounts) {
    const data = await engine.getAccount(account);
    expect(data.quoteBalance, "quoteBalance").to.equal(a.quoteBalance);
    for (const m of w.markets) {
      const p = await engine.getPosition(account, m.id);
      const want = a.positions.get(m.id) ?? M.EMPTY_POSITION;
      expect([p.size, p.entryPrice, p.fundingIndex], `position in market ${m.id}`).to.deep.equal([
        want.size,
        want.entryPrice,
        want.fundingIndex,
      ]);
      const bit = (data.marketMask >> BigInt(m.id)) & 1n;
      expect(bit, `market bit ${m.id}`).to.equal(want.size === 0n ? 0n : 1n);
    }
  }
}

/** Asserts engine.accountHealth / isLiquidatable equal the model at the latest block. */
export async function expectHealth(sys: System, w: World, account: bigint): Promise<WorldHealth> {
  const m = w.health(account, await latest());
  const h = await sys.engine.accountHealth(account);
  expect([h.equity, h.im, h.mm], "equity, IM, MM").to.deep.equal([m.equity, m.IM, m.MM]);
  expect(await sys.engine.isLiquidatable(account)).to.equal(m.isLiquidatable);
  return m;
}

/** Asserts engine.poolValue and pool.totalAssets equal the model at the latest block. */
export async function expectPoolValue(sys: System, w: World): Promise<bigint> {
  const value = w.poolValue(await latest());
  expect(await sys.engine.poolValue(), "poolValue").to.equal(value);
  expect(await sys.pool.totalAssets(), "totalAssets").to.equal(value > 0n ? value : 0n);
  return value;
}

/**
 * DESIGN invariant 1 for the quote token: the engine's balance equals the sum of every
 * account's (signed) quote balance plus the pool's ledger, to the wei. Accounts are found
 * from Deposited and PositionModified events.
 */
export async function expectConservation(sys: System): Promise<void> {
  const { engine, quote } = sys;
  const ids = new Set<bigint>();
  for (const e of await engine.queryFilter(engine.filters.Deposited())) ids.add(e.args.account);
  for (const e of await engine.queryFilter(engine.filters.PositionModified()))
    ids.add(e.args.account);
  let sum = 0n;
  let debt = 0n;
  for (const id of ids) {
    const qb = (await engine.getAccount(id)).quoteBalance;
    sum += qb;
    if (qb < 0n) debt -= qb;
  }
  const held = await quote.balanceOf(await engine.getAddress());
  expect(held, "quote held by the engine").to.equal(
    sum + (await engine.poolBalance()) + (await insuranceAccrued(engine)),
  );
  expect(await engine.traderDebt(), "INV-46: traderDebt == sum of negative balances").to.equal(
    debt,
  );
}

/**
 * The raw chain state a liquidation is modelled from (test/helpers/liquidationSnap.ts types it):
 * the account, every market, the collaterals it holds, its pending orders' reserve, the declared
 * offset pairs and its liquidation window, plus the engine's and the fund's quote tokens.
 */
import { toCollateralRisk } from "../../src/chain/to-model";
import { ICrossmarginRisk__factory, MockV3Aggregator__factory } from "../../typechain-types";
import { AccountWindow, CollateralSnap, MarketSnap, Snap, bitsOf } from "./liquidationModel";
import { fundHoldings, insuranceAccrued } from "./fund";
import { OffsetPair, quoteToUsd } from "../../src/model";
import { toModelParams, toModelState } from "../../src/common/market-view";
import type { Env } from "./liquidation";

/** The quote token's decimals in the liquidation tests' deployment (USDC). */
export const QD = 6;

async function feedPrice(address: string, env: Env): Promise<bigint> {
  const feed = MockV3Aggregator__factory.connect(address, env.deployer);
  const [, answer] = await feed.latestRoundData();
  return answer * 10n ** (18n - (await feed.decimals()));
}

/**
 * Raw state of `account` and every market (with the collaterals' risk parameters, the pending
 * orders' reserved IM and the declared offset pairs), plus the engine's and the fund's quote
 * tokens.
 */
export async function snapshot(env: Env, account: bigint): Promise<Snap> {
  const { engine, quote } = env.sys;
  const a = await engine.getAccount(account);
  const markets: MarketSnap[] = [];
  const n = Number(await engine.marketCount());
  for (let id = 0; id < n; id++) {
    const c = await engine.getMarket(id);
    const st = await engine.getMarketState(id);
    const status = Number(c.status);
    markets.push({
      id,
      status,
      price: status === 4 ? c.settlementPrice : await feedPrice(c.feed, env),
      params: toModelParams(c),
      state: toModelState(st),
      maxLiquidationPerWindow: c.maxLiquidationPerWindow,
      liquidationWindow: c.liquidationWindow,
      windowStart: st.windowStart,
      liquidatedInWindow: st.liquidatedInWindow,
    });
  }
  const positions = [];
  for (let id = 0; id < n; id++) {
    if (((a.marketMask >> BigInt(id)) & 1n) === 0n) continue;
    const p = await engine.getPosition(account, id);
    positions.push({
      marketId: id,
      position: { size: p.size, entryPrice: p.entryPrice, fundingIndex: p.fundingIndex },
    });
  }
  const collaterals: CollateralSnap[] = [];
  for (const token of await engine.collateralTokens()) {
    const c = await engine.getCollateral(token);
    if (((a.collateralMask >> c.index) & 1n) === 0n) continue;
    collaterals.push({
      token,
      amount: await engine.collateralBalance(account, token),
      decimals: Number(c.tokenDecimals),
      price: await feedPrice(c.feed, env),
      weight: c.maintenanceWeight,
      discount: c.liquidationDiscount,
      risk: toCollateralRisk(c),
    });
  }
  let ordersIm = 0n;
  for (const id of bitsOf(a.orderMask)) {
    const o = await engine.getOrder(account, id);
    ordersIm += o.reserveUsd + quoteToUsd(o.keeperFee, QD);
  }
  return {
    account,
    quoteDecimals: QD,
    quoteBalance: a.quoteBalance,
    collaterals,
    positions,
    orderMask: a.orderMask,
    ordersIm,
    pairs: await offsetPairs(env),
    markets,
    window: await accountWindow(env, account),
    engineQuote:
      (await quote.balanceOf(await engine.getAddress())) - (await insuranceAccrued(env.sys.engine)),
    fundQuote: await fundHoldings(env.sys),
  };
}

/** The active offset pairs the listed markets belong to (the risk module's `getOffsetPair`). */
export async function offsetPairs(env: Env): Promise<OffsetPair[]> {
  const { engine } = env.sys;
  const risk = ICrossmarginRisk__factory.connect(await engine.getAddress(), engine.runner);
  const ids = new Set<bigint>();
  const n = Number(await engine.marketCount());
  for (let id = 0; id < n; id++) {
    const pairId = (await engine.getMarket(id)).offsetPair;
    if (pairId !== 0n) ids.add(pairId);
  }
  const pairs: OffsetPair[] = [];
  for (const pairId of ids) {
    const p = await risk.getOffsetPair(pairId);
    if (p.rate === 0n) continue; // removed: no credit
    const [marketA, marketB] = [Number(p.marketA), Number(p.marketB)];
    pairs.push({ marketA, marketB, rate: p.rate, stressMove: p.stressMove });
  }
  return pairs;
}

/** The account's liquidation window as the engine stores it. */
export async function accountWindow(env: Env, account: bigint): Promise<AccountWindow> {
  const w = await env.sys.engine.getAccountLiquidation(account);
  return {
    start: w.start,
    notionalClosed: w.notionalClosed,
    rewardPaid: w.rewardPaid,
    collateralStart: w.collateralStart,
    debtAtStart: w.debtAtStart,
    repaid: w.repaid,
  };
}

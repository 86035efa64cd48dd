/** Delayed orders: a keeper must not be able to cancel a fillable order by starving it of gas. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { MockV3Aggregator__factory } from "../../../typechain-types";
import { feedAnswer, wad } from "../../../src/common/units";
import {
  OrdersEnv,
  commit,
  eventsOf,
  latestRound,
  loadOrders,
  openInstant,
  px,
  setPrice,
} from "../../helpers/orders";
import { skipUnderCoverage } from "../../helpers/coverage";
import { ETH, groupMarketParams } from "../../../src/common";

/** Lists `n` more markets (price 100, mock feeds) and returns their ids. */
async function addMarkets(env: OrdersEnv, n: number): Promise<number[]> {
  const { engine, deployer } = env;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const feed = await new MockV3Aggregator__factory(deployer).deploy(8, feedAnswer("100"));
    await engine.addMarket(
      groupMarketParams({
        name: `GRIEF-${i}`,
        feed: await feed.getAddress(),
        heartbeat: 86_400,
        skewScale: wad("10000000"),
        makerFee: wad("0.0002"),
        takerFee: wad("0.0006"),
        maxFundingVelocity: wad("9"),
        imrBase: wad("0.02"),
        imrSizeFactor: wad("0.0001"),
        maintenanceScalar: wad("0.5"),
        minPositionMarginUsd: wad("20"),
        maxOpenInterest: wad("1000000"),
        maxOiPoolRatio: wad("5"),
        maxNetExposureRatio: wad("2"),
        maxLiquidationPerWindowUsd: 0n,
        liquidationWindow: 30,
        instantTrading: true,
        minOrderDelay: 2,
        maxOrderAge: 7200,
      }),
      await feed.description(),
    );
    ids.push(Number(await engine.marketCount()) - 1);
  }
  return ids;
}

describe("orders: gas griefing", () => {
  it("settling with too little gas reverts; it never cancels a fillable order", async function () {
    skipUnderCoverage(this); // long stress / gas-limit test: `npm test` runs it
    const env = await loadOrders();
    const { engine, account, keeper } = env;
    // Worst case for the catch path: no keeper fee to transfer, an expensive fill (16 markets
    // to value in the margin check).
    await engine.setLiquidationParams({
      feeRate: wad("0.005"),
      buffer: wad("0.1"),
      minKeeperRewardUsd: wad("5"),
      maxKeeperRewardUsd: wad("1000"),
      closeFactorHfThreshold: wad("0.95"),
      smallDebtUsd: wad("100"),
      orderKeeperFeeUsd: 0n,
      penaltyRate: wad("0.005"),
      accountWindow: 3600n,
    });
    const extra = await addMarkets(env, 13);
    for (const id of [0, 1, 2, ...extra]) {
      await openInstant(env, id, id === 1 ? wad("0.01") : wad("1"));
    }
    expect((await engine.getAccount(account)).marketMask).to.equal((1n << 16n) - 1n);
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T, acceptable: px("4000") });
    await setPrice(env.feeds[ETH], "3010", T + 2n);
    const round = await latestRound(env.feeds[ETH]);
    const full = await engine.connect(keeper).settleOrder.estimateGas(account, ETH, round);
    let outcome = "none";
    for (let gas = 100_000n; gas <= full + 50_000n && outcome === "none"; gas += 4_000n) {
      try {
        const tx = await engine.connect(keeper).settleOrder(account, ETH, round, { gasLimit: gas });
        const cancelled = await eventsOf(env, tx, "OrderCancelled");
        outcome =
          cancelled.length > 0
            ? `cancelled with ${gas} gas: ${ethers.decodeBytes32String(cancelled[0].reason)}`
            : "settled";
      } catch {
        expect((await engine.getOrder(account, ETH)).sizeDelta).to.equal(wad("1"));
      }
    }
    expect(outcome).to.equal("settled");
    expect((await engine.getPosition(account, ETH)).size).to.equal(wad("2"));
  });
});

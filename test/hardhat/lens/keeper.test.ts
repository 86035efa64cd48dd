/** CrossmarginLens keeper views: batchHealth over 50 accounts with a stale market, and
 *  pendingOrders after commitOrder. */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { accountId } from "../../../src/common/accounts";
import { wad } from "../../../src/common/units";
import {
  fillPrice,
  mulUp,
  orderBoundFor,
  orderFee,
  orderReserveFor,
  positionMargin,
  riskHealth,
  skewOf,
} from "../../../src/model";
import { loadSystem } from "../../helpers/fixture";
import {
  MAX_UINT128,
  feedPrice,
  fund,
  fundPool,
  latestTime,
  loadTwoMarketAccount,
  marketParams,
  marketState,
  modelAccount,
  setPrice,
  trade,
} from "../../helpers/lens";
import { ICrossmargin__factory } from "../../../typechain-types";
import { skipUnderCoverage } from "../../helpers/coverage";
import { BTC, ETH, SOL } from "../../../src/common";

const N = 50;

/** 50 sub-accounts of one owner: every fifth trades SOL-PERP, the others ETH-PERP with
 *  leverage growing with the index; one more account id has never been used. */
async function fiftyAccounts() {
  const sys = await loadSystem();
  const [, , , owner] = await hre.ethers.getSigners();
  await fundPool(sys, "2000000");
  const accounts: bigint[] = [];
  for (let i = 0; i < N; i++) {
    const account = await fund(sys, owner, i, { USDC: "1000" });
    if (i % 5 === 0) await trade(sys, owner, account, SOL, wad(String(10 + i)));
    else await trade(sys, owner, account, ETH, wad((0.5 + i * 0.05).toFixed(2)));
    accounts.push(account);
  }
  // A day later every feed but SOL-PERP's has published again: SOL-PERP is stale.
  await time.increase(86_400 + 60);
  await setPrice(sys.marketFeeds[ETH], "2600");
  await setPrice(sys.marketFeeds[BTC], "60000");
  await setPrice(sys.collateralFeeds.WETH, "3000");
  await setPrice(sys.collateralFeeds.WBTC, "60000");
  return { sys, owner, accounts };
}

describe("lens: keeper views", () => {
  describe("batchHealth", () => {
    it("50 accounts, one stale market: ok=false for its accounts, exact figures for the rest", async function () {
      skipUnderCoverage(this); // long stress / gas-limit test: `npm test` runs it
      const { sys, accounts } = await loadFixture(fiftyAccounts);
      const unused = accountId((await hre.ethers.getSigners())[5].address, 0);
      const ids = [...accounts, unused];
      const [ok, equity, mm, liquidatable] = await sys.lens.batchHealth(ids);
      expect(ok.length).to.equal(N + 1);
      let liquidatableCount = 0;
      for (let i = 0; i < N; i++) {
        if (i % 5 === 0) {
          expect(ok[i], `account ${i}`).to.equal(false);
          expect([equity[i], mm[i], liquidatable[i]]).to.deep.equal([0n, 0n, false]);
          continue;
        }
        const m = riskHealth((await modelAccount(sys, accounts[i])).risk);
        expect(ok[i], `account ${i}`).to.equal(true);
        expect(equity[i], `equity ${i}`).to.equal(m.equity);
        expect(mm[i], `mm ${i}`).to.equal(m.mm);
        expect(liquidatable[i], `liquidatable ${i}`).to.equal(m.equity < m.mm);
        if (m.equity < m.mm) liquidatableCount++;
      }
      // The ETH drop to 2600 makes the larger longs liquidatable and leaves the smaller ones.
      expect(liquidatableCount > 0 && liquidatableCount < 40).to.equal(true);
      // An account that never existed is healthy and empty.
      expect([ok[N], equity[N], mm[N], liquidatable[N]]).to.deep.equal([true, 0n, 0n, false]);
      // The engine itself reverts for the stale accounts (which is why the batch catches).
      const oracle = ICrossmargin__factory.connect(
        await sys.engine.getAddress(),
        hre.ethers.provider,
      );
      await expect(sys.engine.accountHealth(accounts[0])).to.be.revertedWithCustomError(
        oracle,
        "OracleStale",
      );
    });

    it("the stale accounts come back once the feed publishes again", async () => {
      const { sys, accounts } = await loadFixture(fiftyAccounts);
      await setPrice(sys.marketFeeds[SOL], "150");
      const [ok, equity, mm] = await sys.lens.batchHealth(accounts);
      expect(ok.every((x) => x)).to.equal(true);
      const m = riskHealth((await modelAccount(sys, accounts[5])).risk);
      expect([equity[5], mm[5]]).to.deep.equal([m.equity, m.mm]);
      expect((await sys.lens.batchHealth([])).ok).to.deep.equal([]);
    });
  });

  describe("pendingOrders", () => {
    async function withOrders() {
      const f = await loadTwoMarketAccount();
      const { sys, trader, account } = f;
      const t0 = await latestTime();
      const engine = sys.engine.connect(trader);
      // 500 USDC more: the SOL order reserves its IM (8.5 % + 20 USD), fee and impact.
      await fund(sys, trader, 0, { USDC: "500" });
      // Close half of the ETH long (reducing) and open SOL (risk-increasing) by delayed orders.
      await (await engine.commitOrder(account, ETH, wad("-5"), 1n, t0 + 600n)).wait();
      const ethCommit = await latestTime();
      await (await engine.commitOrder(account, SOL, wad("20"), MAX_UINT128, t0 + 900n)).wait();
      const solCommit = await latestTime();
      return { ...f, t0, ethCommit, solCommit };
    }

    it("lists each order with its fields; nothing settleable before a new round", async () => {
      const { sys, account, t0, ethCommit, solCommit } = await withOrders();
      const list = await sys.lens.pendingOrders(account);
      expect(list.map((o) => o.marketId)).to.deep.equal([BigInt(ETH), BigInt(SOL)]);
      const [eth, sol] = list;
      expect(eth.order.sizeDelta).to.equal(wad("-5"));
      expect(eth.order.acceptablePrice).to.equal(1n);
      expect(eth.order.commitTime).to.equal(ethCommit);
      expect(eth.order.settlementDeadline).to.equal(t0 + 600n);
      expect(sol.order.sizeDelta).to.equal(wad("20"));
      // a buy's bound is stored on the float grid, rounded down (docs/math.md, "Order storage")
      expect(sol.order.acceptablePrice).to.equal(orderBoundFor(wad("20"), MAX_UINT128));
      expect(sol.order.acceptablePrice < MAX_UINT128).to.equal(true);
      expect(sol.order.commitTime).to.equal(solCommit);
      expect(sol.order.settlementDeadline).to.equal(t0 + 900n);
      // orderKeeperFee 1 USD -> 1 USDC.
      expect(eth.order.keeperFee).to.equal(1_000_000n);
      expect(sol.order.keeperFee).to.equal(1_000_000n);
      for (const o of list) {
        expect([o.settleable, o.cancellable, o.settlementRound]).to.deep.equal([false, false, 0n]);
      }
    });

    it("reserves: SOL's is its IM, fee and impact (model); IM in the summary includes both", async () => {
      const { sys, account } = await withOrders();
      const params = marketParams(sys, SOL);
      const state = await marketState(sys, SOL);
      const price = await feedPrice(sys.marketFeeds[SOL]);
      const size = wad("20");
      const fill = fillPrice(price, skewOf(state), size, params.skewScale);
      const { fee } = orderFee(skewOf(state), size, fill, params.makerFee, params.takerFee);
      const expected = orderReserveFor(
        positionMargin(params, size, price).im + fee + mulUp(size, fill - price),
      );
      const [eth, sol] = await sys.lens.pendingOrders(account);
      expect(sol.order.reserveUsd).to.equal(expected);
      // A reducing order needs no extra IM: only its fee and impact.
      expect(eth.order.reserveUsd < wad("20")).to.equal(true);
      // The positions' IM (offset credit and collateral term included) without the orders.
      const { risk } = await modelAccount(sys, account);
      const m = riskHealth({ ...risk, ordersIm: 0n });
      const keeperUsd = (eth.order.keeperFee + sol.order.keeperFee) * 10n ** 12n;
      const s = await sys.lens.accountSummary(account);
      expect(s.im).to.equal(m.im + eth.order.reserveUsd + sol.order.reserveUsd + keeperUsd);
      expect(s.mm).to.equal(m.mm);
    });

    it("settleable with the first round after minOrderDelay; cancellable after the deadline", async () => {
      const { sys, trader, account, t0 } = await withOrders();
      await time.increase(3); // minOrderDelay is 2 s
      await setPrice(sys.marketFeeds[ETH], "3001");
      const [round] = await sys.marketFeeds[ETH].latestRoundData();
      await setPrice(sys.marketFeeds[ETH], "3002"); // a later round: the first one still settles
      let [eth, sol] = await sys.lens.pendingOrders(account);
      expect([eth.settleable, eth.cancellable, eth.settlementRound]).to.deep.equal([
        true,
        false,
        round,
      ]);
      expect([sol.settleable, sol.settlementRound]).to.deep.equal([false, 0n]);
      // The round the lens names is the one the engine accepts.
      expect(await sys.engine.connect(trader).settleOrder.staticCall(account, ETH, round)).to.equal(
        true,
      );
      await time.increaseTo(t0 + 601n);
      [eth, sol] = await sys.lens.pendingOrders(account);
      expect([eth.settleable, eth.cancellable]).to.deep.equal([false, true]);
      expect([sol.settleable, sol.cancellable]).to.deep.equal([false, false]);
      await (await sys.engine.cancelOrder(account, ETH)).wait();
      const left = await sys.lens.pendingOrders(account);
      expect(left.map((o) => o.marketId)).to.deep.equal([BigInt(SOL)]);
    });
  });
});

/** Risk views and previews (INV-57; docs/math.md, "Risk views"): `accountRisk`, `shockedHealth`
 *  and `shockToLiquidation` against the model (test/helpers/risk-world.ts) to the wei on a book
 *  with collateral, a hedged offset pair and a pending order; the returned shock applied to the
 *  feeds for real; `previewTrade` / `previewWithdraw` against the state the action produces.
 *
 *  Method for previews: a preview depends on the block (funding accrues to its timestamp, the
 *  fill on the block-start skew), so each one is taken with `eth_call` on the *pending* block
 *  after fixing the next block's timestamp; the same action is then sent and mined in exactly
 *  that block (number and timestamp), with nothing mined in between. Feeds are 18-decimal mocks
 *  so that the shocked prices of docs/math.md are representable exactly. */
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { encodeBytes32String as b32 } from "ethers";
import {
  ICrossmarginRisk,
  MockV3Aggregator,
  MockV3Aggregator__factory,
} from "../../../typechain-types";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import { System, loadSystem } from "../../helpers/fixture";
import { MAX_UINT256, fund, fundPool, trade } from "../../helpers/lens";
import { nextTimestamp, usdc } from "../../helpers/trading";
import { World, feedPrice } from "../../helpers/model-world";
import { stateDigest } from "../../helpers/adversarial";
import { modelAccountRisk, readRisk, riskAt, strictHealth } from "../../helpers/risk-world";
import { BTC, ETH, FAR, SOL } from "../../../src/common";

/** Forces a reverting call to be mined at the block timestamp the model used. */
const GAS = { gasLimit: 5_000_000 };
const PENDING = { blockTag: "pending" } as const;

interface Ctx {
  sys: System;
  risk: ICrossmarginRisk;
  trader: HardhatEthersSigner;
  /** 18-decimal feeds of the markets (by id) and of the collaterals (by token address). */
  marketFeeds: MockV3Aggregator[];
  collateralFeeds: Map<string, MockV3Aggregator>;
  /** 5,000 USDC, 1 WETH, 0.05 WBTC; long 30 ETH, short 1.2 BTC (the ETH/BTC pair), long 300
   *  SOL, a pending order of +10 SOL. */
  A: bigint;
  /** 10,000 USDC, 1 WETH; short 0.2 BTC. */
  P: bigint;
  /** 1,000 USDC only. */
  Q: bigint;
}

async function book(): Promise<Ctx> {
  const sys = await loadSystem();
  const { engine } = sys;
  const [deployer, , trader] = await ethers.getSigners();
  await fundPool(sys, "1000000");
  // Same prices, 18 decimals.
  const factory = new MockV3Aggregator__factory(deployer);
  const marketFeeds: MockV3Aggregator[] = [];
  for (let id = 0; id < 3; id++) {
    const m = await engine.getMarket(id);
    const feed = await factory.deploy(18, await feedPrice(sys, m.feed, m.feedDecimals));
    await engine.setMarketFeed(id, await feed.getAddress(), m.heartbeat, await feed.description());
    marketFeeds.push(feed);
  }
  const collateralFeeds = new Map<string, MockV3Aggregator>();
  for (const token of await engine.collateralTokens()) {
    const c = await engine.getCollateral(token);
    const feed = await factory.deploy(18, await feedPrice(sys, c.feed, c.feedDecimals));
    await engine.setCollateralFeed(
      token,
      await feed.getAddress(),
      c.heartbeat,
      await feed.description(),
    );
    collateralFeeds.set(token, feed);
  }
  const A = await fund(sys, trader, 0, { USDC: "5000", WETH: "1", WBTC: "0.05" });
  await trade(sys, trader, A, ETH, wad("30"));
  await trade(sys, trader, A, BTC, -wad("1.2"));
  await trade(sys, trader, A, SOL, wad("300"));
  const deadline = BigInt(await time.latest()) + 3600n;
  await engine.connect(trader).commitOrder(A, SOL, wad("10"), wad("1000"), deadline);
  const P = await fund(sys, trader, 1, { USDC: "10000", WETH: "1" });
  await trade(sys, trader, P, BTC, -wad("0.2"));
  const Q = await fund(sys, trader, 2, { USDC: "1000" });
  await time.increase(1800); // funding accrues
  return { sys, risk: await riskAt(sys, trader), trader, marketFeeds, collateralFeeds, A, P, Q };
}

const healthOf = (h: { equity: bigint; im: bigint; mm: bigint }) => [h.equity, h.im, h.mm];
const zeroState = [0n, 0n, 0n, 0n, 0n, false];
const previewState = (p: ICrossmarginRisk.PreviewStructOutput) => [
  p.fillPrice,
  p.fee,
  p.equity,
  p.im,
  p.mm,
  p.liquidatable,
];

/** Sends every transaction of `sends` into one block mined at `timestamp`. */
async function inOneBlock(timestamp: bigint, sends: (() => Promise<unknown>)[]): Promise<void> {
  const p = hre.network.provider;
  await p.request({ method: "evm_setAutomine", params: [false] });
  try {
    for (const s of sends) await s();
    await time.setNextBlockTimestamp(timestamp);
    await p.request({ method: "evm_mine", params: [] });
  } finally {
    await p.request({ method: "evm_setAutomine", params: [true] });
  }
}

/** Moves every feed the account reads by `shock` as docs/math.md defines it, in a block at
 *  `now`: longs and collateral `mulDown(p, WAD - x)`, shorts `mulUp(p, WAD + x)`. */
async function shockFeeds(c: Ctx, account: bigint, shock: bigint, now: bigint): Promise<void> {
  const s = await readRisk(c.sys, account, now);
  const sends: (() => Promise<unknown>)[] = [];
  for (const p of s.model.positions) {
    const price = p.position.size < 0n ? M.shockUp(p.price, shock) : M.shockDown(p.price, shock);
    sends.push(() => c.marketFeeds[p.marketId].updateAnswer(price, GAS));
  }
  s.model.collaterals.forEach((col, i) => {
    const feed = c.collateralFeeds.get(s.tokens[i])!;
    sends.push(() => feed.updateAnswer(M.shockDown(col.price, shock), GAS));
  });
  await inOneBlock(now, sends);
}

/** The decoded revert data of a failed preview. */
function previewError(c: Ctx, p: ICrossmarginRisk.PreviewStructOutput) {
  const e = c.sys.engine.interface.parseError(p.error);
  expect(e, `revert data ${p.error}`).to.not.equal(null);
  return { name: e!.name, args: [...e!.args] };
}

/**
 * A preview of an action that fails margin, then the action: the model's state after (`h`, and
 * a trade's fill and fee) is below IM; the preview has ok false, InsufficientMargin(account,
 * equity, IM) and that state; `send` reverts with the same error.
 */
async function expectMarginFailure(
  c: Ctx,
  p: ICrossmarginRisk.PreviewStructOutput,
  account: bigint,
  h: M.RiskHealth,
  [fill, fee]: [bigint, bigint],
  send: () => Promise<unknown>,
): Promise<void> {
  expect(h.equity).to.be.lt(h.im);
  expect(p.ok).to.equal(false);
  expect(previewError(c, p)).to.deep.equal({
    name: "InsufficientMargin",
    args: [account, h.equity, h.im],
  });
  expect(previewState(p)).to.deep.equal([fill, fee, h.equity, h.im, h.mm, h.equity < h.mm]);
  await expect(send())
    .to.be.revertedWithCustomError(c.sys.engine, "InsufficientMargin")
    .withArgs(account, h.equity, h.im);
}

describe("risk/views", function () {
  this.timeout(300_000);

  describe("accountRisk, shockedHealth, shockToLiquidation", () => {
    it("INV-57: accountRisk equals the model to the wei (collateral, a hedged pair, a pending order)", async () => {
      const c = await loadFixture(book);
      const s = await readRisk(c.sys, c.A);
      const h = strictHealth(s);
      // The book exercises every term: size-scaled collateral, the pair credit, the order.
      expect(h.collateralIm).to.be.gt(0n);
      expect(h.credits.some((x) => x.creditMM > 0n && x.creditIM > 0n)).to.equal(true);
      expect(s.model.ordersIm).to.be.gt(0n);
      const r = await c.risk.accountRisk(c.A);
      const want = modelAccountRisk(s);
      expect({
        equity: r.equity,
        im: r.im,
        mm: r.mm,
        buffer: r.buffer,
        bufferRatio: r.bufferRatio,
        marginUtilisation: r.marginUtilisation,
        shockToLiquidation: r.shockToLiquidation,
      }).to.deep.equal(want);
      expect(want.shockToLiquidation).to.be.gt(0n).and.lt(M.WAD);
      expect(await c.risk.shockToLiquidation(c.A)).to.equal(want.shockToLiquidation);
      expect(healthOf(await c.sys.engine.accountHealth(c.A))).to.deep.equal(healthOf(h));
    });

    it("INV-57: shockedHealth(account, x) equals riskHealth(account, {shock: x}); x > 1 reverts ParameterOutOfBounds", async () => {
      const c = await loadFixture(book);
      const s = await readRisk(c.sys, c.A);
      for (const x of [0n, 1n, wad("0.001"), wad("0.05"), wad("0.2"), wad("0.5"), M.WAD]) {
        const got = await c.risk.shockedHealth(c.A, x);
        expect(healthOf(got), `shock ${x}`).to.deep.equal(healthOf(strictHealth(s, x)));
      }
      await expect(c.risk.shockedHealth(c.A, M.WAD + 1n))
        .to.be.revertedWithCustomError(c.sys.engine, "ParameterOutOfBounds")
        .withArgs(b32("shock"), M.WAD + 1n, 0, M.WAD);
    });

    it("INV-57: shockToLiquidation is 0 for a liquidatable account and max uint256 for quote only", async () => {
      const c = await loadFixture(book);
      const [, , , other] = await ethers.getSigners();
      expect(await c.risk.shockToLiquidation(c.Q)).to.equal(MAX_UINT256);
      expect(M.shockToLiquidation(await readRisk(c.sys, c.Q).then((s) => s.model))).to.equal(
        M.UINT256_MAX,
      );
      const L = await fund(c.sys, other, 0, { USDC: "500" });
      await trade(c.sys, other, L, SOL, wad("30"));
      await c.marketFeeds[SOL].updateAnswer(wad("140"));
      expect(await c.sys.engine.isLiquidatable(L)).to.equal(true);
      const s = await readRisk(c.sys, L);
      expect(M.shockToLiquidation(s.model)).to.equal(0n);
      expect(await c.risk.shockToLiquidation(L)).to.equal(0n);
      const r = await c.risk.accountRisk(L);
      expect([r.shockToLiquidation, r.buffer]).to.deep.equal([0n, modelAccountRisk(s).buffer]);
      expect(r.buffer).to.be.lt(0n);
    });

    it("INV-57: moving every price by the returned shock makes the account liquidatable, by shock - 1 not; health then equals shockedHealth", async () => {
      const c = await loadFixture(book);
      const now = await nextTimestamp();
      const x = await c.risk.shockToLiquidation(c.A, PENDING);
      expect(x).to.equal(M.shockToLiquidation((await readRisk(c.sys, c.A, now)).model));
      for (const [shock, liquidatable] of [
        [x, true],
        [x - 1n, false],
      ] as const) {
        const snap = await takeSnapshot();
        await time.setNextBlockTimestamp(now);
        const want = await c.risk.shockedHealth(c.A, shock, PENDING);
        await shockFeeds(c, c.A, shock, now);
        expect(BigInt(await time.latest())).to.equal(now);
        expect(await c.sys.engine.isLiquidatable(c.A), `shock ${shock}`).to.equal(liquidatable);
        expect(healthOf(await c.sys.engine.accountHealth(c.A))).to.deep.equal(healthOf(want));
        await snap.restore();
      }
    });
  });

  describe("previewTrade", () => {
    it("INV-57: opening, increasing, reducing and flipping previews equal the trade's event, accountHealth and the model in the same block", async () => {
      const c = await loadFixture(book);
      const { engine } = c.sys;
      for (const d of [wad("5"), wad("3"), -wad("4"), -wad("8")]) {
        const now = await nextTimestamp();
        const model = (await World.read(c.sys, [c.P])).trade(c.P, ETH, d, now);
        const p = await c.risk.previewTrade.staticCall(c.P, ETH, d, PENDING);
        const rc = await (
          await engine.connect(c.trader).modifyPosition(c.P, ETH, d, d > 0n ? MAX_UINT256 : 1n, FAR)
        ).wait();
        expect(rc!.blockNumber).to.equal(await ethers.provider.getBlockNumber());
        const ev = rc!.logs
          .map((l) => engine.interface.parseLog(l))
          .find((l) => l?.name === "PositionModified")!;
        expect([p.ok, p.error]).to.deep.equal([true, "0x"]);
        expect([p.fillPrice, p.fee], `fill, fee of ${d}`).to.deep.equal([
          ev.args.fillPrice,
          ev.args.fee,
        ]);
        expect([p.fillPrice, p.fee]).to.deep.equal([model.fill, model.fee]);
        expect(healthOf(p), `state after ${d}`).to.deep.equal(
          healthOf(await engine.accountHealth(c.P)),
        );
        expect(healthOf(p)).to.deep.equal(healthOf(strictHealth(await readRisk(c.sys, c.P, now))));
        expect(p.liquidatable).to.equal(await engine.isLiquidatable(c.P));
      }
      expect((await engine.getPosition(c.P, ETH)).size).to.equal(-wad("4"));
    });

    it("INV-57: a trade failing margin: ok false, InsufficientMargin decoded, the state after as the model and the real revert", async () => {
      const c = await loadFixture(book);
      const d = wad("10");
      const now = await nextTimestamp();
      const w = await World.read(c.sys, [c.Q]);
      const r = w.trade(c.Q, ETH, d, now);
      const h = M.riskHealth(w.riskAccount(c.Q, now));
      const p = await c.risk.previewTrade.staticCall(c.Q, ETH, d, PENDING);
      await expectMarginFailure(c, p, c.Q, h, [r.fill, r.fee], () =>
        c.sys.engine.connect(c.trader).modifyPosition(c.Q, ETH, d, MAX_UINT256, FAR, GAS),
      );
    });

    it("INV-57: a trade in a paused market: ok false, MarketPaused, zero state", async () => {
      const c = await loadFixture(book);
      await c.sys.engine.setMarketStatus(SOL, 3);
      const p = await c.risk.previewTrade.staticCall(c.P, SOL, wad("1"));
      expect(p.ok).to.equal(false);
      expect(previewError(c, p)).to.deep.equal({ name: "MarketPaused", args: [BigInt(SOL)] });
      expect(previewState(p)).to.deep.equal(zeroState);
      await expect(
        c.sys.engine.connect(c.trader).modifyPosition(c.P, SOL, wad("1"), MAX_UINT256, FAR),
      )
        .to.be.revertedWithCustomError(c.sys.engine, "MarketPaused")
        .withArgs(SOL);
    });
  });

  describe("previewWithdraw", () => {
    async function expectWithdrawPreview(c: Ctx, token: string, amount: bigint): Promise<void> {
      const { engine } = c.sys;
      const now = await nextTimestamp();
      const p = await c.risk.previewWithdraw.staticCall(c.A, token, amount, PENDING);
      await expect(engine.connect(c.trader).withdraw(c.A, token, amount, c.trader.address))
        .to.emit(engine, "Withdrawn")
        .withArgs(c.A, token, c.trader.address, amount);
      expect([p.ok, p.error, p.fillPrice, p.fee]).to.deep.equal([true, "0x", 0n, 0n]);
      expect(healthOf(p)).to.deep.equal(healthOf(await engine.accountHealth(c.A)));
      expect(healthOf(p)).to.deep.equal(healthOf(strictHealth(await readRisk(c.sys, c.A, now))));
      expect(p.liquidatable).to.equal(false);
    }

    async function expectWithdrawFails(c: Ctx, token: string, amount: bigint): Promise<void> {
      const now = await nextTimestamp();
      // The model's state after: the balance debited, every other input as on chain.
      const s = await readRisk(c.sys, c.A, now);
      const i = s.tokens.indexOf(token);
      if (i < 0) s.model.quoteBalance -= amount;
      else s.model.collaterals[i].amount -= amount;
      const p = await c.risk.previewWithdraw.staticCall(c.A, token, amount, PENDING);
      await expectMarginFailure(c, p, c.A, strictHealth(s), [0n, 0n], () =>
        c.sys.engine.connect(c.trader).withdraw(c.A, token, amount, c.trader.address, GAS),
      );
    }

    it("INV-57: quote: a withdrawal that passes equals the real one's state; one that fails margin gives InsufficientMargin and the state after; one above the balance InsufficientBalance and zero state", async () => {
      const c = await loadFixture(book);
      const quote = await c.sys.quote.getAddress();
      await expectWithdrawPreview(c, quote, usdc("100"));
      const balance = (await c.sys.engine.getAccount(c.A)).quoteBalance;
      await expectWithdrawFails(c, quote, balance);
      const p = await c.risk.previewWithdraw.staticCall(c.A, quote, balance + 1n);
      expect(previewError(c, p)).to.deep.equal({
        name: "InsufficientBalance",
        args: [c.A, quote, balance, balance + 1n],
      });
      expect([p.ok, ...previewState(p)]).to.deep.equal([false, ...zeroState]);
    });

    it("INV-57: collateral: a withdrawal that passes equals the real one's state; one that fails margin gives InsufficientMargin and the state after", async () => {
      const c = await loadFixture(book);
      const weth = await c.sys.collaterals.WETH.getAddress();
      await expectWithdrawPreview(c, weth, wad("0.1"));
      await expectWithdrawFails(c, weth, await c.sys.engine.collateralBalance(c.A, weth));
    });
  });

  it("INV-57: previews sent as transactions change nothing (engine storage, markets, accounts, token balances)", async () => {
    const c = await loadFixture(book);
    const quote = await c.sys.quote.getAddress();
    const weth = await c.sys.collaterals.WETH.getAddress();
    const before = await stateDigest(c.sys, [c.trader.address]);
    const sends = [
      () => c.risk.previewTrade(c.P, ETH, wad("5")),
      () => c.risk.previewTrade(c.Q, ETH, wad("10")),
      () => c.risk.previewTrade(c.A, SOL, -wad("300")),
      () => c.risk.previewWithdraw(c.A, quote, usdc("100")),
      () => c.risk.previewWithdraw(c.A, weth, wad("1")),
    ];
    for (const send of sends) {
      const rc = await (await send()).wait();
      expect(rc!.status).to.equal(1);
      const engine = (await c.sys.engine.getAddress()).toLowerCase();
      expect(rc!.logs.filter((l) => l.address.toLowerCase() === engine)).to.deep.equal([]);
    }
    expect(await stateDigest(c.sys, [c.trader.address])).to.deep.equal(before);
  });
});

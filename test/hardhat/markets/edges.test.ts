// Market edges: unknown market ids in views, the market count bound, a settled market's
// governance and quotes, position sizes beyond int128, a fill price clamped at zero, the
// funding velocity clamped at a skew below -skewScale, and a re-entered setOperatorWithSig.
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import { ReentrantToken__factory } from "../../../typechain-types";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import { listToken, mockFeed } from "../../helpers/adversarial";
import {
  Env,
  MAX_UINT,
  fundQuote,
  loadTrading,
  marketParams,
  nextTimestamp,
  refreshFeeds,
  trade,
  usdc,
} from "../../helpers/trading";
import { expectConservation } from "../../helpers/model-world";
import { modelParams, modelState } from "../../helpers/orders";
import { ETH, FAR, MarketStatus } from "../../../src/common";

/** AdminLogic.MAX_MARKETS. */
const MAX_MARKETS = 64;

describe("markets: edges", () => {
  let env: Env;

  beforeEach(async () => {
    env = await loadTrading();
    await refreshFeeds(env);
  });

  it("views of an unknown market id revert UnknownMarket", async () => {
    const id = Number(await env.engine.marketCount());
    await expect(env.engine.marketPrice(99))
      .to.be.revertedWithCustomError(env.engine, "UnknownMarket")
      .withArgs(99);
    await expect(env.engine.currentFunding(id))
      .to.be.revertedWithCustomError(env.engine, "UnknownMarket")
      .withArgs(id);
    await expect(env.engine.quoteTrade(id, wad("1")))
      .to.be.revertedWithCustomError(env.engine, "UnknownMarket")
      .withArgs(id);
  });

  it("setMarketFeed writes only the feed, heartbeat and decimals (the rest of the slot is kept)", async () => {
    // ETH-PERP has an offset pair; restrict it so that status and instantTrading differ from
    // their defaults too.
    await env.engine.setMarketStatus(ETH, MarketStatus.ReduceOnly);
    await env.engine.setMarketOrderParams(ETH, {
      instantTrading: false,
      minOrderDelay: 2,
      maxOrderAge: 7200,
    });
    const before = await env.engine.getMarket(ETH);
    expect(before.offsetPair).to.not.equal(0n);
    const feed = await mockFeed(env.admin, 18, wad("3000"), "ETH / USD");
    await expect(env.engine.setMarketFeed(ETH, feed.target, 120, "ETH / USD"))
      .to.emit(env.engine, "MarketFeedSet")
      .withArgs(ETH, feed.target, 120, 18);
    const after = await env.engine.getMarket(ETH);
    expect([after.feed, after.heartbeat, after.feedDecimals]).to.deep.equal([
      feed.target,
      120n,
      18n,
    ]);
    // feed, heartbeat and feedDecimals are MarketConfig's first three fields.
    expect([...after].slice(3)).to.deep.equal([...before].slice(3));
    expect(after.status).to.equal(BigInt(MarketStatus.ReduceOnly));
    expect(after.instantTrading).to.equal(false);
  });

  it(`INV-23: at most ${MAX_MARKETS} markets (TooManyMarkets)`, async () => {
    const feed = env.marketFeeds[ETH];
    const addr = await feed.getAddress();
    const description = await feed.description();
    const p = (id: number) => marketParams(addr, { name: `M-${id}` });
    for (let id = Number(await env.engine.marketCount()); id < MAX_MARKETS; id++) {
      await env.engine.addMarket(p(id), description);
    }
    expect(await env.engine.marketCount()).to.equal(BigInt(MAX_MARKETS));
    await expect(env.engine.addMarket(p(MAX_MARKETS), description))
      .to.be.revertedWithCustomError(env.engine, "TooManyMarkets")
      .withArgs(MAX_MARKETS);
    expect(await env.engine.marketCount()).to.equal(BigInt(MAX_MARKETS));
  });

  it("INV-20: a settled market cannot change status or be settled again; quotes fill at the settlement price, fee-free", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("50000"));
    await trade(env, alice, a, ETH, wad("5"));
    const price = wad("3100");
    await expect(env.engine.settleMarket(ETH, price))
      .to.emit(env.engine, "MarketStatusSet")
      .withArgs(ETH, MarketStatus.Settled, price);
    await expect(env.engine.settleMarket(ETH, 0))
      .to.be.revertedWithCustomError(env.engine, "InvalidStatus")
      .withArgs(ETH, MarketStatus.Settled);
    for (const status of [1, 2, 3]) {
      await expect(env.engine.setMarketStatus(ETH, status))
        .to.be.revertedWithCustomError(env.engine, "InvalidStatus")
        .withArgs(ETH, status);
    }
    expect((await env.engine.getMarket(ETH)).status).to.equal(BigInt(MarketStatus.Settled));
    // No price impact and no fee at settlement, whatever the size.
    expect(await env.engine.quoteTrade(ETH, -wad("5"))).to.deep.equal([price, 0n]);
    expect(await env.engine.quoteTrade(ETH, wad("1000000"))).to.deep.equal([price, 0n]);
    expect(await env.lens.fillPrice(ETH, -wad("5"))).to.deep.equal([price, 0n]);

    // Trading parameters may still change; no funding is recorded (the feed is not even read).
    const before = await modelState(env.engine, ETH);
    await time.increase(3 * 86_400); // the feed is now stale
    const c = await env.engine.getMarket(ETH);
    await expect(
      env.engine.setMarketTradingParams(ETH, {
        skewScale: c.skewScale,
        makerFee: 0,
        takerFee: 0,
        maxFundingVelocity: c.maxFundingVelocity,
      }),
    )
      .to.emit(env.engine, "MarketTradingParamsSet")
      .withArgs(ETH, [c.skewScale, 0, 0, c.maxFundingVelocity]);
    expect(await modelState(env.engine, ETH)).to.deep.equal(before);
    // Closing still works at the settlement price.
    await env.engine.connect(alice).modifyPosition(a, ETH, -wad("5"), 1n, FAR);
    expect((await env.engine.getPosition(a, ETH)).size).to.equal(0n);
    await refreshFeeds(env);
    await expectConservation(env);
  });

  it("a size beyond int128 reverts SizeOverflow on either side", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("1000"));
    for (const delta of [1n << 127n, -(1n << 127n)]) {
      await expect(
        env.engine
          .connect(alice)
          .modifyPosition(a, ETH, delta, delta > 0n ? MAX_UINT : 1n, FAR, { gasLimit: 5e6 }),
      )
        .to.be.revertedWithCustomError(env.engine, "SizeOverflow")
        .withArgs(delta);
    }
    expect((await env.engine.getAccount(a)).marketMask).to.equal(0n);
  });

  it("INV-18: the fill price of a sale beyond twice the skew scale is clamped at 0 (and so is its fee)", async () => {
    const p = await modelParams(env.engine, ETH);
    const price = wad("3000");
    const size = -3n * p.skewScale;
    // p * (1 + (0 + size / 2) / skewScale) = p * (1 - 1.5) < 0
    expect(M.fillPrice(price, 0n, size, p.skewScale)).to.be.lt(0n);
    expect(await env.engine.quoteTrade(ETH, size)).to.deep.equal([0n, 0n]);
    // Just inside the bound the fill stays positive and follows the model.
    const inside = -2n * p.skewScale + wad("2");
    const fill = M.fillPrice(price, 0n, inside, p.skewScale);
    expect(fill).to.be.gt(0n);
    const fee = M.orderFee(0n, inside, fill, p.makerFee, p.takerFee).fee;
    expect(await env.engine.quoteTrade(ETH, inside)).to.deep.equal([fill, fee]);
  });

  it("INV-18: funding velocity is clamped at -maxFundingVelocity when skew < -skewScale", async () => {
    const [bob] = env.users;
    const b = await fundQuote(env, bob, usdc("200000"));
    await trade(env, bob, b, ETH, -wad("15"));
    const c = await env.engine.getMarket(ETH);
    // A skew scale of 10 ETH: the skew of -15 ETH is 1.5 scales.
    const small = wad("10");
    await env.engine.setMarketTradingParams(ETH, {
      skewScale: small,
      makerFee: c.makerFee,
      takerFee: c.takerFee,
      maxFundingVelocity: c.maxFundingVelocity,
    });
    const p = { ...(await modelParams(env.engine, ETH)), skewScale: small };
    expect(M.fundingVelocity(-wad("15"), small, p.maxFundingVelocity)).to.equal(
      -p.maxFundingVelocity,
    );
    for (const dt of [3600n, 86_400n]) {
      await time.increase(Number(dt));
      await refreshFeeds(env);
      const st = await modelState(env.engine, ETH);
      const now = await nextTimestamp();
      const want = M.recordFunding(st, p, wad("3000"), now);
      // Same parameters again: only records the funding accrued up to now.
      await env.engine.setMarketTradingParams(ETH, {
        skewScale: small,
        makerFee: c.makerFee,
        takerFee: c.takerFee,
        maxFundingVelocity: c.maxFundingVelocity,
      });
      const got = await modelState(env.engine, ETH);
      expect([got.fundingRate, got.fundingIndex, got.lastFundingTime]).to.deep.equal([
        want.fundingRate,
        want.fundingIndex,
        now,
      ]);
      expect(got.fundingRate - st.fundingRate).to.equal(
        (-p.maxFundingVelocity * (now - st.lastFundingTime)) / 86_400n,
      );
    }
  });

  it("INV-24: setOperatorWithSig re-entered from a collateral's transfer hook reverts; the signature stays unused", async () => {
    const [alice, op] = env.users;
    const ree = await new ReentrantToken__factory(env.admin).deploy();
    const t = await ree.getAddress();
    await listToken(env, t, { price: "100", weight: "0.9" });
    await ree.mint(alice.address, wad("10"));
    await ree.connect(alice).approve(await env.engine.getAddress(), MaxUint256);
    const acct = (BigInt(alice.address) << 8n) | 0n;
    const deadline = BigInt(await time.latest()) + 3600n;
    const nonce = await env.engine.nonces(acct);
    const { chainId } = await ethers.provider.getNetwork();
    const domain = {
      name: "Crossmargin",
      version: "1",
      chainId,
      verifyingContract: await env.engine.getAddress(),
    };
    const types = {
      SetOperator: [
        { name: "account", type: "uint256" },
        { name: "operator", type: "address" },
        { name: "approved", type: "bool" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    };
    const sig = await alice.signTypedData(domain, types, {
      account: acct,
      operator: op.address,
      approved: true,
      nonce,
      deadline,
    });
    const data = env.engine.interface.encodeFunctionData("setOperatorWithSig", [
      acct,
      op.address,
      true,
      nonce,
      deadline,
      sig,
    ]);
    await ree.arm(await env.engine.getAddress(), data, true);
    await expect(env.engine.connect(alice).deposit(0, t, wad("10"))).to.be.revertedWithCustomError(
      env.engine,
      "ReentrancyGuardReentrantCall",
    );
    expect(await env.engine.nonces(acct)).to.equal(nonce);
    expect(await env.engine.isOperator(acct, op.address)).to.equal(false);
    expect(await env.engine.collateralBalance(acct, t)).to.equal(0n);
    // The same signature, sent directly, is valid.
    await env.engine.connect(op).setOperatorWithSig(acct, op.address, true, nonce, deadline, sig);
    expect(await env.engine.isOperator(acct, op.address)).to.equal(true);
    expect(await env.engine.nonces(acct)).to.equal(nonce + 1n);
  });
});

// INV-45: the pool's net exposure per market (|skew| * price) is capped at a multiple of the
// pool's balance. Per-side OI caps alone let one side run up to 5x the pool (the crash simulation
// saw 4.77x net); expected numbers come from the model (World.netExposure), never the chain.
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import {
  Env,
  MAX_UINT,
  fundQuote,
  loadTrading,
  nextTimestamp,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, expectConservation, expectWorld } from "../../helpers/model-world";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { commit, fund, latestRound, loadOrders, openInstant, setPrice } from "../../helpers/orders";
import { ETH, FAR } from "../../../src/common";

describe("markets: net exposure limit (INV-45)", () => {
  let env: Env;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let a: bigint;
  let b: bigint;
  let c: bigint;

  beforeEach(async () => {
    env = await loadTrading();
    [alice, bob, carol] = env.users;
    a = await fundQuote(env, alice, usdc("900000"));
    b = await fundQuote(env, bob, usdc("900000"));
    c = await fundQuote(env, carol, usdc("900000"));
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  async function setRatio(ratio: bigint): Promise<void> {
    const m = await env.engine.getMarket(ETH);
    await expect(
      env.engine.setMarketLimits(ETH, {
        maxOpenInterest: m.maxOpenInterest,
        maxOiPoolRatio: m.maxOiPoolRatio,
        maxNetExposureRatio: ratio,
        maxLiquidationPerWindowUsd: m.maxLiquidationPerWindow,
        liquidationWindow: m.liquidationWindow,
      }),
    )
      .to.emit(env.engine, "MarketLimitsSet")
      .withArgs(ETH, [
        m.maxOpenInterest,
        m.maxOiPoolRatio,
        ratio,
        m.maxLiquidationPerWindow,
        m.liquidationWindow,
      ]);
  }

  /** Expects the model to refuse the trade and the engine to revert with the model's numbers. */
  async function expectRefused(
    user: HardhatEthersSigner,
    account: bigint,
    sizeDelta: bigint,
  ): Promise<M.NetExposure> {
    const w = await World.read(env, [account]);
    const now = await nextTimestamp();
    const oldSize = w.position(account, ETH).size;
    w.trade(account, ETH, sizeDelta, now);
    const net = w.netExposure(ETH, oldSize, sizeDelta);
    expect(net.applies && !net.ok, "model refuses").to.equal(true);
    const before = await World.read(env, [account]);
    await expect(
      env.engine
        .connect(user)
        .modifyPosition(account, ETH, sizeDelta, sizeDelta > 0n ? MAX_UINT : 1n, FAR),
    )
      .to.be.revertedWithCustomError(env.engine, "NetExposureExceeded")
      .withArgs(ETH, net.netNotional, net.cap);
    await expectWorld(env, before); // nothing changed
    return net;
  }

  it("the local default is 2x; a trade taking |skew| * price above 2x the pool balance reverts (per-side caps alone allow 5x)", async () => {
    expect((await env.engine.getMarket(ETH)).maxNetExposureRatio).to.equal(wad("2"));
    // 600 ETH at 3000 = 1.8M USD net long against a ~1M USD pool: within 2x.
    await trade(env, alice, a, ETH, wad("600"));
    // 100 more: 2.1M USD > 2x the pool's balance; the per-side cap (5x) would have let it in.
    const net = await expectRefused(bob, b, wad("100"));
    expect(net.netNotional).to.equal(M.mulUp(wad("700"), wad("3000")));
    expect(net.cap < net.netNotional).to.equal(true);
    const st = await env.engine.getMarketState(ETH);
    expect(st.longOI * 3000n < 5n * (await env.engine.poolBalance()) * 10n ** 12n).to.equal(true);
  });

  it("trades that shrink |skew| are always allowed, even above the cap; flips past it are not", async () => {
    await trade(env, alice, a, ETH, wad("300"));
    await setRatio(wad("0.1")); // cap ~100k USD, far below the 900k open
    await expectRefused(bob, b, wad("1"));
    // Opening a short (risk-increasing) that shrinks the skew: allowed.
    await trade(env, bob, b, ETH, -wad("100"), { others: [a] });
    // Reducing the long: allowed.
    await trade(env, alice, a, ETH, -wad("50"), { others: [b] });
    // Skew is now +150; a short of 320 flips it to -170: |skew| grows and breaks the cap.
    await expectRefused(carol, c, -wad("320"));
    // Down to exactly zero and a little past it (within 0.1x of the pool): allowed.
    await trade(env, carol, c, ETH, -wad("160"), { others: [a, b] });
  });

  it("INV-23: maxNetExposureRatio is set with the other limits, bounded 0.1 .. 10; bad input changes nothing", async () => {
    const m = await env.engine.getMarket(ETH);
    for (const bad of [0n, wad("0.1") - 1n, wad("10") + 1n]) {
      await expect(
        env.engine.setMarketLimits(ETH, {
          maxOpenInterest: m.maxOpenInterest,
          maxOiPoolRatio: m.maxOiPoolRatio,
          maxNetExposureRatio: bad,
          maxLiquidationPerWindowUsd: m.maxLiquidationPerWindow,
          liquidationWindow: m.liquidationWindow,
        }),
      ).to.be.revertedWithCustomError(env.engine, "ParameterOutOfBounds");
    }
    expect((await env.engine.getMarket(ETH)).maxNetExposureRatio).to.equal(wad("2"));
    await setRatio(wad("10"));
    await trade(env, alice, a, ETH, wad("900")); // 2.7M USD: fine at 10x
    await setRatio(wad("0.1"));
    expect((await env.engine.getMarket(ETH)).maxNetExposureRatio).to.equal(wad("0.1"));
  });
});

// Its own block: it runs on the orders fixture, not on the trading env the hooks above check.
describe("markets: net exposure limit on order fills (INV-45)", () => {
  it("an order fill that grows |skew| past the cap is cancelled with NetExposureExceeded; nothing trades", async () => {
    const o = await loadOrders(); // 10M USDC in the pool
    const { engine, account, keeper } = o;
    await fund(o, o.other, usdc("500000"));
    await openInstant(o, ETH, wad("320"), o.other); // 960k USD net long
    const m = await engine.getMarket(ETH);
    // 0.1 x 10M = 1M USD of net skew: 20 more ETH (1.02M USD) is over.
    await engine.setMarketLimits(ETH, {
      maxOpenInterest: m.maxOpenInterest,
      maxOiPoolRatio: m.maxOiPoolRatio,
      maxNetExposureRatio: wad("0.1"),
      maxLiquidationPerWindowUsd: m.maxLiquidationPerWindow,
      liquidationWindow: m.liquidationWindow,
    });
    const T = BigInt(await time.latest()) + 5n;
    await commit(o, ETH, wad("20"), { at: T });
    await setPrice(o.feeds[ETH], "3000", T + 2n);
    const round = await latestRound(o.feeds[ETH]);
    const st0 = await engine.getMarketState(ETH);
    const sel = engine.interface.getError("NetExposureExceeded")!.selector;
    const why = sel.padEnd(66, "0");
    const tx = await engine.connect(keeper).settleOrder(account, ETH, round);
    await expect(tx)
      .to.emit(engine, "OrderCancelled")
      .withArgs(account, ETH, keeper.address, why, anyValue);
    await expect(tx).not.to.emit(engine, "PositionModified");
    const st1 = await engine.getMarketState(ETH);
    expect([st1.longOI, st1.shortOI]).to.deep.equal([st0.longOI, st0.shortOI]);
    expect((await engine.getPosition(account, ETH)).size).to.equal(0n);
  });
});

import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../../src/common/units";
import { groupMarketParams } from "../../../src/common/admin-params";
import { WAD, mulUp } from "../../../src/model";
import {
  BTC,
  ETH,
  Env,
  SOL,
  deposit,
  expectConservation,
  liquidateChecked,
  nextTimestamp,
  setLiquidationParams,
  setMarketPrice,
  setup,
  snapshot,
  trade,
  usdc,
} from "../../helpers/liquidation";
import {
  bufferCloseSize,
  healthAt,
  maxTakerFee,
  penaltyRate,
} from "../../helpers/liquidationModel";
import { skipUnderCoverage } from "../../helpers/coverage";

/** The risk model's health of `account` as the views see it (at the latest block). */
async function modelHealth(env: Env, account: bigint) {
  return healthAt(await snapshot(env, account), BigInt(await time.latest()));
}

/** The view agrees with the model, and returns what the model says. */
async function liquidatable(env: Env, account: bigint): Promise<boolean> {
  const m = await modelHealth(env, account);
  const h = await env.sys.engine.accountHealth(account);
  expect([h.equity, h.mm]).to.deep.equal([m.equity, m.MM]);
  expect(await env.sys.engine.isLiquidatable(account)).to.equal(m.isLiquidatable);
  return m.isLiquidatable;
}

describe("liquidation/positions", () => {
  it("single market: closes the whole position when the buffer needs more than 90 % of it", async () => {
    const env = await setup();
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(10_000));
    await trade(env, t, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2680");
    expect(await liquidatable(env, a)).to.equal(true);

    const { expected } = await liquidateChecked(env, a);
    expect(expected.closes).to.have.length(1);
    expect(expected.closes[0].sizeClosed).to.equal(-wad("30"));
    expect((await env.sys.engine.getAccount(a)).marketMask).to.equal(0n);
    expect(await liquidatable(env, a)).to.equal(false);
  });

  it("partial liquidation brings the account back to MM * (1 + buffer)", async () => {
    const env = await setup();
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(10_000));
    await trade(env, t, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2700");
    expect(await liquidatable(env, a)).to.equal(true);

    // The close size from the documented buffer rule, computed here from the model's health.
    const snap = await snapshot(env, a);
    const now = BigInt(await time.latest()) + 1n;
    const before = healthAt(snap, now);
    const pos = snap.positions[0].position;
    const price = wad("2700");
    const size = bufferCloseSize(
      pos.size,
      price,
      before.positions[0].mm,
      snap.markets[ETH].params.minPositionMargin,
      before.equity - env.liq.minKeeperReward,
      before.MM,
      env.liq.minKeeperReward,
      env.liq,
      6,
      penaltyRate(snap.markets[ETH], env.liq, maxTakerFee(snap)),
    );
    expect(size)
      .to.be.greaterThan(0n)
      .and.lessThan((pos.size * 9n) / 10n);

    await liquidateChecked(env, a);
    const left = (await env.sys.engine.getPosition(a, ETH)).size;
    expect(left).to.equal(pos.size - size);

    // Back above maintenance with the buffer, after the rounding of realised PnL and the fee.
    const after = await modelHealth(env, a);
    const target = mulUp(after.MM, WAD + env.liq.buffer);
    expect(after.equity).to.be.greaterThanOrEqual(target);
    // Exactly on target had the maintenance ratio stayed constant (the rule's assumption). Here
    // it does: imrBase binds (ETH's size factor only above about 11.7M USD of notional), so the
    // real MM is the constant-ratio one up to the rounding of the two notionals.
    expect(before.positions[0].imr).to.equal(snap.markets[ETH].params.imrBase);
    const mmConstant = before.MM - mulUp(mulUp(size, price), before.positions[0].mmr);
    const constantTarget = mulUp(mmConstant, WAD + env.liq.buffer);
    expect(after.equity - constantTarget).to.be.within(-(10n ** 15n), 10n ** 15n);
    expect(after.MM - mmConstant).to.be.within(-2n, 2n);
    expect(await liquidatable(env, a)).to.equal(false);
  });

  it("with a zero buffer the account still ends above maintenance despite rounding", async () => {
    const env = await setup();
    await setLiquidationParams(env, { buffer: 0n });
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(520)); // IM 8,100 * 6 % + 20 = 506
    await trade(env, t, ETH, wad("2.7")); // imrBase binds: the ratio does not fall with size
    await setMarketPrice(env, ETH, "2885");
    expect(await liquidatable(env, a)).to.equal(true);
    const { expected } = await liquidateChecked(env, a);
    expect(expected.closes[0].newSize).to.be.greaterThan(0n); // partial
    const after = await modelHealth(env, a);
    expect(after.isLiquidatable).to.equal(false);
    // Within a few quote units of MM: no more was closed than the rounding needs.
    expect(after.equity - after.MM).to.be.within(0n, 10n ** 13n);
    expect(await liquidatable(env, a)).to.equal(false);
  });

  it("cross market: a gain in one market keeps the account alive; then it doesn't", async () => {
    const env = await setup();
    const [t, lone] = env.traders;
    // The hedge is a SOL short: ETH and BTC form an offset pair, whose credit would lower MM too;
    // this test is about the gain alone.
    const a = await deposit(env, t, usdc(9_000));
    await trade(env, t, ETH, wad("30"));
    await trade(env, t, SOL, -wad("200"));
    // The same ETH position without the SOL hedge.
    const b = await deposit(env, lone, usdc(9_000));
    await trade(env, lone, ETH, wad("30"));

    await setMarketPrice(env, ETH, "2750");
    await setMarketPrice(env, SOL, "134");
    expect(await liquidatable(env, b)).to.equal(true);
    expect(await liquidatable(env, a)).to.equal(false);
    const now = await nextTimestamp();
    const h = healthAt(await snapshot(env, a), now);
    expect(h.credits.every((c) => c.creditMM === 0n)).to.equal(true);
    expect(h.upnl).to.be.lessThan(0n); // ETH loses more than SOL gains, yet equity >= MM
    await expect(env.sys.engine.connect(env.keeper).liquidate(a, 0))
      .to.be.revertedWithCustomError(env.sys.engine, "NotLiquidatable")
      .withArgs(a, h.equity, h.MM);

    // SOL gives back the gain: now the account as a whole is under maintenance.
    await setMarketPrice(env, SOL, "146");
    expect(await liquidatable(env, a)).to.equal(true);
    const snap = await snapshot(env, a);
    const pm = healthAt(snap, BigInt(await time.latest())).positions;
    expect(pm[0].mm).to.be.greaterThan(pm[1].mm); // ETH carries the larger requirement

    const { expected } = await liquidateChecked(env, a);
    expect(expected.closes[0].marketId).to.equal(ETH); // largest requirement first
    expect(await liquidatable(env, a)).to.equal(false);
    await liquidateChecked(env, b);
  });

  it("closes markets in order of maintenance requirement until the buffer is met", async () => {
    const env = await setup();
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(11_000));
    // ETH and BTC on the same side: no offset credit, each market's MM is its own.
    await trade(env, t, SOL, wad("300")); // 45,000 notional
    await trade(env, t, ETH, -wad("10")); // 30,000
    await trade(env, t, BTC, -wad("2")); // 120,000
    await setMarketPrice(env, BTC, "62500");
    await setMarketPrice(env, SOL, "146");
    await setMarketPrice(env, ETH, "3050");
    expect(await liquidatable(env, a)).to.equal(true);

    const snap = await snapshot(env, a);
    const mm = healthAt(snap, BigInt(await time.latest())).positions.map((p) => p.mm);
    expect(mm[BTC]).to.be.greaterThan(mm[SOL]);
    expect(mm[SOL]).to.be.greaterThan(mm[ETH]);
    const { expected } = await liquidateChecked(env, a);
    const order = expected.closes.map((c) => c.marketId);
    expect(order).to.deep.equal([BTC, SOL, ETH].slice(0, order.length));
    expect(order.length).to.be.greaterThan(1);
    expect(await liquidatable(env, a)).to.equal(false);
  });

  it("a healthy account reverts NotLiquidatable and nothing changes", async () => {
    const env = await setup();
    const t = env.traders[0];
    const { engine, quote } = env.sys;
    const a = await deposit(env, t, usdc(10_000));
    await trade(env, t, ETH, wad("10"));
    const before = await snapshot(env, a);
    const now = await nextTimestamp();
    const h = healthAt(before, now);
    expect(h.isLiquidatable).to.equal(false);
    await expect(engine.connect(env.keeper).liquidate(a, 0))
      .to.be.revertedWithCustomError(engine, "NotLiquidatable")
      .withArgs(a, h.equity, h.MM);
    expect(await snapshot(env, a)).to.deep.equal(before);
    expect(await quote.balanceOf(env.keeper.address)).to.equal(0n);

    // An account that never existed: equity 0, MM 0.
    const nobody = BigInt(env.traders[5].address) << 8n;
    await expect(engine.liquidate(nobody, 0))
      .to.be.revertedWithCustomError(engine, "NotLiquidatable")
      .withArgs(nobody, 0, 0);
  });

  it("isLiquidatable and accountHealth agree with the model across a price sweep", async () => {
    const env = await setup();
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(5_000));
    await deposit(env, t, wad("1"), "WETH");
    await trade(env, t, ETH, wad("20"));
    await trade(env, t, SOL, -wad("100"));
    const seen = new Set<boolean>();
    for (const p of ["3000", "2800", "2700", "2640", "2600", "2500"]) {
      await setMarketPrice(env, ETH, p);
      seen.add(await liquidatable(env, a));
    }
    expect([...seen].sort()).to.deep.equal([false, true]);
  });

  it("cancels pending delayed orders", async () => {
    const env = await setup();
    const t = env.traders[0];
    const { engine } = env.sys;
    const a = await deposit(env, t, usdc(10_000));
    await trade(env, t, ETH, wad("30"));
    const deadline = BigInt(await time.latest()) + 600n;
    await engine.connect(t).commitOrder(a, SOL, wad("10"), wad("1000"), deadline);
    await engine.connect(t).commitOrder(a, ETH, -wad("1"), 1n, deadline);
    expect((await engine.getAccount(a)).orderMask).to.equal((1n << 0n) | (1n << 2n));
    await setMarketPrice(env, ETH, "2690");

    const { logs } = await liquidateChecked(env, a);
    const cancelled = logs.filter((l) => l.name === "OrderCancelled");
    expect(cancelled.map((l) => [l.args.caller, l.args.reason, l.args.keeperFee])).to.deep.equal([
      [env.keeper.address, ethers.encodeBytes32String("liquidation"), 0n],
      [env.keeper.address, ethers.encodeBytes32String("liquidation"), 0n],
    ]);
    expect((await engine.getAccount(a)).orderMask).to.equal(0n);
    for (const m of [ETH, SOL]) expect((await engine.getOrder(a, m)).commitTime).to.equal(0n);
    await expect(engine.settleOrder(a, SOL, 1)).to.be.revertedWithCustomError(engine, "NoOrder");
  });

  it("a 1-wei position is liquidated and still pays the keeper the minimum reward", async () => {
    const env = await setup();
    const t = env.traders[0];
    const a = await deposit(env, t, wad("0.01"), "WETH"); // 25.2 USD weighted (0.84)
    await trade(env, t, ETH, 1n);
    expect((await env.sys.engine.getPosition(a, ETH)).size).to.equal(1n);
    await env.sys.collateralFeeds.WETH.updateAnswer(2000n * 10n ** 8n); // 16.8 USD < MM 20
    expect(await liquidatable(env, a)).to.equal(true);

    const { expected } = await liquidateChecked(env, a);
    expect(expected.closes[0].notional).to.equal(3000n); // 1 wei * 3000
    expect(expected.fee!.reward).to.equal(usdc(5)); // minKeeperReward
    expect(expected.badDebt).to.equal(undefined); // the WETH still covers the fee
    expect(await liquidatable(env, a)).to.equal(false);
  });

  it("an account at the position cap (16 positions, 14 markets added) is liquidated in one call", async function () {
    skipUnderCoverage(this); // long stress / gas-limit test: `npm test` runs it
    const env = await setup();
    const { engine } = env.sys;
    const Feed = await ethers.getContractFactory("MockV3Aggregator");
    const base = await engine.getMarket(SOL);
    for (let i = 0; i < 14; i++) {
      const feed = await Feed.deploy(8, 100n * 10n ** 8n);
      await engine.addMarket(
        groupMarketParams({
          name: `EXTRA-${i}`,
          feed: await feed.getAddress(),
          heartbeat: base.heartbeat,
          skewScale: base.skewScale,
          makerFee: base.makerFee,
          takerFee: base.takerFee,
          maxFundingVelocity: base.maxFundingVelocity,
          imrBase: base.imrBase,
          imrSizeFactor: base.imrSizeFactor,
          maintenanceScalar: base.maintenanceScalar,
          minPositionMarginUsd: base.minPositionMargin,
          maxOpenInterest: base.maxOpenInterest,
          maxOiPoolRatio: base.maxOiPoolRatio,
          maxNetExposureRatio: base.maxNetExposureRatio,
          maxLiquidationPerWindowUsd: base.maxLiquidationPerWindow,
          liquidationWindow: base.liquidationWindow,
          instantTrading: true,
          minOrderDelay: base.minOrderDelay,
          maxOrderAge: base.maxOrderAge,
        }),
        await feed.description(),
      );
    }
    expect(await engine.marketCount()).to.equal(17n);
    const t = env.traders[0];
    // IM about 1,550 USD: 6 % (ETH), 4.25 % (BTC) or 8.5 % (SOL and the new markets) of 1,000
    // plus 20 each, less the ETH/BTC pair's credit of 62.5 (the long ETH and short BTC legs
    // take liquidation's paired path too).
    const a = await deposit(env, t, usdc(1_650));
    const prices = ["3000", "60000", "150", ...Array(13).fill("100")];
    for (let m = 0; m < 16; m++) {
      // About 1,000 USD each, alternating sides.
      const size = (wad("1000") * WAD) / wad(prices[m]);
      await trade(env, t, m, m % 2 === 0 ? size : -size);
    }
    expect((await engine.getAccount(a)).marketMask).to.equal((1n << 16n) - 1n);
    await expect(trade(env, t, 16, wad("1")))
      .to.be.revertedWithCustomError(engine, "TooManyPositions")
      .withArgs(a, 16);

    // Every market moves 12 % against the account: 1,920 USD of loss, more than its deposit.
    for (let m = 0; m < 16; m++) {
      const p = wad(prices[m]);
      const moved = m % 2 === 0 ? (p * 88n) / 100n : (p * 112n) / 100n;
      await setMarketPrice(env, m, ethers.formatUnits(moved, 18));
    }
    expect(await liquidatable(env, a)).to.equal(true);
    const h = await modelHealth(env, a);
    expect(h.credits[0].creditMM).to.be.greaterThan(0n); // the ETH/BTC pair's credit
    const { expected, receipt } = await liquidateChecked(env, a);
    expect(expected.closes).to.have.length(16);
    expect(expected.badDebt).to.not.equal(undefined);
    expect(receipt.gasUsed).to.be.lessThan(5_000_000n);
    expect((await engine.getAccount(a)).marketMask).to.equal(0n);
  });

  it("keeps conservation through trades and liquidations of several accounts", async () => {
    const env = await setup();
    const accounts = [];
    for (const [i, t] of env.traders.slice(0, 4).entries()) {
      const a = await deposit(env, t, usdc(5_000 + 1_000 * i));
      await trade(env, t, i % 2 === 0 ? ETH : SOL, i % 2 === 0 ? wad("15") : wad("400"));
      accounts.push(a);
    }
    await expectConservation(env);
    await setMarketPrice(env, ETH, "2700");
    await setMarketPrice(env, SOL, "138");
    let liquidated = 0;
    for (const a of accounts) {
      if (!(await liquidatable(env, a))) continue;
      await liquidateChecked(env, a);
      liquidated++;
    }
    expect(liquidated).to.be.within(1, 3);
    await expectConservation(env);
  });
});

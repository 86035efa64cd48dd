// INV-79 (docs/math.md, "Config page"): every market's config slots 0, 1 and 2 are copied into
// the code of one contract, which trades and margin checks read instead of the slots. The page is at the
// CREATE2 address the version gives, its code is 0x00 then the slots, every writer of the slots
// publishes a new page in the same call, and a check that reads the page decides exactly as the
// slots say: a parameter changed in a market the trade does not touch binds at once.
import { expect } from "chai";
import { ethers } from "hardhat";
import { concat, getCreate2Address, id, keccak256, toBeHex, zeroPadValue } from "ethers";
import { BTC, ETH, FAR, MarketStatus, SOL } from "../../../src/common";
import { wad } from "../../../src/common/units";
import {
  Env,
  MAX_UINT,
  addMarkets,
  expectMarginRevert,
  fundCollateral,
  fundQuote,
  loadTrading,
  marketParams,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, expectConservation, expectHealth } from "../../helpers/model-world";
import { riskAt } from "../../helpers/risk-world";
import { at, field, mapping } from "../../../scripts/bench/layout";
import { traceSteps, stackAt } from "../../helpers/trace";

/** The page's init code (ConfigPage.INIT_CODE), assembled here from its opcodes. */
const INIT_CODE = concat([
  "0x63", // PUSH4
  id("configPageCode()").slice(0, 10),
  "0x5f525f5f6004601c335afa15601b573d5f5f3e3d5ff35b5f5ffd",
]);

describe("markets: config page (INV-79)", () => {
  let env: Env;
  let engine: string;

  beforeEach(async () => {
    env = await loadTrading();
    engine = await env.engine.getAddress();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  /** Sets market `id`'s `imrBase`, keeping its other margin parameters (the deployment's). */
  function setImrBase(id: number, imrBase: bigint) {
    const c = env.config.markets[id];
    return env.engine.setMarketMarginParams(id, {
      imrBase,
      imrSizeFactor: wad(c.imrSizeFactor),
      maintenanceScalar: wad(c.maintenanceScalar),
      minPositionMarginUsd: wad(c.minPositionMargin),
    });
  }

  /** Sets a collateral's initial weight, keeping the rest of its parameters. */
  async function setInitialWeight(token: string, initialWeight: bigint) {
    const c = await env.engine.getCollateral(token);
    return env.engine.setCollateralParams(token, {
      initialWeight,
      maintenanceWeight: c.maintenanceWeight,
      liquidationDiscount: c.liquidationDiscount,
      sizeFactor: c.sizeFactor,
      sizeThreshold: c.sizeThreshold,
      weightFloor: c.weightFloor,
      depositCap: c.depositCap,
    });
  }

  /** The page as docs/math.md lays it out, from storage: `0x00`, the liquidation parameters'
   *  slot 0, each market's config slots 0, 1 and 2, then each collateral's config slot 0 from
   *  the last listed to the first (collateral `j` at `size - 32 (j + 1)`). */
  async function slotWords(): Promise<string> {
    const word = (slot: bigint) => ethers.provider.getStorage(engine, slot);
    const words: string[] = ["0x00", await word(field("liq.0 (rates, keeper rewards, window)"))];
    const n = Number(await env.engine.marketCount());
    for (let m = 0; m < n; m++) {
      const base = at(BigInt(m), mapping("markets"));
      for (const k of [0n, 1n, 2n]) words.push(await word(base + k));
    }
    const k = (await env.engine.collateralTokens()).length;
    for (let j = k - 1; j >= 0; j--)
      words.push(await word(at(BigInt(j), mapping("collateralConfigs"))));
    return concat(words);
  }

  /** The page equals the slots, at the address its version gives. */
  async function expectPage(version: bigint) {
    const page = getCreate2Address(
      engine,
      zeroPadValue(toBeHex(version), 32),
      keccak256(INIT_CODE),
    );
    expect(await env.engine.configPage()).to.deep.equal([version, page]);
    const code = await ethers.provider.getCode(page);
    expect(code, "the page's code is 0x00 and each market's slots 0, 1 and 2").to.equal(
      await slotWords(),
    );
    const raw = await ethers.provider.call({
      to: engine,
      data: id("configPageCode()").slice(0, 10),
    });
    expect(raw, "configPageCode() returns the code raw").to.equal(code);
    return page;
  }

  it("after the listings the page holds the liquidation parameters, every market's slots 0, 1 and 2 and every collateral's slot 0, and running it does nothing", async () => {
    const n = await env.engine.marketCount();
    const { version } = await env.engine.configPage();
    // Each listing publishes once, and the fixture's pair and status settings once more each.
    expect(version).to.be.gte(n);
    const page = await expectPage(version);
    const [alice] = env.users;
    const ret = await alice.call({ to: page, data: "0x12345678" });
    expect(ret).to.equal("0x");
  });

  it("every writer of a slot the page copies (markets, collaterals, liquidation parameters) publishes a new page in the same call; a refused call publishes none", async () => {
    let { version } = await env.engine.configPage();
    const next = async (tx: Promise<unknown>) => {
      version += 1n;
      await expect(tx).to.emit(env.engine, "ConfigPagePublished");
      await expectPage(version);
    };
    await next(env.engine.setMarketStatus(BTC, MarketStatus.ReduceOnly));
    await next(env.engine.setMarketStatus(BTC, MarketStatus.Active));
    await next(setImrBase(BTC, wad("0.25")));
    const p = marketParams(await env.marketFeeds[SOL].getAddress());
    await next(env.engine.setMarketTradingParams(SOL, { ...p.trading, takerFee: wad("0.001") }));
    await next(env.engine.setMarketLimits(SOL, p.limits));
    await next(env.engine.setMarketOrderParams(SOL, { ...p.orders, instantTrading: false }));
    const feed = env.marketFeeds[SOL];
    await next(
      env.engine.setMarketFeed(SOL, await feed.getAddress(), 3600, await feed.description()),
    );
    const risk = await riskAt(env, env.admin);
    const pair = await risk.getOffsetPair(1);
    expect(pair.rate, "the fixture pairs two markets").to.be.gt(0n);
    await next(risk.setOffsetPair(1, 0, 0, 0, 0));
    await next(risk.setOffsetPair(1, pair.marketA, pair.marketB, pair.rate, pair.stressMove));
    // The collaterals' and the liquidation parameters' writers
    const weth = await env.collaterals.WETH.getAddress();
    const { initialWeight } = await env.engine.getCollateral(weth);
    await next(setInitialWeight(weth, initialWeight - wad("0.01")));
    const wethFeed = env.collateralFeeds.WETH;
    await next(
      env.engine.setCollateralFeed(
        weth,
        await wethFeed.getAddress(),
        7200,
        await wethFeed.description(),
      ),
    );
    const [l] = await env.engine.getLiquidationParams();
    await next(
      env.engine.setLiquidationParams({
        feeRate: l.feeRate + 1_000_000_000n,
        buffer: l.buffer,
        minKeeperRewardUsd: l.minKeeperRewardUsd,
        maxKeeperRewardUsd: l.maxKeeperRewardUsd,
        closeFactorHfThreshold: l.closeFactorHfThreshold,
        smallDebtUsd: l.smallDebtUsd,
        orderKeeperFeeUsd: l.orderKeeperFeeUsd,
        penaltyRate: l.penaltyRate,
        accountWindow: l.accountWindow,
      }),
    );
    await addMarkets(env, 1);
    version += 1n;
    await expectPage(version);
    await next(env.engine.settleMarket(SOL, 0));
    // Refused: nothing written, no page.
    await expect(
      env.engine.setMarketStatus(SOL, MarketStatus.Active),
    ).to.be.revertedWithCustomError(env.engine, "InvalidStatus");
    await expect(env.engine.connect(env.users[0]).setMarketStatus(BTC, MarketStatus.ReduceOnly)).to
      .be.reverted;
    expect((await env.engine.configPage()).version).to.equal(version);
    await expectPage(version);
  });

  it("a margin parameter raised in a market the trade does not touch binds the trade's check at once", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("6000"));
    const b = await fundQuote(env, bob, usdc("500000"));
    await trade(env, alice, a, ETH, wad("5"), { others: [b] });
    await trade(env, alice, a, BTC, wad("0.5"), { others: [b] });
    await expectHealth(env, await World.read(env, [a]), a);
    // BTC's initial margin to 60 %: alice's IM passes her equity.
    await setImrBase(BTC, wad("0.6"));
    const h = await expectHealth(env, await World.read(env, [a]), a);
    expect(h.equity, "the new BTC margin binds").to.be.lt(h.IM);
    // An increase in ETH reads BTC from the page: refused by BTC's new margin.
    await expectMarginRevert(env, alice, a, ETH, wad("0.1"), "InsufficientMargin");
    // Back to the listing's margin: the same trade passes.
    await setImrBase(BTC, wad(env.config.markets[BTC].imrBase));
    await trade(env, alice, a, ETH, wad("0.1"), { others: [b] });
    await expectHealth(env, await World.read(env, [a]), a);
  });

  it("a collateral weight lowered binds a check that reads the page at once", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("500"));
    await fundCollateral(env, alice, "WETH", wad("3"));
    const b = await fundQuote(env, bob, usdc("500000"));
    await trade(env, alice, a, ETH, wad("2"), { others: [b] });
    await trade(env, alice, a, BTC, wad("0.1"), { others: [b] });
    await expectHealth(env, await World.read(env, [a]), a);
    // WETH no longer counts for IM: the account misses it.
    await setInitialWeight(await env.collaterals.WETH.getAddress(), 0n);
    const h = await expectHealth(env, await World.read(env, [a]), a);
    expect(h.equity, "the new weight binds").to.be.lt(h.IM);
    await expectMarginRevert(env, alice, a, ETH, wad("0.1"), "InsufficientMargin");
  });

  it("a liquidation of several positions pays the keeper by the liquidation parameters just set", async () => {
    const [alice, bob, keeper] = env.users;
    const a = await fundQuote(env, alice, usdc("1000"));
    const b = await fundQuote(env, bob, usdc("500000"));
    await trade(env, alice, a, ETH, wad("3"), { others: [b] });
    await trade(env, alice, a, BTC, wad("0.15"), { others: [b] });
    const eth = Number(await env.engine.marketPrice(ETH)) / 1e18;
    const btc = Number(await env.engine.marketPrice(BTC)) / 1e18;
    await setMarketPrice(env, ETH, (eth * 0.95).toFixed(2));
    await setMarketPrice(env, BTC, (btc * 0.95).toFixed(2));
    expect(await env.engine.isLiquidatable(a)).to.equal(true);
    // The keeper's reward capped at 1 USD (1e6 USDC units), far below what the rate earns.
    const [l] = await env.engine.getLiquidationParams();
    await env.engine.setLiquidationParams({
      feeRate: l.feeRate,
      buffer: l.buffer,
      minKeeperRewardUsd: 0n,
      maxKeeperRewardUsd: wad("1"),
      closeFactorHfThreshold: l.closeFactorHfThreshold,
      smallDebtUsd: l.smallDebtUsd,
      orderKeeperFeeUsd: l.orderKeeperFeeUsd,
      penaltyRate: l.penaltyRate,
      accountWindow: l.accountWindow,
    });
    const tx = env.engine.connect(keeper).liquidate(a, 0);
    await expect(tx).to.emit(env.engine, "LiquidationFeePaid");
    const receipt = await (await tx).wait();
    const paid = receipt!.logs
      .map((log) => env.engine.interface.parseLog(log))
      .find((e) => e?.name === "LiquidationFeePaid")!;
    expect((paid.args.notionalClosedUsd * l.feeRate) / 10n ** 18n, "the rate earns more").to.be.gt(
      wad("1"),
    );
    expect(paid.args.keeperRewardQuote, "the cap just set").to.equal(usdc("1"));
  });

  it("a paused market the trade does not touch still counts at its price, from the page's status", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("20000"));
    const b = await fundQuote(env, bob, usdc("500000"));
    await trade(env, alice, a, ETH, wad("2"), { others: [b] });
    await trade(env, alice, a, SOL, wad("50"), { others: [b] });
    await env.engine.setMarketStatus(SOL, MarketStatus.Paused);
    await setMarketPrice(env, SOL, "90");
    await expectHealth(env, await World.read(env, [a]), a);
    await trade(env, alice, a, ETH, wad("0.5"), { others: [b] });
    await expectHealth(env, await World.read(env, [a]), a);
  });

  /** The config slots 0..2 of `markets` a transaction read from storage, and the offsets it
   *  copied from the page, in order. */
  async function configReads(hash: string, markets: number[]) {
    const steps = await traceSteps(hash);
    const loads = new Set(steps.filter((s) => s.op === "SLOAD").map((s) => stackAt(s)));
    const slotsRead: string[] = [];
    for (const m of markets) {
      const base = at(BigInt(m), mapping("markets"));
      for (const k of [0n, 1n, 2n])
        if (loads.has(base + k)) slotsRead.push(`market ${m} slot ${k}`);
    }
    const { page } = await env.engine.configPage();
    const copies = steps
      .filter((s) => s.op === "EXTCODECOPY" && stackAt(s) === BigInt(page.toLowerCase()))
      .map((s) => [stackAt(s, 2), stackAt(s, 3)]);
    return { slotsRead, copies };
  }

  /** Market `m`'s words on the page: its offset and a trade's length (slots 0..2) or a check's
   *  (slots 0 and 1). */
  const words = (m: number, n: bigint) => [33n + 96n * BigInt(m), n];

  it("a trade reads its market's slots 0..2 from the page, and its check every market's slots 0 and 1, no config slot", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("50000"));
    const b = await fundQuote(env, bob, usdc("500000"));
    await trade(env, alice, a, BTC, wad("0.2"), { others: [b] });
    await trade(env, alice, a, SOL, wad("20"), { others: [b] });
    const { tx } = await trade(env, alice, a, ETH, wad("1"), { others: [b] });
    const { slotsRead, copies } = await configReads(tx.hash, [ETH, BTC, SOL]);
    expect(slotsRead).to.deep.equal([]);
    const held = [ETH, BTC, SOL].sort((x, y) => x - y);
    expect(copies).to.deep.equal([words(ETH, 96n), ...held.map((m) => words(m, 64n))]);
  });

  it("a one-position account's trade reads the page twice (the trade's words, the check's) and no config slot", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("5000"));
    const b = await fundQuote(env, bob, usdc("500000"));
    const { tx } = await trade(env, alice, a, ETH, wad("1"), { others: [b] });
    const { slotsRead, copies } = await configReads(tx.hash, [ETH]);
    expect(slotsRead).to.deep.equal([]);
    expect(copies).to.deep.equal([words(ETH, 96n), words(ETH, 64n)]);
  });

  it("a cap lowered binds the next trade at once (the trade's caps come from the page)", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("50000"));
    const b = await fundQuote(env, bob, usdc("500000"));
    await trade(env, alice, a, ETH, wad("1"), { others: [b] });
    const m = await env.engine.getMarket(ETH);
    const limits = (maxOpenInterest: bigint) => ({
      maxOpenInterest,
      maxOiPoolRatio: m.maxOiPoolRatio,
      maxNetExposureRatio: m.maxNetExposureRatio,
      maxLiquidationPerWindowUsd: m.maxLiquidationPerWindow,
      liquidationWindow: m.liquidationWindow,
    });
    // The long side after one more unit exceeds the new cap by one wei.
    const longAfter = (await env.engine.getMarketState(ETH)).longOI + wad("1");
    await env.engine.setMarketLimits(ETH, limits(longAfter - 1n));
    await expect(env.engine.connect(alice).modifyPosition(a, ETH, wad("1"), MAX_UINT, FAR))
      .to.be.revertedWithCustomError(env.engine, "OpenInterestCapExceeded")
      .withArgs(ETH, longAfter, longAfter - 1n);
    await env.engine.setMarketLimits(ETH, limits(longAfter));
    await trade(env, alice, a, ETH, wad("1"), { others: [b] });
  });

  it("an id past the last listed market reverts UnknownMarket before the page is read (its offset would fall on the collaterals' words)", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("5000"));
    const n = Number(await env.engine.marketCount());
    for (const m of [n, n + 1, 1000]) {
      await expect(env.engine.connect(alice).modifyPosition(a, m, wad("1"), MAX_UINT, FAR))
        .to.be.revertedWithCustomError(env.engine, "UnknownMarket")
        .withArgs(m);
    }
  });
});

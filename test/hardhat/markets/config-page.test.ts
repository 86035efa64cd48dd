// INV-79 (docs/math.md, "Config page"): every market's config slots 0 and 1 are copied into the
// code of one contract, which margin checks read instead of the slots. The page is at the
// CREATE2 address the version gives, its code is 0x00 then the slots, every writer of the slots
// publishes a new page in the same call, and a check that reads the page decides exactly as the
// slots say: a parameter changed in a market the trade does not touch binds at once.
import { expect } from "chai";
import { ethers } from "hardhat";
import { concat, getCreate2Address, id, keccak256, toBeHex, zeroPadValue } from "ethers";
import { BTC, ETH, MarketStatus, SOL } from "../../../src/common";
import { wad } from "../../../src/common/units";
import {
  Env,
  addMarkets,
  expectMarginRevert,
  fundQuote,
  loadTrading,
  marketParams,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, expectConservation, expectHealth } from "../../helpers/model-world";
import { riskAt } from "../../helpers/risk-world";
import { at, mapping } from "../../../scripts/bench/layout";
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

  /** Config slots 0 and 1 of every listed market, read from storage. */
  async function slotWords(): Promise<string> {
    const n = Number(await env.engine.marketCount());
    const words: string[] = ["0x00"];
    for (let m = 0; m < n; m++) {
      const base = at(BigInt(m), mapping("markets"));
      for (const k of [0n, 1n]) words.push(await ethers.provider.getStorage(engine, base + k));
    }
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
    expect(code, "the page's code is 0x00 and each market's slots 0 and 1").to.equal(
      await slotWords(),
    );
    const raw = await ethers.provider.call({
      to: engine,
      data: id("configPageCode()").slice(0, 10),
    });
    expect(raw, "configPageCode() returns the code raw").to.equal(code);
    return page;
  }

  it("after the listings the page holds every market's slots 0 and 1, and running it does nothing", async () => {
    const n = await env.engine.marketCount();
    const { version } = await env.engine.configPage();
    // Each listing publishes once, and the fixture's pair and status settings once more each.
    expect(version).to.be.gte(n);
    const page = await expectPage(version);
    const [alice] = env.users;
    const ret = await alice.call({ to: page, data: "0x12345678" });
    expect(ret).to.equal("0x");
  });

  it("every writer of a market's slot 0 or 1 publishes a new page in the same call; a refused call publishes none", async () => {
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

  it("a check of several positions reads the other markets' configuration from the page, not their slots", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("50000"));
    const b = await fundQuote(env, bob, usdc("500000"));
    await trade(env, alice, a, BTC, wad("0.2"), { others: [b] });
    await trade(env, alice, a, SOL, wad("20"), { others: [b] });
    const { tx } = await trade(env, alice, a, ETH, wad("1"), { others: [b] });
    const steps = await traceSteps(tx.hash);
    const loads = new Set(steps.filter((s) => s.op === "SLOAD").map((s) => stackAt(s)));
    for (const m of [BTC, SOL]) {
      const base = at(BigInt(m), mapping("markets"));
      expect(loads.has(base), `market ${m} slot 0 read`).to.equal(false);
      expect(loads.has(base + 1n), `market ${m} slot 1 read`).to.equal(false);
    }
    // The traded market's slots are read (the trade needs them), the page once per market.
    const eth = at(BigInt(ETH), mapping("markets"));
    expect(loads.has(eth) && loads.has(eth + 1n)).to.equal(true);
    const { page } = await env.engine.configPage();
    const copies = steps.filter(
      (s) => s.op === "EXTCODECOPY" && stackAt(s) === BigInt(page.toLowerCase()),
    );
    expect(copies.map((s) => stackAt(s, 2))).to.deep.equal([
      1n + 64n * BigInt(BTC),
      1n + 64n * BigInt(SOL),
    ]);
  });

  it("a one-position account's trade reads no page (its market's slots are read by the trade)", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("5000"));
    const b = await fundQuote(env, bob, usdc("500000"));
    const { tx } = await trade(env, alice, a, ETH, wad("1"), { others: [b] });
    const steps = await traceSteps(tx.hash);
    expect(steps.filter((s) => s.op === "EXTCODECOPY")).to.have.length(0);
  });
});

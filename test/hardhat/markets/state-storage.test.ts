// INV-66, INV-67 and INV-74 (docs/math.md, "Market state storage"; docs/gas.md): no slot of a
// listed market's state is ever zero, whatever trades do to the values in it; the pool's balance
// shares one slot with the pause flag, the quote scale and the sequencer settings, and the
// traders' debt one with the market count; writing any of them leaves the others as they were.
import { expect } from "chai";
import { ethers } from "hardhat";
import { ZeroAddress } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, FAR } from "../../../src/common";
import { wad } from "../../../src/common/units";
import {
  Env,
  addMarkets,
  fundCollateral,
  fundQuote,
  loadTrading,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { expectConservation } from "../../helpers/model-world";
import { STATE_SLOTS, decodeHotSlot, field, stateSlot } from "../../../scripts/bench/layout";
import { storageOps } from "../../helpers/trace";

/** The gas of each `SSTORE` a transaction made to `slot` of `address`. */
async function storesTo(hash: string, slot: bigint): Promise<number[]> {
  return (await storageOps(hash, "SSTORE")).filter((w) => w.key === slot).map((w) => w.gas);
}

describe("markets: state storage (INV-66, INV-67, INV-74)", () => {
  let env: Env;

  beforeEach(async () => {
    env = await loadTrading();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  async function stateWords(marketId: number): Promise<bigint[]> {
    const base = stateSlot(BigInt(marketId));
    const engine = await env.engine.getAddress();
    const words: bigint[] = [];
    for (let k = 0n; k < BigInt(STATE_SLOTS.length); k++)
      words.push(BigInt(await ethers.provider.getStorage(engine, base + k)));
    return words;
  }

  async function expectWarm(marketId: number) {
    const st = await env.engine.getMarketState(marketId);
    expect([st.warmOI, st.warmAggregates, st.warmWindow]).to.deep.equal([true, true, true]);
    for (const [k, w] of (await stateWords(marketId)).entries())
      expect(w, `market ${marketId} state slot ${k}`).to.not.equal(0n);
  }

  it("INV-66: listing fills every state slot, and a round trip back to zero open interest keeps them filled", async () => {
    const n = Number(await env.engine.marketCount());
    for (let m = 0; m < n; m++) await expectWarm(m);
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("100000"));
    const b = await fundQuote(env, bob, usdc("100000"));
    await trade(env, alice, a, ETH, wad(2), { others: [b] });
    await trade(env, bob, b, ETH, -wad(1), { others: [a] });
    await time.increase(3600);
    await trade(env, alice, a, ETH, -wad(2), { others: [b] });
    await trade(env, bob, b, ETH, wad(1), { others: [a] });
    const st = await env.engine.getMarketState(ETH);
    expect([st.longOI, st.shortOI]).to.deep.equal([0n, 0n]);
    await expectWarm(ETH);
  });

  it("INV-66: the open interest is read back exactly beside the flag (uint112 per side)", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("1000000"));
    const b = await fundQuote(env, bob, usdc("1000000"));
    await trade(env, alice, a, ETH, wad("3.25"), { others: [b] });
    await trade(env, bob, b, ETH, -wad("1.5"), { others: [a] });
    const [slot0] = await stateWords(ETH);
    const mask = (1n << 112n) - 1n;
    expect(slot0 & mask).to.equal(wad("3.25"));
    expect((slot0 >> 112n) & mask).to.equal(wad("1.5"));
    expect(slot0 >> 224n).to.equal(1n); // warmOI
  });

  it("INV-67: pausing, the sequencer settings and trades write the pool's slot without disturbing its other fields", async () => {
    const engine = await env.engine.getAddress();
    const word = async () =>
      BigInt(
        await ethers.provider.getStorage(
          engine,
          field("poolBalance, quoteScale, paused, sequencer flag, config page"),
        ),
      );
    const fields = async () => ({
      balance: await env.engine.poolBalance(),
      scale: await env.engine.quoteScale(),
      paused: await env.engine.paused(),
      configPage: (await env.engine.configPage()).version,
    });
    const decode = (w: bigint) => {
      const { balance, scale, paused, configPage } = decodeHotSlot(w);
      return { balance, scale, paused, configPage };
    };
    const start = await fields();
    expect(decode(await word())).to.deep.equal(start);
    await env.engine.pause();
    expect(await fields()).to.deep.equal({ ...start, paused: true });
    await env.engine.unpause();
    const feed = await (await ethers.getContractFactory("MockFeed")).deploy(0, "sequencer", 0);
    await env.engine.setSequencer(await feed.getAddress(), 3600);
    await env.engine.setSequencer(ZeroAddress, 0);
    expect(await fields()).to.deep.equal(start);
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("100000"));
    const b = await fundQuote(env, bob, usdc("100000"));
    await trade(env, alice, a, ETH, wad(1), { others: [b] });
    const after = await fields();
    expect(after.balance).to.not.equal(start.balance); // the fee went to the pool
    expect(decode(await word())).to.deep.equal(after);
    expect(after.scale).to.equal(start.scale);
  });

  it("INV-74: the traders' debt shares the market count's slot, so the vault's first debt rewrites a non-zero slot", async () => {
    const engine = await env.engine.getAddress();
    const slot = field("marketCount, traderDebt");
    const decode = async () => {
      const w = BigInt(await ethers.provider.getStorage(engine, slot));
      return { count: w & ((1n << 64n) - 1n), debt: w >> 64n };
    };
    const views = async () => ({
      count: await env.engine.marketCount(),
      debt: await env.engine.traderDebt(),
    });
    const start = await views();
    expect(start.debt).to.equal(0n);
    expect(start.count).to.be.greaterThan(0n);
    expect(await decode()).to.deep.equal(start);
    // B realises a loss against WETH collateral: the vault's first quote debt.
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("100000"));
    const b = await fundCollateral(env, bob, "WETH", wad("10"));
    await trade(env, alice, a, ETH, wad(20), { others: [b] });
    await trade(env, bob, b, ETH, -wad(20), { others: [a] });
    await setMarketPrice(env, ETH, "3200");
    const close = await env.engine.connect(bob).modifyPosition(b, ETH, wad(20), 2n ** 127n, FAR);
    const debt = -(await env.engine.getAccount(b)).quoteBalance;
    expect(debt).to.be.greaterThan(0n);
    expect(await decode()).to.deep.equal({ count: start.count, debt });
    const stores = await storesTo(close.hash, slot);
    expect(stores.length).to.be.greaterThan(0);
    for (const gas of stores) expect(gas).to.be.lessThanOrEqual(2_900);
    // Listing a market writes the count and leaves the debt; repaying the debt leaves the count.
    await addMarkets(env, 1);
    expect(await decode()).to.deep.equal({ count: start.count + 1n, debt });
    await fundQuote(env, bob, debt);
    expect(await decode()).to.deep.equal({ count: start.count + 1n, debt: 0n });
  });
});

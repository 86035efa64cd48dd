// The views an integrator reads: quote scale, the unweighted account value (against the model),
// and market metadata set at listing (name, feed, status) with the name lookup.
import { expect } from "chai";
import { ZeroHash, decodeBytes32String, encodeBytes32String } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../../src/common/units";
import { BTC, ETH, MarketStatus, SOL, accountId } from "../../../src/common";
import {
  Env,
  addMarkets,
  fundCollateral,
  fundQuote,
  loadTrading,
  marketFeed,
  marketParams,
  refreshFeeds,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, expectHealth, latest } from "../../helpers/model-world";

describe("markets: integrator views", () => {
  let env: Env;

  beforeEach(async () => {
    env = await loadTrading();
  });

  it("quoteScale is 10^(18 - quote decimals)", async () => {
    const decimals = await env.quote.decimals();
    expect(await env.engine.quoteScale()).to.equal(10n ** (18n - decimals));
  });

  it("accountValue is the model's unweighted value: collateral at full price, PnL and funding", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("20000"));
    await fundCollateral(env, alice, "WETH", wad("3"));
    await fundQuote(env, bob, usdc("200000"));
    const b = accountId(bob.address, 0);
    await trade(env, bob, b, ETH, -wad("20"));
    await trade(env, alice, a, ETH, wad("10"));
    await trade(env, alice, a, BTC, -wad("0.2"));
    for (const [price, dt] of [
      ["2900", 3600],
      ["3150", 86_400],
    ] as const) {
      await time.increase(dt);
      await refreshFeeds(env);
      await setMarketPrice(env, ETH, price);
      const w = await World.read(env, [a]);
      const now = await latest();
      const value = await env.engine.accountValue(a);
      expect(value).to.equal(w.value(a, now));
      // with every collateral weight below 1, the weighted equity is lower
      const h = await expectHealth(env, w, a);
      expect(h.equity < value).to.equal(true);
    }
  });

  it("accountValue of an empty account is 0, and of a quote-only account its balance", async () => {
    const [, , carol] = env.users;
    const c = await fundQuote(env, carol, usdc("123.456789"));
    expect(await env.engine.accountValue(c)).to.equal(wad("123.456789"));
    expect(await env.engine.accountValue(c + 1n)).to.equal(0n);
  });

  it("marketInfo gives the name, feed and status set at listing; marketIdByName finds it", async () => {
    const names = ["ETH-PERP", "BTC-PERP", "SOL-PERP"];
    for (const [id, name] of [ETH, BTC, SOL].map((id, i) => [id, names[i]] as const)) {
      const info = await env.engine.marketInfo(id);
      expect(decodeBytes32String(info.name)).to.equal(name);
      expect(info.feed).to.equal(await (await marketFeed(env, id)).getAddress());
      expect(info.status).to.equal(MarketStatus.Active);
      expect(await env.engine.marketIdByName(encodeBytes32String(name))).to.equal(BigInt(id));
    }
    const unknown = await env.engine.marketInfo(63);
    expect([unknown.name, unknown.status]).to.deep.equal([ZeroHash, BigInt(MarketStatus.None)]);
    const missing = encodeBytes32String("DOGE-PERP");
    await expect(env.engine.marketIdByName(missing))
      .to.be.revertedWithCustomError(env.engine, "UnknownMarketName")
      .withArgs(missing);
  });

  it("addMarket refuses an empty or taken name (InvalidMarketName) and changes nothing", async () => {
    const [id] = await addMarkets(env, 1);
    const taken = (await env.engine.marketInfo(id)).name;
    const count = await env.engine.marketCount();
    const feed = await (await marketFeed(env, id)).getAddress();
    const description = await (await marketFeed(env, id)).description();
    for (const name of [ZeroHash, taken, encodeBytes32String("ETH-PERP")]) {
      const p = { ...marketParams(feed), name };
      await expect(env.engine.connect(env.admin).addMarket(p, description))
        .to.be.revertedWithCustomError(env.engine, "InvalidMarketName")
        .withArgs(name);
    }
    expect(await env.engine.marketCount()).to.equal(count);
  });
});

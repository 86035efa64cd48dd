// INV-60: a position is one slot. The stored entry and funding index are 57-bit floats rounded
// against the position (the model's entryFor / indexFor, written independently of the
// contract), trades realise against the stored values, and a size beyond int128 reverts.
import { expect } from "chai";
import { ethers } from "hardhat";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import { ETH } from "../../../src/common";
import { FAR } from "../../../src/common";
import {
  Env,
  advance,
  fundQuote,
  loadTrading,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { expectConservation } from "../../helpers/model-world";

const HOUR = 3600;

describe("markets: position storage (INV-60)", () => {
  let env: Env;

  beforeEach(async () => {
    env = await loadTrading();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  async function stored(account: bigint) {
    const p = await env.engine.getPosition(account, ETH);
    return { size: p.size, entryPrice: p.entryPrice, fundingIndex: p.fundingIndex };
  }

  it("a long's entry rounds up to a tick, a short's down; both realise against it", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("1000000"));
    const b = await fundQuote(env, bob, usdc("1000000"));
    // The stored entry is the model's rounding of the impacted fill.
    const long = await trade(env, alice, a, ETH, wad("37.3"), { others: [b] });
    const pa = await stored(a);
    expect(pa.entryPrice).to.equal(M.entryFor(1n, long.r.fill));
    // ETH's fill (~2e21 wei) is above 2^57: rounded up, by at most a relative 2^-56.
    expect(
      pa.entryPrice > long.r.fill && pa.entryPrice - long.r.fill <= long.r.fill >> 56n,
    ).to.equal(true);

    const short = await trade(env, bob, b, ETH, -wad("91.7"), { others: [a] });
    const pb = await stored(b);
    expect(pb.entryPrice).to.equal(M.entryFor(-1n, short.r.fill));
    expect(
      short.r.fill > pb.entryPrice && short.r.fill - pb.entryPrice <= short.r.fill >> 56n,
    ).to.equal(true);

    // The next touch realises PnL from the stored entry (the model's, asserted by `trade`).
    await setMarketPrice(env, ETH, "2213.37");
    const close = await trade(env, alice, a, ETH, -wad("37.3"), { others: [b] });
    expect(close.r.pnl).to.equal(M.sMulFloor(wad("37.3"), close.r.fill - pa.entryPrice));
    expect(await stored(a)).to.deep.equal({ size: 0n, entryPrice: 0n, fundingIndex: 0n });
  });

  it("the funding index rounds down for a long and up for a short", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("1000000"));
    const b = await fundQuote(env, bob, usdc("1000000"));
    await trade(env, alice, a, ETH, wad("400"), { others: [b] });
    await trade(env, bob, b, ETH, -wad("90"), { others: [a] });
    for (let i = 0; i < 4; i++) {
      await advance(env, 5 * HOUR + 333 * i);
      for (const [u, acct, d] of [
        [alice, a, wad("1.1")],
        [bob, b, -wad("2.3")],
      ] as const) {
        const { r } = await trade(env, u, acct, ETH, d, { others: [a, b] });
        const p = await stored(acct);
        expect(p.fundingIndex, "stored index").to.equal(M.indexFor(p.size, r.indexNow));
        if (p.size > 0n) expect(p.fundingIndex).to.be.lte(r.indexNow);
        else expect(p.fundingIndex).to.be.gte(r.indexNow);
      }
    }
  });

  it("the float grid: exact below 2^57, rounded against the position above", () => {
    const big = 2n ** 70n + 12345n; // 71 bits: steps of 2^14 (entry) and 2^15 (signed index)
    expect(M.entryFor(1n, big)).to.equal(2n ** 70n + 2n ** 14n);
    expect(M.entryFor(-1n, big)).to.equal(2n ** 70n);
    expect(M.entryFor(1n, 2n ** 57n - 1n)).to.equal(2n ** 57n - 1n);
    expect(M.indexFor(1n, -big)).to.equal(-(2n ** 70n) - 2n ** 15n);
    expect(M.indexFor(-1n, -big)).to.equal(-(2n ** 70n));
    expect(M.indexFor(-1n, 2n ** 56n - 1n)).to.equal(2n ** 56n - 1n);
  });

  it("attacker: churning a position never earns from the rounding (pnl - funding <= exact)", async () => {
    // Alternating odd-sized buys and sells across blocks and hours: each touch realises PnL and
    // funding against the stored (rounded) entry and index. Against the exact values, the
    // previous fill and index, the account can only have received less.
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("1000000"));
    const b = await fundQuote(env, bob, usdc("1000000"));
    await trade(env, bob, b, ETH, -wad("300"), { others: [a] });
    let { r } = await trade(env, alice, a, ETH, wad("77.777"), { others: [b] });
    let prev = { fill: r.fill, index: r.indexNow, size: r.newPosition.size };
    let actual = 0n;
    let exact = 0n;
    const deltas = ["13.3", "-41.07", "5.5", "-0.003", "29.9", "-17.17", "3.1", "-8.8"];
    for (let i = 0; i < deltas.length; i++) {
      await advance(env, 1800 + 97 * i);
      if (i % 3 === 0) await setMarketPrice(env, ETH, (3000 + 37.13 * i).toFixed(2));
      ({ r } = await trade(env, alice, a, ETH, wad(deltas[i] as string), { others: [b] }));
      actual += r.pnl - r.funding;
      exact +=
        M.sMulFloor(prev.size, r.fill - prev.fill) - M.sMulCeil(prev.size, r.indexNow - prev.index);
      prev = { fill: r.fill, index: r.indexNow, size: r.newPosition.size };
    }
    expect(actual <= exact, `actual ${actual} > exact ${exact}`).to.equal(true);
    // And the rounding is tiny: under a relative 2^-50 of the notional traded.
    expect(exact - actual).to.be.lt(wad("1000") >> 40n);
  });

  it("a size beyond int128 reverts SizeOverflow and changes nothing", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("1000000"));
    const over = 2n ** 127n;
    await expect(env.engine.connect(alice).modifyPosition(a, ETH, over, ethers.MaxUint256, FAR))
      .to.be.revertedWithCustomError(env.engine, "SizeOverflow")
      .withArgs(over);
    expect(await stored(a)).to.deep.equal({ size: 0n, entryPrice: 0n, fundingIndex: 0n });
  });

  it("INV-80: a position's key refuses an account id of 2^168 or more and a market id of 2^88 or more", async () => {
    const tooWide = 1n << 168n;
    await expect(env.engine.getPosition(tooWide, ETH))
      .to.be.revertedWithCustomError(env.engine, "InvalidAccount")
      .withArgs(tooWide);
    const [alice] = env.users;
    const a = (BigInt(alice.address) << 8n) | 0n;
    await expect(env.engine.getPosition(a, 1n << 88n))
      .to.be.revertedWithCustomError(env.engine, "UnknownMarket")
      .withArgs(1n << 88n);
    // The widest pair it keeps reads as an empty position.
    const view = await env.engine.getPosition(tooWide - 1n, (1n << 88n) - 1n);
    expect(view.size).to.equal(0n);
  });
});

// Auto-deleveraging (docs/specs.md INV-49 to INV-52): while the pool's value is below
// floorRatio x its balance, anyone may close part of a profitable position on the side of the
// skew at the oracle price, by no more than the pool needs, for a bounded reward. Expected
// numbers come from the independent model (src/model/adl.ts).
import { expect } from "chai";
import { ethers } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import {
  Env,
  fundQuote,
  loadTrading,
  nextTimestamp,
  provideLiquidity,
  setLimits,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, expectConservation, fundingAt, latest } from "../../helpers/model-world";
import { BTC, ETH } from "../../../src/common";

const PARAMS: M.AdlParams = {
  floorRatio: wad("0.5"),
  rewardRate: wad("0.0001"),
  maxReward: wad("100"),
};

describe("pool: auto-deleveraging (INV-49 to INV-52)", () => {
  let env: Env;
  let keeper: HardhatEthersSigner;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let a: bigint;
  let b: bigint;
  let c: bigint;

  /** The model's (value, balance, needed) at `now`. */
  async function modelNeed(now: bigint) {
    const w = await World.read(env);
    const value = w.poolValue(now);
    return {
      value,
      balance: w.poolBalance,
      needed: M.adlNeeded(value, w.poolBalance, PARAMS.floorRatio),
    };
  }

  /** The model's candidate for `account` in `id` at `now` (equity by the liquidation rule). */
  async function candidate(account: bigint, id: number, now: bigint): Promise<M.AdlCandidate> {
    const w = await World.read(env, [account]);
    const m = w.markets[id];
    const p = w.position(account, id);
    return {
      ...p,
      indexNow: fundingAt(m, now).indexNow,
      price: m.price,
      skew: M.skewOf(m.state),
      makerFee: m.params.makerFee,
      equity: w.health(account, now).equity,
    };
  }

  beforeEach(async () => {
    env = await loadTrading();
    [alice, bob, carol, keeper] = env.users;
    // Alice: long 400 ETH; Bob: long 150 ETH; Carol: short 50 ETH. Skew +500 ETH (1.5M USD,
    // under the 2x net-exposure cap of the 1M pool).
    a = await fundQuote(env, alice, usdc("200000"));
    b = await fundQuote(env, bob, usdc("100000"));
    c = await fundQuote(env, carol, usdc("100000"));
    await trade(env, alice, a, ETH, wad("400"));
    await trade(env, bob, b, ETH, wad("150"));
    await trade(env, carol, c, ETH, -wad("50"));
  });

  it("INV-52: the deployment sets the parameters; bounds and the risk role are enforced", async () => {
    const [floorRatio, rewardRate, maxReward] = (
      await env.engine.queryFilter(env.engine.filters.AdlParamsSet())
    ).at(-1)!.args.params;
    expect([floorRatio, rewardRate, maxReward]).to.deep.equal([
      PARAMS.floorRatio,
      PARAMS.rewardRate,
      PARAMS.maxReward,
    ]);
    const e = env.engine;
    await expect(
      e.connect(alice).setAdlParams({ floorRatio: wad("0.5"), rewardRate: 0, maxRewardUsd: 0 }),
    ).to.be.revertedWithCustomError(e, "AccessControlUnauthorizedAccount");
    const bounds: [bigint, bigint, bigint, string, bigint, bigint, bigint][] = [
      [wad("0.04"), 0n, 0n, "adlFloorRatio", wad("0.04"), wad("0.05"), wad("0.95")],
      [wad("0.96"), 0n, 0n, "adlFloorRatio", wad("0.96"), wad("0.05"), wad("0.95")],
      [wad("0.5"), wad("0.0011"), 0n, "adlRewardRate", wad("0.0011"), 0n, wad("0.001")],
      [wad("0.5"), 0n, wad("1001"), "adlMaxRewardUsd", wad("1001"), 0n, wad("1000")],
    ];
    for (const [f, r, m, name, value, lo, hi] of bounds) {
      await expect(e.setAdlParams({ floorRatio: f, rewardRate: r, maxRewardUsd: m }))
        .to.be.revertedWithCustomError(e, "ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String(name), value, lo, hi);
    }
    await expect(
      e.setAdlParams({ floorRatio: 0, rewardRate: wad("0.001"), maxRewardUsd: wad("1000") }),
    )
      .to.emit(e, "AdlParamsSet")
      .withArgs([0, wad("0.001"), wad("1000")]);
    await expect(e.connect(keeper).autoDeleverage(a, ETH)).to.be.revertedWithCustomError(
      e,
      "AdlDisabled",
    );
  });

  it("INV-49: never while the pool is at or above its floor", async () => {
    await setMarketPrice(env, ETH, "3600"); // +20 %: open profit ~300k of a 1M balance
    const now = await latest();
    const m = await modelNeed(now);
    expect(m.needed).to.equal(0n);
    const [value, balance, needed] = await env.engine.adlNeed();
    expect([value, balance, needed]).to.deep.equal([m.value, m.balance, 0n]);
    const next = await modelNeed(await nextTimestamp());
    await expect(env.engine.connect(keeper).autoDeleverage(a, ETH))
      .to.be.revertedWithCustomError(env.engine, "AdlNotNeeded")
      .withArgs(next.value, next.balance);
  });

  describe("below the floor (ETH 3,000 -> 4,200)", () => {
    beforeEach(async () => {
      await setMarketPrice(env, ETH, "4200");
    });

    it("INV-49/50: closes the named profitable position at the oracle price, by what the pool needs", async () => {
      const now = await nextTimestamp();
      const need = await modelNeed(now);
      expect(need.needed).to.be.greaterThan(0n);
      const cand = await candidate(a, ETH, now);
      expect(M.adlQualifies(cand)).to.equal(true);
      const out = M.adlOutcome(cand, need.needed, PARAMS, 6);
      expect(out.closed).to.be.greaterThan(0n);
      expect(out.closed).to.be.lessThan(cand.size); // partial: only what the pool needs
      const keeperBefore = await env.quote.balanceOf(keeper.address);
      const w = await World.read(env, [a]);
      // Expected quote movement: the whole old position's PnL is realised (entry resets to the
      // oracle price), then the charge.
      const realised = M.toQuoteFloor(M.adlPnl(cand), 6);
      const tx = env.engine.connect(keeper).autoDeleverage(a, ETH);
      await expect(tx)
        .to.emit(env.engine, "AutoDeleveraged")
        .withArgs(
          a,
          ETH,
          keeper.address,
          -out.closed,
          cand.price,
          out.score,
          out.charge,
          out.reward,
          need.value,
          need.balance,
        );
      expect((await env.engine.getPosition(a, ETH)).size).to.equal(cand.size - out.closed);
      expect((await env.engine.getPosition(a, ETH)).entryPrice).to.equal(cand.price);
      expect(await env.quote.balanceOf(keeper.address)).to.equal(keeperBefore + out.reward);
      expect((await env.engine.getAccount(a)).quoteBalance).to.equal(
        w.account(a).quoteBalance + realised - out.charge,
      );
      expect(await env.engine.poolBalance()).to.equal(
        w.poolBalance - realised + out.charge - out.reward,
      );
      // The pool is back at (or just above) its floor: no more ADL needed.
      const [value, balance, needed] = await env.engine.adlNeed();
      expect(needed).to.equal(0n);
      expect(value * wad("1")).to.be.gte(balance * PARAMS.floorRatio);
      await expect(env.engine.connect(keeper).autoDeleverage(b, ETH)).to.be.revertedWithCustomError(
        env.engine,
        "AdlNotNeeded",
      );
      await expectConservation(env);
    });

    it("INV-51: the reduced account stays healthy, and the charge never exceeds the profit closed", async () => {
      const now = await nextTimestamp();
      const cand = await candidate(b, ETH, now);
      const need = await modelNeed(now);
      const out = M.adlOutcome(cand, need.needed, PARAMS, 6);
      await env.engine.connect(keeper).autoDeleverage(b, ETH);
      const h = await env.engine.accountHealth(b);
      expect(h.equity).to.be.gte(h.mm);
      expect(await env.engine.isLiquidatable(b)).to.equal(false);
      expect(M.quoteToUsd(out.charge, 6)).to.be.lte(out.profitClosed);
      expect(out.reward).to.be.lte(out.charge);
    });

    it("INV-50: refuses positions against the skew, in loss, or absent; unknown and settled markets", async () => {
      const e = env.engine.connect(keeper);
      const skew = wad("500");
      await expect(e.autoDeleverage(c, ETH))
        .to.be.revertedWithCustomError(env.engine, "AdlNotOnSkewSide")
        .withArgs(c, ETH, -wad("50"), skew);
      await expect(e.autoDeleverage(a, BTC))
        .to.be.revertedWithCustomError(env.engine, "AdlNotOnSkewSide")
        .withArgs(a, BTC, 0, 0);
      // Dave buys at the new price with impact above the oracle: a long in loss.
      const dave = env.users[4];
      await setLimits(env, ETH, { maxNetExposureRatio: wad("10") });
      const d = await fundQuote(env, dave, usdc("50000"));
      await trade(env, dave, d, ETH, wad("10"));
      const cand = await candidate(d, ETH, await nextTimestamp());
      await expect(e.autoDeleverage(d, ETH))
        .to.be.revertedWithCustomError(env.engine, "AdlNotInProfit")
        .withArgs(d, ETH, M.adlPnl(cand));
      await expect(e.autoDeleverage(a, 99))
        .to.be.revertedWithCustomError(env.engine, "UnknownMarket")
        .withArgs(99);
      await env.engine.settleMarket(ETH, 0);
      await expect(e.autoDeleverage(a, ETH))
        .to.be.revertedWithCustomError(env.engine, "MarketSettled")
        .withArgs(ETH);
    });

    it("INV-52: self-deleveraging never pays: the reward is at most the charge the account pays", async () => {
      // Alice deleverages herself: she receives the reward but pays the charge it comes from.
      const now = await nextTimestamp();
      const cand = await candidate(a, ETH, now);
      const need = await modelNeed(now);
      const out = M.adlOutcome(cand, need.needed, PARAMS, 6);
      const walletBefore = await env.quote.balanceOf(alice.address);
      const w = await World.read(env, [a]);
      await env.engine.connect(alice).autoDeleverage(a, ETH);
      const walletGain = (await env.quote.balanceOf(alice.address)) - walletBefore;
      const accountGain =
        (await env.engine.getAccount(a)).quoteBalance -
        w.account(a).quoteBalance -
        M.toQuoteFloor(M.adlPnl(cand), 6);
      expect(walletGain).to.equal(out.reward);
      expect(walletGain + accountGain).to.be.lte(0n);
      expect(walletGain + accountGain).to.equal(out.reward - out.charge);
    });

    it("INV-50: the keeper's ranking score is the model's, highest first across candidates", async () => {
      const now = await nextTimestamp();
      const ca = await candidate(a, ETH, now);
      const cb = await candidate(b, ETH, now);
      // Alice has 400 ETH on 200k, Bob 150 ETH on 100k: Alice is more leveraged.
      expect(M.adlScore(ca)).to.be.greaterThan(M.adlScore(cb));
      const need = await modelNeed(now);
      await expect(env.engine.connect(keeper).autoDeleverage(a, ETH))
        .to.emit(env.engine, "AutoDeleveraged")
        .withArgs(
          a,
          ETH,
          keeper.address,
          anyValue,
          anyValue,
          M.adlScore(ca),
          anyValue,
          anyValue,
          need.value,
          need.balance,
        );
    });
  });

  it("INV-52 attacker: one party as LP, trader and keeper gains nothing from deleveraging itself, repeatedly; dust earns only dust", async () => {
    // Alice is also an LP and the keeper; Dave holds a dust long.
    await provideLiquidity(env, alice, usdc("200000"));
    const dave = env.users[4];
    const d = await fundQuote(env, dave, usdc("1000"));
    await trade(env, dave, d, ETH, wad("0.001"));
    await setMarketPrice(env, ETH, "4400"); // the larger pool needs a larger move
    const wealth = async () => {
      const h = await env.engine.accountHealth(a);
      const lpValue = await env.pool.convertToAssets(await env.pool.balanceOf(alice.address));
      return (await env.quote.balanceOf(alice.address)) + h.equity / 10n ** 12n + lpValue;
    };
    const before = await wealth();
    let calls = 0;
    for (;;) {
      const [, , needed] = await env.engine.adlNeed();
      if (needed === 0n) break;
      await env.engine.connect(alice).autoDeleverage(a, ETH);
      calls++;
    }
    expect(calls).to.be.greaterThan(0);
    await expect(env.engine.connect(alice).autoDeleverage(a, ETH)).to.be.revertedWithCustomError(
      env.engine,
      "AdlNotNeeded",
    );
    // Funding accrues to the pool meanwhile (Alice's long pays it); one unit per call of rounding.
    expect(await wealth()).to.be.lte(before + BigInt(calls));
    // Dust: with the pool below the floor again, the dust long is closed for a dust reward.
    await setMarketPrice(env, ETH, "5000");
    const now = await nextTimestamp();
    const cand = await candidate(d, ETH, now);
    const out = M.adlOutcome(cand, (await modelNeed(now)).needed, PARAMS, 6);
    // No minimum reward: 1 bp of 5 USD is 0.0005 USDC, out of a charge at least as large.
    expect(out.reward).to.equal(usdc("0.0005"));
    expect(out.reward).to.be.lte(out.charge);
    const keeperBefore = await env.quote.balanceOf(keeper.address);
    await expect(env.engine.connect(keeper).autoDeleverage(d, ETH))
      .to.emit(env.engine, "AutoDeleveraged")
      .withArgs(
        d,
        ETH,
        keeper.address,
        -out.closed,
        cand.price,
        out.score,
        out.charge,
        out.reward,
        anyValue,
        anyValue,
      );
    expect(await env.quote.balanceOf(keeper.address)).to.equal(keeperBefore + out.reward);
    await expectConservation(env);
  });

  it("INV-49: with many small positions, repeated calls stop once the pool is back at the floor", async () => {
    await setMarketPrice(env, ETH, "4500");
    const e = env.engine.connect(keeper);
    let calls = 0;
    for (const acct of [b, a]) {
      const [, , needed] = await env.engine.adlNeed();
      if (needed === 0n) break;
      await e.autoDeleverage(acct, ETH);
      calls++;
    }
    const [value, balance, needed] = await env.engine.adlNeed();
    expect(needed).to.equal(0n);
    expect(value * wad("1")).to.be.gte(balance * PARAMS.floorRatio);
    expect(calls).to.be.within(1, 2);
    await expectConservation(env);
  });
});

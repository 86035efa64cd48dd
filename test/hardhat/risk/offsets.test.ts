/** INV-54: offset pairs (docs/math.md, "Offset pairs"): governance, and hedged books against the
 *  model's `riskHealth` to the wei, the reducing-trade rule, liquidation and attackers. The
 *  deployment's pair 1 is ETH/BTC, rate 0.5, stress move 2 % (deploy/config/risk-params.json). */
import { expect } from "chai";
import { ethers } from "hardhat";
import { CrossmarginRisk__factory, ICrossmarginRisk } from "../../../typechain-types";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import {
  Env,
  addMarkets,
  expectMarginRevert,
  fundQuote,
  loadTrading,
  marketFeed,
  nextTimestamp,
  publishPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { World, latest } from "../../helpers/model-world";
import { expectAccountRisk, healthIf, largest, priceAtGap, riskAt } from "../../helpers/risk-world";
import { BTC, ETH, SOL } from "../../../src/common";

const RATE = wad("0.5");
const STRESS = wad("0.02");
const b32 = ethers.encodeBytes32String;
const usd = (v: bigint) => Number(ethers.formatUnits(v, 18)).toFixed(2);

/** `expectAccountRisk` with each position's own margin (`positionMargin`), by market id. */
async function expectRisk(env: Env, account: bigint) {
  const r = await expectAccountRisk(env, account);
  const legs = r.acc.positions.map((p) => M.positionMargin(p.params, p.position.size, p.price));
  return { ...r, legs };
}

/** `user`'s sub-account 0 with `deposit` USDC and the given positions (market, size). */
async function book(env: Env, user: Env["admin"], deposit: string, legs: [number, string][]) {
  const a = await fundQuote(env, user, usdc(deposit));
  for (const [market, size] of legs) await trade(env, user, a, market, wad(size));
  return a;
}

/** Long 0.5 BTC and short 10 ETH, 30k USD each at the deployment's prices. */
const HEDGED: [number, string][] = [
  [BTC, "0.5"],
  [ETH, "-10"],
];

/** Sets a market's maker fee (risk manager), the rest as it is. */
async function makerFee(env: Env, id: number, fee: bigint): Promise<void> {
  const p = await env.engine.getMarket(id);
  await env.engine.setMarketTradingParams(id, {
    skewScale: p.skewScale,
    makerFee: fee,
    takerFee: p.takerFee,
    maxFundingVelocity: p.maxFundingVelocity,
  });
}

/** The 8-decimal price of `market` where `equity - MM` of `a` first falls below `target` at
 *  the next block's timestamp, and that timestamp. */
async function gapPrice(env: Env, a: bigint, market: number, target: bigint) {
  const now = (await latest()) + 1n;
  return { now, price: priceAtGap(await World.read(env, [a]), a, now, { market }, target) };
}

describe("risk: offset pairs (INV-54)", () => {
  let env: Env;
  let risk: ICrossmarginRisk;

  beforeEach(async () => {
    env = await loadTrading();
    risk = await riskAt(env, env.admin);
  });

  async function pairState(ids: number[], markets: number[]) {
    const out: bigint[][] = [];
    for (const id of ids) out.push([...(await risk.getOffsetPair(id))]);
    for (const m of markets) out.push([(await env.engine.getMarket(m)).offsetPair]);
    return out;
  }

  describe("governance", () => {
    it("INV-54: the deployment declares ETH/BTC as pair 1; only the risk manager may set pairs (AccessControlUnauthorizedAccount)", async () => {
      expect([...(await risk.getOffsetPair(1))]).to.deep.equal([0n, 1n, RATE, STRESS]);
      expect(await pairState([], [ETH, BTC, SOL])).to.deep.equal([[1n], [1n], [0n]]);
      const role = await env.engine.RISK_MANAGER_ROLE();
      expect(await env.engine.hasRole(role, env.admin.address)).to.equal(true);
      const [mallory] = env.users;
      const before = await pairState([1, 2], [ETH, BTC, SOL]);
      for (const args of [
        [2, SOL, ETH, RATE, STRESS],
        [1, ETH, BTC, 0, 0],
      ] as const) {
        await expect(risk.connect(mallory).setOffsetPair(...args))
          .to.be.revertedWithCustomError(env.engine, "AccessControlUnauthorizedAccount")
          .withArgs(mallory.address, role);
      }
      expect(await pairState([1, 2], [ETH, BTC, SOL])).to.deep.equal(before);
      await env.engine.grantRole(role, mallory.address);
      await expect(risk.connect(mallory).setOffsetPair(1, ETH, BTC, wad("0.25"), STRESS))
        .to.emit(env.engine, "OffsetPairSet")
        .withArgs(1, ETH, BTC, wad("0.25"), STRESS);
    });

    it("INV-54: rate <= 0.5 and 0.005 <= stressMove <= 1 (ParameterOutOfBounds, nothing changes); the bounds themselves are accepted", async () => {
      const [m3, m4] = await addMarkets(env, 2);
      const before = await pairState([2], [m3, m4]);
      const cases: [bigint, bigint, string, bigint, bigint, bigint][] = [
        [RATE + 1n, STRESS, "offsetRate", RATE + 1n, 0n, RATE],
        [RATE, wad("0.005") - 1n, "stressMove", wad("0.005") - 1n, wad("0.005"), wad("1")],
        [RATE, wad("1") + 1n, "stressMove", wad("1") + 1n, wad("0.005"), wad("1")],
      ];
      for (const [rate, u, name, value, lo, hi] of cases) {
        await expect(risk.setOffsetPair(2, m3, m4, rate, u))
          .to.be.revertedWithCustomError(env.engine, "ParameterOutOfBounds")
          .withArgs(b32(name), value, lo, hi);
        expect(await pairState([2], [m3, m4])).to.deep.equal(before);
      }
      for (const [rate, u] of [
        [RATE, wad("0.005")],
        [1n, wad("1")],
      ]) {
        await expect(risk.setOffsetPair(2, m3, m4, rate, u))
          .to.emit(env.engine, "OffsetPairSet")
          .withArgs(2, m3, m4, rate, u);
        expect(await pairState([2], [m3, m4])).to.deep.equal([
          [BigInt(m3), BigInt(m4), rate, u],
          [2n],
          [2n],
        ]);
      }
    });

    it("INV-54: InvalidOffsetPair for ids 0 and 33 and the same market twice, UnknownMarket, MarketInOtherPair; id 32 is accepted", async () => {
      const [m3, m4] = await addMarkets(env, 2);
      const all = [ETH, BTC, SOL, m3, m4];
      const before = await pairState([1, 2, 32], all);
      const bad: [number, number, number, string, unknown[]][] = [
        [0, m3, m4, "InvalidOffsetPair", [0, m3, m4]],
        [33, m3, m4, "InvalidOffsetPair", [33, m3, m4]],
        [2, m3, m3, "InvalidOffsetPair", [2, m3, m3]],
        [2, m3, 9, "UnknownMarket", [9]],
        [2, 200, m3, "UnknownMarket", [200]],
        [2, SOL, ETH, "MarketInOtherPair", [ETH, 1]],
        [2, BTC, m3, "MarketInOtherPair", [BTC, 1]],
      ];
      for (const [id, a, b, error, args] of bad) {
        await expect(risk.setOffsetPair(id, a, b, RATE, STRESS))
          .to.be.revertedWithCustomError(env.engine, error)
          .withArgs(...args);
        expect(await pairState([1, 2, 32], all), `${error} ${id}`).to.deep.equal(before);
      }
      await expect(risk.setOffsetPair(32, m3, m4, RATE, STRESS))
        .to.emit(env.engine, "OffsetPairSet")
        .withArgs(32, m3, m4, RATE, STRESS);
      expect((await env.engine.getMarket(m4)).offsetPair).to.equal(32n);
    });

    it("INV-54: removing a pair (rate 0) releases its markets; re-declaring a pair with other markets releases the old ones", async () => {
      const [m3] = await addMarkets(env, 1);
      await expect(risk.setOffsetPair(1, 0, 0, 0, 0))
        .to.emit(env.engine, "OffsetPairSet")
        .withArgs(1, 0, 0, 0, 0);
      expect(await pairState([1], [ETH, BTC])).to.deep.equal([[0n, 0n, 0n, 0n], [0n], [0n]]);
      // Released: ETH may join another pair.
      await expect(risk.setOffsetPair(2, ETH, SOL, RATE, STRESS))
        .to.emit(env.engine, "OffsetPairSet")
        .withArgs(2, ETH, SOL, RATE, STRESS);
      expect(await pairState([], [ETH, SOL])).to.deep.equal([[2n], [2n]]);
      // Pair 2 re-declared on BTC / m3: ETH and SOL are released, BTC and m3 bound.
      await expect(risk.setOffsetPair(2, m3, BTC, wad("0.3"), wad("0.05")))
        .to.emit(env.engine, "OffsetPairSet")
        .withArgs(2, m3, BTC, wad("0.3"), wad("0.05"));
      expect(await pairState([2], [ETH, BTC, SOL, m3])).to.deep.equal([
        [BigInt(m3), 1n, wad("0.3"), wad("0.05")],
        [0n],
        [2n],
        [0n],
        [2n],
      ]);
      await expect(risk.setOffsetPair(1, SOL, ETH, RATE, STRESS))
        .to.emit(env.engine, "OffsetPairSet")
        .withArgs(1, SOL, ETH, RATE, STRESS);
      // The same markets again with another rate: accepted, nothing released.
      await risk.setOffsetPair(1, SOL, ETH, wad("0.1"), STRESS);
      expect(await pairState([1], [ETH, SOL])).to.deep.equal([
        [2n, 0n, wad("0.1"), STRESS],
        [1n],
        [1n],
      ]);
    });

    it("INV-54: setOffsetPair and the views at the module's own address revert NotDelegated", async () => {
      const module = CrossmarginRisk__factory.connect(await env.engine.riskModule(), env.admin);
      await expect(module.setOffsetPair(2, SOL, ETH, RATE, STRESS)).to.be.revertedWithCustomError(
        module,
        "NotDelegated",
      );
      await expect(module.getOffsetPair(1)).to.be.revertedWithCustomError(module, "NotDelegated");
    });
  });

  describe("credit", () => {
    it("INV-54: a hedged book (long BTC, short ETH, 30k USD each) gets IM and MM equal to the model with the pair credit, to the wei (saves about 42 %); a same-sign book and an unpaired one get none", async () => {
      const [h, s, o] = env.users;
      const hedged = await book(env, h, "5000", HEDGED);
      const same = await book(env, s, "5000", [
        [BTC, "0.5"],
        [ETH, "10"],
      ]);
      const unpaired = await book(env, o, "5000", [
        [SOL, "200"],
        [ETH, "-10"],
      ]);

      const { m, legs } = await expectRisk(env, hedged);
      const [eth, btc] = legs;
      const c = m.credits[0];
      const L = M.mulUp(STRESS, M.max(eth.notional, btc.notional));
      const credit = (x: bigint, y: bigint) =>
        M.min(M.mulDown(RATE, 2n * M.min(x, y)), M.max(0n, x + y - L));
      expect(c).to.deep.equal({
        creditIM: credit(eth.im, btc.im),
        creditMM: credit(eth.mm, btc.mm),
        stressLoss: L,
      });
      expect(c.creditMM).to.be.gt(0n);
      expect([m.im, m.mm]).to.deep.equal([
        eth.im + btc.im - c.creditIM,
        eth.mm + btc.mm - c.creditMM,
      ]);
      const pct = (x: bigint, y: bigint) => (Number((x * 10_000n) / y) / 100).toFixed(1);
      console.log(
        `      legs: short 10 ETH (N ${usd(eth.notional)}, im ${usd(eth.im)}, mm ${usd(eth.mm)}), ` +
          `long 0.5 BTC (N ${usd(btc.notional)}, im ${usd(btc.im)}, mm ${usd(btc.mm)}); stress loss ${usd(L)}\n` +
          `      IM ${usd(m.im + c.creditIM)} -> ${usd(m.im)} (-${pct(c.creditIM, m.im + c.creditIM)} %), ` +
          `MM ${usd(m.mm + c.creditMM)} -> ${usd(m.mm)} (-${pct(c.creditMM, m.mm + c.creditMM)} %)`,
      );
      for (const a of [same, unpaired]) {
        const r = await expectRisk(env, a);
        expect(r.m.credits.every((x) => x.creditIM === 0n && x.creditMM === 0n)).to.equal(true);
        expect([r.m.im, r.m.mm]).to.deep.equal([
          r.legs.reduce((t, l) => t + l.im, 0n),
          r.legs.reduce((t, l) => t + l.mm, 0n),
        ]);
      }
    });

    it("INV-54: the hedged book needs less IM: the second leg fails InsufficientMargin without the pair and passes with it", async () => {
      const [u] = env.users;
      const a = await book(env, u, "2200", [[BTC, "0.5"]]);
      await risk.setOffsetPair(1, 0, 0, 0, 0);
      await expectMarginRevert(env, u, a, ETH, -wad("10"), "InsufficientMargin");
      await risk.setOffsetPair(1, ETH, BTC, RATE, STRESS);
      await trade(env, u, a, ETH, -wad("10"));
      const { m } = await expectRisk(env, a);
      expect(m.equity).to.be.gte(m.im);
      expect(m.equity, "short of IM without the credit").to.be.lt(m.im + m.credits[0].creditIM);
    });

    it("INV-54, INV-8: a reducing trade in a paired market whose other leg is held frees no MM: from healthy to below MM it reverts WouldBecomeLiquidatable", async () => {
      const [u] = env.users;
      const a = await book(env, u, "2000", HEDGED);
      // A 1 % maker fee: selling 0.4 BTC (it shrinks the skew) costs about 235 USD.
      await makerFee(env, BTC, wad("0.01"));
      // BTC falls until the account is 100 USD above its MM (the credit keeps MM = ETH's mm).
      const gap = await gapPrice(env, a, BTC, wad("100"));
      expect(await publishPrice(await marketFeed(env, BTC), gap.price)).to.equal(gap.now);
      const now = await nextTimestamp();
      const w = await World.read(env, [a]);
      const before = healthIf(w, a, now);
      expect(before.equity - before.mm).to.be.within(wad("99"), wad("101"));
      const btc = w.markets[BTC];
      const btcMm = (size: string) => M.positionMargin(btc.params, wad(size), btc.price).mm;
      w.trade(a, BTC, -wad("0.4"), now);
      const after = healthIf(w, a, now);
      expect(after.equity).to.be.lt(after.mm);
      expect(after.mm, "the credit falls with the leg: MM does not").to.equal(before.mm);
      // Counting the leg's own MM as freed would call the account liquidatable before.
      expect(before.equity).to.be.lt(after.mm + btcMm("0.5") - btcMm("0.1"));
      const h = await expectMarginRevert(env, u, a, BTC, -wad("0.4"), "WouldBecomeLiquidatable");
      expect([h.equity, h.MM]).to.deep.equal([after.equity, after.mm]);
      // A small reduction that keeps it healthy goes through.
      await trade(env, u, a, BTC, -wad("0.01"));
      const { m } = await expectRisk(env, a);
      expect(m.equity).to.be.gte(m.mm);
    });

    it("INV-54, INV-8: MM before a reducing trade counts the credit it loses, so an account already liquidatable may reduce its larger leg even when the trade costs more than the leg's MM it frees", async () => {
      const [u] = env.users;
      const a = await book(env, u, "2000", HEDGED);
      await makerFee(env, ETH, wad("0.01"));
      const gap = await gapPrice(env, a, BTC, -wad("180"));
      expect(await publishPrice(await marketFeed(env, BTC), gap.price)).to.equal(gap.now);
      const now = await nextTimestamp();
      const w = await World.read(env, [a]);
      const before = healthIf(w, a, now);
      w.trade(a, ETH, wad("2"), now); // buys back 2 ETH: MM 1070 -> 860, 60 USD of fee
      const after = healthIf(w, a, now);
      expect(before.equity, "liquidatable before").to.be.lt(before.mm);
      expect(after.equity, "and after").to.be.lt(after.mm);
      expect(before.equity, "at least the MM after").to.be.gte(after.mm);
      await trade(env, u, a, ETH, wad("2"));
      const h = await env.engine.accountHealth(a);
      expect([h.equity, h.mm]).to.deep.equal([after.equity, after.mm]);
    });

    for (const [market, name, gap] of [
      [BTC, "BTC falls", wad("50")],
      [ETH, "ETH rises", wad("50")],
      [BTC, "BTC falls a little", wad("10")],
    ] as const) {
      it(`INV-54: liquidating a hedged account (${name}) leaves it at or above its real MM (model) or closed, never stopped short by the credit`, async () => {
        const [u, keeper] = env.users;
        const a = await book(env, u, "2000", HEDGED);
        const { price } = await gapPrice(env, a, market, -gap);
        await publishPrice(await marketFeed(env, market), price);
        const before = (await expectRisk(env, a)).m;
        expect(before.equity).to.be.lt(before.mm);
        const rc = await (await env.engine.connect(keeper).liquidate(a, 0n)).wait();
        const paid = rc!.logs
          .map((l) => env.engine.interface.parseLog(l))
          .find((e) => e?.name === "LiquidationFeePaid")!.args;
        const { m, acc } = await expectRisk(env, a);
        expect(acc.positions.length === 0 || m.equity >= m.mm, "restored or closed").to.equal(true);
        const left = acc.positions.map(
          (p) => `${ethers.formatUnits(p.position.size, 18)} in ${p.marketId}`,
        );
        console.log(
          `      ${name}: equity ${usd(before.equity)} < MM ${usd(before.mm)}; closed ` +
            `${usd(paid.notionalClosedUsd)} USD for ${Number(paid.feeQuote) / 1e6} USDC of charges; left ` +
            `${left.join(", ")}: equity ${usd(m.equity)}, MM ${usd(m.mm)} (credit ${usd(m.credits[0].creditMM)})`,
        );
      });
    }
  });

  describe("attackers", () => {
    it("INV-54: a second leg opened to free margin frees none (IM with the credit >= the larger leg's IM); withdrawals are checked at IM with the credit and the closing leg passes", async () => {
      const [u] = env.users;
      const a = await book(env, u, "3000", [[BTC, "0.5"]]);
      const quote = await env.quote.getAddress();
      const w0 = await World.read(env, [a]);
      const t0 = (await latest()) + 1n;
      const at0 = (x: bigint) => healthIf(w0, a, t0, { quoteWithdrawn: x });
      const alone = largest((x) => at0(x).equity >= at0(x).im, w0.account(a).quoteBalance);
      await trade(env, u, a, ETH, -wad("10"));
      const { m, legs } = await expectRisk(env, a);
      expect(m.im).to.be.gte(M.max(legs[0].im, legs[1].im));
      const withdraw = (x: bigint) =>
        env.engine.connect(u).withdraw(a, quote, x, u.address, { gasLimit: 3_000_000 });
      let now = await nextTimestamp();
      let w = await World.read(env, [a]);
      const at = (x: bigint) => healthIf(w, a, now, { quoteWithdrawn: x });
      const hedged = largest((x) => at(x).equity >= at(x).im, w.account(a).quoteBalance);
      expect(hedged, "the hedge frees no margin").to.be.lt(alone);
      await expect(withdraw(hedged + 1n))
        .to.be.revertedWithCustomError(env.engine, "InsufficientMargin")
        .withArgs(a, at(hedged + 1n).equity, at(hedged + 1n).im);
      now = await nextTimestamp();
      w = await World.read(env, [a]);
      const max = largest((x) => at(x).equity >= at(x).im, w.account(a).quoteBalance);
      await withdraw(max);
      // Closing the hedge (a reducing trade) must still pass; the account stays healthy.
      await trade(env, u, a, ETH, wad("10"));
      const end = (await expectRisk(env, a)).m;
      expect(end.equity).to.be.gte(end.mm);
      console.log(
        `      withdrawable: ${usd(alone * 10n ** 12n)} USD with BTC alone, ` +
          `${usd(max * 10n ** 12n)} USD hedged`,
      );
    });

    it("INV-54: a dust hedge leg earns a credit bounded by 2 r min(mm), at most its own requirement: MM and IM never fall below the big leg's", async () => {
      const [u] = env.users;
      const a = await book(env, u, "2000", [[BTC, "0.5"]]);
      const alone = (await expectRisk(env, a)).m;
      await trade(env, u, a, ETH, -wad("0.001"));
      for (const rate of [RATE, wad("0.25")]) {
        if (rate !== RATE) await risk.setOffsetPair(1, ETH, BTC, rate, STRESS);
        const { m, legs } = await expectRisk(env, a);
        const [dust, btc] = legs;
        const c = m.credits[0];
        expect(c.creditMM).to.be.gt(0n);
        expect(c.creditMM).to.equal(M.mulDown(rate, 2n * M.min(dust.mm, btc.mm)));
        expect(c.creditMM).to.be.lte(dust.mm);
        expect(dust.mm, "the dust leg's mm is mostly minPositionMargin").to.be.lt(wad("21"));
        expect(m.mm).to.be.gte(alone.mm);
        expect(m.im).to.be.gte(alone.im);
      }
    });
  });
});

/** Protection by a reserve sub-account (INV-55, INV-56; docs/math.md, "Protection by a reserve
 *  sub-account"): who may attach a reserve and within which bounds; a protected account
 *  survives the move that liquidates its unprotected twin, topped up by exactly the model's
 *  amount; the window cap; reserves that cannot help never block liquidation; the caller's fee
 *  and conservation; keepers and owners gaming the fee. Expected amounts come from the model
 *  (test/helpers/risk-world.ts `modelTopUp`) at the timestamp of the block that runs the call. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { encodeBytes32String as b32 } from "ethers";
import { ICrossmarginRisk, ICrossmarginRisk__factory } from "../../../typechain-types";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import { System, loadSystem } from "../../helpers/fixture";
import { fund, fundPool, setPrice, trade } from "../../helpers/lens";
import { nextTimestamp, refreshFeeds, usdc } from "../../helpers/trading";
import { expectConservation } from "../../helpers/model-world";
import {
  modelTopUp,
  readProtection,
  readRisk,
  riskAt,
  strictHealth,
} from "../../helpers/risk-world";
import { ETH, SOL } from "../../../src/common";

const BUFFER = wad("0.1");
const CAP = usdc("2000");
const HOUR = 3600;
/** Forces a reverting call to be mined at the block timestamp the model used. */
const GAS = { gasLimit: 5_000_000 };

interface Ctx {
  sys: System;
  risk: ICrossmarginRisk;
  keeper: HardhatEthersSigner;
  owner: HardhatEthersSigner;
  twin: HardhatEthersSigner;
  operator: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  /** owner's sub-account 0, protected by R. */
  A: bigint;
  /** owner's sub-account 1: 5,000 USDC. */
  R: bigint;
  /** twin's sub-account 0: A's positions and collateral, unprotected. */
  B: bigint;
}

/** A and B: 2,000 USDC + 0.2 WETH, long 10 ETH at 3,000 each; R protects A (buffer 10 %,
 *  2,000 USDC per hour). */
async function twins(): Promise<Ctx> {
  const sys = await loadSystem();
  const [, , keeper, owner, twin, operator, stranger] = await ethers.getSigners();
  await fundPool(sys, "1000000");
  const A = await fund(sys, owner, 0, { USDC: "2000", WETH: "0.2" });
  const R = await fund(sys, owner, 1, { USDC: "5000" });
  const B = await fund(sys, twin, 0, { USDC: "2000", WETH: "0.2" });
  await trade(sys, owner, A, ETH, wad("10"));
  await trade(sys, twin, B, ETH, wad("10"));
  const risk = await riskAt(sys, owner);
  await (await risk.setProtection(A, 1, BUFFER, CAP, HOUR)).wait();
  return { sys, risk, keeper, owner, twin, operator, stranger, A, R, B };
}

const quoteOf = async (c: Ctx, account: bigint) =>
  (await c.sys.engine.getAccount(account)).quoteBalance;
const usdcOf = (c: Ctx, who: string) => c.sys.quote.balanceOf(who);
const engineUsdc = async (c: Ctx) => c.sys.quote.balanceOf(await c.sys.engine.getAddress());

/** Everything stored for an account: data, positions and orders per market. */
async function accountState(c: Ctx, account: bigint): Promise<unknown[]> {
  const out: unknown[] = [[...(await c.sys.engine.getAccount(account))]];
  for (let id = 0; id < 3; id++) out.push([...(await c.sys.engine.getPosition(account, id))]);
  return out;
}

/**
 * Runs `send` in the next block and checks a top-up of `account` by `caller` against the model
 * at that block: ToppedUp, the account, the reserve, the caller and the engine in tokens,
 * conservation (INV-56). Returns the model's figures.
 */
async function expectTopUp(
  c: Ctx,
  caller: HardhatEthersSigner,
  send: () => Promise<unknown>,
): Promise<Awaited<ReturnType<typeof modelTopUp>>> {
  const now = await nextTimestamp();
  const m = await modelTopUp(c.sys, c.A, now);
  expect(m.ok, `model: top-up ${m.reason}`).to.equal(true);
  const [a0, r0, k0, e0] = [
    await quoteOf(c, c.A),
    await quoteOf(c, m.reserve),
    await usdcOf(c, caller.address),
    await engineUsdc(c),
  ];
  const tx = send();
  await expect(tx)
    .to.emit(c.sys.engine, "ToppedUp")
    .withArgs(c.A, m.reserve, caller.address, m.amount, m.fee);
  await expect(tx).not.to.emit(c.sys.engine, "PositionLiquidated");
  expect(await quoteOf(c, c.A), "account +amount").to.equal(a0 + m.amount);
  expect(await quoteOf(c, m.reserve), "reserve -(amount + fee)").to.equal(r0 - m.amount - m.fee);
  expect((await usdcOf(c, caller.address)) - k0, "caller +fee").to.equal(m.fee);
  expect(e0 - (await engineUsdc(c)), "engine -fee").to.equal(m.fee);
  expect(await c.sys.engine.isLiquidatable(c.A)).to.equal(false);
  // The reserve stays at or above its IM (fresh feeds, initial weights).
  const r = strictHealth(await readRisk(c.sys, m.reserve, now));
  expect(r.equity - r.im).to.be.gte(0n);
  await expectConservation(c.sys);
  return m;
}

/** `liquidate` by the keeper with a reserve that cannot help: positions close, R untouched. */
async function expectLiquidatedAnyway(c: Ctx): Promise<void> {
  const reserve = await accountState(c, c.R);
  const size = (await c.sys.engine.getPosition(c.A, ETH)).size;
  await nextTimestamp();
  const [closed] = await c.sys.engine
    .connect(c.keeper)
    .liquidate.staticCall(c.A, 0, { blockTag: "pending" });
  expect(closed).to.be.gt(0n);
  const tx = c.sys.engine.connect(c.keeper).liquidate(c.A, 0);
  await expect(tx).to.emit(c.sys.engine, "PositionLiquidated");
  await expect(tx).not.to.emit(c.sys.engine, "ToppedUp");
  expect((await c.sys.engine.getPosition(c.A, ETH)).size).to.be.lt(size);
  expect(await accountState(c, c.R), "reserve untouched").to.deep.equal(reserve);
  await expectConservation(c.sys);
}

/** R opens a long of `size` SOL at 150 (the reserve then has IM of its own). */
async function reserveHoldsSol(c: Ctx, size: string): Promise<void> {
  await trade(c.sys, c.owner, c.R, SOL, wad(size));
}

describe("risk/protection", function () {
  this.timeout(300_000);

  describe("setProtection, setTopUpFee", () => {
    it("INV-55: the owner attaches a reserve (ProtectionSet, stored); maxPerWindow 0 detaches", async () => {
      const c = await loadFixture(twins);
      // The flag `liquidate` reads (the account's window slot) follows the protection.
      const flag = async () => (await c.sys.engine.getAccountLiquidation(c.A)).protection;
      expect(await flag()).to.equal(true);
      expect((await c.sys.engine.getAccountLiquidation(c.R)).protection).to.equal(false);
      expect(await readProtection(c.sys, c.A)).to.deep.include({
        enabled: true,
        reserveSub: 1,
        reserve: c.R,
        buffer: BUFFER,
        maxPerWindow: CAP,
        window: BigInt(HOUR),
      });
      await expect(c.risk.setProtection(c.A, 1, wad("1"), 7n, 7 * 86_400))
        .to.emit(c.sys.engine, "ProtectionSet")
        .withArgs(c.A, c.R, wad("1"), 7n, 7 * 86_400);
      await expect(c.risk.setProtection(c.A, 1, wad("5"), 0, 0))
        .to.emit(c.sys.engine, "ProtectionSet")
        .withArgs(c.A, c.R, 0, 0, 0);
      expect((await readProtection(c.sys, c.A)).enabled).to.equal(false);
      expect(await flag()).to.equal(false);
      await expect(c.risk.connect(c.keeper).topUp(c.A))
        .to.be.revertedWithCustomError(c.sys.engine, "NoProtection")
        .withArgs(c.A);
    });

    it("INV-55: an operator of both accounts may attach; an operator of only one, or a stranger, reverts Unauthorized", async () => {
      const c = await loadFixture(twins);
      const { engine } = c.sys;
      const op = (s: HardhatEthersSigner) => c.risk.connect(s);
      await engine.connect(c.owner).setOperator(c.A, c.operator.address, true);
      await expect(op(c.operator).setProtection(c.A, 1, 0, 5n, 60))
        .to.be.revertedWithCustomError(engine, "Unauthorized")
        .withArgs(c.operator.address, c.R);
      await expect(op(c.stranger).setProtection(c.A, 1, 0, 5n, 60))
        .to.be.revertedWithCustomError(engine, "Unauthorized")
        .withArgs(c.stranger.address, c.A);
      // The owner of the reserve alone is not the owner of the account either.
      await expect(op(c.twin).setProtection(c.A, 1, 0, 5n, 60))
        .to.be.revertedWithCustomError(engine, "Unauthorized")
        .withArgs(c.twin.address, c.A);
      await engine.connect(c.owner).setOperator(c.R, c.operator.address, true);
      await expect(op(c.operator).setProtection(c.A, 1, 0, 5n, 60))
        .to.emit(engine, "ProtectionSet")
        .withArgs(c.A, c.R, 0, 5n, 60);
      expect((await readProtection(c.sys, c.A)).maxPerWindow).to.equal(5n);
    });

    it("INV-55: reserve == account reverts InvalidReserve; buffer and window out of bounds revert ParameterOutOfBounds, the bounds themselves pass", async () => {
      const c = await loadFixture(twins);
      const { engine } = c.sys;
      await expect(c.risk.setProtection(c.A, 0, 0, 1n, HOUR))
        .to.be.revertedWithCustomError(engine, "InvalidReserve")
        .withArgs(c.A, 0);
      await expect(c.risk.setProtection(c.A, 1, wad("1") + 1n, 1n, HOUR))
        .to.be.revertedWithCustomError(engine, "ParameterOutOfBounds")
        .withArgs(b32("protectionBuffer"), wad("1") + 1n, 0, wad("1"));
      for (const w of [59, 7 * 86_400 + 1]) {
        await expect(c.risk.setProtection(c.A, 1, 0, 1n, w))
          .to.be.revertedWithCustomError(engine, "ParameterOutOfBounds")
          .withArgs(b32("protectionWindow"), w, 60, 7 * 86_400);
      }
      const before = await readProtection(c.sys, c.A);
      for (const w of [60, 7 * 86_400]) {
        await expect(c.risk.setProtection(c.A, 2, wad("1"), 1n, w)).to.emit(
          engine,
          "ProtectionSet",
        );
      }
      expect(await readProtection(c.sys, c.A)).to.not.deep.equal(before);
    });

    it("INV-56: setTopUpFee is the risk manager's, at most 10 USD, emits TopUpFeeSet", async () => {
      const c = await loadFixture(twins);
      const { engine } = c.sys;
      const [deployer] = await ethers.getSigners();
      const manager = await riskAt(c.sys, deployer);
      expect(await manager.topUpFee()).to.equal(wad("1"));
      await expect(c.risk.connect(c.stranger).setTopUpFee(wad("2")))
        .to.be.revertedWithCustomError(engine, "AccessControlUnauthorizedAccount")
        .withArgs(c.stranger.address, await engine.RISK_MANAGER_ROLE());
      await expect(manager.setTopUpFee(wad("10") + 1n))
        .to.be.revertedWithCustomError(engine, "ParameterOutOfBounds")
        .withArgs(b32("topUpFee"), wad("10") + 1n, 0, wad("10"));
      await expect(manager.setTopUpFee(wad("10")))
        .to.emit(engine, "TopUpFeeSet")
        .withArgs(wad("10"));
      await expect(manager.setTopUpFee(0)).to.emit(engine, "TopUpFeeSet").withArgs(0);
      expect(await manager.topUpFee()).to.equal(0n);
    });
  });

  describe("top-ups", () => {
    it("INV-55/INV-56: a protected account survives the move that liquidates its unprotected twin; liquidate tops it up for exactly the model's amount and pays the keeper the fee", async () => {
      const c = await loadFixture(twins);
      const { engine } = c.sys;
      await setPrice(c.sys.marketFeeds[ETH], "2800");
      expect(await engine.isLiquidatable(c.A)).to.equal(true);
      expect(await engine.isLiquidatable(c.B)).to.equal(true);

      // The twin: liquidate closes positions and pays a reward.
      await nextTimestamp();
      const [closedB, rewardB] = await engine
        .connect(c.keeper)
        .liquidate.staticCall(c.B, 0, { blockTag: "pending" });
      expect(closedB).to.be.gt(0n);
      expect(rewardB).to.be.gt(0n);
      const txB = engine.connect(c.keeper).liquidate(c.B, 0);
      await expect(txB).to.emit(engine, "PositionLiquidated");
      await expect(txB).not.to.emit(engine, "ToppedUp");
      expect((await engine.getPosition(c.B, ETH)).size).to.be.lt(wad("10"));

      // The protected account: the same call closes nothing and returns (0, 0).
      await nextTimestamp();
      expect(
        await engine.connect(c.keeper).liquidate.staticCall(c.A, 0, { blockTag: "pending" }),
      ).to.deep.equal([0n, 0n]);
      const m = await expectTopUp(c, c.keeper, () => engine.connect(c.keeper).liquidate(c.A, 0));
      expect(m.fee).to.equal(usdc("1"));
      expect(m.amount, "need binds: the target MM * (1 + buffer)").to.equal(m.need);
      expect((await engine.getPosition(c.A, ETH)).size).to.equal(wad("10"));
      const p = await readProtection(c.sys, c.A);
      expect([p.usedInWindow, p.windowStart]).to.deep.equal([
        m.amount,
        BigInt(await time.latest()),
      ]);
      // Restored to the target: equity + amount >= MM * (1 + buffer).
      const h = m.accountHealth;
      expect(h.equity + M.quoteToUsd(m.amount, 6)).to.be.gte(M.mulUp(h.mm, M.WAD + BUFFER));
    });

    it("INV-55: the reserve's IM bounds the amount (free - fee) and the reserve ends within one quote unit above its IM", async () => {
      const c = await loadFixture(twins);
      await reserveHoldsSol(c, "344");
      await setPrice(c.sys.marketFeeds[ETH], "2800");
      const m = await expectTopUp(c, c.keeper, () => c.risk.connect(c.keeper).topUp(c.A));
      expect(m.amount, "free binds").to.equal(m.free - m.fee);
      expect(m.amount).to.be.lt(m.need);
      expect(m.free, "below the reserve's quote").to.be.lt(usdc("4900"));
      const r = strictHealth(await readRisk(c.sys, c.R));
      expect(r.equity - r.im)
        .to.be.gte(0n)
        .and.lt(M.quoteToUsd(1n, 6));
    });

    it("INV-55: the window cap binds (capped amount, TopUpInsufficient, TopUpUnavailable) and resets after the window", async () => {
      const c = await loadFixture(twins);
      const { engine } = c.sys;
      const cap = usdc("700");
      await c.risk.setProtection(c.A, 1, BUFFER, cap, HOUR);
      const eth = c.sys.marketFeeds[ETH];
      await setPrice(eth, "2800");
      const first = await expectTopUp(c, c.keeper, () => c.risk.connect(c.keeper).topUp(c.A));
      expect(first.amount).to.equal(first.need);

      // Left in the window cannot restore MM.
      await setPrice(eth, "2750");
      let now = await nextTimestamp();
      let m = await modelTopUp(c.sys, c.A, now);
      expect([m.reason, m.amount]).to.deep.equal(["insufficient", cap - first.amount]);
      await expect(c.risk.connect(c.keeper).topUp(c.A, GAS))
        .to.be.revertedWithCustomError(engine, "TopUpInsufficient")
        .withArgs(c.A, m.amount, m.need);

      // Left restores MM but not the target: capped at what is left.
      await setPrice(eth, "2786");
      const capped = await expectTopUp(c, c.keeper, () => c.risk.connect(c.keeper).topUp(c.A));
      expect(capped.amount)
        .to.equal(cap - first.amount)
        .and.lt(capped.need);
      expect((await readProtection(c.sys, c.A)).usedInWindow).to.equal(cap);

      // Nothing left: unavailable.
      await setPrice(eth, "2740");
      now = await nextTimestamp();
      m = await modelTopUp(c.sys, c.A, now);
      expect([m.reason, m.amount]).to.deep.equal(["unavailable", 0n]);
      await expect(c.risk.connect(c.keeper).topUp(c.A, GAS))
        .to.be.revertedWithCustomError(engine, "TopUpUnavailable")
        .withArgs(c.A, c.R, m.free, m.fee);

      // A new window starts once the last one has ended (not a second before).
      const start = (await readProtection(c.sys, c.A)).windowStart;
      now = start + BigInt(HOUR) - 1n;
      await time.setNextBlockTimestamp(now);
      m = await modelTopUp(c.sys, c.A, now);
      expect([m.reason, m.used]).to.deep.equal(["unavailable", cap]);
      await expect(c.risk.connect(c.keeper).topUp(c.A, GAS))
        .to.be.revertedWithCustomError(engine, "TopUpUnavailable")
        .withArgs(c.A, c.R, m.free, m.fee);
      const fresh = await expectTopUp(c, c.keeper, () => c.risk.connect(c.keeper).topUp(c.A));
      expect(fresh.used).to.equal(0n);
      const p = await readProtection(c.sys, c.A);
      expect([p.usedInWindow, p.windowStart]).to.deep.equal([
        fresh.amount,
        BigInt(await time.latest()),
      ]);
    });

    it("INV-55: topUp on a healthy account reverts NotLiquidatable with its equity and MM", async () => {
      const c = await loadFixture(twins);
      const now = await nextTimestamp();
      const h = (await modelTopUp(c.sys, c.A, now)).accountHealth;
      expect(h.equity).to.be.gte(h.mm);
      await expect(c.risk.connect(c.keeper).topUp(c.A, GAS))
        .to.be.revertedWithCustomError(c.sys.engine, "NotLiquidatable")
        .withArgs(c.A, h.equity, h.mm);
      await expect(c.risk.connect(c.keeper).topUp(c.B))
        .to.be.revertedWithCustomError(c.sys.engine, "NoProtection")
        .withArgs(c.B);
    });

    it("INV-56: the caller earns usdToQuoteUp(topUpFee), rounded up to the quote unit", async () => {
      const c = await loadFixture(twins);
      const [deployer] = await ethers.getSigners();
      await (await riskAt(c.sys, deployer)).setTopUpFee(wad("1.2345678"));
      await setPrice(c.sys.marketFeeds[ETH], "2800");
      const m = await expectTopUp(c, c.stranger, () => c.risk.connect(c.stranger).topUp(c.A));
      expect(m.fee).to.equal(1_234_568n);
    });
  });

  describe("a reserve that cannot help never blocks liquidation (INV-55)", () => {
    it("INV-55: an empty reserve: TopUpUnavailable(free 0); liquidate closes positions", async () => {
      const c = await loadFixture(twins);
      await c.sys.engine
        .connect(c.owner)
        .withdraw(c.R, await c.sys.quote.getAddress(), usdc("5000"), c.owner.address);
      await setPrice(c.sys.marketFeeds[ETH], "2800");
      await expect(c.risk.connect(c.keeper).topUp(c.A))
        .to.be.revertedWithCustomError(c.sys.engine, "TopUpUnavailable")
        .withArgs(c.A, c.R, 0, usdc("1"));
      await expectLiquidatedAnyway(c);
    });

    it("INV-55: a reserve below its IM (quote left, unrealised loss): TopUpUnavailable(free 0); liquidate closes positions", async () => {
      const c = await loadFixture(twins);
      await reserveHoldsSol(c, "344");
      await setPrice(c.sys.marketFeeds[SOL], "148");
      await setPrice(c.sys.marketFeeds[ETH], "2800");
      const now = await nextTimestamp();
      const m = await modelTopUp(c.sys, c.A, now);
      expect(m.reserveHealth.equity).to.be.lt(m.reserveHealth.im);
      expect(await quoteOf(c, c.R)).to.be.gt(0n);
      await expect(c.risk.connect(c.keeper).topUp(c.A, GAS))
        .to.be.revertedWithCustomError(c.sys.engine, "TopUpUnavailable")
        .withArgs(c.A, c.R, 0, m.fee);
      await expectLiquidatedAnyway(c);
    });

    it("INV-55: a reserve holding a market whose feed is stale: topUp reverts OracleStale; liquidate closes positions", async () => {
      const c = await loadFixture(twins);
      await reserveHoldsSol(c, "10");
      const sol = c.sys.marketFeeds[SOL];
      await time.increase(86_400 + 60);
      await refreshFeeds(c.sys, [await sol.getAddress()]);
      await setPrice(c.sys.marketFeeds[ETH], "2800");
      const [, , , updatedAt] = await sol.latestRoundData();
      await expect(c.risk.connect(c.keeper).topUp(c.A))
        .to.be.revertedWithCustomError(c.sys.engine, "OracleStale")
        .withArgs(await sol.getAddress(), updatedAt, 86_400);
      await expectLiquidatedAnyway(c);
    });

    it("INV-55: a reserve that cannot restore MM: TopUpInsufficient(free - fee, need); liquidate closes positions", async () => {
      const c = await loadFixture(twins);
      await c.sys.engine
        .connect(c.owner)
        .withdraw(c.R, await c.sys.quote.getAddress(), usdc("4950"), c.owner.address);
      await setPrice(c.sys.marketFeeds[ETH], "2800");
      const now = await nextTimestamp();
      const m = await modelTopUp(c.sys, c.A, now);
      expect([m.reason, m.amount]).to.deep.equal(["insufficient", usdc("49")]);
      await expect(c.risk.connect(c.keeper).topUp(c.A, GAS))
        .to.be.revertedWithCustomError(c.sys.engine, "TopUpInsufficient")
        .withArgs(c.A, usdc("49"), m.need);
      await expectLiquidatedAnyway(c);
    });
  });

  describe("attackers (INV-55, INV-56)", () => {
    it("INV-56: a keeper calling topUp again earns one fee only: the second call reverts NotLiquidatable", async () => {
      const c = await loadFixture(twins);
      await setPrice(c.sys.marketFeeds[ETH], "2800");
      const k0 = await usdcOf(c, c.keeper.address);
      const m = await expectTopUp(c, c.keeper, () => c.risk.connect(c.keeper).topUp(c.A));
      const now = await nextTimestamp();
      const h = (await modelTopUp(c.sys, c.A, now)).accountHealth;
      await expect(c.risk.connect(c.keeper).topUp(c.A, GAS))
        .to.be.revertedWithCustomError(c.sys.engine, "NotLiquidatable")
        .withArgs(c.A, h.equity, h.mm);
      await expect(c.sys.engine.connect(c.keeper).liquidate(c.A, 0)).to.be.revertedWithCustomError(
        c.sys.engine,
        "NotLiquidatable",
      );
      expect((await usdcOf(c, c.keeper.address)) - k0).to.equal(m.fee);
    });

    it("INV-56: an owner topping up its own account as keeper ends with the same total value", async () => {
      const c = await loadFixture(twins);
      await setPrice(c.sys.marketFeeds[ETH], "2800");
      const total = async () =>
        (await usdcOf(c, c.owner.address)) + (await quoteOf(c, c.A)) + (await quoteOf(c, c.R));
      const before = await total();
      const m = await expectTopUp(c, c.owner, () =>
        c.sys.engine.connect(c.owner).liquidate(c.A, 0),
      );
      expect(m.fee).to.be.gt(0n);
      expect(await total()).to.equal(before);
    });

    it("INV-55: protect from an EOA reverts OnlyEngine; the module at its own address reverts NotDelegated", async () => {
      const c = await loadFixture(twins);
      const { engine } = c.sys;
      await setPrice(c.sys.marketFeeds[ETH], "2800");
      await expect(c.risk.connect(c.stranger).protect(c.A, c.stranger.address))
        .to.be.revertedWithCustomError(engine, "OnlyEngine")
        .withArgs(c.stranger.address);
      const module = ICrossmarginRisk__factory.connect(await engine.riskModule(), c.owner);
      await expect(module.protect(c.A, c.owner.address)).to.be.revertedWithCustomError(
        engine,
        "NotDelegated",
      );
      await expect(module.topUp(c.A)).to.be.revertedWithCustomError(engine, "NotDelegated");
      await expect(module.setProtection(c.A, 1, 0, 1n, HOUR)).to.be.revertedWithCustomError(
        engine,
        "NotDelegated",
      );
      await expect(module.accountRisk(c.A)).to.be.revertedWithCustomError(engine, "NotDelegated");
      expect(await engine.isLiquidatable(c.A)).to.equal(true);
    });
  });
});

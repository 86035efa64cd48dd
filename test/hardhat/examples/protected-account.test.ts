/**
 * ProtectedAccountManager (contracts/examples): keeps an account above its owner's health target
 * (equity / MM) with quote from a reserve sub-account, or by reducing its largest position,
 * through a price drop that liquidates an unprotected twin. Expected amounts are computed here
 * from the engine's health figures, never from the manager's views.
 */
import { ethers } from "hardhat";
import { expect } from "chai";
import { anyUint } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ProtectedAccountManager } from "../../../typechain-types";
import { loadSystem, System } from "../../helpers/fixture";
import { ETH, QUOTE_SCALE, WAD, fundPool, setEthPrice, weth } from "../../helpers/examples";
import { BTC, FAR } from "../../../src/common";
import { feedAnswer, units, wad } from "../../../src/common/units";
import { divCeil } from "../../../src/model";

const usdc = (v: string): bigint => units(v, 6);
const TARGET = wad("1.5");
const FEE = usdc("1");

interface Env {
  sys: System;
  manager: ProtectedAccountManager;
  keeper: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  dave: HardhatEthersSigner;
}

async function fixture(): Promise<Env> {
  const sys = await loadSystem();
  await fundPool(sys);
  const [admin, keeper, alice, bob, carol, dave] = await ethers.getSigners();
  const manager = await (
    await ethers.getContractFactory("ProtectedAccountManager", admin)
  ).deploy(await sys.engine.getAddress());
  return { sys, manager, keeper, alice, bob, carol, dave };
}

const load = (): Promise<Env> => loadFixture(fixture);

/** Deposits `amount` quote units into `user`'s sub-account `sub`; returns the account id. */
async function fund(sys: System, user: HardhatEthersSigner, amount: bigint, sub = 0) {
  await sys.quote.mint(user.address, amount);
  await sys.quote.connect(user).approve(await sys.engine.getAddress(), amount);
  await sys.engine.connect(user).deposit(sub, await sys.quote.getAddress(), amount);
  return sys.engine.accountId(user.address, sub);
}

/** `user` opens a long of `size` in `market` on sub-account 0 (instant trading is on). */
async function long(sys: System, user: HardhatEthersSigner, market: number, size: bigint) {
  const account = await sys.engine.accountId(user.address, 0);
  await sys.engine.connect(user).modifyPosition(account, market, size, FAR, FAR);
}

/** Approves the manager on sub-accounts 0 and 1 of `user` and configures sub-account 0. */
async function protect(
  env: Env,
  user: HardhatEthersSigner,
  overrides: Partial<{ targetHealth: bigint; maxPerCall: bigint; reduceBps: number }> = {},
) {
  const { sys, manager } = env;
  const account = await sys.engine.accountId(user.address, 0);
  const reserve = await sys.engine.accountId(user.address, 1);
  await sys.engine.connect(user).setOperator(account, await manager.getAddress(), true);
  await sys.engine.connect(user).setOperator(reserve, await manager.getAddress(), true);
  await manager.connect(user).configure(
    account,
    {
      active: false,
      reserveSub: 1,
      reduceBps: overrides.reduceBps ?? 5_000,
      slippageBps: 100,
      targetHealth: overrides.targetHealth ?? TARGET,
      maxPerCall: overrides.maxPerCall ?? usdc("1000"),
      fee: FEE,
    },
    wad("0.1"),
    usdc("500"),
    3_600,
  );
  return { account, reserve };
}

/** equity / MM as the manager's target reads it (WAD), from the engine's figures. */
function ratio(h: { equity: bigint; mm: bigint }): bigint {
  if (h.mm === 0n) return ethers.MaxUint256;
  return h.equity <= 0n ? 0n : (h.equity * WAD) / h.mm;
}

describe("examples: ProtectedAccountManager", () => {
  it("keeps the protected account above target through a drop that liquidates its twin", async () => {
    const env = await load();
    const { sys, manager, keeper, alice, bob } = env;
    const aliceAcct = await fund(sys, alice, usdc("1000"));
    const reserve = await fund(sys, alice, usdc("2000"), 1);
    const bobAcct = await fund(sys, bob, usdc("1000"));
    await long(sys, alice, ETH, weth("2"));
    await long(sys, bob, ETH, weth("2"));
    await protect(env, alice);
    const risk = await ethers.getContractAt("ICrossmarginRisk", await sys.engine.getAddress());
    expect((await risk.getProtection(aliceAcct)).enabled).to.equal(true);

    await setEthPrice(sys, "2800");
    expect(ratio(await sys.engine.accountHealth(aliceAcct))).to.be.gte(TARGET);
    await expect(manager.connect(keeper).maintain(aliceAcct))
      .to.be.revertedWithCustomError(manager, "HealthAboveTarget")
      .withArgs(anyUint, TARGET);

    for (const price of ["2650", "2550"]) {
      await setEthPrice(sys, price);
      expect(ratio(await sys.engine.accountHealth(aliceAcct))).to.be.lt(TARGET);
      const reserveBefore = (await sys.engine.getAccount(reserve)).quoteBalance;
      const keeperBefore = await sys.quote.balanceOf(keeper.address);
      const tx = await manager.connect(keeper).maintain(aliceAcct);
      const rc = await tx.wait();
      const ev = rc!.logs
        .map((l) => manager.interface.parseLog(l))
        .find((l) => l && l.name === "Maintained")!;
      const moved: bigint = ev.args.toppedUp;
      // The same block's figures: equity before = equity after - moved; MM is unchanged.
      const after = await sys.engine.accountHealth(aliceAcct);
      const equityBefore = after.equity - moved * QUOTE_SCALE;
      const need = divCeil(divCeil(after.mm * TARGET, WAD) - equityBefore, QUOTE_SCALE);
      expect(moved).to.equal(need);
      expect(ev.args.reduced).to.equal(0n);
      expect(ratio(after)).to.be.gte(TARGET);
      expect(ratio({ equity: after.equity - QUOTE_SCALE, mm: after.mm })).to.be.lt(TARGET);
      expect((await sys.engine.getAccount(reserve)).quoteBalance).to.equal(
        reserveBefore - moved - FEE,
      );
      expect((await sys.quote.balanceOf(keeper.address)) - keeperBefore).to.equal(FEE);
      // Restored: calling again (to farm the fee) is refused.
      await expect(manager.connect(keeper).maintain(aliceAcct)).to.be.revertedWithCustomError(
        manager,
        "HealthAboveTarget",
      );
    }
    // The twin is liquidatable at 2550 and gets liquidated; the protected account is not.
    expect(await sys.engine.isLiquidatable(bobAcct)).to.equal(true);
    await sys.engine.connect(keeper).liquidate(bobAcct, 0);
    expect((await sys.engine.getPosition(bobAcct, ETH)).size).to.be.lt(weth("2"));
    await expect(sys.engine.connect(keeper).liquidate(aliceAcct, 0)).to.be.revertedWithCustomError(
      sys.engine,
      "NotLiquidatable",
    );
    expect((await sys.engine.getPosition(aliceAcct, ETH)).size).to.equal(weth("2"));
  });

  it("without a maintain call, the engine protection configure attached tops up on liquidate", async () => {
    const env = await load();
    const { sys, keeper, carol } = env;
    const acct = await fund(sys, carol, usdc("1000"));
    const reserve = await fund(sys, carol, usdc("2000"), 1);
    await long(sys, carol, ETH, weth("2"));
    await protect(env, carol);
    await setEthPrice(sys, "2550");
    expect(await sys.engine.isLiquidatable(acct)).to.equal(true);
    const before = (await sys.engine.getAccount(reserve)).quoteBalance;
    await expect(sys.engine.connect(keeper).liquidate(acct, 0)).to.emit(sys.engine, "ToppedUp");
    expect((await sys.engine.getPosition(acct, ETH)).size).to.equal(weth("2"));
    expect(await sys.engine.isLiquidatable(acct)).to.equal(false);
    expect((await sys.engine.getAccount(reserve)).quoteBalance).to.be.lt(before);
  });

  it("reduces the largest position when the reserve cannot, checked by previews", async () => {
    const env = await load();
    const { sys, manager, keeper, carol } = env;
    const acct = await fund(sys, carol, usdc("1000"));
    await long(sys, carol, ETH, weth("2"));
    await protect(env, carol); // empty reserve
    await setEthPrice(sys, "2650");
    // The engine's own preview of the half reduction reaches the target: the manager does it.
    const risk = await ethers.getContractAt("ICrossmarginRisk", await sys.engine.getAddress());
    const half = await risk.previewTrade.staticCall(acct, ETH, -weth("1"));
    expect(half.ok).to.equal(true);
    expect(ratio(half)).to.be.gte(TARGET);
    await expect(manager.connect(keeper).maintain(acct))
      .to.emit(manager, "Maintained")
      .withArgs(acct, keeper.address, 0n, ETH, -weth("1"), 0n);
    expect((await sys.engine.getPosition(acct, ETH)).size).to.equal(weth("1"));
    expect(ratio(await sys.engine.accountHealth(acct))).to.be.gte(TARGET);
  });

  it("closes the position when a partial reduction would stay below target", async () => {
    const env = await load();
    const { sys, manager, keeper, carol } = env;
    const acct = await fund(sys, carol, usdc("1000"));
    await long(sys, carol, ETH, weth("2"));
    const target = wad("2");
    await protect(env, carol, { reduceBps: 1_000, targetHealth: target });
    await setEthPrice(sys, "2650");
    const risk = await ethers.getContractAt("ICrossmarginRisk", await sys.engine.getAddress());
    const tenth = await risk.previewTrade.staticCall(acct, ETH, -weth("0.2"));
    expect(tenth.ok).to.equal(true);
    expect(ratio(tenth)).to.be.lt(target);
    await expect(manager.connect(keeper).maintain(acct))
      .to.emit(manager, "Maintained")
      .withArgs(acct, keeper.address, 0n, ETH, -weth("2"), 0n);
    expect((await sys.engine.getPosition(acct, ETH)).size).to.equal(0n);
  });

  it("refuses actions that would leave the account below target", async () => {
    const env = await load();
    const { sys, manager, keeper, dave } = env;
    const acct = await fund(sys, dave, usdc("1500"));
    await long(sys, dave, ETH, weth("2"));
    await long(sys, dave, BTC, weth("0.1"));
    const target = wad("3");
    await protect(env, dave, { targetHealth: target });
    await setEthPrice(sys, "2500");
    await sys.marketFeeds[BTC].updateAnswer(feedAnswer("60000"));
    // Closing the largest position (BTC, 6,000 USD) still leaves ETH's MM uncovered 3 times.
    const risk = await ethers.getContractAt("ICrossmarginRisk", await sys.engine.getAddress());
    const closeBtc = await risk.previewTrade.staticCall(acct, BTC, -weth("0.1"));
    expect(ratio(closeBtc)).to.be.lt(target);
    expect(ratio(await sys.engine.accountHealth(acct))).to.be.lt(target);
    // The health in the error is the transaction block's (funding accrues per second).
    await expect(manager.connect(keeper).maintain(acct))
      .to.be.revertedWithCustomError(manager, "TargetUnreachable")
      .withArgs(acct, anyUint, target);
    expect((await sys.engine.getPosition(acct, BTC)).size).to.equal(weth("0.1"));
  });

  it("owners configure and revoke; the manager must be an operator; bounds hold", async () => {
    const env = await load();
    const { sys, manager, keeper, alice, bob } = env;
    const acct = await fund(sys, alice, usdc("1000"));
    const reserve = await sys.engine.accountId(alice.address, 1);
    const cfg = {
      active: false,
      reserveSub: 1,
      reduceBps: 5_000,
      slippageBps: 100,
      targetHealth: TARGET,
      maxPerCall: usdc("100"),
      fee: FEE,
    };
    const addr = await manager.getAddress();
    await expect(manager.connect(alice).configure(acct, cfg, 0, usdc("1"), 3_600))
      .to.be.revertedWithCustomError(manager, "NotOperator")
      .withArgs(acct);
    await sys.engine.connect(alice).setOperator(acct, addr, true);
    await expect(manager.connect(alice).configure(acct, cfg, 0, usdc("1"), 3_600))
      .to.be.revertedWithCustomError(manager, "NotOperator")
      .withArgs(reserve);
    await sys.engine.connect(alice).setOperator(reserve, addr, true);
    await expect(manager.connect(bob).configure(acct, cfg, 0, usdc("1"), 3_600))
      .to.be.revertedWithCustomError(manager, "NotOwner")
      .withArgs(bob.address, acct);
    for (const bad of [
      { targetHealth: wad("1.01") },
      { targetHealth: wad("6") },
      { reduceBps: 100 },
      { slippageBps: 600 },
      { maxPerCall: 0n },
      { fee: usdc("5.000001") },
      { reserveSub: 0 },
    ]) {
      await expect(
        manager.connect(alice).configure(acct, { ...cfg, ...bad }, 0, usdc("1"), 3_600),
      ).to.be.revertedWithCustomError(manager, "ParameterOutOfBounds");
    }
    await manager.connect(alice).configure(acct, cfg, 0, usdc("1"), 3_600);
    expect((await manager.configOf(acct)).active).to.equal(true);
    await expect(manager.connect(bob).revoke(acct))
      .to.be.revertedWithCustomError(manager, "NotOwner")
      .withArgs(bob.address, acct);
    await expect(manager.connect(alice).revoke(acct)).to.emit(manager, "Revoked").withArgs(acct);
    const risk = await ethers.getContractAt("ICrossmarginRisk", await sys.engine.getAddress());
    expect((await risk.getProtection(acct)).enabled).to.equal(false);
    await expect(manager.connect(keeper).maintain(acct))
      .to.be.revertedWithCustomError(manager, "NotConfigured")
      .withArgs(acct);
    // Without the operator approval the manager cannot act even if configured.
    await manager.connect(alice).configure(acct, cfg, 0, usdc("1"), 3_600);
    await sys.engine.connect(alice).setOperator(acct, addr, false);
    await long(sys, alice, ETH, weth("2"));
    await setEthPrice(sys, "2650");
    await expect(manager.connect(keeper).maintain(acct)).to.be.revertedWithCustomError(
      sys.engine,
      "Unauthorized",
    );
    // Revoking still works once the manager lost its approval (the engine protection, which
    // only the owner can now detach, stays).
    await expect(manager.connect(alice).revoke(acct)).to.emit(manager, "Revoked").withArgs(acct);
    expect((await manager.configOf(acct)).active).to.equal(false);
    expect((await risk.getProtection(acct)).enabled).to.equal(true);
  });
});

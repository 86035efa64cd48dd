/** A collateral token that re-enters the engine from its transfer hook (ERC-777 / ERC-1363
 *  style): every entry point is guarded, swallowed re-entries leave exact accounting, and what a
 *  hook can still observe through unguarded views. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, MaxUint256 } from "ethers";
import { ReentrantToken, ReentrantToken__factory } from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { wad } from "../../../src/common/units";
import {
  Env,
  deposit,
  liquidateChecked,
  setMarketPrice,
  setup,
  trade,
  usdc,
} from "../../helpers/liquidation";
import { depositToken, expectConserved, listToken, stateDigest } from "../../helpers/adversarial";
import { ETH, withdrawAction } from "../../../src/common";

describe("adversarial: a re-entrant token", () => {
  let env: Env;
  let ree: ReentrantToken;
  let t: string;
  let alice: HardhatEthersSigner;
  let acct: bigint;

  beforeEach(async () => {
    env = await setup();
    [alice] = env.traders;
    ree = await new ReentrantToken__factory(env.deployer).deploy();
    t = await ree.getAddress();
    await listToken(env.sys, t, { price: "100", weight: "0.9" });
    acct = await depositToken(env, ree, alice, wad("100"));
    await ree.mint(alice.address, wad("100"));
  });

  /** Every engine entry point, called from the token's hook. */
  async function hooks(): Promise<[string, string][]> {
    const e = env.sys.engine.interface;
    const q = await env.sys.quote.getAddress();
    const far = MaxUint256;
    const now = BigInt(await time.latest());
    return [
      ["deposit", e.encodeFunctionData("deposit", [0, q, 1])],
      ["depositFor", e.encodeFunctionData("depositFor", [acct, q, 1])],
      ["withdraw", e.encodeFunctionData("withdraw", [acct, t, 1, t])],
      ["modifyPosition", e.encodeFunctionData("modifyPosition", [acct, ETH, 1, far, far])],
      ["multicall", e.encodeFunctionData("multicall", [acct, [], far])],
      ["liquidate", e.encodeFunctionData("liquidate", [acct, 0])],
      ["liquidateCollateral", e.encodeFunctionData("liquidateCollateral", [acct, t, 1])],
      ["commitOrder", e.encodeFunctionData("commitOrder", [acct, ETH, wad("1"), far, now + 600n])],
      ["settleOrder", e.encodeFunctionData("settleOrder", [acct, ETH, 1])],
      ["cancelOrder", e.encodeFunctionData("cancelOrder", [acct, ETH])],
      ["setOperator", e.encodeFunctionData("setOperator", [acct, t, true])],
      ["poolDeposit", e.encodeFunctionData("poolDeposit", [1])],
      ["poolWithdraw", e.encodeFunctionData("poolWithdraw", [t, 1])],
    ];
  }

  /** Arms each hook in turn (bubbling) and expects `outer` to revert with the guard's error. */
  async function expectGuarded(outer: () => Promise<unknown>, label: string) {
    const engine = env.sys.engine;
    for (const [name, data] of await hooks()) {
      await ree.arm(await engine.getAddress(), data, true);
      await expect(outer(), `${label} <- ${name}`).to.be.revertedWithCustomError(
        engine,
        "ReentrancyGuardReentrantCall",
      );
    }
  }

  it("INV-1: ReentrancyGuardReentrantCall from hooks in deposit, withdraw, multicall and liquidateCollateral; nothing changes; bad-debt seizure completes", async () => {
    const { engine, quote } = env.sys;
    const k = env.keeper;
    const e = engine.connect(alice);
    const withdrawOne = withdrawAction(t, wad("1"), alice.address);
    let before = await stateDigest(env.sys, [alice.address, k.address]);
    await expectGuarded(() => e.deposit(0, t, wad("1")), "deposit");
    await expectGuarded(() => e.withdraw(acct, t, wad("1"), alice.address), "withdraw");
    await expectGuarded(() => e.multicall(acct, [withdrawOne], MaxUint256), "multicall");
    expect(await stateDigest(env.sys, [alice.address, k.address])).to.deep.equal(before);

    await trade(env, alice, ETH, wad("30")); // the fee leaves quote debt
    await setMarketPrice(env, ETH, "2600"); // bankrupt: 100 REE (9,000 USD) < 12,000 USD loss
    await quote.mint(k.address, usdc(1_000));
    await quote.connect(k).approve(await engine.getAddress(), MaxUint256);
    before = await stateDigest(env.sys, [alice.address, k.address]);
    const ek = engine.connect(k);
    await expectGuarded(() => ek.liquidateCollateral(acct, t, usdc(10)), "liquidateCollateral");
    expect(await stateDigest(env.sys, [alice.address, k.address])).to.deep.equal(before);
    // Collateral sale to the fund: the re-entering transfer fails inside the guard, and the
    // liquidation still completes (INV-12). The token refused the fund, so the fund is paid back
    // and the collateral stays with the account and its debt, for liquidateCollateral (INV-29):
    // nothing is parked where only an admin can move it.
    await ree.arm(
      await engine.getAddress(),
      e.interface.encodeFunctionData("deposit", [0, t, 1n]),
      true,
    );
    const held = await engine.collateralBalance(acct, t);
    const fund = await engine.insuranceFund();
    const fundBefore = await quote.balanceOf(fund);
    await expect(ek.liquidate(acct, 0)).to.not.emit(engine, "CollateralSoldToFund");
    expect((await engine.getAccount(acct)).marketMask).to.equal(0n);
    expect(await engine.collateralBalance(acct, t)).to.equal(held);
    expect((await engine.getAccount(acct)).quoteBalance).to.be.lessThan(0n);
    expect(await quote.balanceOf(fund)).to.equal(fundBefore);
    await expectConserved(env.sys);
  });

  it("INV-6/INV-1: with the hook's revert swallowed, the outer call completes with exact accounting", async () => {
    const { engine } = env.sys;
    const guard = engine.interface.getError("ReentrancyGuardReentrantCall")!.selector;
    // A nested deposit would be counted twice by the outer balance-before/after measure.
    await ree.mint(t, wad("5"));
    await ree.approveFromToken(await engine.getAddress(), MaxUint256);
    await ree.arm(
      await engine.getAddress(),
      engine.interface.encodeFunctionData("deposit", [0, t, wad("5")]),
      false,
    );
    await expect(engine.connect(alice).deposit(0, t, wad("10")))
      .to.emit(engine, "Deposited")
      .withArgs(acct, t, alice.address, wad("10"));
    expect([
      await ree.hookCalled(),
      await ree.hookSucceeded(),
      await ree.lastRevert(),
    ]).to.deep.equal([true, false, guard]);
    expect(await engine.collateralBalance(acct, t)).to.equal(wad("110"));
    expect(await engine.collateralBalance(accountId(t, 0), t)).to.equal(0n);

    // A nested liquidation of another bankrupt account inside the seizure transfer.
    await trade(env, alice, ETH, wad("30"));
    const bob = env.traders[1];
    const b = await deposit(env, bob, usdc(5_500)); // IM 90,000 * 6 % + 20 = 5,420
    await trade(env, bob, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2500");
    await ree.arm(
      await engine.getAddress(),
      engine.interface.encodeFunctionData("liquidate", [b, 0]),
      false,
    );
    const bobBefore = [...(await engine.getPosition(b, ETH))];
    await liquidateChecked(env, acct);
    expect([await ree.hookCalled(), await ree.lastRevert()]).to.deep.equal([true, guard]);
    expect([...(await engine.getPosition(b, ETH))]).to.deep.equal(bobBefore);
    await expectConserved(env.sys);
  });

  it("INV-3 documented (read-only re-entrancy): mid-liquidation, a hook sees the pool value before the deficit is socialised", async () => {
    const { engine, pool, quote } = env.sys;
    await ree.mint(alice.address, wad("200"));
    await engine.connect(alice).deposit(0, t, wad("200")); // 300 REE: 27,000 USD weighted
    await trade(env, alice, ETH, wad("100"));
    // The fund must afford all the collateral (300 REE at 90 less 5 %: 25,650) for any debt to
    // be socialised (INV-29): seed it to 30,000.
    await quote.mint(alice.address, usdc(20_000));
    await quote.connect(alice).approve(await env.sys.insuranceFund.getAddress(), MaxUint256);
    await env.sys.insuranceFund.connect(alice).seed(usdc(20_000));
    await setMarketPrice(env, ETH, "2500"); // a 50,000 USD loss: the fund (30,000) is exceeded
    await ree.arm(
      await engine.getAddress(),
      engine.interface.encodeFunctionData("poolValue"),
      false,
    );
    const run = await liquidateChecked(env, acct);
    const socialised = run.expected.badDebt!.socialised;
    expect(socialised).to.be.greaterThan(0n);
    const [during] = AbiCoder.defaultAbiCoder().decode(["int256"], await ree.lastReturn());
    const after = await engine.poolValue();
    // The engine's own state is consistent (guarded); a third party pricing LP shares from
    // totalAssets inside such a hook would see the pool worth `socialised` more.
    expect(during - after).to.be.closeTo(socialised, 1n);
    expect(await pool.totalAssets()).to.equal(after);
    await expectConserved(env.sys);
  });
});

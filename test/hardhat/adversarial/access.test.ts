/** Access control (INV-23, INV-24): every privileged function of the engine, the insurance fund
 *  and the pool hooks, called by every role that does not hold it, reverts with the right error
 *  and changes nothing. */
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import {
  impersonateAccount,
  setBalance,
  takeSnapshot,
  time,
} from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, ZeroAddress } from "ethers";
import {
  ICrossmargin,
  ICrossmarginAdmin__factory,
  MockERC20__factory,
} from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { wad } from "../../../src/common/units";
import { MarketStatus } from "../../../src/common";
import { System, loadSystem } from "../../helpers/fixture";
import {
  fundQuote,
  marketParams,
  provideLiquidity,
  refreshFeeds,
  usdc,
} from "../../helpers/trading";
import { DAY, V3_DESCRIPTION, stateDigest, marketGovernanceCalls } from "../../helpers/adversarial";
import { collateralParams } from "../../helpers/risk";

type Call = (e: ICrossmargin) => Promise<unknown>;

describe("adversarial: access control", () => {
  let sys: System;
  let admin: HardhatEthersSigner; // deployer: every role, and the insurance fund's admin
  let adminOnly: HardhatEthersSigner; // the engine's DEFAULT_ADMIN_ROLE only (a timelock)
  let risk: HardhatEthersSigner;
  let guardian: HardhatEthersSigner;
  let user: HardhatEthersSigner;
  let ADMIN: string;
  let RISK: string;
  let GUARDIAN: string;

  beforeEach(async () => {
    sys = await loadSystem();
    [admin, adminOnly, risk, guardian, user] = await ethers.getSigners();
    ADMIN = await sys.engine.DEFAULT_ADMIN_ROLE();
    RISK = await sys.engine.RISK_MANAGER_ROLE();
    GUARDIAN = await sys.engine.GUARDIAN_ROLE();
    await sys.engine.grantRole(ADMIN, adminOnly.address);
    await sys.engine.grantRole(RISK, risk.address);
    await sys.engine.grantRole(GUARDIAN, guardian.address);
    // Calls that record funding read the oracles: keep them fresh whatever the clock says.
    await refreshFeeds(sys);
  });

  /** State plus every role membership of the engine and the fund. */
  async function digest(): Promise<unknown[]> {
    const out = await stateDigest(
      sys,
      [admin, adminOnly, risk, guardian, user].map((s) => s.address),
    );
    for (const c of [sys.engine, sys.insuranceFund]) {
      for (const s of [admin, adminOnly, risk, guardian, user]) {
        for (const r of [ADMIN, RISK, GUARDIAN]) out.push(await c.hasRole(r, s.address));
      }
    }
    return out;
  }

  /** Every ICrossmarginAdmin function but setMarketStatus, with valid arguments and its role. */
  async function adminCalls(): Promise<[string, string, Call][]> {
    const weth = await sys.collaterals.WETH.getAddress();
    const wethFeed = await sys.collateralFeeds.WETH.getAddress();
    const mFeed = await sys.marketFeeds[0].getAddress();
    const token = await (await new MockERC20__factory(admin).deploy("N", "N", 18)).getAddress();
    const cParams = collateralParams(wethFeed, DAY, { weight: "0.5", discount: 0n, cap: 1n });
    return [
      ["listCollateral", ADMIN, (e) => e.listCollateral(token, cParams, V3_DESCRIPTION)],
      ["setCollateralParams", RISK, (e) => e.setCollateralParams(weth, cParams.risk)],
      ["setCollateralFeed", ADMIN, (e) => e.setCollateralFeed(weth, wethFeed, 60, V3_DESCRIPTION)],
      ["addMarket", ADMIN, (e) => e.addMarket(marketParams(mFeed), V3_DESCRIPTION)],
      ["setMarketFeed", ADMIN, (e) => e.setMarketFeed(0, mFeed, 60, V3_DESCRIPTION)],
      ...marketGovernanceCalls(ADMIN, RISK),
      ["setSequencer", ADMIN, (e) => e.setSequencer(ZeroAddress, 0)],
      [
        "setAdlParams",
        RISK,
        (e) => e.setAdlParams({ floorRatio: 0, rewardRate: 0, maxRewardUsd: 0 }),
      ],
      ["setPool", ADMIN, (e) => e.setPool(user.address)],
      ["setInsuranceFund", ADMIN, (e) => e.setInsuranceFund(user.address)],
      ["pause", GUARDIAN, (e) => e.pause()],
      ["unpause", ADMIN, (e) => e.unpause()],
    ];
  }

  /** The signers (among the five) that hold `role` on the engine. */
  function holders(role: string): HardhatEthersSigner[] {
    if (role === ADMIN) return [admin, adminOnly];
    if (role === RISK) return [admin, risk];
    return [admin, guardian];
  }

  it("INV-23: the table covers every ICrossmarginAdmin function", async () => {
    const names = ICrossmarginAdmin__factory.createInterface()
      .fragments.filter((f) => f.type === "function")
      .map((f) => (f as unknown as { name: string }).name)
      .sort();
    const covered = [...(await adminCalls()).map(([n]) => n), "setMarketStatus"].sort();
    expect(covered).to.deep.equal(names);
  });

  it("INV-23: each engine governance function refuses every signer without its role (user, risk manager, guardian, admin-only); nothing changes", async () => {
    const before = await digest();
    let refused = 0;
    for (const [name, role, call] of await adminCalls()) {
      for (const s of [adminOnly, risk, guardian, user]) {
        if (holders(role).includes(s)) continue;
        await expect(call(sys.engine.connect(s)), `${name} by ${s.address}`)
          .to.be.revertedWithCustomError(sys.engine, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, role);
        refused++;
      }
    }
    expect(refused).to.equal(17 * 3); // three of the four signers lack each role
    expect(await digest()).to.deep.equal(before);
  });

  it("INV-23: the role holders' identical calls pass the role check (so the refusals above are the role's)", async () => {
    for (const [name, role, call] of await adminCalls()) {
      for (const s of holders(role)) {
        const snap = await takeSnapshot();
        const tx = call(sys.engine.connect(s));
        if (name === "setPool" || name === "setInsuranceFund") {
          await expect(tx, name).to.be.revertedWithCustomError(sys.engine, "AlreadySet"); // wired once
        } else {
          await expect(tx, `${name} by ${s.address}`).not.to.be.reverted;
        }
        await snap.restore();
      }
    }
  });

  it("INV-23: setMarketStatus: the guardian may restrict or pause but not reactivate; others may do nothing", async () => {
    const before = await digest();
    const refuse = async (s: HardhatEthersSigner, status: number) =>
      expect(sys.engine.connect(s).setMarketStatus(0, status), `${s.address} -> ${status}`)
        .to.be.revertedWithCustomError(sys.engine, "AccessControlUnauthorizedAccount")
        .withArgs(s.address, ADMIN);
    for (const s of [risk, user])
      for (const st of [MarketStatus.Active, MarketStatus.ReduceOnly, MarketStatus.Paused])
        await refuse(s, st);
    await refuse(guardian, MarketStatus.Active);
    expect(await digest()).to.deep.equal(before);
    await expect(sys.engine.connect(guardian).setMarketStatus(0, MarketStatus.Paused)).to.emit(
      sys.engine,
      "MarketStatusSet",
    );
    await expect(sys.engine.connect(guardian).setMarketStatus(0, MarketStatus.ReduceOnly)).to.emit(
      sys.engine,
      "MarketStatusSet",
    );
    await refuse(guardian, MarketStatus.Active);
    await expect(sys.engine.connect(adminOnly).setMarketStatus(0, MarketStatus.Active)).to.emit(
      sys.engine,
      "MarketStatusSet",
    );
  });

  it("INV-23: role management: only the admin grants or revokes; nobody renounces for another", async () => {
    const before = await digest();
    for (const s of [risk, guardian, user]) {
      for (const call of [
        () => sys.engine.connect(s).grantRole(ADMIN, s.address),
        () => sys.engine.connect(s).grantRole(RISK, user.address),
        () => sys.engine.connect(s).revokeRole(GUARDIAN, guardian.address),
        () => sys.insuranceFund.connect(s).grantRole(ADMIN, s.address),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(sys.engine, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, ADMIN);
      }
      await expect(
        sys.engine.connect(s).renounceRole(ADMIN, admin.address),
      ).to.be.revertedWithCustomError(sys.engine, "AccessControlBadConfirmation");
    }
    // The engine's admin-only holder is not the fund's admin.
    await expect(sys.insuranceFund.connect(adminOnly).grantRole(ADMIN, adminOnly.address))
      .to.be.revertedWithCustomError(sys.insuranceFund, "AccessControlUnauthorizedAccount")
      .withArgs(adminOnly.address, ADMIN);
    expect(await digest()).to.deep.equal(before);
  });

  it("INV-23: InsuranceFund: releaseSeizedCollateral is the fund admin's; cover is the engine's (OnlyEngine)", async () => {
    const fund = sys.insuranceFund;
    const weth = sys.collaterals.WETH;
    await weth.mint(await fund.getAddress(), wad("1")); // as if seized
    const poolSigner = await impersonate(await sys.pool.getAddress());
    const before = await digest();
    for (const s of [adminOnly, risk, guardian, user, poolSigner]) {
      await expect(fund.connect(s).releaseSeizedCollateral(weth.target, s.address, wad("1")))
        .to.be.revertedWithCustomError(fund, "AccessControlUnauthorizedAccount")
        .withArgs(s.address, ADMIN);
    }
    for (const s of [admin, adminOnly, user, poolSigner]) {
      await expect(fund.connect(s).cover(usdc("1")))
        .to.be.revertedWithCustomError(fund, "OnlyEngine")
        .withArgs(s.address);
    }
    expect(await digest()).to.deep.equal(before);
    await expect(
      fund.releaseSeizedCollateral(weth.target, admin.address, wad("1")),
    ).to.changeTokenBalance(weth, admin, wad("1"));
    // The fund's quote tokens cannot be released, not even by its admin.
    await expect(
      fund.releaseSeizedCollateral(sys.quote.target, admin.address, 1n),
    ).to.be.revertedWithCustomError(fund, "QuoteTokenLocked");
  });

  async function impersonate(address: string): Promise<HardhatEthersSigner> {
    await impersonateAccount(address);
    await setBalance(address, wad("1"));
    return ethers.getSigner(address);
  }

  it("INV-23: pool hooks: poolDeposit / poolWithdraw by anyone but the pool revert OnlyPool", async () => {
    const [, , , , , lp] = await ethers.getSigners();
    await provideLiquidity(sys, lp, usdc("1000"));
    const fundSigner = await impersonate(await sys.insuranceFund.getAddress());
    const before = await digest();
    for (const s of [admin, adminOnly, risk, guardian, user, lp, fundSigner]) {
      await expect(sys.engine.connect(s).poolDeposit(usdc("1000")))
        .to.be.revertedWithCustomError(sys.engine, "OnlyPool")
        .withArgs(s.address);
      await expect(sys.engine.connect(s).poolWithdraw(s.address, usdc("1000")))
        .to.be.revertedWithCustomError(sys.engine, "OnlyPool")
        .withArgs(s.address);
    }
    expect(await digest()).to.deep.equal(before);
  });

  it("INV-23/INV-21: a fill at a chosen price has no entry point: not through the engine, not through OrderLogic", async () => {
    const [, , , , , lp, trader, operator] = await ethers.getSigners();
    await provideLiquidity(sys, lp, usdc("1000000"));
    const a = await fundQuote(sys, trader, usdc("10000"));
    await sys.engine.connect(trader).setOperator(a, operator.address, true);
    const deadline = BigInt(await time.latest()) + 600n;
    await sys.engine.connect(trader).commitOrder(a, 0, wad("1"), wad("4000"), deadline);
    const poolSigner = await impersonate(await sys.pool.getAddress());
    // The settlement fills in a delegatecall to the library's own `fill`; the engine used to
    // expose that step as `executeOrderFill`, guarded by a caller check.
    const old = new ethers.Interface([
      "function executeOrderFill(uint256,uint256,int256,uint256,uint256,uint256)",
    ]);
    const oldCall = old.encodeFunctionData("executeOrderFill", [
      a,
      0,
      wad("1"),
      wad("4000"),
      wad("1"),
      0,
    ]);
    const build = await hre.artifacts.getBuildInfo("contracts/libraries/OrderLogic.sol:OrderLogic");
    const ids = build!.output.contracts["contracts/libraries/OrderLogic.sol"].OrderLogic.evm
      .methodIdentifiers as Record<string, string>;
    const fillSig = Object.keys(ids).find((k) => k.startsWith("fill("))!;
    // A library's storage argument is its slot: 0, the engine's `Store`.
    const args = ethers.AbiCoder.defaultAbiCoder().encode(
      ["uint256", "uint256", "uint256", "int256", "uint256", "uint256", "uint256"],
      [0, a, 0, wad("1"), wad("4000"), wad("1"), 0],
    );
    const libCall = "0x" + ids[fillSig] + args.slice(2);
    const lib = sys.record.contracts["lib:OrderLogic"].address;
    const engine = await sys.engine.getAddress();
    const before = await digest();
    for (const s of [trader, operator, admin, adminOnly, risk, guardian, user, poolSigner]) {
      // A fill at 1 USD would be a free option; only the engine's settlement path may fill.
      await expect(s.sendTransaction({ to: engine, data: oldCall })).to.be.reverted;
      // Called directly, the library refuses any state-changing function (call protection),
      // and the engine answers its selector with nothing (the fallback's modules lack it too).
      await expect(s.sendTransaction({ to: lib, data: libCall })).to.be.reverted;
      await expect(s.sendTransaction({ to: engine, data: libCall })).to.be.reverted;
    }
    expect(sys.engine.interface.hasFunction("executeOrderFill")).to.equal(false);
    expect(await digest()).to.deep.equal(before);
  });

  it("INV-24: no governance role may trade, withdraw, commit or set operators for a user's account", async () => {
    const [, , , , , lp, trader] = await ethers.getSigners();
    await provideLiquidity(sys, lp, usdc("1000000"));
    const a = await fundQuote(sys, trader, usdc("10000"));
    const q = await sys.quote.getAddress();
    const deadline = BigInt(await time.latest()) + 600n;
    const before = await digest();
    for (const s of [admin, adminOnly, risk, guardian, user]) {
      const e = sys.engine.connect(s);
      for (const call of [
        () => e.modifyPosition(a, 0, wad("1"), MaxUint256, MaxUint256),
        () => e.withdraw(a, q, usdc("1"), s.address),
        () => e.multicall(a, [], MaxUint256),
        () => e.commitOrder(a, 0, wad("1"), wad("4000"), deadline),
        () => e.setOperator(a, s.address, true),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(sys.engine, "Unauthorized")
          .withArgs(s.address, a);
      }
    }
    expect(await digest()).to.deep.equal(before);
    expect(accountId(trader.address, 0)).to.equal(a);
  });
});

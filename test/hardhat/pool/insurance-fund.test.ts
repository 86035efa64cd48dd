// The insurance fund's own guards: constructor wiring, zero amounts and addresses, the quote
// token lock, the admin role and the re-entrancy guard of every entry point (through a token
// whose transfer hook, or an engine, calls back into the fund).
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, ZeroAddress } from "ethers";
import {
  InsuranceFund,
  InsuranceFund__factory,
  MockERC20__factory,
  ReentrantEngine__factory,
  ReentrantToken,
  ReentrantToken__factory,
} from "../../../typechain-types";
import { feedAnswer, wad } from "../../../src/common/units";
import { loadSystem, System } from "../../helpers/fixture";
import { usdc } from "../../helpers/trading";

describe("pool: insurance fund guards", () => {
  let sys: System;
  let admin: HardhatEthersSigner;
  let stranger: HardhatEthersSigner;
  let receiver: HardhatEthersSigner;

  beforeEach(async () => {
    sys = await loadSystem();
    [admin, stranger, receiver] = await ethers.getSigners();
  });

  /** A fund on a re-entrant quote token whose "engine" is the admin's EOA (so it may `cover`). */
  async function hookedFund(): Promise<{ fund: InsuranceFund; ree: ReentrantToken }> {
    const ree = await new ReentrantToken__factory(admin).deploy();
    const fund = await new InsuranceFund__factory(admin).deploy(admin.address, ree, admin.address);
    await ree.mint(admin.address, wad("100"));
    await ree.approve(await fund.getAddress(), MaxUint256);
    return { fund, ree };
  }

  it("constructor rejects a zero engine, quote token or admin (ZeroAddress)", async () => {
    const factory = new InsuranceFund__factory(admin);
    const engine = await sys.engine.getAddress();
    const quote = await sys.quote.getAddress();
    for (const args of [
      [ZeroAddress, quote, admin.address],
      [engine, ZeroAddress, admin.address],
      [engine, quote, ZeroAddress],
    ] as const) {
      await expect(factory.deploy(...args)).to.be.revertedWithCustomError(factory, "ZeroAddress");
    }
    const ok = await factory.deploy(engine, quote, admin.address);
    expect([await ok.engine(), await ok.quoteToken()]).to.deep.equal([engine, quote]);
  });

  it("seed(0) reverts ZeroAmount; seeding moves exactly the amount", async () => {
    const fund = sys.insuranceFund;
    const before = await fund.balance();
    await expect(fund.seed(0)).to.be.revertedWithCustomError(fund, "ZeroAmount");
    expect(await fund.balance()).to.equal(before);
    await sys.quote.mint(admin.address, usdc(5));
    await sys.quote.approve(await fund.getAddress(), usdc(5));
    await expect(fund.seed(usdc(5)))
      .to.emit(fund, "Seeded")
      .withArgs(admin.address, usdc(5));
    expect(await fund.balance()).to.equal(before + usdc(5));
  });

  it("INV-5: cover from an empty fund pays 0 and transfers nothing", async () => {
    const quote = await new MockERC20__factory(admin).deploy("Q", "Q", 6);
    const fund = await new InsuranceFund__factory(admin).deploy(
      admin.address,
      quote,
      admin.address,
    );
    expect(await fund.cover.staticCall(usdc(100))).to.equal(0n);
    const tx = await fund.cover(usdc(100));
    await expect(tx).to.emit(fund, "Covered").withArgs(usdc(100), 0n);
    await expect(tx).not.to.emit(quote, "Transfer");
    // With a balance it pays at most what it holds.
    await quote.mint(await fund.getAddress(), usdc(30));
    expect(await fund.cover.staticCall(usdc(100))).to.equal(usdc(30));
    await expect(fund.cover(usdc(100))).to.changeTokenBalances(
      quote,
      [fund, admin],
      [-usdc(30), usdc(30)],
    );
  });

  it("releaseSeizedCollateral: zero receiver (ZeroAddress) and zero amount (ZeroAmount)", async () => {
    const fund = sys.insuranceFund;
    const weth = sys.collaterals.WETH;
    await weth.mint(await fund.getAddress(), wad("1"));
    await expect(
      fund.releaseSeizedCollateral(weth, ZeroAddress, wad("1")),
    ).to.be.revertedWithCustomError(fund, "ZeroAddress");
    await expect(
      fund.releaseSeizedCollateral(weth, receiver.address, 0),
    ).to.be.revertedWithCustomError(fund, "ZeroAmount");
    expect(await weth.balanceOf(await fund.getAddress())).to.equal(wad("1"));
    await expect(fund.releaseSeizedCollateral(weth, receiver.address, wad("1")))
      .to.emit(fund, "SeizedCollateralReleased")
      .withArgs(await weth.getAddress(), receiver.address, wad("1"));
    expect(await weth.balanceOf(receiver.address)).to.equal(wad("1"));
  });

  it("INV-23: withdrawFromEngine is admin only, never the quote token, no zero receiver or amount", async () => {
    const fund = sys.insuranceFund;
    const weth = await sys.collaterals.WETH.getAddress();
    const role = await fund.DEFAULT_ADMIN_ROLE();
    await expect(fund.connect(stranger).withdrawFromEngine(weth, stranger.address, 1))
      .to.be.revertedWithCustomError(fund, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, role);
    await expect(
      fund.withdrawFromEngine(await sys.quote.getAddress(), receiver.address, 1),
    ).to.be.revertedWithCustomError(fund, "QuoteTokenLocked");
    await expect(fund.withdrawFromEngine(weth, ZeroAddress, 1)).to.be.revertedWithCustomError(
      fund,
      "ZeroAddress",
    );
    await expect(fund.withdrawFromEngine(weth, receiver.address, 0)).to.be.revertedWithCustomError(
      fund,
      "ZeroAmount",
    );
    // Past its own checks the call reaches the engine, which finds nothing on the fund's account.
    const fundAccount = BigInt(await fund.getAddress()) << 8n;
    expect(await sys.engine.collateralBalance(fundAccount, weth)).to.equal(0n);
    await expect(fund.withdrawFromEngine(weth, receiver.address, 1))
      .to.be.revertedWithCustomError(sys.engine, "InsufficientBalance")
      .withArgs(fundAccount, weth, 0n, 1n);
  });

  it("seed, cover and releaseSeizedCollateral re-entered from a token hook revert ReentrancyGuardReentrantCall", async () => {
    const { fund, ree } = await hookedFund();
    const f = await fund.getAddress();
    const guard = "ReentrancyGuardReentrantCall";
    const iface = fund.interface;
    const reenter = async (data: string) => ree.arm(f, data, true);

    // seed -> transferFrom hook -> seed
    await reenter(iface.encodeFunctionData("seed", [1n]));
    await expect(fund.seed(wad("10"))).to.be.revertedWithCustomError(fund, guard);
    expect(await fund.balance()).to.equal(0n);
    // The failed attempt rolled the hook's state back: still armed. Swallowing the nested
    // revert, the outer seed credits exactly its own amount.
    expect(await ree.armed()).to.equal(true);
    await ree.arm(f, iface.encodeFunctionData("seed", [1n]), false);
    await fund.seed(wad("10"));
    expect([await ree.hookCalled(), await ree.hookSucceeded()]).to.deep.equal([true, false]);
    expect(await ree.lastRevert()).to.equal(iface.getError(guard)!.selector);
    expect(await fund.balance()).to.equal(wad("10"));

    // cover -> transfer to the engine (the admin here) -> cover
    await reenter(iface.encodeFunctionData("cover", [1n]));
    await expect(fund.cover(wad("4"))).to.be.revertedWithCustomError(fund, guard);
    expect(await fund.balance()).to.equal(wad("10"));

    // releaseSeizedCollateral of another re-entrant token held by the fund
    const other = await new ReentrantToken__factory(admin).deploy();
    await other.mint(f, wad("3"));
    await other.arm(
      f,
      iface.encodeFunctionData("releaseSeizedCollateral", [
        await other.getAddress(),
        receiver.address,
        1n,
      ]),
      true,
    );
    await expect(
      fund.releaseSeizedCollateral(other, receiver.address, wad("3")),
    ).to.be.revertedWithCustomError(fund, guard);
    expect(await other.balanceOf(f)).to.equal(wad("3"));
    expect(await other.balanceOf(receiver.address)).to.equal(0n);
  });

  it("withdrawFromEngine re-entered from the engine call reverts ReentrancyGuardReentrantCall", async () => {
    const quote = await new MockERC20__factory(admin).deploy("Q", "Q", 6);
    const engine = await new ReentrantEngine__factory(admin).deploy(quote);
    const fund = await new InsuranceFund__factory(admin).deploy(engine, quote, admin.address);
    const weth = await sys.collaterals.WETH.getAddress();
    const data = fund.interface.encodeFunctionData("withdrawFromEngine", [
      weth,
      receiver.address,
      1n,
    ]);
    await engine.arm(await fund.getAddress(), data);
    await expect(fund.withdrawFromEngine(weth, receiver.address, 5n)).to.be.revertedWithCustomError(
      fund,
      "ReentrancyGuardReentrantCall",
    );
    // Unarmed, the same call goes through to the engine and emits.
    expect(await engine.armed()).to.equal(true); // the revert rolled the disarm back
    await engine.disarm();
    await expect(fund.withdrawFromEngine(weth, receiver.address, 5n))
      .to.emit(fund, "SeizedCollateralReleased")
      .withArgs(weth, receiver.address, 5n);
  });

  describe("buyCollateral", () => {
    /** The fund holding 2 WETH and 0.1 WBTC; `stranger` with quote tokens approved to it. */
    async function stocked() {
      const fund = sys.insuranceFund;
      const f = await fund.getAddress();
      await sys.collaterals.WETH.mint(f, wad("2"));
      await sys.collaterals.WBTC.mint(f, 10n ** 7n);
      await sys.quote.mint(stranger.address, usdc(100_000));
      await sys.quote.connect(stranger).approve(f, MaxUint256);
      return { fund, f, weth: sys.collaterals.WETH, wbtc: sys.collaterals.WBTC };
    }

    it("sells at the oracle price less half the liquidation discount, rounded up for the fund", async () => {
      const { fund, f, weth, wbtc } = await stocked();
      // WETH at 3000, discount 5 %: 3000 * (1 - 2.5 %) = 2,925 USDC per WETH.
      expect(await fund.collateralCost(weth, wad("1"))).to.equal(usdc(2_925));
      const q0 = await fund.balance();
      const tx = fund.connect(stranger).buyCollateral(weth, wad("1"), usdc(2_925));
      await expect(tx)
        .to.emit(fund, "CollateralBought")
        .withArgs(stranger.address, await weth.getAddress(), wad("1"), usdc(2_925));
      await expect(tx).to.changeTokenBalances(weth, [f, stranger], [-wad("1"), wad("1")]);
      expect(await fund.balance()).to.equal(q0 + usdc(2_925));
      // WBTC (8 decimals) at 60,000: 0.01 WBTC = 600 * 0.975 = 585 USDC.
      await expect(fund.connect(stranger).buyCollateral(wbtc, 10n ** 6n, usdc(585)))
        .to.emit(fund, "CollateralBought")
        .withArgs(stranger.address, await wbtc.getAddress(), 10n ** 6n, usdc(585));
      // 1 wei of WETH is worth 2.925e-15 USDC: the buyer pays a whole quote unit.
      expect(await fund.collateralCost(weth, 1n)).to.equal(1n);
      // The price follows the oracle: at 1,874.81, 1,874.81 * 0.975 = 1,827.93975 USDC.
      const feed = sys.collateralFeeds.WETH;
      await feed.updateAnswer(feedAnswer("1874.81", Number(await feed.decimals())));
      expect(await fund.collateralCost(weth, wad("1"))).to.equal(usdc("1827.93975"));
    });

    it("reverts SlippageExceeded above maxPaid; nothing moves", async () => {
      const { fund, f, weth } = await stocked();
      await expect(fund.connect(stranger).buyCollateral(weth, wad("1"), usdc(2_925) - 1n))
        .to.be.revertedWithCustomError(fund, "SlippageExceeded")
        .withArgs(usdc(2_925), usdc(2_925) - 1n);
      expect(await weth.balanceOf(f)).to.equal(wad("2"));
      expect(await sys.quote.balanceOf(stranger.address)).to.equal(usdc(100_000));
    });

    it("reverts ZeroAmount for a zero amount and QuoteTokenLocked for the quote token", async () => {
      const { fund, weth } = await stocked();
      const q0 = await fund.balance();
      await expect(
        fund.connect(stranger).buyCollateral(weth, 0, MaxUint256),
      ).to.be.revertedWithCustomError(fund, "ZeroAmount");
      await expect(
        fund.connect(stranger).buyCollateral(await sys.quote.getAddress(), 1n, MaxUint256),
      ).to.be.revertedWithCustomError(fund, "QuoteTokenLocked");
      expect(await fund.balance()).to.equal(q0);
    });

    it("reverts with the engine's OracleStale for a stale feed, UnknownToken for an unlisted one", async () => {
      const { fund, f, weth, wbtc } = await stocked();
      const heartbeat = (await sys.engine.getCollateral(weth)).heartbeat;
      await time.increase(heartbeat + 1n);
      // WBTC's feed answers again; WETH's is past its heartbeat.
      const wbtcFeed = sys.collateralFeeds.WBTC;
      await wbtcFeed.updateAnswer(await wbtcFeed.latestAnswer());
      await expect(
        fund.connect(stranger).buyCollateral(weth, wad("1"), MaxUint256),
      ).to.be.revertedWithCustomError(sys.engine, "OracleStale");
      expect(await weth.balanceOf(f)).to.equal(wad("2"));
      await fund.connect(stranger).buyCollateral(wbtc, 10n ** 6n, MaxUint256);
      const other = await new MockERC20__factory(admin).deploy("X", "X", 18);
      await other.mint(f, wad("1"));
      await expect(fund.connect(stranger).buyCollateral(other, wad("1"), MaxUint256))
        .to.be.revertedWithCustomError(sys.engine, "UnknownToken")
        .withArgs(await other.getAddress());
    });
  });
});

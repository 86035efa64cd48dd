/** Governance roles: every admin / risk-manager / guardian function refuses other callers and
 *  changes nothing; hard bounds on market and liquidation parameters; pause; one-time wiring. */
import { marketGovernanceCalls } from "../../helpers/adversarial";
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, ZeroAddress } from "ethers";
import { ICrossmargin, MockERC20__factory } from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { units, wad } from "../../../src/common/units";
import {
  Ctx,
  DAY,
  LIQUIDATION,
  MOCK_DESCRIPTION,
  addLiquidity,
  b32,
  freshEngine,
  fund,
  setup,
  tradeAt,
} from "./helpers";
import { collateralParams } from "../../helpers/risk";
import { marketStruct } from "../../../deploy/steps/configure";
import { field } from "../../../scripts/bench/layout";

const WAD = 10n ** 18n;
type Call = (e: ICrossmargin) => Promise<unknown>;

// Valid arguments (the deploy config's values) that a test overrides one at a time.
const TRADING = {
  skewScale: wad("1000000"),
  makerFee: wad("0.0002"),
  takerFee: wad("0.0006"),
  maxFundingVelocity: wad("9"),
};
const MARGIN = {
  imrBase: wad("0.02"),
  imrSizeFactor: wad("0.0001"),
  maintenanceScalar: wad("0.5"),
  minPositionMarginUsd: wad("20"),
};
const MAX_U128 = (1n << 128n) - 1n;
const LIMITS = {
  maxOpenInterest: wad("100000"),
  maxOiPoolRatio: wad("5"),
  maxNetExposureRatio: wad("2"),
  maxLiquidationPerWindowUsd: wad("5000000"),
  liquidationWindow: 30,
};
const ORDER = { instantTrading: true, minOrderDelay: 2, maxOrderAge: 7200 };

describe("vault: roles and governance bounds", () => {
  let ctx: Ctx;
  let user: HardhatEthersSigner;
  let risk: HardhatEthersSigner;
  let guardian: HardhatEthersSigner;
  let ADMIN: string;
  let RISK: string;
  let GUARDIAN: string;

  beforeEach(async () => {
    ctx = await setup();
    [user, risk, guardian] = ctx.users;
    ADMIN = await ctx.engine.DEFAULT_ADMIN_ROLE();
    RISK = await ctx.engine.RISK_MANAGER_ROLE();
    GUARDIAN = await ctx.engine.GUARDIAN_ROLE();
    await ctx.engine.grantRole(RISK, risk.address);
    await ctx.engine.grantRole(GUARDIAN, guardian.address);
  });

  /** Everything governance can change: views, role membership and the engine's first storage
   *  slots (scalar configuration: wiring, pause flag, liquidation parameters, sequencer). */
  async function digest(): Promise<unknown[]> {
    const e = ctx.engine;
    const out: unknown[] = [await e.pool(), await e.insuranceFund(), await e.paused()];
    const tokens = [...(await e.collateralTokens())];
    out.push(tokens);
    for (const t of tokens) out.push([...(await e.getCollateral(t))]);
    const n = await e.marketCount();
    out.push(n);
    for (let i = 0n; i < n; i++) {
      out.push([...(await e.getMarket(i))], [...(await e.getMarketState(i))]);
    }
    for (const s of [user, risk, guardian, ctx.admin]) {
      for (const r of [ADMIN, RISK, GUARDIAN]) out.push(await e.hasRole(r, s.address));
    }
    for (let slot = 0; slot < 16; slot++) {
      out.push(await ethers.provider.getStorage(ctx.engineAddress, slot));
    }
    return out;
  }

  function calls(): [string, string, Call][] {
    const weth = ctx.collaterals.WETH.target as string;
    const wethFeed = ctx.collateralFeeds.WETH.target as string;
    const mFeed = ctx.marketFeeds[0].target as string;
    const cParams = collateralParams(wethFeed, DAY, { weight: "0.5", discount: 0n, cap: 1n });
    return [
      ["listCollateral", ADMIN, (e) => e.listCollateral(user.address, cParams, MOCK_DESCRIPTION)],
      ["setCollateralParams", RISK, (e) => e.setCollateralParams(weth, cParams.risk)],
      [
        "setCollateralFeed",
        ADMIN,
        (e) => e.setCollateralFeed(weth, wethFeed, 60, MOCK_DESCRIPTION),
      ],
      [
        "addMarket",
        ADMIN,
        (e) =>
          e.addMarket(
            { ...marketStruct(ctx.config.markets[0], mFeed), name: b32("NEW-PERP") },
            MOCK_DESCRIPTION,
          ),
      ],
      ["setMarketFeed", ADMIN, (e) => e.setMarketFeed(0, mFeed, 60, MOCK_DESCRIPTION)],
      ...marketGovernanceCalls(ADMIN, RISK),
      ["setSequencer", ADMIN, (e) => e.setSequencer(wethFeed, 0)],
      ["setPool", ADMIN, (e) => e.setPool(user.address)],
      ["setInsuranceFund", ADMIN, (e) => e.setInsuranceFund(user.address)],
      ["pause", GUARDIAN, (e) => e.pause()],
      ["unpause", ADMIN, (e) => e.unpause()],
      ["grantRole", ADMIN, (e) => e.grantRole(ADMIN, user.address)],
      ["revokeRole", ADMIN, (e) => e.revokeRole(RISK, risk.address)],
    ];
  }

  describe("unauthorised callers: AccessControlUnauthorizedAccount, nothing changed", () => {
    it("a signer without roles is refused by every governance function", async () => {
      const before = await digest();
      for (const [name, role, call] of calls()) {
        await expect(call(ctx.engine.connect(user)), name)
          .to.be.revertedWithCustomError(ctx.engine, "AccessControlUnauthorizedAccount")
          .withArgs(user.address, role);
      }
      await expect(ctx.engine.connect(user).setMarketStatus(0, 3))
        .to.be.revertedWithCustomError(ctx.engine, "AccessControlUnauthorizedAccount")
        .withArgs(user.address, ADMIN);
      expect(await digest()).to.deep.equal(before);
    });

    it("roles are separate: the risk manager and the guardian only hold their own", async () => {
      const before = await digest();
      for (const [name, role, call] of calls()) {
        for (const s of [risk, guardian]) {
          const holds = (s === risk && role === RISK) || (s === guardian && role === GUARDIAN);
          if (holds) continue;
          await expect(call(ctx.engine.connect(s)), `${name} by ${s.address}`)
            .to.be.revertedWithCustomError(ctx.engine, "AccessControlUnauthorizedAccount")
            .withArgs(s.address, role);
        }
      }
      expect(await digest()).to.deep.equal(before);
    });

    it("setMarketStatus: the guardian may pause or restrict a market but only the admin reactivates", async () => {
      await expect(ctx.engine.connect(guardian).setMarketStatus(0, 3))
        .to.emit(ctx.engine, "MarketStatusSet")
        .withArgs(0, 3, 0);
      await expect(ctx.engine.connect(guardian).setMarketStatus(1, 2))
        .to.emit(ctx.engine, "MarketStatusSet")
        .withArgs(1, 2, 0);
      const before = await digest();
      await expect(ctx.engine.connect(guardian).setMarketStatus(0, 1))
        .to.be.revertedWithCustomError(ctx.engine, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ADMIN);
      await expect(ctx.engine.connect(risk).setMarketStatus(0, 1))
        .to.be.revertedWithCustomError(ctx.engine, "AccessControlUnauthorizedAccount")
        .withArgs(risk.address, ADMIN);
      await expect(ctx.engine.setMarketStatus(0, 0))
        .to.be.revertedWithCustomError(ctx.engine, "InvalidStatus")
        .withArgs(0, 0);
      expect(await digest()).to.deep.equal(before);
      await ctx.engine.setMarketStatus(0, 1);
      expect((await ctx.engine.getMarket(0)).status).to.equal(1n);
    });
  });

  describe("hard bounds: ParameterOutOfBounds, nothing changed", () => {
    type Case = [string, Record<string, unknown>, string, bigint, bigint, bigint];
    const cases: Case[] = [
      ["setMarketTradingParams", TRADING, "skewScale", 10n ** 33n + 1n, 0n, 10n ** 33n],
      ["setMarketTradingParams", TRADING, "makerFee", wad("0.05") + 1n, 0n, wad("0.05")],
      ["setMarketTradingParams", TRADING, "takerFee", wad("0.05") + 1n, 0n, wad("0.05")],
      // INV-53: at most 50x initial leverage (imrBase >= 2 %) and 100x at liquidation
      // (maintenanceScalar >= 0.5).
      ["setMarketMarginParams", MARGIN, "imrBase", wad("0.02") - 1n, wad("0.02"), WAD],
      ["setMarketMarginParams", MARGIN, "imrBase", WAD + 1n, wad("0.02"), WAD],
      ["setMarketMarginParams", MARGIN, "imrSizeFactor", wad("0.01") + 1n, 0n, wad("0.01")],
      [
        "setMarketMarginParams",
        MARGIN,
        "maintenanceScalar",
        wad("0.5") - 1n,
        wad("0.5"),
        wad("0.9"),
      ],
      [
        "setMarketMarginParams",
        MARGIN,
        "maintenanceScalar",
        wad("0.9") + 1n,
        wad("0.5"),
        wad("0.9"),
      ],
      [
        "setMarketMarginParams",
        MARGIN,
        "minPositionMarginUsd",
        wad("10000") + 1n,
        0n,
        wad("10000"),
      ],
      ["setMarketTradingParams", TRADING, "maxFundingVelocity", wad("10") + 1n, 0n, wad("10")],
      ["setMarketLimits", LIMITS, "maxOpenInterest", 10n ** 33n + 1n, 0n, 10n ** 33n],
      ["setMarketLimits", LIMITS, "maxOiPoolRatio", wad("10") + 1n, wad("0.1"), wad("10")],
      // INV-32: a ratio of 0 would reserve the whole pool; a tiny cap would freeze liquidation.
      ["setMarketLimits", LIMITS, "maxOiPoolRatio", 0n, wad("0.1"), wad("10")],
      ["setMarketLimits", LIMITS, "maxOiPoolRatio", wad("0.1") - 1n, wad("0.1"), wad("10")],
      // INV-45: the net exposure ratio is bounded to 0.1 .. 10.
      ["setMarketLimits", LIMITS, "maxNetExposureRatio", 0n, wad("0.1"), wad("10")],
      ["setMarketLimits", LIMITS, "maxNetExposureRatio", wad("0.1") - 1n, wad("0.1"), wad("10")],
      ["setMarketLimits", LIMITS, "maxNetExposureRatio", wad("10") + 1n, wad("0.1"), wad("10")],
      ["setMarketLimits", LIMITS, "maxLiquidationPerWindowUsd", 1n, wad("100000"), MAX_U128],
      [
        "setMarketLimits",
        LIMITS,
        "maxLiquidationPerWindowUsd",
        wad("100000") - 1n,
        wad("100000"),
        MAX_U128,
      ],
      ["setMarketLimits", LIMITS, "liquidationWindow", 86_401n, 0n, 86_400n],
      ["setMarketOrderParams", ORDER, "minOrderDelay", 3601n, 0n, 3600n],
      ["setMarketOrderParams", ORDER, "maxOrderAge", 2n, 3n, 86_400n],
      ["setMarketOrderParams", ORDER, "maxOrderAge", 86_401n, 3n, 86_400n],
      ["setLiquidationParams", LIQUIDATION, "feeRate", wad("0.05") + 1n, 0n, wad("0.05")],
      ["setLiquidationParams", LIQUIDATION, "buffer", WAD + 1n, 0n, WAD],
      [
        "setLiquidationParams",
        LIQUIDATION,
        "maxKeeperRewardUsd",
        wad("10000") + 1n,
        0n,
        wad("10000"),
      ],
      [
        "setLiquidationParams",
        LIQUIDATION,
        "minKeeperRewardUsd",
        wad("1000") + 1n,
        0n,
        wad("1000"),
      ],
      ["setLiquidationParams", LIQUIDATION, "closeFactorHfThreshold", WAD + 1n, 0n, WAD],
      ["setLiquidationParams", LIQUIDATION, "smallDebtUsd", wad("100000") + 1n, 0n, wad("100000")],
      ["setLiquidationParams", LIQUIDATION, "orderKeeperFeeUsd", wad("1000") + 1n, 0n, wad("1000")],
      ["setLiquidationParams", LIQUIDATION, "penaltyRate", wad("0.05") + 1n, 0n, wad("0.05")],
      ["setLiquidationParams", LIQUIDATION, "accountWindow", 59n, 60n, 86_400n],
      ["setLiquidationParams", LIQUIDATION, "accountWindow", 86_401n, 60n, 86_400n],
    ];
    for (const [fn, base, name, value, lo, hi] of cases) {
      const inv = name === "imrBase" || name === "maintenanceScalar" ? "INV-53: " : "";
      it(`${inv}${fn}: ${name} = ${value}`, async () => {
        const p = { ...base, [name]: value };
        const args = fn === "setLiquidationParams" ? [p] : [0, p];
        const before = await digest();
        const e = ctx.engine.connect(risk) as unknown as Record<
          string,
          (...a: unknown[]) => Promise<unknown>
        >;
        await expect(e[fn](...args))
          .to.be.revertedWithCustomError(ctx.engine, "ParameterOutOfBounds")
          .withArgs(b32(name), value, lo, hi);
        expect(await digest()).to.deep.equal(before);
      });
    }

    it("the bounds themselves are accepted, with events (INV-53: imrBase 2 %, maintenanceScalar 0.5)", async () => {
      const e = ctx.engine.connect(risk);
      await expect(
        e.setMarketTradingParams(0, {
          skewScale: 10n ** 33n,
          makerFee: wad("0.05"),
          takerFee: wad("0.05"),
          maxFundingVelocity: wad("10"),
        }),
      )
        .to.emit(ctx.engine, "MarketTradingParamsSet")
        .withArgs(0, [10n ** 33n, wad("0.05"), wad("0.05"), wad("10")]);
      await expect(
        e.setMarketMarginParams(0, {
          imrBase: wad("0.02"),
          imrSizeFactor: wad("0.01"),
          maintenanceScalar: wad("0.5"),
          minPositionMarginUsd: wad("10000"),
        }),
      )
        .to.emit(ctx.engine, "MarketMarginParamsSet")
        .withArgs(0, [wad("0.02"), wad("0.01"), wad("0.5"), wad("10000")]);
      await expect(
        e.setMarketLimits(0, {
          maxOpenInterest: 10n ** 33n,
          maxOiPoolRatio: wad("10"),
          maxNetExposureRatio: wad("10"),
          maxLiquidationPerWindowUsd: 0,
          liquidationWindow: 86_400,
        }),
      )
        .to.emit(ctx.engine, "MarketLimitsSet")
        .withArgs(0, [10n ** 33n, wad("10"), wad("10"), 0, 86_400]);
      await expect(
        e.setMarketOrderParams(0, {
          instantTrading: false,
          minOrderDelay: 3600,
          maxOrderAge: 86_400,
        }),
      )
        .to.emit(ctx.engine, "MarketOrderParamsSet")
        .withArgs(0, [false, 3600, 86_400]);
      const liq = {
        feeRate: wad("0.05"),
        buffer: WAD,
        minKeeperRewardUsd: wad("10000"),
        maxKeeperRewardUsd: wad("10000"),
        closeFactorHfThreshold: WAD,
        smallDebtUsd: wad("100000"),
        orderKeeperFeeUsd: wad("1000"),
        penaltyRate: wad("0.05"),
        accountWindow: 86_400n,
      };
      await expect(e.setLiquidationParams(liq))
        .to.emit(ctx.engine, "LiquidationParamsSet")
        .withArgs(Object.values(liq));
      // INV-75: at their bounds the rates (32-bit nanos), the rewards (48-bit micro-USD) and
      // the window share one slot, stored untruncated.
      const word = BigInt(
        await ethers.provider.getStorage(
          await ctx.engine.getAddress(),
          field("liq.0 (rates, keeper rewards, window)"),
        ),
      );
      const bits = (from: bigint, n: bigint) => (word >> from) & ((1n << n) - 1n);
      const [nano, micro] = [10n ** 9n, 10n ** 12n];
      expect([
        bits(0n, 32n),
        bits(32n, 32n),
        bits(64n, 32n),
        bits(128n, 48n),
        bits(176n, 48n),
        bits(224n, 32n),
      ]).to.deep.equal([
        liq.feeRate / nano,
        liq.buffer / nano,
        liq.penaltyRate / nano,
        liq.minKeeperRewardUsd / micro,
        liq.maxKeeperRewardUsd / micro,
        liq.accountWindow,
      ]);
      const m = await ctx.engine.getMarket(0);
      expect([
        m.skewScale,
        m.imrBase,
        m.maxOiPoolRatio,
        m.maxNetExposureRatio,
        m.maxOrderAge,
      ]).to.deep.equal([10n ** 33n, wad("0.02"), wad("10"), wad("10"), 86_400n]);
    });

    it("unknown market (UnknownMarket), out-of-bound addMarket, too-large settlement price", async () => {
      const before = await digest();
      const e = ctx.engine.connect(risk);
      await expect(e.setMarketTradingParams(3, TRADING))
        .to.be.revertedWithCustomError(ctx.engine, "UnknownMarket")
        .withArgs(3);
      await expect(
        e.setMarketLimits(99, {
          maxOpenInterest: 0,
          maxOiPoolRatio: 0,
          maxNetExposureRatio: 0,
          maxLiquidationPerWindowUsd: 0,
          liquidationWindow: 0,
        }),
      )
        .to.be.revertedWithCustomError(ctx.engine, "UnknownMarket")
        .withArgs(99);
      const feed = ctx.marketFeeds[0].target as string;
      const good = { ...marketStruct(ctx.config.markets[0], feed), name: b32("NEW-PERP") };
      const bad = { ...good, trading: { ...good.trading, takerFee: wad("0.05") + 1n } };
      await expect(ctx.engine.addMarket(bad, MOCK_DESCRIPTION))
        .to.be.revertedWithCustomError(ctx.engine, "ParameterOutOfBounds")
        .withArgs(b32("takerFee"), wad("0.05") + 1n, 0, wad("0.05"));
      const big = 1n << 128n;
      await expect(ctx.engine.settleMarket(0, big))
        .to.be.revertedWithCustomError(ctx.engine, "ParameterOutOfBounds")
        .withArgs(b32("settlementPrice"), big, 1, big - 1n);
      expect(await digest()).to.deep.equal(before);
    });
  });

  describe("pause / unpause", () => {
    it("the guardian pauses, only the admin unpauses; paused stops new risk, not reductions or deposits", async () => {
      const trader = ctx.users[4];
      const acct = accountId(trader.address);
      await addLiquidity(ctx, ctx.users[9], units("1000000", 6));
      await fund(ctx.quote, ctx.engineAddress, trader, units("10000", 6));
      await ctx.engine.connect(trader).deposit(0, ctx.quote.target, units("5000", 6));
      await tradeAt(ctx, trader, acct, 0, wad("2"), (await time.latest()) + 1);

      await expect(ctx.engine.connect(guardian).pause())
        .to.emit(ctx.engine, "PausedSet")
        .withArgs(true);
      expect(await ctx.engine.paused()).to.equal(true);
      await expect(ctx.engine.connect(guardian).unpause())
        .to.be.revertedWithCustomError(ctx.engine, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ADMIN);
      const pos = await ctx.engine.getPosition(acct, 0);
      await expect(
        ctx.engine.connect(trader).modifyPosition(acct, 0, wad("1"), MaxUint256, MaxUint256),
      ).to.be.revertedWithCustomError(ctx.engine, "ProtocolPaused");
      expect((await ctx.engine.getPosition(acct, 0)).size).to.equal(pos.size);
      await ctx.engine.connect(trader).modifyPosition(acct, 0, -wad("1"), 1n, MaxUint256);
      expect((await ctx.engine.getPosition(acct, 0)).size).to.equal(wad("1"));
      await expect(ctx.engine.connect(trader).deposit(0, ctx.quote.target, 1n)).to.emit(
        ctx.engine,
        "Deposited",
      );

      await expect(ctx.engine.unpause()).to.emit(ctx.engine, "PausedSet").withArgs(false);
      expect(await ctx.engine.paused()).to.equal(false);
      await ctx.engine.connect(trader).modifyPosition(acct, 0, wad("1"), MaxUint256, MaxUint256);
      expect((await ctx.engine.getPosition(acct, 0)).size).to.equal(wad("2"));
    });
  });

  describe("wiring: setPool / setInsuranceFund once; constructor checks", () => {
    it("the deployed engine is wired: a second setPool / setInsuranceFund reverts AlreadySet", async () => {
      const before = await digest();
      await expect(ctx.engine.setPool(user.address))
        .to.be.revertedWithCustomError(ctx.engine, "AlreadySet")
        .withArgs(b32("pool"));
      await expect(ctx.engine.setInsuranceFund(user.address))
        .to.be.revertedWithCustomError(ctx.engine, "AlreadySet")
        .withArgs(b32("insuranceFund"));
      expect(await digest()).to.deep.equal(before);
      expect(await ctx.engine.pool()).to.equal(await ctx.pool.getAddress());
      expect(await ctx.engine.insuranceFund()).to.equal(await ctx.insuranceFund.getAddress());
    });

    it("a fresh engine: the admin sets each once (event), zero address refused", async () => {
      const e = await freshEngine(ctx, ctx.quote.target as string, risk.address);
      expect(await e.hasRole(ADMIN, risk.address)).to.equal(true);
      expect(await e.hasRole(RISK, risk.address)).to.equal(false);
      expect(await e.hasRole(ADMIN, ctx.admin.address)).to.equal(false);
      const r = e.connect(risk);
      await expect(r.setPool(ZeroAddress)).to.be.revertedWithCustomError(e, "ZeroAddress");
      await expect(r.setInsuranceFund(ZeroAddress)).to.be.revertedWithCustomError(e, "ZeroAddress");
      await expect(e.connect(user).setPool(user.address))
        .to.be.revertedWithCustomError(e, "AccessControlUnauthorizedAccount")
        .withArgs(user.address, ADMIN);
      await expect(r.setPool(user.address)).to.emit(e, "PoolSet").withArgs(user.address);
      await expect(r.setInsuranceFund(guardian.address))
        .to.emit(e, "InsuranceFundSet")
        .withArgs(guardian.address);
      await expect(r.setPool(guardian.address))
        .to.be.revertedWithCustomError(e, "AlreadySet")
        .withArgs(b32("pool"));
      await expect(r.setInsuranceFund(user.address))
        .to.be.revertedWithCustomError(e, "AlreadySet")
        .withArgs(b32("insuranceFund"));
      expect([await e.pool(), await e.insuranceFund()]).to.deep.equal([
        user.address,
        guardian.address,
      ]);
    });

    it("constructor: zero quote or admin (ZeroAddress), quote with more than 18 decimals", async () => {
      const q = ctx.quote.target as string;
      await expect(freshEngine(ctx, ZeroAddress)).to.be.revertedWithCustomError(
        ctx.engine,
        "ZeroAddress",
      );
      await expect(freshEngine(ctx, q, ZeroAddress)).to.be.revertedWithCustomError(
        ctx.engine,
        "ZeroAddress",
      );
      const wide = await new MockERC20__factory(ctx.admin).deploy("Wide", "W", 19);
      await expect(freshEngine(ctx, wide.target as string))
        .to.be.revertedWithCustomError(ctx.engine, "UnsupportedDecimals")
        .withArgs(wide.target, 19);
      const e18 = await freshEngine(
        ctx,
        (await new MockERC20__factory(ctx.admin).deploy("D18", "D", 18)).target as string,
      );
      expect(await e18.paused()).to.equal(false);
    });
  });
});

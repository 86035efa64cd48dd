/** INV-73: a market's fees are stored in pips (1e-6) and its margin and funding parameters in
 *  nanos (1e-9); INV-75: the liquidation rates in nanos and the keeper rewards in micro-USD;
 *  INV-78: a collateral's weights in basis points (1e-4). An
 *  off-grid value reverts ParameterOffGrid and changes nothing; on-grid values, the grids'
 *  extremes within the bounds included, read back exactly as WAD. */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import { ethers } from "hardhat";
import { Ctx, LIQUIDATION, b32, setup } from "./helpers";
import { at, field, mapping } from "../../../scripts/bench/layout";
import { collateralParams, collateralRisk, riskFields } from "../../helpers/risk";
import { MockERC20__factory, MockV3Aggregator__factory } from "../../../typechain-types";
import { feedAnswer } from "../../../src/common/units";
import { MOCK_DESCRIPTION } from "./helpers";

const WAD = 10n ** 18n;

describe("vault: parameters on their storage grids (INV-73, INV-75, INV-78)", () => {
  let ctx: Ctx;
  let risk: HardhatEthersSigner;
  let TRADING: Record<string, bigint>;
  let MARGIN: Record<string, bigint>;

  beforeEach(async () => {
    ctx = await setup();
    [, risk] = ctx.users;
    await ctx.engine.grantRole(await ctx.engine.RISK_MANAGER_ROLE(), risk.address);
    // The deployed market's own (valid) parameters, overridden one at a time.
    const m = await ctx.engine.getMarket(0);
    TRADING = {
      skewScale: m.skewScale,
      makerFee: m.makerFee,
      takerFee: m.takerFee,
      maxFundingVelocity: m.maxFundingVelocity,
    };
    MARGIN = {
      imrBase: m.imrBase,
      imrSizeFactor: m.imrSizeFactor,
      maintenanceScalar: m.maintenanceScalar,
      minPositionMarginUsd: m.minPositionMargin,
    };
  });

  /** Every market's parameters and state. */
  async function digest(): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0n; i < (await ctx.engine.marketCount()); i++) {
      out.push([...(await ctx.engine.getMarket(i))], [...(await ctx.engine.getMarketState(i))]);
    }
    return out;
  }

  it("an off-grid value of each parameter reverts ParameterOffGrid and changes nothing; on-grid values read back exactly", async () => {
    const e = ctx.engine.connect(risk);
    const PIP = 10n ** 12n;
    const NANO = 10n ** 9n;
    const offGrid: [string, Record<string, bigint>, string, bigint, bigint][] = [
      ["setMarketTradingParams", TRADING, "makerFee", 1n, PIP],
      ["setMarketTradingParams", TRADING, "takerFee", PIP + 1n, PIP],
      ["setMarketTradingParams", TRADING, "takerFee", wad("0.05") - 1n, PIP],
      ["setMarketTradingParams", TRADING, "makerFee", wad("0.0006") + PIP / 2n, PIP],
      ["setMarketTradingParams", TRADING, "skewScale", wad("1000000") + 1n, NANO],
      ["setMarketTradingParams", TRADING, "maxFundingVelocity", NANO - 1n, NANO],
      ["setMarketMarginParams", MARGIN, "imrBase", wad("0.02") + NANO / 2n, NANO],
      ["setMarketMarginParams", MARGIN, "imrSizeFactor", 1n, NANO],
      ["setMarketMarginParams", MARGIN, "maintenanceScalar", wad("0.9") - 1n, NANO],
      ["setMarketMarginParams", MARGIN, "minPositionMarginUsd", wad("20") + 7n, NANO],
    ];
    for (const [fn, base, name, value, step] of offGrid) {
      const before = await digest();
      const call = (e as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn](0, {
        ...base,
        [name]: value,
      });
      await expect(call, `${name} ${value}`)
        .to.be.revertedWithCustomError(ctx.engine, "ParameterOffGrid")
        .withArgs(b32(name), value, step);
      expect(await digest()).to.deep.equal(before);
    }
    // The extremes of each grid within the bounds, and values with every digit used.
    const trading = [
      { skewScale: NANO, makerFee: PIP, takerFee: wad("0.05"), maxFundingVelocity: wad("10") },
      {
        skewScale: 10n ** 33n - NANO,
        makerFee: 0n,
        takerFee: PIP * 12_345n,
        maxFundingVelocity: NANO * 123_456_789n,
      },
    ];
    const margin = [
      {
        imrBase: WAD,
        imrSizeFactor: wad("0.01"),
        maintenanceScalar: wad("0.9"),
        minPositionMarginUsd: wad("10000"),
      },
      {
        imrBase: wad("0.123456789"),
        imrSizeFactor: NANO,
        maintenanceScalar: wad("0.587654321"),
        minPositionMarginUsd: NANO * 7n,
      },
    ];
    // `getMarket` names the minimum margin without the setter's `Usd` suffix.
    const viewKey = (k: string) => (k === "minPositionMarginUsd" ? "minPositionMargin" : k);
    const sets: [string, Record<string, bigint>][] = [
      ...trading.map((p): [string, Record<string, bigint>] => ["setMarketTradingParams", p]),
      ...margin.map((p): [string, Record<string, bigint>] => ["setMarketMarginParams", p]),
    ];
    for (const [fn, p] of sets) {
      const setter = (e as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn];
      const event =
        fn === "setMarketTradingParams" ? "MarketTradingParamsSet" : "MarketMarginParamsSet";
      // The event carries the parameters as given (the struct's field order is `p`'s).
      await expect(setter(0, p)).to.emit(ctx.engine, event).withArgs(0, Object.values(p));
      const m = (await ctx.engine.getMarket(0)) as unknown as Record<string, bigint>;
      for (const k of Object.keys(p)) expect(m[viewKey(k)], `${fn} ${k}`).to.equal(p[k]);
    }
  });

  it("INV-75: an off-grid liquidation rate or keeper reward reverts ParameterOffGrid and changes nothing; on-grid values are stored exactly and read back by getLiquidationParams", async () => {
    const e = ctx.engine.connect(risk);
    const [NANO, MICRO] = [10n ** 9n, 10n ** 12n];
    const engine = await ctx.engine.getAddress();
    const words = async () =>
      Promise.all(
        [
          "liq.0 (rates, keeper rewards, window)",
          "liq.1 (close factor, small debt, order fee)",
        ].map(async (f) => BigInt(await ethers.provider.getStorage(engine, field(f)))),
      );
    const base = LIQUIDATION;
    const offGrid: [string, bigint, bigint][] = [
      ["feeRate", NANO + 1n, NANO],
      ["buffer", WAD - 1n, NANO],
      ["penaltyRate", NANO / 2n, NANO],
      ["minKeeperRewardUsd", wad("5") + 1n, MICRO],
      ["maxKeeperRewardUsd", wad("1000") + MICRO / 2n, MICRO],
    ];
    for (const [name, value, step] of offGrid) {
      const before = await words();
      await expect(e.setLiquidationParams({ ...base, [name]: value }), `${name} ${value}`)
        .to.be.revertedWithCustomError(ctx.engine, "ParameterOffGrid")
        .withArgs(b32(name), value, step);
      expect(await words()).to.deep.equal(before);
    }
    let highestTaker = 0n;
    for (let i = 0n; i < (await ctx.engine.marketCount()); i++) {
      const fee = (await ctx.engine.getMarket(i)).takerFee;
      if (fee > highestTaker) highestTaker = fee;
    }
    const sets = [
      // the grids' extremes within the bounds
      { ...base, feeRate: wad("0.05"), buffer: WAD, penaltyRate: NANO },
      { ...base, minKeeperRewardUsd: MICRO, maxKeeperRewardUsd: wad("10000") },
      // every digit used
      {
        ...base,
        feeRate: wad("0.012345678"),
        buffer: wad("0.987654321"),
        penaltyRate: wad("0.049999999"),
        minKeeperRewardUsd: wad("1234.567891"),
        maxKeeperRewardUsd: wad("9876.543219"),
        accountWindow: 86_399n,
      },
    ];
    for (const p of sets) {
      await expect(e.setLiquidationParams(p))
        .to.emit(ctx.engine, "LiquidationParamsSet")
        .withArgs(Object.values(p));
      const [view, floor] = await ctx.engine.getLiquidationParams();
      expect([[...view], floor]).to.deep.equal([Object.values(p), highestTaker]);
      const [w0, w1] = await words();
      const bits = (w: bigint, from: bigint, n: bigint) => (w >> from) & ((1n << n) - 1n);
      expect([
        bits(w0, 0n, 32n) * NANO,
        bits(w0, 32n, 32n) * NANO,
        bits(w0, 64n, 32n) * NANO,
        bits(w0, 96n, 32n) * NANO,
        bits(w0, 128n, 48n) * MICRO,
        bits(w0, 176n, 48n) * MICRO,
        bits(w0, 224n, 32n),
      ]).to.deep.equal([
        p.feeRate,
        p.buffer,
        p.penaltyRate,
        highestTaker,
        p.minKeeperRewardUsd,
        p.maxKeeperRewardUsd,
        p.accountWindow,
      ]);
      expect([bits(w1, 0n, 64n), bits(w1, 64n, 96n), bits(w1, 160n, 96n)]).to.deep.equal([
        p.closeFactorHfThreshold,
        p.smallDebtUsd,
        p.orderKeeperFeeUsd,
      ]);
    }
  });

  it("INV-78: an off-grid collateral weight reverts ParameterOffGrid and changes nothing, at listing and after; on-grid weights are stored in basis points beside the feed, by the token's index, and read back exactly", async () => {
    const e = ctx.engine.connect(risk);
    const BPS = 10n ** 14n;
    const engine = await ctx.engine.getAddress();
    const weth = await ctx.collaterals.WETH.getAddress();
    /** A collateral's four storage slots: its listing's two by address (`CollateralListing`),
     *  its configuration's two by index (`StoredCollateral`). */
    const slots = async (token: string, index: bigint) => {
      const listing = at(token, mapping("collaterals"), "address");
      const config = at(index, mapping("collateralConfigs"));
      return Promise.all(
        [listing, listing + 1n, config, config + 1n].map(async (slot) =>
          BigInt(await ethers.provider.getStorage(engine, slot)),
        ),
      );
    };
    const tokens = async () => [...(await ctx.engine.collateralTokens())];
    const wethIndex = (await ctx.engine.getCollateral(weth)).index;
    const next = BigInt((await tokens()).length);
    const base = { weight: "0.8", initialWeight: "0.75", discount: "0.05" };
    const offGrid: [string, Record<string, bigint | string>, bigint][] = [
      ["initialWeight", { initialWeight: wad("0.75") + 1n }, wad("0.75") + 1n],
      ["initialWeight", { initialWeight: BPS - 1n }, BPS - 1n],
      ["maintenanceWeight", { weight: wad("0.8") + BPS / 2n }, wad("0.8") + BPS / 2n],
      ["maintenanceWeight", { weight: wad("0.95") - 1n }, wad("0.95") - 1n],
    ];
    const token = await new MockERC20__factory(ctx.admin).deploy("Staked ETH", "stETH", 18);
    const feed = await new MockV3Aggregator__factory(ctx.admin).deploy(8, feedAnswer("3000", 8));
    for (const [name, o, value] of offGrid) {
      const before = [await slots(weth, wethIndex), await tokens()];
      await expect(
        e.setCollateralParams(weth, collateralRisk({ ...base, ...o })),
        `${name} ${value}`,
      )
        .to.be.revertedWithCustomError(ctx.engine, "ParameterOffGrid")
        .withArgs(b32(name), value, BPS);
      const listing = ctx.engine.listCollateral(
        token,
        collateralParams(await feed.getAddress(), 3600, { ...base, ...o }),
        MOCK_DESCRIPTION,
      );
      await expect(listing, `listing: ${name} ${value}`)
        .to.be.revertedWithCustomError(ctx.engine, "ParameterOffGrid")
        .withArgs(b32(name), value, BPS);
      expect([await slots(weth, wethIndex), await tokens()]).to.deep.equal(before);
      expect(await slots(await token.getAddress(), next)).to.deep.equal([0n, 0n, 0n, 0n]);
    }
    // Bounds come first: 0.95 + 1 wei is out of bounds before it is off the grid.
    await expect(e.setCollateralParams(weth, collateralRisk({ weight: wad("0.95") + 1n })))
      .to.be.revertedWithCustomError(ctx.engine, "ParameterOutOfBounds")
      .withArgs(b32("maintenanceWeight"), wad("0.95") + 1n, 0n, wad("0.95"));
    /** A storage word split into consecutive fields of `widths` bits, from bit 0. */
    const fields = (w: bigint, widths: bigint[]) =>
      widths.map(
        (n, i) => (w >> widths.slice(0, i).reduce((a, b) => a + b, 0n)) & ((1n << n) - 1n),
      );
    const before = await ctx.engine.getCollateral(weth);
    const sets = [
      // the grid's extremes within the bounds, the size scale off and on
      { weight: wad("0.95"), initialWeight: 0n, discount: "0.05" },
      {
        weight: BPS,
        initialWeight: BPS,
        discount: "0.5",
        sizeFactor: "0.01",
        sizeThreshold: "1000",
        weightFloor: "1",
      },
      // every digit used
      {
        weight: "0.8765",
        initialWeight: "0.4321",
        discount: "0.1234",
        sizeFactor: "0.0000645",
        sizeThreshold: "2400000",
        weightFloor: "0.5",
      },
      { weight: 0n, initialWeight: 0n, discount: "0" },
    ];
    for (const o of sets) {
      const r = collateralRisk(o);
      await expect(e.setCollateralParams(weth, r))
        .to.emit(ctx.engine, "CollateralParamsSet")
        .withArgs(weth, ...Object.values(r));
      const c = await ctx.engine.getCollateral(weth);
      expect(riskFields(c)).to.deep.equal(Object.values(r));
      // The feed's fields, the index and the total are untouched.
      expect([
        c.feed,
        c.heartbeat,
        c.feedDecimals,
        c.tokenDecimals,
        c.index,
        c.listed,
        c.totalDeposited,
      ]).to.deep.equal([
        before.feed,
        before.heartbeat,
        before.feedDecimals,
        before.tokenDecimals,
        before.index,
        true,
        before.totalDeposited,
      ]);
      const [l0, l1, c0, c1] = await slots(weth, wethIndex);
      expect([...fields(l0, [8n, 8n, 8n, 64n, 128n, 40n]), l1]).to.deep.equal([
        1n,
        before.index,
        before.tokenDecimals,
        r.liquidationDiscount,
        r.depositCap,
        0n,
        before.totalDeposited,
      ]);
      expect(fields(c0, [160n, 32n, 8n, 8n, 8n, 16n, 16n, 8n])).to.deep.equal([
        BigInt(before.feed),
        before.heartbeat,
        before.feedDecimals,
        before.tokenDecimals,
        r.sizeFactor === 0n ? 0n : 1n,
        BigInt(r.initialWeight) / BPS,
        BigInt(r.maintenanceWeight) / BPS,
        // floor(log2(threshold)), 0 for 0: below its power of two no valuation reads slot 1
        r.sizeThreshold === 0n ? 0n : BigInt(BigInt(r.sizeThreshold).toString(2).length - 1),
      ]);
      expect(fields(c1, [64n, 64n, 128n])).to.deep.equal([
        r.sizeFactor,
        r.weightFloor,
        r.sizeThreshold,
      ]);
    }
  });
});

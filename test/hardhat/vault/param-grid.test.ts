/** INV-73: a market's fees are stored in pips (1e-6) and its margin and funding parameters in
 *  nanos (1e-9). An off-grid value reverts ParameterOffGrid and changes nothing; on-grid values,
 *  the grids' extremes within the bounds included, read back exactly as WAD. */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import { Ctx, b32, setup } from "./helpers";

const WAD = 10n ** 18n;

describe("vault: market parameters on their storage grids (INV-73)", () => {
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
});

/** Collateral registry: listCollateral, setCollateralParams, setCollateralFeed (roles, bounds,
 *  events, effect on valuation via the TS model). */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";
import {
  ICrossmarginAdmin,
  MockERC20,
  MockERC20__factory,
  MockFeed,
  MockFeed__factory,
  MockV3Aggregator__factory,
} from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { feedAnswer, units, wad } from "../../../src/common/units";
import { collateralWeights, marginSummary } from "../../../src/model";
import { Ctx, MOCK_DESCRIPTION, b32, fund, holding, modelAccount, setup } from "./helpers";
import { RiskOpts, collateralParams, collateralRisk, riskFields } from "../../helpers/risk";

const WAD = 10n ** 18n;
const MAX_HEARTBEAT = 2n * 86_400n;
/** INV-53's bounds (docs/math.md, "Collateral weights"). */
const MAX_WEIGHT = wad("0.95");
const MAX_DISCOUNT = wad("0.5");
const MAX_SIZE_FACTOR = wad("0.01");
const MAX_SIZE_THRESHOLD = 10n ** 30n; // 1e12 USD
/** The test token's risk: every field distinct, its size scale off below 1,000,000 USD. */
const RISK: RiskOpts = {
  weight: "0.75",
  initialWeight: "0.7",
  discount: "0.08",
  sizeFactor: "0.0001",
  sizeThreshold: "1000000",
  weightFloor: "0.5",
  cap: units("5000", 6),
};

/** Out-of-bound risk parameters (relative to {@link RISK}) and the exact revert arguments. */
const BAD_RISK: [string, RiskOpts, bigint, bigint, bigint][] = [
  ["maintenanceWeight", { weight: MAX_WEIGHT + 1n }, MAX_WEIGHT + 1n, 0n, MAX_WEIGHT],
  // the initial weight is bounded by the maintenance weight (0.75)
  ["initialWeight", { initialWeight: wad("0.75") + 1n }, wad("0.75") + 1n, 0n, wad("0.75")],
  // weight 0.75: the discount is bounded by 1 - weight = 0.25 (below the 0.5 hard cap)
  ["liquidationDiscount", { discount: wad("0.25") + 1n }, wad("0.25") + 1n, 0n, wad("0.25")],
  // at the highest weight only 1 - 0.95 = 0.05 is left for the discount
  [
    "liquidationDiscount",
    { weight: MAX_WEIGHT, discount: wad("0.05") + 1n },
    wad("0.05") + 1n,
    0n,
    wad("0.05"),
  ],
  [
    "liquidationDiscount",
    { weight: "0.25", initialWeight: "0.25", discount: MAX_DISCOUNT + 1n },
    MAX_DISCOUNT + 1n,
    0n,
    MAX_DISCOUNT,
  ],
  ["sizeFactor", { sizeFactor: MAX_SIZE_FACTOR + 1n }, MAX_SIZE_FACTOR + 1n, 0n, MAX_SIZE_FACTOR],
  [
    "sizeThreshold",
    { sizeThreshold: MAX_SIZE_THRESHOLD + 1n },
    MAX_SIZE_THRESHOLD + 1n,
    0n,
    MAX_SIZE_THRESHOLD,
  ],
  ["weightFloor", { weightFloor: WAD + 1n }, WAD + 1n, 0n, WAD],
];

describe("vault: collateral registry", () => {
  let ctx: Ctx;
  let alice: HardhatEthersSigner;
  let risk: HardhatEthersSigner;
  let token: MockERC20;
  let t: string;
  let feed: string;
  let params: ICrossmarginAdmin.CollateralParamsStruct;

  /** `params` with some risk fields replaced. */
  function withRisk(o: RiskOpts): ICrossmarginAdmin.CollateralParamsStruct {
    return { ...params, risk: collateralRisk({ ...RISK, ...o }) };
  }

  beforeEach(async () => {
    ctx = await setup();
    [alice, risk] = ctx.users;
    await ctx.engine.grantRole(await ctx.engine.RISK_MANAGER_ROLE(), risk.address);
    token = await new MockERC20__factory(ctx.admin).deploy("Staked ETH", "stETH", 6);
    t = await token.getAddress();
    feed = await (
      await new MockV3Aggregator__factory(ctx.admin).deploy(18, feedAnswer("2999.5", 18))
    ).getAddress();
    params = collateralParams(feed, 3600, RISK);
  });

  /** The whole registry: token list and every token's config (including `t`). */
  async function registry() {
    const tokens = [...(await ctx.engine.collateralTokens())];
    const configs = [];
    for (const x of [...tokens, t]) configs.push([...(await ctx.engine.getCollateral(x))]);
    return { tokens, configs };
  }

  describe("listCollateral", () => {
    it("INV-53: lists a token: events, stored config, next index, price normalised to 18 decimals", async () => {
      const tx = ctx.engine.listCollateral(t, params, MOCK_DESCRIPTION);
      await expect(tx).to.emit(ctx.engine, "CollateralListed").withArgs(t, feed, 3600, 2);
      await expect(tx)
        .to.emit(ctx.engine, "CollateralParamsSet")
        .withArgs(
          t,
          wad("0.7"),
          wad("0.75"),
          wad("0.08"),
          wad("0.0001"),
          wad("1000000"),
          wad("0.5"),
          units("5000", 6),
        );
      const c = await ctx.engine.getCollateral(t);
      expect({
        feed: c.feed,
        heartbeat: c.heartbeat,
        feedDecimals: c.feedDecimals,
        tokenDecimals: c.tokenDecimals,
        index: c.index,
        listed: c.listed,
        initialWeight: c.initialWeight,
        maintenanceWeight: c.maintenanceWeight,
        liquidationDiscount: c.liquidationDiscount,
        sizeFactor: c.sizeFactor,
        sizeThreshold: c.sizeThreshold,
        weightFloor: c.weightFloor,
        depositCap: c.depositCap,
        totalDeposited: c.totalDeposited,
      }).to.deep.equal({
        feed,
        heartbeat: 3600n,
        feedDecimals: 18n,
        tokenDecimals: 6n,
        index: 2n,
        listed: true,
        initialWeight: wad("0.7"),
        maintenanceWeight: wad("0.75"),
        liquidationDiscount: wad("0.08"),
        sizeFactor: wad("0.0001"),
        sizeThreshold: wad("1000000"),
        weightFloor: wad("0.5"),
        depositCap: units("5000", 6),
        totalDeposited: 0n,
      });
      // the CollateralParamsSet event follows the listing in the same transaction, then the
      // config page that copies the new collateral (INV-79)
      const logs = (await (await tx).wait())!.logs.map((l) => ctx.engine.interface.parseLog(l));
      expect(logs.map((l) => l?.name)).to.deep.equal([
        "CollateralListed",
        "CollateralParamsSet",
        "ConfigPagePublished",
      ]);
      const tokens = await ctx.engine.collateralTokens();
      expect(tokens).to.deep.equal([
        await ctx.collaterals.WETH.getAddress(),
        await ctx.collaterals.WBTC.getAddress(),
        t,
      ]);
      expect(await ctx.engine.collateralPrice(t)).to.equal(wad("2999.5"));
      // usable at once; valued as the model says (maintenance weight, 5999 USD is below the
      // size threshold): 2 * 2999.5 * 0.75
      await fund(token, ctx.engineAddress, alice, units("2", 6));
      await ctx.engine.connect(alice).deposit(0, t, units("2", 6));
      const model = marginSummary(modelAccount(0n, [holding(units("2", 6), 6, "2999.5", "0.75")]));
      expect(model.equity).to.equal(wad("4499.25"));
      expect((await ctx.engine.accountHealth(accountId(alice.address))).equity).to.equal(
        model.equity,
      );
    });

    it("INV-53: accepts the bounds themselves: weights 0 and 0.95, discount 0.5 and 1 - 0.95, size factor, threshold and floor 0 and max, heartbeat 60 s and 2 days, decimals 0 and 36", async () => {
      const cases = [
        {
          decimals: 0,
          risk: { weight: 0n, discount: MAX_DISCOUNT, sizeFactor: 0n, sizeThreshold: 0n },
          heartbeat: 60,
        },
        {
          decimals: 36,
          risk: {
            weight: MAX_WEIGHT,
            initialWeight: MAX_WEIGHT,
            discount: WAD - MAX_WEIGHT,
            sizeFactor: MAX_SIZE_FACTOR,
            sizeThreshold: MAX_SIZE_THRESHOLD,
            weightFloor: WAD,
          },
          heartbeat: Number(MAX_HEARTBEAT),
        },
      ];
      for (const k of cases) {
        const tok = await new MockERC20__factory(ctx.admin).deploy("T", "T", k.decimals);
        const p = {
          ...withRisk({ initialWeight: 0n, weightFloor: 0n, ...k.risk }),
          heartbeat: k.heartbeat,
        };
        await expect(ctx.engine.listCollateral(tok.target, p, MOCK_DESCRIPTION)).to.emit(
          ctx.engine,
          "CollateralListed",
        );
        expect((await ctx.engine.getCollateral(tok.target)).tokenDecimals).to.equal(k.decimals);
      }
      expect((await ctx.engine.collateralTokens()).length).to.equal(4);
    });

    it("rejects a token twice, the quote token and the zero address; nothing changes", async () => {
      await ctx.engine.listCollateral(t, params, MOCK_DESCRIPTION);
      const before = await registry();
      await expect(
        ctx.engine.listCollateral(
          t,
          withRisk({ weight: "0.1", initialWeight: "0.1" }),
          MOCK_DESCRIPTION,
        ),
      )
        .to.be.revertedWithCustomError(ctx.engine, "TokenAlreadyListed")
        .withArgs(t);
      const q = await ctx.quote.getAddress();
      await expect(ctx.engine.listCollateral(q, params, MOCK_DESCRIPTION))
        .to.be.revertedWithCustomError(ctx.engine, "TokenAlreadyListed")
        .withArgs(q);
      await expect(
        ctx.engine.listCollateral(ZeroAddress, params, MOCK_DESCRIPTION),
      ).to.be.revertedWithCustomError(ctx.engine, "ZeroAddress");
      expect(await registry()).to.deep.equal(before);
    });

    it("INV-53: rejects out-of-bound risk parameters (ParameterOutOfBounds): maintenance weight above 0.95, initial above maintenance, discount above min(0.5, 1 - maintenance), size factor, threshold and floor above their max; nothing changes", async () => {
      const before = await registry();
      for (const [name, r, value, lo, hi] of BAD_RISK) {
        await expect(ctx.engine.listCollateral(t, withRisk(r), MOCK_DESCRIPTION), name)
          .to.be.revertedWithCustomError(ctx.engine, "ParameterOutOfBounds")
          .withArgs(b32(name), value, lo, hi);
      }
      expect(await registry()).to.deep.equal(before);
    });

    it("rejects out-of-bound heartbeats (ParameterOutOfBounds) and a zero feed; nothing changes", async () => {
      const before = await registry();
      const bad: [number, bigint][] = [
        [59, 59n],
        [Number(MAX_HEARTBEAT) + 1, MAX_HEARTBEAT + 1n],
      ];
      for (const [heartbeat, value] of bad) {
        await expect(ctx.engine.listCollateral(t, { ...params, heartbeat }, MOCK_DESCRIPTION))
          .to.be.revertedWithCustomError(ctx.engine, "ParameterOutOfBounds")
          .withArgs(b32("heartbeat"), value, 60n, MAX_HEARTBEAT);
      }
      await expect(
        ctx.engine.listCollateral(t, { ...params, feed: ZeroAddress }, MOCK_DESCRIPTION),
      ).to.be.revertedWithCustomError(ctx.engine, "ZeroAddress");
      expect(await registry()).to.deep.equal(before);
    });

    it("rejects a feed whose description differs (FeedDescriptionMismatch)", async () => {
      const before = await registry();
      await expect(ctx.engine.listCollateral(t, params, "STETH / USD"))
        .to.be.revertedWithCustomError(ctx.engine, "FeedDescriptionMismatch")
        .withArgs(feed, "STETH / USD", MOCK_DESCRIPTION);
      expect(await registry()).to.deep.equal(before);
    });

    it("rejects tokens with more than 36 decimals (UnsupportedDecimals)", async () => {
      const wide = await new MockERC20__factory(ctx.admin).deploy("Wide", "W", 37);
      const before = await registry();
      await expect(ctx.engine.listCollateral(wide.target, params, MOCK_DESCRIPTION))
        .to.be.revertedWithCustomError(ctx.engine, "UnsupportedDecimals")
        .withArgs(wide.target, 37);
      expect(await registry()).to.deep.equal(before);
    });

    it("rejects a feed that does not answer safely at listing (stale, non-positive)", async () => {
      const mf: MockFeed = await new MockFeed__factory(ctx.admin).deploy(8, "X / USD", 0);
      const f = await mf.getAddress();
      const before = await registry();
      await expect(ctx.engine.listCollateral(t, { ...params, feed: f }, "X / USD"))
        .to.be.revertedWithCustomError(ctx.engine, "OracleNonPositive")
        .withArgs(f, 0);
      await mf.setAnswer(feedAnswer("5"));
      const old = BigInt((await time.latest()) - 3601);
      await mf.setRound(9, feedAnswer("5"), old, old, 9);
      await expect(ctx.engine.listCollateral(t, { ...params, feed: f }, "X / USD"))
        .to.be.revertedWithCustomError(ctx.engine, "OracleStale")
        .withArgs(f, old, 3600);
      expect(await registry()).to.deep.equal(before);
    });

    it("only the admin lists (AccessControlUnauthorizedAccount), not the risk manager", async () => {
      const before = await registry();
      const adminRole = await ctx.engine.DEFAULT_ADMIN_ROLE();
      for (const s of [alice, risk]) {
        await expect(ctx.engine.connect(s).listCollateral(t, params, MOCK_DESCRIPTION))
          .to.be.revertedWithCustomError(ctx.engine, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, adminRole);
      }
      expect(await registry()).to.deep.equal(before);
    });

    it("at most 32 types (one bit each in the 32-bit collateral mask); the last index is valued", async () => {
      const shared = params.feed;
      let last: MockERC20 | undefined;
      for (let i = 2; i < 32; i++) {
        last = await new MockERC20__factory(ctx.admin).deploy(`T${i}`, `T${i}`, 18);
        const p = { ...withRisk({ cap: units("1000", 18) }), feed: shared };
        await ctx.engine.listCollateral(last.target, p, MOCK_DESCRIPTION);
      }
      expect((await ctx.engine.getCollateral(last!.target)).index).to.equal(31n);
      const before = await registry();
      await expect(ctx.engine.listCollateral(t, params, MOCK_DESCRIPTION))
        .to.be.revertedWithCustomError(ctx.engine, "TooManyCollateralTypes")
        .withArgs(32);
      expect(await registry()).to.deep.equal(before);
      // a balance in the token at index 31 sets bit 31 and counts as collateral
      await fund(last!, ctx.engineAddress, alice, units("1", 18));
      await ctx.engine.connect(alice).deposit(0, last!.target, units("1", 18));
      const a = accountId(alice.address);
      expect((await ctx.engine.getAccount(a)).collateralMask).to.equal(1n << 31n);
      const model = marginSummary(
        modelAccount(0n, [holding(units("1", 18), 18, "2999.5", "0.75")]),
      );
      expect((await ctx.engine.accountHealth(a)).equity).to.equal(model.equity);
    });
  });

  describe("setCollateralParams (risk manager)", () => {
    let weth: string;
    beforeEach(async () => {
      weth = await ctx.collaterals.WETH.getAddress();
      await fund(ctx.collaterals.WETH, ctx.engineAddress, alice, units("10", 18));
      await ctx.engine.connect(alice).deposit(0, weth, units("10", 18));
    });

    it("INV-53: sets the weights, discount, size scale and cap with an event; the new weights value the collateral", async () => {
      const r = collateralRisk({
        weight: "0.6",
        initialWeight: "0.5",
        discount: "0.4",
        sizeFactor: "0.001",
        sizeThreshold: "50000",
        weightFloor: "0.9",
        cap: units("10", 18),
      });
      // The event's fields and the stored config, in the event's order.
      const want = [
        wad("0.5"),
        wad("0.6"),
        wad("0.4"),
        wad("0.001"),
        wad("50000"),
        wad("0.9"),
        units("10", 18),
      ];
      await expect(ctx.engine.connect(risk).setCollateralParams(weth, r))
        .to.emit(ctx.engine, "CollateralParamsSet")
        .withArgs(weth, ...want);
      const c = await ctx.engine.getCollateral(weth);
      expect(riskFields(c)).to.deep.equal(want);
      // 10 WETH = 30,000 USD, below the threshold: equity counts it at the maintenance weight
      // (10 * 3000 * 0.6) and IM holds the difference to the initial weight (10 * 3000 * 0.1).
      const model = marginSummary(modelAccount(0n, [holding(units("10", 18), 18, "3000", "0.6")]));
      const w = collateralWeights(holding(units("10", 18), 18, "3000", "0.6"), {
        initialWeight: wad("0.5"),
        maintenanceWeight: wad("0.6"),
        sizeFactor: wad("0.001"),
        sizeThreshold: wad("50000"),
        weightFloor: wad("0.9"),
      });
      expect([model.equity, w.weightedUsd, w.weightedUsd - w.initialUsd]).to.deep.equal([
        wad("18000"),
        wad("18000"),
        wad("3000"),
      ]);
      const h = await ctx.engine.accountHealth(accountId(alice.address));
      expect([h.equity, h.im, h.mm]).to.deep.equal([
        model.equity,
        w.weightedUsd - w.initialUsd,
        0n,
      ]);
      // weight 0: the token no longer counts
      await ctx.engine
        .connect(risk)
        .setCollateralParams(
          weth,
          collateralRisk({ weight: 0n, discount: 0n, cap: units("10", 18) }),
        );
      expect((await ctx.engine.accountHealth(accountId(alice.address))).equity).to.equal(0n);
    });

    it("a cap below the total blocks deposits but not withdrawals", async () => {
      await ctx.engine
        .connect(risk)
        .setCollateralParams(
          weth,
          collateralRisk({ weight: "0.9", discount: "0.05", cap: units("5", 18) }),
        );
      await expect(ctx.engine.connect(alice).deposit(0, weth, 1n))
        .to.be.revertedWithCustomError(ctx.engine, "DepositCapExceeded")
        .withArgs(weth, units("5", 18), units("10", 18) + 1n);
      const a = accountId(alice.address);
      await expect(
        ctx.engine.connect(alice).withdraw(a, weth, units("6", 18), alice.address),
      ).to.emit(ctx.engine, "Withdrawn");
    });

    it("INV-53: bounds (ParameterOutOfBounds: maintenance weight above 0.95, initial above maintenance, discount above min(0.5, 1 - maintenance), size factor, threshold and floor above their max), unknown token, unauthorised caller: nothing changes", async () => {
      t = weth;
      const before = await registry();
      const e = ctx.engine.connect(risk);
      // weight + discount <= 1, so a collateral liquidation never lowers the account's equity
      for (const [name, r, value, lo, hi] of BAD_RISK) {
        await expect(e.setCollateralParams(weth, collateralRisk({ ...RISK, ...r })), name)
          .to.be.revertedWithCustomError(ctx.engine, "ParameterOutOfBounds")
          .withArgs(b32(name), value, lo, hi);
      }
      const valid = collateralRisk({ weight: MAX_WEIGHT, discount: WAD - MAX_WEIGHT, cap: 0n });
      await expect(e.setCollateralParams(token.target, valid))
        .to.be.revertedWithCustomError(ctx.engine, "UnknownToken")
        .withArgs(token.target);
      const riskRole = await ctx.engine.RISK_MANAGER_ROLE();
      await expect(ctx.engine.connect(alice).setCollateralParams(weth, valid))
        .to.be.revertedWithCustomError(ctx.engine, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, riskRole);
      expect(await registry()).to.deep.equal(before);
    });
  });

  describe("setCollateralFeed (admin)", () => {
    let weth: string;
    let mf: MockFeed;
    beforeEach(async () => {
      weth = await ctx.collaterals.WETH.getAddress();
      mf = await new MockFeed__factory(ctx.admin).deploy(18, "ETH / USD", feedAnswer("3100", 18));
    });

    it("switches the feed with an event; the price and equity follow the new feed", async () => {
      await fund(ctx.collaterals.WETH, ctx.engineAddress, alice, units("1", 18));
      await ctx.engine.connect(alice).deposit(0, weth, units("1", 18));
      const before = await ctx.engine.getCollateral(weth);
      await expect(ctx.engine.setCollateralFeed(weth, mf.target, 120, "ETH / USD"))
        .to.emit(ctx.engine, "CollateralFeedSet")
        .withArgs(weth, mf.target, 120, 18);
      const c = await ctx.engine.getCollateral(weth);
      expect([c.feed, c.heartbeat, c.feedDecimals]).to.deep.equal([mf.target, 120n, 18n]);
      // The rest of the feed's slot (one _setFeed writes markets' and collaterals' feeds).
      expect([c.tokenDecimals, c.index, c.listed]).to.deep.equal([
        before.tokenDecimals,
        before.index,
        true,
      ]);
      expect(await ctx.engine.collateralPrice(weth)).to.equal(wad("3100"));
      // WETH's maintenance weight from the deploy config (3100 USD is below its size threshold)
      const { maintenanceWeight } = ctx.config.collaterals.find((c) => c.symbol === "WETH")!;
      const model = marginSummary(
        modelAccount(0n, [holding(units("1", 18), 18, "3100", maintenanceWeight)]),
      );
      expect((await ctx.engine.accountHealth(accountId(alice.address))).equity).to.equal(
        model.equity,
      );
    });

    it("rejects unknown token, zero feed, wrong description, heartbeat bounds, risk manager", async () => {
      t = weth;
      const before = await registry();
      await expect(ctx.engine.setCollateralFeed(token.target, mf.target, 120, "ETH / USD"))
        .to.be.revertedWithCustomError(ctx.engine, "UnknownToken")
        .withArgs(token.target);
      await expect(
        ctx.engine.setCollateralFeed(weth, ZeroAddress, 120, "ETH / USD"),
      ).to.be.revertedWithCustomError(ctx.engine, "ZeroAddress");
      await expect(ctx.engine.setCollateralFeed(weth, mf.target, 120, "BTC / USD"))
        .to.be.revertedWithCustomError(ctx.engine, "FeedDescriptionMismatch")
        .withArgs(mf.target, "BTC / USD", "ETH / USD");
      await expect(ctx.engine.setCollateralFeed(weth, mf.target, 59, "ETH / USD"))
        .to.be.revertedWithCustomError(ctx.engine, "ParameterOutOfBounds")
        .withArgs(b32("heartbeat"), 59, 60, MAX_HEARTBEAT);
      await expect(ctx.engine.connect(risk).setCollateralFeed(weth, mf.target, 120, "ETH / USD"))
        .to.be.revertedWithCustomError(ctx.engine, "AccessControlUnauthorizedAccount")
        .withArgs(risk.address, await ctx.engine.DEFAULT_ADMIN_ROLE());
      expect(await registry()).to.deep.equal(before);
      expect(await ctx.engine.collateralPrice(weth)).to.equal(wad("3000"));
    });
  });
});

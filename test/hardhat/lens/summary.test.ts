/** CrossmarginLens: account summary, positions, collaterals and fill quotes against src/model. */
import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { accountId } from "../../../src/common/accounts";
import { wad } from "../../../src/common/units";
import {
  UINT256_MAX,
  collateralWeights,
  divUp,
  fillPrice,
  orderFee,
  positionFunding,
  positionMargin,
  quoteToUsd,
  skewOf,
  unrealisedPnl,
} from "../../../src/model";
import { loadSystem } from "../../helpers/fixture";
import {
  fund,
  fundPool,
  loadTwoMarketAccount,
  marketParams,
  marketState,
  modelAccount,
  riskLiquidationPrice,
  riskSummary,
  setPrice,
  trade,
} from "../../helpers/lens";
import { BTC, ETH, SOL } from "../../../src/common";

describe("lens: account views", () => {
  /** The lens summary equals the risk model's (`riskHealth`), field by field. */
  async function expectSummaryMatchesModel(
    sys: Awaited<ReturnType<typeof loadTwoMarketAccount>>["sys"],
    account: bigint,
  ) {
    const { risk: model } = await modelAccount(sys, account);
    const m = riskSummary(model);
    const s = await sys.lens.accountSummary(account);
    expect(s.equity).to.equal(m.equity);
    expect(s.im).to.equal(m.IM);
    expect(s.mm).to.equal(m.MM);
    expect(s.healthFactor).to.equal(m.healthFactor);
    expect(s.marginUtilisation).to.equal(m.marginUtilisation);
    expect(s.availableMargin).to.equal(m.availableMargin);
    expect(s.liquidatable).to.equal(m.isLiquidatable);
    expect(s.quoteBalance).to.equal(model.quoteBalance);
    return { s, m };
  }

  describe("multi-collateral, two-market account with accrued funding", () => {
    async function withFunding() {
      const f = await loadTwoMarketAccount();
      // An hour of funding at the account's own skew, and prices away from the entries.
      await time.increase(3600);
      await setPrice(f.sys.marketFeeds[ETH], "3012.34567891");
      await setPrice(f.sys.marketFeeds[BTC], "59876.54321");
      await setPrice(f.sys.collateralFeeds.WETH, "2990.5");
      return f;
    }

    it("accountSummary matches the risk model exactly", async () => {
      const { sys, account } = await withFunding();
      const { m } = await expectSummaryMatchesModel(sys, account);
      // Sanity: a healthy, leveraged account with funding owed.
      expect(m.funding).to.not.equal(0n);
      expect(m.equity > m.IM).to.equal(true);
      expect(m.healthFactor > wad("1")).to.equal(true);
      expect(m.marginUtilisation < wad("1")).to.equal(true);
      // The ETH/BTC offset pair is active (opposite legs): its credit lowers IM and MM.
      const [credit] = m.health.credits;
      expect(credit.creditMM > 0n && credit.creditIM > 0n).to.equal(true);
    });

    it("positions: size, entry, price, PnL, funding, requirements and liquidation price", async () => {
      const { sys, account } = await withFunding();
      const { risk: model, marketIds } = await modelAccount(sys, account);
      const list = await sys.lens.positions(account);
      expect(marketIds).to.deep.equal([ETH, BTC]);
      expect(list.length).to.equal(2);
      for (const [i, p] of list.entries()) {
        const h = model.positions[i];
        expect(p.marketId).to.equal(BigInt(marketIds[i]));
        expect(p.size).to.equal(h.position.size);
        expect(p.entryPrice).to.equal(h.position.entryPrice);
        expect(p.price).to.equal(h.price);
        expect(p.unrealisedPnl).to.equal(unrealisedPnl(h.position, h.price));
        expect(p.accruedFunding).to.equal(positionFunding(h.position, h.indexNow));
        expect(p.accruedFunding).to.not.equal(0n);
        // Per position: the market's own requirements, before any offset credit.
        const pm = positionMargin(h.params, h.position.size, h.price);
        expect(p.notional).to.equal(pm.notional);
        expect(p.im).to.equal(pm.im);
        expect(p.mm).to.equal(pm.mm);
        expect(p.liquidationPrice).to.equal(riskLiquidationPrice(model, i));
        expect(await sys.lens.liquidationPrice(account, marketIds[i])).to.equal(
          riskLiquidationPrice(model, i),
        );
      }
      // Long ETH is liquidated below the price, short BTC above it.
      expect(list[0].liquidationPrice < list[0].price).to.equal(true);
      expect(list[1].liquidationPrice > list[1].price).to.equal(true);
    });

    it("collaterals: per-token values, totals and the held token list", async () => {
      const { sys, account } = await withFunding();
      const { risk: model, tokens } = await modelAccount(sys, account);
      const r = await sys.lens.collaterals(account);
      const weth = await sys.collaterals.WETH.getAddress();
      const wbtc = await sys.collaterals.WBTC.getAddress();
      expect(tokens).to.deep.equal([weth, wbtc]);
      expect(r.tokens).to.deep.equal(tokens);
      let totalValue = 0n;
      let totalWeighted = 0n;
      for (const [i, item] of r.items.entries()) {
        const c = model.collaterals[i];
        // At the maintenance weight (what equity counts), size-scaled above the threshold.
        const { valueUsd, weightedUsd } = collateralWeights(c, c.risk);
        expect(item.token).to.equal(tokens[i]);
        expect(item.balance).to.equal(c.amount);
        expect(item.price).to.equal(c.price);
        expect(item.valueUsd).to.equal(valueUsd);
        expect(item.weightedUsd).to.equal(weightedUsd);
        totalValue += valueUsd;
        totalWeighted += weightedUsd;
      }
      expect(r.items.length).to.equal(2);
      // Hand check of WETH: 0.22 * 2990.5 = 657.91 USD, * 0.84 = 552.6444 USD (below the size
      // threshold: no haircut).
      expect(r.items[0].valueUsd).to.equal(wad("657.91"));
      expect(r.items[0].weightedUsd).to.equal(wad("552.6444"));
      expect(r.totalValueUsd).to.equal(totalValue);
      expect(r.totalWeightedUsd).to.equal(totalWeighted);
      expect(r.quoteBalance).to.equal(model.quoteBalance);
      expect(r.weightedCollateral).to.equal(
        quoteToUsd(model.quoteBalance, model.quoteDecimals) + totalWeighted,
      );
    });

    it("fillPrice: the model's fill and fee for buys and sells against the skew", async () => {
      const { sys } = await withFunding();
      const cases: [number, bigint][] = [
        [ETH, wad("5")],
        [ETH, wad("-25")],
        [BTC, wad("0.2")],
        [BTC, wad("-1.5")],
        [SOL, wad("100")],
      ];
      for (const [id, size] of cases) {
        const params = marketParams(sys, id);
        const skew = skewOf(await marketState(sys, id));
        const [, answer] = await sys.marketFeeds[id].latestRoundData();
        const fill = fillPrice(answer * 10n ** 10n, skew, size, params.skewScale);
        const { fee } = orderFee(skew, size, fill, params.makerFee, params.takerFee);
        const [lensFill, lensFee] = await sys.lens.fillPrice(id, size);
        expect(lensFill).to.equal(fill);
        expect(lensFee).to.equal(fee);
      }
    });
  });

  describe("edge cases", () => {
    it("an empty account: MM = 0 -> health max; equity 0 -> utilisation max", async () => {
      const sys = await loadSystem();
      const [, , other] = await hre.ethers.getSigners();
      const account = accountId(other.address, 7);
      const s = await sys.lens.accountSummary(account);
      expect(s.equity).to.equal(0n);
      expect(s.im).to.equal(0n);
      expect(s.mm).to.equal(0n);
      expect(s.healthFactor).to.equal(UINT256_MAX);
      expect(s.marginUtilisation).to.equal(UINT256_MAX);
      expect(s.availableMargin).to.equal(0n);
      expect(s.liquidatable).to.equal(false);
      expect(await sys.lens.positions(account)).to.deep.equal([]);
      const c = await sys.lens.collaterals(account);
      expect(c.items.length).to.equal(0);
      expect(c.tokens.length).to.equal(0);
      expect(c.weightedCollateral).to.equal(0n);
      expect(await sys.lens.liquidationPrice(account, ETH)).to.equal(0n);
      expect(await sys.lens.liquidationPrice(account, 200)).to.equal(0n);
      expect(await sys.lens.pendingOrders(account)).to.deep.equal([]);
    });

    it("collateral but no positions: health max; IM is only the collateral's initial-weight term", async () => {
      const sys = await loadSystem();
      const [, , other] = await hre.ethers.getSigners();
      const account = await fund(sys, other, 3, { USDC: "100", WBTC: "0.5" });
      const { m } = await expectSummaryMatchesModel(sys, account);
      // 100 + 0.5 * 60000 * 0.88 = 26500 USD (maintenance weight), MM 0.
      expect(m.equity).to.equal(wad("26500"));
      expect(m.MM).to.equal(0n);
      expect(m.healthFactor).to.equal(UINT256_MAX);
      // IM = 30000 * (0.88 - 0.83) = 1500 USD: available is equity at the initial weight,
      // 100 + 30000 * 0.83 = 25000 USD.
      expect(m.IM).to.equal(wad("1500"));
      expect(m.marginUtilisation).to.equal(divUp(wad("1500"), wad("26500")));
      expect(m.availableMargin).to.equal(wad("25000"));
    });

    it("between MM and zero: 0 < health < 1, liquidatable", async () => {
      const { sys, account } = await loadTwoMarketAccount();
      // Long 10 ETH loses 10 per dollar: 2870 puts equity (~800) under MM (~1025: the ETH leg's,
      // the offset credit takes the BTC leg's off).
      await setPrice(sys.marketFeeds[ETH], "2870");
      const { m } = await expectSummaryMatchesModel(sys, account);
      expect(m.equity > 0n && m.equity < m.MM).to.equal(true);
      expect(m.healthFactor > 0n && m.healthFactor < wad("1")).to.equal(true);
      expect(m.marginUtilisation > wad("1")).to.equal(true);
      expect(m.isLiquidatable).to.equal(true);
    });

    it("negative equity: health 0, utilisation max, negative available margin", async () => {
      const { sys, account } = await loadTwoMarketAccount();
      await setPrice(sys.marketFeeds[ETH], "2500");
      await setPrice(sys.marketFeeds[BTC], "65000");
      const { s, m } = await expectSummaryMatchesModel(sys, account);
      expect(m.equity < 0n).to.equal(true);
      expect(s.healthFactor).to.equal(0n);
      expect(s.marginUtilisation).to.equal(UINT256_MAX);
      expect(s.availableMargin < 0n).to.equal(true);
      expect(s.liquidatable).to.equal(true);
      // Positions still value exactly; the closed form still prices both markets.
      const { risk: model } = await modelAccount(sys, account);
      const list = await sys.lens.positions(account);
      expect(list.map((p) => p.liquidationPrice)).to.deep.equal([
        riskLiquidationPrice(model, 0),
        riskLiquidationPrice(model, 1),
      ]);
    });

    it("debt carried by collateral: negative quote balance reported as is", async () => {
      const sys = await loadSystem();
      const [, , other] = await hre.ethers.getSigners();
      const account = await fund(sys, other, 1, { WETH: "2" });
      await fundPool(sys, "100000");
      await trade(sys, other, account, SOL, wad("-100"));
      const { s } = await expectSummaryMatchesModel(sys, account);
      expect(s.quoteBalance < 0n).to.equal(true);
      expect((await sys.lens.collaterals(account)).quoteBalance).to.equal(s.quoteBalance);
    });
  });
});

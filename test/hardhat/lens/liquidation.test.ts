/** CrossmarginLens.liquidationPrice: equals the model's closed form, and moving the oracle to it
 *  puts the account on the maintenance boundary (to within one step of the 8-decimal feed). */
import { expect } from "chai";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../../src/common/units";
import { abs, divCeil, liquidationPrice, marginSummary, withPrice } from "../../../src/model";
import {
  BTC,
  ETH,
  SOL,
  TwoMarketAccount,
  fund,
  latestTime,
  loadTwoMarketAccount,
  modelAccount,
  setPrice,
} from "../../helpers/lens";

/** 1e10: one unit of an 8-decimal feed in WAD. */
const FEED_UNIT = 10n ** 10n;

describe("lens: liquidationPrice", () => {
  it("equals the model for both markets and is 0 for a market without a position", async () => {
    const { sys, account } = await loadTwoMarketAccount();
    const { model, marketIds } = await modelAccount(sys, account);
    expect(marketIds).to.deep.equal([ETH, BTC]);
    const eth = await sys.lens.liquidationPrice(account, ETH);
    const btc = await sys.lens.liquidationPrice(account, BTC);
    expect(eth).to.equal(liquidationPrice(model, 0));
    expect(btc).to.equal(liquidationPrice(model, 1));
    // Hand check of the order of magnitude: (R - E0 + 10 * 3000) / (10 * (1 - 0.01)).
    expect(eth > wad("2800") && eth < wad("3000")).to.equal(true);
    expect(btc > wad("60000") && btc < wad("64000")).to.equal(true);
    expect(await sys.lens.liquidationPrice(account, SOL)).to.equal(0n);
  });

  it("returns 0 when no positive price liquidates (over-collateralised long)", async () => {
    const { sys, trader, account } = await loadTwoMarketAccount();
    // Collateral beyond the long's whole notional: even a price of 0 leaves equity >= MM.
    await fund(sys, trader, 0, { USDC: "40000" });
    const { model } = await modelAccount(sys, account);
    expect(liquidationPrice(model, 0)).to.equal(0n);
    expect(await sys.lens.liquidationPrice(account, ETH)).to.equal(0n);
    // The short still has one (higher now).
    expect(await sys.lens.liquidationPrice(account, BTC)).to.equal(liquidationPrice(model, 1));
  });

  /**
   * Reads p* in the block the oracle update will be mined in, then publishes the safe-side
   * 8-decimal price (at or beyond which the account is still healthy) and the next feed step
   * into the liquidation side, each in that same block (via a snapshot).
   */
  async function boundary(f: TwoMarketAccount, marketId: number, index: number) {
    const { sys, account } = f;
    const now = (await latestTime()) + 5n;
    await time.setNextBlockTimestamp(now);
    const p = await sys.lens.liquidationPrice(account, marketId, { blockTag: "pending" });
    const { model } = await modelAccount(sys, account, { now });
    expect(p).to.equal(liquidationPrice(model, index));
    const long = model.positions[index].position.size > 0n;
    // Safe side: a long is liquidated below p*, so round the feed up; a short, down.
    const safe = long ? divCeil(p, FEED_UNIT) : p / FEED_UNIT;
    const beyond = long ? safe - 1n : safe + 1n;
    const results: { answer: bigint; liquidatable: boolean; modelGap: bigint }[] = [];
    for (const answer of [safe, beyond]) {
      const snap = await takeSnapshot();
      await time.setNextBlockTimestamp(now);
      await setPrice(sys.marketFeeds[marketId], answer);
      expect(await latestTime()).to.equal(now);
      const summary = await sys.lens.accountSummary(account);
      const { model: after } = await modelAccount(sys, account, { now });
      const m = marginSummary(after);
      expect(summary.equity).to.equal(m.equity);
      expect(summary.mm).to.equal(m.MM);
      results.push({
        answer,
        liquidatable: await sys.engine.isLiquidatable(account),
        modelGap: m.equity - m.MM,
      });
      await snap.restore();
    }
    return { p, long, model, results };
  }

  for (const [name, marketId, index] of [
    ["long ETH", ETH, 0],
    ["short BTC", BTC, 1],
  ] as const) {
    it(`${name}: healthy at p* (feed rounded to the safe side), liquidatable one feed step beyond`, async () => {
      const f = await loadTwoMarketAccount();
      const { p, long, model, results } = await boundary(f, marketId, index);
      const [atSafe, atBeyond] = results;
      expect(atSafe.liquidatable).to.equal(false);
      expect(atBeyond.liquidatable).to.equal(true);
      // The gap at the safe price is at most one feed step of PnL (plus rounding wei).
      const size = abs(model.positions[index].position.size);
      const step = (size * FEED_UNIT) / wad("1") + 100n;
      expect(atSafe.modelGap >= 0n && atSafe.modelGap <= step).to.equal(true);
      expect(atBeyond.modelGap < 0n && atBeyond.modelGap >= -step).to.equal(true);
      // The model agrees at p* itself (everything else fixed): equity - MM within |s| / WAD + a
      // few wei of zero, on the safe side.
      const atP = marginSummary(withPrice(model, index, p));
      expect(atP.equity - atP.MM >= 0n).to.equal(true);
      expect(atP.equity - atP.MM <= size / wad("1") + 10n).to.equal(true);
      expect(long ? p < model.positions[index].price : p > model.positions[index].price).to.equal(
        true,
      );
    });
  }

  it("positions() reports the same liquidation prices as liquidationPrice()", async () => {
    const { sys, account } = await loadTwoMarketAccount();
    await setPrice(sys.marketFeeds[ETH], "2950");
    const list = await sys.lens.positions(account);
    expect(list[0].liquidationPrice).to.equal(await sys.lens.liquidationPrice(account, ETH));
    expect(list[1].liquidationPrice).to.equal(await sys.lens.liquidationPrice(account, BTC));
  });
});

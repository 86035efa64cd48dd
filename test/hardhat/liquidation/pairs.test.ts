/** Liquidation of hedged books (docs/math.md "Offset pairs", INV-54): the running MM follows
 *  each pair's credit at the legs' current sizes, so a close that creates a credit is counted. */
import { expect } from "chai";
import { ICrossmarginRisk__factory } from "../../../typechain-types";
import { wad } from "../../../src/common/units";
import {
  BTC,
  ETH,
  deposit,
  liquidateChecked,
  setMarketPrice,
  setup,
  trade,
  usdc,
} from "../../helpers/liquidation";

describe("liquidation/pairs", () => {
  it("INV-54: a pair with no credit at the start gains one when the window cap stops the first leg's close; the other leg closes only what the target then needs (model)", async () => {
    const env = await setup();
    const { engine } = env.sys;
    // A 4 % stress move: the pair's MM (about 5.7k + 0.8k) is at or below its stress loss at
    // first, so no credit; closing part of the ETH leg brings a credit.
    const risk = ICrossmarginRisk__factory.connect(await engine.getAddress(), env.deployer);
    await risk.setOffsetPair(1, ETH, BTC, wad("0.5"), wad("0.04"));
    const m = await engine.getMarket(ETH);
    await engine.setMarketLimits(ETH, {
      maxOpenInterest: m.maxOpenInterest,
      maxOiPoolRatio: m.maxOiPoolRatio,
      maxNetExposureRatio: m.maxNetExposureRatio,
      maxLiquidationPerWindowUsd: wad("100000"),
      // at most 100k USD of ETH per 30 s window
      liquidationWindow: 30,
    });
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(12_850));
    await trade(env, t, ETH, wad("60"));
    await trade(env, t, BTC, -wad("0.5"));
    await setMarketPrice(env, ETH, "2850");
    // Every close, the fee and the account's state against the model (which recomputes the
    // credit after each close of either leg, as LiquidationCredits does).
    const { expected } = await liquidateChecked(env, a);
    const closes = expected.closes.map((c) => [c.marketId, c.sizeClosed]);
    expect(closes[0]?.[0]).to.equal(ETH);
    const btc = expected.closes.find((c) => c.marketId === BTC);
    // The BTC leg is only partly closed: the credit the ETH close created counts.
    expect(btc?.newSize, "BTC left open").to.be.lessThan(0n);
  });
});

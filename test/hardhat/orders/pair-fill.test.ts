/** INV-8/INV-58 for a reducing order fill in a market of an offset pair: the fill is priced at
 *  its settlement round, the check at the latest price, so the "before" it rebuilds moves the
 *  cost, the leg's freed MM and the pair credit it loses to the latest price together. With the
 *  credit left at the round price, a fill that made a healthy account liquidatable passed. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BTC, ETH, FAR } from "../../../src/common";
import { wad } from "../../../src/common/units";
import { FEED_UNIT, fundQuote, loadTrading, marketFeed, trade, usdc } from "../../helpers/trading";
import { World } from "../../helpers/model-world";
import { priceAtGap } from "../../helpers/risk-world";

describe("orders: a reducing fill in an offset pair (INV-8, INV-58)", () => {
  it("INV-8/INV-58: buying back the smaller hedge leg at an older round, with the latest price where the credit it loses outweighs the MM it frees, is cancelled (WouldBecomeLiquidatable) and the account stays healthy; the model shows the fill would have made it liquidatable", async () => {
    const env = await loadTrading();
    const [alice, keeper] = env.users;
    const a = await fundQuote(env, alice, usdc("4000"));
    await trade(env, alice, a, ETH, wad("10"));
    await trade(env, alice, a, BTC, -wad("0.5"));
    // BTC is the smaller leg: the pair's credit is its MM, so buying it back frees nothing net.
    const d = wad("0.4");
    const t = BigInt(await time.latest()) + 5n;
    await time.setNextBlockTimestamp(t);
    await env.engine.connect(alice).commitOrder(a, BTC, d, FAR, t + 600n);
    const feed = await marketFeed(env, BTC);
    const roundPrice = wad("60000");
    await time.setNextBlockTimestamp(t + 2n);
    await feed.updateAnswer(roundPrice / FEED_UNIT);
    const round = (await feed.latestRoundData())[0];
    // The latest round 11.5 USD higher; ETH set so the account is 0.03 USD above MM once the
    // order's 1 USDC keeper fee is paid.
    const latest = roundPrice + wad("11.5");
    await time.setNextBlockTimestamp(t + 3n);
    await feed.updateAnswer(latest / FEED_UNIT);
    const now = t + 5n;
    const keeperFee = 1_000_000n;
    let w = await World.read(env, [a]);
    w.account(a).quoteBalance -= keeperFee;
    const eth = priceAtGap(w, a, now, { market: ETH }, wad("0.03")) + FEED_UNIT;
    await time.setNextBlockTimestamp(t + 4n);
    await (await marketFeed(env, ETH)).updateAnswer(eth / FEED_UNIT);

    // The model: the account before the fill (keeper fee paid) and after a fill at the round.
    w = await World.read(env, [a]);
    w.account(a).quoteBalance -= keeperFee;
    const before = w.health(a, now);
    expect(before.equity - before.MM > 0n).to.equal(true);
    w.markets[BTC].price = roundPrice;
    w.trade(a, BTC, d, now);
    w.markets[BTC].price = latest;
    const after = w.health(a, now);
    expect(after.equity < after.MM, "the fill would make the account liquidatable").to.equal(true);

    await time.setNextBlockTimestamp(now);
    const receipt = await (await env.engine.connect(keeper).settleOrder(a, BTC, round)).wait();
    const names = receipt!.logs
      .map((l) => env.engine.interface.parseLog(l)?.name)
      .filter((n) => n !== undefined);
    expect(names).to.include("OrderCancelled");
    expect(names).to.not.include("OrderSettled");
    expect((await env.engine.getPosition(a, BTC)).size).to.equal(-wad("0.5"));
    expect(await env.engine.isLiquidatable(a)).to.equal(false);
  });
});

// INV-40 keyed by the funding time, and the pool's one sum netBasis (docs/math.md, "Block-start
// skew", "Liquidity pool value"): a second trade in a block fills at the effective skew against
// the skew when funding was first recorded at the block's timestamp; a trade at a later
// timestamp at the plain skew; `netBasis` equals the sum over positions. Expected fills come
// from the TypeScript model (src/model), never from the engine.
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../../src/common/units";
import { toModelParams, toModelState } from "../../../src/common/market-view";
import * as M from "../../../src/model";
import { Env, MAX_UINT, advance, fundQuote, loadTrading, trade, usdc } from "../../helpers/trading";
import {
  World,
  expectConservation,
  expectPoolValue,
  expectTradeEvent,
  expectWorld,
} from "../../helpers/model-world";
import { ETH, FAR } from "../../../src/common";
import {
  deposit as liqDeposit,
  expectConservation as liqConservation,
  setMarketPrice as liqSetMarketPrice,
  setup as liqSetup,
  snapshot,
  trade as liqTrade,
} from "../../helpers/liquidation";
import { expectLiquidation } from "../../helpers/liquidationModel";
import { inOneBlock } from "../../helpers/blocks";

/** `sum(trunc(s * e / WAD)) - sum(trunc(s * i0 / WAD))` over the accounts' positions. */
async function basisSum(env: Env, accounts: bigint[], marketId: number): Promise<bigint> {
  let entries = 0n;
  let indexes = 0n;
  for (const a of accounts) {
    const p = await env.engine.getPosition(a, marketId);
    entries += M.divTrunc(p.size * p.entryPrice, M.WAD);
    indexes += M.divTrunc(p.size * p.fundingIndex, M.WAD);
  }
  return entries - indexes;
}

describe("markets: block-start skew by funding time (INV-40) and netBasis", () => {
  let env: Env;

  beforeEach(async () => {
    env = await loadTrading();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  it("INV-40: the second trade of a block fills at the effective skew of the model; a trade at a later timestamp at the plain skew", async () => {
    const [alice, bob, carol] = env.users;
    const a = await fundQuote(env, alice, usdc("1000000"));
    const b = await fundQuote(env, bob, usdc("1000000"));
    const c = await fundQuote(env, carol, usdc("1000000"));
    // A long skew of 100 from an earlier block.
    await trade(env, alice, a, ETH, wad("100"), { others: [b, c] });
    await time.increase(3600);

    const w = await World.read(env, [a, b, c]);
    const params = toModelParams(await env.engine.getMarket(ETH));
    const price = w.markets[ETH].price;
    const skew0 = M.skewOf(w.markets[ETH].state);
    expect(skew0).to.equal(wad("100"));
    const T = BigInt(await time.latest()) + 10n;
    // Bob sells 60 (the first change at T: funding recorded, block-start skew 100), then Carol
    // buys 30 at skew 40: priced at max(40, 100) = 100, not 40.
    const rb = w.trade(b, ETH, -wad("60"), T);
    const rc = w.trade(c, ETH, wad("30"), T);
    expect(rb.fill).to.equal(M.fillPrice(price, skew0, -wad("60"), params.skewScale));
    const wantC = M.fillPrice(
      price,
      M.effectiveSkew(wad("40"), skew0, wad("30")),
      wad("30"),
      params.skewScale,
    );
    expect(wantC).to.equal(M.fillPrice(price, wad("100"), wad("30"), params.skewScale));
    expect(rc.fill).to.equal(wantC);
    const plainC = M.fillPrice(price, wad("40"), wad("30"), params.skewScale);
    expect(wantC, "the block-start skew makes the buy dearer").to.be.greaterThan(plainC);

    const e = env.engine;
    const [tb, tc] = await inOneBlock(T, [
      (o) => e.connect(bob).modifyPosition(b, ETH, -wad("60"), 1n, FAR, o),
      (o) => e.connect(carol).modifyPosition(c, ETH, wad("30"), MAX_UINT, FAR, o),
    ]);
    await expectTradeEvent(e, tb, b, ETH, -wad("60"), rb);
    await expectTradeEvent(e, tc, c, ETH, wad("30"), rc);
    await expectWorld(env, w);
    const st = await e.getMarketState(ETH);
    expect([st.lastFundingTime, st.blockSkew]).to.deep.equal([T, skew0]);

    // A later timestamp: Carol's next buy is the first change there, at the plain skew 70.
    await time.increase(60);
    const { r: later } = await trade(env, carol, c, ETH, wad("30"), { others: [a, b] });
    const skew1 = wad("70");
    expect(later.fill).to.equal(M.fillPrice(price, skew1, wad("30"), params.skewScale));
    const st2 = await e.getMarketState(ETH);
    expect(st2.blockSkew, "the skew when funding was first recorded then").to.equal(skew1);
    expect(st2.lastFundingTime).to.equal(BigInt(await time.latest()));
  });

  it("netBasis equals the sum over positions of trunc(s * e / WAD) - trunc(s * i0 / WAD), and the pool's value the model's", async () => {
    const [alice, bob, carol] = env.users;
    const a = await fundQuote(env, alice, usdc("1000000"));
    const b = await fundQuote(env, bob, usdc("1000000"));
    const c = await fundQuote(env, carol, usdc("1000000"));
    const all = [a, b, c];
    const steps: [typeof alice, bigint, bigint][] = [
      [alice, a, wad("37.5")],
      [bob, b, -wad("12.25")],
      [carol, c, wad("3.3")],
      [alice, a, -wad("50")],
      [bob, b, wad("40")],
      [carol, c, -wad("3.3")],
    ];
    for (const [who, acct, d] of steps) {
      await advance(env, 5 * 3600); // funding accrues: the indexes at touch differ
      const { w } = await trade(env, who, acct, ETH, d, { others: all.filter((x) => x !== acct) });
      const st = await env.engine.getMarketState(ETH);
      expect(st.netBasis, "netBasis vs the sum over the chain's positions").to.equal(
        await basisSum(env, all, ETH),
      );
      // The model keeps its own netBasis from its own positions.
      let modelSum = 0n;
      for (const x of all) modelSum += M.basisOf(w.position(x, ETH));
      expect(w.markets[ETH].state.netBasis).to.equal(modelSum);
      expect(st.netBasis, "netBasis vs the model's").to.equal(modelSum);
    }
    expect((await env.engine.getMarketState(ETH)).netBasis).to.not.equal(0n);
    await expectPoolValue(env, await World.read(env, all));
  });
});

describe("markets: a liquidation close sets the block-start skew too (INV-40)", () => {
  it("INV-40: a trade after a liquidation in the same block is priced against the skew before the liquidation", async () => {
    const env = await liqSetup();
    const [t, buyer] = env.traders;
    const engine = env.sys.engine;
    const a = await liqDeposit(env, t, usdc(10_000));
    const b = await liqDeposit(env, buyer, usdc(100_000));
    await liqTrade(env, t, ETH, wad("30"));
    await liqSetMarketPrice(env, ETH, "2680");
    const price = wad("2680");
    const params = toModelParams(await engine.getMarket(ETH));
    const skew0 = M.skewOf(toModelState(await engine.getMarketState(ETH)));
    expect(skew0).to.equal(wad("30"));

    // The model: the liquidation closes the long (skew 30 -> 0); the buy after it in the same
    // block fills at max(0, 30), the skew when funding was first recorded at T.
    const T = BigInt(await time.latest()) + 10n;
    const liq = expectLiquidation(await snapshot(env, a), env.liq, T);
    const after = liq.marketStates.get(ETH)!;
    expect(M.skewOf(after)).to.equal(0n);
    const d = wad("5");
    const want = M.applyTrade(after, params, M.EMPTY_POSITION, d, price, T, 6, skew0);
    expect(want.fill).to.equal(M.fillPrice(price, skew0, d, params.skewScale));
    expect(want.fill).to.be.greaterThan(M.fillPrice(price, 0n, d, params.skewScale));

    const [, tb] = await inOneBlock(T, [
      (o) => engine.connect(env.keeper).liquidate(a, 0n, o),
      (o) => engine.connect(buyer).modifyPosition(b, ETH, d, MAX_UINT, FAR, o),
    ]);
    await expectTradeEvent(engine, tb, b, ETH, d, want);
    expect((await engine.getPosition(a, ETH)).size).to.equal(0n);
    await liqConservation(env);
  });
});

import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import { wad } from "../../../src/common/units";
import { divDown } from "../../../src/model";
import {
  BTC,
  ETH,
  Env,
  SOL,
  deposit,
  liquidateChecked,
  setCap,
  setMarketPrice,
  setup,
  trade,
  usdc,
} from "../../helpers/liquidation";

const PAUSED = 3;
const REDUCE_ONLY = 2;

/** A call that can do nothing (window exhausted, zero budget) returns (0, 0) without reverting. */
async function expectNoop(env: Env, account: bigint, maxNotionalUsd = 0n): Promise<void> {
  const { engine } = env.sys;
  const k = env.traders[9];
  expect(await engine.connect(k).liquidate.staticCall(account, maxNotionalUsd)).to.deep.equal([
    0n,
    0n,
  ]);
  const run = await liquidateChecked(env, account, { keeper: k, maxNotionalUsd });
  expect(run.expected.closes).to.deep.equal([]);
  expect(run.logs.filter((l) => l.name !== "OrderCancelled")).to.deep.equal([]);
}

describe("liquidation/limits", () => {
  it("INV-27: a bankrupt whale is liquidated in chunks over several windows; a keeper is paid only what the account can pay", async () => {
    const env = await setup();
    const { engine, quote } = env.sys;
    await setCap(env, ETH, wad("100000"), 30);
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(40_000));
    await trade(env, t, ETH, wad("120"));
    await setMarketPrice(env, ETH, "2600"); // equity < 0: everything must go

    const chunk = divDown(wad("100000"), wad("2600")); // size the cap allows per window
    const keepers = env.traders.slice(1, 5);
    let windows = 0;
    let left = wad("120");
    for (const [i, keeper] of keepers.entries()) {
      const run = await liquidateChecked(env, a, { keeper, dt: i === 0 ? 1n : 30n });
      windows++;
      const closed = -run.expected.closes[0].sizeClosed;
      expect(closed).to.equal(left < chunk ? left : chunk);
      expect(run.expected.closes[0].notional).to.be.lessThanOrEqual(wad("100000"));
      expect(await quote.balanceOf(keeper.address)).to.equal(run.expected.fee!.reward);
      // Equity is negative: the fee would only add bad debt, so nothing is charged.
      expect(run.expected.equity).to.be.lessThan(0n);
      expect(run.expected.fee!.fee).to.equal(0n);
      left -= closed;
      if (left === 0n) {
        expect(run.expected.badDebt!.deficit).to.be.greaterThan(0n);
        break;
      }
      // Within the same window a further call does nothing, and does not revert.
      await expectNoop(env, a);
      expect((await engine.getPosition(a, ETH)).size).to.equal(left);
    }
    expect(windows).to.equal(4);
    expect((await engine.getAccount(a)).marketMask).to.equal(0n);
  });

  it("the window is shared by all accounts of a market; an exhausted window is a no-op", async () => {
    const env = await setup();
    await setCap(env, ETH, wad("100000"), 30);
    const [t1, t2] = env.traders;
    const a = await deposit(env, t1, usdc(16_000));
    await trade(env, t1, ETH, wad("60"));
    const b = await deposit(env, t2, usdc(6_000));
    await trade(env, t2, ETH, wad("20"));
    await setMarketPrice(env, ETH, "2500");

    const first = await liquidateChecked(env, a);
    expect(first.expected.closes[0].notional).to.equal(
      (wad("2500") * divDown(wad("100000"), wad("2500"))) / 10n ** 18n,
    );
    await expectNoop(env, b);
    await time.increase(30);
    await liquidateChecked(env, b);
  });

  it("a cap of 0 means unlimited: the whale goes in one call", async () => {
    const env = await setup();
    await setCap(env, ETH, 0n, 30);
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(40_000));
    await trade(env, t, ETH, wad("120"));
    await setMarketPrice(env, ETH, "2600");
    const run = await liquidateChecked(env, a);
    expect(run.expected.closes[0].sizeClosed).to.equal(-wad("120"));
  });

  it("a window of 0 seconds caps each call on its own", async () => {
    const env = await setup();
    await setCap(env, ETH, wad("100000"), 0);
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(16_000));
    await trade(env, t, ETH, wad("60"));
    await setMarketPrice(env, ETH, "2500");
    const chunk = divDown(wad("100000"), wad("2500"));
    const r1 = await liquidateChecked(env, a);
    const r2 = await liquidateChecked(env, a);
    expect([r1.expected.closes[0].sizeClosed, r2.expected.closes[0].sizeClosed]).to.deep.equal([
      -chunk,
      -(wad("60") - chunk),
    ]);
  });

  it("maxNotionalUsd bounds the work of a call, across markets in MM order", async () => {
    const env = await setup();
    const { engine } = env.sys;
    const t = env.traders[0];
    // All long (ETH and BTC on the same side: no offset credit); MM at the prices below: BTC
    // about 1,395, SOL 1,032, ETH 965. The moves below cost more than the deposit.
    const a = await deposit(env, t, usdc(6_500));
    await trade(env, t, BTC, wad("1"));
    await trade(env, t, SOL, wad("150"));
    await trade(env, t, ETH, wad("10"));
    await setMarketPrice(env, BTC, "55000");
    await setMarketPrice(env, SOL, "135");
    await setMarketPrice(env, ETH, "2700");

    // A budget too small for one wei of size: nothing happens, nothing reverts.
    await expectNoop(env, a, 1n);
    // 30,000 USD: about half the BTC position (the wei of budget that flooring the BTC size
    // leaves over buys a few wei of SOL).
    let run = await liquidateChecked(env, a, { maxNotionalUsd: wad("30000") });
    expect(run.expected.closes[0].marketId).to.equal(BTC);
    expect(run.expected.closes[0].sizeClosed).to.equal(-divDown(wad("30000"), wad("55000")));
    expect(run.expected.fee!.notional).to.be.lessThanOrEqual(wad("30000"));
    expect(wad("30000") - run.expected.fee!.notional).to.be.lessThan(wad("55000") / 10n ** 18n);
    // What is left of BTC now needs less margin than SOL: SOL goes next, 10,000 USD of it.
    run = await liquidateChecked(env, a, { maxNotionalUsd: wad("10000") });
    expect(run.expected.closes[0].marketId).to.equal(SOL);
    expect(run.expected.fee!.notional).to.be.lessThanOrEqual(wad("10000"));
    expect((await engine.getPosition(a, BTC)).size).to.be.greaterThan(0n);
    // Unbounded: everything else.
    run = await liquidateChecked(env, a);
    expect((await engine.getAccount(a)).marketMask).to.equal(0n);
  });

  for (const [name, status] of [
    ["paused", PAUSED],
    ["reduce-only", REDUCE_ONLY],
  ] as const) {
    it(`liquidates in a ${name} market`, async () => {
      const env = await setup();
      const { engine } = env.sys;
      const t = env.traders[0];
      const a = await deposit(env, t, usdc(10_000));
      await trade(env, t, ETH, wad("30"));
      await engine.setMarketStatus(ETH, status);
      await setMarketPrice(env, ETH, "2680");
      if (status === PAUSED) {
        // The owner cannot even reduce; the liquidator can.
        await expect(
          engine.connect(t).modifyPosition(a, ETH, -wad("1"), 1n, MaxUint256),
        ).to.be.revertedWithCustomError(engine, "MarketPaused");
      }
      await liquidateChecked(env, a);
      expect((await engine.getPosition(a, ETH)).size).to.equal(0n);
    });
  }

  it("liquidates in a settled market at the settlement price, whatever the oracle says", async () => {
    const env = await setup();
    const { engine } = env.sys;
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(10_000));
    await trade(env, t, ETH, wad("30"));
    await trade(env, t, SOL, wad("100"));
    await engine.settleMarket(ETH, wad("2680"));
    await setMarketPrice(env, ETH, "3500"); // ignored from now on
    const run = await liquidateChecked(env, a);
    const eth = run.expected.closes.find((c) => c.marketId === ETH)!;
    expect(eth.price).to.equal(wad("2680"));
    expect(eth.sizeClosed).to.equal(-wad("30"));
  });

  it("liquidates while the protocol is paused", async () => {
    const env = await setup();
    const { engine } = env.sys;
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(10_000));
    await trade(env, t, ETH, wad("30"));
    await engine.pause();
    await expect(
      engine.connect(t).modifyPosition(a, ETH, wad("1"), MaxUint256, MaxUint256),
    ).to.be.revertedWithCustomError(engine, "ProtocolPaused");
    await setMarketPrice(env, ETH, "2700");
    await liquidateChecked(env, a);
    expect(await engine.isLiquidatable(a)).to.equal(false);
  });
});

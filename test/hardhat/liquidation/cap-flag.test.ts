// INV-77: a market's flags byte (config slot 0, which every valuation reads) says whether the
// market caps liquidations per window, so that a liquidation reads the cap's slot (config slot 3)
// only in a capped market. The cap's setter (and the listing) is the bit's one writer; the
// instant-trading bit shares the byte, and each setter leaves the other's bit alone.
import { expect } from "chai";
import { ethers } from "hardhat";
import { wad } from "../../../src/common/units";
import { at, mapping } from "../../../scripts/bench/layout";
import {
  ETH,
  Env,
  deposit,
  expectConservation,
  liquidateChecked,
  mintAndApprove,
  setCap,
  setMarketPrice,
  setup,
  trade,
  usdc,
} from "../../helpers/liquidation";
import { storageOps } from "../../helpers/trace";

const INSTANT = 1n;
const WINDOW = 3600; // no window ends within a test
const CAP = 2n;

/** Slot `k` of market `id`'s stored config (`StoredMarket`). */
const configSlot = (id: number, k: bigint) => at(BigInt(id), mapping("markets")) + k;

/** The flags byte of market `id`: bits 208..215 of config slot 0. */
async function flagsOf(env: Env, id: number): Promise<bigint> {
  const engine = await env.sys.engine.getAddress();
  const word = BigInt(await ethers.provider.getStorage(engine, configSlot(id, 0n)));
  return (word >> 208n) & 0xffn;
}

async function setInstant(env: Env, id: number, on: boolean): Promise<void> {
  const m = await env.sys.engine.getMarket(id);
  await env.sys.engine.setMarketOrderParams(id, {
    instantTrading: on,
    minOrderDelay: m.minOrderDelay,
    maxOrderAge: m.maxOrderAge,
  });
}

/** A 60 ETH long on 16,000 USDC, then ETH at 2,500: liquidatable, checked against the model;
 *  ETH back at its price after. */
async function liquidateWhale(env: Env, trader: number): Promise<string> {
  const t = env.traders[trader];
  const price = await env.sys.engine.marketPrice(ETH);
  const a = await deposit(env, t, usdc(16_000));
  await trade(env, t, ETH, wad("60"));
  await setMarketPrice(env, ETH, "2500");
  const run = await liquidateChecked(env, a);
  expect(run.expected.closes.length).to.be.greaterThan(0);
  await setMarketPrice(env, ETH, ethers.formatUnits(price, 18));
  return run.receipt.hash;
}

const readsCap = async (hash: string) =>
  (await storageOps(hash, "SLOAD")).some((o) => o.key === configSlot(ETH, 3n));

describe("liquidation: the cap flag (INV-77)", () => {
  it("a liquidation reads the cap's slot only while the market has a cap", async () => {
    const env = await setup();
    expect((await env.sys.engine.getMarket(ETH)).maxLiquidationPerWindow).to.not.equal(0n);
    expect((await flagsOf(env, ETH)) & CAP).to.equal(CAP); // listed with a cap
    expect(await readsCap(await liquidateWhale(env, 0))).to.equal(true);

    await setCap(env, ETH, 0n, WINDOW);
    expect((await flagsOf(env, ETH)) & CAP).to.equal(0n);
    const before = await env.sys.engine.getMarketState(ETH);
    // Unlimited: the whole position goes, the window's counter stays (the model checks both).
    expect(await readsCap(await liquidateWhale(env, 1))).to.equal(false);
    const after = await env.sys.engine.getMarketState(ETH);
    expect([after.windowStart, after.liquidatedInWindow]).to.deep.equal([
      before.windowStart,
      before.liquidatedInWindow,
    ]);

    // A cap again, above what the window has counted (the first whale's 150,000): the third
    // whale's close is counted again.
    await setCap(env, ETH, wad("1000000"), WINDOW);
    expect((await flagsOf(env, ETH)) & CAP).to.equal(CAP);
    expect(await readsCap(await liquidateWhale(env, 2))).to.equal(true);
    const counted = (await env.sys.engine.getMarketState(ETH)).liquidatedInWindow;
    expect(counted).to.equal(after.liquidatedInWindow + wad("150000"));
  });

  it("each setter writes its own bit and leaves the other's", async () => {
    const env = await setup();
    await setInstant(env, ETH, true);
    expect(await flagsOf(env, ETH)).to.equal(INSTANT | CAP);
    await setInstant(env, ETH, false);
    expect(await flagsOf(env, ETH)).to.equal(CAP);
    await setCap(env, ETH, 0n, WINDOW);
    expect(await flagsOf(env, ETH)).to.equal(0n);
    await setInstant(env, ETH, true);
    expect(await flagsOf(env, ETH)).to.equal(INSTANT);
    await setCap(env, ETH, wad("100000"), WINDOW);
    expect(await flagsOf(env, ETH)).to.equal(INSTANT | CAP);
    const m = await env.sys.engine.getMarket(ETH);
    expect([m.instantTrading, m.maxLiquidationPerWindow]).to.deep.equal([true, wad("100000")]);
  });

  it("governance, trader, keeper and LP in one: toggling the cap around its own liquidation, in dust and whole calls, earns only what the model pays", async () => {
    const env = await setup();
    const me = env.deployer; // holds the market-parameter role
    const { engine, pool, quote } = env.sys;
    // As an LP too: its pool shares move with the pool, which the model checks every call.
    await mintAndApprove(env, quote, me, usdc(50_000), await pool.getAddress());
    await pool.connect(me).deposit(usdc(50_000), me.address);
    const a = await deposit(env, me, usdc(16_000));
    await trade(env, me, ETH, wad("60"));
    await setMarketPrice(env, ETH, "2780"); // below MM, still solvent: the keeper is paid
    const wallet0 = await quote.balanceOf(me.address);

    // A cap at its floor, then dust calls (1 wei of notional, then 0.01 USD), then the cap
    // removed for a whole call, then back: every call against the model (closes, fee, reward,
    // pool, windows), the keeper being the account's owner and governance.
    const calls: [bigint, bigint][] = [
      [wad("100000"), 1n],
      [wad("100000"), wad("0.01")],
      [wad("100000"), 0n],
      [0n, wad("0.01")],
      [0n, 0n],
      [wad("100000"), 0n],
    ];
    let paid = 0n;
    let ran = 0;
    for (const [cap, budget] of calls) {
      await setCap(env, ETH, cap, WINDOW);
      if (!(await engine.isLiquidatable(a))) break;
      const run = await liquidateChecked(env, a, { keeper: me, maxNotionalUsd: budget });
      paid += run.expected.fee?.reward ?? 0n;
      ran++;
      await expectConservation(env);
    }
    // The fifth call (no cap, no budget) restores the account: the sixth has nothing to do.
    expect(ran).to.equal(5);
    expect(await engine.isLiquidatable(a)).to.equal(false);
    // The owner-keeper's wallet gained exactly the rewards the model paid: at most the window's
    // maximum reward, however the cap was toggled or the calls split.
    expect((await quote.balanceOf(me.address)) - wallet0).to.equal(paid);
    const w = await engine.getAccountLiquidation(a);
    expect(w.rewardPaid).to.equal(paid);
    expect(paid).to.be.lte((env.liq.maxKeeperReward + 10n ** 12n - 1n) / 10n ** 12n);
  });
});

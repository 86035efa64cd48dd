import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../../src/common/units";
import {
  ETH,
  Env,
  SOL,
  deposit,
  liquidateChecked,
  setCollateralPrice,
  setMarketPrice,
  setup,
  snapshot,
  trade,
  usdc,
} from "../../helpers/liquidation";
import { expectedPoolValue, healthAt, skewPremium } from "../../helpers/liquidationModel";

const SHARE_OFFSET = 10n ** 6n; // LiquidityPool's decimals offset (virtual shares)

async function noFunding(env: Env, marketId: number): Promise<void> {
  const m = await env.sys.engine.getMarket(marketId);
  await env.sys.engine.setMarketTradingParams(marketId, {
    skewScale: m.skewScale,
    makerFee: m.makerFee,
    takerFee: m.takerFee,
    maxFundingVelocity: 0,
  });
}

async function modelEquity(env: Env, account: bigint): Promise<bigint> {
  return healthAt(await snapshot(env, account), BigInt(await time.latest())).equity;
}

describe("liquidation/bad-debt", () => {
  it("INV-29: bankruptcy: the fund buys the collateral at the discounted price, then covers the rest", async () => {
    const env = await setup();
    const { insuranceFund, collaterals, pool } = env.sys;
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(8_000));
    await deposit(env, t, wad("1"), "WETH");
    await trade(env, t, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2550");
    expect(await modelEquity(env, a)).to.be.lessThan(0n); // already negative

    const fundAddr = await insuranceFund.getAddress();
    const fundBefore = await insuranceFund.balance();
    const run = await liquidateChecked(env, a);
    const b = run.expected.badDebt!;
    expect(b.deficit).to.be.greaterThan(0n);
    // The 1 WETH is set against the debt first, at 3000 less the 5 % discount = 2,850 USDC;
    // only what it does not back is bad debt, which the fund covers.
    expect(b.sales).to.deep.equal([
      { token: await collaterals.WETH.getAddress(), amount: wad("1"), paid: usdc(2850) },
    ]);
    expect(b.deficit + usdc(2850)).to.be.lessThan(fundBefore);
    expect([b.covered, b.socialised]).to.deep.equal([b.deficit, 0n]);
    expect(b.fundPaid).to.equal(usdc(2850) + b.deficit);
    expect(await collaterals.WETH.balanceOf(fundAddr)).to.equal(wad("1"));
    await expect(run.receipt).to.emit(insuranceFund, "Covered").withArgs(usdc(2850), usdc(2850));
    await expect(run.receipt).to.emit(insuranceFund, "Covered").withArgs(b.deficit, b.covered);

    // Nothing is left on the account; the LPs lose nothing to bad debt (the runner checked that
    // the pool ledger moved by the realised PnL only) and the pool value is the model's.
    const acc = await env.sys.engine.getAccount(a);
    expect([acc.quoteBalance, acc.marketMask, acc.collateralMask]).to.deep.equal([0n, 0n, 0n]);
    const snap = await snapshot(env, a);
    const now = BigInt(await time.latest());
    expect(await pool.totalAssets()).to.equal(
      expectedPoolValue(snap, await env.sys.engine.poolBalance(), now),
    );
  });

  it("bankruptcy that exhausts the fund is socialised: LP share price falls by socialised / supply", async () => {
    const env = await setup();
    const { insuranceFund, pool, engine } = env.sys;
    await noFunding(env, ETH);
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(30_000));
    await trade(env, t, ETH, wad("100"));
    await setMarketPrice(env, ETH, "2000");

    const supply = await pool.totalSupply();
    const fund = await insuranceFund.balance();
    const snap = await snapshot(env, a);
    const poolBefore = await engine.poolBalance();
    const now0 = BigInt(await time.latest());
    const assetsBefore = await pool.totalAssets();
    expect(assetsBefore).to.equal(expectedPoolValue(snap, poolBefore, now0));

    const run = await liquidateChecked(env, a);
    const b = run.expected.badDebt!;
    expect(b.covered).to.equal(fund);
    expect(b.socialised).to.be.greaterThan(0n);
    expect(b.socialised).to.equal(b.deficit - fund);
    expect(await insuranceFund.balance()).to.equal(run.expected.fee!.toFund);

    // Pool value from the model: exactly the socialised loss lower, supply unchanged.
    const assetsAfter = await pool.totalAssets();
    expect(assetsAfter).to.equal(
      expectedPoolValue(
        snap,
        poolBefore + run.expected.poolDelta,
        run.now,
        run.expected.marketStates,
      ),
    );
    // INV-44: the pool also keeps the impact premium of the skew the liquidation closed.
    const released = skewPremium(snap) - skewPremium(snap, run.expected.marketStates);
    expect(assetsBefore - assetsAfter).to.be.closeTo(b.socialised - released / 10n ** 12n, 1n);
    expect(await pool.totalSupply()).to.equal(supply);
    // Price of the whole supply (ERC-4626 with virtual shares): floor(S * (A + 1) / (S + 10^6)).
    const price = (assets: bigint) => (supply * (assets + 1n)) / (supply + SHARE_OFFSET);
    expect(await pool.convertToAssets(supply)).to.equal(price(assetsAfter));
    const drop = price(assetsBefore) - price(assetsAfter);
    // Per share: socialised / supply (scaled by the virtual-share factor, to a unit of rounding).
    // INV-44: net of the premium the closed skew released (a unit of rounding either way).
    const loss = b.socialised - released / 10n ** 12n;
    const exact = (loss * supply) / (supply + SHARE_OFFSET);
    expect(drop - exact).to.be.within(-1n, 1n);
  });

  it("INV-29: an account whose equity is already negative with no positions: the fund buys its collateral, then covers the rest", async () => {
    const env = await setup();
    const { engine, collaterals, insuranceFund } = env.sys;
    const t = env.traders[0];
    const a = await deposit(env, t, wad("1"), "WETH");
    await trade(env, t, ETH, wad("10"));
    await setMarketPrice(env, ETH, "2800");
    await trade(env, t, ETH, -wad("10")); // realised loss: quote debt backed by WETH
    const debt = -(await engine.getAccount(a)).quoteBalance;
    expect(debt).to.be.greaterThan(usdc(2_000));
    expect(await engine.isLiquidatable(a)).to.equal(false);

    await setCollateralPrice(env, "WETH", "1500"); // 1,260 weighted (0.84) < debt
    expect(await modelEquity(env, a)).to.be.lessThan(0n);
    expect(await engine.isLiquidatable(a)).to.equal(true);
    const run = await liquidateChecked(env, a);
    expect(run.expected.closes).to.deep.equal([]);
    expect(run.expected.fee).to.equal(undefined); // nothing closed, nothing charged
    const b = run.expected.badDebt!;
    // 1 WETH at 1500 less 5 % = 1,425 USDC of the debt; the rest is bad debt.
    expect(b.sales).to.deep.equal([
      { token: await collaterals.WETH.getAddress(), amount: wad("1"), paid: usdc(1425) },
    ]);
    expect([b.deficit, b.covered, b.socialised]).to.deep.equal([
      debt - usdc(1425),
      debt - usdc(1425),
      0n,
    ]);
    expect(await collaterals.WETH.balanceOf(await insuranceFund.getAddress())).to.equal(wad("1"));
    const acc = await engine.getAccount(a);
    expect([acc.quoteBalance, acc.collateralMask]).to.deep.equal([0n, 0n]);
    expect(await engine.isLiquidatable(a)).to.equal(false);
  });

  it("the insurance fund changes by exactly fees in minus cover out across many liquidations", async () => {
    const env = await setup();
    const { insuranceFund, engine } = env.sys;
    const fund0 = await insuranceFund.balance();
    const [t1, t2, t3, t4] = env.traders;
    const big = await deposit(env, t1, usdc(40_000));
    await trade(env, t1, ETH, wad("100"));
    const bust1 = await deposit(env, t2, usdc(6_500)); // IM 75,000 * 8.5 % + 20 = 6,395
    await trade(env, t2, SOL, wad("500"));
    const bust2 = await deposit(env, t3, usdc(10_000));
    await trade(env, t3, ETH, wad("40"));
    const short = await deposit(env, t4, usdc(4_000)); // IM 60,000 * 6 % + 20 = 3,620
    await trade(env, t4, ETH, -wad("20"));
    await setMarketPrice(env, ETH, "2620");
    await setMarketPrice(env, SOL, "135");

    let feesIn = 0n;
    let coverOut = 0n;
    let socialised = 0n;
    for (const a of [big, bust1, bust2]) {
      expect(await engine.isLiquidatable(a)).to.equal(true);
      const { expected, receipt } = await liquidateChecked(env, a);
      feesIn += expected.fee?.toFund ?? 0n;
      coverOut += expected.badDebt?.covered ?? 0n;
      socialised += expected.badDebt?.socialised ?? 0n;
      if (expected.badDebt) {
        await expect(receipt)
          .to.emit(insuranceFund, "Covered")
          .withArgs(expected.badDebt.deficit, expected.badDebt.covered);
      }
    }
    expect(feesIn).to.be.greaterThan(0n);
    expect(coverOut).to.be.greaterThan(0n);
    expect(socialised).to.equal(0n);
    expect(await insuranceFund.balance()).to.equal(fund0 + feesIn - coverOut);
    expect(await engine.isLiquidatable(short)).to.equal(false); // the winner is untouched
  });

  it("a bankrupt account is settled once its last position closes, not before", async () => {
    const env = await setup();
    const { engine } = env.sys;
    const m = await engine.getMarket(ETH);
    // Only 100,000 USD of ETH (the smallest cap governance may set) per 30 s window.
    await engine.setMarketLimits(ETH, {
      maxOpenInterest: m.maxOpenInterest,
      maxOiPoolRatio: m.maxOiPoolRatio,
      maxNetExposureRatio: m.maxNetExposureRatio,
      maxLiquidationPerWindowUsd: wad("100000"),
      liquidationWindow: 30,
    });
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(13_000));
    await trade(env, t, ETH, wad("50"));
    await setMarketPrice(env, ETH, "2500"); // 125,000 USD of notional, 25,000 USD of loss
    expect(await modelEquity(env, a)).to.be.lessThan(0n);

    const first = await liquidateChecked(env, a);
    expect(first.expected.closes).to.have.length(1);
    expect(first.expected.badDebt).to.equal(undefined); // a position is still open
    const second = await liquidateChecked(env, a, { dt: 30n });
    expect(second.expected.positions.get(ETH)!.size).to.equal(0n);
    expect(second.expected.badDebt!.deficit).to.be.greaterThan(0n);
    expect((await engine.getAccount(a)).quoteBalance).to.equal(0n);
  });
});

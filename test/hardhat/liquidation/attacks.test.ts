/**
 * Regression tests for the liquidation-economics attacks (keeper farming, chunking,
 * self-liquidation, over-seizure, close-factor resets, stale-collateral blocking, governance
 * freezes), each reproduced step by step and shown not to pay under the new rules. Expected
 * numbers come from test/helpers/liquidationModel.ts (through liquidateChecked /
 * liquidateCollateralChecked) or from hand computation here, never from the contract.
 */
import { expect } from "chai";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../../src/common/units";
import {
  WAD,
  divCeil,
  marginSummary,
  max,
  min,
  mulDown,
  mulUp,
  quoteToUsd,
  toQuoteCeil,
} from "../../../src/model";
import {
  BTC,
  ETH,
  Env,
  QD,
  deposit,
  expectConservation,
  liquidateChecked,
  liquidateCollateralChecked,
  mintAndApprove,
  setCollateralPrice,
  setMarketPrice,
  setup,
  snapshot,
  trade,
  usdc,
} from "../../helpers/liquidation";
import { accountAt, skewPremium } from "../../helpers/liquidationModel";
import { refreshFeeds } from "../../helpers/trading";
import { collateralRisk } from "../../helpers/risk";

const DAY = 86_400;

async function noFunding(env: Env, marketId: number): Promise<void> {
  const m = await env.sys.engine.getMarket(marketId);
  await env.sys.engine.setMarketTradingParams(marketId, {
    skewScale: m.skewScale,
    makerFee: m.makerFee,
    takerFee: m.takerFee,
    maxFundingVelocity: 0,
  });
}

async function modelEquity(env: Env, account: bigint, now?: bigint): Promise<bigint> {
  const t = now ?? BigInt(await time.latest());
  return marginSummary(accountAt(await snapshot(env, account), t)).equity;
}

/** What one call closing `notional` in a fresh window earns (USD rounded up to quote units). */
function oneCallReward(env: Env, notional: bigint, complete: boolean): bigint {
  let usd = mulUp(notional, env.liq.feeRate);
  if (complete) usd = max(usd, env.liq.minKeeperReward);
  return toQuoteCeil(min(usd, env.liq.maxKeeperReward), QD);
}

/**
 * The position-less account: 4 WETH at weight 0.8 and exactly 6,000 USDC of debt, made
 * liquidatable by WETH at 1,874.81 (4 * 1874.81 * 0.8 = 5,999.39 < 6,000).
 */
async function positionlessDebtor() {
  const env = await setup();
  const { engine, collaterals } = env.sys;
  const weth = await collaterals.WETH.getAddress();
  const c = await engine.getCollateral(weth);
  await engine.setCollateralParams(
    weth,
    collateralRisk({ weight: "0.8", discount: c.liquidationDiscount, cap: c.depositCap }),
  );
  const [owner] = env.traders;
  const a = await deposit(env, owner, wad("4"), "WETH");
  await trade(env, owner, ETH, wad("20"));
  await setMarketPrice(env, ETH, "2700");
  await trade(env, owner, ETH, -wad("20")); // a realised loss of about 6,070 USDC
  const loss = -(await engine.getAccount(a)).quoteBalance;
  expect(loss).to.be.greaterThan(usdc(6_000));
  await deposit(env, owner, loss - usdc(6_000)); // the debt is exactly 6,000 USDC
  expect((await engine.getAccount(a)).quoteBalance).to.equal(-usdc(6_000));
  expect(await engine.isLiquidatable(a)).to.equal(false);
  await setCollateralPrice(env, "WETH", "1874.81");
  expect(await engine.isLiquidatable(a)).to.equal(true);
  return { env, engine, weth, owner, a };
}

describe("liquidation/attacks (regressions)", () => {
  it("INV-26/INV-27 (a): 40 dust liquidations of 0.01 USD on a 60 USDC account earn only the pro-rata fee share, never the minimum 40 times", async () => {
    const env = await setup();
    await noFunding(env, ETH);
    const [owner] = env.traders;
    // 0.2 ETH (600 USD: IM 56, MM about 41, both mostly the 20 USD minimum); at 2880 the
    // account is liquidatable with about 35 USD of equity left.
    const a = await deposit(env, owner, usdc(60));
    await trade(env, owner, ETH, wad("0.2"));
    await setMarketPrice(env, ETH, "2880");
    expect(await env.sys.engine.isLiquidatable(a)).to.equal(true);
    const keeper0 = await env.sys.quote.balanceOf(env.keeper.address);

    let total = 0n;
    for (let i = 0; i < 40; i++) {
      const run = await liquidateChecked(env, a, { maxNotionalUsd: wad("0.01") });
      const f = run.expected.fee!;
      expect(f.notional).to.be.lte(wad("0.01"));
      total += f.notional;
      // Fees never push the account's equity below zero.
      expect(await modelEquity(env, a, run.now)).to.be.gte(0n);
    }
    const paid = (await env.sys.quote.balanceOf(env.keeper.address)) - keeper0;
    // Never complete, so the keeper earns feeRate * (window total), rounded up once.
    expect(paid).to.equal(toQuoteCeil(mulUp(total, env.liq.feeRate), QD));
    expect(paid).to.be.lessThan(usdc("0.01"));
    const w = await env.sys.engine.getAccountLiquidation(a);
    expect([w.notionalClosed, w.rewardPaid]).to.deep.equal([total, paid]);
    // Under the old schedule each call paid the 5 USD minimum: 200 USDC from a 60 USDC account.
    expect(40n * toQuoteCeil(env.liq.minKeeperReward, QD)).to.equal(usdc(200));
  });

  it("INV-26 (b): splitting one large liquidation into chunks pays in total no more than one call doing the same work", async () => {
    const env = await setup();
    await noFunding(env, ETH);
    const [owner] = env.traders;
    const a = await deposit(env, owner, usdc(10_000));
    await trade(env, owner, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2690");
    const state = await takeSnapshot();

    // One call.
    const k0 = await env.sys.quote.balanceOf(env.keeper.address);
    const single = await liquidateChecked(env, a);
    const singleReward = (await env.sys.quote.balanceOf(env.keeper.address)) - k0;
    const singleNotional = single.expected.fee!.notional;
    expect(singleReward).to.equal(single.expected.fee!.reward);

    // The same state, liquidated in chunks of 5,000 USD until it is no longer liquidatable.
    await state.restore();
    let chunkNotional = 0n;
    let chunks = 0;
    const k1 = await env.sys.quote.balanceOf(env.keeper.address);
    while (
      (await env.sys.engine.isLiquidatable(a)) &&
      (await env.sys.engine.getPosition(a, ETH)).size !== 0n
    ) {
      const run = await liquidateChecked(env, a, { maxNotionalUsd: wad("5000") });
      chunkNotional += run.expected.fee!.notional;
      chunks++;
    }
    const chunkReward = (await env.sys.quote.balanceOf(env.keeper.address)) - k1;
    expect(chunks).to.be.greaterThan(1);
    // The chunks together earn what one call closing their total earns (one window) ...
    expect(chunkReward).to.be.lte(oneCallReward(env, chunkNotional, true));
    // ... and no more than the single call when they did no more work.
    if (chunkNotional <= singleNotional) expect(chunkReward).to.be.lte(singleReward);
    else {
      expect(chunkReward - singleReward).to.be.lte(
        oneCallReward(env, chunkNotional, true) - oneCallReward(env, singleNotional, true),
      );
    }
  });

  it("INV-28 (c): owner and keeper the same party: self-liquidation is worth no more than closing by trade", async () => {
    const env = await setup();
    await noFunding(env, ETH);
    const [owner, ownerKeeper] = env.traders;
    // 30 ETH (90,000 USD: IM 5,420); at 2880 equity (about 2,350) is below MM (about 3,040).
    const a = await deposit(env, owner, usdc(6_000));
    await trade(env, owner, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2880");
    const state = await takeSnapshot();

    // Branch 1: the owner's second address liquidates the account.
    const run = await liquidateChecked(env, a, { keeper: ownerKeeper });
    const closed = run.expected.closes.reduce((s, c) => s + c.sizeClosed, 0n);
    const gained = await env.sys.quote.balanceOf(ownerKeeper.address);
    const liquidated = (await modelEquity(env, a, run.now)) + quoteToUsd(gained, QD);

    // Branch 2: the same state, the owner closes the same size by a trade at the same time.
    await state.restore();
    await time.setNextBlockTimestamp(run.now);
    await trade(env, owner, ETH, closed);
    expect(BigInt(await time.latest())).to.equal(run.now);
    const selfClosed = await modelEquity(env, a, run.now);

    expect(liquidated).to.be.lte(selfClosed);
    // The difference is at least the fund's penalty less the trade's taker fee (0.25 % vs
    // 0.06 % of the notional), rounding aside.
    const notional = run.expected.fee!.notional;
    expect(selfClosed - liquidated).to.be.gte(
      mulUp(notional, env.liq.penaltyRate) - mulUp(notional, wad("0.0006")) - 2n * 10n ** 12n,
    );
  });

  it("INV-29/INV-31 (d): bankruptcy: 20 WETH behind a 5 BTC short are set against the debt at the discounted price; the fund gets the WETH only for what it paid; LPs lose only the remainder", async () => {
    const env = await setup();
    await noFunding(env, BTC);
    const { insuranceFund, quote, collaterals, pool, engine } = env.sys;
    // The fund holds 60,000 USDC (10,000 seed + 50,000).
    await quote.mint(env.deployer.address, usdc(50_000));
    await quote.approve(await insuranceFund.getAddress(), usdc(50_000));
    await insuranceFund.seed(usdc(50_000));
    const [owner] = env.traders;
    const a = await deposit(env, owner, wad("20"), "WETH"); // 60,000 USD at the config's weight
    await trade(env, owner, BTC, -wad("5"));
    await setMarketPrice(env, BTC, "72500"); // a 62,500 USD loss: bankrupt
    expect(await modelEquity(env, a)).to.be.lessThan(0n);
    const snap = await snapshot(env, a);
    const fund0 = await insuranceFund.balance();
    const assets0 = await pool.totalAssets();

    const run = await liquidateChecked(env, a);
    const e = run.expected;
    expect(e.closes.map((c) => c.sizeClosed)).to.deep.equal([wad("5")]);
    // Nothing to pay fees from: no reward, no penalty.
    expect([e.fee!.fee, e.fee!.reward]).to.deep.equal([0n, 0n]);
    // The debt once the short is closed: the realised loss on the quote balance.
    const debt = -(snap.quoteBalance + e.closes[0].quoteDelta);
    expect(debt).to.be.greaterThan(usdc(57_000));
    // 20 WETH at 3000 less 5 % = 57,000 USDC of debt repaid by the fund, which gets the WETH.
    const b = e.badDebt!;
    expect(b.sales).to.deep.equal([
      { token: await collaterals.WETH.getAddress(), amount: wad("20"), paid: usdc(57_000) },
    ]);
    expect(await collaterals.WETH.balanceOf(await insuranceFund.getAddress())).to.equal(wad("20"));
    // Only the remainder is bad debt: the fund covers what it has left, the LPs the rest.
    expect(b.deficit).to.equal(debt - usdc(57_000));
    expect(b.covered).to.equal(min(b.deficit, fund0 - usdc(57_000)));
    expect(b.socialised).to.equal(b.deficit - b.covered);
    expect(b.socialised).to.be.greaterThan(0n);
    expect(await insuranceFund.balance()).to.equal(fund0 - usdc(57_000) - b.covered);
    // LPs: the pool ledger moved by the trader's realised loss less the socialised part only.
    expect(e.poolDelta).to.equal(-e.closes[0].quoteDelta - b.socialised);
    // INV-44: less the impact premium of the closed skew, which the pool keeps.
    const released = skewPremium(snap) - skewPremium(snap, e.marketStates);
    expect(assets0 - (await pool.totalAssets())).to.be.closeTo(
      b.socialised - released / 10n ** 12n,
      1n,
    );
    const acc = await engine.getAccount(a);
    expect([acc.quoteBalance, acc.marketMask, acc.collateralMask]).to.deep.equal([0n, 0n, 0n]);
  });

  it("INV-29/INV-30 (e): a position-less account (4 WETH at weight 0.8, 6,000 USDC of debt) sells only what the debt needs to the fund", async () => {
    const { env, engine, weth, a } = await positionlessDebtor();
    expect(await engine.connect(env.keeper).liquidate.staticCall(a, 0)).to.deep.equal([0n, 0n]);
    const run = await liquidateChecked(env, a);
    // 6,000 / (1874.81 * 0.95 = 1,781.0695) = 3.3688... WETH; the owner keeps the rest.
    const seized = (wad("6000") * WAD) / mulDown(wad("1874.81"), wad("0.95"));
    expect(seized).to.be.closeTo(wad("3.3688"), wad("0.0001"));
    const b = run.expected.badDebt!;
    expect(b.sales).to.deep.equal([{ token: weth, amount: seized, paid: usdc(6_000) }]);
    expect(b.deficit).to.equal(0n);
    expect(await engine.collateralBalance(a, weth)).to.equal(wad("4") - seized);
    expect((await engine.getAccount(a)).quoteBalance).to.equal(0n);
    expect(await engine.isLiquidatable(a)).to.equal(false);
  });

  it("INV-28/INV-29: owner, keeper and buyer in one: liquidating itself into the fund and buying the WETH back loses half the discount", async () => {
    const { env, engine, weth, owner, a } = await positionlessDebtor();
    const { quote, insuranceFund, collaterals } = env.sys;
    const price = wad("1874.81");
    // The owner is its own keeper: the fund buys what the debt needs (3.3688 WETH for 6,000).
    await engine.connect(owner).liquidate(a, 0);
    const seized = (wad("6000") * WAD) / mulDown(price, wad("0.95"));
    expect(await collaterals.WETH.balanceOf(await insuranceFund.getAddress())).to.equal(seized);
    // It buys them back at the oracle less half the discount (docs/math.md), rounding up.
    const unitPrice = divCeil(price * (WAD - wad("0.025")), WAD);
    const cost = divCeil(seized * 10n ** 6n * unitPrice, WAD * WAD);
    await mintAndApprove(env, quote, owner, cost, await insuranceFund.getAddress());
    await expect(insuranceFund.connect(owner).buyCollateral(weth, seized, cost - 1n))
      .to.be.revertedWithCustomError(insuranceFund, "SlippageExceeded")
      .withArgs(cost, cost - 1n);
    await insuranceFund.connect(owner).buyCollateral(weth, seized, cost);
    // Same 4 WETH as before, debt gone, and `cost` paid for a debt of 6,000: the round trip
    // cost the party `cost - 6,000` (about 2.5 % of the WETH bought), never a gain.
    expect(await collaterals.WETH.balanceOf(owner.address)).to.equal(seized);
    expect(await engine.collateralBalance(a, weth)).to.equal(wad("4") - seized);
    expect((await engine.getAccount(a)).quoteBalance).to.equal(0n);
    expect(cost).to.be.greaterThan(usdc(6_000));
    // seized * p * (0.975 - 0.95) = 6,000 * 0.025 / 0.95 = 157.89 USDC.
    expect(cost - usdc(6_000)).to.be.closeTo(usdc("157.89"), usdc("0.01"));
  });

  it("INV-33 (f): repeated liquidateCollateral calls in one window repay at most 50 % of the window-start debt", async () => {
    const env = await setup();
    const { engine, collaterals } = env.sys;
    const weth = await collaterals.WETH.getAddress();
    const c = await engine.getCollateral(weth);
    // A 10 % discount equal to the 10 % haircut (weight 0.9): a seizure leaves equity where it
    // was, so the account stays liquidatable and the attacker could otherwise come back at once.
    await engine.setCollateralParams(
      weth,
      collateralRisk({ weight: "0.9", discount: "0.1", cap: c.depositCap }),
    );
    const [owner, liquidator] = env.traders;
    const a = await deposit(env, owner, wad("1"), "WETH");
    await trade(env, owner, ETH, wad("10"));
    await setMarketPrice(env, ETH, "2800");
    await trade(env, owner, ETH, -wad("5")); // about 2,020 USDC of debt, 5 ETH left
    // WETH at 2795: equity about 0.9 * 2795 - 2,020 = 495 against MM 510 (5 ETH at 2800), so
    // liquidatable with a health factor above the close-factor threshold (0.95).
    await setCollateralPrice(env, "WETH", "2795");
    const debt0 = -(await engine.getAccount(a)).quoteBalance;

    const first = await liquidateCollateralChecked(env, liquidator, a, "WETH", debt0 / 4n);
    expect(first.maxRepay).to.equal((debt0 + 1n) / 2n);
    expect(first.repaid).to.equal(debt0 / 4n);
    expect(await engine.isLiquidatable(a)).to.equal(true);

    // Per call, the old rule would allow half of the debt left now; the window allows only what
    // is left of half the window-start debt.
    const debtNow = debt0 - first.repaid;
    const perCallMax = (debtNow + 1n) / 2n; // the old rule: half of the debt at each call
    const second = await liquidateCollateralChecked(env, liquidator, a, "WETH", debt0);
    expect(second.maxRepay).to.equal((debt0 + 1n) / 2n - debt0 / 4n);
    expect(second.maxRepay).to.be.lessThan(perCallMax);
    expect(second.repaid).to.equal(second.maxRepay);
    expect(first.repaid + second.repaid).to.equal((debt0 + 1n) / 2n);

    // The window is used up: a third call seizes nothing.
    expect(await engine.isLiquidatable(a)).to.equal(true);
    await mintAndApprove(env, env.sys.quote, liquidator, usdc(100));
    await expect(engine.connect(liquidator).liquidateCollateral(a, weth, usdc(100)))
      .to.be.revertedWithCustomError(engine, "NothingToSeize")
      .withArgs(a, weth);

    // A new window (after accountWindow) allows half of the debt then.
    await time.increase(env.liq.accountWindow);
    await refreshFeeds(env.sys);
    const debt1 = -(await engine.getAccount(a)).quoteBalance;
    const third = await liquidateCollateralChecked(env, liquidator, a, "WETH", debt1);
    expect(third.maxRepay).to.equal((debt1 + 1n) / 2n);
  });

  it("INV-34 (g): 1 wei of a collateral whose feed is stale no longer blocks liquidate", async () => {
    const env = await setup();
    await noFunding(env, ETH);
    const { engine, collaterals } = env.sys;
    const [owner] = env.traders;
    const a = await deposit(env, owner, usdc(10_000));
    await deposit(env, owner, 1n, "WBTC");
    await trade(env, owner, ETH, wad("30"));
    const wbtc = await collaterals.WBTC.getAddress();
    // A day passes; every feed answers again but WBTC's.
    await time.increase(DAY + 1);
    await refreshFeeds(env.sys, [(await engine.getCollateral(wbtc)).feed]);
    await expect(engine.collateralPrice(wbtc)).to.be.revertedWithCustomError(engine, "OracleStale");
    await setMarketPrice(env, ETH, "2700");
    expect(await engine.isLiquidatable(a)).to.equal(true);
    const run = await liquidateChecked(env, a, { staleTokens: [wbtc] });
    expect(run.expected.fee!.notional).to.be.greaterThan(0n);
    expect(await engine.collateralBalance(a, wbtc)).to.equal(1n);
  });

  it("INV-32 (h): governance cannot set maxLiquidationPerWindow = 1 wei or maxOiPoolRatio = 0; nothing changes", async () => {
    const env = await setup();
    const { engine } = env.sys;
    const m = await engine.getMarket(ETH);
    await expect(
      engine.setMarketLimits(ETH, {
        maxOpenInterest: m.maxOpenInterest,
        maxOiPoolRatio: m.maxOiPoolRatio,
        maxNetExposureRatio: m.maxNetExposureRatio,
        maxLiquidationPerWindowUsd: 1n,
        liquidationWindow: m.liquidationWindow,
      }),
    ).to.be.revertedWithCustomError(engine, "ParameterOutOfBounds");
    await expect(
      engine.setMarketLimits(ETH, {
        maxOpenInterest: m.maxOpenInterest,
        maxOiPoolRatio: 0n,
        maxNetExposureRatio: m.maxNetExposureRatio,
        maxLiquidationPerWindowUsd: m.maxLiquidationPerWindow,
        liquidationWindow: 30,
      }),
    ).to.be.revertedWithCustomError(engine, "ParameterOutOfBounds");
    const after = await engine.getMarket(ETH);
    expect([
      after.maxOpenInterest,
      after.maxOiPoolRatio,
      after.maxLiquidationPerWindow,
      after.liquidationWindow,
    ]).to.deep.equal([
      m.maxOpenInterest,
      m.maxOiPoolRatio,
      m.maxLiquidationPerWindow,
      m.liquidationWindow,
    ]);
    // The bounds themselves are accepted: no cap (0), a 100,000 USD cap, a 0.1 ratio.
    await engine.setMarketLimits(ETH, {
      maxOpenInterest: m.maxOpenInterest,
      maxOiPoolRatio: wad("0.1"),
      maxNetExposureRatio: m.maxNetExposureRatio,
      maxLiquidationPerWindowUsd: 0n,
      liquidationWindow: m.liquidationWindow,
    });
    await engine.setMarketLimits(ETH, {
      maxOpenInterest: m.maxOpenInterest,
      maxOiPoolRatio: m.maxOiPoolRatio,
      maxNetExposureRatio: m.maxNetExposureRatio,
      maxLiquidationPerWindowUsd: wad("100000"),
      liquidationWindow: m.liquidationWindow,
    });
    await expectConservation(env);
  });
});

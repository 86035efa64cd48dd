import { expect } from "chai";
import { ethers } from "hardhat";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import { WAD, mulUp, positionMargin, quoteToUsd, toQuoteCeil } from "../../../src/model";
import {
  ETH,
  Env,
  QD,
  deposit,
  expectConservation,
  liquidateChecked,
  setMarketPrice,
  setup,
  snapshot,
  trade,
  usdc,
} from "../../helpers/liquidation";
import { lpTakesTheQuote } from "../../helpers/lp-exit";
import { bufferCloseSize, expectLiquidation, healthAt } from "../../helpers/liquidationModel";

/** Turns funding off in a market before anyone trades (so equity does not drift with time). */
async function noFunding(env: Env, marketId: number): Promise<void> {
  const m = await env.sys.engine.getMarket(marketId);
  await env.sys.engine.setMarketTradingParams(marketId, {
    skewScale: m.skewScale,
    makerFee: m.makerFee,
    takerFee: m.takerFee,
    maxFundingVelocity: 0,
  });
}

/**
 * The fund's penalty (quote units) for closing `notional` of a long: max(penaltyRate, takerFee)
 * = 0.25 % of it, rounded up; a close that reduces the skew pays no price impact.
 */
function penaltyQuote(env: Env, notional: bigint): bigint {
  return toQuoteCeil(mulUp(notional, env.liq.penaltyRate), QD);
}

/** `liquidate`'s return values (eth_call at the latest block) against the model. */
async function expectReturnValues(env: Env, account: bigint, keeper: HardhatEthersSigner) {
  const e = expectLiquidation(await snapshot(env, account), env.liq, BigInt(await time.latest()));
  const [notional, reward] = await env.sys.engine.connect(keeper).liquidate.staticCall(account, 0);
  expect([notional, reward]).to.deep.equal([e.fee!.notional, e.fee!.reward]);
}

describe("liquidation/keeper", () => {
  it("INV-26/INV-31: a completing call pays the minimum reward when notional * feeRate is below it; the fund gets the penalty", async () => {
    const env = await setup();
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(75)); // IM 900 * 6 % + 20 = 74
    await trade(env, t, ETH, wad("0.3")); // 900 USD: 0.5 % of it is 4.5 < 5
    await setMarketPrice(env, ETH, "2850");
    await expectReturnValues(env, a, env.keeper);

    const { expected } = await liquidateChecked(env, a);
    const f = expected.fee!;
    expect(f.notional * env.liq.feeRate).to.be.lessThan(env.liq.minKeeperReward * 10n ** 18n);
    // 0.3 ETH at 2850 = 855 USD: the whole position closes (complete), so the keeper gets the
    // 5 USD minimum; the fund 0.25 % of 855 = 2.1375 USD.
    expect(f.notional).to.equal(wad("855"));
    expect([f.fee, f.reward, f.toFund]).to.deep.equal([usdc("7.1375"), usdc(5), usdc("2.1375")]);
  });

  it("counts the minimum reward when sizing a partial close: the account ends healthy", async () => {
    const env = await setup();
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(60)); // IM 600 * 6 % + 20 = 56
    await trade(env, t, ETH, wad("0.2")); // 600 USD, MM about 41
    await setMarketPrice(env, ETH, "2885");
    const snap = await snapshot(env, a);
    const now = BigInt(await time.latest()) + 1n;
    const h = healthAt(snap, now);
    const params = snap.markets[ETH].params;
    const size = wad("0.2");
    const price = wad("2885");

    // The rule as if the fee were always notional * feeRate (the minimum ignored) would close
    // this much, pay the 5 USD minimum, and leave the account liquidatable.
    const naive = bufferCloseSize(
      size,
      price,
      h.positions[0].mm,
      params.minPositionMargin,
      h.equity,
      h.MM,
      0n,
      env.liq,
    );
    expect(naive).to.be.lessThan(size);
    const naiveMm = positionMargin(params, size - naive, price).mm;
    expect(h.equity - env.liq.minKeeperReward).to.be.lessThan(naiveMm);

    const { expected } = await liquidateChecked(env, a);
    // The call restores the account (complete): the minimum reward, plus the fund's penalty.
    const f = expected.fee!;
    expect(f.reward).to.equal(usdc(5));
    expect(f.toFund).to.equal(penaltyQuote(env, f.notional));
    expect(f.fee).to.equal(usdc(5) + f.toFund);
    const after = healthAt(await snapshot(env, a), BigInt(await time.latest()));
    expect(after.isLiquidatable).to.equal(false);
    expect(after.equity).to.be.greaterThanOrEqual(mulUp(after.MM, WAD + env.liq.buffer));
  });

  it("INV-26/INV-31: between the clamps the keeper gets feeRate * notional, the fund the penalty", async () => {
    const env = await setup();
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(10_000));
    await trade(env, t, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2690"); // equity about 646 USD: enough for both charges
    await expectReturnValues(env, a, env.keeper);

    const { expected } = await liquidateChecked(env, a);
    const f = expected.fee!;
    // 0.5 % of the notional closed is between 5 and 1,000 USD and goes to the keeper; 0.25 % of
    // it to the fund; the account can pay both.
    expect(quoteToUsd(f.fee, QD)).to.be.lessThan(expected.equity);
    const rate = toQuoteCeil(mulUp(f.notional, env.liq.feeRate), QD);
    expect(rate).to.be.greaterThan(usdc(5));
    expect(rate).to.be.lessThan(usdc(1_000));
    expect([f.reward, f.toFund]).to.deep.equal([rate, penaltyQuote(env, f.notional)]);
    expect(f.fee).to.equal(f.reward + f.toFund);
  });

  it("INV-26/INV-31: caps the keeper at the maximum reward (the excess is not charged); the fund gets the penalty", async () => {
    const env = await setup();
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(40_000));
    await trade(env, t, ETH, wad("100"));
    await setMarketPrice(env, ETH, "2620");
    await expectReturnValues(env, a, env.keeper);

    const { expected } = await liquidateChecked(env, a);
    const f = expected.fee!;
    // 0.5 % of 262,000 = 1,310 is capped at 1,000; the penalty is 0.25 % = 655.
    expect(f.notional).to.equal(wad("262000"));
    expect([f.fee, f.reward, f.toFund]).to.deep.equal([usdc(1655), usdc(1000), usdc(655)]);
    expect(expected.badDebt).to.equal(undefined);
  });

  it("converts the USD fee to quote units rounding up", async () => {
    const env = await setup();
    const t = env.traders[0];
    const a = await deposit(env, t, usdc(10_000));
    await trade(env, t, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2690.00000001");
    const { expected } = await liquidateChecked(env, a);
    const f = expected.fee!;
    // The reward in USD has digits below a quote unit: it is rounded up, not down.
    const usd = mulUp(f.notional, env.liq.feeRate);
    const unit = quoteToUsd(1n, QD);
    expect(usd % unit).to.not.equal(0n);
    expect(f.reward).to.equal(usd / unit + 1n);
  });

  it("a keeper with no tokens, no approvals and no account is paid", async () => {
    const env = await setup();
    const wallet = ethers.Wallet.createRandom().connect(ethers.provider);
    await setBalance(wallet.address, 10n ** 18n);
    const keeper = await ethers.getImpersonatedSigner(wallet.address);
    expect(await env.sys.quote.balanceOf(keeper.address)).to.equal(0n);

    const t = env.traders[0];
    const a = await deposit(env, t, usdc(10_000));
    await trade(env, t, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2690");
    const { expected } = await liquidateChecked(env, a, { keeper });
    expect(await env.sys.quote.balanceOf(keeper.address)).to.equal(expected.fee!.reward);
    expect(expected.fee!.reward).to.be.greaterThan(0n);
  });

  for (const [name, size, deposited, price] of [
    ["at the minimum reward", "0.3", 75, "2850"],
    ["at the maximum reward", "100", 40_000, "2620"],
  ] as const) {
    it(`INV-28: self-liquidation from a second address does not profit (${name})`, async () => {
      const env = await setup();
      await noFunding(env, ETH);
      const [owner, second] = env.traders;
      const a = await deposit(env, owner, usdc(deposited));
      await trade(env, owner, ETH, wad(size));
      await setMarketPrice(env, ETH, price);

      const run = await liquidateChecked(env, a, { keeper: second });
      const before = run.expected.equity;
      const after = healthAt(await snapshot(env, a), run.now).equity;
      const f = run.expected.fee!;
      const gained = await env.sys.quote.balanceOf(second.address);
      expect(gained).to.equal(f.reward);
      // Together the owner's two addresses lose fee - reward (the fund's penalty), > 0, and at
      // most one quote unit more: the realised PnL is floored to whole quote units.
      const combined = after - before + quoteToUsd(gained, QD);
      const penalty = quoteToUsd(f.fee - f.reward, QD);
      expect(combined <= -penalty && combined > -penalty - quoteToUsd(1n, QD)).to.equal(true);
      expect(combined < 0n).to.equal(true);
      // 0.25 % of 855 USD, or of 262,000 USD.
      expect(f.fee - f.reward).to.equal(
        name === "at the minimum reward" ? usdc("2.1375") : usdc(655),
      );
    });
  }

  it("never reverts when the vault holds fewer quote tokens than the fee", async () => {
    const env = await setup();
    const [ta, tb] = env.traders;
    const { engine, quote } = env.sys;
    // A's loss against WETH makes quote debt; B trades on WETH only; the LP takes the rest.
    const b = await lpTakesTheQuote(env, ta, tb);
    const held = await quote.balanceOf(await engine.getAddress());
    expect(held).to.be.lessThan(usdc(5));
    await expectConservation(env);

    await setMarketPrice(env, ETH, "2800"); // equity about 25 USD, under MM 118: a full close
    const { expected } = await liquidateChecked(env, b);
    const f = expected.fee!;
    // The keeper gets what there is; only what was paid is charged.
    expect(f.reward).to.equal(held);
    expect(f.fee).to.equal(held);
    expect((await engine.getAccount(b)).marketMask).to.equal(0n);
  });

  it("several keepers race: the second call on a now-healthy account reverts", async () => {
    const env = await setup();
    const t = env.traders[0];
    const [k1, k2] = [env.keeper, env.traders[6]];
    const a = await deposit(env, t, usdc(10_000));
    await trade(env, t, ETH, wad("30"));
    await setMarketPrice(env, ETH, "2700");
    await liquidateChecked(env, a, { keeper: k1 });
    await expect(env.sys.engine.connect(k2).liquidate(a, 0)).to.be.revertedWithCustomError(
      env.sys.engine,
      "NotLiquidatable",
    );
    expect(await env.sys.quote.balanceOf(k2.address)).to.equal(0n);
  });
});

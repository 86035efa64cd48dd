/** INV-70: a liquidation's penalty for the insurance fund accrues in the engine and reaches the
 *  fund by a sweep (anyone's, or the one that opens every bad-debt settlement). The expected
 *  penalties come from the model (`liquidateChecked`), never from the contract. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { wad } from "../../../src/common/units";
import { ICrossmarginRisk__factory } from "../../../typechain-types";
import {
  ETH,
  Env,
  deposit,
  expectConservation,
  liquidateChecked,
  setMarketPrice,
  setup,
  trade,
  usdc,
} from "../../helpers/liquidation";
import { lpTakesTheQuote } from "../../helpers/lp-exit";
import { fundHoldings, insuranceAccrued } from "../../helpers/fund";
import { field } from "../../../scripts/bench/layout";

function risk(env: Env) {
  return ICrossmarginRisk__factory.connect(env.sys.engine.target as string, env.keeper);
}

/** A quote-only account long 20 ETH on 4,000 USDC, liquidated at 2,900, then back at 3,000:
 *  returns the account and its penalty (the model's). */
async function liquidateOne(env: Env, who = env.traders[0]) {
  const account = await deposit(env, who, usdc(4_000)); // IM 60,000 * 6 % + 20 = 3,620
  await trade(env, who, ETH, wad("20"));
  await setMarketPrice(env, ETH, "2900");
  const { expected } = await liquidateChecked(env, account);
  await setMarketPrice(env, ETH, "3000");
  return { account, toFund: expected.fee!.toFund };
}

describe("liquidation/fund-accrual (INV-70)", () => {
  it("a liquidation accrues the fund's penalty in the vault: the fund's own balance does not move", async () => {
    const env = await setup();
    const fund = await env.sys.insuranceFund.getAddress();
    const fund0 = await env.sys.quote.balanceOf(fund);
    const { toFund } = await liquidateOne(env);
    expect(toFund).to.be.greaterThan(0n);
    expect(await insuranceAccrued(env.sys.engine)).to.equal(toFund);
    expect(await env.sys.quote.balanceOf(fund)).to.equal(fund0);
    expect(await fundHoldings(env.sys)).to.equal(fund0 + toFund);
    // The fund's own views: `balance()` what it holds (what `cover` pays), `holdings()` with
    // the accrual.
    expect(await env.sys.insuranceFund.balance()).to.equal(fund0);
    expect(await env.sys.insuranceFund.holdings()).to.equal(fund0 + toFund);
    await expectConservation(env);
  });

  it("the accrual sits in the slot of the fund's address, above its 160 bits (a liquidation writes no other slot for the fund)", async () => {
    const env = await setup();
    const { toFund } = await liquidateOne(env);
    const word = BigInt(
      await ethers.provider.getStorage(
        env.sys.engine.target as string,
        field("insuranceFund, insuranceAccrued"),
      ),
    );
    expect(word & ((1n << 160n) - 1n)).to.equal(BigInt(await env.sys.insuranceFund.getAddress()));
    expect(word >> 160n).to.equal(toFund);
  });

  it("an accrual that would pass 96 bits is paid to the fund at once: the liquidation never reverts", async () => {
    const env = await setup();
    const { engine, quote } = env.sys;
    const fund = await env.sys.insuranceFund.getAddress();
    // The reward cap keeps accrual + penalty <= the vault's quote, so only a token with more
    // than 2^96 units in the vault can get here: a donation makes one, and storage puts the
    // accrual 1 unit below 2^96.
    const near = (1n << 96n) - 1n;
    await quote.mint(engine.target as string, near);
    await ethers.provider.send("hardhat_setStorageAt", [
      engine.target,
      ethers.toBeHex(field("insuranceFund, insuranceAccrued"), 32),
      ethers.toBeHex((near << 160n) | BigInt(fund), 32),
    ]);
    expect(await insuranceAccrued(env.sys.engine)).to.equal(near);
    const fund0 = await quote.balanceOf(fund);
    const [t] = env.traders;
    const a = await deposit(env, t, usdc(4_000));
    await trade(env, t, ETH, wad("20"));
    await setMarketPrice(env, ETH, "2900");
    const receipt = await (await engine.connect(env.keeper).liquidate(a, 0)).wait();
    const logs = receipt!.logs.map((l) => engine.interface.parseLog(l)).filter((l) => l !== null);
    const fee = logs.find((l) => l.name === "LiquidationFeePaid")!;
    const swept = logs.find((l) => l.name === "InsuranceFundSwept")!;
    const total = near + fee.args.toInsuranceFundQuote;
    expect(fee.args.toInsuranceFundQuote).to.be.greaterThan(0n);
    expect([...swept.args]).to.deep.equal([fund, total, true]);
    expect(await insuranceAccrued(env.sys.engine)).to.equal(0n);
    expect((await quote.balanceOf(fund)) - fund0).to.equal(total);
  });

  it("a stranger's sweep pays the fund exactly what accrued over several liquidations and moves nothing else; a second sweep reverts ZeroAmount", async () => {
    const env = await setup();
    const [t0, t1, stranger] = [env.traders[0], env.traders[1], env.traders[5]];
    const p0 = (await liquidateOne(env, t0)).toFund;
    const p1 = (await liquidateOne(env, t1)).toFund;
    const { engine, quote } = env.sys;
    const fund = await env.sys.insuranceFund.getAddress();
    expect(await insuranceAccrued(env.sys.engine)).to.equal(p0 + p1);
    const [fund0, pool0, stranger0, vault0] = await Promise.all([
      quote.balanceOf(fund),
      engine.poolBalance(),
      quote.balanceOf(stranger.address),
      quote.balanceOf(engine.target as string),
    ]);
    const r = risk(env).connect(stranger);
    expect(await r.sweepInsuranceFund.staticCall()).to.equal(p0 + p1);
    await expect(r.sweepInsuranceFund())
      .to.emit(engine, "InsuranceFundSwept")
      .withArgs(fund, p0 + p1, true);
    expect(await quote.balanceOf(fund)).to.equal(fund0 + p0 + p1);
    expect(await env.sys.insuranceFund.holdings()).to.equal(fund0 + p0 + p1);
    expect(await insuranceAccrued(env.sys.engine)).to.equal(0n);
    expect(await engine.poolBalance()).to.equal(pool0);
    expect(await quote.balanceOf(stranger.address)).to.equal(stranger0);
    expect(await quote.balanceOf(engine.target as string)).to.equal(vault0 - p0 - p1);
    await expectConservation(env);
    await expect(r.sweepInsuranceFund()).to.be.revertedWithCustomError(engine, "ZeroAmount");
    expect(await quote.balanceOf(fund)).to.equal(fund0 + p0 + p1);
  });

  it("a bad-debt settlement sweeps first: the fund covers the deficit with its balance and what it was owed", async () => {
    const env = await setup();
    const { toFund: accrued } = await liquidateOne(env, env.traders[1]);
    const { quote } = env.sys;
    const fund = await env.sys.insuranceFund.getAddress();
    const holdings = await fundHoldings(env.sys);
    // A loss far beyond the deposit: the account goes bankrupt; the model checks the waterfall
    // against the fund's holdings (balance plus accrual), `liquidateChecked` the settlement.
    const [t] = env.traders;
    const a = await deposit(env, t, usdc(4_000));
    await trade(env, t, ETH, wad("20"));
    await setMarketPrice(env, ETH, "2500"); // a 10,000 loss on 4,000
    const run = await liquidateChecked(env, a);
    const bad = run.expected.badDebt!;
    expect(bad.deficit).to.be.greaterThan(0n);
    const names = run.logs.map((l) => l.name);
    const swept = run.logs.find((l) => l.name === "InsuranceFundSwept")!;
    expect([...swept.args]).to.deep.equal([fund, accrued, true]);
    expect(names.indexOf("InsuranceFundSwept")).to.be.lessThan(names.indexOf("BadDebtSettled"));
    expect(await insuranceAccrued(env.sys.engine)).to.equal(0n);
    expect(await quote.balanceOf(fund)).to.equal(holdings - bad.covered);
    await expectConservation(env);
  });

  it("INV-27: the keeper's reward never takes what the vault holds for the fund, even when the LP has taken every other quote token", async () => {
    const env = await setup();
    const [ta, tb, tc] = env.traders;
    const { account: c, toFund: accrued } = await liquidateOne(env, tc);
    const { engine, quote } = env.sys;
    // The liquidated account closes what is left and takes its quote: only the fund's share
    // and the pool's are left in the vault.
    const left = (await engine.getPosition(c, ETH)).size;
    if (left !== 0n) await trade(env, tc, ETH, -left);
    const balance = (await engine.getAccount(c)).quoteBalance;
    await engine.connect(tc).withdraw(c, quote, balance, tc.address);
    // A's loss against WETH makes quote debt; B trades on WETH only; the LP takes all it may.
    const b = await lpTakesTheQuote(env, ta, tb);
    const vault = await quote.balanceOf(engine.target as string);
    // INV-46 kept the LP off the fund's share as well.
    expect(vault).to.be.greaterThanOrEqual(accrued);
    const free = vault - accrued;
    expect(free).to.be.lessThan(usdc(5));

    await setMarketPrice(env, ETH, "2800");
    const { expected } = await liquidateChecked(env, b);
    const f = expected.fee!;
    expect(f.fee).to.equal(free);
    expect(await quote.balanceOf(engine.target as string)).to.equal(accrued + f.toFund);
    expect(await insuranceAccrued(env.sys.engine)).to.equal(accrued + f.toFund);
    await expect(risk(env).sweepInsuranceFund()).not.to.be.reverted;
    expect(await quote.balanceOf(engine.target as string)).to.equal(0n);
  });
});

// Traders first (docs/specs.md INV-46): the engine keeps the sum of negative quote balances as an
// O(1) aggregate, and LP withdrawals can never take the USDC the vault owes traders with positive
// balances while other traders hold quote debt.
import { expect } from "chai";
import { wad } from "../../../src/common/units";
import {
  Env,
  fundCollateral,
  fundQuote,
  loadTrading,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import { expectConservation } from "../../helpers/model-world";
import { requestAndWait } from "../../helpers/pool";
import { ETH } from "../../../src/common";

describe("pool: traders first (INV-46)", () => {
  let env: Env;

  beforeEach(async () => {
    env = await loadTrading();
  });

  /** A: 100,000 USDC long 20 ETH; B: 10 WETH short 20 ETH; ETH 3,000 -> 3,200; both close. */
  async function winnerAndDebtor() {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("100000"));
    const b = await fundCollateral(env, bob, "WETH", wad("10"));
    await trade(env, alice, a, ETH, wad("20"));
    await trade(env, bob, b, ETH, -wad("20"));
    await setMarketPrice(env, ETH, "3200");
    await trade(env, alice, a, ETH, -wad("20"));
    await trade(env, bob, b, ETH, wad("20"));
    return { alice, bob, a, b };
  }

  it("INV-46: traderDebt is the sum of negative quote balances, through trades and repayments", async () => {
    const { bob, b } = await winnerAndDebtor();
    const qb = (await env.engine.getAccount(b)).quoteBalance;
    expect(qb).to.be.lessThan(0n); // B realised a loss against WETH: quote debt
    expect(await env.engine.traderDebt()).to.equal(-qb);
    // Repaying part of the debt lowers the aggregate by exactly that much.
    await fundQuote(env, bob, usdc("1000"));
    expect(await env.engine.traderDebt()).to.equal(-qb - usdc("1000"));
    // Repaying more than the debt leaves a positive balance and no debt.
    await fundQuote(env, bob, -qb);
    expect(await env.engine.traderDebt()).to.equal(0n);
    expect((await env.engine.getAccount(b)).quoteBalance).to.equal(usdc("1000"));
    await expectConservation(env);
  });

  it("INV-46: an LP redeeming everything it may leaves the winner's full withdrawal payable", async () => {
    const { alice, a, b } = await winnerAndDebtor();
    const lp = env.lp;
    await requestAndWait(env, lp, await env.pool.balanceOf(lp.address));
    const debt = -(await env.engine.getAccount(b)).quoteBalance;
    const poolBalance = await env.engine.poolBalance();
    const owedToAlice = (await env.engine.getAccount(a)).quoteBalance;
    expect(owedToAlice).to.be.greaterThan(usdc("100000"));
    // No open interest is left, so only the traders-first cap binds.
    expect(await env.engine.poolWithdrawable()).to.equal(poolBalance - debt);
    const max = await env.pool.maxWithdraw(lp.address);
    expect(max).to.equal(poolBalance - debt);
    await env.pool.connect(lp).withdraw(max, lp.address, lp.address);
    // What is left in the vault still covers the winner in full.
    await env.engine
      .connect(alice)
      .withdraw(a, await env.quote.getAddress(), owedToAlice, alice.address);
    expect((await env.engine.getAccount(a)).quoteBalance).to.equal(0n);
    expect(await env.quote.balanceOf(await env.engine.getAddress())).to.equal(
      (await env.engine.poolBalance()) - debt,
    );
    await expectConservation(env);
  });
});

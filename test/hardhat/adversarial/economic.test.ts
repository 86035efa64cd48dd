/** Economic attacks: self-liquidation, sandwiches around oracle updates, dust griefing, pool
 *  inflation, rounding drains, LPs front-running losses, and the largest liquidation's gas. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import { MockERC20__factory } from "../../../typechain-types";
import { fromUnits, fromWad, wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import * as L from "../../helpers/liquidation";
import { healthAt } from "../../helpers/liquidationModel";
import { fundQuote, loadTrading, trade as modelTrade, usdc } from "../../helpers/trading";
import { latest } from "../../helpers/model-world";
import { commit, latestRound, loadOrders, setPrice } from "../../helpers/orders";
import { loadSystem } from "../../helpers/fixture";
import {
  addMarketOn,
  expectConserved,
  listToken,
  report,
  v3Feed,
  V3_DESCRIPTION,
} from "../../helpers/adversarial";
import { skipUnderCoverage } from "../../helpers/coverage";
import { waitForClaim } from "../../helpers/pool";

const { ETH } = L;
const USD = (quote: bigint) => quote * 10n ** 12n; // quote units -> USD WAD

/** Model equity of `account` at the latest block (chain inputs, risk-model math). */
async function equityNow(env: L.Env, account: bigint): Promise<bigint> {
  return healthAt(await L.snapshot(env, account), await latest()).equity;
}

describe("adversarial: economics", () => {
  it("INV-14/INV-28: self-liquidation from a second address does not profit: the pair loses the fund's penalty", async () => {
    const env = await L.setup();
    const [attacker, attackerKeeper] = env.traders;
    const a = await L.deposit(env, attacker, L.usdc(6_000)); // IM 90,000 * 6 % + 20 = 5,420
    await L.trade(env, attacker, ETH, wad("30"));
    await L.setMarketPrice(env, ETH, "2900");
    // What closing by a trade would cost now (fee + price impact), from the model.
    const snap = await L.snapshot(env, a);
    const m = snap.markets[ETH];
    const close = M.applyTrade(
      m.state,
      m.params,
      snap.positions[0].position,
      -wad("30"),
      m.price,
      await latest(),
      6,
    );
    const closeCost = close.fee + M.sMulFloor(wad("30"), m.price - close.fill);
    const run = await L.liquidateChecked(env, a, { keeper: attackerKeeper });
    const before = healthAt(snap, run.now).equity; // at the liquidation's time
    const after = await equityNow(env, a);
    const f = run.expected.fee!;
    const pairLoss = before - after - USD(f.reward);
    expect(pairLoss, "pair wealth never grows").to.be.gte(0n);
    // The fund's penalty (0.25 % of the notional closed) plus < 1 quote unit of rounding.
    expect(pairLoss - USD(f.toFund)).to.be.lt(USD(1n));
    expect(f.toFund).to.be.greaterThan(0n);
    report(
      `self-liquidation of 30 ETH at 2900: pair loses ${fromWad(pairLoss)} USD; ` +
        `closing by trade would cost ${fromWad(closeCost).toFixed(2)} USD (fee ${fromWad(close.fee).toFixed(2)})`,
    );

    // Bankrupt: the account can pay nothing, so the keeper gets nothing (INV-27; no fund
    // subsidy): liquidating one's own bankrupt account from a second address earns 0.
    const b = await L.deposit(env, attacker, L.usdc(18_500), undefined, 1); // IM 18,020
    await L.trade(env, attacker, ETH, wad("100"), 1);
    await L.setMarketPrice(env, ETH, "2600");
    const runB = await L.liquidateChecked(env, b, { keeper: attackerKeeper });
    expect(runB.expected.badDebt!.deficit).to.be.greaterThan(0n);
    expect(runB.expected.fee!.reward).to.equal(0n);
    expect(runB.expected.fee!.fee).to.equal(0n);
  });

  describe("sandwiching an oracle update", () => {
    const moves: [string, boolean][] = [
      ["0.0005", false], // 0.05 %: within a tight (L2) deviation threshold: the fees win
      ["0.005", true], // 0.5 %: a mainnet-style threshold: instant trading is exploitable
    ];
    for (const [move, profitable] of moves) {
      it(`INV-18: instant trading, a known ${Number(move) * 100} % move: the front-run ${profitable ? "profits (documented)" : "loses"}`, async () => {
        const env = await loadTrading();
        const [mev] = env.users;
        const a = await fundQuote(env, mev, usdc("100000"));
        const q0 = (await env.engine.getAccount(a)).quoteBalance;
        const open = await modelTrade(env, mev, a, ETH, wad("100"));
        const p1 = wad("3000") + M.mulDown(wad("3000"), wad(move));
        await env.marketFeeds[ETH].updateAnswer(p1 / 10n ** 10n);
        const shut = await modelTrade(env, mev, a, ETH, -wad("100"));
        const net = (await env.engine.getAccount(a)).quoteBalance - q0;
        expect(net).to.equal(open.r.quoteDelta + shut.r.quoteDelta);
        expect(net > 0n).to.equal(profitable);
        const fees = open.r.fee + shut.r.fee;
        report(
          `move ${Number(move) * 100} %: net ${fromUnits(net, 6)} USD, fees ${fromWad(fees).toFixed(2)} USD ` +
            `(break-even move = taker + maker = 0.08 %)`,
        );
      });
    }

    it("INV-21: delayed orders fill at the first round after the commit: the front-run only pays fees", async () => {
      const env = await loadOrders();
      const { engine, keeper, account } = env;
      await engine.setMarketOrderParams(ETH, {
        instantTrading: false,
        minOrderDelay: 2,
        maxOrderAge: 7200,
      });
      const feed = env.feeds[ETH];
      const q0 = (await engine.getAccount(account)).quoteBalance;
      const T = BigInt(await time.latest()) + 10n;
      await commit(env, ETH, wad("10"), { at: T, acceptable: wad("4000") });
      const stale = await latestRound(feed); // the price the trader saw
      await setPrice(feed, "3015", T + 2n); // the +0.5 % update it front-ran
      await expect(
        engine.connect(keeper).settleOrder(account, ETH, stale),
      ).to.be.revertedWithCustomError(engine, "RoundTooEarly");
      await expect(
        engine.connect(env.trader).cancelOrder(account, ETH),
      ).to.be.revertedWithCustomError(engine, "SettlementPriceExists");
      await engine.connect(keeper).settleOrder(account, ETH, await latestRound(feed));
      const entry = (await engine.getPosition(account, ETH)).entryPrice;
      expect(entry).to.equal(
        M.entryFor(1n, M.fillPrice(wad("3015"), 0n, wad("10"), wad("1000000"))),
      );
      await commit(env, ETH, -wad("10"), { at: T + 10n, acceptable: 1n });
      await setPrice(feed, "3015", T + 12n);
      await engine.connect(keeper).settleOrder(account, ETH, await latestRound(feed));
      const net = (await engine.getAccount(account)).quoteBalance - q0;
      expect(net).to.be.lessThan(0n);
      report(`delayed-order sandwich of a +0.5 % update, 10 ETH: net ${fromUnits(net, 6)} USD`);
    });
  });

  it("INV-12/INV-14/INV-26: dust griefing: every minimal account, closed out in one call, pays the minimum keeper reward once", async () => {
    const env = await L.setup();
    const [griefer] = env.traders;
    // The smallest position still needs minPositionMargin (20 USD) of initial margin.
    await L.deposit(env, griefer, L.usdc(19), undefined, 99);
    await expect(L.trade(env, griefer, ETH, 1n, 99)).to.be.revertedWithCustomError(
      env.sys.engine,
      "InsufficientMargin",
    );
    const accounts: bigint[] = [];
    for (let sub = 0; sub < 8; sub++) {
      // IM 45 * 6 % + 20 = 22.7 USD.
      accounts.push(await L.deposit(env, griefer, L.usdc(23), undefined, sub));
      await L.trade(env, griefer, ETH, wad("0.015"), sub);
    }
    await L.setMarketPrice(env, ETH, "2850");
    let gas = 0n;
    for (const a of accounts) {
      const run = await L.liquidateChecked(env, a);
      expect(run.expected.fee!.reward).to.equal(L.usdc(5)); // minKeeperReward
      expect(run.expected.badDebt).to.equal(undefined);
      expect((await env.sys.engine.getAccount(a)).quoteBalance).to.be.greaterThan(0n);
      gas += run.receipt.gasUsed;
    }
    report(`dust liquidation: ${gas / 8n} gas each for a 5 USD reward`);
  });

  it("INV-24/INV-11 (griefing prevented): a stranger's depositFor cannot add collateral types to an account, only top up the quote token or a collateral it holds; an operator can", async () => {
    const env = await L.setup();
    const { engine } = env.sys;
    const [victim, griefer, operator] = env.traders;
    const v = await L.deposit(env, victim, wad("2"), "WETH");
    const weth = await env.sys.collaterals.WETH.getAddress();
    const maskBefore = (await engine.getAccount(v)).collateralMask;
    const tokens = [env.sys.collaterals.WBTC];
    for (let i = 0; i < 3; i++) {
      const tok = await new MockERC20__factory(env.deployer).deploy(`D${i}`, `D${i}`, 18);
      await listToken(env.sys, await tok.getAddress());
      tokens.push(tok);
    }
    const engineAddr = await engine.getAddress();
    for (const tok of tokens) {
      await tok.mint(griefer.address, 1n);
      await tok.connect(griefer).approve(engineAddr, 1n);
      await expect(engine.connect(griefer).depositFor(v, await tok.getAddress(), 1n))
        .to.be.revertedWithCustomError(engine, "Unauthorized")
        .withArgs(griefer.address, v);
      expect(await tok.balanceOf(griefer.address)).to.equal(1n);
    }
    expect((await engine.getAccount(v)).collateralMask).to.equal(maskBefore);
    // Topping up what the account holds, or the quote token, stays open to anyone.
    await L.mintAndApprove(env, env.sys.collaterals.WETH, griefer, 5n);
    await engine.connect(griefer).depositFor(v, weth, 5n);
    expect(await engine.collateralBalance(v, weth)).to.equal(wad("2") + 5n);
    await L.mintAndApprove(env, env.sys.quote, griefer, 7n);
    await engine.connect(griefer).depositFor(v, await env.sys.quote.getAddress(), 7n);
    expect((await engine.getAccount(v)).quoteBalance).to.equal(7n);
    // An operator the owner chose may add a new type.
    await engine.connect(victim).setOperator(v, operator.address, true);
    const wbtc = await tokens[0].getAddress();
    await tokens[0].mint(operator.address, 3n);
    await tokens[0].connect(operator).approve(engineAddr, 3n);
    await engine.connect(operator).depositFor(v, wbtc, 3n);
    expect(await engine.collateralBalance(v, wbtc)).to.equal(3n);
  });

  it("INV-4: inflation attack on the empty pool: donations do not move totalAssets; the victim loses < 1 unit", async () => {
    const sys = await loadSystem();
    const [, attacker, victim, trader] = await ethers.getSigners();
    const { pool, quote, engine } = sys;
    const poolAddr = await pool.getAddress();
    for (const s of [attacker, victim]) {
      await quote.mint(s.address, usdc("2000001"));
      await quote.connect(s).approve(poolAddr, MaxUint256);
    }
    await pool.connect(attacker).deposit(1n, attacker.address);
    expect(await pool.balanceOf(attacker.address)).to.equal(10n ** 6n); // virtual offset 1e6
    // Trading losses cannot inflate a 1-unit pool either: the OI cap is 5 x the pool balance.
    const t = await fundQuote(sys, trader, usdc("100"));
    await expect(
      engine.connect(trader).modifyPosition(t, ETH, wad("0.001"), MaxUint256, MaxUint256),
    ).to.be.revertedWithCustomError(engine, "OpenInterestCapExceeded");
    await quote.connect(attacker).transfer(await engine.getAddress(), usdc("1000000"));
    await quote.connect(attacker).transfer(poolAddr, usdc("1000000"));
    expect(await pool.totalAssets()).to.equal(1n);
    await pool.connect(victim).deposit(usdc("10000"), victim.address);
    const victimAssets = await pool.convertToAssets(await pool.balanceOf(victim.address));
    expect(usdc("10000") - victimAssets).to.be.lte(1n);
    expect(await pool.convertToAssets(10n ** 6n)).to.be.lte(1n); // the attacker's donation is lost
    await expectConserved(sys, usdc("1000000")); // the engine's donation is an unowned surplus
  });

  it("INV-2: many tiny trades and funding touches never lower the pool's value; each trade costs the trader >= 1 unit", async function () {
    skipUnderCoverage(this); // long stress / gas-limit test: `npm test` runs it
    const env = await loadTrading();
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("100"));
    const b = await fundQuote(env, bob, usdc("100"));
    const sizes = [1n, 7n, -3n, 999n, -1n, 10n ** 6n + 3n, -(10n ** 6n), 123456789n, -5n];
    let value = await env.engine.poolValue();
    const start = value;
    let n = 0n;
    for (let round = 0; round < 3; round++) {
      for (const [i, size] of sizes.entries()) {
        const [who, acct] = i % 2 === 0 ? [alice, a] : [bob, b];
        const q = (await env.engine.getAccount(acct)).quoteBalance;
        await modelTrade(env, who, acct, round === 1 ? 1 : ETH, size, { others: [a, b] });
        expect((await env.engine.getAccount(acct)).quoteBalance).to.be.lessThan(q);
        const v = await env.engine.poolValue();
        expect(v, `pool value after trade ${n}`).to.be.gte(value);
        value = v;
        n++;
        await time.increase(1 + i * 37);
      }
    }
    for (const [who, acct] of [
      [alice, a],
      [bob, b],
    ] as const) {
      for (const id of [ETH, 1]) {
        const size = (await env.engine.getPosition(acct, id)).size;
        if (size !== 0n) await modelTrade(env, who, acct, id, -size, { others: [a, b] });
      }
    }
    expect(await env.engine.poolValue()).to.be.gte(start + n);
    await expectConserved(env);
  });

  it("INV-47: an LP who sees a bad-debt liquidation or an adverse price update coming and asks to exit first still bears its share: the claim is priced after the loss", async () => {
    const env = await L.setup();
    const { pool, quote } = env.sys;
    const [trader, lp2] = env.traders;
    await quote.mint(lp2.address, L.usdc(1_000_000));
    await quote.connect(lp2).approve(await pool.getAddress(), MaxUint256);
    await pool.connect(lp2).deposit(L.usdc(1_000_000), lp2.address);
    const shares = await pool.balanceOf(lp2.address);
    const a = await L.deposit(env, trader, L.usdc(20_000));
    await L.trade(env, trader, ETH, wad("100"));
    await L.setMarketPrice(env, ETH, "2000");
    // What an instant exit paid before exits became requests.
    const instant = await pool.convertToAssets(shares);
    const snap = await takeSnapshot();
    // (A) the LP sees the bankrupt account and requests first; keepers liquidate meanwhile.
    await pool.connect(lp2).requestRedeem(shares, lp2.address, lp2.address);
    await expect(pool.connect(lp2).redeem(shares, lp2.address, lp2.address))
      .to.be.revertedWithCustomError(pool, "ERC4626ExceededMaxRedeem")
      .withArgs(lp2.address, shares, 0n);
    const runA = await L.liquidateChecked(env, a);
    await waitForClaim(env.sys, lp2.address);
    const exitFirst = await pool.connect(lp2).redeem.staticCall(shares, lp2.address, lp2.address);
    await snap.restore();
    // (B) the liquidation comes first, the LP requests after it.
    await L.liquidateChecked(env, a);
    await pool.connect(lp2).requestRedeem(shares, lp2.address, lp2.address);
    await waitForClaim(env.sys, lp2.address);
    const exitAfter = await pool.connect(lp2).redeem.staticCall(shares, lp2.address, lp2.address);
    // No open interest is left: the value does not move with time; both claims are equal.
    expect(exitFirst).to.equal(exitAfter);
    const socialised = runA.expected.badDebt!.socialised;
    const supply = await pool.totalSupply();
    // INV-44: the liquidation at the oracle also leaves the premium of the closed skew with the
    // pool (100 ETH at 2000: 2000 * 100^2 / (2 * skewScale)).
    const m = await env.sys.engine.getMarket(ETH);
    const released = M.impactPremium(
      { ...M.emptyMarketState(0n), longOI: wad("100") },
      wad("2000"),
      m.skewScale,
    );
    // The share of the loss an instant exit used to dodge is now paid.
    expect(instant - exitFirst).to.be.closeTo(
      ((socialised - released / 10n ** 12n) * shares) / supply,
      L.usdc(1),
    );
    report(
      `bad debt: requesting first no longer helps: ${fromUnits(instant - exitFirst, 6)} USD of ${fromUnits(socialised, 6)} socialised borne`,
    );

    // An adverse price update: traders are net long 30 ETH; +1 % (2000 -> 2020) costs the pool
    // about 600 USD. The LP requests before it, the update lands during the delay.
    await L.deposit(env, trader, L.usdc(50_000), undefined, 1);
    await L.trade(env, trader, ETH, wad("30"), 1);
    await pool.connect(lp2).cancelRedeemRequest(lp2.address); // (B)'s request, unclaimed
    const rest = await pool.balanceOf(lp2.address);
    const before = await pool.convertToAssets(rest);
    await pool.connect(lp2).requestRedeem(rest, lp2.address, lp2.address);
    await L.setMarketPrice(env, ETH, "2020");
    const loss = before - (await pool.convertToAssets(rest));
    expect(loss).to.be.greaterThan(0n);
    await waitForClaim(env.sys, lp2.address);
    const claim = await pool.connect(lp2).redeem.staticCall(rest, lp2.address, lp2.address);
    // Priced at claim time: the loss and a day of funding (the longs pay the pool) included.
    expect(claim).to.be.lessThan(before - loss / 2n);
    report(
      `+1 % update on 30 ETH net long during the delay: the requesting LP bears ${fromUnits(before - claim, 6)} USD (loss ${fromUnits(loss, 6)} USD)`,
    );
  });

  it("INV-11: 16 positions, 16 pending orders and 8 collaterals are liquidated into bad debt within the 30M block gas limit", async function () {
    skipUnderCoverage(this); // long stress / gas-limit test: `npm test` runs it
    const env = await L.setup();
    const { engine } = env.sys;
    const t = env.traders[0];
    for (let i = 0; i < 13; i++)
      await addMarketOn(env.sys, await v3Feed(env.deployer, "100"), V3_DESCRIPTION);
    const tokens = [];
    for (let i = 0; i < 6; i++) {
      const tok = await new MockERC20__factory(env.deployer).deploy(`C${i}`, `C${i}`, 18);
      await listToken(env.sys, await tok.getAddress(), { price: "10" });
      tokens.push(tok);
    }
    const a = await L.deposit(env, t, L.usdc(1_000));
    await L.deposit(env, t, wad("1"), "WETH");
    await L.deposit(env, t, 10n ** 6n, "WBTC");
    for (const tok of tokens) {
      await tok.mint(t.address, wad("100"));
      await tok.connect(t).approve(await engine.getAddress(), MaxUint256);
      await engine.connect(t).deposit(0, await tok.getAddress(), wad("100"));
    }
    const sizes = [wad("1"), wad("0.05"), wad("10"), ...Array(13).fill(wad("10"))];
    for (const [id, size] of sizes.entries()) await L.trade(env, t, id, size);
    const deadline = BigInt(await time.latest()) + 3600n;
    for (let id = 0; id < 16; id++) {
      await engine.connect(t).commitOrder(a, id, 1000n, wad("1000000"), deadline);
    }
    const acc = await engine.getAccount(a);
    expect([acc.marketMask, acc.orderMask, acc.collateralMask]).to.deep.equal([
      0xffffn,
      0xffffn,
      0xffn,
    ]);
    const prices = ["150", "3000", "7.5", ...Array(13).fill("5")]; // -95 %
    for (const [id, p] of prices.entries()) await L.setMarketPrice(env, id, p);
    const healthGas = await engine.isLiquidatable.estimateGas(a);
    const run = await L.liquidateChecked(env, a);
    expect(run.expected.closes.length).to.equal(16);
    expect(run.expected.cancelledOrders.length).to.equal(16);
    expect(run.expected.badDebt!.sales.length).to.equal(8); // all 8 collaterals sold to the fund
    expect(run.receipt.gasUsed).to.be.lessThan(30_000_000n);
    report(`worst-case liquidation: ${run.receipt.gasUsed} gas (health view ${healthGas})`);
    await expectConserved(env.sys);
  });
});

// The liquidity pool: ERC-4626 deposit / ERC-7540 redeem request and claim at the share price the model's pool value
// gives, totalAssets == poolValue with open PnL and funding, no dodging open losses or
// capturing open gains, OI caps that scale with the pool balance, and the OI reserve that
// limits withdrawals.
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import {
  Env,
  LP_LIQUIDITY,
  MAX_UINT,
  advance,
  fundQuote,
  loadTrading,
  nextTimestamp,
  provideLiquidity,
  setLimits,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import {
  World,
  expectConservation,
  expectPoolValue,
  expectWorld,
  latest,
} from "../../helpers/model-world";
import {
  VIRTUAL,
  requestAndWait,
  assetsToShares as toShares,
  sharesToAssets as toAssets,
} from "../../helpers/pool";
import { BTC, ETH, FAR, SOL } from "../../../src/common";

describe("pool: liquidity pool", () => {
  let env: Env;

  beforeEach(async () => {
    env = await loadTrading();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  /** totalAssets the model expects in the next block (pool value, floored at zero). */
  async function nextTotalAssets(): Promise<bigint> {
    const w = await World.read(env);
    const value = w.poolValue(await nextTimestamp());
    return value > 0n ? value : 0n;
  }

  async function depositLp(user: HardhatEthersSigner, assets: bigint): Promise<bigint> {
    await env.quote.mint(user.address, assets);
    await env.quote.connect(user).approve(await env.pool.getAddress(), assets);
    const supply = await env.pool.totalSupply();
    const ta = await nextTotalAssets();
    const shares = toShares(assets, ta, supply);
    await expect(env.pool.connect(user).deposit(assets, user.address))
      .to.emit(env.pool, "Deposit")
      .withArgs(user.address, user.address, assets, shares);
    return shares;
  }

  /** Requests `shares`, waits the delay, claims them at the model's value then. */
  async function redeemLp(user: HardhatEthersSigner, shares: bigint): Promise<bigint> {
    await requestAndWait(env, user, shares);
    return claimLp(user, shares);
  }

  /** Claims `shares` of `user`'s claimable request at the model's value in the next block. */
  async function claimLp(user: HardhatEthersSigner, shares: bigint): Promise<bigint> {
    const supply = await env.pool.totalSupply();
    const ta = await nextTotalAssets();
    const assets = toAssets(shares, ta, supply);
    const before = await env.quote.balanceOf(user.address);
    await expect(env.pool.connect(user).redeem(shares, user.address, user.address))
      .to.emit(env.pool, "Withdraw")
      .withArgs(user.address, user.address, user.address, assets, shares);
    expect((await env.quote.balanceOf(user.address)) - before).to.equal(assets);
    return assets;
  }

  /** Zero fees and no price impact, so open PnL at the oracle equals what a close realises. */
  async function frictionless(id: number): Promise<void> {
    const c = await env.engine.getMarket(id);
    await env.engine.setMarketTradingParams(id, {
      skewScale: 0,
      makerFee: 0,
      takerFee: 0,
      maxFundingVelocity: c.maxFundingVelocity,
    });
  }

  it("deposit and redeem at the share price of the model's pool value", async () => {
    expect(await env.pool.balanceOf(env.lp.address)).to.equal(LP_LIQUIDITY * VIRTUAL);
    expect(await env.engine.poolBalance()).to.equal(LP_LIQUIDITY);
    const [alice, bob, carol] = env.users;
    const a = await fundQuote(env, alice, usdc("100000"));
    const b = await fundQuote(env, bob, usdc("100000"));
    await trade(env, alice, a, ETH, wad("100"));
    await trade(env, bob, b, ETH, -wad("30"), { others: [a] });
    await advance(env, 7 * 3600);
    await setMarketPrice(env, ETH, "3050");

    const shares = await depositLp(carol, usdc("50000"));
    await expectPoolValue(env, await World.read(env));
    await advance(env, 3600);
    await setMarketPrice(env, ETH, "2990");
    await redeemLp(carol, shares / 2n);
    await redeemLp(env.lp, (LP_LIQUIDITY * VIRTUAL) / 10n);
    await expectPoolValue(env, await World.read(env));
  });

  it("totalAssets is the pool balance plus traders' net open losses and funding minus gains and the impact premium (INV-3, INV-44)", async () => {
    const [alice, bob, carol] = env.users;
    const a = await fundQuote(env, alice, usdc("500000"));
    const b = await fundQuote(env, bob, usdc("500000"));
    const c = await fundQuote(env, carol, usdc("500000"));
    await trade(env, alice, a, ETH, wad("120"));
    await trade(env, bob, b, ETH, -wad("45"), { others: [a] });
    await trade(env, bob, b, BTC, wad("2"));
    await trade(env, carol, c, BTC, wad("1.5"), { others: [b] });
    await trade(env, carol, c, SOL, -wad("3000"));
    const accounts = [a, b, c];
    for (const [eth, btc, sol, dt] of [
      ["3100", "59000", "151", 3600],
      ["2890.5", "62000", "149.5", 86_400],
      ["3005", "57500.25", "160", 2 * 86_400],
    ] as const) {
      await advance(env, dt);
      await setMarketPrice(env, ETH, eth);
      await setMarketPrice(env, BTC, btc);
      await setMarketPrice(env, SOL, sol);
      const w = await World.read(env, accounts);
      const value = await expectPoolValue(env, w);
      // Cross-check against the traders' own open PnL and funding (per position rounding).
      const now = await latest();
      let traders = 0n;
      for (const acct of accounts) {
        const h = w.health(acct, now);
        traders += h.upnl - h.funding;
      }
      // INV-44: less the refundable impact premium of each market's skew (model).
      let premium = 0n;
      for (const m of w.markets) premium += M.impactPremium(m.state, m.price, m.params.skewScale);
      expect(premium > 0n, "some skew carries a premium").to.equal(true);
      const diff = value - w.poolBalance + M.toQuoteFloor(traders + premium, 6);
      expect(diff).to.be.within(-1n, 1n);
    }
  });

  it("INV-44: an LP deposit, open, redeem, close does not profit; opening moves the value by the fee only", async () => {
    // Low fee, strong impact: before INV-44 the open lifted the value by the impact premium
    // (3000 * 1000^2 / (2 * 200,000) = 7,500 USD) and the attacker redeemed 2/3 of it.
    const c = await env.engine.getMarket(ETH);
    await env.engine.setMarketTradingParams(ETH, {
      skewScale: wad("200000"),
      makerFee: 0,
      takerFee: wad("0.0001"),
      maxFundingVelocity: c.maxFundingVelocity,
    });
    const [mallory] = env.users;
    const m = await fundQuote(env, mallory, usdc("1000000"));
    const deposit = usdc("2000000");
    const shares = await depositLp(mallory, deposit);
    const before = await World.read(env, [m]);
    const valueBefore = await expectPoolValue(env, before);

    const open = await trade(env, mallory, m, ETH, wad("1000"));
    const valueAfter = await expectPoolValue(env, open.w);
    // The model's value moves by the fee (quote units, rounded for the pool) and rounding only.
    const feeQuote = M.toQuoteCeil(open.r.fee, 6);
    expect(valueAfter - valueBefore).to.be.within(feeQuote - 1n, feeQuote + 1n);
    const premium = M.impactPremium(
      open.w.markets[ETH].state,
      open.w.markets[ETH].price,
      wad("200000"),
    );
    expect(premium).to.equal(wad("7500"));

    const redeemed = await redeemLp(mallory, shares);
    const close = await trade(env, mallory, m, ETH, -wad("1000"));
    await expectPoolValue(env, close.w);
    const profit = redeemed - deposit + open.r.quoteDelta + close.r.quoteDelta;
    expect(profit < 0n, `attacker profit ${profit}`).to.equal(true);
  });

  it("a depositor cannot capture a gain that is already open", async () => {
    await frictionless(ETH);
    const [alice, carol] = env.users;
    const a = await fundQuote(env, alice, usdc("200000"));
    await trade(env, alice, a, ETH, wad("200"));
    await setMarketPrice(env, ETH, "2700");
    const w = await World.read(env, [a]);
    const value = await expectPoolValue(env, w);
    expect(value - w.poolBalance, "the pool's open gain").to.equal(usdc("60000"));

    const deposit = usdc("100000");
    const shares = await depositLp(carol, deposit);
    // Had the pool been valued at its balance, carol would have got more shares.
    expect(shares).to.be.lt(
      toShares(deposit, w.poolBalance + deposit, await env.pool.totalSupply()),
    );

    await trade(env, alice, a, ETH, -wad("200"));
    const after = await World.read(env);
    expect(await expectPoolValue(env, after)).to.equal(value + deposit);
    const worth = await env.pool.convertToAssets(shares);
    expect(worth).to.equal(toAssets(shares, value + deposit, await env.pool.totalSupply()));
    expect(worth).to.be.within(deposit - 2n, deposit);
  });

  it("a depositor cannot dodge a loss that is already open", async () => {
    await frictionless(ETH);
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("200000"));
    await trade(env, alice, a, ETH, wad("200"));
    await setMarketPrice(env, ETH, "3300");
    const value = await expectPoolValue(env, await World.read(env, [a]));
    expect(value).to.equal(LP_LIQUIDITY - usdc("60000"));

    // Leaving now pays out at the marked-down price, not the pre-move one.
    const all = await env.pool.balanceOf(env.lp.address);
    const first = await redeemLp(env.lp, all / 10n);
    expect(first).to.equal(toAssets(all / 10n, value, all));
    expect(first).to.be.lt(LP_LIQUIDITY / 10n);

    await trade(env, alice, a, ETH, -wad("200"));
    // Nothing is reserved any more: the last LP may redeem every share.
    const rest = await env.pool.balanceOf(env.lp.address);
    await requestAndWait(env, env.lp, rest);
    expect(await env.pool.maxRedeem(env.lp.address)).to.equal(rest);
    const second = await claimLp(env.lp, rest);
    expect(await env.pool.totalSupply()).to.equal(0n);
    expect(first + second).to.be.within(value - 2n, value);
  });

  it("open interest caps scale with the pool balance (maxOiPoolRatio)", async () => {
    await setLimits(env, ETH, { maxOiPoolRatio: wad("0.5") });
    const [alice, bob, dave] = env.users;
    const a = await fundQuote(env, alice, usdc("200000"));
    const b = await fundQuote(env, bob, usdc("200000"));
    await trade(env, alice, a, ETH, wad("160"));

    // 167 ETH * 3000 = 501,000 USD > 0.5 * ~1,000,000 USD of pool balance.
    const w = await World.read(env, [a]);
    w.trade(a, ETH, wad("7"), await nextTimestamp());
    const notional = M.mulUp(wad("167"), wad("3000"));
    const cap = M.mulDown(M.quoteToUsd(w.poolBalance, 6), wad("0.5"));
    expect(notional).to.be.gt(cap);
    await expect(
      env.engine.connect(alice).modifyPosition(a, ETH, wad("7"), MAX_UINT, FAR, { gasLimit: 5e6 }),
    )
      .to.be.revertedWithCustomError(env.engine, "OpenInterestCapExceeded")
      .withArgs(ETH, notional, cap);
    // The short side has its own cap.
    await trade(env, bob, b, ETH, -wad("160"), { others: [a] });

    // More liquidity raises the cap.
    await provideLiquidity(env, dave, usdc("20000"));
    await trade(env, alice, a, ETH, wad("7"), { others: [b] });
    await expectPoolValue(env, await World.read(env));
  });

  it("withdrawals keep the reserve the open interest needs", async () => {
    await setLimits(env, ETH, { maxOiPoolRatio: wad("0.5") });
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("200000"));
    const b = await fundQuote(env, bob, usdc("200000"));
    await trade(env, alice, a, ETH, wad("150"));
    await trade(env, bob, b, BTC, -wad("1"));
    const lp = env.lp;
    await requestAndWait(env, lp, await env.pool.balanceOf(lp.address));

    // reserve = max over markets of max(longOI, shortOI) * price / ratio, in quote units (up).
    const w = await World.read(env, [a, b]);
    const reserveUsd = M.max(
      M.divUp(M.mulUp(wad("150"), wad("3000")), wad("0.5")),
      M.divUp(M.mulUp(wad("1"), wad("60000")), wad("5")),
    );
    const withdrawable = w.poolBalance - M.toQuoteCeil(reserveUsd, 6);
    expect(await env.engine.poolWithdrawable()).to.equal(withdrawable);
    const max = await env.pool.maxWithdraw(lp.address);
    expect(max).to.equal(withdrawable);
    // Two calls, maybe two timestamps: a day of funding moves the value by a unit per second.
    expect(await env.pool.maxRedeem(lp.address)).to.be.closeTo(
      await env.pool.convertToShares(max),
      VIRTUAL,
    );
    await expect(env.pool.connect(lp).withdraw(max + 1n, lp.address, lp.address))
      .to.be.revertedWithCustomError(env.pool, "ERC4626ExceededMaxWithdraw")
      .withArgs(lp.address, max + 1n, max);
    await env.pool.connect(lp).withdraw(max, lp.address, lp.address);
    expect(await env.engine.poolWithdrawable()).to.equal(0n);
    await expectWorld(env, Object.assign(w, { poolBalance: w.poolBalance - max }));

    // Closing releases the reserve; the engine itself refuses anything beyond it.
    await trade(env, alice, a, ETH, -wad("150"), { others: [b] });
    await expect(env.engine.poolWithdraw(lp.address, 1n))
      .to.be.revertedWithCustomError(env.engine, "OnlyPool")
      .withArgs(env.admin.address);
    await expect(env.engine.poolDeposit(1n))
      .to.be.revertedWithCustomError(env.engine, "OnlyPool")
      .withArgs(env.admin.address);
    const free = await env.engine.poolWithdrawable();
    expect(free).to.equal(
      (await env.engine.poolBalance()) -
        M.toQuoteCeil(M.divUp(M.mulUp(wad("1"), wad("60000")), wad("5")), 6),
    );
    const claimable = await env.pool.claimableRedeemRequest(0, lp.address);
    expect(await env.pool.maxWithdraw(lp.address)).to.equal(
      M.min(free, await env.pool.convertToAssets(claimable)),
    );
  });
});

// multicall: deposits, trades in several markets and withdrawals under ONE margin check at the
// end, against the model; rebalances through states that would fail alone; the same actions
// as separate calls failing.
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";
import { wad } from "../../../src/common/units";
import { accountId } from "../../../src/common/accounts";
import * as M from "../../../src/model";
import {
  Env,
  MAX_UINT,
  expectMarginRevert,
  feedRoundUp,
  fundCollateral,
  fundQuote,
  loadTrading,
  nextTimestamp,
  priceString,
  setMarketPrice,
  trade,
  usdc,
} from "../../helpers/trading";
import {
  World,
  expectConservation,
  expectHealth,
  expectTradeEvent,
  expectWorld,
  latest,
} from "../../helpers/model-world";
import { BTC, ETH, FAR, SOL } from "../../../src/common";

type Action = {
  kind: number;
  token: string;
  marketId: number;
  amount: bigint;
  acceptablePrice: bigint;
};

describe("markets: multicall", () => {
  let env: Env;
  let quote: string;

  beforeEach(async () => {
    env = await loadTrading();
    quote = await env.quote.getAddress();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  const deposit = (token: string, amount: bigint): Action => ({
    kind: 0,
    token,
    marketId: 0,
    amount,
    acceptablePrice: 0n,
  });
  const withdraw = (token: string, amount: bigint): Action => ({
    ...deposit(token, amount),
    kind: 1,
  });
  const tradeAction = (marketId: number, amount: bigint): Action => ({
    kind: 2,
    token: ZeroAddress,
    marketId,
    amount,
    acceptablePrice: amount > 0n ? MAX_UINT : 1n,
  });

  async function approveQuote(user: HardhatEthersSigner, amount: bigint): Promise<void> {
    await env.quote.mint(user.address, amount);
    await env.quote.connect(user).approve(await env.engine.getAddress(), amount);
  }

  /** Applies `actions` to the model at the next block, then sends the multicall. */
  async function modelMulticall(user: HardhatEthersSigner, account: bigint, actions: Action[]) {
    const w = await World.read(env, [account]);
    const now = await nextTimestamp();
    const results: { marketId: number; delta: bigint; r: M.TradeResult }[] = [];
    for (const x of actions) {
      if (x.kind === 0 && x.token === quote) w.deposit(account, x.amount);
      else if (x.kind === 1 && x.token === quote) w.withdraw(account, x.amount);
      else if (x.kind === 2)
        results.push({
          marketId: x.marketId,
          delta: x.amount,
          r: w.trade(account, x.marketId, x.amount, now),
        });
      else throw new Error("model: only quote deposits / withdrawals");
    }
    return { w, now, results };
  }

  it("deposit, trades in three markets and a withdrawal with one margin check at the end", async () => {
    const [alice] = env.users;
    const a = accountId(alice.address, 0);
    await approveQuote(alice, usdc("50000"));
    // Trades first: on the empty account each would fail a check of its own.
    const actions = [
      tradeAction(ETH, wad("10")),
      tradeAction(BTC, -wad("0.5")),
      deposit(quote, usdc("50000")),
      tradeAction(SOL, wad("1000")),
      tradeAction(ETH, -wad("4")),
      withdraw(quote, usdc("5000")),
    ];
    const { w, results } = await modelMulticall(alice, a, actions);
    const tx = await env.engine.connect(alice).multicall(a, actions, FAR);
    for (const { marketId, delta, r } of results)
      await expectTradeEvent(env.engine, tx, a, marketId, delta, r);
    await expect(tx)
      .to.emit(env.engine, "Deposited")
      .withArgs(a, quote, alice.address, usdc("50000"));
    await expect(tx)
      .to.emit(env.engine, "Withdrawn")
      .withArgs(a, quote, alice.address, usdc("5000"));
    expect(await env.quote.balanceOf(alice.address)).to.equal(usdc("5000"));
    await expectWorld(env, w);
    await expectHealth(env, w, a);

    // Each trade alone on a fresh account fails.
    const [, bob] = env.users;
    const b = accountId(bob.address, 0);
    await expectMarginRevert(env, bob, b, ETH, wad("10"), "InsufficientMargin");
  });

  it("a rebalance through a state that would fail alone succeeds; separate calls fail", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("2000"));
    await trade(env, alice, a, ETH, wad("10"));

    // Opening BTC before closing ETH needs more than the account has, for one step (a long:
    // on the ETH long's side, so the ETH/BTC offset pair gives no credit).
    await expectMarginRevert(env, alice, a, BTC, wad("0.25"), "InsufficientMargin");
    const actions = [tradeAction(BTC, wad("0.25")), tradeAction(ETH, -wad("10"))];
    const { w, results } = await modelMulticall(alice, a, actions);
    const tx = await env.engine.connect(alice).multicall(a, actions, FAR);
    for (const { marketId, delta, r } of results)
      await expectTradeEvent(env.engine, tx, a, marketId, delta, r);
    await expectWorld(env, w);
    await expectHealth(env, w, a);

    // Swapping quote for WETH: the withdrawal alone breaks IM, withdraw + deposit does not.
    const amount = usdc("1500");
    const w2 = await World.read(env, [a]);
    w2.withdraw(a, amount);
    const h = w2.health(a, await nextTimestamp());
    expect(h.equity).to.be.lt(h.IM);
    await expect(
      env.engine.connect(alice).withdraw(a, quote, amount, alice.address, { gasLimit: 5_000_000 }),
    )
      .to.be.revertedWithCustomError(env.engine, "InsufficientMargin")
      .withArgs(a, h.equity, h.IM);
    const weth = env.collaterals.WETH;
    await weth.mint(alice.address, wad("1"));
    await weth.connect(alice).approve(await env.engine.getAddress(), wad("1"));
    const swap = [withdraw(quote, amount), deposit(await weth.getAddress(), wad("1"))];
    await env.engine.connect(alice).multicall(a, swap, FAR);
    expect(await env.engine.collateralBalance(a, await weth.getAddress())).to.equal(wad("1"));
    await expectHealth(env, await World.read(env, [a]), a);
  });

  it("reverts as a whole when the final state breaks IM", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("1000"));
    await approveQuote(alice, usdc("100"));
    const before = await World.read(env, [a]);
    const actions = [deposit(quote, usdc("100")), tradeAction(SOL, wad("5000"))];
    const { w } = await modelMulticall(alice, a, actions);
    const h = w.health(a, (await latest()) + 1n);
    expect(h.equity).to.be.lt(h.IM);
    await expect(env.engine.connect(alice).multicall(a, actions, FAR, { gasLimit: 5_000_000 }))
      .to.be.revertedWithCustomError(env.engine, "InsufficientMargin")
      .withArgs(a, h.equity, h.IM);
    await expectWorld(env, before);
  });

  it("a quote deposit in the call does not count as equity the account had before", async () => {
    const [alice] = env.users;
    const p = await env.engine.getMarket(ETH);
    await env.engine.setMarketTradingParams(ETH, {
      skewScale: p.skewScale,
      makerFee: wad("0.05"),
      takerFee: p.takerFee,
      maxFundingVelocity: p.maxFundingVelocity,
    });
    const a = await fundQuote(env, alice, usdc("4000"));
    await trade(env, alice, a, ETH, wad("20"));
    let w = await World.read(env, [a]);
    const liq = M.liquidationPrice(w.modelAccount(a, await latest()), 0);
    await setMarketPrice(env, ETH, priceString(feedRoundUp(liq) + wad("20")));
    await expectMarginRevert(env, alice, a, ETH, -wad("10"), "WouldBecomeLiquidatable");

    // A small deposit does not save it: the account was healthy before the call.
    await approveQuote(alice, usdc("1000"));
    const small = [deposit(quote, usdc("10")), tradeAction(ETH, -wad("10"))];
    ({ w } = await modelMulticall(alice, a, small));
    const h = w.health(a, (await latest()) + 1n);
    expect(h.isLiquidatable).to.equal(true);
    await expect(env.engine.connect(alice).multicall(a, small, FAR, { gasLimit: 5_000_000 }))
      .to.be.revertedWithCustomError(env.engine, "WouldBecomeLiquidatable")
      .withArgs(a, h.equity, h.MM);

    // Enough quote to stay healthy: allowed.
    const big = [deposit(quote, usdc("900")), tradeAction(ETH, -wad("10"))];
    ({ w } = await modelMulticall(alice, a, big));
    await env.engine.connect(alice).multicall(a, big, FAR);
    await expectWorld(env, w);
    expect((await expectHealth(env, w, a)).isLiquidatable).to.equal(false);
  });

  it("a non-quote deposit in the call does not block reducing an already liquidatable account", async () => {
    const [alice] = env.users;
    const p = await env.engine.getMarket(ETH);
    await env.engine.setMarketTradingParams(ETH, {
      skewScale: p.skewScale,
      makerFee: wad("0.05"),
      takerFee: p.takerFee,
      maxFundingVelocity: p.maxFundingVelocity,
    });
    const a = await fundQuote(env, alice, usdc("4000"));
    await trade(env, alice, a, ETH, wad("20"));
    const w = await World.read(env, [a]);
    const liq = M.liquidationPrice(w.modelAccount(a, await latest()), 0);
    await setMarketPrice(env, ETH, priceString(feedRoundUp(liq) - wad("40")));
    expect((await expectHealth(env, await World.read(env, [a]), a)).isLiquidatable).to.equal(true);

    // 0.3 WETH (weighted ~756 USD) does not keep it healthy through a reduction that pays a
    // 5 % fee; the account was liquidatable before, so reducing must still be allowed.
    const weth = env.collaterals.WETH;
    await weth.mint(alice.address, wad("0.3"));
    await weth.connect(alice).approve(await env.engine.getAddress(), wad("0.3"));
    const actions = [deposit(await weth.getAddress(), wad("0.3")), tradeAction(ETH, -wad("5"))];
    await env.engine.connect(alice).multicall(a, actions, FAR);
    const after = await expectHealth(env, await World.read(env, [a]), a);
    expect(after.isLiquidatable, "still liquidatable, but no worse off").to.equal(true);

    // The rule still holds for it: once healthy, a reduction may not make it liquidatable.
    await fundCollateral(env, alice, "WETH", wad("0.2"));
    expect((await expectHealth(env, await World.read(env, [a]), a)).isLiquidatable).to.equal(false);
    await expectMarginRevert(env, alice, a, ETH, -wad("10"), "WouldBecomeLiquidatable");
  });

  it("rejects an expired deadline and negative amounts", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("1000"));
    const now = await nextTimestamp();
    await expect(env.engine.connect(alice).multicall(a, [], now - 1n))
      .to.be.revertedWithCustomError(env.engine, "DeadlineExpired")
      .withArgs(now - 1n, now);
    await expect(
      env.engine.connect(alice).multicall(a, [withdraw(quote, -1n)], FAR),
    ).to.be.revertedWithCustomError(env.engine, "ZeroAmount");
    await expect(
      env.engine.connect(alice).multicall(a, [deposit(quote, -1n)], FAR),
    ).to.be.revertedWithCustomError(env.engine, "ZeroAmount");
  });
});

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
import {
  Action,
  ActionKind,
  BTC,
  ETH,
  FAR,
  SOL,
  cancelAction,
  commitAction,
  depositAction,
  tradeAction as trade1,
  withdrawAction,
} from "../../../src/common";

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

  const deposit = depositAction;
  /** A buy order's highest acceptable fill, far above the market. */
  const BOUND = wad("1000000");
  /** A withdrawal paid to the first user (the account's owner in these tests). */
  const withdraw = (token: string, amount: bigint, to?: string): Action =>
    withdrawAction(token, amount, to ?? env.users[0].address);
  const tradeAction = (marketId: number, amount: bigint): Action =>
    trade1(marketId, amount, amount > 0n ? MAX_UINT : 1n);

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
      if (x.kind === ActionKind.Deposit && x.token === quote) w.deposit(account, x.amount);
      else if (x.kind === ActionKind.Withdraw && x.token === quote) w.withdraw(account, x.amount);
      else if (x.kind === ActionKind.ModifyPosition)
        results.push({
          marketId: Number(x.marketId),
          delta: x.sizeDelta,
          r: w.trade(account, Number(x.marketId), x.sizeDelta, now),
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

  it("rejects an expired deadline, zero amounts and a zero or engine recipient; nothing changes", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("1000"));
    const now = await nextTimestamp();
    await expect(env.engine.connect(alice).multicall(a, [], now - 1n))
      .to.be.revertedWithCustomError(env.engine, "DeadlineExpired")
      .withArgs(now - 1n, now);
    const e = env.engine.connect(alice);
    const before = await env.engine.getAccount(a);
    await expect(e.multicall(a, [withdraw(quote, 0n)], FAR)).to.be.revertedWithCustomError(
      env.engine,
      "ZeroAmount",
    );
    await expect(e.multicall(a, [deposit(quote, 0n)], FAR)).to.be.revertedWithCustomError(
      env.engine,
      "ZeroAmount",
    );
    const engineAddr = await env.engine.getAddress();
    for (const to of [ZeroAddress, engineAddr]) {
      await expect(e.multicall(a, [withdraw(quote, usdc("1"), to)], FAR))
        .to.be.revertedWithCustomError(env.engine, "InvalidRecipient")
        .withArgs(to);
    }
    expect(await env.engine.getAccount(a)).to.deep.equal(before);
  });

  it("a withdrawal pays its recipient, not the caller", async () => {
    const [alice, bob] = env.users;
    const a = await fundQuote(env, alice, usdc("1000"));
    const bobBefore = await env.quote.balanceOf(bob.address);
    const aliceBefore = await env.quote.balanceOf(alice.address);
    await expect(
      env.engine.connect(alice).multicall(a, [withdraw(quote, usdc("300"), bob.address)], FAR),
    )
      .to.emit(env.engine, "Withdrawn")
      .withArgs(a, quote, bob.address, usdc("300"));
    expect(await env.quote.balanceOf(bob.address)).to.equal(bobBefore + usdc("300"));
    expect(await env.quote.balanceOf(alice.address)).to.equal(aliceBefore);
    expect((await env.engine.getAccount(a)).quoteBalance).to.equal(usdc("700"));
  });

  it("deposit and commit a delayed order in one call, then cancel it in another: the order is the same as commitOrder's", async () => {
    const [alice] = env.users;
    const a = accountId(alice.address, 0);
    await approveQuote(alice, usdc("5000"));
    const now = await nextTimestamp();
    const deadline = now + 600n;
    const tx = await env.engine
      .connect(alice)
      .multicall(
        a,
        [deposit(quote, usdc("5000")), commitAction(ETH, wad("1"), BOUND, deadline)],
        FAR,
      );
    await expect(tx).to.emit(env.engine, "OrderCommitted");
    const o = await env.engine.getOrder(a, ETH);
    expect(o.sizeDelta).to.equal(wad("1"));
    expect(o.acceptablePrice).to.equal(BOUND);
    expect(o.settlementDeadline).to.equal(deadline);
    expect(o.commitTime).to.equal(now);
    expect((await env.engine.getAccount(a)).orderMask).to.equal(1n << BigInt(ETH));
    // A commit without a slippage bound fails as commitOrder does.
    await expect(
      env.engine.connect(alice).multicall(a, [commitAction(BTC, wad("0.01"), 0n, deadline)], FAR),
    ).to.be.revertedWithCustomError(env.engine, "SlippageBoundRequired");
    // Cancelled by its owner before the settlement price exists: the fee is charged (INV-38).
    const quoteBefore = (await env.engine.getAccount(a)).quoteBalance;
    await expect(env.engine.connect(alice).multicall(a, [cancelAction(ETH)], FAR)).to.emit(
      env.engine,
      "OrderCancelled",
    );
    expect((await env.engine.getOrder(a, ETH)).commitTime).to.equal(0n);
    expect((await env.engine.getAccount(a)).orderMask).to.equal(0n);
    expect((await env.engine.getAccount(a)).quoteBalance).to.equal(quoteBefore - o.keeperFee);
    await expect(
      env.engine.connect(alice).multicall(a, [cancelAction(ETH)], FAR),
    ).to.be.revertedWithCustomError(env.engine, "NoOrder");
  });

  it("a batch with a commit is held to IM: a commit that a withdrawal in the same batch leaves unfunded fails", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("2000"));
    const deadline = (await nextTimestamp()) + 600n;
    const e = env.engine.connect(alice);
    // the order alone fits ...
    await e.multicall.staticCall(a, [commitAction(ETH, wad("1"), BOUND, deadline)], FAR);
    // ... but not with the whole balance withdrawn after it.
    await expect(
      e.multicall(
        a,
        [commitAction(ETH, wad("1"), BOUND, deadline), withdraw(quote, usdc("1990"))],
        FAR,
      ),
    ).to.be.revertedWithCustomError(env.engine, "InsufficientMargin");
    expect((await env.engine.getAccount(a)).orderMask).to.equal(0n);
  });

  it("an account's operator may commit and cancel in a batch; anyone else is Unauthorized", async () => {
    const [alice, op, mallory] = env.users;
    const a = await fundQuote(env, alice, usdc("5000"));
    await env.engine.connect(alice).setOperator(a, op.address, true);
    const deadline = (await nextTimestamp()) + 600n;
    const batch = [commitAction(ETH, wad("1"), BOUND, deadline)];
    await expect(env.engine.connect(mallory).multicall(a, batch, FAR))
      .to.be.revertedWithCustomError(env.engine, "Unauthorized")
      .withArgs(mallory.address, a);
    await env.engine.connect(op).multicall(a, batch, FAR);
    await env.engine.connect(op).multicall(a, [cancelAction(ETH)], FAR);
    expect((await env.engine.getAccount(a)).orderMask).to.equal(0n);
  });
});

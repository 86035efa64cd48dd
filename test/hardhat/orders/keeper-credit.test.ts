/** INV-71: an order's keeper fee is credited to the keeper's account 0, never sent from the vault. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { accountId } from "../../../src/common/accounts";
import { units, wad } from "../../../src/common/units";
import { ETH, FAR } from "../../../src/common";
import {
  KEEPER_FEE,
  commit,
  eventsOf,
  expectConserved,
  keeperCredit,
  latestRound,
  loadOrders,
  setPrice,
} from "../../helpers/orders";

describe("orders: the keeper's fee is a credit (INV-71)", () => {
  it("a settlement credits accountId(keeper, 0) after OrderSettled, moves no token, and the keeper withdraws it", async () => {
    const env = await loadOrders();
    const { engine, quote, keeper, account } = env;
    const engineAddr = await engine.getAddress();
    const keeperAccount = accountId(keeper.address, 0);
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    await setPrice(env.feeds[ETH], "3000", T + 2n);
    const vault0 = await quote.balanceOf(engineAddr);
    const wallet0 = await quote.balanceOf(keeper.address);
    const pool0 = await engine.poolBalance();
    await time.setNextBlockTimestamp(T + 3n);
    const tx = await engine
      .connect(keeper)
      .settleOrder(account, ETH, await latestRound(env.feeds[ETH]));
    const receipt = await tx.wait();
    const names = receipt!.logs
      .map((l) => {
        try {
          return engine.interface.parseLog(l)?.name;
        } catch {
          return undefined;
        }
      })
      .filter((n) => n === "OrderSettled" || n === "KeeperFeeCredited");
    expect(names).to.deep.equal(["OrderSettled", "KeeperFeeCredited"]);
    const [credited] = await eventsOf(env, tx, "KeeperFeeCredited");
    expect([credited.account, credited.feeQuote]).to.deep.equal([keeperAccount, KEEPER_FEE]);
    // No token moved: the fee went from the trader's balance to the keeper's, inside the vault.
    expect(await quote.balanceOf(engineAddr)).to.equal(vault0);
    expect(await quote.balanceOf(keeper.address)).to.equal(wallet0);
    expect(await keeperCredit(env, keeper.address)).to.equal(KEEPER_FEE);
    // The trading fee reached the pool through the fill; the keeper fee never touches it.
    const [pm] = await eventsOf(env, tx, "PositionModified");
    expect(await engine.poolBalance()).to.equal(pool0 - pm.quoteDelta);
    await expectConserved(env, [account, env.otherAccount]);
    // The keeper takes it out like any balance (its account has no position or order).
    await engine.connect(keeper).withdraw(keeperAccount, quote, KEEPER_FEE, keeper.address);
    expect(await quote.balanceOf(keeper.address)).to.equal(wallet0 + KEEPER_FEE);
    expect(await keeperCredit(env, keeper.address)).to.equal(0n);
    await expectConserved(env, [account, env.otherAccount]);
  });

  it("a keeper whose account 0 is in debt: the credit pays the debt down and traderDebt falls with it", async () => {
    const env = await loadOrders();
    const { engine, keeper, account } = env;
    const weth = env.sys.collaterals.WETH;
    const keeperAccount = accountId(keeper.address, 0);
    // The keeper's own account trades on WETH alone: the trading fee leaves its quote negative.
    await weth.mint(keeper.address, wad("10"));
    await weth.connect(keeper).approve(await engine.getAddress(), wad("10"));
    await engine.connect(keeper).deposit(0, weth, wad("10"));
    await engine.connect(keeper).modifyPosition(keeperAccount, ETH, wad("1"), FAR, FAR);
    const q0 = await keeperCredit(env, keeper.address);
    expect(q0 < 0n).to.equal(true);
    const debt0 = await engine.traderDebt();
    const T = BigInt(await time.latest()) + 5n;
    await commit(env, ETH, wad("1"), { at: T });
    await setPrice(env.feeds[ETH], "3000", T + 2n);
    await time.setNextBlockTimestamp(T + 3n);
    await engine.connect(keeper).settleOrder(account, ETH, await latestRound(env.feeds[ETH]));
    const q1 = q0 + KEEPER_FEE;
    expect(await keeperCredit(env, keeper.address)).to.equal(q1);
    // traderDebt is the sum of negative balances (INV-46): it moves by the debt the credit repaid.
    const repaid = -q0 - (q1 < 0n ? -q1 : 0n);
    expect(await engine.traderDebt()).to.equal(debt0 - repaid);
    await expectConserved(env, [account, env.otherAccount, keeperAccount]);
  });

  it("an owner settling its sub-account 1's order is charged there and credited in sub-account 0", async () => {
    const env = await loadOrders();
    const { engine, quote, trader } = env;
    const sub1 = accountId(trader.address, 1);
    const amount = units("10000", 6);
    await quote.mint(trader.address, amount);
    await quote.connect(trader).approve(await engine.getAddress(), amount);
    await engine.connect(trader).deposit(1, quote, amount);
    const sub0Before = (await engine.getAccount(env.account)).quoteBalance;
    const T = BigInt(await time.latest()) + 5n;
    await time.setNextBlockTimestamp(T);
    await engine.connect(trader).commitOrder(sub1, ETH, wad("1"), FAR, T + 600n);
    await setPrice(env.feeds[ETH], "3000", T + 2n);
    await time.setNextBlockTimestamp(T + 3n);
    const tx = await engine
      .connect(trader)
      .settleOrder(sub1, ETH, await latestRound(env.feeds[ETH]));
    const [pm] = await eventsOf(env, tx, "PositionModified");
    expect((await engine.getAccount(sub1)).quoteBalance).to.equal(
      amount + pm.quoteDelta - KEEPER_FEE,
    );
    expect((await engine.getAccount(env.account)).quoteBalance).to.equal(sub0Before + KEEPER_FEE);
    await expectConserved(env, [env.account, env.otherAccount, sub1]);
  });
});

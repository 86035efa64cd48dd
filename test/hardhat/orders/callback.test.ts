// The settlement callback: an account's registered contract is told when its delayed order
// settles, last and with a fixed gas budget; whatever it does (revert, burn gas, return a huge
// revert, re-enter) the settlement stands, the keeper is paid, and a keeper cannot starve it.
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { wad } from "../../../src/common/units";
import { ETH } from "../../../src/common";
import { MockSettlementCallback, MockSettlementCallback__factory } from "../../../typechain-types";
import {
  KEEPER_FEE,
  OrdersEnv,
  commit,
  expectConserved,
  latestRound,
  loadOrders,
  px,
  setPrice,
  keeperCredit,
} from "../../helpers/orders";

const Mode = { Record: 0, Revert: 1, BurnGas: 2, ReturnBomb: 3, Reenter: 4 } as const;
const CALLBACK_GAS = 200_000n;

describe("orders: settlement callback", () => {
  let env: OrdersEnv;
  let cb: MockSettlementCallback;

  beforeEach(async () => {
    env = await loadOrders();
    cb = await new MockSettlementCallback__factory(env.deployer).deploy(env.engine);
  });

  /** Commits a 1 ETH buy (acceptable `bound`) and publishes its settlement round at 3,020. */
  async function pending(bound = px("4000")): Promise<bigint> {
    const T = BigInt(await time.latest()) + 10n;
    await commit(env, ETH, wad("1"), { at: T, acceptable: bound, deadline: T + 100n });
    await setPrice(env.feeds[ETH], "3020", T + 2n);
    return latestRound(env.feeds[ETH]);
  }

  function settle(round: bigint, gasLimit?: bigint) {
    return env.engine.connect(env.keeper).settleOrder(env.account, ETH, round, { gasLimit });
  }

  it("only the owner registers a callback, which must be a contract; the event records it", async () => {
    const { engine, account, trader, operator } = env;
    const target = await cb.getAddress();
    await expect(engine.connect(operator).setSettlementCallback(account, target))
      .to.be.revertedWithCustomError(engine, "Unauthorized")
      .withArgs(operator.address, account);
    await expect(engine.connect(trader).setSettlementCallback(account, operator.address))
      .to.be.revertedWithCustomError(engine, "InvalidCallback")
      .withArgs(operator.address);
    await expect(engine.connect(trader).setSettlementCallback(account, target))
      .to.emit(engine, "SettlementCallbackSet")
      .withArgs(account, target);
    expect(await engine.settlementCallback(account)).to.equal(target);
    await engine.connect(trader).setSettlementCallback(account, ethers.ZeroAddress);
    expect(await engine.settlementCallback(account)).to.equal(ethers.ZeroAddress);
  });

  it("a fill is reported last: the callback sees the new position and the round's price", async () => {
    await env.engine.connect(env.trader).setSettlementCallback(env.account, cb);
    const round = await pending();
    await expect(settle(round))
      .to.emit(env.engine, "OrderSettled")
      .withArgs(env.account, ETH, env.keeper.address, round, KEEPER_FEE);
    expect(await cb.calls()).to.equal(1n);
    expect([await cb.lastAccount(), await cb.lastMarketId(), await cb.lastFilled()]).to.deep.equal([
      env.account,
      BigInt(ETH),
      true,
    ]);
    expect([await cb.lastSizeDelta(), await cb.lastPrice()]).to.deep.equal([wad("1"), px("3020")]);
    expect(await cb.sizeSeen()).to.equal(wad("1"));
    await expectConserved(env, [env.account, env.otherAccount]);
  });

  it("an order cancelled at settlement (slippage) is reported unfilled, size 0", async () => {
    await env.engine.connect(env.trader).setSettlementCallback(env.account, cb);
    const round = await pending(px("3000")); // the round's 3,020 is beyond the bound
    await expect(settle(round)).to.emit(env.engine, "OrderCancelled");
    expect([await cb.lastFilled(), await cb.lastSizeDelta()]).to.deep.equal([false, 0n]);
    expect(await cb.lastPrice()).to.equal(px("3020"));
  });

  for (const [name, mode] of [
    ["reverts", Mode.Revert],
    ["burns all its gas", Mode.BurnGas],
    ["reverts with 100 kB of data", Mode.ReturnBomb],
    ["re-enters the engine", Mode.Reenter],
  ] as const) {
    it(`a callback that ${name} cannot undo the fill or the keeper's fee, and costs at most its budget`, async () => {
      // baseline: the same settlement with no callback
      const base = await loadOrders();
      const T0 = BigInt(await time.latest()) + 10n;
      await commit(base, ETH, wad("1"), { at: T0, acceptable: px("4000"), deadline: T0 + 100n });
      await setPrice(base.feeds[ETH], "3020", T0 + 2n);
      const r0 = await latestRound(base.feeds[ETH]);
      const baseGas = (await (
        await base.engine.connect(base.keeper).settleOrder(base.account, ETH, r0)
      ).wait())!.gasUsed;

      env = await loadOrders(); // back to the fixture: the baseline's fill is undone
      cb = await new MockSettlementCallback__factory(env.deployer).deploy(env.engine);
      await cb.setMode(mode);
      await env.engine.connect(env.trader).setSettlementCallback(env.account, cb);
      const round = await pending();
      const keeper0 = await keeperCredit(env, env.keeper.address);
      const tx = await settle(round, 2_000_000n);
      await expect(tx).to.emit(env.engine, "OrderSettled");
      await expect(tx).to.emit(env.engine, "SettlementCallbackFailed");
      expect((await env.engine.getPosition(env.account, ETH)).size).to.equal(wad("1"));
      expect((await keeperCredit(env, env.keeper.address)) - keeper0).to.equal(KEEPER_FEE);
      const used = (await tx.wait())!.gasUsed;
      expect(used - baseGas < CALLBACK_GAS + 30_000n, `${used} - ${baseGas}`).to.equal(true);
      await expectConserved(env, [env.account, env.otherAccount]);
    });
  }

  it("the failure event names the callback's error", async () => {
    await cb.setMode(Mode.Revert);
    await env.engine.connect(env.trader).setSettlementCallback(env.account, cb);
    const round = await pending();
    const selector = cb.interface.getError("Refused")!.selector;
    await expect(settle(round))
      .to.emit(env.engine, "SettlementCallbackFailed")
      .withArgs(env.account, ETH, await cb.getAddress(), selector);
  });

  it("a keeper that sends too little gas for the callback's budget reverts (InsufficientCallbackGas); the order stays", async () => {
    await env.engine.connect(env.trader).setSettlementCallback(env.account, cb);
    const round = await pending();
    const estimate = await env.engine
      .connect(env.keeper)
      .settleOrder.estimateGas(env.account, ETH, round);
    // enough for the fill, not for the fill and the whole callback budget
    await expect(settle(round, estimate - CALLBACK_GAS / 2n)).to.be.revertedWithCustomError(
      env.engine,
      "InsufficientCallbackGas",
    );
    expect((await env.engine.getOrder(env.account, ETH)).commitTime).to.not.equal(0n);
    await settle(round);
    expect(await cb.calls()).to.equal(1n);
  });
});

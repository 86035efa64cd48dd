/** Delayed orders: gas of commitOrder and settleOrder for an account with one open position
 *  (deterministic: fixed timestamps and state; logged for the benchmark, targets 80k / 130k). */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../../src/common/units";
import {
  commit,
  gasOf,
  latestRound,
  loadOrders,
  openInstant,
  px,
  setPrice,
} from "../../helpers/orders";
import { ETH } from "../../../src/common";

function noZeroByte(x: bigint): boolean {
  for (; x > 0n; x >>= 8n) if ((x & 0xffn) === 0n) return false;
  return true;
}

describe("orders: gas", () => {
  it("commitOrder and settleOrder with one open position", async () => {
    const env = await loadOrders();
    const { engine, account, keeper, quote } = env;
    // Fixed relative timestamps, and a deadline without zero bytes (calldata costs 4 gas per
    // zero byte, 16 otherwise), so that the figures do not depend on the wall clock.
    let T = BigInt(await time.latest()) + 100n;
    while (noZeroByte(T + 600n) === false) T += 1n;
    await time.setNextBlockTimestamp(T - 50n);
    await openInstant(env, ETH, wad("5"));
    // The keeper already holds quote tokens (its balance slot is not fresh).
    await quote.mint(keeper.address, 1n);
    const { tx: c } = await commit(env, ETH, wad("1"), { at: T, acceptable: px("3100") });
    await setPrice(env.feeds[ETH], "3010", T + 2n);
    await time.setNextBlockTimestamp(T + 5n);
    const s = await engine
      .connect(keeper)
      .settleOrder(account, ETH, await latestRound(env.feeds[ETH]));
    await expect(s).to.emit(engine, "OrderSettled");
    const commitGas = await gasOf(c);
    const settleGas = await gasOf(s);
    console.log(`      gasUsed: commitOrder ${commitGas}, settleOrder ${settleGas}`);
    expect(commitGas).to.be.greaterThan(0n);
    expect(settleGas).to.be.greaterThan(0n);
  });
});

/** The keeper's opt-in housekeeping (src/keeper/housekeeping.ts), against a real `hardhat node`:
 *  its credited order fees to its wallet (INV-71), the fund's accrued penalties to the fund
 *  (INV-70). */
import { expect } from "chai";
import { ICrossmarginRisk__factory, MockERC20__factory } from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { rpc } from "../../../src/devnet/node";
import { commitOrder, openAccount, setMarketPrice } from "../../../src/devnet/seed";
import { usdToQuoteUnits } from "../../../src/keeper/housekeeping";
import {
  crashEth,
  KeeperNet,
  makeKeeper,
  openLongs,
  problems,
  trader,
  useSharedKeeperNet,
} from "../../helpers/keeperNet";

describe("keeper: housekeeping (hardhat node)", function () {
  let net: KeeperNet;

  useSharedKeeperNet((n) => (net = n));

  it("INV-71: order fees credited to the keeper's account reach its wallet once they pass --collect-fees-usd", async function () {
    const { engine } = net.system;
    const owner = trader(net);
    const quote = MockERC20__factory.connect(await engine.quoteToken(), net.provider);
    const keeper = makeKeeper(net, 8, { ignoreProfit: true, collectFeesUsd: "1.5" });
    const me = await keeper.opts.signer.getAddress();
    const mine = accountId(me, 0);
    const settleOne = async (sub: number) => {
      const acct = await openAccount(net.system, owner, sub, { deposits: { USDC: "10000" } });
      await commitOrder(net.system, owner, acct, 0, "1", 600);
      await rpc(net.node.url, "evm_increaseTime", [30]);
      await setMarketPrice(net.system, 0, "3000");
      return keeper.runOnce();
    };
    // One fee (1 USD in the local config) stays below the threshold: credited, not collected.
    const r1 = await settleOne(0);
    expect([r1.ordersSettled, r1.feesCollected], problems(keeper.events)).to.deep.equal([1, 0]);
    const fee = (await engine.getAccount(mine)).quoteBalance;
    expect(fee).to.equal(usdToQuoteUnits(1, 6));
    // The second fee takes it to 2 USD: the same pass settles, then withdraws both to the wallet.
    const wallet0 = await quote.balanceOf(me);
    const r2 = await settleOne(1);
    expect([r2.ordersSettled, r2.feesCollected], problems(keeper.events)).to.deep.equal([1, 1]);
    expect(r2.errors).to.equal(0);
    expect((await engine.getAccount(mine)).quoteBalance).to.equal(0n);
    expect((await quote.balanceOf(me)) - wallet0).to.equal(2n * fee);
    // No reward is booked for taking its own money out; nothing left to collect next pass.
    expect(r2.rewardsQuote).to.equal(fee);
    const r3 = await keeper.runOnce();
    expect([r3.feesCollected, r3.errors]).to.deep.equal([0, 0]);
  });

  it("INV-70: the fund's accrued penalties are swept once they pass --sweep-fund-usd, and not before", async function () {
    const { engine, insuranceFund } = net.system;
    const risk = ICrossmarginRisk__factory.connect(await engine.getAddress(), net.provider);
    const quote = MockERC20__factory.connect(await engine.quoteToken(), net.provider);
    const fund = await insuranceFund.getAddress();
    await openLongs(net, ["10", "10"], 20);
    await crashEth(net);
    // A threshold above what two liquidations accrue: they liquidate, nothing is swept.
    const high = makeKeeper(net, 8, { ignoreProfit: true, sweepFundUsd: "1000000" });
    const r1 = await high.runOnce();
    expect([r1.liquidationsWon, r1.fundSweeps], problems(high.events)).to.deep.equal([2, 0]);
    const accrued = await risk.insuranceAccrued();
    expect(accrued > 0n).to.equal(true);
    // A keeper with a low threshold sweeps exactly the accrual to the fund.
    const fund0 = await quote.balanceOf(fund);
    const low = makeKeeper(net, 8, { ignoreProfit: true, sweepFundUsd: "0.01" });
    const r2 = await low.runOnce();
    expect([r2.fundSweeps, r2.errors], problems(low.events)).to.deep.equal([1, 0]);
    expect(await risk.insuranceAccrued()).to.equal(0n);
    expect((await quote.balanceOf(fund)) - fund0).to.equal(accrued);
    expect(r2.rewardsQuote).to.equal(0n);
    const r3 = await low.runOnce();
    expect([r3.fundSweeps, r3.errors]).to.deep.equal([0, 0]);
  });
});

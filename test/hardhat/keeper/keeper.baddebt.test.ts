/** Bad-debt settlement as its own keeper action: a bankrupt account (equity < 0) pays no
 *  liquidation reward, so a keeper that checks profit skips it under the ordinary threshold; with
 *  its own threshold (`--min-profit-baddebt`, here a loss the operator accepts) the keeper
 *  liquidates it, which closes the positions and writes the debt off (BadDebtSettled, INV-5). */
import { expect } from "chai";
import { formatUnits } from "ethers";
import { wad } from "../../../src/common/units";
import {
  crashEth,
  KeeperNet,
  LONG_DEPOSIT,
  makeKeeper,
  openLongs,
  useSharedKeeperNet,
} from "../../helpers/keeperNet";

describe("keeper: bad-debt settlement (hardhat node)", function () {
  let net: KeeperNet;

  useSharedKeeperNet((n) => (net = n));

  it("skips a bankrupt account under --min-profit, settles its bad debt under its own threshold", async function () {
    const [account] = await openLongs(net, ["10"]);
    // 10 ETH long from 3,000 down to 2,500: a 5,000 USD loss on a 2,200 USDC deposit.
    await crashEth(net, "2500");
    const { engine } = net.system;
    const ethUsd = { kind: "fixed" as const, priceWad: wad("3000") };

    const strict = makeKeeper(net, 6, { ethUsd });
    const r1 = await strict.runOnce();
    expect([r1.liquidationsSent, r1.badDebtSettled]).to.deep.equal([0, 0]);
    const skip = strict.events.find((e) => e.event === "skip_unprofitable")!;
    expect(skip).to.deep.include({ kind: "baddebt", reward: 0n });
    expect(skip.profitUsd as bigint).to.be.lessThan(0n);
    expect(await engine.isLiquidatable(account)).to.equal(true);

    const settler = makeKeeper(net, 7, { ethUsd, minProfitByAction: { baddebt: "-1000" } });
    const start = await net.provider.getBlockNumber();
    const r2 = await settler.runOnce();
    expect([r2.liquidationsWon, r2.badDebtSettled, r2.errors]).to.deep.equal([1, 1, 0]);
    expect(settler.events.find((e) => e.event === "won")).to.deep.include({ kind: "baddebt" });
    const [settled] = await engine.queryFilter(engine.filters.BadDebtSettled(), start);
    expect(settled.args.account).to.equal(account);
    // The deficit: the 5,000 USD loss less the deposit, plus the opening fee (at most 1 % of
    // the 30,000 USD notional); the fund and the pool share it.
    const deficit = Number(formatUnits(settled.args.deficit, 6));
    const floor = 10 * (3000 - 2500) - Number(LONG_DEPOSIT);
    expect(deficit).to.be.within(floor, floor + 300);
    expect(settled.args.coveredByFund + settled.args.socialised).to.equal(settled.args.deficit);
    expect(await engine.isLiquidatable(account)).to.equal(false);
    // Nothing left to do on the next pass.
    const r3 = await settler.runOnce();
    expect([r3.liquidatable, r3.liquidationsSent]).to.deep.equal([0, 0]);
  });
});

/** The keeper and protection by a reserve sub-account (docs/specs.md INV-55, INV-56), against a
 *  real `hardhat node`: a protected account is topped up, its unprotected twin liquidated. */
import { expect } from "chai";
import { ICrossmarginRisk__factory } from "../../../typechain-types";
import { units, wad } from "../../../src/common/units";
import { openAccount } from "../../../src/devnet/seed";
import {
  crashEth,
  KeeperNet,
  LONG_DEPOSIT,
  makeKeeper,
  openLongs,
  trader,
  useSharedKeeperNet,
} from "../../helpers/keeperNet";

describe("keeper: top-ups before liquidation (hardhat node)", function () {
  let net: KeeperNet;

  useSharedKeeperNet((n) => (net = n));

  it("INV-55/INV-56: one pass tops up the protected account (fee to the keeper, nothing closed) and liquidates its unprotected twin", async function () {
    const { engine } = net.system;
    const owner = trader(net);
    const [twin, protectedAcct] = await openLongs(net, ["10", "10"], 30, LONG_DEPOSIT);
    await openAccount(net.system, owner, 40, { deposits: { USDC: "5000" }, trades: {} });
    const risk = ICrossmarginRisk__factory.connect(await engine.getAddress(), owner);
    await (await risk.setProtection(protectedAcct, 40, wad("0.1"), units(5000, 6), 3600)).wait();
    await crashEth(net);
    expect(await engine.isLiquidatable(twin)).to.equal(true);
    expect(await engine.isLiquidatable(protectedAcct)).to.equal(true);

    const start = await net.provider.getBlockNumber();
    const keeper = makeKeeper(net, 6);
    const r = await keeper.runOnce();
    expect(r.errors).to.equal(0);
    expect([r.toppedUp, r.liquidationsWon]).to.deep.equal([1, 1]);
    const topUps = await engine.queryFilter(engine.filters.ToppedUp(), start);
    expect(topUps.map((e) => e.args.account)).to.deep.equal([protectedAcct]);
    const fee = topUps[0].args.fee;
    expect(fee).to.equal(units(1, 6)); // the 1 USD top-up fee of the local config
    const paid = await engine.queryFilter(engine.filters.LiquidationFeePaid(), start);
    expect(paid.map((e) => e.args.account)).to.deep.equal([twin]);
    expect(r.rewardsQuote).to.equal(fee + paid[0].args.keeperRewardQuote);
    // The protected account keeps its whole position and is no longer liquidatable.
    expect((await engine.getPosition(protectedAcct, 0)).size).to.equal(wad("10"));
    expect(await engine.isLiquidatable(protectedAcct)).to.equal(false);
    expect((await engine.getPosition(twin, 0)).size).to.be.lessThan(wad("10"));

    const again = await keeper.runOnce();
    expect([again.toppedUp, again.liquidationsWon]).to.deep.equal([0, 0]);
  });
});

/** Collateral liquidation by the keeper (`--liquidate-collateral`, docs/specs.md INV-29) against a
 *  real `hardhat node`: an account backed only by WETH is liquidated after a crash; the insurance
 *  fund (10,000 USDC) buys what collateral it can and the rest stays with the account and its
 *  debt; the keeper then repays that debt with its own USDC for the collateral, at the oracle
 *  price less the token's discount, when the discount covers the gas. */
import { expect } from "chai";
import { wad } from "../../../src/common/units";
import { devWallet } from "../../../src/devnet/node";
import { openAccount, setCollateralPrice } from "../../../src/devnet/seed";
import { MockERC20__factory } from "../../../typechain-types";
import {
  crashEth,
  KeeperNet,
  makeKeeper,
  trader,
  useSharedKeeperNet,
} from "../../helpers/keeperNet";

describe("keeper: collateral liquidation (hardhat node)", function () {
  let net: KeeperNet;

  useSharedKeeperNet((n) => (net = n));

  it("INV-29: repays the debt the fund could not buy out, for the collateral, once it pays", async function () {
    const { engine, insuranceFund } = net.system;
    // 10 WETH (30,000 USD) and 20 ETH long at 3,000; then ETH and WETH at 2,000: a 20,000 USD
    // loss against 20,000 USD of collateral weighted below par.
    const account = await openAccount(net.system, trader(net), 0, {
      deposits: { WETH: "10" },
      trades: { 0: "20" },
    });
    await crashEth(net, "2000");
    await setCollateralPrice(net.system, "WETH", "2000");
    expect(await engine.isLiquidatable(account)).to.equal(true);
    const ethUsd = { kind: "fixed" as const, priceWad: wad("2000") };

    // First the positions: a bankrupt account pays no reward (its own threshold accepts that).
    const closer = makeKeeper(net, 6, { ethUsd, minProfitByAction: { baddebt: "-1000" } });
    const r1 = await closer.runOnce();
    expect([r1.liquidationsWon, r1.errors]).to.deep.equal([1, 0]);
    const left = await engine.getAccount(account);
    expect(left.marketMask).to.equal(0n); // no position left
    expect(left.quoteBalance).to.be.lessThan(0n); // debt the fund could not repay
    expect(await insuranceFund.balance()).to.equal(0n);
    expect(await engine.isLiquidatable(account)).to.equal(true);

    // The keeper with quote tokens takes the collateral for the debt.
    const me = devWallet(7, net.provider);
    const usdc = MockERC20__factory.connect(await engine.quoteToken(), me);
    await (await usdc.mint(me.address, 50_000n * 10n ** 6n)).wait();
    const keeper = makeKeeper(net, 7, { ethUsd, liquidateCollateral: true });
    const weth = net.system.collaterals.WETH;
    const wethBefore = await weth.balanceOf(me.address);
    const usdcBefore = await usdc.balanceOf(me.address);
    const r2 = await keeper.runOnce();
    expect([r2.collateralLiquidations, r2.errors]).to.deep.equal([1, 0]);
    const won = keeper.events.find((e) => e.event === "won" && e.kind === "collateral")!;
    expect(won).to.not.equal(undefined);
    const [liq] = await engine.queryFilter(engine.filters.CollateralLiquidated(account));
    expect(liq.args.liquidator).to.equal(me.address);
    const seized = (await weth.balanceOf(me.address)) - wethBefore;
    const repaid = usdcBefore - (await usdc.balanceOf(me.address));
    expect(seized).to.equal(liq.args.collateralSeized);
    expect(repaid).to.equal(liq.args.debtRepaid);
    // At the oracle price less the discount: seized * 2,000 * (1 - d) = repaid, with d in
    // (0, 10 %]; the keeper's reward is the discount.
    const seizedUsd6 = (seized * 2000n) / 10n ** 12n; // USDC units
    expect(seizedUsd6).to.be.greaterThan(repaid);
    expect(seizedUsd6 - repaid).to.be.lte(seizedUsd6 / 10n);
    expect(won.reward).to.equal(seizedUsd6 - repaid);
    // The liquidation of the bare account was skipped (no reward), not sent.
    expect(keeper.events.some((e) => e.event === "sent" && e.kind !== "collateral")).to.equal(
      false,
    );
  });
});

/** CrossmarginLens edges: a zero engine, maxWithdrawable at zero free margin or zero balance,
 *  and liquidation prices that do not exist because the maintenance ratio reaches 100 %. */
import { expect } from "chai";
import hre from "hardhat";
import { ZeroAddress } from "ethers";
import { CrossmarginLens__factory } from "../../../typechain-types";
import { wad } from "../../../src/common/units";
import { WAD, mulUp, positionMargin, riskHealth, sqrtUp } from "../../../src/model";
import { loadSystem, System } from "../../helpers/fixture";
import {
  fund,
  fundPool,
  modelAccount,
  riskLiquidationPrice,
  setPrice,
  trade,
} from "../../helpers/lens";
import { refreshFeeds } from "../../helpers/trading";
import { ETH } from "../../../src/common";

describe("lens: edges", () => {
  let sys: System;

  beforeEach(async () => {
    sys = await loadSystem();
    await refreshFeeds(sys);
    await fundPool(sys, "1000000");
  });

  it("constructor rejects a zero engine (LensZeroEngine)", async () => {
    const [admin] = await hre.ethers.getSigners();
    const factory = new CrossmarginLens__factory(admin);
    await expect(factory.deploy(ZeroAddress)).to.be.revertedWithCustomError(
      factory,
      "LensZeroEngine",
    );
  });

  it("maxWithdrawable: 0 of the quote token when equity <= IM despite a positive balance", async () => {
    const [, trader] = await hre.ethers.getSigners();
    const account = await fund(sys, trader, 0, { USDC: "2000" });
    // 10 ETH (IM 6 % + 20 = 1,820 USD): a 500 USD loss takes equity below IM, not below MM.
    await trade(sys, trader, account, ETH, wad("10"));
    await setPrice(sys.marketFeeds[ETH], "2950");
    const { risk: model } = await modelAccount(sys, account);
    const m = riskHealth(model);
    expect(model.quoteBalance).to.be.gt(0n);
    expect(m.equity - m.im).to.be.lt(0n);
    expect(m.equity < m.mm).to.equal(false);
    const quote = await sys.quote.getAddress();
    expect(await sys.lens.maxWithdrawable(account, quote)).to.equal(0n);
    // The engine agrees: not even one unit may leave.
    await expect(
      sys.engine.connect(trader).withdraw(account, quote, 1n, trader.address),
    ).to.be.revertedWithCustomError(sys.engine, "InsufficientMargin");
  });

  it("maxWithdrawable: 0 of a listed token the account does not hold", async () => {
    const [, , trader] = await hre.ethers.getSigners();
    const account = await fund(sys, trader, 0, { USDC: "5000", WETH: "1" });
    const { risk: model } = await modelAccount(sys, account);
    const m = riskHealth(model);
    expect(m.equity - m.im).to.be.gt(0n);
    const wbtc = await sys.collaterals.WBTC.getAddress();
    expect(await sys.engine.collateralBalance(account, wbtc)).to.equal(0n);
    expect(await sys.lens.maxWithdrawable(account, wbtc)).to.equal(0n);
    // Held and unencumbered: all of it.
    const weth = await sys.collaterals.WETH.getAddress();
    expect(await sys.lens.maxWithdrawable(account, weth)).to.equal(wad("1"));
  });

  it("liquidationPrice is 0 when the maintenance ratio is exactly 100 % (zero denominator) or above it", async () => {
    const [, , , trader] = await hre.ethers.getSigners();
    await setPrice(sys.marketFeeds[ETH], "4000");
    const account = await fund(sys, trader, 0, { USDC: "10000" });
    await trade(sys, trader, account, ETH, wad("10"));
    expect(await sys.lens.liquidationPrice(account, ETH)).to.be.gt(0n);

    // The largest size factor and the smallest maintenance scalar: imr = 0.01 * sqrt(40,000) = 2
    // exactly, mmr = 2 * 0.5 = 1.
    const c = await sys.engine.getMarket(ETH);
    const factor = wad("0.01");
    const scalar = wad("0.5");
    await sys.engine.setMarketMarginParams(ETH, {
      imrBase: c.imrBase,
      imrSizeFactor: factor,
      maintenanceScalar: scalar,
      minPositionMarginUsd: c.minPositionMargin,
    });
    const withFactor = async () => {
      const { risk: model } = await modelAccount(sys, account);
      const h = model.positions[0];
      h.params = { ...h.params, imrSizeFactor: factor, maintenanceScalar: scalar };
      return { model, pm: positionMargin(h.params, h.position.size, h.price) };
    };
    let { model, pm } = await withFactor();
    const notional = wad("40000");
    expect(mulUp(factor, sqrtUp(notional * WAD))).to.equal(wad("2"));
    expect(pm.mmr).to.equal(WAD);
    expect(riskLiquidationPrice(model, 0)).to.equal(0n);
    expect(await sys.lens.liquidationPrice(account, ETH)).to.equal(0n);

    // At 4,800 the ratio exceeds 100 % (negative denominator) while the numerator is positive
    // (equity below the notional): no positive price solves equity == MM.
    await setPrice(sys.marketFeeds[ETH], "4800");
    ({ model, pm } = await withFactor());
    const m = riskHealth(model);
    expect(pm.mmr).to.be.gt(WAD);
    expect(m.mm - pm.mm + wad("20") - m.equity + wad("48000")).to.be.gt(0n);
    expect(riskLiquidationPrice(model, 0)).to.equal(0n);
    expect(await sys.lens.liquidationPrice(account, ETH)).to.equal(0n);
    const [info] = await sys.lens.positions(account);
    expect([info.notional, info.liquidationPrice]).to.deep.equal([wad("48000"), 0n]);
  });
});

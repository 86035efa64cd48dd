/** Delayed orders with an 18-decimal quote token (e.g. DAI): the keeper fee must fit. */
import hre, { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { System, deploySystem } from "../../../deploy/deploy";
import { localConfig } from "../../../deploy/config/local";
import { accountId } from "../../../src/common/accounts";
import { units, wad } from "../../../src/common/units";
import { latestRound, px, setPrice, keeperCredit } from "../../helpers/orders";
import { ETH, FAR } from "../../../src/common";
import { orderBoundFor } from "../../../src/model";

async function quote18Fixture(): Promise<System> {
  const [signer] = await ethers.getSigners();
  const sys = await deploySystem({
    network: "hardhat",
    signer,
    config: {
      ...localConfig,
      quote: { kind: "mock", name: "Dai", symbol: "DAI", decimals: 18 },
    },
    persist: false,
    factory: (name, libraries) => hre.ethers.getContractFactory(name, { libraries, signer }),
  });
  const lp = units("10000000", 18);
  await sys.quote.mint(signer.address, lp);
  await sys.quote.approve(await sys.pool.getAddress(), lp);
  await sys.pool.deposit(lp, signer.address);
  return sys;
}

describe("orders: 18-decimal quote", () => {
  it("commits, reserves and settles with a keeper fee of 1e18 quote units (1 USD)", async () => {
    const sys = await loadFixture(quote18Fixture);
    const { engine, quote } = sys;
    const [, trader, keeper] = await ethers.getSigners();
    const account = accountId(trader.address, 0);
    const amount = units("50000", 18);
    await quote.mint(trader.address, amount);
    await quote.connect(trader).approve(await engine.getAddress(), amount);
    await engine.connect(trader).deposit(0, await quote.getAddress(), amount);
    const T = BigInt(await time.latest()) + 5n;
    await time.setNextBlockTimestamp(T);
    await expect(engine.connect(trader).commitOrder(account, ETH, wad("1"), FAR, T + 100n))
      .to.emit(engine, "OrderCommitted")
      .withArgs(account, ETH, wad("1"), orderBoundFor(wad("1"), FAR), T + 100n, wad("1"));
    expect((await engine.getOrder(account, ETH)).keeperFee).to.equal(wad("1"));
    await setPrice(sys.marketFeeds[ETH], "3000", T + 2n);
    await engine.connect(keeper).settleOrder(account, ETH, await latestRound(sys.marketFeeds[ETH]));
    expect(await keeperCredit(sys, keeper.address)).to.equal(wad("1"));
    expect((await engine.getPosition(account, ETH)).entryPrice).to.be.greaterThan(px("3000"));
    // Conservation of the quote token.
    const vault = await quote.balanceOf(await engine.getAddress());
    const accounts =
      (await engine.getAccount(account)).quoteBalance + (await keeperCredit(sys, keeper.address));
    expect(vault).to.equal(accounts + (await engine.poolBalance()));
  });
});

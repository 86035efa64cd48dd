/** The integrator fixture (test/helpers/integrator.ts): its pool liquidity lets a first hedge of
 *  realistic size fill, where the bare deployment (no liquidity) rejects it with
 *  `OpenInterestCapExceeded`. Fill price and fee come from the TypeScript model of the local
 *  configuration's parameters (src/model, deploy/config/local.ts), not from the engine. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { localConfig } from "../../../deploy/config/local";
import { ETH, FAR } from "../../../src/common/constants";
import { feedAnswer, units, wad } from "../../../src/common/units";
import { fillPrice, orderFee } from "../../../src/model";
import { loadSystem } from "../../helpers/fixture";
import {
  INTEGRATOR_POOL_LIQUIDITY,
  INTEGRATOR_TRADER_COLLATERAL,
  boundedPrice,
  depositCollateral,
  depositQuote,
  hedge,
  integratorFixture,
  mintCollateral,
  mintQuote,
  setPrice,
} from "../../helpers/integrator";

const eth = localConfig.markets[ETH];
/** Feed answers have 8 decimals; prices are WAD. */
const priceWad = (p: string) => feedAnswer(p, 8) * 10n ** 10n;

describe("integrator fixture", function () {
  it("funds the pool and the trader", async function () {
    const env = await integratorFixture();
    expect(await env.pool.totalAssets()).to.equal(INTEGRATOR_POOL_LIQUIDITY);
    expect(await env.pool.balanceOf(env.lp.address)).to.equal(env.lpShares);
    expect(env.lpShares).to.be.greaterThan(0n);
    expect((await env.engine.getAccount(env.traderAccount)).quoteBalance).to.equal(
      INTEGRATOR_TRADER_COLLATERAL,
    );
    expect(await env.engine.ownerOf(env.traderAccount)).to.equal(env.trader.address);
  });

  it("a first hedge (short 10 ETH, 30,000 USD) fills at the model's price and fee", async function () {
    const env = await integratorFixture();
    const size = wad("-10");
    const price = priceWad(eth.feed.kind === "mock" ? eth.feed.initialPrice : "0");
    const fill = fillPrice(price, 0n, size, wad(eth.skewScale));
    const { fee } = orderFee(0n, size, fill, wad(eth.makerFee), wad(eth.takerFee));
    // 3000 * (1 - 10 / 2,000,000) = 2999.985; taker fee 0.06 % of 29,999.85 USD.
    expect(fill).to.equal(wad("2999.985"));
    expect(fee).to.equal(wad("17.99991"));

    const receipt = await hedge(env, ETH, size);
    expect(receipt!.status).to.equal(1);
    const ev = receipt!.logs
      .map((l) => env.engine.interface.parseLog(l))
      .find((e) => e?.name === "PositionModified");
    expect(ev, "PositionModified").to.not.equal(undefined);
    expect(ev!.args.newSize).to.equal(size);
    expect(ev!.args.fillPrice).to.equal(fill);
    expect(ev!.args.fee).to.equal(fee);
    const pos = await env.lens.positions(env.traderAccount);
    expect(pos.length).to.equal(1);
    expect(pos[0].size).to.equal(size);
    const h = await env.engine.accountHealth(env.traderAccount);
    expect(h.equity).to.be.greaterThan(h.im);
  });

  it("the bare deployment (no pool liquidity) rejects the same hedge", async function () {
    const env = await loadSystem();
    const [, , trader] = await ethers.getSigners();
    const account = await depositQuote(env, trader, INTEGRATOR_TRADER_COLLATERAL);
    await expect(
      env.engine.connect(trader).modifyPosition(account, ETH, wad("-10"), 1n, FAR),
    ).to.be.revertedWithCustomError(env.engine, "OpenInterestCapExceeded");
  });

  it("mints, deposits collateral, moves prices and bounds slippage", async function () {
    const env = await integratorFixture();
    const [user] = env.others;
    await mintQuote(env, user.address, units("42", 6));
    expect(await env.quote.balanceOf(user.address)).to.equal(units("42", 6));
    await mintCollateral(env, "WETH", user.address, units("1.5", 18));
    expect(await env.collaterals.WETH.balanceOf(user.address)).to.equal(units("1.5", 18));
    const account = await depositCollateral(env, user, "WETH", units("2", 18), 4);
    expect(
      await env.engine.collateralBalance(account, await env.collaterals.WETH.getAddress()),
    ).to.equal(units("2", 18));
    await expect(mintCollateral(env, "DOGE", user.address, 1n)).to.be.rejectedWith(
      /unknown collateral DOGE/,
    );
    await expect(mintQuote(env, user.address, 0n)).to.be.rejectedWith(/must be > 0/);

    await setPrice(env, ETH, "3100");
    expect(await env.engine.marketPrice(ETH)).to.equal(priceWad("3100"));
    const buy = wad("1");
    const fill = fillPrice(priceWad("3100"), 0n, buy, wad(eth.skewScale));
    expect(await boundedPrice(env, ETH, buy, 100)).to.equal((fill * 10_100n) / 10_000n);
    const sell = -buy;
    const sellFill = fillPrice(priceWad("3100"), 0n, sell, wad(eth.skewScale));
    expect(await boundedPrice(env, ETH, sell, 100)).to.equal((sellFill * 9_900n) / 10_000n);
  });
});

/**
 * `npx hardhat run scripts/bench/profile.ts`: the gas profile (scripts/bench/trace.ts) of the
 * hot paths the benchmark measures, on a fresh in-process deployment: where each one's gas goes.
 */
import hre from "hardhat";
import { Signer } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithHardhat } from "../../deploy/hardhat";
import { System } from "../../deploy/deploy";
import { FAR, accountId, units, wad } from "../../src/common";
import { profile } from "./trace";

async function fund(sys: System, trader: Signer, usdc: string, weth = "0", wbtc = "0") {
  const addr = await trader.getAddress();
  const engineAddr = await sys.engine.getAddress();
  const pairs: [typeof sys.quote, bigint][] = [[sys.quote, units(usdc, 6)]];
  if (weth !== "0") pairs.push([sys.collaterals.WETH, units(weth, 18)]);
  if (wbtc !== "0") pairs.push([sys.collaterals.WBTC, units(wbtc, 8)]);
  for (const [token, amount] of pairs) {
    await (await token.mint(addr, amount)).wait();
    await (await token.connect(trader).approve(engineAddr, amount)).wait();
    await (await sys.engine.connect(trader).deposit(0, await token.getAddress(), amount)).wait();
  }
}

function trade(sys: System, trader: Signer, account: bigint, market: number, size: bigint) {
  const bound = size > 0n ? 2n ** 127n : 1n;
  return sys.engine.connect(trader).modifyPosition(account, market, size, bound, FAR);
}

async function show(name: string, tx: Promise<{ wait(): Promise<unknown> }>) {
  const receipt = (await (await tx).wait()) as { hash: string; gasUsed: bigint };
  const p = await profile(hre, receipt.hash);
  const parts = Object.entries(p)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  console.log(`${name}: ${receipt.gasUsed} gas; ${parts}`);
}

async function main(): Promise<void> {
  const sys = await deployWithHardhat(hre, { persist: false });
  const [deployer, a, b, c] = await hre.ethers.getSigners();
  const lp = units(50_000_000, 6);
  await (await sys.quote.mint(deployer.address, lp)).wait();
  await (await sys.quote.approve(await sys.pool.getAddress(), lp)).wait();
  await (await sys.pool.deposit(lp, deployer.address)).wait();
  const acctA = accountId(a.address, 0);
  const acctB = accountId(b.address, 0);
  const acctC = accountId(c.address, 0);
  await fund(sys, a, "100000");
  await fund(sys, b, "100000");
  await fund(sys, c, "1000000", "10", "1");
  await (await trade(sys, a, acctA, 0, wad(1))).wait();
  await time.increase(60);
  await show("open position (market in use)", trade(sys, b, acctB, 0, wad(1)));
  await time.increase(60);
  await show("increase position", trade(sys, b, acctB, 0, wad(1)));
  await time.increase(60);
  await show("close position", trade(sys, b, acctB, 0, -wad(2)));
  const n = Number(await sys.engine.marketCount());
  for (let m = 0; m < n; m++)
    await (await trade(sys, c, acctC, m, wad(m === 1 ? "0.01" : "0.1"))).wait();
  await time.increase(60);
  await show(`trade, ${n} positions + 3 collaterals`, trade(sys, c, acctC, 0, wad("0.1")));
  await time.increase(60);
  await show(`close one of ${n} positions`, trade(sys, c, acctC, 2, -wad("0.1")));
  // Slope: the same increase with 1 and with all positions open (quote only).
  const [, , , , d] = await hre.ethers.getSigners();
  const acctD = accountId(d.address, 0);
  await fund(sys, d, "1000000");
  await (await trade(sys, d, acctD, 0, wad("0.1"))).wait();
  await time.increase(60);
  const one = await (await (await trade(sys, d, acctD, 0, wad("0.01"))).wait())!.gasUsed;
  for (let m = 1; m < n; m++)
    await (await trade(sys, d, acctD, m, wad(m === 1 ? "0.001" : "0.1"))).wait();
  await time.increase(60);
  await show(`increase with ${n} positions`, trade(sys, d, acctD, 0, wad("0.01")));
  const all = await (await (await trade(sys, d, acctD, 0, wad("0.01"))).wait())!.gasUsed;
  console.log(
    `slope ${(all - one) / BigInt(n - 1)} per position (${one} with 1, ${all} with ${n})`,
  );

  // A delayed order on an account with one position, settled by a keeper holding USDC.
  await time.increase(60);
  const now = await time.latest();
  await show(
    "commitOrder (one position)",
    sys.engine.connect(a).commitOrder(acctA, 0, wad(1), 2n ** 127n, now + 3600),
  );
  await time.increase(5);
  const feed0 = sys.marketFeeds[0];
  await (await feed0.updateAnswer(await feed0.latestAnswer())).wait();
  const round = (await feed0.latestRoundData())[0];
  const [keeper] = await hre.ethers.getSigners();
  await show("settleOrder (one position)", sys.engine.connect(keeper).settleOrder(acctA, 0, round));

  // Liquidation of a one-position account by a keeper holding USDC.
  const [, , , , , e] = await hre.ethers.getSigners();
  const acctE = accountId(e.address, 0);
  await fund(sys, e, "300");
  await (await trade(sys, e, acctE, 1, wad("0.1"))).wait();
  for (const f of [...sys.marketFeeds, ...Object.values(sys.collateralFeeds)]) {
    await (await f.updateAnswer(await f.latestAnswer())).wait();
  }
  const p1 = (await sys.marketFeeds[1].latestAnswer()) as bigint;
  await (await sys.marketFeeds[1].updateAnswer((p1 * 96n) / 100n)).wait();
  await show("liquidate (one position)", sys.engine.connect(keeper).liquidate(acctE, 0));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

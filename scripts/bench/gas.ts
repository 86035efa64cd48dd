/**
 * `npm run bench:gas`: deterministic gas benchmark of the hot paths on the in-process network
 * (MockV3Aggregator feeds). Prints a table, compares with the committed gas-snapshot.json and
 * fails if any scenario grew more than 2 %. `npm run bench:gas -- --update` rewrites the snapshot.
 */
import hre from "hardhat";
import fs from "fs";
import path from "path";
import { ContractTransactionResponse, Signer } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithHardhat } from "../../deploy/hardhat";
import { System } from "../../deploy/deploy";
import { ICrossmarginRisk__factory, MockV3Aggregator__factory } from "../../typechain-types";
import { accountId, feedAnswer, units, wad } from "../../src/common";
import { ICrossmargin } from "../../typechain-types/contracts/core/Crossmargin";

const SNAPSHOT = path.join(__dirname, "..", "..", "gas-snapshot.json");
const TOLERANCE = 0.02;
const FAR = 2n ** 63n;

type Results = Record<string, number>;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

/** Adds markets until there are `n`, each with its own feed at $100 (params of market 0). */
async function ensureMarkets(sys: System, n: number): Promise<void> {
  const m0 = await sys.engine.getMarket(0);
  const signer = sys.engine.runner as Signer;
  for (let id = Number(await sys.engine.marketCount()); id < n; id++) {
    const feed = await new MockV3Aggregator__factory(signer).deploy(8, feedAnswer(100));
    await feed.waitForDeployment();
    await (
      await sys.engine.addMarket(
        {
          feed: await feed.getAddress(),
          heartbeat: m0.heartbeat,
          skewScale: wad(10_000_000),
          makerFee: m0.makerFee,
          takerFee: m0.takerFee,
          maxFundingVelocity: m0.maxFundingVelocity,
          imrBase: m0.imrBase,
          imrSizeFactor: m0.imrSizeFactor,
          maintenanceScalar: m0.maintenanceScalar,
          minPositionMargin: m0.minPositionMargin,
          maxOpenInterest: wad(100_000_000),
          maxOiPoolRatio: m0.maxOiPoolRatio,
          maxNetExposureRatio: m0.maxNetExposureRatio,
          maxLiquidationPerWindow: 0,
          liquidationWindow: 0,
          instantTrading: true,
          minOrderDelay: m0.minOrderDelay,
          maxOrderAge: m0.maxOrderAge,
        },
        await feed.description(),
      )
    ).wait();
  }
}

async function fund(
  sys: System,
  trader: Signer,
  sub: number,
  usdc: string,
  weth = "0",
  wbtc = "0",
) {
  const addr = await trader.getAddress();
  const engineAddr = await sys.engine.getAddress();
  const pairs: [typeof sys.quote, bigint][] = [[sys.quote, units(usdc, 6)]];
  if (weth !== "0") pairs.push([sys.collaterals.WETH, units(weth, 18)]);
  if (wbtc !== "0") pairs.push([sys.collaterals.WBTC, units(wbtc, 8)]);
  for (const [token, amount] of pairs) {
    await (await token.mint(addr, amount)).wait();
    await (await token.connect(trader).approve(engineAddr, amount)).wait();
    await (await sys.engine.connect(trader).deposit(sub, await token.getAddress(), amount)).wait();
  }
}

function buy(sys: System, trader: Signer, account: bigint, market: number, size: bigint) {
  const price = size > 0n ? 2n ** 127n : 1n; // INV-40: a bound is required
  return sys.engine.connect(trader).modifyPosition(account, market, size, price, FAR);
}

async function run(): Promise<Results> {
  const sys = await deployWithHardhat(hre, { persist: false });
  const [deployer, a, b, c, d, e] = await hre.ethers.getSigners();
  await ensureMarkets(sys, 16);
  // LP liquidity so that open-interest caps allow the trades.
  const lp = units(50_000_000, 6);
  await (await sys.quote.mint(deployer.address, lp)).wait();
  await (await sys.quote.approve(await sys.pool.getAddress(), lp)).wait();
  await (await sys.pool.deposit(lp, deployer.address)).wait();

  const r: Results = {};
  const usdc = await sys.quote.getAddress();
  const engineAddr = await sys.engine.getAddress();
  const amount = units(1000, 6);
  await (await sys.quote.mint(a.address, amount * 3n)).wait();
  await (await sys.quote.connect(a).approve(engineAddr, amount * 3n)).wait();
  r["deposit (first)"] = await gasOf(sys.engine.connect(a).deposit(0, usdc, amount));
  r["deposit (repeat)"] = await gasOf(sys.engine.connect(a).deposit(0, usdc, amount));

  const acctB = accountId(b.address, 0);
  await fund(sys, b, 0, "100000");
  r["open position (collateral only)"] = await gasOf(buy(sys, b, acctB, 0, wad(1)));
  await time.increase(60);
  r["increase position"] = await gasOf(buy(sys, b, acctB, 0, wad(1)));
  await time.increase(60);
  r["withdraw (one open position)"] = await gasOf(
    sys.engine.connect(b).withdraw(acctB, usdc, units(100, 6), b.address),
  );
  await time.increase(60);
  r["close position"] = await gasOf(buy(sys, b, acctB, 0, -wad(2)));

  // 10 positions and 3 collateral tokens.
  const acctC = accountId(c.address, 0);
  await fund(sys, c, 0, "1000000", "10", "1");
  for (let m = 0; m < 10; m++)
    await (await buy(sys, c, acctC, m, wad(m < 3 ? "0.1" : "10"))).wait();
  await time.increase(60);
  r["trade, 10 positions + 3 collaterals"] = await gasOf(buy(sys, c, acctC, 0, wad("0.1")));

  // Marginal cost per extra position: increase in market 0 with 1, 2, 4, 8, 16 positions.
  const acctD = accountId(d.address, 0);
  await fund(sys, d, 0, "1000000");
  let open = 0;
  const slope: [number, number][] = [];
  for (const n of [1, 2, 4, 8, 16]) {
    for (; open < n; open++)
      await (await buy(sys, d, acctD, open, wad(open < 3 ? "0.1" : "10"))).wait();
    await time.increase(60);
    const g = await gasOf(buy(sys, d, acctD, 0, wad("0.01")));
    r[`trade with ${n} position(s)`] = g;
    slope.push([n, g]);
  }
  r["marginal gas per extra position (slope)"] = Math.round(leastSquaresSlope(slope));

  // 5-market rebalance: separate trades vs one multicall.
  const acctE = accountId(e.address, 0);
  await fund(sys, e, 0, "1000000");
  for (let m = 3; m < 8; m++) await (await buy(sys, e, acctE, m, wad(10))).wait();
  await time.increase(60);
  let separate = 0;
  for (let m = 3; m < 8; m++) separate += await gasOf(buy(sys, e, acctE, m, wad(1)));
  await time.increase(60);
  const actions: ICrossmargin.ActionStruct[] = [];
  for (let m = 3; m < 8; m++) {
    actions.push({
      kind: 2,
      token: hre.ethers.ZeroAddress,
      marketId: m,
      amount: wad(1),
      acceptablePrice: 2n ** 127n,
    });
  }
  r["5 separate trades (total)"] = separate;
  r["5-market rebalance in one multicall"] = await gasOf(
    sys.engine.connect(e).multicall(acctE, actions, FAR),
  );

  // Delayed order on an account with one position.
  await time.increase(60);
  const now = await time.latest();
  const feed0 = sys.marketFeeds[0];
  r["commitOrder (one position)"] = await gasOf(
    sys.engine.connect(b).commitOrder(acctB, 0, wad(1), 2n ** 127n, now + 3600),
  );
  await time.increase(5);
  await (await feed0.updateAnswer(await feed0.latestAnswer())).wait();
  const round = (await feed0.latestRoundData())[0];
  r["settleOrder (one position)"] = await gasOf(sys.engine.settleOrder(acctB, 0, round));

  // Liquidation of a one-position account.
  const liqAcct = accountId(a.address, 1);
  await fund(sys, a, 1, "300");
  await (await buy(sys, a, liqAcct, 1, wad("0.1"))).wait();
  for (const f of [...sys.marketFeeds, ...Object.values(sys.collateralFeeds)]) {
    await (await f.updateAnswer(await f.latestAnswer())).wait();
  }
  await (await sys.marketFeeds[1].updateAnswer(feedAnswer(57_500))).wait();
  r["liquidate (one position)"] = await gasOf(sys.engine.liquidate(liqAcct, 0));

  // Risk model: a trade on a hedged ETH/BTC book (offset credit, one extra pass), a preview,
  // and a reserve topping up a liquidatable account directly and inside liquidate().
  const [, , , , , , , g, h] = await hre.ethers.getSigners();
  const risk = ICrossmarginRisk__factory.connect(engineAddr, g);
  const hedged = accountId(g.address, 0);
  await fund(sys, g, 0, "20000");
  await (await buy(sys, g, hedged, 1, wad("1"))).wait();
  await (await buy(sys, g, hedged, 0, -wad("20"))).wait();
  await time.increase(60);
  r["trade, hedged pair (offset credit)"] = await gasOf(buy(sys, g, hedged, 0, -wad("0.1")));
  r["previewTrade (hedged pair, eth_call)"] = Number(
    await risk.previewTrade.estimateGas(hedged, 0, -wad("0.1")),
  );
  const protectedAcct = accountId(h.address, 0);
  await fund(sys, h, 0, "2000");
  await fund(sys, h, 1, "20000");
  await (await buy(sys, h, protectedAcct, 2, wad("150"))).wait();
  await (
    await risk.connect(h).setProtection(protectedAcct, 1, wad("0.1"), units(5000, 6), 3600)
  ).wait();
  for (const f of [...sys.marketFeeds, ...Object.values(sys.collateralFeeds)]) {
    await (await f.updateAnswer(await f.latestAnswer())).wait();
  }
  await (await sys.marketFeeds[2].updateAnswer(feedAnswer(138))).wait();
  r["topUp (reserve restores the account)"] = await gasOf(risk.connect(a).topUp(protectedAcct));
  await (await sys.marketFeeds[2].updateAnswer(feedAnswer(126))).wait();
  r["liquidate (protected: top-up instead)"] = await gasOf(sys.engine.liquidate(protectedAcct, 0));

  // LP exit (ERC-7540 request, then claim) by a second LP of a pool in use: open positions in
  // 16 markets, so the claim prices the pool across all of them.
  const pool = sys.pool.connect(e);
  const lpAmount = units(100_000, 6);
  await (await sys.quote.mint(e.address, lpAmount)).wait();
  await (await sys.quote.connect(e).approve(await sys.pool.getAddress(), lpAmount)).wait();
  await (await pool.deposit(lpAmount, e.address)).wait();
  const shares = (await sys.pool.balanceOf(e.address)) / 2n;
  r["pool requestRedeem"] = await gasOf(pool.requestRedeem(shares, e.address, e.address));
  await time.increase(await sys.pool.redeemDelay());
  const feeds = [...Object.values(sys.collateralFeeds)];
  for (let id = 0; id < Number(await sys.engine.marketCount()); id++) {
    const addr = (await sys.engine.getMarket(id)).feed;
    feeds.push(MockV3Aggregator__factory.connect(addr, sys.engine.runner as Signer));
  }
  for (const f of feeds) await (await f.updateAnswer(await f.latestAnswer())).wait();
  r["pool claim redeem"] = await gasOf(pool.redeem(shares / 2n, e.address, e.address));
  // Auto-deleveraging of one position, the pool valued across all 16 markets in use: a 20M USD
  // long in market 3 gains 25 % and the floor is set to its maximum (0.95 of the balance).
  const trader = (await hre.ethers.getSigners())[6];
  const acctF = accountId(trader.address, 0);
  await fund(sys, trader, 0, "15000000");
  await (await buy(sys, trader, acctF, 3, wad(200_000))).wait();
  await (await sys.engine.setAdlParams(wad("0.95"), wad("0.0001"), wad(100))).wait();
  for (const feed of [...sys.marketFeeds, ...Object.values(sys.collateralFeeds)]) {
    await (await feed.updateAnswer(await feed.latestAnswer())).wait();
  }
  const feed3 = MockV3Aggregator__factory.connect((await sys.engine.getMarket(3)).feed, deployer);
  await (await feed3.updateAnswer(feedAnswer(125))).wait();
  r["autoDeleverage (one position, 16 markets)"] = await gasOf(
    sys.engine.connect(a).autoDeleverage(acctF, 3),
  );
  return r;
}

function leastSquaresSlope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

async function main(): Promise<void> {
  const results = await run();
  const update = process.argv.includes("--update") || process.env.UPDATE_GAS_SNAPSHOT === "1";
  const previous: Results = fs.existsSync(SNAPSHOT)
    ? JSON.parse(fs.readFileSync(SNAPSHOT, "utf8"))
    : {};
  const rows = Object.entries(results).map(([scenario, gas]) => {
    const before = previous[scenario];
    const change = before ? ((gas - before) / before) * 100 : NaN;
    return {
      scenario,
      gas,
      snapshot: before ?? "-",
      change: Number.isNaN(change) ? "new" : `${change.toFixed(2)} %`,
    };
  });
  console.table(rows);
  const multicall = results["5-market rebalance in one multicall"];
  const separate = results["5 separate trades (total)"];
  console.log(
    `multicall saves ${(100 * (1 - multicall / separate)).toFixed(1)} % over 5 separate trades`,
  );
  const regressions = rows.filter(
    (row) => typeof row.snapshot === "number" && row.gas > row.snapshot * (1 + TOLERANCE),
  );
  if (update || Object.keys(previous).length === 0) {
    fs.writeFileSync(SNAPSHOT, JSON.stringify(results, null, 2) + "\n");
    console.log(`snapshot written to ${path.relative(process.cwd(), SNAPSHOT)}`);
    return;
  }
  if (regressions.length > 0) {
    console.error(
      `gas grew more than ${TOLERANCE * 100} % in: ${regressions.map((r) => r.scenario).join(", ")}`,
    );
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

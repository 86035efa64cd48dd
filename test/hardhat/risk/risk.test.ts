/** The risk tool (src/risk): at zero shock its model figures agree with the engine's views to the
 *  wei; a shock it predicts is what the chain does when the prices really move (accounts under
 *  maintenance, equity and MM, shortfall, insurance cover and socialised loss from the actual
 *  liquidations); grids, parameters from events and the report. Funding stays exactly zero
 *  (every market's skew returns to zero within the block that opened it), so predictions made
 *  at one block hold at a later one. */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { wad } from "../../../src/common/units";
import * as M from "../../../src/model";
import { toModelState } from "../../../src/common/market-view";
import { loadSystem } from "../../helpers/fixture";
import { MAX_UINT256, fund, fundPool, setPrice } from "../../helpers/lens";
import {
  accountOutcome,
  evaluateGrid,
  evaluateShock,
  familyGrid,
  pairGrid,
  shockView,
} from "../../../src/risk/shocks";
import {
  crossCheck,
  discoverAccounts,
  liquidationParams,
  loadRiskState,
} from "../../../src/risk/source";
import { writeRiskReport } from "../../../src/risk/report";
import { runCascade } from "../../../src/risk/cascade";
import { assetVar, varGrid } from "../../../src/risk/var";
import { ETH, FAR, SOL } from "../../../src/common";

async function inOneBlock(sends: (() => Promise<unknown>)[]): Promise<void> {
  const p = hre.network.provider;
  await p.request({ method: "evm_setAutomine", params: [false] });
  try {
    for (const s of sends) await s();
    await p.request({ method: "evm_mine", params: [] });
  } finally {
    await p.request({ method: "evm_setAutomine", params: [true] });
  }
}

/** A: 6,000 USDC long 30 ETH (15x, IM 6 % + 20 = 5,420 USD); D: 60,000 USDC short 30 ETH;
 *  B: 3 WETH long 100 SOL; C: 20,000 USDC short 100 SOL. Each pair trades in one block. */
async function world() {
  const sys = await loadSystem();
  const [, , a, b, c, d] = await hre.ethers.getSigners();
  await fundPool(sys, "1000000");
  const A = await fund(sys, a, 0, { USDC: "6000" });
  const D = await fund(sys, d, 0, { USDC: "60000" });
  const B = await fund(sys, b, 0, { WETH: "3" });
  const C = await fund(sys, c, 0, { USDC: "20000" });
  const e = (s: typeof a) => sys.engine.connect(s);
  await inOneBlock([
    () => e(a).modifyPosition(A, ETH, wad("30"), MAX_UINT256, FAR, { gasLimit: 2_000_000 }),
    () => e(d).modifyPosition(D, ETH, -wad("30"), 1n, FAR, { gasLimit: 2_000_000 }),
    () => e(b).modifyPosition(B, SOL, wad("100"), MAX_UINT256, FAR, { gasLimit: 2_000_000 }),
    () => e(c).modifyPosition(C, SOL, -wad("100"), 1n, FAR, { gasLimit: 2_000_000 }),
  ]);
  // Sent without a gas estimate, a trade failing its margin check would revert silently.
  const sizes = [
    [A, ETH],
    [D, ETH],
    [B, SOL],
    [C, SOL],
  ] as const;
  for (const [id, m] of sizes) expect((await sys.engine.getPosition(id, m)).size).to.not.equal(0n);
  const engine = await sys.engine.getAddress();
  const state = await loadRiskState({
    provider: hre.network.provider,
    engine,
    insuranceFund: await sys.insuranceFund.getAddress(),
    fromBlock: sys.record.startBlock,
    marketNames: sys.config.markets.map((m) => m.name),
  });
  return { sys, engine, state, accounts: { A, B, C, D } };
}

describe("risk tool", function () {
  this.timeout(300_000);

  it("finds every account and the liquidation parameters from events", async () => {
    const { sys, engine, accounts } = await loadFixture(world);
    const head = await hre.ethers.provider.getBlockNumber();
    const found = await discoverAccounts(hre.network.provider, engine, sys.record.startBlock, head);
    expect(found).to.have.members(Object.values(accounts));
    const lp = await liquidationParams(hre.network.provider, engine, sys.record.startBlock, head);
    expect(lp.feeRate).to.equal(wad("0.005"));
    expect(lp.minKeeperReward).to.equal(wad("5"));
    expect(lp.maxKeeperReward).to.equal(wad("1000"));
  });

  it("reads every market's liquidation window cap", async () => {
    const { sys, state } = await loadFixture(world);
    expect(state.caps).to.have.length(state.view.markets.length);
    for (const m of state.view.markets) {
      const cfg = await sys.engine.getMarket(m.id);
      const st = await sys.engine.getMarketState(m.id);
      expect(state.caps?.[m.id]).to.deep.equal({
        maxLiquidationPerWindow: cfg.maxLiquidationPerWindow,
        liquidationWindow: BigInt(cfg.liquidationWindow),
        windowStart: BigInt(st.windowStart),
        liquidatedInWindow: st.liquidatedInWindow,
      });
    }
  });

  it("agrees with the engine's views at zero shock, to the wei", async () => {
    const { sys, engine, state } = await loadFixture(world);
    expect(state.accounts).to.have.length(4);
    const cc = await crossCheck(hre.network.provider, engine, state);
    expect(cc.mismatches).to.deep.equal([]);
    expect(cc.agree).to.equal(4);
    const zero = evaluateShock(state, { label: "none", moves: {} });
    expect(zero.underMaintenance).to.equal(0);
    expect(zero.shortfall).to.equal(0n);
    expect(zero.poolValueNow).to.equal(await sys.engine.poolValue());
    expect(zero.poolValueShocked).to.equal(zero.poolValueNow);
    for (const a of state.accounts) {
      const h = await sys.engine.accountHealth(a.id);
      const o = accountOutcome(a, state.view, state.liquidation);
      expect([o.equity, o.mm], `account ${a.id}`).to.deep.equal([h.equity, h.mm]);
      expect(o.underMaintenance).to.equal(await sys.engine.isLiquidatable(a.id));
    }
    expect(state.insuranceFund).to.equal(10_000n * 10n ** 6n);
  });

  it("predicts what the chain does when ETH really falls 30 %", async () => {
    const { sys, state, accounts } = await loadFixture(world);
    const shock = { label: "ETH -30%", moves: { ETH: -0.3 } };
    const predicted = evaluateShock(state, shock);
    const view = shockView(state.view, shock.moves);
    expect(view.markets[ETH]?.price).to.equal(wad("2100"));
    expect(view.collaterals.find((c) => c.symbol === "WETH")?.price).to.equal(wad("2100"));
    expect(predicted.underMaintenance).to.equal(1);
    expect(predicted.bankrupt).to.equal(1);
    expect(predicted.worst[0]?.id).to.equal(accounts.A);

    await setPrice(sys.marketFeeds[ETH], "2100");
    await setPrice(sys.collateralFeeds.WETH, "2100");
    for (const a of state.accounts) {
      const o = accountOutcome(a, view, state.liquidation);
      const h = await sys.engine.accountHealth(a.id);
      expect([o.equity, o.mm], `account ${a.id}`).to.deep.equal([h.equity, h.mm]);
      expect(o.underMaintenance).to.equal(await sys.engine.isLiquidatable(a.id));
    }
    const [, keeper] = await hre.ethers.getSigners();
    const rc = await (await sys.engine.connect(keeper).liquidate(accounts.A, 0n)).wait();
    const bad = rc!.logs
      .map((l) => sys.engine.interface.parseLog(l))
      .find((l) => l?.name === "BadDebtSettled");
    expect(bad, "bad debt settled").to.not.equal(undefined);
    expect(bad!.args.deficit).to.equal(predicted.shortfall);
    expect(bad!.args.coveredByFund).to.equal(predicted.covered);
    expect(bad!.args.socialised).to.equal(predicted.socialised);
    expect(predicted.covered).to.equal(10_000n * 10n ** 6n); // the whole fund
    expect(predicted.socialised).to.be.greaterThan(0n);
    const poolValue = await sys.engine.poolValue();
    // INV-44: the prediction leaves the skew open; liquidating at the oracle moves the impact
    // premium from that of the shocked skew to that of the skew left.
    let released = 0n;
    for (const m of view.markets) {
      const left = toModelState(await sys.engine.getMarketState(m.id));
      released += M.impactPremium(m.state, m.price, m.params.skewScale);
      released -= M.impactPremium(left, m.price, m.params.skewScale);
    }
    expect(poolValue - predicted.poolValueShocked - released / 10n ** 12n).to.be.within(-1n, 1n);
  });

  it("evaluates shock grids: families and a pair of assets", async () => {
    const { state } = await loadFixture(world);
    const fam = familyGrid(["ETH", "BTC", "SOL"]);
    expect(fam.rows).to.deep.equal([
      "ETH only",
      "BTC only",
      "SOL only",
      "all together",
      "ETH vs BTC",
    ]);
    expect(fam.cols).to.have.length(11);
    const res = evaluateGrid(state, fam);
    const zeroCol = fam.cols.indexOf("0%");
    for (const row of res) expect(row[zeroCol]?.underMaintenance).to.equal(0);
    // BTC moves touch nobody here: nobody trades BTC or holds WBTC.
    for (const r of res[1] ?? []) expect(r.underMaintenance).to.equal(0);
    // ETH -30 % in the grid is the single-shock evaluation.
    const direct = evaluateShock(state, { label: "x", moves: { ETH: -0.3 } });
    expect(res[0]?.[fam.cols.indexOf("-30%")]?.shortfall).to.equal(direct.shortfall);
    const pair = pairGrid("ETH", "BTC", ["SOL"]);
    expect(pair.rows).to.have.length(11);
    expect(pair.shocks[0]?.[0]?.moves).to.deep.equal({ ETH: 0.5, BTC: -0.5, SOL: 0.5 });
  });

  it("writes risk.md, risk.json and heat maps", async () => {
    const { engine, state } = await loadFixture(world);
    const dir = mkdtempSync(path.join(tmpdir(), "risk-"));
    const grid = familyGrid(["ETH", "BTC", "SOL"], [-0.3, 0, 0.3]);
    const v = assetVar(["ETH", "BTC", "SOL"]);
    const vg = varGrid(v);
    const cascades = [
      { grid: vg, results: vg.shocks.map((row) => row.map((s) => runCascade(state, s))) },
    ];
    writeRiskReport(
      {
        source: "test",
        block: state.view.block,
        accounts: state.accounts.length,
        activeAccounts: 4,
        quoteDecimals: 6,
        insuranceFund: state.insuranceFund,
        prices: [],
        crossCheck: await crossCheck(hre.network.provider, engine, state),
        grids: [{ grid, results: evaluateGrid(state, grid) }],
        var: v,
        cascades,
      },
      dir,
    );
    const md = readFileSync(path.join(dir, "risk.md"), "utf8");
    expect(md).to.contain("## Recommended insurance fund");
    expect(md).to.contain("insurance fund $10,000.");
    expect(md).to.contain("### Joint (correlated) scenario");
    expect(readFileSync(path.join(dir, "risk.md"), "utf8")).to.contain(
      "agree with `engine.accountHealth`",
    );
    const json = JSON.parse(readFileSync(path.join(dir, "risk.json"), "utf8"));
    expect(json.scenarios).to.have.length(15);
    expect(json.cascade[0].scenarios).to.have.length(vg.rows.length * 4);
    expect(json.recommendedInsuranceFund.method).to.contain("ES99");
    expect(existsSync(path.join(dir, "risk-families-shortfall.svg"))).to.equal(true);
  });
});

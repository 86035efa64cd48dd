/** `npm run risk -- [options]`: price-shock scenarios over every account, with the TypeScript
 *  margin model cross-checked against the engine's views at zero shock.
 *
 *  State from a deployed system over RPC:
 *    npm run risk -- --rpc http://127.0.0.1:8545 --deployment deployments/localhost.json
 *  or (default) from a simulation run in-process first:
 *    npm run risk -- [--scenario calm] [--steps 48] [--traders 200] [--seed 1]
 *  Options: --moves -0.5,-0.25,0,0.25,0.5  --block <n>  --out <dir>  --no-compile
 *    --var-window <days>   days of daily data the 1-day 99 % VaR / ES read (default 1095)
 *    --cascade-rounds <n>  round limit of the liquidation cascade (default 100)
 *    --no-cascade          instant gaps only (no cascade, no recommended fund)
 *  Exits 1 if the model and the engine disagree. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { DeploymentRecord } from "../deploy/record";
import { Eip1193 } from "../src/chain/reader";
import { DEFAULT_MOVES, evaluateGrid, familyGrid, marketAsset, pairGrid } from "../src/risk/shocks";
import { crossCheck, loadRiskState, rpcProvider } from "../src/risk/source";
import { RiskState } from "../src/risk/state";
import { RiskReportInput, terminalRiskTable, writeRiskReport } from "../src/risk/report";
import { parseSimArgs } from "../src/sim/options";
import { runCascade } from "../src/risk/cascade";
import { assetVar, varGrid } from "../src/risk/var";

interface RiskArgs {
  rpc?: string;
  deployment?: string;
  block?: number;
  moves: number[];
  out?: string;
  varWindow: number;
  cascadeRounds: number;
  cascade: boolean;
  sim: string[];
}

function parse(argv: string[]): RiskArgs {
  const a: RiskArgs = {
    moves: DEFAULT_MOVES,
    varWindow: 1095,
    cascadeRounds: 100,
    cascade: true,
    sim: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--rpc") a.rpc = next();
    else if (arg === "--deployment") a.deployment = next();
    else if (arg === "--block") a.block = Number(next());
    else if (arg === "--out") a.out = path.resolve(next());
    else if (arg === "--var-window") {
      a.varWindow = Number(next());
      if (!Number.isInteger(a.varWindow) || a.varWindow < 30)
        throw new Error("--var-window: whole days, at least 30");
    } else if (arg === "--cascade-rounds") {
      a.cascadeRounds = Number(next());
      if (!Number.isInteger(a.cascadeRounds) || a.cascadeRounds < 1)
        throw new Error("--cascade-rounds: a positive integer");
    } else if (arg === "--no-cascade") a.cascade = false;
    else if (arg === "--moves") {
      a.moves = next()
        .split(",")
        .map((x) => Number(x));
      if (a.moves.some((m) => !(m > -1) || !Number.isFinite(m)))
        throw new Error("--moves: numbers > -1");
    } else a.sim.push(arg);
  }
  if (a.rpc && !a.deployment)
    throw new Error("--rpc needs --deployment <deployments/<network>.json>");
  return a;
}

/** State from a deployment over RPC. */
async function fromRpc(
  a: RiskArgs,
): Promise<{ provider: Eip1193; engine: string; state: RiskState; source: string }> {
  const record = JSON.parse(readFileSync(a.deployment as string, "utf8")) as DeploymentRecord;
  const need = (k: string): string => {
    const c = record.contracts[k];
    if (!c) throw new Error(`${a.deployment} has no ${k}`);
    return c.address;
  };
  const provider = rpcProvider(a.rpc as string);
  const engine = need("Crossmargin");
  const state = await loadRiskState({
    provider,
    engine,
    insuranceFund: need("InsuranceFund"),
    fromBlock: record.startBlock,
    marketNames: record.markets.map((m) => m.name),
    block: a.block,
  });
  return { provider, engine, state, source: `${a.rpc} (${record.network}, ${a.deployment})` };
}

/** State from a simulation on the in-process network. */
async function fromSimulation(
  a: RiskArgs,
): Promise<{ provider: Eip1193; engine: string; state: RiskState; source: string }> {
  const hre = (await import("hardhat")).default;
  const { deployWithHardhat } = await import("../deploy/hardhat");
  const { MarketSimulation } = await import("../src/sim/market-sim");
  const opts = parseSimArgs(a.sim.includes("--steps") ? a.sim : [...a.sim, "--steps", "48"]);
  if (opts.compile) {
    await hre
      .run("compile", { quiet: true })
      .catch((e: Error) => console.warn(`compile failed: ${e.message}`));
  }
  const system = await deployWithHardhat(hre, { persist: false });
  const sim = new MarketSimulation({ provider: hre.network.provider, system }, opts);
  console.log(`building state: ${sim.scenario.description} ${opts.traders} traders`);
  const r = await sim.run();
  if (r.violation) throw r.violation;
  const provider = hre.network.provider;
  const engine = await system.engine.getAddress();
  const state = await loadRiskState({
    provider,
    engine,
    insuranceFund: await system.insuranceFund.getAddress(),
    fromBlock: system.record.startBlock,
    marketNames: system.config.markets.map((m) => m.name),
    accounts: sim.ledger.ids(),
  });
  return {
    provider,
    engine,
    state,
    source: `in-process simulation (${opts.scenario}, seed ${opts.seed}, ${opts.traders} traders, ${r.stepsRun} steps)`,
  };
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const t0 = Date.now();
  const { provider, engine, state, source } = a.rpc ? await fromRpc(a) : await fromSimulation(a);
  const cc = await crossCheck(provider, engine, state);
  const assets = state.view.markets.map((m) => marketAsset(m.name));
  const v = assetVar(assets, { windowDays: a.varWindow });
  const vGrid = varGrid(v);
  const grids = [familyGrid(assets, a.moves), vGrid];
  if (assets.length >= 2)
    grids.push(pairGrid(assets[0] as string, assets[1] as string, assets.slice(2), a.moves));
  const cascaded = a.cascade ? [vGrid, grids[0]!] : [];
  const cascades = cascaded.map((grid) => ({
    grid,
    results: grid.shocks.map((row) =>
      row.map((s) => runCascade(state, s, { maxRounds: a.cascadeRounds })),
    ),
  }));
  const input: RiskReportInput = {
    source,
    block: state.view.block,
    accounts: state.accounts.length,
    activeAccounts: state.accounts.filter((x) => x.positions.size > 0 || x.quoteBalance < 0n)
      .length,
    quoteDecimals: state.view.quoteDecimals,
    insuranceFund: state.insuranceFund,
    prices: state.view.markets.map((m) => ({ name: m.name, price: Number(m.price) / 1e18 })),
    crossCheck: cc,
    grids: grids.map((grid) => ({ grid, results: evaluateGrid(state, grid) })),
    var: v,
    cascades,
  };
  const out = a.out ?? path.join(process.cwd(), "reports", "risk", a.rpc ? "rpc" : "sim");
  writeRiskReport(input, out);
  console.log(`\n${source}: ${state.accounts.length} accounts at block ${state.view.block}`);
  console.log(
    cc.mismatches.length === 0
      ? `model vs engine at zero shock: all ${cc.accounts} accounts agree to the wei (equity, IM, MM), pool value too`
      : `model vs engine: ${cc.mismatches.length} MISMATCHES\n  ${cc.mismatches.slice(0, 10).join("\n  ")}`,
  );
  console.log(terminalRiskTable(input));
  console.log(`report: ${path.join(out, "risk.md")} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (cc.mismatches.length > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

/** `npm run simulate -- [options]`: deploys the system on a local chain (by default an anvil child
 *  process, `--node hardhat` for Hardhat's in-process network) and runs the agent-based market
 *  simulation (src/sim), then writes report.md, summary.json, steps.csv and SVG charts. Exits 1
 *  (loudly) when an invariant fails. `--help` lists the options. */
import hre from "hardhat";
import { MarketSimulation } from "../src/sim/market-sim";
import { SIM_USAGE, parseSimArgs } from "../src/sim/options";
import { terminalSummary, writeReport } from "../src/sim/report";
import { SimNode, openSimNode } from "../src/sim/sim-node";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseSimArgs(argv);
  if (opts.help) {
    console.log(SIM_USAGE);
    return;
  }
  if (opts.compile) {
    try {
      await hre.run("compile", { quiet: true });
    } catch (err) {
      console.warn(`compile failed, using the existing artifacts: ${(err as Error).message}`);
    }
  }
  const t0 = Date.now();
  let node: SimNode | undefined;
  try {
    node = await openSimNode(opts.node, hre, { history: opts.nodeHistory });
    const sim = new MarketSimulation({ provider: node.provider, system: node.system }, opts);
    if (!opts.quiet) {
      console.log(`${sim.scenario.description}`);
      console.log(
        `${opts.traders} traders, ${opts.lps} LPs, keeper: ${opts.keeper}, node: ${opts.node}; report -> ${opts.out}`,
      );
    }
    const result = await sim.run();
    const command = `npm run simulate -- ${argv.join(" ")}`.trim();
    const summary = writeReport(result, opts.out, command, node.stats());
    console.log(terminalSummary(summary, opts.out));
    console.log(`  total:         ${((Date.now() - t0) / 1000).toFixed(1)} s (deploy included)`);
    if (result.violation) {
      console.error(`\nINVARIANT VIOLATED: ${result.violation.message}`);
      process.exitCode = 1;
    }
  } finally {
    await node?.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

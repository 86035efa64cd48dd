/** `npm run stress -- [options]`: many seeds x scenarios of the simulation, each in its own
 *  process, `--workers` at once; writes a report of the outcomes' distributions, whether the
 *  protocol meets its bar, and a recommended insurance-fund size. `--help` lists the options. */
import path from "node:path";
import { ProgressBar } from "../src/report/progress";
import { STRESS_USAGE, parseStressArgs, plan } from "../src/stress/plan";
import { buildReport, terminalStress, writeStressReport } from "../src/stress/report";
import { runPlan } from "../src/stress/runner";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseStressArgs(argv);
  if (o === "help") {
    console.log(STRESS_USAGE);
    return;
  }
  const root = path.resolve(__dirname, "..");
  if (o.compile) {
    const hre = (await import("hardhat")).default;
    await hre.run("compile", { quiet: true });
  }
  const jobs = plan(o);
  const bar = o.progress ? new ProgressBar(jobs.length, { label: "stress" }) : undefined;
  const t0 = Date.now();
  const { outcomes, failures, reused } = await runPlan(jobs, {
    workers: o.workers,
    root,
    resume: o.resume,
    onDone: () => bar?.tick(),
  });
  bar?.finish();
  const report = buildReport(
    `npm run stress -- ${argv.join(" ")}`.trim(),
    o,
    outcomes,
    failures,
    (Date.now() - t0) / 1000,
    reused,
  );
  writeStressReport(report, o.out);
  console.log(terminalStress(report, o.out));
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

/**
 * Runs a stress plan: each simulation in its own process (the in-process Hardhat network is
 * single-threaded), at most `workers` at once, and reads each run's summary.json.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Job } from "./plan";
import { RunOutcome, outcomeOf } from "./stats";

export interface RunFailure {
  scenario: string;
  seed: string;
  reason: string;
  log: string;
}

export interface RunnerResult {
  outcomes: RunOutcome[];
  failures: RunFailure[];
  /** Runs read from an earlier invocation (`resume`), not run now. */
  reused: number;
}

export interface RunnerOptions {
  workers: number;
  /** Repository root (where scripts/simulate.ts lives). */
  root: string;
  /** Called after each simulation ends (for a progress bar). */
  onDone?: (job: Job, ok: boolean) => void;
  /** Read a run's existing summary.json instead of running it again. */
  resume?: boolean;
  /** The command of one simulation; default ts-node on scripts/simulate.ts. */
  command?: (job: Job) => { file: string; args: string[] };
}

function defaultCommand(root: string) {
  const tsNode = require.resolve("ts-node/dist/bin.js", { paths: [root] });
  return (job: Job) => ({
    file: process.execPath,
    args: [tsNode, "--transpile-only", path.join(root, "scripts/simulate.ts"), ...job.args],
  });
}

/** Runs one simulation; resolves with its exit code (the log is written next to its report). */
function runOne(job: Job, o: RunnerOptions): Promise<{ code: number; log: string }> {
  mkdirSync(job.out, { recursive: true });
  const log = path.join(job.out, "sim.log");
  const out = createWriteStream(log);
  const cmd = (o.command ?? defaultCommand(o.root))(job);
  return new Promise((resolve) => {
    const child = spawn(cmd.file, cmd.args, {
      cwd: o.root,
      env: { ...process.env, HARDHAT_NETWORK: "hardhat" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on("error", (err) => {
      out.end(`\n${err.message}\n`);
      resolve({ code: -1, log });
    });
    child.on("close", (code) => {
      out.end();
      resolve({ code: code ?? -1, log });
    });
  });
}

function tail(file: string, lines = 8): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** Runs every job, `workers` at a time, in plan order; a failed run is reported, not fatal. */
export async function runPlan(jobs: readonly Job[], o: RunnerOptions): Promise<RunnerResult> {
  const outcomes: RunOutcome[] = [];
  const failures: RunFailure[] = [];
  let next = 0;
  let reused = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++] as Job;
      const done = o.resume === true && existsSync(path.join(job.out, "summary.json"));
      if (done) reused++;
      const { code, log } = done ? { code: 0, log: "" } : await runOne(job, o);
      let ok = false;
      if (code !== 0) {
        failures.push({
          scenario: job.scenario,
          seed: job.seed,
          reason: `exit code ${code}`,
          log: tail(log),
        });
      } else {
        try {
          const summary = JSON.parse(readFileSync(path.join(job.out, "summary.json"), "utf8"));
          outcomes.push(outcomeOf(job.scenario, job.seed, summary));
          ok = true;
        } catch (err) {
          failures.push({
            scenario: job.scenario,
            seed: job.seed,
            reason: (err as Error).message,
            log: tail(log),
          });
        }
      }
      o.onDone?.(job, ok);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.workers, jobs.length)) }, worker));
  const order = new Map(jobs.map((j, i) => [`${j.scenario}/${j.seed}`, i]));
  outcomes.sort(
    (a, b) =>
      (order.get(`${a.scenario}/${a.seed}`) ?? 0) - (order.get(`${b.scenario}/${b.seed}`) ?? 0),
  );
  return { outcomes, failures, reused };
}

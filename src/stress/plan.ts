/**
 * What a stress run simulates: scenarios x seeds, each one `npm run simulate` invocation.
 * A scenario spec is a simulator scenario name, optionally with a date window for historical
 * replays: `crash`, `trend`, `historical:2020-03-09:2020-03-15`.
 */
import os from "node:os";
import path from "node:path";

export interface StressOptions {
  scenarios: string[];
  seeds: number;
  /** First seed (seeds are firstSeed .. firstSeed + seeds - 1). */
  firstSeed: number;
  traders: number;
  workers: number;
  out: string;
  /** Passed to every simulation after the stress runner's own arguments. */
  simArgs: string[];
  progress: boolean;
  compile: boolean;
  /** Reuse the runs whose summary.json is already in `out` (an interrupted or extended run). */
  resume: boolean;
}

export interface Job {
  scenario: string;
  seed: string;
  out: string;
  args: string[];
}

/** March 2020 and May 2021: the two crashes in the data. */
export const DEFAULT_SCENARIOS = [
  "crash",
  "trend",
  "historical:2020-03-09:2020-03-15",
  "historical:2021-05-12:2021-05-22",
];

export const STRESS_USAGE = `npm run stress -- [options] [-- <simulate options>]

  --scenarios <list>  comma-separated: crash, trend, calm, historical:<from>:<to>
                      (default ${DEFAULT_SCENARIOS.join(",")})
  --seeds <n>         seeds per scenario (default 20)
  --first-seed <n>    first seed (default 1)
  --traders <n>       traders per simulation (default 200)
  --workers <n>       simulations run at once, one process each (default: the machine's cores)
  --out <dir>         report folder (default reports/stress)
  --no-progress       no progress bar
  --no-compile        do not run \`hardhat compile\` first
  --resume            reuse runs already in the report folder (their summary.json), run the rest
  -- <args>           passed to every simulation (e.g. -- --oracle-interval 60 --keeper-latency 5)
`;

function int(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min)
    throw new Error(`${name} must be an integer >= ${min}, got "${v}"`);
  return n;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Simulator arguments of one scenario spec; throws on a malformed spec. */
export function scenarioArgs(spec: string): string[] {
  const [name, from, to, extra] = spec.split(":");
  if (extra !== undefined) throw new Error(`scenario "${spec}": at most <name>:<from>:<to>`);
  if (name === "historical") {
    if (from === undefined || to === undefined || !DATE.test(from) || !DATE.test(to))
      throw new Error(`scenario "${spec}": historical needs :YYYY-MM-DD:YYYY-MM-DD`);
    if (from > to) throw new Error(`scenario "${spec}": the window ends before it starts`);
    return ["--scenario", "historical", "--from", from, "--to", to];
  }
  if (from !== undefined) throw new Error(`scenario "${spec}": only historical takes dates`);
  if (!["calm", "trend", "crash"].includes(name ?? ""))
    throw new Error(`unknown scenario "${name}" (calm, trend, crash, historical:<from>:<to>)`);
  return ["--scenario", name as string];
}

/** A folder-safe name of a scenario spec. */
export function scenarioSlug(spec: string): string {
  return spec.replace(/[^A-Za-z0-9-]+/g, "_");
}

export function parseStressArgs(
  argv: readonly string[],
  cwd = process.cwd(),
): StressOptions | "help" {
  const o: StressOptions = {
    scenarios: DEFAULT_SCENARIOS,
    seeds: 20,
    firstSeed: 1,
    traders: 200,
    workers: Math.max(1, os.availableParallelism?.() ?? os.cpus().length),
    out: path.resolve(cwd, "reports/stress"),
    simArgs: [],
    progress: true,
    compile: true,
    resume: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = () => argv[++i];
    if (a === "--") {
      o.simArgs = argv.slice(i + 1) as string[];
      break;
    } else if (a === "--help" || a === "-h") return "help";
    else if (a === "--scenarios") o.scenarios = (next() ?? "").split(",").filter((s) => s !== "");
    else if (a === "--seeds") o.seeds = int(a, next(), 1);
    else if (a === "--first-seed") o.firstSeed = int(a, next(), 0);
    else if (a === "--traders") o.traders = int(a, next(), 1);
    else if (a === "--workers") o.workers = int(a, next(), 1);
    else if (a === "--out") o.out = path.resolve(cwd, next() ?? "");
    else if (a === "--no-progress") o.progress = false;
    else if (a === "--no-compile") o.compile = false;
    else if (a === "--resume") o.resume = true;
    else throw new Error(`unknown option ${a} (--help lists them)`);
  }
  if (o.scenarios.length === 0) throw new Error("--scenarios needs at least one scenario");
  for (const s of o.scenarios) scenarioArgs(s);
  for (const a of ["--seed", "--traders", "--out", "--scenario"])
    if (o.simArgs.includes(a)) throw new Error(`${a} is set by the stress runner, not after --`);
  return o;
}

/** Every simulation of a stress run, scenario by scenario, seed by seed. */
export function plan(o: StressOptions): Job[] {
  const jobs: Job[] = [];
  for (const spec of o.scenarios) {
    for (let k = 0; k < o.seeds; k++) {
      const seed = String(o.firstSeed + k);
      const out = path.join(o.out, "runs", `${scenarioSlug(spec)}-seed${seed}`);
      const args = [
        ...scenarioArgs(spec),
        "--seed",
        seed,
        "--traders",
        String(o.traders),
        "--out",
        out,
        "--no-compile",
        "--no-progress",
        "--quiet",
        ...o.simArgs,
      ];
      jobs.push({ scenario: spec, seed, out, args });
    }
  }
  return jobs;
}

// Runs the mocha suite (`hardhat test`) and the forge suite (`forge test`), streaming their
// output live, then prints one closing line `N passed, N failed` summing both suites.
// Exits non-zero if either suite fails or if either suite ran zero tests.
// The closing line is also written to reports/test-summary.txt (read by .ci/run).
import { spawn } from "child_process";
import fs from "fs";
import path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const REPORTS = path.join(ROOT, "reports");
const MOCHA_TOTALS = path.join(REPORTS, "mocha-totals.json");
const SUMMARY = path.join(REPORTS, "test-summary.txt");
// The failing tests' names, one per line, and the tests that passed only on their retry, each
// with its first attempt's error (read by .ci/run to repeat them at the end of its log).
const FAILURES = path.join(REPORTS, "test-failures.txt");
const BIN = path.join(ROOT, "node_modules", ".bin");
// tools/forge execs the native binary; node_modules/.bin/forge (npm launcher) always exits 0.
const FORGE = path.join(ROOT, "tools", "forge");

/** A failed (or retried) mocha test, as scripts/ci/totals-reporter.ts records it. */
interface Failure {
  title: string;
  file: string;
  error: string;
}

interface Result {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  code: number;
  notes: string[];
  failures: string[];
  retried: string[];
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      process.stdout.write(d);
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      process.stderr.write(d);
      out += d.toString();
    });
    child.on("error", (err) => {
      process.stderr.write(`test-all: failed to start ${cmd}: ${err.message}\n`);
      resolve({ code: 127, out });
    });
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

async function runMocha(): Promise<Result> {
  fs.rmSync(MOCHA_TOTALS, { force: true });
  const env = {
    ...process.env,
    MOCHA_REPORTER: path.join(__dirname, "totals-reporter.ts"),
    MOCHA_TOTALS_FILE: MOCHA_TOTALS,
  };
  const r = await run(path.join(BIN, "hardhat"), ["test"], env);
  const res: Result = {
    name: "hardhat",
    passed: 0,
    failed: 0,
    skipped: 0,
    code: r.code,
    notes: [],
    failures: [],
    retried: [],
  };
  if (fs.existsSync(MOCHA_TOTALS)) {
    const t = JSON.parse(fs.readFileSync(MOCHA_TOTALS, "utf8")) as {
      passes: number;
      failures: number;
      pending: number;
      failed?: Failure[];
      retried?: Failure[];
    };
    const line = (f: Failure) => `${f.file}: ${f.title}: ${f.error}`;
    res.failures = (t.failed ?? []).map(line);
    res.retried = (t.retried ?? []).map(line);
    res.passed = t.passes;
    res.failed = t.failures;
    res.skipped = t.pending;
  } else {
    // Fallback: spec reporter's "N passing / N failing / N pending" lines.
    const text = r.out.replace(ANSI, "");
    const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
    res.passed = num(/^\s*(\d+) passing/m);
    res.failed = num(/^\s*(\d+) failing/m);
    res.skipped = num(/^\s*(\d+) pending/m);
    res.notes.push("mocha totals file missing; parsed spec output");
  }
  return res;
}

async function runForge(): Promise<Result> {
  const r = await run(FORGE, ["test"], { ...process.env, NO_COLOR: "1" });
  const text = r.out.replace(ANSI, "");
  const res: Result = {
    name: "forge",
    passed: 0,
    failed: 0,
    skipped: 0,
    code: r.code,
    notes: [],
    // "[FAIL: reason] testName(...)" lines, each with its reason; forge prints each twice (as
    // the test runs, then under "Failing tests"), so each is kept once
    failures: [...new Set([...text.matchAll(/^\[FAIL[^\n]*$/gm)].map((m) => m[0].slice(0, 600)))],
    retried: [],
  };
  // Final summary: "Ran 3 test suites in 1.23s (...): 10 tests passed, 1 failed, 0 skipped (11 total tests)"
  const m = /Ran \d+ test suites? in .*?: (\d+) tests? passed, (\d+) failed, (\d+) skipped/.exec(
    text,
  );
  if (m) {
    res.passed = Number(m[1]);
    res.failed = Number(m[2]);
    res.skipped = Number(m[3]);
  } else {
    // Fallback: sum per-suite lines "Suite result: ok. 3 passed; 0 failed; 0 skipped; ..."
    const re = /Suite result: \w+\. (\d+) passed; (\d+) failed; (\d+) skipped/g;
    for (const s of text.matchAll(re)) {
      res.passed += Number(s[1]);
      res.failed += Number(s[2]);
      res.skipped += Number(s[3]);
    }
  }
  return res;
}

function judge(r: Result): boolean {
  let ok = true;
  if (r.code !== 0 && r.failed === 0) {
    // e.g. a compile error: no test was reported failing, but the suite did not succeed
    r.notes.push(
      `exited with code ${r.code} without reporting a failing test; counted as 1 failure`,
    );
    r.failed = 1;
  }
  if (r.failed > 0 || r.code !== 0) ok = false;
  if (r.passed + r.failed === 0) {
    r.notes.push("ran zero tests");
    ok = false;
  }
  return ok;
}

async function main(): Promise<void> {
  const results = [await runMocha(), await runForge()];
  const oks = results.map(judge);
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);

  process.stdout.write("\n==== test summary ====\n");
  for (const r of results) {
    const notes = r.notes.length ? ` (${r.notes.join("; ")})` : "";
    const retried = r.retried.length ? `, ${r.retried.length} passed only on a retry` : "";
    process.stdout.write(
      `${r.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${retried}, exit ${r.code}${notes}\n`,
    );
  }
  const named = [
    ...results.flatMap((r) => r.retried.map((f) => `RETRIED ${r.name}: ${f}`)),
    ...results.flatMap((r) => r.failures.map((f) => `FAILED ${r.name}: ${f}`)),
  ];
  for (const f of named) process.stdout.write(`${f}\n`);
  const line = `${passed} passed, ${failed} failed`;
  fs.mkdirSync(REPORTS, { recursive: true });
  fs.writeFileSync(FAILURES, named.map((f) => f + "\n").join(""));
  fs.writeFileSync(SUMMARY, line + "\n");
  process.stdout.write(line + "\n");
  process.exitCode = oks.every(Boolean) ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  fs.mkdirSync(REPORTS, { recursive: true });
  fs.writeFileSync(SUMMARY, "0 passed, 1 failed\n");
  process.stdout.write("0 passed, 1 failed\n");
  process.exitCode = 1;
});

/**
 * `npm run coverage`: solidity-coverage over the contract-facing mocha suites, in two shards that
 * run at the same time (one per core), merged into one report and checked against the CI minimums
 * (95 % lines, 90 % branches; mocks excluded by .solcover.js).
 *
 * Instrumented contracts run the suites about four times slower than `npm test`, so one process
 * would take most of CI's time budget. Shard 0 runs in the repository; shard 1 in a copy of the
 * sources under the OS temp directory that shares `node_modules`. Each writes its own
 * `coverage.json`; the hit counts are summed per file, line and branch, so the merged figures
 * are what one run over all the files would report.
 *
 * Usage: ts-node scripts/ci/coverage.ts [--shards N] (1 runs everything in the repository).
 */
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");
const MIN = { lines: 95, branches: 90 };
/** Folders of test/hardhat, balanced by their measured time under coverage (seconds of mocha
 *  time on two busy cores: risk 410, liquidation 220, lens 160 | markets 300, pool 170,
 *  orders 130, adversarial 115, vault 80). */
const SHARDS = [
  ["risk", "liquidation", "lens"],
  ["vault", "pool", "orders", "adversarial", "markets"],
];
/** Not copied into a shard's directory: build output, reports and the shared install. */
const SKIP = new Set([".git", "node_modules", "artifacts", "cache", "coverage", "reports"]);

interface FileCoverage {
  l: Record<string, number>;
  b: Record<string, number[]>;
  f: Record<string, number>;
  s: Record<string, number>;
  [key: string]: unknown;
}
type CoverageMap = Record<string, FileCoverage>;

function glob(folders: string[]): string {
  return `test/hardhat/{${folders.join(",")}}/**/*.test.ts`;
}

function shardDir(i: number): string {
  if (i === 0) return ROOT;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `crossmargin-coverage-${i}-`));
  for (const entry of fs.readdirSync(ROOT)) {
    if (SKIP.has(entry)) continue;
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

function run(i: number, dir: string, folders: string[]): Promise<{ code: number; log: string }> {
  const log = path.join(ROOT, "reports", `coverage-shard-${i}.log`);
  const out = fs.openSync(log, "w");
  const args = ["clean"];
  return new Promise((resolve) => {
    const clean = spawn(HARDHAT, args, {
      cwd: dir,
      stdio: ["ignore", out, out],
      env: { ...process.env, VIA_IR: "0" },
    });
    clean.on("close", () => {
      const child = spawn(HARDHAT, ["coverage", "--testfiles", glob(folders)], {
        cwd: dir,
        stdio: ["ignore", out, out],
        env: { ...process.env, VIA_IR: "0" }, // see hardhat.config.ts
      });
      child.on("close", (code) => {
        fs.closeSync(out);
        resolve({ code: code ?? 1, log });
      });
    });
  });
}

function sum<T extends number | number[]>(a: Record<string, T>, b: Record<string, T>) {
  const outMap: Record<string, T> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = outMap[k];
    if (prev === undefined) outMap[k] = v;
    else if (Array.isArray(v)) outMap[k] = v.map((n, j) => n + (prev as number[])[j]) as T;
    else outMap[k] = ((prev as number) + (v as number)) as T;
  }
  return outMap;
}

function merge(maps: CoverageMap[]): CoverageMap {
  const merged: CoverageMap = {};
  for (const map of maps) {
    for (const [file, cov] of Object.entries(map)) {
      const prev = merged[file];
      merged[file] = prev
        ? {
            ...prev,
            l: sum(prev.l, cov.l),
            b: sum(prev.b, cov.b),
            f: sum(prev.f, cov.f),
            s: sum(prev.s, cov.s),
          }
        : cov;
    }
  }
  return merged;
}

function totals(map: CoverageMap) {
  const t = { lines: [0, 0], branches: [0, 0], functions: [0, 0] };
  for (const cov of Object.values(map)) {
    for (const n of Object.values(cov.l)) t.lines = [t.lines[0] + (n > 0 ? 1 : 0), t.lines[1] + 1];
    for (const arms of Object.values(cov.b))
      for (const n of arms) t.branches = [t.branches[0] + (n > 0 ? 1 : 0), t.branches[1] + 1];
    for (const n of Object.values(cov.f))
      t.functions = [t.functions[0] + (n > 0 ? 1 : 0), t.functions[1] + 1];
  }
  return t;
}

function mochaLine(log: string): string {
  const text = fs.readFileSync(log, "utf8");
  const lines = text.split("\n").filter((l) => /^\s+\d+ (passing|pending|failing)/.test(l));
  return lines.map((l) => l.trim()).join(", ");
}

async function main(): Promise<void> {
  const flag = process.argv.indexOf("--shards");
  const n = flag >= 0 ? Number(process.argv[flag + 1]) : SHARDS.length;
  const shards = n === 1 ? [SHARDS.flat()] : SHARDS;
  fs.mkdirSync(path.join(ROOT, "reports"), { recursive: true });
  const dirs = shards.map((_, i) => shardDir(i));
  const t0 = Date.now();
  console.log(`coverage: ${shards.length} shard(s): ${shards.map((s) => s.join(",")).join(" | ")}`);
  const results = await Promise.all(shards.map((folders, i) => run(i, dirs[i], folders)));
  let failed = false;
  const maps: CoverageMap[] = [];
  results.forEach((r, i) => {
    console.log(
      `coverage: shard ${i} exit ${r.code}: ${mochaLine(r.log)} (log ${path.relative(ROOT, r.log)})`,
    );
    if (r.code !== 0) {
      failed = true;
      // The failures and their stacks, from the mocha summary on.
      const text = fs.readFileSync(r.log, "utf8");
      const at = text.search(/^\s+\d+ passing/m);
      process.stdout.write(at >= 0 ? text.slice(at) : text.slice(-20000));
    }
    const file = path.join(dirs[i], "coverage.json");
    if (fs.existsSync(file)) maps.push(JSON.parse(fs.readFileSync(file, "utf8")) as CoverageMap);
    else failed = true;
  });
  const merged = merge(maps);
  fs.mkdirSync(path.join(ROOT, "coverage"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, "coverage", "merged-coverage.json"), JSON.stringify(merged));
  const t = totals(merged);
  for (const [key, [covered, total]] of Object.entries(t)) {
    const pct = total === 0 ? 100 : (100 * covered) / total;
    const min = MIN[key as keyof typeof MIN];
    const pass = min === undefined || pct >= min;
    failed ||= !pass;
    const bound = min === undefined ? "" : `, minimum ${min} % ${pass ? "ok" : "FAILED"}`;
    console.log(`coverage ${key}: ${pct.toFixed(2)} % (${covered}/${total})${bound}`);
  }
  for (const dir of dirs.slice(1)) fs.rmSync(dir, { recursive: true, force: true });
  console.log(`coverage: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (failed) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

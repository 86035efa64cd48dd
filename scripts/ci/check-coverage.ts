/**
 * Reads coverage/coverage-summary.json (written by `npm run coverage`) and fails unless
 * line coverage >= 95 % and branch coverage >= 90 % over contracts/ (mocks excluded by .solcover.js).
 */
import fs from "fs";
import path from "path";

const SUMMARY = path.join(__dirname, "..", "..", "coverage", "coverage-summary.json");
const MIN = { lines: 95, branches: 90 };

interface Totals {
  pct: number;
  covered: number;
  total: number;
}

function main(): void {
  if (!fs.existsSync(SUMMARY)) {
    console.error(`coverage: ${SUMMARY} not found; run npm run coverage first`);
    process.exit(1);
  }
  const total = JSON.parse(fs.readFileSync(SUMMARY, "utf8")).total as Record<string, Totals>;
  let ok = true;
  for (const [key, min] of Object.entries(MIN)) {
    const t = total[key];
    const pass = t.pct >= min;
    ok &&= pass;
    console.log(
      `coverage ${key}: ${t.pct.toFixed(2)} % (${t.covered}/${t.total}), minimum ${min} % ${pass ? "ok" : "FAILED"}`,
    );
  }
  for (const key of ["statements", "functions"]) {
    const t = total[key];
    if (t.total === 0) continue; // not instrumented (.solcover.js)
    console.log(`coverage ${key}: ${t.pct.toFixed(2)} % (${t.covered}/${t.total})`);
  }
  if (!ok) process.exit(1);
}

main();

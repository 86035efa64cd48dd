/** Compiles src/ twice with tsc: ES modules to dist/esm and CommonJS to dist/cjs, each with
 *  .d.ts types, and marks dist/cjs as CommonJS (the package itself is "type": "module"). */
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(pkgDir, "package.json"));
const tsc = require.resolve("typescript/bin/tsc");
const dist = path.join(pkgDir, "dist");

fs.rmSync(dist, { recursive: true, force: true });
for (const config of ["tsconfig.esm.json", "tsconfig.cjs.json"]) {
  execFileSync(process.execPath, [tsc, "-p", path.join(pkgDir, config)], { stdio: "inherit" });
}
fs.writeFileSync(
  path.join(dist, "cjs", "package.json"),
  JSON.stringify({ type: "commonjs" }, null, 2) + "\n",
);
console.log(`sdk build: ${path.relative(process.cwd(), dist) || dist} (esm + cjs)`);

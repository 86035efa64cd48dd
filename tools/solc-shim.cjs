"use strict";
// Minimal `solc` CLI emulation on top of the npm solc package (soljson.js wasm).
// forge runs: `solc --version` and `solc --standard-json [--allow-paths ..] [--base-path ..]`
// with the standard-JSON input on stdin (all sources inlined by forge).
const path = require("path");
const fs = require("fs");
const solc = require(require.resolve("solc", { paths: [path.resolve(__dirname, "..")] }));
const args = process.argv.slice(2);

if (args.includes("--version")) {
  const v = solc.version().replace(/\.Emscripten\.clang$/, "");
  process.stdout.write(
    `solc, the solidity compiler commandline interface\nVersion: ${v}.Linux.g++\n`,
  );
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write(`solc shim: unsupported arguments: ${args.join(" ")}\n`);
  process.exit(2);
}
const input = fs.readFileSync(0, "utf8");
const basePathIdx = args.indexOf("--base-path");
const base = basePathIdx >= 0 ? args[basePathIdx + 1] : process.cwd();
// Import callback for any file not inlined in the input (forge normally inlines everything).
function findImports(p) {
  for (const cand of [path.resolve(base, p), path.resolve(p)]) {
    if (fs.existsSync(cand)) return { contents: fs.readFileSync(cand, "utf8") };
  }
  return { error: `File not found: ${p}` };
}
process.stdout.write(solc.compile(input, { import: findImports }));

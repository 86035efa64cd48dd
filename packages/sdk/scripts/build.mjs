/** Builds dist/ with the TypeScript compiler: `tsc` type-checks src/ once and emits ES modules
 *  with .d.ts types to dist/esm; the CommonJS build in dist/cjs is the same sources transpiled
 *  file by file (no second type-check) with the same .d.ts files, and is marked CommonJS (the
 *  package itself is "type": "module"). */
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(pkgDir, "package.json"));
const ts = require("typescript");
const src = path.join(pkgDir, "src");
const dist = path.join(pkgDir, "dist");
const esm = path.join(dist, "esm");
const cjs = path.join(dist, "cjs");

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.esm.json"], {
  cwd: pkgDir,
  stdio: "inherit",
});

function walk(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const options = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2020,
  esModuleInterop: true,
};
for (const file of walk(src).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))) {
  const rel = path.relative(src, file).replace(/\.ts$/, "");
  const out = ts.transpileModule(fs.readFileSync(file, "utf8"), {
    compilerOptions: options,
    fileName: file,
    reportDiagnostics: true,
  });
  if (out.diagnostics?.length) {
    const msg = ts.formatDiagnostics(out.diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => pkgDir,
      getNewLine: () => "\n",
    });
    throw new Error(`sdk build: ${rel}.ts:\n${msg}`);
  }
  fs.mkdirSync(path.dirname(path.join(cjs, rel)), { recursive: true });
  fs.writeFileSync(path.join(cjs, `${rel}.js`), out.outputText);
  fs.copyFileSync(path.join(esm, `${rel}.d.ts`), path.join(cjs, `${rel}.d.ts`));
}
fs.writeFileSync(
  path.join(cjs, "package.json"),
  JSON.stringify({ type: "commonjs" }, null, 2) + "\n",
);
console.log("sdk build: dist/esm (tsc) + dist/cjs");

/** Building and packing the SDK (packages/sdk) from tests. */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const REPO = path.resolve(__dirname, "..", "..");
export const SDK_DIR = path.join(REPO, "packages", "sdk");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** Runs npm in the repository; throws with npm's output when it fails. */
export async function npm(args: string[], cwd = REPO, timeoutMs = 180_000): Promise<string> {
  try {
    const { stdout } = await run(NPM, args, {
      cwd,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false" },
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `npm ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`,
    );
  }
}

function newestMtime(dir: string, skip: (p: string) => boolean): number {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (skip(p)) continue;
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p, skip) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the SDK unless dist/ is newer than its sources, its build scripts and the compiled
 *  contracts (artifacts/build-info). */
export async function ensureSdkBuilt(): Promise<void> {
  const built = path.join(SDK_DIR, "dist", "cjs", "index.js");
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const generated = path.join(SDK_DIR, "src", "generated");
  const inputs = Math.max(
    newestMtime(path.join(SDK_DIR, "src"), (p) => p === generated),
    newestMtime(path.join(SDK_DIR, "scripts"), () => false),
    newestMtime(path.join(REPO, "artifacts", "build-info"), () => false),
  );
  if (builtAt > inputs) return;
  await npm(["run", "build", "-w", "@crossmargin/sdk"]);
}

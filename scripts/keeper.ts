/** `npm run keeper -- [options]`: the liquidation keeper for any JSON-RPC endpoint.
 *
 *  The npm script runs this file directly (`ts-node --transpile-only scripts/keeper.ts`), so
 *  SIGTERM and SIGINT reach the keeper: it stops starting passes, waits for the receipts of the
 *  transactions it sent (up to --drain-timeout), saves its state and exits 0. Contracts are
 *  compiled from here when the typechain bindings are missing, or always with --compile.
 *
 *  Settings come from flags, then KEEPER_* environment variables, then a JSON file
 *  (--config <file> or KEEPER_CONFIG), then defaults: `--help` lists them, docs/keeper.md
 *  explains them. Key: KEEPER_PRIVATE_KEY; on a local chain (id 31337) the node's first
 *  account by default. */
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import {
  ConfigError,
  KeeperConfig,
  SETTINGS,
  configKey,
  envName,
  loadConfig,
} from "../src/keeper/config";

const ROOT = path.resolve(__dirname, "..");

function help(): string {
  const rows = Object.entries(SETTINGS).map(([name, s]) => {
    const flag = s.kind === "boolean" ? `--${name}` : `--${name} <${s.kind}>`;
    const def = "default" in s ? ` (default ${String(s.default)})` : "";
    return `  ${flag.padEnd(34)} ${s.help}${def}\n  ${"".padEnd(34)} env ${envName(name)}, config key ${configKey(name)}`;
  });
  return [
    "usage: npm run keeper -- [--config <file>] [options]",
    "precedence: flags > KEEPER_* environment > config file > defaults",
    ...rows,
    "  key: KEEPER_PRIVATE_KEY (local chain 31337: the node's first account by default)",
  ].join("\n");
}

/** Compiles when asked to, or when the bindings the keeper imports are missing. */
function ensureCompiled(cfg: KeeperConfig): void {
  const missing =
    !fs.existsSync(path.join(ROOT, "typechain-types", "index.ts")) ||
    !fs.existsSync(path.join(ROOT, "artifacts"));
  if (!cfg.compile && !missing) return;
  const hardhat = path.join(ROOT, "node_modules", ".bin", "hardhat");
  const r = spawnSync(hardhat, ["compile", "--quiet"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`hardhat compile failed (exit ${r.status ?? r.signal})`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(help());
    return 0;
  }
  let cfg: KeeperConfig;
  try {
    cfg = loadConfig(argv);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(
      `keeper: configuration error: ${err.message}\n(npm run keeper -- --help)\n`,
    );
    return 2;
  }
  ensureCompiled(cfg);
  // Loaded after compiling: it imports the typechain bindings.
  const { runKeeper, makeLogger } = await import("../src/keeper/cli");
  const log = makeLogger(cfg);
  try {
    return await runKeeper(cfg, log);
  } catch (err) {
    log({
      event: "fatal",
      level: "error",
      error: err instanceof Error ? err.message : String(err),
    });
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

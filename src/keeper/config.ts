/** The keeper's configuration: command-line flags, then `KEEPER_*` environment variables, then a
 *  JSON config file (`--config <file>` or `KEEPER_CONFIG`), then the defaults, in that order of
 *  precedence. Everything is validated before the keeper starts: an unknown flag or config key,
 *  a number that is not one, a URL that is not http(s) or ws(s) stop it with a message that
 *  names the setting and where it came from. The private key stays in `KEEPER_PRIVATE_KEY` only. */
import fs from "fs";
import { parseArgs } from "util";
import { parseUnits } from "ethers";
import type { ActionKind } from "./actions";

type Kind = "string" | "boolean" | "url" | "urls" | "int" | "decimal" | "gwei" | "enum";

interface Spec {
  kind: Kind;
  default?: string | boolean;
  /** Lower bound for ints (inclusive). */
  min?: number;
  max?: number;
  values?: readonly string[];
  /** For strings: the form the value must have. */
  pattern?: RegExp;
  help: string;
}

/** Every setting, by flag name. The env variable is `KEEPER_` + the name in upper snake case
 *  (`min-profit` -> `KEEPER_MIN_PROFIT`); the config-file key is the name in camel case
 *  (`minProfit`). */
export const SETTINGS = {
  rpc: {
    kind: "urls",
    default: "http://127.0.0.1:8545",
    help: "JSON-RPC endpoints, comma-separated or repeated: the first healthy one is used",
  },
  "rpc-failover-after": {
    kind: "int",
    default: "3",
    min: 1,
    help: "retryable RPC failures in a row before switching to the next endpoint",
  },
  "rpc-primary-retry": {
    kind: "int",
    default: "60000",
    min: 1,
    help: "ms between attempts to return to the first endpoint after a failover",
  },
  deployment: { kind: "string", help: "deployment record (default: by chain id in deployments/)" },
  once: { kind: "boolean", default: false, help: "one pass, then exit" },
  interval: { kind: "int", default: "5000", min: 0, help: "ms between passes" },
  "min-profit": {
    kind: "decimal",
    default: "0.5",
    help: "USD after gas for actions without their own threshold",
  },
  "min-profit-liquidate": { kind: "decimal", help: "USD after gas for liquidations" },
  "min-profit-baddebt": {
    kind: "decimal",
    help: "USD after gas to liquidate a bankrupt account (writes its debt off; pays no reward)",
  },
  "min-profit-topup": { kind: "decimal", help: "USD after gas for reserve top-ups" },
  "min-profit-collateral": { kind: "decimal", help: "USD after gas for collateral liquidations" },
  "min-profit-adl": { kind: "decimal", help: "USD after gas for auto-deleveraging" },
  "min-profit-settle": { kind: "decimal", default: "0", help: "USD after gas to settle an order" },
  "min-profit-cancel": { kind: "decimal", default: "0", help: "USD after gas to cancel an order" },
  "ignore-profit": { kind: "boolean", default: false, help: "act whatever the profit" },
  state: { kind: "string", help: "state file (default .keeper-state-<chainId>-<engine>.json)" },
  "batch-size": { kind: "int", default: "500", min: 1, help: "accounts per batchHealth call" },
  "page-size": { kind: "int", default: "10000", min: 1, help: "blocks per log query at start" },
  confirmations: { kind: "int", default: "0", min: 0, help: "index up to head - n" },
  "eth-usd": {
    kind: "string",
    pattern: /^(market:\d+|collateral:0x[0-9a-fA-F]{40}|fixed:\d+(\.\d+)?)$/,
    help: "market:<id> | collateral:<address> | fixed:<usd>",
  },
  "max-retries": { kind: "int", default: "5", min: 0, help: "retries per RPC request" },
  "receipt-timeout": {
    kind: "int",
    default: "180000",
    min: 1,
    help: "ms to wait for a receipt before giving up on it",
  },
  "max-fee-gwei": {
    kind: "gwei",
    default: "100",
    help: "cap on maxFeePerGas (or gas price): actions needing more are skipped",
  },
  "priority-fee-gwei": {
    kind: "gwei",
    default: "2",
    help: "cap on the priority fee (tip) of a first send",
  },
  "replace-after": {
    kind: "int",
    default: "30000",
    min: 1,
    help: "ms without a receipt before a transaction is re-sent with fees +12.5 %",
  },
  "max-replacements": {
    kind: "int",
    default: "5",
    min: 0,
    help: "replacements per transaction at most",
  },
  "drain-timeout": {
    kind: "int",
    default: "30000",
    min: 0,
    help: "ms to wait for in-flight receipts after SIGTERM/SIGINT",
  },
  "liquidate-collateral": { kind: "boolean", default: false, help: "repay debt for collateral" },
  "collect-fees-usd": {
    kind: "decimal",
    help: "withdraw the order fees credited to the keeper's account at this many USD (off)",
  },
  "sweep-fund-usd": {
    kind: "decimal",
    help: "sweep the penalties accrued for the insurance fund at this many USD (off)",
  },
  "log-format": {
    kind: "enum",
    default: "text",
    values: ["json", "text"],
    help: "readable text lines, or one JSON object per line",
  },
  debug: { kind: "boolean", default: false, help: "also log debug lines" },
  "metrics-port": {
    kind: "int",
    min: 0,
    max: 65535,
    help: "serve /metrics and /healthz on this port (off by default; 0 = any free port)",
  },
  "metrics-host": { kind: "string", default: "127.0.0.1", help: "address the metrics bind to" },
  "health-max-age": {
    kind: "int",
    min: 1,
    help: "ms since the last good pass before /healthz says 503 (default max(60000, 3 x interval))",
  },
  compile: { kind: "boolean", default: false, help: "run hardhat compile before starting" },
} as const satisfies Record<string, Spec>;

export type SettingName = keyof typeof SETTINGS;

export interface KeeperConfig {
  /** Endpoints in order of preference (at least one). */
  rpc: string[];
  rpcFailoverAfter: number;
  rpcPrimaryRetryMs: number;
  maxFeeWei: bigint;
  priorityFeeWei: bigint;
  replaceAfterMs: number;
  maxReplacements: number;
  deployment?: string;
  once: boolean;
  intervalMs: number;
  minProfitUsd: string;
  /** Per-action thresholds (USD) that were set, explicitly or by default. */
  minProfitByAction: Partial<Record<ActionKind, string>>;
  ignoreProfit: boolean;
  state?: string;
  batchSize: number;
  pageSize: number;
  confirmations: number;
  ethUsd?: string;
  maxRetries: number;
  receiptTimeoutMs: number;
  drainTimeoutMs: number;
  liquidateCollateral: boolean;
  /** USD thresholds of the opt-in housekeeping (src/keeper/housekeeping.ts). */
  collectFeesUsd?: string;
  sweepFundUsd?: string;
  logFormat: "json" | "text";
  debug: boolean;
  metricsPort?: number;
  metricsHost: string;
  healthMaxAgeMs: number;
  compile: boolean;
  /** Where each setting came from (flag, env, config, default): startup log. */
  sources: Record<string, "flag" | "env" | "config" | "default">;
  /** `KEEPER_*` variables that name no setting (warned about, not fatal). */
  unknownEnv: string[];
}

export class ConfigError extends Error {}

const ENV_RESERVED = new Set(["KEEPER_PRIVATE_KEY", "KEEPER_CONFIG"]);

export const envName = (name: string) => "KEEPER_" + name.toUpperCase().replace(/-/g, "_");
export const configKey = (name: string) =>
  name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

function validate(name: SettingName, raw: unknown, where: string): string | boolean {
  const spec: Spec = SETTINGS[name];
  const bad = (why: string) =>
    new ConfigError(`${where}: ${why}, got ${JSON.stringify(raw)} (${spec.help})`);
  if (spec.kind === "boolean") {
    if (typeof raw === "boolean") return raw;
    if (typeof raw === "string" && /^(1|true|yes|on)$/i.test(raw)) return true;
    if (typeof raw === "string" && /^(0|false|no|off|)$/i.test(raw)) return false;
    throw bad("expected true or false");
  }
  if (spec.kind === "urls") {
    const list = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : [raw];
    const urls = list.map((u) => (typeof u === "string" ? u.trim() : u));
    if (urls.length === 0 || urls.some((u) => u === ""))
      throw bad("expected one or more URLs, comma-separated");
    return urls.map((u) => checkUrl(u, bad)).join(",");
  }
  if (typeof raw !== "string" && typeof raw !== "number") throw bad("expected a string or number");
  const s = String(raw).trim();
  switch (spec.kind) {
    case "int": {
      if (!/^\d+$/.test(s)) throw bad("expected a whole number");
      const n = Number(s);
      if (spec.min !== undefined && n < spec.min) throw bad(`expected at least ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw bad(`expected at most ${spec.max}`);
      return s;
    }
    case "decimal":
      if (!/^-?\d+(\.\d{1,18})?$/.test(s)) throw bad("expected a decimal number like 0.5");
      return s;
    case "url":
      return checkUrl(s, bad);
    case "gwei":
      if (!/^\d+(\.\d{1,9})?$/.test(s) || /^[0.]+$/.test(s))
        throw bad("expected a positive number of gwei like 1.5");
      return s;
    case "enum":
      if (!spec.values!.includes(s)) throw bad(`expected one of ${spec.values!.join(", ")}`);
      return s;
    default:
      if (s === "") throw bad("expected a non-empty value");
      if (spec.pattern && !spec.pattern.test(s)) throw bad(`expected ${spec.help}`);
      return s;
  }
}

function checkUrl(raw: unknown, bad: (why: string) => ConfigError): string {
  if (typeof raw !== "string") throw bad("expected a URL");
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad("expected a URL");
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(u.protocol))
    throw bad("expected an http(s) or ws(s) URL");
  return raw;
}

/** Reads the configuration from `argv` (without node and script), `env` and the config file
 *  they name. Throws {@link ConfigError} with a clear message on any invalid setting. */
export function loadConfig(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  readFile: (file: string) => string = (f) => fs.readFileSync(f, "utf8"),
): KeeperConfig {
  const names = Object.keys(SETTINGS) as SettingName[];
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {
    config: { type: "string" },
  };
  for (const n of names) {
    const kind: Kind = SETTINGS[n].kind;
    options[n] = { type: kind === "boolean" ? "boolean" : "string", multiple: kind === "urls" };
  }
  let flags: Record<string, string | boolean | string[] | undefined>;
  try {
    flags = parseArgs({ args: argv, options, strict: true, allowPositionals: false })
      .values as typeof flags;
  } catch (err) {
    throw new ConfigError(`command line: ${err instanceof Error ? err.message : String(err)}`);
  }

  const configFile = (flags.config as string | undefined) ?? (env.KEEPER_CONFIG || undefined);
  let file: Record<string, unknown> = {};
  if (configFile) {
    let text: string;
    try {
      text = readFile(configFile);
    } catch (err) {
      throw new ConfigError(
        `config file ${configFile}: cannot read it (${(err as Error).message})`,
      );
    }
    try {
      file = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${configFile}: not JSON (${(err as Error).message})`);
    }
    if (typeof file !== "object" || file === null || Array.isArray(file))
      throw new ConfigError(`config file ${configFile}: expected a JSON object`);
    const known = new Map(names.map((n) => [configKey(n), n]));
    const unknown = Object.keys(file).filter((k) => !known.has(k));
    if (unknown.length > 0)
      throw new ConfigError(
        `config file ${configFile}: unknown key${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (known: ${[...known.keys()].join(", ")})`,
      );
  }

  const known = new Set(names.map(envName));
  const unknownEnv = Object.keys(env).filter(
    (k) =>
      k.startsWith("KEEPER_") &&
      !known.has(k) &&
      !ENV_RESERVED.has(k) &&
      !k.startsWith("KEEPER_TEST_"),
  );

  const v = {} as Record<SettingName, string | boolean | undefined>;
  const sources: KeeperConfig["sources"] = {};
  for (const n of names) {
    const spec: Spec = SETTINGS[n];
    const e = env[envName(n)];
    const c = file[configKey(n)];
    const flag = flags[n];
    if (flag !== undefined) {
      // A repeated list flag (`--rpc a --rpc b,c`) joins its values.
      v[n] = validate(n, Array.isArray(flag) ? flag.join(",") : flag, `--${n}`);
      sources[n] = "flag";
    } else if (e !== undefined && e !== "") {
      v[n] = validate(n, e, envName(n));
      sources[n] = "env";
    } else if (c !== undefined && c !== null) {
      v[n] = validate(n, c, `config file ${configFile}: ${configKey(n)}`);
      sources[n] = "config";
    } else if (spec.default !== undefined) {
      v[n] = spec.default;
      sources[n] = "default";
    }
  }

  const str = (n: SettingName) => v[n] as string | undefined;
  const int = (n: SettingName) => (v[n] === undefined ? undefined : Number(v[n]));
  const minProfitByAction: KeeperConfig["minProfitByAction"] = {};
  for (const kind of [
    "liquidate",
    "baddebt",
    "topup",
    "collateral",
    "adl",
    "settle",
    "cancel",
  ] as const) {
    const t = str(`min-profit-${kind}`);
    if (t !== undefined) minProfitByAction[kind] = t;
  }
  const intervalMs = int("interval")!;
  const maxFeeWei = parseUnits(str("max-fee-gwei")!, "gwei");
  const priorityFeeWei = parseUnits(str("priority-fee-gwei")!, "gwei");
  if (priorityFeeWei > maxFeeWei)
    throw new ConfigError(
      `priority-fee-gwei (${str("priority-fee-gwei")}, from ${sources["priority-fee-gwei"]}) exceeds max-fee-gwei (${str("max-fee-gwei")}, from ${sources["max-fee-gwei"]})`,
    );
  for (const name of ["collect-fees-usd", "sweep-fund-usd"] as const) {
    if (str(name)?.startsWith("-"))
      throw new ConfigError(`${name} (${str(name)}, from ${sources[name]}) must not be negative`);
  }
  return {
    rpc: str("rpc")!.split(","),
    rpcFailoverAfter: int("rpc-failover-after")!,
    rpcPrimaryRetryMs: int("rpc-primary-retry")!,
    maxFeeWei,
    priorityFeeWei,
    replaceAfterMs: int("replace-after")!,
    maxReplacements: int("max-replacements")!,
    deployment: str("deployment"),
    once: v.once as boolean,
    intervalMs,
    minProfitUsd: str("min-profit")!,
    minProfitByAction,
    ignoreProfit: v["ignore-profit"] as boolean,
    state: str("state"),
    batchSize: int("batch-size")!,
    pageSize: int("page-size")!,
    confirmations: int("confirmations")!,
    ethUsd: str("eth-usd"),
    maxRetries: int("max-retries")!,
    receiptTimeoutMs: int("receipt-timeout")!,
    drainTimeoutMs: int("drain-timeout")!,
    liquidateCollateral: v["liquidate-collateral"] as boolean,
    collectFeesUsd: str("collect-fees-usd"),
    sweepFundUsd: str("sweep-fund-usd"),
    logFormat: str("log-format") as "json" | "text",
    debug: v.debug as boolean,
    metricsPort: int("metrics-port"),
    metricsHost: str("metrics-host")!,
    healthMaxAgeMs: int("health-max-age") ?? Math.max(60_000, 3 * intervalMs),
    compile: v.compile as boolean,
    sources,
    unknownEnv,
  };
}

/** Command-line options of `npm run simulate` and their defaults. */
import path from "node:path";
import { INTRADAY_MODES, IntradayMode } from "./intraday";
import { KeeperKind } from "./keeper-step";
import { SCENARIOS, ScenarioName } from "./scenarios";

/** Where the chain runs: an anvil child process, or Hardhat's in-process network (EDR). */
export type NodeKind = "anvil" | "hardhat";
export const NODE_KINDS: readonly NodeKind[] = ["anvil", "hardhat"];

export interface SimOptions {
  node: NodeKind;
  /** Past blocks whose state anvil keeps (reads pinned further back fail); 0 keeps them all. */
  nodeHistory: number;
  scenario: ScenarioName;
  seed: string;
  traders: number;
  lps: number;
  /** Steps to simulate (synthetic scenarios; a cap for historical replays). */
  steps?: number;
  /** Simulated minutes per report step (agents act once per step). */
  dtMinutes: number;
  /** Seconds between oracle updates; a keeper pass may follow each (divides the step). */
  oracleIntervalSec: number;
  /** Seconds by which the keeper's reads lag the chain (detection delay; see keeper-view). */
  keeperLatencySec: number;
  /** Crash length in minutes. */
  crashMinutes: number;
  /** Pairwise correlation of the markets (synthetic scenarios; default per scenario). */
  correlation?: number;
  /** Order of each replayed day's extremes. */
  intraday: IntradayMode;
  from?: string;
  to?: string;
  prices?: string[];
  /** Report folder. */
  out: string;
  keeper: KeeperKind;
  /** Let the keeper bot skip actions whose reward does not cover the gas (default off: the
   *  simulated chain's gas price is L1-like, which would make order settlement unprofitable). */
  keeperProfitCheck: boolean;
  /** Run a keeper pass every step, even when the model finds nothing for it to do. */
  keeperEveryStep: boolean;
  /** Model cross-check of sampled accounts every N steps (and of all at the end). */
  checkEvery: number;
  sample: number;
  /** Full ledger re-read every N steps (and at the end). */
  fullCheckEvery: number;
  /** Keeper passes per step at most (later passes wait out the liquidation window). */
  maxKeeperPasses: number;
  /** Overrides the deployment's ADL floor ratio ("0" turns auto-deleveraging off). */
  adlFloor?: string;
  trendMove?: number;
  crashAtStep?: number;
  drop?: number;
  progress: boolean;
  quiet: boolean;
  compile: boolean;
}

export const SIM_USAGE = `npm run simulate -- [options]

  --node <anvil|hardhat> the chain: anvil, a separate process (npm @foundry-rs/anvil) started on
                        a free local port and stopped at the end, or Hardhat's in-process network,
                        which keeps native memory for every call it runs (default anvil)
  --node-history <n>    anvil keeps the state of the last n blocks only, in memory (about 3.7 MB
                        each with 200 traders); reads further back fail loudly (measured: at most
                        14 blocks back, 100-trader crash, --keeper-latency 120). 0 keeps every
                        state, older ones on disk, and mines slower (default 256)
  --scenario <name>     calm | trend | crash | historical (default calm)
  --seed <s>            random seed; the same seed gives the same run (default 1)
  --traders <n>         number of traders (default 200)
  --lps <n>             number of liquidity providers (default 8)
  --steps <n>           report steps to simulate (default 24, crash 96: one day; historical: the
                        whole date range)
  --dt <minutes>        minutes per report step: agents act and a row is recorded once per step
                        (default 60; crash 15)
  --oracle-interval <s> seconds between oracle price updates, each followed by a keeper pass when
                        there is work (default 60; must divide the step)
  --keeper-latency <s>  the keeper's reads see the chain this many seconds late: it detects an
                        account below maintenance that much later, and liquidates at the then
                        current price (default 0)
  --crash-duration <min> length of the crash, one small update per oracle tick (default 60)
  --correlation <rho>   pairwise correlation of the markets' moves, synthetic scenarios (default
                        0.8 for crash; ETH-BTC 0.8, ETH-SOL 0.85, BTC-SOL 0.7 otherwise)
  --intraday <mode>     historical: adverse (each day open, the extreme against the book, the
                        other extreme, close) or random (extremes in random order) (default
                        adverse); intraday paths are correlated as the data's daily log returns
  --from <YYYY-MM-DD>   historical replay start, any day of the data (default ${"2020-03-09"})
  --to <YYYY-MM-DD>     historical replay end (default ${"2020-03-15"})
  --prices <csv>        replay daily OHLC CSV files (Date,Open,High,Low,Close,...), one per market:
                        "ETH=a.csv,BTC=b.csv" or files in market order; implies historical
  --trend-move <x>      total move of a trend run (default 0.4 = +40 %)
  --crash-at <step>     step after which the crash starts (default steps / 3)
  --drop <x>            crash depth (default 0.4)
  --keeper <bot|builtin> keeper logic (default bot: src/keeper)
  --keeper-every-step   a keeper pass every step (default: when an account is below maintenance
                        or an order is pending, and every 8th step)
  --keeper-profit-check let the keeper skip actions whose reward does not cover the gas
  --adl-floor <ratio>   override the auto-deleveraging floor ratio (0 turns ADL off; the
                        crash scenario uses 0.8, the others the deployment's 0.5)
  --check-every <n>     model cross-check of sampled accounts every n steps (default 8)
  --sample <n>          accounts per cross-check (default 12)
  --full-check-every <n> full ledger re-read every n steps (default 48)
  --out <dir>           report folder (default reports/sim/<scenario>-seed<seed>)
  --no-progress         no progress bar
  --no-compile          do not run \`hardhat compile\` first
  --quiet               only the final summary
`;

function int(name: string, v: string, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} must be an integer >= ${min}, got "${v}"`);
  return n;
}

function real(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${v}"`);
  return n;
}

function positive(name: string, v: string): number {
  const n = real(name, v);
  if (!(n > 0)) throw new Error(`${name} must be > 0, got "${v}"`);
  return n;
}

export function defaultOutDir(scenario: string, seed: string): string {
  return path.join(process.cwd(), "reports", "sim", `${scenario}-seed${seed}`);
}

/** Parses `argv` (without the node and script paths). Throws with a message on bad input. */
export function parseSimArgs(argv: readonly string[]): SimOptions & { help: boolean } {
  const o: Partial<SimOptions> & { help: boolean; prices?: string[] } = { help: false };
  const flags: Record<string, boolean> = {
    progress: true,
    compile: true,
    profit: false,
    everyStep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [key, inline] = arg.startsWith("--") ? arg.slice(2).split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${key} needs a value`);
      return v;
    };
    switch (key) {
      case "help":
      case "h":
        o.help = true;
        break;
      case "node": {
        const v = value() as NodeKind;
        if (!NODE_KINDS.includes(v))
          throw new Error(`--node must be ${NODE_KINDS.join(" or ")}, got "${v}"`);
        o.node = v;
        break;
      }
      case "node-history":
        o.nodeHistory = int("--node-history", value(), 0);
        break;
      case "scenario": {
        const s = value() as ScenarioName;
        if (!SCENARIOS.includes(s))
          throw new Error(`unknown scenario "${s}" (${SCENARIOS.join(", ")})`);
        o.scenario = s;
        break;
      }
      case "seed":
        o.seed = value();
        break;
      case "traders":
        o.traders = int("--traders", value(), 1);
        break;
      case "lps":
        o.lps = int("--lps", value(), 1);
        break;
      case "steps":
        o.steps = int("--steps", value(), 2);
        break;
      case "dt":
        o.dtMinutes = positive("--dt", value());
        break;
      case "oracle-interval":
        o.oracleIntervalSec = positive("--oracle-interval", value());
        break;
      case "keeper-latency": {
        const v = real("--keeper-latency", value());
        if (v < 0) throw new Error(`--keeper-latency must be >= 0, got ${v}`);
        o.keeperLatencySec = v;
        break;
      }
      case "crash-duration":
        o.crashMinutes = positive("--crash-duration", value());
        break;
      case "correlation": {
        const v = real("--correlation", value());
        if (!(v > -0.5 && v < 1)) throw new Error(`--correlation must be in (-0.5, 1), got ${v}`);
        o.correlation = v;
        break;
      }
      case "intraday": {
        const v = value() as IntradayMode;
        if (!INTRADAY_MODES.includes(v))
          throw new Error(`--intraday must be ${INTRADAY_MODES.join(" or ")}, got "${v}"`);
        o.intraday = v;
        break;
      }
      case "from":
        o.from = value();
        break;
      case "to":
        o.to = value();
        break;
      case "prices":
        o.prices = [...(o.prices ?? []), value()];
        break;
      case "trend-move":
        o.trendMove = real("--trend-move", value());
        break;
      case "crash-at":
        o.crashAtStep = int("--crash-at", value(), 0);
        break;
      case "drop":
        o.drop = real("--drop", value());
        break;
      case "keeper": {
        const k = value();
        if (k !== "bot" && k !== "builtin") throw new Error(`--keeper must be bot or builtin`);
        o.keeper = k;
        break;
      }
      case "adl-floor":
        o.adlFloor = value();
        break;
      case "keeper-every-step":
        flags.everyStep = true;
        break;
      case "keeper-profit-check":
        flags.profit = true;
        break;
      case "check-every":
        o.checkEvery = int("--check-every", value(), 1);
        break;
      case "sample":
        o.sample = int("--sample", value(), 0);
        break;
      case "full-check-every":
        o.fullCheckEvery = int("--full-check-every", value(), 1);
        break;
      case "out":
        o.out = path.resolve(value());
        break;
      case "no-progress":
        flags.progress = false;
        break;
      case "no-compile":
        flags.compile = false;
        break;
      case "quiet":
        o.quiet = true;
        break;
      default:
        throw new Error(`unknown option "${arg}"\n\n${SIM_USAGE}`);
    }
  }
  return withDefaults({
    ...o,
    progress: flags.progress,
    compile: flags.compile,
    keeperProfitCheck: flags.profit,
    keeperEveryStep: flags.everyStep,
  });
}

/** Fills every unset option with its default. */
export function withDefaults(
  o: Partial<SimOptions> & { help?: boolean },
): SimOptions & { help: boolean } {
  const scenario: ScenarioName = o.prices?.length ? "historical" : (o.scenario ?? "calm");
  const seed = o.seed ?? "1";
  return {
    help: o.help ?? false,
    node: o.node ?? "anvil",
    nodeHistory: o.nodeHistory ?? 256,
    scenario,
    seed,
    traders: o.traders ?? 200,
    lps: o.lps ?? 8,
    // One simulated day at 1-minute oracle updates (1440 ticks) by default.
    steps: o.steps ?? (scenario === "historical" ? undefined : scenario === "crash" ? 96 : 24),
    dtMinutes: o.dtMinutes ?? (scenario === "crash" ? 15 : 60),
    oracleIntervalSec: o.oracleIntervalSec ?? 60,
    keeperLatencySec: o.keeperLatencySec ?? 0,
    crashMinutes: o.crashMinutes ?? 60,
    correlation: o.correlation,
    intraday: o.intraday ?? "adverse",
    from: o.from,
    to: o.to,
    prices: o.prices,
    out: o.out ?? defaultOutDir(scenario, seed),
    keeper: o.keeper ?? "bot",
    keeperProfitCheck: o.keeperProfitCheck ?? false,
    keeperEveryStep: o.keeperEveryStep ?? false,
    checkEvery: o.checkEvery ?? 8,
    sample: o.sample ?? 12,
    fullCheckEvery: o.fullCheckEvery ?? 48,
    maxKeeperPasses: o.maxKeeperPasses ?? 8,
    // The crash stresses the pool harder than the deployment's 0.5 floor would notice (its
    // value falls to 0.77 of its balance at worst, seed 1): 0.8 exercises ADL there.
    adlFloor: o.adlFloor ?? (scenario === "crash" ? "0.8" : undefined),
    trendMove: o.trendMove,
    crashAtStep: o.crashAtStep,
    drop: o.drop,
    progress: o.progress ?? true,
    quiet: o.quiet ?? false,
    compile: o.compile ?? true,
  };
}

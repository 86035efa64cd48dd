/** `npm run risk:params -- [options]`: derives margin, collateral and offset parameters from
 *  daily price history (data/*.csv) and writes deploy/config/risk-params.json.
 *
 *  Method (src/risk/params/derive.ts): per series, the last 3 years of rows (dated at most
 *  1,095 days before the series' last date) unless --from / --to say otherwise; daily log
 *  returns of Close on consecutive days; q = 2.5758 * sigma * c with c = max(1, Q(|r|, 0.99) /
 *  (2.5758 * sigma)), 1 on normal returns (the |r| 99 % point is the one-sided 99.5 % point);
 *  the move over H is 1 - exp(-q * sqrt(H / 1 day)). Markets use H = 1 hour (MMR ceil 0.25 %,
 *  IMR = MMR / 0.6 ceil 0.25 %, at least 2 %, the on-chain minimum), collaterals H = 1 day
 *  (wM = 1 - move floor 0.01, at most 0.95; wI = wM - 0.05), offset pairs the spread's 1-hour
 *  move. Size terms scale from the median daily dollar volume of the window's last 365 rows.
 *  Series without history run on a stated proxy (src/risk/params/inputs.ts) and are marked in
 *  the table.
 *
 *  Options:
 *    --from <YYYY-MM-DD>     first date read from every series (default: --to minus 1,095 days)
 *    --to <YYYY-MM-DD>       last date read from every series (default: each series' last date)
 *    --out <file>            output (default deploy/config/risk-params.json)
 *    --check                 recompute and exit 1 if <file> differs (writes nothing)
 *    --data <SYMBOL>=<path>  read a series from another CSV (same columns); repeatable
 *    --quiet                 print no table */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  PROJECT_ROOT,
  RISK_PARAMS_FILE,
  buildRiskParams,
  parseRiskParams,
  riskParamsJson,
  riskReport,
} from "../src/risk/params";

interface Args {
  out: string;
  check: boolean;
  quiet: boolean;
  data: Record<string, string>;
  from?: string;
  to?: string;
}

function parse(argv: readonly string[]): Args {
  const a: Args = {
    out: path.join(PROJECT_ROOT, RISK_PARAMS_FILE),
    check: false,
    quiet: false,
    data: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--out") a.out = path.resolve(next());
    else if (arg === "--from") a.from = next();
    else if (arg === "--to") a.to = next();
    else if (arg === "--check") a.check = true;
    else if (arg === "--quiet") a.quiet = true;
    else if (arg === "--data") {
      const m = /^([A-Za-z0-9]+)=(.+)$/.exec(next());
      if (m === null) throw new Error("--data: <SYMBOL>=<path>");
      a.data[(m[1] as string).toUpperCase()] = path.resolve(m[2] as string);
    } else throw new Error(`unknown option ${arg}`);
  }
  return a;
}

function main(): number {
  const args = parse(process.argv.slice(2));
  const result = buildRiskParams({
    data: args.data,
    ...(args.from === undefined ? {} : { from: args.from }),
    ...(args.to === undefined ? {} : { to: args.to }),
  });
  const text = riskParamsJson(result);
  parseRiskParams(JSON.parse(text) as unknown); // what deploy will load must validate
  if (!args.quiet) console.log(`${riskReport(result)}\n`);
  const shown = path.relative(process.cwd(), args.out) || args.out;
  if (args.check) {
    const current = existsSync(args.out) ? readFileSync(args.out, "utf8") : undefined;
    if (current === text) {
      console.log(`${shown} is up to date`);
      return 0;
    }
    console.error(
      current === undefined
        ? `${shown} does not exist`
        : `${shown} differs from a fresh run: npm run risk:params`,
    );
    return 1;
  }
  mkdirSync(path.dirname(args.out), { recursive: true });
  writeFileSync(args.out, text);
  console.log(`wrote ${shown}`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
}

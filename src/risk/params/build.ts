/** Runs the derivation end to end: loads each series (or its proxy) within the date window,
 *  derives markets, collaterals and offset pairs, and renders the risk-parameter file. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  CollateralParams,
  DateWindow,
  MarketParams,
  OffsetParams,
  RULES,
  deriveCollateral,
  deriveMarket,
  deriveOffset,
  hedgeSaving,
  methodSummary,
} from "./derive";
import { RISK_INPUTS, RiskInputs, SeriesSpec } from "./inputs";
import { PROJECT_ROOT, RiskParamsFile, SourceInfo } from "./loader";
import {
  DatedReturn,
  checkDate,
  logReturns,
  medianRecentVolume,
  parseDailyCsv,
  spreadReturns,
  windowRows,
} from "./series";
import { decimalString, sigString } from "./stats";

/** A series ready for the derivation. */
export interface LoadedSeries {
  symbol: string;
  /** The file and the first date, last date and row count of the window actually read. */
  source: SourceInfo;
  returns: DatedReturn[];
  medianVolume: number;
  /** "ETH x1.5" when the series stands in for one without history. */
  proxy?: string;
}

/** Where to read from. */
export interface BuildOptions {
  /** Project root that series files are relative to (default: this checkout). */
  root?: string;
  /** Series symbol -> CSV path, overriding the committed inputs (and any proxy). */
  data?: Record<string, string>;
  inputs?: RiskInputs;
  /** First date read from every series (YYYY-MM-DD; default: `to` minus 1,095 days). */
  from?: string;
  /** Last date read from every series (YYYY-MM-DD; default: each series' last date). */
  to?: string;
}

/** An offset pair with its hedge figures. */
export interface OffsetResult extends OffsetParams {
  saving: ReturnType<typeof hedgeSaving>;
}

/** Everything the derivation produced. */
export interface RiskParamsResult {
  /** The requested window (empty: the last 1,095 days of each series). */
  window: DateWindow;
  series: Record<string, LoadedSeries>;
  markets: MarketParams[];
  collaterals: CollateralParams[];
  offsets: OffsetResult[];
}

const posix = (p: string): string => p.split(path.sep).join("/");

type Options = Required<Omit<BuildOptions, "from" | "to">> & {
  window: DateWindow;
  /** Days read before the window's end when it has no start (default RULES.windowDays). */
  windowDays?: number;
};

function loadFile(symbol: string, file: string, opts: Options): LoadedSeries {
  const abs = path.resolve(opts.root, file);
  const all = parseDailyCsv(readFileSync(abs, "utf8"), file);
  const rows = windowRows(all, opts.window, opts.windowDays ?? RULES.windowDays, file);
  const days = rows.length;
  return {
    symbol,
    source: {
      file: posix(path.relative(opts.root, abs)),
      from: (rows[0] as { date: string }).date,
      to: (rows[days - 1] as { date: string }).date,
      days: String(days),
    },
    returns: logReturns(rows),
    medianVolume: medianRecentVolume(rows, RULES.volumeWindow),
  };
}

function loadSeries(symbol: string, opts: Options, depth = 0): LoadedSeries {
  const override = opts.data[symbol];
  if (override !== undefined) return loadFile(symbol, override, opts);
  const spec: SeriesSpec | undefined = opts.inputs.series[symbol];
  if (spec === undefined) throw new Error(`no series ${symbol} in the inputs`);
  if (existsSync(path.resolve(opts.root, spec.file)) || spec.proxy === undefined)
    return loadFile(symbol, spec.file, opts);
  if (depth > 0) throw new Error(`series ${symbol}: a proxy cannot stand on another proxy`);
  const p = spec.proxy;
  const base = loadSeries(p.of, opts, depth + 1);
  return {
    symbol,
    source: {
      ...base.source,
      proxy: p.of,
      volatilityMultiplier: decimalString(p.volatilityMultiplier, 6),
      volumeMultiplier: decimalString(p.volumeMultiplier, 6),
    },
    returns: base.returns.map((x) => ({ date: x.date, r: x.r * p.volatilityMultiplier })),
    medianVolume: base.medianVolume * p.volumeMultiplier,
    proxy: `${p.of} x${decimalString(p.volatilityMultiplier, 6)}`,
  };
}

/** One series (or its proxy) as the derivation reads it: the last `windowDays` days of the file
 *  (default RULES.windowDays) up to `to` (default its last date). Used by the risk tool's VaR. */
export function loadDailySeries(
  symbol: string,
  options: Omit<BuildOptions, "from"> & { windowDays?: number } = {},
): LoadedSeries {
  return loadSeries(symbol, {
    root: options.root ?? PROJECT_ROOT,
    data: options.data ?? {},
    inputs: options.inputs ?? RISK_INPUTS,
    window: options.to === undefined ? {} : { to: checkDate(options.to, "--to") },
    windowDays: options.windowDays,
  });
}

/** Loads every series the inputs name and derives all parameters. */
export function buildRiskParams(options: BuildOptions = {}): RiskParamsResult {
  const window: DateWindow = {
    ...(options.from === undefined ? {} : { from: checkDate(options.from, "--from") }),
    ...(options.to === undefined ? {} : { to: checkDate(options.to, "--to") }),
  };
  if (window.from !== undefined && window.to !== undefined && window.from > window.to)
    throw new Error(`--from ${window.from} is after --to ${window.to}`);
  const opts: Options = {
    root: options.root ?? PROJECT_ROOT,
    data: options.data ?? {},
    inputs: options.inputs ?? RISK_INPUTS,
    window,
  };
  for (const sym of Object.keys(opts.data))
    if (opts.inputs.series[sym] === undefined) throw new Error(`--data: unknown series ${sym}`);
  const series: Record<string, LoadedSeries> = {};
  const get = (sym: string): LoadedSeries => (series[sym] ??= loadSeries(sym, opts));
  const rs = (s: LoadedSeries): number[] => s.returns.map((x) => x.r);
  const markets = opts.inputs.markets.map((m) => {
    const s = get(m.series);
    return deriveMarket(m.name, rs(s), s.medianVolume, s.proxy);
  });
  const collaterals = opts.inputs.collaterals.map((c) => {
    const s = get(c.series);
    return deriveCollateral(c.symbol, rs(s), s.medianVolume, s.proxy);
  });
  const market = (name: string): MarketParams => {
    const m = markets.find((x) => x.name === name);
    if (m === undefined) throw new Error(`offset pair names unknown market ${name}`);
    return m;
  };
  const seriesOf = (name: string): LoadedSeries =>
    get(opts.inputs.markets.find((m) => m.name === name)?.series ?? "");
  const offsets = opts.inputs.offsets.map((o) => {
    const [a, b] = [market(o.marketA), market(o.marketB)];
    const spread = spreadReturns(seriesOf(a.name).returns, seriesOf(b.name).returns);
    const off = deriveOffset(
      a,
      b,
      spread.map((x) => x.r),
    );
    return { ...off, saving: hedgeSaving(a.mmr, b.mmr, off.stressMove, off.rate) };
  });
  return { window, series, markets, collaterals, offsets };
}

const rate = (x: number): string => decimalString(x, 4);

/** The file contents as an object, every number a decimal string. */
export function riskParamsDocument(r: RiskParamsResult): RiskParamsFile {
  const source = Object.fromEntries(
    Object.keys(r.series)
      .sort()
      .map((k) => [k, (r.series[k] as LoadedSeries).source]),
  );
  const markets = Object.fromEntries(
    r.markets.map((m) => [
      m.name,
      {
        imrBase: rate(m.imr),
        maintenanceScalar: rate(m.maintenanceScalar),
        imrSizeFactor: sigString(m.imrSizeFactor, 3),
        mmr: rate(m.mmr),
        maxLeverage: decimalString(m.maxLeverage, 2),
        ...(m.proxy === undefined ? {} : { proxy: m.proxy }),
      },
    ]),
  );
  const collaterals = Object.fromEntries(
    r.collaterals.map((c) => [
      c.symbol,
      {
        initialWeight: decimalString(c.initialWeight, 2),
        maintenanceWeight: decimalString(c.maintenanceWeight, 2),
        liquidationDiscount: rate(c.liquidationDiscount),
        sizeThreshold: sigString(c.sizeThreshold, 2),
        sizeFactor: sigString(c.sizeFactor, 3),
        weightFloor: decimalString(c.weightFloor, 2),
      },
    ]),
  );
  const offsets = r.offsets.map((o) => ({
    marketA: o.marketA,
    marketB: o.marketB,
    rate: decimalString(o.rate, 2),
    stressMove: rate(o.stressMove),
  }));
  return { method: methodSummary(r.window), source, markets, collaterals, offsets };
}

/** The file text: 2-space JSON with a trailing newline. */
export function riskParamsJson(r: RiskParamsResult): string {
  return `${JSON.stringify(riskParamsDocument(r), null, 2)}\n`;
}

/** The printed report of the risk-parameter derivation: method, sources, and one aligned table
 *  each for markets, collaterals and offset pairs, with other venues' published values on the
 *  same rows. */
import { ANCHORS } from "./anchors";
import { RiskParamsResult } from "./build";
import { DateWindow, RULES, windowText } from "./derive";
import { RiskInputs, RISK_INPUTS } from "./inputs";
import { decimalString, floorToStep, sigString } from "./stats";

/** Aligns rows under a header: the first `leftColumns` columns left-aligned, the rest
 *  right-aligned, two spaces apart, with a dashed rule under the header. */
export function formatTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  leftColumns = 1,
): string {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(head), rule, ...rows.map(line)].join("\n");
}

/** A fraction as a percentage with at most `d` decimals: 0.025 -> "2.5%". */
const pct = (x: number, d = 2): string => `${decimalString(x * 100, d)}%`;
const lev = (imr: number): string => `${decimalString(floorToStep(1 / imr, 0.01), 2)}x`;
const usd = (x: number): string => `$${Math.round(x).toLocaleString("en-US")}`;

/** The method, as printed above the tables, for the given window. */
export function methodText(window: DateWindow = {}): string {
  return [
    "Method (daily log returns of Close over consecutive days; sigma = sample sd):",
    `  window: ${windowText(window)}`,
    `  q = ${RULES.z} * sigma * c,  c = max(1, Q(|r|, ${RULES.tailLevel}) / (${RULES.z} * sigma)),  Q = type-7 empirical quantile`,
    `    (the |r| ${RULES.tailLevel * 100}% point is the one-sided 99.5% point of a symmetric law: c = 1 on normal returns)`,
    "  move(H) = 1 - exp(-q * sqrt(H / 1 day))",
    "  markets, H = 1h: MMR = move ceil 0.25%; IMR = MMR / 0.6 ceil 0.25%, >= 2% (50x); MMR >= IMR/2;",
    "    scalar = MMR/IMR ceil 4 dp; k = IMR / sqrt(N*), N* = 0.05% of median daily USD volume (last 365 rows)",
    "  collateral, H = 1d: wM = 1 - move floor 0.01, <= 0.95; wI = wM - 0.05 floor 0.01; discount = min(0.05, 1 - wM);",
    "    T = 0.01% of median daily USD volume (2 sig.); k = 1 / sqrt(100 T) (3 sig.); floor 0.5",
    "  offsets: spread rA - rB on common days, u = move(1h) ceil 0.25%, >= 0.5%;",
    "    rate = clamp((mmrA + mmrB - u) / (2 min mmr), 0, 0.5) floor 0.05",
    "  on-chain bounds: IMR >= 2%, scalar in [0.5, 0.9], collateral weight <= 0.95",
  ].join("\n");
}

/** The method of the default window (the last three years of each series). */
export const METHOD_TEXT = methodText();

function sourcesText(r: RiskParamsResult): string {
  const rows = Object.values(r.series).map((s) => [
    s.symbol + (s.proxy === undefined ? "" : "*"),
    s.proxy === undefined ? s.source.file : `proxy ${s.proxy} (${s.source.file})`,
    `${s.source.from} .. ${s.source.to}`,
    s.source.days,
    String(s.returns.length),
    usd(s.medianVolume),
  ]);
  const head = ["series", "file", "dates", "days", "returns", "median volume (365 rows)"];
  return formatTable(head, rows, 3);
}

function marketsText(r: RiskParamsResult): string {
  const venues = (ANCHORS.markets["BTC-PERP"] ?? []).map((a) => a.venue);
  const rows = r.markets.map((m) => {
    const anchors = ANCHORS.markets[m.name] ?? [];
    return [
      m.name + (m.proxy === undefined ? "" : "*"),
      pct(m.tail.sigma),
      m.tail.c.toFixed(3),
      pct(m.move, 3),
      pct(m.mmr),
      pct(m.imr),
      lev(m.imr),
      sigString(m.imrSizeFactor, 3),
      usd(m.sizeNotional),
      ...venues.map((v) => {
        const a = anchors.find((x) => x.venue === v);
        return a === undefined ? "-" : `${pct(a.imr)}/${pct(a.mmr)} ${lev(a.imr)}`;
      }),
    ];
  });
  const head = ["market", "sigma_d", "c", "1h 99.5%", "MMR", "IMR", "max lev", "size k", "N* USD"];
  return formatTable([...head, ...venues.map((v) => `${v} IMR/MMR`)], rows);
}

function collateralsText(r: RiskParamsResult): string {
  const rows = r.collaterals.map((c) => {
    const a = ANCHORS.collaterals[c.symbol];
    return [
      c.symbol + (c.proxy === undefined ? "" : "*"),
      pct(c.move),
      decimalString(c.maintenanceWeight, 2),
      decimalString(c.initialWeight, 2),
      decimalString(c.liquidationDiscount, 4),
      usd(c.sizeThreshold),
      sigString(c.sizeFactor, 3),
      decimalString(c.weightFloor, 2),
      a === undefined
        ? "-"
        : `${pct(a.lending.ltv, 1)}/${pct(a.lending.liquidationThreshold, 1)}/${pct(a.lending.liquidationBonus, 1)}`,
      a === undefined ? "-" : `${a.weights.initialWeight}/${a.weights.maintenanceWeight}`,
    ];
  });
  const head = ["collateral", "1d 99.5%", "wM", "wI", "discount", "threshold", "size k", "floor"];
  return formatTable([...head, "Aave v3 LTV/LT/bonus", "Drift spot wI/wM"], rows);
}

function offsetsText(r: RiskParamsResult): string {
  const rows = r.offsets.map((o) => [
    `${o.marketA}/${o.marketB}`,
    pct(o.tail.sigma),
    o.tail.c.toFixed(3),
    pct(o.stressMove),
    decimalString(o.rate, 2),
    pct(o.saving.unhedged),
    pct(o.saving.hedged, 3),
    pct(o.saving.saving, 1),
  ]);
  const head = ["pair", "spread sigma_d", "c", "stress u", "rate", "MM unhedged", "MM hedged"];
  return formatTable([...head, "saving"], rows);
}

/** The full printed report. Rows marked `*` run on a proxy series (assumption printed below). */
export function riskReport(r: RiskParamsResult, inputs: RiskInputs = RISK_INPUTS): string {
  const notes = Object.values(r.series)
    .filter((s) => s.proxy !== undefined)
    .map((s) => `* ${s.symbol}: ${inputs.series[s.symbol]?.proxy?.assumption ?? s.proxy}`);
  return [
    methodText(r.window),
    "",
    sourcesText(r),
    "",
    "Markets (anchors: published IMR/MMR and max leverage at the time of writing)",
    marketsText(r),
    "",
    "Collaterals (anchors: Aave v3 Ethereum, Drift spot weights)",
    collateralsText(r),
    "",
    "Offset pairs (saving: maintenance margin of an equal-notional hedge, with vs. without the pair)",
    offsetsText(r),
    ...(notes.length > 0 ? ["", ...notes] : []),
  ].join("\n");
}

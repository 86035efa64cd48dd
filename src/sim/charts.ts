/** The simulation report's charts (standalone SVG files, src/report writers). */
import path from "node:path";
import { barChart, lineChart, saveSvg, type AxisFormat, type Series } from "../report/svg";
import type { SimResult } from "./market-sim";
import type { StepRecord } from "./metrics";

export interface ChartFile {
  file: string;
  title: string;
}

interface Axis {
  xs: number[];
  xFormat: AxisFormat;
  xLabel: string;
}

function axis(r: SimResult): Axis {
  const recs = r.records;
  const t0 = r.scenario.timestamps[0] as number;
  if (r.scenario.timeAxis === "datetime") {
    const xs = recs.map((x) => x.time);
    const span = (xs.at(-1) ?? 0) - (xs[0] ?? 0);
    const years = [...new Set(xs.map((t) => new Date(t * 1000).getUTCFullYear()))];
    // Long runs: date labels with the year (YYYY-MM-DD); short ones: times, the year named.
    return span > 3 * 86400
      ? { xs, xFormat: "date", xLabel: "date (UTC)" }
      : { xs, xFormat: "datetime", xLabel: `time (UTC, ${years.join("-")})` };
  }
  return { xs: recs.map((x) => (x.time - t0) / 3600), xFormat: "number", xLabel: "hours" };
}

function series(name: string, xs: number[], ys: number[], colour?: string): Series {
  return colour ? { name, xs, ys, colour } : { name, xs, ys };
}

function cumulative(ys: number[]): number[] {
  let s = 0;
  return ys.map((y) => (s += y));
}

/** Vertical lines at the start and end of the crash window (in the prices chart). */
function crashMarkers(r: SimResult, xs: readonly number[], recs: readonly StepRecord[]): Series[] {
  const ev = r.scenario.events.find((e) => e.kind === "crash");
  if (ev === undefined || recs.length === 0) return [];
  const ys = recs.flatMap((x) => x.prices.map((p, m) => (100 * p) / (recs[0]?.prices[m] ?? p)));
  const lo = Math.min(...ys, 100);
  const hi = Math.max(...ys, 100);
  const at = (step: number): number | undefined => {
    const i = recs.findIndex((x) => x.step >= step);
    return i < 0 ? undefined : xs[i];
  };
  return [
    ["crash start", at(ev.fromStep)],
    ["crash end", at(ev.toStep)],
  ]
    .filter((e): e is [string, number] => e[1] !== undefined)
    .map(([name, x]) => series(name, [x, x], [lo, hi], "#7f7f7f"));
}

/** Writes every chart into `dir`; returns the files written. */
export function writeCharts(r: SimResult, dir: string): ChartFile[] {
  const out: ChartFile[] = [];
  const recs: StepRecord[] = r.records;
  if (recs.length === 0) return out;
  const { xs, xFormat, xLabel } = axis(r);
  const save = (file: string, title: string, svg: string): void => {
    saveSvg(path.join(dir, file), svg);
    out.push({ file, title });
  };
  const names = r.marketNames;
  const first = r.scenario.assets.map((a) => a.prices[0] as number);

  save(
    "prices.svg",
    "Prices (start = 100)",
    lineChart({
      title: "Oracle prices, indexed to 100 at the start",
      xLabel,
      yLabel: "index",
      xFormat,
      series: [
        ...names.map((n, m) =>
          series(
            `${n} (start ${first[m]?.toPrecision(5)})`,
            xs,
            recs.map((x) => (100 * (x.prices[m] as number)) / (first[m] as number)),
          ),
        ),
        ...crashMarkers(r, xs, recs),
      ],
    }),
  );
  const skew = recs.map((x) =>
    names.map((_n, m) => (x.oiLongUsd[m] as number) - (x.oiShortUsd[m] as number)),
  );
  const total = skew.map((v) => v.reduce((a, b) => a + b, 0));
  save(
    "net-skew.svg",
    "Net skew (the pool's exposure)",
    lineChart({
      title: "Net skew: long minus short notional (USD); the pool holds the other side",
      xLabel,
      yLabel: "USD",
      xFormat,
      yIncludeZero: true,
      series: [
        ...names.map((n, m) =>
          series(
            n,
            xs,
            skew.map((v) => v[m] as number),
          ),
        ),
        series("all markets", xs, total, "#000000"),
      ],
    }),
  );
  save(
    "pool-net-exposure.svg",
    "Pool net exposure / pool value",
    lineChart({
      title: "The pool's net exposure as a multiple of its value (|net skew| / pool value)",
      xLabel,
      yLabel: "x pool value",
      xFormat,
      yIncludeZero: true,
      series: [
        series(
          "|net skew| / pool value",
          xs,
          recs.map((x, i) => (x.poolValue > 0 ? Math.abs(total[i] as number) / x.poolValue : 0)),
          "#d62728",
        ),
      ],
    }),
  );
  save(
    "open-interest.svg",
    "Open interest",
    lineChart({
      title: "Open interest (long + short notional, USD)",
      xLabel,
      yLabel: "USD",
      xFormat,
      yIncludeZero: true,
      series: [
        ...names.map((n, m) =>
          series(
            n,
            xs,
            recs.map((x) => (x.oiLongUsd[m] as number) + (x.oiShortUsd[m] as number)),
          ),
        ),
        series(
          "all markets",
          xs,
          recs.map(
            (x) => x.oiLongUsd.reduce((a, b) => a + b, 0) + x.oiShortUsd.reduce((a, b) => a + b, 0),
          ),
          "#444444",
        ),
      ],
    }),
  );
  save(
    "insurance-fund.svg",
    "Insurance fund",
    lineChart({
      title: "Insurance fund balance (USDC)",
      xLabel,
      yLabel: "USDC",
      xFormat,
      yIncludeZero: true,
      series: [
        series(
          "insurance fund",
          xs,
          recs.map((x) => x.insuranceFund),
          "#1f77b4",
        ),
        series(
          "debt set against seized collateral (cumulative)",
          xs,
          cumulative(recs.map((x) => x.collateralSet)),
          "#ff7f0e",
        ),
      ],
    }),
  );
  save(
    "pool-share-price.svg",
    "Pool share price",
    lineChart({
      title: "Liquidity pool share price (USDC per share)",
      xLabel,
      yLabel: "USDC per share",
      xFormat,
      series: [
        series(
          "share price",
          xs,
          recs.map((x) => x.sharePrice),
          "#2ca02c",
        ),
      ],
    }),
  );
  save(
    "pool-value.svg",
    "Pool value",
    lineChart({
      title: "Liquidity pool: value (with open PnL) and balance (USDC)",
      xLabel,
      yLabel: "USDC",
      xFormat,
      series: [
        series(
          "pool value",
          xs,
          recs.map((x) => x.poolValue),
        ),
        series(
          "pool balance",
          xs,
          recs.map((x) => x.poolBalance),
        ),
      ],
    }),
  );
  save(
    "liquidations.svg",
    "Liquidations",
    barChart({
      title: "Liquidated notional per step (USD)",
      xLabel,
      yLabel: "USD",
      xFormat,
      series: [
        series(
          "liquidated notional",
          xs,
          recs.map((x) => x.liquidatedNotionalUsd),
          "#d62728",
        ),
      ],
    }),
  );
  save(
    "liquidation-counts.svg",
    "Accounts below maintenance and liquidated",
    barChart({
      title: "Accounts below maintenance before the keeper, and positions liquidated, per step",
      xLabel,
      yLabel: "count",
      xFormat,
      series: [
        series(
          "below maintenance",
          xs,
          recs.map((x) => x.liquidatableBefore),
          "#ff7f0e",
        ),
        series(
          "positions liquidated",
          xs,
          recs.map((x) => x.positionsLiquidated),
          "#d62728",
        ),
      ],
    }),
  );
  save(
    "bad-debt.svg",
    "Bad debt",
    lineChart({
      title: "Cumulative bad debt: covered by the insurance fund and socialised to LPs (USDC)",
      xLabel,
      yLabel: "USDC",
      xFormat,
      yIncludeZero: true,
      series: [
        series("bad debt", xs, cumulative(recs.map((x) => x.badDebt)), "#444444"),
        series("covered by fund", xs, cumulative(recs.map((x) => x.covered)), "#1f77b4"),
        series("socialised", xs, cumulative(recs.map((x) => x.socialised)), "#d62728"),
      ],
    }),
  );
  save(
    "funding.svg",
    "Funding rates",
    lineChart({
      title: "Funding rate per market (% per day)",
      xLabel,
      yLabel: "% / day",
      xFormat,
      series: names.map((n, m) =>
        series(
          n,
          xs,
          recs.map((x) => 100 * (x.fundingRate[m] as number)),
        ),
      ),
    }),
  );
  return out;
}

/**
 * Dependency-free SVG charts: line chart, bar chart and heatmap. Each function returns a
 * standalone SVG document string (starts with `<svg`, explicit xmlns) that renders in browsers.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  type AxisFormat,
  type Ticks,
  esc,
  formatNumber,
  formatTick,
  formatTime,
  niceTicks,
  num,
  seriesColour,
  shortHash,
  svgOpen,
  textWidth,
  timeTicks,
} from "./svg-util";

export { COLOUR_SCALES, formatNumber } from "./svg-util";
export type { AxisFormat, ColourScaleName } from "./svg-util";

export interface Series {
  name: string;
  xs: readonly number[];
  /** null / NaN values leave a gap (lines) or no bar. */
  ys: readonly (number | null)[];
  colour?: string;
}

export interface XYChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  series: readonly Series[];
  width?: number;
  height?: number;
  /** "date"/"datetime": xs are epoch seconds. Default "number". */
  xFormat?: AxisFormat;
  /** Force zero into the y range (always on for bar charts). */
  yIncludeZero?: boolean;
}

export interface BarChartOptions extends XYChartOptions {
  /** Stack series on top of each other instead of grouping them side by side. */
  stacked?: boolean;
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

function finite(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function fmtX(format: AxisFormat | undefined, ticks: Ticks): (v: number) => string {
  if (typeof format === "function") return format;
  if (format === "date" || format === "datetime") {
    return (v) => formatTime(v, format === "datetime" || ticks.step < 86400);
  }
  const maxAbs = Math.max(Math.abs(ticks.min), Math.abs(ticks.max));
  return (v) => formatTick(v, ticks.step, maxAbs);
}

function legendWidth(series: readonly Series[]): number {
  if (series.length === 0) return 0;
  const longest = Math.max(...series.map((s) => textWidth(s.name, 12)));
  return Math.min(220, Math.max(80, longest + 40));
}

/** Plot rectangle, leaving room for title, axis labels, tick labels and legend. */
function layout(
  width: number,
  height: number,
  yTickLabels: string[],
  series: readonly Series[],
): Rect {
  const yTickW = Math.max(20, ...yTickLabels.map((l) => textWidth(l, 11)));
  const left = 28 + yTickW + 10;
  const right = 16 + legendWidth(series);
  const top = 44;
  const bottom = 56;
  return {
    x: left,
    y: top,
    w: Math.max(10, width - left - right),
    h: Math.max(10, height - top - bottom),
  };
}

function axes(
  plot: Rect,
  xTicks: Ticks,
  xDomain: [number, number],
  yTicks: Ticks,
  xf: (v: number) => string,
  yf: (v: number) => string,
  xLabel: string,
  yLabel: string,
): string[] {
  const out: string[] = [];
  const sx = scale(xDomain, [plot.x, plot.x + plot.w]);
  const sy = scale([yTicks.min, yTicks.max], [plot.y + plot.h, plot.y]);
  out.push(`<g stroke="#e3e3e3" stroke-width="1">`);
  for (const v of yTicks.values)
    out.push(
      `<line x1="${num(plot.x)}" x2="${num(plot.x + plot.w)}" y1="${num(sy(v))}" y2="${num(sy(v))}"/>`,
    );
  for (const v of xTicks.values)
    out.push(
      `<line x1="${num(sx(v))}" x2="${num(sx(v))}" y1="${num(plot.y)}" y2="${num(plot.y + plot.h)}"/>`,
    );
  out.push(`</g>`);
  out.push(`<g fill="#444" font-size="11">`);
  for (const v of yTicks.values) {
    out.push(
      `<text x="${num(plot.x - 6)}" y="${num(sy(v) + 4)}" text-anchor="end">${esc(yf(v))}</text>`,
    );
  }
  for (const v of xTicks.values) {
    out.push(
      `<text x="${num(sx(v))}" y="${num(plot.y + plot.h + 16)}" text-anchor="middle">${esc(xf(v))}</text>`,
    );
  }
  out.push(`</g>`);
  out.push(
    `<rect x="${num(plot.x)}" y="${num(plot.y)}" width="${num(plot.w)}" height="${num(plot.h)}" fill="none" stroke="#888"/>`,
  );
  if (yTicks.min < 0 && yTicks.max > 0) {
    out.push(
      `<line x1="${num(plot.x)}" x2="${num(plot.x + plot.w)}" y1="${num(sy(0))}" y2="${num(sy(0))}" stroke="#888"/>`,
    );
  }
  if (xLabel !== "") {
    out.push(
      `<text x="${num(plot.x + plot.w / 2)}" y="${num(plot.y + plot.h + 40)}" text-anchor="middle" fill="#222">${esc(xLabel)}</text>`,
    );
  }
  if (yLabel !== "") {
    const cx = 16;
    const cy = plot.y + plot.h / 2;
    out.push(
      `<text x="${num(cx)}" y="${num(cy)}" text-anchor="middle" fill="#222" transform="rotate(-90 ${num(cx)} ${num(cy)})">${esc(yLabel)}</text>`,
    );
  }
  return out;
}

function legend(
  plot: Rect,
  height: number,
  series: readonly Series[],
  kind: "line" | "bar",
): string[] {
  const out: string[] = [];
  const x = plot.x + plot.w + 16;
  const maxItems = Math.max(1, Math.floor((height - plot.y - 20) / 18));
  series.slice(0, maxItems).forEach((s, i) => {
    const y = plot.y + 8 + i * 18;
    const c = esc(s.colour ?? seriesColour(i));
    out.push(
      kind === "line"
        ? `<line x1="${num(x)}" x2="${num(x + 18)}" y1="${num(y)}" y2="${num(y)}" stroke="${c}" stroke-width="2.5"/>`
        : `<rect x="${num(x + 3)}" y="${num(y - 6)}" width="12" height="12" fill="${c}"/>`,
    );
    out.push(`<text x="${num(x + 24)}" y="${num(y + 4)}" fill="#222">${esc(s.name)}</text>`);
  });
  if (series.length > maxItems) {
    out.push(
      `<text x="${num(x)}" y="${num(plot.y + 8 + maxItems * 18 + 4)}" fill="#666">+${series.length - maxItems} more</text>`,
    );
  }
  return out;
}

function scale([d0, d1]: [number, number], [r0, r1]: [number, number]): (v: number) => number {
  const span = d1 - d0;
  return (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0));
}

function xTicksFor(lo: number, hi: number, format: AxisFormat | undefined): Ticks {
  const t = format === "date" || format === "datetime" ? timeTicks(lo, hi) : niceTicks(lo, hi);
  const eps = (hi - lo) * 1e-9;
  return { ...t, values: t.values.filter((v) => v >= lo - eps && v <= hi + eps) };
}

function noData(plot: Rect): string {
  return `<text x="${num(plot.x + plot.w / 2)}" y="${num(plot.y + plot.h / 2)}" text-anchor="middle" fill="#999" font-size="14">No data</text>`;
}

interface Prepared {
  parts: string[];
  plot: Rect;
  sx: (v: number) => number;
  sy: (v: number) => number;
  empty: boolean;
}

function prepare(
  opts: XYChartOptions,
  xs: number[],
  ys: number[],
  xDomainPad: number,
  includeZero: boolean,
): Prepared {
  const width = opts.width ?? 800;
  const height = opts.height ?? 450;
  const empty = xs.length === 0 || ys.length === 0;
  let xLo = empty ? 0 : Math.min(...xs) - xDomainPad;
  let xHi = empty ? 1 : Math.max(...xs) + xDomainPad;
  if (xLo === xHi) {
    xLo -= 1;
    xHi += 1;
  }
  let yLo = empty ? 0 : Math.min(...ys);
  let yHi = empty ? 1 : Math.max(...ys);
  if (includeZero) {
    yLo = Math.min(0, yLo);
    yHi = Math.max(0, yHi);
  }
  const yTicks = niceTicks(yLo, yHi);
  const yMaxAbs = Math.max(Math.abs(yTicks.min), Math.abs(yTicks.max));
  const yf = (v: number): string => formatTick(v, yTicks.step, yMaxAbs);
  const plot = layout(width, height, yTicks.values.map(yf), opts.series);
  const xTicks = xTicksFor(xLo, xHi, opts.xFormat);
  const parts = svgOpen(width, height, opts.title);
  parts.push(
    ...axes(
      plot,
      xTicks,
      [xLo, xHi],
      yTicks,
      fmtX(opts.xFormat, xTicks),
      yf,
      opts.xLabel ?? "",
      opts.yLabel ?? "",
    ),
  );
  if (empty) parts.push(noData(plot));
  return {
    parts,
    plot,
    sx: scale([xLo, xHi], [plot.x, plot.x + plot.w]),
    sy: scale([yTicks.min, yTicks.max], [plot.y + plot.h, plot.y]),
    empty,
  };
}

/** Multi-series line chart. Non-finite points break the line; single points become dots. */
export function lineChart(opts: XYChartOptions): string {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of opts.series) {
    const n = Math.min(s.xs.length, s.ys.length);
    for (let i = 0; i < n; i++) {
      const x = s.xs[i];
      const y = s.ys[i];
      if (finite(x) && finite(y)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  const p = prepare(opts, xs, ys, 0, opts.yIncludeZero ?? false);
  const { plot, sx, sy } = p;
  p.parts.push(
    `<defs><clipPath id="clip-${shortHash(opts.title)}"><rect x="${num(plot.x)}" y="${num(plot.y)}" width="${num(plot.w)}" height="${num(plot.h)}"/></clipPath></defs>`,
  );
  p.parts.push(
    `<g clip-path="url(#clip-${shortHash(opts.title)})" fill="none" stroke-width="1.8" stroke-linejoin="round">`,
  );
  opts.series.forEach((s, si) => {
    const colour = esc(s.colour ?? seriesColour(si));
    const segments: string[][] = [];
    let cur: string[] = [];
    const n = Math.min(s.xs.length, s.ys.length);
    for (let i = 0; i < n; i++) {
      const x = s.xs[i];
      const y = s.ys[i];
      if (finite(x) && finite(y)) {
        cur.push(`${num(sx(x))},${num(sy(y))}`);
      } else if (cur.length > 0) {
        segments.push(cur);
        cur = [];
      }
    }
    if (cur.length > 0) segments.push(cur);
    for (const seg of segments) {
      if (seg.length === 1) {
        const [cx, cy] = (seg[0] as string).split(",");
        p.parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}" stroke="none"/>`);
      } else {
        p.parts.push(
          `<polyline points="${seg.join(" ")}" stroke="${colour}"><title>${esc(s.name)}</title></polyline>`,
        );
      }
    }
  });
  p.parts.push(`</g>`);
  p.parts.push(...legend(plot, opts.height ?? 450, opts.series, "line"));
  p.parts.push(`</svg>`);
  return p.parts.join("\n");
}

/**
 * Bar chart over numeric xs (e.g. liquidations or bad debt per step). Series are grouped side
 * by side, or stacked (positive and negative parts separately) with `stacked: true`.
 */
export function barChart(opts: BarChartOptions): string {
  const unique = new Set<number>();
  for (const s of opts.series) {
    for (let i = 0; i < Math.min(s.xs.length, s.ys.length); i++) {
      const x = s.xs[i];
      if (finite(x) && finite(s.ys[i])) unique.add(x);
    }
  }
  const sorted = [...unique].sort((a, b) => a - b);
  let slot = Infinity;
  for (let i = 1; i < sorted.length; i++)
    slot = Math.min(slot, (sorted[i] as number) - (sorted[i - 1] as number));
  if (!Number.isFinite(slot)) slot = 1;

  // Bar extents in data units: [x, y0, y1, seriesIndex].
  const bars: [number, number, number, number][] = [];
  const posBase = new Map<number, number>();
  const negBase = new Map<number, number>();
  opts.series.forEach((s, si) => {
    for (let i = 0; i < Math.min(s.xs.length, s.ys.length); i++) {
      const x = s.xs[i];
      const y = s.ys[i];
      if (!finite(x) || !finite(y)) continue;
      if (opts.stacked === true) {
        const base = y >= 0 ? posBase : negBase;
        const b = base.get(x) ?? 0;
        base.set(x, b + y);
        bars.push([x, b, b + y, si]);
      } else {
        bars.push([x, 0, y, si]);
      }
    }
  });
  const ys = bars.flatMap(([, y0, y1]) => [y0, y1]);
  const p = prepare(opts, sorted, ys, slot / 2, true);
  const { plot, sx, sy } = p;
  const groups = opts.stacked === true ? 1 : Math.max(1, opts.series.length);
  const slotPx = Math.abs(sx(slot) - sx(0));
  const barPx = Math.max(0.5, (slotPx * 0.85) / groups);
  p.parts.push(`<g shape-rendering="crispEdges">`);
  for (const [x, y0, y1, si] of bars) {
    const s = opts.series[si] as Series;
    const offset = opts.stacked === true ? 0 : (si - (groups - 1) / 2) * barPx;
    const top = Math.min(sy(y0), sy(y1));
    const h = Math.abs(sy(y1) - sy(y0));
    if (h <= 0) continue;
    const colour = esc(s.colour ?? seriesColour(si));
    p.parts.push(
      `<rect x="${num(sx(x) + offset - barPx / 2)}" y="${num(top)}" width="${num(barPx)}" height="${num(Math.max(h, 0.5))}" fill="${colour}"><title>${esc(`${s.name}: ${formatNumber(y1 - y0)}`)}</title></rect>`,
    );
  }
  p.parts.push(`</g>`);
  p.parts.push(...legend(plot, opts.height ?? 450, opts.series, "bar"));
  p.parts.push(`</svg>`);
  return p.parts.join("\n");
}

export { heatmap } from "./heatmap";
export type { HeatmapOptions } from "./heatmap";

/** Writes an SVG string to `path`, creating parent directories. */
export function saveSvg(path: string, svg: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg.endsWith("\n") ? svg : svg + "\n", "utf8");
}

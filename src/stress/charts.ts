/**
 * Charts of a stress run: a box plot per scenario (quartile box, median, whiskers at min and
 * max, a p95 tick) and a histogram of one outcome per scenario. Standalone SVG.
 */
import { barChart } from "../report/svg";
import { esc, formatTick, niceTicks, num, seriesColour, svgOpen } from "../report/svg-util";
import { quantile } from "./stats";

export interface BoxGroup {
  label: string;
  values: readonly number[];
}

/** Box plot of `groups` on a shared linear y axis. */
export function boxPlot(title: string, yLabel: string, groups: readonly BoxGroup[]): string {
  const width = Math.max(480, 140 + groups.length * 130);
  const height = 420;
  const plot = { x: 80, y: 50, w: width - 110, h: height - 120 };
  const all = groups.flatMap((g) => g.values).filter((v) => Number.isFinite(v));
  const ticks = niceTicks(Math.min(0, ...all), Math.max(0, ...all), 6);
  const maxAbs = Math.max(Math.abs(ticks.min), Math.abs(ticks.max));
  const sy = (v: number) => plot.y + plot.h - ((v - ticks.min) / (ticks.max - ticks.min)) * plot.h;
  const parts = svgOpen(width, height, title);
  parts.push(`<g stroke="#ddd" shape-rendering="crispEdges">`);
  for (const t of ticks.values)
    parts.push(
      `<line x1="${num(plot.x)}" x2="${num(plot.x + plot.w)}" y1="${num(sy(t))}" y2="${num(sy(t))}"/>`,
    );
  parts.push(`</g>`);
  for (const t of ticks.values)
    parts.push(
      `<text x="${num(plot.x - 6)}" y="${num(sy(t) + 4)}" text-anchor="end" fill="#444">${esc(formatTick(t, ticks.step, maxAbs))}</text>`,
    );
  parts.push(
    `<text transform="translate(18 ${num(plot.y + plot.h / 2)}) rotate(-90)" text-anchor="middle" fill="#444">${esc(yLabel)}</text>`,
  );
  const slot = plot.w / Math.max(1, groups.length);
  groups.forEach((g, i) => {
    const cx = plot.x + slot * (i + 0.5);
    const vs = g.values.filter((v) => Number.isFinite(v));
    parts.push(
      `<text x="${num(cx)}" y="${num(plot.y + plot.h + 18)}" text-anchor="middle" fill="#222">${esc(g.label)}</text>`,
      `<text x="${num(cx)}" y="${num(plot.y + plot.h + 34)}" text-anchor="middle" fill="#777">n = ${vs.length}</text>`,
    );
    if (vs.length === 0) return;
    const [lo, q1, med, q3, p95, hi] = [0, 0.25, 0.5, 0.75, 0.95, 1].map((q) =>
      quantile(vs, q),
    ) as [number, number, number, number, number, number];
    const bw = Math.min(60, slot * 0.5);
    const colour = seriesColour(i);
    parts.push(
      `<g stroke="#333" fill="none"><title>${esc(`${g.label}: min ${lo}, q1 ${q1}, median ${med}, q3 ${q3}, p95 ${p95}, max ${hi}`)}</title>`,
      `<line x1="${num(cx)}" x2="${num(cx)}" y1="${num(sy(lo))}" y2="${num(sy(hi))}"/>`,
      `<line x1="${num(cx - bw / 4)}" x2="${num(cx + bw / 4)}" y1="${num(sy(lo))}" y2="${num(sy(lo))}"/>`,
      `<line x1="${num(cx - bw / 4)}" x2="${num(cx + bw / 4)}" y1="${num(sy(hi))}" y2="${num(sy(hi))}"/>`,
      `<rect x="${num(cx - bw / 2)}" y="${num(sy(q3))}" width="${num(bw)}" height="${num(Math.max(1, sy(q1) - sy(q3)))}" fill="${esc(colour)}" fill-opacity="0.35"/>`,
      `<line x1="${num(cx - bw / 2)}" x2="${num(cx + bw / 2)}" y1="${num(sy(med))}" y2="${num(sy(med))}" stroke-width="2"/>`,
      `<line x1="${num(cx - bw / 2)}" x2="${num(cx + bw / 2)}" y1="${num(sy(p95))}" y2="${num(sy(p95))}" stroke="#c0392b" stroke-dasharray="4 2"/>`,
      `</g>`,
    );
  });
  parts.push(
    `<text x="${num(plot.x + plot.w)}" y="${num(height - 12)}" text-anchor="end" fill="#777">box: quartiles; bar: median; dashed red: p95; whiskers: min and max</text>`,
    `</svg>`,
  );
  return parts.join("\n");
}

/** Histogram of `groups` on shared bins (`bins` equal-width bins over all values). */
export function histogram(
  title: string,
  xLabel: string,
  groups: readonly BoxGroup[],
  bins = 12,
): string {
  const all = groups.flatMap((g) => g.values).filter((v) => Number.isFinite(v));
  const lo = Math.min(0, ...all);
  const hi = Math.max(lo + 1, ...all);
  const w = (hi - lo) / bins;
  const centres = Array.from({ length: bins }, (_, i) => lo + w * (i + 0.5));
  const series = groups.map((g) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of g.values) {
      if (!Number.isFinite(v)) continue;
      const k = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)));
      counts[k] = (counts[k] as number) + 1;
    }
    return { name: g.label, xs: centres, ys: counts };
  });
  return barChart({ title, xLabel, yLabel: "runs", series });
}

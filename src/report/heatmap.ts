/** SVG heatmap with cell labels and a colour legend (e.g. bad debt by scenario x parameter). */
import {
  COLOUR_SCALES,
  type ColourScaleName,
  esc,
  formatNumber,
  interpolateColour,
  niceTicks,
  num,
  shortHash,
  svgOpen,
  textColourOn,
  textWidth,
} from "./svg-util";

export interface HeatmapOptions {
  title: string;
  /** Column labels (left to right). */
  xLabels: readonly string[];
  /** Row labels (top to bottom). */
  yLabels: readonly string[];
  /** values[row][column]; null / NaN cells are drawn grey and labelled "n/a". */
  values: readonly (readonly (number | null)[])[];
  /** Named scale or custom colour stops (#rrggbb, low to high). Default "viridis". */
  colourScale?: ColourScaleName | readonly string[];
  /** Unit shown in the legend title; 1-character units ("%", "x") are appended to cell labels. */
  unit?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Colour domain [low, high]; default data min/max ("diverging": symmetric around 0). */
  domain?: [number, number];
  /** Logarithmic colour scale (for values spanning decades; values <= 0 get the lowest colour). */
  logScale?: boolean;
  /** Show the value in each cell (default true; hidden automatically if cells are tiny). */
  cellLabels?: boolean;
}

const MISSING = "#d9d9d9";

function isFiniteNum(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Powers of ten within [lo, hi] (plus the ends when fewer than two fit), thinned to <= 7. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(lo) - 1e-9); e <= Math.floor(Math.log10(hi) + 1e-9); e++)
    out.push(10 ** e);
  if (out.length < 2) return [lo, hi];
  const every = Math.ceil(out.length / 7);
  return out.filter((_, i) => i % every === 0);
}

/** Renders a heatmap as a standalone SVG string. */
export function heatmap(opts: HeatmapOptions): string {
  const nx = opts.xLabels.length;
  const ny = opts.yLabels.length;
  const stops: readonly string[] =
    typeof opts.colourScale === "string"
      ? COLOUR_SCALES[opts.colourScale]
      : (opts.colourScale ?? COLOUR_SCALES.viridis);
  if (stops === undefined || stops.length === 0) {
    throw new Error(`heatmap: unknown colour scale ${String(opts.colourScale)}`);
  }
  const cell = (r: number, c: number): number | null => {
    const v = opts.values[r]?.[c];
    return isFiniteNum(v) ? v : null;
  };
  const finiteVals: number[] = [];
  let anyMissing = false;
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      const v = cell(r, c);
      if (v === null) anyMissing = true;
      else finiteVals.push(v);
    }
  }
  let lo = finiteVals.length > 0 ? Math.min(...finiteVals) : 0;
  let hi = finiteVals.length > 0 ? Math.max(...finiteVals) : 1;
  if (opts.domain !== undefined) [lo, hi] = opts.domain;
  else if (opts.colourScale === "diverging") {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    [lo, hi] = [-m, m];
  }
  const log = opts.logScale === true;
  if (log) {
    const positive = finiteVals.filter((v) => v > 0);
    if (opts.domain === undefined) {
      lo = positive.length > 0 ? Math.min(...positive) : 1;
      hi = positive.length > 0 ? Math.max(...positive) : 10;
    }
    if (!(lo > 0)) throw new Error("heatmap: logScale needs a positive domain");
    if (!(hi > lo)) hi = lo * 10;
  } else if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  /** Position in [0, 1] of value v on the colour scale. */
  const pos = (v: number): number =>
    log
      ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
      : (v - lo) / (hi - lo);
  const colourOf = (v: number): string => interpolateColour(stops, pos(v));

  // Layout.
  const width = opts.width ?? 800;
  const unit = opts.unit ?? "";
  const yLabW = Math.max(20, ...opts.yLabels.map((l) => textWidth(l, 11)));
  const left = (opts.yLabel ? 30 : 10) + yLabW + 8;
  const legendValues = (log ? logTicks(lo, hi) : niceTicks(lo, hi, 5).values).filter(
    (v) => v >= lo - 1e-12 * Math.abs(lo) && v <= hi + 1e-12 * Math.abs(hi),
  );
  const legendLabels = legendValues.map((v) => formatNumber(v) + (unit.length === 1 ? unit : ""));
  const right =
    40 + Math.max(40, textWidth(unit, 11), ...legendLabels.map((l) => textWidth(l, 11))) + 16;
  const plotW = Math.max(10, width - left - right);
  const cellW = nx > 0 ? plotW / nx : plotW;
  const xLabW = Math.max(0, ...opts.xLabels.map((l) => textWidth(l, 11)));
  const rotate = xLabW > cellW - 4;
  const bottom = (rotate ? Math.min(140, xLabW * 0.72 + 16) : 24) + (opts.xLabel ? 24 : 4);
  const top = 44;
  const height = opts.height ?? Math.max(260, Math.min(900, top + Math.max(1, ny) * 30 + bottom));
  const plotH = Math.max(10, height - top - bottom);
  const cellH = ny > 0 ? plotH / ny : plotH;

  const parts = svgOpen(width, height, opts.title);
  if (nx === 0 || ny === 0) {
    parts.push(
      `<rect x="${num(left)}" y="${num(top)}" width="${num(plotW)}" height="${num(plotH)}" fill="none" stroke="#888"/>`,
    );
    parts.push(
      `<text x="${num(left + plotW / 2)}" y="${num(top + plotH / 2)}" text-anchor="middle" fill="#999" font-size="14">No data</text>`,
    );
  }

  // Cells and their labels.
  const labelFont = Math.max(8, Math.min(13, cellH * 0.45, (cellW / 6) * 1.4));
  const showLabels = (opts.cellLabels ?? true) && cellH >= 12 && cellW >= 24;
  parts.push(`<g>`);
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      const v = cell(r, c);
      const fill = v === null ? MISSING : colourOf(v);
      const x = left + c * cellW;
      const y = top + r * cellH;
      const label = v === null ? "n/a" : formatNumber(v) + (unit.length === 1 ? unit : "");
      const tip = `${opts.yLabels[r] ?? ""} / ${opts.xLabels[c] ?? ""}: ${v === null ? "n/a" : formatNumber(v, 6)}${unit ? " " + unit : ""}`;
      parts.push(
        `<rect x="${num(x)}" y="${num(y)}" width="${num(cellW)}" height="${num(cellH)}" fill="${fill}" stroke="#ffffff" stroke-width="1"><title>${esc(tip)}</title></rect>`,
      );
      if (showLabels && textWidth(label, labelFont) < cellW - 2) {
        parts.push(
          `<text x="${num(x + cellW / 2)}" y="${num(y + cellH / 2 + labelFont * 0.35)}" text-anchor="middle" font-size="${num(labelFont)}" fill="${textColourOn(fill)}">${esc(label)}</text>`,
        );
      }
    }
  }
  parts.push(`</g>`);

  // Axis labels.
  parts.push(`<g fill="#333" font-size="11">`);
  opts.yLabels.forEach((l, r) => {
    parts.push(
      `<text x="${num(left - 6)}" y="${num(top + (r + 0.5) * cellH + 4)}" text-anchor="end">${esc(l)}</text>`,
    );
  });
  opts.xLabels.forEach((l, c) => {
    const x = left + (c + 0.5) * cellW;
    const y = top + plotH + 14;
    parts.push(
      rotate
        ? `<text x="${num(x)}" y="${num(y)}" text-anchor="end" transform="rotate(-40 ${num(x)} ${num(y)})">${esc(l)}</text>`
        : `<text x="${num(x)}" y="${num(y)}" text-anchor="middle">${esc(l)}</text>`,
    );
  });
  parts.push(`</g>`);
  if (opts.xLabel) {
    parts.push(
      `<text x="${num(left + plotW / 2)}" y="${num(height - 8)}" text-anchor="middle" fill="#222">${esc(opts.xLabel)}</text>`,
    );
  }
  if (opts.yLabel) {
    const cy = top + plotH / 2;
    parts.push(
      `<text x="16" y="${num(cy)}" text-anchor="middle" fill="#222" transform="rotate(-90 16 ${num(cy)})">${esc(opts.yLabel)}</text>`,
    );
  }

  // Colour legend: vertical gradient bar, high at the top.
  const id = `hm-grad-${shortHash(opts.title + stops.join(""))}`;
  const lx = left + plotW + 20;
  const barH = Math.min(plotH, 260);
  const ly = top + (unit ? 14 : 0);
  const lh = Math.max(10, barH - (unit ? 14 : 0) - (anyMissing ? 22 : 0));
  parts.push(`<defs><linearGradient id="${id}" x1="0" y1="1" x2="0" y2="0">`);
  stops.forEach((s, i) => {
    const offset = stops.length === 1 ? 0 : i / (stops.length - 1);
    parts.push(`<stop offset="${num(offset)}" stop-color="${esc(s)}"/>`);
  });
  parts.push(`</linearGradient></defs>`);
  if (unit)
    parts.push(
      `<text x="${num(lx)}" y="${num(top + 6)}" font-size="11" fill="#333">${esc(unit)}</text>`,
    );
  parts.push(
    `<rect x="${num(lx)}" y="${num(ly)}" width="14" height="${num(lh)}" fill="url(#${id})" stroke="#888"/>`,
  );
  parts.push(`<g font-size="11" fill="#333">`);
  legendValues.forEach((v, i) => {
    const y = ly + lh - pos(v) * lh;
    parts.push(
      `<line x1="${num(lx + 14)}" x2="${num(lx + 18)}" y1="${num(y)}" y2="${num(y)}" stroke="#555"/>`,
    );
    parts.push(`<text x="${num(lx + 21)}" y="${num(y + 4)}">${esc(legendLabels[i] ?? "")}</text>`);
  });
  parts.push(`</g>`);
  if (anyMissing) {
    const my = ly + lh + 10;
    parts.push(
      `<rect x="${num(lx)}" y="${num(my)}" width="14" height="10" fill="${MISSING}" stroke="#888"/>`,
    );
    parts.push(
      `<text x="${num(lx + 21)}" y="${num(my + 9)}" font-size="11" fill="#333">n/a</text>`,
    );
  }
  parts.push(`</svg>`);
  return parts.join("\n");
}

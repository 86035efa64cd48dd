/** Helpers shared by the SVG chart writers: number formatting, ticks, colours, escaping. */

/** Escapes text for use in SVG/XML content and attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Coordinate formatting: at most 2 decimals, never NaN/Infinity (non-finite -> 0). */
export function num(v: number): string {
  if (!Number.isFinite(v)) return "0";
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

const SUFFIXES: [number, string][] = [
  [1e12, "T"],
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "k"],
];

function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/**
 * Human-friendly number: 1234 -> "1.23k", 2500000 -> "2.5M", 0.000123 -> "1.23e-4".
 * `digits` is the number of significant digits (default 3). Non-finite -> "n/a".
 */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return "n/a";
  if (v === 0) return "0";
  const a = Math.abs(v);
  for (const [scale, suffix] of SUFFIXES) {
    if (a >= scale) return trimZeros((v / scale).toPrecision(digits)) + suffix;
  }
  if (a < 1e-3) return v.toExponential(digits - 1).replace(/\.?0+e/, "e");
  return trimZeros(v.toPrecision(digits));
}

/** Tick label for value `v` on an axis with tick spacing `step` (consistent decimals). */
export function formatTick(v: number, step: number, maxAbs: number): string {
  if (!Number.isFinite(v)) return "n/a";
  if (Math.abs(v) < step * 1e-9) return "0";
  let scale = 1;
  let suffix = "";
  for (const [s, suf] of SUFFIXES) {
    if (maxAbs >= s) {
      scale = s;
      suffix = suf;
      break;
    }
  }
  const scaledStep = step / scale;
  if (scale === 1 && maxAbs > 0 && maxAbs < 1e-3) return v.toExponential(2).replace(/\.?0+e/, "e");
  let decimals = 0;
  while (
    decimals < 10 &&
    Math.abs(Math.round(scaledStep * 10 ** decimals) - scaledStep * 10 ** decimals) > 1e-6
  ) {
    decimals++;
  }
  return (v / scale).toFixed(decimals) + suffix;
}

export interface Ticks {
  min: number;
  max: number;
  step: number;
  values: number[];
}

/** "Nice" linear ticks (steps of 1, 2, 2.5 or 5 x 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): Ticks {
  let a = lo;
  let b = hi;
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    a = 0;
    b = 1;
  }
  if (a > b) [a, b] = [b, a];
  if (a === b) {
    const pad = a === 0 ? 1 : Math.abs(a) * 0.1;
    a -= pad;
    b += pad;
  }
  const raw = (b - a) / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const mult = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  const step = mult * mag;
  const min = Math.floor(a / step + 1e-9) * step;
  const max = Math.ceil(b / step - 1e-9) * step;
  const values: number[] = [];
  const n = Math.round((max - min) / step);
  for (let i = 0; i <= n; i++) values.push(min + i * step);
  return { min, max, step, values };
}

const TIME_STEPS = [
  60,
  300,
  900,
  1800,
  3600,
  7200,
  3 * 3600,
  6 * 3600,
  12 * 3600,
  86400,
  2 * 86400,
  7 * 86400,
  14 * 86400,
  30 * 86400,
  91 * 86400,
  182 * 86400,
  365 * 86400,
  730 * 86400,
  1825 * 86400,
];

/** Ticks for epoch-second axes, aligned to whole minutes/hours/days (UTC). */
export function timeTicks(lo: number, hi: number, target = 6): Ticks {
  if (!(hi > lo)) return niceTicks(lo, hi, target);
  const raw = (hi - lo) / Math.max(1, target);
  const step = TIME_STEPS.find((s) => s >= raw) ?? raw;
  const values: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) values.push(t);
  return { min: lo, max: hi, step, values };
}

export type AxisFormat = "number" | "date" | "datetime" | ((v: number) => string);

/** Formats an epoch-second timestamp as YYYY-MM-DD or MM-DD HH:mm (UTC). */
export function formatTime(sec: number, withTime: boolean): string {
  if (!Number.isFinite(sec)) return "n/a";
  const iso = new Date(sec * 1000).toISOString();
  return withTime ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

/** Series palette (Tableau 10), then golden-angle hues for further series. */
export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

export function seriesColour(i: number): string {
  if (i < PALETTE.length) return PALETTE[i] as string;
  const hue = Math.round((i * 137.508) % 360);
  return `hsl(${hue}, 55%, 45%)`;
}

export type ColourScaleName = "viridis" | "magma" | "greenRed" | "diverging" | "blues";

export const COLOUR_SCALES: Record<ColourScaleName, string[]> = {
  viridis: [
    "#440154",
    "#472d7b",
    "#3b528b",
    "#2c728e",
    "#21918c",
    "#28ae80",
    "#5ec962",
    "#addc30",
    "#fde725",
  ],
  magma: [
    "#000004",
    "#1c1044",
    "#4f127b",
    "#812581",
    "#b5367a",
    "#e55964",
    "#fb8761",
    "#fec287",
    "#fcfdbf",
  ],
  greenRed: ["#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027"],
  diverging: ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"],
  blues: ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"],
};

function parseHex(hex: string): [number, number, number] {
  let h = hex.replace("#", "");
  if (h.length === 3) h = h.replace(/./g, (c) => c + c);
  if (!/^[0-9a-fA-F]{6}$/.test(h))
    throw new Error(`colour stops must be #rgb or #rrggbb, got ${hex}`);
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

function toHex([r, g, b]: [number, number, number]): string {
  const c = (x: number): string =>
    Math.round(Math.min(255, Math.max(0, x)))
      .toString(16)
      .padStart(2, "0");
  return `#${c(r)}${c(g)}${c(b)}`;
}

/** Colour at position t in [0, 1] of a piecewise-linear scale through `stops`. */
export function interpolateColour(stops: readonly string[], t: number): string {
  if (stops.length === 0) return "#888888";
  if (stops.length === 1) return toHex(parseHex(stops[0] as string));
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = parseHex(stops[i] as string);
  const b = parseHex(stops[i + 1] as string);
  return toHex([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]);
}

/** Black or white, whichever reads better on `hex`. */
export function textColourOn(hex: string): string {
  const [r, g, b] = parseHex(hex);
  const lum = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  return lum > 0.55 ? "#111111" : "#ffffff";
}

/** Short stable hash, used for unique element ids when several SVGs share one page. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/** Rough text width in px for a sans-serif font (no layout engine available). */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.58;
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

/** Opening `<svg>` tag, accessible title, white background and the centred chart title. */
export function svgOpen(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" font-family="${esc(FONT)}" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${num(width)}" height="${num(height)}" fill="#ffffff"/>`,
    `<text x="${num(width / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="600" fill="#222">${esc(title)}</text>`,
  ];
}

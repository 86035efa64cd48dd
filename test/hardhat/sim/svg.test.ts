import { expect } from "chai";
import { barChart, formatNumber, heatmap, lineChart } from "../../../src/report/svg";
import { formatTick, interpolateColour, niceTicks } from "../../../src/report/svg-util";

const VOID = new Set(["br"]);

/** Minimal well-formedness check: balanced tags, quoted attributes, single root <svg>. */
function checkWellFormed(svg: string): void {
  expect(svg.startsWith("<svg")).to.be.true;
  expect(svg.trimEnd().endsWith("</svg>")).to.be.true;
  expect(svg).to.not.match(/NaN|Infinity|undefined/);
  const stack: string[] = [];
  const tagRe = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = tagRe.exec(svg)) !== null) {
    const between = svg.slice(last, m.index);
    expect(between, `stray markup before ${m[0]}`).to.not.match(/[<>]/);
    last = tagRe.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop(), `closing </${name}>`).to.equal(name);
    else if (!selfClosing && !VOID.has(name)) stack.push(name);
  }
  expect(svg.slice(last).trim()).to.equal("");
  expect(stack).to.deep.equal([]);
}

describe("report/svg", () => {
  it("lineChart writes a well-formed SVG with legend, axes and every series", () => {
    const xs = Array.from({ length: 50 }, (_, i) => i * 3600);
    const svg = lineChart({
      title: "Prices <ETH & BTC>",
      xLabel: "time",
      yLabel: "USD",
      xFormat: "datetime",
      series: [
        { name: "ETH", xs, ys: xs.map((x) => 2000 + Math.sin(x / 7200) * 50) },
        { name: "BTC", xs, ys: xs.map((_, i) => (i === 10 ? NaN : 30000 + i)) },
      ],
    });
    checkWellFormed(svg);
    expect(svg).to.include("Prices &lt;ETH &amp; BTC&gt;");
    expect(svg).to.include(">ETH</text>").and.include(">BTC</text>");
    expect(svg.match(/<polyline/g)).to.have.length(3); // BTC split by the NaN gap
    expect(svg).to.include("#4e79a7").and.include("#f28e2b");
    expect(svg).to.include("30k"); // large numbers formatted
  });

  it("handles empty, constant and single-point series", () => {
    const empty = lineChart({ title: "empty", series: [] });
    checkWellFormed(empty);
    expect(empty).to.include("No data");
    const flat = lineChart({
      title: "flat",
      series: [{ name: "c", xs: [1, 2, 3], ys: [5e6, 5e6, 5e6] }],
    });
    checkWellFormed(flat);
    expect(flat).to.include("5.0M");
    const one = lineChart({ title: "one", series: [{ name: "p", xs: [1], ys: [0] }] });
    checkWellFormed(one);
    expect(one).to.include("<circle");
  });

  it("barChart groups or stacks series, including negative values", () => {
    const xs = [0, 1, 2, 3];
    const series = [
      { name: "liquidations", xs, ys: [0, 2e6, 1e6, 0] },
      { name: "bad debt", xs, ys: [0, -3e5, null, 1e5] },
    ];
    const grouped = barChart({ title: "per step", xLabel: "step", yLabel: "USD", series });
    checkWellFormed(grouped);
    expect(grouped.match(/<rect [^>]*><title>/g)).to.have.length(4);
    expect(grouped).to.include(">liquidations</text>").and.include(">bad debt</text>");
    const stacked = barChart({ title: "stacked", series, stacked: true });
    checkWellFormed(stacked);
    checkWellFormed(barChart({ title: "none", series: [] }));
  });

  it("heatmap has cells, labels, a gradient legend and n/a cells", () => {
    const svg = heatmap({
      title: "Bad debt",
      xLabels: ["vol 0.4", "vol 0.8"],
      yLabels: ["5x", "10x", "20x"],
      values: [
        [0, 1200],
        [null, 2.5e6],
        [NaN, 3e9],
      ],
      colourScale: "greenRed",
      unit: "USD",
    });
    checkWellFormed(svg);
    expect(svg).to.include("<linearGradient").and.include("url(#hm-grad-");
    expect(svg.match(/<rect [^>]*><title>/g)).to.have.length(6);
    for (const label of ["1.2k", "2.5M", "3B", "n/a", "vol 0.8", "20x", "USD"]) {
      expect(svg).to.include(`>${label}</text>`);
    }
    const log = heatmap({
      title: "log",
      xLabels: ["a"],
      yLabels: ["b", "c"],
      values: [[10], [1e6]],
      logScale: true,
      colourScale: ["#ffffff", "#000000"],
    });
    checkWellFormed(log);
    expect(log).to.include('fill="#ffffff"').and.include('fill="#000000"');
    checkWellFormed(heatmap({ title: "empty", xLabels: [], yLabels: [], values: [] }));
  });

  it("formats numbers and ticks", () => {
    expect(formatNumber(1234)).to.equal("1.23k");
    expect(formatNumber(-2_500_000)).to.equal("-2.5M");
    expect(formatNumber(7.2e9)).to.equal("7.2B");
    expect(formatNumber(0.000123)).to.equal("1.23e-4");
    expect(formatNumber(NaN)).to.equal("n/a");
    expect(niceTicks(0, 1.5e6).values.map((v) => formatTick(v, 2.5e5, 1.5e6))).to.deep.equal([
      "0",
      "0.25M",
      "0.50M",
      "0.75M",
      "1.00M",
      "1.25M",
      "1.50M",
    ]);
    expect(interpolateColour(["#000000", "#ffffff"], 0.5)).to.equal("#808080");
  });
});

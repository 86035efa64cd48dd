import { expect } from "chai";
import { join } from "node:path";
import { Rng } from "../../../src/sim/random";
import {
  historicalPaths,
  intradayPath,
  loadOhlcCsv,
  parseOhlcCsv,
} from "../../../src/sim/historical";
import { historicalPaths as reexported } from "../../../src/sim/paths";

const DATA = join(__dirname, "../../../data");
const ETH = join(DATA, "ETH-USD-daily.csv");
const BTC = join(DATA, "BTC-USD-daily.csv");

describe("sim/historical", () => {
  it("loads the CSV and carries the previous close over null rows", () => {
    const rows = loadOhlcCsv(ETH);
    expect(rows[0].date).to.equal("2015-08-07");
    expect(rows.at(-1)!.date).to.equal("2021-11-24");
    const i = rows.findIndex((r) => r.date === "2020-04-17");
    expect(rows[i].missing).to.be.true;
    expect(rows[i].open).to.equal(rows[i - 1].close);
    expect(rows[i].low).to.equal(rows[i - 1].close);
    expect(rows[i].close).to.equal(rows[i - 1].close);
    expect(rows.filter((r) => r.missing).map((r) => r.date)).to.deep.equal([
      "2020-04-17",
      "2020-10-09",
      "2020-10-12",
      "2020-10-13",
    ]);
    expect(rows.every((r) => Number.isFinite(r.close) && r.low <= r.high)).to.be.true;
  });

  it("parses CSV text: header order, CRLF, leading and inner nulls", () => {
    const text =
      "Date,Open,High,Low,Close,Adj Close,Volume\r\n" +
      "2020-01-01,null,null,null,null,null,null\r\n" +
      "2020-01-02,10,12,9,11,11,100\r\n" +
      "2020-01-03,null,null,null,null,null,null\r\n" +
      "2020-01-04,11,11.5,10.5,11.2,11.2,50\r\n";
    const rows = parseOhlcCsv(text);
    expect(rows.map((r) => r.date)).to.deep.equal(["2020-01-02", "2020-01-03", "2020-01-04"]);
    expect(rows[1]).to.deep.include({ open: 11, high: 11, low: 11, close: 11, missing: true });
    expect(() => parseOhlcCsv("Date,Open,High,Low\n")).to.throw(/Close|close/);
    expect(() => parseOhlcCsv("Date,Open,High,Low,Close\n2020-13-01,1,1,1,1\n")).to.throw(/date/);
  });

  it("replays 2020-03-12: hits ETH open, low and close and stays in [low, high]", () => {
    const h = historicalPaths({
      csvByAsset: { ETH, BTC },
      from: "2020-03-11",
      to: "2020-03-13",
      stepsPerDay: 24,
      seed: 1,
    });
    expect(h.days.map((d) => d.date)).to.deep.equal(["2020-03-11", "2020-03-12", "2020-03-13"]);
    expect(h.timestamps).to.have.length(72);
    expect(h.timestamps[24]).to.equal(Date.UTC(2020, 2, 12) / 1000);
    expect(h.timestamps[1] - h.timestamps[0]).to.equal(3600);
    const day = h.days[1];
    const eth = h.assets
      .find((a) => a.name === "ETH")!
      .prices.slice(day.firstStep, day.lastStep + 1);
    expect(eth[0]).to.be.closeTo(194.74, 0.01);
    expect(eth.at(-1)).to.be.closeTo(112.35, 0.01);
    expect(Math.min(...eth)).to.be.closeTo(111.21, 0.01);
    expect(Math.max(...eth)).to.be.closeTo(195.15, 0.01);
    for (const [name, prices] of h.assets.map((a) => [a.name, a.prices] as const)) {
      h.days.forEach((d, k) => {
        const c = h.ohlc[name][k];
        const slice = prices.slice(d.firstStep, d.lastStep + 1);
        expect(Math.min(...slice)).to.equal(c.low);
        expect(Math.max(...slice)).to.equal(c.high);
        expect(slice[0]).to.equal(c.open);
        expect(slice.at(-1)).to.equal(c.close);
      });
    }
    const btc = h.assets.find((a) => a.name === "BTC")!.prices.slice(24, 48);
    expect(btc.at(-1)! / btc[0]).to.be.closeTo(0.628, 0.01);
  });

  it("is deterministic, handles null days and uses the intersection of dates", () => {
    const opts = { csvByAsset: { ETH, BTC }, to: "2015-08-12", stepsPerDay: 6, seed: "x" };
    const a = historicalPaths(opts);
    expect(a).to.deep.equal(reexported(opts));
    expect(a.days[0].date).to.equal("2015-08-07"); // ETH starts later than BTC
    expect(a.assets.map((x) => x.prices.length)).to.deep.equal([36, 36]);
    const n = historicalPaths({
      csvByAsset: { ETH },
      from: "2020-10-08",
      to: "2020-10-14",
      seed: 2,
    });
    const flat = n.assets[0].prices.slice(n.days[1].firstStep, n.days[1].lastStep + 1);
    expect(new Set(flat).size).to.equal(1);
    expect(flat[0]).to.equal(n.ohlc.ETH[0].close);
    expect(n.assets[0].prices.every((p) => Number.isFinite(p) && p > 0)).to.be.true;
    expect(() => historicalPaths({ csvByAsset: { ETH }, from: "2030-01-01", seed: 1 })).to.throw(
      /no common dates/,
    );
  });

  it("intradayPath keeps extremes exact for flat and edge candles", () => {
    const r = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const p = intradayPath({ open: 100, high: 100, low: 90, close: 95 }, 4 + (i % 20), r, "ohlc");
      expect(Math.max(...p)).to.equal(100);
      expect(Math.min(...p)).to.equal(90);
    }
    expect(intradayPath({ open: 5, high: 5, low: 5, close: 5 }, 8, r)).to.deep.equal(
      Array(8).fill(5),
    );
    expect(() => intradayPath({ open: 5, high: 4, low: 3, close: 4 }, 8, r)).to.throw(RangeError);
  });
});

/** Statistics of the price paths at the oracle cadence: GBM drift, volatility and correlation;
 *  the crash as a path of small updates; adverse and random historical replay respecting every
 *  day's OHLC; the data's correlation against a direct computation; CLI errors. Expected values
 *  are computed here from first principles, not taken from the code under test. */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { crashPaths, gbmPaths } from "../../../src/sim/paths";
import { correlatedDay, estimateCorrelation } from "../../../src/sim/intraday";
import { loadOhlcCsv } from "../../../src/sim/historical";
import { HistoricalReplay } from "../../../src/sim/replay";
import { buildScenario, DATA_DIR } from "../../../src/sim/scenarios";
import { parseSimArgs } from "../../../src/sim/options";
import { Rng, cholesky } from "../../../src/sim/random";

const YEAR = 365 * 86400;

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function sd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}
function corr(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}
function logRets(p: readonly number[]): number[] {
  return p.slice(1).map((x, i) => Math.log(x / (p[i] as number)));
}

describe("sim/cadence: price paths at the oracle interval", () => {
  it("GBM at 1-minute updates has the asked volatility and correlation", () => {
    const dt = 60;
    const p = gbmPaths({
      seed: "vol",
      steps: 100_000,
      dtSeconds: dt,
      assets: [
        { name: "A", start: 100, volAnnual: 0.6, driftAnnual: 0 },
        { name: "B", start: 100, volAnnual: 0.9, driftAnnual: 0 },
      ],
      correlation: [
        [1, 0.7],
        [0.7, 1],
      ],
    });
    const a = logRets(p.assets[0]?.prices as number[]);
    const b = logRets(p.assets[1]?.prices as number[]);
    const scale = Math.sqrt(YEAR / dt);
    // Standard error of a sample sd ~ sd / sqrt(2n) = 0.22 %: 2 % is ~9 standard errors.
    expect(sd(a) * scale).to.be.closeTo(0.6, 0.6 * 0.02);
    expect(sd(b) * scale).to.be.closeTo(0.9, 0.9 * 0.02);
    // Standard error of rho ~ (1 - rho^2) / sqrt(n) = 0.0016.
    expect(corr(a, b)).to.be.closeTo(0.7, 0.01);
  });

  it("GBM drift: the mean log return is (mu - sigma^2 / 2) per year", () => {
    const mu = 0.5;
    const vol = 0.4;
    const n = 50_000;
    const p = gbmPaths({
      seed: "drift",
      steps: n,
      dtSeconds: 86400,
      assets: [{ name: "A", start: 1, volAnnual: vol, driftAnnual: mu }],
    });
    const years = (n * 86400) / YEAR;
    const total = Math.log((p.assets[0]?.prices.at(-1) as number) / 1);
    // The estimate's standard error is vol / sqrt(years) = 0.034; allow 4 of them.
    expect(total / years).to.be.closeTo(mu - (vol * vol) / 2, (4 * vol) / Math.sqrt(years));
  });

  it("the crash reaches the drop over its duration in small correlated updates", () => {
    const drop = 0.4;
    const tick = 60;
    const p = crashPaths({
      seed: "crash",
      steps: 600,
      dtSeconds: tick,
      crashAtStep: 100,
      crashSeconds: 3600,
      drop,
      rho: 0.8,
      assets: [
        { name: "ETH", start: 3000 },
        { name: "BTC", start: 60000 },
        { name: "SOL", start: 150 },
      ],
    });
    const ev = p.events.find((e) => e.kind === "crash");
    expect(ev).to.deep.include({ fromStep: 100, toStep: 160 });
    const perTick = Math.log(1 - drop) / 60;
    const moves: number[][] = [];
    for (const a of p.assets) {
      const before = a.prices[100] as number;
      const after = a.prices[160] as number;
      expect(after / before).to.be.closeTo(1 - drop, 1e-9);
      const r = logRets(a.prices.slice(100, 161));
      moves.push(r);
      // No update carries more than 3 average updates' worth of the fall; none goes the
      // wrong way by much.
      for (const x of r) {
        expect(Math.abs(x)).to.be.lessThan(3 * Math.abs(perTick));
      }
      expect(Math.min(...r.map((x) => x / Math.log(1 - drop)))).to.be.greaterThan(-0.02);
    }
    expect(corr(moves[0] as number[], moves[1] as number[])).to.be.greaterThan(0.4);
  });

  it("a crash scenario with 1-minute oracle updates has 60 ticks in the crash hour", () => {
    const s = buildScenario({
      scenario: "crash",
      seed: 1,
      steps: 12,
      dtSeconds: 900,
      tickSeconds: 60,
      crashAtStep: 4,
    });
    expect(s.ticksPerStep).to.equal(15);
    expect(s.ticks[0]).to.have.length(12 * 15 + 1);
    expect(s.crashTicks).to.deep.equal({ from: 60, to: 120 });
    // Report prices are the tick prices at each step's end.
    expect(s.assets[0]?.prices[5]).to.equal(s.ticks[0]?.[75]);
    expect(() =>
      buildScenario({ scenario: "calm", seed: 1, dtSeconds: 900, tickSeconds: 7 }),
    ).to.throw(/must divide/);
  });
});

describe("sim/cadence: honest historical replay", () => {
  const files = {
    ETH: path.join(DATA_DIR, "ETH-USD-daily.csv"),
    BTC: path.join(DATA_DIR, "BTC-USD-daily.csv"),
  };

  for (const mode of ["adverse", "random"] as const) {
    it(`${mode}: every day opens, closes, hits and never leaves its high and low`, () => {
      const r = new HistoricalReplay({
        files,
        from: "2020-03-09",
        to: "2020-03-15",
        tickSeconds: 3600,
        seed: "ohlc",
        mode,
        markets: ["ETH", "BTC", "SOL"],
        startPrices: { ETH: 3000, BTC: 60000, SOL: 150 },
      });
      expect(r.dates).to.have.length(7);
      // The book flips every day: long on even days, short on odd ones.
      for (let d = 0; d < 7; d++) r.prepare(d * 24, () => d % 2 === 0);
      const rows = { ETH: loadOhlcCsv(files.ETH), BTC: loadOhlcCsv(files.BTC) };
      (["ETH", "BTC"] as const).forEach((name, m) => {
        r.dates.forEach((date, d) => {
          const c = rows[name].find((x) => x.date === date);
          if (c === undefined) throw new Error(`no ${name} candle on ${date}`);
          const day = (r.prices[m] as number[]).slice(d * 24, d * 24 + 24);
          expect(day[0]).to.equal(c.open);
          expect(day[23]).to.equal(c.close);
          for (const p of day) {
            expect(p).to.be.at.least(c.low);
            expect(p).to.be.at.most(c.high);
          }
          const lo = day.indexOf(c.low);
          const hi = day.indexOf(c.high);
          expect(lo, `${name} ${date} low`).to.be.greaterThan(0);
          expect(hi, `${name} ${date} high`).to.be.greaterThan(0);
          if (mode === "adverse") {
            // Net long: the low (against the book) first; net short: the high first.
            if (d % 2 === 0) expect(lo).to.be.lessThan(hi);
            else expect(hi).to.be.lessThan(lo);
          }
        });
      });
    });
  }

  it("estimates the correlation of the data's daily log returns", () => {
    const parse = (f: string): Map<string, number> => {
      const out = new Map<string, number>();
      for (const line of readFileSync(f, "utf8").trim().split("\n").slice(1)) {
        const c = line.split(",");
        const close = Number(c[4]);
        if (Number.isFinite(close) && close > 0) out.set(c[0] as string, close);
      }
      return out;
    };
    const eth = parse(files.ETH);
    const btc = parse(files.BTC);
    const dates = [...eth.keys()]
      .filter((d) => btc.has(d) && d >= "2021-01-01" && d <= "2021-12-31")
      .sort();
    const ra: number[] = [];
    const rb: number[] = [];
    for (let i = 1; i < dates.length; i++) {
      const [d0, d1] = [dates[i - 1] as string, dates[i] as string];
      ra.push(Math.log((eth.get(d1) as number) / (eth.get(d0) as number)));
      rb.push(Math.log((btc.get(d1) as number) / (btc.get(d0) as number)));
    }
    const direct = corr(ra, rb);
    const inYear = (f: string) =>
      loadOhlcCsv(f).filter((x) => x.date >= "2021-01-01" && x.date <= "2021-12-31");
    const c = estimateCorrelation([inYear(files.ETH), inYear(files.BTC)]);
    expect(c[0]?.[1]).to.be.closeTo(direct, 1e-9);
    expect(direct).to.be.within(0.5, 0.95);
  });

  it("intraday noise is correlated across assets", () => {
    const rho = 0.8;
    const L = cholesky([
      [1, rho],
      [rho, 1],
    ]);
    const rng = new Rng("intraday-corr");
    // A wide candle whose extremes sit far from the path, so the bridges are barely shrunk.
    const candle = { open: 100, high: 1000, low: 10, close: 100 };
    const a: number[] = [];
    const b: number[] = [];
    for (let d = 0; d < 300; d++) {
      const [x, y] = correlatedDay([candle, candle], 96, rng, L, d % 2 === 0);
      const rx = logRets(x as number[]);
      const ry = logRets(y as number[]);
      rx.forEach((v, i) => {
        // Leave out the jumps to and from the anchors (identical in both assets).
        const px = (x as number[])[i + 1] as number;
        const qx = (x as number[])[i] as number;
        if ([10, 1000].includes(px) || [10, 1000].includes(qx)) return;
        a.push(v);
        b.push(ry[i] as number);
      });
    }
    expect(corr(a, b)).to.be.closeTo(rho, 0.1);
  });
});

describe("sim/cadence: options", () => {
  it("parses the cadence options and rejects bad input clearly", () => {
    const o = parseSimArgs(["--oracle-interval", "30", "--keeper-latency", "20"]);
    expect(o.oracleIntervalSec).to.equal(30);
    expect(o.keeperLatencySec).to.equal(20);
    expect(o.crashMinutes).to.equal(60);
    expect(o.intraday).to.equal("adverse");
    expect(() => parseSimArgs(["--oracle-interval", "0"])).to.throw(/must be > 0/);
    expect(() => parseSimArgs(["--keeper-latency", "-1"])).to.throw(/>= 0/);
    expect(() => parseSimArgs(["--intraday", "best"])).to.throw(/adverse or random/);
    expect(() => parseSimArgs(["--correlation", "1.5"])).to.throw(/correlation/);
  });
});

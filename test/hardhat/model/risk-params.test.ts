/** Risk parameters from daily history (src/risk/params, `npm run risk:params`): the statistics
 *  and rounding helpers on hand-computed examples, the method on a synthetic normal series of
 *  known sigma, the date window, the committed file against a fresh run, and the loader's
 *  validation of the on-chain bounds. */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ONCHAIN_BOUNDS,
  PROJECT_ROOT,
  RISK_PARAMS_FILE,
  RULES,
  buildRiskParams,
  ceilToStep,
  decimalString,
  deriveCollateral,
  deriveMarket,
  empiricalQuantile,
  floorToStep,
  hedgeSaving,
  logReturns,
  marginRates,
  methodSummary,
  mean,
  median,
  offsetRate,
  parseDailyCsv,
  parseRiskParams,
  riskParamsDocument,
  riskParamsJson,
  roundSig,
  sampleStdDev,
  sigString,
  tailStats,
  windowRows,
} from "../../../src/risk/params";

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
function normInv(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269];
  const a2 = [-30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972];
  const b2 = -13.28068155288572;
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549671010173718];
  const c2 = [4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (cs: number[], x: number): number => cs.reduce((acc, k) => acc * x + k, 0);
  const tail = (q: number): number => poly([...c, ...c2], q) / (poly(d, q) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (poly([...a, ...a2], r) * q) / (poly([...b, b2], r) * r + 1);
}

/** A CSV whose daily log returns are exactly `returns`, one row a day from 2000-01-01. */
function csvOf(returns: readonly number[], volume: number): string {
  const lines = ["Date,Open,High,Low,Close,Adj Close,Volume"];
  let close = 100;
  const day0 = Date.UTC(2000, 0, 1);
  returns.forEach((r, i) => {
    if (i > 0) close *= Math.exp(r);
    const date = new Date(day0 + i * 86_400_000).toISOString().slice(0, 10);
    lines.push(`${date},${close},${close},${close},${close},${close},${volume}`);
  });
  return lines.join("\n");
}

describe("risk params (npm run risk:params)", () => {
  describe("statistics", () => {
    it("mean and sample standard deviation on a hand-computed example", () => {
      const xs = [2, 4, 4, 4, 5, 5, 7, 9]; // mean 5, squared deviations 32, n - 1 = 7
      expect(mean(xs)).to.equal(5);
      expect(sampleStdDev(xs)).to.be.closeTo(Math.sqrt(32 / 7), 1e-15);
      expect(sampleStdDev([1, 3])).to.be.closeTo(Math.SQRT2, 1e-15);
      expect(() => sampleStdDev([1])).to.throw();
    });

    it("empirical quantile interpolates between order statistics (type 7)", () => {
      expect(empiricalQuantile([3, 1, 2, 5, 4], 0.5)).to.equal(3);
      expect(empiricalQuantile([4, 3, 2, 1], 0.25)).to.be.closeTo(1.75, 1e-15); // h = 0.75
      expect(empiricalQuantile([10, 20], 0.995)).to.be.closeTo(19.95, 1e-12); // h = 0.995
      expect(empiricalQuantile([1, 2, 3], 1)).to.equal(3);
      expect(empiricalQuantile([7], 0.3)).to.equal(7);
      expect(median([1, 2, 3, 4])).to.equal(2.5);
      expect(() => empiricalQuantile([1], 1.5)).to.throw();
    });

    it("CSV rows holding null are skipped and break the return chain on both sides", () => {
      const rows = parseDailyCsv(
        [
          "Date,Open,High,Low,Close,Adj Close,Volume",
          "2020-01-01,1,1,1,100,100,10",
          "2020-01-02,1,1,1,110,110,20",
          "2020-01-03,null,null,null,null,null,null",
          "2020-01-04,1,1,1,121,121,30",
          "2020-01-05,1,1,1,133.1,133.1,40",
        ].join("\n"),
      );
      expect(rows.map((r) => r.date)).to.deep.equal([
        "2020-01-01",
        "2020-01-02",
        "2020-01-04",
        "2020-01-05",
      ]);
      const rs = logReturns(rows);
      expect(rs.map((r) => r.date)).to.deep.equal(["2020-01-02", "2020-01-05"]);
      for (const r of rs) expect(r.r).to.be.closeTo(Math.log(1.1), 1e-12);
    });
  });

  describe("rounding rules", () => {
    it("grid rounding is exact on grid points despite binary noise", () => {
      expect(decimalString(ceilToStep(0.05, 0.0025), 4)).to.equal("0.05");
      expect(decimalString(ceilToStep(0.050001, 0.0025), 4)).to.equal("0.0525");
      expect(decimalString(floorToStep(0.76, 0.01), 2)).to.equal("0.76"); // 0.76/0.01 = 75.999...
      expect(decimalString(floorToStep(0.7699, 0.01), 2)).to.equal("0.76");
      expect(decimalString(ceilToStep(0.58333, 0.0001), 4)).to.equal("0.5834");
    });

    it("significant digits are written as plain decimals", () => {
      expect(sigString(0.0000123456, 3)).to.equal("0.0000123");
      expect(sigString(0.000013, 3)).to.equal("0.000013");
      expect(sigString(2_137_000, 2)).to.equal("2100000");
      expect(sigString(999.96, 3)).to.equal("1000");
      expect(sigString(12.345, 3)).to.equal("12.3");
      expect(roundSig(0.00006454972, 3)).to.equal(0.0000645);
    });

    it("MMR, IMR and the maintenance scalar follow the stated floors", () => {
      // 3.286 % -> MMR 3.5 %, IMR 3.5/0.6 = 5.83 -> 6 %, scalar 0.58333 -> 0.5834 (rounded up)
      const r1 = marginRates(0.03286);
      expect([r1.mmr, r1.imr, r1.maintenanceScalar].map((x) => decimalString(x, 4))).to.deep.equal([
        "0.035",
        "0.06",
        "0.5834",
      ]);
      // a calm market: MMR 0.5 % -> IMR 1 % -> floored at 2 %, MMR raised to IMR / 2
      const r2 = marginRates(0.0033);
      expect([r2.mmr, r2.imr, r2.maintenanceScalar]).to.deep.equal([0.01, 0.02, 0.5]);
      // exactly on the grid: 3 % stays 3 %, IMR 5 %, scalar exactly 0.6
      const r3 = marginRates(0.03);
      expect([r3.mmr, r3.imr, r3.maintenanceScalar].map((x) => decimalString(x, 4))).to.deep.equal([
        "0.03",
        "0.05",
        "0.6",
      ]);
    });

    it("offset rate: clamped to [0, 0.5] and rounded down to 0.05", () => {
      expect(offsetRate(0.055, 0.035, 0.0525)).to.equal(0.5); // 0.536 -> 0.5
      expect(decimalString(offsetRate(0.03, 0.03, 0.05), 2)).to.equal("0.15"); // 0.1667
      expect(offsetRate(0.01, 0.01, 0.05)).to.equal(0); // negative -> 0
      const s = hedgeSaving(0.03, 0.03, 0.05, 0.15);
      expect(s.hedged).to.be.closeTo(0.051, 1e-12); // max(0.05, 0.06 - 0.15 * 0.06)
      expect(s.saving).to.be.closeTo(0.15, 1e-12);
    });

    it("collateral weights: wM capped at 0.95, wI = wM - 0.05, discount within 1 - wM", () => {
      const calm = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 0.001 : -0.001));
      const c = deriveCollateral("CALM", calm, 1e9);
      expect(c.maintenanceWeight).to.equal(0.95);
      expect(decimalString(c.initialWeight, 2)).to.equal("0.9");
      expect(c.liquidationDiscount).to.equal(0.05);
      expect(c.sizeThreshold).to.equal(100_000); // 0.01 % of 1e9
      expect(sigString(c.sizeFactor, 3)).to.equal("0.000316"); // 1 / sqrt(1e7)
    });
  });

  describe("synthetic normal series", () => {
    const SIGMA = 0.042;
    const N = 20_000;
    // exact normal quantiles at (i + 0.5) / N, interleaved low/high so the price path stays near 100
    const sorted = Array.from({ length: N }, (_, i) => SIGMA * normInv((i + 0.5) / N));
    const returns = sorted.map(
      (_, i) => sorted[i % 2 === 0 ? i / 2 : N - 1 - (i - 1) / 2] as number,
    );

    it("the inverse normal reproduces the constants", () => {
      expect(normInv(0.995)).to.be.closeTo(RULES.z, 1e-4);
      expect(RULES.tailLevel).to.equal(0.99);
    });

    it("the fat-tail factor is 1 on normal returns and MMR lands where the formula says", () => {
      const rows = parseDailyCsv(csvOf([0, ...returns], 1e9));
      const rs = logReturns(rows).map((r) => r.r);
      expect(rs.length).to.equal(N);
      const tail = tailStats(rs);
      expect(tail.sigma).to.be.closeTo(SIGMA, SIGMA * 0.005);
      // Q(|r|, 0.99) of normal returns is the one-sided point z_0.995 = 2.5758 sigma: c = 1
      expect(tail.absQuantile / tail.sigma).to.be.closeTo(RULES.z, 0.02);
      expect(tail.c).to.be.closeTo(1, 0.01);
      const expectedMove = 1 - Math.exp(-RULES.z * SIGMA * Math.sqrt(1 / 24)); // 2.184 %
      const m = deriveMarket("SYN-PERP", rs, 1e9);
      expect(m.move).to.be.closeTo(expectedMove, expectedMove * 0.01);
      expect(decimalString(m.mmr, 4)).to.equal("0.0225"); // 2.184 % rounded up to 0.25 %
      expect(decimalString(m.imr, 4)).to.equal("0.0375"); // 2.25 / 0.6 = 3.75 % exactly
      expect(decimalString(m.maintenanceScalar, 4)).to.equal("0.6");
      expect(m.sizeNotional).to.equal(500_000); // 0.05 % of 1e9
      expect(sigString(m.imrSizeFactor, 3)).to.equal(sigString(0.0375 / Math.sqrt(500_000), 3));
    });

    it("fat tails raise the factor above 1", () => {
      // every 50th return five times larger: |r| 99 % point well beyond 2.5758 sigma
      const fat = returns.map((r, i) => (i % 50 === 0 ? 5 * r : r));
      expect(tailStats(fat).c).to.be.greaterThan(1.1);
    });
  });

  describe("date window", () => {
    const day0 = Date.UTC(2000, 0, 1);
    const rows = Array.from({ length: 2000 }, (_, i) => ({
      date: new Date(day0 + i * 86_400_000).toISOString().slice(0, 10),
      close: 100 + (i % 7),
      volume: 1,
    }));
    const last = rows[rows.length - 1]?.date as string; // 2005-06-22

    it("by default keeps the rows dated at most 1,095 days before the last date", () => {
      const w = windowRows(rows, {}, RULES.windowDays);
      expect(RULES.windowDays).to.equal(1095);
      expect(w).to.have.length(1096);
      expect(w[0]?.date).to.equal("2002-06-23");
      expect(w[w.length - 1]?.date).to.equal(last);
    });

    it("--from and --to bound every series; --to alone ends the default window there", () => {
      const w = windowRows(rows, { from: "2001-03-01", to: "2001-03-31" }, RULES.windowDays);
      expect([w[0]?.date, w[w.length - 1]?.date, w.length]).to.deep.equal([
        "2001-03-01",
        "2001-03-31",
        31,
      ]);
      const t = windowRows(rows, { to: "2004-12-31" }, RULES.windowDays);
      expect([t[0]?.date, t[t.length - 1]?.date]).to.deep.equal(["2002-01-01", "2004-12-31"]);
      const f = windowRows(rows, { from: "2005-06-01" }, RULES.windowDays);
      expect([f[0]?.date, f[f.length - 1]?.date]).to.deep.equal(["2005-06-01", last]);
      expect(() => windowRows(rows, { from: "2006-01-01" }, RULES.windowDays)).to.throw(/empty/);
    });

    it("the source records the window read and the method states it", () => {
      const r = buildRiskParams({ from: "2019-01-01", to: "2020-12-31" });
      const doc = riskParamsDocument(r);
      expect(doc.source["ETH"]).to.include({ from: "2019-01-01", to: "2020-12-31" });
      expect(doc.source["BTC"]).to.include({ from: "2019-01-01", to: "2020-12-31" });
      expect(Number(doc.source["ETH"]?.days)).to.be.within(725, 731);
      expect(doc.method).to.equal(methodSummary({ from: "2019-01-01", to: "2020-12-31" }));
      expect(doc.method).to.contain("2019-01-01 .. 2020-12-31");
      expect(() => buildRiskParams({ from: "2019-02-30" })).to.throw(/--from/);
      expect(() => buildRiskParams({ from: "2020-01-02", to: "2020-01-01" })).to.throw(/after/);
    });
  });

  describe("committed file", () => {
    const committed = path.join(PROJECT_ROOT, RISK_PARAMS_FILE);
    const fresh = buildRiskParams();

    it("equals a fresh run byte for byte", () => {
      expect(readFileSync(committed, "utf8")).to.equal(riskParamsJson(fresh));
    });

    it("the CLI's --check passes on it and fails on a stale copy", () => {
      const cli = (out: string): number | null =>
        spawnSync(
          process.execPath,
          [
            require.resolve("ts-node/dist/bin"),
            "--transpile-only",
            "scripts/risk-params.ts",
            "--check",
            "--quiet",
            "--out",
            out,
          ],
          { cwd: PROJECT_ROOT, encoding: "utf8" },
        ).status;
      expect(cli(committed)).to.equal(0);
      const stale = path.join(mkdtempSync(path.join(tmpdir(), "risk-params-")), "stale.json");
      writeFileSync(
        stale,
        readFileSync(committed, "utf8").replace(/"rate": "[^"]*"/, '"rate": "0"'),
      );
      expect(cli(stale)).to.equal(1);
    });

    it("reads the last 3 years of each series by default", () => {
      const doc = riskParamsDocument(fresh);
      for (const sym of ["ETH", "BTC"]) {
        const src = doc.source[sym];
        const span = (Date.parse(src?.to ?? "") - Date.parse(src?.from ?? "")) / 86_400_000;
        expect(span).to.equal(RULES.windowDays);
        expect(Number(src?.days)).to.be.within(RULES.windowDays - 10, RULES.windowDays + 1);
      }
      expect(doc.method).to.match(/^window: last 3 years/);
    });

    it("SOL needs more margin than BTC", () => {
      const doc = riskParamsDocument(fresh);
      const sol = doc.markets["SOL-PERP"];
      const btc = doc.markets["BTC-PERP"];
      expect(Number(sol?.imrBase)).to.be.greaterThan(Number(btc?.imrBase));
      expect(Number(sol?.mmr)).to.be.greaterThan(Number(btc?.mmr));
      if (!existsSync(path.join(PROJECT_ROOT, "data/SOL-USD-daily.csv")))
        expect(sol?.proxy).to.equal("ETH x1.5");
    });

    it("--data replaces a series (and its proxy) with the given file", () => {
      const r = buildRiskParams({
        data: { SOL: path.join(PROJECT_ROOT, "data/ETH-USD-daily.csv") },
      });
      const doc = riskParamsDocument(r);
      expect(doc.markets["SOL-PERP"]?.proxy).to.equal(undefined);
      const { proxy: _p, ...sol } = doc.markets["SOL-PERP"] ?? {};
      expect(sol).to.deep.equal(doc.markets["ETH-PERP"]);
    });
  });

  describe("loader", () => {
    const base = (): ReturnType<typeof riskParamsDocument> =>
      JSON.parse(readFileSync(path.join(PROJECT_ROOT, RISK_PARAMS_FILE), "utf8"));

    it("accepts the committed file", () => {
      const p = parseRiskParams(base());
      expect(Object.keys(p.markets)).to.include.members(["ETH-PERP", "BTC-PERP", "SOL-PERP"]);
      expect(p.offsets).to.have.length(1);
    });

    it("enforces the on-chain bounds: imrBase in [0.02, 1], scalar in [0.5, 0.9], wM <= 0.95", () => {
      expect(ONCHAIN_BOUNDS).to.deep.equal({
        minImrBase: 0.02,
        maxImrBase: 1,
        minMaintenanceScalar: 0.5,
        maxMaintenanceScalar: 0.9,
        maxCollateralWeight: 0.95,
      });
      expect(RULES.imrFloor).to.equal(ONCHAIN_BOUNDS.minImrBase);
      expect(RULES.maxWeight).to.equal(ONCHAIN_BOUNDS.maxCollateralWeight);
      const market = (patch: Record<string, string>): (() => unknown) => {
        const doc = base();
        const m = doc.markets["BTC-PERP"];
        if (m === undefined) throw new Error("no BTC-PERP");
        Object.assign(m, { mmr: "0.01", maxLeverage: "1" }, patch);
        return () => parseRiskParams(doc);
      };
      expect(market({ imrBase: "0.02" })).not.to.throw();
      expect(market({ imrBase: "0.0199" })).to.throw(/imrBase/);
      expect(market({ imrBase: "1.01" })).to.throw(/imrBase/);
      expect(market({ maintenanceScalar: "0.5" })).not.to.throw();
      expect(market({ maintenanceScalar: "0.9" })).not.to.throw();
      expect(market({ maintenanceScalar: "0.4999" })).to.throw(/maintenanceScalar/);
      expect(market({ maintenanceScalar: "0.9001" })).to.throw(/maintenanceScalar/);
      const doc = base();
      const weth = doc.collaterals["WETH"];
      if (weth === undefined) throw new Error("no WETH");
      Object.assign(weth, { maintenanceWeight: "0.95", liquidationDiscount: "0.05" });
      expect(() => parseRiskParams(doc)).not.to.throw();
      weth.maintenanceWeight = "0.96";
      expect(() => parseRiskParams(doc)).to.throw(/maintenanceWeight/);
    });

    it("rejects a weight of 1.0", () => {
      const doc = base();
      const weth = doc.collaterals["WETH"];
      if (weth === undefined) throw new Error("no WETH");
      weth.maintenanceWeight = "1.0";
      expect(() => parseRiskParams(doc)).to.throw(/maintenanceWeight/);
    });

    it("rejects an initial weight above the maintenance weight", () => {
      const doc = base();
      const weth = doc.collaterals["WETH"];
      if (weth === undefined) throw new Error("no WETH");
      weth.initialWeight = (Number(weth.maintenanceWeight) + 0.01).toFixed(2);
      expect(() => parseRiskParams(doc)).to.throw(/initialWeight/);
    });

    it("rejects numbers that are not decimal strings, and a rate above 0.5", () => {
      const doc = base() as unknown as { markets: Record<string, Record<string, unknown>> };
      (doc.markets["ETH-PERP"] as Record<string, unknown>).imrBase = 0.05;
      expect(() => parseRiskParams(doc)).to.throw(/imrBase/);
      const doc2 = base();
      (doc2.offsets[0] as { rate: string }).rate = "0.55";
      expect(() => parseRiskParams(doc2)).to.throw(/rate/);
      const doc3 = base();
      (doc3.collaterals["WBTC"] as { sizeFactor: string }).sizeFactor = "1e-5";
      expect(() => parseRiskParams(doc3)).to.throw(/decimal string/);
    });
  });
});

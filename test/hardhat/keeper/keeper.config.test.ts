/** The keeper's operator-facing parts without a node: configuration (precedence and validation),
 *  readable log text, the Prometheus exposition and health, the stop-signal handler. Expected
 *  values are written out by hand. */
import { expect } from "chai";
import { spawn } from "child_process";
import { EventEmitter } from "events";
import path from "path";
import { Wallet } from "ethers";
import { REPO_ROOT } from "../../../src/devnet/node";
import { accountId } from "../../../src/common/accounts";
import { loadConfig } from "../../../src/keeper/config";
import { configError } from "../../helpers/keeperConfig";
import { accountText, formatAmount, textLine } from "../../../src/keeper/format";
import { KeeperMetrics, toUnits } from "../../../src/keeper/metrics";
import { handleStopSignals } from "../../../src/keeper/signals";
import { jsonLogger, memoryLogger, textLogger } from "../../../src/keeper";

const files = (content: Record<string, string>) => (f: string) => {
  if (!(f in content)) throw new Error(`ENOENT: ${f}`);
  return content[f];
};

describe("keeper operations: configuration, log text, metrics, signals", function () {
  describe("configuration", function () {
    const file = files({
      "k.json": JSON.stringify({ interval: 1000, batchSize: 50, debug: true }),
    });

    it("flags > KEEPER_* environment > config file > defaults", function () {
      const env = { KEEPER_INTERVAL: "2000", KEEPER_CONFIG: "k.json" };
      const all = loadConfig(["--interval", "3000"], env, file);
      expect(all.intervalMs).to.equal(3000);
      expect(all.sources.interval).to.equal("flag");
      expect(loadConfig([], env, file).intervalMs).to.equal(2000);
      const fromFile = loadConfig(["--config", "k.json"], {}, file);
      expect([fromFile.intervalMs, fromFile.batchSize, fromFile.debug]).to.deep.equal([
        1000,
        50,
        true,
      ]);
      expect(fromFile.sources.interval).to.equal("config");
      const none = loadConfig([], {}, file);
      expect([none.intervalMs, none.batchSize, none.debug, none.rpc]).to.deep.equal([
        5000,
        500,
        false,
        ["http://127.0.0.1:8545"],
      ]);
      expect(none.metricsPort).to.equal(undefined); // metrics off by default
      expect(none.logFormat).to.equal("text");
      expect(none.healthMaxAgeMs).to.equal(60_000); // max(60 s, 3 x 5 s)
      expect(loadConfig(["--interval", "30000"], {}).healthMaxAgeMs).to.equal(90_000);
      expect(loadConfig([], { KEEPER_IGNORE_PROFIT: "true" }).ignoreProfit).to.equal(true);
    });

    it("per-action profit thresholds: orders default to 0, the rest to --min-profit", function () {
      const c = loadConfig(["--min-profit", "2", "--min-profit-liquidate", "3.25"], {});
      expect(c.minProfitUsd).to.equal("2");
      expect(c.minProfitByAction).to.deep.equal({ liquidate: "3.25", settle: "0", cancel: "0" });
      const e = loadConfig([], { KEEPER_MIN_PROFIT_SETTLE: "0.1" });
      expect(e.minProfitByAction.settle).to.equal("0.1");
    });

    it("housekeeping thresholds: off unless set, never negative", function () {
      const off = loadConfig([], {});
      expect([off.collectFeesUsd, off.sweepFundUsd]).to.deep.equal([undefined, undefined]);
      const on = loadConfig(["--collect-fees-usd", "25"], { KEEPER_SWEEP_FUND_USD: "0.5" });
      expect([on.collectFeesUsd, on.sweepFundUsd]).to.deep.equal(["25", "0.5"]);
      expect(configError(() => loadConfig([], { KEEPER_SWEEP_FUND_USD: "-1" }))).to.match(
        /sweep-fund-usd \(-1, from env\) must not be negative/,
      );
    });

    it("refuses unknown keys, bad numbers and bad URLs with the setting's name", function () {
      expect(
        configError(() =>
          loadConfig(["--config", "bad.json"], {}, files({ "bad.json": '{"intervall": 5}' })),
        ),
      ).to.match(/bad\.json: unknown key intervall/);
      expect(configError(() => loadConfig(["--interval", "5s"], {}))).to.match(
        /--interval: expected a whole number, got "5s"/,
      );
      expect(configError(() => loadConfig([], { KEEPER_BATCH_SIZE: "0" }))).to.match(
        /KEEPER_BATCH_SIZE: expected at least 1/,
      );
      expect(configError(() => loadConfig(["--metrics-port", "70000"], {}))).to.match(
        /--metrics-port: expected at most 65535/,
      );
      expect(configError(() => loadConfig(["--min-profit", "1,5"], {}))).to.match(
        /--min-profit: expected a decimal number/,
      );
      expect(configError(() => loadConfig(["--rpc", "localhost:8545"], {}))).to.match(
        /--rpc: expected an http\(s\) or ws\(s\) URL/,
      );
      expect(configError(() => loadConfig(["--rpc", "not a url"], {}))).to.match(
        /--rpc: expected a URL/,
      );
      expect(configError(() => loadConfig(["--log-format", "xml"], {}))).to.match(
        /--log-format: expected one of json, text/,
      );
      expect(configError(() => loadConfig(["--intervall", "5"], {}))).to.match(/command line/);
      expect(configError(() => loadConfig(["--eth-usd", "fixed:abc"], {}))).to.match(
        /--eth-usd: expected market:<id> \| collateral:<address> \| fixed:<usd>/,
      );
      expect(loadConfig(["--eth-usd", "fixed:3000.5"], {}).ethUsd).to.equal("fixed:3000.5");
      expect(
        configError(() =>
          loadConfig([], { KEEPER_CONFIG: "x.json" }, files({ "x.json": "{interval: 5}" })),
        ),
      ).to.match(/x\.json: not JSON/);
      expect(configError(() => loadConfig(["--config", "missing.json"], {}, files({})))).to.match(
        /missing\.json: cannot read it/,
      );
      const cfgBad = files({ "b.json": '{"once": "maybe"}' });
      expect(configError(() => loadConfig(["--config", "b.json"], {}, cfgBad))).to.match(
        /b\.json: once: expected true or false/,
      );
      // Unknown KEEPER_* variables are reported, not fatal (the key and test knobs are known).
      const c = loadConfig([], {
        KEEPER_INTERVALL: "1",
        KEEPER_PRIVATE_KEY: "0x",
        KEEPER_TEST_X: "1",
      });
      expect(c.unknownEnv).to.deep.equal(["KEEPER_INTERVALL"]);
    });

    it("scripts/keeper.ts stops with exit code 2 and the message before connecting", async function () {
      const bin = path.join(REPO_ROOT, "node_modules", ".bin", "ts-node");
      const child = spawn(
        bin,
        ["--transpile-only", "scripts/keeper.ts", "--rpc", "http://127.0.0.1:1"],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, KEEPER_BATCH_SIZE: "0" },
        },
      );
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code, err).to.equal(2);
      expect(err).to.include(
        'keeper: configuration error: KEEPER_BATCH_SIZE: expected at least 1, got "0"',
      );
    });
  });

  describe("log text", function () {
    const owner = Wallet.createRandom().address;

    it("accounts as owner/sub, amounts with units, idle passes in one short line", function () {
      expect(accountText(accountId(owner, 3))).to.equal(`${owner}/3`);
      expect(accountText(accountId(owner))).to.equal(`${owner}/0`);
      expect(formatAmount(1_234_567n, 6)).to.equal("1.234567");
      expect(formatAmount(-2_500_000n, 6)).to.equal("-2.5");
      expect(formatAmount(10n ** 18n * 7n, 18)).to.equal("7");
      expect(formatAmount(123_456_789n, 9, 4)).to.equal("0.1234");

      const lines: string[] = [];
      const log = textLogger({ write: (l) => lines.push(l) });
      log({ event: "keeper_ready", quoteSymbol: "USDC", quoteDecimals: 6 });
      log({
        event: "won",
        kind: "liquidate",
        account: accountId(owner, 2),
        reward: 12_500_000n,
        gasCostUsd: 820_000_000_000_000_000n,
      });
      log({ event: "index_page", level: "debug", from: 1, to: 2 });
      log({
        event: "pass",
        block: 47,
        newBlocks: 0,
        scanned: 6,
        liquidatable: 0,
        errors: 0,
        aborted: false,
      });
      expect(lines).to.have.length(3); // debug dropped
      expect(lines[1]).to.match(
        new RegExp(
          `INFO  won kind=liquidate account=${owner}/2 reward="12.5 USDC" gasCostUsd="0.82 USD"$`,
        ),
      );
      expect(lines[2]).to.match(/INFO {2}pass block=47 newBlocks=0 scanned=6$/);
      expect(textLine({ event: "x", level: "warn", error: "a b" })).to.match(
        /WARN {2}x error="a b"$/,
      );

      const json: string[] = [];
      jsonLogger({ write: (l) => json.push(l), readableAccounts: true })({
        event: "sent",
        account: accountId(owner, 9),
        reward: 5n,
      });
      const parsed = JSON.parse(json[0]) as Record<string, unknown>;
      expect([parsed.account, parsed.reward]).to.deep.equal([`${owner}/9`, "5"]);
    });
  });

  describe("metrics", function () {
    it("Prometheus text from the keeper's events; health from the last good pass", async function () {
      let now = 1_000_000;
      const m = new KeeperMetrics({ healthMaxAgeMs: 10_000, now: () => now, confirmations: 2 });
      expect(m.health().ok).to.equal(true); // just started
      m.observe({ event: "keeper_ready", quoteSymbol: "USDC", quoteDecimals: 6 });
      m.observe({ event: "sent", kind: "liquidate" });
      m.observe({ event: "sent", kind: "settle" });
      m.observe({ event: "won", kind: "liquidate", reward: 2_500_000n });
      m.observe({ event: "lost", kind: "settle" });
      m.observe({ event: "rpc_retry", label: "call" });
      m.observe({ event: "rpc_retry", label: "call" });
      now += 9_000;
      m.observe({
        event: "pass",
        block: 120,
        knownAccounts: 7,
        liquidatable: 3,
        gasSpentWei: 1_500_000_000_000_000n,
        errors: 1,
        durationMs: 250,
        aborted: false,
      });
      const text = await m.render();
      const want = [
        "# TYPE keeper_accounts_indexed gauge",
        "keeper_accounts_indexed 7",
        "keeper_last_block_scanned 120",
        "keeper_block_lag 2",
        "keeper_liquidatable_accounts 3",
        "keeper_liquidatable_seen_total 3",
        "# TYPE keeper_transactions_sent_total counter",
        'keeper_transactions_sent_total{action="liquidate"} 1',
        'keeper_transactions_sent_total{action="settle"} 1',
        'keeper_transactions_won_total{action="liquidate"} 1',
        'keeper_transactions_lost_total{action="settle"} 1',
        'keeper_rewards_total{token="USDC"} 2.5',
        "keeper_gas_spent_eth_total 0.0015",
        "keeper_rpc_errors_total 2",
        "keeper_errors_total 1",
        "keeper_passes_total 1",
        "keeper_last_pass_duration_seconds 0.25",
        "keeper_last_pass_timestamp_seconds 1009",
      ];
      for (const line of want) expect(text.split("\n"), line).to.include(line);
      expect(toUnits(-1_500_000n, 6)).to.equal(-1.5);
      now += 10_000;
      expect(m.health()).to.deep.include({ ok: true, ageMs: 10_000 });
      now += 1;
      expect(m.health().ok).to.equal(false);
    });
  });

  describe("stop signals", function () {
    it("the first SIGTERM aborts the run, a second one forces an exit", function () {
      const log = memoryLogger();
      const exits: number[] = [];
      // Signals from an emitter of the test's own: a process-wide SIGTERM would also reach the
      // other listeners of the mocha process (node launchers, libraries) and could end it.
      const source = new EventEmitter();
      const h = handleStopSignals({
        log,
        drainTimeoutMs: 1_000,
        exit: (c) => exits.push(c),
        source,
      });
      try {
        source.emit("SIGTERM", "SIGTERM");
        expect(h.controller.signal.aborted).to.equal(true);
        expect(h.stoppedBy).to.equal("SIGTERM");
        expect(exits).to.deep.equal([]);
        source.emit("SIGINT", "SIGINT");
        expect(exits).to.deep.equal([130]);
        expect(log.events.map((e) => e.event)).to.deep.equal(["stopping", "stop_forced"]);
      } finally {
        h.dispose();
      }
      expect(source.listenerCount("SIGTERM")).to.equal(0);
    });
  });
});

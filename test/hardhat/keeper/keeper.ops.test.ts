/** The keeper as operators run it, against a real `hardhat node`: `npm run keeper` stopped by
 *  SIGTERM while a transaction is in flight (drained, state saved, exit 0, no orphan), `/metrics`
 *  and `/healthz` scraped over HTTP from a running keeper, per-action profit thresholds. Expected
 *  figures come from the chain (events, receipts) or from hand arithmetic, not from the keeper. */
import { expect } from "chai";
import { spawn } from "child_process";
import fs from "fs";
import http from "http";
import path from "path";
import { writeRecord } from "../../../deploy/record";
import { REPO_ROOT, rpc } from "../../../src/devnet/node";
import { commitOrder, openAccount, setMarketPrice } from "../../../src/devnet/seed";
import { KeeperMetrics, serveMetrics } from "../../../src/keeper/metrics";
import { memoryLogger, teeLogger } from "../../../src/keeper";
import { startFlakyProxy } from "../../helpers/flakyRpc";
import {
  crashEth,
  KeeperNet,
  makeKeeper,
  openLongs,
  trader,
  useSharedKeeperNet,
} from "../../helpers/keeperNet";
import { localProvider } from "../../../src/devnet/node";

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

/** `name{labels} value` -> value, from Prometheus text. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    if (line.slice(0, i) === series) return Number(line.slice(i + 1));
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every account the engine's events name (Deposited, PositionModified, OrderCommitted). */
async function accountsOnChain(net: KeeperNet): Promise<number> {
  const e = net.system.engine;
  const seen = new Set<bigint>();
  for (const f of [e.filters.Deposited(), e.filters.PositionModified(), e.filters.OrderCommitted()])
    for (const ev of await e.queryFilter(f, net.system.record.startBlock))
      seen.add(ev.args.account as bigint);
  return seen.size;
}

describe("keeper operations (hardhat node)", function () {
  let net: KeeperNet;

  useSharedKeeperNet((n) => (net = n));

  it("npm run keeper: SIGTERM with a liquidation in flight drains it, saves the state, exits 0, leaves no process", async function () {
    const [account] = await openLongs(net, ["10"]);
    await crashEth(net);
    const record = writeRecord(net.system.record, net.tmp);
    const stateFile = path.join(net.tmp, "sigterm-state.json");
    await rpc(net.node.url, "evm_setAutomine", [false]); // our transaction stays pending
    const head = await net.provider.getBlockNumber();
    const child = spawn(
      "npm",
      ["run", "--silent", "keeper", "--", "--rpc", net.node.url, "--deployment", record],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          KEEPER_PRIVATE_KEY: "",
          KEEPER_STATE: stateFile,
          KEEPER_INTERVAL: "200",
          KEEPER_METRICS_PORT: "0",
          KEEPER_MIN_PROFIT: "1",
          KEEPER_LOG_FORMAT: "json",
        },
      },
    );
    const lines: Record<string, unknown>[] = [];
    let out = "";
    const waiters: { event: string; resolve: (l: Record<string, unknown>) => void }[] = [];
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const parts = out.split("\n");
      out = parts.pop()!;
      for (const p of parts) {
        const l = JSON.parse(p) as Record<string, unknown>;
        lines.push(l);
        for (const w of waiters.filter((x) => x.event === l.event)) w.resolve(l);
      }
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const waitFor = (event: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const found = lines.find((l) => l.event === event);
        if (found) return resolve(found);
        waiters.push({ event, resolve });
        void exited.then((code) =>
          reject(new Error(`exited (${code}) before ${event}: ${err} ${JSON.stringify(lines)}`)),
        );
      });
    try {
      const start = await waitFor("start");
      const pid = Number(start.pid);
      expect(pid).to.not.equal(child.pid); // npm's child, not npm itself
      const sent = await waitFor("sent");
      expect(sent.account).to.equal(`${trader(net).address}/0`);
      const scraped = await get(String(start.metrics));
      expect(scraped.status).to.equal(200);
      expect(sample(scraped.body, 'keeper_transactions_sent_total{action="liquidate"}')).to.equal(
        1,
      );
      expect((await get(String(start.metrics).replace("/metrics", "/healthz"))).status).to.equal(
        200,
      );

      child.kill("SIGTERM"); // to npm: it must reach the keeper
      await waitFor("stopping");
      await new Promise((r) => setTimeout(r, 400));
      expect(alive(pid), "the keeper waits for its receipt").to.equal(true);
      await rpc(net.node.url, "evm_mine");

      const code = await exited;
      expect(code, err).to.equal(0);
      const won = lines.find((l) => l.event === "won")!;
      expect(won.kind).to.equal("liquidate");
      const summary = lines.find((l) => l.event === "summary")!;
      expect([summary.liquidationsSent, summary.liquidationsWon]).to.deep.equal([1, 1]);
      expect(lines.at(-1)!.event).to.equal("stopped");
      expect(await net.system.engine.isLiquidatable(account)).to.equal(false);
      const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as { lastBlock: number };
      expect(state.lastBlock).to.equal(head); // indexed up to the head it saw
      await new Promise((r) => setTimeout(r, 200));
      expect(alive(pid), "keeper process gone").to.equal(false);
      const ps = await new Promise<string>((resolve) => {
        const p = spawn("ps", ["-eo", "pid,args"]);
        let s = "";
        p.stdout.on("data", (d: Buffer) => (s += d.toString()));
        p.on("exit", () => resolve(s));
      });
      expect(ps.split("\n").filter((l) => l.includes(record))).to.deep.equal([]);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("/metrics and /healthz over HTTP: figures follow passes, liquidations, RPC errors and the head", async function () {
    const proxy = await startFlakyProxy(net.node.url, { failFirst: 2, modes: ["503"] });
    const provider = localProvider(proxy.url);
    let clock = Date.now();
    const metrics = new KeeperMetrics({
      healthMaxAgeMs: 60_000,
      now: () => clock,
      headBlock: () => net.provider.getBlockNumber(),
    });
    const server = await serveMetrics(metrics, 0);
    const base = `http://127.0.0.1:${server.port}`;
    const scrape = async () => (await get(`${base}/metrics`)).body;
    try {
      const log = memoryLogger();
      const keeper = makeKeeper(net, 6, { log: teeLogger(log, metrics.observe) }, provider);
      const before = await scrape();
      expect(sample(before, "keeper_passes_total")).to.equal(0);
      expect(before).to.include("# TYPE keeper_transactions_sent_total counter");

      await keeper.runOnce();
      let m = await scrape();
      expect(sample(m, "keeper_passes_total")).to.equal(1);
      expect(sample(m, "keeper_accounts_indexed")).to.equal(await accountsOnChain(net));
      expect(sample(m, "keeper_last_block_scanned")).to.equal(await net.provider.getBlockNumber());
      expect(sample(m, "keeper_block_lag")).to.equal(0);
      expect(sample(m, "keeper_liquidatable_accounts")).to.equal(0);
      expect(sample(m, "keeper_rpc_errors_total")).to.equal(proxy.stats.failed);
      expect(proxy.stats.failed).to.equal(2);

      const from = (await net.provider.getBlockNumber()) + 1;
      await openLongs(net, ["10", "10.5"]);
      await crashEth(net);
      const scanned = await net.provider.getBlockNumber(); // the head the pass indexes up to
      await keeper.runOnce();
      m = await scrape();
      expect(sample(m, "keeper_last_block_scanned")).to.equal(scanned);
      expect(sample(m, "keeper_passes_total")).to.equal(2);
      expect(sample(m, "keeper_accounts_indexed")).to.equal(await accountsOnChain(net));
      expect(sample(m, "keeper_liquidatable_accounts")).to.equal(2);
      expect(sample(m, "keeper_liquidatable_seen_total")).to.equal(2);
      expect(sample(m, 'keeper_transactions_sent_total{action="liquidate"}')).to.equal(2);
      expect(sample(m, 'keeper_transactions_won_total{action="liquidate"}')).to.equal(2);
      const me = await keeper.opts.signer.getAddress();
      const e = net.system.engine;
      const paid = await e.queryFilter(e.filters.LiquidationFeePaid(undefined, me), from);
      const rewards = paid.reduce((s, x) => s + x.args.keeperRewardQuote, 0n);
      expect(rewards).to.be.greaterThan(0n);
      expect(sample(m, 'keeper_rewards_total{token="USDC"}')).to.be.closeTo(
        Number(rewards) / 1e6,
        1e-9,
      );
      let wei = 0n;
      for (const h of new Set(paid.map((x) => x.transactionHash))) {
        const r = (await net.provider.getTransactionReceipt(h))!;
        wei += r.gasUsed * r.gasPrice;
      }
      expect(sample(m, "keeper_gas_spent_eth_total")).to.be.closeTo(Number(wei) / 1e18, 1e-12);

      for (let i = 0; i < 3; i++) await rpc(net.node.url, "evm_mine");
      const lag = (await net.provider.getBlockNumber()) - scanned; // 2 liquidations + 3 blocks
      expect(lag).to.equal(5);
      expect(sample(await scrape(), "keeper_block_lag")).to.equal(lag);

      expect((await get(`${base}/healthz`)).status).to.equal(200);
      clock += 60_001;
      const stale = await get(`${base}/healthz`);
      expect(stale.status).to.equal(503);
      expect(JSON.parse(stale.body).status).to.equal("stale");
      await keeper.runOnce();
      expect((await get(`${base}/healthz`)).status).to.equal(200);
      expect((await get(`${base}/nope`)).status).to.equal(404);

      // An idle pass (no new block): one line at info, and no empty block range.
      const n = log.events.length;
      await keeper.runOnce();
      const idle = log.events.slice(n);
      const info = idle.filter((e) => (e.level ?? "info") !== "debug").map((e) => e.event);
      expect(info).to.deep.equal(["pass"]);
      const indexed = idle.find((e) => e.event === "indexed")!;
      expect(indexed.newBlocks).to.equal(0);
      expect(indexed).to.not.have.property("fromBlock");
      expect(idle.find((e) => e.event === "pass")!.newBlocks).to.equal(0);
    } finally {
      await server.close();
      provider.destroy();
      await proxy.close();
    }
  });

  it("a standard order (1 USD fee) settles with the order threshold; gas is priced even when profit is ignored", async function () {
    const owner = trader(net);
    const alice = await openAccount(net.system, owner, 0, { deposits: { USDC: "10000" } });
    const bob = await openAccount(net.system, owner, 1, { deposits: { USDC: "10000" } });
    await commitOrder(net.system, owner, alice, 0, "1", 600);
    await rpc(net.node.url, "evm_increaseTime", [30]);
    await setMarketPrice(net.system, 0, "3010");

    // One threshold for every action skips it when the fee, less the gas, is below it: about
    // 166k gas at this node's 1 gwei and 3,010 USD per ETH costs about 0.5 USD, which leaves
    // less than 0.9 of the 1 USD fee.
    const strict = makeKeeper(net, 6, { minProfitUsd: "0.9" });
    const r0 = await strict.runOnce();
    expect(r0.ordersSettled).to.equal(0);
    const skip = strict.events.find((e) => e.event === "skip_unprofitable")!;
    expect(skip.kind).to.equal("settle");
    expect(skip.rewardUsd).to.equal(10n ** 18n); // the 1 USD order fee
    expect(skip.gasCostUsd as bigint).to.be.greaterThan(0n);
    expect(skip.profitUsd).to.equal((skip.rewardUsd as bigint) - (skip.gasCostUsd as bigint));
    expect(skip.minProfitUsd).to.equal(9n * 10n ** 17n);

    // The command line's defaults: 0.5 USD, but 0 for settling and cancelling orders.
    const ops = makeKeeper(net, 6, {
      minProfitUsd: "0.5",
      minProfitByAction: { settle: "0", cancel: "0" },
    });
    const r1 = await ops.runOnce();
    expect(r1.ordersSettled).to.equal(1);
    expect((await net.system.engine.getPosition(alice, 0)).size).to.equal(10n ** 18n);

    await commitOrder(net.system, owner, bob, 0, "1", 600);
    await rpc(net.node.url, "evm_increaseTime", [30]);
    await setMarketPrice(net.system, 0, "3020");
    const testnet = makeKeeper(net, 7, { ignoreProfit: true });
    const r2 = await testnet.runOnce();
    expect(r2.ordersSettled).to.equal(1);
    const sent = testnet.events.find((e) => e.event === "sent")!;
    expect(sent.gasCostUsd as bigint).to.be.greaterThan(0n);
  });
});

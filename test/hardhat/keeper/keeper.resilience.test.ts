/** The keeper against a real `hardhat node`: an RPC that errors, restarts from the state file
 *  (after a full pass and in the middle of indexing), and the `npm run keeper` command line. */
import { expect } from "chai";
import fs from "fs";
import path from "path";
import { writeRecord } from "../../../deploy/record";
import { FastJsonRpcProvider } from "../../../src/common/rpc";
import { localProvider } from "../../../src/devnet/node";
import { FlakyProxy, startFlakyProxy } from "../../helpers/flakyRpc";
import {
  crashEth,
  KeeperNet,
  liquidationCounts,
  makeKeeper,
  openLongs,
  runKeeperCli,
  useSharedKeeperNet,
} from "../../helpers/keeperNet";

describe("keeper resilience (hardhat node)", function () {
  let net: KeeperNet;

  useSharedKeeperNet((n) => (net = n));

  describe("an RPC that errors", function () {
    let proxy: FlakyProxy;
    afterEach(async function () {
      await proxy?.close();
    });

    it("retries with backoff and completes the pass", async function () {
      const accounts = await openLongs(net, ["10", "10.5", "11", "10.2"]);
      await crashEth(net);
      const start = await net.provider.getBlockNumber();
      proxy = await startFlakyProxy(net.node.url, { failFirst: 3, failEvery: 4 });
      const provider = localProvider(proxy.url);
      try {
        const keeper = makeKeeper(net, 6, { maxRetries: 10, retryBaseMs: 5 }, provider);
        const r = await keeper.runOnce();
        expect(r.errors).to.equal(0);
        expect(r.liquidationsWon).to.equal(accounts.length);
        const { counts } = await liquidationCounts(net, start);
        for (const a of accounts) expect(counts.get(a)).to.equal(1);
        expect(proxy.stats.failed).to.be.greaterThan(5);
        for (const mode of ["503", "reset", "lost-response"] as const) {
          expect(proxy.stats.byMode[mode], mode).to.be.greaterThan(0);
        }
        const retries = keeper.events.filter((e) => e.event === "rpc_retry");
        expect(retries.length).to.be.greaterThan(0);
      } finally {
        provider.destroy();
      }
    });

    it("shrinks the log page when the RPC refuses a wide block range", async function () {
      const accounts = await openLongs(net, ["1", "1", "1", "1"]);
      proxy = await startFlakyProxy(net.node.url, { maxLogRange: 8 });
      const provider = new FastJsonRpcProvider(proxy.url, 31337, { batchMaxCount: 1 });
      try {
        const keeper = makeKeeper(net, 6, { pageSize: 10_000 }, provider);
        const r = await keeper.runOnce();
        expect(r.errors).to.equal(0);
        expect(r.knownAccounts).to.equal(accounts.length);
        expect(r.toBlock).to.equal(await net.provider.getBlockNumber());
        expect(proxy.stats.refusedRanges).to.be.greaterThan(0);
        const shrunk = keeper.events.filter((e) => e.event === "index_page_shrunk");
        expect(shrunk.at(-1)!.pageSize as number).to.be.at.most(8);
      } finally {
        provider.destroy();
      }
    });

    it("a failed gas estimate skips that account; the others go on, the next pass gets it", async function () {
      const accounts = await openLongs(net, ["10", "10.5", "11"]);
      await crashEth(net);
      const message = "gas required exceeds allowance (30000000)";
      proxy = await startFlakyProxy(net.node.url, {
        refuse: { method: "eth_estimateGas", times: 1, message },
      });
      const provider = new FastJsonRpcProvider(proxy.url, 31337, { batchMaxCount: 1 });
      try {
        const keeper = makeKeeper(net, 6, {}, provider);
        const r1 = await keeper.runOnce();
        expect(r1.liquidatable).to.equal(3);
        expect(r1.liquidationsWon).to.equal(2);
        expect(r1.errors).to.equal(1);
        const failed = keeper.events.filter((e) => e.event === "simulate_failed");
        expect(failed).to.have.length(1);
        expect(failed[0].rpc).to.equal(message);
        const r2 = await keeper.runOnce();
        expect(r2.liquidationsWon).to.equal(1);
        expect([...r1.liquidated, ...r2.liquidated].sort()).to.deep.equal([...accounts].sort());
      } finally {
        provider.destroy();
      }
    });

    it("a pass that cannot reach the RPC fails, and the loop keeps going", async function () {
      proxy = await startFlakyProxy(net.node.url, { failFirst: 1_000_000, modes: ["503"] });
      const provider = localProvider(proxy.url);
      try {
        const keeper = makeKeeper(net, 6, { maxRetries: 2, retryBaseMs: 1 }, provider);
        const totals = await keeper.run({ intervalMs: 1, maxPasses: 2 });
        expect(totals.passes).to.equal(2);
        expect(totals.errors).to.equal(2);
        expect(keeper.events.filter((e) => e.event === "pass_failed")).to.have.length(2);
        expect(keeper.events.at(-1)!.event).to.equal("summary");
      } finally {
        provider.destroy();
      }
    });
  });

  it("a restart resumes from the saved block instead of the deployment block", async function () {
    const stateFile = path.join(net.tmp, "restart.json");
    await openLongs(net, ["1", "1", "1"]);
    const first = makeKeeper(net, 6, { stateFile });
    const r1 = await first.runOnce();
    expect(r1.fromBlock).to.equal(net.system.record.startBlock);
    expect(r1.knownAccounts).to.equal(3);
    const saved = JSON.parse(fs.readFileSync(stateFile, "utf8"));
    expect(saved.lastBlock).to.equal(r1.toBlock);
    expect(saved.accounts).to.have.length(3);

    await openLongs(net, ["1", "1"], 3);
    const second = makeKeeper(net, 6, { stateFile });
    const r2 = await second.runOnce();
    expect(r2.fromBlock).to.equal(r1.toBlock + 1);
    expect(r2.newAccounts).to.equal(2);
    expect(r2.knownAccounts).to.equal(5);
    expect(r2.scanned).to.equal(5);
    expect(second.events.find((e) => e.event === "state_loaded")?.resumeFrom).to.equal(
      r1.toBlock + 1,
    );
  });

  it("a restart in the middle of indexing continues where the last saved page ended", async function () {
    const stateFile = path.join(net.tmp, "mid.json");
    await openLongs(net, ["1", "1", "1", "1", "1", "1"]);
    const head = await net.provider.getBlockNumber();
    const controller = new AbortController();
    let pages = 0;
    const first = makeKeeper(net, 6, {
      stateFile,
      pageSize: 4,
      log: (e) => {
        if (e.event === "index_page" && ++pages === 3) controller.abort();
      },
    });
    const r1 = await first.runOnce({ signal: controller.signal });
    expect(r1.aborted).to.equal(true);
    const saved = JSON.parse(fs.readFileSync(stateFile, "utf8"));
    expect(saved.lastBlock).to.equal(net.system.record.startBlock + 11);
    expect(saved.lastBlock).to.be.lessThan(head);

    const second = makeKeeper(net, 6, { stateFile, pageSize: 4 });
    const r2 = await second.runOnce();
    expect(r2.fromBlock).to.equal(saved.lastBlock + 1);
    expect(r2.toBlock).to.equal(head);
    expect(r2.knownAccounts).to.equal(6);
    expect(r2.scanned).to.equal(6);
  });

  it("npm run keeper -- --once: one pass over the node, JSON log lines and a summary", async function () {
    const accounts = await openLongs(net, ["10", "10.5"]);
    await crashEth(net);
    const record = writeRecord(net.system.record, net.tmp);
    const args = ["--rpc", net.node.url, "--once"];
    args.push("--log-format", "json");
    args.push(
      "--deployment",
      record,
      "--state",
      path.join(net.tmp, "cli.json"),
      "--min-profit",
      "1",
    );
    const lines = await runKeeperCli(args);
    expect(lines[0].event).to.equal("start");
    const summary = lines.find((l) => l.event === "summary")!;
    expect(summary.scanned).to.equal(2);
    expect(summary.liquidationsSent).to.equal(2);
    expect(summary.liquidationsWon).to.equal(2);
    expect(BigInt(summary.rewardsQuote as string)).to.be.greaterThan(0n);
    for (const a of accounts) expect(await net.system.engine.isLiquidatable(a)).to.equal(false);
  });
});

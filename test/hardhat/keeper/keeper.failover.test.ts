/** RPC failover against a real `hardhat node`: the primary endpoint is a relay in front of the
 *  node that the test shuts down mid-run (connections refused), the backup the node itself. The
 *  keeper goes on liquidating through the backup, logs `rpc_failover` and counts it, and takes
 *  the primary back once it answers again. */
import { expect } from "chai";
import http from "http";
import { AddressInfo } from "net";
import path from "path";
import { writeRecord } from "../../../deploy/record";
import { freePort } from "../../../src/devnet/node";
import { FailoverProvider } from "../../../src/keeper/failover";
import { KeeperMetrics } from "../../../src/keeper/metrics";
import { wad } from "../../../src/common/units";
import {
  crashEth,
  KeeperNet,
  liquidationCounts,
  makeKeeper,
  openLongs,
  runKeeperCli,
  useSharedKeeperNet,
} from "../../helpers/keeperNet";

/** Forwards JSON-RPC requests to `target` on `port` (0: any) until closed. */
async function relay(target: string, port = 0) {
  const stats = { requests: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      stats.requests++;
      fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      })
        .then(async (r) => {
          res.writeHead(r.status, { "content-type": "application/json" });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe("keeper RPC failover (hardhat node)", function () {
  this.timeout(120_000);
  let net: KeeperNet;

  useSharedKeeperNet((n) => (net = n));

  it("keeps liquidating through the backup after the primary dies, logs and counts the failover, returns to the primary", async function () {
    let primary = await relay(net.node.url);
    const provider = new FailoverProvider([primary.url, net.node.url], 31337, {
      failoverAfter: 2,
      primaryRetryMs: 500,
    });
    provider.pollingInterval = 50;
    const keeper = makeKeeper(
      net,
      6,
      { ethUsd: { kind: "fixed", priceWad: wad("3000") }, ignoreProfit: true },
      provider,
    );
    // The provider logs into the keeper's log (cli.ts gives both the same logger); the
    // metrics are fed from it, as the running keeper's are.
    const events = keeper.events;
    provider.log = (e) => void events.push(e);
    const metricsNow = () => {
      const m = new KeeperMetrics({ healthMaxAgeMs: 60_000 });
      for (const e of events) m.observe(e);
      return m;
    };
    try {
      const start = await net.provider.getBlockNumber();
      const [first] = await openLongs(net, ["10"]);
      await crashEth(net);
      const r1 = await keeper.runOnce();
      expect([r1.liquidationsWon, r1.errors]).to.deep.equal([1, 0]);
      expect(primary.stats.requests).to.be.greaterThan(0);
      expect(provider.activeUrl).to.equal(primary.url);

      // The primary dies mid-run.
      await primary.close();
      const [second] = await openLongs(net, ["10"], 1);
      await crashEth(net, "2700");
      const r2 = await keeper.runOnce();
      expect(r2.errors).to.equal(0);
      expect(r2.liquidationsWon).to.be.greaterThan(0);
      const { counts } = await liquidationCounts(net, start);
      expect(counts.get(first)).to.be.greaterThan(0);
      expect(counts.get(second)).to.equal(1);
      expect(provider.activeUrl).to.equal(net.node.url);
      const failovers = events.filter((e) => e.event === "rpc_failover");
      expect(failovers).to.have.length(1);
      expect(failovers[0]).to.deep.include({
        from: primary.url,
        to: net.node.url,
        reason: "failures",
      });
      expect(events.filter((e) => e.event === "rpc_retry").length).to.be.gte(2);
      expect(metricsNow().get("keeper_rpc_failovers_total")).to.equal(1);
      expect(metricsNow().get("keeper_rpc_errors_total")).to.be.gte(2);

      // The primary comes back on its address: taken back after primaryRetryMs.
      primary = await relay(net.node.url, primary.port);
      await new Promise((r) => setTimeout(r, 600));
      const r3 = await keeper.runOnce();
      expect(r3.errors).to.equal(0);
      expect(provider.activeUrl).to.equal(primary.url);
      expect(primary.stats.requests).to.be.greaterThan(0);
      const back = events.filter((e) => e.event === "rpc_failover");
      expect(back).to.have.length(2);
      expect(back[1]).to.deep.include({ to: primary.url, reason: "primary_recovered" });
      expect(metricsNow().get("keeper_rpc_failovers_total")).to.equal(2);
    } finally {
      provider.destroy();
      await primary.close();
    }
  });

  it("npm run keeper --rpc <dead>,<node> --once: starts on the endpoint that answers and liquidates", async function () {
    const accounts = await openLongs(net, ["10", "10.5"]);
    await crashEth(net);
    const record = writeRecord(net.system.record, net.tmp);
    const dead = `http://127.0.0.1:${await freePort(20_000 + Math.floor(Math.random() * 20_000))}`;
    const args = ["--once", "--log-format", "json"];
    args.push("--rpc", `${dead},${net.node.url}`, "--deployment", record, "--ignore-profit");
    args.push("--state", path.join(net.tmp, "failover-cli.json"));
    const lines = await runKeeperCli(args);
    expect(lines.find((l) => l.event === "rpc_unreachable")).to.deep.include({ rpc: dead });
    expect(lines.find((l) => l.event === "rpc_failover")).to.deep.include({
      from: dead,
      to: net.node.url,
      reason: "unreachable_at_start",
    });
    const summary = lines.find((l) => l.event === "summary")!;
    expect([summary.liquidationsWon, summary.errors]).to.deep.equal([2, 0]);
    for (const a of accounts) expect(await net.system.engine.isLiquidatable(a)).to.equal(false);
  });
});

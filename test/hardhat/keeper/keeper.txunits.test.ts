/** Unit tests of the keeper's transaction settings and policies, without a chain: the fee quote
 *  and its cap, the replacement bump, the new configuration settings, and the failover
 *  provider's switching between two local HTTP endpoints. */
import { expect } from "chai";
import http from "http";
import { AddressInfo } from "net";
import { parseUnits } from "ethers";
import { loadConfig } from "../../../src/keeper/config";
import { configError } from "../../helpers/keeperConfig";
import { FailoverProvider, endpointLabel } from "../../../src/keeper/failover";
import { FeePolicy, bump, bumpFees, feesFor } from "../../../src/keeper/fees";
import { LogEvent } from "../../../src/keeper/log";
import { KeeperMetrics } from "../../../src/keeper/metrics";

const gwei = (x: string) => parseUnits(x, "gwei");
const policy: FeePolicy = { maxFeeWei: gwei("100"), priorityFeeWei: gwei("2") };

describe("keeper fees and replacements (units)", function () {
  it("EIP-1559: tip = min(node's, cap), maxFee = min(2 x base + tip, cap); over the cap: no quote", function () {
    const q = feesFor(gwei("10"), gwei("5"), 0n, policy);
    expect(q).to.deep.equal({
      ok: true,
      fees: { gasPriceWei: gwei("22"), maxFeePerGas: gwei("22"), maxPriorityFeePerGas: gwei("2") },
      baseFeeWei: gwei("10"),
    });
    // The node suggests less than the cap: its tip.
    const low = feesFor(gwei("10"), gwei("0.5"), 0n, policy);
    expect(low.ok && low.fees.maxPriorityFeePerGas).to.equal(gwei("0.5"));
    // 2 x 60 + 2 = 122 > 100: capped at 100 (still above base + tip = 62, so it can be mined).
    const capped = feesFor(gwei("60"), gwei("2"), 0n, policy);
    expect(capped.ok && capped.fees.maxFeePerGas).to.equal(gwei("100"));
    // base + tip = 99 + 2 > 100: the transaction could not be mined now under the cap.
    expect(feesFor(gwei("99"), gwei("2"), 0n, policy)).to.deep.include({
      ok: false,
      reason: "fee_cap",
      neededWei: gwei("101"),
      capWei: gwei("100"),
    });
  });

  it("legacy chains (no base fee): the node's gas price, skipped above the cap", function () {
    expect(feesFor(null, 0n, gwei("30"), policy)).to.deep.equal({
      ok: true,
      fees: { gasPriceWei: gwei("30") },
    });
    expect(feesFor(null, 0n, gwei("101"), policy)).to.deep.include({ ok: false });
  });

  it("a replacement raises both fees by 12.5 % rounded up (at least 1 wei), within the cap", function () {
    expect(bump(1000n)).to.equal(1125n);
    expect(bump(1001n)).to.equal(1127n); // 1126.125 rounded up
    expect(bump(1n)).to.equal(2n);
    expect(bump(0n)).to.equal(1n);
    const prev = { gasPriceWei: gwei("22"), maxFeePerGas: gwei("22"), maxPriorityFeePerGas: 7n };
    const next = bumpFees(prev, policy, gwei("10"))!;
    expect(next.maxFeePerGas).to.equal(gwei("24.75"));
    expect(next.maxPriorityFeePerGas).to.equal(8n);
    expect(next.gasPriceWei).to.equal(next.maxFeePerGas);
    // The base fee rose to 20: maxFee follows 2 x base + tip.
    const risen = bumpFees(prev, policy, gwei("20"))!;
    expect(risen.maxFeePerGas).to.equal(gwei("40") + 8n);
    // ... but never above the cap, and no replacement when the bump itself exceeds it.
    expect(bumpFees(prev, policy, gwei("60"))!.maxFeePerGas).to.equal(gwei("100"));
    expect(bumpFees({ ...prev, maxFeePerGas: gwei("90") }, policy, undefined)).to.equal(undefined);
    expect(bumpFees({ gasPriceWei: gwei("80") }, policy, undefined)).to.deep.equal({
      gasPriceWei: gwei("90"),
    });
    expect(bumpFees({ gasPriceWei: gwei("90") }, policy, undefined)).to.equal(undefined);
  });
});

describe("keeper transaction settings (units)", function () {
  it("fee caps and replacement: defaults, flags > env > config, validated", function () {
    const d = loadConfig([], {});
    expect([d.maxFeeWei, d.priorityFeeWei, d.replaceAfterMs, d.maxReplacements]).to.deep.equal([
      gwei("100"),
      gwei("2"),
      30_000,
      5,
    ]);
    const file = () => JSON.stringify({ maxFeeGwei: 40, replaceAfter: 5000 });
    const c = loadConfig(
      ["--config", "k.json", "--priority-fee-gwei", "0.5"],
      { KEEPER_MAX_FEE_GWEI: "25.5", KEEPER_MAX_REPLACEMENTS: "0" },
      file,
    );
    expect(c.maxFeeWei).to.equal(gwei("25.5"));
    expect(c.priorityFeeWei).to.equal(gwei("0.5"));
    expect(c.replaceAfterMs).to.equal(5000);
    expect(c.maxReplacements).to.equal(0);
    expect(c.sources["max-fee-gwei"]).to.equal("env");
    expect(configError(() => loadConfig(["--max-fee-gwei", "0"], {}))).to.match(
      /--max-fee-gwei: expected a positive number of gwei/,
    );
    expect(configError(() => loadConfig(["--max-fee-gwei", "-3"], {}))).to.match(/--max-fee-gwei/);
    expect(configError(() => loadConfig(["--priority-fee-gwei", "1.0000000001"], {}))).to.match(
      /--priority-fee-gwei/,
    );
    expect(
      configError(() => loadConfig(["--max-fee-gwei", "1", "--priority-fee-gwei", "2"], {})),
    ).to.match(/priority-fee-gwei \(2, from flag\) exceeds max-fee-gwei \(1, from flag\)/);
    expect(configError(() => loadConfig(["--replace-after", "0"], {}))).to.match(
      /--replace-after: expected at least 1/,
    );
  });

  it("several RPC endpoints: repeated or comma-separated flags, KEEPER_RPC, a config array", function () {
    const flags = loadConfig(["--rpc", "http://a:1", "--rpc", "http://b:2, https://c/x"], {});
    expect(flags.rpc).to.deep.equal(["http://a:1", "http://b:2", "https://c/x"]);
    expect(loadConfig([], { KEEPER_RPC: "http://a:1,ws://b:2" }).rpc).to.deep.equal([
      "http://a:1",
      "ws://b:2",
    ]);
    const file = () => JSON.stringify({ rpc: ["http://a:1", "http://b:2"], rpcFailoverAfter: 2 });
    const c = loadConfig(["--config", "k.json"], {}, file);
    expect(c.rpc).to.deep.equal(["http://a:1", "http://b:2"]);
    expect(c.rpcFailoverAfter).to.equal(2);
    expect(c.rpcPrimaryRetryMs).to.equal(60_000);
    expect(loadConfig(["--config", "k.json"], {}, () => '{"rpc":"http://z:9"}').rpc).to.deep.equal([
      "http://z:9",
    ]);
    expect(configError(() => loadConfig(["--rpc", "http://a:1,"], {}))).to.match(
      /--rpc: expected one or more URLs/,
    );
    expect(configError(() => loadConfig(["--rpc", "http://a:1,ftp://b"], {}))).to.match(
      /--rpc: expected an http\(s\) or ws\(s\) URL/,
    );
    expect(
      configError(() => loadConfig(["--config", "k.json"], {}, () => '{"rpc":["http://a",3]}')),
    ).to.match(/rpc: expected a URL/);
    expect(configError(() => loadConfig(["--rpc-failover-after", "0"], {}))).to.match(
      /expected at least 1/,
    );
  });

  it("endpoint labels in logs keep scheme, host and port, and hide paths (API keys)", function () {
    expect(endpointLabel("https://rpc.example.org/v3/SECRET")).to.equal(
      "https://rpc.example.org/...",
    );
    expect(endpointLabel("http://127.0.0.1:8545")).to.equal("http://127.0.0.1:8545");
    expect(endpointLabel("http://127.0.0.1:8545/?key=SECRET")).to.equal(
      "http://127.0.0.1:8545/...",
    );
  });
});

async function fails(promise: Promise<unknown>): Promise<void> {
  let failed = false;
  await promise.catch(() => (failed = true));
  expect(failed, "expected the request to fail").to.equal(true);
}

/** A JSON-RPC endpoint that answers eth_blockNumber with `block`, or fails with `status`. */
async function fakeNode(block: number) {
  const state = { status: 200, requests: 0 };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      state.requests++;
      if (state.status !== 200) return void res.writeHead(state.status).end("down");
      const reqs = JSON.parse(body) as { id: number } | { id: number }[];
      const answer = (r: { id: number }) => ({
        jsonrpc: "2.0",
        id: r.id,
        result: "0x" + block.toString(16),
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(Array.isArray(reqs) ? reqs.map(answer) : answer(reqs)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return { url, state, close };
}

describe("keeper RPC failover provider (units)", function () {
  it("switches after N retryable failures in a row, logs it, and returns to the primary", async function () {
    const a = await fakeNode(100);
    const b = await fakeNode(200);
    const events: LogEvent[] = [];
    const metrics = new KeeperMetrics({ healthMaxAgeMs: 60_000 });
    let now = 1_000;
    const p = new FailoverProvider([a.url, b.url], 31337, {
      failoverAfter: 2,
      primaryRetryMs: 5_000,
      log: (e) => {
        events.push(e);
        metrics.observe(e);
      },
      now: () => now,
    });
    try {
      expect(await p.getBlockNumber()).to.equal(100);
      a.state.status = 503;
      await fails(p.getBlockNumber()); // failure 1 of 2: still on a
      expect(p.activeUrl).to.equal(a.url);
      await fails(p.getBlockNumber()); // failure 2: switch
      expect(p.activeUrl).to.equal(b.url);
      expect(await p.getBlockNumber()).to.equal(200);
      const sw = events.filter((e) => e.event === "rpc_failover");
      expect(sw).to.have.length(1);
      expect(sw[0]).to.deep.include({ from: a.url, to: b.url, reason: "failures" });
      // Before primaryRetryMs the primary is left alone.
      const before = a.state.requests;
      now += 4_000;
      expect(await p.getBlockNumber()).to.equal(200);
      expect(a.state.requests).to.equal(before);
      // Then it is tried: still down, so b answers and the next try waits another period.
      now += 1_500;
      expect(await p.getBlockNumber()).to.equal(200);
      expect(a.state.requests).to.equal(before + 1);
      expect(await p.getBlockNumber()).to.equal(200);
      expect(a.state.requests).to.equal(before + 1);
      // Back up: taken back at the next period.
      a.state.status = 200;
      now += 5_000;
      expect(await p.getBlockNumber()).to.equal(100);
      expect(p.activeUrl).to.equal(a.url);
      const back = events.filter((e) => e.event === "rpc_failover")[1];
      expect(back).to.deep.include({ from: b.url, to: a.url, reason: "primary_recovered" });
      expect(metrics.get("keeper_rpc_failovers_total")).to.equal(2);
      // A refused connection counts like a 5xx.
      await a.close();
      await fails(p.getBlockNumber());
      await fails(p.getBlockNumber());
      expect(p.activeUrl).to.equal(b.url);
      expect(await p.getBlockNumber()).to.equal(200);
    } finally {
      p.destroy();
      await a.close();
      await b.close();
    }
  });
});

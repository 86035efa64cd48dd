/** `npm run bench:keeper`: how fast the keeper keeps up with a book of 10,000 accounts on a local
 *  node (anvil by default, or `hardhat node`), and how much memory the node and the keeper use.
 *  Accounts are made cheaply by contracts/mocks/MockAccountFarm.sol: farms open positions in
 *  their own sub-accounts (alternating long/short ETH, so health reads price a real position),
 *  and deposit-only accounts come from batched `depositFor`. Measures the first pass (index every
 *  log since deployment + read every account), then steady-state passes, each after a new ETH
 *  price (every account with a position must be read again), and reports their median. Writes
 *  reports/bench-keeper.json; docs/keeper.md, "Scanning a large book".
 *
 *  Options: --accounts <n> (10000)  --with-positions <n> (all)  --batch-size <n> (500)
 *           --concurrency <n> (4)  --passes <n> (steady-state passes, 5)  --node anvil|hardhat
 *           --port <n> (default: any free port)  --sweep
 *           --rpc <url> [--node-pid <pid>]: use a node that is already running (fresh chain)
 *           --profile: write the keeper's CPU profile of the first pass to reports/ */
import fs from "fs";
import inspector from "inspector";
import os from "os";
import path from "path";
import { parseArgs } from "util";
import { MockAccountFarm__factory } from "../../typechain-types";
import { deployOverRpc } from "../../src/devnet/deploy";
import { procPeakRss, startAnvil } from "../../src/devnet/anvil";
import { REPO_ROOT, devWallet, localProvider, startHardhatNode } from "../../src/devnet/node";
import { fundPool } from "../../src/devnet/seed";
import { BookScanner, Keeper, LogEvent, ScanStats, emptyReport } from "../../src/keeper";
import { units, wad } from "../../src/common/units";

const { values: a } = parseArgs({
  options: {
    accounts: { type: "string", default: "10000" },
    "with-positions": { type: "string" },
    "batch-size": { type: "string", default: "500" },
    concurrency: { type: "string", default: "4" },
    passes: { type: "string", default: "5" },
    port: { type: "string" },
    node: { type: "string", default: "anvil" },
    rpc: { type: "string" },
    "node-pid": { type: "string" },
    profile: { type: "boolean", default: false },
    sweep: { type: "boolean", default: false },
  },
});

/** CPU time (ms) a process has used so far, all threads (Linux /proc; 0 elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, 100 ticks/s
  } catch {
    return 0;
  }
}

/** Resident memory of a process (MB; Linux /proc; 0 elsewhere). */
function rssMb(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1];
    return Math.round(Number(kb) / 1024);
  } catch {
    return 0;
  }
}

/** Peak resident memory of a process so far (MB; VmHWM; 0 where /proc is missing). */
function peakRssMb(pid: number | undefined): number {
  return pid === undefined ? 0 : Math.round(procPeakRss(pid) / 2 ** 20);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2);
};

/** Waits until the node uses < 10 % of a CPU over 1 s (at most 60 s); returns the wait. */
async function settle(pid: number | undefined): Promise<number> {
  const t0 = Date.now();
  while (pid && Date.now() - t0 < 60_000) {
    const c0 = cpuMs(pid);
    await new Promise((r) => setTimeout(r, 1_000));
    if (cpuMs(pid) - c0 < 100) break;
  }
  return Date.now() - t0;
}

/** Starts the V8 profiler in this process; the returned function stops it and writes
 *  reports/keeper-pass.cpuprofile. */
async function startProfiler(): Promise<() => Promise<string>> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post("Profiler.enable");
  await post("Profiler.start");
  return async () => {
    const { profile } = (await post("Profiler.stop")) as { profile: unknown };
    const out = path.join(REPO_ROOT, "reports", "keeper-pass.cpuprofile");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(profile));
    session.disconnect();
    return out;
  };
}

const PER_FARM = 250; // sub-accounts per farm (max 256)
const CHUNK = 20; // accounts per transaction (the node's cost per transaction grows faster than its gas)

async function main(): Promise<void> {
  const total = Number(a.accounts);
  const withPositions = Math.min(total, Number(a["with-positions"] ?? total));
  // A node we start (and stop), or one already running at --rpc (--node-pid for its CPU time).
  const kind = a.node;
  if (kind !== "anvil" && kind !== "hardhat")
    throw new Error(`--node: anvil or hardhat, not ${kind}`);
  const port = a.port ? Number(a.port) : undefined;
  const node = a.rpc
    ? { url: a.rpc, pid: a["node-pid"] ? Number(a["node-pid"]) : undefined, stop: async () => {} }
    : kind === "anvil"
      ? await startAnvil({ port, pruneHistory: 64 })
      : await startHardhatNode({ port }).then((n) => ({ ...n, pid: n.child.pid }));
  const provider = localProvider(node.url);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => void node.stop().then(() => process.exit(130)));
  }
  try {
    const t0 = Date.now();
    const deployer = devWallet(0, provider);
    const system = await deployOverRpc({ signer: deployer, network: "bench" });
    await fundPool(system, devWallet(1, provider), "50000000");
    const engine = await system.engine.getAddress();
    const usdc = await system.quote.getAddress();
    const farmFactory = new MockAccountFarm__factory(deployer);

    // Accounts with a position: farms of PER_FARM sub-accounts, CHUNK per transaction. The gas
    // limit is explicit: the node's gas estimation (a binary search) would cost more than the
    // transaction itself. Transactions are sent back to back (explicit nonces) and their
    // receipts checked at the end of each farm.
    const opts = { gasLimit: 29_000_000 };
    let nonce = await deployer.getNonce();
    const settleAll = async (sent: { wait(): Promise<unknown> }[]) => {
      for (const r of await Promise.all(sent.map((t) => t.wait()))) {
        if (!r || (r as { status: number }).status !== 1) throw new Error("setup failed");
      }
    };
    let made = 0;
    while (made < withPositions) {
      const farm = await farmFactory.deploy(engine, { nonce: nonce++ });
      await farm.waitForDeployment();
      const inFarm = Math.min(PER_FARM, withPositions - made);
      const sent = [];
      for (let sub = 0; sub < inFarm; sub += CHUNK) {
        const n = Math.min(CHUNK, inFarm - sub);
        const size = wad("0.1");
        sent.push(
          await farm.openMany(usdc, units("1000", 6), sub, n, 0, size, { ...opts, nonce: nonce++ }),
        );
      }
      await settleAll(sent);
      made += inFarm;
      process.stdout.write(`\rpositions: ${made}/${withPositions} (${Date.now() - t0} ms)`);
    }
    // Deposit-only accounts of synthetic owners.
    const rest = total - withPositions;
    if (rest > 0) {
      const farm = await farmFactory.deploy(engine, { nonce: nonce++ });
      await farm.waitForDeployment();
      const sent = [];
      for (let i = 0; i < rest; i += 5 * CHUNK) {
        const n = Math.min(5 * CHUNK, rest - i);
        const first = (1n << 100n) + BigInt(i);
        sent.push(
          await farm.depositMany(usdc, first, n, units("100", 6), { ...opts, nonce: nonce++ }),
        );
      }
      await settleAll(sent);
    }
    const setupMs = Date.now() - t0;
    const head = await provider.getBlockNumber();
    console.log(
      `\nsetup: ${total} accounts (${withPositions} with a position) in ${setupMs} ms, head ${head}`,
    );

    const scans: ScanStats[] = [];
    const keeper = new Keeper({
      engine: system.engine,
      lens: system.lens,
      signer: devWallet(9, provider),
      fromBlock: system.record.startBlock,
      batchSize: Number(a["batch-size"]),
      concurrency: Number(a.concurrency),
      ignoreProfit: true,
      log: (e: LogEvent) => {
        if (e.event === "scanned") scans.push(e as unknown as ScanStats);
      },
    });
    const tInit = Date.now();
    await keeper.indexer(); // one-time start-up (chain id, token decimals), not part of a pass
    const initMs = Date.now() - tInit;
    // Let the node finish digesting the setup burst (it stays busy for a while after hundreds of
    // large blocks): the pass is measured on an idle node.
    const settleMs = await settle(node.pid);
    const profiler = a.profile ? await startProfiler() : undefined;
    const nodeCpu0 = cpuMs(node.pid);
    const ownCpu0 = process.cpuUsage();
    const first = await keeper.runOnce();
    const own = process.cpuUsage(ownCpu0);
    const cpu = {
      nodeMs: Math.round(cpuMs(node.pid) - nodeCpu0),
      keeperMs: Math.round((own.user + own.system) / 1000),
      nodeRssMb: rssMb(node.pid),
    };
    if (first.scanned !== total) throw new Error(`scanned ${first.scanned}, expected ${total}`);
    if (profiler) console.log(`keeper CPU profile: ${await profiler()}`);

    // Steady state: each pass follows a new ETH price (a new block), so every account with a
    // position is read again; the deposit-only accounts are not.
    const steady: {
      totalMs: number;
      indexMs: number;
      scanMs: number;
      read: number;
      nodeCpuMs: number;
      keeperCpuMs: number;
    }[] = [];
    const feed = system.marketFeeds[0];
    const answer0 = (await feed.latestRoundData()).answer;
    for (let i = 0; i < Number(a.passes); i++) {
      const answer = answer0 + (i % 2 ? -answer0 : answer0) / 1000n; // +-0.1 %
      await (await feed.updateAnswer(answer)).wait();
      const c0 = cpuMs(node.pid);
      const k0 = process.cpuUsage();
      const r = await keeper.runOnce();
      const nodeCpuMs = Math.round(cpuMs(node.pid) - c0);
      const k = process.cpuUsage(k0);
      const keeperCpuMs = Math.round((k.user + k.system) / 1000);
      if (r.errors !== 0) throw new Error(`steady pass ${i}: ${r.errors} errors`);
      if (r.scanned < withPositions) {
        throw new Error(`steady pass ${i} read ${r.scanned} accounts, < ${withPositions}`);
      }
      steady.push({
        totalMs: r.durationMs,
        indexMs: r.indexMs,
        scanMs: r.scanMs,
        read: r.scanned,
        nodeCpuMs,
        keeperCpuMs,
      });
    }
    const steadyMs = median(steady.map((x) => x.totalMs));
    const memory = {
      nodePeakMb: peakRssMb(node.pid),
      keeperPeakMb: Math.round(process.resourceUsage().maxRSS / 1024),
      totalPeakMb: 0,
    };
    memory.totalPeakMb = memory.nodePeakMb + memory.keeperPeakMb;

    // Optional: time of a full read of every account by batch size and concurrency, through
    // `scanFlags` (what a pass uses) and through `batchHealth` (every account's figures).
    const sweep: {
      view: string;
      batchSize: number;
      concurrency: number;
      scanMs: number;
      nodeCpuMs: number;
    }[] = [];
    if (a.sweep) {
      const accounts = (await keeper.indexer()).accounts;
      const lens = await system.lens.getAddress();
      const everyAccount = { accounts, resets: 0, takeTouched: () => new Set<bigint>() };
      for (const view of ["scanFlags", "batchHealth"]) {
        for (const batchSize of [100, 250, 500, 1000]) {
          for (const concurrency of [1, 2, 4]) {
            const t = Date.now();
            const c0 = cpuMs(node.pid);
            if (view === "scanFlags") {
              const book = new BookScanner({
                provider,
                lens,
                batchSize,
                concurrency,
                fullEvery: 1,
              });
              await book.pass(everyAccount, emptyReport());
            } else {
              const k = new Keeper({ ...keeper.opts, batchSize, concurrency });
              await k.scan([...accounts], emptyReport());
            }
            const scanMs = Date.now() - t;
            const nodeCpuMs = Math.round(cpuMs(node.pid) - c0);
            sweep.push({ view, batchSize, concurrency, scanMs, nodeCpuMs });
            console.log(
              `${view} ${batchSize} x${concurrency}: ${scanMs} ms (node CPU ${nodeCpuMs} ms)`,
            );
          }
        }
      }
    }
    const secs = (ms: number) => +(ms / 1000).toFixed(2);
    const result = {
      date: new Date().toISOString(),
      node: a.rpc ? `rpc ${a.rpc}` : kind,
      accounts: total,
      withPositions,
      firstPassSeconds: secs(first.durationMs),
      steadyStatePassSeconds: secs(steadyMs),
      peakRssMb: memory.totalPeakMb,
      targets: {
        firstPassSeconds: 10,
        steadyStatePassSeconds: 5,
        peakRssMb: 2048,
        met: first.durationMs <= 10_000 && steadyMs <= 5_000 && memory.totalPeakMb < 2048,
      },
      memory,
      batchSize: Number(a["batch-size"]),
      concurrency: Number(a.concurrency),
      blocksIndexed: first.toBlock - first.fromBlock + 1,
      firstPass: { totalMs: first.durationMs, indexMs: first.indexMs, scanMs: first.scanMs },
      firstPassScan: scans[0],
      firstPassCpu: cpu,
      steadyPasses: steady,
      steadyPassScans: scans.slice(1, 1 + steady.length),
      initMs,
      settleMs,
      sweep,
      liquidatable: first.liquidatable,
      errors: first.errors,
      setupMs,
      machine: {
        cpus: os.cpus().length,
        loadAvg: os.loadavg().map((x) => +x.toFixed(2)),
        node: process.version,
      },
    };
    console.log(
      `${result.node}, ${total} accounts (${withPositions} with a position):\n` +
        `  first pass ${result.firstPassSeconds} s (index ${result.blocksIndexed} blocks ` +
        `${first.indexMs} ms + scan ${first.scanMs} ms; CPU node ${cpu.nodeMs} ms, keeper ` +
        `${cpu.keeperMs} ms)\n` +
        `  steady-state pass ${result.steadyStatePassSeconds} s (median of ${steady.length}: ` +
        `${steady.map((x) => x.totalMs).join(", ")} ms)\n` +
        `  peak resident memory ${memory.totalPeakMb} MB (node ${memory.nodePeakMb} + keeper ` +
        `${memory.keeperPeakMb}); load ${os.loadavg()[0].toFixed(1)}; targets ` +
        `${result.targets.met ? "met" : "NOT met"}`,
    );
    const out = path.join(REPO_ROOT, "reports", "bench-keeper.json");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    console.log(`written ${out}`);
  } finally {
    provider.destroy();
    await node.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

/**
 * `npx hardhat run scripts/bench/functions.ts`: gas of the hot paths by Solidity function. Each
 * executed opcode is charged to the innermost function whose source range holds the opcode's
 * source-map entry (the deployed code's source map and AST from Hardhat's build info), in the
 * contract whose code runs at that depth (a DELEGATECALL runs the library's code). Cold and warm
 * storage, calls and logs are charged where they happen, so a function's line is what its own
 * statements cost, without the functions it calls.
 * `SCENARIO=withdraw|open|increase|close|commit|settle|liquidate|liqten|ten` picks one (`commit`: an
 * order that reopens a closed position, cancelled after; `settle`: such an order settled at the
 * round after the commit's by a keeper whose account holds quote; `liquidate`: a keeper that holds
 * USDC liquidates a one-position account; `liqten`: the benchmark's liquidation of 2 of 10
 * positions; `ten`: a trade by an account with 10 positions);
 * `TOP=n` lines (default 25);
 * `ARITH=1` leaves out storage, calls and logs. Code the IR build maps to no function is
 * "(generated)"; `NEAR=1` charges it to the function that ran last before it ("gen after").
 * `WARM=1` counts warm SLOADs by function; `OPS_OF=<name>` prints that line's gas by opcode,
 * `ALLOPS=1` the gas by opcode of all the repository's code the path ran;
 * `TIMELINE=1` prints the functions in the order they ran, consecutive opcodes of one merged
 * (lines "TL <gas> <function>"): the phases of a path, one position's turn of the loop.
 * `HASHES=1` counts the path's `KECCAK256`s by result (the last 12 hex digits of the storage
 * key hashed): a key hashed more than once is a mapping entry the path locates again.
 */
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithHardhat } from "../../deploy/hardhat";
import { accountId, units, wad } from "../../src/common";
import {
  MAX_PRICE,
  actor,
  baseFixture,
  buy,
  feedOf,
  fund,
  fundedKeeper,
  receiptOf,
  refreshFeeds,
  setPrice,
  trade,
} from "./gas/bench";
import { twoOfTenReady } from "./gas/liquidation";
import { CALLS, callOwnCost, traceSteps } from "./trace";

interface AstNode {
  nodeType?: string;
  name?: string;
  kind?: string;
  src?: string;
  nodes?: AstNode[];
  body?: AstNode;
  [key: string]: unknown;
}

/** A contract's code as the source map sees it: pc -> "Contract.function" (or a placeholder). */
class CodeMap {
  private readonly byPc = new Map<number, string>();

  constructor(code: string, sourceMap: string, fns: FunctionIndex, contract: string) {
    const bytes = Buffer.from(code.replace(/^0x/, ""), "hex");
    const pcs: number[] = [];
    for (let pc = 0; pc < bytes.length; pc++) {
      pcs.push(pc);
      const op = bytes[pc];
      if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f; // PUSH1..PUSH32 data
    }
    let [s, l, f] = [-1, -1, -1];
    sourceMap.split(";").forEach((entry, i) => {
      const parts = entry.split(":");
      if (parts[0]) s = Number(parts[0]);
      if (parts[1]) l = Number(parts[1]);
      if (parts[2]) f = Number(parts[2]);
      if (i < pcs.length) this.byPc.set(pcs[i], fns.at(f, s, l) ?? `${contract} (generated)`);
    });
  }

  name(pc: number): string {
    return this.byPc.get(pc) ?? "(no source)";
  }
}

/** Function ranges per source file id, from the build info's ASTs. */
class FunctionIndex {
  private readonly ranges = new Map<number, { start: number; end: number; name: string }[]>();

  constructor(sources: Record<string, { ast: AstNode; id: number }>) {
    for (const { ast, id } of Object.values(sources)) {
      const list: { start: number; end: number; name: string }[] = [];
      const walk = (node: AstNode, owner: string) => {
        if (!node || typeof node !== "object") return;
        let here = owner;
        if (node.nodeType === "ContractDefinition") here = node.name ?? owner;
        if (node.nodeType === "FunctionDefinition" || node.nodeType === "ModifierDefinition") {
          const [start, len] = (node.src ?? "0:0").split(":").map(Number);
          const fn = node.name || node.kind || "?";
          list.push({ start, end: start + len, name: `${here}.${fn}` });
        }
        for (const value of Object.values(node)) {
          if (Array.isArray(value)) value.forEach((v) => walk(v as AstNode, here));
          else if (value && typeof value === "object") walk(value as AstNode, here);
        }
      };
      walk(ast, "");
      this.ranges.set(id, list);
    }
  }

  /** The innermost function holding [s, s + l) in file `f`. */
  at(f: number, s: number, l: number): string | undefined {
    let best: { start: number; end: number; name: string } | undefined;
    for (const r of this.ranges.get(f) ?? []) {
      if (r.start <= s && s + l <= r.end && (!best || r.end - r.start < best.end - best.start))
        best = r;
    }
    return best?.name;
  }
}

/** Code maps of every deployed contract of the repository, by runtime code length and prefix. */
async function codeMaps(): Promise<Map<string, CodeMap>> {
  const maps = new Map<string, CodeMap>();
  for (const fq of await hre.artifacts.getAllFullyQualifiedNames()) {
    if (!fq.startsWith("contracts/")) continue;
    const art = await hre.artifacts.readArtifact(fq);
    if (art.deployedBytecode.length <= 2) continue;
    const info = await hre.artifacts.getBuildInfo(fq);
    if (!info) continue;
    const out = info.output.contracts[art.sourceName][art.contractName] as unknown as {
      evm: { deployedBytecode: { object: string; sourceMap: string } };
    };
    const fns = new FunctionIndex(info.output.sources as never);
    const code =
      "0x" + out.evm.deployedBytecode.object.replace(/__\$[0-9a-f]{34}\$__/g, "0".repeat(40));
    maps.set(
      art.contractName,
      new CodeMap(code, out.evm.deployedBytecode.sourceMap, fns, art.contractName),
    );
    maps.set(`len:${(code.length - 2) / 2}`, maps.get(art.contractName)!);
  }
  return maps;
}

async function profileByFunction(hash: string, maps: Map<string, CodeMap>, title: string) {
  const receipt = (await hre.ethers.provider.getTransactionReceipt(hash))!;
  const logs = await traceSteps(hre, hash);
  const mapOf = new Map<string, CodeMap | undefined>();
  const lookup = async (addr: string) => {
    if (!mapOf.has(addr)) {
      const code = await hre.ethers.provider.getCode(addr);
      mapOf.set(addr, maps.get(`len:${(code.length - 2) / 2}`));
    }
    return mapOf.get(addr);
  };
  const codeAt: string[] = [receipt.to!.toLowerCase()];
  const totals = new Map<string, number>();
  const ops = new Map<string, number>();
  const warm = new Map<string, number>();
  const hashes = new Map<string, number>();
  let lastNamed = "";
  const tl: [string, number][] = [];
  for (let i = 0; i < logs.length; i++) {
    const s = logs[i];
    const here = codeAt[s.depth - 1];
    const map = await lookup(here);
    let name = map ? map.name(s.pc) : `(other contract ${here.slice(0, 10)}…)`;
    if (process.env.NEAR && name.endsWith("(generated)")) name = `${lastNamed} (gen after)`;
    else lastNamed = name;
    let cost = s.gasCost;
    if (CALLS.has(s.op) && logs[i + 1]?.depth === s.depth + 1) {
      const stack = s.stack ?? [];
      const to = "0x" + stack[stack.length - 2].replace(/^0x/, "").padStart(40, "0").slice(-40);
      codeAt[s.depth] = to.toLowerCase();
      cost = callOwnCost(logs, i);
    }
    const heavy =
      CALLS.has(s.op) || s.op === "SLOAD" || s.op === "SSTORE" || s.op.startsWith("LOG");
    if (s.op === "SLOAD" && cost < 2100) warm.set(name, (warm.get(name) ?? 0) + 1);
    if (process.env.HASHES && s.op === "KECCAK256" && map) {
      const key = String((logs[i + 1]?.stack ?? []).at(-1) ?? "").slice(-12);
      hashes.set(key, (hashes.get(key) ?? 0) + 1);
    }
    if (process.env.ARITH && heavy) continue;
    totals.set(name, (totals.get(name) ?? 0) + cost);
    if (process.env.TIMELINE) {
      if (tl.length && tl[tl.length - 1][0] === name) tl[tl.length - 1][1] += cost;
      else tl.push([name, cost]);
    }
    if (name === process.env.OPS_OF || (process.env.ALLOPS && map))
      ops.set(s.op, (ops.get(s.op) ?? 0) + cost);
  }
  if (process.env.TIMELINE)
    for (const [n, g] of tl) console.log(`TL ${String(g).padStart(6)} ${n}`);
  if (process.env.WARM) console.log([...warm.entries()].sort((x, y) => y[1] - x[1]));
  if (process.env.HASHES) {
    const total = [...hashes.values()].reduce((a, b) => a + b, 0);
    console.log(`KECCAK256: ${total} for ${hashes.size} keys`);
    for (const [k, n] of [...hashes.entries()].sort((x, y) => y[1] - x[1]))
      console.log(`  ${n}x ${k}`);
  }
  if (process.env.OPS_OF || process.env.ALLOPS)
    console.log([...ops.entries()].sort((x, y) => y[1] - x[1]).slice(0, 40));
  const top = Number(process.env.TOP ?? 25);
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(`\n${title}: ${receipt.gasUsed} gas (execution by function, top ${top})`);
  for (const [name, gas] of rows) console.log(`  ${String(gas).padStart(7)}  ${name}`);
}

async function main(): Promise<void> {
  const only = process.env.SCENARIO;
  const maps = await codeMaps();
  const b = await baseFixture(() => deployWithHardhat(hre, { persist: false }));
  const [a, t] = [await actor("functions: A"), await actor("functions: B")];
  const [acctA, acctB] = [a, t].map((w) => accountId(w.address, 0));
  await fund(b, a, 0, "100000");
  await fund(b, t, 0, "100000");
  await trade(b, a, acctA, 0, wad(1));
  await time.increase(60);
  const run = (name: string) => !only || only === name;
  const open = (await receiptOf(buy(b, t, acctB, 0, wad(1)))).hash;
  if (run("open")) await profileByFunction(open, maps, "open position (market in use)");
  await time.increase(60);
  const inc = (await receiptOf(buy(b, t, acctB, 0, wad(1)))).hash;
  if (run("increase")) await profileByFunction(inc, maps, "increase position");
  await time.increase(60);
  const w = b.sys.engine.connect(t).withdraw(acctB, b.usdc, units(100, 6), t.address);
  const wd = (await receiptOf(w)).hash;
  if (run("withdraw")) await profileByFunction(wd, maps, "withdraw (one open position)");
  await time.increase(60);
  const close = (await receiptOf(buy(b, t, acctB, 0, -wad(2)))).hash;
  if (run("close")) await profileByFunction(close, maps, "close position");
  if (run("commit")) {
    // An order that reopens B's position (closed above), cancelled by its owner after.
    const now = await time.latest();
    const tx = b.sys.engine.connect(t).commitOrder(acctB, 0, wad(1), MAX_PRICE, now + 3600);
    await profileByFunction((await receiptOf(tx)).hash, maps, "commitOrder (one position)");
    await b.sys.engine
      .connect(t)
      .cancelOrder(acctB, 0)
      .catch(() => undefined);
  }
  if (run("settle")) {
    // An order that reopens B's position (closed above, so the position's slot is written from
    // zero: the benchmark's key settles an increase), settled at the next round by a keeper
    // whose account already holds quote.
    const keeper = await fundedKeeper(b, "functions: settler");
    await fund(b, keeper, 0, "1");
    const now = await time.latest();
    await receiptOf(b.sys.engine.connect(t).commitOrder(acctB, 0, wad(1), MAX_PRICE, now + 3600));
    await time.increase(5);
    await refreshFeeds(b);
    const round = (await (await feedOf(b, 0)).latestRoundData())[0];
    const tx = b.sys.engine.connect(keeper).settleOrder(acctB, 0, round);
    await profileByFunction((await receiptOf(tx)).hash, maps, "settleOrder (one position)");
  }
  if (run("liquidate")) {
    // As slots.ts: 0.1 of market 1 on 300 USD of margin, then its price down 4 %.
    const [e, keeper] = [await actor("functions: E"), await fundedKeeper(b, "functions: keeper")];
    const acctE = accountId(e.address, 0);
    await fund(b, e, 0, "300");
    await trade(b, e, acctE, 1, wad("0.1"));
    await refreshFeeds(b);
    const p1 = (await (await feedOf(b, 1)).latestAnswer()) as bigint;
    await setPrice(b, 1, (p1 * 96n) / 100n);
    const liq = (await receiptOf(b.sys.engine.connect(keeper).liquidate(acctE, 0))).hash;
    await profileByFunction(liq, maps, "liquidate (one position, keeper holds USDC)");
  }
  if (run("liqten")) {
    // As the benchmark's key: a funded keeper liquidates 2 of 10 positions (3 collaterals).
    const { keeper, acct } = await twoOfTenReady(b);
    const liq = (await receiptOf(b.sys.engine.connect(keeper).liquidate(acct, 0))).hash;
    await profileByFunction(liq, maps, "liquidate (10 positions + 3 collaterals, 2 closed)");
  }
  if (!run("ten")) return;
  // A USDC account with 10 positions trades in market 0: the health loop's per-position cost.
  for (let m = 1; m < 10; m++) await trade(b, a, acctA, m, wad(m < 3 ? "0.1" : "10"));
  await time.increase(60);
  const ten = (await receiptOf(buy(b, a, acctA, 0, wad("0.01")))).hash;
  await profileByFunction(ten, maps, "trade, 10 positions");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

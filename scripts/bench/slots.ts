/**
 * `npx hardhat run scripts/bench/slots.ts`: the storage a hot path touches, slot by slot. For
 * each scenario it prints every cold SLOAD and every SSTORE with its cost and the engine slot it
 * hits (named from the `Store` layout, checked against the chain before use), the calls and the
 * logs, on a fresh in-process deployment with the mock feeds. docs/gas.md reads its output:
 * what a target would need is the list of cold slots and first writes, not an opcode total.
 * `SCENARIO=first|open|withdraw|increase|close|settle|liquidate|liqten` runs one (`liqten`:
 * the benchmark's liquidation of 2 of 10 positions); the default runs all eight.
 */
import hre from "hardhat";
import { toBeHex } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithHardhat } from "../../deploy/hardhat";
import { System } from "../../deploy/deploy";
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
import {
  BASE,
  FIELDS,
  STATE_SLOTS,
  at,
  decodeHotSlot,
  mapping,
  positionKey,
  stateSlot,
} from "./layout";
import { traceSteps } from "./trace";

class Labels {
  private readonly names = new Map<bigint, string>();
  constructor() {
    for (const [name, off] of Object.entries(FIELDS)) this.names.set(BASE + off, name);
  }
  market(id: bigint): void {
    const cfg = at(id, mapping("markets"));
    const st = stateSlot(id);
    for (let k = 0n; k < 5n; k++) this.names.set(cfg + k, `market[${id}].config${k}`);
    STATE_SLOTS.forEach((name, k) => this.names.set(st + BigInt(k), `market[${id}].${name}`));
  }
  account(name: string, account: bigint, markets: bigint[]): void {
    this.names.set(at(account, mapping("accounts")), `accounts[${name}]`);
    this.names.set(at(account, mapping("liquidations")), `liquidations[${name}]`);
    this.names.set(at(account, mapping("protections")), `protections[${name}]`);
    this.names.set(at(account, mapping("settlementCallbacks")), `settlementCallback[${name}]`);
    for (const id of markets) {
      this.names.set(
        at(positionKey(account, id), mapping("positions")),
        `positions[${name}][${id}]`,
      );
      const order = at(id, at(account, mapping("orders")));
      this.names.set(order, `orders[${name}][${id}].0`);
      this.names.set(order + 1n, `orders[${name}][${id}].1`);
    }
  }
  name(slot: bigint): string {
    return this.names.get(slot) ?? `(other) ${toBeHex(slot).slice(0, 12)}…`;
  }
}

/** Fails when the layout above no longer matches the engine (a field moved). */
async function checkLayout(sys: System): Promise<void> {
  const engine = await sys.engine.getAddress();
  const word = async (slot: bigint) =>
    BigInt(await hre.ethers.provider.getStorage(engine, BASE + slot));
  const quote = BigInt(await sys.quote.getAddress());
  const expect = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`slots.ts: Store layout changed (${what}); update FIELDS`);
  };
  expect((await word(FIELDS.quoteToken)) === quote, "quoteToken");
  const hot = decodeHotSlot(
    await word(FIELDS["poolBalance, quoteScale, paused, sequencer flag, config page"]),
  );
  expect(hot.scale === (await sys.engine.quoteScale()), "quoteScale");
  expect(hot.balance === (await sys.engine.poolBalance()), "poolBalance");
  expect(hot.configPage === (await sys.engine.configPage()).version, "configPage");
  expect((await word(FIELDS.pool)) === BigInt(await sys.pool.getAddress()), "pool");
  const counts = await word(FIELDS["marketCount, traderDebt"]);
  expect((counts & ((1n << 64n) - 1n)) === (await sys.engine.marketCount()), "marketCount");
  expect(counts >> 64n === (await sys.engine.traderDebt()), "traderDebt");
  const cfg = await hre.ethers.provider.getStorage(engine, at(0n, mapping("markets")));
  const feed = BigInt(await sys.marketFeeds[0].getAddress());
  expect((BigInt(cfg) & ((1n << 160n) - 1n)) === feed, "markets");
}

/** Fails when `accounts` moved: the slot's low 96 bits are the account's quote balance. */
async function checkAccounts(sys: System, account: bigint): Promise<void> {
  const engine = await sys.engine.getAddress();
  const word = BigInt(
    await hre.ethers.provider.getStorage(engine, at(account, mapping("accounts"))),
  );
  const balance = BigInt.asIntN(96, word & ((1n << 96n) - 1n));
  if (balance !== (await sys.engine.getAccount(account)).quoteBalance) {
    throw new Error("slots.ts: Store layout changed (accounts); update MAPPINGS");
  }
}

/** `WARM=1` lists the warm reads too (100 gas each: a slot read again). */
const WARM = Boolean(process.env.WARM);

/** Prints the storage, calls and logs of `hash`; slots are named only in the engine's storage. */
async function dump(hash: string, labels: Labels, engine: string, title: string): Promise<void> {
  const receipt = (await hre.ethers.provider.getTransactionReceipt(hash))!;
  const logs = await traceSteps(hre, hash);
  // The storage context of each call depth: a CALL or STATICCALL switches to the callee's,
  // a DELEGATECALL keeps the caller's.
  const context: string[] = [receipt.to!.toLowerCase()];
  let cold = 0;
  let coldGas = 0;
  let storeGas = 0;
  const lines: string[] = [];
  for (let i = 0; i < logs.length; i++) {
    const s = logs[i];
    const stack = s.stack ?? [];
    const arg = (k: number) => stack[stack.length - 1 - k].replace(/^0x/, "");
    const here = context[s.depth - 1];
    if ((s.op === "SLOAD" && (s.gasCost >= 2100 || WARM)) || s.op === "SSTORE") {
      const slot = BigInt("0x" + arg(0));
      const name = here === engine ? labels.name(slot) : `(${here.slice(0, 10)}…) slot`;
      lines.push(`  ${s.op.padEnd(6)} ${String(s.gasCost).padStart(5)}  ${name}`);
      if (s.op === "SLOAD" && s.gasCost >= 2100) {
        cold++;
        coldGas += s.gasCost;
      } else storeGas += s.gasCost;
    } else if (["CALL", "STATICCALL", "DELEGATECALL"].includes(s.op)) {
      const to = "0x" + arg(1).padStart(40, "0").slice(-40);
      lines.push(`  ${s.op} -> ${to.slice(0, 10)}…`);
      if (logs[i + 1]?.depth === s.depth + 1) {
        context[s.depth] = s.op === "DELEGATECALL" ? here : to.toLowerCase();
      }
    } else if (s.op.startsWith("LOG")) {
      lines.push(`  ${s.op.padEnd(6)} ${String(s.gasCost).padStart(5)}`);
    }
  }
  const head = `${receipt.gasUsed} gas; ${cold} cold SLOADs (${coldGas}), SSTORE ${storeGas}`;
  console.log(`\n${title}: ${head}`);
  console.log(lines.join("\n"));
}

/** The hash of a mined transaction. */
const hashOf = async (tx: ReturnType<typeof buy>) => (await receiptOf(tx)).hash;

async function main(): Promise<void> {
  const only = process.env.SCENARIO;
  const b = await baseFixture(() => deployWithHardhat(hre, { persist: false }));
  const { sys } = b;
  await checkLayout(sys);
  const [a, t, e] = [await actor("slots: A"), await actor("slots: B"), await actor("slots: E")];
  const keeper = await fundedKeeper(b, "slots: keeper");
  const [acctA, acctB, acctE] = [a, t, e].map((w) => accountId(w.address, 0));
  await fund(b, a, 0, "100000");
  await fund(b, t, 0, "100000");
  await checkAccounts(sys, acctA);
  const labels = new Labels();
  labels.market(0n);
  labels.market(1n);
  labels.market(15n);
  labels.account("A", acctA, [0n, 1n]);
  labels.account("B", acctB, [0n, 1n]);
  labels.account("E", acctE, [1n]);
  labels.account("keeper", accountId(keeper.address, 0), []);
  const engine = b.engineAddr.toLowerCase();
  await trade(b, a, acctA, 0, wad(1)); // ETH-PERP in use
  await time.increase(60);
  const run = (name: string) => !only || only === name;

  if (run("first")) {
    const f = await actor("slots: F");
    await fund(b, f, 0, "100000");
    labels.account("F", accountId(f.address, 0), [15n]);
    const first = await hashOf(buy(b, f, accountId(f.address, 0), 15, wad(1)));
    await dump(first, labels, engine, "open position (first in market)");
    await time.increase(60);
  }
  const open = await hashOf(buy(b, t, acctB, 0, wad(1)));
  if (run("open")) await dump(open, labels, engine, "open position (market in use)");
  await time.increase(60);
  if (run("withdraw")) {
    const tx = sys.engine.connect(t).withdraw(acctB, b.usdc, units(1000, 6), t.address);
    await dump(await hashOf(tx), labels, engine, "withdraw (one open position)");
  }
  if (run("increase")) {
    const inc = await hashOf(buy(b, t, acctB, 0, wad(1)));
    await dump(inc, labels, engine, "increase position");
    await time.increase(60);
  }
  if (run("close")) {
    const size = (await sys.engine.getPosition(acctB, 0)).size;
    await dump(await hashOf(buy(b, t, acctB, 0, -size)), labels, engine, "close position");
    await time.increase(60);
    await trade(b, t, acctB, 0, wad(1)); // reopened for the scenarios below
  }
  if (run("settle")) {
    const now = await time.latest();
    await hashOf(sys.engine.connect(t).commitOrder(acctB, 0, wad(1), MAX_PRICE, now + 3600));
    await time.increase(5);
    await refreshFeeds(b);
    const round = (await (await feedOf(b, 0)).latestRoundData())[0];
    // As the benchmark's key: a keeper whose account already holds quote (INV-71 credits it).
    await fund(b, keeper, 0, "1");
    const tx = sys.engine.connect(keeper).settleOrder(acctB, 0, round);
    const name = "settleOrder (one position, keeper's account holds quote)";
    await dump(await hashOf(tx), labels, engine, name);
  }
  if (run("liquidate")) {
    await fund(b, e, 0, "300");
    await trade(b, e, acctE, 1, wad("0.1"));
    await refreshFeeds(b);
    const p1 = (await (await feedOf(b, 1)).latestAnswer()) as bigint;
    await setPrice(b, 1, (p1 * 96n) / 100n);
    const tx = sys.engine.connect(keeper).liquidate(acctE, 0);
    await dump(await hashOf(tx), labels, engine, "liquidate (one position, keeper holds USDC)");
  }
  if (run("liqten")) {
    // The benchmark's key: a funded keeper liquidates 2 of 10 positions (3 collaterals).
    const ready = await twoOfTenReady(b);
    const ids = Array.from({ length: 10 }, (_, i) => BigInt(i + 3));
    ids.forEach((id) => labels.market(id));
    labels.account("V", ready.acct, ids);
    const tx = sys.engine.connect(ready.keeper).liquidate(ready.acct, 0);
    const name = "liquidate (10 positions + 3 collaterals, 2 closed)";
    await dump(await hashOf(tx), labels, engine, name);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

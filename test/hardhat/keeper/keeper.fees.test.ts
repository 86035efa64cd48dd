/** The keeper's transactions against a real anvil process with mining off (a transaction sits in
 *  the mempool until the test mines): replacement at the same nonce with higher fees, the fee
 *  cap, and lost races (the nonce used by another transaction of the key; the call reverted
 *  because another keeper liquidated between simulation and send). */
import { expect } from "chai";
import os from "os";
import { parseUnits } from "ethers";
import { deployOverRpc } from "../../../src/devnet/deploy";
import { AnvilNode, startAnvil } from "../../../src/devnet/anvil";
import { devWallet, localProvider, rpc } from "../../../src/devnet/node";
import { fundPool } from "../../../src/devnet/seed";
import { FastJsonRpcProvider } from "../../../src/common/rpc";
import { WAD, wad } from "../../../src/common/units";
import { LogEvent } from "../../../src/keeper/log";
import { KeeperMetrics } from "../../../src/keeper/metrics";
import { bump } from "../../../src/keeper/fees";
import {
  KeeperNet,
  crashEth,
  liquidationCounts,
  makeKeeper,
  openLongs,
  problems,
  underCoverage,
} from "../../helpers/keeperNet";

const gwei = (x: string) => parseUnits(x, "gwei");
const ETH_USD = { kind: "fixed" as const, priceWad: wad("3000") };

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Metrics fed with a keeper's log events (as the running keeper's logger does). */
function metricsOf(events: LogEvent[]): KeeperMetrics {
  const m = new KeeperMetrics({ healthMaxAgeMs: 60_000 });
  for (const e of events) m.observe(e);
  return m;
}

interface RpcTx {
  nonce: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
}

/** Sends through the node, after running a hook once before the first broadcast. */
class HookedProvider extends FastJsonRpcProvider {
  hook?: () => Promise<void>;
  override async broadcastTransaction(signed: string) {
    const h = this.hook;
    this.hook = undefined;
    if (h) await h();
    return super.broadcastTransaction(signed);
  }
}

describe("keeper transactions on anvil: fees, replacements, lost races", function () {
  this.timeout(180_000);
  let anvil: AnvilNode;
  let net: KeeperNet;
  let url: string;

  before(async function () {
    if (underCoverage()) this.skip();
    anvil = await startAnvil();
    url = anvil.url;
    const provider = localProvider(url);
    try {
      const system = await deployOverRpc({ signer: devWallet(0, provider), network: "anvil" });
      await fundPool(system, devWallet(1, provider), "1000000");
      let snap = await rpc<string>(url, "evm_snapshot");
      net = {
        node: { url, port: anvil.port, child: anvil.child, stop: () => anvil.stop() },
        provider,
        system,
        tmp: os.tmpdir(),
        async reset() {
          await rpc(url, "evm_setAutomine", [true]);
          await rpc(url, "evm_revert", [snap]);
          // anvil keeps its next base fee across a revert: back to the snapshot's.
          const base = (await provider.getBlock("latest"))!.baseFeePerGas!;
          await rpc(url, "anvil_setNextBlockBaseFeePerGas", ["0x" + base.toString(16)]);
          snap = await rpc<string>(url, "evm_snapshot");
        },
        async stop() {
          provider.destroy();
          await anvil.stop();
        },
      };
    } catch (err) {
      provider.destroy();
      await anvil.stop();
      throw err;
    }
  });
  after(async function () {
    await net?.stop();
  });
  beforeEach(async function () {
    await net.reset();
  });

  it("a transaction stuck in the mempool is replaced at the same nonce with fees >= 1.125x; one is mined; the nonce stays right", async function () {
    const [account] = await openLongs(net, ["10"]);
    await crashEth(net);
    const start = await net.provider.getBlockNumber();
    const keeper = makeKeeper(net, 6, {
      ethUsd: ETH_USD,
      ignoreProfit: true,
      replaceAfterMs: 400,
      maxReplacements: 2,
    });
    const me = devWallet(6, net.provider).address;
    const nonce0 = await net.provider.getTransactionCount(me, "latest");
    await rpc(url, "evm_setAutomine", [false]);
    const pass = keeper.runOnce();
    // Each version, read from the node's pool while it is there (a replaced one is dropped).
    const versions: RpcTx[] = [];
    const hashes: string[] = [];
    const grab = async (event: string, n: number) => {
      await until(() => keeper.events.filter((e) => e.event === event).length >= n, event);
      const e = keeper.events.filter((x) => x.event === event)[n - 1];
      hashes.push(String(e.hash));
      versions.push(await rpc<RpcTx>(url, "eth_getTransactionByHash", [e.hash]));
    };
    await grab("sent", 1);
    await grab("replaced", 1);
    await grab("replaced", 2);
    // No third version: maxReplacements is 2.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(keeper.events.filter((e) => e.event === "replaced")).to.have.length(2);
    await rpc(url, "evm_mine");
    const r = await pass;

    for (const v of versions) expect(Number(v.nonce)).to.equal(nonce0);
    for (let i = 1; i < versions.length; i++) {
      expect(BigInt(versions[i].maxFeePerGas)).to.be.gte(
        bump(BigInt(versions[i - 1].maxFeePerGas)),
      );
      expect(BigInt(versions[i].maxPriorityFeePerGas)).to.be.gte(
        bump(BigInt(versions[i - 1].maxPriorityFeePerGas)),
      );
      // bump() is at least x * 1.125
      expect(BigInt(versions[i].maxFeePerGas) * 1000n).to.be.gte(
        BigInt(versions[i - 1].maxFeePerGas) * 1125n,
      );
    }
    // Only the last version was mined, once.
    const receipts = await Promise.all(hashes.map((h) => net.provider.getTransactionReceipt(h)));
    expect(receipts.map((x) => x?.status ?? null)).to.deep.equal([null, null, 1]);
    expect(await net.provider.getTransactionCount(me, "latest")).to.equal(nonce0 + 1);
    const { counts } = await liquidationCounts(net, start);
    expect(counts.get(account)).to.equal(1);
    expect([r.liquidationsWon, r.lost, r.errors], problems(keeper.events)).to.deep.equal([1, 0, 0]);
    const won = keeper.events.find((e) => e.event === "won")!;
    expect([won.hash, won.replacements]).to.deep.equal([hashes[2], 2]);
    const m = metricsOf(keeper.events);
    expect(m.get("keeper_transactions_sent_total", { action: "liquidate" })).to.equal(1);
    expect(m.get("keeper_transactions_won_total", { action: "liquidate" })).to.equal(1);
    expect(m.get("keeper_transactions_replaced_total")).to.equal(2);

    // The next transaction uses the next nonce.
    await rpc(url, "evm_setAutomine", [true]);
    const [second] = await openLongs(net, ["10"], 1);
    await crashEth(net, "2700");
    const r2 = await keeper.runOnce();
    // The second account, and what is left of the first one at the lower price.
    expect(r2.errors).to.equal(0);
    expect(r2.liquidationsWon).to.equal(r2.liquidationsSent);
    expect(await net.provider.getTransactionCount(me, "latest")).to.equal(
      nonce0 + 1 + r2.liquidationsSent,
    );
    expect((await liquidationCounts(net, start)).counts.get(second)).to.equal(1);
  });

  it("fee cap: skipped with a logged reason while base fee + tip exceeds it; the profit check prices the fee offered", async function () {
    await openLongs(net, ["10"]);
    await crashEth(net);
    await rpc(url, "anvil_setNextBlockBaseFeePerGas", ["0x" + gwei("150").toString(16)]);
    await rpc(url, "evm_mine");
    const base = (await net.provider.getBlock("latest"))!.baseFeePerGas!;
    expect(base).to.equal(gwei("150"));
    const nodeTip = BigInt(await rpc<string>(url, "eth_maxPriorityFeePerGas"));
    const tip = nodeTip < gwei("2") ? nodeTip : gwei("2");

    const capped = makeKeeper(net, 6, {
      ethUsd: ETH_USD,
      ignoreProfit: true,
      maxFeeWei: gwei("100"),
    });
    const r = await capped.runOnce();
    expect([r.skippedFeeCap, r.liquidationsSent, r.liquidationsWon]).to.deep.equal([1, 0, 0]);
    const skip = capped.events.find((e) => e.event === "skip_fee_cap")!;
    expect(skip).to.deep.include({ kind: "liquidate", neededWei: base + tip, capWei: gwei("100") });
    expect(
      metricsOf(capped.events).get("keeper_skipped_fee_cap_total", { action: "liquidate" }),
    ).to.equal(1);

    const keeper = makeKeeper(net, 7, {
      ethUsd: ETH_USD,
      ignoreProfit: true,
      maxFeeWei: gwei("1000"),
    });
    const r2 = await keeper.runOnce();
    expect([r2.skippedFeeCap, r2.liquidationsWon]).to.deep.equal([0, 1]);
    const sent = keeper.events.find((e) => e.event === "sent")!;
    const offered = 2n * base + tip;
    expect(sent.maxFeePerGas).to.equal(offered);
    expect(sent.gasCostUsd).to.equal(((sent.gas as bigint) * offered * wad("3000")) / WAD);
    const tx = await rpc<RpcTx>(url, "eth_getTransactionByHash", [sent.hash]);
    expect(BigInt(tx.maxFeePerGas)).to.equal(offered);
    expect(BigInt(tx.maxPriorityFeePerGas)).to.equal(tip);
  });

  it("lost race: the nonce used by another transaction of the same key counts as lost, once; the next pass acts", async function () {
    const [account] = await openLongs(net, ["10"]);
    await crashEth(net);
    const start = await net.provider.getBlockNumber();
    const keeper = makeKeeper(net, 6, {
      ethUsd: ETH_USD,
      ignoreProfit: true,
      replaceAfterMs: 600_000,
    });
    const wallet = devWallet(6, net.provider);
    await rpc(url, "evm_setAutomine", [false]);
    const pass = keeper.runOnce();
    await until(() => keeper.events.some((e) => e.event === "sent"), "sent");
    const sent = keeper.events.find((e) => e.event === "sent")!;
    const ours = await rpc<RpcTx>(url, "eth_getTransactionByHash", [sent.hash]);
    // Another process with the same key sends something else at that nonce, paying more.
    const other = await wallet.sendTransaction({
      to: wallet.address,
      value: 0n,
      nonce: Number(ours.nonce),
      maxFeePerGas: 2n * BigInt(ours.maxFeePerGas),
      maxPriorityFeePerGas: 2n * BigInt(ours.maxPriorityFeePerGas),
      gasLimit: 21_000n,
    });
    await rpc(url, "evm_mine");
    const r = await pass;
    expect((await net.provider.getTransactionReceipt(other.hash))?.status).to.equal(1);
    expect(await net.provider.getTransactionReceipt(String(sent.hash))).to.equal(null);
    expect([r.lost, r.liquidationsWon, r.errors], problems(keeper.events)).to.deep.equal([1, 0, 0]);
    const lost = keeper.events.filter((e) => e.event === "lost");
    expect(lost).to.have.length(1);
    expect(lost[0]).to.deep.include({ stage: "nonce", nonce: Number(ours.nonce) });
    expect(
      metricsOf(keeper.events).get("keeper_transactions_lost_total", { action: "liquidate" }),
    ).to.equal(1);

    await rpc(url, "evm_setAutomine", [true]);
    const r2 = await keeper.runOnce();
    expect([r2.liquidationsWon, r2.errors], problems(keeper.events)).to.deep.equal([1, 0]);
    expect((await liquidationCounts(net, start)).counts.get(account)).to.equal(1);
  });

  it("lost race: another keeper liquidates between our simulation and send; the revert is decoded as NotLiquidatable", async function () {
    const [account] = await openLongs(net, ["10"]);
    await crashEth(net);
    const start = await net.provider.getBlockNumber();
    const provider = new HookedProvider(url, 31337);
    provider.pollingInterval = 50;
    provider.hook = async () => {
      const rival = net.system.engine.connect(devWallet(7, net.provider));
      await (await rival.liquidate(account, 0n)).wait();
    };
    try {
      const keeper = makeKeeper(net, 6, { ethUsd: ETH_USD, ignoreProfit: true }, provider);
      const r = await keeper.runOnce();
      expect([r.lost, r.liquidationsWon, r.errors], problems(keeper.events)).to.deep.equal([
        1, 0, 0,
      ]);
      const lost = keeper.events.filter((e) => e.event === "lost");
      expect(lost).to.have.length(1);
      expect(lost[0]).to.deep.include({ stage: "receipt", reason: "NotLiquidatable" });
      const receipt = await net.provider.getTransactionReceipt(String(lost[0].hash));
      expect(receipt?.status).to.equal(0);
      const { byKeeper } = await liquidationCounts(net, start);
      expect(byKeeper.get(devWallet(7, net.provider).address)).to.equal(1);
      expect(byKeeper.get(devWallet(6, net.provider).address)).to.equal(undefined);
      const m = metricsOf(keeper.events);
      expect(m.get("keeper_transactions_sent_total", { action: "liquidate" })).to.equal(1);
      expect(m.get("keeper_transactions_lost_total", { action: "liquidate" })).to.equal(1);
      expect(m.get("keeper_transactions_won_total", { action: "liquidate" })).to.equal(undefined);
    } finally {
      provider.destroy();
    }
  });
});

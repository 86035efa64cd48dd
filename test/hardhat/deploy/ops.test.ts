/** Deployment operations against a real `hardhat node` process: per-market parameters from a
 *  network file landing on chain, `deploy:check` (exit 0 when clean, non-zero with each
 *  difference after a change behind the record's back), drift reported and repaired on the next
 *  run, resuming after a failure halfway, and a dry run that sends nothing. */
import { expect } from "chai";
import { execFile } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { TransactionRequest, TransactionResponse, Wallet, parseUnits } from "ethers";
import { planDeployment } from "../../../deploy/deploy";
import { MARKET_KEYS, loadConfigFile } from "../../../deploy/config/file";
import { readRecord, recordPath } from "../../../deploy/record";
import { checkDeployment } from "../../../deploy/check";
import { formatPlan } from "../../../deploy/plan";
import { deployOverRpc } from "../../../src/devnet/deploy";
import {
  DevNode,
  HARDHAT_KEY0,
  devWallet,
  localProvider,
  startHardhatNode,
} from "../../../src/devnet/node";
import { FastJsonRpcProvider } from "../../../src/common/rpc";
import { ICrossmargin__factory } from "../../../typechain-types";
import { underCoverage } from "../../helpers/keeperNet";

const ROOT = path.join(__dirname, "..", "..", "..");
const DEVNET = path.join(ROOT, "deploy", "config", "networks", "devnet.json");
const RAW = JSON.parse(fs.readFileSync(DEVNET, "utf8"));
const RISK = JSON.parse(fs.readFileSync(path.join(ROOT, "deploy/config/risk-params.json"), "utf8"));
/** Contracts a full devnet deployment creates: 3 tokens, 5 feeds, 8 libraries, risk module,
 *  engine, pool, insurance fund, lens. */
const CONTRACTS = 22;

/** Built-in market defaults as the README documents them (deploy/config/file.ts). */
const DOCUMENTED_DEFAULTS: Record<string, string | number | boolean> = {
  maxFundingVelocity: "9",
  minPositionMargin: "20",
  maxOiPoolRatio: "5",
  maxNetExposureRatio: "2",
  maxLiquidationPerWindow: "5000000",
  liquidationWindow: 30,
};
const PLAIN_FIELDS: string[] = [
  "liquidationWindow",
  "minOrderDelay",
  "maxOrderAge",
  "instantTrading",
];
/** The market parameters given in WAD units (decimal strings in a config file). */
const WAD_FIELDS = MARKET_KEYS.filter((k) => !PLAIN_FIELDS.includes(k));

/** What `getMarket` must hold for a file entry: entry, then risk-params, then the file's
 *  defaults, then the documented built-ins; computed here from the JSON files alone. */
function expectedMarket(entry: Record<string, unknown>): Record<string, bigint | boolean> {
  const name = entry.name as string;
  const r = RISK.markets[name];
  const margins = {
    imrBase: r.imrBase,
    imrSizeFactor: r.imrSizeFactor,
    maintenanceScalar: r.maintenanceScalar,
  };
  const merged: Record<string, unknown> = {
    ...DOCUMENTED_DEFAULTS,
    ...RAW.defaults.market,
    ...margins,
    ...entry,
  };
  const out: Record<string, bigint | boolean> = {};
  for (const f of WAD_FIELDS) out[f] = parseUnits(merged[f] as string, 18);
  for (const f of PLAIN_FIELDS)
    out[f] = typeof merged[f] === "boolean" ? (merged[f] as boolean) : BigInt(merged[f] as number);
  out.heartbeat = BigInt((entry.feed as { heartbeat: number }).heartbeat);
  return out;
}

/** A wallet whose `n`-th transaction fails before it is sent (a dropped RPC connection). */
class FailingWallet extends Wallet {
  sent = 0;
  constructor(
    key: string,
    provider: FastJsonRpcProvider,
    private readonly failAt: number,
  ) {
    super(key, provider);
  }
  override async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    if (++this.sent === this.failAt)
      throw new Error(`injected failure at transaction ${this.failAt}`);
    return super.sendTransaction(tx);
  }
}

/** Runs scripts/<script> with ts-node against the node (a network from RPC_URL + NETWORK_NAME,
 *  the devnet config file, records in `dir`); resolves with its exit code and output. */
async function runScript(
  script: string,
  network: string,
  url: string,
  dir: string,
  extra: string[] = [],
): Promise<{ code: number; out: string }> {
  const bin = path.join(ROOT, "node_modules", ".bin", "ts-node");
  const env = {
    ...process.env,
    RPC_URL: url,
    NETWORK_NAME: network,
    DEPLOYER_KEY: HARDHAT_KEY0,
    DEPLOY_CONFIG: DEVNET,
    DEPLOY_RECORD_DIR: dir,
  };
  const args = ["--transpile-only", `scripts/${script}`, "--network", network, ...extra];
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: ROOT, env }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: number }).code : 0;
      resolve({ code: typeof code === "number" ? code : -1, out: stdout + stderr });
    });
  });
}

const runCheck = (network: string, url: string, dir: string) =>
  runScript("deploy-check.ts", network, url, dir);

describe("deploy operations on a node", function () {
  this.timeout(300_000);
  let node: DevNode;
  let provider: FastJsonRpcProvider;
  let dir: string;
  const config = loadConfigFile(DEVNET);

  before(async function () {
    if (underCoverage()) this.skip();
    node = await startHardhatNode({});
    provider = localProvider(node.url);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-ops-"));
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const deploy = (network: string, signer = devWallet(0, provider), cfg = config) =>
    deployOverRpc({ signer, network, persist: true, recordDir: dir, config: cfg });

  it("a network file's per-market and per-collateral parameters land on chain; deploy:check exits 0, then 1 after a change behind the record", async () => {
    const system = await deploy("file-test");
    for (const [id, entry] of (RAW.markets as Record<string, unknown>[]).entries()) {
      const m = await system.engine.getMarket(id);
      const want = expectedMarket(entry);
      const have = Object.fromEntries(Object.keys(want).map((k) => [k, m[k as keyof typeof m]]));
      expect(have, `market ${id} ${entry.name}`).to.deep.equal(want);
    }
    // Distinct per market: BTC's own imrBase (file) and SOL's fees are not ETH's.
    expect((await system.engine.getMarket(1)).imrBase).to.equal(parseUnits("0.05", 18));
    expect((await system.engine.getMarket(2)).takerFee).to.equal(parseUnits("0.0008", 18));
    const wbtc = await system.engine.getCollateral(await system.collaterals.WBTC.getAddress());
    expect([
      wbtc.initialWeight,
      wbtc.maintenanceWeight,
      wbtc.sizeThreshold,
      wbtc.depositCap,
      wbtc.heartbeat,
    ]).to.deep.equal([
      parseUnits("0.7", 18),
      parseUnits("0.8", 18),
      parseUnits(RISK.collaterals.WBTC.sizeThreshold, 18),
      parseUnits("2500", 8),
      3600n,
    ]);

    const clean = await runCheck("file-test", node.url, dir);
    expect(clean.out).to.contain("record, config and chain agree");
    expect(clean.code).to.equal(0);

    // Behind the record's back: SOL-PERP's taker fee changed on chain, and the record points the
    // lens at an address without code.
    const engine = ICrossmargin__factory.connect(
      await system.engine.getAddress(),
      devWallet(0, provider),
    );
    const m = await engine.getMarket(2);
    const trading = {
      skewScale: m.skewScale,
      makerFee: m.makerFee,
      takerFee: parseUnits("0.001", 18),
      maxFundingVelocity: m.maxFundingVelocity,
    };
    await (await engine.setMarketTradingParams(2, trading)).wait();
    const record = readRecord("file-test", dir)!;
    const lens = record.contracts.CrossmarginLens.address;
    record.contracts.CrossmarginLens.address = "0x" + "5e".repeat(20);
    fs.writeFileSync(recordPath("file-test", dir), JSON.stringify(record));

    const dirty = await runCheck("file-test", node.url, dir);
    expect(dirty.code).to.equal(1);
    expect(dirty.out).to.match(
      /DIFF market 2 SOL-PERP: takerFee is 1000000000000000 on chain, 800000000000000 wanted/,
    );
    expect(dirty.out).to.match(/DIFF CrossmarginLens: code is none on chain/);
    expect(dirty.out).to.contain("2 difference(s)");

    // The next run reports the drift and puts it right: a new lens, the fee set back.
    const logs: string[] = [];
    const again = await deployOverRpc({
      signer: devWallet(0, provider),
      network: "file-test",
      persist: true,
      recordDir: dir,
      config,
      log: (l) => logs.push(l),
    });
    expect(again.report.drift.join("\n"))
      .to.match(/market 2 SOL-PERP: takerFee/)
      .and.to.match(/CrossmarginLens: code/);
    expect(logs.some((l) => l.startsWith("drift: "))).to.equal(true);
    expect(again.report.deployed).to.deep.equal(["CrossmarginLens"]);
    expect(readRecord("file-test", dir)!.contracts.CrossmarginLens.address).to.not.equal(lens);
    expect((await engine.getMarket(2)).takerFee).to.equal(parseUnits("0.0008", 18));
    expect(await checkDeployment(provider, readRecord("file-test", dir)!, config)).to.deep.equal(
      [],
    );
  });

  it("resumes after a failure halfway: the second run deploys only what is missing", async () => {
    const key = devWallet(0, provider).privateKey;
    const nonce = await provider.getTransactionCount(devWallet(0, provider).address);
    const failing = new FailingWallet(key, provider, 12);
    await deploy("resume", failing as never).then(
      () => expect.fail("the injected failure did not stop the run"),
      (err: Error) => expect(err.message).to.contain("injected failure at transaction 12"),
    );
    const partial = readRecord("resume", dir)!;
    expect(Object.keys(partial.contracts)).to.have.length(11);
    expect(await provider.getTransactionCount(failing.address)).to.equal(nonce + 11);
    for (const c of Object.values(partial.contracts))
      expect(await provider.getCode(c.address)).to.not.equal("0x");

    const resumed = await deploy("resume");
    expect(resumed.report.deployed).to.have.length(CONTRACTS - 11);
    expect(resumed.report.deployed.filter((k) => k in partial.contracts)).to.deep.equal([]);
    const full = readRecord("resume", dir)!;
    expect(Object.keys(full.contracts)).to.have.length(CONTRACTS);
    for (const [k, c] of Object.entries(partial.contracts))
      expect(full.contracts[k].address).to.equal(c.address);
    expect(await checkDeployment(provider, full, config)).to.deep.equal([]);
  });

  it("a dry run sends nothing, prints the plan, and predicts the addresses a real run uses", async () => {
    const signer = devWallet(0, provider);
    const nonce = await provider.getTransactionCount(signer.address);
    const block = await provider.getBlockNumber();
    const logs: string[] = [];
    const opts = {
      network: "dry",
      signer,
      config,
      persist: true,
      recordDir: dir,
      log: (l: string) => logs.push(l),
    };
    const factory = async (name: string, libraries?: Record<string, string>) => {
      const hre = (await import("hardhat")).default;
      return hre.ethers.getContractFactory(name, { libraries, signer });
    };
    // Through the command line: `npm run deploy -- --network <name> --dry-run`.
    const cli = await runScript("deploy.ts", "dry", node.url, dir, ["--dry-run"]);
    expect(cli.code, cli.out).to.equal(0);
    expect(cli.out).to.contain("plan (dry run, nothing sent)");
    expect(cli.out).to.contain(`${CONTRACTS} deployment(s)`);
    expect(cli.out).to.match(/call\s+add market 1 BTC-PERP/);
    expect(await provider.getTransactionCount(signer.address)).to.equal(nonce);

    const plan = await planDeployment({ ...opts, factory });
    expect(await provider.getTransactionCount(signer.address)).to.equal(nonce);
    expect(await provider.getBlockNumber()).to.equal(block);
    expect(fs.existsSync(recordPath("dry", dir))).to.equal(false);
    const deploys = plan.plan.filter((p) => p.kind === "deploy");
    expect(deploys).to.have.length(CONTRACTS);
    const calls = plan.plan.filter((p) => p.kind === "call").map((p) => p.label);
    expect(calls).to.include.members([
      "list collateral WETH",
      "list collateral WBTC",
      "add market 0 ETH-PERP",
      "add market 2 SOL-PERP",
      "engine.setPool",
    ]);
    const text = formatPlan(plan);
    expect(text).to.contain("plan (dry run, nothing sent)");
    expect(text).to.contain(`${CONTRACTS} deployment(s)`);
    expect(text).to.match(/deploy\s+deploy Crossmargin \(Crossmargin\) -> 0x/);

    // The real run deploys at the predicted addresses.
    const real = await deploy("dry");
    for (const d of deploys) {
      const k = d.label.replace(/^deploy (\S+) .*$/, "$1");
      expect(real.record.contracts[k].address, k).to.equal(d.target);
    }
    // After it, a dry run with one changed fee plans exactly that call.
    const changed = {
      ...config,
      markets: config.markets.map((m, i) => (i === 1 ? { ...m, takerFee: "0.0007" } : m)),
    };
    const nonce2 = await provider.getTransactionCount(signer.address);
    const delta = await planDeployment({ ...opts, config: changed, factory });
    expect(delta.plan.map((p) => `${p.kind} ${p.label}`)).to.deep.equal([
      "call market 1 BTC-PERP: trading parameters",
    ]);
    expect(await provider.getTransactionCount(signer.address)).to.equal(nonce2);
    expect(formatPlan(await planDeployment({ ...opts, factory }))).to.contain("nothing to do");
  });
});

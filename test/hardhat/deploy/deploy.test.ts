/** The deploy module: idempotent on the in-process network and on a started `hardhat node`,
 *  record written with addresses and blocks, admin handed to a timelock contract (an EOA is
 *  refused), and what needs the timelock afterwards printed as working proposals. */
import hre from "hardhat";
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import type { Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { formatProposals } from "../../../deploy/timelock";
import { deploySystem, planDeployment, System } from "../../../deploy/deploy";
import { formatPlan } from "../../../deploy/plan";
import { localConfig } from "../../../deploy/config/local";
import { readRecord } from "../../../deploy/record";
import { checkDeployment } from "../../../deploy/check";
import { deployOverRpc } from "../../../src/devnet/deploy";
import { devWallet, localProvider, startHardhatNode } from "../../../src/devnet/node";
import { underCoverage } from "../../helpers/keeperNet";

const DELAY = 3600n;

function factoryOf(signer: Signer) {
  return (name: string, libraries?: Record<string, string>) =>
    hre.ethers.getContractFactory(name, { libraries, signer });
}

/** An OpenZeppelin TimelockController with `signer` as proposer, executor and admin. */
async function deployTimelock(signer: HardhatEthersSigner, delay = DELAY): Promise<string> {
  const factory = await hre.ethers.getContractFactory("TimelockController", signer);
  const timelock = await factory.deploy(delay, [signer.address], [signer.address], signer.address);
  return timelock.getAddress();
}

function addresses(system: System): Record<string, string> {
  return Object.fromEntries(
    Object.entries(system.record.contracts).map(([k, v]) => [k, v.address]),
  );
}

async function expectConfigured(system: System): Promise<void> {
  expect(await system.engine.marketCount()).to.equal(BigInt(localConfig.markets.length));
  expect(await system.engine.pool()).to.equal(await system.pool.getAddress());
  expect(await system.engine.insuranceFund()).to.equal(await system.insuranceFund.getAddress());
  // The pool's exit parameters come from the config (INV-47, INV-48).
  expect(await system.pool.redeemDelay()).to.equal(BigInt(localConfig.pool.redeemDelay!));
  expect(await system.pool.claimWindow()).to.equal(BigInt(localConfig.pool.claimWindow!));
  expect(await system.pool.exitFeeRate()).to.equal(0n);
  for (const token of Object.values(system.collaterals)) {
    expect((await system.engine.getCollateral(await token.getAddress())).listed).to.equal(true);
  }
}

describe("deploy", function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-test-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("in-process network: a second run reuses everything and sends no transaction", async () => {
    const [signer] = await hre.ethers.getSigners();
    const factory = (name: string, libraries?: Record<string, string>) =>
      hre.ethers.getContractFactory(name, { libraries, signer });
    const opts = {
      network: "idempotence",
      signer,
      config: localConfig,
      factory,
      persist: true,
      recordDir: dir,
    };
    const first = await deploySystem(opts);
    await expectConfigured(first);
    const record = readRecord("idempotence", dir)!;
    expect(record.contracts.Crossmargin.address).to.equal(await first.engine.getAddress());
    expect(record.contracts.Crossmargin.block).to.be.greaterThan(0);
    expect(record.markets.map((m) => m.name)).to.deep.equal(localConfig.markets.map((m) => m.name));
    const block = await hre.ethers.provider.getBlockNumber();
    const nonce = await signer.getNonce();
    const second = await deploySystem(opts);
    expect(addresses(second)).to.deep.equal(addresses(first));
    expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    expect(await signer.getNonce()).to.equal(nonce);
  });

  it("adopts a deployment an earlier run sent but never saw confirmed; redeploys one that never landed", async () => {
    const [signer] = await hre.ethers.getSigners();
    const token = await (
      await hre.ethers.getContractFactory("MockERC20", signer)
    ).deploy("USD Coin", "USDC", 6);
    const hash = token.deploymentTransaction()!.hash;
    await token.waitForDeployment();
    const lost = "0x" + "ab".repeat(32);
    fs.writeFileSync(
      path.join(dir, "adopt.json"),
      JSON.stringify({
        network: "adopt",
        chainId: 31337,
        startBlock: 0,
        deployer: signer.address,
        contracts: {},
        pending: {
          "token:USDC": { hash, artifact: "MockERC20", args: ["USD Coin", "USDC", 6] },
          "token:WETH": { hash: lost, artifact: "MockERC20", args: ["Wrapped Ether", "WETH", 18] },
        },
        markets: [],
        collaterals: [],
        quote: { symbol: "USDC", token: "", decimals: 0 },
      }),
    );
    const partial = readRecord("adopt", dir)!;
    const diffs = await checkDeployment(hre.ethers.provider, partial, localConfig);
    expect(diffs.filter((d) => d.field === "deployment").map((d) => d.where)).to.deep.equal([
      "token:USDC",
      "token:WETH",
    ]);
    const system = await deploySystem({
      network: "adopt",
      signer,
      config: localConfig,
      factory: factoryOf(signer),
      persist: true,
      recordDir: dir,
    });
    expect(system.report.deployed).to.not.include("token:USDC");
    expect(system.report.deployed).to.include("token:WETH");
    const record = readRecord("adopt", dir)!;
    expect(record.contracts["token:USDC"].address).to.equal(await token.getAddress());
    expect(record.pending).to.deep.equal({});
    expect(await checkDeployment(hre.ethers.provider, record, localConfig)).to.deep.equal([]);
  });

  it("a record whose contracts are all gone (a restarted node) starts afresh", async () => {
    const [signer] = await hre.ethers.getSigners();
    const gone = { address: "0x" + "c0".repeat(20), block: 7, artifact: "MockERC20", args: [] };
    const stale = {
      network: "stale",
      chainId: 31337,
      startBlock: 999_999,
      contracts: { "token:USDC": gone },
      markets: [{ id: 0, name: "ETH-PERP", feed: gone.address }],
      collaterals: [],
      quote: { symbol: "USDC", token: gone.address, decimals: 6 },
    };
    fs.writeFileSync(path.join(dir, "stale.json"), JSON.stringify(stale));
    const logs: string[] = [];
    const system = await deploySystem({
      network: "stale",
      signer,
      config: localConfig,
      factory: factoryOf(signer),
      persist: true,
      recordDir: dir,
      log: (m) => logs.push(m),
    });
    expect(logs[0]).to.match(/lists no contract with code on this chain: starting afresh/);
    const record = readRecord("stale", dir)!;
    expect(record.startBlock).to.be.lessThan(999_999);
    expect(record.contracts["token:USDC"].address).to.not.equal(gone.address);
    expect(system.report.deployed).to.have.length(Object.keys(record.contracts).length);
  });

  it("hands the admin role to the configured timelock and keeps nothing for the deployer", async () => {
    const [signer, , , , , , , , , risk, guardian] = await hre.ethers.getSigners();
    const timelock = await deployTimelock(signer);
    const config = {
      ...localConfig,
      timelock,
      riskManager: risk.address,
      guardian: guardian.address,
    };
    // The plan ends with the handover, and nothing is proposed: the deployer is admin until then.
    const plan = await planDeployment({
      network: "timelock",
      signer,
      config,
      factory: factoryOf(signer),
    });
    const calls = plan.plan.filter((p) => p.kind === "call").map((p) => p.label);
    expect(calls.slice(-4)).to.deep.equal([
      "revoke the deployer's risk manager role",
      `grant admin to timelock ${timelock}`,
      "deployer renounces admin (handover complete)",
      "seed insurance fund with 10000",
    ]);
    expect(plan.proposals).to.deep.equal([]);
    const system = await deploySystem({
      network: "timelock",
      signer,
      config,
      factory: factoryOf(signer),
    });
    const e = system.engine;
    expect(await e.hasRole(await e.DEFAULT_ADMIN_ROLE(), timelock)).to.equal(true);
    expect(await e.hasRole(await e.DEFAULT_ADMIN_ROLE(), signer.address)).to.equal(false);
    expect(await e.hasRole(await e.RISK_MANAGER_ROLE(), risk.address)).to.equal(true);
    expect(await e.hasRole(await e.RISK_MANAGER_ROLE(), signer.address)).to.equal(false);
    expect(await e.hasRole(await e.GUARDIAN_ROLE(), guardian.address)).to.equal(true);
    expect(system.report.proposals).to.deep.equal([]);
  });

  it("rejects an EOA, a contract without getMinDelay and a zero delay as the timelock, before sending anything", async () => {
    const [signer, , , , , , , , eoa] = await hre.ethers.getSigners();
    const token = await (
      await hre.ethers.getContractFactory("MockERC20", signer)
    ).deploy("T", "T", 18);
    const zeroDelay = await deployTimelock(signer, 0n);
    const nonce = await signer.getNonce();
    const cases: [string, RegExp][] = [
      [
        eoa.address,
        /timelock 0x[0-9a-fA-F]{40} has no code: it is an externally owned account, not a timelock contract/,
      ],
      [await token.getAddress(), /does not answer getMinDelay\(\): it is not a TimelockController/],
      [zeroDelay, /has a minimum delay of 0/],
    ];
    for (const [timelock, message] of cases) {
      const run = deploySystem({
        network: "eoa",
        signer,
        config: { ...localConfig, timelock },
        factory: factoryOf(signer),
      });
      await run.then(
        () => expect.fail(`timelock ${timelock} accepted`),
        (err: Error) => expect(err.message).to.match(message),
      );
    }
    expect(await signer.getNonce()).to.equal(nonce);
  });

  it("after the handover, admin steps come back as timelock proposals that work, and the record never runs ahead of the chain", async () => {
    const [signer, , , , , , , , , risk] = await hre.ethers.getSigners();
    const timelockAddress = await deployTimelock(signer, DELAY);
    const base = { ...localConfig, timelock: timelockAddress, riskManager: risk.address };
    const opts = {
      network: "proposals",
      signer,
      factory: factoryOf(signer),
      persist: true,
      recordDir: dir,
    };
    await deploySystem({ ...opts, config: base });
    // A new market and a changed fee: the first needs the admin (the timelock), the second the
    // risk manager (an EOA here, so a plain call for it).
    const doge = {
      ...localConfig.markets[0],
      name: "DOGE-PERP",
      feed: { kind: "mock" as const, decimals: 8, initialPrice: "0.1", heartbeat: 86_400 },
      skewScale: "1000000000",
      maxOpenInterest: "100000000",
      imrBase: "0.1",
    };
    const btc = { ...localConfig.markets[1], takerFee: "0.0009" };
    const config = {
      ...base,
      markets: [localConfig.markets[0], btc, localConfig.markets[2], doge],
    };
    // Dry: the new market's feed is a deployment, the two changes are proposals, nothing is sent.
    const nonce = await signer.getNonce();
    const dry = await planDeployment({ ...opts, config });
    expect(dry.plan.map((p) => `${p.kind} ${p.label}`)).to.deep.equal([
      "deploy deploy feed:DOGE-PERP (MockV3Aggregator)",
      "proposal market 1 BTC-PERP: trading parameters",
      "proposal add market 3 DOGE-PERP",
    ]);
    expect(formatPlan(dry)).to.contain("2 call(s) need a role the deployer no longer holds");
    expect(await signer.getNonce()).to.equal(nonce);
    const logs: string[] = [];
    const second = await deploySystem({ ...opts, config, log: (m) => logs.push(m) });
    const [fee, add] = second.report.proposals;
    expect(second.report.proposals.map((p) => p.label)).to.deep.equal([
      "market 1 BTC-PERP: trading parameters",
      "add market 3 DOGE-PERP",
    ]);
    expect(add.label).to.equal("add market 3 DOGE-PERP");
    expect(add.holder).to.equal(timelockAddress);
    expect(fee.label).to.equal("market 1 BTC-PERP: trading parameters");
    expect(fee.holder).to.equal(risk.address);
    expect(fee.schedule).to.equal(undefined);
    expect(formatProposals(second.report.proposals)).to.contain(add.schedule!.data);
    expect(logs.join("\n")).to.contain("needs admin");
    // Not on chain yet: neither on the record.
    expect(await second.engine.marketCount()).to.equal(3n);
    expect(readRecord("proposals", dir)!.markets.map((m) => m.name)).to.deep.equal([
      "ETH-PERP",
      "BTC-PERP",
      "SOL-PERP",
    ]);

    // The proposal's call, decoded independently, is addMarket with DOGE's parameters.
    const engineIface = second.engine.interface;
    const decoded = engineIface.decodeFunctionData("addMarket", add.call.data);
    expect(decoded[0].margin.imrBase).to.equal(10n ** 17n);
    expect(add.call.target).to.equal(await second.engine.getAddress());
    // Carried through the timelock as printed: schedule, wait the delay, execute.
    await (
      await signer.sendTransaction({ to: add.schedule!.target, data: add.schedule!.data })
    ).wait();
    await expect(signer.sendTransaction({ to: add.execute!.target, data: add.execute!.data })).to.be
      .reverted;
    await time.increase(Number(DELAY));
    await (
      await signer.sendTransaction({ to: add.execute!.target, data: add.execute!.data })
    ).wait();
    await (await risk.sendTransaction({ to: fee.call.target, data: fee.call.data })).wait();
    expect(await second.engine.marketCount()).to.equal(4n);
    expect((await second.engine.getMarket(1)).takerFee).to.equal(9n * 10n ** 14n);

    const third = await deploySystem({ ...opts, config });
    expect(third.report.proposals).to.deep.equal([]);
    expect(readRecord("proposals", dir)!.markets.map((m) => m.name)).to.deep.equal([
      "ETH-PERP",
      "BTC-PERP",
      "SOL-PERP",
      "DOGE-PERP",
    ]);
  });

  it("a started hardhat node: deploys, then a second run reuses the record", async function () {
    if (underCoverage()) this.skip();
    const node = await startHardhatNode({});
    const provider = localProvider(node.url);
    try {
      const signer = devWallet(0, provider);
      const first = await deployOverRpc({
        signer,
        network: "node-test",
        persist: true,
        recordDir: dir,
      });
      await expectConfigured(first);
      const block = await provider.getBlockNumber();
      const second = await deployOverRpc({
        signer,
        network: "node-test",
        persist: true,
        recordDir: dir,
      });
      expect(addresses(second)).to.deep.equal(addresses(first));
      expect(await provider.getBlockNumber()).to.equal(block);
    } finally {
      provider.destroy();
      await node.stop();
    }
  });
});

/** The deploy module: idempotent on the in-process network and on a started `hardhat node`,
 *  record written with addresses and blocks, admin handed to a timelock when configured. */
import hre from "hardhat";
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import { deploySystem, System } from "../../../deploy/deploy";
import { localConfig } from "../../../deploy/config/local";
import { readRecord } from "../../../deploy/record";
import { deployOverRpc } from "../../../src/devnet/deploy";
import { devWallet, localProvider, startHardhatNode } from "../../../src/devnet/node";
import { underCoverage } from "../../helpers/keeperNet";

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

  it("hands the admin role to the configured timelock and keeps nothing for the deployer", async () => {
    const [signer, , , , , , , , timelock, risk, guardian] = await hre.ethers.getSigners();
    const config = {
      ...localConfig,
      timelock: timelock.address,
      riskManager: risk.address,
      guardian: guardian.address,
    };
    const system = await deploySystem({
      network: "timelock",
      signer,
      config,
      factory: (name, libraries) => hre.ethers.getContractFactory(name, { libraries, signer }),
    });
    const e = system.engine;
    expect(await e.hasRole(await e.DEFAULT_ADMIN_ROLE(), timelock.address)).to.equal(true);
    expect(await e.hasRole(await e.DEFAULT_ADMIN_ROLE(), signer.address)).to.equal(false);
    expect(await e.hasRole(await e.RISK_MANAGER_ROLE(), risk.address)).to.equal(true);
    expect(await e.hasRole(await e.RISK_MANAGER_ROLE(), signer.address)).to.equal(false);
    expect(await e.hasRole(await e.GUARDIAN_ROLE(), guardian.address)).to.equal(true);
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

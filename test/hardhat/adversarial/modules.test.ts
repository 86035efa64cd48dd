/** The engine's address and its two modules (INV-72): every function of `ICrossmargin` and
 *  `ICrossmarginRisk` answers at the engine's address, each from exactly one of the engine, the
 *  extension and the risk module (the roles excepted, which the engine answers); the engine's own
 *  selector table holds only the value-moving paths and the roles; and the modules refuse to
 *  change state at their own addresses. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { AbiCoder, Interface, ZeroAddress } from "ethers";
import {
  CrossmarginExtension__factory,
  CrossmarginRisk__factory,
  Crossmargin__factory,
  ICrossmarginLiquidation__factory,
  ICrossmarginRisk__factory,
  ICrossmarginTrading__factory,
  ICrossmargin__factory,
} from "../../../typechain-types";
import { accountId } from "../../../src/common/accounts";
import { System, loadSystem } from "../../helpers/fixture";

const selectors = (iface: Interface) => {
  const out = new Map<string, string>();
  iface.forEachFunction((f) => out.set(f.selector, f.format("sighash")));
  return out;
};

/** What the engine answers itself besides its two interfaces: the roles (OpenZeppelin's
 *  `AccessControl` and ERC-165) and the extension's address. */
const ROLES = [
  "DEFAULT_ADMIN_ROLE()",
  "getRoleAdmin(bytes32)",
  "grantRole(bytes32,address)",
  "hasRole(bytes32,address)",
  "renounceRole(bytes32,address)",
  "revokeRole(bytes32,address)",
  "supportsInterface(bytes4)",
];

describe("adversarial: the engine's modules (INV-72)", () => {
  let sys: System;

  beforeEach(async () => {
    sys = await loadSystem();
  });

  it("every function of ICrossmargin and ICrossmarginRisk is answered by exactly one contract", () => {
    const engine = selectors(Crossmargin__factory.createInterface());
    const extension = selectors(CrossmarginExtension__factory.createInterface());
    const risk = selectors(CrossmarginRisk__factory.createInterface());
    const whole = selectors(ICrossmargin__factory.createInterface());
    const riskWhole = selectors(ICrossmarginRisk__factory.createInterface());
    const roles = new Set(ROLES);

    for (const [sel, sig] of whole) {
      const where = [engine.has(sel), extension.has(sel) && !roles.has(sig)].filter(Boolean);
      expect(where.length, `${sig}: answered by ${where.length} contracts`).to.equal(1);
    }
    for (const [sel, sig] of riskWhole) {
      expect(risk.has(sel), sig).to.equal(true);
      // Reached only if neither the engine nor the extension has the selector.
      expect(engine.has(sel) || extension.has(sel), `${sig} shadowed`).to.equal(false);
    }
    // Nothing is answered that the interfaces do not declare.
    for (const [sel, sig] of [...engine, ...extension]) {
      expect(whole.has(sel), `${sig} is not in ICrossmargin`).to.equal(true);
    }
  });

  it("the engine's own selector table holds only the value-moving paths and the roles", () => {
    const engine = [...selectors(Crossmargin__factory.createInterface()).values()];
    const own = new Set([
      ...selectors(ICrossmarginTrading__factory.createInterface()).values(),
      ...selectors(ICrossmarginLiquidation__factory.createInterface()).values(),
      ...ROLES,
      "extension()",
    ]);
    for (const sig of engine) expect(own.has(sig), sig).to.equal(true);
    for (const sig of own) expect(engine, sig).to.include(sig);
    // The dispatch a trade pays for: 22 selectors, not the 85 of the single-contract engine.
    expect(engine.length).to.equal(22);
  });

  it("the extension's views and the risk module's answer at the engine's address, on its storage", async () => {
    const { engine } = sys;
    const addr = await engine.getAddress();
    const extension = await engine.extension();
    expect(extension).to.equal(sys.record.contracts["CrossmarginExtension"].address);
    expect(await engine.riskModule()).to.equal(sys.record.contracts["CrossmarginRisk"].address);
    expect(await engine.marketCount()).to.be.greaterThan(0n);
    expect(await engine.pool()).to.equal(await sys.pool.getAddress());
    // The EIP-712 domain is the engine's, computed under delegatecall.
    const domain = await engine.eip712Domain();
    expect(domain.verifyingContract).to.equal(addr);
    expect(domain.name).to.equal("Crossmargin");
    const risk = ICrossmarginRisk__factory.connect(addr, ethers.provider);
    expect(await risk.insuranceAccrued()).to.equal(0n);
    // At the extension's own address the same views read its own (empty) storage.
    const bare = ICrossmargin__factory.connect(extension, ethers.provider);
    expect(await bare.marketCount()).to.equal(0n);
    expect(await bare.pool()).to.equal(ZeroAddress);
  });

  it("every function of the extension that writes reverts NotDelegated at its own address", async () => {
    const [admin] = await ethers.getSigners();
    const address = await sys.engine.extension();
    const iface = new Interface(CrossmarginExtension__factory.abi);
    const coder = AbiCoder.defaultAbiCoder();
    let writers = 0;
    for (const f of iface.fragments) {
      if (f.type !== "function") continue;
      const fn = iface.getFunction(f.format("sighash"))!;
      // `renounceRole` only removes the caller's own role, here from the extension's own
      // storage, where nobody holds one: it has nothing to refuse.
      if (fn.stateMutability === "view" || fn.stateMutability === "pure") continue;
      if (fn.name === "renounceRole") continue;
      writers++;
      const data = iface.encodeFunctionData(fn, coder.getDefaultValue(fn.inputs));
      await expect(
        admin.sendTransaction({ to: address, data }),
        fn.format("sighash"),
      ).to.be.revertedWithCustomError(sys.engine, "NotDelegated");
    }
    // Operators, callbacks, the signature path and every governance setter.
    expect(writers).to.be.greaterThan(20);
  });

  it("the modules refuse to change state at their own addresses (NotDelegated)", async () => {
    const [admin, user] = await ethers.getSigners();
    const extension = ICrossmargin__factory.connect(await sys.engine.extension(), admin);
    const risk = ICrossmarginRisk__factory.connect(await sys.engine.riskModule(), admin);
    const account = accountId(user.address, 0);
    const asUser = extension.connect(user);
    const calls: [string, () => Promise<unknown>][] = [
      ["setOperator", () => asUser.setOperator(account, admin.address, true)],
      ["setSettlementCallback", () => asUser.setSettlementCallback(account, ZeroAddress)],
      [
        "setOperatorWithSig",
        () => asUser.setOperatorWithSig(account, admin.address, true, 0, 0, "0x"),
      ],
      ["setPool", () => extension.setPool(admin.address)],
      ["pause", () => extension.pause()],
      ["settleMarket", () => extension.settleMarket(0, 1n)],
      ["setTopUpFee", () => risk.setTopUpFee(1n)],
    ];
    for (const [name, call] of calls) {
      await expect(call(), name).to.be.revertedWithCustomError(extension, "NotDelegated");
    }
    // Nothing a direct call could have written exists at the extension's address.
    expect(await extension.isOperator(account, admin.address)).to.equal(false);
    expect(await extension.paused()).to.equal(false);
  });
});

/** The built SDK's pure parts against independent sources: the generated engine ABI against
 *  the compiled artifacts (every library's errors, every risk-module function), calldata against
 *  the repository's own typechain interface, units and account ids against hand-computed
 *  values, and clear errors for bad input. */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { AbiCoder, Interface, ZeroAddress, getAddress } from "ethers";
import type * as Sdk from "@crossmargin/sdk";
import { ICrossmargin__factory } from "../../../typechain-types";
import { REPO, ensureSdkBuilt } from "../../helpers/sdk";

type AbiItem = { type: string; name?: string; inputs?: { type: string }[] };
const sig = (i: AbiItem) => `${i.type} ${i.name}(${(i.inputs ?? []).map((p) => p.type)})`;

function artifactAbi(rel: string): AbiItem[] {
  return JSON.parse(fs.readFileSync(path.join(REPO, "artifacts", rel), "utf8")).abi;
}

describe("SDK API (built package)", function () {
  this.timeout(180_000);
  let sdk: typeof Sdk;
  const owner = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");

  before(async function () {
    await ensureSdkBuilt();
    sdk = await import("@crossmargin/sdk");
  });

  it("the engine ABI has every error, every extension function and every risk-module function", function () {
    const have = new Set((sdk.crossmarginAbi as readonly AbiItem[]).map((i) => i.name));
    // Every error a contract at the engine's address declares or can revert with (the oracle's,
    // OpenZeppelin's), as the whole interface declares them; and any a library declares.
    const whole = artifactAbi("contracts/interfaces/ICrossmargin.sol/ICrossmargin.json");
    const libDir = path.join(REPO, "artifacts", "contracts", "libraries");
    const libraryItems = fs.readdirSync(libDir).flatMap((f) =>
      fs
        .readdirSync(path.join(libDir, f))
        .filter((a) => !a.endsWith(".dbg.json"))
        .flatMap((a) => artifactAbi(`contracts/libraries/${f}/${a}`)),
    );
    let errors = 0;
    for (const e of [...whole, ...libraryItems]) {
      if (e.type !== "error") continue;
      errors++;
      expect(have.has(e.name), e.name).to.equal(true);
    }
    expect(errors).to.be.greaterThan(100);
    const ext = artifactAbi("contracts/core/CrossmarginExtension.sol/CrossmarginExtension.json");
    const sigsAll = new Set((sdk.crossmarginAbi as readonly AbiItem[]).map(sig));
    for (const fn of ext.filter((i) => i.type === "function")) {
      expect(sigsAll.has(sig(fn)), sig(fn)).to.equal(true);
    }
    const risk = artifactAbi("contracts/interfaces/ICrossmarginRisk.sol/ICrossmarginRisk.json");
    const sigs = new Set((sdk.crossmarginAbi as readonly AbiItem[]).map(sig));
    for (const fn of risk.filter((i) => i.type === "function")) {
      expect(sigs.has(sig(fn)), sig(fn)).to.equal(true);
    }
    // No duplicates after the merge.
    expect(sigs.size).to.equal(sdk.crossmarginAbi.length);
  });

  it("decodes engine and library errors with names and arguments", function () {
    const oracle = new Interface(
      artifactAbi("contracts/interfaces/ICrossmarginErrors.sol/ICrossmarginErrors.json") as never,
    );
    const data = oracle.encodeErrorResult("OracleStale", [owner, 100n, 3600n]);
    const d = sdk.decodeError(data)!;
    expect(d.name).to.equal("OracleStale");
    expect(d.signature).to.equal("OracleStale(address,uint256,uint256)");
    expect(d.args).to.deep.equal([owner, 100n, 3600n]);
    const engine = ICrossmargin__factory.createInterface();
    const im = engine.encodeErrorResult("InsufficientMargin", [5n, -7n, 9n]);
    expect(sdk.decodeError(im)).to.include({ name: "InsufficientMargin" });
    expect(sdk.decodeError(im)!.named).to.deep.equal({
      account: 5n,
      equity: -7n,
      requiredMargin: 9n,
    });
    // A revert nested the way ethers reports it.
    const thrown = { code: "CALL_EXCEPTION", info: { error: { data: im } } };
    expect(sdk.describeError(thrown)).to.equal("InsufficientMargin(5, -7, 9)");
    expect(sdk.decodeError("0x12345678")).to.equal(undefined);
    expect(sdk.decodeError("0x")).to.equal(undefined);
    expect(sdk.decodeError(undefined)).to.equal(undefined);
  });

  it("encodes multicall, modifyPosition and orders like the engine's own interface", function () {
    const iface = ICrossmargin__factory.createInterface();
    const usdc = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
    const to = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    const actions = [
      sdk.depositAction(usdc, 1_000_000n),
      sdk.tradeAction(2, -(10n ** 18n), 149n * 10n ** 18n),
      sdk.withdrawAction(usdc, 5n, to),
      sdk.commitAction({ marketId: 1, sizeDelta: 7n, acceptablePrice: 8n, settlementDeadline: 9n }),
      sdk.cancelAction(3),
    ];
    const data = sdk.encodeMulticall(77n, actions, 1_900_000_000n);
    const decoded = iface.decodeFunctionData("multicall", data);
    expect(decoded[0]).to.equal(77n);
    expect(decoded[1].map((a: unknown[]) => [...a])).to.deep.equal([
      // kind, token, recipient, marketId, amount, sizeDelta, acceptablePrice, settlementDeadline
      [0n, usdc, ZeroAddress, 0n, 1_000_000n, 0n, 0n, 0n],
      [2n, ZeroAddress, ZeroAddress, 2n, 0n, -(10n ** 18n), 149n * 10n ** 18n, 0n],
      [1n, usdc, to, 0n, 5n, 0n, 0n, 0n],
      [3n, ZeroAddress, ZeroAddress, 1n, 0n, 7n, 8n, 9n],
      [4n, ZeroAddress, ZeroAddress, 3n, 0n, 0n, 0n, 0n],
    ]);
    expect(decoded[2]).to.equal(1_900_000_000n);
    const order = sdk.encodeCommitOrder({
      account: 1n,
      marketId: 0,
      sizeDelta: 3n,
      acceptablePrice: 4n,
      settlementDeadline: 5n,
    });
    expect(order.slice(0, 10)).to.equal(iface.getFunction("commitOrder")!.selector);
    expect([
      ...AbiCoder.defaultAbiCoder().decode(
        ["uint256", "uint256", "int256", "uint256", "uint256"],
        "0x" + order.slice(10),
      ),
    ]).to.deep.equal([1n, 0n, 3n, 4n, 5n]);
    const mp = iface.decodeFunctionData(
      "modifyPosition",
      sdk.encodeModifyPosition(9n, 1, -2n, 3n, 4n),
    );
    expect([...mp]).to.deep.equal([9n, 1n, -2n, 3n, 4n]);
    expect(() => sdk.encodeMulticall(1n, [], 1n)).to.throw(/at least one action/);
    expect(() => sdk.tradeAction(0, 0n, 1n)).to.throw(/sizeDelta must not be 0/);
    expect(() => sdk.tradeAction(0, 1n, 0n)).to.throw(/acceptablePrice must be > 0/);
    expect(() => sdk.depositAction(usdc, 0n)).to.throw(/deposit amount/);
    expect(() => sdk.withdrawAction(usdc, 1n, ZeroAddress)).to.throw(/recipient/);
    expect(() => sdk.depositAction("0x1234", 1n)).to.throw();
  });

  it("slippage bounds round against the trader's tolerance, never past it", function () {
    const p = 3000n * 10n ** 18n + 7n;
    // buy: ceil(p * 1.005), sell: floor(p * 0.995)
    expect(sdk.acceptablePrice(p, 1n, 50)).to.equal((p * 10_050n + 9_999n) / 10_000n);
    expect(sdk.acceptablePrice(p, -1n, 50)).to.equal((p * 9_950n) / 10_000n);
    expect(sdk.acceptablePrice(p, 1n, 0)).to.equal(p);
    expect(() => sdk.acceptablePrice(p, 1n, 10_000)).to.throw(/slippageBps/);
    expect(() => sdk.acceptablePrice(0n, 1n, 10)).to.throw(/price must be > 0/);
  });

  it("account ids and units", function () {
    const id = sdk.accountId(owner, 255);
    expect(id).to.equal(BigInt(owner) * 256n + 255n);
    expect(sdk.ownerOf(id)).to.equal(owner);
    expect(sdk.subAccountOf(id)).to.equal(255);
    expect(sdk.accountHex(sdk.accountId(owner, 1))).to.equal(owner.toLowerCase() + "01");
    expect(() => sdk.accountId(owner, 256)).to.throw(/sub-account/);
    expect(() => sdk.ownerOf(1n << 168n)).to.throw(/invalid account id/);
    expect(() => sdk.ownerOf(5n)).to.throw(/invalid account id/);

    expect(sdk.wad("0.05")).to.equal(5n * 10n ** 16n);
    expect(sdk.quote("100.5")).to.equal(100_500_000n);
    expect(sdk.feedAnswer(3000)).to.equal(300_000_000_000n);
    expect(sdk.feedToWad(300_000_000_000n)).to.equal(3000n * 10n ** 18n);
    expect(sdk.quoteToWad(1_500_000n)).to.equal(15n * 10n ** 17n);
    expect(sdk.wadToQuote(15n * 10n ** 17n + 1n)).to.equal(1_500_000n);
    expect(sdk.mulWad(3n * 10n ** 18n, 5n * 10n ** 17n)).to.equal(15n * 10n ** 17n);
    expect(sdk.formatWad(-25n * 10n ** 16n)).to.equal("-0.25");
    expect(() => sdk.wad("1e18")).to.throw(/not a decimal number/);
    expect(() => sdk.units("1", 99)).to.throw(/decimals/);
    expect(() => sdk.divWad(1n, 0n)).to.throw(/division by zero/);
  });

  it("reads deployment records and rejects incomplete ones", function () {
    const a = (n: number) => "0x" + n.toString(16).padStart(40, "0");
    const record = {
      network: "devnet",
      chainId: 31337,
      startBlock: 3,
      contracts: Object.fromEntries(
        ["Crossmargin", "CrossmarginRisk", "CrossmarginLens", "LiquidityPool", "InsuranceFund"].map(
          (k, i) => [k, { address: a(i + 1), block: 1 }],
        ),
      ),
      quote: { symbol: "USDC", token: a(9), decimals: 6 },
      markets: [{ id: 0, name: "ETH-PERP", feed: a(10) }],
      collaterals: [],
    };
    const d = sdk.deploymentFromRecord(JSON.stringify(record));
    expect(d).to.deep.include({ engine: a(1), riskModule: a(2), lens: a(3), pool: a(4) });
    expect(d.insuranceFund).to.equal(a(5));
    expect(d.markets[0].name).to.equal("ETH-PERP");
    const broken = { ...record, contracts: { ...record.contracts, CrossmarginLens: {} } };
    expect(() => sdk.deploymentFromRecord(broken)).to.throw(/no address for CrossmarginLens/);
    expect(() => sdk.deploymentFromRecord({})).to.throw(/not a deployment record/);
    expect(sdk.deployments).to.be.an("object");
  });
});

/** The SDK as an integrator gets it: `npm run sdk:build`, `npm pack -w @crossmargin/sdk`, a fresh
 *  project outside the repository that installs the tarball and ethers, and a script there that
 *  drives a real node (anvil, `npm run node`'s default) through the package alone. Expected
 *  values are computed here from the amounts sent and the local configuration. */
import { expect } from "chai";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { localConfig } from "../../../deploy/config/local";
import { accountId } from "../../../src/common/accounts";
import { units, wad } from "../../../src/common/units";
import { devWallet } from "../../../src/devnet/node";
import { fundPool } from "../../../src/devnet/seed";
import { Devnet, startDevnet } from "../../../src/devnet/serve";
import { REPO, SDK_DIR, npm } from "../../helpers/sdk";

const run = promisify(execFile);
const CONSUMER = path.join(__dirname, "consumer");
const usdc = (v: string) => units(v, 6);
const usdWad = (v: string) => wad(v);

async function node(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, args, { cwd, timeout: 120_000 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${args.join(" ")}: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

describe("packed SDK: npm pack, install in a fresh project, drive a node", function () {
  this.timeout(240_000);
  let work: string;
  let project: string;
  let net: Devnet | undefined;
  let tarball: string;

  before(async function () {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "cm-sdk-"));
    project = path.join(work, "app");
    fs.mkdirSync(project);
    // Build and pack, and start the node meanwhile (2 cores: the node mostly waits).
    const packing = (async () => {
      await npm(["run", "sdk:build"]);
      const out = await npm([
        "pack",
        "-w",
        "@crossmargin/sdk",
        "--pack-destination",
        work,
        "--json",
      ]);
      const [{ filename }] = JSON.parse(out) as { filename: string }[];
      tarball = path.join(work, path.basename(filename));
    })();
    const starting = startDevnet({ node: "anvil", network: "sdk-test", recordDir: work });
    const [, started] = await Promise.allSettled([packing, starting]);
    if (started.status === "fulfilled") net = started.value;
    await packing;
    if (!net) throw (started as PromiseRejectedResult).reason;
    await fundPool(net.system, devWallet(1, net.provider), "1000000");

    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "sdk-consumer", version: "1.0.0", private: true, type: "module" }),
    );
    const ethersVersion = JSON.parse(
      fs.readFileSync(path.join(REPO, "node_modules", "ethers", "package.json"), "utf8"),
    ).version as string;
    await npm(
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--no-package-lock",
        tarball,
        `ethers@${ethersVersion}`,
      ],
      project,
    );
    for (const f of fs.readdirSync(CONSUMER)) {
      fs.copyFileSync(path.join(CONSUMER, f), path.join(project, f));
    }
  });

  after(async function () {
    await net?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("packs the built package only (dist, README, package.json)", async function () {
    const listed = await run("tar", ["-tzf", tarball]);
    const files = listed.stdout.trim().split("\n");
    expect(files).to.include("package/dist/esm/index.js");
    expect(files).to.include("package/dist/cjs/index.js");
    expect(files).to.include("package/dist/esm/index.d.ts");
    expect(files).to.include("package/README.md");
    expect(files.filter((f) => f.startsWith("package/src/"))).to.deep.equal([]);
    const pkg = JSON.parse(fs.readFileSync(path.join(SDK_DIR, "package.json"), "utf8"));
    expect(pkg.peerDependencies.ethers).to.match(/^\^6\./);
    expect(pkg.dependencies ?? {}).to.deep.equal({});
    // Nothing in the package reaches back into the repository.
    const installed = path.join(project, "node_modules", "@crossmargin", "sdk", "dist");
    const grep = await run("grep", ["-rlE", "typechain-types|\\.\\./\\.\\./src", installed]).catch(
      (e: { code?: number }) => (e.code === 1 ? { stdout: "" } : Promise.reject(e)),
    );
    expect(grep.stdout).to.equal("");
  });

  it("works through require (CommonJS build)", async function () {
    const out = JSON.parse(await node(["require.cjs"], project));
    const owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect(out.client).to.equal("function");
    expect(out.account).to.equal(accountId(owner, 7).toString());
    expect(out.decoded).to.equal("SlippageBoundRequired");
    expect(out.contracts).to.include.members(["Crossmargin", "CrossmarginLens", "ICrossmargin"]);
  });

  it("type-checks a consumer against the packed .d.ts files", async function () {
    const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
    await node(
      [
        tsc,
        "--noEmit",
        "--strict",
        "--skipLibCheck",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "check.mts",
      ],
      project,
    );
  });

  it("reads health and positions, deposits, trades in a multicall, decodes reverts", async function () {
    const wallet = devWallet(8, net!.provider);
    const out = JSON.parse(
      await node(["drive.mjs", net!.url, net!.recordFile!, wallet.privateKey], project),
    );
    const account = accountId(wallet.address, 1);
    expect(out.account).to.equal(account.toString());
    expect(out.abiItems).to.be.greaterThan(100);
    expect(out.healthBefore).to.deep.equal({ equity: "0", im: "0", mm: "0", liquidatable: false });
    expect(out.positionsBefore).to.equal(0);
    // 10,000 USDC at par is 10,000 USD of equity, with no margin required.
    expect(out.healthAfterDeposit.equity).to.equal(usdWad("10000").toString());
    expect(out.healthAfterDeposit.im).to.equal("0");

    const quoteToken = net!.system.record.quote.token;
    expect(out.withdrawError.name).to.equal("InsufficientBalance");
    expect(out.withdrawError.args).to.deep.equal([
      account.toString(),
      quoteToken,
      usdc("10000").toString(),
      usdc("10001").toString(),
    ]);
    expect(out.withdrawError.message).to.match(/^withdraw reverted: InsufficientBalance\(/);

    expect(out.multicallStatus).to.equal(1);
    expect(out.positions).to.have.length(1);
    const [p] = out.positions;
    expect(p.marketId).to.equal("0");
    expect(p.size).to.equal(wad("2").toString());
    // The quoted fill of a 2 ETH buy on an empty book: 3000 * (1 + 2 / (2 * skewScale)).
    const eth = localConfig.markets[0];
    const scale = wad(eth.skewScale);
    const price = wad("3000");
    const fill = price + (price * wad("2") + 2n * scale - 1n) / (2n * scale);
    expect(out.quote.fill).to.equal(fill.toString());
    expect(p.entryPrice).to.equal(fill.toString());
    expect(BigInt(out.summary.equity)).to.be.lessThan(usdWad("15000"));
    expect(BigInt(out.summary.equity)).to.be.greaterThan(usdWad("14900"));

    expect(out.preview.ok).to.equal(false);
    expect(out.preview.error).to.be.a("string").and.not.equal("");
  });
});

/** `npm run node`'s chain (src/devnet/serve.ts, anvil by default) serves clients that are not
 *  ethers: viem reads the chain id and engine views through the SDK's `as const` ABIs and sends
 *  a deposit; Foundry's cast reads the chain id, calls a view and sends transactions. Expected
 *  values come from the local configuration and from TS arithmetic, not from the engine. */
import { expect } from "chai";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  parseAbi,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type * as SdkAbis from "@crossmargin/sdk/abis";
import { accountId } from "../../../src/common/accounts";
import { units } from "../../../src/common/units";
import { foundryBinary } from "../../../src/devnet/anvil";
import { REPO_ROOT, devWallet, freePort } from "../../../src/devnet/node";
import { Devnet, parseNodeKind, startDevnet } from "../../../src/devnet/serve";
import { localConfig } from "../../../deploy/config/local";
import { ensureSdkBuilt } from "../../helpers/sdk";

const run = promisify(execFile);
const mintAbi = parseAbi(["function mint(address to, uint256 amount)"]);

async function cast(...args: string[]): Promise<string> {
  const { stdout } = await run(foundryBinary("cast"), args, { timeout: 60_000 });
  return stdout.trim();
}

/** cast prints big numbers as `<decimal> [<scientific>]`: the decimal. */
const castUint = (out: string): bigint => BigInt(out.split(/\s+/)[0]);

describe("devnet: npm run node serves viem and cast (anvil)", function () {
  this.timeout(180_000);
  let net: Devnet;
  let dir: string;
  let engine: `0x${string}`;
  let quote: `0x${string}`;
  let client: PublicClient;
  let crossmarginAbi: typeof SdkAbis.crossmarginAbi;
  let erc20Abi: typeof SdkAbis.erc20Abi;

  before(async function () {
    // The ABIs come from the built package (packages/sdk/dist), as an integrator gets them.
    await ensureSdkBuilt();
    ({ crossmarginAbi, erc20Abi } = await import("@crossmargin/sdk/abis"));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cm-devnet-"));
    net = await startDevnet({ node: "anvil", network: "devnet-test", recordDir: dir });
    engine = net.system.record.contracts.Crossmargin.address as `0x${string}`;
    quote = net.system.record.quote.token as `0x${string}`;
    client = createPublicClient({ transport: http(net.url) });
  });

  after(async function () {
    await net?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("rejects an unknown --node value with a clear error", function () {
    expect(parseNodeKind(undefined)).to.equal("anvil");
    expect(parseNodeKind("hardhat")).to.equal("hardhat");
    expect(() => parseNodeKind("geth")).to.throw(/--node must be one of anvil, hardhat/);
  });

  it("writes a deployment record with the engine's address", function () {
    const rec = JSON.parse(fs.readFileSync(net.recordFile!, "utf8"));
    expect(rec.contracts.Crossmargin.address).to.equal(engine);
    expect(rec.chainId).to.equal(31337);
  });

  it("viem: chain id, engine views through the SDK ABI, and a deposit", async function () {
    expect(await client.getChainId()).to.equal(31337);
    const markets = await client.readContract({
      address: engine,
      abi: crossmarginAbi,
      functionName: "marketCount",
    });
    expect(markets).to.equal(BigInt(localConfig.markets.length));
    const key = devWallet(6, net.provider).privateKey as `0x${string}`;
    const account = privateKeyToAccount(key);
    const id = await client.readContract({
      address: engine,
      abi: crossmarginAbi,
      functionName: "accountId",
      args: [account.address, 3],
    });
    expect(id).to.equal(accountId(account.address, 3));

    const chain = defineChain({
      id: 31337,
      name: "crossmargin-devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [net.url] } },
    });
    const wallet = createWalletClient({ account, chain, transport: http(net.url) });
    const amount = units("2500", net.system.record.quote.decimals);
    const send = async (hash: `0x${string}`) => {
      const r = await client.waitForTransactionReceipt({ hash });
      expect(r.status).to.equal("success");
    };
    await send(
      await wallet.writeContract({
        address: quote,
        abi: mintAbi,
        functionName: "mint",
        args: [account.address, amount],
      }),
    );
    await send(
      await wallet.writeContract({
        address: quote,
        abi: erc20Abi,
        functionName: "approve",
        args: [engine, amount],
      }),
    );
    await send(
      await wallet.writeContract({
        address: engine,
        abi: crossmarginAbi,
        functionName: "deposit",
        args: [3, quote, amount],
      }),
    );
    const data = await client.readContract({
      address: engine,
      abi: crossmarginAbi,
      functionName: "getAccount",
      args: [accountId(account.address, 3)],
    });
    expect(data.quoteBalance).to.equal(amount);
    const left = await client.readContract({
      address: quote,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [account.address],
    });
    expect(left).to.equal(0n);
  });

  it("cast: chain-id, call, and send a mint, an approval and a deposit", async function () {
    expect(await cast("chain-id", "--rpc-url", net.url)).to.equal("31337");
    const w = devWallet(7, net.provider);
    const id = await cast(
      "call",
      engine,
      "accountId(address,uint8)(uint256)",
      w.address,
      "9",
      "--rpc-url",
      net.url,
    );
    expect(castUint(id)).to.equal(accountId(w.address, 9));

    const amount = units("1234.5", net.system.record.quote.decimals);
    const sendArgs = ["--rpc-url", net.url, "--private-key", w.privateKey];
    await cast("send", quote, "mint(address,uint256)", w.address, amount.toString(), ...sendArgs);
    await cast("send", quote, "approve(address,uint256)", engine, amount.toString(), ...sendArgs);
    const out = await cast(
      "send",
      engine,
      "deposit(uint8,address,uint256)",
      "9",
      quote,
      amount.toString(),
      ...sendArgs,
      "--json",
    );
    expect(JSON.parse(out).status).to.equal("0x1");
    const bal = await cast(
      "call",
      quote,
      "balanceOf(address)(uint256)",
      engine,
      "--rpc-url",
      net.url,
    );
    // The engine holds the deposits of this test's accounts and nothing else (the chain is not
    // seeded): 2,500 USDC from the viem test and this deposit.
    expect(castUint(bal)).to.equal(units("2500", 6) + amount);
  });
});

describe("devnet: the npm run node script", function () {
  this.timeout(180_000);

  it("serves cast on the given port and stops the node on SIGINT", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cm-node-"));
    const port = await freePort(31_000 + Math.floor(Math.random() * 2_000));
    const child = spawn(
      path.join(REPO_ROOT, "node_modules", ".bin", "ts-node"),
      [
        "--transpile-only",
        "scripts/node.ts",
        "--port",
        String(port),
        "--no-seed",
        "--record-dir",
        dir,
      ],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const deadline = Date.now() + 150_000;
      while (!out.includes("Ctrl-C stops the node.")) {
        if (child.exitCode !== null) throw new Error(`npm run node exited:\n${out}`);
        if (Date.now() > deadline) throw new Error(`npm run node did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const url = `http://127.0.0.1:${port}`;
      expect(out).to.include(`RPC          ${url}  (anvil, chain id 31337)`);
      expect(await cast("chain-id", "--rpc-url", url)).to.equal("31337");
      const rec = JSON.parse(fs.readFileSync(path.join(dir, "localhost.json"), "utf8"));
      const count = await cast(
        "call",
        rec.contracts.Crossmargin.address,
        "marketCount()(uint256)",
        "--rpc-url",
        url,
      );
      expect(castUint(count)).to.equal(BigInt(localConfig.markets.length));
    } finally {
      child.kill("SIGINT");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // The node went with the script: nothing answers on the port any more.
    expect(await freePort(port)).to.equal(port);
  });
});

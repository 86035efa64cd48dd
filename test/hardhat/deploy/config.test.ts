/** Deploy configuration without a chain: per-network files (each market and collateral its own
 *  parameters, defaults from risk-params.json, clear errors), the environment path, and the
 *  hardhat-verify settings and tasks (checked offline, through the real script as well). */
import { expect } from "chai";
import { execFile } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { promisify } from "util";
import { NetworkConfigFile, loadConfigFile, resolveConfig } from "../../../deploy/config/file";
import { envConfig } from "../../../deploy/config/env";
import { configFor, configSource } from "../../../deploy/config";
import { verifyConfig, verifySettingsFromEnv, verifyTasks } from "../../../deploy/verify";
import type { DeploymentRecord } from "../../../deploy/record";

const ROOT = path.join(__dirname, "..", "..", "..");
const DEVNET = path.join(ROOT, "deploy", "config", "networks", "devnet.json");
const RISK = JSON.parse(fs.readFileSync(path.join(ROOT, "deploy/config/risk-params.json"), "utf8"));
const FEED = {
  kind: "chainlink" as const,
  address: "0x" + "11".repeat(20),
  heartbeat: 3600,
  description: "X / USD",
};
const TOKEN = { kind: "existing" as const, address: "0x" + "22".repeat(20) };

function minimal(markets: NetworkConfigFile["markets"]): NetworkConfigFile {
  return { quote: { ...TOKEN, symbol: "USDC" }, collaterals: [], markets };
}

describe("deploy config", () => {
  it("a network file gives each market its own parameters, the rest from risk-params.json", () => {
    const raw = JSON.parse(fs.readFileSync(DEVNET, "utf8"));
    const cfg = loadConfigFile(DEVNET);
    const byName = Object.fromEntries(cfg.markets.map((m) => [m.name, m]));
    // The file's own values win, per market.
    expect(byName["BTC-PERP"].imrBase).to.equal("0.05");
    expect(byName["BTC-PERP"].takerFee).to.equal("0.0005");
    expect(byName["SOL-PERP"].takerFee).to.equal("0.0008");
    expect(byName["ETH-PERP"].takerFee).to.equal(raw.defaults.market.takerFee);
    // Margins not in the file come from risk-params.json for that very market.
    for (const name of ["ETH-PERP", "SOL-PERP"]) {
      expect(byName[name].imrBase).to.equal(RISK.markets[name].imrBase);
      expect(byName[name].imrSizeFactor).to.equal(RISK.markets[name].imrSizeFactor);
    }
    expect(byName["BTC-PERP"].maintenanceScalar).to.equal(
      RISK.markets["BTC-PERP"].maintenanceScalar,
    );
    expect(new Set(cfg.markets.map((m) => m.imrBase)).size).to.equal(3);
    const wbtc = cfg.collaterals.find((c) => c.symbol === "WBTC")!;
    expect(wbtc.initialWeight).to.equal("0.7");
    expect(wbtc.sizeThreshold).to.equal(RISK.collaterals.WBTC.sizeThreshold);
    expect(cfg.risk.offsets).to.deep.equal(RISK.offsets);
    expect(configSource("devnet", {})).to.equal(DEVNET);
    expect(configFor("devnet", {}).markets.length).to.equal(3);
  });

  it("a market found nowhere in risk-params.json must give its margins; never another market's", () => {
    const file = minimal([{ name: "DOGE-PERP", feed: FEED, skewScale: "1", maxOpenInterest: "1" }]);
    expect(() => resolveConfig(file, "t")).to.throw(
      /DOGE-PERP: no value for imrBase, imrSizeFactor, maintenanceScalar.*risk-params.json has no such market/,
    );
    const given = { imrBase: "0.1", imrSizeFactor: "0", maintenanceScalar: "0.6" };
    const ok = resolveConfig(minimal([{ ...file.markets[0], ...given }]), "t");
    expect(ok.markets[0].imrBase).to.equal("0.1");
  });

  it("rejects a missing per-market size parameter, a typo, a bad number and a bad address", () => {
    expect(() =>
      resolveConfig(minimal([{ name: "ETH-PERP", feed: FEED, maxOpenInterest: "1" }]), "t"),
    ).to.throw(/ETH-PERP: no value for skewScale/);
    const typo = {
      name: "ETH-PERP",
      feed: FEED,
      skewScale: "1",
      maxOpenInterest: "1",
      imrbase: "0.1",
    };
    expect(() => resolveConfig(minimal([typo as never]), "t")).to.throw(
      /unknown field\(s\) imrbase/,
    );
    expect(() =>
      resolveConfig(
        minimal([{ name: "ETH-PERP", feed: FEED, skewScale: "lots", maxOpenInterest: "1" }]),
        "t",
      ),
    ).to.throw(/skewScale "lots" is not a non-negative decimal/);
    // INV-73: a fee finer than a pip would revert ParameterOffGrid on chain; the file says so first.
    const fine = { skewScale: "1", maxOpenInterest: "1", takerFee: "0.00055", makerFee: "0.0002" };
    expect(() =>
      resolveConfig(minimal([{ name: "ETH-PERP", feed: FEED, ...fine }]), "t"),
    ).to.not.throw();
    for (const [k, v, unit] of [
      ["takerFee", "0.0000005", "pip"],
      ["makerFee", "0.00020001", "pip"],
      ["skewScale", "1000.0000000001", "nano"],
      ["imrBase", "0.0500000001", "nano"],
      ["minPositionMargin", "20.0000000005", "nano"],
    ]) {
      expect(() =>
        resolveConfig(minimal([{ name: "ETH-PERP", feed: FEED, ...fine, [k]: v }]), "t"),
      ).to.throw(new RegExp(`ETH-PERP: ${k} "${v}" is not a whole ${unit}`));
    }
    // INV-75: liquidation rates are whole nanos and keeper rewards whole micro-USD on chain.
    const market = [{ name: "ETH-PERP", feed: FEED, ...fine }];
    const withLiq = (liquidation: Record<string, string>) => ({
      ...minimal(market),
      liquidation,
    });
    expect(
      resolveConfig(withLiq({ feeRate: "0.000000001", maxKeeperReward: "1000.000001" }), "t")
        .liquidation.maxKeeperReward,
    ).to.equal("1000.000001");
    for (const [k, v, unit] of [
      ["feeRate", "0.0050000001", "nano"],
      ["buffer", "0.1000000005", "nano"],
      ["penaltyRate", "0.0000000001", "nano"],
      ["minKeeperReward", "5.0000001", "micro-USD"],
      ["maxKeeperReward", "1000.0000000001", "micro-USD"],
    ]) {
      expect(() => resolveConfig(withLiq({ [k]: v }), "t")).to.throw(
        new RegExp(`t liquidation: ${k} "${v}" is not a whole ${unit}`),
      );
    }
    // INV-78: collateral weights are whole basis points on chain.
    const weth = { symbol: "WETH", token: TOKEN, feed: FEED, depositCap: "1000" };
    const withWeth = (o: Record<string, string>) => ({
      ...minimal(market),
      collaterals: [{ ...weth, ...o }],
    });
    expect(
      resolveConfig(withWeth({ initialWeight: "0.7501", maintenanceWeight: "0.8" }), "t")
        .collaterals[0].initialWeight,
    ).to.equal("0.7501");
    for (const [k, v] of [
      ["initialWeight", "0.75005"],
      ["maintenanceWeight", "0.800000000000000001"],
    ]) {
      expect(() => resolveConfig(withWeth({ [k]: v }), "t")).to.throw(
        new RegExp(`t collateral WETH: ${k} "${v}" is not a whole basis point`),
      );
    }
    const badFeed = { ...FEED, address: "0x1234" };
    expect(() =>
      resolveConfig(
        minimal([{ name: "ETH-PERP", feed: badFeed, skewScale: "1", maxOpenInterest: "1" }]),
        "t",
      ),
    ).to.throw(/feed.address "0x1234" is not an address/);
  });

  it("the environment path: per-market key=value parameters, margins by name, no fallback", () => {
    const env = {
      QUOTE_TOKEN: TOKEN.address,
      COLLATERALS: `WETH:${TOKEN.address}:${FEED.address}:3600:ETH / USD:1000`,
      MARKETS: `ETH-PERP:${FEED.address}:3600:ETH / USD:skewScale=1000000,maxOpenInterest=100000;BTC-PERP:${FEED.address}:3600:BTC / USD:skewScale=50000,maxOpenInterest=5000,takerFee=0.0004`,
    };
    const cfg = envConfig(env);
    expect(cfg.markets.map((m) => [m.name, m.imrBase, m.skewScale, m.takerFee])).to.deep.equal([
      ["ETH-PERP", RISK.markets["ETH-PERP"].imrBase, "1000000", "0.0006"],
      ["BTC-PERP", RISK.markets["BTC-PERP"].imrBase, "50000", "0.0004"],
    ]);
    expect(cfg.collaterals[0].maintenanceWeight).to.equal(RISK.collaterals.WETH.maintenanceWeight);
    expect(cfg.markets.every((m) => m.instantTrading === false)).to.equal(true);
    expect(() =>
      envConfig({
        ...env,
        MARKETS: `DOGE-PERP:${FEED.address}:3600:DOGE / USD:skewScale=1,maxOpenInterest=1`,
      }),
    ).to.throw(/DOGE-PERP: no value for imrBase/);
    expect(() =>
      envConfig({ ...env, MARKETS: `BTC-PERP:${FEED.address}:3600:BTC / USD` }),
    ).to.throw(/BTC-PERP: no value for skewScale, maxOpenInterest/);
    expect(() => envConfig({ ...env, QUOTE_TOKEN: "" })).to.throw(
      /missing environment variable QUOTE_TOKEN/,
    );
  });

  it("verify settings: a custom chain, Sourcify, and partial settings rejected", () => {
    const env = {
      NETWORK_NAME: "mychain",
      VERIFY_CHAIN_ID: "424242",
      VERIFY_API_URL: "https://explorer.example/api",
      VERIFY_BROWSER_URL: "https://explorer.example",
      VERIFY_API_KEY: "k",
      VERIFY_SOURCIFY: "1",
      SOURCIFY_API_URL: "https://sourcify.example/server",
    };
    const c = verifyConfig(verifySettingsFromEnv(env));
    expect(c.etherscan.customChains).to.deep.equal([
      {
        network: "mychain",
        chainId: 424242,
        urls: { apiURL: env.VERIFY_API_URL, browserURL: env.VERIFY_BROWSER_URL },
      },
    ]);
    // A per-network key makes hardhat-verify call the chain's own API, not etherscan.io's v2.
    expect(c.etherscan.apiKey).to.deep.equal({ mychain: "k" });
    expect(c.sourcify).to.deep.equal({ enabled: true, apiUrl: env.SOURCIFY_API_URL });
    expect(verifyConfig(verifySettingsFromEnv({ ETHERSCAN_API_KEY: "e" })).etherscan).to.deep.equal(
      { enabled: true, apiKey: "e", customChains: [] },
    );
    expect(verifyConfig(verifySettingsFromEnv({})).etherscan.enabled).to.equal(false);
    expect(() => verifyConfig(verifySettingsFromEnv({ VERIFY_CHAIN_ID: "5" }))).to.throw(
      /chain id, API URL and browser URL/,
    );
    expect(() => verifyConfig({ chainId: 5, apiUrl: "ftp://x", browserUrl: "https://x" })).to.throw(
      /must be http\(s\)/,
    );
  });

  it("verify tasks: every recorded contract with its source, constructor arguments and libraries", async () => {
    const record = {
      contracts: {
        "lib:MarginLogic": {
          address: "0x" + "01".repeat(20),
          block: 1,
          artifact: "MarginLogic",
          args: [],
        },
        Crossmargin: {
          address: "0x" + "02".repeat(20),
          block: 2,
          artifact: "Crossmargin",
          args: ["0xq", "0xd", "0xr"],
          libraries: { MarginLogic: "0x" + "01".repeat(20) },
        },
      },
    } as unknown as DeploymentRecord;
    const tasks = await verifyTasks(record, async (a) => `contracts/${a}.sol`);
    expect(tasks).to.deep.equal([
      {
        key: "lib:MarginLogic",
        address: record.contracts["lib:MarginLogic"].address,
        contract: "contracts/MarginLogic.sol:MarginLogic",
        constructorArguments: [],
        libraries: {},
      },
      {
        key: "Crossmargin",
        address: record.contracts.Crossmargin.address,
        contract: "contracts/Crossmargin.sol:Crossmargin",
        constructorArguments: ["0xq", "0xd", "0xr"],
        libraries: { MarginLogic: record.contracts["lib:MarginLogic"].address },
      },
    ]);
    (record.contracts.Crossmargin as { artifact?: string }).artifact = undefined;
    await verifyTasks(record, async () => "x").then(
      () => expect.fail("should throw"),
      (e: Error) => expect(e.message).to.match(/Crossmargin has no artifact name/),
    );
  });

  it("deploy:verify --dry-run prints hardhat's verify config and the tasks, offline", async function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-test-"));
    try {
      const lib = "0x" + "0a".repeat(20);
      fs.writeFileSync(
        path.join(dir, "hardhat.json"),
        JSON.stringify({
          network: "hardhat",
          chainId: 31337,
          startBlock: 0,
          markets: [],
          collaterals: [],
          quote: { symbol: "USDC", token: "", decimals: 6 },
          contracts: {
            "lib:MarginLogic": { address: lib, block: 1, artifact: "MarginLogic", args: [] },
            CrossmarginRisk: {
              address: "0x" + "0b".repeat(20),
              block: 2,
              artifact: "CrossmarginRisk",
              args: [],
              libraries: { MarginLogic: lib },
            },
          },
        }),
      );
      const env = {
        ...process.env,
        NETWORK_NAME: "mychain",
        VERIFY_CHAIN_ID: "424242",
        VERIFY_API_URL: "https://e.example/api",
        VERIFY_BROWSER_URL: "https://e.example",
        VERIFY_API_KEY: "k",
        VERIFY_SOURCIFY: "1",
      };
      const bin = path.join(ROOT, "node_modules", ".bin", "ts-node");
      const { stdout } = await promisify(execFile)(
        bin,
        [
          "--transpile-only",
          "scripts/deploy-verify.ts",
          "--network",
          "hardhat",
          "--records",
          dir,
          "--dry-run",
        ],
        { cwd: ROOT, env },
      );
      const out = JSON.parse(stdout.slice(stdout.indexOf("{")));
      expect(out.etherscan.customChains[0]).to.deep.equal({
        network: "mychain",
        chainId: 424242,
        urls: { apiURL: "https://e.example/api", browserURL: "https://e.example" },
      });
      expect(out.sourcify.enabled).to.equal(true);
      expect(out.tasks.map((t: { contract: string }) => t.contract)).to.deep.equal([
        "contracts/libraries/MarginLogic.sol:MarginLogic",
        "contracts/core/CrossmarginRisk.sol:CrossmarginRisk",
      ]);
      expect(out.tasks[1].libraries).to.deep.equal({ MarginLogic: lib });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

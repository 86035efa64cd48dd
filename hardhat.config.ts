import { HardhatUserConfig, subtask } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_TEST_GET_TEST_FILES,
} from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox"; // includes hardhat-verify, typechain, coverage, gas reporter
import path from "path";
import { verifyConfig, verifySettingsFromEnv } from "./deploy/verify";

// ---- Offline compiler: use solcjs (wasm) from node_modules/solc instead of downloading ----
// binaries.soliditylang.org is unreachable here; the `solc` npm package version must equal SOLC_VERSION.
const SOLC_VERSION = "0.8.30";
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solcPkg = require("solc/package.json") as { version: string };
  if (args.solcVersion !== solcPkg.version) {
    throw new Error(
      `hardhat.config.ts asks for solc ${args.solcVersion} but node_modules/solc is ${solcPkg.version}`,
    );
  }
  const compilerPath = path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js");
  // longVersion is only used for metadata/build-info
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  const longVersion = solc.version().replace(/\.Emscripten\.clang$/, "");
  return { compilerPath, isSolcJs: true, version: args.solcVersion, longVersion };
});

// ---- Mocha picks up only *.test.ts / *.spec.ts under paths.tests (helpers may sit beside them) ----
subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, _hre, runSuper) => {
  const files: string[] = await runSuper(args);
  if (args.testFiles.length > 0) return files; // explicit `hardhat test <file>`: run as given
  return files.filter((f) => /\.(test|spec)\.[cm]?[jt]s$/.test(f));
});

// The IR pipeline: 4 % to 8 % less gas on the hot paths and 1.2 kB off the engine (docs/gas.md).
// VIA_IR=0 compiles with the legacy pipeline (coverage does: its instrumentation turns the
// optimizer off, and the IR pipeline without it runs out of stack).
const VIA_IR = process.env.VIA_IR !== "0";

// ---- Networks: localhost always; one generic env-driven network when RPC_URL is set ----
const networks: HardhatUserConfig["networks"] = {
  hardhat: { hardfork: "cancun" },
  localhost: { url: "http://127.0.0.1:8545" },
};
if (process.env.RPC_URL) {
  const name = process.env.NETWORK_NAME || "custom";
  networks[name] = {
    url: process.env.RPC_URL,
    accounts: process.env.DEPLOYER_KEY ? [process.env.DEPLOYER_KEY] : [],
  };
}

// Optional mocha reporter override: scripts/ci/test-all.ts sets MOCHA_REPORTER to
// scripts/ci/totals-reporter.ts (spec output + machine-readable totals file).
const mochaReporter = process.env.MOCHA_REPORTER;

const settings = (runs: number) => ({
  evmVersion: "cancun",
  optimizer: { enabled: true, runs },
  viaIR: VIA_IR,
});
// The hot paths are compiled for runtime gas, not size (each contract under EIP-170: `npm run
// sizes`): the engine, whose own code holds the trade and withdrawal paths, and the linked
// libraries of the settlement and liquidation paths; the rest keeps runs = 200. The engine and
// `LiquidationLogic` at 20,000: 1,098 B and 775 B smaller than at 1,000,000 for at most 36 and
// 262 gas more on any benchmark key (docs/gas.md, "Engine size"). IR build only: the legacy one
// (coverage, which turns the optimizer off anyway) keeps 200 everywhere.
const HOT_RUNS: Record<string, number> = !VIA_IR
  ? {}
  : {
      "core/Crossmargin": 20_000,
      "libraries/TradeLogic": 1_000_000,
      "libraries/MarginLogic": 1_000_000,
      "libraries/LiquidationLogic": 20_000,
      "libraries/OrderLogic": 1_000, // 10,000 would take it to 98.5 % of the limit for 0.4 % more
    };

const config: HardhatUserConfig = {
  solidity: {
    compilers: [{ version: SOLC_VERSION, settings: settings(200) }],
    overrides: Object.fromEntries(
      Object.entries(HOT_RUNS).map(([name, runs]) => [
        `contracts/${name}.sol`,
        { version: SOLC_VERSION, settings: settings(runs) },
      ]),
    ),
  },
  networks,
  paths: {
    sources: "contracts",
    tests: "test/hardhat", // forge tests live in test/foundry, shared helpers in test/helpers
  },
  mocha: {
    timeout: 120000,
    // One retry for a failed test: the suite drives real node processes (anvil, `hardhat node`,
    // the keeper CLI) on a 2-core machine. A test that passes only on its retry is still named,
    // with its first error, at the end of `npm test` and of the CI log (scripts/ci/test-all.ts).
    retries: 1,
    ...(mochaReporter ? { reporter: mochaReporter } : {}),
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "1",
    offline: true, // never fetch prices / gas price from the network
    currency: "USD",
    noColors: true,
  },
  // hardhat-verify (`npm run deploy:verify`, `hardhat verify`): Etherscan v2 with
  // ETHERSCAN_API_KEY, a custom chain's explorer from VERIFY_CHAIN_ID / VERIFY_API_URL /
  // VERIFY_BROWSER_URL / VERIFY_API_KEY, Sourcify with VERIFY_SOURCIFY=1 (deploy/verify.ts).
  // Never contacted during compile or test.
  ...verifyConfig(verifySettingsFromEnv()),
};

export default config;

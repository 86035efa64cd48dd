/** `npm run keeper -- --rpc <url> [options]`: the liquidation keeper for any JSON-RPC endpoint.
 *
 *  --rpc <url>            JSON-RPC endpoint (default http://127.0.0.1:8545)
 *  --deployment <file>    deployment record (default: the deployments/*.json of the RPC's chain)
 *  --once                 one pass, then exit
 *  --interval <ms>        time between passes (default 5000)
 *  --min-profit <usd>     smallest profit after gas worth a transaction (default 0.5)
 *  --ignore-profit        act whatever the profit (test networks)
 *  --state <file>         index state file (default .keeper-state-<chainId>-<engine>.json)
 *  --batch-size <n>       accounts per batchHealth call (default 500)
 *  --page-size <blocks>   blocks per log query at start (default 10000)
 *  --confirmations <n>    index up to head - n (default 0)
 *  --eth-usd <source>     gas pricing: market:<id> | collateral:<address> | fixed:<usd> (default: WETH)
 *  --max-retries <n>      retries per RPC request (default 5)
 *  --liquidate-collateral also repay the debt of position-less accounts for their collateral
 *                         (uses the keeper's quote tokens; docs/keeper.md)
 *  --debug                also log every index page
 *  Key: KEEPER_PRIVATE_KEY; on a local chain (id 31337) the node's first account by default. */
import fs from "fs";
import path from "path";
import { parseArgs } from "util";
import { Wallet } from "ethers";
import { Crossmargin__factory, CrossmarginLens__factory } from "../typechain-types";
import { DEPLOYMENTS_DIR, DeploymentRecord } from "../deploy/record";
import { EthUsdSource, Keeper, jsonLogger } from "../src/keeper";
import { withRetry } from "../src/keeper/retry";
import { HARDHAT_KEY0, rpc } from "../src/devnet/node";
import { wad } from "../src/common/units";
import { FastJsonRpcProvider } from "../src/common/rpc";

const { values: a } = parseArgs({
  options: {
    rpc: { type: "string", default: "http://127.0.0.1:8545" },
    deployment: { type: "string" },
    once: { type: "boolean", default: false },
    interval: { type: "string", default: "5000" },
    "min-profit": { type: "string", default: "0.5" },
    "ignore-profit": { type: "boolean", default: false },
    state: { type: "string" },
    "batch-size": { type: "string", default: "500" },
    "page-size": { type: "string", default: "10000" },
    confirmations: { type: "string", default: "0" },
    "eth-usd": { type: "string" },
    "max-retries": { type: "string", default: "5" },
    "liquidate-collateral": { type: "boolean", default: false },
    debug: { type: "boolean", default: false },
  },
});

const log = jsonLogger({ min: a.debug ? "debug" : "info" });

function findRecord(chainId: number): { file: string; record: DeploymentRecord } {
  const candidates = a.deployment
    ? [a.deployment]
    : [path.join(DEPLOYMENTS_DIR, "localhost.json")].concat(
        fs.existsSync(DEPLOYMENTS_DIR)
          ? fs.readdirSync(DEPLOYMENTS_DIR).map((f) => path.join(DEPLOYMENTS_DIR, f))
          : [],
      );
  for (const file of candidates) {
    if (!file.endsWith(".json") || !fs.existsSync(file)) continue;
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentRecord;
    if (record.chainId === chainId) return { file, record };
    if (a.deployment)
      throw new Error(`${file} is for chain ${record.chainId}, the RPC is ${chainId}`);
  }
  throw new Error(`no deployment record for chain ${chainId} (pass --deployment <file>)`);
}

function ethUsdSource(spec: string | undefined): EthUsdSource {
  if (!spec) return { kind: "auto" };
  const [kind, value] = spec.split(":");
  if (kind === "market") return { kind, marketId: Number(value) };
  if (kind === "collateral") return { kind, token: value };
  if (kind === "fixed") return { kind, priceWad: wad(value) };
  throw new Error(
    `--eth-usd: expected market:<id>, collateral:<address> or fixed:<usd>, got ${spec}`,
  );
}

async function main(): Promise<void> {
  const url = a.rpc!;
  const retry = { maxRetries: Number(a["max-retries"]), baseDelayMs: 500, maxDelayMs: 10_000 };
  const chainId = Number(
    await withRetry("eth_chainId", () => rpc<string>(url, "eth_chainId"), retry),
  );
  const provider = new FastJsonRpcProvider(url, chainId);
  const { file, record } = findRecord(chainId);
  const engineAddr = record.contracts.Crossmargin?.address;
  const lensAddr = record.contracts.CrossmarginLens?.address;
  if (!engineAddr || !lensAddr) throw new Error(`${file} has no Crossmargin or CrossmarginLens`);

  let key = process.env.KEEPER_PRIVATE_KEY;
  if (!key) {
    if (chainId !== 31337)
      throw new Error("set KEEPER_PRIVATE_KEY (no default key off local chains)");
    key = HARDHAT_KEY0;
  }
  const signer = new Wallet(key, provider);
  const stateFile =
    a.state ?? `.keeper-state-${chainId}-${engineAddr.slice(2, 10).toLowerCase()}.json`;
  log({
    event: "start",
    rpc: url,
    chainId,
    deployment: file,
    engine: engineAddr,
    lens: lensAddr,
    keeper: signer.address,
    fromBlock: record.startBlock,
    stateFile,
    once: a.once,
  });

  const keeper = new Keeper({
    engine: Crossmargin__factory.connect(engineAddr, signer),
    lens: CrossmarginLens__factory.connect(lensAddr, signer),
    signer,
    fromBlock: record.startBlock,
    minProfitUsd: a["min-profit"],
    ignoreProfit: a["ignore-profit"],
    batchSize: Number(a["batch-size"]),
    pageSize: Number(a["page-size"]),
    confirmations: Number(a.confirmations),
    maxRetries: Number(a["max-retries"]),
    ethUsd: ethUsdSource(a["eth-usd"]),
    stateFile,
    log,
    receiptPollMs: chainId === 31337 ? 200 : 2_000,
    liquidateCollateral: a["liquidate-collateral"],
  });

  const controller = new AbortController();
  const stop = (signal: string) => {
    if (controller.signal.aborted) process.exit(130);
    log({ event: "stopping", signal });
    controller.abort();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  await keeper.run({
    intervalMs: Number(a.interval),
    signal: controller.signal,
    maxPasses: a.once ? 1 : undefined,
  });
  provider.destroy();
}

main().catch((err) => {
  log({ event: "fatal", level: "error", error: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});

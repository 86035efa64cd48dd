/** The keeper process behind `npm run keeper` (scripts/keeper.ts parses the configuration and
 *  compiles if needed, then calls {@link runKeeper}). */
import fs from "fs";
import path from "path";
import { Wallet } from "ethers";
import { ICrossmargin__factory, CrossmarginLens__factory } from "../../typechain-types";
import { DEPLOYMENTS_DIR, DeploymentRecord } from "../../deploy/record";
import { HARDHAT_KEY0, rpc } from "../devnet/node";
import { wad } from "../common/units";
import { KeeperConfig } from "./config";
import { Keeper } from "./index";
import { Logger, jsonLogger, teeLogger, textLogger } from "./log";
import { KeeperMetrics, serveMetrics } from "./metrics";
import { EthUsdSource } from "./profit";
import { FailoverProvider, endpointLabel } from "./failover";
import { withRetry } from "./retry";
import { StopHandle, handleStopSignals } from "./signals";

export function findRecord(
  chainId: number,
  deployment?: string,
): { file: string; record: DeploymentRecord } {
  const candidates = deployment
    ? [deployment]
    : [path.join(DEPLOYMENTS_DIR, "localhost.json")].concat(
        fs.existsSync(DEPLOYMENTS_DIR)
          ? fs.readdirSync(DEPLOYMENTS_DIR).map((f) => path.join(DEPLOYMENTS_DIR, f))
          : [],
      );
  for (const file of candidates) {
    if (!file.endsWith(".json") || !fs.existsSync(file)) continue;
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentRecord;
    if (record.chainId === chainId) return { file, record };
    if (deployment)
      throw new Error(`${file} is for chain ${record.chainId}, the RPC is ${chainId}`);
  }
  throw new Error(`no deployment record for chain ${chainId} (pass --deployment <file>)`);
}

export function ethUsdSource(spec: string | undefined): EthUsdSource {
  if (!spec) return { kind: "auto" };
  const [kind, value] = spec.split(":");
  if (kind === "market" && /^\d+$/.test(value ?? "")) return { kind, marketId: Number(value) };
  if (kind === "collateral" && /^0x[0-9a-fA-F]{40}$/.test(value ?? ""))
    return { kind, token: value };
  if (kind === "fixed" && /^\d+(\.\d+)?$/.test(value ?? "")) return { kind, priceWad: wad(value) };
  throw new Error(
    `--eth-usd: expected market:<id>, collateral:<address> or fixed:<usd>, got ${spec}`,
  );
}

export function makeLogger(cfg: KeeperConfig): Logger {
  const min = cfg.debug ? "debug" : "info";
  return cfg.logFormat === "text"
    ? textLogger({ min })
    : jsonLogger({ min, readableAccounts: true });
}

/** Runs the keeper until it is done (`--once`) or stopped by SIGTERM/SIGINT; returns the exit
 *  code. */
export async function runKeeper(
  cfg: KeeperConfig,
  baseLog: Logger = makeLogger(cfg),
): Promise<number> {
  const metrics =
    cfg.metricsPort !== undefined
      ? new KeeperMetrics({ healthMaxAgeMs: cfg.healthMaxAgeMs, confirmations: cfg.confirmations })
      : undefined;
  const log = metrics ? teeLogger(baseLog, metrics.observe) : baseLog;
  for (const name of cfg.unknownEnv)
    log({ event: "config_unknown_env", level: "warn", name, hint: "no setting has this name" });
  ethUsdSource(cfg.ethUsd); // validated before anything starts

  // Set once the keeper exists: a forced exit (hung drain, second signal) still saves the state.
  const running: { keeper?: Keeper } = {};
  const stop = handleStopSignals({
    log,
    drainTimeoutMs: cfg.drainTimeoutMs,
    onForcedExit: () => running.keeper?.saveState(),
  });
  try {
    return await runWith(cfg, log, metrics, stop, running);
  } catch (err) {
    // A signal during start-up (an RPC still being retried) is a stop, not a failure.
    if (!stop.stoppedBy) throw err;
    log({ event: "stopped", signal: stop.stoppedBy, during: "start" });
    return 0;
  } finally {
    stop.dispose();
  }
}

/** The chain id of the first endpoint that answers; every other endpoint that answers must be
 *  on the same chain (a backup on another chain is a configuration error). One that does not
 *  answer is logged and kept: it may come back. */
async function chainIdOf(urls: string[], log: Logger): Promise<{ chainId: number; first: number }> {
  const ids = await Promise.all(
    urls.map((u) =>
      Promise.race([
        rpc<string>(u, "eth_chainId"),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("timeout after 10000 ms")), 10_000).unref(),
        ),
      ]).then(
        (id) => Number(id),
        (err: unknown) => {
          log({
            event: "rpc_unreachable",
            level: "warn",
            rpc: endpointLabel(u),
            error: err instanceof Error ? err.message : String(err),
          });
          return undefined;
        },
      ),
    ),
  );
  const first = ids.findIndex((id) => id !== undefined);
  if (first < 0)
    throw Object.assign(new Error("no RPC endpoint answers eth_chainId"), {
      code: "NETWORK_ERROR",
    });
  ids.forEach((id, i) => {
    if (id !== undefined && id !== ids[first])
      throw new Error(
        `${endpointLabel(urls[i])} is on chain ${id}, ${endpointLabel(urls[first])} on ${ids[first]}`,
      );
  });
  return { chainId: ids[first]!, first };
}

async function runWith(
  cfg: KeeperConfig,
  log: Logger,
  metrics: KeeperMetrics | undefined,
  stop: StopHandle,
  running: { keeper?: Keeper },
): Promise<number> {
  const ethUsd = ethUsdSource(cfg.ethUsd);
  const retry = {
    maxRetries: cfg.maxRetries,
    baseDelayMs: 500,
    maxDelayMs: 10_000,
    signal: stop.controller.signal,
  };
  const { chainId, first } = await withRetry("eth_chainId", () => chainIdOf(cfg.rpc, log), retry);
  const provider = new FailoverProvider(cfg.rpc, chainId, {
    startIndex: first,
    failoverAfter: cfg.rpcFailoverAfter,
    primaryRetryMs: cfg.rpcPrimaryRetryMs,
    log,
  });
  const { file, record } = findRecord(chainId, cfg.deployment);
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
    cfg.state ?? `.keeper-state-${chainId}-${engineAddr.slice(2, 10).toLowerCase()}.json`;

  let server: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  if (metrics) {
    metrics.opts.headBlock = () => provider.getBlockNumber();
    server = await serveMetrics(metrics, cfg.metricsPort!, cfg.metricsHost);
  }
  log({
    event: "start",
    pid: process.pid,
    rpc: cfg.rpc.map(endpointLabel).join(","),
    chainId,
    deployment: file,
    engine: engineAddr,
    lens: lensAddr,
    keeper: signer.address,
    fromBlock: record.startBlock,
    stateFile,
    once: cfg.once,
    metrics: server ? `http://${cfg.metricsHost}:${server.port}/metrics` : undefined,
    minProfitUsd: cfg.minProfitUsd,
    minProfitByAction: cfg.minProfitByAction,
    ignoreProfit: cfg.ignoreProfit,
    maxFeeWei: cfg.maxFeeWei,
    priorityFeeWei: cfg.priorityFeeWei,
    replaceAfterMs: cfg.replaceAfterMs,
  });

  const keeper = (running.keeper = new Keeper({
    engine: ICrossmargin__factory.connect(engineAddr, signer),
    lens: CrossmarginLens__factory.connect(lensAddr, signer),
    signer,
    fromBlock: record.startBlock,
    minProfitUsd: cfg.minProfitUsd,
    minProfitByAction: cfg.minProfitByAction,
    ignoreProfit: cfg.ignoreProfit,
    batchSize: cfg.batchSize,
    pageSize: cfg.pageSize,
    confirmations: cfg.confirmations,
    maxRetries: cfg.maxRetries,
    ethUsd,
    stateFile,
    log,
    receiptPollMs: chainId === 31337 ? 200 : 2_000,
    receiptTimeoutMs: cfg.receiptTimeoutMs,
    drainTimeoutMs: cfg.drainTimeoutMs,
    maxFeeWei: cfg.maxFeeWei,
    priorityFeeWei: cfg.priorityFeeWei,
    replaceAfterMs: cfg.replaceAfterMs,
    maxReplacements: cfg.maxReplacements,
    liquidateCollateral: cfg.liquidateCollateral,
    collectFeesUsd: cfg.collectFeesUsd,
    sweepFundUsd: cfg.sweepFundUsd,
  }));

  try {
    await keeper.run({
      intervalMs: cfg.intervalMs,
      signal: stop.controller.signal,
      maxPasses: cfg.once ? 1 : undefined,
    });
  } finally {
    keeper.saveState();
    await server?.close();
    provider.destroy();
  }
  if (stop.stoppedBy)
    log({
      event: "stopped",
      signal: stop.stoppedBy,
      stateFile: fs.existsSync(stateFile) ? stateFile : undefined,
    });
  return 0;
}

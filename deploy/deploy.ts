/** Deploys and configures the whole system from a typed network config. Idempotent: what the
 *  record (deployments/<network>.json) lists and the chain has is reused. The record is written
 *  after every deployment, so a run that fails halfway resumes where it stopped; each run first
 *  compares the record with the chain and reports drift. A dry run sends nothing and returns the
 *  plan. After the handover, calls that need the timelock's role come back as proposals. */
import { Provider, Signer } from "ethers";
import {
  ICrossmargin,
  ICrossmargin__factory,
  CrossmarginLens,
  CrossmarginLens__factory,
  InsuranceFund,
  InsuranceFund__factory,
  LiquidityPool,
  LiquidityPool__factory,
  MockERC20,
  MockERC20__factory,
  MockV3Aggregator,
  MockV3Aggregator__factory,
} from "../typechain-types";
import { units } from "../src/common/units";
import { NetworkConfig } from "./config";
import { PlanEntry, StepContext, hasCode, send } from "./context";
import { checkDeployment } from "./check";
import { DeploymentRecord, readRecord, writeRecord } from "./record";
import { Proposal, assertTimelock } from "./timelock";
import { formatDifference } from "./state";
import { TokensAndFeeds, deployTokensAndFeeds } from "./steps/tokens";
import { deployCore } from "./steps/core";
import { configure } from "./steps/configure";

export interface DeployOptions {
  network: string;
  signer: Signer;
  config: NetworkConfig;
  factory: StepContext["factory"];
  /** Read and write deployments/<network>.json (off for throwaway in-process chains). */
  persist?: boolean;
  recordDir?: string;
  log?: (message: string) => void;
}

/** What a run did or, dry, would do. */
export interface DeployReport {
  /** Record keys of the contracts this run deployed, in order. */
  deployed: string[];
  /** Every deployment, call and proposal, in order (a dry run's plan). */
  plan: PlanEntry[];
  /** Calls that need a role the deployer no longer holds (after the handover). */
  proposals: Proposal[];
  /** Differences between the record, the config and the chain found before the run. */
  drift: string[];
}

export interface System {
  record: DeploymentRecord;
  config: NetworkConfig;
  engine: ICrossmargin;
  pool: LiquidityPool;
  insuranceFund: InsuranceFund;
  /** Stateless read-only views over the engine (contracts/periphery/CrossmarginLens.sol). */
  lens: CrossmarginLens;
  quote: MockERC20;
  collaterals: Record<string, MockERC20>;
  collateralFeeds: Record<string, MockV3Aggregator>;
  marketFeeds: MockV3Aggregator[];
  report: DeployReport;
}

export async function deploySystem(opts: DeployOptions): Promise<System> {
  const { ctx, tf, core } = await run(opts, false);
  const { signer, config } = opts;
  const record = ctx.record;
  return {
    record,
    config,
    engine: ICrossmargin__factory.connect(core.engine, signer),
    pool: LiquidityPool__factory.connect(core.pool, signer),
    insuranceFund: InsuranceFund__factory.connect(core.insuranceFund, signer),
    lens: CrossmarginLens__factory.connect(core.lens, signer),
    quote: MockERC20__factory.connect(tf.quote, signer),
    collaterals: Object.fromEntries(
      tf.collaterals.map((c) => [c.symbol, MockERC20__factory.connect(c.token, signer)]),
    ),
    collateralFeeds: Object.fromEntries(
      tf.collaterals.map((c) => [c.symbol, MockV3Aggregator__factory.connect(c.feed, signer)]),
    ),
    marketFeeds: tf.marketFeeds.map((m) => MockV3Aggregator__factory.connect(m.feed, signer)),
    report: report(ctx),
  };
}

/** The dry run: reads the record and the chain, sends no transaction, writes no record, and
 *  returns what a real run would deploy, call and propose. */
export async function planDeployment(opts: DeployOptions): Promise<DeployReport> {
  const { ctx } = await run(opts, true);
  return report(ctx);
}

function report(ctx: StepContext & { drift: string[] }): DeployReport {
  return { deployed: ctx.deployed, plan: ctx.plan, proposals: ctx.proposals, drift: ctx.drift };
}

async function run(opts: DeployOptions, dryRun: boolean) {
  const { signer, config } = opts;
  const provider = signer.provider;
  if (!provider) throw new Error("deploy: the signer has no provider");
  const log = opts.log ?? (() => undefined);
  const chainId = Number((await provider.getNetwork()).chainId);
  const deployer = await signer.getAddress();
  let previous = opts.persist ? readRecord(opts.network, opts.recordDir) : undefined;
  if (previous && previous.chainId !== chainId) {
    throw new Error(
      `deployment record for ${opts.network} is for chain ${previous.chainId}, the node is chain ` +
        `${chainId}: move the record away to deploy afresh`,
    );
  }
  if (previous && (await isStale(provider, previous))) {
    // A restarted development node: the chain the record describes is gone, not drifted.
    log(
      `drift: record for ${opts.network} lists no contract with code on this chain: starting afresh`,
    );
    previous = undefined;
  }
  // The timelock is checked before anything is sent: an EOA must never receive the admin role.
  const timelock = config.timelock
    ? { address: config.timelock, minDelay: await assertTimelock(provider, config.timelock) }
    : undefined;
  const record: DeploymentRecord = previous ?? {
    network: opts.network,
    chainId,
    startBlock: await provider.getBlockNumber(),
    deployer,
    contracts: {},
    markets: [],
    collaterals: [],
    quote: { symbol: config.quote.symbol, token: "", decimals: 0 },
  };
  record.deployer ??= deployer;
  const persist = opts.persist && !dryRun;
  const ctx: StepContext & { drift: string[] } = {
    signer,
    provider,
    deployer,
    record,
    factory: opts.factory,
    log,
    save: () => {
      if (persist) writeRecord(record, opts.recordDir);
    },
    dryRun,
    nextNonce: await provider.getTransactionCount(deployer, "pending"),
    plan: [],
    proposals: [],
    timelock,
    riskManager: config.riskManager,
    deployed: [],
    drift: [],
  };

  if (previous) {
    const diffs = await checkDeployment(provider, previous, config);
    ctx.drift = diffs.map(formatDifference);
    for (const d of ctx.drift) log(`drift: ${d}`);
    if (diffs.length === 0) log("record, config and chain agree");
  }

  const tf = await deployTokensAndFeeds(ctx, config);
  const core = await deployCore(ctx, config, tf.quote);
  ctx.engine = core.engine;
  await configure(ctx, config, tf, core);
  if (!dryRun) {
    await recordListings(ctx, config, tf, core.engine);
    await seedInsurance(ctx, config, tf.quote, core.insuranceFund);
    ctx.save();
    if (persist) log(`record written for ${opts.network}`);
  } else if (await seedNeeded(ctx, config, core.insuranceFund)) {
    ctx.plan.push({ kind: "call", label: `seed insurance fund with ${config.insuranceSeed}` });
  }
  return { ctx, tf, core };
}

/** Whether a record describes a chain that no longer exists: contracts recorded, none with
 *  code (a restarted development node). */
async function isStale(provider: Provider, record: DeploymentRecord): Promise<boolean> {
  const contracts = Object.values(record.contracts);
  if (contracts.length === 0) return false;
  for (const c of contracts) if (await hasCode(provider, c.address)) return false;
  return true;
}

/** The record's quote, collaterals and markets, from what the engine actually holds: a market
 *  the deployer could not add (after the handover) is not recorded until it exists. */
async function recordListings(
  ctx: StepContext,
  cfg: NetworkConfig,
  tf: TokensAndFeeds,
  engineAddress: string,
): Promise<void> {
  const engine = ICrossmargin__factory.connect(engineAddress, ctx.provider);
  const quote = MockERC20__factory.connect(tf.quote, ctx.provider);
  ctx.record.quote = {
    symbol: cfg.quote.symbol,
    token: tf.quote,
    decimals: Number(await quote.decimals()),
  };
  const collaterals = [];
  for (const c of tf.collaterals) {
    const onChain = await engine.getCollateral(c.token);
    if (onChain.listed) collaterals.push({ symbol: c.symbol, token: c.token, feed: onChain.feed });
  }
  ctx.record.collaterals = collaterals;
  const count = Number(await engine.marketCount());
  const markets = [];
  for (let id = 0; id < count; id++) {
    const name = cfg.markets[id]?.name ?? ctx.record.markets[id]?.name ?? `market-${id}`;
    markets.push({ id, name, feed: (await engine.getMarket(id)).feed });
  }
  ctx.record.markets = markets;
  const pending = cfg.markets.length - count;
  if (pending > 0) ctx.log(`${pending} configured market(s) not on chain yet (see proposals)`);
}

/** Whether the (mock) insurance fund is to be seeded: configured, and empty or not there yet. */
async function seedNeeded(ctx: StepContext, cfg: NetworkConfig, fundAddress: string) {
  if (!cfg.mocks || !cfg.insuranceSeed) return false;
  if (!(await hasCode(ctx.provider, fundAddress))) return ctx.dryRun;
  return (await InsuranceFund__factory.connect(fundAddress, ctx.provider).balance()) === 0n;
}

async function seedInsurance(
  ctx: StepContext,
  cfg: NetworkConfig,
  quoteAddress: string,
  fundAddress: string,
): Promise<void> {
  if (!(await seedNeeded(ctx, cfg, fundAddress))) return;
  const fund = InsuranceFund__factory.connect(fundAddress, ctx.signer);
  const quote = MockERC20__factory.connect(quoteAddress, ctx.signer);
  const amount = units(cfg.insuranceSeed!, ctx.record.quote.decimals);
  await send(quote.mint(ctx.deployer, amount));
  await send(quote.approve(fundAddress, amount));
  await send(fund.seed(amount));
  ctx.log(`insurance fund seeded with ${cfg.insuranceSeed} ${cfg.quote.symbol}`);
}

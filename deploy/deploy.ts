/** Deploys and configures the whole system from a typed network config. Idempotent: what the
 *  record (deployments/<network>.json) lists and the chain has is reused. */
import { Signer } from "ethers";
import {
  Crossmargin,
  Crossmargin__factory,
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
import { StepContext, send } from "./context";
import { DeploymentRecord, readRecord, writeRecord } from "./record";
import { deployTokensAndFeeds } from "./steps/tokens";
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

export interface System {
  record: DeploymentRecord;
  config: NetworkConfig;
  engine: Crossmargin;
  pool: LiquidityPool;
  insuranceFund: InsuranceFund;
  /** Stateless read-only views over the engine (contracts/periphery/CrossmarginLens.sol). */
  lens: CrossmarginLens;
  quote: MockERC20;
  collaterals: Record<string, MockERC20>;
  collateralFeeds: Record<string, MockV3Aggregator>;
  marketFeeds: MockV3Aggregator[];
}

export async function deploySystem(opts: DeployOptions): Promise<System> {
  const { signer, config } = opts;
  const provider = signer.provider!;
  const network = await provider.getNetwork();
  const startBlock = await provider.getBlockNumber();
  const previous = opts.persist ? readRecord(opts.network, opts.recordDir) : undefined;
  const record: DeploymentRecord =
    previous && previous.chainId === Number(network.chainId)
      ? previous
      : {
          network: opts.network,
          chainId: Number(network.chainId),
          startBlock,
          contracts: {},
          markets: [],
          collaterals: [],
          quote: { symbol: config.quote.symbol, token: "", decimals: 0 },
        };
  const ctx: StepContext = {
    signer,
    provider,
    record,
    factory: opts.factory,
    log: opts.log ?? (() => undefined),
  };

  const tf = await deployTokensAndFeeds(ctx, config);
  const core = await deployCore(ctx, config, tf.quote);
  await configure(ctx, config, tf, core);

  const quote = MockERC20__factory.connect(tf.quote, signer);
  record.quote = {
    symbol: config.quote.symbol,
    token: tf.quote,
    decimals: Number(await quote.decimals()),
  };
  record.collaterals = tf.collaterals.map(({ symbol, token, feed }) => ({ symbol, token, feed }));
  record.markets = tf.marketFeeds.map(({ name, feed }, id) => ({ id, name, feed }));
  const engine = Crossmargin__factory.connect(core.engine, signer);
  const insuranceFund = InsuranceFund__factory.connect(core.insuranceFund, signer);
  if (config.mocks && config.insuranceSeed && (await insuranceFund.balance()) === 0n) {
    const amount = units(config.insuranceSeed, record.quote.decimals);
    await send(quote.mint(await signer.getAddress(), amount));
    await send(quote.approve(core.insuranceFund, amount));
    await send(insuranceFund.seed(amount));
    ctx.log(`insurance fund seeded with ${config.insuranceSeed} ${config.quote.symbol}`);
  }
  if (opts.persist) ctx.log(`record written to ${writeRecord(record, opts.recordDir)}`);

  return {
    record,
    config,
    engine,
    pool: LiquidityPool__factory.connect(core.pool, signer),
    insuranceFund,
    lens: CrossmarginLens__factory.connect(core.lens, signer),
    quote,
    collaterals: Object.fromEntries(
      tf.collaterals.map((c) => [c.symbol, MockERC20__factory.connect(c.token, signer)]),
    ),
    collateralFeeds: Object.fromEntries(
      tf.collaterals.map((c) => [c.symbol, MockV3Aggregator__factory.connect(c.feed, signer)]),
    ),
    marketFeeds: tf.marketFeeds.map((m) => MockV3Aggregator__factory.connect(m.feed, signer)),
  };
}

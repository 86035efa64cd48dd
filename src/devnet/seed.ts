/** Demo and test state on a deployed system: pool liquidity, funded trader accounts with open
 *  positions, delayed orders, price moves. Works over any provider (mock tokens mint freely). */
import { MaxUint256, Signer } from "ethers";
import type { System } from "../../deploy/deploy";
import { accountId } from "../common/accounts";
import { depositAction, tradeAction } from "../common/actions";
import { feedAnswer, units, wad } from "../common/units";

export interface AccountSpec {
  /** Collateral by symbol ("USDC" is the quote token), whole-token amounts. */
  deposits: Record<string, string>;
  /** Size by market id (signed, base units), e.g. { 0: "2" } = long 2 ETH. */
  trades?: Record<number, string>;
}

function tokenOf(system: System, symbol: string) {
  if (symbol === system.record.quote.symbol) return system.quote;
  const t = system.collaterals[symbol];
  if (!t) throw new Error(`unknown collateral ${symbol}`);
  return t;
}

async function chainTime(signer: Signer): Promise<number> {
  const block = await signer.provider!.getBlock("latest");
  return block!.timestamp;
}

/** Mints quote tokens to `lp` and deposits them into the liquidity pool. */
export async function fundPool(system: System, lp: Signer, amount: string): Promise<void> {
  const quote = system.quote.connect(lp);
  const value = units(amount, system.record.quote.decimals);
  const to = await lp.getAddress();
  await (await quote.mint(to, value)).wait();
  await (await quote.approve(await system.pool.getAddress(), value)).wait();
  await (await system.pool.connect(lp).deposit(value, to)).wait();
}

/** Funds `owner`'s sub-account and opens its positions in one `multicall`; returns the id. */
export async function openAccount(
  system: System,
  owner: Signer,
  subAccount: number,
  spec: AccountSpec,
): Promise<bigint> {
  const ownerAddr = await owner.getAddress();
  const account = accountId(ownerAddr, subAccount);
  const engine = system.engine.connect(owner);
  const engineAddr = await engine.getAddress();
  const actions = [];
  for (const [symbol, amount] of Object.entries(spec.deposits)) {
    const token = tokenOf(system, symbol).connect(owner);
    const value = units(amount, Number(await token.decimals()));
    await (await token.mint(ownerAddr, value)).wait();
    if ((await token.allowance(ownerAddr, engineAddr)) < value) {
      await (await token.approve(engineAddr, MaxUint256)).wait();
    }
    actions.push(depositAction(await token.getAddress(), value));
  }
  for (const [marketId, size] of Object.entries(spec.trades ?? {})) {
    const delta = wad(size);
    actions.push(tradeAction(Number(marketId), delta, delta > 0n ? MaxUint256 : 1n));
  }
  const deadline = (await chainTime(owner)) + 3600;
  const gasLimit = padded(await engine.multicall.estimateGas(account, actions, deadline));
  await (await engine.multicall(account, actions, deadline, { gasLimit })).wait();
  return account;
}

/** A gas limit 25 % above a node's estimate. Nodes (anvil, hardhat) estimate the least gas that
 *  passes at the latest block's timestamp; the transaction runs a block later, where funding and
 *  the position's float rounding can cost a little more, so an exact estimate may run out of
 *  gas. */
export function padded(estimate: bigint): bigint {
  return (estimate * 125n) / 100n;
}

/** Commits a delayed order that settles after the market's minimum delay and expires after
 *  `ttlSeconds`. */
export async function commitOrder(
  system: System,
  owner: Signer,
  account: bigint,
  marketId: number,
  size: string,
  ttlSeconds = 600,
): Promise<void> {
  const delta = wad(size);
  const deadline = (await chainTime(owner)) + ttlSeconds;
  const acceptable = delta > 0n ? (1n << 128n) - 1n : 1n;
  const engine = system.engine.connect(owner);
  const args = [account, marketId, delta, acceptable, deadline] as const;
  const gasLimit = padded(await engine.commitOrder.estimateGas(...args));
  await (await engine.commitOrder(...args, { gasLimit })).wait();
}

/** Publishes a new price on a market feed (a new oracle round). */
export async function setMarketPrice(system: System, marketId: number, price: string | number) {
  const feed = system.marketFeeds[marketId];
  await (await feed.updateAnswer(feedAnswer(price, Number(await feed.decimals())))).wait();
}

/** Publishes a new price on a collateral feed. */
export async function setCollateralPrice(system: System, symbol: string, price: string | number) {
  const feed = system.collateralFeeds[symbol];
  await (await feed.updateAnswer(feedAnswer(price, Number(await feed.decimals())))).wait();
}

export interface DemoAccount {
  name: string;
  owner: string;
  account: bigint;
  deposits: Record<string, string>;
  trades: Record<number, string>;
}

/** The `npm run node` demo: 1M USDC of pool liquidity, three traders with USDC, WETH and WBTC
 *  collateral and open positions in every market, and one pending delayed order. */
export async function seedDemo(
  system: System,
  signers: { lp: Signer; traders: Signer[] },
): Promise<{
  accounts: DemoAccount[];
  pendingOrder: { account: bigint; marketId: number; size: string };
}> {
  await fundPool(system, signers.lp, "1000000");
  const specs: { name: string; spec: AccountSpec }[] = [
    { name: "alice", spec: { deposits: { USDC: "20000" }, trades: { 0: "3", 1: "-0.1" } } },
    { name: "bob", spec: { deposits: { WETH: "10" }, trades: { 1: "0.2", 2: "-100" } } },
    {
      name: "carol",
      spec: { deposits: { WBTC: "0.5", USDC: "1000" }, trades: { 0: "-5", 2: "200" } },
    },
  ];
  const accounts: DemoAccount[] = [];
  for (const [i, { name, spec }] of specs.entries()) {
    const owner = signers.traders[i % signers.traders.length];
    const account = await openAccount(system, owner, 0, spec);
    accounts.push({
      name,
      owner: await owner.getAddress(),
      account,
      deposits: spec.deposits,
      trades: spec.trades ?? {},
    });
  }
  const pendingOrder = { account: accounts[0].account, marketId: 2, size: "50" };
  await commitOrder(
    system,
    signers.traders[0],
    pendingOrder.account,
    pendingOrder.marketId,
    pendingOrder.size,
    3600,
  );
  return { accounts, pendingOrder };
}

/** A small client over ethers v6: reads an account's health, positions and previews, and sends
 *  deposits, trades, `multicall` batches and delayed orders, turning reverts into
 *  `CrossmarginError`s with the protocol error's name and arguments. */
import type { ContractRunner, ContractTransactionResponse, Signer } from "ethers";
import type { Crossmargin, CrossmarginLens, ERC20 } from "./generated/typechain/index.js";
import { accountId } from "./accounts.js";
import {
  type Action,
  type OrderRequest,
  acceptablePrice as slippageBound,
  commitAction,
  tradeAction,
} from "./actions.js";
import { connectDeployment, erc20Contract, type DeploymentContracts } from "./contracts.js";
import { type Deployment, deploymentFromRecord } from "./deployment.js";
import { type DecodedError, decodeError, decodeThrown } from "./errors.js";
import { FAR } from "./units.js";

/** A reverted call or transaction, with the protocol error it carried (if one was decoded). */
export class CrossmarginError extends Error {
  constructor(
    message: string,
    readonly decoded: DecodedError | undefined,
    readonly cause: unknown,
  ) {
    super(message);
    this.name = "CrossmarginError";
  }
}

/** Rethrows `err` as a `CrossmarginError` naming the decoded protocol error. */
function rethrow(action: string, err: unknown): never {
  const d = decodeThrown(err);
  const why = d
    ? `${d.name}(${d.args.map(String).join(", ")})`
    : ((err as { shortMessage?: string; message?: string })?.shortMessage ??
      (err as Error)?.message ??
      String(err));
  throw new CrossmarginError(`${action} reverted: ${why}`, d, err);
}

export interface AccountHealth {
  /** USD WAD (signed). */
  equity: bigint;
  /** Initial margin (USD WAD). */
  im: bigint;
  /** Maintenance margin (USD WAD). */
  mm: bigint;
  liquidatable: boolean;
}

export interface Position {
  marketId: bigint;
  /** Size WAD (signed: long > 0). */
  size: bigint;
  entryPrice: bigint;
  price: bigint;
  unrealisedPnl: bigint;
  accruedFunding: bigint;
  notional: bigint;
  im: bigint;
  mm: bigint;
  liquidationPrice: bigint;
}

export interface PreviewResult {
  ok: boolean;
  liquidatable: boolean;
  /** Why the action would fail (when `ok` is false and the revert was a protocol error). */
  error?: DecodedError;
  errorData: string;
  fillPrice: bigint;
  fee: bigint;
  equity: bigint;
  im: bigint;
  mm: bigint;
}

export interface ClientOptions {
  /** Percent of gas added to each estimate (default 25). A node estimates at the latest block's
   *  timestamp but the transaction runs in a later block, where per-second work (funding
   *  accrual) can cost more than estimated. */
  gasHeadroomPct?: number;
}

/** A contract method as the client calls it: estimate, then send with overrides. */
interface Sendable {
  estimateGas(...args: unknown[]): Promise<bigint>;
  (...args: unknown[]): Promise<ContractTransactionResponse>;
}

export class CrossmarginClient {
  readonly contracts: DeploymentContracts;
  readonly engine: Crossmargin;
  readonly lens: CrossmarginLens;
  readonly quote: ERC20;

  /** Extra gas on top of each estimate, in percent (see `ClientOptions`). */
  readonly gasHeadroomPct: bigint;

  constructor(
    readonly deployment: Deployment,
    readonly runner: ContractRunner,
    options: ClientOptions = {},
  ) {
    const pct = options.gasHeadroomPct ?? 25;
    if (!Number.isInteger(pct) || pct < 0 || pct > 500) {
      throw new Error(`gasHeadroomPct must be an integer in 0..500, got ${pct}`);
    }
    this.gasHeadroomPct = BigInt(pct);
    this.contracts = connectDeployment(deployment, runner);
    this.engine = this.contracts.engine;
    this.lens = this.contracts.lens;
    this.quote = this.contracts.quote;
  }

  /** A client from a deployment record's JSON (e.g. deployments/localhost.json). */
  static fromRecord(
    record: unknown,
    runner: ContractRunner,
    options?: ClientOptions,
  ): CrossmarginClient {
    return new CrossmarginClient(deploymentFromRecord(record), runner, options);
  }

  private signer(): Signer {
    const s = this.runner as Signer;
    if (typeof s.getAddress !== "function" || typeof s.sendTransaction !== "function") {
      throw new Error("this client's runner cannot send transactions: connect a Signer");
    }
    return s;
  }

  /** The id of `owner`'s sub-account (default: the signer's sub-account 0). */
  async accountOf(subAccount = 0, owner?: string): Promise<bigint> {
    return accountId(owner ?? (await this.signer().getAddress()), subAccount);
  }

  /** Equity and margins of `account`, and whether it can be liquidated now. */
  async health(account: bigint): Promise<AccountHealth> {
    const [h, liquidatable] = await Promise.all([
      this.engine.accountHealth(account),
      this.engine.isLiquidatable(account),
    ]);
    return { equity: h.equity, im: h.im, mm: h.mm, liquidatable };
  }

  /** The lens's account summary (health factor, available margin, quote balance...). */
  async summary(account: bigint) {
    const s = await this.lens.accountSummary(account);
    return {
      equity: s.equity,
      im: s.im,
      mm: s.mm,
      healthFactor: s.healthFactor,
      marginUtilisation: s.marginUtilisation,
      availableMargin: s.availableMargin,
      liquidatable: s.liquidatable,
      quoteBalance: s.quoteBalance,
    };
  }

  /** Open positions of `account`, valued at the oracle price now. */
  async positions(account: bigint): Promise<Position[]> {
    const list = await this.lens.positions(account);
    return list.map((p) => ({
      marketId: p.marketId,
      size: p.size,
      entryPrice: p.entryPrice,
      price: p.price,
      unrealisedPnl: p.unrealisedPnl,
      accruedFunding: p.accruedFunding,
      notional: p.notional,
      im: p.im,
      mm: p.mm,
      liquidationPrice: p.liquidationPrice,
    }));
  }

  /** Fill price (price WAD) and fee (USD WAD) of a trade now. */
  async quoteTrade(marketId: bigint | number, sizeDelta: bigint) {
    const [fill, fee] = await this.engine.quoteTrade(marketId, sizeDelta);
    return { fill, fee };
  }

  /** The account after a trade, or why the trade would fail (never reverts for a failing trade). */
  async previewTrade(
    account: bigint,
    marketId: bigint | number,
    sizeDelta: bigint,
  ): Promise<PreviewResult> {
    return toPreview(await this.engine.previewTrade.staticCall(account, marketId, sizeDelta));
  }

  /** The account after a withdrawal, or why it would fail. */
  async previewWithdraw(account: bigint, token: string, amount: bigint): Promise<PreviewResult> {
    return toPreview(await this.engine.previewWithdraw.staticCall(account, token, amount));
  }

  /** Approves the engine for `amount` of `token` when the allowance is smaller. */
  async ensureAllowance(token: string, amount: bigint): Promise<void> {
    const signer = this.signer();
    const erc20 = erc20Contract(token, signer);
    const owner = await signer.getAddress();
    if ((await erc20.allowance(owner, this.deployment.engine)) >= amount) return;
    await this.send("approve", erc20.approve, [this.deployment.engine, amount]);
  }

  /** Deposits `amount` of `token` (default the quote token) into the signer's `subAccount`,
   *  approving the engine first when needed. */
  async deposit(amount: bigint, subAccount = 0, token = this.deployment.quote.token) {
    await this.ensureAllowance(token, amount);
    return this.send("deposit", this.engine.deposit, [subAccount, token, amount]);
  }

  /** Withdraws `amount` of `token` (default the quote token) from `account` to `to`. */
  async withdraw(account: bigint, amount: bigint, to?: string, token?: string) {
    const recipient = to ?? (await this.signer().getAddress());
    const t = token ?? this.deployment.quote.token;
    return this.send("withdraw", this.engine.withdraw, [account, t, amount, recipient]);
  }

  /** Trades `sizeDelta` with an explicit acceptable price. */
  async modifyPosition(
    account: bigint,
    marketId: bigint | number,
    sizeDelta: bigint,
    acceptable: bigint,
    deadline = FAR,
  ) {
    const a = tradeAction(marketId, sizeDelta, acceptable);
    return this.send("modifyPosition", this.engine.modifyPosition, [
      account,
      a.marketId,
      a.sizeDelta,
      a.acceptablePrice,
      deadline,
    ]);
  }

  /** Trades `sizeDelta` at the quoted fill with `slippageBps` of tolerance. */
  async trade(account: bigint, marketId: bigint | number, sizeDelta: bigint, slippageBps = 50) {
    const { fill } = await this.quoteTrade(marketId, sizeDelta);
    return this.modifyPosition(
      account,
      marketId,
      sizeDelta,
      slippageBound(fill, sizeDelta, slippageBps),
    );
  }

  /** Runs `actions` on `account` with one margin check, approving the engine for the deposits. */
  async multicall(account: bigint, actions: Action[], deadline = FAR) {
    if (actions.length === 0) throw new Error("a multicall needs at least one action");
    const deposits = new Map<string, bigint>();
    for (const a of actions) {
      if (a.kind === 0) deposits.set(a.token, (deposits.get(a.token) ?? 0n) + a.amount);
    }
    for (const [token, amount] of deposits) await this.ensureAllowance(token, amount);
    return this.send("multicall", this.engine.multicall, [account, actions, deadline]);
  }

  /** Commits a delayed order. Without `settlementDeadline` the order may wait the market's full
   *  `maxOrderAge` (from the latest block's timestamp). */
  async commitOrder(o: Omit<OrderRequest, "settlementDeadline"> & { settlementDeadline?: bigint }) {
    let deadline = o.settlementDeadline;
    if (deadline === undefined) {
      const provider = this.runner.provider;
      if (!provider) throw new Error("commitOrder needs a runner with a provider");
      const [market, block] = await Promise.all([
        this.engine.getMarket(o.marketId),
        provider.getBlock("latest"),
      ]);
      if (!block) throw new Error("no latest block");
      deadline = BigInt(block.timestamp) + market.maxOrderAge;
    }
    const a = commitAction({ ...o, settlementDeadline: deadline });
    return this.send("commitOrder", this.engine.commitOrder, [
      o.account,
      a.marketId,
      a.sizeDelta,
      a.acceptablePrice,
      deadline,
    ]);
  }

  /** Cancels `account`'s pending order in `marketId`. */
  async cancelOrder(account: bigint, marketId: bigint | number) {
    return this.send("cancelOrder", this.engine.cancelOrder, [account, marketId]);
  }

  /** Pending delayed orders of `account` (lens). */
  async pendingOrders(account: bigint) {
    return this.lens.pendingOrders(account);
  }

  /** Estimates gas (a failing estimate is the revert, decoded), sends with the headroom, waits
   *  for the receipt, and turns a revert into a `CrossmarginError`. */
  private async send(action: string, method: unknown, args: unknown[]) {
    this.signer();
    const m = method as Sendable;
    try {
      const gas = await m.estimateGas(...args);
      const gasLimit = (gas * (100n + this.gasHeadroomPct)) / 100n;
      const tx = await m(...args, { gasLimit });
      const receipt = await tx.wait();
      if (!receipt) throw new Error(`${action}: no receipt`);
      return receipt;
    } catch (err) {
      rethrow(action, err);
    }
  }
}

function toPreview(p: {
  ok: boolean;
  liquidatable: boolean;
  error: string;
  fillPrice: bigint;
  fee: bigint;
  equity: bigint;
  im: bigint;
  mm: bigint;
}): PreviewResult {
  return {
    ok: p.ok,
    liquidatable: p.liquidatable,
    error: p.ok ? undefined : decodeError(p.error),
    errorData: p.error,
    fillPrice: p.fillPrice,
    fee: p.fee,
    equity: p.equity,
    im: p.im,
    mm: p.mm,
  };
}

/** Collateral liquidation of accounts left without positions but with debt that the insurance
 *  fund could not buy out (docs/specs.md INV-29): the keeper repays the debt with its own quote
 *  tokens and takes the collateral at the oracle price less the token's liquidation discount.
 *  Opt-in (`--liquidate-collateral`): it needs quote-token capital and leaves the keeper holding
 *  the collateral. */
import { ICrossmargin, MockERC20__factory } from "../../typechain-types";
import { MaxUint256, Signer } from "ethers";
import { RetryOptions, withRetry } from "./retry";

/** One `liquidateCollateral` the keeper may send, with how to value its result. */
export interface CollateralAction {
  account: bigint;
  token: string;
  data: string;
  /** Quote units the call earns: the seized collateral at the oracle price less the repayment. */
  rewardOf(result: string): bigint;
}

interface TokenInfo {
  address: string;
  index: number;
  decimals: bigint;
}

export class CollateralLiquidator {
  private tokens?: TokenInfo[];
  private approved = false;

  constructor(
    private readonly engine: ICrossmargin,
    private readonly signer: Signer,
    private readonly retry: RetryOptions,
    /** Sends a transaction through the keeper's own nonce manager and waits for it. */
    private readonly send: (to: string, data: string) => Promise<void>,
  ) {}

  /** Approves the engine for the keeper's quote tokens once; returns the keeper's balance. */
  async budget(): Promise<bigint> {
    const me = await this.signer.getAddress();
    const quote = MockERC20__factory.connect(await this.engine.quoteToken(), this.signer);
    const engine = await this.engine.getAddress();
    if (!this.approved) {
      const allowance = await withRetry("allowance", () => quote.allowance(me, engine), this.retry);
      if (allowance < MaxUint256 / 2n) {
        const data = quote.interface.encodeFunctionData("approve", [engine, MaxUint256]);
        await this.send(await quote.getAddress(), data);
      }
      this.approved = true;
    }
    return withRetry("quoteBalance", () => quote.balanceOf(me), this.retry);
  }

  /** The calls for `account` (no positions, liquidatable): one per collateral it holds. */
  async actions(
    account: bigint,
    budget: bigint,
    quoteDecimals: number,
  ): Promise<CollateralAction[]> {
    const a = await withRetry("getAccount", () => this.engine.getAccount(account), this.retry);
    if (a.marketMask !== 0n || a.quoteBalance >= 0n || budget === 0n) return [];
    const debt = -a.quoteBalance;
    const repay = debt < budget ? debt : budget;
    const out: CollateralAction[] = [];
    for (const t of await this.tokenInfo()) {
      if (((a.collateralMask >> BigInt(t.index)) & 1n) === 0n) continue;
      const price = await withRetry(
        "collateralPrice",
        () => this.engine.collateralPrice(t.address),
        this.retry,
      ).catch(() => undefined); // a stale feed: nothing to do for this token now
      if (price === undefined) continue;
      const scale = 10n ** BigInt(18 - quoteDecimals);
      const iface = this.engine.interface;
      out.push({
        account,
        token: t.address,
        data: iface.encodeFunctionData("liquidateCollateral", [account, t.address, repay]),
        rewardOf: (result) => {
          const [repaid, seized] = iface.decodeFunctionResult("liquidateCollateral", result);
          const value = (BigInt(seized) * price) / 10n ** t.decimals / scale;
          return value > BigInt(repaid) ? value - BigInt(repaid) : 0n;
        },
      });
    }
    return out;
  }

  private async tokenInfo(): Promise<TokenInfo[]> {
    if (this.tokens) return this.tokens;
    const list = await withRetry(
      "collateralTokens",
      () => this.engine.collateralTokens(),
      this.retry,
    );
    const infos: TokenInfo[] = [];
    for (const address of list) {
      const c = await withRetry(
        "getCollateral",
        () => this.engine.getCollateral(address),
        this.retry,
      );
      infos.push({ address, index: Number(c.index), decimals: c.tokenDecimals });
    }
    this.tokens = infos;
    return infos;
  }
}

/** Auto-deleveraging candidates (docs/math.md "Auto-deleveraging", INV-49 to INV-52): while the
 *  engine reports that the pool needs profit realised (`adlNeed`), every known position that
 *  qualifies (in profit at the oracle price, on the side of its market's skew, account not
 *  liquidatable) is ranked by the written rule, highest score first. The keeper and the
 *  simulator both use this ranking. */
import { ICrossmargin } from "../../typechain-types";
import * as M from "../model";
import { RetryOptions, withRetry } from "./retry";

export interface AdlTarget {
  account: bigint;
  marketId: number;
  score: bigint;
}

interface MarketRead {
  price: bigint;
  indexNow: bigint;
  skew: bigint;
  makerFee: bigint;
}

const NO_RETRY: RetryOptions = { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0 };

/** What the pool needs (quote units, 0 = no ADL) and the ranked candidates among `accounts`. */
export async function adlCandidates(
  engine: ICrossmargin,
  accounts: Iterable<bigint>,
  retry: RetryOptions = NO_RETRY,
): Promise<{ needed: bigint; targets: AdlTarget[] }> {
  const [, , needed] = await withRetry("adlNeed", () => engine.adlNeed(), retry);
  if (needed === 0n) return { needed, targets: [] };
  const markets = new Map<number, MarketRead | undefined>();
  const market = async (id: number): Promise<MarketRead | undefined> => {
    if (markets.has(id)) return markets.get(id);
    const read = await (async () => {
      const [cfg, st, price, [, indexNow]] = await Promise.all([
        engine.getMarket(id),
        engine.getMarketState(id),
        engine.marketPrice(id),
        engine.currentFunding(id),
      ]);
      return { price, indexNow, skew: st.longOI - st.shortOI, makerFee: cfg.makerFee };
    })().catch(() => undefined); // stale feed or settled market: not a candidate now
    markets.set(id, read);
    return read;
  };
  const targets: AdlTarget[] = [];
  for (const account of accounts) {
    const a = await withRetry("getAccount", () => engine.getAccount(account), retry);
    if (a.marketMask === 0n) continue;
    const h = await engine.accountHealth(account).catch(() => undefined);
    if (!h || h.equity < h.mm || h.equity <= 0n) continue; // liquidation comes first
    for (let id = 0; id < 64; id++) {
      if (((a.marketMask >> BigInt(id)) & 1n) === 0n) continue;
      const m = await market(id);
      if (!m) continue;
      const p = await withRetry("getPosition", () => engine.getPosition(account, id), retry);
      const c: M.AdlCandidate = {
        size: p.size,
        entryPrice: p.entryPrice,
        fundingIndex: p.fundingIndex,
        indexNow: m.indexNow,
        price: m.price,
        skew: m.skew,
        makerFee: m.makerFee,
        equity: h.equity,
      };
      if (M.adlQualifies(c)) targets.push({ account, marketId: id, score: M.adlScore(c) });
    }
  }
  targets.sort((x, y) => (y.score > x.score ? 1 : y.score < x.score ? -1 : 0));
  return { needed, targets };
}

/** What the chain should hold for a config, field by field, and where it differs: shared by the
 *  configure step (which sends or proposes the setters of differing groups) and by
 *  `deploy:check` (which reports every difference). */
import type {
  CollateralConfigStructOutput,
  MarketConfigStructOutput,
} from "../typechain-types/contracts/interfaces/ICrossmargin";
import { getAddress } from "ethers";
import type { CollateralConfig, MarketConfig } from "./config/types";
import { marketStruct } from "./steps/configure";
import { collateralRisk } from "./steps/risk";

/** One field that differs: where (e.g. "market 1 BTC-PERP"), which field, wanted and found. */
export interface Difference {
  where: string;
  field: string;
  want: string;
  have: string;
}

export function formatDifference(d: Difference): string {
  return `${d.where}: ${d.field} is ${d.have} on chain, ${d.want} wanted`;
}

/** The setter groups of a market (contracts/types/Params.sol). */
export type MarketGroup = "feed" | "trading" | "margin" | "limits" | "orders";

type Value = bigint | boolean | string | number;

function norm(v: Value): string {
  if (typeof v === "string" && v.startsWith("0x") && v.length === 42) return getAddress(v);
  return typeof v === "boolean" ? String(v) : BigInt(v).toString();
}

function compare<G extends string>(
  where: string,
  want: Record<string, { group: G; value: Value }>,
  have: Record<string, Value>,
): { diffs: Difference[]; groups: Set<G> } {
  const diffs: Difference[] = [];
  const groups = new Set<G>();
  for (const [field, { group, value }] of Object.entries(want)) {
    const w = norm(value);
    const h = norm(have[field]);
    if (w !== h) {
      diffs.push({ where, field, want: w, have: h });
      groups.add(group);
    }
  }
  return { diffs, groups };
}

/** A market's differences between the config and `getMarket(id)`, with the groups to set. */
export function marketDifferences(
  id: number,
  m: MarketConfig,
  feed: string,
  onChain: MarketConfigStructOutput,
): { diffs: Difference[]; groups: Set<MarketGroup> } {
  const s = marketStruct(m, feed);
  const want: Record<string, { group: MarketGroup; value: Value }> = {
    feed: { group: "feed", value: s.feed },
    heartbeat: { group: "feed", value: BigInt(s.heartbeat) },
  };
  const groups = { trading: s.trading, margin: s.margin, limits: s.limits, orders: s.orders };
  for (const [group, fields] of Object.entries(groups) as [MarketGroup, object][]) {
    for (const [k, v] of Object.entries(fields)) {
      // The engine stores USD amounts without the `Usd` suffix of the setter structs.
      want[k.replace(/Usd$/, "")] = { group, value: v as Value };
    }
  }
  const have = Object.fromEntries(
    Object.keys(want).map((k) => [k, onChain[k as keyof typeof onChain] as Value]),
  );
  return compare(`market ${id} ${m.name}`, want, have);
}

/** A collateral's differences between the config and `getCollateral(token)`. */
export function collateralDifferences(
  c: CollateralConfig,
  feed: string,
  decimals: number,
  onChain: CollateralConfigStructOutput,
): { diffs: Difference[]; groups: Set<"feed" | "risk"> } {
  const want: Record<string, { group: "feed" | "risk"; value: Value }> = {
    feed: { group: "feed", value: feed },
    heartbeat: { group: "feed", value: BigInt(c.feed.heartbeat) },
  };
  for (const [k, v] of Object.entries(collateralRisk(c, decimals))) {
    want[k] = { group: "risk", value: v as Value };
  }
  const have = Object.fromEntries(
    Object.keys(want).map((k) => [k, onChain[k as keyof typeof onChain] as Value]),
  );
  return compare(`collateral ${c.symbol}`, want, have);
}

/** Differences of a flat settings struct against the values an event or getter reported. */
export function settingsDifferences(
  where: string,
  want: Record<string, Value>,
  have: Record<string, Value> | undefined,
): Difference[] {
  if (!have) return [{ where, field: "(all)", want: "set", have: "never set" }];
  const spec = Object.fromEntries(
    Object.entries(want).map(([k, v]) => [k, { group: "x", value: v }]),
  );
  return compare(where, spec, have).diffs;
}

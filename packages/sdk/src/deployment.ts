/** Where a deployment's contracts are. Built-in records (`deployments`) come from the
 *  repository's deployments/*.json at build time; `deploymentFromRecord` reads any such record,
 *  e.g. the deployments/localhost.json that `npm run node` writes. */
export interface Deployment {
  network: string;
  chainId: number;
  /** Block of the first deployment transaction (start of log scans). */
  startBlock: number;
  engine: string;
  riskModule: string;
  lens: string;
  pool: string;
  insuranceFund: string;
  quote: { symbol: string; token: string; decimals: number };
  markets: { id: number; name: string; feed: string }[];
  collaterals: { symbol: string; token: string; feed: string }[];
}

interface RecordShape {
  network?: unknown;
  chainId?: unknown;
  startBlock?: unknown;
  contracts?: Record<string, { address?: unknown }>;
  quote?: Deployment["quote"];
  markets?: Deployment["markets"];
  collaterals?: Deployment["collaterals"];
}

/** A deployment from the JSON of a deployment record (deployments/<network>.json). */
export function deploymentFromRecord(record: unknown): Deployment {
  const r = (typeof record === "string" ? JSON.parse(record) : record) as RecordShape;
  if (!r || typeof r !== "object" || !r.contracts) {
    throw new Error("not a deployment record: no `contracts`");
  }
  const addr = (key: string): string => {
    const a = r.contracts?.[key]?.address;
    if (typeof a !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(a)) {
      throw new Error(`deployment record has no address for ${key}`);
    }
    return a;
  };
  if (typeof r.chainId !== "number") throw new Error("deployment record has no chainId");
  if (!r.quote) throw new Error("deployment record has no quote token");
  return {
    network: String(r.network ?? "unknown"),
    chainId: r.chainId,
    startBlock: typeof r.startBlock === "number" ? r.startBlock : 0,
    engine: addr("Crossmargin"),
    riskModule: addr("CrossmarginRisk"),
    lens: addr("CrossmarginLens"),
    pool: addr("LiquidityPool"),
    insuranceFund: addr("InsuranceFund"),
    quote: r.quote,
    markets: r.markets ?? [],
    collaterals: r.collaterals ?? [],
  };
}

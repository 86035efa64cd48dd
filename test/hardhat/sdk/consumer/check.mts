// Type-checked (not run) in the fresh project: the packed .d.ts files give typed contracts,
// typed client results and `as const` ABIs.
import { JsonRpcProvider } from "ethers";
import {
  type AccountHealth,
  type Crossmargin,
  CrossmarginClient,
  crossmarginAbi,
  engineContract,
} from "@crossmargin/sdk";

type Fn = Extract<(typeof crossmarginAbi)[number], { type: "function" }>["name"];
const view: Fn = "accountHealth";
const provider = new JsonRpcProvider("http://127.0.0.1:8545");
const engine: Crossmargin = engineContract("0x0000000000000000000000000000000000000001", provider);
const client = new CrossmarginClient(
  {
    network: "x",
    chainId: 1,
    startBlock: 0,
    engine: "0x0000000000000000000000000000000000000001",
    riskModule: "0x0000000000000000000000000000000000000002",
    lens: "0x0000000000000000000000000000000000000003",
    pool: "0x0000000000000000000000000000000000000004",
    insuranceFund: "0x0000000000000000000000000000000000000005",
    quote: { symbol: "USDC", token: "0x0000000000000000000000000000000000000006", decimals: 6 },
    markets: [],
    collaterals: [],
  },
  provider,
);
export async function typed(): Promise<bigint> {
  const h: AccountHealth = await client.health(1n);
  const p = await engine.previewTrade.staticCall(1n, 0n, 1n);
  const ok: boolean = p.ok;
  return ok && view === "accountHealth" ? h.equity : h.mm;
}

/** The keeper's health scan, narrowed to the accounts that can matter. The keeper bot calls
 *  `lens.batchHealth` over every known account on every pass; on the in-process network each
 *  such call keeps native memory in proportion to the EVM work it ran (about 0.5 MB per account,
 *  never given back; README, "Memory"), which made a 200-trader run peak at several GB. This
 *  provider wrapper sends the lens only the accounts the model puts within `WATCH_MARGIN` of
 *  maintenance (or with quote debt, or whose health the model cannot compute) and answers the
 *  others from the model: equity and maintenance margin as the model computes them (the
 *  invariants cross-check the model against the chain to the wei), not liquidatable. The keeper
 *  bot's own logic (what to liquidate, in which order, with which checks) is unchanged. */
import { CrossmarginLens__factory } from "../../typechain-types";
import { Eip1193 } from "../chain/reader";

const LENS = CrossmarginLens__factory.createInterface();
const SELECTOR = LENS.getFunction("batchHealth").selector.toLowerCase();

/** An account goes to the lens when its equity is below this multiple of its maintenance
 *  margin by the model. */
export const WATCH_MARGIN = 2;

export interface ModelRow {
  equity: bigint;
  mm: bigint;
  /** The model's health may be off (orders, quote debt, no view yet): ask the lens. */
  uncertain: boolean;
}

export interface ScanStats {
  calls: number;
  /** Accounts asked of the keeper's scans in all, and of those sent to the lens. */
  accounts: number;
  toLens: number;
}

/** Wraps `inner` so that `batchHealth` calls to `lens` only send the watched accounts on. */
export function narrowScans(
  inner: Eip1193,
  lens: string,
  model: (id: bigint) => ModelRow | undefined,
  stats: ScanStats,
): Eip1193 {
  const lensAddress = lens.toLowerCase();
  return {
    async request(args: { method: string; params?: unknown[] }): Promise<unknown> {
      const p = args.params;
      const tx = p?.[0] as { to?: string; data?: string; input?: string } | undefined;
      const data = tx?.data ?? tx?.input;
      if (
        args.method !== "eth_call" ||
        p === undefined ||
        tx?.to?.toLowerCase() !== lensAddress ||
        typeof data !== "string" ||
        !data.toLowerCase().startsWith(SELECTOR)
      ) {
        return inner.request(args);
      }
      const [accounts] = LENS.decodeFunctionData("batchHealth", data) as unknown as [bigint[]];
      const rows = accounts.map((id) => {
        const m = model(id);
        const watch = m === undefined || m.uncertain || m.equity < BigInt(WATCH_MARGIN) * m.mm;
        return { id, m, watch };
      });
      const near = rows.filter((r) => r.watch).map((r) => r.id);
      stats.calls++;
      stats.accounts += accounts.length;
      stats.toLens += near.length;
      let got: { ok: boolean[]; equity: bigint[]; mm: bigint[]; liquidatable: boolean[] } = {
        ok: [],
        equity: [],
        mm: [],
        liquidatable: [],
      };
      if (near.length > 0) {
        const raw = (await inner.request({
          method: "eth_call",
          params: [
            { ...tx, data: LENS.encodeFunctionData("batchHealth", [near]), input: undefined },
            ...p.slice(1),
          ],
        })) as string;
        const r = LENS.decodeFunctionResult("batchHealth", raw);
        got = {
          ok: [...(r[0] as boolean[])],
          equity: [...(r[1] as bigint[])],
          mm: [...(r[2] as bigint[])],
          liquidatable: [...(r[3] as boolean[])],
        };
      }
      const out = {
        ok: [] as boolean[],
        equity: [] as bigint[],
        mm: [] as bigint[],
        liq: [] as boolean[],
      };
      let j = 0;
      for (const r of rows) {
        if (r.watch) {
          out.ok.push(got.ok[j] as boolean);
          out.equity.push(got.equity[j] as bigint);
          out.mm.push(got.mm[j] as bigint);
          out.liq.push(got.liquidatable[j] as boolean);
          j++;
        } else {
          const m = r.m as ModelRow;
          out.ok.push(true);
          out.equity.push(m.equity);
          out.mm.push(m.mm);
          out.liq.push(false);
        }
      }
      return LENS.encodeFunctionResult("batchHealth", [out.ok, out.equity, out.mm, out.liq]);
    },
  };
}

/** Gas the keeper is told its transactions need (eth_estimateGas): ten times the most any
 *  keeper transaction used in the 200-trader crash run (about 250k). */
export const KEEPER_GAS_ESTIMATE = 2_500_000n;

/** Answers `eth_estimateGas` with `KEEPER_GAS_ESTIMATE` instead of running it: the in-process
 *  network runs a transaction several times per estimate and keeps memory for every run. The
 *  keeper still simulates each action with `eth_call` before sending it (src/keeper/actions),
 *  so reverts are caught as before; only the gas limit is a fixed cap. */
export function fixedGasEstimates(inner: Eip1193): Eip1193 {
  return {
    request(args: { method: string; params?: unknown[] }): Promise<unknown> {
      if (args.method === "eth_estimateGas") {
        return Promise.resolve("0x" + KEEPER_GAS_ESTIMATE.toString(16));
      }
      return inner.request(args);
    },
  };
}

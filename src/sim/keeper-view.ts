/** The keeper's view of the chain under `--keeper-latency L`: the keeper acts at once after each
 *  oracle update (its transactions execute on the current state), but every read it makes
 *  (`eth_call`: the health scan, order status) sees the chain as it was L seconds earlier, the
 *  last block at or before now - L. That is a detection delay of L: an account that falls below
 *  maintenance is seen, and liquidated at the then current price, only L seconds later.
 *  With L = 0 the keeper reads the latest block. */
import { Eip1193 } from "../chain/reader";

export class KeeperView {
  /** Blocks seen (number, timestamp), in order; pruned to what the latency can reach. */
  private heads: { number: number; timestamp: number; liquidatable: Set<bigint> }[] = [];
  /** Block tag the keeper's reads are pinned to (undefined: latest). */
  private tag: string | undefined;

  constructor(readonly latencySeconds: number) {
    if (!(latencySeconds >= 0)) throw new RangeError("keeper latency must be >= 0");
  }

  /** Records block `number` at `timestamp` with the accounts the model finds liquidatable. */
  observe(number: number, timestamp: number, liquidatable: Iterable<bigint>): void {
    this.heads.push({ number, timestamp, liquidatable: new Set(liquidatable) });
    const keepFrom = timestamp - this.latencySeconds;
    let drop = 0;
    while (drop + 1 < this.heads.length && (this.heads[drop + 1]?.timestamp ?? 0) <= keepFrom) {
      drop++;
    }
    if (drop > 0) this.heads = this.heads.slice(drop);
  }

  /** The block the keeper sees at chain time `now` (the last one at or before now - L). */
  seen(now: number): { number: number; liquidatable: Set<bigint> } | undefined {
    const cut = now - this.latencySeconds;
    let out: (typeof this.heads)[number] | undefined;
    for (const h of this.heads) if (h.timestamp <= cut) out = h;
    return out ?? this.heads[0];
  }

  /** Pins the keeper's reads for its next pass at chain time `now`. */
  pinFor(now: number): void {
    if (this.latencySeconds === 0) {
      this.tag = undefined;
      return;
    }
    const b = this.seen(now);
    this.tag = b === undefined ? undefined : "0x" + b.number.toString(16);
  }

  /** A provider whose `eth_call`s at "latest"/"pending" read the pinned block instead. */
  wrap(inner: Eip1193): Eip1193 {
    return {
      request: (args: { method: string; params?: unknown[] }): Promise<unknown> => {
        const p = args.params;
        if (
          this.tag !== undefined &&
          args.method === "eth_call" &&
          p !== undefined &&
          (p[1] === undefined || p[1] === "latest" || p[1] === "pending")
        ) {
          return inner.request({ method: "eth_call", params: [p[0], this.tag, ...p.slice(2)] });
        }
        return inner.request(args);
      },
    };
  }
}

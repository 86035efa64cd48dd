/** The keeper's stale view (--keeper-latency) and its narrowed health scans, on a fake
 *  provider: which block the keeper reads, which accounts go to the lens, what comes back. */
import { expect } from "chai";
import { CrossmarginLens__factory } from "../../../typechain-types";
import { KeeperView } from "../../../src/sim/keeper-view";
import { KEEPER_GAS_ESTIMATE, fixedGasEstimates, narrowScans } from "../../../src/sim/scan-filter";
import { feedOnlyView, PoolEstimate, wadPrice } from "../../../src/sim/ticks";
import type { Eip1193 } from "../../../src/chain/reader";

const LENS = CrossmarginLens__factory.createInterface();
const LENS_ADDRESS = "0x00000000000000000000000000000000000000aa";

type Req = { method: string; params?: unknown[] };

function recorder(answer: (r: Req) => unknown): { p: Eip1193; seen: Req[] } {
  const seen: Req[] = [];
  return {
    seen,
    p: {
      request: async (r: Req) => {
        seen.push(r);
        return answer(r);
      },
    },
  };
}

describe("sim/keeper-view: a keeper that reads the chain late", () => {
  it("pins the keeper's reads to the last block at or before now - latency", async () => {
    const v = new KeeperView(120);
    v.observe(10, 1000, [1n]);
    v.observe(11, 1060, [1n, 2n]);
    v.observe(12, 1120, [3n]);
    expect(v.seen(1180)?.number).to.equal(11);
    expect([...(v.seen(1180)?.liquidatable ?? [])]).to.deep.equal([1n, 2n]);
    v.pinFor(1180);
    const { p, seen } = recorder(() => "0x");
    const w = v.wrap(p);
    await w.request({ method: "eth_call", params: [{ to: "0x1" }, "latest"] });
    await w.request({ method: "eth_call", params: [{ to: "0x1" }, "0x5"] });
    await w.request({ method: "eth_sendTransaction", params: [{ to: "0x1" }] });
    expect(seen[0]?.params?.[1]).to.equal("0xb");
    expect(seen[1]?.params?.[1]).to.equal("0x5"); // an explicit block stays
    expect(seen[2]?.method).to.equal("eth_sendTransaction");
  });

  it("with no latency reads the latest block", async () => {
    const v = new KeeperView(0);
    v.observe(10, 1000, []);
    v.pinFor(1001);
    const { p, seen } = recorder(() => "0x");
    await v.wrap(p).request({ method: "eth_call", params: [{ to: "0x1" }, "latest"] });
    expect(seen[0]?.params?.[1]).to.equal("latest");
    expect(() => new KeeperView(-1)).to.throw(/>= 0/);
  });
});

describe("sim/scan-filter: the keeper's health scan narrowed by the model", () => {
  it("sends only accounts near maintenance to the lens and answers the rest from the model", async () => {
    const model = new Map([
      [1n, { equity: 100n, mm: 10n, uncertain: false }], // far: 10x maintenance
      [2n, { equity: 15n, mm: 10n, uncertain: false }], // near: below 2x
      [3n, { equity: 0n, mm: 0n, uncertain: true }], // orders or debt: ask the lens
    ]);
    const { p, seen } = recorder((r) => {
      const [accounts] = LENS.decodeFunctionData(
        "batchHealth",
        (r.params?.[0] as { data: string }).data,
      );
      const ids = accounts as bigint[];
      return LENS.encodeFunctionResult("batchHealth", [
        ids.map(() => true),
        ids.map((id) => (id === 2n ? 9n : 50n)),
        ids.map(() => 10n),
        ids.map((id) => id === 2n),
      ]);
    });
    const stats = { calls: 0, accounts: 0, toLens: 0 };
    const w = narrowScans(p, LENS_ADDRESS, (id) => model.get(id), stats);
    const data = LENS.encodeFunctionData("batchHealth", [[1n, 2n, 3n, 4n]]);
    const raw = (await w.request({
      method: "eth_call",
      params: [{ to: LENS_ADDRESS, data }, "0x7"],
    })) as string;
    const sent = LENS.decodeFunctionData(
      "batchHealth",
      (seen[0]?.params?.[0] as { data: string }).data,
    )[0] as bigint[];
    // 4 is unknown to the model: asked as well.
    expect(sent).to.deep.equal([2n, 3n, 4n]);
    expect(seen[0]?.params?.[1]).to.equal("0x7");
    const r = LENS.decodeFunctionResult("batchHealth", raw);
    expect([...(r[1] as bigint[])]).to.deep.equal([100n, 9n, 50n, 50n]);
    expect([...(r[2] as bigint[])]).to.deep.equal([10n, 10n, 10n, 10n]);
    expect([...(r[3] as boolean[])]).to.deep.equal([false, true, false, false]);
    expect(stats).to.deep.equal({ calls: 1, accounts: 4, toLens: 3 });
  });

  it("answers the keeper's gas estimates with the fixed cap and passes the rest", async () => {
    const { p, seen } = recorder(() => "0x1");
    const w = fixedGasEstimates(p);
    expect(await w.request({ method: "eth_estimateGas", params: [{}] })).to.equal(
      "0x" + KEEPER_GAS_ESTIMATE.toString(16),
    );
    await w.request({ method: "eth_call", params: [{}] });
    expect(seen.map((s) => s.method)).to.deep.equal(["eth_call"]);
  });
});

describe("sim/ticks: feed-only ticks", () => {
  it("turns feed answers into the engine's WAD prices", () => {
    expect(wadPrice(3000.5)).to.equal(3000_500000000000000000n);
    expect(wadPrice(0.12345678)).to.equal(123456780000000000n);
  });

  it("estimates the pool value from the traders' skew", () => {
    const e = new PoolEstimate();
    // Traders net long 10 ETH and short 1 BTC: ETH +100 costs the pool 1000, BTC +1000 earns 1000.
    e.read(1_000_000, [10, -1], [3000, 60000]);
    expect(e.estimate([3100, 61000])).to.be.closeTo(1_000_000, 1e-6);
    expect(e.estimate([3100, 60000])).to.be.closeTo(999_000, 1e-6);
    expect(e.moved([3100, 60000])).to.be.closeTo(0.001, 1e-12);
  });

  it("keeps settled markets' prices and prices collaterals from their market", () => {
    const view = {
      block: 1,
      timestamp: 0n,
      markets: [{ status: 4, price: 7n, state: {}, params: {}, indexNow: 0n }],
      collaterals: [{ symbol: "WETH", price: 1n }],
    } as unknown as Parameters<typeof feedOnlyView>[0];
    const v = feedOnlyView(view, 2, 100, [2500], { WETH: 0 });
    expect(v.markets[0]?.price).to.equal(7n);
    expect(v.collaterals[0]?.price).to.equal(wadPrice(2500));
    expect(v.block).to.equal(2);
    expect(v.timestamp).to.equal(100n);
  });
});

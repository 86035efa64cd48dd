/** The keeper's pure parts, without a node: reward and gas arithmetic, error classification,
 *  backoff, the log index and its state file. Expected numbers are hand arithmetic. */
import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import { JsonRpcProvider, makeError } from "ethers";
import { CrossmarginLens__factory, ICrossmargin__factory } from "../../../typechain-types";
import { decodeBatchHealth, encodeBatchHealth } from "../../../src/keeper/abi";
import { wad } from "../../../src/common/units";
import {
  AccountIndexer,
  LiquidationParams,
  checkProfit,
  gasCostUsd,
  liquidationRewardUsd,
  mapLimit,
  quoteToUsd,
  toJsonLine,
} from "../../../src/keeper";
import { backoffDelay, isRetryableRpcError, withRetry } from "../../../src/keeper/retry";
import { isRangeError } from "../../../src/keeper/indexer";

const params: LiquidationParams = {
  feeRate: wad("0.005"),
  buffer: wad("0.1"),
  minKeeperReward: wad("5"),
  maxKeeperReward: wad("1000"),
  closeFactorHfThreshold: wad("0.95"),
  smallDebtUsd: wad("100"),
  orderKeeperFee: wad("1"),
  penaltyRate: wad("0.0025"),
  accountWindow: 3600n,
};

describe("keeper parts", function () {
  it("liquidation reward = clamp(feeRate * notional, min, max)", function () {
    expect(liquidationRewardUsd(params, wad("30000"))).to.equal(wad("150"));
    expect(liquidationRewardUsd(params, wad("100"))).to.equal(wad("5")); // 0.5 -> min 5
    expect(liquidationRewardUsd(params, wad("1000000"))).to.equal(wad("1000")); // 5000 -> max
  });

  it("gas cost in USD and the profit check", function () {
    // 200,000 gas at 2 gwei = 0.0004 ETH = 1.2 USD at 3,000.
    expect(gasCostUsd(200_000n, 2_000_000_000n, wad("3000"))).to.equal(wad("1.2"));
    expect(quoteToUsd(1_500_000n, 6)).to.equal(wad("1.5"));
    const args = { gas: 200_000n, gasPriceWei: 2_000_000_000n, ethUsdWad: wad("3000") };
    const ok = checkProfit({
      ...args,
      rewardUsd: wad("2"),
      minProfitUsd: wad("0.5"),
      ignoreProfit: false,
    });
    expect(ok.profitUsd).to.equal(wad("0.8"));
    expect(ok.ok).to.equal(true);
    const no = checkProfit({
      ...args,
      rewardUsd: wad("1.6"),
      minProfitUsd: wad("0.5"),
      ignoreProfit: false,
    });
    expect(no.ok).to.equal(false);
    const forced = checkProfit({
      ...args,
      rewardUsd: 0n,
      minProfitUsd: wad("0.5"),
      ignoreProfit: true,
    });
    expect(forced.ok).to.equal(true);
  });

  it("retries transient RPC failures only", function () {
    expect(isRetryableRpcError(makeError("server response 503", "SERVER_ERROR"))).to.equal(true);
    expect(isRetryableRpcError(makeError("timeout", "TIMEOUT"))).to.equal(true);
    const reset = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } });
    expect(isRetryableRpcError(reset)).to.equal(true);
    expect(isRetryableRpcError(new Error("header not found"))).to.equal(true);
    const revert = makeError("execution reverted", "CALL_EXCEPTION", {
      data: "0x12345678",
    } as never);
    expect(isRetryableRpcError(revert)).to.equal(false);
    expect(isRetryableRpcError(makeError("nonce too low", "NONCE_EXPIRED"))).to.equal(false);
    expect(isRangeError(new Error("query returned more than 10000 results"))).to.equal(true);
    expect(isRangeError({ error: { code: -32005, message: "limit exceeded" } })).to.equal(true);
    expect(isRangeError(makeError("server response 503", "SERVER_ERROR"))).to.equal(false);
  });

  it("backs off exponentially up to a cap, and gives up after maxRetries", async function () {
    const o = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, o, () => 0.5))).to.deep.equal([
      100, 200, 400, 800, 1000,
    ]);
    let calls = 0;
    const fast = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 };
    const v = await withRetry(
      "x",
      async () => {
        if (++calls < 3) throw makeError("down", "NETWORK_ERROR");
        return 7;
      },
      fast,
    );
    expect([v, calls]).to.deep.equal([7, 3]);
    calls = 0;
    const fail = withRetry(
      "x",
      async () => {
        calls++;
        throw makeError("down", "NETWORK_ERROR");
      },
      fast,
    );
    await expect(fail).to.be.rejectedWith("down");
    expect(calls).to.equal(4);
    calls = 0;
    await expect(
      withRetry(
        "x",
        async () => {
          calls++;
          throw new Error("bad input");
        },
        fast,
      ),
    ).to.be.rejectedWith("bad input");
    expect(calls).to.equal(1);
  });

  it("mapLimit keeps the order and the concurrency bound", async function () {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, x));
      active--;
      return x * 10;
    });
    expect(out).to.deep.equal([50, 10, 40, 20, 30]);
    expect(peak).to.equal(2);
  });

  it("the batchHealth codec agrees with ethers' ABI coder", function () {
    const lens = CrossmarginLens__factory.createInterface();
    const accounts = [1n, (1n << 160n) + 7n, 0n, 2n ** 167n];
    expect(encodeBatchHealth(accounts)).to.equal(
      lens.encodeFunctionData("batchHealth", [accounts]),
    );
    const rows = {
      ok: [true, false, true, true],
      equity: [wad("-12.5"), 0n, -(2n ** 255n), 2n ** 255n - 1n],
      mm: [wad("313"), 0n, 1n, 2n ** 256n - 1n],
      liquidatable: [true, false, true, false],
    };
    const hex = lens.encodeFunctionResult("batchHealth", [
      rows.ok,
      rows.equity,
      rows.mm,
      rows.liquidatable,
    ]);
    expect(decodeBatchHealth(hex)).to.deep.equal(rows);
    const empty = lens.encodeFunctionResult("batchHealth", [[], [], [], []]);
    expect(decodeBatchHealth(empty)).to.deep.equal({
      ok: [],
      equity: [],
      mm: [],
      liquidatable: [],
    });
  });

  it("log lines are JSON with bigints as decimal strings", function () {
    const line = JSON.parse(toJsonLine({ event: "won", reward: 12n ** 30n }));
    expect(line.event).to.equal("won");
    expect(line.level).to.equal("info");
    expect(line.reward).to.equal((12n ** 30n).toString());
  });

  describe("account index", function () {
    const iface = ICrossmargin__factory.createInterface();
    const engine = "0x00000000000000000000000000000000000000e1";
    const token = "0x00000000000000000000000000000000000000aa";
    const log = (name: string, args: unknown[]) => iface.encodeEventLog(name, args);
    const provider = new JsonRpcProvider("http://127.0.0.1:1"); // never called
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "keeper-units-"))));
    after(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      provider.destroy();
    });

    it("collects accounts, pending orders and liquidation params; the state file round-trips", function () {
      const stateFile = path.join(dir, "s.json");
      const ix = new AccountIndexer({ provider, engine, chainId: 1, fromBlock: 10, stateFile });
      expect(ix.lastBlock).to.equal(9);
      ix.apply([
        log("Deposited", [1n << 8n, token, token, 5n]),
        log("PositionModified", [2n << 8n, 0, 1n, 1n, 1n, 0, 0, 0, 0, 0]),
        log("Deposited", [1n << 8n, token, token, 6n]),
        log("OrderCommitted", [3n << 8n, 1, 1n, 1n, 100, 1]),
        log("OrderCommitted", [3n << 8n, 2, 1n, 1n, 100, 1]),
        log("OrderSettled", [3n << 8n, 1, token, 7, 1_000_000n]),
        log("LiquidationParamsSet", [Object.values(params)]),
      ]);
      expect([...ix.accounts]).to.deep.equal([1n << 8n, 2n << 8n, 3n << 8n]);
      expect([...ix.orders.values()]).to.deep.equal([{ account: 3n << 8n, marketId: 2 }]);
      expect(ix.liquidationParams).to.deep.equal(params);
      ix.lastBlock = 42;
      ix.save();

      const again = new AccountIndexer({ provider, engine, chainId: 1, fromBlock: 10, stateFile });
      expect(again.resumedFrom).to.equal(43);
      expect([...again.accounts]).to.deep.equal([...ix.accounts]);
      expect([...again.orders.values()]).to.deep.equal([...ix.orders.values()]);
      expect(again.liquidationParams).to.deep.equal(params);

      const otherChain = new AccountIndexer({
        provider,
        engine,
        chainId: 5,
        fromBlock: 10,
        stateFile,
      });
      expect(otherChain.resumedFrom).to.equal(undefined);
      expect(otherChain.accounts.size).to.equal(0);
    });
  });
});

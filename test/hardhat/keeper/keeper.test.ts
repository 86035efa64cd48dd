/** The keeper against a real `hardhat node` child process: liquidations, races between two
 *  keepers, profitability gating and delayed orders. */
import { expect } from "chai";
import { rpc } from "../../../src/devnet/node";
import { adlCandidates } from "../../../src/keeper";
import { commitOrder, openAccount, setMarketPrice } from "../../../src/devnet/seed";
import {
  crashEth,
  KeeperNet,
  liquidationCounts,
  makeKeeper,
  openLongs,
  problems,
  trader,
  useSharedKeeperNet,
} from "../../helpers/keeperNet";

describe("keeper (hardhat node)", function () {
  let net: KeeperNet;

  useSharedKeeperNet((n) => (net = n));

  it("one pass liquidates every liquidatable account, largest shortfall first", async function () {
    const sizes = ["10", "10.5", "11", "9.8", "11.5"];
    const accounts = await openLongs(net, sizes);
    await openAccount(net.system, trader(net), 50, {
      deposits: { USDC: "100000" },
      trades: { 0: "1" },
    });
    await crashEth(net);
    const [, equity, mm, liq] = await net.system.lens.batchHealth(accounts);
    expect(liq.every(Boolean)).to.equal(true);
    const expectedOrder = accounts
      .map((a, i) => ({ a, shortfall: mm[i] - equity[i] }))
      .sort((x, y) => (y.shortfall > x.shortfall ? 1 : -1))
      .map((x) => x.a);

    const start = await net.provider.getBlockNumber();
    const keeper = makeKeeper(net, 6);
    const r = await keeper.runOnce();
    expect(r.scanned).to.equal(6);
    expect(r.liquidatable).to.equal(5);
    expect(r.liquidationsSent).to.equal(5);
    expect(r.liquidationsWon).to.equal(5);
    expect(r.lost).to.equal(0);
    expect(r.errors).to.equal(0);
    expect(r.liquidated).to.deep.equal(expectedOrder);
    const sent = keeper.events.filter((e) => e.event === "sent").map((e) => e.account);
    expect(sent).to.deep.equal(expectedOrder);

    const { counts } = await liquidationCounts(net, start);
    for (const a of accounts) expect(counts.get(a)).to.equal(1);
    const paid = await net.system.engine.queryFilter(
      net.system.engine.filters.LiquidationFeePaid(),
      start,
    );
    const total = paid.reduce((s, e) => s + e.args.keeperRewardQuote, 0n);
    expect(r.rewardsQuote).to.equal(total);
    expect(await net.system.quote.balanceOf(await keeper.opts.signer.getAddress())).to.equal(total);
    for (const a of accounts) expect(await net.system.engine.isLiquidatable(a)).to.equal(false);

    const again = await keeper.runOnce();
    expect(again.liquidatable).to.equal(0);
    expect(again.fromBlock).to.equal(r.toBlock + 1);
  });

  it("two keepers racing (automine): each account liquidated once, the loser counts it lost", async function () {
    const accounts = await openLongs(net, ["10", "10.2", "10.4", "10.6", "10.8", "11"]);
    await crashEth(net);
    const start = await net.provider.getBlockNumber();
    const a = makeKeeper(net, 6);
    const b = makeKeeper(net, 7);
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
    const { counts } = await liquidationCounts(net, start);
    for (const acc of accounts) expect(counts.get(acc), `account ${acc}`).to.equal(1);
    expect(ra.liquidationsWon + rb.liquidationsWon).to.equal(accounts.length);
    for (const r of [ra, rb]) {
      expect(r.errors, problems(a.events, b.events)).to.equal(0);
      expect(r.liquidationsWon + r.lost).to.equal(r.liquidatable);
    }
    // Both keep going: the next pass of each finds nothing left and fails nothing.
    const [na, nb] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(na.liquidatable + nb.liquidatable + na.errors + nb.errors).to.equal(0);
  });

  it("two keepers racing in the same blocks: the loser's transaction reverts, it counts it lost", async function () {
    const accounts = await openLongs(net, ["10", "10.2", "10.4", "10.6"]);
    await crashEth(net);
    const start = await net.provider.getBlockNumber();
    await rpc(net.node.url, "evm_setAutomine", [false]);
    await rpc(net.node.url, "evm_setIntervalMining", [400]);
    const a = makeKeeper(net, 6, { ignoreProfit: true });
    const b = makeKeeper(net, 7, { ignoreProfit: true });
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
    await rpc(net.node.url, "evm_setIntervalMining", [0]);
    await rpc(net.node.url, "evm_setAutomine", [true]);

    const { counts } = await liquidationCounts(net, start);
    for (const acc of accounts) expect(counts.get(acc)).to.equal(1);
    expect(ra.liquidationsWon + rb.liquidationsWon).to.equal(accounts.length);
    expect(ra.lost + rb.lost).to.be.greaterThan(0);
    for (const r of [ra, rb]) {
      expect(r.errors, problems(a.events, b.events)).to.equal(0);
      expect(r.liquidationsWon + r.lost).to.equal(r.liquidatable);
    }
  });

  it("acts only when the reward covers gas plus the minimum profit, unless told to ignore it", async function () {
    const accounts = await openLongs(net, ["10", "10.5"]);
    await crashEth(net);
    const greedy = makeKeeper(net, 6, { minProfitUsd: 1_000_000 });
    const r = await greedy.runOnce();
    expect(r.liquidatable).to.equal(2);
    expect(r.skippedUnprofitable).to.equal(2);
    expect(r.liquidationsSent).to.equal(0);
    const skip = greedy.events.find((e) => e.event === "skip_unprofitable")!;
    expect(skip.rewardUsd as bigint).to.be.greaterThan(0n);
    expect(skip.gasCostUsd as bigint).to.be.greaterThan(0n);

    const testnet = makeKeeper(net, 6, { minProfitUsd: 1_000_000, ignoreProfit: true });
    const r2 = await testnet.runOnce();
    expect(r2.liquidationsWon).to.equal(accounts.length);

    // With the default minimum (0.5 USD) a liquidation of a solvent account is worth it (at
    // 2,620 the 10 ETH long opened at 2,700 on 1,700 USDC keeps ~880 USD of equity under its
    // ~937 MM; a bankrupt account would pay its keeper nothing, INV-27).
    await crashEth(net, "2700");
    const fresh = await openLongs(net, ["10"], 10, "1700"); // IM 27,000 * 6 % + 20 = 1,640
    await crashEth(net, "2620");
    const normal = makeKeeper(net, 7);
    const r3 = await normal.runOnce();
    expect(r3.liquidated).to.include(fresh[0]);
    // Only accounts that can pay nothing (bankrupt at 2,620) are skipped, never the fresh one.
    const skipped = normal.events.filter((e) => e.event === "skip_unprofitable");
    expect(skipped.map((e) => String(e.account))).to.not.include(String(fresh[0]));
  });

  it("settles a delayed order once a newer price exists and cancels an expired one", async function () {
    const owner = trader(net);
    const alice = await openAccount(net.system, owner, 0, { deposits: { USDC: "10000" } });
    const bob = await openAccount(net.system, owner, 1, { deposits: { USDC: "10000" } });
    await commitOrder(net.system, owner, alice, 0, "1", 600);
    await commitOrder(net.system, owner, bob, 1, "-0.05", 10);
    const keeper = makeKeeper(net, 6, { ignoreProfit: true });
    const r1 = await keeper.runOnce();
    expect(r1.ordersSettled + r1.ordersCancelled).to.equal(0); // no newer price, not expired

    await rpc(net.node.url, "evm_increaseTime", [30]);
    await setMarketPrice(net.system, 0, "3010"); // a round after the commit (+ min delay)
    const start = await net.provider.getBlockNumber();
    const r2 = await keeper.runOnce();
    expect(r2.ordersSettled).to.equal(1);
    expect(r2.ordersCancelled).to.equal(1);
    expect(r2.errors).to.equal(0);
    const e = net.system.engine;
    const settled = await e.queryFilter(e.filters.OrderSettled(), start);
    expect(settled.map((x) => x.args.account)).to.deep.equal([alice]);
    expect(settled[0].args.keeper).to.equal(await keeper.opts.signer.getAddress());
    const cancelled = await e.queryFilter(e.filters.OrderCancelled(), start);
    expect(cancelled.map((x) => x.args.account)).to.deep.equal([bob]);
    const fees = cancelled[0].args.keeperFee * 2n; // the same orderKeeperFee for both orders
    expect(r2.rewardsQuote).to.equal(fees);
    expect((await e.getPosition(alice, 0)).size).to.equal(10n ** 18n);

    const r3 = await keeper.runOnce();
    expect(r3.ordersSettled + r3.ordersCancelled + r3.ordersLost + r3.errors).to.equal(0);
  });

  it("INV-37: settles an order whose first round opens a new Chainlink phase, with the proof", async function () {
    const owner = trader(net);
    const alice = await openAccount(net.system, owner, 0, { deposits: { USDC: "10000" } });
    const feed = net.system.marketFeeds[0];
    const last = (await feed.latestRoundData())[0];
    await commitOrder(net.system, owner, alice, 0, "1", 600);
    await rpc(net.node.url, "evm_increaseTime", [30]);
    await rpc(net.node.url, "evm_mine", []);
    const now = BigInt((await net.provider.getBlock("latest"))!.timestamp);
    const first = (1n << 64n) | 1n; // phase 1, aggregator round 1: its predecessor is missing
    await (await feed.updateRoundData(first, 3010n * 10n ** 8n, now, now)).wait();
    const st = await net.system.engine.orderStatus(alice, 0);
    expect([st.settleable, st.settlementRound, st.phaseProof]).to.deep.equal([true, first, last]);
    const start = await net.provider.getBlockNumber();
    const keeper = makeKeeper(net, 6, { ignoreProfit: true });
    const r = await keeper.runOnce();
    expect([r.ordersSettled, r.errors]).to.deep.equal([1, 0]);
    const e = net.system.engine;
    const settled = await e.queryFilter(e.filters.OrderSettled(), start);
    expect(settled.map((x) => [x.args.account, x.args.roundId])).to.deep.equal([[alice, first]]);
  });
});

describe("keeper: auto-deleveraging (hardhat node)", function () {
  let net: KeeperNet;

  useSharedKeeperNet((n) => (net = n));

  it("INV-50: below the floor, deleverages by descending score until the pool is back at it", async function () {
    const { engine } = net.system;
    const balance = Number(await engine.poolBalance()) / 1e6; // USDC
    // Three longs, 1.5x the pool's balance in all at 3,000, with different leverage.
    const owner = trader(net);
    const specs = [
      { share: 0.5, margin: 0.2 },
      { share: 0.3, margin: 0.1 },
      { share: 0.2, margin: 0.3 },
    ];
    const accounts: bigint[] = [];
    for (const [i, s] of specs.entries()) {
      const notional = 1.5 * balance * s.share;
      accounts.push(
        await openAccount(net.system, owner, 20 + i, {
          deposits: { USDC: String(Math.round(notional * s.margin)) },
          trades: { 0: (notional / 3000).toFixed(6) },
        }),
      );
    }
    await setMarketPrice(net.system, 0, "4200"); // +40 %: open profit 0.6x the balance
    const [, , needed] = await engine.adlNeed();
    expect(needed).to.be.greaterThan(0n);
    const { targets } = await adlCandidates(engine, accounts);
    expect(targets.map((t) => t.account).sort()).to.deep.equal([...accounts].sort());

    const start = await net.provider.getBlockNumber();
    const keeper = makeKeeper(net, 6);
    const r = await keeper.runOnce();
    expect(r.errors).to.equal(0);
    expect(r.deleveraged).to.be.greaterThan(0);
    const events = await engine.queryFilter(engine.filters.AutoDeleveraged(), start);
    expect(events.length).to.equal(r.deleveraged);
    // The keeper's order is the model's ranking, and the engine's scores agree with it.
    expect(events.map((e) => e.args.account)).to.deep.equal(
      targets.slice(0, events.length).map((t) => t.account),
    );
    // Scores agree to 1e-6 (funding accrues between the ranking and each block).
    for (const [i, e] of events.entries()) {
      const want = targets[i].score;
      expect(e.args.score).to.be.closeTo(want, want / 1_000_000n);
    }
    for (let i = 1; i < events.length; i++)
      expect(events[i].args.score).to.be.lte(events[i - 1].args.score);
    const [, , after] = await engine.adlNeed();
    expect(after).to.equal(0n);
    const rewards = events.reduce((s, e) => s + e.args.reward, 0n);
    expect(r.rewardsQuote).to.equal(rewards);

    const again = await keeper.runOnce();
    expect(again.deleveraged).to.equal(0);
  });
});

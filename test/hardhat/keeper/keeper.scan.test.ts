/** The keeper's incremental scan (src/keeper/scan.ts) against a real `hardhat node`: it finds the
 *  same liquidatable accounts as a full health read of every account, after price moves, while
 *  reading only the accounts with a position or debt and those an event named. Which accounts
 *  are liquidatable is known by construction (2,200 USDC longs from 3,000: margin arithmetic in
 *  the comments), not taken from the contracts under test. */
import { expect } from "chai";
import { JsonRpcProvider, ZeroAddress } from "ethers";
import { CrossmarginLens__factory, ICrossmargin__factory } from "../../../typechain-types";
import {
  SCAN_EXPOSED,
  SCAN_LIQUIDATABLE,
  SCAN_OK,
  decodeScanFlags,
  encodeScanFlags,
} from "../../../src/keeper/abi";
import { AccountIndexer, BookScanner, emptyReport } from "../../../src/keeper";
import { openAccount } from "../../../src/devnet/seed";
import {
  crashEth,
  KeeperNet,
  makeKeeper,
  openLongs,
  trader,
  useSharedKeeperNet,
} from "../../helpers/keeperNet";

const lensIface = CrossmarginLens__factory.createInterface();

describe("keeper scan codec", function () {
  it("scanFlags calldata equals ethers' encoding", function () {
    const accounts = [0n, 1n, 2n ** 200n + 7n, 2n ** 256n - 1n];
    expect(encodeScanFlags(accounts)).to.equal(
      lensIface.encodeFunctionData("scanFlags", [accounts]),
    );
    expect(encodeScanFlags([])).to.equal(lensIface.encodeFunctionData("scanFlags", [[]]));
    expect(() => encodeScanFlags([-1n])).to.throw(/out of range/);
    expect(() => encodeScanFlags([2n ** 256n])).to.throw(/out of range/);
  });

  it("decodes the flag bytes ethers encodes, of any length, and refuses a short result", function () {
    for (const n of [0, 1, 31, 32, 33, 500]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 8);
      const hex = lensIface.encodeFunctionResult("scanFlags", [bytes]);
      expect([...decodeScanFlags(hex)]).to.deep.equal([...bytes]);
    }
    const good = lensIface.encodeFunctionResult("scanFlags", [new Uint8Array(40)]);
    expect(() => decodeScanFlags(good.slice(0, good.length - 64))).to.throw(/short result/);
    expect(() => decodeScanFlags("0x")).to.throw(/short result/);
  });
});

describe("keeper scan: accounts touched by events", function () {
  const iface = ICrossmargin__factory.createInterface();
  const log = (name: string, args: unknown[]) => iface.encodeEventLog(name, args);
  const token = "0x00000000000000000000000000000000000000aa";

  it("every account-bearing event touches its account (a top-up also its reserve); only deposits, trades and orders add accounts", function () {
    const provider = new JsonRpcProvider("http://127.0.0.1:1"); // never called
    const ix = new AccountIndexer({ provider, engine: ZeroAddress, chainId: 1, fromBlock: 1 });
    ix.apply([
      log("Deposited", [1n << 8n, token, token, 5n]),
      log("Withdrawn", [2n << 8n, token, token, 1n]),
      log("ToppedUp", [3n << 8n, 4n << 8n, token, 10n, 1n]),
      log("OrderCancelFeeCollected", [5n << 8n, 0, 1n, false]),
      log("BadDebtSettled", [6n << 8n, 10n, 5n, 5n]),
      log("PausedSet", [true]),
    ]);
    const touched = ix.takeTouched();
    expect([...touched]).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n].map((a) => a << 8n));
    expect([...ix.accounts]).to.deep.equal([1n << 8n]);
    expect(ix.takeTouched().size).to.equal(0); // a new set after each take
    provider.destroy();
  });
});

describe("keeper scan (hardhat node)", function () {
  let net: KeeperNet;

  useSharedKeeperNet((n) => (net = n));

  /** A scanner that never reads every account again on its own after the first pass. */
  async function scanner(): Promise<{ book: BookScanner; indexer: AccountIndexer }> {
    const keeper = makeKeeper(net, 6);
    const indexer = await keeper.indexer();
    const lens = await net.system.lens.getAddress();
    const book = new BookScanner({ provider: net.provider, lens, batchSize: 2, fullEvery: 1000 });
    return { book, indexer };
  }

  async function pass(book: BookScanner, indexer: AccountIndexer) {
    await indexer.sync();
    const report = emptyReport();
    const found = await book.pass(indexer, report);
    expect(report.errors).to.equal(0);
    return { found: found.map((c) => c.account), report, stats: book.last! };
  }

  /** The reference: `batchHealth` over every known account (the full read the keeper did on
   *  every pass before), cross-checked against the engine's own `isLiquidatable`. */
  async function fullRead(accounts: bigint[]): Promise<bigint[]> {
    const [ok, , , liq] = await net.system.lens.batchHealth(accounts);
    expect(ok.every(Boolean)).to.equal(true);
    const out = accounts.filter((_, i) => liq[i]);
    for (const [i, a] of accounts.entries()) {
      expect(await net.system.engine.isLiquidatable(a), `account ${a}`).to.equal(liq[i]);
    }
    return out;
  }

  const sorted = (xs: bigint[]) => [...xs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));

  it("finds what a full health read finds after each price move, reading only what can change", async function () {
    // Longs of 1, 5, 10 and 11.5 ETH from 3,000 on 2,200 USDC each (MM ~ 3.5 % of notional + 20):
    //   at 2,850 (-5 %): 10 ETH has equity ~ 2,200 - 1,500 = 700 < MM ~ 1,018; 11.5 ETH is worse;
    //                    5 ETH has ~ 1,450 > ~ 519; 1 ETH ~ 2,050 > ~ 120.
    //   at 2,600:        5 ETH has ~ 2,200 - 2,000 = 200 < MM ~ 475; 1 ETH ~ 1,800 > ~ 111.
    const [one, five, ten, big] = await openLongs(net, ["1", "5", "10", "11.5"]);
    const idle = await openAccount(net.system, trader(net), 10, {
      deposits: { USDC: "1000" },
      trades: {},
    });
    const later = await openAccount(net.system, trader(net), 11, {
      deposits: { USDC: "1000" },
      trades: {},
    });
    const all = [one, five, ten, big, idle, later];
    const { book, indexer } = await scanner();

    // First pass: every account, none liquidatable; the four with a position are watched.
    const p1 = await pass(book, indexer);
    expect(p1.stats.full).to.equal(true);
    expect(p1.report.scanned).to.equal(6);
    expect(p1.found).to.deep.equal([]);
    expect(p1.stats.watched).to.equal(4);
    expect(await fullRead(all)).to.deep.equal([]);

    // ETH -5 %: a steady pass reads the four watched accounts only and finds 10 and 11.5 ETH,
    // largest shortfall first, as the full read does.
    await crashEth(net, "2850");
    const p2 = await pass(book, indexer);
    expect(p2.stats.full).to.equal(false);
    expect(p2.report.scanned).to.equal(4);
    expect(p2.found).to.deep.equal([big, ten]);
    expect(sorted(p2.found)).to.deep.equal(sorted(await fullRead(all)));

    // An idle account trades (an event names it: the next pass reads it and watches it from
    // then on), and ETH falls to 2,600: 5 ETH becomes liquidatable in a steady pass.
    await openAccount(net.system, trader(net), 11, {
      deposits: { USDC: "1" },
      trades: { 0: "0.1" },
    });
    await crashEth(net, "2600");
    const p3 = await pass(book, indexer);
    expect(p3.stats.full).to.equal(false);
    expect(p3.stats.touched).to.equal(1);
    expect(p3.report.scanned).to.equal(5);
    expect(p3.stats.watched).to.equal(5);
    expect(sorted(p3.found)).to.deep.equal(sorted([five, ten, big]));
    expect(sorted(p3.found)).to.deep.equal(sorted(await fullRead(all)));

    // A pass with nothing new reads the watched accounts again (funding accrues every block).
    const p4 = await pass(book, indexer);
    expect(p4.report.scanned).to.equal(5);
    expect(sorted(p4.found)).to.deep.equal(sorted([five, ten, big]));
  });

  it("scanFlags agrees with batchHealth account by account and prices no idle account", async function () {
    const longs = await openLongs(net, ["1", "10", "11.5"]);
    const idle = await openAccount(net.system, trader(net), 20, {
      deposits: { USDC: "500", WETH: "1" },
      trades: {},
    });
    const never = 12345n << 8n; // no record at all
    await crashEth(net, "2850");
    const accounts = [...longs, idle, never];
    const flags = decodeScanFlags(
      await net.provider.call({
        to: await net.system.lens.getAddress(),
        data: encodeScanFlags(accounts),
      }),
    );
    const [ok, , , liq] = await net.system.lens.batchHealth(accounts);
    for (const [i, a] of accounts.entries()) {
      expect((flags[i] & SCAN_OK) !== 0, `ok ${a}`).to.equal(ok[i]);
      expect((flags[i] & SCAN_LIQUIDATABLE) !== 0, `liquidatable ${a}`).to.equal(liq[i]);
      expect((flags[i] & SCAN_EXPOSED) !== 0, `exposed ${a}`).to.equal(i < longs.length);
    }
    expect([...flags]).to.deep.equal([
      SCAN_OK | SCAN_EXPOSED,
      SCAN_OK | SCAN_EXPOSED | SCAN_LIQUIDATABLE,
      SCAN_OK | SCAN_EXPOSED | SCAN_LIQUIDATABLE,
      SCAN_OK,
      SCAN_OK,
    ]);
    // An idle account costs the lens one account read, a priced one the whole health.
    const lens = await net.system.lens.getAddress();
    const gas = async (xs: bigint[]) =>
      net.provider.estimateGas({ to: lens, data: encodeScanFlags(xs) });
    const perIdle = (await gas([idle, idle, idle])) - (await gas([idle, idle]));
    const perPriced =
      (await gas([longs[0], longs[0], longs[0]])) - (await gas([longs[0], longs[0]]));
    expect(perIdle * 3n).to.be.lessThan(perPriced);
  });

  it("the keeper's passes liquidate a newly liquidatable account in a steady pass", async function () {
    const [safe, risky] = await openLongs(net, ["1", "10"]);
    const keeper = makeKeeper(net, 6, { ignoreProfit: true });
    const r1 = await keeper.runOnce();
    expect(r1.scanned).to.equal(2);
    expect(r1.liquidatable).to.equal(0);
    await crashEth(net, "2850");
    const r2 = await keeper.runOnce();
    expect(r2.liquidated).to.deep.equal([risky]);
    expect(await net.system.engine.isLiquidatable(risky)).to.equal(false);
    expect(await net.system.engine.isLiquidatable(safe)).to.equal(false);
    const scans = keeper.events.filter((e) => e.event === "scanned");
    expect(scans.map((e) => e.full)).to.deep.equal([true, false]);
  });
});

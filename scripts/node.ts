/** `npm run node`: starts a local node (anvil by default, `--node hardhat` for `hardhat node`),
 *  deploys the system to it (record in deployments/localhost.json), seeds demo accounts and
 *  prints what it made. Runs until Ctrl-C, then stops the node. Anvil serves any client: ethers,
 *  viem, Foundry's cast, browser wallets (chain id 31337, RPC http://127.0.0.1:8545).
 *  Options: --node anvil|hardhat, --port <n> (default 8545), --node-log <file>, --no-seed,
 *  --record-dir <dir> (default deployments/). */
import { HARDHAT_MNEMONIC, devWallet } from "../src/devnet/node";
import { parseNodeKind, startDevnet } from "../src/devnet/serve";
import { fromUnits } from "../src/common/units";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`--${name} needs a value`);
  return v;
}

async function main(): Promise<void> {
  const kind = parseNodeKind(arg("node"));
  const port = Number(arg("port") ?? 8545);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`--port must be a port number, got ${arg("port")}`);
  }
  console.log(`starting ${kind} on 127.0.0.1:${port} ...`);
  const net = await startDevnet({
    node: kind,
    port,
    seed: !process.argv.includes("--no-seed"),
    nodeLog: arg("node-log"),
    recordDir: arg("record-dir"),
    log: (m) => console.log(m),
  });
  const stop = async (code = 0) => {
    await net.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  try {
    const { system, provider, demo } = net;
    console.log(`\nRPC          ${net.url}  (${kind}, chain id ${net.chainId})`);
    console.log(`record       ${net.recordFile}`);
    console.table(
      Object.fromEntries(
        Object.entries(system.record.contracts)
          .filter(([k]) => !k.startsWith("lib:"))
          .map(([k, v]) => [k, v.address]),
      ),
    );
    console.log("markets:", system.record.markets.map((m) => `${m.id} ${m.name}`).join(", "));
    console.log(`funded accounts (mnemonic "${HARDHAT_MNEMONIC}", local use only):`);
    const roles = [
      "deployer / keeper default",
      "liquidity provider",
      "trader alice",
      "trader bob",
      "trader carol",
    ];
    console.table(
      roles.map((role, i) => {
        const w = devWallet(i, provider);
        return { role, address: w.address, privateKey: w.privateKey };
      }),
    );
    if (demo) {
      const decimals = system.record.quote.decimals;
      const rows = [];
      for (const a of demo.accounts) {
        const h = await system.lens.accountSummary(a.account);
        rows.push({
          name: a.name,
          account: "0x" + a.account.toString(16),
          deposits: JSON.stringify(a.deposits),
          positions: JSON.stringify(a.trades),
          equityUsd: fromUnits(h.equity, 18).toFixed(2),
          mmUsd: fromUnits(h.mm, 18).toFixed(2),
        });
      }
      console.table(rows);
      const lpShares = await system.pool.balanceOf(await devWallet(1, provider).getAddress());
      console.log(
        `pool: ${fromUnits(await system.pool.totalAssets(), decimals)} USDC, LP shares ${lpShares}`,
      );
      const o = demo.pendingOrder;
      console.log(
        `pending order: account 0x${o.account.toString(16)} market ${o.marketId} size ${o.size}`,
      );
    }
    console.log(`\nkeeper:  npm run keeper -- --rpc ${net.url}`);
    console.log(`cast:    cast call ${system.record.contracts.Crossmargin.address} \\`);
    console.log(`           "marketCount()(uint256)" --rpc-url ${net.url}`);
    console.log("Ctrl-C stops the node.");
  } catch (err) {
    console.error(err);
    await stop(1);
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});

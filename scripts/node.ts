/** `npm run node`: starts a local `hardhat node`, deploys the system to it (record in
 *  deployments/localhost.json), seeds demo accounts and prints what it made. Runs until Ctrl-C,
 *  then stops the node.  Options: --port <n> (default 8545), --node-log <file>, --no-seed. */
import fs from "fs";
import { recordPath } from "../deploy/record";
import { deployOverRpc } from "../src/devnet/deploy";
import { HARDHAT_MNEMONIC, devWallet, localProvider, startHardhatNode } from "../src/devnet/node";
import { seedDemo } from "../src/devnet/seed";
import { fromUnits } from "../src/common/units";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const port = Number(arg("port") ?? 8545);
  console.log(`starting hardhat node on 127.0.0.1:${port} ...`);
  const node = await startHardhatNode({ port, logFile: arg("node-log") });
  const stop = async (code = 0) => {
    await node.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  try {
    const provider = localProvider(node.url);
    const deployer = devWallet(0, provider);
    // A fresh node has none of the contracts of an older record: start a new one.
    fs.rmSync(recordPath("localhost"), { force: true });
    const system = await deployOverRpc({
      signer: deployer,
      network: "localhost",
      persist: true,
      log: (m) => console.log(`[deploy] ${m}`),
    });
    const lp = devWallet(1, provider);
    const traders = [devWallet(2, provider), devWallet(3, provider), devWallet(4, provider)];
    const demo = process.argv.includes("--no-seed")
      ? undefined
      : await seedDemo(system, { lp, traders });

    console.log(`\nRPC          ${node.url}  (chain id ${system.record.chainId})`);
    console.log(`record       ${recordPath("localhost")}`);
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
      const lpShares = await system.pool.balanceOf(lp.address);
      console.log(
        `pool: ${fromUnits(await system.pool.totalAssets(), decimals)} USDC, LP shares ${lpShares}`,
      );
      const o = demo.pendingOrder;
      console.log(
        `pending order: account 0x${o.account.toString(16)} market ${o.marketId} size ${o.size}`,
      );
    }
    console.log(`\nkeeper:  npm run keeper -- --rpc ${node.url}`);
    console.log("Ctrl-C stops the node.");
  } catch (err) {
    console.error(err);
    await stop(1);
  }
}

void main();

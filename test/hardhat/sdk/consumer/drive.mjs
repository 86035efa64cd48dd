// A consumer of the packed @crossmargin/sdk, run from a fresh project outside the repository
// (test/hardhat/sdk/packed-sdk.test.ts copies it there). Usage:
//   node drive.mjs <rpc-url> <deployment-record.json> <private-key>
// Reads an account's health and positions, deposits, opens a position in a multicall, previews
// a trade, and decodes a revert; prints what it saw as one JSON line.
import fs from "node:fs";
import { Contract, JsonRpcProvider, Wallet } from "ethers";
import {
  CrossmarginClient,
  CrossmarginError,
  accountId,
  acceptablePrice,
  crossmarginAbi,
  depositAction,
  quote,
  tradeAction,
  wad,
} from "@crossmargin/sdk";

const [url, recordFile, key] = process.argv.slice(2);
if (!url || !recordFile || !key) {
  console.error("usage: node drive.mjs <rpc-url> <deployment-record.json> <private-key>");
  process.exit(2);
}
const provider = new JsonRpcProvider(url, undefined, { cacheTimeout: -1 });
const wallet = new Wallet(key, provider);
const client = CrossmarginClient.fromRecord(fs.readFileSync(recordFile, "utf8"), wallet);
const usdc = client.deployment.quote.token;
const account = accountId(wallet.address, 1);
const big = (v) => (typeof v === "bigint" ? v.toString() : v);
const out = { abiItems: crossmarginAbi.length, account: account.toString() };

out.healthBefore = await client.health(account);
out.positionsBefore = (await client.positions(account)).length;

// The local quote token is a mock that mints freely.
const mock = new Contract(usdc, ["function mint(address to, uint256 amount)"], wallet);
await (await mock.mint(wallet.address, quote("20000"))).wait();

await client.deposit(quote("10000"), 1);
out.healthAfterDeposit = await client.health(account);

// Withdrawing more than the balance reverts: the client decodes the protocol error.
try {
  await client.withdraw(account, quote("10001"));
  out.withdrawError = null;
} catch (err) {
  if (!(err instanceof CrossmarginError)) throw err;
  out.withdrawError = { name: err.decoded?.name, args: err.decoded?.args, message: err.message };
}

// One multicall: deposit 5,000 USDC and buy 2 ETH with 1 % slippage tolerance.
const size = wad("2");
const { fill, fee } = await client.quoteTrade(0, size);
out.quote = { fill, fee };
const receipt = await client.multicall(account, [
  depositAction(usdc, quote("5000")),
  tradeAction(0, size, acceptablePrice(fill, size, 100)),
]);
out.multicallStatus = receipt.status;
out.positions = await client.positions(account);
out.summary = await client.summary(account);

// A preview never reverts for a failing trade: it says why.
const preview = await client.previewTrade(account, 0, wad("1000"));
out.preview = { ok: preview.ok, error: preview.error?.name, args: preview.error?.args };

console.log(JSON.stringify(out, (_k, v) => big(v)));

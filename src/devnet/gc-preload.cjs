// Preloaded into the `hardhat node` children that src/devnet/node.ts starts. Every eth_call hands
// the node's JavaScript side a trace object that holds native (EDR) memory; the JS heap stays
// small, so V8 rarely collects them and the process grows by gigabytes over a few thousand
// health reads. A periodic collection keeps the node's memory bounded.
const everyMs = Number(process.env.DEVNET_GC_MS || 2000);
if (typeof global.gc === "function" && everyMs > 0) setInterval(() => global.gc(), everyMs).unref();

/** @crossmargin/sdk: ABIs, deployments, typed ethers v6 contracts and a small client for the
 *  Crossmargin engine. ABIs alone (no ethers) are at `@crossmargin/sdk/abis`. */
export * from "./generated/abis.js";
export { deployments } from "./generated/deployments.js";
export * from "./deployment.js";
export * from "./units.js";
export * from "./accounts.js";
export * from "./errors.js";
export * from "./actions.js";
export * from "./contracts.js";
export * from "./client.js";
export type * from "./generated/typechain/index.js";
export * as factories from "./generated/typechain/factories/index.js";

/**
 * @title Independent TypeScript model of the Crossmargin math (docs/math.md).
 * @notice Used for expected values in contract tests, the simulator and risk scenarios.
 */
export * from "./fixed";
export * from "./market";
export * from "./position";
export * from "./margin";
export * from "./pool";
export * from "./liquidation";
export * from "./liquidation-plan";
export * from "./adl";
export * from "./risk";
export * from "./risk-views";

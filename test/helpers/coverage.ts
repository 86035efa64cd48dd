/** Knowing when the suite runs under `hardhat coverage` (solidity-coverage). */
import hre from "hardhat";

/** True under `hardhat coverage`: its artifacts are instrumented (bigger, costlier in gas and
 *  several times slower to execute). */
export function underCoverage(): boolean {
  return (
    (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING ===
    true
  );
}

/**
 * Skips the current test under coverage. For tests about gas limits or block timing (which the
 * instrumentation changes) and long stress tests whose branches other tests reach: the plain
 * `npm test` run still runs them.
 */
export function skipUnderCoverage(ctx: Mocha.Context): void {
  if (underCoverage()) ctx.skip();
}

// solidity-coverage: measure the protocol, not the test doubles. Lines and branches are what
// CI enforces (scripts/ci/check-coverage.ts); statement counters are left out of the
// instrumentation because they slow every call and add nothing the line counters miss.
module.exports = {
  skipFiles: ["mocks/"],
  istanbulReporter: ["html", "json-summary", "text-summary"],
  mocha: { timeout: 300000 },
  measureStatementCoverage: false,
};

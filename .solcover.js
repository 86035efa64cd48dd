// solidity-coverage: measure the protocol, not the test doubles. Lines and branches are what
// CI enforces (scripts/ci/check-coverage.ts); statement counters are left out of the
// instrumentation because they slow every call and add nothing the line counters miss.
module.exports = {
  // contracts/examples are integration examples built on the public interfaces, not protocol
  // code; their own suite (test/hardhat/examples) runs in `npm test`.
  skipFiles: ["mocks/", "examples/"],
  istanbulReporter: ["html", "json-summary", "text-summary"],
  mocha: { timeout: 300000 },
  measureStatementCoverage: false,
};

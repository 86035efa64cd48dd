// solidity-coverage: measure the protocol, not the test doubles.
module.exports = {
  skipFiles: ["mocks/"],
  istanbulReporter: ["html", "json-summary", "text-summary"],
  mocha: { timeout: 300000 },
};

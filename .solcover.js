module.exports = {
  // Test helpers are not product code and are not measured.
  skipFiles: ["test/"],
  // solidity-coverage instruments with its own solc-js; keep the optimizer off there.
  configureYulOptimizer: true,
  istanbulReporter: ["text-summary", "json-summary", "html"],
};

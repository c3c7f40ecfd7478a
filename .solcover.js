const fs = require("node:fs");
const path = require("node:path");

// The instrumented build's build-info files, taken when solidity-coverage has compiled.
let instrumentedBuild;

function buildInfos(config) {
  const dir = path.join(config.paths.artifacts, "build-info");
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort().join(",") : "";
}

module.exports = {
  // Test helpers are not product code and are not measured.
  skipFiles: ["test/"],
  // solidity-coverage instruments with its own solc-js; keep the optimizer off there.
  configureYulOptimizer: true,
  istanbulReporter: ["text-summary", "json-summary", "html"],
  // solidity-coverage compiles the instrumented contracts into the project's own artifacts/. Any
  // Hardhat process a test starts in this folder that compiles (`hardhat run` or `hardhat node`
  // without --no-compile) overwrites them with plain bytecode: every contract deployed after it
  // records no coverage (the cause of the ~50% on the first merged tree of this release). Fail
  // the run loudly if that happens again, instead of reporting a silently lower figure.
  onCompileComplete: async (config) => {
    instrumentedBuild = buildInfos(config);
  },
  onServerReady: async (config) => {
    // Instrumented code runs several times slower, and each step is traced: the whole-system
    // Ignition fixture alone can take over Hardhat's 120 s test timeout on a loaded machine.
    config.mocha.timeout = Math.max(config.mocha.timeout ?? 0, 600_000);
  },
  onTestsComplete: async (config) => {
    if (buildInfos(config) !== instrumentedBuild) {
      throw new Error(
        "artifacts/ was recompiled while the tests ran (a test started a Hardhat process that compiles: " +
          "give it --no-compile): contracts deployed after that carry no instrumentation, so this coverage is void",
      );
    }
  },
};

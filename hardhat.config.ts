import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import "@openzeppelin/hardhat-upgrades";
import "./tasks";

/** EVM versions the consortium's chains may run; the in-process network follows the same fork. */
const SUPPORTED_EVM_VERSIONS = ["berlin", "london", "paris", "shanghai", "cancun"] as const;
type EvmVersion = (typeof SUPPORTED_EVM_VERSIONS)[number];

/** Default: Shanghai, which Besu QBFT supports; GoQuorum needs EVM_VERSION=berlin. */
const EVM_VERSION = (process.env.EVM_VERSION ?? "shanghai") as EvmVersion;
if (!SUPPORTED_EVM_VERSIONS.includes(EVM_VERSION)) {
  throw new Error(`EVM_VERSION must be one of ${SUPPORTED_EVM_VERSIONS.join(", ")} (got "${process.env.EVM_VERSION}")`);
}

// Compile with the solc-js build pinned in package.json: Hardhat never downloads a compiler,
// so builds are reproducible and work on air-gapped machines.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const solcVersion: string = require("solc/package.json").version;
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== solcVersion) return runSuper(args);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: solcVersion,
    longVersion: solc.version(),
  };
});

const config: HardhatUserConfig = {
  solidity: {
    version: solcVersion,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
    },
  },
  networks: {
    hardhat: {
      hardfork: EVM_VERSION,
    },
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
  },
  mocha: {
    timeout: 120_000,
  },
};

export default config;

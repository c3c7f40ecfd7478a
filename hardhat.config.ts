import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import type { NetworksUserConfig } from "hardhat/types";
import "@nomicfoundation/hardhat-toolbox";
import "@openzeppelin/hardhat-upgrades";
import {
  ConsortiumNetworkConfigError,
  consortiumNetworkFromEnv,
  consortiumNetworkSelected,
} from "./config/consortium-network";
import { loadDotEnv } from "./config/dotenv";
import "./tasks";

// Settings from the project's .env (FREE_GAS, EVM_VERSION, CONSORTIUM_*), so they need not be
// repeated on every command; a variable set in the environment wins over the file.
try {
  loadDotEnv(__dirname);
} catch (error) {
  console.error(`Error: ${(error as Error).message}`);
  process.exit(1);
}

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

/**
 * FREE_GAS=true makes the in-process and localhost networks behave like a free-gas private chain:
 * zero base fee, zero gas price, and accounts that hold no ether.
 */
const FREE_GAS = process.env.FREE_GAS === "true";
const FORK_HAS_BASE_FEE = EVM_VERSION !== "berlin";

const networks: NetworksUserConfig = {
  hardhat: {
    hardfork: EVM_VERSION,
    ...(FREE_GAS && {
      gasPrice: 0,
      ...(FORK_HAS_BASE_FEE && { initialBaseFeePerGas: 0 }),
      accounts: { accountsBalance: "0" },
      ignition: { gasPrice: 0n },
    }),
  },
  localhost: {
    // LOCALHOST_URL lets a test run its own node on another port.
    url: process.env.LOCALHOST_URL ?? "http://127.0.0.1:8545",
    // Ignition prices its transactions itself (from eth_gasPrice on forks without a base fee).
    ...(FREE_GAS && { gasPrice: 0, ignition: { gasPrice: 0n } }),
  },
};

// The consortium's chain, from environment variables only. Selected with --network consortium, a
// missing or malformed variable stops Hardhat with a one-line message naming it.
if (consortiumNetworkSelected(process.argv, process.env)) {
  try {
    const consortium = consortiumNetworkFromEnv(process.env);
    // Ignition prices its own transactions: give it the chain's gas price too (0 on free-gas chains).
    networks.consortium = { ...consortium, ignition: { gasPrice: BigInt(consortium.gasPrice) } };
  } catch (error) {
    if (!(error instanceof ConsortiumNetworkConfigError)) throw error;
    console.error(`Error: ${error.message}`);
    process.exit(1);
  }
}

const config: HardhatUserConfig = {
  solidity: {
    version: solcVersion,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
    },
  },
  networks,
  // QBFT, IBFT 2.0 and Raft blocks are final once added: one confirmation per batch is enough
  // (Ignition's default of 5 made a deployment wait ~10 s more per batch on 2-second blocks).
  ignition: { requiredConfirmations: 1 },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
  },
  mocha: {
    timeout: 120_000,
  },
};

export default config;

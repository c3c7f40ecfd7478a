import type { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { GovError } from "./errors";
import { firstLine } from "./system";

/** Besu's default `--rpc-max-logs-range`: the most blocks one eth_getLogs request may span. */
export const DEFAULT_LOG_RANGE = 5_000;

/** The environment variable that sets the range (it wins over the network's `logRange`). */
export const LOG_RANGE_ENV = "CONSORTIUM_LOG_RANGE";

/**
 * The largest block range of one eth_getLogs request: env CONSORTIUM_LOG_RANGE, else the selected
 * network's `logRange` in hardhat.config.ts, else 5,000 (Besu's default cap).
 */
export function logRangeOf(hre: Pick<HardhatRuntimeEnvironment, "network" | "userConfig">): number {
  const fromEnv = process.env[LOG_RANGE_ENV];
  const networks = (hre.userConfig.networks ?? {}) as Record<string, { logRange?: unknown } | undefined>;
  const configured = fromEnv ?? networks[hre.network.name]?.logRange;
  if (configured === undefined || configured === "") return DEFAULT_LOG_RANGE;
  const text = String(configured).trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 10_000_000) {
    const where = fromEnv !== undefined ? LOG_RANGE_ENV : `networks.${hre.network.name}.logRange`;
    throw new GovError(`${where}: "${text}" is not a block range (a whole number from 1 to 10000000)`);
  }
  return Number(text);
}

/** What to read: one contract or several, and the topics (null = any). */
export interface LogFilter {
  address: string | string[];
  topics?: (string | string[] | null)[];
}

/**
 * Every log of `filter` from `fromBlock` to `toBlock`, asked in ranges of at most `range` blocks
 * (a node such as Besu refuses longer ones). A node with a lower cap than `range` refuses a
 * request: the range is then halved and the request repeated, down to one block. Logs come back
 * in chain order. This is the one place the tasks call eth_getLogs.
 */
export async function getLogsInChunks(
  provider: Pick<ethers.Provider, "getLogs">,
  filter: LogFilter,
  fromBlock: number,
  toBlock: number,
  range: number,
): Promise<ethers.Log[]> {
  const logs: ethers.Log[] = [];
  let size = Math.max(1, Math.floor(range));
  for (let start = fromBlock; start <= toBlock;) {
    const end = Math.min(toBlock, start + size - 1);
    try {
      logs.push(...(await provider.getLogs({ ...filter, fromBlock: start, toBlock: end })));
      start = end + 1;
    } catch (e) {
      if (size === 1) {
        const where = Array.isArray(filter.address) ? filter.address.join(", ") : filter.address;
        throw new GovError(
          `cannot read the logs of ${where} (blocks ${start} to ${end}): ${firstLine((e as Error).message)}`,
        );
      }
      size = Math.max(1, Math.floor(size / 2));
    }
  }
  return logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
}

/** Every log of `filter` from `fromBlock` (a contract's deployment block) to the latest block. */
export async function readLogs(
  sys: { hre: HardhatRuntimeEnvironment; provider: ethers.Provider },
  filter: LogFilter,
  fromBlock: number,
): Promise<ethers.Log[]> {
  const toBlock = await sys.provider.getBlockNumber();
  return getLogsInChunks(sys.provider, filter, fromBlock, toBlock, logRangeOf(sys.hre));
}

declare module "hardhat/types/config" {
  // `logRange` in a network's entry of hardhat.config.ts: the node's eth_getLogs block-range cap.
  interface HttpNetworkUserConfig {
    logRange?: number;
  }
  interface HardhatNetworkUserConfig {
    logRange?: number;
  }
}

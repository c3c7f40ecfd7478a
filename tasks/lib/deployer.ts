import { ethers } from "ethers";
import { deploymentBlock } from "./assets";
import { GovError } from "./errors";
import type { System } from "./system";

/**
 * Who deployed the system: the sender of the transaction that created the timelock (found in the
 * block where its code first appears). Never a guess such as the network's first account: when
 * the creation cannot be found the caller must be told the deployer.
 */
export async function deployerOf(
  sys: System,
): Promise<{ address: string; blockNumber: number; transactionHash: string }> {
  const timelock = ethers.getAddress(sys.deployment.addresses.timelock as string);
  const blockNumber = await deploymentBlock(sys, timelock);
  const block = blockNumber > 0 ? await sys.provider.getBlock(blockNumber, true) : null;
  for (const tx of block?.prefetchedTransactions ?? []) {
    if (tx.to !== null) continue;
    const receipt = await sys.provider.getTransactionReceipt(tx.hash);
    if (receipt?.contractAddress && ethers.getAddress(receipt.contractAddress) === timelock) {
      return { address: ethers.getAddress(tx.from), blockNumber, transactionHash: tx.hash };
    }
  }
  throw new GovError(
    `cannot find the transaction that created the timelock ${timelock} (looked in block ${blockNumber}): pass --deployer <address>`,
  );
}

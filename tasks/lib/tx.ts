import { ethers } from "ethers";
import type { Labels } from "./describe";
import { GovError, isGovError } from "./errors";
import { explainFailure } from "./revert";
import type { TaskSigner } from "./signer";
import { type System, firstLine } from "./system";

/** Prints one line of a task's output (tests capture console.log). */
export function print(line = ""): void {
  console.log(line);
}

/**
 * Sends `contract.fn(...args)` from `signer` after simulating it: a call that would revert is
 * refused with its decoded reason and nothing is sent. Returns the mined receipt.
 */
export async function sendChecked(
  sys: System,
  labels: Labels | undefined,
  signer: TaskSigner,
  contract: ethers.BaseContract,
  fn: string,
  args: unknown[],
  what: string,
  overrides: ethers.Overrides & { value?: bigint } = {},
): Promise<ethers.TransactionReceipt> {
  // A keystore wallet sends raw transactions, which bypass Hardhat's gas price handling: apply the
  // network's configured gas price (0 on a free-gas chain) to them explicitly.
  const configured = sys.hre.network.config.gasPrice;
  if (signer instanceof ethers.BaseWallet && typeof configured === "number" && overrides.gasPrice === undefined) {
    overrides = { ...overrides, gasPrice: BigInt(configured) };
  }
  const method = (contract.connect(signer) as ethers.BaseContract).getFunction(fn);
  try {
    await method.staticCall(...args, overrides);
  } catch (e) {
    throw new GovError(`${what} would fail: ${explainFailure(sys.errors, labels, e)}; nothing was sent`);
  }
  let response: ethers.ContractTransactionResponse;
  try {
    response = await method.send(...args, overrides);
  } catch (e) {
    throw new GovError(`${what} was not sent: ${explainFailure(sys.errors, labels, e)}`);
  }
  let receipt: ethers.TransactionReceipt | null;
  try {
    receipt = await response.wait();
  } catch (e) {
    throw new GovError(`${what} failed in transaction ${response.hash}: ${explainFailure(sys.errors, labels, e)}`);
  }
  if (!receipt || receipt.status !== 1) throw new GovError(`${what} failed in transaction ${response.hash}`);
  return receipt;
}

/** Runs a task body so that any failure prints as one line and exits non-zero. */
export function oneLineErrors<A, R>(body: (args: A) => Promise<R>): (args: A) => Promise<R> {
  return async (args: A) => {
    try {
      return await body(args);
    } catch (e) {
      if (isGovError(e)) throw e;
      const error = e as Error;
      throw new GovError(firstLine(error?.message ?? String(e)), error instanceof Error ? error : undefined);
    }
  };
}

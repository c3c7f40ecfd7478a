import type { ContractTransactionResponse } from "ethers";

/** Gas used by a sent transaction, once mined. */
export async function gasOf(tx: Promise<ContractTransactionResponse> | ContractTransactionResponse): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}

/**
 * Gas used by a transaction less its intrinsic cost (21,000 plus 4 per zero and 16 per non-zero
 * calldata byte): what the contracts executed. Two transactions whose arguments differ only in
 * their bytes (one invoice hash has a zero byte more than another) execute the same work.
 */
export async function executionGasOf(
  tx: Promise<ContractTransactionResponse> | ContractTransactionResponse,
): Promise<{ gas: bigint; execution: bigint }> {
  const sent = await tx;
  const gas = await gasOf(sent);
  const data = Buffer.from(sent.data.slice(2), "hex");
  const intrinsic = 21_000n + data.reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 0n);
  return { gas, execution: gas - intrinsic };
}

import type { ContractTransactionResponse } from "ethers";

/** Gas used by a sent transaction, once mined. */
export async function gasOf(tx: Promise<ContractTransactionResponse> | ContractTransactionResponse): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}

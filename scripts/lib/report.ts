import type { ContractTransactionResponse } from "ethers";

/** A small console report: numbered steps, each with what happened and its gas. */
export class Report {
  private step = 0;
  private totalGas = 0n;

  section(title: string): void {
    console.log(`\n== ${title} ${"=".repeat(Math.max(0, 72 - title.length))}`);
  }

  /** Sends a transaction, waits for it and prints `what` with the gas it used. */
  async tx(what: string, send: Promise<ContractTransactionResponse>): Promise<bigint> {
    const receipt = await (await send).wait();
    if (!receipt) throw new Error(`${what}: transaction was not mined`);
    this.totalGas += receipt.gasUsed;
    console.log(`${String(++this.step).padStart(3)}. ${what.padEnd(64)} ${receipt.gasUsed.toString().padStart(8)} gas`);
    return receipt.gasUsed;
  }

  /** Prints a fact that cost no transaction (a read, a refused transfer). */
  note(text: string): void {
    console.log(`     ${text}`);
  }

  summary(): void {
    console.log(`\n${this.step} transactions, ${this.totalGas} gas in total.`);
  }
}

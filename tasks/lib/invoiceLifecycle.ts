import { ethers } from "ethers";
import type { InvoiceRegistry } from "../../typechain-types";
import { type TokenInfo, formatAmount, loadToken, parseAmount, requireContract } from "./assets";
import { GovError } from "./errors";
import { identityRegistryOf } from "./identity";
import { entityIdOf, invoiceKey } from "./invoiceKey";
import type { System } from "./system";

/** IInvoiceRegistry.InvoiceStatus, by value. */
const STATUSES = ["None", "Issued", "Accepted", "Rejected", "Cancelled", "Paid", "Defaulted", "Split", "Overdue"];

/** The invoice registry of the deployment, typed. */
export function invoiceRegistryOf(sys: System): InvoiceRegistry {
  return requireContract(sys, "invoice-registry") as unknown as InvoiceRegistry;
}

/** An invoice on the registry with its currency read, or a one-line error when there is none. */
export interface KnownInvoice {
  id: bigint;
  key: string;
  status: string;
  supplier: string;
  debtor: string;
  faceValue: bigint;
  outstanding: bigint;
  currency: TokenInfo;
}

/** The 32-byte key of an invoice id, as people copy it. */
export function keyOf(id: bigint): string {
  return ethers.toBeHex(id, 32);
}

/** Reads invoice `id`; refuses an id that is not on the registry. */
export async function knownInvoice(sys: System, id: bigint): Promise<KnownInvoice> {
  const registry = invoiceRegistryOf(sys);
  const status = Number(await registry.statusOf(id));
  if (status === 0) {
    throw new GovError(`no invoice ${keyOf(id)} on the invoice registry ${registry.target as string}`);
  }
  const [invoice, outstanding] = await Promise.all([registry.invoiceOf(id), registry.outstanding(id)]);
  return {
    id,
    key: keyOf(id),
    status: STATUSES[status] ?? `status ${status}`,
    supplier: invoice.supplier,
    debtor: invoice.debtor,
    faceValue: invoice.faceValue,
    outstanding,
    currency: await loadToken(sys, invoice.currency, "the invoice's currency"),
  };
}

/**
 * The key an invoice will have when `supplier` issues it: from the supplier's entity in the identity
 * registry and the printed fields (a non-canonical field is refused with the field named).
 */
export async function issuedKey(sys: System, supplier: string, authority: string, number: string): Promise<bigint> {
  const entity = await identityRegistryOf(sys).entityOf(supplier);
  if (entity === ethers.ZeroHash) {
    throw new GovError(`${supplier} is not a registered participant: only a verified supplier issues invoices`);
  }
  try {
    return invoiceKey(entityIdOf(entity), authority, number);
  } catch (error) {
    throw new GovError((error as Error).message);
  }
}

/** `--reason`: a 0x 32-byte hash, or text whose keccak256 is recorded (the text stays off chain). */
export function reasonHash(value: string | undefined): string {
  if (value === undefined || value.trim() === "") return ethers.ZeroHash;
  const text = value.trim();
  return /^0x[0-9a-fA-F]{64}$/.test(text) ? text.toLowerCase() : ethers.id(text);
}

/** `1000,2000.50`: the pieces of a split, in the currency; they must add up to the outstanding amount. */
export function parsePieces(value: string, invoice: KnownInvoice): bigint[] {
  const amounts = value.split(",").map((v, i) => parseAmount(v, invoice.currency, `piece ${i + 1}`));
  if (amounts.length < 2) throw new GovError("a split needs at least two pieces (comma-separated amounts)");
  const sum = amounts.reduce((a, b) => a + b, 0n);
  if (sum !== invoice.outstanding) {
    throw new GovError(
      `the pieces add up to ${formatAmount(sum, invoice.currency)}, not the outstanding ${formatAmount(invoice.outstanding, invoice.currency)}`,
    );
  }
  return amounts;
}

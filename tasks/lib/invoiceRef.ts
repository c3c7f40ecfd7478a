import { GovError } from "./errors";

/** What the command line names: a registration hash, or an invoice (or piece) id. */
export type InvoiceRef = { kind: "hash"; hash: string } | { kind: "id"; id: bigint };

/** `0x` + 64 hex digits is a hash; a decimal number or shorter hex number is an id. */
export function parseInvoiceRef(value: unknown): InvoiceRef {
  const text = String(value ?? "").trim();
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) {
    if (BigInt(text) === 0n) throw new GovError("the zero hash is no invoice's (the registry refuses it)");
    return { kind: "hash", hash: text.toLowerCase() };
  }
  let id: bigint | undefined;
  if (/^0x[0-9a-fA-F]{1,63}$/.test(text)) id = BigInt(text);
  else if (/^\d{1,78}$/.test(text)) id = BigInt(text);
  if (id === undefined || id >= 2n ** 256n) {
    throw new GovError(
      `"${text}" is neither an invoice hash (0x and 64 hex digits) nor an invoice id (a decimal or 0x-hex number)`,
    );
  }
  if (id === 0n) throw new GovError("0 is no invoice's id (ids are the invoices' 32-byte hashes)");
  return { kind: "id", id };
}

/** The invoice id the command line names (its 0x key or its id). */
export function parseInvoiceId(value: unknown): bigint {
  const ref = parseInvoiceRef(value);
  return ref.kind === "hash" ? BigInt(ref.hash) : ref.id;
}

import { ethers } from "ethers";

/**
 * The invoice registry's canonical key, computed off chain exactly as the contract does:
 * `uint256(keccak256(abi.encode("consortium.invoice.key", supplierEntity, authorityCode,
 * invoiceNumber))) >> 1`, after the same checks of the text fields (upper-case letters, digits,
 * '-', '/' and '.'; authority code 1..16 characters, invoice number 1..32).
 */
export const MAX_AUTHORITY_CODE_LENGTH = 16;
export const MAX_INVOICE_NUMBER_LENGTH = 32;
const PIECE_BIT = 1n << 255n;
const coder = ethers.AbiCoder.defaultAbiCoder();

export type InvoiceFieldName = "authority code" | "invoice number";

/** Why a field is not canonical (the contract's error of the same name), or undefined if it is. */
export function canonicalProblem(field: InvoiceFieldName, text: string): string | undefined {
  const max = field === "authority code" ? MAX_AUTHORITY_CODE_LENGTH : MAX_INVOICE_NUMBER_LENGTH;
  const bytes = ethers.toUtf8Bytes(text);
  if (bytes.length === 0) return `the ${field} is empty (InvoiceFieldEmpty)`;
  if (bytes.length > max) return `the ${field} has ${bytes.length} characters, at most ${max} (InvoiceFieldTooLong)`;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    const allowed = (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x2f;
    if (allowed) continue;
    const at = `at position ${i + 1} of "${text}"`;
    if (c >= 0x61 && c <= 0x7a)
      return `the ${field} has a lower-case letter ${at}: write it in capitals (InvoiceFieldLowerCase)`;
    if (c === 0x20) return `the ${field} has a space ${at} (InvoiceFieldSpace)`;
    return `the ${field} has a character outside A-Z, 0-9, '-', '/', '.' ${at} (InvoiceFieldCharacter)`;
  }
  return undefined;
}

/** An invoice's canonical key; throws an Error naming the first non-canonical field. */
export function invoiceKey(supplierEntity: string, authorityCode: string, invoiceNumber: string): bigint {
  const problem =
    canonicalProblem("authority code", authorityCode) ?? canonicalProblem("invoice number", invoiceNumber);
  if (problem !== undefined) throw new Error(problem);
  const encoded = coder.encode(
    ["string", "bytes32", "string", "string"],
    ["consortium.invoice.key", supplierEntity, authorityCode, invoiceNumber],
  );
  return BigInt(ethers.keccak256(encoded)) >> 1n;
}

/** The id of piece `index` of a split of `parentId`: it depends on nothing else. */
export function pieceId(parentId: bigint, index: number | bigint): bigint {
  const encoded = coder.encode(["string", "uint256", "uint256"], ["consortium.invoice.piece", parentId, index]);
  return PIECE_BIT | (BigInt(ethers.keccak256(encoded)) >> 1n);
}

/** The ids of the `count` pieces of a split of `parentId`. */
export function pieceIds(parentId: bigint, count: number): bigint[] {
  return Array.from({ length: count }, (_, i) => pieceId(parentId, i));
}

/** An entity id as the identity registry's registrars write it: a 0x hash, or ethers.id(name). */
export function entityIdOf(value: string): string {
  return /^0x[0-9a-fA-F]{64}$/.test(value) ? value.toLowerCase() : ethers.id(value);
}

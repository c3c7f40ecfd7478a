import { ethers } from "ethers";
import { GovError } from "./errors";

/** AssetRegistry.AssetKind, by value (command-line spelling). */
export const ASSET_KINDS = ["equity", "bond", "fund-unit", "cash", "other"] as const;
export type AssetKindName = (typeof ASSET_KINDS)[number];

/** AssetRegistry.AssetStatus, by value. */
export const ASSET_STATUSES = ["active", "suspended", "matured", "redeemed"] as const;
export type AssetStatusName = (typeof ASSET_STATUSES)[number];

/** The value of a character in an ISIN: digits 0-9, letters A = 10 ... Z = 35. */
function charValue(c: string): number {
  return /[0-9]/.test(c) ? Number(c) : c.charCodeAt(0) - 55;
}

/**
 * The ISIN check digit (ISO 6166, Luhn) of an 11-character prefix: letters become two digits
 * (A = 10 ... Z = 35), then from the right every other digit, starting with the last, is doubled.
 */
export function isinCheckDigit(prefix: string): number {
  const digits = [...prefix].map(charValue).join("");
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** An ISIN-style code with its check digit appended: `withCheckDigit("US037833100")` = "US0378331005". */
export function withCheckDigit(prefix: string): string {
  return `${prefix}${isinCheckDigit(prefix)}`;
}

/**
 * Why `code` is not a valid asset code (the rules AssetRegistry checks on chain), or undefined
 * when it is: 12 characters, 2 upper-case letters, 9 upper-case letters or digits, 1 check digit.
 */
export function assetCodeProblem(code: string): string | undefined {
  if (code.length !== 12) return `it has ${code.length} characters, an asset code has 12`;
  if (!/^[A-Z]{2}/.test(code)) return "it must start with two upper-case letters (the country)";
  if (!/^[A-Z]{2}[A-Z0-9]{9}/.test(code)) return "characters 3 to 11 must be upper-case letters or digits";
  if (!/[0-9]$/.test(code)) return "the last character must be the check digit";
  const expected = isinCheckDigit(code.slice(0, 11));
  if (Number(code[11]) !== expected) return `the check digit is wrong: ${code.slice(0, 11)}${expected} would be valid`;
  return undefined;
}

/** A valid asset code as the bytes12 the registry stores, or a one-line error naming the problem. */
export function parseAssetCode(value: unknown, what: string): string {
  const code = String(value ?? "").trim();
  const problem = assetCodeProblem(code);
  if (problem) throw new GovError(`${what}: "${code}" is not an asset code (ISIN style): ${problem}`);
  return ethers.hexlify(ethers.toUtf8Bytes(code));
}

/** A bytes12 code from the registry as text. */
export function codeText(code: string): string {
  return ethers.toUtf8String(code);
}

/** An asset kind by name (`bond`, `fund-unit`, ...) as the enum value. */
export function parseKind(value: unknown, what: string): number {
  const text = String(value ?? "")
    .trim()
    .toLowerCase()
    .replace(/[_ ]/g, "-");
  const index = ASSET_KINDS.indexOf((text === "fundunit" ? "fund-unit" : text) as AssetKindName);
  if (index < 0)
    throw new GovError(`${what}: "${String(value)}" is not an asset kind (one of ${ASSET_KINDS.join(", ")})`);
  return index;
}

/**
 * Parsing and wording shared by the trading tasks (trade:*, order:*): ticket numbers, expiries,
 * client references and ticket statuses.
 */
import { ethers } from "ethers";
import { formatTime } from "./describe";
import { parseIsoTime } from "./time";
import { GovError } from "./errors";
import { parseSeconds } from "./parse";

/** IDvPSettlement.TicketStatus, by value. */
export const TICKET_STATUSES = ["None", "Proposed", "Ready", "Settled", "Cancelled"] as const;

const MAX_UINT64 = (1n << 64n) - 1n;

/** A ticket number: 1, 2, 3, ... (`#3` is accepted). */
export function parseTicketId(value: unknown): bigint {
  const text = String(value ?? "").trim();
  if (!/^#?\d{1,78}$/.test(text) || BigInt(text.replace("#", "")) === 0n) {
    throw new GovError(`"${text}" is not a ticket number (tickets are numbered 1, 2, 3, ...)`);
  }
  return BigInt(text.replace("#", ""));
}

/**
 * `--expiry`: a duration from the chain's current time (`3600`, `90m`, `36h`, `2d`) or an ISO date
 * (`2026-12-31T17:00:00Z`). Must be in the future.
 */
export function parseExpiry(value: unknown, now: bigint): bigint {
  const text = String(value ?? "").trim();
  let expiry: bigint;
  if (/^\d+\s*(s|m|min|h|d|w)?$/.test(text)) {
    expiry = now + parseSeconds(text, "--expiry", 1n);
  } else if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    expiry = parseIsoTime(text, "--expiry") as bigint;
    if (expiry <= now) {
      throw new GovError(
        `--expiry ${text} (${formatTime(expiry < 0n ? 0n : expiry)}) is not in the future: the chain's time is ${formatTime(now)}`,
      );
    }
  } else {
    throw new GovError(
      `--expiry: "${text}" is neither a duration from now (seconds, or 90m, 36h, 2d) nor an ISO date (2026-12-31T17:00:00Z)`,
    );
  }
  if (expiry > MAX_UINT64) throw new GovError(`--expiry ${text} is too far in the future`);
  return expiry;
}

/** `--reference`: text of up to 31 bytes, or a 0x 32-byte value (e.g. a hash of the order). */
export function parseReference(value: unknown): string {
  if (value === undefined || value === null || String(value) === "") return ethers.ZeroHash;
  const text = String(value);
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  const bytes = ethers.toUtf8Bytes(text).length;
  if (bytes > 31) {
    throw new GovError(
      `--reference: "${text}" is ${bytes} bytes; a reference is at most 31 bytes of text (or a 0x 32-byte value)`,
    );
  }
  return ethers.encodeBytes32String(text);
}

/** A ticket's client reference in words: the text it encodes, or its hex. */
export function describeReference(reference: string): string {
  if (reference === ethers.ZeroHash) return "none";
  try {
    const text = ethers.decodeBytes32String(reference);
    if (text !== "" && !/[\u0000-\u001f\u007f]/.test(text)) return JSON.stringify(text);
  } catch {
    // not text: show the bytes
  }
  return reference;
}

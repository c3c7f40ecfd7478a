import { ethers } from "ethers";
import { GovError } from "./errors";

/** A checksummed address, or a one-line error naming what was malformed. */
export function parseAddress(value: unknown, what: string): string {
  const text = String(value ?? "").trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) {
    throw new GovError(`${what}: "${text}" is not an address (expected 0x followed by 40 hex digits)`);
  }
  try {
    return ethers.getAddress(text);
  } catch {
    throw new GovError(`${what}: "${text}" has a bad checksum (mixed-case address with a typo?)`);
  }
}

/** A whole number in [min, max], or a one-line error. */
export function parseWhole(value: unknown, what: string, min = 0n, max = ethers.MaxUint256): bigint {
  const text = String(value ?? "").trim();
  if (!/^\d+$/.test(text)) throw new GovError(`${what}: "${text}" is not a whole number`);
  const n = BigInt(text);
  if (n < min || n > max) throw new GovError(`${what} must be between ${min} and ${max} (got ${n})`);
  return n;
}

/** A proposal number (the governor's ids are sequential: 1, 2, 3, ...). */
export function parseProposalId(value: unknown): bigint {
  const text = String(value ?? "").trim();
  if (!/^#?\d+$/.test(text) || BigInt(text.replace("#", "")) === 0n) {
    throw new GovError(`"${text}" is not a proposal number (proposals are numbered 1, 2, 3, ...)`);
  }
  return BigInt(text.replace("#", ""));
}

/** Basis points: a whole number from `min` to `max` (10,000 bps = 100%). */
export function parseBps(value: unknown, what: string, min = 0n, max = 10_000n): bigint {
  const text = String(value ?? "").trim();
  if (!/^\d+$/.test(text)) {
    throw new GovError(`${what}: "${text}" is not a number of basis points (a whole number, 10000 = 100%)`);
  }
  const n = BigInt(text);
  if (n < min || n > max) throw new GovError(`${what} must be between ${min} and ${max} basis points (got ${n})`);
  return n;
}

const UNITS: Record<string, bigint> = { s: 1n, m: 60n, min: 60n, h: 3_600n, d: 86_400n, w: 604_800n };

/** Seconds, optionally with a unit: `86400`, `90m`, `36h`, `3d`. */
export function parseSeconds(value: unknown, what: string, min = 1n, max = 2n ** 32n - 1n): bigint {
  const text = String(value ?? "").trim();
  const match = /^(\d+)\s*(s|m|min|h|d|w)?$/.exec(text);
  if (!match) throw new GovError(`${what}: "${text}" is not a duration (seconds, or a number with s, m, h, d or w)`);
  const seconds = BigInt(match[1]) * UNITS[match[2] ?? "s"];
  if (seconds < min || seconds > max)
    throw new GovError(`${what} must be between ${min} and ${max} seconds (got ${seconds})`);
  return seconds;
}

/** GovernorCountingSimple's support values. */
export const SUPPORT = { against: 0, for: 1, abstain: 2 } as const;

/** `for` / `against` / `abstain` (also `yes`, `no`, or 1, 0, 2) to the governor's support value. */
export function parseSupport(value: unknown): 0 | 1 | 2 {
  const text = String(value ?? "")
    .trim()
    .toLowerCase();
  const aliases: Record<string, 0 | 1 | 2> = { ...SUPPORT, yes: 1, no: 0, "0": 0, "1": 1, "2": 2 };
  const support = aliases[text];
  if (support === undefined) throw new GovError(`vote "${text}": say for, against or abstain`);
  return support;
}

/**
 * Splits an action such as `add-member 0xabc 10 'Shenzhen Bank' https://x` into words, honouring
 * single and double quotes and backslash escapes.
 */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\" && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new GovError(`unbalanced ${quote} quote in ${JSON.stringify(text)}`);
  if (inWord) words.push(current);
  return words;
}

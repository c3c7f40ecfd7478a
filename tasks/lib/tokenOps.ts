import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import {
  type TokenInfo,
  eventTopics,
  formatAmount,
  queryLogs,
  deploymentBlock,
  requireContract,
  resolveToken,
} from "./assets";
import { type CsvRow, parseField } from "./csv";
import { type Labels, formatTime, formatTimeFrom, labelAddress, labelOf } from "./describe";
import type { ContractName } from "./deployment";
import { GovError } from "./errors";
import { attributeNames, identityRegistryOf, parseWallet } from "./identity";
import { parseAddress } from "./parse";
import type { System } from "./system";

/** The contracts a guardian may pause (each has GuardianPausable's pause/paused). */
export const PAUSABLE: ContractName[] = ["security-token", "cash-token", "invoice-registry", "dvp-settlement"];

/** `--token`: security-token (default), cash-token or a token address. */
export async function tokenArg(sys: System, value: string | undefined): Promise<TokenInfo> {
  return resolveToken(sys, value ?? "security-token", "--token");
}

/** A pausable contract of the deployment by its command-line name. */
export function pausableContract(sys: System, value: unknown): { name: ContractName; contract: ethers.Contract } {
  const name = String(value ?? "")
    .trim()
    .toLowerCase() as ContractName;
  if (!PAUSABLE.includes(name)) {
    throw new GovError(`"${String(value)}" cannot be paused: say ${PAUSABLE.join(", ")}`);
  }
  return { name, contract: requireContract(sys, name) };
}

/**
 * A release time of a lock-up: a duration from the chain's time (`180d`) or a date with its zone.
 * Reuses the identity expiry parser's rules (no zone-less dates; after `now`; 64-bit).
 */
export { parseExpiry as parseTime } from "./identity";

/** A document name: text of 1 to 31 bytes, or a 0x 32-byte value. */
export function parseDocumentName(value: unknown, what: string): string {
  const text = String(value ?? "").trim();
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) {
    if (BigInt(text) === 0n) throw new GovError(`${what}: the zero name is refused by the token`);
    return text.toLowerCase();
  }
  if (text === "") throw new GovError(`${what}: empty (a name of 1 to 31 bytes, e.g. prospectus)`);
  if (ethers.toUtf8Bytes(text).length > 31) throw new GovError(`${what}: "${text}" is longer than 31 bytes`);
  return ethers.encodeBytes32String(text);
}

/** A document name in words: its text, or its hex when it is not text. */
export function documentNameText(name: string): string {
  try {
    const text = ethers.decodeBytes32String(name);
    if (text !== "" && !/[\u0000-\u001f\u007f]/.test(text)) return text;
  } catch {
    // not text
  }
  return name;
}

/** `--hash 0x..` (32 bytes) or `--file <path>` (keccak256 of its bytes); zero hash when neither. */
export function documentHash(hash: string | undefined, file: string | undefined): string {
  if (hash !== undefined && file !== undefined) throw new GovError("give --hash or --file, not both");
  if (file !== undefined) {
    const resolved = path.resolve(file);
    if (!fs.existsSync(resolved)) throw new GovError(`--file: no file at ${resolved}`);
    return ethers.keccak256(fs.readFileSync(resolved));
  }
  if (hash === undefined) return ethers.ZeroHash;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash.trim())) throw new GovError(`--hash: "${hash}" is not 0x and 64 hex digits`);
  return hash.trim().toLowerCase();
}

/** A spender for token:approve: dvp-settlement, invoice-registry, or an address. */
export function spenderArg(sys: System, value: unknown): string {
  const text = String(value ?? "").trim();
  if (text === "dvp-settlement" || text === "invoice-registry") return requireContract(sys, text).target as string;
  if (!/^0x/i.test(text)) {
    throw new GovError(`spender "${text}": say dvp-settlement, invoice-registry or an address`);
  }
  return parseAddress(text, "spender");
}

/** The rules in force on a token (token:rules and token:show print them; --json shape). */
export interface TokenRules {
  token: string;
  name: string;
  symbol: string;
  decimals: number;
  paused: boolean;
  totalSupply: bigint;
  maxSupply: bigint;
  holders: bigint;
  identityRegistry: string;
  complianceHook: string | null;
  requiredAttributes: string[];
  countryRestricted: boolean;
  allowedCountries: number[];
  maxEntityBalance: bigint;
  maxHolders: bigint;
}

/** Reads the token's rules; the allowed countries from its CountryAllowed events (now still allowed). */
export async function readRules(sys: System, token: TokenInfo): Promise<TokenRules> {
  const c = token.contract;
  const [name, paused, totalSupply, maxSupply, holders, registry, hook, required, restricted, maxBalance, maxHolders] =
    await Promise.all([
      c.name(),
      c.paused(),
      c.totalSupply(),
      c.maxSupply(),
      c.holderCount(),
      c.identityRegistry(),
      c.complianceHook(),
      c.requiredAttributes(),
      c.countryRestricted(),
      c.maxEntityBalance(),
      c.maxHolders(),
    ]);
  const logs = await queryLogs(
    sys,
    { address: token.address, topics: eventTopics(c, "CountryAllowed") },
    await deploymentBlock(sys, token.address),
  );
  const seen = [...new Set(logs.map((log) => Number(c.interface.parseLog(log)?.args.country)))].sort((a, b) => a - b);
  const allowed: number[] = [];
  for (const country of seen) if (await c.isCountryAllowed(country)) allowed.push(country);
  return {
    token: token.address,
    name: String(name),
    symbol: token.symbol,
    decimals: token.decimals,
    paused: Boolean(paused),
    totalSupply: BigInt(totalSupply),
    maxSupply: BigInt(maxSupply),
    holders: BigInt(holders),
    identityRegistry: String(registry),
    complianceHook: hook === ethers.ZeroAddress ? null : String(hook),
    requiredAttributes: attributeNames(Number(required)),
    countryRestricted: Boolean(restricted),
    allowedCountries: allowed,
    maxEntityBalance: BigInt(maxBalance),
    maxHolders: BigInt(maxHolders),
  };
}

/** The lines printed for a token's rules. */
export function rulesLines(rules: TokenRules, token: TokenInfo, labels: Labels | undefined): string[] {
  const amount = (v: bigint) => formatAmount(v, token);
  return [
    `${rules.name} (${rules.symbol}) at ${labelAddress(labels, rules.token)}${rules.paused ? ": PAUSED (no transfers, mints or burns)" : ""}`,
    `  supply:              ${amount(rules.totalSupply)} (cap ${amount(rules.maxSupply)})`,
    `  holders:             ${rules.holders} entit${rules.holders === 1n ? "y" : "ies"}`,
    `  identity registry:   ${labelAddress(labels, rules.identityRegistry)}`,
    `  required attributes: ${rules.requiredAttributes.length === 0 ? "none" : rules.requiredAttributes.join(", ")}`,
    `  countries:           ${
      rules.countryRestricted
        ? rules.allowedCountries.length === 0
          ? "restricted, none allowed (nobody can receive)"
          : `only ${rules.allowedCountries.join(", ")}`
        : "any"
    }`,
    `  max entity balance:  ${rules.maxEntityBalance === 0n ? "no limit" : amount(rules.maxEntityBalance)}`,
    `  max holders:         ${rules.maxHolders === 0n ? "no limit" : `${rules.maxHolders} entities`}`,
    `  compliance hook:     ${rules.complianceHook ? labelAddress(labels, rules.complianceHook) : "none"}`,
  ];
}

/** A wallet's state on a token (token:show <wallet>; --json shape). */
export interface WalletState {
  wallet: string;
  /** The wallet's name (labels.json, a member's or a contract's), or null. */
  label: string | null;
  registered: boolean;
  verified: boolean;
  balance: bigint;
  frozen: boolean;
  frozenAmount: bigint;
  locked: bigint;
  releaseTime: bigint | null;
  freeBalance: bigint;
  /** The state in one sentence. */
  words: string;
}

/** Reads a wallet's balance, freezes and lock-up and says them in words. */
export async function readWallet(
  sys: System,
  token: TokenInfo,
  labels: Labels | undefined,
  wallet: string,
  now: bigint,
): Promise<WalletState> {
  const c = token.contract;
  const registry = identityRegistryOf(sys);
  const [balance, frozen, frozenAmount, lockup, freeBalance, registered, verified] = await Promise.all([
    c.balanceOf(wallet),
    c.isFrozen(wallet),
    c.getFrozenTokens(wallet),
    c.lockupOf(wallet),
    c.freeBalanceOf(wallet),
    registry.contains(wallet),
    registry.isVerified(wallet),
  ]);
  const amount = (v: bigint) => formatAmount(v, token);
  const locked = BigInt(lockup[0]);
  const parts: string[] = [
    verified
      ? "verified participant"
      : registered
        ? "registered, KYC EXPIRED (cannot send or receive)"
        : "NOT REGISTERED (cannot send or receive)",
    `holds ${amount(BigInt(balance))}`,
  ];
  if (frozen) parts.push("WALLET FROZEN (cannot send or receive)");
  if (BigInt(frozenAmount) > 0n) parts.push(`${amount(BigInt(frozenAmount))} frozen`);
  if (locked > 0n) parts.push(`${amount(locked)} locked until ${formatTimeFrom(BigInt(lockup[1]), now)}`);
  parts.push(`may move ${amount(BigInt(freeBalance))} now`);
  return {
    wallet: ethers.getAddress(wallet),
    label: labelOf(labels, wallet),
    registered: Boolean(registered),
    verified: Boolean(verified),
    balance: BigInt(balance),
    frozen: Boolean(frozen),
    frozenAmount: BigInt(frozenAmount),
    locked,
    releaseTime: locked > 0n ? BigInt(lockup[1]) : null,
    freeBalance: BigInt(freeBalance),
    words: parts.join("; "),
  };
}

/** One checked row of a token:import-mint file. */
export interface MintRow {
  line: number;
  wallet: string;
  amount: bigint;
  /** A lock-up's release time, or null for freely transferable tokens. */
  release: bigint | null;
}

/** The columns of a token:import-mint file. */
export const MINT_COLUMNS = { required: ["wallet", "amount"], optional: ["release"] };

/** Parses one row of a token:import-mint file; errors name the field. */
export function parseMintRow(
  row: CsvRow,
  parseAmount: (text: string) => bigint,
  parseTime: (text: string) => bigint,
): MintRow {
  const wallet = parseField(row, "wallet", (t) => parseWallet(t, "wallet"));
  const amount = parseField(row, "amount", parseAmount);
  const releaseText = (row.fields.release ?? "").trim();
  const release = releaseText === "" ? null : parseField(row, "release", parseTime);
  return { line: row.line, wallet, amount, release };
}

/** `2500.00 SZPH to 0xabc (label)`. */
export function mintLine(row: MintRow, token: TokenInfo, labels: Labels | undefined): string {
  const lock = row.release === null ? "" : `, locked until ${formatTime(row.release)}`;
  return `${formatAmount(row.amount, token)} to ${labelAddress(labels, row.wallet)}${lock}`;
}

import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { CONTRACTS, type ContractName } from "./deployment";
import { GovError } from "./errors";
import { readLogs } from "./logs";
import { parseAddress } from "./parse";
import { abiOf, type System } from "./system";

/** A token of a trade leg or an invoice currency, with what is needed to read and write amounts. */
export interface TokenInfo {
  address: string;
  /** `security-token` / `cash-token` when the token is one of the deployment's, else undefined. */
  name?: ContractName;
  symbol: string;
  decimals: number;
  /** Connected read-only, with SecurityToken's ABI (ERC-20 + ERC-1404): calls a plain ERC-20 lacks revert. */
  contract: ethers.Contract;
}

/** A contract of the deployment by name, or a one-line error saying the deployment lacks it. */
export function requireContract(sys: System, name: ContractName): ethers.Contract {
  const contract = sys.contracts[name];
  if (!contract) {
    throw new GovError(`the deployment ${sys.deployment.file} has no ${name} ("${CONTRACTS[name].key}")`);
  }
  return contract;
}

/** Reads a token's symbol and decimals; `what` names it in errors. */
export async function loadToken(sys: System, address: string, what: string): Promise<TokenInfo> {
  const checksummed = ethers.getAddress(address);
  const name = sys.nameOf(checksummed);
  const contract = new ethers.Contract(checksummed, await abiOf(sys.hre, "security-token"), sys.provider);
  if ((await sys.provider.getCode(checksummed)) === "0x") {
    throw new GovError(`${what}: no contract at ${checksummed}`);
  }
  let decimals: number;
  try {
    decimals = Number(await contract.decimals());
  } catch {
    throw new GovError(`${what}: ${checksummed} is not an ERC-20 token (no decimals())`);
  }
  let symbol: string;
  try {
    symbol = String(await contract.symbol());
  } catch {
    symbol = `token ${checksummed}`;
  }
  return {
    address: checksummed,
    name: name === "security-token" || name === "cash-token" ? name : undefined,
    symbol,
    decimals,
    contract,
  };
}

/** A trade leg's token: `security-token`, `cash-token` or a token address. */
export async function resolveToken(sys: System, value: unknown, what: string): Promise<TokenInfo> {
  const text = String(value ?? "").trim();
  const lower = text.toLowerCase();
  if (lower === "security-token" || lower === "cash-token") {
    const contract = requireContract(sys, lower);
    return loadToken(sys, contract.target as string, what);
  }
  if (!/^0x/i.test(text)) {
    throw new GovError(`${what}: "${text}" is not a token (say security-token, cash-token or a token address)`);
  }
  return loadToken(sys, parseAddress(text, what), what);
}

/** Where a token is: `security-token 0xabc...` for the deployment's tokens, else its address. */
export function tokenLabel(token: TokenInfo): string {
  return token.name ? `${token.name} ${token.address}` : token.address;
}

/** An amount in the token's smallest units as a decimal with exactly `decimals` places. */
export function formatUnits(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = decimals > 0 ? `.${digits.slice(digits.length - decimals)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** `2500.00 CNYC`. */
export function formatAmount(value: bigint, token: Pick<TokenInfo, "symbol" | "decimals">): string {
  return `${formatUnits(value, token.decimals)} ${token.symbol}`;
}

/**
 * An amount in human units (`2500`, `2500.5`, `0.01`) to the token's smallest units. At most as
 * many decimal places as the token has; at least `min` smallest units (default 1: more than zero).
 */
export function parseAmount(
  value: unknown,
  token: Pick<TokenInfo, "symbol" | "decimals">,
  what: string,
  min = 1n,
  max: bigint = ethers.MaxUint256,
): bigint {
  const text = String(value ?? "").trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) {
    throw new GovError(`${what}: "${text}" is not an amount (digits with an optional decimal point, e.g. 2500.50)`);
  }
  const fraction = match[2] ?? "";
  if (fraction.length > token.decimals) {
    const allowed = token.decimals === 0 ? "whole units only" : `at most ${token.decimals} decimal place(s)`;
    throw new GovError(`${what}: "${text}" has too many decimals: ${token.symbol} has ${token.decimals} (${allowed})`);
  }
  const amount = BigInt(match[1] + fraction.padEnd(token.decimals, "0"));
  if (amount < min) {
    throw new GovError(
      min === 1n
        ? `${what} must be more than zero (got ${text})`
        : `${what} must be at least ${formatAmount(min, token)} (got ${text})`,
    );
  }
  if (amount > max) throw new GovError(`${what} is too large: at most ${formatAmount(max, token)} (got ${text})`);
  return amount;
}

/** What a token's ERC-1404 check says of one transfer (or that the token has no such check). */
export interface RestrictionCheck {
  /** False when the token has no `detectTransferRestriction` (the DvP contract lets such a leg pass). */
  checked: boolean;
  code: number;
  message: string;
}

/**
 * The token's `detectTransferRestriction(from, to, amount)` and its message, as DvPSettlement's
 * `_checkLeg` sees it: a token whose call fails has no restriction to report.
 */
export async function restrictionOf(
  token: TokenInfo,
  from: string,
  to: string,
  amount: bigint,
): Promise<RestrictionCheck> {
  let code: number;
  try {
    code = Number(await token.contract.detectTransferRestriction(from, to, amount));
  } catch {
    return { checked: false, code: 0, message: "not an ERC-1404 token: only its transferFrom will judge" };
  }
  if (code === 0) return { checked: true, code, message: "No restriction" };
  let message: string;
  try {
    message = String(await token.contract.messageForTransferRestriction(code));
  } catch {
    message = "no message for this code";
  }
  return { checked: true, code, message };
}

/** The time of the latest block (the contracts' `block.timestamp` is at least this). */
export async function latestTime(sys: System): Promise<bigint> {
  const block = await sys.provider.getBlock("latest");
  if (!block) throw new GovError("the network returned no latest block");
  return BigInt(block.timestamp);
}

/** Ignition's journal next to a deployed_addresses.json: the block a contract was created in. */
function journalBlock(deploymentFile: string, address: string): number | undefined {
  const journal = path.join(path.dirname(deploymentFile), "journal.jsonl");
  if (!fs.existsSync(journal)) return undefined;
  const wanted = address.toLowerCase();
  for (const line of fs.readFileSync(journal, "utf8").split("\n")) {
    if (!line.includes("TRANSACTION_CONFIRM")) continue;
    try {
      const entry = JSON.parse(line) as { type?: string; receipt?: { contractAddress?: string; blockNumber?: number } };
      if (entry.type === "TRANSACTION_CONFIRM" && entry.receipt?.contractAddress?.toLowerCase() === wanted) {
        return Number(entry.receipt.blockNumber);
      }
    } catch {
      // a torn line: ignore it
    }
  }
  return undefined;
}

/**
 * The first block holding code at `address`: found in Ignition's journal when it is next to the
 * deployment file, else by a binary search on eth_getCode; 0 when the node keeps no old state.
 */
export async function deploymentBlock(sys: System, address: string): Promise<number> {
  const fromJournal = journalBlock(sys.deployment.file, address);
  if (fromJournal !== undefined) return fromJournal;
  try {
    let high = await sys.provider.getBlockNumber();
    let low = 0;
    if ((await sys.provider.getCode(address, high)) === "0x") return 0;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if ((await sys.provider.getCode(address, middle)) === "0x") low = middle + 1;
      else high = middle;
    }
    return low;
  } catch {
    return 0;
  }
}

/**
 * Every log of `filter` from `fromBlock` to the latest block. Private chains have no indexer: the
 * node is asked directly, in ranges it accepts (see readLogs).
 */
export async function queryLogs(
  sys: System,
  filter: { address: string; topics: (string | string[] | null)[] },
  fromBlock: number,
): Promise<ethers.Log[]> {
  return readLogs(sys, filter, fromBlock);
}

/** The topics of `event` of `contract`, with its first indexed arguments set (null = any). */
export function eventTopics(
  contract: ethers.Contract,
  event: string,
  ...indexed: (string | null)[]
): (string | null)[] {
  const fragment = contract.interface.getEvent(event);
  if (!fragment) throw new GovError(`the ABI has no event ${event}`);
  return [fragment.topicHash, ...indexed];
}

/** A bytes32 as a 32-byte topic for an indexed uint256 id. */
export function idTopic(id: bigint): string {
  return ethers.toBeHex(id, 32);
}

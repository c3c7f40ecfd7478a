import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { explainAssetCall } from "./assetRegistry";
import type { ContractName } from "./deployment";
import { GovError, readJsonFile } from "./errors";
import { explainInvoiceCall, roleDuty } from "./invoiceActions";
import type { System } from "./system";

/** A member as the register shows it. */
export interface MemberRecord {
  account: string;
  weight: bigint;
  name: string;
  uri: string;
}

/** What addresses and role hashes are called in words. */
export interface Labels {
  nameOf(address: string): ContractName | undefined;
  roles: Map<string, string>;
  members: Map<string, MemberRecord>;
  /** Other participants' names (lower-case address -> name), from the deployment's labels.json. */
  accounts?: Map<string, string>;
  /** Legal entities' names (lower-case 0x entity id -> name), from the deployment's labels.json. */
  entities?: Map<string, string>;
}

/** The file, beside deployed_addresses.json, that names the deployment's other participants. */
export const LABELS_FILE = "labels.json";

/** Where the labels file of a deployment is: beside its deployed_addresses.json. */
export function labelsFileOf(deploymentFile: string): string {
  return path.join(path.dirname(deploymentFile), LABELS_FILE);
}

/**
 * Reads a labels file: `{ "accounts": { "<address>": "<name>" }, "entities": { "<0x id | name the id
 * is hashed from>": "<name>" } }` (both optional). A missing file is no labels; a bad one is a
 * one-line error naming the file and the entry.
 */
export function readLabelsFile(file: string): { accounts: Map<string, string>; entities: Map<string, string> } {
  const accounts = new Map<string, string>();
  const entities = new Map<string, string>();
  if (!fs.existsSync(file)) return { accounts, entities };
  const json = readJsonFile(file);
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new GovError(`${file}: expected an object { "accounts": {...}, "entities": {...} }`);
  }
  const { accounts: a = {}, entities: e = {}, ...rest } = json as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new GovError(`${file}: unknown key "${unknown[0]}" (only "accounts" and "entities")`);
  const entries = (section: string, value: unknown): [string, string][] => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new GovError(`${file}: "${section}" must be an object of "key": "name"`);
    }
    return Object.entries(value as Record<string, unknown>).map(([key, name]) => {
      if (typeof name !== "string" || name.trim() === "") {
        throw new GovError(`${file}: ${section} "${key}": the name must be a non-empty string`);
      }
      return [key, name.trim()];
    });
  };
  for (const [key, name] of entries("accounts", a)) {
    if (!ethers.isAddress(key)) throw new GovError(`${file}: accounts "${key}" is not an address`);
    accounts.set(key.toLowerCase(), name);
  }
  for (const [key, name] of entries("entities", e)) {
    if (/^0x/i.test(key) && !/^0x[0-9a-fA-F]{64}$/.test(key)) {
      throw new GovError(`${file}: entities "${key}" is not a 32-byte id (0x and 64 hex digits) or a name`);
    }
    entities.set((/^0x/i.test(key) ? key : ethers.id(key)).toLowerCase(), name);
  }
  return { accounts, entities };
}

/** Governor.ProposalState, by value. */
export const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;

/** GovernorCountingSimple.VoteType, by value. */
export const SUPPORT_NAMES = ["Against", "For", "Abstain"] as const;

/** Every member of the register, in the register's order. */
export async function loadMembers(sys: System): Promise<MemberRecord[]> {
  const accounts = await sys.membership.members();
  return Promise.all(
    accounts.map(async (account) => {
      const info = await sys.membership.memberInfo(account);
      return { account: ethers.getAddress(account), weight: info.weight, name: info.name, uri: info.uri };
    }),
  );
}

/**
 * The labels of a system: contract names, role names, the current members' names (on chain), and
 * the names of other participants and entities from the deployment's labels.json, if any.
 */
export async function loadLabels(sys: System): Promise<Labels> {
  const members = new Map((await loadMembers(sys)).map((m) => [m.account.toLowerCase(), m]));
  const { accounts, entities } = readLabelsFile(labelsFileOf(sys.deployment.file));
  return { nameOf: sys.nameOf, roles: sys.roles, members, accounts, entities };
}

/**
 * The label of an address, or null: the contract's name in the deployment, else the member's name
 * in the register, else the participant's name in labels.json.
 */
export function labelOf(labels: Labels | undefined, address: string): string | null {
  if (!labels || !ethers.isAddress(address)) return null;
  const contract = labels.nameOf(address);
  if (contract) return contract;
  const lower = address.toLowerCase();
  return labels.members.get(lower)?.name ?? labels.accounts?.get(lower) ?? null;
}

/** `0xAbC... (timelock)`, `0xAbC... (Pearl River Bank)` or the bare address. */
export function labelAddress(labels: Labels | undefined, address: string): string {
  const checksummed = ethers.getAddress(address);
  const label = labelOf(labels, checksummed);
  if (label !== null) return `${checksummed} (${label})`;
  if (labels && checksummed === ethers.ZeroAddress) return `${checksummed} (zero address)`;
  return checksummed;
}

/** The name of a legal entity (0x 32-byte id) in labels.json, or null. */
export function entityLabelOf(labels: Labels | undefined, entityId: string): string | null {
  return labels?.entities?.get(entityId.toLowerCase()) ?? null;
}

/** `Pearl River Bank (0x1234abcd…)` (`short`) / `0x1234…full (Pearl River Bank)`, or the id alone. */
export function labelEntity(labels: Labels | undefined, entityId: string, short = false): string {
  const label = entityLabelOf(labels, entityId);
  if (short) return label === null ? `${entityId.slice(0, 10)}…` : `${label} (${entityId.slice(0, 10)}…)`;
  return label === null ? entityId : `${entityId} (${label})`;
}

/** `row` with a `<field>Label` (the entity's name in labels.json, or null) beside each entity-id field named. */
export function withEntityLabels<T extends object, K extends keyof T & string>(
  labels: Labels | undefined,
  row: T,
  ...fields: K[]
): T & Record<string, string | null> {
  const added: Record<string, string | null> = {};
  for (const field of fields) {
    const value = row[field] as unknown;
    added[`${field}Label`] = typeof value === "string" ? entityLabelOf(labels, value) : null;
  }
  return { ...row, ...added };
}

/**
 * `row` with a `<field>Label` (the address's label, or null) beside each address field named; an
 * array of addresses gets `<field>Labels`. The address fields themselves are kept as they are.
 */
export function withLabels<T extends object, K extends keyof T & string>(
  labels: Labels | undefined,
  row: T,
  ...fields: K[]
): T & Record<string, string | null | (string | null)[]> {
  const added: Record<string, string | null | (string | null)[]> = {};
  for (const field of fields) {
    const value = row[field] as unknown;
    if (Array.isArray(value)) added[`${field}Labels`] = value.map((a) => labelOf(labels, String(a)));
    else added[`${field}Label`] = typeof value === "string" ? labelOf(labels, value) : null;
  }
  return { ...row, ...added };
}

/** A role hash as its name (`AGENT_ROLE`), or the hash when unknown. */
export function labelRole(labels: Labels | undefined, hash: string): string {
  return labels?.roles.get(hash.toLowerCase()) ?? labels?.roles.get(hash) ?? hash;
}

/** One decoded ABI value in words. */
export function formatValue(labels: Labels | undefined, type: ethers.ParamType, value: unknown): string {
  if (type.baseType === "array") {
    const items = value as unknown[];
    return `[${items.map((v) => formatValue(labels, type.arrayChildren as ethers.ParamType, v)).join(", ")}]`;
  }
  if (type.baseType === "tuple") {
    const components = type.components ?? [];
    const items = value as unknown[];
    return `{${components.map((c, i) => `${c.name || i}: ${formatValue(labels, c, items[i])}`).join(", ")}}`;
  }
  switch (type.type) {
    case "address":
      return labelAddress(labels, value as string);
    case "bytes32":
      return labelRole(labels, value as string);
    case "string":
      return JSON.stringify(value);
    case "bool":
      return String(value);
    case "bytes":
      return value === "0x" ? "0x (none)" : (value as string);
    default:
      return String(value);
  }
}

/** `name=value, ...` for a fragment's decoded arguments. */
export function formatArgs(
  labels: Labels | undefined,
  inputs: readonly ethers.ParamType[],
  args: ethers.Result,
): string {
  return inputs.map((input, i) => `${input.name || `arg${i}`}=${formatValue(labels, input, args[i])}`).join(", ");
}

/** `12.34%` for num/den (0% when den is 0). */
export function percent(num: bigint, den: bigint): string {
  if (den === 0n) return "0.00%";
  const hundredths = (num * 10_000n + den / 2n) / den;
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")}%`;
}

/** `5000 bps (50.00%)`. */
export function bps(value: bigint): string {
  return `${value} bps (${percent(value, 10_000n)})`;
}

/** `1 d 2 h 3 min 4 s`. */
export function duration(seconds: bigint): string {
  let s = seconds < 0n ? -seconds : seconds;
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400n],
    ["h", 3_600n],
    ["min", 60n],
  ] as const) {
    if (s >= size) {
      parts.push(`${s / size} ${unit}`);
      s %= size;
    }
  }
  if (s > 0n || parts.length === 0) parts.push(`${s} s`);
  return parts.join(" ");
}

/** `2025-11-26 14:00:00 UTC`. */
export function formatTime(timestamp: bigint): string {
  return new Date(Number(timestamp) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/** `2025-11-26 14:00:00 UTC (in 59 s)` relative to `now` (the latest block's time). */
export function formatTimeFrom(timestamp: bigint, now: bigint): string {
  const delta = timestamp - now;
  const relative = delta === 0n ? "now" : delta > 0n ? `in ${duration(delta)}` : `${duration(-delta)} ago`;
  return `${formatTime(timestamp)} (${relative})`;
}

/** One call of a proposal, decoded. */
export interface DecodedCall {
  /** `membership.addMember(account=0x..., weight=10, ...)` or the raw call. */
  call: string;
  /** The call in plain words, when known. */
  words?: string;
}

/** Decodes (target, value, calldata) of a proposal into words. */
export function describeCall(
  sys: System,
  labels: Labels | undefined,
  target: string,
  value: bigint,
  data: string,
): DecodedCall {
  const contractName = sys.nameOf(target);
  const where = contractName ?? labelAddress(labels, target);
  const candidates: ethers.Contract[] = [];
  if (contractName && sys.contracts[contractName]) candidates.push(sys.contracts[contractName] as ethers.Contract);
  else candidates.push(...(Object.values(sys.contracts) as ethers.Contract[]));
  const sends = value > 0n ? ` sending ${ethers.formatEther(value)} (native coin)` : "";

  for (const contract of candidates) {
    let parsed: ethers.TransactionDescription | null = null;
    try {
      parsed = contract.interface.parseTransaction({ data, value });
    } catch {
      parsed = null;
    }
    if (!parsed) continue;
    const call = `${where}.${parsed.name}(${formatArgs(labels, parsed.fragment.inputs, parsed.args)})${sends}`;
    return { call, words: explain(labels, where, parsed) };
  }
  if (data === "0x") return { call: `transfer to ${where}${sends}` };
  return { call: `${where}: raw call ${data}${sends} (function ${data.slice(0, 10)} not in the system's ABIs)` };
}

function explain(labels: Labels | undefined, where: string, tx: ethers.TransactionDescription): string | undefined {
  const a = tx.args;
  const addr = (v: unknown) => labelAddress(labels, v as string);
  switch (tx.name) {
    case "addMember":
      return `admit ${addr(a[0])} as member ${JSON.stringify(a[2])} with weight ${a[1]}${a[3] ? `, profile ${a[3]}` : ""}`;
    case "removeMember":
      return `remove the member ${addr(a[0])}`;
    case "setWeight":
      return `set the voting weight of ${addr(a[0])} to ${a[1]}`;
    case "replaceMemberAccount":
      return `move the membership of ${addr(a[0])}, with its weight, to the new account ${addr(a[1])}`;
    case "grantRole":
      return `grant ${labelRole(labels, a[0])}${roleDuty(a[0])} on ${where} to ${addr(a[1])}`;
    case "revokeRole":
      return `revoke ${labelRole(labels, a[0])}${roleDuty(a[0])} on ${where} from ${addr(a[1])}`;
    case "pause":
      return `pause ${where}`;
    case "unpause":
      return `unpause ${where}`;
    case "updateQuorumNumerator":
      return `set the quorum to ${bps(a[0])} of the total weight, for every vote whose snapshot comes later`;
    case "setApprovalThreshold":
      return `set the approval threshold to ${bps(a[0])}: For must be above ${percent(a[0], 10_000n)} of For + Against, for every vote whose snapshot comes later`;
    case "setVotingPeriod":
      return `set the voting period to ${a[0]} s (${duration(a[0])})`;
    case "setVotingDelay":
      return `set the voting delay to ${a[0]} s (${duration(a[0])})`;
    case "setProposalThreshold":
      return `set the weight needed to propose to ${a[0]}`;
    case "updateDelay":
      return `set the timelock delay to ${a[0]} s (${duration(a[0])})`;
    case "setSensitiveThresholds":
      return `set the sensitive class's quorum to ${bps(a[0])} and approval threshold to ${bps(a[1])}, for every vote whose snapshot comes later`;
    case "setProposalGuardian":
      return `make ${addr(a[0])} the proposal guardian (cancels proposals not yet executed, with a reason)`;
    case "setCallClass":
      return `make calls of function ${a[1]} on ${a[0] === ethers.ZeroAddress ? "any contract" : addr(a[0])} ${a[2] ? "sensitive" : "routine"}`;
    case "restore":
      return `restore the suspended member key ${addr(a[0])} with its weight`;
    case "suspend":
      return `suspend the member key ${addr(a[0])}`;
    case "upgradeToAndCall":
      return `upgrade ${where} to the implementation ${addr(a[0])}${a[1] === "0x" ? "" : ` and call it with ${a[1]}`}`;
    default:
      return explainInvoiceCall(tx) ?? explainAssetCall(where, tx, addr);
  }
}

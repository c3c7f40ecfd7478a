import { ethers } from "ethers";
import { deploymentBlock } from "./assets";
import { CONTRACT_NAMES, type ContractName } from "./deployment";
import { type Labels, labelAddress } from "./describe";
import { GovError } from "./errors";
import { getLogsInChunks, logRangeOf } from "./logs";
import { parseAddress } from "./parse";
import type { System } from "./system";

/** The kinds of administrative event the `events` task lists, and the events of each. */
export const EVENT_KINDS = {
  role: [
    "event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)",
    "event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)",
    "event RoleAdminChanged(bytes32 indexed role, bytes32 indexed previousAdminRole, bytes32 indexed newAdminRole)",
  ],
  freeze: [
    "event AddressFrozen(address indexed userAddress, bool indexed isFrozen, address indexed owner)",
    "event TokensFrozen(address indexed userAddress, uint256 amount)",
    "event TokensUnfrozen(address indexed userAddress, uint256 amount)",
    "event FreezeReason(address indexed wallet, bytes32 indexed reason)",
  ],
  pause: ["event Paused(address account)", "event Unpaused(address account)"],
  upgrade: ["event Upgraded(address indexed implementation)"],
} as const;

export type EventKind = keyof typeof EVENT_KINDS;

const KIND_OF = new Map<string, EventKind>();
const EVENTS = new ethers.Interface(
  Object.entries(EVENT_KINDS).flatMap(([kind, events]) =>
    events.map((e) => {
      KIND_OF.set(ethers.EventFragment.from(e).topicHash, kind as EventKind);
      return e;
    }),
  ),
);

/** The kinds named by `--kinds` (comma-separated; default: all). */
export function parseKinds(value: string | undefined): EventKind[] {
  const all = Object.keys(EVENT_KINDS) as EventKind[];
  if (value === undefined || value.trim() === "") return all;
  return value.split(",").map((k) => {
    const kind = k.trim().toLowerCase();
    if (!all.includes(kind as EventKind)) {
      throw new GovError(`--kinds: "${k.trim()}" is not a kind of event (${all.join(", ")})`);
    }
    return kind as EventKind;
  });
}

/** A block number from the command line, or `undefined` when not given. */
export function parseBlock(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!/^\d{1,15}$/.test(text)) throw new GovError(`${what}: "${text}" is not a block number`);
  return Number(text);
}

/** The contract named on the command line (a deployment name or an address) and its own name. */
export function resolveContract(sys: System, value: string): { address: string; name?: ContractName } {
  const text = value.trim();
  if ((CONTRACT_NAMES as readonly string[]).includes(text)) {
    const address = sys.deployment.addresses[text as ContractName];
    if (!address) throw new GovError(`the deployment ${sys.deployment.file} has no ${text}`);
    return { address: ethers.getAddress(address), name: text as ContractName };
  }
  if (!text.startsWith("0x")) {
    throw new GovError(
      `"${text}" is neither a contract of the deployment (${CONTRACT_NAMES.join(", ")}) nor an address`,
    );
  }
  const address = parseAddress(text, "contract");
  return { address, name: sys.nameOf(address) };
}

/** One administrative event, decoded, with its arguments in words. */
export interface AdminEvent {
  kind: EventKind;
  event: string;
  blockNumber: number;
  time: bigint;
  transactionHash: string;
  args: Record<string, string | bigint | boolean>;
  words: string;
}

function describe(sys: System, labels: Labels, name: string, args: ethers.Result): string {
  const who = (a: string) => labelAddress(labels, a);
  const role = (r: string) => sys.roles.get(r) ?? r;
  switch (name) {
    case "RoleGranted":
      return `${role(args.role)} granted to ${who(args.account)} by ${who(args.sender)}`;
    case "RoleRevoked":
      return `${role(args.role)} revoked from ${who(args.account)} by ${who(args.sender)}`;
    case "RoleAdminChanged":
      return `admin of ${role(args.role)} changed from ${role(args.previousAdminRole)} to ${role(args.newAdminRole)}`;
    case "AddressFrozen":
      return `${who(args.userAddress)} ${args.isFrozen ? "frozen" : "unfrozen"} by ${who(args.owner)}`;
    case "TokensFrozen":
      return `${args.amount} unit(s) of ${who(args.userAddress)} frozen`;
    case "TokensUnfrozen":
      return `${args.amount} unit(s) of ${who(args.userAddress)} unfrozen`;
    case "FreezeReason":
      return `${who(args.wallet)} frozen for reason ${args.reason}`;
    case "Paused":
      return `paused by ${who(args.account)}`;
    case "Unpaused":
      return `unpaused by ${who(args.account)}`;
    default:
      return `upgraded to implementation ${args.implementation}`;
  }
}

/**
 * The role, freeze, pause and upgrade events of `address` from `fromBlock` (default: its
 * deployment block) to `toBlock` (default: the latest), read in chunks the node accepts.
 */
export async function adminEvents(
  sys: System,
  labels: Labels,
  address: string,
  kinds: EventKind[],
  fromBlock?: number,
  toBlock?: number,
): Promise<{ fromBlock: number; toBlock: number; events: AdminEvent[] }> {
  const latest = await sys.provider.getBlockNumber();
  const from = fromBlock ?? (await deploymentBlock(sys, address));
  const to = toBlock ?? latest;
  if (to > latest) throw new GovError(`--to-block ${to} is ahead of the latest block ${latest}`);
  if (from > to) throw new GovError(`--from-block ${from} is after --to-block ${to}`);
  const topics = kinds.flatMap((k) => EVENT_KINDS[k].map((e) => ethers.EventFragment.from(e).topicHash));
  const logs = await getLogsInChunks(sys.provider, { address, topics: [topics] }, from, to, logRangeOf(sys.hre));
  const times = new Map<number, bigint>();
  const events: AdminEvent[] = [];
  for (const log of logs) {
    const parsed = EVENTS.parseLog(log);
    if (!parsed) continue;
    if (!times.has(log.blockNumber)) {
      times.set(log.blockNumber, BigInt((await sys.provider.getBlock(log.blockNumber))?.timestamp ?? 0));
    }
    const args: Record<string, string | bigint | boolean> = {};
    parsed.fragment.inputs.forEach((input, i) => {
      const v = parsed.args[i] as string | bigint | boolean;
      args[input.name] =
        input.type === "bytes32" && sys.roles.has(v as string) ? (sys.roles.get(v as string) as string) : v;
    });
    events.push({
      kind: KIND_OF.get(log.topics[0]) as EventKind,
      event: parsed.name,
      blockNumber: log.blockNumber,
      time: times.get(log.blockNumber) as bigint,
      transactionHash: log.transactionHash,
      args,
      words: describe(sys, labels, parsed.name, parsed.args),
    });
  }
  return { fromBlock: from, toBlock: to, events };
}

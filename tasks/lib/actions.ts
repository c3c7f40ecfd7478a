import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { CONTRACT_NAMES, CONTRACTS, type ContractName } from "./deployment";
import type { Labels } from "./describe";
import { ASSET_ACTION_USAGE, buildAssetAction, simulateSequence } from "./assetRegistry";
import { GovError, readJsonFile } from "./errors";
import { CREDIT_ACTION_USAGE, buildCreditAction } from "./credit";
import { INVOICE_ACTION_USAGE, buildInvoiceAction } from "./invoiceActions";
import { parseAddress, parseBps, parseSeconds, parseWhole, tokenize } from "./parse";
import { explainFailure } from "./revert";
import { type System, roleGetters } from "./system";

/** One call of a proposal, as the timelock will make it. */
export interface ProposalCall {
  target: string;
  value: bigint;
  data: string;
  /** Where the call came from: the action text, or `calls.json[2]`. */
  source: string;
  /** Lines a dry run prints under the call (e.g. the token `issue-security` would create). */
  preview?: string[];
  /** Earlier calls of the same action this one depends on: simulated in sequence with them. */
  simulateAfter?: ProposalCall[];
}

/** The named actions and their arguments. */
export const ACTION_USAGE: Record<string, string> = {
  "add-member": "add-member <account> <weight> <name> [uri]",
  "remove-member": "remove-member <account>",
  "set-weight": "set-weight <account> <weight>",
  "replace-member": "replace-member <oldAccount> <newAccount>",
  "grant-role": "grant-role <contract> <ROLE_NAME> <account>",
  "revoke-role": "revoke-role <contract> <ROLE_NAME> <account>",
  pause: "pause <contract>",
  unpause: "unpause <contract>",
  "set-quorum": "set-quorum <bps>",
  "set-approval-threshold": "set-approval-threshold <bps>",
  "set-voting-period": "set-voting-period <seconds>",
  "set-sensitive-thresholds": "set-sensitive-thresholds <quorumBps> <approvalBps>",
  "set-guardian": "set-guardian <account>",
  "restore-member": "restore-member <account>",
  "set-call-class": "set-call-class <contract|any> <function> <sensitive|routine>",
  upgrade: "upgrade <contract> <newImplementation>",
  ...INVOICE_ACTION_USAGE,
  ...ASSET_ACTION_USAGE,
  ...CREDIT_ACTION_USAGE,
};

/** The named actions, one per line, for help texts. */
export function actionHelp(): string {
  return Object.values(ACTION_USAGE).join("; ");
}

/** A contract of the deployment by command-line name (or by its address). */
export function resolveContract(
  sys: System,
  token: string,
  what: string,
): { name: ContractName; contract: ethers.Contract } {
  const lower = token.toLowerCase();
  let name = CONTRACT_NAMES.find((n) => n === lower);
  if (!name && ethers.isAddress(token)) name = sys.nameOf(token);
  if (!name) {
    throw new GovError(`${what}: "${token}" is not a contract of the system (one of ${CONTRACT_NAMES.join(", ")})`);
  }
  const contract = sys.contracts[name];
  if (!contract) {
    throw new GovError(`${what}: the deployment ${sys.deployment.file} has no ${name} ("${CONTRACTS[name].key}")`);
  }
  return { name, contract };
}

/** A role of `contract` by name (`AGENT_ROLE`, `agent`, `default-admin`), read from the contract. */
async function resolveRole(
  name: ContractName,
  contract: ethers.Contract,
  token: string,
  what: string,
): Promise<string> {
  const roles = roleGetters(contract.interface);
  if (roles.length === 0) throw new GovError(`${what}: ${name} has no roles`);
  let wanted = token.toUpperCase().replace(/-/g, "_");
  if (wanted === "ADMIN") wanted = "DEFAULT_ADMIN";
  if (!wanted.endsWith("_ROLE")) wanted += "_ROLE";
  if (!roles.includes(wanted)) {
    throw new GovError(`${what}: ${name} has no role "${token}" (its roles: ${roles.join(", ")})`);
  }
  return (await contract.getFunction(wanted).staticCall()) as string;
}

function encode(contract: ethers.Contract, fn: string, args: unknown[]): string {
  return contract.interface.encodeFunctionData(fn, args);
}

/**
 * Turns one named action (`add-member 0xabc 10 "Shenzhen Bank"`) into the call(s) it stands for
 * (`set-guardian` is three: the governor's proposal guardian and the membership's GUARDIAN_ROLE,
 * granted to the new guardian and revoked from the old one).
 */
export async function buildAction(sys: System, text: string): Promise<ProposalCall[]> {
  const built = await buildOne(sys, text);
  return Array.isArray(built) ? built : [built];
}

async function buildOne(sys: System, text: string): Promise<ProposalCall | ProposalCall[]> {
  const words = tokenize(text);
  if (words.length === 0) throw new GovError(`empty action (actions: ${actionHelp()})`);
  const [verb, ...args] = words;
  if (ASSET_ACTION_USAGE[verb.toLowerCase()]) return buildAssetAction(sys, verb.toLowerCase(), args, text);
  if (CREDIT_ACTION_USAGE[verb.toLowerCase()]) return buildCreditAction(sys, verb.toLowerCase(), args, text);
  const usage = ACTION_USAGE[verb.toLowerCase()];
  if (!usage) throw new GovError(`unknown action "${verb}" in "${text}" (actions: ${actionHelp()})`);
  const wanted = usage.split(" ").slice(1);
  const required = wanted.filter((w) => w.startsWith("<")).length;
  if (args.length < required || args.length > wanted.length) {
    throw new GovError(`action "${text}": expected ${usage}`);
  }
  const what = `action "${verb}"`;
  const membership = sys.contracts.membership as ethers.Contract;
  const governor = sys.contracts.governor as ethers.Contract;
  const call = (contract: ethers.Contract, fn: string, fnArgs: unknown[]): ProposalCall => ({
    target: contract.target as string,
    value: 0n,
    data: encode(contract, fn, fnArgs),
    source: text,
  });

  switch (verb.toLowerCase()) {
    case "add-member": {
      const account = parseAddress(args[0], `${what} account`);
      const weight = parseWhole(args[1], `${what} weight`, 1n);
      if (args[2].trim() === "") throw new GovError(`${what}: the member's name is empty`);
      return call(membership, "addMember", [account, weight, args[2], args[3] ?? ""]);
    }
    case "remove-member":
      return call(membership, "removeMember", [parseAddress(args[0], `${what} account`)]);
    case "set-weight":
      return call(membership, "setWeight", [
        parseAddress(args[0], `${what} account`),
        parseWhole(args[1], `${what} weight`, 1n),
      ]);
    case "replace-member":
      return call(membership, "replaceMemberAccount", [
        parseAddress(args[0], `${what} old account`),
        parseAddress(args[1], `${what} new account`),
      ]);
    case "grant-role":
    case "revoke-role": {
      const { name, contract } = resolveContract(sys, args[0], what);
      if (!contract.interface.getFunction("grantRole")) throw new GovError(`${what}: ${name} has no roles`);
      const role = await resolveRole(name, contract, args[1], what);
      const account = parseAddress(args[2], `${what} account`);
      return call(contract, verb.toLowerCase() === "grant-role" ? "grantRole" : "revokeRole", [role, account]);
    }
    case "pause":
    case "unpause": {
      const fn = verb.toLowerCase();
      const { name, contract } = resolveContract(sys, args[0], what);
      const fragment = contract.interface.getFunction(fn);
      if (!fragment || fragment.inputs.length !== 0)
        throw new GovError(`${what}: ${name} cannot be ${fn}d (no ${fn}())`);
      return call(contract, fn, []);
    }
    case "set-quorum":
      return call(governor, "updateQuorumNumerator", [parseBps(args[0], `${what} quorum`, 1n, 10_000n)]);
    case "set-approval-threshold":
      // The governor's rule: at least a majority (5,000) and below unanimity (10,000).
      return call(governor, "setApprovalThreshold", [parseBps(args[0], `${what} threshold`, 5_000n, 9_999n)]);
    case "set-voting-period":
      return call(governor, "setVotingPeriod", [parseSeconds(args[0], `${what} period`)]);
    case "set-sensitive-thresholds":
      // The governor's rules: quorum 1 to 10,000; approval 5,000 to 9,999; each at least the routine one.
      return call(governor, "setSensitiveThresholds", [
        parseBps(args[0], `${what} quorum`, 1n, 10_000n),
        parseBps(args[1], `${what} approval threshold`, 5_000n, 9_999n),
      ]);
    case "set-guardian": {
      const account = parseAddress(args[0], `${what} account`);
      const previous = ethers.getAddress((await governor.getFunction("proposalGuardian").staticCall()) as string);
      if (previous === account) throw new GovError(`${what}: ${account} is already the guardian`);
      const role = (await membership.getFunction("GUARDIAN_ROLE").staticCall()) as string;
      return [
        call(governor, "setProposalGuardian", [account]),
        call(membership, "grantRole", [role, account]),
        call(membership, "revokeRole", [role, previous]),
      ];
    }
    case "restore-member":
      return call(membership, "restore", [parseAddress(args[0], `${what} account`)]);
    case "set-call-class": {
      let target = ethers.ZeroAddress;
      let fragment: ethers.FunctionFragment | null = null;
      const fnName = args[1];
      if (args[0].toLowerCase() === "any") {
        for (const c of Object.values(sys.contracts)) fragment ??= (c as ethers.Contract).interface.getFunction(fnName);
        if (!fragment && fnName.includes("(")) fragment = ethers.FunctionFragment.from(`function ${fnName}`);
      } else {
        const { name, contract } = resolveContract(sys, args[0], what);
        target = contract.target as string;
        try {
          fragment = contract.interface.getFunction(fnName);
        } catch {
          fragment = null;
        }
        if (!fragment) throw new GovError(`${what}: ${name} has no function "${fnName}"`);
      }
      if (!fragment) throw new GovError(`${what}: no contract of the system has a function "${fnName}"`);
      const cls = args[2].toLowerCase();
      if (cls !== "sensitive" && cls !== "routine")
        throw new GovError(`${what}: the class must be sensitive or routine`);
      return call(governor, "setCallClass", [target, fragment.selector, cls === "sensitive"]);
    }
    case "upgrade": {
      const { name, contract } = resolveContract(sys, args[0], what);
      if (!contract.interface.getFunction("upgradeToAndCall")) {
        throw new GovError(
          `${what}: ${name} is not upgradeable (governor and timelock are replaced by moving the timelock's roles)`,
        );
      }
      const implementation = parseAddress(args[1], `${what} new implementation`);
      if ((await sys.provider.getCode(implementation)) === "0x") {
        throw new GovError(`${what}: no contract at ${implementation}: deploy the new implementation first`);
      }
      return call(contract, "upgradeToAndCall", [implementation, "0x"]);
    }
    default:
      return buildInvoiceAction(sys, verb.toLowerCase(), args, what, call) ?? unknownAction(verb);
  }
}

function unknownAction(verb: string): never {
  throw new GovError(`unknown action "${verb}"`);
}

interface RawCall {
  target?: unknown;
  value?: unknown;
  signature?: unknown;
  data?: unknown;
  args?: unknown;
}

/**
 * Reads a raw calls file: a JSON array of `{ "target": <contract name or address>, "value": <wei,
 * optional>, "signature": "setWeight(address,uint256)", "args": [...] }` or `{ "target", "data":
 * "0x..." }`. With a contract name as target, `signature` may be just the function's name.
 */
export async function readCallsFile(sys: System, file: string): Promise<ProposalCall[]> {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) throw new GovError(`--calls: no file at ${resolved}`);
  const json = readJsonFile(resolved, `--calls: ${resolved}`);
  if (!Array.isArray(json) || json.length === 0) {
    throw new GovError(`--calls: ${resolved} must hold a non-empty array of calls`);
  }
  const base = path.basename(resolved);
  return json.map((raw: RawCall, i) => {
    const where = `${base}[${i}]`;
    if (raw === null || typeof raw !== "object") throw new GovError(`${where} is not an object`);
    if (typeof raw.target !== "string") throw new GovError(`${where}: "target" (contract name or address) is missing`);
    let target: string;
    let known: ethers.Contract | undefined;
    if (/^0x/i.test(raw.target)) {
      target = parseAddress(raw.target, `${where} target`);
      const name = sys.nameOf(target);
      known = name ? sys.contracts[name] : undefined;
    } else {
      const resolvedContract = resolveContract(sys, raw.target, `${where} target`);
      target = resolvedContract.contract.target as string;
      known = resolvedContract.contract;
    }
    const value = raw.value === undefined ? 0n : parseWhole(raw.value, `${where} value (wei)`);
    if ((raw.signature === undefined) === (raw.data === undefined)) {
      throw new GovError(`${where}: give either "signature" (with "args") or "data"`);
    }
    if (raw.data !== undefined) {
      if (typeof raw.data !== "string" || !ethers.isHexString(raw.data)) {
        throw new GovError(`${where}: "data" must be 0x-prefixed hex bytes`);
      }
      if (raw.args !== undefined) throw new GovError(`${where}: "args" go with "signature", not with "data"`);
      return { target, value, data: raw.data.toLowerCase(), source: where };
    }
    if (typeof raw.signature !== "string" || raw.signature.trim() === "") {
      throw new GovError(`${where}: "signature" must be a function signature such as "setWeight(address,uint256)"`);
    }
    const args = raw.args ?? [];
    if (!Array.isArray(args)) throw new GovError(`${where}: "args" must be an array`);
    const signature = raw.signature.trim().replace(/^function\s+/, "");
    let iface: ethers.Interface;
    let fragment: ethers.FunctionFragment | null;
    try {
      if (signature.includes("(")) {
        iface = new ethers.Interface([`function ${signature}`]);
        fragment = iface.getFunction(signature.slice(0, signature.indexOf("(")));
      } else {
        if (!known) throw new GovError(`${where}: "${signature}" needs its parameter types with an unknown target`);
        iface = known.interface;
        fragment = iface.getFunction(signature);
      }
    } catch (e) {
      if (e instanceof GovError) throw e;
      throw new GovError(`${where}: bad signature "${signature}": ${(e as Error).message.split("(")[0].trim()}`);
    }
    if (!fragment) throw new GovError(`${where}: the target has no function "${signature}"`);
    if (args.length !== fragment.inputs.length) {
      throw new GovError(
        `${where}: ${fragment.format()} takes ${fragment.inputs.length} argument(s), got ${args.length}`,
      );
    }
    try {
      return { target, value, data: iface.encodeFunctionData(fragment, args), source: where };
    } catch (e) {
      throw new GovError(`${where}: cannot encode ${fragment.format()}: ${(e as Error).message.split(" (")[0]}`);
    }
  });
}

/** Result of simulating one call as the timelock. */
export interface SimulationResult {
  call: ProposalCall;
  ok: boolean;
  /** The decoded revert reason when the call would fail. */
  reason?: string;
}

/** The storage slot of the governor's `_governanceCall` queue, from the compiler's storage layout. */
async function governanceQueueSlot(sys: System): Promise<bigint> {
  const { fqn } = CONTRACTS.governor;
  try {
    const buildInfo = await sys.hre.artifacts.getBuildInfo(fqn);
    const [source, name] = fqn.split(":");
    const output = buildInfo?.output.contracts[source]?.[name] as
      { storageLayout?: { storage: { label: string; slot: string }[] } } | undefined;
    const entry = output?.storageLayout?.storage.find((s) => s.label === "_governanceCall");
    if (entry) return BigInt(entry.slot);
  } catch {
    // fall through to the layout of OpenZeppelin 5.3's Governor
  }
  return 5n;
}

/**
 * The state override that lets a governor call pass `onlyGovernance` in a simulation: the governor
 * accepts a call from the timelock only if its `execute` put the call's hash in `_governanceCall`
 * first. The override puts `keccak256(data)` at the head of that queue.
 */
async function governanceCallOverride(sys: System, data: string): Promise<Record<string, unknown>> {
  const slot = await governanceQueueSlot(sys);
  const headSlot = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [0n, slot + 1n]));
  return {
    [sys.deployment.addresses.governor as string]: {
      stateDiff: {
        [ethers.toBeHex(slot, 32)]: ethers.toBeHex(1n << 128n, 32), // _begin = 0, _end = 1
        [headSlot]: ethers.keccak256(data), // _data[0]
      },
    },
  };
}

/**
 * Simulates each call with eth_call from the timelock, on the current state (each call on its own:
 * a call that depends on an earlier action of the same proposal is simulated without it).
 */
export async function simulate(
  sys: System,
  labels: Labels | undefined,
  calls: ProposalCall[],
): Promise<SimulationResult[]> {
  const timelock = sys.deployment.addresses.timelock as string;
  const governor = sys.deployment.addresses.governor as string;
  const results: SimulationResult[] = [];
  for (const call of calls) {
    if (call.simulateAfter) {
      const failure = await simulateSequence(sys, [...call.simulateAfter, call]);
      results.push(
        failure ? { call, ok: false, reason: explainFailure(sys.errors, labels, failure) } : { call, ok: true },
      );
      continue;
    }
    const tx = { from: timelock, to: call.target, data: call.data, value: ethers.toQuantity(call.value) };
    const overrides: Record<string, unknown> =
      call.target.toLowerCase() === governor.toLowerCase() ? await governanceCallOverride(sys, call.data) : {};
    if (call.value > 0n) {
      const balance = await sys.provider.getBalance(timelock);
      overrides[timelock] = { balance: ethers.toQuantity(balance + call.value) };
    }
    const params = Object.keys(overrides).length > 0 ? [tx, "latest", overrides] : [tx, "latest"];
    try {
      await sys.hre.network.provider.request({ method: "eth_call", params });
      results.push({ call, ok: true });
    } catch (e) {
      results.push({ call, ok: false, reason: explainFailure(sys.errors, labels, e) });
    }
  }
  return results;
}

import { ethers } from "ethers";
import { PROPOSAL_STATES, SUPPORT_NAMES, formatTimeFrom, labelAddress, type Labels } from "./describe";
import { GovError } from "./errors";
import { parseProposalId } from "./parse";
import { explainFailure } from "./revert";
import type { System } from "./system";
import { deploymentBlock } from "./assets";
import { readLogs } from "./logs";

/** A proposal as the governor stores it, with its state and tallies. */
export interface Proposal {
  id: bigint;
  targets: string[];
  values: bigint[];
  calldatas: string[];
  descriptionHash: string;
  proposer: string;
  state: number;
  stateName: string;
  snapshot: bigint;
  deadline: bigint;
  eta: bigint;
  against: bigint;
  for: bigint;
  abstain: bigint;
}

/** One vote, from a VoteCast or VoteCastWithParams event. */
export interface CastVote {
  voter: string;
  support: number;
  weight: bigint;
  reason: string;
  params: string;
  blockNumber: number;
  transactionHash: string;
}

/** The time of the latest block: what the governor's clock reads now. */
export async function chainNow(sys: System): Promise<bigint> {
  const block = await sys.provider.getBlock("latest");
  if (!block) throw new GovError("the network returned no latest block");
  return BigInt(block.timestamp);
}

/** The id of an existing proposal from the command line, or a one-line error. */
export async function requireProposal(sys: System, value: unknown): Promise<bigint> {
  const id = parseProposalId(value);
  const count = await sys.governor.proposalCount();
  if (id > count || (await sys.governor.proposalSnapshot(id)) === 0n) {
    throw new GovError(
      count === 0n
        ? `no proposal #${id}: there are no proposals yet`
        : `no proposal #${id}: proposals are #1 to #${count}`,
    );
  }
  return id;
}

/** A proposal's details, state, times and tallies. */
export async function loadProposal(sys: System, id: bigint): Promise<Proposal> {
  const g = sys.governor;
  const [details, proposer, state, snapshot, deadline, eta, votes] = await Promise.all([
    g.proposalDetails(id),
    g.proposalProposer(id),
    g.state(id),
    g.proposalSnapshot(id),
    g.proposalDeadline(id),
    g.proposalEta(id),
    g.proposalVotes(id),
  ]);
  return {
    id,
    // by position: a Result's `values` is a method, not the field of that name
    targets: [...details[0]],
    values: [...details[1]],
    calldatas: [...details[2]],
    descriptionHash: details[3],
    proposer,
    state: Number(state),
    stateName: PROPOSAL_STATES[Number(state)] ?? `state ${state}`,
    snapshot,
    deadline,
    eta,
    against: votes.againstVotes,
    for: votes.forVotes,
    abstain: votes.abstainVotes,
  };
}

/** The governor's logs of `events`, from its deployment block, read in ranges the node accepts. */
async function governorLogs(sys: System, events: string[]): Promise<ethers.Log[]> {
  const address = sys.deployment.addresses.governor as string;
  const topics = [events.map((e) => sys.governor.interface.getEvent(e as "VoteCast").topicHash)];
  return readLogs(sys, { address, topics }, await deploymentBlock(sys, address));
}

/** Every proposal's description and proposer, from the governor's ProposalCreated events. */
export async function proposalDescriptions(sys: System): Promise<Map<bigint, string>> {
  const map = new Map<bigint, string>();
  for (const log of await governorLogs(sys, ["ProposalCreated"])) {
    const parsed = sys.governor.interface.parseLog(log);
    if (parsed) map.set(parsed.args.proposalId as bigint, parsed.args.description as string);
  }
  return map;
}

/** Every vote cast on proposal `id`, in chain order. */
export async function votesOn(sys: System, id: bigint): Promise<CastVote[]> {
  const votes: (CastVote & { logIndex: number })[] = [];
  for (const log of await governorLogs(sys, ["VoteCast", "VoteCastWithParams"])) {
    const parsed = sys.governor.interface.parseLog(log);
    if (!parsed || parsed.args.proposalId !== id) continue;
    votes.push({
      voter: ethers.getAddress(parsed.args.voter),
      support: Number(parsed.args.support),
      weight: parsed.args.weight,
      reason: parsed.args.reason,
      params: parsed.name === "VoteCastWithParams" ? (parsed.args.params as string) : "0x",
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
      logIndex: log.index,
    });
  }
  votes.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  return votes.map(({ logIndex: _logIndex, ...vote }) => vote);
}

/** The two classes of proposal (ConsortiumGovernor.ProposalClass), by value. */
export const CLASS_NAMES = ["routine", "sensitive"] as const;

/** A proposal's class and the quorum and approval threshold (bps) it is held to, read at `snapshot`. */
export async function classThresholds(
  sys: System,
  proposalClass: number,
  snapshot: bigint,
): Promise<{ className: string; quorumBps: bigint; approvalBps: bigint }> {
  const g = sys.governor;
  if (proposalClass === 1) {
    const [quorumBps, approvalBps] = await g.sensitiveThresholds(snapshot);
    return { className: CLASS_NAMES[1], quorumBps, approvalBps };
  }
  const [quorumBps, approvalBps] = await Promise.all([
    g["quorumNumerator(uint256)"](snapshot),
    g["approvalThreshold(uint256)"](snapshot),
  ]);
  return { className: CLASS_NAMES[0], quorumBps, approvalBps };
}

/** Why a governance action belongs to the sensitive class, in words. */
function sensitiveBecause(sys: System, target: string, data: string): string {
  const where = sys.nameOf(target);
  if (where === "governor") return "it changes the governor's own settings";
  if (where === "timelock") return "it acts on the timelock";
  const selector = data.slice(0, 10).toLowerCase();
  const fn = (name: string) => ethers.id(name).slice(0, 10);
  if (selector === fn("upgradeToAndCall(address,bytes)")) return "it upgrades a proxy";
  if (
    [fn("grantRole(bytes32,address)"), fn("revokeRole(bytes32,address)"), fn("renounceRole(bytes32,address)")].includes(
      selector,
    )
  ) {
    return "it grants or revokes a role";
  }
  if (
    [
      fn("addMember(address,uint256,string,string)"),
      fn("removeMember(address)"),
      fn("setWeight(address,uint256)"),
      fn("replaceMemberAccount(address,address)"),
      fn("restore(address)"),
    ].includes(selector)
  ) {
    return "it admits, removes, re-weights, re-keys or restores a member";
  }
  return "governance marked this function sensitive (setCallClass)";
}

/** One call's class, or the anti-bricking rule that refuses it. */
export interface CallClass {
  sensitive: boolean;
  /** Why the call is sensitive, or why the governor refuses it. */
  reason?: string;
  refused?: boolean;
}

/**
 * Asks the governor how it classifies each call (and whether an anti-bricking rule refuses it) and
 * the proposal as a whole: sensitive when any call is.
 */
export async function classifyCalls(
  sys: System,
  labels: Labels | undefined,
  calls: { target: string; data: string }[],
): Promise<{ className: string; calls: CallClass[]; refused?: string }> {
  const results: CallClass[] = [];
  for (const c of calls) {
    try {
      const cls = Number(await sys.governor.classify([c.target], [c.data]));
      results.push(
        cls === 1 ? { sensitive: true, reason: sensitiveBecause(sys, c.target, c.data) } : { sensitive: false },
      );
    } catch (e) {
      results.push({ sensitive: false, refused: true, reason: explainFailure(sys.errors, labels, e) });
    }
  }
  const firstRefused = results.findIndex((r) => r.refused);
  return {
    className: CLASS_NAMES[results.some((r) => r.sensitive) ? 1 : 0],
    calls: results,
    ...(firstRefused >= 0 ? { refused: `action ${firstRefused + 1}: ${results[firstRefused].reason}` } : {}),
  };
}

/** Why a closed vote failed: quorum, approval or both. */
export async function defeatReason(sys: System, p: Proposal): Promise<string> {
  const { quorumBps, approvalBps: threshold } = await classThresholds(
    sys,
    Number(await sys.governor.proposalClass(p.id)),
    p.snapshot,
  );
  const quorum = ((await sys.membership.getPastTotalSupply(p.snapshot)) * quorumBps) / 10_000n;
  const reasons: string[] = [];
  const participation = p.for + p.against + p.abstain;
  if (participation < quorum) reasons.push(`participation ${participation} below the quorum of ${quorum}`);
  if (!(p.for * 10_000n > threshold * (p.for + p.against))) {
    reasons.push(`For ${p.for} not above ${threshold} bps of For + Against (${p.for + p.against})`);
  }
  return reasons.join(" and ") || "vote failed";
}

/**
 * Checks that `voter` can vote on proposal `id` now: voting open, not voted yet, and a member with
 * weight at the proposal's snapshot. Returns the voter's weight.
 */
export async function checkCanVote(
  sys: System,
  labels: Labels | undefined,
  id: bigint,
  voter: string,
): Promise<bigint> {
  const p = await loadProposal(sys, id);
  const now = await chainNow(sys);
  if (p.state === 0) {
    throw new GovError(`voting on proposal #${id} has not started: it opens after ${formatTimeFrom(p.snapshot, now)}`);
  }
  if (p.state === 2) {
    throw new GovError(`proposal #${id} was cancelled: it can no longer be voted on`);
  }
  if (p.state !== 1) {
    throw new GovError(
      `voting on proposal #${id} is closed: it is ${p.stateName}; the vote ended ${formatTimeFrom(p.deadline, now)}`,
    );
  }
  if (await sys.governor.hasVoted(id, voter)) {
    const previous = (await votesOn(sys, id)).find((v) => v.voter.toLowerCase() === voter.toLowerCase());
    const how = previous ? ` (${SUPPORT_NAMES[previous.support]})` : "";
    throw new GovError(`${labelAddress(labels, voter)} has already voted on proposal #${id}${how}`);
  }
  const weight = await sys.governor.getVotes(voter, p.snapshot);
  if (weight === 0n && (await sys.membership.isSuspended(voter))) {
    throw new GovError(
      `${labelAddress(labels, voter)} cannot vote on proposal #${id}: its key is suspended (governance restores or replaces it)`,
    );
  }
  if (weight === 0n) {
    throw new GovError(
      `${labelAddress(labels, voter)} cannot vote on proposal #${id}: it was not a member (no voting weight) at the proposal's snapshot`,
    );
  }
  return weight;
}

/** One step of a proposal's life on chain: the transaction that made it, and when. */
export interface ProposalStep {
  step: "proposed" | "queued" | "executed" | "cancelled" | "cancelled by the guardian";
  transactionHash: string;
  blockNumber: number;
  /** The block's timestamp (seconds). */
  time: bigint;
  /** The timelock ETA (queued only). */
  eta?: bigint;
  /** The guardian's reason (cancelled by the guardian only). */
  reason?: string;
}

const STEP_OF: Record<string, ProposalStep["step"]> = {
  ProposalCreated: "proposed",
  ProposalQueued: "queued",
  ProposalExecuted: "executed",
  ProposalCanceled: "cancelled",
  ProposalCancelledByGuardian: "cancelled by the guardian",
};

/** The proposed, queued, executed and cancelled steps of proposal `id`, in chain order, from the governor's events. */
export async function proposalHistory(sys: System, id: bigint): Promise<ProposalStep[]> {
  const steps: ProposalStep[] = [];
  const times = new Map<number, bigint>();
  for (const log of await governorLogs(sys, Object.keys(STEP_OF))) {
    const parsed = sys.governor.interface.parseLog(log);
    if (!parsed || parsed.args.proposalId !== id) continue;
    if (!times.has(log.blockNumber)) {
      const block = await sys.provider.getBlock(log.blockNumber);
      times.set(log.blockNumber, BigInt(block?.timestamp ?? 0));
    }
    steps.push({
      step: STEP_OF[parsed.name],
      transactionHash: log.transactionHash,
      blockNumber: log.blockNumber,
      time: times.get(log.blockNumber) as bigint,
      ...(parsed.name === "ProposalQueued" ? { eta: parsed.args.etaSeconds as bigint } : {}),
      ...(parsed.name === "ProposalCancelledByGuardian" ? { reason: parsed.args.reason as string } : {}),
    });
  }
  return steps;
}

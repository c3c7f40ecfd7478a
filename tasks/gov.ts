import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { task, types } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import { type ProposalCall, actionHelp, buildAction, readCallsFile, simulate } from "./lib/actions";
import { readDeployment } from "./lib/deployment";
import {
  type Labels,
  SUPPORT_NAMES,
  bps,
  describeCall,
  duration,
  formatTime,
  formatTimeFrom,
  labelAddress,
  loadLabels,
  percent,
  withLabels,
} from "./lib/describe";
import { GovError, readJsonFile } from "./lib/errors";
import { type CommonArgs, withDeployment, withKeys } from "./lib/options";
import { parseAddress, parseProposalId, parseSupport, parseWhole } from "./lib/parse";
import {
  chainNow,
  checkCanVote,
  classThresholds,
  classifyCalls,
  defeatReason,
  loadProposal,
  proposalDescriptions,
  proposalHistory,
  requireProposal,
  votesOn,
} from "./lib/proposal";
import { resolveOfflineSigner, resolveSigner } from "./lib/signer";
import { type System, chainIdOf, loadSystem } from "./lib/system";
import { reporter, withJson } from "./lib/output";
import { oneLineErrors, print, sendChecked } from "./lib/tx";

const withJsonFlag = (t: ConfigurableTaskDefinition) => withJson(withDeployment(t));

/** The EIP-712 domain name of the governor (its constructor's name). */
export const GOVERNOR_NAME = "ConsortiumGovernor";
/** The kind tag of the vote files gov:sign-vote writes and gov:relay-vote reads. */
export const BALLOT_FILE_KIND = "consortium-governor-ballot";

const BALLOT_TYPES = {
  Ballot: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "voter", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};
const EXTENDED_BALLOT_TYPES = {
  ExtendedBallot: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "voter", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "reason", type: "string" },
    { name: "params", type: "bytes" },
  ],
};

/** Prints a proposal's calls, decoded, numbered from 1. */
function printCalls(
  sys: System,
  labels: Labels,
  calls: { target: string; value: bigint; data: string }[],
  indent = "  ",
  line: (text: string) => void = print,
) {
  calls.forEach((c, i) => {
    const decoded = describeCall(sys, labels, c.target, c.value, c.data);
    line(`${indent}${i + 1}. ${decoded.call}`);
    if (decoded.words) line(`${indent}   → ${decoded.words}`);
  });
}

/** Tallies of a proposal against its quorum and approval threshold, as printed by gov:show. */
async function printTallies(
  sys: System,
  p: Awaited<ReturnType<typeof loadProposal>>,
  now: bigint,
  line: (text: string) => void = print,
) {
  const snapshotPassed = p.snapshot < now;
  const [totalWeight, { className, quorumBps, approvalBps }] = await Promise.all([
    snapshotPassed ? sys.membership.getPastTotalSupply(p.snapshot) : sys.membership.totalWeight(),
    sys.governor.proposalClass(p.id).then((c) => classThresholds(sys, Number(c), p.snapshot)),
  ]);
  const quorum = (totalWeight * quorumBps) / 10_000n;
  const participation = p.for + p.against + p.abstain;
  const weightNote = snapshotPassed ? "at the snapshot" : "now (the snapshot is still ahead)";
  line(`  total weight:  ${totalWeight} ${weightNote}`);
  line(
    `  votes:         For ${p.for} (${percent(p.for, totalWeight)}), Against ${p.against} (${percent(p.against, totalWeight)}), ` +
      `Abstain ${p.abstain} (${percent(p.abstain, totalWeight)})`,
  );
  const quorumStatus =
    participation >= quorum ? "reached" : `not reached: ${quorum - participation} more weight must vote`;
  line(
    `  quorum:        ${quorum} needed (${className}: ${bps(quorumBps)} of ${totalWeight}); participation ${participation} ` +
      `(${percent(participation, totalWeight)}), ${quorumStatus}`,
  );
  const decided = p.for + p.against;
  const approved = p.for * 10_000n > approvalBps * decided;
  const approvalNow = decided === 0n ? "no For or Against votes yet" : `approval now ${percent(p.for, decided)}`;
  line(
    `  approval:      For / (For + Against) must be above ${percent(approvalBps, 10_000n)} (${approvalBps} bps); ` +
      `${approvalNow}, ${approved ? "met" : "not met"}`,
  );
  return {
    className,
    totalWeight,
    quorum,
    quorumBps,
    approvalBps,
    participation,
    quorumReached: participation >= quorum,
    approved,
  };
}

/** The class of a proposal and why: which of its actions are sensitive. */
function printClass(
  sys: System,
  labels: Labels,
  proposalClass: number,
  classified: Awaited<ReturnType<typeof classifyCalls>>,
  line: (text: string) => void = print,
) {
  const why = classified.calls
    .map((c, i) => (c.sensitive ? `action ${i + 1} is sensitive: ${c.reason}` : undefined))
    .filter((w): w is string => w !== undefined);
  const name = proposalClass === 1 ? "sensitive" : "routine";
  line(
    `  class:         ${name} (${why.length > 0 ? why.join("; ") : "no action is sensitive"}): the ${name} quorum and approval threshold apply`,
  );
}

async function showProposal(sys: System, idArg: unknown, json = false) {
  const out = reporter(json);
  const line = out.line;
  const id = await requireProposal(sys, idArg);
  const [p, labels, descriptions, votes, now, history] = await Promise.all([
    loadProposal(sys, id),
    loadLabels(sys),
    proposalDescriptions(sys),
    votesOn(sys, id),
    chainNow(sys),
    proposalHistory(sys, id),
  ]);
  const description = descriptions.get(id) ?? "(description not found in the governor's events)";
  const [title, ...rest] = description.split("\n");
  while (rest.length > 0 && rest[0].trim() === "") rest.shift();
  line(`Proposal #${id}: ${title}`);
  for (const text of rest) line(`  | ${text}`.trimEnd());
  let stateLine = p.stateName;
  if (p.state === 0) stateLine += `: voting opens after ${formatTimeFrom(p.snapshot, now)}`;
  if (p.state === 1) stateLine += `: voting open until ${formatTimeFrom(p.deadline, now)}`;
  if (p.state === 3) stateLine += `: ${await defeatReason(sys, p)}`;
  if (p.state === 4) stateLine += ": passed; anyone may queue it with gov:queue";
  if (p.state === 5) {
    stateLine += p.eta <= now ? ": ETA reached; anyone may execute it with gov:execute" : ": executable after the ETA";
  }
  line(`  state:         ${stateLine}`);
  line(`  proposer:      ${labelAddress(labels, p.proposer)}`);
  const calls = p.targets.map((target, i) => ({ target, value: p.values[i], data: p.calldatas[i] }));
  printClass(sys, labels, Number(await sys.governor.proposalClass(id)), await classifyCalls(sys, labels, calls), line);
  line(`  actions (${p.targets.length}):`);
  printCalls(
    sys,
    labels,
    p.targets.map((target, i) => ({ target, value: p.values[i], data: p.calldatas[i] })),
    "    ",
    line,
  );
  line(`  snapshot:      ${formatTimeFrom(p.snapshot, now)}: weights are counted at this time`);
  line(`  deadline:      ${formatTimeFrom(p.deadline, now)}: last moment to vote`);
  line(`  eta:           ${p.eta === 0n ? "none (not queued)" : formatTimeFrom(p.eta, now)}`);
  const tallies = await printTallies(sys, p, now, line);
  line(`  voters (${votes.length}):`);
  for (const v of votes) {
    const reason = v.reason ? ` "${v.reason}"` : "";
    line(`    ${labelAddress(labels, v.voter)}: ${SUPPORT_NAMES[v.support]} with weight ${v.weight}${reason}`);
  }
  const voted = new Set(votes.map((v) => v.voter.toLowerCase()));
  const missing = [...labels.members.values()].filter((m) => !voted.has(m.account.toLowerCase()));
  if (missing.length > 0 && p.state <= 1) {
    line(`  not voted yet: ${missing.map((m) => `${m.name} (${m.weight})`).join(", ")}`);
  }
  line(`  history (${history.length}):`);
  for (const h of history) {
    const eta = h.eta !== undefined ? `, ETA ${formatTime(h.eta)}` : "";
    const reason = h.reason !== undefined ? ` "${h.reason}"` : "";
    line(
      `    ${h.step.padEnd(10)} ${formatTime(h.time)} in block ${h.blockNumber}, transaction ${h.transactionHash}${eta}${reason}`,
    );
  }
  return out.done({
    ...withLabels(labels, p, "proposer"),
    description,
    votes: votes.map((v) => withLabels(labels, v, "voter")),
    history,
    ...tallies,
  });
}

withDeployment(
  task(
    "gov:propose",
    "Proposes governance actions after a dry run as the timelock (refused if one would fail, unless --force)",
  )
    .addOptionalParam("description", "What the proposal does and why (required; first line is its title)")
    .addOptionalParam("action", "One named action (a proposal's first; more as positional arguments)")
    .addOptionalParam("calls", "A JSON file of raw calls: [{target, value?, signature, args} | {target, value?, data}]")
    .addFlag("dryRun", "Only simulate each action as the timelock would execute it; send nothing")
    .addFlag("force", "Propose even when the dry run (always run first) says an action would fail")
    .addOptionalParam("from", "The network account to use: its address or index (default: account 0)")
    .addOptionalParam("keystore", "An encrypted JSON keystore to sign with")
    .addOptionalVariadicPositionalParam(
      "actions",
      `Named actions, each one quoted argument: ${actionHelp()}`,
      [],
      types.string,
    ),
).setAction(
  async (
    args: CommonArgs & {
      description?: string;
      action?: string;
      calls?: string;
      dryRun: boolean;
      force: boolean;
      actions: string[];
    },
    hre: HardhatRuntimeEnvironment,
  ) =>
    oneLineErrors(async () => {
      const description = (args.description ?? "").trim();
      if (description === "") throw new GovError("--description is required: say what the proposal does and why");
      // Hardhat takes an option once: --action gives one action, positional arguments any number.
      const actions = [...(args.action !== undefined ? [args.action] : []), ...args.actions];
      if (actions.length === 0 && !args.calls) {
        throw new GovError(`nothing to propose: give named actions (${actionHelp()}) or --calls <file.json>`);
      }
      const sys = await loadSystem(hre, args.deployment);
      const calls: ProposalCall[] = [];
      for (const text of actions) calls.push(...(await buildAction(sys, text)));
      if (args.calls) calls.push(...(await readCallsFile(sys, args.calls)));
      const labels = await loadLabels(sys);

      const classified = await classifyCalls(sys, labels, calls);
      const results = await simulate(sys, labels, calls);
      // the governor's anti-bricking rules refuse such a proposal when it is made
      classified.calls.forEach((c, i) => {
        if (c.refused && results[i].ok)
          results[i] = { ...results[i], ok: false, reason: `refused when proposed: ${c.reason}` };
      });
      const first = results.findIndex((r) => !r.ok);
      const failed = results.filter((r) => !r.ok).length;
      const printResults = (all: boolean) =>
        results.forEach((r, i) => {
          if (!all && r.ok) return;
          const decoded = describeCall(sys, labels, r.call.target, r.call.value, r.call.data);
          print(`  ${i + 1}. ${r.ok ? "OK  " : "FAIL"} ${decoded.call}`);
          if (!r.ok) print(`          ${r.reason}`);
          for (const line of all ? (r.call.preview ?? []) : []) print(`          ${line}`);
        });
      if (args.dryRun) {
        print(`Dry run of "${description.split("\n")[0]}": ${calls.length} action(s) simulated as the timelock`);
        print(`(${sys.deployment.addresses.timelock}) would execute them, each on the current state:`);
        printResults(true);
        if (failed > 0) {
          throw new GovError(
            `dry run: ${failed} of ${results.length} action(s) would fail (first: action ${first + 1}, ` +
              `${results[first].reason}); nothing was sent`,
          );
        }
        const now = await chainNow(sys);
        const cls = await classThresholds(sys, classified.className === "sensitive" ? 1 : 0, now);
        printClass(sys, labels, classified.className === "sensitive" ? 1 : 0, classified);
        print(
          `  (now: quorum ${bps(cls.quorumBps)} of the total weight, For above ${bps(cls.approvalBps)} of For + Against)`,
        );
        print(`Dry run: all ${results.length} action(s) succeed; nothing was sent.`);
        return { dryRun: true, results, className: classified.className };
      }
      if (failed > 0 && !args.force && !classified.refused) {
        print(`Dry run: ${failed} of ${results.length} action(s) would fail as the timelock on the current state:`);
        printResults(false);
        const call = describeCall(
          sys,
          labels,
          results[first].call.target,
          results[first].call.value,
          results[first].call.data,
        );
        throw new GovError(
          `not proposed: action ${first + 1} (${call.call}) would fail on chain: ${results[first].reason}; ` +
            `nothing was sent (--force proposes it anyway, e.g. when an earlier action makes it succeed)`,
        );
      }
      if (failed > 0 && !classified.refused) {
        print(`--force: proposing although ${failed} action(s) would fail on the current state:`);
        printResults(false);
      } else if (failed === 0) {
        print(`Dry run: all ${results.length} action(s) succeed as the timelock on the current state.`);
      }

      if (classified.refused) throw new GovError(`the governor refuses this proposal: ${classified.refused}`);
      const signer = await resolveSigner(hre, args);
      const [weight, threshold] = await Promise.all([
        sys.membership.getVotes(signer.address),
        sys.governor.proposalThreshold(),
      ]);
      if (weight < threshold) {
        throw new GovError(
          `${labelAddress(labels, signer.address)} cannot propose: it has weight ${weight} and proposing needs ${threshold} (members only)`,
        );
      }
      const targets = calls.map((c) => c.target);
      const values = calls.map((c) => c.value);
      const calldatas = calls.map((c) => c.data);
      const existing = await sys.governor
        .getProposalId(targets, values, calldatas, ethers.id(description))
        .catch(() => undefined);
      if (existing !== undefined) {
        throw new GovError(`an identical proposal (same actions and description) already exists: #${existing}`);
      }
      print(`Proposing "${description.split("\n")[0]}" from ${labelAddress(labels, signer.address)}:`);
      printCalls(sys, labels, calls);
      printClass(sys, labels, classified.className === "sensitive" ? 1 : 0, classified);
      const receipt = await sendChecked(
        sys,
        labels,
        signer,
        sys.governor,
        "propose",
        [targets, values, calldatas, description],
        "the proposal",
      );
      let proposalId: bigint | undefined;
      for (const log of receipt.logs) {
        const parsed = sys.governor.interface.parseLog(log);
        if (parsed?.name === "ProposalCreated") proposalId = parsed.args.proposalId as bigint;
      }
      if (proposalId === undefined) throw new GovError(`no ProposalCreated event in transaction ${receipt.hash}`);
      const [snapshot, deadline] = await Promise.all([
        sys.governor.proposalSnapshot(proposalId),
        sys.governor.proposalDeadline(proposalId),
      ]);
      print(`Proposal #${proposalId} created in transaction ${receipt.hash}.`);
      print(`Voting opens after ${formatTime(snapshot)} and closes at ${formatTime(deadline)}.`);
      return proposalId;
    })(args),
);

withJsonFlag(
  task(
    "gov:show",
    "Shows a proposal: its actions in words, state, tallies against quorum and approval, voters",
  ).addPositionalParam("proposalId", "The proposal number"),
).setAction(async (args: CommonArgs & { proposalId: string; json?: boolean }, hre) =>
  oneLineErrors(async () => showProposal(await loadSystem(hre, args.deployment), args.proposalId, args.json))(args),
);

withJsonFlag(task("gov:list", "Lists every proposal with its state and title")).setAction(
  async (args: CommonArgs & { json?: boolean }, hre) =>
    oneLineErrors(async () => {
      const out = reporter(args.json);
      const sys = await loadSystem(hre, args.deployment);
      const count = await sys.governor.proposalCount();
      const descriptions = await proposalDescriptions(sys);
      if (count === 0n) {
        out.line("No proposals yet.");
        return out.done([]);
      }
      out.line(`${count} proposal(s) on governor ${sys.deployment.addresses.governor}:`);
      out.line(
        `  ${"#".padEnd(5)}${"state".padEnd(11)}${"for/against/abstain".padEnd(21)}${"deadline".padEnd(25)}title`,
      );
      const rows = [];
      for (let i = 0n; i < count; i++) {
        const [id] = await sys.governor.proposalDetailsAt(i);
        const p = await loadProposal(sys, id);
        const title = (descriptions.get(id) ?? "").split("\n")[0];
        const tally = `${p.for}/${p.against}/${p.abstain}`;
        out.line(
          `  ${`${id}`.padEnd(5)}${p.stateName.padEnd(11)}${tally.padEnd(21)}${formatTime(p.deadline).padEnd(25)}${title}`,
        );
        rows.push({
          id,
          state: p.stateName,
          for: p.for,
          against: p.against,
          abstain: p.abstain,
          title,
        });
      }
      return out.done(rows);
    })(args),
);

withKeys(
  task("gov:vote", "Votes on a proposal with a member's key")
    .addPositionalParam("proposalId", "The proposal number")
    .addPositionalParam("support", "for, against or abstain")
    .addOptionalParam("reason", "A reason recorded with the vote"),
).setAction(async (args: CommonArgs & { proposalId: string; support: string; reason?: string }, hre) =>
  oneLineErrors(async () => {
    const support = parseSupport(args.support);
    parseProposalId(args.proposalId);
    const sys = await loadSystem(hre, args.deployment);
    const id = await requireProposal(sys, args.proposalId);
    const signer = await resolveSigner(hre, args);
    const labels = await loadLabels(sys);
    const weight = await checkCanVote(sys, labels, id, signer.address);
    const receipt = args.reason
      ? await sendChecked(
          sys,
          labels,
          signer,
          sys.governor,
          "castVoteWithReason",
          [id, support, args.reason],
          "the vote",
        )
      : await sendChecked(sys, labels, signer, sys.governor, "castVote", [id, support], "the vote");
    print(
      `${labelAddress(labels, signer.address)} voted ${SUPPORT_NAMES[support]} on proposal #${id} with weight ${weight} ` +
        `(transaction ${receipt.hash}).`,
    );
    const p = await loadProposal(sys, id);
    print(`Tally: For ${p.for}, Against ${p.against}, Abstain ${p.abstain}.`);
    return { proposalId: id, support, weight, transactionHash: receipt.hash };
  })(args),
);

/** The JSON a gov:sign-vote file holds. */
export interface BallotFile {
  kind: typeof BALLOT_FILE_KIND;
  domain: { name: string; version: string; chainId: string; verifyingContract: string };
  proposalId: string;
  support: number;
  supportName: string;
  voter: string;
  nonce: string;
  reason?: string;
  params?: string;
  signature: string;
}

withKeys(
  task("gov:sign-vote", "Signs a vote (EIP-712 Ballot) into a file for someone else to relay; works offline")
    .addPositionalParam("proposalId", "The proposal number")
    .addPositionalParam("support", "for, against or abstain")
    .addOptionalParam("out", "The file to write the signed vote to (required; never overwritten)")
    .addOptionalParam("reason", "A reason recorded with the vote (signs an ExtendedBallot)")
    .addOptionalParam("chainId", "The chain id (offline signing; default: the network's)")
    .addOptionalParam("governor", "The governor's address (default: the deployment's)")
    .addOptionalParam("nonce", "The voter's governor nonce (offline signing; default: governor.nonces(voter))"),
).setAction(
  async (
    args: CommonArgs & {
      proposalId: string;
      support: string;
      out?: string;
      reason?: string;
      chainId?: string;
      governor?: string;
      nonce?: string;
    },
    hre,
  ) =>
    oneLineErrors(async () => {
      const id = parseProposalId(args.proposalId);
      const support = parseSupport(args.support);
      if (!args.out) throw new GovError("--out <file> is required: where to write the signed vote");
      const out = path.resolve(args.out);
      if (fs.existsSync(out)) throw new GovError(`--out ${out} already exists: choose a new file`);
      if (!fs.existsSync(path.dirname(out))) throw new GovError(`--out: no folder ${path.dirname(out)}`);
      const givenChainId = args.chainId !== undefined ? parseWhole(args.chainId, "--chain-id", 1n) : undefined;
      const givenGovernor = args.governor !== undefined ? parseAddress(args.governor, "--governor") : undefined;
      const givenNonce = args.nonce !== undefined ? parseWhole(args.nonce, "--nonce") : undefined;
      const offline = givenChainId !== undefined && givenNonce !== undefined;

      const signer = await resolveOfflineSigner(hre, args);
      const voter = ethers.getAddress(signer.address);
      let chainId: bigint;
      let governor: string;
      let version = "1";
      let nonce: bigint;
      if (offline) {
        chainId = givenChainId;
        governor = givenGovernor ?? (readDeployment(hre, chainId, args.deployment).addresses.governor as string);
        nonce = givenNonce;
      } else {
        const networkChainId = await chainIdOf(hre);
        if (givenChainId !== undefined && givenChainId !== networkChainId) {
          throw new GovError(
            `--chain-id ${givenChainId} differs from network "${hre.network.name}" (chain ${networkChainId})`,
          );
        }
        const sys = await loadSystem(hre, args.deployment);
        chainId = sys.chainId;
        governor = sys.deployment.addresses.governor as string;
        if (givenGovernor && givenGovernor !== governor) {
          throw new GovError(`--governor ${givenGovernor} is not the deployment's governor ${governor}`);
        }
        await requireProposal(sys, id);
        const labels = await loadLabels(sys);
        const p = await loadProposal(sys, id);
        if (p.state === 2) throw new GovError(`proposal #${id} was cancelled: it can no longer be voted on`);
        if (p.state > 1) throw new GovError(`voting on proposal #${id} is closed: it is ${p.stateName}`);
        if (p.state === 1) await checkCanVote(sys, labels, id, voter);
        else if ((await sys.membership.weightOf(voter)) === 0n) {
          throw new GovError(`${labelAddress(labels, voter)} is not a member: it has no voting weight`);
        }
        version = await sys.governor.version();
        nonce = givenNonce ?? (await sys.governor.nonces(voter));
      }
      const domain = { name: GOVERNOR_NAME, version, chainId, verifyingContract: governor };
      const reason = args.reason;
      const signature =
        reason !== undefined
          ? await signer.signTypedData(domain, EXTENDED_BALLOT_TYPES, {
              proposalId: id,
              support,
              voter,
              nonce,
              reason,
              params: "0x",
            })
          : await signer.signTypedData(domain, BALLOT_TYPES, { proposalId: id, support, voter, nonce });
      const file: BallotFile = {
        kind: BALLOT_FILE_KIND,
        domain: { name: GOVERNOR_NAME, version, chainId: chainId.toString(), verifyingContract: governor },
        proposalId: id.toString(),
        support,
        supportName: SUPPORT_NAMES[support],
        voter,
        nonce: nonce.toString(),
        ...(reason !== undefined ? { reason, params: "0x" } : {}),
        signature,
      };
      fs.writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
      print(
        `Signed vote ${SUPPORT_NAMES[support]} on proposal #${id} by ${voter} (nonce ${nonce}, chain ${chainId}, ` +
          `governor ${governor}) written to ${out}.`,
      );
      print("Anyone may relay it with: npx hardhat gov:relay-vote <file> --network <network>");
      return file;
    })(args),
);

/** Reads and checks the shape of a gov:sign-vote file. */
function readBallotFile(file: string): BallotFile & { chainIdValue: bigint; nonceValue: bigint; id: bigint } {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) throw new GovError(`no signed vote file at ${resolved}`);
  const json = readJsonFile(resolved) as BallotFile;
  if (json?.kind !== BALLOT_FILE_KIND || typeof json.domain !== "object" || json.domain === null) {
    throw new GovError(`${resolved} is not a signed vote written by gov:sign-vote`);
  }
  if (json.domain.name !== GOVERNOR_NAME)
    throw new GovError(`${resolved}: signed for "${json.domain.name}", not ${GOVERNOR_NAME}`);
  if (typeof json.signature !== "string" || !ethers.isHexString(json.signature, 65)) {
    throw new GovError(`${resolved}: "signature" is not a 65-byte signature`);
  }
  if (![0, 1, 2].includes(json.support)) throw new GovError(`${resolved}: "support" must be 0, 1 or 2`);
  return {
    ...json,
    voter: parseAddress(json.voter, `${resolved} voter`),
    domain: { ...json.domain, verifyingContract: parseAddress(json.domain.verifyingContract, `${resolved} governor`) },
    chainIdValue: parseWhole(json.domain.chainId, `${resolved} chainId`),
    nonceValue: parseWhole(json.nonce, `${resolved} nonce`),
    id: parseProposalId(json.proposalId),
  };
}

withKeys(
  task(
    "gov:relay-vote",
    "Submits a vote signed with gov:sign-vote (castVoteBySig), from any account",
  ).addPositionalParam("file", "The signed vote file"),
).setAction(async (args: CommonArgs & { file: string }, hre) =>
  oneLineErrors(async () => {
    const ballot = readBallotFile(args.file);
    const sys = await loadSystem(hre, args.deployment);
    if (ballot.chainIdValue !== sys.chainId) {
      throw new GovError(
        `the vote was signed for chain ${ballot.chainIdValue}, but network "${hre.network.name}" is chain ${sys.chainId}`,
      );
    }
    const governor = sys.deployment.addresses.governor as string;
    if (ballot.domain.verifyingContract !== governor) {
      throw new GovError(
        `the vote was signed for governor ${ballot.domain.verifyingContract}, not this deployment's ${governor}`,
      );
    }
    const version = await sys.governor.version();
    if (ballot.domain.version !== version) {
      throw new GovError(
        `the vote was signed for governor version "${ballot.domain.version}", the governor is "${version}"`,
      );
    }
    const domain = { name: GOVERNOR_NAME, version, chainId: sys.chainId, verifyingContract: governor };
    const base = { proposalId: ballot.id, support: ballot.support, voter: ballot.voter, nonce: ballot.nonceValue };
    const extended = ballot.reason !== undefined;
    let recovered: string;
    try {
      recovered = extended
        ? ethers.verifyTypedData(
            domain,
            EXTENDED_BALLOT_TYPES,
            { ...base, reason: ballot.reason, params: ballot.params ?? "0x" },
            ballot.signature,
          )
        : ethers.verifyTypedData(domain, BALLOT_TYPES, base, ballot.signature);
    } catch {
      throw new GovError(`${args.file}: the signature is malformed`);
    }
    if (recovered !== ballot.voter) {
      throw new GovError(
        `${args.file}: the signature is not the voter's (it was made by ${recovered}, or the file was altered)`,
      );
    }
    const labels = await loadLabels(sys);
    const id = await requireProposal(sys, ballot.id);
    const weight = await checkCanVote(sys, labels, id, ballot.voter);
    const currentNonce = await sys.governor.nonces(ballot.voter);
    if (ballot.nonceValue !== currentNonce) {
      throw new GovError(
        ballot.nonceValue < currentNonce
          ? `the signature's nonce ${ballot.nonceValue} is used up (the voter's nonce is now ${currentNonce}): sign the vote again`
          : `the signature's nonce ${ballot.nonceValue} is ahead of the voter's nonce ${currentNonce}: relay the voter's earlier signed votes first`,
      );
    }
    const signer = await resolveSigner(hre, args);
    const receipt = extended
      ? await sendChecked(
          sys,
          labels,
          signer,
          sys.governor,
          "castVoteWithReasonAndParamsBySig",
          [id, ballot.support, ballot.voter, ballot.reason, ballot.params ?? "0x", ballot.signature],
          "the relayed vote",
        )
      : await sendChecked(
          sys,
          labels,
          signer,
          sys.governor,
          "castVoteBySig",
          [id, ballot.support, ballot.voter, ballot.signature],
          "the relayed vote",
        );
    print(
      `Relayed: ${labelAddress(labels, ballot.voter)} voted ${SUPPORT_NAMES[ballot.support]} on proposal #${id} ` +
        `with weight ${weight}, submitted by ${signer.address} (transaction ${receipt.hash}).`,
    );
    return { proposalId: id, voter: ballot.voter, support: ballot.support, weight, transactionHash: receipt.hash };
  })(args),
);

withKeys(
  task("gov:queue", "Queues a passed proposal in the timelock").addPositionalParam("proposalId", "The proposal number"),
).setAction(async (args: CommonArgs & { proposalId: string }, hre) =>
  oneLineErrors(async () => {
    parseProposalId(args.proposalId);
    const sys = await loadSystem(hre, args.deployment);
    const id = await requireProposal(sys, args.proposalId);
    const p = await loadProposal(sys, id);
    const now = await chainNow(sys);
    if (p.state !== 4) {
      const why =
        p.state === 0 || p.state === 1
          ? `its vote is still open until ${formatTimeFrom(p.deadline, now)}`
          : p.state === 3
            ? `it was defeated (${await defeatReason(sys, p)})`
            : p.state === 5
              ? `it is already queued, ETA ${formatTimeFrom(p.eta, now)}`
              : `it is ${p.stateName}`;
      throw new GovError(`proposal #${id} cannot be queued (only a Succeeded proposal can): ${why}`);
    }
    const signer = await resolveSigner(hre, args);
    const labels = await loadLabels(sys);
    const receipt = await sendChecked(sys, labels, signer, sys.governor, "queue(uint256)", [id], "queueing");
    const eta = await sys.governor.proposalEta(id);
    const delay = await sys.timelock.getMinDelay();
    print(`Proposal #${id} queued in the timelock (transaction ${receipt.hash}).`);
    print(
      `It can be executed after ${formatTime(eta)} (timelock delay ${duration(delay)}), by anyone, with gov:execute ${id}.`,
    );
    return { proposalId: id, eta, transactionHash: receipt.hash };
  })(args),
);

withKeys(
  task("gov:execute", "Executes a queued proposal once its timelock delay has passed").addPositionalParam(
    "proposalId",
    "The proposal number",
  ),
).setAction(async (args: CommonArgs & { proposalId: string }, hre) =>
  oneLineErrors(async () => {
    parseProposalId(args.proposalId);
    const sys = await loadSystem(hre, args.deployment);
    const id = await requireProposal(sys, args.proposalId);
    const p = await loadProposal(sys, id);
    const now = await chainNow(sys);
    if (p.state === 4) throw new GovError(`proposal #${id} has passed but is not queued: run gov:queue ${id} first`);
    if (p.state !== 5)
      throw new GovError(`proposal #${id} cannot be executed (only a Queued proposal can): it is ${p.stateName}`);
    if (p.eta > now) {
      throw new GovError(
        `proposal #${id} is in the timelock until ${formatTimeFrom(p.eta, now)}: execute it after its ETA`,
      );
    }
    const signer = await resolveSigner(hre, args);
    const labels = await loadLabels(sys);
    const value = p.values.reduce((a, b) => a + b, 0n);
    const receipt = await sendChecked(sys, labels, signer, sys.governor, "execute(uint256)", [id], "execution", {
      value,
    });
    print(`Proposal #${id} executed (transaction ${receipt.hash}):`);
    printCalls(
      sys,
      labels,
      p.targets.map((target, i) => ({ target, value: p.values[i], data: p.calldatas[i] })),
    );
    return { proposalId: id, transactionHash: receipt.hash };
  })(args),
);

withKeys(
  task("gov:cancel", "Cancels a proposal before its vote opens (its proposer only)").addPositionalParam(
    "proposalId",
    "The proposal number",
  ),
).setAction(async (args: CommonArgs & { proposalId: string }, hre) =>
  oneLineErrors(async () => {
    parseProposalId(args.proposalId);
    const sys = await loadSystem(hre, args.deployment);
    const id = await requireProposal(sys, args.proposalId);
    const p = await loadProposal(sys, id);
    if (p.state !== 0) {
      throw new GovError(
        `proposal #${id} can no longer be cancelled: it is ${p.stateName} (a proposer may cancel only before voting opens)`,
      );
    }
    const signer = await resolveSigner(hre, args);
    const labels = await loadLabels(sys);
    if (signer.address.toLowerCase() !== p.proposer.toLowerCase()) {
      throw new GovError(
        `only the proposer ${labelAddress(labels, p.proposer)} may cancel proposal #${id}, not ${labelAddress(labels, signer.address)}`,
      );
    }
    const receipt = await sendChecked(sys, labels, signer, sys.governor, "cancel(uint256)", [id], "cancelling");
    print(`Proposal #${id} cancelled (transaction ${receipt.hash}).`);
    return { proposalId: id, transactionHash: receipt.hash };
  })(args),
);

withKeys(
  task(
    "gov:guardian-cancel",
    "The proposal guardian cancels a proposal not yet executed (also a queued one), with a reason recorded on chain",
  )
    .addPositionalParam("proposalId", "The proposal number")
    .addOptionalParam("reason", "Why the guardian cancels it (required; recorded in ProposalCancelledByGuardian)")
    .addFlag("dryRun", "Check that the guardian may cancel it now; send nothing"),
).setAction(async (args: CommonArgs & { proposalId: string; reason?: string; dryRun: boolean }, hre) =>
  oneLineErrors(async () => {
    parseProposalId(args.proposalId);
    const reason = (args.reason ?? "").trim();
    if (reason === "") throw new GovError("--reason is required: say why the guardian cancels the proposal");
    const sys = await loadSystem(hre, args.deployment);
    const id = await requireProposal(sys, args.proposalId);
    const p = await loadProposal(sys, id);
    if ([2, 6, 7].includes(p.state)) {
      throw new GovError(`proposal #${id} cannot be cancelled: it is already ${p.stateName}`);
    }
    const signer = await resolveSigner(hre, args);
    const labels = await loadLabels(sys);
    const guardian = ethers.getAddress(await sys.governor.proposalGuardian());
    if (ethers.getAddress(signer.address) !== guardian) {
      throw new GovError(
        `only the proposal guardian ${labelAddress(labels, guardian)} may cancel with a reason, not ${labelAddress(labels, signer.address)}`,
      );
    }
    if (args.dryRun) {
      await sys.governor.connect(signer).guardianCancel.staticCall(id, reason);
      print(
        `Dry run: the guardian may cancel proposal #${id} (${p.stateName}) with reason "${reason}"; nothing was sent.`,
      );
      return { dryRun: true, proposalId: id, state: p.stateName };
    }
    const receipt = await sendChecked(
      sys,
      labels,
      signer,
      sys.governor,
      "guardianCancel",
      [id, reason],
      "the guardian's cancellation",
    );
    print(`Proposal #${id} (${p.stateName}) cancelled by the guardian: "${reason}" (transaction ${receipt.hash}).`);
    return { proposalId: id, reason, transactionHash: receipt.hash };
  })(args),
);

withKeys(
  task("gov:suspend-key", "Suspends a member's key at once (the guardian, or the member's registered recovery account)")
    .addPositionalParam("account", "The member key to suspend")
    .addFlag("dryRun", "Check that the key may be suspended by this account now; send nothing"),
).setAction(async (args: CommonArgs & { account: string; dryRun: boolean }, hre) =>
  oneLineErrors(async () => {
    const account = parseAddress(args.account, "account");
    const sys = await loadSystem(hre, args.deployment);
    const labels = await loadLabels(sys);
    const m = sys.membership;
    if (!(await m.isMember(account))) throw new GovError(`${labelAddress(labels, account)} is not a member`);
    if (await m.isSuspended(account)) throw new GovError(`${labelAddress(labels, account)} is already suspended`);
    const signer = await resolveSigner(hre, args);
    const [isGuardian, recovery] = await Promise.all([
      m.hasRole(await m.GUARDIAN_ROLE(), signer.address),
      m.recoveryAccountOf(account),
    ]);
    const by = isGuardian ? "the guardian" : "the member's recovery account";
    if (!isGuardian && ethers.getAddress(recovery) !== ethers.getAddress(signer.address)) {
      throw new GovError(
        `${labelAddress(labels, signer.address)} may not suspend ${labelAddress(labels, account)}: only the guardian or the member's own recovery account may`,
      );
    }
    const [active, minimum] = await Promise.all([m.activeMemberCount(), m.minimumMembers()]);
    if (active - 1n < minimum) {
      throw new GovError(
        `suspending ${labelAddress(labels, account)} would leave ${active - 1n} active member(s), below the minimum of ${minimum}: governance must restore or replace a suspended key first`,
      );
    }
    const weight = await m.weightOf(account);
    if (args.dryRun) {
      await m.connect(signer).suspend.staticCall(account);
      print(
        `Dry run: ${by} may suspend ${labelAddress(labels, account)} (weight ${weight}); ${active - 1n} active member(s) would remain; nothing was sent.`,
      );
      return { dryRun: true, account, weight };
    }
    const receipt = await sendChecked(sys, labels, signer, m, "suspend", [account], "the suspension");
    print(
      `${labelAddress(labels, account)} suspended by ${by} (transaction ${receipt.hash}): it can no longer vote, ` +
        `propose or have signed votes relayed; its weight ${weight} left the total. Governance restores it ` +
        `(restore-member) or moves the membership to a new key (replace-member).`,
    );
    return { account, weight, transactionHash: receipt.hash };
  })(args),
);

import fs from "node:fs";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { closeVoting, openVoting, reachEta, runTask, tasksFixture, tmpFile } from "./helpers";

const SUPPLY_ROLE = ethers.id("SUPPLY_ROLE");

describe("tasks: a full governance round from the command line", () => {
  it("proposes, votes (online and by relayed signature), queues, executes, and shows every step", async () => {
    const f = await loadFixture(tasksFixture);
    const [newcomer, newAgent] = f.others;
    const deployment = f.deployment;

    // propose: three actions on three contracts (membership, security token, governor itself)
    const proposed = await runTask<bigint>("gov:propose", {
      deployment,
      from: "1",
      description: "Admit Shenzhen Bank\n\nShenzhen Bank joins with weight 10; a new transfer agent; quorum 60%.",
      actions: [
        `add-member ${newcomer.address} 10 'Shenzhen Bank' https://members.example/shenzhen-bank`,
        `grant-role security-token SUPPLY_ROLE ${newAgent.address}`,
        "set-quorum 6000",
      ],
    });
    const id = proposed.result;
    expect(id).to.equal(1n);
    expect(proposed.text).to.include("Proposal #1 created");
    expect(await f.governor.proposalProposer(id)).to.equal(f.bank.address);

    // show while pending: the actions in words
    const pending = await runTask("gov:show", { deployment, proposalId: "1" });
    expect(pending.lines[0]).to.equal("Proposal #1: Admit Shenzhen Bank");
    expect(pending.text).to.match(/state: +Pending: voting opens after /);
    expect(pending.text).to.include(`proposer:      ${f.bank.address} (Pearl River Bank)`);
    expect(pending.text).to.include(
      `1. membership.addMember(account=${newcomer.address}, weight=10, name="Shenzhen Bank", uri="https://members.example/shenzhen-bank")`,
    );
    expect(pending.text).to.include(`→ admit ${newcomer.address} as member "Shenzhen Bank" with weight 10`);
    expect(pending.text).to.include(`→ grant SUPPLY_ROLE on security-token to ${newAgent.address}`);
    expect(pending.text).to.include("3. governor.updateQuorumNumerator(newQuorumNumerator=6000)");
    expect(pending.text).to.include("→ set the quorum to 6000 bps (60.00%) of the total weight");
    expect(pending.text).to.match(/eta: +none \(not queued\)/);

    // vote: Pearl River Bank online, Nanshan Securities by signature relayed by the deployer
    await openVoting(f, id);
    const vote = await runTask("gov:vote", {
      deployment,
      from: "1",
      proposalId: "1",
      support: "for",
      reason: "Welcome",
    });
    expect(vote.text).to.include(`${f.bank.address} (Pearl River Bank) voted For on proposal #1 with weight 40`);

    const ballotFile = tmpFile("ballot.json");
    const signed = await runTask("gov:sign-vote", {
      deployment,
      from: f.securities.address,
      proposalId: "1",
      support: "for",
      out: ballotFile,
    });
    expect(signed.text).to.include(`Signed vote For on proposal #1 by ${f.securities.address}`);
    const ballot = JSON.parse(fs.readFileSync(ballotFile, "utf8"));
    expect(ballot).to.include({ proposalId: "1", support: 1, voter: f.securities.address, nonce: "0" });
    expect(ballot.domain).to.deep.equal({
      name: "ConsortiumGovernor",
      version: "1",
      chainId: "31337",
      verifyingContract: f.addresses["Governance#ConsortiumGovernor"],
    });

    const relayerNonce = await ethers.provider.getTransactionCount(f.deployer.address);
    const voterNonce = await ethers.provider.getTransactionCount(f.securities.address);
    const relayed = await runTask("gov:relay-vote", { deployment, from: "0", file: ballotFile });
    expect(relayed.text).to.include(
      `Relayed: ${f.securities.address} (Nanshan Securities) voted For on proposal #1 with weight 35`,
    );
    expect(await ethers.provider.getTransactionCount(f.deployer.address)).to.equal(relayerNonce + 1);
    // The voter signed offline: it sent nothing itself.
    expect(await ethers.provider.getTransactionCount(f.securities.address)).to.equal(voterNonce);
    expect(await f.governor.hasVoted(id, f.securities.address)).to.equal(true);

    // show during the vote: tallies against quorum and approval, who voted how
    const active = await runTask("gov:show", { deployment, proposalId: "1" });
    expect(active.text).to.match(/state: +Active: voting open until /);
    expect(active.text).to.include("total weight:  100 at the snapshot");
    expect(active.text).to.include("votes:         For 75 (75.00%), Against 0 (0.00%), Abstain 0 (0.00%)");
    expect(active.text).to.include(
      "quorum:        66 needed (sensitive: 6667 bps (66.67%) of 100); participation 75 (75.00%), reached",
    );
    expect(active.text).to.include(
      "approval:      For / (For + Against) must be above 66.67% (6667 bps); approval now 100.00%, met",
    );
    expect(active.text).to.include(`${f.bank.address} (Pearl River Bank): For with weight 40 "Welcome"`);
    expect(active.text).to.include(`${f.securities.address} (Nanshan Securities): For with weight 35`);
    expect(active.text).to.include("not voted yet: Qianhai Insurance (25)");

    // queue after the vote, execute after the timelock delay
    await closeVoting(f, id);
    const queued = await runTask<{ transactionHash: string }>("gov:queue", { deployment, from: "3", proposalId: "1" });
    expect(queued.text).to.include("Proposal #1 queued in the timelock");
    expect(queued.text).to.include("timelock delay 1 h");
    const shownQueued = await runTask("gov:show", { deployment, proposalId: "1" });
    expect(shownQueued.text).to.match(/state: +Queued: executable after the ETA/);
    expect(shownQueued.text).to.match(/eta: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 1 h\)/);

    await reachEta(f, id);
    const executed = await runTask<{ transactionHash: string }>("gov:execute", {
      deployment,
      from: "9",
      proposalId: "1",
    });
    expect(executed.text).to.include("Proposal #1 executed");

    // the history: which transactions proposed, queued and executed it, and when
    const history = await runTask<{ history: { step: string; transactionHash: string; time: bigint }[] }>("gov:show", {
      deployment,
      proposalId: "1",
      json: true,
    });
    expect(history.result.history.map((h) => h.step)).to.deep.equal(["proposed", "queued", "executed"]);
    expect(history.result.history[1].transactionHash).to.equal(queued.result.transactionHash);
    expect(history.result.history[2].transactionHash).to.equal(executed.result.transactionHash);
    const executedReceipt = await ethers.provider.getTransactionReceipt(executed.result.transactionHash);
    const executedAt = (await ethers.provider.getBlock(executedReceipt?.blockNumber ?? 0))?.timestamp;
    const shownExecuted = await runTask("gov:show", { deployment, proposalId: "1" });
    expect(shownExecuted.text).to.match(
      new RegExp(
        `queued +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC in block \\d+, transaction ${queued.result.transactionHash}, ETA `,
      ),
    );
    expect(shownExecuted.text).to.include(`transaction ${executed.result.transactionHash}`);
    expect(executedAt).to.not.equal(undefined);
    expect(history.result.history[2].time).to.equal(BigInt(executedAt as number));

    // the effects
    expect(await f.membership.isMember(newcomer.address)).to.equal(true);
    expect(await f.membership.weightOf(newcomer.address)).to.equal(10n);
    expect(await f.securityToken.hasRole(SUPPLY_ROLE, newAgent.address)).to.equal(true);
    expect(await f.governor["quorumNumerator()"]()).to.equal(6000n);

    // list and members reflect them
    const list = await runTask<{ id: bigint; state: string; title: string }[]>("gov:list", { deployment });
    expect(list.result).to.deep.equal([
      { id: 1n, state: "Executed", for: 75n, against: 0n, abstain: 0n, title: "Admit Shenzhen Bank" },
    ]);
    expect(list.text).to.include("1 proposal(s) on governor");
    expect(list.text).to.match(/ {2}1 {4}Executed {3}75\/0\/0 .* Admit Shenzhen Bank/);

    const members = await runTask("members", { deployment });
    expect(members.lines[0]).to.match(/^4 member\(s\), total weight 110 /);
    expect(members.text).to.match(
      new RegExp(`${newcomer.address} +10 +9\\.09% +Shenzhen Bank +https://members.example/shenzhen-bank`),
    );
    expect(members.text).to.match(new RegExp(`${f.bank.address} +40 +36\\.36% +Pearl River Bank`));
    expect(members.text).to.match(/total +110/);
    expect(members.text).to.include("quorum:         6000 bps (60.00%) of the total weight must vote");
    expect(members.text).to.include("timelock delay: 1 h between queueing and execution");

    // --json: the same register and rules as one JSON document, nothing else printed
    const json = JSON.parse((await runTask("members", { deployment, json: true })).text);
    expect(json.members).to.have.length(4);
    expect(json.members.find((m: { account: string }) => m.account === newcomer.address)).to.include({
      weight: "10",
      name: "Shenzhen Bank",
    });
    expect(json).to.include({ totalWeight: "110", quorumBps: "6000", timelockDelay: "3600" });
  });

  it("gov:list says when there are no proposals and lists several with their states", async () => {
    const f = await loadFixture(tasksFixture);
    expect((await runTask("gov:list", { deployment: f.deployment })).text).to.equal("No proposals yet.");
    await runTask("gov:propose", {
      deployment: f.deployment,
      from: "1",
      description: "Raise Qianhai Insurance to 30",
      actions: [`set-weight ${f.insurer.address} 30`],
    });
    await runTask("gov:propose", {
      deployment: f.deployment,
      from: "2",
      description: "Lower the approval threshold... no: raise it to two thirds",
      actions: ["set-approval-threshold 6667"],
    });
    await runTask("gov:cancel", { deployment: f.deployment, from: "2", proposalId: "2" });
    const list = await runTask("gov:list", { deployment: f.deployment });
    expect(list.lines[0]).to.match(/^2 proposal\(s\) on governor 0x[0-9a-fA-F]{40}:$/);
    expect(list.lines[2]).to.match(/^ {2}1 {4}Pending {4}0\/0\/0 .*Raise Qianhai Insurance to 30$/);
    expect(list.lines[3]).to.match(/^ {2}2 {4}Canceled {3}0\/0\/0 .*Lower the approval threshold/);
  });

  it("gov:show explains a defeat: quorum not reached, or approval not above the threshold", async () => {
    const f = await loadFixture(tasksFixture);
    const deployment = f.deployment;
    for (const weight of ["30", "31"]) {
      await runTask("gov:propose", {
        deployment,
        from: "3",
        description: `Raise Qianhai Insurance to ${weight}`,
        actions: [`set-weight ${f.insurer.address} ${weight}`],
      });
    }
    await openVoting(f, 2n);
    await runTask("gov:vote", { deployment, from: "3", proposalId: "1", support: "for" });
    await runTask("gov:vote", { deployment, from: "3", proposalId: "2", support: "for" });
    await runTask("gov:vote", { deployment, from: "1", proposalId: "2", support: "against", reason: "Too much" });
    await closeVoting(f, 2n);

    const first = await runTask("gov:show", { deployment, proposalId: "1" });
    expect(first.text).to.include(`→ set the voting weight of ${f.insurer.address} (Qianhai Insurance) to 30`);
    expect(first.text).to.include("state:         Defeated: participation 25 below the quorum of 66");
    expect(first.text).to.include("participation 25 (25.00%), not reached: 41 more weight must vote");

    const second = await runTask("gov:show", { deployment, proposalId: "2" });
    expect(second.text).to.include(
      "state:         Defeated: participation 65 below the quorum of 66 and For 25 not above 6667 bps of For + Against (65)",
    );
    expect(second.text).to.include("approval now 38.46%, not met");
    expect(second.text).to.include(`${f.bank.address} (Pearl River Bank): Against with weight 40 "Too much"`);
    expect(second.text).to.not.include("not voted yet");
  });
});

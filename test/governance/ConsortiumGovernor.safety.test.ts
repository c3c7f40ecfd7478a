import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  CANCELLER_ROLE,
  DEFAULT_ADMIN_ROLE,
  PROPOSER_ROLE,
  ProposalState,
  Vote,
  action,
  deployStandaloneGovernance,
  governorFactory,
  passProposal,
  propose,
  proposalArgs,
  stateBitmap,
  toEta,
  toVotingEnd,
  toVotingStart,
} from "../fixtures/governance";
import type { Action } from "../fixtures/governance";

const ROUTINE = 0n;
const SENSITIVE = 1n;
const DAY = 86_400;
const HOUR = 3_600;

/**
 * Members a 40, b 35, c 25 (signers #1-#3); routine quorum and approval 5,000 bps, sensitive 6,667
 * bps each; the guardian is signer #4 (proposal guardian and the membership's GUARDIAN_ROLE).
 */
async function safetyFixture() {
  const f = await deployStandaloneGovernance({
    weights: [40, 35, 25],
    quorumBasisPoints: 5_000,
    approvalBasisPoints: 5_000,
    sensitiveQuorumBasisPoints: 6_667,
    sensitiveApprovalBasisPoints: 6_667,
  });
  const [a, b, c] = f.members;
  const [guardian, outsider, newcomer, recovery, newKey] = f.others;
  /** A routine action: the timelock sends nothing to an outside account. */
  const routine = (): Action => ({ target: outsider.address, data: "0x" });
  const admit = (account: string, weight = 10) => action(f.membership, "addMember", [account, weight, "Futian", ""]);
  return { ...f, a, b, c, guardian, outsider, newcomer, recovery, newKey, routine, admit };
}

/** Members a 40, b 35, c 25 with proposal threshold 0 (so a suspended key reaches the governor's own check). */
async function noThresholdFixture() {
  return deployStandaloneGovernance({ weights: [40, 35, 25], proposalThreshold: 0 });
}

type Safety = Awaited<ReturnType<typeof safetyFixture>>;

/** Proposes `actions` (by a), casts `votes` and ends the vote. */
async function vote(f: Safety, actions: Action[], votes: [HardhatEthersSigner, Vote][], description: string) {
  const id = await propose(f.governor, f.a, actions, description);
  await toVotingStart(f.governor, id);
  for (const [voter, support] of votes) await f.governor.connect(voter).castVote(id, support);
  await toVotingEnd(f.governor, id);
  return { id, state: await f.governor.state(id) };
}

/** Proposes `actions` (by the first voter), every voter For, queues it and waits for its ETA; returns its id. */
async function queueAll(f: Safety, actions: Action[], description: string, voters = f.members) {
  const id = await propose(f.governor, voters[0], actions, description);
  await toVotingStart(f.governor, id);
  for (const m of voters) await f.governor.connect(m).castVote(id, Vote.For);
  await toVotingEnd(f.governor, id);
  await f.governor["queue(uint256)"](id);
  await toEta(f.governor, id);
  return id;
}

describe("ConsortiumGovernor: governance that cannot be captured or bricked", function () {
  describe("two classes of proposal, classified by (target, selector) when proposed", function () {
    it("passes a routine proposal with a simple majority that a sensitive proposal does not reach", async function () {
      const f = await loadFixture(safetyFixture);
      const votes: [HardhatEthersSigner, Vote][] = [
        [f.a, Vote.For],
        [f.c, Vote.For],
        [f.b, Vote.Against],
      ];
      // 65 : 35 is above 50% but not above 66.67%
      const routine = await vote(f, [f.routine()], votes, "routine");
      expect(await f.governor.proposalClass(routine.id)).to.equal(ROUTINE);
      expect(routine.state).to.equal(BigInt(ProposalState.Succeeded));
      const sensitive = await vote(f, [await f.admit(f.newcomer.address)], votes, "sensitive");
      expect(await f.governor.proposalClass(sensitive.id)).to.equal(SENSITIVE);
      expect(sensitive.state).to.equal(BigInt(ProposalState.Defeated));
    });

    it("applies the sensitive quorum: 65% participation passes a routine proposal, not a sensitive one", async function () {
      const f = await loadFixture(safetyFixture);
      const votes: [HardhatEthersSigner, Vote][] = [
        [f.a, Vote.For],
        [f.c, Vote.For],
      ];
      expect((await vote(f, [f.routine()], votes, "routine")).state).to.equal(BigInt(ProposalState.Succeeded));
      expect((await vote(f, [await f.admit(f.newcomer.address)], votes, "sensitive")).state).to.equal(
        BigInt(ProposalState.Defeated),
      );
      const unanimous = await vote(
        f,
        [await f.admit(f.newcomer.address)],
        f.members.map((m) => [m, Vote.For]),
        "sensitive, unanimous",
      );
      expect(unanimous.state).to.equal(BigInt(ProposalState.Succeeded));
    });

    it("records the class with the proposal (ProposalClassified); one sensitive call makes the proposal sensitive", async function () {
      const f = await loadFixture(safetyFixture);
      const [targets, values, calldatas] = proposalArgs([f.routine(), await f.admit(f.newcomer.address)]);
      await expect(f.governor.connect(f.a).propose(targets, values, calldatas, "mixed"))
        .to.emit(f.governor, "ProposalClassified")
        .withArgs(1n, SENSITIVE);
      const [rt, rv, rc] = proposalArgs([f.routine()]);
      await expect(f.governor.connect(f.a).propose(rt, rv, rc, "routine"))
        .to.emit(f.governor, "ProposalClassified")
        .withArgs(2n, ROUTINE);
    });

    it("classifies upgrades, roles, membership changes and every call to the governor or the timelock as sensitive", async function () {
      const f = await loadFixture(safetyFixture);
      const sensitive: Action[] = [
        await action(f.membership, "upgradeToAndCall", [f.outsider.address, "0x"]),
        await action(f.membership, "grantRole", [DEFAULT_ADMIN_ROLE, f.outsider.address]),
        await action(f.membership, "revokeRole", [await f.membership.GUARDIAN_ROLE(), f.guardian.address]),
        await f.admit(f.newcomer.address),
        await action(f.membership, "removeMember", [f.c.address]),
        await action(f.membership, "setWeight", [f.c.address, 5]),
        await action(f.membership, "replaceMemberAccount", [f.c.address, f.newKey.address]),
        await action(f.membership, "restore", [f.c.address]),
        await action(f.governor, "setVotingDelay", [120]),
        await action(f.governor, "setProposalGuardian", [f.outsider.address]),
        await action(f.timelock, "updateDelay", [7_200]),
      ];
      for (const call of sensitive) expect(await f.governor.classify([call.target], [call.data])).to.equal(SENSITIVE);
      const routine: Action[] = [
        f.routine(),
        await action(f.membership, "setRecoveryAccount", [f.a.address, f.recovery.address]),
        { target: f.outsider.address, data: "0x12" },
      ];
      for (const call of routine) expect(await f.governor.classify([call.target], [call.data])).to.equal(ROUTINE);
    });

    it("lets governance mark a (target, selector) sensitive, as a sensitive action (CallClassSet)", async function () {
      const f = await loadFixture(safetyFixture);
      const selector = "0xa9059cbb"; // transfer(address,uint256)
      const call = { target: f.outsider.address, data: selector + "00".repeat(64) };
      expect(await f.governor.classify([call.target], [call.data])).to.equal(ROUTINE);
      const mark = await action(f.governor, "setCallClass", [f.outsider.address, selector, true]);
      expect(await f.governor.classify([mark.target], [mark.data])).to.equal(SENSITIVE);
      await expect(f.governor.setCallClass(f.outsider.address, selector, true)).to.be.revertedWithCustomError(
        f.governor,
        "GovernorOnlyExecutor",
      );
      const id = await passProposal(f.governor, f.members, [mark], "transfers to the outsider are sensitive");
      expect(await f.governor.state(id)).to.equal(ProposalState.Executed);
      expect(await f.governor.classify([call.target], [call.data])).to.equal(SENSITIVE);
      const unmark = await action(f.governor, "setCallClass", [f.outsider.address, selector, false]);
      const unmarkId = await queueAll(f, [unmark], "not any more");
      await expect(f.governor["execute(uint256)"](unmarkId))
        .to.emit(f.governor, "CallClassSet")
        .withArgs(f.outsider.address, selector, false);
      expect(await f.governor.classify([call.target], [call.data])).to.equal(ROUTINE);
    });
  });

  describe("thresholds per class, set by governance itself", function () {
    it("changes the sensitive thresholds only by a (sensitive) proposal; open votes keep theirs", async function () {
      const f = await loadFixture(safetyFixture);
      await expect(f.governor.connect(f.a).setSensitiveThresholds(8_000, 8_000)).to.be.revertedWithCustomError(
        f.governor,
        "GovernorOnlyExecutor",
      );
      const change = await action(f.governor, "setSensitiveThresholds", [8_000, 7_500]);
      expect(await f.governor.classify([change.target], [change.data])).to.equal(SENSITIVE);
      const id = await queueAll(f, [change], "raise the sensitive thresholds");
      await expect(f.governor["execute(uint256)"](id))
        .to.emit(f.governor, "SensitiveThresholdsUpdated")
        .withArgs(8_000n, 7_500n);
      expect(await f.governor.sensitiveThresholds(await time.latest())).to.deep.equal([8_000n, 7_500n]);
      // 75 For : 25 Against is 75%, not above 75%
      await time.increase(1);
      const later = await vote(
        f,
        [await f.admit(f.newcomer.address)],
        [
          [f.a, Vote.For],
          [f.b, Vote.For],
          [f.c, Vote.Against],
        ],
        "after",
      );
      expect(later.state).to.equal(BigInt(ProposalState.Defeated));
    });

    it("refuses sensitive thresholds out of range or below the routine ones (InvalidQuorum, InvalidApprovalThreshold, SensitiveBelowRoutine)", async function () {
      const f = await loadFixture(safetyFixture);
      const bad: [number, number, string, bigint[]][] = [
        [0, 7_000, "InvalidQuorum", [0n]],
        [10_001, 7_000, "InvalidQuorum", [10_001n]],
        [7_000, 4_999, "InvalidApprovalThreshold", [4_999n]],
        [7_000, 10_000, "InvalidApprovalThreshold", [10_000n]],
        [4_000, 7_000, "SensitiveBelowRoutine", [4_000n, 7_000n]],
      ];
      const ids: bigint[] = [];
      for (const [q, t] of bad) {
        ids.push(
          await propose(f.governor, f.a, [await action(f.governor, "setSensitiveThresholds", [q, t])], `${q} ${t}`),
        );
      }
      await toVotingStart(f.governor, ids[ids.length - 1]);
      for (const id of ids) for (const m of f.members) await f.governor.connect(m).castVote(id, Vote.For);
      await toVotingEnd(f.governor, ids[ids.length - 1]);
      for (const id of ids) await f.governor["queue(uint256)"](id);
      await toEta(f.governor, ids[ids.length - 1]);
      for (const [i, [, , error, args]] of bad.entries()) {
        await expect(f.governor["execute(uint256)"](ids[i]))
          .to.be.revertedWithCustomError(f.governor, error)
          .withArgs(...args);
      }
    });

    it("refuses a routine quorum or approval threshold above the sensitive one (SensitiveBelowRoutine)", async function () {
      const f = await loadFixture(safetyFixture);
      const id1 = await queueAll(f, [await action(f.governor, "updateQuorumNumerator", [7_000])], "quorum 70%");
      await expect(f.governor["execute(uint256)"](id1))
        .to.be.revertedWithCustomError(f.governor, "SensitiveBelowRoutine")
        .withArgs(6_667n, 6_667n);
      const id2 = await queueAll(f, [await action(f.governor, "setApprovalThreshold", [6_668])], "approval 66.68%");
      await expect(f.governor["execute(uint256)"](id2))
        .to.be.revertedWithCustomError(f.governor, "SensitiveBelowRoutine")
        .withArgs(6_667n, 6_667n);
    });

    it("refuses sensitive thresholds below the routine ones at construction", async function () {
      const f = await loadFixture(safetyFixture);
      const factory = await governorFactory();
      const deploy = (sq: number, sa: number, guardian = f.guardian.address) =>
        factory.deploy(f.membership, f.timelock, 60, DAY, HOUR, 1, 5_000, 5_000, sq, sa, guardian);
      await expect(deploy(4_999, 6_000)).to.be.revertedWithCustomError(f.governor, "SensitiveBelowRoutine");
      await expect(deploy(6_000, 4_999)).to.be.revertedWithCustomError(f.governor, "InvalidApprovalThreshold");
      await expect(deploy(6_000, 6_000, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.governor,
        "InvalidProposalGuardian",
      );
    });
  });

  describe("the proposal guardian", function () {
    it("cancels a queued proposal with a reason on chain; the timelock operation is gone", async function () {
      const f = await loadFixture(safetyFixture);
      const id = await queueAll(f, [f.routine()], "queued");
      expect(await f.governor.state(id)).to.equal(ProposalState.Queued);
      await expect(f.governor.connect(f.guardian).guardianCancel(id, "a stolen key voted for it"))
        .to.emit(f.governor, "ProposalCancelledByGuardian")
        .withArgs(id, f.guardian.address, "a stolen key voted for it")
        .and.to.emit(f.governor, "ProposalCanceled")
        .withArgs(id)
        .and.to.emit(f.timelock, "Cancelled");
      expect(await f.governor.state(id)).to.equal(ProposalState.Canceled);
      await expect(f.governor["execute(uint256)"](id)).to.be.revertedWithCustomError(
        f.governor,
        "GovernorUnexpectedProposalState",
      );
    });

    it("cancels Pending, Active and Succeeded proposals too, but not an executed one", async function () {
      const f = await loadFixture(safetyFixture);
      const pending = await propose(f.governor, f.a, [f.routine()], "pending");
      await f.governor.connect(f.guardian).guardianCancel(pending, "spam");
      expect(await f.governor.state(pending)).to.equal(ProposalState.Canceled);
      const active = await propose(f.governor, f.a, [f.routine()], "active");
      await toVotingStart(f.governor, active);
      await f.governor.connect(f.guardian).guardianCancel(active, "wrong target");
      expect(await f.governor.state(active)).to.equal(ProposalState.Canceled);
      const succeeded = (
        await vote(
          f,
          [f.routine()],
          [
            [f.a, Vote.For],
            [f.b, Vote.For],
          ],
          "succeeded",
        )
      ).id;
      await f.governor.connect(f.guardian).guardianCancel(succeeded, "superseded");
      expect(await f.governor.state(succeeded)).to.equal(ProposalState.Canceled);
      const executed = await passProposal(f.governor, f.members, [f.routine()], "executed");
      await expect(f.governor.connect(f.guardian).guardianCancel(executed, "too late"))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(
          executed,
          ProposalState.Executed,
          stateBitmap(
            ProposalState.Pending,
            ProposalState.Active,
            ProposalState.Defeated,
            ProposalState.Succeeded,
            ProposalState.Queued,
          ),
        );
    });

    it("is the only one who may (NotProposalGuardian), says why (CancelReasonRequired), and uses guardianCancel only", async function () {
      const f = await loadFixture(safetyFixture);
      const id = await propose(f.governor, f.a, [f.routine()], "p");
      for (const caller of [f.a, f.b, f.outsider]) {
        await expect(f.governor.connect(caller).guardianCancel(id, "no"))
          .to.be.revertedWithCustomError(f.governor, "NotProposalGuardian")
          .withArgs(caller.address);
      }
      await expect(f.governor.connect(f.guardian).guardianCancel(id, "")).to.be.revertedWithCustomError(
        f.governor,
        "CancelReasonRequired",
      );
      await expect(f.governor.connect(f.guardian)["cancel(uint256)"](id)).to.be.revertedWithCustomError(
        f.governor,
        "GovernorUnableToCancel",
      );
      await expect(f.governor.connect(f.guardian).guardianCancel(99, "none")).to.be.revertedWithCustomError(
        f.governor,
        "GovernorNonexistentProposal",
      );
    });

    it("is replaced only by governance (sensitive), never by the zero address", async function () {
      const f = await loadFixture(safetyFixture);
      await expect(
        f.governor.connect(f.guardian).setProposalGuardian(f.outsider.address),
      ).to.be.revertedWithCustomError(f.governor, "GovernorOnlyExecutor");
      const zero = await queueAll(f, [await action(f.governor, "setProposalGuardian", [ethers.ZeroAddress])], "none");
      await expect(f.governor["execute(uint256)"](zero)).to.be.revertedWithCustomError(
        f.governor,
        "InvalidProposalGuardian",
      );
      const replace = await queueAll(f, [await action(f.governor, "setProposalGuardian", [f.outsider.address])], "new");
      await expect(f.governor["execute(uint256)"](replace))
        .to.emit(f.governor, "ProposalGuardianSet")
        .withArgs(f.guardian.address, f.outsider.address);
      const id = await propose(f.governor, f.a, [f.routine()], "p");
      await expect(f.governor.connect(f.guardian).guardianCancel(id, "old guardian")).to.be.revertedWithCustomError(
        f.governor,
        "NotProposalGuardian",
      );
      await f.governor.connect(f.outsider).guardianCancel(id, "new guardian");
      expect(await f.governor.state(id)).to.equal(ProposalState.Canceled);
    });
  });

  describe("cannot be bricked", function () {
    it("refuses, when proposed, to remove the timelock's admin role of any contract (WouldRemoveTimelockAdmin)", async function () {
      const f = await loadFixture(safetyFixture);
      const timelock = await f.timelock.getAddress();
      for (const [contract, fn] of [
        [f.membership, "revokeRole"],
        [f.membership, "renounceRole"],
        [f.timelock, "revokeRole"],
        [f.timelock, "renounceRole"],
      ] as const) {
        const call = await action(contract, fn, [DEFAULT_ADMIN_ROLE, timelock]);
        const [targets, values, calldatas] = proposalArgs([f.routine(), call]);
        await expect(f.governor.connect(f.a).propose(targets, values, calldatas, fn))
          .to.be.revertedWithCustomError(f.governor, "WouldRemoveTimelockAdmin")
          .withArgs(await contract.getAddress());
        await expect(f.governor.classify([call.target], [call.data])).to.be.revertedWithCustomError(
          f.governor,
          "WouldRemoveTimelockAdmin",
        );
      }
      // revoking another account's admin role is a normal (sensitive) proposal
      const other = await action(f.membership, "revokeRole", [DEFAULT_ADMIN_ROLE, f.outsider.address]);
      expect(await f.governor.classify([other.target], [other.data])).to.equal(SENSITIVE);
    });

    it("refuses to remove the governor's proposer or canceller role on the timelock (WouldRemoveGovernorRole)", async function () {
      const f = await loadFixture(safetyFixture);
      const governor = await f.governor.getAddress();
      for (const role of [PROPOSER_ROLE, CANCELLER_ROLE]) {
        const [targets, values, calldatas] = proposalArgs([await action(f.timelock, "revokeRole", [role, governor])]);
        await expect(f.governor.connect(f.a).propose(targets, values, calldatas, role))
          .to.be.revertedWithCustomError(f.governor, "WouldRemoveGovernorRole")
          .withArgs(role);
      }
      // nor through the governor's relay, acting on the timelock itself
      const renounce = f.timelock.interface.encodeFunctionData("renounceRole", [PROPOSER_ROLE, governor]);
      const relay = await action(f.governor, "relay", [await f.timelock.getAddress(), 0, renounce]);
      await expect(f.governor.classify([relay.target], [relay.data]))
        .to.be.revertedWithCustomError(f.governor, "WouldRemoveGovernorRole")
        .withArgs(PROPOSER_ROLE);
      // a successor governor's proposal may still revoke this governor's roles (governor replacement)
      const handover = await action(f.timelock, "revokeRole", [PROPOSER_ROLE, f.outsider.address]);
      expect(await f.governor.classify([handover.target], [handover.data])).to.equal(SENSITIVE);
    });

    it("refuses a timelock delay above 30 days when proposed (TimelockDelayTooLong)", async function () {
      const f = await loadFixture(safetyFixture);
      const tooLong = await action(f.timelock, "updateDelay", [30 * DAY + 1]);
      await expect(f.governor.classify([tooLong.target], [tooLong.data]))
        .to.be.revertedWithCustomError(f.governor, "TimelockDelayTooLong")
        .withArgs(30 * DAY + 1);
      const ok = await action(f.timelock, "updateDelay", [30 * DAY]);
      expect(await f.governor.classify([ok.target], [ok.data])).to.equal(SENSITIVE);
    });

    it("refuses voting periods outside the floor (1 hour here) to 30 days and voting delays above 30 days, at execution", async function () {
      const f = await loadFixture(safetyFixture);
      const cases: [string, number, string][] = [
        ["setVotingPeriod", 3_599, "VotingPeriodOutOfRange"],
        ["setVotingPeriod", 30 * DAY + 1, "VotingPeriodOutOfRange"],
        ["setVotingDelay", 30 * DAY + 1, "VotingDelayTooLong"],
      ];
      for (const [fn, value, error] of cases) {
        const id = await queueAll(f, [await action(f.governor, fn, [value])], `${fn} ${value}`);
        await expect(f.governor["execute(uint256)"](id))
          .to.be.revertedWithCustomError(f.governor, error)
          .withArgs(value);
      }
      const factory = await governorFactory();
      await expect(
        factory.deploy(f.membership, f.timelock, 60, 60, HOUR, 1, 5_000, 5_000, 5_000, 5_000, f.guardian.address),
      )
        .to.be.revertedWithCustomError(f.governor, "InitialVotingPeriodBelowFloor")
        .withArgs(60, HOUR);
      await expect(
        factory.deploy(
          f.membership,
          f.timelock,
          60,
          30 * DAY + 1,
          HOUR,
          1,
          5_000,
          5_000,
          5_000,
          5_000,
          f.guardian.address,
        ),
      )
        .to.be.revertedWithCustomError(f.governor, "VotingPeriodOutOfRange")
        .withArgs(30 * DAY + 1);
    });

    it("refuses to leave fewer active members than the minimum (TooFewActiveMembers)", async function () {
      const f = await loadFixture(safetyFixture);
      expect(await f.membership.minimumMembers()).to.equal(2n);
      const id = await queueAll(
        f,
        [
          await action(f.membership, "removeMember", [f.c.address]),
          await action(f.membership, "removeMember", [f.b.address]),
        ],
        "remove two of three",
      );
      await expect(f.governor["execute(uint256)"](id))
        .to.be.revertedWithCustomError(f.membership, "TooFewActiveMembers")
        .withArgs(1n, 2n);
      const one = await queueAll(f, [await action(f.membership, "removeMember", [f.c.address])], "remove one");
      await f.governor["execute(uint256)"](one);
      expect(await f.membership.memberCount()).to.equal(2n);
    });
  });

  describe("a compromised key", function () {
    it("is suspended at once by the guardian: no vote on open proposals, no proposal, no relayed signed vote", async function () {
      const f = await loadFixture(safetyFixture);
      const id = await propose(f.governor, f.b, [f.routine()], "open when the key is stolen");
      await toVotingStart(f.governor, id);
      // a's key signed a vote before the theft was noticed
      const signature = await f.a.signTypedData(
        {
          name: await f.governor.name(),
          version: await f.governor.version(),
          chainId: (await ethers.provider.getNetwork()).chainId,
          verifyingContract: await f.governor.getAddress(),
        },
        {
          Ballot: [
            { name: "proposalId", type: "uint256" },
            { name: "support", type: "uint8" },
            { name: "voter", type: "address" },
            { name: "nonce", type: "uint256" },
          ],
        },
        { proposalId: id, support: Vote.For, voter: f.a.address, nonce: 0n },
      );
      await expect(f.membership.connect(f.guardian).suspend(f.a.address))
        .to.emit(f.membership, "MemberSuspended")
        .withArgs(f.a.address, f.guardian.address);
      expect(await f.membership.isSuspended(f.a.address)).to.equal(true);
      expect(await f.membership.activeMemberCount()).to.equal(2n);
      await expect(f.governor.connect(f.a).castVote(id, Vote.For))
        .to.be.revertedWithCustomError(f.governor, "NoVotingWeight")
        .withArgs(f.a.address);
      await expect(f.governor.connect(f.outsider).castVoteBySig(id, Vote.For, f.a.address, signature))
        .to.be.revertedWithCustomError(f.governor, "NoVotingWeight")
        .withArgs(f.a.address);
      await expect(propose(f.governor, f.a, [f.routine()], "by the thief"))
        .to.be.revertedWithCustomError(f.governor, "GovernorInsufficientProposerVotes")
        .withArgs(f.a.address, 0n, 1n);
    });

    it("leaves the total weight, so the other members can still pass proposals", async function () {
      const f = await loadFixture(safetyFixture);
      await f.membership.connect(f.guardian).suspend(f.a.address);
      expect(await f.membership.totalWeight()).to.equal(60n);
      await time.increase(1);
      const id = await passProposal(f.governor, [f.b, f.c], [await f.admit(f.newcomer.address)], "without a");
      expect(await f.governor.state(id)).to.equal(ProposalState.Executed);
    });

    it("is refused by the governor's own check when proposing needs no weight (VoterSuspended)", async function () {
      const f = await loadFixture(noThresholdFixture);
      const [a] = f.members;
      await f.membership.connect(f.guardian).suspend(a.address);
      await expect(propose(f.governor, a, [{ target: f.others[1].address, data: "0x" }], "x"))
        .to.be.revertedWithCustomError(f.governor, "VoterSuspended")
        .withArgs(a.address);
    });

    it("is suspended by the member's own recovery account, never by another member (NotAllowedToSuspend)", async function () {
      const f = await loadFixture(safetyFixture);
      await expect(f.membership.connect(f.b).suspend(f.a.address))
        .to.be.revertedWithCustomError(f.membership, "NotAllowedToSuspend")
        .withArgs(f.b.address, f.a.address);
      await expect(f.membership.connect(f.a).setRecoveryAccount(f.a.address, f.recovery.address))
        .to.emit(f.membership, "RecoveryAccountSet")
        .withArgs(f.a.address, ethers.ZeroAddress, f.recovery.address);
      expect(await f.membership.recoveryAccountOf(f.a.address)).to.equal(f.recovery.address);
      await expect(f.membership.connect(f.recovery).suspend(f.b.address))
        .to.be.revertedWithCustomError(f.membership, "NotAllowedToSuspend")
        .withArgs(f.recovery.address, f.b.address);
      await expect(f.membership.connect(f.recovery).suspend(f.a.address))
        .to.emit(f.membership, "MemberSuspended")
        .withArgs(f.a.address, f.recovery.address);
      await expect(f.membership.connect(f.guardian).suspend(f.a.address))
        .to.be.revertedWithCustomError(f.membership, "AlreadySuspended")
        .withArgs(f.a.address);
    });

    it("cannot have its recovery account swapped by a thief (NotRecoveryAccount); bad recovery accounts are refused", async function () {
      const f = await loadFixture(safetyFixture);
      await expect(
        f.membership.connect(f.a).setRecoveryAccount(f.a.address, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(f.membership, "ZeroAddress");
      for (const bad of [f.a.address, f.b.address]) {
        await expect(f.membership.connect(f.a).setRecoveryAccount(f.a.address, bad))
          .to.be.revertedWithCustomError(f.membership, "InvalidRecoveryAccount")
          .withArgs(bad);
      }
      await expect(f.membership.connect(f.outsider).setRecoveryAccount(f.outsider.address, f.recovery.address))
        .to.be.revertedWithCustomError(f.membership, "NotMember")
        .withArgs(f.outsider.address);
      await expect(f.membership.connect(f.b).setRecoveryAccount(f.a.address, f.recovery.address))
        .to.be.revertedWithCustomError(f.membership, "NotMember")
        .withArgs(f.b.address);
      await f.membership.connect(f.a).setRecoveryAccount(f.a.address, f.recovery.address);
      await expect(f.membership.connect(f.a).setRecoveryAccount(f.a.address, f.outsider.address))
        .to.be.revertedWithCustomError(f.membership, "NotRecoveryAccount")
        .withArgs(f.a.address, f.a.address);
      await expect(f.membership.connect(f.recovery).setRecoveryAccount(f.a.address, f.outsider.address))
        .to.emit(f.membership, "RecoveryAccountSet")
        .withArgs(f.a.address, f.recovery.address, f.outsider.address);
      await f.membership.connect(f.guardian).suspend(f.b.address);
      await expect(f.membership.connect(f.b).setRecoveryAccount(f.b.address, f.recovery.address))
        .to.be.revertedWithCustomError(f.membership, "KeySuspended")
        .withArgs(f.b.address);
    });

    it("stays suspended until governance restores it (MemberRestored), with any weight set meanwhile", async function () {
      const f = await loadFixture(safetyFixture);
      await f.membership.connect(f.guardian).suspend(f.c.address);
      await expect(f.membership.connect(f.guardian).restore(f.c.address))
        .to.be.revertedWithCustomError(f.membership, "AccessControlUnauthorizedAccount")
        .withArgs(f.guardian.address, DEFAULT_ADMIN_ROLE);
      await time.increase(1);
      await passProposal(
        f.governor,
        [f.a, f.b],
        [
          await action(f.membership, "setWeight", [f.c.address, 30]),
          await action(f.membership, "restore", [f.c.address]),
        ],
        "restore c with weight 30",
      );
      expect(await f.membership.isSuspended(f.c.address)).to.equal(false);
      expect(await f.membership.getVotes(f.c.address)).to.equal(30n);
      expect(await f.membership.totalWeight()).to.equal(105n);
      const again = await queueAll(f, [await action(f.membership, "restore", [f.c.address])], "restore again");
      await expect(f.governor["execute(uint256)"](again))
        .to.be.revertedWithCustomError(f.membership, "NotSuspended")
        .withArgs(f.c.address);
    });

    it("is replaced by governance (replaceMemberAccount): the new key votes, the old one stays suspended", async function () {
      const f = await loadFixture(safetyFixture);
      await f.membership.connect(f.guardian).suspend(f.c.address);
      await time.increase(1);
      await passProposal(
        f.governor,
        [f.a, f.b],
        [await action(f.membership, "replaceMemberAccount", [f.c.address, f.newKey.address])],
        "new key for c",
      );
      expect(await f.membership.isSuspended(f.c.address)).to.equal(true);
      expect(await f.membership.getVotes(f.newKey.address)).to.equal(25n);
      expect(await f.membership.activeMemberCount()).to.equal(3n);
      await time.increase(1);
      const id = await propose(f.governor, f.newKey, [f.routine()], "by the new key");
      await toVotingStart(f.governor, id);
      await expect(f.governor.connect(f.newKey).castVote(id, Vote.For))
        .to.emit(f.governor, "VoteCast")
        .withArgs(f.newKey.address, id, Vote.For, 25n, "");
      // the stolen key can never come back as a member
      const readmit = await queueAll(f, [await f.admit(f.c.address)], "readmit the stolen key", [f.a, f.b, f.newKey]);
      await expect(f.governor["execute(uint256)"](readmit))
        .to.be.revertedWithCustomError(f.membership, "KeySuspended")
        .withArgs(f.c.address);
    });

    it("cannot take the active members below the minimum, and only members are suspended", async function () {
      const f = await loadFixture(safetyFixture);
      await f.membership.connect(f.guardian).suspend(f.a.address);
      await expect(f.membership.connect(f.guardian).suspend(f.b.address))
        .to.be.revertedWithCustomError(f.membership, "TooFewActiveMembers")
        .withArgs(1n, 2n);
      await expect(f.membership.connect(f.guardian).suspend(f.outsider.address))
        .to.be.revertedWithCustomError(f.membership, "NotMember")
        .withArgs(f.outsider.address);
      // removing the suspended member leaves the active members as they are
      await time.increase(1);
      await passProposal(
        f.governor,
        [f.b, f.c],
        [await action(f.membership, "removeMember", [f.a.address])],
        "remove a",
      );
      expect(await f.membership.memberCount()).to.equal(2n);
      expect(await f.membership.activeMemberCount()).to.equal(2n);
      expect(await f.membership.totalWeight()).to.equal(60n);
    });
  });

  describe("non-members", function () {
    it("cannot cast a zero-weight vote (NoVotingWeight)", async function () {
      const f = await loadFixture(safetyFixture);
      const id = await propose(f.governor, f.a, [f.routine()], "p");
      await toVotingStart(f.governor, id);
      await expect(f.governor.connect(f.outsider).castVoteWithReason(id, Vote.Against, "noise"))
        .to.be.revertedWithCustomError(f.governor, "NoVotingWeight")
        .withArgs(f.outsider.address);
      expect(await f.governor.hasVoted(id, f.outsider.address)).to.equal(false);
    });
  });
});

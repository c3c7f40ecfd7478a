import { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployConsortiumFixture } from "../fixtures/consortium";
import {
  CANCELLER_ROLE,
  DEFAULT_ADMIN_ROLE,
  EXECUTOR_ROLE,
  OperationState,
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
import type { ConsortiumGovernor, TimelockController } from "../../typechain-types";

/** Sends a transaction without gas estimation, so that it is mined (and may revert) at a chosen timestamp. */
const MINED = { gasLimit: 2_000_000 };

/**
 * The deployed system (Ignition, localhost parameters): bank 40, securities 35, insurer 25;
 * routine quorum and approval 5000 bps, sensitive 6667 bps; voting delay 60 s, voting period
 * 86400 s, timelock 3600 s. `routine()` is a routine action (unpausing the security token), for
 * tests of the routine thresholds; admitting a member is sensitive.
 */
async function systemFixture() {
  const f = await deployConsortiumFixture();
  const [newcomer, newKey, outsider, relayer, grantee] = f.others;
  const REGISTRAR_ROLE = await f.identityRegistry.REGISTRAR_ROLE();
  const admit = (account: string, weight = 10) =>
    action(f.membership, "addMember", [account, weight, "Futian Trust", "https://members.example/futian-trust"]);
  const routine = () => action(f.securityToken, "unpause", []);
  return { ...f, newcomer, newKey, outsider, relayer, grantee, REGISTRAR_ROLE, admit, routine };
}

/** Members a 50, b 49, c 1: quorum 5000 bps of 100 = 50. */
async function quorumEdgeFixture() {
  return deployStandaloneGovernance({ weights: [50, 49, 1], quorumBasisPoints: 5_000, approvalBasisPoints: 5_000 });
}

/** Members a 50, b 50, c 1: approval threshold 5000 bps. */
async function majorityEdgeFixture() {
  return deployStandaloneGovernance({ weights: [50, 50, 1], quorumBasisPoints: 5_000, approvalBasisPoints: 5_000 });
}

/** Members a 6667, b 3333, c 1: approval threshold 6667 bps. */
async function twoThirdsEdgeFixture() {
  return deployStandaloneGovernance({
    weights: [6_667, 3_333, 1],
    quorumBasisPoints: 5_000,
    approvalBasisPoints: 6_667,
  });
}

/** Members a 2, b 1, c 67, d 33: approval threshold 6667 bps, quorum 100 bps (1). */
async function twoThirdsRatiosFixture() {
  return deployStandaloneGovernance({ weights: [2, 1, 67, 33], quorumBasisPoints: 100, approvalBasisPoints: 6_667 });
}

type Standalone = Awaited<ReturnType<typeof deployStandaloneGovernance>>;

/** Proposes (by the first member) a harmless admission, casts `votes`, ends the vote and returns the outcome. */
async function voteOutcome(
  f: Standalone,
  votes: [HardhatEthersSigner, Vote][],
  description = "Admit a newcomer",
): Promise<{ id: bigint; state: bigint }> {
  const id = await propose(
    f.governor,
    f.members[0],
    [await action(f.membership, "addMember", [f.others[0].address, 1, "newcomer", ""])],
    description,
  );
  await toVotingStart(f.governor, id);
  for (const [voter, support] of votes) await f.governor.connect(voter).castVote(id, support);
  await toVotingEnd(f.governor, id);
  return { id, state: await f.governor.state(id) };
}

/** The timelock operation id the governor uses for a proposal (salt = governor address ^ description hash). */
async function operationId(
  governor: ConsortiumGovernor,
  timelock: TimelockController,
  actions: Action[],
  description: string,
): Promise<string> {
  const salt = ethers.toBeHex((BigInt(await governor.getAddress()) << 96n) ^ BigInt(ethers.id(description)), 32);
  const [targets, values, calldatas] = proposalArgs(actions);
  return timelock.hashOperationBatch(targets, values, calldatas, ethers.ZeroHash, salt);
}

/** EIP-712 Ballot signature for `castVoteBySig`. */
async function signBallot(
  signer: HardhatEthersSigner,
  governor: ConsortiumGovernor,
  ballot: { proposalId: bigint; support: number; voter: string; nonce: bigint },
  verifyingContract?: string,
): Promise<string> {
  return signer.signTypedData(
    {
      name: await governor.name(),
      version: await governor.version(),
      chainId: (await ethers.provider.getNetwork()).chainId,
      verifyingContract: verifyingContract ?? (await governor.getAddress()),
    },
    {
      Ballot: [
        { name: "proposalId", type: "uint256" },
        { name: "support", type: "uint8" },
        { name: "voter", type: "address" },
        { name: "nonce", type: "uint256" },
      ],
    },
    ballot,
  );
}

describe("ConsortiumGovernor", function () {
  describe("proposal life cycle through the deployed system", function () {
    it("propose -> Pending -> Active -> votes -> Succeeded -> queue -> Queued -> execute after the delay -> Executed", async function () {
      const { governor, timelock, membership, identityRegistry, bank, securities, insurer, newcomer, grantee, admit } =
        await loadFixture(systemFixture);
      const REGISTRAR_ROLE = await identityRegistry.REGISTRAR_ROLE();
      const actions = [
        await admit(newcomer.address, 10),
        await action(identityRegistry, "grantRole", [REGISTRAR_ROLE, grantee.address]),
      ];
      const description = "Admit Futian Trust (10) and appoint its KYC desk as registrar";
      const [targets, values, calldatas] = proposalArgs(actions);

      const proposedAt = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(proposedAt);
      const snapshot = BigInt(proposedAt + 60);
      const deadline = snapshot + 86_400n;
      await expect(governor.connect(bank).propose(targets, values, calldatas, description))
        .to.emit(governor, "ProposalCreated")
        .withArgs(1n, bank.address, targets, values, ["", ""], calldatas, snapshot, deadline, description);
      const id = await governor.getProposalId(targets, values, calldatas, ethers.id(description));
      expect(id).to.equal(1n);
      expect(await governor.proposalProposer(id)).to.equal(bank.address);
      expect(await governor.proposalSnapshot(id)).to.equal(snapshot);
      expect(await governor.proposalDeadline(id)).to.equal(deadline);
      expect(await governor.proposalNeedsQueuing(id)).to.equal(true);
      expect(await governor.state(id)).to.equal(ProposalState.Pending);

      await time.increaseTo(snapshot);
      expect(await governor.state(id)).to.equal(ProposalState.Pending);
      await time.increaseTo(snapshot + 1n);
      expect(await governor.state(id)).to.equal(ProposalState.Active);

      await expect(governor.connect(bank).castVote(id, Vote.For))
        .to.emit(governor, "VoteCast")
        .withArgs(bank.address, id, Vote.For, 40n, "");
      // A sensitive proposal (admission, role grant): more than two thirds of For + Against needed.
      expect(await governor.proposalClass(id)).to.equal(1n);
      await expect(governor.connect(securities).castVoteWithReason(id, Vote.For, "welcome"))
        .to.emit(governor, "VoteCast")
        .withArgs(securities.address, id, Vote.For, 35n, "welcome");
      await expect(governor.connect(insurer).castVote(id, Vote.Abstain))
        .to.emit(governor, "VoteCast")
        .withArgs(insurer.address, id, Vote.Abstain, 25n, "");

      await time.increaseTo(deadline);
      expect(await governor.state(id)).to.equal(ProposalState.Active);
      await time.increaseTo(deadline + 1n);
      expect(await governor.state(id)).to.equal(ProposalState.Succeeded);

      const opId = await operationId(governor, timelock, actions, description);
      const queueTx = await governor.connect(insurer)["queue(uint256)"](id);
      const queuedAt = BigInt((await ethers.provider.getBlock((await queueTx.wait())!.blockNumber))!.timestamp);
      const eta = queuedAt + 3_600n;
      await expect(queueTx).to.emit(governor, "ProposalQueued").withArgs(id, eta);
      await expect(queueTx).to.emit(timelock, "CallScheduled");
      expect(await governor.state(id)).to.equal(ProposalState.Queued);
      expect(await governor.proposalEta(id)).to.equal(eta);
      expect(await timelock.getTimestamp(opId)).to.equal(eta);
      expect(await timelock.getOperationState(opId)).to.equal(OperationState.Waiting);

      await time.setNextBlockTimestamp(eta - 1n);
      await expect(governor.connect(bank)["execute(uint256)"](id, MINED))
        .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
        .withArgs(opId, stateBitmap(OperationState.Ready));
      expect(await membership.isMember(newcomer.address)).to.equal(false);

      await time.setNextBlockTimestamp(eta);
      await expect(governor.connect(bank)["execute(uint256)"](id))
        .to.emit(governor, "ProposalExecuted")
        .withArgs(id)
        .and.to.emit(membership, "MemberAdded")
        .withArgs(newcomer.address, 10n, "Futian Trust", "https://members.example/futian-trust")
        .and.to.emit(identityRegistry, "RoleGranted")
        .withArgs(REGISTRAR_ROLE, grantee.address, await timelock.getAddress());
      expect(await governor.state(id)).to.equal(ProposalState.Executed);
      expect(await timelock.getOperationState(opId)).to.equal(OperationState.Done);
      expect(await membership.weightOf(newcomer.address)).to.equal(10n);
      expect(await membership.totalWeight()).to.equal(110n);
      expect(await identityRegistry.hasRole(REGISTRAR_ROLE, grantee.address)).to.equal(true);
    });

    it("ends Defeated when the majority votes Against; a defeated proposal cannot be queued or executed", async function () {
      const { governor, membership, bank, securities, insurer, newcomer, admit } = await loadFixture(systemFixture);
      const id = await propose(governor, securities, [await admit(newcomer.address)], "Admit Futian Trust");
      await toVotingStart(governor, id);
      await governor.connect(securities).castVote(id, Vote.For);
      await governor.connect(bank).castVote(id, Vote.Against);
      await governor.connect(insurer).castVote(id, Vote.Against);
      await toVotingEnd(governor, id);
      expect(await governor.state(id)).to.equal(ProposalState.Defeated);
      await expect(governor.connect(securities)["queue(uint256)"](id))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(id, ProposalState.Defeated, stateBitmap(ProposalState.Succeeded));
      await expect(governor.connect(securities)["execute(uint256)"](id))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(id, ProposalState.Defeated, stateBitmap(ProposalState.Succeeded, ProposalState.Queued));
      expect(await membership.isMember(newcomer.address)).to.equal(false);
    });

    it("lets anyone (the executor role is open) execute a queued proposal once its delay has run", async function () {
      const { governor, membership, members, bank, outsider, newcomer, admit } = await loadFixture(systemFixture);
      const id = await propose(governor, bank, [await admit(newcomer.address)], "Admit Futian Trust");
      await toVotingStart(governor, id);
      for (const m of members) await governor.connect(m).castVote(id, Vote.For);
      await toVotingEnd(governor, id);
      await governor.connect(outsider)["queue(uint256)"](id);
      await toEta(governor, id);
      await expect(governor.connect(outsider)["execute(uint256)"](id))
        .to.emit(governor, "ProposalExecuted")
        .withArgs(id);
      expect(await membership.isMember(newcomer.address)).to.equal(true);
    });

    it("upgrades a proxy (the membership register) only through a proposal", async function () {
      const { governor, membership, members, bank } = await loadFixture(systemFixture);
      const proxy = await membership.getAddress();
      const next = await (await ethers.getContractFactory("ConsortiumMembership")).deploy();
      const nextAddress = await next.getAddress();
      await expect(membership.connect(bank).upgradeToAndCall(nextAddress, "0x"))
        .to.be.revertedWithCustomError(membership, "AccessControlUnauthorizedAccount")
        .withArgs(bank.address, DEFAULT_ADMIN_ROLE);
      await passProposal(
        governor,
        members,
        [await action(membership, "upgradeToAndCall", [nextAddress, "0x"])],
        "Upgrade the membership register",
      );
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(nextAddress);
      expect(await membership.totalWeight()).to.equal(100n);
    });
  });

  describe("sequential proposal ids and proposal storage", function () {
    it("numbers proposals 1, 2, 3 and lists them with proposalCount / proposalDetailsAt / proposalDetails", async function () {
      const { governor, membership, bank, securities, insurer, newcomer, newKey, grantee, admit } =
        await loadFixture(systemFixture);
      const proposals: { proposer: HardhatEthersSigner; actions: Action[]; description: string }[] = [
        { proposer: bank, actions: [await admit(newcomer.address)], description: "Admit Futian Trust" },
        {
          proposer: securities,
          actions: [await action(membership, "setWeight", [insurer.address, 30])],
          description: "Raise Qianhai Insurance to 30",
        },
        {
          proposer: insurer,
          actions: [await admit(newKey.address), await admit(grantee.address)],
          description: "Admit two newcomers",
        },
      ];
      expect(await governor.proposalCount()).to.equal(0n);
      expect(await governor.latestProposalId()).to.equal(0n);
      for (const [i, p] of proposals.entries()) {
        const [targets, values, calldatas] = proposalArgs(p.actions);
        await expect(governor.connect(p.proposer).propose(targets, values, calldatas, p.description))
          .to.emit(governor, "ProposalCreated")
          .withArgs(
            BigInt(i + 1),
            p.proposer.address,
            targets,
            values,
            (v: string[]) => v.length === targets.length,
            calldatas,
            (s: bigint) => s > 0n,
            (e: bigint) => e > 0n,
            p.description,
          );
      }
      expect(await governor.proposalCount()).to.equal(3n);
      expect(await governor.latestProposalId()).to.equal(3n);
      for (const [i, p] of proposals.entries()) {
        const id = BigInt(i + 1);
        const [targets, values, calldatas] = proposalArgs(p.actions);
        const descriptionHash = ethers.id(p.description);
        expect(await governor.getProposalId(targets, values, calldatas, descriptionHash)).to.equal(id);
        expect(await governor.hashProposal(targets, values, calldatas, descriptionHash)).to.not.equal(id);
        expect(await governor.proposalProposer(id)).to.equal(p.proposer.address);
        const [atId, atTargets, atValues, atCalldatas, atDescriptionHash] = await governor.proposalDetailsAt(i);
        expect(atId).to.equal(id);
        expect([...atTargets]).to.deep.equal(targets);
        expect([...atValues]).to.deep.equal(values);
        expect([...atCalldatas]).to.deep.equal(calldatas);
        expect(atDescriptionHash).to.equal(descriptionHash);
        const [dTargets, dValues, dCalldatas, dDescriptionHash] = await governor.proposalDetails(id);
        expect([[...dTargets], [...dValues], [...dCalldatas], dDescriptionHash]).to.deep.equal([
          targets,
          values,
          calldatas,
          descriptionHash,
        ]);
      }
    });

    it("refuses the same proposal twice and unknown proposals", async function () {
      const { governor, bank, securities, newcomer, admit } = await loadFixture(systemFixture);
      const actions = [await admit(newcomer.address)];
      const id = await propose(governor, bank, actions, "Admit Futian Trust");
      const [targets, values, calldatas] = proposalArgs(actions);
      await expect(governor.connect(securities).propose(targets, values, calldatas, "Admit Futian Trust"))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(id, ProposalState.Pending, ethers.ZeroHash);
      expect(await governor.proposalCount()).to.equal(1n);
      await expect(governor.getProposalId(targets, values, calldatas, ethers.id("never proposed")))
        .to.be.revertedWithCustomError(governor, "GovernorNonexistentProposal")
        .withArgs(0n);
      await expect(governor.state(2n))
        .to.be.revertedWithCustomError(governor, "GovernorNonexistentProposal")
        .withArgs(2n);
      await expect(governor.proposalDetails(2n))
        .to.be.revertedWithCustomError(governor, "GovernorNonexistentProposal")
        .withArgs(2n);
    });

    it("queues and executes by id, ids following each other across the life cycle", async function () {
      const { governor, membership, members, newcomer, newKey, admit } = await loadFixture(systemFixture);
      const first = await passProposal(governor, members, [await admit(newcomer.address)], "Admit Futian Trust");
      const second = await passProposal(governor, members, [await admit(newKey.address, 5)], "Admit Longhua Bank");
      expect([first, second]).to.deep.equal([1n, 2n]);
      expect(await governor.state(first)).to.equal(ProposalState.Executed);
      expect(await governor.state(second)).to.equal(ProposalState.Executed);
      expect(await membership.totalWeight()).to.equal(115n);
    });
  });

  describe("vote counting (For / Against / Abstain)", function () {
    it("adds each member's weight to its choice and records who voted", async function () {
      const { governor, bank, securities, insurer, outsider, newcomer, admit } = await loadFixture(systemFixture);
      const id = await propose(governor, bank, [await admit(newcomer.address)], "Admit Futian Trust");
      await toVotingStart(governor, id);
      await governor.connect(bank).castVote(id, Vote.Against);
      expect(await governor.proposalVotes(id)).to.deep.equal([40n, 0n, 0n]);
      await governor.connect(securities).castVote(id, Vote.For);
      expect(await governor.proposalVotes(id)).to.deep.equal([40n, 35n, 0n]);
      await governor.connect(insurer).castVote(id, Vote.Abstain);
      expect(await governor.proposalVotes(id)).to.deep.equal([40n, 35n, 25n]);
      for (const m of [bank, securities, insurer]) expect(await governor.hasVoted(id, m.address)).to.equal(true);
      expect(await governor.hasVoted(id, outsider.address)).to.equal(false);
      expect(await governor.getVotes(bank.address, await governor.proposalSnapshot(id))).to.equal(40n);
      await toVotingEnd(governor, id);
      // 35 / (35 + 40) is not above one half
      expect(await governor.state(id)).to.equal(ProposalState.Defeated);
    });

    it("rejects a vote type other than Against (0), For (1), Abstain (2) with GovernorInvalidVoteType", async function () {
      const { governor, bank, newcomer, admit } = await loadFixture(systemFixture);
      const id = await propose(governor, bank, [await admit(newcomer.address)], "Admit Futian Trust");
      await toVotingStart(governor, id);
      await expect(governor.connect(bank).castVote(id, 3)).to.be.revertedWithCustomError(
        governor,
        "GovernorInvalidVoteType",
      );
      expect(await governor.hasVoted(id, bank.address)).to.equal(false);
    });

    it("refuses a non-member's vote (NoVotingWeight): no zero-weight VoteCast", async function () {
      const { governor, bank, outsider, newcomer, admit } = await loadFixture(systemFixture);
      const id = await propose(governor, bank, [await admit(newcomer.address)], "Admit Futian Trust");
      await toVotingStart(governor, id);
      await expect(governor.connect(outsider).castVote(id, Vote.For))
        .to.be.revertedWithCustomError(governor, "NoVotingWeight")
        .withArgs(outsider.address);
      expect(await governor.hasVoted(id, outsider.address)).to.equal(false);
      expect(await governor.proposalVotes(id)).to.deep.equal([0n, 0n, 0n]);
    });
  });

  describe("counting mode (ERC-5805)", function () {
    it("says that Against votes count towards the quorum", async function () {
      const { governor } = await loadFixture(deployConsortiumFixture);
      expect(await governor.COUNTING_MODE()).to.equal("support=bravo&quorum=for,against,abstain");
    });
  });

  describe("quorum: participation in basis points of the total weight at the snapshot", function () {
    it("computes quorum as quorumBasisPoints of the total weight (5000 bps of 100 = 50)", async function () {
      const f = await loadFixture(quorumEdgeFixture);
      const { governor } = f;
      const { id } = await voteOutcome(f, [[f.members[0], Vote.For]]);
      expect(await governor["quorumNumerator()"]()).to.equal(5_000n);
      expect(await governor.quorumDenominator()).to.equal(10_000n);
      expect(await governor.quorum(await governor.proposalSnapshot(id))).to.equal(50n);
    });

    it("succeeds with participation exactly at the quorum (50 For)", async function () {
      const f = await loadFixture(quorumEdgeFixture);
      const { state } = await voteOutcome(f, [[f.members[0], Vote.For]]);
      expect(state).to.equal(ProposalState.Succeeded);
    });

    it("is Defeated one unit below the quorum (49 For, unanimous)", async function () {
      const f = await loadFixture(quorumEdgeFixture);
      const { id, state } = await voteOutcome(f, [[f.members[1], Vote.For]]);
      expect(await f.governor.proposalVotes(id)).to.deep.equal([0n, 49n, 0n]);
      expect(state).to.equal(ProposalState.Defeated);
    });

    it("counts Against as participation (49 For + 1 Against reaches 50)", async function () {
      const f = await loadFixture(quorumEdgeFixture);
      const { state } = await voteOutcome(f, [
        [f.members[1], Vote.For],
        [f.members[2], Vote.Against],
      ]);
      expect(state).to.equal(ProposalState.Succeeded);
    });

    it("counts Abstain as participation (49 For + 1 Abstain reaches 50)", async function () {
      const f = await loadFixture(quorumEdgeFixture);
      const { state } = await voteOutcome(f, [
        [f.members[1], Vote.For],
        [f.members[2], Vote.Abstain],
      ]);
      expect(state).to.equal(ProposalState.Succeeded);
    });
  });

  describe("approval: For / (For + Against) strictly above the threshold", function () {
    it("is Defeated exactly at a 5000 bps threshold (50 For : 50 Against)", async function () {
      const f = await loadFixture(majorityEdgeFixture);
      const { state } = await voteOutcome(f, [
        [f.members[0], Vote.For],
        [f.members[1], Vote.Against],
      ]);
      expect(state).to.equal(ProposalState.Defeated);
    });

    it("succeeds one unit above a 5000 bps threshold (51 For : 50 Against)", async function () {
      const f = await loadFixture(majorityEdgeFixture);
      const { state } = await voteOutcome(f, [
        [f.members[0], Vote.For],
        [f.members[2], Vote.For],
        [f.members[1], Vote.Against],
      ]);
      expect(state).to.equal(ProposalState.Succeeded);
    });

    it("leaves Abstain out of the approval ratio (50 For : 50 Against : 1 Abstain is still a tie)", async function () {
      const f = await loadFixture(majorityEdgeFixture);
      const { state } = await voteOutcome(f, [
        [f.members[0], Vote.For],
        [f.members[1], Vote.Against],
        [f.members[2], Vote.Abstain],
      ]);
      expect(state).to.equal(ProposalState.Defeated);
    });

    it("is Defeated exactly at a 6667 bps threshold (6667 For : 3333 Against)", async function () {
      const f = await loadFixture(twoThirdsEdgeFixture);
      expect(await f.governor["approvalThreshold()"]()).to.equal(6_667n);
      const { state } = await voteOutcome(f, [
        [f.members[0], Vote.For],
        [f.members[1], Vote.Against],
      ]);
      expect(state).to.equal(ProposalState.Defeated);
    });

    it("succeeds one unit above a 6667 bps threshold (6668 For : 3333 Against)", async function () {
      const f = await loadFixture(twoThirdsEdgeFixture);
      const { state } = await voteOutcome(f, [
        [f.members[0], Vote.For],
        [f.members[2], Vote.For],
        [f.members[1], Vote.Against],
      ]);
      expect(state).to.equal(ProposalState.Succeeded);
    });

    it("at 6667 bps a 2:1 vote fails and a 67:33 vote passes", async function () {
      const f = await loadFixture(twoThirdsRatiosFixture);
      const [two, one, sixtySeven, thirtyThree] = f.members;
      const twoToOne = await voteOutcome(
        f,
        [
          [two, Vote.For],
          [one, Vote.Against],
        ],
        "2:1",
      );
      expect(twoToOne.state).to.equal(ProposalState.Defeated);
      const sixtySevenToThirtyThree = await voteOutcome(
        f,
        [
          [sixtySeven, Vote.For],
          [thirtyThree, Vote.Against],
        ],
        "67:33",
      );
      expect(sixtySevenToThirtyThree.state).to.equal(ProposalState.Succeeded);
    });

    it("refuses a threshold below 5000 or at/above 10000 at construction (InvalidApprovalThreshold)", async function () {
      const { governor, membership, timelock } = await loadFixture(systemFixture);
      const factory = await governorFactory();
      const deploy = (threshold: number) =>
        factory.deploy(
          membership.getAddress(),
          timelock.getAddress(),
          60,
          86_400,
          3_600,
          1,
          5_000,
          threshold,
          5_000,
          9_999,
          timelock.getAddress(),
        );
      for (const bad of [0, 4_999, 10_000]) {
        await expect(deploy(bad)).to.be.revertedWithCustomError(governor, "InvalidApprovalThreshold").withArgs(bad);
      }
      for (const good of [5_000, 9_999]) {
        const g = await deploy(good);
        expect(await g["approvalThreshold()"]()).to.equal(BigInt(good));
      }
    });
  });

  describe("settings change only through governance", function () {
    it("reverts direct calls, even from members and the deployer, with GovernorOnlyExecutor", async function () {
      const { governor, deployer, bank, outsider } = await loadFixture(systemFixture);
      for (const caller of [bank, deployer, outsider]) {
        const g = governor.connect(caller);
        const calls = [
          () => g.setApprovalThreshold(6_667),
          () => g.updateQuorumNumerator(1),
          () => g.setVotingPeriod(1),
          () => g.setVotingDelay(0),
          () => g.setProposalThreshold(0),
          () => g.relay(caller.address, 0, "0x"),
        ];
        for (const call of calls) {
          await expect(call()).to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor").withArgs(caller.address);
        }
      }
      expect(await governor["approvalThreshold()"]()).to.equal(5_000n);
      expect(await governor.votingPeriod()).to.equal(86_400n);
    });

    it("changes approval threshold, quorum, voting period, voting delay and proposal threshold by a proposal", async function () {
      const { governor, members } = await loadFixture(systemFixture);
      const actions = [
        await action(governor, "setApprovalThreshold", [6_667]),
        await action(governor, "updateQuorumNumerator", [6_000]),
        await action(governor, "setVotingPeriod", [3_600]),
        await action(governor, "setVotingDelay", [120]),
        await action(governor, "setProposalThreshold", [30]),
      ];
      const description = "Two-thirds majority, 60% quorum, faster votes";
      const id = await propose(governor, members[0], actions, description);
      await toVotingStart(governor, id);
      for (const m of members) await governor.connect(m).castVote(id, Vote.For);
      await toVotingEnd(governor, id);
      await governor["queue(uint256)"](id);
      await toEta(governor, id);
      await expect(governor["execute(uint256)"](id))
        .to.emit(governor, "ApprovalThresholdUpdated")
        .withArgs(5_000n, 6_667n)
        .and.to.emit(governor, "QuorumNumeratorUpdated")
        .withArgs(5_000n, 6_000n)
        .and.to.emit(governor, "VotingPeriodSet")
        .withArgs(86_400n, 3_600n)
        .and.to.emit(governor, "VotingDelaySet")
        .withArgs(60n, 120n)
        .and.to.emit(governor, "ProposalThresholdSet")
        .withArgs(1n, 30n);
      expect(await governor["approvalThreshold()"]()).to.equal(6_667n);
      expect(await governor["quorumNumerator()"]()).to.equal(6_000n);
      expect(await governor.votingPeriod()).to.equal(3_600n);
      expect(await governor.votingDelay()).to.equal(120n);
      expect(await governor.proposalThreshold()).to.equal(30n);

      // the insurer (25) is now below the proposal threshold (30)
      const [bank, , insurer] = members;
      await time.increase(1);
      await expect(propose(governor, insurer, actions.slice(0, 1), "too small to propose"))
        .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
        .withArgs(insurer.address, 25n, 30n);
      const next = await propose(governor, bank, actions.slice(0, 1), "new settings apply");
      const proposedAt = BigInt(await time.latest());
      expect(await governor.proposalSnapshot(next)).to.equal(proposedAt + 120n);
      expect(await governor.proposalDeadline(next)).to.equal(proposedAt + 120n + 3_600n);
    });

    it("refuses approval thresholds 4999 and 10000 (InvalidApprovalThreshold) and above the sensitive one (SensitiveBelowRoutine), accepts 6667", async function () {
      const { governor, members } = await loadFixture(systemFixture);
      const thresholds = [4_999, 10_000, 6_668, 6_667];
      const ids: bigint[] = [];
      for (const t of thresholds) {
        ids.push(
          await propose(governor, members[0], [await action(governor, "setApprovalThreshold", [t])], `threshold ${t}`),
        );
      }
      await toVotingStart(governor, ids[ids.length - 1]);
      for (const id of ids) for (const m of members) await governor.connect(m).castVote(id, Vote.For);
      await toVotingEnd(governor, ids[ids.length - 1]);
      for (const id of ids) await governor["queue(uint256)"](id);
      await toEta(governor, ids[ids.length - 1]);
      for (const [i, bad] of [4_999, 10_000].entries()) {
        await expect(governor["execute(uint256)"](ids[i]))
          .to.be.revertedWithCustomError(governor, "InvalidApprovalThreshold")
          .withArgs(bad);
        expect(await governor.state(ids[i])).to.equal(ProposalState.Queued);
      }
      await expect(governor["execute(uint256)"](ids[2]))
        .to.be.revertedWithCustomError(governor, "SensitiveBelowRoutine")
        .withArgs(6_667n, 6_667n);
      expect(await governor["approvalThreshold()"]()).to.equal(5_000n);
      await expect(governor["execute(uint256)"](ids[3]))
        .to.emit(governor, "ApprovalThresholdUpdated")
        .withArgs(5_000n, 6_667n);
      expect(await governor["approvalThreshold()"]()).to.equal(6_667n);
    });

    it("refuses a quorum above 10000 bps in a proposal (GovernorInvalidQuorumFraction)", async function () {
      const { governor, members } = await loadFixture(systemFixture);
      const id = await propose(governor, members[0], [await action(governor, "updateQuorumNumerator", [10_001])], "q");
      await toVotingStart(governor, id);
      for (const m of members) await governor.connect(m).castVote(id, Vote.For);
      await toVotingEnd(governor, id);
      await governor["queue(uint256)"](id);
      await toEta(governor, id);
      await expect(governor["execute(uint256)"](id))
        .to.be.revertedWithCustomError(governor, "GovernorInvalidQuorumFraction")
        .withArgs(10_001n, 10_000n);
      expect(await governor["quorumNumerator()"]()).to.equal(5_000n);
    });
  });

  /**
   * Passes `change` (all members For) while a second proposal, `target`, is open: `target` is
   * proposed shortly before the change's vote ends, so its snapshot precedes the change and its vote
   * is still running when the change is executed.
   */
  async function passWhileOpen(
    f: Awaited<ReturnType<typeof systemFixture>>,
    change: Action[],
    target: Action[],
    voteEarly: [HardhatEthersSigner, Vote][] = [],
  ): Promise<{ targetId: bigint; changeId: bigint }> {
    const { governor, members, bank } = f;
    const changeId = await propose(governor, bank, change, "the change");
    await toVotingStart(governor, changeId);
    for (const m of members) await governor.connect(m).castVote(changeId, Vote.For);
    await time.increaseTo((await governor.proposalDeadline(changeId)) - 600n);
    const targetId = await propose(governor, bank, target, "the proposal under vote");
    await toVotingStart(governor, targetId);
    for (const [voter, support] of voteEarly) await governor.connect(voter).castVote(targetId, support);
    await toVotingEnd(governor, changeId);
    await governor["queue(uint256)"](changeId);
    await toEta(governor, changeId);
    await governor["execute(uint256)"](changeId);
    expect(await governor.state(changeId)).to.equal(ProposalState.Executed);
    expect(await governor.state(targetId)).to.equal(ProposalState.Active);
    return { targetId, changeId };
  }

  describe("thresholds are checkpointed: a vote in progress keeps its rules", function () {
    it("keeps the approval threshold of the snapshot when governance raises it mid-vote", async function () {
      const f = await loadFixture(systemFixture);
      const { governor, bank, securities, insurer, routine } = f;
      const { targetId } = await passWhileOpen(
        f,
        [await action(governor, "setApprovalThreshold", [6_667])],
        [await routine()],
      );
      expect(await governor["approvalThreshold()"]()).to.equal(6_667n);
      expect(await governor["approvalThreshold(uint256)"](await governor.proposalSnapshot(targetId))).to.equal(5_000n);
      // 65 : 35 passes a simple majority but not two thirds
      await governor.connect(bank).castVote(targetId, Vote.For);
      await governor.connect(insurer).castVote(targetId, Vote.For);
      await governor.connect(securities).castVote(targetId, Vote.Against);
      await toVotingEnd(governor, targetId);
      expect(await governor.state(targetId)).to.equal(ProposalState.Succeeded);

      // the same vote on a proposal made after the change is defeated
      const later = await propose(governor, bank, [await routine()], "after the change");
      await toVotingStart(governor, later);
      await governor.connect(bank).castVote(later, Vote.For);
      await governor.connect(insurer).castVote(later, Vote.For);
      await governor.connect(securities).castVote(later, Vote.Against);
      await toVotingEnd(governor, later);
      expect(await governor.state(later)).to.equal(ProposalState.Defeated);
    });

    it("keeps the quorum of the snapshot when governance raises it mid-vote", async function () {
      const f = await loadFixture(systemFixture);
      const { governor, bank, insurer, routine } = f;
      const { targetId } = await passWhileOpen(
        f,
        [await action(governor, "updateQuorumNumerator", [6_600])],
        [await routine()],
      );
      const snapshot = await governor.proposalSnapshot(targetId);
      expect(await governor.quorum(snapshot)).to.equal(50n);
      expect(await governor["quorumNumerator(uint256)"](snapshot)).to.equal(5_000n);
      expect(await governor["quorumNumerator()"]()).to.equal(6_600n);
      // participation 65: above 50, below 66
      await governor.connect(bank).castVote(targetId, Vote.For);
      await governor.connect(insurer).castVote(targetId, Vote.For);
      await toVotingEnd(governor, targetId);
      expect(await governor.state(targetId)).to.equal(ProposalState.Succeeded);

      const later = await propose(governor, bank, [await routine()], "after the change");
      await toVotingStart(governor, later);
      expect(await governor.quorum(await governor.proposalSnapshot(later))).to.equal(66n);
      await governor.connect(bank).castVote(later, Vote.For);
      await governor.connect(insurer).castVote(later, Vote.For);
      await toVotingEnd(governor, later);
      expect(await governor.state(later)).to.equal(ProposalState.Defeated);
    });
  });

  describe("weights at the snapshot: membership changes during a vote do not change it", function () {
    it("counts snapshot weights after a re-weighting, a removal and an admission executed mid-vote", async function () {
      const f = await loadFixture(systemFixture);
      const { governor, membership, bank, securities, insurer, newcomer, admit, routine } = f;
      const { targetId } = await passWhileOpen(
        f,
        [
          await action(membership, "setWeight", [bank.address, 1]),
          await action(membership, "removeMember", [insurer.address]),
          await admit(newcomer.address, 50),
        ],
        [await routine()],
        [[securities, Vote.Against]],
      );
      expect(await membership.getVotes(bank.address)).to.equal(1n);
      expect(await membership.isMember(insurer.address)).to.equal(false);
      expect(await membership.getVotes(newcomer.address)).to.equal(50n);

      await expect(governor.connect(bank).castVote(targetId, Vote.For))
        .to.emit(governor, "VoteCast")
        .withArgs(bank.address, targetId, Vote.For, 40n, "");
      await expect(governor.connect(insurer).castVote(targetId, Vote.Abstain))
        .to.emit(governor, "VoteCast")
        .withArgs(insurer.address, targetId, Vote.Abstain, 25n, "");
      // admitted after the snapshot: no weight on this vote, so no vote at all
      await expect(governor.connect(newcomer).castVote(targetId, Vote.Against))
        .to.be.revertedWithCustomError(governor, "NoVotingWeight")
        .withArgs(newcomer.address);
      expect(await governor.proposalVotes(targetId)).to.deep.equal([35n, 40n, 25n]);
      const snapshot = await governor.proposalSnapshot(targetId);
      expect(await governor.quorum(snapshot)).to.equal(50n);
      await toVotingEnd(governor, targetId);
      expect(await governor.state(targetId)).to.equal(ProposalState.Succeeded);
    });

    it("gives a member admitted by governance its weight on the proposals made afterwards", async function () {
      const { governor, membership, members, bank, newcomer, newKey, admit } = await loadFixture(systemFixture);
      await passProposal(governor, members, [await admit(newcomer.address, 10)], "Admit Futian Trust");
      // newcomer is a member now; a proposal made in the same second has its snapshot 60 s later
      const id = await propose(governor, bank, [await admit(newKey.address)], "next");
      await toVotingStart(governor, id);
      await expect(governor.connect(newcomer).castVote(id, Vote.For))
        .to.emit(governor, "VoteCast")
        .withArgs(newcomer.address, id, Vote.For, 10n, "");
      expect(await membership.getVotes(newcomer.address)).to.equal(10n);
    });
  });

  describe("key rotation through governance", function () {
    it("moves the vote to the new key: the new key proposes and votes with the weight, the old one has none", async function () {
      const { governor, membership, members, bank, securities, newKey, routine } = await loadFixture(systemFixture);
      await passProposal(
        governor,
        members,
        [await action(membership, "replaceMemberAccount", [bank.address, newKey.address])],
        "Rotate Pearl River Bank's key",
      );
      expect(await membership.isMember(bank.address)).to.equal(false);
      expect(await membership.weightOf(newKey.address)).to.equal(40n);
      expect(await membership.totalWeight()).to.equal(100n);
      await time.increase(1);

      await expect(propose(governor, bank, [await routine()], "from the old key"))
        .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
        .withArgs(bank.address, 0n, 1n);
      const id = await propose(governor, newKey, [await routine()], "from the new key");
      expect(await governor.proposalProposer(id)).to.equal(newKey.address);
      await toVotingStart(governor, id);
      await expect(governor.connect(newKey).castVote(id, Vote.For))
        .to.emit(governor, "VoteCast")
        .withArgs(newKey.address, id, Vote.For, 40n, "");
      await expect(governor.connect(bank).castVote(id, Vote.Against))
        .to.be.revertedWithCustomError(governor, "NoVotingWeight")
        .withArgs(bank.address);
      await governor.connect(securities).castVote(id, Vote.Against);
      expect(await governor.proposalVotes(id)).to.deep.equal([35n, 40n, 0n]);
      await toVotingEnd(governor, id);
      expect(await governor.state(id)).to.equal(ProposalState.Succeeded);
    });

    it("leaves a vote already open at the rotation with the key that held the weight at its snapshot", async function () {
      const f = await loadFixture(systemFixture);
      const { governor, membership, bank, newKey, newcomer, admit } = f;
      const { targetId } = await passWhileOpen(
        f,
        [await action(membership, "replaceMemberAccount", [bank.address, newKey.address])],
        [await admit(newcomer.address)],
      );
      expect(await membership.isMember(newKey.address)).to.equal(true);
      await expect(governor.connect(newKey).castVote(targetId, Vote.For))
        .to.be.revertedWithCustomError(governor, "NoVotingWeight")
        .withArgs(newKey.address);
      await expect(governor.connect(bank).castVote(targetId, Vote.For))
        .to.emit(governor, "VoteCast")
        .withArgs(bank.address, targetId, Vote.For, 40n, "");
      expect(await governor.proposalVotes(targetId)).to.deep.equal([0n, 40n, 0n]);
    });
  });

  describe("castVoteBySig (EIP-712 Ballot)", function () {
    async function openProposal() {
      const f = await loadFixture(systemFixture);
      const id = await propose(f.governor, f.bank, [await f.admit(f.newcomer.address)], "Admit Futian Trust");
      await toVotingStart(f.governor, id);
      return { ...f, id };
    }

    it("counts a valid signature relayed by a non-member for the signer", async function () {
      const { governor, bank, relayer, id } = await openProposal();
      const nonce = await governor.nonces(bank.address);
      expect(nonce).to.equal(0n);
      const signature = await signBallot(bank, governor, {
        proposalId: id,
        support: Vote.For,
        voter: bank.address,
        nonce,
      });
      await expect(governor.connect(relayer).castVoteBySig(id, Vote.For, bank.address, signature))
        .to.emit(governor, "VoteCast")
        .withArgs(bank.address, id, Vote.For, 40n, "");
      expect(await governor.hasVoted(id, bank.address)).to.equal(true);
      expect(await governor.hasVoted(id, relayer.address)).to.equal(false);
      expect(await governor.proposalVotes(id)).to.deep.equal([0n, 40n, 0n]);
      expect(await governor.nonces(bank.address)).to.equal(1n);
    });

    it("refuses a replayed signature (its nonce is used) with GovernorInvalidSignature", async function () {
      const { governor, bank, relayer, id } = await openProposal();
      const signature = await signBallot(bank, governor, {
        proposalId: id,
        support: Vote.For,
        voter: bank.address,
        nonce: 0n,
      });
      await governor.connect(relayer).castVoteBySig(id, Vote.For, bank.address, signature);
      await expect(governor.connect(relayer).castVoteBySig(id, Vote.For, bank.address, signature))
        .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
        .withArgs(bank.address);
      expect(await governor.proposalVotes(id)).to.deep.equal([0n, 40n, 0n]);
    });

    it("refuses a ballot signed by someone else than the voter (GovernorInvalidSignature)", async function () {
      const { governor, bank, outsider, relayer, id } = await openProposal();
      const forged = await signBallot(outsider, governor, {
        proposalId: id,
        support: Vote.For,
        voter: bank.address,
        nonce: 0n,
      });
      await expect(governor.connect(relayer).castVoteBySig(id, Vote.For, bank.address, forged))
        .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
        .withArgs(bank.address);
      expect(await governor.hasVoted(id, bank.address)).to.equal(false);
      expect(await governor.nonces(bank.address)).to.equal(0n);
    });

    it("refuses a signature used for another choice, proposal or contract (GovernorInvalidSignature)", async function () {
      const { governor, membership, bank, securities, relayer, newKey, admit, id } = await openProposal();
      const other = await propose(governor, securities, [await admit(newKey.address)], "another proposal");
      await toVotingStart(governor, other);
      const ballot = { proposalId: id, support: Vote.For, voter: bank.address, nonce: 0n };
      const forFirst = await signBallot(bank, governor, ballot);
      await expect(governor.connect(relayer).castVoteBySig(id, Vote.Against, bank.address, forFirst))
        .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
        .withArgs(bank.address);
      await expect(governor.connect(relayer).castVoteBySig(other, Vote.For, bank.address, forFirst))
        .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
        .withArgs(bank.address);
      const otherDomain = await signBallot(bank, governor, ballot, await membership.getAddress());
      await expect(governor.connect(relayer).castVoteBySig(id, Vote.For, bank.address, otherDomain))
        .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
        .withArgs(bank.address);
      expect(await governor.hasVoted(id, bank.address)).to.equal(false);
      expect(await governor.hasVoted(other, bank.address)).to.equal(false);
      // the genuine signature still works
      await governor.connect(relayer).castVoteBySig(id, Vote.For, bank.address, forFirst);
      expect(await governor.proposalVotes(id)).to.deep.equal([0n, 40n, 0n]);
    });

    it("refuses a signed vote from a member who already voted (GovernorAlreadyCastVote)", async function () {
      const { governor, bank, relayer, id } = await openProposal();
      await governor.connect(bank).castVote(id, Vote.Against);
      const signature = await signBallot(bank, governor, {
        proposalId: id,
        support: Vote.For,
        voter: bank.address,
        nonce: 0n,
      });
      await expect(governor.connect(relayer).castVoteBySig(id, Vote.For, bank.address, signature))
        .to.be.revertedWithCustomError(governor, "GovernorAlreadyCastVote")
        .withArgs(bank.address);
    });
  });

  describe("voting window and double votes", function () {
    it("refuses a second vote with GovernorAlreadyCastVote", async function () {
      const { governor, bank, newcomer, admit } = await loadFixture(systemFixture);
      const id = await propose(governor, bank, [await admit(newcomer.address)], "Admit Futian Trust");
      await toVotingStart(governor, id);
      await governor.connect(bank).castVote(id, Vote.For);
      for (const support of [Vote.For, Vote.Against]) {
        await expect(governor.connect(bank).castVote(id, support))
          .to.be.revertedWithCustomError(governor, "GovernorAlreadyCastVote")
          .withArgs(bank.address);
      }
      expect(await governor.proposalVotes(id)).to.deep.equal([0n, 40n, 0n]);
    });

    it("refuses votes up to the snapshot and after the deadline; accepts them from snapshot + 1 to the deadline", async function () {
      const { governor, bank, securities, insurer, newcomer, admit } = await loadFixture(systemFixture);
      const id = await propose(governor, bank, [await admit(newcomer.address)], "Admit Futian Trust");
      const snapshot = await governor.proposalSnapshot(id);
      const deadline = await governor.proposalDeadline(id);
      const active = stateBitmap(ProposalState.Active);

      await expect(governor.connect(bank).castVote(id, Vote.For))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(id, ProposalState.Pending, active);
      await time.setNextBlockTimestamp(snapshot);
      await expect(governor.connect(bank).castVote(id, Vote.For, MINED))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(id, ProposalState.Pending, active);
      await time.setNextBlockTimestamp(snapshot + 1n);
      await expect(governor.connect(bank).castVote(id, Vote.For)).to.emit(governor, "VoteCast");
      await time.setNextBlockTimestamp(deadline);
      await expect(governor.connect(securities).castVote(id, Vote.For, MINED)).to.emit(governor, "VoteCast");
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(governor.connect(insurer).castVote(id, Vote.Against, MINED))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(id, ProposalState.Succeeded, active);
      expect(await governor.proposalVotes(id)).to.deep.equal([0n, 75n, 0n]);
    });
  });

  describe("proposing", function () {
    it("refuses proposals from non-members (GovernorInsufficientProposerVotes)", async function () {
      const { governor, outsider, newcomer, admit } = await loadFixture(systemFixture);
      const [targets, values, calldatas] = proposalArgs([await admit(newcomer.address)]);
      await expect(governor.connect(outsider).propose(targets, values, calldatas, "let me in"))
        .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
        .withArgs(outsider.address, 0n, 1n);
      expect(await governor.proposalCount()).to.equal(0n);
    });

    it("refuses proposals from a removed member", async function () {
      const { governor, membership, members, insurer, newcomer, admit } = await loadFixture(systemFixture);
      await passProposal(governor, members, [await action(membership, "removeMember", [insurer.address])], "remove");
      await time.increase(1);
      await expect(propose(governor, insurer, [await admit(newcomer.address)], "still here?"))
        .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
        .withArgs(insurer.address, 0n, 1n);
    });
  });

  describe("cancellation", function () {
    it("lets the proposer cancel while Pending, by id; the proposal cannot then be voted", async function () {
      const { governor, bank, newcomer, admit } = await loadFixture(systemFixture);
      const id = await propose(governor, bank, [await admit(newcomer.address)], "Admit Futian Trust");
      await expect(governor.connect(bank)["cancel(uint256)"](id)).to.emit(governor, "ProposalCanceled").withArgs(id);
      expect(await governor.state(id)).to.equal(ProposalState.Canceled);
      await toVotingStart(governor, id);
      await expect(governor.connect(bank).castVote(id, Vote.For))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(id, ProposalState.Canceled, stateBitmap(ProposalState.Active));
    });

    it("refuses cancellation by anyone but the proposer (GovernorUnableToCancel)", async function () {
      const { governor, bank, securities, deployer, newcomer, admit } = await loadFixture(systemFixture);
      const id = await propose(governor, bank, [await admit(newcomer.address)], "Admit Futian Trust");
      for (const caller of [securities, deployer]) {
        await expect(governor.connect(caller)["cancel(uint256)"](id))
          .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
          .withArgs(id, caller.address);
      }
      expect(await governor.state(id)).to.equal(ProposalState.Pending);
    });

    it("refuses cancellation by the proposer once the vote has started, or once queued", async function () {
      const { governor, members, bank, newcomer, admit } = await loadFixture(systemFixture);
      const id = await propose(governor, bank, [await admit(newcomer.address)], "Admit Futian Trust");
      await toVotingStart(governor, id);
      await expect(governor.connect(bank)["cancel(uint256)"](id))
        .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
        .withArgs(id, bank.address);
      for (const m of members) await governor.connect(m).castVote(id, Vote.For);
      await toVotingEnd(governor, id);
      await governor["queue(uint256)"](id);
      await expect(governor.connect(bank)["cancel(uint256)"](id))
        .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
        .withArgs(id, bank.address);
      expect(await governor.state(id)).to.equal(ProposalState.Queued);
    });
  });

  describe("the timelock cannot be bypassed", function () {
    it("refuses schedule / scheduleBatch / cancel from members and the deployer (AccessControlUnauthorizedAccount)", async function () {
      const { timelock, membership, deployer, bank, newcomer } = await loadFixture(systemFixture);
      const target = await membership.getAddress();
      const data = membership.interface.encodeFunctionData("addMember", [newcomer.address, 100, "x", ""]);
      for (const caller of [bank, deployer]) {
        const t = timelock.connect(caller);
        await expect(t.schedule(target, 0, data, ethers.ZeroHash, ethers.ZeroHash, 3_600))
          .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, PROPOSER_ROLE);
        await expect(t.scheduleBatch([target], [0], [data], ethers.ZeroHash, ethers.ZeroHash, 3_600))
          .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, PROPOSER_ROLE);
        await expect(t.cancel(ethers.id("any operation")))
          .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, CANCELLER_ROLE);
        await expect(t.grantRole(PROPOSER_ROLE, caller.address))
          .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
        await expect(t.updateDelay(0))
          .to.be.revertedWithCustomError(timelock, "TimelockUnauthorizedCaller")
          .withArgs(caller.address);
      }
      expect(await timelock.hasRole(EXECUTOR_ROLE, ethers.ZeroAddress)).to.equal(true);
    });

    it("refuses to execute an operation that was never scheduled (TimelockUnexpectedOperationState)", async function () {
      const { timelock, membership, deployer, bank, newcomer } = await loadFixture(systemFixture);
      const target = await membership.getAddress();
      const data = membership.interface.encodeFunctionData("addMember", [newcomer.address, 100, "x", ""]);
      const opId = await timelock.hashOperation(target, 0, data, ethers.ZeroHash, ethers.ZeroHash);
      for (const caller of [bank, deployer]) {
        await expect(timelock.connect(caller).execute(target, 0, data, ethers.ZeroHash, ethers.ZeroHash))
          .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
          .withArgs(opId, stateBitmap(OperationState.Ready));
      }
      expect(await membership.isMember(newcomer.address)).to.equal(false);
    });

    it("refuses to execute a passed proposal before it is queued, or before its ETA", async function () {
      const { governor, timelock, membership, members, bank, newcomer, admit } = await loadFixture(systemFixture);
      const actions = [await admit(newcomer.address)];
      const description = "Admit Futian Trust";
      const id = await propose(governor, bank, actions, description);
      const opId = await operationId(governor, timelock, actions, description);
      await toVotingStart(governor, id);
      for (const m of members) await governor.connect(m).castVote(id, Vote.For);
      await toVotingEnd(governor, id);
      expect(await governor.state(id)).to.equal(ProposalState.Succeeded);
      await expect(governor["execute(uint256)"](id))
        .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
        .withArgs(opId, stateBitmap(OperationState.Ready));

      await governor["queue(uint256)"](id);
      const eta = await governor.proposalEta(id);
      const [targets, values, calldatas] = proposalArgs(actions);
      const salt = ethers.toBeHex((BigInt(await governor.getAddress()) << 96n) ^ BigInt(ethers.id(description)), 32);
      await time.setNextBlockTimestamp(eta - 1n);
      await expect(timelock.connect(bank).executeBatch(targets, values, calldatas, ethers.ZeroHash, salt, MINED))
        .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
        .withArgs(opId, stateBitmap(OperationState.Ready));
      expect(await membership.isMember(newcomer.address)).to.equal(false);
      expect(await governor.state(id)).to.equal(ProposalState.Queued);
    });

    it("refuses admin functions on membership, registry and tokens from the deployer and members", async function () {
      const { membership, identityRegistry, securityToken, cashToken, deployer, bank, newcomer, REGISTRAR_ROLE } =
        await loadFixture(systemFixture);
      const SUPPLY_ROLE = await securityToken.SUPPLY_ROLE();
      for (const caller of [deployer, bank]) {
        const calls = [
          { contract: membership, call: () => membership.connect(caller).addMember(caller.address, 1000, "me", "") },
          { contract: membership, call: () => membership.connect(caller).setWeight(bank.address, 1000) },
          {
            contract: identityRegistry,
            call: () => identityRegistry.connect(caller).grantRole(REGISTRAR_ROLE, caller.address),
          },
          {
            contract: identityRegistry,
            call: () => identityRegistry.connect(caller).upgradeToAndCall(newcomer.address, "0x"),
          },
          { contract: securityToken, call: () => securityToken.connect(caller).grantRole(SUPPLY_ROLE, caller.address) },
          { contract: securityToken, call: () => securityToken.connect(caller).unpause() },
          {
            contract: securityToken,
            call: () => securityToken.connect(caller).upgradeToAndCall(newcomer.address, "0x"),
          },
          { contract: cashToken, call: () => cashToken.connect(caller).grantRole(SUPPLY_ROLE, caller.address) },
          { contract: cashToken, call: () => cashToken.connect(caller).upgradeToAndCall(newcomer.address, "0x") },
        ];
        for (const { contract, call } of calls) {
          await expect(call())
            .to.be.revertedWithCustomError(contract, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
        }
      }
    });
  });

  describe("clock (ERC-6372)", function () {
    it("uses the membership's timestamp clock", async function () {
      const { governor, membership } = await loadFixture(systemFixture);
      expect(await governor.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await governor.clock()).to.equal(BigInt(await time.latest()));
      expect(await governor.token()).to.equal(await membership.getAddress());
    });
  });
});

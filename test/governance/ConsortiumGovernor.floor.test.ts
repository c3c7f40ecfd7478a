import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  ProposalState,
  Vote,
  action,
  deployStandaloneGovernance,
  governorFactory,
  passProposal,
  propose,
} from "../fixtures/governance";

const HOUR = 3_600;
const MAX_VOTING_PERIOD = 30 * 86_400;

/** Members 40 / 35 / 25 on a governor with the production floor (1 hour) and a 1-day voting period. */
async function productionFloorFixture() {
  return deployStandaloneGovernance({ weights: [40, 35, 25] });
}

/**
 * Members 40 / 35 / 25 on a governor whose floor is 12 seconds (as a throwaway instance that
 * qualifies a chain): voting delay 2 s, voting period 60 s, timelock delay 5 s.
 */
async function shortFloorFixture() {
  return deployStandaloneGovernance({
    weights: [40, 35, 25],
    votingDelay: 2,
    votingPeriod: 60,
    votingPeriodFloor: 12,
    minDelay: 5,
  });
}

type Governance = Awaited<ReturnType<typeof shortFloorFixture>>;

/** Deploys another governor on `f`'s membership and timelock with these voting settings. */
async function deployGovernor(f: Governance, votingPeriod: number, floor: number) {
  const factory = await governorFactory();
  return factory.deploy(
    f.membership.getAddress(),
    f.timelock.getAddress(),
    2,
    votingPeriod,
    floor,
    1,
    5_000,
    5_000,
    5_000,
    5_000,
    f.guardian.address,
  );
}

describe("ConsortiumGovernor: the voting-period floor, set at construction", function () {
  describe("the floor is the deployment's choice", function () {
    it("shows the floor it was deployed with (votingPeriodFloor): 1 hour in production, seconds for acceptance", async function () {
      const production = await loadFixture(productionFloorFixture);
      expect(await production.governor.votingPeriodFloor()).to.equal(BigInt(HOUR));
      const short = await loadFixture(shortFloorFixture);
      expect(await short.governor.votingPeriodFloor()).to.equal(12n);
      expect(await short.governor.votingPeriod()).to.equal(60n);
    });

    it("accepts an initial voting period equal to the floor, and a floor of 1 second and of 30 days", async function () {
      const f = await loadFixture(shortFloorFixture);
      const atFloor = await deployGovernor(f, 12, 12);
      expect(await atFloor.votingPeriod()).to.equal(12n);
      expect(await atFloor.votingPeriodFloor()).to.equal(12n);
      const oneSecond = await deployGovernor(f, 1, 1);
      expect(await oneSecond.votingPeriodFloor()).to.equal(1n);
      const longest = await deployGovernor(f, MAX_VOTING_PERIOD, MAX_VOTING_PERIOD);
      expect(await longest.votingPeriodFloor()).to.equal(BigInt(MAX_VOTING_PERIOD));
    });
  });

  describe("the constructor refuses a floor that would not protect members", function () {
    it("refuses a floor of 0 (VotingPeriodFloorZero)", async function () {
      const f = await loadFixture(shortFloorFixture);
      await expect(deployGovernor(f, 60, 0)).to.be.revertedWithCustomError(f.governor, "VotingPeriodFloorZero");
    });

    it("refuses a floor above the longest voting period, 30 days (VotingPeriodFloorTooLong)", async function () {
      const f = await loadFixture(shortFloorFixture);
      await expect(deployGovernor(f, MAX_VOTING_PERIOD, MAX_VOTING_PERIOD + 1))
        .to.be.revertedWithCustomError(f.governor, "VotingPeriodFloorTooLong")
        .withArgs(MAX_VOTING_PERIOD + 1, MAX_VOTING_PERIOD);
    });

    it("refuses an initial voting period below the floor (InitialVotingPeriodBelowFloor)", async function () {
      const f = await loadFixture(shortFloorFixture);
      await expect(deployGovernor(f, 11, 12))
        .to.be.revertedWithCustomError(f.governor, "InitialVotingPeriodBelowFloor")
        .withArgs(11, 12);
      await expect(deployGovernor(f, HOUR - 1, HOUR))
        .to.be.revertedWithCustomError(f.governor, "InitialVotingPeriodBelowFloor")
        .withArgs(HOUR - 1, HOUR);
    });
  });

  describe("governance cannot go below the floor, nor move it", function () {
    it("refuses setVotingPeriod below the floor at execution (VotingPeriodOutOfRange); the period is unchanged", async function () {
      const f = await loadFixture(shortFloorFixture);
      const id = await propose(f.governor, f.members[0], [await action(f.governor, "setVotingPeriod", [11])], "11 s");
      await time.increaseTo((await f.governor.proposalSnapshot(id)) + 1n);
      for (const m of f.members) await f.governor.connect(m).castVote(id, Vote.For);
      await time.increaseTo((await f.governor.proposalDeadline(id)) + 1n);
      await f.governor["queue(uint256)"](id);
      await time.increaseTo(await f.governor.proposalEta(id));
      await expect(f.governor["execute(uint256)"](id))
        .to.be.revertedWithCustomError(f.governor, "VotingPeriodOutOfRange")
        .withArgs(11);
      expect(await f.governor.state(id)).to.equal(BigInt(ProposalState.Queued));
      expect(await f.governor.votingPeriod()).to.equal(60n);
    });

    it("sets a voting period at the floor by a proposal (below the production hour, as this deployment chose)", async function () {
      const f = await loadFixture(shortFloorFixture);
      const setAtFloor = await action(f.governor, "setVotingPeriod", [12]);
      const id = await propose(f.governor, f.members[0], [setAtFloor], "votes last 12 s");
      await time.increaseTo((await f.governor.proposalSnapshot(id)) + 1n);
      for (const m of f.members) await f.governor.connect(m).castVote(id, Vote.For);
      await time.increaseTo((await f.governor.proposalDeadline(id)) + 1n);
      await f.governor["queue(uint256)"](id);
      await time.increaseTo(await f.governor.proposalEta(id));
      await expect(f.governor["execute(uint256)"](id)).to.emit(f.governor, "VotingPeriodSet").withArgs(60n, 12n);
      expect(await f.governor.votingPeriod()).to.equal(12n);
      expect(await f.governor.votingPeriodFloor()).to.equal(12n);
    });

    it("keeps the floor through governance rounds: no function of the governor changes it", async function () {
      const f = await loadFixture(productionFloorFixture);
      await passProposal(f.governor, f.members, [await action(f.governor, "setVotingPeriod", [HOUR])], "1 hour");
      expect(await f.governor.votingPeriod()).to.equal(BigInt(HOUR));
      expect(await f.governor.votingPeriodFloor()).to.equal(BigInt(HOUR));
      // the only function that names the floor is its view
      const floorFunctions: string[] = [];
      f.governor.interface.forEachFunction((fn) => {
        if (/floor/i.test(fn.name)) floorFunctions.push(`${fn.name} ${fn.stateMutability}`);
      });
      expect(floorFunctions).to.deep.equal(["votingPeriodFloor view"]);
    });
  });
});

import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { action, deployStandaloneGovernance, passProposal } from "../fixtures/governance";

/** Three members (40, 35, 25), the guardian, and an outsider with no part in governance. */
async function guardsFixture() {
  const f = await deployStandaloneGovernance({ weights: [40, 35, 25] });
  return { ...f, outsider: f.others[1] };
}

describe("ConsortiumGovernor: governance-only functions refuse every direct caller", function () {
  it("updateTimelock reverts with GovernorOnlyExecutor for a member, the guardian, the deployer and an outsider", async function () {
    const f = await loadFixture(guardsFixture);
    const timelock = await f.timelock.getAddress();
    for (const caller of [f.members[0], f.guardian, f.deployer, f.outsider]) {
      await expect(f.governor.connect(caller).updateTimelock(caller.address))
        .to.be.revertedWithCustomError(f.governor, "GovernorOnlyExecutor")
        .withArgs(caller.address);
    }
    expect(await f.governor.timelock()).to.equal(timelock);
  });

  it("updateTimelock works through a proposal the members pass (TimelockChange)", async function () {
    const f = await loadFixture(guardsFixture);
    const next = await (
      await ethers.getContractFactory("TimelockController")
    ).deploy(3_600, [await f.governor.getAddress()], [ethers.ZeroAddress], ethers.ZeroAddress);
    const before = await f.timelock.getAddress();
    const after = await next.getAddress();
    const proposal = [await action(f.governor, "updateTimelock", [after])];
    await passProposal(f.governor, f.members, proposal, "move to a new timelock");
    // The last TimelockChange (the constructor emitted the first, from zero).
    const change = (await f.governor.queryFilter(f.governor.filters.TimelockChange())).at(-1)!;
    expect([change.args.oldTimelock, change.args.newTimelock]).to.deep.equal([before, after]);
    expect(await f.governor.timelock()).to.equal(after);
  });
});

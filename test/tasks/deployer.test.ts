import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployerOf } from "../../tasks/lib/deployer";
import { loadSystem } from "../../tasks/lib/system";
import { tasksFixture } from "./helpers";

describe("tasks: the deployer consortium:verify-deployment checks", () => {
  it("is the sender of the transaction that created the timelock, not the network's first account", async () => {
    const f = await loadFixture(tasksFixture);
    const sys = await loadSystem(hre, f.deployment);
    expect((await deployerOf(sys)).address).to.equal(f.deployer.address);

    // a timelock created by another account: that account is the deployer
    const [other] = f.others;
    const timelock = await ethers.deployContract(
      "@openzeppelin/contracts/governance/TimelockController.sol:TimelockController",
      [60, [], [], other.address],
      other,
    );
    const moved = { ...sys, deployment: { ...sys.deployment, addresses: { ...sys.deployment.addresses } } };
    moved.deployment.addresses.timelock = await timelock.getAddress();
    const found = await deployerOf(moved);
    expect(found.address).to.equal(other.address);
    expect(found.transactionHash).to.equal(timelock.deploymentTransaction()?.hash);
    expect(other.address).to.not.equal((await ethers.getSigners())[0].address);

    // an address with no creation transaction is refused rather than guessed
    moved.deployment.addresses.timelock = other.address;
    let message = "";
    await deployerOf(moved).catch((e: Error) => (message = e.message));
    expect(message).to.match(
      /^cannot find the transaction that created the timelock 0x[0-9a-fA-F]{40} .*: pass --deployer <address>$/,
    );
  });
});

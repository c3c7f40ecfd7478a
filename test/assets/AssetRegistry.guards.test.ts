import hre, { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployIdentityRegistry } from "../../scripts/lib/deploy";
import type { AssetRegistry } from "../../typechain-types";

/** An empty asset registry administered by `admin`; `actions` stands for corporate actions. */
async function registryFixture() {
  const [admin, actions, operator, outsider] = await ethers.getSigners();
  const identity = await deployIdentityRegistry(hre, admin.address);
  const implementation = await (await ethers.getContractFactory("SecurityToken")).deploy();
  const assets = (await upgrades.deployProxy(
    await ethers.getContractFactory("AssetRegistry"),
    [admin.address, await identity.getAddress(), await implementation.getAddress(), actions.address, []],
    { kind: "uups" },
  )) as unknown as AssetRegistry;
  return { assets, admin, actions, operator, outsider };
}

describe("AssetRegistry: role administration is the admin's only", function () {
  it("grantRole and revokeRole revert with AccessControlUnauthorizedAccount for corporate actions and an outsider", async function () {
    const { assets, admin, actions, operator, outsider } = await loadFixture(registryFixture);
    const adminRole = await assets.DEFAULT_ADMIN_ROLE();
    for (const caller of [actions, outsider]) {
      await expect(assets.connect(caller).grantRole(adminRole, caller.address))
        .to.be.revertedWithCustomError(assets, "AccessControlUnauthorizedAccount")
        .withArgs(caller.address, adminRole);
      await expect(assets.connect(caller).revokeRole(adminRole, admin.address))
        .to.be.revertedWithCustomError(assets, "AccessControlUnauthorizedAccount")
        .withArgs(caller.address, adminRole);
    }
    expect(await assets.hasRole(adminRole, admin.address)).to.equal(true);
    expect(await assets.hasRole(adminRole, outsider.address)).to.equal(false);
    // The admin (the timelock in the deployment) can.
    await expect(assets.connect(admin).grantRole(adminRole, operator.address))
      .to.emit(assets, "RoleGranted")
      .withArgs(adminRole, operator.address, admin.address);
    await expect(assets.connect(admin).revokeRole(adminRole, operator.address))
      .to.emit(assets, "RoleRevoked")
      .withArgs(adminRole, operator.address, admin.address);
  });
});

import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployActionsFixture } from "../fixtures/actions";

describe("CorporateActions: role administration is the admin's only", function () {
  it("grantRole and revokeRole revert with AccessControlUnauthorizedAccount for a paying agent and an outsider", async function () {
    const { actions, admin, payer, token, alice } = await loadFixture(deployActionsFixture);
    const adminRole = await actions.DEFAULT_ADMIN_ROLE();
    const payingAgent = await actions.payingAgentRole(await token.getAddress());
    for (const caller of [payer, alice]) {
      await expect(actions.connect(caller).grantRole(payingAgent, caller.address))
        .to.be.revertedWithCustomError(actions, "AccessControlUnauthorizedAccount")
        .withArgs(caller.address, adminRole);
      await expect(actions.connect(caller).revokeRole(payingAgent, payer.address))
        .to.be.revertedWithCustomError(actions, "AccessControlUnauthorizedAccount")
        .withArgs(caller.address, adminRole);
      await expect(actions.connect(caller).grantRole(adminRole, caller.address))
        .to.be.revertedWithCustomError(actions, "AccessControlUnauthorizedAccount")
        .withArgs(caller.address, adminRole);
    }
    expect(await actions.hasRole(payingAgent, payer.address)).to.equal(true);
    expect(await actions.hasRole(payingAgent, alice.address)).to.equal(false);
    // The admin (the timelock in the deployment) can.
    await expect(actions.connect(admin).revokeRole(payingAgent, payer.address))
      .to.emit(actions, "RoleRevoked")
      .withArgs(payingAgent, payer.address, admin.address);
    await expect(actions.connect(admin).grantRole(payingAgent, alice.address))
      .to.emit(actions, "RoleGranted")
      .withArgs(payingAgent, alice.address, admin.address);
  });
});

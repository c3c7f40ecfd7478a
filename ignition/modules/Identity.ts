import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import GovernanceModule from "./Governance";
import { uupsProxy } from "./proxy";

/**
 * The participant (KYC) registry, administered by the timelock, with its first registrars. The
 * deployer may bind tokens (TOKEN_BINDER_ROLE) until the Tokens module has bound the genesis tokens
 * and renounced the role.
 */
export default buildModule("Identity", (m) => {
  const { timelock } = m.useModule(GovernanceModule);
  const deployer = m.getAccount(0);
  const implementation = m.contract("IdentityRegistry", [], { id: "IdentityRegistryImplementation" });
  const identityRegistry = uupsProxy(m, "IdentityRegistry", implementation, [
    timelock,
    m.getParameter("registrars"),
    [deployer],
  ]);
  return { identityRegistry };
});

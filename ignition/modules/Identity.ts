import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import GovernanceModule from "./Governance";
import { uupsProxy } from "./proxy";

/** The participant (KYC) registry, administered by the timelock, with its first registrars. */
export default buildModule("Identity", (m) => {
  const { timelock } = m.useModule(GovernanceModule);
  const implementation = m.contract("IdentityRegistry", [], { id: "IdentityRegistryImplementation" });
  const identityRegistry = uupsProxy(m, "IdentityRegistry", implementation, [timelock, m.getParameter("registrars")]);
  return { identityRegistry };
});

import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { uupsProxy } from "./proxy";

/**
 * The participant (KYC) registry, with its first registrars. The deployer may bind tokens
 * (TOKEN_BINDER_ROLE) until the Tokens module has bound the genesis tokens and renounced the role,
 * and is its admin until the Assets module has granted the asset registry TOKEN_BINDER_ROLE and
 * handed the admin role to the timelock.
 */
export default buildModule("Identity", (m) => {
  const deployer = m.getAccount(0);
  const implementation = m.contract("IdentityRegistry", [], { id: "IdentityRegistryImplementation" });
  const identityRegistry = uupsProxy(m, "IdentityRegistry", implementation, [
    deployer,
    m.getParameter("registrars"),
    [deployer],
  ]);
  return { identityRegistry };
});

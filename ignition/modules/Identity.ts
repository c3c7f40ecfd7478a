import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { ethers } from "ethers";
import GovernanceModule from "./Governance";
import { uupsProxy } from "./proxy";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const REGISTRAR_ROLE = ethers.id("REGISTRAR_ROLE");

/**
 * The participant (KYC) registry, administered by the timelock, with its first registrars. The
 * deployer may bind tokens (TOKEN_BINDER_ROLE) until the Tokens module has bound the genesis tokens
 * and renounced the role, and may register (REGISTRAR_ROLE) until the Invoices module has
 * registered the invoice registry (which must hold cash) and renounced the role. To take that
 * role the deployer is the registry's admin for the first three calls, then hands the admin role
 * to the timelock and renounces it, as the Governance module does with the timelock's.
 */
export default buildModule("Identity", (m) => {
  const { timelock } = m.useModule(GovernanceModule);
  const deployer = m.getAccount(0);
  const implementation = m.contract("IdentityRegistry", [], { id: "IdentityRegistryImplementation" });
  const identityRegistry = uupsProxy(m, "IdentityRegistry", implementation, [
    deployer,
    m.getParameter("registrars"),
    [deployer],
  ]);
  const registrar = m.call(identityRegistry, "grantRole", [REGISTRAR_ROLE, deployer], { id: "GrantDeployerRegistrar" });
  const admin = m.call(identityRegistry, "grantRole", [DEFAULT_ADMIN_ROLE, timelock], {
    id: "GrantTimelockAdmin",
    after: [registrar],
  });
  m.call(identityRegistry, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer], {
    id: "RenounceDeployerAdmin",
    after: [admin],
  });
  return { identityRegistry };
});

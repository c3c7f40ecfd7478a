import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { ethers } from "ethers";
import { uupsProxy } from "./proxy";

const REGISTRAR_ROLE = ethers.id("REGISTRAR_ROLE");

/**
 * The participant (KYC) registry, with its first registrars. During the deployment the deployer
 * holds three temporary roles, each given up once its job is done, so that it ends with none:
 * - TOKEN_BINDER_ROLE, until the Tokens module has bound the genesis tokens and renounced it;
 * - REGISTRAR_ROLE (taken here), until the Invoices module has registered the invoice registry
 *   (which must hold cash) and renounced it;
 * - the admin role, until the Assets module has granted the asset registry TOKEN_BINDER_ROLE and
 *   handed the admin role to the timelock (as the Governance module does with the timelock's own).
 */
export default buildModule("Identity", (m) => {
  const deployer = m.getAccount(0);
  const implementation = m.contract("IdentityRegistry", [], { id: "IdentityRegistryImplementation" });
  const identityRegistry = uupsProxy(m, "IdentityRegistry", implementation, [
    deployer,
    m.getParameter("registrars"),
    [deployer],
  ]);
  m.call(identityRegistry, "grantRole", [REGISTRAR_ROLE, deployer], { id: "GrantDeployerRegistrar" });
  return { identityRegistry };
});

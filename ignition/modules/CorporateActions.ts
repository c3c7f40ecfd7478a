import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { uupsProxy } from "./proxy";

/**
 * Corporate actions (distributions and redemption), administered by the timelock in the end. It is
 * initialised with the deployer as its temporary admin: the Assets module sets the asset directory
 * as its redemption observer, then hands the admin role to the timelock and renounces it. Governance
 * then grants each asset's RECORD_ROLE and SUPPLY_ROLE to it, appoints paying agents per asset
 * (`payingAgentRole(asset)`) and has a registrar register it as a participant (it escrows cash).
 */
export default buildModule("CorporateActions", (m) => {
  const implementation = m.contract("CorporateActions", [], { id: "CorporateActionsImplementation" });
  const corporateActions = uupsProxy(m, "CorporateActions", implementation, [m.getAccount(0)]);
  return { corporateActions };
});

import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import GovernanceModule from "./Governance";
import { uupsProxy } from "./proxy";

/**
 * Corporate actions (distributions and redemption), administered by the timelock. Governance then
 * grants each asset's RECORD_ROLE and SUPPLY_ROLE to it, appoints paying agents per asset
 * (`payingAgentRole(asset)`), has a registrar register it as a participant (it escrows cash) and
 * sets the redemption observer (the asset directory).
 */
export default buildModule("CorporateActions", (m) => {
  const { timelock } = m.useModule(GovernanceModule);
  const implementation = m.contract("CorporateActions", [], { id: "CorporateActionsImplementation" });
  const corporateActions = uupsProxy(m, "CorporateActions", implementation, [timelock]);
  return { corporateActions };
});

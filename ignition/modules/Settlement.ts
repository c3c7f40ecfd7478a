import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import GovernanceModule from "./Governance";
import IdentityModule from "./Identity";
import { uupsProxy } from "./proxy";

/** Delivery-versus-payment settlement, administered by the timelock (fee zero until governance sets one). */
export default buildModule("Settlement", (m) => {
  const { timelock } = m.useModule(GovernanceModule);
  const { identityRegistry } = m.useModule(IdentityModule);
  const implementation = m.contract("DvPSettlement", [], { id: "DvPSettlementImplementation" });
  const dvpSettlement = uupsProxy(m, "DvPSettlement", implementation, [
    identityRegistry,
    timelock,
    m.getParameter("guardians"),
  ]);
  return { dvpSettlement };
});

import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import GovernanceModule from "./Governance";
import IdentityModule from "./Identity";
import TokensModule from "./Tokens";
import { uupsProxy } from "./proxy";

/** The invoice (receivable) registry, administered by the timelock, settling in the cash token. */
export default buildModule("Invoices", (m) => {
  const { timelock } = m.useModule(GovernanceModule);
  const { identityRegistry } = m.useModule(IdentityModule);
  const { cashToken } = m.useModule(TokensModule);
  const implementation = m.contract("InvoiceRegistry", [], { id: "InvoiceRegistryImplementation" });
  const invoiceRegistry = uupsProxy(m, "InvoiceRegistry", implementation, [
    identityRegistry,
    timelock,
    [cashToken],
    m.getParameter("guardians"),
    m.getParameter<number>("gracePeriod", 30 * 24 * 3600),
    m.getParameter<number>("maxSplitPieces", 20),
  ]);
  return { invoiceRegistry };
});

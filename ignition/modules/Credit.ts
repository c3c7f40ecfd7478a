import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import GovernanceModule from "./Governance";
import IdentityModule from "./Identity";
import InvoicesModule from "./Invoices";
import TokensModule from "./Tokens";
import { uupsProxy } from "./proxy";

const DEFAULT_ADMIN_ROLE = "0x0000000000000000000000000000000000000000000000000000000000000000";

/**
 * The credit registry (lines, exposure, shared credit record), administered by the timelock, with
 * the cash token as its base currency. The invoice registry comes out of the Invoices module with
 * the deployer as its temporary admin: here it is told to notify the credit registry of every
 * change to who holds how much of whose receivables (before any invoice exists, so exposure is
 * exact from the start), then its admin role goes to the timelock and the deployer renounces it.
 */
export default buildModule("Credit", (m) => {
  const { timelock } = m.useModule(GovernanceModule);
  const { identityRegistry } = m.useModule(IdentityModule);
  const { cashToken } = m.useModule(TokensModule);
  const { invoiceRegistry } = m.useModule(InvoicesModule);
  const implementation = m.contract("CreditRegistry", [], { id: "CreditRegistryImplementation" });
  const creditRegistry = uupsProxy(m, "CreditRegistry", implementation, [
    identityRegistry,
    invoiceRegistry,
    timelock,
    cashToken,
  ]);
  const hooked = m.call(invoiceRegistry, "setCreditHook", [creditRegistry], { id: "SetInvoiceCreditHook" });
  const handedOver = m.call(invoiceRegistry, "grantRole", [DEFAULT_ADMIN_ROLE, timelock], {
    id: "GrantInvoiceAdminToTimelock",
    after: [hooked],
  });
  m.call(invoiceRegistry, "renounceRole", [DEFAULT_ADMIN_ROLE, m.getAccount(0)], {
    id: "RenounceDeployerInvoiceAdmin",
    after: [handedOver],
  });
  return { creditRegistry, invoiceRegistry };
});

import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { ethers } from "ethers";
import { INVOICE_REGISTRY_ENTITY } from "../../scripts/lib/deploy";
import IdentityModule from "./Identity";
import TokensModule from "./Tokens";
import { uupsProxy } from "./proxy";

const REGISTRAR_ROLE = ethers.id("REGISTRAR_ROLE");
/** Its KYC never lapses: the latest expiry the identity registry stores (uint32, year 2106). */
const NEVER_EXPIRES = 2 ** 32 - 1;
const CHINA = 156;

/**
 * The invoice (receivable) registry, administered by the timelock, settling in the cash token. It
 * holds the payments a holder cannot receive, so it is registered in the identity registry as a
 * verified participant of its own entity (no attributes: it may hold cash, never a receivable or a
 * security with an attribute rule), then the deployer renounces the registrar role it held for that.
 * The deployer is the registry's admin until the Credit module has wired the credit registry in
 * and handed the admin role to the timelock: deploy it through Consortium (or Credit), not alone.
 */
export default buildModule("Invoices", (m) => {
  const { identityRegistry } = m.useModule(IdentityModule);
  const { cashToken } = m.useModule(TokensModule);
  const implementation = m.contract("InvoiceRegistry", [], { id: "InvoiceRegistryImplementation" });
  const invoiceRegistry = uupsProxy(m, "InvoiceRegistry", implementation, [
    identityRegistry,
    m.getAccount(0),
    [cashToken],
    m.getParameter("guardians"),
    m.getParameter<number>("gracePeriod", 30 * 24 * 3600),
    m.getParameter<number>("maxSplitPieces", 20),
  ]);
  const registered = m.call(
    identityRegistry,
    "registerIdentity",
    [invoiceRegistry, INVOICE_REGISTRY_ENTITY, m.getParameter<number>("country", CHINA), NEVER_EXPIRES, 0],
    { id: "RegisterInvoiceRegistry" },
  );
  m.call(identityRegistry, "renounceRole", [REGISTRAR_ROLE, m.getAccount(0)], {
    id: "RenounceDeployerRegistrar",
    after: [registered],
  });
  return { invoiceRegistry };
});

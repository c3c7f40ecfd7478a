import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import AssetsModule from "./Assets";
import CorporateActionsModule from "./CorporateActions";
import CreditModule from "./Credit";
import GovernanceModule from "./Governance";
import IdentityModule from "./Identity";
import InvoicesModule from "./Invoices";
import SettlementModule from "./Settlement";
import TokensModule from "./Tokens";

/**
 * The whole system under governance: every admin and upgrade role is the timelock's, and the
 * deployer holds no role anywhere when the deployment ends.
 */
export default buildModule("Consortium", (m) => {
  const { timelock, membership, governor } = m.useModule(GovernanceModule);
  const { identityRegistry } = m.useModule(IdentityModule);
  const { securityToken, cashToken } = m.useModule(TokensModule);
  const { invoiceRegistry } = m.useModule(InvoicesModule);
  const { creditRegistry } = m.useModule(CreditModule);
  const { dvpSettlement } = m.useModule(SettlementModule);
  const { assetRegistry } = m.useModule(AssetsModule);
  const { corporateActions } = m.useModule(CorporateActionsModule);
  return {
    timelock,
    membership,
    governor,
    identityRegistry,
    securityToken,
    cashToken,
    invoiceRegistry,
    dvpSettlement,
    assetRegistry,
    corporateActions,
    creditRegistry,
  };
});

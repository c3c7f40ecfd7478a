import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { ethers } from "ethers";
import CorporateActionsModule from "./CorporateActions";
import GovernanceModule from "./Governance";
import IdentityModule from "./Identity";
import TokensModule from "./Tokens";
import { uupsProxy } from "./proxy";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const TOKEN_BINDER_ROLE = ethers.id("TOKEN_BINDER_ROLE");

/** AssetRegistry.AssetKind values. */
const EQUITY = 0;
const CASH = 3;

/**
 * The digital asset registry (UUPS proxy administered by the timelock): the directory of assets,
 * starting with the genesis share and cash tokens, which creates new security tokens (proxies of
 * the tokens' shared SecurityToken implementation) when governance votes for them. It gets the
 * identity registry's TOKEN_BINDER_ROLE, to bind the tokens it creates; then the deployer hands the
 * identity registry's admin role to the timelock and renounces it (the deployer held it only so that
 * the asset registry, deployed after the identity registry, could get that role).
 * The registry accepts `assetRedeemed` from corporate actions (set at initialisation) and is set as
 * corporate actions' redemption observer, by the deployer, corporate actions' temporary admin, which
 * then hands that role to the timelock and renounces it.
 * Asset codes are bytes12 (the 12 ASCII characters of the ISIN-style code); issuers are entity ids.
 */
export default buildModule("Assets", (m) => {
  const deployer = m.getAccount(0);
  const { timelock } = m.useModule(GovernanceModule);
  const { identityRegistry } = m.useModule(IdentityModule);
  const { securityToken, cashToken, tokenImplementation } = m.useModule(TokensModule);
  const { corporateActions } = m.useModule(CorporateActionsModule);
  const terms = (prefix: "security" | "cash", kind: number) => ({
    kind: m.getParameter<number>(`${prefix}Kind`, kind),
    code: m.getParameter<string>(`${prefix}Code`),
    issuer: m.getParameter<string>(`${prefix}Issuer`),
    maturity: 0,
    termsURI: m.getParameter<string>(`${prefix}TermsURI`, ""),
    termsHash: m.getParameter<string>(`${prefix}TermsHash`, ethers.ZeroHash),
  });
  const implementation = m.contract("AssetRegistry", [], { id: "AssetRegistryImplementation" });
  const assetRegistry = uupsProxy(m, "AssetRegistry", implementation, [
    timelock,
    identityRegistry,
    tokenImplementation,
    corporateActions,
    [
      { token: securityToken, terms: terms("security", EQUITY) },
      { token: cashToken, terms: terms("cash", CASH) },
    ],
  ]);
  const binder = m.call(identityRegistry, "grantRole", [TOKEN_BINDER_ROLE, assetRegistry], {
    id: "GrantTokenBinderToAssetRegistry",
  });
  const admin = m.call(identityRegistry, "grantRole", [DEFAULT_ADMIN_ROLE, timelock], {
    id: "GrantIdentityAdminToTimelock",
  });
  m.call(identityRegistry, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer], {
    id: "RenounceDeployerIdentityAdmin",
    after: [binder, admin],
  });
  const observer = m.call(corporateActions, "setRedemptionObserver", [assetRegistry], {
    id: "SetAssetRegistryAsRedemptionObserver",
  });
  const actionsAdmin = m.call(corporateActions, "grantRole", [DEFAULT_ADMIN_ROLE, timelock], {
    id: "GrantCorporateActionsAdminToTimelock",
  });
  m.call(corporateActions, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer], {
    id: "RenounceDeployerCorporateActionsAdmin",
    after: [observer, actionsAdmin],
  });
  return { assetRegistry };
});

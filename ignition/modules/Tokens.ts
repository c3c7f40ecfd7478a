import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { id } from "ethers";
import GovernanceModule from "./Governance";
import IdentityModule from "./Identity";
import { uupsProxy } from "./proxy";

const TOKEN_BINDER_ROLE = id("TOKEN_BINDER_ROLE");

/**
 * The security token and the consortium's cash token: two proxies of one SecurityToken
 * implementation, administered by the timelock, with their first operators by duty, bound to the
 * identity registry.
 */
export default buildModule("Tokens", (m) => {
  const { timelock } = m.useModule(GovernanceModule);
  const { identityRegistry } = m.useModule(IdentityModule);
  const implementation = m.contract("SecurityToken", [], { id: "SecurityTokenImplementation" });

  const securityToken = uupsProxy(m, "SecurityToken", implementation, [
    m.getParameter<string>("securityName"),
    m.getParameter<string>("securitySymbol"),
    m.getParameter<number>("securityDecimals", 0),
    identityRegistry,
    timelock,
    m.getParameter("securityOperators"),
  ]);
  const cashToken = uupsProxy(m, "CashToken", implementation, [
    m.getParameter<string>("cashName"),
    m.getParameter<string>("cashSymbol"),
    m.getParameter<number>("cashDecimals", 2),
    identityRegistry,
    timelock,
    m.getParameter("cashOperators"),
  ]);
  // Bind both tokens to the registry (so they may cache participant records), then the deployer
  // gives up the binder role: later tokens are bound by governance or the asset registry.
  const bindSecurity = m.call(identityRegistry, "bindToken", [securityToken], { id: "BindSecurityToken" });
  const bindCash = m.call(identityRegistry, "bindToken", [cashToken], { id: "BindCashToken" });
  m.call(identityRegistry, "renounceRole", [TOKEN_BINDER_ROLE, m.getAccount(0)], {
    id: "RenounceTokenBinder",
    after: [bindSecurity, bindCash],
  });
  return { securityToken, cashToken, tokenImplementation: implementation };
});

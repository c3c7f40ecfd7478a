import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import GovernanceModule from "./Governance";
import IdentityModule from "./Identity";
import { uupsProxy } from "./proxy";

/**
 * The security token and the consortium's cash token: two proxies of one SecurityToken
 * implementation, administered by the timelock, with their first operators.
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
  return { securityToken, cashToken };
});

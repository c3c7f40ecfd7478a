import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { IdentityRegistry, SecurityToken } from "../../typechain-types";

/** Deploys the identity registry behind a UUPS proxy, with `admin` as its admin. */
export async function deployIdentityRegistry(
  hre: HardhatRuntimeEnvironment,
  admin: string,
  registrars: string[] = [],
): Promise<IdentityRegistry> {
  const factory = await hre.ethers.getContractFactory("IdentityRegistry");
  const proxy = await hre.upgrades.deployProxy(factory, [admin, registrars], { kind: "uups" });
  await proxy.waitForDeployment();
  return proxy as unknown as IdentityRegistry;
}

export interface TokenOperators {
  agents: string[];
  complianceOfficers: string[];
  guardians: string[];
}

export const NO_OPERATORS: TokenOperators = { agents: [], complianceOfficers: [], guardians: [] };

export interface TokenConfig {
  name: string;
  symbol: string;
  decimals: number;
}

/** Deploys a security (or cash) token behind a UUPS proxy. */
export async function deploySecurityToken(
  hre: HardhatRuntimeEnvironment,
  config: TokenConfig,
  registry: string,
  admin: string,
  operators: TokenOperators = NO_OPERATORS,
): Promise<SecurityToken> {
  const factory = await hre.ethers.getContractFactory("SecurityToken");
  const proxy = await hre.upgrades.deployProxy(
    factory,
    [config.name, config.symbol, config.decimals, registry, admin, operators],
    { kind: "uups" },
  );
  await proxy.waitForDeployment();
  return proxy as unknown as SecurityToken;
}

import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { DvPSettlement, IdentityRegistry, InvoiceRegistry, SecurityToken } from "../../typechain-types";

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

/** Deploys the invoice registry behind a UUPS proxy (30-day grace period, splits of up to 20 pieces). */
export async function deployInvoiceRegistry(
  hre: HardhatRuntimeEnvironment,
  registry: string,
  admin: string,
  currencies: string[],
  guardians: string[] = [],
): Promise<InvoiceRegistry> {
  const factory = await hre.ethers.getContractFactory("InvoiceRegistry");
  const proxy = await hre.upgrades.deployProxy(factory, [registry, admin, currencies, guardians, 30 * 24 * 3600, 20], {
    kind: "uups",
  });
  await proxy.waitForDeployment();
  return proxy as unknown as InvoiceRegistry;
}

/** Deploys DvP settlement behind a UUPS proxy. */
export async function deployDvPSettlement(
  hre: HardhatRuntimeEnvironment,
  registry: string,
  admin: string,
  guardians: string[] = [],
): Promise<DvPSettlement> {
  const factory = await hre.ethers.getContractFactory("DvPSettlement");
  const proxy = await hre.upgrades.deployProxy(factory, [registry, admin, guardians], { kind: "uups" });
  await proxy.waitForDeployment();
  return proxy as unknown as DvPSettlement;
}

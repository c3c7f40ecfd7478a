import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { DvPSettlement, IdentityRegistry, InvoiceRegistry, SecurityToken } from "../../typechain-types";

/**
 * Deploys the identity registry behind a UUPS proxy, with `admin` as its admin. `tokenBinders`
 * may bind tokens (by default the deploying account, so `deploySecurityToken` can bind).
 */
export async function deployIdentityRegistry(
  hre: HardhatRuntimeEnvironment,
  admin: string,
  registrars: string[] = [],
  tokenBinders?: string[],
): Promise<IdentityRegistry> {
  const factory = await hre.ethers.getContractFactory("IdentityRegistry");
  const binders = tokenBinders ?? [(await hre.ethers.getSigners())[0].address];
  const proxy = await hre.upgrades.deployProxy(factory, [admin, registrars, binders], { kind: "uups" });
  await proxy.waitForDeployment();
  return proxy as unknown as IdentityRegistry;
}

/** The token's first operators by duty (the `Operators` struct of `ISecurityToken`). */
export interface TokenOperators {
  supplyAgents: string[];
  freezeAgents: string[];
  forcedTransferAgents: string[];
  recoveryAgents: string[];
  documentAgents: string[];
  complianceOfficers: string[];
  guardians: string[];
}

export const NO_OPERATORS: TokenOperators = {
  supplyAgents: [],
  freezeAgents: [],
  forcedTransferAgents: [],
  recoveryAgents: [],
  documentAgents: [],
  complianceOfficers: [],
  guardians: [],
};

/** Operators where one account (e.g. a transfer agent) holds every operator duty. */
export function allDuties(
  agents: string[],
  complianceOfficers: string[] = [],
  guardians: string[] = [],
): TokenOperators {
  return {
    supplyAgents: agents,
    freezeAgents: agents,
    forcedTransferAgents: agents,
    recoveryAgents: agents,
    documentAgents: agents,
    complianceOfficers,
    guardians,
  };
}

export interface TokenConfig {
  name: string;
  symbol: string;
  decimals: number;
}

/**
 * Deploys a security (or cash) token behind a UUPS proxy and binds it to the registry (the
 * deploying account must hold the registry's TOKEN_BINDER_ROLE; pass `bind: false` to skip).
 */
export async function deploySecurityToken(
  hre: HardhatRuntimeEnvironment,
  config: TokenConfig,
  registry: string,
  admin: string,
  operators: TokenOperators = NO_OPERATORS,
  options: { bind?: boolean } = {},
): Promise<SecurityToken> {
  const factory = await hre.ethers.getContractFactory("SecurityToken");
  const proxy = await hre.upgrades.deployProxy(
    factory,
    [config.name, config.symbol, config.decimals, registry, admin, operators],
    { kind: "uups" },
  );
  await proxy.waitForDeployment();
  if (options.bind !== false) {
    const identity = await hre.ethers.getContractAt("IdentityRegistry", registry);
    await (await identity.bindToken(await proxy.getAddress())).wait();
  }
  return proxy as unknown as SecurityToken;
}

/** The invoice registry's own entity in the identity registry (as the Ignition module registers it). */
export const INVOICE_REGISTRY_ENTITY = ethers.id("consortium:invoice-registry");

/**
 * Deploys the invoice registry behind a UUPS proxy (30-day grace period, splits of up to 20 pieces)
 * and registers it in the identity registry as a verified participant of its own entity with no
 * attributes and a KYC that never lapses, so that it can hold the payments a holder cannot receive
 * (the deploying account must hold the registry's REGISTRAR_ROLE; pass `register: false` to skip).
 */
export async function deployInvoiceRegistry(
  hre: HardhatRuntimeEnvironment,
  registry: string,
  admin: string,
  currencies: string[],
  guardians: string[] = [],
  options: { register?: boolean; country?: number } = {},
): Promise<InvoiceRegistry> {
  const factory = await hre.ethers.getContractFactory("InvoiceRegistry");
  const proxy = await hre.upgrades.deployProxy(factory, [registry, admin, currencies, guardians, 30 * 24 * 3600, 20], {
    kind: "uups",
  });
  await proxy.waitForDeployment();
  if (options.register !== false) {
    const identity = await hre.ethers.getContractAt("IdentityRegistry", registry);
    const never = 2 ** 32 - 1;
    await (
      await identity.registerIdentity(
        await proxy.getAddress(),
        INVOICE_REGISTRY_ENTITY,
        options.country ?? 156,
        never,
        0,
      )
    ).wait();
  }
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

import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { CreditRegistry } from "../../typechain-types";

/**
 * Deploys the credit registry behind a UUPS proxy (administered by `admin`, base currency `base`)
 * reading `invoices`; the caller wires the invoice registry's hook to it (`setCreditHook`, admin).
 */
export async function deployCreditRegistry(
  hre: HardhatRuntimeEnvironment,
  identityRegistry: string,
  invoices: string,
  admin: string,
  base: string,
): Promise<CreditRegistry> {
  const factory = await hre.ethers.getContractFactory("CreditRegistry");
  const proxy = await hre.upgrades.deployProxy(factory, [identityRegistry, invoices, admin, base], { kind: "uups" });
  await proxy.waitForDeployment();
  return proxy as unknown as CreditRegistry;
}

import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { CorporateActions } from "../../typechain-types";

/** Deploys CorporateActions behind a UUPS proxy, administered by `admin` (the timelock). */
export async function deployCorporateActions(hre: HardhatRuntimeEnvironment, admin: string): Promise<CorporateActions> {
  const factory = await hre.ethers.getContractFactory("CorporateActions");
  const proxy = await hre.upgrades.deployProxy(factory, [admin], { kind: "uups" });
  await proxy.waitForDeployment();
  return proxy as unknown as CorporateActions;
}

import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { GovError, readJsonFile } from "./errors";

/** The contracts of the system, by the names members use on the command line. */
export const CONTRACT_NAMES = [
  "membership",
  "identity-registry",
  "security-token",
  "cash-token",
  "invoice-registry",
  "dvp-settlement",
  "asset-registry",
  "credit-registry",
  "governor",
  "timelock",
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

/** Where each contract is in an Ignition deployment, and the artifact holding its ABI. */
export const CONTRACTS: Record<ContractName, { key: string; artifact: string; fqn: string; required: boolean }> = {
  membership: {
    key: "Governance#ConsortiumMembership",
    artifact: "ConsortiumMembership",
    fqn: "contracts/governance/ConsortiumMembership.sol:ConsortiumMembership",
    required: true,
  },
  "identity-registry": {
    key: "Identity#IdentityRegistry",
    artifact: "IdentityRegistry",
    fqn: "contracts/identity/IdentityRegistry.sol:IdentityRegistry",
    required: false,
  },
  "security-token": {
    key: "Tokens#SecurityToken",
    artifact: "SecurityToken",
    fqn: "contracts/token/SecurityToken.sol:SecurityToken",
    required: false,
  },
  "cash-token": {
    key: "Tokens#CashToken",
    artifact: "SecurityToken",
    fqn: "contracts/token/SecurityToken.sol:SecurityToken",
    required: false,
  },
  "invoice-registry": {
    key: "Invoices#InvoiceRegistry",
    artifact: "InvoiceRegistry",
    fqn: "contracts/invoice/InvoiceRegistry.sol:InvoiceRegistry",
    required: false,
  },
  "dvp-settlement": {
    key: "Settlement#DvPSettlement",
    artifact: "DvPSettlement",
    fqn: "contracts/settlement/DvPSettlement.sol:DvPSettlement",
    required: false,
  },
  "asset-registry": {
    key: "Assets#AssetRegistry",
    artifact: "AssetRegistry",
    fqn: "contracts/assets/AssetRegistry.sol:AssetRegistry",
    required: false,
  },
  "credit-registry": {
    key: "Credit#CreditRegistry",
    artifact: "CreditRegistry",
    fqn: "contracts/credit/CreditRegistry.sol:CreditRegistry",
    required: false,
  },
  governor: {
    key: "Governance#ConsortiumGovernor",
    artifact: "ConsortiumGovernor",
    fqn: "contracts/governance/ConsortiumGovernor.sol:ConsortiumGovernor",
    required: true,
  },
  timelock: {
    key: "Governance#TimelockController",
    artifact: "TimelockController",
    fqn: "@openzeppelin/contracts/governance/TimelockController.sol:TimelockController",
    required: true,
  },
};

/** The addresses of one deployment of the system. */
export interface Deployment {
  /** The deployed_addresses.json read. */
  file: string;
  /** Address of each contract the deployment has (optional contracts may be missing). */
  addresses: Partial<Record<ContractName, string>>;
}

/** The file Ignition writes for chain `chainId` in this project. */
export function defaultDeploymentFile(hre: HardhatRuntimeEnvironment, chainId: bigint | number): string {
  const ignitionDir =
    (hre.config.paths as { ignition?: string }).ignition ?? path.join(hre.config.paths.root, "ignition");
  return path.join(ignitionDir, "deployments", `chain-${chainId}`, "deployed_addresses.json");
}

/**
 * Reads the system's addresses from an Ignition `deployed_addresses.json`: `override` (the file or
 * its folder) when given, else the project's deployment for `chainId`. Keys are looked up as
 * Ignition writes them for the Consortium module ("Governance#ConsortiumGovernor", ...); a key from
 * another top-level module with the same future id ("Other#ConsortiumGovernor") is accepted too.
 */
export function readDeployment(
  hre: HardhatRuntimeEnvironment,
  chainId: bigint | number,
  override?: string,
): Deployment {
  let file = override ? path.resolve(override) : defaultDeploymentFile(hre, chainId);
  if (override && fs.existsSync(file) && fs.statSync(file).isDirectory())
    file = path.join(file, "deployed_addresses.json");
  if (!fs.existsSync(file)) {
    throw new GovError(
      override
        ? `no deployment file at ${file} (--deployment takes a deployed_addresses.json or its folder)`
        : `no deployment for chain ${chainId} at ${file}: deploy with Ignition first, or pass --deployment <deployed_addresses.json>`,
    );
  }
  const json = readJsonFile(file);
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new GovError(`${file} is not a deployed_addresses.json (expected an object of "Module#Future": address)`);
  }
  const entries = Object.entries(json as Record<string, unknown>);
  const addresses: Partial<Record<ContractName, string>> = {};
  for (const name of CONTRACT_NAMES) {
    const { key, required } = CONTRACTS[name];
    const futureId = key.split("#")[1];
    const found = entries.find(([k]) => k === key) ?? entries.find(([k]) => k.split("#")[1] === futureId);
    if (!found) {
      if (required) throw new GovError(`${file} has no "${key}" entry: is it a deployment of the Consortium module?`);
      continue;
    }
    const value = found[1];
    if (typeof value !== "string" || !ethers.isAddress(value)) {
      throw new GovError(`${file}: "${found[0]}" is not an address (${JSON.stringify(value)})`);
    }
    addresses[name] = ethers.getAddress(value);
  }
  return { file, addresses };
}

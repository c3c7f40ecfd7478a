import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ConsortiumGovernor, ConsortiumMembership, TimelockController } from "../../typechain-types";
import { CONTRACTS, CONTRACT_NAMES, type ContractName, type Deployment, readDeployment } from "./deployment";
import { GovError } from "./errors";

/** The deployed system, connected to the selected network (read-only: signers connect per task). */
export interface System {
  hre: HardhatRuntimeEnvironment;
  provider: ethers.Provider;
  chainId: bigint;
  deployment: Deployment;
  governor: ConsortiumGovernor;
  membership: ConsortiumMembership;
  timelock: TimelockController;
  /** Every contract of the deployment, by command-line name. */
  contracts: Partial<Record<ContractName, ethers.Contract>>;
  /** Every custom error of the system's contracts, for decoding reverts. */
  errors: ethers.Interface;
  /** Role hash -> role name, from the `*_ROLE` getters of every ABI. */
  roles: Map<string, string>;
  /** The command-line name of a contract of the deployment at `address`, if any. */
  nameOf(address: string): ContractName | undefined;
}

const abiCache = new Map<string, ethers.InterfaceAbi>();

/** The ABI of one of the system's contracts, from the project's compiled artifacts. */
export async function abiOf(hre: HardhatRuntimeEnvironment, name: ContractName): Promise<ethers.InterfaceAbi> {
  const { artifact, fqn } = CONTRACTS[name];
  const cached = abiCache.get(fqn);
  if (cached) return cached;
  let abi: ethers.InterfaceAbi;
  try {
    abi = (await hre.artifacts.readArtifact(fqn)).abi;
  } catch {
    try {
      abi = (await hre.artifacts.readArtifact(artifact)).abi;
    } catch {
      throw new GovError(`no compiled artifact for ${artifact}: run "npx hardhat compile" first`);
    }
  }
  abiCache.set(fqn, abi);
  return abi;
}

/** The chain id of the selected network. */
export async function chainIdOf(hre: HardhatRuntimeEnvironment): Promise<bigint> {
  try {
    return BigInt((await hre.network.provider.request({ method: "eth_chainId" })) as string);
  } catch (e) {
    throw connectionError(hre, e);
  }
}

/** Role names found in an ABI: every input-less view returning bytes32 whose name ends in _ROLE. */
export function roleGetters(iface: ethers.Interface): string[] {
  const names: string[] = [];
  iface.forEachFunction((f) => {
    if (
      f.name.endsWith("_ROLE") &&
      f.inputs.length === 0 &&
      f.outputs.length === 1 &&
      f.outputs[0].type === "bytes32"
    ) {
      names.push(f.name);
    }
  });
  return names;
}

/** The hash of a role constant named `name` (OpenZeppelin convention: keccak256 of the name). */
export function roleHash(name: string): string {
  return name === "DEFAULT_ADMIN_ROLE" ? ethers.ZeroHash : ethers.id(name);
}

/**
 * Loads the deployment of the selected network (or `deploymentOverride`), connects its contracts and
 * checks that the governor is there: a wrong --network or --deployment fails here, before anything.
 */
export async function loadSystem(hre: HardhatRuntimeEnvironment, deploymentOverride?: string): Promise<System> {
  const chainId = await chainIdOf(hre);
  const deployment = readDeployment(hre, chainId, deploymentOverride);
  const provider = (hre as unknown as { ethers: { provider: ethers.Provider } }).ethers.provider;

  const contracts: Partial<Record<ContractName, ethers.Contract>> = {};
  const errorFragments = new Map<string, ethers.ErrorFragment>();
  const roles = new Map<string, string>();
  const byAddress = new Map<string, ContractName>();
  for (const name of CONTRACT_NAMES) {
    const address = deployment.addresses[name];
    if (!address) continue;
    const abi = await abiOf(hre, name);
    const contract = new ethers.Contract(address, abi, provider);
    contracts[name] = contract;
    byAddress.set(address.toLowerCase(), name);
    contract.interface.forEachError((e) => errorFragments.set(e.selector, e));
    for (const role of roleGetters(contract.interface)) roles.set(roleHash(role), role);
  }

  const governorAddress = deployment.addresses.governor as string;
  if ((await provider.getCode(governorAddress)) === "0x") {
    throw new GovError(
      `no contract at the governor's address ${governorAddress} on network "${hre.network.name}" (chain ${chainId}): ` +
        `wrong --network or --deployment (${deployment.file})?`,
    );
  }

  return {
    hre,
    provider,
    chainId,
    deployment,
    governor: contracts.governor as unknown as ConsortiumGovernor,
    membership: contracts.membership as unknown as ConsortiumMembership,
    timelock: contracts.timelock as unknown as TimelockController,
    contracts,
    errors: new ethers.Interface([...errorFragments.values()]),
    roles,
    nameOf: (address: string) => byAddress.get(address.toLowerCase()),
  };
}

/**
 * A one-line error for a failed first request: the chain id configured for the network and the one
 * its node answered, or the URL that refused the connection, or the node's own first line.
 */
export function connectionError(
  hre: Pick<HardhatRuntimeEnvironment, "network">,
  error: unknown,
): InstanceType<typeof GovError> {
  const name = hre.network.name;
  const url = (hre.network.config as { url?: string }).url;
  const message = (error as Error)?.message ?? String(error);
  const mismatch = /chain id (\d+), but connected to a chain with id (\d+)/.exec(message);
  if (mismatch) {
    return new GovError(
      `wrong chain: network "${name}" expects chain id ${mismatch[1]} (its chainId in hardhat.config.ts), ` +
        `but the node${url ? ` at ${url}` : ""} is chain ${mismatch[2]}`,
    );
  }
  const codes = [error, (error as { parent?: unknown })?.parent].map((e) => (e as { code?: string })?.code);
  if (codes.includes("ECONNREFUSED") || /HH108|ECONNREFUSED/.test(message)) {
    return new GovError(
      `cannot reach network "${name}": the connection to ${url ?? "its node"} was refused (is the node running?)`,
    );
  }
  return new GovError(`cannot reach network "${name}"${url ? ` at ${url}` : ""}: ${firstLine(message)}`);
}

/** The first line of a (possibly long) message. */
export function firstLine(text: string): string {
  return text.split("\n")[0].trim();
}

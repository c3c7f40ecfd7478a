import type {
  ArgumentType,
  IgnitionModuleBuilder,
  NamedArtifactContractDeploymentFuture,
} from "@nomicfoundation/ignition-core";

/**
 * A UUPS proxy (OpenZeppelin ERC1967Proxy) in front of `implementation`, initialised with
 * `initArgs` in the same transaction, so nobody can initialise it first.
 */
export function uupsProxy<Name extends string>(
  m: IgnitionModuleBuilder,
  id: string,
  implementation: NamedArtifactContractDeploymentFuture<Name>,
  initArgs: ArgumentType[],
) {
  const initData = m.encodeFunctionCall(implementation, "initialize", initArgs, { id: `${id}Initialize` });
  const proxy = m.contract("ERC1967Proxy", [implementation, initData], { id: `${id}Proxy` });
  return m.contractAt(implementation.contractName, proxy, { id });
}

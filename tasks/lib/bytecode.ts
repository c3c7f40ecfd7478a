import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { GovError } from "./errors";

/** ERC-1967 storage slots (bytes32(uint256(keccak256("eip1967.proxy.<name>")) - 1)). */
export const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
export const ADMIN_SLOT = "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103";

/** The address an ERC-1967 proxy stores in `slot` (the zero address when empty). */
export async function addressInSlot(provider: ethers.Provider, proxy: string, slot: string): Promise<string> {
  const word = await provider.getStorage(proxy, slot);
  return ethers.getAddress(ethers.dataSlice(ethers.zeroPadValue(word, 32), 12));
}

/** What code compiled from one contract looks like once its deploy-time values are set aside. */
interface CodeTemplate {
  /** The fully qualified name of the contract. */
  fqn: string;
  /** The runtime bytecode as compiled (immutables and library addresses are zeros). */
  bytes: Uint8Array;
  /** Byte ranges filled in at deployment: immutables (by AST id) and linked libraries. */
  masks: { start: number; length: number; immutableId?: number }[];
  /** The AST id of UUPSUpgradeable's `__self` immutable, if the contract has it. */
  selfId?: number;
}

const templates = new Map<string, CodeTemplate>();

interface AstNode {
  nodeType?: string;
  name?: string;
  id?: number;
  mutability?: string;
  nodes?: AstNode[];
}

/** The AST ids of the immutable variables named `name` in a build's sources. */
function immutableIds(sources: Record<string, { ast?: AstNode }>, name: string): Set<number> {
  const ids = new Set<number>();
  const visit = (node: AstNode | undefined) => {
    if (!node) return;
    if (node.nodeType === "VariableDeclaration" && node.name === name && node.mutability === "immutable") {
      if (node.id !== undefined) ids.add(node.id);
    }
    for (const child of node.nodes ?? []) visit(child);
  };
  for (const source of Object.values(sources)) visit(source.ast);
  return ids;
}

/** The compiled runtime code of `artifactName` and where deploy-time values go in it. */
export async function codeTemplate(hre: HardhatRuntimeEnvironment, artifactName: string): Promise<CodeTemplate> {
  const cached = templates.get(artifactName);
  if (cached) return cached;
  let artifact;
  try {
    artifact = await hre.artifacts.readArtifact(artifactName);
  } catch (e) {
    throw new GovError(`no compiled contract "${artifactName}": ${(e as Error).message.split("\n")[0]}`);
  }
  const fqn = `${artifact.sourceName}:${artifact.contractName}`;
  const buildInfo = await hre.artifacts.getBuildInfo(fqn);
  if (!buildInfo) throw new GovError(`no build info for ${fqn}: run "npx hardhat compile"`);
  const compiled = buildInfo.output.contracts[artifact.sourceName]?.[artifact.contractName];
  const runtime = compiled?.evm?.deployedBytecode;
  if (!runtime) throw new GovError(`the build info of ${fqn} has no runtime bytecode`);

  const masks: CodeTemplate["masks"] = [];
  for (const [id, refs] of Object.entries(runtime.immutableReferences ?? {})) {
    for (const ref of refs) masks.push({ start: ref.start, length: ref.length, immutableId: Number(id) });
  }
  for (const libraries of Object.values(artifact.deployedLinkReferences ?? {})) {
    for (const refs of Object.values(libraries)) for (const ref of refs) masks.push(ref);
  }
  const selfIds = immutableIds(buildInfo.output.sources as Record<string, { ast?: AstNode }>, "__self");
  const selfId = masks.find((m) => m.immutableId !== undefined && selfIds.has(m.immutableId))?.immutableId;
  // Library placeholders (__$...$__) are not hex: the masks cover them, so zero them before parsing.
  const hex = artifact.deployedBytecode.replace(/__\$[0-9a-fA-F]{34}\$__/g, "0".repeat(40));
  const template: CodeTemplate = { fqn, bytes: ethers.getBytes(hex), masks, selfId };
  templates.set(artifactName, template);
  return template;
}

/** The result of comparing code on chain with a compiled contract. */
export interface CodeComparison {
  ok: boolean;
  detail: string;
}

/**
 * Compares the code at `address` with the compiled runtime code of `artifactName`: both are
 * hashed with the deploy-time values (immutables, linked libraries) zeroed, so the compiler's
 * output must match byte for byte, metadata hash included. UUPSUpgradeable's `__self` immutable
 * must moreover hold `address` itself (an implementation records its own address).
 */
export async function compareCode(
  hre: HardhatRuntimeEnvironment,
  provider: ethers.Provider,
  address: string,
  artifactName: string,
): Promise<CodeComparison> {
  const template = await codeTemplate(hre, artifactName);
  const onChain = ethers.getBytes(await provider.getCode(address));
  if (onChain.length === 0) return { ok: false, detail: "no code there" };
  if (onChain.length !== template.bytes.length) {
    return {
      ok: false,
      detail: `code is ${onChain.length} bytes, compiled ${template.fqn} is ${template.bytes.length}`,
    };
  }
  const masked = Uint8Array.from(onChain);
  const selfValues = new Set<string>();
  for (const m of template.masks) {
    if (m.immutableId !== undefined && m.immutableId === template.selfId) {
      selfValues.add(ethers.hexlify(masked.slice(m.start, m.start + m.length)));
    }
    masked.fill(0, m.start, m.start + m.length);
  }
  const live = ethers.keccak256(masked);
  const compiled = ethers.keccak256(template.bytes);
  if (live !== compiled) {
    return {
      ok: false,
      detail:
        `code differs from compiled ${template.fqn} (hash ${live.slice(0, 10)}… vs ${compiled.slice(0, 10)}…, ` +
        `immutables masked): other source, compiler settings or EVM_VERSION`,
    };
  }
  const self = ethers.zeroPadValue(address, 32).toLowerCase();
  if (template.selfId !== undefined && (selfValues.size !== 1 || !selfValues.has(self))) {
    return {
      ok: false,
      detail: `code matches ${template.fqn} but its __self immutable is ${[...selfValues].join(", ")}`,
    };
  }
  return { ok: true, detail: `matches ${template.fqn} (code hash ${compiled.slice(0, 10)}…, immutables masked)` };
}

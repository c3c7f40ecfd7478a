import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { readDeploymentParameters } from "@nomicfoundation/hardhat-ignition/helpers";
import { verifyAssets } from "./assetRegistry";
import { deploymentBlock } from "./assets";
import { ADMIN_SLOT, IMPLEMENTATION_SLOT, addressInSlot, compareCode } from "./bytecode";
import { CONTRACTS, CONTRACT_NAMES, type ContractName } from "./deployment";
import { GovError } from "./errors";
import { getLogsInChunks } from "./logs";
import { checkCreditWiring } from "./credit";
import { type DeployedState, type ExecutedProposal, executedProposals, governedState, liveAssets } from "./liveState";
import { type System, abiOf, firstLine, roleGetters, roleHash } from "./system";

/** The proxied contracts of the system (UUPS, upgraded only by the timelock). */
export const PROXIED: ContractName[] = [
  "membership",
  "identity-registry",
  "security-token",
  "cash-token",
  "invoice-registry",
  "dvp-settlement",
  "asset-registry",
  "credit-registry",
];

/** The contracts that have roles, in the order the table shows them. */
const ROLE_CONTRACTS: ContractName[] = ["timelock", ...PROXIED];

const ERC1967_PROXY = "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol:ERC1967Proxy";
const TOKEN_EXTENSION = "contracts/token/SecurityTokenExtension.sol:SecurityTokenExtension";

/** One line of the verification table. */
export interface Check {
  group: string;
  name: string;
  ok: boolean;
  detail: string;
}

interface Member {
  account: string;
  weight: bigint;
  name: string;
  uri: string;
}

/** A token's operators by duty, as the `Operators` struct of `ISecurityToken`. */
interface Operators {
  supplyAgents: string[];
  freezeAgents: string[];
  forcedTransferAgents: string[];
  recoveryAgents: string[];
  documentAgents: string[];
  complianceOfficers: string[];
  guardians: string[];
}

/** Each duty of `Operators` and the token role it grants. */
export const DUTY_ROLES: [keyof Operators, string][] = [
  ["supplyAgents", "SUPPLY_ROLE"],
  ["freezeAgents", "FREEZE_ROLE"],
  ["forcedTransferAgents", "FORCED_TRANSFER_ROLE"],
  ["recoveryAgents", "RECOVERY_ROLE"],
  ["documentAgents", "DOCUMENT_ROLE"],
  ["complianceOfficers", "COMPLIANCE_ROLE"],
  ["guardians", "GUARDIAN_ROLE"],
];

/** What the parameters file says the deployment must be (with the modules' defaults applied). */
export interface ExpectedDeployment {
  file: string;
  timelockMinDelay: bigint;
  votingDelay: bigint;
  votingPeriod: bigint;
  votingPeriodFloor: bigint;
  proposalThreshold: bigint;
  quorumBasisPoints: bigint;
  approvalBasisPoints: bigint;
  sensitiveQuorumBasisPoints: bigint;
  sensitiveApprovalBasisPoints: bigint;
  guardian: string;
  minMembers: bigint;
  foundingMembers: Member[];
  registrars: string[];
  securityName: string;
  securitySymbol: string;
  securityDecimals: bigint;
  securityOperators: Operators;
  cashName: string;
  cashSymbol: string;
  cashDecimals: bigint;
  cashOperators: Operators;
  invoiceGuardians: string[];
  gracePeriod: bigint;
  maxSplitPieces: bigint;
  settlementGuardians: string[];
  /** The genesis tokens' asset codes (Assets.securityCode / cashCode) as text, when the file has them. */
  securityCode?: string;
  cashCode?: string;
}

type Json = Record<string, unknown>;

/**
 * Reads an Ignition parameters file (JSON5, with Ignition's own reader) into what the Consortium
 * module deploys from it: module parameters, then `$global`, then the module's default.
 */
export async function readExpected(file: string): Promise<ExpectedDeployment> {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) throw new GovError(`--parameters: no file at ${resolved}`);
  let json: Json;
  try {
    json = (await readDeploymentParameters(resolved)) as Json;
  } catch (e) {
    const cause = (e as { parent?: Error }).parent?.message ?? (e as Error).message;
    throw new GovError(`--parameters: ${resolved} is not a parameters file: ${firstLine(cause)}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new GovError(`--parameters: ${resolved} must hold an object of modules`);
  }
  const base = path.basename(resolved);
  const global = (json.$global ?? {}) as Json;
  const get = (module: string, name: string, fallback?: unknown): unknown => {
    const section = (json[module] ?? {}) as Json;
    const value = section[name] ?? global[name] ?? fallback;
    if (value === undefined) throw new GovError(`--parameters: ${base} has no ${module}.${name}`);
    return value;
  };
  const whole = (module: string, name: string, fallback?: number): bigint => {
    const value = get(module, name, fallback);
    if (typeof value === "bigint") return value;
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) return BigInt(value);
    if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
    throw new GovError(`--parameters: ${base} ${module}.${name} is not a whole number (${String(value)})`);
  };
  const text = (module: string, name: string): string => {
    const value = get(module, name);
    if (typeof value !== "string") throw new GovError(`--parameters: ${base} ${module}.${name} is not a string`);
    return value;
  };
  const address = (value: unknown, what: string): string => {
    if (typeof value !== "string" || !ethers.isAddress(value)) {
      throw new GovError(`--parameters: ${base} ${what} is not an address (${JSON.stringify(value)})`);
    }
    return ethers.getAddress(value);
  };
  const addresses = (value: unknown, what: string): string[] => {
    if (!Array.isArray(value)) throw new GovError(`--parameters: ${base} ${what} must be a list of addresses`);
    return value.map((v, i) => address(v, `${what}[${i}]`));
  };
  const operators = (name: string): Operators => {
    const value = get("Tokens", name) as Json;
    if (value === null || typeof value !== "object")
      throw new GovError(`--parameters: ${base} Tokens.${name} is missing`);
    return Object.fromEntries(
      DUTY_ROLES.map(([duty]) => [duty, addresses(value[duty], `Tokens.${name}.${duty}`)]),
    ) as unknown as Operators;
  };
  const founders = get("Governance", "foundingMembers");
  if (!Array.isArray(founders)) throw new GovError(`--parameters: ${base} Governance.foundingMembers must be a list`);
  const foundingMembers = founders.map((m: Json, i) => {
    const what = `Governance.foundingMembers[${i}]`;
    const weight = m?.weight;
    if (!(typeof weight === "bigint" || (typeof weight === "number" && Number.isInteger(weight)))) {
      throw new GovError(`--parameters: ${base} ${what}.weight is not a whole number`);
    }
    return {
      account: address(m.account, `${what}.account`),
      weight: BigInt(weight),
      name: String(m.name ?? ""),
      uri: String(m.uri ?? ""),
    };
  });
  const assetCode = (name: string): string | undefined => {
    const value = get("Assets", name, "");
    if (value === "") return undefined;
    if (typeof value !== "string" || !/^0x[0-9a-fA-F]{24}$/.test(value)) {
      throw new GovError(`--parameters: ${base} Assets.${name} is not a bytes12 asset code (${JSON.stringify(value)})`);
    }
    return ethers.toUtf8String(value);
  };
  return {
    file: resolved,
    securityCode: assetCode("securityCode"),
    cashCode: assetCode("cashCode"),
    timelockMinDelay: whole("Governance", "timelockMinDelay"),
    votingDelay: whole("Governance", "votingDelay"),
    votingPeriod: whole("Governance", "votingPeriod"),
    // the Governance module's default when the file leaves it out
    votingPeriodFloor: whole("Governance", "votingPeriodFloor", 3600),
    proposalThreshold: whole("Governance", "proposalThreshold", 1),
    quorumBasisPoints: whole("Governance", "quorumBasisPoints"),
    approvalBasisPoints: whole("Governance", "approvalBasisPoints", 5000),
    sensitiveQuorumBasisPoints: whole("Governance", "sensitiveQuorumBasisPoints", 6667),
    sensitiveApprovalBasisPoints: whole("Governance", "sensitiveApprovalBasisPoints", 6667),
    guardian: address(get("Governance", "guardian"), "Governance.guardian"),
    minMembers: whole("Governance", "minMembers", 2),
    foundingMembers,
    registrars: addresses(get("Identity", "registrars"), "Identity.registrars"),
    securityName: text("Tokens", "securityName"),
    securitySymbol: text("Tokens", "securitySymbol"),
    securityDecimals: whole("Tokens", "securityDecimals", 0),
    securityOperators: operators("securityOperators"),
    cashName: text("Tokens", "cashName"),
    cashSymbol: text("Tokens", "cashSymbol"),
    cashDecimals: whole("Tokens", "cashDecimals", 2),
    cashOperators: operators("cashOperators"),
    invoiceGuardians: addresses(get("Invoices", "guardians"), "Invoices.guardians"),
    gracePeriod: whole("Invoices", "gracePeriod", 30 * 24 * 3600),
    maxSplitPieces: whole("Invoices", "maxSplitPieces", 20),
    settlementGuardians: addresses(get("Settlement", "guardians"), "Settlement.guardians"),
  };
}

/** `--implementations security-token=SecurityTokenV2,cash-token=SecurityTokenV2` as a map. */
export function parseImplementations(value: string | undefined): Partial<Record<ContractName, string>> {
  const result: Partial<Record<ContractName, string>> = {};
  if (value === undefined || value.trim() === "") return result;
  for (const entry of value.split(",")) {
    const [name, artifact, ...rest] = entry.split("=").map((s) => s.trim());
    if (!name || !artifact || rest.length > 0) {
      throw new GovError(`--implementations: "${entry.trim()}" is not <contract>=<ContractName>`);
    }
    if (!PROXIED.includes(name as ContractName)) {
      throw new GovError(`--implementations: "${name}" is not a proxied contract (one of ${PROXIED.join(", ")})`);
    }
    result[name as ContractName] = artifact;
  }
  return result;
}

/** The first block worth scanning for role events: the deployment's first, from Ignition's journal. */
export function deploymentStartBlock(deploymentFile: string): number | undefined {
  const journal = path.join(path.dirname(deploymentFile), "journal.jsonl");
  if (!fs.existsSync(journal)) return undefined;
  let first: number | undefined;
  for (const line of fs.readFileSync(journal, "utf8").split("\n")) {
    if (!line.includes('"TRANSACTION_CONFIRM"')) continue;
    try {
      const block = (JSON.parse(line) as { receipt?: { blockNumber?: number } }).receipt?.blockNumber;
      if (typeof block === "number" && (first === undefined || block < first)) first = block;
    } catch {
      // a torn last line of an interrupted run: ignore it
    }
  }
  return first;
}

const ROLE_GRANTED = ethers.id("RoleGranted(bytes32,address,address)");
const ROLE_REVOKED = ethers.id("RoleRevoked(bytes32,address,address)");

/**
 * Every account ever granted a role on `addresses`, from their RoleGranted / RoleRevoked events,
 * read in block ranges of at most `range` (halved when the node refuses a range, as Besu does
 * beyond --rpc-max-logs-range). Returns contract -> role -> accounts still holding it per events.
 */
export async function roleHoldersFromEvents(
  provider: ethers.Provider,
  addresses: string[],
  fromBlock: number,
  range: number,
): Promise<Map<string, Map<string, Set<string>>>> {
  const latest = await provider.getBlockNumber();
  const filter = { address: addresses, topics: [[ROLE_GRANTED, ROLE_REVOKED]] };
  const logs = await getLogsInChunks(provider, filter, fromBlock, latest, range);
  const holders = new Map<string, Map<string, Set<string>>>();
  for (const log of logs) {
    const contract = ethers.getAddress(log.address);
    const role = log.topics[1].toLowerCase();
    const account = ethers.getAddress(ethers.dataSlice(log.topics[2], 12));
    if (!holders.has(contract)) holders.set(contract, new Map());
    const roles = holders.get(contract)!;
    if (!roles.has(role)) roles.set(role, new Set());
    if (log.topics[0] === ROLE_GRANTED) roles.get(role)!.add(account);
    else roles.get(role)!.delete(account);
  }
  return holders;
}

/** Options of a verification run. */
export interface VerifyOptions {
  expected: ExpectedDeployment;
  deployer: string;
  implementations: Partial<Record<ContractName, string>>;
  fromBlock: number;
  logRange: number;
}

/** The token roles an `Operators` entry grants, by role name. */
function tokenRoles(operators: Operators): Record<string, string[]> {
  return Object.fromEntries(DUTY_ROLES.map(([duty, role]) => [role, operators[duty]]));
}

/** What a verification found: its checks, and the executed proposals replayed for them. */
export interface VerifyResult {
  checks: Check[];
  proposals: ExecutedProposal[];
}

/**
 * Runs every check of a deployment against its parameters and the executed proposals (members,
 * role holders and assets as governance made them); never throws for a failed check.
 */
export async function verifyDeployment(sys: System, options: VerifyOptions): Promise<VerifyResult> {
  const { expected, deployer } = options;
  const { hre, provider } = sys;
  const checks: Check[] = [];
  const add = (group: string, name: string, ok: boolean, detail: string) => checks.push({ group, name, ok, detail });
  const addresses = sys.deployment.addresses;
  const timelock = addresses.timelock as string;
  const governor = addresses.governor as string;

  // Names for addresses in the table.
  const names = new Map<string, string>();
  const name = (address: string, label: string) => {
    const key = address.toLowerCase();
    if (!names.has(key)) names.set(key, label);
  };
  for (const n of CONTRACT_NAMES) if (addresses[n]) name(addresses[n] as string, n);
  name(deployer, "deployer");
  name(ethers.ZeroAddress, "anyone");
  for (const m of expected.foundingMembers) name(m.account, m.name || "member");
  for (const a of expected.registrars) name(a, "registrar");
  for (const a of expected.securityOperators.supplyAgents) name(a, "transfer agent");
  for (const a of expected.cashOperators.supplyAgents) name(a, "cash issuer");
  for (const a of [...expected.securityOperators.complianceOfficers, ...expected.cashOperators.complianceOfficers]) {
    name(a, "compliance officer");
  }
  for (const a of [
    ...expected.securityOperators.guardians,
    ...expected.cashOperators.guardians,
    ...expected.invoiceGuardians,
    ...expected.settlementGuardians,
  ]) {
    name(a, "guardian");
  }
  const label = (address: string) => {
    const known = names.get(address.toLowerCase());
    return known ? `${known} ${address.slice(0, 8)}…` : address;
  };
  for (const n of CONTRACT_NAMES) {
    if (!addresses[n]) add("deployment", n, false, `not in ${sys.deployment.file} ("${CONTRACTS[n].key}")`);
  }

  // --- Roles: exactly the holders the deployment and the executed proposals made, administered by
  // DEFAULT_ADMIN_ROLE.
  const expectedRoles: Partial<Record<ContractName, Record<string, string[]>>> = {
    timelock: {
      DEFAULT_ADMIN_ROLE: [timelock],
      PROPOSER_ROLE: [governor],
      CANCELLER_ROLE: [governor],
      EXECUTOR_ROLE: [ethers.ZeroAddress],
    },
    membership: { DEFAULT_ADMIN_ROLE: [timelock], GUARDIAN_ROLE: [expected.guardian] },
    "identity-registry": {
      DEFAULT_ADMIN_ROLE: [timelock],
      REGISTRAR_ROLE: expected.registrars,
      // the asset registry binds the tokens it creates
      TOKEN_BINDER_ROLE: addresses["asset-registry"] ? [addresses["asset-registry"]] : [],
    },
    "security-token": { DEFAULT_ADMIN_ROLE: [timelock], ...tokenRoles(expected.securityOperators) },
    "cash-token": { DEFAULT_ADMIN_ROLE: [timelock], ...tokenRoles(expected.cashOperators) },
    "invoice-registry": { DEFAULT_ADMIN_ROLE: [timelock], GUARDIAN_ROLE: expected.invoiceGuardians },
    "dvp-settlement": { DEFAULT_ADMIN_ROLE: [timelock], GUARDIAN_ROLE: expected.settlementGuardians },
    "asset-registry": { DEFAULT_ADMIN_ROLE: [timelock] },
    "credit-registry": { DEFAULT_ADMIN_ROLE: [timelock] },
  };
  const roleContracts = ROLE_CONTRACTS.filter((n) => sys.contracts[n]);
  const deployed: DeployedState = {
    members: expected.foundingMembers,
    roles: new Map(
      roleContracts.map((n) => [
        addresses[n] as string,
        new Map(Object.entries(expectedRoles[n] ?? {}).map(([roleName, holders]) => [roleHash(roleName), holders])),
      ]),
    ),
    assets: [
      ...(addresses["security-token"] ? [{ token: addresses["security-token"], code: expected.securityCode }] : []),
      ...(addresses["cash-token"] ? [{ token: addresses["cash-token"], code: expected.cashCode }] : []),
    ],
  };
  // every execution counts, whatever --from-block says: read from the governor's creation
  const proposals = await executedProposals(sys, await deploymentBlock(sys, governor), options.logRange);
  const governed = await governedState(sys, deployed, proposals);
  const live = await liveAssets(sys);
  for (const m of governed.members.values()) name(m.account, m.name || "member");
  const origin = (source: string) => (source === "the deployment" ? "the deployment" : source);
  add(
    "proposals",
    "executed proposals replayed",
    governed.unreplayed.length === 0,
    (proposals.length === 0
      ? "none executed: the expected state is the deployment's"
      : `${proposals.length} executed (${proposals.map((p) => `#${p.id}`).join(", ")}) replayed on the deployment's state`) +
      (governed.unreplayed.length > 0 ? `; cannot replay: ${governed.unreplayed.join("; ")}` : ""),
  );

  // Listed tokens the system did not deploy have the token's roles too (the asset registry created them).
  const tokenAbi =
    sys.contracts["security-token"]?.interface ?? new ethers.Interface(await abiOf(hre, "security-token"));
  const assetTokens = [...new Set([...governed.assets.keys(), ...live.keys()])].filter(
    (t) => sys.nameOf(t) === undefined,
  );
  const codeOf = (token: string) => governed.assets.get(token)?.code ?? live.get(token)?.code ?? token;
  const roleTargets = [
    ...roleContracts.map((n) => ({
      address: addresses[n] as string,
      title: n as string,
      contract: sys.contracts[n] as ethers.Contract,
    })),
    ...assetTokens.map((token) => ({
      address: token,
      title: `asset ${codeOf(token)}`,
      contract: new ethers.Contract(token, tokenAbi, provider),
    })),
  ];
  const fromEvents = await roleHoldersFromEvents(
    provider,
    roleTargets.map((t) => t.address),
    options.fromBlock,
    options.logRange,
  );
  // Accounts checked with hasRole on every role besides those the events name: nobody is left out
  // even if the event scan started too late.
  const known = new Set<string>(
    [
      timelock,
      governor,
      deployer,
      ethers.ZeroAddress,
      ...expected.foundingMembers.map((m) => m.account),
      ...governed.members.keys(),
      ...expected.registrars,
      ...Object.values(expected.securityOperators).flat(),
      ...Object.values(expected.cashOperators).flat(),
      ...expected.invoiceGuardians,
      ...expected.settlementGuardians,
      ...(await sys.membership.members()),
      ...CONTRACT_NAMES.map((n) => addresses[n]).filter((a): a is string => a !== undefined),
      ...assetTokens,
    ].map((a) => ethers.getAddress(a)),
  );
  const deployerRoles: string[] = [];
  // Every role of each contract: its *_ROLE getters, and any other role its events or the replay name.
  const pairs = roleTargets.flatMap((t) => {
    const named = roleGetters(t.contract.interface).map((roleName) => roleHash(roleName).toLowerCase());
    const others = [
      ...(fromEvents.get(ethers.getAddress(t.address))?.keys() ?? []),
      ...(governed.roles.get(ethers.getAddress(t.address))?.keys() ?? []),
    ].filter((h) => !named.includes(h));
    return [...named, ...new Set(others)].map((role) => ({ ...t, role }));
  });
  // All hasRole / getRoleAdmin reads at once (hundreds of eth_calls: one round trip's latency).
  const results = await Promise.all(
    pairs.map(async ({ address, title, contract, role }) => {
      const want = governed.roles.get(ethers.getAddress(address))?.get(role) ?? new Map<string, string>();
      const candidates = [
        ...new Set([...known, ...want.keys(), ...(fromEvents.get(ethers.getAddress(address))?.get(role) ?? [])]),
      ];
      const [held, admin] = await Promise.all([
        Promise.all(candidates.map((account) => contract.hasRole(role, account) as Promise<boolean>)),
        contract.getRoleAdmin(role) as Promise<string>,
      ]);
      const holders = candidates.filter((_, i) => held[i]).sort();
      const roleName = sys.roles.get(role) ?? role;
      return { title, roleName, want, holders, admin: admin.toLowerCase() };
    }),
  );
  for (const { title, roleName, want, holders, admin } of results) {
    if (holders.includes(ethers.getAddress(deployer))) deployerRoles.push(`${title} ${roleName}`);
    const extra = holders.filter((a) => !want.has(a));
    const missing = [...want.keys()].filter((a) => !holders.includes(a));
    const problems: string[] = [];
    for (const a of extra) problems.push(`held by ${label(a)} but no deployment step or executed proposal granted it`);
    for (const a of missing) {
      problems.push(`not held by ${label(a)}, which ${origin(want.get(a)!)} granted and no executed proposal revoked`);
    }
    if (admin !== ethers.ZeroHash) {
      problems.push(`administered by ${sys.roles.get(admin) ?? admin}, not DEFAULT_ADMIN_ROLE`);
    }
    const shown = holders.map((a) => (want.get(a)?.startsWith("proposal") ? `${label(a)} (${want.get(a)})` : label(a)));
    add(
      "roles",
      `${title} ${roleName}`,
      problems.length === 0,
      problems.length ? problems.join("; ") : shown.length ? shown.join(", ") : "nobody",
    );
  }
  add(
    "roles",
    `deployer holds no role`,
    deployerRoles.length === 0,
    deployerRoles.length === 0
      ? `${deployer} holds none of ${roleTargets.length} contracts' roles`
      : `${deployer} holds ${deployerRoles.join(", ")}`,
  );

  // --- Members and weights: the founders as the proposals changed them.
  const onChain = new Map<string, Member & { suspended: boolean; votes: bigint }>();
  for (const account of await sys.membership.members()) {
    const [info, suspended, votes] = await Promise.all([
      sys.membership.memberInfo(account),
      sys.membership.isSuspended(account),
      sys.membership.getVotes(account),
    ]);
    onChain.set(ethers.getAddress(account), {
      account: ethers.getAddress(account),
      weight: info.weight,
      name: info.name,
      uri: info.uri,
      suspended,
      votes,
    });
  }
  const extraMembers = [...onChain.keys()].filter((a) => !governed.members.has(a));
  add(
    "members",
    "no other members",
    extraMembers.length === 0,
    extraMembers.length === 0
      ? `${onChain.size} member(s), each admitted by the deployment or an executed proposal`
      : `admitted by no deployment step or executed proposal: ${extraMembers.map((a) => `${a} (${onChain.get(a)!.name}, weight ${onChain.get(a)!.weight})`).join(", ")}`,
  );
  let expectedTotal = 0n;
  for (const m of governed.members.values()) {
    const live = onChain.get(m.account);
    const by = (source: string) => (source === "the deployment" ? "configured" : `set by ${source}`);
    const problems: string[] = [];
    if (!live?.suspended) expectedTotal += m.weight;
    if (!live) problems.push(`not a member (admitted by ${origin(m.source)}, removed by no executed proposal)`);
    else {
      if (live.weight !== m.weight) problems.push(`weight ${live.weight}, ${by(m.weightSource)} ${m.weight}`);
      if (live.name !== m.name) problems.push(`name "${live.name}", ${by(m.source)} "${m.name}"`);
      if (live.uri !== m.uri) problems.push(`uri "${live.uri}", ${by(m.source)} "${m.uri}"`);
      // a guardian may suspend a key at once: its votes leave the count until governance restores it
      if (live.votes !== (live.suspended ? 0n : live.weight)) problems.push("votes differ from weight");
    }
    const provenance = [
      ...(m.source !== "the deployment" ? [`admitted by ${m.source}`] : []),
      ...(m.weightSource !== m.source ? [`weight set by ${m.weightSource}`] : []),
      ...(live?.suspended ? ["suspended by its guardian or recovery account"] : []),
    ];
    add(
      "members",
      `member ${m.name || m.account}`,
      problems.length === 0,
      problems.length
        ? `${m.account}: ${problems.join("; ")}`
        : `${m.account} weight ${m.weight}${provenance.length ? ` (${provenance.join(", ")})` : ""}`,
    );
  }
  const total = await sys.membership.totalWeight();
  add(
    "members",
    "total weight",
    total === expectedTotal,
    `${total} (expected ${expectedTotal}: the weights of the governed members not suspended)`,
  );

  // --- Assets: the directory as the deployment and the executed proposals made it.
  if (sys.contracts["asset-registry"]) {
    const extraAssets = [...live.keys()].filter((t) => !governed.assets.has(t));
    add(
      "assets",
      "no other assets",
      extraAssets.length === 0,
      extraAssets.length === 0
        ? `${live.size} asset(s), each listed by the deployment or an executed proposal`
        : `listed by no deployment step or executed proposal: ${extraAssets.map((t) => `${live.get(t)!.code} (${t})`).join(", ")}`,
    );
    for (const asset of governed.assets.values()) {
      const entry = live.get(asset.token);
      const problems: string[] = [];
      // corporate actions mark an asset redeemed on their own when its last unit is redeemed
      const redeemedByActions = entry?.status === "redeemed" && asset.status !== "redeemed";
      if (!entry) problems.push(`not listed (listed by ${origin(asset.source)})`);
      else {
        if (asset.code !== undefined && entry.code !== asset.code) {
          problems.push(`code ${entry.code}, ${origin(asset.source)} listed it as ${asset.code}`);
        }
        if (entry.status !== asset.status && !redeemedByActions) {
          problems.push(`status ${entry.status}, ${origin(asset.statusSource)} left it ${asset.status}`);
        }
      }
      add(
        "assets",
        `asset ${asset.code ?? entry?.code ?? asset.token}`,
        problems.length === 0,
        problems.length
          ? `${asset.token}: ${problems.join("; ")}`
          : `${asset.token} ${entry!.status} (listed by ${origin(asset.source)}` +
              (asset.statusSource !== asset.source ? `, status by ${asset.statusSource}` : "") +
              (redeemedByActions ? ", redeemed through corporate actions" : "") +
              ")",
      );
    }
  }

  // --- Governance settings.
  const g = sys.governor;
  const setting = async (label: string, actual: Promise<bigint>, want: bigint) => {
    const value = await actual;
    add("governance", label, value === want, `${value}${value === want ? "" : `, configured ${want}`}`);
  };
  await setting("voting delay (s)", g.votingDelay(), expected.votingDelay);
  await setting("voting period (s)", g.votingPeriod(), expected.votingPeriod);
  await setting("voting-period floor (s)", g.votingPeriodFloor(), expected.votingPeriodFloor);
  await setting("proposal threshold", g.proposalThreshold(), expected.proposalThreshold);
  await setting("quorum (bps)", g["quorumNumerator()"](), expected.quorumBasisPoints);
  await setting("approval threshold (bps)", g["approvalThreshold()"](), expected.approvalBasisPoints);
  const sensitive = await g.sensitiveThresholds(await g.clock());
  await setting("sensitive quorum (bps)", Promise.resolve(sensitive[0]), expected.sensitiveQuorumBasisPoints);
  await setting(
    "sensitive approval threshold (bps)",
    Promise.resolve(sensitive[1]),
    expected.sensitiveApprovalBasisPoints,
  );
  await setting("minimum members", sys.membership.minimumMembers(), expected.minMembers);
  const guardian = ethers.getAddress(await g.proposalGuardian());
  add(
    "governance",
    "proposal guardian",
    guardian === expected.guardian,
    `${label(guardian)}${guardian === expected.guardian ? "" : `, configured ${label(expected.guardian)}`}`,
  );
  await setting("timelock min delay (s)", sys.timelock.getMinDelay(), expected.timelockMinDelay);
  const [token, governorTimelock, governorClock, membershipClock] = await Promise.all([
    g.token(),
    g.timelock(),
    g.CLOCK_MODE(),
    sys.membership.CLOCK_MODE(),
  ]);
  add(
    "governance",
    "governor counts membership votes",
    ethers.getAddress(token) === addresses.membership,
    `token ${label(token)}`,
  );
  add(
    "governance",
    "governor drives the timelock",
    ethers.getAddress(governorTimelock) === timelock,
    label(governorTimelock),
  );
  add(
    "governance",
    "clock is timestamps",
    governorClock === "mode=timestamp" && membershipClock === "mode=timestamp",
    `governor ${governorClock}, membership ${membershipClock}`,
  );

  // --- Tokens, invoices, settlement as configured.
  const registry = addresses["identity-registry"];
  const tokenRows: [ContractName, string, string, bigint][] = [
    ["security-token", expected.securityName, expected.securitySymbol, expected.securityDecimals],
    ["cash-token", expected.cashName, expected.cashSymbol, expected.cashDecimals],
  ];
  for (const [n, wantName, wantSymbol, wantDecimals] of tokenRows) {
    const c = sys.contracts[n];
    if (!c) continue;
    const [tokenName, symbol, decimals, linked, bound] = await Promise.all([
      c.name() as Promise<string>,
      c.symbol() as Promise<string>,
      c.decimals() as Promise<bigint>,
      c.identityRegistry() as Promise<string>,
      registry ? (sys.contracts["identity-registry"]!.isTokenBound(addresses[n]) as Promise<boolean>) : false,
    ]);
    const ok =
      tokenName === wantName && symbol === wantSymbol && decimals === wantDecimals && linked === registry && bound;
    add(
      "settings",
      n,
      ok,
      `"${tokenName}" ${symbol}, ${decimals} decimals, identity registry ${label(linked)}` +
        (bound ? ", bound to it" : ", NOT bound to it (holders' records cannot be cached)") +
        (ok
          ? ""
          : `; configured "${wantName}" ${wantSymbol}, ${wantDecimals} decimals, registry ${label(registry ?? "")}`),
    );
  }
  const invoices = sys.contracts["invoice-registry"];
  if (invoices) {
    const [{ gracePeriod: grace, maxSplitPieces: pieces }, cashAllowed] = await Promise.all([
      invoices.settings() as Promise<{ gracePeriod: bigint; maxSplitPieces: bigint }>,
      addresses["cash-token"] ? (invoices.isCurrencyAllowed(addresses["cash-token"]) as Promise<boolean>) : false,
    ]);
    const ok = grace === expected.gracePeriod && pieces === expected.maxSplitPieces && cashAllowed;
    add(
      "settings",
      "invoice-registry",
      ok,
      `grace period ${grace} s (configured ${expected.gracePeriod}), max split ${pieces} (configured ` +
        `${expected.maxSplitPieces}), cash token ${cashAllowed ? "accepted" : "NOT accepted"}`,
    );
    // It holds the payments a holder cannot receive: it must be a verified participant itself.
    const identity = sys.contracts["identity-registry"];
    const canHold = identity ? ((await identity.isVerified(addresses["invoice-registry"])) as boolean) : false;
    add(
      "settings",
      "invoice-registry holds cash",
      canHold,
      canHold
        ? "verified in the identity registry: it can hold payments a holder cannot receive"
        : "NOT verified in the identity registry: payments to a holder that cannot receive would revert",
    );
  }

  await checkCreditWiring(sys, add, label);

  // --- Code: each proxy is OpenZeppelin's ERC1967Proxy with no admin, in front of the compiled
  // implementation; the governor and timelock are the compiled contracts.
  for (const n of PROXIED) {
    const proxy = addresses[n];
    if (!proxy) continue;
    const proxyCode = await compareCode(hre, provider, proxy, ERC1967_PROXY);
    const admin = await addressInSlot(provider, proxy, ADMIN_SLOT);
    add(
      "code",
      `${n} proxy`,
      proxyCode.ok && admin === ethers.ZeroAddress,
      proxyCode.ok
        ? admin === ethers.ZeroAddress
          ? `${proxy}: ERC1967Proxy, no admin (UUPS)`
          : `${proxy}: ERC-1967 admin slot holds ${admin}`
        : `${proxy}: ${proxyCode.detail}`,
    );
    const implementation = await addressInSlot(provider, proxy, IMPLEMENTATION_SLOT);
    const artifact = options.implementations[n] ?? CONTRACTS[n].artifact;
    if (implementation === ethers.ZeroAddress) {
      add("code", `${n} implementation`, false, `the proxy's implementation slot is empty`);
      continue;
    }
    const result = await compareCode(hre, provider, implementation, artifact);
    add("code", `${n} implementation`, result.ok, `${implementation}: ${result.detail}`);
    if (n === "security-token" || n === "cash-token") {
      // The token runs its cold operations in an extension its implementation created.
      const extension = (await sys.contracts[n]!.extension()) as string;
      const extensionCode = await compareCode(hre, provider, extension, TOKEN_EXTENSION);
      add("code", `${n} extension`, extensionCode.ok, `${extension}: ${extensionCode.detail}`);
    }
  }
  await verifyAssets(sys, add, label, [
    CONTRACTS["security-token"].artifact,
    ...(["security-token", "cash-token"] as const).flatMap((n) => options.implementations[n] ?? []),
  ]);
  for (const n of ["governor", "timelock"] as const) {
    const address = addresses[n];
    if (!address) continue;
    const result = await compareCode(hre, provider, address, CONTRACTS[n].fqn);
    add("code", n, result.ok, `${address}: ${result.detail}`);
  }
  return { checks, proposals };
}

/** Prints the table of checks. */
export function formatChecks(checks: Check[]): string[] {
  const width = Math.max(...checks.map((c) => `${c.group}: ${c.name}`.length));
  return checks.map((c) => `  ${c.ok ? "PASS" : "FAIL"}  ${`${c.group}: ${c.name}`.padEnd(width)}  ${c.detail}`);
}

/** The result of consortium:verify-deployment, also its --json document (shape in docs/operations.md). */
export interface VerifyReport {
  deployment: string;
  parameters: string;
  network: string;
  chainId: string;
  deployer: string;
  fromBlock: number;
  executedProposals: { id: string; blockNumber: number; transactionHash: string; calls: number }[];
  checks: Check[];
  passed: number;
  failed: number;
}

/** The report of a verification run. */
export function verifyReport(
  sys: System,
  network: string,
  parameters: string,
  deployer: string,
  fromBlock: number,
  proposals: ExecutedProposal[],
  checks: Check[],
): VerifyReport {
  const failed = checks.filter((c) => !c.ok).length;
  return {
    deployment: sys.deployment.file,
    parameters,
    network,
    chainId: sys.chainId.toString(),
    deployer,
    fromBlock,
    executedProposals: proposals.map((p) => ({
      id: p.id.toString(),
      blockNumber: p.blockNumber,
      transactionHash: p.transactionHash,
      calls: p.calls.length,
    })),
    checks: checks.map(({ group, name, ok, detail }) => ({ group, name, ok, detail })),
    passed: checks.length - failed,
    failed,
  };
}

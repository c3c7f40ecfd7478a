import { parseIsoTime } from "./time";
import fs from "node:fs";
import { ethers } from "ethers";
import type { TokenOperators } from "../../scripts/lib/deploy";
import type { ProposalCall } from "./actions";
import { deploymentBlock } from "./assets";
import { logRangeOf } from "./logs";
import { IMPLEMENTATION_SLOT, addressInSlot, compareCode } from "./bytecode";
import { CORPORATE_ACTIONS_KEY } from "./corporateActions";
import { CONTRACTS } from "./deployment";
import { GovError, oneLine } from "./errors";
import { parseAddress, parseWhole } from "./parse";
import { type System, abiOf, roleHash } from "./system";
import { roleHoldersFromEvents } from "./verify";

/** AssetRegistry.AssetKind, by value (command-line spelling). */
export const ASSET_KINDS = ["equity", "bond", "fund-unit", "cash", "other"] as const;
export type AssetKindName = (typeof ASSET_KINDS)[number];

/** AssetRegistry.AssetStatus, by value. */
export const ASSET_STATUSES = ["active", "suspended", "matured", "redeemed"] as const;
export type AssetStatusName = (typeof ASSET_STATUSES)[number];

/** The value of a character in an ISIN: digits 0-9, letters A = 10 ... Z = 35. */
function charValue(c: string): number {
  return /[0-9]/.test(c) ? Number(c) : c.charCodeAt(0) - 55;
}

/**
 * The ISIN check digit (ISO 6166, Luhn) of an 11-character prefix: letters become two digits
 * (A = 10 ... Z = 35), then from the right every other digit, starting with the last, is doubled.
 */
export function isinCheckDigit(prefix: string): number {
  const digits = [...prefix].map(charValue).join("");
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** An ISIN-style code with its check digit appended: `withCheckDigit("US037833100")` = "US0378331005". */
export function withCheckDigit(prefix: string): string {
  return `${prefix}${isinCheckDigit(prefix)}`;
}

/**
 * Why `code` is not a valid asset code (the rules AssetRegistry checks on chain), or undefined
 * when it is: 12 characters, 2 upper-case letters, 9 upper-case letters or digits, 1 check digit.
 */
export function assetCodeProblem(code: string): string | undefined {
  if (code.length !== 12) return `it has ${code.length} characters, an asset code has 12`;
  if (!/^[A-Z]{2}/.test(code)) return "it must start with two upper-case letters (the country)";
  if (!/^[A-Z]{2}[A-Z0-9]{9}/.test(code)) return "characters 3 to 11 must be upper-case letters or digits";
  if (!/[0-9]$/.test(code)) return "the last character must be the check digit";
  const expected = isinCheckDigit(code.slice(0, 11));
  if (Number(code[11]) !== expected) return `the check digit is wrong: ${code.slice(0, 11)}${expected} would be valid`;
  return undefined;
}

/** A valid asset code as the bytes12 the registry stores, or a one-line error naming the problem. */
export function parseAssetCode(value: unknown, what: string): string {
  const code = String(value ?? "").trim();
  const problem = assetCodeProblem(code);
  if (problem) throw new GovError(`${what}: "${code}" is not an asset code (ISIN style): ${problem}`);
  return ethers.hexlify(ethers.toUtf8Bytes(code));
}

/** A bytes12 code from the registry as text. */
export function codeText(code: string): string {
  return ethers.toUtf8String(code);
}

/** An asset kind by name (`bond`, `fund-unit`, ...) as the enum value. */
export function parseKind(value: unknown, what: string): number {
  const text = String(value ?? "")
    .trim()
    .toLowerCase()
    .replace(/[_ ]/g, "-");
  const index = ASSET_KINDS.indexOf((text === "fundunit" ? "fund-unit" : text) as AssetKindName);
  if (index < 0)
    throw new GovError(`${what}: "${String(value)}" is not an asset kind (one of ${ASSET_KINDS.join(", ")})`);
  return index;
}

// ------------------------------------------------------------------ the directory, read

/** The asset registry of the deployment, or a one-line error saying the deployment has none. */
export function requireAssetRegistry(sys: System): ethers.Contract {
  const registry = sys.contracts["asset-registry"];
  if (!registry) {
    throw new GovError(
      `the deployment ${sys.deployment.file} has no asset registry ("${CONTRACTS["asset-registry"].key}")`,
    );
  }
  return registry;
}

/** A directory entry, decoded. */
export interface AssetEntry {
  index?: number;
  token: string;
  kind: AssetKindName;
  status: AssetStatusName;
  decimals: number;
  maturity: bigint;
  code: string;
  issuer: string;
  termsURI: string;
  termsHash: string;
}

function decodeEntry(raw: ethers.Result, index?: number): AssetEntry {
  return {
    ...(index !== undefined ? { index } : {}),
    token: ethers.getAddress(raw.token as string),
    kind: ASSET_KINDS[Number(raw.kind)],
    status: ASSET_STATUSES[Number(raw.status)],
    decimals: Number(raw.decimals),
    maturity: BigInt(raw.maturity),
    code: codeText(raw.code as string),
    issuer: raw.issuer as string,
    termsURI: raw.termsURI as string,
    termsHash: raw.termsHash as string,
  };
}

/** Every entry of the directory, in listing order. */
export async function listAssets(sys: System): Promise<AssetEntry[]> {
  const registry = requireAssetRegistry(sys);
  const count = Number(await registry.assetCount());
  return Promise.all(
    Array.from({ length: count }, async (_, i) => decodeEntry((await registry.assetAt(i)) as ethers.Result, i)),
  );
}

/** The entry of an asset given by its code or its token's address. */
export async function resolveAsset(sys: System, value: unknown, what: string): Promise<AssetEntry> {
  const registry = requireAssetRegistry(sys);
  const text = String(value ?? "").trim();
  if (/^0x/i.test(text)) {
    const token = parseAddress(text, what);
    if (!(await registry.isListed(token))) throw new GovError(`${what}: ${token} is not in the asset registry`);
    return decodeEntry((await registry.assetOf(token)) as ethers.Result);
  }
  const code = parseAssetCode(text, what);
  try {
    return decodeEntry((await registry.assetByCode(code)) as ethers.Result);
  } catch {
    throw new GovError(`${what}: no asset has the code ${text} (asset:list shows them)`);
  }
}

/** A token of the directory, connected read-only with SecurityToken's ABI. */
export async function tokenContract(sys: System, token: string): Promise<ethers.Contract> {
  return new ethers.Contract(token, await abiOf(sys.hre, "security-token"), sys.provider);
}

/** What `asset:list` shows of one asset. */
export interface AssetRow extends AssetEntry {
  name: string;
  symbol: string;
  paused: boolean;
  totalSupply: bigint;
  holders: bigint;
}

/** One row per asset, with its token's live figures. */
export async function assetRows(sys: System): Promise<AssetRow[]> {
  const entries = await listAssets(sys);
  return Promise.all(
    entries.map(async (entry) => {
      const token = await tokenContract(sys, entry.token);
      const [name, symbol, paused, totalSupply, holders] = await Promise.all([
        token.name() as Promise<string>,
        token.symbol() as Promise<string>,
        token.paused() as Promise<boolean>,
        token.totalSupply() as Promise<bigint>,
        token.holderCount() as Promise<bigint>,
      ]);
      return { ...entry, name, symbol, paused, totalSupply, holders };
    }),
  );
}

/** The token roles of each operator duty (the `Operators` struct of ISecurityToken), in order. */
export const DUTIES: [keyof TokenOperators, string][] = [
  ["supplyAgents", "SUPPLY_ROLE"],
  ["freezeAgents", "FREEZE_ROLE"],
  ["forcedTransferAgents", "FORCED_TRANSFER_ROLE"],
  ["recoveryAgents", "RECOVERY_ROLE"],
  ["documentAgents", "DOCUMENT_ROLE"],
  ["complianceOfficers", "COMPLIANCE_ROLE"],
  ["guardians", "GUARDIAN_ROLE"],
];

/** Everything `asset:show` tells of one asset. */
export interface AssetDetail extends AssetRow {
  implementation: string;
  admins: string[];
  operators: Record<string, string[]>;
  rules: {
    requiredAttributes: number;
    countryRestricted: boolean;
    allowedCountryCount: number;
    maxEntityBalance: bigint;
    maxHolders: number;
    complianceHook: string;
  };
  documents: { name: string; uri: string; hash: string; lastModified: bigint }[];
}

/** The detail of one asset: its entry, rules, documents, role holders by duty, supply and holders. */
export async function assetDetail(sys: System, entry: AssetEntry): Promise<AssetDetail> {
  const token = await tokenContract(sys, entry.token);
  const [row] = (await assetRows(sys)).filter((r) => r.token === entry.token);
  const fromBlock = await deploymentBlock(sys, entry.token);
  const holders = await roleHoldersFromEvents(sys.provider, [entry.token], fromBlock, logRangeOf(sys.hre));
  const byRole = holders.get(entry.token) ?? new Map<string, Set<string>>();
  const holdersOf = async (role: string) => {
    const candidates = [...(byRole.get(roleHash(role).toLowerCase()) ?? [])];
    const still = await Promise.all(candidates.map((a) => token.hasRole(roleHash(role), a) as Promise<boolean>));
    return candidates.filter((_, i) => still[i]);
  };
  const operators: Record<string, string[]> = {};
  for (const [duty, role] of DUTIES) operators[duty] = await holdersOf(role);
  const names = (await token.getAllDocuments()) as string[];
  const documents = await Promise.all(
    names.map(async (name) => {
      const [uri, hash, lastModified] = (await token.getDocument(name)) as [string, string, bigint];
      let label: string;
      try {
        label = ethers.decodeBytes32String(name);
      } catch {
        label = name;
      }
      return { name: label, uri, hash, lastModified };
    }),
  );
  const [requiredAttributes, countryRestricted, allowedCountryCount, maxEntityBalance, maxHolders, hook] =
    await Promise.all([
      token.requiredAttributes() as Promise<bigint>,
      token.countryRestricted() as Promise<boolean>,
      token.allowedCountryCount() as Promise<bigint>,
      token.maxEntityBalance() as Promise<bigint>,
      token.maxHolders() as Promise<bigint>,
      token.complianceHook() as Promise<string>,
    ]);
  return {
    ...(row ?? (await assetRows(sys))[0]),
    ...entry,
    implementation: await addressInSlot(sys.provider, entry.token, IMPLEMENTATION_SLOT),
    admins: await holdersOf("DEFAULT_ADMIN_ROLE"),
    operators,
    rules: {
      requiredAttributes: Number(requiredAttributes),
      countryRestricted,
      allowedCountryCount: Number(allowedCountryCount),
      maxEntityBalance,
      maxHolders: Number(maxHolders),
      complianceHook: ethers.getAddress(hook),
    },
    documents,
  };
}

// ------------------------------------------------------------------ governance actions

/** The named gov:propose actions of the asset registry and their arguments. */
export const ASSET_ACTION_USAGE: Record<string, string> = {
  "issue-security":
    "issue-security --name <name> --symbol <symbol> --decimals <n> --kind <equity|bond|fund-unit|cash|other> " +
    "--code <ISIN-style code> --issuer <entity id or legal name> [--maturity <YYYY-MM-DD or unix time>] " +
    "[--terms-uri <uri>] [--terms-hash <bytes32>] [--agent <addr,...>] [--supply-agents <addr,...>] " +
    "[--freeze-agents ...] [--forced-transfer-agents ...] [--recovery-agents ...] [--document-agents ...] " +
    "[--compliance-officers ...] [--guardians ...]",
  "suspend-asset": "suspend-asset <code|token>",
  "resume-asset": "resume-asset <code|token>",
  "mature-asset": "mature-asset <code|token>",
  "redeem-asset": "redeem-asset <code|token>",
  "upgrade-securities":
    "upgrade-securities --implementation <address> --contract <ContractName> [--current <ContractName>]",
};

/** `--key value` pairs of an action's words; every key must be one of `allowed`. */
function options(words: string[], allowed: string[], what: string): Map<string, string> {
  const result = new Map<string, string>();
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i];
    if (!key.startsWith("--")) throw new GovError(`${what}: expected an option (--name value), got "${key}"`);
    const name = key.slice(2).toLowerCase();
    if (!allowed.includes(name))
      throw new GovError(`${what}: unknown option ${key} (options: ${allowed.map((a) => `--${a}`).join(", ")})`);
    if (i + 1 >= words.length) throw new GovError(`${what}: ${key} needs a value`);
    if (result.has(name)) throw new GovError(`${what}: ${key} given twice`);
    result.set(name, words[i + 1]);
  }
  return result;
}

function required(opts: Map<string, string>, name: string, what: string): string {
  const value = opts.get(name);
  if (value === undefined || value.trim() === "") throw new GovError(`${what}: --${name} is required`);
  return value.trim();
}

/** A list of addresses separated by commas (empty text: none). */
function addressList(value: string | undefined, what: string): string[] {
  if (value === undefined || value.trim() === "" || value.trim() === "none") return [];
  const list = value.split(",").map((a, i) => parseAddress(a, `${what}[${i}]`));
  if (new Set(list).size !== list.length) throw new GovError(`${what}: an address is listed twice`);
  return list;
}

/** A time as unix seconds: digits, or an ISO date / date-time (UTC). */
export function parseTime(value: string, what: string): bigint {
  const text = value.trim();
  if (/^\d+$/.test(text)) return BigInt(text);
  const time = parseIsoTime(text, what);
  if (time === undefined)
    throw new GovError(
      `${what}: "${text}" is not a time (YYYY-MM-DD, an ISO date-time with its zone, or unix seconds)`,
    );
  return time;
}

/** An issuer: a bytes32 entity id, or a legal name (its entity id is ethers.id(name), as registrars use). */
export function parseIssuer(value: string, what: string): string {
  const text = value.trim();
  if (/^0x/i.test(text)) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new GovError(`${what}: "${text}" is not an entity id (32 bytes hex)`);
    return text.toLowerCase();
  }
  return ethers.id(text);
}

/** The token a `createAsset` executed next would create: the registry's next CREATE address. */
export async function predictTokenAddress(sys: System): Promise<string> {
  const registry = requireAssetRegistry(sys);
  const nonce = await sys.provider.getTransactionCount(registry.target as string);
  return ethers.getCreateAddress({ from: registry.target as string, nonce });
}

type Call = ProposalCall;

function callOf(contract: ethers.Contract, fn: string, args: unknown[], source: string): Call {
  return {
    target: contract.target as string,
    value: 0n,
    data: contract.interface.encodeFunctionData(fn, args),
    source,
  };
}

/** Builds the calls of an asset action (`issue-security ...`, `suspend-asset CN...`, ...). */
export async function buildAssetAction(sys: System, verb: string, args: string[], text: string): Promise<Call[]> {
  const what = `action "${verb}"`;
  const registry = requireAssetRegistry(sys);
  switch (verb) {
    case "issue-security":
      return [await issueSecurity(sys, registry, args, text, what)];
    case "suspend-asset":
    case "resume-asset":
    case "mature-asset":
    case "redeem-asset": {
      if (args.length !== 1) throw new GovError(`${what}: expected ${ASSET_ACTION_USAGE[verb]}`);
      const entry = await resolveAsset(sys, args[0], what);
      const token = await tokenContract(sys, entry.token);
      const label = `${entry.code} (${entry.token})`;
      const calls: Call[] = [];
      const guardianRole = roleHash("GUARDIAN_ROLE");
      const paused = (await token.paused()) as boolean;
      if (verb === "suspend-asset" || verb === "redeem-asset") {
        // The registry pauses the token: a token it did not create must first make it a guardian.
        if (!paused && !((await token.hasRole(guardianRole, registry.target)) as boolean)) {
          calls.push(callOf(token, "grantRole", [guardianRole, registry.target], text));
        }
        if (verb === "suspend-asset" && entry.status !== "active") {
          throw new GovError(`${what}: ${label} is ${entry.status}; only an active asset can be suspended`);
        }
        if (verb === "redeem-asset") {
          if (entry.status === "redeemed") throw new GovError(`${what}: ${label} is already redeemed`);
          const supply = (await token.totalSupply()) as bigint;
          if (supply !== 0n) {
            throw new GovError(`${what}: ${label} still has ${supply} base units in circulation; burn them first`);
          }
        }
        calls.push(callOf(registry, verb === "suspend-asset" ? "suspendAsset" : "markRedeemed", [entry.token], text));
      } else if (verb === "resume-asset") {
        if (entry.status !== "suspended") throw new GovError(`${what}: ${label} is ${entry.status}, not suspended`);
        // Unpausing is the token admin's (the timelock's) own act; the registry then records it.
        if (paused) calls.push(callOf(token, "unpause", [], text));
        calls.push(callOf(registry, "resumeAsset", [entry.token], text));
      } else {
        if (entry.status !== "active") throw new GovError(`${what}: ${label} is ${entry.status}, not active`);
        const now = BigInt((await sys.provider.getBlock("latest"))!.timestamp);
        if (entry.maturity > now) {
          throw new GovError(
            `${what}: ${label} matures on ${new Date(Number(entry.maturity) * 1000).toISOString()}, not yet`,
          );
        }
        calls.push(callOf(registry, "markMatured", [entry.token], text));
      }
      // The calls of one action run in sequence: simulate each with the ones before it.
      return calls.map((c, i) => (i === 0 ? c : { ...c, simulateAfter: calls.slice(0, i) }));
    }
    case "upgrade-securities":
      return upgradeSecurities(sys, registry, args, text, what);
    default:
      throw new GovError(`unknown action "${verb}"`);
  }
}

async function issueSecurity(
  sys: System,
  registry: ethers.Contract,
  args: string[],
  text: string,
  what: string,
): Promise<Call> {
  const duties = DUTIES.map(([duty]) => duty.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
  const opts = options(
    args,
    ["name", "symbol", "decimals", "kind", "code", "issuer", "maturity", "terms-uri", "terms-hash", "agent", ...duties],
    what,
  );
  const name = required(opts, "name", what);
  const symbol = required(opts, "symbol", what);
  const decimals = Number(parseWhole(required(opts, "decimals", what), `${what} --decimals`, 0n, 18n));
  const kind = parseKind(required(opts, "kind", what), `${what} --kind`);
  const codeText_ = required(opts, "code", what);
  const code = parseAssetCode(codeText_, `${what} --code`);
  const issuer = parseIssuer(required(opts, "issuer", what), `${what} --issuer`);
  const identity = sys.contracts["identity-registry"];
  if (identity && (await identity.entityIndexOf(issuer)) === 0n) {
    throw new GovError(
      `${what}: the issuer ${opts.get("issuer")} (entity ${issuer}) is not an entity of the identity registry: a registrar registers it first`,
    );
  }
  const now = BigInt((await sys.provider.getBlock("latest"))!.timestamp);
  let maturity = 0n;
  if (kind === ASSET_KINDS.indexOf("bond")) {
    maturity = parseTime(required(opts, "maturity", what), `${what} --maturity`);
    if (maturity <= now) throw new GovError(`${what}: --maturity must be in the future`);
  } else if (opts.has("maturity")) {
    throw new GovError(`${what}: only a bond has a --maturity`);
  }
  const termsHash = opts.get("terms-hash") ?? ethers.ZeroHash;
  if (!/^0x[0-9a-fA-F]{64}$/.test(termsHash)) throw new GovError(`${what}: --terms-hash must be 32 bytes hex`);
  const taken = await registry.assetByCode(code).then(
    (a: ethers.Result) => a.token as string,
    () => undefined,
  );
  if (taken) throw new GovError(`${what}: the code ${codeText_} is already the code of ${taken}`);
  const agents = addressList(opts.get("agent"), `${what} --agent`);
  const operators: Record<string, string[]> = {};
  DUTIES.forEach(([duty], i) => {
    const own = addressList(opts.get(duties[i]), `${what} --${duties[i]}`);
    const shared = i < 5 ? agents : [];
    operators[duty] = [...new Set([...shared, ...own])];
  });
  const spec = { name, symbol, decimals };
  const terms = { kind, code, issuer, maturity, termsURI: opts.get("terms-uri") ?? "", termsHash };
  const call = callOf(registry, "createAsset", [spec, terms, operators], text);
  const predicted = await predictTokenAddress(sys);
  const preview = [
    `token that would be created: ${predicted} (if no other asset is created first)`,
    `  "${name}" ${symbol}, ${decimals} decimals, ${ASSET_KINDS[kind]}, code ${codeText_}, issuer ${issuer}` +
      (maturity > 0n ? `, maturity ${new Date(Number(maturity) * 1000).toISOString()}` : ""),
    `  admin: the timelock ${sys.deployment.addresses.timelock}; implementation ${await registry.tokenImplementation()}`,
    ...DUTIES.map(
      ([duty, role]) =>
        `  ${role}: ${[...operators[duty], ...(duty === "guardians" ? [`${registry.target as string} (asset registry)`] : [])].join(", ") || "nobody"}`,
    ),
  ];
  return { ...call, preview };
}

async function upgradeSecurities(
  sys: System,
  registry: ethers.Contract,
  args: string[],
  text: string,
  what: string,
): Promise<Call[]> {
  const opts = options(args, ["implementation", "contract", "current"], what);
  const implementation = parseAddress(required(opts, "implementation", what), `${what} --implementation`);
  const contractName = required(opts, "contract", what);
  const currentName = opts.get("current") ?? "SecurityToken";
  const hre = sys.hre;
  for (const n of [contractName, currentName]) {
    if (!(await hre.artifacts.artifactExists(n))) {
      throw new GovError(`${what}: no compiled contract "${n}": check the name and run "npx hardhat compile"`);
    }
  }
  const deployed = await compareCode(hre, sys.provider, implementation, contractName);
  if (!deployed.ok)
    throw new GovError(`${what}: the code at ${implementation} is not ${contractName}: ${deployed.detail}`);
  const recorded = ethers.getAddress((await registry.tokenImplementation()) as string);
  if (recorded === implementation)
    throw new GovError(`${what}: ${implementation} is already the recorded token implementation`);
  const current = await compareCode(hre, sys.provider, recorded, currentName);
  if (!current.ok) {
    throw new GovError(
      `${what}: the recorded implementation ${recorded} is not the compiled ${currentName} (${current.detail}): name it with --current`,
    );
  }
  // The storage-layout check of consortium:prepare-upgrade, once: every asset runs the recorded implementation.
  const ethersHre = hre as unknown as { ethers: { getContractFactory(n: string): Promise<ethers.ContractFactory> } };
  const upgrades = (
    hre as unknown as { upgrades: { validateUpgrade(a: unknown, b: unknown, o: unknown): Promise<void> } }
  ).upgrades;
  try {
    await upgrades.validateUpgrade(
      await ethersHre.ethers.getContractFactory(currentName),
      await ethersHre.ethers.getContractFactory(contractName),
      { kind: "uups" },
    );
  } catch (e) {
    const error = e as Error & { details?: () => string };
    const details = typeof error.details === "function" ? `: ${error.details()}` : "";
    throw new GovError(
      `${what}: ${contractName} cannot replace ${currentName}: ${oneLine(`${error.message}${details}`).slice(0, 600)}`,
    );
  }
  const entries = await listAssets(sys);
  const others: string[] = [];
  for (const entry of entries) {
    const live = await addressInSlot(sys.provider, entry.token, IMPLEMENTATION_SLOT);
    if (live !== recorded) others.push(`${entry.code} runs ${live}`);
  }
  if (others.length > 0) {
    throw new GovError(
      `${what}: not every asset runs the recorded implementation ${recorded} (${others.join("; ")}); upgrade those one by one with the upgrade action`,
    );
  }
  const calls = await Promise.all(
    entries.map(async (entry) =>
      callOf(await tokenContract(sys, entry.token), "upgradeToAndCall", [implementation, "0x"], text),
    ),
  );
  calls.push(callOf(registry, "setTokenImplementation", [implementation], text));
  return calls;
}

// ------------------------------------------------------------------ sequences of calls, simulated

/** The storage slot of TimelockController's `_timestamps` mapping, from the compiler's layout. */
async function timestampsSlot(sys: System): Promise<bigint> {
  const { fqn } = CONTRACTS.timelock;
  try {
    const buildInfo = await sys.hre.artifacts.getBuildInfo(fqn);
    const [source, name] = fqn.split(":");
    const output = buildInfo?.output.contracts[source]?.[name] as
      { storageLayout?: { storage: { label: string; slot: string }[] } } | undefined;
    const entry = output?.storageLayout?.storage.find((s) => s.label === "_timestamps");
    if (entry) return BigInt(entry.slot);
  } catch {
    // fall through to the layout of OpenZeppelin 5.3's TimelockController
  }
  return 1n;
}

/**
 * Simulates `calls` in sequence, as the timelock executes them: an eth_call of the timelock's
 * `executeBatch` with the operation made ready by a state override (its timestamp set to 2, a
 * time long past). Anyone may execute (the executor role is open). Returns the failure, if any.
 */
export async function simulateSequence(sys: System, calls: ProposalCall[]): Promise<unknown | undefined> {
  const timelock = sys.timelock;
  const targets = calls.map((c) => c.target);
  const values = calls.map((c) => c.value);
  const payloads = calls.map((c) => c.data);
  const salt = ethers.id("asset-registry dry run");
  const id = await timelock.hashOperationBatch(targets, values, payloads, ethers.ZeroHash, salt);
  const slot = ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [id, await timestampsSlot(sys)]),
  );
  const data = timelock.interface.encodeFunctionData("executeBatch", [
    targets,
    values,
    payloads,
    ethers.ZeroHash,
    salt,
  ]);
  const address = sys.deployment.addresses.timelock as string;
  try {
    await sys.hre.network.provider.request({
      method: "eth_call",
      params: [{ to: address, data }, "latest", { [address]: { stateDiff: { [slot]: ethers.toBeHex(2n, 32) } } }],
    });
    return undefined;
  } catch (e) {
    return e;
  }
}

// ------------------------------------------------------------------ consortium:verify-deployment

const ERC1967_PROXY_FQN = "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol:ERC1967Proxy";

/**
 * The asset checks of consortium:verify-deployment: the genesis tokens are listed; every listed
 * asset's token has the timelock as admin (and the registry is not), runs the implementation the
 * registry records (compiled `tokenArtifact`) behind an ERC1967Proxy, is bound to the identity
 * registry, and is paused exactly when its status says so (suspended or redeemed).
 */
export async function verifyAssets(
  sys: System,
  add: (group: string, name: string, ok: boolean, detail: string) => void,
  label: (address: string) => string,
  tokenArtifacts: string[],
): Promise<void> {
  const registry = sys.contracts["asset-registry"];
  if (!registry) return;
  const { hre, provider } = sys;
  const timelock = sys.deployment.addresses.timelock as string;
  const identity = sys.contracts["identity-registry"];
  const entries = await listAssets(sys);
  const listed = new Set(entries.map((e) => e.token));
  for (const n of ["security-token", "cash-token"] as const) {
    const address = sys.deployment.addresses[n];
    if (!address) continue;
    const entry = entries.find((e) => e.token === address);
    add(
      "assets",
      `${n} listed`,
      listed.has(address),
      entry ? `${entry.code}, ${entry.kind}, ${entry.status}` : `${address} is not in the asset registry`,
    );
  }
  const recorded = ethers.getAddress((await registry.tokenImplementation()) as string);
  const comparisons = await Promise.all(tokenArtifacts.map((a) => compareCode(hre, provider, recorded, a)));
  const match = comparisons.find((c) => c.ok);
  add("assets", "token implementation", match !== undefined, `${recorded}: ${(match ?? comparisons[0]).detail}`);
  await verifyRedemptionObserver(sys, registry, add, label);
  const genesis = new Map(
    (["security-token", "cash-token"] as const)
      .filter((n) => sys.deployment.addresses[n])
      .map((n) => [sys.deployment.addresses[n] as string, n]),
  );
  for (const entry of entries) {
    const token = await tokenContract(sys, entry.token);
    const [timelockAdmin, registryAdmin, paused, symbol, bound] = await Promise.all([
      token.hasRole(ethers.ZeroHash, timelock) as Promise<boolean>,
      token.hasRole(ethers.ZeroHash, registry.target) as Promise<boolean>,
      token.paused() as Promise<boolean>,
      token.symbol() as Promise<string>,
      identity ? (identity.isTokenBound(entry.token) as Promise<boolean>) : Promise.resolve(false),
    ]);
    const name = `${entry.code} ${symbol}`;
    add(
      "assets",
      `${name} admin`,
      timelockAdmin && !registryAdmin,
      timelockAdmin
        ? registryAdmin
          ? "the asset registry also holds DEFAULT_ADMIN_ROLE"
          : `timelock ${label(timelock)}`
        : `the timelock does not hold DEFAULT_ADMIN_ROLE of ${entry.token}`,
    );
    const proxy = await compareCode(hre, provider, entry.token, ERC1967_PROXY_FQN);
    const live = await addressInSlot(provider, entry.token, IMPLEMENTATION_SLOT);
    // A genesis token may have been upgraded on its own (the upgrade action): its code is then
    // checked against the compiled contract under "code:". Created tokens run the recorded one.
    const genesisName = genesis.get(entry.token);
    const implementationOk = live === recorded || genesisName !== undefined;
    const where =
      live === recorded
        ? `${live} (as recorded)`
        : `${live}, not the recorded ${recorded}` +
          (genesisName ? ` (${genesisName} upgraded on its own: its code is checked under code:)` : "");
    add(
      "assets",
      `${name} implementation`,
      proxy.ok && implementationOk && bound,
      !proxy.ok
        ? `${entry.token}: ${proxy.detail}`
        : `${where}${bound ? ", bound to the identity registry" : ", NOT bound to the identity registry"}`,
    );
    const shouldPause = entry.status === "suspended" || entry.status === "redeemed";
    add(
      "assets",
      `${name} status`,
      paused === shouldPause,
      `${entry.status}, token ${paused ? "paused" : "not paused"}` +
        (paused === shouldPause
          ? ""
          : paused
            ? " (a guardian paused it: propose suspend-asset, or unpause it)"
            : " (a suspended or redeemed asset's token must be paused)"),
    );
  }
}

/**
 * The redemption wiring: the registry accepts `assetRedeemed` from the deployment's corporate
 * actions (its `CorporateActions#CorporateActions` entry, when the file has one), and that contract's
 * redemption observer is the registry.
 */
async function verifyRedemptionObserver(
  sys: System,
  registry: ethers.Contract,
  add: (group: string, name: string, ok: boolean, detail: string) => void,
  label: (address: string) => string,
): Promise<void> {
  const recorded = JSON.parse(fs.readFileSync(sys.deployment.file, "utf8")) as Record<string, string>;
  const deployed = recorded[CORPORATE_ACTIONS_KEY] ? ethers.getAddress(recorded[CORPORATE_ACTIONS_KEY]) : undefined;
  const actions = ethers.getAddress((await registry.corporateActions()) as string);
  const registryAddress = ethers.getAddress(registry.target as string);
  let problem: string | undefined;
  if (actions === ethers.ZeroAddress) {
    problem = "the asset registry accepts assetRedeemed from nobody (setCorporateActions)";
  } else if (deployed !== undefined && actions !== deployed) {
    problem = `the asset registry listens to ${actions}, not the deployment's corporate actions ${deployed}`;
  } else if ((await sys.provider.getCode(actions)) === "0x") {
    problem = `the asset registry listens to ${actions}, which has no code`;
  } else {
    const abi = ["function redemptionObserver() view returns (address)"];
    const observer = await new ethers.Contract(actions, abi, sys.provider)
      .redemptionObserver()
      .then((a: string) => ethers.getAddress(a))
      .catch(() => undefined);
    if (observer !== registryAddress) {
      problem = `corporate actions ${actions} reports redemptions to ${observer ?? "(no redemptionObserver)"}, not the asset registry`;
    }
  }
  add(
    "assets",
    "redemption observer",
    problem === undefined,
    problem ?? `corporate actions ${label(actions)} <-> asset registry ${label(registryAddress)}`,
  );
}

// ------------------------------------------------------------------ gov:show

/** Asset-registry calls in words, for gov:show (undefined: not one of them). */
export function explainAssetCall(
  where: string,
  tx: ethers.TransactionDescription,
  addr: (v: unknown) => string,
): string | undefined {
  const a = tx.args;
  switch (tx.name) {
    case "createAsset": {
      const [spec, terms, operators] = a as unknown as [ethers.Result, ethers.Result, ethers.Result];
      const maturity = BigInt(terms.maturity);
      const duties = DUTIES.map(([duty, role]) => {
        const list = (operators[duty] as string[]).map(addr);
        return `${role} ${list.length > 0 ? list.join(", ") : "nobody"}`;
      }).join("; ");
      return (
        `issue a new ${ASSET_KINDS[Number(terms.kind)]} security "${spec.name}" (${spec.symbol}, ${spec.decimals} decimals), ` +
        `code ${codeText(terms.code as string)}, issuer entity ${terms.issuer}` +
        (maturity > 0n ? `, maturing ${new Date(Number(maturity) * 1000).toISOString()}` : "") +
        (terms.termsURI ? `, terms ${terms.termsURI}` : "") +
        `: the asset registry deploys its token (admin: the timelock; operators: ${duties}; the registry as guardian), ` +
        `binds it to the identity registry and lists it`
      );
    }
    case "listAsset":
      return `list the token ${addr(a[0])} in the asset registry as ${ASSET_KINDS[Number(a[1].kind)]} ${codeText(a[1].code as string)}`;
    case "suspendAsset":
      return `suspend the asset ${addr(a[0])}: the asset registry pauses its token`;
    case "resumeAsset":
      return `resume the asset ${addr(a[0])} (its token unpaused): status active again`;
    case "markMatured":
      return `mark the asset ${addr(a[0])} matured`;
    case "markRedeemed":
      return `mark the asset ${addr(a[0])} redeemed (no supply left): the asset registry pauses its token for good`;
    case "setTokenImplementation":
      return `make ${addr(a[0])} the SecurityToken implementation of every asset created from now on (${where})`;
    default:
      return undefined;
  }
}

/**
 * consortium:acceptance: qualifies a chain by deploying a throwaway instance of the whole system
 * (Ignition, governance periods of seconds from ignition/parameters/acceptance.json, the governor's
 * voting-period floor included), running a governance round that waits on the chain's own clock
 * for real, and issuing, transferring, financing and settling through it. Only standard JSON-RPC is used: every evm_* and hardhat_* request is refused
 * in-process during the run, as a real chain refuses them.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { DeploymentParameters } from "@nomicfoundation/ignition-core";
import { Attr, Country } from "../../scripts/lib/constants";
import type {
  ConsortiumGovernor,
  DvPSettlement,
  IdentityRegistry,
  InvoiceRegistry,
  SecurityToken,
  TimelockController,
} from "../../typechain-types";
import { GovError } from "./errors";
import { invoiceKey } from "./invoiceKey";
import { explainFailure } from "./revert";
import { configuredWallets } from "./signer";
import { firstLine } from "./system";

/** The parameters file the task reads unless --parameters names another. */
export const ACCEPTANCE_PARAMETERS = path.join("ignition", "parameters", "acceptance.json");

/** Longest voting delay or timelock delay the acceptance run waits for (seconds). */
export const MAX_SHORT_DELAY = 600;
/** Longest voting period (and voting-period floor) the acceptance run waits for (seconds). */
export const MAX_VOTING_PERIOD = 7_200;

const DAY = 24 * 3_600;
const YEAR = 365 * DAY;
const REGISTRAR_ROLE = ethers.id("REGISTRAR_ROLE");
const VOTE_FOR = 1;
const STATE_ACTIVE = 1n;
const STATE_SUCCEEDED = 4n;
const TICKET_SETTLED = 3n;
const INVOICE_PAID = 5n;

/** A founding member of the throwaway instance (its account comes from the network). */
export interface MemberSettings {
  weight: number;
  name: string;
  uri: string;
}

/** The acceptance parameters: the Ignition parameters of the Consortium module, without accounts. */
export interface AcceptanceParameters {
  file: string;
  /** The file's content: Ignition parameters by module, accounts left out. */
  modules: Record<string, Record<string, unknown>>;
  votingDelay: number;
  votingPeriod: number;
  /** The throwaway governor's voting-period floor (seconds): the voting period is at least this. */
  votingPeriodFloor: number;
  timelockMinDelay: number;
  members: MemberSettings[];
}

/** Account-holding parameters: the task fills them from the network's accounts. */
const ACCOUNT_FIELDS: [string, string][] = [
  ["Governance", "guardian"],
  ["Identity", "registrars"],
  ["Tokens", "securityOperators"],
  ["Tokens", "cashOperators"],
  ["Invoices", "guardians"],
  ["Settlement", "guardians"],
];

/** Reads and checks the acceptance parameters file; every problem is one line naming the file and field. */
export function readAcceptanceParameters(file: string): AcceptanceParameters {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) {
    throw new GovError(
      `no acceptance parameters file at ${resolved} (--parameters <file>; default ${ACCEPTANCE_PARAMETERS})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(resolved, "utf8"));
  } catch (e) {
    throw new GovError(`${resolved} is not valid JSON: ${firstLine((e as Error).message)}`);
  }
  const bad = (field: string, why: string) => new GovError(`${resolved}: ${field} ${why}`);
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw bad("the file", 'must be an object of Ignition module parameters ({ "Governance": {...}, ... })');
  }
  const modules = json as Record<string, Record<string, unknown>>;
  for (const [name, value] of Object.entries(modules)) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw bad(name, "must be an object");
  }
  for (const [module, field] of ACCOUNT_FIELDS) {
    if (modules[module]?.[field] !== undefined) {
      throw bad(
        `${module}.${field}`,
        "must not be set: the acceptance run takes every account from the network's configured accounts",
      );
    }
  }
  const governance = modules.Governance ?? {};
  const whole = (field: string, min: number, max: number, why: string): number => {
    const value = governance[field];
    if (typeof value !== "number" || !Number.isInteger(value))
      throw bad(`Governance.${field}`, "must be a whole number of seconds");
    if (value < min || value > max)
      throw bad(`Governance.${field}`, `must be between ${min} and ${max} seconds (${why}; got ${value})`);
    return value;
  };
  const votingDelay = whole("votingDelay", 0, MAX_SHORT_DELAY, "the run waits for it in real time");
  const votingPeriodFloor = whole(
    "votingPeriodFloor",
    1,
    MAX_VOTING_PERIOD,
    "the throwaway governor's shortest voting period, a few seconds",
  );
  const votingPeriod = whole(
    "votingPeriod",
    votingPeriodFloor,
    MAX_VOTING_PERIOD,
    "the governor refuses less than Governance.votingPeriodFloor, and the run waits for it in real time",
  );
  const timelockMinDelay = whole("timelockMinDelay", 0, MAX_SHORT_DELAY, "the run waits for it in real time");
  const founders = governance.foundingMembers;
  if (!Array.isArray(founders) || founders.length < 2) {
    throw bad("Governance.foundingMembers", "must list at least 2 members ({ weight, name, uri }, without account)");
  }
  const members = founders.map((m: unknown, i: number): MemberSettings => {
    const where = `Governance.foundingMembers[${i}]`;
    if (m === null || typeof m !== "object" || Array.isArray(m)) throw bad(where, "must be { weight, name, uri }");
    const entry = m as Record<string, unknown>;
    if (entry.account !== undefined) {
      throw bad(`${where}.account`, "must not be set: members' accounts come from the network's configured accounts");
    }
    if (typeof entry.weight !== "number" || !Number.isInteger(entry.weight) || entry.weight < 1) {
      throw bad(`${where}.weight`, "must be a whole number of at least 1");
    }
    if (typeof entry.name !== "string" || entry.name.trim() === "") throw bad(`${where}.name`, "must be a name");
    if (typeof entry.uri !== "string") throw bad(`${where}.uri`, "must be a URI (text)");
    return { weight: entry.weight, name: entry.name, uri: entry.uri };
  });
  const tokens = modules.Tokens ?? {};
  for (const field of ["securityName", "securitySymbol", "cashName", "cashSymbol"]) {
    if (typeof tokens[field] !== "string" || (tokens[field] as string).trim() === "") {
      throw bad(`Tokens.${field}`, "must be set (text)");
    }
  }
  const assets = modules.Assets ?? {};
  for (const field of ["securityCode", "cashCode"]) {
    if (typeof assets[field] !== "string" || !/^0x[0-9a-fA-F]{24}$/.test(assets[field] as string)) {
      throw bad(`Assets.${field}`, "must be the bytes12 of a 12-character ISIN-style code (0x and 24 hex digits)");
    }
  }
  for (const field of ["securityIssuer", "cashIssuer"]) {
    if (typeof assets[field] !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(assets[field] as string)) {
      throw bad(`Assets.${field}`, "must be an entity id (0x and 64 hex digits)");
    }
  }
  return { file: resolved, modules, votingDelay, votingPeriod, votingPeriodFloor, timelockMinDelay, members };
}

/** The accounts of the run, by role: index i of the network's accounts plays roleNames()[i]. */
export interface Roles {
  deployer: string;
  members: string[];
  registrar: string;
  transferAgent: string;
  cashIssuer: string;
  investorA: string;
  investorB: string;
  supplier: string;
  debtor: string;
  financier: string;
}

/** The role each network account plays, in order (account 0 deploys, as Ignition does). */
export function roleNames(memberCount: number): string[] {
  return [
    "deployer",
    ...Array.from({ length: memberCount }, (_, i) => `member ${i + 1}`),
    "registrar",
    "transfer agent",
    "cash issuer",
    "investor A",
    "investor B",
    "supplier",
    "debtor",
    "financier",
  ];
}

/**
 * Assigns the network's accounts to the run's roles in roleNames() order, or refuses in one line
 * naming the roles left without an account. Every role needs its own account.
 */
export function assignRoles(addresses: string[], memberCount: number, network: string): Roles {
  const names = roleNames(memberCount);
  const unique = new Set(addresses.map((a) => a.toLowerCase()));
  if (unique.size !== addresses.length) {
    throw new GovError(`network "${network}" lists the same account twice: each role of the run needs its own account`);
  }
  if (addresses.length < names.length) {
    const missing = names
      .slice(addresses.length)
      .map((name, i) => `${name} (account ${addresses.length + i})`)
      .join(", ");
    throw new GovError(
      `consortium:acceptance needs ${names.length} accounts and network "${network}" has ${addresses.length}: ` +
        `missing ${missing} (configure more keys for the network, see docs/operations.md "Qualifying a chain")`,
    );
  }
  const at = (i: number) => ethers.getAddress(addresses[i]);
  const m = memberCount;
  return {
    deployer: at(0),
    members: Array.from({ length: m }, (_, i) => at(1 + i)),
    registrar: at(m + 1),
    transferAgent: at(m + 2),
    cashIssuer: at(m + 3),
    investorA: at(m + 4),
    investorB: at(m + 5),
    supplier: at(m + 6),
    debtor: at(m + 7),
    financier: at(m + 8),
  };
}

/** The roles as [role, address] rows, in account order. */
export function roleRows(roles: Roles): [string, string][] {
  const names = roleNames(roles.members.length);
  const addresses = [
    roles.deployer,
    ...roles.members,
    roles.registrar,
    roles.transferAgent,
    roles.cashIssuer,
    roles.investorA,
    roles.investorB,
    roles.supplier,
    roles.debtor,
    roles.financier,
  ];
  return names.map((name, i) => [name, addresses[i]]);
}

/**
 * The complete Ignition parameters of the Consortium module: the file's, with the accounts filled
 * in. No registrar at deployment (the governance round appoints one); the first member is the
 * guardian (it never acts in the run); the transfer agent holds every duty of the security token,
 * the cash issuer those of the cash token.
 */
export function ignitionParameters(
  params: AcceptanceParameters,
  roles: Roles,
): Record<string, Record<string, unknown>> {
  const m = params.modules;
  const guardian = roles.members[0];
  const duties = (agent: string, compliance: boolean) => ({
    supplyAgents: [agent],
    freezeAgents: [agent],
    forcedTransferAgents: [agent],
    recoveryAgents: [agent],
    documentAgents: [agent],
    complianceOfficers: compliance ? [agent] : [],
    guardians: [guardian],
  });
  return {
    ...m,
    Governance: {
      ...m.Governance,
      guardian,
      foundingMembers: params.members.map((member, i) => ({ account: roles.members[i], ...member })),
    },
    Identity: { ...m.Identity, registrars: [] },
    Tokens: {
      ...m.Tokens,
      securityOperators: duties(roles.transferAgent, true),
      cashOperators: duties(roles.cashIssuer, false),
    },
    Invoices: { ...m.Invoices, guardians: [guardian] },
    Settlement: { ...m.Settlement, guardians: [guardian] },
  };
}

/**
 * The network's configured accounts, read from the configuration without asking the node (keys or
 * a mnemonic), or from the node (eth_accounts) when the accounts are "remote".
 */
export async function networkAccounts(hre: HardhatRuntimeEnvironment): Promise<string[]> {
  const wallets = configuredWallets(hre);
  if (wallets) return wallets.map((w) => w.address);
  try {
    return ((await hre.network.provider.request({ method: "eth_accounts" })) as string[]).map((a) =>
      ethers.getAddress(a),
    );
  } catch (e) {
    throw new GovError(`cannot list the accounts of network "${hre.network.name}": ${firstLine((e as Error).message)}`);
  }
}

/** What the chain is and how it prices gas, read with standard JSON-RPC. */
export interface ChainFacts {
  chainId: bigint;
  client: string;
  latestBlock: number;
  /** "EIP-1559" when the latest block has a base fee, else "legacy". */
  feeMode: "EIP-1559" | "legacy";
  baseFeePerGas: bigint | null;
  /** eth_gasPrice. */
  nodeGasPrice: bigint;
  /** The network's configured gasPrice: a number of wei, or "auto" (from the node). */
  configuredGasPrice: string;
}

export async function chainFacts(hre: HardhatRuntimeEnvironment): Promise<ChainFacts> {
  const provider = hre.ethers.provider;
  try {
    const [network, block, price] = await Promise.all([
      provider.getNetwork(),
      provider.getBlock("latest"),
      provider.send("eth_gasPrice", []) as Promise<string>,
    ]);
    let client = "unknown";
    try {
      client = String(await provider.send("web3_clientVersion", []));
    } catch {
      // not every node answers web3_clientVersion
    }
    const baseFee = block?.baseFeePerGas ?? null;
    return {
      chainId: network.chainId,
      client,
      latestBlock: block?.number ?? 0,
      feeMode: baseFee === null ? "legacy" : "EIP-1559",
      baseFeePerGas: baseFee,
      nodeGasPrice: BigInt(price),
      configuredGasPrice: String(hre.network.config.gasPrice),
    };
  } catch (e) {
    if (e instanceof GovError) throw e;
    const url = (hre.network.config as { url?: string }).url;
    throw new GovError(
      `cannot reach network "${hre.network.name}"${url ? ` at ${url}` : ""}: ${firstLine((e as Error).message)}`,
    );
  }
}

/**
 * Refuses (before anything is sent) when gas costs something on this chain and some account of the
 * run holds no ether. The price is the network's configured gas price, else the base fee on an
 * EIP-1559 chain, else the node's eth_gasPrice.
 */
export async function checkGasFunds(
  hre: HardhatRuntimeEnvironment,
  roles: Roles,
  facts: Pick<ChainFacts, "feeMode" | "baseFeePerGas" | "nodeGasPrice">,
): Promise<void> {
  const configured = hre.network.config.gasPrice;
  const price =
    typeof configured === "number"
      ? BigInt(configured)
      : facts.feeMode === "EIP-1559"
        ? (facts.baseFeePerGas ?? 0n)
        : facts.nodeGasPrice;
  if (price === 0n) return;
  const rows = roleRows(roles);
  const balances = await Promise.all(rows.map(([, address]) => hre.ethers.provider.getBalance(address)));
  const empty = rows.filter((_, i) => balances[i] === 0n).map(([role, address]) => `${role} (${address})`);
  if (empty.length > 0) {
    throw new GovError(`gas costs ${price} wei here and these accounts hold no ether: ${empty.join(", ")}`);
  }
}

/** The steps of a run, in order (the plan a dry run prints). */
export function stepNames(memberCount: number): string[] {
  return [
    "deploy the whole system (Ignition)",
    "governor's clock is the timestamp (ERC-6372)",
    "member 1 proposes: appoint the registrar",
    "wait on the chain's clock for the vote to open",
    `${memberCount} members vote For`,
    "wait on the chain's clock for the vote to close",
    "queue the proposal in the timelock",
    "wait on the chain's clock for the timelock delay",
    "execute: the registrar is appointed",
    "registrar registers 2 investors, supplier, debtor, financier",
    "transfer agent issues 1,000 shares to investor A",
    "investor A transfers 250 shares to investor B",
    "cash issuer credits investor B, debtor and financier",
    "supplier issues an invoice to the debtor",
    "debtor accepts the invoice",
    "supplier offers the invoice to the financier",
    "financier finances the invoice",
    "debtor pays the invoice to the financier",
    "investor A proposes a DvP trade to investor B",
    "investor B affirms: the trade settles",
  ];
}

/** One row of the result table. */
export interface StepResult {
  step: number;
  name: string;
  status: "pass" | "fail" | "skipped";
  /** Gas used by the step's transactions (0 for a wait or a read). */
  gas: bigint;
  transactions: number;
  /** Wall-clock seconds the step took. */
  seconds: number;
  detail: string;
}

/** Bounds of every wait: how long without a new block is a stalled chain, and how often to poll. */
export interface WaitOptions {
  blockTimeoutSeconds: number;
  pollMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the chain's latest block is stamped at or after `target` (seconds), polling
 * eth_getBlockByNumber("latest"). Bounded: fails when no new block arrives for
 * `blockTimeoutSeconds`, or when the chain's time has not reached `target` within the remaining
 * chain time plus that timeout. Returns the timestamp reached.
 */
export async function waitForChainTime(
  provider: Pick<ethers.Provider, "getBlock">,
  target: bigint,
  what: string,
  options: WaitOptions,
): Promise<bigint> {
  const first = await provider.getBlock("latest");
  if (!first) throw new GovError(`${what}: the node returned no latest block`);
  let latest = { number: first.number, timestamp: BigInt(first.timestamp) };
  const started = Date.now();
  const deadline = started + Math.max(0, Number(target - latest.timestamp)) * 1000 + options.blockTimeoutSeconds * 1000;
  let lastNewBlock = started;
  while (latest.timestamp < target) {
    const now = Date.now();
    if (now - lastNewBlock > options.blockTimeoutSeconds * 1000) {
      throw new GovError(
        `${what}: no new block for ${options.blockTimeoutSeconds} s (latest #${latest.number} at ${latest.timestamp}, ` +
          `waiting for time ${target}); a chain that mines only on demand never reaches it (a Hardhat node needs interval mining)`,
      );
    }
    if (now > deadline) {
      throw new GovError(
        `${what}: the chain's time is ${latest.timestamp} after ${Math.round((now - started) / 1000)} s of waiting, short of ${target}`,
      );
    }
    await sleep(options.pollMs);
    const block = await provider.getBlock("latest");
    if (block && block.number !== latest.number) {
      latest = { number: block.number, timestamp: BigInt(block.timestamp) };
      lastNewBlock = Date.now();
    }
  }
  return latest.timestamp;
}

/** What a step's body uses: send a transaction (its receipt's gas is counted) and say what it saw. */
interface StepContext {
  send(what: string, tx: Promise<ethers.ContractTransactionResponse>): Promise<ethers.TransactionReceipt>;
  addGas(gas: bigint, transactions: number): void;
}

/** Runs steps in order; after a failure the remaining steps are skipped. */
class StepRunner {
  readonly steps: StepResult[] = [];
  private failed = false;

  constructor(
    private readonly errors: ethers.Interface,
    private readonly receiptTimeoutMs: number,
    private readonly onStep: (result: StepResult) => void,
  ) {}

  get ok(): boolean {
    return !this.failed;
  }

  async run(name: string, body: (ctx: StepContext) => Promise<string>): Promise<void> {
    const result: StepResult = {
      step: this.steps.length + 1,
      name,
      status: "skipped",
      gas: 0n,
      transactions: 0,
      seconds: 0,
      detail: "",
    };
    this.steps.push(result);
    if (this.failed) {
      result.detail = "not run: an earlier step failed";
      this.onStep(result);
      return;
    }
    const started = Date.now();
    const ctx: StepContext = {
      send: async (what, tx) => {
        let response: ethers.ContractTransactionResponse;
        try {
          response = await tx;
        } catch (e) {
          throw new GovError(`${what} was not sent: ${explainFailure(this.errors, undefined, e)}`);
        }
        let receipt: ethers.TransactionReceipt | null;
        try {
          receipt = await response.wait(1, this.receiptTimeoutMs);
        } catch (e) {
          throw new GovError(
            `${what} failed in transaction ${response.hash}: ${explainFailure(this.errors, undefined, e)}`,
          );
        }
        if (!receipt || receipt.status !== 1) throw new GovError(`${what} failed in transaction ${response.hash}`);
        result.gas += receipt.gasUsed;
        result.transactions += 1;
        return receipt;
      },
      addGas: (gas, transactions) => {
        result.gas += gas;
        result.transactions += transactions;
      },
    };
    try {
      result.detail = await body(ctx);
      result.status = "pass";
    } catch (e) {
      result.status = "fail";
      result.detail = firstLine(e instanceof GovError ? e.message : explainFailure(this.errors, undefined, e)).replace(
        /^Error in plugin consortium: /,
        "",
      );
      this.failed = true;
    }
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
    this.onStep(result);
  }
}

/** Gas used by `account`'s transactions in blocks `from` to `to` (the deployment's, read block by block). */
async function gasSentBy(
  provider: ethers.Provider,
  account: string,
  from: number,
  to: number,
): Promise<{ gas: bigint; transactions: number }> {
  let gas = 0n;
  let transactions = 0;
  for (let n = from; n <= to; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.from.toLowerCase() !== account.toLowerCase()) continue;
      const receipt = await provider.getTransactionReceipt(tx.hash);
      gas += receipt?.gasUsed ?? 0n;
      transactions += 1;
    }
  }
  return { gas, transactions };
}

/** Every custom error of the system's contracts, to decode reverts. */
async function systemErrors(hre: HardhatRuntimeEnvironment): Promise<ethers.Interface> {
  const fragments = new Map<string, ethers.ErrorFragment>();
  for (const name of [
    "ConsortiumGovernor",
    "ConsortiumMembership",
    "TimelockController",
    "IdentityRegistry",
    "SecurityToken",
    "InvoiceRegistry",
    "DvPSettlement",
  ]) {
    const iface = new ethers.Interface((await hre.artifacts.readArtifact(name)).abi);
    iface.forEachError((e) => fragments.set(e.selector, e));
  }
  return new ethers.Interface([...fragments.values()]);
}

/** Requests that change the chain: never repeated after a dropped connection. */
const SENDS = new Set(["eth_sendTransaction", "eth_sendRawTransaction"]);
/** A connection dropped or refused on its way (not an answer from the node). */
const DROPPED = /other side closed|socket hang up|ECONNRESET|EPIPE|UND_ERR_SOCKET|ECONNREFUSED/i;

function droppedConnection(e: unknown): boolean {
  const error = e as { message?: string; code?: unknown; cause?: { message?: string; code?: unknown } };
  return [error?.message, error?.code, error?.cause?.message, error?.cause?.code].some(
    (text) => typeof text === "string" && DROPPED.test(text),
  );
}

/**
 * Holds `provider` to standard JSON-RPC for the run: every evm_* and hardhat_* request is refused
 * in-process, as a real chain answers it (-32601, method not found), and recorded in `refused`
 * (libraries probe for a development node this way); a read whose connection drops is asked again
 * (up to `retries` times, a second apart), a transaction never. Returns the function that restores
 * the provider.
 */
export function standardJsonRpcOnly(
  provider: HardhatRuntimeEnvironment["network"]["provider"],
  refused: string[],
  retries = 3,
): () => void {
  const target = provider as unknown as {
    request(args: { method: string; params?: unknown[] }): Promise<unknown>;
    send(method: string, params?: unknown[]): Promise<unknown>;
    sendAsync(payload: { id: number; method: string; params?: unknown[] }, cb: (e: unknown, r?: unknown) => void): void;
  };
  const original = { request: target.request, send: target.send, sendAsync: target.sendAsync };
  const isDevelopment = (method: string) => /^(evm|hardhat)_/.test(method);
  const refusal = (method: string) => {
    refused.push(method);
    return Object.assign(new Error(`the method ${method} does not exist/is not available`), { code: -32601 });
  };
  const request = async (args: { method: string; params?: unknown[] }): Promise<unknown> => {
    if (isDevelopment(args.method)) throw refusal(args.method);
    for (let attempt = 0; ; attempt++) {
      try {
        return await original.request.call(provider, args);
      } catch (e) {
        if (SENDS.has(args.method) || attempt >= retries || !droppedConnection(e)) throw e;
        await sleep(1_000);
      }
    }
  };
  target.request = request;
  target.send = (method, params) => request({ method, params });
  target.sendAsync = (payload, cb) => {
    request({ method: payload.method, params: payload.params }).then(
      (result) => cb(null, { jsonrpc: "2.0", id: payload.id, result }),
      (e: { code?: number; message?: string }) =>
        cb(null, { jsonrpc: "2.0", id: payload.id, error: { code: e.code ?? -32603, message: e.message } }),
    );
  };
  return () => {
    target.request = original.request;
    target.send = original.send;
    target.sendAsync = original.sendAsync;
  };
}

/**
 * Deploys the Consortium module with Ignition from `deployer`, priced as `ignition deploy` prices
 * it on this network (its `ignition` gas settings, else the node's fees), without a deployment
 * folder: the instance is thrown away, so nothing is journalled or resumed. Returns the addresses
 * of the module's results by name.
 */
async function deploySystem(
  hre: HardhatRuntimeEnvironment,
  parameters: Record<string, Record<string, unknown>>,
  deployer: string,
  confirmations: number,
): Promise<Record<string, string>> {
  const [{ deploy }, { HardhatArtifactResolver, errorDeploymentResultToExceptionMessage }, { default: module }] =
    await Promise.all([
      import("@nomicfoundation/ignition-core"),
      import("@nomicfoundation/hardhat-ignition/helpers"),
      import("../../ignition/modules/Consortium"),
    ]);
  const fees = hre.config.networks[hre.network.name]?.ignition ?? {};
  const accounts = (await networkAccounts(hre)).map((a) => a.toLowerCase());
  const result = await deploy({
    config: { requiredConfirmations: confirmations },
    provider: hre.network.provider,
    artifactResolver: new HardhatArtifactResolver(hre),
    ignitionModule: module,
    deploymentParameters: parameters as DeploymentParameters,
    accounts,
    defaultSender: deployer.toLowerCase(),
    gasPrice: fees.gasPrice,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    maxFeePerGasLimit: fees.maxFeePerGasLimit,
    disableFeeBumping: fees.disableFeeBumping,
  });
  if (result.type !== "SUCCESSFUL_DEPLOYMENT") {
    throw new GovError(`the deployment failed: ${errorDeploymentResultToExceptionMessage(result)}`);
  }
  const addresses: Record<string, string> = {};
  for (const [name, future] of Object.entries(module.results)) {
    addresses[name] = ethers.getAddress(result.contracts[future.id].address);
  }
  return addresses;
}

/** How the run is set up (the task's options, checked). */
export interface AcceptanceOptions {
  params: AcceptanceParameters;
  roles: Roles;
  /** Names this run's invoice and proposal (e.g. the UTC time it started). */
  runId: string;
  confirmations: number;
  wait: WaitOptions;
  onStep: (result: StepResult) => void;
}

/** What a run found: its steps, and the throwaway instance's addresses. */
export interface AcceptanceResult {
  passed: boolean;
  steps: StepResult[];
  addresses: Record<string, string>;
}

/** Deploys the throwaway instance and runs every step, recording each as pass or fail. */
export async function runAcceptance(hre: HardhatRuntimeEnvironment, o: AcceptanceOptions): Promise<AcceptanceResult> {
  const { roles, params } = o;
  const provider = hre.ethers.provider;
  const signer = (address: string) => hre.ethers.getSigner(address);
  const errors = await systemErrors(hre);
  const runner = new StepRunner(errors, (o.wait.blockTimeoutSeconds * 3 + 30) * 1000, o.onStep);
  const addresses: Record<string, string> = {};
  const latestTime = async () => BigInt((await provider.getBlock("latest"))!.timestamp);
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new GovError(what);
  };

  let governor!: ConsortiumGovernor;
  let timelock!: TimelockController;
  let registry!: IdentityRegistry;
  let shares!: SecurityToken;
  let cash!: SecurityToken;
  let invoices!: InvoiceRegistry;
  let dvp!: DvPSettlement;
  const names = stepNames(roles.members.length);
  let step = 0;
  const next = () => names[step++];

  await runner.run(next(), async (ctx) => {
    const before = await provider.getBlockNumber();
    const deployed = await deploySystem(hre, ignitionParameters(params, roles), roles.deployer, o.confirmations);
    const after = await provider.getBlockNumber();
    Object.assign(addresses, deployed);
    const at = async <T>(artifact: string, address: string) =>
      (await hre.ethers.getContractAt(artifact, address)) as unknown as T;
    governor = await at<ConsortiumGovernor>("ConsortiumGovernor", addresses.governor);
    timelock = await at<TimelockController>("TimelockController", addresses.timelock);
    registry = await at<IdentityRegistry>("IdentityRegistry", addresses.identityRegistry);
    shares = await at<SecurityToken>("SecurityToken", addresses.securityToken);
    cash = await at<SecurityToken>("SecurityToken", addresses.cashToken);
    invoices = await at<InvoiceRegistry>("InvoiceRegistry", addresses.invoiceRegistry);
    dvp = await at<DvPSettlement>("DvPSettlement", addresses.dvpSettlement);
    const { gas, transactions } = await gasSentBy(provider, roles.deployer, before + 1, after);
    ctx.addGas(gas, transactions);
    return `${Object.keys(addresses).length} contracts in blocks ${before + 1} to ${after}`;
  });

  await runner.run(next(), async () => {
    const mode = await governor.CLOCK_MODE();
    check(mode === "mode=timestamp", `the governor's clock is "${mode}", not mode=timestamp`);
    const clock = await governor.clock();
    const chainTime = await latestTime();
    // a BFT chain stamps blocks in seconds; Raft's nanoseconds would be ~10^18
    check(clock > 1_000_000_000n && clock < 10_000_000_000n, `the governor's clock reads ${clock}: not seconds`);
    return `${mode}; clock ${clock}, latest block at ${chainTime}`;
  });

  let proposalId = 0n;
  const calls = () => ({
    targets: [addresses.identityRegistry],
    values: [0n],
    calldatas: [registry.interface.encodeFunctionData("grantRole", [REGISTRAR_ROLE, roles.registrar])],
  });
  const description = `Acceptance run ${o.runId}: appoint ${roles.registrar} as registrar`;
  await runner.run(next(), async (ctx) => {
    const { targets, values, calldatas } = calls();
    await ctx.send(
      "propose",
      governor.connect(await signer(roles.members[0])).propose(targets, values, calldatas, description),
    );
    proposalId = await governor.proposalCount();
    const snapshot = await governor.proposalSnapshot(proposalId);
    const deadline = await governor.proposalDeadline(proposalId);
    return `proposal #${proposalId}; vote opens after ${snapshot}, closes after ${deadline} (chain time)`;
  });

  await runner.run(next(), async () => {
    const snapshot = await governor.proposalSnapshot(proposalId);
    const reached = await waitForChainTime(provider, snapshot + 1n, "waiting for the vote to open", o.wait);
    const state = await governor.state(proposalId);
    check(state === STATE_ACTIVE, `at chain time ${reached} the proposal is in state ${state}, not Active (1)`);
    return `chain time ${reached}: Active`;
  });

  await runner.run(next(), async (ctx) => {
    const sent = await Promise.all(
      roles.members.map(async (member) => governor.connect(await signer(member)).castVote(proposalId, VOTE_FOR)),
    );
    await Promise.all(sent.map((tx, i) => ctx.send(`member ${i + 1}'s vote`, Promise.resolve(tx))));
    const [against, inFavour, abstain] = await governor.proposalVotes(proposalId);
    check(against === 0n && abstain === 0n, `votes Against ${against}, Abstain ${abstain}: expected none`);
    return `For ${inFavour} of ${params.members.reduce((s, m) => s + m.weight, 0)}`;
  });

  await runner.run(next(), async () => {
    const deadline = await governor.proposalDeadline(proposalId);
    const reached = await waitForChainTime(provider, deadline + 1n, "waiting for the vote to close", o.wait);
    const state = await governor.state(proposalId);
    check(state === STATE_SUCCEEDED, `at chain time ${reached} the proposal is in state ${state}, not Succeeded (4)`);
    return `chain time ${reached}: Succeeded`;
  });

  await runner.run(next(), async (ctx) => {
    await ctx.send("queue", governor.connect(await signer(roles.members[0]))["queue(uint256)"](proposalId));
    const eta = await governor.proposalEta(proposalId);
    return `executable from ${eta} (timelock delay ${await timelock.getMinDelay()} s)`;
  });

  await runner.run(next(), async () => {
    const eta = await governor.proposalEta(proposalId);
    const reached = await waitForChainTime(provider, eta, "waiting for the timelock delay", o.wait);
    return `chain time ${reached}`;
  });

  await runner.run(next(), async (ctx) => {
    await ctx.send("execute", governor.connect(await signer(roles.members[0]))["execute(uint256)"](proposalId));
    check(await registry.hasRole(REGISTRAR_ROLE, roles.registrar), "the registrar does not hold REGISTRAR_ROLE");
    return `${roles.registrar} holds REGISTRAR_ROLE`;
  });

  const participants: [string, string, number][] = [
    [roles.investorA, "Acceptance Investor A", Attr.INVESTOR],
    [roles.investorB, "Acceptance Investor B", Attr.INVESTOR],
    [roles.supplier, "Acceptance Supplier", Attr.SUPPLIER],
    [roles.debtor, "Acceptance Debtor", Attr.DEBTOR],
    [roles.financier, "Acceptance Financier", Attr.FINANCIER],
  ];
  await runner.run(next(), async (ctx) => {
    const expiry = (await latestTime()) + BigInt(YEAR);
    const registrations = participants.map(([wallet, entity, attributes]) => ({
      wallet,
      entityId: ethers.id(entity),
      country: Country.CN,
      expiry,
      attributes,
    }));
    await ctx.send(
      "registration",
      registry.connect(await signer(roles.registrar)).batchRegisterIdentity(registrations),
    );
    for (const [wallet, entity] of participants) {
      check(await registry.isVerified(wallet), `${entity} (${wallet}) is not verified after registration`);
    }
    return `${participants.length} wallets verified`;
  });

  const shareUnit = () => shares.decimals().then((d) => 10n ** d);
  const show = async (token: SecurityToken, amount: bigint) =>
    `${ethers.formatUnits(amount, await token.decimals())} ${await token.symbol()}`;
  await runner.run(next(), async (ctx) => {
    const amount = 1_000n * (await shareUnit());
    await ctx.send("mint", shares.connect(await signer(roles.transferAgent)).mint(roles.investorA, amount));
    check((await shares.balanceOf(roles.investorA)) === amount, "investor A's balance is not the amount issued");
    return `investor A holds ${await show(shares, amount)}`;
  });

  await runner.run(next(), async (ctx) => {
    const amount = 250n * (await shareUnit());
    const before = await shares.balanceOf(roles.investorA);
    await ctx.send("transfer", shares.connect(await signer(roles.investorA)).transfer(roles.investorB, amount));
    check((await shares.balanceOf(roles.investorB)) === amount, "investor B did not receive the shares");
    check(
      (await shares.balanceOf(roles.investorA)) === before - amount,
      "investor A's balance did not fall by the amount",
    );
    return `investor B holds ${await show(shares, amount)}; ${await shares.holderCount()} holder entities`;
  });

  const cashUnit = () => cash.decimals().then((d) => 10n ** d);
  await runner.run(next(), async (ctx) => {
    const amount = 100_000n * (await cashUnit());
    const issuer = cash.connect(await signer(roles.cashIssuer));
    for (const wallet of [roles.investorB, roles.debtor, roles.financier]) {
      await ctx.send("cash mint", issuer.mint(wallet, amount));
      check((await cash.balanceOf(wallet)) === amount, `${wallet} was not credited`);
    }
    await ctx.send(
      "financier's allowance",
      cash.connect(await signer(roles.financier)).approve(addresses.invoiceRegistry, ethers.MaxUint256),
    );
    await ctx.send(
      "debtor's allowance",
      cash.connect(await signer(roles.debtor)).approve(addresses.invoiceRegistry, ethers.MaxUint256),
    );
    return `3 wallets credited ${await show(cash, amount)} each; financier and debtor let the invoice registry draw cash`;
  });

  const invoiceNumber = `ACC-${o.runId}`.slice(0, 32).toUpperCase();
  let invoiceId = 0n;
  let face = 0n;
  await runner.run(next(), async (ctx) => {
    face = 50_000n * (await cashUnit());
    const terms = {
      debtor: roles.debtor,
      faceValue: face,
      currency: addresses.cashToken,
      dueDate: (await latestTime()) + BigInt(90 * DAY),
      documentHash: ethers.id(invoiceNumber),
    };
    await ctx.send(
      "issue",
      invoices
        .connect(await signer(roles.supplier))
        .issueInvoice(terms, "CN-GD", invoiceNumber, "https://acceptance.example/invoice"),
    );
    invoiceId = invoiceKey(ethers.id("Acceptance Supplier"), "CN-GD", invoiceNumber);
    check((await invoices.ownerOf(invoiceId)) === roles.supplier, "the supplier does not hold the invoice");
    return `invoice ${invoiceNumber} (key ${ethers.toBeHex(invoiceId, 32).slice(0, 12)}...)`;
  });

  await runner.run(next(), async (ctx) => {
    await ctx.send("accept", invoices.connect(await signer(roles.debtor)).acceptInvoice(invoiceId));
    check((await invoices.statusOf(invoiceId)) === 2n, "the invoice is not Accepted");
    return "Accepted";
  });

  let price = 0n;
  await runner.run(next(), async (ctx) => {
    price = (face * 98n) / 100n;
    await ctx.send(
      "offer",
      invoices.connect(await signer(roles.supplier)).offerForFinancing(invoiceId, roles.financier, price, 0),
    );
    return `offered at ${await show(cash, price)} (face value ${await show(cash, face)})`;
  });

  await runner.run(next(), async (ctx) => {
    const supplierBefore = await cash.balanceOf(roles.supplier);
    await ctx.send("finance", invoices.connect(await signer(roles.financier)).finance(invoiceId, price, 0));
    check((await invoices.ownerOf(invoiceId)) === roles.financier, "the financier does not hold the invoice");
    check((await cash.balanceOf(roles.supplier)) === supplierBefore + price, "the supplier was not paid the price");
    return `financier holds the invoice; supplier received ${await show(cash, price)}`;
  });

  await runner.run(next(), async (ctx) => {
    const before = await cash.balanceOf(roles.financier);
    await ctx.send("pay", invoices.connect(await signer(roles.debtor)).pay(invoiceId, addresses.cashToken, face));
    check((await invoices.statusOf(invoiceId)) === INVOICE_PAID, "the invoice is not Paid");
    check((await cash.balanceOf(roles.financier)) === before + face, "the financier did not receive the payment");
    return `Paid; financier received ${await show(cash, face)}`;
  });

  let ticket = 0n;
  let tradeShares = 0n;
  let tradeCash = 0n;
  await runner.run(next(), async (ctx) => {
    tradeShares = 100n * (await shareUnit());
    tradeCash = 2_500n * (await cashUnit());
    await ctx.send(
      "seller's allowance",
      shares.connect(await signer(roles.investorA)).approve(addresses.dvpSettlement, tradeShares),
    );
    await ctx.send(
      "buyer's allowance",
      cash.connect(await signer(roles.investorB)).approve(addresses.dvpSettlement, tradeCash),
    );
    const receipt = await ctx.send(
      "propose",
      dvp.connect(await signer(roles.investorA)).propose({
        seller: roles.investorA,
        buyer: roles.investorB,
        asset: addresses.securityToken,
        assetAmount: tradeShares,
        cash: addresses.cashToken,
        cashAmount: tradeCash,
        expiry: (await latestTime()) + BigInt(DAY),
        clientReference: ethers.id(`acceptance ${o.runId}`),
        deferred: false,
      }),
    );
    const event = receipt.logs
      .map((log) => {
        try {
          return dvp.interface.parseLog(log);
        } catch {
          return null;
        }
      })
      .find((e) => e?.name === "TradeProposed");
    check(event !== undefined && event !== null, "no TradeProposed event in the receipt");
    ticket = event!.args.id as bigint;
    return `ticket #${ticket}: ${await show(shares, tradeShares)} for ${await show(cash, tradeCash)}`;
  });

  await runner.run(next(), async (ctx) => {
    const sharesBefore = await shares.balanceOf(roles.investorB);
    const cashBefore = await cash.balanceOf(roles.investorA);
    await ctx.send("affirm", dvp.connect(await signer(roles.investorB)).affirm(ticket));
    check((await dvp.ticketOf(ticket)).status === TICKET_SETTLED, `ticket #${ticket} is not Settled`);
    check(
      (await shares.balanceOf(roles.investorB)) === sharesBefore + tradeShares,
      "the buyer did not receive the shares",
    );
    check((await cash.balanceOf(roles.investorA)) === cashBefore + tradeCash, "the seller did not receive the cash");
    return `Settled: both legs moved in one transaction`;
  });

  return { passed: runner.ok, steps: runner.steps, addresses };
}

/** The result table, one line per step. */
export function formatSteps(steps: StepResult[]): string[] {
  const width = Math.max(...steps.map((s) => s.name.length), 4);
  const lines = [`  #  ${"step".padEnd(width)}  result        gas   txs    time  detail`];
  for (const s of steps) {
    const gas = s.transactions > 0 ? s.gas.toLocaleString("en-US") : "-";
    lines.push(
      `${String(s.step).padStart(3)}  ${s.name.padEnd(width)}  ${s.status.toUpperCase().padEnd(7)}${gas.padStart(11)}${String(s.transactions).padStart(6)}${`${s.seconds.toFixed(1)} s`.padStart(9)}  ${s.detail}`,
    );
  }
  return lines;
}

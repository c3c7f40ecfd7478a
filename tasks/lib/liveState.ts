import { ethers } from "ethers";
import { type AssetStatusName, DUTIES, codeText, listAssets } from "./assetRegistry";
import { GovError } from "./errors";
import { getLogsInChunks } from "./logs";
import type { System } from "./system";

/**
 * The state governance owns (members, role holders, listed assets) as it must be now: what the
 * deployment set up (its parameters file) with the effects of every executed proposal of the
 * governor replayed on it, in the order they were executed. consortium:verify-deployment compares
 * the chain with it: whatever differs was changed outside governance.
 */

/** Where an expected fact comes from: "the deployment" or "proposal #3". */
export type Source = string;

/** A member as governance made it. */
export interface GovernedMember {
  account: string;
  weight: bigint;
  name: string;
  uri: string;
  /** What admitted the member (the deployment, or the proposal that added it or moved it to this key). */
  source: Source;
  /** What set the weight last. */
  weightSource: Source;
}

/** A directory entry as governance made it. */
export interface GovernedAsset {
  token: string;
  /** The ISIN-style code (text); undefined for a genesis token whose code the parameters file lacks. */
  code?: string;
  status: AssetStatusName;
  source: Source;
  statusSource: Source;
}

/** One call of an executed proposal, as the timelock made it. */
export interface ExecutedCall {
  target: string;
  value: bigint;
  data: string;
}

/** An executed proposal of the governor, from its ProposalExecuted event and GovernorStorage. */
export interface ExecutedProposal {
  id: bigint;
  blockNumber: number;
  transactionHash: string;
  calls: ExecutedCall[];
}

/** The governed state: contract -> role hash -> account -> source, members and assets by address. */
export interface GovernedState {
  members: Map<string, GovernedMember>;
  roles: Map<string, Map<string, Map<string, Source>>>;
  assets: Map<string, GovernedAsset>;
  proposals: ExecutedProposal[];
  /** Calls replay cannot interpret, on a contract whose members, roles or assets are checked. */
  unreplayed: string[];
}

/** The deployment's state: what the parameters file made (members, roles by contract, genesis assets). */
export interface DeployedState {
  members: { account: string; weight: bigint; name: string; uri: string }[];
  /** Contract address -> role hash -> holders. */
  roles: Map<string, Map<string, string[]>>;
  assets: { token: string; code?: string }[];
}

const ACCESS_CONTROL = new ethers.Interface([
  "function grantRole(bytes32 role, address account)",
  "function revokeRole(bytes32 role, address account)",
  "function renounceRole(bytes32 role, address callerConfirmation)",
]);
const UPGRADE = new ethers.Interface(["function upgradeToAndCall(address implementation, bytes data)"]);
const PROPOSAL_EXECUTED = ethers.id("ProposalExecuted(uint256)");
/** Governor.ProposalState.Executed. */
const EXECUTED = 7n;

/** Every proposal the governor executed since `fromBlock`, in the order they were executed. */
export async function executedProposals(sys: System, fromBlock: number, range: number): Promise<ExecutedProposal[]> {
  const governor = sys.deployment.addresses.governor as string;
  const latest = await sys.provider.getBlockNumber();
  const logs = await getLogsInChunks(
    sys.provider,
    { address: governor, topics: [PROPOSAL_EXECUTED] },
    fromBlock,
    latest,
    range,
  );
  return Promise.all(
    logs.map(async (log) => {
      const id = BigInt(ethers.AbiCoder.defaultAbiCoder().decode(["uint256"], log.data)[0] as bigint);
      const [details, state] = await Promise.all([sys.governor.proposalDetails(id), sys.governor.state(id)]);
      if (state !== EXECUTED) {
        throw new GovError(`the governor logged proposal #${id} executed, but its state is ${state}, not Executed`);
      }
      const [targets, values, calldatas] = [[...details[0]], [...details[1]], [...details[2]]];
      return {
        id,
        blockNumber: log.blockNumber,
        transactionHash: log.transactionHash,
        calls: targets.map((t, i) => ({ target: ethers.getAddress(t), value: values[i], data: calldatas[i] })),
      };
    }),
  );
}

/** A mutable copy of the deployed state, every fact sourced to the deployment. */
function fromDeployment(deployed: DeployedState): GovernedState {
  const source = "the deployment";
  const roles = new Map<string, Map<string, Map<string, Source>>>();
  for (const [contract, byRole] of deployed.roles) {
    const copy = new Map<string, Map<string, Source>>();
    for (const [role, holders] of byRole) {
      copy.set(role, new Map(holders.map((a) => [ethers.getAddress(a), source])));
    }
    roles.set(ethers.getAddress(contract), copy);
  }
  return {
    members: new Map(
      deployed.members.map((m) => [
        ethers.getAddress(m.account),
        { ...m, account: ethers.getAddress(m.account), source, weightSource: source },
      ]),
    ),
    roles,
    assets: new Map(
      deployed.assets.map((a) => [
        ethers.getAddress(a.token),
        { token: ethers.getAddress(a.token), code: a.code, status: "active", source, statusSource: source },
      ]),
    ),
    proposals: [],
    unreplayed: [],
  };
}

function holdersOf(state: GovernedState, contract: string, role: string): Map<string, Source> {
  const key = ethers.getAddress(contract);
  if (!state.roles.has(key)) state.roles.set(key, new Map());
  const byRole = state.roles.get(key)!;
  const hash = role.toLowerCase();
  if (!byRole.has(hash)) byRole.set(hash, new Map());
  return byRole.get(hash)!;
}

/** The tokens the asset registry created in an execution, in order (from its AssetCreated events). */
async function createdTokens(sys: System, transactionHash: string): Promise<string[]> {
  const registry = sys.contracts["asset-registry"];
  if (!registry) return [];
  const receipt = await sys.provider.getTransactionReceipt(transactionHash);
  const topic = registry.interface.getEvent("AssetCreated")!.topicHash;
  return (receipt?.logs ?? [])
    .filter(
      (l) => ethers.getAddress(l.address) === ethers.getAddress(registry.target as string) && l.topics[0] === topic,
    )
    .map((l) => ethers.getAddress(ethers.dataSlice(l.topics[1], 12)));
}

/**
 * The state governance owns now: `deployed`, then every call of every executed proposal applied in
 * execution order. Role changes are replayed on any contract; members on the membership contract;
 * listings, creations and status changes on the asset registry (a created token starts with the
 * timelock as admin, the named operators and the registry as guardian, as createAsset makes it).
 */
export async function governedState(
  sys: System,
  deployed: DeployedState,
  proposals: ExecutedProposal[],
): Promise<GovernedState> {
  const state = fromDeployment(deployed);
  state.proposals = proposals;
  const timelock = ethers.getAddress(sys.deployment.addresses.timelock as string);
  const membership = sys.membership;
  const membershipAddress = ethers.getAddress(membership.target as string);
  const registry = sys.contracts["asset-registry"];
  const registryAddress = registry ? ethers.getAddress(registry.target as string) : undefined;
  const checked = (address: string) => sys.nameOf(address) !== undefined || state.assets.has(address);

  for (const proposal of proposals) {
    const source = `proposal #${proposal.id}`;
    const created = await createdTokens(sys, proposal.transactionHash);
    proposal.calls.forEach((call, i) => {
      const where = `${source} call ${i + 1}`;
      const selector = call.data.slice(0, 10).toLowerCase();
      const role = ACCESS_CONTROL.getFunction(selector);
      if (role) {
        const [hash, account] = ACCESS_CONTROL.decodeFunctionData(role, call.data) as unknown as [string, string];
        const holders = holdersOf(state, call.target, hash);
        if (role.name === "grantRole") {
          if (!holders.has(ethers.getAddress(account))) holders.set(ethers.getAddress(account), source);
        } else if (role.name === "revokeRole") holders.delete(ethers.getAddress(account));
        else holders.delete(timelock); // renounceRole: the caller, the timelock, gives it up
        return;
      }
      if (call.target === membershipAddress) {
        const parsed = membership.interface.parseTransaction({ data: call.data });
        const a = parsed?.args;
        switch (parsed?.name) {
          case "addMember":
            state.members.set(ethers.getAddress(a![0]), {
              account: ethers.getAddress(a![0]),
              weight: BigInt(a![1]),
              name: a![2] as string,
              uri: a![3] as string,
              source,
              weightSource: source,
            });
            return;
          case "removeMember":
            state.members.delete(ethers.getAddress(a![0]));
            return;
          case "setWeight": {
            const member = state.members.get(ethers.getAddress(a![0]));
            if (member) {
              member.weight = BigInt(a![1]);
              member.weightSource = source;
            } else state.unreplayed.push(`${where}: setWeight of ${a![0]}, not a member by the replay`);
            return;
          }
          case "replaceMemberAccount": {
            const [previous, next] = [ethers.getAddress(a![0]), ethers.getAddress(a![1])];
            const member = state.members.get(previous);
            if (member) {
              state.members.delete(previous);
              state.members.set(next, { ...member, account: next, source });
            } else state.unreplayed.push(`${where}: replaceMemberAccount of ${previous}, not a member by the replay`);
            return;
          }
        }
      }
      if (registryAddress !== undefined && call.target === registryAddress) {
        const parsed = registry!.interface.parseTransaction({ data: call.data });
        const a = parsed?.args;
        const setStatus = (status: AssetStatusName) => {
          const asset = state.assets.get(ethers.getAddress(a![0]));
          if (asset) {
            asset.status = status;
            asset.statusSource = source;
          } else state.unreplayed.push(`${where}: ${parsed!.name} of ${a![0]}, not listed by the replay`);
        };
        switch (parsed?.name) {
          case "createAsset": {
            const token = created.shift();
            if (token === undefined) {
              state.unreplayed.push(`${where}: createAsset, but the execution created no token`);
              return;
            }
            const [, terms, operators] = a as unknown as [ethers.Result, ethers.Result, ethers.Result];
            state.assets.set(token, {
              token,
              code: codeText(terms.code as string),
              status: "active",
              source,
              statusSource: source,
            });
            holdersOf(state, token, ethers.ZeroHash).set(timelock, source);
            for (const [duty, roleName] of DUTIES) {
              const holders = holdersOf(state, token, ethers.id(roleName));
              for (const account of operators[duty] as string[]) holders.set(ethers.getAddress(account), source);
            }
            holdersOf(state, token, ethers.id("GUARDIAN_ROLE")).set(registryAddress, source);
            return;
          }
          case "listAsset": {
            const token = ethers.getAddress(a![0]);
            state.assets.set(token, {
              token,
              code: codeText((a![1] as ethers.Result).code as string),
              status: "active",
              source,
              statusSource: source,
            });
            return;
          }
          case "suspendAsset":
            return setStatus("suspended");
          case "resumeAsset":
            return setStatus("active");
          case "markMatured":
            return setStatus("matured");
          case "markRedeemed":
            return setStatus("redeemed");
        }
      }
      if (!checked(call.target)) return;
      // A checked contract's other calls change none of members, role holders or listings, except
      // code we cannot follow: an upgrade that runs data, or a function its ABI does not have.
      const upgrade = UPGRADE.getFunction(selector);
      if (upgrade) {
        const [, data] = UPGRADE.decodeFunctionData(upgrade, call.data) as unknown as [string, string];
        if (data !== "0x")
          state.unreplayed.push(`${where}: upgradeToAndCall of ${call.target} runs data ${data.slice(0, 10)}…`);
        return;
      }
      const contract = sys.contracts[sys.nameOf(call.target) ?? "security-token"];
      if (contract && contract.interface.getFunction(selector) === null) {
        state.unreplayed.push(`${where}: ${call.target} has no function ${selector} in its ABI`);
      }
    });
  }
  // Only the deployment's governor's proposals are replayed: a proposer governance appointed later
  // (a new governor) is named, so that its changes are not silently counted as drift.
  const governor = ethers.getAddress(sys.deployment.addresses.governor as string);
  for (const [account, source] of state.roles.get(timelock)?.get(ethers.id("PROPOSER_ROLE")) ?? []) {
    if (account !== governor) {
      state.unreplayed.push(
        `the timelock's proposer ${account} (appointed by ${source}): its proposals are not replayed`,
      );
    }
  }
  return state;
}

/** The live directory: token -> code and status. */
export async function liveAssets(sys: System): Promise<Map<string, { code: string; status: AssetStatusName }>> {
  if (!sys.contracts["asset-registry"]) return new Map();
  return new Map((await listAssets(sys)).map((e) => [e.token, { code: e.code, status: e.status }]));
}

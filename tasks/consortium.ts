import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { IMPLEMENTATION_SLOT, addressInSlot, compareCode } from "./lib/bytecode";
import { CONTRACTS, type ContractName } from "./lib/deployment";
import { deployerOf } from "./lib/deployer";
import { GovError, oneLine } from "./lib/errors";
import { parseAddress, parseWhole } from "./lib/parse";
import { type KeyOptions, resolveSigner } from "./lib/signer";
import { firstLine, loadSystem } from "./lib/system";
import { reporter } from "./lib/output";
import { oneLineErrors, print } from "./lib/tx";
import {
  PROXIED,
  deploymentStartBlock,
  formatChecks,
  parseImplementations,
  readExpected,
  verifyDeployment,
  verifyReport,
} from "./lib/verify";
import { logRangeOf } from "./lib/logs";

const DEPLOYMENT_HELP =
  "The system's deployed_addresses.json (or its folder); default: ignition/deployments/chain-<chainId>/";

interface VerifyArgs {
  deployment?: string;
  parameters?: string;
  deployer?: string;
  implementations?: string;
  fromBlock?: string;
  logRange?: string;
  json?: boolean;
}

/** The parameters file: --parameters, else ignition/parameters/<network>.json if there is one. */
function parametersFile(hre: HardhatRuntimeEnvironment, given: string | undefined): string {
  if (given !== undefined && given.trim() !== "") return given;
  const byNetwork = path.join(hre.config.paths.root, "ignition", "parameters", `${hre.network.name}.json`);
  if (fs.existsSync(byNetwork)) return byNetwork;
  throw new GovError(
    `no parameters file: looked for ${byNetwork} (network "${hre.network.name}"); give --parameters <file>, the Ignition parameters file the system was deployed with`,
  );
}

task(
  "consortium:verify-deployment",
  "Checks a live deployment against its Ignition parameters file and the executed proposals (members, operators, " +
    "assets as governance made them) and prints a pass/fail table (exit 1 on any failure)",
)
  .addOptionalParam("deployment", DEPLOYMENT_HELP)
  .addOptionalParam(
    "parameters",
    "The parameters file it was deployed with (default: ignition/parameters/<network>.json)",
  )
  .addOptionalParam(
    "deployer",
    "The account that deployed it, which must hold no role (default: the sender of the transaction that created the timelock)",
  )
  .addOptionalParam(
    "implementations",
    "After upgrades: the contract each proxy now runs, e.g. security-token=SecurityTokenV2,cash-token=SecurityTokenV2",
  )
  .addOptionalParam(
    "fromBlock",
    "First block to read role events from (default: the deployment's first, from its journal, else 0)",
  )
  .addOptionalParam(
    "logRange",
    "Largest block range per eth_getLogs request (default: env CONSORTIUM_LOG_RANGE, the network's logRange, or 5000, Besu's limit)",
  )
  .addFlag(
    "json",
    "Print the result as one JSON document (docs/operations.md, Verification): checks, proposals replayed",
  )
  .setAction(async (args: VerifyArgs, hre) =>
    oneLineErrors(async () => {
      const expected = await readExpected(parametersFile(hre, args.parameters));
      const implementations = parseImplementations(args.implementations);
      const fromBlockArg =
        args.fromBlock !== undefined ? Number(parseWhole(args.fromBlock, "--from-block")) : undefined;
      const logRange =
        args.logRange !== undefined
          ? Number(parseWhole(args.logRange, "--log-range", 1n, 1_000_000n))
          : logRangeOf(hre);
      const sys = await loadSystem(hre, args.deployment);
      // the deployer is the account that created the timelock, never the network's first account
      const deployer =
        args.deployer !== undefined ? parseAddress(args.deployer, "--deployer") : (await deployerOf(sys)).address;
      const fromBlock = fromBlockArg ?? deploymentStartBlock(sys.deployment.file) ?? 0;
      const out = reporter(args.json);
      out.line(`Verifying ${sys.deployment.file}`);
      out.line(`  on network "${hre.network.name}" (chain ${sys.chainId}) against ${expected.file}`);
      out.line(`  and the governor's executed proposals; deployer ${deployer}; events read from block ${fromBlock}`);
      const { checks, proposals } = await verifyDeployment(sys, {
        expected,
        deployer,
        implementations,
        fromBlock,
        logRange,
      });
      for (const line of formatChecks(checks)) out.line(line);
      const failed = checks.filter((c) => !c.ok);
      out.line(`${checks.length} checks: ${checks.length - failed.length} passed, ${failed.length} failed.`);
      const result = verifyReport(sys, hre.network.name, expected.file, deployer, fromBlock, proposals, checks);
      out.done(result);
      if (failed.length > 0) {
        const first = failed
          .slice(0, 3)
          .map((c) => `${c.group}: ${c.name}`)
          .join("; ");
        throw new GovError(
          `deployment verification failed: ${failed.length} of ${checks.length} checks (${first}${failed.length > 3 ? "; ..." : ""})`,
        );
      }
      return result;
    })(args),
  );

interface PrepareArgs extends KeyOptions {
  deployment?: string;
  contract?: string;
  implementation?: string;
  current?: string;
}

/** A hardhat-upgrades error as one line: its message and the first lines of its details. */
function upgradesMessage(e: unknown): string {
  const error = e as Error & { details?: () => string };
  const details = typeof error.details === "function" ? error.details() : "";
  const text = details ? `${error.message ?? String(e)}: ${details}` : (error.message ?? String(e));
  const compact = oneLine(text);
  return compact.length > 600 ? `${compact.slice(0, 600)}…` : compact;
}

task(
  "consortium:prepare-upgrade",
  "Deploys a new implementation of a proxied contract after validating its storage layout against the live proxy, " +
    "and prints the gov:propose command that upgrades it through governance",
)
  .addOptionalParam("deployment", DEPLOYMENT_HELP)
  .addOptionalParam("contract", `The proxied contract to upgrade: ${PROXIED.join(", ")}`)
  .addOptionalParam("implementation", "The compiled contract of the new implementation, e.g. SecurityTokenV2")
  .addOptionalParam("current", "The compiled contract the proxy runs now (default: the system's contract of that name)")
  .addOptionalParam("from", "The network account that deploys the implementation: address or index (default 0)")
  .addOptionalParam(
    "keystore",
    "An encrypted JSON keystore to deploy with (password: env CONSORTIUM_KEYSTORE_PASSWORD)",
  )
  .setAction(async (args: PrepareArgs, hre) =>
    oneLineErrors(async () => {
      const contractName = (args.contract ?? "").trim().toLowerCase() as ContractName;
      if (!args.contract) throw new GovError(`--contract is required: one of ${PROXIED.join(", ")}`);
      if (!PROXIED.includes(contractName)) {
        throw new GovError(
          `--contract "${args.contract}" is not an upgradeable contract of the system (one of ${PROXIED.join(", ")}; ` +
            `the governor and timelock are replaced by moving the timelock's roles)`,
        );
      }
      const implementationName = (args.implementation ?? "").trim();
      if (implementationName === "")
        throw new GovError("--implementation <ContractName> is required, e.g. SecurityTokenV2");
      const currentName = (args.current ?? CONTRACTS[contractName].artifact).trim();
      for (const n of [implementationName, currentName]) {
        if (!(await hre.artifacts.artifactExists(n))) {
          throw new GovError(`no compiled contract "${n}": check the name and run "npx hardhat compile"`);
        }
      }

      const sys = await loadSystem(hre, args.deployment);
      const proxy = sys.deployment.addresses[contractName];
      if (!proxy) throw new GovError(`the deployment ${sys.deployment.file} has no ${contractName}`);
      const live = await addressInSlot(sys.provider, proxy, IMPLEMENTATION_SLOT);
      if (live === ethers.ZeroAddress) throw new GovError(`${contractName} (${proxy}) is not an ERC-1967 proxy`);
      // The layout check compares with the contract named as the current one: make sure it is.
      const same = await compareCode(hre, sys.provider, live, currentName);
      if (!same.ok) {
        throw new GovError(
          `the live implementation of ${contractName} (${live}) is not the compiled ${currentName} (${same.detail}): ` +
            `name the contract it runs with --current <ContractName>; nothing was deployed`,
        );
      }

      const signer = await resolveSigner(hre, args);
      const currentFactory = await hre.ethers.getContractFactory(currentName, signer);
      const newFactory = await hre.ethers.getContractFactory(implementationName, signer);
      // Ignition-deployed proxies are not in hardhat-upgrades' manifest: register the live one first.
      try {
        await hre.upgrades.forceImport(proxy, currentFactory, { kind: "uups" });
      } catch (e) {
        throw new GovError(`cannot register ${contractName} with hardhat-upgrades: ${upgradesMessage(e)}`);
      }
      try {
        await hre.upgrades.validateUpgrade(proxy, newFactory, { kind: "uups" });
      } catch (e) {
        throw new GovError(
          `${implementationName} cannot replace ${currentName} behind ${contractName} (${proxy}): ` +
            `${upgradesMessage(e)}; nothing was deployed`,
        );
      }
      print(`Upgrading ${contractName} (proxy ${proxy}) from ${currentName} (${live}) to ${implementationName}:`);
      print(`  storage layout and upgrade safety checked against the live proxy (OpenZeppelin hardhat-upgrades): OK`);

      const configured = hre.network.config.gasPrice;
      const txOverrides =
        signer instanceof ethers.BaseWallet && typeof configured === "number" ? { gasPrice: BigInt(configured) } : {};
      let implementation: string;
      try {
        implementation = ethers.getAddress(
          (await hre.upgrades.prepareUpgrade(proxy, newFactory, { kind: "uups", txOverrides })) as string,
        );
      } catch (e) {
        throw new GovError(`deploying ${implementationName} failed: ${firstLine(upgradesMessage(e))}`);
      }
      if (implementation === live) {
        throw new GovError(
          `${implementationName} is already the live implementation of ${contractName} (${live}): nothing to upgrade`,
        );
      }
      const deployed = await compareCode(hre, sys.provider, implementation, implementationName);
      if (!deployed.ok)
        throw new GovError(`the code at ${implementation} is not ${implementationName}: ${deployed.detail}`);
      print(`  new implementation ${implementationName} at ${implementation} (${deployed.detail})`);

      const network = hre.network.name === "hardhat" ? "" : ` --network ${hre.network.name}`;
      const deployment = args.deployment ? ` --deployment ${JSON.stringify(args.deployment)}` : "";
      const action = `upgrade ${contractName} ${implementation}`;
      const description = `Upgrade ${contractName} to ${implementationName} (implementation ${implementation})`;
      const command = `npx hardhat gov:propose${network}${deployment} --action "${action}" --description "${description}"`;
      print("Propose it to the members (from a member's account: add --from <account> or --keystore <file>):");
      print(command);
      const sharing = PROXIED.filter(
        (n) =>
          n !== contractName &&
          sys.deployment.addresses[n] !== undefined &&
          CONTRACTS[n].artifact === CONTRACTS[contractName].artifact,
      );
      for (const other of sharing) {
        if (
          (await addressInSlot(sys.provider, sys.deployment.addresses[other] as string, IMPLEMENTATION_SLOT)) === live
        ) {
          print(
            `Note: ${other} runs the same implementation; to upgrade it too, add the action "upgrade ${other} ${implementation}".`,
          );
        }
      }
      print(
        `After execution, check it with: npx hardhat consortium:verify-deployment${network}${deployment} --parameters <file> --implementations ${contractName}=${implementationName}`,
      );
      return {
        contract: contractName,
        proxy,
        currentImplementation: live,
        implementation,
        action,
        description,
        command,
      };
    })(args),
  );

interface FindArgs {
  account?: string;
  nonce?: string;
  blocks?: string;
  deploymentId?: string;
  json: boolean;
}

task(
  "consortium:find-transaction",
  "Finds the mined transaction an account sent with a given nonce (for Ignition's IGN411: a transaction sent but not recorded)",
)
  .addOptionalParam("account", "The sender, e.g. the deployer named in Ignition's message")
  .addOptionalParam("nonce", "The nonce named in Ignition's message")
  .addOptionalParam("blocks", "How many of the latest blocks to search (default 10000)")
  .addOptionalParam(
    "deploymentId",
    "The Ignition deployment id for the printed track-tx command (default chain-<chainId>)",
  )
  .addFlag("json", "Print the transaction found as JSON (hash, blockNumber, contractAddress, command)")
  .setAction(async (args: FindArgs, hre) =>
    oneLineErrors(async () => {
      const out = reporter(args.json);
      if (args.account === undefined) throw new GovError("--account <address> is required: the transaction's sender");
      if (args.nonce === undefined) throw new GovError("--nonce <n> is required");
      const account = parseAddress(args.account, "--account");
      const nonce = Number(parseWhole(args.nonce, "--nonce", 0n, BigInt(Number.MAX_SAFE_INTEGER)));
      const blocks = Number(parseWhole(args.blocks ?? "10000", "--blocks", 1n, 10_000_000n));
      const provider = hre.ethers.provider;
      let latest: number;
      let mined: number;
      try {
        latest = await provider.getBlockNumber();
        mined = await provider.getTransactionCount(account, "latest");
      } catch (e) {
        throw new GovError(`cannot reach network "${hre.network.name}": ${firstLine((e as Error).message)}`);
      }
      if (mined <= nonce) {
        throw new GovError(
          `${account} has ${mined} mined transaction(s) (nonces 0 to ${mined - 1}): none with nonce ${nonce} is on the chain yet`,
        );
      }
      const chainId = (await provider.getNetwork()).chainId;
      const lowest = Math.max(0, latest - blocks + 1);
      const window = 16;
      for (let top = latest; top >= lowest; top -= window) {
        const numbers = Array.from({ length: Math.min(window, top - lowest + 1) }, (_, i) => top - i);
        const found = await Promise.all(
          numbers.map(async (n) => {
            const block = await provider.getBlock(n, true);
            const tx = block?.prefetchedTransactions.find(
              (t) => t.from.toLowerCase() === account.toLowerCase() && t.nonce === nonce,
            );
            return tx ? { tx, block: n } : undefined;
          }),
        );
        const hit = found.find((f) => f !== undefined);
        if (hit) {
          const receipt = await provider.getTransactionReceipt(hit.tx.hash);
          const what = hit.tx.to === null ? `creates the contract ${receipt?.contractAddress}` : `calls ${hit.tx.to}`;
          const network = hre.network.name === "hardhat" ? "" : ` --network ${hre.network.name}`;
          const command = `npx hardhat ignition track-tx ${hit.tx.hash} ${args.deploymentId ?? `chain-${chainId}`}${network}`;
          out.line(
            `Transaction ${hit.tx.hash} from ${account} with nonce ${nonce}: block ${hit.block}, ${what}, status ${receipt?.status === 1 ? "success" : "reverted"}.`,
          );
          out.line("Record it in the Ignition deployment with:");
          out.line(command);
          return out.done({
            hash: hit.tx.hash,
            blockNumber: hit.block,
            contractAddress: receipt?.contractAddress ?? null,
            command,
          });
        }
      }
      throw new GovError(
        `no transaction from ${account} with nonce ${nonce} in blocks ${lowest} to ${latest}: search further back with --blocks`,
      );
    })(args),
  );

// consortium:acceptance: qualifies a chain with a throwaway instance of the whole system.
import path from "node:path";
import { task } from "hardhat/config";
import {
  ACCEPTANCE_PARAMETERS,
  type StepResult,
  assignRoles,
  chainFacts,
  checkGasFunds,
  formatSteps,
  networkAccounts,
  readAcceptanceParameters,
  standardJsonRpcOnly,
  roleRows,
  runAcceptance,
  stepNames,
} from "./lib/acceptance";
import { GovError } from "./lib/errors";
import { reporter, withJson } from "./lib/output";
import { parseWhole } from "./lib/parse";
import { oneLineErrors } from "./lib/tx";

interface AcceptanceArgs {
  parameters?: string;
  confirmations: string;
  blockTimeout: string;
  dryRun: boolean;
  json: boolean;
}

withJson(
  task(
    "consortium:acceptance",
    "Qualifies a chain: deploys a throwaway instance of the system, runs a governance round waiting on the chain's clock, " +
      "issues, transfers, finances and settles through it; prints a pass/fail table (exit 1 on any failure)",
  )
    .addOptionalParam("parameters", `The acceptance parameters file (default ${ACCEPTANCE_PARAMETERS})`)
    .addOptionalParam(
      "confirmations",
      "Confirmations Ignition waits for per deployment batch (1: BFT chains are final at once)",
      "1",
    )
    .addOptionalParam("blockTimeout", "Seconds without a new block after which a wait fails", "60")
    .addFlag("dryRun", "Print the plan (accounts, parameters, steps) and send nothing"),
).setAction(async (args: AcceptanceArgs, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const params = readAcceptanceParameters(args.parameters ?? path.join(hre.config.paths.root, ACCEPTANCE_PARAMETERS));
    const confirmations = Number(parseWhole(args.confirmations, "--confirmations", 1n, 100n));
    const blockTimeout = Number(parseWhole(args.blockTimeout, "--block-timeout", 1n, 3_600n));
    const roles = assignRoles(await networkAccounts(hre), params.members.length, hre.network.name);
    if (hre.network.name === "hardhat" && !args.dryRun) {
      throw new GovError(
        "consortium:acceptance waits on the chain's own clock: run it against a node with --network <net> " +
          "(a local Hardhat node needs interval mining), not the in-process network (only --dry-run runs there)",
      );
    }
    const facts = await chainFacts(hre);
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z");
    const plan = {
      network: hre.network.name,
      chainId: facts.chainId,
      client: facts.client,
      latestBlock: facts.latestBlock,
      fees: {
        mode: facts.feeMode,
        baseFeePerGas: facts.baseFeePerGas,
        nodeGasPrice: facts.nodeGasPrice,
        configuredGasPrice: facts.configuredGasPrice,
      },
      parameters: params.file,
      governance: {
        votingDelay: params.votingDelay,
        votingPeriod: params.votingPeriod,
        votingPeriodFloor: params.votingPeriodFloor,
        timelockMinDelay: params.timelockMinDelay,
        members: params.members,
      },
      runId: stamp,
      confirmations,
      blockTimeout,
      accounts: roleRows(roles).map(([role, address]) => ({ role, address })),
      steps: stepNames(params.members.length),
    };
    out.line(`Acceptance run on network "${hre.network.name}" (chain ${facts.chainId}, ${facts.client})`);
    const fee =
      facts.feeMode === "EIP-1559"
        ? `EIP-1559, base fee ${facts.baseFeePerGas} wei`
        : `legacy, eth_gasPrice ${facts.nodeGasPrice} wei`;
    out.line(`  fees: ${fee}; the network's configured gas price: ${facts.configuredGasPrice}`);
    out.line(
      `  parameters ${params.file}: voting delay ${params.votingDelay} s, voting period ${params.votingPeriod} s ` +
        `(floor ${params.votingPeriodFloor} s), timelock delay ${params.timelockMinDelay} s (the governance round ` +
        `waits about ${params.votingDelay + params.votingPeriod + params.timelockMinDelay} s of chain time)`,
    );
    out.line(
      `  run ${stamp}: a throwaway instance, deployed by Ignition without a deployment folder (${confirmations} confirmation(s) per batch)`,
    );
    out.line("  accounts:");
    for (const [role, address] of roleRows(roles)) out.line(`    ${role.padEnd(15)} ${address}`);
    out.line("  steps:");
    plan.steps.forEach((name, i) => out.line(`    ${String(i + 1).padStart(2)}. ${name}`));
    if (args.dryRun) {
      out.line("Dry run: nothing was sent.");
      return out.done({ dryRun: true, plan });
    }

    await checkGasFunds(hre, roles, facts);

    const refused: string[] = [];
    const restore = standardJsonRpcOnly(hre.network.provider, refused);
    let result;
    try {
      result = await runAcceptance(hre, {
        params,
        roles,
        runId: stamp,
        confirmations,
        wait: { blockTimeoutSeconds: blockTimeout, pollMs: 1_000 },
        onStep: (s: StepResult) =>
          out.line(`  ${String(s.step).padStart(2)}. ${s.status.toUpperCase().padEnd(7)} ${s.name}: ${s.detail}`),
      });
    } finally {
      restore();
    }
    out.line();
    for (const line of formatSteps(result.steps)) out.line(line);
    const failed = result.steps.filter((s) => s.status === "fail");
    const passed = result.steps.filter((s) => s.status === "pass").length;
    const gas = result.steps.reduce((sum, s) => sum + s.gas, 0n);
    out.line(`${result.steps.length} steps: ${passed} passed, ${failed.length} failed; ${gas} gas in total.`);
    out.done({
      dryRun: false,
      plan,
      passed: result.passed,
      addresses: result.addresses,
      steps: result.steps,
      refusedMethods: refused,
    });
    if (!result.passed) {
      throw new GovError(`acceptance failed at step ${failed[0].step} (${failed[0].name}): ${failed[0].detail}`);
    }
    out.line(`Network "${hre.network.name}" (chain ${facts.chainId}) passed the acceptance run.`);
    return { dryRun: false, plan, passed: true, addresses: result.addresses, steps: result.steps };
  })(args),
);

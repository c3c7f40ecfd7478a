import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import { latestTime } from "./assets";
import { type Labels, loadLabels } from "./describe";
import { GovError } from "./errors";
import { withKeys } from "./options";
import { parseAddress } from "./parse";
import { explainFailure } from "./revert";
import { type KeyOptions, type TaskSigner, resolveSigner } from "./signer";
import { type System, loadSystem } from "./system";
import { reporter } from "./output";
import { sendChecked } from "./tx";

/** Who runs an operation: its address always; its signer only when something will be sent. */
export interface Actor {
  address: string;
  signer?: TaskSigner;
}

/** The options of a task that sends: --deployment, --from, --keystore, --dry-run. */
export interface SendArgs extends KeyOptions {
  deployment?: string;
  dryRun: boolean;
}

/** Adds `--deployment`, `--from`, `--keystore` and `--dry-run` (simulate as --from; no key needed). */
export function withSend(t: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return withKeys(t).addFlag(
    "dryRun",
    "Simulate the transaction as --from (an address is enough: no key needed) and print what would happen; send nothing",
  );
}

/** The address of an encrypted JSON keystore, read without decrypting it. */
function keystoreAddress(file: string): string {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) throw new GovError(`no keystore file at ${resolved}`);
  let address: unknown;
  try {
    address = (JSON.parse(fs.readFileSync(resolved, "utf8")) as { address?: unknown }).address;
  } catch {
    throw new GovError(`${resolved} is not an encrypted JSON keystore`);
  }
  const text = String(address ?? "");
  return parseAddress(text.startsWith("0x") ? text : `0x${text}`, `the keystore ${resolved}'s address`);
}

/**
 * The actor of an operation. A dry run needs no key: --from may be any address (simulated as it),
 * a keystore is read for its address only, and an account index names one of the network's
 * accounts. A real run needs the key (see resolveSigner).
 */
export async function resolveActor(
  hre: HardhatRuntimeEnvironment,
  options: KeyOptions,
  dryRun: boolean,
): Promise<Actor> {
  if (!dryRun) {
    const signer = await resolveSigner(hre, options);
    return { address: signer.address, signer };
  }
  if (options.from !== undefined && options.keystore !== undefined) {
    throw new GovError("use either --from or --keystore, not both");
  }
  if (options.keystore !== undefined) return { address: keystoreAddress(options.keystore) };
  const from = (options.from ?? "0").trim();
  if (!/^\d+$/.test(from)) return { address: parseAddress(from, "--from") };
  const accounts = (await hre.network.provider.request({ method: "eth_accounts" })) as string[];
  const index = Number(from);
  if (index >= accounts.length) {
    throw new GovError(
      `--from ${from}: network "${hre.network.name}" has ${accounts.length} account(s); a dry run takes --from <address> without a key`,
    );
  }
  return { address: ethers.getAddress(accounts[index]) };
}

/** What one operation did, or (dry run) would do. */
export interface Outcome {
  dryRun: boolean;
  /** The simulation's gas estimate (dry run), or the gas used. */
  gas: bigint;
  transactionHash?: string;
}

/**
 * Simulates `contract.fn(...args)` as the actor; a call that would revert is refused with its
 * decoded reason, nothing sent. In a dry run that is all; otherwise the transaction is sent.
 */
export async function perform(
  sys: System,
  labels: Labels | undefined,
  actor: Actor,
  contract: ethers.BaseContract,
  fn: string,
  args: unknown[],
  what: string,
  dryRun: boolean,
): Promise<Outcome> {
  if (dryRun || !actor.signer) {
    const method = contract.getFunction(fn);
    try {
      await method.staticCall(...args, { from: actor.address });
      const gas = await method.estimateGas(...args, { from: actor.address });
      return { dryRun: true, gas };
    } catch (e) {
      throw new GovError(`${what} would fail: ${explainFailure(sys.errors, labels, e)}; nothing was sent`);
    }
  }
  const receipt = await sendChecked(sys, labels, actor.signer, contract, fn, args, what);
  return { dryRun: false, gas: receipt.gasUsed, transactionHash: receipt.hash };
}

/** `Dry run: ... would succeed (gas ~N); nothing was sent.` or `Done in transaction 0x...`. */
export function outcomeLine(outcome: Outcome): string {
  return outcome.dryRun
    ? `Dry run: it would succeed (estimated gas ${outcome.gas}); nothing was sent.`
    : `Done in transaction ${outcome.transactionHash} (gas used ${outcome.gas}).`;
}

/** What a sending task does once its input is read: one call, described. */
export interface Operation {
  /** What will be done, in words (printed first). */
  line: string;
  contract: ethers.BaseContract;
  fn: string;
  args: unknown[];
  /** The operation's name in errors ("the mint would fail: ..."). */
  what: string;
  /** The task's result besides the outcome (its --json fields). */
  result: Record<string, unknown>;
}

/**
 * The body of a task that sends one transaction: loads the system, builds the operation from the
 * task's input, prints it and simulates it (--dry-run) or sends it. Prints the outcome; returns
 * (and with --json prints) `{ dryRun, gas, transactionHash?, from, ...result }`.
 */
export async function operate(
  hre: HardhatRuntimeEnvironment,
  args: SendArgs & { json?: boolean },
  build: (ctx: { sys: System; labels: Labels; now: bigint }) => Promise<Operation>,
): Promise<Record<string, unknown>> {
  const out = reporter(args.json);
  const sys = await loadSystem(hre, args.deployment);
  const labels = await loadLabels(sys);
  const now = await latestTime(sys);
  const op = await build({ sys, labels, now });
  const actor = await resolveActor(hre, args, args.dryRun);
  out.line(op.line);
  const outcome = await perform(sys, labels, actor, op.contract, op.fn, op.args, op.what, args.dryRun);
  out.line(outcomeLine(outcome));
  return out.done({ ...outcome, from: actor.address, ...op.result });
}

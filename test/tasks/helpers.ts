import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployConsortiumFixture } from "../fixtures/consortium";

/** A temporary folder for the files the tests write (deployment, calls, signed votes, keystores). */
export const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "consortium-tasks-"));
// a root hook (this module loads once per run): remove the folder when the run ends
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

let fileCounter = 0;
/** A fresh file path in TMP. */
export function tmpFile(name: string): string {
  fileCounter += 1;
  return path.join(TMP, `${fileCounter}-${name}`);
}

type Deployed = Awaited<ReturnType<typeof deployConsortiumFixture>>;

/** Writes a deployed_addresses.json for `f`, in the format Ignition writes, in a fresh folder of TMP. */
export async function writeDeploymentFile(f: Deployed) {
  // a folder per deployment: each fixture's file keeps its own addresses
  const deployment = path.join(fs.mkdtempSync(path.join(TMP, "deployment-")), "deployed_addresses.json");
  const addresses = {
    "Governance#TimelockController": await f.timelock.getAddress(),
    "Governance#ConsortiumMembership": await f.membership.getAddress(),
    "Governance#ConsortiumGovernor": await f.governor.getAddress(),
    "Identity#IdentityRegistry": await f.identityRegistry.getAddress(),
    "Tokens#SecurityToken": await f.securityToken.getAddress(),
    "Tokens#CashToken": await f.cashToken.getAddress(),
    "Invoices#InvoiceRegistry": await f.invoiceRegistry.getAddress(),
    "Settlement#DvPSettlement": await f.dvpSettlement.getAddress(),
    "Assets#AssetRegistry": await f.assetRegistry.getAddress(),
    "Credit#CreditRegistry": await f.creditRegistry.getAddress(),
  };
  fs.writeFileSync(deployment, JSON.stringify(addresses, null, 2));
  return { deployment, addresses };
}

/**
 * The system deployed in-process with the Ignition module (deployConsortiumFixture), plus a
 * deployed_addresses.json for it, in the format Ignition writes, to pass to the tasks as --deployment.
 */
export async function tasksFixture() {
  const f = await deployConsortiumFixture();
  return { ...f, ...(await writeDeploymentFile(f)) };
}

/** Runs a task in-process and captures what it prints (also when it fails). */
async function capture<T>(
  name: string,
  args: Record<string, unknown>,
): Promise<{ result?: T; error?: unknown; lines: string[]; text: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => {
    lines.push(parts.map(String).join(" "));
  };
  try {
    const result = (await hre.run(name, args)) as T;
    return { result, lines, text: lines.join("\n") };
  } catch (error) {
    return { error, lines, text: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

/** Runs a task in-process and captures what it prints. */
export async function runTask<T = unknown>(
  name: string,
  args: Record<string, unknown>,
): Promise<{ result: T; lines: string[]; text: string }> {
  const { result, error, lines, text } = await capture<T>(name, args);
  if (error !== undefined) throw error;
  return { result: result as T, lines, text };
}

/**
 * Runs a task that must fail: checks the error is a one-line plugin error matching `message`, and
 * that no transaction was sent (no new block, and the nonces of `accounts` and of accounts 0-3
 * unchanged). Returns the message and what the task printed before failing.
 */
export async function expectTaskError(
  name: string,
  args: Record<string, unknown>,
  message: RegExp,
  accounts: string[] = [],
): Promise<{ message: string; text: string }> {
  const watched = [...accounts, ...(await ethers.getSigners()).slice(0, 4).map((s) => s.address)];
  const noncesBefore = await Promise.all(watched.map((a) => ethers.provider.getTransactionCount(a)));
  const blockBefore = await ethers.provider.getBlockNumber();
  const { error, text } = await capture(name, args);
  expect(error, `${name} should have failed with ${message}`).to.not.equal(undefined);
  const err = error as Error & { pluginName?: string; _isHardhatPluginError?: boolean };
  expect(err._isHardhatPluginError, `not a plugin error: ${err.message}`).to.equal(true);
  expect(err.pluginName).to.equal("consortium");
  expect(err.message, err.message).to.match(message);
  expect(err.message).to.not.include("\n");
  expect(await ethers.provider.getBlockNumber(), "a block was mined: a transaction was sent").to.equal(blockBefore);
  const noncesAfter = await Promise.all(watched.map((a) => ethers.provider.getTransactionCount(a)));
  expect(noncesAfter, "a nonce moved: a transaction was sent").to.deep.equal(noncesBefore);
  return { message: err.message, text };
}

type Fixture = Awaited<ReturnType<typeof tasksFixture>>;

/** Moves time past the voting delay of proposal `id`, so that its vote is open. */
export async function openVoting(f: Fixture, id: bigint): Promise<void> {
  await time.increaseTo((await f.governor.proposalSnapshot(id)) + 1n);
}

/** Moves time past the deadline of proposal `id`, so that its vote is closed. */
export async function closeVoting(f: Fixture, id: bigint): Promise<void> {
  await time.increaseTo((await f.governor.proposalDeadline(id)) + 1n);
}

/** Moves time to the ETA of queued proposal `id`. */
export async function reachEta(f: Fixture, id: bigint): Promise<void> {
  await time.increaseTo(await f.governor.proposalEta(id));
}

/** A proposal admitting `account` made with the task, from member `from` (account index). */
export async function proposeAdmission(
  f: Fixture,
  account: string,
  from = "1",
  name = "Shenzhen Bank",
): Promise<bigint> {
  const { result } = await runTask<bigint>("gov:propose", {
    deployment: f.deployment,
    from,
    description: `Admit ${name}`,
    actions: [`add-member ${account} 10 '${name}'`],
  });
  return result;
}

/** The rows of a verification table that failed, as "group: name". */
export function failedRows(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("  FAIL  "))
    .map((line) => line.slice(8).split(/\s{2,}/)[0]);
}

/** The detail of the table row named `row`. */
export function rowDetail(text: string, row: string): string {
  const line = text.split("\n").find((l) => l.slice(8).startsWith(`${row}  `));
  expect(line, `no row "${row}"`).to.not.equal(undefined);
  return line!.slice(8 + row.length).trim();
}

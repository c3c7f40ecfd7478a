import fs from "node:fs";
import { ethers } from "ethers";
import { type TokenInfo, formatAmount, latestTime, loadToken, parseAmount } from "./assets";
import { parseIsoTime } from "./time";
import { GovError } from "./errors";
import { parseAddress, parseWhole } from "./parse";
import { explainFailure } from "./revert";
import type { TaskSigner } from "./signer";
import type { System } from "./system";
import { sendChecked } from "./tx";

/** Where Ignition records the corporate-actions proxy (ignition/modules/CorporateActions.ts). */
export const CORPORATE_ACTIONS_KEY = "CorporateActions#CorporateActions";
/** Most holders in one payBatch / redeemBatch (CorporateActions.MAX_BATCH). */
export const MAX_BATCH = 100;

/** The corporate-actions contract of a deployment, with its errors added to the system's for decoding. */
export interface Actions {
  sys: System;
  contract: ethers.Contract;
  address: string;
}

/** The corporate-actions contract: `--actions`, else the deployment's CorporateActions entry. */
export async function loadActions(sys: System, override?: string): Promise<Actions> {
  let address: string | undefined;
  if (override !== undefined) {
    address = parseAddress(override, "--actions");
  } else {
    const recorded = JSON.parse(fs.readFileSync(sys.deployment.file, "utf8")) as Record<string, string>;
    address = recorded[CORPORATE_ACTIONS_KEY];
    if (!address) {
      throw new GovError(
        `the deployment ${sys.deployment.file} has no "${CORPORATE_ACTIONS_KEY}": pass --actions <address>`,
      );
    }
    address = ethers.getAddress(address);
  }
  if ((await sys.provider.getCode(address)) === "0x") throw new GovError(`--actions: no contract at ${address}`);
  const abi = (await sys.hre.artifacts.readArtifact("CorporateActions")).abi;
  const contract = new ethers.Contract(address, abi, sys.provider);
  const fragments = new Map<string, ethers.ErrorFragment>();
  sys.errors.forEachError((e) => fragments.set(e.selector, e));
  contract.interface.forEachError((e) => fragments.set(e.selector, e));
  const withErrors: System = { ...sys, errors: new ethers.Interface([...fragments.values()]) };
  return { sys: withErrors, contract, address };
}

/** A time: unix seconds or an ISO-8601 date (`2026-12-31T00:00:00Z`). */
export function parseTime(value: unknown, what: string): bigint {
  const text = String(value ?? "").trim();
  if (/^\d{1,10}$/.test(text)) return parseWhole(text, what, 1n, 2n ** 32n - 1n);
  const time = parseIsoTime(text, what);
  if (time === undefined) {
    throw new GovError(`${what}: "${text}" is not a time (unix seconds or an ISO date such as 2026-12-31T00:00:00Z)`);
  }
  return time;
}

/** A distribution id (from 1). */
export function parseDistributionId(value: unknown): bigint {
  return parseWhole(value, "distribution id", 1n);
}

/** A comma-separated list of 1 to MAX_BATCH holder addresses. */
export function parseHolders(value: unknown): string[] {
  const parts = String(value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0) throw new GovError("--holders: give at least one address (comma-separated)");
  if (parts.length > MAX_BATCH) throw new GovError(`--holders: at most ${MAX_BATCH} per batch (got ${parts.length})`);
  return parts.map((part) => parseAddress(part, "--holders"));
}

/** A notice hash: `0x` + 64 hex digits, not zero. */
export function parseHash(value: unknown, what: string): string {
  const text = String(value ?? "").trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(text) || BigInt(text) === 0n) {
    throw new GovError(`${what}: "${text}" is not a non-zero 32-byte hash (0x and 64 hex digits)`);
  }
  return text.toLowerCase();
}

/** A distribution as read from the chain, with its tokens. */
export interface DistributionView {
  id: bigint;
  asset: TokenInfo;
  cash: TokenInfo;
  recordTime: bigint;
  paymentStart: bigint;
  claimDeadline: bigint;
  amountPerUnit: bigint;
  funded: bigint;
  paid: bigint;
  reclaimed: boolean;
  noticeUri: string;
  noticeHash: string;
}

/** Reads distribution `id`, or a one-line error if there is none. */
export async function readDistribution(actions: Actions, id: bigint): Promise<DistributionView> {
  const count = (await actions.contract.distributionCount()) as bigint;
  if (id > count) throw new GovError(`no distribution ${id}: ${count} announced so far`);
  const d = await actions.contract.distribution(id);
  return {
    id,
    asset: await loadToken(actions.sys, d.asset, "asset"),
    cash: await loadToken(actions.sys, d.cashToken, "cash token"),
    recordTime: d.recordTime,
    paymentStart: d.paymentStart,
    claimDeadline: d.claimDeadline,
    amountPerUnit: d.amountPerUnit,
    funded: d.funded,
    paid: d.paid,
    reclaimed: d.reclaimed,
    noticeUri: d.noticeUri,
    noticeHash: d.noticeHash,
  };
}

/** The redemption of `asset`, or a one-line error if none was opened. */
export async function readRedemption(actions: Actions, asset: TokenInfo) {
  const r = await actions.contract.redemption(asset.address);
  if (r.cashToken === ethers.ZeroAddress)
    throw new GovError(`no redemption is open for ${asset.symbol} ${asset.address}`);
  return {
    cash: await loadToken(actions.sys, r.cashToken, "cash token"),
    maturity: r.maturity as bigint,
    completed: r.completed as boolean,
    reclaimed: r.reclaimed as boolean,
    amountPerUnit: r.amountPerUnit as bigint,
    funded: r.funded as bigint,
    paid: r.paid as bigint,
  };
}

/** Refuses unless `signer` is a paying agent of `asset`. */
export async function requireAgent(actions: Actions, asset: string, signer: TaskSigner): Promise<void> {
  const role = await actions.contract.payingAgentRole(asset);
  if (!(await actions.contract.hasRole(role, signer.address))) {
    throw new GovError(`${signer.address} is not a paying agent of ${asset} (payingAgentRole); nothing was sent`);
  }
}

/** Cash `amount` in base units of `perUnit` per whole unit for `units` base units of an asset. */
export function perUnitAmount(units: bigint, perUnit: bigint, assetDecimals: number): bigint {
  return (units * perUnit) / 10n ** BigInt(assetDecimals);
}

/** Parses a human amount of `token` (more than zero). */
export function parseCash(value: unknown, token: TokenInfo, what: string): bigint {
  return parseAmount(value, token, what);
}

/** The chain's time. */
export async function chainTime(actions: Actions): Promise<bigint> {
  return latestTime(actions.sys);
}

/**
 * Sends `fn(args)` on the contract, or with `dryRun` only simulates it; either way a call that would
 * revert is refused with its decoded reason and nothing is sent.
 */
export async function sendOrSimulate(
  actions: Actions,
  signer: TaskSigner,
  contract: ethers.BaseContract,
  fn: string,
  args: unknown[],
  what: string,
  dryRun: boolean,
): Promise<{ dryRun: boolean; txHash?: string }> {
  if (dryRun) {
    try {
      await (contract.connect(signer) as ethers.BaseContract).getFunction(fn).staticCall(...args);
    } catch (e) {
      throw new GovError(`${what} would fail: ${explainFailure(actions.sys.errors, undefined, e)}; nothing was sent`);
    }
    return { dryRun: true };
  }
  const receipt = await sendChecked(actions.sys, undefined, signer, contract, fn, args, what);
  return { dryRun: false, txHash: receipt.hash };
}

/**
 * Before the contract pulls `amount` of `cash` from `signer`: approves it if the allowance is short
 * (with `dryRun`, says so and sends nothing). Returns whether an approval is (or was) needed.
 */
export async function ensureAllowance(
  actions: Actions,
  signer: TaskSigner,
  cash: TokenInfo,
  amount: bigint,
  dryRun: boolean,
): Promise<boolean> {
  const balance = (await cash.contract.balanceOf(signer.address)) as bigint;
  if (balance < amount) {
    throw new GovError(
      `${signer.address} holds ${formatAmount(balance, cash)}, less than the ${formatAmount(amount, cash)} to escrow; nothing was sent`,
    );
  }
  const allowance = (await cash.contract.allowance(signer.address, actions.address)) as bigint;
  if (allowance >= amount) return false;
  if (!dryRun) {
    await sendChecked(actions.sys, undefined, signer, cash.contract, "approve", [actions.address, amount], "approve");
  }
  return true;
}

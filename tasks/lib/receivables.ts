import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { InvoiceRegistry } from "../../typechain-types";
import { Attr } from "../../scripts/lib/constants";
import {
  type TokenInfo,
  formatAmount,
  latestTime,
  loadToken,
  parseAmount,
  requireContract,
  restrictionOf,
} from "./assets";
import { type Labels, labelAddress } from "./describe";
import { GovError } from "./errors";
import { explainFailure } from "./revert";
import type { TaskSigner } from "./signer";
import type { System } from "./system";

/**
 * What the holder-side receivable tasks (invoice:pay, invoice:claim, invoice:buy-back,
 * invoice:attest, invoice:recover) check before anything is sent, and what they would send. Each
 * `plan*` reads the chain, refuses bad input with a one-line GovError, and returns the call to make
 * and the lines that say what it would do.
 */

/** IInvoiceRegistry.InvoiceStatus by value (Overdue is only reported by statusOf). */
const STATUS_NAMES = [
  "None",
  "Issued",
  "Accepted",
  "Rejected",
  "Cancelled",
  "Paid",
  "Defaulted",
  "Split",
  "Overdue",
] as const;
const ISSUED = 1n;
const ACCEPTED = 2n;
const DEFAULTED = 6n;

/** Who may hold a receivable (the registry's HOLDER_ATTRIBUTES). */
const HOLDER_ATTRIBUTES = Attr.SUPPLIER | Attr.FINANCIER;

export const INVOICE_VERIFIER_ROLE = ethers.id("INVOICE_VERIFIER_ROLE");
export const RECOVERY_AGENT_ROLE = ethers.id("RECOVERY_AGENT_ROLE");

/** A call to the invoice registry the task would send, and what it would do, in words. */
export interface Plan<R> {
  fn: string;
  args: unknown[];
  /** Names the operation in errors ("the payment"). */
  what: string;
  lines: string[];
  result: R;
}

/** The deployment's invoice registry, typed. */
export function invoiceRegistryOf(sys: System): InvoiceRegistry {
  return requireContract(sys, "invoice-registry") as unknown as InvoiceRegistry;
}

export { parseInvoiceId } from "./invoiceRef";

/** An evidence hash: a 0x hash of 64 hex digits, or a file whose keccak256 is taken. */
export function parseEvidence(value: unknown): { hash: string; file?: string } {
  const text = String(value ?? "").trim();
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) return { hash: text.toLowerCase() };
  const file = path.resolve(text);
  if (text !== "" && fs.existsSync(file) && fs.statSync(file).isFile()) {
    return { hash: ethers.keccak256(fs.readFileSync(file)), file };
  }
  throw new GovError(`--evidence "${text}" is neither a 0x hash (64 hex digits) nor a readable file`);
}

/** An invoice as the tasks need it: record, status (with Overdue), holder, outstanding, currency. */
export interface LoadedInvoice {
  id: bigint;
  key: string;
  status: string;
  /** The stored status (Accepted while Overdue). */
  storedStatus: bigint;
  supplier: string;
  debtor: string;
  holder: string;
  faceValue: bigint;
  paid: bigint;
  outstanding: bigint;
  dueDate: bigint;
  attested: boolean;
  defaulted: boolean;
  currency: TokenInfo;
}

/** The invoice `id`, or a one-line error if the registry has none. */
export async function loadInvoice(sys: System, id: bigint): Promise<LoadedInvoice> {
  const registry = invoiceRegistryOf(sys);
  const key = ethers.toBeHex(id, 32);
  const statusValue = await registry.statusOf(id);
  if (statusValue === 0n) throw new GovError(`no invoice ${key} on the invoice registry ${registry.target as string}`);
  const [invoice, outstanding] = await Promise.all([registry.invoiceOf(id), registry.outstanding(id)]);
  const holder = await registry.ownerOf(id).catch(() => ethers.ZeroAddress);
  return {
    id,
    key,
    status: STATUS_NAMES[Number(statusValue)] ?? `status ${statusValue}`,
    storedStatus: invoice.status,
    supplier: invoice.supplier,
    debtor: invoice.debtor,
    holder,
    faceValue: invoice.faceValue,
    paid: invoice.paid,
    outstanding,
    dueDate: invoice.dueDate,
    attested: invoice.attested,
    defaulted: invoice.defaulted,
    currency: await loadToken(sys, invoice.currency, "the invoice currency"),
  };
}

/** Refuses at once while the registry is paused (every change is then blocked). */
export async function requireRegistryRunning(sys: System, doing: string): Promise<void> {
  if (await invoiceRegistryOf(sys).paused()) {
    throw new GovError(`the invoice registry is paused by a guardian: cannot ${doing} until governance unpauses it`);
  }
}

/** Refuses unless `account` holds `role` on the registry. */
async function requireRole(sys: System, labels: Labels, role: string, roleName: string, account: string) {
  if (!(await invoiceRegistryOf(sys).hasRole(role, account))) {
    throw new GovError(
      `${labelAddress(labels, account)} does not hold the invoice registry's ${roleName} (governance grants it)`,
    );
  }
}

/** Refuses unless `payer` holds `amount` and has approved the registry for it. */
async function requireFunds(sys: System, labels: Labels, payer: string, amount: bigint, token: TokenInfo) {
  const registry = invoiceRegistryOf(sys).target as string;
  const [balance, allowance] = await Promise.all([
    token.contract.balanceOf(payer) as Promise<bigint>,
    token.contract.allowance(payer, registry) as Promise<bigint>,
  ]);
  if (balance < amount) {
    throw new GovError(
      `${labelAddress(labels, payer)} holds ${formatAmount(balance, token)}, less than the ${formatAmount(amount, token)} needed`,
    );
  }
  if (allowance < amount) {
    throw new GovError(
      `${labelAddress(labels, payer)} has approved the invoice registry ${registry} for only ${formatAmount(allowance, token)} ` +
        `(${formatAmount(amount, token)} needed: approve it on ${token.symbol} first)`,
    );
  }
}

/** Simulates the call from `signer` (nothing is sent); a call that would revert is a one-line error. */
export async function simulate(sys: System, labels: Labels, signer: TaskSigner, plan: Plan<unknown>): Promise<void> {
  const method = (invoiceRegistryOf(sys).connect(signer) as ethers.BaseContract).getFunction(plan.fn);
  try {
    await method.staticCall(...plan.args);
  } catch (e) {
    throw new GovError(`${plan.what} would fail: ${explainFailure(sys.errors, labels, e)}; nothing was sent`);
  }
}

/** When a payment made now counts for the debtor's record. */
function timingOf(invoice: LoadedInvoice, now: bigint): "on time" | "late" | "after default" {
  if (invoice.storedStatus === DEFAULTED) return "after default";
  return now > invoice.dueDate ? "late" : "on time";
}

export interface PayResult {
  id: bigint;
  key: string;
  payer: string;
  holder: string;
  amount: bigint;
  outstandingAfter: bigint;
  timing: string;
  /** True when the holder cannot receive now: the registry holds the cash for it. */
  held: boolean;
  heldReason?: string;
}

/**
 * Plans `pay(id, currency, amount)` from `payer` (default amount: all that is outstanding). Says
 * whether the cash reaches the holder or is held for it, and refuses when the payer's own leg fails.
 */
export async function planPay(
  sys: System,
  labels: Labels,
  payer: string,
  id: bigint,
  amountText: string | undefined,
): Promise<Plan<PayResult>> {
  const invoice = await loadInvoice(sys, id);
  if (invoice.storedStatus !== ACCEPTED && invoice.storedStatus !== DEFAULTED) {
    throw new GovError(
      `invoice ${invoice.key} is ${invoice.status}: only Accepted or Defaulted receivables take payments`,
    );
  }
  const token = invoice.currency;
  const amount = amountText !== undefined ? parseAmount(amountText, token, "the amount") : invoice.outstanding;
  if (amount > invoice.outstanding) {
    throw new GovError(
      `${formatAmount(amount, token)} is more than the ${formatAmount(invoice.outstanding, token)} outstanding on invoice ${invoice.key}`,
    );
  }
  await requireRegistryRunning(sys, "pay");
  await requireFunds(sys, labels, payer, amount, token);
  const registry = invoiceRegistryOf(sys).target as string;
  const toHolder = await restrictionOf(token, payer, invoice.holder, amount);
  let held = false;
  let heldReason: string | undefined;
  if (toHolder.code !== 0) {
    const toRegistry = await restrictionOf(token, payer, registry, amount);
    if (toRegistry.code !== 0) {
      throw new GovError(
        `the payment would fail: ${token.symbol} refuses the payer's own leg (restriction ${toRegistry.code} "${toRegistry.message}")`,
      );
    }
    held = true;
    heldReason = `restriction ${toHolder.code} "${toHolder.message}"`;
  }
  const timing = timingOf(invoice, await latestTime(sys));
  const outstandingAfter = invoice.outstanding - amount;
  const lines = [
    `Payment of ${formatAmount(amount, token)} on invoice ${invoice.key} (${invoice.status}) by ${labelAddress(labels, payer)}, ${timing}; ` +
      `outstanding after: ${formatAmount(outstandingAfter, token)}${outstandingAfter === 0n ? " (paid in full)" : ""}.`,
    held
      ? `  The holder ${labelAddress(labels, invoice.holder)} cannot receive it now (${heldReason}): the registry will hold it for the holder, who claims it with invoice:claim.`
      : `  The cash goes to the holder ${labelAddress(labels, invoice.holder)}.`,
  ];
  return {
    fn: "pay",
    args: [id, token.address, amount],
    what: "the payment",
    lines,
    result: {
      id,
      key: invoice.key,
      payer,
      holder: invoice.holder,
      amount,
      outstandingAfter,
      timing,
      held,
      heldReason,
    },
  };
}

export interface ClaimResult {
  holder: string;
  claimant: string;
  currency: string;
  amount: bigint;
}

/** Plans `claimHeld(holder, currency)` from `claimant` (the holder or a wallet of its entity). */
export async function planClaim(
  sys: System,
  labels: Labels,
  claimant: string,
  holder: string,
  token: TokenInfo,
): Promise<Plan<ClaimResult>> {
  const registry = invoiceRegistryOf(sys);
  const amount = await registry.heldPayments(holder, token.address);
  if (amount === 0n) {
    throw new GovError(`no payment is held for ${labelAddress(labels, holder)} in ${token.symbol}: nothing to claim`);
  }
  if (holder.toLowerCase() !== claimant.toLowerCase()) {
    const identity = requireContract(sys, "identity-registry");
    const [a, b] = (await Promise.all([identity.entityOf(holder), identity.entityOf(claimant)])) as string[];
    if (a === ethers.ZeroHash || a !== b) {
      throw new GovError(
        `${labelAddress(labels, claimant)} is not a wallet of the same entity as ${labelAddress(labels, holder)}: only that entity may claim its held payments`,
      );
    }
  }
  await requireRegistryRunning(sys, "claim held payments");
  const out = await restrictionOf(token, registry.target as string, claimant, amount);
  if (out.code !== 0) {
    throw new GovError(
      `${labelAddress(labels, claimant)} cannot receive ${formatAmount(amount, token)} now (restriction ${out.code} "${out.message}"): the payment stays held`,
    );
  }
  const lines = [
    `Claim of ${formatAmount(amount, token)} held for ${labelAddress(labels, holder)}, paid to ${labelAddress(labels, claimant)}.`,
  ];
  return {
    fn: "claimHeld",
    args: [holder, token.address],
    what: "the claim",
    lines,
    result: { holder, claimant, currency: token.address, amount },
  };
}

export interface BuyBackResult {
  id: bigint;
  key: string;
  seller: string;
  financier: string;
  price: bigint;
}

/** Plans `buyBack(id)` from `seller`, at the recourse price agreed on chain when it was financed. */
export async function planBuyBack(
  sys: System,
  labels: Labels,
  seller: string,
  id: bigint,
): Promise<Plan<BuyBackResult>> {
  const invoice = await loadInvoice(sys, id);
  const recourse = await invoiceRegistryOf(sys).recourseOf(id);
  if (recourse.seller === ethers.ZeroAddress) {
    throw new GovError(`invoice ${invoice.key} has no recourse agreed: it was not financed with a buy-back price`);
  }
  if (recourse.seller.toLowerCase() !== seller.toLowerCase()) {
    throw new GovError(
      `the recourse on invoice ${invoice.key} is ${labelAddress(labels, recourse.seller)}'s, not ${labelAddress(labels, seller)}'s`,
    );
  }
  if (invoice.holder.toLowerCase() !== recourse.financier.toLowerCase()) {
    throw new GovError(
      `the recourse on invoice ${invoice.key} lapsed: ${labelAddress(labels, recourse.financier)} no longer holds it (${labelAddress(labels, invoice.holder)} does)`,
    );
  }
  if (invoice.storedStatus !== ACCEPTED && invoice.storedStatus !== DEFAULTED) {
    throw new GovError(`invoice ${invoice.key} is ${invoice.status}: only Accepted or Defaulted receivables move`);
  }
  await requireRegistryRunning(sys, "buy back");
  const token = invoice.currency;
  await requireFunds(sys, labels, seller, recourse.price, token);
  const leg = await restrictionOf(token, seller, recourse.financier, recourse.price);
  if (leg.code !== 0) {
    throw new GovError(`the price cannot reach the financier: restriction ${leg.code} "${leg.message}"`);
  }
  return {
    fn: "buyBack",
    args: [id],
    what: "the buy-back",
    lines: [
      `Buy-back of invoice ${invoice.key} (${invoice.status}, outstanding ${formatAmount(invoice.outstanding, token)}) by ` +
        `${labelAddress(labels, seller)} from ${labelAddress(labels, recourse.financier)} for ${formatAmount(recourse.price, token)} (the recourse price agreed on chain).`,
    ],
    result: { id, key: invoice.key, seller, financier: recourse.financier, price: recourse.price },
  };
}

export interface AttestResult {
  id: bigint;
  key: string;
  verifier: string;
  evidenceHash: string;
}

/** Plans `attestInvoice(id, evidenceHash)` from an INVOICE_VERIFIER_ROLE holder. */
export async function planAttest(
  sys: System,
  labels: Labels,
  verifier: string,
  id: bigint,
  evidenceHash: string,
): Promise<Plan<AttestResult>> {
  await requireRole(sys, labels, INVOICE_VERIFIER_ROLE, "INVOICE_VERIFIER_ROLE", verifier);
  const invoice = await loadInvoice(sys, id);
  if (invoice.storedStatus !== ISSUED && invoice.storedStatus !== ACCEPTED) {
    throw new GovError(`invoice ${invoice.key} is ${invoice.status}: only Issued or Accepted invoices are attested`);
  }
  if (invoice.attested) throw new GovError(`invoice ${invoice.key} is already attested`);
  await requireRegistryRunning(sys, "attest");
  return {
    fn: "attestInvoice",
    args: [id, evidenceHash],
    what: "the attestation",
    lines: [
      `Attestation of invoice ${invoice.key} (${invoice.status}) by ${labelAddress(labels, verifier)}, evidence ${evidenceHash}.`,
    ],
    result: { id, key: invoice.key, verifier, evidenceHash },
  };
}

export interface RecoverResult {
  id: bigint;
  key: string;
  lostWallet: string;
  newWallet: string;
  /** Payments held for the lost wallet in the invoice's currency (the new wallet claims them). */
  heldForLostWallet: bigint;
}

/** Plans `recoverReceivable(id, newWallet)` from a RECOVERY_AGENT_ROLE holder. */
export async function planRecover(
  sys: System,
  labels: Labels,
  agent: string,
  id: bigint,
  newWallet: string,
): Promise<Plan<RecoverResult>> {
  await requireRole(sys, labels, RECOVERY_AGENT_ROLE, "RECOVERY_AGENT_ROLE", agent);
  const invoice = await loadInvoice(sys, id);
  if (invoice.holder === ethers.ZeroAddress) throw new GovError(`invoice ${invoice.key} has no holder to recover from`);
  const lostWallet = invoice.holder;
  if (lostWallet.toLowerCase() === newWallet.toLowerCase()) {
    throw new GovError(`${labelAddress(labels, newWallet)} already holds invoice ${invoice.key}`);
  }
  const identity = requireContract(sys, "identity-registry");
  const [lostEntity, newEntity] = (await Promise.all([
    identity.entityOf(lostWallet),
    identity.entityOf(newWallet),
  ])) as string[];
  if (lostEntity === ethers.ZeroHash || lostEntity !== newEntity) {
    throw new GovError(
      `${labelAddress(labels, newWallet)} is not a wallet of the same entity as the holder ${labelAddress(labels, lostWallet)}`,
    );
  }
  const verified = (await identity.isVerified(newWallet)) as boolean;
  const attributes = verified ? Number((await identity.identityOf(newWallet)).attributes) : 0;
  if (!verified || (attributes & HOLDER_ATTRIBUTES) === 0) {
    throw new GovError(
      `${labelAddress(labels, newWallet)} may not hold receivables: it must be verified as a supplier or financier`,
    );
  }
  await requireRegistryRunning(sys, "recover");
  const token = invoice.currency;
  const heldForLostWallet = await invoiceRegistryOf(sys).heldPayments(lostWallet, token.address);
  const lines = [
    `Recovery of invoice ${invoice.key} (${invoice.status}) from the lost wallet ${labelAddress(labels, lostWallet)} to ${labelAddress(labels, newWallet)} (same entity).`,
  ];
  if (heldForLostWallet > 0n) {
    lines.push(
      `  ${formatAmount(heldForLostWallet, token)} is held for the lost wallet: the new wallet claims it with invoice:claim --holder ${lostWallet}.`,
    );
  }
  return {
    fn: "recoverReceivable",
    args: [id, newWallet],
    what: "the recovery",
    lines,
    result: { id, key: invoice.key, lostWallet, newWallet, heldForLostWallet },
  };
}

import { ethers } from "ethers";
import {
  type TokenInfo,
  deploymentBlock,
  formatAmount,
  latestTime,
  loadToken,
  parseAmount,
  queryLogs,
  requireContract,
} from "./assets";
import { parseHash } from "./corporateActions";
import {
  type Labels,
  entityLabelOf,
  formatTime,
  labelAddress,
  labelEntity,
  withEntityLabels,
  withLabels,
} from "./describe";
import { GovError } from "./errors";
import { parseEntity } from "./identity";
import { parseAddress, parseWhole } from "./parse";
import { explainFailure } from "./revert";
import type { TaskSigner } from "./signer";
import type { System } from "./system";
import { sendChecked } from "./tx";

/** Mirrors ICreditRegistry.AdverseKind (command-line names). */
export const ADVERSE_KINDS = ["default", "late-payment", "insolvency", "fraud", "litigation", "other"] as const;
/** Mirrors ICreditRegistry.RecordStatus. */
export const RECORD_STATUS = ["none", "filed", "disputed", "upheld", "struck"] as const;
const REPORTER_ROLE = ethers.id("REPORTER_ROLE");

/** The deployment's credit registry (a one-line error when it has none). */
export function requireCredit(sys: System): ethers.Contract {
  return requireContract(sys, "credit-registry");
}

/** An entity as given on the command line: its id, and the words to print for it. */
export interface EntityRef {
  id: string;
  label: string;
}

/** An entity the identity registry knows: a 0x 32-byte id or the name its id is hashed from. */
export async function resolveEntity(sys: System, value: unknown, what: string, labels?: Labels): Promise<EntityRef> {
  const id = parseEntity(value, what);
  const identity = requireContract(sys, "identity-registry");
  if ((await identity.entityIndexOf(id)) === 0n) {
    throw new GovError(`${what}: entity "${String(value)}" is not registered in the identity registry`);
  }
  const text = String(value).trim();
  if (entityLabelOf(labels, id) !== null || /^0x/i.test(text)) return { id, label: entityLabel(id, labels) };
  return { id, label: `${text} (${entityLabel(id)})` };
}

/** A short form of an entity id, after its name in labels.json when it has one: `Pearl River Bank (0x1234abcd…)`. */
export function entityLabel(id: string, labels?: Labels): string {
  return labelEntity(labels, id, true);
}

/** The currency to use: `--currency` (an address or cash-token), else the registry's base currency. */
export async function resolveCurrency(sys: System, value: unknown): Promise<TokenInfo> {
  const credit = requireCredit(sys);
  if (value === undefined || value === null || String(value).trim() === "") {
    return loadToken(sys, (await credit.baseCurrency()) as string, "currency");
  }
  const text = String(value).trim();
  if (text.toLowerCase() === "cash-token")
    return loadToken(sys, requireContract(sys, "cash-token").target as string, "currency");
  return loadToken(sys, parseAddress(text, "--currency"), "--currency");
}

/** A line's expiry: unix seconds, an ISO date, or a number of days from now (`365d`). */
export function parseExpiry(value: unknown, now: bigint): bigint {
  const text = String(value ?? "").trim();
  const days = /^(\d{1,5})d$/.exec(text);
  let at: bigint;
  if (days) at = now + BigInt(days[1]) * 86_400n;
  else if (/^\d{1,10}$/.test(text)) at = BigInt(text);
  else {
    const ms = Date.parse(text);
    if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms)) {
      throw new GovError(
        `--expiry: "${text}" is not a time (unix seconds, an ISO date, or days from now such as 365d)`,
      );
    }
    at = BigInt(Math.floor(ms / 1000));
  }
  if (at <= now) throw new GovError(`--expiry: ${formatTime(at)} is not in the future`);
  if (at >= 2n ** 64n) throw new GovError(`--expiry: ${text} is too far`);
  return at;
}

/** An adverse record's kind by name. */
export function parseKind(value: unknown): number {
  const text = String(value ?? "")
    .trim()
    .toLowerCase();
  const index = (ADVERSE_KINDS as readonly string[]).indexOf(text);
  if (index < 0) throw new GovError(`kind: "${text}" is not one of ${ADVERSE_KINDS.join(", ")}`);
  return index;
}

/** An adverse record's number: it must exist. */
export async function parseRecordId(sys: System, value: unknown): Promise<bigint> {
  const id = parseWhole(value, "record", 1n);
  const count = (await requireCredit(sys).adverseRecordCount()) as bigint;
  if (id > count) throw new GovError(`record: there is no adverse record ${id} (${count} filed so far)`);
  return id;
}

/** A line in words and numbers. */
export interface LineView {
  lender: string;
  counterparty: string;
  currency: string;
  symbol: string;
  limit: string;
  exposure: string;
  headroom: string;
  expiry: number;
  expired: boolean;
  overLimit: boolean;
}

async function lineView(sys: System, lender: string, counterparty: string, now: bigint): Promise<LineView> {
  const credit = requireCredit(sys);
  const line = (await credit.lineOf(lender, counterparty)) as { currency: string; limit: bigint; expiry: bigint };
  const token = await loadToken(sys, line.currency, "line currency");
  const [exposure, headroom] = (await Promise.all([
    credit.exposureIn(lender, counterparty, line.currency),
    credit.headroom(lender, counterparty),
  ])) as [bigint, bigint];
  return {
    lender,
    counterparty,
    currency: line.currency,
    symbol: token.symbol,
    limit: formatAmount(line.limit, token),
    exposure: formatAmount(exposure, token),
    headroom: formatAmount(headroom, token),
    expiry: Number(line.expiry),
    expired: line.expiry <= now,
    overLimit: exposure > line.limit,
  };
}

/** One line in words, from the lender's side or the counterparty's. */
export function lineText(l: LineView, side: "granted" | "received", labels?: Labels): string {
  const other =
    side === "granted" ? `to ${entityLabel(l.counterparty, labels)}` : `from ${entityLabel(l.lender, labels)}`;
  const state = l.expired
    ? "EXPIRED (nothing new under it)"
    : l.overLimit
      ? "cut below its exposure (nothing new until it falls)"
      : `${l.headroom} headroom`;
  return `${other}: limit ${l.limit}, used ${l.exposure}, ${state}, expires ${formatTime(BigInt(l.expiry))}`;
}

/** An adverse record in numbers and words. */
export interface AdverseView {
  id: number;
  subject: string;
  reporter: string;
  kind: string;
  status: string;
  date: number;
  filedAt: number;
  currency: string;
  amount: string;
  evidenceHash: string;
  disputeHash: string;
}

async function adverseView(sys: System, id: bigint): Promise<AdverseView> {
  const r = (await requireCredit(sys).adverseRecord(id)) as {
    subject: string;
    reporter: string;
    kind: bigint;
    status: bigint;
    date: bigint;
    filedAt: bigint;
    currency: string;
    amount: bigint;
    evidenceHash: string;
    disputeHash: string;
  };
  let amount = r.amount.toString();
  if (r.currency !== ethers.ZeroAddress) amount = formatAmount(r.amount, await loadToken(sys, r.currency, "currency"));
  return {
    id: Number(id),
    subject: r.subject,
    reporter: r.reporter,
    kind: ADVERSE_KINDS[Number(r.kind)],
    status: RECORD_STATUS[Number(r.status)],
    date: Number(r.date),
    filedAt: Number(r.filedAt),
    currency: r.currency,
    amount,
    evidenceHash: r.evidenceHash,
    disputeHash: r.disputeHash,
  };
}

/** An adverse record in words. */
export function adverseText(a: AdverseView, labels?: Labels): string {
  const disputed = a.disputeHash !== ethers.ZeroHash ? `; disputed by the subject (evidence ${a.disputeHash})` : "";
  const decision =
    a.status === "upheld"
      ? "; governance upheld it"
      : a.status === "struck"
        ? "; governance struck it (kept, marked struck)"
        : a.status === "disputed"
          ? "; awaiting governance"
          : "";
  return (
    `#${a.id} ${a.kind}, ${a.amount}, on ${formatTime(BigInt(a.date))}, filed by ${labelAddress(labels, a.reporter)} ` +
    `(evidence ${a.evidenceHash})${disputed}${decision}`
  );
}

/** Everything credit:show prints about an entity (its --json shape). */
export interface CreditShow {
  entity: string;
  currency: string;
  symbol: string;
  enforced: boolean;
  record: {
    accepted: string;
    acceptedCount: number;
    outstanding: string;
    paidOnTime: string;
    paidOnTimeCount: number;
    paidLate: string;
    paidLateCount: number;
    defaulted: string;
    defaultedCount: number;
    linesReceived: number;
    totalLimit: string;
    totalUsed: string;
    adverseRecords: number;
    disputed: number;
    upheld: number;
    struck: number;
  };
  ceiling: { outstanding: string; ceiling: string | null };
  linesGranted: LineView[];
  linesReceived: LineView[];
  exposures: { debtor: string; currency: string; amount: string }[];
  adverseRecords: AdverseView[];
}

/** The shared credit record of `entity`, its lines both ways, its exposures and adverse records. */
export async function creditShow(sys: System, entity: EntityRef, currencyArg?: string): Promise<CreditShow> {
  const credit = requireCredit(sys);
  const token = await resolveCurrency(sys, currencyArg);
  const now = await latestTime(sys);
  const r = (await credit.recordIn(entity.id, token.address)) as {
    payment: {
      acceptedValue: bigint;
      outstanding: bigint;
      acceptedCount: bigint;
      paidOnTimeCount: bigint;
      paidLateCount: bigint;
      defaultedCount: bigint;
      paidOnTimeValue: bigint;
      paidLateValue: bigint;
      defaultedValue: bigint;
    };
    linesReceived: bigint;
    totalLimit: bigint;
    totalUsed: bigint;
    adverseRecords: bigint;
    disputed: bigint;
    upheld: bigint;
    struck: bigint;
  };
  const fmt = (v: bigint) => formatAmount(v, token);
  const ceiling = (await credit.debtorCeilingOf(entity.id, token.address)) as {
    outstanding: bigint;
    ceiling: bigint;
    active: boolean;
  };
  const granted = (await credit.linesGrantedBy(entity.id)) as string[];
  const received = (await credit.linesReceivedBy(entity.id)) as string[];
  const ids = (await credit.adverseRecordsOf(entity.id)) as bigint[];
  return {
    entity: entity.id,
    currency: token.address,
    symbol: token.symbol,
    enforced: (await credit.isEnforced(entity.id)) as boolean,
    record: {
      accepted: fmt(r.payment.acceptedValue),
      acceptedCount: Number(r.payment.acceptedCount),
      outstanding: fmt(r.payment.outstanding),
      paidOnTime: fmt(r.payment.paidOnTimeValue),
      paidOnTimeCount: Number(r.payment.paidOnTimeCount),
      paidLate: fmt(r.payment.paidLateValue),
      paidLateCount: Number(r.payment.paidLateCount),
      defaulted: fmt(r.payment.defaultedValue),
      defaultedCount: Number(r.payment.defaultedCount),
      linesReceived: Number(r.linesReceived),
      totalLimit: fmt(r.totalLimit),
      totalUsed: fmt(r.totalUsed),
      adverseRecords: Number(r.adverseRecords),
      disputed: Number(r.disputed),
      upheld: Number(r.upheld),
      struck: Number(r.struck),
    },
    ceiling: { outstanding: fmt(ceiling.outstanding), ceiling: ceiling.active ? fmt(ceiling.ceiling) : null },
    linesGranted: await Promise.all(granted.map((cp) => lineView(sys, entity.id, cp, now))),
    linesReceived: await Promise.all(received.map((lender) => lineView(sys, lender, entity.id, now))),
    exposures: await exposuresOf(sys, entity.id),
    adverseRecords: await Promise.all(ids.map((id) => adverseView(sys, id))),
  };
}

/** The entity's non-zero exposures as a holder, found from the registry's ExposureChanged events. */
async function exposuresOf(sys: System, entity: string): Promise<CreditShow["exposures"]> {
  const credit = requireCredit(sys);
  const identity = requireContract(sys, "identity-registry");
  const index = (await identity.entityIndexOf(entity)) as bigint;
  const topic = credit.interface.getEvent("ExposureChanged")!.topicHash;
  const address = credit.target as string;
  const logs = await queryLogs(
    sys,
    { address, topics: [topic, null, ethers.toBeHex(index, 32)] },
    await deploymentBlock(sys, address),
  );
  const seen = new Map<string, { debtorIndex: bigint; currency: string }>();
  for (const log of logs) {
    const parsed = credit.interface.parseLog(log)!;
    const debtorIndex = parsed.args.debtorEntityIndex as bigint;
    const currency = parsed.args.currency as string;
    seen.set(`${debtorIndex}:${currency}`, { debtorIndex, currency });
  }
  const out: CreditShow["exposures"] = [];
  for (const { debtorIndex, currency } of seen.values()) {
    const debtor = (await identity.entityIdAt(debtorIndex)) as string;
    const amount = (await credit.exposureIn(entity, debtor, currency)) as bigint;
    if (amount === 0n) continue;
    out.push({ debtor, currency, amount: formatAmount(amount, await loadToken(sys, currency, "currency")) });
  }
  return out;
}

/** credit:show's text. */
export function creditShowLines(s: CreditShow, label: string, labels?: Labels): string[] {
  const r = s.record;
  const lines = [
    `Credit record of ${label}, in ${s.symbol} (${s.currency}):`,
    `  as a debtor: ${r.acceptedCount} receivable(s) accepted for ${r.accepted}; ${r.outstanding} outstanding;`,
    `    paid on time ${r.paidOnTimeCount} (${r.paidOnTime}), paid late ${r.paidLateCount} (${r.paidLate}), ` +
      `defaulted ${r.defaultedCount} (${r.defaulted})`,
    `  consortium ceiling on its accepted-but-unpaid receivables: ${s.ceiling.ceiling ?? "none"} ` +
      `(now ${s.ceiling.outstanding})`,
    `  lines received: ${r.linesReceived} open line(s); in ${s.symbol}: limit ${r.totalLimit}, used ${r.totalUsed}`,
  ];
  for (const l of s.linesReceived) lines.push(`    ${lineText(l, "received", labels)}`);
  lines.push(
    `  lines granted: ${s.linesGranted.length} (enforcement ${s.enforced ? "ON: receivables beyond its lines are refused" : "off"})`,
  );
  for (const l of s.linesGranted) lines.push(`    ${lineText(l, "granted", labels)}`);
  lines.push(`  exposures as a holder of receivables: ${s.exposures.length === 0 ? "none" : ""}`);
  for (const e of s.exposures) lines.push(`    on ${entityLabel(e.debtor, labels)}: ${e.amount}`);
  lines.push(
    `  adverse records: ${r.adverseRecords} (${r.disputed} disputed awaiting governance, ${r.upheld} upheld, ` +
      `${r.struck} struck)`,
  );
  for (const a of s.adverseRecords) lines.push(`    ${adverseText(a, labels)}`);
  return lines;
}

/** credit:show's JSON: the record with a label (or null) beside each entity and address. */
export function labelCreditShow(labels: Labels, s: CreditShow) {
  const line = (l: LineView) => withEntityLabels(labels, l, "lender", "counterparty");
  return {
    ...withEntityLabels(labels, s, "entity"),
    linesGranted: s.linesGranted.map(line),
    linesReceived: s.linesReceived.map(line),
    exposures: s.exposures.map((e) => withEntityLabels(labels, e, "debtor")),
    adverseRecords: s.adverseRecords.map((a) => withLabels(labels, withEntityLabels(labels, a, "subject"), "reporter")),
  };
}

/** credit:exposure's JSON: the view with the lender's and debtor's labels (or null). */
export function labelExposure(labels: Labels, v: ExposureView) {
  return {
    ...withEntityLabels(labels, v, "lender", "debtor"),
    line: v.line && withEntityLabels(labels, v.line, "lender", "counterparty"),
  };
}

/** credit:exposure's result. */
export interface ExposureView {
  lender: string;
  debtor: string;
  enforced: boolean;
  line: LineView | null;
  /** Exposure in the line's currency, else the base currency. */
  exposure: string;
  currency: string;
}

export async function exposureView(sys: System, lender: EntityRef, debtor: EntityRef): Promise<ExposureView> {
  const credit = requireCredit(sys);
  const now = await latestTime(sys);
  const line = (await credit.lineOf(lender.id, debtor.id)) as { currency: string; limit: bigint };
  const currency = line.limit === 0n ? ((await credit.baseCurrency()) as string) : line.currency;
  const token = await loadToken(sys, currency, "currency");
  return {
    lender: lender.id,
    debtor: debtor.id,
    enforced: (await credit.isEnforced(lender.id)) as boolean,
    line: line.limit === 0n ? null : await lineView(sys, lender.id, debtor.id, now),
    exposure: formatAmount((await credit.exposure(lender.id, debtor.id)) as bigint, token),
    currency,
  };
}

/**
 * What the financier's entity's line says about taking `amount` more on the debtor, in words, and
 * whether the registry would refuse it (only when the entity enforces its lines).
 */
export async function lineCheck(
  sys: System,
  financier: string,
  debtorWallet: string,
  currency: string,
  amount: bigint,
): Promise<{ text: string; refused: boolean } | undefined> {
  const credit = sys.contracts["credit-registry"];
  if (!credit) return undefined;
  const identity = requireContract(sys, "identity-registry");
  const [lender, debtor] = (await Promise.all([identity.entityOf(financier), identity.entityOf(debtorWallet)])) as [
    string,
    string,
  ];
  if (lender === ethers.ZeroHash || debtor === ethers.ZeroHash) return undefined;
  const token = await loadToken(sys, currency, "currency");
  const [enforced, line, current] = (await Promise.all([
    credit.isEnforced(lender),
    credit.lineOf(lender, debtor),
    credit.exposureIn(lender, debtor, currency),
  ])) as [boolean, { currency: string; limit: bigint; expiry: bigint }, bigint];
  const now = await latestTime(sys);
  const after = current + amount;
  const mode = enforced ? "enforced" : "not enforced: advisory only";
  let problem: string | undefined;
  if (line.limit === 0n || line.currency.toLowerCase() !== currency.toLowerCase()) {
    problem = `your entity has no credit line on the debtor in ${token.symbol}`;
  } else if (line.expiry <= now) {
    problem = `your entity's line on the debtor expired ${formatTime(line.expiry)}`;
  } else if (after > line.limit) {
    problem =
      `taking it would raise your entity's exposure to the debtor from ${formatAmount(current, token)} to ` +
      `${formatAmount(after, token)}, above its line of ${formatAmount(line.limit, token)}`;
  }
  if (problem) return { text: `credit line check: ${problem} (${mode})`, refused: enforced };
  return {
    text:
      `credit line check: within the line: exposure ${formatAmount(current, token)} -> ${formatAmount(after, token)} ` +
      `of ${formatAmount(line.limit, token)} (${mode})`,
    refused: false,
  };
}

/** Sends (or with dryRun only simulates) one call to the credit registry. */
export async function sendCredit(
  sys: System,
  signer: TaskSigner,
  fn: string,
  args: unknown[],
  what: string,
  dryRun: boolean,
): Promise<{ dryRun: boolean; txHash?: string }> {
  const credit = requireCredit(sys);
  const fragments = new Map<string, ethers.ErrorFragment>();
  sys.errors.forEachError((e) => fragments.set(e.selector, e));
  credit.interface.forEachError((e) => fragments.set(e.selector, e));
  const withErrors: System = { ...sys, errors: new ethers.Interface([...fragments.values()]) };
  if (dryRun) {
    try {
      await (credit.connect(signer) as ethers.Contract).getFunction(fn).staticCall(...args);
    } catch (e) {
      throw new GovError(`${what} would fail: ${explainFailure(withErrors.errors, undefined, e)}; nothing was sent`);
    }
    return { dryRun: true };
  }
  const receipt = await sendChecked(withErrors, undefined, signer, credit, fn, args, what);
  return { dryRun: false, txHash: receipt.hash };
}

export { parseAmount, parseHash };

// ------------------------------------------------------------------ gov:propose actions

/** gov:propose's named actions for the credit registry (issue 12). */
export const CREDIT_ACTION_USAGE: Record<string, string> = {
  "set-debtor-ceiling": "set-debtor-ceiling <entity> <amount|none> [currency]",
  "appoint-reporter": "appoint-reporter <account>",
  "uphold-record": "uphold-record <record>",
  "strike-record": "strike-record <record>",
};

/** The timelock's call(s) for one credit action (`verb` lower-cased). */
export async function buildCreditAction(
  sys: System,
  verb: string,
  args: string[],
  text: string,
): Promise<{ target: string; value: bigint; data: string; source: string }[]> {
  const what = `action "${verb}"`;
  const usage = CREDIT_ACTION_USAGE[verb];
  const required = usage.split(" ").filter((w) => w.startsWith("<")).length;
  const allowed = usage.split(" ").length - 1;
  if (args.length < required || args.length > allowed) throw new GovError(`${what}: expected ${usage}`);
  const credit = requireCredit(sys);
  const call = (fn: string, fnArgs: unknown[]) => ({
    target: credit.target as string,
    value: 0n,
    data: credit.interface.encodeFunctionData(fn, fnArgs),
    source: text,
  });
  switch (verb) {
    case "set-debtor-ceiling": {
      const debtor = await resolveEntity(sys, args[0], `${what} entity`);
      const token = await resolveCurrency(sys, args[2]);
      if (args[1].toLowerCase() === "none") return [call("removeDebtorCeiling", [debtor.id, token.address])];
      const amount = parseAmount(args[1], token, `${what} amount`, 0n, 2n ** 120n - 1n);
      return [call("setDebtorCeiling", [debtor.id, token.address, amount])];
    }
    case "appoint-reporter":
      return [call("grantRole", [REPORTER_ROLE, parseAddress(args[0], `${what} account`)])];
    default: {
      const id = await parseRecordId(sys, args[0]);
      const status = RECORD_STATUS[Number(((await credit.adverseRecord(id)) as { status: bigint }).status)];
      if (status !== "disputed") {
        throw new GovError(`${what}: record ${id} is ${status}; only a disputed record is upheld or struck`);
      }
      return [call(verb === "uphold-record" ? "upholdRecord" : "strikeRecord", [id])];
    }
  }
}

// ------------------------------------------------------------------ verify-deployment

/** verify-deployment's rows for the credit registry: wired to the invoice registry both ways. */
export async function checkCreditWiring(
  sys: System,
  add: (group: string, name: string, ok: boolean, detail: string) => void,
  label: (address: string) => string,
): Promise<void> {
  const credit = sys.contracts["credit-registry"];
  const invoices = sys.contracts["invoice-registry"];
  if (!credit || !invoices) return;
  const addresses = sys.deployment.addresses;
  const [hook, registry, base, identity] = (await Promise.all([
    invoices.creditHook(),
    credit.invoiceRegistry(),
    credit.baseCurrency(),
    credit.identityRegistry(),
  ])) as [string, string, string, string];
  const same = (a: string, b: string | undefined) => b !== undefined && a.toLowerCase() === b.toLowerCase();
  const ok =
    same(hook, addresses["credit-registry"]) &&
    same(registry, addresses["invoice-registry"]) &&
    same(base, addresses["cash-token"]) &&
    same(identity, addresses["identity-registry"]);
  add(
    "settings",
    "credit-registry",
    ok,
    `invoice registry's credit hook ${label(hook)}; credit registry reads invoice registry ${label(registry)}, ` +
      `identity registry ${label(identity)}, base currency ${label(base)}`,
  );
}

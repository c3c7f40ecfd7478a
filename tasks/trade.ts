import { ethers } from "ethers";
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { DvPSettlement } from "../typechain-types";
import {
  type RestrictionCheck,
  type TokenInfo,
  formatAmount,
  latestTime,
  loadToken,
  parseAmount,
  requireContract,
  resolveToken,
  restrictionOf,
  tokenLabel,
} from "./lib/assets";
import { type Labels, bps, formatTime, formatTimeFrom, labelAddress, labelOf, loadLabels } from "./lib/describe";
import { GovError } from "./lib/errors";
import { type CommonArgs, withDeployment, withKeys } from "./lib/options";
import { parseAddress } from "./lib/parse";
import { type TaskSigner, resolveSigner } from "./lib/signer";
import { type System, abiOf, loadSystem } from "./lib/system";
import { oneLineErrors, print, sendChecked } from "./lib/tx";
import { type NetTicket, grossTransferCount, netPositions, netTransfers } from "./lib/netting";
import { reporter, withJson } from "./lib/output";
import { TICKET_STATUSES, describeReference, parseExpiry, parseReference, parseTicketId } from "./lib/trade";

/** The largest amount a ticket stores (uint96). */
const MAX_LEG_AMOUNT = (1n << 96n) - 1n;

function dvpOf(sys: System): DvPSettlement {
  return requireContract(sys, "dvp-settlement") as unknown as DvPSettlement;
}

/** The trade's terms with their tokens read. */
interface Terms {
  seller: string;
  buyer: string;
  asset: TokenInfo;
  assetAmount: bigint;
  cash: TokenInfo;
  cashAmount: bigint;
}

type LegName = "asset" | "cash" | "fee";

/** What one leg of a trade would meet if it settled now. */
interface LegCheck {
  leg: LegName;
  token: TokenInfo;
  from: string;
  to: string;
  amount: bigint;
  restriction: RestrictionCheck;
  /** One entry per broken rule (restriction, balance, approval), in words. */
  problems: string[];
  /** The leg in words: `asset leg (100 SZPH from the seller 0x... to the buyer 0x...)`. */
  text: string;
}

/**
 * Checks the legs as DvPSettlement does when it settles (each token's detectTransferRestriction:
 * asset seller -> buyer, the whole cash amount buyer -> seller, the fee buyer -> fee recipient),
 * plus what `transferFrom` needs: the sender's balance and its approval of the DvP contract.
 */
async function checkLegs(dvp: DvPSettlement, labels: Labels, terms: Terms): Promise<LegCheck[]> {
  const dvpAddress = dvp.target as string;
  const [[feeRecipient, feeBps], feeAmount] = await Promise.all([dvp.fee(), dvp.feeFor(terms.cashAmount)]);
  const legs: Omit<LegCheck, "restriction" | "problems" | "text">[] = [
    { leg: "asset", token: terms.asset, from: terms.seller, to: terms.buyer, amount: terms.assetAmount },
    { leg: "cash", token: terms.cash, from: terms.buyer, to: terms.seller, amount: terms.cashAmount },
  ];
  if (feeAmount > 0n) {
    legs.push({ leg: "fee", token: terms.cash, from: terms.buyer, to: feeRecipient, amount: feeAmount });
  }
  const role = (address: string) =>
    address === terms.seller ? "the seller" : address === terms.buyer ? "the buyer" : "the fee recipient";
  const checks: LegCheck[] = [];
  for (const leg of legs) {
    const fmt = (v: bigint) => formatAmount(v, leg.token);
    const text =
      `${leg.leg} leg (${fmt(leg.amount)} from ${role(leg.from)} ${labelAddress(labels, leg.from)} ` +
      `to ${role(leg.to)} ${labelAddress(labels, leg.to)}${leg.leg === "fee" ? `, ${bps(feeBps)}` : ""})`;
    const restriction = await restrictionOf(leg.token, leg.from, leg.to, leg.amount);
    const problems: string[] = [];
    if (restriction.code !== 0) problems.push(`restriction ${restriction.code} "${restriction.message}"`);
    if (leg.leg !== "fee") {
      // The fee is paid out of the cash amount: the cash leg's balance and approval cover it.
      const [balance, allowance] = await Promise.all([
        leg.token.contract.balanceOf(leg.from) as Promise<bigint>,
        leg.token.contract.allowance(leg.from, dvpAddress) as Promise<bigint>,
      ]);
      // SecurityToken reports a short balance itself (restriction 3): say it once.
      if (balance < leg.amount && restriction.code === 0) {
        problems.push(`${role(leg.from)} holds only ${fmt(balance)} (${fmt(leg.amount)} needed)`);
      }
      if (allowance < leg.amount) {
        problems.push(
          `${role(leg.from)} has approved the DvP contract ${dvpAddress} for only ${fmt(allowance)} ` +
            `(${fmt(leg.amount)} needed: approve it on ${leg.token.symbol} first)`,
        );
      }
    }
    checks.push({ ...leg, restriction, problems, text });
  }
  return checks;
}

/** `asset leg (...): restriction 5 "..."; cash leg (...): ...`. */
function legProblems(checks: LegCheck[]): string {
  return checks
    .filter((c) => c.problems.length > 0)
    .map((c) => `${c.text}: ${c.problems.join(" and ")}`)
    .join("; ");
}

/** The ticket, after checking its number against the contract's count. */
async function requireTicket(dvp: DvPSettlement, value: unknown) {
  const id = parseTicketId(value);
  const count = await dvp.ticketCount();
  if (id > count) {
    throw new GovError(
      count === 0n
        ? `no ticket #${id}: no trade has been proposed yet`
        : `no ticket #${id}: tickets are #1 to #${count}`,
    );
  }
  const ticket = await dvp.ticketOf(id);
  return { id, ticket, status: TICKET_STATUSES[Number(ticket.status)] ?? `status ${ticket.status}` };
}

/** A ticket's terms with its tokens read. */
async function ticketTerms(sys: System, ticket: Awaited<ReturnType<DvPSettlement["ticketOf"]>>): Promise<Terms> {
  const [asset, cash] = await Promise.all([
    loadToken(sys, ticket.asset, "the ticket's asset"),
    loadToken(sys, ticket.cash, "the ticket's cash token"),
  ]);
  return {
    seller: ethers.getAddress(ticket.seller),
    buyer: ethers.getAddress(ticket.buyer),
    asset,
    assetAmount: ticket.assetAmount,
    cash,
    cashAmount: ticket.cashAmount,
  };
}

async function requireNotPaused(dvp: DvPSettlement, what: string) {
  if (await dvp.paused()) {
    throw new GovError(
      `${what}: DvP settlement ${dvp.target as string} is paused (by a guardian): nothing can be proposed, affirmed or settled until governance unpauses it`,
    );
  }
}

/** Whose ticket it is: `the seller 0x...`. */
function counterparty(labels: Labels, ticket: { seller: string; buyer: string }, address: string): string {
  const lower = address.toLowerCase();
  if (lower === ticket.seller.toLowerCase()) return `the seller ${labelAddress(labels, address)}`;
  if (lower === ticket.buyer.toLowerCase()) return `the buyer ${labelAddress(labels, address)}`;
  return labelAddress(labels, address);
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

withKeys(
  task("trade:propose", "Proposes a DvP trade (a ticket) as its seller or buyer; the other party affirms it")
    .addOptionalParam("seller", "The account delivering the asset and receiving the cash")
    .addOptionalParam("buyer", "The account paying the cash and receiving the asset")
    .addOptionalParam("asset", "The asset token: security-token, cash-token or a token address")
    .addOptionalParam("assetAmount", "The asset amount, in the token's units (e.g. 100, or 1.5 if it has decimals)")
    .addOptionalParam("cash", "The cash token: cash-token, security-token or a token address")
    .addOptionalParam("cashAmount", "The cash amount, in the token's units (e.g. 2500.00)")
    .addOptionalParam("expiry", "When the ticket expires: seconds (or 90m, 36h, 2d) from now, or an ISO date")
    .addOptionalParam("reference", "Your reference for the trade: text of up to 31 bytes, or a 0x 32-byte value")
    .addFlag("deferred", "Settle in the next batch run (settleBatch) instead of at affirmation"),
).setAction(
  async (
    args: CommonArgs & {
      seller?: string;
      buyer?: string;
      asset?: string;
      assetAmount?: string;
      cash?: string;
      cashAmount?: string;
      expiry?: string;
      reference?: string;
      deferred: boolean;
    },
    hre: HardhatRuntimeEnvironment,
  ) =>
    oneLineErrors(async () => {
      const required: [keyof typeof args, string][] = [
        ["seller", "--seller"],
        ["buyer", "--buyer"],
        ["asset", "--asset"],
        ["assetAmount", "--asset-amount"],
        ["cash", "--cash"],
        ["cashAmount", "--cash-amount"],
        ["expiry", "--expiry"],
      ];
      const missing = required.filter(([key]) => args[key] === undefined).map(([, flag]) => flag);
      if (missing.length > 0) throw new GovError(`trade:propose needs ${missing.join(", ")}`);
      const seller = parseAddress(args.seller, "--seller");
      const buyer = parseAddress(args.buyer, "--buyer");
      if (seller === buyer) throw new GovError(`--seller and --buyer are the same account ${seller}`);
      const reference = parseReference(args.reference);

      const sys = await loadSystem(hre, args.deployment);
      const dvp = dvpOf(sys);
      const asset = await resolveToken(sys, args.asset, "--asset");
      const cash = await resolveToken(sys, args.cash, "--cash");
      const assetAmount = parseAmount(args.assetAmount, asset, "--asset-amount", 1n, MAX_LEG_AMOUNT);
      const cashAmount = parseAmount(args.cashAmount, cash, "--cash-amount", 1n, MAX_LEG_AMOUNT);
      const now = await latestTime(sys);
      const expiry = parseExpiry(args.expiry, now);

      const signer = await resolveSigner(hre, args);
      const labels = await loadLabels(sys);
      const terms: Terms = { seller, buyer, asset, assetAmount, cash, cashAmount };
      if (!same(signer.address, seller) && !same(signer.address, buyer)) {
        throw new GovError(
          `${labelAddress(labels, signer.address)} is neither the seller ${seller} nor the buyer ${buyer}: only a counterparty proposes a trade`,
        );
      }
      const role = same(signer.address, seller) ? "seller" : "buyer";
      const other = role === "seller" ? buyer : seller;
      const registry = new ethers.Contract(
        await dvp.identityRegistry(),
        await abiOf(hre, "identity-registry"),
        sys.provider,
      );
      if (!(await registry.isVerified(signer.address))) {
        throw new GovError(
          `the ${role} ${labelAddress(labels, signer.address)} is not a verified participant (no identity, or it expired): only verified participants propose trades`,
        );
      }
      await requireNotPaused(dvp, "cannot propose");

      const checks = await checkLegs(dvp, labels, terms);
      const warnings = checks
        .filter((c) => c.problems.length > 0)
        .map((c) => `${c.text} would be refused now: ${c.problems.join(" and ")}`);
      print(`Proposing a trade as the ${role} ${labelAddress(labels, signer.address)}:`);
      print(
        `  asset leg:   ${formatAmount(assetAmount, asset)} (${tokenLabel(asset)}), seller ${labelAddress(labels, seller)} -> buyer ${labelAddress(labels, buyer)}`,
      );
      print(`  cash leg:    ${formatAmount(cashAmount, cash)} (${tokenLabel(cash)}), buyer -> seller`);
      print(`  expiry:      ${formatTimeFrom(expiry, now)}`);
      print(
        `  settlement:  ${args.deferred ? "deferred: the affirmation marks it Ready, the next batch run settles it" : "at the affirmation, in the same transaction"}`,
      );
      print(`  reference:   ${describeReference(reference)}`);
      for (const warning of warnings) {
        print(`Warning: the ${warning}. The ticket can still be proposed; it settles only once this is fixed.`);
      }

      const receipt = await sendChecked(
        sys,
        labels,
        signer,
        dvp,
        "propose",
        [
          {
            seller,
            buyer,
            asset: asset.address,
            assetAmount,
            cash: cash.address,
            cashAmount,
            expiry,
            clientReference: reference,
            deferred: args.deferred,
          },
        ],
        "the proposal",
      );
      let ticketId: bigint | undefined;
      for (const log of receipt.logs) {
        const parsed = dvp.interface.parseLog(log);
        if (parsed?.name === "TradeProposed") ticketId = parsed.args.id as bigint;
      }
      if (ticketId === undefined) throw new GovError(`no TradeProposed event in transaction ${receipt.hash}`);
      print(`Ticket #${ticketId} proposed (transaction ${receipt.hash}).`);
      print(
        `The ${role === "seller" ? "buyer" : "seller"} ${labelAddress(labels, other)} affirms it with: ` +
          `npx hardhat trade:affirm ${ticketId} (before ${formatTime(expiry)}).`,
      );
      return { ticketId, transactionHash: receipt.hash, expiry, reference, warnings };
    })(args),
);

withKeys(
  task(
    "trade:affirm",
    "Affirms a proposed ticket as the other party: settles it (or, deferred, marks it Ready)",
  ).addPositionalParam("ticketId", "The ticket number"),
).setAction(async (args: CommonArgs & { ticketId: string }, hre) =>
  oneLineErrors(async () => {
    parseTicketId(args.ticketId);
    const sys = await loadSystem(hre, args.deployment);
    const dvp = dvpOf(sys);
    const { id, ticket, status } = await requireTicket(dvp, args.ticketId);
    const labels = await loadLabels(sys);
    const now = await latestTime(sys);
    if (status !== "Proposed") {
      const why =
        status === "Ready"
          ? "it is already affirmed (Ready) and waits for the next batch run"
          : status === "Settled"
            ? "it is already settled"
            : status === "Cancelled"
              ? "it was cancelled"
              : `it is ${status}`;
      throw new GovError(`ticket #${id} cannot be affirmed (only a Proposed ticket can): ${why}`);
    }
    const proposerIsSeller = same(ticket.proposer, ticket.seller);
    const affirmingParty = proposerIsSeller ? ticket.buyer : ticket.seller;
    const signer: TaskSigner = await resolveSigner(hre, args);
    if (!same(signer.address, affirmingParty)) {
      throw new GovError(
        same(signer.address, ticket.proposer)
          ? `ticket #${id} was proposed by ${counterparty(labels, ticket, signer.address)}: the other party, ${counterparty(labels, ticket, affirmingParty)}, affirms it`
          : `only ${counterparty(labels, ticket, affirmingParty)} may affirm ticket #${id}, not ${labelAddress(labels, signer.address)}`,
      );
    }
    if (ticket.expiry <= now) {
      throw new GovError(
        `ticket #${id} expired at ${formatTimeFrom(ticket.expiry, now)}: it can no longer be affirmed, only cancelled (trade:cancel ${id})`,
      );
    }
    await requireNotPaused(dvp, `ticket #${id} cannot be affirmed`);
    const terms = await ticketTerms(sys, ticket);
    const checks = await checkLegs(dvp, labels, terms);
    const problems = legProblems(checks);
    if (problems !== "" && !ticket.deferred) {
      throw new GovError(`ticket #${id} cannot settle now: ${problems}; nothing was sent`);
    }
    if (problems !== "") {
      print(`Warning: the ticket is deferred and would not settle now: ${problems}. Fix it before the batch run.`);
    }
    const receipt = await sendChecked(sys, labels, signer, dvp, "affirm", [id], "the affirmation");
    if (ticket.deferred) {
      print(`Ticket #${id} affirmed by ${counterparty(labels, ticket, signer.address)} (transaction ${receipt.hash}).`);
      print(`It is Ready: the next batch run (settleBatch) settles it, before ${formatTime(ticket.expiry)}.`);
      return { ticketId: id, status: "Ready", transactionHash: receipt.hash };
    }
    let fee = 0n;
    for (const log of receipt.logs) {
      const parsed = dvp.interface.parseLog(log);
      if (parsed?.name === "TradeSettled") fee = parsed.args.fee as bigint;
    }
    print(`Ticket #${id} affirmed and settled (transaction ${receipt.hash}):`);
    print(
      `  ${formatAmount(terms.assetAmount, terms.asset)} from the seller ${labelAddress(labels, terms.seller)} to the buyer ${labelAddress(labels, terms.buyer)}`,
    );
    print(
      `  ${formatAmount(terms.cashAmount, terms.cash)} from the buyer to the seller` +
        (fee > 0n ? ` (of which a fee of ${formatAmount(fee, terms.cash)})` : ""),
    );
    return { ticketId: id, status: "Settled", fee, transactionHash: receipt.hash };
  })(args),
);

withKeys(
  task(
    "trade:cancel",
    "Cancels a ticket: its proposer before it expires; either party once it has expired; a Ready ticket when both parties ask",
  ).addPositionalParam("ticketId", "The ticket number"),
).setAction(async (args: CommonArgs & { ticketId: string }, hre) =>
  oneLineErrors(async () => {
    parseTicketId(args.ticketId);
    const sys = await loadSystem(hre, args.deployment);
    const dvp = dvpOf(sys);
    const { id, ticket, status } = await requireTicket(dvp, args.ticketId);
    const labels = await loadLabels(sys);
    const now = await latestTime(sys);
    const expired = ticket.expiry <= now;
    if (status === "Settled" || status === "Cancelled") {
      throw new GovError(`ticket #${id} cannot be cancelled: it is already ${status.toLowerCase()}`);
    }
    const signer = await resolveSigner(hre, args);
    if (status === "Ready" && !expired) {
      // A Ready ticket binds both parties until it expires: it is cancelled when both ask.
      if (!same(signer.address, ticket.seller) && !same(signer.address, ticket.buyer)) {
        throw new GovError(
          `ticket #${id} is affirmed (Ready): only its seller and buyer together may cancel it before it expires, not ${labelAddress(labels, signer.address)}`,
        );
      }
      const receipt = await sendChecked(sys, labels, signer, dvp, "cancel", [id], "the cancellation request");
      const cancelled = (await dvp.ticketOf(id)).status === 4n;
      print(
        cancelled
          ? `Ticket #${id} cancelled: both parties asked (the second, ${counterparty(labels, ticket, signer.address)}, in transaction ${receipt.hash}).`
          : `Cancellation of ticket #${id} requested by ${counterparty(labels, ticket, signer.address)} (transaction ${receipt.hash}): ` +
              `the ticket is affirmed (Ready), so it is cancelled only when the other party asks too; until then the batch run settles it.`,
      );
      return { ticketId: id, cancelled, transactionHash: receipt.hash };
    }
    if (!expired && !same(signer.address, ticket.proposer)) {
      throw new GovError(
        `only the proposer, ${counterparty(labels, ticket, ticket.proposer)}, may cancel ticket #${id} before it expires ` +
          `(${formatTimeFrom(ticket.expiry, now)}); after that either party may; not ${labelAddress(labels, signer.address)}`,
      );
    }
    if (expired && !same(signer.address, ticket.seller) && !same(signer.address, ticket.buyer)) {
      throw new GovError(
        `only the seller or the buyer may cancel expired ticket #${id}, not ${labelAddress(labels, signer.address)}`,
      );
    }
    const receipt = await sendChecked(sys, labels, signer, dvp, "cancel", [id], "the cancellation");
    print(
      `Ticket #${id} cancelled by ${counterparty(labels, ticket, signer.address)} (transaction ${receipt.hash})` +
        `${expired ? ": it had expired" : ""}.`,
    );
    return { ticketId: id, cancelled: true, transactionHash: receipt.hash };
  })(args),
);

withJson(
  withDeployment(
    task(
      "trade:show",
      "Shows a ticket: its terms in words, status, expiry, and whether its legs would settle now",
    ).addPositionalParam("ticketId", "The ticket number"),
  ),
).setAction(async (args: CommonArgs & { ticketId: string; json?: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    parseTicketId(args.ticketId);
    const sys = await loadSystem(hre, args.deployment);
    const dvp = dvpOf(sys);
    const { id, ticket, status } = await requireTicket(dvp, args.ticketId);
    const labels = await loadLabels(sys);
    const now = await latestTime(sys);
    const terms = await ticketTerms(sys, ticket);
    const expired = ticket.expiry <= now;
    const proposerRole = same(ticket.proposer, ticket.seller) ? "seller" : "buyer";
    const affirmingParty = proposerRole === "seller" ? ticket.buyer : ticket.seller;
    const [[feeRecipient, feeBps], feeAmount] = await Promise.all([dvp.fee(), dvp.feeFor(ticket.cashAmount)]);

    let statusLine: string = status;
    if (status === "Proposed") {
      statusLine += expired
        ? ": expired unaffirmed; either party may cancel it"
        : `: waiting for ${counterparty(labels, ticket, affirmingParty)} to affirm`;
    }
    if (status === "Ready") {
      statusLine += expired
        ? ": affirmed but expired before the batch run; either party may cancel it"
        : ": affirmed; the next batch run (settleBatch) settles it";
    }
    out.line(`Ticket #${id}: ${statusLine}`);
    out.line(`  seller:      ${labelAddress(labels, terms.seller)}: delivers the asset, receives the cash`);
    out.line(`  buyer:       ${labelAddress(labels, terms.buyer)}: pays the cash, receives the asset`);
    out.line(
      `  proposer:    the ${proposerRole}; affirming party: the ${proposerRole === "seller" ? "buyer" : "seller"}`,
    );
    out.line(
      `  asset leg:   ${formatAmount(terms.assetAmount, terms.asset)} (${tokenLabel(terms.asset)}), seller -> buyer`,
    );
    out.line(
      `  cash leg:    ${formatAmount(terms.cashAmount, terms.cash)} (${tokenLabel(terms.cash)}), buyer -> seller`,
    );
    out.line(
      `  fee now:     ${
        feeAmount === 0n
          ? `none (${bps(feeBps)})`
          : `${formatAmount(feeAmount, terms.cash)} (${bps(feeBps)}) to ${labelAddress(labels, feeRecipient)}, out of the seller's proceeds`
      }`,
    );
    out.line(`  settlement:  ${ticket.deferred ? "deferred (batch run after the affirmation)" : "at the affirmation"}`);
    out.line(`  expiry:      ${formatTimeFrom(ticket.expiry, now)}${expired ? ": expired" : ""}`);
    out.line(`  reference:   ${describeReference(ticket.clientReference)}`);

    let legs: { leg: LegName; ok: boolean; restriction: RestrictionCheck; problems: string[] }[] = [];
    if (status === "Proposed" || status === "Ready") {
      const checks = await checkLegs(dvp, labels, terms);
      out.line("  legs now:");
      for (const c of checks) {
        const restriction = c.restriction.checked
          ? c.restriction.code === 0
            ? "no restriction"
            : `restriction ${c.restriction.code} "${c.restriction.message}"`
          : c.restriction.message;
        const rest = c.problems.filter((p) => !p.startsWith("restriction "));
        out.line(
          `    ${c.leg.padEnd(6)} ${c.problems.length === 0 ? "OK  " : "FAIL"} ${restriction}${rest.length > 0 ? `; ${rest.join("; ")}` : ""}`,
        );
      }
      legs = checks.map((c) => ({
        leg: c.leg,
        ok: c.problems.length === 0,
        restriction: c.restriction,
        problems: c.problems,
      }));
    } else {
      out.line(`  legs now:    not checked (the ticket is ${status.toLowerCase()})`);
    }
    return out.done({
      ticketId: id,
      status,
      seller: terms.seller,
      sellerLabel: labelOf(labels, terms.seller),
      buyer: terms.buyer,
      buyerLabel: labelOf(labels, terms.buyer),
      proposer: ticket.proposer,
      proposerLabel: labelOf(labels, ticket.proposer),
      assetAmount: ticket.assetAmount,
      cashAmount: ticket.cashAmount,
      expiry: ticket.expiry,
      deferred: ticket.deferred,
      reference: describeReference(ticket.clientReference),
      legs,
    });
  })(args),
);

/** A Ready ticket with what a batch run would meet now. */
interface BatchCandidate {
  id: bigint;
  terms: Terms;
  fee: bigint;
  expiry: bigint;
  problems: string[];
}

/** The Ready tickets among `ids` (default: every ticket), each checked leg by leg as of now. */
async function readyTickets(sys: System, dvp: DvPSettlement, labels: Labels, ids?: bigint[]) {
  const count = await dvp.ticketCount();
  const wanted = ids ?? Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  const now = await latestTime(sys);
  const ready: BatchCandidate[] = [];
  const skipped: { id: bigint; reason: string }[] = [];
  for (const id of wanted) {
    if (id > count) {
      skipped.push({ id, reason: `no ticket #${id}` });
      continue;
    }
    const ticket = await dvp.ticketOf(id);
    const status = TICKET_STATUSES[Number(ticket.status)];
    if (status !== "Ready") {
      if (ids) skipped.push({ id, reason: `it is ${status}, not Ready` });
      continue;
    }
    const terms = await ticketTerms(sys, ticket);
    const problems: string[] = [];
    if (ticket.expiry <= now) {
      problems.push(`expired at ${formatTimeFrom(ticket.expiry, now)}: either party may cancel it`);
    } else {
      const checks = await checkLegs(dvp, labels, terms);
      const text = legProblems(checks);
      if (text !== "") problems.push(text);
    }
    ready.push({ id, terms, fee: await dvp.feeFor(ticket.cashAmount), expiry: ticket.expiry, problems });
  }
  return { ready, skipped, now };
}

/** `--ids 1,2,#5`. */
function parseIds(value: unknown): bigint[] | undefined {
  if (value === undefined || value === null || String(value).trim() === "") return undefined;
  const ids = String(value)
    .split(",")
    .map((v) => parseTicketId(v));
  if (new Set(ids.map(String)).size !== ids.length) throw new GovError(`--ids: a ticket is listed twice`);
  return ids;
}

withJson(
  withDeployment(task("trade:ready", "Lists the Ready (affirmed, deferred) tickets and whether each would settle now")),
).setAction(async (args: CommonArgs & { json: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const sys = await loadSystem(hre, args.deployment);
    const dvp = dvpOf(sys);
    const labels = await loadLabels(sys);
    const { ready, now } = await readyTickets(sys, dvp, labels);
    out.line(ready.length === 0 ? "No Ready tickets." : `${ready.length} Ready ticket(s):`);
    for (const t of ready) {
      out.line(
        `  #${t.id} ${formatAmount(t.terms.assetAmount, t.terms.asset)} ${labelAddress(labels, t.terms.seller)} -> ` +
          `${labelAddress(labels, t.terms.buyer)} for ${formatAmount(t.terms.cashAmount, t.terms.cash)}, ` +
          `expires ${formatTimeFrom(t.expiry, now)}: ${t.problems.length === 0 ? "settles now" : `STALLED: ${t.problems.join("; ")}`}`,
      );
    }
    return out.done({
      tickets: ready.map((t) => ({
        ticketId: t.id,
        seller: t.terms.seller,
        sellerLabel: labelOf(labels, t.terms.seller),
        buyer: t.terms.buyer,
        buyerLabel: labelOf(labels, t.terms.buyer),
        asset: t.terms.asset.address,
        assetAmount: t.terms.assetAmount,
        cash: t.terms.cash.address,
        cashAmount: t.terms.cashAmount,
        fee: t.fee,
        expiry: t.expiry,
        settleable: t.problems.length === 0,
        problems: t.problems,
      })),
    });
  })(args),
);

withJson(
  withKeys(
    task(
      "trade:settle-batch",
      "End-of-day run: settles the Ready tickets that would settle now, securities gross and cash netted per participant; stalled tickets are left out, reported and kept",
    )
      .addOptionalParam("ids", "Only these tickets (comma-separated numbers); default: every Ready ticket")
      .addFlag("gross", "Settle each ticket's cash gross (settleBatch) instead of netting it")
      .addFlag("dryRun", "Show what would settle and the net cash transfers; send nothing"),
  ),
).setAction(async (args: CommonArgs & { ids?: string; gross: boolean; dryRun: boolean; json: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const ids = parseIds(args.ids);
    const sys = await loadSystem(hre, args.deployment);
    const dvp = dvpOf(sys);
    const labels = await loadLabels(sys);
    const { ready, skipped } = await readyTickets(sys, dvp, labels, ids);
    const stalled = ready.filter((t) => t.problems.length > 0);
    const settling = ready.filter((t) => t.problems.length === 0);
    for (const s of skipped) out.line(`Ticket #${s.id} left out: ${s.reason}.`);
    for (const t of stalled) {
      out.line(`Ticket #${t.id} left out (stalled; kept Ready): ${t.problems.join("; ")}.`);
    }
    if (settling.length === 0) throw new GovError("no ticket would settle now: nothing to send");
    if (!args.dryRun) await requireNotPaused(dvp, "cannot settle");

    // One batch per cash token: netting adds up one currency at a time.
    const byCash = new Map<string, BatchCandidate[]>();
    for (const t of settling) byCash.set(t.terms.cash.address, [...(byCash.get(t.terms.cash.address) ?? []), t]);
    const [feeRecipient] = await dvp.fee();
    const batches = [];
    for (const [cash, tickets] of byCash) {
      const token = tickets[0].terms.cash;
      const netTickets: NetTicket[] = tickets.map((t) => ({
        id: t.id,
        seller: t.terms.seller,
        buyer: t.terms.buyer,
        cashAmount: t.terms.cashAmount,
        fee: t.fee,
      }));
      const transfers = netTransfers(netPositions(netTickets, feeRecipient));
      const grossCount = grossTransferCount(netTickets);
      const netCount = args.gross ? grossCount : transfers.length;
      out.line(
        `${tokenLabel(token)}: ${tickets.length} ticket(s) (#${tickets.map((t) => t.id).join(", #")}); ` +
          `${grossCount} gross cash transfer(s), ${transfers.length} netted (saves ${grossCount - transfers.length})` +
          `${args.gross ? "; settling gross" : ""}`,
      );
      if (!args.gross) {
        for (const tr of transfers) {
          out.line(
            `  ${labelAddress(labels, tr.from)} pays ${labelAddress(labels, tr.to)} ${formatAmount(tr.amount, token)}`,
          );
        }
      }
      let transactionHash: string | undefined;
      if (!args.dryRun) {
        const receipt = await sendChecked(
          sys,
          labels,
          await resolveSigner(hre, args),
          dvp,
          args.gross ? "settleBatch" : "settleNetted",
          [tickets.map((t) => t.id)],
          "the batch",
        );
        transactionHash = receipt.hash;
        out.line(`  settled in transaction ${receipt.hash}`);
      }
      batches.push({
        cash,
        ticketIds: tickets.map((t) => t.id),
        grossCashTransfers: grossCount,
        cashTransfers: netCount,
        transfers: args.gross ? [] : transfers,
        transactionHash,
      });
    }
    if (args.dryRun) out.line("Dry run: nothing was sent.");
    return out.done({
      dryRun: args.dryRun,
      netted: !args.gross,
      batches,
      leftOut: [
        ...skipped.map((s) => ({ ticketId: s.id, reason: s.reason })),
        ...stalled.map((t) => ({ ticketId: t.id, reason: t.problems.join("; ") })),
      ],
    });
  })(args),
);

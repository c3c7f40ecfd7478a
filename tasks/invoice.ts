import { ethers } from "ethers";
import { task } from "hardhat/config";
import type { ConfigurableTaskDefinition } from "hardhat/types";
import type { InvoiceRegistry } from "../typechain-types";
import {
  type TokenInfo,
  deploymentBlock,
  eventTopics,
  formatAmount,
  idTopic,
  latestTime,
  loadToken,
  queryLogs,
  requireContract,
} from "./lib/assets";
import {
  type Labels,
  entityLabelOf,
  formatTime,
  formatTimeFrom,
  labelAddress,
  labelEntity,
  labelOf,
  loadLabels,
  withLabels,
} from "./lib/describe";
import { GovError } from "./lib/errors";
import { withDeployment } from "./lib/options";
import { parseAddress, parseWhole } from "./lib/parse";
import { type System, loadSystem } from "./lib/system";
import { reporter, withJson } from "./lib/output";
import { oneLineErrors, print } from "./lib/tx";
import { entityIdOf, invoiceKey as canonicalKey } from "./lib/invoiceKey";
import { type InvoiceRef, parseInvoiceRef } from "./lib/invoiceRef";

export { parseInvoiceRef };

/** IInvoiceRegistry.InvoiceStatus, by value (Overdue is only ever reported by statusOf). */
export const INVOICE_STATUSES = [
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

/** What the registered/unregistered check prints for a hash that is not on the registry. */
export const NOT_REGISTERED = "not registered: safe to finance";

const withJsonDeployment = (t: ConfigurableTaskDefinition) => withJson(withDeployment(t));

interface DeploymentArgs {
  deployment?: string;
}

/** An invoice id as people copy it: the 32-byte hash it was registered under. */
export function invoiceKey(id: bigint): string {
  return ethers.toBeHex(id, 32);
}

/** The registry of the deployment, typed. */
function registryOf(sys: System): InvoiceRegistry {
  return requireContract(sys, "invoice-registry") as unknown as InvoiceRegistry;
}

/** Reads a currency's symbol and decimals; a token that does not answer is shown in raw units. */
async function currencyOf(sys: System, cache: Map<string, TokenInfo>, address: string): Promise<TokenInfo> {
  const key = address.toLowerCase();
  const cached = cache.get(key);
  if (cached) return cached;
  let token: TokenInfo;
  try {
    token = await loadToken(sys, address, "invoice currency");
  } catch {
    token = {
      address: ethers.getAddress(address),
      symbol: `units of ${ethers.getAddress(address)}`,
      decimals: 0,
      contract: new ethers.Contract(address, [], sys.provider),
    };
  }
  cache.set(key, token);
  return token;
}

function currencyLabel(token: TokenInfo): string {
  return token.name ? `${token.symbol} (${token.name} ${token.address})` : `${token.symbol} (${token.address})`;
}

async function showInvoice(sys: System, ref: InvoiceRef, json = false) {
  const out = reporter(json);
  const registry = registryOf(sys);
  const registryAddress = registry.target as string;
  let id: bigint;
  if (ref.kind === "hash") {
    id = BigInt(ref.hash);
    if ((await registry.statusOf(id)) === 0n) {
      out.line(`Invoice hash ${ref.hash}: ${NOT_REGISTERED}.`);
      out.line(
        `  No invoice with this hash is on the invoice registry ${registryAddress}: it has not been registered,`,
      );
      out.line("  so it has not been financed through the registry (registering it now gives it this id).");
      return out.done({ registered: false as const, hash: ref.hash });
    }
  } else {
    id = ref.id;
    if ((await registry.statusOf(id)) === 0n) {
      throw new GovError(
        `no invoice with id ${invoiceKey(id)} on the invoice registry ${registryAddress} ` +
          `(to check a hash before financing, give the 0x hash of 64 hex digits)`,
      );
    }
  }

  const labels = await loadLabels(sys);
  const cache = new Map<string, TokenInfo>();
  const [invoice, statusValue, outstanding, offer, now, { gracePeriod }] = await Promise.all([
    registry.invoiceOf(id),
    registry.statusOf(id),
    registry.outstanding(id),
    registry.offerOf(id),
    latestTime(sys),
    registry.settings(),
  ]);
  const holder = await registry.ownerOf(id).catch(() => ethers.ZeroAddress);
  const currency = await currencyOf(sys, cache, invoice.currency);
  const status = INVOICE_STATUSES[Number(statusValue)] ?? `status ${statusValue}`;
  const key = invoiceKey(id);
  const amount = (v: bigint) => formatAmount(v, currency);

  let statusLine: string = status;
  if (status === "Issued") statusLine += `: waiting for the debtor to accept (or reject) it`;
  if (status === "Accepted") statusLine += ": acknowledged by the debtor; the holder may sell, split or be paid";
  if (status === "Overdue") {
    statusLine += `: accepted, past its due date and unpaid; the holder may mark it defaulted after ${formatTimeFrom(invoice.dueDate + gracePeriod, now)}`;
  }
  if (status === "Split") statusLine += ": replaced by its pieces";

  out.line(
    ref.kind === "hash"
      ? `Invoice ${key}: REGISTERED: this hash is on the registry; do not finance it again outside the registry.`
      : `Invoice ${key}:`,
  );
  out.line(`  status:       ${statusLine}`);
  out.line(`  supplier:     ${labelAddress(labels, invoice.supplier)}`);
  out.line(`  debtor:       ${labelAddress(labels, invoice.debtor)}`);
  out.line(`  currency:     ${currencyLabel(currency)}`);
  out.line(`  face value:   ${amount(invoice.faceValue)}`);
  out.line(`  paid:         ${amount(invoice.paid)}`);
  out.line(`  outstanding:  ${amount(outstanding)}`);
  out.line(`  due date:     ${formatTimeFrom(invoice.dueDate, now)}`);
  out.line(`  holder:       ${holder === ethers.ZeroAddress ? "none" : labelAddress(labels, holder)}`);
  const offerLine =
    offer.price === 0n
      ? "none"
      : `${amount(offer.price)}, to ${offer.financier === ethers.ZeroAddress ? "any verified financier" : labelAddress(labels, offer.financier)}`;
  out.line(`  offer:        ${offerLine}`);

  const fromBlock = await deploymentBlock(sys, registryAddress);
  let pieces: { id: string; amount: bigint }[] = [];
  if (invoice.parentId !== 0n) out.line(`  piece of:     ${invoiceKey(invoice.parentId)} (a split)`);
  if (status === "Split") {
    const logs = await queryLogs(
      sys,
      {
        address: registryAddress,
        topics: eventTopics(registry as unknown as ethers.Contract, "InvoiceSplit", idTopic(id)),
      },
      fromBlock,
    );
    const parsed = logs.map((log) => registry.interface.parseLog(log)).find((p) => p?.name === "InvoiceSplit");
    if (parsed) {
      pieces = (parsed.args.childIds as bigint[]).map((child, i) => ({
        id: invoiceKey(child),
        amount: (parsed.args.amounts as bigint[])[i],
      }));
      out.line(`  pieces (${pieces.length}):`);
      for (const piece of pieces) out.line(`    ${piece.id}  ${amount(piece.amount)}`);
    }
  }

  // The document of the invoice as issued (a piece's is its original invoice's).
  let root = invoice;
  let rootId = id;
  while (root.parentId !== 0n) {
    rootId = root.parentId;
    root = await registry.invoiceOf(root.parentId);
  }
  const issued = await queryLogs(
    sys,
    {
      address: registryAddress,
      topics: eventTopics(registry as unknown as ethers.Contract, "InvoiceIssued", idTopic(rootId)),
    },
    fromBlock,
  );
  const issuedLog = issued.map((log) => registry.interface.parseLog(log)).find((p) => p?.name === "InvoiceIssued");
  if (issuedLog) {
    const of = root === invoice ? "" : " (of the original invoice)";
    const uri = issuedLog.args.documentUri as string;
    const terms = issuedLog.args.terms as { documentHash: string };
    out.line(
      `  invoice:      ${issuedLog.args.authorityCode as string} ${issuedLog.args.invoiceNumber as string}${of}`,
    );
    out.line(`  document:     ${uri === "" ? "(no uri)" : uri}, hash ${terms.documentHash}${of}`);
  }
  // who financed it, bought it back, and at what price
  const financing: {
    event: string;
    seller: string;
    financier: string;
    price: bigint;
    time: bigint;
    transactionHash: string;
  }[] = [];
  const financeEvents = ["InvoiceFinanced", "RecourseAgreed", "BoughtBack"];
  const financeLogs = await queryLogs(
    sys,
    {
      address: registryAddress,
      topics: [financeEvents.map((e) => registry.interface.getEvent(e as "BoughtBack").topicHash), idTopic(id)],
    },
    fromBlock,
  );
  for (const log of financeLogs) {
    const parsed = registry.interface.parseLog(log);
    if (!parsed) continue;
    const block = await sys.provider.getBlock(log.blockNumber);
    financing.push({
      event: { InvoiceFinanced: "financed", RecourseAgreed: "financed with recourse", BoughtBack: "bought back" }[
        parsed.name
      ] as string,
      seller: parsed.args.seller as string,
      financier: parsed.args.financier as string,
      price: parsed.args.price as bigint,
      time: BigInt(block?.timestamp ?? 0),
      transactionHash: log.transactionHash,
    });
  }
  out.line(`  financed:     ${financing.length === 0 ? "never (through the registry)" : ""}`.trimEnd());
  for (const f of financing) {
    const who =
      f.event === "bought back"
        ? `${labelAddress(labels, f.seller)} bought it back from ${labelAddress(labels, f.financier)}`
        : `${labelAddress(labels, f.financier)} bought it from ${labelAddress(labels, f.seller)}`;
    out.line(`    ${formatTime(f.time)} ${f.event}: ${who} for ${amount(f.price)} (transaction ${f.transactionHash})`);
  }
  out.line(`  attested:     ${invoice.attested ? "yes, by an invoice verifier" : "no"}`);
  if (invoice.defaulted) out.line(`  defaulted:    yes${status === "Paid" ? " (paid after default)" : ""}`);

  return out.done({
    registered: true as const,
    id,
    key,
    status,
    supplier: invoice.supplier,
    supplierLabel: labelOf(labels, invoice.supplier),
    debtor: invoice.debtor,
    debtorLabel: labelOf(labels, invoice.debtor),
    currency: invoice.currency,
    symbol: currency.symbol,
    faceValue: invoice.faceValue,
    paid: invoice.paid,
    outstanding,
    dueDate: invoice.dueDate,
    holder,
    holderLabel: holder === ethers.ZeroAddress ? null : labelOf(labels, holder),
    offer: withLabels(
      labels,
      { financier: offer.financier, price: offer.price, recoursePrice: offer.recoursePrice },
      "financier",
    ),
    attested: invoice.attested,
    defaulted: invoice.defaulted,
    parentId: invoice.parentId,
    pieces,
    financing: financing.map((f) => withLabels(labels, f, "seller", "financier")),
  });
}

/** The canonical key of the fields, or a one-line error naming the non-canonical field. */
export function keyOfFields(
  supplierEntity: string | undefined,
  authority: string | undefined,
  number: string | undefined,
) {
  if (supplierEntity === undefined || authority === undefined || number === undefined) {
    throw new GovError("give the invoice's --supplier-entity, --authority and --number together");
  }
  try {
    return canonicalKey(entityIdOf(supplierEntity), authority, number);
  } catch (error) {
    throw new GovError((error as Error).message);
  }
}

withJsonDeployment(
  task(
    "invoice:show",
    "Shows an invoice by its key, id or fields; for a key not on the registry, says it is not registered (safe to finance)",
  )
    .addOptionalPositionalParam("invoice", "The invoice's 0x key (64 hex digits), or its id (decimal or 0x-hex number)")
    .addOptionalParam(
      "supplierEntity",
      "Instead of the key: the supplier's entity (0x id, or the name it was hashed from)",
    )
    .addOptionalParam("authority", "Instead of the key: the issuing authority's code, as printed")
    .addOptionalParam("number", "Instead of the key: the invoice number, as printed"),
).setAction(
  async (
    args: DeploymentArgs & {
      invoice?: string;
      supplierEntity?: string;
      authority?: string;
      number?: string;
      json?: boolean;
    },
    hre,
  ) =>
    oneLineErrors(async () => {
      const byFields = args.supplierEntity !== undefined || args.authority !== undefined || args.number !== undefined;
      if (byFields && args.invoice !== undefined) throw new GovError("give the invoice's key or its fields, not both");
      const ref: InvoiceRef = byFields
        ? { kind: "hash", hash: ethers.toBeHex(keyOfFields(args.supplierEntity, args.authority, args.number), 32) }
        : parseInvoiceRef(args.invoice);
      return showInvoice(await loadSystem(hre, args.deployment), ref, args.json);
    })(args),
);

task("invoice:key", "Prints an invoice's canonical key from its fields (offline: nothing is read or sent)")
  .addParam("supplierEntity", "The supplier's entity (0x id, or the name it was hashed from)")
  .addParam("authority", "The issuing authority's code, as printed (A-Z, 0-9, '-', '/', '.')")
  .addParam("number", "The invoice number, as printed (A-Z, 0-9, '-', '/', '.')")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { supplierEntity: string; authority: string; number: string; json: boolean }) =>
    oneLineErrors(async () => {
      const key = ethers.toBeHex(keyOfFields(args.supplierEntity, args.authority, args.number), 32);
      const result = {
        key,
        supplierEntity: entityIdOf(args.supplierEntity),
        authority: args.authority,
        number: args.number,
      };
      print(
        args.json
          ? JSON.stringify(result)
          : `Invoice key ${key} (supplier entity ${result.supplierEntity}, ${args.authority} ${args.number})`,
      );
      return result;
    })(args),
  );

withJson(
  withDeployment(
    task(
      "invoice:record",
      "Prints a debtor entity's payment record (receivables accepted, paid on time and late, defaulted)",
    )
      .addPositionalParam("entity", "The debtor's entity (0x id, or the name it was hashed from)")
      .addOptionalParam("currency", "The cash token (default: the deployment's cash token)"),
  ),
).setAction(async (args: DeploymentArgs & { entity: string; currency?: string; json?: boolean }, hre) =>
  oneLineErrors(async () => {
    const out = reporter(args.json);
    const sys = await loadSystem(hre, args.deployment);
    const registry = registryOf(sys);
    const entityId = entityIdOf(args.entity);
    const currencyAddress =
      args.currency !== undefined
        ? parseAddress(args.currency, "--currency")
        : (requireContract(sys, "cash-token").target as string);
    const currency = await currencyOf(sys, new Map(), currencyAddress);
    const record = await registry.paymentRecordOf(entityId, currencyAddress).catch((error: unknown) => {
      throw new GovError(`no entity ${entityId} in the identity registry (${(error as Error).message.split("\n")[0]})`);
    });
    const amount = (v: bigint) => formatAmount(v, currency);
    const labels = await loadLabels(sys);
    out.line(`Payment record of debtor entity ${labelEntity(labels, entityId)} in ${currencyLabel(currency)}:`);
    out.line(`  accepted:         ${record.acceptedCount} receivable(s), ${amount(record.acceptedValue)}`);
    out.line(`  paid on time:     ${record.paidOnTimeCount} payment(s), ${amount(record.paidOnTimeValue)}`);
    out.line(`  paid late:        ${record.paidLateCount} payment(s), ${amount(record.paidLateValue)}`);
    out.line(
      `  defaulted:        ${record.defaultedCount} receivable(s), ${amount(record.defaultedValue)} outstanding at default`,
    );
    out.line(`  outstanding now:  ${amount(record.outstanding)}`);
    return out.done({
      entity: entityId,
      entityLabel: entityLabelOf(labels, entityId),
      currency: currencyAddress,
      acceptedCount: record.acceptedCount,
      acceptedValue: record.acceptedValue,
      paidOnTimeCount: record.paidOnTimeCount,
      paidOnTimeValue: record.paidOnTimeValue,
      paidLateCount: record.paidLateCount,
      paidLateValue: record.paidLateValue,
      defaultedCount: record.defaultedCount,
      defaultedValue: record.defaultedValue,
      outstanding: record.outstanding,
    });
  })(args),
);

/** One invoice or piece as invoice:list finds it in the registry's events. */
interface Listed {
  id: bigint;
  supplier: string;
  debtor: string;
  currency: string;
  amount: bigint;
  dueDate: bigint;
  parentId: bigint;
  holder: string;
}

withJsonDeployment(
  task("invoice:list", "Lists invoices (and split pieces) from the registry's events, with status and holder")
    .addOptionalParam("supplier", "Only invoices issued by this supplier")
    .addOptionalParam("debtor", "Only invoices owed by this debtor")
    .addOptionalParam("holder", "Only receivables this account holds now")
    .addOptionalParam("fromBlock", "The block to read events from (default: the registry's deployment block)"),
).setAction(
  async (
    args: DeploymentArgs & { supplier?: string; debtor?: string; holder?: string; fromBlock?: string; json?: boolean },
    hre,
  ) =>
    oneLineErrors(async () => {
      const out = reporter(args.json);
      const supplier = args.supplier !== undefined ? parseAddress(args.supplier, "--supplier") : undefined;
      const debtor = args.debtor !== undefined ? parseAddress(args.debtor, "--debtor") : undefined;
      const holder = args.holder !== undefined ? parseAddress(args.holder, "--holder") : undefined;
      const givenFrom = args.fromBlock !== undefined ? parseWhole(args.fromBlock, "--from-block") : undefined;
      const sys = await loadSystem(hre, args.deployment);
      const registry = registryOf(sys);
      const registryAddress = registry.target as string;
      const contract = registry as unknown as ethers.Contract;
      const fromBlock = givenFrom !== undefined ? Number(givenFrom) : await deploymentBlock(sys, registryAddress);

      const [issued, splits, transfers] = await Promise.all(
        ["InvoiceIssued", "InvoiceSplit", "Transfer"].map((event) =>
          queryLogs(sys, { address: registryAddress, topics: eventTopics(contract, event) }, fromBlock),
        ),
      );
      const ordered = [...issued, ...splits].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
      const invoices = new Map<bigint, Listed>();
      for (const log of ordered) {
        const parsed = registry.interface.parseLog(log);
        if (parsed?.name === "InvoiceIssued") {
          const id = parsed.args.id as bigint;
          const terms = parsed.args.terms as { currency: string; faceValue: bigint; dueDate: bigint };
          invoices.set(id, {
            id,
            supplier: parsed.args.supplier as string,
            debtor: parsed.args.debtor as string,
            currency: terms.currency,
            amount: terms.faceValue,
            dueDate: terms.dueDate,
            parentId: 0n,
            holder: parsed.args.supplier as string,
          });
        } else if (parsed?.name === "InvoiceSplit") {
          const parent = invoices.get(parsed.args.parentId as bigint);
          if (!parent) continue; // issued before --from-block
          (parsed.args.childIds as bigint[]).forEach((child, i) => {
            invoices.set(child, {
              ...parent,
              id: child,
              amount: (parsed.args.amounts as bigint[])[i],
              parentId: parent.id,
            });
          });
        }
      }
      for (const log of transfers) {
        const parsed = registry.interface.parseLog(log);
        const entry = parsed ? invoices.get(parsed.args.tokenId as bigint) : undefined;
        if (entry) entry.holder = parsed?.args.to as string;
      }

      const same = (a: string, b: string | undefined) => b === undefined || a.toLowerCase() === b.toLowerCase();
      const selected = [...invoices.values()].filter(
        (i) => same(i.supplier, supplier) && same(i.debtor, debtor) && same(i.holder, holder),
      );
      const labels: Labels = await loadLabels(sys);
      const filters = [
        supplier && `supplier ${labelAddress(labels, supplier)}`,
        debtor && `debtor ${labelAddress(labels, debtor)}`,
        holder && `holder ${labelAddress(labels, holder)}`,
      ].filter(Boolean);
      const filterText = filters.length > 0 ? ` with ${filters.join(", ")}` : "";
      if (selected.length === 0) {
        out.line(
          `No invoices${filterText} on the invoice registry ${registryAddress} (events from block ${fromBlock}).`,
        );
        return out.done([]);
      }
      const cache = new Map<string, TokenInfo>();
      out.line(
        `${selected.length} invoice(s)${filterText} on the invoice registry ${registryAddress} (events from block ${fromBlock}):`,
      );
      const rows = [];
      for (const i of selected) {
        const status = INVOICE_STATUSES[Number(await registry.statusOf(i.id))] ?? "?";
        const currency = await currencyOf(sys, cache, i.currency);
        const piece = i.parentId !== 0n ? `  piece of ${invoiceKey(i.parentId)}` : "";
        out.line(
          `  ${invoiceKey(i.id)}  ${status.padEnd(9)}  ${formatAmount(i.amount, currency).padStart(18)}  ` +
            `due ${formatTime(i.dueDate).slice(0, 10)}  supplier ${labelAddress(labels, i.supplier)}  ` +
            `debtor ${labelAddress(labels, i.debtor)}  holder ${labelAddress(labels, i.holder)}${piece}`,
        );
        rows.push({
          ...withLabels(labels, i, "supplier", "debtor", "holder"),
          key: invoiceKey(i.id),
          status,
          symbol: currency.symbol,
        });
      }
      return out.done(rows);
    })(args),
);

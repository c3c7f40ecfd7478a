// The invoice life cycle from the command line: suppliers issue and cancel, debtors accept or
// reject, holders offer, split and mark defaults, financiers finance.
import { ethers } from "ethers";
import { task } from "hardhat/config";
import { formatAmount, parseAmount, resolveToken } from "./lib/assets";
import { type SendArgs, operate, resolveActor, withSend } from "./lib/actor";
import { lineCheck } from "./lib/credit";
import { formatTime, labelAddress } from "./lib/describe";
import { GovError } from "./lib/errors";
import { documentHash } from "./lib/tokenOps";
import { parseExpiry } from "./lib/identity";
import { pieceIds } from "./lib/invoiceKey";
import { invoiceRegistryOf, issuedKey, keyOf, knownInvoice, parsePieces, reasonHash } from "./lib/invoiceLifecycle";
import { withJson } from "./lib/output";
import { parseAddress } from "./lib/parse";
import { oneLineErrors } from "./lib/tx";
import { parseInvoiceId as invoiceId } from "./lib/invoiceRef";

interface InvoiceArgs extends SendArgs {
  invoice: string;
  json: boolean;
}

/** A task acting on one invoice: the invoice argument, --json and the sending options. */
function invoiceTask(name: string, description: string) {
  return withJson(withSend(task(name, description).addPositionalParam("invoice", "The invoice's 0x key or id")));
}

withJson(
  withSend(
    task("invoice:issue", "Registers an invoice you (a verified supplier) issued and mints its receivable to you")
      .addParam("debtor", "The debtor (buyer) wallet")
      .addParam("amount", "The face value, in the currency's units")
      .addParam(
        "due",
        "Due date: a date with its zone (2027-06-30T00:00:00Z) or a duration from the chain's time (90d)",
      )
      .addParam("authority", "The issuing authority's code, as printed (A-Z, 0-9, '-', '/', '.')")
      .addParam("number", "The invoice number, as printed")
      .addOptionalParam("currency", "cash-token (default) or a token address")
      .addOptionalParam("documentUri", "Where the invoice document is", "")
      .addOptionalParam("documentHash", "The document's 0x 32-byte hash")
      .addOptionalParam("file", "A local copy of the document: its keccak256 is recorded"),
  ),
).setAction(
  async (
    args: SendArgs & {
      debtor: string;
      amount: string;
      due: string;
      authority: string;
      number: string;
      currency?: string;
      documentUri: string;
      documentHash?: string;
      file?: string;
      json: boolean;
    },
    hre,
  ) =>
    oneLineErrors(async () => {
      const debtor = parseAddress(args.debtor, "--debtor");
      const hash = documentHash(args.documentHash, args.file);
      return operate(hre, args, async ({ sys, labels, now }) => {
        const currency = await resolveToken(sys, args.currency ?? "cash-token", "--currency");
        const amount = parseAmount(args.amount, currency, "--amount");
        const due = parseExpiry(args.due, now, "--due");
        const supplier = (await resolveActor(hre, args, true)).address;
        const id = await issuedKey(sys, supplier, args.authority, args.number);
        const terms = { debtor, faceValue: amount, currency: currency.address, dueDate: due, documentHash: hash };
        return {
          line:
            `Issue invoice ${args.authority} ${args.number} (key ${keyOf(id)}) of ${labelAddress(labels, supplier)} to ` +
            `${labelAddress(labels, debtor)}: ${formatAmount(amount, currency)} due ${formatTime(due)}.`,
          contract: invoiceRegistryOf(sys),
          fn: "issueInvoice",
          args: [terms, args.authority, args.number, args.documentUri],
          what: "issuing the invoice",
          result: { key: keyOf(id), debtor, currency: currency.address, amount, due },
        };
      });
    })(args),
);

invoiceTask("invoice:accept", "Accepts an invoice as its debtor: the debt becomes undisputable").setAction(
  async (args: InvoiceArgs, hre) =>
    oneLineErrors(async () => {
      const id = invoiceId(args.invoice);
      return operate(hre, args, async ({ sys, labels }) => {
        const inv = await knownInvoice(sys, id);
        return {
          line: `Accept invoice ${inv.key} (${formatAmount(inv.faceValue, inv.currency)} to ${labelAddress(labels, inv.supplier)}) as its debtor.`,
          contract: invoiceRegistryOf(sys),
          fn: "acceptInvoice",
          args: [id],
          what: "accepting the invoice",
          result: { key: inv.key },
        };
      });
    })(args),
);

invoiceTask("invoice:reject", "Disputes an invoice as its debtor")
  .addOptionalParam("reason", "The reason: text (its hash is recorded; keep the text) or a 0x 32-byte hash")
  .setAction(async (args: InvoiceArgs & { reason?: string }, hre) =>
    oneLineErrors(async () => {
      const id = invoiceId(args.invoice);
      const reason = reasonHash(args.reason);
      return operate(hre, args, async ({ sys }) => {
        const inv = await knownInvoice(sys, id);
        return {
          line: `Reject invoice ${inv.key} as its debtor (reason hash ${reason}).`,
          contract: invoiceRegistryOf(sys),
          fn: "rejectInvoice",
          args: [id, reason],
          what: "rejecting the invoice",
          result: { key: inv.key, reasonHash: reason },
        };
      });
    })(args),
  );

invoiceTask("invoice:cancel", "Withdraws an invoice you issued, before the debtor accepts it").setAction(
  async (args: InvoiceArgs, hre) =>
    oneLineErrors(async () => {
      const id = invoiceId(args.invoice);
      return operate(hre, args, async ({ sys }) => {
        const inv = await knownInvoice(sys, id);
        return {
          line: `Cancel invoice ${inv.key} (${inv.status}) as its supplier.`,
          contract: invoiceRegistryOf(sys),
          fn: "cancelInvoice",
          args: [id],
          what: "cancelling the invoice",
          result: { key: inv.key },
        };
      });
    })(args),
);

invoiceTask("invoice:offer", "Offers a receivable you hold for financing (or --withdraw your offer)")
  .addOptionalParam("price", "The price, in the invoice's currency")
  .addOptionalParam("financier", "Only this financier may take it (default: any verified financier)")
  .addOptionalParam("recoursePrice", "The price at which you may buy it back later (default: no recourse)")
  .addFlag("withdraw", "Withdraw the running offer instead")
  .setAction(
    async (
      args: InvoiceArgs & { price?: string; financier?: string; recoursePrice?: string; withdraw: boolean },
      hre,
    ) =>
      oneLineErrors(async () => {
        const id = invoiceId(args.invoice);
        if (args.withdraw && (args.price ?? args.financier ?? args.recoursePrice) !== undefined) {
          throw new GovError("--withdraw takes no price, financier or recourse price");
        }
        if (!args.withdraw && args.price === undefined) throw new GovError("give --price (or --withdraw)");
        const financier =
          args.financier !== undefined ? parseAddress(args.financier, "--financier") : ethers.ZeroAddress;
        return operate(hre, args, async ({ sys, labels }) => {
          const inv = await knownInvoice(sys, id);
          const registry = invoiceRegistryOf(sys);
          if (args.withdraw) {
            return {
              line: `Withdraw the offer for ${inv.key}.`,
              contract: registry,
              fn: "cancelOffer",
              args: [id],
              what: "withdrawing the offer",
              result: { key: inv.key, withdrawn: true },
            };
          }
          const price = parseAmount(args.price, inv.currency, "--price");
          const recourse =
            args.recoursePrice !== undefined ? parseAmount(args.recoursePrice, inv.currency, "--recourse-price") : 0n;
          const to = financier === ethers.ZeroAddress ? "any verified financier" : labelAddress(labels, financier);
          return {
            line:
              `Offer ${inv.key} (outstanding ${formatAmount(inv.outstanding, inv.currency)}) to ${to} for ` +
              `${formatAmount(price, inv.currency)}${recourse > 0n ? `, buy-back at ${formatAmount(recourse, inv.currency)}` : ""}.`,
            contract: registry,
            fn: "offerForFinancing",
            args: [id, financier, price, recourse],
            what: "the offer",
            result: { key: inv.key, withdrawn: false, financier, price, recoursePrice: recourse },
          };
        });
      })(args),
  );

invoiceTask(
  "invoice:finance",
  "Takes the running offer as a verified financier: pays the price and receives the receivable (approve the registry first: token:approve invoice-registry)",
)
  .addOptionalParam("maxPrice", "Refuse if the offer's price is above this (in the currency's units)")
  .setAction(async (args: InvoiceArgs & { maxPrice?: string }, hre) =>
    oneLineErrors(async () => {
      const id = invoiceId(args.invoice);
      return operate(hre, args, async ({ sys, labels }) => {
        const inv = await knownInvoice(sys, id);
        const registry = invoiceRegistryOf(sys);
        const offer = await registry.offerOf(id);
        if (offer.price === 0n) throw new GovError(`invoice ${inv.key} has no running offer`);
        if (args.maxPrice !== undefined) {
          const max = parseAmount(args.maxPrice, inv.currency, "--max-price");
          if (offer.price > max) {
            throw new GovError(
              `the offer's price ${formatAmount(offer.price, inv.currency)} is above --max-price ${formatAmount(max, inv.currency)}`,
            );
          }
        }
        const holder = await registry.ownerOf(id);
        // The financier's credit line on the debtor, checked first and said in words.
        const financier = (await resolveActor(hre, args, true)).address;
        const line = await lineCheck(sys, financier, inv.debtor, inv.currency.address, inv.outstanding);
        if (line?.refused) throw new GovError(`${line.text}; nothing was sent`);
        return {
          line:
            `Finance ${inv.key} (outstanding ${formatAmount(inv.outstanding, inv.currency)}): pay ` +
            `${formatAmount(offer.price, inv.currency)} to ${labelAddress(labels, holder)}` +
            `${offer.recoursePrice > 0n ? `, with the seller's buy-back at ${formatAmount(offer.recoursePrice, inv.currency)}` : ""}.` +
            (line ? `\n${line.text}.` : ""),
          contract: registry,
          fn: "finance",
          args: [id, offer.price, offer.recoursePrice],
          what: "financing",
          result: { key: inv.key, seller: holder, price: offer.price, recoursePrice: offer.recoursePrice },
        };
      });
    })(args),
  );

invoiceTask("invoice:split", "Splits an accepted receivable you hold into pieces adding up to its outstanding amount")
  .addPositionalParam("amounts", "The pieces' amounts, comma-separated (1000,2000.50)")
  .setAction(async (args: InvoiceArgs & { amounts: string }, hre) =>
    oneLineErrors(async () => {
      const id = invoiceId(args.invoice);
      return operate(hre, args, async ({ sys }) => {
        const inv = await knownInvoice(sys, id);
        const amounts = parsePieces(args.amounts, inv);
        const pieces = pieceIds(id, amounts.length).map((piece, i) => ({ key: keyOf(piece), amount: amounts[i] }));
        return {
          line: `Split ${inv.key} into ${pieces.map((p) => `${p.key} (${formatAmount(p.amount, inv.currency)})`).join(", ")}.`,
          contract: invoiceRegistryOf(sys),
          fn: "split",
          args: [id, amounts],
          what: "the split",
          result: { key: inv.key, pieces },
        };
      });
    })(args),
  );

invoiceTask(
  "invoice:default",
  "Marks a receivable you hold defaulted, once its due date and grace period have passed",
).setAction(async (args: InvoiceArgs, hre) =>
  oneLineErrors(async () => {
    const id = invoiceId(args.invoice);
    return operate(hre, args, async ({ sys }) => {
      const inv = await knownInvoice(sys, id);
      return {
        line: `Mark ${inv.key} defaulted (${inv.status}, outstanding ${formatAmount(inv.outstanding, inv.currency)}).`,
        contract: invoiceRegistryOf(sys),
        fn: "markDefaulted",
        args: [id],
        what: "marking the default",
        result: { key: inv.key, outstanding: inv.outstanding },
      };
    });
  })(args),
);

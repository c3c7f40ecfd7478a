import { ethers } from "hardhat";
import type { Signer } from "ethers";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { invoiceKey } from "../../tasks/lib/invoiceKey";
import type { CreditRegistry, IdentityRegistry, InvoiceRegistry, SecurityToken } from "../../typechain-types";
import { Attr, Country } from "./constants";
import type { Report } from "./report";

const YEAR = 365 * 24 * 3600;
const yuan = (amount: number) => BigInt(Math.round(amount * 100)); // the cash token has 2 decimals
const show = (amount: bigint) => `CNY ${(Number(amount) / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`;

/**
 * Credit services: Bank A's credit officer grants Bank A a line on Great Bay Motors and switches
 * enforcement on; Bank A finances a receivable within the line, is refused one beyond it (the
 * registry's named refusal is printed), and the debtor's shared credit record is printed.
 */
export async function demoCredit(
  r: Report,
  c: {
    kyc: IdentityRegistry;
    invoices: InvoiceRegistry;
    credit: CreditRegistry;
    cash: SecurityToken;
    supplier: Signer;
    debtor: Signer;
    bankA: Signer;
  },
) {
  const { kyc, invoices, credit, cash, supplier, debtor, bankA } = c;
  r.section("Credit: a line, financing within it, a refusal beyond it, the credit record");
  const bankAId = ethers.id("Bank A");
  const motors = ethers.id("Great Bay Motors");
  const currency = await cash.getAddress();
  const officer = ethers.Wallet.createRandom().connect(ethers.provider);
  await setBalance(officer.address, ethers.parseEther("10"));
  await r.tx(
    "register Bank A's credit officer (a wallet of Bank A, CREDIT_OFFICER)",
    kyc.registerIdentity(officer.address, bankAId, Country.CN, (await time.latest()) + YEAR, Attr.CREDIT_OFFICER),
  );
  await r.tx(
    "Bank A's officer grants Great Bay Motors a line of CNY 600,000 for a year",
    credit.connect(officer).setLine(motors, currency, yuan(600_000), (await time.latest()) + YEAR),
  );
  await r.tx("Bank A's officer switches line enforcement on", credit.connect(officer).setEnforcement(true));
  r.note(
    `Bank A's exposure to Great Bay Motors ${show(await credit.exposure(bankAId, motors))}, headroom ${show(await credit.headroom(bankAId, motors))}`,
  );

  async function offered(number: string, amount: number, price: number) {
    const terms = {
      debtor: await debtor.getAddress(),
      faceValue: yuan(amount),
      currency,
      dueDate: (await time.latest()) + 60 * 24 * 3600,
      documentHash: ethers.id(`invoice pdf ${number}`),
    };
    await r.tx(
      `Shenzhen Components issues ${number}, CNY ${amount.toLocaleString("en-US")}`,
      invoices.connect(supplier).issueInvoice(terms, "CN-GD", number, `ipfs://bafy-invoice-${number}`),
    );
    const id = invoiceKey(ethers.id("Shenzhen Components"), "CN-GD", number);
    await r.tx(`Great Bay Motors accepts ${number}`, invoices.connect(debtor).acceptInvoice(id));
    await r.tx(
      `Shenzhen Components offers it to Bank A for CNY ${price.toLocaleString("en-US")}`,
      invoices.connect(supplier).offerForFinancing(id, await bankA.getAddress(), yuan(price), 0),
    );
    return id;
  }

  const within = await offered("INV-2026-0044", 400_000, 392_000);
  await r.tx("Bank A finances it: within its line", invoices.connect(bankA).finance(within, yuan(392_000), 0));
  r.note(
    `Bank A's exposure ${show(await credit.exposure(bankAId, motors))}, headroom ${show(await credit.headroom(bankAId, motors))}`,
  );

  const beyond = await offered("INV-2026-0045", 250_000, 245_000);
  try {
    await invoices.connect(bankA).finance.staticCall(beyond, yuan(245_000), 0);
    throw new Error("financing beyond the line was not refused");
  } catch (e) {
    const data = (e as { data?: string }).data;
    const refusal = data ? credit.interface.parseError(data) : null;
    if (!refusal || refusal.name !== "CreditLineExceeded") throw e;
    const [, , line, exposure, amount] = refusal.args as unknown as [string, string, bigint, bigint, bigint];
    r.note(
      `Bank A finances INV-2026-0045: refused, CreditLineExceeded: line ${show(line)}, exposure ${show(exposure)}, amount ${show(amount)}`,
    );
  }

  const record = await credit.recordOf(motors);
  const p = record.payment;
  r.note(
    `Great Bay Motors' credit record: ${p.acceptedCount} receivables accepted (${show(p.acceptedValue)}), ` +
      `${p.paidOnTimeCount} paid on time (${show(p.paidOnTimeValue)}), ${p.paidLateCount} late, ` +
      `${p.defaultedCount} defaulted, outstanding ${show(p.outstanding)}`,
  );
  r.note(
    `  lines granted to it: ${record.linesReceived} (limit ${show(record.totalLimit)}, used ${show(record.totalUsed)}); ` +
      `adverse records: ${record.adverseRecords} (${record.disputed} disputed, ${record.upheld} upheld, ${record.struck} struck)`,
  );
}

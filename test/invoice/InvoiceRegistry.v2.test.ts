import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import {
  INVOICE_VERIFIER_ROLE,
  ONE_DAY,
  RECOVERY_AGENT_ROLE,
  Status,
  Timing,
  cash,
  deployInvoiceFixture,
  entity,
  invoiceKey,
  pieceIds,
} from "../fixtures/invoice";

/** Field numbers of IInvoiceRegistry.InvoiceField. */
const AUTHORITY_FIELD = 0;
const NUMBER_FIELD = 1;

/** The fixture plus a verifier, a recovery agent and a second supplier wallet of SUPPLIER_A. */
async function v2Fixture() {
  const f = await loadFixture(deployInvoiceFixture);
  const [verifier, recoveryAgent, supplierNewWallet, collector] = f.spare;
  await f.invoiceRegistry.connect(f.admin).grantRole(INVOICE_VERIFIER_ROLE, verifier.address);
  await f.invoiceRegistry.connect(f.admin).grantRole(RECOVERY_AGENT_ROLE, recoveryAgent.address);
  await f.identityRegistry.connect(f.registrar).batchRegisterIdentity([
    {
      wallet: supplierNewWallet.address,
      entityId: entity("SUPPLIER_A"),
      country: Country.CN,
      expiry: f.expiry,
      attributes: Attr.SUPPLIER,
    },
    {
      wallet: collector.address,
      entityId: entity("COLLECTOR"),
      country: Country.CN,
      expiry: f.expiry,
      attributes: Attr.FINANCIER,
    },
  ]);
  await f.cashToken.connect(f.cashIssuer).mint(collector.address, cash(100_000));
  await f.cashToken.connect(collector).approve(await f.invoiceRegistry.getAddress(), ethers.MaxUint256);
  /** Freezes or unfreezes `wallet` in the cash token (the transfer agent of the cash token). */
  const freeze = async (wallet: string, frozen: boolean) => {
    await f.cashToken.connect(f.cashIssuer).setAddressFrozen(wallet, frozen);
  };
  /** The debtor entity BUYER_A's record in the fixture's currency. */
  const record = () => f.invoiceRegistry.paymentRecordOf(entity("BUYER_A"), f.currency);
  return { ...f, verifier, recoveryAgent, supplierNewWallet, collector, freeze, record };
}

describe("InvoiceRegistry v2", function () {
  describe("hole 1: one invoice, one key (canonical fields, unambiguous encoding)", function () {
    it("a lower-case spelling of a registered invoice is refused (InvoiceFieldLowerCase), so it cannot be registered twice", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issue("INV-001", { authority: "TAX-123" });
      await expect(f.issue("INV-001", { authority: "TAX-123" }))
        .to.be.revertedWithCustomError(reg, "DuplicateInvoice")
        .withArgs(id);
      const terms = {
        debtor: f.debtor.address,
        faceValue: 1,
        currency: f.currency,
        dueDate: (await time.latest()) + ONE_DAY,
        documentHash: ethers.ZeroHash,
      };
      await expect(reg.connect(f.supplier).issueInvoice(terms, "tax-123", "inv-001", ""))
        .to.be.revertedWithCustomError(reg, "InvoiceFieldLowerCase")
        .withArgs(AUTHORITY_FIELD, 0);
      await expect(reg.connect(f.supplier).issueInvoice(terms, "TAX-123", "INV-00a", ""))
        .to.be.revertedWithCustomError(reg, "InvoiceFieldLowerCase")
        .withArgs(NUMBER_FIELD, 6);
      expect(await reg.balanceOf(f.supplier.address)).to.equal(1n);
    });

    it("names every other non-canonical field: space, disallowed character, empty, over-long", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const e = entity("SUPPLIER_A");
      const terms = {
        debtor: f.debtor.address,
        faceValue: 1,
        currency: f.currency,
        dueDate: (await time.latest()) + ONE_DAY,
        documentHash: ethers.ZeroHash,
      };
      // The contract checks the fields where it derives the key: when the supplier issues.
      const issue = (authority: string, number: string) =>
        reg.connect(f.supplier).issueInvoice(terms, authority, number, "");
      await expect(issue("CN SH", "1"))
        .to.be.revertedWithCustomError(reg, "InvoiceFieldSpace")
        .withArgs(AUTHORITY_FIELD, 2);
      await expect(issue("CN", " 1")).to.be.revertedWithCustomError(reg, "InvoiceFieldSpace").withArgs(NUMBER_FIELD, 0);
      for (const [text, at, char] of [
        ["INV_1", 3, "0x5f"],
        ["INV#1", 3, "0x23"],
        ["INV\u00c91", 3, "0xc3"],
      ] as const) {
        await expect(issue("CN", text))
          .to.be.revertedWithCustomError(reg, "InvoiceFieldCharacter")
          .withArgs(NUMBER_FIELD, at, char);
      }
      await expect(issue("", "1")).to.be.revertedWithCustomError(reg, "InvoiceFieldEmpty").withArgs(0);
      await expect(issue("CN", "")).to.be.revertedWithCustomError(reg, "InvoiceFieldEmpty").withArgs(1);
      await expect(issue("A".repeat(17), "1"))
        .to.be.revertedWithCustomError(reg, "InvoiceFieldTooLong")
        .withArgs(AUTHORITY_FIELD, 17, 16);
      await expect(issue("CN", "9".repeat(33)))
        .to.be.revertedWithCustomError(reg, "InvoiceFieldTooLong")
        .withArgs(NUMBER_FIELD, 33, 32);
      // The longest fields and every allowed character are accepted, and match the off-chain key.
      const fields = ["A".repeat(16), "0123456789-./ABCDEFGHIJKLMNOPQRS"] as const;
      expect(await reg.connect(f.supplier).issueInvoice.staticCall(terms, ...fields, "")).to.equal(
        invoiceKey(e, ...fields),
      );
      await expect(issue(...fields)).to.emit(reg, "InvoiceIssued");
      expect(() => invoiceKey(e, "cn", "1")).to.throw(/InvoiceFieldLowerCase/);
    });

    it("pairs whose concatenations are equal get different keys (length-prefixed encoding)", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const a = await f.issue("H1", { authority: "CN-S" });
      const b = await f.issue("1", { authority: "CN-SH" });
      const c = await f.issue("SH1", { authority: "CN-" });
      expect(new Set([a.id, b.id, c.id]).size).to.equal(3);
      for (const { id } of [a, b, c]) expect(await reg.statusOf(id)).to.equal(Status.Issued);
    });

    it("the key is the supplier's entity's: another wallet of the same entity cannot register the number again", async function () {
      const f = await loadFixture(v2Fixture);
      const { id } = await f.issue("INV-7");
      await expect(f.issue("INV-7", { from: f.supplierNewWallet }))
        .to.be.revertedWithCustomError(f.invoiceRegistry, "DuplicateInvoice")
        .withArgs(id);
    });
  });

  describe("hole 2: split pieces cannot be squatted", function () {
    it("pieces are in the id half no issued key reaches, depend only on parent and index, and a split always goes through", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("PARENT");
      // A would-be squatter registers many invoices: every key has its top bit clear.
      for (let i = 0; i < 12; i++) {
        const squat = await f.issue(`SQUAT-${i}`, { from: f.supplier2, to: f.debtor2, amount: 1n });
        expect(squat.id >> 255n).to.equal(0n);
      }
      const expected = pieceIds(id, 2);
      for (const piece of expected) expect(piece >> 255n).to.equal(1n);
      for (let block = 0; block < 3; block++) {
        expect(await reg.connect(f.supplier).split.staticCall(id, [cash(400), cash(600)])).to.deep.equal(expected);
        await ethers.provider.send("evm_mine", []);
      }
      const { ids } = await f.split(id, [cash(400), cash(600)]);
      expect(ids).to.deep.equal(expected);
      expect(await reg.statusOf(id)).to.equal(Status.Split);
      // Pieces of pieces too.
      const grand = await f.split(ids[1], [cash(100), cash(500)]);
      expect(grand.ids).to.deep.equal(pieceIds(ids[1], 2));
    });
  });

  describe("hole 3: a holder cannot block the debtor's payment", function () {
    it("a frozen holder: the payment is held for it, counts for the debtor at once, and cannot be pushed into default", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const registry = await reg.getAddress();
      const { id, dueDate } = await f.issueAccepted("BLOCKED", { dueIn: ONE_DAY });
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), 0);
      await reg.connect(f.financier).finance(id, cash(900), 0);
      await f.freeze(f.financier.address, true);
      const tx = reg.connect(f.debtor).pay(id, f.currency, cash(1000));
      await expect(tx)
        .to.emit(reg, "PaymentHeld")
        .withArgs(id, f.financier.address, f.currency, cash(1000))
        .and.to.emit(reg, "PaymentMade")
        .withArgs(id, f.debtor.address, f.financier.address, cash(1000), 0n, Timing.OnTime, true)
        .and.to.emit(reg, "InvoicePaid")
        .withArgs(id);
      await expect(tx).to.changeTokenBalances(f.cashToken, [f.debtor, f.financier], [-cash(1000), 0n]);
      expect(await f.cashToken.balanceOf(registry)).to.equal(cash(1000));
      expect(await reg.heldPayments(f.financier.address, f.currency)).to.equal(cash(1000));
      expect(await reg.statusOf(id)).to.equal(Status.Paid);
      const r = await f.record();
      expect([r.outstanding, r.paidOnTimeCount, r.paidOnTimeValue]).to.deep.equal([0n, 1n, cash(1000)]);
      // No default can be marked after the grace period: the receivable is paid.
      await time.increaseTo(dueDate + f.gracePeriod + 1);
      await expect(reg.connect(f.financier).markDefaulted(id))
        .to.be.revertedWithCustomError(reg, "InvalidStatus")
        .withArgs(id, Status.Paid);
      // Frozen, the holder cannot claim yet (the cash token refuses); unfrozen, it claims.
      await expect(reg.connect(f.financier).claimHeld(f.financier.address, f.currency)).to.be.reverted;
      await f.freeze(f.financier.address, false);
      const claim = reg.connect(f.financier).claimHeld(f.financier.address, f.currency);
      await expect(claim)
        .to.emit(reg, "HeldPaymentClaimed")
        .withArgs(f.financier.address, f.financier.address, f.currency, cash(1000));
      await expect(claim).to.changeTokenBalances(
        f.cashToken,
        [registry, f.financier.address],
        [-cash(1000), cash(1000)],
      );
      await expect(reg.connect(f.financier).claimHeld(f.financier.address, f.currency))
        .to.be.revertedWithCustomError(reg, "NothingHeld")
        .withArgs(f.financier.address, f.currency);
    });

    it("a payment still reverts when the payer's own leg fails (no allowance), and nothing is recorded", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("OWN-LEG");
      await f.freeze(f.supplier.address, true);
      await f.cashToken.connect(f.debtor).approve(await reg.getAddress(), 0);
      await expect(reg.connect(f.debtor).pay(id, f.currency, cash(10))).to.be.reverted;
      expect(await reg.outstanding(id)).to.equal(cash(1000));
      expect((await f.record()).outstanding).to.equal(cash(1000));
      expect(await reg.heldPayments(f.supplier.address, f.currency)).to.equal(0n);
    });

    it("held cash is claimed by another wallet of the holder's entity, never by another entity (NotSameEntity)", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("HELD");
      await f.freeze(f.supplier.address, true);
      await reg.connect(f.debtor).pay(id, f.currency, cash(250));
      await expect(reg.connect(f.supplier2).claimHeld(f.supplier.address, f.currency))
        .to.be.revertedWithCustomError(reg, "NotSameEntity")
        .withArgs(f.supplier.address, f.supplier2.address);
      await expect(reg.connect(f.outsider).claimHeld(f.supplier.address, f.currency))
        .to.be.revertedWithCustomError(reg, "NotSameEntity")
        .withArgs(f.supplier.address, f.outsider.address);
      await expect(reg.connect(f.supplierNewWallet).claimHeld(f.supplier.address, f.currency)).to.changeTokenBalance(
        f.cashToken,
        f.supplierNewWallet,
        cash(250),
      );
      expect(await reg.heldPayments(f.supplier.address, f.currency)).to.equal(0n);
    });

    it("claimHeld is blocked while paused (EnforcedPause)", async function () {
      const f = await loadFixture(v2Fixture);
      await f.invoiceRegistry.connect(f.guardian).pause();
      await expect(
        f.invoiceRegistry.connect(f.supplier).claimHeld(f.supplier.address, f.currency),
      ).to.be.revertedWithCustomError(f.invoiceRegistry, "EnforcedPause");
    });
  });

  describe("after default", function () {
    it("a defaulted receivable is sold to a collector and paid late to it: paid after default", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const { id, dueDate } = await f.issueAccepted("LATE", { dueIn: ONE_DAY });
      await reg.connect(f.debtor).pay(id, f.currency, cash(100));
      await time.increaseTo(dueDate + f.gracePeriod + 1);
      await expect(reg.connect(f.supplier).markDefaulted(id))
        .to.emit(reg, "InvoiceDefaulted")
        .withArgs(id, f.supplier.address, cash(900));
      await reg.connect(f.supplier).offerForFinancing(id, f.collector.address, cash(300), 0);
      await expect(reg.connect(f.collector).finance(id, cash(300), 0)).to.emit(reg, "InvoiceFinanced");
      expect(await reg.ownerOf(id)).to.equal(f.collector.address);
      expect(await reg.statusOf(id)).to.equal(Status.Defaulted);
      await expect(reg.connect(f.debtor).pay(id, f.currency, cash(400)))
        .to.emit(reg, "PaymentMade")
        .withArgs(id, f.debtor.address, f.collector.address, cash(400), cash(500), Timing.AfterDefault, false);
      await expect(reg.connect(f.debtor).pay(id, f.currency, cash(500)))
        .to.emit(reg, "InvoicePaid")
        .withArgs(id);
      const invoice = await reg.invoiceOf(id);
      expect([invoice.status, invoice.defaulted, invoice.paid]).to.deep.equal([Status.Paid, true, cash(1000)]);
      const r = await f.record();
      expect(r.acceptedCount).to.equal(1n);
      expect(r.acceptedValue).to.equal(cash(1000));
      expect([r.paidOnTimeCount, r.paidOnTimeValue]).to.deep.equal([1n, cash(100)]);
      expect([r.paidLateCount, r.paidLateValue]).to.deep.equal([2n, cash(900)]);
      expect([r.defaultedCount, r.defaultedValue]).to.deep.equal([1n, cash(900)]);
      expect(r.outstanding).to.equal(0n);
      // A defaulted receivable moves by plain transfer too.
      const other = await f.issueAccepted("LATE-2", { dueIn: ONE_DAY });
      await time.increase(ONE_DAY + f.gracePeriod + 1);
      await reg.connect(f.supplier).markDefaulted(other.id);
      await reg.connect(f.supplier).transferFrom(f.supplier.address, f.collector.address, other.id);
      expect(await reg.ownerOf(other.id)).to.equal(f.collector.address);
    });

    it("payments after the due date (not defaulted) are late; before or at it, on time", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const { id, dueDate } = await f.issueAccepted("TIMING", { dueIn: ONE_DAY });
      await time.setNextBlockTimestamp(dueDate);
      await expect(reg.connect(f.debtor).pay(id, f.currency, cash(1)))
        .to.emit(reg, "PaymentMade")
        .withArgs(id, f.debtor.address, f.supplier.address, cash(1), cash(999), Timing.OnTime, false);
      await expect(reg.connect(f.debtor).pay(id, f.currency, cash(2)))
        .to.emit(reg, "PaymentMade")
        .withArgs(id, f.debtor.address, f.supplier.address, cash(2), cash(997), Timing.Late, false);
      const r = await f.record();
      expect([r.paidOnTimeValue, r.paidLateValue, r.outstanding]).to.deep.equal([cash(1), cash(2), cash(997)]);
    });
  });

  describe("recourse", function () {
    it("the seller buys a financed receivable back at the price agreed on chain, even after default", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const { id, dueDate } = await f.issueAccepted("RECOURSE", { dueIn: ONE_DAY });
      await expect(reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), cash(950)))
        .to.emit(reg, "OfferMade")
        .withArgs(id, f.supplier.address, f.financier.address, cash(900), cash(950));
      await expect(reg.connect(f.financier).finance(id, cash(900), 0))
        .to.be.revertedWithCustomError(reg, "RecoursePriceMismatch")
        .withArgs(id, 0, cash(950));
      await expect(reg.connect(f.financier).finance(id, cash(900), cash(950)))
        .to.emit(reg, "RecourseAgreed")
        .withArgs(id, f.supplier.address, f.financier.address, cash(950));
      expect(await reg.recourseOf(id)).to.deep.equal([f.supplier.address, cash(950), f.financier.address]);
      await expect(reg.connect(f.financier2).buyBack(id))
        .to.be.revertedWithCustomError(reg, "NoRecourse")
        .withArgs(id, f.financier2.address);
      await time.increaseTo(dueDate + f.gracePeriod + 1);
      await reg.connect(f.financier).markDefaulted(id);
      await f.cashToken.connect(f.cashIssuer).mint(f.supplier.address, cash(950));
      const tx = reg.connect(f.supplier).buyBack(id);
      await expect(tx).to.emit(reg, "BoughtBack").withArgs(id, f.supplier.address, f.financier.address, cash(950));
      await expect(tx).to.changeTokenBalances(f.cashToken, [f.supplier, f.financier], [-cash(950), cash(950)]);
      expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
      expect(await reg.recourseOf(id)).to.deep.equal([ethers.ZeroAddress, 0n, ethers.ZeroAddress]);
    });

    it("lapses when the financier no longer holds it (RecourseLapsed); blocked while paused", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("LAPSE");
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), cash(950));
      await reg.connect(f.financier).finance(id, cash(900), cash(950));
      await reg.connect(f.financier).transferFrom(f.financier.address, f.collector.address, id);
      await expect(reg.connect(f.supplier).buyBack(id))
        .to.be.revertedWithCustomError(reg, "RecourseLapsed")
        .withArgs(id, f.financier.address, f.collector.address);
      await reg.connect(f.guardian).pause();
      await expect(reg.connect(f.supplier).buyBack(id)).to.be.revertedWithCustomError(reg, "EnforcedPause");
    });
  });

  describe("recovery", function () {
    it("moves a receivable (any status) from a lost wallet to a wallet of the same entity; held cash follows by claim", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("LOST");
      const issued = await f.issue("LOST-ISSUED");
      await f.freeze(f.supplier.address, true);
      await reg.connect(f.debtor).pay(id, f.currency, cash(10));
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), 0);
      await expect(reg.connect(f.recoveryAgent).recoverReceivable(id, f.supplierNewWallet.address))
        .to.emit(reg, "ReceivableRecovered")
        .withArgs(id, f.supplier.address, f.supplierNewWallet.address);
      expect(await reg.ownerOf(id)).to.equal(f.supplierNewWallet.address);
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
      expect((await reg.invoiceOf(id)).supplier).to.equal(f.supplierNewWallet.address);
      // An Issued invoice too: the new wallet may cancel it.
      await reg.connect(f.recoveryAgent).recoverReceivable(issued.id, f.supplierNewWallet.address);
      await expect(reg.connect(f.supplierNewWallet).cancelInvoice(issued.id)).to.emit(reg, "InvoiceCancelled");
      await expect(reg.connect(f.supplierNewWallet).claimHeld(f.supplier.address, f.currency)).to.changeTokenBalance(
        f.cashToken,
        f.supplierNewWallet,
        cash(10),
      );
    });

    it("refuses another entity's wallet (NotSameEntity), an ineligible one, an unknown id, and while paused", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("LOST");
      const agent = reg.connect(f.recoveryAgent);
      await expect(agent.recoverReceivable(id, f.supplier2.address))
        .to.be.revertedWithCustomError(reg, "NotSameEntity")
        .withArgs(f.supplier.address, f.supplier2.address);
      await expect(agent.recoverReceivable(id, f.supplierDebtor.address))
        .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
        .withArgs(f.supplierDebtor.address, Attr.SUPPLIER | Attr.FINANCIER);
      const unknown = invoiceKey(entity("SUPPLIER_A"), "CN-SH", "NONE");
      await expect(agent.recoverReceivable(unknown, f.supplierNewWallet.address))
        .to.be.revertedWithCustomError(reg, "UnknownInvoice")
        .withArgs(unknown);
      await reg.connect(f.guardian).pause();
      await expect(agent.recoverReceivable(id, f.supplierNewWallet.address)).to.be.revertedWithCustomError(
        reg,
        "EnforcedPause",
      );
    });
  });

  describe("attestation", function () {
    it("a verifier attests (InvoiceAttested); pieces inherit it; required, financing needs it (NotAttested)", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const a = await f.issue("ATT-A");
      const b = await f.issueAccepted("ATT-B");
      await expect(reg.connect(f.verifier).attestInvoice(a.id, ethers.id("tax office")))
        .to.emit(reg, "InvoiceAttested")
        .withArgs(a.id, f.verifier.address, ethers.id("tax office"));
      expect((await reg.invoiceOf(a.id)).attested).to.equal(true);
      await expect(reg.connect(f.verifier).attestInvoice(a.id, ethers.ZeroHash))
        .to.be.revertedWithCustomError(reg, "AlreadyAttested")
        .withArgs(a.id);
      await expect(reg.connect(f.admin).setAttestationRequired(true))
        .to.emit(reg, "AttestationRequiredSet")
        .withArgs(true);
      expect((await reg.settings()).attestationRequired).to.equal(true);
      await reg.connect(f.debtor).acceptInvoice(a.id);
      await reg.connect(f.supplier).offerForFinancing(b.id, f.financier.address, cash(900), 0);
      await expect(reg.connect(f.financier).finance(b.id, cash(900), 0))
        .to.be.revertedWithCustomError(reg, "NotAttested")
        .withArgs(b.id);
      const { ids } = await f.split(a.id, [cash(500), cash(500)]);
      expect((await reg.invoiceOf(ids[0])).attested).to.equal(true);
      await reg.connect(f.supplier).offerForFinancing(ids[0], f.financier.address, cash(450), 0);
      await expect(reg.connect(f.financier).finance(ids[0], cash(450), 0)).to.emit(reg, "InvoiceFinanced");
      // Only Issued or Accepted invoices are attested; an unknown one is refused.
      await expect(reg.connect(f.verifier).attestInvoice(a.id, ethers.ZeroHash))
        .to.be.revertedWithCustomError(reg, "InvalidStatus")
        .withArgs(a.id, Status.Split);
      const unknown = invoiceKey(entity("SUPPLIER_A"), "CN-SH", "NONE");
      await expect(reg.connect(f.verifier).attestInvoice(unknown, ethers.ZeroHash))
        .to.be.revertedWithCustomError(reg, "UnknownInvoice")
        .withArgs(unknown);
      await reg.connect(f.guardian).pause();
      await expect(reg.connect(f.verifier).attestInvoice(b.id, ethers.ZeroHash)).to.be.revertedWithCustomError(
        reg,
        "EnforcedPause",
      );
    });
  });

  describe("payment record per debtor entity", function () {
    it("counts accepted, on time, late, defaulted and outstanding per currency; splits change nothing", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry;
      const empty = await f.record();
      expect(empty.acceptedCount).to.equal(0n);
      await f.issue("NOT-ACCEPTED");
      const a = await f.issueAccepted("REC-A", { amount: cash(600) });
      await f.issueAccepted("REC-B", { amount: cash(400), from: f.supplier2 });
      await f.split(a.id, [cash(100), cash(500)]);
      const r = await f.record();
      expect([r.acceptedCount, r.acceptedValue, r.outstanding]).to.deep.equal([2n, cash(1000), cash(1000)]);
      // The same entity's other wallet adds to the same record: none here; another debtor has its own.
      const other = await reg.paymentRecordOf(entity("BUYER_B"), f.currency);
      expect(other.acceptedCount).to.equal(0n);
      await expect(reg.paymentRecordOf(entity("NOBODY"), f.currency))
        .to.be.revertedWithCustomError(reg, "UnknownEntity")
        .withArgs(entity("NOBODY"));
    });
  });

  describe("currencies", function () {
    it("up to 255 currencies get a number; one more reverts with TooManyCurrencies", async function () {
      const f = await loadFixture(v2Fixture);
      const reg = f.invoiceRegistry.connect(f.admin);
      // The cash token is number 1.
      for (let i = 2; i <= 255; i++) await reg.setCurrencyAllowed(ethers.toBeHex(i, 20), true);
      await expect(reg.setCurrencyAllowed(ethers.toBeHex(256, 20), true)).to.be.revertedWithCustomError(
        reg,
        "TooManyCurrencies",
      );
      // Known currencies can still be switched.
      await expect(reg.setCurrencyAllowed(ethers.toBeHex(2, 20), false))
        .to.emit(reg, "CurrencyAllowed")
        .withArgs(ethers.getAddress(ethers.toBeHex(2, 20)), false);
    });
  });
});

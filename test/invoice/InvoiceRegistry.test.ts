import fs from "node:fs";
import { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { Attr, Country } from "../../scripts/lib/constants";
import type { InvoiceRegistry, ReenteringERC20 } from "../../typechain-types";
import {
  DEFAULT_ADMIN_ROLE,
  GUARDIAN_ROLE,
  HOLDER_ATTRIBUTES,
  INVOICE_VERIFIER_ROLE,
  RECOVERY_AGENT_ROLE,
  ONE_DAY,
  Status,
  type StatusName,
  UINT96_MAX,
  cash,
  deployInvoiceFixture,
  deployStandaloneInvoiceRegistry,
  entity,
  Timing,
  invoiceKey,
  pieceId,
  pieceIds,
} from "../fixtures/invoice";

/** Sends a transaction without gas estimation, so it is mined (and may revert) at a chosen timestamp. */
const MINED = { gasLimit: 2_000_000 };
const REASON = ethers.id("reason: goods not delivered");
const SAFE_TRANSFER = "safeTransferFrom(address,address,uint256)" as const;

type Fixture = Awaited<ReturnType<typeof deployInvoiceFixture>>;

/** Transfers by `transferFrom` or by `safeTransferFrom`: every transfer rule must hold for both. */
const TRANSFER_KINDS = [
  {
    name: "transferFrom",
    send: (reg: InvoiceRegistry, by: HardhatEthersSigner, from: string, to: string, id: bigint) =>
      reg.connect(by).transferFrom(from, to, id),
  },
  {
    name: "safeTransferFrom",
    send: (reg: InvoiceRegistry, by: HardhatEthersSigner, from: string, to: string, id: bigint) =>
      reg.connect(by)[SAFE_TRANSFER](from, to, id),
  },
] as const;

/**
 * One invoice (face 1000.00, supplier -> debtor, held by supplier) in every stored status.
 * The Paid, Defaulted and Split invoices had a running offer before they got there.
 * Built on the snapshot of deployInvoiceFixture, so switching fixtures never redeploys the consortium.
 */
async function statesFixture() {
  const f = await loadFixture(deployInvoiceFixture);
  const reg = f.invoiceRegistry;
  const { supplier, debtor, financier } = f;

  const defaulted = await f.issueAccepted("S-defaulted", { dueIn: ONE_DAY });
  await reg.connect(supplier).offerForFinancing(defaulted.id, financier.address, cash(900), 0);
  await time.increase(ONE_DAY + f.gracePeriod + 1);
  await reg.connect(supplier).markDefaulted(defaulted.id);

  const issued = await f.issue("S-issued");
  const accepted = await f.issueAccepted("S-accepted");
  const rejected = await f.issue("S-rejected");
  await reg.connect(debtor).rejectInvoice(rejected.id, REASON);
  const cancelled = await f.issue("S-cancelled");
  await reg.connect(supplier).cancelInvoice(cancelled.id);
  const paid = await f.issueAccepted("S-paid");
  await reg.connect(supplier).offerForFinancing(paid.id, financier.address, cash(900), 0);
  await reg.connect(debtor).pay(paid.id, f.currency, cash(1000));
  const split = await f.issueAccepted("S-split");
  await reg.connect(supplier).offerForFinancing(split.id, ethers.ZeroAddress, cash(900), 0);
  const splitPieces = await f.split(split.id, [cash(400), cash(600)]);

  const invoices: Record<Exclude<StatusName, "None" | "Overdue">, { id: bigint; number: string; dueDate: number }> = {
    Issued: issued,
    Accepted: accepted,
    Rejected: rejected,
    Cancelled: cancelled,
    Paid: paid,
    Defaulted: defaulted,
    Split: split,
  };
  // splitPieces: the Split invoice's pieces (their ids depend on the split's block).
  return { ...f, invoices, splitPieces };
}

type StatesFixture = Awaited<ReturnType<typeof statesFixture>>;
const STORED_STATUSES = ["Issued", "Accepted", "Rejected", "Cancelled", "Paid", "Defaulted", "Split"] as const;
const FINAL_STATUSES = ["Rejected", "Cancelled", "Paid", "Split"] as const;

/** Every status-guarded action, sent by the party that would be allowed to, and the statuses it takes. */
const STATUS_ACTIONS: {
  name: string;
  allowed: StatusName[];
  call: (f: StatesFixture, id: bigint) => Promise<ContractTransactionResponse>;
}[] = [
  {
    name: "acceptInvoice",
    allowed: ["Issued"],
    call: (f, id) => f.invoiceRegistry.connect(f.debtor).acceptInvoice(id),
  },
  {
    name: "rejectInvoice",
    allowed: ["Issued"],
    call: (f, id) => f.invoiceRegistry.connect(f.debtor).rejectInvoice(id, REASON),
  },
  {
    name: "cancelInvoice",
    allowed: ["Issued"],
    call: (f, id) => f.invoiceRegistry.connect(f.supplier).cancelInvoice(id),
  },
  {
    name: "markDefaulted",
    allowed: ["Accepted"],
    call: (f, id) => f.invoiceRegistry.connect(f.supplier).markDefaulted(id),
  },
  {
    name: "offerForFinancing",
    allowed: ["Accepted", "Defaulted"],
    call: (f, id) => f.invoiceRegistry.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), 0),
  },
  {
    name: "split",
    allowed: ["Accepted"],
    call: (f, id) => f.invoiceRegistry.connect(f.supplier).split(id, [cash(500), cash(500)]),
  },
  {
    name: "pay",
    allowed: ["Accepted", "Defaulted"],
    call: (f, id) => f.invoiceRegistry.connect(f.debtor).pay(id, f.currency, cash(1)),
  },
  {
    name: "transferFrom",
    allowed: ["Accepted", "Defaulted"],
    call: (f, id) => f.invoiceRegistry.connect(f.supplier).transferFrom(f.supplier.address, f.financier.address, id),
  },
  {
    name: "safeTransferFrom",
    allowed: ["Accepted", "Defaulted"],
    call: (f, id) => f.invoiceRegistry.connect(f.supplier)[SAFE_TRANSFER](f.supplier.address, f.financier.address, id),
  },
];

/** A snapshot of everything about one invoice, to prove a reverted action changed nothing. */
async function snapshot(f: Fixture, id: bigint) {
  const reg = f.invoiceRegistry;
  return {
    invoice: await reg.invoiceOf(id),
    owner: await reg.ownerOf(id),
    status: await reg.statusOf(id),
    outstanding: await reg.outstanding(id),
    offer: await reg.offerOf(id),
  };
}

describe("InvoiceRegistry", function () {
  describe("deployment (Ignition)", function () {
    it("is wired to the identity registry and the cash token, administered by the timelock", async function () {
      const {
        invoiceRegistry: reg,
        identityRegistry,
        currency,
        timelock,
        guardian,
        deployer,
        parameters,
      } = await loadFixture(deployInvoiceFixture);
      expect(await reg.identityRegistry()).to.equal(await identityRegistry.getAddress());
      expect(await reg.isCurrencyAllowed(currency)).to.equal(true);
      expect(await reg.hasRole(DEFAULT_ADMIN_ROLE, await timelock.getAddress())).to.equal(true);
      expect(await reg.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(true);
      expect(await reg.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
      expect((await reg.settings()).gracePeriod).to.equal(BigInt(parameters.Invoices.gracePeriod));
      expect((await reg.settings()).maxSplitPieces).to.equal(BigInt(parameters.Invoices.maxSplitPieces));
      expect(await reg.paused()).to.equal(false);
      expect(await reg.name()).to.equal("Consortium Receivable");
      expect(await reg.symbol()).to.equal("RCV");
    });
  });

  describe("issueInvoice", function () {
    it("mints the receivable to the supplier with its canonical key as id and emits InvoiceIssued", async function () {
      const { invoiceRegistry: reg, supplier, debtor, currency } = await loadFixture(deployInvoiceFixture);
      const dueDate = (await time.latest()) + 30 * ONE_DAY;
      const docHash = ethers.id("pdf");
      const terms = { debtor: debtor.address, faceValue: cash(1234.56), currency, dueDate, documentHash: docHash };
      const key = invoiceKey(entity("SUPPLIER_A"), "CN-SH", "2026/0001");
      expect(key >> 255n).to.equal(0n);
      const args = [terms, "CN-SH", "2026/0001", "ipfs://inv/1"] as const;
      expect(await reg.connect(supplier).issueInvoice.staticCall(...args)).to.equal(key);
      await expect(reg.connect(supplier).issueInvoice(...args))
        .to.emit(reg, "InvoiceIssued")
        .withArgs(
          key,
          supplier.address,
          debtor.address,
          [debtor.address, cash(1234.56), currency, dueDate, docHash],
          entity("SUPPLIER_A"),
          "CN-SH",
          "2026/0001",
          "ipfs://inv/1",
        )
        .and.to.emit(reg, "Transfer")
        .withArgs(ethers.ZeroAddress, supplier.address, key);
      expect(await reg.ownerOf(key)).to.equal(supplier.address);
      expect(await reg.balanceOf(supplier.address)).to.equal(1n);
      const invoice = await reg.invoiceOf(key);
      expect(invoice.supplier).to.equal(supplier.address);
      expect(invoice.debtor).to.equal(debtor.address);
      expect(invoice.currency).to.equal(currency);
      expect(invoice.faceValue).to.equal(cash(1234.56));
      expect(invoice.paid).to.equal(0n);
      expect(invoice.dueDate).to.equal(BigInt(dueDate));
      expect(invoice.status).to.equal(Status.Issued);
      expect(invoice.parentId).to.equal(0n);
      expect(invoice.attested).to.equal(false);
      expect(invoice.defaulted).to.equal(false);
      expect(await reg.outstanding(key)).to.equal(cash(1234.56));
      expect(await reg.statusOf(key)).to.equal(Status.Issued);
      expect(await reg.offerOf(key)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
      expect(await reg.tokenURI(key)).to.equal("");
      expect(await reg.name()).to.equal("Consortium Receivable");
      expect(await reg.symbol()).to.equal("RCV");
      await expect(reg.tokenURI(key + 1n)).to.be.revertedWithCustomError(reg, "ERC721NonexistentToken");
    });

    it("knows nothing of an unregistered key (statusOf None, outstanding 0, UnknownInvoice)", async function () {
      const { invoiceRegistry: reg } = await loadFixture(deployInvoiceFixture);
      const key = invoiceKey(entity("SUPPLIER_A"), "CN-SH", "NEVER-ISSUED");
      expect(await reg.statusOf(key)).to.equal(Status.None);
      expect(await reg.outstanding(key)).to.equal(0n);
      await expect(reg.invoiceOf(key)).to.be.revertedWithCustomError(reg, "UnknownInvoice").withArgs(key);
    });

    it("accepts the largest face value (uint96 max) and rejects one more (AmountTooLarge)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      await expect(f.issue("big", { amount: UINT96_MAX + 1n }))
        .to.be.revertedWithCustomError(reg, "AmountTooLarge")
        .withArgs(UINT96_MAX + 1n);
      const { id } = await f.issue("big", { amount: UINT96_MAX });
      expect((await reg.invoiceOf(id)).faceValue).to.equal(UINT96_MAX);
    });

    it("reverts with ZeroAmount and CurrencyNotAllowed", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const dueDate = (await time.latest()) + ONE_DAY;
      await expect(f.issue("x", { amount: 0n })).to.be.revertedWithCustomError(reg, "ZeroAmount");
      const share = await f.securityToken.getAddress();
      for (const bad of [share, ethers.ZeroAddress]) {
        const terms = { debtor: f.debtor.address, faceValue: 1, currency: bad, dueDate, documentHash: ethers.ZeroHash };
        await expect(reg.connect(f.supplier).issueInvoice(terms, "CN-SH", "X", ""))
          .to.be.revertedWithCustomError(reg, "CurrencyNotAllowed")
          .withArgs(bad);
      }
      expect(await reg.statusOf(invoiceKey(entity("SUPPLIER_A"), "CN-SH", "X"))).to.equal(Status.None);
    });

    it("reverts with DueDateInPast for a due date at or before the block time", async function () {
      const { invoiceRegistry: reg, supplier, debtor, currency } = await loadFixture(deployInvoiceFixture);
      const issueDue = (dueDate: number, number: string) =>
        reg
          .connect(supplier)
          .issueInvoice(
            { debtor: debtor.address, faceValue: 1, currency, dueDate, documentHash: ethers.ZeroHash },
            "CN-SH",
            number,
            "",
            MINED,
          );
      const t = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(t);
      await expect(issueDue(t - 1, "A"))
        .to.be.revertedWithCustomError(reg, "DueDateInPast")
        .withArgs(t - 1);
      await time.setNextBlockTimestamp(t + 1);
      await expect(issueDue(t + 1, "B"))
        .to.be.revertedWithCustomError(reg, "DueDateInPast")
        .withArgs(t + 1);
      await time.setNextBlockTimestamp(t + 2);
      await expect(issueDue(t + 3, "C")).to.emit(reg, "InvoiceIssued");
    });

    it("reverts with DuplicateInvoice(id) for a registered key, in every status", async function () {
      const f = await loadFixture(statesFixture);
      const reg = f.invoiceRegistry;
      for (const status of STORED_STATUSES) {
        const { id, number } = f.invoices[status];
        await expect(f.issue(number, { to: f.debtor2, amount: 5n }))
          .to.be.revertedWithCustomError(reg, "DuplicateInvoice")
          .withArgs(id);
      }
    });

    it("the same number from another supplier entity, or at another authority, is another invoice", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const a = await f.issue("INV-1");
      const b = await f.issue("INV-1", { from: f.supplier2 });
      const c = await f.issue("INV-1", { authority: "CN-BJ" });
      expect(new Set([a.id, b.id, c.id]).size).to.equal(3);
      expect(b.id).to.equal(invoiceKey(entity("SUPPLIER_B"), "CN-SH", "INV-1"));
    });

    it("reverts with ParticipantNotEligible(caller, SUPPLIER) for a non-supplier, unverified or expired supplier", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      for (const caller of [f.financier, f.debtor, f.outsider]) {
        await expect(f.issue("n", { from: caller }))
          .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
          .withArgs(caller.address, Attr.SUPPLIER);
      }
      // Removed from the registry.
      await f.identityRegistry.connect(f.registrar).removeIdentity(f.supplier2.address);
      await expect(f.issue("n", { from: f.supplier2 }))
        .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
        .withArgs(f.supplier2.address, Attr.SUPPLIER);
      // KYC expired: at the expiry timestamp already.
      const at = await f.expireIn(f.supplier, 100);
      const send = (number: string) =>
        reg.connect(f.supplier).issueInvoice(
          {
            debtor: f.debtor.address,
            faceValue: 1,
            currency: f.currency,
            dueDate: at + ONE_DAY,
            documentHash: ethers.ZeroHash,
          },
          "CN-SH",
          number,
          "",
          MINED,
        );
      await time.setNextBlockTimestamp(at - 1);
      await expect(send("E1")).to.emit(reg, "InvoiceIssued");
      await time.setNextBlockTimestamp(at);
      await expect(send("E2"))
        .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
        .withArgs(f.supplier.address, Attr.SUPPLIER);
    });

    it("reverts with ParticipantNotEligible(debtor, DEBTOR) for a non-debtor, unverified or expired debtor", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      for (const to of [f.financier, f.supplier2, f.outsider]) {
        await expect(f.issue("n", { to }))
          .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
          .withArgs(to.address, Attr.DEBTOR);
      }
      await f.expireIn(f.debtor2, 10);
      await time.increase(10);
      await expect(f.issue("n", { to: f.debtor2 }))
        .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
        .withArgs(f.debtor2.address, Attr.DEBTOR);
      const { id } = await f.issue("n", { to: f.debtor });
      expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
    });

    it("reverts with DebtorIsSupplier for a debtor wallet of the supplier's own entity", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      expect(await f.identityRegistry.entityOf(f.supplierDebtor.address)).to.equal(
        await f.identityRegistry.entityOf(f.supplier.address),
      );
      await expect(f.issue("self", { to: f.supplierDebtor }))
        .to.be.revertedWithCustomError(reg, "DebtorIsSupplier")
        .withArgs(f.supplierDebtor.address);
      // Another supplier may invoice that wallet.
      const { id } = await f.issue("self", { from: f.supplier2, to: f.supplierDebtor });
      expect((await reg.invoiceOf(id)).debtor).to.equal(f.supplierDebtor.address);
    });

    it("is blocked while paused (EnforcedPause)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      await f.invoiceRegistry.connect(f.guardian).pause();
      await expect(f.issue("p")).to.be.revertedWithCustomError(f.invoiceRegistry, "EnforcedPause");
      expect(await f.invoiceRegistry.statusOf(invoiceKey(entity("SUPPLIER_A"), "CN-SH", "P"))).to.equal(Status.None);
    });
  });

  describe("acceptInvoice", function () {
    it("lets the debtor accept: status Accepted, InvoiceAccepted(id, debtor)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issue("a");
      await expect(reg.connect(f.debtor).acceptInvoice(id))
        .to.emit(reg, "InvoiceAccepted")
        .withArgs(id, f.debtor.address);
      expect(await reg.statusOf(id)).to.equal(Status.Accepted);
      expect((await reg.invoiceOf(id)).status).to.equal(Status.Accepted);
      expect(await reg.outstanding(id)).to.equal(cash(1000));
      expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
    });

    it("reverts with NotDebtor(id, caller) for anyone else (even the supplier, or another debtor)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const { id } = await f.issue("a");
      for (const caller of [f.supplier, f.debtor2, f.financier, f.outsider, f.admin]) {
        await expect(f.invoiceRegistry.connect(caller).acceptInvoice(id))
          .to.be.revertedWithCustomError(f.invoiceRegistry, "NotDebtor")
          .withArgs(id, caller.address);
      }
      expect(await f.invoiceRegistry.statusOf(id)).to.equal(Status.Issued);
    });

    it("reverts with ParticipantNotEligible(debtor, DEBTOR) once the debtor's KYC expired", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const { id } = await f.issue("a");
      await f.expireIn(f.debtor, 10);
      await time.increase(10);
      await expect(f.invoiceRegistry.connect(f.debtor).acceptInvoice(id))
        .to.be.revertedWithCustomError(f.invoiceRegistry, "ParticipantNotEligible")
        .withArgs(f.debtor.address, Attr.DEBTOR);
      // The debtor may still dispute it.
      await expect(f.invoiceRegistry.connect(f.debtor).rejectInvoice(id, REASON)).to.emit(
        f.invoiceRegistry,
        "InvoiceRejected",
      );
    });

    it("reverts with ParticipantNotEligible(debtor, DEBTOR) for a debtor still verified but no longer a debtor, or removed; accepts once a debtor again", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issue("a");
      const { id: id2 } = await f.issue("b", { to: f.debtor2 });
      // KYC still valid, but without the DEBTOR attribute.
      for (const attributes of [Attr.FINANCIER, Attr.SUPPLIER | Attr.INVESTOR | Attr.QUALIFIED_INVESTOR, 0]) {
        await f.setAttributes(f.debtor, attributes);
        expect(await f.identityRegistry.isVerified(f.debtor.address)).to.equal(true);
        await expect(reg.connect(f.debtor).acceptInvoice(id))
          .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
          .withArgs(f.debtor.address, Attr.DEBTOR);
      }
      // Removed from the registry.
      await f.identityRegistry.connect(f.registrar).removeIdentity(f.debtor2.address);
      await expect(reg.connect(f.debtor2).acceptInvoice(id2))
        .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
        .withArgs(f.debtor2.address, Attr.DEBTOR);
      expect(await reg.statusOf(id)).to.equal(Status.Issued);
      expect(await reg.statusOf(id2)).to.equal(Status.Issued);
      // A debtor again (with other attributes too): it accepts.
      await f.setAttributes(f.debtor, Attr.DEBTOR | Attr.FINANCIER);
      await expect(reg.connect(f.debtor).acceptInvoice(id))
        .to.emit(reg, "InvoiceAccepted")
        .withArgs(id, f.debtor.address);
      expect(await reg.statusOf(id)).to.equal(Status.Accepted);
    });
  });

  describe("rejectInvoice", function () {
    it("lets the debtor reject with a reason hash: status Rejected, outstanding 0, the NFT stays with the supplier", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issue("r");
      await expect(reg.connect(f.debtor).rejectInvoice(id, REASON))
        .to.emit(reg, "InvoiceRejected")
        .withArgs(id, f.debtor.address, REASON);
      expect(await reg.statusOf(id)).to.equal(Status.Rejected);
      expect(await reg.outstanding(id)).to.equal(0n);
      expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
      await expect(f.issue("r")).to.be.revertedWithCustomError(reg, "DuplicateInvoice").withArgs(id);
    });

    it("reverts with NotDebtor(id, caller) for anyone else", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const { id } = await f.issue("r");
      for (const caller of [f.supplier, f.debtor2, f.supplierDebtor, f.outsider]) {
        await expect(f.invoiceRegistry.connect(caller).rejectInvoice(id, REASON))
          .to.be.revertedWithCustomError(f.invoiceRegistry, "NotDebtor")
          .withArgs(id, caller.address);
      }
    });
  });

  describe("cancelInvoice", function () {
    it("lets the supplier withdraw an Issued invoice: status Cancelled, outstanding 0", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issue("c");
      await expect(reg.connect(f.supplier).cancelInvoice(id))
        .to.emit(reg, "InvoiceCancelled")
        .withArgs(id, f.supplier.address);
      expect(await reg.statusOf(id)).to.equal(Status.Cancelled);
      expect(await reg.outstanding(id)).to.equal(0n);
    });

    it("reverts with NotSupplier(id, caller) for anyone else (the debtor, another supplier, the supplier entity's other wallet)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const { id } = await f.issue("c");
      for (const caller of [f.debtor, f.supplier2, f.supplierDebtor, f.financier, f.outsider]) {
        await expect(f.invoiceRegistry.connect(caller).cancelInvoice(id))
          .to.be.revertedWithCustomError(f.invoiceRegistry, "NotSupplier")
          .withArgs(id, caller.address);
      }
      expect(await f.invoiceRegistry.statusOf(id)).to.equal(Status.Issued);
    });
  });

  describe("status guards (InvalidStatus, UnknownInvoice)", function () {
    for (const action of STATUS_ACTIONS) {
      it(`${action.name} reverts with InvalidStatus(id, status) from every status but ${action.allowed.join(" and ")}`, async function () {
        const f = await loadFixture(statesFixture);
        for (const status of STORED_STATUSES) {
          if (action.allowed.includes(status)) continue;
          const { id } = f.invoices[status];
          const before = await snapshot(f, id);
          await expect(action.call(f, id))
            .to.be.revertedWithCustomError(f.invoiceRegistry, "InvalidStatus")
            .withArgs(id, Status[status]);
          expect(await snapshot(f, id)).to.deep.equal(before);
        }
      });
    }

    it("every invoice action reverts with UnknownInvoice(id) for an unknown id", async function () {
      const f = await loadFixture(statesFixture);
      const reg = f.invoiceRegistry;
      const unknown = invoiceKey(entity("SUPPLIER_A"), "CN-SH", "UNKNOWN");
      for (const action of STATUS_ACTIONS.filter((a) => !a.name.toLowerCase().includes("transfer"))) {
        await expect(action.call(f, unknown), action.name)
          .to.be.revertedWithCustomError(reg, "UnknownInvoice")
          .withArgs(unknown);
      }
      await expect(reg.invoiceOf(unknown)).to.be.revertedWithCustomError(reg, "UnknownInvoice").withArgs(unknown);
      // The ERC-721 side: the token does not exist.
      await expect(reg.connect(f.supplier).transferFrom(f.supplier.address, f.financier.address, unknown))
        .to.be.revertedWithCustomError(reg, "ERC721NonexistentToken")
        .withArgs(unknown);
      await expect(reg.connect(f.supplier).cancelOffer(unknown))
        .to.be.revertedWithCustomError(reg, "NotHolder")
        .withArgs(unknown, f.supplier.address);
      await expect(reg.connect(f.financier).finance(unknown, 1, 0))
        .to.be.revertedWithCustomError(reg, "NoOffer")
        .withArgs(unknown);
    });
  });

  describe("final statuses (Rejected, Cancelled, Paid, Split)", function () {
    for (const status of FINAL_STATUSES) {
      it(`${status}: every action reverts and nothing changes`, async function () {
        const f = await loadFixture(statesFixture);
        const reg = f.invoiceRegistry;
        const { id } = f.invoices[status];
        const before = await snapshot(f, id);
        expect(before.status).to.equal(Status[status]);
        for (const action of STATUS_ACTIONS) {
          await expect(action.call(f, id), action.name)
            .to.be.revertedWithCustomError(reg, "InvalidStatus")
            .withArgs(id, Status[status]);
        }
        // Any running offer died on the way (Paid and Split had one).
        expect(before.offer).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
        await expect(reg.connect(f.supplier).cancelOffer(id))
          .to.be.revertedWithCustomError(reg, "NoOffer")
          .withArgs(id);
        for (const taker of [f.financier, f.financier2]) {
          await expect(reg.connect(taker).finance(id, cash(900), 0))
            .to.be.revertedWithCustomError(reg, "NoOffer")
            .withArgs(id);
        }
        // Even the holder's own approved operator cannot move it.
        await reg.connect(f.supplier).approve(f.financier.address, id);
        await expect(reg.connect(f.financier).transferFrom(f.supplier.address, f.financier.address, id))
          .to.be.revertedWithCustomError(reg, "InvalidStatus")
          .withArgs(id, Status[status]);
        const after = await snapshot(f, id);
        expect(after).to.deep.equal(before);
      });
    }

    it("outstanding is 0 once Rejected, Cancelled, Paid or Split, and face less paid once Defaulted", async function () {
      const f = await loadFixture(statesFixture);
      for (const status of ["Rejected", "Cancelled", "Paid", "Split"] as const) {
        expect(await f.invoiceRegistry.outstanding(f.invoices[status].id), status).to.equal(0n);
      }
      expect(await f.invoiceRegistry.outstanding(f.invoices.Defaulted.id)).to.equal(cash(1000));
    });
  });

  describe("statusOf: Overdue", function () {
    it("reports Overdue for an Accepted invoice after (not at) its due date; the stored status stays Accepted", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const accepted = await f.issueAccepted("o1");
      const issued = await f.issue("o2");
      await time.increaseTo(accepted.dueDate);
      expect(await reg.statusOf(accepted.id)).to.equal(Status.Accepted);
      await time.increaseTo(Math.max(accepted.dueDate, issued.dueDate) + 1);
      expect(await reg.statusOf(accepted.id)).to.equal(Status.Overdue);
      expect((await reg.invoiceOf(accepted.id)).status).to.equal(Status.Accepted);
      // Only Accepted becomes Overdue.
      expect(await reg.statusOf(issued.id)).to.equal(Status.Issued);
      // An overdue receivable can still be paid; then it is Paid, not Overdue.
      await reg.connect(f.debtor).pay(accepted.id, f.currency, cash(1000));
      expect(await reg.statusOf(accepted.id)).to.equal(Status.Paid);
    });
  });

  describe("markDefaulted", function () {
    it("reverts with NotYetDefaultable(id, dueDate + gracePeriod) up to and at the boundary, works one second later", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id, dueDate } = await f.issueAccepted("d");
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), 0);
      const defaultableAt = dueDate + f.gracePeriod;
      await expect(reg.connect(f.supplier).markDefaulted(id))
        .to.be.revertedWithCustomError(reg, "NotYetDefaultable")
        .withArgs(id, defaultableAt);
      await time.setNextBlockTimestamp(defaultableAt);
      await expect(reg.connect(f.supplier).markDefaulted(id, MINED))
        .to.be.revertedWithCustomError(reg, "NotYetDefaultable")
        .withArgs(id, defaultableAt);
      await time.setNextBlockTimestamp(defaultableAt + 1);
      await expect(reg.connect(f.supplier).markDefaulted(id, MINED))
        .to.emit(reg, "InvoiceDefaulted")
        .withArgs(id, f.supplier.address, cash(1000));
      expect(await reg.statusOf(id)).to.equal(Status.Defaulted);
      expect(await reg.outstanding(id)).to.equal(cash(1000));
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
    });

    it("only the holder may mark it (NotHolder for the original supplier after financing, the debtor, others)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id, dueDate } = await f.issueAccepted("d");
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), 0);
      await reg.connect(f.financier).finance(id, cash(900), 0);
      await reg.connect(f.debtor).pay(id, f.currency, cash(250));
      await time.increaseTo(dueDate + f.gracePeriod + 1);
      for (const caller of [f.supplier, f.debtor, f.financier2, f.outsider]) {
        await expect(reg.connect(caller).markDefaulted(id))
          .to.be.revertedWithCustomError(reg, "NotHolder")
          .withArgs(id, caller.address);
      }
      await expect(reg.connect(f.financier).markDefaulted(id))
        .to.emit(reg, "InvoiceDefaulted")
        .withArgs(id, f.financier.address, cash(750));
      // The unpaid remainder is what was lost.
      expect(await reg.outstanding(id)).to.equal(cash(750));
    });

    it("follows the grace period set by the admin (0: right after the due date)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      await reg.connect(f.admin).setGracePeriod(0);
      const { id, dueDate } = await f.issueAccepted("d");
      await time.setNextBlockTimestamp(dueDate);
      await expect(reg.connect(f.supplier).markDefaulted(id, MINED))
        .to.be.revertedWithCustomError(reg, "NotYetDefaultable")
        .withArgs(id, dueDate);
      await expect(reg.connect(f.supplier).markDefaulted(id)).to.emit(reg, "InvoiceDefaulted");
    });

    it("reverts with ParticipantNotEligible(holder, SUPPLIER|FINANCIER) for a holder no longer a verified supplier or financier; works once it is again", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const bySupplier = await f.issueAccepted("d1", { dueIn: ONE_DAY });
      const byFinancier = await f.issueAccepted("d2", { dueIn: ONE_DAY });
      await reg.connect(f.supplier).offerForFinancing(byFinancier.id, f.financier.address, cash(900), 0);
      await reg.connect(f.financier).finance(byFinancier.id, cash(900), 0);
      await time.increaseTo(Math.max(bySupplier.dueDate, byFinancier.dueDate) + f.gracePeriod + 1);
      // The supplier is still verified, but only as a debtor now.
      await f.setAttributes(f.supplier, Attr.DEBTOR);
      expect(await f.identityRegistry.isVerified(f.supplier.address)).to.equal(true);
      await expect(reg.connect(f.supplier).markDefaulted(bySupplier.id))
        .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
        .withArgs(f.supplier.address, HOLDER_ATTRIBUTES);
      // The financier's KYC expired (at the expiry timestamp already).
      const at = await f.expireIn(f.financier, 100);
      await time.setNextBlockTimestamp(at);
      await expect(reg.connect(f.financier).markDefaulted(byFinancier.id, MINED))
        .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
        .withArgs(f.financier.address, HOLDER_ATTRIBUTES);
      for (const { id } of [bySupplier, byFinancier]) {
        expect((await reg.invoiceOf(id)).status).to.equal(Status.Accepted);
      }
      // Eligible again: the holder marks the default.
      await f.setAttributes(f.supplier, Attr.SUPPLIER);
      await expect(reg.connect(f.supplier).markDefaulted(bySupplier.id))
        .to.emit(reg, "InvoiceDefaulted")
        .withArgs(bySupplier.id, f.supplier.address, cash(1000));
      await f.identityRegistry
        .connect(f.registrar)
        .updateIdentity(f.financier.address, Country.CN, (await time.latest()) + ONE_DAY, Attr.FINANCIER);
      await expect(reg.connect(f.financier).markDefaulted(byFinancier.id))
        .to.emit(reg, "InvoiceDefaulted")
        .withArgs(byFinancier.id, f.financier.address, cash(1000));
      expect(await reg.statusOf(bySupplier.id)).to.equal(Status.Defaulted);
      expect(await reg.statusOf(byFinancier.id)).to.equal(Status.Defaulted);
    });
  });

  describe("transfers", function () {
    for (const kind of TRANSFER_KINDS) {
      it(`${kind.name}: an Accepted receivable moves to a verified supplier or financier`, async function () {
        const f = await loadFixture(deployInvoiceFixture);
        const reg = f.invoiceRegistry;
        const { id } = await f.issueAccepted("t");
        await expect(kind.send(reg, f.supplier, f.supplier.address, f.financier.address, id))
          .to.emit(reg, "Transfer")
          .withArgs(f.supplier.address, f.financier.address, id);
        expect(await reg.ownerOf(id)).to.equal(f.financier.address);
        await kind.send(reg, f.financier, f.financier.address, f.supplier2.address, id);
        expect(await reg.ownerOf(id)).to.equal(f.supplier2.address);
        // An approved operator may move it too.
        await reg.connect(f.supplier2).approve(f.financier2.address, id);
        await kind.send(reg, f.financier2, f.supplier2.address, f.financier2.address, id);
        expect(await reg.ownerOf(id)).to.equal(f.financier2.address);
        // The invoice itself is unchanged.
        const invoice = await reg.invoiceOf(id);
        expect(invoice.supplier).to.equal(f.supplier.address);
        expect(invoice.status).to.equal(Status.Accepted);
      });

      it(`${kind.name}: InvalidStatus for Issued, Paid and Split receivables`, async function () {
        const f = await loadFixture(statesFixture);
        const reg = f.invoiceRegistry;
        for (const status of ["Issued", "Paid", "Split"] as const) {
          const { id } = f.invoices[status];
          await expect(kind.send(reg, f.supplier, f.supplier.address, f.financier.address, id))
            .to.be.revertedWithCustomError(reg, "InvalidStatus")
            .withArgs(id, Status[status]);
          expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
        }
      });

      it(`${kind.name}: ParticipantNotEligible(to, SUPPLIER|FINANCIER) for a debtor, an investor, an unverified or expired wallet`, async function () {
        const f = await loadFixture(deployInvoiceFixture);
        const reg = f.invoiceRegistry;
        const { id } = await f.issueAccepted("t");
        const [investor, removed] = f.spare;
        await f.identityRegistry
          .connect(f.registrar)
          .registerIdentity(investor.address, entity("INVESTOR"), Country.CN, f.expiry, Attr.INVESTOR | Attr.DEBTOR);
        await f.identityRegistry
          .connect(f.registrar)
          .registerIdentity(removed.address, entity("REMOVED"), Country.CN, f.expiry, Attr.FINANCIER);
        await f.identityRegistry.connect(f.registrar).removeIdentity(removed.address);
        await f.expireIn(f.financier2, 10);
        await time.increase(10);
        for (const to of [f.debtor, f.supplierDebtor, investor, f.outsider, removed, f.financier2]) {
          await expect(kind.send(reg, f.supplier, f.supplier.address, to.address, id))
            .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
            .withArgs(to.address, HOLDER_ATTRIBUTES);
        }
        expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
        expect(HOLDER_ATTRIBUTES).to.equal(Attr.SUPPLIER | Attr.FINANCIER);
      });

      it(`${kind.name}: a running offer dies with the transfer`, async function () {
        const f = await loadFixture(deployInvoiceFixture);
        const reg = f.invoiceRegistry;
        const { id } = await f.issueAccepted("t");
        await reg.connect(f.supplier).offerForFinancing(id, ethers.ZeroAddress, cash(900), 0);
        await kind.send(reg, f.supplier, f.supplier.address, f.supplier2.address, id);
        expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
        await expect(reg.connect(f.financier).finance(id, cash(900), 0))
          .to.be.revertedWithCustomError(reg, "NoOffer")
          .withArgs(id);
      });

      it(`${kind.name}: blocked while paused (EnforcedPause), works again after unpause`, async function () {
        const f = await loadFixture(deployInvoiceFixture);
        const reg = f.invoiceRegistry;
        const { id } = await f.issueAccepted("t");
        await reg.connect(f.guardian).pause();
        await expect(
          kind.send(reg, f.supplier, f.supplier.address, f.financier.address, id),
        ).to.be.revertedWithCustomError(reg, "EnforcedPause");
        await reg.connect(f.admin).unpause();
        await kind.send(reg, f.supplier, f.supplier.address, f.financier.address, id);
        expect(await reg.ownerOf(id)).to.equal(f.financier.address);
      });
    }

    it("cannot be taken without the holder's approval (ERC721InsufficientApproval)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("t");
      await expect(reg.connect(f.financier).transferFrom(f.supplier.address, f.financier.address, id))
        .to.be.revertedWithCustomError(reg, "ERC721InsufficientApproval")
        .withArgs(f.financier.address, id);
    });
  });

  describe("offerForFinancing / cancelOffer", function () {
    it("the holder offers an Accepted receivable: OfferMade(id, seller, financier, price), offerOf", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await expect(reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(950), 0))
        .to.emit(reg, "OfferMade")
        .withArgs(id, f.supplier.address, f.financier.address, cash(950), 0n);
      expect(await reg.offerOf(id)).to.deep.equal([f.financier.address, cash(950), 0n]);
      // A new offer replaces the old one.
      await reg.connect(f.supplier).offerForFinancing(id, ethers.ZeroAddress, UINT96_MAX, 0);
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, UINT96_MAX, 0n]);
    });

    it("reverts with NotHolder(id, caller) for anyone but the holder", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      for (const caller of [f.debtor, f.financier, f.supplier2, f.outsider]) {
        await expect(reg.connect(caller).offerForFinancing(id, f.financier.address, cash(900), 0))
          .to.be.revertedWithCustomError(reg, "NotHolder")
          .withArgs(id, caller.address);
      }
    });

    it("reverts with ZeroAmount for price 0 and AmountTooLarge above uint96", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await expect(
        reg.connect(f.supplier).offerForFinancing(id, f.financier.address, 0, 0),
      ).to.be.revertedWithCustomError(reg, "ZeroAmount");
      await expect(reg.connect(f.supplier).offerForFinancing(id, f.financier.address, UINT96_MAX + 1n, 0))
        .to.be.revertedWithCustomError(reg, "AmountTooLarge")
        .withArgs(UINT96_MAX + 1n);
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
    });

    it("cancelOffer: the holder withdraws it (OfferCancelled); NoOffer when none; NotHolder for others", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await expect(reg.connect(f.supplier).cancelOffer(id)).to.be.revertedWithCustomError(reg, "NoOffer").withArgs(id);
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), 0);
      await expect(reg.connect(f.financier).cancelOffer(id))
        .to.be.revertedWithCustomError(reg, "NotHolder")
        .withArgs(id, f.financier.address);
      await expect(reg.connect(f.supplier).cancelOffer(id)).to.emit(reg, "OfferCancelled").withArgs(id);
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
      await expect(reg.connect(f.financier).finance(id, cash(900), 0))
        .to.be.revertedWithCustomError(reg, "NoOffer")
        .withArgs(id);
      await expect(reg.connect(f.supplier).cancelOffer(id)).to.be.revertedWithCustomError(reg, "NoOffer").withArgs(id);
    });

    it("cancelOffer is blocked while paused (EnforcedPause, even for the holder), the offer stays; works after unpause", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), 0);
      await reg.connect(f.guardian).pause();
      for (const caller of [f.supplier, f.financier]) {
        await expect(reg.connect(caller).cancelOffer(id)).to.be.revertedWithCustomError(reg, "EnforcedPause");
      }
      expect(await reg.offerOf(id)).to.deep.equal([f.financier.address, cash(900), 0n]);
      await reg.connect(f.admin).unpause();
      await expect(reg.connect(f.supplier).cancelOffer(id)).to.emit(reg, "OfferCancelled").withArgs(id);
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
    });
  });

  describe("finance", function () {
    it("pays the price to the holder and delivers the receivable in one transaction (InvoiceFinanced)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(950), 0);
      const supplyBefore = await f.cashToken.totalSupply();
      const tx = reg.connect(f.financier).finance(id, cash(950), 0);
      await expect(tx)
        .to.emit(reg, "InvoiceFinanced")
        .withArgs(id, f.supplier.address, f.financier.address, cash(950))
        .and.to.emit(reg, "Transfer")
        .withArgs(f.supplier.address, f.financier.address, id);
      await expect(tx).to.changeTokenBalances(f.cashToken, [f.financier, f.supplier], [-cash(950), cash(950)]);
      expect(await reg.ownerOf(id)).to.equal(f.financier.address);
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
      expect(await f.cashToken.totalSupply()).to.equal(supplyBefore);
      // The invoice is unchanged: still owed in full by the debtor, now to the financier.
      expect(await reg.outstanding(id)).to.equal(cash(1000));
      expect(await reg.statusOf(id)).to.equal(Status.Accepted);
    });

    it("a restricted offer: OfferRestricted(id, financier) for another financier", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(950), 0);
      await expect(reg.connect(f.financier2).finance(id, cash(950), 0))
        .to.be.revertedWithCustomError(reg, "OfferRestricted")
        .withArgs(id, f.financier.address);
      expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
      await reg.connect(f.financier).finance(id, cash(950), 0);
      expect(await reg.ownerOf(id)).to.equal(f.financier.address);
    });

    it("an open offer (financier zero) is taken by any eligible financier", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await reg.connect(f.supplier).offerForFinancing(id, ethers.ZeroAddress, cash(950), 0);
      await expect(reg.connect(f.financier2).finance(id, cash(950), 0)).to.changeTokenBalances(
        f.cashToken,
        [f.financier2, f.supplier],
        [-cash(950), cash(950)],
      );
      expect(await reg.ownerOf(id)).to.equal(f.financier2.address);
    });

    it("reverts with PriceMismatch(id, expected, price) when the price is not the one the taker expects", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await reg.connect(f.supplier).offerForFinancing(id, ethers.ZeroAddress, cash(950), 0);
      for (const expected of [cash(900), cash(951), 0n]) {
        await expect(reg.connect(f.financier).finance(id, expected, 0))
          .to.be.revertedWithCustomError(reg, "PriceMismatch")
          .withArgs(id, expected, cash(950));
      }
      expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
    });

    it("reverts with NoOffer(id) without an offer", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await expect(reg.connect(f.financier).finance(id, cash(950), 0))
        .to.be.revertedWithCustomError(reg, "NoOffer")
        .withArgs(id);
    });

    it("an ineligible taker of an open offer reverts (ParticipantNotEligible(taker, FINANCIER)), and nothing moves", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await reg.connect(f.supplier).offerForFinancing(id, ethers.ZeroAddress, cash(950), 0);
      // The debtor holds cash and approved the registry, but is no financier (nor may it hold receivables).
      await expect(reg.connect(f.debtor).finance(id, cash(950), 0))
        .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
        .withArgs(f.debtor.address, Attr.FINANCIER);
      // A financier whose KYC expired.
      await f.expireIn(f.financier2, 10);
      await time.increase(10);
      await expect(reg.connect(f.financier2).finance(id, cash(950), 0))
        .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
        .withArgs(f.financier2.address, Attr.FINANCIER);
      expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
      expect(await f.cashToken.balanceOf(f.supplier.address)).to.equal(0n);
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, cash(950), 0n]);
    });

    it("a supplier (which may hold receivables) cannot take an offer, open or made to it: ParticipantNotEligible(taker, FINANCIER)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      // supplier2 is a verified supplier with cash and an allowance, so only the registry can refuse it.
      await f.cashToken.connect(f.financier2).transfer(f.supplier2.address, cash(1000));
      for (const offeredTo of [ethers.ZeroAddress, f.supplier2.address]) {
        await reg.connect(f.supplier).offerForFinancing(id, offeredTo, cash(950), 0);
        await expect(reg.connect(f.supplier2).finance(id, cash(950), 0))
          .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
          .withArgs(f.supplier2.address, Attr.FINANCIER);
      }
      // Nor may the holder take its own open offer.
      await reg.connect(f.supplier).offerForFinancing(id, ethers.ZeroAddress, cash(950), 0);
      await expect(reg.connect(f.supplier).finance(id, cash(950), 0))
        .to.be.revertedWithCustomError(reg, "ParticipantNotEligible")
        .withArgs(f.supplier.address, Attr.FINANCIER);
      expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
      expect(await f.cashToken.balanceOf(f.supplier2.address)).to.equal(cash(1000));
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, cash(950), 0n]);
      // A financier takes it; a supplier still receives receivables by transfer.
      await expect(reg.connect(f.financier).finance(id, cash(950), 0))
        .to.emit(reg, "InvoiceFinanced")
        .withArgs(id, f.supplier.address, f.financier.address, cash(950));
      await reg.connect(f.financier).transferFrom(f.financier.address, f.supplier2.address, id);
      expect(await reg.ownerOf(id)).to.equal(f.supplier2.address);
    });

    it("a wallet with the FINANCIER attribute among others takes an offer", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await f.setAttributes(f.financier2, Attr.FINANCIER | Attr.SUPPLIER | Attr.DEBTOR);
      await reg.connect(f.supplier).offerForFinancing(id, ethers.ZeroAddress, cash(950), 0);
      await expect(reg.connect(f.financier2).finance(id, cash(950), 0))
        .to.emit(reg, "InvoiceFinanced")
        .withArgs(id, f.supplier.address, f.financier2.address, cash(950));
      expect(await reg.ownerOf(id)).to.equal(f.financier2.address);
    });

    it("a taker without enough cash or allowance reverts in the cash token, and nothing moves", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await reg.connect(f.supplier).offerForFinancing(id, ethers.ZeroAddress, cash(950), 0);
      await f.cashToken.connect(f.financier).approve(await reg.getAddress(), cash(949));
      await expect(reg.connect(f.financier).finance(id, cash(950), 0))
        .to.be.revertedWithCustomError(f.cashToken, "ERC20InsufficientAllowance")
        .withArgs(await reg.getAddress(), cash(949), cash(950));
      expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
    });

    it("the financier, as new holder, can offer it again and be financed in turn", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), 0);
      await reg.connect(f.financier).finance(id, cash(900), 0);
      await expect(reg.connect(f.supplier).offerForFinancing(id, f.financier2.address, cash(950), 0))
        .to.be.revertedWithCustomError(reg, "NotHolder")
        .withArgs(id, f.supplier.address);
      await expect(reg.connect(f.financier).offerForFinancing(id, f.financier2.address, cash(950), 0))
        .to.emit(reg, "OfferMade")
        .withArgs(id, f.financier.address, f.financier2.address, cash(950), 0n);
      const tx = reg.connect(f.financier2).finance(id, cash(950), 0);
      await expect(tx)
        .to.emit(reg, "InvoiceFinanced")
        .withArgs(id, f.financier.address, f.financier2.address, cash(950));
      await expect(tx).to.changeTokenBalances(f.cashToken, [f.financier2, f.financier], [-cash(950), cash(950)]);
      expect(await reg.ownerOf(id)).to.equal(f.financier2.address);
    });

    it("is blocked while paused (EnforcedPause)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("f");
      await reg.connect(f.supplier).offerForFinancing(id, ethers.ZeroAddress, cash(950), 0);
      await reg.connect(f.guardian).pause();
      await expect(reg.connect(f.financier).finance(id, cash(950), 0)).to.be.revertedWithCustomError(
        reg,
        "EnforcedPause",
      );
    });
  });

  describe("reentrancy (ReentrancyGuard)", function () {
    /** Two accepted invoices in a currency whose transferFrom calls back into the registry. */
    async function reenteringFixture() {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const evil = (await (await ethers.getContractFactory("ReenteringERC20")).deploy()) as ReenteringERC20;
      const evilAddress = await evil.getAddress();
      await reg.connect(f.admin).setCurrencyAllowed(evilAddress, true);
      const dueDate = (await time.latest()) + 30 * ONE_DAY;
      const ids: bigint[] = [];
      for (const number of ["EVIL-1", "EVIL-2"]) {
        const terms = {
          debtor: f.debtor.address,
          faceValue: cash(1000),
          currency: evilAddress,
          dueDate,
          documentHash: ethers.ZeroHash,
        };
        await reg.connect(f.supplier).issueInvoice(terms, "CN-SH", number, "");
        const id = invoiceKey(entity("SUPPLIER_A"), "CN-SH", number);
        await reg.connect(f.debtor).acceptInvoice(id);
        ids.push(id);
      }
      for (const payer of [f.financier, f.debtor]) {
        await evil.mint(payer.address, cash(100_000));
        await evil.connect(payer).approve(await reg.getAddress(), ethers.MaxUint256);
      }
      await reg.connect(f.supplier).offerForFinancing(ids[0], ethers.ZeroAddress, cash(900), 0);
      return { ...f, evil, evilAddress, ids };
    }

    it("finance re-entered through the currency (into finance or pay) reverts with ReentrancyGuardReentrantCall", async function () {
      const f = await loadFixture(reenteringFixture);
      const reg = f.invoiceRegistry;
      const [a, b] = f.ids;
      const reentries = [
        reg.interface.encodeFunctionData("finance", [a, cash(900), 0]),
        reg.interface.encodeFunctionData("pay", [b, f.evilAddress, cash(1)]),
      ];
      for (const data of reentries) {
        await f.evil.arm(await reg.getAddress(), data);
        await expect(reg.connect(f.financier).finance(a, cash(900), 0)).to.be.revertedWithCustomError(
          reg,
          "ReentrancyGuardReentrantCall",
        );
      }
      expect(await reg.ownerOf(a)).to.equal(f.supplier.address);
      expect(await reg.outstanding(b)).to.equal(cash(1000));
      expect(await f.evil.reentered()).to.equal(false);
    });

    it("pay re-entered through the currency (into pay or finance) reverts with ReentrancyGuardReentrantCall", async function () {
      const f = await loadFixture(reenteringFixture);
      const reg = f.invoiceRegistry;
      const [a, b] = f.ids;
      const reentries = [
        reg.interface.encodeFunctionData("pay", [b, f.evilAddress, cash(1)]),
        reg.interface.encodeFunctionData("finance", [a, cash(900), 0]),
      ];
      for (const data of reentries) {
        await f.evil.arm(await reg.getAddress(), data);
        await expect(reg.connect(f.debtor).pay(b, f.evilAddress, cash(10))).to.be.revertedWithCustomError(
          reg,
          "ReentrancyGuardReentrantCall",
        );
      }
      expect(await reg.outstanding(b)).to.equal(cash(1000));
      expect(await reg.ownerOf(a)).to.equal(f.supplier.address);
    });

    it("control: the currency does call back (an unguarded view succeeds), and disarmed both operations work", async function () {
      const f = await loadFixture(reenteringFixture);
      const reg = f.invoiceRegistry;
      const [a, b] = f.ids;
      await f.evil.arm(await reg.getAddress(), reg.interface.encodeFunctionData("outstanding", [a]));
      await reg.connect(f.financier).finance(a, cash(900), 0);
      expect(await f.evil.reentered()).to.equal(true);
      expect(await reg.ownerOf(a)).to.equal(f.financier.address);
      expect(await f.evil.balanceOf(f.supplier.address)).to.equal(cash(900));
      await reg.connect(f.debtor).pay(b, f.evilAddress, cash(10));
      expect(await reg.outstanding(b)).to.equal(cash(990));
    });
  });

  describe("split", function () {
    it("mints pieces with ids depending only on the parent and the index, in the half of the id space no key reaches", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id, dueDate } = await f.issueAccepted("s");
      const amounts = [cash(100), cash(250.5), cash(649.5)];
      const expected = pieceIds(id, amounts.length);
      expect(new Set(expected).size).to.equal(amounts.length);
      for (const piece of expected) expect(piece >> 255n).to.equal(1n);
      // A preview on the latest block and one on the pending block agree: no block number involved.
      expect(await reg.connect(f.supplier).split.staticCall(id, amounts)).to.deep.equal(expected);
      await ethers.provider.send("evm_mine", []);
      expect(await reg.connect(f.supplier).split.staticCall(id, amounts, { blockTag: "pending" })).to.deep.equal(
        expected,
      );
      const tx = reg.connect(f.supplier).split(id, amounts);
      await expect(tx)
        .to.emit(reg, "InvoiceSplit")
        .withArgs(id, expected, amounts)
        .and.to.emit(reg, "Transfer")
        .withArgs(ethers.ZeroAddress, f.supplier.address, expected[2]);
      for (let i = 0; i < amounts.length; ++i) {
        const child = await reg.invoiceOf(expected[i]);
        expect(child.supplier).to.equal(f.supplier.address);
        expect(child.debtor).to.equal(f.debtor.address);
        expect(child.currency).to.equal(f.currency);
        expect(child.faceValue).to.equal(amounts[i]);
        expect(child.paid).to.equal(0n);
        expect(child.dueDate).to.equal(BigInt(dueDate));
        expect(child.status).to.equal(Status.Accepted);
        expect(child.parentId).to.equal(id);
        expect(await reg.ownerOf(expected[i])).to.equal(f.supplier.address);
        expect(await reg.outstanding(expected[i])).to.equal(amounts[i]);
      }
      // The parent is Split: owed nothing itself, and it cannot move.
      expect(await reg.statusOf(id)).to.equal(Status.Split);
      expect(await reg.outstanding(id)).to.equal(0n);
      expect(await reg.ownerOf(id)).to.equal(f.supplier.address);
      await expect(reg.connect(f.supplier).transferFrom(f.supplier.address, f.financier.address, id))
        .to.be.revertedWithCustomError(reg, "InvalidStatus")
        .withArgs(id, Status.Split);
    });
    it("the pieces go to the current holder (a financier), and the parent's offer dies", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("s");
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(900), 0);
      await reg.connect(f.financier).finance(id, cash(900), 0);
      await reg.connect(f.financier).offerForFinancing(id, ethers.ZeroAddress, cash(990), 0);
      const { ids } = await f.split(id, [cash(500), cash(500)], f.financier);
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
      for (const piece of ids) {
        expect(await reg.ownerOf(piece)).to.equal(f.financier.address);
        expect((await reg.invoiceOf(piece)).supplier).to.equal(f.supplier.address);
      }
      expect(await reg.balanceOf(f.financier.address)).to.equal(3n);
    });

    it("reverts with NotHolder for anyone but the holder", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("s");
      for (const caller of [f.debtor, f.financier, f.outsider]) {
        await expect(reg.connect(caller).split(id, [cash(500), cash(500)]))
          .to.be.revertedWithCustomError(reg, "NotHolder")
          .withArgs(id, caller.address);
      }
    });

    it("takes 2..maxSplitPieces pieces (InvalidPieceCount(pieces, max) for 0, 1 and max + 1)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const max = Number((await reg.settings()).maxSplitPieces);
      expect(max).to.equal(20);
      const { id } = await f.issueAccepted("s", { amount: cash(1000) });
      for (const pieces of [0, 1, max + 1]) {
        const amounts = Array.from({ length: pieces }, (_, i) => (i === 0 ? cash(1000) - BigInt(pieces - 1) : 1n));
        await expect(reg.connect(f.supplier).split(id, amounts))
          .to.be.revertedWithCustomError(reg, "InvalidPieceCount")
          .withArgs(pieces, max);
      }
      const maxPieces = Array.from({ length: max }, () => cash(1000) / BigInt(max));
      const { ids } = await f.split(id, maxPieces);
      expect(ids.length).to.equal(max);
      expect(await reg.ownerOf(ids[max - 1])).to.equal(f.supplier.address);
      // Two pieces are the minimum.
      await expect(reg.connect(f.supplier).split(ids[0], [cash(25), cash(25)])).to.emit(reg, "InvoiceSplit");
    });

    it("follows the limit set by the admin", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      await reg.connect(f.admin).setMaxSplitPieces(3);
      const { id } = await f.issueAccepted("s");
      await expect(reg.connect(f.supplier).split(id, [cash(250), cash(250), cash(250), cash(250)]))
        .to.be.revertedWithCustomError(reg, "InvalidPieceCount")
        .withArgs(4, 3);
      await expect(reg.connect(f.supplier).split(id, [cash(250), cash(250), cash(500)])).to.emit(reg, "InvoiceSplit");
    });

    it("reverts with ZeroAmount for an empty piece", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("s");
      await expect(reg.connect(f.supplier).split(id, [cash(1000), 0n])).to.be.revertedWithCustomError(
        reg,
        "ZeroAmount",
      );
      await expect(reg.connect(f.supplier).split(id, [0n, cash(500), cash(500)])).to.be.revertedWithCustomError(
        reg,
        "ZeroAmount",
      );
    });

    it("reverts with SplitAmountsMismatch(sum, outstanding) unless the pieces sum to the outstanding amount", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("s");
      await expect(reg.connect(f.supplier).split(id, [cash(500), cash(499.99)]))
        .to.be.revertedWithCustomError(reg, "SplitAmountsMismatch")
        .withArgs(cash(999.99), cash(1000));
      await expect(reg.connect(f.supplier).split(id, [cash(500), cash(500.01)]))
        .to.be.revertedWithCustomError(reg, "SplitAmountsMismatch")
        .withArgs(cash(1000.01), cash(1000));
      // After a partial payment only the outstanding amount is split.
      await reg.connect(f.debtor).pay(id, f.currency, cash(300));
      await expect(reg.connect(f.supplier).split(id, [cash(500), cash(500)]))
        .to.be.revertedWithCustomError(reg, "SplitAmountsMismatch")
        .withArgs(cash(1000), cash(700));
      const { ids } = await f.split(id, [cash(300), cash(400)]);
      expect((await reg.invoiceOf(ids[0])).faceValue).to.equal(cash(300));
      expect((await reg.invoiceOf(ids[1])).faceValue).to.equal(cash(400));
      const parent = await reg.invoiceOf(id);
      expect(parent.paid).to.equal(cash(300));
      expect(parent.faceValue).to.equal(cash(1000));
      expect(parent.status).to.equal(Status.Split);
    });

    it("pieces can be split again, transferred, financed and paid", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("s");
      const {
        ids: [c0, c1],
      } = await f.split(id, [cash(600), cash(400)]);
      // Split again: grandchildren derive from the child's id.
      const { ids: g } = await f.split(c0, [cash(100), cash(200), cash(300)]);
      expect(g).to.deep.equal([0, 1, 2].map((i) => pieceId(c0, i)));
      expect((await reg.invoiceOf(g[2])).parentId).to.equal(c0);
      expect((await reg.invoiceOf(g[2])).faceValue).to.equal(cash(300));
      expect(await reg.statusOf(c0)).to.equal(Status.Split);
      // Passed up the supply chain, and sold to a financier.
      await reg.connect(f.supplier).transferFrom(f.supplier.address, f.supplier2.address, g[0]);
      expect(await reg.ownerOf(g[0])).to.equal(f.supplier2.address);
      await reg.connect(f.supplier).offerForFinancing(c1, f.financier.address, cash(380), 0);
      await reg.connect(f.financier).finance(c1, cash(380), 0);
      // The debtor pays each piece to its holder.
      await expect(reg.connect(f.debtor).pay(g[0], f.currency, cash(100))).to.changeTokenBalances(
        f.cashToken,
        [f.debtor, f.supplier2],
        [-cash(100), cash(100)],
      );
      const tx = reg.connect(f.debtor).pay(c1, f.currency, cash(400));
      await expect(tx).to.emit(reg, "InvoicePaid").withArgs(c1);
      await expect(tx).to.changeTokenBalances(f.cashToken, [f.debtor, f.financier], [-cash(400), cash(400)]);
      expect(await reg.statusOf(g[0])).to.equal(Status.Paid);
      expect(await reg.statusOf(c1)).to.equal(Status.Paid);
    });

    it("is blocked while paused (EnforcedPause)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("s");
      await reg.connect(f.guardian).pause();
      await expect(reg.connect(f.supplier).split(id, [cash(500), cash(500)])).to.be.revertedWithCustomError(
        reg,
        "EnforcedPause",
      );
    });
  });

  describe("pay", function () {
    it("a partial payment goes to the holder: PaymentMade(id, payer, holder, amount, outstanding), no InvoicePaid", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("p");
      const tx = reg.connect(f.debtor).pay(id, f.currency, cash(300));
      await expect(tx)
        .to.emit(reg, "PaymentMade")
        .withArgs(id, f.debtor.address, f.supplier.address, cash(300), cash(700), Timing.OnTime, false)
        .and.not.to.emit(reg, "InvoicePaid");
      await expect(tx).to.changeTokenBalances(f.cashToken, [f.debtor, f.supplier], [-cash(300), cash(300)]);
      expect(await reg.outstanding(id)).to.equal(cash(700));
      expect((await reg.invoiceOf(id)).paid).to.equal(cash(300));
      expect(await reg.statusOf(id)).to.equal(Status.Accepted);
    });

    it("anyone may pay (a third party for the debtor)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("p");
      const tx = reg.connect(f.financier2).pay(id, f.currency, cash(1000));
      await expect(tx)
        .to.emit(reg, "PaymentMade")
        .withArgs(id, f.financier2.address, f.supplier.address, cash(1000), 0n, Timing.OnTime, false);
      await expect(tx).to.changeTokenBalances(f.cashToken, [f.financier2, f.supplier], [-cash(1000), cash(1000)]);
      expect(await reg.statusOf(id)).to.equal(Status.Paid);
    });

    it("the cash goes to the holder at the time of each payment; the last one makes it Paid (InvoicePaid)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("p");
      await expect(reg.connect(f.debtor).pay(id, f.currency, cash(300))).to.changeTokenBalance(
        f.cashToken,
        f.supplier,
        cash(300),
      );
      await reg.connect(f.supplier).transferFrom(f.supplier.address, f.financier.address, id);
      const tx = reg.connect(f.debtor).pay(id, f.currency, cash(700));
      await expect(tx)
        .to.emit(reg, "PaymentMade")
        .withArgs(id, f.debtor.address, f.financier.address, cash(700), 0n, Timing.OnTime, false)
        .and.to.emit(reg, "InvoicePaid")
        .withArgs(id);
      await expect(tx).to.changeTokenBalances(
        f.cashToken,
        [f.debtor, f.supplier, f.financier],
        [-cash(700), 0n, cash(700)],
      );
      expect(await reg.statusOf(id)).to.equal(Status.Paid);
      expect(await reg.outstanding(id)).to.equal(0n);
      const invoice = await reg.invoiceOf(id);
      expect(invoice.paid).to.equal(invoice.faceValue);
      // The paid receivable stays with its last holder, as a record.
      expect(await reg.ownerOf(id)).to.equal(f.financier.address);
    });

    it("reverts with PaymentExceedsOutstanding(id, amount, outstanding)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("p");
      await expect(reg.connect(f.debtor).pay(id, f.currency, cash(1000.01)))
        .to.be.revertedWithCustomError(reg, "PaymentExceedsOutstanding")
        .withArgs(id, cash(1000.01), cash(1000));
      await reg.connect(f.debtor).pay(id, f.currency, cash(999));
      await expect(reg.connect(f.debtor).pay(id, f.currency, cash(2)))
        .to.be.revertedWithCustomError(reg, "PaymentExceedsOutstanding")
        .withArgs(id, cash(2), cash(1));
    });

    it("reverts with CurrencyMismatch(id, expected, given) and ZeroAmount", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("p");
      const share = await f.securityToken.getAddress();
      await expect(reg.connect(f.debtor).pay(id, share, cash(1)))
        .to.be.revertedWithCustomError(reg, "CurrencyMismatch")
        .withArgs(id, f.currency, share);
      await expect(reg.connect(f.debtor).pay(id, f.currency, 0)).to.be.revertedWithCustomError(reg, "ZeroAmount");
      expect(await reg.outstanding(id)).to.equal(cash(1000));
    });

    it("a payment kills a running offer (it was priced for the old outstanding amount)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("p");
      await reg.connect(f.supplier).offerForFinancing(id, ethers.ZeroAddress, cash(950), 0);
      await reg.connect(f.debtor).pay(id, f.currency, cash(1));
      expect(await reg.offerOf(id)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
      await expect(reg.connect(f.financier).finance(id, cash(950), 0))
        .to.be.revertedWithCustomError(reg, "NoOffer")
        .withArgs(id);
    });

    it("is blocked while paused (EnforcedPause)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const { id } = await f.issueAccepted("p");
      await reg.connect(f.guardian).pause();
      await expect(reg.connect(f.debtor).pay(id, f.currency, cash(1))).to.be.revertedWithCustomError(
        reg,
        "EnforcedPause",
      );
    });
  });

  describe("pause / unpause", function () {
    it("the guardian pauses (Paused), every change is then blocked (EnforcedPause); the admin unpauses (Unpaused)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const issued = await f.issue("issued");
      const offered = await f.issueAccepted("offered", { dueIn: ONE_DAY });
      await reg.connect(f.supplier).offerForFinancing(offered.id, ethers.ZeroAddress, cash(900), 0);
      await time.increaseTo(offered.dueDate + f.gracePeriod + 1);
      await expect(reg.connect(f.guardian).pause()).to.emit(reg, "Paused").withArgs(f.guardian.address);
      expect(await reg.paused()).to.equal(true);
      const blocked: [string, () => Promise<unknown>][] = [
        ["issueInvoice", () => f.issue("new")],
        ["acceptInvoice", () => reg.connect(f.debtor).acceptInvoice(issued.id)],
        ["rejectInvoice", () => reg.connect(f.debtor).rejectInvoice(issued.id, REASON)],
        ["cancelInvoice", () => reg.connect(f.supplier).cancelInvoice(issued.id)],
        ["markDefaulted", () => reg.connect(f.supplier).markDefaulted(offered.id)],
        ["offerForFinancing", () => reg.connect(f.supplier).offerForFinancing(offered.id, ethers.ZeroAddress, 1, 0)],
        ["cancelOffer", () => reg.connect(f.supplier).cancelOffer(offered.id)],
        ["finance", () => reg.connect(f.financier).finance(offered.id, cash(900), 0)],
        ["split", () => reg.connect(f.supplier).split(offered.id, [cash(500), cash(500)])],
        ["pay", () => reg.connect(f.debtor).pay(offered.id, f.currency, cash(1))],
        [
          "transferFrom",
          () => reg.connect(f.supplier).transferFrom(f.supplier.address, f.financier.address, offered.id),
        ],
        ["pause", () => reg.connect(f.guardian).pause()],
      ];
      for (const [name, call] of blocked) {
        await expect(call(), name).to.be.revertedWithCustomError(reg, "EnforcedPause");
      }
      // The offer survived the blocked cancelOffer.
      expect(await reg.offerOf(offered.id)).to.deep.equal([ethers.ZeroAddress, cash(900), 0n]);
      await expect(reg.connect(f.admin).unpause()).to.emit(reg, "Unpaused").withArgs(f.admin.address);
      expect(await reg.paused()).to.equal(false);
      await expect(reg.connect(f.financier).finance(offered.id, cash(900), 0)).to.emit(reg, "InvoiceFinanced");
      await expect(reg.connect(f.debtor).acceptInvoice(issued.id)).to.emit(reg, "InvoiceAccepted");
    });

    it("unpause reverts with ExpectedPause when not paused", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      await expect(f.invoiceRegistry.connect(f.admin).unpause()).to.be.revertedWithCustomError(
        f.invoiceRegistry,
        "ExpectedPause",
      );
    });

    it("the guardian cannot unpause (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      await f.invoiceRegistry.connect(f.guardian).pause();
      await expect(f.invoiceRegistry.connect(f.guardian).unpause())
        .to.be.revertedWithCustomError(f.invoiceRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(f.guardian.address, DEFAULT_ADMIN_ROLE);
      expect(await f.invoiceRegistry.paused()).to.equal(true);
    });
  });

  describe("settings (admin)", function () {
    it("setCurrencyAllowed: CurrencyAllowed event; a disallowed currency is refused for new invoices", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const share = await f.securityToken.getAddress();
      await expect(reg.connect(f.admin).setCurrencyAllowed(share, true))
        .to.emit(reg, "CurrencyAllowed")
        .withArgs(share, true);
      expect(await reg.isCurrencyAllowed(share)).to.equal(true);
      const { id } = await f.issueAccepted("before");
      await expect(reg.connect(f.admin).setCurrencyAllowed(f.currency, false))
        .to.emit(reg, "CurrencyAllowed")
        .withArgs(f.currency, false);
      expect(await reg.isCurrencyAllowed(f.currency)).to.equal(false);
      await expect(f.issue("after")).to.be.revertedWithCustomError(reg, "CurrencyNotAllowed").withArgs(f.currency);
      // Existing invoices are still paid in their currency.
      await reg.connect(f.debtor).pay(id, f.currency, cash(1000));
      expect(await reg.statusOf(id)).to.equal(Status.Paid);
    });

    it("setCurrencyAllowed reverts with ZeroAddress for the zero address", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      await expect(
        f.invoiceRegistry.connect(f.admin).setCurrencyAllowed(ethers.ZeroAddress, true),
      ).to.be.revertedWithCustomError(f.invoiceRegistry, "ZeroAddress");
    });

    it("setGracePeriod: GracePeriodSet event and gracePeriod()", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      await expect(f.invoiceRegistry.connect(f.admin).setGracePeriod(7 * ONE_DAY))
        .to.emit(f.invoiceRegistry, "GracePeriodSet")
        .withArgs(7 * ONE_DAY);
      expect((await f.invoiceRegistry.settings()).gracePeriod).to.equal(BigInt(7 * ONE_DAY));
    });

    it("setMaxSplitPieces: MaxSplitPiecesSet event; InvalidSplitLimit for 0 and 1", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      for (const bad of [0, 1]) {
        await expect(reg.connect(f.admin).setMaxSplitPieces(bad))
          .to.be.revertedWithCustomError(reg, "InvalidSplitLimit")
          .withArgs(bad);
      }
      await expect(reg.connect(f.admin).setMaxSplitPieces(2)).to.emit(reg, "MaxSplitPiecesSet").withArgs(2);
      expect((await reg.settings()).maxSplitPieces).to.equal(2n);
    });
  });

  describe("access control", function () {
    type Guarded = {
      name: string;
      role: string;
      setup?: (f: Fixture) => Promise<unknown>;
      call: (reg: InvoiceRegistry, f: Fixture) => Promise<unknown>;
    };
    const guarded: Guarded[] = [
      {
        name: "setCurrencyAllowed",
        role: DEFAULT_ADMIN_ROLE,
        call: async (reg, f) => reg.setCurrencyAllowed(await f.securityToken.getAddress(), true),
      },
      { name: "setGracePeriod", role: DEFAULT_ADMIN_ROLE, call: (reg) => reg.setGracePeriod(1) },
      { name: "setMaxSplitPieces", role: DEFAULT_ADMIN_ROLE, call: (reg) => reg.setMaxSplitPieces(5) },
      { name: "pause", role: GUARDIAN_ROLE, call: (reg) => reg.pause() },
      {
        name: "unpause",
        role: DEFAULT_ADMIN_ROLE,
        setup: (f) => f.invoiceRegistry.connect(f.guardian).pause(),
        call: (reg) => reg.unpause(),
      },
      {
        name: "upgradeToAndCall",
        role: DEFAULT_ADMIN_ROLE,
        call: async (reg) =>
          reg.upgradeToAndCall(
            await (await (await ethers.getContractFactory("InvoiceRegistry")).deploy()).getAddress(),
            "0x",
          ),
      },
      {
        name: "setAttestationRequired",
        role: DEFAULT_ADMIN_ROLE,
        call: (reg) => reg.setAttestationRequired(true),
      },
      {
        name: "setCreditHook",
        role: DEFAULT_ADMIN_ROLE,
        call: (reg) => reg.setCreditHook(ethers.ZeroAddress),
      },
      {
        name: "attestInvoice",
        role: INVOICE_VERIFIER_ROLE,
        setup: async (f) => {
          await f.invoiceRegistry.connect(f.admin).grantRole(INVOICE_VERIFIER_ROLE, f.spare[0].address);
          await f.issue("ATTEST-ME");
        },
        call: (reg) => reg.attestInvoice(invoiceKey(entity("SUPPLIER_A"), "CN-SH", "ATTEST-ME"), ethers.id("evidence")),
      },
      {
        name: "recoverReceivable",
        role: RECOVERY_AGENT_ROLE,
        setup: async (f) => {
          await f.invoiceRegistry.connect(f.admin).grantRole(RECOVERY_AGENT_ROLE, f.spare[0].address);
          await f.identityRegistry
            .connect(f.registrar)
            .registerIdentity(f.spare[1].address, entity("SUPPLIER_A"), Country.CN, f.expiry, Attr.SUPPLIER);
          await f.issueAccepted("LOST");
        },
        call: (reg, f) => reg.recoverReceivable(invoiceKey(entity("SUPPLIER_A"), "CN-SH", "LOST"), f.spare[1].address),
      },
      {
        name: "grantRole",
        role: DEFAULT_ADMIN_ROLE,
        call: (reg, f) => reg.grantRole(GUARDIAN_ROLE, f.outsider.address),
      },
      {
        name: "revokeRole",
        role: DEFAULT_ADMIN_ROLE,
        call: (reg, f) => reg.revokeRole(GUARDIAN_ROLE, f.guardian.address),
      },
    ];

    it("the table covers every role-guarded function of the ABI", async function () {
      const { invoiceRegistry } = await loadFixture(deployInvoiceFixture);
      const unguarded = new Set([
        "issueInvoice",
        "acceptInvoice",
        "rejectInvoice",
        "cancelInvoice",
        "markDefaulted",
        "offerForFinancing",
        "cancelOffer",
        "finance",
        "split",
        "pay",
        "buyBack",
        "claimHeld",
        "approve",
        "setApprovalForAll",
        "transferFrom",
        "safeTransferFrom",
        "renounceRole",
        "initialize",
      ]);
      const writes = invoiceRegistry.interface.fragments
        .filter((fragment) => fragment.type === "function")
        .map((fragment) => fragment as unknown as { name: string; stateMutability: string })
        .filter((fn) => fn.stateMutability !== "view" && fn.stateMutability !== "pure")
        .map((fn) => fn.name)
        .filter((name) => !unguarded.has(name));
      expect([...writes].sort()).to.deep.equal(guarded.map((g) => g.name).sort());
    });

    for (const { name, role, call, setup } of guarded) {
      it(`${name} reverts with AccessControlUnauthorizedAccount for every account without the role, and works with it`, async function () {
        const f = await loadFixture(deployInvoiceFixture);
        if (setup) await setup(f);
        const holder = role === GUARDIAN_ROLE ? f.guardian : role === DEFAULT_ADMIN_ROLE ? f.admin : f.spare[0];
        const others = [
          f.admin,
          f.guardian,
          f.deployer,
          f.bank,
          f.registrar,
          f.cashIssuer,
          f.supplier,
          f.financier,
          f.outsider,
        ].filter((s) => s !== holder);
        for (const caller of others) {
          expect(await f.invoiceRegistry.hasRole(role, caller.address)).to.equal(false);
          await expect(call(f.invoiceRegistry.connect(caller), f))
            .to.be.revertedWithCustomError(f.invoiceRegistry, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, role);
        }
        await expect(call(f.invoiceRegistry.connect(holder), f)).to.not.be.reverted;
      });
    }

    it("supportsInterface: ERC-165, ERC-721, ERC-721 metadata and AccessControl, nothing else", async function () {
      const { invoiceRegistry: reg } = await loadFixture(deployInvoiceFixture);
      expect(await reg.supportsInterface("0x01ffc9a7")).to.equal(true);
      expect(await reg.supportsInterface("0x80ac58cd")).to.equal(true);
      expect(await reg.supportsInterface("0x5b5e139f")).to.equal(true);
      expect(await reg.supportsInterface("0x7965db0b")).to.equal(true);
      expect(await reg.supportsInterface("0xffffffff")).to.equal(false);
      expect(await reg.supportsInterface("0x780e9d63")).to.equal(false); // not enumerable
    });
  });

  describe("initialize", function () {
    it("a standalone proxy gets its admin, guardians, currencies and settings; the deployer gets no role", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const [owner, guardian2] = f.spare;
      const reg = await deployStandaloneInvoiceRegistry(
        f.identityRegistry,
        owner.address,
        [f.currency],
        [f.guardian.address, guardian2.address],
        3 * ONE_DAY,
        7,
      );
      expect(await reg.hasRole(DEFAULT_ADMIN_ROLE, owner.address)).to.equal(true);
      expect(await reg.hasRole(GUARDIAN_ROLE, f.guardian.address)).to.equal(true);
      expect(await reg.hasRole(GUARDIAN_ROLE, guardian2.address)).to.equal(true);
      expect(await reg.hasRole(DEFAULT_ADMIN_ROLE, f.deployer.address)).to.equal(false);
      expect(await reg.hasRole(GUARDIAN_ROLE, f.deployer.address)).to.equal(false);
      expect(await reg.isCurrencyAllowed(f.currency)).to.equal(true);
      expect((await reg.settings()).gracePeriod).to.equal(BigInt(3 * ONE_DAY));
      expect((await reg.settings()).maxSplitPieces).to.equal(7n);
      expect(await reg.identityRegistry()).to.equal(await f.identityRegistry.getAddress());
      // It works: a plain-signer admin administers it.
      await expect(reg.connect(owner).setGracePeriod(0)).to.emit(reg, "GracePeriodSet").withArgs(0);
    });

    it("reverts with ZeroAddress for a zero registry, admin, guardian or currency, and InvalidSplitLimit below 2", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const factory = await ethers.getContractFactory("InvoiceRegistry");
      const registry = await f.identityRegistry.getAddress();
      const deploy = (args: unknown[]) => upgrades.deployProxy(factory, args, { kind: "uups" });
      const ok = [registry, f.admin.address, [f.currency], [f.guardian.address], ONE_DAY, 20];
      const bad: unknown[][] = [
        [ethers.ZeroAddress, ...ok.slice(1)],
        [registry, ethers.ZeroAddress, ...ok.slice(2)],
        [registry, f.admin.address, [f.currency], [f.guardian.address, ethers.ZeroAddress], ONE_DAY, 20],
        [registry, f.admin.address, [f.currency, ethers.ZeroAddress], [f.guardian.address], ONE_DAY, 20],
      ];
      for (const args of bad) {
        await expect(deploy(args)).to.be.revertedWithCustomError(factory, "ZeroAddress");
      }
      await expect(deploy([...ok.slice(0, 5), 1]))
        .to.be.revertedWithCustomError(factory, "InvalidSplitLimit")
        .withArgs(1);
      const deployed = await deploy(ok);
      expect(await deployed.getAddress()).to.be.properAddress;
    });

    it("cannot be called again on the proxy, nor on the implementation (InvalidInitialization)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const registry = await f.identityRegistry.getAddress();
      await expect(
        reg.connect(f.outsider).initialize(registry, f.outsider.address, [], [f.outsider.address], 0, 2),
      ).to.be.revertedWithCustomError(reg, "InvalidInitialization");
      expect(await reg.hasRole(DEFAULT_ADMIN_ROLE, f.outsider.address)).to.equal(false);
      const impl = reg.attach(
        await upgrades.erc1967.getImplementationAddress(await reg.getAddress()),
      ) as InvoiceRegistry;
      await expect(
        impl.connect(f.outsider).initialize(registry, f.outsider.address, [], [f.outsider.address], 0, 2),
      ).to.be.revertedWithCustomError(reg, "InvalidInitialization");
    });
  });

  describe("upgrade", function () {
    it("only the admin (timelock) upgrades, and invoices, holders, offers and roles survive", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const proxy = await reg.getAddress();
      const implBefore = await upgrades.erc1967.getImplementationAddress(proxy);
      const { id } = await f.issueAccepted("u");
      await reg.connect(f.debtor).pay(id, f.currency, cash(100));
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, cash(800), 0);
      const before = await snapshot(f, id);
      const newImpl = await (await (await ethers.getContractFactory("InvoiceRegistry")).deploy()).getAddress();
      for (const caller of [f.guardian, f.deployer, f.supplier, f.outsider]) {
        await expect(reg.connect(caller).upgradeToAndCall(newImpl, "0x"))
          .to.be.revertedWithCustomError(reg, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(implBefore);
      await expect(reg.connect(f.admin).upgradeToAndCall(newImpl, "0x")).to.emit(reg, "Upgraded").withArgs(newImpl);
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(newImpl);
      expect(await snapshot(f, id)).to.deep.equal(before);
      expect(await reg.hasRole(DEFAULT_ADMIN_ROLE, f.admin.address)).to.equal(true);
      expect(await reg.hasRole(GUARDIAN_ROLE, f.guardian.address)).to.equal(true);
      expect(await reg.isCurrencyAllowed(f.currency)).to.equal(true);
      expect((await reg.settings()).gracePeriod).to.equal(BigInt(f.gracePeriod));
      // And it still works.
      await expect(reg.connect(f.financier).finance(id, cash(800), 0)).to.emit(reg, "InvoiceFinanced");
      await expect(reg.connect(f.debtor).pay(id, f.currency, cash(900))).to.emit(reg, "InvoicePaid");
    });

    it("the implementation cannot be upgraded directly (UUPSUnauthorizedCallContext)", async function () {
      const f = await loadFixture(deployInvoiceFixture);
      const reg = f.invoiceRegistry;
      const impl = reg.attach(
        await upgrades.erc1967.getImplementationAddress(await reg.getAddress()),
      ) as InvoiceRegistry;
      const newImpl = await (await (await ethers.getContractFactory("InvoiceRegistry")).deploy()).getAddress();
      await expect(impl.connect(f.admin).upgradeToAndCall(newImpl, "0x")).to.be.revertedWithCustomError(
        impl,
        "UUPSUnauthorizedCallContext",
      );
    });

    it("passes hardhat-upgrades' implementation and storage-layout validation", async function () {
      const factory = await ethers.getContractFactory("InvoiceRegistry");
      // Throws on an unsafe implementation (constructor, selfdestruct, delegatecall, layout).
      await upgrades.validateImplementation(factory, { kind: "uups" });
      await upgrades.validateUpgrade(factory, factory, { kind: "uups" });
      const unrelated = await ethers.getContractFactory("IdentityRegistry");
      await expect(upgrades.validateUpgrade(factory, unrelated, { kind: "uups" })).to.be.rejectedWith(
        /storage|layout|namespace|delete/i,
      );
    });
  });

  describe("custom errors", function () {
    it("every custom error of IInvoiceRegistry is expected by some revertedWithCustomError in this file or the v2 tests", async function () {
      const iface = await ethers.getContractAt("IInvoiceRegistry", ethers.ZeroAddress);
      const declared = iface.interface.fragments
        .filter((fragment) => fragment.type === "error")
        .map((fragment) => (fragment as unknown as { name: string }).name);
      expect(declared.length).to.equal(38);
      const source =
        fs.readFileSync(__filename, "utf8") + fs.readFileSync(__filename.replace(/\.test\.ts$/, ".v2.test.ts"), "utf8");
      const expected = new Set(
        [...source.matchAll(/revertedWithCustomError\(\s*[\w.]+,\s*"(\w+)"/g)].map((match) => match[1]),
      );
      expect(declared.filter((name) => !expected.has(name))).to.deep.equal([]);
    });
  });
});

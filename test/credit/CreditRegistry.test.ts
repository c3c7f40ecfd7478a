import { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr } from "../../scripts/lib/constants";
import { DEFAULT_ADMIN_ROLE, ONE_DAY } from "../fixtures/invoice";
import { Kind, REPORTER_ROLE, RecordStatus, deployCreditFixture } from "../fixtures/credit";

type Fixture = Awaited<ReturnType<typeof deployCreditFixture>>;
const EVIDENCE = ethers.id("evidence: court filing 2026/123");
const ANSWER = ethers.id("evidence: paid in full, receipt 77");

describe("CreditRegistry", function () {
  describe("deployment", function () {
    it("is wired to the invoice registry both ways, administered by the timelock, base currency the cash token", async function () {
      const f = await loadFixture(deployCreditFixture);
      expect(await f.invoiceRegistry.creditHook()).to.equal(await f.credit.getAddress());
      expect(await f.credit.invoiceRegistry()).to.equal(await f.invoiceRegistry.getAddress());
      expect(await f.credit.identityRegistry()).to.equal(await f.identityRegistry.getAddress());
      expect(await f.credit.baseCurrency()).to.equal(f.currency);
      expect(await f.credit.hasRole(DEFAULT_ADMIN_ROLE, await f.timelock.getAddress())).to.equal(true);
      expect(await f.credit.hasRole(DEFAULT_ADMIN_ROLE, f.deployer.address)).to.equal(false);
      expect(await f.invoiceRegistry.hasRole(DEFAULT_ADMIN_ROLE, f.deployer.address)).to.equal(false);
    });

    it("refuses zero addresses in the initializer (ZeroAddress) and a second initialisation", async function () {
      const f = await loadFixture(deployCreditFixture);
      const factory = await ethers.getContractFactory("CreditRegistry");
      const good = [
        await f.identityRegistry.getAddress(),
        await f.invoiceRegistry.getAddress(),
        f.deployer.address,
        f.currency,
      ];
      for (let i = 0; i < good.length; i++) {
        const args = [...good];
        args[i] = ethers.ZeroAddress;
        await expect(upgrades.deployProxy(factory, args, { kind: "uups" })).to.be.revertedWithCustomError(
          factory,
          "ZeroAddress",
        );
      }
      await expect(f.credit.initialize(good[0], good[1], good[2], good[3])).to.be.revertedWithCustomError(
        f.credit,
        "InvalidInitialization",
      );
    });
  });

  describe("credit lines", function () {
    it("a credit officer grants, raises, cuts and closes its entity's line (LineSet, LineClosed)", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, officerA, ids } = f;
      await expect(credit.connect(officerA).setLine(ids.buyerA, f.currency, f.cash(5000), f.far))
        .to.emit(credit, "LineSet")
        .withArgs(ids.bankA, ids.buyerA, f.currency, f.cash(5000), f.far, officerA.address);
      expect(await credit.lineOf(ids.bankA, ids.buyerA)).to.deep.equal([f.currency, f.cash(5000), BigInt(f.far)]);
      expect(await credit.headroom(ids.bankA, ids.buyerA)).to.equal(f.cash(5000));
      expect(await credit.linesGrantedBy(ids.bankA)).to.deep.equal([ids.buyerA]);
      expect(await credit.linesReceivedBy(ids.buyerA)).to.deep.equal([ids.bankA]);
      await f.line(officerA, ids.buyerA, f.cash(8000));
      expect(await credit.headroom(ids.bankA, ids.buyerA)).to.equal(f.cash(8000));
      await f.line(officerA, ids.buyerA, f.cash(100));
      expect(await credit.headroom(ids.bankA, ids.buyerA)).to.equal(f.cash(100));
      expect(await credit.linesGrantedBy(ids.bankA)).to.have.length(1);
      await expect(credit.connect(officerA).closeLine(ids.buyerA))
        .to.emit(credit, "LineClosed")
        .withArgs(ids.bankA, ids.buyerA, officerA.address);
      expect((await credit.lineOf(ids.bankA, ids.buyerA)).limit).to.equal(0n);
      expect(await credit.headroom(ids.bankA, ids.buyerA)).to.equal(0n);
      expect(await credit.linesGrantedBy(ids.bankA)).to.deep.equal([]);
      expect(await credit.linesReceivedBy(ids.buyerA)).to.deep.equal([]);
    });

    it("keeps the lists of lines both ways when lines in the middle close", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, officerA, officerB, ids } = f;
      for (const cp of [ids.buyerA, ids.buyerB, ids.supplierA]) await f.line(officerA, cp, f.cash(10));
      await f.line(officerB, ids.buyerA, f.cash(10));
      await credit.connect(officerA).closeLine(ids.buyerA);
      expect([...(await credit.linesGrantedBy(ids.bankA))].sort()).to.deep.equal([ids.buyerB, ids.supplierA].sort());
      expect(await credit.linesReceivedBy(ids.buyerA)).to.deep.equal([ids.bankB]);
      await f.line(officerA, ids.buyerA, f.cash(10));
      expect([...(await credit.linesReceivedBy(ids.buyerA))].sort()).to.deep.equal([ids.bankA, ids.bankB].sort());
    });

    it("only a verified credit officer sets lines: NotCreditOfficer for other wallets, lapsed KYC, no attribute", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, financier, outsider, officerA, ids } = f;
      for (const wallet of [financier, outsider]) {
        await expect(credit.connect(wallet).setLine(ids.buyerA, f.currency, 1, f.far))
          .to.be.revertedWithCustomError(credit, "NotCreditOfficer")
          .withArgs(wallet.address);
        await expect(credit.connect(wallet).closeLine(ids.buyerA)).to.be.revertedWithCustomError(
          credit,
          "NotCreditOfficer",
        );
        await expect(credit.connect(wallet).setEnforcement(true)).to.be.revertedWithCustomError(
          credit,
          "NotCreditOfficer",
        );
      }
      expect(await credit.isCreditOfficer(officerA.address, ids.bankA)).to.equal(true);
      expect(await credit.isCreditOfficer(officerA.address, ids.bankB)).to.equal(false);
      expect(await credit.isCreditOfficer(financier.address, ids.bankA)).to.equal(false);
      await f.expireIn(officerA, 10);
      await time.increase(20);
      expect(await credit.isCreditOfficer(officerA.address, ids.bankA)).to.equal(false);
      await expect(credit.connect(officerA).setLine(ids.buyerA, f.currency, 1, f.far)).to.be.revertedWithCustomError(
        credit,
        "NotCreditOfficer",
      );
    });

    it("refuses bad lines by name", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, officerA, ids } = f;
      const c = credit.connect(officerA);
      await expect(c.setLine(ids.buyerA, ethers.ZeroAddress, 1, f.far)).to.be.revertedWithCustomError(
        credit,
        "ZeroAddress",
      );
      await expect(c.setLine(ids.buyerA, f.currency, 0, f.far)).to.be.revertedWithCustomError(credit, "ZeroAmount");
      await expect(c.setLine(ids.buyerA, f.currency, 1n << 128n, f.far))
        .to.be.revertedWithCustomError(credit, "AmountTooLarge")
        .withArgs(1n << 128n);
      const now = await time.latest();
      await expect(c.setLine(ids.buyerA, f.currency, 1, now))
        .to.be.revertedWithCustomError(credit, "ExpiryInPast")
        .withArgs(now);
      const nobody = ethers.id("entity:NOBODY");
      await expect(c.setLine(nobody, f.currency, 1, f.far))
        .to.be.revertedWithCustomError(credit, "UnknownEntity")
        .withArgs(nobody);
      await expect(c.setLine(ids.bankA, f.currency, 1, f.far))
        .to.be.revertedWithCustomError(credit, "SelfLine")
        .withArgs(ids.bankA);
      await f.line(officerA, ids.buyerA, 10n);
      const other = await f.securityToken.getAddress();
      await expect(c.setLine(ids.buyerA, other, 10, f.far))
        .to.be.revertedWithCustomError(credit, "LineCurrencyChange")
        .withArgs(ids.bankA, ids.buyerA, f.currency, other);
      await expect(c.closeLine(ids.buyerB))
        .to.be.revertedWithCustomError(credit, "NoLine")
        .withArgs(ids.bankA, ids.buyerB);
    });

    it("switches enforcement per lender entity (EnforcementSet) and refuses a no-op (EnforcementUnchanged)", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, officerA, ids } = f;
      expect(await credit.isEnforced(ids.bankA)).to.equal(false);
      await expect(credit.connect(officerA).setEnforcement(false))
        .to.be.revertedWithCustomError(credit, "EnforcementUnchanged")
        .withArgs(ids.bankA, false);
      await expect(credit.connect(officerA).setEnforcement(true))
        .to.emit(credit, "EnforcementSet")
        .withArgs(ids.bankA, true, officerA.address);
      expect(await credit.isEnforced(ids.bankA)).to.equal(true);
      expect(await credit.isEnforced(ids.bankB)).to.equal(false);
      await credit.connect(officerA).setEnforcement(false);
      expect(await credit.isEnforced(ids.bankA)).to.equal(false);
    });
  });

  describe("exposure", function () {
    it("follows acceptance, financing, payments, splits, defaults and moves between an entity's wallets", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, ids, invoiceRegistry: reg } = f;
      const { id } = await f.issueAccepted("EXP-1", { amount: f.cash(1000), dueIn: ONE_DAY });
      expect(await credit.exposure(ids.supplierA, ids.buyerA)).to.equal(f.cash(1000));
      expect((await credit.debtorCeilingOf(ids.buyerA, f.currency)).outstanding).to.equal(f.cash(1000));
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, f.cash(950), 0);
      await expect(reg.connect(f.financier).finance(id, f.cash(950), 0)).to.emit(credit, "ExposureChanged");
      expect(await credit.exposure(ids.supplierA, ids.buyerA)).to.equal(0n);
      expect(await credit.exposure(ids.bankA, ids.buyerA)).to.equal(f.cash(1000));
      await reg.connect(f.debtor).pay(id, f.currency, f.cash(300));
      expect(await credit.exposure(ids.bankA, ids.buyerA)).to.equal(f.cash(700));
      expect(await credit.exposureIn(ids.bankA, ids.buyerA, f.currency)).to.equal(f.cash(700));
      expect((await credit.debtorCeilingOf(ids.buyerA, f.currency)).outstanding).to.equal(f.cash(700));
      await time.increase(ONE_DAY + f.gracePeriod + 1);
      await reg.connect(f.financier).markDefaulted(id);
      expect(await credit.exposure(ids.bankA, ids.buyerA)).to.equal(f.cash(700));
      await reg.connect(f.financier).transferFrom(f.financier.address, f.financier2.address, id);
      expect(await credit.exposure(ids.bankA, ids.buyerA)).to.equal(0n);
      expect(await credit.exposure(ids.bankB, ids.buyerA)).to.equal(f.cash(700));
      await reg.connect(f.debtor).pay(id, f.currency, f.cash(700));
      expect(await credit.exposure(ids.bankB, ids.buyerA)).to.equal(0n);

      const second = await f.issueAccepted("EXP-2", { amount: f.cash(1000) });
      await f.split(second.id, [f.cash(400), f.cash(600)]);
      expect(await credit.exposure(ids.supplierA, ids.buyerA)).to.equal(f.cash(1000));
      // supplierDebtor is a second wallet of SUPPLIER_A: a move between them changes nothing.
      await f.setAttributes(f.supplierDebtor, Attr.SUPPLIER | Attr.DEBTOR);
      const [piece] = (
        await f.split((await f.issueAccepted("EXP-3", { amount: f.cash(10) })).id, [f.cash(4), f.cash(6)])
      ).ids;
      await expect(
        reg.connect(f.supplier).transferFrom(f.supplier.address, f.supplierDebtor.address, piece),
      ).not.to.emit(credit, "ExposureChanged");
      expect(await credit.exposure(ids.supplierA, ids.buyerA)).to.equal(f.cash(1010));
    });

    it("the two-argument views read the line's currency, else the base currency", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, ids, officerA } = f;
      await f.financed("CUR-1", f.cash(500));
      expect(await credit.exposure(ids.bankA, ids.buyerA)).to.equal(f.cash(500));
      const other = await f.securityToken.getAddress();
      await credit.connect(officerA).setLine(ids.buyerA, other, 1000, f.far);
      expect(await credit.exposure(ids.bankA, ids.buyerA)).to.equal(0n);
      expect(await credit.headroom(ids.bankA, ids.buyerA)).to.equal(1000n);
      expect(await credit.exposureIn(ids.bankA, ids.buyerA, f.currency)).to.equal(f.cash(500));
    });

    it("accepts hook calls from the invoice registry only (NotInvoiceRegistry)", async function () {
      const f = await loadFixture(deployCreditFixture);
      await expect(
        f.credit.connect(f.financier).receivableChanged(ethers.ZeroAddress, f.financier.address, 1, f.currency, 1),
      )
        .to.be.revertedWithCustomError(f.credit, "NotInvoiceRegistry")
        .withArgs(f.financier.address);
    });

    it("with no hook set on the invoice registry (zero = off), nothing is counted", async function () {
      const f = await loadFixture(deployCreditFixture);
      await expect(f.invoiceRegistry.connect(f.admin).setCreditHook(ethers.ZeroAddress))
        .to.emit(f.invoiceRegistry, "CreditHookSet")
        .withArgs(ethers.ZeroAddress);
      await f.financed("OFF-1", f.cash(10));
      expect(await f.credit.exposure(f.ids.bankA, f.ids.buyerA)).to.equal(0n);
      await expect(
        f.invoiceRegistry.connect(f.financier).setCreditHook(await f.credit.getAddress()),
      ).to.be.revertedWithCustomError(f.invoiceRegistry, "AccessControlUnauthorizedAccount");
    });

    it("decreases floor at zero, so a hook set after receivables existed never blocks a payment", async function () {
      const f = await loadFixture(deployCreditFixture);
      await f.invoiceRegistry.connect(f.admin).setCreditHook(ethers.ZeroAddress);
      const { id } = await f.financed("LATE-1", f.cash(10));
      await f.invoiceRegistry.connect(f.admin).setCreditHook(await f.credit.getAddress());
      await f.invoiceRegistry.connect(f.debtor).pay(id, f.currency, f.cash(4));
      await f.invoiceRegistry.connect(f.financier).transferFrom(f.financier.address, f.financier2.address, id);
      expect(await f.credit.exposure(f.ids.bankA, f.ids.buyerA)).to.equal(0n);
      expect(await f.credit.exposure(f.ids.bankB, f.ids.buyerA)).to.equal(f.cash(6));
      await f.invoiceRegistry.connect(f.debtor).pay(id, f.currency, f.cash(6));
      expect((await f.credit.debtorCeilingOf(f.ids.buyerA, f.currency)).outstanding).to.equal(0n);
    });
  });

  describe("line enforcement", function () {
    it("refuses financing beyond the line with CreditLineExceeded(lender, debtor, line, exposure, amount)", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, officerA, ids, invoiceRegistry: reg } = f;
      await f.line(officerA, ids.buyerA, f.cash(1500));
      await credit.connect(officerA).setEnforcement(true);
      await f.financed("ENF-1", f.cash(1000));
      expect(await credit.headroom(ids.bankA, ids.buyerA)).to.equal(f.cash(500));
      const { id } = await f.issueAccepted("ENF-2", { amount: f.cash(600) });
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, f.cash(500), 0);
      await expect(reg.connect(f.financier).finance(id, f.cash(500), 0))
        .to.be.revertedWithCustomError(credit, "CreditLineExceeded")
        .withArgs(ids.bankA, ids.buyerA, f.cash(1500), f.cash(1000), f.cash(600));
      // Another lender without enforcement takes it.
      await reg.connect(f.supplier).offerForFinancing(id, f.financier2.address, f.cash(500), 0);
      await reg.connect(f.financier2).finance(id, f.cash(500), 0);
      // Receiving by transfer is checked the same way.
      await expect(reg.connect(f.financier2).transferFrom(f.financier2.address, f.financier.address, id))
        .to.be.revertedWithCustomError(credit, "CreditLineExceeded")
        .withArgs(ids.bankA, ids.buyerA, f.cash(1500), f.cash(1000), f.cash(600));
    });

    it("after a cut below exposure nothing new is taken until payments bring it under the line", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, officerA, ids, invoiceRegistry: reg } = f;
      await f.line(officerA, ids.buyerA, f.cash(2000));
      await credit.connect(officerA).setEnforcement(true);
      const first = await f.financed("CUT-1", f.cash(1000));
      await f.line(officerA, ids.buyerA, f.cash(500));
      expect(await credit.exposure(ids.bankA, ids.buyerA)).to.equal(f.cash(1000));
      expect(await credit.headroom(ids.bankA, ids.buyerA)).to.equal(0n);
      const { id } = await f.issueAccepted("CUT-2", { amount: f.cash(100) });
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, f.cash(90), 0);
      await expect(reg.connect(f.financier).finance(id, f.cash(90), 0))
        .to.be.revertedWithCustomError(credit, "CreditLineExceeded")
        .withArgs(ids.bankA, ids.buyerA, f.cash(500), f.cash(1000), f.cash(100));
      await reg.connect(f.debtor).pay(first.id, f.currency, f.cash(700));
      await reg.connect(f.financier).finance(id, f.cash(90), 0);
      expect(await credit.exposure(ids.bankA, ids.buyerA)).to.equal(f.cash(400));
    });

    it("refuses with NoCreditLine without a line (or one in another currency) and CreditLineExpired after expiry", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, officerA, ids, invoiceRegistry: reg } = f;
      await credit.connect(officerA).setEnforcement(true);
      const { id } = await f.issueAccepted("NOL-1", { amount: f.cash(100), dueIn: 400 * ONE_DAY });
      await reg.connect(f.supplier).offerForFinancing(id, f.financier.address, f.cash(90), 0);
      await expect(reg.connect(f.financier).finance(id, f.cash(90), 0))
        .to.be.revertedWithCustomError(credit, "NoCreditLine")
        .withArgs(ids.bankA, ids.buyerA, f.currency);
      const other = await f.securityToken.getAddress();
      await credit.connect(officerA).setLine(ids.buyerA, other, f.cash(1000), f.far);
      await expect(reg.connect(f.financier).finance(id, f.cash(90), 0))
        .to.be.revertedWithCustomError(credit, "NoCreditLine")
        .withArgs(ids.bankA, ids.buyerA, f.currency);
      await credit.connect(officerA).closeLine(ids.buyerA);
      const soon = (await time.latest()) + ONE_DAY;
      await credit.connect(officerA).setLine(ids.buyerA, f.currency, f.cash(1000), soon);
      await time.increaseTo(soon);
      await expect(reg.connect(f.financier).finance(id, f.cash(90), 0))
        .to.be.revertedWithCustomError(credit, "CreditLineExpired")
        .withArgs(ids.bankA, ids.buyerA, soon);
      expect(await credit.headroom(ids.bankA, ids.buyerA)).to.equal(0n);
    });
  });

  describe("debtor ceilings", function () {
    it("governance caps a debtor's accepted-but-unpaid receivables: accepting beyond reverts (DebtorCeilingExceeded)", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, admin, ids, invoiceRegistry: reg } = f;
      await expect(credit.connect(admin).setDebtorCeiling(ids.buyerA, f.currency, f.cash(1500)))
        .to.emit(credit, "DebtorCeilingSet")
        .withArgs(ids.buyerA, f.currency, f.cash(1500), true);
      const first = await f.issueAccepted("CEIL-1", { amount: f.cash(1000) });
      const second = await f.issue("CEIL-2", { amount: f.cash(600) });
      await expect(reg.connect(f.debtor).acceptInvoice(second.id))
        .to.be.revertedWithCustomError(credit, "DebtorCeilingExceeded")
        .withArgs(ids.buyerA, f.cash(1500), f.cash(1000), f.cash(600));
      await reg.connect(f.debtor).pay(first.id, f.currency, f.cash(100));
      await reg.connect(f.debtor).acceptInvoice(second.id);
      expect(await credit.debtorCeilingOf(ids.buyerA, f.currency)).to.deep.equal([f.cash(1500), f.cash(1500), true]);
      await expect(credit.connect(admin).removeDebtorCeiling(ids.buyerA, f.currency))
        .to.emit(credit, "DebtorCeilingSet")
        .withArgs(ids.buyerA, f.currency, 0, false);
      await f.issueAccepted("CEIL-3", { amount: f.cash(5000) });
      expect((await credit.debtorCeilingOf(ids.buyerA, f.currency)).outstanding).to.equal(f.cash(6500));
    });

    it("refuses a zero currency (ZeroAddress), too large a ceiling (AmountTooLarge) and an unknown debtor", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, admin, ids } = f;
      await expect(
        credit.connect(admin).setDebtorCeiling(ids.buyerA, ethers.ZeroAddress, 1),
      ).to.be.revertedWithCustomError(credit, "ZeroAddress");
      await expect(credit.connect(admin).setDebtorCeiling(ids.buyerA, f.currency, 1n << 120n))
        .to.be.revertedWithCustomError(credit, "AmountTooLarge")
        .withArgs(1n << 120n);
      await expect(
        credit.connect(admin).setDebtorCeiling(ethers.id("entity:NOBODY"), f.currency, 1),
      ).to.be.revertedWithCustomError(credit, "UnknownEntity");
    });
  });

  describe("adverse records", function () {
    async function filed(f: Fixture) {
      const date = (await time.latest()) - ONE_DAY;
      await f.credit
        .connect(f.reporter)
        .fileAdverseRecord(f.ids.buyerA, Kind.Default, f.currency, f.cash(250), date, EVIDENCE);
      return { id: await f.credit.adverseRecordCount(), date };
    }

    it("a reporter files (AdverseRecordFiled), the subject disputes (RecordDisputed), governance upholds or strikes", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, reporter, admin, debtor, ids } = f;
      const date = (await time.latest()) - ONE_DAY;
      await expect(
        credit.connect(reporter).fileAdverseRecord(ids.buyerA, Kind.Default, f.currency, f.cash(250), date, EVIDENCE),
      )
        .to.emit(credit, "AdverseRecordFiled")
        .withArgs(1, ids.buyerA, reporter.address, Kind.Default, f.currency, f.cash(250), date, EVIDENCE);
      const second = await filed(f);
      expect(await credit.adverseRecordsOf(ids.buyerA)).to.deep.equal([1n, second.id]);
      const r = await credit.adverseRecord(1);
      expect(r.status).to.equal(RecordStatus.Filed);
      expect(r.reporter).to.equal(reporter.address);
      expect(r.amount).to.equal(f.cash(250));

      await expect(credit.connect(debtor).disputeRecord(1, ANSWER))
        .to.emit(credit, "RecordDisputed")
        .withArgs(1, ids.buyerA, debtor.address, ANSWER);
      await credit.connect(debtor).disputeRecord(second.id, ANSWER);
      let rec = await credit.recordOf(ids.buyerA);
      expect([rec.adverseRecords, rec.disputed, rec.upheld, rec.struck]).to.deep.equal([2n, 2n, 0n, 0n]);
      await expect(credit.connect(admin).upholdRecord(1)).to.emit(credit, "RecordUpheld").withArgs(1, ids.buyerA);
      await expect(credit.connect(admin).strikeRecord(second.id))
        .to.emit(credit, "RecordStruck")
        .withArgs(second.id, ids.buyerA);
      rec = await credit.recordOf(ids.buyerA);
      expect([rec.adverseRecords, rec.disputed, rec.upheld, rec.struck]).to.deep.equal([2n, 0n, 1n, 1n]);
      // Never deleted: the struck record is still there, marked, with both evidence hashes.
      const struck = await credit.adverseRecord(second.id);
      expect(struck.status).to.equal(RecordStatus.Struck);
      expect(struck.evidenceHash).to.equal(EVIDENCE);
      expect(struck.disputeHash).to.equal(ANSWER);
    });

    it("refuses bad records by name: UnknownEntity, EmptyEvidence, DateInFuture, ZeroAddress", async function () {
      const f = await loadFixture(deployCreditFixture);
      const c = f.credit.connect(f.reporter);
      const now = await time.latest();
      await expect(
        c.fileAdverseRecord(ethers.id("entity:NOBODY"), Kind.Fraud, f.currency, 0, now, EVIDENCE),
      ).to.be.revertedWithCustomError(f.credit, "UnknownEntity");
      await expect(
        c.fileAdverseRecord(f.ids.buyerA, Kind.Fraud, f.currency, 0, now, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.credit, "EmptyEvidence");
      await expect(c.fileAdverseRecord(f.ids.buyerA, Kind.Fraud, f.currency, 0, now + 1000, EVIDENCE))
        .to.be.revertedWithCustomError(f.credit, "DateInFuture")
        .withArgs(now + 1000);
      await expect(
        c.fileAdverseRecord(f.ids.buyerA, Kind.LatePayment, ethers.ZeroAddress, 5, now, EVIDENCE),
      ).to.be.revertedWithCustomError(f.credit, "ZeroAddress");
      // No amount needs no currency.
      await c.fileAdverseRecord(f.ids.buyerA, Kind.Litigation, ethers.ZeroAddress, 0, now, EVIDENCE);
    });

    it("only the subject disputes, once, with evidence: NotSubject, EmptyEvidence, RecordNotFiled, UnknownRecord", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, debtor, debtor2, financier } = f;
      const { id } = await filed(f);
      for (const wallet of [debtor2, financier]) {
        await expect(credit.connect(wallet).disputeRecord(id, ANSWER))
          .to.be.revertedWithCustomError(credit, "NotSubject")
          .withArgs(id, wallet.address);
      }
      await expect(credit.connect(debtor).disputeRecord(id, ethers.ZeroHash)).to.be.revertedWithCustomError(
        credit,
        "EmptyEvidence",
      );
      await expect(credit.connect(debtor).disputeRecord(99, ANSWER))
        .to.be.revertedWithCustomError(credit, "UnknownRecord")
        .withArgs(99);
      await expect(credit.adverseRecord(99)).to.be.revertedWithCustomError(credit, "UnknownRecord");
      await credit.connect(debtor).disputeRecord(id, ANSWER);
      await expect(credit.connect(debtor).disputeRecord(id, ANSWER))
        .to.be.revertedWithCustomError(credit, "RecordNotFiled")
        .withArgs(id, RecordStatus.Disputed);
      // A subject wallet whose KYC lapsed cannot dispute.
      const next = await filed(f);
      await f.expireIn(debtor, 10);
      await time.increase(20);
      await expect(credit.connect(debtor).disputeRecord(next.id, ANSWER)).to.be.revertedWithCustomError(
        credit,
        "NotSubject",
      );
    });

    it("governance decides only disputed records (RecordNotDisputed)", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { id } = await filed(f);
      await expect(f.credit.connect(f.admin).upholdRecord(id))
        .to.be.revertedWithCustomError(f.credit, "RecordNotDisputed")
        .withArgs(id, RecordStatus.Filed);
      await expect(f.credit.connect(f.admin).strikeRecord(id)).to.be.revertedWithCustomError(
        f.credit,
        "RecordNotDisputed",
      );
      await expect(f.credit.connect(f.admin).strikeRecord(42)).to.be.revertedWithCustomError(f.credit, "UnknownRecord");
    });
  });

  describe("the shared credit record", function () {
    it("recordOf: the debtor's payment record, lines granted to it (count, limit, used) and adverse records", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, ids, officerA, officerB } = f;
      await f.line(officerA, ids.buyerA, f.cash(3000));
      await f.line(officerB, ids.buyerA, f.cash(2000));
      await credit.connect(officerB).setLine(ids.buyerB, await f.securityToken.getAddress(), 5, f.far);
      await f.financed("REC-1", f.cash(1000));
      await f.financed("REC-2", f.cash(400), { financier: f.financier2 });
      await f.issueAccepted("REC-3", { amount: f.cash(50) });
      const rec = await credit.recordOf(ids.buyerA);
      expect(rec.payment).to.deep.equal(await f.invoiceRegistry.paymentRecordOf(ids.buyerA, f.currency));
      expect(rec.payment.acceptedCount).to.equal(3n);
      expect(rec.linesReceived).to.equal(2n);
      expect(rec.totalLimit).to.equal(f.cash(5000));
      expect(rec.totalUsed).to.equal(f.cash(1400));
      const other = await credit.recordIn(ids.buyerB, await f.securityToken.getAddress());
      expect([other.linesReceived, other.totalLimit, other.totalUsed]).to.deep.equal([1n, 5n, 0n]);
      expect((await credit.recordIn(ids.buyerB, f.currency)).totalLimit).to.equal(0n);
      await expect(credit.recordOf(ethers.id("entity:NOBODY"))).to.be.revertedWithCustomError(credit, "UnknownEntity");
    });
  });

  describe("governance-only functions", function () {
    it("every admin function reverts for an account without DEFAULT_ADMIN_ROLE, and filing without REPORTER_ROLE", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, officerA, ids } = f;
      const c = credit.connect(officerA);
      const calls = [
        () => c.setDebtorCeiling(ids.buyerA, f.currency, 1),
        () => c.removeDebtorCeiling(ids.buyerA, f.currency),
        () => c.upholdRecord(1),
        () => c.strikeRecord(1),
        () => c.setInvoiceRegistry(officerA.address),
        () => c.setBaseCurrency(officerA.address),
        () => c.grantRole(REPORTER_ROLE, officerA.address),
        () => c.revokeRole(DEFAULT_ADMIN_ROLE, f.admin.address),
        () => c.upgradeToAndCall(officerA.address, "0x"),
      ];
      for (const call of calls) {
        await expect(call())
          .to.be.revertedWithCustomError(credit, "AccessControlUnauthorizedAccount")
          .withArgs(officerA.address, DEFAULT_ADMIN_ROLE);
      }
      await expect(c.fileAdverseRecord(ids.buyerA, Kind.Other, f.currency, 0, await time.latest(), EVIDENCE))
        .to.be.revertedWithCustomError(credit, "AccessControlUnauthorizedAccount")
        .withArgs(officerA.address, REPORTER_ROLE);
    });

    it("the admin sets the invoice registry and the base currency (events), never zero", async function () {
      const f = await loadFixture(deployCreditFixture);
      const { credit, admin } = f;
      const other = await f.securityToken.getAddress();
      await expect(credit.connect(admin).setBaseCurrency(other)).to.emit(credit, "BaseCurrencySet").withArgs(other);
      expect(await credit.baseCurrency()).to.equal(other);
      await expect(credit.connect(admin).setInvoiceRegistry(other))
        .to.emit(credit, "InvoiceRegistrySet")
        .withArgs(other);
      expect(await credit.invoiceRegistry()).to.equal(other);
      await expect(credit.connect(admin).setBaseCurrency(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        credit,
        "ZeroAddress",
      );
      await expect(credit.connect(admin).setInvoiceRegistry(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        credit,
        "ZeroAddress",
      );
    });

    it("the timelock upgrades it (UUPS)", async function () {
      const f = await loadFixture(deployCreditFixture);
      const implementation = await (await ethers.getContractFactory("CreditRegistry")).deploy();
      await f.credit.connect(f.admin).upgradeToAndCall(await implementation.getAddress(), "0x");
      expect(await upgrades.erc1967.getImplementationAddress(await f.credit.getAddress())).to.equal(
        await implementation.getAddress(),
      );
    });
  });
});

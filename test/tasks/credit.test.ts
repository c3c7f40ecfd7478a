import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { invoiceKey } from "../../tasks/lib/invoiceKey";
import { LOCALHOST_PARAMETERS } from "../fixtures/consortium";
import { expectTaskError, runTask, tasksFixture } from "./helpers";

const DAY = 86_400;
const cny = (amount: string) => ethers.parseUnits(amount, 2);
const EVIDENCE = ethers.id("evidence: late payment notice");
const ANSWER = ethers.id("evidence: bank statement");
const REPORTER_ROLE = ethers.id("REPORTER_ROLE");

/**
 * The deployed system with a supplier (#8, SUPPLIER), a debtor (#9, BUYER), Pearl River Bank (#1,
 * PRB, financier) and its credit officer (#10), a reporter (#11, appointed by the
 * timelock) and an outsider (#12). PRB and BUYER hold cash and approved the invoice registry. A receivable of 3000.00 on BUYER is accepted and offered to PRB
 * for 2900.00.
 */
async function creditTasksFixture() {
  const f = await tasksFixture();
  const [supplier, debtor, officer, reporter, outsider] = f.others;
  const expiry = (await time.latest()) + 365 * DAY;
  for (const [wallet, name, attributes] of [
    [supplier.address, "SUPPLIER", Attr.SUPPLIER],
    [debtor.address, "BUYER", Attr.DEBTOR],
    [f.bank.address, "PRB", Attr.FINANCIER],
    [officer.address, "PRB", Attr.CREDIT_OFFICER],
  ] as const) {
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(wallet, ethers.id(name), Country.CN, expiry, attributes);
  }
  for (const payer of [f.bank, debtor]) {
    await f.cashToken.connect(f.cashIssuer).mint(payer.address, cny("100000"));
    await f.cashToken.connect(payer).approve(await f.invoiceRegistry.getAddress(), ethers.MaxUint256);
  }
  await ethers.provider.send("hardhat_setBalance", [await f.timelock.getAddress(), "0xde0b6b3a7640000"]);
  const timelock = await ethers.getImpersonatedSigner(await f.timelock.getAddress());
  await f.creditRegistry.connect(timelock).grantRole(REPORTER_ROLE, reporter.address);
  const terms = {
    debtor: debtor.address,
    faceValue: cny("3000"),
    currency: await f.cashToken.getAddress(),
    dueDate: (await time.latest()) + 30 * DAY,
    documentHash: ethers.id("doc"),
  };
  await f.invoiceRegistry.connect(supplier).issueInvoice(terms, "CN-SH", "INV-1", "");
  const id = invoiceKey(ethers.id("SUPPLIER"), "CN-SH", "INV-1");
  await f.invoiceRegistry.connect(debtor).acceptInvoice(id);
  await f.invoiceRegistry.connect(supplier).offerForFinancing(id, f.bank.address, cny("2900"), 0);
  return {
    ...f,
    supplier,
    debtor,
    officer,
    reporter,
    outsider,
    timelock,
    id,
    key: ethers.toBeHex(id, 32),
    prb: ethers.id("PRB"),
    buyer: ethers.id("BUYER"),
  };
}

type Fixture = Awaited<ReturnType<typeof creditTasksFixture>>;
const args = (f: Fixture, from: string, more: Record<string, unknown> = {}) => ({
  deployment: f.deployment,
  from,
  ...more,
});

describe("tasks: credit", function () {
  // The first test deploys the whole system (slow on a loaded machine).
  this.timeout(600_000);
  describe("credit:line", () => {
    it("a credit officer grants, raises, cuts and closes a line, and switches enforcement; --dry-run sends nothing", async () => {
      const f = await loadFixture(creditTasksFixture);
      const { result: dry } = await runTask<{ dryRun: boolean }>(
        "credit:line",
        args(f, f.officer.address, {
          action: "grant",
          counterparty: "BUYER",
          limit: "5000",
          expiry: "365d",
          dryRun: true,
        }),
      );
      expect(dry.dryRun).to.equal(true);
      expect((await f.creditRegistry.lineOf(f.prb, f.buyer)).limit).to.equal(0n);

      const { result, text } = await runTask<{ limit: bigint; dryRun: boolean }>(
        "credit:line",
        args(f, f.officer.address, { action: "grant", counterparty: "BUYER", limit: "5000", expiry: "365d" }),
      );
      expect(result.limit).to.equal(cny("5000"));
      expect(text).to.match(/line from 0x[0-9a-f]{8}… to BUYER \(0x[0-9a-f]{8}…\): granted to 5000\.00 CNYC/);
      expect((await f.creditRegistry.lineOf(f.prb, f.buyer)).limit).to.equal(cny("5000"));

      const { text: raised } = await runTask(
        "credit:line",
        args(f, f.officer.address, { action: "change", counterparty: "BUYER", limit: "8000" }),
      );
      expect(raised).to.include("raised to 8000.00 CNYC");
      await f.invoiceRegistry.connect(f.bank).finance(f.id, cny("2900"), 0);
      const { text: cut } = await runTask(
        "credit:line",
        args(f, f.officer.address, { action: "change", counterparty: f.buyer, limit: "1000" }),
      );
      expect(cut).to.include("cut to 1000.00 CNYC");
      expect(cut).to.include(
        "exposure now 3000.00 CNYC (above the new limit: nothing new is taken until it falls below)",
      );

      const { result: on } = await runTask<{ enforced: boolean }>(
        "credit:line",
        args(f, f.officer.address, { action: "enforce", json: true }),
      );
      expect(on.enforced).to.equal(true);
      expect(await f.creditRegistry.isEnforced(f.prb)).to.equal(true);
      await runTask("credit:line", args(f, f.officer.address, { action: "relax" }));
      expect(await f.creditRegistry.isEnforced(f.prb)).to.equal(false);

      await runTask("credit:line", args(f, f.officer.address, { action: "close", counterparty: "BUYER" }));
      expect((await f.creditRegistry.lineOf(f.prb, f.buyer)).limit).to.equal(0n);
    });

    it("bad input: a one-line error and nothing sent", async () => {
      const f = await loadFixture(creditTasksFixture);
      const o = f.officer.address;
      await expectTaskError(
        "credit:line",
        args(f, o, { action: "extend", counterparty: "BUYER" }),
        /^action: "extend"/,
      );
      await expectTaskError(
        "credit:line",
        args(f, f.bank.address, { action: "grant", counterparty: "BUYER", limit: "1", expiry: "30d" }),
        /is not a verified credit officer/,
      );
      await expectTaskError(
        "credit:line",
        args(f, o, { action: "grant", counterparty: "NOBODY", limit: "1", expiry: "30d" }),
        /counterparty: entity "NOBODY" is not registered/,
      );
      await expectTaskError(
        "credit:line",
        args(f, o, { action: "grant", counterparty: "BUYER" }),
        /give --limit and --expiry/,
      );
      await expectTaskError(
        "credit:line",
        args(f, o, { action: "grant", counterparty: "BUYER", limit: "1.001", expiry: "30d" }),
        /too many decimals/,
      );
      await expectTaskError(
        "credit:line",
        args(f, o, { action: "grant", counterparty: "BUYER", limit: "1", expiry: "2020-01-01" }),
        /--expiry: .* is not in the future/,
      );
      await expectTaskError(
        "credit:line",
        args(f, o, { action: "change", counterparty: "BUYER", limit: "1" }),
        /use grant/,
      );
      await expectTaskError(
        "credit:line",
        args(f, o, { action: "close", counterparty: "BUYER" }),
        /has no line to BUYER/,
      );
      await expectTaskError(
        "credit:line",
        args(f, o, { action: "grant", counterparty: "PRB", limit: "1", expiry: "30d" }),
        /would fail: SelfLine/,
      );
      await expectTaskError("credit:line", args(f, o, { action: "relax" }), /already off/);
      await expectTaskError("credit:line", args(f, o, { action: "grant" }), /give the counterparty entity/);
    });
  });

  describe("credit:exposure and credit:show", () => {
    it("say the exposure, line and headroom, and the whole record in words; --json", async () => {
      const f = await loadFixture(creditTasksFixture);
      await runTask(
        "credit:line",
        args(f, f.officer.address, { action: "grant", counterparty: "BUYER", limit: "5000", expiry: "365d" }),
      );
      await f.invoiceRegistry.connect(f.bank).finance(f.id, cny("2900"), 0);
      await f.invoiceRegistry.connect(f.debtor).pay(f.id, await f.cashToken.getAddress(), cny("1000"));
      await f.creditRegistry
        .connect(f.reporter)
        .fileAdverseRecord(f.buyer, 1, await f.cashToken.getAddress(), cny("50"), await time.latest(), EVIDENCE);
      await f.creditRegistry.connect(f.debtor).disputeRecord(1, ANSWER);

      const { result: exposure, text } = await runTask<{ exposure: string; line: { headroom: string } }>(
        "credit:exposure",
        {
          deployment: f.deployment,
          lender: "PRB",
          debtor: "BUYER",
        },
      );
      expect(exposure.exposure).to.equal("2000.00 CNYC");
      expect(exposure.line.headroom).to.equal("3000.00 CNYC");
      expect(text).to.include("PRB (");
      expect(text).to.include("holds 2000.00 CNYC of receivables on BUYER");
      expect(text).to.include("limit 5000.00 CNYC, used 2000.00 CNYC, 3000.00 CNYC headroom");
      expect(text).to.include("line enforcement: off (lines are advisory)");

      const { result: shown, text: words } = await runTask<{
        record: { acceptedCount: number; outstanding: string; linesReceived: number; adverseRecords: number };
        adverseRecords: { status: string }[];
      }>("credit:show", { deployment: f.deployment, entity: "BUYER" });
      expect(shown.record.acceptedCount).to.equal(1);
      expect(shown.record.outstanding).to.equal("2000.00 CNYC");
      expect(shown.record.linesReceived).to.equal(1);
      expect(shown.adverseRecords[0].status).to.equal("disputed");
      expect(words).to.include("as a debtor: 1 receivable(s) accepted for 3000.00 CNYC; 2000.00 CNYC outstanding;");
      expect(words).to.include("lines received: 1 open line(s); in CNYC: limit 5000.00 CNYC, used 2000.00 CNYC");
      expect(words).to.include("adverse records: 1 (1 disputed awaiting governance, 0 upheld, 0 struck)");
      expect(words).to.include(`#1 late-payment, 50.00 CNYC`);
      expect(words).to.include(`disputed by the subject (evidence ${ANSWER}); awaiting governance`);

      const { result: bank, text: bankWords } = await runTask<{ exposures: { amount: string }[] }>("credit:show", {
        deployment: f.deployment,
        entity: "PRB",
        json: true,
      });
      expect(bank.exposures.map((e) => e.amount)).to.deep.equal(["2000.00 CNYC"]);
      expect(bankWords.trim().startsWith("{")).to.equal(true);
    });

    it("bad input: unknown entities and malformed ids are one-line errors", async () => {
      const f = await loadFixture(creditTasksFixture);
      await expectTaskError(
        "credit:show",
        { deployment: f.deployment, entity: "NOBODY" },
        /entity: entity "NOBODY" is not registered/,
      );
      await expectTaskError(
        "credit:exposure",
        { deployment: f.deployment, lender: "PRB", debtor: "0x12" },
        /not a 32-byte id/,
      );
    });
  });

  describe("credit:report and credit:dispute", () => {
    it("a reporter files, the subject disputes (each with --dry-run first)", async () => {
      const f = await loadFixture(creditTasksFixture);
      const report = { subject: "BUYER", kind: "default", evidence: EVIDENCE, amount: "120.50" };
      const { result: dry } = await runTask<{ dryRun: boolean }>(
        "credit:report",
        args(f, f.reporter.address, { ...report, dryRun: true }),
      );
      expect(dry.dryRun).to.equal(true);
      expect(await f.creditRegistry.adverseRecordCount()).to.equal(0n);
      const { result, text } = await runTask<{ id: bigint }>("credit:report", args(f, f.reporter.address, report));
      expect(result.id).to.equal(1n);
      expect(text).to.include("adverse record #1 filed");
      expect((await f.creditRegistry.adverseRecord(1)).amount).to.equal(cny("120.50"));

      await runTask("credit:dispute", args(f, f.debtor.address, { record: "1", evidence: ANSWER, dryRun: true }));
      expect((await f.creditRegistry.adverseRecord(1)).status).to.equal(1n);
      const { result: disputed } = await runTask<{ dryRun: boolean }>(
        "credit:dispute",
        args(f, f.debtor.address, { record: "1", evidence: ANSWER, json: true }),
      );
      expect(disputed.dryRun).to.equal(false);
      expect((await f.creditRegistry.adverseRecord(1)).disputeHash).to.equal(ANSWER);
    });

    it("bad input: a one-line error and nothing sent", async () => {
      const f = await loadFixture(creditTasksFixture);
      const r = f.reporter.address;
      await expectTaskError(
        "credit:report",
        args(f, r, { subject: "BUYER", kind: "rumour", evidence: EVIDENCE }),
        /kind: "rumour"/,
      );
      await expectTaskError(
        "credit:report",
        args(f, r, { subject: "BUYER", kind: "fraud", evidence: "0x12" }),
        /evidence: "0x12"/,
      );
      await expectTaskError(
        "credit:report",
        args(f, r, { subject: "BUYER", kind: "fraud", evidence: EVIDENCE, date: "2099-01-01" }),
        /--date .* is in the future/,
      );
      await expectTaskError(
        "credit:report",
        args(f, f.outsider.address, { subject: "BUYER", kind: "fraud", evidence: EVIDENCE }),
        /is not a reporter/,
      );
      await expectTaskError(
        "credit:dispute",
        args(f, f.debtor.address, { record: "1", evidence: ANSWER }),
        /no adverse record 1/,
      );
      await f.creditRegistry
        .connect(f.reporter)
        .fileAdverseRecord(f.buyer, 0, ethers.ZeroAddress, 0, await time.latest(), EVIDENCE);
      await expectTaskError(
        "credit:dispute",
        args(f, f.supplier.address, { record: "1", evidence: ANSWER }),
        /is not a wallet of the record's subject/,
      );
    });
  });

  describe("gov:propose credit actions", () => {
    it("encode set-debtor-ceiling, appoint-reporter, uphold-record and strike-record; --dry-run runs them as the timelock", async () => {
      const f = await loadFixture(creditTasksFixture);
      for (const id of [1, 2]) {
        await f.creditRegistry
          .connect(f.reporter)
          .fileAdverseRecord(f.buyer, 0, ethers.ZeroAddress, 0, await time.latest(), ethers.id(`e${id}`));
        await f.creditRegistry.connect(f.debtor).disputeRecord(id, ANSWER);
      }
      const actions = [
        "set-debtor-ceiling BUYER 2500",
        "set-debtor-ceiling BUYER none",
        `appoint-reporter ${f.outsider.address}`,
        "uphold-record 1",
        "strike-record 2",
      ];
      const { result: dry } = await runTask<{ results: { ok: boolean }[] }>("gov:propose", {
        deployment: f.deployment,
        from: f.bank.address,
        description: "Credit",
        actions,
        dryRun: true,
      });
      expect(dry.results.every((r) => r.ok)).to.equal(true);
      const { result: id } = await runTask<bigint>("gov:propose", {
        deployment: f.deployment,
        from: f.bank.address,
        description: "Credit",
        actions,
      });
      const details = await f.governor.proposalDetails(id);
      const c = f.creditRegistry.interface;
      const cash = await f.cashToken.getAddress();
      expect(details[2]).to.deep.equal([
        c.encodeFunctionData("setDebtorCeiling", [f.buyer, cash, cny("2500")]),
        c.encodeFunctionData("removeDebtorCeiling", [f.buyer, cash]),
        c.encodeFunctionData("grantRole", [REPORTER_ROLE, f.outsider.address]),
        c.encodeFunctionData("upholdRecord", [1]),
        c.encodeFunctionData("strikeRecord", [2]),
      ]);
      for (const target of details[0]) expect(target).to.equal(await f.creditRegistry.getAddress());
    });

    it("refuses bad credit actions with a one-line error", async () => {
      const f = await loadFixture(creditTasksFixture);
      const propose = (action: string) => ({
        deployment: f.deployment,
        from: f.bank.address,
        description: "x",
        actions: [action],
      });
      await expectTaskError("gov:propose", propose("set-debtor-ceiling NOBODY 5"), /entity "NOBODY" is not registered/);
      await expectTaskError("gov:propose", propose("set-debtor-ceiling BUYER lots"), /is not an amount/);
      await expectTaskError("gov:propose", propose("appoint-reporter 0x12"), /account/);
      await expectTaskError("gov:propose", propose("uphold-record 1"), /no adverse record 1/);
      await f.creditRegistry
        .connect(f.reporter)
        .fileAdverseRecord(f.buyer, 0, ethers.ZeroAddress, 0, await time.latest(), EVIDENCE);
      await expectTaskError("gov:propose", propose("strike-record 1"), /record 1 is filed; only a disputed record/);
    });
  });

  describe("invoice:finance checks the line first", () => {
    it("says the line in words; with enforcement on, refuses beyond it and sends nothing", async () => {
      const f = await loadFixture(creditTasksFixture);
      const finance = { deployment: f.deployment, from: f.bank.address, invoice: f.key };
      await runTask(
        "credit:line",
        args(f, f.officer.address, { action: "grant", counterparty: "BUYER", limit: "2000", expiry: "365d" }),
      );
      const { text: advisory } = await runTask("invoice:finance", { ...finance, dryRun: true });
      expect(advisory).to.include(
        "credit line check: taking it would raise your entity's exposure to the debtor from 0.00 CNYC to 3000.00 CNYC, " +
          "above its line of 2000.00 CNYC (not enforced: advisory only)",
      );
      await runTask("credit:line", args(f, f.officer.address, { action: "enforce" }));
      await expectTaskError(
        "invoice:finance",
        finance,
        /credit line check: taking it would raise .* above its line of 2000\.00 CNYC \(enforced\); nothing was sent$/,
      );
      await runTask(
        "credit:line",
        args(f, f.officer.address, { action: "change", counterparty: "BUYER", limit: "5000" }),
      );
      const { text } = await runTask("invoice:finance", finance);
      expect(text).to.include(
        "credit line check: within the line: exposure 0.00 CNYC -> 3000.00 CNYC of 5000.00 CNYC (enforced)",
      );
      expect(await f.invoiceRegistry.ownerOf(f.id)).to.equal(f.bank.address);
    });
  });

  describe("consortium:verify-deployment", () => {
    it("checks the credit registry: admin, wiring to the invoice registry both ways", async () => {
      const f = await loadFixture(tasksFixture);
      const { text } = await runTask("consortium:verify-deployment", {
        deployment: f.deployment,
        parameters: LOCALHOST_PARAMETERS,
      });
      expect(text).to.match(/PASS +roles: credit-registry DEFAULT_ADMIN_ROLE/);
      expect(text).to.match(/PASS +settings: credit-registry +invoice registry's credit hook credit-registry/);
      await ethers.provider.send("hardhat_setBalance", [await f.timelock.getAddress(), "0xde0b6b3a7640000"]);
      const timelock = await ethers.getImpersonatedSigner(await f.timelock.getAddress());
      await f.invoiceRegistry.connect(timelock).setCreditHook(ethers.ZeroAddress);
      await expectTaskError(
        "consortium:verify-deployment",
        { deployment: f.deployment, parameters: LOCALHOST_PARAMETERS },
        /^deployment verification failed: 1 of \d+ checks \(settings: credit-registry\)$/,
      );
    });
  });
});

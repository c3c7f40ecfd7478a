import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { deployCorporateActions } from "../../scripts/lib/deployActions";
import { CORPORATE_ACTIONS_KEY } from "../../tasks/lib/corporateActions";
import { LABELS_FILE } from "../../tasks/lib/describe";
import { expectTaskError, openVoting, proposeAdmission, runTask, tasksFixture } from "./helpers";

const DAY = 86_400;
const cny = (amount: string) => ethers.parseUnits(amount, 2);

/**
 * The tasks fixture with a labels.json beside its deployed_addresses.json, and something for every
 * listing and show to list: verified seller/buyer (a deferred DvP ticket, affirmed: Ready), a supplier
 * and a debtor (one issued invoice), a proposal with one vote.
 */
async function labelledFixture() {
  const f = await tasksFixture();
  const [seller, buyer, supplier, debtor, unlabelled] = f.others;
  const expiry = (await time.latest()) + 365 * DAY;
  for (const [wallet, name, attributes] of [
    [seller.address, "entity:SELLER", Attr.INVESTOR],
    [buyer.address, "entity:BUYER", Attr.INVESTOR],
    [supplier.address, "entity:SUPPLIER", Attr.SUPPLIER],
    [debtor.address, "entity:DEBTOR", Attr.DEBTOR],
    [unlabelled.address, "entity:UNLABELLED", Attr.INVESTOR],
  ] as const) {
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(wallet, ethers.id(name), Country.CN, expiry, attributes);
  }
  const dvp = await f.dvpSettlement.getAddress();
  await f.securityToken.connect(f.agent).mint(seller.address, 1_000n);
  await f.cashToken.connect(f.cashIssuer).mint(buyer.address, cny("10000"));
  await f.securityToken.connect(seller).approve(dvp, ethers.MaxUint256);
  await f.cashToken.connect(buyer).approve(dvp, ethers.MaxUint256);
  const labels = {
    accounts: {
      [seller.address]: "Seller Fund A",
      [buyer.address]: "Buyer Bank B",
      [supplier.address]: "Supplier Co",
      [debtor.address.toLowerCase()]: "Debtor Co",
      [f.agent.address]: "Transfer Agent Desk",
      [f.guardian.address]: "Guardian Desk",
    },
    entities: {
      "entity:SELLER": "Seller Fund",
      [ethers.id("entity:DEBTOR")]: "Debtor Group",
      [f.parameters.Assets.securityIssuer as string]: "Shenzhen Port Holdings",
    },
  };
  fs.writeFileSync(path.join(path.dirname(f.deployment), LABELS_FILE), JSON.stringify(labels, null, 2));

  const common = { deployment: f.deployment };
  await runTask("trade:propose", {
    ...common,
    from: seller.address,
    seller: seller.address,
    buyer: buyer.address,
    asset: "security-token",
    assetAmount: "100",
    cash: "cash-token",
    cashAmount: "2500.00",
    expiry: "1d",
    deferred: true,
  });
  await runTask("trade:affirm", { ...common, from: buyer.address, ticketId: "1" });
  const { result: invoice } = await runTask<{ key: string }>("invoice:issue", {
    ...common,
    from: supplier.address,
    debtor: debtor.address,
    amount: "3000",
    due: "30d",
    authority: "CN-SH",
    number: "INV-1",
  });
  const proposalId = await proposeAdmission(f, f.others[6].address, "1");
  await openVoting(f, proposalId);
  await runTask("gov:vote", { ...common, from: "2", proposalId: proposalId.toString(), support: "for" });
  return { ...f, seller, buyer, supplier, debtor, unlabelled, invoiceKey: invoice.key, proposalId };
}

type Fixture = Awaited<ReturnType<typeof labelledFixture>>;

/**
 * The labelled fixture plus a CorporateActions contract in the deployment file and a distribution
 * (#1, 2.50 per share) announced by a paying agent; the seller holds 1000 shares.
 */
async function distributionFixture() {
  const f = await labelledFixture();
  const payer = f.others[5];
  const actions = await deployCorporateActions(hre, f.deployer.address);
  const actionsAddress = await actions.getAddress();
  fs.writeFileSync(f.deployment, JSON.stringify({ ...f.addresses, [CORPORATE_ACTIONS_KEY]: actionsAddress }, null, 2));
  const expiry = (await time.latest()) + 365 * DAY;
  for (const [wallet, name] of [
    [payer.address, "entity:PAYER"],
    [actionsAddress, "entity:CORPORATE_ACTIONS"],
  ] as const) {
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(wallet, ethers.id(name), Country.CN, expiry, Attr.INVESTOR);
  }
  await ethers.provider.send("hardhat_setBalance", [await f.timelock.getAddress(), "0xde0b6b3a7640000"]);
  const timelock = await ethers.getImpersonatedSigner(await f.timelock.getAddress());
  await f.securityToken.connect(timelock).grantRole(await f.securityToken.RECORD_ROLE(), actionsAddress);
  await actions.grantRole(await actions.payingAgentRole(await f.securityToken.getAddress()), payer.address);
  await f.cashToken.connect(f.cashIssuer).mint(payer.address, cny("100000"));
  const now = await time.latest();
  await runTask("action:announce", {
    deployment: f.deployment,
    from: payer.address,
    asset: "security-token",
    cash: "cash-token",
    perUnit: "2.5",
    recordTime: String(now + DAY),
    paymentStart: String(now + 2 * DAY),
    claimDeadline: String(now + 30 * DAY),
    noticeUri: "ipfs://coupon",
    noticeHash: ethers.id("coupon notice"),
    dryRun: false,
    json: false,
  });
  return f;
}

/** Runs a task with --json; checks it printed exactly one JSON document (the task's result) and returns it. */
async function json<T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T> {
  const { lines, text } = await runTask(name, { ...args, json: true });
  const parsed = JSON.parse(text) as T;
  expect(lines, `${name} --json printed more than one document`).to.have.length(1);
  return parsed;
}

/** Runs a task and returns its text output. */
async function text(name: string, args: Record<string, unknown>): Promise<string> {
  return (await runTask(name, args)).text;
}

const keys = (value: object) => Object.keys(value).sort();

describe("tasks: labels and --json in every listing and show", function () {
  describe("labels.json beside deployed_addresses.json", function () {
    it("names participants and entities in identity:show (text and --json label / entityLabel)", async function () {
      const f: Fixture = await loadFixture(labelledFixture);
      const shown = await text("identity:show", { deployment: f.deployment, wallet: f.seller.address });
      expect(shown).to.include(`${f.seller.address} (Seller Fund A): verified`);
      expect(shown).to.include(`${ethers.id("entity:SELLER")} (Seller Fund) (1 registered wallet(s))`);
      const view = await json("identity:show", { deployment: f.deployment, wallet: f.seller.address });
      expect(view).to.include({ wallet: f.seller.address, label: "Seller Fund A", entityLabel: "Seller Fund" });
      const plain = await json("identity:show", { deployment: f.deployment, wallet: f.unlabelled.address });
      expect(plain).to.include({ wallet: f.unlabelled.address, label: null, entityLabel: null });
      // a member is named from the register on chain, with no labels.json entry
      await f.identityRegistry
        .connect(f.registrar)
        .registerIdentity(f.bank.address, ethers.id("PRB"), Country.CN, (await time.latest()) + DAY, Attr.FINANCIER);
      const member = await json("identity:show", { deployment: f.deployment, wallet: f.bank.address });
      expect(member).to.include({ label: "Pearl River Bank" });
    });

    it("a bad labels.json is a one-line error naming the file and the entry; nothing is sent", async function () {
      const f: Fixture = await loadFixture(labelledFixture);
      const file = path.join(path.dirname(f.deployment), LABELS_FILE);
      const good = fs.readFileSync(file, "utf8");
      try {
        fs.writeFileSync(file, JSON.stringify({ accounts: { "0x1234": "Nobody" } }));
        await expectTaskError(
          "identity:show",
          { deployment: f.deployment, wallet: f.seller.address },
          /labels\.json: accounts "0x1234" is not an address/,
        );
        fs.writeFileSync(file, JSON.stringify({ accounts: { [f.seller.address]: "" } }));
        await expectTaskError(
          "members",
          { deployment: f.deployment },
          /labels\.json: accounts "0x.*": the name must be/,
        );
        fs.writeFileSync(file, JSON.stringify({ wallets: {} }));
        await expectTaskError("members", { deployment: f.deployment }, /labels\.json: unknown key "wallets"/);
        fs.writeFileSync(file, "{");
        await expectTaskError("members", { deployment: f.deployment }, /labels\.json is not valid JSON/);
      } finally {
        fs.writeFileSync(file, good);
      }
    });
  });

  describe("token:show, token:rules, token:docs", function () {
    it("label the wallet and the contracts; --json keeps the addresses and adds the labels", async function () {
      const f: Fixture = await loadFixture(labelledFixture);
      const shown = await text("token:show", { deployment: f.deployment, wallet: f.seller.address });
      expect(shown).to.include(`${f.seller.address} (Seller Fund A): verified participant; holds 1000 SZPH`);
      const token = await json<{ rules: Record<string, unknown>; wallet: Record<string, unknown> }>("token:show", {
        deployment: f.deployment,
        wallet: f.seller.address,
      });
      expect(token.wallet).to.include({ wallet: f.seller.address, label: "Seller Fund A", balance: "1000" });
      expect(token.rules).to.include({
        token: await f.securityToken.getAddress(),
        tokenLabel: "security-token",
        identityRegistry: await f.identityRegistry.getAddress(),
        identityRegistryLabel: "identity-registry",
        complianceHookLabel: null,
      });
      const rules = await json<{ rules: Record<string, unknown>; changes: unknown[] }>("token:rules", {
        deployment: f.deployment,
        token: "cash-token",
      });
      expect(rules.rules).to.include({ tokenLabel: "cash-token", identityRegistryLabel: "identity-registry" });
      expect(rules.changes).to.deep.equal([]);
      const docs = await json("token:docs", { deployment: f.deployment });
      expect(keys(docs)).to.deep.equal(["documents", "token", "tokenLabel"]);
      expect(docs).to.include({ tokenLabel: "security-token" });
    });
  });

  describe("members and governance", function () {
    it("members: the guardian by its label; --json adds label and guardianLabel", async function () {
      const f: Fixture = await loadFixture(labelledFixture);
      expect(await text("members", { deployment: f.deployment })).to.include(
        `guardian:       ${f.guardian.address} (Guardian Desk)`,
      );
      const register = await json<{ members: Record<string, unknown>[]; guardianLabel: string | null }>("members", {
        deployment: f.deployment,
      });
      expect(register.members[0]).to.include({
        account: f.bank.address,
        name: "Pearl River Bank",
        label: "Pearl River Bank",
      });
      expect(register.guardianLabel).to.equal("Guardian Desk");
    });

    it("gov:show names the proposer and voters; gov:list's rows have their documented fields", async function () {
      const f: Fixture = await loadFixture(labelledFixture);
      const id = f.proposalId.toString();
      const shown = await text("gov:show", { deployment: f.deployment, proposalId: id });
      expect(shown).to.include(`proposer:      ${f.bank.address} (Pearl River Bank)`);
      expect(shown).to.include(`${f.securities.address} (Nanshan Securities): For with weight 35`);
      const p = await json<{ proposer: string; proposerLabel: string; votes: Record<string, unknown>[] }>("gov:show", {
        deployment: f.deployment,
        proposalId: id,
      });
      expect(p).to.include({ proposer: f.bank.address, proposerLabel: "Pearl River Bank" });
      expect(p.votes[0]).to.include({ voter: f.securities.address, voterLabel: "Nanshan Securities" });
      const list = await json<Record<string, unknown>[]>("gov:list", { deployment: f.deployment });
      expect(keys(list[0])).to.deep.equal(["abstain", "against", "for", "id", "state", "title"]);
    });
  });

  describe("trades", function () {
    it("trade:list, trade:show and trade:ready show the parties by label and add <party>Label", async function () {
      const f: Fixture = await loadFixture(labelledFixture);
      const parties = `${f.seller.address} (Seller Fund A) -> ${f.buyer.address} (Buyer Bank B)`;
      expect(await text("trade:list", { deployment: f.deployment })).to.include(parties);
      expect(await text("trade:ready", { deployment: f.deployment })).to.include(parties);
      expect(await text("trade:show", { deployment: f.deployment, ticketId: "1" })).to.include(
        `seller:      ${f.seller.address} (Seller Fund A)`,
      );
      const labelled = { seller: f.seller.address, sellerLabel: "Seller Fund A", buyerLabel: "Buyer Bank B" };
      const list = await json<{ tickets: Record<string, unknown>[] }>("trade:list", { deployment: f.deployment });
      expect(keys(list.tickets[0])).to.deep.equal(
        [
          "ticketId",
          "status",
          "seller",
          "sellerLabel",
          "buyer",
          "buyerLabel",
          "asset",
          "assetAmount",
          "cash",
          "cashAmount",
          "expiry",
          "deferred",
          "proposer",
          "proposerLabel",
        ].sort(),
      );
      expect(list.tickets[0]).to.include({ ...labelled, status: "Ready", proposerLabel: "Seller Fund A" });
      const ticket = await json("trade:show", { deployment: f.deployment, ticketId: "1" });
      expect(ticket).to.include({ ...labelled, status: "Ready", proposerLabel: "Seller Fund A" });
      expect(ticket).to.have.property("legs").that.has.length(2);
      const ready = await json<{ tickets: Record<string, unknown>[] }>("trade:ready", { deployment: f.deployment });
      expect(ready.tickets[0]).to.include({ ...labelled, settleable: true });
    });
  });

  describe("invoices", function () {
    it("invoice:show, invoice:list and invoice:record name the parties and the debtor entity", async function () {
      const f: Fixture = await loadFixture(labelledFixture);
      const shown = await text("invoice:show", { deployment: f.deployment, invoice: f.invoiceKey });
      expect(shown).to.include(`supplier:     ${f.supplier.address} (Supplier Co)`);
      expect(shown).to.include(`debtor:       ${f.debtor.address} (Debtor Co)`);
      const invoice = await json<Record<string, unknown> & { offer: Record<string, unknown> }>("invoice:show", {
        deployment: f.deployment,
        invoice: f.invoiceKey,
      });
      expect(invoice).to.include({
        supplier: f.supplier.address,
        supplierLabel: "Supplier Co",
        debtorLabel: "Debtor Co",
        holderLabel: "Supplier Co",
      });
      expect(invoice.offer).to.include({ financierLabel: null });
      expect(invoice).to.have.property("financing").that.deep.equals([]);

      expect(await text("invoice:list", { deployment: f.deployment })).to.include(
        `supplier ${f.supplier.address} (Supplier Co)  debtor ${f.debtor.address} (Debtor Co)`,
      );
      const list = await json<Record<string, unknown>[]>("invoice:list", { deployment: f.deployment });
      expect(list).to.have.length(1);
      expect(keys(list[0])).to.deep.equal(
        [
          "id",
          "key",
          "status",
          "supplier",
          "supplierLabel",
          "debtor",
          "debtorLabel",
          "holder",
          "holderLabel",
          "currency",
          "symbol",
          "amount",
          "dueDate",
          "parentId",
        ].sort(),
      );
      expect(list[0]).to.include({ key: f.invoiceKey, status: "Issued", holderLabel: "Supplier Co" });
      const none = await json<unknown[]>("invoice:list", { deployment: f.deployment, holder: f.buyer.address });
      expect(none).to.deep.equal([]);
      expect(await text("invoice:list", { deployment: f.deployment, holder: f.buyer.address })).to.match(
        new RegExp(`^No invoices with holder ${f.buyer.address} \\(Buyer Bank B\\) on the invoice registry`),
      );

      expect(await text("invoice:record", { deployment: f.deployment, entity: "entity:DEBTOR" })).to.include(
        `debtor entity ${ethers.id("entity:DEBTOR")} (Debtor Group)`,
      );
      const record = await json("invoice:record", { deployment: f.deployment, entity: "entity:DEBTOR" });
      expect(record).to.include({ entity: ethers.id("entity:DEBTOR"), entityLabel: "Debtor Group" });
    });
  });

  describe("credit", function () {
    it("credit:show and credit:exposure name the entities; --json adds entityLabel / lenderLabel, debtorLabel", async function () {
      const f: Fixture = await loadFixture(labelledFixture);
      const debtorId = ethers.id("entity:DEBTOR");
      expect(await text("credit:show", { deployment: f.deployment, entity: debtorId })).to.include(
        `Credit record of Debtor Group (${debtorId.slice(0, 10)}…)`,
      );
      const record = await json("credit:show", { deployment: f.deployment, entity: debtorId });
      expect(record).to.include({ entity: debtorId, entityLabel: "Debtor Group" });
      for (const field of ["linesGranted", "linesReceived", "exposures", "adverseRecords"]) {
        expect(record).to.have.property(field).that.is.an("array");
      }
      expect(
        await text("credit:exposure", { deployment: f.deployment, lender: "entity:SELLER", debtor: debtorId }),
      ).to.match(/^Seller Fund \(0x[0-9a-f]{8}…\) holds 0\.00 CNYC of receivables on Debtor Group \(0x/);
      const exposure = await json("credit:exposure", {
        deployment: f.deployment,
        lender: "entity:SELLER",
        debtor: "entity:BUYER",
      });
      expect(exposure).to.include({
        lender: ethers.id("entity:SELLER"),
        lenderLabel: "Seller Fund",
        debtor: ethers.id("entity:BUYER"),
        debtorLabel: null,
        line: null,
      });
    });
  });

  describe("assets and events", function () {
    it("asset:list and asset:show name the issuer entity and the operators", async function () {
      const f: Fixture = await loadFixture(labelledFixture);
      expect(await text("asset:list", { deployment: f.deployment })).to.include("Shenzhen Port Holdings");
      const rows = await json<Record<string, unknown>[]>("asset:list", { deployment: f.deployment });
      expect(rows[0]).to.include({
        issuer: f.parameters.Assets.securityIssuer,
        issuerLabel: "Shenzhen Port Holdings",
        tokenLabel: "security-token",
      });
      const shown = await text("asset:show", { deployment: f.deployment, asset: "CNSZPH000008" });
      expect(shown).to.include("issuer entity:  ");
      expect(shown).to.include("(Shenzhen Port Holdings)");
      expect(shown).to.match(/SUPPLY_ROLE +0x[0-9a-fA-F]{40} \(Transfer Agent Desk\)/);
      const asset = await json<Record<string, unknown> & { operatorLabels: Record<string, unknown> }>("asset:show", {
        deployment: f.deployment,
        asset: "CNSZPH000008",
      });
      expect(asset).to.include({ issuerLabel: "Shenzhen Port Holdings", tokenLabel: "security-token" });
      expect(asset.adminsLabels).to.deep.equal(["timelock"]);
      expect(asset.operatorLabels.supplyAgents).to.deep.equal(["Transfer Agent Desk"]);
    });

    it("events: the actors by label in the words; --json adds argLabels", async function () {
      const f: Fixture = await loadFixture(labelledFixture);
      const args = { deployment: f.deployment, contract: "security-token", kinds: "role" };
      expect(await text("events", args)).to.match(/SUPPLY_ROLE granted to 0x[0-9a-fA-F]{40} \(Transfer Agent Desk\)/);
      const found = await json<{ events: { args: Record<string, unknown>; argLabels: Record<string, unknown> }[] }>(
        "events",
        args,
      );
      const grant = found.events.find((e) => e.args.account === f.agent.address);
      expect(grant?.argLabels).to.include({ account: "Transfer Agent Desk" });
    });
  });

  describe("corporate actions", function () {
    it("action:show names the holders and payees; --json adds holderLabel and payeeLabel", async function () {
      const f: Fixture = await loadFixture(distributionFixture);
      const args = { deployment: f.deployment, id: "1", holders: `${f.seller.address},${f.unlabelled.address}` };
      const shown = await text("action:show", args);
      expect(shown).to.include(`  ${f.seller.address} (Seller Fund A): record time not passed`);
      expect(shown).to.include(`  ${f.unlabelled.address}: record time not passed`);
      const distribution = await json<{ holders: Record<string, unknown>[] }>("action:show", args);
      expect(distribution).to.include({ id: "1", claimed: "0" });
      expect(distribution.holders[0]).to.include({
        holder: f.seller.address,
        holderLabel: "Seller Fund A",
        payee: f.seller.address,
        payeeLabel: "Seller Fund A",
        paid: false,
      });
      expect(distribution.holders[1]).to.include({ holderLabel: null, payeeLabel: null });
      expect(distribution.holders[0]).to.not.have.property("entitlement");
    });
  });

  describe("every listing and show task takes --json and is documented", function () {
    // the read-only tasks: those that list, show or print a record (by name); senders are not here
    const LISTING = /(^members$|^events$|:(list|show|ready|rules|docs|book|record|exposure|key|find-transaction)$)/;

    it("each one defines the --json flag, and docs/json-output.md gives its shape", async function () {
      const names = Object.keys(hre.tasks).filter((name) => LISTING.test(name));
      // the pattern finds the tasks it is meant to (so an empty match cannot pass)
      expect(names).to.include.members([
        "members",
        "events",
        "gov:list",
        "gov:show",
        "identity:show",
        "token:show",
        "token:rules",
        "invoice:show",
        "invoice:list",
        "trade:list",
        "trade:show",
        "trade:ready",
        "credit:show",
        "credit:exposure",
        "asset:list",
        "asset:show",
        "action:show",
        "order:book",
        "consortium:find-transaction",
      ]);
      const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "json-output.md"), "utf8");
      for (const name of names) {
        const flag = hre.tasks[name].paramDefinitions.json;
        expect(flag, `${name} has no --json`).to.not.equal(undefined);
        expect(flag.isFlag, `${name}'s --json is not a flag`).to.equal(true);
        expect(doc, `docs/json-output.md does not give ${name}'s shape`).to.include(`### \`${name}\``);
      }
    });
  });
});

import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { invoiceKey } from "../../tasks/lib/invoiceKey";
import { TMP, expectTaskError, runTask, tasksFixture } from "./helpers";

const ONE_DAY = 24 * 60 * 60;
const ONE_YEAR = 365 * ONE_DAY;

/** The canonical keys of the fixture's invoices, as 0x hex. */
const keyOf = (supplier: string, number: string) =>
  ethers.toBeHex(invoiceKey(ethers.id(`entity:${supplier}`), "CN-SH", number), 32);
const HASH_A = keyOf("SUPPLIER_A", "INV-001");
const HASH_B = keyOf("SUPPLIER_B", "INV-777");
const HASH_C = keyOf("SUPPLIER_A", "INV-002");
const UNREGISTERED = keyOf("SUPPLIER_A", "INV-999");

const cny = (amount: string) => ethers.parseUnits(amount, 2);

/**
 * The system (tasksFixture) with invoices, all in the cash token (CNYC, 2 decimals):
 * - A (supplier -> debtor, 12,345.67, due in 30 days): accepted, offered to and financed by
 *   Pearl River Bank (member #1, also a verified financier) for 12,000.00;
 * - B (supplier2 -> debtor2, 500.00): issued, not accepted;
 * - C (supplier -> debtor2, 3,000.00): accepted and split into 1,000.00 (sold to the bank) and
 *   2,000.00 (kept by the supplier, offered to any financier for 1,900.00).
 */
async function invoicesFixture() {
  const f = await tasksFixture();
  const [supplier, supplier2, debtor, debtor2, outsider] = f.others;
  const registry = f.invoiceRegistry;
  const registryAddress = await registry.getAddress();
  const cashAddress = await f.cashToken.getAddress();
  const expiry = (await time.latest()) + ONE_YEAR;
  const participants: [string, string, number][] = [
    [supplier.address, "SUPPLIER_A", Attr.SUPPLIER],
    [supplier2.address, "SUPPLIER_B", Attr.SUPPLIER],
    [debtor.address, "BUYER_A", Attr.DEBTOR],
    [debtor2.address, "BUYER_B", Attr.DEBTOR],
    [f.bank.address, "PEARL_RIVER_BANK", Attr.FINANCIER],
  ];
  for (const [wallet, name, attributes] of participants) {
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(wallet, ethers.id(`entity:${name}`), Country.CN, expiry, attributes);
  }
  for (const payer of [f.bank, debtor, debtor2]) {
    await f.cashToken.connect(f.cashIssuer).mint(payer.address, cny("1000000"));
    await f.cashToken.connect(payer).approve(registryAddress, ethers.MaxUint256);
  }

  const dueDate = (await time.latest()) + 30 * ONE_DAY;
  const docHash = ethers.id("pdf of INV-001");
  const terms = (to: string, amount: bigint, due: number, documentHash: string) => ({
    debtor: to,
    faceValue: amount,
    currency: cashAddress,
    dueDate: due,
    documentHash,
  });
  await registry
    .connect(supplier)
    .issueInvoice(
      terms(debtor.address, cny("12345.67"), dueDate, docHash),
      "CN-SH",
      "INV-001",
      "https://docs.example/inv-001",
    );
  await registry.connect(debtor).acceptInvoice(HASH_A);
  await registry.connect(supplier).offerForFinancing(HASH_A, f.bank.address, cny("12000"), 0);
  await registry.connect(f.bank).finance(HASH_A, cny("12000"), 0);

  await registry
    .connect(supplier2)
    .issueInvoice(terms(debtor2.address, cny("500"), dueDate, ethers.ZeroHash), "CN-SH", "INV-777", "");

  await registry
    .connect(supplier)
    .issueInvoice(
      terms(debtor2.address, cny("3000"), dueDate + ONE_DAY, docHash),
      "CN-SH",
      "INV-002",
      "ipfs://inv-002",
    );
  await registry.connect(debtor2).acceptInvoice(HASH_C);
  const receipt = await (await registry.connect(supplier).split(HASH_C, [cny("1000"), cny("2000")])).wait();
  const splitLog = receipt!.logs
    .map((log) => registry.interface.parseLog(log))
    .find((parsed) => parsed?.name === "InvoiceSplit");
  const [piece0, piece1] = splitLog!.args.childIds as bigint[];
  await registry.connect(supplier).transferFrom(supplier.address, f.bank.address, piece0);
  await registry.connect(supplier).offerForFinancing(piece1, ethers.ZeroAddress, cny("1900"), 0);

  const key = (id: bigint | string) => ethers.toBeHex(BigInt(id), 32);
  return {
    ...f,
    supplier,
    supplier2,
    debtor,
    debtor2,
    outsider,
    registryAddress,
    cashAddress,
    dueDate,
    docHash,
    piece0,
    piece1,
    keys: { a: key(HASH_A), b: key(HASH_B), c: key(HASH_C), piece0: key(piece0), piece1: key(piece1) },
  };
}

type Row = { key: string; status: string; holder: string; supplier: string; debtor: string; amount: bigint };

describe("tasks: invoice:show", () => {
  it("shows a registered invoice by its hash: the double-financing check says REGISTERED", async () => {
    const f = await loadFixture(invoicesFixture);
    const { result, text, lines } = await runTask<{ registered: boolean; status: string; holder: string }>(
      "invoice:show",
      { deployment: f.deployment, invoice: HASH_A },
    );
    expect(result.registered).to.equal(true);
    expect(result.status).to.equal("Accepted");
    expect(result.holder).to.equal(f.bank.address);
    expect(lines[0]).to.equal(
      `Invoice ${f.keys.a}: REGISTERED: this hash is on the registry; do not finance it again outside the registry.`,
    );
    expect(text).to.match(/status: +Accepted: acknowledged by the debtor/);
    expect(text).to.include(`supplier:     ${f.supplier.address}`);
    expect(text).to.include(`debtor:       ${f.debtor.address}`);
    expect(text).to.include(`currency:     CNYC (cash-token ${f.cashAddress})`);
    expect(text).to.include("face value:   12345.67 CNYC");
    expect(text).to.include("paid:         0.00 CNYC");
    expect(text).to.include("outstanding:  12345.67 CNYC");
    expect(text).to.match(/due date: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 29 d 23 h 59 min \d+ s\)/);
    expect(text).to.include(`holder:       ${f.bank.address} (Pearl River Bank)`);
    expect(text).to.include("offer:        none");
    expect(text).to.include(`document:     https://docs.example/inv-001, hash ${f.docHash}`);
    expect(text).to.not.include("piece of");
  });

  it("shows who financed an invoice, from whom, at what price and when; never for one not financed", async () => {
    const f = await loadFixture(invoicesFixture);
    const { result, text } = await runTask<{
      financing: { event: string; seller: string; financier: string; price: bigint; transactionHash: string }[];
    }>("invoice:show", { deployment: f.deployment, invoice: HASH_A });
    expect(result.financing).to.have.length(1);
    expect(result.financing[0]).to.include({
      event: "financed",
      seller: f.supplier.address,
      financier: f.bank.address,
      price: cny("12000"),
    });
    expect(text).to.match(
      new RegExp(
        `financed:\\n {4}\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC financed: ${f.bank.address} \\(Pearl River Bank\\) ` +
          `bought it from ${f.supplier.address} for 12000.00 CNYC \\(transaction ${result.financing[0].transactionHash}\\)`,
      ),
    );
    const json = await runTask<{ financing: unknown[] }>("invoice:show", {
      deployment: f.deployment,
      invoice: HASH_B,
      json: true,
    });
    expect(json.result.financing).to.deep.equal([]);
    expect(JSON.parse(json.text).financing).to.deep.equal([]);
    expect(JSON.parse(json.text).faceValue).to.equal(cny("500").toString());
  });

  it("shows an invoice by its id, in decimal or in hex", async () => {
    const f = await loadFixture(invoicesFixture);
    const decimal = await runTask("invoice:show", { deployment: f.deployment, invoice: BigInt(HASH_B).toString() });
    expect(decimal.lines[0]).to.equal(`Invoice ${f.keys.b}:`);
    expect(decimal.text).to.match(/status: +Issued: waiting for the debtor to accept/);
    expect(decimal.text).to.include("face value:   500.00 CNYC");
    expect(decimal.text).to.include(`holder:       ${f.supplier2.address}`);
    expect(decimal.text).to.include("document:     (no uri)");
    // a hex id shorter than 64 digits is an id too: here the same invoice, without leading zeros
    const hex = await runTask("invoice:show", { deployment: f.deployment, invoice: ethers.toQuantity(BigInt(HASH_B)) });
    expect(hex.lines.slice(1)).to.deep.equal(decimal.lines.slice(1));
  });

  it("shows a split invoice's pieces, and a piece's parent, offer and original document", async () => {
    const f = await loadFixture(invoicesFixture);
    const parent = await runTask("invoice:show", { deployment: f.deployment, invoice: HASH_C });
    expect(parent.text).to.match(/status: +Split: replaced by its pieces/);
    expect(parent.text).to.include("outstanding:  0.00 CNYC");
    expect(parent.text).to.include("pieces (2):");
    expect(parent.text).to.include(`    ${f.keys.piece0}  1000.00 CNYC`);
    expect(parent.text).to.include(`    ${f.keys.piece1}  2000.00 CNYC`);

    const piece = await runTask<{ parentId: bigint; offer: { price: bigint } }>("invoice:show", {
      deployment: f.deployment,
      invoice: f.piece1.toString(),
    });
    expect(piece.result.parentId).to.equal(BigInt(HASH_C));
    expect(piece.result.offer.price).to.equal(cny("1900"));
    expect(piece.text).to.include(`piece of:     ${f.keys.c} (a split)`);
    expect(piece.text).to.include("face value:   2000.00 CNYC");
    expect(piece.text).to.include(`supplier:     ${f.supplier.address}`);
    expect(piece.text).to.include(`debtor:       ${f.debtor2.address}`);
    expect(piece.text).to.include("offer:        1900.00 CNYC, to any verified financier");
    expect(piece.text).to.include(`document:     ipfs://inv-002, hash ${f.docHash} (of the original invoice)`);

    const sold = await runTask("invoice:show", { deployment: f.deployment, invoice: f.keys.piece0 });
    expect(sold.text).to.include(`holder:       ${f.bank.address} (Pearl River Bank)`);
  });

  it("reports Overdue for an accepted invoice past its due date, with when it may be marked defaulted", async () => {
    const f = await loadFixture(invoicesFixture);
    await time.increaseTo(f.dueDate + 1);
    const { result, text } = await runTask<{ status: string }>("invoice:show", {
      deployment: f.deployment,
      invoice: HASH_A,
    });
    expect(result.status).to.equal("Overdue");
    expect(text).to.match(
      /status: +Overdue: accepted, past its due date and unpaid; the holder may mark it defaulted after .* \(in 29 d 23 h 59 min 59 s\)/,
    );
    expect(text).to.match(/due date: .* \(1 s ago\)/);
  });

  it("says a hash that is not on the registry is not registered (safe to finance), and succeeds", async () => {
    const f = await loadFixture(invoicesFixture);
    const nonce = await ethers.provider.getTransactionCount(f.bank.address);
    const { result, lines } = await runTask<{ registered: boolean }>("invoice:show", {
      deployment: f.deployment,
      invoice: UNREGISTERED,
    });
    expect(result.registered).to.equal(false);
    expect(lines[0]).to.equal(`Invoice hash ${UNREGISTERED}: not registered: safe to finance.`);
    expect(lines.join("\n")).to.include(`No invoice with this hash is on the invoice registry ${f.registryAddress}`);
    expect(await ethers.provider.getTransactionCount(f.bank.address)).to.equal(nonce);
    // upper-case hex is the same hash
    const upper = await runTask<{ registered: boolean }>("invoice:show", {
      deployment: f.deployment,
      invoice: `0x${HASH_A.slice(2).toUpperCase()}`,
    });
    expect(upper.result.registered).to.equal(true);
  });

  it("refuses malformed input and unknown ids in one line, sending nothing", async () => {
    const f = await loadFixture(invoicesFixture);
    const neither = /is neither an invoice hash \(0x and 64 hex digits\) nor an invoice id/;
    const cases: [string, RegExp][] = [
      ["abc", neither],
      ["-5", neither],
      ["12.5", neither],
      ["0x12zz", neither],
      [`${HASH_A}00`, neither],
      ["", neither],
      [ethers.ZeroHash, /the zero hash is no invoice's/],
      ["0", /0 is no invoice's id/],
      ["0x0", /0 is no invoice's id/],
      [
        "12345",
        /^no invoice with id 0x0{60}3039 on the invoice registry 0x[0-9a-fA-F]{40} \(to check a hash before financing, give the 0x hash of 64 hex digits\)$/,
      ],
      ["0x1f", /no invoice with id 0x0{62}1f/],
    ];
    for (const [invoice, message] of cases) {
      await expectTaskError("invoice:show", { deployment: f.deployment, invoice }, message);
    }
  });
});

describe("tasks: invoice:key and invoice:show by fields", () => {
  it("invoice:key prints the canonical key offline, and names a non-canonical field", async () => {
    const { result, lines } = await runTask<{ key: string }>("invoice:key", {
      supplierEntity: "entity:SUPPLIER_A",
      authority: "CN-SH",
      number: "INV-001",
      json: false,
    });
    expect(result.key).to.equal(HASH_A);
    expect(lines[0]).to.match(
      new RegExp(`^Invoice key ${HASH_A} \\(supplier entity 0x[0-9a-f]{64}, CN-SH INV-001\\)$`),
    );
    const json = await runTask<{ key: string }>("invoice:key", {
      supplierEntity: ethers.id("entity:SUPPLIER_A"),
      authority: "CN-SH",
      number: "INV-001",
      json: true,
    });
    expect(JSON.parse(json.lines[0]).key).to.equal(HASH_A);
    const bad: [string, string, RegExp][] = [
      ["cn-sh", "INV-001", /lower-case letter at position 1 of "cn-sh".*InvoiceFieldLowerCase/],
      ["CN-SH", "INV 001", /space at position 4.*InvoiceFieldSpace/],
      ["CN-SH", "INV_001", /character outside A-Z.*InvoiceFieldCharacter/],
      ["CN-SH", "", /invoice number is empty/],
      ["CN-SH-SHENZHEN-FUTIAN", "1", /authority code has 21 characters, at most 16/],
    ];
    for (const [authority, number, message] of bad) {
      await expectTaskError(
        "invoice:key",
        { supplierEntity: "entity:SUPPLIER_A", authority, number, json: false },
        message,
      );
    }
  });

  it("invoice:show takes the fields instead of the key: registered or not, and refuses half of them", async () => {
    const f = await loadFixture(invoicesFixture);
    const shown = await runTask<{ registered: boolean; key: string; status: string }>("invoice:show", {
      deployment: f.deployment,
      supplierEntity: "entity:SUPPLIER_A",
      authority: "CN-SH",
      number: "INV-001",
    });
    expect([shown.result.registered, shown.result.key, shown.result.status]).to.deep.equal([true, HASH_A, "Accepted"]);
    expect(shown.text).to.include("invoice:      CN-SH INV-001");
    expect(shown.text).to.include("attested:     no");
    const free = await runTask<{ registered: boolean }>("invoice:show", {
      deployment: f.deployment,
      supplierEntity: "entity:SUPPLIER_A",
      authority: "CN-SH",
      number: "INV-999",
    });
    expect(free.result.registered).to.equal(false);
    await expectTaskError(
      "invoice:show",
      { deployment: f.deployment, supplierEntity: "entity:SUPPLIER_A", number: "INV-001" },
      /give the invoice's --supplier-entity, --authority and --number together/,
    );
    await expectTaskError(
      "invoice:show",
      {
        deployment: f.deployment,
        invoice: HASH_A,
        supplierEntity: "entity:SUPPLIER_A",
        authority: "CN-SH",
        number: "INV-001",
      },
      /give the invoice's key or its fields, not both/,
    );
  });
});

describe("tasks: invoice:record", () => {
  it("prints a debtor entity's payment record, and refuses an unknown entity", async () => {
    const f = await loadFixture(invoicesFixture);
    await f.invoiceRegistry.connect(f.debtor2).pay(f.piece0, f.cashAddress, cny("400"));
    const { result, text } = await runTask<{
      acceptedCount: bigint;
      acceptedValue: bigint;
      outstanding: bigint;
      paidOnTimeValue: bigint;
    }>("invoice:record", { deployment: f.deployment, entity: "entity:BUYER_B" });
    expect(result.acceptedCount).to.equal(1n);
    expect(result.acceptedValue).to.equal(cny("3000"));
    expect(result.paidOnTimeValue).to.equal(cny("400"));
    expect(result.outstanding).to.equal(cny("2600"));
    expect(text).to.include("accepted:         1 receivable(s), 3000.00 CNYC");
    expect(text).to.include("outstanding now:  2600.00 CNYC");
    await expectTaskError(
      "invoice:record",
      { deployment: f.deployment, entity: "entity:NOBODY" },
      /no entity 0x[0-9a-f]{64}/,
    );
    await expectTaskError(
      "invoice:record",
      { deployment: f.deployment, entity: "entity:BUYER_B", currency: "0x12" },
      /--currency: "0x12" is not an address/,
    );
  });
});

describe("tasks: invoice:list", () => {
  it("lists every invoice and piece from the registry's events, with status and holder", async () => {
    const f = await loadFixture(invoicesFixture);
    const { result, lines } = await runTask<Row[]>("invoice:list", { deployment: f.deployment });
    expect(lines[0]).to.match(
      new RegExp(`^5 invoice\\(s\\) on the invoice registry ${f.registryAddress} \\(events from block \\d+\\):$`),
    );
    expect(result.map((r) => [r.key, r.status, r.holder])).to.deep.equal([
      [f.keys.a, "Accepted", f.bank.address],
      [f.keys.b, "Issued", f.supplier2.address],
      [f.keys.c, "Split", f.supplier.address],
      [f.keys.piece0, "Accepted", f.bank.address],
      [f.keys.piece1, "Accepted", f.supplier.address],
    ]);
    expect(result.map((r) => r.amount)).to.deep.equal([
      cny("12345.67"),
      cny("500"),
      cny("3000"),
      cny("1000"),
      cny("2000"),
    ]);
    expect(lines).to.have.length(6);
    expect(lines[1]).to.include(`${f.keys.a}  Accepted `);
    expect(lines[1]).to.include("12345.67 CNYC");
    expect(lines[1]).to.include(`supplier ${f.supplier.address}  debtor ${f.debtor.address}`);
    expect(lines[1]).to.include(`holder ${f.bank.address} (Pearl River Bank)`);
    expect(lines[4]).to.match(new RegExp(`^  ${f.keys.piece0}  Accepted .* piece of ${f.keys.c}$`));

    // the scan starts at the registry's deployment block: no code there the block before
    const from = Number(/events from block (\d+)/.exec(lines[0])![1]);
    expect(await ethers.provider.getCode(f.registryAddress, from)).to.not.equal("0x");
    expect(await ethers.provider.getCode(f.registryAddress, from - 1)).to.equal("0x");
  });

  it("filters by supplier, debtor and holder (current holder, after sales), and combines filters", async () => {
    const f = await loadFixture(invoicesFixture);
    const list = async (filters: Record<string, string>) =>
      (await runTask<Row[]>("invoice:list", { deployment: f.deployment, ...filters })).result.map((r) => r.key);
    expect(await list({ supplier: f.supplier.address })).to.deep.equal([
      f.keys.a,
      f.keys.c,
      f.keys.piece0,
      f.keys.piece1,
    ]);
    expect(await list({ supplier: f.supplier2.address })).to.deep.equal([f.keys.b]);
    expect(await list({ debtor: f.debtor2.address })).to.deep.equal([f.keys.b, f.keys.c, f.keys.piece0, f.keys.piece1]);
    expect(await list({ debtor: f.debtor.address.toLowerCase() })).to.deep.equal([f.keys.a]);
    expect(await list({ holder: f.bank.address })).to.deep.equal([f.keys.a, f.keys.piece0]);
    expect(await list({ supplier: f.supplier.address, holder: f.supplier.address })).to.deep.equal([
      f.keys.c,
      f.keys.piece1,
    ]);
    expect(await list({ debtor: f.debtor2.address, holder: f.bank.address })).to.deep.equal([f.keys.piece0]);

    const none = await runTask<Row[]>("invoice:list", { deployment: f.deployment, holder: f.outsider.address });
    expect(none.result).to.deep.equal([]);
    expect(none.lines[0]).to.match(
      new RegExp(`^No invoices with holder ${f.outsider.address} on the invoice registry ${f.registryAddress}`),
    );
  });

  it("reads from --from-block, or from the block in Ignition's journal next to the deployment file", async () => {
    const f = await loadFixture(invoicesFixture);
    const latest = await ethers.provider.getBlockNumber();
    const later = await runTask<Row[]>("invoice:list", { deployment: f.deployment, fromBlock: String(latest + 1) });
    expect(later.result).to.deep.equal([]);
    expect(later.lines[0]).to.include(`(events from block ${latest + 1})`);

    const folder = fs.mkdtempSync(path.join(TMP, "journal-"));
    fs.copyFileSync(f.deployment, path.join(folder, "deployed_addresses.json"));
    const entry = {
      type: "TRANSACTION_CONFIRM",
      futureId: "Invoices#InvoiceRegistryProxy",
      receipt: { blockNumber: latest, contractAddress: f.registryAddress.toLowerCase() },
    };
    fs.writeFileSync(path.join(folder, "journal.jsonl"), `{"type":"RUN_START"}\n${JSON.stringify(entry)}\n`);
    const fromJournal = await runTask<Row[]>("invoice:list", { deployment: folder });
    expect(fromJournal.lines[0]).to.include(`(events from block ${latest})`);
    // the last event (the offer on piece 1) is in the latest block, but it is no issue, split or transfer
    expect(fromJournal.result).to.deep.equal([]);
  });

  it("refuses malformed filters in one line, sending nothing", async () => {
    const f = await loadFixture(invoicesFixture);
    await expectTaskError(
      "invoice:list",
      { deployment: f.deployment, holder: "0x1234" },
      /--holder: "0x1234" is not an address/,
    );
    await expectTaskError(
      "invoice:list",
      { deployment: f.deployment, supplier: "supplier-a" },
      /--supplier: "supplier-a" is not an address/,
    );
    await expectTaskError(
      "invoice:list",
      { deployment: f.deployment, debtor: f.debtor.address.toLowerCase().replace("0x", "0X") },
      /--debtor: .* is not an address/,
    );
    await expectTaskError(
      "invoice:list",
      { deployment: f.deployment, fromBlock: "yesterday" },
      /--from-block: "yesterday" is not a whole number/,
    );
  });
});

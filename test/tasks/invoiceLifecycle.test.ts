import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { invoiceKey, pieceIds } from "../../tasks/lib/invoiceKey";
import { expectTaskError, runTask, tasksFixture } from "./helpers";

const DAY = 86_400;
const cny = (amount: string) => ethers.parseUnits(amount, 2);

/** A verified supplier (#8), debtor (#9) and Pearl River Bank as financier, with cash; no invoice yet. */
async function lifecycleFixture() {
  const f = await tasksFixture();
  const [supplier, debtor, outsider] = f.others;
  const expiry = (await time.latest()) + 365 * DAY;
  for (const [wallet, name, attributes] of [
    [supplier.address, "SUPPLIER", Attr.SUPPLIER],
    [debtor.address, "BUYER", Attr.DEBTOR],
    [f.bank.address, "PRB", Attr.FINANCIER],
  ] as const) {
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(wallet, ethers.id(`entity:${name}`), Country.CN, expiry, attributes);
  }
  await f.cashToken.connect(f.cashIssuer).mint(f.bank.address, cny("100000"));
  const key = ethers.toBeHex(invoiceKey(ethers.id("entity:SUPPLIER"), "CN-SH", "INV-1"), 32);
  return { ...f, supplier, debtor, outsider, key };
}

type Fixture = Awaited<ReturnType<typeof lifecycleFixture>>;

function issueArgs(f: Fixture, overrides: Record<string, unknown> = {}) {
  return {
    deployment: f.deployment,
    from: f.supplier.address,
    debtor: f.debtor.address,
    amount: "3000",
    due: "30d",
    authority: "CN-SH",
    number: "INV-1",
    documentUri: "https://docs.example/inv-1",
    ...overrides,
  };
}

const on = (f: Fixture, from: string, invoice: string, more: Record<string, unknown> = {}) => ({
  deployment: f.deployment,
  from,
  invoice,
  ...more,
});

describe("tasks: invoice life cycle", () => {
  it("issue, accept, offer, approve, finance and split, each from the right party; --json shapes", async () => {
    const f = await loadFixture(lifecycleFixture);
    const { result: issued, text } = await runTask<Record<string, unknown>>("invoice:issue", issueArgs(f));
    expect(text).to.include(`Issue invoice CN-SH INV-1 (key ${f.key})`);
    expect(Object.keys(issued).sort()).to.deep.equal(
      ["amount", "currency", "debtor", "dryRun", "due", "from", "gas", "key", "transactionHash"].sort(),
    );
    expect(issued.key).to.equal(f.key);
    expect(await f.invoiceRegistry.ownerOf(f.key)).to.equal(f.supplier.address);

    await runTask("invoice:accept", on(f, f.debtor.address, f.key));
    const { result: offer } = await runTask<{ price: bigint }>(
      "invoice:offer",
      on(f, f.supplier.address, f.key, { price: "2900", financier: f.bank.address, recoursePrice: "2950", json: true }),
    );
    expect(offer.price).to.equal(cny("2900"));
    await runTask("token:approve", {
      deployment: f.deployment,
      from: "1",
      token: "cash-token",
      spender: "invoice-registry",
      amount: "2900",
    });
    const { result: financed, text: financeText } = await runTask<{ seller: string; price: bigint }>(
      "invoice:finance",
      on(f, "1", f.key, { maxPrice: "2900" }),
    );
    expect(financeText).to.include(
      `pay 2900.00 CNYC to ${f.supplier.address}, with the seller's buy-back at 2950.00 CNYC`,
    );
    expect(financed.seller).to.equal(f.supplier.address);
    expect(await f.invoiceRegistry.ownerOf(f.key)).to.equal(f.bank.address);

    const { result: split } = await runTask<{ pieces: { key: string; amount: bigint }[] }>(
      "invoice:split",
      on(f, "1", f.key, { amounts: "1000,2000" }),
    );
    const ids = pieceIds(BigInt(f.key), 2);
    expect(split.pieces.map((p) => p.key)).to.deep.equal(ids.map((id) => ethers.toBeHex(id, 32)));
    expect(await f.invoiceRegistry.ownerOf(ids[1])).to.equal(f.bank.address);
    expect(await f.invoiceRegistry.statusOf(f.key)).to.equal(7n); // Split
  });

  it("the debtor rejects one invoice, the supplier cancels another; an offer is withdrawn", async () => {
    const f = await loadFixture(lifecycleFixture);
    await runTask("invoice:issue", issueArgs(f));
    const { result } = await runTask<{ key: string }>("invoice:issue", issueArgs(f, { number: "INV-2" }));
    await runTask("invoice:reject", on(f, f.debtor.address, f.key, { reason: "goods not delivered" }));
    expect(await f.invoiceRegistry.statusOf(f.key)).to.equal(3n); // Rejected
    await runTask("invoice:cancel", on(f, f.supplier.address, result.key));
    expect(await f.invoiceRegistry.statusOf(result.key)).to.equal(4n); // Cancelled

    const { result: third } = await runTask<{ key: string }>("invoice:issue", issueArgs(f, { number: "INV-3" }));
    await runTask("invoice:accept", on(f, f.debtor.address, third.key));
    await runTask("invoice:offer", on(f, f.supplier.address, third.key, { price: "100" }));
    await runTask("invoice:offer", on(f, f.supplier.address, third.key, { withdraw: true }));
    expect((await f.invoiceRegistry.offerOf(third.key)).price).to.equal(0n);
  });

  it("the holder marks a receivable defaulted after its due date and the grace period", async () => {
    const f = await loadFixture(lifecycleFixture);
    await runTask("invoice:issue", issueArgs(f, { due: "1d" }));
    await runTask("invoice:accept", on(f, f.debtor.address, f.key));
    await expectTaskError("invoice:default", on(f, f.supplier.address, f.key), /NotYetDefaultable/);
    await time.increase(32 * DAY);
    const { result } = await runTask<{ outstanding: bigint }>("invoice:default", on(f, f.supplier.address, f.key));
    expect(result.outstanding).to.equal(cny("3000"));
    expect(await f.invoiceRegistry.statusOf(f.key)).to.equal(6n); // Defaulted
  });

  it("dry runs simulate as an address with no key and send nothing", async () => {
    const f = await loadFixture(lifecycleFixture);
    const block = await ethers.provider.getBlockNumber();
    const { result } = await runTask<{ dryRun: boolean; key: string }>("invoice:issue", {
      ...issueArgs(f),
      dryRun: true,
    });
    expect(result).to.include({ dryRun: true, key: f.key });
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    await f.invoiceRegistry.connect(f.supplier).issueInvoice(
      {
        debtor: f.debtor.address,
        faceValue: cny("10"),
        currency: await f.cashToken.getAddress(),
        dueDate: (await time.latest()) + DAY,
        documentHash: ethers.ZeroHash,
      },
      "CN-SH",
      "INV-1",
      "",
    );
    const after = await ethers.provider.getBlockNumber();
    const { text } = await runTask("invoice:accept", on(f, f.debtor.address, f.key, { dryRun: true }));
    expect(text).to.include("Dry run: it would succeed");
    expect(await ethers.provider.getBlockNumber()).to.equal(after);
    expect(await f.invoiceRegistry.statusOf(f.key)).to.equal(1n);
  });

  it("refuses in one line before sending: wrong party, bad fields, no offer, pieces, prices, unknown invoice", async () => {
    const f = await loadFixture(lifecycleFixture);
    await expectTaskError("invoice:issue", issueArgs(f, { number: "inv-1" }), /invoice number has a lower-case letter/);
    await expectTaskError("invoice:issue", issueArgs(f, { due: "2030-01-01T00:00:00" }), /--due: .* has no time zone/);
    await expectTaskError(
      "invoice:issue",
      issueArgs(f, { amount: "1.234" }),
      /--amount: "1.234" has too many decimals/,
    );
    await expectTaskError(
      "invoice:issue",
      issueArgs(f, { from: f.outsider.address }),
      /is not a registered participant: only a verified supplier issues invoices/,
    );
    await expectTaskError(
      "invoice:accept",
      on(f, f.debtor.address, f.key),
      /no invoice 0x[0-9a-f]{64} on the invoice registry/,
    );
    await runTask("invoice:issue", issueArgs(f));
    await expectTaskError(
      "invoice:accept",
      on(f, f.supplier.address, f.key),
      /accepting the invoice would fail: NotDebtor/,
    );
    await expectTaskError("invoice:finance", on(f, "1", f.key), /has no running offer/);
    await runTask("invoice:accept", on(f, f.debtor.address, f.key));
    await expectTaskError("invoice:offer", on(f, f.supplier.address, f.key), /give --price \(or --withdraw\)/);
    await expectTaskError(
      "invoice:offer",
      on(f, f.supplier.address, f.key, { withdraw: true, price: "1" }),
      /--withdraw takes no price/,
    );
    await runTask("invoice:offer", on(f, f.supplier.address, f.key, { price: "2900" }));
    await expectTaskError(
      "invoice:finance",
      on(f, "1", f.key, { maxPrice: "2800" }),
      /the offer's price 2900.00 CNYC is above --max-price 2800.00 CNYC/,
    );
    await expectTaskError("invoice:finance", on(f, "1", f.key), /financing would fail: ERC20InsufficientAllowance/);
    await expectTaskError(
      "invoice:split",
      on(f, f.supplier.address, f.key, { amounts: "1000,1000" }),
      /the pieces add up to 2000.00 CNYC, not the outstanding 3000.00 CNYC/,
    );
    await expectTaskError(
      "invoice:split",
      on(f, f.supplier.address, f.key, { amounts: "3000" }),
      /at least two pieces/,
    );
    await expectTaskError("invoice:cancel", on(f, f.supplier.address, "nonsense"), /is neither an invoice hash/);
  });
});

describe("tasks: trade:list", () => {
  it("lists tickets newest first with filters; --json shape; bad status refused", async () => {
    const f = await loadFixture(lifecycleFixture);
    const [, , , seller, buyer] = f.others;
    const expiry = (await time.latest()) + 365 * DAY;
    for (const [wallet, name] of [
      [seller, "S"],
      [buyer, "B"],
    ] as const) {
      await f.identityRegistry
        .connect(f.registrar)
        .registerIdentity(wallet.address, ethers.id(name), Country.CN, expiry, Attr.INVESTOR);
    }
    const terms = {
      seller: seller.address,
      buyer: buyer.address,
      asset: await f.securityToken.getAddress(),
      assetAmount: 10n,
      cash: await f.cashToken.getAddress(),
      cashAmount: cny("250"),
      expiry: (await time.latest()) + DAY,
      deferred: false,
      clientReference: ethers.ZeroHash,
    };
    await f.dvpSettlement.connect(seller).propose(terms);
    await f.dvpSettlement.connect(seller).propose({ ...terms, assetAmount: 20n });
    await f.dvpSettlement.connect(seller).cancel(2n);
    const { result, text } = await runTask<{ tickets: { ticketId: bigint; status: string }[] }>("trade:list", {
      deployment: f.deployment,
    });
    expect(result.tickets.map((t) => [t.ticketId, t.status])).to.deep.equal([
      [2n, "Cancelled"],
      [1n, "Proposed"],
    ]);
    expect(text).to.match(/#1 Proposed +10 SZPH 0x.* -> 0x.* for 250.00 CNYC, expires/);
    const { result: proposed, lines } = await runTask<{ tickets: Record<string, unknown>[] }>("trade:list", {
      deployment: f.deployment,
      status: "proposed",
      party: buyer.address,
      json: true,
    });
    expect(JSON.parse(lines.join("\n")).tickets).to.have.length(1);
    expect(Object.keys(proposed.tickets[0]).sort()).to.deep.equal(
      [
        "asset",
        "assetAmount",
        "buyer",
        "buyerLabel",
        "cash",
        "cashAmount",
        "deferred",
        "expiry",
        "proposer",
        "proposerLabel",
        "seller",
        "sellerLabel",
        "status",
        "ticketId",
      ].sort(),
    );
    await expectTaskError(
      "trade:list",
      { deployment: f.deployment, status: "done" },
      /--status: "done" is not a ticket status/,
    );
  });
});

import fs from "node:fs";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import {
  INVOICE_VERIFIER_ROLE,
  ONE_DAY,
  RECOVERY_AGENT_ROLE,
  cash,
  deployInvoiceFixture,
  entity,
} from "../fixtures/invoice";
import { LOCALHOST_PARAMETERS } from "../fixtures/consortium";
import { expectTaskError, runTask, tasksFixture, tmpFile, writeDeploymentFile } from "./helpers";

/** The invoice fixture plus a deployed_addresses.json for the tasks, and a second SUPPLIER_A wallet. */
async function receivablesFixture() {
  const f = await deployInvoiceFixture();
  const { deployment } = await writeDeploymentFile(f);
  const [supplierNewWallet] = f.spare;
  await f.identityRegistry
    .connect(f.registrar)
    .registerIdentity(supplierNewWallet.address, entity("SUPPLIER_A"), Country.CN, f.expiry, Attr.SUPPLIER);
  const accepted = await f.issueAccepted("pay-me", { amount: cash(1000) });
  return { ...f, deployment, supplierNewWallet, id: accepted.id, key: ethers.toBeHex(accepted.id, 32) };
}

type F = Awaited<ReturnType<typeof receivablesFixture>>;

/** Freezes (or unfreezes) a wallet on the cash token (the cash issuer is its freeze agent). */
async function freezeCash(f: F, wallet: string, frozen = true) {
  await f.cashToken.connect(f.cashIssuer).setAddressFrozen(wallet, frozen);
}

describe("tasks: invoice:pay", function () {
  it("--dry-run simulates and says the cash goes to the holder; nothing is sent", async function () {
    const f = await loadFixture(receivablesFixture);
    const blockBefore = await ethers.provider.getBlockNumber();
    const { result, text } = await runTask<{ dryRun: boolean; held: boolean; amount: bigint }>("invoice:pay", {
      deployment: f.deployment,
      from: f.debtor.address,
      invoice: f.key,
      amount: "400",
      dryRun: true,
    });
    expect(result).to.include({ dryRun: true, held: false, amount: cash(400) });
    expect(text).to.include("400.00 CNYC");
    expect(text).to.include("on time");
    expect(text).to.include("The cash goes to the holder");
    expect(text).to.include("Dry run");
    expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore);
    expect(await f.invoiceRegistry.outstanding(f.id)).to.equal(cash(1000));
  });

  it("pays: the holder receives the cash, outstanding falls; default amount is all that is outstanding", async function () {
    const f = await loadFixture(receivablesFixture);
    const before = await f.cashToken.balanceOf(f.supplier.address);
    await runTask("invoice:pay", { deployment: f.deployment, from: f.debtor.address, invoice: f.key, amount: "400" });
    expect(await f.invoiceRegistry.outstanding(f.id)).to.equal(cash(600));
    expect((await f.cashToken.balanceOf(f.supplier.address)) - before).to.equal(cash(400));
    const { result } = await runTask<{ amount: bigint; outstandingAfter: bigint; transactionHash: string }>(
      "invoice:pay",
      { deployment: f.deployment, from: f.debtor.address, invoice: f.id.toString(), json: true },
    );
    expect(result.amount).to.equal(cash(600));
    expect(result.outstandingAfter).to.equal(0n);
    expect(result.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await f.invoiceRegistry.statusOf(f.id)).to.equal(5n); // Paid
  });

  it("says the payment would be held when the holder cannot receive, and the registry holds it", async function () {
    const f = await loadFixture(receivablesFixture);
    await freezeCash(f, f.supplier.address);
    const dry = await runTask<{ held: boolean }>("invoice:pay", {
      deployment: f.deployment,
      from: f.debtor.address,
      invoice: f.key,
      amount: "250",
      dryRun: true,
    });
    expect(dry.result.held).to.equal(true);
    expect(dry.text).to.match(/cannot receive it now \(restriction 2 /);
    expect(dry.text).to.include("the registry will hold it for the holder");
    await runTask("invoice:pay", { deployment: f.deployment, from: f.debtor.address, invoice: f.key, amount: "250" });
    expect(await f.invoiceRegistry.heldPayments(f.supplier.address, f.currency)).to.equal(cash(250));
    expect(await f.invoiceRegistry.outstanding(f.id)).to.equal(cash(750));
  });

  it("says a payment after default is one, and is accepted", async function () {
    const f = await loadFixture(receivablesFixture);
    await time.increase(30 * ONE_DAY + f.gracePeriod + 1);
    await f.invoiceRegistry.connect(f.supplier).markDefaulted(f.id);
    const { text } = await runTask("invoice:pay", { deployment: f.deployment, from: f.debtor.address, invoice: f.key });
    expect(text).to.include("after default");
    expect((await f.invoiceRegistry.invoiceOf(f.id)).status).to.equal(5n);
  });

  it("refuses bad input with one line before sending anything", async function () {
    const f = await loadFixture(receivablesFixture);
    const base = { deployment: f.deployment, from: f.debtor.address };
    await expectTaskError("invoice:pay", { ...base, invoice: "INV-1" }, /"INV-1" is neither an invoice hash/);
    await expectTaskError("invoice:pay", { ...base, invoice: "0x1234" }, /no invoice 0x0+1234 on the invoice registry/);
    await expectTaskError(
      "invoice:pay",
      { ...base, invoice: f.key, amount: "1000.01" },
      /more than the 1000.00 CNYC outstanding/,
    );
    await expectTaskError("invoice:pay", { ...base, invoice: f.key, amount: "1.001" }, /too many decimals/);
    await expectTaskError(
      "invoice:pay",
      { ...base, from: f.outsider.address, invoice: f.key },
      /holds 0.00 CNYC, less than the 1000.00 CNYC needed/,
    );
    await f.cashToken.connect(f.debtor).approve(await f.invoiceRegistry.getAddress(), cash(10));
    await expectTaskError(
      "invoice:pay",
      { ...base, invoice: f.key },
      /approved the invoice registry .* for only 10.00 CNYC/,
    );
    const issued = await f.issue("not-accepted");
    await expectTaskError(
      "invoice:pay",
      { ...base, invoice: ethers.toBeHex(issued.id, 32) },
      /is Issued: only Accepted or Defaulted receivables take payments/,
    );
  });

  it("refuses when the payer's own leg fails, and while the registry is paused", async function () {
    const f = await loadFixture(receivablesFixture);
    const base = { deployment: f.deployment, from: f.debtor.address, invoice: f.key };
    await freezeCash(f, f.debtor.address);
    await expectTaskError("invoice:pay", base, /refuses the payer's own leg \(restriction 2 /);
    await freezeCash(f, f.debtor.address, false);
    await f.invoiceRegistry.connect(f.guardian).pause();
    await expectTaskError("invoice:pay", base, /the invoice registry is paused/);
  });
});

describe("tasks: invoice:claim", function () {
  async function heldFixture() {
    const f = await receivablesFixture();
    await freezeCash(f, f.supplier.address);
    await f.invoiceRegistry.connect(f.debtor).pay(f.id, f.currency, cash(300));
    return f;
  }

  it("--dry-run, then claims what is held for the signer once it can receive", async function () {
    const f = await loadFixture(heldFixture);
    const base = { deployment: f.deployment, from: f.supplier.address };
    await expectTaskError(
      "invoice:claim",
      base,
      /cannot receive 300.00 CNYC now \(restriction 2 .*the payment stays held/,
    );
    await freezeCash(f, f.supplier.address, false);
    const dry = await runTask<{ amount: bigint; dryRun: boolean }>("invoice:claim", { ...base, dryRun: true });
    expect(dry.result).to.include({ amount: cash(300), dryRun: true });
    expect(await f.invoiceRegistry.heldPayments(f.supplier.address, f.currency)).to.equal(cash(300));
    const before = await f.cashToken.balanceOf(f.supplier.address);
    const { text } = await runTask("invoice:claim", { ...base, currency: f.currency });
    expect(text).to.include("Claim of 300.00 CNYC");
    expect((await f.cashToken.balanceOf(f.supplier.address)) - before).to.equal(cash(300));
    await expectTaskError("invoice:claim", base, /no payment is held for .* nothing to claim/);
  });

  it("another wallet of the holder's entity claims it; a wallet of another entity is refused", async function () {
    const f = await loadFixture(heldFixture);
    await expectTaskError(
      "invoice:claim",
      { deployment: f.deployment, from: f.financier.address, holder: f.supplier.address },
      /is not a wallet of the same entity/,
    );
    await runTask("invoice:claim", {
      deployment: f.deployment,
      from: f.supplierNewWallet.address,
      holder: f.supplier.address,
    });
    expect(await f.cashToken.balanceOf(f.supplierNewWallet.address)).to.equal(cash(300));
    await expectTaskError(
      "invoice:claim",
      { deployment: f.deployment, from: f.supplier.address, holder: "0x12" },
      /--holder: "0x12" is not an address/,
    );
  });
});

describe("tasks: invoice:buy-back", function () {
  async function recourseFixture() {
    const f = await receivablesFixture();
    await f.invoiceRegistry.connect(f.supplier).offerForFinancing(f.id, f.financier.address, cash(950), cash(980));
    await f.invoiceRegistry.connect(f.financier).finance(f.id, cash(950), cash(980));
    await f.cashToken.connect(f.financier).transfer(f.supplier.address, cash(5000));
    return f;
  }

  it("--dry-run, then the seller buys it back from the financier at the agreed price", async function () {
    const f = await loadFixture(recourseFixture);
    const base = { deployment: f.deployment, from: f.supplier.address, invoice: f.key };
    const dry = await runTask<{ price: bigint }>("invoice:buy-back", { ...base, dryRun: true });
    expect(dry.result.price).to.equal(cash(980));
    expect(dry.text).to.include("for 980.00 CNYC (the recourse price agreed on chain)");
    expect(await f.invoiceRegistry.ownerOf(f.id)).to.equal(f.financier.address);
    const before = await f.cashToken.balanceOf(f.financier.address);
    await runTask("invoice:buy-back", base);
    expect(await f.invoiceRegistry.ownerOf(f.id)).to.equal(f.supplier.address);
    expect((await f.cashToken.balanceOf(f.financier.address)) - before).to.equal(cash(980));
    await expectTaskError("invoice:buy-back", base, /has no recourse agreed/);
  });

  it("refuses anyone but the seller, and a recourse that lapsed", async function () {
    const f = await loadFixture(recourseFixture);
    await expectTaskError(
      "invoice:buy-back",
      { deployment: f.deployment, from: f.financier2.address, invoice: f.key },
      /the recourse on invoice .* is .*'s, not/,
    );
    await f.invoiceRegistry.connect(f.financier).transferFrom(f.financier.address, f.financier2.address, f.id);
    await expectTaskError(
      "invoice:buy-back",
      { deployment: f.deployment, from: f.supplier.address, invoice: f.key },
      /the recourse on invoice .* lapsed: .* no longer holds it/,
    );
  });
});

describe("tasks: invoice:attest", function () {
  it("refuses an account without INVOICE_VERIFIER_ROLE; a verifier attests (dry run first); twice is refused", async function () {
    const f = await loadFixture(receivablesFixture);
    const verifier = f.spare[1];
    const base = { deployment: f.deployment, from: verifier.address, invoice: f.key };
    const evidence = ethers.id("tax authority record");
    await expectTaskError(
      "invoice:attest",
      { ...base, evidence },
      /does not hold the invoice registry's INVOICE_VERIFIER_ROLE/,
    );
    await f.invoiceRegistry.connect(f.admin).grantRole(INVOICE_VERIFIER_ROLE, verifier.address);
    await expectTaskError(
      "invoice:attest",
      { ...base, evidence: "no-such-file.pdf" },
      /neither a 0x hash .* nor a readable file/,
    );
    const dry = await runTask<{ evidenceHash: string }>("invoice:attest", { ...base, evidence, dryRun: true });
    expect(dry.result.evidenceHash).to.equal(evidence);
    expect((await f.invoiceRegistry.invoiceOf(f.id)).attested).to.equal(false);
    const file = tmpFile("evidence.txt");
    fs.writeFileSync(file, "tax authority record");
    const { result } = await runTask<{ evidenceHash: string }>("invoice:attest", { ...base, evidence: file });
    expect(result.evidenceHash).to.equal(ethers.keccak256(ethers.toUtf8Bytes("tax authority record")));
    expect((await f.invoiceRegistry.invoiceOf(f.id)).attested).to.equal(true);
    await expectTaskError("invoice:attest", { ...base, evidence }, /is already attested/);
  });
});

describe("tasks: invoice:recover", function () {
  it("refuses an account without RECOVERY_AGENT_ROLE and a wallet of another entity; recovers to the entity's new wallet", async function () {
    const f = await loadFixture(receivablesFixture);
    const agent = f.spare[1];
    const base = { deployment: f.deployment, from: agent.address, invoice: f.key };
    await expectTaskError(
      "invoice:recover",
      { ...base, newWallet: f.supplierNewWallet.address },
      /does not hold the invoice registry's RECOVERY_AGENT_ROLE/,
    );
    await f.invoiceRegistry.connect(f.admin).grantRole(RECOVERY_AGENT_ROLE, agent.address);
    await expectTaskError(
      "invoice:recover",
      { ...base, newWallet: f.financier.address },
      /is not a wallet of the same entity/,
    );
    await expectTaskError(
      "invoice:recover",
      { ...base, newWallet: f.supplierDebtor.address },
      /may not hold receivables: it must be verified as a supplier or financier/,
    );
    // a payment held for the lost wallet is announced, to be claimed by the new wallet
    await freezeCash(f, f.supplier.address);
    await f.invoiceRegistry.connect(f.debtor).pay(f.id, f.currency, cash(100));
    const dry = await runTask("invoice:recover", { ...base, newWallet: f.supplierNewWallet.address, dryRun: true });
    expect(dry.text).to.include("100.00 CNYC is held for the lost wallet");
    expect(await f.invoiceRegistry.ownerOf(f.id)).to.equal(f.supplier.address);
    await runTask("invoice:recover", { ...base, newWallet: f.supplierNewWallet.address });
    expect(await f.invoiceRegistry.ownerOf(f.id)).to.equal(f.supplierNewWallet.address);
    await expectTaskError(
      "invoice:recover",
      { ...base, newWallet: f.supplierNewWallet.address },
      /already holds invoice/,
    );
  });
});

describe("tasks: invoice:record --json", function () {
  it("prints the debtor entity's record as one JSON document, amounts as decimal strings", async function () {
    const f = await loadFixture(receivablesFixture);
    await f.invoiceRegistry.connect(f.debtor).pay(f.id, f.currency, cash(400));
    const { lines, result } = await runTask<{ acceptedCount: bigint }>("invoice:record", {
      deployment: f.deployment,
      entity: "entity:BUYER_A",
      json: true,
    });
    expect(lines).to.have.length(1);
    const json = JSON.parse(lines[0]) as Record<string, string>;
    expect(json).to.include({
      entity: entity("BUYER_A"),
      acceptedCount: "1",
      acceptedValue: cash(1000).toString(),
      paidOnTimeCount: "1",
      paidOnTimeValue: cash(400).toString(),
      outstanding: cash(600).toString(),
    });
    expect(result.acceptedCount).to.equal(1n);
  });
});

describe("consortium:verify-deployment: the invoice registry can hold cash", function () {
  it("passes while the registry is a verified participant; fails once the registrar removed it", async function () {
    // The whole deployment (asset registry included), as verify-deployment checks every part of it.
    const f = await loadFixture(tasksFixture);
    const args = { deployment: f.deployment, parameters: LOCALHOST_PARAMETERS };
    type Verified = { failed: number; checks: { ok: boolean; name: string; detail: string }[] };
    const holds = (r: Verified) => r.checks.find((c) => c.name === "invoice-registry holds cash");
    const { result } = await runTask<Verified>("consortium:verify-deployment", args);
    expect(holds(result)).to.include({ ok: true });
    await f.identityRegistry.connect(f.registrar).removeIdentity(await f.invoiceRegistry.getAddress());
    const { text } = await expectTaskError(
      "consortium:verify-deployment",
      args,
      /^deployment verification failed: 1 of \d+ checks/,
    );
    expect(text).to.match(/FAIL .*invoice-registry holds cash.*NOT verified in the identity registry/);
  });
});

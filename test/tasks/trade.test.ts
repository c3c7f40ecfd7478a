import { expect } from "chai";
import { ethers } from "hardhat";
import { impersonateAccount, loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { expectTaskError, runTask, tasksFixture } from "./helpers";

const ONE_DAY = 24 * 60 * 60;
const ONE_YEAR = 365 * ONE_DAY;
/** IDvPSettlement.TicketStatus. */
const Status = { None: 0n, Proposed: 1n, Ready: 2n, Settled: 3n, Cancelled: 4n } as const;

const cny = (amount: string) => ethers.parseUnits(amount, 2);

/**
 * The system (tasksFixture) ready to trade shares (SZPH, 0 decimals) for cash (CNYC, 2 decimals):
 * - seller (#8, CN investor) holds 1,000 shares, buyer (#9, CN investor) holds 10,000.00 cash;
 *   both approved the DvP contract for everything;
 * - feeCollector (#10) is a verified participant; outsider (#11) has no identity.
 */
async function tradeFixture() {
  const f = await tasksFixture();
  const [seller, buyer, feeCollector, outsider] = f.others;
  const dvpAddress = await f.dvpSettlement.getAddress();
  const expiry = (await time.latest()) + ONE_YEAR;
  for (const [wallet, name] of [
    [seller, "SELLER"],
    [buyer, "BUYER"],
    [feeCollector, "FEES"],
  ] as const) {
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(wallet.address, ethers.id(`entity:${name}`), Country.CN, expiry, Attr.INVESTOR);
  }
  await f.securityToken.connect(f.agent).mint(seller.address, 1_000n);
  await f.cashToken.connect(f.cashIssuer).mint(buyer.address, cny("10000"));
  await f.securityToken.connect(seller).approve(dvpAddress, ethers.MaxUint256);
  await f.cashToken.connect(buyer).approve(dvpAddress, ethers.MaxUint256);
  return {
    ...f,
    seller,
    buyer,
    feeCollector,
    outsider,
    dvpAddress,
    assetAddress: await f.securityToken.getAddress(),
    cashAddress: await f.cashToken.getAddress(),
  };
}

type Fixture = Awaited<ReturnType<typeof tradeFixture>>;

/** The default trade: the seller sells 100 shares to the buyer for 2,500.00, expiring in a day. */
function tradeArgs(f: Fixture, overrides: Record<string, unknown> = {}) {
  return {
    deployment: f.deployment,
    from: f.seller.address,
    seller: f.seller.address,
    buyer: f.buyer.address,
    asset: "security-token",
    assetAmount: "100",
    cash: "cash-token",
    cashAmount: "2500.00",
    expiry: "1d",
    deferred: false,
    ...overrides,
  };
}

/** Proposes the default trade (with `overrides`) with the task and returns the ticket id. */
async function propose(f: Fixture, overrides: Record<string, unknown> = {}): Promise<bigint> {
  const { result } = await runTask<{ ticketId: bigint }>("trade:propose", tradeArgs(f, overrides));
  return result.ticketId;
}

describe("tasks: trade:propose", () => {
  it("proposes a trade as the seller, in human units, and prints the new ticket id", async () => {
    const f = await loadFixture(tradeFixture);
    const now = await time.latest();
    const nonce = await ethers.provider.getTransactionCount(f.seller.address);
    const { result, text, lines } = await runTask<{ ticketId: bigint; warnings: string[] }>(
      "trade:propose",
      tradeArgs(f, { reference: "REF-1" }),
    );
    expect(result.ticketId).to.equal(1n);
    expect(result.warnings).to.deep.equal([]);
    expect(await ethers.provider.getTransactionCount(f.seller.address)).to.equal(nonce + 1);
    const ticket = await f.dvpSettlement.ticketOf(1n);
    expect(ticket.seller).to.equal(f.seller.address);
    expect(ticket.buyer).to.equal(f.buyer.address);
    expect(ticket.asset).to.equal(f.assetAddress);
    expect(ticket.assetAmount).to.equal(100n);
    expect(ticket.cash).to.equal(f.cashAddress);
    expect(ticket.cashAmount).to.equal(cny("2500"));
    expect(ticket.expiry).to.equal(BigInt(now + ONE_DAY));
    expect(ticket.status).to.equal(Status.Proposed);
    expect(ticket.deferred).to.equal(false);
    expect(ticket.proposer).to.equal(f.seller.address);
    expect(ticket.clientReference).to.equal(ethers.encodeBytes32String("REF-1"));

    expect(lines[0]).to.equal(`Proposing a trade as the seller ${f.seller.address}:`);
    expect(text).to.include(
      `asset leg:   100 SZPH (security-token ${f.assetAddress}), seller ${f.seller.address} -> buyer ${f.buyer.address}`,
    );
    expect(text).to.include(`cash leg:    2500.00 CNYC (cash-token ${f.cashAddress}), buyer -> seller`);
    expect(text).to.match(/expiry: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 1 d\)/);
    expect(text).to.include("settlement:  at the affirmation, in the same transaction");
    expect(text).to.include('reference:   "REF-1"');
    expect(text).to.not.include("Warning");
    expect(text).to.match(/Ticket #1 proposed \(transaction 0x[0-9a-f]{64}\)\./);
    expect(text).to.include(`The buyer ${f.buyer.address} affirms it with: npx hardhat trade:affirm 1 (before `);
  });

  it("proposes as the buyer, with the asset by address, an ISO expiry date and deferred settlement", async () => {
    const f = await loadFixture(tradeFixture);
    await propose(f);
    const expiry = (await time.latest()) + 2 * ONE_DAY;
    const iso = new Date(expiry * 1000).toISOString();
    const { result, text } = await runTask<{ ticketId: bigint }>(
      "trade:propose",
      tradeArgs(f, {
        from: f.buyer.address,
        asset: f.assetAddress,
        assetAmount: "7",
        cashAmount: "0.01",
        expiry: iso,
        deferred: true,
        reference: ethers.id("order 42"),
      }),
    );
    expect(result.ticketId).to.equal(2n);
    const ticket = await f.dvpSettlement.ticketOf(2n);
    expect(ticket.proposer).to.equal(f.buyer.address);
    expect(ticket.deferred).to.equal(true);
    expect(ticket.expiry).to.equal(BigInt(expiry));
    expect(ticket.assetAmount).to.equal(7n);
    expect(ticket.cashAmount).to.equal(1n);
    expect(ticket.clientReference).to.equal(ethers.id("order 42"));
    expect(text).to.include(`Proposing a trade as the buyer ${f.buyer.address}:`);
    expect(text).to.include("settlement:  deferred: the affirmation marks it Ready, the next batch run settles it");
    expect(text).to.include(`reference:   ${ethers.id("order 42")}`);
    expect(text).to.include(`The seller ${f.seller.address} affirms it with: npx hardhat trade:affirm 2`);
  });

  it("warns, without refusing, when a leg would be restricted now, naming the leg and the rule", async () => {
    const f = await loadFixture(tradeFixture);
    const { result, text } = await runTask<{ ticketId: bigint; warnings: string[] }>(
      "trade:propose",
      tradeArgs(f, { buyer: f.outsider.address }),
    );
    expect(result.ticketId).to.equal(1n);
    expect(await f.dvpSettlement.ticketCount()).to.equal(1n);
    expect(result.warnings).to.have.length(2);
    expect(text).to.include(
      `Warning: the asset leg (100 SZPH from the seller ${f.seller.address} to the buyer ${f.outsider.address}) ` +
        `would be refused now: restriction 5 "Recipient is not a verified participant". ` +
        "The ticket can still be proposed; it settles only once this is fixed.",
    );
    expect(text).to.include(
      `Warning: the cash leg (2500.00 CNYC from the buyer ${f.outsider.address} to the seller ${f.seller.address}) ` +
        `would be refused now: restriction 3 "Amount exceeds the sender's unfrozen balance" and the buyer has approved ` +
        `the DvP contract ${f.dvpAddress} for only 0.00 CNYC (2500.00 CNYC needed: approve it on CNYC first).`,
    );
  });

  describe("refuses before sending anything", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["a malformed seller", { seller: "0x12" }, /--seller: "0x12" is not an address/],
      [
        "a buyer with a bad checksum",
        { buyer: "0x70997970c51812dc3a010c7d01b50e0d17dc79C8" },
        /--buyer: .* bad checksum/,
      ],
      [
        "an unknown asset name",
        { asset: "shares" },
        /--asset: "shares" is not a token \(say security-token, cash-token or a token address\)/,
      ],
      ["a zero asset amount", { assetAmount: "0" }, /--asset-amount must be more than zero \(got 0\)/],
      [
        "a fractional share",
        { assetAmount: "1.5" },
        /--asset-amount: "1.5" has too many decimals: SZPH has 0 \(whole units only\)/,
      ],
      [
        "cash below the cent",
        { cashAmount: "10.001" },
        /--cash-amount: "10.001" has too many decimals: CNYC has 2 \(at most 2 decimal place\(s\)\)/,
      ],
      ["a negative amount", { cashAmount: "-5" }, /--cash-amount: "-5" is not an amount/],
      ["an amount in words", { cashAmount: "ten" }, /--cash-amount: "ten" is not an amount/],
      [
        "an amount with a thousands separator",
        { cashAmount: "2,500.00" },
        /--cash-amount: "2,500.00" is not an amount/,
      ],
      [
        "an amount too large for a ticket",
        { cashAmount: "800000000000000000000000000" },
        /--cash-amount is too large: at most 792281625142643375935439503.35 CNYC/,
      ],
      [
        "an expiry in the past",
        { expiry: "2000-01-01T00:00:00Z" },
        /--expiry 2000-01-01T00:00:00Z \(2000-01-01 00:00:00 UTC\) is not in the future: the chain's time is/,
      ],
      ["an invalid date", { expiry: "2026-13-45" }, /--expiry: "2026-13-45" is not a valid date/],
      [
        "an expiry in words",
        { expiry: "tomorrow" },
        /--expiry: "tomorrow" is neither a duration from now \(seconds, or 90m, 36h, 2d\) nor an ISO date/,
      ],
      ["a zero expiry", { expiry: "0" }, /--expiry must be between 1 and/],
      [
        "a reference too long",
        { reference: "x".repeat(32) },
        /--reference: "x{32}" is 32 bytes; a reference is at most 31 bytes/,
      ],
      [
        "a signer that is not a party",
        { from: "0" },
        /0x[0-9a-fA-F]{40} is neither the seller 0x[0-9a-fA-F]{40} nor the buyer 0x[0-9a-fA-F]{40}: only a counterparty proposes a trade/,
      ],
      ["a missing option", { cash: undefined, expiry: undefined }, /^trade:propose needs --cash, --expiry$/],
    ];
    for (const [what, overrides, message] of cases) {
      it(`refuses ${what}`, async () => {
        const f = await loadFixture(tradeFixture);
        await expectTaskError("trade:propose", tradeArgs(f, overrides), message, [f.seller.address, f.buyer.address]);
        expect(await f.dvpSettlement.ticketCount()).to.equal(0n);
      });
    }

    it("refuses the same account as seller and buyer, and a token address without code or without decimals", async () => {
      const f = await loadFixture(tradeFixture);
      const watched = [f.seller.address, f.buyer.address];
      await expectTaskError(
        "trade:propose",
        tradeArgs(f, { buyer: f.seller.address }),
        new RegExp(`--seller and --buyer are the same account ${f.seller.address}`),
        watched,
      );
      await expectTaskError(
        "trade:propose",
        tradeArgs(f, { asset: f.outsider.address }),
        new RegExp(`--asset: no contract at ${f.outsider.address}`),
        watched,
      );
      await expectTaskError(
        "trade:propose",
        tradeArgs(f, { cash: await f.membership.getAddress() }),
        /--cash: 0x[0-9a-fA-F]{40} is not an ERC-20 token \(no decimals\(\)\)/,
        watched,
      );
    });

    it("refuses a party that is not a verified participant", async () => {
      const f = await loadFixture(tradeFixture);
      await expectTaskError(
        "trade:propose",
        tradeArgs(f, { from: f.outsider.address, seller: f.outsider.address }),
        new RegExp(`the seller ${f.outsider.address} is not a verified participant \\(no identity, or it expired\\)`),
        [f.outsider.address],
      );
    });

    it("refuses while settlement is paused", async () => {
      const f = await loadFixture(tradeFixture);
      await f.dvpSettlement.connect(f.guardian).pause();
      await expectTaskError(
        "trade:propose",
        tradeArgs(f),
        new RegExp(`cannot propose: DvP settlement ${f.dvpAddress} is paused \\(by a guardian\\)`),
        [f.seller.address],
      );
    });
  });
});

describe("tasks: trade:affirm", () => {
  it("settles the trade when the buyer affirms: both legs move", async () => {
    const f = await loadFixture(tradeFixture);
    await propose(f);
    const { result, text } = await runTask<{ status: string }>("trade:affirm", {
      deployment: f.deployment,
      from: f.buyer.address,
      ticketId: "1",
    });
    expect(result.status).to.equal("Settled");
    expect((await f.dvpSettlement.ticketOf(1n)).status).to.equal(Status.Settled);
    expect(await f.securityToken.balanceOf(f.buyer.address)).to.equal(100n);
    expect(await f.cashToken.balanceOf(f.seller.address)).to.equal(cny("2500"));
    expect(text).to.match(/^Ticket #1 affirmed and settled \(transaction 0x[0-9a-f]{64}\):/);
    expect(text).to.include(`100 SZPH from the seller ${f.seller.address} to the buyer ${f.buyer.address}`);
    expect(text).to.include("2500.00 CNYC from the buyer to the seller");
  });

  it("affirms a deferred ticket (it becomes Ready), and a buyer's proposal is affirmed by the seller", async () => {
    const f = await loadFixture(tradeFixture);
    await propose(f, { from: f.buyer.address, deferred: true });
    const { result, text } = await runTask<{ status: string }>("trade:affirm", {
      deployment: f.deployment,
      from: f.seller.address,
      ticketId: "#1",
    });
    expect(result.status).to.equal("Ready");
    expect((await f.dvpSettlement.ticketOf(1n)).status).to.equal(Status.Ready);
    expect(await f.securityToken.balanceOf(f.buyer.address)).to.equal(0n);
    expect(text).to.include(`Ticket #1 affirmed by the seller ${f.seller.address}`);
    expect(text).to.include("It is Ready: the next batch run (settleBatch) settles it");
  });

  it("affirms a deferred ticket whose legs are restricted now, with a warning", async () => {
    const f = await loadFixture(tradeFixture);
    await propose(f, { deferred: true });
    await f.securityToken.connect(f.agent).setAddressFrozen(f.seller.address, true);
    const { result, text } = await runTask<{ status: string }>("trade:affirm", {
      deployment: f.deployment,
      from: f.buyer.address,
      ticketId: "1",
    });
    expect(result.status).to.equal("Ready");
    expect(text).to.include(
      "Warning: the ticket is deferred and would not settle now: asset leg (100 SZPH from the seller",
    );
    expect(text).to.include('restriction 2 "Sender or recipient wallet is frozen"');
  });

  it("reports the fee in force when the ticket settles", async () => {
    const f = await loadFixture(tradeFixture);
    const timelock = await f.timelock.getAddress();
    await impersonateAccount(timelock);
    await setBalance(timelock, ethers.parseEther("10"));
    await f.dvpSettlement.connect(await ethers.getSigner(timelock)).setFee(f.feeCollector.address, 100);
    await propose(f);
    const shown = await runTask("trade:show", { deployment: f.deployment, ticketId: "1" });
    expect(shown.text).to.include(
      `fee now:     25.00 CNYC (100 bps (1.00%)) to ${f.feeCollector.address}, out of the seller's proceeds`,
    );
    expect(shown.text).to.match(/ {4}fee +OK +no restriction/);
    const { result, text } = await runTask<{ fee: bigint }>("trade:affirm", {
      deployment: f.deployment,
      from: f.buyer.address,
      ticketId: "1",
    });
    expect(result.fee).to.equal(cny("25"));
    expect(text).to.include("2500.00 CNYC from the buyer to the seller (of which a fee of 25.00 CNYC)");
    expect(await f.cashToken.balanceOf(f.feeCollector.address)).to.equal(cny("25"));
  });

  describe("refuses before sending anything", () => {
    it("refuses a malformed or unknown ticket number", async () => {
      const f = await loadFixture(tradeFixture);
      const args = { deployment: f.deployment, from: f.buyer.address };
      await expectTaskError(
        "trade:affirm",
        { ...args, ticketId: "1" },
        /^no ticket #1: no trade has been proposed yet$/,
      );
      for (const ticketId of ["abc", "0", "-1", "1.5", ""]) {
        await expectTaskError(
          "trade:affirm",
          { ...args, ticketId },
          /is not a ticket number \(tickets are numbered 1, 2, 3, \.\.\.\)/,
        );
      }
      await propose(f);
      await expectTaskError("trade:affirm", { ...args, ticketId: "2" }, /^no ticket #2: tickets are #1 to #1$/, [
        f.buyer.address,
      ]);
    });

    it("refuses the proposer and a third party: only the other party affirms", async () => {
      const f = await loadFixture(tradeFixture);
      await propose(f);
      const watched = [f.seller.address, f.buyer.address, f.outsider.address];
      await expectTaskError(
        "trade:affirm",
        { deployment: f.deployment, from: f.seller.address, ticketId: "1" },
        new RegExp(
          `ticket #1 was proposed by the seller ${f.seller.address}: the other party, the buyer ${f.buyer.address}, affirms it`,
        ),
        watched,
      );
      await expectTaskError(
        "trade:affirm",
        { deployment: f.deployment, from: f.outsider.address, ticketId: "1" },
        new RegExp(`only the buyer ${f.buyer.address} may affirm ticket #1, not ${f.outsider.address}`),
        watched,
      );
    });

    it("refuses an expired ticket, and tickets no longer Proposed", async () => {
      const f = await loadFixture(tradeFixture);
      const args = { deployment: f.deployment, from: f.buyer.address };
      const watched = [f.seller.address, f.buyer.address];
      await propose(f); // #1: settled below
      await propose(f); // #2: cancelled
      await propose(f, { deferred: true }); // #3: Ready
      await propose(f, { expiry: "1h" }); // #4: expires
      await runTask("trade:affirm", { ...args, ticketId: "1" });
      await runTask("trade:cancel", { deployment: f.deployment, from: f.seller.address, ticketId: "2" });
      await runTask("trade:affirm", { ...args, ticketId: "3" });
      const only = "cannot be affirmed \\(only a Proposed ticket can\\)";
      await expectTaskError(
        "trade:affirm",
        { ...args, ticketId: "1" },
        new RegExp(`ticket #1 ${only}: it is already settled`),
        watched,
      );
      await expectTaskError(
        "trade:affirm",
        { ...args, ticketId: "2" },
        new RegExp(`ticket #2 ${only}: it was cancelled`),
        watched,
      );
      await expectTaskError(
        "trade:affirm",
        { ...args, ticketId: "3" },
        new RegExp(`ticket #3 ${only}: it is already affirmed \\(Ready\\) and waits for the next batch run`),
        watched,
      );
      await time.increaseTo((await f.dvpSettlement.ticketOf(4n)).expiry);
      await expectTaskError(
        "trade:affirm",
        { ...args, ticketId: "4" },
        /ticket #4 expired at .* \(now\): it can no longer be affirmed, only cancelled \(trade:cancel 4\)/,
        watched,
      );
    });

    it("refuses a leg the token would restrict, naming the leg and the rule", async () => {
      const f = await loadFixture(tradeFixture);
      await propose(f);
      await f.securityToken.connect(f.agent).setAddressFrozen(f.seller.address, true);
      const { message } = await expectTaskError(
        "trade:affirm",
        { deployment: f.deployment, from: f.buyer.address, ticketId: "1" },
        /ticket #1 cannot settle now: asset leg/,
        [f.seller.address, f.buyer.address],
      );
      expect(message).to.equal(
        `ticket #1 cannot settle now: asset leg (100 SZPH from the seller ${f.seller.address} to the buyer ${f.buyer.address}): ` +
          `restriction 2 "Sender or recipient wallet is frozen"; nothing was sent`,
      );
      expect((await f.dvpSettlement.ticketOf(1n)).status).to.equal(Status.Proposed);
    });

    it("refuses when a party lost its verification: both legs named", async () => {
      const f = await loadFixture(tradeFixture);
      await propose(f);
      await f.identityRegistry.connect(f.registrar).removeIdentity(f.buyer.address);
      const { message } = await expectTaskError(
        "trade:affirm",
        { deployment: f.deployment, from: f.buyer.address, ticketId: "1" },
        /cannot settle now/,
        [f.seller.address, f.buyer.address],
      );
      expect(message).to.include("asset leg (100 SZPH from the seller");
      expect(message).to.include('): restriction 5 "Recipient is not a verified participant"; cash leg (2500.00 CNYC');
      expect(message).to.include('): restriction 4 "Sender is not a verified participant"; nothing was sent');
    });

    it("refuses a missing approval and a short balance", async () => {
      const f = await loadFixture(tradeFixture);
      await propose(f);
      await propose(f, { cashAmount: "20000" });
      await f.cashToken.connect(f.buyer).approve(f.dvpAddress, cny("100"));
      const watched = [f.seller.address, f.buyer.address];
      const { message } = await expectTaskError(
        "trade:affirm",
        { deployment: f.deployment, from: f.buyer.address, ticketId: "1" },
        /cannot settle now/,
        watched,
      );
      expect(message).to.equal(
        `ticket #1 cannot settle now: cash leg (2500.00 CNYC from the buyer ${f.buyer.address} to the seller ${f.seller.address}): ` +
          `the buyer has approved the DvP contract ${f.dvpAddress} for only 100.00 CNYC (2500.00 CNYC needed: approve it on CNYC first); ` +
          "nothing was sent",
      );
      await f.cashToken.connect(f.buyer).approve(f.dvpAddress, ethers.MaxUint256);
      await expectTaskError(
        "trade:affirm",
        { deployment: f.deployment, from: f.buyer.address, ticketId: "2" },
        /ticket #2 cannot settle now: cash leg \(20000.00 CNYC .*\): restriction 3 "Amount exceeds the sender's unfrozen balance"; nothing was sent$/,
        watched,
      );
    });

    it("refuses while settlement is paused", async () => {
      const f = await loadFixture(tradeFixture);
      await propose(f);
      await f.dvpSettlement.connect(f.guardian).pause();
      await expectTaskError(
        "trade:affirm",
        { deployment: f.deployment, from: f.buyer.address, ticketId: "1" },
        /ticket #1 cannot be affirmed: DvP settlement 0x[0-9a-fA-F]{40} is paused/,
        [f.buyer.address],
      );
    });
  });
});

describe("tasks: trade:cancel", () => {
  it("lets the proposer cancel before expiry, and either party after", async () => {
    const f = await loadFixture(tradeFixture);
    await propose(f);
    await propose(f, { expiry: "1h" });
    const first = await runTask("trade:cancel", { deployment: f.deployment, from: f.seller.address, ticketId: "1" });
    expect(first.text).to.match(
      new RegExp(`^Ticket #1 cancelled by the seller ${f.seller.address} \\(transaction 0x[0-9a-f]{64}\\)\\.$`),
    );
    expect((await f.dvpSettlement.ticketOf(1n)).status).to.equal(Status.Cancelled);
    await time.increaseTo((await f.dvpSettlement.ticketOf(2n)).expiry);
    const second = await runTask("trade:cancel", { deployment: f.deployment, from: f.buyer.address, ticketId: "2" });
    expect(second.text).to.match(/cancelled by the buyer .*: it had expired\.$/);
    expect((await f.dvpSettlement.ticketOf(2n)).status).to.equal(Status.Cancelled);
  });

  it("cancels a Ready ticket when both parties ask; after expiry either party alone", async () => {
    const f = await loadFixture(tradeFixture);
    await propose(f, { deferred: true });
    await runTask("trade:affirm", { deployment: f.deployment, from: f.buyer.address, ticketId: "1" });
    const first = await runTask<{ cancelled: boolean }>("trade:cancel", {
      deployment: f.deployment,
      from: f.seller.address,
      ticketId: "1",
    });
    expect(first.result.cancelled).to.equal(false);
    expect(first.text).to.match(
      /^Cancellation of ticket #1 requested by the seller .*cancelled only when the other party asks too/,
    );
    expect((await f.dvpSettlement.ticketOf(1n)).status).to.equal(Status.Ready);
    const second = await runTask<{ cancelled: boolean }>("trade:cancel", {
      deployment: f.deployment,
      from: f.buyer.address,
      ticketId: "1",
    });
    expect(second.result.cancelled).to.equal(true);
    expect(second.text).to.match(/^Ticket #1 cancelled: both parties asked \(the second, the buyer /);
    expect((await f.dvpSettlement.ticketOf(1n)).status).to.equal(Status.Cancelled);
  });

  it("cancels an expired Ready ticket (affirmed, never settled)", async () => {
    const f = await loadFixture(tradeFixture);
    await propose(f, { deferred: true, expiry: "1h" });
    await runTask("trade:affirm", { deployment: f.deployment, from: f.buyer.address, ticketId: "1" });
    await expectTaskError(
      "trade:cancel",
      { deployment: f.deployment, from: f.outsider.address, ticketId: "1" },
      /ticket #1 is affirmed \(Ready\): only its seller and buyer together may cancel it before it expires/,
      [f.seller.address, f.buyer.address, f.outsider.address],
    );
    await time.increaseTo((await f.dvpSettlement.ticketOf(1n)).expiry);
    await runTask("trade:cancel", { deployment: f.deployment, from: f.buyer.address, ticketId: "1" });
    expect((await f.dvpSettlement.ticketOf(1n)).status).to.equal(Status.Cancelled);
  });

  it("refuses the other party before expiry, a third party after, and closed tickets", async () => {
    const f = await loadFixture(tradeFixture);
    const watched = [f.seller.address, f.buyer.address, f.outsider.address];
    await propose(f); // #1
    await propose(f, { expiry: "1h" }); // #2
    await expectTaskError(
      "trade:cancel",
      { deployment: f.deployment, from: f.buyer.address, ticketId: "1" },
      new RegExp(
        `only the proposer, the seller ${f.seller.address}, may cancel ticket #1 before it expires \\(.*\\); after that either party may; not ${f.buyer.address}`,
      ),
      watched,
    );
    await runTask("trade:affirm", { deployment: f.deployment, from: f.buyer.address, ticketId: "1" });
    await expectTaskError(
      "trade:cancel",
      { deployment: f.deployment, from: f.seller.address, ticketId: "1" },
      /ticket #1 cannot be cancelled: it is already settled/,
      watched,
    );
    await time.increaseTo((await f.dvpSettlement.ticketOf(2n)).expiry);
    await expectTaskError(
      "trade:cancel",
      { deployment: f.deployment, from: f.outsider.address, ticketId: "2" },
      new RegExp(`only the seller or the buyer may cancel expired ticket #2, not ${f.outsider.address}`),
      watched,
    );
    await runTask("trade:cancel", { deployment: f.deployment, from: f.seller.address, ticketId: "2" });
    await expectTaskError(
      "trade:cancel",
      { deployment: f.deployment, from: f.seller.address, ticketId: "2" },
      /ticket #2 cannot be cancelled: it is already cancelled/,
      watched,
    );
    await expectTaskError(
      "trade:cancel",
      { deployment: f.deployment, from: f.seller.address, ticketId: "3" },
      /^no ticket #3: tickets are #1 to #2$/,
      watched,
    );
  });
});

describe("tasks: trade:show", () => {
  it("shows a ticket's terms in words and whether its legs would settle now", async () => {
    const f = await loadFixture(tradeFixture);
    await propose(f, { reference: "Order 2026/001" });
    const { result, text, lines } = await runTask<{ status: string; legs: { leg: string; ok: boolean }[] }>(
      "trade:show",
      { deployment: f.deployment, ticketId: "1" },
    );
    expect(result.status).to.equal("Proposed");
    expect(result.legs.map((l) => [l.leg, l.ok])).to.deep.equal([
      ["asset", true],
      ["cash", true],
    ]);
    expect(lines[0]).to.equal(`Ticket #1: Proposed: waiting for the buyer ${f.buyer.address} to affirm`);
    expect(text).to.include(`seller:      ${f.seller.address}: delivers the asset, receives the cash`);
    expect(text).to.include(`buyer:       ${f.buyer.address}: pays the cash, receives the asset`);
    expect(text).to.include("proposer:    the seller; affirming party: the buyer");
    expect(text).to.include(`asset leg:   100 SZPH (security-token ${f.assetAddress}), seller -> buyer`);
    expect(text).to.include(`cash leg:    2500.00 CNYC (cash-token ${f.cashAddress}), buyer -> seller`);
    expect(text).to.include("fee now:     none (0 bps (0.00%))");
    expect(text).to.include("settlement:  at the affirmation");
    expect(text).to.match(/expiry: +.* UTC \(in 23 h 59 min \d+ s\)/);
    expect(text).to.include('reference:   "Order 2026/001"');
    expect(text).to.match(/ {4}asset +OK +no restriction/);
    expect(text).to.match(/ {4}cash +OK +no restriction/);

    await f.securityToken.connect(f.agent).setAddressFrozen(f.buyer.address, true);
    const restricted = await runTask<{ legs: { leg: string; ok: boolean }[] }>("trade:show", {
      deployment: f.deployment,
      ticketId: "1",
    });
    expect(restricted.result.legs.map((l) => l.ok)).to.deep.equal([false, true]);
    expect(restricted.text).to.include('    asset  FAIL restriction 2 "Sender or recipient wallet is frozen"');

    await f.cashToken.connect(f.buyer).approve(f.dvpAddress, 0n);
    const unapproved = await runTask("trade:show", { deployment: f.deployment, ticketId: "1" });
    expect(unapproved.text).to.include(
      `    cash   FAIL no restriction; the buyer has approved the DvP contract ${f.dvpAddress} for only 0.00 CNYC (2500.00 CNYC needed`,
    );
  });

  it("shows a settled ticket without checking its legs, and an expired one as cancellable", async () => {
    const f = await loadFixture(tradeFixture);
    await propose(f);
    await propose(f, { from: f.buyer.address, expiry: "1h", deferred: true });
    await runTask("trade:affirm", { deployment: f.deployment, from: f.buyer.address, ticketId: "1" });
    const settled = await runTask("trade:show", { deployment: f.deployment, ticketId: "1" });
    expect(settled.lines[0]).to.equal("Ticket #1: Settled");
    expect(settled.text).to.include("legs now:    not checked (the ticket is settled)");
    await time.increaseTo((await f.dvpSettlement.ticketOf(2n)).expiry);
    const expired = await runTask("trade:show", { deployment: f.deployment, ticketId: "2" });
    expect(expired.lines[0]).to.equal("Ticket #2: Proposed: expired unaffirmed; either party may cancel it");
    expect(expired.text).to.include("proposer:    the buyer; affirming party: the seller");
    expect(expired.text).to.include("settlement:  deferred (batch run after the affirmation)");
    expect(expired.text).to.match(/expiry: +.* \(now\): expired/);
  });

  it("refuses an unknown or malformed ticket number", async () => {
    const f = await loadFixture(tradeFixture);
    await expectTaskError(
      "trade:show",
      { deployment: f.deployment, ticketId: "1" },
      /no ticket #1: no trade has been proposed yet/,
    );
    await expectTaskError("trade:show", { deployment: f.deployment, ticketId: "one" }, /"one" is not a ticket number/);
  });
});

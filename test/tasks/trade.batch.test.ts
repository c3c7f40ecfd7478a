import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { expectTaskError, runTask, tasksFixture } from "./helpers";

const ONE_YEAR = 365 * 24 * 60 * 60;
const Status = { Ready: 2n, Settled: 3n } as const;

/**
 * Four verified traders (#8 A, #9 B, #10 C, #11 D) holding shares and cash, all approved; five
 * deferred tickets affirmed (Ready) in the cash token: A->B 10 for 100.00, B->C 5 for 60.00,
 * C->A 8 for 90.00, D->B 3 for 30.00, A->D 4 for 45.00 (seller -> buyer).
 */
async function batchFixture() {
  const f = await tasksFixture();
  const [a, b, c, d, outsider] = f.others;
  const dvpAddress = await f.dvpSettlement.getAddress();
  const expiry = (await time.latest()) + ONE_YEAR;
  for (const [i, w] of [a, b, c, d].entries()) {
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(w.address, ethers.id(`entity:T${i}`), Country.CN, expiry, Attr.INVESTOR);
    await f.securityToken.connect(f.agent).mint(w.address, 100n);
    await f.cashToken.connect(f.cashIssuer).mint(w.address, 100_000n);
    await f.securityToken.connect(w).approve(dvpAddress, ethers.MaxUint256);
    await f.cashToken.connect(w).approve(dvpAddress, ethers.MaxUint256);
  }
  const trades = [
    [a, b, 10n, 10_000n],
    [b, c, 5n, 6_000n],
    [c, a, 8n, 9_000n],
    [d, b, 3n, 3_000n],
    [a, d, 4n, 4_500n],
  ] as const;
  const tradeExpiry = (await time.latest()) + 24 * 3600;
  for (const [seller, buyer, assetAmount, cashAmount] of trades) {
    await f.dvpSettlement.connect(seller).propose({
      seller: seller.address,
      buyer: buyer.address,
      asset: await f.securityToken.getAddress(),
      assetAmount,
      cash: await f.cashToken.getAddress(),
      cashAmount,
      expiry: tradeExpiry,
      clientReference: ethers.ZeroHash,
      deferred: true,
    });
    await f.dvpSettlement.connect(buyer).affirm(await f.dvpSettlement.ticketCount());
  }
  return { ...f, a, b, c, d, outsider };
}

describe("tasks: trade:ready and trade:settle-batch", () => {
  it("trade:ready --json lists every Ready ticket and whether it settles now", async () => {
    const f = await loadFixture(batchFixture);
    await f.cashToken.connect(f.cashIssuer).setAddressFrozen(f.d.address, true);
    const { result, text } = await runTask<{ tickets: { ticketId: bigint; settleable: boolean }[] }>("trade:ready", {
      deployment: f.deployment,
      json: true,
    });
    expect(result.tickets.map((t) => [t.ticketId, t.settleable])).to.deep.equal([
      [1n, true],
      [2n, true],
      [3n, true],
      [4n, false],
      [5n, false],
    ]);
    const parsed = JSON.parse(text);
    expect(parsed.tickets[3].problems[0]).to.match(/cash leg .*restriction 2/);
    const plain = await runTask("trade:ready", { deployment: f.deployment, json: false });
    expect(plain.text).to.match(/^5 Ready ticket\(s\):/);
    expect(plain.text).to.match(/#4 .* STALLED: /);
  });

  it("--dry-run shows the net transfers and the saving; nothing is sent", async () => {
    const f = await loadFixture(batchFixture);
    const block = await ethers.provider.getBlockNumber();
    const { result, text } = await runTask<{ batches: { cashTransfers: number; grossCashTransfers: number }[] }>(
      "trade:settle-batch",
      { deployment: f.deployment, dryRun: true, gross: false, json: false },
    );
    expect(result.batches[0].grossCashTransfers).to.equal(5);
    expect(result.batches[0].cashTransfers).to.be.lessThan(5);
    expect(text).to.match(/5 gross cash transfer\(s\), \d netted \(saves \d\)/);
    expect(text).to.match(/Dry run: nothing was sent\./);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("settles netted, leaving out (and keeping Ready) a stalled ticket; balances equal gross settlement", async () => {
    const f = await loadFixture(batchFixture);
    await f.securityToken.connect(f.d).approve(await f.dvpSettlement.getAddress(), 0n); // D stalls ticket #4
    const { result, text } = await runTask<{ leftOut: { ticketId: bigint }[]; batches: { transactionHash: string }[] }>(
      "trade:settle-batch",
      { deployment: f.deployment, dryRun: false, gross: false, json: false },
    );
    expect(result.leftOut.map((l) => l.ticketId)).to.deep.equal([4n]);
    expect(text).to.match(
      /Ticket #4 left out \(stalled; kept Ready\): asset leg .*approved the DvP contract .* for only 0/,
    );
    for (const id of [1n, 2n, 3n, 5n]) expect((await f.dvpSettlement.ticketOf(id)).status).to.equal(Status.Settled);
    expect((await f.dvpSettlement.ticketOf(4n)).status).to.equal(Status.Ready);
    // Net cash: A +100 -90 +45 = +55, B -100 +60 = -40, C -60 +90 = +30, D +0 (stalled) -45 = -45.
    expect(await f.cashToken.balanceOf(f.a.address)).to.equal(100_000n + 5_500n);
    expect(await f.cashToken.balanceOf(f.b.address)).to.equal(100_000n - 4_000n);
    expect(await f.cashToken.balanceOf(f.c.address)).to.equal(100_000n + 3_000n);
    expect(await f.cashToken.balanceOf(f.d.address)).to.equal(100_000n - 4_500n);
  });

  it("--gross settles with settleBatch; --ids picks tickets and reports ones that are not Ready", async () => {
    const f = await loadFixture(batchFixture);
    const { result, text } = await runTask<{ netted: boolean; leftOut: { ticketId: bigint; reason: string }[] }>(
      "trade:settle-batch",
      { deployment: f.deployment, ids: "1,#2,9", dryRun: false, gross: true, json: true },
    );
    expect(result.netted).to.equal(false);
    expect(result.leftOut).to.deep.equal([{ ticketId: 9n, reason: "no ticket #9" }]);
    expect(JSON.parse(text).batches[0].ticketIds).to.deep.equal(["1", "2"]);
    expect((await f.dvpSettlement.ticketOf(1n)).status).to.equal(Status.Settled);
    expect((await f.dvpSettlement.ticketOf(3n)).status).to.equal(Status.Ready);
  });

  it("refuses bad --ids and a run with nothing to settle, before sending", async () => {
    const f = await loadFixture(batchFixture);
    const base = { deployment: f.deployment, dryRun: false, gross: false, json: false };
    await expectTaskError("trade:settle-batch", { ...base, ids: "1,x" }, /"x" is not a ticket number/);
    await expectTaskError("trade:settle-batch", { ...base, ids: "1,1" }, /--ids: a ticket is listed twice/);
    await time.increaseTo((await f.dvpSettlement.ticketOf(1n)).expiry);
    const { text } = await expectTaskError("trade:settle-batch", base, /no ticket would settle now: nothing to send/);
    expect(text).to.match(/Ticket #1 left out \(stalled; kept Ready\): expired at .*either party may cancel it/);
  });
});

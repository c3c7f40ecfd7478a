import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Leg, Status, deployOrdersFixture } from "../fixtures/settlement";

/**
 * Four participants, five Ready tickets in one cash token:
 *   #1 seller  -> buyer   10 shares for 1,000     #2 seller2 -> buyer2 20 for 2,000
 *   #3 buyer   -> seller2  5 shares for   600     #4 seller  -> buyer2  8 for   900
 *   #5 buyer2  -> buyer    3 shares for   300
 * (the buyers got shares first, from fixture mints below). Net cash: seller +1,900,
 * seller2 +1,400, buyer -700, buyer2 -2,600: two payers, two receivers, at most 3 transfers
 * instead of 5.
 */
async function nettingFixture() {
  const f = await deployOrdersFixture();
  const { securityToken, cashToken, agent, cashIssuer, seller, seller2, buyer, buyer2, dvp } = f;
  for (const s of [buyer, buyer2]) await securityToken.connect(agent).mint(s.address, 50n);
  for (const s of [seller, seller2]) await cashToken.connect(cashIssuer).mint(s.address, 10_000n);
  const trades: [typeof seller, typeof seller, bigint, bigint][] = [
    [seller, buyer, 10n, 1_000n],
    [seller2, buyer2, 20n, 2_000n],
    [buyer, seller2, 5n, 600n],
    [seller, buyer2, 8n, 900n],
    [buyer2, buyer, 3n, 300n],
  ];
  const ids: bigint[] = [];
  for (const [from, to, assetAmount, cashAmount] of trades) {
    const id = await f.propose(from, {
      seller: from.address,
      buyer: to.address,
      assetAmount,
      cashAmount,
      deferred: true,
    });
    await dvp.connect(to).affirm(id);
    ids.push(id);
  }
  const parties = [seller, seller2, buyer, buyer2, f.feeCollector];
  const balances = async () => {
    const out: bigint[] = [];
    for (const p of parties) out.push(await securityToken.balanceOf(p.address), await cashToken.balanceOf(p.address));
    return out;
  };
  return { ...f, ids, parties, balances };
}

describe("DvPSettlement netted settlement", function () {
  it("settleNetted moves the same final balances as settleBatch (gross), with fewer cash transfers", async function () {
    const { dvp, ids, balances } = await loadFixture(nettingFixture);
    await dvp.settleBatch(ids);
    const gross = await balances();

    const f = await loadFixture(nettingFixture);
    const tx = f.dvp.settleNetted(f.ids);
    await expect(tx).to.emit(f.dvp, "NettedBatchSettled").withArgs(f.cashAddress, 5n, 3n);
    for (const id of f.ids) await expect(tx).to.emit(f.dvp, "TradeSettled").withArgs(id, 0n);
    await expect(tx).to.changeTokenBalances(
      f.cashToken,
      [f.seller, f.seller2, f.buyer, f.buyer2],
      [1_900n, 1_400n, -700n, -2_600n],
    );
    expect(await f.balances()).to.deep.equal(gross);
    for (const id of f.ids) expect((await f.dvp.ticketOf(id)).status).to.equal(BigInt(Status.Settled));
    const receipt = await (await tx).wait();
    const cashTransfers = receipt!.logs.filter(
      (l) => l.address === f.cashAddress && l.topics[0] === f.cashToken.interface.getEvent("Transfer").topicHash,
    );
    expect(cashTransfers.length).to.equal(3);
  });

  it("fees are netted too: the recipient receives the sum of the tickets' rounded-up fees", async function () {
    const f = await loadFixture(nettingFixture);
    await f.dvp.connect(f.timelockSigner).setFee(f.feeCollector.address, 25);
    let fees = 0n;
    for (const id of f.ids) fees += await f.dvp.feeFor((await f.dvp.ticketOf(id)).cashAmount);
    await expect(f.dvp.settleNetted(f.ids)).to.changeTokenBalance(f.cashToken, f.feeCollector, fees);
  });

  it("a ticket in another cash token reverts MixedCash(id); nothing moves", async function () {
    const f = await loadFixture(nettingFixture);
    const plain = await (await ethers.getContractFactory("BaselineERC20")).deploy();
    const id = await f.propose(f.seller, { cash: await plain.getAddress(), deferred: true });
    await f.dvp.connect(f.buyer).affirm(id);
    const before = await f.balances();
    await expect(f.dvp.settleNetted([...f.ids, id]))
      .to.be.revertedWithCustomError(f.dvp, "MixedCash")
      .withArgs(id);
    expect(await f.balances()).to.deep.equal(before);
  });

  it("all or none: a restricted asset leg, a cash payer that cannot pay, a non-Ready or expired ticket revert the batch", async function () {
    const f = await loadFixture(nettingFixture);
    const { dvp, cashToken, securityToken, cashIssuer, agent, ids } = f;
    const before = await f.balances();
    await securityToken.connect(agent).setAddressFrozen(f.seller2.address, true);
    await expect(dvp.settleNetted(ids)).to.be.revertedWithCustomError(dvp, "LegRestricted").withArgs(Leg.Asset, 2);
    await securityToken.connect(agent).setAddressFrozen(f.seller2.address, false);
    await cashToken.connect(cashIssuer).setAddressFrozen(f.buyer2.address, true);
    await expect(dvp.settleNetted(ids)).to.be.revertedWithCustomError(dvp, "LegRestricted").withArgs(Leg.Cash, 2);
    await cashToken.connect(cashIssuer).setAddressFrozen(f.buyer2.address, false);
    expect(await f.balances()).to.deep.equal(before);
    await expect(dvp.settleNetted([ids[0], 999n]))
      .to.be.revertedWithCustomError(dvp, "UnknownTicket")
      .withArgs(999n);
    await expect(dvp.settleNetted([])).to.be.revertedWithCustomError(dvp, "EmptyBatch");
    await dvp.settleNetted([ids[0]]);
    await expect(dvp.settleNetted([ids[1], ids[0]]))
      .to.be.revertedWithCustomError(dvp, "InvalidTicketStatus")
      .withArgs(ids[0], Status.Settled);
    const expiry = (await dvp.ticketOf(ids[1])).expiry;
    await time.increaseTo(expiry);
    await expect(dvp.settleNetted([ids[1]]))
      .to.be.revertedWithCustomError(dvp, "TicketExpired")
      .withArgs(ids[1], expiry);
  });

  it("reverts EnforcedPause while paused", async function () {
    const f = await loadFixture(nettingFixture);
    await f.dvp.connect(f.guardian).pause();
    await expect(f.dvp.settleNetted(f.ids)).to.be.revertedWithCustomError(f.dvp, "EnforcedPause");
  });

  it("a cash token calling back into settleNetted is stopped (ReentrancyGuardReentrantCall)", async function () {
    const f = await loadFixture(nettingFixture);
    const evil = await (await ethers.getContractFactory("ReenteringERC20")).deploy();
    await evil.mint(f.buyer.address, 10_000n);
    await evil.connect(f.buyer).approve(f.dvpAddress, ethers.MaxUint256);
    const id = await f.propose(f.seller, { cash: await evil.getAddress(), deferred: true });
    await f.dvp.connect(f.buyer).affirm(id);
    await evil.arm(f.dvpAddress, f.dvp.interface.encodeFunctionData("settleNetted", [[id]]));
    await expect(f.dvp.settleNetted([id])).to.be.revertedWithCustomError(f.dvp, "ReentrancyGuardReentrantCall");
  });
});

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTokenFixture } from "../fixtures/token";

const DAY = 24 * 60 * 60;

/** The token fixture with alice 100, bob 50 and `agent` also holding RECORD_ROLE. */
async function recordsFixture() {
  const f = await deployTokenFixture();
  await f.token.grantRole(await f.token.RECORD_ROLE(), f.agent.address);
  await f.token.connect(f.agent).mint(f.alice.address, 100);
  await f.token.connect(f.agent).mint(f.bob.address, 50);
  return f;
}

describe("SecurityToken record-time balances", function () {
  describe("scheduleRecordTime", function () {
    it("keeps pending times sorted, schedules a time once, and emits RecordTimeScheduled", async function () {
      const { token, agent } = await loadFixture(recordsFixture);
      const now = await time.latest();
      await expect(token.connect(agent).scheduleRecordTime(now + 3 * DAY))
        .to.emit(token, "RecordTimeScheduled")
        .withArgs(now + 3 * DAY);
      await token.connect(agent).scheduleRecordTime(now + DAY);
      await token.connect(agent).scheduleRecordTime(now + 2 * DAY);
      await expect(token.connect(agent).scheduleRecordTime(now + DAY)).to.not.emit(token, "RecordTimeScheduled");
      expect(await token.pendingRecordTimes()).to.deep.equal([now + DAY, now + 2 * DAY, now + 3 * DAY].map(BigInt));
    });

    it("reverts with RecordTimeNotInFuture for a time not after the block or beyond 2^32 - 1", async function () {
      const { token, agent } = await loadFixture(recordsFixture);
      const now = await time.latest();
      await expect(token.connect(agent).scheduleRecordTime(now))
        .to.be.revertedWithCustomError(token, "RecordTimeNotInFuture")
        .withArgs(now);
      await expect(token.connect(agent).scheduleRecordTime(2n ** 32n))
        .to.be.revertedWithCustomError(token, "RecordTimeNotInFuture")
        .withArgs(2n ** 32n);
    });

    it("reverts with RecordTimeLimit beyond 32 pending times; passed times free their places", async function () {
      const { token, agent, alice, bob } = await loadFixture(recordsFixture);
      const now = await time.latest();
      for (let i = 1; i <= 32; ++i) await token.connect(agent).scheduleRecordTime(now + i * 100);
      await expect(token.connect(agent).scheduleRecordTime(now + 5_000)).to.be.revertedWithCustomError(
        token,
        "RecordTimeLimit",
      );
      await time.increaseTo(now + 150);
      // Scheduling passes the past ones first.
      await token.connect(agent).scheduleRecordTime(now + 5_000);
      expect(await token.passedRecordCount()).to.equal(1);
      expect((await token.pendingRecordTimes()).length).to.equal(32);
      await token.connect(alice).transfer(bob.address, 1);
      expect(await token.balanceAtRecord(alice.address, now + 100)).to.equal(100);
    });

    it("reverts with AccessControlUnauthorizedAccount without RECORD_ROLE", async function () {
      const { token, alice } = await loadFixture(recordsFixture);
      await expect(token.connect(alice).scheduleRecordTime((await time.latest()) + DAY))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, await token.RECORD_ROLE());
    });
  });

  describe("balanceAtRecord and totalSupplyAtRecord", function () {
    it("reverts with RecordTimeNotPassed until the record time is strictly past, and UnknownRecordTime for an unscheduled time", async function () {
      const { token, agent, alice } = await loadFixture(recordsFixture);
      const recordTime = (await time.latest()) + DAY;
      await token.connect(agent).scheduleRecordTime(recordTime);
      await expect(token.balanceAtRecord(alice.address, recordTime))
        .to.be.revertedWithCustomError(token, "RecordTimeNotPassed")
        .withArgs(recordTime);
      await time.increaseTo(recordTime + 1);
      expect(await token.balanceAtRecord(alice.address, recordTime)).to.equal(100);
      await expect(token.totalSupplyAtRecord(recordTime - 1))
        .to.be.revertedWithCustomError(token, "UnknownRecordTime")
        .withArgs(recordTime - 1);
    });

    it("a move in the record time's own block counts before the record; the first move after it passes the point once", async function () {
      const { token, agent, alice, bob, carol } = await loadFixture(recordsFixture);
      const recordTime = (await time.latest()) + DAY;
      await token.connect(agent).scheduleRecordTime(recordTime);
      await time.setNextBlockTimestamp(recordTime);
      await token.connect(alice).transfer(carol.address, 10);
      expect(await token.passedRecordCount()).to.equal(0);
      await expect(token.connect(alice).transfer(bob.address, 20))
        .to.emit(token, "RecordTimePassed")
        .withArgs(recordTime, 0, 150);
      await expect(token.connect(alice).transfer(bob.address, 5)).to.not.emit(token, "RecordTimePassed");
      expect(await token.passedRecordCount()).to.equal(1);
      expect(await token.pendingRecordTimes()).to.deep.equal([]);
      expect(await token.balanceAtRecord(alice.address, recordTime)).to.equal(90);
      expect(await token.balanceAtRecord(bob.address, recordTime)).to.equal(50);
      expect(await token.balanceAtRecord(carol.address, recordTime)).to.equal(10);
      expect(await token.totalSupplyAtRecord(recordTime)).to.equal(150);
      expect(await token.balanceOf(alice.address)).to.equal(65);
    });

    it("keeps balances and supply across mints, burns, forced moves, recoveries and several record times", async function () {
      const { token, agent, registry, registrar, alice, alice2, bob, carol } = await loadFixture(recordsFixture);
      const t0 = await time.latest();
      const [r1, r2, r3] = [t0 + DAY, t0 + 2 * DAY, t0 + 3 * DAY];
      for (const r of [r3, r1, r2]) await token.connect(agent).scheduleRecordTime(r);
      await time.increaseTo(r1 + 1);
      await token.connect(agent).mint(carol.address, 30); // passes r1
      await token.connect(agent).burn(bob.address, 10);
      await time.increaseTo(r2 + 1);
      await token.connect(agent).forcedTransfer(alice.address, carol.address, 40); // passes r2
      await token.connect(agent).freezePartialTokens(carol.address, 70);
      await token.connect(agent).setAddressFrozen(bob.address, true);
      await time.increaseTo(r3 + 1);
      await token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress); // passes r3
      // A registry update of a cached record keeps the record-time bookkeeping.
      const expiry = (await time.latest()) + 365 * DAY;
      await registry.connect(registrar).updateIdentity(alice2.address, 156, expiry, 1);
      await token.connect(alice2).transfer(carol.address, 0);
      expect(await token.passedRecordCount()).to.equal(3);
      const at = async (wallet: string, r: number) => Number(await token.balanceAtRecord(wallet, r));
      expect([await at(alice.address, r1), await at(alice.address, r2), await at(alice.address, r3)]).to.deep.equal([
        100, 100, 60,
      ]);
      expect([await at(alice2.address, r1), await at(alice2.address, r3)]).to.deep.equal([0, 0]);
      expect(await token.balanceOf(alice2.address)).to.equal(60);
      expect([await at(bob.address, r1), await at(bob.address, r2), await at(bob.address, r3)]).to.deep.equal([
        50, 40, 40,
      ]);
      // Frozen tokens count: they are balance.
      expect([await at(carol.address, r1), await at(carol.address, r2), await at(carol.address, r3)]).to.deep.equal([
        0, 30, 70,
      ]);
      expect(await token.totalSupplyAtRecord(r1)).to.equal(150);
      expect(await token.totalSupplyAtRecord(r2)).to.equal(170);
      expect(await token.totalSupplyAtRecord(r3)).to.equal(170);
      expect(await token.recoveredWallet(alice.address)).to.equal(alice2.address);
      expect(await token.recoveredWallet(alice2.address)).to.equal(ethers.ZeroAddress);
    });

    it("locked tokens count, batch forms keep record-time balances too", async function () {
      const { token, agent, alice, bob, carol } = await loadFixture(recordsFixture);
      const t0 = await time.latest();
      await token.connect(agent).mintLocked(carol.address, 25, t0 + 10 * DAY);
      await token.connect(agent).scheduleRecordTime(t0 + DAY);
      await time.increaseTo(t0 + DAY + 1);
      await token.connect(agent).batchMint([carol.address], [5]);
      await token.connect(agent).batchBurn([alice.address], [10]);
      await token.connect(agent).batchForcedTransfer([bob.address], [carol.address], [50]);
      await token.connect(alice).batchTransfer([bob.address], [30]);
      expect(await token.balanceAtRecord(carol.address, t0 + DAY)).to.equal(25);
      expect(await token.balanceAtRecord(alice.address, t0 + DAY)).to.equal(100);
      expect(await token.balanceAtRecord(bob.address, t0 + DAY)).to.equal(50);
      expect(await token.totalSupplyAtRecord(t0 + DAY)).to.equal(175);
      expect(await token.balanceOf(bob.address)).to.equal(30);
    });

    it("a record time passed but still pending reads current balances and supply", async function () {
      const { token, agent, alice } = await loadFixture(recordsFixture);
      const recordTime = (await time.latest()) + DAY;
      await token.connect(agent).scheduleRecordTime(recordTime);
      await time.increaseTo(recordTime + 5);
      expect(await token.passedRecordCount()).to.equal(0);
      expect(await token.balanceAtRecord(alice.address, recordTime)).to.equal(100);
      expect(await token.totalSupplyAtRecord(recordTime)).to.equal(150);
    });

    it("pausing still works with the pause kept in the config's rule byte", async function () {
      const { token, guardian, admin, alice, bob, compliance } = await loadFixture(recordsFixture);
      await token.connect(compliance).setCountryRestriction(true);
      await token.connect(compliance).setCountryRestriction(false);
      await token.connect(guardian).pause();
      expect(await token.paused()).to.equal(true);
      expect(await token.countryRestricted()).to.equal(false);
      await token.connect(admin).unpause();
      await token.connect(alice).transfer(bob.address, 1);
      expect(await token.balanceOf(bob.address)).to.equal(51);
    });
  });
});

import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { DAY, NOTICE_HASH, NOTICE_URI, deployActionsFixture, terms } from "../fixtures/actions";
import { entity } from "../fixtures/token";

type Fixture = Awaited<ReturnType<typeof deployActionsFixture>>;

/** Announces a distribution with `terms` overrides; returns its id and terms. */
async function announce(f: Fixture, overrides: Parameters<typeof terms>[2] = {}) {
  const t = await terms(await f.token.getAddress(), await f.cash.getAddress(), overrides);
  await f.actions.connect(f.payer).announce(t);
  return { id: await f.actions.distributionCount(), t };
}

/** A distribution whose payment window is open (record time passed, alice 100 and bob 50 at it). */
async function openFixture() {
  const f = await deployActionsFixture();
  const { id, t } = await announce(f);
  await time.increaseTo(t.paymentStart);
  return { ...f, id, t };
}

describe("CorporateActions", function () {
  describe("initialize and administration", function () {
    it("reverts with ZeroAddress for a zero admin; gives the deployer no role", async function () {
      const factory = await ethers.getContractFactory("CorporateActions");
      await expect(upgrades.deployProxy(factory, [ethers.ZeroAddress], { kind: "uups" })).to.be.revertedWithCustomError(
        factory,
        "ZeroAddress",
      );
      const { actions, admin, payer } = await loadFixture(deployActionsFixture);
      expect(await actions.hasRole(await actions.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await actions.hasRole(await actions.DEFAULT_ADMIN_ROLE(), payer.address)).to.equal(false);
    });

    it("setRedemptionObserver: admin only, emits RedemptionObserverSet", async function () {
      const { actions, admin, payer } = await loadFixture(deployActionsFixture);
      await expect(actions.connect(payer).setRedemptionObserver(payer.address))
        .to.be.revertedWithCustomError(actions, "AccessControlUnauthorizedAccount")
        .withArgs(payer.address, await actions.DEFAULT_ADMIN_ROLE());
      await expect(actions.connect(admin).setRedemptionObserver(payer.address))
        .to.emit(actions, "RedemptionObserverSet")
        .withArgs(payer.address);
      expect(await actions.redemptionObserver()).to.equal(payer.address);
    });

    it("upgradeToAndCall: admin only", async function () {
      const { actions, admin, payer } = await loadFixture(deployActionsFixture);
      const next = await ethers.deployContract("CorporateActions");
      await expect(actions.connect(payer).upgradeToAndCall(await next.getAddress(), "0x"))
        .to.be.revertedWithCustomError(actions, "AccessControlUnauthorizedAccount")
        .withArgs(payer.address, await actions.DEFAULT_ADMIN_ROLE());
      await actions.connect(admin).upgradeToAndCall(await next.getAddress(), "0x");
      expect(await upgrades.erc1967.getImplementationAddress(await actions.getAddress())).to.equal(
        await next.getAddress(),
      );
    });

    it("paying agents are per asset: an agent of one asset has no power over another", async function () {
      const f = await loadFixture(deployActionsFixture);
      const other = await ethers.deployContract("BaselineERC20");
      expect(await f.actions.payingAgentRole(await f.token.getAddress())).to.not.equal(
        await f.actions.payingAgentRole(await other.getAddress()),
      );
      const t = await terms(await other.getAddress(), await f.cash.getAddress());
      await expect(f.actions.connect(f.payer).announce(t))
        .to.be.revertedWithCustomError(f.actions, "AccessControlUnauthorizedAccount")
        .withArgs(f.payer.address, await f.actions.payingAgentRole(await other.getAddress()));
    });
  });

  describe("announce", function () {
    it("escrows the amount, schedules the record time and stores the terms", async function () {
      const f = await loadFixture(deployActionsFixture);
      const t = await terms(await f.token.getAddress(), await f.cash.getAddress());
      await expect(f.actions.connect(f.payer).announce(t))
        .to.emit(f.actions, "DistributionAnnounced")
        .withArgs(1, t.asset, t.cashToken, 0, t.recordTime, t.paymentStart, t.claimDeadline, NOTICE_URI, NOTICE_HASH)
        .and.to.emit(f.actions, "DistributionFunded")
        .withArgs(1, f.payer.address, 15_000, 15_000)
        .and.to.emit(f.token, "RecordTimeScheduled")
        .withArgs(t.recordTime);
      expect(await f.cash.balanceOf(await f.actions.getAddress())).to.equal(15_000);
      const d = await f.actions.distribution(1);
      expect([d.asset, d.cashToken, d.recordTime, d.funded, d.paid, d.noticeUri]).to.deep.equal([
        t.asset,
        t.cashToken,
        BigInt(t.recordTime),
        15_000n,
        0n,
        NOTICE_URI,
      ]);
      expect(await f.token.pendingRecordTimes()).to.deep.equal([BigInt(t.recordTime)]);
    });

    it("reverts with AccessControlUnauthorizedAccount for a caller without the asset's paying agent role", async function () {
      const f = await loadFixture(deployActionsFixture);
      const t = await terms(await f.token.getAddress(), await f.cash.getAddress());
      for (const caller of [f.admin, f.agent, f.alice]) {
        await expect(f.actions.connect(caller).announce(t))
          .to.be.revertedWithCustomError(f.actions, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, await f.actions.payingAgentRole(t.asset));
      }
    });

    it("reverts with ZeroAddress, ZeroAmount, EmptyNotice, InvalidSchedule and InsufficientFunding", async function () {
      const f = await loadFixture(deployActionsFixture);
      const asset = await f.token.getAddress();
      const cash = await f.cash.getAddress();
      const a = f.actions.connect(f.payer);
      await expect(a.announce(await terms(asset, ethers.ZeroAddress))).to.be.revertedWithCustomError(
        f.actions,
        "ZeroAddress",
      );
      await expect(a.announce(await terms(asset, cash, { amount: 0n }))).to.be.revertedWithCustomError(
        f.actions,
        "ZeroAmount",
      );
      await expect(a.announce(await terms(asset, cash, { noticeUri: "" }))).to.be.revertedWithCustomError(
        f.actions,
        "EmptyNotice",
      );
      await expect(a.announce(await terms(asset, cash, { noticeHash: ethers.ZeroHash }))).to.be.revertedWithCustomError(
        f.actions,
        "EmptyNotice",
      );
      const now = await time.latest();
      for (const [r, p, d] of [
        [now, now + DAY, now + 2 * DAY],
        [now + DAY, now + DAY, now + 2 * DAY],
        [now + DAY, now + 2 * DAY, now + 2 * DAY],
      ]) {
        await expect(a.announce(await terms(asset, cash, { recordTime: r, paymentStart: p, claimDeadline: d })))
          .to.be.revertedWithCustomError(f.actions, "InvalidSchedule")
          .withArgs(r, p, d);
      }
      // 1.00 per share on 150 shares needs 150.00.
      await expect(a.announce(await terms(asset, cash, { amountPerUnit: 100n, amount: 14_999n })))
        .to.be.revertedWithCustomError(f.actions, "InsufficientFunding")
        .withArgs(15_000, 14_999);
    });

    it("reverts when the asset has not granted the contract RECORD_ROLE", async function () {
      const f = await loadFixture(deployActionsFixture);
      await f.token.revokeRole(await f.token.RECORD_ROLE(), await f.actions.getAddress());
      await expect(
        f.actions.connect(f.payer).announce(await terms(await f.token.getAddress(), await f.cash.getAddress())),
      )
        .to.be.revertedWithCustomError(f.token, "AccessControlUnauthorizedAccount")
        .withArgs(await f.actions.getAddress(), await f.token.RECORD_ROLE());
    });
  });

  describe("fund", function () {
    it("adds to the escrow before the payment start; DistributionFunded", async function () {
      const f = await loadFixture(deployActionsFixture);
      const { id } = await announce(f);
      await expect(f.actions.connect(f.payer).fund(id, 500))
        .to.emit(f.actions, "DistributionFunded")
        .withArgs(id, f.payer.address, 500, 15_500);
      expect((await f.actions.distribution(id)).funded).to.equal(15_500);
    });

    it("reverts with UnknownDistribution, ZeroAmount, FundingClosed and for a non-agent", async function () {
      const f = await loadFixture(deployActionsFixture);
      const { id, t } = await announce(f);
      await expect(f.actions.connect(f.payer).fund(9, 1))
        .to.be.revertedWithCustomError(f.actions, "UnknownDistribution")
        .withArgs(9);
      await expect(f.actions.connect(f.payer).fund(id, 0)).to.be.revertedWithCustomError(f.actions, "ZeroAmount");
      await expect(f.actions.connect(f.alice).fund(id, 1))
        .to.be.revertedWithCustomError(f.actions, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, await f.actions.payingAgentRole(t.asset));
      await time.increaseTo(t.paymentStart);
      await expect(f.actions.connect(f.payer).fund(id, 1))
        .to.be.revertedWithCustomError(f.actions, "FundingClosed")
        .withArgs(id, t.paymentStart);
    });
  });

  describe("claim", function () {
    it("pays pro rata to the balance at the record time, not the current balance", async function () {
      const f = await loadFixture(deployActionsFixture);
      const { id, t } = await announce(f);
      await time.increaseTo(t.recordTime + 1);
      // After the record time: alice's sale does not move her entitlement.
      await f.token.connect(f.alice).transfer(f.carol.address, 60);
      await time.increaseTo(t.paymentStart);
      expect(await f.actions.entitlementOf(id, f.alice.address)).to.equal(10_000);
      expect(await f.actions.entitlementOf(id, f.carol.address)).to.equal(0);
      await expect(f.actions.connect(f.alice).claim(id, f.alice.address))
        .to.emit(f.actions, "DistributionPaid")
        .withArgs(id, f.alice.address, f.alice.address, 10_000);
      expect(await f.cash.balanceOf(f.alice.address)).to.equal(10_000);
      expect(await f.actions.isPaid(id, f.alice.address)).to.equal(true);
      await expect(f.actions.connect(f.carol).claim(id, f.carol.address))
        .to.be.revertedWithCustomError(f.actions, "NothingToClaim")
        .withArgs(id, f.carol.address);
      await expect(f.actions.connect(f.alice).claim(id, f.alice.address))
        .to.be.revertedWithCustomError(f.actions, "AlreadyPaid")
        .withArgs(id, f.alice.address);
    });

    it("pays per unit (decimals of the asset) and needs the escrow to cover the supply at the record time", async function () {
      const f = await loadFixture(deployActionsFixture);
      const { id, t } = await announce(f, { amountPerUnit: 250n, amount: 37_500n });
      // Supply grows before the record time: the escrow no longer covers it.
      await f.token.connect(f.agent).mint(f.carol.address, 10);
      await time.increaseTo(t.paymentStart);
      await expect(f.actions.connect(f.alice).claim(id, f.alice.address))
        .to.be.revertedWithCustomError(f.actions, "Underfunded")
        .withArgs(id, 37_500, 40_000);
      await expect(f.actions.connect(f.payer).payBatch(id, [f.alice.address]))
        .to.be.revertedWithCustomError(f.actions, "Underfunded")
        .withArgs(id, 37_500, 40_000);
      await f.actions.connect(f.admin).grantRole(await f.actions.payingAgentRole(t.asset), f.admin.address);
      const f2 = await loadFixture(deployActionsFixture);
      const second = await announce(f2, { amountPerUnit: 250n, amount: 37_500n });
      await f2.token.connect(f2.agent).mint(f2.carol.address, 10);
      await f2.actions.connect(f2.payer).fund(second.id, 2_500);
      await time.increaseTo(second.t.paymentStart);
      await f2.actions.connect(f2.carol).claim(second.id, f2.carol.address);
      expect(await f2.cash.balanceOf(f2.carol.address)).to.equal(2_500);
    });

    it("reverts with ClaimNotOpen before the payment start and ClaimClosed after the deadline", async function () {
      const f = await loadFixture(deployActionsFixture);
      const { id, t } = await announce(f);
      await time.increaseTo(t.recordTime + 1);
      await expect(f.actions.connect(f.alice).claim(id, f.alice.address))
        .to.be.revertedWithCustomError(f.actions, "ClaimNotOpen")
        .withArgs(id, t.paymentStart);
      await time.increaseTo(t.claimDeadline + 1);
      await expect(f.actions.connect(f.alice).claim(id, f.alice.address))
        .to.be.revertedWithCustomError(f.actions, "ClaimClosed")
        .withArgs(id, t.claimDeadline);
    });

    it("reverts with NotHolder for a caller other than the holder or its payee", async function () {
      const { actions, id, bob, alice } = await loadFixture(openFixture);
      await expect(actions.connect(bob).claim(id, alice.address))
        .to.be.revertedWithCustomError(actions, "NotHolder")
        .withArgs(bob.address, alice.address);
    });

    it("a wallet that cannot receive the cash keeps its entitlement and claims once it can", async function () {
      const { actions, cash, agent, id, alice } = await loadFixture(openFixture);
      await cash.connect(agent).setAddressFrozen(alice.address, true);
      await expect(actions.connect(alice).claim(id, alice.address)).to.be.revertedWithCustomError(
        cash,
        "TransferRestricted",
      );
      expect(await actions.isPaid(id, alice.address)).to.equal(false);
      await cash.connect(agent).setAddressFrozen(alice.address, false);
      await actions.connect(alice).claim(id, alice.address);
      expect(await cash.balanceOf(alice.address)).to.equal(10_000);
    });

    it("frozen and locked shares at the record time still earn", async function () {
      const f = await loadFixture(deployActionsFixture);
      await f.token.connect(f.agent).setAddressFrozen(f.bob.address, true);
      await f.token.connect(f.agent).mintLocked(f.carol.address, 50, (await time.latest()) + 100 * DAY);
      const { id, t } = await announce(f, { amount: 20_000n });
      await time.increaseTo(t.paymentStart);
      expect(await f.actions.entitlementOf(id, f.bob.address)).to.equal(5_000);
      expect(await f.actions.entitlementOf(id, f.carol.address)).to.equal(5_000);
      await f.actions.connect(f.bob).claim(id, f.bob.address);
      expect(await f.cash.balanceOf(f.bob.address)).to.equal(5_000);
    });

    it("after a recovery the entitlement goes to the recovered wallet, claimed by it", async function () {
      const { actions, token, cash, agent, id, alice, alice2 } = await loadFixture(openFixture);
      await token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress);
      expect(await actions.payeeOf(await token.getAddress(), alice.address)).to.equal(alice2.address);
      await expect(actions.connect(alice2).claim(id, alice.address))
        .to.emit(actions, "DistributionPaid")
        .withArgs(id, alice.address, alice2.address, 10_000);
      expect(await cash.balanceOf(alice2.address)).to.equal(10_000);
      expect(await cash.balanceOf(alice.address)).to.equal(0);
      expect(await actions.entitlementOf(id, alice2.address)).to.equal(0);
    });

    it("reverts with RecoveryChainTooLong beyond MAX_RECOVERY_HOPS recoveries", async function () {
      const f = await loadFixture(openFixture);
      const wallets = [f.alice, f.alice2, ...f.others.slice(0, 4)];
      for (const w of f.others.slice(0, 4)) {
        await f.registry
          .connect(f.registrar)
          .registerIdentity(w.address, entity("ALICE"), Country.CN, f.expiry, Attr.INVESTOR);
      }
      for (let i = 0; i + 1 < wallets.length; ++i) {
        await f.token.connect(f.agent).recoveryAddress(wallets[i].address, wallets[i + 1].address, ethers.ZeroAddress);
      }
      const asset = await f.token.getAddress();
      expect(await f.actions.payeeOf(asset, f.alice2.address)).to.equal(wallets[5].address);
      await expect(f.actions.payeeOf(asset, f.alice.address))
        .to.be.revertedWithCustomError(f.actions, "RecoveryChainTooLong")
        .withArgs(f.alice.address);
    });
  });

  describe("payBatch", function () {
    it("pays each holder, skipping paid ones, ones with nothing due and ones that cannot receive", async function () {
      const { actions, cash, agent, id, alice, bob, carol, payer } = await loadFixture(openFixture);
      await actions.connect(alice).claim(id, alice.address);
      await cash.connect(agent).setAddressFrozen(bob.address, true);
      const tx = actions.connect(payer).payBatch(id, [alice.address, carol.address, bob.address]);
      await expect(tx).to.emit(actions, "DistributionPaymentSkipped").withArgs(id, bob.address, bob.address, 5_000);
      await expect(tx).to.not.emit(actions, "DistributionPaid");
      expect(await actions.isPaid(id, bob.address)).to.equal(false);
      await cash.connect(agent).setAddressFrozen(bob.address, false);
      await expect(actions.connect(payer).payBatch(id, [bob.address]))
        .to.emit(actions, "DistributionPaid")
        .withArgs(id, bob.address, bob.address, 5_000);
      expect((await actions.distribution(id)).paid).to.equal(15_000);
    });

    it("reverts with BatchSize for an empty or oversized list, and for a non-agent", async function () {
      const { actions, id, payer, alice, t } = await loadFixture(openFixture);
      await expect(actions.connect(payer).payBatch(id, []))
        .to.be.revertedWithCustomError(actions, "BatchSize")
        .withArgs(0, 100);
      await expect(actions.connect(payer).payBatch(id, Array(101).fill(alice.address)))
        .to.be.revertedWithCustomError(actions, "BatchSize")
        .withArgs(101, 100);
      await expect(actions.connect(alice).payBatch(id, [alice.address]))
        .to.be.revertedWithCustomError(actions, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, await actions.payingAgentRole(t.asset));
    });
  });

  describe("reclaim", function () {
    it("after the deadline sends the unpaid rest once: paid + reclaimed == funded", async function () {
      const { actions, cash, id, t, payer, alice } = await loadFixture(openFixture);
      await actions.connect(alice).claim(id, alice.address);
      await expect(actions.connect(payer).reclaim(id, payer.address))
        .to.be.revertedWithCustomError(actions, "ClaimsStillOpen")
        .withArgs(id, t.claimDeadline);
      await time.increaseTo(t.claimDeadline + 1);
      await expect(actions.connect(payer).reclaim(id, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        actions,
        "ZeroAddress",
      );
      await expect(actions.connect(alice).reclaim(id, alice.address))
        .to.be.revertedWithCustomError(actions, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, await actions.payingAgentRole(t.asset));
      await expect(actions.connect(payer).reclaim(id, payer.address))
        .to.emit(actions, "DistributionReclaimed")
        .withArgs(id, payer.address, 5_000);
      expect(await cash.balanceOf(payer.address)).to.equal(100_000_000 - 15_000 + 5_000);
      expect(await cash.balanceOf(await actions.getAddress())).to.equal(0);
      await expect(actions.connect(payer).reclaim(id, payer.address))
        .to.be.revertedWithCustomError(actions, "AlreadyReclaimed")
        .withArgs(id);
    });

    it("rounds down per holder; the remainder is reclaimed", async function () {
      const f = await loadFixture(deployActionsFixture);
      await f.token.connect(f.agent).mint(f.carol.address, 1); // 151 shares
      const { id, t } = await announce(f, { amount: 1_000n });
      await time.increaseTo(t.paymentStart);
      await f.actions.connect(f.payer).payBatch(id, [f.alice.address, f.bob.address, f.carol.address]);
      // 662 + 331 + 6 = 999
      expect((await f.actions.distribution(id)).paid).to.equal(999);
      await time.increaseTo(t.claimDeadline + 1);
      await expect(f.actions.connect(f.payer).reclaim(id, f.payer.address))
        .to.emit(f.actions, "DistributionReclaimed")
        .withArgs(id, f.payer.address, 1);
    });
  });

  it("several distributions run at once on one asset, each on its own record time", async function () {
    const f = await loadFixture(deployActionsFixture);
    const first = await announce(f);
    const now = await time.latest();
    const second = await announce(f, { recordTime: now + 2 * DAY, amountPerUnit: 10n, amount: 1_500n });
    await time.increaseTo(first.t.recordTime + 1);
    await f.token.connect(f.alice).transfer(f.bob.address, 100);
    await time.increaseTo(second.t.paymentStart);
    expect(await f.actions.entitlementOf(first.id, f.alice.address)).to.equal(10_000);
    expect(await f.actions.entitlementOf(second.id, f.alice.address)).to.equal(0);
    expect(await f.actions.entitlementOf(second.id, f.bob.address)).to.equal(1_500);
    await f.actions.connect(f.payer).payBatch(first.id, [f.alice.address, f.bob.address]);
    await f.actions.connect(f.payer).payBatch(second.id, [f.alice.address, f.bob.address]);
    expect(await f.cash.balanceOf(f.bob.address)).to.equal(5_000 + 1_500);
  });

  describe("redemption", function () {
    async function maturedFixture() {
      const f = await deployActionsFixture();
      const observer = await ethers.deployContract("RecordingRedemptionObserver");
      await f.actions.connect(f.admin).setRedemptionObserver(await observer.getAddress());
      const maturity = (await time.latest()) + 10 * DAY;
      await time.increaseTo(maturity);
      return { ...f, observer, maturity, asset: await f.token.getAddress(), cashAddress: await f.cash.getAddress() };
    }

    it("openRedemption escrows the price of the supply; RedemptionOpened", async function () {
      const f = await loadFixture(maturedFixture);
      await expect(f.actions.connect(f.payer).openRedemption(f.asset, f.cashAddress, 10_000, f.maturity, 1_500_000))
        .to.emit(f.actions, "RedemptionOpened")
        .withArgs(f.asset, f.cashAddress, 10_000, f.maturity, 1_500_000);
      const r = await f.actions.redemption(f.asset);
      expect([r.cashToken, r.amountPerUnit, r.funded, r.paid, r.completed]).to.deep.equal([
        f.cashAddress,
        10_000n,
        1_500_000n,
        0n,
        false,
      ]);
    });

    it("openRedemption reverts with NotMatured, ZeroAddress, ZeroAmount, InsufficientFunding, RedemptionExists, and for a non-agent", async function () {
      const f = await loadFixture(maturedFixture);
      const a = f.actions.connect(f.payer);
      await expect(a.openRedemption(f.asset, f.cashAddress, 10_000, f.maturity + DAY, 1_500_000))
        .to.be.revertedWithCustomError(f.actions, "NotMatured")
        .withArgs(f.asset, f.maturity + DAY);
      await expect(a.openRedemption(f.asset, ethers.ZeroAddress, 10_000, f.maturity, 1)).to.be.revertedWithCustomError(
        f.actions,
        "ZeroAddress",
      );
      await expect(a.openRedemption(f.asset, f.cashAddress, 0, f.maturity, 1)).to.be.revertedWithCustomError(
        f.actions,
        "ZeroAmount",
      );
      await expect(a.openRedemption(f.asset, f.cashAddress, 10_000, f.maturity, 1_499_999))
        .to.be.revertedWithCustomError(f.actions, "InsufficientFunding")
        .withArgs(1_500_000, 1_499_999);
      await expect(f.actions.connect(f.alice).openRedemption(f.asset, f.cashAddress, 1, f.maturity, 1))
        .to.be.revertedWithCustomError(f.actions, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, await f.actions.payingAgentRole(f.asset));
      await a.openRedemption(f.asset, f.cashAddress, 10_000, f.maturity, 1_500_000);
      await expect(a.openRedemption(f.asset, f.cashAddress, 10_000, f.maturity, 1_500_000))
        .to.be.revertedWithCustomError(f.actions, "RedemptionExists")
        .withArgs(f.asset);
    });

    it("redeem burns the holder's units and pays their price atomically; the last one completes the asset", async function () {
      const f = await loadFixture(maturedFixture);
      await expect(f.actions.connect(f.alice).redeem(f.asset))
        .to.be.revertedWithCustomError(f.actions, "NoRedemption")
        .withArgs(f.asset);
      await f.actions.connect(f.payer).openRedemption(f.asset, f.cashAddress, 10_000, f.maturity, 1_500_000);
      await expect(f.actions.connect(f.alice).redeem(f.asset))
        .to.emit(f.actions, "Redeemed")
        .withArgs(f.asset, f.alice.address, 100, 1_000_000)
        .and.to.emit(f.token, "Transfer")
        .withArgs(f.alice.address, ethers.ZeroAddress, 100);
      expect(await f.cash.balanceOf(f.alice.address)).to.equal(1_000_000);
      expect(await f.token.balanceOf(f.alice.address)).to.equal(0);
      await expect(f.actions.connect(f.alice).redeem(f.asset))
        .to.be.revertedWithCustomError(f.actions, "NothingToRedeem")
        .withArgs(f.asset, f.alice.address);
      await expect(f.actions.connect(f.bob).redeem(f.asset))
        .to.emit(f.actions, "AssetRedeemed")
        .withArgs(f.asset)
        .and.to.emit(f.observer, "Observed")
        .withArgs(await f.actions.getAddress(), f.asset);
      expect(await f.observer.redeemed(f.asset)).to.equal(true);
      expect((await f.actions.redemption(f.asset)).completed).to.equal(true);
    });

    it("a holder whose wallet cannot receive the cash keeps its units", async function () {
      const f = await loadFixture(maturedFixture);
      await f.actions.connect(f.payer).openRedemption(f.asset, f.cashAddress, 10_000, f.maturity, 1_500_000);
      await f.cash.connect(f.agent).setAddressFrozen(f.alice.address, true);
      await expect(f.actions.connect(f.alice).redeem(f.asset)).to.be.revertedWithCustomError(
        f.cash,
        "TransferRestricted",
      );
      expect(await f.token.balanceOf(f.alice.address)).to.equal(100);
    });

    it("redeemBatch redeems holders, skips those with nothing or who cannot receive; RedemptionUnderfunded", async function () {
      const f = await loadFixture(maturedFixture);
      await f.actions.connect(f.payer).openRedemption(f.asset, f.cashAddress, 10_000, f.maturity, 1_500_000);
      await f.cash.connect(f.agent).setAddressFrozen(f.bob.address, true);
      const tx = f.actions.connect(f.payer).redeemBatch(f.asset, [f.alice.address, f.carol.address, f.bob.address]);
      await expect(tx).to.emit(f.actions, "Redeemed").withArgs(f.asset, f.alice.address, 100, 1_000_000);
      await expect(tx).to.emit(f.actions, "RedemptionSkipped").withArgs(f.asset, f.bob.address, 50, 500_000);
      expect(await f.token.balanceOf(f.bob.address)).to.equal(50);
      expect((await f.actions.redemption(f.asset)).paid).to.equal(1_000_000);
      await expect(f.actions.connect(f.payer).redeemBatch(f.asset, []))
        .to.be.revertedWithCustomError(f.actions, "BatchSize")
        .withArgs(0, 100);
      await expect(f.actions.connect(f.alice).redeemBatch(f.asset, [f.bob.address]))
        .to.be.revertedWithCustomError(f.actions, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, await f.actions.payingAgentRole(f.asset));
      // New units issued after opening are not covered until the agent funds them.
      await f.token.connect(f.agent).mint(f.carol.address, 10);
      await f.actions.connect(f.carol).redeem(f.asset);
      await f.cash.connect(f.agent).setAddressFrozen(f.bob.address, false);
      await expect(f.actions.connect(f.payer).redeemBatch(f.asset, [f.bob.address]))
        .to.be.revertedWithCustomError(f.actions, "RedemptionUnderfunded")
        .withArgs(f.asset, 400_000, 500_000);
      await expect(f.actions.connect(f.alice).fundRedemption(f.asset, 1))
        .to.be.revertedWithCustomError(f.actions, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, await f.actions.payingAgentRole(f.asset));
      await expect(f.actions.connect(f.payer).fundRedemption(f.asset, 0)).to.be.revertedWithCustomError(
        f.actions,
        "ZeroAmount",
      );
      await expect(f.actions.connect(f.payer).fundRedemption(f.asset, 100_000))
        .to.emit(f.actions, "RedemptionFunded")
        .withArgs(f.asset, f.payer.address, 100_000, 1_600_000);
      await expect(f.actions.connect(f.payer).redeemBatch(f.asset, [f.bob.address])).to.emit(
        f.actions,
        "AssetRedeemed",
      );
    });

    it("fundRedemption reverts with NoRedemption; reclaimRedemption waits for a zero supply, then pays the rest once", async function () {
      const f = await loadFixture(maturedFixture);
      await expect(f.actions.connect(f.payer).fundRedemption(f.asset, 1))
        .to.be.revertedWithCustomError(f.actions, "NoRedemption")
        .withArgs(f.asset);
      await f.actions.connect(f.payer).openRedemption(f.asset, f.cashAddress, 10_000, f.maturity, 1_500_007);
      await expect(f.actions.connect(f.payer).reclaimRedemption(f.asset, f.payer.address))
        .to.be.revertedWithCustomError(f.actions, "RedemptionNotComplete")
        .withArgs(f.asset, 150);
      await f.actions.connect(f.payer).redeemBatch(f.asset, [f.alice.address, f.bob.address]);
      await expect(
        f.actions.connect(f.payer).reclaimRedemption(f.asset, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(f.actions, "ZeroAddress");
      await expect(f.actions.connect(f.alice).reclaimRedemption(f.asset, f.alice.address))
        .to.be.revertedWithCustomError(f.actions, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, await f.actions.payingAgentRole(f.asset));
      await expect(f.actions.connect(f.payer).reclaimRedemption(f.asset, f.payer.address))
        .to.emit(f.actions, "RedemptionReclaimed")
        .withArgs(f.asset, f.payer.address, 7);
      await expect(f.actions.connect(f.payer).reclaimRedemption(f.asset, f.payer.address))
        .to.be.revertedWithCustomError(f.actions, "RedemptionAlreadyReclaimed")
        .withArgs(f.asset);
      expect(await f.cash.balanceOf(await f.actions.getAddress())).to.equal(0);
    });

    it("redemption burns need the asset's SUPPLY_ROLE", async function () {
      const f = await loadFixture(maturedFixture);
      await f.token.revokeRole(await f.token.SUPPLY_ROLE(), await f.actions.getAddress());
      await f.actions.connect(f.payer).openRedemption(f.asset, f.cashAddress, 10_000, f.maturity, 1_500_000);
      await expect(f.actions.connect(f.alice).redeem(f.asset))
        .to.be.revertedWithCustomError(f.token, "AccessControlUnauthorizedAccount")
        .withArgs(await f.actions.getAddress(), await f.token.SUPPLY_ROLE());
    });
  });

  describe("custom errors", function () {
    it("every custom error of ICorporateActions is expected by a revertedWithCustomError in this file", async function () {
      const iface = await ethers.getContractAt("ICorporateActions", ethers.ZeroAddress);
      const declared: string[] = [];
      iface.interface.forEachError((error) => declared.push(error.name));
      const source = fs.readFileSync(path.join(__dirname, "CorporateActions.test.ts"), "utf8");
      const expected = new Set(
        [...source.matchAll(/revertedWithCustomError\(\s*[\w.]+,\s*"(\w+)"/g)].map((match) => match[1]),
      );
      expect(declared.filter((name) => !expected.has(name))).to.deep.equal([]);
      expect(hre.network.name).to.equal("hardhat");
    });
  });
});

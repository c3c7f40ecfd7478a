import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Restriction } from "../../scripts/lib/constants";
import { deployTokenFixture, entity } from "../fixtures/token";

const ALICE = entity("ALICE");
const BOB = entity("BOB");
const CAROL = entity("CAROL");
const ONE_DAY = 24 * 60 * 60;

/** Sends a transaction without gas estimation, so it is mined (and may revert) at a chosen timestamp. */
const MINED = { gasLimit: 1_000_000 };

/** alice 100, alice2 0 (entity ALICE), bob 50, carol 0. */
async function holdersFixture() {
  const f = await deployTokenFixture();
  await f.token.connect(f.agent).mint(f.alice.address, 100);
  await f.token.connect(f.agent).mint(f.bob.address, 50);
  return f;
}

describe("SecurityToken agent operations", function () {
  describe("mint", function () {
    it("issues tokens to a verified wallet and emits Transfer from zero", async function () {
      const { token, agent, alice } = await loadFixture(deployTokenFixture);
      await expect(token.connect(agent).mint(alice.address, 100))
        .to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, alice.address, 100n);
      expect(await token.balanceOf(alice.address)).to.equal(100n);
      expect(await token.totalSupply()).to.equal(100n);
      expect(await token.freeBalanceOf(alice.address)).to.equal(100n);
    });

    it("cannot mint to the zero address (ERC20InvalidReceiver)", async function () {
      const { token, agent } = await loadFixture(deployTokenFixture);
      await expect(token.connect(agent).mint(ethers.ZeroAddress, 1))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });

    it("applies the transfer rules to the recipient (TransferRestricted)", async function () {
      const { token, agent, outsider } = await loadFixture(deployTokenFixture);
      await expect(token.connect(agent).mint(outsider.address, 1))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
      expect(await token.totalSupply()).to.equal(0n);
    });
  });

  describe("mintLocked", function () {
    it("issues locked tokens and emits Transfer and TokensLocked", async function () {
      const { token, agent, alice } = await loadFixture(deployTokenFixture);
      const release = (await time.latest()) + 30 * ONE_DAY;
      await expect(token.connect(agent).mintLocked(alice.address, 100, release))
        .to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, alice.address, 100n)
        .and.to.emit(token, "TokensLocked")
        .withArgs(alice.address, 100n, release);
      expect(await token.balanceOf(alice.address)).to.equal(100n);
      expect(await token.lockupOf(alice.address)).to.deep.equal([100n, BigInt(release)]);
      expect(await token.freeBalanceOf(alice.address)).to.equal(0n);
    });

    it("reverts with ReleaseTimeInPast for a release time at or before the block time", async function () {
      const { token, agent, alice } = await loadFixture(deployTokenFixture);
      const now = await time.latest();
      await expect(token.connect(agent).mintLocked(alice.address, 1, now - 1))
        .to.be.revertedWithCustomError(token, "ReleaseTimeInPast")
        .withArgs(now - 1);
      // Equal to the block's timestamp is in the past too.
      const t = now + 100;
      await time.setNextBlockTimestamp(t);
      await expect(token.connect(agent).mintLocked(alice.address, 1, t, MINED))
        .to.be.revertedWithCustomError(token, "ReleaseTimeInPast")
        .withArgs(t);
      // One second later is accepted.
      await time.setNextBlockTimestamp(t + 1);
      await expect(token.connect(agent).mintLocked(alice.address, 1, t + 2, MINED))
        .to.emit(token, "TokensLocked")
        .withArgs(alice.address, 1n, t + 2);
    });

    it("applies the transfer rules to the recipient (TransferRestricted)", async function () {
      const { token, agent, outsider } = await loadFixture(deployTokenFixture);
      const release = (await time.latest()) + ONE_DAY;
      await expect(token.connect(agent).mintLocked(outsider.address, 1, release))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
    });
  });

  describe("burn", function () {
    it("redeems tokens and emits Transfer to zero", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).burn(alice.address, 30))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, ethers.ZeroAddress, 30n);
      expect(await token.balanceOf(alice.address)).to.equal(70n);
      expect(await token.totalSupply()).to.equal(120n);
    });

    it("ignores a frozen wallet flag", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      await token.connect(agent).setAddressFrozen(alice.address, true);
      await expect(token.connect(agent).burn(alice.address, 100)).to.changeTokenBalance(token, alice, -100n);
      expect(await token.isFrozen(alice.address)).to.equal(true);
    });

    it("unfreezes partially frozen tokens just as much as needed (TokensUnfrozen)", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      await token.connect(agent).freezePartialTokens(alice.address, 80);
      // 20 free: burning 10 touches no frozen token.
      await expect(token.connect(agent).burn(alice.address, 10)).to.not.emit(token, "TokensUnfrozen");
      expect(await token.getFrozenTokens(alice.address)).to.equal(80n);
      // 10 free: burning 40 needs 30 of the frozen tokens.
      await expect(token.connect(agent).burn(alice.address, 40))
        .to.emit(token, "TokensUnfrozen")
        .withArgs(alice.address, 30n);
      expect(await token.getFrozenTokens(alice.address)).to.equal(50n);
      expect(await token.balanceOf(alice.address)).to.equal(50n);
      expect(await token.freeBalanceOf(alice.address)).to.equal(0n);
    });

    it("ignores a lock-up", async function () {
      const { token, agent, bob } = await loadFixture(holdersFixture);
      await token.connect(agent).mintLocked(bob.address, 100, (await time.latest()) + ONE_DAY);
      await expect(token.connect(agent).burn(bob.address, 150)).to.changeTokenBalance(token, bob, -150n);
    });

    it("takes free tokens before locked ones, and shrinks the lock-up just as much as needed", async function () {
      const { token, agent, bob, carol } = await loadFixture(holdersFixture);
      const release = (await time.latest()) + ONE_DAY;
      // bob: 50 free + 100 locked.
      await token.connect(agent).mintLocked(bob.address, 100, release);
      await expect(token.connect(agent).burn(bob.address, 30)).to.not.emit(token, "TokensLocked");
      expect(await token.lockupOf(bob.address)).to.deep.equal([100n, BigInt(release)]);
      // 120 left, 20 free: burning 70 takes the 20 free and 50 locked.
      await expect(token.connect(agent).burn(bob.address, 70))
        .to.emit(token, "TokensLocked")
        .withArgs(bob.address, 50n, release);
      expect(await token.lockupOf(bob.address)).to.deep.equal([50n, BigInt(release)]);
      expect(await token.freeBalanceOf(bob.address)).to.equal(0n);
      // Once released, everything left moves.
      await time.increaseTo(release);
      await expect(token.connect(bob).transfer(carol.address, 50)).to.changeTokenBalance(token, carol, 50n);
    });

    it("takes locked tokens before frozen ones", async function () {
      const { token, agent, bob } = await loadFixture(holdersFixture);
      const release = (await time.latest()) + ONE_DAY;
      // bob: 50 frozen + 100 locked.
      await token.connect(agent).freezePartialTokens(bob.address, 50);
      await token.connect(agent).mintLocked(bob.address, 100, release);
      await expect(token.connect(agent).burn(bob.address, 120))
        .to.emit(token, "TokensUnfrozen")
        .withArgs(bob.address, 20n)
        .and.to.emit(token, "TokensLocked")
        .withArgs(bob.address, 0n, release);
      expect(await token.getFrozenTokens(bob.address)).to.equal(30n);
      expect(await token.lockupOf(bob.address)).to.deep.equal([0n, BigInt(release)]);
      expect(await token.balanceOf(bob.address)).to.equal(30n);
    });

    it("works on a wallet removed from the registry (its entity is still debited)", async function () {
      const { token, registry, registrar, agent, bob } = await loadFixture(holdersFixture);
      await registry.connect(registrar).removeIdentity(bob.address);
      await token.connect(agent).burn(bob.address, 50);
      expect(await token.entityBalance(BOB)).to.equal(0n);
      expect(await token.holderCount()).to.equal(1n);
    });

    it("reverts with ERC20InsufficientBalance above the balance", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).burn(alice.address, 101))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, 100n, 101n);
    });

    it("reverts with ZeroAddress for the zero address", async function () {
      const { token, agent } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).burn(ethers.ZeroAddress, 1)).to.be.revertedWithCustomError(
        token,
        "ZeroAddress",
      );
    });

    it("is blocked while paused (EnforcedPause)", async function () {
      const { token, agent, guardian, alice } = await loadFixture(holdersFixture);
      await token.connect(guardian).pause();
      await expect(token.connect(agent).burn(alice.address, 1)).to.be.revertedWithCustomError(token, "EnforcedPause");
      expect(await token.balanceOf(alice.address)).to.equal(100n);
    });
  });

  describe("forcedTransfer", function () {
    it("moves tokens and emits Transfer and ForcedTransfer(from, to, amount, agent)", async function () {
      const { token, agent, alice, carol } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).forcedTransfer(alice.address, carol.address, 40))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, carol.address, 40n)
        .and.to.emit(token, "ForcedTransfer")
        .withArgs(alice.address, carol.address, 40n, agent.address);
      expect(await token.balanceOf(alice.address)).to.equal(60n);
      expect(await token.balanceOf(carol.address)).to.equal(40n);
    });

    it("ignores a frozen sender and a frozen recipient", async function () {
      const { token, agent, alice, bob } = await loadFixture(holdersFixture);
      await token.connect(agent).setAddressFrozen(alice.address, true);
      await token.connect(agent).setAddressFrozen(bob.address, true);
      await expect(token.connect(agent).forcedTransfer(alice.address, bob.address, 100)).to.changeTokenBalances(
        token,
        [alice, bob],
        [-100n, 100n],
      );
    });

    it("unfreezes partially frozen tokens just as much as needed (TokensUnfrozen)", async function () {
      const { token, agent, alice, bob } = await loadFixture(holdersFixture);
      await token.connect(agent).freezePartialTokens(alice.address, 70);
      await expect(token.connect(agent).forcedTransfer(alice.address, bob.address, 30)).to.not.emit(
        token,
        "TokensUnfrozen",
      );
      expect(await token.getFrozenTokens(alice.address)).to.equal(70n);
      await expect(token.connect(agent).forcedTransfer(alice.address, bob.address, 50))
        .to.emit(token, "TokensUnfrozen")
        .withArgs(alice.address, 50n);
      expect(await token.getFrozenTokens(alice.address)).to.equal(20n);
      expect(await token.balanceOf(alice.address)).to.equal(20n);
    });

    it("ignores a lock-up and an unverified sender", async function () {
      const { token, registry, registrar, agent, alice, bob } = await loadFixture(holdersFixture);
      await token.connect(agent).mintLocked(alice.address, 100, (await time.latest()) + ONE_DAY);
      await registry.connect(registrar).removeIdentity(alice.address);
      await expect(token.connect(agent).forcedTransfer(alice.address, bob.address, 200)).to.changeTokenBalances(
        token,
        [alice, bob],
        [-200n, 200n],
      );
    });

    it("needs a verified recipient (TransferRestricted(RECIPIENT_NOT_VERIFIED))", async function () {
      const { token, registry, registrar, agent, alice, bob, outsider, expiry } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).forcedTransfer(alice.address, outsider.address, 1))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
      // Removed wallet.
      await registry.connect(registrar).removeIdentity(bob.address);
      await expect(token.connect(agent).forcedTransfer(alice.address, bob.address, 1))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
      // Expired KYC.
      await time.increaseTo(expiry);
      await expect(token.connect(agent).forcedTransfer(bob.address, alice.address, 1))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
      expect(await token.balanceOf(alice.address)).to.equal(100n);
    });

    it("reverts with ERC20InsufficientBalance above the balance", async function () {
      const { token, agent, alice, bob } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).forcedTransfer(alice.address, bob.address, 101))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, 100n, 101n);
    });

    it("reverts with ZeroAddress for a zero sender or recipient", async function () {
      const { token, agent, alice, bob } = await loadFixture(holdersFixture);
      await expect(
        token.connect(agent).forcedTransfer(ethers.ZeroAddress, bob.address, 1),
      ).to.be.revertedWithCustomError(token, "ZeroAddress");
      await expect(
        token.connect(agent).forcedTransfer(alice.address, ethers.ZeroAddress, 1),
      ).to.be.revertedWithCustomError(token, "ZeroAddress");
    });

    it("reverts with ForcedTransferToSelf: a move to itself would only release held tokens", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      await token.connect(agent).freezePartialTokens(alice.address, 100);
      await expect(token.connect(agent).forcedTransfer(alice.address, alice.address, 100))
        .to.be.revertedWithCustomError(token, "ForcedTransferToSelf")
        .withArgs(alice.address);
      expect(await token.getFrozenTokens(alice.address)).to.equal(100n);
    });

    it("is blocked while paused (EnforcedPause)", async function () {
      const { token, agent, guardian, alice, bob } = await loadFixture(holdersFixture);
      await token.connect(guardian).pause();
      await expect(token.connect(agent).forcedTransfer(alice.address, bob.address, 1)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
    });
  });

  describe("setAddressFrozen", function () {
    it("freezes and unfreezes a wallet, emitting AddressFrozen(wallet, frozen, agent)", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).setAddressFrozen(alice.address, true))
        .to.emit(token, "AddressFrozen")
        .withArgs(alice.address, true, agent.address);
      expect(await token.isFrozen(alice.address)).to.equal(true);
      expect(await token.freeBalanceOf(alice.address)).to.equal(0n);
      await expect(token.connect(agent).setAddressFrozen(alice.address, false))
        .to.emit(token, "AddressFrozen")
        .withArgs(alice.address, false, agent.address);
      expect(await token.isFrozen(alice.address)).to.equal(false);
      expect(await token.freeBalanceOf(alice.address)).to.equal(100n);
    });

    it("reverts with ZeroAddress for the zero address", async function () {
      const { token, agent } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).setAddressFrozen(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(
        token,
        "ZeroAddress",
      );
    });
  });

  describe("freezePartialTokens / unfreezePartialTokens", function () {
    it("freezes part of a balance (TokensFrozen), cumulatively, up to the free balance", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).freezePartialTokens(alice.address, 30))
        .to.emit(token, "TokensFrozen")
        .withArgs(alice.address, 30n);
      await token.connect(agent).freezePartialTokens(alice.address, 50);
      expect(await token.getFrozenTokens(alice.address)).to.equal(80n);
      expect(await token.freeBalanceOf(alice.address)).to.equal(20n);
      await token.connect(agent).freezePartialTokens(alice.address, 20);
      expect(await token.getFrozenTokens(alice.address)).to.equal(100n);
    });

    it("reverts with ZeroAddress for the zero address", async function () {
      const { token, agent } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).freezePartialTokens(ethers.ZeroAddress, 0)).to.be.revertedWithCustomError(
        token,
        "ZeroAddress",
      );
      await expect(token.connect(agent).unfreezePartialTokens(ethers.ZeroAddress, 0)).to.be.revertedWithCustomError(
        token,
        "ZeroAddress",
      );
    });

    it("reverts with FreezeExceedsFreeBalance(wallet, amount, free)", async function () {
      const { token, agent, alice, carol } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).freezePartialTokens(alice.address, 101))
        .to.be.revertedWithCustomError(token, "FreezeExceedsFreeBalance")
        .withArgs(alice.address, 101n, 100n);
      await token.connect(agent).freezePartialTokens(alice.address, 60);
      await expect(token.connect(agent).freezePartialTokens(alice.address, 41))
        .to.be.revertedWithCustomError(token, "FreezeExceedsFreeBalance")
        .withArgs(alice.address, 41n, 40n);
      await expect(token.connect(agent).freezePartialTokens(carol.address, 1))
        .to.be.revertedWithCustomError(token, "FreezeExceedsFreeBalance")
        .withArgs(carol.address, 1n, 0n);
      expect(await token.getFrozenTokens(alice.address)).to.equal(60n);
    });

    it("unfreezes frozen tokens (TokensUnfrozen)", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      await token.connect(agent).freezePartialTokens(alice.address, 60);
      await expect(token.connect(agent).unfreezePartialTokens(alice.address, 25))
        .to.emit(token, "TokensUnfrozen")
        .withArgs(alice.address, 25n);
      expect(await token.getFrozenTokens(alice.address)).to.equal(35n);
      expect(await token.freeBalanceOf(alice.address)).to.equal(65n);
    });

    it("reverts with UnfreezeExceedsFrozen(wallet, amount, frozen)", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      await token.connect(agent).freezePartialTokens(alice.address, 60);
      await expect(token.connect(agent).unfreezePartialTokens(alice.address, 61))
        .to.be.revertedWithCustomError(token, "UnfreezeExceedsFrozen")
        .withArgs(alice.address, 61n, 60n);
      expect(await token.getFrozenTokens(alice.address)).to.equal(60n);
    });
  });

  describe("recoveryAddress", function () {
    /** alice (the lost wallet): 200 tokens, 100 of them locked, 30 partially frozen, wallet frozen; alice2 empty. */
    async function lostWalletFixture() {
      const f = await holdersFixture();
      const release = (await time.latest()) + 30 * ONE_DAY;
      await f.token.connect(f.agent).mintLocked(f.alice.address, 100, release);
      await f.token.connect(f.agent).freezePartialTokens(f.alice.address, 30);
      await f.token.connect(f.agent).setAddressFrozen(f.alice.address, true);
      return { ...f, release };
    }

    it("moves balance, frozen amount, lock-up and frozen flag to a wallet of the same entity", async function () {
      const { token, agent, alice, alice2, release } = await loadFixture(lostWalletFixture);
      expect(await token.balanceOf(alice.address)).to.equal(200n);
      const holdersBefore = await token.holderCount();
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address))
        .to.emit(token, "RecoverySuccess")
        .withArgs(alice.address, alice2.address, ALICE)
        .and.to.emit(token, "Transfer")
        .withArgs(alice.address, alice2.address, 200n);

      expect(await token.balanceOf(alice2.address)).to.equal(200n);
      expect(await token.getFrozenTokens(alice2.address)).to.equal(30n);
      expect(await token.lockupOf(alice2.address)).to.deep.equal([100n, BigInt(release)]);
      expect(await token.isFrozen(alice2.address)).to.equal(true);

      expect(await token.balanceOf(alice.address)).to.equal(0n);
      expect(await token.getFrozenTokens(alice.address)).to.equal(0n);
      expect(await token.lockupOf(alice.address)).to.deep.equal([0n, 0n]);
      expect(await token.isFrozen(alice.address)).to.equal(false);

      expect(await token.entityBalance(ALICE)).to.equal(200n);
      expect(await token.holderCount()).to.equal(holdersBefore);
      expect(await token.totalSupply()).to.equal(250n);
    });

    it("keeps the restrictions in force on the new wallet", async function () {
      const { token, agent, alice, alice2, bob, release } = await loadFixture(lostWalletFixture);
      await token.connect(agent).recoveryAddress(alice.address, alice2.address);
      expect(await token.detectTransferRestriction(alice2.address, bob.address, 1)).to.equal(Restriction.WALLET_FROZEN);
      await token.connect(agent).setAddressFrozen(alice2.address, false);
      // 200 held, 30 frozen, 100 locked: 171 exceeds the unfrozen balance, 71 touches the lock-up.
      expect(await token.detectTransferRestriction(alice2.address, bob.address, 171)).to.equal(
        Restriction.INSUFFICIENT_UNFROZEN_BALANCE,
      );
      await expect(token.connect(alice2).transfer(bob.address, 71))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.TOKENS_LOCKED);
      await expect(token.connect(alice2).transfer(bob.address, 70)).to.changeTokenBalance(token, bob, 70n);
      await time.increaseTo(release);
      await expect(token.connect(alice2).transfer(bob.address, 100)).to.changeTokenBalance(token, bob, 100n);
      expect(await token.freeBalanceOf(alice2.address)).to.equal(0n);
    });

    it("recovers from a wallet already removed from the registry", async function () {
      const { token, registry, registrar, agent, alice, alice2 } = await loadFixture(holdersFixture);
      await registry.connect(registrar).removeIdentity(alice.address);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address))
        .to.emit(token, "RecoverySuccess")
        .withArgs(alice.address, alice2.address, ALICE);
      expect(await token.balanceOf(alice2.address)).to.equal(100n);
    });

    it("reverts with RecoveryEntityMismatch for a wallet of another entity", async function () {
      const { token, agent, alice, carol } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).recoveryAddress(alice.address, carol.address))
        .to.be.revertedWithCustomError(token, "RecoveryEntityMismatch")
        .withArgs(alice.address, carol.address);
    });

    it("reverts with RecoveryWalletNotEmpty when the new wallet holds tokens", async function () {
      const { token, agent, alice, alice2 } = await loadFixture(holdersFixture);
      await token.connect(agent).mint(alice2.address, 1);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address))
        .to.be.revertedWithCustomError(token, "RecoveryWalletNotEmpty")
        .withArgs(alice2.address);
    });

    it("reverts with RecoveryWalletNotEmpty when the new wallet is frozen", async function () {
      const { token, agent, alice, alice2 } = await loadFixture(holdersFixture);
      await token.connect(agent).setAddressFrozen(alice2.address, true);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address))
        .to.be.revertedWithCustomError(token, "RecoveryWalletNotEmpty")
        .withArgs(alice2.address);
    });

    it("reverts with NothingToRecover for an empty lost wallet", async function () {
      const { token, agent, alice, alice2 } = await loadFixture(deployTokenFixture);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address))
        .to.be.revertedWithCustomError(token, "NothingToRecover")
        .withArgs(alice.address);
    });

    it("needs a verified new wallet (TransferRestricted(RECIPIENT_NOT_VERIFIED))", async function () {
      const { token, registry, registrar, agent, alice, alice2, outsider } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).recoveryAddress(alice.address, outsider.address))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
      // A removed wallet of the same entity.
      await registry.connect(registrar).removeIdentity(alice2.address);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
      expect(await token.balanceOf(alice.address)).to.equal(100n);
    });

    it("reverts with ZeroAddress for a zero lost or new wallet", async function () {
      const { token, agent, alice, alice2 } = await loadFixture(holdersFixture);
      await expect(
        token.connect(agent).recoveryAddress(ethers.ZeroAddress, alice2.address),
      ).to.be.revertedWithCustomError(token, "ZeroAddress");
      await expect(
        token.connect(agent).recoveryAddress(alice.address, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(token, "ZeroAddress");
    });

    it("is blocked while paused (EnforcedPause)", async function () {
      const { token, agent, guardian, alice, alice2 } = await loadFixture(holdersFixture);
      await token.connect(guardian).pause();
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
    });
  });

  describe("holderCount and entityBalance", function () {
    it("count an entity once across its wallets through mints, transfers, burns, forced transfers and recovery", async function () {
      const { token, agent, alice, alice2, bob, carol } = await loadFixture(deployTokenFixture);
      const state = async () => [
        await token.holderCount(),
        await token.entityBalance(ALICE),
        await token.entityBalance(BOB),
        await token.entityBalance(CAROL),
      ];
      expect(await state()).to.deep.equal([0n, 0n, 0n, 0n]);

      await token.connect(agent).mint(alice.address, 60);
      await token.connect(agent).mint(alice2.address, 40);
      expect(await state()).to.deep.equal([1n, 100n, 0n, 0n]);

      await token.connect(agent).batchMint([bob.address], [50]);
      expect(await state()).to.deep.equal([2n, 100n, 50n, 0n]);

      // Between wallets of one entity: nothing changes.
      await token.connect(alice).transfer(alice2.address, 60);
      expect(await state()).to.deep.equal([2n, 100n, 50n, 0n]);

      await token.connect(alice2).transfer(carol.address, 30);
      expect(await state()).to.deep.equal([3n, 70n, 50n, 30n]);

      // bob gives away everything: no longer a holder.
      await token.connect(bob).transfer(carol.address, 50);
      expect(await state()).to.deep.equal([2n, 70n, 0n, 80n]);

      await token.connect(agent).burn(carol.address, 80);
      expect(await state()).to.deep.equal([1n, 70n, 0n, 0n]);

      await token.connect(agent).forcedTransfer(alice2.address, bob.address, 70);
      expect(await state()).to.deep.equal([1n, 0n, 70n, 0n]);

      await token.connect(agent).forcedTransfer(bob.address, alice.address, 20);
      expect(await state()).to.deep.equal([2n, 20n, 50n, 0n]);

      await token.connect(agent).recoveryAddress(alice.address, alice2.address);
      expect(await state()).to.deep.equal([2n, 20n, 50n, 0n]);

      await token.connect(agent).burn(alice2.address, 20);
      expect(await state()).to.deep.equal([1n, 0n, 50n, 0n]);
      expect(await token.totalSupply()).to.equal(50n);
    });

    it("do not change on zero-value mints and transfers", async function () {
      const { token, agent, alice, bob } = await loadFixture(holdersFixture);
      await token.connect(agent).mint(bob.address, 0);
      await token.connect(bob).transfer(alice.address, 0);
      expect(await token.holderCount()).to.equal(2n);
      await token.connect(agent).burn(bob.address, 50);
      await token.connect(agent).mint(bob.address, 0);
      expect(await token.holderCount()).to.equal(1n);
      expect(await token.entityBalance(BOB)).to.equal(0n);
    });

    it("give 0 for an entity that was never registered", async function () {
      const { token } = await loadFixture(holdersFixture);
      expect(await token.entityBalance(entity("NOBODY"))).to.equal(0n);
      expect(await token.entityBalance(ethers.ZeroHash)).to.equal(0n);
    });
  });

  describe("batch operations", function () {
    describe("batchMint", function () {
      it("mints to each recipient", async function () {
        const { token, agent, alice, bob, carol } = await loadFixture(deployTokenFixture);
        await expect(token.connect(agent).batchMint([alice.address, bob.address, carol.address], [1, 2, 3]))
          .to.emit(token, "Transfer")
          .withArgs(ethers.ZeroAddress, carol.address, 3n);
        expect(await token.balanceOf(alice.address)).to.equal(1n);
        expect(await token.balanceOf(bob.address)).to.equal(2n);
        expect(await token.balanceOf(carol.address)).to.equal(3n);
        expect(await token.holderCount()).to.equal(3n);
      });

      it("reverts all rows when one breaks a rule", async function () {
        const { token, agent, alice, outsider } = await loadFixture(deployTokenFixture);
        await expect(token.connect(agent).batchMint([alice.address, outsider.address], [1, 2]))
          .to.be.revertedWithCustomError(token, "TransferRestricted")
          .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
        expect(await token.totalSupply()).to.equal(0n);
      });

      it("reverts with EmptyBatch and ArrayLengthMismatch", async function () {
        const { token, agent, alice } = await loadFixture(deployTokenFixture);
        await expect(token.connect(agent).batchMint([], [])).to.be.revertedWithCustomError(token, "EmptyBatch");
        await expect(token.connect(agent).batchMint([alice.address], [1, 2])).to.be.revertedWithCustomError(
          token,
          "ArrayLengthMismatch",
        );
        await expect(token.connect(agent).batchMint([alice.address, alice.address], [1])).to.be.revertedWithCustomError(
          token,
          "ArrayLengthMismatch",
        );
      });
    });

    describe("batchBurn", function () {
      it("burns from each wallet", async function () {
        const { token, agent, alice, bob } = await loadFixture(holdersFixture);
        await token.connect(agent).batchBurn([alice.address, bob.address], [10, 50]);
        expect(await token.balanceOf(alice.address)).to.equal(90n);
        expect(await token.balanceOf(bob.address)).to.equal(0n);
        expect(await token.holderCount()).to.equal(1n);
      });

      it("reverts all rows when one fails", async function () {
        const { token, agent, alice, bob } = await loadFixture(holdersFixture);
        await expect(token.connect(agent).batchBurn([alice.address, bob.address], [10, 51]))
          .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
          .withArgs(bob.address, 50n, 51n);
        expect(await token.balanceOf(alice.address)).to.equal(100n);
      });

      it("reverts with EmptyBatch and ArrayLengthMismatch", async function () {
        const { token, agent, alice } = await loadFixture(holdersFixture);
        await expect(token.connect(agent).batchBurn([], [])).to.be.revertedWithCustomError(token, "EmptyBatch");
        await expect(token.connect(agent).batchBurn([alice.address], [1, 2])).to.be.revertedWithCustomError(
          token,
          "ArrayLengthMismatch",
        );
      });
    });

    describe("batchForcedTransfer", function () {
      it("moves each row and emits ForcedTransfer for each", async function () {
        const { token, agent, alice, bob, carol } = await loadFixture(holdersFixture);
        await expect(
          token
            .connect(agent)
            .batchForcedTransfer([alice.address, bob.address], [carol.address, alice.address], [30, 50]),
        )
          .to.emit(token, "ForcedTransfer")
          .withArgs(alice.address, carol.address, 30n, agent.address)
          .and.to.emit(token, "ForcedTransfer")
          .withArgs(bob.address, alice.address, 50n, agent.address);
        expect(await token.balanceOf(alice.address)).to.equal(120n);
        expect(await token.balanceOf(bob.address)).to.equal(0n);
        expect(await token.balanceOf(carol.address)).to.equal(30n);
      });

      it("reverts all rows when one recipient is unverified", async function () {
        const { token, agent, alice, bob, outsider } = await loadFixture(holdersFixture);
        await expect(
          token
            .connect(agent)
            .batchForcedTransfer([alice.address, bob.address], [bob.address, outsider.address], [30, 1]),
        )
          .to.be.revertedWithCustomError(token, "TransferRestricted")
          .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
        expect(await token.balanceOf(alice.address)).to.equal(100n);
        expect(await token.balanceOf(bob.address)).to.equal(50n);
      });

      it("reverts with EmptyBatch and ArrayLengthMismatch (either array against the amounts)", async function () {
        const { token, agent, alice, bob } = await loadFixture(holdersFixture);
        await expect(token.connect(agent).batchForcedTransfer([], [], [])).to.be.revertedWithCustomError(
          token,
          "EmptyBatch",
        );
        await expect(
          token.connect(agent).batchForcedTransfer([alice.address, alice.address], [bob.address], [1]),
        ).to.be.revertedWithCustomError(token, "ArrayLengthMismatch");
        await expect(
          token.connect(agent).batchForcedTransfer([alice.address], [bob.address, bob.address], [1]),
        ).to.be.revertedWithCustomError(token, "ArrayLengthMismatch");
        await expect(
          token.connect(agent).batchForcedTransfer([alice.address], [bob.address], [1, 1]),
        ).to.be.revertedWithCustomError(token, "ArrayLengthMismatch");
      });
    });

    describe("batchSetAddressFrozen", function () {
      it("sets each wallet's flag", async function () {
        const { token, agent, alice, bob } = await loadFixture(holdersFixture);
        await token.connect(agent).setAddressFrozen(bob.address, true);
        await expect(token.connect(agent).batchSetAddressFrozen([alice.address, bob.address], [true, false]))
          .to.emit(token, "AddressFrozen")
          .withArgs(alice.address, true, agent.address)
          .and.to.emit(token, "AddressFrozen")
          .withArgs(bob.address, false, agent.address);
        expect(await token.isFrozen(alice.address)).to.equal(true);
        expect(await token.isFrozen(bob.address)).to.equal(false);
      });

      it("reverts all rows when one fails", async function () {
        const { token, agent, alice } = await loadFixture(holdersFixture);
        await expect(
          token.connect(agent).batchSetAddressFrozen([alice.address, ethers.ZeroAddress], [true, true]),
        ).to.be.revertedWithCustomError(token, "ZeroAddress");
        expect(await token.isFrozen(alice.address)).to.equal(false);
      });

      it("reverts with EmptyBatch and ArrayLengthMismatch", async function () {
        const { token, agent, alice } = await loadFixture(holdersFixture);
        await expect(token.connect(agent).batchSetAddressFrozen([], [])).to.be.revertedWithCustomError(
          token,
          "EmptyBatch",
        );
        await expect(
          token.connect(agent).batchSetAddressFrozen([alice.address], [true, false]),
        ).to.be.revertedWithCustomError(token, "ArrayLengthMismatch");
      });
    });

    describe("batchFreezePartialTokens", function () {
      it("freezes each row", async function () {
        const { token, agent, alice, bob } = await loadFixture(holdersFixture);
        await token.connect(agent).batchFreezePartialTokens([alice.address, bob.address], [10, 20]);
        expect(await token.getFrozenTokens(alice.address)).to.equal(10n);
        expect(await token.getFrozenTokens(bob.address)).to.equal(20n);
      });

      it("reverts all rows when one fails", async function () {
        const { token, agent, alice, bob } = await loadFixture(holdersFixture);
        await expect(token.connect(agent).batchFreezePartialTokens([alice.address, bob.address], [10, 51]))
          .to.be.revertedWithCustomError(token, "FreezeExceedsFreeBalance")
          .withArgs(bob.address, 51n, 50n);
        expect(await token.getFrozenTokens(alice.address)).to.equal(0n);
      });

      it("counts earlier rows of the same batch against the free balance", async function () {
        const { token, agent, alice } = await loadFixture(holdersFixture);
        await expect(token.connect(agent).batchFreezePartialTokens([alice.address, alice.address], [60, 41]))
          .to.be.revertedWithCustomError(token, "FreezeExceedsFreeBalance")
          .withArgs(alice.address, 41n, 40n);
      });

      it("reverts with EmptyBatch and ArrayLengthMismatch", async function () {
        const { token, agent, alice } = await loadFixture(holdersFixture);
        await expect(token.connect(agent).batchFreezePartialTokens([], [])).to.be.revertedWithCustomError(
          token,
          "EmptyBatch",
        );
        await expect(
          token.connect(agent).batchFreezePartialTokens([alice.address], [1, 1]),
        ).to.be.revertedWithCustomError(token, "ArrayLengthMismatch");
      });
    });

    describe("batchUnfreezePartialTokens", function () {
      it("unfreezes each row", async function () {
        const { token, agent, alice, bob } = await loadFixture(holdersFixture);
        await token.connect(agent).batchFreezePartialTokens([alice.address, bob.address], [10, 20]);
        await token.connect(agent).batchUnfreezePartialTokens([alice.address, bob.address], [10, 5]);
        expect(await token.getFrozenTokens(alice.address)).to.equal(0n);
        expect(await token.getFrozenTokens(bob.address)).to.equal(15n);
      });

      it("reverts all rows when one fails", async function () {
        const { token, agent, alice, bob } = await loadFixture(holdersFixture);
        await token.connect(agent).batchFreezePartialTokens([alice.address, bob.address], [10, 20]);
        await expect(token.connect(agent).batchUnfreezePartialTokens([alice.address, bob.address], [10, 21]))
          .to.be.revertedWithCustomError(token, "UnfreezeExceedsFrozen")
          .withArgs(bob.address, 21n, 20n);
        expect(await token.getFrozenTokens(alice.address)).to.equal(10n);
      });

      it("reverts with EmptyBatch and ArrayLengthMismatch", async function () {
        const { token, agent, alice } = await loadFixture(holdersFixture);
        await expect(token.connect(agent).batchUnfreezePartialTokens([], [])).to.be.revertedWithCustomError(
          token,
          "EmptyBatch",
        );
        await expect(
          token.connect(agent).batchUnfreezePartialTokens([alice.address, alice.address], [0]),
        ).to.be.revertedWithCustomError(token, "ArrayLengthMismatch");
      });
    });

    describe("batchTransfer", function () {
      it("lets any holder send to several recipients", async function () {
        const { token, alice, alice2, bob, carol } = await loadFixture(holdersFixture);
        await expect(
          token.connect(alice).batchTransfer([alice2.address, bob.address, carol.address], [10, 20, 30]),
        ).to.changeTokenBalances(token, [alice, alice2, bob, carol], [-60n, 10n, 20n, 30n]);
        expect(await token.holderCount()).to.equal(3n);
      });

      it("applies the rules to each row and reverts all rows when one breaks a rule", async function () {
        const { token, alice, bob, outsider } = await loadFixture(holdersFixture);
        await expect(token.connect(alice).batchTransfer([bob.address, outsider.address], [10, 1]))
          .to.be.revertedWithCustomError(token, "TransferRestricted")
          .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
        // The rows together exceed the balance though each alone does not.
        await expect(token.connect(alice).batchTransfer([bob.address, bob.address], [60, 41]))
          .to.be.revertedWithCustomError(token, "TransferRestricted")
          .withArgs(Restriction.INSUFFICIENT_UNFROZEN_BALANCE);
        expect(await token.balanceOf(alice.address)).to.equal(100n);
        expect(await token.balanceOf(bob.address)).to.equal(50n);
      });

      it("reverts with EmptyBatch and ArrayLengthMismatch", async function () {
        const { token, alice, bob } = await loadFixture(holdersFixture);
        await expect(token.connect(alice).batchTransfer([], [])).to.be.revertedWithCustomError(token, "EmptyBatch");
        await expect(token.connect(alice).batchTransfer([bob.address], [1, 2])).to.be.revertedWithCustomError(
          token,
          "ArrayLengthMismatch",
        );
      });
    });
  });
});

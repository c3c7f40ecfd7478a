import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Restriction } from "../../scripts/lib/constants";
import { deployTokenFixture, entity } from "../fixtures/token";
import type { ContractTransactionResponse } from "ethers";
import type { SecurityToken } from "../../typechain-types";

const ALICE = entity("ALICE");
const BOB = entity("BOB");
const CAROL = entity("CAROL");
const ONE_DAY = 24 * 60 * 60;

/**
 * Sends a transaction without gas estimation, so it is mined (and may revert) at a chosen timestamp.
 * Room for solidity-coverage's instrumented code: a first mintLocked to a wallet needs over 1,000,000 there.
 */
const MINED = { gasLimit: 10_000_000 };

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

  describe("supply cap", function () {
    const CAP = 2n ** 120n - 1n;

    it("maxSupply() is 2^120 - 1 (balances are 120-bit)", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      expect(await token.maxSupply()).to.equal(CAP);
    });

    it("mints up to the cap exactly, and refuses one unit more with SupplyCapExceeded(cap, supply, amount)", async function () {
      const { token, agent, alice, bob } = await loadFixture(deployTokenFixture);
      await token.connect(agent).mint(alice.address, CAP - 1n);
      await expect(token.connect(agent).mint(bob.address, 2))
        .to.be.revertedWithCustomError(token, "SupplyCapExceeded")
        .withArgs(CAP, CAP - 1n, 2);
      await token.connect(agent).mint(bob.address, 1);
      expect(await token.totalSupply()).to.equal(CAP);
      expect(await token.balanceOf(alice.address)).to.equal(CAP - 1n);
      await expect(token.connect(agent).mint(bob.address, 1))
        .to.be.revertedWithCustomError(token, "SupplyCapExceeded")
        .withArgs(CAP, CAP, 1);
      await expect(token.connect(agent).batchMint([bob.address], [1]))
        .to.be.revertedWithCustomError(token, "SupplyCapExceeded")
        .withArgs(CAP, CAP, 1);
      await expect(token.connect(agent).mintLocked(bob.address, 1, (await time.latest()) + ONE_DAY))
        .to.be.revertedWithCustomError(token, "SupplyCapExceeded")
        .withArgs(CAP, CAP, 1);
      // A holder of the whole supply moves it like any balance.
      await expect(token.connect(alice).transfer(bob.address, CAP - 1n)).to.changeTokenBalance(token, bob, CAP - 1n);
      expect(await token.balanceOf(bob.address)).to.equal(CAP);
    });

    it("refuses a single mint above the cap on an empty token", async function () {
      const { token, agent, alice } = await loadFixture(deployTokenFixture);
      await expect(token.connect(agent).mint(alice.address, CAP + 1n))
        .to.be.revertedWithCustomError(token, "SupplyCapExceeded")
        .withArgs(CAP, 0, CAP + 1n);
      await expect(token.connect(agent).mint(alice.address, ethers.MaxUint256))
        .to.be.revertedWithCustomError(token, "SupplyCapExceeded")
        .withArgs(CAP, 0, ethers.MaxUint256);
      expect(await token.totalSupply()).to.equal(0n);
    });

    it("refuses a mint whose supply after would not fit in 256 bits with the named error too", async function () {
      const { token, agent, alice } = await loadFixture(deployTokenFixture);
      await token.connect(agent).mint(alice.address, 1);
      // supply + amount overflows uint256: still beyond the cap, so the named error, not a panic.
      await expect(token.connect(agent).mint(alice.address, ethers.MaxUint256)).to.be.revertedWithCustomError(
        token,
        "SupplyCapExceeded",
      );
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

    it("keeps frozen and locked tokens as far as the balance left allows (independent limits)", async function () {
      const { token, agent, bob } = await loadFixture(holdersFixture);
      const release = (await time.latest()) + ONE_DAY;
      // bob: 150 held, 50 frozen and (independently) 100 locked.
      await token.connect(agent).freezePartialTokens(bob.address, 50);
      await token.connect(agent).mintLocked(bob.address, 100, release);
      // 30 left: both the frozen amount and the lock-up fall to 30.
      await expect(token.connect(agent).burn(bob.address, 120))
        .to.emit(token, "TokensUnfrozen")
        .withArgs(bob.address, 20n)
        .and.to.emit(token, "TokensLocked")
        .withArgs(bob.address, 30n, release);
      expect(await token.getFrozenTokens(bob.address)).to.equal(30n);
      expect(await token.lockupOf(bob.address)).to.deep.equal([30n, BigInt(release)]);
      expect(await token.balanceOf(bob.address)).to.equal(30n);
      expect(await token.freeBalanceOf(bob.address)).to.equal(0n);
      // Burning the rest ends the lock-up (TokensLocked with 0) and the freeze.
      await expect(token.connect(agent).burn(bob.address, 30))
        .to.emit(token, "TokensLocked")
        .withArgs(bob.address, 0n, release)
        .and.to.emit(token, "TokensUnfrozen")
        .withArgs(bob.address, 30n);
      expect(await token.lockupOf(bob.address)).to.deep.equal([0n, 0n]);
      expect(await token.getFrozenTokens(bob.address)).to.equal(0n);
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

    it("reverts with ERC20InvalidSender for the zero address", async function () {
      const { token, agent } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).burn(ethers.ZeroAddress, 1))
        .to.be.revertedWithCustomError(token, "ERC20InvalidSender")
        .withArgs(ethers.ZeroAddress);
    });

    it("is blocked while paused (EnforcedPause)", async function () {
      const { token, agent, guardian, alice } = await loadFixture(holdersFixture);
      await token.connect(guardian).pause();
      await expect(token.connect(agent).burn(alice.address, 1)).to.be.revertedWithCustomError(token, "EnforcedPause");
      expect(await token.balanceOf(alice.address)).to.equal(100n);
    });
  });

  describe("forcedTransfer", function () {
    it("moves tokens and emits Transfer and ForcedTransfer(from, to, amount, agent, no reason)", async function () {
      const { token, agent, alice, carol } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).forcedTransfer(alice.address, carol.address, 40))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, carol.address, 40n)
        .and.to.emit(token, "ForcedTransfer")
        .withArgs(alice.address, carol.address, 40n, agent.address, ethers.ZeroHash);
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

  describe("forced moves out of a locked, partly frozen wallet (issue 9: the lock-up falls only by the locked tokens taken)", function () {
    /** alice: 100 locked + 20 free (120), 110 of them frozen. */
    async function lockedFrozenFixture() {
      const f = await deployTokenFixture();
      const release = (await time.latest()) + 30 * ONE_DAY;
      await f.token.connect(f.agent).mintLocked(f.alice.address, 100, release);
      await f.token.connect(f.agent).mint(f.alice.address, 20);
      // Freezing locked tokens is allowed.
      await f.token.connect(f.agent).freezePartialTokens(f.alice.address, 110);
      return { ...f, release };
    }

    /** After the forced move of 10: the holder unfreezes everything; only 10 may move before the release. */
    async function expectLockupKept(f: Awaited<ReturnType<typeof lockedFrozenFixture>>) {
      const { token, agent, alice, carol, release } = f;
      expect(await token.balanceOf(alice.address)).to.equal(110n);
      expect(await token.lockupOf(alice.address)).to.deep.equal([100n, BigInt(release)]);
      expect(await token.getFrozenTokens(alice.address)).to.equal(110n);
      await token.connect(agent).unfreezePartialTokens(alice.address, 110);
      expect(await token.freeBalanceOf(alice.address)).to.equal(10n);
      expect(await token.detectTransferRestriction(alice.address, carol.address, 11)).to.equal(
        Restriction.TOKENS_LOCKED,
      );
      await expect(token.connect(alice).transfer(carol.address, 11))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.TOKENS_LOCKED);
      await expect(token.connect(alice).transfer(carol.address, 10)).to.changeTokenBalance(token, carol, 10n);
      await expect(token.connect(alice).transfer(carol.address, 1))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.TOKENS_LOCKED);
      // At the release time all of it moves.
      await time.increaseTo(release);
      await expect(token.connect(alice).transfer(carol.address, 100)).to.changeTokenBalance(token, carol, 100n);
      expect(await token.balanceOf(alice.address)).to.equal(0n);
    }

    it("forced burn of 10: the lock-up stays 100 and the frozen amount 110", async function () {
      const f = await loadFixture(lockedFrozenFixture);
      await expect(f.token.connect(f.agent).burn(f.alice.address, 10))
        .to.not.emit(f.token, "TokensLocked")
        .and.to.not.emit(f.token, "TokensUnfrozen");
      await expectLockupKept(f);
    });

    it("forced transfer of 10: the lock-up stays 100 and the frozen amount 110", async function () {
      const f = await loadFixture(lockedFrozenFixture);
      await expect(f.token.connect(f.agent).forcedTransfer(f.alice.address, f.bob.address, 10))
        .to.not.emit(f.token, "TokensLocked")
        .and.to.not.emit(f.token, "TokensUnfrozen");
      expect(await f.token.balanceOf(f.bob.address)).to.equal(10n);
      await expectLockupKept(f);
    });

    it("a forced move beyond the free tokens takes locked ones: the lock-up falls by exactly those", async function () {
      const { token, agent, alice, bob, carol, release } = await loadFixture(lockedFrozenFixture);
      // 120 held, 20 unlocked: moving 50 takes the 20 unlocked and 30 locked tokens.
      await expect(token.connect(agent).forcedTransfer(alice.address, bob.address, 50))
        .to.emit(token, "TokensLocked")
        .withArgs(alice.address, 70n, release)
        .and.to.emit(token, "TokensUnfrozen")
        .withArgs(alice.address, 40n);
      expect(await token.lockupOf(alice.address)).to.deep.equal([70n, BigInt(release)]);
      expect(await token.getFrozenTokens(alice.address)).to.equal(70n);
      await token.connect(agent).unfreezePartialTokens(alice.address, 70);
      expect(await token.freeBalanceOf(alice.address)).to.equal(0n);
      await expect(token.connect(alice).transfer(carol.address, 1))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.TOKENS_LOCKED);
      // The same through a burn.
      await expect(token.connect(agent).burn(alice.address, 20))
        .to.emit(token, "TokensLocked")
        .withArgs(alice.address, 50n, release);
      expect(await token.lockupOf(alice.address)).to.deep.equal([50n, BigInt(release)]);
    });
  });

  describe("reasons: the *WithReason forms record a reference in their events", function () {
    const COURT_ORDER = ethers.id("court-order-2026-117");

    /** The event names of a transaction's logs from the token, in order. */
    async function eventNames(token: SecurityToken, tx: ContractTransactionResponse): Promise<string[]> {
      const receipt = await tx.wait();
      const address = await token.getAddress();
      return receipt!.logs
        .filter((log) => log.address === address)
        .map((log) => token.interface.parseLog(log)?.name ?? "?");
    }

    it("setAddressFrozenWithReason emits AddressFrozen then FreezeReason(wallet, reason)", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      const tx = await token.connect(agent).setAddressFrozenWithReason(alice.address, true, COURT_ORDER);
      await expect(tx).to.emit(token, "AddressFrozen").withArgs(alice.address, true, agent.address);
      await expect(tx).to.emit(token, "FreezeReason").withArgs(alice.address, COURT_ORDER);
      expect(await eventNames(token, tx)).to.deep.equal(["AddressFrozen", "FreezeReason"]);
      expect(await token.isFrozen(alice.address)).to.equal(true);
      await expect(token.connect(agent).setAddressFrozenWithReason(alice.address, false, COURT_ORDER))
        .to.emit(token, "FreezeReason")
        .withArgs(alice.address, COURT_ORDER);
      expect(await token.isFrozen(alice.address)).to.equal(false);
    });

    it("freezePartialTokensWithReason / unfreezePartialTokensWithReason emit TokensFrozen / TokensUnfrozen then FreezeReason", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      const freeze = await token.connect(agent).freezePartialTokensWithReason(alice.address, 40, COURT_ORDER);
      await expect(freeze).to.emit(token, "TokensFrozen").withArgs(alice.address, 40n);
      await expect(freeze).to.emit(token, "FreezeReason").withArgs(alice.address, COURT_ORDER);
      expect(await eventNames(token, freeze)).to.deep.equal(["TokensFrozen", "FreezeReason"]);
      expect(await token.getFrozenTokens(alice.address)).to.equal(40n);
      const release = ethers.id("release-order-2026-118");
      const unfreeze = await token.connect(agent).unfreezePartialTokensWithReason(alice.address, 15, release);
      await expect(unfreeze).to.emit(token, "TokensUnfrozen").withArgs(alice.address, 15n);
      await expect(unfreeze).to.emit(token, "FreezeReason").withArgs(alice.address, release);
      expect(await eventNames(token, unfreeze)).to.deep.equal(["TokensUnfrozen", "FreezeReason"]);
      expect(await token.getFrozenTokens(alice.address)).to.equal(25n);
      // Same checks as the plain forms.
      await expect(token.connect(agent).freezePartialTokensWithReason(alice.address, 76, COURT_ORDER))
        .to.be.revertedWithCustomError(token, "FreezeExceedsFreeBalance")
        .withArgs(alice.address, 76n, 75n);
      await expect(token.connect(agent).unfreezePartialTokensWithReason(alice.address, 26, COURT_ORDER))
        .to.be.revertedWithCustomError(token, "UnfreezeExceedsFrozen")
        .withArgs(alice.address, 26n, 25n);
    });

    it("the plain freeze forms emit FreezeReason with a zero reason", async function () {
      const { token, agent, alice } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).setAddressFrozen(alice.address, true))
        .to.emit(token, "FreezeReason")
        .withArgs(alice.address, ethers.ZeroHash);
      await expect(token.connect(agent).freezePartialTokens(alice.address, 1))
        .to.emit(token, "FreezeReason")
        .withArgs(alice.address, ethers.ZeroHash);
      await expect(token.connect(agent).unfreezePartialTokens(alice.address, 1))
        .to.emit(token, "FreezeReason")
        .withArgs(alice.address, ethers.ZeroHash);
    });

    it("forcedTransferWithReason emits Transfer then ForcedTransfer(from, to, amount, agent, reason) and returns true", async function () {
      const { token, agent, alice, carol } = await loadFixture(holdersFixture);
      expect(
        await token.connect(agent).forcedTransferWithReason.staticCall(alice.address, carol.address, 40, COURT_ORDER),
      ).to.equal(true);
      const tx = await token.connect(agent).forcedTransferWithReason(alice.address, carol.address, 40, COURT_ORDER);
      await expect(tx).to.emit(token, "Transfer").withArgs(alice.address, carol.address, 40n);
      await expect(tx)
        .to.emit(token, "ForcedTransfer")
        .withArgs(alice.address, carol.address, 40n, agent.address, COURT_ORDER);
      expect(await eventNames(token, tx)).to.deep.equal(["Transfer", "ForcedTransfer"]);
      expect(await token.balanceOf(carol.address)).to.equal(40n);
      expect(await token.connect(agent).forcedTransfer.staticCall(alice.address, carol.address, 1)).to.equal(true);
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
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress))
        .to.emit(token, "RecoverySuccess")
        .withArgs(alice.address, alice2.address, ethers.ZeroAddress)
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
      await token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress);
      expect(await token.detectTransferRestriction(alice2.address, bob.address, 1)).to.equal(Restriction.WALLET_FROZEN);
      await token.connect(agent).setAddressFrozen(alice2.address, false);
      // 200 held, 30 frozen, 100 locked (independent limits): 171 exceeds the unfrozen balance,
      // 101 touches the lock-up, 100 may move.
      expect(await token.detectTransferRestriction(alice2.address, bob.address, 171)).to.equal(
        Restriction.INSUFFICIENT_UNFROZEN_BALANCE,
      );
      await expect(token.connect(alice2).transfer(bob.address, 101))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.TOKENS_LOCKED);
      await expect(token.connect(alice2).transfer(bob.address, 100)).to.changeTokenBalance(token, bob, 100n);
      expect(await token.freeBalanceOf(alice2.address)).to.equal(0n);
      await time.increaseTo(release);
      // Released: only the 30 frozen tokens stay.
      await expect(token.connect(alice2).transfer(bob.address, 71))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.INSUFFICIENT_UNFROZEN_BALANCE);
      await expect(token.connect(alice2).transfer(bob.address, 70)).to.changeTokenBalance(token, bob, 70n);
      expect(await token.freeBalanceOf(alice2.address)).to.equal(0n);
    });

    it("checks the investor's on-chain identity against the registry (InvestorIdMismatch(expected, given))", async function () {
      const { token, registry, registrar, agent, alice, alice2, outsider } = await loadFixture(holdersFixture);
      const onchainId = ethers.Wallet.createRandom().address;
      // No identity set for ALICE: the expected one is zero.
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address, onchainId))
        .to.be.revertedWithCustomError(token, "InvestorIdMismatch")
        .withArgs(ethers.ZeroAddress, onchainId);
      await registry.connect(registrar).setEntityIdentity(ALICE, onchainId);
      expect(await registry.identity(alice.address)).to.equal(onchainId);
      for (const given of [ethers.ZeroAddress, outsider.address]) {
        await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address, given))
          .to.be.revertedWithCustomError(token, "InvestorIdMismatch")
          .withArgs(onchainId, given);
      }
      expect(await token.balanceOf(alice.address)).to.equal(100n);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address, onchainId))
        .to.emit(token, "RecoverySuccess")
        .withArgs(alice.address, alice2.address, onchainId);
      expect(await token.balanceOf(alice2.address)).to.equal(100n);
    });

    it("returns true (ERC-3643)", async function () {
      const { token, agent, alice, alice2 } = await loadFixture(holdersFixture);
      expect(
        await token.connect(agent).recoveryAddress.staticCall(alice.address, alice2.address, ethers.ZeroAddress),
      ).to.equal(true);
    });

    it("recovers from a wallet already removed from the registry", async function () {
      const { token, registry, registrar, agent, alice, alice2 } = await loadFixture(holdersFixture);
      await registry.connect(registrar).removeIdentity(alice.address);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress))
        .to.emit(token, "RecoverySuccess")
        .withArgs(alice.address, alice2.address, ethers.ZeroAddress);
      expect(await token.balanceOf(alice2.address)).to.equal(100n);
    });

    it("reverts with RecoveryEntityMismatch for a wallet of another entity", async function () {
      const { token, agent, alice, carol } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).recoveryAddress(alice.address, carol.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(token, "RecoveryEntityMismatch")
        .withArgs(alice.address, carol.address);
    });

    it("reverts with RecoveryWalletNotEmpty when the new wallet holds tokens", async function () {
      const { token, agent, alice, alice2 } = await loadFixture(holdersFixture);
      await token.connect(agent).mint(alice2.address, 1);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(token, "RecoveryWalletNotEmpty")
        .withArgs(alice2.address);
    });

    it("reverts with RecoveryWalletNotEmpty when the new wallet is frozen", async function () {
      const { token, agent, alice, alice2 } = await loadFixture(holdersFixture);
      await token.connect(agent).setAddressFrozen(alice2.address, true);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(token, "RecoveryWalletNotEmpty")
        .withArgs(alice2.address);
    });

    it("reverts with NothingToRecover for an empty lost wallet", async function () {
      const { token, agent, alice, alice2 } = await loadFixture(deployTokenFixture);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(token, "NothingToRecover")
        .withArgs(alice.address);
    });

    it("needs a verified new wallet (TransferRestricted(RECIPIENT_NOT_VERIFIED))", async function () {
      const { token, registry, registrar, agent, alice, alice2, outsider } = await loadFixture(holdersFixture);
      await expect(token.connect(agent).recoveryAddress(alice.address, outsider.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
      // A removed wallet of the same entity.
      await registry.connect(registrar).removeIdentity(alice2.address);
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
      expect(await token.balanceOf(alice.address)).to.equal(100n);
    });

    it("reverts with ZeroAddress for a zero lost or new wallet", async function () {
      const { token, agent, alice, alice2 } = await loadFixture(holdersFixture);
      await expect(
        token.connect(agent).recoveryAddress(ethers.ZeroAddress, alice2.address, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(token, "ZeroAddress");
      await expect(
        token.connect(agent).recoveryAddress(alice.address, ethers.ZeroAddress, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(token, "ZeroAddress");
    });

    it("is blocked while paused (EnforcedPause)", async function () {
      const { token, agent, guardian, alice, alice2 } = await loadFixture(holdersFixture);
      await token.connect(guardian).pause();
      await expect(
        token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(token, "EnforcedPause");
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

      await token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress);
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
          .withArgs(alice.address, carol.address, 30n, agent.address, ethers.ZeroHash)
          .and.to.emit(token, "ForcedTransfer")
          .withArgs(bob.address, alice.address, 50n, agent.address, ethers.ZeroHash);
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
        // The rows together exceed the balance though each alone does not (ERC-6093 error).
        await expect(token.connect(alice).batchTransfer([bob.address, bob.address], [60, 41]))
          .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
          .withArgs(alice.address, 40n, 41n);
        // A zero recipient row.
        await expect(token.connect(alice).batchTransfer([bob.address, ethers.ZeroAddress], [1, 1]))
          .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver")
          .withArgs(ethers.ZeroAddress);
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

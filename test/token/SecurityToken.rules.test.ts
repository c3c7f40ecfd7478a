import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Attr, Country, Restriction } from "../../scripts/lib/constants";
import { ONE_YEAR, deployTokenFixture, entity } from "../fixtures/token";
import type { MockComplianceHook, SecurityToken } from "../../typechain-types";

const ALICE = entity("ALICE");
const BOB = entity("BOB");
const CAROL = entity("CAROL");
const ONE_DAY = 24 * 60 * 60;

/** Sends a transaction without gas estimation, so it is mined (and may revert) at a chosen timestamp. */
const MINED = { gasLimit: 1_000_000 };

type Amount = number | bigint;

/** `transfer` reverts with TransferRestricted(code) and detectTransferRestriction predicts the same code. */
async function expectTransferRestricted(
  token: SecurityToken,
  from: HardhatEthersSigner,
  to: string,
  amount: Amount,
  code: number,
) {
  expect(await token.detectTransferRestriction(from.address, to, amount)).to.equal(code);
  await expect(token.connect(from).transfer(to, amount))
    .to.be.revertedWithCustomError(token, "TransferRestricted")
    .withArgs(code);
}

/** Same for `transferFrom` by `spender` (approved first; approvals are not restricted); the allowance is kept. */
async function expectTransferFromRestricted(
  token: SecurityToken,
  spender: HardhatEthersSigner,
  from: HardhatEthersSigner,
  to: string,
  amount: Amount,
  code: number,
) {
  await token.connect(from).approve(spender.address, amount);
  expect(await token.detectTransferRestriction(from.address, to, amount)).to.equal(code);
  await expect(token.connect(spender).transferFrom(from.address, to, amount))
    .to.be.revertedWithCustomError(token, "TransferRestricted")
    .withArgs(code);
  expect(await token.allowance(from.address, spender.address)).to.equal(amount);
}

/** `mint` reverts with TransferRestricted(code); detectTransferRestriction(0, to, amount) predicts it. */
async function expectMintRestricted(
  token: SecurityToken,
  agent: HardhatEthersSigner,
  to: string,
  amount: Amount,
  code: number,
) {
  expect(await token.detectTransferRestriction(ethers.ZeroAddress, to, amount)).to.equal(code);
  await expect(token.connect(agent).mint(to, amount))
    .to.be.revertedWithCustomError(token, "TransferRestricted")
    .withArgs(code);
}

/** detectTransferRestriction says NONE and the transfer moves the tokens. */
async function expectTransferAllowed(token: SecurityToken, from: HardhatEthersSigner, to: string, amount: Amount) {
  expect(await token.detectTransferRestriction(from.address, to, amount)).to.equal(Restriction.NONE);
  await expect(token.connect(from).transfer(to, amount)).to.changeTokenBalances(
    token,
    [from.address, to],
    [-BigInt(amount), BigInt(amount)],
  );
}

/** detectTransferRestriction(0, ...) says NONE and the mint issues the tokens. */
async function expectMintAllowed(token: SecurityToken, agent: HardhatEthersSigner, to: string, amount: Amount) {
  expect(await token.detectTransferRestriction(ethers.ZeroAddress, to, amount)).to.equal(Restriction.NONE);
  await expect(token.connect(agent).mint(to, amount)).to.changeTokenBalance(token, to, amount);
}

/** The share token with 100 tokens minted to alice. */
async function aliceHoldsFixture() {
  const f = await deployTokenFixture();
  await f.token.connect(f.agent).mint(f.alice.address, 100);
  return f;
}

/** A compliance hook set on the token, alice holding 100. */
async function hookFixture() {
  const f = await aliceHoldsFixture();
  const hook: MockComplianceHook = await (await ethers.getContractFactory("MockComplianceHook")).deploy();
  await f.token.connect(f.compliance).setCompliance(await hook.getAddress());
  return { ...f, hook };
}

describe("SecurityToken transfer rules", function () {
  describe("no rule broken", function () {
    it("transfer, transferFrom and mint between verified participants succeed with code NONE", async function () {
      const { token, agent, alice, bob, carol } = await loadFixture(deployTokenFixture);
      await expectMintAllowed(token, agent, alice.address, 100);
      await expectTransferAllowed(token, alice, bob.address, 30);
      await token.connect(alice).approve(carol.address, 20);
      await expect(token.connect(carol).transferFrom(alice.address, bob.address, 20)).to.changeTokenBalances(
        token,
        [alice.address, bob.address],
        [-20n, 20n],
      );
      expect(await token.allowance(alice.address, carol.address)).to.equal(0n);
      expect(await token.balanceOf(alice.address)).to.equal(50n);
      expect(await token.balanceOf(bob.address)).to.equal(50n);
      expect(await token.totalSupply()).to.equal(100n);
    });
  });

  describe("rule 1: paused (PAUSED)", function () {
    it("blocks transfer, transferFrom and mint while paused", async function () {
      const { token, agent, guardian, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await token.connect(guardian).pause();
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.PAUSED);
      await expectTransferFromRestricted(token, carol, alice, bob.address, 1, Restriction.PAUSED);
      await expectMintRestricted(token, agent, bob.address, 1, Restriction.PAUSED);
      expect(await token.balanceOf(alice.address)).to.equal(100n);
      expect(await token.totalSupply()).to.equal(100n);
    });

    it("lets tokens move again once the admin unpauses", async function () {
      const { token, admin, agent, guardian, alice, bob } = await loadFixture(aliceHoldsFixture);
      await token.connect(guardian).pause();
      await token.connect(admin).unpause();
      await expectTransferAllowed(token, alice, bob.address, 10);
      await expectMintAllowed(token, agent, bob.address, 5);
    });
  });

  describe("rule 2: sender or recipient frozen (WALLET_FROZEN)", function () {
    it("blocks a frozen sender's transfer and transferFrom", async function () {
      const { token, agent, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await token.connect(agent).setAddressFrozen(alice.address, true);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.WALLET_FROZEN);
      await expectTransferFromRestricted(token, carol, alice, bob.address, 1, Restriction.WALLET_FROZEN);
    });

    it("blocks transfer, transferFrom and mint to a frozen recipient", async function () {
      const { token, agent, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await token.connect(agent).setAddressFrozen(bob.address, true);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.WALLET_FROZEN);
      await expectTransferFromRestricted(token, carol, alice, bob.address, 1, Restriction.WALLET_FROZEN);
      await expectMintRestricted(token, agent, bob.address, 1, Restriction.WALLET_FROZEN);
    });

    it("blocks even a zero-value transfer from a frozen wallet", async function () {
      const { token, agent, alice, bob } = await loadFixture(aliceHoldsFixture);
      await token.connect(agent).setAddressFrozen(alice.address, true);
      await expectTransferRestricted(token, alice, bob.address, 0, Restriction.WALLET_FROZEN);
    });

    it("lets tokens move again after unfreezing", async function () {
      const { token, agent, alice, bob } = await loadFixture(aliceHoldsFixture);
      await token.connect(agent).setAddressFrozen(alice.address, true);
      await token.connect(agent).setAddressFrozen(alice.address, false);
      await expectTransferAllowed(token, alice, bob.address, 100);
    });
  });

  describe("rule 3: amount above the unfrozen balance (INSUFFICIENT_UNFROZEN_BALANCE)", function () {
    it("allows up to the unfrozen balance and blocks one token more (transfer and transferFrom)", async function () {
      const { token, agent, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await token.connect(agent).freezePartialTokens(alice.address, 60);
      await expectTransferRestricted(token, alice, bob.address, 41, Restriction.INSUFFICIENT_UNFROZEN_BALANCE);
      await expectTransferFromRestricted(
        token,
        carol,
        alice,
        bob.address,
        41,
        Restriction.INSUFFICIENT_UNFROZEN_BALANCE,
      );
      await expectTransferAllowed(token, alice, bob.address, 40);
      expect(await token.freeBalanceOf(alice.address)).to.equal(0n);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.INSUFFICIENT_UNFROZEN_BALANCE);
      expect(await token.balanceOf(alice.address)).to.equal(60n);
    });

    it("keeps its own code for a partly frozen balance: within the balance, above the unfrozen part", async function () {
      const { token, agent, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await token.connect(agent).freezePartialTokens(alice.address, 10);
      // 95 is within the balance (100) but above the unfrozen 90: a rule, not an ERC-20 error.
      await expectTransferRestricted(token, alice, bob.address, 95, Restriction.INSUFFICIENT_UNFROZEN_BALANCE);
      await expectTransferFromRestricted(
        token,
        carol,
        alice,
        bob.address,
        95,
        Restriction.INSUFFICIENT_UNFROZEN_BALANCE,
      );
      // Above the whole balance it is the ERC-6093 error even though part of it is frozen.
      await expect(token.connect(alice).transfer(bob.address, 101))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, 100n, 101n);
    });

    it("does not apply to a mint (the zero-address sender holds nothing)", async function () {
      const { token, agent, alice } = await loadFixture(aliceHoldsFixture);
      expect(await token.balanceOf(ethers.ZeroAddress)).to.equal(0n);
      await expectMintAllowed(token, agent, alice.address, 1_000);
    });
  });

  describe("plain ERC-20 failures: OpenZeppelin's ERC-6093 errors", function () {
    it("a transfer above the balance reverts with ERC20InsufficientBalance; detectTransferRestriction says 3", async function () {
      const { token, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      expect(await token.detectTransferRestriction(alice.address, bob.address, 101)).to.equal(
        Restriction.INSUFFICIENT_UNFROZEN_BALANCE,
      );
      await expect(token.connect(alice).transfer(bob.address, 101))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, 100n, 101n);
      // A wallet that holds nothing.
      expect(await token.detectTransferRestriction(carol.address, bob.address, 1)).to.equal(
        Restriction.INSUFFICIENT_UNFROZEN_BALANCE,
      );
      await expect(token.connect(carol).transfer(bob.address, 1))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(carol.address, 0n, 1n);
      expect(await token.balanceOf(alice.address)).to.equal(100n);
    });

    it("transferFrom above the balance (within the allowance) reverts with ERC20InsufficientBalance, keeping the allowance", async function () {
      const { token, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await token.connect(alice).approve(carol.address, 500);
      await expect(token.connect(carol).transferFrom(alice.address, bob.address, 101))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, 100n, 101n);
      expect(await token.allowance(alice.address, carol.address)).to.equal(500n);
    });

    it("transferFrom above the allowance reverts with ERC20InsufficientAllowance before any rule", async function () {
      const { token, guardian, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await token.connect(alice).approve(carol.address, 10);
      await expect(token.connect(carol).transferFrom(alice.address, bob.address, 11))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(carol.address, 10n, 11n);
      // No allowance at all.
      await expect(token.connect(bob).transferFrom(alice.address, bob.address, 1))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(bob.address, 0n, 1n);
      // The allowance is checked first, as in OpenZeppelin's ERC-20: even while paused.
      await token.connect(guardian).pause();
      await expect(token.connect(carol).transferFrom(alice.address, bob.address, 11))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(carol.address, 10n, 11n);
      expect(await token.allowance(alice.address, carol.address)).to.equal(10n);
    });

    it("an unlimited allowance (max uint256) is not spent", async function () {
      const { token, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await token.connect(alice).approve(carol.address, ethers.MaxUint256);
      await token.connect(carol).transferFrom(alice.address, bob.address, 40);
      expect(await token.allowance(alice.address, carol.address)).to.equal(ethers.MaxUint256);
    });

    it("the zero address as receiver, sender or spender reverts with ERC20InvalidReceiver / Sender / Spender", async function () {
      const { token, alice, carol } = await loadFixture(aliceHoldsFixture);
      await expect(token.connect(alice).transfer(ethers.ZeroAddress, 1))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
      await token.connect(alice).approve(carol.address, 10);
      await expect(token.connect(carol).transferFrom(alice.address, ethers.ZeroAddress, 1))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
      // From zero with a zero amount: the (zero) allowance suffices, the sender does not.
      await expect(token.connect(carol).transferFrom(ethers.ZeroAddress, alice.address, 0))
        .to.be.revertedWithCustomError(token, "ERC20InvalidSender")
        .withArgs(ethers.ZeroAddress);
      await expect(token.connect(alice).approve(ethers.ZeroAddress, 1))
        .to.be.revertedWithCustomError(token, "ERC20InvalidSpender")
        .withArgs(ethers.ZeroAddress);
      expect(await token.balanceOf(alice.address)).to.equal(100n);
    });
  });

  describe("rule 4: sender not verified (SENDER_NOT_VERIFIED)", function () {
    it("blocks a sender whose KYC has expired (transfer and transferFrom)", async function () {
      const { token, registry, registrar, alice, bob, expiry } = await loadFixture(aliceHoldsFixture);
      // bob stays verified a year longer than alice.
      await registry.connect(registrar).updateIdentity(bob.address, Country.CN, expiry + ONE_YEAR, Attr.INVESTOR);
      await time.increaseTo(expiry);
      expect(await registry.isVerified(alice.address)).to.equal(false);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.SENDER_NOT_VERIFIED);
      await expectTransferFromRestricted(token, bob, alice, bob.address, 1, Restriction.SENDER_NOT_VERIFIED);
    });

    it("treats the expiry as exclusive: a transfer one second before passes, at the expiry it fails", async function () {
      const { token, registry, registrar, alice, bob, expiry } = await loadFixture(aliceHoldsFixture);
      await registry.connect(registrar).updateIdentity(bob.address, Country.CN, expiry + ONE_YEAR, Attr.INVESTOR);
      await time.setNextBlockTimestamp(expiry - 1);
      await expect(token.connect(alice).transfer(bob.address, 1, MINED)).to.changeTokenBalance(token, bob, 1);
      await time.setNextBlockTimestamp(expiry);
      await expect(token.connect(alice).transfer(bob.address, 1, MINED))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.SENDER_NOT_VERIFIED);
    });

    it("blocks a sender whose wallet was removed from the registry, until it is registered again", async function () {
      const { token, registry, registrar, register, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await registry.connect(registrar).removeIdentity(alice.address);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.SENDER_NOT_VERIFIED);
      await expectTransferFromRestricted(token, carol, alice, bob.address, 1, Restriction.SENDER_NOT_VERIFIED);
      await register(alice.address, "ALICE");
      await expectTransferAllowed(token, alice, bob.address, 1);
    });

    it("is skipped on a mint (the zero-address sender is not registered)", async function () {
      const { token, registry, agent, bob, outsider } = await loadFixture(deployTokenFixture);
      expect(await registry.isVerified(ethers.ZeroAddress)).to.equal(false);
      // An unregistered non-zero sender does get the code, even for a zero amount...
      expect(await token.detectTransferRestriction(outsider.address, bob.address, 0)).to.equal(
        Restriction.SENDER_NOT_VERIFIED,
      );
      // ...but a mint (sender zero) passes.
      await expectMintAllowed(token, agent, bob.address, 10);
    });
  });

  describe("rule 5: recipient not verified (RECIPIENT_NOT_VERIFIED)", function () {
    it("blocks transfer, transferFrom and mint to a wallet that was never registered", async function () {
      const { token, agent, alice, carol, outsider } = await loadFixture(aliceHoldsFixture);
      await expectTransferRestricted(token, alice, outsider.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
      await expectTransferFromRestricted(token, carol, alice, outsider.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
      await expectMintRestricted(token, agent, outsider.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
      expect(await token.balanceOf(outsider.address)).to.equal(0n);
    });

    it("blocks a recipient whose KYC has expired while the sender's is valid", async function () {
      const { token, registry, registrar, agent, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      const bobExpiry = (await time.latest()) + ONE_DAY;
      await registry.connect(registrar).updateIdentity(bob.address, Country.CN, bobExpiry, Attr.INVESTOR);
      await expectTransferAllowed(token, alice, bob.address, 1);
      await time.increaseTo(bobExpiry);
      expect(await registry.isVerified(alice.address)).to.equal(true);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
      await expectTransferFromRestricted(token, carol, alice, bob.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
      await expectMintRestricted(token, agent, bob.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
    });

    it("blocks a recipient whose wallet was removed from the registry", async function () {
      const { token, registry, registrar, agent, alice, bob } = await loadFixture(aliceHoldsFixture);
      await registry.connect(registrar).removeIdentity(bob.address);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
      await expectMintRestricted(token, agent, bob.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
    });
  });

  describe("rule 6: recipient lacks required attributes (RECIPIENT_MISSING_ATTRIBUTES)", function () {
    it("blocks transfer, transferFrom and mint to a recipient with only some of the required flags", async function () {
      const { token, compliance, agent, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await token.connect(compliance).setRequiredAttributes(Attr.INVESTOR | Attr.QUALIFIED_INVESTOR);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.RECIPIENT_MISSING_ATTRIBUTES);
      await expectTransferFromRestricted(token, carol, alice, bob.address, 1, Restriction.RECIPIENT_MISSING_ATTRIBUTES);
      await expectMintRestricted(token, agent, bob.address, 1, Restriction.RECIPIENT_MISSING_ATTRIBUTES);
    });

    it("checks only the recipient: an unqualified sender may send to a qualified recipient, not the reverse", async function () {
      const { token, registry, registrar, compliance, alice, bob } = await loadFixture(aliceHoldsFixture);
      await token.connect(compliance).setRequiredAttributes(Attr.INVESTOR | Attr.QUALIFIED_INVESTOR);
      await registry
        .connect(registrar)
        .updateIdentity(
          bob.address,
          Country.CN,
          (await time.latest()) + ONE_YEAR,
          Attr.INVESTOR | Attr.QUALIFIED_INVESTOR,
        );
      await expectTransferAllowed(token, alice, bob.address, 10);
      await expectTransferRestricted(token, bob, alice.address, 1, Restriction.RECIPIENT_MISSING_ATTRIBUTES);
    });

    it("requires nothing when the required attributes are 0 (a recipient with no flags passes)", async function () {
      const { token, compliance, register, agent, alice, bob, outsider } = await loadFixture(aliceHoldsFixture);
      await token.connect(compliance).setRequiredAttributes(Attr.QUALIFIED_INVESTOR);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.RECIPIENT_MISSING_ATTRIBUTES);
      await token.connect(compliance).setRequiredAttributes(0);
      await register(outsider.address, "OUTSIDER", Country.CN, 0);
      await expectTransferAllowed(token, alice, bob.address, 1);
      await expectTransferAllowed(token, alice, outsider.address, 1);
      await expectMintAllowed(token, agent, outsider.address, 1);
    });
  });

  describe("rule 7: recipient's country not allowed (COUNTRY_NOT_ALLOWED)", function () {
    it("is off on a new token: every country receives, whatever the allow-list holds", async function () {
      const { token, compliance, register, alice, bob, outsider } = await loadFixture(aliceHoldsFixture);
      await register(outsider.address, "OUTSIDER", Country.KP);
      expect(await token.countryRestricted()).to.equal(false);
      expect(await token.allowedCountryCount()).to.equal(0n);
      await expectTransferAllowed(token, alice, bob.address, 1);
      await expectTransferAllowed(token, alice, outsider.address, 1);
      // A list without the rule switched on restricts nothing.
      await token.connect(compliance).setCountryAllowed(Country.SG, true);
      await expectTransferAllowed(token, alice, bob.address, 1);
    });

    it("blocks transfer, transferFrom and mint to a recipient outside the allow-list once switched on", async function () {
      const { token, compliance, agent, alice, bob, carol } = await loadFixture(aliceHoldsFixture);
      await token.connect(compliance).setCountryAllowed(Country.SG, true);
      await token.connect(compliance).setCountryRestriction(true);
      expect(await token.countryRestricted()).to.equal(true);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
      await expectTransferFromRestricted(token, carol, alice, bob.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
      await expectMintRestricted(token, agent, bob.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
    });

    it("switched on with no country allowed, lets nobody receive", async function () {
      const { token, compliance, agent, alice, bob } = await loadFixture(aliceHoldsFixture);
      await token.connect(compliance).setCountryRestriction(true);
      expect(await token.allowedCountryCount()).to.equal(0n);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
      await expectMintRestricted(token, agent, alice.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
    });

    it("checks only the recipient's country", async function () {
      const { token, registry, registrar, compliance, agent, alice, bob } = await loadFixture(aliceHoldsFixture);
      await token.connect(compliance).setCountryRestriction(true);
      await token.connect(compliance).setCountryAllowed(Country.SG, true);
      await registry
        .connect(registrar)
        .updateIdentity(bob.address, Country.SG, (await time.latest()) + ONE_YEAR, Attr.INVESTOR);
      // alice (CN) sends to bob (SG); bob cannot send back to alice (CN).
      await expectTransferAllowed(token, alice, bob.address, 10);
      await expectMintAllowed(token, agent, bob.address, 1);
      await expectTransferRestricted(token, bob, alice.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
    });

    it("removing the last allowed country leaves a restricted token open to no country", async function () {
      const { token, compliance, agent, alice, bob } = await loadFixture(aliceHoldsFixture);
      await token.connect(compliance).setCountryRestriction(true);
      await token.connect(compliance).setCountryAllowed(Country.CN, true);
      await expectTransferAllowed(token, alice, bob.address, 1);
      await token.connect(compliance).setCountryAllowed(Country.CN, false);
      expect(await token.allowedCountryCount()).to.equal(0n);
      expect(await token.countryRestricted()).to.equal(true);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
      await expectMintRestricted(token, agent, bob.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
    });

    it("switching the rule off opens the token to every country; on again restores the list", async function () {
      const { token, compliance, register, alice, bob, outsider } = await loadFixture(aliceHoldsFixture);
      await register(outsider.address, "OUTSIDER", Country.KP);
      await token.connect(compliance).setCountryRestriction(true);
      await token.connect(compliance).setCountryAllowed(Country.SG, true);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
      await token.connect(compliance).setCountryRestriction(false);
      expect(await token.countryRestricted()).to.equal(false);
      await expectTransferAllowed(token, alice, bob.address, 1);
      await expectTransferAllowed(token, alice, outsider.address, 1);
      // The list was kept while the rule was off.
      await token.connect(compliance).setCountryRestriction(true);
      expect(await token.isCountryAllowed(Country.SG)).to.equal(true);
      await expectTransferRestricted(token, alice, outsider.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
    });

    it("keeps the remaining countries when one of several is disallowed", async function () {
      const { token, registry, registrar, compliance, alice, bob } = await loadFixture(aliceHoldsFixture);
      await token.connect(compliance).setCountryRestriction(true);
      await token.connect(compliance).setCountryAllowed(Country.SG, true);
      await token.connect(compliance).setCountryAllowed(Country.CN, true);
      await expectTransferAllowed(token, alice, bob.address, 1);
      await token.connect(compliance).setCountryAllowed(Country.CN, false);
      expect(await token.allowedCountryCount()).to.equal(1n);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
      await registry
        .connect(registrar)
        .updateIdentity(bob.address, Country.SG, (await time.latest()) + ONE_YEAR, Attr.INVESTOR);
      await expectTransferAllowed(token, alice, bob.address, 1);
    });
  });

  describe("rule 8: per-entity maximum balance (ENTITY_BALANCE_LIMIT)", function () {
    it("counts every wallet of the recipient's entity (transfer, transferFrom and mint)", async function () {
      const { token, compliance, agent, alice, alice2, bob, carol } = await loadFixture(deployTokenFixture);
      await token.connect(agent).mint(bob.address, 50);
      await token.connect(compliance).setMaxEntityBalance(100);
      await expectMintAllowed(token, agent, alice.address, 60);
      await expectMintAllowed(token, agent, alice2.address, 40);
      expect(await token.entityBalance(ALICE)).to.equal(100n);
      // alice2 alone holds 40, but her entity holds 100.
      await expectMintRestricted(token, agent, alice2.address, 1, Restriction.ENTITY_BALANCE_LIMIT);
      await expectTransferRestricted(token, bob, alice2.address, 1, Restriction.ENTITY_BALANCE_LIMIT);
      await expectTransferFromRestricted(token, carol, bob, alice.address, 1, Restriction.ENTITY_BALANCE_LIMIT);
    });

    it("allows reaching the maximum exactly", async function () {
      const { token, compliance, agent, alice, alice2, bob } = await loadFixture(deployTokenFixture);
      await token.connect(agent).mint(bob.address, 50);
      await token.connect(compliance).setMaxEntityBalance(100);
      await token.connect(agent).mint(alice.address, 90);
      await expectTransferRestricted(token, bob, alice2.address, 11, Restriction.ENTITY_BALANCE_LIMIT);
      await expectTransferAllowed(token, bob, alice2.address, 10);
      expect(await token.entityBalance(ALICE)).to.equal(100n);
    });

    it("does not apply to transfers between wallets of the same entity", async function () {
      const { token, compliance, alice, alice2, bob } = await loadFixture(aliceHoldsFixture);
      // The entity is already above the new limit.
      await token.connect(compliance).setMaxEntityBalance(50);
      await expectTransferAllowed(token, alice, alice2.address, 60);
      await expectTransferAllowed(token, alice2, alice.address, 60);
      expect(await token.entityBalance(ALICE)).to.equal(100n);
      // A transfer to another entity is still checked.
      await expectTransferRestricted(token, alice, bob.address, 51, Restriction.ENTITY_BALANCE_LIMIT);
    });

    it("is lifted by setting the maximum to 0", async function () {
      const { token, compliance, agent, alice } = await loadFixture(deployTokenFixture);
      await token.connect(compliance).setMaxEntityBalance(10);
      await expectMintRestricted(token, agent, alice.address, 11, Restriction.ENTITY_BALANCE_LIMIT);
      await token.connect(compliance).setMaxEntityBalance(0);
      await expectMintAllowed(token, agent, alice.address, 1_000_000);
    });
  });

  describe("rule 9: maximum number of holder entities (HOLDER_LIMIT)", function () {
    /** alice 10, alice2 10 (entity ALICE), bob 10: two holder entities, the maximum. */
    async function twoHoldersFixture() {
      const f = await deployTokenFixture();
      await f.token.connect(f.compliance).setMaxHolders(2);
      await f.token.connect(f.agent).mint(f.alice.address, 10);
      await f.token.connect(f.agent).mint(f.alice2.address, 10);
      await f.token.connect(f.agent).mint(f.bob.address, 10);
      return f;
    }

    it("counts entities, not wallets: a second wallet of a holder entity is not a new holder", async function () {
      const { token, agent, alice2, bob } = await loadFixture(twoHoldersFixture);
      expect(await token.holderCount()).to.equal(2n);
      await expectMintAllowed(token, agent, alice2.address, 5);
      await expectTransferAllowed(token, bob, alice2.address, 5);
      expect(await token.holderCount()).to.equal(2n);
    });

    it("blocks transfer, transferFrom and mint to a third holder entity", async function () {
      const { token, agent, alice, bob, carol } = await loadFixture(twoHoldersFixture);
      await expectMintRestricted(token, agent, carol.address, 1, Restriction.HOLDER_LIMIT);
      await expectTransferRestricted(token, alice, carol.address, 1, Restriction.HOLDER_LIMIT);
      await expectTransferFromRestricted(token, bob, alice, carol.address, 1, Restriction.HOLDER_LIMIT);
      expect(await token.holderCount()).to.equal(2n);
    });

    it("allows a sender entity to pass its whole balance to a new holder entity (the count stays)", async function () {
      const { token, alice, alice2, bob, carol } = await loadFixture(twoHoldersFixture);
      await expectTransferAllowed(token, bob, carol.address, 10);
      expect(await token.holderCount()).to.equal(2n);
      expect(await token.entityBalance(BOB)).to.equal(0n);
      expect(await token.entityBalance(CAROL)).to.equal(10n);
      // One wallet's whole balance is not the entity's whole balance: alice2 still holds 10.
      await expectTransferRestricted(token, alice, bob.address, 10, Restriction.HOLDER_LIMIT);
      // Once alice holds everything of ALICE, she may pass it all to bob.
      await expectTransferAllowed(token, alice2, alice.address, 10);
      await expectTransferAllowed(token, alice, bob.address, 20);
      expect(await token.holderCount()).to.equal(2n);
    });

    it("does not count a zero-value transfer as a new holder", async function () {
      const { token, alice, carol } = await loadFixture(twoHoldersFixture);
      await expectTransferAllowed(token, alice, carol.address, 0);
      expect(await token.holderCount()).to.equal(2n);
    });

    it("keeps existing holders trading when the maximum is lowered below the count", async function () {
      const { token, compliance, alice, bob, carol } = await loadFixture(twoHoldersFixture);
      await token.connect(compliance).setMaxHolders(1);
      await expectTransferAllowed(token, bob, alice.address, 5);
      await expectTransferRestricted(token, bob, carol.address, 1, Restriction.HOLDER_LIMIT);
    });

    it("is lifted by setting the maximum to 0", async function () {
      const { token, compliance, agent, carol } = await loadFixture(twoHoldersFixture);
      await expectMintRestricted(token, agent, carol.address, 1, Restriction.HOLDER_LIMIT);
      await token.connect(compliance).setMaxHolders(0);
      await expectMintAllowed(token, agent, carol.address, 1);
      expect(await token.holderCount()).to.equal(3n);
    });
  });

  describe("rule 10: lock-up (TOKENS_LOCKED)", function () {
    /** alice holds 100 locked for 30 days. */
    async function lockedFixture() {
      const f = await deployTokenFixture();
      const release = (await time.latest()) + 30 * ONE_DAY;
      await f.token.connect(f.agent).mintLocked(f.alice.address, 100, release);
      return { ...f, release };
    }

    it("blocks transfer and transferFrom of tokens minted with mintLocked", async function () {
      const { token, alice, bob, carol, release } = await loadFixture(lockedFixture);
      expect(await token.lockupOf(alice.address)).to.deep.equal([100n, BigInt(release)]);
      expect(await token.freeBalanceOf(alice.address)).to.equal(0n);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.TOKENS_LOCKED);
      await expectTransferFromRestricted(token, carol, alice, bob.address, 1, Restriction.TOKENS_LOCKED);
    });

    it("lets tokens above the locked amount move", async function () {
      const { token, agent, alice, bob } = await loadFixture(lockedFixture);
      await token.connect(agent).mint(alice.address, 50);
      expect(await token.freeBalanceOf(alice.address)).to.equal(50n);
      await expectTransferRestricted(token, alice, bob.address, 51, Restriction.TOKENS_LOCKED);
      await expectTransferAllowed(token, alice, bob.address, 50);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.TOKENS_LOCKED);
    });

    it("counts frozen and locked tokens as independent limits, not added together", async function () {
      const { token, agent, alice, bob } = await loadFixture(lockedFixture);
      // 150 held: 100 locked, 30 frozen (all within the locked ones), 50 free of both.
      await token.connect(agent).mint(alice.address, 50);
      await token.connect(agent).freezePartialTokens(alice.address, 30);
      expect(await token.freeBalanceOf(alice.address)).to.equal(50n);
      // 51 is within the unfrozen balance (120) but touches the lock-up.
      await expectTransferRestricted(token, alice, bob.address, 51, Restriction.TOKENS_LOCKED);
      await expectTransferAllowed(token, alice, bob.address, 50);
      expect(await token.freeBalanceOf(alice.address)).to.equal(0n);
    });

    it("with more frozen than locked tokens, the frozen amount is the limit (code 3 before code 10)", async function () {
      const { token, agent, alice, bob } = await loadFixture(lockedFixture);
      // 150 held: 100 locked, 120 frozen: 30 may move.
      await token.connect(agent).mint(alice.address, 50);
      await token.connect(agent).freezePartialTokens(alice.address, 120);
      expect(await token.freeBalanceOf(alice.address)).to.equal(30n);
      await expectTransferRestricted(token, alice, bob.address, 31, Restriction.INSUFFICIENT_UNFROZEN_BALANCE);
      await expectTransferAllowed(token, alice, bob.address, 30);
    });

    it("allows freezing locked tokens (up to the balance less the frozen amount)", async function () {
      const { token, agent, alice, bob, release } = await loadFixture(lockedFixture);
      await expect(token.connect(agent).freezePartialTokens(alice.address, 100))
        .to.emit(token, "TokensFrozen")
        .withArgs(alice.address, 100n);
      expect(await token.getFrozenTokens(alice.address)).to.equal(100n);
      expect(await token.lockupOf(alice.address)).to.deep.equal([100n, BigInt(release)]);
      await expect(token.connect(agent).freezePartialTokens(alice.address, 1))
        .to.be.revertedWithCustomError(token, "FreezeExceedsFreeBalance")
        .withArgs(alice.address, 1n, 0n);
      // Released but still frozen: the freeze holds them.
      await time.increaseTo(release);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.INSUFFICIENT_UNFROZEN_BALANCE);
      await token.connect(agent).unfreezePartialTokens(alice.address, 100);
      await expectTransferAllowed(token, alice, bob.address, 100);
    });

    it("does not stop the locked wallet from receiving, nor a mint to it", async function () {
      const { token, agent, alice, bob } = await loadFixture(lockedFixture);
      await token.connect(agent).mint(bob.address, 10);
      await expectTransferAllowed(token, bob, alice.address, 10);
      await expectMintAllowed(token, agent, alice.address, 10);
    });

    it("releases the tokens at the release time exactly (one second before they are locked)", async function () {
      const { token, alice, bob, release } = await loadFixture(lockedFixture);
      await time.setNextBlockTimestamp(release - 1);
      await expect(token.connect(alice).transfer(bob.address, 1, MINED))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.TOKENS_LOCKED);
      await time.setNextBlockTimestamp(release);
      await expect(token.connect(alice).transfer(bob.address, 100, MINED)).to.changeTokenBalances(
        token,
        [alice, bob],
        [-100n, 100n],
      );
      expect(await token.lockupOf(alice.address)).to.deep.equal([0n, 0n]);
    });

    it("reports no lock-up once released", async function () {
      const { token, alice, bob, release } = await loadFixture(lockedFixture);
      await time.increaseTo(release);
      expect(await token.lockupOf(alice.address)).to.deep.equal([0n, 0n]);
      expect(await token.freeBalanceOf(alice.address)).to.equal(100n);
      await expectTransferAllowed(token, alice, bob.address, 100);
    });

    it("merges lock-ups: amounts add and the later release time is kept", async function () {
      const { token, agent, alice, bob, release } = await loadFixture(lockedFixture);
      const later = release + 30 * ONE_DAY;
      await expect(token.connect(agent).mintLocked(alice.address, 50, later))
        .to.emit(token, "TokensLocked")
        .withArgs(alice.address, 150n, later);
      expect(await token.lockupOf(alice.address)).to.deep.equal([150n, BigInt(later)]);
      // A shorter lock-up merged in does not shorten the running one.
      await expect(token.connect(agent).mintLocked(alice.address, 30, release))
        .to.emit(token, "TokensLocked")
        .withArgs(alice.address, 180n, later);
      expect(await token.lockupOf(alice.address)).to.deep.equal([180n, BigInt(later)]);
      // Still locked at the first release time, free at the later one.
      await time.increaseTo(release);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.TOKENS_LOCKED);
      await time.increaseTo(later);
      await expectTransferAllowed(token, alice, bob.address, 180);
    });

    it("starts a fresh lock-up (without the released amount) once the previous one has ended", async function () {
      const { token, agent, alice, bob, release } = await loadFixture(lockedFixture);
      await time.increaseTo(release);
      const next = release + 10 * ONE_DAY;
      await expect(token.connect(agent).mintLocked(alice.address, 50, next))
        .to.emit(token, "TokensLocked")
        .withArgs(alice.address, 50n, next);
      expect(await token.lockupOf(alice.address)).to.deep.equal([50n, BigInt(next)]);
      await expectTransferRestricted(token, alice, bob.address, 101, Restriction.TOKENS_LOCKED);
      await expectTransferAllowed(token, alice, bob.address, 100);
    });
  });

  describe("rule 11: compliance hook (COMPLIANCE_HOOK_REJECTED)", function () {
    it("blocks transfer, transferFrom and mint the hook refuses", async function () {
      const { token, hook, agent, alice, bob, carol } = await loadFixture(hookFixture);
      await hook.setBlocked(bob.address, true);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.COMPLIANCE_HOOK_REJECTED);
      await expectTransferFromRestricted(token, carol, alice, bob.address, 1, Restriction.COMPLIANCE_HOOK_REJECTED);
      await expectMintRestricted(token, agent, bob.address, 1, Restriction.COMPLIANCE_HOOK_REJECTED);
      // Other recipients are not affected.
      await expectTransferAllowed(token, alice, carol.address, 1);
    });

    it("passes the amount to the hook (per-transfer limit)", async function () {
      const { token, hook, agent, alice, bob } = await loadFixture(hookFixture);
      await hook.setMaxPerTransfer(5);
      await expectTransferRestricted(token, alice, bob.address, 6, Restriction.COMPLIANCE_HOOK_REJECTED);
      await expectMintRestricted(token, agent, bob.address, 6, Restriction.COMPLIANCE_HOOK_REJECTED);
      await expectTransferAllowed(token, alice, bob.address, 5);
    });

    it("is no longer consulted once removed (hook set to zero)", async function () {
      const { token, hook, compliance, agent, alice, bob } = await loadFixture(hookFixture);
      await hook.setBlocked(bob.address, true);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.COMPLIANCE_HOOK_REJECTED);
      await token.connect(compliance).setCompliance(ethers.ZeroAddress);
      expect(await token.complianceHook()).to.equal(ethers.ZeroAddress);
      expect(await token.compliance()).to.equal(await token.getAddress());
      await expectTransferAllowed(token, alice, bob.address, 1);
      await expectMintAllowed(token, agent, bob.address, 1);
    });
  });

  describe("registry changes after a wallet was cached take effect at once", function () {
    /** alice holds 100 and bob 1: the token has cached both wallets' records. */
    async function cachedFixture() {
      const f = await aliceHoldsFixture();
      await f.token.connect(f.alice).transfer(f.bob.address, 1);
      const tokenAddress = await f.token.getAddress();
      expect(await f.registry.cachingTokensOf(f.bob.address)).to.deep.equal([tokenAddress]);
      expect(await f.registry.cachingTokensOf(f.alice.address)).to.deep.equal([tokenAddress]);
      return f;
    }

    it("an attribute change: the required attributes are judged on the new flags", async function () {
      const { token, registry, registrar, compliance, agent, alice, bob, expiry } = await loadFixture(cachedFixture);
      await token.connect(compliance).setRequiredAttributes(Attr.INVESTOR);
      await expectTransferAllowed(token, alice, bob.address, 1);
      await registry.connect(registrar).updateIdentity(bob.address, Country.CN, expiry, Attr.SUPPLIER);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.RECIPIENT_MISSING_ATTRIBUTES);
      await expectMintRestricted(token, agent, bob.address, 1, Restriction.RECIPIENT_MISSING_ATTRIBUTES);
      await registry.connect(registrar).updateIdentity(bob.address, Country.CN, expiry, Attr.INVESTOR);
      await expectTransferAllowed(token, alice, bob.address, 1);
    });

    it("a country change: the country rule is judged on the new country", async function () {
      const { token, registry, registrar, compliance, alice, bob, expiry } = await loadFixture(cachedFixture);
      await token.connect(compliance).setCountryRestriction(true);
      await token.connect(compliance).setCountryAllowed(Country.CN, true);
      await expectTransferAllowed(token, alice, bob.address, 1);
      await registry.connect(registrar).updateIdentity(bob.address, Country.US, expiry, Attr.INVESTOR);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.COUNTRY_NOT_ALLOWED);
      await registry.connect(registrar).updateIdentity(bob.address, Country.CN, expiry, Attr.INVESTOR);
      await expectTransferAllowed(token, alice, bob.address, 1);
    });

    it("a shortened expiry: the wallet stops sending and receiving at the new expiry", async function () {
      const { token, registry, registrar, alice, bob, carol } = await loadFixture(cachedFixture);
      const shorter = (await time.latest()) + ONE_DAY;
      await registry.connect(registrar).updateIdentity(bob.address, Country.CN, shorter, Attr.INVESTOR);
      await expectTransferAllowed(token, alice, bob.address, 1);
      await time.increaseTo(shorter);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
      await expectTransferRestricted(token, bob, carol.address, 1, Restriction.SENDER_NOT_VERIFIED);
      // A renewal after the expiry is seen at once too.
      await registry.connect(registrar).updateIdentity(bob.address, Country.CN, shorter + ONE_YEAR, Attr.INVESTOR);
      await expectTransferAllowed(token, bob, carol.address, 1);
    });

    it("a removal: the wallet can neither receive nor send; re-registration restores it", async function () {
      const { token, registry, registrar, register, agent, alice, bob, carol } = await loadFixture(cachedFixture);
      await registry.connect(registrar).removeIdentity(bob.address);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
      await expectMintRestricted(token, agent, bob.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
      await expectTransferRestricted(token, bob, carol.address, 1, Restriction.SENDER_NOT_VERIFIED);
      await register(bob.address, "BOB");
      await expectTransferAllowed(token, bob, carol.address, 1);
      await expectTransferAllowed(token, alice, bob.address, 1);
    });

    it("a batch update and a batch removal reach the token for every row", async function () {
      const { token, registry, registrar, compliance, alice, bob, carol, expiry } = await loadFixture(cachedFixture);
      await token.connect(alice).transfer(carol.address, 1);
      await token.connect(compliance).setRequiredAttributes(Attr.INVESTOR);
      await registry.connect(registrar).batchUpdateIdentity([
        { wallet: bob.address, country: Country.CN, expiry, attributes: 0 },
        { wallet: carol.address, country: Country.CN, expiry, attributes: 0 },
      ]);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.RECIPIENT_MISSING_ATTRIBUTES);
      await expectTransferRestricted(token, alice, carol.address, 1, Restriction.RECIPIENT_MISSING_ATTRIBUTES);
      await registry.connect(registrar).batchRemoveIdentity([bob.address, carol.address]);
      await expectTransferRestricted(token, alice, bob.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
      await expectTransferRestricted(token, alice, carol.address, 1, Restriction.RECIPIENT_NOT_VERIFIED);
    });

    it("an entity gaining a second wallet while holding tokens: entity balance, holder count and limits stay right", async function () {
      const { token, registry, register, compliance, agent, alice, bob } = await loadFixture(cachedFixture);
      const [dave, dave2] = (await ethers.getSigners()).slice(10, 12);
      const DAVE = entity("DAVE");
      await register(dave.address, "DAVE");
      await token.connect(agent).mint(dave.address, 60);
      expect(await token.holderCount()).to.equal(3n); // ALICE, BOB, DAVE
      expect(await token.entityBalance(DAVE)).to.equal(60n);
      await token.connect(compliance).setMaxEntityBalance(100);

      // DAVE gets a second wallet: the token now counts DAVE's balance across both.
      await register(dave2.address, "DAVE");
      expect(await registry.boundWalletCountOf(DAVE)).to.equal(2n);
      expect(await token.entityBalance(DAVE)).to.equal(60n);
      await expectMintRestricted(token, agent, dave2.address, 41, Restriction.ENTITY_BALANCE_LIMIT);
      await expectTransferRestricted(token, alice, dave2.address, 41, Restriction.ENTITY_BALANCE_LIMIT);
      await expectTransferAllowed(token, alice, dave2.address, 40);
      expect(await token.entityBalance(DAVE)).to.equal(100n);
      expect(await token.holderCount()).to.equal(3n);

      // Between DAVE's wallets: no limit, no change in the count.
      await expectTransferAllowed(token, dave, dave2.address, 60);
      await expectTransferAllowed(token, dave2, dave.address, 30);
      expect(await token.entityBalance(DAVE)).to.equal(100n);
      expect(await token.holderCount()).to.equal(3n);

      // DAVE stops being a holder only when both wallets are empty.
      await token.connect(compliance).setMaxEntityBalance(0);
      await expectTransferAllowed(token, dave, bob.address, 30);
      expect(await token.holderCount()).to.equal(3n);
      await expectTransferAllowed(token, dave2, bob.address, 70);
      expect(await token.entityBalance(DAVE)).to.equal(0n);
      expect(await token.holderCount()).to.equal(2n);
      expect(await token.entityBalance(BOB)).to.equal(101n);
    });
  });

  describe("rule order: the lowest broken rule's code wins", function () {
    it("paused + unverified recipient gives PAUSED", async function () {
      const { token, guardian, agent, alice, outsider } = await loadFixture(aliceHoldsFixture);
      await token.connect(guardian).pause();
      await expectTransferRestricted(token, alice, outsider.address, 1, Restriction.PAUSED);
      await expectMintRestricted(token, agent, outsider.address, 1, Restriction.PAUSED);
    });

    it("a frozen sender sending more than its balance gives WALLET_FROZEN", async function () {
      const { token, agent, alice, bob } = await loadFixture(aliceHoldsFixture);
      await token.connect(agent).setAddressFrozen(alice.address, true);
      await expectTransferRestricted(token, alice, bob.address, 1_000, Restriction.WALLET_FROZEN);
    });

    it("breaking every rule at once, then fixing them one by one, gives codes 1 to 11 in order (transfer)", async function () {
      const f = await loadFixture(hookFixture);
      const { token, registry, registrar, register, admin, agent, compliance, guardian, hook, alice, carol } = f;
      const release = (await time.latest()) + 30 * ONE_DAY;
      // alice: 100 free (from the fixture) + 100 locked, all 200 partially frozen; she will send 150 to carol.
      await token.connect(agent).mintLocked(alice.address, 100, release);
      await token.connect(agent).freezePartialTokens(alice.address, 200);
      await hook.setBlocked(carol.address, true); // 11
      await token.connect(compliance).setMaxHolders(1); // 9: carol's entity would be a second holder
      await token.connect(compliance).setMaxEntityBalance(149); // 8
      await token.connect(compliance).setCountryRestriction(true); // 7: carol is in CN, only SG allowed
      await token.connect(compliance).setCountryAllowed(Country.SG, true);
      await token.connect(compliance).setRequiredAttributes(Attr.QUALIFIED_INVESTOR); // 6
      await registry.connect(registrar).removeIdentity(carol.address); // 5
      await registry.connect(registrar).removeIdentity(alice.address); // 4
      await token.connect(agent).setAddressFrozen(carol.address, true); // 2 (3 is the partial freeze)
      await token.connect(guardian).pause(); // 1

      const fixes: [number, () => Promise<unknown>][] = [
        [Restriction.PAUSED, () => token.connect(admin).unpause()],
        [Restriction.WALLET_FROZEN, () => token.connect(agent).setAddressFrozen(carol.address, false)],
        [
          Restriction.INSUFFICIENT_UNFROZEN_BALANCE,
          () => token.connect(agent).unfreezePartialTokens(alice.address, 200),
        ],
        [Restriction.SENDER_NOT_VERIFIED, () => register(alice.address, "ALICE")],
        [Restriction.RECIPIENT_NOT_VERIFIED, () => register(carol.address, "CAROL", Country.CN, Attr.INVESTOR)],
        [
          Restriction.RECIPIENT_MISSING_ATTRIBUTES,
          async () =>
            registry
              .connect(registrar)
              .updateIdentity(carol.address, Country.CN, (await time.latest()) + ONE_YEAR, Attr.QUALIFIED_INVESTOR),
        ],
        [Restriction.COUNTRY_NOT_ALLOWED, () => token.connect(compliance).setCountryAllowed(Country.CN, true)],
        [Restriction.ENTITY_BALANCE_LIMIT, () => token.connect(compliance).setMaxEntityBalance(0)],
        [Restriction.HOLDER_LIMIT, () => token.connect(compliance).setMaxHolders(0)],
        [Restriction.TOKENS_LOCKED, () => time.increaseTo(release)],
        [Restriction.COMPLIANCE_HOOK_REJECTED, () => hook.setBlocked(carol.address, false)],
      ];
      const seen: number[] = [];
      for (const [code, fix] of fixes) {
        await expectTransferRestricted(token, alice, carol.address, 150, code);
        seen.push(code);
        await fix();
      }
      expect(seen).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      await expectTransferAllowed(token, alice, carol.address, 150);
    });

    it("breaking every recipient-side rule at once gives the mint codes in order (sender rules 3, 4, 10 skipped)", async function () {
      const { token, registry, registrar, register, admin, agent, compliance, guardian, hook, carol } =
        await loadFixture(hookFixture);
      await hook.setBlocked(carol.address, true); // 11
      await token.connect(compliance).setMaxHolders(1); // 9: alice's entity already holds
      await token.connect(compliance).setMaxEntityBalance(9); // 8
      await token.connect(compliance).setCountryRestriction(true); // 7
      await token.connect(compliance).setCountryAllowed(Country.SG, true);
      await token.connect(compliance).setRequiredAttributes(Attr.QUALIFIED_INVESTOR); // 6
      await registry.connect(registrar).removeIdentity(carol.address); // 5
      await token.connect(agent).setAddressFrozen(carol.address, true); // 2
      await token.connect(guardian).pause(); // 1

      const fixes: [number, () => Promise<unknown>][] = [
        [Restriction.PAUSED, () => token.connect(admin).unpause()],
        [Restriction.WALLET_FROZEN, () => token.connect(agent).setAddressFrozen(carol.address, false)],
        [Restriction.RECIPIENT_NOT_VERIFIED, () => register(carol.address, "CAROL", Country.CN, Attr.INVESTOR)],
        [
          Restriction.RECIPIENT_MISSING_ATTRIBUTES,
          () => token.connect(compliance).setRequiredAttributes(Attr.INVESTOR),
        ],
        [Restriction.COUNTRY_NOT_ALLOWED, () => token.connect(compliance).setCountryRestriction(false)],
        [Restriction.ENTITY_BALANCE_LIMIT, () => token.connect(compliance).setMaxEntityBalance(10)],
        [Restriction.HOLDER_LIMIT, () => token.connect(compliance).setMaxHolders(2)],
        [Restriction.COMPLIANCE_HOOK_REJECTED, () => token.connect(compliance).setCompliance(ethers.ZeroAddress)],
      ];
      const seen: number[] = [];
      for (const [code, fix] of fixes) {
        await expectMintRestricted(token, agent, carol.address, 10, code);
        seen.push(code);
        await fix();
      }
      expect(seen).to.deep.equal([1, 2, 5, 6, 7, 8, 9, 11]);
      await expectMintAllowed(token, agent, carol.address, 10);
      expect(await token.holderCount()).to.equal(2n);
    });
  });

  describe("messageForTransferRestriction", function () {
    const messages: [number, string][] = [
      [Restriction.NONE, "No restriction"],
      [Restriction.PAUSED, "Token is paused"],
      [Restriction.WALLET_FROZEN, "Sender or recipient wallet is frozen"],
      [Restriction.INSUFFICIENT_UNFROZEN_BALANCE, "Amount exceeds the sender's unfrozen balance"],
      [Restriction.SENDER_NOT_VERIFIED, "Sender is not a verified participant"],
      [Restriction.RECIPIENT_NOT_VERIFIED, "Recipient is not a verified participant"],
      [Restriction.RECIPIENT_MISSING_ATTRIBUTES, "Recipient lacks the attributes this token requires"],
      [Restriction.COUNTRY_NOT_ALLOWED, "Recipient's country is not allowed"],
      [Restriction.ENTITY_BALANCE_LIMIT, "Recipient entity's balance would exceed the maximum"],
      [Restriction.HOLDER_LIMIT, "Number of holders would exceed the maximum"],
      [Restriction.TOKENS_LOCKED, "Tokens are under lock-up"],
      [Restriction.COMPLIANCE_HOOK_REJECTED, "Rejected by the compliance hook"],
    ];

    it("has a distinct text for each of the codes 0..11", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      expect(messages.map(([code]) => code)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      for (const [code, text] of messages) {
        expect(await token.messageForTransferRestriction(code)).to.equal(text);
      }
      expect(new Set(messages.map(([, text]) => text)).size).to.equal(messages.length);
    });

    it("answers 'Unknown restriction code' for codes outside 0..11 (12, 200, 255)", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      for (const code of [12, 200, 255]) {
        expect(await token.messageForTransferRestriction(code)).to.equal("Unknown restriction code");
      }
    });
  });
});

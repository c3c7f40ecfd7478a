import fs from "node:fs";
import path from "node:path";
import hre, { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse, Interface } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Attr, Country, Restriction } from "../../scripts/lib/constants";
import { NO_OPERATORS, deployIdentityRegistry, deploySecurityToken } from "../../scripts/lib/deploy";
import { ONE_YEAR, deployTokenFixture, entity } from "../fixtures/token";
import type { SecurityToken } from "../../typechain-types";

const ALICE = entity("ALICE");
const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const SUPPLY_ROLE = ethers.id("SUPPLY_ROLE");
const FREEZE_ROLE = ethers.id("FREEZE_ROLE");
const FORCED_TRANSFER_ROLE = ethers.id("FORCED_TRANSFER_ROLE");
const RECOVERY_ROLE = ethers.id("RECOVERY_ROLE");
const DOCUMENT_ROLE = ethers.id("DOCUMENT_ROLE");
const COMPLIANCE_ROLE = ethers.id("COMPLIANCE_ROLE");
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");
/** The operator duties (ERC-3643's agent, split so that a key that only freezes cannot mint). */
const DUTY_ROLES = [SUPPLY_ROLE, FREEZE_ROLE, FORCED_TRANSFER_ROLE, RECOVERY_ROLE, DOCUMENT_ROLE];
const OPERATIONAL_ROLES = [...DUTY_ROLES, COMPLIANCE_ROLE, GUARDIAN_ROLE];

const PROSPECTUS = ethers.encodeBytes32String("prospectus");
const TERMS = ethers.encodeBytes32String("terms");
const REPORT = ethers.encodeBytes32String("annual-report-2025");

/** Upgrades to SecurityTokenV2 are validated with every hardhat-upgrades check on. */
// Always a fresh implementation: the plugin's manifest outlives the fixtures' snapshot reverts, and
// an implementation address it remembers may hold another contract after a revert.
const V2_OPTS = { kind: "uups" as const, redeployImplementation: "always" as const };

/** alice 100, bob 50, one document (PROSPECTUS). */
async function operatingFixture() {
  const f = await deployTokenFixture();
  await f.token.connect(f.agent).mint(f.alice.address, 100);
  await f.token.connect(f.agent).mint(f.bob.address, 50);
  await f.token.connect(f.agent).setDocument(PROSPECTUS, "ipfs://prospectus-v1", ethers.id("prospectus-v1"));
  return f;
}

async function blockTime(tx: ContractTransactionResponse): Promise<number> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return block!.timestamp;
}

describe("SecurityToken administration", function () {
  describe("initialize", function () {
    it("sets name, symbol, decimals, registry and the admin (who gets no operational role)", async function () {
      const { token, registry, admin } = await loadFixture(deployTokenFixture);
      expect(await token.name()).to.equal("Shenzhen Port Holdings Share");
      expect(await token.symbol()).to.equal("SZPH");
      expect(await token.decimals()).to.equal(0n);
      expect(await token.totalSupply()).to.equal(0n);
      expect(await token.identityRegistry()).to.equal(await registry.getAddress());
      expect(await token.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      for (const role of OPERATIONAL_ROLES) {
        expect(await token.hasRole(role, admin.address)).to.equal(false);
      }
      // No rule is active on a new token.
      expect(await token.paused()).to.equal(false);
      expect(await token.requiredAttributes()).to.equal(0n);
      expect(await token.countryRestricted()).to.equal(false);
      expect(await token.allowedCountryCount()).to.equal(0n);
      expect(await token.maxEntityBalance()).to.equal(0n);
      expect(await token.maxHolders()).to.equal(0n);
      expect(await token.complianceHook()).to.equal(ethers.ZeroAddress);
      expect(await token.compliance()).to.equal(await token.getAddress());
      expect(await token.onchainID()).to.equal(ethers.ZeroAddress);
      expect(await token.version()).to.equal("2.0.0");
      expect(await token.holderCount()).to.equal(0n);
      expect(await token.getAllDocuments()).to.deep.equal([]);
      expect(await registry.isTokenBound(await token.getAddress())).to.equal(true);
    });

    it("emits the ERC-3643 events IdentityRegistryAdded(registry) and ComplianceAdded(token itself)", async function () {
      const { token, registry } = await loadFixture(deployTokenFixture);
      const registries = await token.queryFilter(token.filters.IdentityRegistryAdded());
      expect(registries.map((e) => e.args._identityRegistry)).to.deep.equal([await registry.getAddress()]);
      const compliances = await token.queryFilter(token.filters.ComplianceAdded());
      expect(compliances.map((e) => e.args._compliance)).to.deep.equal([await token.getAddress()]);
    });

    it("names the first operators by duty, and gives the deployer no role", async function () {
      const { registry, admin, agent, compliance, guardian, alice, bob, carol, outsider } =
        await loadFixture(deployTokenFixture);
      const factory = await ethers.getContractFactory("SecurityToken", outsider);
      const operators = {
        supplyAgents: [agent.address],
        freezeAgents: [alice.address],
        forcedTransferAgents: [bob.address],
        recoveryAgents: [carol.address],
        documentAgents: [agent.address, carol.address],
        complianceOfficers: [compliance.address],
        guardians: [guardian.address, alice.address],
      };
      const token = (await upgrades.deployProxy(
        factory,
        ["T", "T", 0, await registry.getAddress(), admin.address, operators],
        { kind: "uups" },
      )) as unknown as SecurityToken;
      const holders: [string, string[]][] = [
        [DEFAULT_ADMIN_ROLE, [admin.address]],
        [SUPPLY_ROLE, [agent.address]],
        [FREEZE_ROLE, [alice.address]],
        [FORCED_TRANSFER_ROLE, [bob.address]],
        [RECOVERY_ROLE, [carol.address]],
        [DOCUMENT_ROLE, [agent.address, carol.address]],
        [COMPLIANCE_ROLE, [compliance.address]],
        [GUARDIAN_ROLE, [guardian.address, alice.address]],
      ];
      const everyone = [admin, agent, compliance, guardian, alice, bob, carol, outsider].map((s) => s.address);
      for (const [role, expected] of holders) {
        for (const account of everyone) {
          expect(await token.hasRole(role, account)).to.equal(expected.includes(account));
        }
      }
    });

    it("reverts with ZeroAddress for a zero registry, a zero admin or a zero operator of any duty", async function () {
      const { registry, admin, agent } = await loadFixture(deployTokenFixture);
      const factory = await ethers.getContractFactory("SecurityToken");
      const registryAddress = await registry.getAddress();
      const deploy = (registryArg: string, adminArg: string, operators: typeof NO_OPERATORS) =>
        upgrades.deployProxy(factory, ["T", "T", 0, registryArg, adminArg, operators], { kind: "uups" });
      await expect(deploy(ethers.ZeroAddress, admin.address, NO_OPERATORS)).to.be.revertedWithCustomError(
        factory,
        "ZeroAddress",
      );
      await expect(deploy(registryAddress, ethers.ZeroAddress, NO_OPERATORS)).to.be.revertedWithCustomError(
        factory,
        "ZeroAddress",
      );
      const duties = Object.keys(NO_OPERATORS) as (keyof typeof NO_OPERATORS)[];
      expect(duties.length).to.equal(7);
      for (const duty of duties) {
        await expect(
          deploy(registryAddress, admin.address, { ...NO_OPERATORS, [duty]: [agent.address, ethers.ZeroAddress] }),
        ).to.be.revertedWithCustomError(factory, "ZeroAddress");
      }
    });

    it("reverts with EmptyName / EmptySymbol for an empty name or symbol", async function () {
      const { registry, admin } = await loadFixture(deployTokenFixture);
      const factory = await ethers.getContractFactory("SecurityToken");
      const registryAddress = await registry.getAddress();
      await expect(
        upgrades.deployProxy(factory, ["", "T", 0, registryAddress, admin.address, NO_OPERATORS], { kind: "uups" }),
      ).to.be.revertedWithCustomError(factory, "EmptyName");
      await expect(
        upgrades.deployProxy(factory, ["T", "", 0, registryAddress, admin.address, NO_OPERATORS], { kind: "uups" }),
      ).to.be.revertedWithCustomError(factory, "EmptySymbol");
    });

    it("cannot be called again on the proxy (InvalidInitialization)", async function () {
      const { token, registry, outsider } = await loadFixture(deployTokenFixture);
      await expect(
        token.connect(outsider).initialize("X", "X", 18, await registry.getAddress(), outsider.address, NO_OPERATORS),
      ).to.be.revertedWithCustomError(token, "InvalidInitialization");
      expect(await token.hasRole(DEFAULT_ADMIN_ROLE, outsider.address)).to.equal(false);
      expect(await token.name()).to.equal("Shenzhen Port Holdings Share");
    });

    it("cannot initialize the implementation contract (InvalidInitialization)", async function () {
      const { token, registry, outsider } = await loadFixture(deployTokenFixture);
      const implAddress = await upgrades.erc1967.getImplementationAddress(await token.getAddress());
      const impl = token.attach(implAddress) as SecurityToken;
      await expect(
        impl.connect(outsider).initialize("X", "X", 0, await registry.getAddress(), outsider.address, NO_OPERATORS),
      ).to.be.revertedWithCustomError(impl, "InvalidInitialization");
      expect(await impl.hasRole(DEFAULT_ADMIN_ROLE, outsider.address)).to.equal(false);
    });
  });

  describe("decimals", function () {
    for (const decimals of [0, 2, 18]) {
      it(`is configurable at initialisation (${decimals})`, async function () {
        const { registry, admin, agent, alice } = await loadFixture(deployTokenFixture);
        const token = await deploySecurityToken(
          hre,
          { name: "Decimals", symbol: "DEC", decimals },
          await registry.getAddress(),
          admin.address,
        );
        expect(await token.decimals()).to.equal(BigInt(decimals));
        // Amounts are in base units whatever the decimals: one whole token is 10^decimals units.
        await token.grantRole(SUPPLY_ROLE, agent.address);
        await token.connect(agent).mint(alice.address, ethers.parseUnits("1", decimals));
        expect(await token.balanceOf(alice.address)).to.equal(10n ** BigInt(decimals));
      });
    }
  });

  describe("a second instance as the cash token", function () {
    async function cashFixture() {
      const f = await deployTokenFixture();
      const cash = await deploySecurityToken(
        hre,
        { name: "Consortium Settlement Cash", symbol: "CNYc", decimals: 2 },
        await f.registry.getAddress(),
        f.admin.address,
      );
      await cash.grantRole(SUPPLY_ROLE, f.agent.address);
      // The share token gets strict rules; the cash token none.
      await f.token.connect(f.compliance).setCountryRestriction(true);
      await f.token.connect(f.compliance).setCountryAllowed(Country.SG, true);
      await f.token.connect(f.compliance).setRequiredAttributes(Attr.QUALIFIED_INVESTOR);
      await f.token.connect(f.compliance).setMaxHolders(1);
      return { ...f, cash };
    }

    it("moves freely between verified participants while the share token's rules refuse the same moves", async function () {
      const { token, cash, agent, alice, bob, carol } = await loadFixture(cashFixture);
      await cash.connect(agent).batchMint([alice.address, bob.address], [100_000, 50_000]);
      await expect(cash.connect(alice).transfer(carol.address, 25_000)).to.changeTokenBalances(
        cash,
        [alice, carol],
        [-25_000n, 25_000n],
      );
      expect(await cash.detectTransferRestriction(bob.address, carol.address, 50_000)).to.equal(Restriction.NONE);
      expect(await cash.holderCount()).to.equal(3n);
      // Same participants, same registry, other token: refused.
      expect(await token.detectTransferRestriction(ethers.ZeroAddress, carol.address, 1)).to.equal(
        Restriction.RECIPIENT_MISSING_ATTRIBUTES,
      );
      expect(await cash.requiredAttributes()).to.equal(0n);
      expect(await cash.countryRestricted()).to.equal(false);
      expect(await cash.allowedCountryCount()).to.equal(0n);
      expect(await cash.maxHolders()).to.equal(0n);
    });

    it("still only reaches verified participants", async function () {
      const { cash, agent, alice, outsider } = await loadFixture(cashFixture);
      await cash.connect(agent).mint(alice.address, 1_000);
      await expect(cash.connect(alice).transfer(outsider.address, 1))
        .to.be.revertedWithCustomError(cash, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
    });

    it("has its own roles and pause: pausing the share token does not stop cash", async function () {
      const { token, cash, guardian, agent, alice, bob } = await loadFixture(cashFixture);
      await cash.connect(agent).mint(alice.address, 1_000);
      await token.connect(guardian).pause();
      expect(await cash.paused()).to.equal(false);
      expect(await cash.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(false);
      await expect(cash.connect(alice).transfer(bob.address, 10)).to.changeTokenBalance(cash, bob, 10n);
    });
  });

  describe("compliance settings", function () {
    it("setRequiredAttributes stores the flags and emits RequiredAttributesSet", async function () {
      const { token, compliance } = await loadFixture(deployTokenFixture);
      const flags = Attr.INVESTOR | Attr.QUALIFIED_INVESTOR;
      await expect(token.connect(compliance).setRequiredAttributes(flags))
        .to.emit(token, "RequiredAttributesSet")
        .withArgs(flags);
      expect(await token.requiredAttributes()).to.equal(BigInt(flags));
      await expect(token.connect(compliance).setRequiredAttributes(0))
        .to.emit(token, "RequiredAttributesSet")
        .withArgs(0);
      expect(await token.requiredAttributes()).to.equal(0n);
    });

    it("setCountryAllowed keeps the allow-list and its count, emitting CountryAllowed only on a change", async function () {
      const { token, compliance } = await loadFixture(deployTokenFixture);
      await expect(token.connect(compliance).setCountryAllowed(Country.SG, true))
        .to.emit(token, "CountryAllowed")
        .withArgs(Country.SG, true);
      await token.connect(compliance).setCountryAllowed(Country.HK, true);
      expect(await token.isCountryAllowed(Country.SG)).to.equal(true);
      expect(await token.isCountryAllowed(Country.HK)).to.equal(true);
      expect(await token.isCountryAllowed(Country.CN)).to.equal(false);
      expect(await token.allowedCountryCount()).to.equal(2n);
      // Allowing again changes nothing.
      await expect(token.connect(compliance).setCountryAllowed(Country.SG, true)).to.not.emit(token, "CountryAllowed");
      expect(await token.allowedCountryCount()).to.equal(2n);
      await expect(token.connect(compliance).setCountryAllowed(Country.SG, false))
        .to.emit(token, "CountryAllowed")
        .withArgs(Country.SG, false);
      expect(await token.isCountryAllowed(Country.SG)).to.equal(false);
      expect(await token.allowedCountryCount()).to.equal(1n);
      // Disallowing a country that is not on the list changes nothing (the count does not underflow).
      await expect(token.connect(compliance).setCountryAllowed(Country.US, false)).to.not.emit(token, "CountryAllowed");
      await token.connect(compliance).setCountryAllowed(Country.HK, false);
      await token.connect(compliance).setCountryAllowed(Country.HK, false);
      expect(await token.allowedCountryCount()).to.equal(0n);
    });

    it("setMaxEntityBalance stores the limit and emits MaxEntityBalanceSet", async function () {
      const { token, compliance } = await loadFixture(deployTokenFixture);
      await expect(token.connect(compliance).setMaxEntityBalance(1_000))
        .to.emit(token, "MaxEntityBalanceSet")
        .withArgs(1_000n);
      expect(await token.maxEntityBalance()).to.equal(1_000n);
      await expect(token.connect(compliance).setMaxEntityBalance(0)).to.emit(token, "MaxEntityBalanceSet").withArgs(0n);
      expect(await token.maxEntityBalance()).to.equal(0n);
    });

    it("setMaxHolders stores the limit and emits MaxHoldersSet", async function () {
      const { token, compliance } = await loadFixture(deployTokenFixture);
      await expect(token.connect(compliance).setMaxHolders(500)).to.emit(token, "MaxHoldersSet").withArgs(500n);
      expect(await token.maxHolders()).to.equal(500n);
      await expect(token.connect(compliance).setMaxHolders(0)).to.emit(token, "MaxHoldersSet").withArgs(0n);
      expect(await token.maxHolders()).to.equal(0n);
    });

    it("setCountryRestriction switches the country rule on and off and emits CountryRestrictionSet", async function () {
      const { token, compliance } = await loadFixture(deployTokenFixture);
      await expect(token.connect(compliance).setCountryRestriction(true))
        .to.emit(token, "CountryRestrictionSet")
        .withArgs(true);
      expect(await token.countryRestricted()).to.equal(true);
      await expect(token.connect(compliance).setCountryRestriction(false))
        .to.emit(token, "CountryRestrictionSet")
        .withArgs(false);
      expect(await token.countryRestricted()).to.equal(false);
    });

    it("refuses limits above what the token stores with LimitTooLarge (entity balance 2^112 - 1, holders 2^24 - 1)", async function () {
      const { token, compliance, agent, alice } = await loadFixture(deployTokenFixture);
      const maxBalance = 2n ** 112n - 1n;
      await expect(token.connect(compliance).setMaxEntityBalance(maxBalance + 1n))
        .to.be.revertedWithCustomError(token, "LimitTooLarge")
        .withArgs(maxBalance + 1n, maxBalance);
      await expect(token.connect(compliance).setMaxHolders(2 ** 24))
        .to.be.revertedWithCustomError(token, "LimitTooLarge")
        .withArgs(2 ** 24, 2 ** 24 - 1);
      await expect(token.connect(compliance).setMaxEntityBalance(maxBalance))
        .to.emit(token, "MaxEntityBalanceSet")
        .withArgs(maxBalance);
      await token.connect(compliance).setMaxHolders(2 ** 24 - 1);
      expect(await token.maxEntityBalance()).to.equal(maxBalance);
      expect(await token.maxHolders()).to.equal(2 ** 24 - 1);
      await token.connect(agent).mint(alice.address, maxBalance);
      expect(await token.detectTransferRestriction(ethers.ZeroAddress, alice.address, 1)).to.equal(
        Restriction.ENTITY_BALANCE_LIMIT,
      );
    });

    it("the limits apply independently: removing one keeps the other", async function () {
      const { token, compliance, agent, alice, bob, carol } = await loadFixture(deployTokenFixture);
      await token.connect(compliance).setMaxEntityBalance(10);
      await token.connect(compliance).setMaxHolders(1);
      await token.connect(agent).mint(alice.address, 10);
      expect(await token.detectTransferRestriction(ethers.ZeroAddress, bob.address, 1)).to.equal(
        Restriction.HOLDER_LIMIT,
      );
      await token.connect(compliance).setMaxEntityBalance(0);
      expect(await token.detectTransferRestriction(ethers.ZeroAddress, bob.address, 1)).to.equal(
        Restriction.HOLDER_LIMIT,
      );
      await token.connect(compliance).setMaxEntityBalance(10);
      await token.connect(compliance).setMaxHolders(0);
      expect(await token.detectTransferRestriction(ethers.ZeroAddress, carol.address, 11)).to.equal(
        Restriction.ENTITY_BALANCE_LIMIT,
      );
      expect(await token.detectTransferRestriction(ethers.ZeroAddress, carol.address, 10)).to.equal(Restriction.NONE);
    });
  });

  describe("pause / unpause", function () {
    it("the guardian pauses (Paused) and the admin unpauses (Unpaused)", async function () {
      const { token, admin, guardian } = await loadFixture(deployTokenFixture);
      await expect(token.connect(guardian).pause()).to.emit(token, "Paused").withArgs(guardian.address);
      expect(await token.paused()).to.equal(true);
      await expect(token.connect(admin).unpause()).to.emit(token, "Unpaused").withArgs(admin.address);
      expect(await token.paused()).to.equal(false);
    });

    it("pausing twice reverts with EnforcedPause", async function () {
      const { token, guardian } = await loadFixture(deployTokenFixture);
      await token.connect(guardian).pause();
      await expect(token.connect(guardian).pause()).to.be.revertedWithCustomError(token, "EnforcedPause");
    });

    it("unpausing a running token reverts with ExpectedPause", async function () {
      const { token, admin } = await loadFixture(deployTokenFixture);
      await expect(token.connect(admin).unpause()).to.be.revertedWithCustomError(token, "ExpectedPause");
    });

    it("the guardian cannot unpause; the admin cannot pause without GUARDIAN_ROLE", async function () {
      const { token, admin, guardian } = await loadFixture(deployTokenFixture);
      await expect(token.connect(admin).pause())
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, GUARDIAN_ROLE);
      await token.connect(guardian).pause();
      await expect(token.connect(guardian).unpause())
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, DEFAULT_ADMIN_ROLE);
      expect(await token.paused()).to.equal(true);
    });

    it("stops every token movement: transfers and mints (TransferRestricted), burns, forced transfers and recovery (EnforcedPause)", async function () {
      const { token, guardian, agent, alice, alice2, bob } = await loadFixture(operatingFixture);
      await token.connect(guardian).pause();
      await expect(token.connect(alice).transfer(bob.address, 1))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.PAUSED);
      await expect(token.connect(alice).batchTransfer([bob.address], [1]))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.PAUSED);
      await expect(token.connect(agent).batchMint([bob.address], [1]))
        .to.be.revertedWithCustomError(token, "TransferRestricted")
        .withArgs(Restriction.PAUSED);
      await expect(token.connect(agent).batchBurn([bob.address], [1])).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
      await expect(
        token.connect(agent).batchForcedTransfer([alice.address], [bob.address], [1]),
      ).to.be.revertedWithCustomError(token, "EnforcedPause");
      await expect(
        token.connect(agent).recoveryAddress(alice.address, alice2.address, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(token, "EnforcedPause");
      expect(await token.balanceOf(alice.address)).to.equal(100n);
      expect(await token.balanceOf(bob.address)).to.equal(50n);
    });

    it("does not stop freezes, settings and documents while paused", async function () {
      const { token, guardian, agent, compliance, alice } = await loadFixture(operatingFixture);
      await token.connect(guardian).pause();
      await token.connect(agent).freezePartialTokens(alice.address, 10);
      await token.connect(agent).setAddressFrozen(alice.address, true);
      await token.connect(compliance).setMaxHolders(10);
      await token.connect(agent).setDocument(TERMS, "ipfs://terms", ethers.id("terms"));
      expect(await token.getFrozenTokens(alice.address)).to.equal(10n);
      expect(await token.isFrozen(alice.address)).to.equal(true);
      expect(await token.maxHolders()).to.equal(10n);
      expect(await token.getAllDocuments()).to.deep.equal([PROSPECTUS, TERMS]);
    });
  });

  describe("ERC-1643 documents", function () {
    it("setDocument attaches a document (DocumentUpdated) with the block time as lastModified", async function () {
      const { token, agent } = await loadFixture(deployTokenFixture);
      const hash = ethers.id("prospectus-v1");
      const tx = await token.connect(agent).setDocument(PROSPECTUS, "ipfs://prospectus-v1", hash);
      await expect(tx).to.emit(token, "DocumentUpdated").withArgs(PROSPECTUS, "ipfs://prospectus-v1", hash);
      expect(await token.getDocument(PROSPECTUS)).to.deep.equal([
        "ipfs://prospectus-v1",
        hash,
        BigInt(await blockTime(tx)),
      ]);
      expect(await token.getAllDocuments()).to.deep.equal([PROSPECTUS]);
    });

    it("setDocument on an existing name replaces it in place (new URI, hash and lastModified)", async function () {
      const { token, agent } = await loadFixture(operatingFixture);
      await token.connect(agent).setDocument(TERMS, "ipfs://terms", ethers.id("terms"));
      const [, , firstModified] = await token.getDocument(PROSPECTUS);
      await time.increase(ONE_YEAR / 12);
      const hash = ethers.id("prospectus-v2");
      const tx = await token.connect(agent).setDocument(PROSPECTUS, "ipfs://prospectus-v2", hash);
      await expect(tx).to.emit(token, "DocumentUpdated").withArgs(PROSPECTUS, "ipfs://prospectus-v2", hash);
      const modified = BigInt(await blockTime(tx));
      expect(modified > firstModified).to.equal(true);
      expect(await token.getDocument(PROSPECTUS)).to.deep.equal(["ipfs://prospectus-v2", hash, modified]);
      expect(await token.getAllDocuments()).to.deep.equal([PROSPECTUS, TERMS]);
    });

    it("removeDocument deletes it (DocumentRemoved with its last URI and hash) by swap-and-pop", async function () {
      const { token, agent } = await loadFixture(operatingFixture);
      await token.connect(agent).setDocument(TERMS, "ipfs://terms", ethers.id("terms"));
      await token.connect(agent).setDocument(REPORT, "ipfs://report", ethers.id("report"));
      expect(await token.getAllDocuments()).to.deep.equal([PROSPECTUS, TERMS, REPORT]);

      // Removing the first moves the last into its place.
      await expect(token.connect(agent).removeDocument(PROSPECTUS))
        .to.emit(token, "DocumentRemoved")
        .withArgs(PROSPECTUS, "ipfs://prospectus-v1", ethers.id("prospectus-v1"));
      expect(await token.getAllDocuments()).to.deep.equal([REPORT, TERMS]);
      await expect(token.getDocument(PROSPECTUS))
        .to.be.revertedWithCustomError(token, "DocumentNotFound")
        .withArgs(PROSPECTUS);

      // The moved document's position was updated: it can be removed and read correctly.
      expect((await token.getDocument(REPORT))[0]).to.equal("ipfs://report");
      await expect(token.connect(agent).removeDocument(REPORT))
        .to.emit(token, "DocumentRemoved")
        .withArgs(REPORT, "ipfs://report", ethers.id("report"));
      expect(await token.getAllDocuments()).to.deep.equal([TERMS]);

      // Removing the only (last) one empties the list.
      await token.connect(agent).removeDocument(TERMS);
      expect(await token.getAllDocuments()).to.deep.equal([]);
    });

    it("removing the last document keeps the order of the others", async function () {
      const { token, agent } = await loadFixture(operatingFixture);
      await token.connect(agent).setDocument(TERMS, "ipfs://terms", ethers.id("terms"));
      await token.connect(agent).setDocument(REPORT, "ipfs://report", ethers.id("report"));
      await token.connect(agent).removeDocument(REPORT);
      expect(await token.getAllDocuments()).to.deep.equal([PROSPECTUS, TERMS]);
    });

    it("a removed name can be attached again, at the end of the list, with its new content", async function () {
      const { token, agent } = await loadFixture(operatingFixture);
      await token.connect(agent).setDocument(TERMS, "ipfs://terms", ethers.id("terms"));
      await token.connect(agent).removeDocument(PROSPECTUS);
      await token.connect(agent).setDocument(PROSPECTUS, "ipfs://prospectus-v3", ethers.id("prospectus-v3"));
      expect(await token.getAllDocuments()).to.deep.equal([TERMS, PROSPECTUS]);
      const [uri, hash] = await token.getDocument(PROSPECTUS);
      expect([uri, hash]).to.deep.equal(["ipfs://prospectus-v3", ethers.id("prospectus-v3")]);
    });

    it("reverts with EmptyDocumentName for a zero name", async function () {
      const { token, agent } = await loadFixture(deployTokenFixture);
      await expect(
        token.connect(agent).setDocument(ethers.ZeroHash, "ipfs://x", ethers.id("x")),
      ).to.be.revertedWithCustomError(token, "EmptyDocumentName");
      expect(await token.getAllDocuments()).to.deep.equal([]);
    });

    it("reverts with DocumentNotFound(name) on getting or removing an unknown or removed name", async function () {
      const { token, agent } = await loadFixture(operatingFixture);
      await expect(token.getDocument(TERMS)).to.be.revertedWithCustomError(token, "DocumentNotFound").withArgs(TERMS);
      await expect(token.connect(agent).removeDocument(TERMS))
        .to.be.revertedWithCustomError(token, "DocumentNotFound")
        .withArgs(TERMS);
      await token.connect(agent).removeDocument(PROSPECTUS);
      await expect(token.connect(agent).removeDocument(PROSPECTUS))
        .to.be.revertedWithCustomError(token, "DocumentNotFound")
        .withArgs(PROSPECTUS);
    });
  });

  describe("roles", function () {
    it("are named keccak256 of their names and administered by DEFAULT_ADMIN_ROLE; there is no AGENT_ROLE", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      expect(await token.SUPPLY_ROLE()).to.equal(SUPPLY_ROLE);
      expect(await token.FREEZE_ROLE()).to.equal(FREEZE_ROLE);
      expect(await token.FORCED_TRANSFER_ROLE()).to.equal(FORCED_TRANSFER_ROLE);
      expect(await token.RECOVERY_ROLE()).to.equal(RECOVERY_ROLE);
      expect(await token.DOCUMENT_ROLE()).to.equal(DOCUMENT_ROLE);
      expect(await token.COMPLIANCE_ROLE()).to.equal(COMPLIANCE_ROLE);
      expect(await token.GUARDIAN_ROLE()).to.equal(GUARDIAN_ROLE);
      expect(await token.DEFAULT_ADMIN_ROLE()).to.equal(DEFAULT_ADMIN_ROLE);
      for (const role of [...OPERATIONAL_ROLES, DEFAULT_ADMIN_ROLE]) {
        expect(await token.getRoleAdmin(role)).to.equal(DEFAULT_ADMIN_ROLE);
      }
      const abi = token.interface as unknown as Interface;
      expect(abi.getFunction("AGENT_ROLE")).to.equal(null);
      expect(abi.getFunction("setComplianceHook")).to.equal(null);
    });

    it("the admin grants and revokes a role (RoleGranted / RoleRevoked), which takes effect at once", async function () {
      const { token, admin, alice, carol } = await loadFixture(deployTokenFixture);
      await expect(token.connect(admin).grantRole(SUPPLY_ROLE, carol.address))
        .to.emit(token, "RoleGranted")
        .withArgs(SUPPLY_ROLE, carol.address, admin.address);
      await expect(token.connect(carol).mint(alice.address, 5)).to.changeTokenBalance(token, alice, 5n);
      await expect(token.connect(admin).revokeRole(SUPPLY_ROLE, carol.address))
        .to.emit(token, "RoleRevoked")
        .withArgs(SUPPLY_ROLE, carol.address, admin.address);
      await expect(token.connect(carol).mint(alice.address, 5))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(carol.address, SUPPLY_ROLE);
    });

    it("a holder may renounce its own role only (AccessControlBadConfirmation)", async function () {
      const { token, agent, guardian } = await loadFixture(deployTokenFixture);
      await expect(token.connect(guardian).renounceRole(FREEZE_ROLE, agent.address)).to.be.revertedWithCustomError(
        token,
        "AccessControlBadConfirmation",
      );
      await token.connect(agent).renounceRole(FREEZE_ROLE, agent.address);
      expect(await token.hasRole(FREEZE_ROLE, agent.address)).to.equal(false);
      // The other duties stay.
      expect(await token.hasRole(SUPPLY_ROLE, agent.address)).to.equal(true);
    });

    /**
     * operatingFixture plus one account per duty holding only that duty's role, a second registry,
     * a compliance hook and a V2 implementation (targets of the admin's and the officer's calls).
     */
    async function dutyFixture() {
      const f = await operatingFixture();
      const [supplier, freezer, enforcer, recoverer, archivist] = (await ethers.getSigners()).slice(10, 15);
      const duties: Record<string, HardhatEthersSigner> = {
        [SUPPLY_ROLE]: supplier,
        [FREEZE_ROLE]: freezer,
        [FORCED_TRANSFER_ROLE]: enforcer,
        [RECOVERY_ROLE]: recoverer,
        [DOCUMENT_ROLE]: archivist,
      };
      for (const [role, holder] of Object.entries(duties)) await f.token.grantRole(role, holder.address);
      const otherRegistry = await deployIdentityRegistry(hre, f.admin.address);
      const hook = await (await ethers.getContractFactory("MockComplianceHook")).deploy();
      const v2Impl = await (await ethers.getContractFactory("SecurityTokenV2")).deploy();
      return { ...f, duties, otherRegistry, hook, v2Impl };
    }
    type DutyFixture = Awaited<ReturnType<typeof dutyFixture>>;

    type Call = (token: SecurityToken, f: DutyFixture) => Promise<ContractTransactionResponse>;
    const far = () => time.latest().then((t) => t + ONE_YEAR / 2);
    const REASON = ethers.id("court-order");
    const guarded: { name: string; role: string; call: Call; setup?: (f: DutyFixture) => Promise<unknown> }[] = [
      // SUPPLY_ROLE
      { name: "mint", role: SUPPLY_ROLE, call: (t, f) => t.mint(f.alice.address, 1) },
      {
        name: "mintLocked",
        role: SUPPLY_ROLE,
        call: async (t, f) => t.mintLocked(f.alice.address, 1, await far()),
      },
      { name: "burn", role: SUPPLY_ROLE, call: (t, f) => t.burn(f.alice.address, 1) },
      { name: "batchMint", role: SUPPLY_ROLE, call: (t, f) => t.batchMint([f.alice.address], [1]) },
      { name: "batchBurn", role: SUPPLY_ROLE, call: (t, f) => t.batchBurn([f.alice.address], [1]) },
      // FREEZE_ROLE
      { name: "setAddressFrozen", role: FREEZE_ROLE, call: (t, f) => t.setAddressFrozen(f.alice.address, true) },
      {
        name: "setAddressFrozenWithReason",
        role: FREEZE_ROLE,
        call: (t, f) => t.setAddressFrozenWithReason(f.alice.address, true, REASON),
      },
      { name: "freezePartialTokens", role: FREEZE_ROLE, call: (t, f) => t.freezePartialTokens(f.alice.address, 1) },
      {
        name: "freezePartialTokensWithReason",
        role: FREEZE_ROLE,
        call: (t, f) => t.freezePartialTokensWithReason(f.alice.address, 1, REASON),
      },
      {
        name: "unfreezePartialTokens",
        role: FREEZE_ROLE,
        setup: (f) => f.token.connect(f.agent).freezePartialTokens(f.alice.address, 1),
        call: (t, f) => t.unfreezePartialTokens(f.alice.address, 1),
      },
      {
        name: "unfreezePartialTokensWithReason",
        role: FREEZE_ROLE,
        setup: (f) => f.token.connect(f.agent).freezePartialTokens(f.alice.address, 1),
        call: (t, f) => t.unfreezePartialTokensWithReason(f.alice.address, 1, REASON),
      },
      {
        name: "batchSetAddressFrozen",
        role: FREEZE_ROLE,
        call: (t, f) => t.batchSetAddressFrozen([f.alice.address], [true]),
      },
      {
        name: "batchFreezePartialTokens",
        role: FREEZE_ROLE,
        call: (t, f) => t.batchFreezePartialTokens([f.alice.address], [1]),
      },
      {
        name: "batchUnfreezePartialTokens",
        role: FREEZE_ROLE,
        setup: (f) => f.token.connect(f.agent).freezePartialTokens(f.alice.address, 1),
        call: (t, f) => t.batchUnfreezePartialTokens([f.alice.address], [1]),
      },
      // FORCED_TRANSFER_ROLE
      {
        name: "forcedTransfer",
        role: FORCED_TRANSFER_ROLE,
        call: (t, f) => t.forcedTransfer(f.alice.address, f.bob.address, 1),
      },
      {
        name: "forcedTransferWithReason",
        role: FORCED_TRANSFER_ROLE,
        call: (t, f) => t.forcedTransferWithReason(f.alice.address, f.bob.address, 1, REASON),
      },
      {
        name: "batchForcedTransfer",
        role: FORCED_TRANSFER_ROLE,
        call: (t, f) => t.batchForcedTransfer([f.alice.address], [f.bob.address], [1]),
      },
      // RECOVERY_ROLE
      {
        name: "recoveryAddress",
        role: RECOVERY_ROLE,
        call: (t, f) => t.recoveryAddress(f.alice.address, f.alice2.address, ethers.ZeroAddress),
      },
      // DOCUMENT_ROLE
      {
        name: "setDocument",
        role: DOCUMENT_ROLE,
        call: (t) => t.setDocument(TERMS, "ipfs://terms", ethers.id("terms")),
      },
      { name: "removeDocument", role: DOCUMENT_ROLE, call: (t) => t.removeDocument(PROSPECTUS) },
      // COMPLIANCE_ROLE
      { name: "setRequiredAttributes", role: COMPLIANCE_ROLE, call: (t) => t.setRequiredAttributes(Attr.INVESTOR) },
      { name: "setCountryRestriction", role: COMPLIANCE_ROLE, call: (t) => t.setCountryRestriction(true) },
      { name: "setCountryAllowed", role: COMPLIANCE_ROLE, call: (t) => t.setCountryAllowed(Country.CN, true) },
      { name: "setMaxEntityBalance", role: COMPLIANCE_ROLE, call: (t) => t.setMaxEntityBalance(1_000) },
      { name: "setMaxHolders", role: COMPLIANCE_ROLE, call: (t) => t.setMaxHolders(10) },
      {
        name: "setCompliance",
        role: COMPLIANCE_ROLE,
        call: async (t, f) => t.setCompliance(await f.hook.getAddress()),
      },
      // RECORD_ROLE (held by the corporate-actions contract; granted to the admin here)
      {
        name: "scheduleRecordTime",
        role: ethers.id("RECORD_ROLE"),
        setup: (f) => f.token.connect(f.admin).grantRole(ethers.id("RECORD_ROLE"), f.admin.address),
        call: async (t) => t.scheduleRecordTime((await time.latest()) + 86_400),
      },
      // GUARDIAN_ROLE
      { name: "pause", role: GUARDIAN_ROLE, call: (t) => t.pause() },
      // DEFAULT_ADMIN_ROLE
      {
        name: "unpause",
        role: DEFAULT_ADMIN_ROLE,
        setup: (f) => f.token.connect(f.guardian).pause(),
        call: (t) => t.unpause(),
      },
      { name: "setName", role: DEFAULT_ADMIN_ROLE, call: (t) => t.setName("Renamed Share") },
      { name: "setSymbol", role: DEFAULT_ADMIN_ROLE, call: (t) => t.setSymbol("RNM") },
      { name: "setOnchainID", role: DEFAULT_ADMIN_ROLE, call: (t, f) => t.setOnchainID(f.carol.address) },
      {
        name: "setIdentityRegistry",
        role: DEFAULT_ADMIN_ROLE,
        // Allowed only with no supply: redeem everything first.
        setup: (f) => f.token.connect(f.agent).batchBurn([f.alice.address, f.bob.address], [100, 50]),
        call: async (t, f) => t.setIdentityRegistry(await f.otherRegistry.getAddress()),
      },
      {
        name: "upgradeToAndCall",
        role: DEFAULT_ADMIN_ROLE,
        call: async (t, f) => t.upgradeToAndCall(await f.v2Impl.getAddress(), "0x"),
      },
      { name: "grantRole", role: DEFAULT_ADMIN_ROLE, call: (t, f) => t.grantRole(SUPPLY_ROLE, f.carol.address) },
      { name: "revokeRole", role: DEFAULT_ADMIN_ROLE, call: (t, f) => t.revokeRole(SUPPLY_ROLE, f.agent.address) },
    ];

    it("the table covers every role-guarded function of the ABI", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      const unguarded = new Set([
        // Holders' ERC-20 and batch transfers, renouncing one's own role, the one-time initializer.
        "transfer",
        "transferFrom",
        "approve",
        "batchTransfer",
        "renounceRole",
        "initialize",
        // Only the token's identity registry may call it (CallerNotIdentityRegistry, tested below).
        "participantChanged",
      ]);
      const writes = token.interface.fragments
        .filter((fragment) => fragment.type === "function")
        .map((fragment) => fragment as unknown as { name: string; stateMutability: string })
        .filter((fn) => fn.stateMutability !== "view" && fn.stateMutability !== "pure")
        .map((fn) => fn.name)
        .filter((name) => !unguarded.has(name));
      expect([...writes].sort()).to.deep.equal(guarded.map((g) => g.name).sort());
    });

    for (const { name, role, call, setup } of guarded) {
      it(`${name} reverts with AccessControlUnauthorizedAccount for every account without the role (other duties included), and works with it`, async function () {
        const f = await loadFixture(dutyFixture);
        if (setup) await setup(f);
        const holder =
          f.duties[role] ?? { [COMPLIANCE_ROLE]: f.compliance, [GUARDIAN_ROLE]: f.guardian }[role] ?? f.admin;
        // The fixture's agent holds every duty: it is an outsider only to the other roles.
        const candidates = [
          f.admin,
          f.compliance,
          f.guardian,
          ...Object.values(f.duties),
          f.alice,
          f.outsider,
          ...(DUTY_ROLES.includes(role) ? [] : [f.agent]),
        ];
        const others = candidates.filter((s) => s !== holder);
        expect(others.length).to.be.greaterThanOrEqual(9);
        for (const caller of others) {
          expect(await f.token.hasRole(role, caller.address)).to.equal(false);
          await expect(call(f.token.connect(caller), f))
            .to.be.revertedWithCustomError(f.token, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, role);
        }
        await expect(call(f.token.connect(holder), f)).to.not.be.reverted;
      });
    }

    it("a duty holder holds no other duty: a freezer cannot mint, burn, force, recover or file documents", async function () {
      const f = await loadFixture(dutyFixture);
      const freezer = f.duties[FREEZE_ROLE];
      const t = f.token.connect(freezer);
      await t.setAddressFrozen(f.bob.address, true);
      const refused: [() => Promise<unknown>, string][] = [
        [() => t.mint(f.alice.address, 1), SUPPLY_ROLE],
        [() => t.burn(f.alice.address, 1), SUPPLY_ROLE],
        [() => t.forcedTransfer(f.alice.address, f.carol.address, 1), FORCED_TRANSFER_ROLE],
        [() => t.recoveryAddress(f.alice.address, f.alice2.address, ethers.ZeroAddress), RECOVERY_ROLE],
        [() => t.setDocument(TERMS, "ipfs://terms", ethers.id("terms")), DOCUMENT_ROLE],
        [() => t.setMaxHolders(1), COMPLIANCE_ROLE],
        [() => t.pause(), GUARDIAN_ROLE],
      ];
      for (const [call, role] of refused) {
        await expect(call())
          .to.be.revertedWithCustomError(f.token, "AccessControlUnauthorizedAccount")
          .withArgs(freezer.address, role);
      }
      expect(await f.token.isFrozen(f.bob.address)).to.equal(true);
    });
  });

  describe("ERC-3643 IToken interface", function () {
    /** The 37 functions of ERC-3643's IToken (T-REX 4.x), IERC20 and IERC20Metadata included. */
    const ITOKEN_FUNCTIONS = [
      "setName(string)",
      "setSymbol(string)",
      "setOnchainID(address)",
      "pause()",
      "unpause()",
      "setAddressFrozen(address,bool)",
      "freezePartialTokens(address,uint256)",
      "unfreezePartialTokens(address,uint256)",
      "setIdentityRegistry(address)",
      "setCompliance(address)",
      "forcedTransfer(address,address,uint256)",
      "mint(address,uint256)",
      "burn(address,uint256)",
      "recoveryAddress(address,address,address)",
      "batchTransfer(address[],uint256[])",
      "batchForcedTransfer(address[],address[],uint256[])",
      "batchMint(address[],uint256[])",
      "batchBurn(address[],uint256[])",
      "batchSetAddressFrozen(address[],bool[])",
      "batchFreezePartialTokens(address[],uint256[])",
      "batchUnfreezePartialTokens(address[],uint256[])",
      "decimals()",
      "name()",
      "onchainID()",
      "symbol()",
      "version()",
      "identityRegistry()",
      "compliance()",
      "paused()",
      "isFrozen(address)",
      "getFrozenTokens(address)",
      "totalSupply()",
      "balanceOf(address)",
      "transfer(address,uint256)",
      "allowance(address,address)",
      "approve(address,uint256)",
      "transferFrom(address,address,uint256)",
    ];
    /** The 9 events IToken declares (besides IERC20's Transfer and Approval). */
    const ITOKEN_EVENTS = [
      "UpdatedTokenInformation(string,string,uint8,string,address)",
      "IdentityRegistryAdded(address)",
      "ComplianceAdded(address)",
      "RecoverySuccess(address,address,address)",
      "AddressFrozen(address,bool,address)",
      "TokensFrozen(address,uint256)",
      "TokensUnfrozen(address,uint256)",
      "Paused(address)",
      "Unpaused(address)",
    ];

    it("lists 37 distinct functions and 9 distinct events", function () {
      expect(new Set(ITOKEN_FUNCTIONS).size).to.equal(37);
      expect(new Set(ITOKEN_EVENTS).size).to.equal(9);
    });

    it("the deployed token has every IToken function with its selector, dispatched by its implementation", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      const implementation = await upgrades.erc1967.getImplementationAddress(await token.getAddress());
      const code = (await ethers.provider.getCode(implementation)).toLowerCase();
      for (const signature of ITOKEN_FUNCTIONS) {
        const selector = ethers.id(signature).slice(0, 10);
        const fn = (token.interface as unknown as Interface).getFunction(signature);
        expect(fn, signature).to.not.equal(null);
        expect(fn!.selector, signature).to.equal(selector);
        // The dispatcher compares against the selector (leading zero bytes are pushed shorter).
        expect(code.includes(selector.slice(2).replace(/^(00)+/, "")), signature).to.equal(true);
      }
    });

    it("the deployed token's ABI has every IToken event with its topic", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      for (const signature of ITOKEN_EVENTS) {
        const event = (token.interface as unknown as Interface).getEvent(signature);
        expect(event, signature).to.not.equal(null);
        expect(event!.topicHash, signature).to.equal(ethers.id(signature));
      }
    });

    it("IERC3643 declares exactly these functions and events (plus IERC20's Transfer and Approval)", async function () {
      const iface = (await ethers.getContractAt("IERC3643", ethers.ZeroAddress)).interface;
      const functions: string[] = [];
      iface.forEachFunction((fn) => functions.push(fn.format("sighash")));
      expect([...functions].sort()).to.deep.equal([...ITOKEN_FUNCTIONS].sort());
      const events: string[] = [];
      iface.forEachEvent((event) => events.push(event.format("sighash")));
      expect([...events].sort()).to.deep.equal(
        [...ITOKEN_EVENTS, "Transfer(address,address,uint256)", "Approval(address,address,uint256)"].sort(),
      );
    });

    describe("compliance / setCompliance", function () {
      it("compliance() is the token itself without a hook, the hook once set (ComplianceAdded)", async function () {
        const { token, compliance } = await loadFixture(deployTokenFixture);
        const self = await token.getAddress();
        const hook = await (await ethers.getContractFactory("MockComplianceHook")).deploy();
        const hookAddress = await hook.getAddress();
        expect(await token.compliance()).to.equal(self);
        await expect(token.connect(compliance).setCompliance(hookAddress))
          .to.emit(token, "ComplianceAdded")
          .withArgs(hookAddress);
        expect(await token.compliance()).to.equal(hookAddress);
        expect(await token.complianceHook()).to.equal(hookAddress);
        // Zero removes the hook: the token judges alone again.
        await expect(token.connect(compliance).setCompliance(ethers.ZeroAddress))
          .to.emit(token, "ComplianceAdded")
          .withArgs(self);
        expect(await token.compliance()).to.equal(self);
        expect(await token.complianceHook()).to.equal(ethers.ZeroAddress);
      });

      it("setting the token itself means no hook (the token is not consulted as its own hook)", async function () {
        const { token, compliance, agent, alice } = await loadFixture(deployTokenFixture);
        const self = await token.getAddress();
        const hook = await (await ethers.getContractFactory("MockComplianceHook")).deploy();
        await hook.setBlocked(alice.address, true);
        await token.connect(compliance).setCompliance(await hook.getAddress());
        expect(await token.detectTransferRestriction(ethers.ZeroAddress, alice.address, 1)).to.equal(
          Restriction.COMPLIANCE_HOOK_REJECTED,
        );
        await expect(token.connect(compliance).setCompliance(self)).to.emit(token, "ComplianceAdded").withArgs(self);
        expect(await token.compliance()).to.equal(self);
        expect(await token.complianceHook()).to.equal(ethers.ZeroAddress);
        await expect(token.connect(agent).mint(alice.address, 1)).to.changeTokenBalance(token, alice, 1n);
      });
    });

    describe("onchainID / setOnchainID, setName, setSymbol, version", function () {
      it("version() is 2.0.0", async function () {
        const { token } = await loadFixture(deployTokenFixture);
        expect(await token.version()).to.equal("2.0.0");
      });

      it("setOnchainID sets and clears the issuer's identity, emitting UpdatedTokenInformation", async function () {
        const { token, admin } = await loadFixture(deployTokenFixture);
        const id = ethers.Wallet.createRandom().address;
        await expect(token.connect(admin).setOnchainID(id))
          .to.emit(token, "UpdatedTokenInformation")
          .withArgs("Shenzhen Port Holdings Share", "SZPH", 0, "2.0.0", id);
        expect(await token.onchainID()).to.equal(id);
        await expect(token.connect(admin).setOnchainID(ethers.ZeroAddress))
          .to.emit(token, "UpdatedTokenInformation")
          .withArgs("Shenzhen Port Holdings Share", "SZPH", 0, "2.0.0", ethers.ZeroAddress);
        expect(await token.onchainID()).to.equal(ethers.ZeroAddress);
      });

      it("setName and setSymbol rename the token, emitting UpdatedTokenInformation with the current fields", async function () {
        const { token, admin } = await loadFixture(deployTokenFixture);
        const id = ethers.Wallet.createRandom().address;
        await token.connect(admin).setOnchainID(id);
        await expect(token.connect(admin).setName("Shenzhen Port Group Share"))
          .to.emit(token, "UpdatedTokenInformation")
          .withArgs("Shenzhen Port Group Share", "SZPH", 0, "2.0.0", id);
        await expect(token.connect(admin).setSymbol("SZPG"))
          .to.emit(token, "UpdatedTokenInformation")
          .withArgs("Shenzhen Port Group Share", "SZPG", 0, "2.0.0", id);
        expect(await token.name()).to.equal("Shenzhen Port Group Share");
        expect(await token.symbol()).to.equal("SZPG");
        expect(await token.decimals()).to.equal(0n);
      });

      it("setName / setSymbol revert with EmptyName / EmptySymbol for an empty string", async function () {
        const { token, admin } = await loadFixture(deployTokenFixture);
        await expect(token.connect(admin).setName("")).to.be.revertedWithCustomError(token, "EmptyName");
        await expect(token.connect(admin).setSymbol("")).to.be.revertedWithCustomError(token, "EmptySymbol");
        expect(await token.name()).to.equal("Shenzhen Port Holdings Share");
        expect(await token.symbol()).to.equal("SZPH");
      });
    });

    describe("setIdentityRegistry", function () {
      /**
       * A second registry (signer 0 binds tokens) where alice is in SG and bob in CN; carol is
       * registered only in the first registry. The token's supply is zero.
       */
      async function switchFixture() {
        const f = await deployTokenFixture();
        const second = await deployIdentityRegistry(hre, f.admin.address, [f.registrar.address]);
        const expiry = (await time.latest()) + ONE_YEAR;
        await second.connect(f.registrar).registerIdentity(f.alice.address, ALICE, Country.SG, expiry, Attr.INVESTOR);
        await second
          .connect(f.registrar)
          .registerIdentity(f.bob.address, entity("BOB"), Country.CN, expiry, Attr.INVESTOR);
        return { ...f, second };
      }

      it("reverts with SupplyNotZero(totalSupply) while tokens are in circulation", async function () {
        const { token, admin, agent, alice, bob, second } = await loadFixture(switchFixture);
        await token.connect(agent).mint(alice.address, 100);
        await token.connect(agent).mint(bob.address, 50);
        await expect(token.connect(admin).setIdentityRegistry(await second.getAddress()))
          .to.be.revertedWithCustomError(token, "SupplyNotZero")
          .withArgs(150n);
        await token.connect(agent).burn(alice.address, 100);
        await expect(token.connect(admin).setIdentityRegistry(await second.getAddress()))
          .to.be.revertedWithCustomError(token, "SupplyNotZero")
          .withArgs(50n);
        await token.connect(agent).burn(bob.address, 50);
        await expect(token.connect(admin).setIdentityRegistry(await second.getAddress()))
          .to.emit(token, "IdentityRegistryAdded")
          .withArgs(await second.getAddress());
      });

      it("reverts with ZeroAddress for the zero address", async function () {
        const { token, admin } = await loadFixture(switchFixture);
        await expect(token.connect(admin).setIdentityRegistry(ethers.ZeroAddress)).to.be.revertedWithCustomError(
          token,
          "ZeroAddress",
        );
      });

      it("leaves the old registry (TokenUnbound): its changes no longer reach the token", async function () {
        const { token, registry, registrar, admin, agent, alice, second } = await loadFixture(switchFixture);
        const self = await token.getAddress();
        // The token cached alice's record in the old registry, then redeemed everything.
        await token.connect(agent).mint(alice.address, 10);
        await token.connect(agent).burn(alice.address, 10);
        const tx = token.connect(admin).setIdentityRegistry(await second.getAddress());
        await expect(tx).to.emit(registry, "TokenUnbound").withArgs(self);
        await expect(tx)
          .to.emit(token, "IdentityRegistryAdded")
          .withArgs(await second.getAddress());
        expect(await token.identityRegistry()).to.equal(await second.getAddress());
        expect(await registry.isTokenBound(self)).to.equal(false);
        // The old registry's changes to alice no longer call the token (it would refuse them).
        await registry.connect(registrar).removeIdentity(alice.address);
        expect(await registry.contains(alice.address)).to.equal(false);
        // The token reads alice from the new registry.
        expect(await token.detectTransferRestriction(ethers.ZeroAddress, alice.address, 1)).to.equal(Restriction.NONE);
      });

      it("nobody receives (TokenNotBound) until the new registry binds the token; then its records decide", async function () {
        const { token, admin, agent, compliance, alice, bob, carol, second } = await loadFixture(switchFixture);
        const self = await token.getAddress();
        await token.connect(admin).setIdentityRegistry(await second.getAddress());
        expect(await second.isTokenBound(self)).to.equal(false);
        await expect(token.connect(agent).mint(alice.address, 10))
          .to.be.revertedWithCustomError(second, "TokenNotBound")
          .withArgs(self);
        await expect(token.connect(agent).batchMint([bob.address], [10]))
          .to.be.revertedWithCustomError(second, "TokenNotBound")
          .withArgs(self);

        await second.bindToken(self);
        await expect(token.connect(agent).mint(alice.address, 10)).to.changeTokenBalance(token, alice, 10n);
        expect(await second.cachingTokensOf(alice.address)).to.deep.equal([self]);
        // carol is registered only in the old registry.
        await expect(token.connect(agent).mint(carol.address, 1))
          .to.be.revertedWithCustomError(token, "TransferRestricted")
          .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
        // Countries come from the new registry: alice is in SG there, bob in CN.
        await token.connect(compliance).setCountryRestriction(true);
        await token.connect(compliance).setCountryAllowed(Country.SG, true);
        await expect(token.connect(alice).transfer(bob.address, 1))
          .to.be.revertedWithCustomError(token, "TransferRestricted")
          .withArgs(Restriction.COUNTRY_NOT_ALLOWED);
        await token.connect(compliance).setCountryAllowed(Country.CN, true);
        await expect(token.connect(alice).transfer(bob.address, 4)).to.changeTokenBalance(token, bob, 4n);
        expect(await token.holderCount()).to.equal(2n);
        expect(await token.entityBalance(ALICE)).to.equal(6n);
      });

      it("switching back to a former registry needs a new binding; its changes then reach the token again", async function () {
        const { token, registry, registrar, admin, agent, compliance, alice, bob, second, expiry } =
          await loadFixture(switchFixture);
        const self = await token.getAddress();
        await token.connect(agent).mint(alice.address, 10);
        await token.connect(agent).burn(alice.address, 10);
        await token.connect(admin).setIdentityRegistry(await second.getAddress());
        await token.connect(admin).setIdentityRegistry(await registry.getAddress());
        // Records cached before the switches are stale: alice must be read (and subscribed) again.
        await expect(token.connect(agent).mint(alice.address, 10))
          .to.be.revertedWithCustomError(registry, "TokenNotBound")
          .withArgs(self);
        await expect(registry.bindToken(self)).to.emit(registry, "TokenBound").withArgs(self, 1n);
        await token.connect(agent).mint(alice.address, 10);
        await registry.connect(registrar).updateIdentity(alice.address, Country.CN, expiry, 0);
        await token.connect(compliance).setRequiredAttributes(Attr.INVESTOR);
        expect(await token.detectTransferRestriction(bob.address, alice.address, 0)).to.equal(
          Restriction.RECIPIENT_MISSING_ATTRIBUTES,
        );
      });

      it("works for a token its old registry never bound (nothing to leave)", async function () {
        const { registry, admin, second } = await loadFixture(switchFixture);
        const unbound = await deploySecurityToken(
          hre,
          { name: "Unbound", symbol: "UNB", decimals: 0 },
          await registry.getAddress(),
          admin.address,
          NO_OPERATORS,
          { bind: false },
        );
        expect(await registry.isTokenBound(await unbound.getAddress())).to.equal(false);
        await expect(unbound.connect(admin).setIdentityRegistry(await second.getAddress()))
          .to.emit(unbound, "IdentityRegistryAdded")
          .withArgs(await second.getAddress());
      });

      it("reverts with RegistrySwitchLimit after 254 switches", async function () {
        const { token, registry, admin, second } = await loadFixture(switchFixture);
        const addresses = [await second.getAddress(), await registry.getAddress()];
        for (let i = 0; i < 254; i++) await token.connect(admin).setIdentityRegistry(addresses[i % 2]);
        await expect(token.connect(admin).setIdentityRegistry(addresses[0])).to.be.revertedWithCustomError(
          token,
          "RegistrySwitchLimit",
        );
        expect(await token.identityRegistry()).to.equal(addresses[1]);
      });
    });
  });

  describe("participantChanged", function () {
    it("reverts with CallerNotIdentityRegistry(caller) for anyone but the token's registry", async function () {
      const { token, admin, agent, alice } = await loadFixture(operatingFixture);
      for (const caller of [admin, agent, alice]) {
        await expect(token.connect(caller).participantChanged(alice.address, 0))
          .to.be.revertedWithCustomError(token, "CallerNotIdentityRegistry")
          .withArgs(caller.address);
      }
      expect(await token.detectTransferRestriction(alice.address, agent.address, 1)).to.equal(
        Restriction.RECIPIENT_NOT_VERIFIED,
      );
    });

    it("reverts for a registry the token has left, even one that still binds it", async function () {
      const { token, registry, admin, agent, alice, bob } = await loadFixture(operatingFixture);
      const old = await registry.getAddress();
      await token.connect(agent).batchBurn([alice.address, bob.address], [100, 50]);
      const second = await deployIdentityRegistry(hre, admin.address);
      await token.connect(admin).setIdentityRegistry(await second.getAddress());
      // Re-bound in the old registry by mistake: still not the token's registry.
      await registry.bindToken(await token.getAddress());
      await ethers.provider.send("hardhat_setBalance", [old, "0xde0b6b3a7640000"]);
      const oldRegistry = await ethers.getImpersonatedSigner(old);
      await expect(token.connect(oldRegistry).participantChanged(alice.address, 0))
        .to.be.revertedWithCustomError(token, "CallerNotIdentityRegistry")
        .withArgs(old);
    });
  });

  describe("custom errors", function () {
    /** Not reachable through this token: `approve` takes the approver from msg.sender, never zero. */
    const UNREACHABLE = ["ERC20InvalidApprover"];

    it("every custom error of ISecurityToken is expected by a revertedWithCustomError in the token's unit tests", async function () {
      const iface = await ethers.getContractAt("ISecurityToken", ethers.ZeroAddress);
      const declared: string[] = [];
      iface.interface.forEachError((error) => declared.push(error.name));
      // Its own 20, IRecordBalances' 4, ERC-6093's 6 ERC-20 errors, and the pause's 2.
      expect(declared.length).to.equal(33);
      const files = [
        "SecurityToken.rules.test.ts",
        "SecurityToken.agent.test.ts",
        "SecurityToken.admin.test.ts",
        "SecurityToken.records.test.ts",
      ];
      const source = files.map((file) => fs.readFileSync(path.join(__dirname, file), "utf8")).join("\n");
      const expected = new Set(
        [...source.matchAll(/revertedWithCustomError\(\s*[\w.]+,\s*"(\w+)"/g)].map((match) => match[1]),
      );
      expect(declared.filter((name) => !expected.has(name))).to.deep.equal(UNREACHABLE);
    });
  });

  describe("upgrade", function () {
    /** Operating state worth preserving: balances, freezes, a lock-up, rules, a hook, a document. */
    async function upgradeFixture() {
      const f = await operatingFixture();
      const release = (await time.latest()) + 30 * 24 * 60 * 60;
      await f.token.connect(f.agent).mintLocked(f.alice2.address, 40, release);
      await f.token.connect(f.agent).freezePartialTokens(f.alice.address, 10);
      await f.token.connect(f.agent).setAddressFrozen(f.bob.address, true);
      await f.token.connect(f.compliance).setRequiredAttributes(Attr.INVESTOR);
      await f.token.connect(f.compliance).setCountryRestriction(true);
      await f.token.connect(f.compliance).setCountryAllowed(Country.CN, true);
      await f.token.connect(f.compliance).setMaxEntityBalance(1_000);
      await f.token.connect(f.compliance).setMaxHolders(10);
      const hook = await (await ethers.getContractFactory("MockComplianceHook")).deploy();
      await f.token.connect(f.compliance).setCompliance(await hook.getAddress());
      await f.token.connect(f.admin).setOnchainID(f.carol.address);
      return { ...f, release, hook };
    }

    it("via upgradeProxy reverts for every non-admin (AccessControlUnauthorizedAccount)", async function () {
      const { token, agent, compliance, guardian, outsider } = await loadFixture(upgradeFixture);
      const proxyAddress = await token.getAddress();
      const implBefore = await upgrades.erc1967.getImplementationAddress(proxyAddress);
      const V2 = await ethers.getContractFactory("SecurityTokenV2");
      for (const caller of [outsider, agent, compliance, guardian]) {
        await expect(upgrades.upgradeProxy(proxyAddress, V2.connect(caller), V2_OPTS))
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await upgrades.erc1967.getImplementationAddress(proxyAddress)).to.equal(implBefore);
    });

    it("the implementation cannot be upgraded directly (UUPSUnauthorizedCallContext)", async function () {
      const { token, admin } = await loadFixture(deployTokenFixture);
      const impl = token.attach(
        await upgrades.erc1967.getImplementationAddress(await token.getAddress()),
      ) as SecurityToken;
      const v2Impl = await (await ethers.getContractFactory("SecurityTokenV2")).deploy();
      await expect(impl.connect(admin).upgradeToAndCall(await v2Impl.getAddress(), "0x")).to.be.revertedWithCustomError(
        impl,
        "UUPSUnauthorizedCallContext",
      );
    });

    it("from the admin works and keeps balances, holder accounting, freezes, lock-ups, rules, documents and roles", async function () {
      const {
        token,
        registry,
        registrar,
        admin,
        agent,
        compliance,
        guardian,
        alice,
        alice2,
        bob,
        carol,
        outsider,
        release,
      } = await loadFixture(upgradeFixture);
      const proxyAddress = await token.getAddress();
      const implBefore = await upgrades.erc1967.getImplementationAddress(proxyAddress);
      const snapshot = async (t: SecurityToken) => ({
        balances: await Promise.all([alice, alice2, bob, carol].map((s) => t.balanceOf(s.address))),
        totalSupply: await t.totalSupply(),
        holderCount: await t.holderCount(),
        aliceEntity: await t.entityBalance(ALICE),
        frozenTokens: await t.getFrozenTokens(alice.address),
        bobFrozen: await t.isFrozen(bob.address),
        lockup: await t.lockupOf(alice2.address),
        rules: [
          await t.requiredAttributes(),
          await t.countryRestricted(),
          await t.allowedCountryCount(),
          await t.isCountryAllowed(Country.CN),
          await t.maxEntityBalance(),
          await t.maxHolders(),
          await t.compliance(),
          await t.complianceHook(),
        ],
        documents: await t.getAllDocuments(),
        prospectus: await t.getDocument(PROSPECTUS),
        meta: [await t.name(), await t.symbol(), await t.decimals(), await t.identityRegistry(), await t.onchainID()],
      });
      const before = await snapshot(token);
      expect(before.holderCount).to.equal(2n);
      expect(before.lockup).to.deep.equal([40n, BigInt(release)]);

      const V2 = await ethers.getContractFactory("SecurityTokenV2");
      const v2 = await upgrades.upgradeProxy(proxyAddress, V2.connect(admin), V2_OPTS);
      expect(await v2.getAddress()).to.equal(proxyAddress);
      expect(await upgrades.erc1967.getImplementationAddress(proxyAddress)).to.not.equal(implBefore);
      expect(await v2.version()).to.equal("2");

      const upgraded = v2 as unknown as SecurityToken;
      expect(await snapshot(upgraded)).to.deep.equal(before);
      for (const [role, holder] of [
        [DEFAULT_ADMIN_ROLE, admin],
        ...DUTY_ROLES.map((role) => [role, agent] as const),
        [COMPLIANCE_ROLE, compliance],
        [GUARDIAN_ROLE, guardian],
      ] as const) {
        expect(await upgraded.hasRole(role, holder.address)).to.equal(true);
      }
      // The rules still run after the upgrade.
      await expect(upgraded.connect(alice).transfer(outsider.address, 1))
        .to.be.revertedWithCustomError(upgraded, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
      await expect(upgraded.connect(alice).transfer(carol.address, 5)).to.changeTokenBalance(upgraded, carol, 5n);
      expect(await upgraded.holderCount()).to.equal(3n);
      // The registry still reaches the upgraded token with changes to records it cached.
      await registry.connect(registrar).removeIdentity(carol.address);
      await expect(upgraded.connect(alice).transfer(carol.address, 1))
        .to.be.revertedWithCustomError(upgraded, "TransferRestricted")
        .withArgs(Restriction.RECIPIENT_NOT_VERIFIED);
      await expect(
        upgraded.initialize("X", "X", 0, await upgraded.identityRegistry(), outsider.address, NO_OPERATORS),
      ).to.be.revertedWithCustomError(upgraded, "InvalidInitialization");
    });

    it("passes hardhat-upgrades' safety and storage-layout validation (and the validator does reject a bad layout)", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      const proxyAddress = await token.getAddress();
      const V1 = await ethers.getContractFactory("SecurityToken");
      const V2 = await ethers.getContractFactory("SecurityTokenV2");
      // Each call throws on an unsafe implementation or an incompatible storage layout.
      await upgrades.validateImplementation(V1, { kind: "uups" });
      await upgrades.validateImplementation(V2, V2_OPTS);
      await upgrades.validateUpgrade(proxyAddress, V2, V2_OPTS);
      await upgrades.validateUpgrade(V1, V2, V2_OPTS);
      const Unrelated = await ethers.getContractFactory("IdentityRegistry");
      await expect(upgrades.validateUpgrade(proxyAddress, Unrelated, V2_OPTS)).to.be.rejectedWith(
        /storage|layout|namespace/i,
      );
    });
  });
});

import hre, { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { Attr, Country, Restriction } from "../../scripts/lib/constants";
import { NO_OPERATORS, deploySecurityToken } from "../../scripts/lib/deploy";
import { ONE_YEAR, deployTokenFixture, entity } from "../fixtures/token";
import type { SecurityToken } from "../../typechain-types";

const ALICE = entity("ALICE");
const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const AGENT_ROLE = ethers.id("AGENT_ROLE");
const COMPLIANCE_ROLE = ethers.id("COMPLIANCE_ROLE");
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");

const PROSPECTUS = ethers.encodeBytes32String("prospectus");
const TERMS = ethers.encodeBytes32String("terms");
const REPORT = ethers.encodeBytes32String("annual-report-2025");

type Fixture = Awaited<ReturnType<typeof deployTokenFixture>>;

/** Upgrades to SecurityTokenV2 are validated with every hardhat-upgrades check on. */
const V2_OPTS = { kind: "uups" as const };

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
      for (const role of [AGENT_ROLE, COMPLIANCE_ROLE, GUARDIAN_ROLE]) {
        expect(await token.hasRole(role, admin.address)).to.equal(false);
      }
      // No rule is active on a new token.
      expect(await token.paused()).to.equal(false);
      expect(await token.requiredAttributes()).to.equal(0n);
      expect(await token.allowedCountryCount()).to.equal(0n);
      expect(await token.maxEntityBalance()).to.equal(0n);
      expect(await token.maxHolders()).to.equal(0n);
      expect(await token.complianceHook()).to.equal(ethers.ZeroAddress);
      expect(await token.holderCount()).to.equal(0n);
      expect(await token.getAllDocuments()).to.deep.equal([]);
    });

    it("emits IdentityRegistrySet(registry)", async function () {
      const { token, registry } = await loadFixture(deployTokenFixture);
      const events = await token.queryFilter(token.filters.IdentityRegistrySet());
      expect(events.length).to.equal(1);
      expect(events[0].args.registry).to.equal(await registry.getAddress());
    });

    it("names the first operators, and gives the deployer no role", async function () {
      const { registry, admin, agent, compliance, guardian, alice, outsider } = await loadFixture(deployTokenFixture);
      const factory = await ethers.getContractFactory("SecurityToken", outsider);
      const operators = {
        agents: [agent.address],
        complianceOfficers: [compliance.address],
        guardians: [guardian.address, alice.address],
      };
      const token = (await upgrades.deployProxy(
        factory,
        ["T", "T", 0, await registry.getAddress(), admin.address, operators],
        { kind: "uups" },
      )) as unknown as SecurityToken;
      expect(await token.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await token.hasRole(AGENT_ROLE, agent.address)).to.equal(true);
      expect(await token.hasRole(COMPLIANCE_ROLE, compliance.address)).to.equal(true);
      expect(await token.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(true);
      expect(await token.hasRole(GUARDIAN_ROLE, alice.address)).to.equal(true);
      expect(await token.hasRole(AGENT_ROLE, compliance.address)).to.equal(false);
      for (const role of [DEFAULT_ADMIN_ROLE, AGENT_ROLE, COMPLIANCE_ROLE, GUARDIAN_ROLE]) {
        expect(await token.hasRole(role, outsider.address)).to.equal(false);
      }
    });

    it("reverts with ZeroAddress for a zero registry, a zero admin or a zero operator", async function () {
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
      for (const operators of [
        { ...NO_OPERATORS, agents: [agent.address, ethers.ZeroAddress] },
        { ...NO_OPERATORS, complianceOfficers: [ethers.ZeroAddress] },
        { ...NO_OPERATORS, guardians: [ethers.ZeroAddress] },
      ]) {
        await expect(deploy(registryAddress, admin.address, operators)).to.be.revertedWithCustomError(
          factory,
          "ZeroAddress",
        );
      }
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
        await token.grantRole(AGENT_ROLE, agent.address);
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
      await cash.grantRole(AGENT_ROLE, f.agent.address);
      // The share token gets strict rules; the cash token none.
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

    it("setComplianceHook stores the hook and emits ComplianceHookSet, also on removal", async function () {
      const { token, compliance } = await loadFixture(deployTokenFixture);
      const hook = await (await ethers.getContractFactory("MockComplianceHook")).deploy();
      const hookAddress = await hook.getAddress();
      await expect(token.connect(compliance).setComplianceHook(hookAddress))
        .to.emit(token, "ComplianceHookSet")
        .withArgs(hookAddress);
      expect(await token.complianceHook()).to.equal(hookAddress);
      await expect(token.connect(compliance).setComplianceHook(ethers.ZeroAddress))
        .to.emit(token, "ComplianceHookSet")
        .withArgs(ethers.ZeroAddress);
      expect(await token.complianceHook()).to.equal(ethers.ZeroAddress);
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
      await expect(token.connect(agent).recoveryAddress(alice.address, alice2.address)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
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
    it("are named keccak256 of their names and administered by DEFAULT_ADMIN_ROLE", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      expect(await token.AGENT_ROLE()).to.equal(AGENT_ROLE);
      expect(await token.COMPLIANCE_ROLE()).to.equal(COMPLIANCE_ROLE);
      expect(await token.GUARDIAN_ROLE()).to.equal(GUARDIAN_ROLE);
      expect(await token.DEFAULT_ADMIN_ROLE()).to.equal(DEFAULT_ADMIN_ROLE);
      for (const role of [AGENT_ROLE, COMPLIANCE_ROLE, GUARDIAN_ROLE, DEFAULT_ADMIN_ROLE]) {
        expect(await token.getRoleAdmin(role)).to.equal(DEFAULT_ADMIN_ROLE);
      }
    });

    it("the admin grants and revokes a role (RoleGranted / RoleRevoked), which takes effect at once", async function () {
      const { token, admin, alice, carol } = await loadFixture(deployTokenFixture);
      await expect(token.connect(admin).grantRole(AGENT_ROLE, carol.address))
        .to.emit(token, "RoleGranted")
        .withArgs(AGENT_ROLE, carol.address, admin.address);
      await expect(token.connect(carol).mint(alice.address, 5)).to.changeTokenBalance(token, alice, 5n);
      await expect(token.connect(admin).revokeRole(AGENT_ROLE, carol.address))
        .to.emit(token, "RoleRevoked")
        .withArgs(AGENT_ROLE, carol.address, admin.address);
      await expect(token.connect(carol).mint(alice.address, 5))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(carol.address, AGENT_ROLE);
    });

    it("a holder may renounce its own role only (AccessControlBadConfirmation)", async function () {
      const { token, agent, guardian } = await loadFixture(deployTokenFixture);
      await expect(token.connect(guardian).renounceRole(AGENT_ROLE, agent.address)).to.be.revertedWithCustomError(
        token,
        "AccessControlBadConfirmation",
      );
      await token.connect(agent).renounceRole(AGENT_ROLE, agent.address);
      expect(await token.hasRole(AGENT_ROLE, agent.address)).to.equal(false);
    });

    type Call = (token: SecurityToken, f: Fixture) => Promise<ContractTransactionResponse>;
    const far = () => time.latest().then((t) => t + ONE_YEAR / 2);
    const guarded: { name: string; role: string; call: Call; setup?: (f: Fixture) => Promise<unknown> }[] = [
      // AGENT_ROLE
      { name: "mint", role: AGENT_ROLE, call: (t, f) => t.mint(f.alice.address, 1) },
      {
        name: "mintLocked",
        role: AGENT_ROLE,
        call: async (t, f) => t.mintLocked(f.alice.address, 1, await far()),
      },
      { name: "burn", role: AGENT_ROLE, call: (t, f) => t.burn(f.alice.address, 1) },
      { name: "forcedTransfer", role: AGENT_ROLE, call: (t, f) => t.forcedTransfer(f.alice.address, f.bob.address, 1) },
      { name: "setAddressFrozen", role: AGENT_ROLE, call: (t, f) => t.setAddressFrozen(f.alice.address, true) },
      { name: "freezePartialTokens", role: AGENT_ROLE, call: (t, f) => t.freezePartialTokens(f.alice.address, 1) },
      {
        name: "unfreezePartialTokens",
        role: AGENT_ROLE,
        setup: (f) => f.token.connect(f.agent).freezePartialTokens(f.alice.address, 1),
        call: (t, f) => t.unfreezePartialTokens(f.alice.address, 1),
      },
      {
        name: "recoveryAddress",
        role: AGENT_ROLE,
        call: (t, f) => t.recoveryAddress(f.alice.address, f.alice2.address),
      },
      { name: "batchMint", role: AGENT_ROLE, call: (t, f) => t.batchMint([f.alice.address], [1]) },
      { name: "batchBurn", role: AGENT_ROLE, call: (t, f) => t.batchBurn([f.alice.address], [1]) },
      {
        name: "batchForcedTransfer",
        role: AGENT_ROLE,
        call: (t, f) => t.batchForcedTransfer([f.alice.address], [f.bob.address], [1]),
      },
      {
        name: "batchSetAddressFrozen",
        role: AGENT_ROLE,
        call: (t, f) => t.batchSetAddressFrozen([f.alice.address], [true]),
      },
      {
        name: "batchFreezePartialTokens",
        role: AGENT_ROLE,
        call: (t, f) => t.batchFreezePartialTokens([f.alice.address], [1]),
      },
      {
        name: "batchUnfreezePartialTokens",
        role: AGENT_ROLE,
        setup: (f) => f.token.connect(f.agent).freezePartialTokens(f.alice.address, 1),
        call: (t, f) => t.batchUnfreezePartialTokens([f.alice.address], [1]),
      },
      {
        name: "setDocument",
        role: AGENT_ROLE,
        call: (t) => t.setDocument(TERMS, "ipfs://terms", ethers.id("terms")),
      },
      { name: "removeDocument", role: AGENT_ROLE, call: (t) => t.removeDocument(PROSPECTUS) },
      // COMPLIANCE_ROLE
      { name: "setRequiredAttributes", role: COMPLIANCE_ROLE, call: (t) => t.setRequiredAttributes(Attr.INVESTOR) },
      { name: "setCountryAllowed", role: COMPLIANCE_ROLE, call: (t) => t.setCountryAllowed(Country.CN, true) },
      { name: "setMaxEntityBalance", role: COMPLIANCE_ROLE, call: (t) => t.setMaxEntityBalance(1_000) },
      { name: "setMaxHolders", role: COMPLIANCE_ROLE, call: (t) => t.setMaxHolders(10) },
      {
        name: "setComplianceHook",
        role: COMPLIANCE_ROLE,
        call: async (t) =>
          t.setComplianceHook(
            await (await (await ethers.getContractFactory("MockComplianceHook")).deploy()).getAddress(),
          ),
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
      {
        name: "upgradeToAndCall",
        role: DEFAULT_ADMIN_ROLE,
        call: async (t) =>
          t.upgradeToAndCall(
            await (await (await ethers.getContractFactory("SecurityTokenV2")).deploy()).getAddress(),
            "0x",
          ),
      },
      { name: "grantRole", role: DEFAULT_ADMIN_ROLE, call: (t, f) => t.grantRole(AGENT_ROLE, f.carol.address) },
      { name: "revokeRole", role: DEFAULT_ADMIN_ROLE, call: (t, f) => t.revokeRole(AGENT_ROLE, f.agent.address) },
    ];

    it("the table covers every role-guarded function of the ABI", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      const unguarded = new Set([
        // ERC-20, ERC-1404, ERC-1643 reads, batchTransfer (holders), renounceRole, initialize
        "transfer",
        "transferFrom",
        "approve",
        "batchTransfer",
        "renounceRole",
        "initialize",
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
      it(`${name} reverts with AccessControlUnauthorizedAccount for every account without the role, and works with it`, async function () {
        const f = await loadFixture(operatingFixture);
        if (setup) await setup(f);
        const holder =
          { [AGENT_ROLE]: f.agent, [COMPLIANCE_ROLE]: f.compliance, [GUARDIAN_ROLE]: f.guardian }[role] ?? f.admin;
        const others = [f.admin, f.agent, f.compliance, f.guardian, f.alice, f.outsider].filter((s) => s !== holder);
        for (const caller of others) {
          expect(await f.token.hasRole(role, caller.address)).to.equal(false);
          await expect(call(f.token.connect(caller), f))
            .to.be.revertedWithCustomError(f.token, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, role);
        }
        await expect(call(f.token.connect(holder), f)).to.not.be.reverted;
      });
    }
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
      await f.token.connect(f.compliance).setCountryAllowed(Country.CN, true);
      await f.token.connect(f.compliance).setMaxEntityBalance(1_000);
      await f.token.connect(f.compliance).setMaxHolders(10);
      return { ...f, release };
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
      const { token, admin, agent, compliance, guardian, alice, alice2, bob, carol, outsider, release } =
        await loadFixture(upgradeFixture);
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
          await t.allowedCountryCount(),
          await t.isCountryAllowed(Country.CN),
          await t.maxEntityBalance(),
          await t.maxHolders(),
        ],
        documents: await t.getAllDocuments(),
        prospectus: await t.getDocument(PROSPECTUS),
        meta: [await t.name(), await t.symbol(), await t.decimals(), await t.identityRegistry()],
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
        [AGENT_ROLE, agent],
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

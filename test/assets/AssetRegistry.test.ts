import hre, { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { NO_OPERATORS, allDuties, deployIdentityRegistry, deploySecurityToken } from "../../scripts/lib/deploy";
import { deployCorporateActions } from "../../scripts/lib/deployActions";
import { assetCodeProblem, isinCheckDigit, withCheckDigit } from "../../tasks/lib/assetRegistry";
import type { AssetRegistry, IdentityRegistry, SecurityToken } from "../../typechain-types";
import { ONE_YEAR, entity } from "../fixtures/token";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");
const SUPPLY_ROLE = ethers.id("SUPPLY_ROLE");
const TOKEN_BINDER_ROLE = ethers.id("TOKEN_BINDER_ROLE");
const ISSUER = entity("SHENZHEN-METRO");
const CASH_ISSUER = entity("PEARL-RIVER-BANK");
enum Kind {
  Equity,
  Bond,
  FundUnit,
  Cash,
  Other,
}
enum Status {
  Active,
  Suspended,
  Matured,
  Redeemed,
}

/** A code as the registry's bytes12. */
const b12 = (code: string) => ethers.hexlify(ethers.toUtf8Bytes(code));
const CASH_CODE = withCheckDigit("CNCNYC00000");
const BOND_CODE = withCheckDigit("CNSZMB20300");
const SHARE_CODE = withCheckDigit("CNSZPH00000");

/**
 * An identity registry (admin = the stand-in timelock `admin`), a cash token listed at genesis,
 * the shared SecurityToken implementation and the AssetRegistry (TOKEN_BINDER_ROLE granted);
 * the issuer entity ISSUER is registered (wallet `issuer`); `actions` stands in for corporate actions.
 */
async function assetRegistryFixture() {
  const [admin, registrar, agent, guardian, issuer, alice, bob, outsider, actions] = await ethers.getSigners();
  const registry = (await deployIdentityRegistry(hre, admin.address, [registrar.address])) as IdentityRegistry;
  const registryAddress = await registry.getAddress();
  const cash = (await deploySecurityToken(
    hre,
    { name: "Consortium Settlement Yuan", symbol: "CNYC", decimals: 2 },
    registryAddress,
    admin.address,
    allDuties([agent.address], [], [guardian.address]),
  )) as SecurityToken;
  const implementation = await (await ethers.getContractFactory("SecurityToken")).deploy();
  const factory = await ethers.getContractFactory("AssetRegistry");
  const genesis = [
    {
      token: await cash.getAddress(),
      terms: {
        kind: Kind.Cash,
        code: b12(CASH_CODE),
        issuer: CASH_ISSUER,
        maturity: 0,
        termsURI: "https://consortium.example/cash-terms",
        termsHash: ethers.id("cash terms"),
      },
    },
  ];
  const assets = (await upgrades.deployProxy(
    factory,
    [admin.address, registryAddress, await implementation.getAddress(), actions.address, genesis],
    { kind: "uups" },
  )) as unknown as AssetRegistry;
  await registry.grantRole(TOKEN_BINDER_ROLE, await assets.getAddress());
  const expiry = (await time.latest()) + ONE_YEAR;
  await registry.connect(registrar).registerIdentity(issuer.address, ISSUER, Country.CN, expiry, Attr.INVESTOR);
  await registry.connect(registrar).registerIdentity(alice.address, entity("ALICE"), Country.CN, expiry, Attr.INVESTOR);
  await registry.connect(registrar).registerIdentity(bob.address, entity("BOB"), Country.CN, expiry, Attr.INVESTOR);
  const maturity = BigInt((await time.latest()) + 5 * ONE_YEAR);
  const bondTerms = {
    kind: Kind.Bond,
    code: b12(BOND_CODE),
    issuer: ISSUER,
    maturity,
    termsURI: "ipfs://bond-prospectus",
    termsHash: ethers.id("bond prospectus"),
  };
  const bondSpec = { name: "Shenzhen Metro 3.2% 2030", symbol: "SZMB30", decimals: 2 };
  const operators = { ...allDuties([agent.address], [agent.address], [guardian.address]) };
  return {
    registry,
    cash,
    implementation,
    assets,
    admin,
    registrar,
    agent,
    guardian,
    issuer,
    alice,
    bob,
    outsider,
    actions,
    bondTerms,
    bondSpec,
    operators,
    maturity,
    expiry,
  };
}

type Fixture = Awaited<ReturnType<typeof assetRegistryFixture>>;

/** The fixture with the bond created. */
async function bondFixture() {
  const f = await assetRegistryFixture();
  await f.assets.createAsset(f.bondSpec, f.bondTerms, f.operators);
  const entry = await f.assets.assetByCode(b12(BOND_CODE));
  const bond = (await ethers.getContractAt("SecurityToken", entry.token)) as unknown as SecurityToken;
  return { ...f, bond };
}

/** A directly deployed share token, bound to the registry, not yet listed. */
async function shareToken(f: Fixture): Promise<SecurityToken> {
  return (await deploySecurityToken(
    hre,
    { name: "Shenzhen Port Holdings Share", symbol: "SZPH", decimals: 0 },
    await f.registry.getAddress(),
    f.admin.address,
    allDuties([f.agent.address], [], [f.guardian.address]),
  )) as SecurityToken;
}

function shareTerms(overrides: Partial<Fixture["bondTerms"]> = {}) {
  return {
    kind: Kind.Equity,
    code: b12(SHARE_CODE),
    issuer: ISSUER,
    maturity: 0n,
    termsURI: "ipfs://articles",
    termsHash: ethers.id("articles"),
    ...overrides,
  };
}

describe("AssetRegistry", function () {
  describe("asset codes (ISIN rules)", function () {
    it("accepts real ISINs and computes their check digits as ISO 6166 does", async function () {
      const { assets } = await loadFixture(assetRegistryFixture);
      for (const isin of ["US0378331005", "US5949181045", "GB0002634946", "AU0000XVGZA3", "CNE100000296"]) {
        expect(isinCheckDigit(isin.slice(0, 11)), isin).to.equal(Number(isin[11]));
        expect(assetCodeProblem(isin)).to.equal(undefined);
        await assets.validateCode(b12(isin));
      }
    });

    it("reverts AssetCodeCheckDigit with the right digit for every wrong one", async function () {
      const { assets } = await loadFixture(assetRegistryFixture);
      for (let d = 0; d <= 9; d++) {
        if (d === 5) continue;
        await expect(assets.validateCode(b12(`US037833100${d}`)))
          .to.be.revertedWithCustomError(assets, "AssetCodeCheckDigit")
          .withArgs(b12(`US037833100${d}`), 5);
      }
    });

    it("reverts AssetCodeMalformed at the first bad position", async function () {
      const { assets } = await loadFixture(assetRegistryFixture);
      const cases: [string, number][] = [
        ["1S0378331005", 0], // country must be letters
        ["U10378331005", 1],
        ["us0378331005", 1], // lower case (the check runs right to left: position 1 first)
        ["US03783310-5", 10],
        ["US0378a31005", 6],
        ["US037833100X", 11], // the check digit must be a digit
        ["US03783 1005", 7],
      ];
      for (const [code, position] of cases) {
        await expect(assets.validateCode(b12(code)), code)
          .to.be.revertedWithCustomError(assets, "AssetCodeMalformed")
          .withArgs(b12(code), position);
        expect(assetCodeProblem(code), code).to.be.a("string");
      }
      expect(assetCodeProblem("US037833100")).to.match(/11 characters/);
    });
  });

  describe("initialize", function () {
    it("records the admin, identity registry, implementation and the genesis listing", async function () {
      const { assets, registry, implementation, cash, admin } = await loadFixture(assetRegistryFixture);
      expect(await assets.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await assets.identityRegistry()).to.equal(await registry.getAddress());
      expect(await assets.tokenImplementation()).to.equal(await implementation.getAddress());
      expect(await assets.assetCount()).to.equal(1n);
      const entry = await assets.assetAt(0);
      expect(entry.token).to.equal(await cash.getAddress());
      expect(entry.kind).to.equal(Kind.Cash);
      expect(entry.status).to.equal(Status.Active);
      expect(entry.decimals).to.equal(2n);
      expect(entry.code).to.equal(b12(CASH_CODE));
      expect(entry.issuer).to.equal(CASH_ISSUER); // not yet registered: genesis listings skip that check
      expect(entry.termsURI).to.equal("https://consortium.example/cash-terms");
      expect(await assets.isListed(await cash.getAddress())).to.equal(true);
    });

    it("cannot run twice, nor on the implementation", async function () {
      const { assets, admin, registry, implementation } = await loadFixture(assetRegistryFixture);
      const reg = await registry.getAddress();
      const impl = await implementation.getAddress();
      await expect(assets.initialize(admin.address, reg, impl, ethers.ZeroAddress, [])).to.be.revertedWithCustomError(
        assets,
        "InvalidInitialization",
      );
      const bare = await (await ethers.getContractFactory("AssetRegistry")).deploy();
      await expect(bare.initialize(admin.address, reg, impl, ethers.ZeroAddress, [])).to.be.revertedWithCustomError(
        bare,
        "InvalidInitialization",
      );
    });

    it("refuses a zero admin or registry, a bad implementation and bad genesis entries", async function () {
      const { registry, implementation, cash, admin } = await loadFixture(assetRegistryFixture);
      const factory = await ethers.getContractFactory("AssetRegistry");
      const reg = await registry.getAddress();
      const impl = await implementation.getAddress();
      const deploy = (args: unknown[]) => upgrades.deployProxy(factory, args, { kind: "uups" });
      await expect(deploy([ethers.ZeroAddress, reg, impl, ethers.ZeroAddress, []])).to.be.revertedWithCustomError(
        factory,
        "ZeroAddress",
      );
      await expect(
        deploy([admin.address, ethers.ZeroAddress, impl, ethers.ZeroAddress, []]),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
      await expect(deploy([admin.address, reg, admin.address, ethers.ZeroAddress, []]))
        .to.be.revertedWithCustomError(factory, "NotAContract")
        .withArgs(admin.address);
      const entry = (code: string) => ({ token: cash.target, terms: shareTerms({ kind: Kind.Cash, code: b12(code) }) });
      await expect(deploy([admin.address, reg, impl, ethers.ZeroAddress, [entry(CASH_CODE), entry(CASH_CODE)]]))
        .to.be.revertedWithCustomError(factory, "AssetAlreadyListed")
        .withArgs(cash.target);
      await expect(
        deploy([admin.address, reg, impl, ethers.ZeroAddress, [entry("CNCNYC000001")]]),
      ).to.be.revertedWithCustomError(factory, "AssetCodeCheckDigit");
    });
  });

  describe("createAsset", function () {
    it("deploys a proxy of the shared implementation, initialised, bound and listed, in one transaction", async function () {
      const f = await loadFixture(assetRegistryFixture);
      const predicted = ethers.getCreateAddress({
        from: await f.assets.getAddress(),
        nonce: await ethers.provider.getTransactionCount(await f.assets.getAddress()),
      });
      const tx = f.assets.createAsset(f.bondSpec, f.bondTerms, f.operators);
      await expect(tx)
        .to.emit(f.assets, "AssetCreated")
        .withArgs(predicted, await f.implementation.getAddress(), f.bondSpec.name, f.bondSpec.symbol);
      await expect(tx)
        .to.emit(f.assets, "AssetListed")
        .withArgs(
          predicted,
          b12(BOND_CODE),
          ISSUER,
          Kind.Bond,
          f.maturity,
          f.bondTerms.termsURI,
          f.bondTerms.termsHash,
          true,
        );
      await expect(tx).to.emit(f.registry, "TokenBound").withArgs(predicted, 1n);
      const bond = await ethers.getContractAt("SecurityToken", predicted);
      expect(await bond.name()).to.equal(f.bondSpec.name);
      expect(await bond.symbol()).to.equal(f.bondSpec.symbol);
      expect(await bond.decimals()).to.equal(2n);
      expect(await bond.identityRegistry()).to.equal(await f.registry.getAddress());
      expect(await f.registry.isTokenBound(predicted)).to.equal(true);
      // the caller (the timelock) is the admin; the registry is a guardian and nothing else
      expect(await bond.hasRole(DEFAULT_ADMIN_ROLE, f.admin.address)).to.equal(true);
      expect(await bond.hasRole(DEFAULT_ADMIN_ROLE, await f.assets.getAddress())).to.equal(false);
      expect(await bond.hasRole(GUARDIAN_ROLE, await f.assets.getAddress())).to.equal(true);
      expect(await bond.hasRole(GUARDIAN_ROLE, f.guardian.address)).to.equal(true);
      expect(await bond.hasRole(SUPPLY_ROLE, f.agent.address)).to.equal(true);
      expect(await bond.hasRole(SUPPLY_ROLE, await f.assets.getAddress())).to.equal(false);
      const implSlot = await upgrades.erc1967.getImplementationAddress(predicted);
      expect(implSlot).to.equal(await f.implementation.getAddress());
      const entry = await f.assets.assetOf(predicted);
      expect(entry.kind).to.equal(Kind.Bond);
      expect(entry.maturity).to.equal(f.maturity);
      expect(await f.assets.assetCount()).to.equal(2n);
      expect((await f.assets.assetAt(1)).token).to.equal(predicted);
    });

    it("creates a token that works: the agent mints, holders transfer", async function () {
      const { bond, agent, alice, bob } = await loadFixture(bondFixture);
      await bond.connect(agent).mint(alice.address, 10_000);
      await bond.connect(alice).transfer(bob.address, 2_500);
      expect(await bond.balanceOf(bob.address)).to.equal(2_500n);
      expect(await bond.holderCount()).to.equal(2n);
    });

    it("is the admin's (timelock's) only", async function () {
      const f = await loadFixture(assetRegistryFixture);
      await expect(f.assets.connect(f.outsider).createAsset(f.bondSpec, f.bondTerms, f.operators))
        .to.be.revertedWithCustomError(f.assets, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, DEFAULT_ADMIN_ROLE);
    });

    it("refuses a taken or malformed code, an unknown or zero issuer and bad maturities", async function () {
      const f = await loadFixture(bondFixture);
      const terms = { ...f.bondTerms, code: b12(withCheckDigit("CNSZMB20301")) };
      await expect(f.assets.createAsset(f.bondSpec, f.bondTerms, f.operators))
        .to.be.revertedWithCustomError(f.assets, "AssetCodeTaken")
        .withArgs(b12(BOND_CODE), await f.bond.getAddress());
      await expect(
        f.assets.createAsset(f.bondSpec, { ...terms, code: b12("CNSZMB203019") }, f.operators),
      ).to.be.revertedWithCustomError(f.assets, "AssetCodeCheckDigit");
      await expect(f.assets.createAsset(f.bondSpec, { ...terms, code: b12("CNSZMB2030-1") }, f.operators))
        .to.be.revertedWithCustomError(f.assets, "AssetCodeMalformed")
        .withArgs(b12("CNSZMB2030-1"), 10);
      await expect(f.assets.createAsset(f.bondSpec, { ...terms, issuer: entity("NOBODY") }, f.operators))
        .to.be.revertedWithCustomError(f.assets, "UnknownIssuer")
        .withArgs(entity("NOBODY"));
      await expect(
        f.assets.createAsset(f.bondSpec, { ...terms, issuer: ethers.ZeroHash }, f.operators),
      ).to.be.revertedWithCustomError(f.assets, "ZeroIssuer");
      await expect(f.assets.createAsset(f.bondSpec, { ...terms, maturity: 0 }, f.operators))
        .to.be.revertedWithCustomError(f.assets, "MaturityRequired")
        .withArgs(0);
      const past = BigInt(await time.latest());
      await expect(f.assets.createAsset(f.bondSpec, { ...terms, maturity: past }, f.operators))
        .to.be.revertedWithCustomError(f.assets, "MaturityRequired")
        .withArgs(past);
      await expect(f.assets.createAsset(f.bondSpec, { ...terms, kind: Kind.Equity }, f.operators))
        .to.be.revertedWithCustomError(f.assets, "MaturityNotApplicable")
        .withArgs(Kind.Equity);
    });

    it("passes the token's own checks through (empty name)", async function () {
      const f = await loadFixture(assetRegistryFixture);
      const token = await ethers.getContractAt("SecurityToken", ethers.ZeroAddress);
      await expect(
        f.assets.createAsset({ ...f.bondSpec, name: "" }, f.bondTerms, NO_OPERATORS),
      ).to.be.revertedWithCustomError(token, "EmptyName");
    });

    it("fails while the registry lacks the identity registry's TOKEN_BINDER_ROLE", async function () {
      const f = await loadFixture(assetRegistryFixture);
      await f.registry.revokeRole(TOKEN_BINDER_ROLE, await f.assets.getAddress());
      await expect(f.assets.createAsset(f.bondSpec, f.bondTerms, f.operators))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(await f.assets.getAddress(), TOKEN_BINDER_ROLE);
    });
  });

  describe("listAsset", function () {
    it("lists an existing token of the identity registry, reading its decimals", async function () {
      const f = await loadFixture(assetRegistryFixture);
      const share = await shareToken(f);
      await expect(f.assets.listAsset(share.target, shareTerms()))
        .to.emit(f.assets, "AssetListed")
        .withArgs(
          share.target,
          b12(SHARE_CODE),
          ISSUER,
          Kind.Equity,
          0,
          "ipfs://articles",
          ethers.id("articles"),
          false,
        );
      const entry = await f.assets.assetByCode(b12(SHARE_CODE));
      expect(entry.token).to.equal(share.target);
      expect(entry.decimals).to.equal(0n);
      expect(entry.status).to.equal(Status.Active);
    });

    it("is the admin's only", async function () {
      const f = await loadFixture(assetRegistryFixture);
      const share = await shareToken(f);
      await expect(f.assets.connect(f.outsider).listAsset(share.target, shareTerms()))
        .to.be.revertedWithCustomError(f.assets, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, DEFAULT_ADMIN_ROLE);
    });

    it("refuses a listed token, a non-contract, the zero address, another registry's token and an unknown issuer", async function () {
      const f = await loadFixture(assetRegistryFixture);
      await expect(f.assets.listAsset(f.cash.target, shareTerms()))
        .to.be.revertedWithCustomError(f.assets, "AssetAlreadyListed")
        .withArgs(f.cash.target);
      await expect(f.assets.listAsset(f.outsider.address, shareTerms()))
        .to.be.revertedWithCustomError(f.assets, "NotAContract")
        .withArgs(f.outsider.address);
      await expect(f.assets.listAsset(ethers.ZeroAddress, shareTerms())).to.be.revertedWithCustomError(
        f.assets,
        "ZeroAddress",
      );
      const otherRegistry = await deployIdentityRegistry(hre, f.admin.address);
      const foreign = await deploySecurityToken(
        hre,
        { name: "Foreign", symbol: "FRN", decimals: 0 },
        await otherRegistry.getAddress(),
        f.admin.address,
      );
      await expect(f.assets.listAsset(foreign.target, shareTerms()))
        .to.be.revertedWithCustomError(f.assets, "IdentityRegistryMismatch")
        .withArgs(foreign.target, await otherRegistry.getAddress());
      const share = await shareToken(f);
      await expect(f.assets.listAsset(share.target, shareTerms({ issuer: entity("NOBODY") })))
        .to.be.revertedWithCustomError(f.assets, "UnknownIssuer")
        .withArgs(entity("NOBODY"));
      await expect(f.assets.listAsset(share.target, shareTerms({ code: b12(CASH_CODE) })))
        .to.be.revertedWithCustomError(f.assets, "AssetCodeTaken")
        .withArgs(b12(CASH_CODE), f.cash.target);
    });
  });

  describe("status changes", function () {
    it("suspendAsset pauses the token; resumeAsset follows the timelock's unpause", async function () {
      const { assets, bond, admin } = await loadFixture(bondFixture);
      await expect(assets.suspendAsset(bond.target))
        .to.emit(assets, "AssetStatusChanged")
        .withArgs(bond.target, Status.Active, Status.Suspended)
        .and.to.emit(bond, "Paused")
        .withArgs(await assets.getAddress());
      expect(await bond.paused()).to.equal(true);
      expect((await assets.assetOf(bond.target)).status).to.equal(Status.Suspended);
      await expect(assets.resumeAsset(bond.target))
        .to.be.revertedWithCustomError(assets, "TokenStillPaused")
        .withArgs(bond.target);
      await bond.connect(admin).unpause();
      await expect(assets.resumeAsset(bond.target))
        .to.emit(assets, "AssetStatusChanged")
        .withArgs(bond.target, Status.Suspended, Status.Active);
      expect((await assets.assetOf(bond.target)).status).to.equal(Status.Active);
    });

    it("suspendAsset keeps a guardian's emergency pause (no second pause)", async function () {
      const { assets, bond, guardian } = await loadFixture(bondFixture);
      await bond.connect(guardian).pause();
      await expect(assets.suspendAsset(bond.target)).to.not.emit(bond, "Paused");
      expect((await assets.assetOf(bond.target)).status).to.equal(Status.Suspended);
    });

    it("suspendAsset needs the token's GUARDIAN_ROLE (a listed token must grant it first)", async function () {
      const f = await loadFixture(assetRegistryFixture);
      await expect(f.assets.suspendAsset(f.cash.target))
        .to.be.revertedWithCustomError(f.assets, "RegistryNotGuardian")
        .withArgs(f.cash.target);
      await f.cash.grantRole(GUARDIAN_ROLE, await f.assets.getAddress());
      await f.assets.suspendAsset(f.cash.target);
      expect(await f.cash.paused()).to.equal(true);
    });

    it("refuses transitions from the wrong status and unknown tokens", async function () {
      const { assets, bond, outsider } = await loadFixture(bondFixture);
      await expect(assets.resumeAsset(bond.target))
        .to.be.revertedWithCustomError(assets, "InvalidStatusTransition")
        .withArgs(bond.target, Status.Active, Status.Active);
      await assets.suspendAsset(bond.target);
      await expect(assets.suspendAsset(bond.target))
        .to.be.revertedWithCustomError(assets, "InvalidStatusTransition")
        .withArgs(bond.target, Status.Suspended, Status.Suspended);
      for (const fn of ["suspendAsset", "resumeAsset", "markMatured", "markRedeemed"] as const) {
        await expect(assets[fn](outsider.address))
          .to.be.revertedWithCustomError(assets, "UnknownAsset")
          .withArgs(outsider.address);
      }
    });

    it("markMatured waits for the bond's maturity and keeps the token running", async function () {
      const { assets, bond, maturity } = await loadFixture(bondFixture);
      await expect(assets.markMatured(bond.target))
        .to.be.revertedWithCustomError(assets, "MaturityNotReached")
        .withArgs(bond.target, maturity);
      await time.increaseTo(maturity);
      await expect(assets.markMatured(bond.target))
        .to.emit(assets, "AssetStatusChanged")
        .withArgs(bond.target, Status.Active, Status.Matured);
      expect(await bond.paused()).to.equal(false);
      await expect(assets.markMatured(bond.target))
        .to.be.revertedWithCustomError(assets, "InvalidStatusTransition")
        .withArgs(bond.target, Status.Matured, Status.Matured);
    });

    it("markRedeemed needs a zero supply, then pauses the token for good", async function () {
      const { assets, bond, agent, alice, maturity } = await loadFixture(bondFixture);
      await bond.connect(agent).mint(alice.address, 100);
      await time.increaseTo(maturity);
      await assets.markMatured(bond.target);
      await expect(assets.markRedeemed(bond.target))
        .to.be.revertedWithCustomError(assets, "SupplyNotRedeemed")
        .withArgs(bond.target, 100n);
      await bond.connect(agent).burn(alice.address, 100);
      await expect(assets.markRedeemed(bond.target))
        .to.emit(assets, "AssetStatusChanged")
        .withArgs(bond.target, Status.Matured, Status.Redeemed)
        .and.to.emit(bond, "Paused");
      expect(await bond.paused()).to.equal(true);
      await expect(assets.markRedeemed(bond.target))
        .to.be.revertedWithCustomError(assets, "InvalidStatusTransition")
        .withArgs(bond.target, Status.Redeemed, Status.Redeemed);
      await expect(assets.suspendAsset(bond.target))
        .to.be.revertedWithCustomError(assets, "InvalidStatusTransition")
        .withArgs(bond.target, Status.Redeemed, Status.Suspended);
    });

    it("markRedeemed of a suspended (already paused) token does not pause it again", async function () {
      const { assets, bond } = await loadFixture(bondFixture);
      await assets.suspendAsset(bond.target);
      await expect(assets.markRedeemed(bond.target)).to.not.emit(bond, "Paused");
      expect((await assets.assetOf(bond.target)).status).to.equal(Status.Redeemed);
    });

    it("markRedeemed of an active token without GUARDIAN_ROLE reverts RegistryNotGuardian", async function () {
      const f = await loadFixture(assetRegistryFixture);
      await expect(f.assets.markRedeemed(f.cash.target))
        .to.be.revertedWithCustomError(f.assets, "RegistryNotGuardian")
        .withArgs(f.cash.target);
    });

    it("every status change is the admin's only", async function () {
      const { assets, bond, outsider } = await loadFixture(bondFixture);
      for (const fn of ["suspendAsset", "resumeAsset", "markMatured", "markRedeemed"] as const) {
        await expect(assets.connect(outsider)[fn](bond.target))
          .to.be.revertedWithCustomError(assets, "AccessControlUnauthorizedAccount")
          .withArgs(outsider.address, DEFAULT_ADMIN_ROLE);
      }
    });
  });

  describe("corporate actions: setCorporateActions and assetRedeemed", function () {
    it("initialize records the corporate actions address", async function () {
      const { assets, actions } = await loadFixture(assetRegistryFixture);
      expect(await assets.corporateActions()).to.equal(actions.address);
    });

    it("setCorporateActions is the admin's only, with an event; zero accepts nobody", async function () {
      const { assets, actions, outsider } = await loadFixture(bondFixture);
      await expect(assets.connect(outsider).setCorporateActions(outsider.address))
        .to.be.revertedWithCustomError(assets, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, DEFAULT_ADMIN_ROLE);
      await expect(assets.setCorporateActions(outsider.address))
        .to.emit(assets, "CorporateActionsSet")
        .withArgs(actions.address, outsider.address);
      expect(await assets.corporateActions()).to.equal(outsider.address);
      await expect(assets.setCorporateActions(ethers.ZeroAddress))
        .to.emit(assets, "CorporateActionsSet")
        .withArgs(outsider.address, ethers.ZeroAddress);
      expect(await assets.corporateActions()).to.equal(ethers.ZeroAddress);
      await expect(assets.connect(outsider).assetRedeemed(outsider.address))
        .to.be.revertedWithCustomError(assets, "NotCorporateActions")
        .withArgs(outsider.address);
    });

    it("assetRedeemed is accepted only from corporate actions (not even from the admin)", async function () {
      const { assets, bond, admin, outsider } = await loadFixture(bondFixture);
      for (const caller of [admin, outsider]) {
        await expect(assets.connect(caller).assetRedeemed(bond.target))
          .to.be.revertedWithCustomError(assets, "NotCorporateActions")
          .withArgs(caller.address);
      }
      expect((await assets.assetOf(bond.target)).status).to.equal(Status.Active);
    });

    it("marks a listed asset redeemed and pauses its token, as markRedeemed does", async function () {
      const { assets, bond, actions } = await loadFixture(bondFixture);
      await expect(assets.connect(actions).assetRedeemed(bond.target))
        .to.emit(assets, "AssetStatusChanged")
        .withArgs(bond.target, Status.Active, Status.Redeemed)
        .and.to.emit(bond, "Paused");
      expect((await assets.assetOf(bond.target)).status).to.equal(Status.Redeemed);
      expect(await bond.paused()).to.equal(true);
    });

    it("ignores an unknown or already redeemed asset (no revert, no event)", async function () {
      const { assets, bond, actions, outsider } = await loadFixture(bondFixture);
      await expect(assets.connect(actions).assetRedeemed(outsider.address)).to.not.emit(assets, "AssetStatusChanged");
      await assets.connect(actions).assetRedeemed(bond.target);
      await expect(assets.connect(actions).assetRedeemed(bond.target)).to.not.emit(assets, "AssetStatusChanged");
      expect((await assets.assetOf(bond.target)).status).to.equal(Status.Redeemed);
    });

    it("of a suspended (paused) token: redeemed, not paused again", async function () {
      const { assets, bond, actions } = await loadFixture(bondFixture);
      await assets.suspendAsset(bond.target);
      await expect(assets.connect(actions).assetRedeemed(bond.target))
        .to.emit(assets, "AssetStatusChanged")
        .withArgs(bond.target, Status.Suspended, Status.Redeemed)
        .and.to.not.emit(bond, "Paused");
    });

    it("of a token the registry is not guardian of: redeemed without the pause, no revert", async function () {
      const { assets, cash, actions } = await loadFixture(assetRegistryFixture);
      await expect(assets.connect(actions).assetRedeemed(cash.target))
        .to.emit(assets, "AssetStatusChanged")
        .withArgs(cash.target, Status.Active, Status.Redeemed)
        .and.to.not.emit(cash, "Paused");
      expect(await cash.paused()).to.equal(false);
    });
  });

  describe("with CorporateActions as the caller", function () {
    it("the last redemption there marks the bond redeemed in the directory and pauses it", async function () {
      const f = await loadFixture(bondFixture);
      const { assets, bond, cash, registry, registrar, agent, admin, alice, bob, maturity } = f;
      const actions = await deployCorporateActions(hre, admin.address);
      await actions.setRedemptionObserver(assets.target);
      await assets.setCorporateActions(actions.target);
      await bond.grantRole(await bond.RECORD_ROLE(), actions.target);
      await bond.grantRole(SUPPLY_ROLE, actions.target);
      await actions.grantRole(await actions.payingAgentRole(bond.target), bob.address);
      const far = (await time.latest()) + 10 * ONE_YEAR;
      await registry.connect(registrar).registerIdentity(actions.target, entity("CA"), Country.CN, far, Attr.INVESTOR);
      await registry.connect(registrar).updateIdentity(alice.address, Country.CN, far, Attr.INVESTOR);
      await registry.connect(registrar).updateIdentity(bob.address, Country.CN, far, Attr.INVESTOR);
      await bond.connect(agent).mint(alice.address, 100);
      await cash.connect(agent).mint(bob.address, 1000);
      await cash.connect(bob).approve(actions.target, 1000);
      await time.increaseTo(maturity);
      await actions.connect(bob).openRedemption(bond.target, cash.target, 1000, maturity, 1000);
      await expect(actions.connect(alice).redeem(bond.target))
        .to.emit(assets, "AssetStatusChanged")
        .withArgs(bond.target, Status.Active, Status.Redeemed)
        .and.to.emit(bond, "Paused");
      expect((await assets.assetOf(bond.target)).status).to.equal(Status.Redeemed);
      expect(await cash.balanceOf(alice.address)).to.equal(1000n);
    });
  });

  describe("setTokenImplementation and upgrades", function () {
    it("sets the implementation new assets get; only a UUPS implementation, only the admin", async function () {
      const f = await loadFixture(bondFixture);
      const v2 = await (await ethers.getContractFactory("SecurityTokenV2")).deploy();
      await expect(f.assets.setTokenImplementation(v2.target))
        .to.emit(f.assets, "TokenImplementationSet")
        .withArgs(f.implementation.target, v2.target);
      expect(await f.assets.tokenImplementation()).to.equal(v2.target);
      await expect(f.assets.connect(f.outsider).setTokenImplementation(v2.target))
        .to.be.revertedWithCustomError(f.assets, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, DEFAULT_ADMIN_ROLE);
      await expect(f.assets.setTokenImplementation(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.assets,
        "ZeroAddress",
      );
      await expect(f.assets.setTokenImplementation(f.outsider.address))
        .to.be.revertedWithCustomError(f.assets, "NotAContract")
        .withArgs(f.outsider.address);
      // a contract without proxiableUUID, and a proxy (whose proxiableUUID reverts: notDelegated)
      await expect(f.assets.setTokenImplementation(f.registry.target))
        .to.be.revertedWithCustomError(f.assets, "NotUUPSImplementation")
        .withArgs(f.registry.target);
      const baseline = await (await ethers.getContractFactory("BaselineERC20")).deploy();
      await expect(f.assets.setTokenImplementation(baseline.target))
        .to.be.revertedWithCustomError(f.assets, "NotUUPSImplementation")
        .withArgs(baseline.target);
      const created = f.assets.createAsset(
        f.bondSpec,
        { ...f.bondTerms, code: b12(withCheckDigit("CNSZMB20310")) },
        f.operators,
      );
      await expect(created).to.emit(f.assets, "AssetCreated");
      const entry = await f.assets.assetAt(2);
      expect(await (await ethers.getContractAt("SecurityTokenV2", entry.token)).version()).to.equal("2");
    });

    it("every asset upgrades by the admin's upgradeToAndCall, the registry's implementation follows", async function () {
      const f = await loadFixture(bondFixture);
      const v2 = await (await ethers.getContractFactory("SecurityTokenV2")).deploy();
      await f.bond.connect(f.agent).mint(f.alice.address, 700);
      await f.bond.upgradeToAndCall(v2.target, "0x");
      await f.cash.upgradeToAndCall(v2.target, "0x");
      await f.assets.setTokenImplementation(v2.target);
      expect(await (await ethers.getContractAt("SecurityTokenV2", f.bond.target)).version()).to.equal("2");
      expect(await f.bond.balanceOf(f.alice.address)).to.equal(700n);
      // the registry holds no upgrade right over the tokens it created
      const asRegistry = await ethers.getImpersonatedSigner(await f.assets.getAddress());
      await hre.network.provider.send("hardhat_setBalance", [await f.assets.getAddress(), "0xde0b6b3a7640000"]);
      await expect(f.bond.connect(asRegistry).upgradeToAndCall(v2.target, "0x"))
        .to.be.revertedWithCustomError(f.bond, "AccessControlUnauthorizedAccount")
        .withArgs(await f.assets.getAddress(), DEFAULT_ADMIN_ROLE);
    });

    it("the registry itself upgrades only by its admin, keeping the directory", async function () {
      const f = await loadFixture(bondFixture);
      const factory = await ethers.getContractFactory("AssetRegistry");
      const next = await factory.deploy();
      await expect(f.assets.connect(f.outsider).upgradeToAndCall(next.target, "0x"))
        .to.be.revertedWithCustomError(f.assets, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, DEFAULT_ADMIN_ROLE);
      await upgrades.validateUpgrade(f.assets.target as string, factory, { kind: "uups" });
      await f.assets.upgradeToAndCall(next.target, "0x");
      expect(await f.assets.assetCount()).to.equal(2n);
      expect((await f.assets.assetByCode(b12(BOND_CODE))).token).to.equal(f.bond.target);
    });
  });

  describe("views", function () {
    it("assetAt, assetOf and assetByCode refuse what is not there", async function () {
      const { assets, outsider } = await loadFixture(bondFixture);
      await expect(assets.assetAt(2)).to.be.revertedWithCustomError(assets, "AssetIndexOutOfRange").withArgs(2, 2);
      await expect(assets.assetOf(outsider.address))
        .to.be.revertedWithCustomError(assets, "UnknownAsset")
        .withArgs(outsider.address);
      await expect(assets.assetByCode(b12(SHARE_CODE)))
        .to.be.revertedWithCustomError(assets, "UnknownAssetCode")
        .withArgs(b12(SHARE_CODE));
      expect(await assets.isListed(outsider.address)).to.equal(false);
    });

    it("assetByCode, assetOf and assetAt agree", async function () {
      const { assets, bond } = await loadFixture(bondFixture);
      const byCode = await assets.assetByCode(b12(BOND_CODE));
      expect(byCode).to.deep.equal(await assets.assetOf(bond.target));
      expect(byCode).to.deep.equal(await assets.assetAt(1));
    });
  });
});

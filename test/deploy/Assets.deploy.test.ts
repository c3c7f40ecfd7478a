import { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployConsortiumFixture } from "../fixtures/consortium";
import { DEFAULT_ADMIN_ROLE } from "../fixtures/governance";

const TOKEN_BINDER_ROLE = ethers.id("TOKEN_BINDER_ROLE");

describe("Consortium deployment: the asset registry (Assets module)", function () {
  it("is a UUPS proxy administered by the timelock alone, recording the genesis tokens' implementation", async function () {
    const { assetRegistry, timelock, deployer, identityRegistry, securityToken, cashToken } =
      await loadFixture(deployConsortiumFixture);
    const timelockAddress = await timelock.getAddress();
    expect(await assetRegistry.hasRole(DEFAULT_ADMIN_ROLE, timelockAddress)).to.equal(true);
    expect(await assetRegistry.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
    const granted = await assetRegistry.queryFilter(assetRegistry.filters.RoleGranted());
    expect(granted.map((e) => [e.args.role, e.args.account])).to.deep.equal([[DEFAULT_ADMIN_ROLE, timelockAddress]]);
    expect(await assetRegistry.identityRegistry()).to.equal(await identityRegistry.getAddress());
    const tokenImplementation = await upgrades.erc1967.getImplementationAddress(await securityToken.getAddress());
    expect(await assetRegistry.tokenImplementation()).to.equal(tokenImplementation);
    expect(await upgrades.erc1967.getImplementationAddress(await cashToken.getAddress())).to.equal(tokenImplementation);
  });

  it("lists the genesis share and cash tokens with the codes, issuers and terms of the parameters", async function () {
    const { assetRegistry, securityToken, cashToken, parameters } = await loadFixture(deployConsortiumFixture);
    const p = parameters.Assets as Record<string, string>;
    expect(await assetRegistry.assetCount()).to.equal(2n);
    const share = await assetRegistry.assetAt(0);
    expect(share.token).to.equal(await securityToken.getAddress());
    expect(share.kind).to.equal(0n);
    expect(share.code).to.equal(p.securityCode);
    expect(ethers.toUtf8String(share.code)).to.equal("CNSZPH000008");
    expect(share.issuer).to.equal(p.securityIssuer);
    expect(share.termsURI).to.equal(p.securityTermsURI);
    expect(share.decimals).to.equal(0n);
    const cash = await assetRegistry.assetByCode(p.cashCode);
    expect(cash.token).to.equal(await cashToken.getAddress());
    expect(cash.kind).to.equal(3n);
    expect(cash.decimals).to.equal(2n);
    expect(cash.status).to.equal(0n);
  });

  it("holds the identity registry's TOKEN_BINDER_ROLE; the deployer gave up that registry's admin role", async function () {
    const { assetRegistry, identityRegistry, timelock, deployer } = await loadFixture(deployConsortiumFixture);
    expect(await identityRegistry.hasRole(TOKEN_BINDER_ROLE, await assetRegistry.getAddress())).to.equal(true);
    expect(await identityRegistry.hasRole(DEFAULT_ADMIN_ROLE, await timelock.getAddress())).to.equal(true);
    expect(await identityRegistry.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
    expect(await identityRegistry.hasRole(TOKEN_BINDER_ROLE, deployer.address)).to.equal(false);
    const revoked = await identityRegistry.queryFilter(
      identityRegistry.filters.RoleRevoked(DEFAULT_ADMIN_ROLE, deployer.address),
    );
    expect(revoked).to.have.length(1);
  });

  it("is wired to corporate actions both ways; the deployer gave up corporate actions' admin role", async function () {
    const { assetRegistry, corporateActions, timelock, deployer } = await loadFixture(deployConsortiumFixture);
    expect(await assetRegistry.corporateActions()).to.equal(await corporateActions.getAddress());
    expect(await corporateActions.redemptionObserver()).to.equal(await assetRegistry.getAddress());
    expect(await corporateActions.hasRole(DEFAULT_ADMIN_ROLE, await timelock.getAddress())).to.equal(true);
    expect(await corporateActions.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
    const revoked = await corporateActions.queryFilter(
      corporateActions.filters.RoleRevoked(DEFAULT_ADMIN_ROLE, deployer.address),
    );
    expect(revoked).to.have.length(1);
  });
});

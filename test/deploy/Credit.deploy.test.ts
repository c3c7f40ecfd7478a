import { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { invoiceKey } from "../../tasks/lib/invoiceKey";
import { deployConsortiumFixture } from "../fixtures/consortium";
import { DEFAULT_ADMIN_ROLE } from "../fixtures/governance";

describe("Consortium deployment: the credit registry (Ignition module Credit)", function () {
  it("is wired to the invoice registry both ways, reads the identity registry, base currency the cash token", async function () {
    const f = await loadFixture(deployConsortiumFixture);
    expect(await f.invoiceRegistry.creditHook()).to.equal(await f.creditRegistry.getAddress());
    expect(await f.creditRegistry.invoiceRegistry()).to.equal(await f.invoiceRegistry.getAddress());
    expect(await f.creditRegistry.identityRegistry()).to.equal(await f.identityRegistry.getAddress());
    expect(await f.creditRegistry.baseCurrency()).to.equal(await f.cashToken.getAddress());
  });

  it("the timelock is the only admin of the credit and invoice registries; the deployer renounced the invoice registry's admin after the wiring", async function () {
    const f = await loadFixture(deployConsortiumFixture);
    const timelock = await f.timelock.getAddress();
    for (const contract of [f.creditRegistry, f.invoiceRegistry]) {
      expect(await contract.hasRole(DEFAULT_ADMIN_ROLE, timelock)).to.equal(true);
      expect(await contract.hasRole(DEFAULT_ADMIN_ROLE, f.deployer.address)).to.equal(false);
    }
    const revoked = await f.invoiceRegistry.queryFilter(
      f.invoiceRegistry.filters.RoleRevoked(DEFAULT_ADMIN_ROLE, f.deployer.address),
    );
    expect(revoked).to.have.length(1);
    expect(revoked[0].args.sender).to.equal(f.deployer.address);
    const hookSet = await f.invoiceRegistry.queryFilter(f.invoiceRegistry.filters.CreditHookSet());
    expect(hookSet).to.have.length(1);
    expect(hookSet[0].blockNumber).to.be.lessThan(revoked[0].blockNumber);
    // Nobody holds a credit role besides the timelock's admin (reporters come from governance).
    const granted = await f.creditRegistry.queryFilter(f.creditRegistry.filters.RoleGranted());
    expect(granted.map((e) => [e.args.role, e.args.account])).to.deep.equal([[DEFAULT_ADMIN_ROLE, timelock]]);
    expect(await f.creditRegistry.adverseRecordCount()).to.equal(0n);
  });

  it("is a UUPS proxy with no proxy admin whose implementation cannot be initialised", async function () {
    const f = await loadFixture(deployConsortiumFixture);
    const proxy = await f.creditRegistry.getAddress();
    const implementation = await upgrades.erc1967.getImplementationAddress(proxy);
    expect(await ethers.provider.getCode(implementation)).to.not.equal("0x");
    expect(await upgrades.erc1967.getAdminAddress(proxy)).to.equal(ethers.ZeroAddress);
    const args = [proxy, proxy, f.deployer.address, proxy] as const;
    await expect(
      (f.creditRegistry.attach(implementation) as typeof f.creditRegistry).initialize(...args),
    ).to.be.revertedWithCustomError(f.creditRegistry, "InvalidInitialization");
    await expect(f.creditRegistry.initialize(...args)).to.be.revertedWithCustomError(
      f.creditRegistry,
      "InvalidInitialization",
    );
  });

  it("keeps exposure from the first invoice on", async function () {
    const f = await loadFixture(deployConsortiumFixture);
    const [supplier, debtor] = f.others;
    const expiry = (await time.latest()) + 365 * 24 * 3600;
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(supplier.address, ethers.id("deploy:supplier"), Country.CN, expiry, Attr.SUPPLIER);
    await f.identityRegistry
      .connect(f.registrar)
      .registerIdentity(debtor.address, ethers.id("deploy:debtor"), Country.CN, expiry, Attr.DEBTOR);
    const terms = {
      debtor: debtor.address,
      faceValue: 1_000,
      currency: await f.cashToken.getAddress(),
      dueDate: expiry - 1000,
      documentHash: ethers.ZeroHash,
    };
    await f.invoiceRegistry.connect(supplier).issueInvoice(terms, "CN-SH", "DEPLOY-1", "");
    await f.invoiceRegistry
      .connect(debtor)
      .acceptInvoice(invoiceKey(ethers.id("deploy:supplier"), "CN-SH", "DEPLOY-1"));
    expect(await f.creditRegistry.exposure(ethers.id("deploy:supplier"), ethers.id("deploy:debtor"))).to.equal(1_000n);
  });
});

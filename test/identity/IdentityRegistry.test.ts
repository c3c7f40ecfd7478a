import fs from "node:fs";
import hre, { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Attr, Country } from "../../scripts/lib/constants";
import { allDuties, deployIdentityRegistry, deploySecurityToken } from "../../scripts/lib/deploy";
import { ONE_YEAR, deployTokenFixture, entity } from "../fixtures/token";
import type { RecordingParticipantCache } from "../../typechain-types";
import type { IIdentityRegistry } from "../../typechain-types/contracts/identity/IdentityRegistry";

const ALICE = entity("ALICE");
const BOB = entity("BOB");
const CAROL = entity("CAROL");

/**
 * Empty registry behind a UUPS proxy: admin holds DEFAULT_ADMIN_ROLE, registrar REGISTRAR_ROLE,
 * binder TOKEN_BINDER_ROLE (all named at initialisation).
 */
async function deployEmptyRegistryFixture() {
  const [admin, registrar, alice, alice2, bob, carol, outsider, binder] = await ethers.getSigners();
  const registry = await deployIdentityRegistry(hre, admin.address, [registrar.address], [binder.address]);
  const REGISTRAR_ROLE = await registry.REGISTRAR_ROLE();
  const TOKEN_BINDER_ROLE = await registry.TOKEN_BINDER_ROLE();
  const DEFAULT_ADMIN_ROLE = await registry.DEFAULT_ADMIN_ROLE();
  const expiry = (await time.latest()) + ONE_YEAR;
  return {
    registry,
    admin,
    registrar,
    binder,
    alice,
    alice2,
    bob,
    carol,
    outsider,
    expiry,
    REGISTRAR_ROLE,
    TOKEN_BINDER_ROLE,
    DEFAULT_ADMIN_ROLE,
  };
}

/**
 * Registry with alice and alice2 (two wallets of entity ALICE, CN, INVESTOR) and bob (entity BOB,
 * SG, INVESTOR | QUALIFIED_INVESTOR) registered, all with the same KYC expiry. carol and outsider
 * are not registered. `register` registers a further wallet.
 */
async function deployRegisteredFixture() {
  const f = await deployEmptyRegistryFixture();
  const r = f.registry.connect(f.registrar);
  await r.registerIdentity(f.alice.address, ALICE, Country.CN, f.expiry, Attr.INVESTOR);
  await r.registerIdentity(f.alice2.address, ALICE, Country.CN, f.expiry, Attr.INVESTOR);
  await r.registerIdentity(f.bob.address, BOB, Country.SG, f.expiry, Attr.INVESTOR | Attr.QUALIFIED_INVESTOR);
  /** Registers `wallet` for `entityId` in CN as an INVESTOR with the fixture's expiry. */
  const register = (wallet: string, entityId: string) =>
    r.registerIdentity(wallet, entityId, Country.CN, f.expiry, Attr.INVESTOR);
  return { ...f, register };
}

/** Sends the next transaction without gas estimation, so it is mined (and reverts) at a chosen timestamp. */
const MINED = { gasLimit: 1_000_000 };

describe("IdentityRegistry", function () {
  describe("initialize", function () {
    it("gives the admin DEFAULT_ADMIN_ROLE and no registrar rights", async function () {
      const { registry, admin, registrar, outsider, DEFAULT_ADMIN_ROLE, REGISTRAR_ROLE } =
        await loadFixture(deployEmptyRegistryFixture);
      expect(DEFAULT_ADMIN_ROLE).to.equal(ethers.ZeroHash);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, registrar.address)).to.equal(false);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, outsider.address)).to.equal(false);
      expect(await registry.hasRole(REGISTRAR_ROLE, admin.address)).to.equal(false);
      expect(await registry.getRoleAdmin(REGISTRAR_ROLE)).to.equal(DEFAULT_ADMIN_ROLE);
    });

    it("names REGISTRAR_ROLE and TOKEN_BINDER_ROLE keccak256 of their names, administered by the admin", async function () {
      const { registry, REGISTRAR_ROLE, TOKEN_BINDER_ROLE, DEFAULT_ADMIN_ROLE } =
        await loadFixture(deployEmptyRegistryFixture);
      expect(REGISTRAR_ROLE).to.equal(ethers.id("REGISTRAR_ROLE"));
      expect(TOKEN_BINDER_ROLE).to.equal(ethers.id("TOKEN_BINDER_ROLE"));
      expect(await registry.getRoleAdmin(TOKEN_BINDER_ROLE)).to.equal(DEFAULT_ADMIN_ROLE);
      expect(await registry.MAX_BOUND_TOKENS()).to.equal(120n);
    });

    it("reverts with ZeroAddress for a zero admin", async function () {
      const factory = await ethers.getContractFactory("IdentityRegistry");
      await expect(
        upgrades.deployProxy(factory, [ethers.ZeroAddress, [], []], { kind: "uups" }),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
    });

    it("grants REGISTRAR_ROLE and TOKEN_BINDER_ROLE to the accounts it is given, and nothing to the deployer", async function () {
      const [deployer, admin, registrarA, registrarB, binderA] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("IdentityRegistry");
      const registry = await upgrades.deployProxy(
        factory,
        [admin.address, [registrarA.address, registrarB.address], [binderA.address]],
        { kind: "uups" },
      );
      const registrarRole = ethers.id("REGISTRAR_ROLE");
      const binderRole = ethers.id("TOKEN_BINDER_ROLE");
      expect(await registry.hasRole(registrarRole, registrarA.address)).to.equal(true);
      expect(await registry.hasRole(registrarRole, registrarB.address)).to.equal(true);
      expect(await registry.hasRole(binderRole, binderA.address)).to.equal(true);
      expect(await registry.hasRole(binderRole, registrarA.address)).to.equal(false);
      expect(await registry.hasRole(registrarRole, binderA.address)).to.equal(false);
      for (const role of [registrarRole, binderRole, ethers.ZeroHash]) {
        expect(await registry.hasRole(role, deployer.address)).to.equal(false);
      }
      expect(await registry.hasRole(binderRole, admin.address)).to.equal(false);
    });

    it("reverts with ZeroAddress for a zero registrar or a zero token binder", async function () {
      const [, admin] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("IdentityRegistry");
      await expect(
        upgrades.deployProxy(factory, [admin.address, [ethers.ZeroAddress], []], { kind: "uups" }),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
      await expect(
        upgrades.deployProxy(factory, [admin.address, [], [admin.address, ethers.ZeroAddress]], { kind: "uups" }),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
    });

    it("cannot be called twice on the proxy (InvalidInitialization)", async function () {
      const { registry, outsider, DEFAULT_ADMIN_ROLE } = await loadFixture(deployEmptyRegistryFixture);
      await expect(
        registry.connect(outsider).initialize(outsider.address, [], [outsider.address]),
      ).to.be.revertedWithCustomError(registry, "InvalidInitialization");
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, outsider.address)).to.equal(false);
    });

    it("cannot initialize the implementation contract (InvalidInitialization)", async function () {
      const { registry, outsider, DEFAULT_ADMIN_ROLE } = await loadFixture(deployEmptyRegistryFixture);
      const implAddress = await upgrades.erc1967.getImplementationAddress(await registry.getAddress());
      expect(implAddress).to.not.equal(await registry.getAddress());
      const impl = registry.attach(implAddress) as typeof registry;
      await expect(
        impl.connect(outsider).initialize(outsider.address, [], [outsider.address]),
      ).to.be.revertedWithCustomError(impl, "InvalidInitialization");
      expect(await impl.hasRole(DEFAULT_ADMIN_ROLE, outsider.address)).to.equal(false);
    });
  });

  describe("access control", function () {
    const registrarCalls = [
      {
        name: "registerIdentity",
        call: (r: IIdentityRegistry.RegistrationStruct, reg: Reg) =>
          reg.registerIdentity(r.wallet, r.entityId, r.country, r.expiry, r.attributes),
      },
      {
        name: "batchRegisterIdentity",
        call: (r: IIdentityRegistry.RegistrationStruct, reg: Reg) => reg.batchRegisterIdentity([r]),
      },
      {
        name: "updateIdentity",
        call: (r: IIdentityRegistry.RegistrationStruct, reg: Reg) =>
          reg.updateIdentity(r.wallet, r.country, r.expiry, r.attributes),
      },
      {
        name: "batchUpdateIdentity",
        call: (r: IIdentityRegistry.RegistrationStruct, reg: Reg) =>
          reg.batchUpdateIdentity([
            { wallet: r.wallet, country: r.country, expiry: r.expiry, attributes: r.attributes },
          ]),
      },
      {
        name: "removeIdentity",
        call: (r: IIdentityRegistry.RegistrationStruct, reg: Reg) => reg.removeIdentity(r.wallet),
      },
      {
        name: "batchRemoveIdentity",
        call: (r: IIdentityRegistry.RegistrationStruct, reg: Reg) => reg.batchRemoveIdentity([r.wallet]),
      },
      {
        name: "setEntityIdentity",
        call: (r: IIdentityRegistry.RegistrationStruct, reg: Reg) => reg.setEntityIdentity(ALICE, r.wallet),
      },
    ];

    for (const { name, call } of registrarCalls) {
      it(`${name} reverts with AccessControlUnauthorizedAccount for an account without REGISTRAR_ROLE`, async function () {
        const { registry, admin, registrar, binder, alice, outsider, expiry, REGISTRAR_ROLE } =
          await loadFixture(deployRegisteredFixture);
        // A row that the registrar could apply (alice is registered, so update/remove are valid for her;
        // register uses a fresh wallet).
        const row = {
          wallet: name === "registerIdentity" || name === "batchRegisterIdentity" ? outsider.address : alice.address,
          entityId: CAROL,
          country: Country.US,
          expiry: expiry + 1,
          attributes: Attr.FINANCIER,
        };
        for (const caller of [outsider, admin, binder]) {
          await expect(call(row, registry.connect(caller)))
            .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, REGISTRAR_ROLE);
        }
        // Nothing changed.
        expect(await registry.contains(outsider.address)).to.equal(false);
        expect(await registry.identity(alice.address)).to.equal(ethers.ZeroAddress);
        expect(await registry.identityOf(alice.address)).to.deep.equal([
          ALICE,
          BigInt(Country.CN),
          BigInt(expiry),
          BigInt(Attr.INVESTOR),
        ]);
        // The same call succeeds from the registrar: the role is the only reason for the revert.
        await expect(call(row, registry.connect(registrar))).to.not.be.reverted;
      });
    }

    it("bindToken reverts with AccessControlUnauthorizedAccount for an account without TOKEN_BINDER_ROLE", async function () {
      const { registry, admin, registrar, binder, alice, outsider, TOKEN_BINDER_ROLE } =
        await loadFixture(deployRegisteredFixture);
      const token = ethers.Wallet.createRandom().address;
      for (const caller of [outsider, admin, registrar, alice]) {
        await expect(registry.connect(caller).bindToken(token))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, TOKEN_BINDER_ROLE);
      }
      expect(await registry.isTokenBound(token)).to.equal(false);
      await expect(registry.connect(binder).bindToken(token)).to.not.be.reverted;
      expect(await registry.isTokenBound(token)).to.equal(true);
    });

    it("every state-changing function is covered: by role, by binding, or the one-time initializer", async function () {
      const { registry } = await loadFixture(deployEmptyRegistryFixture);
      const covered = [
        // REGISTRAR_ROLE (table above)
        ...registrarCalls.map((c) => c.name),
        // TOKEN_BINDER_ROLE (above)
        "bindToken",
        // DEFAULT_ADMIN_ROLE (grant/revoke below, upgrades in "upgrades")
        "grantRole",
        "revokeRole",
        "upgradeToAndCall",
        // Bound tokens only: TokenNotBound for anyone else ("bound tokens")
        "cacheParticipant",
        "unbindToken",
        // Own role only; one-time initializer
        "renounceRole",
        "initialize",
      ];
      const writes: string[] = [];
      registry.interface.forEachFunction((fn) => {
        if (fn.stateMutability !== "view" && fn.stateMutability !== "pure") writes.push(fn.name);
      });
      expect([...writes].sort()).to.deep.equal([...covered].sort());
    });

    it("only the admin revokes a role", async function () {
      const { registry, admin, registrar, binder, outsider, REGISTRAR_ROLE, DEFAULT_ADMIN_ROLE } =
        await loadFixture(deployEmptyRegistryFixture);
      for (const caller of [outsider, registrar, binder]) {
        await expect(registry.connect(caller).revokeRole(REGISTRAR_ROLE, registrar.address))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      await registry.connect(admin).revokeRole(REGISTRAR_ROLE, registrar.address);
      expect(await registry.hasRole(REGISTRAR_ROLE, registrar.address)).to.equal(false);
    });

    it("a registrar whose role is revoked loses access", async function () {
      const { registry, admin, registrar, carol, expiry, REGISTRAR_ROLE } =
        await loadFixture(deployEmptyRegistryFixture);
      await registry.connect(admin).revokeRole(REGISTRAR_ROLE, registrar.address);
      await expect(registry.connect(registrar).registerIdentity(carol.address, CAROL, Country.HK, expiry, Attr.DEBTOR))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(registrar.address, REGISTRAR_ROLE);
    });

    it("only the admin can grant REGISTRAR_ROLE", async function () {
      const { registry, registrar, outsider, REGISTRAR_ROLE, DEFAULT_ADMIN_ROLE } =
        await loadFixture(deployEmptyRegistryFixture);
      for (const caller of [outsider, registrar]) {
        await expect(registry.connect(caller).grantRole(REGISTRAR_ROLE, outsider.address))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await registry.hasRole(REGISTRAR_ROLE, outsider.address)).to.equal(false);
    });
  });

  describe("stored sizes", function () {
    it("refuses a KYC expiry beyond 32-bit seconds (2106-02-07) with ExpiryTooFar, in register and update", async function () {
      const { registry, registrar, alice, bob, expiry } = await loadFixture(deployEmptyRegistryFixture);
      const tooFar = 2n ** 32n;
      await expect(registry.connect(registrar).registerIdentity(alice.address, ALICE, Country.CN, tooFar, 0))
        .to.be.revertedWithCustomError(registry, "ExpiryTooFar")
        .withArgs(tooFar);
      await registry.connect(registrar).registerIdentity(alice.address, ALICE, Country.CN, tooFar - 1n, 0);
      expect((await registry.identityOf(alice.address)).expiry).to.equal(tooFar - 1n);
      await registry.connect(registrar).registerIdentity(bob.address, BOB, Country.CN, expiry, 0);
      await expect(registry.connect(registrar).updateIdentity(bob.address, Country.CN, tooFar, 0))
        .to.be.revertedWithCustomError(registry, "ExpiryTooFar")
        .withArgs(tooFar);
    });

    it("numbers at most 2^24 - 1 entities (EntityLimitReached); further wallets of known entities still register", async function () {
      const { registry, registrar, alice, bob, expiry } = await loadFixture(deployEmptyRegistryFixture);
      await registry.connect(registrar).registerIdentity(alice.address, ALICE, Country.CN, expiry, 0);
      // entityCount is the fifth field of the ERC-7201 namespace consortium.storage.IdentityRegistry.
      const namespace = BigInt("0x8c0ddbb36cc4f320044172f561ac72b59c4226caf11312ec6714fb2ceab13800");
      const limit = await registry.MAX_ENTITIES();
      await ethers.provider.send("hardhat_setStorageAt", [
        await registry.getAddress(),
        ethers.toQuantity(namespace + 4n),
        ethers.zeroPadValue(ethers.toBeHex(limit), 32),
      ]);
      await expect(registry.connect(registrar).registerIdentity(bob.address, BOB, Country.CN, expiry, 0))
        .to.be.revertedWithCustomError(registry, "EntityLimitReached")
        .withArgs(limit);
      const another = ethers.Wallet.createRandom().address;
      await registry.connect(registrar).registerIdentity(another, ALICE, Country.CN, expiry, 0);
      expect(await registry.entityOf(another)).to.equal(ALICE);
    });
  });

  describe("registerIdentity", function () {
    it("emits IdentityRegistered with its arguments and stores the identity", async function () {
      const { registry, registrar, alice, expiry } = await loadFixture(deployEmptyRegistryFixture);
      const attributes = Attr.INVESTOR | Attr.SUPPLIER;
      await expect(registry.connect(registrar).registerIdentity(alice.address, ALICE, Country.HK, expiry, attributes))
        .to.emit(registry, "IdentityRegistered")
        .withArgs(alice.address, ALICE, Country.HK, expiry, attributes);

      const id = await registry.identityOf(alice.address);
      expect(id.entityId).to.equal(ALICE);
      expect(id.country).to.equal(Country.HK);
      expect(id.expiry).to.equal(expiry);
      expect(id.attributes).to.equal(attributes);
      expect(await registry.entityOf(alice.address)).to.equal(ALICE);
      expect(await registry.boundEntityOf(alice.address)).to.equal(ALICE);
      expect(await registry.isVerified(alice.address)).to.equal(true);
      expect(await registry.contains(alice.address)).to.equal(true);
      expect(await registry.entityIndexOf(ALICE)).to.equal(1n);
      expect(await registry.entityIdAt(1)).to.equal(ALICE);
      expect(await registry.walletCountOf(ALICE)).to.equal(1n);
    });

    it("gives several wallets of one entity the same entity index and counts them", async function () {
      const { registry, alice, alice2 } = await loadFixture(deployRegisteredFixture);
      expect(await registry.entityIndexOf(ALICE)).to.equal(1n);
      expect(await registry.walletCountOf(ALICE)).to.equal(2n);
      const [pa, pa2] = await registry.participantsOf(alice.address, alice2.address);
      expect(pa.entityIndex).to.equal(1n);
      expect(pa2.entityIndex).to.equal(1n);
      expect(await registry.entityOf(alice2.address)).to.equal(ALICE);
    });

    it("gives a new entity the next index", async function () {
      const { registry, registrar, bob, carol, expiry } = await loadFixture(deployRegisteredFixture);
      expect(await registry.entityIndexOf(BOB)).to.equal(2n);
      expect(await registry.entityIdAt(2)).to.equal(BOB);
      expect(await registry.walletCountOf(BOB)).to.equal(1n);
      expect((await registry.participantsOf(bob.address, carol.address))[0].entityIndex).to.equal(2n);

      expect(await registry.entityIndexOf(CAROL)).to.equal(0n);
      expect(await registry.entityIdAt(3)).to.equal(ethers.ZeroHash);
      await registry.connect(registrar).registerIdentity(carol.address, CAROL, Country.US, expiry, Attr.FINANCIER);
      expect(await registry.entityIndexOf(CAROL)).to.equal(3n);
      expect(await registry.entityIdAt(3)).to.equal(CAROL);
      expect(await registry.entityIdAt(0)).to.equal(ethers.ZeroHash);
    });

    it("reverts with ZeroAddress for the zero wallet", async function () {
      const { registry, registrar, expiry } = await loadFixture(deployEmptyRegistryFixture);
      await expect(
        registry.connect(registrar).registerIdentity(ethers.ZeroAddress, ALICE, Country.CN, expiry, Attr.INVESTOR),
      ).to.be.revertedWithCustomError(registry, "ZeroAddress");
      expect(await registry.entityIndexOf(ALICE)).to.equal(0n);
    });

    it("reverts with ZeroEntity for the zero entity", async function () {
      const { registry, registrar, alice, expiry } = await loadFixture(deployEmptyRegistryFixture);
      await expect(
        registry.connect(registrar).registerIdentity(alice.address, ethers.ZeroHash, Country.CN, expiry, Attr.INVESTOR),
      ).to.be.revertedWithCustomError(registry, "ZeroEntity");
      expect(await registry.contains(alice.address)).to.equal(false);
    });

    it("reverts with WalletAlreadyRegistered for a registered wallet, same entity or another", async function () {
      const { registry, registrar, alice, expiry } = await loadFixture(deployRegisteredFixture);
      for (const entityId of [ALICE, CAROL]) {
        await expect(
          registry.connect(registrar).registerIdentity(alice.address, entityId, Country.US, expiry + 1, Attr.DEBTOR),
        )
          .to.be.revertedWithCustomError(registry, "WalletAlreadyRegistered")
          .withArgs(alice.address);
      }
      expect(await registry.walletCountOf(ALICE)).to.equal(2n);
      expect(await registry.entityIndexOf(CAROL)).to.equal(0n);
      expect((await registry.identityOf(alice.address)).country).to.equal(Country.CN);
    });

    it("reverts with ExpiryInPast when the expiry equals the timestamp of the block it is mined in", async function () {
      const { registry, registrar, alice } = await loadFixture(deployEmptyRegistryFixture);
      const t = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(t);
      await expect(
        registry.connect(registrar).registerIdentity(alice.address, ALICE, Country.CN, t, Attr.INVESTOR, MINED),
      )
        .to.be.revertedWithCustomError(registry, "ExpiryInPast")
        .withArgs(t);
      expect(await time.latest()).to.equal(t); // the reverted transaction was mined at t
      expect(await registry.contains(alice.address)).to.equal(false);
    });

    it("reverts with ExpiryInPast for an expiry in the past (and zero)", async function () {
      const { registry, registrar, alice } = await loadFixture(deployEmptyRegistryFixture);
      const past = (await time.latest()) - 1;
      for (const expiry of [past, 0]) {
        await expect(
          registry.connect(registrar).registerIdentity(alice.address, ALICE, Country.CN, expiry, Attr.INVESTOR),
        )
          .to.be.revertedWithCustomError(registry, "ExpiryInPast")
          .withArgs(expiry);
      }
      expect(await registry.contains(alice.address)).to.equal(false);
    });

    it("accepts an expiry one second after the block timestamp", async function () {
      const { registry, registrar, alice } = await loadFixture(deployEmptyRegistryFixture);
      const t = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(t);
      await expect(
        registry.connect(registrar).registerIdentity(alice.address, ALICE, Country.CN, t + 1, Attr.INVESTOR, MINED),
      )
        .to.emit(registry, "IdentityRegistered")
        .withArgs(alice.address, ALICE, Country.CN, t + 1, Attr.INVESTOR);
      expect((await registry.identityOf(alice.address)).expiry).to.equal(t + 1);
    });
  });

  describe("batchRegisterIdentity", function () {
    it("registers every row and emits one IdentityRegistered per row", async function () {
      const { registry, registrar, alice, alice2, bob, expiry } = await loadFixture(deployEmptyRegistryFixture);
      const rows: IIdentityRegistry.RegistrationStruct[] = [
        { wallet: alice.address, entityId: ALICE, country: Country.CN, expiry, attributes: Attr.INVESTOR },
        { wallet: bob.address, entityId: BOB, country: Country.SG, expiry: expiry + 5, attributes: Attr.FINANCIER },
        { wallet: alice2.address, entityId: ALICE, country: Country.HK, expiry: expiry + 9, attributes: Attr.DEBTOR },
      ];
      const tx = registry.connect(registrar).batchRegisterIdentity(rows);
      await expect(tx)
        .to.emit(registry, "IdentityRegistered")
        .withArgs(alice.address, ALICE, Country.CN, expiry, Attr.INVESTOR);
      await expect(tx)
        .to.emit(registry, "IdentityRegistered")
        .withArgs(bob.address, BOB, Country.SG, expiry + 5, Attr.FINANCIER);
      await expect(tx)
        .to.emit(registry, "IdentityRegistered")
        .withArgs(alice2.address, ALICE, Country.HK, expiry + 9, Attr.DEBTOR);
      const receipt = await (await tx).wait();
      expect(receipt!.logs.length).to.equal(3);

      expect(await registry.identityOf(alice2.address)).to.deep.equal([
        ALICE,
        BigInt(Country.HK),
        BigInt(expiry + 9),
        BigInt(Attr.DEBTOR),
      ]);
      expect(await registry.entityIndexOf(ALICE)).to.equal(1n);
      expect(await registry.entityIndexOf(BOB)).to.equal(2n);
      expect(await registry.walletCountOf(ALICE)).to.equal(2n);
      expect(await registry.walletCountOf(BOB)).to.equal(1n);
      expect(await registry.isVerified(bob.address)).to.equal(true);
    });

    it("reverts with EmptyBatch for no rows", async function () {
      const { registry, registrar } = await loadFixture(deployEmptyRegistryFixture);
      await expect(registry.connect(registrar).batchRegisterIdentity([])).to.be.revertedWithCustomError(
        registry,
        "EmptyBatch",
      );
    });

    it("is all or none: a bad second row leaves nothing registered", async function () {
      const { registry, registrar, alice, bob, carol, expiry } = await loadFixture(deployEmptyRegistryFixture);
      const good = { wallet: alice.address, entityId: ALICE, country: Country.CN, expiry, attributes: Attr.INVESTOR };
      const third = { wallet: carol.address, entityId: CAROL, country: Country.US, expiry, attributes: Attr.INVESTOR };
      const cases: [IIdentityRegistry.RegistrationStruct, string, unknown[]][] = [
        [{ ...good, wallet: ethers.ZeroAddress, entityId: BOB }, "ZeroAddress", []],
        [{ ...good, wallet: bob.address, entityId: ethers.ZeroHash }, "ZeroEntity", []],
        [{ ...good, wallet: bob.address, entityId: BOB, expiry: 1 }, "ExpiryInPast", [1]],
        [{ ...good, entityId: BOB }, "WalletAlreadyRegistered", [alice.address]], // duplicate inside the batch
      ];
      for (const [bad, error, args] of cases) {
        await expect(registry.connect(registrar).batchRegisterIdentity([good, bad, third]))
          .to.be.revertedWithCustomError(registry, error)
          .withArgs(...args);
      }
      for (const w of [alice, bob, carol]) expect(await registry.contains(w.address)).to.equal(false);
      for (const e of [ALICE, BOB, CAROL]) {
        expect(await registry.entityIndexOf(e)).to.equal(0n);
        expect(await registry.walletCountOf(e)).to.equal(0n);
      }
      expect(await registry.entityIdAt(1)).to.equal(ethers.ZeroHash);
    });
  });

  describe("batchRegisterIdentity with a removed wallet", function () {
    it("is all or none: a second row re-binding a removed wallet reverts with WalletBoundToOtherEntity", async function () {
      const { registry, registrar, bob, carol, expiry } = await loadFixture(deployRegisteredFixture);
      await registry.connect(registrar).removeIdentity(bob.address);
      const rows: IIdentityRegistry.RegistrationStruct[] = [
        { wallet: carol.address, entityId: CAROL, country: Country.US, expiry, attributes: Attr.INVESTOR },
        { wallet: bob.address, entityId: CAROL, country: Country.US, expiry, attributes: Attr.INVESTOR },
      ];
      await expect(registry.connect(registrar).batchRegisterIdentity(rows))
        .to.be.revertedWithCustomError(registry, "WalletBoundToOtherEntity")
        .withArgs(bob.address, BOB);
      expect(await registry.contains(carol.address)).to.equal(false);
      expect(await registry.entityIndexOf(CAROL)).to.equal(0n);
      expect(await registry.walletCountOf(CAROL)).to.equal(0n);
      expect(await registry.boundEntityOf(bob.address)).to.equal(BOB);
    });
  });

  describe("updateIdentity", function () {
    it("changes country, expiry and attributes but not the entity, and emits IdentityUpdated", async function () {
      const { registry, registrar, alice, alice2, expiry } = await loadFixture(deployRegisteredFixture);
      const newExpiry = expiry + ONE_YEAR;
      const attributes = Attr.INVESTOR | Attr.QUALIFIED_INVESTOR | Attr.DEBTOR;
      await expect(registry.connect(registrar).updateIdentity(alice.address, Country.SG, newExpiry, attributes))
        .to.emit(registry, "IdentityUpdated")
        .withArgs(alice.address, Country.SG, newExpiry, attributes);

      expect(await registry.identityOf(alice.address)).to.deep.equal([
        ALICE,
        BigInt(Country.SG),
        BigInt(newExpiry),
        BigInt(attributes),
      ]);
      expect(await registry.entityOf(alice.address)).to.equal(ALICE);
      expect(await registry.entityIndexOf(ALICE)).to.equal(1n);
      expect(await registry.walletCountOf(ALICE)).to.equal(2n);
      // The other wallet of the entity is untouched.
      expect(await registry.identityOf(alice2.address)).to.deep.equal([
        ALICE,
        BigInt(Country.CN),
        BigInt(expiry),
        BigInt(Attr.INVESTOR),
      ]);
    });

    it("can shorten the expiry and clear all attributes", async function () {
      const { registry, registrar, bob } = await loadFixture(deployRegisteredFixture);
      const shorter = (await time.latest()) + 60;
      await registry.connect(registrar).updateIdentity(bob.address, Country.SG, shorter, 0);
      const id = await registry.identityOf(bob.address);
      expect(id.expiry).to.equal(shorter);
      expect(id.attributes).to.equal(0n);
      expect(id.entityId).to.equal(BOB);
    });

    it("reverts with UnknownWallet for an unregistered wallet", async function () {
      const { registry, registrar, carol, expiry } = await loadFixture(deployRegisteredFixture);
      await expect(registry.connect(registrar).updateIdentity(carol.address, Country.US, expiry, Attr.INVESTOR))
        .to.be.revertedWithCustomError(registry, "UnknownWallet")
        .withArgs(carol.address);
      expect(await registry.contains(carol.address)).to.equal(false);
    });

    it("reverts with ExpiryInPast when the expiry equals the timestamp of the block it is mined in", async function () {
      const { registry, registrar, alice, expiry } = await loadFixture(deployRegisteredFixture);
      const t = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(t);
      await expect(registry.connect(registrar).updateIdentity(alice.address, Country.US, t, Attr.DEBTOR, MINED))
        .to.be.revertedWithCustomError(registry, "ExpiryInPast")
        .withArgs(t);
      expect(await time.latest()).to.equal(t);
      expect((await registry.identityOf(alice.address)).expiry).to.equal(expiry);
    });

    it("reverts with ExpiryInPast for an expiry in the past", async function () {
      const { registry, registrar, alice, expiry } = await loadFixture(deployRegisteredFixture);
      const past = (await time.latest()) - 1;
      await expect(registry.connect(registrar).updateIdentity(alice.address, Country.US, past, Attr.DEBTOR))
        .to.be.revertedWithCustomError(registry, "ExpiryInPast")
        .withArgs(past);
      const id = await registry.identityOf(alice.address);
      expect(id.expiry).to.equal(expiry);
      expect(id.country).to.equal(Country.CN);
    });
  });

  describe("batchUpdateIdentity", function () {
    it("updates every row and emits one IdentityUpdated per row", async function () {
      const { registry, registrar, alice, bob, expiry } = await loadFixture(deployRegisteredFixture);
      const rows: IIdentityRegistry.UpdateStruct[] = [
        { wallet: alice.address, country: Country.HK, expiry: expiry + 1, attributes: Attr.SUPPLIER },
        { wallet: bob.address, country: Country.US, expiry: expiry + 2, attributes: Attr.FINANCIER },
      ];
      const tx = registry.connect(registrar).batchUpdateIdentity(rows);
      await expect(tx)
        .to.emit(registry, "IdentityUpdated")
        .withArgs(alice.address, Country.HK, expiry + 1, Attr.SUPPLIER);
      await expect(tx)
        .to.emit(registry, "IdentityUpdated")
        .withArgs(bob.address, Country.US, expiry + 2, Attr.FINANCIER);
      expect(await registry.identityOf(alice.address)).to.deep.equal([
        ALICE,
        BigInt(Country.HK),
        BigInt(expiry + 1),
        BigInt(Attr.SUPPLIER),
      ]);
      expect(await registry.identityOf(bob.address)).to.deep.equal([
        BOB,
        BigInt(Country.US),
        BigInt(expiry + 2),
        BigInt(Attr.FINANCIER),
      ]);
    });

    it("reverts with EmptyBatch for no rows", async function () {
      const { registry, registrar } = await loadFixture(deployRegisteredFixture);
      await expect(registry.connect(registrar).batchUpdateIdentity([])).to.be.revertedWithCustomError(
        registry,
        "EmptyBatch",
      );
    });

    it("is all or none: a bad second row leaves every record unchanged", async function () {
      const { registry, registrar, alice, bob, carol, expiry } = await loadFixture(deployRegisteredFixture);
      const good = { wallet: alice.address, country: Country.KP, expiry: expiry + 7, attributes: Attr.DEBTOR };
      const third = { wallet: bob.address, country: Country.KP, expiry: expiry + 7, attributes: Attr.DEBTOR };
      const cases: [IIdentityRegistry.UpdateStruct, string, unknown[]][] = [
        [{ ...good, wallet: carol.address }, "UnknownWallet", [carol.address]],
        [{ ...good, wallet: bob.address, expiry: 1 }, "ExpiryInPast", [1]],
      ];
      for (const [bad, error, args] of cases) {
        await expect(registry.connect(registrar).batchUpdateIdentity([good, bad, third]))
          .to.be.revertedWithCustomError(registry, error)
          .withArgs(...args);
      }
      expect(await registry.identityOf(alice.address)).to.deep.equal([
        ALICE,
        BigInt(Country.CN),
        BigInt(expiry),
        BigInt(Attr.INVESTOR),
      ]);
      expect(await registry.identityOf(bob.address)).to.deep.equal([
        BOB,
        BigInt(Country.SG),
        BigInt(expiry),
        BigInt(Attr.INVESTOR | Attr.QUALIFIED_INVESTOR),
      ]);
    });
  });

  describe("KYC expiry", function () {
    it("isVerified is true before the expiry, false from the expiry on, and true again after renewal", async function () {
      const { registry, registrar, alice, alice2, expiry } = await loadFixture(deployRegisteredFixture);
      // Views run against the latest block: one second before the expiry the KYC is still valid.
      await time.increaseTo(expiry - 1);
      expect(await registry.isVerified(alice.address)).to.equal(true);

      await time.increaseTo(expiry);
      expect(await registry.isVerified(alice.address)).to.equal(false);
      expect(await registry.isVerified(alice2.address)).to.equal(false);
      // Expired but still registered: contains/identityOf still answer.
      expect(await registry.contains(alice.address)).to.equal(true);
      expect((await registry.identityOf(alice.address)).entityId).to.equal(ALICE);

      const renewed = expiry + ONE_YEAR;
      await expect(registry.connect(registrar).updateIdentity(alice.address, Country.CN, renewed, Attr.INVESTOR))
        .to.emit(registry, "IdentityUpdated")
        .withArgs(alice.address, Country.CN, renewed, Attr.INVESTOR);
      expect(await registry.isVerified(alice.address)).to.equal(true);
      expect(await registry.isVerified(alice2.address)).to.equal(false); // renewal is per wallet
    });

    it("an expired wallet stays registered: register again reverts WalletAlreadyRegistered, update renews it", async function () {
      const { registry, registrar, bob, expiry } = await loadFixture(deployRegisteredFixture);
      await time.increaseTo(expiry + 1);
      const renewed = expiry + ONE_YEAR;
      await expect(registry.connect(registrar).registerIdentity(bob.address, BOB, Country.SG, renewed, Attr.INVESTOR))
        .to.be.revertedWithCustomError(registry, "WalletAlreadyRegistered")
        .withArgs(bob.address);
      expect(await registry.walletCountOf(BOB)).to.equal(1n);
      await registry.connect(registrar).updateIdentity(bob.address, Country.SG, renewed, Attr.INVESTOR);
      expect(await registry.isVerified(bob.address)).to.equal(true);
      expect(await registry.walletCountOf(BOB)).to.equal(1n);
    });

    it("isVerified is false for a wallet that was never registered", async function () {
      const { registry, carol } = await loadFixture(deployRegisteredFixture);
      expect(await registry.isVerified(carol.address)).to.equal(false);
      expect(await registry.isVerified(ethers.ZeroAddress)).to.equal(false);
      expect(await registry.contains(carol.address)).to.equal(false);
    });
  });

  describe("removeIdentity", function () {
    it("clears the record, decrements walletCountOf and emits IdentityRemoved with the entity", async function () {
      const { registry, registrar, alice, alice2 } = await loadFixture(deployRegisteredFixture);
      await expect(registry.connect(registrar).removeIdentity(alice.address))
        .to.emit(registry, "IdentityRemoved")
        .withArgs(alice.address, ALICE);

      expect(await registry.contains(alice.address)).to.equal(false);
      expect(await registry.isVerified(alice.address)).to.equal(false);
      expect(await registry.entityOf(alice.address)).to.equal(ethers.ZeroHash);
      await expect(registry.identityOf(alice.address))
        .to.be.revertedWithCustomError(registry, "UnknownWallet")
        .withArgs(alice.address);
      // The stored record keeps only the entity binding; expiry 0 marks the wallet unregistered.
      const [p] = await registry.participantsOf(alice.address, alice2.address);
      expect(p).to.deep.equal([1n, 0n, 0n, 0n, true]);
      expect(await registry.boundEntityOf(alice.address)).to.equal(ALICE);
      expect(await registry.walletCountOf(ALICE)).to.equal(1n);
      // The entity's other wallet is untouched.
      expect(await registry.isVerified(alice2.address)).to.equal(true);
    });

    it("keeps the entity's index after its last wallet is removed; re-registration reuses it", async function () {
      const { registry, registrar, alice, alice2, carol, expiry } = await loadFixture(deployRegisteredFixture);
      await registry.connect(registrar).removeIdentity(alice.address);
      await registry.connect(registrar).removeIdentity(alice2.address);
      expect(await registry.walletCountOf(ALICE)).to.equal(0n);
      expect(await registry.entityIndexOf(ALICE)).to.equal(1n);
      expect(await registry.entityIdAt(1)).to.equal(ALICE);

      // Re-register alice (under the same entity, with new data): works, same index.
      await expect(
        registry.connect(registrar).registerIdentity(alice.address, ALICE, Country.US, expiry + 3, Attr.DEBTOR),
      )
        .to.emit(registry, "IdentityRegistered")
        .withArgs(alice.address, ALICE, Country.US, expiry + 3, Attr.DEBTOR);
      expect(await registry.identityOf(alice.address)).to.deep.equal([
        ALICE,
        BigInt(Country.US),
        BigInt(expiry + 3),
        BigInt(Attr.DEBTOR),
      ]);
      expect(await registry.walletCountOf(ALICE)).to.equal(1n);
      expect((await registry.participantsOf(alice.address, carol.address))[0].entityIndex).to.equal(1n);
    });

    it("keeps a removed wallet bound to its entity: re-registration elsewhere reverts with WalletBoundToOtherEntity", async function () {
      const { registry, registrar, alice, bob, expiry } = await loadFixture(deployRegisteredFixture);
      await registry.connect(registrar).removeIdentity(alice.address);
      // Neither a new entity nor another existing entity may take the wallet.
      for (const other of [CAROL, BOB]) {
        await expect(
          registry.connect(registrar).registerIdentity(alice.address, other, Country.HK, expiry, Attr.INVESTOR),
        )
          .to.be.revertedWithCustomError(registry, "WalletBoundToOtherEntity")
          .withArgs(alice.address, ALICE);
      }
      expect(await registry.contains(alice.address)).to.equal(false);
      expect(await registry.boundEntityOf(alice.address)).to.equal(ALICE);
      expect(await registry.entityIndexOf(CAROL)).to.equal(0n); // no index was handed out
      expect(await registry.walletCountOf(BOB)).to.equal(1n);
      expect(await registry.walletCountOf(ALICE)).to.equal(1n);
      expect(await registry.entityOf(bob.address)).to.equal(BOB);
      // Its own entity may take it back.
      await registry.connect(registrar).registerIdentity(alice.address, ALICE, Country.HK, expiry, Attr.INVESTOR);
      expect(await registry.entityOf(alice.address)).to.equal(ALICE);
      expect(await registry.walletCountOf(ALICE)).to.equal(2n);
    });

    it("works on an expired wallet", async function () {
      const { registry, registrar, bob, expiry } = await loadFixture(deployRegisteredFixture);
      await time.increaseTo(expiry + 1);
      await expect(registry.connect(registrar).removeIdentity(bob.address))
        .to.emit(registry, "IdentityRemoved")
        .withArgs(bob.address, BOB);
      expect(await registry.contains(bob.address)).to.equal(false);
      expect(await registry.walletCountOf(BOB)).to.equal(0n);
    });

    it("reverts with UnknownWallet for an unregistered or already removed wallet", async function () {
      const { registry, registrar, alice, carol } = await loadFixture(deployRegisteredFixture);
      await expect(registry.connect(registrar).removeIdentity(carol.address))
        .to.be.revertedWithCustomError(registry, "UnknownWallet")
        .withArgs(carol.address);
      await registry.connect(registrar).removeIdentity(alice.address);
      await expect(registry.connect(registrar).removeIdentity(alice.address))
        .to.be.revertedWithCustomError(registry, "UnknownWallet")
        .withArgs(alice.address);
      expect(await registry.walletCountOf(ALICE)).to.equal(1n); // not decremented twice
    });
  });

  describe("batchRemoveIdentity", function () {
    it("removes every wallet and emits one IdentityRemoved per wallet", async function () {
      const { registry, registrar, alice, alice2, bob } = await loadFixture(deployRegisteredFixture);
      const tx = registry.connect(registrar).batchRemoveIdentity([alice.address, bob.address, alice2.address]);
      await expect(tx).to.emit(registry, "IdentityRemoved").withArgs(alice.address, ALICE);
      await expect(tx).to.emit(registry, "IdentityRemoved").withArgs(bob.address, BOB);
      await expect(tx).to.emit(registry, "IdentityRemoved").withArgs(alice2.address, ALICE);
      for (const w of [alice, alice2, bob]) expect(await registry.contains(w.address)).to.equal(false);
      expect(await registry.walletCountOf(ALICE)).to.equal(0n);
      expect(await registry.walletCountOf(BOB)).to.equal(0n);
    });

    it("reverts with EmptyBatch for no rows", async function () {
      const { registry, registrar } = await loadFixture(deployRegisteredFixture);
      await expect(registry.connect(registrar).batchRemoveIdentity([])).to.be.revertedWithCustomError(
        registry,
        "EmptyBatch",
      );
    });

    it("is all or none: a bad second row leaves every wallet registered", async function () {
      const { registry, registrar, alice, bob, carol } = await loadFixture(deployRegisteredFixture);
      // Unknown wallet as second row.
      await expect(registry.connect(registrar).batchRemoveIdentity([alice.address, carol.address, bob.address]))
        .to.be.revertedWithCustomError(registry, "UnknownWallet")
        .withArgs(carol.address);
      // The same wallet twice: the second removal finds it gone.
      await expect(registry.connect(registrar).batchRemoveIdentity([alice.address, alice.address]))
        .to.be.revertedWithCustomError(registry, "UnknownWallet")
        .withArgs(alice.address);
      expect(await registry.contains(alice.address)).to.equal(true);
      expect(await registry.contains(bob.address)).to.equal(true);
      expect(await registry.walletCountOf(ALICE)).to.equal(2n);
      expect(await registry.walletCountOf(BOB)).to.equal(1n);
    });
  });

  describe("views of unknown wallets", function () {
    it("identityOf reverts with UnknownWallet; entityOf returns zero", async function () {
      const { registry, carol } = await loadFixture(deployRegisteredFixture);
      await expect(registry.identityOf(carol.address))
        .to.be.revertedWithCustomError(registry, "UnknownWallet")
        .withArgs(carol.address);
      expect(await registry.entityOf(carol.address)).to.equal(ethers.ZeroHash);
      expect(await registry.boundEntityOf(carol.address)).to.equal(ethers.ZeroHash);
      expect(await registry.walletCountOf(CAROL)).to.equal(0n);
      expect(await registry.entityIndexOf(CAROL)).to.equal(0n);
    });
  });

  describe("participantsOf", function () {
    it("returns both stored records", async function () {
      const { registry, alice, bob, expiry } = await loadFixture(deployRegisteredFixture);
      const [a, b] = await registry.participantsOf(alice.address, bob.address);
      expect(a.entityIndex).to.equal(1n);
      expect(a.country).to.equal(Country.CN);
      expect(a.expiry).to.equal(expiry);
      expect(a.attributes).to.equal(Attr.INVESTOR);
      expect(b.entityIndex).to.equal(2n);
      expect(b.country).to.equal(Country.SG);
      expect(b.expiry).to.equal(expiry);
      expect(b.attributes).to.equal(Attr.INVESTOR | Attr.QUALIFIED_INVESTOR);
      // ALICE has two wallets, BOB one.
      expect(a.multiWallet).to.equal(true);
      expect(b.multiWallet).to.equal(false);
    });

    it("returns the records in argument order, and the same record twice for the same wallet", async function () {
      const { registry, alice, bob } = await loadFixture(deployRegisteredFixture);
      const [b, a] = await registry.participantsOf(bob.address, alice.address);
      expect(b.entityIndex).to.equal(2n);
      expect(a.entityIndex).to.equal(1n);
      const [x, y] = await registry.participantsOf(bob.address, bob.address);
      expect(x).to.deep.equal(y);
      expect(x.country).to.equal(Country.SG);
    });

    it("returns a removed wallet's record with its entity index but zero expiry, country and attributes", async function () {
      const { registry, registrar, alice, bob } = await loadFixture(deployRegisteredFixture);
      await registry.connect(registrar).removeIdentity(bob.address);
      const [a, b] = await registry.participantsOf(alice.address, bob.address);
      expect(a.expiry).to.not.equal(0n);
      expect(b).to.deep.equal([2n, 0n, 0n, 0n, false]);
    });

    it("returns zero records for unknown wallets", async function () {
      const { registry, alice, carol, outsider } = await loadFixture(deployRegisteredFixture);
      const [c, a] = await registry.participantsOf(carol.address, alice.address);
      expect(c).to.deep.equal([0n, 0n, 0n, 0n, false]);
      expect(a.entityIndex).to.equal(1n);
      const [z1, z2] = await registry.participantsOf(outsider.address, ethers.ZeroAddress);
      expect(z1).to.deep.equal([0n, 0n, 0n, 0n, false]);
      expect(z2).to.deep.equal([0n, 0n, 0n, 0n, false]);
    });
  });

  describe("entity views: boundWalletCountOf, firstWalletOf", function () {
    it("count every wallet ever bound to an entity (removed ones too) and name the first", async function () {
      const { registry, registrar, register, alice, alice2, bob, carol } = await loadFixture(deployRegisteredFixture);
      expect(await registry.boundWalletCountOf(ALICE)).to.equal(2n);
      expect(await registry.firstWalletOf(ALICE)).to.equal(alice.address);
      expect(await registry.boundWalletCountOf(BOB)).to.equal(1n);
      expect(await registry.firstWalletOf(BOB)).to.equal(bob.address);
      expect(await registry.boundWalletCountOf(CAROL)).to.equal(0n);
      expect(await registry.firstWalletOf(CAROL)).to.equal(ethers.ZeroAddress);
      // Removal keeps the binding; re-registration does not bind the wallet twice.
      await registry.connect(registrar).removeIdentity(alice.address);
      expect(await registry.walletCountOf(ALICE)).to.equal(1n);
      expect(await registry.boundWalletCountOf(ALICE)).to.equal(2n);
      expect(await registry.firstWalletOf(ALICE)).to.equal(alice.address);
      await register(alice.address, ALICE);
      expect(await registry.boundWalletCountOf(ALICE)).to.equal(2n);
      await register(carol.address, ALICE);
      expect(await registry.boundWalletCountOf(ALICE)).to.equal(3n);
      expect(await registry.firstWalletOf(ALICE)).to.equal(alice.address);
      expect((await registry.participantsOf(carol.address, alice2.address)).map((p) => p.multiWallet)).to.deep.equal([
        true,
        true,
      ]);
    });

    it("a single-wallet entity becomes multi-wallet with its second wallet, for both wallets, for good", async function () {
      const { registry, registrar, register, bob, carol } = await loadFixture(deployRegisteredFixture);
      expect((await registry.participantsOf(bob.address, bob.address))[0].multiWallet).to.equal(false);
      await register(carol.address, BOB);
      const [b, c] = await registry.participantsOf(bob.address, carol.address);
      expect([b.multiWallet, c.multiWallet]).to.deep.equal([true, true]);
      await registry.connect(registrar).removeIdentity(carol.address);
      expect((await registry.participantsOf(bob.address, bob.address))[0].multiWallet).to.equal(true);
    });
  });

  describe("entity identity (ERC-3643 ONCHAINID): setEntityIdentity, identity", function () {
    it("sets the identity of every wallet of the entity (EntityIdentitySet), and clears it with zero", async function () {
      const { registry, registrar, alice, alice2, bob, carol } = await loadFixture(deployRegisteredFixture);
      const id = ethers.Wallet.createRandom().address;
      expect(await registry.identity(alice.address)).to.equal(ethers.ZeroAddress);
      await expect(registry.connect(registrar).setEntityIdentity(ALICE, id))
        .to.emit(registry, "EntityIdentitySet")
        .withArgs(ALICE, id);
      expect(await registry.identity(alice.address)).to.equal(id);
      expect(await registry.identity(alice2.address)).to.equal(id);
      expect(await registry.identity(bob.address)).to.equal(ethers.ZeroAddress);
      expect(await registry.identity(carol.address)).to.equal(ethers.ZeroAddress);
      // A removed wallet is still its entity's.
      await registry.connect(registrar).removeIdentity(alice.address);
      expect(await registry.identity(alice.address)).to.equal(id);
      await expect(registry.connect(registrar).setEntityIdentity(ALICE, ethers.ZeroAddress))
        .to.emit(registry, "EntityIdentitySet")
        .withArgs(ALICE, ethers.ZeroAddress);
      expect(await registry.identity(alice2.address)).to.equal(ethers.ZeroAddress);
    });

    it("reverts with UnknownEntity for an entity never registered", async function () {
      const { registry, registrar } = await loadFixture(deployRegisteredFixture);
      await expect(registry.connect(registrar).setEntityIdentity(CAROL, ethers.Wallet.createRandom().address))
        .to.be.revertedWithCustomError(registry, "UnknownEntity")
        .withArgs(CAROL);
      await expect(registry.connect(registrar).setEntityIdentity(ethers.ZeroHash, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(registry, "UnknownEntity")
        .withArgs(ethers.ZeroHash);
    });
  });

  describe("bound tokens: bindToken, unbindToken", function () {
    it("binds a token at the next index (TokenBound), counted by boundTokenCount", async function () {
      const { registry, binder } = await loadFixture(deployEmptyRegistryFixture);
      const [first, second] = [ethers.Wallet.createRandom().address, ethers.Wallet.createRandom().address];
      expect(await registry.boundTokenCount()).to.equal(0n);
      await expect(registry.connect(binder).bindToken(first)).to.emit(registry, "TokenBound").withArgs(first, 0n);
      await expect(registry.connect(binder).bindToken(second)).to.emit(registry, "TokenBound").withArgs(second, 1n);
      expect(await registry.isTokenBound(first)).to.equal(true);
      expect(await registry.isTokenBound(second)).to.equal(true);
      expect(await registry.boundTokenCount()).to.equal(2n);
    });

    it("reverts with TokenAlreadyBound and ZeroAddress", async function () {
      const { registry, binder } = await loadFixture(deployEmptyRegistryFixture);
      const token = ethers.Wallet.createRandom().address;
      await registry.connect(binder).bindToken(token);
      await expect(registry.connect(binder).bindToken(token))
        .to.be.revertedWithCustomError(registry, "TokenAlreadyBound")
        .withArgs(token);
      await expect(registry.connect(binder).bindToken(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        registry,
        "ZeroAddress",
      );
      expect(await registry.boundTokenCount()).to.equal(1n);
    });

    it("binds at most MAX_BOUND_TOKENS (120) tokens: then TokenLimitReached(120), even after an unbinding", async function () {
      const { registry, binder, outsider } = await loadFixture(deployEmptyRegistryFixture);
      // The outsider acts as one bound token, so that it can leave.
      await registry.connect(binder).bindToken(outsider.address);
      for (let i = 1; i < 120; i++) await registry.connect(binder).bindToken(ethers.Wallet.createRandom().address);
      expect(await registry.boundTokenCount()).to.equal(120n);
      await expect(registry.connect(binder).bindToken(ethers.Wallet.createRandom().address))
        .to.be.revertedWithCustomError(registry, "TokenLimitReached")
        .withArgs(120n);
      // Indices are not reused: leaving frees no place.
      await registry.connect(outsider).unbindToken();
      await expect(registry.connect(binder).bindToken(ethers.Wallet.createRandom().address))
        .to.be.revertedWithCustomError(registry, "TokenLimitReached")
        .withArgs(120n);
      await expect(registry.connect(binder).bindToken(outsider.address))
        .to.be.revertedWithCustomError(registry, "TokenLimitReached")
        .withArgs(120n);
    });

    it("unbindToken lets a bound token leave (TokenUnbound); a later binding gets a new index", async function () {
      const { registry, binder, outsider } = await loadFixture(deployEmptyRegistryFixture);
      await registry.connect(binder).bindToken(outsider.address);
      await expect(registry.connect(outsider).unbindToken())
        .to.emit(registry, "TokenUnbound")
        .withArgs(outsider.address);
      expect(await registry.isTokenBound(outsider.address)).to.equal(false);
      expect(await registry.boundTokenCount()).to.equal(1n);
      await expect(registry.connect(binder).bindToken(outsider.address))
        .to.emit(registry, "TokenBound")
        .withArgs(outsider.address, 1n);
      expect(await registry.boundTokenCount()).to.equal(2n);
    });

    it("unbindToken and cacheParticipant revert with TokenNotBound(caller) for an unbound caller", async function () {
      const { registry, binder, alice, outsider } = await loadFixture(deployRegisteredFixture);
      await expect(registry.connect(outsider).unbindToken())
        .to.be.revertedWithCustomError(registry, "TokenNotBound")
        .withArgs(outsider.address);
      await expect(registry.connect(outsider).cacheParticipant(alice.address))
        .to.be.revertedWithCustomError(registry, "TokenNotBound")
        .withArgs(outsider.address);
      // Once left, also refused.
      await registry.connect(binder).bindToken(outsider.address);
      await registry.connect(outsider).unbindToken();
      await expect(registry.connect(outsider).unbindToken())
        .to.be.revertedWithCustomError(registry, "TokenNotBound")
        .withArgs(outsider.address);
      await expect(registry.connect(outsider).cacheParticipant(alice.address))
        .to.be.revertedWithCustomError(registry, "TokenNotBound")
        .withArgs(outsider.address);
      expect(await registry.cachingTokensOf(alice.address)).to.deep.equal([]);
    });
  });

  describe("cached records: cacheParticipant, recordWordsOf, cachingTokensOf and change notifications", function () {
    /** The record word layout (IIdentityRegistry.recordWordsOf). */
    function recordWord(
      entityIndex: bigint,
      country: number,
      expiry: bigint | number,
      attributes: number,
      multi: boolean,
    ) {
      return (
        (BigInt(expiry) << 120n) |
        (BigInt(country) << 152n) |
        (BigInt(attributes) << 168n) |
        ((multi ? 1n : 0n) << 203n) |
        (entityIndex << 216n)
      );
    }

    /** The registered fixture and two bound caches (test contracts recording every change pushed to them). */
    async function cachesFixture() {
      const f = await deployRegisteredFixture();
      const factory = await ethers.getContractFactory("RecordingParticipantCache");
      const registryAddress = await f.registry.getAddress();
      const cacheA: RecordingParticipantCache = await factory.deploy(registryAddress);
      const cacheB: RecordingParticipantCache = await factory.deploy(registryAddress);
      await f.registry.connect(f.binder).bindToken(await cacheA.getAddress());
      await f.registry.connect(f.binder).bindToken(await cacheB.getAddress());
      const [dave, dave2, dave3] = (await ethers.getSigners()).slice(10, 13);
      return { ...f, cacheA, cacheB, dave, dave2, dave3 };
    }

    it("recordWordsOf lays out entity index, multi-wallet flag, attributes, country and expiry", async function () {
      const { registry, registrar, alice, bob, carol, expiry } = await loadFixture(deployRegisteredFixture);
      const [a, b] = await registry.recordWordsOf(alice.address, bob.address);
      expect(a).to.equal(recordWord(1n, Country.CN, expiry, Attr.INVESTOR, true));
      expect(b).to.equal(recordWord(2n, Country.SG, expiry, Attr.INVESTOR | Attr.QUALIFIED_INVESTOR, false));
      const [c, zero] = await registry.recordWordsOf(carol.address, ethers.ZeroAddress);
      expect([c, zero]).to.deep.equal([0n, 0n]);
      // A removed wallet keeps its entity index and flag only.
      await registry.connect(registrar).removeIdentity(alice.address);
      expect((await registry.recordWordsOf(alice.address, bob.address))[0]).to.equal(recordWord(1n, 0, 0, 0, true));
    });

    it("cacheParticipant returns the record word and subscribes the caller; the word never shows the subscribers", async function () {
      const { registry, cacheA, cacheB, alice, bob } = await loadFixture(cachesFixture);
      const [expected] = await registry.recordWordsOf(alice.address, bob.address);
      expect(await registry.cachingTokensOf(alice.address)).to.deep.equal([]);
      expect(await cacheA.cache.staticCall(alice.address)).to.equal(expected);
      await cacheA.cache(alice.address);
      await cacheA.cache(alice.address); // idempotent
      expect(await registry.cachingTokensOf(alice.address)).to.deep.equal([await cacheA.getAddress()]);
      await cacheB.cache(alice.address);
      expect(await registry.cachingTokensOf(alice.address)).to.deep.equal([
        await cacheA.getAddress(),
        await cacheB.getAddress(),
      ]);
      expect(await cacheB.recordOf(alice.address)).to.equal(expected);
      expect((await registry.recordWordsOf(alice.address, bob.address))[0]).to.equal(expected);
      expect(await registry.cachingTokensOf(bob.address)).to.deep.equal([]);
    });

    it("pushes an update to exactly the caches that cached the wallet, with the new record word", async function () {
      const { registry, registrar, cacheA, cacheB, alice, bob, expiry } = await loadFixture(cachesFixture);
      await cacheA.cache(alice.address);
      await cacheB.cache(bob.address);
      const tx = registry.connect(registrar).updateIdentity(alice.address, Country.HK, expiry + 5, Attr.DEBTOR);
      const word = recordWord(1n, Country.HK, expiry + 5, Attr.DEBTOR, true);
      await expect(tx).to.emit(cacheA, "Notified").withArgs(alice.address, word);
      await expect(tx).to.not.emit(cacheB, "Notified");
      expect(await cacheA.recordOf(alice.address)).to.equal(word);
      expect([await cacheA.notifications(), await cacheB.notifications()]).to.deep.equal([1n, 0n]);
    });

    it("pushes removals and re-registrations, and batch rows, to the caches", async function () {
      const { registry, registrar, cacheA, alice, bob, expiry } = await loadFixture(cachesFixture);
      await cacheA.cache(alice.address);
      await cacheA.cache(bob.address);
      await expect(registry.connect(registrar).batchRemoveIdentity([alice.address, bob.address]))
        .to.emit(cacheA, "Notified")
        .withArgs(alice.address, recordWord(1n, 0, 0, 0, true))
        .and.to.emit(cacheA, "Notified")
        .withArgs(bob.address, recordWord(2n, 0, 0, 0, false));
      await expect(
        registry.connect(registrar).registerIdentity(alice.address, ALICE, Country.US, expiry, Attr.INVESTOR),
      )
        .to.emit(cacheA, "Notified")
        .withArgs(alice.address, recordWord(1n, Country.US, expiry, Attr.INVESTOR, true));
      expect(await cacheA.notifications()).to.equal(3n);
    });

    it("a record cached before its wallet was registered is pushed at registration", async function () {
      const { registry, registrar, cacheA, carol, expiry } = await loadFixture(cachesFixture);
      expect(await cacheA.cache.staticCall(carol.address)).to.equal(0n);
      await cacheA.cache(carol.address);
      await expect(
        registry.connect(registrar).registerIdentity(carol.address, CAROL, Country.US, expiry, Attr.INVESTOR),
      )
        .to.emit(cacheA, "Notified")
        .withArgs(carol.address, recordWord(3n, Country.US, expiry, Attr.INVESTOR, false));
    });

    it("an entity's second wallet is pushed as a change of its first wallet (multi-wallet); a third is not", async function () {
      const { register, cacheA, dave, dave2, dave3, expiry } = await loadFixture(cachesFixture);
      const DAVE = entity("DAVE");
      await register(dave.address, DAVE);
      await cacheA.cache(dave.address);
      expect(await cacheA.recordOf(dave.address)).to.equal(recordWord(3n, Country.CN, expiry, Attr.INVESTOR, false));
      await expect(register(dave2.address, DAVE))
        .to.emit(cacheA, "Notified")
        .withArgs(dave.address, recordWord(3n, Country.CN, expiry, Attr.INVESTOR, true));
      await expect(register(dave3.address, DAVE)).to.not.emit(cacheA, "Notified");
      expect(await cacheA.notifications()).to.equal(1n);
    });

    it("tells a cache that left nothing more (no call, no revert)", async function () {
      const { registry, registrar, cacheA, cacheB, alice, expiry } = await loadFixture(cachesFixture);
      await cacheA.cache(alice.address);
      await cacheB.cache(alice.address);
      await expect(cacheA.leave())
        .to.emit(registry, "TokenUnbound")
        .withArgs(await cacheA.getAddress());
      const tx = registry.connect(registrar).updateIdentity(alice.address, Country.HK, expiry + 5, Attr.DEBTOR);
      await expect(tx).to.not.emit(cacheA, "Notified");
      await expect(tx).to.emit(cacheB, "Notified");
      expect(await cacheA.notifications()).to.equal(0n);
    });

    it("cachingTokensOf lists only bound tokens: a token that left is no longer listed", async function () {
      const { registry, cacheA, cacheB, alice } = await loadFixture(cachesFixture);
      await cacheA.cache(alice.address);
      await cacheB.cache(alice.address);
      await cacheA.leave();
      // Expected: only the bound cache B is "told of its changes"; a left token is not one of them.
      expect(await registry.cachingTokensOf(alice.address)).to.deep.equal([await cacheB.getAddress()]);
    });
  });

  describe("security tokens caching records", function () {
    it("a token subscribes to a wallet's record on its first receipt, not on a view or a refused transfer", async function () {
      const { registry, token, agent, alice, bob, outsider } = await loadFixture(deployTokenFixture);
      const self = await token.getAddress();
      expect(await token.detectTransferRestriction(ethers.ZeroAddress, alice.address, 1)).to.equal(0n);
      expect(await registry.cachingTokensOf(alice.address)).to.deep.equal([]);
      await token.connect(agent).mint(alice.address, 10);
      expect(await registry.cachingTokensOf(alice.address)).to.deep.equal([self]);
      // A refused transfer leaves no subscription behind.
      await expect(token.connect(alice).transfer(outsider.address, 1)).to.be.reverted;
      expect(await registry.cachingTokensOf(outsider.address)).to.deep.equal([]);
      await token.connect(alice).transfer(bob.address, 1);
      expect(await registry.cachingTokensOf(bob.address)).to.deep.equal([self]);
    });

    it("two tokens sharing the registry are both told of a change to a wallet both cached", async function () {
      const f = await loadFixture(deployTokenFixture);
      const { registry, registrar, token, admin, agent, alice, bob, expiry } = f;
      const cash = await deploySecurityToken(
        hre,
        { name: "Cash", symbol: "CSH", decimals: 2 },
        await registry.getAddress(),
        admin.address,
        allDuties([agent.address]),
      );
      await token.connect(agent).mint(alice.address, 10);
      await cash.connect(agent).mint(alice.address, 1_000);
      await token.connect(alice).transfer(bob.address, 1);
      await cash.connect(alice).transfer(bob.address, 100);
      expect(await registry.cachingTokensOf(bob.address)).to.deep.equal([
        await token.getAddress(),
        await cash.getAddress(),
      ]);
      await registry.connect(registrar).updateIdentity(bob.address, Country.CN, expiry, 0);
      await token.connect(f.compliance).setRequiredAttributes(Attr.INVESTOR);
      expect(await token.detectTransferRestriction(alice.address, bob.address, 1)).to.equal(6n);
      // The cash token requires nothing; bob's removal stops both.
      expect(await cash.detectTransferRestriction(alice.address, bob.address, 1)).to.equal(0n);
      await registry.connect(registrar).removeIdentity(bob.address);
      for (const t of [token, cash]) {
        expect(await t.detectTransferRestriction(alice.address, bob.address, 1)).to.equal(5n);
        expect(await t.detectTransferRestriction(bob.address, alice.address, 1)).to.equal(4n);
      }
    });
  });

  describe("custom errors", function () {
    it("every custom error of IIdentityRegistry is expected by a revertedWithCustomError in this file", async function () {
      const iface = await ethers.getContractAt("IIdentityRegistry", ethers.ZeroAddress);
      const declared: string[] = [];
      iface.interface.forEachError((error) => declared.push(error.name));
      expect(declared.length).to.equal(13);
      const source = fs.readFileSync(__filename, "utf8");
      const expected = new Set(
        [...source.matchAll(/revertedWithCustomError\(\s*[\w.]+,\s*"(\w+)"/g)].map((match) => match[1]),
      );
      expect(declared.filter((name) => !expected.has(name))).to.deep.equal([]);
    });
  });

  describe("upgrades", function () {
    it("a non-admin cannot upgrade (AccessControlUnauthorizedAccount)", async function () {
      const { registry, registrar, outsider, DEFAULT_ADMIN_ROLE } = await loadFixture(deployRegisteredFixture);
      const proxyAddress = await registry.getAddress();
      const implBefore = await upgrades.erc1967.getImplementationAddress(proxyAddress);
      const V2 = await ethers.getContractFactory("IdentityRegistryV2");
      for (const caller of [outsider, registrar]) {
        await expect(upgrades.upgradeProxy(proxyAddress, V2.connect(caller)))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await upgrades.erc1967.getImplementationAddress(proxyAddress)).to.equal(implBefore);
    });

    it("a non-admin cannot call upgradeToAndCall directly either", async function () {
      const { registry, outsider, DEFAULT_ADMIN_ROLE } = await loadFixture(deployRegisteredFixture);
      const proxyAddress = await registry.getAddress();
      const implBefore = await upgrades.erc1967.getImplementationAddress(proxyAddress);
      const v2Impl = await (await ethers.getContractFactory("IdentityRegistryV2")).deploy();
      await expect(registry.connect(outsider).upgradeToAndCall(await v2Impl.getAddress(), "0x"))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, DEFAULT_ADMIN_ROLE);
      expect(await upgrades.erc1967.getImplementationAddress(proxyAddress)).to.equal(implBefore);
    });

    it("the implementation cannot be upgraded directly (UUPSUnauthorizedCallContext)", async function () {
      const { registry, admin } = await loadFixture(deployRegisteredFixture);
      const implAddress = await upgrades.erc1967.getImplementationAddress(await registry.getAddress());
      const impl = registry.attach(implAddress) as typeof registry;
      const v2Impl = await (await ethers.getContractFactory("IdentityRegistryV2")).deploy();
      await expect(impl.connect(admin).upgradeToAndCall(await v2Impl.getAddress(), "0x")).to.be.revertedWithCustomError(
        impl,
        "UUPSUnauthorizedCallContext",
      );
    });

    it("the admin upgrades to V2; state and roles are kept", async function () {
      const {
        registry,
        admin,
        registrar,
        binder,
        alice,
        alice2,
        bob,
        carol,
        expiry,
        REGISTRAR_ROLE,
        TOKEN_BINDER_ROLE,
        DEFAULT_ADMIN_ROLE,
      } = await loadFixture(deployRegisteredFixture);
      const proxyAddress = await registry.getAddress();
      const boundToken = ethers.Wallet.createRandom().address;
      await registry.connect(binder).bindToken(boundToken);
      const implBefore = await upgrades.erc1967.getImplementationAddress(proxyAddress);
      const V2 = await ethers.getContractFactory("IdentityRegistryV2");
      // A fresh implementation: the plugin's manifest outlives the fixtures' snapshot reverts.
      const v2 = await upgrades.upgradeProxy(proxyAddress, V2.connect(admin), {
        kind: "uups",
        redeployImplementation: "always",
      });

      expect(await v2.getAddress()).to.equal(proxyAddress);
      expect(await upgrades.erc1967.getImplementationAddress(proxyAddress)).to.not.equal(implBefore);
      expect(await v2.version()).to.equal("2");

      // Identities, entity indices and counters survive.
      expect(await v2.identityOf(alice.address)).to.deep.equal([
        ALICE,
        BigInt(Country.CN),
        BigInt(expiry),
        BigInt(Attr.INVESTOR),
      ]);
      expect(await v2.isVerified(bob.address)).to.equal(true);
      expect(await v2.entityIndexOf(BOB)).to.equal(2n);
      expect(await v2.walletCountOf(ALICE)).to.equal(2n);
      expect(await v2.contains(alice2.address)).to.equal(true);
      // Roles survive.
      expect(await v2.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await v2.hasRole(REGISTRAR_ROLE, registrar.address)).to.equal(true);
      expect(await v2.hasRole(TOKEN_BINDER_ROLE, binder.address)).to.equal(true);
      // Bound tokens and entity identities' bookkeeping survive.
      expect(await v2.isTokenBound(boundToken)).to.equal(true);
      expect(await v2.boundTokenCount()).to.equal(1n);
      expect(await v2.boundWalletCountOf(ALICE)).to.equal(2n);
      expect(await v2.firstWalletOf(ALICE)).to.equal(alice.address);
      // The entity counter continues where it was.
      await v2.connect(registrar).registerIdentity(carol.address, CAROL, Country.US, expiry, Attr.FINANCIER);
      expect(await v2.entityIndexOf(CAROL)).to.equal(3n);
      // The proxy cannot be re-initialized after the upgrade.
      await expect(v2.initialize(carol.address, [], [])).to.be.revertedWithCustomError(v2, "InvalidInitialization");
    });

    it("hardhat-upgrades validates the implementation and the V2 storage layout", async function () {
      const { registry } = await loadFixture(deployRegisteredFixture);
      const proxyAddress = await registry.getAddress();
      const V1 = await ethers.getContractFactory("IdentityRegistry");
      const V2 = await ethers.getContractFactory("IdentityRegistryV2");
      // Each call throws on an unsafe implementation or an incompatible storage layout.
      await upgrades.validateImplementation(V1, { kind: "uups" });
      await upgrades.validateImplementation(V2, { kind: "uups" });
      await upgrades.validateUpgrade(proxyAddress, V2, { kind: "uups" });
      await upgrades.validateUpgrade(V1, V2, { kind: "uups" });
      // Negative control: the validator does reject an upgrade to an unrelated layout.
      const Unrelated = await ethers.getContractFactory("SecurityToken");
      await expect(upgrades.validateUpgrade(proxyAddress, Unrelated, { kind: "uups" })).to.be.rejectedWith(
        /incompatible[\s\S]*Deleted namespace `erc7201:consortium.storage.IdentityRegistry`/,
      );
    });
  });
});

type Reg = Awaited<ReturnType<typeof deployEmptyRegistryFixture>>["registry"];

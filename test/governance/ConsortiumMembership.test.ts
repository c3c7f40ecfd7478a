import { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { deployConsortiumFixture } from "../fixtures/consortium";
import { DEFAULT_ADMIN_ROLE, deployMembership, founder, impersonate } from "../fixtures/governance";
import type { ConsortiumMembership } from "../../typechain-types";

/**
 * A register behind a UUPS proxy whose admin is a plain signer (`admin`), deployed by `deployer`
 * (who gets no role). Members: a (40), b (35), c (25). newcomer and outsider are not members.
 */
async function membershipFixture() {
  const [deployer, admin, a, b, c, newcomer, outsider] = await ethers.getSigners();
  const founders = [
    founder(a.address, 40, "Pearl River Bank"),
    founder(b.address, 35, "Nanshan Securities"),
    founder(c.address, 25, "Qianhai Insurance"),
  ];
  const membership = await deployMembership(admin.address, founders);
  // Checkpoints are readable only strictly in the past.
  await time.increase(1);
  return { membership, deployer, admin, a, b, c, newcomer, outsider, founders, asAdmin: membership.connect(admin) };
}

/** The deployed system (Ignition), plus a signer acting as its timelock. */
async function deployedWithTimelockFixture() {
  const f = await deployConsortiumFixture();
  const timelockSigner = await impersonate(await f.timelock.getAddress());
  return { ...f, timelockSigner };
}

/** Block timestamp of a mined transaction. */
async function minedAt(tx: ContractTransactionResponse): Promise<number> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return block!.timestamp;
}

async function memberSet(membership: ConsortiumMembership): Promise<string[]> {
  return [...(await membership.members())];
}

describe("ConsortiumMembership", function () {
  describe("initialize", function () {
    it("admits the founders with their weights, names and URIs", async function () {
      const { membership, a, b, c, founders } = await loadFixture(membershipFixture);
      expect(await membership.memberCount()).to.equal(3n);
      expect(await memberSet(membership)).to.deep.equal([a.address, b.address, c.address]);
      expect(await membership.totalWeight()).to.equal(100n);
      for (const f of founders) {
        expect(await membership.isMember(f.account)).to.equal(true);
        expect(await membership.weightOf(f.account)).to.equal(f.weight);
        const info = await membership.memberInfo(f.account);
        expect([info.weight, info.name, info.uri]).to.deep.equal([f.weight, f.name, f.uri]);
        expect(await membership.getVotes(f.account)).to.equal(f.weight);
        expect(await membership.delegates(f.account)).to.equal(f.account);
      }
    });

    it("emits MemberAdded for every founder", async function () {
      const { membership, founders } = await loadFixture(membershipFixture);
      const tx = membership.deploymentTransaction();
      expect(tx).to.not.equal(null);
      for (const f of founders) {
        await expect(tx).to.emit(membership, "MemberAdded").withArgs(f.account, f.weight, f.name, f.uri);
      }
    });

    it("gives DEFAULT_ADMIN_ROLE to the admin only: not to the deployer nor to the founders", async function () {
      const { membership, deployer, admin, a, b, c } = await loadFixture(membershipFixture);
      expect(await membership.DEFAULT_ADMIN_ROLE()).to.equal(DEFAULT_ADMIN_ROLE);
      expect(await membership.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      for (const account of [deployer, a, b, c]) {
        expect(await membership.hasRole(DEFAULT_ADMIN_ROLE, account.address)).to.equal(false);
      }
    });

    it("reverts with ZeroAddress for a zero admin", async function () {
      const [admin, a, b] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("ConsortiumMembership");
      const founders = [founder(a.address, 1), founder(b.address, 1)];
      await expect(
        upgrades.deployProxy(factory, [ethers.ZeroAddress, admin.address, 2, founders], { kind: "uups" }),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
      await expect(
        upgrades.deployProxy(factory, [admin.address, ethers.ZeroAddress, 2, founders], { kind: "uups" }),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
    });

    it("reverts with ZeroWeight for a founder of weight 0", async function () {
      const [admin, a, b] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("ConsortiumMembership");
      await expect(
        upgrades.deployProxy(
          factory,
          [admin.address, admin.address, 2, [founder(a.address, 1), founder(b.address, 0)]],
          {
            kind: "uups",
          },
        ),
      ).to.be.revertedWithCustomError(factory, "ZeroWeight");
    });

    it("reverts with AlreadyMember for a founder listed twice", async function () {
      const [admin, a, b] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("ConsortiumMembership");
      await expect(
        upgrades.deployProxy(
          factory,
          [admin.address, admin.address, 2, [founder(a.address, 1), founder(b.address, 2), founder(a.address, 3)]],
          { kind: "uups" },
        ),
      )
        .to.be.revertedWithCustomError(factory, "AlreadyMember")
        .withArgs(a.address);
    });

    it("reverts with NoFoundingMembers for an empty founders list (governance could never act)", async function () {
      const [admin] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("ConsortiumMembership");
      await expect(
        upgrades.deployProxy(factory, [admin.address, admin.address, 2, []], { kind: "uups" }),
      ).to.be.revertedWithCustomError(factory, "NoFoundingMembers");
    });

    it("reverts with MinimumMembersTooLow below 2 and TooFewFoundingMembers below the minimum", async function () {
      const [admin, a, b] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("ConsortiumMembership");
      const two = [founder(a.address, 1), founder(b.address, 1)];
      for (const minimum of [0, 1]) {
        await expect(upgrades.deployProxy(factory, [admin.address, admin.address, minimum, two], { kind: "uups" }))
          .to.be.revertedWithCustomError(factory, "MinimumMembersTooLow")
          .withArgs(minimum);
      }
      await expect(upgrades.deployProxy(factory, [admin.address, admin.address, 3, two], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "TooFewFoundingMembers")
        .withArgs(2, 3);
      const ok = await upgrades.deployProxy(factory, [admin.address, admin.address, 2, two], { kind: "uups" });
      expect(await ok.getFunction("minimumMembers")()).to.equal(2n);
      expect(await ok.getFunction("activeMemberCount")()).to.equal(2n);
    });

    it("reverts with ZeroAddress for a zero founder account", async function () {
      const [admin, a] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("ConsortiumMembership");
      await expect(
        upgrades.deployProxy(
          factory,
          [admin.address, admin.address, 2, [founder(a.address, 1), founder(ethers.ZeroAddress, 1)]],
          {
            kind: "uups",
          },
        ),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
    });

    it("cannot be initialised twice (InvalidInitialization), even by the admin", async function () {
      const { membership, admin, outsider } = await loadFixture(membershipFixture);
      for (const caller of [admin, outsider]) {
        await expect(
          membership
            .connect(caller)
            .initialize(caller.address, caller.address, 2, [founder(caller.address, 1000), founder(admin.address, 1)]),
        ).to.be.revertedWithCustomError(membership, "InvalidInitialization");
      }
    });

    it("cannot be initialised on the implementation (InvalidInitialization)", async function () {
      const { membership, admin, outsider } = await loadFixture(membershipFixture);
      const implementation = await ethers.getContractAt(
        "ConsortiumMembership",
        await upgrades.erc1967.getImplementationAddress(await membership.getAddress()),
      );
      await expect(
        implementation
          .connect(outsider)
          .initialize(outsider.address, outsider.address, 2, [founder(outsider.address, 1), founder(admin.address, 1)]),
      ).to.be.revertedWithCustomError(implementation, "InvalidInitialization");
      const fresh = await (await ethers.getContractFactory("ConsortiumMembership")).deploy();
      await expect(fresh.initialize(outsider.address, outsider.address, 2, [])).to.be.revertedWithCustomError(
        fresh,
        "InvalidInitialization",
      );
    });
  });

  describe("addMember", function () {
    it("admits an account with its weight, profile and votes, and emits MemberAdded", async function () {
      const { membership, asAdmin, a, b, c, newcomer } = await loadFixture(membershipFixture);
      await expect(asAdmin.addMember(newcomer.address, 10, "Futian Trust", "https://members.example/futian"))
        .to.emit(membership, "MemberAdded")
        .withArgs(newcomer.address, 10n, "Futian Trust", "https://members.example/futian")
        .and.to.emit(membership, "DelegateVotesChanged")
        .withArgs(newcomer.address, 0n, 10n);
      expect(await membership.isMember(newcomer.address)).to.equal(true);
      expect(await membership.weightOf(newcomer.address)).to.equal(10n);
      const info = await membership.memberInfo(newcomer.address);
      expect([info.weight, info.name, info.uri]).to.deep.equal([10n, "Futian Trust", "https://members.example/futian"]);
      expect(await membership.memberCount()).to.equal(4n);
      expect(await memberSet(membership)).to.deep.equal([a.address, b.address, c.address, newcomer.address]);
      expect(await membership.totalWeight()).to.equal(110n);
      expect(await membership.getVotes(newcomer.address)).to.equal(10n);
      expect(await membership.delegates(newcomer.address)).to.equal(newcomer.address);
    });

    it("reverts with AlreadyMember for a member", async function () {
      const { asAdmin, b } = await loadFixture(membershipFixture);
      await expect(asAdmin.addMember(b.address, 5, "again", ""))
        .to.be.revertedWithCustomError(asAdmin, "AlreadyMember")
        .withArgs(b.address);
    });

    it("reverts with ZeroWeight for weight 0", async function () {
      const { asAdmin, newcomer } = await loadFixture(membershipFixture);
      await expect(asAdmin.addMember(newcomer.address, 0, "x", "")).to.be.revertedWithCustomError(
        asAdmin,
        "ZeroWeight",
      );
    });

    it("reverts with ZeroAddress for the zero account", async function () {
      const { asAdmin } = await loadFixture(membershipFixture);
      await expect(asAdmin.addMember(ethers.ZeroAddress, 1, "x", "")).to.be.revertedWithCustomError(
        asAdmin,
        "ZeroAddress",
      );
    });
  });

  describe("removeMember", function () {
    it("removes the member, its profile and its votes, and emits MemberRemoved", async function () {
      const { membership, asAdmin, a, b, c } = await loadFixture(membershipFixture);
      await expect(asAdmin.removeMember(a.address))
        .to.emit(membership, "MemberRemoved")
        .withArgs(a.address)
        .and.to.emit(membership, "DelegateVotesChanged")
        .withArgs(a.address, 40n, 0n);
      expect(await membership.isMember(a.address)).to.equal(false);
      expect(await membership.weightOf(a.address)).to.equal(0n);
      await expect(membership.memberInfo(a.address))
        .to.be.revertedWithCustomError(membership, "NotMember")
        .withArgs(a.address);
      expect(await membership.memberCount()).to.equal(2n);
      expect(await memberSet(membership)).to.have.members([b.address, c.address]);
      expect(await membership.totalWeight()).to.equal(60n);
      expect(await membership.getVotes(a.address)).to.equal(0n);
    });

    it("reverts with NotMember for a non-member and for a member already removed", async function () {
      const { asAdmin, a, outsider } = await loadFixture(membershipFixture);
      await expect(asAdmin.removeMember(outsider.address))
        .to.be.revertedWithCustomError(asAdmin, "NotMember")
        .withArgs(outsider.address);
      await asAdmin.removeMember(a.address);
      await expect(asAdmin.removeMember(a.address))
        .to.be.revertedWithCustomError(asAdmin, "NotMember")
        .withArgs(a.address);
    });
  });

  describe("setWeight", function () {
    it("raises a weight: profile, votes and total follow, MemberWeightChanged(previous, new)", async function () {
      const { membership, asAdmin, a } = await loadFixture(membershipFixture);
      await expect(asAdmin.setWeight(a.address, 55))
        .to.emit(membership, "MemberWeightChanged")
        .withArgs(a.address, 40n, 55n)
        .and.to.emit(membership, "DelegateVotesChanged")
        .withArgs(a.address, 40n, 55n);
      expect(await membership.weightOf(a.address)).to.equal(55n);
      expect((await membership.memberInfo(a.address)).weight).to.equal(55n);
      expect(await membership.getVotes(a.address)).to.equal(55n);
      expect(await membership.totalWeight()).to.equal(115n);
    });

    it("lowers a weight: profile, votes and total follow", async function () {
      const { membership, asAdmin, a, b } = await loadFixture(membershipFixture);
      await expect(asAdmin.setWeight(a.address, 10))
        .to.emit(membership, "MemberWeightChanged")
        .withArgs(a.address, 40n, 10n);
      expect(await membership.weightOf(a.address)).to.equal(10n);
      expect(await membership.getVotes(a.address)).to.equal(10n);
      expect(await membership.getVotes(b.address)).to.equal(35n);
      expect(await membership.totalWeight()).to.equal(70n);
    });

    it("reverts with ZeroWeight for weight 0 (use removeMember)", async function () {
      const { asAdmin, a } = await loadFixture(membershipFixture);
      await expect(asAdmin.setWeight(a.address, 0)).to.be.revertedWithCustomError(asAdmin, "ZeroWeight");
    });

    it("reverts with NotMember for a non-member", async function () {
      const { asAdmin, outsider } = await loadFixture(membershipFixture);
      await expect(asAdmin.setWeight(outsider.address, 5))
        .to.be.revertedWithCustomError(asAdmin, "NotMember")
        .withArgs(outsider.address);
    });
  });

  describe("replaceMemberAccount (key rotation)", function () {
    it("moves the profile and the voting power to the new key; the total does not change", async function () {
      const { membership, asAdmin, a, b, c, newcomer } = await loadFixture(membershipFixture);
      const before = await membership.memberInfo(a.address);
      await expect(asAdmin.replaceMemberAccount(a.address, newcomer.address))
        .to.emit(membership, "MemberAccountReplaced")
        .withArgs(a.address, newcomer.address)
        .and.to.emit(membership, "DelegateVotesChanged")
        .withArgs(newcomer.address, 0n, 40n);
      expect(await membership.isMember(a.address)).to.equal(false);
      expect(await membership.isMember(newcomer.address)).to.equal(true);
      await expect(membership.memberInfo(a.address))
        .to.be.revertedWithCustomError(membership, "NotMember")
        .withArgs(a.address);
      const after = await membership.memberInfo(newcomer.address);
      expect([after.weight, after.name, after.uri]).to.deep.equal([before.weight, before.name, before.uri]);
      expect(await membership.weightOf(a.address)).to.equal(0n);
      expect(await membership.weightOf(newcomer.address)).to.equal(40n);
      expect(await membership.getVotes(a.address)).to.equal(0n);
      expect(await membership.getVotes(newcomer.address)).to.equal(40n);
      expect(await membership.delegates(newcomer.address)).to.equal(newcomer.address);
      expect(await membership.totalWeight()).to.equal(100n);
      expect(await membership.memberCount()).to.equal(3n);
      expect(await memberSet(membership)).to.have.members([newcomer.address, b.address, c.address]);
    });

    it("keeps the old key's past votes at earlier timepoints", async function () {
      const { membership, asAdmin, a, newcomer } = await loadFixture(membershipFixture);
      const at = await minedAt(await asAdmin.replaceMemberAccount(a.address, newcomer.address));
      await time.increase(1);
      expect(await membership.getPastVotes(a.address, at - 1)).to.equal(40n);
      expect(await membership.getPastVotes(newcomer.address, at - 1)).to.equal(0n);
      expect(await membership.getPastVotes(a.address, at)).to.equal(0n);
      expect(await membership.getPastVotes(newcomer.address, at)).to.equal(40n);
      expect(await membership.getPastTotalSupply(at)).to.equal(100n);
    });

    it("lets the old key be admitted again as a separate member, counted once", async function () {
      const { membership, asAdmin, a, newcomer } = await loadFixture(membershipFixture);
      await asAdmin.replaceMemberAccount(a.address, newcomer.address);
      await asAdmin.addMember(a.address, 5, "Old key, new member", "");
      expect(await membership.getVotes(a.address)).to.equal(5n);
      expect(await membership.getVotes(newcomer.address)).to.equal(40n);
      expect(await membership.totalWeight()).to.equal(105n);
      expect(await membership.memberCount()).to.equal(4n);
    });

    it("reverts with NotMember when the previous account is not a member", async function () {
      const { asAdmin, newcomer, outsider } = await loadFixture(membershipFixture);
      await expect(asAdmin.replaceMemberAccount(outsider.address, newcomer.address))
        .to.be.revertedWithCustomError(asAdmin, "NotMember")
        .withArgs(outsider.address);
    });

    it("reverts with AlreadyMember when the new account is a member (another one, or itself)", async function () {
      const { asAdmin, a, b } = await loadFixture(membershipFixture);
      await expect(asAdmin.replaceMemberAccount(a.address, b.address))
        .to.be.revertedWithCustomError(asAdmin, "AlreadyMember")
        .withArgs(b.address);
      await expect(asAdmin.replaceMemberAccount(a.address, a.address))
        .to.be.revertedWithCustomError(asAdmin, "AlreadyMember")
        .withArgs(a.address);
    });

    it("reverts with ZeroAddress for the zero new account", async function () {
      const { asAdmin, a } = await loadFixture(membershipFixture);
      await expect(asAdmin.replaceMemberAccount(a.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        asAdmin,
        "ZeroAddress",
      );
    });
  });

  describe("reads", function () {
    it("reports non-members as such: isMember false, weightOf 0, memberInfo NotMember, no votes", async function () {
      const { membership, outsider } = await loadFixture(membershipFixture);
      expect(await membership.isMember(outsider.address)).to.equal(false);
      expect(await membership.weightOf(outsider.address)).to.equal(0n);
      expect(await membership.getVotes(outsider.address)).to.equal(0n);
      await expect(membership.memberInfo(outsider.address))
        .to.be.revertedWithCustomError(membership, "NotMember")
        .withArgs(outsider.address);
      await expect(membership.memberInfo(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(membership, "NotMember")
        .withArgs(ethers.ZeroAddress);
    });

    it("keeps memberCount, members() and totalWeight consistent through changes", async function () {
      const { membership, asAdmin, a, b, c, newcomer, outsider } = await loadFixture(membershipFixture);
      await asAdmin.addMember(newcomer.address, 7, "n", "");
      await asAdmin.removeMember(b.address);
      await asAdmin.setWeight(c.address, 30);
      await asAdmin.replaceMemberAccount(a.address, outsider.address);
      const list = await memberSet(membership);
      expect(list).to.have.members([outsider.address, c.address, newcomer.address]);
      expect(await membership.memberCount()).to.equal(BigInt(list.length));
      let sum = 0n;
      for (const account of list) sum += await membership.weightOf(account);
      expect(sum).to.equal(77n);
      expect(await membership.totalWeight()).to.equal(sum);
    });
  });

  describe("clock (ERC-6372)", function () {
    it("counts in block timestamps: clock() is the latest block's timestamp, CLOCK_MODE mode=timestamp", async function () {
      const { membership } = await loadFixture(membershipFixture);
      expect(await membership.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await membership.clock()).to.equal(BigInt(await time.latest()));
      await time.increase(3_600);
      expect(await membership.clock()).to.equal(BigInt(await time.latest()));
      // A timestamp is far above the block number: this is not a block-number clock.
      expect(await membership.clock()).to.be.greaterThan(BigInt(await time.latestBlock()) + 1_000_000n);
    });
  });

  describe("checkpoints (getVotes, getPastVotes, getPastTotalSupply by timestamp)", function () {
    it("looks weights up by timestamp, before and at each change", async function () {
      const { membership, asAdmin, a, b } = await loadFixture(membershipFixture);
      const t0 = await time.latest();
      await time.increase(100);
      const t1 = await minedAt(await asAdmin.setWeight(a.address, 60));
      await time.increase(100);
      const t2 = await minedAt(await asAdmin.removeMember(b.address));
      await time.increase(100);

      expect(await membership.getPastVotes(a.address, t0)).to.equal(40n);
      expect(await membership.getPastVotes(a.address, t1 - 1)).to.equal(40n);
      expect(await membership.getPastVotes(a.address, t1)).to.equal(60n);
      expect(await membership.getPastVotes(b.address, t2 - 1)).to.equal(35n);
      expect(await membership.getPastVotes(b.address, t2)).to.equal(0n);
      expect(await membership.getPastTotalSupply(t0)).to.equal(100n);
      expect(await membership.getPastTotalSupply(t1 - 1)).to.equal(100n);
      expect(await membership.getPastTotalSupply(t1)).to.equal(120n);
      expect(await membership.getPastTotalSupply(t2 - 1)).to.equal(120n);
      expect(await membership.getPastTotalSupply(t2)).to.equal(85n);
      expect(await membership.getVotes(a.address)).to.equal(60n);
      expect(await membership.getVotes(b.address)).to.equal(0n);
    });

    it("is keyed by timestamp, not block number: a block number reads as a time before the register", async function () {
      const { membership, asAdmin, a } = await loadFixture(membershipFixture);
      const t1 = await minedAt(await asAdmin.setWeight(a.address, 60));
      await mine(20);
      expect(await membership.getPastVotes(a.address, t1)).to.equal(60n);
      expect(await membership.getPastVotes(a.address, t1 - 1)).to.equal(40n);
      const blockNumber = await time.latestBlock();
      expect(await membership.getPastVotes(a.address, blockNumber)).to.equal(0n);
      expect(await membership.getPastTotalSupply(blockNumber)).to.equal(0n);
    });

    it("refuses lookups at or after the current timestamp (ERC5805FutureLookup)", async function () {
      const { membership, a } = await loadFixture(membershipFixture);
      const now = BigInt(await time.latest());
      await expect(membership.getPastVotes(a.address, now + 1000n))
        .to.be.revertedWithCustomError(membership, "ERC5805FutureLookup")
        .withArgs(now + 1000n, now);
      await expect(membership.getPastTotalSupply(now))
        .to.be.revertedWithCustomError(membership, "ERC5805FutureLookup")
        .withArgs(now, now);
    });

    it("counts a removed and re-admitted member once, with its new weight", async function () {
      const { membership, asAdmin, a, b, c } = await loadFixture(membershipFixture);
      await asAdmin.removeMember(a.address);
      await asAdmin.addMember(a.address, 30, "Pearl River Bank", "");
      expect(await membership.getVotes(a.address)).to.equal(30n);
      expect(await membership.weightOf(a.address)).to.equal(30n);
      expect(await membership.totalWeight()).to.equal(90n);
      expect(await membership.memberCount()).to.equal(3n);
      expect(await memberSet(membership)).to.have.members([a.address, b.address, c.address]);
      expect((await memberSet(membership)).filter((m) => m === a.address)).to.have.length(1);
      expect(await membership.delegates(a.address)).to.equal(a.address);

      // and once more with its old weight: still counted once
      await asAdmin.removeMember(a.address);
      await asAdmin.addMember(a.address, 40, "Pearl River Bank", "");
      expect(await membership.getVotes(a.address)).to.equal(40n);
      expect(await membership.totalWeight()).to.equal(100n);
    });
  });

  describe("delegation is disabled", function () {
    it("reverts delegate with VotesNotDelegable, to another member or to oneself", async function () {
      const { membership, a, b } = await loadFixture(membershipFixture);
      await expect(membership.connect(a).delegate(b.address)).to.be.revertedWithCustomError(
        membership,
        "VotesNotDelegable",
      );
      await expect(membership.connect(a).delegate(a.address)).to.be.revertedWithCustomError(
        membership,
        "VotesNotDelegable",
      );
      expect(await membership.delegates(a.address)).to.equal(a.address);
      expect(await membership.getVotes(b.address)).to.equal(35n);
    });

    it("reverts delegateBySig with VotesNotDelegable, even with a valid signature", async function () {
      const { membership, a, b } = await loadFixture(membershipFixture);
      const expiry = (await time.latest()) + 3_600;
      const nonce = await membership.nonces(a.address);
      const signature = ethers.Signature.from(
        await a.signTypedData(
          {
            name: "ConsortiumMembership",
            version: "1",
            chainId: (await ethers.provider.getNetwork()).chainId,
            verifyingContract: await membership.getAddress(),
          },
          {
            Delegation: [
              { name: "delegatee", type: "address" },
              { name: "nonce", type: "uint256" },
              { name: "expiry", type: "uint256" },
            ],
          },
          { delegatee: b.address, nonce, expiry },
        ),
      );
      await expect(
        membership.connect(b).delegateBySig(b.address, nonce, expiry, signature.v, signature.r, signature.s),
      ).to.be.revertedWithCustomError(membership, "VotesNotDelegable");
      expect(await membership.delegates(a.address)).to.equal(a.address);
      expect(await membership.getVotes(b.address)).to.equal(35n);
    });
  });

  describe("admin functions from accounts without DEFAULT_ADMIN_ROLE", function () {
    it("reverts AccessControlUnauthorizedAccount for a member, the deployer and an outsider", async function () {
      const { membership, deployer, a, b, newcomer, outsider } = await loadFixture(membershipFixture);
      const newImplementation = await (await ethers.getContractFactory("ConsortiumMembership")).deploy();
      const newImplementationAddress = await newImplementation.getAddress();
      for (const caller of [a, deployer, outsider]) {
        const m = membership.connect(caller);
        const calls = [
          () => m.addMember(newcomer.address, 10, "n", ""),
          () => m.removeMember(b.address),
          () => m.setWeight(b.address, 99),
          () => m.replaceMemberAccount(b.address, newcomer.address),
          () => m.grantRole(DEFAULT_ADMIN_ROLE, caller.address),
          () => m.revokeRole(DEFAULT_ADMIN_ROLE, caller.address),
          () => m.upgradeToAndCall(newImplementationAddress, "0x"),
        ];
        for (const call of calls) {
          await expect(call())
            .to.be.revertedWithCustomError(membership, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
        }
      }
      expect(await membership.memberCount()).to.equal(3n);
      expect(await membership.totalWeight()).to.equal(100n);
    });

    it("reverts AccessControlUnauthorizedAccount in the deployed system for a member and the deployer", async function () {
      const { membership, deployer, bank, securities, others } = await loadFixture(deployedWithTimelockFixture);
      for (const caller of [bank, deployer]) {
        const m = membership.connect(caller);
        const calls = [
          () => m.addMember(others[0].address, 10, "n", ""),
          () => m.removeMember(securities.address),
          () => m.setWeight(securities.address, 99),
          () => m.replaceMemberAccount(securities.address, others[0].address),
          () => m.grantRole(DEFAULT_ADMIN_ROLE, caller.address),
          () => m.upgradeToAndCall(ethers.ZeroAddress, "0x"),
        ];
        for (const call of calls) {
          await expect(call())
            .to.be.revertedWithCustomError(membership, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
        }
      }
    });

    it("lets the timelock (the admin in the deployed system) change the register", async function () {
      const { membership, timelockSigner, bank, others } = await loadFixture(deployedWithTimelockFixture);
      await expect(membership.connect(timelockSigner).addMember(others[0].address, 10, "Futian Trust", ""))
        .to.emit(membership, "MemberAdded")
        .withArgs(others[0].address, 10n, "Futian Trust", "");
      await membership.connect(timelockSigner).setWeight(bank.address, 50);
      expect(await membership.totalWeight()).to.equal(120n);
    });
  });

  describe("upgrade (UUPS)", function () {
    it("passes the OpenZeppelin upgrade-safety validation", async function () {
      const factory = await ethers.getContractFactory("ConsortiumMembership");
      await upgrades.validateImplementation(factory, { kind: "uups" });
      await upgrades.validateUpgrade(factory, factory, { kind: "uups" });
    });

    it("lets the admin upgrade, keeping members, weights and checkpoints", async function () {
      const { membership, asAdmin, admin, a, b, c } = await loadFixture(membershipFixture);
      const proxy = await membership.getAddress();
      const old = await upgrades.erc1967.getImplementationAddress(proxy);
      const t = await time.latest();
      const next = await (await ethers.getContractFactory("ConsortiumMembership")).deploy();
      const nextAddress = await next.getAddress();
      await expect(asAdmin.upgradeToAndCall(nextAddress, "0x")).to.emit(membership, "Upgraded").withArgs(nextAddress);
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(nextAddress);
      expect(nextAddress).to.not.equal(old);
      expect(await memberSet(membership)).to.deep.equal([a.address, b.address, c.address]);
      expect(await membership.weightOf(b.address)).to.equal(35n);
      expect(await membership.getPastVotes(a.address, t)).to.equal(40n);
      expect(await membership.totalWeight()).to.equal(100n);
      expect(await membership.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
    });

    it("lets the timelock upgrade the deployed register, and no one else", async function () {
      const { membership, timelockSigner, deployer, bank } = await loadFixture(deployedWithTimelockFixture);
      const proxy = await membership.getAddress();
      const next = await (await ethers.getContractFactory("ConsortiumMembership")).deploy();
      const nextAddress = await next.getAddress();
      for (const caller of [deployer, bank]) {
        await expect(membership.connect(caller).upgradeToAndCall(nextAddress, "0x"))
          .to.be.revertedWithCustomError(membership, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      await expect(membership.connect(timelockSigner).upgradeToAndCall(nextAddress, "0x"))
        .to.emit(membership, "Upgraded")
        .withArgs(nextAddress);
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(nextAddress);
      expect(await membership.totalWeight()).to.equal(100n);
    });

    it("refuses an implementation that is not UUPS (ERC1967InvalidImplementation)", async function () {
      const { membership, asAdmin, admin } = await loadFixture(membershipFixture);
      const notUups = await (await ethers.getContractFactory("TimelockController")).deploy(0, [], [], admin.address);
      await expect(asAdmin.upgradeToAndCall(await notUups.getAddress(), "0x"))
        .to.be.revertedWithCustomError(membership, "ERC1967InvalidImplementation")
        .withArgs(await notUups.getAddress());
    });

    it("refuses upgradeToAndCall on the implementation itself (UUPSUnauthorizedCallContext)", async function () {
      const { membership, admin } = await loadFixture(membershipFixture);
      const implementation = await ethers.getContractAt(
        "ConsortiumMembership",
        await upgrades.erc1967.getImplementationAddress(await membership.getAddress()),
      );
      const next = await (await ethers.getContractFactory("ConsortiumMembership")).deploy();
      await expect(
        implementation.connect(admin).upgradeToAndCall(await next.getAddress(), "0x"),
      ).to.be.revertedWithCustomError(implementation, "UUPSUnauthorizedCallContext");
    });
  });
});

import { ethers, upgrades } from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract } from "ethers";
import { Attr } from "../../scripts/lib/constants";
import { INVOICE_REGISTRY_ENTITY, NO_OPERATORS, type TokenOperators } from "../../scripts/lib/deploy";
import { invoiceKey } from "../../tasks/lib/invoiceKey";
import { deployConsortiumFixture } from "../fixtures/consortium";
import { CANCELLER_ROLE, DEFAULT_ADMIN_ROLE, EXECUTOR_ROLE, PROPOSER_ROLE } from "../fixtures/governance";

interface RoleContract {
  getAddress(): Promise<string>;
  hasRole(role: string, account: string): Promise<boolean>;
  interface: BaseContract["interface"];
  getFunction: BaseContract["getFunction"];
  queryFilter: BaseContract["queryFilter"];
}

interface FoundingMember {
  account: string;
  weight: number;
  name: string;
  uri: string;
}

type Operators = TokenOperators;

/** Each operator duty of the parameters and the token role it grants. */
const DUTY_ROLES: [keyof Operators, string][] = [
  ["supplyAgents", "SUPPLY_ROLE"],
  ["freezeAgents", "FREEZE_ROLE"],
  ["forcedTransferAgents", "FORCED_TRANSFER_ROLE"],
  ["recoveryAgents", "RECOVERY_ROLE"],
  ["documentAgents", "DOCUMENT_ROLE"],
  ["complianceOfficers", "COMPLIANCE_ROLE"],
  ["guardians", "GUARDIAN_ROLE"],
];

const role = (name: string) => (name === "DEFAULT_ADMIN_ROLE" ? DEFAULT_ADMIN_ROLE : ethers.id(name));

/** Every `*_ROLE` constant a contract exposes, by name, read from the contract. */
async function roleConstants(contract: RoleContract): Promise<Map<string, string>> {
  const roles = new Map<string, string>();
  const names: string[] = [];
  contract.interface.forEachFunction((f) => {
    if (f.name.endsWith("_ROLE") && f.inputs.length === 0 && f.stateMutability === "view") names.push(f.name);
  });
  for (const name of names) roles.set(name, await contract.getFunction(name).staticCall());
  return roles;
}

/** The current holders of every role, rebuilt from the contract's RoleGranted / RoleRevoked events. */
async function roleHolders(contract: RoleContract): Promise<Map<string, Set<string>>> {
  const holders = new Map<string, Set<string>>();
  const logs = [...(await contract.queryFilter("RoleGranted")), ...(await contract.queryFilter("RoleRevoked"))].sort(
    (x, y) => x.blockNumber - y.blockNumber || x.index - y.index,
  );
  for (const log of logs) {
    const parsed = contract.interface.parseLog(log)!;
    const [r, account] = parsed.args as unknown as [string, string];
    if (!holders.has(r)) holders.set(r, new Set());
    if (parsed.name === "RoleGranted") holders.get(r)!.add(account);
    else holders.get(r)!.delete(account);
  }
  for (const [r, set] of holders) if (set.size === 0) holders.delete(r);
  return holders;
}

/** A role map as { roleId: sorted holders } for deep comparison. */
function asObject(holders: Map<string, Set<string>>): Record<string, string[]> {
  return Object.fromEntries([...holders].map(([r, set]) => [r, [...set].sort()]));
}

function expected(entries: [string, string[]][]): Record<string, string[]> {
  return Object.fromEntries(
    entries.filter(([, accounts]) => accounts.length > 0).map(([name, accounts]) => [role(name), [...accounts].sort()]),
  );
}

async function deployedFixture() {
  const f = await deployConsortiumFixture();
  const addresses = {
    timelock: await f.timelock.getAddress(),
    governor: await f.governor.getAddress(),
    membership: await f.membership.getAddress(),
    identityRegistry: await f.identityRegistry.getAddress(),
    securityToken: await f.securityToken.getAddress(),
    cashToken: await f.cashToken.getAddress(),
    assetRegistry: await f.assetRegistry.getAddress(),
  };
  const governance = f.parameters.Governance as {
    timelockMinDelay: number;
    votingDelay: number;
    votingPeriod: number;
    votingPeriodFloor: number;
    proposalThreshold: number;
    quorumBasisPoints: number;
    approvalBasisPoints: number;
    sensitiveQuorumBasisPoints: number;
    sensitiveApprovalBasisPoints: number;
    guardian: string;
    minMembers: number;
    foundingMembers: FoundingMember[];
  };
  const identity = f.parameters.Identity as { registrars: string[] };
  const tokens = f.parameters.Tokens as {
    securityName: string;
    securitySymbol: string;
    securityDecimals: number;
    securityOperators: Operators;
    cashName: string;
    cashSymbol: string;
    cashDecimals: number;
    cashOperators: Operators;
  };
  const roleContracts: [string, RoleContract][] = [
    ["timelock", f.timelock as unknown as RoleContract],
    ["membership", f.membership as unknown as RoleContract],
    ["identityRegistry", f.identityRegistry as unknown as RoleContract],
    ["securityToken", f.securityToken as unknown as RoleContract],
    ["cashToken", f.cashToken as unknown as RoleContract],
  ];
  return { ...f, addresses, governance, identity, tokens, roleContracts };
}

describe("Consortium deployment (Ignition module, localhost parameters)", function () {
  describe("the timelock holds every admin role", function () {
    it("is DEFAULT_ADMIN_ROLE of membership, identity registry, security token and cash token, and of itself", async function () {
      const { timelock, membership, identityRegistry, securityToken, cashToken, addresses } =
        await loadFixture(deployedFixture);
      for (const contract of [membership, identityRegistry, securityToken, cashToken, timelock]) {
        expect(await contract.hasRole(DEFAULT_ADMIN_ROLE, addresses.timelock)).to.equal(true);
        expect(await contract.hasRole(DEFAULT_ADMIN_ROLE, addresses.governor)).to.equal(false);
      }
    });

    it("administers every role of every contract (getRoleAdmin is DEFAULT_ADMIN_ROLE)", async function () {
      const { roleContracts } = await loadFixture(deployedFixture);
      for (const [, contract] of roleContracts) {
        for (const [, id] of await roleConstants(contract)) {
          expect(await contract.getFunction("getRoleAdmin").staticCall(id)).to.equal(DEFAULT_ADMIN_ROLE);
        }
      }
    });
  });

  describe("the deployer holds no role", function () {
    it("has none of the role constants of any contract", async function () {
      const { deployer, roleContracts } = await loadFixture(deployedFixture);
      const minimum: Record<string, string[]> = {
        timelock: ["DEFAULT_ADMIN_ROLE", "PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"],
        membership: ["DEFAULT_ADMIN_ROLE"],
        identityRegistry: ["DEFAULT_ADMIN_ROLE", "REGISTRAR_ROLE", "TOKEN_BINDER_ROLE"],
        securityToken: ["DEFAULT_ADMIN_ROLE", ...DUTY_ROLES.map(([, r]) => r)],
        cashToken: ["DEFAULT_ADMIN_ROLE", ...DUTY_ROLES.map(([, r]) => r)],
      };
      for (const [name, contract] of roleContracts) {
        const roles = await roleConstants(contract);
        expect([...roles.keys()], name).to.include.members(minimum[name]);
        for (const [roleName, id] of roles) {
          expect(id, `${name}.${roleName}`).to.equal(role(roleName));
          expect(await contract.hasRole(id, deployer.address), `${name}.${roleName}`).to.equal(false);
        }
      }
    });

    it("appears in no role holder set rebuilt from the RoleGranted / RoleRevoked events", async function () {
      const { deployer, timelock, addresses, roleContracts } = await loadFixture(deployedFixture);
      for (const [name, contract] of roleContracts) {
        for (const [r, holders] of await roleHolders(contract)) {
          expect([...holders], `${name} role ${r}`).to.not.include(deployer.address);
        }
      }
      // the deployer was the timelock's temporary admin, and renounced it
      const revoked = await timelock.queryFilter(timelock.filters.RoleRevoked(DEFAULT_ADMIN_ROLE, deployer.address));
      expect(revoked).to.have.length(1);
      expect(revoked[0].args.sender).to.equal(deployer.address);
      expect(await timelock.hasRole(DEFAULT_ADMIN_ROLE, addresses.timelock)).to.equal(true);
    });
  });

  describe("role holders are exactly those of the parameters", function () {
    it("timelock: governor sole proposer and canceller, executor open to everyone (address 0), itself admin", async function () {
      const { timelock, deployer, members, addresses } = await loadFixture(deployedFixture);
      expect(asObject(await roleHolders(timelock as unknown as RoleContract))).to.deep.equal(
        expected([
          ["DEFAULT_ADMIN_ROLE", [addresses.timelock]],
          ["PROPOSER_ROLE", [addresses.governor]],
          ["CANCELLER_ROLE", [addresses.governor]],
          ["EXECUTOR_ROLE", [ethers.ZeroAddress]],
        ]),
      );
      expect(await timelock.hasRole(PROPOSER_ROLE, addresses.governor)).to.equal(true);
      expect(await timelock.hasRole(CANCELLER_ROLE, addresses.governor)).to.equal(true);
      expect(await timelock.hasRole(EXECUTOR_ROLE, ethers.ZeroAddress)).to.equal(true);
      for (const account of [deployer, ...members]) {
        for (const r of [DEFAULT_ADMIN_ROLE, PROPOSER_ROLE, CANCELLER_ROLE, EXECUTOR_ROLE]) {
          expect(await timelock.hasRole(r, account.address)).to.equal(false);
        }
      }
      expect(await timelock.hasRole(PROPOSER_ROLE, addresses.timelock)).to.equal(false);
    });

    it("membership: the timelock (admin) and the guardian of the parameters (suspends keys)", async function () {
      const { membership, addresses, governance, governor } = await loadFixture(deployedFixture);
      expect(asObject(await roleHolders(membership as unknown as RoleContract))).to.deep.equal(
        expected([
          ["DEFAULT_ADMIN_ROLE", [addresses.timelock]],
          ["GUARDIAN_ROLE", [governance.guardian]],
        ]),
      );
      expect(await governor.proposalGuardian()).to.equal(governance.guardian);
      expect(await membership.minimumMembers()).to.equal(BigInt(governance.minMembers));
    });

    it("identity registry: the timelock (admin), the registrars of the parameters, the asset registry (binds tokens)", async function () {
      const { identityRegistry, identity, addresses, registrar } = await loadFixture(deployedFixture);
      expect(identity.registrars).to.deep.equal([registrar.address]);
      expect(asObject(await roleHolders(identityRegistry as unknown as RoleContract))).to.deep.equal(
        expected([
          ["DEFAULT_ADMIN_ROLE", [addresses.timelock]],
          ["REGISTRAR_ROLE", identity.registrars],
          ["TOKEN_BINDER_ROLE", [addresses.assetRegistry]],
        ]),
      );
      for (const r of identity.registrars) {
        expect(await identityRegistry.hasRole(await identityRegistry.REGISTRAR_ROLE(), r)).to.equal(true);
      }
    });

    it("security and cash tokens: the timelock (admin) and the operators by duty of the parameters, bound to the registry", async function () {
      const { securityToken, cashToken, identityRegistry, tokens, addresses, agent, cashIssuer, guardian } =
        await loadFixture(deployedFixture);
      expect(tokens.securityOperators.supplyAgents).to.deep.equal([agent.address]);
      expect(tokens.cashOperators.supplyAgents).to.deep.equal([cashIssuer.address]);
      expect(tokens.cashOperators.documentAgents).to.deep.equal([]);
      expect(tokens.securityOperators.guardians).to.deep.equal([guardian.address]);
      for (const [token, operators] of [
        [securityToken, tokens.securityOperators],
        [cashToken, tokens.cashOperators],
      ] as const) {
        expect(asObject(await roleHolders(token as unknown as RoleContract))).to.deep.equal(
          expected([
            ["DEFAULT_ADMIN_ROLE", [addresses.timelock]],
            ...DUTY_ROLES.map(([duty, r]) => [r, operators[duty]] as [string, string[]]),
          ]),
        );
        for (const [duty, r] of DUTY_ROLES) {
          for (const a of operators[duty]) expect(await token.hasRole(ethers.id(r), a), `${duty} ${a}`).to.equal(true);
        }
        expect(await identityRegistry.isTokenBound(await token.getAddress())).to.equal(true);
      }
      expect(await identityRegistry.boundTokenCount()).to.equal(2n);
      expect(await cashToken.hasRole(await cashToken.COMPLIANCE_ROLE(), agent.address)).to.equal(false);
      expect(await cashToken.hasRole(await cashToken.SUPPLY_ROLE(), agent.address)).to.equal(false);
      expect(await securityToken.hasRole(await securityToken.SUPPLY_ROLE(), cashIssuer.address)).to.equal(false);
    });
  });

  describe("members and weights", function () {
    it("are the founding members of the parameters, in order, with weights, names and URIs", async function () {
      const { membership, governance, members } = await loadFixture(deployedFixture);
      const founders = governance.foundingMembers;
      expect(founders.map((m) => m.account)).to.deep.equal(members.map((m) => m.address));
      expect([...(await membership.members())]).to.deep.equal(founders.map((m) => m.account));
      expect(await membership.memberCount()).to.equal(BigInt(founders.length));
      expect(await membership.totalWeight()).to.equal(BigInt(founders.reduce((sum, m) => sum + m.weight, 0)));
      for (const m of founders) {
        const info = await membership.memberInfo(m.account);
        expect([info.weight, info.name, info.uri]).to.deep.equal([BigInt(m.weight), m.name, m.uri]);
        expect(await membership.getVotes(m.account)).to.equal(BigInt(m.weight));
      }
      expect(await membership.CLOCK_MODE()).to.equal("mode=timestamp");
    });
  });

  describe("governor settings", function () {
    it("match the parameters: voting delay and period, proposal threshold, quorum, approval, timelock delay", async function () {
      const { governor, timelock, governance, addresses } = await loadFixture(deployedFixture);
      expect(await governor.name()).to.equal("ConsortiumGovernor");
      expect(await governor.token()).to.equal(addresses.membership);
      expect(await governor.timelock()).to.equal(addresses.timelock);
      expect(await governor.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await governor.votingDelay()).to.equal(BigInt(governance.votingDelay));
      expect(await governor.votingPeriod()).to.equal(BigInt(governance.votingPeriod));
      expect(await governor.votingPeriodFloor()).to.equal(BigInt(governance.votingPeriodFloor));
      expect(await governor.proposalThreshold()).to.equal(BigInt(governance.proposalThreshold));
      expect(await governor["quorumNumerator()"]()).to.equal(BigInt(governance.quorumBasisPoints));
      expect(await governor.quorumDenominator()).to.equal(10_000n);
      expect(await governor["approvalThreshold()"]()).to.equal(BigInt(governance.approvalBasisPoints));
      expect(await governor.sensitiveThresholds(await governor.clock())).to.deep.equal([
        BigInt(governance.sensitiveQuorumBasisPoints),
        BigInt(governance.sensitiveApprovalBasisPoints),
      ]);
      expect(await timelock.getMinDelay()).to.equal(BigInt(governance.timelockMinDelay));
      expect(await governor.proposalCount()).to.equal(0n);
    });
  });

  describe("tokens", function () {
    it("are configured as in the parameters and point at the identity registry", async function () {
      const { securityToken, cashToken, tokens, addresses } = await loadFixture(deployedFixture);
      expect(await securityToken.name()).to.equal(tokens.securityName);
      expect(await securityToken.symbol()).to.equal(tokens.securitySymbol);
      expect(await securityToken.decimals()).to.equal(BigInt(tokens.securityDecimals));
      expect(await cashToken.name()).to.equal(tokens.cashName);
      expect(await cashToken.symbol()).to.equal(tokens.cashSymbol);
      expect(await cashToken.decimals()).to.equal(BigInt(tokens.cashDecimals));
      expect(await securityToken.identityRegistry()).to.equal(addresses.identityRegistry);
      expect(await cashToken.identityRegistry()).to.equal(addresses.identityRegistry);
    });
  });

  describe("invoice registry", function () {
    it("is a verified participant of its own entity (no attributes, KYC that never lapses): it can hold cash", async function () {
      const f = await loadFixture(deployedFixture);
      const registryAddress = await f.invoiceRegistry.getAddress();
      const record = await f.identityRegistry.identityOf(registryAddress);
      expect(record.entityId).to.equal(INVOICE_REGISTRY_ENTITY);
      expect(record.attributes).to.equal(0n);
      expect(record.expiry).to.equal(2n ** 32n - 1n);
      expect(await f.identityRegistry.isVerified(registryAddress)).to.equal(true);
      expect(await f.cashToken.detectTransferRestriction(f.others[0].address, registryAddress, 1)).to.not.equal(5n);
      // the registrations were the deployer's, whose temporary registrar and admin roles are gone
      const [registered] = await f.identityRegistry.queryFilter(f.identityRegistry.filters.IdentityRegistered());
      expect(registered.args.wallet).to.equal(registryAddress);
      const transaction = await registered.getTransaction();
      expect(transaction.from).to.equal(f.deployer.address);
      expect(await f.identityRegistry.hasRole(ethers.id("REGISTRAR_ROLE"), f.deployer.address)).to.equal(false);
      expect(await f.identityRegistry.hasRole(DEFAULT_ADMIN_ROLE, f.deployer.address)).to.equal(false);
    });

    it("holds a payment its holder cannot receive, and the holder claims it (held payments work on the deployment)", async function () {
      const f = await loadFixture(deployedFixture);
      const [supplier, debtor] = f.others;
      const expiry = BigInt(await time.latest()) + 365n * 24n * 3600n;
      await f.identityRegistry
        .connect(f.registrar)
        .registerIdentity(supplier.address, ethers.id("deploy:supplier"), 156, expiry, Attr.SUPPLIER);
      await f.identityRegistry
        .connect(f.registrar)
        .registerIdentity(debtor.address, ethers.id("deploy:debtor"), 156, expiry, Attr.DEBTOR);
      const currency = await f.cashToken.getAddress();
      const registryAddress = await f.invoiceRegistry.getAddress();
      await f.cashToken.connect(f.cashIssuer).mint(debtor.address, 1_000);
      await f.cashToken.connect(debtor).approve(registryAddress, 1_000);
      const terms = {
        debtor: debtor.address,
        faceValue: 1_000,
        currency,
        dueDate: expiry,
        documentHash: ethers.ZeroHash,
      };
      await f.invoiceRegistry.connect(supplier).issueInvoice(terms, "CN-SH", "DEPLOY-1", "");
      const id = invoiceKey(ethers.id("deploy:supplier"), "CN-SH", "DEPLOY-1");
      await f.invoiceRegistry.connect(debtor).acceptInvoice(id);
      await f.cashToken.connect(f.cashIssuer).setAddressFrozen(supplier.address, true);
      await expect(f.invoiceRegistry.connect(debtor).pay(id, currency, 1_000))
        .to.emit(f.invoiceRegistry, "PaymentHeld")
        .withArgs(id, supplier.address, currency, 1_000);
      expect(await f.cashToken.balanceOf(registryAddress)).to.equal(1_000n);
      await f.cashToken.connect(f.cashIssuer).setAddressFrozen(supplier.address, false);
      await f.invoiceRegistry.connect(supplier).claimHeld(supplier.address, currency);
      expect(await f.cashToken.balanceOf(supplier.address)).to.equal(1_000n);
    });
  });

  describe("proxies", function () {
    it("each UUPS proxy has an implementation with code, and no proxy admin", async function () {
      const { addresses } = await loadFixture(deployedFixture);
      for (const name of ["membership", "identityRegistry", "securityToken", "cashToken"] as const) {
        const implementation = await upgrades.erc1967.getImplementationAddress(addresses[name]);
        expect(implementation, name).to.not.equal(ethers.ZeroAddress);
        expect(await ethers.provider.getCode(implementation), name).to.not.equal("0x");
        expect(await upgrades.erc1967.getAdminAddress(addresses[name]), name).to.equal(ethers.ZeroAddress);
      }
    });

    it("the security and cash tokens share one implementation; the others have their own", async function () {
      const { addresses } = await loadFixture(deployedFixture);
      const impl = async (a: string) => upgrades.erc1967.getImplementationAddress(a);
      const security = await impl(addresses.securityToken);
      expect(await impl(addresses.cashToken)).to.equal(security);
      const distinct = new Set([security, await impl(addresses.membership), await impl(addresses.identityRegistry)]);
      expect(distinct.size).to.equal(3);
    });

    it("the implementations cannot be initialised (InvalidInitialization)", async function () {
      const { addresses, deployer, membership, identityRegistry, securityToken } = await loadFixture(deployedFixture);
      const membershipImpl = membership.attach(
        await upgrades.erc1967.getImplementationAddress(addresses.membership),
      ) as typeof membership;
      await expect(membershipImpl.initialize(deployer.address, deployer.address, 2, [])).to.be.revertedWithCustomError(
        membership,
        "InvalidInitialization",
      );
      const registryImpl = identityRegistry.attach(
        await upgrades.erc1967.getImplementationAddress(addresses.identityRegistry),
      ) as typeof identityRegistry;
      await expect(registryImpl.initialize(deployer.address, [], [])).to.be.revertedWithCustomError(
        identityRegistry,
        "InvalidInitialization",
      );
      const tokenImpl = securityToken.attach(
        await upgrades.erc1967.getImplementationAddress(addresses.securityToken),
      ) as typeof securityToken;
      await expect(
        tokenImpl.initialize("X", "X", 0, addresses.identityRegistry, deployer.address, NO_OPERATORS),
      ).to.be.revertedWithCustomError(securityToken, "InvalidInitialization");
    });

    it("the proxies themselves are already initialised (InvalidInitialization)", async function () {
      const { deployer, membership, identityRegistry, securityToken, cashToken, addresses } =
        await loadFixture(deployedFixture);
      for (const token of [securityToken, cashToken]) {
        await expect(
          token.initialize("X", "X", 0, addresses.identityRegistry, deployer.address, NO_OPERATORS),
        ).to.be.revertedWithCustomError(token, "InvalidInitialization");
      }
      await expect(membership.initialize(deployer.address, deployer.address, 2, [])).to.be.revertedWithCustomError(
        membership,
        "InvalidInitialization",
      );
      await expect(identityRegistry.initialize(deployer.address, [], [])).to.be.revertedWithCustomError(
        identityRegistry,
        "InvalidInitialization",
      );
    });
  });
});

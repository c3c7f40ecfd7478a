import fs from "node:fs";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expectTaskError, runTask, tasksFixture, tmpFile } from "./helpers";

const SUPPLY_ROLE = ethers.id("SUPPLY_ROLE");
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");
const REGISTRAR_ROLE = ethers.id("REGISTRAR_ROLE");
const PROPOSER_ROLE = ethers.id("PROPOSER_ROLE");

/** The (targets, calldatas) of stored proposal `id`. */
async function storedCalls(f: Awaited<ReturnType<typeof tasksFixture>>, id: bigint) {
  const details = await f.governor.proposalDetails(id);
  return details[0].map((target, i) => ({ target, value: details[1][i], data: details[2][i] }));
}

describe("tasks: gov:propose", () => {
  describe("named actions", () => {
    it("encode each action as the call the timelock will make", async () => {
      const f = await loadFixture(tasksFixture);
      const [a, b, c] = f.others;
      const implementation = await ethers.deployContract("IdentityRegistryV2");
      const { result: id } = await runTask<bigint>("gov:propose", {
        deployment: f.deployment,
        from: f.bank.address,
        description: "Every named action",
        // some actions fail on today's state (unpausing what is not paused): encoding is what is tested
        force: true,
        actions: [
          `add-member ${a.address} 10 "Shenzhen \\"Bay\\" Bank" https://members.example/sz`,
          `add-member ${b.address} 5 'Futian Trust'`,
          `remove-member ${f.insurer.address}`,
          `set-weight ${f.securities.address} 45`,
          `replace-member ${f.bank.address} ${c.address}`,
          `grant-role security-token SUPPLY_ROLE ${a.address}`,
          `revoke-role cash-token guardian ${f.guardian.address}`,
          `grant-role identity-registry registrar ${b.address}`,
          `grant-role timelock PROPOSER_ROLE ${c.address}`,
          "pause cash-token",
          "unpause security-token",
          "set-quorum 6000",
          "set-approval-threshold 6667",
          "set-voting-period 2d",
          `upgrade identity-registry ${await implementation.getAddress()}`,
          `grant-role dvp-settlement guardian ${c.address}`,
          "unpause invoice-registry",
        ],
      });
      const membership = f.membership.interface;
      const token = f.securityToken.interface;
      const governor = f.governor.interface;
      const expected = [
        [
          f.membership,
          membership.encodeFunctionData("addMember", [
            a.address,
            10,
            'Shenzhen "Bay" Bank',
            "https://members.example/sz",
          ]),
        ],
        [f.membership, membership.encodeFunctionData("addMember", [b.address, 5, "Futian Trust", ""])],
        [f.membership, membership.encodeFunctionData("removeMember", [f.insurer.address])],
        [f.membership, membership.encodeFunctionData("setWeight", [f.securities.address, 45])],
        [f.membership, membership.encodeFunctionData("replaceMemberAccount", [f.bank.address, c.address])],
        [f.securityToken, token.encodeFunctionData("grantRole", [SUPPLY_ROLE, a.address])],
        [f.cashToken, token.encodeFunctionData("revokeRole", [GUARDIAN_ROLE, f.guardian.address])],
        [f.identityRegistry, f.identityRegistry.interface.encodeFunctionData("grantRole", [REGISTRAR_ROLE, b.address])],
        [f.timelock, f.timelock.interface.encodeFunctionData("grantRole", [PROPOSER_ROLE, c.address])],
        [f.cashToken, token.encodeFunctionData("pause")],
        [f.securityToken, token.encodeFunctionData("unpause")],
        [f.governor, governor.encodeFunctionData("updateQuorumNumerator", [6000])],
        [f.governor, governor.encodeFunctionData("setApprovalThreshold", [6667])],
        [f.governor, governor.encodeFunctionData("setVotingPeriod", [172_800])],
        [
          f.identityRegistry,
          f.identityRegistry.interface.encodeFunctionData("upgradeToAndCall", [
            await implementation.getAddress(),
            "0x",
          ]),
        ],
        [f.dvpSettlement, f.dvpSettlement.interface.encodeFunctionData("grantRole", [GUARDIAN_ROLE, c.address])],
        [f.invoiceRegistry, f.invoiceRegistry.interface.encodeFunctionData("unpause")],
      ] as const;
      const stored = await storedCalls(f, id);
      expect(stored.length).to.equal(expected.length);
      for (let i = 0; i < expected.length; i++) {
        expect(stored[i].target, `action ${i + 1}`).to.equal(await expected[i][0].getAddress());
        expect(stored[i].value).to.equal(0n);
        expect(stored[i].data, `action ${i + 1}`).to.equal(expected[i][1]);
      }
    });

    it("take one action with --action, before the positional ones", async () => {
      const f = await loadFixture(tasksFixture);
      const implementation = await ethers.deployContract("IdentityRegistryV2");
      const { result: id } = await runTask<bigint>("gov:propose", {
        deployment: f.deployment,
        from: "1",
        description: "Upgrade the identity registry",
        action: `upgrade identity-registry ${await implementation.getAddress()}`,
        actions: ["set-quorum 6000"],
      });
      const stored = await storedCalls(f, id);
      expect(stored.map((s) => s.target)).to.deep.equal([
        await f.identityRegistry.getAddress(),
        await f.governor.getAddress(),
      ]);
    });

    it("take a raw calls file, alone or after named actions", async () => {
      const f = await loadFixture(tasksFixture);
      const [a] = f.others;
      const callsFile = tmpFile("calls.json");
      const setWeight = f.membership.interface.encodeFunctionData("setWeight", [f.insurer.address, 30]);
      fs.writeFileSync(
        callsFile,
        JSON.stringify([
          { target: "security-token", signature: "setMaxHolders(uint32)", args: [500] },
          { target: "cash-token", signature: "setCountryAllowed", args: [156, true] },
          { target: await f.membership.getAddress(), value: "0", data: setWeight },
        ]),
      );
      const { result: id, text } = await runTask<bigint>("gov:propose", {
        deployment: f.deployment,
        from: "2",
        description: "Raw calls",
        actions: [`add-member ${a.address} 10 Newcomer`],
        calls: callsFile,
        // the timelock lacks the compliance role today: encoding is what is tested
        force: true,
      });
      // parameter names are the contracts' own
      expect(text).to.match(/2\. security-token\.setMaxHolders\(\w+=500\)/);
      expect(text).to.match(/3\. cash-token\.setCountryAllowed\(\w+=156, \w+=true\)/);
      expect(text).to.include(`4. membership.setWeight(account=${f.insurer.address} (Qianhai Insurance), weight=30)`);
      const stored = await storedCalls(f, id);
      expect(stored.map((s) => s.data)).to.deep.equal([
        f.membership.interface.encodeFunctionData("addMember", [a.address, 10, "Newcomer", ""]),
        f.securityToken.interface.encodeFunctionData("setMaxHolders", [500]),
        f.cashToken.interface.encodeFunctionData("setCountryAllowed", [156, true]),
        setWeight,
      ]);
      expect(stored[1].target).to.equal(await f.securityToken.getAddress());
      expect(stored[2].target).to.equal(await f.cashToken.getAddress());
    });
  });

  describe("--dry-run", () => {
    it("simulates every action as the timelock, the governor's own settings included, and sends nothing", async () => {
      const f = await loadFixture(tasksFixture);
      const [a, b] = f.others;
      const implementation = await ethers.deployContract("IdentityRegistryV2");
      const block = await ethers.provider.getBlockNumber();
      const { result, lines } = await runTask<{ dryRun: boolean; results: { ok: boolean }[] }>("gov:propose", {
        deployment: f.deployment,
        dryRun: true,
        description: "Admit Shenzhen Bank and tune the rules",
        actions: [
          `add-member ${a.address} 10 'Shenzhen Bank'`,
          `grant-role security-token SUPPLY_ROLE ${b.address}`,
          `grant-role timelock PROPOSER_ROLE ${b.address}`,
          "set-quorum 6000",
          "set-approval-threshold 6667",
          "set-voting-period 3d",
          `upgrade identity-registry ${await implementation.getAddress()}`,
        ],
      });
      expect(result.dryRun).to.equal(true);
      expect(result.results.map((r) => r.ok)).to.deep.equal([true, true, true, true, true, true, true]);
      expect(lines[0]).to.equal(
        'Dry run of "Admit Shenzhen Bank and tune the rules": 7 action(s) simulated as the timelock',
      );
      expect(lines).to.include("  4. OK   governor.updateQuorumNumerator(newQuorumNumerator=6000)");
      expect(lines).to.include("  6. OK   governor.setVotingPeriod(newVotingPeriod=259200)");
      expect(lines[lines.length - 1]).to.equal("Dry run: all 7 action(s) succeed; nothing was sent.");
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(await f.governor.proposalCount()).to.equal(0n);

      // Why the governor's settings need the simulated governance queue: called from the timelock
      // outside an execution, onlyGovernance refuses them.
      const plain = hre.network.provider.request({
        method: "eth_call",
        params: [
          {
            from: await f.timelock.getAddress(),
            to: await f.governor.getAddress(),
            data: f.governor.interface.encodeFunctionData("updateQuorumNumerator", [6000]),
          },
          "latest",
        ],
      });
      let refused = false;
      try {
        await plain;
      } catch {
        refused = true;
      }
      expect(refused, "the governor accepted a governance call outside an execution").to.equal(true);
    });

    it("prints each failing action's decoded custom error and fails without sending", async () => {
      const f = await loadFixture(tasksFixture);
      const outsider = f.others[3];
      const { text: printed } = await expectTaskError(
        "gov:propose",
        {
          deployment: f.deployment,
          dryRun: true,
          description: "Mistakes",
          actions: [
            `add-member ${f.bank.address} 10 'Pearl River Bank again'`,
            "set-quorum 6000",
            `remove-member ${outsider.address}`,
            "pause security-token",
            "unpause cash-token",
          ],
        },
        /^dry run: 4 of 5 action\(s\) would fail \(first: action 1, AlreadyMember\(account=0x70997970C51812dc3A010C7d01b50e0d17dc79C8 \(Pearl River Bank\)\)\); nothing was sent$/,
      );
      const timelock = await f.timelock.getAddress();
      expect(printed).to.include("  1. FAIL membership.addMember(");
      expect(printed).to.include(`          AlreadyMember(account=${f.bank.address} (Pearl River Bank))`);
      expect(printed).to.include("  2. OK   governor.updateQuorumNumerator(newQuorumNumerator=6000)");
      expect(printed).to.include(`          NotMember(account=${outsider.address})`);
      expect(printed).to.include(
        `          AccessControlUnauthorizedAccount(account=${timelock} (timelock), neededRole=GUARDIAN_ROLE)`,
      );
      expect(printed).to.include("  5. FAIL cash-token.unpause()\n          ExpectedPause()");
    });

    it("needs no member key: anyone can check a proposal before a member submits it", async () => {
      const f = await loadFixture(tasksFixture);
      const { result } = await runTask<{ results: { ok: boolean }[] }>("gov:propose", {
        deployment: f.deployment,
        from: "12",
        dryRun: true,
        description: "Quorum",
        actions: ["set-quorum 4000"],
      });
      expect(result.results[0].ok).to.equal(true);
    });
  });

  describe("the dry run before proposing", () => {
    it("refuses a proposal that would fail on chain, naming the action and why, and sends nothing", async () => {
      const f = await loadFixture(tasksFixture);
      const { text } = await expectTaskError(
        "gov:propose",
        {
          deployment: f.deployment,
          from: "1",
          description: "Admit the bank again",
          actions: ["set-quorum 6000", `add-member ${f.bank.address} 10 'Pearl River Bank again'`],
        },
        /^not proposed: action 2 \(membership\.addMember\(.*\)\) would fail on chain: AlreadyMember\(account=0x70997970C51812dc3A010C7d01b50e0d17dc79C8 \(Pearl River Bank\)\); nothing was sent \(--force proposes it anyway/,
      );
      expect(text).to.include("  2. FAIL membership.addMember(");
      expect(text).to.not.include("1. OK");
      expect(await f.governor.proposalCount()).to.equal(0n);
    });

    it("proposes it anyway with --force, saying which actions would fail today", async () => {
      const f = await loadFixture(tasksFixture);
      const [a] = f.others;
      const { result: id, text } = await runTask<bigint>("gov:propose", {
        deployment: f.deployment,
        from: "1",
        force: true,
        description: "Admit, then re-weigh",
        actions: [`add-member ${a.address} 10 Newcomer`, `set-weight ${a.address} 20`],
      });
      expect(id).to.equal(1n);
      expect(text).to.include("--force: proposing although 1 action(s) would fail on the current state:");
      expect(text).to.include("  2. FAIL membership.setWeight(");
    });

    it("says the check passed before proposing a proposal that succeeds", async () => {
      const f = await loadFixture(tasksFixture);
      const { text } = await runTask<bigint>("gov:propose", {
        deployment: f.deployment,
        from: "1",
        description: "Quorum",
        actions: ["set-quorum 5500"],
      });
      expect(text.split("\n")[0]).to.equal("Dry run: all 1 action(s) succeed as the timelock on the current state.");
    });
  });

  it("prints the new proposal's number and its voting window", async () => {
    const f = await loadFixture(tasksFixture);
    const first = await runTask<bigint>("gov:propose", {
      deployment: f.deployment,
      from: "1",
      description: "One",
      actions: ["set-quorum 5500"],
    });
    const second = await runTask<bigint>("gov:propose", {
      deployment: f.deployment,
      from: "2",
      description: "Two",
      actions: ["set-quorum 6500"],
    });
    expect([first.result, second.result]).to.deep.equal([1n, 2n]);
    expect(second.text).to.match(/Proposal #2 created in transaction 0x[0-9a-f]{64}\./);
    expect(second.text).to.match(/Voting opens after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC and closes at .* UTC\./);
  });
});

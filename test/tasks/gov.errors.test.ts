import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { closeVoting, expectTaskError, openVoting, runTask, tasksFixture, tmpFile } from "./helpers";

// The states below are built from the deployed system's snapshot in each test (a few transactions
// each): fixtures of their own would each deploy the whole system again.

/** The system with proposal #1 (quorum to 55%, by Pearl River Bank) still Pending. */
async function pendingProposal() {
  const f = await loadFixture(tasksFixture);
  await runTask("gov:propose", {
    deployment: f.deployment,
    from: "1",
    description: "Quorum 55%",
    actions: ["set-quorum 5500"],
  });
  return f;
}

/** Proposal #1 Active, with Pearl River Bank's For vote. */
async function activeProposal() {
  const f = await pendingProposal();
  await openVoting(f, 1n);
  await f.governor.connect(f.bank).castVote(1n, 1);
  return f;
}

/** Proposal #1 Succeeded (For 75) and proposal #2 Defeated (For 25 only), both closed. */
async function closedProposals() {
  const f = await pendingProposal();
  await runTask("gov:propose", {
    deployment: f.deployment,
    from: "3",
    description: "Quorum 45%",
    actions: ["set-quorum 4500"],
  });
  await openVoting(f, 2n);
  await f.governor.connect(f.bank).castVote(1n, 1);
  await f.governor.connect(f.securities).castVote(1n, 1);
  await f.governor.connect(f.insurer).castVote(2n, 1);
  await closeVoting(f, 2n);
  return f;
}

describe("tasks: bad input fails in one line, before any transaction", () => {
  describe("malformed input", () => {
    const cases: [string, string[], RegExp][] = [
      ["an address too short", ["add-member 0x1234 10 X"], /action "add-member" account: "0x1234" is not an address/],
      [
        "an address with a bad checksum",
        ["remove-member 0x70997970c51812dc3a010c7d01b50e0d17dc79C8"],
        /has a bad checksum/,
      ],
      [
        "an unknown action",
        ["admit-member 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
        /unknown action "admit-member"/,
      ],
      [
        "missing arguments",
        ["add-member 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 10"],
        /expected add-member <account> <weight> <name> \[uri\]/,
      ],
      ["too many arguments", ["set-quorum 5000 6000"], /expected set-quorum <bps>/],
      [
        "a weight that is not a number",
        ["set-weight 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 ten"],
        /weight: "ten" is not a whole number/,
      ],
      ["a zero weight", ["set-weight 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 0"], /weight must be between 1 and/],
      [
        "an unknown contract",
        ["pause bank"],
        /"bank" is not a contract of the system \(one of membership, identity-registry/,
      ],
      [
        "an unknown role",
        ["grant-role security-token MINTER_ROLE 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
        /security-token has no role "MINTER_ROLE" \(its roles: .*SUPPLY_ROLE/,
      ],
      [
        "a role on the governor",
        ["grant-role governor ADMIN 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
        /governor has no roles/,
      ],
      ["pausing what cannot pause", ["pause identity-registry"], /identity-registry cannot be paused \(no pause\(\)\)/],
      [
        "upgrading the governor",
        ["upgrade governor 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
        /governor is not upgradeable/,
      ],
      [
        "an upgrade to an address without code",
        ["upgrade membership 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
        /no contract at 0x70997970C51812dc3A010C7d01b50e0d17dc79C8: deploy the new implementation first/,
      ],
      [
        "a quorum above 10000 bps",
        ["set-quorum 10001"],
        /quorum must be between 1 and 10000 basis points \(got 10001\)/,
      ],
      ["a quorum in percent", ["set-quorum 50%"], /"50%" is not a number of basis points/],
      [
        "an approval threshold below a majority",
        ["set-approval-threshold 4999"],
        /threshold must be between 5000 and 9999 basis points \(got 4999\)/,
      ],
      ["a voting period that is not a duration", ["set-voting-period soon"], /"soon" is not a duration/],
      ["an unbalanced quote", ["add-member 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 1 'Open"], /unbalanced ' quote/],
    ];
    for (const [what, actions, message] of cases) {
      it(`refuses ${what}`, async () => {
        const f = await loadFixture(tasksFixture);
        await expectTaskError(
          "gov:propose",
          { deployment: f.deployment, from: "1", description: "x", actions },
          message,
        );
      });
    }

    it("refuses a proposal without description, or without actions", async () => {
      const f = await loadFixture(tasksFixture);
      await expectTaskError(
        "gov:propose",
        { deployment: f.deployment, from: "1", actions: ["set-quorum 6000"] },
        /--description is required/,
      );
      await expectTaskError(
        "gov:propose",
        { deployment: f.deployment, from: "1", description: "Nothing" },
        /nothing to propose: give named actions/,
      );
    });

    it("refuses a malformed raw calls file", async () => {
      const f = await loadFixture(tasksFixture);
      const cases: [unknown, RegExp][] = [
        [{ target: "membership" }, /must hold a non-empty array of calls/],
        [[{ signature: "pause()" }], /\[0\]: "target" \(contract name or address\) is missing/],
        [
          [{ target: "security-token", signature: "pause()", data: "0x8456cb59" }],
          /give either "signature" \(with "args"\) or "data"/,
        ],
        [[{ target: "security-token", signature: "setMaxHolders(uint32)", args: [] }], /takes 1 argument\(s\), got 0/],
        [
          [{ target: "security-token", signature: "setMaxHolders(uint32)", args: ["many"] }],
          /cannot encode setMaxHolders\(uint32\)/,
        ],
        [[{ target: "security-token", signature: "mintEverything" }], /the target has no function "mintEverything"/],
        [[{ target: "0x1234", data: "0x" }], /target: "0x1234" is not an address/],
        [[{ target: "membership", data: "membership" }], /"data" must be 0x-prefixed hex bytes/],
      ];
      for (const [content, message] of cases) {
        const file = tmpFile("calls.json");
        fs.writeFileSync(file, JSON.stringify(content));
        await expectTaskError(
          "gov:propose",
          { deployment: f.deployment, from: "1", description: "x", calls: file },
          message,
        );
      }
      await expectTaskError(
        "gov:propose",
        {
          deployment: f.deployment,
          from: "1",
          description: "x",
          calls: path.join(path.dirname(tmpFile("x")), "none.json"),
        },
        /--calls: no file at/,
      );
    });

    it("refuses a malformed proposal number or vote", async () => {
      const f = await pendingProposal();
      for (const proposalId of ["abc", "0", "-1", "1.5"]) {
        await expectTaskError(
          "gov:vote",
          { deployment: f.deployment, from: "1", proposalId, support: "for" },
          /is not a proposal number \(proposals are numbered 1, 2, 3, \.\.\.\)/,
        );
      }
      await expectTaskError(
        "gov:vote",
        { deployment: f.deployment, from: "1", proposalId: "1", support: "maybe" },
        /vote "maybe": say for, against or abstain/,
      );
    });
  });

  describe("a proposal number that does not exist", () => {
    it("is refused by every proposal task", async () => {
      const f = await pendingProposal();
      const args = { deployment: f.deployment, from: "1", proposalId: "2" };
      const message = /^no proposal #2: proposals are #1 to #1$/;
      await expectTaskError("gov:vote", { ...args, support: "for" }, message);
      await expectTaskError("gov:show", args, message);
      await expectTaskError("gov:queue", args, message);
      await expectTaskError("gov:execute", args, message);
      await expectTaskError("gov:cancel", args, message);
      await expectTaskError("gov:sign-vote", { ...args, support: "for", out: tmpFile("b.json") }, message);
    });

    it("says when there are no proposals at all", async () => {
      const f = await loadFixture(tasksFixture);
      await expectTaskError(
        "gov:show",
        { deployment: f.deployment, proposalId: "1" },
        /^no proposal #1: there are no proposals yet$/,
      );
    });
  });

  describe("who may act", () => {
    it("refuses a proposal from a non-member", async () => {
      const f = await loadFixture(tasksFixture);
      await expectTaskError(
        "gov:propose",
        { deployment: f.deployment, from: "0", description: "x", actions: ["set-quorum 6000"] },
        /^0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 cannot propose: it has weight 0 and proposing needs 1 \(members only\)$/,
      );
    });

    it("refuses a vote from a non-member (no weight at the snapshot)", async () => {
      const f = await activeProposal();
      await expectTaskError(
        "gov:vote",
        { deployment: f.deployment, from: "8", proposalId: "1", support: "for" },
        new RegExp(
          `^${f.others[0].address} cannot vote on proposal #1: it was not a member \\(no voting weight\\) at the proposal's snapshot$`,
        ),
        [f.others[0].address],
      );
    });

    it("refuses a vote from a member admitted after the snapshot", async () => {
      const f = await activeProposal();
      const newcomer = f.others[0];
      const timelock = await ethers.getImpersonatedSigner(await f.timelock.getAddress());
      await setBalance(timelock.address, ethers.parseEther("1"));
      await f.membership.connect(timelock).addMember(newcomer.address, 10, "Late Bank", "");
      await expectTaskError(
        "gov:vote",
        { deployment: f.deployment, from: newcomer.address, proposalId: "1", support: "for" },
        /cannot vote on proposal #1: it was not a member \(no voting weight\) at the proposal's snapshot/,
        [newcomer.address],
      );
    });

    it("refuses to vote twice", async () => {
      const f = await activeProposal();
      await expectTaskError(
        "gov:vote",
        { deployment: f.deployment, from: "1", proposalId: "1", support: "against" },
        /^0x70997970C51812dc3A010C7d01b50e0d17dc79C8 \(Pearl River Bank\) has already voted on proposal #1 \(For\)$/,
      );
    });

    it("refuses a cancel from anyone but the proposer", async () => {
      const f = await pendingProposal();
      await expectTaskError(
        "gov:cancel",
        { deployment: f.deployment, from: "2", proposalId: "1" },
        /^only the proposer 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 \(Pearl River Bank\) may cancel proposal #1, not 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC \(Nanshan Securities\)$/,
      );
    });

    it("refuses an account the network does not have, or two key sources", async () => {
      const f = await activeProposal();
      const args = { deployment: f.deployment, proposalId: "1", support: "for" };
      await expectTaskError("gov:vote", { ...args, from: "99" }, /--from 99: network "hardhat" has 20 account\(s\)/);
      await expectTaskError(
        "gov:vote",
        { ...args, from: "0x000000000000000000000000000000000000dEaD" },
        /--from 0x000000000000000000000000000000000000dEaD is not one of network "hardhat"'s accounts/,
      );
      await expectTaskError("gov:vote", { ...args, from: "bank" }, /--from: "bank" is not an address/);
      await expectTaskError(
        "gov:vote",
        { ...args, from: "2", keystore: "key.json" },
        /use either --from or --keystore, not both/,
      );
    });
  });

  describe("when", () => {
    it("refuses a vote before voting opens", async () => {
      const f = await pendingProposal();
      await expectTaskError(
        "gov:vote",
        { deployment: f.deployment, from: "2", proposalId: "1", support: "for" },
        /^voting on proposal #1 has not started: it opens after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 1 min\)$/,
      );
    });

    it("refuses a vote after voting closed", async () => {
      const f = await closedProposals();
      await expectTaskError(
        "gov:vote",
        { deployment: f.deployment, from: "3", proposalId: "1", support: "against" },
        /^voting on proposal #1 is closed: it is Succeeded; the vote ended .* UTC \(\d+ s ago\)$/,
      );
    });

    it("refuses to queue a proposal that has not succeeded", async () => {
      const f = await closedProposals();
      await expectTaskError(
        "gov:queue",
        { deployment: f.deployment, from: "1", proposalId: "2" },
        /^proposal #2 cannot be queued \(only a Succeeded proposal can\): it was defeated \(participation 25 below the quorum of 66\)$/,
      );
      await runTask("gov:queue", { deployment: f.deployment, from: "1", proposalId: "1" });
      await expectTaskError(
        "gov:queue",
        { deployment: f.deployment, from: "1", proposalId: "1" },
        /^proposal #1 cannot be queued \(only a Succeeded proposal can\): it is already queued, ETA .* UTC \(in 1 h\)$/,
      );
    });

    it("refuses to queue while the vote is open", async () => {
      const f = await activeProposal();
      await expectTaskError(
        "gov:queue",
        { deployment: f.deployment, from: "1", proposalId: "1" },
        /cannot be queued \(only a Succeeded proposal can\): its vote is still open until .* \(in 23 h 59 min/,
      );
    });

    it("refuses to execute before queueing, before the ETA, and a defeated proposal", async () => {
      const f = await closedProposals();
      const args = { deployment: f.deployment, from: "1", proposalId: "1" };
      await expectTaskError("gov:execute", args, /^proposal #1 has passed but is not queued: run gov:queue 1 first$/);
      await runTask("gov:queue", args);
      await expectTaskError(
        "gov:execute",
        args,
        /^proposal #1 is in the timelock until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 1 h\): execute it after its ETA$/,
      );
      await expectTaskError(
        "gov:execute",
        { ...args, proposalId: "2" },
        /^proposal #2 cannot be executed \(only a Queued proposal can\): it is Defeated$/,
      );
    });

    it("refuses to cancel once voting has opened", async () => {
      const f = await activeProposal();
      await expectTaskError(
        "gov:cancel",
        { deployment: f.deployment, from: "1", proposalId: "1" },
        /^proposal #1 can no longer be cancelled: it is Active \(a proposer may cancel only before voting opens\)$/,
      );
    });

    it("refuses a proposal identical to an existing one", async () => {
      const f = await pendingProposal();
      await expectTaskError(
        "gov:propose",
        { deployment: f.deployment, from: "2", description: "Quorum 55%", actions: ["set-quorum 5500"] },
        /^an identical proposal \(same actions and description\) already exists: #1$/,
      );
    });
  });

  describe("signed votes", () => {
    async function signedBy(f: Awaited<ReturnType<typeof activeProposal>>, from: string, extra = {}) {
      const out = tmpFile("ballot.json");
      await runTask("gov:sign-vote", {
        deployment: f.deployment,
        from,
        proposalId: "1",
        support: "for",
        out,
        ...extra,
      });
      return out;
    }

    it("refuses a tampered signed vote", async () => {
      const f = await activeProposal();
      const file = await signedBy(f, "2");
      const ballot = JSON.parse(fs.readFileSync(file, "utf8"));
      fs.writeFileSync(file, JSON.stringify({ ...ballot, support: 0, supportName: "Against" }));
      await expectTaskError(
        "gov:relay-vote",
        { deployment: f.deployment, file },
        /the signature is not the voter's \(it was made by 0x[0-9a-fA-F]{40}, or the file was altered\)$/,
      );
    });

    it("refuses a signed vote for another chain or governor", async () => {
      const f = await activeProposal();
      const file = await signedBy(f, "2");
      const ballot = JSON.parse(fs.readFileSync(file, "utf8"));
      const otherChain = tmpFile("ballot.json");
      fs.writeFileSync(otherChain, JSON.stringify({ ...ballot, domain: { ...ballot.domain, chainId: "1337" } }));
      await expectTaskError(
        "gov:relay-vote",
        { deployment: f.deployment, file: otherChain },
        /^the vote was signed for chain 1337, but network "hardhat" is chain 31337$/,
      );
      const otherGovernor = tmpFile("ballot.json");
      fs.writeFileSync(
        otherGovernor,
        JSON.stringify({ ...ballot, domain: { ...ballot.domain, verifyingContract: f.others[5].address } }),
      );
      await expectTaskError(
        "gov:relay-vote",
        { deployment: f.deployment, file: otherGovernor },
        /^the vote was signed for governor 0x[0-9a-fA-F]{40}, not this deployment's 0x[0-9a-fA-F]{40}$/,
      );
    });

    it("refuses a signed vote whose voter has voted already, or whose nonce is used up or ahead", async () => {
      const f = await activeProposal();
      // signed offline (chain id and nonce given): no checks at signing time
      const byBank = await signedBy(f, "1", { chainId: "31337", nonce: "0" });
      await expectTaskError(
        "gov:relay-vote",
        { deployment: f.deployment, file: byBank },
        /\(Pearl River Bank\) has already voted on proposal #1 \(For\)$/,
      );

      const ahead = await signedBy(f, "2", { nonce: "1" });
      await expectTaskError(
        "gov:relay-vote",
        { deployment: f.deployment, file: ahead },
        /^the signature's nonce 1 is ahead of the voter's nonce 0: relay the voter's earlier signed votes first$/,
      );
      // Nanshan Securities' nonce-0 signature is relayed on proposal #2; a second nonce-0 one is used up
      await runTask("gov:propose", {
        deployment: f.deployment,
        from: "2",
        description: "Two",
        actions: ["set-quorum 4000"],
      });
      const first = await signedBy(f, "2", { nonce: "0" });
      await openVoting(f, 2n);
      const forTwo = tmpFile("ballot.json");
      await runTask("gov:sign-vote", {
        deployment: f.deployment,
        from: "2",
        proposalId: "2",
        support: "for",
        out: forTwo,
      });
      await runTask("gov:relay-vote", { deployment: f.deployment, file: forTwo });
      await expectTaskError(
        "gov:relay-vote",
        { deployment: f.deployment, file: first },
        /^the signature's nonce 0 is used up \(the voter's nonce is now 1\): sign the vote again$/,
      );
    });

    it("refuses to sign without --out, over an existing file, or for a non-member", async () => {
      const f = await activeProposal();
      const args = { deployment: f.deployment, from: "2", proposalId: "1", support: "for" };
      await expectTaskError("gov:sign-vote", args, /^--out <file> is required/);
      const existing = tmpFile("exists.json");
      fs.writeFileSync(existing, "{}");
      await expectTaskError("gov:sign-vote", { ...args, out: existing }, /already exists: choose a new file$/);
      await expectTaskError(
        "gov:sign-vote",
        { ...args, from: "9", out: tmpFile("b.json") },
        /cannot vote on proposal #1: it was not a member/,
      );
      await expectTaskError(
        "gov:relay-vote",
        { deployment: f.deployment, file: existing },
        /is not a signed vote written by gov:sign-vote$/,
      );
    });
  });

  describe("the deployment", () => {
    it("refuses a missing deployment file or folder", async () => {
      await loadFixture(tasksFixture);
      await expectTaskError(
        "gov:list",
        { deployment: tmpFile("none.json") },
        /^no deployment file at .*none\.json \(--deployment takes/,
      );
    });

    it("accepts the deployment's folder", async () => {
      const f = await loadFixture(tasksFixture);
      const { text } = await runTask("gov:list", { deployment: path.dirname(f.deployment) });
      expect(text).to.equal("No proposals yet.");
    });

    it("refuses a deployment whose governor is not on the network", async () => {
      const f = await loadFixture(tasksFixture);
      const file = tmpFile("deployed_addresses.json");
      fs.writeFileSync(file, JSON.stringify({ ...f.addresses, "Governance#ConsortiumGovernor": f.others[0].address }));
      await expectTaskError(
        "members",
        { deployment: file },
        /^no contract at the governor's address 0x[0-9a-fA-F]{40} on network "hardhat" \(chain 31337\)/,
      );
      const incomplete = tmpFile("deployed_addresses.json");
      fs.writeFileSync(
        incomplete,
        JSON.stringify({ "Governance#TimelockController": f.addresses["Governance#TimelockController"] }),
      );
      await expectTaskError("members", { deployment: incomplete }, /has no "Governance#ConsortiumMembership" entry/);
    });
  });
});

/**
 * The whole system on the in-process network, narrated: deployed under governance with the same
 * Ignition module and parameters ops use, a governance round, then a security token's life. Each
 * step prints what happened and its gas.
 */
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import ConsortiumModule from "../ignition/modules/Consortium";
import { localhostParameters } from "./lib/parameters";
import { Attr, Country } from "./lib/constants";
import { Report } from "./lib/report";
import type {
  ConsortiumGovernor,
  ConsortiumMembership,
  IdentityRegistry,
  SecurityToken,
  TimelockController,
} from "../typechain-types";

const YEAR = 365 * 24 * 3600;
const VoteType = { Against: 0, For: 1, Abstain: 2 } as const;
const ProposalState = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

async function main() {
  const signers = await ethers.getSigners();
  const [, bank, securities, insurer, registrar, transferAgent, , , alice, aliceNewWallet, bob, carol] = signers;
  const [creditUnion, kycPartners, dave] = signers.slice(12);
  const r = new Report();

  r.section("Deployment: the whole system under governance (Ignition)");
  const deployed = await hre.ignition.deploy(ConsortiumModule, { parameters: localhostParameters() });
  const governor = deployed.governor as unknown as ConsortiumGovernor;
  const membership = deployed.membership as unknown as ConsortiumMembership;
  const timelock = deployed.timelock as unknown as TimelockController;
  const registry = deployed.identityRegistry as unknown as IdentityRegistry;
  const shares = deployed.securityToken as unknown as SecurityToken;
  for (const [name, contract] of Object.entries(deployed)) r.note(`${name.padEnd(18)} ${await contract.getAddress()}`);
  r.note(`members: ${await membership.memberCount()}, total weight ${await membership.totalWeight()}`);
  r.note(
    `the timelock is admin of the registry: ${await registry.hasRole(ethers.ZeroHash, await timelock.getAddress())}`,
  );

  r.section("Governance: admit a member and appoint a registrar");
  const REGISTRAR_ROLE = await registry.REGISTRAR_ROLE();
  const targets = [await membership.getAddress(), await registry.getAddress()];
  const values = [0, 0];
  const calldatas = [
    membership.interface.encodeFunctionData("addMember", [
      creditUnion.address,
      20,
      "Shenzhen Credit Union",
      "https://members.example/scu",
    ]),
    registry.interface.encodeFunctionData("grantRole", [REGISTRAR_ROLE, kycPartners.address]),
  ];
  const description = "Admit Shenzhen Credit Union (weight 20); appoint KYC Partners as registrar";
  await r.tx(
    "Pearl River Bank proposes (2 actions)",
    governor.connect(bank).propose(targets, values, calldatas, description),
  );
  const proposalId = await governor.proposalCount();
  r.note(`proposal #${proposalId} "${description}": ${ProposalState[Number(await governor.state(proposalId))]}`);
  await time.increase(Number(await governor.votingDelay()) + 1);

  await r.tx("Pearl River Bank (40) votes For", governor.connect(bank).castVote(proposalId, VoteType.For));
  // Nanshan Securities signs offline (HSM / cold wallet): an EIP-712 ballot anyone can relay.
  const domain = {
    name: await governor.name(),
    version: await governor.version(),
    chainId: (await ethers.provider.getNetwork()).chainId,
    verifyingContract: await governor.getAddress(),
  };
  const ballot = {
    proposalId,
    support: VoteType.For,
    voter: securities.address,
    nonce: await governor.nonces(securities.address),
  };
  const signature = await securities.signTypedData(
    domain,
    {
      Ballot: [
        { name: "proposalId", type: "uint256" },
        { name: "support", type: "uint8" },
        { name: "voter", type: "address" },
        { name: "nonce", type: "uint256" },
      ],
    },
    ballot,
  );
  r.note("Nanshan Securities signs its vote offline; the signature travels as a file");
  await r.tx(
    "an operator relays Nanshan Securities' (35) signed For",
    governor.connect(registrar).castVoteBySig(proposalId, VoteType.For, securities.address, signature),
  );
  await r.tx(
    "Qianhai Insurance (25) votes Abstain",
    governor.connect(insurer).castVoteWithReason(proposalId, VoteType.Abstain, "no objection"),
  );
  const [against, inFavour, abstain] = await governor.proposalVotes(proposalId);
  r.note(
    `For ${inFavour}, Against ${against}, Abstain ${abstain}; quorum ${await governor.quorum(await governor.proposalSnapshot(proposalId))}, approval threshold ${await governor.approvalThreshold()} bps`,
  );

  await time.increase(Number(await governor.votingPeriod()));
  r.note(`vote closed: ${ProposalState[Number(await governor.state(proposalId))]}`);
  await r.tx("queue in the timelock", governor["queue(uint256)"](proposalId));
  r.note(
    `executable from ${new Date(Number(await governor.proposalEta(proposalId)) * 1000).toISOString()} (timelock delay ${await timelock.getMinDelay()} s)`,
  );
  await time.increase(Number(await timelock.getMinDelay()) + 1);
  await r.tx("anyone executes after the delay", governor["execute(uint256)"](proposalId));
  r.note(
    `Shenzhen Credit Union is a member: ${await membership.isMember(creditUnion.address)} (weight ${await membership.weightOf(creditUnion.address)}); KYC Partners is a registrar: ${await registry.hasRole(REGISTRAR_ROLE, kycPartners.address)}`,
  );
  const expiry = (await time.latest()) + YEAR;
  await r.tx(
    "the new registrar registers Dave Fund (SG, investor)",
    registry
      .connect(kycPartners)
      .registerIdentity(dave.address, ethers.id("Dave Fund"), Country.SG, expiry, Attr.INVESTOR),
  );

  r.section("Identity: investors pass KYC");
  const kyc = registry.connect(registrar);
  await r.tx(
    "register Alice Capital (CN, investor)",
    kyc.registerIdentity(alice.address, ethers.id("Alice Capital"), Country.CN, expiry, Attr.INVESTOR),
  );
  await r.tx(
    "register Alice Capital's second wallet",
    kyc.registerIdentity(aliceNewWallet.address, ethers.id("Alice Capital"), Country.CN, expiry, Attr.INVESTOR),
  );
  await r.tx(
    "register Bob Securities (HK, investor)",
    kyc.registerIdentity(bob.address, ethers.id("Bob Securities"), Country.HK, expiry, Attr.INVESTOR),
  );
  await r.tx(
    "register Carol Trading (US, investor)",
    kyc.registerIdentity(carol.address, ethers.id("Carol Trading"), Country.US, expiry, Attr.INVESTOR),
  );

  r.section("Security token: issue, transfer, refuse, freeze, recover");
  const agent = shares.connect(transferAgent);
  await r.tx("allow-list: China", agent.setCountryAllowed(Country.CN, true));
  await r.tx("allow-list: Hong Kong", agent.setCountryAllowed(Country.HK, true));
  await r.tx("issue 10,000 shares to Alice Capital", agent.mint(alice.address, 10_000));

  const code = await shares.detectTransferRestriction(alice.address, carol.address, 500);
  r.note(`Alice -> Carol 500 shares: refused, code ${code}: "${await shares.messageForTransferRestriction(code)}"`);
  try {
    await shares.connect(alice).transfer.staticCall(carol.address, 500);
    throw new Error("a transfer to a disallowed country would go through");
  } catch (error) {
    const parsed = shares.interface.parseError((error as { data?: string }).data ?? "0x");
    if (!parsed) throw error;
    r.note(`   and the transfer reverts with ${parsed.name}(${parsed.args.join(", ")})`);
  }
  await r.tx("Alice -> Bob 2,500 shares (verified, HK allowed)", shares.connect(alice).transfer(bob.address, 2_500));
  r.note(
    `holders: ${await shares.holderCount()} entities; Alice ${await shares.balanceOf(alice.address)}, Bob ${await shares.balanceOf(bob.address)}`,
  );

  await r.tx("freeze Bob's wallet (regulator's request)", agent.setAddressFrozen(bob.address, true));
  const frozenCode = await shares.detectTransferRestriction(bob.address, alice.address, 100);
  r.note(
    `Bob -> Alice 100 shares: refused, code ${frozenCode}: "${await shares.messageForTransferRestriction(frozenCode)}"`,
  );
  await r.tx("unfreeze Bob's wallet", agent.setAddressFrozen(bob.address, false));

  await r.tx(
    "Alice reports her key lost: recover to her new wallet",
    agent.recoveryAddress(alice.address, aliceNewWallet.address),
  );
  r.note(
    `Alice's old wallet ${await shares.balanceOf(alice.address)}, new wallet ${await shares.balanceOf(aliceNewWallet.address)}; entity balance ${await shares.entityBalance(ethers.id("Alice Capital"))}`,
  );

  r.summary();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

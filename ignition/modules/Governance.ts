import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { ethers } from "ethers";
import { uupsProxy } from "./proxy";

const PROPOSER_ROLE = ethers.id("PROPOSER_ROLE");
const CANCELLER_ROLE = ethers.id("CANCELLER_ROLE");
const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;

/**
 * The consortium's authority: the member register (UUPS proxy administered by the timelock), the
 * governor and the timelock. The governor is the timelock's only proposer and canceller; anyone
 * may execute a passed proposal once its delay has run. The guardian (an account or multisig) may
 * cancel proposals not yet executed and suspend a member's key; governance replaces it. The deployer's temporary timelock admin
 * role, needed only to appoint the governor, is renounced before the module ends.
 */
export default buildModule("Governance", (m) => {
  const deployer = m.getAccount(0);
  const minDelay = m.getParameter<number>("timelockMinDelay");

  const timelock = m.contract("TimelockController", [minDelay, [], [ethers.ZeroAddress], deployer]);

  const membershipImplementation = m.contract("ConsortiumMembership", [], { id: "ConsortiumMembershipImplementation" });
  const guardian = m.getParameter<string>("guardian");
  const membership = uupsProxy(m, "ConsortiumMembership", membershipImplementation, [
    timelock,
    guardian,
    m.getParameter<number>("minMembers", 2),
    m.getParameter("foundingMembers"),
  ]);

  const callRules = m.library("GovernorCallRules");
  const governor = m.contract(
    "ConsortiumGovernor",
    [
      membership,
      timelock,
      m.getParameter<number>("votingDelay"),
      m.getParameter<number>("votingPeriod"),
      // The shortest voting period governance may ever set, fixed for the governor's life.
      m.getParameter<number>("votingPeriodFloor", 3600),
      m.getParameter<number>("proposalThreshold", 1),
      m.getParameter<number>("quorumBasisPoints"),
      m.getParameter<number>("approvalBasisPoints", 5000),
      m.getParameter<number>("sensitiveQuorumBasisPoints", 6667),
      m.getParameter<number>("sensitiveApprovalBasisPoints", 6667),
      guardian,
    ],
    { libraries: { GovernorCallRules: callRules } },
  );

  const proposer = m.call(timelock, "grantRole", [PROPOSER_ROLE, governor], { id: "GrantProposerToGovernor" });
  const canceller = m.call(timelock, "grantRole", [CANCELLER_ROLE, governor], { id: "GrantCancellerToGovernor" });
  m.call(timelock, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer], {
    id: "RenounceDeployerTimelockAdmin",
    after: [proposer, canceller],
  });

  return { timelock, membership, governor };
});

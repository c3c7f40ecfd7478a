// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {GovernorProposalGuardian} from "@openzeppelin/contracts/governance/extensions/GovernorProposalGuardian.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorSequentialProposalId} from "@openzeppelin/contracts/governance/extensions/GovernorSequentialProposalId.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorStorage} from "@openzeppelin/contracts/governance/extensions/GovernorStorage.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";
import {GovernorCallRules} from "./GovernorCallRules.sol";
import {IConsortiumMembership} from "../interfaces/IConsortiumMembership.sol";

/**
 * @title ConsortiumGovernor
 * @notice The consortium's decision maker: members vote with their weights (For / Against /
 * Abstain, or by EIP-712 signature), and a proposal passes when
 * - participation (For + Against + Abstain) reaches the quorum, in basis points of the total weight
 *   at the proposal's snapshot, and
 * - approval, For / (For + Against), is strictly above the approval threshold in basis points
 *   (5,000 = simple majority; 6,667 = more than two thirds).
 * Passed proposals are queued in, and executed by, the timelock that holds every admin role.
 *
 * Two classes of proposal: a proposal is Sensitive when any of its calls is (calls to the governor
 * or the timelock, upgrades, role grants and revocations, membership changes, and any (target,
 * selector) governance marks sensitive), else Routine. The class is fixed when the proposal is
 * made and its quorum and approval threshold (checkpointed, read at the snapshot) apply.
 *
 * Cannot be captured or bricked: a proposal guardian cancels any proposal not yet executed, with a
 * reason on chain; suspended member keys cannot vote or propose; proposals that would remove the
 * timelock's admin role of any contract or this governor's proposer or canceller role are refused
 * when proposed; settings that would let nothing pass are refused.
 * @dev OpenZeppelin Governor with settings, simple counting, membership votes, quorum fraction,
 * timelock control, proposal storage (proposals listed without an indexer) and sequential proposal
 * ids (1, 2, 3, ...). Not proxied: governance replaces a governor by moving the timelock's roles.
 * Both thresholds are checkpointed, so changing them never changes a vote in progress.
 */
contract ConsortiumGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorStorage,
    GovernorSequentialProposalId,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl,
    GovernorProposalGuardian,
    IConsortiumGovernor
{
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Longest voting period governance may set, and the highest floor a deployment may choose.
    uint256 private constant MAX_VOTING_PERIOD = 30 days;
    /// @notice Longest voting delay governance may set.
    uint256 private constant MAX_VOTING_DELAY = 30 days;

    uint256 private constant BASIS_POINTS = 10_000;
    uint256 private constant MIN_APPROVAL_THRESHOLD = 5_000;
    bytes4 private constant REVOKE_ROLE = IAccessControl.revokeRole.selector;
    bytes4 private constant RENOUNCE_ROLE = IAccessControl.renounceRole.selector;

    Checkpoints.Trace208 private _approvalThresholdHistory;
    /// @dev Sensitive quorum << 16 | sensitive approval threshold, both in basis points.
    Checkpoints.Trace208 private _sensitiveThresholdHistory;
    mapping(uint256 proposalId => ProposalClass) private _proposalClasses;
    mapping(address target => mapping(bytes4 selector => bool)) private _sensitiveCalls;

    /// @dev Shortest voting period governance may set (seconds): members must have time to vote.
    /// Written once, by the constructor (which refuses a zero floor), and by nothing else: no function
    /// changes it. Zero only while the constructor runs. A storage slot rather than an immutable,
    /// whose two 32-byte reads would take the governor past the 24,576-byte code limit on Berlin.
    uint256 private _votingPeriodFloor;

    /**
     * @param membership The member register (voting weights, ERC-6372 timestamp clock).
     * @param timelock The timelock that executes passed proposals and holds every admin role.
     * @param initialVotingDelay Seconds between a proposal and the start of its vote (the snapshot).
     * @param initialVotingPeriod Seconds the vote is open (at least `votingPeriodFloor_`).
     * @param votingPeriodFloor_ The shortest voting period governance may ever set (seconds; 1 to 30
     * days' worth). Fixed for the governor's life: production deployments use 1 hour, a throwaway
     * instance that qualifies a chain a few seconds.
     * @param initialProposalThreshold Weight needed to propose (1: any member).
     * @param quorumBasisPoints Participation needed, in basis points of the total weight.
     * @param approvalBasisPoints For / (For + Against) must be strictly above this.
     * @param sensitiveQuorumBasisPoints The quorum of sensitive proposals (at least the routine one).
     * @param sensitiveApprovalBasisPoints The approval threshold of sensitive proposals (at least the routine one).
     * @param guardian The proposal guardian: cancels proposals not yet executed (replaced only by governance).
     */
    constructor(
        IVotes membership,
        TimelockController timelock,
        uint48 initialVotingDelay,
        uint32 initialVotingPeriod,
        uint32 votingPeriodFloor_,
        uint256 initialProposalThreshold,
        uint256 quorumBasisPoints,
        uint256 approvalBasisPoints,
        uint256 sensitiveQuorumBasisPoints,
        uint256 sensitiveApprovalBasisPoints,
        address guardian
    )
        Governor("ConsortiumGovernor")
        GovernorSettings(initialVotingDelay, initialVotingPeriod, initialProposalThreshold)
        GovernorVotes(membership)
        GovernorVotesQuorumFraction(quorumBasisPoints)
        GovernorTimelockControl(timelock)
    {
        // GovernorSettings has set the initial voting period, checked against MAX_VOTING_PERIOD only
        // (the floor reads zero until it is assigned here): the floor check follows.
        _checkVotingPeriodFloor(votingPeriodFloor_, initialVotingPeriod);
        _votingPeriodFloor = votingPeriodFloor_;
        _updateApprovalThreshold(approvalBasisPoints);
        _updateSensitiveThresholds(sensitiveQuorumBasisPoints, sensitiveApprovalBasisPoints);
        _setProposalGuardian(guardian);
        bytes4[9] memory sensitive = [
            IAccessControl.grantRole.selector,
            REVOKE_ROLE,
            RENOUNCE_ROLE,
            bytes4(keccak256("upgradeToAndCall(address,bytes)")),
            IConsortiumMembership.addMember.selector,
            IConsortiumMembership.removeMember.selector,
            IConsortiumMembership.setWeight.selector,
            IConsortiumMembership.replaceMemberAccount.selector,
            IConsortiumMembership.restore.selector
        ];
        for (uint256 i = 0; i < sensitive.length; ++i) _setCallClass(address(0), sensitive[i], true);
    }

    /// @inheritdoc IConsortiumGovernor
    function guardianCancel(uint256 proposalId, string memory reason) public {
        address guardian = proposalGuardian();
        if (msg.sender != guardian) revert NotProposalGuardian(msg.sender);
        if (bytes(reason).length == 0) revert CancelReasonRequired();
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas, bytes32 descriptionHash) = proposalDetails(
            proposalId
        );
        emit ProposalCancelledByGuardian(proposalId, guardian, reason);
        _cancel(targets, values, calldatas, descriptionHash);
    }

    /// @inheritdoc IConsortiumGovernor
    function setSensitiveThresholds(uint256 quorumBasisPoints, uint256 approvalBasisPoints) external onlyGovernance {
        _updateSensitiveThresholds(quorumBasisPoints, approvalBasisPoints);
    }

    /// @inheritdoc IConsortiumGovernor
    function setCallClass(address target, bytes4 selector, bool sensitive) external onlyGovernance {
        _setCallClass(target, selector, sensitive);
    }

    /// @inheritdoc IConsortiumGovernor
    function classify(address[] memory targets, bytes[] memory calldatas) public view returns (ProposalClass) {
        return _classify(targets, calldatas);
    }

    /// @inheritdoc IConsortiumGovernor
    function proposalClass(uint256 proposalId) external view returns (ProposalClass) {
        return _proposalClasses[proposalId];
    }

    /// @inheritdoc IConsortiumGovernor
    function votingPeriodFloor() external view returns (uint256) {
        return _votingPeriodFloor;
    }

    /// @dev The weight of votes proposal `proposalId` needs: its class's quorum at its snapshot.
    function _proposalQuorum(uint256 proposalId) private view returns (uint256) {
        uint256 snapshot = proposalSnapshot(proposalId);
        uint256 quorumBps;
        if (_proposalClasses[proposalId] == ProposalClass.Sensitive) (quorumBps, ) = sensitiveThresholds(snapshot);
        else quorumBps = quorumNumerator(snapshot);
        return (token().getPastTotalSupply(snapshot) * quorumBps) / BASIS_POINTS;
    }

    /// @inheritdoc IConsortiumGovernor
    function sensitiveThresholds(uint256 timepoint) public view returns (uint256 quorumBps, uint256 approvalBps) {
        uint256 packed = _sensitiveThresholdHistory.upperLookupRecent(SafeCast.toUint48(timepoint));
        return (packed >> 16, packed & 0xffff);
    }

    /// @notice Changes the routine approval threshold (governance only). Like the quorum, the threshold is
    /// read at each proposal's snapshot: votes already open keep theirs, proposals still Pending
    /// get the new one.
    function setApprovalThreshold(uint256 newThreshold) external override onlyGovernance {
        _updateApprovalThreshold(newThreshold);
    }

    /// @notice The approval threshold now, in basis points.
    function approvalThreshold() external view override returns (uint256) {
        return _approvalThresholdHistory.latest();
    }

    /// @notice The approval threshold that applied at `timepoint`, in basis points.
    function approvalThreshold(uint256 timepoint) public view override returns (uint256) {
        return _approvalThresholdHistory.upperLookupRecent(SafeCast.toUint48(timepoint));
    }

    /// @notice Quorum and thresholds are in basis points.
    function quorumDenominator() public pure override returns (uint256) {
        return BASIS_POINTS;
    }

    /// @notice ERC-5805 counting description: Bravo support; Against counts towards the quorum too.
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure override(IGovernor, GovernorCountingSimple) returns (string memory) {
        return "support=bravo&quorum=for,against,abstain";
    }

    /// @dev Participation: every cast vote, Against included, counts towards the quorum.
    function _quorumReached(
        uint256 proposalId
    ) internal view override(Governor, GovernorCountingSimple) returns (bool) {
        (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) = proposalVotes(proposalId);
        return _proposalQuorum(proposalId) <= againstVotes + forVotes + abstainVotes;
    }

    /// @dev Approval: For / (For + Against) strictly above the threshold at the snapshot.
    function _voteSucceeded(
        uint256 proposalId
    ) internal view override(Governor, GovernorCountingSimple) returns (bool) {
        (uint256 againstVotes, uint256 forVotes, ) = proposalVotes(proposalId);
        uint256 snapshot = proposalSnapshot(proposalId);
        uint256 threshold;
        if (_proposalClasses[proposalId] == ProposalClass.Sensitive) (, threshold) = sensitiveThresholds(snapshot);
        else threshold = approvalThreshold(snapshot);
        return forVotes * BASIS_POINTS > threshold * (forVotes + againstVotes);
    }

    /// @dev A member's vote counts its weight at the snapshot, or nothing while its key is suspended.
    function _getVotes(
        address account,
        uint256 timepoint,
        bytes memory /* params */
    ) internal view override(Governor, GovernorVotes) returns (uint256) {
        return _membership().activeVotes(account, timepoint);
    }

    /// @dev Refuses weightless votes: non-members and suspended keys (checked only on that path).
    function _countVote(
        uint256 proposalId,
        address account,
        uint8 support,
        uint256 totalWeight,
        bytes memory params
    ) internal override(Governor, GovernorCountingSimple) returns (uint256) {
        if (totalWeight == 0) revert NoVotingWeight(account);
        return super._countVote(proposalId, account, support, totalWeight, params);
    }

    /// @dev Only the proposer may cancel with `cancel` (while Pending); the guardian uses
    /// `guardianCancel`, which records its reason.
    function _validateCancel(
        uint256 proposalId,
        address caller
    ) internal view override(Governor, GovernorProposalGuardian) returns (bool) {
        return Governor._validateCancel(proposalId, caller);
    }

    function _setProposalGuardian(address newProposalGuardian) internal override {
        if (newProposalGuardian == address(0)) revert InvalidProposalGuardian();
        super._setProposalGuardian(newProposalGuardian);
    }

    function _setVotingPeriod(uint32 newVotingPeriod) internal override {
        if (newVotingPeriod < _votingPeriodFloor || newVotingPeriod > MAX_VOTING_PERIOD) {
            revert VotingPeriodOutOfRange(newVotingPeriod);
        }
        super._setVotingPeriod(newVotingPeriod);
    }

    /// @dev The constructor's check of the floor: 1 s to 30 days, and at most the initial voting period.
    function _checkVotingPeriodFloor(uint256 floor, uint256 initialVotingPeriod) private pure {
        if (floor == 0) revert VotingPeriodFloorZero();
        if (floor > MAX_VOTING_PERIOD) revert VotingPeriodFloorTooLong(floor, MAX_VOTING_PERIOD);
        if (initialVotingPeriod < floor) revert InitialVotingPeriodBelowFloor(initialVotingPeriod, floor);
    }

    function _setVotingDelay(uint48 newVotingDelay) internal override {
        if (newVotingDelay > MAX_VOTING_DELAY) revert VotingDelayTooLong(newVotingDelay);
        super._setVotingDelay(newVotingDelay);
    }

    /// @dev The routine quorum: at most the sensitive quorum (OpenZeppelin refuses above 10,000 bps).
    function _updateQuorumNumerator(uint256 newQuorumNumerator) internal override {
        super._updateQuorumNumerator(newQuorumNumerator);
        // The sensitive thresholds are set after the routine ones in the constructor.
        uint256 sensitive = _sensitiveThresholdHistory.latest();
        if (sensitive != 0 && newQuorumNumerator > sensitive >> 16) {
            revert SensitiveBelowRoutine(sensitive >> 16, sensitive & 0xffff);
        }
    }

    function _updateSensitiveThresholds(uint256 quorumBps, uint256 approvalBps) private {
        if (quorumBps == 0 || quorumBps > BASIS_POINTS) revert InvalidQuorum(quorumBps);
        if (approvalBps < MIN_APPROVAL_THRESHOLD || approvalBps >= BASIS_POINTS) {
            revert InvalidApprovalThreshold(approvalBps);
        }
        uint256 routineQuorum = quorumNumerator();
        uint256 routineApproval = _approvalThresholdHistory.latest();
        if (quorumBps < routineQuorum || approvalBps < routineApproval) {
            revert SensitiveBelowRoutine(quorumBps, approvalBps);
        }
        _sensitiveThresholdHistory.push(clock(), uint208((quorumBps << 16) | approvalBps));
        emit SensitiveThresholdsUpdated(quorumBps, approvalBps);
    }

    function _setCallClass(address target, bytes4 selector, bool sensitive) private {
        _sensitiveCalls[target][selector] = sensitive;
        emit CallClassSet(target, selector, sensitive);
    }

    function _membership() private view returns (IConsortiumMembership) {
        return IConsortiumMembership(address(token()));
    }

    /// @dev The class of a proposal, refusing (with a named error) any call that would brick governance.
    function _classify(address[] memory targets, bytes[] memory calldatas) private view returns (ProposalClass) {
        bool sensitive = GovernorCallRules.classify(_sensitiveCalls, targets, calldatas, address(this), timelock());
        return sensitive ? ProposalClass.Sensitive : ProposalClass.Routine;
    }

    function _updateApprovalThreshold(uint256 newThreshold) private {
        if (newThreshold < MIN_APPROVAL_THRESHOLD || newThreshold >= BASIS_POINTS) {
            revert InvalidApprovalThreshold(newThreshold);
        }
        uint256 sensitive = _sensitiveThresholdHistory.latest();
        if (sensitive != 0 && newThreshold > sensitive & 0xffff) {
            revert SensitiveBelowRoutine(sensitive >> 16, sensitive & 0xffff);
        }
        uint256 oldThreshold = _approvalThresholdHistory.latest();
        _approvalThresholdHistory.push(clock(), uint208(newThreshold));
        emit ApprovalThresholdUpdated(oldThreshold, newThreshold);
    }

    // ---- the overrides Solidity requires to combine the modules ----

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function quorum(
        uint256 timepoint
    ) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function getProposalId(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) public view override(Governor, GovernorSequentialProposalId) returns (uint256) {
        return super.getProposalId(targets, values, calldatas, descriptionHash);
    }

    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override(Governor, GovernorStorage, GovernorSequentialProposalId) returns (uint256) {
        // A suspended key has no weight, so proposing needs a threshold of 0 to get here.
        if (_membership().isSuspended(proposer)) revert VoterSuspended(proposer);
        ProposalClass class_ = _classify(targets, calldatas);
        uint256 proposalId = super._propose(targets, values, calldatas, description, proposer);
        if (class_ == ProposalClass.Sensitive) _proposalClasses[proposalId] = class_;
        emit ProposalClassified(proposalId, class_);
        return proposalId;
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}

// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
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

/**
 * @title ConsortiumGovernor
 * @notice The consortium's decision maker: members vote with their weights (For / Against /
 * Abstain, or by EIP-712 signature), and a proposal passes when
 * - participation (For + Against + Abstain) reaches the quorum, in basis points of the total weight
 *   at the proposal's snapshot, and
 * - approval, For / (For + Against), is strictly above the approval threshold in basis points
 *   (5,000 = simple majority; 6,667 = more than two thirds).
 * Passed proposals are queued in, and executed by, the timelock that holds every admin role.
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
    GovernorTimelockControl
{
    using Checkpoints for Checkpoints.Trace208;

    uint256 private constant BASIS_POINTS = 10_000;
    uint256 private constant MIN_APPROVAL_THRESHOLD = 5_000;

    Checkpoints.Trace208 private _approvalThresholdHistory;

    event ApprovalThresholdUpdated(uint256 oldThreshold, uint256 newThreshold);

    /// @notice The approval threshold must be at least 5,000 (a majority) and below 10,000.
    error InvalidApprovalThreshold(uint256 threshold);

    /**
     * @param membership The member register (voting weights, ERC-6372 timestamp clock).
     * @param timelock The timelock that executes passed proposals and holds every admin role.
     * @param initialVotingDelay Seconds between a proposal and the start of its vote (the snapshot).
     * @param initialVotingPeriod Seconds the vote is open.
     * @param initialProposalThreshold Weight needed to propose (1: any member).
     * @param quorumBasisPoints Participation needed, in basis points of the total weight.
     * @param approvalBasisPoints For / (For + Against) must be strictly above this.
     */
    constructor(
        IVotes membership,
        TimelockController timelock,
        uint48 initialVotingDelay,
        uint32 initialVotingPeriod,
        uint256 initialProposalThreshold,
        uint256 quorumBasisPoints,
        uint256 approvalBasisPoints
    )
        Governor("ConsortiumGovernor")
        GovernorSettings(initialVotingDelay, initialVotingPeriod, initialProposalThreshold)
        GovernorVotes(membership)
        GovernorVotesQuorumFraction(quorumBasisPoints)
        GovernorTimelockControl(timelock)
    {
        _updateApprovalThreshold(approvalBasisPoints);
    }

    /// @notice Changes the approval threshold (governance only). Like the quorum, the threshold is
    /// read at each proposal's snapshot: votes already open keep theirs, proposals still Pending
    /// get the new one.
    function setApprovalThreshold(uint256 newThreshold) external onlyGovernance {
        _updateApprovalThreshold(newThreshold);
    }

    /// @notice The approval threshold now, in basis points.
    function approvalThreshold() external view returns (uint256) {
        return _approvalThresholdHistory.latest();
    }

    /// @notice The approval threshold that applied at `timepoint`, in basis points.
    function approvalThreshold(uint256 timepoint) public view returns (uint256) {
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
        return quorum(proposalSnapshot(proposalId)) <= againstVotes + forVotes + abstainVotes;
    }

    /// @dev Approval: For / (For + Against) strictly above the threshold at the snapshot.
    function _voteSucceeded(
        uint256 proposalId
    ) internal view override(Governor, GovernorCountingSimple) returns (bool) {
        (uint256 againstVotes, uint256 forVotes, ) = proposalVotes(proposalId);
        uint256 threshold = approvalThreshold(proposalSnapshot(proposalId));
        return forVotes * BASIS_POINTS > threshold * (forVotes + againstVotes);
    }

    function _updateApprovalThreshold(uint256 newThreshold) private {
        if (newThreshold < MIN_APPROVAL_THRESHOLD || newThreshold >= BASIS_POINTS) {
            revert InvalidApprovalThreshold(newThreshold);
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
        return super._propose(targets, values, calldatas, description, proposer);
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

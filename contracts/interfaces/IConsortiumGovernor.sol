// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IConsortiumGovernor
 * @notice The consortium governor's own surface, beyond OpenZeppelin's `IGovernor`: two classes of
 * proposal with their own quorum and approval threshold, a proposal guardian who cancels with a
 * reason, and the anti-bricking rules checked when a proposal is made.
 */
interface IConsortiumGovernor {
    /// @notice A proposal's class: Sensitive when any of its calls is sensitive, else Routine.
    enum ProposalClass {
        Routine,
        Sensitive
    }

    /// @notice The routine approval threshold changed.
    event ApprovalThresholdUpdated(uint256 oldThreshold, uint256 newThreshold);
    /// @notice The sensitive class's quorum and approval threshold changed.
    event SensitiveThresholdsUpdated(uint256 quorumBasisPoints, uint256 approvalBasisPoints);
    /// @notice Calls of `selector` on `target` (zero: on any contract) are now (or no longer) sensitive.
    event CallClassSet(address indexed target, bytes4 indexed selector, bool sensitive);
    /// @notice The proposal `proposalId` was classified `proposalClass` when it was made.
    event ProposalClassified(uint256 indexed proposalId, ProposalClass proposalClass);
    /// @notice The proposal guardian cancelled `proposalId`, saying why.
    event ProposalCancelledByGuardian(uint256 indexed proposalId, address indexed guardian, string reason);

    /// @notice The approval threshold must be at least 5,000 (a majority) and below 10,000.
    error InvalidApprovalThreshold(uint256 threshold);
    /// @notice The sensitive quorum must be between 1 and 10,000 basis points.
    error InvalidQuorum(uint256 quorumBasisPoints);
    /// @notice The sensitive quorum and approval threshold (these, in basis points) must each be at
    /// least the routine one.
    error SensitiveBelowRoutine(uint256 sensitiveQuorum, uint256 sensitiveApproval);
    /// @notice A voting period outside the floor (`votingPeriodFloor`) to 30 days would let nobody vote in
    /// time, or hold every decision.
    error VotingPeriodOutOfRange(uint256 period);
    /// @notice A voting-period floor of zero would let governance shorten votes to nothing.
    error VotingPeriodFloorZero();
    /// @notice A voting-period floor of `floor` seconds is above the longest voting period, `maximum`.
    error VotingPeriodFloorTooLong(uint256 floor, uint256 maximum);
    /// @notice The initial voting period, `period` seconds, is below the voting-period floor, `floor`.
    error InitialVotingPeriodBelowFloor(uint256 period, uint256 floor);
    /// @notice A voting delay above 30 days would keep votes from opening.
    error VotingDelayTooLong(uint256 delay);
    /// @notice A timelock delay above 30 days would keep passed proposals from executing.
    error TimelockDelayTooLong(uint256 delay);
    /// @notice The call would remove the timelock's admin role of `target`.
    error WouldRemoveTimelockAdmin(address target);
    /// @notice The call would remove this governor's `role` (proposer or canceller) on the timelock.
    error WouldRemoveGovernorRole(bytes32 role);
    /// @notice Only the proposal guardian may do this; `caller` is not.
    error NotProposalGuardian(address caller);
    /// @notice The guardian must say why it cancels.
    error CancelReasonRequired();
    /// @notice The proposal guardian cannot be the zero address.
    error InvalidProposalGuardian();
    /// @notice `account` has no voting weight at the proposal's snapshot (not a member then), or its key is suspended.
    error NoVotingWeight(address account);
    /// @notice `account` is a suspended key: it cannot propose (its votes are refused with NoVotingWeight).
    error VoterSuspended(address account);

    /**
     * @notice The guardian cancels a proposal that is not yet executed (Pending, Active, Succeeded,
     * Defeated or Queued; a queued one leaves the timelock), with a reason recorded in
     * `ProposalCancelledByGuardian`.
     */
    function guardianCancel(uint256 proposalId, string calldata reason) external;

    /// @notice Sets the sensitive class's quorum and approval threshold (governance only).
    function setSensitiveThresholds(uint256 quorumBasisPoints, uint256 approvalBasisPoints) external;

    /// @notice Sets the routine approval threshold (governance only).
    function setApprovalThreshold(uint256 newThreshold) external;

    /// @notice Marks calls of `selector` on `target` (zero: any contract) sensitive or not (governance only).
    function setCallClass(address target, bytes4 selector, bool sensitive) external;

    /// @notice The class a proposal of these calls gets (classify one call to learn whether it is
    /// sensitive); reverts with the anti-bricking error of
    /// the first forbidden call.
    function classify(address[] calldata targets, bytes[] calldata calldatas) external view returns (ProposalClass);

    /// @notice The class proposal `proposalId` was given when made.
    function proposalClass(uint256 proposalId) external view returns (ProposalClass);

    /**
     * @notice The shortest voting period governance may set, in seconds: fixed when the governor was
     * deployed (1 hour in production), so no proposal can shorten votes below it or change it.
     */
    function votingPeriodFloor() external view returns (uint256);

    /// @notice The routine approval threshold now, in basis points.
    function approvalThreshold() external view returns (uint256);

    /// @notice The routine approval threshold at `timepoint`, in basis points.
    function approvalThreshold(uint256 timepoint) external view returns (uint256);

    /// @notice The sensitive quorum and approval threshold at `timepoint`, in basis points.
    function sensitiveThresholds(uint256 timepoint) external view returns (uint256 quorumBps, uint256 approvalBps);
}

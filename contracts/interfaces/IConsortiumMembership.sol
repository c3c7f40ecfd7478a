// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IConsortiumMembership
 * @notice The consortium's member register: institutions' accounts with a voting weight, a name
 * and a URI (e.g. the member's public profile or legal documents). Weights are the voting units of
 * the governor; they cannot be transferred or delegated.
 */
interface IConsortiumMembership {
    /// @notice A member at initialisation.
    struct FoundingMember {
        address account;
        uint256 weight;
        string name;
        string uri;
    }

    /// @notice A member's profile.
    struct MemberInfo {
        uint256 weight;
        string name;
        string uri;
    }

    event MemberAdded(address indexed account, uint256 weight, string name, string uri);
    event MemberRemoved(address indexed account);
    event MemberWeightChanged(address indexed account, uint256 previousWeight, uint256 newWeight);
    event MemberAccountReplaced(address indexed previousAccount, address indexed newAccount);
    /// @notice `account` was suspended by `by` (the guardian or the member's recovery account).
    event MemberSuspended(address indexed account, address indexed by);
    /// @notice Governance restored the suspended key `account`.
    event MemberRestored(address indexed account);
    /// @notice `account`'s recovery account changed (zero: none).
    event RecoveryAccountSet(address indexed account, address indexed previousRecovery, address indexed newRecovery);
    /// @notice The minimum number of active members, fixed at initialisation.
    event MinimumMembersSet(uint256 minimum);

    error ZeroAddress();
    error ZeroWeight();
    error AlreadyMember(address account);
    error NotMember(address account);
    error VotesNotDelegable();
    error NoFoundingMembers();
    /// @notice The minimum number of members must be at least 2.
    error MinimumMembersTooLow(uint256 minimum);
    /// @notice The founders are fewer than the minimum number of members.
    error TooFewFoundingMembers(uint256 founders, uint256 minimum);
    /// @notice The change would leave `remaining` active (not suspended) members, below `minimum`.
    error TooFewActiveMembers(uint256 remaining, uint256 minimum);
    /// @notice Only the guardian or `account`'s own recovery account may suspend it; `caller` is neither.
    error NotAllowedToSuspend(address caller, address account);
    /// @notice `account` is already suspended.
    error AlreadySuspended(address account);
    /// @notice `account` is not suspended.
    error NotSuspended(address account);
    /// @notice A suspended key cannot do this.
    error KeySuspended(address account);
    /// @notice Once set, a recovery account is changed only by itself; `caller` is not `account`'s recovery account.
    error NotRecoveryAccount(address caller, address account);
    /// @notice A member cannot be its own, or another member's, recovery account.
    error InvalidRecoveryAccount(address recovery);

    /// @notice Admits `account` with `weight` votes (admin: the governance timelock).
    function addMember(address account, uint256 weight, string calldata name, string calldata uri) external;

    /// @notice Removes a member. Proposals whose snapshot came before the removal still count the
    /// member's weight (and it may still vote on them): every vote counts the weights at its snapshot.
    function removeMember(address account) external;

    /// @notice Changes a member's weight; open proposals keep the weights at their snapshot.
    function setWeight(address account, uint256 weight) external;

    /// @notice Moves a membership, with its voting power, to a new key (key rotation). On proposals
    /// whose snapshot came before the rotation the old key keeps the weight; after a key compromise,
    /// cancel or vote down such proposals.
    function replaceMemberAccount(address previousAccount, address newAccount) external;

    /// @notice Suspends a member's key at once (guardian, or the member's recovery account): the key
    /// can no longer vote (not even on proposals whose snapshot came before), propose or have signed
    /// votes relayed, and its weight leaves the total from now on. Refused if fewer than
    /// `minimumMembers()` active members would remain.
    function suspend(address account) external;

    /// @notice Governance restores a suspended member key with its weight.
    function restore(address account) external;

    /// @notice Called by a member (or, once set, by the current recovery account): registers the
    /// account that may suspend the member's key. Zero removes it (recovery account only).
    function setRecoveryAccount(address account, address recovery) external;

    /// @notice Whether the key `account` is suspended (also after its membership was moved or removed).
    function isSuspended(address account) external view returns (bool);

    /// @notice The recovery account registered for `account` (zero: none).
    function recoveryAccountOf(address account) external view returns (address);

    /// @notice The minimum number of active (not suspended) members, fixed at initialisation (>= 2).
    function minimumMembers() external view returns (uint256);

    /// @notice Members whose key is not suspended.
    function activeMemberCount() external view returns (uint256);

    /// @notice `account`'s weight at `timepoint`, or 0 while the key is suspended: what the
    /// governor counts (a vote, a proposal).
    function activeVotes(address account, uint256 timepoint) external view returns (uint256);

    /// @notice Whether `account` is a member.
    function isMember(address account) external view returns (bool);

    /// @notice A member's current weight (0 for non-members).
    function weightOf(address account) external view returns (uint256);

    /// @notice A member's weight, name and URI; reverts with `NotMember` for a non-member.
    function memberInfo(address account) external view returns (MemberInfo memory);

    /// @notice Number of members.
    function memberCount() external view returns (uint256);

    /// @notice All members' accounts (for views and tools; not used by transactions).
    function members() external view returns (address[] memory);

    /// @notice Sum of all members' weights now.
    function totalWeight() external view returns (uint256);
}

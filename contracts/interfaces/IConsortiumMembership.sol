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

    error ZeroAddress();
    error ZeroWeight();
    error AlreadyMember(address account);
    error NotMember(address account);
    error VotesNotDelegable();
    error NoFoundingMembers();

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

// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {VotesUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/utils/VotesUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IConsortiumMembership} from "../interfaces/IConsortiumMembership.sol";

/**
 * @title ConsortiumMembership
 * @notice The consortium's members and their voting weights, as OpenZeppelin `Votes` checkpoints so
 * that every proposal counts the weights at its snapshot: admitting, removing or re-weighting a
 * member during a vote does not change that vote.
 * @dev Each member's votes are its own: delegation is disabled and every member is its own
 * delegate. The clock is ERC-6372 `mode=timestamp`, because private chains (QBFT) have irregular
 * block times. UUPS proxy; membership changes and upgrades belong to `DEFAULT_ADMIN_ROLE`, the
 * governance timelock. Transactions never loop over members; `members()` is a view.
 * Anti-bricking: no removal or suspension may leave fewer than `minimumMembers()` active members.
 * A compromised key is suspended at once by the guardian or the member's recovery account; its
 * weight leaves the total (so quorums stay reachable) and the governor refuses its votes.
 */
contract ConsortiumMembership is
    Initializable,
    AccessControlUpgradeable,
    VotesUpgradeable,
    UUPSUpgradeable,
    IConsortiumMembership
{
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @custom:storage-location erc7201:consortium.storage.ConsortiumMembership
    struct MembershipStorage {
        EnumerableSet.AddressSet accounts;
        mapping(address account => MemberInfo) info;
        uint256 minimumMembers;
        uint256 suspendedMembers;
        mapping(address account => bool) suspended;
        mapping(address account => address) recovery;
    }

    /// @notice May suspend any member key at once (the consortium's guardian); only governance restores.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.ConsortiumMembership")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x28272713ff2e9ca14e71d050e5bf7c1b83e04c131eb66fc61188083e62a7ae00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets up the register behind its proxy with its founding members.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and upgrade rights: the governance timelock.
     * @param guardian Holder of `GUARDIAN_ROLE`: may suspend a member key at once.
     * @param minimum The fewest active members governance may leave (at least 2).
     * @param founders The founding members and their weights (at least `minimum`).
     */
    function initialize(
        address admin,
        address guardian,
        uint256 minimum,
        FoundingMember[] memory founders
    ) public initializer {
        if (admin == address(0) || guardian == address(0)) revert ZeroAddress();
        if (founders.length == 0) revert NoFoundingMembers();
        if (minimum < 2) revert MinimumMembersTooLow(minimum);
        if (founders.length < minimum) revert TooFewFoundingMembers(founders.length, minimum);
        __AccessControl_init();
        __EIP712_init("ConsortiumMembership", "1");
        __Votes_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
        _storage().minimumMembers = minimum;
        emit MinimumMembersSet(minimum);
        for (uint256 i = 0; i < founders.length; ++i) {
            FoundingMember memory f = founders[i];
            _addMember(f.account, f.weight, f.name, f.uri);
        }
    }

    /// @inheritdoc IConsortiumMembership
    function addMember(
        address account,
        uint256 weight,
        string calldata name,
        string calldata uri
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _addMember(account, weight, name, uri);
    }

    /// @inheritdoc IConsortiumMembership
    function removeMember(address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        MembershipStorage storage $ = _storage();
        if (!$.accounts.contains(account)) revert NotMember(account);
        if ($.suspended[account]) {
            // Its units already left with the suspension; the active members do not change.
            --$.suspendedMembers;
        } else {
            _requireActiveAfter($, 1);
            _transferVotingUnits(account, address(0), $.info[account].weight);
        }
        $.accounts.remove(account);
        delete $.info[account];
        emit MemberRemoved(account);
    }

    /// @inheritdoc IConsortiumMembership
    function setWeight(address account, uint256 weight) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (weight == 0) revert ZeroWeight();
        MemberInfo storage member = _member(account);
        uint256 previous = member.weight;
        member.weight = weight;
        // A suspended key holds no units: its new weight applies when governance restores it.
        if (!_storage().suspended[account]) {
            if (weight > previous) _transferVotingUnits(address(0), account, weight - previous);
            else _transferVotingUnits(account, address(0), previous - weight);
        }
        emit MemberWeightChanged(account, previous, weight);
    }

    /// @inheritdoc IConsortiumMembership
    function replaceMemberAccount(address previousAccount, address newAccount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newAccount == address(0)) revert ZeroAddress();
        MembershipStorage storage $ = _storage();
        MemberInfo memory member = _member(previousAccount);
        if ($.suspended[newAccount]) revert KeySuspended(newAccount);
        if (!$.accounts.add(newAccount)) revert AlreadyMember(newAccount);
        // Self-delegate while the new account still has no units, so they are counted once.
        _delegate(newAccount, newAccount);
        $.accounts.remove(previousAccount);
        delete $.info[previousAccount];
        $.info[newAccount] = member;
        // The old key's recovery account is not carried over: the member registers one for the new key.
        delete $.recovery[previousAccount];
        if ($.suspended[previousAccount]) {
            // The old key stays suspended (it still holds weight at past snapshots); the member is active again.
            --$.suspendedMembers;
            _transferVotingUnits(address(0), newAccount, member.weight);
        } else {
            _transferVotingUnits(previousAccount, newAccount, member.weight);
        }
        emit MemberAccountReplaced(previousAccount, newAccount);
    }

    /// @inheritdoc IConsortiumMembership
    function suspend(address account) external {
        MembershipStorage storage $ = _storage();
        if (!hasRole(GUARDIAN_ROLE, msg.sender) && (msg.sender != $.recovery[account] || msg.sender == address(0))) {
            revert NotAllowedToSuspend(msg.sender, account);
        }
        if (!$.accounts.contains(account)) revert NotMember(account);
        if ($.suspended[account]) revert AlreadySuspended(account);
        _requireActiveAfter($, 1);
        $.suspended[account] = true;
        ++$.suspendedMembers;
        _transferVotingUnits(account, address(0), $.info[account].weight);
        emit MemberSuspended(account, msg.sender);
    }

    /// @inheritdoc IConsortiumMembership
    function restore(address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        MembershipStorage storage $ = _storage();
        if (!$.accounts.contains(account)) revert NotMember(account);
        if (!$.suspended[account]) revert NotSuspended(account);
        $.suspended[account] = false;
        --$.suspendedMembers;
        _transferVotingUnits(address(0), account, $.info[account].weight);
        emit MemberRestored(account);
    }

    /// @inheritdoc IConsortiumMembership
    function setRecoveryAccount(address account, address recovery) external {
        MembershipStorage storage $ = _storage();
        address previous = $.recovery[account];
        if (previous == address(0)) {
            // The first recovery account is registered by the member's own, unsuspended key.
            if (msg.sender != account || !$.accounts.contains(account)) revert NotMember(msg.sender);
            if ($.suspended[account]) revert KeySuspended(account);
            if (recovery == address(0)) revert ZeroAddress();
        } else if (msg.sender != previous) {
            // A thief holding the member key cannot swap the recovery account.
            revert NotRecoveryAccount(msg.sender, account);
        }
        if (recovery == account || $.accounts.contains(recovery)) revert InvalidRecoveryAccount(recovery);
        $.recovery[account] = recovery;
        emit RecoveryAccountSet(account, previous, recovery);
    }

    /// @notice Disabled: each member votes its own weight.
    function delegate(address) public pure override {
        revert VotesNotDelegable();
    }

    /// @notice Disabled: each member votes its own weight.
    function delegateBySig(address, uint256, uint256, uint8, bytes32, bytes32) public pure override {
        revert VotesNotDelegable();
    }

    /// @inheritdoc IConsortiumMembership
    function isMember(address account) external view returns (bool) {
        return _storage().accounts.contains(account);
    }

    /// @inheritdoc IConsortiumMembership
    function weightOf(address account) external view returns (uint256) {
        return _storage().info[account].weight;
    }

    /// @inheritdoc IConsortiumMembership
    function memberInfo(address account) external view returns (MemberInfo memory) {
        return _member(account);
    }

    /// @inheritdoc IConsortiumMembership
    function isSuspended(address account) external view returns (bool) {
        return _storage().suspended[account];
    }

    /// @inheritdoc IConsortiumMembership
    function recoveryAccountOf(address account) external view returns (address) {
        return _storage().recovery[account];
    }

    /// @inheritdoc IConsortiumMembership
    function minimumMembers() external view returns (uint256) {
        return _storage().minimumMembers;
    }

    /// @inheritdoc IConsortiumMembership
    function activeMemberCount() external view returns (uint256) {
        MembershipStorage storage $ = _storage();
        return $.accounts.length() - $.suspendedMembers;
    }

    /// @inheritdoc IConsortiumMembership
    function activeVotes(address account, uint256 timepoint) external view returns (uint256) {
        if (_storage().suspended[account]) return 0;
        return getPastVotes(account, timepoint);
    }

    /// @inheritdoc IConsortiumMembership
    function memberCount() external view returns (uint256) {
        return _storage().accounts.length();
    }

    /// @inheritdoc IConsortiumMembership
    function members() external view returns (address[] memory) {
        return _storage().accounts.values();
    }

    /// @inheritdoc IConsortiumMembership
    function totalWeight() external view returns (uint256) {
        return _getTotalSupply();
    }

    /// @notice ERC-6372: the clock is the block timestamp.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice ERC-6372: timestamps, not block numbers.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    function _addMember(address account, uint256 weight, string memory name, string memory uri) private {
        if (account == address(0)) revert ZeroAddress();
        if (weight == 0) revert ZeroWeight();
        MembershipStorage storage $ = _storage();
        if ($.suspended[account]) revert KeySuspended(account);
        if (!$.accounts.add(account)) revert AlreadyMember(account);
        // Self-delegate while the account still has no units, so they are counted once.
        _delegate(account, account);
        $.info[account] = MemberInfo(weight, name, uri);
        _transferVotingUnits(address(0), account, weight);
        emit MemberAdded(account, weight, name, uri);
    }

    /// @dev Reverts unless `leaving` fewer active members still leave at least the minimum.
    function _requireActiveAfter(MembershipStorage storage $, uint256 leaving) private view {
        uint256 active = $.accounts.length() - $.suspendedMembers;
        uint256 remaining = active > leaving ? active - leaving : 0;
        if (remaining < $.minimumMembers) revert TooFewActiveMembers(remaining, $.minimumMembers);
    }

    function _member(address account) private view returns (MemberInfo storage member) {
        MembershipStorage storage $ = _storage();
        if (!$.accounts.contains(account)) revert NotMember(account);
        return $.info[account];
    }

    /// @dev Voting units are the member's weight.
    function _getVotingUnits(address account) internal view override returns (uint256) {
        return _storage().info[account].weight;
    }

    /// @dev Upgrades are governance decisions: only the admin (the timelock) may upgrade.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _storage() private pure returns (MembershipStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}

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
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.ConsortiumMembership")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x28272713ff2e9ca14e71d050e5bf7c1b83e04c131eb66fc61188083e62a7ae00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets up the register behind its proxy with its founding members.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and upgrade rights: the governance timelock.
     * @param founders The founding members and their weights.
     */
    function initialize(address admin, FoundingMember[] memory founders) public initializer {
        if (admin == address(0)) revert ZeroAddress();
        if (founders.length == 0) revert NoFoundingMembers();
        __AccessControl_init();
        __EIP712_init("ConsortiumMembership", "1");
        __Votes_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
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
        if (!$.accounts.remove(account)) revert NotMember(account);
        uint256 weight = $.info[account].weight;
        delete $.info[account];
        _transferVotingUnits(account, address(0), weight);
        emit MemberRemoved(account);
    }

    /// @inheritdoc IConsortiumMembership
    function setWeight(address account, uint256 weight) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (weight == 0) revert ZeroWeight();
        MemberInfo storage member = _member(account);
        uint256 previous = member.weight;
        member.weight = weight;
        if (weight > previous) _transferVotingUnits(address(0), account, weight - previous);
        else _transferVotingUnits(account, address(0), previous - weight);
        emit MemberWeightChanged(account, previous, weight);
    }

    /// @inheritdoc IConsortiumMembership
    function replaceMemberAccount(address previousAccount, address newAccount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newAccount == address(0)) revert ZeroAddress();
        MembershipStorage storage $ = _storage();
        MemberInfo memory member = _member(previousAccount);
        if (!$.accounts.add(newAccount)) revert AlreadyMember(newAccount);
        // Self-delegate while the new account still has no units, so they are counted once.
        _delegate(newAccount, newAccount);
        $.accounts.remove(previousAccount);
        delete $.info[previousAccount];
        $.info[newAccount] = member;
        _transferVotingUnits(previousAccount, newAccount, member.weight);
        emit MemberAccountReplaced(previousAccount, newAccount);
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
        if (!$.accounts.add(account)) revert AlreadyMember(account);
        // Self-delegate while the account still has no units, so they are counted once.
        _delegate(account, account);
        $.info[account] = MemberInfo(weight, name, uri);
        _transferVotingUnits(address(0), account, weight);
        emit MemberAdded(account, weight, name, uri);
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

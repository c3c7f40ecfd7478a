// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC1404} from "./IERC1404.sol";
import {IERC1643} from "./IERC1643.sol";
import {IERC3643} from "./IERC3643.sol";
import {IComplianceHook} from "./IComplianceHook.sol";
import {IParticipantCache} from "./IParticipantCache.sol";
import {IRecordBalances} from "./IRecordBalances.sol";

/**
 * @title ISecurityToken
 * @notice A permissioned ERC-20 implementing ERC-3643's token interface: only verified
 * participants hold it; operators by duty mint and burn, freeze, force transfers, recover wallets
 * and keep documents; every transfer passes the compliance rules whose ERC-1404 codes are in
 * `TransferRestrictions`. Amounts above a balance or allowance revert with the ERC-6093 errors.
 */
interface ISecurityToken is IERC3643, IERC1404, IERC1643, IERC20Errors, IParticipantCache, IRecordBalances {
    /// @notice The first holders of the operational roles, named at initialisation, by duty.
    struct Operators {
        address[] supplyAgents; // SUPPLY_ROLE: mint, mintLocked, burn
        address[] freezeAgents; // FREEZE_ROLE: whole and partial freezes
        address[] forcedTransferAgents; // FORCED_TRANSFER_ROLE: forced transfers
        address[] recoveryAgents; // RECOVERY_ROLE: lost-wallet recovery
        address[] documentAgents; // DOCUMENT_ROLE: ERC-1643 documents
        address[] complianceOfficers; // COMPLIANCE_ROLE: the rules
        address[] guardians; // GUARDIAN_ROLE: pause at once
    }

    event RequiredAttributesSet(uint32 attributes);
    event CountryRestrictionSet(bool restricted);
    event CountryAllowed(uint16 indexed country, bool allowed);
    event MaxEntityBalanceSet(uint256 maxBalance);
    event MaxHoldersSet(uint32 maxHolders);
    /// @notice A freeze or unfreeze (whole or partial) was made for the reference `reason` (a court
    /// order or request id; zero when none was given). Follows the ERC-3643 freeze event.
    event FreezeReason(address indexed wallet, bytes32 indexed reason);
    event TokensLocked(address indexed wallet, uint256 amount, uint64 releaseTime);
    event ForcedTransfer(
        address indexed from,
        address indexed to,
        uint256 amount,
        address agent,
        bytes32 indexed reason
    );

    /// @notice A transfer or mint broke a rule; `code` is its ERC-1404 restriction code.
    error TransferRestricted(uint8 code);
    error ZeroAddress();
    error ArrayLengthMismatch();
    error EmptyBatch();
    error EmptyName();
    error EmptySymbol();
    /// @notice Minting `amount` onto `supply` would pass the 120-bit supply cap.
    error SupplyCapExceeded(uint256 cap, uint256 supply, uint256 amount);
    /// @notice A rule's limit above what the token stores (max entity balance: 2^112 - 1; max
    /// holders: 2^24 - 1, the registry's entity cap).
    error LimitTooLarge(uint256 limit, uint256 max);
    error SupplyNotZero(uint256 totalSupply);
    error RegistrySwitchLimit();
    error CallerNotIdentityRegistry(address caller);
    error FreezeExceedsFreeBalance(address wallet, uint256 amount, uint256 freeBalance);
    error UnfreezeExceedsFrozen(address wallet, uint256 amount, uint256 frozen);
    error ReleaseTimeInPast(uint64 releaseTime);
    error RecoveryEntityMismatch(address lostWallet, address newWallet);
    error RecoveryWalletNotEmpty(address newWallet);
    error InvestorIdMismatch(address expected, address given);
    error NothingToRecover(address lostWallet);
    error ForcedTransferToSelf(address wallet);
    error EmptyDocumentName();
    error DocumentNotFound(bytes32 name);

    // ---- operators ----

    /// @notice Issues `amount` to `to`, not transferable by the holder before `releaseTime`. A new
    /// lock-up adds to a running one and keeps the later release time.
    function mintLocked(address to, uint256 amount, uint64 releaseTime) external;

    /// @notice `setAddressFrozen` recording the reference `reason` (court order, request id).
    function setAddressFrozenWithReason(address wallet, bool frozen, bytes32 reason) external;

    /// @notice `freezePartialTokens` recording the reference `reason`.
    function freezePartialTokensWithReason(address wallet, uint256 amount, bytes32 reason) external;

    /// @notice `unfreezePartialTokens` recording the reference `reason`.
    function unfreezePartialTokensWithReason(address wallet, uint256 amount, bytes32 reason) external;

    /// @notice `forcedTransfer` recording the reference `reason`.
    function forcedTransferWithReason(address from, address to, uint256 amount, bytes32 reason) external returns (bool);

    // ---- compliance settings ----

    /// @notice Attribute flags every recipient must have (0 = none).
    function setRequiredAttributes(uint32 attributes) external;

    /// @notice Switches the country rule on (recipients must be in an allowed country; with none
    /// allowed, no recipient is) or off (every country).
    function setCountryRestriction(bool restricted) external;

    /// @notice Adds `country` to, or removes it from, the recipients' allow-list.
    function setCountryAllowed(uint16 country, bool allowed) external;

    /// @notice Maximum balance of one entity across all its wallets (0 = no limit; at most 2^112 - 1).
    function setMaxEntityBalance(uint256 maxBalance) external;

    /// @notice Maximum number of holder entities (0 = no limit; at most 2^24 - 1).
    function setMaxHolders(uint32 maxHolders) external;

    // ---- views ----

    /// @notice The bespoke rule contract consulted last, or zero.
    function complianceHook() external view returns (IComplianceHook);
    /// @notice Attribute flags every recipient must have.
    function requiredAttributes() external view returns (uint32);
    /// @notice Whether the country rule is on.
    function countryRestricted() external view returns (bool);
    /// @notice Whether `country` is on the allow-list.
    function isCountryAllowed(uint16 country) external view returns (bool);
    /// @notice Number of countries on the allow-list.
    function allowedCountryCount() external view returns (uint16);
    /// @notice Maximum balance of one entity (0 = no limit).
    function maxEntityBalance() external view returns (uint256);
    /// @notice Maximum number of holder entities (0 = no limit).
    function maxHolders() external view returns (uint32);
    /// @notice The running lock-up of `wallet` (zero once released).
    function lockupOf(address wallet) external view returns (uint256 amount, uint64 releaseTime);
    /// @notice What `wallet` can transfer now: its balance less frozen tokens and less locked tokens.
    function freeBalanceOf(address wallet) external view returns (uint256);
    /// @notice Number of entities holding a non-zero balance (an entity's wallets count once).
    function holderCount() external view returns (uint256);
    /// @notice Balance of `entityId` across all its wallets.
    function entityBalance(bytes32 entityId) external view returns (uint256);
    /// @notice The contract this implementation runs its cold operations in (by delegatecall).
    function extension() external view returns (address);
    /// @notice The most base units that can ever be in circulation (balances are 120-bit).
    function maxSupply() external pure returns (uint256);
}

// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC1404} from "./IERC1404.sol";
import {IERC1643} from "./IERC1643.sol";
import {IComplianceHook} from "./IComplianceHook.sol";
import {IIdentityRegistry} from "./IIdentityRegistry.sol";

/**
 * @title ISecurityToken
 * @notice A permissioned (ERC-3643 class) ERC-20: only verified participants hold it, agents may
 * freeze, force transfers and recover wallets, and every transfer passes the compliance rules
 * whose ERC-1404 codes are the `RESTRICTION_*` constants of `SecurityToken`.
 */
interface ISecurityToken is IERC20, IERC1404, IERC1643 {
    /// @notice The first holders of the operational roles, named at initialisation.
    struct Operators {
        address[] agents;
        address[] complianceOfficers;
        address[] guardians;
    }

    event IdentityRegistrySet(address indexed registry);
    event ComplianceHookSet(address indexed hook);
    event RequiredAttributesSet(uint32 attributes);
    event CountryAllowed(uint16 indexed country, bool allowed);
    event MaxEntityBalanceSet(uint256 maxBalance);
    event MaxHoldersSet(uint32 maxHolders);
    event AddressFrozen(address indexed wallet, bool indexed frozen, address indexed agent);
    event TokensFrozen(address indexed wallet, uint256 amount);
    event TokensUnfrozen(address indexed wallet, uint256 amount);
    event TokensLocked(address indexed wallet, uint256 amount, uint64 releaseTime);
    event ForcedTransfer(address indexed from, address indexed to, uint256 amount, address indexed agent);
    event RecoverySuccess(address indexed lostWallet, address indexed newWallet, bytes32 indexed entityId);
    event Paused(address account);
    event Unpaused(address account);

    /// @notice A transfer or mint broke a rule; `code` is its ERC-1404 restriction code.
    error TransferRestricted(uint8 code);
    error ZeroAddress();
    error ArrayLengthMismatch();
    error EmptyBatch();
    error EnforcedPause();
    error ExpectedPause();
    error FreezeExceedsFreeBalance(address wallet, uint256 amount, uint256 freeBalance);
    error UnfreezeExceedsFrozen(address wallet, uint256 amount, uint256 frozen);
    error ReleaseTimeInPast(uint64 releaseTime);
    error RecoveryEntityMismatch(address lostWallet, address newWallet);
    error RecoveryWalletNotEmpty(address newWallet);
    error NothingToRecover(address lostWallet);
    error ForcedTransferToSelf(address wallet);
    error EmptyDocumentName();
    error DocumentNotFound(bytes32 name);

    // ---- agent operations ----

    /// @notice Issues `amount` to `to`; the recipient must pass every rule.
    function mint(address to, uint256 amount) external;

    /// @notice Issues `amount` to `to`, not transferable before `releaseTime`.
    function mintLocked(address to, uint256 amount, uint64 releaseTime) external;

    /// @notice Redeems `amount` from `from`: free tokens first, then locked, then frozen ones.
    function burn(address from, uint256 amount) external;

    /// @notice Moves `amount` from `from` to `to` regardless of freezes, lock-ups and the compliance
    /// rules (court orders, corporate actions, as in ERC-3643); `to` must still be verified. Takes
    /// free tokens first, then locked, then frozen ones.
    function forcedTransfer(address from, address to, uint256 amount) external;

    /// @notice Freezes or unfreezes every token of `wallet`.
    function setAddressFrozen(address wallet, bool frozen) external;

    /// @notice Freezes `amount` of `wallet`'s tokens.
    function freezePartialTokens(address wallet, uint256 amount) external;

    /// @notice Unfreezes `amount` of `wallet`'s frozen tokens.
    function unfreezePartialTokens(address wallet, uint256 amount) external;

    /// @notice Moves everything `lostWallet` holds (balance, frozen amount, lock-up, frozen flag) to
    /// `newWallet`, a verified wallet of the same entity.
    function recoveryAddress(address lostWallet, address newWallet) external;

    /// @notice `mint` for several recipients; all or none.
    function batchMint(address[] calldata to, uint256[] calldata amounts) external;

    /// @notice `burn` for several wallets; all or none.
    function batchBurn(address[] calldata from, uint256[] calldata amounts) external;

    /// @notice `forcedTransfer` for several pairs; all or none.
    function batchForcedTransfer(address[] calldata from, address[] calldata to, uint256[] calldata amounts) external;

    /// @notice `setAddressFrozen` for several wallets; all or none.
    function batchSetAddressFrozen(address[] calldata wallets, bool[] calldata frozen) external;

    /// @notice `freezePartialTokens` for several wallets; all or none.
    function batchFreezePartialTokens(address[] calldata wallets, uint256[] calldata amounts) external;

    /// @notice `unfreezePartialTokens` for several wallets; all or none.
    function batchUnfreezePartialTokens(address[] calldata wallets, uint256[] calldata amounts) external;

    // ---- holders ----

    /// @notice Transfers to several recipients from the caller; all or none.
    function batchTransfer(address[] calldata to, uint256[] calldata amounts) external;

    // ---- compliance settings ----

    /// @notice Attribute flags every recipient must have (0 = none).
    function setRequiredAttributes(uint32 attributes) external;

    /// @notice Adds `country` to, or removes it from, the recipients' allow-list (empty list = all).
    function setCountryAllowed(uint16 country, bool allowed) external;

    /// @notice Maximum balance of one entity across all its wallets (0 = no limit).
    function setMaxEntityBalance(uint256 maxBalance) external;

    /// @notice Maximum number of holder entities (0 = no limit).
    function setMaxHolders(uint32 maxHolders) external;

    /// @notice Bespoke rule contract consulted last (zero = none).
    function setComplianceHook(IComplianceHook hook) external;

    /// @notice Stops every token movement at once (guardian).
    function pause() external;

    /// @notice Resumes token movements (admin: governance).
    function unpause() external;

    // ---- views ----

    /// @notice The participant registry that verifies holders.
    function identityRegistry() external view returns (IIdentityRegistry);
    /// @notice The bespoke rule contract, or zero.
    function complianceHook() external view returns (IComplianceHook);
    /// @notice Attribute flags every recipient must have.
    function requiredAttributes() external view returns (uint32);
    /// @notice Whether `country` is on the allow-list.
    function isCountryAllowed(uint16 country) external view returns (bool);
    /// @notice Number of countries on the allow-list (0 = every country allowed).
    function allowedCountryCount() external view returns (uint16);
    /// @notice Maximum balance of one entity (0 = no limit).
    function maxEntityBalance() external view returns (uint256);
    /// @notice Maximum number of holder entities (0 = no limit).
    function maxHolders() external view returns (uint32);
    /// @notice Whether every token movement is stopped.
    function paused() external view returns (bool);
    /// @notice Whether every token of `wallet` is frozen.
    function isFrozen(address wallet) external view returns (bool);
    /// @notice How many of `wallet`'s tokens are partially frozen.
    function getFrozenTokens(address wallet) external view returns (uint256);
    /// @notice The running lock-up of `wallet` (zero once released).
    function lockupOf(address wallet) external view returns (uint256 amount, uint64 releaseTime);
    /// @notice What `wallet` can transfer now: balance less frozen and locked tokens.
    function freeBalanceOf(address wallet) external view returns (uint256);
    /// @notice Number of entities holding a non-zero balance (an entity's wallets count once).
    function holderCount() external view returns (uint256);
    /// @notice Balance of `entityId` across all its wallets.
    function entityBalance(bytes32 entityId) external view returns (uint256);
}

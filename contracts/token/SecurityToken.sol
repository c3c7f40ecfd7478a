// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IComplianceHook} from "../interfaces/IComplianceHook.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {IERC1404} from "../interfaces/IERC1404.sol";
import {IERC1643} from "../interfaces/IERC1643.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";
import {TransferRestrictions} from "./TransferRestrictions.sol";

/**
 * @title SecurityToken
 * @notice Permissioned ERC-20 (ERC-3643 class) for securities and, with no extra rules, for the
 * consortium's cash token. Only wallets verified in the `IdentityRegistry` hold it. Every mint and
 * transfer passes the rules of `TransferRestrictions` in order; a transfer that breaks one reverts
 * with `TransferRestricted(code)`, and `detectTransferRestriction` tells the code beforehand
 * (ERC-1404). Transfer agents mint, burn, freeze, force transfers and recover lost wallets;
 * compliance officers set the rules; a guardian pauses; the admin (the governance timelock)
 * unpauses, manages roles and upgrades.
 * @dev Balances are also kept per legal entity (`entityBalance`) so that per-entity limits and the
 * holder count see an investor's wallets as one holder; the registry binds a wallet to its entity
 * for good, so a wallet's balance always counts for the same entity. Every operation is O(1) in the number of
 * holders. Storage is packed so that a transfer reads one config slot, one slot per party here and
 * one slot per party in the registry.
 */
contract SecurityToken is Initializable, ERC20Upgradeable, AccessControlUpgradeable, UUPSUpgradeable, ISecurityToken {
    using SafeCast for uint256;

    /// @notice Mints, burns, freezes, forces transfers, recovers wallets and maintains documents.
    bytes32 public constant AGENT_ROLE = keccak256("AGENT_ROLE");
    /// @notice Sets the compliance rules.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice Pauses at once in an emergency; only the admin unpauses.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    // Flags in `activeRules`: which optional rules are on, so a transfer with only the basic rules
    // does not pay to read their settings.
    uint8 private constant RULE_MAX_ENTITY_BALANCE = 1 << 0;
    uint8 private constant RULE_MAX_HOLDERS = 1 << 1;
    uint8 private constant RULE_HOOK = 1 << 2;

    /// @dev Per-wallet compliance state, one slot.
    struct Holder {
        bool frozen;
        uint64 lockReleaseTime; // tokens in `lockedAmount` move only from this time on
        uint112 frozenAmount;
    }

    struct Document {
        string uri;
        bytes32 documentHash;
        uint256 lastModified;
    }

    /// @custom:storage-location erc7201:consortium.storage.SecurityToken
    struct SecurityTokenStorage {
        // slot 0, read by every transfer
        IIdentityRegistry identityRegistry;
        bool paused;
        uint8 decimals;
        uint8 activeRules;
        uint32 requiredAttributes;
        uint16 allowedCountryCount;
        // slot 1
        IComplianceHook complianceHook;
        uint32 maxHolders;
        uint32 holderCount;
        // slot 2
        uint256 maxEntityBalance;
        mapping(address wallet => Holder) holders;
        mapping(address wallet => uint256) lockedAmount;
        mapping(uint64 entityIndex => uint256) entityBalance;
        mapping(uint16 country => bool) countryAllowed;
        mapping(bytes32 name => Document) documents;
        bytes32[] documentNames;
        mapping(bytes32 name => uint256) documentPosition; // index in documentNames + 1
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.SecurityToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xa2eea014dad08032a8b6918fb512aaf2f09735782651366c45a5e10af7101c00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets up the token behind its proxy. The deployer gets no role: the admin and the
     * first operators are named here.
     * @param name_ ERC-20 name.
     * @param symbol_ ERC-20 symbol.
     * @param decimals_ ERC-20 decimals (0 for shares).
     * @param registry The participant registry that verifies holders.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and upgrade rights (the governance timelock).
     * @param operators The first transfer agents, compliance officers and guardians.
     */
    function initialize(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        IIdentityRegistry registry,
        address admin,
        Operators memory operators
    ) public initializer {
        if (address(registry) == address(0) || admin == address(0)) revert ZeroAddress();
        __ERC20_init(name_, symbol_);
        __AccessControl_init();
        SecurityTokenStorage storage $ = _storage();
        $.identityRegistry = registry;
        $.decimals = decimals_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantAll(AGENT_ROLE, operators.agents);
        _grantAll(COMPLIANCE_ROLE, operators.complianceOfficers);
        _grantAll(GUARDIAN_ROLE, operators.guardians);
        emit IdentityRegistrySet(address(registry));
    }

    // ------------------------------------------------------------------ agent operations

    /// @inheritdoc ISecurityToken
    function mint(address to, uint256 amount) external onlyRole(AGENT_ROLE) {
        _mint(to, amount);
    }

    /// @inheritdoc ISecurityToken
    function mintLocked(address to, uint256 amount, uint64 releaseTime) external onlyRole(AGENT_ROLE) {
        if (releaseTime <= block.timestamp) revert ReleaseTimeInPast(releaseTime);
        _mint(to, amount);
        SecurityTokenStorage storage $ = _storage();
        Holder storage holder = $.holders[to];
        // One lock-up per wallet: a new lock adds to a running one and keeps the later release time.
        uint256 locked = amount;
        if (holder.lockReleaseTime > block.timestamp) {
            locked += $.lockedAmount[to];
            if (holder.lockReleaseTime > releaseTime) releaseTime = holder.lockReleaseTime;
        }
        $.lockedAmount[to] = locked;
        holder.lockReleaseTime = releaseTime;
        emit TokensLocked(to, locked, releaseTime);
    }

    /// @inheritdoc ISecurityToken
    function burn(address from, uint256 amount) external onlyRole(AGENT_ROLE) {
        _forcedBurn(from, amount);
    }

    /// @inheritdoc ISecurityToken
    function forcedTransfer(address from, address to, uint256 amount) external onlyRole(AGENT_ROLE) {
        _forcedTransfer(from, to, amount);
    }

    /// @inheritdoc ISecurityToken
    function setAddressFrozen(address wallet, bool frozen) external onlyRole(AGENT_ROLE) {
        _setAddressFrozen(wallet, frozen);
    }

    /// @inheritdoc ISecurityToken
    function freezePartialTokens(address wallet, uint256 amount) external onlyRole(AGENT_ROLE) {
        _freezePartialTokens(wallet, amount);
    }

    /// @inheritdoc ISecurityToken
    function unfreezePartialTokens(address wallet, uint256 amount) external onlyRole(AGENT_ROLE) {
        _unfreezePartialTokens(wallet, amount);
    }

    /// @inheritdoc ISecurityToken
    function recoveryAddress(address lostWallet, address newWallet) external onlyRole(AGENT_ROLE) {
        _requireNotPaused();
        if (lostWallet == address(0) || newWallet == address(0)) revert ZeroAddress();
        SecurityTokenStorage storage $ = _storage();
        uint256 balance = balanceOf(lostWallet);
        if (balance == 0) revert NothingToRecover(lostWallet);
        Holder memory lost = $.holders[lostWallet];
        Holder memory target = $.holders[newWallet];
        if (balanceOf(newWallet) != 0 || target.frozen || target.frozenAmount != 0) {
            revert RecoveryWalletNotEmpty(newWallet);
        }
        (IIdentityRegistry.Participant memory old, IIdentityRegistry.Participant memory next) = $
            .identityRegistry
            .participantsOf(lostWallet, newWallet);
        if (next.expiry <= block.timestamp) revert TransferRestricted(TransferRestrictions.RECIPIENT_NOT_VERIFIED);
        if (next.entityIndex != old.entityIndex) revert RecoveryEntityMismatch(lostWallet, newWallet);

        // Same entity: entity balances and the holder count do not change.
        ERC20Upgradeable._update(lostWallet, newWallet, balance);
        $.holders[newWallet] = lost;
        $.lockedAmount[newWallet] = $.lockedAmount[lostWallet];
        delete $.holders[lostWallet];
        delete $.lockedAmount[lostWallet];
        emit RecoverySuccess(lostWallet, newWallet, $.identityRegistry.entityIdAt(old.entityIndex));
    }

    /// @inheritdoc ISecurityToken
    function batchMint(address[] calldata to, uint256[] calldata amounts) external onlyRole(AGENT_ROLE) {
        _checkBatch(to.length, amounts.length);
        for (uint256 i = 0; i < to.length; ++i) {
            _mint(to[i], amounts[i]);
        }
    }

    /// @inheritdoc ISecurityToken
    function batchBurn(address[] calldata from, uint256[] calldata amounts) external onlyRole(AGENT_ROLE) {
        _checkBatch(from.length, amounts.length);
        for (uint256 i = 0; i < from.length; ++i) {
            _forcedBurn(from[i], amounts[i]);
        }
    }

    /// @inheritdoc ISecurityToken
    function batchForcedTransfer(
        address[] calldata from,
        address[] calldata to,
        uint256[] calldata amounts
    ) external onlyRole(AGENT_ROLE) {
        _checkBatch(from.length, amounts.length);
        if (to.length != amounts.length) revert ArrayLengthMismatch();
        for (uint256 i = 0; i < from.length; ++i) {
            _forcedTransfer(from[i], to[i], amounts[i]);
        }
    }

    /// @inheritdoc ISecurityToken
    function batchSetAddressFrozen(address[] calldata wallets, bool[] calldata frozen) external onlyRole(AGENT_ROLE) {
        _checkBatch(wallets.length, frozen.length);
        for (uint256 i = 0; i < wallets.length; ++i) {
            _setAddressFrozen(wallets[i], frozen[i]);
        }
    }

    /// @inheritdoc ISecurityToken
    function batchFreezePartialTokens(
        address[] calldata wallets,
        uint256[] calldata amounts
    ) external onlyRole(AGENT_ROLE) {
        _checkBatch(wallets.length, amounts.length);
        for (uint256 i = 0; i < wallets.length; ++i) {
            _freezePartialTokens(wallets[i], amounts[i]);
        }
    }

    /// @inheritdoc ISecurityToken
    function batchUnfreezePartialTokens(
        address[] calldata wallets,
        uint256[] calldata amounts
    ) external onlyRole(AGENT_ROLE) {
        _checkBatch(wallets.length, amounts.length);
        for (uint256 i = 0; i < wallets.length; ++i) {
            _unfreezePartialTokens(wallets[i], amounts[i]);
        }
    }

    // ------------------------------------------------------------------ holders

    /// @inheritdoc ISecurityToken
    function batchTransfer(address[] calldata to, uint256[] calldata amounts) external {
        _checkBatch(to.length, amounts.length);
        for (uint256 i = 0; i < to.length; ++i) {
            _transfer(msg.sender, to[i], amounts[i]);
        }
    }

    // ------------------------------------------------------------------ compliance settings

    /// @inheritdoc ISecurityToken
    function setRequiredAttributes(uint32 attributes) external onlyRole(COMPLIANCE_ROLE) {
        _storage().requiredAttributes = attributes;
        emit RequiredAttributesSet(attributes);
    }

    /// @inheritdoc ISecurityToken
    function setCountryAllowed(uint16 country, bool allowed) external onlyRole(COMPLIANCE_ROLE) {
        SecurityTokenStorage storage $ = _storage();
        if ($.countryAllowed[country] == allowed) return;
        $.countryAllowed[country] = allowed;
        if (allowed) ++$.allowedCountryCount;
        else --$.allowedCountryCount;
        emit CountryAllowed(country, allowed);
    }

    /// @inheritdoc ISecurityToken
    function setMaxEntityBalance(uint256 maxBalance) external onlyRole(COMPLIANCE_ROLE) {
        SecurityTokenStorage storage $ = _storage();
        $.maxEntityBalance = maxBalance;
        _setRule(RULE_MAX_ENTITY_BALANCE, maxBalance != 0);
        emit MaxEntityBalanceSet(maxBalance);
    }

    /// @inheritdoc ISecurityToken
    function setMaxHolders(uint32 maxHolders_) external onlyRole(COMPLIANCE_ROLE) {
        _storage().maxHolders = maxHolders_;
        _setRule(RULE_MAX_HOLDERS, maxHolders_ != 0);
        emit MaxHoldersSet(maxHolders_);
    }

    /// @inheritdoc ISecurityToken
    function setComplianceHook(IComplianceHook hook) external onlyRole(COMPLIANCE_ROLE) {
        _storage().complianceHook = hook;
        _setRule(RULE_HOOK, address(hook) != address(0));
        emit ComplianceHookSet(address(hook));
    }

    /// @inheritdoc ISecurityToken
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _requireNotPaused();
        _storage().paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc ISecurityToken
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_storage().paused) revert ExpectedPause();
        _storage().paused = false;
        emit Unpaused(msg.sender);
    }

    // ------------------------------------------------------------------ ERC-1643 documents

    /// @inheritdoc IERC1643
    function setDocument(bytes32 name, string calldata uri, bytes32 documentHash) external onlyRole(AGENT_ROLE) {
        if (name == bytes32(0)) revert EmptyDocumentName();
        SecurityTokenStorage storage $ = _storage();
        if ($.documentPosition[name] == 0) {
            $.documentNames.push(name);
            $.documentPosition[name] = $.documentNames.length;
        }
        $.documents[name] = Document(uri, documentHash, block.timestamp);
        emit DocumentUpdated(name, uri, documentHash);
    }

    /// @inheritdoc IERC1643
    function removeDocument(bytes32 name) external onlyRole(AGENT_ROLE) {
        SecurityTokenStorage storage $ = _storage();
        uint256 position = $.documentPosition[name];
        if (position == 0) revert DocumentNotFound(name);
        // Swap with the last name and pop, so removal costs the same however many documents exist.
        bytes32 last = $.documentNames[$.documentNames.length - 1];
        $.documentNames[position - 1] = last;
        $.documentPosition[last] = position;
        $.documentNames.pop();
        delete $.documentPosition[name];
        Document memory removed = $.documents[name];
        delete $.documents[name];
        emit DocumentRemoved(name, removed.uri, removed.documentHash);
    }

    /// @inheritdoc IERC1643
    function getDocument(bytes32 name) external view returns (string memory, bytes32, uint256) {
        SecurityTokenStorage storage $ = _storage();
        if ($.documentPosition[name] == 0) revert DocumentNotFound(name);
        Document storage document = $.documents[name];
        return (document.uri, document.documentHash, document.lastModified);
    }

    /// @inheritdoc IERC1643
    function getAllDocuments() external view returns (bytes32[] memory) {
        return _storage().documentNames;
    }

    // ------------------------------------------------------------------ ERC-1404

    /// @inheritdoc IERC1404
    function detectTransferRestriction(address from, address to, uint256 value) external view returns (uint8 code) {
        (code, , ) = _evaluate(from, to, value);
    }

    /// @inheritdoc IERC1404
    function messageForTransferRestriction(uint8 restrictionCode) external pure returns (string memory) {
        return TransferRestrictions.message(restrictionCode);
    }

    // ------------------------------------------------------------------ views

    /// @notice ERC-20 decimals, as configured at initialisation (0 for shares).
    function decimals() public view override returns (uint8) {
        return _storage().decimals;
    }

    /// @inheritdoc ISecurityToken
    function identityRegistry() external view returns (IIdentityRegistry) {
        return _storage().identityRegistry;
    }

    /// @inheritdoc ISecurityToken
    function complianceHook() external view returns (IComplianceHook) {
        return _storage().complianceHook;
    }

    /// @inheritdoc ISecurityToken
    function requiredAttributes() external view returns (uint32) {
        return _storage().requiredAttributes;
    }

    /// @inheritdoc ISecurityToken
    function isCountryAllowed(uint16 country) external view returns (bool) {
        return _storage().countryAllowed[country];
    }

    /// @inheritdoc ISecurityToken
    function allowedCountryCount() external view returns (uint16) {
        return _storage().allowedCountryCount;
    }

    /// @inheritdoc ISecurityToken
    function maxEntityBalance() external view returns (uint256) {
        return _storage().maxEntityBalance;
    }

    /// @inheritdoc ISecurityToken
    function maxHolders() external view returns (uint32) {
        return _storage().maxHolders;
    }

    /// @inheritdoc ISecurityToken
    function paused() external view returns (bool) {
        return _storage().paused;
    }

    /// @inheritdoc ISecurityToken
    function isFrozen(address wallet) external view returns (bool) {
        return _storage().holders[wallet].frozen;
    }

    /// @inheritdoc ISecurityToken
    function getFrozenTokens(address wallet) external view returns (uint256) {
        return _storage().holders[wallet].frozenAmount;
    }

    /// @inheritdoc ISecurityToken
    function lockupOf(address wallet) external view returns (uint256 amount, uint64 releaseTime) {
        SecurityTokenStorage storage $ = _storage();
        releaseTime = $.holders[wallet].lockReleaseTime;
        if (releaseTime > block.timestamp) amount = $.lockedAmount[wallet];
        else releaseTime = 0;
    }

    /// @inheritdoc ISecurityToken
    function freeBalanceOf(address wallet) external view returns (uint256) {
        SecurityTokenStorage storage $ = _storage();
        Holder memory holder = $.holders[wallet];
        if (holder.frozen) return 0;
        uint256 held = holder.frozenAmount;
        if (holder.lockReleaseTime > block.timestamp) held += $.lockedAmount[wallet];
        return _saturatingSub(balanceOf(wallet), held);
    }

    /// @inheritdoc ISecurityToken
    function holderCount() external view returns (uint256) {
        return _storage().holderCount;
    }

    /// @inheritdoc ISecurityToken
    function entityBalance(bytes32 entityId) external view returns (uint256) {
        SecurityTokenStorage storage $ = _storage();
        uint64 index = $.identityRegistry.entityIndexOf(entityId);
        return index == 0 ? 0 : $.entityBalance[index];
    }

    // ------------------------------------------------------------------ internals

    /// @dev Every mint and transfer: the rules first, then balances and entity accounting.
    function _update(address from, address to, uint256 value) internal override {
        (uint8 code, uint64 fromEntity, uint64 toEntity) = _evaluate(from, to, value);
        if (code != TransferRestrictions.NONE) revert TransferRestricted(code);
        _settle(from, to, value, fromEntity, toEntity);
    }

    /**
     * @dev The rules, in the order of `TransferRestrictions`. Returns the first broken rule's code
     * and the entities the value moves between. `from` is zero on a mint.
     */
    function _evaluate(
        address from,
        address to,
        uint256 value
    ) private view returns (uint8 code, uint64 fromEntity, uint64 toEntity) {
        SecurityTokenStorage storage $ = _storage();
        if ($.paused) return (TransferRestrictions.PAUSED, 0, 0);
        Holder memory sender = $.holders[from];
        Holder memory recipient = $.holders[to];
        if (sender.frozen || recipient.frozen) return (TransferRestrictions.WALLET_FROZEN, 0, 0);
        bool isMint = from == address(0);
        uint256 senderBalance = balanceOf(from);
        if (!isMint && value > _saturatingSub(senderBalance, sender.frozenAmount)) {
            return (TransferRestrictions.INSUFFICIENT_UNFROZEN_BALANCE, 0, 0);
        }

        (IIdentityRegistry.Participant memory s, IIdentityRegistry.Participant memory r) = $
            .identityRegistry
            .participantsOf(from, to);
        if (!isMint && s.expiry <= block.timestamp) return (TransferRestrictions.SENDER_NOT_VERIFIED, 0, 0);
        if (r.expiry <= block.timestamp) return (TransferRestrictions.RECIPIENT_NOT_VERIFIED, 0, 0);
        if (r.attributes & $.requiredAttributes != $.requiredAttributes) {
            return (TransferRestrictions.RECIPIENT_MISSING_ATTRIBUTES, 0, 0);
        }
        if ($.allowedCountryCount != 0 && !$.countryAllowed[r.country]) {
            return (TransferRestrictions.COUNTRY_NOT_ALLOWED, 0, 0);
        }

        fromEntity = s.entityIndex;
        toEntity = r.entityIndex;
        code = _entityRules($, from, value, fromEntity, toEntity);
        if (code != TransferRestrictions.NONE) return (code, 0, 0);

        if (!isMint && sender.lockReleaseTime > block.timestamp) {
            uint256 held = uint256(sender.frozenAmount) + $.lockedAmount[from];
            if (value > _saturatingSub(senderBalance, held)) return (TransferRestrictions.TOKENS_LOCKED, 0, 0);
        }
        if ($.activeRules & RULE_HOOK != 0 && !$.complianceHook.canTransfer(from, to, value)) {
            return (TransferRestrictions.COMPLIANCE_HOOK_REJECTED, 0, 0);
        }
    }

    /// @dev Per-entity maximum balance and maximum number of holder entities.
    function _entityRules(
        SecurityTokenStorage storage $,
        address from,
        uint256 value,
        uint64 fromEntity,
        uint64 toEntity
    ) private view returns (uint8) {
        uint8 rules = $.activeRules;
        if (rules == 0 || (from != address(0) && fromEntity == toEntity)) return TransferRestrictions.NONE;
        uint256 recipientEntityBalance = $.entityBalance[toEntity];
        if (rules & RULE_MAX_ENTITY_BALANCE != 0 && recipientEntityBalance + value > $.maxEntityBalance) {
            return TransferRestrictions.ENTITY_BALANCE_LIMIT;
        }
        if (rules & RULE_MAX_HOLDERS != 0 && value != 0 && recipientEntityBalance == 0) {
            uint256 holders = uint256($.holderCount) + 1;
            // The sender's entity stops being a holder if it sends everything it has.
            if (from != address(0) && $.entityBalance[fromEntity] == value) --holders;
            if (holders > $.maxHolders) return TransferRestrictions.HOLDER_LIMIT;
        }
        return TransferRestrictions.NONE;
    }

    /// @dev Moves the balance and keeps entity balances and the holder count in step.
    function _settle(address from, address to, uint256 value, uint64 fromEntity, uint64 toEntity) private {
        ERC20Upgradeable._update(from, to, value);
        SecurityTokenStorage storage $ = _storage();
        if (value == 0 || (from != address(0) && to != address(0) && fromEntity == toEntity)) return;
        if (from != address(0)) {
            uint256 remaining = $.entityBalance[fromEntity] - value;
            $.entityBalance[fromEntity] = remaining;
            if (remaining == 0) --$.holderCount;
        }
        if (to != address(0)) {
            uint256 previous = $.entityBalance[toEntity];
            $.entityBalance[toEntity] = previous + value;
            if (previous == 0) ++$.holderCount;
        }
    }

    function _forcedTransfer(address from, address to, uint256 amount) private {
        _requireNotPaused();
        if (from == address(0) || to == address(0)) revert ZeroAddress();
        // A forced move to itself would only release frozen and locked tokens, off the record.
        if (from == to) revert ForcedTransferToSelf(from);
        SecurityTokenStorage storage $ = _storage();
        (IIdentityRegistry.Participant memory s, IIdentityRegistry.Participant memory r) = $
            .identityRegistry
            .participantsOf(from, to);
        if (r.expiry <= block.timestamp) revert TransferRestricted(TransferRestrictions.RECIPIENT_NOT_VERIFIED);
        _releaseHeldTokens(from, amount);
        _settle(from, to, amount, s.entityIndex, r.entityIndex);
        emit ForcedTransfer(from, to, amount, msg.sender);
    }

    function _forcedBurn(address from, uint256 amount) private {
        _requireNotPaused();
        if (from == address(0)) revert ZeroAddress();
        _releaseHeldTokens(from, amount);
        (IIdentityRegistry.Participant memory s, ) = _storage().identityRegistry.participantsOf(from, address(0));
        _settle(from, address(0), amount, s.entityIndex, 0);
    }

    /**
     * @dev Before a forced move of `amount` out of `wallet`: the move takes free tokens first, then
     * locked ones, then frozen ones, so the lock-up and the frozen amount shrink just as much as
     * the free balance lacks. (An amount above the balance reverts later, in the ERC-20 update.)
     */
    function _releaseHeldTokens(address wallet, uint256 amount) private {
        SecurityTokenStorage storage $ = _storage();
        Holder storage holder = $.holders[wallet];
        uint256 balance = balanceOf(wallet);
        uint256 frozen = holder.frozenAmount;
        uint256 unfrozen = _saturatingSub(balance, frozen);
        if (amount > unfrozen && frozen != 0) {
            uint256 release = amount - unfrozen;
            if (release > frozen) release = frozen;
            frozen -= release;
            holder.frozenAmount = uint112(frozen);
            emit TokensUnfrozen(wallet, release);
        }
        if (holder.lockReleaseTime > block.timestamp) {
            uint256 lockable = _saturatingSub(_saturatingSub(balance, amount), frozen);
            if ($.lockedAmount[wallet] > lockable) {
                $.lockedAmount[wallet] = lockable;
                emit TokensLocked(wallet, lockable, holder.lockReleaseTime);
            }
        }
    }

    function _setAddressFrozen(address wallet, bool frozen) private {
        if (wallet == address(0)) revert ZeroAddress();
        _storage().holders[wallet].frozen = frozen;
        emit AddressFrozen(wallet, frozen, msg.sender);
    }

    function _freezePartialTokens(address wallet, uint256 amount) private {
        if (wallet == address(0)) revert ZeroAddress();
        Holder storage holder = _storage().holders[wallet];
        uint256 free = _saturatingSub(balanceOf(wallet), holder.frozenAmount);
        if (amount > free) revert FreezeExceedsFreeBalance(wallet, amount, free);
        holder.frozenAmount = (holder.frozenAmount + amount).toUint112();
        emit TokensFrozen(wallet, amount);
    }

    function _unfreezePartialTokens(address wallet, uint256 amount) private {
        if (wallet == address(0)) revert ZeroAddress();
        Holder storage holder = _storage().holders[wallet];
        uint256 frozen = holder.frozenAmount;
        if (amount > frozen) revert UnfreezeExceedsFrozen(wallet, amount, frozen);
        holder.frozenAmount = uint112(frozen - amount);
        emit TokensUnfrozen(wallet, amount);
    }

    function _grantAll(bytes32 role, address[] memory accounts) private {
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (accounts[i] == address(0)) revert ZeroAddress();
            _grantRole(role, accounts[i]);
        }
    }

    function _setRule(uint8 rule, bool on) private {
        SecurityTokenStorage storage $ = _storage();
        $.activeRules = on ? $.activeRules | rule : $.activeRules & ~rule;
    }

    function _requireNotPaused() private view {
        if (_storage().paused) revert EnforcedPause();
    }

    function _checkBatch(uint256 length, uint256 otherLength) private pure {
        if (length == 0) revert EmptyBatch();
        if (length != otherLength) revert ArrayLengthMismatch();
    }

    function _saturatingSub(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a - b : 0;
    }

    /// @dev Upgrades are governance decisions: only the admin (the timelock) may upgrade.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _storage() private pure returns (SecurityTokenStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}

// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {IParticipantCache} from "../interfaces/IParticipantCache.sol";

/**
 * @title IdentityRegistry
 * @notice The consortium's participant (KYC) registry. Registrars appointed by the consortium bind
 * wallets to legal entities with a country, a KYC expiry and attribute flags. Tokens and the
 * invoice registry ask it whether a wallet may hold or receive assets.
 * @dev UUPS proxy; upgrades and role administration belong to `DEFAULT_ADMIN_ROLE` (the governance
 * timelock). Every operation is O(1) in the number of wallets, entities and holders.
 *
 * Bound tokens cache participant records next to their balances, so a transfer does not call the
 * registry. A wallet's record carries a bitmap of the tokens that cached it; every change to the
 * record is pushed to exactly those tokens, so a KYC update, removal or second wallet costs one
 * call per token holding the wallet's record (at most `MAX_BOUND_TOKENS`), never one per holder.
 */
contract IdentityRegistry is IIdentityRegistry, Initializable, AccessControlUpgradeable, UUPSUpgradeable {

    /// @notice Registers, updates and removes participants (KYC providers).
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice Binds tokens so that they may cache participant records (governance, asset registry).
    bytes32 public constant TOKEN_BINDER_ROLE = keccak256("TOKEN_BINDER_ROLE");
    /// @notice How many tokens can ever be bound: one bit each in a wallet's record.
    uint256 public constant MAX_BOUND_TOKENS = 120;

    /// @dev `Record.flags`: the wallet's entity has (had) more than one wallet.
    uint8 private constant MULTI_WALLET = 1 << 3;
    /// @notice The most entities the registry numbers (entity numbers are 24-bit in records).
    uint256 public constant MAX_ENTITIES = type(uint24).max;
    /// @dev The bits of a record word that tokens cache (all but `cachedBy`).
    uint256 private constant CACHED_FIELDS = ~uint256(type(uint120).max);

    /**
     * @dev A wallet's record, one slot. Its bits are laid out as a token's account word
     * (`TokenAccount`), with the token bitmap where the token keeps the balance, so a token caches
     * a record by masking the word (see `IIdentityRegistry.cacheParticipant`).
     */
    struct Record {
        uint120 cachedBy; // bit i: bound token i holds a copy of this record
        uint32 expiry;
        uint16 country;
        uint32 attributes;
        uint8 flags;
        uint8 reserved; // where a token keeps its registry epoch
        uint24 entityIndex;
    }

    /// @dev The wallets ever bound to an entity: how many, and the first (one slot).
    struct BoundWallets {
        address first;
        uint96 count;
    }

    /// @custom:storage-location erc7201:consortium.storage.IdentityRegistry
    struct IdentityRegistryStorage {
        mapping(address wallet => Record) records;
        mapping(bytes32 entityId => uint64) entityIndex;
        mapping(uint64 entityIndex => bytes32) entityIdAt;
        mapping(bytes32 entityId => uint256) walletCount;
        uint64 entityCount;
        // Wallets ever bound to an entity (a removed wallet stays bound) and the first of them.
        mapping(uint64 entityIndex => BoundWallets) boundWallets;
        mapping(uint64 entityIndex => address) entityIdentity;
        // Bound tokens: index + 1 (0 = not bound), and the token at each index (zero once unbound).
        mapping(address token => uint256) tokenPosition;
        address[] tokenAt;
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.IdentityRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x8c0ddbb36cc4f320044172f561ac72b59c4226caf11312ec6714fb2ceab13800;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets up the registry behind its proxy. The deployer gets no role: the admin and the
     * first registrars are named here.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and upgrade rights (the governance timelock).
     * @param registrars The first holders of `REGISTRAR_ROLE`.
     */
    /// @param tokenBinders The first holders of `TOKEN_BINDER_ROLE` (a deployment binds its tokens,
    /// then renounces the role).
    function initialize(
        address admin,
        address[] memory registrars,
        address[] memory tokenBinders
    ) public initializer {
        if (admin == address(0)) revert ZeroAddress();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantAll(REGISTRAR_ROLE, registrars);
        _grantAll(TOKEN_BINDER_ROLE, tokenBinders);
    }

    // ------------------------------------------------------------------ bound tokens

    /// @inheritdoc IIdentityRegistry
    function bindToken(address token) external onlyRole(TOKEN_BINDER_ROLE) {
        if (token == address(0)) revert ZeroAddress();
        IdentityRegistryStorage storage $ = _storage();
        if ($.tokenPosition[token] != 0) revert TokenAlreadyBound(token);
        uint256 index = $.tokenAt.length;
        if (index == MAX_BOUND_TOKENS) revert TokenLimitReached(MAX_BOUND_TOKENS);
        $.tokenAt.push(token);
        $.tokenPosition[token] = index + 1;
        emit TokenBound(token, index);
    }

    /// @inheritdoc IIdentityRegistry
    function unbindToken() external {
        IdentityRegistryStorage storage $ = _storage();
        uint256 position = $.tokenPosition[msg.sender];
        if (position == 0) revert TokenNotBound(msg.sender);
        // The index is not reused: stale bits in records then point at nobody.
        delete $.tokenAt[position - 1];
        delete $.tokenPosition[msg.sender];
        emit TokenUnbound(msg.sender);
    }

    /// @inheritdoc IIdentityRegistry
    function cacheParticipant(address wallet) external returns (uint256) {
        IdentityRegistryStorage storage $ = _storage();
        uint256 position = $.tokenPosition[msg.sender];
        if (position == 0) revert TokenNotBound(msg.sender);
        Record storage record = $.records[wallet];
        uint256 word = _word(record);
        uint256 bit = 1 << (position - 1);
        if (word & bit == 0) record.cachedBy = uint120(word | bit);
        return word & CACHED_FIELDS;
    }

    /// @inheritdoc IIdentityRegistry
    function setEntityIdentity(bytes32 entityId, address identity_) external onlyRole(REGISTRAR_ROLE) {
        IdentityRegistryStorage storage $ = _storage();
        uint64 index = $.entityIndex[entityId];
        if (index == 0) revert UnknownEntity(entityId);
        $.entityIdentity[index] = identity_;
        emit EntityIdentitySet(entityId, identity_);
    }

    /// @inheritdoc IIdentityRegistry
    function registerIdentity(
        address wallet,
        bytes32 entityId,
        uint16 country,
        uint64 expiry,
        uint32 attributes
    ) external onlyRole(REGISTRAR_ROLE) {
        _register(wallet, entityId, country, expiry, attributes);
    }

    /// @inheritdoc IIdentityRegistry
    function batchRegisterIdentity(Registration[] calldata registrations) external onlyRole(REGISTRAR_ROLE) {
        if (registrations.length == 0) revert EmptyBatch();
        for (uint256 i = 0; i < registrations.length; ++i) {
            Registration calldata r = registrations[i];
            _register(r.wallet, r.entityId, r.country, r.expiry, r.attributes);
        }
    }

    /// @inheritdoc IIdentityRegistry
    function updateIdentity(
        address wallet,
        uint16 country,
        uint64 expiry,
        uint32 attributes
    ) external onlyRole(REGISTRAR_ROLE) {
        _update(wallet, country, expiry, attributes);
    }

    /// @inheritdoc IIdentityRegistry
    function batchUpdateIdentity(Update[] calldata updates) external onlyRole(REGISTRAR_ROLE) {
        if (updates.length == 0) revert EmptyBatch();
        for (uint256 i = 0; i < updates.length; ++i) {
            Update calldata u = updates[i];
            _update(u.wallet, u.country, u.expiry, u.attributes);
        }
    }

    /// @inheritdoc IIdentityRegistry
    function removeIdentity(address wallet) external onlyRole(REGISTRAR_ROLE) {
        _remove(wallet);
    }

    /// @inheritdoc IIdentityRegistry
    function batchRemoveIdentity(address[] calldata wallets) external onlyRole(REGISTRAR_ROLE) {
        if (wallets.length == 0) revert EmptyBatch();
        for (uint256 i = 0; i < wallets.length; ++i) {
            _remove(wallets[i]);
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IIdentityRegistry
    function identity(address wallet) external view returns (address) {
        IdentityRegistryStorage storage $ = _storage();
        return $.entityIdentity[$.records[wallet].entityIndex];
    }

    /// @inheritdoc IIdentityRegistry
    function isTokenBound(address token) external view returns (bool) {
        return _storage().tokenPosition[token] != 0;
    }

    /// @inheritdoc IIdentityRegistry
    function boundTokenCount() external view returns (uint256) {
        return _storage().tokenAt.length;
    }

    /// @inheritdoc IIdentityRegistry
    function cachingTokensOf(address wallet) external view returns (address[] memory tokens) {
        IdentityRegistryStorage storage $ = _storage();
        uint256 bits = $.records[wallet].cachedBy;
        tokens = new address[](_popCount(bits));
        uint256 n = 0;
        for (uint256 i = 0; bits != 0; ++i) {
            // A token that left keeps its bit but is no longer told: leave it out.
            if (bits & 1 != 0 && $.tokenAt[i] != address(0)) tokens[n++] = $.tokenAt[i];
            bits >>= 1;
        }
        // Shorten the list to the tokens found.
        assembly ("memory-safe") {
            mstore(tokens, n)
        }
    }

    /// @inheritdoc IIdentityRegistry
    function isVerified(address wallet) external view returns (bool) {
        return _storage().records[wallet].expiry > block.timestamp;
    }

    /// @inheritdoc IIdentityRegistry
    function contains(address wallet) external view returns (bool) {
        return _storage().records[wallet].expiry != 0;
    }

    /// @inheritdoc IIdentityRegistry
    function identityOf(address wallet) external view returns (Identity memory) {
        IdentityRegistryStorage storage $ = _storage();
        Record memory r = $.records[wallet];
        if (r.expiry == 0) revert UnknownWallet(wallet);
        return Identity($.entityIdAt[r.entityIndex], r.country, r.expiry, r.attributes);
    }

    /// @inheritdoc IIdentityRegistry
    function entityOf(address wallet) external view returns (bytes32) {
        IdentityRegistryStorage storage $ = _storage();
        Record memory r = $.records[wallet];
        return r.expiry == 0 ? bytes32(0) : $.entityIdAt[r.entityIndex];
    }

    /// @inheritdoc IIdentityRegistry
    function boundEntityOf(address wallet) external view returns (bytes32) {
        IdentityRegistryStorage storage $ = _storage();
        return $.entityIdAt[$.records[wallet].entityIndex];
    }

    /// @inheritdoc IIdentityRegistry
    function entityIndexOf(bytes32 entityId) external view returns (uint64) {
        return _storage().entityIndex[entityId];
    }

    /// @inheritdoc IIdentityRegistry
    function entityIdAt(uint64 entityIndex) external view returns (bytes32) {
        return _storage().entityIdAt[entityIndex];
    }

    /// @inheritdoc IIdentityRegistry
    function boundWalletCountOf(bytes32 entityId) external view returns (uint256) {
        IdentityRegistryStorage storage $ = _storage();
        return $.boundWallets[$.entityIndex[entityId]].count;
    }

    /// @inheritdoc IIdentityRegistry
    function firstWalletOf(bytes32 entityId) external view returns (address) {
        IdentityRegistryStorage storage $ = _storage();
        return $.boundWallets[$.entityIndex[entityId]].first;
    }

    /// @inheritdoc IIdentityRegistry
    function walletCountOf(bytes32 entityId) external view returns (uint256) {
        return _storage().walletCount[entityId];
    }

    /// @inheritdoc IIdentityRegistry
    function participantsOf(address a, address b) external view returns (Participant memory, Participant memory) {
        IdentityRegistryStorage storage $ = _storage();
        return (_participant($.records[a]), _participant($.records[b]));
    }

    /// @inheritdoc IIdentityRegistry
    function recordWordsOf(address a, address b) external view returns (uint256, uint256) {
        IdentityRegistryStorage storage $ = _storage();
        return (_word($.records[a]) & CACHED_FIELDS, _word($.records[b]) & CACHED_FIELDS);
    }

    // ------------------------------------------------------------------ internals

    function _register(address wallet, bytes32 entityId, uint16 country, uint64 expiry, uint32 attributes) private {
        if (wallet == address(0)) revert ZeroAddress();
        if (entityId == bytes32(0)) revert ZeroEntity();
        if (expiry <= block.timestamp) revert ExpiryInPast(expiry);
        IdentityRegistryStorage storage $ = _storage();
        Record storage record = $.records[wallet];
        if (record.expiry != 0) revert WalletAlreadyRegistered(wallet);

        uint64 index = $.entityIndex[entityId];
        // A wallet belongs to one entity for good, so the balances tokens count per entity stay right.
        uint64 bound = record.entityIndex;
        if (bound != 0 && bound != index) revert WalletBoundToOtherEntity(wallet, $.entityIdAt[bound]);
        if (index == 0) {
            // First wallet of this entity: give it the next sequence number, kept for good.
            index = ++$.entityCount;
            if (index > MAX_ENTITIES) revert EntityLimitReached(MAX_ENTITIES);
            $.entityIndex[entityId] = index;
            $.entityIdAt[index] = entityId;
        }
        if (bound == 0) _bindWallet($, wallet, index);
        record.entityIndex = uint24(index);
        record.country = country;
        record.expiry = _expiry(expiry);
        record.attributes = attributes;
        ++$.walletCount[entityId];
        emit IdentityRegistered(wallet, entityId, country, expiry, attributes);
        _notify($, wallet, record);
    }

    /// @dev A wallet joins its entity for good. The second wallet makes the entity multi-wallet:
    /// tokens that cached the first wallet start counting the entity's balance across wallets.
    function _bindWallet(IdentityRegistryStorage storage $, address wallet, uint64 index) private {
        BoundWallets storage bound = $.boundWallets[index];
        uint96 count = ++bound.count;
        if (count == 1) {
            bound.first = wallet;
            return;
        }
        $.records[wallet].flags |= MULTI_WALLET;
        if (count == 2) {
            address first = bound.first;
            Record storage firstRecord = $.records[first];
            firstRecord.flags |= MULTI_WALLET;
            _notify($, first, firstRecord);
        }
    }

    function _update(address wallet, uint16 country, uint64 expiry, uint32 attributes) private {
        IdentityRegistryStorage storage $ = _storage();
        Record storage record = $.records[wallet];
        if (record.expiry == 0) revert UnknownWallet(wallet);
        if (expiry <= block.timestamp) revert ExpiryInPast(expiry);
        record.country = country;
        record.expiry = _expiry(expiry);
        record.attributes = attributes;
        emit IdentityUpdated(wallet, country, expiry, attributes);
        _notify($, wallet, record);
    }

    function _remove(address wallet) private {
        IdentityRegistryStorage storage $ = _storage();
        Record storage record = $.records[wallet];
        if (record.expiry == 0) revert UnknownWallet(wallet);
        bytes32 entityId = $.entityIdAt[record.entityIndex];
        // Keep the entity binding (see `_register`); a zero expiry marks the wallet unregistered.
        record.country = 0;
        record.expiry = 0;
        record.attributes = 0;
        --$.walletCount[entityId];
        emit IdentityRemoved(wallet, entityId);
        _notify($, wallet, record);
    }

    /// @dev Tells every token that cached `wallet`'s record what it is now: one call per such token.
    function _notify(IdentityRegistryStorage storage $, address wallet, Record storage record) private {
        uint256 word = _word(record);
        uint256 bits = word & type(uint120).max;
        if (bits == 0) return;
        uint256 cached = word & CACHED_FIELDS;
        for (uint256 i = 0; bits != 0; ++i) {
            if (bits & 1 != 0) {
                address token = $.tokenAt[i];
                // An unbound token's bit stays behind; it is told nothing more.
                if (token != address(0)) IParticipantCache(token).participantChanged(wallet, cached);
            }
            bits >>= 1;
        }
    }

    function _participant(Record storage record) private view returns (Participant memory) {
        return
            Participant(
                record.entityIndex,
                record.country,
                record.expiry,
                record.attributes,
                record.flags & MULTI_WALLET != 0
            );
    }

    /// @dev The record's slot as one word.
    function _word(Record storage record) private view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(record.slot)
        }
    }

    /// @dev A KYC expiry as stored: 32-bit seconds, so at most 2106-02-07.
    function _expiry(uint64 expiry) private pure returns (uint32) {
        if (expiry > type(uint32).max) revert ExpiryTooFar(expiry);
        return uint32(expiry);
    }

    function _grantAll(bytes32 role, address[] memory accounts) private {
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (accounts[i] == address(0)) revert ZeroAddress();
            _grantRole(role, accounts[i]);
        }
    }

    function _popCount(uint256 bits) private pure returns (uint256 count) {
        for (; bits != 0; bits &= bits - 1) ++count;
    }

    /// @dev Upgrades are governance decisions: only the admin (the timelock) may upgrade.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _storage() private pure returns (IdentityRegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}

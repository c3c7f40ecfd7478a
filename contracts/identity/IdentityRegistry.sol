// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";

/**
 * @title IdentityRegistry
 * @notice The consortium's participant (KYC) registry. Registrars appointed by the consortium bind
 * wallets to legal entities with a country, a KYC expiry and attribute flags. Tokens and the
 * invoice registry ask it whether a wallet may hold or receive assets.
 * @dev UUPS proxy; upgrades and role administration belong to `DEFAULT_ADMIN_ROLE` (the governance
 * timelock). Every operation is O(1): no loops over wallets or entities.
 */
contract IdentityRegistry is IIdentityRegistry, Initializable, AccessControlUpgradeable, UUPSUpgradeable {
    /// @notice Registers, updates and removes participants (KYC providers).
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /// @custom:storage-location erc7201:consortium.storage.IdentityRegistry
    struct IdentityRegistryStorage {
        mapping(address wallet => Participant) participants;
        mapping(bytes32 entityId => uint64) entityIndex;
        mapping(uint64 entityIndex => bytes32) entityIdAt;
        mapping(bytes32 entityId => uint256) walletCount;
        uint64 entityCount;
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
    function initialize(address admin, address[] memory registrars) public initializer {
        if (admin == address(0)) revert ZeroAddress();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i = 0; i < registrars.length; ++i) {
            if (registrars[i] == address(0)) revert ZeroAddress();
            _grantRole(REGISTRAR_ROLE, registrars[i]);
        }
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

    /// @inheritdoc IIdentityRegistry
    function isVerified(address wallet) external view returns (bool) {
        return _storage().participants[wallet].expiry > block.timestamp;
    }

    /// @inheritdoc IIdentityRegistry
    function contains(address wallet) external view returns (bool) {
        return _storage().participants[wallet].expiry != 0;
    }

    /// @inheritdoc IIdentityRegistry
    function identityOf(address wallet) external view returns (Identity memory) {
        IdentityRegistryStorage storage $ = _storage();
        Participant memory p = $.participants[wallet];
        if (p.expiry == 0) revert UnknownWallet(wallet);
        return Identity($.entityIdAt[p.entityIndex], p.country, p.expiry, p.attributes);
    }

    /// @inheritdoc IIdentityRegistry
    function entityOf(address wallet) external view returns (bytes32) {
        IdentityRegistryStorage storage $ = _storage();
        Participant memory p = $.participants[wallet];
        return p.expiry == 0 ? bytes32(0) : $.entityIdAt[p.entityIndex];
    }

    /// @inheritdoc IIdentityRegistry
    function boundEntityOf(address wallet) external view returns (bytes32) {
        IdentityRegistryStorage storage $ = _storage();
        return $.entityIdAt[$.participants[wallet].entityIndex];
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
    function walletCountOf(bytes32 entityId) external view returns (uint256) {
        return _storage().walletCount[entityId];
    }

    /// @inheritdoc IIdentityRegistry
    function participantsOf(address a, address b) external view returns (Participant memory, Participant memory) {
        IdentityRegistryStorage storage $ = _storage();
        return ($.participants[a], $.participants[b]);
    }

    function _register(address wallet, bytes32 entityId, uint16 country, uint64 expiry, uint32 attributes) private {
        if (wallet == address(0)) revert ZeroAddress();
        if (entityId == bytes32(0)) revert ZeroEntity();
        if (expiry <= block.timestamp) revert ExpiryInPast(expiry);
        IdentityRegistryStorage storage $ = _storage();
        Participant storage existing = $.participants[wallet];
        if (existing.expiry != 0) revert WalletAlreadyRegistered(wallet);

        uint64 index = $.entityIndex[entityId];
        // A wallet belongs to one entity for good, so the balances tokens count per entity stay right.
        uint64 bound = existing.entityIndex;
        if (bound != 0 && bound != index) revert WalletBoundToOtherEntity(wallet, $.entityIdAt[bound]);
        if (index == 0) {
            // First wallet of this entity: give it the next sequence number, kept for good.
            index = ++$.entityCount;
            $.entityIndex[entityId] = index;
            $.entityIdAt[index] = entityId;
        }
        $.participants[wallet] = Participant(index, country, expiry, attributes);
        ++$.walletCount[entityId];
        emit IdentityRegistered(wallet, entityId, country, expiry, attributes);
    }

    function _update(address wallet, uint16 country, uint64 expiry, uint32 attributes) private {
        Participant storage p = _storage().participants[wallet];
        if (p.expiry == 0) revert UnknownWallet(wallet);
        if (expiry <= block.timestamp) revert ExpiryInPast(expiry);
        p.country = country;
        p.expiry = expiry;
        p.attributes = attributes;
        emit IdentityUpdated(wallet, country, expiry, attributes);
    }

    function _remove(address wallet) private {
        IdentityRegistryStorage storage $ = _storage();
        Participant storage p = $.participants[wallet];
        if (p.expiry == 0) revert UnknownWallet(wallet);
        bytes32 entityId = $.entityIdAt[p.entityIndex];
        // Keep the entity binding (see `_register`); a zero expiry marks the wallet unregistered.
        p.country = 0;
        p.expiry = 0;
        p.attributes = 0;
        --$.walletCount[entityId];
        emit IdentityRemoved(wallet, entityId);
    }

    /// @dev Upgrades are governance decisions: only the admin (the timelock) may upgrade.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _storage() private pure returns (IdentityRegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}

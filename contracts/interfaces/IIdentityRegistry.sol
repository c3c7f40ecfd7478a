// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IIdentityRegistry
 * @notice The consortium's participant (KYC) registry: binds wallets to legal entities, with a
 * country, a KYC expiry and attribute flags (see `ParticipantAttributes`).
 */
interface IIdentityRegistry {
    /// @notice A participant as people read it.
    struct Identity {
        bytes32 entityId; // the legal entity (one entity may have many wallets)
        uint16 country; // ISO 3166-1 numeric
        uint64 expiry; // KYC valid until this timestamp (exclusive)
        uint32 attributes; // ParticipantAttributes bit flags
    }

    /// @notice A participant as stored: one storage slot, so a token reads a wallet in one SLOAD.
    /// `entityIndex` is the entity's sequence number in this registry (1, 2, ...; 0 = never
    /// registered). A wallet stays bound to its entity after removal; `expiry` 0 = not registered.
    struct Participant {
        uint64 entityIndex;
        uint16 country;
        uint64 expiry;
        uint32 attributes;
    }

    /// @notice One row of a batch registration.
    struct Registration {
        address wallet;
        bytes32 entityId;
        uint16 country;
        uint64 expiry;
        uint32 attributes;
    }

    /// @notice One row of a batch update.
    struct Update {
        address wallet;
        uint16 country;
        uint64 expiry;
        uint32 attributes;
    }

    event IdentityRegistered(
        address indexed wallet,
        bytes32 indexed entityId,
        uint16 country,
        uint64 expiry,
        uint32 attributes
    );
    event IdentityUpdated(address indexed wallet, uint16 country, uint64 expiry, uint32 attributes);
    event IdentityRemoved(address indexed wallet, bytes32 indexed entityId);

    error ZeroAddress();
    error ZeroEntity();
    error UnknownWallet(address wallet);
    error WalletAlreadyRegistered(address wallet);
    error WalletBoundToOtherEntity(address wallet, bytes32 boundEntityId);
    error ExpiryInPast(uint64 expiry);
    error EmptyBatch();

    /// @notice Registers `wallet` as a wallet of `entityId`. A wallet once registered stays bound to
    /// its entity: after removal it can be registered again, but only for the same entity.
    function registerIdentity(
        address wallet,
        bytes32 entityId,
        uint16 country,
        uint64 expiry,
        uint32 attributes
    ) external;

    /// @notice Registers several wallets at once; all or none.
    function batchRegisterIdentity(Registration[] calldata registrations) external;

    /// @notice Changes a registered wallet's country, KYC expiry and attributes (its entity is fixed).
    function updateIdentity(address wallet, uint16 country, uint64 expiry, uint32 attributes) external;

    /// @notice Updates several wallets at once; all or none.
    function batchUpdateIdentity(Update[] calldata updates) external;

    /// @notice Removes a wallet from the registry (it stays bound to its entity).
    function removeIdentity(address wallet) external;

    /// @notice Removes several wallets at once; all or none.
    function batchRemoveIdentity(address[] calldata wallets) external;

    /// @notice True only for a registered wallet whose KYC has not expired.
    function isVerified(address wallet) external view returns (bool);

    /// @notice True for a registered wallet, expired or not.
    function contains(address wallet) external view returns (bool);

    /// @notice The wallet's identity; reverts with `UnknownWallet` for an unregistered wallet.
    function identityOf(address wallet) external view returns (Identity memory);

    /// @notice The wallet's entity, or zero for an unregistered wallet.
    function entityOf(address wallet) external view returns (bytes32);

    /// @notice The entity `wallet` is bound to, registered or removed (zero if never registered).
    function boundEntityOf(address wallet) external view returns (bytes32);

    /// @notice The registry's sequence number of `entityId` (0 = never registered).
    function entityIndexOf(bytes32 entityId) external view returns (uint64);

    /// @notice The entity with sequence number `entityIndex`, or zero.
    function entityIdAt(uint64 entityIndex) external view returns (bytes32);

    /// @notice Number of wallets currently registered for `entityId`.
    function walletCountOf(bytes32 entityId) external view returns (uint256);

    /// @notice The stored records of two wallets in one call (zero records for unregistered wallets).
    /// @dev Used by tokens on every transfer: one external call instead of several.
    function participantsOf(address a, address b) external view returns (Participant memory, Participant memory);
}

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

    /// @notice A participant's record as tokens use it. `entityIndex` is the entity's sequence
    /// number in this registry (1, 2, ...; 0 = never registered). A wallet stays bound to its entity
    /// after removal; `expiry` 0 = not registered. `multiWallet` is true once the entity has had
    /// more than one wallet (it stays true), so tokens know when a wallet's balance is not its
    /// entity's whole balance.
    struct Participant {
        uint64 entityIndex;
        uint16 country;
        uint64 expiry;
        uint32 attributes;
        bool multiWallet;
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
    /// @notice `token` may now cache participant records; it is told of every change to them.
    event TokenBound(address indexed token, uint256 index);
    /// @notice `token` no longer caches records (it moved to another registry).
    event TokenUnbound(address indexed token);
    /// @notice The entity's on-chain identity (ERC-3643 ONCHAINID contract) was set.
    event EntityIdentitySet(bytes32 indexed entityId, address indexed identity);

    error ZeroAddress();
    error ZeroEntity();
    error UnknownWallet(address wallet);
    error WalletAlreadyRegistered(address wallet);
    error WalletBoundToOtherEntity(address wallet, bytes32 boundEntityId);
    error ExpiryInPast(uint64 expiry);
    error EmptyBatch();
    error TokenAlreadyBound(address token);
    error TokenNotBound(address token);
    error TokenLimitReached(uint256 limit);
    error UnknownEntity(bytes32 entityId);
    /// @notice KYC expiries are stored as 32-bit timestamps (until 2106-02-07).
    error ExpiryTooFar(uint64 expiry);
    /// @notice The registry numbers at most 2^24 - 1 entities.
    error EntityLimitReached(uint256 limit);

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

    /// @notice Lets `token` cache participant records (see `IParticipantCache`). Binding is for
    /// good, up to `MAX_BOUND_TOKENS` tokens: every bound token is told of changes to the records it
    /// cached, so a KYC change costs one call per token that holds the wallet's record.
    function bindToken(address token) external;

    /// @notice Called by a bound token that moves to another registry: it is told of no more changes.
    function unbindToken() external;

    /// @notice Called by a bound token the first time it needs `wallet`'s record: returns it as a
    /// record word (see `recordWordsOf`) and remembers that the token holds a copy, so it is told
    /// of every later change.
    function cacheParticipant(address wallet) external returns (uint256 recordWord);

    /// @notice Two wallets' records as record words, the form tokens cache: bits, low to high,
    /// 120 zero | KYC expiry 32 | country 16 | attributes 32 | flags 8 (bit 3: multi-wallet
    /// entity) | 8 zero | entity index 24 | 16 zero. Zero for a wallet never registered.
    function recordWordsOf(address a, address b) external view returns (uint256, uint256);

    /// @notice Sets the on-chain identity (ERC-3643 ONCHAINID) of a registered entity (zero clears it).
    function setEntityIdentity(bytes32 entityId, address identity) external;

    /// @notice The on-chain identity of `wallet`'s entity (ERC-3643 `identity`), or zero.
    function identity(address wallet) external view returns (address);

    /// @notice Whether `token` is bound (may cache records).
    function isTokenBound(address token) external view returns (bool);

    /// @notice Number of tokens ever bound (indices are not reused).
    function boundTokenCount() external view returns (uint256);

    /// @notice The tokens that may hold a cached copy of `wallet`'s record (told of its changes).
    function cachingTokensOf(address wallet) external view returns (address[] memory);

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

    /// @notice Number of wallets ever bound to `entityId` (removed wallets stay bound).
    function boundWalletCountOf(bytes32 entityId) external view returns (uint256);

    /// @notice The first wallet bound to `entityId` (its only wallet while `boundWalletCountOf` is 1).
    function firstWalletOf(bytes32 entityId) external view returns (address);

    /// @notice Number of wallets currently registered for `entityId`.
    function walletCountOf(bytes32 entityId) external view returns (uint256);

    /// @notice The stored records of two wallets in one call (zero records for unregistered wallets).
    /// @dev Used by tokens on every transfer: one external call instead of several.
    function participantsOf(address a, address b) external view returns (Participant memory, Participant memory);
}

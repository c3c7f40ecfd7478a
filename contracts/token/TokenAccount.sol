// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @notice A wallet's state in a `SecurityToken`, packed in one storage word so that a transfer reads
 * and writes each party once: the balance, the freeze and lock-up flags, and the token's copy of
 * the wallet's registry record.
 * @dev Bits, low to high: balance 120 | KYC expiry 32 | country 16 | attributes 32 | flags 8 |
 * registry epoch 8 | entity index 24 | record points synced 16 (how many of the token's passed
 * record points this wallet's checkpoints already account for: on a wallet's first move after a
 * record time the token knows, without another read, that it must keep the record-time balance).
 */
type TokenAccount is uint256;

using TokenAccountLib for TokenAccount global;

/// @notice Reads and writes the fields of a `TokenAccount`.
library TokenAccountLib {
    /// @dev Every token of the wallet is frozen.
    uint256 internal constant FROZEN = 1 << 200;
    /// @dev The wallet has a partly frozen amount (read it from the token's `frozenAmount`).
    uint256 internal constant PARTLY_FROZEN = 1 << 201;
    /// @dev The wallet may have a running lock-up (read it from the token's `lockups`).
    uint256 internal constant LOCKED = 1 << 202;
    /// @dev The wallet's entity has several wallets: its balance is counted per entity.
    uint256 internal constant MULTI_WALLET = 1 << 203;

    uint256 private constant BALANCE_MASK = (1 << 120) - 1;
    uint256 private constant SYNCED_SHIFT = 240;
    uint256 private constant SYNCED_MASK = uint256(type(uint16).max) << SYNCED_SHIFT;
    /// @dev What a new registry record leaves alone: the balance, the token's own flags and the
    /// record-point count.
    uint256 private constant TOKEN_STATE_MASK = BALANCE_MASK | FROZEN | PARTLY_FROZEN | LOCKED | SYNCED_MASK;

    function balance(TokenAccount account) internal pure returns (uint256) {
        return TokenAccount.unwrap(account) & BALANCE_MASK;
    }

    /// @dev `newBalance` must be below 2^120: the token caps its supply there.
    function withBalance(TokenAccount account, uint256 newBalance) internal pure returns (TokenAccount) {
        return TokenAccount.wrap((TokenAccount.unwrap(account) & ~BALANCE_MASK) | newBalance);
    }

    function expiry(TokenAccount account) internal pure returns (uint256) {
        return uint32(TokenAccount.unwrap(account) >> 120);
    }

    function country(TokenAccount account) internal pure returns (uint16) {
        return uint16(TokenAccount.unwrap(account) >> 152);
    }

    function attributes(TokenAccount account) internal pure returns (uint32) {
        return uint32(TokenAccount.unwrap(account) >> 168);
    }

    function epoch(TokenAccount account) internal pure returns (uint8) {
        return uint8(TokenAccount.unwrap(account) >> 208);
    }

    function entityIndex(TokenAccount account) internal pure returns (uint24) {
        return uint24(TokenAccount.unwrap(account) >> 216);
    }

    /// @dev How many of the token's passed record points the wallet's checkpoints account for.
    function synced(TokenAccount account) internal pure returns (uint16) {
        return uint16(TokenAccount.unwrap(account) >> SYNCED_SHIFT);
    }

    function withSynced(TokenAccount account, uint16 count) internal pure returns (TokenAccount) {
        return
            TokenAccount.wrap((TokenAccount.unwrap(account) & ~SYNCED_MASK) | (uint256(count) << SYNCED_SHIFT));
    }

    function has(TokenAccount account, uint256 flag) internal pure returns (bool) {
        return TokenAccount.unwrap(account) & flag != 0;
    }

    function withFlag(TokenAccount account, uint256 flag) internal pure returns (TokenAccount) {
        return TokenAccount.wrap(TokenAccount.unwrap(account) | flag);
    }

    function withoutFlag(TokenAccount account, uint256 flag) internal pure returns (TokenAccount) {
        return TokenAccount.wrap(TokenAccount.unwrap(account) & ~flag);
    }

    /// @dev The account with a registry record word (`IIdentityRegistry.recordWordsOf`, laid out
    /// as this word with zero balance, flags other than multi-wallet, and epoch) as of registry
    /// epoch `epoch_`; the balance and the token's own flags are kept.
    function withRecord(TokenAccount account, uint256 recordWord, uint8 epoch_) internal pure returns (TokenAccount) {
        return
            TokenAccount.wrap(
                (TokenAccount.unwrap(account) & TOKEN_STATE_MASK) | recordWord | (uint256(epoch_) << 208)
            );
    }
}

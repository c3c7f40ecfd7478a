// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IComplianceHook} from "../interfaces/IComplianceHook.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {IERC3643} from "../interfaces/IERC3643.sol";
import {IRecordBalances} from "../interfaces/IRecordBalances.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";
import {GuardianPausable} from "../utils/GuardianPausable.sol";
import {TokenAccount, TokenAccountLib} from "./TokenAccount.sol";
import {TransferRestrictions} from "./TransferRestrictions.sol";

/**
 * @title SecurityTokenBase
 * @notice The storage, roles and movement rules that `SecurityToken` and its
 * `SecurityTokenExtension` share: the extension runs in the token's storage (by delegatecall), so
 * both must read it the same way.
 */
abstract contract SecurityTokenBase is Initializable, GuardianPausable, IERC20Errors {
    /// @notice Mints (also locked) and burns.
    bytes32 public constant SUPPLY_ROLE = keccak256("SUPPLY_ROLE");
    /// @notice Freezes and unfreezes wallets and partial amounts.
    bytes32 public constant FREEZE_ROLE = keccak256("FREEZE_ROLE");
    /// @notice Forces transfers (court orders, corporate actions).
    bytes32 public constant FORCED_TRANSFER_ROLE = keccak256("FORCED_TRANSFER_ROLE");
    /// @notice Recovers lost wallets to a wallet of the same entity.
    bytes32 public constant RECOVERY_ROLE = keccak256("RECOVERY_ROLE");
    /// @notice Maintains the ERC-1643 documents.
    bytes32 public constant DOCUMENT_ROLE = keccak256("DOCUMENT_ROLE");
    /// @notice Sets the compliance rules.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice Schedules record times (held by the corporate-actions contract).
    bytes32 public constant RECORD_ROLE = keccak256("RECORD_ROLE");

    /// @dev Record times scheduled and not yet passed, at most.
    uint256 internal constant MAX_PENDING_RECORDS = 32;

    /// @dev Balances are 120-bit; the supply never exceeds this.
    uint256 internal constant MAX_SUPPLY = type(uint120).max;

    // `Config.rules`: which optional rules are on, so a transfer skips the others.
    uint8 internal constant RULE_COUNTRY = 1 << 0;
    uint8 internal constant RULE_MAX_ENTITY_BALANCE = 1 << 1;
    uint8 internal constant RULE_MAX_HOLDERS = 1 << 2;
    uint8 internal constant RULE_HOOK = 1 << 3;
    /// @dev Not a rule: the pause switch, kept in the same byte to free config bits.
    uint8 internal constant PAUSED_FLAG = 1 << 7;

    // Account flags (see `TokenAccount`).
    uint256 internal constant FROZEN = TokenAccountLib.FROZEN;
    uint256 internal constant PARTLY_FROZEN = TokenAccountLib.PARTLY_FROZEN;
    uint256 internal constant LOCKED = TokenAccountLib.LOCKED;
    uint256 internal constant MULTI_WALLET = TokenAccountLib.MULTI_WALLET;

    /// @dev Everything a transfer needs to know about the token: one slot (256 bits).
    /// Holder counts fit 24 bits: the registry numbers at most 2^24 - 1 entities. A transfer learns
    /// from `records` whether a record time has passed since the last balance change, and from
    /// the passed count and the wallets' synced counts whether a wallet's balance at a passed
    /// record time must be kept before it changes.
    struct Config {
        uint8 rules; // RULE_* flags, and PAUSED_FLAG
        uint8 epoch; // registry generation; cached records of an earlier registry are stale
        uint32 requiredAttributes;
        uint24 holderCount;
        uint24 maxHolders;
        uint112 maxEntityBalance;
        // Record points, one field (copying a packed struct to memory reads its slot per field):
        // bits 0-31 the earliest scheduled record time not yet passed (0 = none); bits 32-47 the
        // record points passed so far (their index order is their time order).
        uint48 records;
    }

    /// @dev A passed record point: its time and the supply then.
    struct RecordPoint {
        uint32 time;
        uint224 supply;
    }

    /// @dev A wallet's balance at record points `from` to `to - 1` (indexes into `recordPoints`).
    struct Checkpoint {
        uint16 from;
        uint16 to;
        uint120 balance;
    }

    struct Lockup {
        uint128 amount;
        uint64 releaseTime;
    }

    struct Document {
        string uri;
        bytes32 documentHash;
        uint256 lastModified;
    }

    /// @custom:storage-location erc7201:consortium.storage.SecurityToken
    struct SecurityTokenStorage {
        Config config;
        mapping(address wallet => TokenAccount) accounts;
        mapping(address owner => mapping(address spender => uint256)) allowances;
        uint256 totalSupply;
        IIdentityRegistry identityRegistry;
        IComplianceHook complianceHook;
        address onchainID;
        uint16 allowedCountryCount;
        uint8 decimals;
        string name;
        string symbol;
        mapping(address wallet => uint256) frozenAmount;
        mapping(address wallet => Lockup) lockups;
        mapping(uint64 entityIndex => uint256) entityBalance; // multi-wallet entities only
        mapping(uint16 country => bool) countryAllowed;
        mapping(bytes32 name => Document) documents;
        bytes32[] documentNames;
        mapping(bytes32 name => uint256) documentPosition; // index in documentNames + 1
        uint32[] pendingRecordTimes; // ascending; the first is `config.nextRecordTime`
        RecordPoint[] recordPoints; // passed, ascending
        mapping(address wallet => Checkpoint[]) checkpoints; // ascending; zero balances are not stored
        mapping(address lostWallet => address) recoveredTo; // the wallet a lost wallet was recovered to
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.SecurityToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant STORAGE_LOCATION = 0xa2eea014dad08032a8b6918fb512aaf2f09735782651366c45a5e10af7101c00;


    /// @dev A holder's transfer: every rule, then the balances.
    function _transfer(address from, address to, uint256 value) internal {
        SecurityTokenStorage storage $ = _storage();
        // Record points that have passed are moved by `_move` (a transfer leaves the supply alone).
        Config memory config = $.config;
        // A pause is the first rule `_evaluate` checks.
        TokenAccount sender = $.accounts[from];
        TokenAccount recipient = $.accounts[to];
        if (sender.epoch() != config.epoch) sender = _cache($, from, sender, config.epoch);
        if (recipient.epoch() != config.epoch) recipient = _cache($, to, recipient, config.epoch);
        if (sender.has(LOCKED) && $.lockups[from].releaseTime <= block.timestamp) {
            // A released lock-up: drop it, so later transfers do not read it.
            sender = sender.withoutFlag(LOCKED);
            delete $.lockups[from];
        }
        uint8 code = _evaluate($, config, from, sender, to, recipient, value);
        if (code != TransferRestrictions.NONE) {
            if (code == TransferRestrictions.INSUFFICIENT_UNFROZEN_BALANCE && value > sender.balance()) {
                revert ERC20InsufficientBalance(from, sender.balance(), value);
            }
            revert ISecurityToken.TransferRestricted(code);
        }
        _move($, config, from, sender, to, recipient, value);
    }

    /// @dev An issue: the recipient passes every rule; the supply stays within its 120-bit cap.
    function _mint(address to, uint256 value) internal {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        SecurityTokenStorage storage $ = _storage();
        uint256 supply = $.totalSupply;
        // Compared without adding first, so even a 256-bit amount gets the named error.
        if (value > MAX_SUPPLY - supply) revert ISecurityToken.SupplyCapExceeded(MAX_SUPPLY, supply, value);
        supply += value;
        Config memory config = _currentConfig($);
        if (config.rules & PAUSED_FLAG != 0) revert ISecurityToken.TransferRestricted(TransferRestrictions.PAUSED);
        TokenAccount recipient = $.accounts[to];
        if (recipient.epoch() != config.epoch) recipient = _cache($, to, recipient, config.epoch);
        TokenAccount none;
        uint8 code = _evaluate($, config, address(0), none, to, recipient, value);
        if (code != TransferRestrictions.NONE) revert ISecurityToken.TransferRestricted(code);
        $.totalSupply = supply;
        _move($, config, address(0), none, to, recipient, value);
    }

    /// @dev A redemption by the supply agent: ignores freezes and lock-ups, stops while paused.
    function _burn(address from, uint256 value) internal {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        _requireNotPaused();
        SecurityTokenStorage storage $ = _storage();
        TokenAccount sender = $.accounts[from];
        if (value > sender.balance()) revert ERC20InsufficientBalance(from, sender.balance(), value);
        Config memory config = _currentConfig($);
        sender = _releaseHeldTokens($, from, sender, value);
        $.totalSupply -= value;
        TokenAccount none;
        _move($, config, from, sender, address(0), none, value);
    }

    /// @dev A forced move: ignores freezes, lock-ups and rules other than the recipient's verification.
    function _forcedTransfer(address from, address to, uint256 value, bytes32 reason) internal {
        _requireNotPaused();
        if (from == address(0) || to == address(0)) revert ISecurityToken.ZeroAddress();
        // A forced move to itself would only release frozen and locked tokens, off the record.
        if (from == to) revert ISecurityToken.ForcedTransferToSelf(from);
        SecurityTokenStorage storage $ = _storage();
        Config memory config = _currentConfig($);
        TokenAccount sender = $.accounts[from];
        TokenAccount recipient = $.accounts[to];
        if (value > sender.balance()) revert ERC20InsufficientBalance(from, sender.balance(), value);
        if (sender.epoch() != config.epoch) sender = _cache($, from, sender, config.epoch);
        if (recipient.epoch() != config.epoch) recipient = _cache($, to, recipient, config.epoch);
        if (recipient.expiry() <= block.timestamp) {
            revert ISecurityToken.TransferRestricted(TransferRestrictions.RECIPIENT_NOT_VERIFIED);
        }
        sender = _releaseHeldTokens($, from, sender, value);
        _move($, config, from, sender, to, recipient, value);
        emit ISecurityToken.ForcedTransfer(from, to, value, msg.sender, reason);
    }

    /**
     * @dev Before a forced move of `value` out of `wallet`: the move takes free tokens first, then
     * locked ones, so the lock-up falls by exactly the locked tokens taken; the frozen amount falls
     * only as far as the remaining balance requires. `value` is at most the balance.
     */
    function _releaseHeldTokens(
        SecurityTokenStorage storage $,
        address wallet,
        TokenAccount account,
        uint256 value
    ) internal returns (TokenAccount) {
        uint256 remaining = account.balance() - value;
        if (account.has(PARTLY_FROZEN)) {
            uint256 frozen = $.frozenAmount[wallet];
            if (frozen > remaining) {
                $.frozenAmount[wallet] = remaining;
                if (remaining == 0) account = account.withoutFlag(PARTLY_FROZEN);
                emit IERC3643.TokensUnfrozen(wallet, frozen - remaining);
            }
        }
        if (account.has(LOCKED)) {
            Lockup memory lockup = $.lockups[wallet];
            if (lockup.releaseTime <= block.timestamp || remaining == 0) {
                delete $.lockups[wallet];
                account = account.withoutFlag(LOCKED);
                if (lockup.releaseTime > block.timestamp) emit ISecurityToken.TokensLocked(wallet, 0, lockup.releaseTime);
            } else if (lockup.amount > remaining) {
                // Unlocked tokens (balance - locked) went first; the rest came out of the lock-up.
                $.lockups[wallet].amount = uint128(remaining);
                emit ISecurityToken.TokensLocked(wallet, remaining, lockup.releaseTime);
            }
        }
        return account;
    }

    /**
     * @dev The config, with record points whose time has passed moved to the passed list first
     * (the first balance change after a record time pays for this once). Mints, burns and forced
     * moves read the config through here, before the supply changes; a transfer, which leaves the
     * supply alone, lets `_move` do it.
     */
    function _currentConfig(SecurityTokenStorage storage $) internal returns (Config memory config) {
        config = $.config;
        uint256 next = uint32(config.records);
        if (next != 0 && block.timestamp > next) config = _passRecordPoints($, config);
    }

    /// @dev Moves every pending record point whose time is strictly past to the passed list,
    /// with the supply then (it has not changed since: this runs before any balance change).
    function _passRecordPoints(
        SecurityTokenStorage storage $,
        Config memory config
    ) internal virtual returns (Config memory) {
        uint32[] storage pending = $.pendingRecordTimes;
        uint256 count = pending.length;
        uint256 due = 0;
        uint256 supply = $.totalSupply;
        uint256 passed = _passedRecords(config);
        while (due < count && pending[due] < block.timestamp) {
            uint32 time = pending[due];
            $.recordPoints.push(RecordPoint(time, uint224(supply)));
            emit IRecordBalances.RecordTimePassed(time, passed + due, supply);
            ++due;
        }
        for (uint256 i = due; i < count; ++i) pending[i - due] = pending[i];
        for (uint256 i = 0; i < due; ++i) pending.pop();
        // At most 2^16 - 1 record points are ever scheduled, so the count fits.
        config.records = _records(due < count ? pending[0] : 0, passed + due);
        $.config = config;
        return config;
    }

    /// @dev The passed record points' count in a config.
    function _passedRecords(Config memory config) internal pure returns (uint16) {
        return uint16(config.records >> 32);
    }

    /// @dev The `records` field from the next record time and the passed count.
    function _records(uint256 nextRecordTime, uint256 passed) internal pure returns (uint48) {
        return uint48(nextRecordTime | (passed << 32));
    }

    /// @dev Before `wallet`'s balance changes: keeps its balance at the record points passed since
    /// it last changed (zero balances need no checkpoint) and marks them accounted for.
    function _checkpoint(
        SecurityTokenStorage storage $,
        address wallet,
        TokenAccount account,
        uint16 passed
    ) internal returns (TokenAccount) {
        uint256 balance = account.balance();
        if (balance != 0) $.checkpoints[wallet].push(Checkpoint(account.synced(), passed, uint120(balance)));
        return account.withSynced(passed);
    }

    /// @dev Checkpoints the parties of a move whose record-time balances are not yet kept.
    function _keepRecords(
        SecurityTokenStorage storage $,
        uint16 passed,
        address from,
        TokenAccount sender,
        address to,
        TokenAccount recipient
    ) internal returns (TokenAccount, TokenAccount) {
        if (from != address(0) && sender.synced() < passed) sender = _checkpoint($, from, sender, passed);
        if (to != address(0) && recipient.synced() < passed) recipient = _checkpoint($, to, recipient, passed);
        return (sender, recipient);
    }

    /**
     * @dev Moves `value` and keeps the holder count and multi-wallet entities' balances in step.
     * `from` zero is a mint, `to` zero a burn. Writes each account once (the caller has read them).
     * Record points whose time has passed are moved first (mints, burns and forced moves did so
     * already, before the supply changed: `_currentConfig`); then a party whose balance at a passed
     * record point is not yet kept gets a checkpoint.
     */
    // solhint-disable-next-line function-max-lines
    function _move(
        SecurityTokenStorage storage $,
        Config memory config,
        address from,
        TokenAccount sender,
        address to,
        TokenAccount recipient,
        uint256 value
    ) internal {
        // One test on the common path: a token that never had a record point has `records` zero.
        if (config.records != 0) {
            uint256 next = uint32(config.records);
            if (next != 0 && block.timestamp > next) config = _passRecordPoints($, config);
            uint16 passed = _passedRecords(config);
            if (passed != 0) (sender, recipient) = _keepRecords($, passed, from, sender, to, recipient);
        }
        if (from == to) {
            // A transfer to oneself changes nothing but is still reported, as in OpenZeppelin's ERC-20.
            emit IERC20.Transfer(from, to, value);
            return;
        }
        uint24 holders = config.holderCount;
        bool counts = value != 0 && !_sameEntity(from, sender, to, recipient);
        // Unchecked: `value` <= the sender's balance <= its entity's balance (the rules or the
        // caller checked it), balances stay below the 2^120 supply cap, and the holder count moves
        // only when an entity's balance crosses zero.
        unchecked {
            if (from != address(0)) {
                uint256 left = sender.balance() - value;
                if (counts) {
                    if (sender.has(MULTI_WALLET)) {
                        uint24 entity = sender.entityIndex();
                        uint256 entityLeft = $.entityBalance[entity] - value;
                        $.entityBalance[entity] = entityLeft;
                        if (entityLeft == 0) --holders;
                    } else if (left == 0) {
                        --holders;
                    }
                }
                $.accounts[from] = sender.withBalance(left);
            }
            if (to != address(0)) {
                uint256 before = recipient.balance();
                if (counts) {
                    if (recipient.has(MULTI_WALLET)) {
                        uint24 entity = recipient.entityIndex();
                        uint256 entityBefore = $.entityBalance[entity];
                        $.entityBalance[entity] = entityBefore + value;
                        if (entityBefore == 0) ++holders;
                    } else if (before == 0) {
                        ++holders;
                    }
                }
                $.accounts[to] = recipient.withBalance(before + value);
            }
        }
        if (holders != config.holderCount) $.config.holderCount = holders;
        emit IERC20.Transfer(from, to, value);
    }

    /**
     * @dev The rules, in the order of `TransferRestrictions`; returns the first broken rule's code.
     * `from` is zero on a mint. The accounts carry current registry records.
     */
    function _evaluate(
        SecurityTokenStorage storage $,
        Config memory config,
        address from,
        TokenAccount sender,
        address to,
        TokenAccount recipient,
        uint256 value
    ) internal view returns (uint8) {
        if (config.rules & PAUSED_FLAG != 0) return TransferRestrictions.PAUSED;
        if (sender.has(FROZEN) || recipient.has(FROZEN)) return TransferRestrictions.WALLET_FROZEN;
        bool isMint = from == address(0);
        if (!isMint) {
            uint256 unfrozen = sender.balance();
            if (sender.has(PARTLY_FROZEN)) unfrozen = _saturatingSub(unfrozen, $.frozenAmount[from]);
            if (value > unfrozen) return TransferRestrictions.INSUFFICIENT_UNFROZEN_BALANCE;
            if (sender.expiry() <= block.timestamp) return TransferRestrictions.SENDER_NOT_VERIFIED;
        }
        if (recipient.expiry() <= block.timestamp) return TransferRestrictions.RECIPIENT_NOT_VERIFIED;
        uint32 required = config.requiredAttributes;
        if (recipient.attributes() & required != required) return TransferRestrictions.RECIPIENT_MISSING_ATTRIBUTES;
        uint8 rules = config.rules;
        if (rules & RULE_COUNTRY != 0 && !$.countryAllowed[recipient.country()]) {
            return TransferRestrictions.COUNTRY_NOT_ALLOWED;
        }
        if (rules & (RULE_MAX_ENTITY_BALANCE | RULE_MAX_HOLDERS) != 0 && !_sameEntity(from, sender, to, recipient)) {
            uint8 code = _entityRules($, config, isMint, sender, recipient, value);
            if (code != TransferRestrictions.NONE) return code;
        }
        if (!isMint && sender.has(LOCKED)) {
            Lockup memory lockup = $.lockups[from];
            if (lockup.releaseTime > block.timestamp && value > _saturatingSub(sender.balance(), lockup.amount)) {
                return TransferRestrictions.TOKENS_LOCKED;
            }
        }
        if (rules & RULE_HOOK != 0 && !$.complianceHook.canTransfer(from, to, value)) {
            return TransferRestrictions.COMPLIANCE_HOOK_REJECTED;
        }
        return TransferRestrictions.NONE;
    }

    /// @dev Maximum balance per entity and maximum number of holder entities.
    function _entityRules(
        SecurityTokenStorage storage $,
        Config memory config,
        bool isMint,
        TokenAccount sender,
        TokenAccount recipient,
        uint256 value
    ) internal view returns (uint8) {
        uint256 recipientHolds = _entityHoldings($, recipient);
        if (config.rules & RULE_MAX_ENTITY_BALANCE != 0 && recipientHolds + value > config.maxEntityBalance) {
            return TransferRestrictions.ENTITY_BALANCE_LIMIT;
        }
        if (config.rules & RULE_MAX_HOLDERS != 0 && value != 0 && recipientHolds == 0) {
            uint256 holders = uint256(config.holderCount) + 1;
            // The sender's entity stops being a holder if it sends everything it has.
            if (!isMint && _entityHoldings($, sender) == value) --holders;
            if (holders > config.maxHolders) return TransferRestrictions.HOLDER_LIMIT;
        }
        return TransferRestrictions.NONE;
    }

    /// @dev What the account's entity holds across its wallets.
    function _entityHoldings(SecurityTokenStorage storage $, TokenAccount account) internal view returns (uint256) {
        return account.has(MULTI_WALLET) ? $.entityBalance[account.entityIndex()] : account.balance();
    }

    /// @dev Whether a move between the two wallets stays within one entity.
    function _sameEntity(
        address from,
        TokenAccount sender,
        address to,
        TokenAccount recipient
    ) internal pure returns (bool) {
        if (from == address(0) || to == address(0)) return false;
        return
            from == to ||
            (sender.has(MULTI_WALLET) &&
                recipient.has(MULTI_WALLET) &&
                sender.entityIndex() == recipient.entityIndex());
    }

    /// @dev First sight of `wallet` under the current registry: read its record and subscribe to changes.
    function _cache(
        SecurityTokenStorage storage $,
        address wallet,
        TokenAccount account,
        uint8 epoch
    ) internal returns (TokenAccount) {
        return _applyRecord($, account, $.identityRegistry.cacheParticipant(wallet), epoch);
    }

    /// @dev Copies a registry record into an account; an entity that just became multi-wallet starts
    /// counting its balance across wallets from this wallet's balance.
    function _applyRecord(
        SecurityTokenStorage storage $,
        TokenAccount account,
        uint256 recordWord,
        uint8 epoch
    ) internal returns (TokenAccount updated) {
        updated = account.withRecord(recordWord, epoch);
        if (updated.has(MULTI_WALLET) && !account.has(MULTI_WALLET) && account.balance() != 0) {
            $.entityBalance[updated.entityIndex()] += account.balance();
        }
    }

    function _setAddressFrozen(address wallet, bool frozen, bytes32 reason) internal {
        if (wallet == address(0)) revert ISecurityToken.ZeroAddress();
        SecurityTokenStorage storage $ = _storage();
        TokenAccount account = $.accounts[wallet];
        $.accounts[wallet] = frozen ? account.withFlag(FROZEN) : account.withoutFlag(FROZEN);
        emit IERC3643.AddressFrozen(wallet, frozen, msg.sender);
        emit ISecurityToken.FreezeReason(wallet, reason);
    }

    function _freezePartialTokens(address wallet, uint256 amount, bytes32 reason) internal {
        if (wallet == address(0)) revert ISecurityToken.ZeroAddress();
        SecurityTokenStorage storage $ = _storage();
        TokenAccount account = $.accounts[wallet];
        uint256 frozen = $.frozenAmount[wallet];
        uint256 free = _saturatingSub(account.balance(), frozen);
        if (amount > free) revert ISecurityToken.FreezeExceedsFreeBalance(wallet, amount, free);
        $.frozenAmount[wallet] = frozen + amount;
        if (amount != 0) $.accounts[wallet] = account.withFlag(PARTLY_FROZEN);
        emit IERC3643.TokensFrozen(wallet, amount);
        emit ISecurityToken.FreezeReason(wallet, reason);
    }

    function _unfreezePartialTokens(address wallet, uint256 amount, bytes32 reason) internal {
        if (wallet == address(0)) revert ISecurityToken.ZeroAddress();
        SecurityTokenStorage storage $ = _storage();
        uint256 frozen = $.frozenAmount[wallet];
        if (amount > frozen) revert ISecurityToken.UnfreezeExceedsFrozen(wallet, amount, frozen);
        $.frozenAmount[wallet] = frozen - amount;
        if (frozen == amount) $.accounts[wallet] = $.accounts[wallet].withoutFlag(PARTLY_FROZEN);
        emit IERC3643.TokensUnfrozen(wallet, amount);
        emit ISecurityToken.FreezeReason(wallet, reason);
    }

    function _saturatingSub(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : 0;
    }

    function _isPaused() internal view override returns (bool) {
        return _storage().config.rules & PAUSED_FLAG != 0;
    }

    function _setPaused(bool value) internal override {
        Config storage config = _storage().config;
        config.rules = value ? config.rules | PAUSED_FLAG : config.rules & ~PAUSED_FLAG;
    }

    function _storage() internal pure returns (SecurityTokenStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}

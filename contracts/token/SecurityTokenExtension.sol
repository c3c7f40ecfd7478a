// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC1643} from "../interfaces/IERC1643.sol";
import {IERC3643} from "../interfaces/IERC3643.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {IRecordBalances} from "../interfaces/IRecordBalances.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";
import {SecurityTokenBase} from "./SecurityTokenBase.sol";
import {TokenAccount} from "./TokenAccount.sol";
import {TransferRestrictions} from "./TransferRestrictions.sol";

/**
 * @title SecurityTokenExtension
 * @notice The operations of `SecurityToken` that no transfer needs: batch forms, recovery, token
 * information, the registry switch and ERC-1643 document changes. The token delegates them here
 * so that it stays within the 24 KiB contract size limit (EIP-170) that Besu and GoQuorum enforce
 * by default. Every token implementation creates its own extension, so upgrading the token
 * upgrades both together.
 * @dev Runs only by delegatecall from the token, in the token's storage. Called directly it works
 * on its own empty storage, where nobody holds a role.
 */
contract SecurityTokenExtension is SecurityTokenBase {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice The token's `batchTransfer` (see `IERC3643`).
    function batchTransfer(address[] calldata toList, uint256[] calldata amounts) external {
        _checkBatch(toList.length, amounts.length);
        for (uint256 i = 0; i < toList.length; ++i) {
            if (toList[i] == address(0)) revert ERC20InvalidReceiver(address(0));
            _transfer(msg.sender, toList[i], amounts[i]);
        }
    }

    /// @notice The token's `batchMint` (see `IERC3643`).
    function batchMint(address[] calldata toList, uint256[] calldata amounts) external onlyRole(SUPPLY_ROLE) {
        _checkBatch(toList.length, amounts.length);
        for (uint256 i = 0; i < toList.length; ++i) {
            _mint(toList[i], amounts[i]);
        }
    }

    /// @notice The token's `batchBurn` (see `IERC3643`).
    function batchBurn(address[] calldata wallets, uint256[] calldata amounts) external onlyRole(SUPPLY_ROLE) {
        _checkBatch(wallets.length, amounts.length);
        for (uint256 i = 0; i < wallets.length; ++i) {
            _burn(wallets[i], amounts[i]);
        }
    }

    /// @notice The token's `batchSetAddressFrozen` (see `IERC3643`).
    function batchSetAddressFrozen(address[] calldata wallets, bool[] calldata frozen) external onlyRole(FREEZE_ROLE) {
        _checkBatch(wallets.length, frozen.length);
        for (uint256 i = 0; i < wallets.length; ++i) {
            _setAddressFrozen(wallets[i], frozen[i], bytes32(0));
        }
    }

    /// @notice The token's `batchFreezePartialTokens` (see `IERC3643`).
    function batchFreezePartialTokens(
        address[] calldata wallets,
        uint256[] calldata amounts
    ) external onlyRole(FREEZE_ROLE) {
        _checkBatch(wallets.length, amounts.length);
        for (uint256 i = 0; i < wallets.length; ++i) {
            _freezePartialTokens(wallets[i], amounts[i], bytes32(0));
        }
    }

    /// @notice The token's `batchUnfreezePartialTokens` (see `IERC3643`).
    function batchUnfreezePartialTokens(
        address[] calldata wallets,
        uint256[] calldata amounts
    ) external onlyRole(FREEZE_ROLE) {
        _checkBatch(wallets.length, amounts.length);
        for (uint256 i = 0; i < wallets.length; ++i) {
            _unfreezePartialTokens(wallets[i], amounts[i], bytes32(0));
        }
    }

    /// @notice The token's `batchForcedTransfer` (see `IERC3643`).
    function batchForcedTransfer(
        address[] calldata fromList,
        address[] calldata toList,
        uint256[] calldata amounts
    ) external onlyRole(FORCED_TRANSFER_ROLE) {
        _checkBatch(fromList.length, amounts.length);
        if (toList.length != amounts.length) revert ISecurityToken.ArrayLengthMismatch();
        for (uint256 i = 0; i < fromList.length; ++i) {
            _forcedTransfer(fromList[i], toList[i], amounts[i], bytes32(0));
        }
    }

    /// @notice The token's `recoveryAddress` (see `IERC3643`).
    function recoveryAddress(
        address lostWallet,
        address newWallet,
        address investorOnchainID
    ) external onlyRole(RECOVERY_ROLE) returns (bool) {
        _requireNotPaused();
        if (lostWallet == address(0) || newWallet == address(0)) revert ISecurityToken.ZeroAddress();
        SecurityTokenStorage storage $ = _storage();
        TokenAccount lost = $.accounts[lostWallet];
        uint256 balance = lost.balance();
        if (balance == 0) revert ISecurityToken.NothingToRecover(lostWallet);
        TokenAccount target = $.accounts[newWallet];
        if (target.balance() != 0 || target.has(FROZEN | PARTLY_FROZEN | LOCKED)) {
            revert ISecurityToken.RecoveryWalletNotEmpty(newWallet);
        }
        uint8 epoch = _currentConfig($).epoch;
        if (lost.epoch() != epoch) lost = _cache($, lostWallet, lost, epoch);
        if (target.epoch() != epoch) target = _cache($, newWallet, target, epoch);
        if (target.expiry() <= block.timestamp) {
            revert ISecurityToken.TransferRestricted(TransferRestrictions.RECIPIENT_NOT_VERIFIED);
        }
        if (target.entityIndex() != lost.entityIndex()) revert ISecurityToken.RecoveryEntityMismatch(lostWallet, newWallet);
        address expectedId = $.identityRegistry.identity(lostWallet);
        if (investorOnchainID != expectedId) revert ISecurityToken.InvestorIdMismatch(expectedId, investorOnchainID);

        // Same entity, so several wallets: entity balances and the holder count do not change.
        // Balance, freeze, frozen amount and lock-up all move to the new wallet. Both balances
        // change: record-time balances are kept first (the new wallet's are zero).
        uint256 held = _moveAccount($, lostWallet, lost, newWallet, target);
        if (held & PARTLY_FROZEN != 0) {
            $.frozenAmount[newWallet] = $.frozenAmount[lostWallet];
            delete $.frozenAmount[lostWallet];
        }
        if (held & LOCKED != 0) {
            $.lockups[newWallet] = $.lockups[lostWallet];
            delete $.lockups[lostWallet];
        }
        emit IERC20.Transfer(lostWallet, newWallet, balance);
        emit IERC3643.RecoverySuccess(lostWallet, newWallet, investorOnchainID);
        return true;
    }

    /**
     * @notice Passes the record points whose time is past (the token runs this, by delegatecall,
     * on the first balance change after a record time; it is not part of the token's surface).
     */
    function passRecordPoints() external {
        SecurityTokenStorage storage $ = _storage();
        _passRecordPoints($, $.config);
    }

    /// @notice The token's `scheduleRecordTime` (see `IRecordBalances`).
    /// @dev Kept sorted; at most `MAX_PENDING_RECORDS` pending, so passing them is bounded.
    function scheduleRecordTime(uint256 recordTime) external onlyRole(RECORD_ROLE) {
        if (recordTime <= block.timestamp || recordTime > type(uint32).max) {
            revert IRecordBalances.RecordTimeNotInFuture(recordTime);
        }
        SecurityTokenStorage storage $ = _storage();
        Config memory config = _currentConfig($);
        uint32[] storage pending = $.pendingRecordTimes;
        uint256 count = pending.length;
        uint256 position = 0;
        while (position < count && pending[position] < recordTime) ++position;
        if (position < count && pending[position] == recordTime) return;
        uint256 passed = _passedRecords(config);
        if (count == MAX_PENDING_RECORDS || passed + count >= type(uint16).max) {
            revert IRecordBalances.RecordTimeLimit();
        }
        pending.push();
        for (uint256 i = count; i > position; --i) pending[i] = pending[i - 1];
        pending[position] = uint32(recordTime);
        if (position == 0) $.config.records = _records(recordTime, passed);
        emit IRecordBalances.RecordTimeScheduled(recordTime);
    }

    /// @notice The token's `balanceAtRecord` (see `IRecordBalances`).
    function balanceAtRecord(address wallet, uint256 recordTime) external view returns (uint256) {
        SecurityTokenStorage storage $ = _storage();
        (uint256 index, ) = _recordPoint($, recordTime);
        TokenAccount account = $.accounts[wallet];
        // Unchanged since the record point passed: the current balance.
        if (index >= account.synced()) return account.balance();
        // The last checkpoint starting at or before `index`; none or ended before: zero then.
        Checkpoint[] storage checkpoints = $.checkpoints[wallet];
        uint256 low = 0;
        uint256 high = checkpoints.length;
        while (low < high) {
            uint256 middle = (low + high) / 2;
            if (checkpoints[middle].from <= index) low = middle + 1;
            else high = middle;
        }
        if (low == 0) return 0;
        Checkpoint memory checkpoint = checkpoints[low - 1];
        return index < checkpoint.to ? checkpoint.balance : 0;
    }

    /// @notice The token's `totalSupplyAtRecord` (see `IRecordBalances`).
    function totalSupplyAtRecord(uint256 recordTime) external view returns (uint256 supply) {
        (, supply) = _recordPoint(_storage(), recordTime);
    }

    /// @notice The token's `pendingRecordTimes` (see `IRecordBalances`).
    function pendingRecordTimes() external view returns (uint256[] memory times) {
        uint32[] storage pending = _storage().pendingRecordTimes;
        times = new uint256[](pending.length);
        for (uint256 i = 0; i < times.length; ++i) times[i] = pending[i];
    }

    /// @notice The token's `setName` (see `IERC3643`).
    function setName(string calldata name_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bytes(name_).length == 0) revert ISecurityToken.EmptyName();
        _storage().name = name_;
        _emitTokenInformation();
    }

    /// @notice The token's `setSymbol` (see `IERC3643`).
    function setSymbol(string calldata symbol_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bytes(symbol_).length == 0) revert ISecurityToken.EmptySymbol();
        _storage().symbol = symbol_;
        _emitTokenInformation();
    }

    /// @notice The token's `setOnchainID` (see `IERC3643`).
    function setOnchainID(address onchainID_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _storage().onchainID = onchainID_;
        _emitTokenInformation();
    }

    /// @notice The token's `setIdentityRegistry` (see `IERC3643`).
    /// @dev Entity numbers and cached records belong to a registry, so the switch is allowed only
    /// while nothing is in circulation; every cached record becomes stale (a new epoch) and the
    /// token leaves the old registry. The new registry must bind the token.
    function setIdentityRegistry(address registry) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (registry == address(0)) revert ISecurityToken.ZeroAddress();
        SecurityTokenStorage storage $ = _storage();
        if ($.totalSupply != 0) revert ISecurityToken.SupplyNotZero($.totalSupply);
        if ($.config.epoch == type(uint8).max) revert ISecurityToken.RegistrySwitchLimit();
        ++$.config.epoch;
        IIdentityRegistry previous = $.identityRegistry;
        $.identityRegistry = IIdentityRegistry(registry);
        if (previous.isTokenBound(address(this))) previous.unbindToken();
        emit IERC3643.IdentityRegistryAdded(registry);
    }

    /// @notice The token's `setDocument` (see `IERC1643`).
    function setDocument(bytes32 name_, string calldata uri, bytes32 documentHash) external onlyRole(DOCUMENT_ROLE) {
        if (name_ == bytes32(0)) revert ISecurityToken.EmptyDocumentName();
        SecurityTokenStorage storage $ = _storage();
        if ($.documentPosition[name_] == 0) {
            $.documentNames.push(name_);
            $.documentPosition[name_] = $.documentNames.length;
        }
        $.documents[name_] = Document(uri, documentHash, block.timestamp);
        emit IERC1643.DocumentUpdated(name_, uri, documentHash);
    }

    /// @notice The token's `removeDocument` (see `IERC1643`).
    function removeDocument(bytes32 name_) external onlyRole(DOCUMENT_ROLE) {
        SecurityTokenStorage storage $ = _storage();
        uint256 position = $.documentPosition[name_];
        if (position == 0) revert ISecurityToken.DocumentNotFound(name_);
        // Swap with the last name and pop, so removal costs the same however many documents exist.
        bytes32 last = $.documentNames[$.documentNames.length - 1];
        $.documentNames[position - 1] = last;
        $.documentPosition[last] = position;
        $.documentNames.pop();
        delete $.documentPosition[name_];
        Document memory removed = $.documents[name_];
        delete $.documents[name_];
        emit IERC1643.DocumentRemoved(name_, removed.uri, removed.documentHash);
    }

    function _emitTokenInformation() private {
        SecurityTokenStorage storage $ = _storage();
        emit IERC3643.UpdatedTokenInformation($.name, $.symbol, $.decimals, IERC3643(address(this)).version(), $.onchainID);
    }

    /// @dev Recovery's balance move: both wallets' record-time balances are kept first (the new
    /// wallet's are zero); returns the freeze and lock-up flags that moved.
    function _moveAccount(
        SecurityTokenStorage storage $,
        address lostWallet,
        TokenAccount lost,
        address newWallet,
        TokenAccount target
    ) private returns (uint256 held) {
        uint16 passed = _passedRecords($.config);
        if (lost.synced() < passed) lost = _checkpoint($, lostWallet, lost, passed);
        held = TokenAccount.unwrap(lost) & (FROZEN | PARTLY_FROZEN | LOCKED);
        $.accounts[newWallet] = TokenAccount.wrap(TokenAccount.unwrap(target) | held).withBalance(lost.balance()).withSynced(
            passed
        );
        $.accounts[lostWallet] = lost.withoutFlag(FROZEN | PARTLY_FROZEN | LOCKED).withBalance(0);
        $.recoveredTo[lostWallet] = newWallet;
        delete $.recoveredTo[newWallet];
    }

    /// @dev The index and supply of the record point at `recordTime`, strictly past. A past point
    /// still pending has had no balance change since its time: the next index, the current supply.
    function _recordPoint(
        SecurityTokenStorage storage $,
        uint256 recordTime
    ) private view returns (uint256 index, uint256 supply) {
        if (recordTime >= block.timestamp) revert IRecordBalances.RecordTimeNotPassed(recordTime);
        RecordPoint[] storage points = $.recordPoints;
        uint256 low = 0;
        uint256 high = points.length;
        while (low < high) {
            uint256 middle = (low + high) / 2;
            uint256 time = points[middle].time;
            if (time == recordTime) return (middle, points[middle].supply);
            if (time < recordTime) low = middle + 1;
            else high = middle;
        }
        uint32[] storage pending = $.pendingRecordTimes;
        for (uint256 i = 0; i < pending.length; ++i) {
            if (pending[i] == recordTime) return (points.length + i, $.totalSupply);
        }
        revert IRecordBalances.UnknownRecordTime(recordTime);
    }

    function _checkBatch(uint256 length, uint256 otherLength) private pure {
        if (length == 0) revert ISecurityToken.EmptyBatch();
        if (length != otherLength) revert ISecurityToken.ArrayLengthMismatch();
    }
}

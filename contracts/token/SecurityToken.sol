// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IComplianceHook} from "../interfaces/IComplianceHook.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {IERC1404} from "../interfaces/IERC1404.sol";
import {IERC1643} from "../interfaces/IERC1643.sol";
import {IERC3643} from "../interfaces/IERC3643.sol";
import {IParticipantCache} from "../interfaces/IParticipantCache.sol";
import {IRecordBalances} from "../interfaces/IRecordBalances.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";
import {SecurityTokenBase} from "./SecurityTokenBase.sol";
import {SecurityTokenExtension} from "./SecurityTokenExtension.sol";
import {TokenAccount} from "./TokenAccount.sol";
import {TransferRestrictions} from "./TransferRestrictions.sol";

/**
 * @title SecurityToken
 * @notice Permissioned ERC-20 implementing ERC-3643's token interface, for securities and, with no
 * extra rules, for the consortium's cash token. Only wallets verified in the `IdentityRegistry`
 * hold it. Every mint and transfer passes the rules of `TransferRestrictions` in order; a transfer
 * that breaks one reverts with `TransferRestricted(code)`, and `detectTransferRestriction` tells
 * the code beforehand (ERC-1404). Operators by duty mint and burn, freeze, force transfers, recover
 * lost wallets and keep documents; compliance officers set the rules; a guardian pauses; the admin
 * (the governance timelock) unpauses, manages roles, names the token and upgrades it.
 *
 * @dev Gas design. Each wallet has one storage word, `Account`: its balance, its freeze and
 * lock-up flags, and a copy of its registry record (KYC expiry, country, attributes, entity). A
 * transfer reads the config word and the two accounts and writes the two accounts; it calls the
 * registry only the first time a wallet is seen. The registry keeps the copies fresh: it tells the
 * token of every change to a record the token cached (`participantChanged`), and the KYC expiry is
 * checked here against the block time. Balances are counted per legal entity only for entities with
 * more than one wallet; a one-wallet entity's balance is its wallet's balance. Frozen amounts and
 * lock-ups are read only when the wallet's flag says it has one.
 */
contract SecurityToken is SecurityTokenBase, UUPSUpgradeable, ISecurityToken {
    /// @dev Where the operations no transfer needs run (see `SecurityTokenExtension`).
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address private immutable EXTENSION;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
        EXTENSION = address(new SecurityTokenExtension());
    }

    /**
     * @notice Sets up the token behind its proxy. The deployer gets no role: the admin and the
     * first operators are named here. The registry must then bind the token
     * (`IdentityRegistry.bindToken`) before anyone can receive it.
     * @param name_ ERC-20 name.
     * @param symbol_ ERC-20 symbol.
     * @param decimals_ ERC-20 decimals (0 for shares).
     * @param registry The participant registry that verifies holders.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and upgrade rights (the governance timelock).
     * @param operators The first operators, by duty.
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
        if (bytes(name_).length == 0) revert EmptyName();
        if (bytes(symbol_).length == 0) revert EmptySymbol();
        __AccessControl_init();
        SecurityTokenStorage storage $ = _storage();
        $.name = name_;
        $.symbol = symbol_;
        $.identityRegistry = registry;
        $.decimals = decimals_;
        $.config.epoch = 1;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantAll(SUPPLY_ROLE, operators.supplyAgents);
        _grantAll(FREEZE_ROLE, operators.freezeAgents);
        _grantAll(FORCED_TRANSFER_ROLE, operators.forcedTransferAgents);
        _grantAll(RECOVERY_ROLE, operators.recoveryAgents);
        _grantAll(DOCUMENT_ROLE, operators.documentAgents);
        _grantAll(COMPLIANCE_ROLE, operators.complianceOfficers);
        _grantAll(GUARDIAN_ROLE, operators.guardians);
        emit IdentityRegistryAdded(address(registry));
        emit ComplianceAdded(address(this));
    }

    // ------------------------------------------------------------------ ERC-20

    /// @notice ERC-20 name.
    function name() external view returns (string memory) {
        return _storage().name;
    }

    /// @notice ERC-20 symbol.
    function symbol() external view returns (string memory) {
        return _storage().symbol;
    }

    /// @notice ERC-20 decimals, as configured at initialisation (0 for shares).
    function decimals() external view returns (uint8) {
        return _storage().decimals;
    }

    /// @notice Tokens in circulation.
    function totalSupply() external view returns (uint256) {
        return _storage().totalSupply;
    }

    /// @notice `wallet`'s balance.
    function balanceOf(address wallet) public view returns (uint256) {
        return _storage().accounts[wallet].balance();
    }

    /// @notice What `spender` may still move from `owner`.
    function allowance(address owner, address spender) external view returns (uint256) {
        return _storage().allowances[owner][spender];
    }

    /// @notice Moves `value` from the caller to `to`, if every rule allows it.
    function transfer(address to, uint256 value) external returns (bool) {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _transfer(msg.sender, to, value);
        return true;
    }

    /// @notice Moves `value` from `from` to `to` using the caller's allowance, if every rule allows it.
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        // OpenZeppelin's order: the allowance first, then the parties.
        _spendAllowance(from, msg.sender, value);
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _transfer(from, to, value);
        return true;
    }

    /// @notice Lets `spender` move up to `value` of the caller's tokens (the maximum is unlimited).
    function approve(address spender, uint256 value) external returns (bool) {
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _storage().allowances[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }


    // ------------------------------------------------------------------ supply

    /// @inheritdoc IERC3643
    function mint(address to, uint256 amount) external onlyRole(SUPPLY_ROLE) {
        _mint(to, amount);
    }

    /// @inheritdoc ISecurityToken
    function mintLocked(address to, uint256 amount, uint64 releaseTime) external onlyRole(SUPPLY_ROLE) {
        if (releaseTime <= block.timestamp) revert ReleaseTimeInPast(releaseTime);
        _mint(to, amount);
        SecurityTokenStorage storage $ = _storage();
        Lockup memory lockup = $.lockups[to];
        // One lock-up per wallet: a new lock adds to a running one and keeps the later release time.
        uint256 locked = amount;
        if (lockup.releaseTime > block.timestamp) {
            locked += lockup.amount;
            if (lockup.releaseTime > releaseTime) releaseTime = lockup.releaseTime;
        }
        // `locked` <= the wallet's balance < 2^120, so it fits.
        $.lockups[to] = Lockup(uint128(locked), releaseTime);
        $.accounts[to] = $.accounts[to].withFlag(LOCKED);
        emit TokensLocked(to, locked, releaseTime);
    }

    /// @inheritdoc IERC3643
    function burn(address from, uint256 amount) external onlyRole(SUPPLY_ROLE) {
        _burn(from, amount);
    }



    // ------------------------------------------------------------------ freezes

    /// @inheritdoc IERC3643
    function setAddressFrozen(address wallet, bool frozen) external onlyRole(FREEZE_ROLE) {
        _setAddressFrozen(wallet, frozen, bytes32(0));
    }

    /// @inheritdoc ISecurityToken
    function setAddressFrozenWithReason(address wallet, bool frozen, bytes32 reason) external onlyRole(FREEZE_ROLE) {
        _setAddressFrozen(wallet, frozen, reason);
    }

    /// @inheritdoc IERC3643
    function freezePartialTokens(address wallet, uint256 amount) external onlyRole(FREEZE_ROLE) {
        _freezePartialTokens(wallet, amount, bytes32(0));
    }

    /// @inheritdoc ISecurityToken
    function freezePartialTokensWithReason(
        address wallet,
        uint256 amount,
        bytes32 reason
    ) external onlyRole(FREEZE_ROLE) {
        _freezePartialTokens(wallet, amount, reason);
    }

    /// @inheritdoc IERC3643
    function unfreezePartialTokens(address wallet, uint256 amount) external onlyRole(FREEZE_ROLE) {
        _unfreezePartialTokens(wallet, amount, bytes32(0));
    }

    /// @inheritdoc ISecurityToken
    function unfreezePartialTokensWithReason(
        address wallet,
        uint256 amount,
        bytes32 reason
    ) external onlyRole(FREEZE_ROLE) {
        _unfreezePartialTokens(wallet, amount, reason);
    }




    // ------------------------------------------------------------------ forced transfers, recovery

    /// @inheritdoc IERC3643
    function forcedTransfer(address from, address to, uint256 amount) external onlyRole(FORCED_TRANSFER_ROLE) returns (bool) {
        _forcedTransfer(from, to, amount, bytes32(0));
        return true;
    }

    /// @inheritdoc ISecurityToken
    function forcedTransferWithReason(
        address from,
        address to,
        uint256 amount,
        bytes32 reason
    ) external onlyRole(FORCED_TRANSFER_ROLE) returns (bool) {
        _forcedTransfer(from, to, amount, reason);
        return true;
    }



    // ------------------------------------------------------------------ compliance settings

    /// @inheritdoc ISecurityToken
    function setRequiredAttributes(uint32 attributes) external onlyRole(COMPLIANCE_ROLE) {
        _storage().config.requiredAttributes = attributes;
        emit RequiredAttributesSet(attributes);
    }

    /// @inheritdoc ISecurityToken
    function setCountryRestriction(bool restricted) external onlyRole(COMPLIANCE_ROLE) {
        _setRule(RULE_COUNTRY, restricted);
        emit CountryRestrictionSet(restricted);
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
        if (maxBalance > type(uint112).max) revert LimitTooLarge(maxBalance, type(uint112).max);
        _storage().config.maxEntityBalance = uint112(maxBalance);
        _setRule(RULE_MAX_ENTITY_BALANCE, maxBalance != 0);
        emit MaxEntityBalanceSet(maxBalance);
    }

    /// @inheritdoc ISecurityToken
    function setMaxHolders(uint32 maxHolders_) external onlyRole(COMPLIANCE_ROLE) {
        if (maxHolders_ > type(uint24).max) revert LimitTooLarge(maxHolders_, type(uint24).max);
        _storage().config.maxHolders = uint24(maxHolders_);
        _setRule(RULE_MAX_HOLDERS, maxHolders_ != 0);
        emit MaxHoldersSet(maxHolders_);
    }

    /// @inheritdoc IERC3643
    /// @dev The token's own rules always apply; `compliance` is consulted after them. The zero
    /// address or the token itself means no further contract.
    function setCompliance(address compliance_) external onlyRole(COMPLIANCE_ROLE) {
        bool external_ = compliance_ != address(0) && compliance_ != address(this);
        _storage().complianceHook = IComplianceHook(external_ ? compliance_ : address(0));
        _setRule(RULE_HOOK, external_);
        emit ComplianceAdded(external_ ? compliance_ : address(this));
    }






    /// @inheritdoc IParticipantCache
    function participantChanged(address wallet, uint256 recordWord) external {
        SecurityTokenStorage storage $ = _storage();
        if (msg.sender != address($.identityRegistry)) revert CallerNotIdentityRegistry(msg.sender);
        TokenAccount account = $.accounts[wallet];
        uint8 epoch = account.epoch();
        // Not cached under the current registry: it is read afresh when next needed.
        if (epoch != $.config.epoch) return;
        $.accounts[wallet] = _applyRecord($, account, recordWord, epoch);
    }






    // ------------------------------------------------------------------ ERC-1404

    /// @inheritdoc IERC1404
    /// @dev An amount above the sender's balance gives code 3 here; the transfer itself then
    /// reverts with ERC-6093's `ERC20InsufficientBalance`, as a plain ERC-20 does.
    function detectTransferRestriction(address from, address to, uint256 value) external view returns (uint8) {
        SecurityTokenStorage storage $ = _storage();
        Config memory config = $.config;
        if (config.rules & PAUSED_FLAG != 0) return TransferRestrictions.PAUSED;
        TokenAccount sender = $.accounts[from];
        TokenAccount recipient = $.accounts[to];
        bool senderStale = from != address(0) && sender.epoch() != config.epoch;
        bool recipientStale = recipient.epoch() != config.epoch;
        if (senderStale || recipientStale) {
            (uint256 s, uint256 r) = $.identityRegistry.recordWordsOf(from, to);
            if (senderStale) sender = sender.withRecord(s, config.epoch);
            if (recipientStale) recipient = recipient.withRecord(r, config.epoch);
        }
        return _evaluate($, config, from, sender, to, recipient, value);
    }

    /// @inheritdoc IERC1404
    function messageForTransferRestriction(uint8 restrictionCode) external pure returns (string memory) {
        return TransferRestrictions.message(restrictionCode);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IERC3643
    function version() public pure virtual returns (string memory) {
        return "2.0.0";
    }

    /// @inheritdoc IERC3643
    function onchainID() external view returns (address) {
        return _storage().onchainID;
    }

    /// @inheritdoc IERC3643
    function identityRegistry() external view returns (IIdentityRegistry) {
        return _storage().identityRegistry;
    }

    /// @inheritdoc IERC3643
    function compliance() external view returns (address) {
        address hook = address(_storage().complianceHook);
        return hook == address(0) ? address(this) : hook;
    }

    /// @inheritdoc ISecurityToken
    function complianceHook() external view returns (IComplianceHook) {
        return _storage().complianceHook;
    }

    /// @inheritdoc ISecurityToken
    function requiredAttributes() external view returns (uint32) {
        return _storage().config.requiredAttributes;
    }

    /// @inheritdoc ISecurityToken
    function countryRestricted() external view returns (bool) {
        return _storage().config.rules & RULE_COUNTRY != 0;
    }



    /// @inheritdoc ISecurityToken
    function maxEntityBalance() external view returns (uint256) {
        Config memory config = _storage().config;
        return config.rules & RULE_MAX_ENTITY_BALANCE == 0 ? 0 : config.maxEntityBalance;
    }

    /// @inheritdoc ISecurityToken
    function maxHolders() external view returns (uint32) {
        return _storage().config.maxHolders;
    }

    /// @inheritdoc IERC3643
    function isFrozen(address wallet) external view returns (bool) {
        return _storage().accounts[wallet].has(FROZEN);
    }

    /// @inheritdoc IERC3643
    function getFrozenTokens(address wallet) external view returns (uint256) {
        return _storage().frozenAmount[wallet];
    }



    /// @inheritdoc ISecurityToken
    function holderCount() external view returns (uint256) {
        return _storage().config.holderCount;
    }


    /// @inheritdoc IERC1643
    function getDocument(bytes32 name_) external view returns (string memory, bytes32, uint256) {
        SecurityTokenStorage storage $ = _storage();
        if ($.documentPosition[name_] == 0) revert DocumentNotFound(name_);
        Document storage document = $.documents[name_];
        return (document.uri, document.documentHash, document.lastModified);
    }

    /// @inheritdoc IERC1643
    function getAllDocuments() external view returns (bytes32[] memory) {
        return _storage().documentNames;
    }

    /// @inheritdoc ISecurityToken
    function entityBalance(bytes32 entityId) external view returns (uint256) {
        SecurityTokenStorage storage $ = _storage();
        IIdentityRegistry registry = $.identityRegistry;
        uint256 wallets = registry.boundWalletCountOf(entityId);
        if (wallets == 0) return 0;
        if (wallets == 1) return $.accounts[registry.firstWalletOf(entityId)].balance();
        return $.entityBalance[registry.entityIndexOf(entityId)];
    }

    /// @inheritdoc ISecurityToken
    function lockupOf(address wallet) external view returns (uint256 amount, uint64 releaseTime) {
        Lockup memory lockup = _storage().lockups[wallet];
        if (lockup.releaseTime > block.timestamp) return (lockup.amount, lockup.releaseTime);
    }

    /// @inheritdoc ISecurityToken
    function freeBalanceOf(address wallet) external view returns (uint256) {
        SecurityTokenStorage storage $ = _storage();
        TokenAccount account = $.accounts[wallet];
        if (account.has(FROZEN)) return 0;
        uint256 held = $.frozenAmount[wallet];
        Lockup memory lockup = $.lockups[wallet];
        if (lockup.releaseTime > block.timestamp && lockup.amount > held) held = lockup.amount;
        return _saturatingSub(account.balance(), held);
    }

    /// @inheritdoc ISecurityToken
    function isCountryAllowed(uint16 country) external view returns (bool) {
        return _storage().countryAllowed[country];
    }

    /// @inheritdoc ISecurityToken
    function allowedCountryCount() external view returns (uint16) {
        return _storage().allowedCountryCount;
    }

    // ------------------------------------------------------------------ record-time balances

    /// @inheritdoc IRecordBalances
    function balanceAtRecord(address, uint256) external view returns (uint256 balance) {
        _asView(_delegateToExtension)();
        return balance; // not reached: the extension's answer was returned
    }

    /// @inheritdoc IRecordBalances
    function totalSupplyAtRecord(uint256) external view returns (uint256 supply) {
        _asView(_delegateToExtension)();
        return supply; // not reached: the extension's answer was returned
    }

    /// @inheritdoc IRecordBalances
    function pendingRecordTimes() external view returns (uint256[] memory times) {
        _asView(_delegateToExtension)();
        return times; // not reached: the extension's answer was returned
    }

    /// @inheritdoc IRecordBalances
    function passedRecordCount() external view returns (uint256) {
        return _passedRecords(_storage().config);
    }

    /// @inheritdoc IRecordBalances
    function recoveredWallet(address lostWallet) external view returns (address) {
        return _storage().recoveredTo[lostWallet];
    }

    /// @inheritdoc ISecurityToken
    function extension() external view returns (address) {
        return EXTENSION;
    }

    /// @inheritdoc ISecurityToken
    function maxSupply() external pure returns (uint256) {
        return MAX_SUPPLY;
    }

    // ------------------------------------------------------------------ run by the extension

    /// @inheritdoc IERC3643
    function batchTransfer(address[] calldata, uint256[] calldata) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function batchMint(address[] calldata, uint256[] calldata) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function batchBurn(address[] calldata, uint256[] calldata) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function batchSetAddressFrozen(address[] calldata, bool[] calldata) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function batchFreezePartialTokens(address[] calldata, uint256[] calldata) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function batchUnfreezePartialTokens(address[] calldata, uint256[] calldata) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function batchForcedTransfer(address[] calldata, address[] calldata, uint256[] calldata) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function recoveryAddress(address, address, address) external returns (bool) {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function setName(string calldata) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function setSymbol(string calldata) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function setOnchainID(address) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC3643
    function setIdentityRegistry(address) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC1643
    function setDocument(bytes32, string calldata, bytes32) external {
        _delegateToExtension();
    }

    /// @inheritdoc IERC1643
    function removeDocument(bytes32) external {
        _delegateToExtension();
    }

    /// @inheritdoc IRecordBalances
    function scheduleRecordTime(uint256) external {
        _delegateToExtension();
    }

    // ------------------------------------------------------------------ internals



















    function _spendAllowance(address owner, address spender, uint256 value) private {
        mapping(address => uint256) storage allowances = _storage().allowances[owner];
        uint256 current = allowances[spender];
        if (current == type(uint256).max) return;
        if (current < value) revert ERC20InsufficientAllowance(spender, current, value);
        allowances[spender] = current - value;
    }


    function _grantAll(bytes32 role, address[] memory accounts) private {
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (accounts[i] == address(0)) revert ZeroAddress();
            _grantRole(role, accounts[i]);
        }
    }

    function _setRule(uint8 rule, bool on) private {
        Config storage config = _storage().config;
        config.rules = on ? config.rules | rule : config.rules & ~rule;
    }





    /**
     * @dev Runs the current call in the extension, in this contract's storage, and returns or
     * reverts with what it returns. The extension is this implementation's own (immutable).
     * @custom:oz-upgrades-unsafe-allow delegatecall
     */
    function _delegateToExtension() private {
        address target = EXTENSION;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let success := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(success) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    /**
     * @dev Passing record points is cold (once per record time): it runs in the extension.
     * @custom:oz-upgrades-unsafe-allow delegatecall
     */
    function _passRecordPoints(
        SecurityTokenStorage storage $,
        Config memory
    ) internal override returns (Config memory) {
        address target = EXTENSION;
        bytes4 selector = SecurityTokenExtension.passRecordPoints.selector;
        assembly ("memory-safe") {
            mstore(0, selector)
            if iszero(delegatecall(gas(), target, 0, 4, 0, 0)) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
        }
        return $.config;
    }

    /**
     * @dev `_delegateToExtension` typed as a view, for views that run in the extension: the
     * extension's views write nothing, so they also run under STATICCALL.
     */
    function _asView(function() internal f) private pure returns (function() internal view g) {
        assembly ("memory-safe") {
            g := f
        }
    }

    /// @dev Upgrades are governance decisions: only the admin (the timelock) may upgrade.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

}

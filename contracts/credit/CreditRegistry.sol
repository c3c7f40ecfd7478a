// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ParticipantAttributes} from "../identity/ParticipantAttributes.sol";
import {ICreditHook} from "../interfaces/ICreditHook.sol";
import {ICreditRegistry} from "../interfaces/ICreditRegistry.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {IInvoiceRegistry} from "../interfaces/IInvoiceRegistry.sol";

/**
 * @title CreditRegistry
 * @notice Credit lines, exposure limits and a shared credit record for the consortium. Lender
 * entities' credit officers grant, change and close lines to counterparty entities; the invoice
 * registry tells this contract of every change to who holds how much of whose receivables, so each
 * holder entity's exposure to each debtor entity is exact; a lender that opts in has receivables
 * beyond its lines refused; governance caps debtors' accepted-but-unpaid receivables; reporters file
 * adverse records, subjects dispute them and governance upholds or strikes them.
 * @dev UUPS proxy; upgrades, settings, ceilings and the reporter role belong to `DEFAULT_ADMIN_ROLE`
 * (the governance timelock). Entities are kept by their identity-registry sequence number, which is
 * what the invoice registry knows; every operation is O(1); only views enumerate an entity's lines.
 */
contract CreditRegistry is Initializable, AccessControlUpgradeable, UUPSUpgradeable, ICreditRegistry {
    /// @notice Files adverse records (granted by governance).
    bytes32 public constant REPORTER_ROLE = keccak256("REPORTER_ROLE");

    /// @dev A line in two slots: currency and expiry, then the limit.
    struct Line {
        address currency;
        uint64 expiry;
        uint128 limit;
    }

    /// @dev A debtor's accepted-but-unpaid receivables in one currency and its ceiling, in one slot.
    struct Book {
        uint128 outstanding;
        uint120 ceiling;
        bool active;
    }

    /// @dev Adverse record counts of one subject, in one slot.
    struct Counts {
        uint64 total;
        uint64 disputed;
        uint64 upheld;
        uint64 struck;
    }

    /// @custom:storage-location erc7201:consortium.storage.CreditRegistry
    struct CreditRegistryStorage {
        IIdentityRegistry identityRegistry;
        address invoiceRegistry;
        address baseCurrency;
        uint256 recordCount;
        mapping(uint64 lender => mapping(uint64 counterparty => Line)) lines;
        mapping(uint64 holder => mapping(uint64 debtor => mapping(address currency => uint256))) exposures;
        mapping(uint64 lender => bool) enforced;
        mapping(uint64 debtor => mapping(address currency => Book)) books;
        mapping(uint64 lender => uint64[]) granted;
        mapping(uint64 counterparty => uint64[]) received;
        mapping(uint64 lender => mapping(uint64 counterparty => uint256)) grantedPosition; // 1-based
        mapping(uint64 counterparty => mapping(uint64 lender => uint256)) receivedPosition; // 1-based
        mapping(uint256 id => AdverseRecord) records;
        mapping(bytes32 subject => uint256[]) recordsOf;
        mapping(bytes32 subject => Counts) counts;
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.CreditRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x0a7277d232390f91a1eae56ace58e785f3a897f22c08dcbdd0a284d89534bd00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets up the registry behind its proxy. The deployer gets no role.
     * @param registry The identity registry: entities, and which wallets are credit officers.
     * @param invoices The invoice registry whose hook calls are accepted.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and upgrade rights (the governance timelock).
     * @param base The base currency of the two-argument views and `recordOf` (the cash token).
     */
    function initialize(IIdentityRegistry registry, address invoices, address admin, address base) external initializer {
        if (address(registry) == address(0) || invoices == address(0) || admin == address(0) || base == address(0)) {
            revert ZeroAddress();
        }
        __AccessControl_init();
        CreditRegistryStorage storage $ = _storage();
        $.identityRegistry = registry;
        $.invoiceRegistry = invoices;
        $.baseCurrency = base;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit InvoiceRegistrySet(invoices);
        emit BaseCurrencySet(base);
    }

    // ------------------------------------------------------------------ exposure (the invoice hook)

    /// @inheritdoc ICreditHook
    function receivableChanged(
        address from,
        address to,
        uint256 debtorEntityIndex,
        address currency,
        uint256 amount
    ) external {
        CreditRegistryStorage storage $ = _storage();
        if (msg.sender != $.invoiceRegistry) revert NotInvoiceRegistry(msg.sender);
        uint64 debtor = uint64(debtorEntityIndex);
        (IIdentityRegistry.Participant memory a, IIdentityRegistry.Participant memory b) = $
            .identityRegistry
            .participantsOf(from, to);
        uint64 fromEntity = a.entityIndex;
        uint64 toEntity = b.entityIndex;
        // A move between wallets of one entity changes no entity's exposure.
        if (from != address(0) && to != address(0) && fromEntity == toEntity) return;
        if (from == address(0)) {
            Book storage book = $.books[debtor][currency];
            uint256 outstanding = book.outstanding;
            if (book.active && outstanding + amount > book.ceiling) {
                revert DebtorCeilingExceeded(_idOf(debtor), book.ceiling, outstanding, amount);
            }
            // Receivables are uint96 amounts: a uint128 sum of them does not overflow in practice.
            book.outstanding = uint128(outstanding + amount);
        } else {
            mapping(address => uint256) storage held = $.exposures[fromEntity][debtor];
            // Saturating: a hook set after receivables existed never blocks a payment or a transfer.
            uint256 before = held[currency];
            held[currency] = before > amount ? before - amount : 0;
        }
        if (to == address(0)) {
            Book storage book = $.books[debtor][currency];
            uint256 outstanding = book.outstanding;
            book.outstanding = uint128(outstanding > amount ? outstanding - amount : 0);
        } else {
            mapping(address => uint256) storage held = $.exposures[toEntity][debtor];
            uint256 current = held[currency];
            if ($.enforced[toEntity]) _checkLine($.lines[toEntity][debtor], toEntity, debtor, currency, current, amount);
            held[currency] = current + amount;
        }
        emit ExposureChanged(fromEntity, toEntity, debtor, currency, amount);
    }

    // ------------------------------------------------------------------ lines

    /// @inheritdoc ICreditRegistry
    function setLine(bytes32 counterparty, address currency, uint256 limit, uint64 expiry) external {
        (uint64 lender, bytes32 lenderId) = _officer();
        if (currency == address(0)) revert ZeroAddress();
        if (limit == 0) revert ZeroAmount();
        if (limit > type(uint128).max) revert AmountTooLarge(limit);
        if (expiry <= block.timestamp) revert ExpiryInPast(expiry);
        uint64 other = _indexOf(counterparty);
        if (other == lender) revert SelfLine(counterparty);
        CreditRegistryStorage storage $ = _storage();
        Line storage line = $.lines[lender][other];
        if (line.limit == 0) {
            $.granted[lender].push(other);
            $.grantedPosition[lender][other] = $.granted[lender].length;
            $.received[other].push(lender);
            $.receivedPosition[other][lender] = $.received[other].length;
        } else if (line.currency != currency) {
            revert LineCurrencyChange(lenderId, counterparty, line.currency, currency);
        }
        line.currency = currency;
        line.expiry = expiry;
        line.limit = uint128(limit);
        emit LineSet(lenderId, counterparty, currency, limit, expiry, msg.sender);
    }

    /// @inheritdoc ICreditRegistry
    function closeLine(bytes32 counterparty) external {
        (uint64 lender, bytes32 lenderId) = _officer();
        uint64 other = _indexOf(counterparty);
        CreditRegistryStorage storage $ = _storage();
        if ($.lines[lender][other].limit == 0) revert NoLine(lenderId, counterparty);
        delete $.lines[lender][other];
        _removeFrom($.granted[lender], $.grantedPosition[lender], other);
        _removeFrom($.received[other], $.receivedPosition[other], lender);
        emit LineClosed(lenderId, counterparty, msg.sender);
    }

    /// @inheritdoc ICreditRegistry
    function setEnforcement(bool enforced) external {
        (uint64 lender, bytes32 lenderId) = _officer();
        CreditRegistryStorage storage $ = _storage();
        if ($.enforced[lender] == enforced) revert EnforcementUnchanged(lenderId, enforced);
        $.enforced[lender] = enforced;
        emit EnforcementSet(lenderId, enforced, msg.sender);
    }

    // ------------------------------------------------------------------ debtor ceilings

    /// @inheritdoc ICreditRegistry
    function setDebtorCeiling(bytes32 debtor, address currency, uint256 ceiling) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (currency == address(0)) revert ZeroAddress();
        if (ceiling > type(uint120).max) revert AmountTooLarge(ceiling);
        Book storage book = _storage().books[_indexOf(debtor)][currency];
        book.ceiling = uint120(ceiling);
        book.active = true;
        emit DebtorCeilingSet(debtor, currency, ceiling, true);
    }

    /// @inheritdoc ICreditRegistry
    function removeDebtorCeiling(bytes32 debtor, address currency) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Book storage book = _storage().books[_indexOf(debtor)][currency];
        book.ceiling = 0;
        book.active = false;
        emit DebtorCeilingSet(debtor, currency, 0, false);
    }

    // ------------------------------------------------------------------ adverse records

    /// @inheritdoc ICreditRegistry
    function fileAdverseRecord(
        bytes32 subject,
        AdverseKind kind,
        address currency,
        uint256 amount,
        uint64 date,
        bytes32 evidenceHash
    ) external onlyRole(REPORTER_ROLE) returns (uint256 id) {
        _indexOf(subject);
        if (evidenceHash == bytes32(0)) revert EmptyEvidence();
        if (date > block.timestamp) revert DateInFuture(date);
        if (amount != 0 && currency == address(0)) revert ZeroAddress();
        CreditRegistryStorage storage $ = _storage();
        id = ++$.recordCount;
        AdverseRecord storage r = $.records[id];
        r.subject = subject;
        r.reporter = msg.sender;
        r.kind = kind;
        r.status = RecordStatus.Filed;
        r.date = date;
        r.filedAt = uint64(block.timestamp);
        r.currency = currency;
        r.amount = amount;
        r.evidenceHash = evidenceHash;
        $.recordsOf[subject].push(id);
        $.counts[subject].total += 1;
        emit AdverseRecordFiled(id, subject, msg.sender, kind, currency, amount, date, evidenceHash);
    }

    /// @inheritdoc ICreditRegistry
    function disputeRecord(uint256 id, bytes32 disputeHash) external {
        CreditRegistryStorage storage $ = _storage();
        AdverseRecord storage r = _record(id);
        if (r.status != RecordStatus.Filed) revert RecordNotFiled(id, r.status);
        (IIdentityRegistry.Participant memory p, ) = $.identityRegistry.participantsOf(msg.sender, address(0));
        if (p.expiry <= block.timestamp || p.entityIndex != $.identityRegistry.entityIndexOf(r.subject)) {
            revert NotSubject(id, msg.sender);
        }
        if (disputeHash == bytes32(0)) revert EmptyEvidence();
        r.status = RecordStatus.Disputed;
        r.disputeHash = disputeHash;
        $.counts[r.subject].disputed += 1;
        emit RecordDisputed(id, r.subject, msg.sender, disputeHash);
    }

    /// @inheritdoc ICreditRegistry
    function upholdRecord(uint256 id) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Counts storage c = _settle(id, RecordStatus.Upheld);
        c.upheld += 1;
        emit RecordUpheld(id, _storage().records[id].subject);
    }

    /// @inheritdoc ICreditRegistry
    function strikeRecord(uint256 id) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Counts storage c = _settle(id, RecordStatus.Struck);
        c.struck += 1;
        emit RecordStruck(id, _storage().records[id].subject);
    }

    // ------------------------------------------------------------------ settings

    /// @inheritdoc ICreditRegistry
    function setInvoiceRegistry(address invoices) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (invoices == address(0)) revert ZeroAddress();
        _storage().invoiceRegistry = invoices;
        emit InvoiceRegistrySet(invoices);
    }

    /// @inheritdoc ICreditRegistry
    function setBaseCurrency(address currency) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (currency == address(0)) revert ZeroAddress();
        _storage().baseCurrency = currency;
        emit BaseCurrencySet(currency);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICreditRegistry
    function exposure(bytes32 holder, bytes32 debtor) external view returns (uint256) {
        CreditRegistryStorage storage $ = _storage();
        uint64 h = _indexOf(holder);
        uint64 d = _indexOf(debtor);
        Line storage line = $.lines[h][d];
        address currency = line.limit == 0 ? $.baseCurrency : line.currency;
        return $.exposures[h][d][currency];
    }

    /// @inheritdoc ICreditRegistry
    function exposureIn(bytes32 holder, bytes32 debtor, address currency) external view returns (uint256) {
        return _storage().exposures[_indexOf(holder)][_indexOf(debtor)][currency];
    }

    /// @inheritdoc ICreditRegistry
    function lineOf(bytes32 lender, bytes32 counterparty) external view returns (CreditLine memory) {
        Line storage line = _storage().lines[_indexOf(lender)][_indexOf(counterparty)];
        return CreditLine(line.currency, line.limit, line.expiry);
    }

    /// @inheritdoc ICreditRegistry
    function headroom(bytes32 lender, bytes32 counterparty) external view returns (uint256) {
        CreditRegistryStorage storage $ = _storage();
        uint64 from = _indexOf(lender);
        uint64 to = _indexOf(counterparty);
        Line storage line = $.lines[from][to];
        if (line.limit == 0 || line.expiry <= block.timestamp) return 0;
        uint256 used = $.exposures[from][to][line.currency];
        return used >= line.limit ? 0 : line.limit - used;
    }

    /// @inheritdoc ICreditRegistry
    function recordOf(bytes32 entity) external view returns (CreditRecord memory) {
        return _recordIn(entity, _storage().baseCurrency);
    }

    /// @inheritdoc ICreditRegistry
    function recordIn(bytes32 entity, address currency) external view returns (CreditRecord memory) {
        return _recordIn(entity, currency);
    }

    /// @inheritdoc ICreditRegistry
    function isEnforced(bytes32 lender) external view returns (bool) {
        return _storage().enforced[_indexOf(lender)];
    }

    /// @inheritdoc ICreditRegistry
    function linesGrantedBy(bytes32 lender) external view returns (bytes32[] memory) {
        return _ids(_storage().granted[_indexOf(lender)]);
    }

    /// @inheritdoc ICreditRegistry
    function linesReceivedBy(bytes32 counterparty) external view returns (bytes32[] memory) {
        return _ids(_storage().received[_indexOf(counterparty)]);
    }

    /// @inheritdoc ICreditRegistry
    function debtorCeilingOf(bytes32 debtor, address currency) external view returns (DebtorCeiling memory) {
        Book storage book = _storage().books[_indexOf(debtor)][currency];
        return DebtorCeiling(book.outstanding, book.ceiling, book.active);
    }

    /// @inheritdoc ICreditRegistry
    function adverseRecord(uint256 id) external view returns (AdverseRecord memory) {
        return _record(id);
    }

    /// @inheritdoc ICreditRegistry
    function adverseRecordsOf(bytes32 subject) external view returns (uint256[] memory) {
        return _storage().recordsOf[subject];
    }

    /// @inheritdoc ICreditRegistry
    function adverseRecordCount() external view returns (uint256) {
        return _storage().recordCount;
    }

    /// @inheritdoc ICreditRegistry
    function isCreditOfficer(address wallet, bytes32 lender) external view returns (bool) {
        CreditRegistryStorage storage $ = _storage();
        (IIdentityRegistry.Participant memory p, ) = $.identityRegistry.participantsOf(wallet, address(0));
        return
            p.entityIndex != 0 &&
            p.expiry > block.timestamp &&
            p.attributes & ParticipantAttributes.CREDIT_OFFICER != 0 &&
            p.entityIndex == $.identityRegistry.entityIndexOf(lender);
    }

    /// @inheritdoc ICreditRegistry
    function invoiceRegistry() external view returns (address) {
        return _storage().invoiceRegistry;
    }

    /// @inheritdoc ICreditRegistry
    function baseCurrency() external view returns (address) {
        return _storage().baseCurrency;
    }

    /// @notice The identity registry: entities, and which wallets are credit officers.
    function identityRegistry() external view returns (IIdentityRegistry) {
        return _storage().identityRegistry;
    }

    // ------------------------------------------------------------------ internals

    /// @dev With enforcement on, `lender` may take `amount` more on `debtor` only within its line.
    function _checkLine(
        Line storage line,
        uint64 lender,
        uint64 debtor,
        address currency,
        uint256 current,
        uint256 amount
    ) private view {
        uint256 limit = line.limit;
        if (limit == 0 || line.currency != currency) revert NoCreditLine(_idOf(lender), _idOf(debtor), currency);
        if (line.expiry <= block.timestamp) revert CreditLineExpired(_idOf(lender), _idOf(debtor), line.expiry);
        if (current + amount > limit) revert CreditLineExceeded(_idOf(lender), _idOf(debtor), limit, current, amount);
    }

    /// @dev The caller is a verified credit officer; returns its entity's number and id.
    function _officer() private view returns (uint64 index, bytes32 entityId) {
        IIdentityRegistry registry = _storage().identityRegistry;
        (IIdentityRegistry.Participant memory p, ) = registry.participantsOf(msg.sender, address(0));
        if (p.expiry <= block.timestamp || p.attributes & ParticipantAttributes.CREDIT_OFFICER == 0) {
            revert NotCreditOfficer(msg.sender);
        }
        return (p.entityIndex, registry.entityIdAt(p.entityIndex));
    }

    /// @dev The registry's number of `entityId`; reverts with `UnknownEntity` for an unknown one.
    function _indexOf(bytes32 entityId) private view returns (uint64 index) {
        index = _storage().identityRegistry.entityIndexOf(entityId);
        if (index == 0) revert UnknownEntity(entityId);
    }

    function _idOf(uint64 index) private view returns (bytes32) {
        return _storage().identityRegistry.entityIdAt(index);
    }

    function _ids(uint64[] storage indices) private view returns (bytes32[] memory out) {
        out = new bytes32[](indices.length);
        for (uint256 i = 0; i < indices.length; ++i) out[i] = _idOf(indices[i]);
    }

    /// @dev Removes `value` from `list` (swap with the last), keeping 1-based positions.
    function _removeFrom(uint64[] storage list, mapping(uint64 => uint256) storage positions, uint64 value) private {
        uint256 position = positions[value];
        uint64 last = list[list.length - 1];
        list[position - 1] = last;
        positions[last] = position;
        list.pop();
        delete positions[value];
    }

    function _record(uint256 id) private view returns (AdverseRecord storage r) {
        r = _storage().records[id];
        if (r.status == RecordStatus.None) revert UnknownRecord(id);
    }

    /// @dev Governance's decision on a disputed record; returns its subject's counts.
    function _settle(uint256 id, RecordStatus decision) private returns (Counts storage c) {
        AdverseRecord storage r = _record(id);
        if (r.status != RecordStatus.Disputed) revert RecordNotDisputed(id, r.status);
        r.status = decision;
        c = _storage().counts[r.subject];
        c.disputed -= 1;
    }

    function _recordIn(bytes32 entity, address currency) private view returns (CreditRecord memory record) {
        CreditRegistryStorage storage $ = _storage();
        uint64 index = _indexOf(entity);
        record.payment = IInvoiceRegistry($.invoiceRegistry).paymentRecordOf(entity, currency);
        uint64[] storage lenders = $.received[index];
        record.linesReceived = lenders.length;
        for (uint256 i = 0; i < lenders.length; ++i) {
            Line storage line = $.lines[lenders[i]][index];
            if (line.currency != currency) continue;
            record.totalLimit += line.limit;
            record.totalUsed += $.exposures[lenders[i]][index][currency];
        }
        Counts storage c = $.counts[entity];
        record.adverseRecords = c.total;
        record.disputed = c.disputed;
        record.upheld = c.upheld;
        record.struck = c.struck;
    }

    /// @dev Upgrades are governance decisions: only the admin (the timelock) may upgrade.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _storage() private pure returns (CreditRegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}

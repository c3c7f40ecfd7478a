// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {ICreditHook} from "./ICreditHook.sol";
import {IInvoiceRegistry} from "./IInvoiceRegistry.sol";

/**
 * @title ICreditRegistry
 * @notice Credit services on the consortium chain: credit lines from lender entities to counterparty
 * entities, each holder entity's exposure to each debtor entity (kept by the invoice registry's
 * hook as receivables are accepted, financed, transferred, split, paid and defaulted), debtor
 * ceilings set by governance, and a shared credit record per entity with adverse records that
 * reporters file, subjects dispute and governance upholds or strikes.
 * @dev Entities are the identity registry's `bytes32` entity ids. Amounts are in a cash token's
 * units: a line has one currency, exposure is kept per currency of the receivables, and the
 * two-argument views read the line's currency (or the base currency where there is no line).
 */
interface ICreditRegistry is ICreditHook {
    /// @notice A credit line as people read it (limit 0 = no line).
    struct CreditLine {
        address currency;
        uint256 limit;
        uint64 expiry;
    }

    /// @notice Kinds of adverse record.
    enum AdverseKind {
        Default,
        LatePayment,
        Insolvency,
        Fraud,
        Litigation,
        Other
    }

    /// @notice Where an adverse record stands. Records are never deleted, only marked.
    enum RecordStatus {
        None,
        Filed,
        Disputed,
        Upheld,
        Struck
    }

    /// @notice An adverse record about `subject`.
    struct AdverseRecord {
        bytes32 subject;
        address reporter;
        AdverseKind kind;
        RecordStatus status;
        uint64 date; // when the adverse event happened
        uint64 filedAt;
        address currency; // of `amount` (zero when the amount is 0)
        uint256 amount;
        bytes32 evidenceHash; // the reporter's evidence, off chain
        bytes32 disputeHash; // the subject's evidence, off chain (zero until disputed)
    }

    /// @notice An entity's shared credit record in one currency.
    struct CreditRecord {
        IInvoiceRegistry.PaymentRecord payment; // as a debtor, from the invoice registry
        uint256 linesReceived; // open lines granted to the entity, in any currency
        uint256 totalLimit; // limits of the open lines granted to it in this currency
        uint256 totalUsed; // the lenders' exposures to it under those lines
        uint256 adverseRecords; // filed about it, whatever their status
        uint256 disputed; // awaiting governance
        uint256 upheld;
        uint256 struck;
    }

    /// @notice A debtor entity's accepted-but-unpaid receivables in one currency and its ceiling.
    struct DebtorCeiling {
        uint256 outstanding;
        uint256 ceiling;
        bool active; // false = no ceiling
    }

    event LineSet(
        bytes32 indexed lender,
        bytes32 indexed counterparty,
        address indexed currency,
        uint256 limit,
        uint64 expiry,
        address officer
    );
    event LineClosed(bytes32 indexed lender, bytes32 indexed counterparty, address officer);
    event EnforcementSet(bytes32 indexed lender, bool enforced, address officer);
    event ExposureChanged(
        uint256 indexed fromEntityIndex,
        uint256 indexed toEntityIndex,
        uint256 indexed debtorEntityIndex,
        address currency,
        uint256 amount
    );
    event DebtorCeilingSet(bytes32 indexed debtor, address indexed currency, uint256 ceiling, bool active);
    event AdverseRecordFiled(
        uint256 indexed id,
        bytes32 indexed subject,
        address indexed reporter,
        AdverseKind kind,
        address currency,
        uint256 amount,
        uint64 date,
        bytes32 evidenceHash
    );
    event RecordDisputed(uint256 indexed id, bytes32 indexed subject, address indexed by, bytes32 disputeHash);
    event RecordUpheld(uint256 indexed id, bytes32 indexed subject);
    event RecordStruck(uint256 indexed id, bytes32 indexed subject);
    event InvoiceRegistrySet(address invoiceRegistry);
    event BaseCurrencySet(address currency);

    error ZeroAddress();
    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error UnknownEntity(bytes32 entityId);
    error NotCreditOfficer(address account);
    error SelfLine(bytes32 entityId);
    error ExpiryInPast(uint64 expiry);
    error LineCurrencyChange(bytes32 lender, bytes32 counterparty, address currency, address newCurrency);
    error NoLine(bytes32 lender, bytes32 counterparty);
    error NoCreditLine(bytes32 lender, bytes32 debtor, address currency);
    error CreditLineExpired(bytes32 lender, bytes32 debtor, uint64 expiry);
    error CreditLineExceeded(bytes32 lender, bytes32 debtor, uint256 line, uint256 exposure, uint256 amount);
    error DebtorCeilingExceeded(bytes32 debtor, uint256 ceiling, uint256 outstanding, uint256 amount);
    error NotInvoiceRegistry(address caller);
    error EnforcementUnchanged(bytes32 lender, bool enforced);
    error EmptyEvidence();
    error DateInFuture(uint64 date);
    error UnknownRecord(uint256 id);
    error NotSubject(uint256 id, address caller);
    error RecordNotFiled(uint256 id, RecordStatus status);
    error RecordNotDisputed(uint256 id, RecordStatus status);

    /**
     * @notice A credit officer of the lender entity (a verified wallet of it carrying the
     * CREDIT_OFFICER attribute) grants a line to `counterparty`, or changes it: raise or cut the
     * limit (below the current exposure too: then nothing new is accepted until it falls), or
     * move the expiry. A line keeps its currency; close it to change currency.
     */
    function setLine(bytes32 counterparty, address currency, uint256 limit, uint64 expiry) external;

    /// @notice A credit officer of the lender entity closes its line to `counterparty`.
    function closeLine(bytes32 counterparty) external;

    /// @notice A credit officer switches its own entity's line enforcement on or off: with it on,
    /// receiving receivables beyond the entity's lines reverts.
    function setEnforcement(bool enforced) external;

    /// @notice Sets a consortium-wide ceiling on `debtor`'s accepted-but-unpaid receivables in
    /// `currency` (admin, i.e. governance); accepting beyond it reverts.
    function setDebtorCeiling(bytes32 debtor, address currency, uint256 ceiling) external;

    /// @notice Removes `debtor`'s ceiling in `currency` (admin).
    function removeDebtorCeiling(bytes32 debtor, address currency) external;

    /// @notice A reporter (REPORTER_ROLE, granted by governance) files an adverse record about
    /// `subject`: its kind, amount (in `currency`; 0 allowed for kinds with no amount), the date
    /// of the event and a hash of the evidence kept off chain. Returns the record's number.
    function fileAdverseRecord(
        bytes32 subject,
        AdverseKind kind,
        address currency,
        uint256 amount,
        uint64 date,
        bytes32 evidenceHash
    ) external returns (uint256 id);

    /// @notice A verified wallet of the subject entity disputes a filed record with its own evidence.
    function disputeRecord(uint256 id, bytes32 disputeHash) external;

    /// @notice Governance (admin) upholds a disputed record.
    function upholdRecord(uint256 id) external;

    /// @notice Governance (admin) strikes a disputed record: it stays, marked struck.
    function strikeRecord(uint256 id) external;

    /// @notice Sets the invoice registry whose hook calls are accepted (admin).
    function setInvoiceRegistry(address invoiceRegistry) external;

    /// @notice Sets the base currency of the two-argument views and `recordOf` (admin).
    function setBaseCurrency(address currency) external;

    /// @notice `holder`'s exposure to `debtor`: the outstanding amount of the receivables on
    /// `debtor` that `holder`'s wallets hold, in the currency of `holder`'s line to `debtor` if it
    /// has one, else in the base currency.
    function exposure(bytes32 holder, bytes32 debtor) external view returns (uint256);

    /// @notice `holder`'s exposure to `debtor` in receivables of `currency`.
    function exposureIn(bytes32 holder, bytes32 debtor, address currency) external view returns (uint256);

    /// @notice `lender`'s line to `counterparty` (limit 0 = none).
    function lineOf(bytes32 lender, bytes32 counterparty) external view returns (CreditLine memory);

    /// @notice What `lender` may still take on `counterparty` under its line, in the line's
    /// currency: limit less exposure, 0 when the line is exhausted, cut below exposure, expired or absent.
    function headroom(bytes32 lender, bytes32 counterparty) external view returns (uint256);

    /// @notice `entity`'s shared credit record in the base currency.
    function recordOf(bytes32 entity) external view returns (CreditRecord memory);

    /// @notice `entity`'s shared credit record in `currency`.
    function recordIn(bytes32 entity, address currency) external view returns (CreditRecord memory);

    /// @notice Whether `lender` enforces its lines.
    function isEnforced(bytes32 lender) external view returns (bool);

    /// @notice The counterparties `lender` has open lines to.
    function linesGrantedBy(bytes32 lender) external view returns (bytes32[] memory);

    /// @notice The lenders that have open lines to `counterparty`.
    function linesReceivedBy(bytes32 counterparty) external view returns (bytes32[] memory);

    /// @notice `debtor`'s accepted-but-unpaid receivables in `currency` and its ceiling.
    function debtorCeilingOf(bytes32 debtor, address currency) external view returns (DebtorCeiling memory);

    /// @notice Adverse record `id`; reverts with `UnknownRecord` if there is none.
    function adverseRecord(uint256 id) external view returns (AdverseRecord memory);

    /// @notice The numbers of the adverse records about `subject`, oldest first.
    function adverseRecordsOf(bytes32 subject) external view returns (uint256[] memory);

    /// @notice How many adverse records were ever filed (their numbers are 1..count).
    function adverseRecordCount() external view returns (uint256);

    /// @notice Whether `wallet` is a verified credit officer of `lender`.
    function isCreditOfficer(address wallet, bytes32 lender) external view returns (bool);

    /// @notice The invoice registry whose hook calls are accepted.
    function invoiceRegistry() external view returns (address);

    /// @notice The base currency of the two-argument views and `recordOf`.
    function baseCurrency() external view returns (address);
}

// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IGuardianPausable} from "./IGuardianPausable.sol";

/**
 * @title IInvoiceRegistry
 * @notice Invoices as ERC-721 receivables. An invoice's token id is its canonical key, derived on
 * chain from the supplier's entity (identity registry), the issuing authority's code and the
 * invoice number as the tax authority prints them, so the same invoice can never be registered,
 * and therefore never financed, twice. Split pieces live in a key space issued invoices cannot
 * reach. A debtor's payment never depends on the holder: what the holder cannot receive is held
 * for it by the registry. Each debtor entity's payment record is kept on chain.
 */
interface IInvoiceRegistry is IGuardianPausable {
    /// @notice Life cycle: Issued -> Accepted | Rejected | Cancelled; Accepted -> Paid | Defaulted |
    /// Split; Defaulted -> Paid (paid after default). `Overdue` is never stored: `statusOf` reports
    /// it for an Accepted invoice past its due date.
    enum InvoiceStatus {
        None,
        Issued,
        Accepted,
        Rejected,
        Cancelled,
        Paid,
        Defaulted,
        Split,
        Overdue
    }

    /// @notice The text fields of an invoice's key, as named by the errors on non-canonical text.
    enum InvoiceField {
        AuthorityCode,
        InvoiceNumber
    }

    /// @notice When a payment was made, for the debtor's record.
    enum PaymentTiming {
        OnTime,
        Late,
        AfterDefault
    }

    /// @notice An invoice as people read it.
    struct Invoice {
        address supplier;
        address debtor;
        address currency;
        uint256 faceValue;
        uint256 paid;
        uint64 dueDate;
        InvoiceStatus status;
        uint256 parentId; // 0 unless the invoice is a piece of a split
        bool attested; // attested by an invoice verifier (pieces inherit it)
        bool defaulted; // marked defaulted at some time (a Paid one was paid after default)
    }

    /// @notice The registry's settings.
    struct Settings {
        uint64 gracePeriod; // seconds after the due date before a default may be marked
        uint16 maxSplitPieces; // maximum number of pieces of one split
        bool attestationRequired; // whether financing requires an attestation
    }

    /// @notice An invoice's terms as its supplier registers them.
    struct InvoiceTerms {
        address debtor;
        uint256 faceValue;
        address currency;
        uint64 dueDate;
        bytes32 documentHash;
    }

    /// @notice A holder's offer to sell a receivable (financier zero = any eligible financier).
    /// A non-zero `recoursePrice` is the price at which the seller may buy it back later.
    struct Offer {
        address financier;
        uint96 price;
        uint96 recoursePrice;
    }

    /// @notice A seller's right, agreed on chain when it was financed, to buy a receivable back
    /// from the financier at `price` while that financier holds it.
    struct Recourse {
        address seller;
        uint96 price;
        address financier;
    }

    /// @notice A debtor entity's payment record in one currency. Values are in that currency's units.
    /// `outstanding` = `acceptedValue` - `paidOnTimeValue` - `paidLateValue`; payments after default
    /// are late ones (each `PaymentMade` says which); `defaultedValue` is what was outstanding when
    /// receivables were marked defaulted.
    struct PaymentRecord {
        uint128 acceptedValue;
        uint128 outstanding;
        uint48 acceptedCount;
        uint48 paidOnTimeCount;
        uint48 paidLateCount;
        uint48 defaultedCount;
        uint128 paidOnTimeValue;
        uint128 paidLateValue;
        uint128 defaultedValue;
    }

    event InvoiceIssued(
        uint256 indexed id,
        address indexed supplier,
        address indexed debtor,
        InvoiceTerms terms,
        bytes32 supplierEntity,
        string authorityCode,
        string invoiceNumber,
        string documentUri
    );
    event InvoiceAccepted(uint256 indexed id, address indexed debtor);
    event InvoiceRejected(uint256 indexed id, address indexed debtor, bytes32 reasonHash);
    event InvoiceCancelled(uint256 indexed id, address indexed supplier);
    event InvoiceAttested(uint256 indexed id, address indexed verifier, bytes32 evidenceHash);
    event InvoiceDefaulted(uint256 indexed id, address indexed holder, uint256 outstanding);
    event OfferMade(
        uint256 indexed id,
        address indexed seller,
        address indexed financier,
        uint256 price,
        uint256 recoursePrice
    );
    event OfferCancelled(uint256 indexed id);
    event InvoiceFinanced(uint256 indexed id, address indexed seller, address indexed financier, uint256 price);
    event RecourseAgreed(uint256 indexed id, address indexed seller, address indexed financier, uint256 price);
    event BoughtBack(uint256 indexed id, address indexed seller, address indexed financier, uint256 price);
    event InvoiceSplit(uint256 indexed parentId, uint256[] childIds, uint256[] amounts);
    event PaymentMade(
        uint256 indexed id,
        address indexed payer,
        address indexed holder,
        uint256 amount,
        uint256 outstanding,
        PaymentTiming timing,
        bool held
    );
    event InvoicePaid(uint256 indexed id);
    event PaymentHeld(uint256 indexed id, address indexed holder, address indexed currency, uint256 amount);
    event HeldPaymentClaimed(address indexed holder, address indexed claimant, address indexed currency, uint256 amount);
    event ReceivableRecovered(uint256 indexed id, address indexed lostWallet, address indexed newWallet);
    event CurrencyAllowed(address indexed currency, bool allowed);
    event GracePeriodSet(uint64 gracePeriod);
    event MaxSplitPiecesSet(uint16 maxPieces);
    event AttestationRequiredSet(bool required);
    event CreditHookSet(address indexed hook);

    error ZeroAddress();
    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error InvoiceFieldEmpty(InvoiceField field);
    error InvoiceFieldTooLong(InvoiceField field, uint256 length, uint256 maxLength);
    error InvoiceFieldLowerCase(InvoiceField field, uint256 position);
    error InvoiceFieldSpace(InvoiceField field, uint256 position);
    error InvoiceFieldCharacter(InvoiceField field, uint256 position, bytes1 character);
    error DuplicateInvoice(uint256 id);
    error UnknownInvoice(uint256 id);
    error UnknownEntity(bytes32 entityId);
    error CurrencyNotAllowed(address currency);
    error TooManyCurrencies();
    error CurrencyMismatch(uint256 id, address expected, address given);
    error DueDateInPast(uint64 dueDate);
    error ParticipantNotEligible(address account, uint32 requiredAttributes);
    error DebtorIsSupplier(address debtor);
    error InvalidStatus(uint256 id, InvoiceStatus status);
    error NotDebtor(uint256 id, address caller);
    error NotSupplier(uint256 id, address caller);
    error NotHolder(uint256 id, address caller);
    error NotYetDefaultable(uint256 id, uint256 defaultableAt);
    error AlreadyAttested(uint256 id);
    error NotAttested(uint256 id);
    error NoOffer(uint256 id);
    error OfferRestricted(uint256 id, address financier);
    error PriceMismatch(uint256 id, uint256 expected, uint256 price);
    error RecoursePriceMismatch(uint256 id, uint256 expected, uint256 recoursePrice);
    error NoRecourse(uint256 id, address caller);
    error RecourseLapsed(uint256 id, address financier, address holder);
    error InvalidPieceCount(uint256 pieces, uint256 maxPieces);
    error SplitAmountsMismatch(uint256 sum, uint256 outstanding);
    error PaymentExceedsOutstanding(uint256 id, uint256 amount, uint256 outstanding);
    error NothingHeld(address holder, address currency);
    error NotSameEntity(address wallet, address otherWallet);
    error InvalidSplitLimit(uint16 maxPieces);

    /// @notice Registers an invoice the caller (a verified supplier) issued to `debtor`, and mints
    /// the receivable to the caller. Its id is the invoice's canonical key
    /// `uint256(keccak256(abi.encode("consortium.invoice.key", callerEntity, authorityCode,
    /// invoiceNumber))) >> 1` (top bit always clear; the fields as the tax authority prints them:
    /// upper-case letters, digits, '-', '/' and '.', authority code 1..16 characters, invoice number
    /// 1..32); non-canonical text is refused with a named error. `invoice:key` computes it offline.
    function issueInvoice(
        InvoiceTerms calldata terms,
        string calldata authorityCode,
        string calldata invoiceNumber,
        string calldata documentUri
    ) external returns (uint256 id);

    /// @notice The debtor (still verified as a debtor) acknowledges the debt; from then on it is
    /// undisputable and can move. Accepting after the due date is allowed: it is then Overdue at once.
    function acceptInvoice(uint256 id) external;

    /// @notice The debtor disputes the invoice; `reasonHash` points to the reason off chain.
    function rejectInvoice(uint256 id, bytes32 reasonHash) external;

    /// @notice The supplier withdraws the invoice before the debtor accepts it.
    function cancelInvoice(uint256 id) external;

    /// @notice An invoice verifier (e.g. a tax-authority oracle) attests an Issued or Accepted
    /// invoice; `evidenceHash` points to its evidence off chain.
    function attestInvoice(uint256 id, bytes32 evidenceHash) external;

    /// @notice The holder (still verified) marks an accepted receivable defaulted once its due date
    /// plus the grace period has passed. A defaulted receivable still takes payments and can move.
    function markDefaulted(uint256 id) external;

    /// @notice The holder offers an Accepted or Defaulted receivable for `price` (to `financier`, or to
    /// anyone eligible if zero); a non-zero `recoursePrice` lets the holder, as seller, buy it back at
    /// that price while the financier holds it.
    function offerForFinancing(uint256 id, address financier, uint256 price, uint256 recoursePrice) external;

    /// @notice The holder withdraws its offer.
    function cancelOffer(uint256 id) external;

    /// @notice A verified financier takes the offer on the terms it read: pays `expectedPrice` in the
    /// invoice currency to the holder and receives the receivable, in one transaction.
    function finance(uint256 id, uint256 expectedPrice, uint256 expectedRecoursePrice) external;

    /// @notice The seller of a receivable financed with recourse buys it back from the financier
    /// (still holding it) at the agreed price, paid to the financier.
    function buyBack(uint256 id) external;

    /// @notice The holder splits an accepted receivable into pieces summing to its outstanding amount.
    /// Piece `i`'s id is `(1 << 255) | (uint256(keccak256(abi.encode("consortium.invoice.piece",
    /// id, i))) >> 1)`: no issued key (top bit clear) can take it, and it depends only on `id` and `i`.
    function split(uint256 id, uint256[] calldata amounts) external returns (uint256[] memory childIds);

    /// @notice Pays `amount` of an Accepted or Defaulted receivable in `currency`. The cash goes to the
    /// holder, or, if the holder cannot receive it now, is held for the holder by the registry. It
    /// counts for the debtor at once either way; it reverts only when the payer's own leg fails.
    function pay(uint256 id, address currency, uint256 amount) external;

    /// @notice Pays out the payments held for `holder` in `currency` to the caller: `holder` itself
    /// or another wallet of the same entity (so held cash follows a lost wallet's recovery).
    function claimHeld(address holder, address currency) external;

    /// @notice A recovery agent moves a receivable from a lost wallet to `newWallet` of the same entity.
    function recoverReceivable(uint256 id, address newWallet) external;

    /// @notice Allows or disallows a cash token as invoice currency (admin).
    function setCurrencyAllowed(address currency, bool allowed) external;

    /// @notice Seconds after the due date before a holder may mark a receivable defaulted (admin).
    function setGracePeriod(uint64 gracePeriod) external;

    /// @notice Maximum number of pieces of one split (admin).
    function setMaxSplitPieces(uint16 maxPieces) external;

    /// @notice Whether financing requires an invoice verifier's attestation (admin).
    function setAttestationRequired(bool required) external;

    /// @notice Sets the credit registry told of every change to who holds how much of whose
    /// receivables (`ICreditHook`; zero = none) (admin). Set it before the first acceptance.
    function setCreditHook(address hook) external;

    /// @notice The credit registry told of receivable changes (zero = none).
    function creditHook() external view returns (address);

    /// @notice The invoice `id`; reverts with `UnknownInvoice` if there is none.
    function invoiceOf(uint256 id) external view returns (Invoice memory);

    /// @notice The amount still owed: face value less payments while Issued, Accepted or Defaulted; else 0.
    function outstanding(uint256 id) external view returns (uint256);

    /// @notice The status, with Overdue for an Accepted invoice past its due date.
    function statusOf(uint256 id) external view returns (InvoiceStatus);

    /// @notice The running offer for `id` (price 0 = none).
    function offerOf(uint256 id) external view returns (Offer memory);

    /// @notice The recourse agreed for `id` (seller zero = none).
    function recourseOf(uint256 id) external view returns (Recourse memory);

    /// @notice Payments held for `holder` in `currency`, waiting to be claimed.
    function heldPayments(address holder, address currency) external view returns (uint256);

    /// @notice The payment record of debtor entity `entityId` in `currency`.
    function paymentRecordOf(bytes32 entityId, address currency) external view returns (PaymentRecord memory);

    /// @notice Whether `currency` may be used for new invoices.
    function isCurrencyAllowed(address currency) external view returns (bool);

    /// @notice The grace period, the split limit and whether financing requires an attestation.
    function settings() external view returns (Settings memory);
}

// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IInvoiceRegistry
 * @notice Invoices as ERC-721 receivables. An invoice's token id is its consortium-wide key, the
 * `invoiceHash` (e.g. hash of the seller's tax id and the invoice number), so the same invoice can
 * never be registered, and therefore never financed, twice.
 */
interface IInvoiceRegistry {
    /// @notice Life cycle: Issued -> Accepted | Rejected | Cancelled; Accepted -> Paid | Defaulted |
    /// Split. `Overdue` is never stored: `statusOf` reports it for an Accepted invoice past its due date.
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

    /// @notice An invoice as people read it.
    struct Invoice {
        bytes32 invoiceHash;
        address supplier;
        address debtor;
        address currency;
        uint256 faceValue;
        uint256 paid;
        uint64 dueDate;
        InvoiceStatus status;
        uint256 parentId; // 0 unless the invoice is a piece of a split
    }

    /// @notice A holder's offer to sell a receivable (financier zero = any eligible financier).
    struct Offer {
        address financier;
        uint96 price;
    }

    event InvoiceIssued(
        uint256 indexed id,
        address indexed supplier,
        address indexed debtor,
        address currency,
        uint256 faceValue,
        uint64 dueDate,
        string documentUri,
        bytes32 documentHash
    );
    event InvoiceAccepted(uint256 indexed id, address indexed debtor);
    event InvoiceRejected(uint256 indexed id, address indexed debtor, bytes32 reasonHash);
    event InvoiceCancelled(uint256 indexed id, address indexed supplier);
    event InvoiceDefaulted(uint256 indexed id, address indexed holder);
    event OfferMade(uint256 indexed id, address indexed seller, address indexed financier, uint256 price);
    event OfferCancelled(uint256 indexed id);
    event InvoiceFinanced(uint256 indexed id, address indexed seller, address indexed financier, uint256 price);
    event InvoiceSplit(uint256 indexed parentId, uint256[] childIds, uint256[] amounts);
    event PaymentMade(uint256 indexed id, address indexed payer, address indexed holder, uint256 amount, uint256 outstanding);
    event InvoicePaid(uint256 indexed id);
    event CurrencyAllowed(address indexed currency, bool allowed);
    event GracePeriodSet(uint64 gracePeriod);
    event MaxSplitPiecesSet(uint16 maxPieces);
    event Paused(address account);
    event Unpaused(address account);

    error ZeroAddress();
    error ZeroInvoiceHash();
    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error DuplicateInvoice(bytes32 invoiceHash, uint256 existingId);
    error UnknownInvoice(uint256 id);
    error CurrencyNotAllowed(address currency);
    error CurrencyMismatch(uint256 id, address expected, address given);
    error DueDateInPast(uint64 dueDate);
    error ParticipantNotEligible(address account, uint32 requiredAttributes);
    error DebtorIsSupplier(address debtor);
    error InvalidStatus(uint256 id, InvoiceStatus status);
    error NotDebtor(uint256 id, address caller);
    error NotSupplier(uint256 id, address caller);
    error NotHolder(uint256 id, address caller);
    error NotYetDefaultable(uint256 id, uint256 defaultableAt);
    error NoOffer(uint256 id);
    error OfferRestricted(uint256 id, address financier);
    error PriceMismatch(uint256 id, uint256 expected, uint256 price);
    error InvalidPieceCount(uint256 pieces, uint256 maxPieces);
    error SplitAmountsMismatch(uint256 sum, uint256 outstanding);
    error PaymentExceedsOutstanding(uint256 id, uint256 amount, uint256 outstanding);
    error InvalidSplitLimit(uint16 maxPieces);
    error EnforcedPause();
    error ExpectedPause();

    /// @notice Registers an invoice the caller (a verified supplier) issued to `debtor`, and mints
    /// the receivable to the caller. Its id is `uint256(invoiceHash)`.
    function issueInvoice(
        address debtor,
        uint256 faceValue,
        address currency,
        uint64 dueDate,
        bytes32 invoiceHash,
        string calldata documentUri,
        bytes32 documentHash
    ) external returns (uint256 id);

    /// @notice The debtor (still verified as a debtor) acknowledges the debt; from then on it is
    /// undisputable and can move. Accepting after the due date is allowed: it is then Overdue at once.
    function acceptInvoice(uint256 id) external;

    /// @notice The debtor disputes the invoice; `reasonHash` points to the reason off chain.
    function rejectInvoice(uint256 id, bytes32 reasonHash) external;

    /// @notice The supplier withdraws the invoice before the debtor accepts it.
    function cancelInvoice(uint256 id) external;

    /// @notice The holder (still verified) marks an accepted receivable defaulted once its due date
    /// plus the grace period has passed. Defaulted is final: recovery happens off chain.
    function markDefaulted(uint256 id) external;

    /// @notice The holder offers the receivable for `price` (to `financier`, or to anyone eligible if zero).
    function offerForFinancing(uint256 id, address financier, uint256 price) external;

    /// @notice The holder withdraws its offer.
    function cancelOffer(uint256 id) external;

    /// @notice A verified financier takes the offer: pays `expectedPrice` in the invoice currency to
    /// the holder and receives the receivable, in one transaction.
    function finance(uint256 id, uint256 expectedPrice) external;

    /// @notice The holder splits an accepted receivable into pieces summing to its outstanding amount.
    /// Piece `i` gets id `uint256(keccak256(abi.encode(bytes32(id), block.number, i)))`.
    function split(uint256 id, uint256[] calldata amounts) external returns (uint256[] memory childIds);

    /// @notice Pays `amount` of the receivable in `currency`; the cash goes to the current holder.
    function pay(uint256 id, address currency, uint256 amount) external;

    /// @notice Allows or disallows a cash token as invoice currency (admin).
    function setCurrencyAllowed(address currency, bool allowed) external;

    /// @notice Seconds after the due date before a holder may mark a receivable defaulted (admin).
    function setGracePeriod(uint64 gracePeriod) external;

    /// @notice Maximum number of pieces of one split (admin).
    function setMaxSplitPieces(uint16 maxPieces) external;

    /// @notice Stops every change at once (guardian).
    function pause() external;

    /// @notice Resumes (admin: governance).
    function unpause() external;

    /// @notice The invoice `id`; reverts with `UnknownInvoice` if there is none.
    function invoiceOf(uint256 id) external view returns (Invoice memory);

    /// @notice The amount still owed: face value less payments while Issued, Accepted or Defaulted; else 0.
    function outstanding(uint256 id) external view returns (uint256);

    /// @notice The status, with Overdue for an Accepted invoice past its due date.
    function statusOf(uint256 id) external view returns (InvoiceStatus);

    /// @notice The id registered for `invoiceHash`, or 0: the check a bank makes before financing.
    function invoiceIdByHash(bytes32 invoiceHash) external view returns (uint256);

    /// @notice The running offer for `id` (price 0 = none).
    function offerOf(uint256 id) external view returns (Offer memory);

    /// @notice Whether `currency` may be used for new invoices.
    function isCurrencyAllowed(address currency) external view returns (bool);

    /// @notice Seconds after the due date before a default may be marked.
    function gracePeriod() external view returns (uint64);

    /// @notice Maximum number of pieces of one split.
    function maxSplitPieces() external view returns (uint16);

    /// @notice Whether every change is stopped.
    function paused() external view returns (bool);
}

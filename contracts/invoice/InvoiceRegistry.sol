// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ERC721Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/ERC721Upgradeable.sol";
import {ReentrancyGuardUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ParticipantAttributes} from "../identity/ParticipantAttributes.sol";
import {ICreditHook} from "../interfaces/ICreditHook.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {IInvoiceRegistry} from "../interfaces/IInvoiceRegistry.sol";
import {GuardianPausable} from "../utils/GuardianPausable.sol";

/**
 * @title InvoiceRegistry
 * @notice Supply-chain finance on the consortium chain. A verified supplier registers an invoice
 * as an ERC-721 receivable whose id is the invoice's canonical key (supplier entity, issuing
 * authority, invoice number), so no invoice is ever registered (or financed) twice. The debtor
 * accepts it (or rejects it), after which the holder can sell it to a financier for cash in one
 * transaction, split it into pieces, and receive the debtor's payments; a payment the holder
 * cannot receive is held for it. Each debtor entity's payment record is kept as invoices move.
 * @dev UUPS proxy; upgrades and settings belong to `DEFAULT_ADMIN_ROLE` (the governance timelock);
 * a guardian pauses, only the admin unpauses (the shared `GuardianPausable`). Every operation costs
 * the same whatever the number of invoices; a split's cost grows only with its own number of pieces.
 */
contract InvoiceRegistry is
    Initializable,
    ERC721Upgradeable,
    GuardianPausable,
    ReentrancyGuardUpgradeable,
    UUPSUpgradeable,
    IInvoiceRegistry
{
    using SafeERC20 for IERC20;

    /// @notice Attests invoices (e.g. a tax-authority oracle).
    bytes32 public constant INVOICE_VERIFIER_ROLE = keccak256("INVOICE_VERIFIER_ROLE");
    /// @notice Moves receivables and held payments from a lost wallet to a wallet of the same entity.
    bytes32 public constant RECOVERY_AGENT_ROLE = keccak256("RECOVERY_AGENT_ROLE");

    /// @dev Longest issuing-authority code, in characters.
    uint256 private constant MAX_AUTHORITY_CODE_LENGTH = 16;
    /// @dev Longest invoice number, in characters.
    uint256 private constant MAX_INVOICE_NUMBER_LENGTH = 32;

    uint32 private constant HOLDER_ATTRIBUTES = ParticipantAttributes.SUPPLIER | ParticipantAttributes.FINANCIER;
    uint8 private constant ATTESTED = 1;
    uint8 private constant DEFAULTED = 2;
    uint256 private constant PIECE_BIT = 1 << 255;
    /// @dev Bit c set for each allowed character c: '-', '.', '/', '0'-'9', 'A'-'Z'.
    uint256 private constant ALLOWED_CHARACTERS = (((1 << 26) - 1) << 0x41) | (((1 << 10) - 1) << 0x30) | (7 << 0x2d);

    /// @dev One invoice in two slots written at issue (a third once paid, a fourth for pieces).
    struct Record {
        address supplier;
        uint96 faceValue;
        address debtor;
        uint40 dueDate;
        InvoiceStatus status;
        uint8 flags;
        uint8 currencyIndex;
        uint32 debtorEntity;
        uint96 paid;
        uint256 parentId;
    }

    /// @dev A currency's number (1..255) lets a record keep it in one byte.
    struct Currency {
        uint8 index;
        bool allowed;
    }

    /// @custom:storage-location erc7201:consortium.storage.InvoiceRegistry
    struct InvoiceRegistryStorage {
        IIdentityRegistry identityRegistry;
        uint64 gracePeriod;
        uint16 maxSplitPieces;
        bool paused;
        bool attestationRequired;
        uint8 currencyCount;
        mapping(uint256 id => Record) invoices;
        mapping(uint256 id => Offer) offers;
        mapping(address currency => Currency) currencies;
        mapping(uint8 index => address) currencyAt;
        mapping(uint256 id => Recourse) recourses;
        mapping(address holder => mapping(address currency => uint256)) held;
        mapping(uint32 entityIndex => mapping(address currency => PaymentRecord)) records;
        ICreditHook creditHook;
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.InvoiceRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x0bc3ba82c16c151ceadeeee70da47a25329c6998e385947d451fbff369365600;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets up the registry behind its proxy. The deployer gets no role.
     * @param registry The participant registry that verifies suppliers, debtors and financiers.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and upgrade rights (the governance timelock).
     * @param currencies The cash tokens invoices may be issued in.
     * @param guardians The first holders of `GUARDIAN_ROLE`.
     * @param gracePeriod_ Seconds after the due date before a default may be marked.
     * @param maxSplitPieces_ Maximum number of pieces of one split (at least 2).
     * @dev ERC-721's initializer only stores the name and symbol, which `name()` and `symbol()`
     * return as constants instead (that keeps the contract under the code size limit).
     * @custom:oz-upgrades-unsafe-allow missing-initializer-call
     */
    function initialize(
        IIdentityRegistry registry,
        address admin,
        address[] calldata currencies,
        address[] calldata guardians,
        uint64 gracePeriod_,
        uint16 maxSplitPieces_
    ) external initializer {
        if (address(registry) == address(0) || admin == address(0)) revert ZeroAddress();
        __AccessControl_init();
        __ReentrancyGuard_init();
        _storage().identityRegistry = registry;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i = 0; i < currencies.length; ++i) {
            _setCurrencyAllowed(currencies[i], true);
        }
        for (uint256 i = 0; i < guardians.length; ++i) {
            if (guardians[i] == address(0)) revert ZeroAddress();
            _grantRole(GUARDIAN_ROLE, guardians[i]);
        }
        _setGracePeriod(gracePeriod_);
        _setMaxSplitPieces(maxSplitPieces_);
    }

    // ------------------------------------------------------------------ life cycle

    /// @inheritdoc IInvoiceRegistry
    function issueInvoice(
        InvoiceTerms calldata terms,
        string calldata authorityCode,
        string calldata invoiceNumber,
        string calldata documentUri
    ) external returns (uint256 id) {
        _requireNotPaused();
        (uint64 supplierIndex, uint64 debtorIndex) = _checkTerms(terms);
        bytes32 supplierEntity = _storage().identityRegistry.entityIdAt(supplierIndex);
        id = _invoiceKey(supplierEntity, authorityCode, invoiceNumber);
        _store(id, terms, debtorIndex);
        _mint(msg.sender, id);
        emit InvoiceIssued(
            id,
            msg.sender,
            terms.debtor,
            terms,
            supplierEntity,
            authorityCode,
            invoiceNumber,
            documentUri
        );
    }

    /// @inheritdoc IInvoiceRegistry
    function acceptInvoice(uint256 id) external {
        _requireNotPaused();
        Record storage invoice = _issuedToCaller(id);
        // Only a debtor still verified as one can create undisputable debt.
        _requireEligible(msg.sender, ParticipantAttributes.DEBTOR);
        invoice.status = InvoiceStatus.Accepted;
        uint256 faceValue = invoice.faceValue;
        PaymentRecord storage record = _recordOf(invoice);
        unchecked {
            record.acceptedValue += uint128(faceValue);
            record.outstanding += uint128(faceValue);
            record.acceptedCount += 1;
        }
        _notifyCredit(address(0), _ownerOf(id), invoice, faceValue);
        emit InvoiceAccepted(id, msg.sender);
    }

    /// @inheritdoc IInvoiceRegistry
    function rejectInvoice(uint256 id, bytes32 reasonHash) external {
        _requireNotPaused();
        Record storage invoice = _issuedToCaller(id);
        invoice.status = InvoiceStatus.Rejected;
        emit InvoiceRejected(id, msg.sender, reasonHash);
    }

    /// @inheritdoc IInvoiceRegistry
    function cancelInvoice(uint256 id) external {
        _requireNotPaused();
        Record storage invoice = _invoiceIn(id, InvoiceStatus.Issued);
        if (msg.sender != invoice.supplier) revert NotSupplier(id, msg.sender);
        invoice.status = InvoiceStatus.Cancelled;
        emit InvoiceCancelled(id, msg.sender);
    }

    /// @inheritdoc IInvoiceRegistry
    function attestInvoice(uint256 id, bytes32 evidenceHash) external onlyRole(INVOICE_VERIFIER_ROLE) {
        _requireNotPaused();
        Record storage invoice = _storage().invoices[id];
        _requireStatus(id, invoice.status, InvoiceStatus.Issued, InvoiceStatus.Accepted);
        if (invoice.flags & ATTESTED != 0) revert AlreadyAttested(id);
        invoice.flags |= ATTESTED;
        emit InvoiceAttested(id, msg.sender, evidenceHash);
    }

    /// @inheritdoc IInvoiceRegistry
    function markDefaulted(uint256 id) external {
        _requireNotPaused();
        InvoiceRegistryStorage storage $ = _storage();
        Record storage invoice = _invoiceIn(id, InvoiceStatus.Accepted);
        _requireHolder(id);
        // A holder whose KYC lapsed may not declare the debtor in default.
        _requireEligible(msg.sender, HOLDER_ATTRIBUTES);
        uint256 defaultableAt = uint256(invoice.dueDate) + $.gracePeriod;
        if (block.timestamp <= defaultableAt) revert NotYetDefaultable(id, defaultableAt);
        invoice.status = InvoiceStatus.Defaulted;
        invoice.flags |= DEFAULTED;
        uint256 remaining = uint256(invoice.faceValue) - invoice.paid;
        PaymentRecord storage record = _recordOf(invoice);
        unchecked {
            record.defaultedCount += 1;
            record.defaultedValue += uint128(remaining);
        }
        _clearOffer(id);
        emit InvoiceDefaulted(id, msg.sender, remaining);
    }

    // ------------------------------------------------------------------ financing

    /// @inheritdoc IInvoiceRegistry
    function offerForFinancing(uint256 id, address financier, uint256 price, uint256 recoursePrice) external {
        _requireNotPaused();
        _requireTransferable(id);
        _requireHolder(id);
        if (price == 0) revert ZeroAmount();
        if ((price | recoursePrice) > type(uint96).max) revert AmountTooLarge(price > recoursePrice ? price : recoursePrice);
        _storage().offers[id] = Offer(financier, uint96(price), uint96(recoursePrice));
        emit OfferMade(id, msg.sender, financier, price, recoursePrice);
    }

    /// @inheritdoc IInvoiceRegistry
    function cancelOffer(uint256 id) external {
        _requireNotPaused();
        _requireHolder(id);
        InvoiceRegistryStorage storage $ = _storage();
        if ($.offers[id].price == 0) revert NoOffer(id);
        _clearOffer(id);
        emit OfferCancelled(id);
    }

    /// @inheritdoc IInvoiceRegistry
    function finance(uint256 id, uint256 expectedPrice, uint256 expectedRecoursePrice) external nonReentrant {
        _requireNotPaused();
        InvoiceRegistryStorage storage $ = _storage();
        Offer memory offer = $.offers[id];
        if (offer.price == 0) revert NoOffer(id);
        if (offer.financier != address(0) && offer.financier != msg.sender) revert OfferRestricted(id, offer.financier);
        if (offer.price != expectedPrice) revert PriceMismatch(id, expectedPrice, offer.price);
        if (offer.recoursePrice != expectedRecoursePrice) {
            revert RecoursePriceMismatch(id, expectedRecoursePrice, offer.recoursePrice);
        }
        Record storage invoice = $.invoices[id];
        if ($.attestationRequired && invoice.flags & ATTESTED == 0) revert NotAttested(id);
        _requireEligible(msg.sender, ParticipantAttributes.FINANCIER);
        address seller = _ownerOf(id);
        // Effects first: the transfer checks the receivable and the financier, and clears the offer.
        _transfer(seller, msg.sender, id);
        if (offer.recoursePrice != 0) {
            $.recourses[id] = Recourse(seller, offer.recoursePrice, msg.sender);
            emit RecourseAgreed(id, seller, msg.sender, offer.recoursePrice);
        }
        IERC20(_currencyOf(invoice)).safeTransferFrom(msg.sender, seller, offer.price);
        emit InvoiceFinanced(id, seller, msg.sender, offer.price);
    }

    /// @inheritdoc IInvoiceRegistry
    function buyBack(uint256 id) external nonReentrant {
        _requireNotPaused();
        InvoiceRegistryStorage storage $ = _storage();
        Recourse memory recourse = $.recourses[id];
        if (recourse.seller != msg.sender) revert NoRecourse(id, msg.sender);
        address holder = _ownerOf(id);
        if (holder != recourse.financier) revert RecourseLapsed(id, recourse.financier, holder);
        delete $.recourses[id];
        // The transfer checks the receivable's status and the seller's eligibility.
        _transfer(holder, msg.sender, id);
        IERC20(_currencyOf($.invoices[id])).safeTransferFrom(msg.sender, holder, recourse.price);
        emit BoughtBack(id, msg.sender, holder, recourse.price);
    }

    // ------------------------------------------------------------------ split and payment

    /// @inheritdoc IInvoiceRegistry
    function split(uint256 id, uint256[] calldata amounts) external returns (uint256[] memory childIds) {
        _requireNotPaused();
        InvoiceRegistryStorage storage $ = _storage();
        Record storage parent = _invoiceIn(id, InvoiceStatus.Accepted);
        _requireHolder(id);
        uint256 pieces = amounts.length;
        if (pieces < 2 || pieces > $.maxSplitPieces) revert InvalidPieceCount(pieces, $.maxSplitPieces);
        uint256 remaining = uint256(parent.faceValue) - parent.paid;
        uint256 sum;
        for (uint256 i = 0; i < pieces; ++i) {
            if (amounts[i] == 0) revert ZeroAmount();
            sum += amounts[i];
        }
        if (sum != remaining) revert SplitAmountsMismatch(sum, remaining);

        parent.status = InvoiceStatus.Split;
        _clearOffer(id);
        delete $.recourses[id];
        Record memory child = parent;
        child.status = InvoiceStatus.Accepted;
        child.paid = 0;
        child.parentId = id;
        childIds = new uint256[](pieces);
        for (uint256 i = 0; i < pieces; ++i) {
            // Pieces live in the half of the id space no issued key reaches (top bit set), and a
            // parent is split at most once, so a piece's id is always free: no one can block a split.
            uint256 childId = _pieceId(id, i);
            child.faceValue = uint96(amounts[i]);
            $.invoices[childId] = child;
            _mint(msg.sender, childId);
            childIds[i] = childId;
        }
        emit InvoiceSplit(id, childIds, amounts);
    }

    /// @inheritdoc IInvoiceRegistry
    function pay(uint256 id, address currency, uint256 amount) external nonReentrant {
        _requireNotPaused();
        InvoiceRegistryStorage storage $ = _storage();
        Record storage invoice = $.invoices[id];
        InvoiceStatus status = invoice.status;
        _requireStatus(id, status, InvoiceStatus.Accepted, InvoiceStatus.Defaulted);
        address expected = _currencyOf(invoice);
        if (currency != expected) revert CurrencyMismatch(id, expected, currency);
        if (amount == 0) revert ZeroAmount();
        uint256 remaining = uint256(invoice.faceValue) - invoice.paid;
        if (amount > remaining) revert PaymentExceedsOutstanding(id, amount, remaining);

        remaining -= amount;
        invoice.paid += uint96(amount);
        if (remaining == 0) invoice.status = InvoiceStatus.Paid;
        // An offer was priced for the old outstanding amount.
        _clearOffer(id);
        PaymentTiming timing = _record($.records[invoice.debtorEntity][currency], status, invoice.dueDate, amount);
        address holder = _ownerOf(id);
        _notifyCredit(holder, address(0), invoice, amount);

        // The debtor's payment must not depend on the holder: if the cash cannot reach the holder
        // now, the registry takes it and holds it for the holder of record.
        bool held = !IERC20(currency).trySafeTransferFrom(msg.sender, holder, amount);
        if (held) {
            $.held[holder][currency] += amount;
            IERC20(currency).safeTransferFrom(msg.sender, address(this), amount);
            emit PaymentHeld(id, holder, currency, amount);
        }
        emit PaymentMade(id, msg.sender, holder, amount, remaining, timing, held);
        if (remaining == 0) emit InvoicePaid(id);
    }

    /// @inheritdoc IInvoiceRegistry
    function claimHeld(address holder, address currency) external {
        _requireNotPaused();
        InvoiceRegistryStorage storage $ = _storage();
        uint256 amount = $.held[holder][currency];
        if (amount == 0) revert NothingHeld(holder, currency);
        if (holder != msg.sender) _requireSameEntity(holder, msg.sender);
        $.held[holder][currency] = 0;
        IERC20(currency).safeTransfer(msg.sender, amount);
        emit HeldPaymentClaimed(holder, msg.sender, currency, amount);
    }

    // ------------------------------------------------------------------ recovery

    /// @inheritdoc IInvoiceRegistry
    function recoverReceivable(uint256 id, address newWallet) external onlyRole(RECOVERY_AGENT_ROLE) {
        _requireNotPaused();
        Record storage invoice = _storage().invoices[id];
        if (invoice.status == InvoiceStatus.None) revert UnknownInvoice(id);
        address lostWallet = _ownerOf(id);
        _requireSameEntity(lostWallet, newWallet);
        _requireEligible(newWallet, HOLDER_ATTRIBUTES);
        if (invoice.supplier == lostWallet) invoice.supplier = newWallet;
        _clearOffer(id);
        // Recovery moves a receivable in any status: the holder's rules in `_update` do not apply.
        ERC721Upgradeable._update(newWallet, id, address(0));
        emit ReceivableRecovered(id, lostWallet, newWallet);
    }

    // ------------------------------------------------------------------ settings

    /// @inheritdoc IInvoiceRegistry
    function setCurrencyAllowed(address currency, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setCurrencyAllowed(currency, allowed);
    }

    /// @inheritdoc IInvoiceRegistry
    function setGracePeriod(uint64 gracePeriod_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setGracePeriod(gracePeriod_);
    }

    /// @inheritdoc IInvoiceRegistry
    function setMaxSplitPieces(uint16 maxPieces) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMaxSplitPieces(maxPieces);
    }

    /// @inheritdoc IInvoiceRegistry
    function setCreditHook(address hook) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _storage().creditHook = ICreditHook(hook);
        emit CreditHookSet(hook);
    }

    /// @inheritdoc IInvoiceRegistry
    function setAttestationRequired(bool required) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _storage().attestationRequired = required;
        emit AttestationRequiredSet(required);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IInvoiceRegistry
    function invoiceOf(uint256 id) external view returns (Invoice memory) {
        Record storage r = _storage().invoices[id];
        if (r.status == InvoiceStatus.None) revert UnknownInvoice(id);
        return
            Invoice({
                supplier: r.supplier,
                debtor: r.debtor,
                currency: _currencyOf(r),
                faceValue: r.faceValue,
                paid: r.paid,
                dueDate: r.dueDate,
                status: r.status,
                parentId: r.parentId,
                attested: r.flags & ATTESTED != 0,
                defaulted: r.flags & DEFAULTED != 0
            });
    }

    /// @inheritdoc IInvoiceRegistry
    function outstanding(uint256 id) external view returns (uint256) {
        Record storage r = _storage().invoices[id];
        InvoiceStatus status = r.status;
        if (status == InvoiceStatus.Issued || status == InvoiceStatus.Accepted || status == InvoiceStatus.Defaulted) {
            return uint256(r.faceValue) - r.paid;
        }
        return 0;
    }

    /// @inheritdoc IInvoiceRegistry
    function statusOf(uint256 id) external view returns (InvoiceStatus) {
        Record storage r = _storage().invoices[id];
        if (r.status == InvoiceStatus.Accepted && block.timestamp > r.dueDate) return InvoiceStatus.Overdue;
        return r.status;
    }

    /// @inheritdoc IInvoiceRegistry
    function offerOf(uint256 id) external view returns (Offer memory) {
        return _storage().offers[id];
    }

    /// @inheritdoc IInvoiceRegistry
    function recourseOf(uint256 id) external view returns (Recourse memory) {
        return _storage().recourses[id];
    }

    /// @inheritdoc IInvoiceRegistry
    function heldPayments(address holder, address currency) external view returns (uint256) {
        return _storage().held[holder][currency];
    }

    /// @inheritdoc IInvoiceRegistry
    function paymentRecordOf(bytes32 entityId, address currency) external view returns (PaymentRecord memory) {
        InvoiceRegistryStorage storage $ = _storage();
        uint64 index = $.identityRegistry.entityIndexOf(entityId);
        if (index == 0) revert UnknownEntity(entityId);
        return $.records[SafeCast.toUint32(index)][currency];
    }

    /// @inheritdoc IInvoiceRegistry
    function isCurrencyAllowed(address currency) external view returns (bool) {
        return _storage().currencies[currency].allowed;
    }

    /// @inheritdoc IInvoiceRegistry
    function settings() external view returns (Settings memory) {
        InvoiceRegistryStorage storage $ = _storage();
        return Settings($.gracePeriod, $.maxSplitPieces, $.attestationRequired);
    }

    /// @inheritdoc IInvoiceRegistry
    function creditHook() external view returns (address) {
        return address(_storage().creditHook);
    }

    /// @notice The participant registry that verifies suppliers, debtors and financiers.
    function identityRegistry() external view returns (IIdentityRegistry) {
        return _storage().identityRegistry;
    }

    /// @notice ERC-721 metadata: the collection's name.
    function name() public pure override returns (string memory) {
        return "Consortium Receivable";
    }

    /// @notice ERC-721 metadata: the collection's symbol.
    function symbol() public pure override returns (string memory) {
        return "RCV";
    }

    /// @notice ERC-721 metadata: no URI (an invoice's document is in its `InvoiceIssued` event);
    /// reverts for an id that is not a receivable.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return "";
    }

    /// @notice ERC-165.
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721Upgradeable, AccessControlUpgradeable) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internals

    /**
     * @dev Every transfer (not mints): only an Accepted or Defaulted receivable moves, only to a
     * verified supplier or financier, and any running offer or recourse dies with it.
     */
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = _ownerOf(tokenId);
        bool moves = from != address(0) && to != address(0);
        if (moves) {
            _requireNotPaused();
            _requireTransferable(tokenId);
            _requireEligible(to, HOLDER_ATTRIBUTES);
            _clearOffer(tokenId);
        }
        super._update(to, tokenId, auth);
        if (moves) {
            Record storage invoice = _storage().invoices[tokenId];
            _notifyCredit(from, to, invoice, uint256(invoice.faceValue) - invoice.paid);
        }
    }

    /// @dev Tells the credit registry, if any, that `amount` of `invoice` moved (see `ICreditHook`).
    function _notifyCredit(address from, address to, Record storage invoice, uint256 amount) private {
        ICreditHook hook = _storage().creditHook;
        if (address(hook) != address(0)) {
            hook.receivableChanged(from, to, invoice.debtorEntity, _currencyOf(invoice), amount);
        }
    }

    /// @dev Checks an invoice's terms and parties; returns the supplier's and debtor's entity numbers.
    function _checkTerms(InvoiceTerms calldata terms) private view returns (uint64 supplierIndex, uint64 debtorIndex) {
        InvoiceRegistryStorage storage $ = _storage();
        Currency memory cur = $.currencies[terms.currency];
        if (!cur.allowed) revert CurrencyNotAllowed(terms.currency);
        if (terms.faceValue == 0) revert ZeroAmount();
        if (terms.faceValue > type(uint96).max) revert AmountTooLarge(terms.faceValue);
        if (terms.dueDate <= block.timestamp) revert DueDateInPast(terms.dueDate);
        (IIdentityRegistry.Participant memory supplier, IIdentityRegistry.Participant memory buyer) = $
            .identityRegistry
            .participantsOf(msg.sender, terms.debtor);
        _requireEligible(msg.sender, supplier, ParticipantAttributes.SUPPLIER);
        _requireEligible(terms.debtor, buyer, ParticipantAttributes.DEBTOR);
        if (supplier.entityIndex == buyer.entityIndex) revert DebtorIsSupplier(terms.debtor);
        return (supplier.entityIndex, buyer.entityIndex);
    }

    /// @dev Writes a new invoice's record, refusing a key already registered.
    function _store(uint256 id, InvoiceTerms calldata terms, uint64 debtorIndex) private {
        InvoiceRegistryStorage storage $ = _storage();
        Record storage invoice = $.invoices[id];
        if (invoice.status != InvoiceStatus.None) revert DuplicateInvoice(id);
        invoice.supplier = msg.sender;
        invoice.faceValue = uint96(terms.faceValue);
        invoice.debtor = terms.debtor;
        invoice.dueDate = SafeCast.toUint40(terms.dueDate);
        invoice.status = InvoiceStatus.Issued;
        invoice.currencyIndex = $.currencies[terms.currency].index;
        invoice.debtorEntity = SafeCast.toUint32(debtorIndex);
    }

    /// @dev Counts a payment in the debtor's record; returns when it was made.
    function _record(
        PaymentRecord storage record,
        InvoiceStatus status,
        uint256 dueDate,
        uint256 amount
    ) private returns (PaymentTiming timing) {
        // Values are sums of uint96 amounts and counts of operations: neither can overflow.
        unchecked {
            record.outstanding -= uint128(amount);
            if (status == InvoiceStatus.Defaulted) {
                timing = PaymentTiming.AfterDefault;
            } else if (block.timestamp > dueDate) {
                timing = PaymentTiming.Late;
            } else {
                timing = PaymentTiming.OnTime;
                record.paidOnTimeCount += 1;
                record.paidOnTimeValue += uint128(amount);
                return timing;
            }
            record.paidLateCount += 1;
            record.paidLateValue += uint128(amount);
        }
    }

    /// @dev The canonical key: each field checked, then ABI-encoded (length-prefixed, so unambiguous).
    function _invoiceKey(
        bytes32 supplierEntity,
        string calldata authorityCode,
        string calldata invoiceNumber
    ) private pure returns (uint256) {
        _requireCanonical(InvoiceField.AuthorityCode, bytes(authorityCode), MAX_AUTHORITY_CODE_LENGTH);
        _requireCanonical(InvoiceField.InvoiceNumber, bytes(invoiceNumber), MAX_INVOICE_NUMBER_LENGTH);
        return
            uint256(keccak256(abi.encode("consortium.invoice.key", supplierEntity, authorityCode, invoiceNumber))) >>
            1;
    }

    function _pieceId(uint256 parentId, uint256 index) private pure returns (uint256) {
        return PIECE_BIT | (uint256(keccak256(abi.encode("consortium.invoice.piece", parentId, index))) >> 1);
    }

    /// @dev Upper-case letters, digits, '-', '/' and '.', 1 to `maxLength` characters.
    function _requireCanonical(InvoiceField field, bytes calldata text, uint256 maxLength) private pure {
        uint256 length = text.length;
        if (length == 0) revert InvoiceFieldEmpty(field);
        if (length > maxLength) revert InvoiceFieldTooLong(field, length, maxLength);
        for (uint256 i = 0; i < length; ++i) {
            uint8 c = uint8(text[i]);
            if (c < 128 && (ALLOWED_CHARACTERS >> c) & 1 != 0) continue;
            if (c >= 0x61 && c <= 0x7a) revert InvoiceFieldLowerCase(field, i);
            if (c == 0x20) revert InvoiceFieldSpace(field, i);
            revert InvoiceFieldCharacter(field, i, bytes1(c));
        }
    }

    /// @dev Drops the running offer for `id`, if any.
    function _clearOffer(uint256 id) private {
        InvoiceRegistryStorage storage $ = _storage();
        if ($.offers[id].price != 0) delete $.offers[id];
    }

    /// @dev Accepted and Defaulted receivables may be offered and move.
    function _requireTransferable(uint256 id) private view {
        _requireStatus(id, _storage().invoices[id].status, InvoiceStatus.Accepted, InvoiceStatus.Defaulted);
    }

    /// @dev The invoice exists and its status is `a` or `b`.
    function _requireStatus(uint256 id, InvoiceStatus status, InvoiceStatus a, InvoiceStatus b) private pure {
        if (status == InvoiceStatus.None) revert UnknownInvoice(id);
        if (status != a && status != b) revert InvalidStatus(id, status);
    }

    function _invoiceIn(uint256 id, InvoiceStatus expected) private view returns (Record storage invoice) {
        invoice = _storage().invoices[id];
        _requireStatus(id, invoice.status, expected, expected);
    }

    /// @dev The Issued invoice `id`, whose debtor is the caller.
    function _issuedToCaller(uint256 id) private view returns (Record storage invoice) {
        invoice = _invoiceIn(id, InvoiceStatus.Issued);
        if (msg.sender != invoice.debtor) revert NotDebtor(id, msg.sender);
    }

    /// @dev The cash token of `invoice`.
    function _currencyOf(Record storage invoice) private view returns (address) {
        return _storage().currencyAt[invoice.currencyIndex];
    }

    /// @dev The payment record of `invoice`'s debtor entity in its currency.
    function _recordOf(Record storage invoice) private view returns (PaymentRecord storage) {
        return _storage().records[invoice.debtorEntity][_currencyOf(invoice)];
    }

    function _requireHolder(uint256 id) private view {
        if (_ownerOf(id) != msg.sender) revert NotHolder(id, msg.sender);
    }

    /// @dev Both wallets are bound to the same entity in the identity registry.
    function _requireSameEntity(address wallet, address otherWallet) private view {
        (IIdentityRegistry.Participant memory a, IIdentityRegistry.Participant memory b) = _storage()
            .identityRegistry
            .participantsOf(wallet, otherWallet);
        if (a.entityIndex == 0 || a.entityIndex != b.entityIndex) revert NotSameEntity(wallet, otherWallet);
    }

    /// @dev `participant` is verified and has at least one of the `attributes` flags.
    function _requireEligible(
        address account,
        IIdentityRegistry.Participant memory participant,
        uint32 attributes
    ) private view {
        if (participant.expiry <= block.timestamp || participant.attributes & attributes == 0) {
            revert ParticipantNotEligible(account, attributes);
        }
    }

    function _requireEligible(address account, uint32 attributes) private view {
        (IIdentityRegistry.Participant memory participant, ) = _storage().identityRegistry.participantsOf(
            account,
            address(0)
        );
        _requireEligible(account, participant, attributes);
    }

    function _isPaused() internal view override returns (bool) {
        return _storage().paused;
    }

    function _setPaused(bool value) internal override {
        _storage().paused = value;
    }

    function _setCurrencyAllowed(address currency, bool allowed) private {
        if (currency == address(0)) revert ZeroAddress();
        InvoiceRegistryStorage storage $ = _storage();
        Currency storage cur = $.currencies[currency];
        if (cur.index == 0) {
            if ($.currencyCount == type(uint8).max) revert TooManyCurrencies();
            uint8 index = ++$.currencyCount;
            cur.index = index;
            $.currencyAt[index] = currency;
        }
        cur.allowed = allowed;
        emit CurrencyAllowed(currency, allowed);
    }

    function _setGracePeriod(uint64 gracePeriod_) private {
        _storage().gracePeriod = gracePeriod_;
        emit GracePeriodSet(gracePeriod_);
    }

    function _setMaxSplitPieces(uint16 maxPieces) private {
        if (maxPieces < 2) revert InvalidSplitLimit(maxPieces);
        _storage().maxSplitPieces = maxPieces;
        emit MaxSplitPiecesSet(maxPieces);
    }

    /// @dev Upgrades are governance decisions: only the admin (the timelock) may upgrade.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _storage() private pure returns (InvoiceRegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}

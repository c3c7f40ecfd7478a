// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ERC721Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/ERC721Upgradeable.sol";
import {ReentrancyGuardUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ParticipantAttributes} from "../identity/ParticipantAttributes.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {IInvoiceRegistry} from "../interfaces/IInvoiceRegistry.sol";

/**
 * @title InvoiceRegistry
 * @notice Supply-chain finance on the consortium chain. A verified supplier registers an invoice
 * as an ERC-721 receivable whose id is the invoice's consortium-wide hash, so no invoice is ever
 * registered (or financed) twice. The debtor accepts it (or rejects it), after which the holder
 * can sell it to a financier for cash in one transaction, split it into pieces to pass up the
 * supply chain, and receive the debtor's payments.
 * @dev UUPS proxy; upgrades, currencies, the grace period and the split limit belong to
 * `DEFAULT_ADMIN_ROLE` (the governance timelock); a guardian pauses. Every operation costs the same
 * whatever the number of invoices; a split's cost grows only with its own number of pieces.
 */
contract InvoiceRegistry is
    Initializable,
    ERC721Upgradeable,
    AccessControlUpgradeable,
    ReentrancyGuardUpgradeable,
    UUPSUpgradeable,
    IInvoiceRegistry
{
    using SafeERC20 for IERC20;

    /// @notice Pauses at once in an emergency; only the admin unpauses.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    uint32 private constant HOLDER_ATTRIBUTES = ParticipantAttributes.SUPPLIER | ParticipantAttributes.FINANCIER;

    /// @dev One invoice in three slots (a fourth for split pieces only).
    struct Record {
        address supplier;
        uint64 dueDate;
        InvoiceStatus status;
        address debtor;
        uint96 faceValue;
        address currency;
        uint96 paid;
        uint256 parentId;
    }

    /// @custom:storage-location erc7201:consortium.storage.InvoiceRegistry
    struct InvoiceRegistryStorage {
        IIdentityRegistry identityRegistry;
        uint64 gracePeriod;
        uint16 maxSplitPieces;
        bool paused;
        mapping(uint256 id => Record) invoices;
        mapping(uint256 id => Offer) offers;
        mapping(address currency => bool) currencyAllowed;
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
     */
    function initialize(
        IIdentityRegistry registry,
        address admin,
        address[] memory currencies,
        address[] memory guardians,
        uint64 gracePeriod_,
        uint16 maxSplitPieces_
    ) public initializer {
        if (address(registry) == address(0) || admin == address(0)) revert ZeroAddress();
        __ERC721_init("Consortium Receivable", "RCV");
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
        address debtor,
        uint256 faceValue,
        address currency,
        uint64 dueDate,
        bytes32 invoiceHash,
        string calldata documentUri,
        bytes32 documentHash
    ) external returns (uint256 id) {
        _requireNotPaused();
        InvoiceRegistryStorage storage $ = _storage();
        if (invoiceHash == bytes32(0)) revert ZeroInvoiceHash();
        id = uint256(invoiceHash);
        if ($.invoices[id].status != InvoiceStatus.None) revert DuplicateInvoice(invoiceHash, id);
        if (!$.currencyAllowed[currency]) revert CurrencyNotAllowed(currency);
        if (faceValue == 0) revert ZeroAmount();
        if (faceValue > type(uint96).max) revert AmountTooLarge(faceValue);
        if (dueDate <= block.timestamp) revert DueDateInPast(dueDate);
        (IIdentityRegistry.Participant memory supplier, IIdentityRegistry.Participant memory buyer) = $
            .identityRegistry
            .participantsOf(msg.sender, debtor);
        _requireEligible(msg.sender, supplier, ParticipantAttributes.SUPPLIER);
        _requireEligible(debtor, buyer, ParticipantAttributes.DEBTOR);
        if (supplier.entityIndex == buyer.entityIndex) revert DebtorIsSupplier(debtor);

        $.invoices[id] = Record({
            supplier: msg.sender,
            dueDate: dueDate,
            status: InvoiceStatus.Issued,
            debtor: debtor,
            faceValue: uint96(faceValue),
            currency: currency,
            paid: 0,
            parentId: 0
        });
        _mint(msg.sender, id);
        emit InvoiceIssued(id, msg.sender, debtor, currency, faceValue, dueDate, documentUri, documentHash);
    }

    /// @inheritdoc IInvoiceRegistry
    function acceptInvoice(uint256 id) external {
        _requireNotPaused();
        Record storage invoice = _invoiceIn(id, InvoiceStatus.Issued);
        if (msg.sender != invoice.debtor) revert NotDebtor(id, msg.sender);
        // Only a debtor still verified as one can create undisputable debt.
        _requireEligible(msg.sender, ParticipantAttributes.DEBTOR);
        invoice.status = InvoiceStatus.Accepted;
        emit InvoiceAccepted(id, msg.sender);
    }

    /// @inheritdoc IInvoiceRegistry
    function rejectInvoice(uint256 id, bytes32 reasonHash) external {
        _requireNotPaused();
        Record storage invoice = _invoiceIn(id, InvoiceStatus.Issued);
        if (msg.sender != invoice.debtor) revert NotDebtor(id, msg.sender);
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
    function markDefaulted(uint256 id) external {
        _requireNotPaused();
        Record storage invoice = _invoiceIn(id, InvoiceStatus.Accepted);
        _requireHolder(id);
        // A holder whose KYC lapsed cannot be paid (the cash token refuses it), so it may not
        // declare the debtor in default either.
        _requireEligible(msg.sender, HOLDER_ATTRIBUTES);
        uint256 defaultableAt = uint256(invoice.dueDate) + _storage().gracePeriod;
        if (block.timestamp <= defaultableAt) revert NotYetDefaultable(id, defaultableAt);
        invoice.status = InvoiceStatus.Defaulted;
        delete _storage().offers[id];
        emit InvoiceDefaulted(id, msg.sender);
    }

    // ------------------------------------------------------------------ financing

    /// @inheritdoc IInvoiceRegistry
    function offerForFinancing(uint256 id, address financier, uint256 price) external {
        _requireNotPaused();
        _invoiceIn(id, InvoiceStatus.Accepted);
        _requireHolder(id);
        if (price == 0) revert ZeroAmount();
        if (price > type(uint96).max) revert AmountTooLarge(price);
        _storage().offers[id] = Offer(financier, uint96(price));
        emit OfferMade(id, msg.sender, financier, price);
    }

    /// @inheritdoc IInvoiceRegistry
    function cancelOffer(uint256 id) external {
        _requireNotPaused();
        _requireHolder(id);
        InvoiceRegistryStorage storage $ = _storage();
        if ($.offers[id].price == 0) revert NoOffer(id);
        delete $.offers[id];
        emit OfferCancelled(id);
    }

    /// @inheritdoc IInvoiceRegistry
    function finance(uint256 id, uint256 expectedPrice) external nonReentrant {
        _requireNotPaused();
        InvoiceRegistryStorage storage $ = _storage();
        Offer memory offer = $.offers[id];
        if (offer.price == 0) revert NoOffer(id);
        if (offer.financier != address(0) && offer.financier != msg.sender) revert OfferRestricted(id, offer.financier);
        if (offer.price != expectedPrice) revert PriceMismatch(id, expectedPrice, offer.price);
        _requireEligible(msg.sender, ParticipantAttributes.FINANCIER);
        address seller = _ownerOf(id);
        // Effects first: the transfer checks the receivable and the financier, and clears the offer.
        _transfer(seller, msg.sender, id);
        IERC20($.invoices[id].currency).safeTransferFrom(msg.sender, seller, offer.price);
        emit InvoiceFinanced(id, seller, msg.sender, offer.price);
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
        delete $.offers[id];
        Record memory child = parent;
        child.status = InvoiceStatus.Accepted;
        child.paid = 0;
        child.parentId = id;
        childIds = new uint256[](pieces);
        for (uint256 i = 0; i < pieces; ++i) {
            // A piece's hash derives from its parent's and the split's block: unique like invoices,
            // and an issuer squatting a piece's hash can only delay a split by a block, not block it.
            uint256 childId = uint256(keccak256(abi.encode(bytes32(id), block.number, i)));
            if ($.invoices[childId].status != InvoiceStatus.None) revert DuplicateInvoice(bytes32(childId), childId);
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
        Record storage invoice = _invoiceIn(id, InvoiceStatus.Accepted);
        if (currency != invoice.currency) revert CurrencyMismatch(id, invoice.currency, currency);
        if (amount == 0) revert ZeroAmount();
        uint256 remaining = uint256(invoice.faceValue) - invoice.paid;
        if (amount > remaining) revert PaymentExceedsOutstanding(id, amount, remaining);

        remaining -= amount;
        invoice.paid += uint96(amount);
        // An offer was priced for the old outstanding amount.
        delete _storage().offers[id];
        if (remaining == 0) invoice.status = InvoiceStatus.Paid;
        address holder = _ownerOf(id);
        IERC20(currency).safeTransferFrom(msg.sender, holder, amount);
        emit PaymentMade(id, msg.sender, holder, amount, remaining);
        if (remaining == 0) emit InvoicePaid(id);
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
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _requireNotPaused();
        _storage().paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IInvoiceRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_storage().paused) revert ExpectedPause();
        _storage().paused = false;
        emit Unpaused(msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IInvoiceRegistry
    function invoiceOf(uint256 id) external view returns (Invoice memory) {
        Record memory r = _storage().invoices[id];
        if (r.status == InvoiceStatus.None) revert UnknownInvoice(id);
        return Invoice(bytes32(id), r.supplier, r.debtor, r.currency, r.faceValue, r.paid, r.dueDate, r.status, r.parentId);
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
    function invoiceIdByHash(bytes32 invoiceHash) external view returns (uint256) {
        uint256 id = uint256(invoiceHash);
        return _storage().invoices[id].status == InvoiceStatus.None ? 0 : id;
    }

    /// @inheritdoc IInvoiceRegistry
    function offerOf(uint256 id) external view returns (Offer memory) {
        return _storage().offers[id];
    }

    /// @inheritdoc IInvoiceRegistry
    function isCurrencyAllowed(address currency) external view returns (bool) {
        return _storage().currencyAllowed[currency];
    }

    /// @inheritdoc IInvoiceRegistry
    function gracePeriod() external view returns (uint64) {
        return _storage().gracePeriod;
    }

    /// @inheritdoc IInvoiceRegistry
    function maxSplitPieces() external view returns (uint16) {
        return _storage().maxSplitPieces;
    }

    /// @inheritdoc IInvoiceRegistry
    function paused() external view returns (bool) {
        return _storage().paused;
    }

    /// @notice The participant registry that verifies suppliers, debtors and financiers.
    function identityRegistry() external view returns (IIdentityRegistry) {
        return _storage().identityRegistry;
    }

    /// @notice ERC-165.
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721Upgradeable, AccessControlUpgradeable) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internals

    /**
     * @dev Every transfer (not mints): only an Accepted receivable moves, only to a verified
     * supplier or financier, and any running offer dies with it.
     */
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        address from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) {
            _requireNotPaused();
            InvoiceRegistryStorage storage $ = _storage();
            InvoiceStatus status = $.invoices[tokenId].status;
            if (status != InvoiceStatus.Accepted) revert InvalidStatus(tokenId, status);
            _requireEligible(to, HOLDER_ATTRIBUTES);
            if ($.offers[tokenId].price != 0) delete $.offers[tokenId];
        }
        return super._update(to, tokenId, auth);
    }

    function _invoiceIn(uint256 id, InvoiceStatus expected) private view returns (Record storage invoice) {
        invoice = _storage().invoices[id];
        if (invoice.status == InvoiceStatus.None) revert UnknownInvoice(id);
        if (invoice.status != expected) revert InvalidStatus(id, invoice.status);
    }

    function _requireHolder(uint256 id) private view {
        if (_ownerOf(id) != msg.sender) revert NotHolder(id, msg.sender);
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

    function _requireNotPaused() private view {
        if (_storage().paused) revert EnforcedPause();
    }

    function _setCurrencyAllowed(address currency, bool allowed) private {
        if (currency == address(0)) revert ZeroAddress();
        _storage().currencyAllowed[currency] = allowed;
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

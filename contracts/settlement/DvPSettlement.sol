// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IDvPSettlement} from "../interfaces/IDvPSettlement.sol";
import {IERC1404} from "../interfaces/IERC1404.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";

/**
 * @title DvPSettlement
 * @notice Settles securities trades on chain, delivery versus payment: either side proposes a
 * ticket, the other affirms, and both legs move in one transaction through `transferFrom` (each
 * party has approved this contract). Each leg is first checked with its token's ERC-1404
 * `detectTransferRestriction`, so a refused trade names the leg and the rule. Deferred tickets
 * are settled together by `settleBatch`, all or none, for end-of-day runs.
 * @dev UUPS proxy; upgrades and the fee belong to `DEFAULT_ADMIN_ROLE` (the governance timelock);
 * a guardian pauses. Ids are sequential; no operation's cost depends on the number of tickets.
 */
contract DvPSettlement is
    Initializable,
    AccessControlUpgradeable,
    ReentrancyGuardUpgradeable,
    UUPSUpgradeable,
    IDvPSettlement
{
    using SafeERC20 for IERC20;

    /// @notice Pauses at once in an emergency; only the admin unpauses.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice The highest settlement fee governance may set: 10%.
    uint16 public constant MAX_FEE_BASIS_POINTS = 1_000;

    uint256 private constant BASIS_POINTS = 10_000;

    /// @dev One ticket in five slots.
    struct Record {
        address seller;
        uint64 expiry;
        TicketStatus status;
        bool deferred;
        bool proposedBySeller;
        address buyer;
        address asset;
        uint96 assetAmount;
        address cash;
        uint96 cashAmount;
        bytes32 clientReference;
    }

    /// @custom:storage-location erc7201:consortium.storage.DvPSettlement
    struct DvPSettlementStorage {
        IIdentityRegistry identityRegistry;
        bool paused;
        uint16 feeBasisPoints;
        address feeRecipient;
        uint256 ticketCount;
        mapping(uint256 id => Record) tickets;
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.DvPSettlement")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x5ed5be0698d1d318103922e513daa2f2110d024d5744d6b2acf5d2bd4e955a00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets up the settlement contract behind its proxy. The deployer gets no role.
     * @param registry The participant registry; only verified participants propose.
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and upgrade rights (the governance timelock).
     * @param guardians The first holders of `GUARDIAN_ROLE`.
     */
    function initialize(IIdentityRegistry registry, address admin, address[] memory guardians) public initializer {
        if (address(registry) == address(0) || admin == address(0)) revert ZeroAddress();
        __AccessControl_init();
        __ReentrancyGuard_init();
        _storage().identityRegistry = registry;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i = 0; i < guardians.length; ++i) {
            if (guardians[i] == address(0)) revert ZeroAddress();
            _grantRole(GUARDIAN_ROLE, guardians[i]);
        }
    }

    /// @inheritdoc IDvPSettlement
    function propose(TradeTerms calldata terms) external returns (uint256 id) {
        _requireNotPaused();
        DvPSettlementStorage storage $ = _storage();
        if (terms.seller == address(0) || terms.buyer == address(0)) revert ZeroAddress();
        if (terms.asset == address(0) || terms.cash == address(0)) revert ZeroAddress();
        if (terms.seller == terms.buyer) revert SameCounterparty(terms.seller);
        if (msg.sender != terms.seller && msg.sender != terms.buyer) revert NotCounterparty(msg.sender);
        if (!$.identityRegistry.isVerified(msg.sender)) revert NotVerified(msg.sender);
        if (terms.assetAmount == 0 || terms.cashAmount == 0) revert ZeroAmount();
        if (terms.assetAmount > type(uint96).max) revert AmountTooLarge(terms.assetAmount);
        if (terms.cashAmount > type(uint96).max) revert AmountTooLarge(terms.cashAmount);
        if (terms.expiry <= block.timestamp) revert ExpiryInPast(terms.expiry);

        id = ++$.ticketCount;
        $.tickets[id] = Record({
            seller: terms.seller,
            expiry: terms.expiry,
            status: TicketStatus.Proposed,
            deferred: terms.deferred,
            proposedBySeller: msg.sender == terms.seller,
            buyer: terms.buyer,
            asset: terms.asset,
            assetAmount: uint96(terms.assetAmount),
            cash: terms.cash,
            cashAmount: uint96(terms.cashAmount),
            clientReference: terms.clientReference
        });
        emit TradeProposed(
            id,
            terms.seller,
            terms.buyer,
            terms.asset,
            terms.assetAmount,
            terms.cash,
            terms.cashAmount,
            terms.expiry,
            terms.clientReference,
            terms.deferred,
            msg.sender
        );
    }

    /// @inheritdoc IDvPSettlement
    function affirm(uint256 id) external nonReentrant {
        _requireNotPaused();
        Record storage ticket = _ticketIn(id, TicketStatus.Proposed);
        address affirmingParty = ticket.proposedBySeller ? ticket.buyer : ticket.seller;
        if (msg.sender != affirmingParty) revert NotAffirmingParty(id, msg.sender);
        if (ticket.expiry <= block.timestamp) revert TicketExpired(id, ticket.expiry);
        emit TradeAffirmed(id, msg.sender);
        if (ticket.deferred) {
            ticket.status = TicketStatus.Ready;
        } else {
            _settle(id, ticket);
        }
    }

    /// @inheritdoc IDvPSettlement
    function cancel(uint256 id) external {
        Record storage ticket = _storage().tickets[id];
        TicketStatus status = ticket.status;
        if (status == TicketStatus.None) revert UnknownTicket(id);
        bool expired = ticket.expiry <= block.timestamp;
        if (status == TicketStatus.Proposed && !expired) {
            address proposer = ticket.proposedBySeller ? ticket.seller : ticket.buyer;
            if (msg.sender != proposer) revert NotProposer(id, msg.sender);
        } else if ((status == TicketStatus.Proposed || status == TicketStatus.Ready) && expired) {
            if (msg.sender != ticket.seller && msg.sender != ticket.buyer) revert NotCounterparty(msg.sender);
        } else {
            revert InvalidTicketStatus(id, status);
        }
        ticket.status = TicketStatus.Cancelled;
        emit TradeCancelled(id, msg.sender);
    }

    /// @inheritdoc IDvPSettlement
    function settleBatch(uint256[] calldata ids) external nonReentrant {
        _requireNotPaused();
        if (ids.length == 0) revert EmptyBatch();
        for (uint256 i = 0; i < ids.length; ++i) {
            Record storage ticket = _ticketIn(ids[i], TicketStatus.Ready);
            if (ticket.expiry <= block.timestamp) revert TicketExpired(ids[i], ticket.expiry);
            _settle(ids[i], ticket);
        }
    }

    /// @inheritdoc IDvPSettlement
    function setFee(address recipient, uint16 basisPoints) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (basisPoints > MAX_FEE_BASIS_POINTS) revert InvalidFee(basisPoints);
        if (basisPoints != 0 && recipient == address(0)) revert ZeroAddress();
        DvPSettlementStorage storage $ = _storage();
        $.feeRecipient = recipient;
        $.feeBasisPoints = basisPoints;
        emit FeeSet(recipient, basisPoints);
    }

    /// @inheritdoc IDvPSettlement
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _requireNotPaused();
        _storage().paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IDvPSettlement
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_storage().paused) revert ExpectedPause();
        _storage().paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IDvPSettlement
    function ticketOf(uint256 id) external view returns (Ticket memory) {
        Record memory r = _storage().tickets[id];
        if (r.status == TicketStatus.None) revert UnknownTicket(id);
        return
            Ticket({
                seller: r.seller,
                buyer: r.buyer,
                asset: r.asset,
                assetAmount: r.assetAmount,
                cash: r.cash,
                cashAmount: r.cashAmount,
                expiry: r.expiry,
                status: r.status,
                deferred: r.deferred,
                proposer: r.proposedBySeller ? r.seller : r.buyer,
                clientReference: r.clientReference
            });
    }

    /// @inheritdoc IDvPSettlement
    function ticketCount() external view returns (uint256) {
        return _storage().ticketCount;
    }

    /// @inheritdoc IDvPSettlement
    function fee() external view returns (address recipient, uint16 basisPoints) {
        DvPSettlementStorage storage $ = _storage();
        return ($.feeRecipient, $.feeBasisPoints);
    }

    /// @inheritdoc IDvPSettlement
    function feeFor(uint256 cashAmount) public view returns (uint256) {
        return (cashAmount * _storage().feeBasisPoints) / BASIS_POINTS;
    }

    /// @inheritdoc IDvPSettlement
    function paused() external view returns (bool) {
        return _storage().paused;
    }

    /// @notice The participant registry; only verified participants propose.
    function identityRegistry() external view returns (IIdentityRegistry) {
        return _storage().identityRegistry;
    }

    /**
     * @dev Both legs, checked before anything moves. The fee, rounded down, comes out of the
     * seller's proceeds: the buyer pays exactly the cash amount. Only the tokens' own rules judge
     * the counterparties (the proposer's verification is checked at `propose`).
     */
    function _settle(uint256 id, Record storage ticket) private {
        address seller = ticket.seller;
        address buyer = ticket.buyer;
        uint256 cashAmount = ticket.cashAmount;
        uint256 assetAmount = ticket.assetAmount;
        uint256 feeAmount = feeFor(cashAmount);
        // Read the recipient only when there is a fee: most consortia charge none.
        address feeRecipient = feeAmount == 0 ? address(0) : _storage().feeRecipient;

        _checkLeg(Leg.Asset, ticket.asset, seller, buyer, assetAmount);
        // The whole cash amount: the buyer's balance must cover the seller's share and the fee together.
        _checkLeg(Leg.Cash, ticket.cash, buyer, seller, cashAmount);
        if (feeAmount != 0) _checkLeg(Leg.Fee, ticket.cash, buyer, feeRecipient, feeAmount);

        ticket.status = TicketStatus.Settled;
        IERC20(ticket.asset).safeTransferFrom(seller, buyer, assetAmount);
        IERC20(ticket.cash).safeTransferFrom(buyer, seller, cashAmount - feeAmount);
        if (feeAmount != 0) IERC20(ticket.cash).safeTransferFrom(buyer, feeRecipient, feeAmount);
        emit TradeSettled(id, feeAmount);
    }

    /// @dev ERC-1404 check of one leg. A plain ERC-20 without `detectTransferRestriction` (the call
    /// fails or returns nothing) passes here; its `transferFrom` still enforces what it enforces.
    function _checkLeg(Leg leg, address token, address from, address to, uint256 amount) private view {
        (bool ok, bytes memory data) = token.staticcall(
            abi.encodeCall(IERC1404.detectTransferRestriction, (from, to, amount))
        );
        if (!ok || data.length < 32) return;
        uint256 code = abi.decode(data, (uint256));
        if (code != 0) revert LegRestricted(leg, uint8(code));
    }

    function _ticketIn(uint256 id, TicketStatus expected) private view returns (Record storage ticket) {
        ticket = _storage().tickets[id];
        if (ticket.status == TicketStatus.None) revert UnknownTicket(id);
        if (ticket.status != expected) revert InvalidTicketStatus(id, ticket.status);
    }

    function _requireNotPaused() private view {
        if (_storage().paused) revert EnforcedPause();
    }

    /// @dev Upgrades are governance decisions: only the admin (the timelock) may upgrade.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _storage() private pure returns (DvPSettlementStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}

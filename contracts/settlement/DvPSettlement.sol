// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IDvPSettlement} from "../interfaces/IDvPSettlement.sol";
import {IERC1404} from "../interfaces/IERC1404.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {GuardianPausable} from "../utils/GuardianPausable.sol";

/**
 * @title DvPSettlement
 * @notice Settles securities trades on chain, delivery versus payment: either side proposes a
 * ticket, the other affirms, and both legs move in one transaction through `transferFrom` (each
 * party has approved this contract). Each leg moves under its token's own rules; a leg the token
 * refuses is explained by its ERC-1404 `detectTransferRestriction`, so a refused trade names the
 * leg and the rule (`LegRestricted`), and nothing moves. Deferred tickets
 * are settled together by `settleBatch`, all or none, for end-of-day runs, or by `settleNetted`
 * with each participant's cash moving as one net position. Participants also trade EIP-712 signed
 * orders: any verified participant takes one with `fill`, the venue operator crosses two with
 * `matchOrders`; the chain keeps each order's filled quantity, so nothing fills twice.
 * @dev UUPS proxy; upgrades and the fee belong to `DEFAULT_ADMIN_ROLE` (the governance timelock);
 * a guardian pauses. Ids are sequential; no operation's cost depends on the number of tickets.
 */
contract DvPSettlement is
    Initializable,
    GuardianPausable,
    EIP712Upgradeable,
    UUPSUpgradeable,
    IDvPSettlement
{
    /// @notice Submits `matchOrders` for the matching venue (granted by governance).
    bytes32 public constant VENUE_OPERATOR_ROLE = keccak256("VENUE_OPERATOR_ROLE");

    /// @notice The EIP-712 type of `IDvPSettlement.Order`.
    bytes32 public constant ORDER_TYPEHASH =
        keccak256(
            abi.encodePacked(
                "Order(address maker,uint8 side,address asset,address cash,uint256 quantity,uint256 price,",
                "uint256 minFill,address taker,uint64 expiry,uint256 nonce,uint256 salt,bool deferred)"
            )
        );

    /// @dev The EIP-712 domain's name and version (as `initialize` sets them; each at most 31 bytes).
    string private constant DOMAIN_NAME = "ConsortiumDvP";
    string private constant DOMAIN_VERSION = "1";
    bytes32 private constant DOMAIN_NAME_HASH = keccak256(bytes(DOMAIN_NAME));
    bytes32 private constant DOMAIN_VERSION_HASH = keccak256(bytes(DOMAIN_VERSION));
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// @notice The highest settlement fee governance may set: 10%.
    uint16 public constant MAX_FEE_BASIS_POINTS = 1_000;

    uint256 private constant BASIS_POINTS = 10_000;

    /// @dev Bit positions in a `Record`'s slots (`_takeReady`): expiry and status in the first
    /// slot, after the seller's address; the amounts after the asset's and cash token's addresses.
    uint256 private constant EXPIRY_SHIFT = 160;
    uint256 private constant STATUS_SHIFT = 224;
    uint256 private constant AMOUNT_SHIFT = 160;

    /// @dev One ticket in five slots.
    struct Record {
        address seller;
        uint64 expiry;
        TicketStatus status;
        bool deferred;
        bool proposedBySeller;
        uint8 cancelRequests; // bit 1: the seller asked to cancel a Ready ticket, bit 2: the buyer
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
        bool entered; // the reentrancy guard, in the slot every operation reads for `paused` anyway
        address feeRecipient;
        uint256 ticketCount;
        mapping(uint256 id => Record) tickets;
        mapping(bytes32 orderHash => OrderState) orders;
        mapping(address maker => uint256) minNonce;
    }

    /// @dev What the chain knows of a signed order: its filled quantity and a cancel flag, one slot.
    struct OrderState {
        uint128 filled;
        bool cancelled;
    }

    /// @dev The cash net positions of a netted batch: `amounts[i]` is `parties[i]`'s, for the
    /// first `count` parties (positive receives, negative pays).
    struct NetBook {
        address[] parties;
        int256[] amounts;
        uint256 count;
    }

    // keccak256(abi.encode(uint256(keccak256("consortium.storage.DvPSettlement")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x5ed5be0698d1d318103922e513daa2f2110d024d5744d6b2acf5d2bd4e955a00;

    /**
     * @dev The reentrancy guard of every function that moves assets: no call may enter any of them
     * while one runs. Its flag shares the first storage slot with `paused` and the registry, which
     * each of these functions reads anyway, so the guard costs no cold storage read of its own.
     */
    modifier nonReentrant() {
        DvPSettlementStorage storage $ = _storage();
        if ($.entered) revert ReentrancyGuardReentrantCall();
        $.entered = true;
        _;
        $.entered = false;
    }

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
        __EIP712_init(DOMAIN_NAME, DOMAIN_VERSION);
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
            cancelRequests: 0,
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
        } else if (status == TicketStatus.Ready) {
            // Before expiry a Ready ticket binds both parties: it is cancelled only when both ask.
            uint8 bit;
            if (msg.sender == ticket.seller) bit = 1;
            else if (msg.sender == ticket.buyer) bit = 2;
            else revert NotCounterparty(msg.sender);
            uint8 requests = ticket.cancelRequests | bit;
            if (requests != 3) {
                ticket.cancelRequests = requests;
                emit CancelRequested(id, msg.sender);
                return;
            }
        } else {
            revert InvalidTicketStatus(id, status);
        }
        ticket.status = TicketStatus.Cancelled;
        emit TradeCancelled(id, msg.sender);
    }

    /// @inheritdoc IDvPSettlement
    function fill(
        Order calldata order,
        bytes calldata signature,
        uint256 quantity
    ) external nonReentrant returns (uint256 ticketId) {
        _requireNotPaused();
        DvPSettlementStorage storage $ = _storage();
        bytes32 hash = _orderHash(order);
        if (order.taker != address(0) && order.taker != msg.sender) revert WrongTaker(hash, msg.sender);
        if (msg.sender == order.maker) revert SameCounterparty(msg.sender);
        if (!$.identityRegistry.isVerified(msg.sender)) revert NotVerified(msg.sender);
        _useOrder($, order, hash, signature, quantity);
        (address seller, address buyer) = order.side == Side.Sell
            ? (order.maker, msg.sender)
            : (msg.sender, order.maker);
        uint256 feeAmount;
        (feeAmount, ticketId) = _trade(
            TradeTerms({
                seller: seller,
                buyer: buyer,
                asset: order.asset,
                assetAmount: quantity,
                cash: order.cash,
                cashAmount: quantity * order.price,
                expiry: order.expiry,
                clientReference: hash,
                deferred: order.deferred
            }),
            order.maker
        );
        emit OrderFilled(hash, order.maker, msg.sender, quantity, order.price, feeAmount, ticketId);
    }

    /// @inheritdoc IDvPSettlement
    function matchOrders(
        Order calldata buyOrder,
        bytes calldata buySignature,
        Order calldata sellOrder,
        bytes calldata sellSignature,
        uint256 quantity,
        Side resting
    ) external nonReentrant onlyRole(VENUE_OPERATOR_ROLE) returns (uint256 ticketId) {
        _requireNotPaused();
        (bytes32 buyHash, bytes32 sellHash) = _checkMatch(buyOrder, sellOrder);
        _useOrder(_storage(), buyOrder, buyHash, buySignature, quantity);
        _useOrder(_storage(), sellOrder, sellHash, sellSignature, quantity);
        uint256 price;
        uint256 feeAmount;
        (price, feeAmount, ticketId) = _matchTrade(buyOrder, sellOrder, quantity, resting, buyHash, sellHash);
        emit OrdersMatched(buyHash, sellHash, msg.sender, quantity, price, feeAmount, ticketId);
    }

    /// @inheritdoc IDvPSettlement
    function cancelOrder(Order calldata order) external {
        bytes32 hash = _orderHash(order);
        if (msg.sender != order.maker) revert NotMaker(hash, msg.sender);
        OrderState storage state = _storage().orders[hash];
        if (state.cancelled) revert OrderIsCancelled(hash);
        state.cancelled = true;
        emit OrderCancelled(hash, msg.sender);
    }

    /// @inheritdoc IDvPSettlement
    function cancelUpTo(uint256 nonce) external {
        DvPSettlementStorage storage $ = _storage();
        uint256 current = $.minNonce[msg.sender];
        if (nonce == type(uint256).max || nonce < current) revert NonceNotIncreasing(current, nonce);
        $.minNonce[msg.sender] = nonce + 1;
        emit NoncesCancelled(msg.sender, nonce + 1);
    }

    /// @inheritdoc IDvPSettlement
    function settleNetted(uint256[] calldata ids) external nonReentrant {
        _requireNotPaused();
        uint256 count = ids.length;
        if (count == 0) revert EmptyBatch();
        DvPSettlementStorage storage $ = _storage();
        address cash = $.tickets[ids[0]].cash;
        address feeRecipient = $.feeRecipient;
        uint256 basisPoints = $.feeBasisPoints;
        // Net positions as two arrays, party and amount, in the order the parties are met: at most
        // two parties per ticket and the fee recipient, bounded by the caller's batch.
        NetBook memory book = NetBook(new address[](2 * count + 1), new int256[](2 * count + 1), 0);
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = ids[i];
            (address seller, address buyer, address asset, uint256 assetAmount, uint256 cashAmount) = _takeReady(
                id,
                cash
            );
            uint256 feeAmount = _feeAt(cashAmount, basisPoints);
            _addNet(book, buyer, -int256(cashAmount));
            _addNet(book, seller, int256(cashAmount - feeAmount));
            if (feeAmount != 0) _addNet(book, feeRecipient, int256(feeAmount));
            _move(Leg.Asset, asset, seller, buyer, assetAmount);
            emit TradeSettled(id, feeAmount);
        }
        uint256 transfers = _payNet(cash, book);
        emit NettedBatchSettled(cash, count, transfers);
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
        uint256 basisPoints = _storage().feeBasisPoints;
        if (basisPoints == 0) return 0;
        // Rounded up (ceil), so n fills never pay less fee than one fill of the sum.
        return (cashAmount * basisPoints + BASIS_POINTS - 1) / BASIS_POINTS;
    }

    /// @inheritdoc IDvPSettlement
    function orderHash(Order calldata order) external view returns (bytes32) {
        return _orderHash(order);
    }

    /// @inheritdoc IDvPSettlement
    function filledOf(bytes32 hash) external view returns (uint256) {
        return _storage().orders[hash].filled;
    }

    /// @inheritdoc IDvPSettlement
    function isOrderCancelled(bytes32 hash) external view returns (bool) {
        return _storage().orders[hash].cancelled;
    }

    /// @inheritdoc IDvPSettlement
    function minNonceOf(address maker) external view returns (uint256) {
        return _storage().minNonce[maker];
    }

    /// @notice The participant registry; only verified participants propose.
    function identityRegistry() external view returns (IIdentityRegistry) {
        return _storage().identityRegistry;
    }

    /// @dev `feeFor` at `basisPoints` read once for a batch: rounded up (ceil) the same way.
    function _feeAt(uint256 cashAmount, uint256 basisPoints) private pure returns (uint256) {
        if (basisPoints == 0) return 0;
        return (cashAmount * basisPoints + BASIS_POINTS - 1) / BASIS_POINTS;
    }

    /// @dev Settles a Ready or affirmed ticket's legs.
    function _settle(uint256 id, Record storage ticket) private {
        ticket.status = TicketStatus.Settled;
        uint256 feeAmount = _settleLegs(
            ticket.asset,
            ticket.cash,
            ticket.seller,
            ticket.buyer,
            ticket.assetAmount,
            ticket.cashAmount
        );
        emit TradeSettled(id, feeAmount);
    }

    /**
     * @dev Both legs, all or none: the asset, then the fee (when there is one), then the seller's
     * cash. The fee, rounded up, comes out of the seller's proceeds: the buyer pays exactly the cash
     * amount. Each leg is moved by the token's own `transferFrom`, whose rules are the ones that
     * count; a refused leg is then explained by the token's ERC-1404 `detectTransferRestriction`
     * (`_move`). Only the tokens' own rules judge the counterparties (callers check the proposer's or
     * taker's verification). The caller has done its effects already (checks-effects-interactions).
     */
    function _settleLegs(
        address asset,
        address cash,
        address seller,
        address buyer,
        uint256 assetAmount,
        uint256 cashAmount
    ) private returns (uint256 feeAmount) {
        _move(Leg.Asset, asset, seller, buyer, assetAmount);
        feeAmount = feeFor(cashAmount);
        // Read the recipient only when there is a fee: most consortia charge none.
        if (feeAmount != 0) {
            address feeRecipient = _storage().feeRecipient;
            (bool ok, bytes memory reason) = _tryTransferFrom(cash, buyer, feeRecipient, feeAmount);
            if (!ok) {
                // The buyer's whole cash amount is judged first (it covers the seller's share and
                // the fee together), then the fee leg itself.
                _checkLeg(Leg.Cash, cash, buyer, seller, cashAmount);
                _checkLeg(Leg.Fee, cash, buyer, feeRecipient, feeAmount);
                _refused(cash, reason);
            }
        }
        _move(Leg.Cash, cash, buyer, seller, cashAmount - feeAmount);
    }

    /**
     * @dev A trade from signed orders: both legs now, or a Ready ticket (proposed by `proposer`, the
     * maker or resting maker) for the end-of-day batch when deferred.
     */
    function _trade(TradeTerms memory t, address proposer) private returns (uint256 feeAmount, uint256 ticketId) {
        if (!t.deferred) {
            return (_settleLegs(t.asset, t.cash, t.seller, t.buyer, t.assetAmount, t.cashAmount), 0);
        }
        if (t.assetAmount > type(uint96).max) revert AmountTooLarge(t.assetAmount);
        if (t.cashAmount > type(uint96).max) revert AmountTooLarge(t.cashAmount);
        DvPSettlementStorage storage $ = _storage();
        ticketId = ++$.ticketCount;
        $.tickets[ticketId] = Record({
            seller: t.seller,
            expiry: t.expiry,
            status: TicketStatus.Ready,
            deferred: true,
            proposedBySeller: proposer == t.seller,
            cancelRequests: 0,
            buyer: t.buyer,
            asset: t.asset,
            assetAmount: uint96(t.assetAmount),
            cash: t.cash,
            cashAmount: uint96(t.cashAmount),
            clientReference: t.clientReference
        });
        emit TradeProposed(
            ticketId,
            t.seller,
            t.buyer,
            t.asset,
            t.assetAmount,
            t.cash,
            t.cashAmount,
            t.expiry,
            t.clientReference,
            true,
            proposer
        );
    }

    /// @dev Two orders the venue may cross: a buy and a sell of the same pair, two makers, prices
    /// that cross, and any named taker being the other maker.
    function _checkMatch(
        Order calldata buyOrder,
        Order calldata sellOrder
    ) private view returns (bytes32 buyHash, bytes32 sellHash) {
        bytes32 domainSeparator = _domainSeparator();
        buyHash = _hashOrder(buyOrder, domainSeparator);
        sellHash = _hashOrder(sellOrder, domainSeparator);
        if (buyOrder.side != Side.Buy) revert WrongSide(buyHash);
        if (sellOrder.side != Side.Sell) revert WrongSide(sellHash);
        if (buyOrder.asset != sellOrder.asset || buyOrder.cash != sellOrder.cash) {
            revert OrdersMismatched(buyHash, sellHash);
        }
        if (buyOrder.maker == sellOrder.maker) revert SameCounterparty(buyOrder.maker);
        if (buyOrder.price < sellOrder.price) revert OrdersDoNotCross(buyOrder.price, sellOrder.price);
        if (buyOrder.taker != address(0) && buyOrder.taker != sellOrder.maker) {
            revert WrongTaker(buyHash, sellOrder.maker);
        }
        if (sellOrder.taker != address(0) && sellOrder.taker != buyOrder.maker) {
            revert WrongTaker(sellHash, buyOrder.maker);
        }
    }

    /// @dev A match's trade at the resting order's price: both legs now, or a Ready ticket when
    /// either order is deferred (`_matchTerms`, `_trade`).
    function _matchTrade(
        Order calldata buyOrder,
        Order calldata sellOrder,
        uint256 quantity,
        Side resting,
        bytes32 buyHash,
        bytes32 sellHash
    ) private returns (uint256 price, uint256 feeAmount, uint256 ticketId) {
        price = (resting == Side.Buy ? buyOrder : sellOrder).price;
        if (buyOrder.deferred || sellOrder.deferred) {
            (TradeTerms memory t, address proposer) = _matchTerms(
                buyOrder,
                sellOrder,
                quantity,
                resting,
                buyHash,
                sellHash
            );
            (feeAmount, ticketId) = _trade(t, proposer);
        } else {
            feeAmount = _settleLegs(
                buyOrder.asset,
                buyOrder.cash,
                sellOrder.maker,
                buyOrder.maker,
                quantity,
                quantity * price
            );
        }
    }

    /// @dev The trade of a match, at the resting order's price; its maker is the ticket's proposer.
    function _matchTerms(
        Order calldata buyOrder,
        Order calldata sellOrder,
        uint256 quantity,
        Side resting,
        bytes32 buyHash,
        bytes32 sellHash
    ) private pure returns (TradeTerms memory t, address proposer) {
        Order calldata restingOrder = resting == Side.Buy ? buyOrder : sellOrder;
        t = TradeTerms({
            seller: sellOrder.maker,
            buyer: buyOrder.maker,
            asset: buyOrder.asset,
            assetAmount: quantity,
            cash: buyOrder.cash,
            cashAmount: quantity * restingOrder.price,
            expiry: buyOrder.expiry < sellOrder.expiry ? buyOrder.expiry : sellOrder.expiry,
            clientReference: resting == Side.Buy ? buyHash : sellHash,
            deferred: buyOrder.deferred || sellOrder.deferred
        });
        proposer = restingOrder.maker;
    }

    /// @dev Checks a signed order for a fill of `quantity` and records the fill (effects first).
    function _useOrder(
        DvPSettlementStorage storage $,
        Order calldata order,
        bytes32 hash,
        bytes calldata signature,
        uint256 quantity
    ) private {
        if (quantity == 0 || order.price == 0) revert ZeroAmount();
        if (order.maker == address(0) || order.asset == address(0) || order.cash == address(0)) revert ZeroAddress();
        if (order.expiry <= block.timestamp) revert OrderExpired(hash, order.expiry);
        OrderState storage state = $.orders[hash];
        // The order's slot read once: `OrderState` holds `filled` in its low 128 bits, then the
        // cancel flag, the only thing above them.
        uint256 word;
        assembly ("memory-safe") {
            word := sload(state.slot)
        }
        if (word >> 128 != 0 || order.nonce < $.minNonce[order.maker]) revert OrderIsCancelled(hash);
        uint256 filled = uint128(word);
        uint256 remaining = order.quantity > filled ? order.quantity - filled : 0;
        if (quantity > remaining) revert OverFill(hash, remaining, quantity);
        if (quantity < order.minFill && quantity != remaining) revert BelowMinimumFill(hash, order.minFill, quantity);
        if (!_isValidSignature(order.maker, hash, signature)) revert InvalidSignature(hash, order.maker);
        if (order.quantity > type(uint128).max) revert AmountTooLarge(order.quantity);
        // Not cancelled (checked above) and at most `order.quantity`: the slot is the new filled
        // quantity alone, written once.
        assembly ("memory-safe") {
            sstore(state.slot, add(filled, quantity))
        }
    }

    /// @dev Adds `amount` to `party`'s net position (a search over this batch's parties only).
    function _addNet(NetBook memory book, address party, int256 amount) private pure {
        address[] memory parties = book.parties;
        uint256 count = book.count;
        uint256 i;
        assembly ("memory-safe") {
            // An address on the stack may carry dirty high bits; the array holds it clean.
            let wanted := and(party, 0xffffffffffffffffffffffffffffffffffffffff)
            let first := add(parties, 0x20)
            let end := add(first, shl(5, count))
            let at := first
            for {} lt(at, end) {
                at := add(at, 0x20)
            } {
                if eq(mload(at), wanted) {
                    break
                }
            }
            i := shr(5, sub(at, first))
        }
        if (i == count) {
            parties[i] = party;
            book.count = count + 1;
        }
        book.amounts[i] += amount;
    }

    /// @dev Pays the net positions: each transfer goes from a net payer to a net receiver and
    /// closes at least one of them, so there are fewer transfers than parties.
    function _payNet(address cash, NetBook memory book) private returns (uint256 transfers) {
        address[] memory parties = book.parties;
        int256[] memory amounts = book.amounts;
        uint256 count = book.count;
        uint256 payer;
        uint256 receiver;
        while (true) {
            while (payer < count && amounts[payer] >= 0) ++payer;
            while (receiver < count && amounts[receiver] <= 0) ++receiver;
            if (payer == count || receiver == count) break;
            uint256 owed = uint256(-amounts[payer]);
            uint256 due = uint256(amounts[receiver]);
            uint256 amount = owed < due ? owed : due;
            amounts[payer] += int256(amount);
            amounts[receiver] -= int256(amount);
            _move(Leg.Cash, cash, parties[payer], parties[receiver], amount);
            ++transfers;
        }
    }

    /**
     * @dev A Ready ticket of a netted batch, now Settled: its four slots read once each (the
     * `Record` layout: seller, expiry and status share the first, buyer the second, asset and its
     * amount the third, cash and its amount the fourth), and the status written back in one store.
     * Reverts as `settleBatch` does for an unknown, not Ready or expired ticket, and `MixedCash`
     * for another cash token than the batch's.
     */
    function _takeReady(
        uint256 id,
        address cash
    ) private returns (address seller, address buyer, address asset, uint256 assetAmount, uint256 cashAmount) {
        Record storage ticket = _storage().tickets[id];
        uint256 head;
        uint256 assetWord;
        uint256 cashWord;
        assembly ("memory-safe") {
            let slot := ticket.slot
            head := sload(slot)
            buyer := sload(add(slot, 1))
            assetWord := sload(add(slot, 2))
            cashWord := sload(add(slot, 3))
        }
        TicketStatus status = TicketStatus(uint8(head >> STATUS_SHIFT));
        if (status == TicketStatus.None) revert UnknownTicket(id);
        if (status != TicketStatus.Ready) revert InvalidTicketStatus(id, status);
        uint64 expiry = uint64(head >> EXPIRY_SHIFT);
        if (expiry <= block.timestamp) revert TicketExpired(id, expiry);
        if (address(uint160(cashWord)) != cash) revert MixedCash(id);
        seller = address(uint160(head));
        asset = address(uint160(assetWord));
        assetAmount = assetWord >> AMOUNT_SHIFT;
        cashAmount = cashWord >> AMOUNT_SHIFT;
        head = (head & ~(uint256(type(uint8).max) << STATUS_SHIFT)) | (uint256(TicketStatus.Settled) << STATUS_SHIFT);
        assembly ("memory-safe") {
            sstore(ticket.slot, head)
        }
    }

    /// @dev The EIP-712 digest of `order` (see `_hashOrder`) under this contract's domain.
    function _orderHash(Order calldata order) private view returns (bytes32) {
        return _hashOrder(order, _domainSeparator());
    }

    /**
     * @dev EIP-712's `hashStruct(order)` is `keccak256(ORDER_TYPEHASH ‖ encodeData(order))`, and each
     * of the order's twelve fields is an atomic type encoded as one 32-byte word: exactly the twelve
     * words of the static struct in calldata, once each field is known to be in range (an address
     * or `uint64` with no higher bits, a `Side` or `bool` of 0 or 1; out of range reverts, as the
     * ABI decoder does). So the words are hashed where they lie, with no decoding and re-encoding.
     * The digest is then `keccak256("\x19\x01" ‖ domainSeparator ‖ hashStruct(order))`, as
     * OpenZeppelin's `MessageHashUtils.toTypedDataHash`.
     */
    function _hashOrder(Order calldata order, bytes32 domainSeparator) private pure returns (bytes32 digest) {
        bytes32 typeHash = ORDER_TYPEHASH;
        assembly ("memory-safe") {
            let outOfRange := or(
                or(
                    or(shr(160, calldataload(order)), gt(calldataload(add(order, 0x20)), 1)),
                    shr(160, calldataload(add(order, 0x40)))
                ),
                or(
                    or(shr(160, calldataload(add(order, 0x60))), shr(160, calldataload(add(order, 0xe0)))),
                    or(shr(64, calldataload(add(order, 0x100))), gt(calldataload(add(order, 0x160)), 1))
                )
            )
            if outOfRange {
                revert(0, 0)
            }
            // Scratch memory past the free memory pointer, which stays where it is.
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), order, 0x180)
            let structHash := keccak256(ptr, 0x1a0)
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), domainSeparator)
            mstore(add(ptr, 0x22), structHash)
            digest := keccak256(ptr, 0x42)
        }
    }

    /**
     * @dev `_domainSeparatorV4()` with the name's and version's hashes as constants (they are
     * constants, `_EIP712Name` and `_EIP712Version`): computed once per call that hashes orders.
     */
    function _domainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, DOMAIN_NAME_HASH, DOMAIN_VERSION_HASH, block.chainid, address(this)));
    }

    /**
     * @dev Moves one leg with the token's `transferFrom`, called from scratch memory: nothing is
     * allocated, copied or decoded when the leg moves (the token's answer is one word, read where
     * the call left it). Accepted as SafeERC20 accepts it: no revert, and `true` or nothing returned
     * by a contract. When the token refuses, its ERC-1404 `detectTransferRestriction` names the rule
     * (`LegRestricted(leg, code)`); a refusal no rule explains (an allowance shortfall, say) is passed
     * on as the token gave it.
     */
    function _move(Leg leg, address token, address from, address to, uint256 amount) private {
        bool called;
        bool ok;
        bytes4 selector = IERC20.transferFrom.selector;
        assembly ("memory-safe") {
            let args := mload(0x40)
            mstore(args, selector)
            mstore(add(args, 0x04), and(from, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(args, 0x24), and(to, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(args, 0x44), amount)
            called := call(gas(), token, 0, args, 0x64, 0, 0x20)
            if called {
                switch returndatasize()
                case 0 {
                    ok := gt(extcodesize(token), 0)
                }
                default {
                    ok := and(gt(returndatasize(), 31), eq(mload(0), 1))
                }
            }
        }
        if (ok) return;
        // The token's revert data, copied before the ERC-1404 query replaces it; none when the call
        // returned (`false`, no boolean, or no code), so SafeERC20's error is given.
        bytes memory reason;
        if (!called) {
            reason = new bytes(_returnDataSize());
            assembly ("memory-safe") {
                returndatacopy(add(reason, 0x20), 0, mload(reason))
            }
        }
        _checkLeg(leg, token, from, to, amount);
        _refused(token, reason);
    }

    function _returnDataSize() private pure returns (uint256 size) {
        assembly ("memory-safe") {
            size := returndatasize()
        }
    }

    /// @dev `transferFrom` as SafeERC20 accepts it: no revert, and `true` or nothing returned by a contract.
    function _tryTransferFrom(
        address token,
        address from,
        address to,
        uint256 amount
    ) private returns (bool ok, bytes memory reason) {
        // A low-level call, as SafeERC20's: a refusal is explained (`_move`), not simply bubbled up.
        // solhint-disable-next-line avoid-low-level-calls
        (ok, reason) = token.call(abi.encodeCall(IERC20.transferFrom, (from, to, amount)));
        if (ok && (reason.length == 0 ? token.code.length == 0 : reason.length < 32 || abi.decode(reason, (uint256)) != 1)) {
            // No code, or a `false` (or no boolean) returned: nothing to pass on but SafeERC20's error.
            (ok, reason) = (false, "");
        }
    }

    /// @dev Reverts with the token's own reason, or SafeERC20's error when it gave none.
    function _refused(address token, bytes memory reason) private pure {
        if (reason.length == 0) revert SafeERC20.SafeERC20FailedOperation(token);
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }

    /**
     * @dev The maker's signature: an ECDSA signature of the maker's key, or else, for a contract
     * wallet, its ERC-1271 `isValidSignature`. Recovering first spares an EOA maker the code lookup.
     */
    function _isValidSignature(address maker, bytes32 hash, bytes calldata signature) private view returns (bool) {
        if (signature.length == 65) {
            // r, s, v read where they lie in calldata; `tryRecover` rejects a high s and returns
            // an error, never reverts, so a malformed signature still gets its ERC-1271 chance.
            (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(
                hash,
                uint8(signature[64]),
                bytes32(signature[0:32]),
                bytes32(signature[32:64])
            );
            if (err == ECDSA.RecoverError.NoError && recovered == maker) return true;
        }
        return maker.code.length != 0 && SignatureChecker.isValidERC1271SignatureNow(maker, hash, signature);
    }

    /// @dev The domain name is a constant: hashing it needs no storage read (`initialize` stored the same).
    function _EIP712Name() internal pure override returns (string memory) {
        return DOMAIN_NAME;
    }

    /// @dev The domain version is a constant, like its name.
    function _EIP712Version() internal pure override returns (string memory) {
        return DOMAIN_VERSION;
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

    function _isPaused() internal view override returns (bool) {
        return _storage().paused;
    }

    function _setPaused(bool value) internal override {
        _storage().paused = value;
    }

    /// @dev Upgrades are governance decisions: only the admin (the timelock) may upgrade.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    function _storage() private pure returns (DvPSettlementStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}

// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IGuardianPausable} from "./IGuardianPausable.sol";

/**
 * @title IDvPSettlement
 * @notice Delivery versus payment: a trade ticket moves a security token leg (seller -> buyer) and
 * a cash token leg (buyer -> seller) atomically, both or neither, under each token's own rules.
 * Trades come from tickets (propose + affirm), from EIP-712 signed orders taken by a participant
 * (`fill`) or matched by the venue operator (`matchOrders`); deferred ones settle at end of day,
 * gross (`settleBatch`) or with cash netted per participant (`settleNetted`).
 */
interface IDvPSettlement is IGuardianPausable {
    /// @notice Proposed -> Settled on affirmation, or -> Ready when the ticket is deferred (then
    /// Settled by `settleBatch`); Proposed or expired tickets -> Cancelled.
    enum TicketStatus {
        None,
        Proposed,
        Ready,
        Settled,
        Cancelled
    }

    /// @notice The leg a restriction was found on, in `LegRestricted`.
    enum Leg {
        Asset,
        Cash,
        Fee
    }

    /// @notice The side of a signed order: the maker buys or sells the asset.
    enum Side {
        Buy,
        Sell
    }

    /**
     * @notice An order a participant signs off line (EIP-712 typed data, domain "ConsortiumDvP",
     * version "1"). `price` is cash units per asset unit; a fill of `q` moves `q` asset units and
     * `q * price` cash units. `taker` non-zero makes a firm quote for that one counterparty (RFQ).
     * A fill smaller than `minFill` is refused unless it takes all that remains. Orders whose
     * `nonce` is below the maker's `minNonceOf` are cancelled. `deferred` fills become Ready
     * tickets for the end-of-day batch instead of settling at once.
     */
    struct Order {
        address maker;
        Side side;
        address asset;
        address cash;
        uint256 quantity;
        uint256 price;
        uint256 minFill;
        address taker;
        uint64 expiry;
        uint256 nonce;
        uint256 salt;
        bool deferred;
    }

    /// @notice A trade ticket as people read it.
    struct Ticket {
        address seller;
        address buyer;
        address asset;
        uint256 assetAmount;
        address cash;
        uint256 cashAmount;
        uint64 expiry;
        TicketStatus status;
        bool deferred;
        address proposer;
        bytes32 clientReference;
    }

    /// @notice What `propose` asks for.
    struct TradeTerms {
        address seller;
        address buyer;
        address asset;
        uint256 assetAmount;
        address cash;
        uint256 cashAmount;
        uint64 expiry;
        bytes32 clientReference;
        bool deferred;
    }

    event TradeProposed(
        uint256 indexed id,
        address indexed seller,
        address indexed buyer,
        address asset,
        uint256 assetAmount,
        address cash,
        uint256 cashAmount,
        uint64 expiry,
        bytes32 clientReference,
        bool deferred,
        address proposer
    );
    event TradeAffirmed(uint256 indexed id, address indexed affirmer);
    event TradeSettled(uint256 indexed id, uint256 fee);
    event TradeCancelled(uint256 indexed id, address indexed by);
    /// @notice `quantity` of the order `orderHash` was taken by `taker` at `price`; `ticketId` is
    /// the Ready ticket of a deferred fill, 0 when both legs settled at once.
    event OrderFilled(
        bytes32 indexed orderHash,
        address indexed maker,
        address indexed taker,
        uint256 quantity,
        uint256 price,
        uint256 fee,
        uint256 ticketId
    );
    /// @notice The venue matched two orders for `quantity` at `price` (the resting order's).
    event OrdersMatched(
        bytes32 indexed buyOrderHash,
        bytes32 indexed sellOrderHash,
        address indexed operator,
        uint256 quantity,
        uint256 price,
        uint256 fee,
        uint256 ticketId
    );
    event OrderCancelled(bytes32 indexed orderHash, address indexed maker);
    /// @notice Every order of `maker` with a nonce below `minNonce` is cancelled.
    event NoncesCancelled(address indexed maker, uint256 minNonce);
    /// @notice One party of a Ready ticket asked to cancel it; the ticket is cancelled when both have.
    event CancelRequested(uint256 indexed id, address indexed by);
    /// @notice `tickets` Ready tickets settled: securities gross, cash in `cashTransfers` net transfers.
    event NettedBatchSettled(address indexed cash, uint256 tickets, uint256 cashTransfers);
    event FeeSet(address indexed recipient, uint16 basisPoints);

    /// @notice A call entered a function that moves assets while one was running (as OpenZeppelin's guard names it).
    error ReentrancyGuardReentrantCall();
    error ZeroAddress();
    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error SameCounterparty(address account);
    error NotCounterparty(address caller);
    error NotVerified(address account);
    error ExpiryInPast(uint64 expiry);
    error UnknownTicket(uint256 id);
    error InvalidTicketStatus(uint256 id, TicketStatus status);
    error TicketExpired(uint256 id, uint64 expiry);
    error NotProposer(uint256 id, address caller);
    error NotAffirmingParty(uint256 id, address caller);
    error LegRestricted(Leg leg, uint8 code);
    error InvalidFee(uint16 basisPoints);
    error EmptyBatch();
    error OrderExpired(bytes32 orderHash, uint64 expiry);
    error OrderIsCancelled(bytes32 orderHash);
    error OverFill(bytes32 orderHash, uint256 remaining, uint256 quantity);
    error WrongTaker(bytes32 orderHash, address caller);
    error InvalidSignature(bytes32 orderHash, address maker);
    error BelowMinimumFill(bytes32 orderHash, uint256 minFill, uint256 quantity);
    error NotMaker(bytes32 orderHash, address caller);
    error NonceNotIncreasing(uint256 current, uint256 requested);
    error WrongSide(bytes32 orderHash);
    error OrdersDoNotCross(uint256 buyPrice, uint256 sellPrice);
    error OrdersMismatched(bytes32 buyOrderHash, bytes32 sellOrderHash);
    error MixedCash(uint256 id);

    /// @notice Proposes a trade; the caller (a verified participant) is its seller or buyer.
    function propose(TradeTerms calldata terms) external returns (uint256 id);

    /// @notice The other party affirms: settles at once, or marks a deferred ticket ready.
    function affirm(uint256 id) external;

    /// @notice Cancels a ticket: the proposer before affirmation; either party once it expired; a
    /// Ready ticket before expiry only when both parties ask (the first call records a request).
    function cancel(uint256 id) external;

    /**
     * @notice Takes `quantity` of a signed order (caller: a verified participant, not the maker, and
     * the named taker if there is one). Both legs settle at the order's price, or a Ready ticket is
     * recorded when the order is deferred. Returns that ticket's id, or 0.
     */
    function fill(Order calldata order, bytes calldata signature, uint256 quantity) external returns (uint256 ticketId);

    /**
     * @notice Venue operator: trades `quantity` between a crossing buy and sell order of the same
     * asset and cash at the resting (earlier) order's price; `resting` names which one the venue
     * received first. Deferred when either order is. Returns the Ready ticket's id, or 0.
     */
    function matchOrders(
        Order calldata buyOrder,
        bytes calldata buySignature,
        Order calldata sellOrder,
        bytes calldata sellSignature,
        uint256 quantity,
        Side resting
    ) external returns (uint256 ticketId);

    /// @notice The maker cancels one order.
    function cancelOrder(Order calldata order) external;

    /// @notice The caller cancels every one of its orders with a nonce up to `nonce`, inclusive.
    function cancelUpTo(uint256 nonce) external;

    /**
     * @notice Settles Ready tickets, all or none: securities move gross, ticket by ticket; cash is
     * netted per participant (fees included) and moves from net payers to net receivers in at most
     * one transfer fewer than the participants. Every ticket must use the same cash token.
     */
    function settleNetted(uint256[] calldata ids) external;

    /// @notice Settles ready (deferred, affirmed) tickets, all or none.
    function settleBatch(uint256[] calldata ids) external;

    /// @notice Sets the settlement fee, in basis points of the cash leg, and its recipient (admin).
    /// It applies to every settlement from then on, including tickets affirmed before; a change
    /// passes through the governance timelock, so counterparties see it coming.
    function setFee(address recipient, uint16 basisPoints) external;

    /// @notice The ticket `id`; reverts with `UnknownTicket` if there is none.
    function ticketOf(uint256 id) external view returns (Ticket memory);

    /// @notice Number of tickets proposed so far (ids run from 1).
    function ticketCount() external view returns (uint256);

    /// @notice The fee recipient and basis points.
    function fee() external view returns (address recipient, uint16 basisPoints);

    /// @notice The fee on a cash leg of `cashAmount`: rounded up, in the fee recipient's favour, so
    /// splitting a trade into smaller fills never pays less fee than the whole.
    function feeFor(uint256 cashAmount) external view returns (uint256);

    /// @notice The EIP-712 digest an order's maker signs; the order's identifier.
    function orderHash(Order calldata order) external view returns (bytes32);

    /// @notice The quantity of order `hash` filled so far.
    function filledOf(bytes32 hash) external view returns (uint256);

    /// @notice Whether order `hash` was cancelled by `cancelOrder`.
    function isOrderCancelled(bytes32 hash) external view returns (bool);

    /// @notice Orders of `maker` with a nonce below this are cancelled.
    function minNonceOf(address maker) external view returns (uint256);
}

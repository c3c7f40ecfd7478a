// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IDvPSettlement
 * @notice Delivery versus payment: a trade ticket moves a security token leg (seller -> buyer) and
 * a cash token leg (buyer -> seller) atomically, both or neither, under each token's own rules.
 */
interface IDvPSettlement {
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
    event FeeSet(address indexed recipient, uint16 basisPoints);
    event Paused(address account);
    event Unpaused(address account);

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
    error EnforcedPause();
    error ExpectedPause();

    /// @notice Proposes a trade; the caller (a verified participant) is its seller or buyer.
    function propose(TradeTerms calldata terms) external returns (uint256 id);

    /// @notice The other party affirms: settles at once, or marks a deferred ticket ready.
    function affirm(uint256 id) external;

    /// @notice Cancels a ticket: the proposer before affirmation; either party once it expired.
    function cancel(uint256 id) external;

    /// @notice Settles ready (deferred, affirmed) tickets, all or none.
    function settleBatch(uint256[] calldata ids) external;

    /// @notice Sets the settlement fee, in basis points of the cash leg, and its recipient (admin).
    /// It applies to every settlement from then on, including tickets affirmed before; a change
    /// passes through the governance timelock, so counterparties see it coming.
    function setFee(address recipient, uint16 basisPoints) external;

    /// @notice Stops proposals and settlements at once (guardian).
    function pause() external;

    /// @notice Resumes (admin: governance).
    function unpause() external;

    /// @notice The ticket `id`; reverts with `UnknownTicket` if there is none.
    function ticketOf(uint256 id) external view returns (Ticket memory);

    /// @notice Number of tickets proposed so far (ids run from 1).
    function ticketCount() external view returns (uint256);

    /// @notice The fee recipient and basis points.
    function fee() external view returns (address recipient, uint16 basisPoints);

    /// @notice The fee on a cash leg of `cashAmount`: rounded down, so the payer never pays more.
    function feeFor(uint256 cashAmount) external view returns (uint256);

    /// @notice Whether proposals and settlements are stopped.
    function paused() external view returns (bool);
}

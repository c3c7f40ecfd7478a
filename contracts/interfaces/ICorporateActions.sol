// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title ICorporateActions
 * @notice Servicing of security tokens: cash distributions (dividends, coupons) to holders of
 * record, and redemption at maturity. Entitlements are computed on chain from the asset's
 * record-time balances (`IRecordBalances`); cash is escrowed here when announced.
 */
interface ICorporateActions {
    /// @notice What a paying agent announces.
    struct Announcement {
        address asset; // the security token (it must grant this contract RECORD_ROLE)
        address cashToken; // the ERC-20 paid out
        uint256 amountPerUnit; // cash base units per whole unit (10^decimals) of the asset; 0 = pro rata
        uint256 amount; // escrowed now; pro rata: the total shared; per unit: at least for today's supply
        uint64 recordTime; // holders at this time are entitled; after now
        uint64 paymentStart; // claims and payments from this time; after the record time
        uint64 claimDeadline; // claims and payments until this time; after the payment start
        string noticeUri; // the corporate-action notice
        bytes32 noticeHash; // its hash
    }

    /// @notice A distribution as stored.
    struct Distribution {
        address asset;
        uint64 recordTime;
        address cashToken;
        uint64 paymentStart;
        uint64 claimDeadline;
        bool reclaimed;
        uint256 amountPerUnit;
        uint256 funded;
        uint256 paid;
        bytes32 noticeHash;
        string noticeUri;
    }

    /// @notice A redemption as stored (one per asset).
    struct Redemption {
        address cashToken;
        uint64 maturity;
        bool completed; // the supply reached zero
        bool reclaimed;
        uint256 amountPerUnit;
        uint256 funded;
        uint256 paid;
    }

    event DistributionAnnounced(
        uint256 indexed id,
        address indexed asset,
        address cashToken,
        uint256 amountPerUnit,
        uint64 recordTime,
        uint64 paymentStart,
        uint64 claimDeadline,
        string noticeUri,
        bytes32 noticeHash
    );
    event DistributionFunded(uint256 indexed id, address indexed agent, uint256 amount, uint256 funded);
    /// @notice `holder`'s entitlement went to `payee` (the holder, or the wallet it was recovered to).
    event DistributionPaid(uint256 indexed id, address indexed holder, address payee, uint256 amount);
    /// @notice A batch payment could not reach `payee`: `holder` keeps its entitlement.
    event DistributionPaymentSkipped(uint256 indexed id, address indexed holder, address payee, uint256 amount);
    event DistributionReclaimed(uint256 indexed id, address indexed to, uint256 amount);
    event RedemptionOpened(
        address indexed asset,
        address cashToken,
        uint256 amountPerUnit,
        uint64 maturity,
        uint256 amount
    );
    event RedemptionFunded(address indexed asset, address indexed agent, uint256 amount, uint256 funded);
    event Redeemed(address indexed asset, address indexed holder, uint256 units, uint256 amount);
    /// @notice A batch redemption could not pay `holder`: its units were not burnt.
    event RedemptionSkipped(address indexed asset, address indexed holder, uint256 units, uint256 amount);
    /// @notice The asset's supply reached zero: the asset is redeemed (the directory's hook point).
    event AssetRedeemed(address indexed asset);
    event RedemptionReclaimed(address indexed asset, address indexed to, uint256 amount);
    event RedemptionObserverSet(address indexed observer);

    error ZeroAddress();
    error ZeroAmount();
    error EmptyNotice();
    /// @notice Record time after now, payment start after it, claim deadline after that.
    error InvalidSchedule(uint64 recordTime, uint64 paymentStart, uint64 claimDeadline);
    /// @notice The amount does not cover the entitlements (`required`).
    error InsufficientFunding(uint256 required, uint256 amount);
    error UnknownDistribution(uint256 id);
    error FundingClosed(uint256 id, uint64 paymentStart);
    error ClaimNotOpen(uint256 id, uint64 paymentStart);
    error ClaimClosed(uint256 id, uint64 claimDeadline);
    error ClaimsStillOpen(uint256 id, uint64 claimDeadline);
    error AlreadyReclaimed(uint256 id);
    /// @notice Only the holder of record, or the wallet the token recovered it to, claims.
    error NotHolder(address caller, address holder);
    error AlreadyPaid(uint256 id, address holder);
    error NothingToClaim(uint256 id, address holder);
    /// @notice A per-unit distribution's escrow is below what the supply at the record time needs.
    error Underfunded(uint256 id, uint256 funded, uint256 required);
    error BatchSize(uint256 size, uint256 max);
    /// @notice `holder` was recovered through more than `MAX_RECOVERY_HOPS` wallets.
    error RecoveryChainTooLong(address holder);
    error RedemptionExists(address asset);
    error NoRedemption(address asset);
    error NotMatured(address asset, uint64 maturity);
    error NothingToRedeem(address asset, address holder);
    error RedemptionUnderfunded(address asset, uint256 available, uint256 amount);
    error RedemptionNotComplete(address asset, uint256 supply);
    error RedemptionAlreadyReclaimed(address asset);

    /// @notice Announces a distribution and escrows `a.amount` of cash from the caller (paying
    /// agent of the asset); schedules the record time on the asset. Returns its id (from 1).
    function announce(Announcement calldata a) external returns (uint256 id);

    /// @notice Adds `amount` to a distribution's escrow before its payment start (paying agent).
    function fund(uint256 id, uint256 amount) external;

    /// @notice Pays `holder`'s entitlement to it, or to the wallet the token recovered it to;
    /// called by that wallet or by the holder. Reverts if the cash token refuses the payee: the
    /// entitlement stays.
    function claim(uint256 id, address holder) external;

    /// @notice Pays up to `MAX_BATCH` holders (paying agent); holders already paid, with nothing
    /// due, or whose payee cannot receive the cash are skipped.
    function payBatch(uint256 id, address[] calldata holders) external;

    /// @notice After the claim deadline, sends what was not paid to `to` (paying agent), once.
    function reclaim(uint256 id, address to) external;

    /// @notice At or after `maturity`, opens the redemption of `asset` at `amountPerUnit` and
    /// escrows `amount` (at least today's supply times the price) from the caller (paying agent).
    /// This contract must hold the asset's SUPPLY_ROLE.
    function openRedemption(
        address asset,
        address cashToken,
        uint256 amountPerUnit,
        uint64 maturity,
        uint256 amount
    ) external;

    /// @notice Adds `amount` to a redemption's escrow (paying agent).
    function fundRedemption(address asset, uint256 amount) external;

    /// @notice Burns all the caller's units of `asset` and pays their redemption price, atomically.
    function redeem(address asset) external;

    /// @notice Redeems up to `MAX_BATCH` holders (paying agent); holders with no units or who
    /// cannot receive the cash are skipped.
    function redeemBatch(address asset, address[] calldata holders) external;

    /// @notice Once the supply is zero, sends the escrow left (rounding) to `to` (paying agent).
    function reclaimRedemption(address asset, address to) external;

    /// @notice Sets the contract told when an asset is fully redeemed, or zero (admin).
    function setRedemptionObserver(address observer) external;

    /// @notice The role that is paying agent of `asset` (granted by the admin).
    function payingAgentRole(address asset) external pure returns (bytes32);

    /// @notice A distribution.
    function distribution(uint256 id) external view returns (Distribution memory);

    /// @notice Number of distributions announced.
    function distributionCount() external view returns (uint256);

    /// @notice `holder`'s entitlement (paid or not) once the record time is past.
    function entitlementOf(uint256 id, address holder) external view returns (uint256);

    /// @notice Whether `holder`'s entitlement was paid.
    function isPaid(uint256 id, address holder) external view returns (bool);

    /// @notice Where `holder`'s cash goes: the holder, or the wallet the token last recovered it to.
    function payeeOf(address asset, address holder) external view returns (address);

    /// @notice The redemption of `asset`.
    function redemption(address asset) external view returns (Redemption memory);

    /// @notice The contract told when an asset is fully redeemed.
    function redemptionObserver() external view returns (address);
}

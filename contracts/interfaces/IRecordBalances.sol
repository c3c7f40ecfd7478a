// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IRecordBalances
 * @notice Record-time balances of a security token, for corporate actions (dividends, coupons,
 * redemptions): a holder of `RECORD_ROLE` schedules record times; once a record time is strictly
 * past, every wallet's balance and the supply at that time can be read on chain. A record time is
 * the end of the last block stamped at or before it. Frozen and locked tokens count: they are
 * balance. Keeping a wallet's record-time balance costs only its first balance change after the
 * record time.
 */
interface IRecordBalances {
    /// @notice `recordTime` was added to the pending record times.
    event RecordTimeScheduled(uint256 recordTime);
    /// @notice Record time `recordTime` passed and was kept as record point `index`, with the supply then.
    event RecordTimePassed(uint256 recordTime, uint256 index, uint256 supply);

    /// @notice A record time must be after the current block's time (and below 2^32).
    error RecordTimeNotInFuture(uint256 recordTime);
    /// @notice 32 record times are already pending, or 2^16 - 1 were ever scheduled.
    error RecordTimeLimit();
    /// @notice `recordTime` was never scheduled.
    error UnknownRecordTime(uint256 recordTime);
    /// @notice Balances at `recordTime` are known only once it is strictly past.
    error RecordTimeNotPassed(uint256 recordTime);

    /// @notice Schedules a record time (`RECORD_ROLE`). Scheduling a pending time again changes nothing.
    function scheduleRecordTime(uint256 recordTime) external;

    /// @notice `wallet`'s balance at the scheduled record time `recordTime`, once it is past.
    function balanceAtRecord(address wallet, uint256 recordTime) external view returns (uint256);

    /// @notice The supply at the scheduled record time `recordTime`, once it is past.
    function totalSupplyAtRecord(uint256 recordTime) external view returns (uint256);

    /// @notice Record times scheduled, in ascending order, that no balance change has yet passed
    /// (some may already be in the past).
    function pendingRecordTimes() external view returns (uint256[] memory);

    /// @notice How many record points balance changes have passed so far.
    function passedRecordCount() external view returns (uint256);

    /// @notice The wallet `lostWallet` was last recovered to (`recoveryAddress`), or zero.
    function recoveredWallet(address lostWallet) external view returns (address);
}

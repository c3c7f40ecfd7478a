// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IParticipantCache
 * @notice A contract bound to an `IdentityRegistry` that keeps copies of participant records (a
 * security token keeps them next to each holder's balance, so a transfer does not call the
 * registry). The registry tells it of every change to a record it has cached.
 */
interface IParticipantCache {
    /// @notice The registry's record of `wallet` changed (update, removal, re-registration, or its
    /// entity gained a second wallet). Only the registry the cache is bound to may call it.
    /// @param recordWord The new record, as `IIdentityRegistry.recordWordsOf` gives it.
    function participantChanged(address wallet, uint256 recordWord) external;
}

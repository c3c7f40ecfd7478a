// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IRedemptionObserver
 * @notice Told by `CorporateActions` when an asset's supply reaches zero through redemption (the
 * asset directory marks the asset redeemed).
 */
interface IRedemptionObserver {
    /// @notice Every unit of `asset` was redeemed: its supply is zero.
    function assetRedeemed(address asset) external;
}

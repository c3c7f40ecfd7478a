// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IRedemptionObserver} from "../interfaces/IRedemptionObserver.sol";

/// @notice Test helper: records the assets it is told were redeemed (stands in for the asset directory).
contract RecordingRedemptionObserver is IRedemptionObserver {
    event Observed(address indexed caller, address indexed asset);

    mapping(address asset => bool) public redeemed;

    /// @notice Records `asset` as redeemed.
    function assetRedeemed(address asset) external {
        redeemed[asset] = true;
        emit Observed(msg.sender, asset);
    }
}

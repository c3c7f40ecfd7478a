// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {IParticipantCache} from "../interfaces/IParticipantCache.sol";

/// @notice Test cache: caches records from a registry on request and records every change the
/// registry pushes, so tests see exactly which caches are told of which change.
contract RecordingParticipantCache is IParticipantCache {
    /// @notice A change pushed by the registry.
    event Notified(address indexed wallet, uint256 recordWord);

    IIdentityRegistry public immutable registry;
    /// @notice The last record word received per wallet (from caching or a push).
    mapping(address wallet => uint256) public recordOf;
    /// @notice How many pushes were received.
    uint256 public notifications;

    constructor(IIdentityRegistry registry_) {
        registry = registry_;
    }

    /// @notice Caches `wallet`'s record, as a token does on first sight of a wallet.
    function cache(address wallet) external returns (uint256 recordWord) {
        recordWord = registry.cacheParticipant(wallet);
        recordOf[wallet] = recordWord;
    }

    /// @notice Leaves the registry, as a token moving to another registry does.
    function leave() external {
        registry.unbindToken();
    }

    /// @inheritdoc IParticipantCache
    function participantChanged(address wallet, uint256 recordWord) external {
        recordOf[wallet] = recordWord;
        ++notifications;
        emit Notified(wallet, recordWord);
    }
}

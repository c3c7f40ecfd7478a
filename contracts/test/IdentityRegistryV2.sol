// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IdentityRegistry} from "../identity/IdentityRegistry.sol";

/// @notice Test-only second implementation, to prove upgrades keep state and need the admin.
/// @custom:oz-upgrades-from contracts/identity/IdentityRegistry.sol:IdentityRegistry
contract IdentityRegistryV2 is IdentityRegistry {
    function version() external pure returns (string memory) {
        return "2";
    }
}

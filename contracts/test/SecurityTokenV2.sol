// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {SecurityToken} from "../token/SecurityToken.sol";

/// @notice Test-only second implementation, to prove upgrades keep state and need the admin.
/// @custom:oz-upgrades-from contracts/token/SecurityToken.sol:SecurityToken
contract SecurityTokenV2 is SecurityToken {
    function version() public pure override returns (string memory) {
        return "2";
    }
}

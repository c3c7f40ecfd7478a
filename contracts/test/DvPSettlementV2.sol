// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {DvPSettlement} from "../settlement/DvPSettlement.sol";

/// @notice Test-only second implementation, to prove upgrades keep state and need the admin.
/// @custom:oz-upgrades-from contracts/settlement/DvPSettlement.sol:DvPSettlement
contract DvPSettlementV2 is DvPSettlement {
    function version() external pure returns (string memory) {
        return "2";
    }
}

// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

import {IComplianceHook} from "../interfaces/IComplianceHook.sol";

/// @notice Test hook: refuses any transfer to a blocked wallet or above a per-transfer limit.
contract MockComplianceHook is IComplianceHook {
    mapping(address wallet => bool) public blocked;
    uint256 public maxPerTransfer = type(uint256).max;

    function setBlocked(address wallet, bool isBlocked) external {
        blocked[wallet] = isBlocked;
    }

    function setMaxPerTransfer(uint256 max) external {
        maxPerTransfer = max;
    }

    function canTransfer(address, address to, uint256 value) external view returns (bool) {
        return !blocked[to] && value <= maxPerTransfer;
    }
}
